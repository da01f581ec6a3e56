/*
 * http.c -- the HTTP server on evhttp.
 *
 * evhttp enforces body and header size (413 / 400) and idle timeouts; this
 * file adds connection limits, a routing table with {} path pieces,
 * signature checks for provider webhooks, the checks on message framing
 * that evhttp leaves out, and replies that always carry a short reason.
 * Every request is counted in /metrics by route and status.
 *
 * Connections are counted when they are accepted, not when a request
 * arrives, so connections that never finish a request are limited too.
 * evhttp (libevent 2.1) has no hook after accept, but it asks us for each
 * new connection's bufferevent (evhttp_set_bevcb) while accepting: the new
 * bufferevent is held (a reference) and settled by an event activated
 * there, which runs before the loop reads from any socket again.  By then
 * evhttp has made the connection (the bufferevent's callback argument),
 * so its peer is known: it is admitted (a close callback gives the count
 * back) or refused at once with a 503 that closes it, when the service is
 * full (max_connections, lowered to what the descriptor limit allows) or
 * that address already holds max_connections_per_address (trusted proxies
 * carry many clients and are not capped per address).  Accepting stops
 * for a moment when accept(2) fails (out of descriptors): otherwise
 * libevent retries at once, spinning the loop and logging each failure.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "config.h"
#include "hotline.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "sig.h"
#include "util.h"
#include "xmalloc.h"

struct route {
	int		 methods;
	char		*path;
	int		 flags;
	const char	*name;
	http_handler	 fn;
};

/* Connections accepted before they are settled, at most. */
#define HTTP_BURST		HTTP_ACCEPT_BURST
#define HTTP_ADDR_BUCKETS	1024
/* Accepting waits this long after accept(2) failed (out of descriptors). */
#define HTTP_PAUSE_MS		250
/* The same trouble is logged at most once a minute. */
#define HTTP_LOG_EVERY_MS	60000

/* Connections open from one address. */
struct http_addr {
	char			 ip[64];
	int			 n;
	struct http_addr	*next;
};

/* An admitted connection, until evhttp frees it (http_conn_closed). */
struct http_conn {
	struct http		*h;
	struct http_addr	*addr;	/* NULL: a trusted proxy, not capped */
};

struct http {
	struct hotline			*hl;
	struct event_base		*base;
	struct evhttp			*evh;
	struct evhttp_bound_socket	*bound;
	struct evconnlistener		*listener;	/* evhttp's, inside bound */
	struct route			*routes;
	size_t				 nroutes;
	int				 port;
	int				 in_flight;

	int				 max_connections;	/* configured */
	int				 max_per_address;
	int				 budget;	/* what descriptors allow */
	int				 nconns;
	struct http_addr		*addrs[HTTP_ADDR_BUCKETS];
	struct bufferevent		*pending[HTTP_BURST];
	int				 npending;
	struct event			*settle_ev;
	struct event			*resume_ev;	/* accepting after a pause */
	long long			 pause_logged;
	int				 pauses;	/* since the last log line */
	long long			 full_logged;
};

static struct http	*http_self;

static void	http_dispatch(struct evhttp_request *, void *);
static struct bufferevent *http_accepted(struct event_base *, void *);
static void	http_settle_cb(evutil_socket_t, short, void *);
static void	http_resume(evutil_socket_t, short, void *);
static void	http_accept_error(struct evconnlistener *, void *);
static void	http_settle(struct http *, struct bufferevent *);

void
http_route(struct http *h, int methods, const char *path, int flags,
    const char *name, http_handler fn)
{
	struct route	*r;

	h->routes = xreallocarray(h->routes, h->nroutes + 1, sizeof *h->routes);
	r = &h->routes[h->nroutes++];
	r->methods = methods;
	r->path = xstrdup(path);
	r->flags = flags;
	r->name = name;
	r->fn = fn;
}

