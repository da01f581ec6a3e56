/*
 * test_estimate.c -- unit tests of the one callback estimate (estimate.c)
 * without a store: minutes while the call can come before closing, the
 * next opening otherwise (closing soon, overnight, weekend, holiday,
 * closed for good), in English and Spanish.  Every instant is written out
 * (Chicago, standard time: UTC-6); nothing reads the real clock.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "estimate.h"
#include "location.h"

static struct config	cfg;
static struct location	locs[2];
static struct holiday	xmas;

/* Local Chicago time in December or November (UTC-6). */
static time_t
at(int y, int mo, int d, int h, int mi)
{
	struct tm	tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (timegm(&tm) + 6 * 3600);
}

static void
hours(struct location *l, int wday, const char *open, const char *close)
{
	int	a, b, c, d;

	if (open == NULL) {
		l->hours[wday].open = l->hours[wday].close = -1;
		return;
	}
	sscanf(open, "%d:%d", &a, &b);
	sscanf(close, "%d:%d", &c, &d);
	l->hours[wday].open = a * 60 + b;
	l->hours[wday].close = c * 60 + d;
}

/*
 * Two locations like the shipped ones: "fw" weekdays 8-17 (Friday 8-16),
 * Saturday 9-12; "allen" Monday to Thursday 7:30-17, Friday 7:30-15.
 * Both closed on Christmas (observed).
 */
static void
setup(void)
{
	int	i;

	memset(&cfg, 0, sizeof cfg);
	memset(locs, 0, sizeof locs);
	ck_assert_int_eq(location_holiday_parse("12-25 observed", &xmas), 0);
	locs[0].id = "fw";
	locs[0].timezone = "America/Chicago";
	hours(&locs[0], 0, NULL, NULL);
	for (i = 1; i <= 4; i++)
		hours(&locs[0], i, "08:00", "17:00");
	hours(&locs[0], 5, "08:00", "16:00");
	hours(&locs[0], 6, "09:00", "12:00");
	locs[1].id = "allen";
	locs[1].timezone = "America/Chicago";
	hours(&locs[1], 0, NULL, NULL);
	for (i = 1; i <= 4; i++)
		hours(&locs[1], i, "07:30", "17:00");
	hours(&locs[1], 5, "07:30", "15:00");
	hours(&locs[1], 6, NULL, NULL);
	for (i = 0; i < 2; i++) {
		locs[i].holidays = &xmas;
		locs[i].nholidays = 1;
	}
	cfg.locations = locs;
	cfg.nlocations = 2;
	cfg.nlangs = 2;
	cfg.langs[0] = "en";
	cfg.langs[1] = "es";
}

static const struct estimate_rate ten = { 10, 1 };

static void
words(const struct estimate *e, time_t now, int lang, const char *want)
{
	char	buf[96];

	estimate_opening_words(&cfg, e, now, lang, buf, sizeof buf);
	ck_assert_str_eq(buf, want);
}

START_TEST(test_open_gives_minutes)
{
	struct estimate		e;
	struct estimate_rate	two = { 10, 2 };
	time_t			now = at(2026, 12, 1, 10, 0);	/* Tuesday */
	char			buf[96];

	estimate_wait(&cfg, "fw", 2, &ten, now, &e);
	ck_assert_int_eq(e.later, 0);
	ck_assert_int_eq(e.minutes, 20);
	estimate_text(&cfg, &e, now, buf, sizeof buf);
	ck_assert_str_eq(buf, "within 20 minutes");
	/* Two staff at it: three callbacks ahead take fifteen minutes. */
	estimate_wait(&cfg, NULL, 3, &two, now, &e);
	ck_assert_int_eq(e.later, 0);
	ck_assert_int_eq(e.minutes, 15);
}
END_TEST

START_TEST(test_closing_soon_names_next_opening)
{
	struct estimate	e;
	time_t		now = at(2026, 12, 1, 16, 55);
	char		buf[96];

	/* Five minutes left, ten needed: not "10 minutes". */
	estimate_wait(&cfg, "fw", 1, &ten, now, &e);
	ck_assert_int_eq(e.later, 1);
	ck_assert_int_eq(e.minutes, 0);
	ck_assert_int_eq(e.opens_at, at(2026, 12, 2, 8, 0));
	words(&e, now, 0, "tomorrow at 8 AM");
	/* The shared queue: the earliest opening of any location. */
	estimate_wait(&cfg, NULL, 1, &ten, now, &e);
	ck_assert_int_eq(e.later, 1);
	ck_assert_int_eq(e.opens_at, at(2026, 12, 2, 7, 30));
	ck_assert_ptr_eq(e.where, &locs[1]);
	estimate_text(&cfg, &e, now, buf, sizeof buf);
	ck_assert_str_eq(buf, "after we open tomorrow at 7:30 AM");
	words(&e, now, 1, "mañana a las 7:30 a. m.");
	/* Four minutes fit in five. */
	estimate_wait(&cfg, NULL, 1, &(struct estimate_rate){ 4, 1 }, now, &e);
	ck_assert_int_eq(e.later, 0);
	ck_assert_int_eq(e.minutes, 4);
}
END_TEST

START_TEST(test_closed_overnight)
{
	struct estimate	e;
	time_t		now = at(2026, 12, 1, 22, 0);

	estimate_wait(&cfg, NULL, 1, &ten, now, &e);
	ck_assert_int_eq(e.later, 1);
	ck_assert_int_eq(e.opens_at, at(2026, 12, 2, 7, 30));
	words(&e, now, 0, "tomorrow at 7:30 AM");
	/* Just after midnight it is "today". */
	now = at(2026, 12, 2, 0, 30);
	estimate_wait(&cfg, "fw", 1, &ten, now, &e);
	ck_assert_int_eq(e.opens_at, at(2026, 12, 2, 8, 0));
	words(&e, now, 0, "today at 8 AM");
	words(&e, now, 1, "hoy a las 8 a. m.");
}
END_TEST

