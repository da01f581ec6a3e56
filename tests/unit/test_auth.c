/*
 * test_auth.c -- unit tests of the staff side: password hashes, tokens,
 * sessions, login limits, location scoping (auth.c), and the callback
 * queue rules and staff notifications (callback.c, notify.c) against a
 * temporary SQLite store.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "auth.h"
#include "callback.h"
#include "config.h"
#include "notify.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* 2025-12-01 (a Monday) 10:00 in Chicago: the test locations are open. */
#define T_OPEN	((time_t)1764604800)
/* The same day 23:00 in Chicago: closed. */
#define T_CLOSED (T_OPEN + 13 * 3600)

static struct store	*st;
static char		 dbpath[256];
static struct config	 cfg;
static struct location	 loc[2];
static struct prompt	 prompt;

static void
setup(void)
{
	char	*err = NULL, *url;
	int	 d;

	snprintf(dbpath, sizeof dbpath, "/tmp/test_auth.%d.db", (int)getpid());
	unlink(dbpath);
	xasprintf(&url, "sqlite:%s", dbpath);
	st = store_open(NULL, url, 1, &err);
	free(url);
	ck_assert_msg(st != NULL, "store_open: %s", err != NULL ? err : "?");

	memset(&cfg, 0, sizeof cfg);
	memset(loc, 0, sizeof loc);
	cfg.public_url = "https://hotline.example.org";
	cfg.notify_sms = cfg.notify_email = cfg.notify_chat = 1;
	cfg.smtp_url = "smtp://127.0.0.1:2525";
	cfg.chat_webhook = "https://chat.example.org/hook";
	cfg.notify_wait_minutes = 15;
	cfg.claim_timeout = 1200;
	cfg.callback_max_attempts = 2;
	cfg.nlangs = 2;
	cfg.langs[0] = "en";
	cfg.langs[1] = "es";
	cfg.front_desk = "+18175550100";
	loc[0].id = "fort-worth";
	loc[0].name.text[0] = "Fort Worth";
	loc[0].phone = "+18175550101";
	loc[0].oncall_sms = "+18175550111";
	loc[0].timezone = "America/Chicago";
	loc[1].id = "allen";
	loc[1].name.text[0] = "Allen";
	loc[1].phone = "+19725550102";
	loc[1].oncall_sms = "+19725550112";
	loc[1].oncall_email = "allen@example.org";
	loc[1].timezone = "America/Chicago";
	for (d = 0; d < 7; d++) {
		loc[0].hours[d].open = loc[1].hours[d].open = 8 * 60;
		loc[0].hours[d].close = loc[1].hours[d].close = 17 * 60;
	}
	cfg.locations = loc;
	cfg.nlocations = 2;
	prompt.id = "sms_unreachable";
	prompt.text[0] = "We could not reach you. Call {phone}.";
	prompt.text[1] = "No pudimos comunicarnos. Llame al {phone}.";
	cfg.prompts = &prompt;
	cfg.nprompts = 1;
}

static void
teardown(void)
{
	store_close(st);
	unlink(dbpath);
}

/* --- pure helpers ------------------------------------------------------- */

START_TEST(test_password)
{
	char	*h, *h2;

	h = auth_hash_password("correct horse");
	ck_assert_ptr_nonnull(h);
	ck_assert_msg(strncmp(h, "$y$", 3) == 0, "not yescrypt: %s", h);
	ck_assert_int_eq(auth_verify_password("correct horse", h), 1);
	ck_assert_int_eq(auth_verify_password("correct hors", h), 0);
	ck_assert_int_eq(auth_verify_password("", h), 0);
	ck_assert_int_eq(auth_verify_password("x", "plain"), 0);
	ck_assert_int_eq(auth_verify_password("x", NULL), 0);
	/* A fresh salt each time. */
	h2 = auth_hash_password("correct horse");
	ck_assert_str_ne(h, h2);
	ck_assert_int_eq(auth_verify_password("correct horse", h2), 1);
	free(h);
	free(h2);
}
END_TEST

