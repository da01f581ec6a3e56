/*
 * programme_decide.c -- the daily stretch programme's and feedback's
 * configuration (guides.yaml programme: and feedback:), and the pure
 * decisions about a programme word (see programme.h): no store, no clock.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libfyaml.h>

#include "config.h"
#include "keyword.h"
#include "location.h"
#include "programme.h"
#include "quiet.h"
#include "reply.h"
#include "util.h"
#include "xmalloc.h"
#include "yaml.h"

#define PROGRAMME_DAYS_MAX	60

static const char *const programme_word_keys[] = { "daily", "pause",
    "status" };
static const char *const programme_required[] = { "enrolled", "already",
    "day", "last", "paused", "status", "not_enrolled", "bad_time",
    "feedback_ask", "feedback_ask_callback", "feedback_thanks", NULL };

/* "09:00" -> 540, or -1. */
static int
programme_hhmm(const char *s)
{
	int	h, m;
	char	c;

	if (s == NULL || sscanf(s, "%d:%d%c", &h, &m, &c) != 2 || h < 0 ||
	    h > 23 || m < 0 || m > 59)
		return (-1);
	return (h * 60 + m);
}

static void
programme_load_messages(struct cfgctx *ctx, struct programme_cfg *pc,
    struct fy_node *ms)
{
	struct fy_node_pair	*p;
	void			*it = NULL;
	const char		*name;

	if (ms == NULL || !fy_node_is_mapping(ms))
		return;
	while ((p = fy_node_mapping_iterate(ms, &it)) != NULL) {
		if ((name = fy_node_get_scalar0(fy_node_pair_key(p))) == NULL)
			continue;
		pc->names = xreallocarray(pc->names, pc->n + 1,
		    sizeof *pc->names);
		pc->texts = xreallocarray(pc->texts, pc->n + 1,
		    sizeof *pc->texts);
		pc->lines = xreallocarray(pc->lines, pc->n + 1,
		    sizeof *pc->lines);
		pc->lines[pc->n] = cfg_line(fy_node_pair_key(p));
		pc->names[pc->n] = xstrdup(name);
		memset(&pc->texts[pc->n], 0, sizeof pc->texts[pc->n]);
		cfg_i18n(ctx, ms, name, &pc->texts[pc->n], 1);
		pc->n++;
	}
}

void
programme_load(struct cfgctx *ctx, struct fy_node *root)
{
	struct config		*cfg = ctx->cfg;
	struct programme_cfg	*pc;
	struct fy_node		*pm, *fb, *days, *d, *words;
	struct guide		*g;
	void			*it = NULL;
	const char		*id;
	size_t			 i, j;

	pc = cfg->programme = xcalloc(1, sizeof *cfg->programme);
	if ((pm = cfg_get(root, "programme")) == NULL ||
	    !fy_node_is_mapping(pm)) {
		cfg_error(ctx, root, "missing 'programme': the daily stretch "
		    "programme (days, send_at, words, messages)");
		return;
	}
	if ((days = cfg_get(pm, "days")) == NULL ||
	    !fy_node_is_sequence(days) || fy_node_sequence_item_count(days) <
	    1 || fy_node_sequence_item_count(days) > PROGRAMME_DAYS_MAX)
		cfg_error(ctx, pm, "programme: 'days' must list the stretch "
		    "guide of each day (1 to %d)", PROGRAMME_DAYS_MAX);
	else {
		while ((d = fy_node_sequence_iterate(days, &it)) != NULL) {
			id = fy_node_get_scalar0(d);
			if (id == NULL || (g = config_guide(cfg, id)) == NULL) {
				cfg_error(ctx, d, "programme: day %zu: no guide "
				    "'%s'", pc->ndays + 1, id ? id : "");
				continue;
			}
			pc->days = xreallocarray(pc->days, pc->ndays + 1,
			    sizeof *pc->days);
			pc->days[pc->ndays++] = g;
		}
	}
	pc->minute = programme_hhmm(cfg_str(ctx, pm, "send_at", 1));
	if (pc->minute < 0) {
		cfg_error(ctx, cfg_get(pm, "send_at"), "programme: 'send_at' "
		    "must be a time of day, HH:MM");
		pc->minute = 9 * 60;
	}
	if ((words = cfg_get(pm, "words")) == NULL)
		cfg_error(ctx, pm, "programme: missing 'words' (daily, pause, "
		    "status)");
	else
		for (i = 0; i < 3; i++)
			cfg_i18n(ctx, words, programme_word_keys[i],
			    &pc->words[i], 1);
	programme_load_messages(ctx, pc, cfg_get(pm, "messages"));

	pc->ask_delay = 3600;
	pc->answer_window = 3 * 86400;
	pc->ask_every = 7 * 86400;
	if ((fb = cfg_get(root, "feedback")) == NULL ||
	    !fy_node_is_mapping(fb))
		cfg_error(ctx, root, "missing 'feedback': the 'how helpful was "
		    "this?' question and its thanks");
	else {
		pc->ask_delay = 60 * cfg_int(ctx, fb, "ask_after_minutes", 60,
		    0, 24 * 60);
		pc->answer_window = 3600 * cfg_int(ctx, fb, "answer_hours",
		    72, 1, 24 * 14);
		pc->ask_every = 86400 * cfg_int(ctx, fb, "every_days", 7, 1,
		    365);
		programme_load_messages(ctx, pc, cfg_get(fb, "messages"));
	}
	for (i = 0; programme_required[i] != NULL; i++) {
		for (j = 0; j < pc->n; j++)
			if (strcmp(pc->names[j], programme_required[i]) == 0)
				break;
		if (j == pc->n)
			cfg_error(ctx, pm, "programme/feedback: missing message "
			    "'%s'", programme_required[i]);
	}
}

