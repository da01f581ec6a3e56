/*
 * http.h -- the HTTP server: limits, routing, provider webhook checks and
 * replies.  Built on libevent's evhttp.
 *
 * A handler gets a struct hreq and must answer it exactly once with one of
 * the http_reply* calls, either at once or later from a store done
 * callback (evhttp lets a reply wait).  The request holds a reference to
 * the configuration it started with.
 */
#ifndef HOTLINE_HTTP_H
#define HOTLINE_HTTP_H

#include <stddef.h>

#include <jansson.h>

#include "form.h"

struct event_base;
struct evhttp_request;
struct config;
struct hotline;
struct http;
struct twiml;

#define HTTP_MAX_PARAMS 4
/* Connections accepted at most before they are admitted or refused. */
#define HTTP_ACCEPT_BURST 32

struct hreq {
	struct evhttp_request	*req;
	struct http		*http;
	struct hotline		*hl;
	struct config		*cfg;		/* referenced until the reply */
	int			 method;	/* EVHTTP_REQ_* */
	const char		*route;		/* route name, for metrics and logs */
	char			*uri;		/* as requested: path?query */
	char			*path;		/* decoded path */
	char			*query;		/* raw query, or NULL */
	struct form		 args;		/* query parameters */
	struct form		 form;		/* form body (provider webhooks, forms) */
	char			*body;		/* raw body, NUL-terminated */
	size_t			 body_len;
	char			*params[HTTP_MAX_PARAMS];	/* {id} pieces of the path */
	long long		 start_ms;
	int			 replied;
	char			 client[64];	/* http_client's answer, once asked */
};

typedef void	(*http_handler)(struct hreq *);

/* Route flags. */
#define ROUTE_PROVIDER	0x1	/* a provider webhook: form body + X-Twilio-Signature */
#define ROUTE_PREFIX	0x2	/* path is a prefix */
#define ROUTE_FORM	0x4	/* parse an urlencoded body into form */

/*
 * Methods are a mask of EVHTTP_REQ_*.  A path piece "{}" matches one
 * segment and is given in params[].
 */
void		 http_route(struct http *, int methods, const char *path,
		     int flags, const char *name, http_handler fn);

struct http	*http_new(struct hotline *, struct event_base *);
/* Listen on host:port ("127.0.0.1:0" picks a port); 0 or -1. */
int		 http_listen(struct http *, const char *hostport);
/* The port actually bound. */
int		 http_port(struct http *);
/* Apply limits from a (new) configuration. */
void		 http_configure(struct http *, struct config *);
/*
 * The most connections the descriptor limit leaves room for: the cap in
 * force is the lower of this and max_connections (set before
 * http_configure, which says when it is lower).
 */
void		 http_set_budget(struct http *, int connections);
/* Stop accepting connections (SIGTERM); requests in flight finish. */
void		 http_stop_listening(struct http *);
int		 http_in_flight(struct http *);
void		 http_free(struct http *);

/* --- replies (each frees the hreq) ----------------------------------- */
void		 http_reply(struct hreq *, int status, const char *content_type,
		     const char *body, size_t len);
/* Plain text "why" for 4xx/5xx. */
void		 http_error(struct hreq *, int status, const char *why);
/* Steals j. */
void		 http_json(struct hreq *, int status, json_t *j);
/* TwiML document text (text/xml; charset=utf-8), 200. */
void		 http_twiml(struct hreq *, const char *doc, size_t len);
void		 http_redirect(struct hreq *, const char *location);

const char	*http_header(struct hreq *, const char *name);
void		 http_add_header(struct hreq *, const char *name,
		     const char *value);
/* Peer address as text. */
const char	*http_peer(struct hreq *);
/*
 * The client's address: the peer, or behind a trusted proxy
 * (service.trusted_proxies) the one X-Forwarded-For names.
 */
const char	*http_client(struct hreq *);

#endif