START_TEST(test_locations_and_cookies)
{
	char	*c;

	ck_assert_int_eq(auth_location_allowed("*", "allen"), 1);
	ck_assert_int_eq(auth_location_allowed("allen,garland", "garland"), 1);
	ck_assert_int_eq(auth_location_allowed("allen,garland", "allen"), 1);
	ck_assert_int_eq(auth_location_allowed("allen,garland", "fort-worth"), 0);
	ck_assert_int_eq(auth_location_allowed("allen-east", "allen"), 0);
	ck_assert_int_eq(auth_location_allowed("allen", NULL), 1);
	ck_assert_int_eq(auth_name_valid("alice.smith"), 1);
	ck_assert_int_eq(auth_name_valid("a b"), 0);
	ck_assert_int_eq(auth_name_valid(""), 0);
	c = auth_cookie("a=1; hl_session=abc; b=2", "hl_session");
	ck_assert_str_eq(c, "abc");
	free(c);
	ck_assert_ptr_null(auth_cookie("xhl_session=abc", "hl_session"));
	ck_assert_ptr_null(auth_cookie(NULL, "hl_session"));
	ck_assert_int_eq(auth_equal("abc", "abc"), 1);
	ck_assert_int_eq(auth_equal("abc", "abd"), 0);
	ck_assert_int_eq(auth_equal("abc", "abcd"), 0);
	ck_assert_int_eq(auth_equal(NULL, "abc"), 0);
}
END_TEST

/* --- accounts in the store ------------------------------------------------ */

struct cnt {
	const char	*sql, *arg;
	long long	 n;
};

static int
cnt_tx(struct db *db, void *arg)
{
	struct cnt	*c = arg;

	if (c->arg != NULL)
		return (db_int_query(db, &c->n, c->sql, "s", c->arg) == -1 ?
		    -1 : 0);
	return (db_int_query(db, &c->n, c->sql, "") == -1 ? -1 : 0);
}

static long long
count_rows(const char *sql, const char *arg)
{
	struct cnt	c;

	c.sql = sql;
	c.arg = arg;
	c.n = -1;
	ck_assert_int_eq(store_run(st, cnt_tx, &c), 0);
	return (c.n);
}

struct acct {
	char			*hash;
	char			*token;
	char			*sid, *csrf;
	int			 rc[8];
	struct auth_staff	 who;
};

static int
acct_tx(struct db *db, void *arg)
{
	struct acct	*a = arg;

	if (auth_staff_put(db, "alice", a->hash, "allen", "+18175550142",
	    "alice@example.org", T_OPEN) != 0)
		return (-1);
	if (auth_token_new(db, "alice", T_OPEN, 0, &a->token) != 0)
		return (-1);
	if (auth_session_new(db, "alice", 12, T_OPEN, &a->sid, &a->csrf) != 0)
		return (-1);
	return (0);
}

static int
check_tx(struct db *db, void *arg)
{
	struct acct		*a = arg;
	struct auth_staff	 s;
	char			 bad[65];

	a->rc[0] = auth_token_check(db, a->token, T_OPEN + 5, &a->who);
	memset(bad, 'a', 64);
	bad[64] = '\0';
	a->rc[1] = auth_token_check(db, bad, T_OPEN, &s);
	a->rc[2] = auth_session_check(db, a->sid, T_OPEN + 3600, &s);
	if (a->rc[2] == 1) {
		a->rc[3] = auth_equal(s.csrf, a->csrf);
		auth_staff_clear(&s);
	}
	/* Expired after 12 hours. */
	a->rc[4] = auth_session_check(db, a->sid, T_OPEN + 13 * 3600, &s);
	if (auth_session_end(db, a->sid) != 0)
		return (-1);
	a->rc[5] = auth_session_check(db, a->sid, T_OPEN + 60, &s);
	return (0);
}