void
programme_free(struct config *cfg)
{
	struct programme_cfg	*pc = cfg->programme;
	size_t			 i;

	if (pc == NULL)
		return;
	free(pc->days);
	for (i = 0; i < 3; i++)
		i18n_free(&pc->words[i]);
	for (i = 0; i < pc->n; i++) {
		free(pc->names[i]);
		i18n_free(&pc->texts[i]);
	}
	free(pc->names);
	free(pc->lines);
	free(pc->texts);
	free(pc);
	cfg->programme = NULL;
}

const char *
programme_msg(const struct config *cfg, const char *name, int lang)
{
	const struct programme_cfg	*pc = cfg->programme;
	size_t				 i;

	for (i = 0; pc != NULL && i < pc->n; i++)
		if (strcmp(pc->names[i], name) == 0)
			return (i18n_get(&pc->texts[i], lang));
	return (NULL);
}

/* --- words ---------------------------------------------------------------- */

int
programme_parse_time(const char *s)
{
	char	buf[32];
	size_t	n = 0;
	int	h = 0, m = 0, digits = 0, pm = -1;

	/* "7 30 pm", "7 a m": spaces (punctuation, once normalised) go. */
	for (; *s != '\0' && n < sizeof buf - 1; s++)
		if (*s != ' ')
			buf[n++] = *s;
	buf[n] = '\0';
	for (s = buf; isdigit((unsigned char)*s); s++)
		digits++;
	if (digits == 0 || digits > 4)
		return (-1);
	if (digits <= 2)
		h = atoi(buf);
	else {
		h = atoi(buf) / 100;
		m = atoi(buf) % 100;
	}
	if (strcmp(s, "am") == 0)
		pm = 0;
	else if (strcmp(s, "pm") == 0)
		pm = 1;
	else if (*s != '\0' && strcmp(s, "h") != 0 && strcmp(s, "hrs") != 0)
		return (-1);
	if (m > 59 || h > 23 || (pm >= 0 && (h < 1 || h > 12)))
		return (-1);
	if (pm == 1 && h < 12)
		h += 12;
	else if (pm == 0 && h == 12)
		h = 0;
	return (h * 60 + m);
}

enum prog_word
programme_word(const struct config *cfg, const char *norm, int *lang,
    int *minute)
{
	const struct programme_cfg	*pc = cfg->programme;
	const char			*w, *rest;
	size_t				 i, l, len;

	*lang = -1;
	*minute = -1;
	if (pc == NULL || norm == NULL)
		return (PROG_NONE);
	for (i = 0; i < 3; i++) {
		for (l = 0; l < cfg->nlangs; l++) {
			if ((w = pc->words[i].text[l]) == NULL)
				continue;
			len = strlen(w);
			if (strncasecmp(norm, w, len) != 0 ||
			    (norm[len] != '\0' && norm[len] != ' '))
				continue;
			rest = norm + len;
			while (*rest == ' ')
				rest++;
			/* Only DAILY takes words after it: a time. */
			if (*rest != '\0' && i != PROG_DAILY - 1)
				continue;
			*lang = (int)l;
			if (*rest != '\0' &&
			    (*minute = programme_parse_time(rest)) < 0)
				*minute = -2;
			return ((enum prog_word)(i + 1));
		}
	}
	return (PROG_NONE);
}

