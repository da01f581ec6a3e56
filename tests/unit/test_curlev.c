/*
 * test_curlev.c -- curlev against real servers on the loopback.
 *
 * The HTTP server is libevent's evhttp on the same event_base as the
 * client, so one loop drives both sides.  The SMTP server runs on its own
 * base in a thread: libcurl waits for the reply to QUIT synchronously when
 * it closes an SMTP connection, which a server on the client's own loop
 * could never send.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "curlev.h"
#include "log.h"

/* ---- HTTP server side ---- */

struct seen {
	int		 n;
	char		 method[16];
	char		 uri[512];
	char		 auth[256];
	char		 custom[256];
	char		 ctype[256];
	char		 body[4096];
	size_t		 body_len;
	int		 cur;		/* /slow requests being answered */
	int		 maxcur;
	int		 arrival[64];	/* n= of each /slow, in arrival order */
	int		 narrival;
	ev_uint16_t	 ports[64];	/* client port of each request */
	int		 delayed;	/* replies still scheduled */
};

struct delayed {
	struct evhttp_request	*req;
	struct event		*ev;
	int			 slow;
};

static struct event_base	*base;
static struct evhttp		*http;
static int			 http_port;
static struct curlev		*cv;
static struct seen		 seen;
static int			 timed_out;

static void
copy_header(struct evhttp_request *req, const char *name, char *dst,
    size_t dstlen)
{
	const char	*v;

	v = evhttp_find_header(evhttp_request_get_input_headers(req), name);
	snprintf(dst, dstlen, "%s", v != NULL ? v : "");
}

static const char *
method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET:
		return ("GET");
	case EVHTTP_REQ_POST:
		return ("POST");
	case EVHTTP_REQ_PUT:
		return ("PUT");
	case EVHTTP_REQ_DELETE:
		return ("DELETE");
	case EVHTTP_REQ_HEAD:
		return ("HEAD");
	default:
		return ("OTHER");
	}
}

static void
reply(struct evhttp_request *req, int code, const char *body)
{
	struct evbuffer	*b;

	b = evbuffer_new();
	evbuffer_add(b, body, strlen(body));
	evhttp_send_reply(req, code, NULL, b);
	evbuffer_free(b);
}

static void
delayed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct delayed	*d = arg;

	(void)fd;
	(void)what;
	if (d->slow)
		seen.cur--;
	reply(d->req, 200, "late");
	event_free(d->ev);
	free(d);
	seen.delayed--;
}

static void
delay_reply(struct evhttp_request *req, int ms, int slow)
{
	struct delayed	*d;
	struct timeval	 tv;

	d = calloc(1, sizeof *d);
	ck_assert_ptr_nonnull(d);
	d->req = req;
	d->slow = slow;
	d->ev = evtimer_new(base, delayed_cb, d);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(d->ev, &tv);
	seen.delayed++;
}

static void
server_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer	*in, *big;
	const char	*uri, *p;
	char		*addr;
	ev_uint16_t	 port = 0;
	size_t		 len;

	(void)arg;
	uri = evhttp_request_get_uri(req);
	snprintf(seen.method, sizeof seen.method, "%s",
	    method_name(evhttp_request_get_command(req)));
	snprintf(seen.uri, sizeof seen.uri, "%s", uri);
	copy_header(req, "Authorization", seen.auth, sizeof seen.auth);
	copy_header(req, "X-Test", seen.custom, sizeof seen.custom);
	copy_header(req, "Content-Type", seen.ctype, sizeof seen.ctype);
	in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	if (len > sizeof seen.body - 1)
		len = sizeof seen.body - 1;
	evbuffer_copyout(in, seen.body, len);
	seen.body[len] = '\0';
	seen.body_len = len;
	evhttp_connection_get_peer(evhttp_request_get_connection(req), &addr,
	    &port);
	if (seen.n < 64)
		seen.ports[seen.n] = port;
	seen.n++;

	if (strncmp(uri, "/echo", 5) == 0)
		reply(req, 200, "hello");
	else if (strncmp(uri, "/status/", 8) == 0)
		reply(req, atoi(uri + 8), "status body");
	else if (strncmp(uri, "/delay/", 7) == 0)
		delay_reply(req, atoi(uri + 7), 0);
	else if (strncmp(uri, "/slow", 5) == 0) {
		if ((p = strstr(uri, "n=")) != NULL && seen.narrival < 64)
			seen.arrival[seen.narrival++] = atoi(p + 2);
		if (++seen.cur > seen.maxcur)
			seen.maxcur = seen.cur;
		delay_reply(req, 50, 1);
	} else if (strncmp(uri, "/big", 4) == 0) {
		big = evbuffer_new();
		for (len = 0; len < 2 * 1024 * 1024; len += 1024)
			evbuffer_add_printf(big, "%01024d", 0);
		evhttp_send_reply(req, 200, NULL, big);
		evbuffer_free(big);
	} else
		reply(req, 404, "no such path");
}

