/*
 * outbox_send.c -- the outbox's dispatcher (see outbox.c for the rows'
 * life): on the loop it claims due rows (a store transaction), sends each
 * through libcurl -- the provider's REST API for texts and calls, a chat
 * webhook, or SMTP (the message is outbox_email.c's) -- at the configured
 * rate and concurrency, and records each result in another transaction.  A row
 * left 'sending' is first reconciled against the provider's list of
 * messages.  Everything here runs on the loop.
 */
#include <sys/queue.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <openssl/evp.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "callback.h"
#include "config.h"
#include "curlev.h"
#include "form.h"
#include "hotline.h"
#include "lease.h"
#include "live.h"
#include "log.h"
#include "message.h"
#include "metrics.h"
#include "optout.h"
#include "outbox.h"
#include "outbox_private.h"
#include "segment.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

static void	outbox_tick(evutil_socket_t, short, void *);
static void	outbox_pump(struct outbox *);
static void	outbox_start(struct outbox_send *);

static void
outbox_claim_done(int ok, void *arg)
{
	struct outbox_claim	*c = arg;
	struct outbox		*ob = c->ob;
	struct outbox_send	*s;

	ob->claiming = 0;
	if (c->suppressed > 0)
		metrics_add("hotline_outbox_suppressed_total", "kind=\"sms\"",
		    c->suppressed);
	while ((s = TAILQ_FIRST(&c->rows)) != NULL) {
		TAILQ_REMOVE(&c->rows, s, entry);
		s->cfg = config_ref(c->cfg);
		TAILQ_INSERT_TAIL(&ob->ready, s, entry);
		ob->nready++;
	}
	/* A full batch: more may be due.  A failed claim waits for a tick. */
	if (!ok)
		ob->more = 0;
	else if (c->n >= c->limit)
		ob->more = 1;
	config_unref(c->cfg);
	free(c);
	outbox_pump(ob);
}

/* --- the dispatcher (loop) --------------------------------------------- */

static void
outbox_refill(struct outbox *ob, const struct config *cfg)
{
	long long	now = util_mono_ms();
	double		burst = cfg->send_rate > 1 ? cfg->send_rate : 1;

	ob->tokens += (now - ob->refill_ms) / 1000.0 * cfg->send_rate;
	if (ob->tokens > burst)
		ob->tokens = burst;
	ob->refill_ms = now;
}

static void
outbox_claim(struct outbox *ob, struct config *cfg, int limit)
{
	struct hotline		*hl = ob->hl;
	struct outbox_claim	*c;
	time_t			 now = util_now();

	c = xcalloc(1, sizeof *c);
	c->ob = ob;
	c->cfg = config_ref(cfg);
	c->limit = limit;
	TAILQ_INIT(&c->rows);
	/*
	 * A store only this instance uses (SQLite): whatever was 'sending'
	 * before we started is a crash's leftover.  A shared one
	 * (PostgreSQL): only a row whose lease ran out is.
	 */
	c->cutoff = now - OUTBOX_LEASE;
	c->dead_cutoff = now - OUTBOX_DEAD_AFTER;
	if (!store_shared(hl->store)) {
		if (ob->started > c->cutoff)
			c->cutoff = ob->started;
		c->dead_cutoff = c->cutoff;
	}
	c->orphans = lease_held("outbox-reconcile");
	ob->claiming = 1;
	ob->more = 0;
	if (store_submit(hl->store, outbox_claim_tx, outbox_claim_done, c) != 0) {
		ob->claiming = 0;
		config_unref(c->cfg);
		free(c);
	}
}

/*
 * How many rows the dispatcher holds at most, claimed and in flight: two
 * rounds of the connections, so that the next batch is claimed while this
 * one is being sent and no connection waits for a claim's commit; and no
 * more than a second's sends at the configured rate, so that a claimed
 * row goes out well within its lease (OUTBOX_LEASE).
 */
static int
outbox_ahead(const struct config *cfg)
{
	int	n = 2 * cfg->send_concurrency;

	if (n > (int)cfg->send_rate)
		n = (int)cfg->send_rate;
	return (n > 1 ? n : 1);
}

/*
 * The dispatcher's step: start claimed rows while the rate and the
 * concurrency allow, and claim the next batch once fewer than half a round
 * are waiting.  Called whenever something changed: a claim came back, a
 * send ended, a tick, a kick, a token came due.
 */
