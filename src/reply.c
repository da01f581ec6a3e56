/*
 * reply.c -- the words of what the hotline texts back (see reply.h).
 *
 * Every reply is one message.  The clinic and hours lists used to be cut
 * into several, and a guide was sent whole, step by step, in up to eight:
 * messages can arrive in any order, and each segment is billed.  A guide is
 * now its one-line summary and the link to its page (guideview.c), where
 * the steps, hold times and pictures are; the lists name each clinic on one
 * short line.  reply_check counts the segments of all of them.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "estimate.h"
#include "keyword.h"
#include "location.h"
#include "reply.h"
#include "segment.h"
#include "util.h"
#include "xmalloc.h"

/* The worst the check fills in for numbers the store decides. */
#define REPLY_CHECK_POSITION	999
#define REPLY_CHECK_WAIT	999
#define REPLY_CHECK_MILES	"999"
/*
 * Hours the check words the time-dependent replies at: every hour of the
 * next 8 days (each weekday, open and closed), then every 3 hours to a year
 * from now, which covers every weekday after every holiday the calendar
 * holds ("opens Wednesday" after a Monday and Tuesday off).
 */
#define REPLY_CHECK_HOURS	(366 * 24)
#define REPLY_CHECK_HOURLY	(8 * 24)
#define REPLY_CHECK_STEP	3

void
reply_phone_words(const char *e164, char *buf, size_t len)
{
	size_t	i;

	if (e164 != NULL && strlen(e164) == 12 && strncmp(e164, "+1", 2) == 0) {
		for (i = 2; i < 12; i++) {
			if (!isdigit((unsigned char)e164[i]))
				break;
		}
		if (i == 12) {
			snprintf(buf, len, "(%.3s) %.3s-%.4s", e164 + 2,
			    e164 + 5, e164 + 8);
			return;
		}
	}
	snprintf(buf, len, "%s", e164 != NULL ? e164 : "");
}

char *
reply_msg(const struct config *cfg, const char *name, int lang,
    const char *const *vars)
{
	const char	*t;

	if ((t = smscfg_message(cfg, name, lang)) == NULL)
		t = "";
	return (keyword_fill(t, vars));
}

char **
reply_one(char *text)
{
	char	**v;

	v = xcalloc(2, sizeof *v);
	v[0] = text;
	return (v);
}

/* Lines joined by "\n" (each freed); NULL entries are skipped. */
static char *
reply_join(char **lines, size_t n)
{
	char	*out, *o;
	size_t	 i, len = 1;

	for (i = 0; i < n; i++)
		len += lines[i] != NULL ? strlen(lines[i]) + 1 : 0;
	out = o = xmalloc(len);
	for (i = 0; i < n; i++) {
		if (lines[i] == NULL)
			continue;
		if (o != out)
			*o++ = '\n';
		memcpy(o, lines[i], strlen(lines[i]));
		o += strlen(lines[i]);
		free(lines[i]);
	}
	*o = '\0';
	return (out);
}

char *
reply_help(const struct config *cfg, int lang)
{
	char		 desk[32];
	const char	*vars[] = { "front_desk", desk, NULL };

	reply_phone_words(cfg->front_desk, desk, sizeof desk);
	return (reply_msg(cfg, "help", lang, vars));
}

