/*
 * curlev.c -- libcurl's multi_socket interface driven by libevent.
 *
 * The shape is curl's docs/examples/hiperfifo.c: libcurl tells us through
 * CURLMOPT_SOCKETFUNCTION which sockets to watch and through
 * CURLMOPT_TIMERFUNCTION when to wake it; we turn both into events on the
 * caller's event_base and hand readiness back with curl_multi_socket_action.
 * One CURLM serves every transfer so its connection cache is shared and a
 * provider's TLS connection is reused from one request to the next.
 *
 * Transfers beyond max_total wait in a FIFO of prepared easy handles, so
 * the order requests were made is the order they reach the network.
 *
 * A finished transfer's easy handle and buffers are kept (up to max_total
 * of them) and reset for the next request: a busy outbox would otherwise
 * build and tear down a handle, a response buffer and a body copy for
 * every message.  curl_easy_reset clears every option, so nothing of one
 * request (a method, credentials, a header) leaks into the next; the
 * connections live in the multi handle's cache, not in the easy handle.
 */
#include <sys/queue.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "curlev.h"
#include "log.h"
#include "xmalloc.h"

#define CURLEV_BODY_MAX		(1024 * 1024)
#define CURLEV_HTTP_TIMEOUT	15000L
#define CURLEV_SMTP_TIMEOUT	30000L
#define CURLEV_CONNECT_TIMEOUT	10000L
#define CURLEV_HEADER_MAX	8192

enum curlev_state {
	CURLEV_QUEUED,
	CURLEV_RUNNING,
	CURLEV_FAILED,		/* could not be added; reported from failev */
};

struct curlev_xfer {
	struct curlev		*cv;
	CURL			*easy;
	enum curlev_state	 state;
	curlev_cb		 cb;
	void			*arg;

	/*
	 * What libcurl points at and does not copy is ours, so callers may
	 * free theirs (it copies string options such as the URL).  body is
	 * kept across reuses; body_size is its allocation.
	 */
	char			*body;
	size_t			 body_len;
	size_t			 body_size;
	struct curl_slist	*headers;
	struct curl_slist	*rcpt;

	/* SMTP upload position in body. */
	size_t			 upload_off;

	char			*resp;
	size_t			 resp_len;
	size_t			 resp_size;
	size_t			 resp_max;	/* CURLEV_BODY_MAX unless asked */
	int			 overflow;
	char			 errbuf[CURL_ERROR_SIZE];

	TAILQ_ENTRY(curlev_xfer) entry;
};
TAILQ_HEAD(curlev_xfers, curlev_xfer);

struct curlev_sock {
	struct event		*ev;
	TAILQ_ENTRY(curlev_sock) entry;
};
TAILQ_HEAD(curlev_socks, curlev_sock);

struct curlev {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	struct event		*failev;
	int			 max_total;
	int			 running;	/* added to multi */
	int			 queued;
	struct curlev_xfers	 queue;		/* waiting, FIFO */
	struct curlev_xfers	 active;	/* added to multi or failed */
	struct curlev_xfers	 idle;		/* finished, kept for reuse */
	int			 nidle;
	struct curlev_socks	 socks;
	/*
	 * A callback may call curlev_free; while callbacks are being
	 * delivered the free is put off until they are done.
	 */
	int			 delivering;
	int			 dying;
};

static int	curlev_global_refs;

static void	curlev_check_multi_info(struct curlev *);
static void	curlev_drain(struct curlev *);
static void	curlev_finish(struct curlev *, struct curlev_xfer *, CURLcode);
static void	curlev_destroy(struct curlev *);

#define CURLEV_KEEP_BUFFER	(64 * 1024)	/* larger ones are not kept */

static void
curlev_xfer_free(struct curlev_xfer *x)
{
	if (x->easy != NULL)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->headers);
	curl_slist_free_all(x->rcpt);
	free(x->body);
	free(x->resp);
	free(x);
}

