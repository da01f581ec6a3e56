/*
 * fuzz_server.c -- hotlined in the harness's own process, for the HTTP
 * and JSON API harnesses (see fuzz.h).
 *
 * It is put together as hotlined.c does it -- the shipped configuration,
 * a store, evhttp with every module's routes -- on a loopback port, with
 * a SQLite store in the temporary folder.  The outbox dispatcher is left
 * out so nothing is ever sent anywhere; what would be sent stays a row.
 * Each exchange is a new connection, driven on the same event loop as the
 * server, so one thread runs both sides and a run is repeatable.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>
#include <expat.h>
#include <jansson.h>

#include "auth.h"
#include "config.h"
#include "form.h"
#include "fuzz.h"
#include "hotline.h"
#include "http.h"
#include "lease.h"
#include "live.h"
#include "log.h"
#include "sig.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define FS_AUTH_TOKEN	"fuzz-auth-token-0123456789abcdef"
#define FS_PUBLIC_URL	"http://hotline.test"
/* Longest a reply or the work behind it may take before it counts as hung. */
#define FS_WAIT_SECS	10

static struct hotline	 fs_hl;
static char		*fs_token;

struct fs_client {
	evutil_socket_t	 fd;
	struct evbuffer	*in;
	int		 done;
	int		 timed_out;
};

static void
fs_health_cb(struct hreq *r)
{
	http_reply(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
}

struct fs_staff {
	char	*hash;
	char	*token;
};

static int
fs_staff_tx(struct db *db, void *arg)
{
	struct fs_staff	*s = arg;
	time_t		 now = util_now();

	if (auth_staff_put(db, "fuzz", s->hash, "*", "+18175550190", NULL,
	    now) != 0)
		return (-1);
	return (auth_token_new(db, "fuzz", now, 0, &s->token));
}

static void
fs_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fs_client	*c = arg;
	int			 n;

	if (what & EV_TIMEOUT) {
		c->timed_out = 1;
		c->done = 1;
		event_base_loopbreak(fs_hl.base);
		return;
	}
	n = evbuffer_read(c->in, fd, 65536);
	if (n > 0 || (n == -1 && (errno == EAGAIN || errno == EINTR)))
		return;
	c->done = 1;
	event_base_loopbreak(fs_hl.base);
}

static void
fs_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

/* --- checking what came back ------------------------------------------- */

static void
fs_check_twiml(const char *body, size_t len)
{
	XML_Parser	p;

	if ((p = XML_ParserCreate(NULL)) == NULL)
		abort();
	if (XML_Parse(p, body, (int)len, 1) != XML_STATUS_OK) {
		fprintf(stderr, "fuzz: TwiML does not parse: %s\n",
		    XML_ErrorString(XML_GetErrorCode(p)));
		abort();
	}
	XML_ParserFree(p);
	if (len < 10 || strstr(body, "<Response") == NULL)
		abort();
}

static const char *
fs_header(const char *head, size_t hlen, const char *name, size_t *vlen)
{
	const char	*p = head, *end = head + hlen, *nl, *v;
	size_t		 n = strlen(name);

	while (p < end && (nl = memchr(p, '\n', end - p)) != NULL) {
		if ((size_t)(nl - p) > n && strncasecmp(p, name, n) == 0 &&
		    p[n] == ':') {
			v = p + n + 1;
			while (v < nl && *v == ' ')
				v++;
			*vlen = (size_t)(nl - v);
			if (*vlen > 0 && v[*vlen - 1] == '\r')
				(*vlen)--;
			return (v);
		}
		p = nl + 1;
	}
	return (NULL);
}

/*
 * Every response evhttp framed with a Content-Length: a status line, no
 * server error but 501 (a method evhttp does not know), 503
 * (busy or closing) and 505 (a version we do not speak), TwiML that
 * parses, JSON that parses.  Returns the first status, or 0 when nothing
 * came back.
 */
