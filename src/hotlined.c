/*
 * hotlined.c -- the service: load the configuration, open the store, run
 * one event loop with the HTTP server, the outbox dispatcher, the staff
 * dashboard's live updates, and the leases on work that must happen once
 * among instances on it.
 *
 * SIGHUP loads the configuration again; a configuration with problems is
 * refused and the old one keeps running.  SIGTERM stops accepting
 * connections, lets requests, store jobs and sends in flight finish (at
 * most drain_seconds), then exits.
 */
#include <sys/resource.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>

#include "callback.h"
#include "config.h"
#include "curlev.h"
#include "devtoken.h"
#include "guidepage.h"
#include "hotline.h"
#include "http.h"
#include "lease.h"
#include "live.h"
#include "log.h"
#include "metrics.h"
#include "optout.h"
#include "outbox.h"
#include "programme.h"
#include "reply.h"
#include "report.h"
#include "retention.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define DRAIN_SECONDS 10
/*
 * Descriptors the service needs besides its HTTP connections: standard
 * streams, the loop's own, the store's files or sockets, logs, prompt
 * files while they load, DNS and SMTP.  The outbound client and the
 * accept burst are added to this.
 */
#define NOFILE_RESERVE 48

static struct hotline	 hl;
static struct event	*drain_ev;
static long long	 drain_started;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: hotlined [--config FILE] [--check] [--port-file FILE]\n"
	    "  --config FILE     configuration (default config/hotline.yaml)\n"
	    "  --check           check configuration, prompts and patterns; "
	    "print file:line: problems\n"
	    "  --port-file FILE  write the bound port to FILE once listening\n"
	    "environment: HOTLINE_LISTEN HOTLINE_PUBLIC_URL HOTLINE_STORE "
	    "HOTLINE_PROVIDER_API\n"
	    "             TWILIO_ACCOUNT_SID TWILIO_AUTH_TOKEN HOTLINE_SMTP_URL "
	    "HOTLINE_LOG_LEVEL\n"
	    "             HOTLINE_ENV (development, the default, or "
	    "production)\n");
	exit(2);
}

