/*
 * test_notify.c -- who hears about the callback queue, decided without a
 * store (notify.h): nothing while nobody can act, the on-call number of
 * the entry's location (every open one for the shared queue), the staff
 * who work there by e-mail unless the location has an on-call address,
 * the chat post, a repeat request that names another location, and what
 * a notice may say, against the shipped configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "callback.h"
#include "config.h"
#include "location.h"
#include "notify.h"
#include "shipped.h"

static struct config	*cfg;

#define OPEN	1796140800	/* Tue 2026-12-01 10:00 in Texas: all open */
#define CLOSED	1796115600	/* the same day, 03:00: all closed */

static struct notify_contact staff[] = {
	{ "alice@example.org", "*" },
	{ "bob@example.org", "allen" },
	{ "carol@example.org", "fort-worth,coppell" },
};

static void
load_shipped(void)
{
	cfg = shipped_config();
	ck_assert_ptr_nonnull(cfg);
	cfg->notify_sms = 1;
	cfg->notify_email = 0;
	cfg->notify_chat = 0;
}

static void
unload(void)
{
	config_unref(cfg);
	cfg = NULL;
}

static void
set(char **field, const char *value)
{
	free(*field);
	*field = strdup(value);
}

static struct callback_brief
entry(const char *location, int priority)
{
	struct callback_brief	e;

	memset(&e, 0, sizeof e);
	e.id = 7;
	e.phone = (char *)"+18175550051";
	e.location = (char *)location;
	e.topic = (char *)"stretches";
	e.language = (char *)"es";
	e.priority = priority;
	e.queued_at = OPEN - 1200;
	e.requests = 1;
	return (e);
}

static struct notify_facts
facts(const struct callback_brief *e, const char *event)
{
	struct notify_facts	f;

	memset(&f, 0, sizeof f);
	f.entry = e;
	f.event = event;
	f.staff = staff;
	f.nstaff = sizeof staff / sizeof staff[0];
	return (f);
}

/* The row with key, or NULL. */
static const struct notify_row *
row(const struct notify_plan *p, const char *key)
{
	size_t	i;

	for (i = 0; i < p->n; i++) {
		if (strcmp(p->rows[i].key, key) == 0)
			return (&p->rows[i]);
	}
	return (NULL);
}

static const char *
field(const struct notify_row *r, const char *name)
{
	return (json_string_value(json_object_get(r->payload, name)));
}

START_TEST(test_joined_open_location)
{
	struct callback_brief	 e = entry("fort-worth", 0);
	struct notify_facts	 f = facts(&e, "joined");
	struct notify_plan	 p;
	const struct notify_row	*r;
	const char		*body;

	notify_decide(cfg, &f, OPEN, &p);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_ptr_nonnull(r = row(&p, "notify:sms:7:joined"));
	ck_assert_str_eq(r->kind, "sms");
	ck_assert_str_eq(r->recipient, "+18175550111");
	ck_assert_str_eq(field(r, "to"), "+18175550111");
	body = field(r, "body");
	ck_assert_ptr_nonnull(strstr(body, "New callback request #7 "
	    "(Fort Worth)"));
	ck_assert_ptr_nonnull(strstr(body, "Topic: stretches"));
	ck_assert_ptr_nonnull(strstr(body, "Language: Spanish"));
	/* The last four digits, never the number. */
	ck_assert_ptr_nonnull(strstr(body, "ends in 0051"));
	ck_assert_ptr_null(strstr(body, "8175550051"));
	ck_assert_ptr_null(strstr(body, "PRIORITY"));
	notify_plan_clear(&p);
	ck_assert_uint_eq(p.n, 0);
}
END_TEST

START_TEST(test_nothing_while_closed)
{
	struct callback_brief	e = entry("fort-worth", 1);
	struct notify_facts	f = facts(&e, "joined");
	struct notify_plan	p;

	cfg->notify_chat = 1;
	set(&cfg->chat_webhook, "https://chat.example.org/hook");
	notify_decide(cfg, &f, CLOSED, &p);
	ck_assert_uint_eq(p.n, 0);
	notify_plan_clear(&p);
	e.location = NULL;
	notify_decide(cfg, &f, CLOSED, &p);
	ck_assert_uint_eq(p.n, 0);
	notify_plan_clear(&p);
	ck_assert_int_eq(notify_due(cfg, "fort-worth", CLOSED), 0);
	ck_assert_int_eq(notify_due(cfg, NULL, CLOSED), 0);
	ck_assert_int_eq(notify_due(cfg, "fort-worth", OPEN), 1);
	ck_assert_int_eq(notify_due(cfg, NULL, OPEN), 1);
}
END_TEST