START_TEST(test_weekend)
{
	struct estimate	e;
	time_t		now = at(2026, 12, 5, 10, 0);	/* Saturday */

	/* Fort Worth is open Saturday morning: minutes. */
	estimate_wait(&cfg, NULL, 1, &ten, now, &e);
	ck_assert_int_eq(e.later, 0);
	ck_assert_int_eq(e.minutes, 10);
	/* Allen is not: its queue waits for Monday. */
	estimate_wait(&cfg, "allen", 1, &ten, now, &e);
	ck_assert_int_eq(e.later, 1);
	ck_assert_int_eq(e.opens_at, at(2026, 12, 7, 7, 30));
	words(&e, now, 0, "Monday at 7:30 AM");
	words(&e, now, 1, "el lunes a las 7:30 a. m.");
	/* Saturday after noon: nobody until Monday. */
	now = at(2026, 12, 5, 13, 0);
	estimate_wait(&cfg, NULL, 1, &ten, now, &e);
	ck_assert_int_eq(e.later, 1);
	ck_assert_int_eq(e.opens_at, at(2026, 12, 7, 7, 30));
}
END_TEST

START_TEST(test_holiday)
{
	struct estimate	e;
	time_t		now = at(2026, 12, 25, 10, 0);	/* Christmas, a Friday */

	estimate_wait(&cfg, NULL, 1, &ten, now, &e);
	ck_assert_int_eq(e.later, 1);
	ck_assert_int_eq(e.opens_at, at(2026, 12, 26, 9, 0));
	ck_assert_ptr_eq(e.where, &locs[0]);
	words(&e, now, 0, "tomorrow at 9 AM");
	/* Christmas Eve evening: Friday is a holiday, Saturday opens. */
	now = at(2026, 12, 24, 18, 0);
	estimate_wait(&cfg, "fw", 1, &ten, now, &e);
	ck_assert_int_eq(e.opens_at, at(2026, 12, 26, 9, 0));
	words(&e, now, 0, "Saturday at 9 AM");
}
END_TEST

START_TEST(test_closed_until_further_notice)
{
	struct estimate	e;
	time_t		now = at(2026, 12, 1, 10, 0);
	char		buf[96];

	locs[0].emergency_closed = locs[1].emergency_closed = 1;
	estimate_wait(&cfg, NULL, 1, &ten, now, &e);
	ck_assert_int_eq(e.later, 1);
	ck_assert_int_eq(e.opens_at, 0);
	words(&e, now, 0, "again");
	words(&e, now, 1, "de nuevo");
	estimate_text(&cfg, &e, now, buf, sizeof buf);
	ck_assert_str_eq(buf, "after we open again");
	/* One location closed: the other's queue and the shared one run. */
	locs[1].emergency_closed = 0;
	estimate_wait(&cfg, NULL, 1, &ten, now, &e);
	ck_assert_int_eq(e.later, 0);
	estimate_wait(&cfg, "fw", 1, &ten, now, &e);
	ck_assert_int_eq(e.later, 1);
	ck_assert_int_eq(e.opens_at, 0);
}
END_TEST

/*
 * A loaded configuration's answers are remembered per queue and second,
 * keyed by its generation: a reload (a new generation) is never answered
 * from the one before, and every position in the same second gets its own
 * answer.
 */
START_TEST(test_remembered_per_generation)
{
	struct estimate	e;
	time_t		now = at(2026, 12, 1, 16, 0);	/* Tuesday */

	cfg.generation = 7;
	estimate_wait(&cfg, "fw", 1, &ten, now, &e);
	ck_assert_int_eq(e.later, 0);
	ck_assert_int_eq(e.minutes, 10);
	/* Past closing in the same second: the next opening. */
	estimate_wait(&cfg, "fw", 7, &ten, now, &e);
	ck_assert_int_eq(e.later, 1);
	ck_assert_int_eq(e.opens_at, at(2026, 12, 2, 8, 0));
	estimate_wait(&cfg, "fw", 2, &ten, now, &e);
	ck_assert_int_eq(e.later, 0);
	ck_assert_int_eq(e.minutes, 20);
	/* The shared queue is another: its next opening is Allen's. */
	estimate_wait(&cfg, NULL, 7, &ten, now, &e);
	ck_assert_int_eq(e.later, 1);
	ck_assert_int_eq(e.opens_at, at(2026, 12, 2, 7, 30));
	/* Reloaded with Fort Worth closed, in the same second. */
	locs[0].emergency_closed = 1;
	cfg.generation = 8;
	estimate_wait(&cfg, "fw", 1, &ten, now, &e);
	ck_assert_int_eq(e.later, 1);
	ck_assert_int_eq(e.opens_at, 0);
	estimate_wait(&cfg, NULL, 1, &ten, now, &e);
	ck_assert_int_eq(e.later, 0);
	ck_assert_int_eq(e.minutes, 10);
}
END_TEST

static Suite *
estimate_suite(void)
{
	Suite	*s = suite_create("estimate");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_open_gives_minutes);
	tcase_add_test(tc, test_closing_soon_names_next_opening);
	tcase_add_test(tc, test_closed_overnight);
	tcase_add_test(tc, test_weekend);
	tcase_add_test(tc, test_holiday);
	tcase_add_test(tc, test_closed_until_further_notice);
	tcase_add_test(tc, test_remembered_per_generation);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(estimate_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