static int
fs_check_reply(const char *data, size_t len)
{
	const char	*p = data, *end = data + len, *head, *v, *body, *sp;
	size_t		 hlen, vlen, clen;
	json_error_t	 jerr;
	json_t		*j;
	char		 num[32];
	int		 status, first = 0;

	while (p < end) {
		/*
		 * http.c answers HTTP/1.x; evhttp's own error page for a
		 * request it could not parse echoes the version it read
		 * ("HTTP/1.11 400"), which only a bad request ever sees.
		 */
		if (end - p < 12 || memcmp(p, "HTTP/", 5) != 0 ||
		    (sp = memchr(p, ' ', end - p < 16 ? end - p : 16)) == NULL ||
		    end - sp < 4) {
			fprintf(stderr, "fuzz: not an HTTP response\n");
			abort();
		}
		status = atoi(sp + 1);
		if (memcmp(p, "HTTP/1.1 ", 9) != 0 &&
		    memcmp(p, "HTTP/1.0 ", 9) != 0 && status != 400 &&
		    status != 413 && status != 431 && status != 501) {
			fprintf(stderr, "fuzz: %d in another version\n", status);
			abort();
		}
		if (status < 100 || status > 599 || (status >= 500 &&
		    status != 501 && status != 503 && status != 505)) {
			fprintf(stderr, "fuzz: status %d\n", status);
			abort();
		}
		if (first == 0)
			first = status;
		head = p;
		if ((body = memmem(p, end - p, "\r\n\r\n", 4)) == NULL)
			break;
		hlen = (size_t)(body - head) + 2;
		body += 4;
		if ((v = fs_header(head, hlen, "Content-Length", &vlen)) == NULL ||
		    vlen == 0 || vlen >= sizeof num)
			break;
		memcpy(num, v, vlen);
		num[vlen] = '\0';
		clen = strtoul(num, NULL, 10);
		/* A HEAD request's answer has the length and no body. */
		if (clen > 0 && end - body >= 7 && memcmp(body, "HTTP/1.", 7) == 0) {
			p = body;
			continue;
		}
		if ((size_t)(end - body) < clen)
			break;
		if ((v = fs_header(head, hlen, "Content-Type", &vlen)) != NULL) {
			if (vlen >= 8 && strncasecmp(v, "text/xml", 8) == 0)
				fs_check_twiml(body, clen);
			else if (vlen >= 16 &&
			    strncasecmp(v, "application/json", 16) == 0) {
				if ((j = json_loadb(body, clen, 0, &jerr)) ==
				    NULL) {
					fprintf(stderr, "fuzz: JSON reply does not "
					    "parse: %s\n", jerr.text);
					abort();
				}
				json_decref(j);
			}
		}
		p = body + clen;
	}
	return (first);
}

/* --- the server ---------------------------------------------------------- */

static void
fs_run(struct fs_client *c)
{
	struct event	*ev, *deadline;
	struct timeval	 tv = { FS_WAIT_SECS, 0 };
	int		 late = 0;

	ev = event_new(fs_hl.base, c->fd, EV_READ | EV_PERSIST, fs_read_cb, c);
	event_add(ev, &tv);
	while (!c->done)
		event_base_loop(fs_hl.base, 0);
	event_free(ev);
	if (c->timed_out) {
		fprintf(stderr, "fuzz: no end to the reply in %ds\n",
		    FS_WAIT_SECS);
		abort();
	}

	/* What the request started (a store job, a reply) ends before the next. */
	deadline = evtimer_new(fs_hl.base, fs_deadline_cb, &late);
	evtimer_add(deadline, &tv);
	while ((http_in_flight(fs_hl.http) > 0 ||
	    store_pending(fs_hl.store) > 0) && !late)
		event_base_loop(fs_hl.base, EVLOOP_ONCE);
	event_free(deadline);
	if (late) {
		fprintf(stderr, "fuzz: requests still in flight after %ds\n",
		    FS_WAIT_SECS);
		abort();
	}
}

