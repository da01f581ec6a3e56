/*
 * staff.c -- what clinic staff use: the dashboard (GET /staff, files from
 * web/staff: staff_web.c), the JSON API under /api/v1 (the callback queue
 * and the messages the outbox gave up on: staff_queue.c; login:
 * staff_login.c; live events: staff_live.c), click-to-call (the two
 * /voice/staff-call* provider webhooks: voice_staff.c), and a timer that
 * returns stale claims to the queue and pings staff when someone has
 * waited too long (staff_live.c).  This file holds what they share: the
 * API's jobs, credentials, the transaction and the answer.
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
#include "lease.h"
#include "live.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "optout.h"
#include "outbox.h"
#include "pwcheck.h"
#include "recording.h"
#include "staff_private.h"
#include "store.h"
#include "twiml.h"
#include "util.h"
#include "xmalloc.h"

/* --- jobs ---------------------------------------------------------------- */

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
		j->out = staff_entry_json(db, j, j->id, &rc);
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

/* --- handlers ------------------------------------------------------------- */

/* --- set-up --------------------------------------------------------------- */

void
staff_init(struct hotline *hl)
{
	struct staff	*s;
	struct timeval	 tv = { 0, STAFF_TICK_MS * 1000 };
	int		 get = EVHTTP_REQ_GET | EVHTTP_REQ_HEAD;

	s = xcalloc(1, sizeof *s);
	s->hl = hl;
	s->tx = staff_tx;
	s->done = staff_done;
	s->files[0].name = "index.html";
	s->files[0].type = "text/html; charset=utf-8";
	s->files[1].name = "app.js";
	s->files[1].type = "text/javascript; charset=utf-8";
	s->files[2].name = "app.css";
	s->files[2].type = "text/css; charset=utf-8";
	s->files[3].name = "flow.js";		/* the phone tree's numbers */
	s->files[3].type = "text/javascript; charset=utf-8";
	s->files[4].name = "appointments.js";
	s->files[4].type = "text/javascript; charset=utf-8";
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
	staff_appt_init(hl);		/* staff_appt.c */
	staff_people_init(hl);		/* staff_people.c */
	recording_init(hl);		/* recording.c */

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
