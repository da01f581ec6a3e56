/*
 * report.c -- "hotline report" and the hotline_report_* gauges.
 *
 * One collector reads the store into sections (a title, columns, rows);
 * the command line prints them as text or CSV (cli/cli_report.c), /metrics
 * turns them into gauges.  Days are the clinic's days (the first
 * location's time zone): the store sums quarter hours, which no zone's
 * offset splits, and each is put on its local date here.  The SQL is plain
 * enough for SQLite and PostgreSQL alike: integer division, CASE for
 * conditional sums.
 */
#include <sys/types.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "config.h"
#include "flow.h"
#include "metrics.h"
#include "report.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* Bounds the gauges one group may create (metrics.c has a fixed table). */
#define REPORT_MAX_SERIES 64

/* One decimal, halves away from zero: 117.6, never 117.59999999999999. */
static json_t *
report_real(double v)
{
	return (json_real((v < 0 ? -1 : 1) *
	    (double)(long long)((v < 0 ? -v : v) * 10 + 0.5) / 10.0));
}

/*
 * Run sql (its '?' are all `since') and append each row to rows.  cols
 * gives each column's type: 't' text (NULL shown as "(none)"), 'i'
 * integer, 'd' a number with one decimal (NULL stays null).
 */
static int
report_rows(struct db *db, json_t *rows, const char *sql, int nparams,
    const char *cols, long long since)
{
	struct db_res	*res;
	json_t		*row;
	const char	*t;
	int		 i, rc;

	switch (nparams) {
	case 1:
		res = db_query(db, sql, "i", since);
		break;
	case 2:
		res = db_query(db, sql, "ii", since, since);
		break;
	default:
		res = db_query(db, sql, "");
		break;
	}
	if (res == NULL)
		return (-1);
	while ((rc = db_next(res)) == 1) {
		row = json_array();
		for (i = 0; cols[i] != '\0'; i++) {
			switch (cols[i]) {
			case 't':
				t = db_text(res, i);
				json_array_append_new(row, json_string(t != NULL ?
				    t : "(none)"));
				break;
			case 'i':
				json_array_append_new(row,
				    json_integer(db_int(res, i)));
				break;
			case 'd':
				if (db_isnull(res, i))
					json_array_append_new(row, json_null());
				else
					json_array_append_new(row, report_real(
					    db_double(res, i)));
				break;
			}
		}
		json_array_append_new(rows, row);
	}
	db_done(res);
	return (rc == -1 ? -1 : 0);
}

static json_t *
report_section(json_t *sections, const char *name, const char *title,
    const char *columns[])
{
	json_t	*s, *cols;
	size_t	 i;

	cols = json_array();
	for (i = 0; columns[i] != NULL; i++)
		json_array_append_new(cols, json_string(columns[i]));
	s = json_pack("{s:s, s:s, s:o, s:[]}", "name", name, "title", title,
	    "columns", cols, "rows");
	json_array_append_new(sections, s);
	return (json_object_get(s, "rows"));
}

const char *
report_zone(const struct config *cfg)
{
	if (cfg != NULL && cfg->nlocations > 0 &&
	    cfg->locations[0].timezone != NULL)
		return (cfg->locations[0].timezone);
	return ("UTC");
}