START_TEST(test_tokens_sessions)
{
	struct acct	a;
	long long	n = -1;
	char		h[65];

	memset(&a, 0, sizeof a);
	a.hash = auth_hash_password("pw-alice");
	ck_assert_int_eq(store_run(st, acct_tx, &a), 0);
	ck_assert_int_eq(strlen(a.token), 64);
	ck_assert_int_eq(store_run(st, check_tx, &a), 0);
	ck_assert_int_eq(a.rc[0], 1);
	ck_assert_str_eq(a.who.name, "alice");
	ck_assert_str_eq(a.who.locations, "allen");
	ck_assert_str_eq(a.who.phone, "+18175550142");
	ck_assert_ptr_null(a.who.csrf);
	ck_assert_int_eq(a.rc[1], 0);
	ck_assert_int_eq(a.rc[2], 1);
	ck_assert_int_eq(a.rc[3], 1);
	ck_assert_int_eq(a.rc[4], 0);
	ck_assert_int_eq(a.rc[5], 0);
	/* Only hashes are stored: neither secret appears in the store. */
	util_sha256_hex(a.token, strlen(a.token), h);
	ck_assert_int_eq(count_rows("SELECT COUNT(*) FROM staff_tokens", NULL),
	    1);
	ck_assert_int_eq(count_rows("SELECT COUNT(*) FROM staff_tokens WHERE "
	    "token_hash = ?", h), 1);
	ck_assert_int_eq(count_rows("SELECT COUNT(*) FROM staff_tokens WHERE "
	    "token_hash = ?", a.token), 0);
	ck_assert_int_eq(count_rows("SELECT COUNT(*) FROM sessions WHERE "
	    "id_hash = ?", a.sid), 0);
	(void)n;
	auth_staff_clear(&a.who);
	free(a.hash);
	free(a.token);
	free(a.sid);
	free(a.csrf);
	(void)n;
}
END_TEST

struct login {
	const char		*user, *pw, *ip;
	time_t			 now;
	int			 rc;
	int			 retry_after;
	struct auth_staff	 who;
	char			*hash;
	char			*stored;
};

static int
login_setup_tx(struct db *db, void *arg)
{
	struct login	*l = arg;

	return (auth_staff_put(db, "bob", l->hash, "*", NULL, NULL, T_OPEN));
}

static int
login_begin_tx(struct db *db, void *arg)
{
	struct login	*l = arg;

	free(l->stored);
	l->stored = NULL;
	l->rc = auth_login_begin(db, l->user, l->ip, l->now, &l->stored,
	    &l->retry_after);
	return (l->rc == -1 ? -1 : 0);
}

static int
login_finish_tx(struct db *db, void *arg)
{
	struct login	*l = arg;
	int		 ok;

	/* What the password thread does between the two. */
	ok = l->stored != NULL && auth_verify_password(l->pw, l->stored);
	auth_staff_clear(&l->who);
	l->rc = auth_login_finish(db, l->user, l->ip, l->stored, ok, l->now,
	    &l->who);
	return (l->rc == -1 ? -1 : 0);
}

/* A whole login: 1 in, 0 refused, 2 must wait. */
static int
login(struct login *l)
{
	ck_assert_int_eq(store_run(st, login_begin_tx, l), 0);
	if (l->rc == 2)
		return (2);
	ck_assert_int_eq(l->rc, 0);
	ck_assert_int_eq(store_run(st, login_finish_tx, l), 0);
	return (l->rc);
}

