/*
 * test_quiet.c -- quiet hours (21:00-08:00 in the recipient's zone): the
 * minutes either side of each edge, the nights the clocks change, numbers
 * in other zones, and the clinic's zone for a number the table does not
 * know.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "config.h"
#include "quiet.h"
#include "shipped.h"
#include "util.h"

#define CHI	"+15125550100"	/* Austin: America/Chicago */
#define NYC	"+12125550100"	/* Manhattan: America/New_York */
#define SFO	"+14155550100"	/* San Francisco: America/Los_Angeles */

/* The instant of a wall-clock time in zone tz. */
static time_t
at(const char *tz, int y, int mon, int d, int h, int mi)
{
	struct tm	tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (util_mktime(tz, &tm));
}

/* A UTC instant. */
static time_t
utc(int y, int mon, int d, int h, int mi)
{
	struct tm	tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (timegm(&tm));
}

/* A configuration whose clinic (first location) is in zone tz. */
static struct config *
clinic_in(const char *tz)
{
	static struct location	loc;
	static struct config	cfg;

	memset(&loc, 0, sizeof loc);
	memset(&cfg, 0, sizeof cfg);
	loc.timezone = (char *)tz;
	cfg.locations = &loc;
	cfg.nlocations = 1;
	return (&cfg);
}

START_TEST(test_zones)
{
	struct config	*cfg = clinic_in("America/Denver");

	ck_assert_str_eq(quiet_zone(cfg, CHI), "America/Chicago");
	ck_assert_str_eq(quiet_zone(cfg, NYC), "America/New_York");
	ck_assert_str_eq(quiet_zone(cfg, SFO), "America/Los_Angeles");
	ck_assert_str_eq(quiet_zone(cfg, "+19155550100"), "America/Denver");
	ck_assert_str_eq(quiet_zone(cfg, "+16045550100"),
	    "America/Vancouver");
	/* Unknown: toll free, another country, not a number at all. */
	cfg = clinic_in("America/Halifax");
	ck_assert_str_eq(quiet_zone(cfg, "+18005550100"), "America/Halifax");
	ck_assert_str_eq(quiet_zone(cfg, "+442071234567"), "America/Halifax");
	ck_assert_str_eq(quiet_zone(cfg, "+1512555010"), "America/Halifax");
	ck_assert_str_eq(quiet_zone(cfg, "+1512555010x"), "America/Halifax");
	ck_assert_str_eq(quiet_zone(cfg, NULL), "America/Halifax");
	/* No location at all: Central, where the clinic is. */
	cfg->nlocations = 0;
	ck_assert_str_eq(quiet_zone(cfg, "+18005550100"), "America/Chicago");
}
END_TEST

START_TEST(test_shipped_clinic)
{
	struct config	*cfg = shipped_config();

	ck_assert_ptr_nonnull(cfg);
	ck_assert_str_eq(quiet_zone(cfg, "+18885550100"),
	    cfg->locations[0].timezone);
	config_unref(cfg);
}
END_TEST

/* Every zone in the table is one this machine's tz database knows. */
START_TEST(test_table_zones_valid)
{
	const char	*z;
	int		 code, n = 0;

	for (code = 200; code <= 999; code++) {
		if ((z = quiet_area_zone(code)) == NULL)
			continue;
		ck_assert_msg(util_tz_valid(z), "%d: %s", code, z);
		n++;
	}
	ck_assert_int_gt(n, 350);
	ck_assert_ptr_null(quiet_area_zone(800));
	ck_assert_ptr_null(quiet_area_zone(555));
}
END_TEST

START_TEST(test_edges)
{
	struct config	*cfg = clinic_in("America/Chicago");
	const char	*tz = "America/Chicago";
	time_t		 t;

	/* 20:59 goes; 21:00 waits for 08:00 tomorrow. */
	t = at(tz, 2030, 6, 12, 20, 59);
	ck_assert_int_eq(quiet_next_allowed(cfg, CHI, t), t);
	ck_assert_int_eq(quiet_is_quiet(cfg, CHI, t), 0);
	t = at(tz, 2030, 6, 12, 21, 0);
	ck_assert_int_eq(quiet_next_allowed(cfg, CHI, t),
	    at(tz, 2030, 6, 13, 8, 0));
	ck_assert_int_eq(quiet_is_quiet(cfg, CHI, t), 1);
	t = at(tz, 2030, 6, 12, 23, 59);
	ck_assert_int_eq(quiet_next_allowed(cfg, CHI, t),
	    at(tz, 2030, 6, 13, 8, 0));
	/* After midnight: 08:00 the same day; 07:59 waits, 08:00 goes. */
	t = at(tz, 2030, 6, 13, 0, 0);
	ck_assert_int_eq(quiet_next_allowed(cfg, CHI, t),
	    at(tz, 2030, 6, 13, 8, 0));
	t = at(tz, 2030, 6, 13, 7, 59);
	ck_assert_int_eq(quiet_next_allowed(cfg, CHI, t),
	    at(tz, 2030, 6, 13, 8, 0));
	t = at(tz, 2030, 6, 13, 8, 0);
	ck_assert_int_eq(quiet_next_allowed(cfg, CHI, t), t);
	/* The last night of a month and of a year roll over. */
	t = at(tz, 2030, 12, 31, 22, 15);
	ck_assert_int_eq(quiet_next_allowed(cfg, CHI, t),
	    at(tz, 2031, 1, 1, 8, 0));
}
END_TEST