static void
outbox_pump(struct outbox *ob)
{
	struct hotline		*hl = ob->hl;
	struct config		*cfg = hotline_config(hl);
	struct outbox_send	*s;
	struct timeval		 tv;
	double			 wait;
	int			 limit;

	/* A send that ends at once (a bad row) comes back here. */
	if (ob->pumping)
		return;
	ob->pumping = 1;
	outbox_refill(ob, cfg);
	/*
	 * Closing, the rows already claimed go out at once (at most a
	 * second's worth at send_rate, the burst the rate allows anyway)
	 * rather than be left 'sending' for the next start to reconcile.
	 */
	while (ob->nsending < cfg->send_concurrency && (ob->tokens >= 1 ||
	    hl->stopping) && (s = TAILQ_FIRST(&ob->ready)) != NULL) {
		TAILQ_REMOVE(&ob->ready, s, entry);
		ob->nready--;
		TAILQ_INSERT_TAIL(&ob->sends, s, entry);
		ob->nsending++;
		outbox_start(s);
	}
	ob->pumping = 0;
	if (ob->nready > 0 && ob->nsending < cfg->send_concurrency &&
	    !hl->stopping) {
		/* Held back by the rate: back when the next token is due. */
		wait = (1 - ob->tokens) / cfg->send_rate;
		tv.tv_sec = (time_t)wait;
		tv.tv_usec = (suseconds_t)((wait - tv.tv_sec) * 1e6) + 1;
		evtimer_add(ob->pace, &tv);
	}
	/* Closing: what is claimed goes out, nothing more is claimed. */
	if (hl->stopping || ob->claiming || !ob->more)
		return;
	if (ob->nready > cfg->send_concurrency / 2)
		return;
	limit = outbox_ahead(cfg) - ob->nready - ob->nsending;
	if (limit > OUTBOX_BATCH_MAX)
		limit = OUTBOX_BATCH_MAX;
	if (limit > 0)
		outbox_claim(ob, cfg, limit);
}

static void
outbox_tick(evutil_socket_t fd, short what, void *arg)
{
	struct outbox	*ob = arg;

	if (ob->hl->stopping)
		return;
	/* Rows may have come due (a retry's backoff, a scheduled text). */
	ob->more = 1;
	outbox_pump(ob);
}

static void
outbox_pace(evutil_socket_t fd, short what, void *arg)
{
	outbox_pump(arg);
}

void
outbox_kick(struct outbox *ob)
{
	struct timeval	tv = { 0, 0 };

	if (ob == NULL || ob->hl->stopping)
		return;
	event_add(ob->kick, &tv);
}

void
outbox_init(struct hotline *hl)
{
	struct outbox	*ob;
	struct timeval	 tv = { 0, OUTBOX_TICK_MS * 1000 };

	ob = xcalloc(1, sizeof *ob);
	ob->hl = hl;
	ob->started = util_now();
	ob->refill_ms = util_mono_ms();
	ob->tokens = hl->cfg->send_rate > 1 ? hl->cfg->send_rate : 1;
	TAILQ_INIT(&ob->ready);
	TAILQ_INIT(&ob->sends);
	TAILQ_INIT(&ob->done);
	srandom((unsigned int)(time(NULL) ^ getpid()));
	ob->timer = event_new(hl->base, -1, EV_PERSIST, outbox_tick, ob);
	ob->kick = event_new(hl->base, -1, 0, outbox_tick, ob);
	ob->pace = evtimer_new(hl->base, outbox_pace, ob);
	event_add(ob->timer, &tv);
	hl->outbox = ob;
	metrics_help("hotline_outbox_sent_total", "counter",
	    "Outbox messages delivered to the provider, SMTP or chat, by kind.");
	metrics_help("hotline_outbox_retries_total", "counter",
	    "Outbox attempts that failed and will be retried, by kind.");
	metrics_help("hotline_outbox_failed_total", "counter",
	    "Outbox messages given up on (permanent error or too many "
	    "attempts), by kind.");
	metrics_help("hotline_outbox_suppressed_total", "counter",
	    "Texts not sent because the number opted out after they were "
	    "queued.");
	metrics_help("hotline_outbox_send_seconds", "histogram",
	    "Time from the start of a send to its answer, by kind.");
	metrics_help("hotline_outbox_reconciled_total", "counter",
	    "Unconfirmed sends found already delivered and not sent again.");
	/* Rows left from before a restart go out without waiting a tick. */
	outbox_kick(ob);
}

