/*
 * test_sms_decide.c -- what an incoming text gets, decided without a
 * store (sms.h): the route of a text from its words, then the plan from
 * the facts the webhook would read, against the shipped configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "callback.h"
#include "config.h"
#include "keyword.h"
#include "sms.h"
#include "shipped.h"

static struct config	*cfg;

static void
load_shipped(void)
{
	cfg = shipped_config();
	ck_assert_ptr_nonnull(cfg);
	ck_assert_ptr_nonnull(cfg->sms);
}

static void
unload(void)
{
	config_unref(cfg);
	cfg = NULL;
}

/* A text decided with these facts; the caller frees p with sms_plan_free. */
static void
decide(const char *body, const char *opt_out_type, const struct sms_facts *f,
    struct sms_class *c, struct sms_plan *p)
{
	struct sms_in	 in;
	char		*norm = keyword_normalise(body);

	memset(&in, 0, sizeof in);
	in.body = body;
	in.norm = norm;
	in.opt_out_type = opt_out_type;
	in.now = 1700000000;	/* any moment: no reply here names the hour */
	sms_classify(cfg, &in, f->number_lang, c);
	sms_decide(cfg, &in, c, f, p);
	free(norm);
}

static int
ntexts(const struct sms_plan *p)
{
	int	n = 0;

	while (p->texts != NULL && p->texts[n] != NULL)
		n++;
	return (n);
}

static const struct sms_facts	fresh = { 0, 0, 0, 0 };

START_TEST(test_stop_wins)
{
	struct sms_facts	f = fresh;
	struct sms_class	c;
	struct sms_plan		p;

	decide("STOP", NULL, &f, &c, &p);
	ck_assert_int_eq(c.route, SMS_OPTOUT);
	ck_assert_int_eq(p.optout, SMS_OPT_OUT);
	ck_assert_str_eq(p.keyword, "optout");
	ck_assert_int_eq(ntexts(&p), 1);
	ck_assert_ptr_nonnull(strstr(p.texts[0], "unsubscribed"));
	sms_plan_free(&p);

	/* Never throttled away, but only one confirmation. */
	f.throttled = 1;
	decide("stop texting me", NULL, &f, &c, &p);
	ck_assert_int_eq(p.optout, SMS_OPT_OUT);
	ck_assert_int_eq(ntexts(&p), 1);
	ck_assert_int_eq(p.throttled, 0);
	sms_plan_free(&p);
	f.opted = 1;
	decide("STOP", NULL, &f, &c, &p);
	ck_assert_int_eq(p.optout, SMS_OPT_OUT);
	ck_assert_int_eq(ntexts(&p), 0);
	sms_plan_free(&p);

	/* The provider's Advanced Opt-Out confirms it itself. */
	f = fresh;
	decide("whatever", "STOP", &f, &c, &p);
	ck_assert_int_eq(p.optout, SMS_OPT_OUT);
	ck_assert_str_eq(p.optout_source, "provider");
	ck_assert_str_eq(p.optout_word, "STOP");
	ck_assert_int_eq(ntexts(&p), 0);
	sms_plan_free(&p);
}
END_TEST

START_TEST(test_start_help)
{
	struct sms_facts	f = fresh;
	struct sms_class	c;
	struct sms_plan		p;

	f.opted = 1;
	decide("START", NULL, &f, &c, &p);
	ck_assert_int_eq(p.optout, SMS_OPT_IN);
	ck_assert_str_eq(p.keyword, "optin");
	ck_assert_int_eq(ntexts(&p), 1);
	sms_plan_free(&p);

	f.opted = 0;
	decide("HELP", NULL, &f, &c, &p);
	ck_assert_int_eq(c.route, SMS_HELP);
	ck_assert_int_eq(p.optout, SMS_OPT_KEEP);
	ck_assert_int_eq(ntexts(&p), 1);
	ck_assert_ptr_nonnull(strstr(p.texts[0], "911"));
	sms_plan_free(&p);

	/* Opted out: HELP is recorded, not answered. */
	f.opted = 1;
	decide("HELP", NULL, &f, &c, &p);
	ck_assert_int_eq(ntexts(&p), 0);
	sms_plan_free(&p);
}
END_TEST

