/*
 * cli_call.c -- "hotline call": a phone in the terminal.
 *
 * It plays the provider's part against a running hotlined: posts the
 * signed webhooks the provider would post, parses each TwiML answer with
 * expat and carries out its verbs in order -- shows (and, when a player is
 * installed, plays) each prompt, collects keys or typed speech for
 * <Gather>, asks what the other side does for <Dial>, follows <Redirect>,
 * and ends with the status callback.  With --script the caller's part
 * comes from a list instead of the keyboard and a transcript is printed
 * (--json for machines).
 *
 * Like the provider, it treats a non-200 answer, a body that is not TwiML
 * or an answer slower than 15 seconds as an application error: the call
 * ends there and the exit status says so.
 *
 * This file holds the call itself (options, webhooks, transcript, status
 * callback); phone.h says where the verbs, the audio, the script and
 * the terminal are.
 */
#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "phone.h"
#include "cli_http.h"
#include "cli_twiml.h"
#include "config.h"
#include "form.h"
#include "util.h"
#include "xmalloc.h"

/* --- the webhooks -------------------------------------------------------- */

static json_t *
form_json(const struct form *f)
{
	json_t	*o = json_object();
	size_t	 i;

	for (i = 0; i < f->n; i++)
		json_object_set_new(o, f->params[i].name,
		    json_string(f->params[i].value));
	return (o);
}

/*
 * Post and parse.  Returns the <Response> tree, or NULL after recording
 * why the provider would have played its application error.
 */
static struct cli_twiml *
call_fetch(struct phone *c, const char *method, const char *url,
    const struct form *params)
{
	struct cli_http_resp	 r;
	struct cli_twiml		*doc;
	char			*err = NULL, extra[256];
	size_t			 i;

	if (++c->nrequests > CALL_MAX_REQUESTS) {
		phone_error(c, "more than %d requests in one call: a loop?",
		    CALL_MAX_REQUESTS);
		return (NULL);
	}
	extra[0] = '\0';
	for (i = 0; i < params->n; i++) {
		const char *n = params->params[i].name;

		if (strcmp(n, "Digits") == 0 || strcmp(n, "SpeechResult") == 0 ||
		    strcmp(n, "DialCallStatus") == 0 ||
		    strcmp(n, "RecordingUrl") == 0 ||
		    strcmp(n, "CallStatus") == 0)
			snprintf(extra + strlen(extra), sizeof extra -
			    strlen(extra), " %s=%s", n, params->params[i].value);
	}
	if (cli_http_request(&c->http, method, url, params, &r) != 0) {
		phone_event(c, json_pack("{s:s, s:s, s:s, s:o, s:s}", "type",
		    "request", "method", method, "url", phone_short(c, url),
		    "params", form_json(params), "error", r.errbuf),
		    "> %s %s%s", method, phone_short(c, url), extra);
		phone_error(c, "%s: %s (the provider would play its "
		    "application error)", phone_short(c, url), r.errbuf);
		cli_http_resp_free(&r);
		return (NULL);
	}
	phone_event(c, json_pack("{s:s, s:s, s:s, s:o, s:i, s:i}", "type",
	    "request", "method", method, "url", phone_short(c, url), "params",
	    form_json(params), "status", (int)r.status, "ms", (int)r.ms),
	    "> %s %s%s  [%ld, %ld ms]", method, phone_short(c, url), extra,
	    r.status, r.ms);
	if (r.status != 200) {
		phone_error(c, "%s answered %ld: the provider would play its "
		    "application error", phone_short(c, url), r.status);
		cli_http_resp_free(&r);
		return (NULL);
	}
	if (!cli_http_is_twiml(&r)) {
		phone_error(c, "%s answered %s, not TwiML", phone_short(c, url),
		    r.ctype != NULL ? r.ctype : "without a Content-Type");
		cli_http_resp_free(&r);
		return (NULL);
	}
	if ((doc = cli_twiml_parse(r.body != NULL ? r.body : "", r.len,
	    &err)) == NULL) {
		phone_error(c, "%s: TwiML is not well formed: %s",
		    phone_short(c, url), err);
		free(err);
		cli_http_resp_free(&r);
		return (NULL);
	}
	cli_http_resp_free(&r);
	if (strcmp(doc->name, "Response") != 0) {
		phone_error(c, "%s: root element is <%s>, not <Response>",
		    phone_short(c, url), doc->name);
		cli_twiml_free(doc);
		return (NULL);
	}
	return (doc);
}

