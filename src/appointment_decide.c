/*
 * appointment_decide.c -- the appointment conversation by text, and the
 * words of every appointment text (see appointment.h).  Pure: no store,
 * no clock (now is passed), no log.
 *
 * One question per text: the clinic (a key, a name or a ZIP code, as the
 * clinic lookup reads them), new or returning, the days and part of the
 * day, the reason in the person's words.  Each may be skipped; an answer
 * that names no clinic asks again.  One text that says it all ("Allen,
 * Tuesday morning, knee pain after running") is read in parts: a part
 * naming a clinic, a part naming days or a part of the day, and the rest
 * as the reason; only what is missing is asked next.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "appointment.h"
#include "config.h"
#include "keyword.h"
#include "location.h"
#include "reply.h"
#include "util.h"
#include "xmalloc.h"

/* Words that say when (normalised: no accents). */
static const char *appt_when_words[] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
	"sunday", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri",
	"sat", "weekday", "weekdays", "weekend", "today", "tomorrow",
	"morning", "mornings", "afternoon", "afternoons", "evening",
	"evenings", "noon", "lunch", "am", "pm", "anytime", "asap", "week",
	"lunes", "martes", "miercoles", "jueves", "viernes", "sabado",
	"domingo", "hoy", "manana", "mananas", "tarde", "tardes", "noche",
	"mediodia", "semana", "cualquier", NULL
};

static const char *appt_skip_words[] = {
	"skip", "pass", "next", "dont know", "not sure", "any", "omitir",
	"saltar", "siguiente", "no se", "cualquiera", "n a", "na", NULL
};

static int
appt_in(const char *w, const char **list)
{
	size_t	i;

	for (i = 0; list[i] != NULL; i++) {
		if (strcmp(w, list[i]) == 0)
			return (1);
	}
	return (0);
}

/* 1 when the normalised text has a word saying when. */
static int
appt_says_when(const char *norm)
{
	char	*copy, *w, *save = NULL;
	int	 found = 0;

	copy = xstrdup(norm);
	for (w = strtok_r(copy, " ", &save); w != NULL && !found;
	    w = strtok_r(NULL, " ", &save))
		found = appt_in(w, appt_when_words);
	free(copy);
	return (found);
}

void
appt_convo_clear(struct appt_convo *c)
{
	free(c->location);
	free(c->preferred);
	free(c->reason);
	memset(c, 0, sizeof *c);
	c->new_patient = -1;
}

void
appt_plan_free(struct appt_plan *p)
{
	appt_convo_clear(&p->next);
	free(p->text);
	p->text = NULL;
}

/* Their words, trimmed and bounded (at a character's start). */
static char *
appt_words(const char *s)
{
	char	*out, *t;
	size_t	 n;

	out = xstrdup(s);
	t = util_trim(out);
	if (t != out)
		memmove(out, t, strlen(t) + 1);
	if ((n = strlen(out)) > APPT_WORDS_MAX) {
		n = APPT_WORDS_MAX;
		while (n > 0 && ((unsigned char)out[n] & 0xc0) == 0x80)
			n--;
		out[n] = '\0';
	}
	if (*out == '\0') {
		free(out);
		return (NULL);
	}
	return (out);
}

const struct location *
appt_location(const struct config *cfg, const char *body, int lang)
{
	const struct location	*l;
	char			*norm, *p;
	size_t			 i;

	norm = keyword_normalise(body);
	l = NULL;
	/* A key alone, or a ZIP code alone or within the words. */
	if (*norm != '\0' && strspn(norm, "0123456789") == strlen(norm) &&
	    strlen(norm) <= 2)
		l = location_match(cfg, norm, NULL, lang);
	for (p = norm; l == NULL && *p != '\0'; p++) {
		if (isdigit((unsigned char)*p) && (p == norm || p[-1] == ' ') &&
		    strspn(p, "0123456789") == 5 &&
		    (p[5] == '\0' || p[5] == ' ')) {
			char	zip[6];

			memcpy(zip, p, 5);
			zip[5] = '\0';
			l = location_nearest_zip(cfg, zip, NULL);
		}
	}
	/* A name, in the texter's language first, then in any. */
	if (l == NULL)
		l = location_match(cfg, NULL, norm, lang);
	for (i = 0; l == NULL && i < cfg->nlangs; i++)
		l = location_match(cfg, NULL, norm, (int)i);
	free(norm);
	return (l);
}

