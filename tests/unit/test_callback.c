/*
 * test_callback.c -- unit tests of how a repeat request joins an open
 * callback entry (callback.c's pure rules): what the entry shows after
 * it, which request is news to staff, a request in words, and the
 * locations an entry's requests name.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "callback.h"

static struct callback_fields
entry(const char *location, const char *topic, int priority)
{
	struct callback_fields	f;

	memset(&f, 0, sizeof f);
	f.location = location;
	f.topic = topic;
	f.language = "en";
	f.window = "morning";
	f.priority = priority;
	return (f);
}

static struct callback_req
req(const char *location, const char *topic, int priority)
{
	struct callback_req	q;

	memset(&q, 0, sizeof q);
	q.phone = "+18175550101";
	q.location = location;
	q.topic = topic;
	q.language = "es";
	q.priority = priority;
	q.source = "voice";
	return (q);
}

START_TEST(test_merge_keeps_queue_and_raises_priority_only)
{
	struct callback_fields	f = entry("fort-worth", "stretches", 0);
	struct callback_req	q = req("coppell", "recovery", 0);

	callback_merge(&f, &q, "en");
	/* The queue is the first request's: the place in line goes with it. */
	ck_assert_str_eq(f.location, "fort-worth");
	ck_assert_str_eq(f.topic, "recovery");
	ck_assert_str_eq(f.language, "es");
	ck_assert_str_eq(f.window, "morning");
	ck_assert_ptr_null(f.recording_url);
	ck_assert_int_eq(f.priority, 0);

	q = req(NULL, NULL, 1);
	callback_merge(&f, &q, "en");
	ck_assert_int_eq(f.priority, 1);
	ck_assert_str_eq(f.topic, "recovery");	/* no topic: the old one */

	q = req("allen", "prevention", 0);
	q.window = "afternoon";
	q.recording_url = "https://api.example.test/Recordings/RE1";
	callback_merge(&f, &q, "en");
	ck_assert_int_eq(f.priority, 1);	/* never lowered */
	ck_assert_str_eq(f.location, "fort-worth");
	ck_assert_str_eq(f.window, "afternoon");
	ck_assert_str_eq(f.recording_url,
	    "https://api.example.test/Recordings/RE1");

	/* The shared queue stays shared: everyone already sees it. */
	f = entry(NULL, "general", 0);
	q = req("garland", NULL, 0);
	callback_merge(&f, &q, "en");
	ck_assert_ptr_null(f.location);
}
END_TEST

START_TEST(test_merge_keeps_a_red_flag_topic)
{
	struct callback_fields	f = entry("allen", "stretches", 0);
	struct callback_req	q = req(NULL, "red_flag", 1);

	callback_merge(&f, &q, "en");
	ck_assert_str_eq(f.topic, "red_flag");
	ck_assert_int_eq(f.priority, 1);
	q = req("allen", "stretches", 0);
	callback_merge(&f, &q, "en");
	ck_assert_str_eq(f.topic, "red_flag");
	ck_assert_int_eq(f.priority, 1);
}
END_TEST

START_TEST(test_merge_general_and_default_language_keep_the_specific)
{
	struct callback_fields	f = entry("fort-worth", "stretches", 0);
	struct callback_req	q = req("coppell", "general", 0);

	/* Spanish chosen on the first call; a later call left at English. */
	f.language = "es";
	q.language = "en";
	callback_merge(&f, &q, "en");
	ck_assert_str_eq(f.topic, "stretches");
	ck_assert_str_eq(f.language, "es");
	/* Without a default, the newest language stands. */
	callback_merge(&f, &q, NULL);
	ck_assert_str_eq(f.language, "en");
	/* A specific topic replaces a general one, and a newer specific one. */
	f = entry(NULL, "general", 0);
	q = req(NULL, "prevention", 0);
	callback_merge(&f, &q, "en");
	ck_assert_str_eq(f.topic, "prevention");
	q.topic = "recovery";
	callback_merge(&f, &q, "en");
	ck_assert_str_eq(f.topic, "recovery");
	/* A chosen language replaces the default one. */
	f.language = "en";
	q.language = "es";
	callback_merge(&f, &q, "en");
	ck_assert_str_eq(f.language, "es");
}
END_TEST

START_TEST(test_reason)
{
	struct callback_req	q = req(NULL, NULL, 0);

	ck_assert_str_eq(callback_reason(&q), "callback");
	q.recording_url = "https://api.example.test/Recordings/RE1";
	ck_assert_str_eq(callback_reason(&q), "voicemail");
	q.priority = 1;
	ck_assert_str_eq(callback_reason(&q), "red_flag");
	q.reason = "callback";
	ck_assert_str_eq(callback_reason(&q), "callback");
}
END_TEST