/* A transfer whose callback has run: keep it for the next request. */
static void
curlev_xfer_release(struct curlev *cv, struct curlev_xfer *x)
{
	if (cv->dying || cv->nidle >= cv->max_total) {
		curlev_xfer_free(x);
		return;
	}
	curl_slist_free_all(x->headers);
	curl_slist_free_all(x->rcpt);
	x->headers = x->rcpt = NULL;
	if (x->body_size > CURLEV_KEEP_BUFFER) {
		free(x->body);
		x->body = NULL;
		x->body_size = 0;
	}
	if (x->resp_size > CURLEV_KEEP_BUFFER) {
		free(x->resp);
		x->resp = NULL;
		x->resp_size = 0;
	}
	curl_easy_reset(x->easy);
	TAILQ_INSERT_HEAD(&cv->idle, x, entry);
	cv->nidle++;
}

/* Room for len bytes and a NUL in x's body. */
static char *
curlev_body(struct curlev_xfer *x, size_t len)
{
	if (len + 1 > x->body_size) {
		free(x->body);
		x->body = xmalloc(len + 1);
		x->body_size = len + 1;
	}
	x->body_len = len;
	x->body[len] = '\0';
	return (x->body);
}

static size_t
curlev_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct curlev_xfer	*x = arg;
	size_t			 n = size * nmemb, want;

	if (n > x->resp_max - x->resp_len) {
		/* A short count makes libcurl fail the transfer. */
		x->overflow = 1;
		return (0);
	}
	if (x->resp_len + n + 1 > x->resp_size) {
		want = x->resp_size == 0 ? 4096 : x->resp_size;
		while (want < x->resp_len + n + 1)
			want *= 2;
		if (want > x->resp_max + 1)
			want = x->resp_max + 1;
		x->resp = xreallocarray(x->resp, 1, want);
		x->resp_size = want;
	}
	memcpy(x->resp + x->resp_len, ptr, n);
	x->resp_len += n;
	x->resp[x->resp_len] = '\0';
	return (n);
}

static size_t
curlev_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct curlev_xfer	*x = arg;
	size_t			 n = size * nitems, left;

	left = x->body_len - x->upload_off;
	if (n > left)
		n = left;
	memcpy(buf, x->body + x->upload_off, n);
	x->upload_off += n;
	return (n);
}

static void
curlev_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct curlev	*cv = arg;
	int		 action = 0, still;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(cv->multi, fd, action, &still);
	curlev_check_multi_info(cv);
}

static void
curlev_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct curlev	*cv = arg;
	int		 still;

	(void)fd;
	(void)what;
	curl_multi_socket_action(cv->multi, CURL_SOCKET_TIMEOUT, 0, &still);
	curlev_check_multi_info(cv);
}

/*
 * libcurl calls this from inside its own functions, so it only arms or
 * disarms the libevent timer; the timer callback is where libcurl is
 * called back.  A zero timeout fires on the next loop iteration.
 */
static int
curlev_timer_fn(CURLM *multi, long timeout_ms, void *arg)
{
	struct curlev	*cv = arg;
	struct timeval	 tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(cv->timer);
		return (0);
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(cv->timer, &tv);
	return (0);
}

static void
curlev_sock_free(struct curlev *cv, struct curlev_sock *s)
{
	TAILQ_REMOVE(&cv->socks, s, entry);
	event_free(s->ev);
	free(s);
}

/*
 * REMOVE only means libcurl no longer wants to hear about the socket; it
 * may still be open (kept in the connection cache) and it may never have
 * been announced at all, in which case socketp is NULL.
 */
static int
curlev_sock_fn(CURL *easy, curl_socket_t fd, int what, void *arg,
    void *socketp)
{
	struct curlev		*cv = arg;
	struct curlev_sock	*s = socketp;
	short			 kind = EV_PERSIST;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			curl_multi_assign(cv->multi, fd, NULL);
			curlev_sock_free(cv, s);
		}
		return (0);
	}

	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;

	if (s == NULL) {
		s = xcalloc(1, sizeof *s);
		s->ev = event_new(cv->base, fd, kind, curlev_event_cb, cv);
		if (s->ev == NULL) {
			free(s);
			log_error("curlev: event_new failed for fd %d", (int)fd);
			return (-1);
		}
		TAILQ_INSERT_TAIL(&cv->socks, s, entry);
		curl_multi_assign(cv->multi, fd, s);
	} else {
		/* An event may not be reassigned while it is pending. */
		event_del(s->ev);
		event_assign(s->ev, cv->base, fd, kind, curlev_event_cb, cv);
	}
	if (event_add(s->ev, NULL) != 0) {
		log_error("curlev: event_add failed for fd %d", (int)fd);
		return (-1);
	}
	return (0);
}

