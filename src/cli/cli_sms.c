/*
 * cli_sms.c -- "hotline sms": text the hotline from the terminal.
 *
 * Each TEXT is posted to /sms/incoming as the provider would post an
 * inbound message (signed, with a fresh MessageSid), one after another
 * from the same number, and every reply is printed.  A reply comes back
 * either inline, as TwiML <Message> in the answer, or later through the
 * provider's REST API (the outbox).  To see the second kind, --listen-provider
 * runs a small stand-in for that API on a local port; start hotlined with
 * HOTLINE_PROVIDER_API pointing at it.  The stand-in answers like the
 * provider (201 and a Message SID) and reports delivery to the
 * StatusCallback the service asked for.
 */
#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "cli.h"
#include "cli_http.h"
#include "cli_twiml.h"
#include "config.h"
#include "form.h"
#include "util.h"
#include "xmalloc.h"

/* A message the service sent through the REST stand-in. */
struct sent {
	char		*to;
	char		*from;
	char		*body;
	char		*sid;
	char		*status_callback;
	struct sent	*next;
};

struct provider {
	struct event_base		*base;
	struct evhttp			*http;
	struct evhttp_bound_socket	*sock;
	pthread_t			 thread;
	pthread_mutex_t			 lock;
	struct sent			*head, **tail;
	long long			 last_ms;	/* last request seen */
	int				 stop;
	int				 requests;
};

/* One run of "hotline sms": the texter's number and what happened. */
struct texter {
	struct cli	*cli;
	struct config	*cfg;
	struct cli_http	 http;
	char		*from;
	char		*to;
	int		 json;
	int		 errors;
	json_t		*out_texts;
	json_t		*out_sent;
	struct provider	*prov;
};

/* --- the REST stand-in (its own thread and event base) ------------------- */

static void
provider_send_json(struct evhttp_request *req, int code, json_t *j)
{
	struct evbuffer	*b;
	char		*s;

	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	b = evbuffer_new();
	evbuffer_add(b, s, strlen(s));
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, code, code == 201 ? "Created" : "OK", b);
	evbuffer_free(b);
	free(s);
}

static void
provider_cb(struct evhttp_request *req, void *arg)
{
	struct provider	*p = arg;
	struct evbuffer	*in;
	struct form	 f;
	struct sent	*s;
	const char	*uri, *err;
	char		*body, *hex;
	size_t		 len;

	uri = evhttp_request_get_uri(req);
	pthread_mutex_lock(&p->lock);
	p->last_ms = util_mono_ms();
	p->requests++;
	pthread_mutex_unlock(&p->lock);
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		/* Reconciliation look-ups: nothing was sent before we started. */
		provider_send_json(req, 200, json_pack("{s:[], s:[]}",
		    "messages", "calls"));
		return;
	}
	in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	body = xmalloc(len + 1);
	evbuffer_remove(in, body, len);
	body[len] = '\0';
	memset(&f, 0, sizeof f);
	if (form_parse(&f, body, len, &err) != 0) {
		free(body);
		provider_send_json(req, 400, json_pack("{s:i, s:s, s:i}",
		    "code", 21000, "message", err, "status", 400));
		return;
	}
	free(body);
	hex = util_random_hex(16);
	s = xcalloc(1, sizeof *s);
	if (strstr(uri, "/Calls.json") != NULL)
		xasprintf(&s->sid, "CA%s", hex);
	else
		xasprintf(&s->sid, "SM%s", hex);
	free(hex);
	s->to = xstrdup(form_get(&f, "To") ? form_get(&f, "To") : "");
	s->from = xstrdup(form_get(&f, "From") ? form_get(&f, "From") :
	    form_get(&f, "MessagingServiceSid") ?
	    form_get(&f, "MessagingServiceSid") : "");
	if (strstr(uri, "/Calls.json") != NULL)
		xasprintf(&s->body, "(a call, TwiML at %s)", form_get(&f,
		    "Url") ? form_get(&f, "Url") : "?");
	else
		s->body = xstrdup(form_get(&f, "Body") ? form_get(&f, "Body") :
		    "");
	if (form_get(&f, "StatusCallback") != NULL)
		s->status_callback = xstrdup(form_get(&f, "StatusCallback"));
	provider_send_json(req, 201, json_pack("{s:s, s:s, s:s, s:s, s:s, "
	    "s:s, s:n}", "sid", s->sid, "status", "queued", "to", s->to,
	    "from", s->from, "body", s->body, "num_segments", "1",
	    "error_code"));
	form_free(&f);
	pthread_mutex_lock(&p->lock);
	*p->tail = s;
	p->tail = &s->next;
	pthread_mutex_unlock(&p->lock);
}

