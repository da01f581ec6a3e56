/*
 * staff.c -- what clinic staff use: the dashboard (GET /staff, files from
 * web/staff), the JSON API under /api/v1 (callbacks, login, live events),
 * click-to-call (the two /voice/staff-call* provider webhooks), the
 * messages the outbox gave up on (listed, and put back in line by hand),
 * and a timer that returns stale claims to the queue and pings staff when
 * someone has waited too long.
 *
 * Every API request runs in three steps like any store handler: check the
 * credentials' shape on the loop, authenticate and act in one transaction
 * (so a claim and the check that the caller may claim it cannot drift
 * apart), answer on the loop.
 *
 * Live updates are Server-Sent Events served as a long poll: a request to
 * /api/v1/events is held until the queue changes (or 20 seconds pass) and
 * then answered with one event; EventSource reconnects at once with
 * Last-Event-ID.  Every answer is a complete HTTP reply, so a held request
 * is an ordinary request in flight: shutdown answers them and drains, and
 * a vanished browser costs nothing.  Changes are noticed three ways: this
 * process's own writes (callback_mark_changed), and, while anyone
 * listens, a cheap fingerprint of the queue and of the failed outbox rows
 * read every second, which also sees the dispatcher giving up on a
 * message and the command-line tool.  On PostgreSQL, while live.c's
 * notification connection is up, every change of every instance arrives
 * through it instead, numbered by the store (staff_live_cb), and nothing
 * is polled.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include "auth.h"
#include "callback.h"
#include "config.h"
#include "hotline.h"
#include "http.h"
#include "inbox.h"
#include "lease.h"
#include "live.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "optout.h"
#include "outbox.h"
#include "pwcheck.h"
#include "store.h"
#include "twiml.h"
#include "util.h"
#include "xmalloc.h"

#ifndef HOTLINE_DATADIR
#define HOTLINE_DATADIR "/usr/local/share/hotline"
#endif

#define STAFF_TICK_MS		500
#define STAFF_MAINT_MS		5000	/* claim timeouts, waiting too long */
#define STAFF_FP_MS		1000	/* queue fingerprint while listened to */
#define STAFF_HOLD_MS		20000	/* an events request is held this long */
#define STAFF_MAX_WAITERS	512
#define STAFF_WEB_MAX		(1024 * 1024)
#define STAFF_LIMIT_DEFAULT	50
#define STAFF_LIMIT_MAX		200
#define STAFF_COOKIE		"hl_session"
#define STAFF_LOGIN_COOKIE	"hl_login"

struct staff_file {
	const char	*name;
	const char	*type;
	char		*body;
	size_t		 len;
};

struct staff_waiter {
	struct hreq	*r;
	long long	 deadline;
};

struct staff {
	struct hotline		*hl;
	struct event		*timer;
	struct staff_file	 files[3];
	long long		 seq;
	struct staff_waiter	 waiters[STAFF_MAX_WAITERS];
	int			 nwaiters;
	int			 fp_busy;
	int			 fp_force;
	int			 fp_bump;	/* this process changed the queue */
	long long		 fp_last;
	char			*fp;
	int			 maint_busy;
	long long		 maint_last;
	struct pwcheck		*pw;		/* login password checks */
};

enum staff_op {
	OP_SESSION, OP_LOGIN, OP_LOGIN_CHECKED, OP_LOGOUT, OP_LIST, OP_GET,
	OP_ACT, OP_EVENTS,
	OP_CALL_ANSWER, OP_CALL_RESULT, OP_MSG_LIST, OP_MSG_RETRY
};

struct staff_job {
	struct staff		*s;
	struct hreq		*r;
	struct config		*cfg;	/* r->cfg: referenced until the reply */
	enum staff_op		 op;
	time_t			 now;

	/* credentials */
	char			*token;
	char			*sid;
	char			*csrf;
	int			 need_csrf;
	struct auth_staff	 who;

	/* input */
	long long		 id;
	char			*action;
	char			*outcome;
	char			*text;
	char			*user;
	char			*password;
	char			*ip;		/* the client's, for login limits */
	char			*hash;		/* the stored password hash */
	int			 pw_ok;		/* the password matched it */
	int			 retry_after;	/* seconds, with a 429 */
	char			*status_f;
	char			*location_f;
	long long		 cur_prio, cur_queued, cur_id;
	int			 has_cursor;
	int			 limit;
	char			*dial_status;

	/* result */
	int			 code;
	const char		*why;
	json_t			*out;
	char			*cookie;
	char			*twiml;
	size_t			 twiml_len;
	int			 queued;
	int			 changed;
};

static struct staff	*staff_self;

static void	staff_bump(struct staff *);
static void	staff_submit(struct staff_job *);
static void	staff_login_checked(int, void *);
static void	staff_login_busy(struct hreq *);

/* --- static files ------------------------------------------------------- */

static char *
staff_web_dir(const struct config *cfg)
{
	struct stat	 st;
	char		*d;

	xasprintf(&d, "%s/../web/staff", cfg->dir);
	if (stat(d, &st) == 0 && S_ISDIR(st.st_mode))
		return (d);
	free(d);
	return (xstrdup(HOTLINE_DATADIR "/web/staff"));
}

/* Read the dashboard's files now, so serving them never touches the disk. */
static void
staff_load_files(struct staff *s, const struct config *cfg)
{
	char	*dir, *path;
	size_t	 i;

	dir = staff_web_dir(cfg);
	for (i = 0; i < sizeof s->files / sizeof s->files[0]; i++) {
		xasprintf(&path, "%s/%s", dir, s->files[i].name);
		free(s->files[i].body);
		s->files[i].body = util_read_file(path, STAFF_WEB_MAX,
		    &s->files[i].len);
		if (s->files[i].body == NULL)
			log_warn("staff: cannot read %s: the dashboard is "
			    "incomplete", path);
		free(path);
	}
	free(dir);
}