/*
 * Read each finished transfer's result and private pointer before
 * curl_multi_remove_handle, as libcurl's message is only valid until then.
 */
static void
curlev_check_multi_info(struct curlev *cv)
{
	CURLMsg			*msg;
	struct curlev_xfer	*x;
	CURL			*easy;
	CURLcode		 code;
	char			*priv;
	int			 left;

	cv->delivering++;
	while (!cv->dying &&
	    (msg = curl_multi_info_read(cv->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		easy = msg->easy_handle;
		code = msg->data.result;
		priv = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		x = (struct curlev_xfer *)priv;
		curl_multi_remove_handle(cv->multi, easy);
		cv->running--;
		curlev_finish(cv, x, code);
	}
	cv->delivering--;
	if (cv->dying && cv->delivering == 0) {
		curlev_destroy(cv);
		return;
	}
	if (!cv->dying)
		curlev_drain(cv);
}

/* Deliver the result, free the transfer and start what was waiting. */
static void
curlev_finish(struct curlev *cv, struct curlev_xfer *x, CURLcode code)
{
	struct curlev_resp	 resp;
	curl_off_t		 usec = 0;
	long			 status = 0;
	char			*ctype = NULL;

	TAILQ_REMOVE(&cv->active, x, entry);
	curlev_drain(cv);

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME_T, &usec);
	curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ctype);

	memset(&resp, 0, sizeof resp);
	resp.status = status;
	resp.curl_code = (int)code;
	resp.seconds = (double)usec / 1e6;
	if (x->overflow) {
		snprintf(x->errbuf, sizeof x->errbuf,
		    "response body larger than %zu bytes", x->resp_max);
	} else if (code != CURLE_OK && x->errbuf[0] == '\0') {
		snprintf(x->errbuf, sizeof x->errbuf, "%s",
		    curl_easy_strerror(code));
	}
	resp.error = x->errbuf;
	resp.body = x->resp != NULL ? x->resp : "";
	resp.body_len = x->resp_len;
	resp.content_type = ctype;

	if (code != CURLE_OK)
		log_warn("curlev: transfer failed: code=%d status=%ld: %s",
		    (int)code, status, x->errbuf);
	else
		log_debug("curlev: transfer done: status=%ld %.3fs", status,
		    resp.seconds);

	x->cb(&resp, x->arg);
	curlev_xfer_release(cv, x);
}

static void
curlev_fail_cb(evutil_socket_t fd, short what, void *arg)
{
	struct curlev		*cv = arg;
	struct curlev_xfer	*x, *next;

	(void)fd;
	(void)what;
	cv->delivering++;
	for (x = TAILQ_FIRST(&cv->active); x != NULL && !cv->dying; x = next) {
		next = TAILQ_NEXT(x, entry);
		if (x->state == CURLEV_FAILED) {
			curlev_finish(cv, x, CURLE_FAILED_INIT);
			/* The callback may have changed the list. */
			next = TAILQ_FIRST(&cv->active);
		}
	}
	cv->delivering--;
	if (cv->dying && cv->delivering == 0)
		curlev_destroy(cv);
}

/* Move transfers from the FIFO into libcurl while there is room. */
static void
curlev_drain(struct curlev *cv)
{
	struct curlev_xfer	*x;
	CURLMcode		 mc;

	while (cv->running < cv->max_total &&
	    (x = TAILQ_FIRST(&cv->queue)) != NULL) {
		TAILQ_REMOVE(&cv->queue, x, entry);
		cv->queued--;
		TAILQ_INSERT_TAIL(&cv->active, x, entry);
		if ((mc = curl_multi_add_handle(cv->multi, x->easy)) !=
		    CURLM_OK) {
			/* Reported from the loop, never from inside a call. */
			log_error("curlev: curl_multi_add_handle: %s",
			    curl_multi_strerror(mc));
			snprintf(x->errbuf, sizeof x->errbuf,
			    "curl_multi_add_handle: %s",
			    curl_multi_strerror(mc));
			x->state = CURLEV_FAILED;
			event_active(cv->failev, 0, 0);
			continue;
		}
		x->state = CURLEV_RUNNING;
		cv->running++;
	}
}