START_TEST(test_login_limits)
{
	struct login	l;
	char		name[32];
	int		i;

	memset(&l, 0, sizeof l);
	l.hash = auth_hash_password("pw-bob");
	ck_assert_int_eq(store_run(st, login_setup_tx, &l), 0);
	l.user = "bob";
	l.pw = "pw-bob";
	l.ip = "10.0.0.1";
	l.now = T_OPEN;
	ck_assert_int_eq(login(&l), 1);
	ck_assert_str_eq(l.who.name, "bob");
	/* Someone guessing bob's password from 10.0.0.1. */
	l.pw = "wrong";
	for (i = 0; i < AUTH_LOGIN_FREE; i++)
		ck_assert_int_eq(login(&l), 0);
	/* From there each next try waits, even with the right password. */
	l.pw = "pw-bob";
	ck_assert_int_eq(login(&l), 2);
	ck_assert_int_eq(l.retry_after, AUTH_LOGIN_DELAY);
	/* The owner, elsewhere, is not held up at all. */
	l.ip = "10.0.0.2";
	ck_assert_int_eq(login(&l), 1);
	/* The wait doubles with each failure after it. */
	l.ip = "10.0.0.1";
	l.pw = "wrong";
	l.now = T_OPEN + AUTH_LOGIN_DELAY;
	ck_assert_int_eq(login(&l), 0);
	ck_assert_int_eq(login(&l), 2);
	ck_assert_int_eq(l.retry_after, 2 * AUTH_LOGIN_DELAY);
	/* Once waited out, the right password gets in and is forgiven. */
	l.pw = "pw-bob";
	l.now += 2 * AUTH_LOGIN_DELAY;
	ck_assert_int_eq(login(&l), 1);
	l.pw = "wrong";
	ck_assert_int_eq(login(&l), 0);
	ck_assert_int_eq(login(&l), 0);
	/* A password changed while it was checked does not log in. */
	l.pw = "pw-bob";
	ck_assert_int_eq(store_run(st, login_begin_tx, &l), 0);
	free(l.hash);
	l.hash = auth_hash_password("pw-new");
	ck_assert_int_eq(store_run(st, login_setup_tx, &l), 0);
	ck_assert_int_eq(store_run(st, login_finish_tx, &l), 0);
	ck_assert_int_eq(l.rc, 0);
	/* Names that do not exist, from one address: then it waits for any. */
	l.ip = "10.0.0.9";
	l.user = name;
	l.pw = "x";
	for (i = 0; i < AUTH_LOGIN_MAX_UNKNOWN; i++) {
		snprintf(name, sizeof name, "nobody%d", i);
		l.now = T_OPEN + 1000 + i;
		ck_assert_int_eq(login(&l), 0);
	}
	l.user = "bob";
	l.pw = "pw-new";
	ck_assert_int_eq(login(&l), 2);
	ck_assert_int_gt(l.retry_after, 0);
	/* Not another address. */
	l.ip = "10.0.0.10";
	ck_assert_int_eq(login(&l), 1);
	auth_staff_clear(&l.who);
	free(l.hash);
	free(l.stored);
}
END_TEST

/* --- the queue ------------------------------------------------------------ */

struct q {
	struct callback_req	 req;
	struct callback_res	 res;
	const struct config	*cfg;
	long long		 id;
	const char		*staff;
	const char		*outcome;
	time_t			 now;
	int			 rc;
	int			 queued;
	long long		 n;
	char			 text[512];
	const char		*sql;
};

static int
req_tx(struct db *db, void *arg)
{
	struct q	*q = arg;

	if (callback_request(db, q->cfg, &q->req, &q->res) != 0 ||
	    (q->cfg != NULL && notify_request(db, q->cfg, &q->res,
	    q->req.now) < 0))
		return (-1);
	return (0);
}

static int
claim_tx(struct db *db, void *arg)
{
	struct q	*q = arg;

	q->rc = callback_claim(db, q->id, q->staff, q->now);
	return (q->rc == CB_ERROR ? -1 : 0);
}

static int
finish_tx(struct db *db, void *arg)
{
	struct q	*q = arg;

	q->rc = callback_finish(db, q->cfg, q->id, q->staff, q->outcome, q->now,
	    &q->queued);
	return (q->rc == CB_ERROR ? -1 : 0);
}

static int
count_tx(struct db *db, void *arg)
{
	struct q	*q = arg;

	return (db_int_query(db, &q->n, q->sql, "") == -1 ? -1 : 0);
}

static int
text_tx(struct db *db, void *arg)
{
	struct q	*q = arg;
	struct db_res	*r;

	q->text[0] = '\0';
	if ((r = db_query(db, q->sql, "")) == NULL)
		return (-1);
	if (db_next(r) == 1)
		snprintf(q->text, sizeof q->text, "%s", db_isnull(r, 0) ? "" :
		    db_text(r, 0));
	db_done(r);
	return (0);
}

static long long
count(const char *sql)
{
	struct q	q;

	memset(&q, 0, sizeof q);
	q.sql = sql;
	ck_assert_int_eq(store_run(st, count_tx, &q), 0);
	return (q.n);
}