/* One location in template tmpl (clinic, clinics_line, hours_line), at now. */
static char *
reply_location(const struct config *cfg, const struct location *l, int lang,
    time_t now, const char *tmpl)
{
	char		 hours[64], next[64], phone[32], desk[32], *open, *out;
	const char	*brief;
	int		 is_open = location_is_open(l, now);

	if (location_hours_text(l, now, lang, cfg, hours, sizeof hours))
		snprintf(hours, sizeof hours, "%s",
		    smscfg_message(cfg, "hours_closed_today", lang));
	if (is_open)
		open = reply_msg(cfg, "open_now", lang, NULL);
	else {
		const char	*vars[] = { "next_open", next, NULL };

		location_next_open_text(l, now, lang, next, sizeof next);
		open = reply_msg(cfg, "closed_now", lang, vars);
	}
	reply_phone_words(l->phone, phone, sizeof phone);
	reply_phone_words(cfg->front_desk, desk, sizeof desk);
	{
		const char	*vars[] = { "name", i18n_get(&l->name, lang),
				    "address", l->address != NULL ? l->address : "",
				    "phone", phone, "hours", hours,
				    "open_now", open, "front_desk", desk,
				    "open_short", NULL, NULL };

		/* {open_short}: open_short or closed_short, else {open_now}. */
		brief = smscfg_message(cfg, is_open ? "open_short" :
		    "closed_short", lang);
		vars[13] = brief != NULL ? brief : open;

		out = reply_msg(cfg, tmpl, lang, vars);
	}
	free(open);
	return (out);
}

static char *
reply_locations(const struct config *cfg, const char *intro, const char *tmpl,
    int lang, time_t now)
{
	char	**lines;
	size_t	  i, n = 0;

	lines = xcalloc(cfg->nlocations + 1, sizeof *lines);
	lines[n++] = reply_msg(cfg, intro, lang, NULL);
	for (i = 0; i < cfg->nlocations; i++)
		lines[n++] = reply_location(cfg, &cfg->locations[i], lang, now,
		    tmpl);
	return (reply_join(lines, n));
}

char *
reply_clinics(const struct config *cfg, int lang, time_t now)
{
	return (reply_locations(cfg, "clinics_intro", "clinics_line", lang,
	    now));
}

char *
reply_hours(const struct config *cfg, int lang, time_t now)
{
	return (reply_locations(cfg, "hours_intro", "hours_line", lang, now));
}

/* The nearest clinic l, miles away from zip. */
static char *
reply_zip_at(const struct config *cfg, const struct location *l,
    const char *zip, const char *miles, int lang, time_t now)
{
	const char	*vars[] = { "zip", zip, "miles", miles, NULL };
	char		*lines[2];

	lines[0] = reply_msg(cfg, "zip_nearest", lang, vars);
	lines[1] = reply_location(cfg, l, lang, now, "clinic");
	return (reply_join(lines, 2));
}

char *
reply_zip(const struct config *cfg, const char *zip, int lang, time_t now)
{
	const struct location	*l;
	char			 miles[32];
	double			 d;

	if ((l = location_nearest_zip(cfg, zip, &d)) == NULL) {
		const char	*vars[] = { "zip", zip, NULL };

		return (reply_msg(cfg, "zip_unknown", lang, vars));
	}
	return (reply_zip_at(cfg, l, zip, location_miles_text(d, miles,
	    sizeof miles), lang, now));
}

char *
reply_callback(const struct config *cfg, int lang, int created, int position,
    const struct estimate *e, time_t now)
{
	char	 pos[16], wait[16], when[64], *words, *out;

	snprintf(pos, sizeof pos, "%d", position);
	/* Never minutes when the call cannot come before closing. */
	if (created && e->later) {
		const char	*vars[] = { "position", pos, "next_open", when,
				    NULL };

		estimate_opening_words(cfg, e, now, lang, when, sizeof when);
		return (reply_msg(cfg, "callback_joined_closed", lang, vars));
	}
	snprintf(wait, sizeof wait, "%d", e->minutes);
	{
		const char	*w[] = { "n", wait, NULL };

		words = reply_msg(cfg, "wait_minutes", lang, w);
	}
	{
		const char	*vars[] = { "position", pos, "wait", words, NULL };

		out = reply_msg(cfg, created ? "callback_joined" :
		    "callback_updated", lang, vars);
	}
	free(words);
	return (out);
}

char *
reply_emergency(const struct config *cfg, int lang, const struct estimate *e,
    time_t now)
{
	const char	*vars[] = { "next_open", NULL, NULL };
	char		 when[64];

	if (!e->later)
		return (reply_msg(cfg, "emergency", lang, NULL));
	estimate_opening_words(cfg, e, now, lang, when, sizeof when);
	vars[1] = when;
	return (reply_msg(cfg, "emergency_closed", lang, vars));
}