struct curlev *
curlev_new(struct event_base *base, int max_total)
{
	struct curlev	*cv;
	CURLcode	 code;

	if (curlev_global_refs++ == 0 &&
	    (code = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK)
		fatalx("curlev: curl_global_init: %s", curl_easy_strerror(code));

	cv = xcalloc(1, sizeof *cv);
	cv->base = base;
	/* Below 1 nothing could ever run. */
	cv->max_total = max_total < 1 ? 1 : max_total;
	TAILQ_INIT(&cv->queue);
	TAILQ_INIT(&cv->active);
	TAILQ_INIT(&cv->idle);
	TAILQ_INIT(&cv->socks);

	if ((cv->multi = curl_multi_init()) == NULL)
		fatalx("curlev: curl_multi_init failed");
	if ((cv->timer = evtimer_new(base, curlev_timer_cb, cv)) == NULL ||
	    (cv->failev = event_new(base, -1, 0, curlev_fail_cb, cv)) == NULL)
		fatalx("curlev: event_new failed");

	curl_multi_setopt(cv->multi, CURLMOPT_SOCKETFUNCTION, curlev_sock_fn);
	curl_multi_setopt(cv->multi, CURLMOPT_SOCKETDATA, cv);
	curl_multi_setopt(cv->multi, CURLMOPT_TIMERFUNCTION, curlev_timer_fn);
	curl_multi_setopt(cv->multi, CURLMOPT_TIMERDATA, cv);
	curl_multi_setopt(cv->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    (long)cv->max_total);
	return (cv);
}

static void
curlev_destroy(struct curlev *cv)
{
	struct curlev_xfer	*x;
	struct curlev_sock	*s;

	while ((x = TAILQ_FIRST(&cv->active)) != NULL) {
		TAILQ_REMOVE(&cv->active, x, entry);
		if (x->state == CURLEV_RUNNING)
			curl_multi_remove_handle(cv->multi, x->easy);
		curlev_xfer_free(x);
	}
	while ((x = TAILQ_FIRST(&cv->queue)) != NULL) {
		TAILQ_REMOVE(&cv->queue, x, entry);
		curlev_xfer_free(x);
	}
	while ((x = TAILQ_FIRST(&cv->idle)) != NULL) {
		TAILQ_REMOVE(&cv->idle, x, entry);
		curlev_xfer_free(x);
	}
	/* Closing cached connections may still call the socket function. */
	curl_multi_cleanup(cv->multi);
	while ((s = TAILQ_FIRST(&cv->socks)) != NULL)
		curlev_sock_free(cv, s);
	event_free(cv->timer);
	event_free(cv->failev);
	free(cv);

	if (--curlev_global_refs == 0)
		curl_global_cleanup();
}

void
curlev_free(struct curlev *cv)
{
	if (cv == NULL)
		return;
	if (cv->delivering > 0) {
		cv->dying = 1;
		return;
	}
	curlev_destroy(cv);
}

int
curlev_pending(const struct curlev *cv)
{
	int	n = cv->queued;
	const struct curlev_xfer *x;

	TAILQ_FOREACH(x, &cv->active, entry)
		n++;
	return (n);
}

/* A header value or address must not be able to start a new line. */
static int
curlev_has_ctl(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\r' || *s == '\n')
			return (1);
	}
	return (0);
}

static int
curlev_token(const char *s)
{
	if (*s == '\0')
		return (0);
	for (; *s != '\0'; s++) {
		if (!isupper((unsigned char)*s))
			return (0);
	}
	return (1);
}

static int
curlev_header_ok(const char *h)
{
	const char	*colon;

	if (strlen(h) > CURLEV_HEADER_MAX || curlev_has_ctl(h))
		return (0);
	if ((colon = strchr(h, ':')) == NULL || colon == h)
		return (0);
	return (1);
}

/* Only the schemes asked for, whatever the URL turns into. */
static void
curlev_protocols(CURL *easy, int smtp)
{
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR,
	    smtp ? "smtp,smtps" : "http,https");
