/*
 * queue_filter.c -- the queue's filters and search (see queue_filter.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "queue_filter.h"
#include "report.h"
#include "util.h"
#include "xmalloc.h"

/*
 * One bound: a day in tz (its start, or the next day's start for the end
 * of a range) or an exact time with its offset.  0, or -1.
 */
static int
queue_filter_time(const char *tz, const char *s, int end, time_t *out)
{
	struct tm	 tm;
	const char	*p;

	memset(&tm, 0, sizeof tm);
	p = strptime(s, "%Y-%m-%d", &tm);
	if (p == NULL || tm.tm_year < 70)
		return (-1);
	if (*p == '\0') {
		if (end)
			tm.tm_mday++;
		tm.tm_isdst = -1;
		*out = util_mktime(tz, &tm);
		return (*out == (time_t)-1 ? -1 : 0);
	}
	/* A full time: 2026-12-01T10:00:00-06:00 (or Z). */
	if ((*out = util_parse_clock(s)) == (time_t)-1 || *out <= 0)
		return (-1);
	return (0);
}

int
queue_filter_parse(const struct config *cfg, const char *location,
    const char *topic, const char *from, const char *to, const char *q,
    struct queue_filter *f, const char **why)
{
	const struct location	*loc = NULL;
	const char		*tz;
	size_t			 n = 0;

	memset(f, 0, sizeof *f);
	if (location != NULL && *location != '\0')
		loc = config_location(cfg, location);
	tz = loc != NULL && loc->timezone != NULL ? loc->timezone :
	    report_zone(cfg);
	if (topic != NULL && *topic != '\0' && config_topic(cfg,
	    topic) == NULL) {
		*why = "no such topic (see the topics in /api/v1/session)";
		return (-1);
	}
	if (from != NULL && *from != '\0' &&
	    queue_filter_time(tz, from, 0, &f->from) != 0) {
		*why = "from is a date (YYYY-MM-DD) or a time with its offset";
		return (-1);
	}
	if (to != NULL && *to != '\0' &&
	    queue_filter_time(tz, to, 1, &f->to) != 0) {
		*why = "to is a date (YYYY-MM-DD) or a time with its offset";
		return (-1);
	}
	if (f->from != 0 && f->to != 0 && f->to <= f->from) {
		*why = "to is before from";
		return (-1);
	}
	f->tail = xcalloc(1, QUEUE_Q_MAX + 1);
	for (; q != NULL && *q != '\0'; q++) {
		if (strchr(" -.()+", *q) != NULL)
			continue;
		if (!isdigit((unsigned char)*q) || n == QUEUE_Q_MAX)
			goto badq;
		f->tail[n++] = *q;
	}
	if (n > 0 && n < QUEUE_Q_MIN)
		goto badq;
	f->topic = xstrdup(topic != NULL ? topic : "");
	return (0);
badq:
	free(f->tail);
	f->tail = NULL;
	*why = "q is the last digits of a number (2 to 15)";
	return (-1);
}

void
queue_filter_clear(struct queue_filter *f)
{
	free(f->topic);
	free(f->tail);
	memset(f, 0, sizeof *f);
}