static void
call_status_callback(struct phone *c)
{
	struct form		 f;
	struct cli_http_resp	 r;
	char			*url, dur[32], ts[64];
	struct tm		 tm;
	time_t			 now = util_now();
	long			 secs;

	if (c->interactive)
		secs = (long)((util_mono_ms() - c->start_ms + 999) / 1000);
	else
		secs = (long)(c->seconds + 0.999);
	if (secs < 1)
		secs = 1;
	snprintf(dur, sizeof dur, "%ld", secs);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	phone_params(c, &f, "completed");
	form_add(&f, "CallDuration", dur);
	form_add(&f, "Duration", dur);
	form_add(&f, "Timestamp", ts);
	form_add(&f, "SequenceNumber", "0");
	form_add(&f, "CallbackSource", "call-progress-events");
	xasprintf(&url, "%s/voice/status", c->http.public_url);
	if (cli_http_request(&c->http, "POST", url, &f, &r) != 0) {
		phone_event(c, json_pack("{s:s, s:s, s:s}", "type",
		    "status_callback", "call_status", "completed", "error",
		    r.errbuf), "> POST /voice/status CallStatus=completed "
		    "CallDuration=%s  [%s]", dur, r.errbuf);
		c->errors++;
	} else {
		phone_event(c, json_pack("{s:s, s:s, s:i, s:i}", "type",
		    "status_callback", "call_status", "completed", "duration",
		    (int)secs, "status", (int)r.status),
		    "> POST /voice/status CallStatus=completed CallDuration=%s"
		    "  [%ld]", dur, r.status);
		if (r.status < 200 || r.status > 299)
			c->errors++;
	}
	cli_http_resp_free(&r);
	form_free(&f);
	free(url);
}

/* --- the command ---------------------------------------------------------- */

static void
call_usage(FILE *f)
{
	fprintf(f,
	    "usage: hotline call [--url URL] [--from NUMBER|anonymous] "
	    "[--lang L] [--script ITEMS] [--json]\n"
	    "  ITEMS, comma-separated: keys (2, 1#, *), speech:WORDS, "
	    "dial:completed|busy|no-answer|failed,\n"
	    "         record[:SECONDS], silence, hangup\n");
}