struct http *
http_new(struct hotline *hl, struct event_base *base)
{
	struct http	*h;

	h = xcalloc(1, sizeof *h);
	h->hl = hl;
	h->base = base;
	if ((h->evh = evhttp_new(base)) == NULL)
		fatalx("http_new: evhttp_new failed");
	evhttp_set_allowed_methods(h->evh, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_default_content_type(h->evh, "text/plain; charset=utf-8");
	evhttp_set_gencb(h->evh, http_dispatch, h);
	evhttp_set_bevcb(h->evh, http_accepted, h);
	h->settle_ev = event_new(base, -1, 0, http_settle_cb, h);
	h->resume_ev = evtimer_new(base, http_resume, h);
	h->budget = INT_MAX;
	return (h);
}

void
http_configure(struct http *h, struct config *cfg)
{
	evhttp_set_max_body_size(h->evh, (ev_ssize_t)cfg->max_body);
	evhttp_set_max_headers_size(h->evh, (ev_ssize_t)cfg->max_headers);
	evhttp_set_timeout(h->evh, cfg->timeout);
	h->max_connections = cfg->max_connections;
	h->max_per_address = cfg->max_per_address;
	if (h->max_connections > h->budget)
		log_warn("http: max_connections %d, but the descriptor limit "
		    "allows %d: serving at most %d (raise LimitNOFILE or "
		    "ulimit -n)", h->max_connections, h->budget, h->budget);
}

void
http_set_budget(struct http *h, int connections)
{
	h->budget = connections < 1 ? 1 : connections;
}

/* The connection cap in force. */
static int
http_cap(struct http *h)
{
	return (h->max_connections < h->budget ? h->max_connections :
	    h->budget);
}

int
http_listen(struct http *h, const char *hostport)
{
	char		 host[256];
	int		 port;
	struct sockaddr_storage ss;
	socklen_t	 sl = sizeof ss;
	evutil_socket_t	 fd;

	if (util_hostport(hostport, host, sizeof host, &port) != 0) {
		log_error("http_listen: bad address '%s'", hostport);
		return (-1);
	}
	h->bound = evhttp_bind_socket_with_handle(h->evh, host, (ev_uint16_t)port);
	if (h->bound == NULL) {
		log_error("http_listen: cannot listen on %s", hostport);
		return (-1);
	}
	/* evhttp passes itself, not h, to the listener's callbacks. */
	http_self = h;
	h->listener = evhttp_bound_socket_get_listener(h->bound);
	evconnlistener_set_error_cb(h->listener, http_accept_error);
	fd = evhttp_bound_socket_get_fd(h->bound);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			h->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			h->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return (0);
}

int
http_port(struct http *h)
{
	return (h->port);
}

void
http_stop_listening(struct http *h)
{
	if (h->bound != NULL) {
		evhttp_del_accept_socket(h->evh, h->bound);
		h->bound = NULL;
		h->listener = NULL;
	}
}

int
http_in_flight(struct http *h)
{
	return (h->in_flight);
}

void
http_free(struct http *h)
{
	size_t	i;

	/* Pending connections are evhttp's; only the hold on them is ours. */
	for (i = 0; i < (size_t)h->npending; i++)
		bufferevent_decref(h->pending[i]);
	h->npending = 0;
	evhttp_free(h->evh);
	event_free(h->settle_ev);
	event_free(h->resume_ev);
	if (http_self == h)
		http_self = NULL;
	for (i = 0; i < h->nroutes; i++)
		free(h->routes[i].path);
	free(h->routes);
	free(h);
}

/* --- connection limits ------------------------------------------------ */

static struct http_addr **
http_addr_slot(struct http *h, const char *ip)
{
	struct http_addr	**a;
	unsigned int		  k = 2166136261u;
	const char		 *p;

	for (p = ip; *p != '\0'; p++)
		k = (k ^ (unsigned char)*p) * 16777619u;
	for (a = &h->addrs[k % HTTP_ADDR_BUCKETS]; *a != NULL; a = &(*a)->next) {
		if (strcmp((*a)->ip, ip) == 0)
			break;
	}
	return (a);
}

static void
http_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct http_conn	 *c = arg;
	struct http		 *h = c->h;
	struct http_addr	**a, *dead;

	h->nconns--;
	if (c->addr != NULL && --c->addr->n == 0) {
		a = http_addr_slot(h, c->addr->ip);
		dead = *a;
		*a = dead->next;
		free(dead);
	}
	free(c);
	metrics_set("hotline_http_connections", "", h->nconns);
}

