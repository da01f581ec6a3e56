/*
 * staff_api.h -- how a staff API request outside staff.c runs: the
 * credentials' shape checked on the loop (a bearer token, or the session
 * cookie with X-CSRF-Token when the request changes something), then one
 * store transaction that authenticates the caller and calls the
 * handler's function, then a JSON answer on the loop.
 *
 * A function sets out (the 2xx body) or fails with api_fail; it returns
 * 0 to commit, -1 to roll back (500).
 */
#ifndef HOTLINE_STAFF_API_H
#define HOTLINE_STAFF_API_H

#include <time.h>

#include <jansson.h>

#include "auth.h"

struct db;
struct hreq;
struct hotline;
struct config;
struct api_req;

typedef int	(*api_fn)(struct db *, struct api_req *);

struct api_req {
	struct hreq		*r;
	struct hotline		*hl;
	struct config		*cfg;	/* r->cfg, referenced until the reply */
	api_fn			 fn;
	time_t			 now;
	struct auth_staff	 who;	/* the caller, once authenticated */

	/* input, as the handler parsed it */
	long long		 id;
	char			*arg;	/* a path piece, a filter */
	char			*text;	/* a body field */
	int			 limit;
	time_t			 since, until;	/* a period, as dates parsed */

	/* result */
	int			 code;	/* 200 unless set */
	const char		*why;
	json_t			*out;
	int			 kick;	/* outbox rows were queued */
	/*
	 * Set by a handler that answers later (after a transfer): called on
	 * the loop instead of the JSON answer when the transaction succeeded
	 * with no error; it answers a->r and calls api_free.
	 */
	void			(*then)(struct api_req *);

	/* credentials */
	char			*token;
	char			*sid;
	char			*csrf;
	int			 need_csrf;
};

struct api_req	*api_new(struct hreq *, api_fn);
/*
 * Check the credentials' shape and submit (mutating: the request changes
 * something).  On refusal the request is answered and a freed.
 */
void		 api_submit(struct api_req *a, int mutating);
/* Free a (what a->then does once it has answered). */
void		 api_free(struct api_req *a);
/* Answer now (before submitting) with an error, and free a. */
void		 api_refuse(struct api_req *a, int code, const char *why);
/* Set the answer to an error; returns 0 (commit what was done). */
int		 api_fail(struct api_req *a, int code, const char *why);
/* A path id: 0 with *id, or -1. */
int		 api_id(const char *s, long long *id);
/*
 * The request's JSON object body (a new reference in *body; NULL when
 * there is none).  0, or -1 with a reason in *why.
 */
int		 api_json_body(struct hreq *, json_t **body, const char **why);
/* ?limit=N within 1..max, default def: 0, or -1 when malformed. */
int		 api_limit(struct hreq *, int def, int max, int *limit);

#endif