int
appt_new_patient(const char *norm)
{
	static const char *yes[] = { "new", "new patient", "nuevo", "nueva",
	    "nuevo paciente", "nueva paciente", "paciente nuevo",
	    "paciente nueva", "first time", "primera vez", "n", "1", NULL };
	static const char *no[] = { "returning", "return", "returning patient",
	    "existing", "existing patient", "been before", "old", "regreso",
	    "regresando", "ya soy paciente", "ya fui", "ya he ido",
	    "paciente", "antiguo", "2", NULL };

	if (appt_in(norm, yes))
		return (1);
	if (appt_in(norm, no))
		return (0);
	return (-1);
}

static int
appt_is_skip(const char *norm)
{
	return (appt_in(norm, appt_skip_words));
}

/* Append part to *s, ", "-joined. */
static void
appt_append(char **s, const char *part)
{
	char	*n;

	if (*s == NULL) {
		*s = appt_words(part);
		return;
	}
	xasprintf(&n, "%s, %s", *s, part);
	free(*s);
	*s = appt_words(n);
	free(n);
}

void
appt_parse_free_text(const struct config *cfg, const char *body, int lang,
    struct appt_convo *c)
{
	const struct location	*l;
	char			*copy, *part, *save = NULL, *norm, *t;
	int			 np;

	copy = xstrdup(body);
	for (part = strtok_r(copy, ",;\n", &save); part != NULL;
	    part = strtok_r(NULL, ",;\n", &save)) {
		t = util_trim(part);
		if (*t == '\0')
			continue;
		norm = keyword_normalise(t);
		if (c->location == NULL &&
		    (l = appt_location(cfg, t, lang)) != NULL &&
		    strlen(norm) <= 24)
			c->location = xstrdup(l->id);
		else if (c->new_patient < 0 &&
		    (np = appt_new_patient(norm)) >= 0 && strlen(norm) > 2)
			c->new_patient = np;
		else if (c->preferred == NULL && appt_says_when(norm))
			c->preferred = appt_words(t);
		else
			appt_append(&c->reason, t);
		free(norm);
	}
	free(copy);
}

/* "1 Fort Worth, 2 Allen, ..." for the clinic question. */
static char *
appt_choices(const struct config *cfg, int lang)
{
	char	*out = xstrdup(""), *n;
	size_t	 i;

	for (i = 0; i < cfg->nlocations; i++) {
		const struct location	*l = &cfg->locations[i];
		const char		*name = l->name.text[lang] != NULL ?
					    l->name.text[lang] : l->id;

		xasprintf(&n, "%s%s%s %s", out, i > 0 ? ", " : "",
		    l->key != NULL ? l->key : "", name);
		free(out);
		out = n;
	}
	return (out);
}

static char *
appt_question(const struct config *cfg, enum appt_step step, int lang,
    int again)
{
	char	*choices, *s;

	switch (step) {
	case APPT_STEP_LOCATION:
		choices = appt_choices(cfg, lang);
		s = reply_msg(cfg, again ? "appt_location_again" :
		    "appt_ask_location", lang, (const char *[]){ "choices",
		    choices, NULL });
		free(choices);
		return (s);
	case APPT_STEP_PATIENT:
		return (reply_msg(cfg, "appt_ask_patient", lang, NULL));
	case APPT_STEP_WHEN:
		return (reply_msg(cfg, "appt_ask_when", lang, NULL));
	case APPT_STEP_REASON:
		return (reply_msg(cfg, "appt_ask_reason", lang, NULL));
	default:
		return (NULL);
	}
}

