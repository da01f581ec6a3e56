/*
 * queue_filter.h -- the callback queue's filters and search as staff
 * send them (GET /api/v1/callbacks?location=&status=&topic=&from=&to=&q=),
 * checked and turned into what callback_page() matches.  Pure.
 *
 *   topic   a topic id of guides.yaml: the entry's topic or a request's
 *   from    YYYY-MM-DD (that day's start) or an ISO 8601 time with offset:
 *           entries created then or later
 *   to      YYYY-MM-DD (through that whole day) or an ISO 8601 time:
 *           entries created before it
 *   q       the last digits of the number (2 to 15; spaces, dashes,
 *           dots and brackets are ignored)
 *
 * A bare date is the day in the location's time zone when location= names
 * one, else in the clinic's (the first location's), as staff read times.
 */
#ifndef HOTLINE_QUEUE_FILTER_H
#define HOTLINE_QUEUE_FILTER_H

#include <time.h>

struct config;

#define QUEUE_Q_MIN	2
#define QUEUE_Q_MAX	15

struct queue_filter {
	char	*topic;		/* "" : any */
	char	*tail;		/* digits, "" : any */
	time_t	 from;		/* 0: no lower bound */
	time_t	 to;		/* 0: no upper bound (exclusive) */
};

/*
 * Check and convert; empty or NULL arguments filter nothing.  0 with f
 * filled (queue_filter_clear frees), or -1 with *why set (nothing to free).
 */
int	queue_filter_parse(const struct config *, const char *location,
	    const char *topic, const char *from, const char *to,
	    const char *q, struct queue_filter *f, const char **why);
void	queue_filter_clear(struct queue_filter *);

#endif