void
fuzz_server_exchange(const void *data, size_t len, struct fuzz_reply *reply)
{
	struct sockaddr_in	 sin;
	struct fs_client	 c;
	const char		*p = data;
	ssize_t			 n;
	size_t			 off = 0;

	memset(&c, 0, sizeof c);
	if ((c.fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		abort();
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)http_port(fs_hl.http));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c.fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		perror("fuzz: connect");
		abort();
	}
	/* The loop is not running: the socket buffers hold all of it. */
	while (off < len) {
		n = send(c.fd, p + off, len - off, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	/* Nothing more comes: a request cut short is answered or dropped now. */
	shutdown(c.fd, SHUT_WR);
	evutil_make_socket_nonblocking(c.fd);
	c.in = evbuffer_new();
	fs_run(&c);
	close(c.fd);

	reply->len = evbuffer_get_length(c.in);
	reply->data = xmalloc(reply->len + 1);
	evbuffer_remove(c.in, reply->data, reply->len);
	reply->data[reply->len] = '\0';
	evbuffer_free(c.in);
	reply->status = fs_check_reply(reply->data, reply->len);
}

/* A signed webhook, as the provider would post it; the answer's status. */
static int
fs_webhook(const char *path, const char *const *params)
{
	struct fuzz_reply	 r;
	struct form		 f;
	char			*url, *body, *req, sig[SIG_LEN];
	int			 n, status;

	memset(&f, 0, sizeof f);
	for (; params[0] != NULL; params += 2)
		form_add(&f, params[0], params[1]);
	xasprintf(&url, "%s%s", FS_PUBLIC_URL, path);
	if (sig_compute(FS_AUTH_TOKEN, url, &f, sig, sizeof sig) != 0)
		abort();
	body = form_encode(&f);
	n = xasprintf(&req, "POST %s HTTP/1.1\r\nHost: hotline.test\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n"
	    "X-Twilio-Signature: %s\r\nContent-Length: %zu\r\n\r\n%s", path,
	    sig, strlen(body), body);
	fuzz_server_exchange(req, (size_t)n, &r);
	status = r.status;
	free(r.data);
	free(req);
	free(body);
	free(url);
	form_free(&f);
	return (status);
}

/*
 * Three callbacks to act on (ids 1 to 3; the second a red flag, first in
 * the queue), and an opted-out number.
 */
static void
fs_seed(void)
{
	static const char *texts[][2] = {
		{ "+18175550101", "CALLBACK" },
		{ "+18175550102", "new numbness in my groin" },
		{ "+18175550103", "llamame" },
		{ "+18175550104", "STOP" },
	};
	char	sid[40];
	size_t	i;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		const char *params[] = { "MessageSid", sid, "AccountSid",
		    "AC00000000000000000000000000000000", "From", texts[i][0],
		    "To", "+18175550100", "Body", texts[i][1], NULL };

		snprintf(sid, sizeof sid, "SMfuzzseed%02zu", i);
		if (fs_webhook("/sms/incoming", params) != 200) {
			fprintf(stderr, "fuzz: seeding the store failed\n");
			abort();
		}
	}
}

void
fuzz_server_start(int verify)
{
	struct fs_staff	 staff;
	char		 path[1024], *store, **errors = NULL, *err;
	size_t		 i;

	if (fs_hl.base != NULL)
		return;
	fuzz_clean_env();
	xasprintf(&store, "sqlite:%s/hotline.db", fuzz_tmpdir());
	setenv("HOTLINE_STORE", store, 1);
	free(store);
	setenv("HOTLINE_LISTEN", "127.0.0.1:0", 1);
	setenv("HOTLINE_PUBLIC_URL", FS_PUBLIC_URL, 1);
	setenv("TWILIO_AUTH_TOKEN", FS_AUTH_TOKEN, 1);
	setenv("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000000", 1);
	/* Nothing leaves the machine; the dispatcher is not started anyway. */
	setenv("HOTLINE_PROVIDER_API", "http://127.0.0.1:1", 1);
	/* Webhooks from the fuzzer reach their handlers, unsigned. */
	if (!verify)
		setenv("HOTLINE_VERIFY_SIGNATURES", "0", 1);

	signal(SIGPIPE, SIG_IGN);
	if (evthread_use_pthreads() != 0)
		abort();
	snprintf(path, sizeof path, "%s/config/hotline.yaml", fuzz_srcdir());
	fs_hl.config_path = xstrdup(path);
	if ((fs_hl.cfg = config_load(path, &errors)) == NULL) {
		for (i = 0; errors != NULL && errors[i] != NULL; i++)
			fprintf(stderr, "%s\n", errors[i]);
		abort();
	}
	fs_hl.started_ms = util_mono_ms();
	if ((fs_hl.base = event_base_new()) == NULL)
		abort();
	if ((fs_hl.store = store_open(fs_hl.base, fs_hl.cfg->store,
	    fs_hl.cfg->store_threads, &err)) == NULL) {
		fprintf(stderr, "fuzz: store: %s\n", err);
		abort();
	}
	fs_hl.http = http_new(&fs_hl, fs_hl.base);
	http_configure(fs_hl.http, fs_hl.cfg);
	http_route(fs_hl.http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, "/healthz", 0,
	    "healthz", fs_health_cb);
	lease_init(&fs_hl);
	fs_hl.live = live_new(&fs_hl);
	voice_init(&fs_hl);
	sms_init(&fs_hl);
	staff_init(&fs_hl);
	prompt_init(&fs_hl);
	if (http_listen(fs_hl.http, fs_hl.cfg->listen) != 0)
		abort();

	memset(&staff, 0, sizeof staff);
	if ((staff.hash = auth_hash_password("a long fuzzing passphrase")) ==
	    NULL || store_run(fs_hl.store, fs_staff_tx, &staff) != 0)
		abort();
	free(staff.hash);
	fs_token = staff.token;
	fs_seed();
}

const char *
fuzz_server_token(void)
{
	return (fs_token);
}