char *
reply_guide_link(const struct config *cfg, const struct guide *g, int lang)
{
	char	*link;

	/* The first language is the page's own; others ask for theirs. */
	if (lang > 0 && (size_t)lang < cfg->nlangs)
		xasprintf(&link, "%s/g/%s?lang=%s", cfg->public_url, g->id,
		    cfg->langs[lang]);
	else
		xasprintf(&link, "%s/g/%s", cfg->public_url, g->id);
	return (link);
}

char *
reply_guide(const struct config *cfg, const struct guide *g, int lang)
{
	const char	*summary, *footer;
	char		*link, *lines[2];

	if (lang < 0 || (size_t)lang >= cfg->nlangs)
		lang = 0;
	summary = i18n_get(&g->summary, lang);
	if (summary == NULL || *summary == '\0')
		summary = i18n_get(&g->title, lang);
	link = reply_guide_link(cfg, g, lang);
	{
		const char	*vars[] = { "title", i18n_get(&g->title, lang),
				    "summary", summary, "link", link, NULL };

		lines[0] = reply_msg(cfg, "guide", lang, vars);
	}
	free(link);
	footer = smscfg_message(cfg, "guide_footer", lang);
	lines[1] = footer != NULL && *footer != '\0' ? xstrdup(footer) : NULL;
	return (reply_join(lines, 2));
}

/*
 * The keyword a hint names: its first word of two or more capitals
 * ("STOP" in "Reply STOP to opt out."), in buf; 0 when it has none.
 */
static int
reply_hint_keyword(const char *hint, char *buf, size_t len)
{
	const char	*p, *e;

	for (p = hint; *p != '\0'; p = e) {
		for (e = p; *e >= 'A' && *e <= 'Z'; e++)
			;
		if (e - p >= 2 && (p == hint || !isalpha((unsigned char)p[-1])) &&
		    !isalpha((unsigned char)*e) && (size_t)(e - p) < len) {
			snprintf(buf, len, "%.*s", (int)(e - p), p);
			return (1);
		}
		if (e == p)
			e++;
	}
	return (0);
}

/* Does text hold word on its own, not inside another word? */
static int
reply_has_word(const char *text, const char *word)
{
	const char	*p;
	size_t		 n = strlen(word);

	for (p = text; (p = strstr(p, word)) != NULL; p++) {
		if ((p == text || !isalpha((unsigned char)p[-1])) &&
		    !isalpha((unsigned char)p[n]))
			return (1);
	}
	return (0);
}

char *
reply_hint(const struct config *cfg, const char *text, int lang)
{
	const char	*hint = smscfg_message(cfg, "optout_hint", lang);
	char		 word[32], *out;

	if (hint == NULL || *hint == '\0')
		return (NULL);
	if (reply_hint_keyword(hint, word, sizeof word) ?
	    reply_has_word(text, word) : strstr(text, hint) != NULL)
		return (NULL);
	xasprintf(&out, "%s\n%s", text, hint);
	return (out);
}

/* --- the check ------------------------------------------------------------ */

struct reply_check {
	const struct config	*cfg;
	FILE			*out;
	int			 problems;
};

/* sms.yaml, for file:line. */
static const char *
reply_file(const struct config *cfg)
{
	return (cfg->sms != NULL && cfg->sms->file != NULL ? cfg->sms->file :
	    cfg->path);
}

/* The line sms.yaml's message name is on, 0 when unknown. */
static int
reply_line(const struct config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; cfg->sms != NULL && i < cfg->sms->nmessages; i++) {
		if (strcmp(cfg->sms->messages[i].name, name) == 0)
			return (cfg->sms->messages[i].line);
	}
	return (0);
}

/*
 * Count text, and with hint also text as it is sent after a stop word used
 * about something else; report the worse when it does not fit.  Returns 1
 * when reported.
 */