static const char *
text(const char *sql)
{
	static struct q	q;

	memset(&q, 0, sizeof q);
	q.sql = sql;
	ck_assert_int_eq(store_run(st, text_tx, &q), 0);
	return (q.text);
}

static long long
request(const char *phone, const char *location, int priority, time_t now,
    const struct config *c, int *position, int *created)
{
	struct q	q;

	memset(&q, 0, sizeof q);
	q.cfg = c;
	q.req.phone = phone;
	q.req.location = location;
	q.req.language = "en";
	q.req.topic = "stretches";
	q.req.priority = priority;
	q.req.source = "sms";
	q.req.now = now;
	ck_assert_int_eq(store_run(st, req_tx, &q), 0);
	if (position != NULL)
		*position = q.res.position;
	if (created != NULL)
		*created = q.res.created;
	return (q.res.id);
}

START_TEST(test_queue_order)
{
	long long	a, b, c, a2;
	int		pos, created;

	a = request("+18175550001", "allen", 0, T_CLOSED, NULL, &pos, &created);
	ck_assert_int_eq(pos, 1);
	ck_assert_int_eq(created, 1);
	b = request("+18175550002", "allen", 0, T_CLOSED + 10, NULL, &pos, NULL);
	ck_assert_int_eq(pos, 2);
	/* A red flag goes first. */
	c = request("+18175550003", "allen", 1, T_CLOSED + 20, NULL, &pos, NULL);
	ck_assert_int_eq(pos, 1);
	/* Asking again keeps the place and does not duplicate. */
	a2 = request("+18175550001", "allen", 0, T_CLOSED + 30, NULL, &pos,
	    &created);
	ck_assert_int_eq(a2, a);
	ck_assert_int_eq(created, 0);
	ck_assert_int_eq(pos, 2);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM callbacks"), 3);
	/* Other queues do not count. */
	request("+18175550004", "fort-worth", 0, T_CLOSED + 1, NULL, &pos, NULL);
	ck_assert_int_eq(pos, 1);
	(void)b;
	(void)c;
}
END_TEST

START_TEST(test_claim_once)
{
	struct q	q;
	long long	id;

	id = request("+18175550010", "allen", 0, T_OPEN, NULL, NULL, NULL);
	memset(&q, 0, sizeof q);
	q.id = id;
	q.now = T_OPEN + 60;
	q.staff = "alice";
	ck_assert_int_eq(store_run(st, claim_tx, &q), 0);
	ck_assert_int_eq(q.rc, CB_OK);
	q.staff = "bob";
	ck_assert_int_eq(store_run(st, claim_tx, &q), 0);
	ck_assert_int_eq(q.rc, CB_CONFLICT);
	/* Claiming one's own again is fine. */
	q.staff = "alice";
	ck_assert_int_eq(store_run(st, claim_tx, &q), 0);
	ck_assert_int_eq(q.rc, CB_OK);
	q.id = 9999;
	ck_assert_int_eq(store_run(st, claim_tx, &q), 0);
	ck_assert_int_eq(q.rc, CB_NOTFOUND);
	/* Someone else cannot finish it. */
	q.id = id;
	q.cfg = &cfg;
	q.staff = "bob";
	q.outcome = "reached";
	ck_assert_int_eq(store_run(st, finish_tx, &q), 0);
	ck_assert_int_eq(q.rc, CB_CONFLICT);
	q.staff = "alice";
	ck_assert_int_eq(store_run(st, finish_tx, &q), 0);
	ck_assert_int_eq(q.rc, CB_OK);
	ck_assert_str_eq(text("SELECT status FROM callbacks ORDER BY id DESC"),
	    "done");
	ck_assert_int_eq(count("SELECT attempts FROM callbacks ORDER BY id DESC"),
	    1);
	/* A closed entry cannot be claimed. */
	q.staff = "bob";
	ck_assert_int_eq(store_run(st, claim_tx, &q), 0);
	ck_assert_int_eq(q.rc, CB_CONFLICT);
}
END_TEST