static void
staff_security_headers(struct hreq *r)
{
	http_add_header(r, "Content-Security-Policy", "default-src 'self'; "
	    "media-src 'self' https:; img-src 'self' data:; "
	    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
	http_add_header(r, "X-Frame-Options", "DENY");
	http_add_header(r, "Referrer-Policy", "no-referrer");
}

static void
staff_file_cb(struct hreq *r)
{
	struct staff		*s = staff_self;
	const char		*name = "index.html";
	size_t			 i;

	if (r->params[0] != NULL)
		name = r->params[0];
	for (i = 0; i < sizeof s->files / sizeof s->files[0]; i++) {
		if (strcmp(s->files[i].name, name) != 0)
			continue;
		if (s->files[i].body == NULL)
			break;
		staff_security_headers(r);
		http_reply(r, 200, s->files[i].type, s->files[i].body,
		    s->files[i].len);
		return;
	}
	http_error(r, 404, "no such dashboard file");
}

/* --- jobs ---------------------------------------------------------------- */

static struct staff_job *
staff_job_new(struct hreq *r, enum staff_op op)
{
	struct staff_job	*j;

	j = xcalloc(1, sizeof *j);
	j->s = staff_self;
	j->r = r;
	j->cfg = r->cfg;
	j->op = op;
	j->now = util_now();
	j->code = 200;
	return (j);
}

static void
staff_job_free(struct staff_job *j)
{
	free(j->token);
	free(j->sid);
	free(j->csrf);
	auth_staff_clear(&j->who);
	free(j->action);
	free(j->outcome);
	free(j->text);
	free(j->user);
	if (j->password != NULL) {
		explicit_bzero(j->password, strlen(j->password));
		free(j->password);
	}
	free(j->ip);
	free(j->hash);
	free(j->status_f);
	free(j->location_f);
	free(j->dial_status);
	if (j->out != NULL)
		json_decref(j->out);
	free(j->cookie);
	free(j->twiml);
	free(j);
}

static void
staff_fail(struct staff_job *j, int code, const char *why)
{
	j->code = code;
	j->why = why;
}

/*
 * Take the credentials from the request: a bearer token, or the session
 * cookie (with the CSRF header when the request changes something).
 * 0, or -1 after answering 401.
 */
static int
staff_credentials(struct staff_job *j, int mutating)
{
	const char	*h;

	if ((h = http_header(j->r, "Authorization")) != NULL) {
		if (strncasecmp(h, "Bearer ", 7) != 0)
			goto refuse;
		h += 7;
		while (*h == ' ')
			h++;
		j->token = xstrdup(h);
		return (0);
	}
	if ((j->sid = auth_cookie(http_header(j->r, "Cookie"),
	    STAFF_COOKIE)) != NULL) {
		j->need_csrf = mutating;
		if ((h = http_header(j->r, "X-CSRF-Token")) != NULL)
			j->csrf = xstrdup(h);
		return (0);
	}
refuse:
	http_add_header(j->r, "WWW-Authenticate", "Bearer");
	http_error(j->r, 401, "log in, or send Authorization: Bearer TOKEN");
	staff_job_free(j);
	return (-1);
}

/* In the transaction: who is asking.  1, or 0 with the job's answer set. */
static int
staff_authenticate(struct db *db, struct staff_job *j)
{
	int	rc;

	if (j->token != NULL)
		rc = auth_token_check(db, j->token, j->now, &j->who);
	else
		rc = auth_session_check(db, j->sid, j->now, &j->who);
	if (rc == -1)
		return (-1);
	if (rc == 0) {
		staff_fail(j, 401, "not logged in (or the session expired)");
		return (0);
	}
	if (j->token == NULL && j->need_csrf && !auth_equal(j->csrf,
	    j->who.csrf)) {
		staff_fail(j, 403, "missing or wrong X-CSRF-Token");
		return (0);
	}
	return (1);
}

/* --- items ---------------------------------------------------------------- */

static json_t *
staff_str(struct db_res *r, int col)
{
	return (db_isnull(r, col) ? json_null() : json_string(db_text(r, col)));
}

/* One entry as the API shows it; NULL with *rc 0 when absent, -1 error. */
static json_t *
staff_item(struct db *db, long long id, time_t now, int *rc)
{
	struct db_res	*r;
	json_t		*it, *notes, *reqs;
	char		 ts[32];
	int		 pos;

	r = db_query(db, "SELECT id, phone, location, topic, language, "
	    "priority, status, created_at, attempts, claimed_by, "
	    "preferred_window, outcome, recording_url, source, not_before, "
	    "queued_at FROM callbacks WHERE id = ?", "i", id);
	if (r == NULL) {
		*rc = -1;
		return (NULL);
	}
	if ((*rc = db_next(r)) != 1) {
		db_done(r);
		return (NULL);
	}
	it = json_object();
	json_object_set_new(it, "id", json_integer(db_int(r, 0)));
	json_object_set_new(it, "phone", staff_str(r, 1));
	json_object_set_new(it, "location", staff_str(r, 2));
	json_object_set_new(it, "topic", staff_str(r, 3));
	json_object_set_new(it, "language", staff_str(r, 4));
	json_object_set_new(it, "priority", json_integer(db_int(r, 5)));
	json_object_set_new(it, "status", staff_str(r, 6));
	json_object_set_new(it, "created_at", json_string(util_iso8601(
	    (time_t)db_int(r, 7), ts, sizeof ts)));
	json_object_set_new(it, "attempts", json_integer(db_int(r, 8)));
	json_object_set_new(it, "claimed_by", staff_str(r, 9));
	json_object_set_new(it, "preferred_window", staff_str(r, 10));
	json_object_set_new(it, "outcome", staff_str(r, 11));
	json_object_set_new(it, "recording_url", staff_str(r, 12));
	json_object_set_new(it, "source", staff_str(r, 13));
	json_object_set_new(it, "retry_after", db_int(r, 14) > now ?
	    json_string(util_iso8601((time_t)db_int(r, 14), ts, sizeof ts)) :
	    json_null());
	json_object_set_new(it, "waited_minutes", json_integer(
	    (now - db_int(r, 15)) / 60 > 0 ? (now - db_int(r, 15)) / 60 : 0));
	db_done(r);

	/* Every request the entry holds, and every location they name. */
	if ((reqs = callback_requests_json(db, id)) == NULL)
		goto fail;
	json_object_set_new(it, "requests", reqs);
	json_object_set_new(it, "locations", callback_locations(reqs));

	if ((pos = callback_position(db, id)) < 0)
		goto fail;
	json_object_set_new(it, "position", json_integer(pos));
	json_object_set_new(it, "wait_minutes", json_integer(pos > 0 ?
	    callback_wait_minutes(db, json_string_value(json_object_get(it,
	    "location")), pos, now) : 0));

	notes = json_array();
	json_object_set_new(it, "notes", notes);
	r = db_query(db, "SELECT at, author, text FROM callback_notes WHERE "
	    "callback_id = ? ORDER BY at, id", "i", id);
	if (r == NULL)
		goto fail;
	while (db_next(r) == 1)
		json_array_append_new(notes, json_pack("{s:s, s:s, s:s}", "at",
		    util_iso8601((time_t)db_int(r, 0), ts, sizeof ts), "author",
		    db_text(r, 1), "text", db_text(r, 2)));
	db_done(r);
	return (it);
fail:
	json_decref(it);
	*rc = -1;
	return (NULL);
}

/*
 * Whether the staff member may see the entry: its queue is one of their
 * locations (or the shared queue), or one of its requests names one.
 * 1 ok, 0 (answered), -1.
 */
static int
staff_scope(struct db *db, struct staff_job *j)
{
	int	rc;

	if ((rc = callback_visible(db, j->id, j->who.locations)) == CB_ERROR)
		return (-1);
	/*
	 * Another location's entry is answered as a missing one: an id does
	 * not tell what exists elsewhere.
	 */
	if (rc == CB_NOTFOUND || rc == 0) {
		staff_fail(j, 404, "no such callback");
		return (0);
	}
	return (1);
}

static int
staff_list(struct db *db, struct staff_job *j)
{
	struct db_res	*r;
	json_t		*items, *it;
	long long	*ids = NULL, lp = 0, lq = 0, li = 0;
	size_t		 n = 0, i;
	char		*next = NULL;
	int		 rc = 0;

	/*
	 * A location filter shows that location's queue and the entries in
	 * other queues that one of whose requests names it.
	 */
	r = db_query(db, "SELECT id, priority, queued_at FROM callbacks WHERE "
	    "(? = 'all' OR (? = 'open' AND status IN ('waiting', 'claimed')) OR "
	    "status = ?) AND "
	    "(? = '' OR (? = 'shared' AND location IS NULL) OR location = ? OR "
	    "EXISTS (SELECT 1 FROM callback_requests fq WHERE "
	    "fq.callback_id = callbacks.id AND fq.location = ?)) AND "
	    CALLBACK_VISIBLE("callbacks") " AND "
	    "(? = 0 OR priority < ? OR (priority = ? AND (queued_at > ? OR "
	    "(queued_at = ? AND id > ?)))) "
	    "ORDER BY priority DESC, queued_at, id LIMIT ?",
	    "ssssssssssiiiiiii", j->status_f, j->status_f, j->status_f,
	    j->location_f, j->location_f, j->location_f, j->location_f,
	    j->who.locations, j->who.locations, j->who.locations,
	    (long long)j->has_cursor, j->cur_prio,
	    j->cur_prio, j->cur_queued, j->cur_queued, j->cur_id,
	    (long long)j->limit);
	if (r == NULL)
		return (-1);
	while (db_next(r) == 1) {
		ids = xreallocarray(ids, n + 1, sizeof *ids);
		ids[n++] = li = db_int(r, 0);
		lp = db_int(r, 1);
		lq = db_int(r, 2);
	}
	db_done(r);
	items = json_array();
	for (i = 0; i < n; i++) {
		if ((it = staff_item(db, ids[i], j->now, &rc)) == NULL) {
			if (rc == -1)
				break;
			continue;
		}
		json_array_append_new(items, it);
	}
	free(ids);
	if (rc == -1) {
		json_decref(items);
		return (-1);
	}
	if (n == (size_t)j->limit)
		xasprintf(&next, "%lld.%lld.%lld", lp, lq, li);
	j->out = json_pack("{s:o, s:s?}", "items", items, "next", next);
	free(next);
	return (0);
}

static const char *
staff_cb_error(struct staff_job *j, int rc)
{
	switch (rc) {
	case CB_NOTFOUND:
		j->code = 404;
		return ("no such callback");
	case CB_CONFLICT:
		j->code = 409;
		return ("another staff member has this callback, or it is closed");
	}
	j->code = 500;
	return ("store error");
}

/* Click-to-call: the staff member's phone rings, then the caller's. */
static int
staff_call(struct db *db, struct staff_job *j)
{
	char		*key, *url;
	long long	 q;
	int		 rc;

	if (j->who.phone == NULL) {
		staff_fail(j, 400, "your staff account has no phone number "
		    "(hotline staff add NAME --phone ...)");
		return (0);
	}
	if (j->cfg->voice_caller_id == NULL) {
		staff_fail(j, 503, "no voice_caller_id configured");
		return (0);
	}
	if ((rc = callback_claim(db, j->id, j->who.name, j->now)) != CB_OK) {
		j->why = staff_cb_error(j, rc);
		return (rc == CB_ERROR ? -1 : 0);
	}
	xasprintf(&url, "%s/voice/staff-call?cb=%lld", j->cfg->public_url,
	    j->id);
	xasprintf(&key, "staffcall:%lld:%s:%lld", j->id, j->who.name,
	    (long long)j->now);
	q = outbox_enqueue(db, "call", key, j->who.phone, json_pack(
	    "{s:s, s:s, s:s}", "to", j->who.phone, "from",
	    j->cfg->voice_caller_id, "url", url), j->now);
	free(key);
	free(url);
	if (q == -1)
		return (-1);
	j->queued = 1;
	j->code = 202;
	return (0);
}

static int
staff_act(struct db *db, struct staff_job *j)
{
	int	rc = CB_OK, queued = 0;

	if ((rc = staff_scope(db, j)) != 1)
		return (rc);
	rc = CB_OK;
	if (strcmp(j->action, "claim") == 0)
		rc = callback_claim(db, j->id, j->who.name, j->now);
	else if (strcmp(j->action, "release") == 0)
		rc = callback_release(db, j->id, j->who.name, j->now);
	else if (strcmp(j->action, "done") == 0) {
		rc = callback_finish(db, j->cfg, j->id, j->who.name,
		    j->outcome, j->now, &queued);
		if (rc == CB_OK && j->text != NULL)
			rc = callback_note(db, j->id, j->who.name, j->text,
			    j->now);
		j->queued = queued;
	} else if (strcmp(j->action, "note") == 0)
		rc = callback_note(db, j->id, j->who.name, j->text, j->now);
	else if (strcmp(j->action, "call") == 0) {
		if (staff_call(db, j) != 0)
			return (-1);
		if (j->code >= 400)
			return (0);
	}
	if (rc != CB_OK) {
		j->why = staff_cb_error(j, rc);
		if (rc == CB_CONFLICT && strcmp(j->action, "claim") == 0) {
			/* Say who won, so the loser's screen can show it. */
			j->out = staff_item(db, j->id, j->now, &rc);
		}
		return (rc == CB_ERROR ? -1 : 0);
	}
	j->changed = 1;
	if ((j->out = staff_item(db, j->id, j->now, &rc)) == NULL)
		return (-1);
	return (0);
}

/* --- messages the outbox gave up on --------------------------------------- */

/*
 * Which outbox rows a staff member sees.  Rows carry no location: someone
 * who works every location sees them all; anyone else sees the rows to a
 * number with a callback they could see (callback.h), so a location's
 * desk can retry a text to its own callers without reading everyone's.
 * Four parameters: locations four times.
 */
#define STAFF_MSG_SCOPE							\
	"(? = '*' OR EXISTS (SELECT 1 FROM callbacks c WHERE "		\
	"c.phone = outbox.recipient AND " CALLBACK_VISIBLE("c") "))"

#define STAFF_MSG_COLUMNS						\
	"id, kind, recipient, status, attempts, error_code, "		\
	"last_error, created_at, updated_at, dedupe"

/*
 * What a row is, in a few words, from the key it was queued under: never
 * the body (a text can hold what a caller told us about their health).
 */
static char *
staff_msg_summary(const char *kind, const char *dedupe)
{
	const char	*p, *e;
	char		*out;
	long long	 cb;
	int		 n;

	if (strcmp(kind, "sms") == 0) {
		if ((p = strstr(dedupe, ":guide:")) != NULL) {
			p += 7;
			e = strrchr(p, ':');
			n = e != NULL && e > p ? (int)(e - p) : (int)strlen(p);
			xasprintf(&out, "SMS (guide: %.*s)", n > 64 ? 64 : n,
			    p);
			return (out);
		}
		if (strstr(dedupe, ":address:") != NULL)
			return (xstrdup("SMS (clinic address)"));
		if (strncmp(dedupe, "cb:", 3) == 0 &&
		    strstr(dedupe, ":unreachable") != NULL)
			return (xstrdup("SMS (we could not reach you)"));
		if (strncmp(dedupe, "notify:", 7) == 0)
			return (xstrdup("SMS notification to on-call staff"));
		return (xstrdup("SMS"));
	}
	if (strcmp(kind, "email") == 0)
		return (xstrdup("e-mail notification"));
	if (strcmp(kind, "chat") == 0)
		return (xstrdup("chat notification"));
	if (strcmp(kind, "call") == 0) {
		if (sscanf(dedupe, "staffcall:%lld:", &cb) == 1) {
			xasprintf(&out, "click-to-call for callback %lld", cb);
			return (out);
		}
		return (xstrdup("call"));
	}
	return (xstrdup(kind));
}

/* One outbox row (selected with STAFF_MSG_COLUMNS) as the API shows it. */
static json_t *
staff_msg_item(struct db_res *r)
{
	json_t	*it;
	char	 ts[32], *summary;

	summary = staff_msg_summary(db_text(r, 1), db_text(r, 9));
	it = json_object();
	json_object_set_new(it, "id", json_integer(db_int(r, 0)));
	json_object_set_new(it, "kind", staff_str(r, 1));
	json_object_set_new(it, "recipient", staff_str(r, 2));
	json_object_set_new(it, "status", staff_str(r, 3));
	json_object_set_new(it, "attempts", json_integer(db_int(r, 4)));
	json_object_set_new(it, "error_code", db_isnull(r, 5) ? json_null() :
	    json_integer(db_int(r, 5)));
	json_object_set_new(it, "last_error", staff_str(r, 6));
	json_object_set_new(it, "created_at", json_string(util_iso8601(
	    (time_t)db_int(r, 7), ts, sizeof ts)));
	json_object_set_new(it, "updated_at", json_string(util_iso8601(
	    (time_t)db_int(r, 8), ts, sizeof ts)));
	json_object_set_new(it, "summary", json_string(summary));
	free(summary);
	return (it);
}

/* Newest change first: what just failed is what staff look for. */
static int
staff_msg_list(struct db *db, struct staff_job *j)
{
	struct db_res	*r;
	json_t		*items;
	long long	 la = 0, li = 0;
	char		*next = NULL;
	int		 n = 0, rc;

	r = db_query(db, "SELECT " STAFF_MSG_COLUMNS " FROM outbox WHERE "
	    "(? = 'all' OR status = ?) AND " STAFF_MSG_SCOPE " AND "
	    "(? = 0 OR updated_at < ? OR (updated_at = ? AND id < ?)) "
	    "ORDER BY updated_at DESC, id DESC LIMIT ?", "ssssssiiiii",
	    j->status_f, j->status_f, j->who.locations, j->who.locations,
	    j->who.locations, j->who.locations,
	    (long long)j->has_cursor, j->cur_queued, j->cur_queued, j->cur_id,
	    (long long)j->limit);
	if (r == NULL)
		return (-1);
	items = json_array();
	while ((rc = db_next(r)) == 1) {
		json_array_append_new(items, staff_msg_item(r));
		li = db_int(r, 0);
		la = db_int(r, 8);
		n++;
	}
	db_done(r);
	if (rc == -1) {
		json_decref(items);
		return (-1);
	}
	if (n == j->limit)
		xasprintf(&next, "%lld.%lld", la, li);
	j->out = json_pack("{s:o, s:s?}", "items", items, "next", next);
	free(next);
	return (0);
}

/*
 * Put a message the dispatcher gave up on back in line, as if new: due
 * now, its attempts counted from zero.  STOP still wins: a text to a
 * number that opted out stays where it is.
 */
static int
staff_msg_retry(struct db *db, struct staff_job *j)
{
	struct db_res	*r;
	char		*kind = NULL, *to = NULL, *status = NULL;
	int		 rc;

	r = db_query(db, "SELECT kind, recipient, status FROM outbox WHERE "
	    "id = ? AND " STAFF_MSG_SCOPE, "issss", j->id, j->who.locations,
	    j->who.locations, j->who.locations, j->who.locations);
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1) {
		kind = xstrdup(db_text(r, 0));
		to = xstrdup(db_text(r, 1));
		status = xstrdup(db_text(r, 2));
	}
	db_done(r);
	if (rc != 1) {
		if (rc == 0)
			staff_fail(j, 404, "no such message");
		return (rc == 0 ? 0 : -1);
	}
	rc = 0;
	if (strcmp(status, "failed") != 0 &&
	    strcmp(status, "undelivered") != 0) {
		staff_fail(j, 409, "only a message that could not be sent can "
		    "be retried");
		goto out;
	}
	if (strcmp(kind, "sms") == 0) {
		if ((rc = optout_is(db, to)) == -1)
			goto out;
		if (rc == 1) {
			rc = 0;
			staff_fail(j, 409, "the recipient opted out of texts "
			    "(STOP); they must text START before we may text "
			    "them again");
			goto out;
		}
	}
	/* The status we read must still hold: another retry may have won. */
	if ((rc = db_exec(db, "UPDATE outbox SET status = 'pending', "
	    "attempts = 0, next_at = ?, started_at = NULL, "
	    "provider_sid = NULL, error_code = NULL, last_error = NULL, "
	    "updated_at = ? WHERE id = ? AND status = ?", "iiis", (long long)j->now, (long long)j->now,
	    j->id, status)) != 0)
		goto out;
	if (db_changes(db) != 1) {
		staff_fail(j, 409, "someone else retried this message");
		goto out;
	}
	r = db_query(db, "SELECT " STAFF_MSG_COLUMNS " FROM outbox WHERE "
	    "id = ?", "i", j->id);
	if (r == NULL || db_next(r) != 1) {
		db_done(r);
		rc = -1;
		goto out;
	}
	j->out = staff_msg_item(r);
	db_done(r);
	j->queued = 1;
	j->changed = 1;
	live_mark();
	j->code = 202;
out:
	free(kind);
	free(to);
	free(status);
	return (rc);
}