static void
outbox_strings_free(struct outbox *ob)
{
	if (ob->scfg != NULL)
		config_unref(ob->scfg);
	ob->scfg = NULL;
	free(ob->api_messages);
	free(ob->api_calls);
	free(ob->userpwd);
	free(ob->sms_status_url);
	free(ob->voice_status_url);
}

void
outbox_free(struct outbox *ob)
{
	struct outbox_send	*s;

	if (ob == NULL)
		return;
	/*
	 * curlev_free, called after us, cancels the transfers of the sends.
	 * A results job still queued keeps its rows: the store runs it when
	 * it closes.
	 */
	while ((s = TAILQ_FIRST(&ob->ready)) != NULL) {
		TAILQ_REMOVE(&ob->ready, s, entry);
		outbox_send_free(s);
	}
	while ((s = TAILQ_FIRST(&ob->sends)) != NULL) {
		TAILQ_REMOVE(&ob->sends, s, entry);
		outbox_send_free(s);
	}
	while ((s = TAILQ_FIRST(&ob->done)) != NULL) {
		TAILQ_REMOVE(&ob->done, s, entry);
		outbox_send_free(s);
	}
	outbox_strings_free(ob);
	event_free(ob->timer);
	event_free(ob->kick);
	event_free(ob->pace);
	free(ob);
}

/* --- results (store thread, then loop) --------------------------------- */

/*
 * A provider's error text, fit for the log: the provider's message may
 * quote the number ("The 'To' number +1... is not a valid phone number"),
 * so every run of seven or more digits is masked as log_phone() does.
 * Caller frees.
 */
static char *
outbox_log_text(const char *why)
{
	const char	*p = why, *e;
	char		*out, *o, num[64], ph[LOG_PHONE_LEN];
	size_t		 n;

	/* A masked number is at most twice as long as the digits it hides. */
	out = o = xmalloc(2 * strlen(why) + 1);
	while (*p != '\0') {
		e = *p == '+' ? p + 1 : p;
		while (isdigit((unsigned char)*e))
			e++;
		n = e - p;
		if (n - (*p == '+') >= 7) {
			snprintf(num, sizeof num, "%.*s", (int)n, p);
			if (n >= sizeof num)
				strcpy(ph, "***");
			else
				log_phone(num, ph);
			memcpy(o, ph, strlen(ph));
			o += strlen(ph);
			p = e;
		} else if (n > 0) {
			memcpy(o, p, n);
			o += n;
			p = e;
		} else
			*o++ = *p++;
	}
	*o = '\0';
	return (out);
}

static void
outbox_store(struct outbox *);

static void
outbox_results_done(int ok, void *arg)
{
	struct outbox_results	*r = arg;
	struct outbox		*ob = r->ob;
	struct outbox_send	*s;
	char			 ph[LOG_PHONE_LEN], *why;

	while ((s = TAILQ_FIRST(&r->rows)) != NULL) {
		TAILQ_REMOVE(&r->rows, s, entry);
		if (!ok)
			log_error("outbox: row %lld: result not stored; it is "
			    "retried after its lease", s->id);
		else if (s->result == OUTBOX_FAILED) {
			why = outbox_log_text(s->last_error != NULL ?
			    s->last_error : "error");
			log_warn("outbox: row %lld (%s to %s) failed: %s", s->id,
			    s->kind, strchr(s->recipient, '@') != NULL ?
			    "an address" : log_phone(s->recipient, ph), why);
			free(why);
		}
		outbox_send_free(s);
	}
	free(r);
	ob->storing = 0;
	outbox_store(ob);
}

/*
 * Give the results waiting to the store, at most OUTBOX_BATCH_MAX in
 * one job and one job at a time: the results that come in while a job
 * commits go together in the next, and no job is so big that the
 * webhooks' commits behind it wait long.
 */