static int
reply_check_one(struct reply_check *rc, const char *file, int line,
    const char *what, int lang, const char *text, int hint)
{
	struct segment_count	 c;
	const char		*code = rc->cfg->langs[lang];
	char			*folded, *with = NULL;

	if (hint && (with = reply_hint(rc->cfg, text, lang)) != NULL)
		text = with;
	hint = with != NULL;
	folded = segment_fold(text);
	if (segment_count(folded, &c) != 0) {
		fprintf(rc->out, "%s:%d: %s (%s) is not UTF-8\n", file, line,
		    what, code);
		rc->problems++;
		free(folded);
		free(with);
		return (1);
	}
	free(folded);
	free(with);
	if (c.segments <= segment_limit(&c, code))
		return (0);
	fprintf(rc->out, "%s:%d: %s (%s) is %zu segments of %s (%zu %s), "
	    "more than the %zu one text may take%s\n", file, line, what, code,
	    c.segments, segment_encoding_name(c.encoding), c.units,
	    c.encoding == SEGMENT_GSM7 ? "septets" : "UTF-16 units",
	    segment_limit(&c, code), hint ? " (with optout_hint, as after "
	    "a stop word about something else)" : "");
	rc->problems++;
	return (1);
}

int
reply_check_text(const struct config *cfg, FILE *out, const char *file,
    int line, const char *what, int lang, const char *text)
{
	struct reply_check	 rc = { cfg, out, 0 };

	return (reply_check_one(&rc, file, line, what, lang, text, 0));
}

/* A message of sms.yaml, already worded (text is freed). */
static void
reply_check_msg(struct reply_check *rc, const char *name, const char *what,
    int lang, char *text, int hint)
{
	reply_check_one(rc, reply_file(rc->cfg), reply_line(rc->cfg, name),
	    what, lang, text, hint);
	free(text);
}

/* The replies that change with the hour, through a year of hours. */
static void
reply_check_hours(struct reply_check *rc, int lang, time_t now)
{
	const struct config	*cfg = rc->cfg;
	struct estimate_rate	 rate = { 10, 1 };
	struct estimate		 e;
	char			*s;
	size_t			 h, i;
	int			 bad[5] = { 0, 0, 0, 0, 0 };

	for (h = 0; h < REPLY_CHECK_HOURS; h += h < REPLY_CHECK_HOURLY ? 1 :
	    REPLY_CHECK_STEP) {
		time_t	t = now + (time_t)h * 3600;

		if (!bad[0]) {
			s = reply_clinics(cfg, lang, t);
			bad[0] = reply_check_one(rc, reply_file(cfg),
			    reply_line(cfg, "clinics_line"), "CLINIC reply",
			    lang, s, 1);
			free(s);
		}
		if (!bad[1]) {
			s = reply_hours(cfg, lang, t);
			bad[1] = reply_check_one(rc, reply_file(cfg),
			    reply_line(cfg, "hours_line"), "HOURS reply", lang,
			    s, 1);
			free(s);
		}
		/* After hours: the opening named instead of minutes. */
		estimate_wait(cfg, NULL, 1, &rate, t, &e);
		if (!bad[3] && e.later) {
			s = reply_emergency(cfg, lang, &e, t);
			bad[3] = reply_check_one(rc, reply_file(cfg),
			    reply_line(cfg, "emergency_closed"),
			    "red-flag reply after hours", lang, s, 0);
			free(s);
		}
		if (!bad[4] && e.later) {
			s = reply_callback(cfg, lang, 1, REPLY_CHECK_POSITION,
			    &e, t);
			bad[4] = reply_check_one(rc, reply_file(cfg),
			    reply_line(cfg, "callback_joined_closed"),
			    "CALLBACK reply after hours", lang, s, 1);
			free(s);
		}
		for (i = 0; i < cfg->nlocations && !bad[2]; i++) {
			s = reply_zip_at(cfg, &cfg->locations[i], "75000",
			    REPLY_CHECK_MILES, lang, t);
			bad[2] = reply_check_one(rc, reply_file(cfg),
			    reply_line(cfg, "clinic"), "ZIP code reply", lang,
			    s, 1);
			free(s);
		}
	}
}