/* ---- client side ---- */

struct result {
	int	 done;
	long	 status;
	int	 code;
	char	 error[CURL_ERROR_SIZE];
	char	 body[256];
	size_t	 body_len;
	double	 seconds;
	int	 order;
};

static int	ndone;

static void
on_done(const struct curlev_resp *r, void *arg)
{
	struct result	*res = arg;

	res->done++;
	res->status = r->status;
	res->code = r->curl_code;
	snprintf(res->error, sizeof res->error, "%s", r->error);
	snprintf(res->body, sizeof res->body, "%s", r->body);
	res->body_len = r->body_len;
	res->seconds = r->seconds;
	res->order = ndone++;
}

static void
watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	timed_out = 1;
}

/* Run the loop until *counter reaches want (or, with want < 0, drops to 0). */
static int
run_until(const int *counter, int want, int ms)
{
	struct event	*wd;
	struct timeval	 tv;

	wd = evtimer_new(base, watchdog_cb, NULL);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	timed_out = 0;
	evtimer_add(wd, &tv);
	while (!timed_out && (want < 0 ? *counter > 0 : *counter < want))
		event_base_loop(base, EVLOOP_ONCE);
	event_free(wd);
	return (want < 0 ? *counter <= 0 : *counter >= want);
}

static char *
url(const char *path)
{
	static char	buf[256];

	snprintf(buf, sizeof buf, "http://127.0.0.1:%d%s", http_port, path);
	return (buf);
}

static int
bound_port(evutil_socket_t fd)
{
	struct sockaddr_in	sin;
	socklen_t		slen = sizeof sin;

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &slen), 0);
	return (ntohs(sin.sin_port));
}

static void
setup(void)
{
	struct evhttp_bound_socket	*h;

	memset(&seen, 0, sizeof seen);
	ndone = 0;
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	http = evhttp_new(base);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(http, server_cb, NULL);
	h = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	ck_assert_ptr_nonnull(h);
	http_port = bound_port(evhttp_bound_socket_get_fd(h));
	cv = curlev_new(base, 4);
}

static void
teardown(void)
{
	curlev_free(cv);
	cv = NULL;
	/* Replies still scheduled own their requests: let them go out. */
	run_until(&seen.delayed, -1, 5000);
	evhttp_free(http);
	event_base_free(base);
}

START_TEST(test_get_auth_header)
{
	struct curlev_req	 req;
	struct result		 res;
	const char		*headers[] = { "X-Test: abc 123", NULL };

	memset(&req, 0, sizeof req);
	memset(&res, 0, sizeof res);
	req.url = url("/echo?x=1");
	req.userpwd = "user:pass";
	req.headers = headers;
	ck_assert_int_eq(curlev_http(cv, &req, on_done, &res), 0);
	ck_assert_int_eq(curlev_pending(cv), 1);
	ck_assert(run_until(&res.done, 1, 5000));

	ck_assert_int_eq(seen.n, 1);
	ck_assert_str_eq(seen.method, "GET");
	ck_assert_str_eq(seen.uri, "/echo?x=1");
	ck_assert_str_eq(seen.auth, "Basic dXNlcjpwYXNz");
	ck_assert_str_eq(seen.custom, "abc 123");
	ck_assert_uint_eq(seen.body_len, 0);

	ck_assert_int_eq(res.done, 1);
	ck_assert_int_eq(res.code, 0);
	ck_assert_int_eq(res.status, 200);
	ck_assert_str_eq(res.error, "");
	ck_assert_str_eq(res.body, "hello");
	ck_assert_uint_eq(res.body_len, 5);
	ck_assert(res.seconds > 0 && res.seconds < 5);
	ck_assert_int_eq(curlev_pending(cv), 0);
}
END_TEST