static json_t *
staff_whoami(const struct config *cfg, const struct auth_staff *w)
{
	json_t	*locs, *topics, *label;
	size_t	 i, k;

	locs = json_array();
	for (i = 0; i < cfg->nlocations; i++) {
		if (!auth_location_allowed(w->locations, cfg->locations[i].id))
			continue;
		json_array_append_new(locs, json_pack("{s:s, s:s, s:s?}", "id",
		    cfg->locations[i].id, "name",
		    i18n_get(&cfg->locations[i].name, 0), "timezone",
		    cfg->locations[i].timezone));
	}
	/* Topic labels in every language: the browser picks the staff's. */
	topics = json_object();
	for (i = 0; i < cfg->ntopics; i++) {
		label = json_object();
		for (k = 0; k < cfg->nlangs; k++)
			json_object_set_new(label, cfg->langs[k], json_string(
			    i18n_get(&cfg->topics[i].label, (int)k)));
		json_object_set_new(topics, cfg->topics[i].id, label);
	}
	return (json_pack("{s:s, s:s?, s:b, s:o, s:s?, s:o}", "name", w->name,
	    "csrf", w->csrf, "has_phone", w->phone != NULL, "locations", locs,
	    "role", w->role, "topics", topics));
}

static const char *
staff_language_name(const char *code)
{
	if (code == NULL)
		return ("an unknown language");
	if (strcmp(code, "en") == 0)
		return ("English");
	if (strcmp(code, "es") == 0)
		return ("Spanish");
	return (code);
}