#else
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS, smtp ?
	    (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS) :
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
}

static struct curlev_xfer *
curlev_xfer_new(struct curlev *cv, const char *url, curlev_cb cb, void *arg)
{
	struct curlev_xfer	*x;

	if ((x = TAILQ_FIRST(&cv->idle)) != NULL) {
		TAILQ_REMOVE(&cv->idle, x, entry);
		cv->nidle--;
	} else {
		x = xcalloc(1, sizeof *x);
		if ((x->easy = curl_easy_init()) == NULL) {
			log_error("curlev: curl_easy_init failed");
			curlev_xfer_free(x);
			return (NULL);
		}
	}
	x->cv = cv;
	x->cb = cb;
	x->arg = arg;
	x->state = CURLEV_QUEUED;
	x->body_len = 0;
	x->upload_off = 0;
	x->resp_len = 0;
	if (x->resp != NULL)
		x->resp[0] = '\0';
	x->resp_max = CURLEV_BODY_MAX;
	x->overflow = 0;
	x->errbuf[0] = '\0';
	if (curl_easy_setopt(x->easy, CURLOPT_URL, url) != CURLE_OK) {
		log_error("curlev: cannot set the URL");
		curlev_xfer_release(cv, x);
		return (NULL);
	}
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, (char *)x);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    CURLEV_CONNECT_TIMEOUT);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, curlev_write);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_TCP_KEEPALIVE, 1L);
	return (x);
}

static void
curlev_enqueue(struct curlev *cv, struct curlev_xfer *x)
{
	TAILQ_INSERT_TAIL(&cv->queue, x, entry);
	cv->queued++;
	curlev_drain(cv);
}

