/*
 * test_programme.c -- the daily programme's pure decisions with the
 * shipped guides.yaml: the words and times a text may hold, the day texts'
 * times (the person's zone, quiet hours), and that every text it may send
 * fits its segments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "config.h"
#include "programme.h"
#include "segment.h"
#include "shipped.h"
#include "util.h"

#define CHI	"America/Chicago"

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

static void
fits(const char *s, int lang)
{
	struct segment_count	c;

	ck_assert_int_eq(segment_count(s, &c), 0);
	ck_assert_msg(c.segments <= (c.encoding == SEGMENT_UCS2 && lang == 1 ?
	    4u : 3u), "%zu segments: %s", c.segments, s);
}

START_TEST(test_times)
{
	ck_assert_int_eq(programme_parse_time("7am"), 7 * 60);
	ck_assert_int_eq(programme_parse_time("7 am"), 7 * 60);
	ck_assert_int_eq(programme_parse_time("7 30pm"), 19 * 60 + 30);
	ck_assert_int_eq(programme_parse_time("12am"), 0);
	ck_assert_int_eq(programme_parse_time("12pm"), 12 * 60);
	ck_assert_int_eq(programme_parse_time("1900"), 19 * 60);
	ck_assert_int_eq(programme_parse_time("19 00"), 19 * 60);
	ck_assert_int_eq(programme_parse_time("8"), 8 * 60);
	ck_assert_int_eq(programme_parse_time("25pm"), -1);
	ck_assert_int_eq(programme_parse_time("13pm"), -1);
	ck_assert_int_eq(programme_parse_time("7 61"), -1);
	ck_assert_int_eq(programme_parse_time("soon"), -1);
}
END_TEST

START_TEST(test_words)
{
	struct config	*cfg = shipped_config();
	int		 lang, minute;

	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(programme_word(cfg, "daily", &lang, &minute),
	    PROG_DAILY);
	ck_assert_int_eq(lang, 0);
	ck_assert_int_eq(minute, -1);
	ck_assert_int_eq(programme_word(cfg, "diario 7 30am", &lang, &minute),
	    PROG_DAILY);
	ck_assert_int_eq(lang, 1);
	ck_assert_int_eq(minute, 7 * 60 + 30);
	ck_assert_int_eq(programme_word(cfg, "daily whenever", &lang,
	    &minute), PROG_DAILY);
	ck_assert_int_eq(minute, -2);
	ck_assert_int_eq(programme_word(cfg, "pausa", &lang, &minute),
	    PROG_PAUSE);
	ck_assert_int_eq(lang, 1);
	ck_assert_int_eq(programme_word(cfg, "status", &lang, &minute),
	    PROG_STATUS);
	/* Words after PAUSE or STATUS make it something else. */
	ck_assert_int_eq(programme_word(cfg, "pause my stretches", &lang,
	    &minute), PROG_NONE);
	ck_assert_int_eq(programme_word(cfg, "dailyx", &lang, &minute),
	    PROG_NONE);
	ck_assert_int_eq(programme_score("4"), 4);
	ck_assert_int_eq(programme_score("6"), 0);
	ck_assert_int_eq(programme_score("45"), 0);
	config_unref(cfg);
}
END_TEST

START_TEST(test_schedule)
{
	struct config		*cfg = shipped_config();
	struct programme_facts	 f;
	struct programme_plan	 p;
	time_t			 now = at(CHI, 2030, 3, 8, 10, 0);
	size_t			 i;

	memset(&f, 0, sizeof f);
	/* 10:00 on a Friday: day 1 tomorrow at 09:00, across the DST change. */
	programme_decide(cfg, PROG_DAILY, 0, -1, CHI, &f, now, &p);
	ck_assert_int_eq(p.enrol, 1);
	ck_assert_uint_eq(p.ntexts, 14);
	ck_assert_int_eq(p.texts[0].send_after, at(CHI, 2030, 3, 9, 9, 0));
	ck_assert_int_eq(p.texts[1].send_after, at(CHI, 2030, 3, 10, 9, 0));
	ck_assert_int_eq(p.texts[13].send_after, at(CHI, 2030, 3, 22, 9, 0));
	for (i = 0; i < p.ntexts; i++) {
		ck_assert_int_eq(p.texts[i].not_before, p.texts[i].send_after);
		fits(p.texts[i].body, 0);
	}
	ck_assert_ptr_nonnull(strstr(p.texts[13].body, "1-5"));
	fits(p.reply, 0);
	programme_plan_free(&p);
	/* 22:30 asked for: every text waits for 08:00; today's 22:30 first. */
	programme_decide(cfg, PROG_DAILY, 1, 22 * 60 + 30, CHI, &f, now, &p);
	ck_assert_int_eq(p.texts[0].send_after, at(CHI, 2030, 3, 8, 22, 30));
	ck_assert_int_eq(p.texts[0].not_before, at(CHI, 2030, 3, 9, 8, 0));
	for (i = 0; i < p.ntexts; i++)
		fits(p.texts[i].body, 1);
	fits(p.reply, 1);
	programme_plan_free(&p);
}
END_TEST

START_TEST(test_other_words)
{
	struct config		*cfg = shipped_config();
	struct programme_facts	 f;
	struct programme_plan	 p;
	time_t			 now = at(CHI, 2030, 6, 12, 10, 0);
	int			 lang;

	for (lang = 0; lang < 2; lang++) {
		memset(&f, 0, sizeof f);
		programme_decide(cfg, PROG_PAUSE, lang, -1, CHI, &f, now, &p);
		ck_assert_int_eq(p.end, 0);
		fits(p.reply, lang);
		programme_plan_free(&p);
		programme_decide(cfg, PROG_DAILY, lang, -2, CHI, &f, now, &p);
		ck_assert_int_eq(p.enrol, 0);
		fits(p.reply, lang);
		programme_plan_free(&p);
		f.id = 7;
		f.days = 14;
		f.pending = 12;
		f.next_at = at(CHI, 2030, 6, 13, 9, 0);
		programme_decide(cfg, PROG_STATUS, lang, -1, CHI, &f, now, &p);
		ck_assert_ptr_nonnull(strstr(p.reply, lang ? "día 3 de 14" :
		    "day 3 of 14"));
		fits(p.reply, lang);
		programme_plan_free(&p);
		programme_decide(cfg, PROG_DAILY, lang, -1, CHI, &f, now, &p);
		ck_assert_int_eq(p.enrol, 0);
		fits(p.reply, lang);
		programme_plan_free(&p);
		programme_decide(cfg, PROG_PAUSE, lang, -1, CHI, &f, now, &p);
		ck_assert_int_eq(p.end, 1);
		fits(p.reply, lang);
		programme_plan_free(&p);
		fits(programme_msg(cfg, "feedback_ask", lang), lang);
		fits(programme_msg(cfg, "feedback_thanks", lang), lang);
		fits(programme_msg(cfg, "feedback_ask_callback", lang), lang);
	}
	config_unref(cfg);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("programme");
	TCase	*tc = tcase_create("programme");

	tcase_add_test(tc, test_times);
	tcase_add_test(tc, test_words);
	tcase_add_test(tc, test_schedule);
	tcase_add_test(tc, test_other_words);
	suite_add_tcase(s, tc);
	return (shipped_run(s));
}