int
programme_score(const char *norm)
{
	if (norm != NULL && norm[0] >= '1' && norm[0] <= '5' &&
	    norm[1] == '\0')
		return (norm[0] - '0');
	return (0);
}

/* --- the plan --------------------------------------------------------------- */

/* minute as the reply's language writes a clock: "7:30 AM", "19:30". */
static void
programme_clock(int minute, int lang, char *buf, size_t len)
{
	int	h = minute / 60, m = minute % 60;

	if (lang == 1)
		snprintf(buf, len, "%d:%02d", h, m);
	else
		snprintf(buf, len, "%d:%02d %s", h % 12 == 0 ? 12 : h % 12, m,
		    h < 12 ? "AM" : "PM");
}

/* "tomorrow at 9:00 AM" in zone tz, as seen at now. */
static void
programme_when(const char *tz, time_t at, time_t now, int lang, char *buf,
    size_t len)
{
	struct location	l;

	memset(&l, 0, sizeof l);
	l.timezone = (char *)tz;
	location_when_text(&l, at, now, lang, buf, len);
}

static char *
programme_fill(const struct config *cfg, const char *name, int lang,
    const char *const *vars)
{
	const char	*t = programme_msg(cfg, name, lang);

	return (keyword_fill(t != NULL ? t : "", vars));
}

/* The instant of minute on the local day day_offset days after t's. */
static time_t
programme_day_at(const char *tz, time_t t, int day_offset, int minute)
{
	struct tm	tm;

	if (util_localtime(tz, t, &tm) != 0)
		return (t + (time_t)day_offset * 86400);
	tm.tm_mday += day_offset;
	tm.tm_hour = minute / 60;
	tm.tm_min = minute % 60;
	tm.tm_sec = 0;
	return (util_mktime(tz, &tm));
}

/* The day texts of a new programme starting at now. */
static void
programme_schedule(const struct config *cfg, const char *tz, int lang,
    int minute, time_t now, struct programme_plan *p)
{
	const struct programme_cfg	*pc = cfg->programme;
	struct programme_text		*t;
	char				 day[12], days[12], *link;
	const char			*title;
	size_t				 i;
	int				 first;

	/* Day 1 is today when its time is still ahead, else tomorrow. */
	first = programme_day_at(tz, now, 0, minute) > now ? 0 : 1;
	p->texts = xcalloc(pc->ndays, sizeof *p->texts);
	p->ntexts = pc->ndays;
	snprintf(days, sizeof days, "%zu", pc->ndays);
	for (i = 0; i < pc->ndays; i++) {
		t = &p->texts[i];
		t->day = (int)i + 1;
		t->send_after = programme_day_at(tz, now, first + (int)i,
		    minute);
		t->not_before = quiet_next_allowed_tz(tz, t->send_after);
		snprintf(day, sizeof day, "%d", t->day);
		title = i18n_get(&pc->days[i]->title, lang);
		link = reply_guide_link(cfg, pc->days[i], lang);
		{
			const char *vars[] = { "day", day, "days", days,
			    "title", title != NULL ? title : pc->days[i]->id,
			    "link", link, NULL };

			t->body = programme_fill(cfg, i + 1 == pc->ndays ?
			    "last" : "day", lang, vars);
		}
		free(link);
	}
}

void
programme_decide(const struct config *cfg, enum prog_word w, int lang,
    int minute, const char *tz, const struct programme_facts *f, time_t now,
    struct programme_plan *p)
{
	const struct programme_cfg	*pc = cfg->programme;
	char				 days[24], day[24] = "", clock[32];
	char				 when[96] = "";

