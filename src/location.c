/*
 * location.c -- opening hours and nearest clinic (see location.h), and
 * loading them: locations.yaml and the ZIP centroids file.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libfyaml.h>

#include "config.h"
#include "location.h"
#include "util.h"
#include "xmalloc.h"
#include "yaml.h"

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

void
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

char *
location_miles_text(double miles, char *buf, size_t len)
{
	/* A tenth of a mile matters nearby, not across town. */
	snprintf(buf, len, miles < 10 ? "%.1f" : "%.0f", miles);
	return (buf);
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

/* --- loading locations.yaml --------------------------------------------- */

struct location *
config_location(const struct config *cfg, const char *id)
{
	size_t	i;

	if (id == NULL)
		return (NULL);
	for (i = 0; i < cfg->nlocations; i++) {
		if (strcmp(cfg->locations[i].id, id) == 0)
			return (&cfg->locations[i]);
	}
	return (NULL);
}

static int
cfg_hhmm(const char *s, int *out)
{
	int	h, m;

	if (strlen(s) != 5 || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || s[2] != ':' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return (-1);
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 24 || m > 59 || (h == 24 && m != 0))
		return (-1);
	*out = h * 60 + m;
	return (0);
}

/*
 * Append the holidays listed under node `hol` to l's.  Each is checked
 * once, where it is written, so a bad shared holiday is reported once.
 */
static void
cfg_load_holidays(struct cfgctx *ctx, struct fy_node *hol, struct location *l,
    int report)
{
	struct fy_node	*item;
	struct holiday	 h;
	const char	*s;
	void		*it = NULL;

	if (!fy_node_is_sequence(hol)) {
		if (report)
			cfg_error(ctx, hol, "'holidays' must be a list of dates");
		return;
	}
	l->holidays = xreallocarray(l->holidays, l->nholidays +
	    fy_node_sequence_item_count(hol) + 1, sizeof *l->holidays);
	while ((item = fy_node_sequence_iterate(hol, &it)) != NULL) {
		s = fy_node_get_scalar0(item);
		if (s == NULL || location_holiday_parse(s, &h) != 0) {
			if (report)
				cfg_error(ctx, item, "holiday '%s' is not a date "
				    "(YYYY-MM-DD), a yearly date (MM-DD, or "
				    "MM-DD observed) or a weekday of a month "
				    "(4th thu of nov, last mon of may, +N days)",
				    s != NULL ? s : "");
			continue;
		}
		l->holidays[l->nholidays++] = h;
	}
}

/*
 * What a caller says to pick the location: `speech` as written, else the
 * name itself.  The sources are kept: menus that accept any location's
 * name ({locations} in a pattern, menu.c) are built from them.
 */
static void
location_load_speech(struct cfgctx *ctx, struct fy_node *v, struct location *l)
{
	struct fy_node	*n;
	const char	*s;
	size_t		 i;

	n = cfg_get(v, "speech");
	for (i = 0; i < ctx->nlangs; i++) {
		s = NULL;
		if (n != NULL && fy_node_is_scalar(n))
			s = fy_node_get_scalar0(n);
		else if (n != NULL && fy_node_is_mapping(n))
			s = cfg_str(ctx, n, ctx->langs[i], 0);
		if (s != NULL)
			l->speech_src.text[i] = xstrdup(s);
		else if (l->name.text[i] != NULL || l->name.text[0] != NULL)
			xasprintf(&l->speech_src.text[i], "\\b\\Q%s\\E\\b",
			    i18n_get(&l->name, (int)i));
		if (l->speech_src.text[i] != NULL)
			l->speech.re[i] = cfg_pattern(ctx, n != NULL ? n : v,
			    l->speech_src.text[i]);
	}
}