static void
health_cb(struct hreq *r)
{
	http_reply(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
}

static int
ready_tx(struct db *db, void *arg)
{
	(void)arg;
	return (db_ping(db));
}

static void
ready_done(int ok, void *arg)
{
	struct hreq	*r = arg;
	char		*s, *path;

	if (!ok) {
		http_error(r, 503, "store not reachable");
		return;
	}
	if (!hl.cfg->dev_token) {
		http_reply(r, 200, "text/plain; charset=utf-8", "ready\n", 6);
		return;
	}
	path = devtoken_path(hl.cfg);
	xasprintf(&s, "ready\nDEVELOPMENT: webhooks are signed with the local "
	    "token in %s, not the provider's; set TWILIO_AUTH_TOKEN and "
	    "HOTLINE_ENV=production for a real number\n", path);
	http_reply(r, 200, "text/plain; charset=utf-8", s, strlen(s));
	free(s);
	free(path);
}

static void
ready_cb(struct hreq *r)
{
	if (hl.stopping) {
		http_error(r, 503, "shutting down");
		return;
	}
	if (store_submit(hl.store, ready_tx, ready_done, r) != 0)
		http_error(r, 503, "store closing");
}

/*
 * What an operator alerts on, read at every scrape: how late the oldest
 * due text is (the outbox is stuck or the provider refuses), and how long
 * the oldest caller has waited for a callback.
 */
static int
backlog_metrics(struct db *db)
{
	time_t		 now = util_now();
	long long	 due, oldest;

	if (outbox_backlog(db, now, &due, &oldest) != 0)
		return (-1);
	metrics_set("hotline_outbox_due", "", (double)due);
	metrics_set("hotline_outbox_oldest_due_seconds", "", (double)oldest);
	if (callback_backlog(db, now, &due, &oldest) != 0)
		return (-1);
	metrics_set("hotline_callbacks_waiting", "", (double)due);
	metrics_set("hotline_callback_oldest_wait_seconds", "",
	    (double)oldest);
	return (0);
}

static int
metrics_tx(struct db *db, void *arg)
{
	struct hreq	*r = arg;

	if (backlog_metrics(db) != 0)
		return (-1);
	return (report_metrics(db, r->cfg));
}

/* Rendered after the store refreshed the report gauges (or failed to). */
static void
metrics_done(int ok, void *arg)
{
	struct hreq	*r = arg;
	struct evbuffer	*b;
	size_t		 len;
	char		*s;

	metrics_set("hotline_report_ok", "", ok ? 1 : 0);
	metrics_set("hotline_uptime_seconds", "",
	    (util_mono_ms() - hl.started_ms) / 1000.0);
	metrics_set("hotline_store_pending", "", store_pending(hl.store));
	metrics_set("hotline_store_behind", "", store_behind_waiting(hl.store));
	metrics_set("hotline_http_in_flight", "", http_in_flight(hl.http));
	metrics_set("hotline_outbound_in_flight", "", curlev_pending(hl.curl));
	b = evbuffer_new();
	metrics_render(b);
	len = evbuffer_get_length(b);
	s = xmalloc(len + 1);
	evbuffer_remove(b, s, len);
	evbuffer_free(b);
	http_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", s, len);
	free(s);
}

/*
 * The report gauges (calls, funnel, keywords, callbacks) come from the
 * store, so a scrape is a store transaction; when the store is closing
 * the rest is still rendered.
 */
static void
metrics_cb(struct hreq *r)
{
	if (hl.stopping || store_submit(hl.store, metrics_tx, metrics_done,
	    r) != 0)
		metrics_done(0, r);
}

static void
print_errors(char **errors)
{
	size_t	i;

	for (i = 0; errors != NULL && errors[i] != NULL; i++)
		fprintf(stderr, "%s\n", errors[i]);
}

/*
 * Every connection holds a descriptor.  Raise the soft limit to what
 * max_connections needs, as far as the hard limit allows, and tell the
 * HTTP server how many connections fit in what there is: past that it
 * answers 503 instead of running out of descriptors.
 */
static void
nofile_setup(const struct config *cfg)
{
	struct rlimit	rl;
	rlim_t		reserve, need, want;

	reserve = NOFILE_RESERVE + (rlim_t)cfg->store_threads * 3 +
	    (rlim_t)(cfg->send_concurrency * 2 + 4) + HTTP_ACCEPT_BURST;
	need = (rlim_t)cfg->max_connections + reserve;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		log_warn("hotlined: getrlimit: %s", strerror(errno));
		return;
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		want = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need ?
		    rl.rlim_max : need;
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			log_warn("hotlined: setrlimit: %s", strerror(errno));
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY) {
		log_info("hotlined: no descriptor limit");
		http_set_budget(hl.http, INT_MAX);
		return;
	}
	log_info("hotlined: descriptor limit %llu (max_connections %d needs "
	    "%llu)", (unsigned long long)rl.rlim_cur, cfg->max_connections,
	    (unsigned long long)need);
	if (rl.rlim_cur <= reserve)
		http_set_budget(hl.http, 1);
	else
		http_set_budget(hl.http, rl.rlim_cur - reserve > INT_MAX ?
		    INT_MAX : (int)(rl.rlim_cur - reserve));
}

/*
 * No auth token in development: make the local one and load the
 * configuration again, so that it (and the report secret defaulting to
 * it) reads the same as it will at every later start and in `hotline`.
 */
static int
dev_token_setup(const char *path)
{
	struct config	*cfg;
	char		**errors, *err, *file;

	if (hl.cfg->auth_token != NULL || !hl.cfg->verify_signatures ||
	    hl.cfg->production)
		return (0);
	if (devtoken_create(hl.cfg, &err) != 0) {
		fprintf(stderr, "hotlined: cannot make a development auth "
		    "token: %s\n", err);
		free(err);
		return (-1);
	}
	if ((cfg = config_load(path, &errors)) == NULL) {
		print_errors(errors);
		config_errors_free(errors);
		return (-1);
	}
	config_unref(hl.cfg);
	hl.cfg = cfg;
	if (!cfg->dev_token)
		return (-1);
	file = devtoken_path(cfg);
	log_warn("hotlined: DEVELOPMENT MODE: no auth token configured "
	    "(TWILIO_AUTH_TOKEN); webhooks are checked against a local token "
	    "made for trying it out, in %s (mode 0600), which `hotline` run "
	    "from this folder uses. Never answer a real number like this: "
	    "set TWILIO_AUTH_TOKEN and HOTLINE_ENV=production", file);
	free(file);
	return (0);
}