/* The first question still open after step, or NONE: all asked. */
static enum appt_step
appt_next_step(const struct appt_convo *c, enum appt_step after)
{
	enum appt_step	s;

	for (s = after + 1; s <= APPT_STEP_REASON; s++) {
		if (s == APPT_STEP_LOCATION && c->location == NULL)
			return (s);
		if (s == APPT_STEP_PATIENT && c->new_patient < 0)
			return (s);
		if (s == APPT_STEP_WHEN && c->preferred == NULL)
			return (s);
		if (s == APPT_STEP_REASON && c->reason == NULL)
			return (s);
	}
	return (APPT_STEP_NONE);
}

static void
appt_copy(struct appt_convo *to, const struct appt_convo *from)
{
	appt_convo_clear(to);
	to->step = from->step;
	to->lang = from->lang;
	to->location = from->location ? xstrdup(from->location) : NULL;
	to->new_patient = from->new_patient;
	to->preferred = from->preferred ? xstrdup(from->preferred) : NULL;
	to->reason = from->reason ? xstrdup(from->reason) : NULL;
}

/* After the keyword's word: the rest of the text, or "". */
static const char *
appt_after_keyword(const char *body)
{
	while (isspace((unsigned char)*body))
		body++;
	while (*body != '\0' && !isspace((unsigned char)*body) &&
	    *body != ',' && *body != ':')
		body++;
	while (isspace((unsigned char)*body) || *body == ',' || *body == ':')
		body++;
	return (body);
}

void
appt_decide(const struct config *cfg, const struct appt_convo *cur,
    const char *body, int lang, time_t now, struct appt_plan *p)
{
	struct appt_convo	*n = &p->next;
	const struct location	*l;
	enum appt_step		 asked;
	char			*norm;
	int			 skip, again = 0, np;

	memset(p, 0, sizeof *p);
	appt_convo_clear(n);
	if (cur == NULL) {
		n->lang = lang;
		body = appt_after_keyword(body);
		asked = APPT_STEP_NONE;
		if (*body != '\0')
			appt_parse_free_text(cfg, body, lang, n);
		/* One text that said where, when and why is a request. */
		if (n->location != NULL && n->preferred != NULL &&
		    n->reason != NULL)
			goto done;
		asked = APPT_STEP_NONE;
		goto ask;
	}
	appt_copy(n, cur);
	lang = n->lang;
	asked = cur->step;
	norm = keyword_normalise(body);
	skip = appt_is_skip(norm);
	switch (cur->step) {
	case APPT_STEP_LOCATION:
		if (skip)
			break;
		if (strchr(body, ',') != NULL || strchr(body, ';') != NULL) {
			/* Everything in one text, after all. */
			appt_parse_free_text(cfg, body, lang, n);
			if (n->location == NULL)
				asked = APPT_STEP_NONE;	/* ask it again */
			again = n->location == NULL;
		} else if ((l = appt_location(cfg, body, lang)) != NULL)
			n->location = xstrdup(l->id);
		else
			again = 1;
		break;
	case APPT_STEP_PATIENT:
		if (skip)
			break;
		if ((np = appt_new_patient(norm)) >= 0)
			n->new_patient = np;
		else if (strcmp(norm, "yes") == 0 || strcmp(norm, "si") == 0)
			n->new_patient = 1;
		else if (strcmp(norm, "no") == 0)
			n->new_patient = 0;
		else {
			/* Not an answer to this: the reason, most likely. */
			appt_append(&n->reason, body);
		}
		break;
	case APPT_STEP_WHEN:
		if (!skip)
			n->preferred = appt_words(body);
		break;
	case APPT_STEP_REASON:
		if (!skip)
			n->reason = appt_words(body);
		break;
	default:
		break;
	}
	free(norm);
	if (again) {
		n->step = APPT_STEP_LOCATION;
		p->text = appt_question(cfg, APPT_STEP_LOCATION, lang, 1);
		return;
	}
ask:
	if ((n->step = appt_next_step(n, asked)) != APPT_STEP_NONE) {
		p->text = appt_question(cfg, n->step, lang, 0);
		return;
	}
done:
	n->step = APPT_STEP_NONE;
	p->request = 1;
	l = config_location(cfg, n->location);
	p->text = appt_text_received(cfg, l, lang, now);
}