static void
cfg_load_location(struct cfgctx *ctx, struct fy_node *v, struct location *l)
{
	static const char	*days[] = { "sun", "mon", "tue", "wed", "thu",
				    "fri", "sat" };
	struct fy_node		*hours, *hol;
	const char		*s;
	char			 a[8], b[8];
	size_t			 d;
	int			 open_days = 0;

	if ((s = cfg_str(ctx, v, "id", 1)) != NULL) {
		if (!cfg_id_valid(s, strlen(s)))
			cfg_error(ctx, cfg_get(v, "id"), "location id '%s' may "
			    "hold only a-z, 0-9, '-' and '_'", s);
		l->id = xstrdup(s);
	} else
		l->id = xstrdup("");
	/* Without a key the location takes the next free digit (below). */
	if ((s = cfg_str(ctx, v, "key", 0)) != NULL) {
		if (strlen(s) != 1 || !isdigit((unsigned char)*s))
			cfg_error(ctx, cfg_get(v, "key"), "location key must be "
			    "one digit, not '%s'", s);
		l->key = xstrdup(s);
	}
	cfg_i18n(ctx, v, "name", &l->name, 1);
	location_load_speech(ctx, v, l);
	if ((s = cfg_str(ctx, v, "address", 1)) != NULL)
		l->address = xstrdup(s);
	if (cfg_i18n(ctx, v, "address_spoken", &l->address_spoken, 0) != 0) {
		for (d = 0; d < ctx->nlangs; d++)
			l->address_spoken.text[d] = xstrdup(l->address != NULL ?
			    l->address : "");
	}
	if ((s = cfg_str(ctx, v, "phone", 1)) != NULL) {
		if ((l->phone = util_phone_e164(s)) == NULL)
			cfg_error(ctx, cfg_get(v, "phone"), "'%s' is not a phone "
			    "number", s);
	}
	if ((s = cfg_str(ctx, v, "oncall_sms", 0)) != NULL) {
		if ((l->oncall_sms = util_phone_e164(s)) == NULL)
			cfg_error(ctx, cfg_get(v, "oncall_sms"), "'%s' is not a "
			    "phone number", s);
	}
	if ((s = cfg_str(ctx, v, "oncall_email", 0)) != NULL)
		l->oncall_email = xstrdup(s);
	/* The scheduling system's Location, for appointment hand-offs. */
	if ((s = cfg_str(ctx, v, "fhir_location", 0)) != NULL)
		l->fhir_location = xstrdup(s);
	s = cfg_str(ctx, v, "timezone", 0);
	l->timezone = xstrdup(s != NULL ? s : "America/Chicago");
	if (!util_tz_valid(l->timezone))
		cfg_error(ctx, cfg_get(v, "timezone"), "unknown timezone '%s'",
		    l->timezone);
	if ((s = cfg_str(ctx, v, "lat", 1)) != NULL)
		l->lat = atof(s);
	if ((s = cfg_str(ctx, v, "lon", 1)) != NULL)
		l->lon = atof(s);
	if (l->lat < -90 || l->lat > 90 || l->lon < -180 || l->lon > 180)
		cfg_error(ctx, v, "location '%s' has lat/lon out of range", l->id);
	l->emergency_closed = cfg_bool(ctx, v, "emergency_closed", 0);

	if ((hours = cfg_get(v, "hours")) == NULL || !fy_node_is_mapping(hours)) {
		cfg_error(ctx, v, "location '%s' has no 'hours'", l->id);
		for (d = 0; d < 7; d++)
			l->hours[d].open = l->hours[d].close = -1;
	} else {
		for (d = 0; d < 7; d++) {
			l->hours[d].open = l->hours[d].close = -1;
			s = cfg_str(ctx, hours, days[d], 0);
			if (s == NULL) {
				cfg_error(ctx, hours, "location '%s' hours have no "
				    "'%s' (use \"closed\" for a closed day)",
				    l->id, days[d]);
				continue;
			}
			if (strcasecmp(s, "closed") == 0)
				continue;
			if (strlen(s) != 11 || s[5] != '-' ||
			    (memcpy(a, s, 5), a[5] = '\0',
			    cfg_hhmm(a, &l->hours[d].open)) != 0 ||
			    (memcpy(b, s + 6, 5), b[5] = '\0',
			    cfg_hhmm(b, &l->hours[d].close)) != 0 ||
			    l->hours[d].close <= l->hours[d].open) {
				cfg_error(ctx, cfg_get(hours, days[d]), "hours "
				    "must be \"HH:MM-HH:MM\" or \"closed\", not "
				    "'%s'", s);
				l->hours[d].open = l->hours[d].close = -1;
				continue;
			}
			open_days++;
		}
		if (open_days == 0)
			cfg_error(ctx, hours, "location '%s' is never open", l->id);
	}
	if ((hol = cfg_get(v, "holidays")) != NULL)
		cfg_load_holidays(ctx, hol, l, 1);
}

/*
 * Locations without a key take the lowest digit 1-9 no location has, in
 * file order: the shipped four are 1-4, a fifth becomes 5.  The menus'
 * own choices that come after them (ZIP, any clinic) are numbered after
 * these, at flow load (menu.c).
 */
static void
location_assign_keys(struct cfgctx *ctx)
{
	struct config	*cfg = ctx->cfg;
	char		 used[10] = { 0 }, k[2];
	size_t		 i;
	int		 d;

	for (i = 0; i < cfg->nlocations; i++) {
		if (cfg->locations[i].key != NULL &&
		    isdigit((unsigned char)*cfg->locations[i].key))
			used[*cfg->locations[i].key - '0'] = 1;
	}
	for (i = 0; i < cfg->nlocations; i++) {
		if (cfg->locations[i].key != NULL)
			continue;
		for (d = 1; d <= 9 && used[d]; d++)
			;
		if (d > 9) {
			cfg_error_at(ctx, 0, "location '%s' has no key: digits "
			    "1-9 are all taken", cfg->locations[i].id);
			continue;
		}
		used[d] = 1;
		k[0] = (char)('0' + d);
		k[1] = '\0';
		cfg->locations[i].key = xstrdup(k);
	}
}