static void
outbox_store(struct outbox *ob)
{
	struct outbox_results	*r;
	struct outbox_send	*s;

	if (ob->storing || ob->ndone == 0)
		return;
	r = xcalloc(1, sizeof *r);
	r->ob = ob;
	TAILQ_INIT(&r->rows);
	while (r->n < OUTBOX_BATCH_MAX &&
	    (s = TAILQ_FIRST(&ob->done)) != NULL) {
		TAILQ_REMOVE(&ob->done, s, entry);
		ob->ndone--;
		TAILQ_INSERT_TAIL(&r->rows, s, entry);
		r->n++;
	}
	ob->storing = 1;
	if (store_submit(ob->hl->store, outbox_results_tx, outbox_results_done,
	    r) != 0) {
		/* Closing: the rows stay 'sending' and are reconciled next start. */
		ob->storing = 0;
		while ((s = TAILQ_FIRST(&r->rows)) != NULL) {
			TAILQ_REMOVE(&r->rows, s, entry);
			outbox_send_free(s);
		}
		free(r);
	}
}

void
outbox_finish(struct outbox_send *s, enum outbox_result result,
    long long code, const char *why)
{
	struct outbox	*ob = s->ob;
	char		 labels[64], *why_log;
	double		 delay;
	int		 n = s->attempts + 1;

	snprintf(labels, sizeof labels, "kind=\"%s\"", s->kind);
	if (result == OUTBOX_RETRY && n >= s->cfg->send_max_attempts) {
		result = OUTBOX_FAILED;
		free(s->last_error);
		xasprintf(&s->last_error, "gave up after %d attempts: %s", n,
		    why != NULL ? why : "error");
	} else if (why != NULL) {
		free(s->last_error);
		s->last_error = xstrdup(why);
	}
	s->result = result;
	s->error_code = code;
	switch (result) {
	case OUTBOX_SENT:
		metrics_add("hotline_outbox_sent_total", labels, 1);
		metrics_observe("hotline_outbox_send_seconds", labels,
		    (util_mono_ms() - s->start_ms) / 1000.0);
		break;
	case OUTBOX_RETRY:
		/* Exponential backoff with jitter: retries from many rows spread. */
		delay = OUTBOX_BACKOFF_BASE * pow(2, n - 1);
		if (delay > OUTBOX_BACKOFF_CAP)
			delay = OUTBOX_BACKOFF_CAP;
		delay = delay / 2 + (delay / 2) * (random() / (double)RAND_MAX);
		s->next_at = util_now() + (time_t)ceil(delay);
		metrics_add("hotline_outbox_retries_total", labels, 1);
		why_log = outbox_log_text(s->last_error != NULL ?
		    s->last_error : "error");
		log_info("outbox: row %lld attempt %d: %s; retry in %.0fs",
		    s->id, n, why_log, ceil(delay));
		free(why_log);
		break;
	case OUTBOX_FAILED:
		metrics_add("hotline_outbox_failed_total", labels, 1);
		break;
	}
	TAILQ_REMOVE(&ob->sends, s, entry);
	ob->nsending--;
	TAILQ_INSERT_TAIL(&ob->done, s, entry);
	ob->ndone++;
	outbox_store(ob);
	outbox_pump(ob);
}

/* --- sending (loop) ------------------------------------------------------ */

/* Errors after which the request may have reached the other side. */
static int
outbox_maybe_sent(int curl_code)
{
	switch (curl_code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		return (0);
	default:
		return (1);
	}
}