/* --- the words of the texts ------------------------------------------- */

static const char *appt_days[2][7] = {
	{ "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	  "Saturday" },
	{ "domingo", "lunes", "martes", "miércoles", "jueves", "viernes",
	  "sábado" }
};
static const char *appt_months[2][12] = {
	{ "January", "February", "March", "April", "May", "June", "July",
	  "August", "September", "October", "November", "December" },
	{ "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
	  "agosto", "septiembre", "octubre", "noviembre", "diciembre" }
};

static int
appt_es(const struct config *cfg, int lang)
{
	return (lang >= 0 && (size_t)lang < cfg->nlangs &&
	    strcmp(cfg->langs[lang], "es") == 0);
}

/* The date and the time of start at loc, in words. */
static void
appt_date_words(const struct config *cfg, const struct location *loc,
    int lang, time_t start, char *date, size_t dlen, char *clock, size_t clen)
{
	struct tm	tm;
	int		es = appt_es(cfg, lang);

	if (loc == NULL || loc->timezone == NULL ||
	    util_localtime(loc->timezone, start, &tm) != 0)
		gmtime_r(&start, &tm);
	if (es)
		snprintf(date, dlen, "%s %d de %s", appt_days[1][tm.tm_wday],
		    tm.tm_mday, appt_months[1][tm.tm_mon]);
	else
		snprintf(date, dlen, "%s, %s %d", appt_days[0][tm.tm_wday],
		    appt_months[0][tm.tm_mon], tm.tm_mday);
	location_clock(tm.tm_hour * 60 + tm.tm_min, es, clock, clen);
}

static const char *
appt_name(const struct location *loc, int lang)
{
	if (loc == NULL)
		return ("");
	return (loc->name.text[lang] != NULL ? loc->name.text[lang] : loc->id);
}

static char *
appt_phone(const struct config *cfg, const struct location *loc)
{
	char	buf[32];

	reply_phone_words(loc != NULL && loc->phone != NULL ? loc->phone :
	    cfg->front_desk, buf, sizeof buf);
	return (xstrdup(buf));
}

static char *
appt_fixed(const struct config *cfg, const char *msg,
    const struct location *loc, int lang, time_t start)
{
	char	date[64], clock[32], *ph, *s;

	appt_date_words(cfg, loc, lang, start, date, sizeof date, clock,
	    sizeof clock);
	ph = appt_phone(cfg, loc);
	s = reply_msg(cfg, msg, lang, (const char *[]){ "name",
	    appt_name(loc, lang), "date", date, "time", clock, "address",
	    loc != NULL && loc->address != NULL ? loc->address : "", "phone",
	    ph, NULL });
	free(ph);
	return (s);
}

char *
appt_text_confirmed(const struct config *cfg, const struct location *loc,
    int lang, time_t start)
{
	return (appt_fixed(cfg, "appt_confirmed", loc, lang, start));
}

char *
appt_text_reminder(const struct config *cfg, const struct location *loc,
    int lang, time_t start)
{
	return (appt_fixed(cfg, "appt_reminder", loc, lang, start));
}

char *
appt_text_noshow(const struct config *cfg, const struct location *loc,
    int lang)
{
	return (appt_fixed(cfg, "appt_noshow", loc, lang, 0));
}

char *
appt_text_cancelled(const struct config *cfg, const struct location *loc,
    int lang, const char *reason)
{
	char	*ph, *s, *why;

	ph = appt_phone(cfg, loc);
	why = appt_words(reason != NULL ? reason : "");
	if (why != NULL && strlen(why) > APPT_REASON_MAX)
		why[APPT_REASON_MAX] = '\0';
	s = reply_msg(cfg, "appt_cancelled", lang, (const char *[]){ "name",
	    appt_name(loc, lang), "reason", why != NULL ? why : "-", "phone",
	    ph, NULL });
	free(why);
	free(ph);
	return (s);
}

/*
 * When staff will next be there to act: "today" words while the clinic
 * (or, with none chosen, any clinic) is open, else its next opening.
 */
static char *
appt_next_words(const struct config *cfg, const struct location *loc,
    int lang, time_t now, const char *open_msg, const char *closed_msg,
    time_t start)
{
	const struct location	*l = loc;
	char			 next[96], date[64], clock[32], *s;
	time_t			 best = 0, t;
	size_t			 i;

	if (l == NULL) {
		/* The location that opens first answers for all. */
		for (i = 0; i < cfg->nlocations; i++) {
			t = location_next_open(&cfg->locations[i], now);
			if (t != 0 && (best == 0 || t < best)) {
				best = t;
				l = &cfg->locations[i];
			}
		}
	}
	if (l == NULL)
		return (reply_msg(cfg, closed_msg, lang, (const char *[]){
		    "next_open", "", NULL }));
	date[0] = clock[0] = '\0';
	if (start != 0)
		appt_date_words(cfg, l, lang, start, date, sizeof date, clock,
		    sizeof clock);
	if (location_is_open(l, now) && location_closes_at(l, now) > now +
	    1800)
		return (reply_msg(cfg, open_msg, lang, (const char *[]){
		    "name", appt_name(l, lang), "date", date, "time", clock,
		    NULL }));
	location_next_open_text(l, now, lang, next, sizeof next);
	s = reply_msg(cfg, closed_msg, lang, (const char *[]){ "next_open",
	    next, "name", appt_name(l, lang), "date", date, "time", clock,
	    NULL });
	return (s);
}

char *
appt_text_received(const struct config *cfg, const struct location *loc,
    int lang, time_t now)
{
	return (appt_next_words(cfg, loc, lang, now, "appt_received_open",
	    "appt_received_closed", 0));
}

char *
appt_text_answer(const struct config *cfg, const struct location *loc,
    int lang, int reschedule, time_t start, time_t now)
{
	if (!reschedule)
		return (appt_fixed(cfg, "appt_see_you", loc, lang, start));
	return (appt_next_words(cfg, loc, lang, now, "appt_reschedule_open",
	    "appt_reschedule_closed", start));
}

/* --- the start time ----------------------------------------------------- */

int
appt_parse_start(const char *iso, time_t *out)
{
	struct tm	tm;
	int		y, mo, d, h, mi, s = 0, oh = 0, om = 0, n = 0, sign = 1;
	const char	*p;
	time_t		t;

	if (iso == NULL || strlen(iso) > 40)
		return (-1);
	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi, &n) != 5
	    || n != 16)
		return (-1);
	p = iso + n;
	if (*p == ':') {
		if (!isdigit((unsigned char)p[1]) ||
		    !isdigit((unsigned char)p[2]))
			return (-1);
		s = (p[1] - '0') * 10 + (p[2] - '0');
		p += 3;
	}
	if (*p == 'Z' && p[1] == '\0')
		;
	else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' &&
	    isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
	    isdigit((unsigned char)p[4]) && isdigit((unsigned char)p[5])) {
		sign = *p == '-' ? -1 : 1;
		oh = (p[1] - '0') * 10 + (p[2] - '0');
		om = (p[4] - '0') * 10 + (p[5] - '0');
		if (oh > 14 || om > 59)
			return (-1);
	} else
		return (-1);	/* an offset is required: no guessing zones */
	if (y < 2000 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || s > 60)
		return (-1);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	if ((t = timegm(&tm)) == (time_t)-1)
		return (-1);
	/* 31 February is not a date. */
	if (tm.tm_mday != d || tm.tm_mon != mo - 1)
		return (-1);
	*out = t - sign * (oh * 3600 + om * 60);
	return (0);
}