START_TEST(test_post_copies_request)
{
	struct curlev_req	 req;
	struct result		 res;
	char			*u, *body, *hdr, *ct, *cred;
	const char		*headers[2];
	const char		*form = "To=%2B15550100&Body=hi+there";

	/* Everything the caller passed is scribbled over before the send. */
	u = strdup(url("/echo"));
	body = strdup(form);
	hdr = strdup("X-Test: idem-42");
	ct = strdup("application/x-www-form-urlencoded");
	cred = strdup("AC123:secret");
	headers[0] = hdr;
	headers[1] = NULL;
	memset(&req, 0, sizeof req);
	memset(&res, 0, sizeof res);
	req.url = u;
	req.body = body;
	req.body_len = strlen(body);
	req.content_type = ct;
	req.userpwd = cred;
	req.headers = headers;
	ck_assert_int_eq(curlev_http(cv, &req, on_done, &res), 0);
	memset(u, 'z', strlen(u));
	memset(body, 'z', strlen(body));
	memset(hdr, 'z', strlen(hdr));
	memset(ct, 'z', strlen(ct));
	memset(cred, 'z', strlen(cred));
	free(u);
	free(body);
	free(hdr);
	free(ct);
	free(cred);
	ck_assert(run_until(&res.done, 1, 5000));

	ck_assert_int_eq(res.code, 0);
	ck_assert_int_eq(res.status, 200);
	ck_assert_str_eq(seen.method, "POST");
	ck_assert_str_eq(seen.uri, "/echo");
	ck_assert_str_eq(seen.body, form);
	ck_assert_uint_eq(seen.body_len, strlen(form));
	ck_assert_str_eq(seen.ctype, "application/x-www-form-urlencoded");
	ck_assert_str_eq(seen.auth, "Basic QUMxMjM6c2VjcmV0");
	ck_assert_str_eq(seen.custom, "idem-42");
}
END_TEST

START_TEST(test_other_methods)
{
	struct curlev_req	req;
	struct result		res;

	memset(&req, 0, sizeof req);
	memset(&res, 0, sizeof res);
	req.url = url("/echo");
	req.method = "DELETE";
	ck_assert_int_eq(curlev_http(cv, &req, on_done, &res), 0);
	ck_assert(run_until(&res.done, 1, 5000));
	ck_assert_int_eq(res.status, 200);
	ck_assert_str_eq(seen.method, "DELETE");

	/* An explicit POST with no body is still a POST. */
	memset(&res, 0, sizeof res);
	req.method = "POST";
	ck_assert_int_eq(curlev_http(cv, &req, on_done, &res), 0);
	ck_assert(run_until(&res.done, 1, 5000));
	ck_assert_int_eq(res.status, 200);
	ck_assert_str_eq(seen.method, "POST");
	ck_assert_uint_eq(seen.body_len, 0);

	memset(&res, 0, sizeof res);
	req.method = "PUT";
	req.body = "{\"a\":1}";
	req.body_len = 7;
	req.content_type = "application/json";
	ck_assert_int_eq(curlev_http(cv, &req, on_done, &res), 0);
	ck_assert(run_until(&res.done, 1, 5000));
	ck_assert_int_eq(res.status, 200);
	ck_assert_str_eq(seen.method, "PUT");
	ck_assert_str_eq(seen.body, "{\"a\":1}");
	ck_assert_str_eq(seen.ctype, "application/json");
}
END_TEST

START_TEST(test_status_codes)
{
	struct curlev_req	req;
	struct result		res[3];
	int			codes[3] = { 201, 429, 500 };
	char			path[32];
	int			i;

	memset(res, 0, sizeof res);
	for (i = 0; i < 3; i++) {
		memset(&req, 0, sizeof req);
		snprintf(path, sizeof path, "/status/%d", codes[i]);
		req.url = url(path);
		ck_assert_int_eq(curlev_http(cv, &req, on_done, &res[i]), 0);
	}
	ck_assert(run_until(&ndone, 3, 5000));
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(res[i].done, 1);
		ck_assert_int_eq(res[i].code, 0);
		ck_assert_int_eq(res[i].status, codes[i]);
		ck_assert_str_eq(res[i].body, "status body");
	}
}
END_TEST