START_TEST(test_retry_then_unreachable)
{
	struct q	q;
	long long	id;

	cfg.notify_sms = cfg.notify_email = cfg.notify_chat = 0;
	id = request("+18175550020", "allen", 0, T_OPEN, &cfg, NULL, NULL);
	memset(&q, 0, sizeof q);
	q.cfg = &cfg;
	q.id = id;
	q.staff = "alice";
	q.outcome = "no_answer";
	/* 16:50: the retry waits for the next opening, 8:00 next day. */
	q.now = T_OPEN + 6 * 3600 + 50 * 60;
	ck_assert_int_eq(store_run(st, finish_tx, &q), 0);
	ck_assert_int_eq(q.rc, CB_OK);
	ck_assert_int_eq(q.queued, 0);
	ck_assert_str_eq(text("SELECT status FROM callbacks"), "waiting");
	ck_assert_int_eq(count("SELECT attempts FROM callbacks"), 1);
	ck_assert_int_eq(count("SELECT not_before FROM callbacks"),
	    T_OPEN + 22 * 3600);
	ck_assert_int_eq(count("SELECT queued_at FROM callbacks"), T_OPEN);
	/* Second failure reaches the limit (2): unreachable, and a text. */
	q.now = T_OPEN + 23 * 3600;
	q.outcome = "busy";
	ck_assert_int_eq(store_run(st, finish_tx, &q), 0);
	ck_assert_int_eq(q.rc, CB_OK);
	ck_assert_int_eq(q.queued, 1);
	ck_assert_str_eq(text("SELECT status FROM callbacks"), "unreachable");
	ck_assert_int_eq(count("SELECT COUNT(*) FROM outbox WHERE kind = 'sms' "
	    "AND recipient = '+18175550020'"), 1);
	ck_assert_ptr_nonnull(strstr(text("SELECT payload FROM outbox"),
	    "Call +19725550102."));
}
END_TEST

START_TEST(test_unreachable_opted_out)
{
	struct q	q;
	long long	id;

	cfg.callback_max_attempts = 1;
	cfg.notify_sms = cfg.notify_email = cfg.notify_chat = 0;
	id = request("+18175550030", NULL, 0, T_OPEN, &cfg, NULL, NULL);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM optouts"), 0);
	{
		struct q	o;

		memset(&o, 0, sizeof o);
		o.sql = "INSERT INTO optouts (phone, opted_out, at, source) "
		    "VALUES ('+18175550030', 1, 0, 'sms') RETURNING 1";
		ck_assert_int_eq(store_run(st, count_tx, &o), 0);
	}
	memset(&q, 0, sizeof q);
	q.cfg = &cfg;
	q.id = id;
	q.staff = "alice";
	q.outcome = "failed";
	q.now = T_OPEN + 60;
	ck_assert_int_eq(store_run(st, finish_tx, &q), 0);
	ck_assert_int_eq(q.rc, CB_OK);
	ck_assert_str_eq(text("SELECT status FROM callbacks"), "unreachable");
	ck_assert_int_eq(count("SELECT COUNT(*) FROM outbox"), 0);
}
END_TEST

static int
expire_tx(struct db *db, void *arg)
{
	struct q	*q = arg;

	q->rc = callback_expire_claims(db, &cfg, q->now);
	return (q->rc < 0 ? -1 : 0);
}

START_TEST(test_claim_timeout)
{
	struct q	q;

	memset(&q, 0, sizeof q);
	q.id = request("+18175550040", "allen", 0, T_OPEN, NULL, NULL, NULL);
	q.staff = "alice";
	q.now = T_OPEN;
	ck_assert_int_eq(store_run(st, claim_tx, &q), 0);
	q.now = T_OPEN + cfg.claim_timeout - 1;
	ck_assert_int_eq(store_run(st, expire_tx, &q), 0);
	ck_assert_int_eq(q.rc, 0);
	q.now = T_OPEN + cfg.claim_timeout + 1;
	ck_assert_int_eq(store_run(st, expire_tx, &q), 0);
	ck_assert_int_eq(q.rc, 1);
	ck_assert_str_eq(text("SELECT status FROM callbacks"), "waiting");
	ck_assert_str_eq(text("SELECT COALESCE(claimed_by, '-') FROM callbacks"),
	    "-");
}
END_TEST