/* --- check-config --------------------------------------------------------- */

/* Counts a text (freed) as reply_check does: 1 when it does not fit. */
static int
appt_check_one(const struct config *cfg, FILE *out, const char *name,
    const char *what, int lang, char *text)
{
	int	bad = reply_check_message(cfg, out, name, what, lang, text);

	free(text);
	return (bad);
}

int
appt_check(const struct config *cfg, FILE *out, time_t now)
{
	struct appt_plan	 p;
	char			 reason[APPT_REASON_MAX + 1];
	/* The longest date: a Wednesday in September, 9:30 in Texas. */
	time_t			 t = 1788964200;
	size_t			 i, h;
	int			 lang, n = 0, bad[2];

	if (cfg->sms == NULL)
		return (0);
	memset(reason, 'w', APPT_REASON_MAX);
	reason[APPT_REASON_MAX] = '\0';
	for (lang = 0; (size_t)lang < cfg->nlangs; lang++) {
		appt_decide(cfg, NULL, "APPOINTMENT", lang, now, &p);
		n += appt_check_one(cfg, out, "appt_ask_location",
		    "appointment question", lang, p.text);
		p.text = NULL;
		appt_plan_free(&p);
		n += appt_check_one(cfg, out, "appt_ask_patient",
		    "appointment question", lang, reply_msg(cfg,
		    "appt_ask_patient", lang, NULL));
		n += appt_check_one(cfg, out, "appt_ask_when",
		    "appointment question", lang, reply_msg(cfg,
		    "appt_ask_when", lang, NULL));
		n += appt_check_one(cfg, out, "appt_ask_reason",
		    "appointment question", lang, reply_msg(cfg,
		    "appt_ask_reason", lang, NULL));
		for (i = 0; i < cfg->nlocations; i++) {
			const struct location	*l = &cfg->locations[i];

			n += appt_check_one(cfg, out, "appt_confirmed",
			    "appointment confirmed", lang,
			    appt_text_confirmed(cfg, l, lang, t));
			n += appt_check_one(cfg, out, "appt_reminder",
			    "appointment reminder", lang,
			    appt_text_reminder(cfg, l, lang, t));
			n += appt_check_one(cfg, out, "appt_see_you",
			    "answer to C", lang, appt_text_answer(cfg, l, lang,
			    0, t, now));
			n += appt_check_one(cfg, out, "appt_cancelled",
			    "appointment cancelled", lang,
			    appt_text_cancelled(cfg, l, lang, reason));
			n += appt_check_one(cfg, out, "appt_noshow",
			    "missed appointment", lang,
			    appt_text_noshow(cfg, l, lang));
		}
		/* The answers name the hour: every hour of a week, then
		 * every third to a year, as reply_check does. */
		bad[0] = bad[1] = 0;
		for (h = 0; h < 366 * 24 && !(bad[0] && bad[1]);
		    h += h < 8 * 24 ? 1 : 3) {
			time_t	at = now + (time_t)h * 3600;

			if (!bad[0])
				n += bad[0] = appt_check_one(cfg, out,
				    "appt_received_closed", "appointment "
				    "request reply", lang, appt_text_received(cfg,
				    NULL, lang, at));
			if (!bad[1])
				n += bad[1] = appt_check_one(cfg, out,
				    "appt_reschedule_closed", "answer to R", lang,
				    appt_text_answer(cfg, NULL, lang, 1, at, at));
		}
	}
	return (n);
}