	memset(p, 0, sizeof *p);
	p->word = w;
	p->lang = lang;
	snprintf(days, sizeof days, "%zu", pc->ndays);
	programme_clock(minute >= 0 ? minute : pc->minute, lang, clock,
	    sizeof clock);
	if (f->id != 0) {
		snprintf(days, sizeof days, "%d", f->days);
		snprintf(day, sizeof day, "%lld", f->days - f->pending + 1);
		programme_when(tz, f->next_at, now, lang, when, sizeof when);
	}
	{
		const char *vars[] = { "days", days, "day", day, "next", when,
		    "time", clock, "first", when, NULL };

		switch (w) {
		case PROG_DAILY:
			if (minute == -2) {
				p->reply = programme_fill(cfg, "bad_time", lang,
				    vars);
				return;
			}
			if (f->id != 0) {
				p->reply = programme_fill(cfg, "already", lang,
				    vars);
				return;
			}
			p->enrol = 1;
			p->minute = minute >= 0 ? minute : pc->minute;
			programme_schedule(cfg, tz, lang, p->minute, now, p);
			programme_when(tz, p->texts[0].not_before, now, lang,
			    when, sizeof when);
			p->reply = programme_fill(cfg, "enrolled", lang, vars);
			return;
		case PROG_PAUSE:
			p->end = f->id != 0;
			p->reply = programme_fill(cfg, f->id != 0 ? "paused" :
			    "not_enrolled", lang, vars);
			return;
		case PROG_STATUS:
			p->reply = programme_fill(cfg, f->id != 0 ? "status" :
			    "not_enrolled", lang, vars);
			return;
		case PROG_NONE:
			return;
		}
	}
}

void
programme_plan_free(struct programme_plan *p)
{
	size_t	i;

	for (i = 0; i < p->ntexts; i++)
		free(p->texts[i].body);
	free(p->texts);
	free(p->reply);
	memset(p, 0, sizeof *p);
}

static int
programme_line(const struct config *cfg, const char *name)
{
	const struct programme_cfg	*pc = cfg->programme;
	size_t				 i;

	for (i = 0; i < pc->n; i++)
		if (strcmp(pc->names[i], name) == 0)
			return (pc->lines[i]);
	return (0);
}

void
programme_each_text(const struct config *cfg, int lang, time_t now,
    void (*fn)(const char *, int, const char *, void *), void *arg)
{
	static const char		*fb[] = { "feedback_ask",
	    "feedback_ask_callback", "feedback_thanks" };
	struct programme_facts		 f;
	struct programme_plan		 p;
	const char			*tz;
	const char			*t;
	size_t				 i, j;

	if (cfg->programme == NULL || cfg->programme->ndays == 0)
		return;
	tz = quiet_zone(cfg, NULL);
	memset(&f, 0, sizeof f);
	/* The longest time of day: "12:30 PM". */
	programme_decide(cfg, PROG_DAILY, lang, 12 * 60 + 30, tz, &f, now, &p);
	fn("enrolled", programme_line(cfg, "enrolled"), p.reply, arg);
	/* The days differ by their stretch's title: the longest of them. */
	for (i = 1, j = 0; i + 1 < p.ntexts; i++)
		if (strlen(p.texts[i].body) > strlen(p.texts[j].body))
			j = i;
	if (p.ntexts > 1)
		fn("day", programme_line(cfg, "day"), p.texts[j].body, arg);
	fn("last", programme_line(cfg, "last"), p.texts[p.ntexts - 1].body,
	    arg);
	programme_plan_free(&p);
	programme_decide(cfg, PROG_DAILY, lang, -2, tz, &f, now, &p);
	fn("bad_time", programme_line(cfg, "bad_time"), p.reply, arg);
	programme_plan_free(&p);
	programme_decide(cfg, PROG_STATUS, lang, -1, tz, &f, now, &p);
	fn("not_enrolled", programme_line(cfg, "not_enrolled"), p.reply, arg);
	programme_plan_free(&p);
	f.id = 1;
	f.days = (int)cfg->programme->ndays;
	f.pending = 1;
	f.next_at = now + 3 * 86400;	/* a weekday's name: the longest */
	programme_decide(cfg, PROG_STATUS, lang, -1, tz, &f, now, &p);
	fn("status", programme_line(cfg, "status"), p.reply, arg);
	programme_plan_free(&p);
	programme_decide(cfg, PROG_DAILY, lang, -1, tz, &f, now, &p);
	fn("already", programme_line(cfg, "already"), p.reply, arg);
	programme_plan_free(&p);
	programme_decide(cfg, PROG_PAUSE, lang, -1, tz, &f, now, &p);
	fn("paused", programme_line(cfg, "paused"), p.reply, arg);
	programme_plan_free(&p);
	for (i = 0; i < sizeof fb / sizeof *fb; i++)
		if ((t = programme_msg(cfg, fb[i], lang)) != NULL)
			fn(fb[i], programme_line(cfg, fb[i]), t, arg);
}