START_TEST(test_shared_queue_reaches_every_open_location)
{
	struct callback_brief	 e = entry(NULL, 1);
	struct notify_facts	 f = facts(&e, "waiting");
	struct notify_plan	 p;
	const struct notify_row	*r;
	size_t			 i;
	char			 key[128];

	notify_decide(cfg, &f, OPEN, &p);
	ck_assert_uint_eq(p.n, cfg->nlocations);
	for (i = 0; i < cfg->nlocations; i++) {
		snprintf(key, sizeof key, "notify:sms:7:waiting:%s",
		    cfg->locations[i].id);
		ck_assert_ptr_nonnull(r = row(&p, key));
		ck_assert_str_eq(r->recipient, cfg->locations[i].oncall_sms);
		ck_assert_ptr_nonnull(strstr(field(r, "body"),
		    "PRIORITY: Callback #7 has waited 20 minutes (shared "
		    "queue)"));
		ck_assert_ptr_nonnull(strstr(field(r, "body"),
		    "Red flag: call back first."));
	}
	notify_plan_clear(&p);
}
END_TEST

START_TEST(test_email_to_staff_who_work_there)
{
	struct callback_brief	 e = entry("fort-worth", 0);
	struct notify_facts	 f = facts(&e, "joined");
	struct notify_plan	 p;
	const struct notify_row	*r;

	cfg->notify_sms = 0;
	cfg->notify_email = 1;
	/* No SMTP server: no e-mail. */
	set(&cfg->smtp_url, "");
	notify_decide(cfg, &f, OPEN, &p);
	ck_assert_uint_eq(p.n, 0);
	notify_plan_clear(&p);

	set(&cfg->smtp_url, "smtp://mail.example.org:587");
	notify_decide(cfg, &f, OPEN, &p);
	ck_assert_uint_eq(p.n, 2);
	ck_assert_ptr_nonnull(r = row(&p,
	    "notify:email:7:joined:alice@example.org"));
	ck_assert_str_eq(r->kind, "email");
	ck_assert_str_eq(field(r, "subject"), "New callback request #7 "
	    "(Fort Worth)");
	ck_assert_ptr_nonnull(row(&p, "notify:email:7:joined:carol@example.org"));
	ck_assert_ptr_null(row(&p, "notify:email:7:joined:bob@example.org"));
	notify_plan_clear(&p);

	/* The location's own on-call address instead of its staff. */
	set(&config_location(cfg, "fort-worth")->oncall_email,
	    "fw@example.org");
	notify_decide(cfg, &f, OPEN, &p);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_ptr_nonnull(r = row(&p, "notify:email:7:joined:fw@example.org"));
	ck_assert_str_eq(r->recipient, "fw@example.org");
	notify_plan_clear(&p);
}
END_TEST

START_TEST(test_chat_post)
{
	struct callback_brief	 e = entry("allen", 0);
	struct notify_facts	 f = facts(&e, "joined");
	struct notify_plan	 p;
	const struct notify_row	*r;
	json_t			*j;

	cfg->notify_sms = 0;
	cfg->notify_chat = 1;
	set(&cfg->chat_webhook, "https://chat.example.org/hook");
	e.requests = 3;
	notify_decide(cfg, &f, OPEN, &p);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_ptr_nonnull(r = row(&p, "notify:chat:7:joined"));
	ck_assert_str_eq(r->recipient, "https://chat.example.org/hook");
	ck_assert_str_eq(field(r, "url"), "https://chat.example.org/hook");
	j = json_object_get(r->payload, "json");
	ck_assert_int_eq(json_integer_value(json_object_get(j,
	    "callback_id")), 7);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "requests")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(j, "location")),
	    "allen");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(j,
	    "text")), "3 requests so far, one place in line."));
	notify_plan_clear(&p);
}
END_TEST

START_TEST(test_repeat_names_another_location)
{
	struct callback_brief	 e = entry("fort-worth", 0);
	struct callback_asked	 a = { (char *)"voicemail",
				    (char *)"voicemail", (char *)"allen" };
	struct notify_facts	 f = facts(&e, "repeat");
	struct notify_plan	 p;
	const struct notify_row	*r;

	f.rid = 12;
	f.asked = &a;
	notify_decide(cfg, &f, OPEN, &p);
	ck_assert_uint_eq(p.n, 2);
	ck_assert_ptr_nonnull(r = row(&p,
	    "notify:sms:7:repeat:12:fort-worth"));
	ck_assert_ptr_nonnull(strstr(field(r, "body"), "Repeat request on "
	    "callback #7 (Fort Worth): Allen voicemail"));
	ck_assert_ptr_nonnull(r = row(&p, "notify:sms:7:repeat:12:allen"));
	ck_assert_str_eq(r->recipient, "+19725550112");
	notify_plan_clear(&p);

	/* The same location: its queue alone. */
	a.location = (char *)"fort-worth";
	notify_decide(cfg, &f, OPEN, &p);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_ptr_nonnull(row(&p, "notify:sms:7:repeat:12:fort-worth"));
	notify_plan_clear(&p);
}
END_TEST

static Suite *
notify_suite(void)
{
	Suite	*s = suite_create("notify");
	TCase	*tc = tcase_create("decide");

	tcase_add_checked_fixture(tc, load_shipped, unload);
	tcase_add_test(tc, test_joined_open_location);
	tcase_add_test(tc, test_nothing_while_closed);
	tcase_add_test(tc, test_shared_queue_reaches_every_open_location);
	tcase_add_test(tc, test_email_to_staff_who_work_there);
	tcase_add_test(tc, test_chat_post);
	tcase_add_test(tc, test_repeat_names_another_location);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (shipped_run(notify_suite()));
}