int
report_since(const char *tz, const char *arg, time_t *since)
{
	struct tm	 tm;
	const char	*end;

	if (strcmp(arg, "all") == 0) {
		*since = 0;
		return (0);
	}
	memset(&tm, 0, sizeof tm);
	end = strptime(arg, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0' || tm.tm_year < 70)
		return (-1);
	*since = util_mktime(tz, &tm);
	return (*since == (time_t)-1 ? -1 : 0);
}

time_t
report_default_since(const char *tz, time_t now)
{
	struct tm	tm;

	if (util_localtime(tz, now, &tm) != 0)
		return (now - 30 * 86400);
	tm.tm_mday -= 29;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	return (util_mktime(tz, &tm));
}

void
report_date(const char *tz, time_t t, char *buf, size_t len)
{
	struct tm	tm;

	if (util_localtime(tz, t, &tm) != 0)
		gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

/* No upper bound on a period: later than any time stored. */
#define REPORT_END	((long long)1 << 62)

/*
 * The funnel, over the calls that started in [since, until): each time a
 * node was played the caller either answered it (a call.step event at the
 * node) or the call ended there (call.end at the node).  So visits =
 * answers + ends, callers are the calls among them, and no node has more
 * hang-ups than callers or callers than visits.  Appends [node, visits,
 * callers, hung_up_here, reach_pct] rows, most callers first; *started is
 * the number of calls.
 */
static int
report_funnel_rows(struct db *db, long long since, long long until,
    json_t *rows, long long *started)
{
	struct db_res	*res;
	long long	 callers;
	int		 rc;

	if (db_int_query(db, started, "SELECT COUNT(DISTINCT subject) FROM "
	    "events WHERE kind = 'call.start' AND at >= ? AND at < ?", "ii",
	    since, until) == -1)
		return (-1);
	res = db_query(db,
	    "SELECT node, COUNT(*), COUNT(DISTINCT subject),"
	    " SUM(CASE WHEN kind = 'call.end' THEN 1 ELSE 0 END)"
	    " FROM events WHERE kind IN ('call.step', 'call.end')"
	    " AND node IS NOT NULL AND subject IN (SELECT subject FROM events"
	    "  WHERE kind = 'call.start' AND at >= ? AND at < ?)"
	    " GROUP BY node ORDER BY 3 DESC, 1", "ii", since, until);
	if (res == NULL)
		return (-1);
	while ((rc = db_next(res)) == 1) {
		callers = db_int(res, 2);
		json_array_append_new(rows, json_pack("[s, I, I, I, o]",
		    db_text(res, 0), (json_int_t)db_int(res, 1),
		    (json_int_t)callers, (json_int_t)db_int(res, 3),
		    *started > 0 ? report_real(100.0 * callers / *started) :
		    json_null()));
	}
	db_done(res);
	return (rc == -1 ? -1 : 0);
}

json_t *
report_funnel(struct db *db, const char *tz, time_t since, time_t until)
{
	json_t		*rows, *row, *nodes;
	long long	 started = 0;
	size_t		 i;

	rows = json_array();
	if (report_funnel_rows(db, (long long)since, until > 0 ?
	    (long long)until : REPORT_END, rows, &started) != 0) {
		json_decref(rows);
		return (NULL);
	}
	nodes = json_array();
	json_array_foreach(rows, i, row) {
		json_array_append_new(nodes, json_pack("{s:O, s:O, s:O, s:O, "
		    "s:O}", "node", json_array_get(row, 0), "visits",
		    json_array_get(row, 1), "callers", json_array_get(row, 2),
		    "hung_up_here", json_array_get(row, 3), "reach_pct",
		    json_array_get(row, 4)));
	}
	json_decref(rows);
	return (json_pack("{s:I, s:I, s:s, s:I, s:o}", "since",
	    (json_int_t)since, "until", (json_int_t)until, "timezone",
	    tz != NULL ? tz : "UTC", "calls", (json_int_t)started, "nodes",
	    nodes));
}

int
report_until(const char *tz, const char *arg, time_t *until)
{
	struct tm	 tm;
	const char	*end;

	memset(&tm, 0, sizeof tm);
	end = strptime(arg, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0' || tm.tm_year < 70)
		return (-1);
	tm.tm_mday++;
	*until = util_mktime(tz, &tm);
	return (*until == (time_t)-1 ? -1 : 0);
}

json_t *
report_collect(struct db *db, const char *tz, time_t since)
{
	static const char	*daily_cols[] = { "day", "calls",
	    "avg_call_seconds", "texts_in", "texts_out", NULL };
	static const char	*funnel_cols[] = { "node", "visits", "callers",
	    "hung_up_here", "reach_pct", NULL };
	static const char	*choice_cols[] = { "node", "input", "count",
	    NULL };
	static const char	*kw_cols[] = { "keyword", "texts", "numbers",
	    NULL };
	static const char	*opt_cols[] = { "action", "keyword", "count",
	    NULL };
	static const char	*cb_cols[] = { "location", "requested",
	    "reached", "unreachable", "cancelled", "open",
	    "avg_minutes_to_first_attempt", "requests", NULL };
	static const char	*rq_cols[] = { "location", "channel", "reason",
	    "requests", "entries", NULL };
	static const char	*loc_cols[] = { "location", "event", "count",
	    NULL };
	static const char	*esc_cols[] = { "red_flags_paged", "acknowledged",
	    "paging", "unanswered", "beyond_first_contact",
	    "avg_minutes_to_acknowledge", NULL };
	static const char	*fb_cols[] = { "about", "answers", "mean_score",
	    NULL };
	static const char	*fbw_cols[] = { "week", "answers", "mean_score",
	    NULL };
	static const char	*ob_cols[] = { "kind", "queued", "sent",
	    "delivered", "failed", "undelivered", "suppressed", "waiting",
	    NULL };
	static const char	*appt_cols[] = { "location", "channel",
	    "requests", "confirmed", "avg_hours_to_confirm", "reminders_sent",
	    "confirmed_by_patient", "wants_another_time", "no_show",
	    "cancelled", NULL };
	json_t		*out, *sections, *rows, *row, *tmp, *cur = NULL;
	long long	 s = (long long)since, started = 0, calls, dur = 0;
	long long	 now_out = 0;
	size_t		 i;
	char		 date[32], title[160];

	if (tz == NULL)
		tz = "UTC";
	sections = json_array();
	out = json_pack("{s:I, s:s, s:o}", "since", s, "timezone", tz,
	    "sections", sections);

	/* Calls and texts per local day, summed from quarter hours. */
	tmp = json_array();
	if (report_rows(db, tmp,
	    "SELECT q, SUM(c), SUM(dur), SUM(ti), SUM(tout) FROM ("
	    " SELECT started_at / 900 AS q, 1 AS c, COALESCE(duration, 0)"
	    "  AS dur, 0 AS ti, 0 AS tout FROM calls WHERE started_at >= ?"
	    " UNION ALL"
	    " SELECT at / 900, 0, 0,"
	    "  CASE WHEN direction = 'in' THEN 1 ELSE 0 END,"
	    "  CASE WHEN direction = 'out' THEN 1 ELSE 0 END"
	    "  FROM messages WHERE at >= ?"
	    ") x GROUP BY q ORDER BY q", 2, "iiiii", s) != 0)
		goto fail;
	snprintf(title, sizeof title, "Calls and texts per day (%s)", tz);
	rows = report_section(sections, "daily", title, daily_cols);
	json_array_foreach(tmp, i, row) {
		report_date(tz, (time_t)(json_integer_value(json_array_get(row,
		    0)) * 900), date, sizeof date);
		if (cur == NULL || strcmp(json_string_value(json_array_get(cur,
		    0)), date) != 0) {
			cur = json_pack("[s, I, n, I, I]", date, 0LL, 0LL, 0LL);
			json_array_append_new(rows, cur);
			dur = 0;
		}
		calls = json_integer_value(json_array_get(cur, 1)) +
		    json_integer_value(json_array_get(row, 1));
		dur += json_integer_value(json_array_get(row, 2));
		json_array_set_new(cur, 1, json_integer(calls));
		json_array_set_new(cur, 2, calls > 0 ?
		    report_real((double)dur / calls) : json_null());
		json_array_set_new(cur, 3, json_integer(json_integer_value(
		    json_array_get(cur, 3)) + json_integer_value(
		    json_array_get(row, 3))));
		json_array_set_new(cur, 4, json_integer(json_integer_value(
		    json_array_get(cur, 4)) + json_integer_value(
		    json_array_get(row, 4))));
	}
	json_decref(tmp);

	rows = report_section(sections, "funnel", "Menu funnel: callers per "
	    "node and where calls ended", funnel_cols);
	if (report_funnel_rows(db, s, REPORT_END, rows, &started) != 0)
		goto fail;

	rows = report_section(sections, "choices", "Menu choices (key or "
	    "intent) per node", choice_cols);
	if (report_rows(db, rows,
	    "SELECT node, input, COUNT(*) FROM events WHERE kind = 'call.step'"
	    " AND at >= ? AND node IS NOT NULL AND input IS NOT NULL"
	    " GROUP BY node, input ORDER BY 1, 3 DESC", 1, "tti", s) != 0)
		goto fail;

	rows = report_section(sections, "keywords", "Text keywords",
	    kw_cols);
	if (report_rows(db, rows,
	    "SELECT input, COUNT(*), COUNT(DISTINCT subject) FROM events"
	    " WHERE kind = 'sms.in' AND at >= ? GROUP BY input"
	    " ORDER BY 2 DESC, 1", 1, "tii", s) != 0)
		goto fail;

	rows = report_section(sections, "optouts", "Opt-outs and opt-ins",
	    opt_cols);
	if (report_rows(db, rows,
	    "SELECT CASE WHEN action = 'out' THEN 'opt-out' ELSE 'opt-in' END,"
	    " keyword, COUNT(*) FROM optout_audit WHERE at >= ?"
	    " GROUP BY action, keyword ORDER BY 1 DESC, 3 DESC", 1, "tti",
	    s) != 0)
		goto fail;
	if (db_int_query(db, &now_out, "SELECT COUNT(*) FROM optouts WHERE "
	    "opted_out = 1", "") == -1)
		goto fail;
	json_array_append_new(rows, json_pack("[s, s, I]", "opted out now",
	    "", now_out));

	/*
	 * The queue as staff see it: "requested" counts entries (one per
	 * person waiting, in the queue of their first request), "requests"
	 * every request those entries hold, wherever it named.  The next
	 * section splits the same requests by the location each named.
	 */
	rows = report_section(sections, "callbacks", "Callbacks per location",
	    cb_cols);
	if (report_rows(db, rows,
	    "SELECT COALESCE(location, '(shared)'), COUNT(*),"
	    " SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END),"
	    " SUM(CASE WHEN status = 'unreachable' THEN 1 ELSE 0 END),"
	    " SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END),"
	    " SUM(CASE WHEN status IN ('waiting', 'claimed') THEN 1 ELSE 0"
	    " END),"
	    " AVG((first_attempt_at - created_at) / 60.0),"
	    " SUM((SELECT COUNT(*) FROM callback_requests q"
	    "  WHERE q.callback_id = callbacks.id))"
	    " FROM callbacks WHERE created_at >= ?"
	    " GROUP BY COALESCE(location, '(shared)') ORDER BY 1", 1,
	    "tiiiiidi", s) != 0)
		goto fail;

	rows = report_section(sections, "callback_requests", "Callback "
	    "requests by the location they named", rq_cols);
	if (report_rows(db, rows,
	    "SELECT COALESCE(q.location, '(none)'), q.channel, q.reason,"
	    " COUNT(*), COUNT(DISTINCT q.callback_id)"
	    " FROM callback_requests q JOIN callbacks c ON c.id = q.callback_id"
	    " WHERE c.created_at >= ?"
	    " GROUP BY COALESCE(q.location, '(none)'), q.channel, q.reason"
	    " ORDER BY 1, 2, 3", 1, "tttii", s) != 0)
		goto fail;

	rows = report_section(sections, "locations", "Events per location",
	    loc_cols);
	if (report_rows(db, rows,
	    "SELECT location, kind, COUNT(*) FROM events"
	    " WHERE location IS NOT NULL AND at >= ?"
	    " GROUP BY location, kind ORDER BY 1, 2", 1, "tti", s) != 0)
		goto fail;

	/*
	 * The always-on red-flag escalation (escalate.c): how many were
	 * paged, how they ended, and how long a person took to take one.
	 */
	rows = report_section(sections, "escalations", "Red-flag pages "
	    "(always-on escalation)", esc_cols);
	if (report_rows(db, rows,
	    "SELECT COUNT(*),"
	    " COALESCE(SUM(CASE WHEN status = 'acknowledged' THEN 1 ELSE 0"
	    " END), 0),"
	    " COALESCE(SUM(CASE WHEN status = 'paging' THEN 1 ELSE 0 END), 0),"
	    " COALESCE(SUM(CASE WHEN status = 'unanswered' THEN 1 ELSE 0 END),"
	    " 0),"
	    " COALESCE(SUM(CASE WHEN pages > 1 THEN 1 ELSE 0 END), 0),"
	    " AVG(CASE WHEN acked_at IS NOT NULL THEN (acked_at - started_at)"
	    " / 60.0 END)"
	    " FROM escalations WHERE started_at >= ?", 1, "iiiiid", s) != 0)
		goto fail;

	/*
	 * What the outbox sent, and what it gave up on ("failed": staff see
	 * these on the dashboard and may send them again).  "sent" counts
	 * everything the provider took, delivered or not.
	 */
	rows = report_section(sections, "outbox", "Messages sent for us "
	    "(texts, calls, e-mail, chat)", ob_cols);
	if (report_rows(db, rows,
	    "SELECT kind, COUNT(*),"
	    " SUM(CASE WHEN status IN ('sent', 'delivered', 'undelivered')"
	    " THEN 1 ELSE 0 END),"
	    " SUM(CASE WHEN status = 'delivered' THEN 1 ELSE 0 END),"
	    " SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END),"
	    " SUM(CASE WHEN status = 'undelivered' THEN 1 ELSE 0 END),"
	    " SUM(CASE WHEN status = 'suppressed' THEN 1 ELSE 0 END),"
	    " SUM(CASE WHEN status IN ('pending', 'sending') THEN 1 ELSE 0"
	    " END)"
	    " FROM outbox WHERE created_at >= ? GROUP BY kind ORDER BY 1", 1,
	    "tiiiiiii", s) != 0)
		goto fail;

	/*
	 * "How helpful was this?" (feedback.c): the answers hold a score and
	 * what it was about, never who or what they wrote.
	 */
	rows = report_section(sections, "feedback_guides", "Feedback (1-5) "
	    "per guide", fb_cols);
	if (report_rows(db, rows,
	    "SELECT COALESCE(guide, about), COUNT(*), AVG(score * 1.0)"
	    " FROM feedback WHERE at >= ? AND location IS NULL"
	    " GROUP BY COALESCE(guide, about) ORDER BY 1", 1, "tid", s) != 0)
		goto fail;
	rows = report_section(sections, "feedback_locations", "Feedback (1-5) "
	    "per location (callbacks)", fb_cols);
	if (report_rows(db, rows,
	    "SELECT location, COUNT(*), AVG(score * 1.0)"
	    " FROM feedback WHERE at >= ? AND location IS NOT NULL"
	    " GROUP BY location ORDER BY 1", 1, "tid", s) != 0)
		goto fail;
	rows = report_section(sections, "feedback_weeks", "Feedback (1-5) "
	    "per week", fbw_cols);
	if (report_rows(db, rows,
	    "SELECT week, COUNT(*), AVG(score * 1.0)"
	    " FROM feedback WHERE at >= ? GROUP BY week ORDER BY 1", 1, "tid",
	    s) != 0)
		goto fail;

	/*
	 * Appointment requests (appointment.c) by clinic and how they were
	 * asked: how many staff confirmed and how fast, the reminders the
	 * outbox sent for them, and where they stand now.
	 */
	rows = report_section(sections, "appointments", "Appointment requests",
	    appt_cols);
	if (report_rows(db, rows,
	    "SELECT location, channel, COUNT(*),"
	    " SUM(CASE WHEN confirmed_at IS NOT NULL THEN 1 ELSE 0 END),"
	    " AVG(CASE WHEN confirmed_at IS NOT NULL THEN (confirmed_at -"
	    " created_at) / 3600.0 END),"
	    " SUM((SELECT COUNT(*) FROM outbox o WHERE o.kind = 'sms' AND"
	    " o.dedupe LIKE 'appointment:' || a.id || ':reminder:%' AND"
	    " o.status IN ('sent', 'delivered', 'undelivered', 'read'))),"
	    " SUM(CASE WHEN status = 'patient_confirmed' THEN 1 ELSE 0 END),"
	    " SUM(CASE WHEN status = 'reschedule' THEN 1 ELSE 0 END),"
	    " SUM(CASE WHEN status = 'no_show' THEN 1 ELSE 0 END),"
	    " SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END)"
	    " FROM appointments a WHERE created_at >= ?"
	    " GROUP BY location, channel ORDER BY 1, 2", 1, "ttiidiiiii",
	    s) != 0)
		goto fail;
	return (out);

fail:
	json_decref(tmp);
	json_decref(out);
	return (NULL);
}

/* --- /metrics ------------------------------------------------------------- */

static pthread_mutex_t	report_lock = PTHREAD_MUTEX_INITIALIZER;
static long long	report_last_ms = -1;

/* Label values come from config ids and keyword names; keep them plain. */
static void
report_label(char *out, size_t len, const char *name, const char *value)
{
	char	v[80];
	size_t	i;

	for (i = 0; value[i] != '\0' && i < sizeof v - 1; i++) {
		unsigned char	c = (unsigned char)value[i];

		v[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		    c == '.' || c == ':' ? (char)c : '_';
	}
	v[i] = '\0';
	snprintf(out, len, "%s=\"%s\"", name, v);
}

static json_t *
report_find(json_t *rep, const char *name)
{
	json_t	*s;
	size_t	 i;

	json_array_foreach(json_object_get(rep, "sections"), i, s) {
		if (strcmp(json_string_value(json_object_get(s, "name")),
		    name) == 0)
			return (json_object_get(s, "rows"));
	}
	return (NULL);
}

static long long
cell_int(json_t *row, size_t i)
{
	return (json_integer_value(json_array_get(row, i)));
}

static const char *
cell_str(json_t *row, size_t i)
{
	const char	*s = json_string_value(json_array_get(row, i));

	return (s != NULL ? s : "");
}

int
report_metrics(struct db *db, const struct config *cfg)
{
	static const char	*cb_status[] = { NULL, "requested", "reached",
	    "unreachable", "cancelled", "open" };
	static const char	*ob_kinds[] = { "sms", "call", "email",
	    "chat" };
	json_t		*rep, *rows, *row;
	long long	 now = util_mono_ms(), calls = 0, tin = 0, tout = 0;
	long long	 optouts = 0, optins = 0;
	char		 l[200], l2[100];
	size_t		 i, j;

	pthread_mutex_lock(&report_lock);
	if (report_last_ms >= 0 &&
	    now - report_last_ms < REPORT_METRICS_MIN_SECONDS * 1000) {
		pthread_mutex_unlock(&report_lock);
		return (0);
	}
	report_last_ms = now;
	pthread_mutex_unlock(&report_lock);

	if ((rep = report_collect(db, report_zone(cfg), 0)) == NULL)
		return (-1);
	metrics_help("hotline_report_calls", "gauge",
	    "Calls in the store.");
	metrics_help("hotline_report_texts", "gauge",
	    "Text messages in the store, by direction.");
	metrics_help("hotline_report_node_callers", "gauge",
	    "Callers who reached each menu node.");
	metrics_help("hotline_report_node_hangups", "gauge",
	    "Calls that ended at each menu node.");
	metrics_help("hotline_report_keyword_texts", "gauge",
	    "Inbound texts by keyword.");
	metrics_help("hotline_report_optout_changes", "gauge",
	    "Opt-out and opt-in requests recorded.");
	metrics_help("hotline_report_opted_out", "gauge",
	    "Numbers opted out now.");
	metrics_help("hotline_report_callbacks", "gauge",
	    "Callback requests by location and outcome.");
	metrics_help("hotline_report_callback_requests", "gauge",
	    "Requests held by the callback entries of each location's queue.");
	metrics_help("hotline_report_callback_first_attempt_minutes", "gauge",
	    "Mean minutes from a callback request to its first attempt.");
	metrics_help("hotline_report_outbox_failed", "gauge",
	    "Messages the outbox gave up on and nobody has retried, by kind.");

	json_array_foreach(report_find(rep, "daily"), i, row) {
		calls += cell_int(row, 1);
		tin += cell_int(row, 3);
		tout += cell_int(row, 4);
	}
	metrics_set("hotline_report_calls", "", (double)calls);
	metrics_set("hotline_report_texts", "direction=\"in\"", (double)tin);
	metrics_set("hotline_report_texts", "direction=\"out\"", (double)tout);

	/* Nodes the flow has show 0 rather than nothing. */
	if (cfg != NULL && cfg->flow != NULL) {
		for (i = 0; i < cfg->flow->nnodes && i < REPORT_MAX_SERIES;
		    i++) {
			report_label(l, sizeof l, "node",
			    cfg->flow->nodes[i].id);
			metrics_set("hotline_report_node_callers", l, 0);
			metrics_set("hotline_report_node_hangups", l, 0);
		}
	}
	rows = report_find(rep, "funnel");
	json_array_foreach(rows, i, row) {
		if (i >= REPORT_MAX_SERIES)
			break;
		report_label(l, sizeof l, "node", cell_str(row, 0));
		metrics_set("hotline_report_node_callers", l,
		    (double)cell_int(row, 2));
		metrics_set("hotline_report_node_hangups", l,
		    (double)cell_int(row, 3));
	}
	json_array_foreach(report_find(rep, "keywords"), i, row) {
		if (i >= REPORT_MAX_SERIES)
			break;
		report_label(l, sizeof l, "keyword", cell_str(row, 0));
		metrics_set("hotline_report_keyword_texts", l,
		    (double)cell_int(row, 1));
	}
	json_array_foreach(report_find(rep, "optouts"), i, row) {
		if (strcmp(cell_str(row, 0), "opt-out") == 0)
			optouts += cell_int(row, 2);
		else if (strcmp(cell_str(row, 0), "opt-in") == 0)
			optins += cell_int(row, 2);
		else
			metrics_set("hotline_report_opted_out", "",
			    (double)cell_int(row, 2));
	}
	metrics_set("hotline_report_optout_changes", "action=\"out\"",
	    (double)optouts);
	metrics_set("hotline_report_optout_changes", "action=\"in\"",
	    (double)optins);
	json_array_foreach(report_find(rep, "callbacks"), i, row) {
		if (i >= REPORT_MAX_SERIES / 4)
			break;
		report_label(l2, sizeof l2, "location", cell_str(row, 0));
		for (j = 1; j <= 5; j++) {
			snprintf(l, sizeof l, "%s,outcome=\"%s\"", l2,
			    cb_status[j]);
			metrics_set("hotline_report_callbacks", l,
			    (double)cell_int(row, j));
		}
		metrics_set("hotline_report_callback_requests", l2,
		    (double)cell_int(row, 7));
		if (!json_is_null(json_array_get(row, 6)))
			metrics_set("hotline_report_callback_first_attempt_"
			    "minutes", l2, json_number_value(json_array_get(row,
			    6)));
	}
	/* Every kind shows, 0 included: an alert on > 0 needs the series. */
	for (i = 0; i < sizeof ob_kinds / sizeof ob_kinds[0]; i++) {
		report_label(l, sizeof l, "kind", ob_kinds[i]);
		metrics_set("hotline_report_outbox_failed", l, 0);
	}
	json_array_foreach(report_find(rep, "outbox"), i, row) {
		if (i >= REPORT_MAX_SERIES / 4)
			break;
		report_label(l, sizeof l, "kind", cell_str(row, 0));
		metrics_set("hotline_report_outbox_failed", l,
		    (double)cell_int(row, 4));
	}
	metrics_help("hotline_report_feedback_answers", "gauge",
	    "Feedback answers (1-5), by guide, location or week.");
	metrics_help("hotline_report_feedback_score", "gauge",
	    "Mean feedback score (1-5), by guide, location or week.");
	for (j = 0; j < 3; j++) {
		static const char	*fb[] = { "feedback_guides",
		    "feedback_locations", "feedback_weeks" };
		static const char	*lb[] = { "guide", "location", "week" };

		json_array_foreach(report_find(rep, fb[j]), i, row) {
			if (i >= REPORT_MAX_SERIES / 8)
				break;
			report_label(l, sizeof l, lb[j], cell_str(row, 0));
			metrics_set("hotline_report_feedback_answers", l,
			    (double)cell_int(row, 1));
			if (!json_is_null(json_array_get(row, 2)))
				metrics_set("hotline_report_feedback_score", l,
				    json_number_value(json_array_get(row, 2)));
		}
	}
	json_decref(rep);
	return (0);
}