/*
 * Refuse a connection nobody has sent a request on yet: a 503 written
 * straight to the socket, then evhttp frees the connection.  What the
 * client already sent is read and dropped first: closing a socket with
 * unread data resets it, and a reset can overtake the answer.
 */
static void
http_refuse(struct http *h, struct evhttp_connection *evcon,
    struct bufferevent *bev, const char *why, const char *reason)
{
	char		 buf[512], drain[4096], labels[64];
	evutil_socket_t	 fd = bufferevent_getfd(bev);
	long long	 now;
	int		 n, i;

	if (fd != -1) {
		for (i = 0; i < 16; i++) {
			if (recv(fd, drain, sizeof drain, MSG_DONTWAIT) <= 0)
				break;
		}
		n = snprintf(buf, sizeof buf, "HTTP/1.1 503 Service Unavailable"
		    "\r\nContent-Type: text/plain; charset=utf-8\r\n"
		    "Content-Length: %zu\r\nRetry-After: 1\r\n"
		    "Connection: close\r\n\r\n503 Service Unavailable: %s\n",
		    strlen(why) + 26, why);
		if (n > 0 && (size_t)n < sizeof buf)
			(void)send(fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	evhttp_connection_free(evcon);
	snprintf(labels, sizeof labels, "reason=\"%s\"", reason);
	metrics_add("hotline_http_rejected_total", labels, 1);
	now = util_mono_ms();
	if (h->full_logged == 0 || now - h->full_logged >= HTTP_LOG_EVERY_MS) {
		h->full_logged = now;
		log_warn("http: refusing new connections with 503: %s (%d "
		    "open; said once a minute)%s", why, h->nconns,
		    strcmp(reason, "address") == 0 ? "; if that address is a "
		    "reverse proxy, list it in trusted_proxies" : "");
	}
}

/*
 * Admit or refuse one accepted connection.  force admits it whatever the
 * limits: its request is being dispatched, and refusing now would free
 * the connection under evhttp.
 */
static void
http_settle_one(struct http *h, struct bufferevent *bev, int force)
{
	struct evhttp_connection	 *evcon;
	struct http_conn		 *c;
	struct http_addr		**a;
	struct config			 *cfg = hotline_config(h->hl);
	bufferevent_data_cb		  readcb;
	void				 *arg = NULL;
	char				 *peer = NULL, ip[sizeof (*a)->ip];
	ev_uint16_t			  port;
	int				  proxy;

	/* A connection evhttp already dropped has no callbacks left. */
	bufferevent_getcb(bev, &readcb, NULL, NULL, &arg);
	if (readcb == NULL || arg == NULL)
		return;
	evcon = arg;
	if (evhttp_connection_get_bufferevent(evcon) != bev ||
	    evhttp_connection_get_server(evcon) != h->evh)
		return;
	evhttp_connection_get_peer(evcon, &peer, &port);
	/* The key as it is kept, so a long one is found again. */
	snprintf(ip, sizeof ip, "%s", peer != NULL ? peer : "-");
	proxy = util_cidr_match(cfg->trusted_proxies, cfg->ntrusted_proxies,
	    ip);
	a = http_addr_slot(h, ip);
	if (!force && h->nconns >= http_cap(h)) {
		http_refuse(h, evcon, bev, "too many connections",
		    "connections");
		return;
	}
	if (!force && !proxy && *a != NULL && (*a)->n >= h->max_per_address) {
		http_refuse(h, evcon, bev, "too many connections from your "
		    "address", "address");
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->h = h;
	if (!proxy) {
		if (*a == NULL) {
			*a = xcalloc(1, sizeof **a);
			snprintf((*a)->ip, sizeof (*a)->ip, "%s", ip);
		}
		(*a)->n++;
		c->addr = *a;
	}
	h->nconns++;
	evhttp_connection_set_closecb(evcon, http_conn_closed, c);
	metrics_set("hotline_http_connections", "", h->nconns);
}

/* Settle every pending connection; current (may be NULL) is admitted. */
static void
http_settle(struct http *h, struct bufferevent *current)
{
	struct bufferevent	*bev;
	int			 i, n = h->npending;

	h->npending = 0;
	for (i = 0; i < n; i++) {
		bev = h->pending[i];
		http_settle_one(h, bev, bev == current);
		bufferevent_decref(bev);
	}
}

static void
http_settle_cb(evutil_socket_t fd, short what, void *arg)
{
	http_settle(arg, NULL);
}

/*
 * evhttp accepted a connection and asks for its bufferevent: counted from
 * here.  The reference keeps it for http_settle even if evhttp frees the
 * connection first.  The connections accepted before this one are made
 * by now: a burst is settled here, so a refused one gives its descriptor
 * back before the next accept.
 */
static struct bufferevent *
http_accepted(struct event_base *base, void *arg)
{
	struct http		*h = arg;
	struct bufferevent	*bev;

	if (h->npending == HTTP_BURST)
		http_settle(h, NULL);
	if ((bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)) ==
	    NULL)
		return (NULL);
	bufferevent_incref(bev);
	h->pending[h->npending++] = bev;
	event_active(h->settle_ev, EV_TIMEOUT, 0);
	return (bev);
}

/*
 * accept(2) failed, usually out of descriptors.  libevent would try again
 * at once, and again, for as long as the queue holds a connection: stop
 * accepting for a moment instead (closing connections frees descriptors
 * meanwhile), and say so once a minute at most.
 */
static void
http_accept_error(struct evconnlistener *lev, void *arg)
{
	struct http	*h = http_self;
	struct timeval	 tv = { 0, HTTP_PAUSE_MS * 1000 };
	int		 err = EVUTIL_SOCKET_ERROR();
	long long	 now;

	if (h == NULL || h->listener != lev)
		return;
	evconnlistener_disable(lev);
	evtimer_add(h->resume_ev, &tv);
	metrics_add("hotline_http_accept_paused_total", "", 1);
	now = util_mono_ms();
	if (h->pause_logged == 0 || now - h->pause_logged >= HTTP_LOG_EVERY_MS) {
		if (h->pauses > 0)
			log_warn("http: accept failed (%s): paused accepting "
			    "for %d ms, %d times in the last minute",
			    strerror(err), HTTP_PAUSE_MS, h->pauses + 1);
		else
			log_warn("http: accept failed (%s): paused accepting "
			    "for %d ms (said at most once a minute)",
			    strerror(err), HTTP_PAUSE_MS);
		h->pause_logged = now;
		h->pauses = 0;
	} else
		h->pauses++;
}

static void
http_resume(evutil_socket_t fd, short what, void *arg)
{
	struct http	*h = arg;

	if (h->listener != NULL)
		evconnlistener_enable(h->listener);
}

/* --- requests ----------------------------------------------------------- */

const char *
http_header(struct hreq *r, const char *name)
{
	return (evhttp_find_header(evhttp_request_get_input_headers(r->req),
	    name));
}

void
http_add_header(struct hreq *r, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(r->req), name,
	    value);
}

const char *
http_peer(struct hreq *r)
{
	struct evhttp_connection	*c;
	char				*addr = NULL;
	ev_uint16_t			 port;

	if ((c = evhttp_request_get_connection(r->req)) == NULL)
		return ("-");
	evhttp_connection_get_peer(c, &addr, &port);
	return (addr != NULL ? addr : "-");
}

/*
 * Who sent the request.  Behind a trusted proxy that is the last address
 * in X-Forwarded-For that is not itself a trusted proxy (each proxy
 * appends the address it saw; what a client wrote is further left and is
 * never reached while a proxy's entry is valid).  From anyone else the
 * header means nothing.
 */
const char *
http_client(struct hreq *r)
{
	struct evkeyvalq	*in;
	struct evkeyval		*kv;
	const struct config	*cfg = r->cfg;
	char			*all = NULL, *old, *tok, *end, *sep;

	if (r->client[0] != '\0')
		return (r->client);
	snprintf(r->client, sizeof r->client, "%s", http_peer(r));
	if (!util_cidr_match(cfg->trusted_proxies, cfg->ntrusted_proxies,
	    r->client))
		return (r->client);
	in = evhttp_request_get_input_headers(r->req);
	for (kv = in->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
		if (strcasecmp(kv->key, "X-Forwarded-For") != 0)
			continue;
		old = all;
		xasprintf(&all, "%s%s%s", old != NULL ? old : "",
		    old != NULL ? "," : "", kv->value);
		free(old);
	}
	if (all == NULL)
		return (r->client);
	for (;;) {
		sep = strrchr(all, ',');
		tok = sep != NULL ? sep + 1 : all;
		while (*tok == ' ' || *tok == '\t')
			tok++;
		end = tok + strlen(tok);
		while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!util_addr_valid(tok) || strlen(tok) >= sizeof r->client)
			break;
		snprintf(r->client, sizeof r->client, "%s", tok);
		if (sep == NULL || !util_cidr_match(cfg->trusted_proxies,
		    cfg->ntrusted_proxies, tok))
			break;
		*sep = '\0';
	}
	free(all);
	return (r->client);
}