START_TEST(test_connection_refused)
{
	struct curlev_req	req;
	struct result		res;
	struct sockaddr_in	sin;
	char			u[64];
	int			fd;

	/* Bound but not listening: the port is ours and refuses. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	snprintf(u, sizeof u, "http://127.0.0.1:%d/", bound_port(fd));

	memset(&req, 0, sizeof req);
	memset(&res, 0, sizeof res);
	req.url = u;
	ck_assert_int_eq(curlev_http(cv, &req, on_done, &res), 0);
	ck_assert(run_until(&res.done, 1, 5000));
	close(fd);
	ck_assert_int_eq(res.code, CURLE_COULDNT_CONNECT);
	ck_assert_int_eq(res.status, 0);
	ck_assert_str_ne(res.error, "");
	ck_assert_str_eq(res.body, "");
}
END_TEST

START_TEST(test_timeout)
{
	struct curlev_req	req;
	struct result		res;

	memset(&req, 0, sizeof req);
	memset(&res, 0, sizeof res);
	req.url = url("/delay/800");
	req.timeout_ms = 200;
	ck_assert_int_eq(curlev_http(cv, &req, on_done, &res), 0);
	ck_assert(run_until(&res.done, 1, 5000));
	ck_assert_int_eq(res.code, CURLE_OPERATION_TIMEDOUT);
	ck_assert_int_eq(res.status, 0);
	ck_assert_str_ne(res.error, "");
	ck_assert(res.seconds >= 0.15 && res.seconds < 0.7);
	/* The server's late reply finds the client gone. */
	ck_assert_int_eq(seen.delayed, 1);
	ck_assert(run_until(&seen.delayed, -1, 3000));
	ck_assert_int_eq(res.done, 1);
}
END_TEST

START_TEST(test_fifo_limit)
{
	struct curlev_req	req;
	struct result		res[10];
	char			path[32];
	int			i, j, pos;

	curlev_free(cv);
	cv = curlev_new(base, 2);
	memset(res, 0, sizeof res);
	for (i = 0; i < 10; i++) {
		memset(&req, 0, sizeof req);
		snprintf(path, sizeof path, "/slow?n=%d", i);
		req.url = url(path);
		ck_assert_int_eq(curlev_http(cv, &req, on_done, &res[i]), 0);
	}
	ck_assert_int_eq(curlev_pending(cv), 10);
	ck_assert(run_until(&ndone, 10, 10000));
	ck_assert_int_eq(curlev_pending(cv), 0);
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(res[i].done, 1);
		ck_assert_int_eq(res[i].status, 200);
		ck_assert_str_eq(res[i].body, "late");
	}
	ck_assert_int_eq(seen.n, 10);
	ck_assert_int_eq(seen.maxcur, 2);
	ck_assert_int_eq(seen.narrival, 10);
	/*
	 * With two in flight, request j starts only when every earlier one
	 * but at most one has finished, so it cannot arrive more than one
	 * place early.  A LIFO or unordered queue breaks this.
	 */
	for (j = 0; j < 10; j++) {
		for (pos = 0; pos < 10 && seen.arrival[pos] != j; pos++)
			;
		ck_assert_int_lt(pos, 10);
		ck_assert_int_ge(pos, j - 1);
	}
}
END_TEST

START_TEST(test_queue_wait_not_timed)
{
	struct curlev_req	req;
	struct result		slow, quick;

	/*
	 * A request that waits in the FIFO has not started: its timeout
	 * counts from when it leaves the queue, not from when it was made.
	 */
	curlev_free(cv);
	cv = curlev_new(base, 1);
	memset(&slow, 0, sizeof slow);
	memset(&quick, 0, sizeof quick);
	memset(&req, 0, sizeof req);
	req.url = url("/delay/500");
	req.timeout_ms = 3000;
	ck_assert_int_eq(curlev_http(cv, &req, on_done, &slow), 0);
	req.url = url("/echo");
	req.timeout_ms = 300;
	ck_assert_int_eq(curlev_http(cv, &req, on_done, &quick), 0);
	ck_assert(run_until(&ndone, 2, 5000));
	ck_assert_int_eq(slow.code, 0);
	ck_assert_int_eq(slow.order, 0);
	ck_assert_int_eq(quick.code, 0);
	ck_assert_int_eq(quick.status, 200);
	ck_assert_int_eq(quick.order, 1);
}
END_TEST

struct chain {
	struct result	res;
	int		left;
};

static void
chain_cb(const struct curlev_resp *r, void *arg)
{
	struct chain		*c = arg;
	struct curlev_req	 req;

	ck_assert_int_eq(r->status, 200);
	c->res.done++;
	if (--c->left > 0) {
		memset(&req, 0, sizeof req);
		req.url = url("/echo");
		ck_assert_int_eq(curlev_http(cv, &req, chain_cb, c), 0);
	}
}