int
cli_call(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "lang", required_argument, NULL, 'l' },
		{ "script", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct phone		 c;
	struct form		 params;
	struct cli_twiml	*doc;
	char		*url, *method, *next_url, *next_method, *hex, *script = NULL;
	char		 tmpl[] = "/tmp/hotline-call.XXXXXX";
	const char	*from = "+18175550142", *to = NULL, *lang = NULL;
	const char	*base_url = NULL;
	int		 ch, more;
	struct sigaction old_int;

	memset(&c, 0, sizeof c);
	c.cli = cli;
	c.cfg = cli->cfg;
	c.lang = -1;
	while ((ch = getopt_long(argc, argv, "u:f:t:l:s:jh", longopts,
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
		case 'l':
			lang = optarg;
			break;
		case 's':
			script = optarg;
			break;
		case 'j':
			c.json = 1;
			break;
		case 'h':
			call_usage(stdout);
			return (0);
		default:
			call_usage(stderr);
			return (2);
		}
	}
	if (optind != argc) {
		call_usage(stderr);
		return (2);
	}
	if (c.cfg->public_url == NULL || *c.cfg->public_url == '\0') {
		fprintf(stderr, "hotline call: no public_url in the "
		    "configuration (HOTLINE_PUBLIC_URL)\n");
		return (2);
	}
	if (lang != NULL && (c.lang = config_lang(c.cfg, lang)) < 0) {
		fprintf(stderr, "hotline call: --lang %s: not one of the "
		    "configured languages\n", lang);
		return (2);
	}
	if (c.lang == 0)
		c.lang_done = 1;	/* the default needs no key */
	/* A blocked caller ID comes as "anonymous" instead of a number. */
	if (strcasecmp(from, "anonymous") == 0)
		c.from = xstrdup("anonymous");
	else if ((c.from = util_phone_e164(from)) == NULL) {
		fprintf(stderr, "hotline call: --from %s: not a phone number\n",
		    from);
		return (2);
	}
	if (to == NULL)
		to = c.cfg->voice_caller_id != NULL ? c.cfg->voice_caller_id :
		    c.cfg->sms_from != NULL ? c.cfg->sms_from : "+18175550100";
	c.to = xstrdup(to);
	if (script != NULL) {
		if (phone_script_parse(&c, script) != 0) {
			free(c.from);
			free(c.to);
			return (2);
		}
	} else {
		if (!isatty(STDIN_FILENO)) {
			fprintf(stderr, "hotline call: no terminal to read keys "
			    "from: use --script\n");
			free(c.from);
			free(c.to);
			return (2);
		}
		c.interactive = 1;
		phone_play_init(&c);
		if (mkdtemp(tmpl) == NULL) {
			fprintf(stderr, "hotline call: mkdtemp: %s\n",
			    strerror(errno));
			free(c.player);
			free(c.speaker);
			free(c.from);
			free(c.to);
			return (1);
		}
		c.tmpdir = tmpl;
	}
	cli_http_init(&c.http, c.cfg, base_url, "call");
	hex = util_random_hex(16);
	xasprintf(&c.sid, "CA%s", hex);
	free(hex);
	c.events = json_array();
	c.start_ms = util_mono_ms();

	cli_term_catch_sigint(&old_int);
	if (c.interactive) {
		cli_term_raw(&c.term);
		if (!c.json)
			printf("\rcalling %s as %s (keys 0-9 * #; ' to speak; "
			    "h hangs up)\r\n", c.http.public_url, c.from);
	}

	xasprintf(&url, "%s/voice/incoming", c.http.public_url);
	method = xstrdup("POST");
	phone_params(&c, &params, "ringing");
	for (;;) {
		doc = call_fetch(&c, method, url, &params);
		form_free(&params);
		if (doc == NULL) {
			c.ended = "error";
			break;
		}
		next_url = next_method = NULL;
		more = phone_run(&c, doc, url, &next_url, &next_method, &params);
		cli_twiml_free(doc);
		free(url);
		free(method);
		url = next_url;
		method = next_method;
		if (!more || cli_term_interrupted)
			break;
	}
	free(url);
	free(method);
	if (cli_term_interrupted)
		c.ended = "caller-hangup";
	if (c.ended != NULL && strcmp(c.ended, "caller-hangup") == 0)
		phone_event(&c, json_pack("{s:s}", "type", "caller_hangup"),
		    "  (caller hangs up)");
	call_status_callback(&c);
	cli_term_restore(&c.term);
	sigaction(SIGINT, &old_int, NULL);

	if (c.json) {
		json_t	*out;

		out = json_pack("{s:s, s:s, s:s, s:s, s:i, s:b, s:o}",
		    "call_sid", c.sid, "from", c.from, "to", c.to,
		    "ended", c.ended != NULL ? c.ended : "error", "requests",
		    c.nrequests, "ok", c.errors == 0, "events", c.events);
		json_dumpf(out, stdout, JSON_INDENT(1));
		printf("\n");
		json_decref(out);
	} else {
		printf("call %s ended (%s), %d request%s%s\n", c.sid,
		    c.ended != NULL ? c.ended : "error", c.nrequests,
		    c.nrequests == 1 ? "" : "s", c.errors ? ", with errors" :
		    "");
		json_decref(c.events);
	}
	if (c.next < c.nitems && c.errors == 0)
		fprintf(stderr, "hotline call: note: %zu script item%s not "
		    "used\n", c.nitems - c.next, c.nitems - c.next == 1 ? "" :
		    "s");
	phone_script_free(&c);
	cli_http_free(&c.http);
	if (c.tmpdir != NULL)
		rmdir(c.tmpdir);
	free(c.player);
	free(c.speaker);
	free(c.sid);
	free(c.from);
	free(c.to);
	return (c.errors == 0 ? 0 : 1);
}