/* Classify an HTTP answer from the provider or a chat receiver. */
void
outbox_http_result(struct outbox_send *s, const struct curlev_resp *resp)
{
	json_t		*j;
	json_error_t	 jerr;
	long long	 code = 0;
	const char	*msg = NULL, *sid;
	char		*why;
	int		 status = (int)resp->status;

	if (resp->curl_code != 0 || status == 0) {
		xasprintf(&why, "%s%s", outbox_maybe_sent(resp->curl_code) &&
		    (strcmp(s->kind, "sms") == 0 || strcmp(s->kind, "call") == 0) ?
		    OUTBOX_UNCONFIRMED : "",
		    *resp->error != '\0' ? resp->error : "no response");
		outbox_finish(s, OUTBOX_RETRY, 0, why);
		free(why);
		return;
	}
	j = json_loadb(resp->body, resp->body_len, 0, &jerr);
	if (j != NULL && json_is_object(j)) {
		code = json_integer_value(json_object_get(j, "code"));
		msg = json_string_value(json_object_get(j, "message"));
	}
	if (status >= 200 && status < 300) {
		if (j != NULL && (sid = json_string_value(json_object_get(j,
		    "sid"))) != NULL)
			s->provider_sid = xstrdup(sid);
		json_decref(j);
		outbox_finish(s, OUTBOX_SENT, 0, NULL);
		return;
	}
	if (code != 0)
		xasprintf(&why, "HTTP %d, error %lld%s%s", status, code,
		    msg != NULL ? ": " : "", msg != NULL ? msg : "");
	else
		xasprintf(&why, "HTTP %d", status);
	json_decref(j);
	if (status == 429 || status >= 500 || code == 20429 || status < 400)
		outbox_finish(s, OUTBOX_RETRY, code, why);
	else {
		/* 21610, 21211, 21614 and every other 4xx: retrying won't help. */
		s->optout = code == 21610;
		outbox_finish(s, OUTBOX_FAILED, code, why);
	}
	free(why);
}

static void
outbox_http_cb(const struct curlev_resp *resp, void *arg)
{
	outbox_http_result(arg, resp);
}

/* The idempotency token: stable for the row across attempts and restarts. */
static void
outbox_token(const struct outbox_send *s, char *out, size_t len)
{
	char	hex[65];

	util_sha256_hex(s->dedupe, strlen(s->dedupe), hex);
	snprintf(out, len, "hotline-%lld-%.24s", s->id, hex);
}

static char *
outbox_api(const struct config *cfg, const char *what)
{
	char	*url;

	xasprintf(&url, "%s/2010-04-01/Accounts/%s/%s", cfg->provider_api,
	    cfg->account_sid, what);
	return (url);
}

static int
outbox_provider_ready(struct outbox_send *s)
{
	const struct config	*cfg = s->cfg;

	if (cfg->account_sid == NULL || *cfg->account_sid == '\0' ||
	    cfg->auth_token == NULL || *cfg->auth_token == '\0') {
		outbox_finish(s, OUTBOX_RETRY, 0, "no provider account sid or "
		    "auth token configured");
		return (0);
	}
	return (1);
}

/*
 * POST req's body, carrying this attempt's token in the idempotency header
 * the receiver knows (name) so that a retry is not taken for a new request.
 */
static int
outbox_post(struct outbox_send *s, struct curlev_req *req, const char *name)
{
	const char	*headers[2];
	char		 token[64], hdr[128];

	outbox_token(s, token, sizeof token);
	snprintf(hdr, sizeof hdr, "%s: %s", name, token);
	headers[0] = hdr;
	headers[1] = NULL;
	req->method = "POST";
	req->body_len = strlen(req->body);
	req->headers = headers;
	req->timeout_ms = OUTBOX_TIMEOUT_MS;
	return (curlev_http(s->ob->hl->curl, req, outbox_http_cb, s));
}

static void
outbox_fhir_cb(const struct curlev_resp *resp, void *arg)
{
	struct outbox_send	*s = arg;
	enum outbox_result	 res;
	long long		 code;
	char			*why;

	res = outbox_fhir_answer(s, resp, &code, &why);
	outbox_finish(s, res, code, why);
	free(why);
}

/*
 * The scheduling system (outbox_fhir.c): a conditional create or update,
 * so a retry after a lost answer never makes a second appointment.
 */
static void
outbox_send_fhir(struct outbox_send *s)
{
	struct outbox_fhir_req	 fr;
	const char		*why;

	if ((why = outbox_fhir_req(s, &fr)) != NULL) {
		outbox_fhir_req_free(&fr);
		outbox_finish(s, OUTBOX_FAILED, 0, why);
		return;
	}
	fr.req.timeout_ms = OUTBOX_TIMEOUT_MS;
	if (curlev_http(s->ob->hl->curl, &fr.req, outbox_fhir_cb, s) != 0)
		outbox_finish(s, OUTBOX_FAILED, 0, "bad FHIR url");
	outbox_fhir_req_free(&fr);
}

/*
 * The REST API's addresses and credentials under cfg, made once per
 * configuration rather than once per message.  The configuration is held
 * while they are kept, so a reload's new one is never taken for it.
 */