static void
hreq_free(struct hreq *r)
{
	int	i;

	config_unref(r->cfg);
	free(r->uri);
	free(r->path);
	free(r->query);
	free(r->body);
	form_free(&r->args);
	form_free(&r->form);
	for (i = 0; i < HTTP_MAX_PARAMS; i++)
		free(r->params[i]);
	free(r);
}

static const char *
http_reason(int status)
{
	switch (status) {
	case 200: return ("OK");
	case 201: return ("Created");
	case 202: return ("Accepted");
	case 204: return ("No Content");
	case 303: return ("See Other");
	case 304: return ("Not Modified");
	case 400: return ("Bad Request");
	case 401: return ("Unauthorized");
	case 403: return ("Forbidden");
	case 404: return ("Not Found");
	case 405: return ("Method Not Allowed");
	case 409: return ("Conflict");
	case 413: return ("Payload Too Large");
	case 415: return ("Unsupported Media Type");
	case 429: return ("Too Many Requests");
	case 503: return ("Service Unavailable");
	default: return (status >= 500 ? "Internal Server Error" : "OK");
	}
}

void
http_reply(struct hreq *r, int status, const char *content_type,
    const char *body, size_t len)
{
	struct evbuffer		*buf;
	struct evkeyvalq	*out;
	char			 labels[128];
	long long		 ms;

	if (r->replied)
		fatalx("http_reply: %s answered twice", r->route);
	r->replied = 1;
	out = evhttp_request_get_output_headers(r->req);
	if (content_type != NULL) {
		evhttp_remove_header(out, "Content-Type");
		evhttp_add_header(out, "Content-Type", content_type);
	}
	if (evhttp_find_header(out, "Cache-Control") == NULL)
		evhttp_add_header(out, "Cache-Control", "no-store");
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	buf = evbuffer_new();
	if (body != NULL && len > 0 && r->method != EVHTTP_REQ_HEAD)
		evbuffer_add(buf, body, len);
	evhttp_send_reply(r->req, status, http_reason(status), buf);
	evbuffer_free(buf);

	ms = util_mono_ms() - r->start_ms;
	snprintf(labels, sizeof labels, "route=\"%s\",code=\"%d\"", r->route,
	    status);
	metrics_add("hotline_http_requests_total", labels, 1);
	snprintf(labels, sizeof labels, "route=\"%s\"", r->route);
	metrics_observe("hotline_http_request_seconds", labels, ms / 1000.0);
	log_debug("http: %s %s %d %lldms", r->method == EVHTTP_REQ_GET ? "GET" :
	    "POST", r->route, status, ms);
	r->http->in_flight--;
	hreq_free(r);
}

