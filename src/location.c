/*
 * location.c -- opening hours and nearest clinic (see location.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "location.h"
#include "util.h"

static int
location_is_holiday(const struct location *l, const struct tm *tm)
{
	char	day[48];
	size_t	i;

	snprintf(day, sizeof day, "%04d-%02d-%02d", tm->tm_year + 1900,
	    tm->tm_mon + 1, tm->tm_mday);
	for (i = 0; i < l->nholidays; i++) {
		if (strcmp(l->holidays[i], day) == 0)
			return (1);
	}
	return (0);
}

/* Open minutes of the local day of tm, or -1 when closed all day. */
static const struct hours_span *
location_day(const struct location *l, const struct tm *tm)
{
	if (location_is_holiday(l, tm) || l->hours[tm->tm_wday].open < 0)
		return (NULL);
	return (&l->hours[tm->tm_wday]);
}

int
location_is_open(const struct location *l, time_t t)
{
	const struct hours_span	*h;
	struct tm		 tm;
	int			 min;

	if (l->emergency_closed)
		return (0);
	if (util_localtime(l->timezone, t, &tm) != 0)
		return (0);
	if ((h = location_day(l, &tm)) == NULL)
		return (0);
	min = tm.tm_hour * 60 + tm.tm_min;
	return (min >= h->open && min < h->close);
}

int
location_any_open(const struct config *cfg, time_t t)
{
	size_t	i;

	for (i = 0; i < cfg->nlocations; i++) {
		if (location_is_open(&cfg->locations[i], t))
			return (1);
	}
	return (0);
}

/* "8 AM", "12:30 PM"; Spanish "8 a. m.". */
static void
location_clock(int minutes, int lang_es, char *buf, size_t len)
{
	int	h = minutes / 60, m = minutes % 60, h12;
	int	pm = h >= 12 && h < 24;

	h12 = h % 12 == 0 ? 12 : h % 12;
	if (lang_es) {
		if (m)
			snprintf(buf, len, "%d:%02d %s", h12, m, pm ? "p. m." :
			    "a. m.");
		else
			snprintf(buf, len, "%d %s", h12, pm ? "p. m." : "a. m.");
	} else {
		if (m)
			snprintf(buf, len, "%d:%02d %s", h12, m, pm ? "PM" : "AM");
		else
			snprintf(buf, len, "%d %s", h12, pm ? "PM" : "AM");
	}
}

static int
location_lang_es(const struct config *cfg, int lang)
{
	return (lang >= 0 && (size_t)lang < cfg->nlangs &&
	    strcmp(cfg->langs[lang], "es") == 0);
}

int
location_hours_text(const struct location *l, time_t t, int lang,
    const struct config *cfg, char *buf, size_t len)
{
	const struct hours_span	*h;
	struct tm		 tm;
	char			 a[32], b[32];
	int			 es = location_lang_es(cfg, lang);

	if (util_localtime(l->timezone, t, &tm) != 0 ||
	    (h = location_day(l, &tm)) == NULL || l->emergency_closed) {
		snprintf(buf, len, "%s", es ? "cerrado" : "closed");
		return (1);
	}
	location_clock(h->open, es, a, sizeof a);
	location_clock(h->close, es, b, sizeof b);
	snprintf(buf, len, es ? "de %s a %s" : "%s to %s", a, b);
	return (0);
}

time_t
location_next_open(const struct location *l, time_t t)
{
	const struct hours_span	*h;
	struct tm		 tm;
	time_t			 day, cand;
	int			 i, min;

	if (location_is_open(l, t))
		return (t);
	for (i = 0; i < 15; i++) {
		day = t + (time_t)i * 86400;
		if (util_localtime(l->timezone, day, &tm) != 0)
			return (0);
		if ((h = location_day(l, &tm)) == NULL)
			continue;
		min = tm.tm_hour * 60 + tm.tm_min;
		if (i == 0 && min >= h->open)
			continue;
		/* Local midnight of that day plus the opening minute. */
		cand = day - (time_t)(min * 60 + tm.tm_sec) +
		    (time_t)h->open * 60;
		if (cand > t && location_is_open(l, cand))
			return (cand);
		/* A DST change can shift by an hour: look close by. */
		if (cand + 3600 > t && location_is_open(l, cand + 3600))
			return (cand + 3600);
	}
	return (0);
}

void
location_next_open_text(const struct location *l, time_t t, int lang,
    char *buf, size_t len)
{
	static const char	*en_days[] = { "Sunday", "Monday", "Tuesday",
				    "Wednesday", "Thursday", "Friday", "Saturday" };
	static const char	*es_days[] = { "el domingo", "el lunes",
				    "el martes", "el miércoles", "el jueves",
				    "el viernes", "el sábado" };
	struct tm		 now_tm, tm;
	time_t			 n;
	char			 clock[32];
	int			 es = lang == 1, diff;

	n = location_next_open(l, t);
	if (n == 0 || util_localtime(l->timezone, t, &now_tm) != 0 ||
	    util_localtime(l->timezone, n, &tm) != 0) {
		snprintf(buf, len, "%s", es ? "pronto" : "soon");
		return;
	}
	location_clock(tm.tm_hour * 60 + tm.tm_min, es, clock, sizeof clock);
	diff = tm.tm_yday - now_tm.tm_yday;
	if (diff < 0)
		diff += 365;
	if (n == t)
		snprintf(buf, len, "%s", es ? "ahora" : "now");
	else if (diff == 0)
		snprintf(buf, len, es ? "hoy a las %s" : "today at %s", clock);
	else if (diff == 1)
		snprintf(buf, len, es ? "mañana a las %s" : "tomorrow at %s",
		    clock);
	else
		snprintf(buf, len, es ? "%s a las %s" : "%s at %s",
		    es ? es_days[tm.tm_wday] : en_days[tm.tm_wday], clock);
}

double
location_miles(double lat1, double lon1, double lat2, double lon2)
{
	const double	r = 3958.8, d2r = M_PI / 180.0;
	double		dlat = (lat2 - lat1) * d2r, dlon = (lon2 - lon1) * d2r;
	double		a;

	a = sin(dlat / 2) * sin(dlat / 2) + cos(lat1 * d2r) * cos(lat2 * d2r) *
	    sin(dlon / 2) * sin(dlon / 2);
	return (2 * r * asin(sqrt(a)));
}

struct location *
location_nearest_zip(const struct config *cfg, const char *zip, double *miles)
{
	const struct zip	*z;
	struct location		*best = NULL;
	double			 d, bestd = 0;
	size_t			 i;

	if ((z = config_zip(cfg, zip)) == NULL)
		return (NULL);
	for (i = 0; i < cfg->nlocations; i++) {
		d = location_miles(z->lat, z->lon, cfg->locations[i].lat,
		    cfg->locations[i].lon);
		if (best == NULL || d < bestd) {
			best = &cfg->locations[i];
			bestd = d;
		}
	}
	if (miles != NULL)
		*miles = bestd;
	return (best);
}

struct location *
location_match(const struct config *cfg, const char *digits,
    const char *speech, int lang)
{
	size_t	i;

	for (i = 0; i < cfg->nlocations; i++) {
		struct location *l = &cfg->locations[i];

		if (digits != NULL && *digits != '\0' && l->key != NULL &&
		    strcmp(digits, l->key) == 0)
			return (l);
		if (speech != NULL && *speech != '\0' && lang >= 0 &&
		    lang < LANG_MAX && l->speech.re[lang] != NULL &&
		    re_match(l->speech.re[lang], speech))
			return (l);
	}
	return (NULL);
}