START_TEST(test_red_flag)
{
	struct sms_facts	f = fresh;
	struct sms_class	c;
	struct sms_plan		p;

	decide("my legs are numb after a run", NULL, &f, &c, &p);
	ck_assert_int_eq(c.route, SMS_RED_FLAG);
	ck_assert_int_eq(p.callback, 1);
	ck_assert_int_eq(p.priority, 1);
	ck_assert_int_eq(p.callback_reply, 0);
	ck_assert_int_eq(ntexts(&p), 1);
	ck_assert_ptr_nonnull(strstr(p.texts[0], "911"));
	sms_plan_free(&p);

	/* Over the limit, the advice still goes once... */
	f.throttled = 1;
	decide("my legs are numb", NULL, &f, &c, &p);
	ck_assert_int_eq(ntexts(&p), 1);
	ck_assert_int_eq(p.throttled, 0);
	sms_plan_free(&p);
	/* ... not again to an auto-responder echoing it; staff still hear. */
	f.advised = 1;
	decide("my legs are numb", NULL, &f, &c, &p);
	ck_assert_int_eq(ntexts(&p), 0);
	ck_assert_int_eq(p.throttled, 1);
	ck_assert_int_eq(p.callback, 1);
	sms_plan_free(&p);

	/* Opted out: no text, but the flagged callback all the same. */
	f = fresh;
	f.opted = 1;
	decide("I fell and my back hurts", NULL, &f, &c, &p);
	ck_assert_int_eq(p.callback, 1);
	ck_assert_int_eq(ntexts(&p), 0);
	sms_plan_free(&p);
}
END_TEST

START_TEST(test_content)
{
	struct sms_facts	f = fresh;
	struct sms_class	c;
	struct sms_plan		p;

	decide("stretch", NULL, &f, &c, &p);
	ck_assert_int_eq(c.route, SMS_CONTENT);
	ck_assert_str_eq(p.keyword, "stretch");
	ck_assert_int_ge(ntexts(&p), 1);
	sms_plan_free(&p);

	decide("what is this", NULL, &f, &c, &p);
	ck_assert_str_eq(p.keyword, "fallback");
	ck_assert_int_eq(ntexts(&p), 1);
	sms_plan_free(&p);

	/* Over the limit: recorded, not answered. */
	f.throttled = 1;
	decide("stretch", NULL, &f, &c, &p);
	ck_assert_int_eq(ntexts(&p), 0);
	ck_assert_int_eq(p.throttled, 1);
	sms_plan_free(&p);

	/* Opted out: nothing but the record. */
	f = fresh;
	f.opted = 1;
	decide("stretch", NULL, &f, &c, &p);
	ck_assert_str_eq(p.keyword, "opted_out");
	ck_assert_int_eq(ntexts(&p), 0);
	sms_plan_free(&p);
}
END_TEST

START_TEST(test_callback)
{
	struct sms_facts	f = fresh;
	struct sms_class	c;
	struct sms_plan		p;
	struct callback_res	res;

	decide("CALLBACK", NULL, &f, &c, &p);
	ck_assert_int_eq(p.callback, 1);
	ck_assert_int_eq(p.priority, 0);
	ck_assert_int_eq(p.callback_reply, 1);
	ck_assert_int_eq(ntexts(&p), 0);
	memset(&res, 0, sizeof res);
	res.created = 1;
	res.position = 3;
	res.wait_minutes = 25;
	sms_callback_texts(cfg, &p, &res);
	ck_assert_int_eq(ntexts(&p), 1);
	ck_assert_ptr_nonnull(strstr(p.texts[0], "number 3"));
	ck_assert_ptr_nonnull(strstr(p.texts[0], "25 minutes"));
	sms_plan_free(&p);

	/* The queue's entry is never throttled away; only its answer. */
	f.throttled = 1;
	decide("call me", NULL, &f, &c, &p);
	ck_assert_int_eq(p.callback, 1);
	ck_assert_int_eq(p.callback_reply, 0);
	ck_assert_int_eq(p.throttled, 0);
	ck_assert_int_eq(ntexts(&p), 0);
	sms_plan_free(&p);
}
END_TEST

START_TEST(test_language)
{
	struct sms_facts	f = fresh;
	struct sms_class	c;
	struct sms_plan		p;
	int			es = config_lang(cfg, "es");

	ck_assert_int_ge(es, 0);
	/* ALTO is STOP in Spanish: the confirmation comes in Spanish. */
	decide("ALTO", NULL, &f, &c, &p);
	ck_assert_int_eq(p.optout, SMS_OPT_OUT);
	ck_assert_int_eq(p.lang, es);
	sms_plan_free(&p);

	/* A number that wrote in Spanish is answered in Spanish. */
	f.number_lang = es;
	decide("what is this", NULL, &f, &c, &p);
	ck_assert_int_eq(p.lang, es);
	sms_plan_free(&p);
}
END_TEST

static Suite *
sms_decide_suite(void)
{
	Suite	*s = suite_create("sms_decide");
	TCase	*tc = tcase_create("decide");

	tcase_add_checked_fixture(tc, load_shipped, unload);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_stop_wins);
	tcase_add_test(tc, test_start_help);
	tcase_add_test(tc, test_red_flag);
	tcase_add_test(tc, test_content);
	tcase_add_test(tc, test_callback);
	tcase_add_test(tc, test_language);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (shipped_run(sms_decide_suite()));
}