void
http_error(struct hreq *r, int status, const char *why)
{
	char	*body;
	int	 n;

	n = xasprintf(&body, "%d %s: %s\n", status, http_reason(status), why);
	http_reply(r, status, "text/plain; charset=utf-8", body, (size_t)n);
	free(body);
}

void
http_json(struct hreq *r, int status, json_t *j)
{
	char	*s;

	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	http_reply(r, status, "application/json", s, s != NULL ? strlen(s) : 0);
	free(s);
}

void
http_twiml(struct hreq *r, const char *doc, size_t len)
{
	http_reply(r, 200, "text/xml; charset=utf-8", doc, len);
}

void
http_redirect(struct hreq *r, const char *location)
{
	http_add_header(r, "Location", location);
	http_reply(r, 303, "text/plain; charset=utf-8", "", 0);
}

/*
 * Match path against a route pattern; "{}" takes one segment.  Returns 1
 * and fills params on a match.
 */
static int
http_match(const struct route *rt, const char *path, char **params)
{
	const char	*p = rt->path, *s = path, *end;
	int		 n = 0, i;

	while (*p != '\0') {
		if (p[0] == '{' && p[1] == '}') {
			end = strchr(s, '/');
			if (end == NULL)
				end = s + strlen(s);
			if (end == s || n == HTTP_MAX_PARAMS)
				goto nomatch;
			params[n++] = xstrndup(s, (size_t)(end - s));
			s = end;
			p += 2;
			continue;
		}
		if (*p != *s)
			goto nomatch;
		p++;
		s++;
	}
	if (*s == '\0' || (rt->flags & ROUTE_PREFIX))
		return (1);
nomatch:
	for (i = 0; i < n; i++) {
		free(params[i]);
		params[i] = NULL;
	}
	return (0);
}