static int
staff_email_tx(struct db *db, void *arg)
{
	(void)arg;
	return (auth_staff_put(db, "carol", NULL, "fort-worth",
	    NULL, "carol@example.org", T_OPEN));
}

START_TEST(test_notify_joined)
{
	long long	id;
	const char	*p;

	ck_assert_int_eq(store_run(st, staff_email_tx, NULL), 0);
	/* Closed: nothing now. */
	request("+18175550050", "fort-worth", 0, T_CLOSED, &cfg, NULL, NULL);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM outbox"), 0);
	/* Open: one text, one e-mail (staff address), one chat post. */
	id = request("+18175550051", "fort-worth", 1, T_OPEN, &cfg, NULL, NULL);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM outbox"), 3);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM outbox WHERE kind = 'sms' "
	    "AND recipient = '+18175550111'"), 1);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM outbox WHERE kind = 'email' "
	    "AND recipient = 'carol@example.org'"), 1);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM outbox WHERE kind = 'chat' "
	    "AND recipient = 'https://chat.example.org/hook'"), 1);
	p = text("SELECT group_concat(payload, '|') FROM outbox");
	ck_assert_msg(strstr(p, "+18175550051") == NULL, "full number: %s", p);
	ck_assert_msg(strstr(p, "0051") != NULL, "no last digits: %s", p);
	ck_assert_msg(strstr(p, "PRIORITY") != NULL, "no priority: %s", p);
	/* Asking again does not notify again. */
	request("+18175550051", "fort-worth", 1, T_OPEN + 60, &cfg, NULL, NULL);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM outbox"), 3);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM outbox WHERE dedupe LIKE "
	    "'notify:sms:%:joined'"), 1);
	(void)id;
}
END_TEST

static int
waiting_tx(struct db *db, void *arg)
{
	struct q	*q = arg;

	q->rc = notify_waiting(db, &cfg, q->now);
	return (q->rc < 0 ? -1 : 0);
}

START_TEST(test_notify_waiting)
{
	struct q	q;

	cfg.notify_email = 0;
	/* Joined before opening: no notice then. */
	request("+18175550060", "allen", 0, T_OPEN - 3 * 3600, &cfg, NULL, NULL);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM outbox"), 0);
	memset(&q, 0, sizeof q);
	/* Still closed at 7:30: nothing. */
	q.now = T_OPEN - 2 * 3600 - 1800;
	ck_assert_int_eq(store_run(st, waiting_tx, &q), 0);
	ck_assert_int_eq(q.rc, 0);
	/* Open: one text and one chat post about the wait, once. */
	q.now = T_OPEN;
	ck_assert_int_eq(store_run(st, waiting_tx, &q), 0);
	ck_assert_int_eq(q.rc, 2);
	q.now = T_OPEN + 60;
	ck_assert_int_eq(store_run(st, waiting_tx, &q), 0);
	ck_assert_int_eq(q.rc, 0);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM outbox WHERE dedupe = "
	    "'notify:sms:1:waiting'"), 1);
	ck_assert_ptr_nonnull(strstr(text("SELECT payload FROM outbox WHERE "
	    "kind = 'sms'"), "waited 180 minutes"));
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite	*s = suite_create("auth");
	TCase	*tc;

	tc = tcase_create("pure");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_password);
	tcase_add_test(tc, test_locations_and_cookies);
	suite_add_tcase(s, tc);

	tc = tcase_create("store");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_tokens_sessions);
	tcase_add_test(tc, test_login_limits);
	tcase_add_test(tc, test_queue_order);
	tcase_add_test(tc, test_claim_once);
	tcase_add_test(tc, test_retry_then_unreachable);
	tcase_add_test(tc, test_unreachable_opted_out);
	tcase_add_test(tc, test_claim_timeout);
	tcase_add_test(tc, test_notify_joined);
	tcase_add_test(tc, test_notify_waiting);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(auth_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