START_TEST(test_connection_reused)
{
	struct curlev_req	req;
	struct chain		c;

	memset(&c, 0, sizeof c);
	c.left = 3;
	memset(&req, 0, sizeof req);
	req.url = url("/echo");
	ck_assert_int_eq(curlev_http(cv, &req, chain_cb, &c), 0);
	ck_assert(run_until(&c.res.done, 3, 5000));
	ck_assert_int_eq(seen.n, 3);
	ck_assert_uint_ne(seen.ports[0], 0);
	ck_assert_uint_eq(seen.ports[1], seen.ports[0]);
	ck_assert_uint_eq(seen.ports[2], seen.ports[0]);
}
END_TEST

START_TEST(test_body_cap)
{
	struct curlev_req	req;
	struct result		res;

	memset(&req, 0, sizeof req);
	memset(&res, 0, sizeof res);
	req.url = url("/big");
	ck_assert_int_eq(curlev_http(cv, &req, on_done, &res), 0);
	ck_assert(run_until(&res.done, 1, 5000));
	ck_assert_int_eq(res.code, CURLE_WRITE_ERROR);
	ck_assert_ptr_nonnull(strstr(res.error, "larger than 1048576"));
	ck_assert_uint_le(res.body_len, 1024 * 1024);
}
END_TEST

/*
 * A finished transfer's handle is reset and used again: nothing of one
 * request (method, credentials, headers, body, a failure) reaches the
 * next.
 */
START_TEST(test_reuse_forgets)
{
	struct curlev_req	 req;
	struct result		 res;
	const char		*headers[] = { "X-Test: only-once", NULL };
	int			 i;

	memset(&req, 0, sizeof req);
	memset(&res, 0, sizeof res);
	req.url = url("/echo");
	req.method = "PUT";
	req.userpwd = "AC123:secret";
	req.headers = headers;
	req.content_type = "application/json";
	req.body = "{\"a\":1}";
	req.body_len = 7;
	ck_assert_int_eq(curlev_http(cv, &req, on_done, &res), 0);
	ck_assert(run_until(&res.done, 1, 5000));
	ck_assert_str_eq(seen.method, "PUT");
	ck_assert_str_eq(seen.custom, "only-once");

	for (i = 0; i < 2; i++) {
		memset(&req, 0, sizeof req);
		memset(&res, 0, sizeof res);
		req.url = url("/echo?again=1");
		ck_assert_int_eq(curlev_http(cv, &req, on_done, &res), 0);
		ck_assert(run_until(&res.done, 1, 5000));
		ck_assert_int_eq(res.code, 0);
		ck_assert_int_eq(res.status, 200);
		ck_assert_str_eq(res.body, "hello");
		ck_assert_str_eq(seen.method, "GET");
		ck_assert_str_eq(seen.uri, "/echo?again=1");
		ck_assert_str_eq(seen.auth, "");
		ck_assert_str_eq(seen.custom, "");
		ck_assert_str_eq(seen.ctype, "");
		ck_assert_uint_eq(seen.body_len, 0);

		/* A failed transfer's error and cap do not stay either. */
		memset(&req, 0, sizeof req);
		memset(&res, 0, sizeof res);
		req.url = url("/big");
		req.max_body = 100;
		ck_assert_int_eq(curlev_http(cv, &req, on_done, &res), 0);
		ck_assert(run_until(&res.done, 1, 5000));
		ck_assert_int_eq(res.code, CURLE_WRITE_ERROR);
		ck_assert_ptr_nonnull(strstr(res.error, "larger than 100 "));
	}
	memset(&req, 0, sizeof req);
	memset(&res, 0, sizeof res);
	req.url = url("/echo");
	req.method = "POST";
	ck_assert_int_eq(curlev_http(cv, &req, on_done, &res), 0);
	ck_assert(run_until(&res.done, 1, 5000));
	ck_assert_int_eq(res.code, 0);
	ck_assert_str_eq(res.error, "");
	ck_assert_str_eq(res.body, "hello");
	ck_assert_uint_eq(res.body_len, 5);
	ck_assert_str_eq(seen.method, "POST");
	ck_assert_uint_eq(seen.body_len, 0);
}
END_TEST