int
curlev_http(struct curlev *cv, const struct curlev_req *req, curlev_cb cb,
    void *arg)
{
	struct curlev_xfer	*x;
	const char		*method, **h;
	char			*line;
	long			 timeout;

	if (cv->dying || req == NULL || cb == NULL || req->url == NULL ||
	    (strncasecmp(req->url, "http://", 7) != 0 &&
	    strncasecmp(req->url, "https://", 8) != 0) ||
	    curlev_has_ctl(req->url)) {
		log_warn("curlev_http: bad request: missing or non-HTTP URL");
		return (-1);
	}
	if (req->body == NULL && req->body_len != 0) {
		log_warn("curlev_http: bad request: body_len without body");
		return (-1);
	}
	if (req->timeout_ms < 0) {
		log_warn("curlev_http: bad request: negative timeout");
		return (-1);
	}
	method = req->method;
	if (method == NULL)
		method = req->body != NULL ? "POST" : "GET";
	if (!curlev_token(method)) {
		log_warn("curlev_http: bad request: method");
		return (-1);
	}
	if (req->content_type != NULL && (curlev_has_ctl(req->content_type) ||
	    *req->content_type == '\0')) {
		log_warn("curlev_http: bad request: content type");
		return (-1);
	}
	if (req->userpwd != NULL && curlev_has_ctl(req->userpwd)) {
		log_warn("curlev_http: bad request: credentials");
		return (-1);
	}
	for (h = req->headers; h != NULL && *h != NULL; h++) {
		if (!curlev_header_ok(*h)) {
			log_warn("curlev_http: bad request: header");
			return (-1);
		}
	}

	if ((x = curlev_xfer_new(cv, req->url, cb, arg)) == NULL)
		return (-1);
	curlev_protocols(x->easy, 0);

	if (req->body == NULL && strcmp(method, "POST") != 0) {
		if (strcmp(method, "GET") == 0)
			curl_easy_setopt(x->easy, CURLOPT_HTTPGET, 1L);
		else if (strcmp(method, "HEAD") == 0)
			curl_easy_setopt(x->easy, CURLOPT_NOBODY, 1L);
		else
			curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST,
			    method);
	} else {
		/* libcurl does not copy POSTFIELDS; the copy lives in x. */
		curlev_body(x, req->body_len);
		if (req->body_len > 0)
			memcpy(x->body, req->body, req->body_len);
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)x->body_len);
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->body);
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST,
			    method);
	}

	if (req->userpwd != NULL) {
		curl_easy_setopt(x->easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(x->easy, CURLOPT_USERPWD, req->userpwd);
	}

	/* A 100-continue round trip only adds latency for small bodies. */
	x->headers = curl_slist_append(x->headers, "Expect:");
	if (req->content_type != NULL) {
		xasprintf(&line, "Content-Type: %s", req->content_type);
		x->headers = curl_slist_append(x->headers, line);
		free(line);
	}
	for (h = req->headers; h != NULL && *h != NULL; h++)
		x->headers = curl_slist_append(x->headers, *h);
	if (x->headers == NULL) {
		log_error("curlev_http: curl_slist_append failed");
		curlev_xfer_release(cv, x);
		return (-1);
	}
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);

	if (req->max_body > 0)
		x->resp_max = req->max_body;
	/* A file the provider keeps elsewhere; credentials stay behind. */
	if (req->follow) {
		curl_easy_setopt(x->easy, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(x->easy, CURLOPT_MAXREDIRS, 3L);
		curl_easy_setopt(x->easy, CURLOPT_UNRESTRICTED_AUTH, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
		curl_easy_setopt(x->easy, CURLOPT_REDIR_PROTOCOLS_STR,
		    "http,https");
#else
		curl_easy_setopt(x->easy, CURLOPT_REDIR_PROTOCOLS,
		    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	}

	timeout = req->timeout_ms == 0 ? CURLEV_HTTP_TIMEOUT : req->timeout_ms;
	curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, timeout);

	curlev_enqueue(cv, x);
	return (0);
}

/*
 * SMTP wants CRLF line ends; a bare LF in the message becomes CRLF.  The
 * result is x's body.
 */
static void
curlev_crlf(struct curlev_xfer *x, const char *msg)
{
	size_t	 i, o = 0, extra = 0, len = strlen(msg);
	char	*out;

	for (i = 0; i < len; i++) {
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
			extra++;
	}
	out = curlev_body(x, len + extra);
	for (i = 0; i < len; i++) {
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = msg[i];
	}
}

static int
curlev_address_ok(const char *a)
{
	if (*a == '\0' || strchr(a, '@') == NULL || curlev_has_ctl(a) ||
	    strpbrk(a, "<> \t") != NULL || strlen(a) > 254)
		return (0);
	return (1);
}

int
curlev_smtp(struct curlev *cv, const char *url, const char *from,
    const char *to, const char *message, curlev_cb cb, void *arg)
{
	struct curlev_xfer	*x;
	int			 plain;

	if (cv->dying || url == NULL || from == NULL || to == NULL ||
	    message == NULL || cb == NULL || curlev_has_ctl(url)) {
		log_warn("curlev_smtp: bad request: missing argument");
		return (-1);
	}
	if (strncasecmp(url, "smtp://", 7) == 0)
		plain = 1;
	else if (strncasecmp(url, "smtps://", 8) == 0)
		plain = 0;
	else {
		log_warn("curlev_smtp: bad request: URL is not smtp or smtps");
		return (-1);
	}
	if (!curlev_address_ok(from) || !curlev_address_ok(to)) {
		log_warn("curlev_smtp: bad request: address");
		return (-1);
	}

	if ((x = curlev_xfer_new(cv, url, cb, arg)) == NULL)
		return (-1);
	curlev_protocols(x->easy, 1);
	if (plain) {
		/* Use STARTTLS when the server offers it. */
		curl_easy_setopt(x->easy, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	}
	curl_easy_setopt(x->easy, CURLOPT_MAIL_FROM, from);
	if ((x->rcpt = curl_slist_append(NULL, to)) == NULL) {
		log_error("curlev_smtp: curl_slist_append failed");
		curlev_xfer_release(cv, x);
		return (-1);
	}
	curl_easy_setopt(x->easy, CURLOPT_MAIL_RCPT, x->rcpt);

	curlev_crlf(x, message);
	curl_easy_setopt(x->easy, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(x->easy, CURLOPT_READFUNCTION, curlev_read);
	curl_easy_setopt(x->easy, CURLOPT_READDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_INFILESIZE_LARGE,
	    (curl_off_t)x->body_len);
	curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, CURLEV_SMTP_TIMEOUT);

	curlev_enqueue(cv, x);
	return (0);
}
