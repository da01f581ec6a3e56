/*
 * test_filter.c -- unit tests of the queue's filters and search as staff
 * send them (queue_filter.c): topics, days on the location's clock,
 * exact times, the number's last digits, and what is refused.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "queue_filter.h"

static struct config	cfg;
static struct location	loc[2];
static struct topic	topic[2];

static void
setup(void)
{
	memset(&cfg, 0, sizeof cfg);
	memset(loc, 0, sizeof loc);
	memset(topic, 0, sizeof topic);
	loc[0].id = "fort-worth";
	loc[0].timezone = "America/Chicago";
	loc[1].id = "el-paso";
	loc[1].timezone = "America/Denver";
	cfg.locations = loc;
	cfg.nlocations = 2;
	topic[0].id = "stretches";
	topic[1].id = "general";
	cfg.topics = topic;
	cfg.ntopics = 2;
}

static int
parse(const char *location, const char *topic_, const char *from,
    const char *to, const char *q, struct queue_filter *f)
{
	const char	*why = NULL;
	int		 rc;

	rc = queue_filter_parse(&cfg, location, topic_, from, to, q, f, &why);
	ck_assert(rc == 0 || why != NULL);
	return (rc);
}

START_TEST(test_nothing_filters_nothing)
{
	struct queue_filter	f;

	setup();
	ck_assert_int_eq(parse(NULL, NULL, NULL, NULL, NULL, &f), 0);
	ck_assert_str_eq(f.topic, "");
	ck_assert_str_eq(f.tail, "");
	ck_assert_int_eq(f.from, 0);
	ck_assert_int_eq(f.to, 0);
	queue_filter_clear(&f);
	ck_assert_int_eq(parse("", "", "", "", "", &f), 0);
	queue_filter_clear(&f);
}
END_TEST

START_TEST(test_days_on_the_locations_clock)
{
	struct queue_filter	f;

	setup();
	/* 2025-12-01 in Chicago: 06:00 UTC to the next 06:00 UTC. */
	ck_assert_int_eq(parse(NULL, NULL, "2025-12-01", "2025-12-01", NULL,
	    &f), 0);
	ck_assert_int_eq(f.from, 1764568800);
	ck_assert_int_eq(f.to, 1764568800 + 86400);
	queue_filter_clear(&f);
	/* In El Paso's zone when that location is asked for. */
	ck_assert_int_eq(parse("el-paso", NULL, "2025-12-01", NULL, NULL, &f),
	    0);
	ck_assert_int_eq(f.from, 1764568800 + 3600);
	queue_filter_clear(&f);
	/* An exact time with its offset. */
	ck_assert_int_eq(parse(NULL, NULL, "2025-12-01T10:00:00-06:00", NULL,
	    NULL, &f), 0);
	ck_assert_int_eq(f.from, 1764604800);
	queue_filter_clear(&f);
}
END_TEST

START_TEST(test_search_and_topics)
{
	struct queue_filter	f;

	setup();
	ck_assert_int_eq(parse(NULL, "stretches", NULL, NULL, "(817) 555-0142",
	    &f), 0);
	ck_assert_str_eq(f.topic, "stretches");
	ck_assert_str_eq(f.tail, "8175550142");
	queue_filter_clear(&f);
	ck_assert_int_eq(parse(NULL, NULL, NULL, NULL, "42", &f), 0);
	ck_assert_str_eq(f.tail, "42");
	queue_filter_clear(&f);
}
END_TEST

START_TEST(test_refused)
{
	struct queue_filter	f;

	setup();
	ck_assert_int_eq(parse(NULL, "nope", NULL, NULL, NULL, &f), -1);
	ck_assert_int_eq(parse(NULL, NULL, "yesterday", NULL, NULL, &f), -1);
	ck_assert_int_eq(parse(NULL, NULL, NULL, "2026-13-40", NULL, &f), -1);
	ck_assert_int_eq(parse(NULL, NULL, "2026-12-02", "2025-12-01", NULL,
	    &f), -1);
	ck_assert_int_eq(parse(NULL, NULL, NULL, NULL, "4", &f), -1);
	ck_assert_int_eq(parse(NULL, NULL, NULL, NULL, "0142x", &f), -1);
	ck_assert_int_eq(parse(NULL, NULL, NULL, NULL, "1234567890123456",
	    &f), -1);
	ck_assert_int_eq(parse(NULL, NULL, NULL, NULL, "%", &f), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("filter");
	TCase	*tc = tcase_create("pure");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_nothing_filters_nothing);
	tcase_add_test(tc, test_days_on_the_locations_clock);
	tcase_add_test(tc, test_search_and_topics);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