START_TEST(test_bad_requests)
{
	struct curlev_req	 req;
	struct result		 res;
	const char		*crlf[] = { "X-Test: a\r\nX-Evil: b", NULL };
	const char		*nocolon[] = { "X-Test", NULL };

	memset(&res, 0, sizeof res);
	memset(&req, 0, sizeof req);
	ck_assert_int_eq(curlev_http(cv, &req, on_done, &res), -1);
	req.url = "ftp://127.0.0.1/x";
	ck_assert_int_eq(curlev_http(cv, &req, on_done, &res), -1);
	req.url = url("/echo");
	req.headers = crlf;
	ck_assert_int_eq(curlev_http(cv, &req, on_done, &res), -1);
	req.headers = nocolon;
	ck_assert_int_eq(curlev_http(cv, &req, on_done, &res), -1);
	req.headers = NULL;
	req.method = "get me";
	ck_assert_int_eq(curlev_http(cv, &req, on_done, &res), -1);
	req.method = NULL;
	req.timeout_ms = -1;
	ck_assert_int_eq(curlev_http(cv, &req, on_done, &res), -1);
	req.timeout_ms = 0;
	req.body_len = 4;
	ck_assert_int_eq(curlev_http(cv, &req, on_done, &res), -1);
	req.body_len = 0;
	req.content_type = "text/plain\r\nX-Evil: 1";
	ck_assert_int_eq(curlev_http(cv, &req, on_done, &res), -1);

	ck_assert_int_eq(curlev_smtp(cv, "http://127.0.0.1/", "a@example.org",
	    "b@example.org", "x", on_done, &res), -1);
	ck_assert_int_eq(curlev_smtp(cv, "smtp://127.0.0.1:1",
	    "a@example.org\r\nRCPT TO:<c@example.org>", "b@example.org", "x",
	    on_done, &res), -1);
	ck_assert_int_eq(curlev_smtp(cv, "smtp://127.0.0.1:1",
	    "a@example.org", "not-an-address", "x", on_done, &res), -1);
	ck_assert_int_eq(curlev_smtp(cv, "smtp://127.0.0.1:1",
	    "a@example.org", "b@example.org", NULL, on_done, &res), -1);

	ck_assert_int_eq(curlev_pending(cv), 0);
	ck_assert(!run_until(&res.done, 1, 200));
	ck_assert_int_eq(seen.n, 0);
}
END_TEST

START_TEST(test_free_cancels)
{
	struct curlev_req	req;
	struct result		res[3];
	int			i;

	curlev_free(cv);
	cv = curlev_new(base, 1);
	memset(res, 0, sizeof res);
	memset(&req, 0, sizeof req);
	req.url = url("/delay/300");
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(curlev_http(cv, &req, on_done, &res[i]), 0);
	ck_assert(run_until(&seen.n, 1, 5000));
	/* One at the server, two still queued. */
	ck_assert_int_eq(curlev_pending(cv), 3);
	curlev_free(cv);
	cv = NULL;
	ck_assert(run_until(&seen.delayed, -1, 3000));
	ck_assert_int_eq(ndone, 0);
	ck_assert_int_eq(seen.n, 1);
}
END_TEST

static void
free_in_cb(const struct curlev_resp *r, void *arg)
{
	struct result	*res = arg;

	(void)r;
	res->done++;
	curlev_free(cv);
	cv = NULL;
}

START_TEST(test_free_from_callback)
{
	struct curlev_req	req;
	struct result		first, second;

	memset(&first, 0, sizeof first);
	memset(&second, 0, sizeof second);
	memset(&req, 0, sizeof req);
	req.url = url("/delay/300");
	ck_assert_int_eq(curlev_http(cv, &req, on_done, &second), 0);
	req.url = url("/echo");
	ck_assert_int_eq(curlev_http(cv, &req, free_in_cb, &first), 0);
	ck_assert(run_until(&first.done, 1, 5000));
	ck_assert_ptr_null(cv);
	ck_assert(run_until(&seen.delayed, -1, 3000));
	ck_assert_int_eq(first.done, 1);
	ck_assert_int_eq(second.done, 0);
}
END_TEST

/* ---- SMTP server side, on its own thread and base ---- */

struct smtpd {
	struct event_base	*base;
	struct evconnlistener	*lev;
	struct bufferevent	*bev;
	struct event		*stopev;
	int			 stopfd[2];
	pthread_t		 thread;
	int			 port;
	int			 reject_rcpt;

