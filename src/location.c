/*
 * location.c -- opening hours and nearest clinic (see location.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "location.h"
#include "util.h"

/*
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil): holiday rules are date arithmetic, not time zones.
 */
static long
location_days(int y, int m, int d)
{
	long	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static int
location_wday(long days)
{
	return ((int)(((days % 7) + 11) % 7));
}

static int
location_month_len(int y, int m)
{
	return ((int)(location_days(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1,
	    1) - location_days(y, m, 1)));
}

/* Does the holiday, as it falls in year y, land on day number `days`? */
static int
location_holiday_in(const struct holiday *h, int y, long days)
{
	long	at;
	int	w, first, last;

	switch (h->kind) {
	case HOLIDAY_DATE:
		return (y == h->year &&
		    location_days(h->year, h->month, h->day) == days);
	case HOLIDAY_YEARLY:
		/* 29 February is kept only in leap years. */
		if (h->day > location_month_len(y, h->month))
			return (0);
		at = location_days(y, h->month, h->day);
		if (at == days)
			return (1);
		if (!h->observed)
			return (0);
		w = location_wday(at);
		return ((w == 6 && at - 1 == days) || (w == 0 && at + 1 == days));
	case HOLIDAY_NTH:
		first = location_wday(location_days(y, h->month, 1));
		at = location_days(y, h->month, 1) + (h->wday - first + 7) % 7;
		if (h->nth > 0)
			at += 7L * (h->nth - 1);
		else {
			last = location_month_len(y, h->month);
			while (at + 7 < location_days(y, h->month, 1) + last)
				at += 7;
		}
		/* A 5th weekday a month does not have is no holiday. */
		if (at >= location_days(y, h->month, 1) +
		    location_month_len(y, h->month))
			return (0);
		return (at + h->shift == days);
	}
	return (0);
}

int
location_holiday_on(const struct holiday *h, int year, int month, int mday)
{
	long	days = location_days(year, month, mday);

	/* An observed or shifted day can cross into the next year or back. */
	return (location_holiday_in(h, year, days) ||
	    location_holiday_in(h, year - 1, days) ||
	    location_holiday_in(h, year + 1, days));
}

static int
location_name_index(const char *word, const char *const *names, int n)
{
	int	i;

	for (i = 0; i < n; i++) {
		if (strncasecmp(word, names[i], 3) == 0 &&
		    strlen(word) >= 3 && strncasecmp(word, names[i],
		    strlen(word)) == 0)
			return (i);
	}
	return (-1);
}

int
location_holiday_parse(const char *s, struct holiday *out)
{
	static const char *const	 ords[] = { "1st", "2nd", "3rd", "4th",
					    "5th", "last" };
	static const char *const	 wdays[] = { "sunday", "monday",
					    "tuesday", "wednesday", "thursday",
					    "friday", "saturday" };
	static const char *const	 months[] = { "january", "february",
					    "march", "april", "may", "june",
					    "july", "august", "september",
					    "october", "november", "december" };
	char				 a[16], b[16], of[8], c[16], extra[16];
	int				 y, m, d, n, k, shift = 0;

	memset(out, 0, sizeof *out);
	n = -1;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10 &&
	    s[n] == '\0' && strspn(s, "0123456789-") == 10) {
		if (m < 1 || m > 12 || d < 1 || d > location_month_len(y, m))
			return (-1);
		out->kind = HOLIDAY_DATE;
		out->year = y;
		out->month = m;
		out->day = d;
		return (0);
	}
	n = -1;
	if (sscanf(s, "%2d-%2d%n", &m, &d, &n) == 2 && n == 5 &&
	    strspn(s, "0123456789-") == 5) {
		if (s[n] == '\0')
			out->observed = 0;
		else if (strcmp(s + n, " observed") == 0)
			out->observed = 1;
		else
			return (-1);
		/* Checked against a leap year: 02-29 is allowed. */
		if (m < 1 || m > 12 || d < 1 || d > location_month_len(2000, m))
			return (-1);
		out->kind = HOLIDAY_YEARLY;
		out->month = m;
		out->day = d;
		return (0);
	}
	k = sscanf(s, "%15s %15s %7s %15s %15s", a, b, of, c, extra);
	if (k < 4 || strcasecmp(of, "of") != 0)
		return (-1);
	if (k == 5) {
		n = -1;
		if ((extra[0] != '+' && extra[0] != '-') ||
		    sscanf(extra, "%d%n", &shift, &n) != 1 ||
		    extra[n] != '\0' || shift < -31 || shift > 31)
			return (-1);
	}
	for (n = 0; n < 6; n++) {
		if (strcasecmp(a, ords[n]) == 0)
			break;
	}
	if (n == 6)
		return (-1);
	out->kind = HOLIDAY_NTH;
	out->nth = n == 5 ? -1 : n + 1;
	out->shift = shift;
	if ((out->wday = location_name_index(b, wdays, 7)) < 0 ||
	    (m = location_name_index(c, months, 12)) < 0)
		return (-1);
	out->month = m + 1;
	return (0);
}

static int
location_is_holiday(const struct location *l, const struct tm *tm)
{
	size_t	i;

	for (i = 0; i < l->nholidays; i++) {
		if (location_holiday_on(&l->holidays[i], tm->tm_year + 1900,
		    tm->tm_mon + 1, tm->tm_mday))
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

time_t
location_closes_at(const struct location *l, time_t t)
{
	const struct hours_span	*h;
	struct tm		 tm;

	if (!location_is_open(l, t) || util_localtime(l->timezone, t, &tm) != 0 ||
	    (h = location_day(l, &tm)) == NULL)
		return (0);
	return (t - (time_t)((tm.tm_hour * 60 + tm.tm_min) * 60 + tm.tm_sec) +
	    (time_t)h->close * 60);
}

void
location_next_open_text(const struct location *l, time_t t, int lang,
    char *buf, size_t len)
{
	location_when_text(l, location_next_open(l, t), t, lang, buf, len);
}

void
location_when_text(const struct location *l, time_t n, time_t t, int lang,
    char *buf, size_t len)
{
	static const char	*en_days[] = { "Sunday", "Monday", "Tuesday",
				    "Wednesday", "Thursday", "Friday", "Saturday" };
	static const char	*es_days[] = { "el domingo", "el lunes",
				    "el martes", "el miércoles", "el jueves",
				    "el viernes", "el sábado" };
	struct tm		 now_tm, tm;
	char			 clock[32];
	int			 es = lang == 1, diff;

	if (n == 0 || util_localtime(l->timezone, t, &now_tm) != 0 ||
	    util_localtime(l->timezone, n, &tm) != 0) {
		snprintf(buf, len, "%s", es ? "pronto" : "soon");
		return;
	}
	location_clock(tm.tm_hour * 60 + tm.tm_min, es, clock, sizeof clock);
	diff = (int)(location_days(tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday) - location_days(now_tm.tm_year + 1900,
	    now_tm.tm_mon + 1, now_tm.tm_mday));
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