START_TEST(test_other_zones)
{
	struct config	*cfg = clinic_in("America/Chicago");
	const char	*tz = "America/Chicago";
	time_t		 t;

	/* 21:30 in Austin is 22:30 in New York (quiet), 19:30 in SF. */
	t = at(tz, 2030, 6, 12, 21, 30);
	ck_assert_int_eq(quiet_next_allowed(cfg, NYC, t),
	    at("America/New_York", 2030, 6, 13, 8, 0));
	ck_assert_int_eq(quiet_next_allowed(cfg, SFO, t), t);
	/* 20:00 in Austin is 21:00 in New York: just quiet. */
	t = at(tz, 2030, 6, 12, 20, 0);
	ck_assert_int_eq(quiet_is_quiet(cfg, NYC, t), 1);
	ck_assert_int_eq(quiet_is_quiet(cfg, CHI, t), 0);
	/* 07:30 in Austin is 08:30 in New York, 05:30 in SF. */
	t = at(tz, 2030, 6, 13, 7, 30);
	ck_assert_int_eq(quiet_next_allowed(cfg, NYC, t), t);
	ck_assert_int_eq(quiet_next_allowed(cfg, SFO, t), utc(2030, 6, 13,
	    15, 0));	/* 08:00 PDT */
	ck_assert_int_eq(quiet_next_allowed(cfg, CHI, t), utc(2030, 6, 13,
	    13, 0));	/* 08:00 CDT */
}
END_TEST

/* The nights the clocks change: 08:00 on the wall, whatever the offset. */
START_TEST(test_dst)
{
	struct config	*cfg = clinic_in("America/Chicago");

	/* 10 March 2030, spring forward: 22:00 CST (04:00Z) -> 08:00 CDT. */
	ck_assert_int_eq(quiet_next_allowed(cfg, CHI, utc(2030, 3, 10, 4, 0)),
	    utc(2030, 3, 10, 13, 0));
	/* 03:30 CDT, just after the jump (08:30Z). */
	ck_assert_int_eq(quiet_next_allowed(cfg, CHI, utc(2030, 3, 10, 8, 30)),
	    utc(2030, 3, 10, 13, 0));
	/* 3 November 2030, fall back: 22:00 CDT (03:00Z) -> 08:00 CST. */
	ck_assert_int_eq(quiet_next_allowed(cfg, CHI, utc(2030, 11, 3, 3, 0)),
	    utc(2030, 11, 3, 14, 0));
	/* The repeated hour, 01:30 CDT and 01:30 CST. */
	ck_assert_int_eq(quiet_next_allowed(cfg, CHI, utc(2030, 11, 3, 6, 30)),
	    utc(2030, 11, 3, 14, 0));
	ck_assert_int_eq(quiet_next_allowed(cfg, CHI, utc(2030, 11, 3, 7, 30)),
	    utc(2030, 11, 3, 14, 0));
	/* The evening after: 20:59 CST goes, 21:00 CST waits. */
	ck_assert_int_eq(quiet_is_quiet(cfg, CHI, utc(2030, 11, 4, 2, 59)), 0);
	ck_assert_int_eq(quiet_is_quiet(cfg, CHI, utc(2030, 11, 4, 3, 0)), 1);
	/* Arizona keeps standard time: 08:00 MST is 15:00Z all year. */
	ck_assert_int_eq(quiet_next_allowed(cfg, "+16025550100",
	    utc(2030, 7, 1, 4, 0)), utc(2030, 7, 1, 15, 0));
	ck_assert_int_eq(quiet_next_allowed(cfg, "+16025550100",
	    utc(2030, 1, 1, 4, 0)), utc(2030, 1, 1, 15, 0));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("quiet");
	TCase	*tc = tcase_create("quiet");

	tcase_add_test(tc, test_zones);
	tcase_add_test(tc, test_shipped_clinic);
	tcase_add_test(tc, test_table_zones_valid);
	tcase_add_test(tc, test_edges);
	tcase_add_test(tc, test_other_zones);
	tcase_add_test(tc, test_dst);
	suite_add_tcase(s, tc);
	return (shipped_run(s));
}