	int			 ehlo;
	int			 quit;
	int			 in_data;
	int			 messages;
	char			 from[256];
	char			 rcpt[256];
	char			 data[8192];
	size_t			 data_len;
};

static void
smtpd_send(struct smtpd *s, const char *line)
{
	bufferevent_write(s->bev, line, strlen(line));
}

static void
smtpd_close(struct smtpd *s)
{
	bufferevent_free(s->bev);
	s->bev = NULL;
}

static void
smtpd_drained(struct bufferevent *bev, void *arg)
{
	(void)bev;
	smtpd_close(arg);
}

static void
smtpd_line(struct smtpd *s, const char *line)
{
	size_t	n;

	if (s->in_data) {
		if (strcmp(line, ".") == 0) {
			s->in_data = 0;
			s->messages++;
			smtpd_send(s, "250 2.0.0 queued\r\n");
			return;
		}
		if (line[0] == '.')
			line++;
		n = strlen(line);
		if (s->data_len + n + 2 < sizeof s->data) {
			memcpy(s->data + s->data_len, line, n);
			memcpy(s->data + s->data_len + n, "\r\n", 2);
			s->data_len += n + 2;
		}
		return;
	}
	if (strncasecmp(line, "EHLO ", 5) == 0) {
		s->ehlo++;
		smtpd_send(s, "250-fake.test\r\n250 8BITMIME\r\n");
	} else if (strncasecmp(line, "MAIL FROM:", 10) == 0) {
		snprintf(s->from, sizeof s->from, "%s", line + 10);
		smtpd_send(s, "250 2.1.0 ok\r\n");
	} else if (strncasecmp(line, "RCPT TO:", 8) == 0) {
		snprintf(s->rcpt, sizeof s->rcpt, "%s", line + 8);
		if (s->reject_rcpt)
			smtpd_send(s, "550 5.1.1 no such user\r\n");
		else
			smtpd_send(s, "250 2.1.5 ok\r\n");
	} else if (strcasecmp(line, "DATA") == 0) {
		s->in_data = 1;
		smtpd_send(s, "354 go ahead\r\n");
	} else if (strcasecmp(line, "RSET") == 0 ||
	    strcasecmp(line, "NOOP") == 0) {
		smtpd_send(s, "250 ok\r\n");
	} else if (strcasecmp(line, "QUIT") == 0) {
		s->quit++;
		smtpd_send(s, "221 bye\r\n");
		bufferevent_setcb(s->bev, NULL, smtpd_drained, NULL, s);
	} else
		smtpd_send(s, "502 5.5.2 not implemented\r\n");
}

static void
smtpd_read(struct bufferevent *bev, void *arg)
{
	struct smtpd	*s = arg;
	char		*line;
	size_t		 len;

	while (s->bev != NULL && (line = evbuffer_readln(
	    bufferevent_get_input(bev), &len, EVBUFFER_EOL_CRLF)) != NULL) {
		smtpd_line(s, line);
		free(line);
	}
}

static void
smtpd_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		smtpd_close(arg);
}

static void
smtpd_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct smtpd	*s = arg;

	(void)lev;
	(void)sa;
	(void)salen;
	if (s->bev != NULL) {
		close(fd);
		return;
	}
	s->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(s->bev, smtpd_read, NULL, smtpd_event, s);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	smtpd_send(s, "220 fake.test ESMTP\r\n");
}

static void
smtpd_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct smtpd	*s = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(s->base);
}

static void *
smtpd_main(void *arg)
{
	struct smtpd	*s = arg;

	event_base_dispatch(s->base);
	return (NULL);
}

static void
smtpd_start(struct smtpd *s, int reject_rcpt)
{
	struct sockaddr_in	sin;

	memset(s, 0, sizeof *s);
	s->reject_rcpt = reject_rcpt;
	s->base = event_base_new();
	ck_assert_ptr_nonnull(s->base);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->lev = evconnlistener_new_bind(s->base, smtpd_accept, s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 8,
	    (struct sockaddr *)&sin, sizeof sin);
	ck_assert_ptr_nonnull(s->lev);
	s->port = bound_port(evconnlistener_get_fd(s->lev));
	ck_assert_int_eq(pipe(s->stopfd), 0);
	s->stopev = event_new(s->base, s->stopfd[0], EV_READ, smtpd_stop_cb,
	    s);
	event_add(s->stopev, NULL);
	ck_assert_int_eq(pthread_create(&s->thread, NULL, smtpd_main, s), 0);
}