static void
reload(void)
{
	struct config	*cfg;
	char		**errors;
	const char	*why;
	size_t		 i;
	enum log_level	 lvl;

	if ((cfg = config_load(hl.config_path, &errors)) == NULL) {
		for (i = 0; errors[i] != NULL; i++)
			log_error("reload: %s", errors[i]);
		log_error("reload: new configuration refused (%zu problems); "
		    "the old one stays in force", i);
		metrics_add("hotline_reloads_total", "result=\"refused\"", 1);
		config_errors_free(errors);
		return;
	}
	if ((why = devtoken_refusal(cfg)) != NULL) {
		log_error("reload: %s: %s", hl.config_path, why);
		log_error("reload: new configuration refused; the old one "
		    "stays in force");
		metrics_add("hotline_reloads_total", "result=\"refused\"", 1);
		config_unref(cfg);
		return;
	}
	prompt_load(cfg);
	if (strcmp(cfg->listen, hl.cfg->listen) != 0 ||
	    strcmp(cfg->store, hl.cfg->store) != 0)
		log_warn("reload: listen and store changes need a restart");
	config_unref(hl.cfg);
	hl.cfg = cfg;
	nofile_setup(cfg);
	http_configure(hl.http, cfg);
	if (log_level_parse(cfg->log_level, &lvl) == 0)
		log_set_level(lvl);
	staff_reconfigure(&hl);
	flowpic_update(cfg);
	metrics_add("hotline_reloads_total", "result=\"ok\"", 1);
	log_info("reload: configuration reloaded from %s", hl.config_path);
}