void
location_load(struct cfgctx *ctx, struct fy_node *root)
{
	struct config	*cfg = ctx->cfg;
	struct fy_node	*ls, *v, *shared;
	void		*it = NULL;
	size_t		 j;

	if ((ls = cfg_get(root, "locations")) == NULL ||
	    !fy_node_is_sequence(ls) || fy_node_sequence_item_count(ls) == 0) {
		cfg_error(ctx, root, "missing 'locations' list");
		return;
	}
	cfg->locations = xcalloc(fy_node_sequence_item_count(ls),
	    sizeof *cfg->locations);
	while ((v = fy_node_sequence_iterate(ls, &it)) != NULL) {
		if (!fy_node_is_mapping(v)) {
			cfg_error(ctx, v, "a location must be a mapping");
			continue;
		}
		cfg_load_location(ctx, v, &cfg->locations[cfg->nlocations]);
		/* Holidays declared once for every location. */
		if ((shared = cfg_get(root, "holidays")) != NULL)
			cfg_load_holidays(ctx, shared,
			    &cfg->locations[cfg->nlocations],
			    cfg->nlocations == 0);
		for (j = 0; j < cfg->nlocations; j++) {
			struct location *a = &cfg->locations[j];
			struct location *b = &cfg->locations[cfg->nlocations];
			if (strcmp(a->id, b->id) == 0)
				cfg_error(ctx, v, "location id '%s' is used twice",
				    b->id);
			if (a->key != NULL && b->key != NULL &&
			    strcmp(a->key, b->key) == 0)
				cfg_error(ctx, cfg_get(v, "key"), "location key "
				    "'%s' is used by '%s' too", b->key, a->id);
		}
		cfg->nlocations++;
	}
	location_assign_keys(ctx);
}

/* --- ZIP centroids ------------------------------------------------------ */

static int
zip_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct zip *)a)->zip, ((const struct zip *)b)->zip));
}

const struct zip *
config_zip(const struct config *cfg, const char *zip)
{
	struct zip	key;

	if (zip == NULL || strlen(zip) != 5 || cfg->nzips == 0)
		return (NULL);
	memcpy(key.zip, zip, 6);
	return (bsearch(&key, cfg->zips, cfg->nzips, sizeof key, zip_cmp));
}

void
location_load_zips(struct cfgctx *ctx, const char *path)
{
	struct config	*cfg = ctx->cfg;
	FILE		*f;
	char		 line[256], *z, *la, *lo, *save;
	int		 lineno = 0;
	size_t		 cap = 0;

	if ((f = fopen(path, "r")) == NULL) {
		cfg_error_at(ctx, 0, "cannot read: %s", strerror(errno));
		return;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0' ||
		    strncmp(line, "zip,", 4) == 0)
			continue;
		z = strtok_r(line, ",", &save);
		la = strtok_r(NULL, ",", &save);
		lo = strtok_r(NULL, ",", &save);
		if (z == NULL || la == NULL || lo == NULL || strlen(z) != 5 ||
		    strspn(z, "0123456789") != 5) {
			cfg_error_at(ctx, lineno, "expected zip,lat,lon");
			continue;
		}
		if (cfg->nzips == cap) {
			cap = cap ? cap * 2 : 1024;
			cfg->zips = xreallocarray(cfg->zips, cap,
			    sizeof *cfg->zips);
		}
		memcpy(cfg->zips[cfg->nzips].zip, z, 6);
		cfg->zips[cfg->nzips].lat = atof(la);
		cfg->zips[cfg->nzips].lon = atof(lo);
		cfg->nzips++;
	}
	fclose(f);
	/* qsort must not be handed the NULL of an empty file. */
	if (cfg->nzips > 1)
		qsort(cfg->zips, cfg->nzips, sizeof *cfg->zips, zip_cmp);
}

void
location_free_all(struct config *cfg)
{
	struct location	*l;
	size_t		 i;

	for (i = 0; i < cfg->nlocations; i++) {
		l = &cfg->locations[i];
		free(l->id);
		free(l->key);
		i18n_free(&l->name);
		i18n_re_free(&l->speech);
		i18n_free(&l->speech_src);
		free(l->address);
		i18n_free(&l->address_spoken);
		free(l->phone);
		free(l->oncall_sms);
		free(l->oncall_email);
		free(l->fhir_location);
		free(l->timezone);
		free(l->holidays);
	}
	free(cfg->locations);
	free(cfg->zips);
}