/* TwiML for the staff member who answered a click-to-call. */
static int
staff_call_answer(struct db *db, struct staff_job *j)
{
	struct db_res	*r;
	struct twiml	*t;
	const char	*doc;
	char		*say = NULL, *phone = NULL, *action, tmo[16];
	size_t		 len;
	int		 rc;

	r = db_query(db, "SELECT phone, language, topic, priority, status "
	    "FROM callbacks WHERE id = ?", "i", j->id);
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1 && strcmp(db_text(r, 4), "claimed") == 0) {
		phone = xstrdup(db_text(r, 0));
		xasprintf(&say, "Hotline callback number %lld. The caller "
		    "speaks %s%s%s.%s Connecting you now.", j->id,
		    staff_language_name(db_text(r, 1)),
		    db_isnull(r, 2) ? "" : ", about ",
		    db_isnull(r, 2) ? "" : db_text(r, 2),
		    db_int(r, 3) > 0 ? " This caller mentioned a red flag "
		    "symptom." : "");
	}
	db_done(r);
	if (rc == -1)
		return (-1);
	t = twiml_new();
	if (phone == NULL) {
		twiml_leaf(t, "Say", "This callback is no longer open. "
		    "Goodbye.", "voice", j->cfg->say_voice[0], "language",
		    j->cfg->say_language[0], NULL);
		twiml_leaf(t, "Hangup", NULL, NULL);
	} else {
		twiml_leaf(t, "Say", say, "voice", j->cfg->say_voice[0],
		    "language", j->cfg->say_language[0], NULL);
		xasprintf(&action, "%s/voice/staff-call-result?cb=%lld",
		    j->cfg->public_url, j->id);
		snprintf(tmo, sizeof tmo, "%d", j->cfg->dial_timeout);
		twiml_open(t, "Dial", "callerId", j->cfg->voice_caller_id,
		    "action", action, "timeout", tmo, NULL);
		twiml_leaf(t, "Number", phone, NULL);
		twiml_close(t);
		free(action);
	}
	if ((doc = twiml_finish(t, &len)) != NULL) {
		j->twiml = xstrndup(doc, len);
		j->twiml_len = len;
	}
	twiml_free(t);
	free(say);
	free(phone);
	return (j->twiml != NULL ? 0 : -1);
}

