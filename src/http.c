/*
 * http.c -- the HTTP server on evhttp.
 *
 * evhttp enforces body and header size (413 / 400) and idle timeouts; this
 * file adds a connection cap, a routing table with {} path pieces,
 * signature checks for provider webhooks, and replies that always carry a
 * short reason.  Every request is counted in /metrics by route and status.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>

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

/* Open connections we have seen a request on, for the cap. */
#define HTTP_CONN_SET 4096

struct http {
	struct hotline			*hl;
	struct event_base		*base;
	struct evhttp			*evh;
	struct evhttp_bound_socket	*bound;
	struct route			*routes;
	size_t				 nroutes;
	int				 port;
	int				 in_flight;
	int				 max_connections;
	int				 nconns;
	struct evhttp_connection	*conns[HTTP_CONN_SET];
};

static void	http_dispatch(struct evhttp_request *, void *);

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
	return (h);
}

void
http_configure(struct http *h, struct config *cfg)
{
	evhttp_set_max_body_size(h->evh, (ev_ssize_t)cfg->max_body);
	evhttp_set_max_headers_size(h->evh, (ev_ssize_t)cfg->max_headers);
	evhttp_set_timeout(h->evh, cfg->timeout);
	h->max_connections = cfg->max_connections;
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

	evhttp_free(h->evh);
	for (i = 0; i < h->nroutes; i++)
		free(h->routes[i].path);
	free(h->routes);
	free(h);
}

/* --- connection cap ----------------------------------------------------- */

static void
http_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct http	*h = arg;
	size_t		 i = ((uintptr_t)evcon >> 4) % HTTP_CONN_SET, n;

	for (n = 0; n < HTTP_CONN_SET; n++, i = (i + 1) % HTTP_CONN_SET) {
		if (h->conns[i] == evcon) {
			h->conns[i] = NULL;
			h->nconns--;
			return;
		}
	}
}

/* 0 when the connection may go on, -1 when over the cap. */
static int
http_conn_track(struct http *h, struct evhttp_connection *evcon)
{
	size_t	i = ((uintptr_t)evcon >> 4) % HTTP_CONN_SET, n, slot = SIZE_MAX;

	for (n = 0; n < HTTP_CONN_SET; n++, i = (i + 1) % HTTP_CONN_SET) {
		if (h->conns[i] == evcon)
			return (0);
		if (h->conns[i] == NULL && slot == SIZE_MAX)
			slot = i;
	}
	if (slot == SIZE_MAX || h->nconns >= h->max_connections)
		return (-1);
	h->conns[slot] = evcon;
	h->nconns++;
	evhttp_connection_set_closecb(evcon, http_conn_closed, h);
	return (0);
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

	if (http_conn_track(h, evhttp_request_get_connection(req)) != 0) {
		evhttp_send_error(req, 503, "too many connections");
		metrics_add("hotline_http_rejected_total",
		    "reason=\"connections\"", 1);
		return;
	}
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