/*
 * A provider webhook: the body must be a form and X-Twilio-Signature must
 * match public_url + the URI as requested.  With checking switched off
 * (local development only) every webhook is logged as unchecked.
 */
static int
http_check_provider(struct hreq *r)
{
	const char	*sig, *err = NULL, *ct;
	char		*url;
	int		 ok;

	ct = http_header(r, "Content-Type");
	if (r->body_len > 0 && (ct == NULL || strncasecmp(ct,
	    "application/x-www-form-urlencoded", 33) != 0)) {
		http_error(r, 415, "expected an application/x-www-form-urlencoded body");
		return (-1);
	}
	if (form_parse(&r->form, r->body, r->body_len, &err) != 0) {
		http_error(r, 400, err != NULL ? err : "malformed form body");
		return (-1);
	}
	if (!r->cfg->verify_signatures) {
		log_warn("http: %s: signature NOT checked (verify_signatures "
		    "is off: local development only)", r->route);
		return (0);
	}
	sig = http_header(r, "X-Twilio-Signature");
	if (r->cfg->auth_token == NULL || *r->cfg->auth_token == '\0') {
		log_error("http: %s refused: no auth token configured "
		    "(set TWILIO_AUTH_TOKEN)", r->route);
		http_error(r, 403, "signature cannot be checked");
		return (-1);
	}
	xasprintf(&url, "%s%s", r->cfg->public_url, r->uri);
	ok = sig_valid_form(r->cfg->auth_token, url, &r->form, sig);
	free(url);
	if (!ok) {
		metrics_add("hotline_webhook_rejected_total", "reason=\"signature\"",
		    1);
		log_warn("http: %s refused: %s X-Twilio-Signature from %s",
		    r->route, sig == NULL ? "missing" : "invalid", http_peer(r));
		http_error(r, 403, "invalid or missing X-Twilio-Signature");
		return (-1);
	}
	return (0);
}

/*
 * A request whose body two parties could measure differently (RFC 9112
 * section 6): evhttp reads the first of several Content-Length headers and
 * takes a Transfer-Encoding other than exactly "chunked" as none.  Such a
 * request is refused with 400 and its connection closed, since where the
 * next request on it starts cannot be known.  0, or -1 after answering.
 */
static int
http_framing(struct hreq *r)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(r->req);
	struct evkeyval		*kv;
	const char		*te = NULL, *why = NULL;
	int			 ncl = 0, nte = 0;

	for (kv = in->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
		if (strcasecmp(kv->key, "Content-Length") == 0)
			ncl++;
		else if (strcasecmp(kv->key, "Transfer-Encoding") == 0) {
			nte++;
			te = kv->value;
		}
	}
	if (ncl > 1)
		why = "more than one Content-Length";
	else if (nte > 1 || (nte == 1 && strcasecmp(te, "chunked") != 0))
		why = "Transfer-Encoding must be chunked alone";
	else if (nte == 1 && ncl == 1)
		why = "both Content-Length and Transfer-Encoding";
	if (why == NULL)
		return (0);
	r->route = "framing";
	http_add_header(r, "Connection", "close");
	http_error(r, 400, why);
	return (-1);
}

