/*
 * estimate.h -- when someone in the callback queue can expect the call,
 * the one estimate voice, SMS, the dashboard and the API all give.
 *
 * Computed from the queue's opening hours (a location's, or for the
 * shared queue every location's: it is worked while any is open) and the
 * measured handling rate.  It is minutes only when the call can come
 * before the queue closes; otherwise it names the next opening ("after we
 * open tomorrow at 8 AM"), never minutes while nobody is there to call.
 * Pure: no store, and the time is given.
 */
#ifndef HOTLINE_ESTIMATE_H
#define HOTLINE_ESTIMATE_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

struct config;
struct location;

/* How fast the queue is worked (callback_rate measures it). */
struct estimate_rate {
	int	minutes_each;	/* one callback, claim to done */
	int	staff;		/* staff working it at once, at least 1 */
};

struct estimate {
	int			 later;		/* 1: after opens_at, no minutes */
	int			 minutes;	/* when !later */
	time_t			 opens_at;	/* when later: the opening it names,
						   0 when none is known (closed
						   for two weeks or more) */
	const struct location	*where;		/* whose opening: its timezone
						   words it; borrowed from cfg */
};

/*
 * The estimate for the entry at position (1 = next) in location's queue
 * (NULL or unknown: the shared queue) at now.
 */
void	estimate_wait(const struct config *, const char *location,
	    int position, const struct estimate_rate *, time_t now,
	    struct estimate *);
/*
 * The opening a later estimate names, in words for language lang as seen
 * at now: "tomorrow at 8 AM", "mañana a las 8 a. m."; "again" / "de
 * nuevo" when none is known.  Into buf (len bytes).
 */
void	estimate_opening_words(const struct config *, const struct estimate *,
	    time_t now, int lang, char *buf, size_t len);
/*
 * The whole estimate in English for staff: "within 20 minutes", "after we
 * open tomorrow at 8 AM".
 */
void	estimate_text(const struct config *, const struct estimate *,
	    time_t now, char *buf, size_t len);
/*
 * As the API shows it, a new object: "minutes" (null when later),
 * "opens_at" (ISO 8601, null unless later with a known opening), "text"
 * (estimate_text).
 */
json_t	*estimate_json(const struct config *, const struct estimate *,
	    time_t now);

#endif