static void
outbox_strings(struct outbox *ob, struct config *cfg)
{
	if (ob->scfg == cfg)
		return;
	outbox_strings_free(ob);
	ob->scfg = config_ref(cfg);
	ob->api_messages = outbox_api(cfg, "Messages.json");
	ob->api_calls = outbox_api(cfg, "Calls.json");
	xasprintf(&ob->userpwd, "%s:%s", cfg->account_sid != NULL ?
	    cfg->account_sid : "", cfg->auth_token != NULL ? cfg->auth_token :
	    "");
	xasprintf(&ob->sms_status_url, "%s/sms/status", cfg->public_url);
	xasprintf(&ob->voice_status_url, "%s/voice/status", cfg->public_url);
}

/*
 * A REST API request (to Messages.json for a text, Calls.json for a
 * call) whose progress the provider reports to our status callback.
 */
static void
outbox_post_form(struct outbox_send *s, int call, struct form *f)
{
	struct outbox		*ob = s->ob;
	struct curlev_req	 req;
	char			*body;

	outbox_strings(ob, s->cfg);
	form_add(f, "StatusCallback", call ? ob->voice_status_url :
	    ob->sms_status_url);
	body = form_encode(f);
	memset(&req, 0, sizeof req);
	req.url = call ? ob->api_calls : ob->api_messages;
	req.userpwd = ob->userpwd;
	req.content_type = "application/x-www-form-urlencoded";
	req.body = body;
	if (outbox_post(s, &req, "I-Twilio-Idempotency-Token") != 0)
		outbox_finish(s, OUTBOX_RETRY, 0, "could not start the request");
	free(body);
}

/*
 * The provider's address for one of our numbers on the text's channel:
 * the number itself, or "whatsapp:" and the number for a text queued for
 * WhatsApp (outbox_channel).  Caller frees; NULL for a channel we do not
 * know.
 */
static char *
outbox_sms_address(const struct outbox_send *s, const char *number)
{
	const char	*ch = outbox_str(s->payload, "channel");
	char		*a;

	if (ch == NULL || strcmp(ch, "sms") == 0)
		return (xstrdup(number));
	if (strcmp(ch, OUTBOX_WHATSAPP) != 0)
		return (NULL);
	xasprintf(&a, "%s:%s", OUTBOX_WHATSAPP, number);
	return (a);
}

static void
outbox_send_sms(struct outbox_send *s)
{
	const struct config	*cfg = s->cfg;
	struct form		 f = { NULL, 0 };
	const char		*body = outbox_str(s->payload, "body");
	char			*to, *from = NULL, *folded;

	if (body == NULL) {
		outbox_finish(s, OUTBOX_FAILED, 0, "payload has no body");
		return;
	}
	if ((to = outbox_sms_address(s, s->recipient)) == NULL) {
		outbox_finish(s, OUTBOX_FAILED, 0, "payload names an unknown "
		    "channel");
		return;
	}
	if (!outbox_provider_ready(s)) {
		free(to);
		return;
	}
	form_add(&f, "To", to);
	if (cfg->messaging_service_sid != NULL)
		form_add(&f, "MessagingServiceSid", cfg->messaging_service_sid);
	else {
		from = outbox_sms_address(s, cfg->sms_from);
		form_add(&f, "From", from);
	}
	/* Curly quotes and dashes would cost UCS-2: send GSM-7 by SMS. */
	folded = strncmp(to, OUTBOX_WHATSAPP ":", strlen(OUTBOX_WHATSAPP) + 1) ==
	    0 ? xstrdup(body) : segment_fold(body);
	form_add(&f, "Body", folded);
	free(folded);
	outbox_post_form(s, 0, &f);
	form_free(&f);
	free(to);
	free(from);
}

static void
outbox_send_call(struct outbox_send *s)
{
	const struct config	*cfg = s->cfg;
	struct form		 f = { NULL, 0 };
	const char		*url = outbox_str(s->payload, "url");
	const char		*from = outbox_str(s->payload, "from");

	if (url == NULL) {
		outbox_finish(s, OUTBOX_FAILED, 0, "payload has no url");
		return;
	}
	if (from == NULL)
		from = cfg->voice_caller_id;
	if (from == NULL) {
		outbox_finish(s, OUTBOX_FAILED, 0, "no caller id to call from");
		return;
	}
	if (!outbox_provider_ready(s))
		return;
	form_add(&f, "To", s->recipient);
	form_add(&f, "From", from);
	form_add(&f, "Url", url);
	outbox_post_form(s, 1, &f);
	form_free(&f);
}