static void
http_dispatch(struct evhttp_request *req, void *arg)
{
	struct http			*h = arg;
	struct hreq			*r;
	const struct evhttp_uri		*u;
	struct evbuffer			*in;
	const char			*p, *q, *err;
	char				*params[HTTP_MAX_PARAMS];
	size_t				 i, len;
	int				 path_found = 0, k, status;

	if (h->npending > 0)
		http_settle(h, evhttp_connection_get_bufferevent(
		    evhttp_request_get_connection(req)));
	/*
	 * evhttp answers in whatever version the request line named, as
	 * sscanf read it: "HTTP/0.1" got "HTTP/0.1 200" with no length and
	 * "HTTP/1.-5" got "HTTP/1.-5 200" (found by fuzz_http).  We speak
	 * HTTP/1.1 and take 1.0; a later 1.x is answered as 1.1 (RFC 9110
	 * 2.5), anything else is refused and the connection closed.
	 */
	if (req->major != 1 || req->minor < 0) {
		status = req->major != 1 ? 505 : 400;
		req->major = 1;
		req->minor = 1;
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Connection", "close");
		evhttp_send_error(req, status, status == 505 ?
		    "HTTP version not supported" : "bad HTTP version");
		return;
	}
	if (req->minor > 1)
		req->minor = 1;
	r = xcalloc(1, sizeof *r);
	r->req = req;
	r->http = h;
	r->hl = h->hl;
	r->cfg = config_ref(hotline_config(h->hl));
	r->method = (int)evhttp_request_get_command(req);
	r->route = "unknown";
	r->start_ms = util_mono_ms();
	h->in_flight++;

	u = evhttp_request_get_evhttp_uri(req);
	p = u != NULL ? evhttp_uri_get_path(u) : NULL;
	q = u != NULL ? evhttp_uri_get_query(u) : NULL;
	r->uri = xstrdup(evhttp_request_get_uri(req));
	if (http_framing(r) != 0)
		return;
	if (p == NULL || *p != '/') {
		http_error(r, 400, "bad request target");
		return;
	}
	r->path = evhttp_uridecode(p, 0, &len);
	if (r->path == NULL || strlen(r->path) != len ||
	    !util_utf8_valid(r->path)) {
		http_error(r, 400, "bad path encoding");
		return;
	}
	if (q != NULL) {
		r->query = xstrdup(q);
		if (form_parse(&r->args, q, strlen(q), &err) != 0) {
			http_error(r, 400, err);
			return;
		}
	}
	in = evhttp_request_get_input_buffer(req);
	r->body_len = evbuffer_get_length(in);
	if (r->body_len > r->cfg->max_body) {
		http_error(r, 413, "body too large");
		return;
	}
	r->body = xmalloc(r->body_len + 1);
	evbuffer_remove(in, r->body, r->body_len);
	r->body[r->body_len] = '\0';

	for (i = 0; i < h->nroutes; i++) {
		memset(params, 0, sizeof params);
		if (!http_match(&h->routes[i], r->path, params))
			continue;
		path_found = 1;
		if (!(h->routes[i].methods & r->method)) {
			for (k = 0; k < HTTP_MAX_PARAMS; k++)
				free(params[k]);
			continue;
		}
		memcpy(r->params, params, sizeof params);
		r->route = h->routes[i].name;
		if (h->routes[i].flags & ROUTE_PROVIDER) {
			if (http_check_provider(r) != 0)
				return;
		} else if ((h->routes[i].flags & ROUTE_FORM) &&
		    r->method == EVHTTP_REQ_POST) {
			if (form_parse(&r->form, r->body, r->body_len,
			    &err) != 0) {
				http_error(r, 400, err);
				return;
			}
		}
		h->routes[i].fn(r);
		return;
	}
	if (path_found) {
		r->route = "method";
		http_error(r, 405, "method not allowed here");
	} else {
		r->route = "notfound";
		http_error(r, 404, "no such path");
	}
}