int
reply_check_message(const struct config *cfg, FILE *out, const char *name,
    const char *what, int lang, const char *text)
{
	return (reply_check_text(cfg, out, reply_file(cfg), reply_line(cfg,
	    name), what, lang, text));
}

int
reply_check(const struct config *cfg, FILE *out)
{
	struct reply_check	 rc = { cfg, out, 0 };
	const struct prompt	*p;
	const struct guide	*g;
	const char		*file;
	char			*s, *what;
	size_t			 i;
	int			 lang, line;
	time_t			 now = util_now();

	if (cfg->sms == NULL)
		return (0);
	for (lang = 0; (size_t)lang < cfg->nlangs; lang++) {
		/* Compliance: never followed by the hint. */
		reply_check_msg(&rc, "help", "HELP reply", lang,
		    reply_help(cfg, lang), 0);
		reply_check_msg(&rc, "opted_out", "STOP reply", lang,
		    reply_msg(cfg, "opted_out", lang, NULL), 0);
		reply_check_msg(&rc, "opted_in", "START reply", lang,
		    reply_msg(cfg, "opted_in", lang, NULL), 0);
		reply_check_msg(&rc, "emergency", "red-flag reply", lang,
		    reply_msg(cfg, "emergency", lang, NULL), 0);
		/* What a keyword or any other text gets. */
		reply_check_msg(&rc, "fallback", "fallback reply", lang,
		    reply_msg(cfg, "fallback", lang, NULL), 1);
		reply_check_msg(&rc, "language_set", "language reply", lang,
		    reply_msg(cfg, "language_set", lang, NULL), 1);
		{
			struct estimate	e = { 0, REPLY_CHECK_WAIT, 0, NULL };

			reply_check_msg(&rc, "callback_joined", "CALLBACK reply",
			    lang, reply_callback(cfg, lang, 1,
			    REPLY_CHECK_POSITION, &e, now), 1);
			reply_check_msg(&rc, "callback_updated", "CALLBACK reply "
			    "(again)", lang, reply_callback(cfg, lang, 0,
			    REPLY_CHECK_POSITION, &e, now), 1);
		}
		{
			const char	*vars[] = { "zip", "00000", NULL };

			reply_check_msg(&rc, "zip_unknown", "unknown ZIP reply",
			    lang, reply_msg(cfg, "zip_unknown", lang, vars), 1);
		}
		reply_check_hours(&rc, lang, now);

		/*
		 * Every guide: a keyword sends some, the phone menu's "text
		 * me this" any of them.
		 */
		file = cfg->guides_file != NULL ? cfg->guides_file : cfg->path;
		for (i = 0; i < cfg->nguides; i++) {
			g = &cfg->guides[i];
			line = g->summary_line[lang] != 0 ?
			    g->summary_line[lang] : g->line;
			xasprintf(&what, "guide '%s' text", g->id);
			s = reply_guide(cfg, g, lang);
			reply_check_one(&rc, file, line, what, lang, s, 1);
			free(s);
			free(what);
		}

		/* Told later, through the outbox: "we could not reach you". */
		if ((p = config_prompt(cfg, "sms_unreachable")) != NULL &&
		    p->text[lang] != NULL) {
			const char	*ph = cfg->nlocations > 0 ?
					    cfg->locations[0].phone :
					    cfg->front_desk;

			s = keyword_fill(p->text[lang], (const char *[]){
			    "phone", ph != NULL ? ph : "", NULL });
			xasprintf(&what, "%s/%s/sms_unreachable.txt",
			    cfg->prompts_dir, cfg->langs[lang]);
			reply_check_one(&rc, what, 1, "text to an unreachable "
			    "caller", lang, s, 0);
			free(what);
			free(s);
		}
	}
	return (rc.problems);
}
