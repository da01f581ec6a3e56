/*
 * staff_private.h -- what the staff files share, private to src/staff*.c
 * and src/voice_staff.c: the staff side's state, a staff job, and the
 * functions one file calls in another.
 */
#ifndef HOTLINE_STAFF_PRIVATE_H
#define HOTLINE_STAFF_PRIVATE_H

#include <time.h>

#include <event2/util.h>
#include <jansson.h>

#include "auth.h"
#include "queue_filter.h"

struct db;
struct db_res;
struct hreq;
struct hotline;
struct config;

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
	struct staff_file	 files[5];
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
	/* staff.c's transaction and answer, for every job (staff_submit) */
	int			(*tx)(struct db *, void *);
	void			(*done)(int, void *);
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
	struct queue_filter	 filter;	/* topic, dates, number search */
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

extern struct staff	*staff_self;

/* staff_job.c */
struct staff_job	*staff_job_new(struct hreq *r, enum staff_op op);
void	staff_job_free(struct staff_job *j);
void	staff_fail(struct staff_job *j, int code, const char *why);
int	staff_credentials(struct staff_job *j, int mutating);
void	staff_submit(struct staff_job *j);
char	*staff_field(struct hreq *r, json_t *body, const char *name);
int	staff_body(struct hreq *r, json_t **body);
int	staff_parse_id(const char *s, long long *id);
const char	*staff_cb_error(struct staff_job *j, int rc);

/* staff.c */

/* staff_web.c */
void	staff_load_files(struct staff *s, const struct config *cfg);
void	staff_file_cb(struct hreq *r);

/* staff_queue.c */
/* An entry as the API shows it, with the words of its voicemails. */
json_t	*staff_entry_json(struct db *db, struct staff_job *j, long long id,
	    int *rc);
int	staff_scope(struct db *db, struct staff_job *j);
int	staff_list(struct db *db, struct staff_job *j);
int	staff_act(struct db *db, struct staff_job *j);
int	staff_msg_list(struct db *db, struct staff_job *j);
int	staff_msg_retry(struct db *db, struct staff_job *j);
void	staff_list_cb(struct hreq *r);
void	staff_get_cb(struct hreq *r);
void	staff_act_cb(struct hreq *r);
void	staff_msg_list_cb(struct hreq *r);
void	staff_msg_retry_cb(struct hreq *r);

/* staff_live.c */
void	staff_events_start(struct staff *s, struct hreq *r);
void	staff_bump(struct staff *s);
void	staff_live_cb(long long seq, void *arg);
void	staff_events_cb(struct hreq *r);
void	staff_tick(evutil_socket_t fd, short what, void *arg);

/* staff_login.c */
void	staff_login_busy(struct hreq *r);
void	staff_login_checked(int ok, void *arg);
void	staff_session_cb(struct hreq *r);
void	staff_login_cb(struct hreq *r);
void	staff_logout_cb(struct hreq *r);

/* voice_staff.c */
int	staff_call(struct db *db, struct staff_job *j);
int	staff_call_answer(struct db *db, struct staff_job *j);
int	staff_call_result(struct db *db, struct staff_job *j);
void	staff_call_cb(struct hreq *r);

#endif