static void
drain_check(evutil_socket_t fd, short what, void *arg)
{
	int	busy;

	busy = http_in_flight(hl.http) + store_pending(hl.store) +
	    curlev_pending(hl.curl);
	if (busy == 0 || util_mono_ms() - drain_started > DRAIN_SECONDS * 1000) {
		if (busy != 0)
			log_warn("shutdown: %d requests/jobs still open after "
			    "%ds; stopping anyway (pending outbox rows resume "
			    "at the next start)", busy, DRAIN_SECONDS);
		event_base_loopexit(hl.base, NULL);
	}
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct timeval	tv = { 0, 50 * 1000 };

	if (sig == SIGHUP) {
		reload();
		return;
	}
	if (hl.stopping)
		return;
	hl.stopping = 1;
	log_info("shutdown: %s received; finishing requests in flight",
	    sig == SIGTERM ? "SIGTERM" : "SIGINT");
	http_stop_listening(hl.http);
	drain_started = util_mono_ms();
	drain_ev = event_new(hl.base, -1, EV_PERSIST, drain_check, NULL);
	event_add(drain_ev, &tv);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'k' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*path = "config/hotline.yaml", *port_file = NULL;
	char		**errors, *err;
	const char	*why;
	struct event	*sighup, *sigterm, *sigint;
	enum log_level	 lvl;
	FILE		*f;
	int		 ch, check = 0;

	while ((ch = getopt_long(argc, argv, "c:kp:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'k':
			check = 1;
			break;
		case 'p':
			port_file = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	log_init(LOG_INFO);
	(void)util_now();
	memset(&hl, 0, sizeof hl);
	hl.started_ms = util_mono_ms();
	hl.config_path = xstrdup(path);
	if (check)
		return (config_check(path, stdout, stderr));
	if ((hl.cfg = config_load(path, &errors)) == NULL) {
		print_errors(errors);
		config_errors_free(errors);
		fprintf(stderr, "hotlined: %s: configuration has problems\n", path);
		return (1);
	}
	if ((why = devtoken_refusal(hl.cfg)) != NULL) {
		fprintf(stderr, "%s: %s\n", path, why);
		fprintf(stderr, "hotlined: %s: configuration has problems\n",
		    path);
		config_unref(hl.cfg);
		return (1);
	}
	if (log_level_parse(hl.cfg->log_level, &lvl) == 0)
		log_set_level(lvl);
	if (dev_token_setup(path) != 0)
		return (1);
	prompt_load(hl.cfg);
	if (!hl.cfg->verify_signatures)
		log_warn("hotlined: WARNING: webhook signature checking is OFF "
		    "(verify_signatures: false). Never run like this on a "
		    "public number.");

	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		fatalx("hotlined: curl_global_init failed");
	if (evthread_use_pthreads() != 0)
		fatalx("hotlined: evthread_use_pthreads failed");
	if ((hl.base = event_base_new()) == NULL)
		fatalx("hotlined: event_base_new failed");
	/* Changes staff watch reach every instance (live.h). */
	store_before_commit(live_commit);
	/* An opt-out, however it comes, ends the daily programme. */
	optout_on_out(programme_stop);
	if ((hl.store = store_open(hl.base, hl.cfg->store,
	    hl.cfg->store_threads, &err)) == NULL)
		fatalx("hotlined: store: %s", err);
	hl.curl = curlev_new(hl.base, hl.cfg->send_concurrency * 2 + 4);
	hl.http = http_new(&hl, hl.base);
	nofile_setup(hl.cfg);
	http_configure(hl.http, hl.cfg);

	metrics_help("hotline_http_requests_total", "counter",
	    "HTTP requests answered, by route and status code.");
	metrics_help("hotline_http_request_seconds", "histogram",
	    "Time from request to reply, by route.");
	metrics_help("hotline_outbox_due", "gauge",
	    "Outbox messages due to be sent now and not yet taken.");
	metrics_help("hotline_outbox_oldest_due_seconds", "gauge",
	    "How long the oldest due outbox message has waited (0: none).");
	metrics_help("hotline_callbacks_waiting", "gauge",
	    "Callers waiting in the callback queue.");
	metrics_help("hotline_callback_oldest_wait_seconds", "gauge",
	    "How long the longest-waiting caller has been in the queue.");
	http_route(hl.http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, "/healthz", 0,
	    "healthz", health_cb);
	http_route(hl.http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, "/readyz", 0,
	    "readyz", ready_cb);
	http_route(hl.http, EVHTTP_REQ_GET, "/metrics", 0, "metrics",
	    metrics_cb);
	lease_init(&hl);
	hl.live = live_new(&hl);
	voice_init(&hl);
	sms_init(&hl);
	outbox_init(&hl);
	flowpic_init(&hl);
	staff_init(&hl);
	prompt_init(&hl);
	guidepage_init(&hl);
	retention_init(&hl);

	if (http_listen(hl.http, hl.cfg->listen) != 0)
		fatalx("hotlined: cannot listen on %s", hl.cfg->listen);
	if (port_file != NULL) {
		if ((f = fopen(port_file, "w")) == NULL)
			fatal("hotlined: %s", port_file);
		fprintf(f, "%d\n", http_port(hl.http));
		fclose(f);
	}
	log_info("hotlined: listening on %s (port %d), store %s, public URL %s",
	    hl.cfg->listen, http_port(hl.http),
	    store_name(hl.store),
	    hl.cfg->public_url);

	sighup = evsignal_new(hl.base, SIGHUP, signal_cb, NULL);
	sigterm = evsignal_new(hl.base, SIGTERM, signal_cb, NULL);
	sigint = evsignal_new(hl.base, SIGINT, signal_cb, NULL);
	event_add(sighup, NULL);
	event_add(sigterm, NULL);
	event_add(sigint, NULL);

	event_base_dispatch(hl.base);

	log_info("hotlined: stopped");
	event_free(sighup);
	event_free(sigterm);
	event_free(sigint);
	if (drain_ev != NULL)
		event_free(drain_ev);
	outbox_free(hl.outbox);
	staff_free(hl.staff);
	live_free(hl.live);
	lease_free();
	retention_free(hl.retention);
	curlev_free(hl.curl);
	http_free(hl.http);
	store_close(hl.store);
	voice_free();
	event_base_free(hl.base);
	config_unref(hl.cfg);
	free(hl.config_path);
	curl_global_cleanup();
	return (0);
}