static void *
provider_main(void *arg)
{
	struct provider	*p = arg;
	struct timeval	 tv = { 0, 50 * 1000 };
	int		 stop;

	/* The loop checks the stop flag between short turns. */
	for (;;) {
		pthread_mutex_lock(&p->lock);
		stop = p->stop;
		pthread_mutex_unlock(&p->lock);
		if (stop)
			break;
		event_base_loopexit(p->base, &tv);
		event_base_dispatch(p->base);
	}
	return (NULL);
}

static struct provider *
provider_start(const char *hostport)
{
	struct provider	*p;
	char		 host[256];
	int		 port;

	if (util_hostport(hostport, host, sizeof host, &port) != 0) {
		fprintf(stderr, "hotline sms: --listen-provider %s: expected "
		    "HOST:PORT\n", hostport);
		return (NULL);
	}
	p = xcalloc(1, sizeof *p);
	p->tail = &p->head;
	pthread_mutex_init(&p->lock, NULL);
	p->base = event_base_new();
	p->http = evhttp_new(p->base);
	evhttp_set_allowed_methods(p->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_gencb(p->http, provider_cb, p);
	if ((p->sock = evhttp_bind_socket_with_handle(p->http, host,
	    (ev_uint16_t)port)) == NULL) {
		fprintf(stderr, "hotline sms: cannot listen on %s: %s\n",
		    hostport, strerror(errno));
		evhttp_free(p->http);
		event_base_free(p->base);
		free(p);
		return (NULL);
	}
	p->last_ms = util_mono_ms();
	if (pthread_create(&p->thread, NULL, provider_main, p) != 0) {
		evhttp_free(p->http);
		event_base_free(p->base);
		free(p);
		return (NULL);
	}
	return (p);
}

static void
provider_stop(struct provider *p)
{
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	evhttp_free(p->http);
	event_base_free(p->base);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* --- the session ---------------------------------------------------------- */

static void
texter_error(struct texter *s, json_t *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
texter_error(struct texter *s, json_t *t, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = xstrdup("error");
	va_end(ap);
	s->errors++;
	if (t != NULL)
		json_object_set_new(t, "error", json_string(msg));
	if (!s->json)
		printf("!! %s\n", msg);
	free(msg);
}

/* Report what the service sent through the REST stand-in since last time. */
static void
texter_drain_sent(struct texter *s)
{
	struct sent		*list, *e, *next;
	struct form		 f;
	struct cli_http_resp	 r;
	const char		*states[] = { "sent", "delivered" };
	size_t			 i;

	if (s->prov == NULL)
		return;
	pthread_mutex_lock(&s->prov->lock);
	list = s->prov->head;
	s->prov->head = NULL;
	s->prov->tail = &s->prov->head;
	pthread_mutex_unlock(&s->prov->lock);
	for (e = list; e != NULL; e = next) {
		next = e->next;
		json_array_append_new(s->out_sent, json_pack("{s:s, s:s, s:s, "
		    "s:s}", "sid", e->sid, "to", e->to, "from", e->from, "text",
		    e->body));
		if (!s->json)
			printf("< [sent to %s] %s\n", e->to, e->body);
		/* The provider reports delivery where it was asked to. */
		for (i = 0; e->status_callback != NULL && i < 2; i++) {
			memset(&f, 0, sizeof f);
			form_add(&f, "MessageSid", e->sid);
			form_add(&f, "SmsSid", e->sid);
			form_add(&f, "AccountSid", s->http.account_sid);
			form_add(&f, "From", e->from);
			form_add(&f, "To", e->to);
			form_add(&f, "MessageStatus", states[i]);
			form_add(&f, "SmsStatus", states[i]);
			form_add(&f, "ApiVersion", "2010-04-01");
			if (cli_http_request(&s->http, "POST",
			    e->status_callback, &f, &r) != 0 ||
			    r.status < 200 || r.status > 299)
				texter_error(s, NULL, "status callback %s: %s",
				    e->status_callback, r.status ? "answered "
				    "with an error" : r.errbuf);
			cli_http_resp_free(&r);
			form_free(&f);
		}
		free(e->to);
		free(e->from);
		free(e->body);
		free(e->sid);
		free(e->status_callback);
		free(e);
	}
}

static void
texter_send(struct texter *s, const char *text)
{
	struct form		 f;
	struct cli_http_resp	 r;
	struct cli_twiml	*doc;
	json_t			*t, *msgs, *m;
	char			*url, *sid, *hex, *err = NULL;
	size_t			 i;

	hex = util_random_hex(16);
	xasprintf(&sid, "SM%s", hex);
	free(hex);
	memset(&f, 0, sizeof f);
	form_add(&f, "MessageSid", sid);
	form_add(&f, "SmsSid", sid);
	form_add(&f, "SmsMessageSid", sid);
	form_add(&f, "AccountSid", s->http.account_sid);
	form_add(&f, "From", s->from);
	form_add(&f, "To", s->to);
	form_add(&f, "Body", text);
	form_add(&f, "NumMedia", "0");
	form_add(&f, "NumSegments", "1");
	form_add(&f, "SmsStatus", "received");
	form_add(&f, "ApiVersion", "2010-04-01");
	form_add(&f, "FromCountry", "US");
	t = json_pack("{s:s, s:s}", "text", text, "sid", sid);
	json_array_append_new(s->out_texts, t);
	if (!s->json)
		printf("> %s\n", text);
	xasprintf(&url, "%s/sms/incoming", s->http.public_url);
	if (cli_http_request(&s->http, "POST", url, &f, &r) != 0) {
		texter_error(s, t, "/sms/incoming: %s", r.errbuf);
		goto out;
	}
	json_object_set_new(t, "status", json_integer(r.status));
	if (r.status != 200) {
		texter_error(s, t, "/sms/incoming answered %ld: %s", r.status,
		    r.body != NULL ? util_trim(r.body) : "");
		goto out;
	}
	if (!cli_http_is_twiml(&r)) {
		texter_error(s, t, "/sms/incoming answered %s, not TwiML",
		    r.ctype != NULL ? r.ctype : "without a Content-Type");
		goto out;
	}
	if ((doc = cli_twiml_parse(r.body != NULL ? r.body : "", r.len,
	    &err)) == NULL) {
		texter_error(s, t, "reply is not well-formed TwiML: %s", err);
		free(err);
		goto out;
	}
	msgs = cli_twiml_messages(doc);
	cli_twiml_free(doc);
	json_object_set_new(t, "replies", msgs);
	if (!s->json) {
		json_array_foreach(msgs, i, m)
			printf("< %s\n", json_string_value(json_object_get(m,
			    "text")));
		if (json_array_size(msgs) == 0)
			printf("  (no inline reply)\n");
	}
out:
	cli_http_resp_free(&r);
	form_free(&f);
	free(url);
	free(sid);
}

static void
sms_usage(void)
{
	fprintf(stderr,
	    "usage: hotline sms [--url URL] [--from NUMBER] [--to NUMBER]\n"
	    "           [--listen-provider HOST:PORT | --provider-port N] "
	    "[--wait SECONDS] [--json] TEXT...\n");
}

int
cli_sms(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "listen-provider", required_argument, NULL, 'L' },
		{ "provider-port", required_argument, NULL, 'P' },
		{ "wait", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct texter	 s;
	const char	*from = "+18175550142", *to = NULL, *base_url = NULL;
	char		*listen = NULL, *end;
	double		 wait = 3;
	long long	 quiet_since;
	int		 ch, i, port;

	memset(&s, 0, sizeof s);
	s.cli = cli;
	s.cfg = cli->cfg;
	while ((ch = getopt_long(argc, argv, "u:f:t:L:P:w:jh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'u':
			base_url = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'L':
			free(listen);
			listen = xstrdup(optarg);
			break;
		case 'P':
			port = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || port <= 0 || port > 65535) {
				sms_usage();
				return (2);
			}
			free(listen);
			xasprintf(&listen, "127.0.0.1:%d", port);
			break;
		case 'w':
			wait = strtod(optarg, &end);
			if (*end != '\0' || wait < 0 || wait > 600) {
				sms_usage();
				return (2);
			}
			break;
		case 'j':
			s.json = 1;
			break;
		default:
			sms_usage();
			return (2);
		}
	}
	if (optind >= argc) {
		sms_usage();
		free(listen);
		return (2);
	}
	if (s.cfg->public_url == NULL || *s.cfg->public_url == '\0') {
		fprintf(stderr, "hotline sms: no public_url in the "
		    "configuration (HOTLINE_PUBLIC_URL)\n");
		free(listen);
		return (2);
	}
	if ((s.from = util_phone_e164(from)) == NULL) {
		fprintf(stderr, "hotline sms: --from %s: not a phone number\n",
		    from);
		free(listen);
		return (2);
	}
	if (to == NULL)
		to = s.cfg->sms_from != NULL ? s.cfg->sms_from : "+18175550100";
	s.to = xstrdup(to);
	cli_http_init(&s.http, s.cfg, base_url, "sms");
	if (listen != NULL) {
		if ((s.prov = provider_start(listen)) == NULL) {
			free(listen);
			free(s.from);
			free(s.to);
			cli_http_free(&s.http);
			return (1);
		}
		if (!s.json)
			printf("(provider REST stand-in on http://%s: run "
			    "hotlined with HOTLINE_PROVIDER_API=http://%s)\n",
			    listen, listen);
	}
	s.out_texts = json_array();
	s.out_sent = json_array();

	for (i = optind; i < argc; i++) {
		texter_send(&s, argv[i]);
		texter_drain_sent(&s);
	}
	/* Replies through the REST API come after the webhook was answered. */
	if (s.prov != NULL) {
		quiet_since = util_mono_ms();
		for (;;) {
			usleep(50 * 1000);
			texter_drain_sent(&s);
			pthread_mutex_lock(&s.prov->lock);
			if (s.prov->last_ms > quiet_since)
				quiet_since = s.prov->last_ms;
			pthread_mutex_unlock(&s.prov->lock);
			if (util_mono_ms() - quiet_since > (long long)(wait *
			    1000))
				break;
		}
		texter_drain_sent(&s);
		provider_stop(s.prov);
	}

	if (s.json) {
		json_t	*out;

		out = json_pack("{s:s, s:s, s:o, s:o?, s:b}", "from", s.from,
		    "to", s.to, "texts", s.out_texts, "sent", listen != NULL ?
		    s.out_sent : NULL, "ok", s.errors == 0);
		if (listen == NULL)
			json_decref(s.out_sent);
		json_dumpf(out, stdout, JSON_INDENT(1));
		printf("\n");
		json_decref(out);
	} else {
		json_decref(s.out_texts);
		json_decref(s.out_sent);
	}
	cli_http_free(&s.http);
	free(listen);
	free(s.from);
	free(s.to);
	return (s.errors == 0 ? 0 : 1);
}