/* The provider's result of the caller's leg: an attempt reached or failed. */
static int
staff_call_result(struct db *db, struct staff_job *j)
{
	struct twiml	*t;
	const char	*doc, *outcome, *words;
	size_t		 len;
	int		 rc;

	if (j->dial_status == NULL)
		outcome = "failed";
	else if (strcmp(j->dial_status, "completed") == 0 ||
	    strcmp(j->dial_status, "answered") == 0)
		outcome = "reached";
	else if (strcmp(j->dial_status, "no-answer") == 0)
		outcome = "no_answer";
	else if (strcmp(j->dial_status, "busy") == 0)
		outcome = "busy";
	else
		outcome = "failed";
	/* A redelivered result finds the entry no longer claimed: no-op. */
	rc = callback_finish(db, j->cfg, j->id, NULL, outcome, j->now,
	    &j->queued);
	if (rc == CB_ERROR)
		return (-1);
	if (rc == CB_OK)
		j->changed = 1;
	words = strcmp(outcome, "reached") == 0 ? "The call is recorded as "
	    "reached. Goodbye." : "The caller did not answer. The callback "
	    "goes back in the queue. Goodbye.";
	t = twiml_new();
	twiml_leaf(t, "Say", words, "voice", j->cfg->say_voice[0], "language",
	    j->cfg->say_language[0], NULL);
	twiml_leaf(t, "Hangup", NULL, NULL);
	if ((doc = twiml_finish(t, &len)) != NULL) {
		j->twiml = xstrndup(doc, len);
		j->twiml_len = len;
	}
	twiml_free(t);
	return (j->twiml != NULL ? 0 : -1);
}

static int
staff_tx(struct db *db, void *arg)
{
	struct staff_job	*j = arg;
	int			 rc;

	switch (j->op) {
	case OP_CALL_ANSWER:
		return (staff_call_answer(db, j));
	case OP_CALL_RESULT:
		return (staff_call_result(db, j));
	case OP_LOGIN:
		/* The password is checked after this, off the store thread. */
		rc = auth_login_begin(db, j->user, j->ip, j->now, &j->hash,
		    &j->retry_after);
		if (rc == -1)
			return (-1);
		if (rc == 2)
			staff_fail(j, 429, "too many failed logins; try again "
			    "later");
		return (0);
	case OP_LOGIN_CHECKED:
		rc = auth_login_finish(db, j->user, j->ip, j->hash, j->pw_ok,
		    j->now, &j->who);
		if (rc == -1)
			return (-1);
		if (rc == 0) {
			staff_fail(j, 401, "wrong name or password");
			return (0);
		}
		if (auth_session_new(db, j->who.name, j->cfg->session_hours,
		    j->now, &j->cookie, &j->who.csrf) != 0)
			return (-1);
		j->out = staff_whoami(j->cfg, &j->who);
		return (0);
	default:
		break;
	}
	if ((rc = staff_authenticate(db, j)) != 1)
		return (rc);
	switch (j->op) {
	case OP_SESSION:
	case OP_EVENTS:
		j->out = staff_whoami(j->cfg, &j->who);
		return (0);
	case OP_LOGOUT:
		return (auth_session_end(db, j->sid));
	case OP_LIST:
		return (staff_list(db, j));
	case OP_GET:
		if ((rc = staff_scope(db, j)) != 1)
			return (rc);
		j->out = staff_item(db, j->id, j->now, &rc);
		return (j->out != NULL ? 0 : -1);
	case OP_ACT:
		return (staff_act(db, j));
	case OP_MSG_LIST:
		return (staff_msg_list(db, j));
	case OP_MSG_RETRY:
		return (staff_msg_retry(db, j));
	default:
		return (-1);
	}
}

/* --- live events ---------------------------------------------------------- */

static void
staff_event_reply(struct staff *s, struct hreq *r, int changed)
{
	char	*body;
	int	 n;

	if (changed)
		n = xasprintf(&body, "retry: 300\nid: %lld\nevent: queue\n"
		    "data: {\"seq\":%lld}\n\n", s->seq, s->seq);
	else
		n = xasprintf(&body, "retry: 300\nid: %lld\n: nothing new\n\n",
		    s->seq);
	http_reply(r, 200, "text/event-stream; charset=utf-8", body,
	    (size_t)n);
	free(body);
}

static void
staff_events_start(struct staff *s, struct hreq *r)
{
	const char	*h;
	long long	 last = -1;
	char		*end;

	if ((h = http_header(r, "Last-Event-ID")) != NULL ||
	    (h = form_get(&r->args, "last")) != NULL) {
		errno = 0;
		last = strtoll(h, &end, 10);
		if (errno != 0 || *end != '\0')
			last = -1;
	}
	/* A new listener, or one that missed something: tell it now. */
	if (last != s->seq || s->nwaiters == STAFF_MAX_WAITERS ||
	    s->hl->stopping) {
		staff_event_reply(s, r, 1);
		return;
	}
	s->waiters[s->nwaiters].r = r;
	s->waiters[s->nwaiters].deadline = util_mono_ms() + STAFF_HOLD_MS;
	s->nwaiters++;
}

static void
staff_wake(struct staff *s, long long seq)
{
	int	i;

	s->seq = seq;
	for (i = 0; i < s->nwaiters; i++)
		staff_event_reply(s, s->waiters[i].r, 1);
	s->nwaiters = 0;
}

static void
staff_bump(struct staff *s)
{
	/* The store numbers changes for every instance: staff_live_cb. */
	if (live_up(s->hl->live))
		return;
	staff_wake(s, s->seq + 1);
}

/* A change committed by any instance on the shared store (live.c). */
static void
staff_live_cb(long long seq, void *arg)
{
	staff_wake(arg, seq);
}

/* --- answering ------------------------------------------------------------ */