static void
outbox_send_chat(struct outbox_send *s)
{
	struct curlev_req	 req;
	const char		*url = outbox_str(s->payload, "url");
	json_t			*body = json_object_get(s->payload, "json");
	char			*text;

	if (url == NULL || body == NULL) {
		outbox_finish(s, OUTBOX_FAILED, 0, "payload needs url and json");
		return;
	}
	if ((text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL) {
		outbox_finish(s, OUTBOX_FAILED, 0, "payload json not encodable");
		return;
	}
	memset(&req, 0, sizeof req);
	req.url = url;
	req.content_type = "application/json";
	req.body = text;
	if (outbox_post(s, &req, "Idempotency-Key") != 0)
		outbox_finish(s, OUTBOX_FAILED, 0, "bad chat webhook url");
	free(text);
}

static void
outbox_smtp_cb(const struct curlev_resp *resp, void *arg)
{
	struct outbox_send	*s = arg;
	char			*why;

	if (resp->curl_code == 0) {
		outbox_finish(s, OUTBOX_SENT, 0, NULL);
		return;
	}
	xasprintf(&why, "SMTP %ld: %s", resp->status, resp->error);
	/* 5xx is the server refusing for good; anything else may pass later. */
	if (resp->status >= 500 && resp->status < 600)
		outbox_finish(s, OUTBOX_FAILED, resp->status, why);
	else
		outbox_finish(s, OUTBOX_RETRY, resp->status, why);
	free(why);
}

static void
outbox_send_email(struct outbox_send *s)
{
	const struct config	*cfg = s->cfg;
	const char		*subject = outbox_str(s->payload, "subject");
	const char		*body = outbox_str(s->payload, "body");
	char			*msg;

	if (cfg->smtp_url == NULL || *cfg->smtp_url == '\0' ||
	    cfg->smtp_from == NULL) {
		outbox_finish(s, OUTBOX_RETRY, 0, "no smtp_url / smtp_from "
		    "configured");
		return;
	}
	if (body == NULL || strchr(s->recipient, '@') == NULL) {
		outbox_finish(s, OUTBOX_FAILED, 0, "payload needs an address "
		    "and a body");
		return;
	}
	msg = outbox_email_text(s, cfg->smtp_from, subject != NULL ? subject :
	    "", body);
	if (curlev_smtp(s->ob->hl->curl, cfg->smtp_url, cfg->smtp_from,
	    s->recipient, msg, outbox_smtp_cb, s) != 0)
		outbox_finish(s, OUTBOX_RETRY, 0, "could not start SMTP");
	free(msg);
}

static void
outbox_deliver(struct outbox_send *s)
{
	s->ob->tokens -= 1;
	s->start_ms = util_mono_ms();
	if (strcmp(s->kind, "sms") == 0)
		outbox_send_sms(s);
	else if (strcmp(s->kind, "call") == 0)
		outbox_send_call(s);
	else if (strcmp(s->kind, "email") == 0)
		outbox_send_email(s);
	else if (strcmp(s->kind, "chat") == 0)
		outbox_send_chat(s);
	else if (strcmp(s->kind, "fhir") == 0)
		outbox_send_fhir(s);
	else
		outbox_finish(s, OUTBOX_FAILED, 0, "unknown kind");
}

/* RFC 2822 date as the provider writes it: "Mon, 16 Aug 2010 03:45:01 +0000". */
static time_t
outbox_rfc2822(const char *s)
{
	struct tm	 tm;
	const char	*end;

	if (s == NULL)
		return (0);
	memset(&tm, 0, sizeof tm);
	if ((end = strptime(s, "%a, %d %b %Y %H:%M:%S", &tm)) == NULL)
		return (0);
	return (timegm(&tm));
}

/*
 * Is one of the provider's listed messages (or calls) ours?  Same number,
 * same body, created no earlier than our unconfirmed attempt.
 */
static int
outbox_listed(const struct outbox_send *s, const char *addr, json_t *list,
    char **sid)
{
	const char	*body = outbox_str(s->payload, "body");
	const char	*to, *b, *id;
	json_t		*m;
	time_t		 at;
	size_t		 i;

	json_array_foreach(list, i, m) {
		to = json_string_value(json_object_get(m, "to"));
		b = json_string_value(json_object_get(m, "body"));
		id = json_string_value(json_object_get(m, "sid"));
		if (to == NULL || strcmp(to, addr) != 0)
			continue;
		if (strcmp(s->kind, "sms") == 0 && (b == NULL || body == NULL ||
		    strcmp(b, body) != 0))
			continue;
		at = outbox_rfc2822(json_string_value(json_object_get(m,
		    "date_created")));
		if (at != 0 && at + 300 < s->prev_started)
			continue;
		*sid = id != NULL ? xstrdup(id) : NULL;
		return (1);
	}
	return (0);
}

/* Whom the row's request was addressed to, as the provider lists it. */
static char *
outbox_to(const struct outbox_send *s)
{
	char	*a = NULL;

	if (strcmp(s->kind, "sms") == 0)
		a = outbox_sms_address(s, s->recipient);
	return (a != NULL ? a : xstrdup(s->recipient));
}

static void
outbox_reconcile_cb(const struct curlev_resp *resp, void *arg)
{
	struct outbox_send	*s = arg;
	json_t			*j, *list;
	json_error_t		 jerr;
	char			*sid = NULL, *why, *addr;
	int			 found;

	if (resp->curl_code != 0 || resp->status != 200) {
		xasprintf(&why, "%scould not list sent messages (HTTP %ld%s%s)",
		    OUTBOX_UNCONFIRMED, resp->status, *resp->error != '\0' ?
		    ": " : "", resp->error);
		outbox_finish(s, OUTBOX_RETRY, 0, why);
		free(why);
		return;
	}
	j = json_loadb(resp->body, resp->body_len, 0, &jerr);
	list = json_object_get(j, strcmp(s->kind, "sms") == 0 ? "messages" :
	    "calls");
	addr = outbox_to(s);
	found = json_is_array(list) && outbox_listed(s, addr, list, &sid);
	free(addr);
	json_decref(j);
	if (found) {
		log_info("outbox: row %lld was already sent before the restart; "
		    "not sending it again", s->id);
		metrics_add("hotline_outbox_reconciled_total", "", 1);
		s->provider_sid = sid;
		outbox_finish(s, OUTBOX_SENT, 0, NULL);
		return;
	}
	s->reconcile = 0;
	outbox_deliver(s);
}

static void
outbox_reconcile(struct outbox_send *s)
{
	struct curlev_req	 req;
	struct tm		 tm;
	time_t			 since = s->prev_started - 86400;
	char			 day[16], *to, *url, *base, *userpwd, *addr;
	int			 sms = strcmp(s->kind, "sms") == 0;

	if (!outbox_provider_ready(s))
		return;
	/* The filter is by day; a day early catches a send near midnight. */
	gmtime_r(&since, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	addr = outbox_to(s);
	to = form_escape(addr);
	free(addr);
	base = outbox_api(s->cfg, sms ? "Messages.json" : "Calls.json");
	xasprintf(&url, "%s?To=%s&%s=%s&PageSize=100", base, to,
	    sms ? "DateSent%3E" : "StartTime%3E", day);
	xasprintf(&userpwd, "%s:%s", s->cfg->account_sid, s->cfg->auth_token);
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.url = url;
	req.userpwd = userpwd;
	req.timeout_ms = OUTBOX_TIMEOUT_MS;
	s->ob->tokens -= 1;
	if (curlev_http(s->ob->hl->curl, &req, outbox_reconcile_cb, s) != 0)
		outbox_finish(s, OUTBOX_RETRY, 0, OUTBOX_UNCONFIRMED
		    "could not start the listing request");
	free(to);
	free(base);
	free(url);
	free(userpwd);
}

static void
outbox_start(struct outbox_send *s)
{
	if (s->bad) {
		outbox_finish(s, OUTBOX_FAILED, 0, "payload is not a JSON object");
		return;
	}
	if (s->reconcile && (strcmp(s->kind, "sms") == 0 ||
	    strcmp(s->kind, "call") == 0)) {
		outbox_reconcile(s);
		return;
	}
	outbox_deliver(s);
}
