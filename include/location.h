/*
 * location.h -- the clinic's locations: open or closed now, hours in
 * words, nearest by ZIP.  Times are computed in each location's own
 * timezone from util_now(), which tests can pin with HOTLINE_CLOCK.
 */
#ifndef HOTLINE_LOCATION_H
#define HOTLINE_LOCATION_H

#include <stddef.h>
#include <time.h>

struct cfgctx;
struct config;
struct fy_node;
struct holiday;
struct location;

/*
 * Loaders, called by config_load: the locations (root is locations.yaml's
 * top level) and the ZIP centroids (a zip,lat,lon file) into ctx->cfg,
 * problems recorded in ctx.  location_free_all releases both.
 */
void		 location_load(struct cfgctx *, struct fy_node *root);
void		 location_load_zips(struct cfgctx *, const char *path);
void		 location_free_all(struct config *);

/* 1 when open at t (hours, holidays and the emergency-closed switch). */
int		 location_is_open(const struct location *, time_t t);
/* 1 when any location is open at t. */
int		 location_any_open(const struct config *, time_t t);
/*
 * The location's hours on the day t falls on (local), in words, e.g.
 * "8 AM to 5 PM" / "8 a. m. a 5 p. m." or the closed word, into buf.
 * Returns 0 if open that day, 1 if closed (holiday, emergency, weekly).
 */
int		 location_hours_text(const struct location *, time_t t, int lang,
		     const struct config *, char *buf, size_t len);
/* Minutes after midnight as a clock: "8 AM", "12:30 PM"; Spanish "8 a. m.". */
void		 location_clock(int minutes, int lang_es, char *buf, size_t len);
/*
 * The next opening time after t (within 14 days), or 0.  When open now,
 * returns t.
 */
time_t		 location_next_open(const struct location *, time_t t);
/* The same in words: "tomorrow at 8 AM", "Monday at 9 AM" (lang). */
void		 location_next_open_text(const struct location *, time_t t,
		     int lang, char *buf, size_t len);
/*
 * The time at (an opening) in words as seen at t, in the location's
 * timezone: "now", "today at 1 PM", "tomorrow at 8 AM", "Monday at 9 AM";
 * "soon" when at is 0.
 */
void		 location_when_text(const struct location *, time_t at,
		     time_t t, int lang, char *buf, size_t len);
/* When the location closes, if it is open at t; else 0. */
time_t		 location_closes_at(const struct location *, time_t t);
/*
 * Parse a holiday as written in locations.yaml (see struct holiday in
 * config.h) into *out: 0, or -1 when it is not one of the forms.
 */
int		 location_holiday_parse(const char *s, struct holiday *out);
/* 1 when the holiday falls on the local date year-month-mday. */
int		 location_holiday_on(const struct holiday *, int year, int month,
		     int mday);
/* Distance in miles between two points (haversine). */
double		 location_miles(double lat1, double lon1, double lat2,
		     double lon2);
/*
 * The nearest location to a 5-digit ZIP: NULL when the ZIP is unknown.
 * *miles gets the distance when not NULL.
 */
struct location	*location_nearest_zip(const struct config *, const char *zip,
		     double *miles);
/*
 * A distance as both channels give it: "3.2" nearby, "14" further; at
 * most len bytes into buf, which is returned.
 */
char		*location_miles_text(double miles, char *buf, size_t len);
/* The location whose key or speech pattern matches input, or NULL. */
struct location	*location_match(const struct config *, const char *digits,
		     const char *speech, int lang);

#endif