static void
staff_done(int ok, void *arg)
{
	struct staff_job	*j = arg;
	struct staff		*s = j->s;
	struct hreq		*r = j->r;
	char			*c;
	json_t			*err;

	j->r = NULL;
	if (!ok) {
		if (j->op == OP_CALL_ANSWER || j->op == OP_CALL_RESULT)
			log_error("staff: %s: store error", r->route);
		http_error(r, 500, "store error; try again");
		staff_job_free(j);
		return;
	}
	if (j->queued)
		outbox_kick(s->hl->outbox);
	if (j->op == OP_CALL_ANSWER || j->op == OP_CALL_RESULT) {
		http_twiml(r, j->twiml, j->twiml_len);
		if (j->changed)
			staff_bump(s);
		staff_job_free(j);
		return;
	}
	if (j->code >= 400) {
		err = json_pack("{s:s}", "error", j->why != NULL ? j->why :
		    "refused");
		if (j->out != NULL) {
			json_object_set(err, "item", j->out);
		}
		if (j->code == 401)
			http_add_header(r, "WWW-Authenticate", "Bearer");
		if (j->retry_after > 0) {
			xasprintf(&c, "%d", j->retry_after);
			http_add_header(r, "Retry-After", c);
			free(c);
		}
		http_json(r, j->code, err);
		staff_job_free(j);
		return;
	}
	switch (j->op) {
	case OP_EVENTS:
		staff_events_start(s, r);
		break;
	case OP_LOGIN:
		/* Not refused: now the password, on the checking thread. */
		j->r = r;
		if (pwcheck_submit(s->pw, j->password, j->hash,
		    staff_login_checked, j) != 0) {
			staff_login_busy(r);
			staff_job_free(j);
		}
		return;
	case OP_LOGIN_CHECKED:
		xasprintf(&c, "%s=%s; Path=/; HttpOnly; SameSite=Strict; "
		    "Max-Age=%d%s", STAFF_COOKIE, j->cookie,
		    j->cfg->session_hours * 3600,
		    strncmp(j->cfg->public_url, "https:", 6) == 0 ?
		    "; Secure" : "");
		http_add_header(r, "Set-Cookie", c);
		free(c);
		log_info("staff: %s logged in", j->who.name);
		http_json(r, 200, j->out);
		j->out = NULL;
		break;
	case OP_LOGOUT:
		http_add_header(r, "Set-Cookie", STAFF_COOKIE "=; Path=/; "
		    "HttpOnly; SameSite=Strict; Max-Age=0");
		http_reply(r, 204, NULL, NULL, 0);
		break;
	default:
		http_json(r, j->code, j->out != NULL ? j->out : json_object());
		j->out = NULL;
		break;
	}
	if (j->changed)
		staff_bump(s);
	staff_job_free(j);
}

/* More logins at once than passwords can be checked: come back soon. */
static void
staff_login_busy(struct hreq *r)
{
	http_add_header(r, "Retry-After", "1");
	http_error(r, 503, "too many logins at once; try again in a moment");
}

/* On the loop, the password checked: record the outcome, maybe log in. */
static void
staff_login_checked(int ok, void *arg)
{
	struct staff_job	*j = arg;

	j->pw_ok = ok;
	j->op = OP_LOGIN_CHECKED;
	staff_submit(j);
}

static void
staff_submit(struct staff_job *j)
{
	if (store_submit(j->s->hl->store, staff_tx, staff_done, j) != 0) {
		http_error(j->r, 503, "shutting down");
		staff_job_free(j);
	}
}

/* --- handlers ------------------------------------------------------------- */

/* A JSON or form body field (caller frees), or NULL. */
static char *
staff_field(struct hreq *r, json_t *body, const char *name)
{
	const char	*v = NULL;

	if (body != NULL)
		v = json_string_value(json_object_get(body, name));
	else
		v = form_get(&r->form, name);
	return (v != NULL ? xstrdup(v) : NULL);
}

/* Parse a POST body (JSON or a form): 0, or -1 after answering 400. */
static int
staff_body(struct hreq *r, json_t **body)
{
	const char	*ct = http_header(r, "Content-Type"), *err = NULL;
	json_error_t	 jerr;

	*body = NULL;
	if (r->body_len == 0)
		return (0);
	if (ct != NULL && strncasecmp(ct, "application/json", 16) == 0) {
		*body = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES,
		    &jerr);
		if (*body == NULL || !json_is_object(*body)) {
			json_decref(*body);
			*body = NULL;
			http_error(r, 400, "body is not a JSON object");
			return (-1);
		}
		return (0);
	}
	if (form_parse(&r->form, r->body, r->body_len, &err) != 0) {
		http_error(r, 400, err != NULL ? err : "malformed form body");
		return (-1);
	}
	return (0);
}

static int
staff_parse_id(const char *s, long long *id)
{
	char	*end;

	if (s == NULL || !isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	*id = strtoll(s, &end, 10);
	return (errno != 0 || *end != '\0' || *id <= 0 ? -1 : 0);
}

static void
staff_session_cb(struct hreq *r)
{
	struct staff_job	*j;
	char			*tok, *c;
	json_t			*out;

	c = auth_cookie(http_header(r, "Cookie"), STAFF_COOKIE);
	free(c);
	if (c == NULL && http_header(r, "Authorization") == NULL) {
		/*
		 * Not logged in: hand out the login form's CSRF token, bound
		 * to this browser by a cookie (double submit).
		 */
		tok = util_random_hex(16);
		xasprintf(&c, "%s=%s; Path=/api/v1/login; HttpOnly; "
		    "SameSite=Strict%s", STAFF_LOGIN_COOKIE, tok,
		    strncmp(r->cfg->public_url, "https:", 6) == 0 ?
		    "; Secure" : "");
		http_add_header(r, "Set-Cookie", c);
		out = json_pack("{s:s, s:s}", "error", "not logged in",
		    "login_csrf", tok);
		free(c);
		free(tok);
		http_json(r, 401, out);
		return;
	}
	j = staff_job_new(r, OP_SESSION);
	if (staff_credentials(j, 0) == 0)
		staff_submit(j);
}

static void
staff_login_cb(struct hreq *r)
{
	struct staff_job	*j;
	json_t			*body;
	char			*want;
	int			 ok;

	want = auth_cookie(http_header(r, "Cookie"), STAFF_LOGIN_COOKIE);
	ok = want != NULL && auth_equal(want, http_header(r, "X-CSRF-Token"));
	free(want);
	if (!ok) {
		http_error(r, 403, "missing or wrong X-CSRF-Token (reload the "
		    "page)");
		return;
	}
	if (staff_body(r, &body) != 0)
		return;
	j = staff_job_new(r, OP_LOGIN);
	j->user = staff_field(r, body, "username");
	j->password = staff_field(r, body, "password");
	json_decref(body);
	if (j->user == NULL || j->password == NULL || *j->user == '\0' ||
	    strlen(j->password) > 1024 || strlen(j->user) > 256) {
		http_error(r, 400, "give username and password");
		staff_job_free(j);
		return;
	}
	j->ip = xstrdup(http_client(r));
	/* A storm the password thread cannot take costs the store nothing. */
	if (pwcheck_full(j->s->pw)) {
		staff_login_busy(r);
		staff_job_free(j);
		return;
	}
	staff_submit(j);
}

static void
staff_logout_cb(struct hreq *r)
{
	struct staff_job	*j;

	j = staff_job_new(r, OP_LOGOUT);
	if (staff_credentials(j, 1) != 0)
		return;
	if (j->sid == NULL) {
		http_error(r, 400, "no session to end");
		staff_job_free(j);
		return;
	}
	staff_submit(j);
}

/* ?limit=: 0, or -1 after answering 400 (the job is freed). */
static int
staff_limit(struct hreq *r, struct staff_job *j)
{
	const char	*v;
	char		*end;
	long long	 n;

	j->limit = STAFF_LIMIT_DEFAULT;
	if ((v = form_get(&r->args, "limit")) == NULL)
		return (0);
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < 1 || n > STAFF_LIMIT_MAX) {
		http_error(r, 400, "limit is 1 to 200");
		staff_job_free(j);
		return (-1);
	}
	j->limit = (int)n;
	return (0);
}

static void
staff_list_cb(struct hreq *r)
{
	struct staff_job	*j;
	const char		*v;

	j = staff_job_new(r, OP_LIST);
	v = form_get(&r->args, "status");
	j->status_f = xstrdup(v != NULL && *v != '\0' ? v : "open");
	if (strcmp(j->status_f, "open") != 0 && strcmp(j->status_f, "all") != 0 &&
	    strcmp(j->status_f, "waiting") != 0 &&
	    strcmp(j->status_f, "claimed") != 0 &&
	    strcmp(j->status_f, "done") != 0 &&
	    strcmp(j->status_f, "unreachable") != 0 &&
	    strcmp(j->status_f, "cancelled") != 0) {
		http_error(r, 400, "status is open, all, waiting, claimed, "
		    "done, unreachable or cancelled");
		staff_job_free(j);
		return;
	}
	v = form_get(&r->args, "location");
	j->location_f = xstrdup(v != NULL ? v : "");
	if (staff_limit(r, j) != 0)
		return;
	if ((v = form_get(&r->args, "cursor")) != NULL && *v != '\0') {
		if (sscanf(v, "%lld.%lld.%lld", &j->cur_prio, &j->cur_queued,
		    &j->cur_id) != 3) {
			http_error(r, 400, "bad cursor");
			staff_job_free(j);
			return;
		}
		j->has_cursor = 1;
	}
	if (staff_credentials(j, 0) == 0)
		staff_submit(j);
}