START_TEST(test_repeat_news)
{
	struct callback_fields	f = entry("fort-worth", "stretches", 0);
	struct callback_req	q = req("fort-worth", "stretches", 0);

	/* The same again: nothing new for staff. */
	ck_assert_int_eq(callback_repeat_news(&f, &q, 1), 0);
	q.location = NULL;
	ck_assert_int_eq(callback_repeat_news(&f, &q, 0), 0);
	/* Another location, not named before. */
	q.location = "coppell";
	ck_assert_int_eq(callback_repeat_news(&f, &q, 0), 1);
	ck_assert_int_eq(callback_repeat_news(&f, &q, 1), 0);
	/* A voicemail to listen to. */
	q.recording_url = "https://api.example.test/Recordings/RE1";
	ck_assert_int_eq(callback_repeat_news(&f, &q, 1), 1);
	/* A red flag, unless the entry already is one. */
	q = req(NULL, NULL, 1);
	ck_assert_int_eq(callback_repeat_news(&f, &q, 0), 1);
	f.priority = 1;
	ck_assert_int_eq(callback_repeat_news(&f, &q, 0), 0);
}
END_TEST

START_TEST(test_request_words)
{
	char	buf[64];

	ck_assert_str_eq(callback_request_words("voice", "callback",
	    "Fort Worth", buf, sizeof buf), "Fort Worth callback");
	ck_assert_str_eq(callback_request_words("voicemail", "voicemail",
	    "Coppell", buf, sizeof buf), "Coppell voicemail");
	ck_assert_str_eq(callback_request_words("sms", "callback", NULL, buf,
	    sizeof buf), "callback by text");
	ck_assert_str_eq(callback_request_words("sms", "red_flag", NULL, buf,
	    sizeof buf), "red flag by text");
	ck_assert_str_eq(callback_request_words("voice", "red_flag", "Allen",
	    buf, sizeof buf), "Allen red flag on a call");
	ck_assert_str_eq(callback_request_words(NULL, NULL, "", buf,
	    sizeof buf), "callback");
	/* Cut to the buffer, still a string. */
	ck_assert_str_eq(callback_request_words("voicemail", "voicemail",
	    "Coppell", buf, 8), "Coppell");
}
END_TEST

START_TEST(test_locations)
{
	json_t	*reqs, *locs;

	reqs = json_pack("[{s:s}, {s:n}, {s:s}, {s:s}, {}]", "location",
	    "fort-worth", "location", "location", "coppell", "location",
	    "fort-worth");
	locs = callback_locations(reqs);
	ck_assert_int_eq(json_array_size(locs), 2);
	ck_assert_str_eq(json_string_value(json_array_get(locs, 0)),
	    "fort-worth");
	ck_assert_str_eq(json_string_value(json_array_get(locs, 1)),
	    "coppell");
	json_decref(locs);
	json_decref(reqs);
	reqs = json_array();
	locs = callback_locations(reqs);
	ck_assert_int_eq(json_array_size(locs), 0);
	json_decref(locs);
	json_decref(reqs);
}
END_TEST

START_TEST(test_outcome)
{
	struct callback_outcome	d;

	ck_assert_int_eq(callback_outcome_decide(NULL, "lost", 0, NULL, 1000,
	    &d), -1);
	/* Reached or a message left: done, one attempt counted. */
	ck_assert_int_eq(callback_outcome_decide(NULL, "reached", 0, NULL,
	    1000, &d), 0);
	ck_assert_str_eq(d.status, "done");
	ck_assert_int_eq(d.attempts, 1);
	ck_assert_int_eq(d.tell, 0);
	callback_outcome_decide(NULL, "left_message", 1, NULL, 1000, &d);
	ck_assert_str_eq(d.status, "done");
	ck_assert_int_eq(d.attempts, 2);
	/* A cancellation is no attempt; a wrong number is one. */
	callback_outcome_decide(NULL, "cancelled", 1, NULL, 1000, &d);
	ck_assert_str_eq(d.status, "cancelled");
	ck_assert_int_eq(d.attempts, 1);
	callback_outcome_decide(NULL, "wrong_number", 1, NULL, 1000, &d);
	ck_assert_str_eq(d.status, "cancelled");
	ck_assert_int_eq(d.attempts, 2);
	/* No answer: back in line, later, until the third attempt. */
	callback_outcome_decide(NULL, "no_answer", 0, NULL, 1000, &d);
	ck_assert_str_eq(d.status, "waiting");
	ck_assert_int_eq(d.attempts, 1);
	ck_assert_int_gt(d.not_before, 1000);
	ck_assert_int_eq(d.not_before, callback_retry_at(NULL, NULL, 1000));
	ck_assert_int_eq(d.tell, 0);
	callback_outcome_decide(NULL, "busy", 1, NULL, 1000, &d);
	ck_assert_str_eq(d.status, "waiting");
	callback_outcome_decide(NULL, "failed", 2, NULL, 1000, &d);
	ck_assert_str_eq(d.status, "unreachable");
	ck_assert_int_eq(d.attempts, 3);
	ck_assert_int_eq(d.tell, 1);
}
END_TEST

static Suite *
callback_suite(void)
{
	Suite	*s = suite_create("callback");
	TCase	*tc = tcase_create("merge");

	tcase_add_test(tc, test_merge_keeps_queue_and_raises_priority_only);
	tcase_add_test(tc, test_merge_keeps_a_red_flag_topic);
	tcase_add_test(tc, test_merge_general_and_default_language_keep_the_specific);
	tcase_add_test(tc, test_reason);
	tcase_add_test(tc, test_repeat_news);
	tcase_add_test(tc, test_request_words);
	tcase_add_test(tc, test_locations);
	tcase_add_test(tc, test_outcome);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(callback_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
