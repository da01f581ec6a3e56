/*
 * report.h -- the numbers an operator wants, without patient data: calls
 * and texts per day, the menu funnel, keywords, opt-outs and callbacks per
 * location.  "hotline report" prints them; GET /metrics shows the same
 * numbers (over all time) as gauges.
 *
 * Everything is read from PHI-free columns (events, calls, counts over
 * messages, callbacks, callback_requests and optout_audit): no phone
 * number, no message body.
 */
#ifndef HOTLINE_REPORT_H
#define HOTLINE_REPORT_H

#include <time.h>

#include <jansson.h>

struct db;
struct config;

/*
 * Collect every section for the time since `since' (Unix seconds; 0 for
 * all), days counted in the IANA zone tz (NULL: UTC), into a new JSON
 * object: { "since": …, "timezone": …, "sections": [ { "name": …,
 * "title": …, "columns": [ … ], "rows": [ [ … ], … ] }, … ] }; figures
 * with decimals have one.  Runs inside a store transaction.  NULL on a
 * store error.  The caller frees.
 */
json_t	*report_collect(struct db *, const char *tz, time_t since);
/*
 * The menu funnel alone, over the calls that started in [since, until)
 * (until 0: no end), for the dashboard's phone tree: { "since", "until",
 * "timezone", "calls": calls started, "nodes": [ { "node", "visits",
 * "callers" (calls that reached it), "hung_up_here", "reach_pct" } ] },
 * most callers first.  Runs inside a store transaction; NULL on a store
 * error.  The caller frees.
 */
json_t	*report_funnel(struct db *, const char *tz, time_t since, time_t until);
/* The clinic's zone, for days and dates: the first location's, else UTC. */
const char *report_zone(const struct config *);
/* "YYYY-MM-DD" (its local midnight in tz) or "all" (0): 0, or -1. */
int	report_since(const char *tz, const char *arg, time_t *since);
/* The end of the local date "YYYY-MM-DD" in tz (the next midnight): 0, or -1. */
int	report_until(const char *tz, const char *arg, time_t *until);
/* The local date of t in tz, YYYY-MM-DD, into buf. */
void	report_date(const char *tz, time_t t, char *buf, size_t len);
/* Local midnight 29 days before now's date in tz: thirty days. */
time_t	report_default_since(const char *tz, time_t now);

/*
 * Refresh the hotline_report_* gauges from the store.  Runs inside a store
 * transaction (a store thread); cfg may be NULL.  Work is skipped when the
 * gauges were refreshed less than REPORT_METRICS_MIN_SECONDS ago, so a
 * busy scraper does not turn into a busy database.  0, or -1 on error.
 */
#define REPORT_METRICS_MIN_SECONDS 15
int	report_metrics(struct db *, const struct config *cfg);

#endif