static void
staff_get_cb(struct hreq *r)
{
	struct staff_job	*j;

	j = staff_job_new(r, OP_GET);
	if (staff_parse_id(r->params[0], &j->id) != 0) {
		http_error(r, 404, "no such callback");
		staff_job_free(j);
		return;
	}
	if (staff_credentials(j, 0) == 0)
		staff_submit(j);
}

static void
staff_act_cb(struct hreq *r)
{
	static const char *const actions[] = {
		"claim", "release", "done", "note", "call"
	};
	struct staff_job	*j;
	json_t			*body;
	size_t			 i;

	for (i = 0; i < sizeof actions / sizeof actions[0]; i++) {
		if (strcmp(r->params[1], actions[i]) == 0)
			break;
	}
	if (i == sizeof actions / sizeof actions[0]) {
		http_error(r, 404, "no such action (claim, release, done, note, "
		    "call)");
		return;
	}
	j = staff_job_new(r, OP_ACT);
	if (staff_parse_id(r->params[0], &j->id) != 0) {
		http_error(r, 404, "no such callback");
		staff_job_free(j);
		return;
	}
	if (staff_credentials(j, 1) != 0)
		return;
	if (staff_body(r, &body) != 0) {
		j->r = NULL;
		staff_job_free(j);
		return;
	}
	j->action = xstrdup(actions[i]);
	j->outcome = staff_field(r, body, "outcome");
	j->text = staff_field(r, body, strcmp(j->action, "note") == 0 ?
	    "text" : "note");
	json_decref(body);
	if (j->text != NULL && *util_trim(j->text) == '\0') {
		free(j->text);
		j->text = NULL;
	}
	if (strcmp(j->action, "done") == 0) {
		if (j->outcome == NULL)
			j->outcome = xstrdup("reached");
		if (!callback_outcome_valid(j->outcome)) {
			http_error(r, 400, "outcome is reached, left_message, "
			    "no_answer, busy, failed, wrong_number or "
			    "cancelled");
			staff_job_free(j);
			return;
		}
	}
	if (j->text != NULL && (strlen(j->text) > CALLBACK_NOTE_MAX ||
	    !util_utf8_valid(j->text))) {
		http_error(r, 400, "a note is at most 2000 bytes of UTF-8");
		staff_job_free(j);
		return;
	}
	if (strcmp(j->action, "note") == 0 && j->text == NULL) {
		http_error(r, 400, "give the note as text");
		staff_job_free(j);
		return;
	}
	staff_submit(j);
}

static void
staff_msg_list_cb(struct hreq *r)
{
	static const char *const statuses[] = {
		"failed", "undelivered", "suppressed", "pending", "sending",
		"sent", "delivered", "all"
	};
	struct staff_job	*j;
	const char		*v;
	size_t			 i;

	v = form_get(&r->args, "status");
	if (v == NULL || *v == '\0')
		v = "failed";
	for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
		if (strcmp(v, statuses[i]) == 0)
			break;
	}
	if (i == sizeof statuses / sizeof statuses[0]) {
		http_error(r, 400, "status is failed, undelivered, suppressed, "
		    "pending, sending, sent, delivered or all");
		return;
	}
	j = staff_job_new(r, OP_MSG_LIST);
	j->status_f = xstrdup(statuses[i]);
	if (staff_limit(r, j) != 0)
		return;
	if ((v = form_get(&r->args, "cursor")) != NULL && *v != '\0') {
		if (sscanf(v, "%lld.%lld", &j->cur_queued, &j->cur_id) != 2) {
			http_error(r, 400, "bad cursor");
			staff_job_free(j);
			return;
		}
		j->has_cursor = 1;
	}
	if (staff_credentials(j, 0) == 0)
		staff_submit(j);
}

static void
staff_msg_retry_cb(struct hreq *r)
{
	struct staff_job	*j;

	j = staff_job_new(r, OP_MSG_RETRY);
	if (staff_parse_id(r->params[0], &j->id) != 0) {
		http_error(r, 404, "no such message");
		staff_job_free(j);
		return;
	}
	if (staff_credentials(j, 1) == 0)
		staff_submit(j);
}

static void
staff_events_cb(struct hreq *r)
{
	struct staff_job	*j;

	j = staff_job_new(r, OP_EVENTS);
	if (staff_credentials(j, 0) == 0)
		staff_submit(j);
}

static void
staff_call_cb(struct hreq *r)
{
	struct staff_job	*j;

	j = staff_job_new(r, strcmp(r->route, "staff-call") == 0 ?
	    OP_CALL_ANSWER : OP_CALL_RESULT);
	if (staff_parse_id(form_get(&r->args, "cb"), &j->id) != 0) {
		http_error(r, 400, "missing cb");
		staff_job_free(j);
		return;
	}
	if (form_get(&r->form, "DialCallStatus") != NULL)
		j->dial_status = xstrdup(form_get(&r->form, "DialCallStatus"));
	staff_submit(j);
}

/* --- the timer ------------------------------------------------------------ */

struct staff_maint {
	struct staff	*s;
	struct config	*cfg;
	time_t		 now;
	int		 expired;
	int		 notified;
	int		 bump;
	char		*fp;
};

static int
staff_maint_tx(struct db *db, void *arg)
{
	struct staff_maint	*m = arg;

	if ((m->expired = callback_expire_claims(db, m->cfg, m->now)) < 0)
		return (-1);
	if ((m->notified = notify_waiting(db, m->cfg, m->now)) < 0)
		return (-1);
	return (0);
}

static void
staff_maint_done(int ok, void *arg)
{
	struct staff_maint	*m = arg;
	struct staff		*s = m->s;

	s->maint_busy = 0;
	if (ok && m->notified > 0)
		outbox_kick(s->hl->outbox);
	if (ok && m->expired > 0)
		staff_bump(s);
	config_unref(m->cfg);
	free(m);
}