static void
smtpd_stop(struct smtpd *s)
{
	ck_assert_int_eq(write(s->stopfd[1], "x", 1), 1);
	ck_assert_int_eq(pthread_join(s->thread, NULL), 0);
	if (s->bev != NULL)
		smtpd_close(s);
	evconnlistener_free(s->lev);
	event_free(s->stopev);
	close(s->stopfd[0]);
	close(s->stopfd[1]);
	event_base_free(s->base);
}

static const char smtp_message[] =
    "From: Hotline <hotline@example.org>\n"
    "To: staff@example.org\n"
    "Subject: Callback requested\n"
    "\n"
    "A caller asked for a callback.\n"
    ".leading dot survives\n"
    "last line\n";

static const char smtp_wire[] =
    "From: Hotline <hotline@example.org>\r\n"
    "To: staff@example.org\r\n"
    "Subject: Callback requested\r\n"
    "\r\n"
    "A caller asked for a callback.\r\n"
    ".leading dot survives\r\n"
    "last line\r\n";

START_TEST(test_smtp_send)
{
	struct smtpd	s;
	struct result	res;
	char		u[64];

	smtpd_start(&s, 0);
	snprintf(u, sizeof u, "smtp://127.0.0.1:%d", s.port);
	memset(&res, 0, sizeof res);
	ck_assert_int_eq(curlev_smtp(cv, u, "hotline@example.org",
	    "staff@example.org", smtp_message, on_done, &res), 0);
	ck_assert_int_eq(curlev_pending(cv), 1);
	ck_assert(run_until(&res.done, 1, 10000));
	ck_assert_int_eq(res.code, 0);
	ck_assert_int_eq(res.status, 250);
	ck_assert_str_eq(res.error, "");
	ck_assert_int_eq(curlev_pending(cv), 0);

	/* Closing the cached connection says QUIT. */
	curlev_free(cv);
	cv = NULL;
	smtpd_stop(&s);
	ck_assert_int_eq(s.ehlo, 1);
	ck_assert_int_eq(s.messages, 1);
	ck_assert_int_eq(s.quit, 1);
	ck_assert_str_eq(s.from, "<hotline@example.org>");
	ck_assert_str_eq(s.rcpt, "<staff@example.org>");
	ck_assert_uint_eq(s.data_len, strlen(smtp_wire));
	ck_assert_str_eq(s.data, smtp_wire);
}
END_TEST

START_TEST(test_smtp_rejected)
{
	struct smtpd	s;
	struct result	res;
	char		u[64];

	smtpd_start(&s, 1);
	snprintf(u, sizeof u, "smtp://127.0.0.1:%d", s.port);
	memset(&res, 0, sizeof res);
	ck_assert_int_eq(curlev_smtp(cv, u, "hotline@example.org",
	    "nobody@example.org", smtp_message, on_done, &res), 0);
	ck_assert(run_until(&res.done, 1, 10000));
	ck_assert_int_ne(res.code, 0);
	ck_assert_int_eq(res.status, 550);
	ck_assert_str_ne(res.error, "");
	curlev_free(cv);
	cv = NULL;
	smtpd_stop(&s);
	ck_assert_int_eq(s.messages, 0);
	ck_assert_str_eq(s.rcpt, "<nobody@example.org>");
}
END_TEST

static Suite *
curlev_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("curlev");
	tc = tcase_create("loopback");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_get_auth_header);
	tcase_add_test(tc, test_post_copies_request);
	tcase_add_test(tc, test_other_methods);
	tcase_add_test(tc, test_status_codes);
	tcase_add_test(tc, test_connection_refused);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_fifo_limit);
	tcase_add_test(tc, test_queue_wait_not_timed);
	tcase_add_test(tc, test_connection_reused);
	tcase_add_test(tc, test_body_cap);
	tcase_add_test(tc, test_reuse_forgets);
	tcase_add_test(tc, test_bad_requests);
	tcase_add_test(tc, test_free_cancels);
	tcase_add_test(tc, test_free_from_callback);
	tcase_add_test(tc, test_smtp_send);
	tcase_add_test(tc, test_smtp_rejected);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	/* A reply written to a client that has gone must not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	log_init(LOG_ERROR);
	sr = srunner_create(curlev_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