static int
staff_fp_tx(struct db *db, void *arg)
{
	struct staff_maint	*m = arg;
	struct db_res		*r;
	long long		 notes = 0;
	char			*old, *inbox;

	if (db_int_query(db, &notes, "SELECT COUNT(*) FROM callback_notes",
	    "") == -1)
		return (-1);
	r = db_query(db, "SELECT COUNT(*), COALESCE(MAX(id), 0), "
	    "COALESCE(MAX(updated_at), 0), COALESCE(SUM(attempts), 0), "
	    "COALESCE(SUM(id * CASE status WHEN 'waiting' THEN 1 "
	    "WHEN 'claimed' THEN 3 WHEN 'done' THEN 7 WHEN 'unreachable' "
	    "THEN 11 ELSE 13 END), 0), COALESCE(SUM(id * LENGTH("
	    "COALESCE(claimed_by, ''))), 0) FROM callbacks", "");
	if (r == NULL || db_next(r) != 1) {
		db_done(r);
		return (-1);
	}
	xasprintf(&m->fp, "%lld.%lld.%lld.%lld.%lld.%lld.%lld", db_int(r, 0),
	    db_int(r, 1), db_int(r, 2), db_int(r, 3), db_int(r, 4),
	    db_int(r, 5), notes);
	db_done(r);
	/*
	 * The dispatcher gives up on a message without telling anyone in
	 * this process; the failed rows are part of what staff watch.
	 */
	r = db_query(db, "SELECT COUNT(*), COALESCE(SUM(id), 0), "
	    "COALESCE(MAX(updated_at), 0) FROM outbox WHERE status = 'failed'",
	    "");
	if (r == NULL || db_next(r) != 1) {
		db_done(r);
		return (-1);
	}
	old = m->fp;
	xasprintf(&m->fp, "%s/%lld.%lld.%lld", old, db_int(r, 0),
	    db_int(r, 1), db_int(r, 2));
	free(old);
	db_done(r);
	/* The inbox (inbox.c), written by other instances too. */
	if (inbox_fingerprint(db, &inbox) != 0)
		return (-1);
	old = m->fp;
	xasprintf(&m->fp, "%s/%s", old, inbox);
	free(old);
	free(inbox);
	return (0);
}

static void
staff_fp_done(int ok, void *arg)
{
	struct staff_maint	*m = arg;
	struct staff		*s = m->s;

	s->fp_busy = 0;
	if (m->bump)
		staff_bump(s);
	if (ok && m->fp != NULL) {
		if (!m->bump && s->fp != NULL && strcmp(s->fp, m->fp) != 0)
			staff_bump(s);
		free(s->fp);
		s->fp = m->fp;
		m->fp = NULL;
	}
	free(m->fp);
	free(m);
}

static void
staff_tick(evutil_socket_t fd, short what, void *arg)
{
	struct staff		*s = arg;
	struct staff_maint	*m;
	long long		 now = util_mono_ms();
	int			 i, k;

	(void)fd;
	(void)what;
	if (s->hl->stopping) {
		/* Let the drain finish: held event requests are answered. */
		for (i = 0; i < s->nwaiters; i++)
			staff_event_reply(s, s->waiters[i].r, 0);
		s->nwaiters = 0;
		return;
	}
	for (i = k = 0; i < s->nwaiters; i++) {
		if (s->waiters[i].deadline <= now)
			staff_event_reply(s, s->waiters[i].r, 0);
		else
			s->waiters[k++] = s->waiters[i];
	}
	s->nwaiters = k;
	if (callback_take_changed()) {
		/* Rows the voice and SMS paths queued: deliver, and look. */
		outbox_kick(s->hl->outbox);
		s->fp_force = 1;
		s->fp_bump = 1;
	}
	if (!s->maint_busy && now - s->maint_last >= STAFF_MAINT_MS &&
	    lease_held("callback-timers")) {
		m = xcalloc(1, sizeof *m);
		m->s = s;
		m->cfg = config_ref(hotline_config(s->hl));
		m->now = util_now();
		s->maint_busy = 1;
		s->maint_last = now;
		if (store_submit(s->hl->store, staff_maint_tx, staff_maint_done,
		    m) != 0) {
			s->maint_busy = 0;
			config_unref(m->cfg);
			free(m);
		}
	}
	if (!s->fp_busy && !live_up(s->hl->live) && (s->fp_force ||
	    (s->nwaiters > 0 && now - s->fp_last >= STAFF_FP_MS))) {
		m = xcalloc(1, sizeof *m);
		m->s = s;
		/*
		 * The change was made by a transaction already handed to the
		 * store; this job runs after it, so listeners who refetch on
		 * the bump see it.
		 */
		m->bump = s->fp_bump;
		s->fp_bump = 0;
		s->fp_busy = 1;
		s->fp_force = 0;
		s->fp_last = now;
		if (store_submit(s->hl->store, staff_fp_tx, staff_fp_done,
		    m) != 0) {
			s->fp_busy = 0;
			s->fp_bump = m->bump;
			free(m);
		}
	}
}

/* --- set-up --------------------------------------------------------------- */

void
staff_init(struct hotline *hl)
{
	struct staff	*s;
	struct timeval	 tv = { 0, STAFF_TICK_MS * 1000 };
	int		 get = EVHTTP_REQ_GET | EVHTTP_REQ_HEAD;

	s = xcalloc(1, sizeof *s);
	s->hl = hl;
	s->files[0].name = "index.html";
	s->files[0].type = "text/html; charset=utf-8";
	s->files[1].name = "app.js";
	s->files[1].type = "text/javascript; charset=utf-8";
	s->files[2].name = "app.css";
	s->files[2].type = "text/css; charset=utf-8";
	/* Restarted listeners must see a number they never had. */
	s->seq = util_now();
	s->fp_force = 1;
	hl->staff = s;
	staff_self = s;
	s->pw = pwcheck_new(hl->base);
	staff_load_files(s, hotline_config(hl));

	http_route(hl->http, get, "/staff", 0, "staff", staff_file_cb);
	http_route(hl->http, get, "/staff/", 0, "staff", staff_file_cb);
	http_route(hl->http, get, "/staff/{}", 0, "staff-file", staff_file_cb);
	http_route(hl->http, EVHTTP_REQ_GET, "/api/v1/session", 0,
	    "api-session", staff_session_cb);
	http_route(hl->http, EVHTTP_REQ_POST, "/api/v1/login", 0, "api-login",
	    staff_login_cb);
	http_route(hl->http, EVHTTP_REQ_POST, "/api/v1/logout", 0,
	    "api-logout", staff_logout_cb);
	http_route(hl->http, EVHTTP_REQ_GET, "/api/v1/callbacks", 0,
	    "api-callbacks", staff_list_cb);
	http_route(hl->http, EVHTTP_REQ_GET, "/api/v1/callbacks/{}", 0,
	    "api-callback", staff_get_cb);
	http_route(hl->http, EVHTTP_REQ_POST, "/api/v1/callbacks/{}/{}", 0,
	    "api-callback-action", staff_act_cb);
	http_route(hl->http, EVHTTP_REQ_GET, "/api/v1/messages", 0,
	    "api-messages", staff_msg_list_cb);
	http_route(hl->http, EVHTTP_REQ_POST, "/api/v1/messages/{}/retry", 0,
	    "api-message-retry", staff_msg_retry_cb);
	http_route(hl->http, EVHTTP_REQ_GET, "/api/v1/events", 0,
	    "api-events", staff_events_cb);
	http_route(hl->http, EVHTTP_REQ_POST, "/voice/staff-call",
	    ROUTE_PROVIDER, "staff-call", staff_call_cb);
	http_route(hl->http, EVHTTP_REQ_POST, "/voice/staff-call-result",
	    ROUTE_PROVIDER, "staff-call-result", staff_call_cb);
	staff_inbox_init(hl);		/* staff_inbox.c */
	staff_people_init(hl);		/* staff_people.c */

	s->timer = event_new(hl->base, -1, EV_PERSIST, staff_tick, s);
	event_add(s->timer, &tv);
	live_watch(hl->live, staff_live_cb, s);
}

void
staff_reconfigure(struct hotline *hl)
{
	if (hl->staff != NULL)
		staff_load_files(hl->staff, hotline_config(hl));
}

void
staff_free(struct staff *s)
{
	size_t	i;

	if (s == NULL)
		return;
	if (s->timer != NULL)
		event_free(s->timer);
	pwcheck_free(s->pw);
	for (i = 0; i < sizeof s->files / sizeof s->files[0]; i++)
		free(s->files[i].body);
	free(s->fp);
	if (staff_self == s)
		staff_self = NULL;
	free(s);
}
