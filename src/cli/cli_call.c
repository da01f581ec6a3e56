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
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <expat.h>
#include <jansson.h>

#include "cli.h"
#include "cli_http.h"
#include "config.h"
#include "flow.h"
#include "form.h"
#include "util.h"
#include "xmalloc.h"

#define CALL_MAX_REQUESTS	500	/* a redirect loop ends here */

/* --- TwiML as a small tree ---------------------------------------------- */

struct xnode {
	char		 *name;
	struct form	  attrs;
	char		 *text;
	size_t		  textlen;
	struct xnode	**kids;
	size_t		  nkids;
	struct xnode	 *parent;
};

struct xparse {
	struct xnode	*root;
	struct xnode	*cur;
};

static void
xnode_free(struct xnode *n)
{
	size_t	i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		xnode_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n->text);
	form_free(&n->attrs);
	free(n);
}

static void XMLCALL
xml_start(void *arg, const XML_Char *name, const XML_Char **atts)
{
	struct xparse	*xp = arg;
	struct xnode	*n;
	size_t		 i;

	n = xcalloc(1, sizeof *n);
	n->name = xstrdup(name);
	n->text = xstrdup("");
	for (i = 0; atts[i] != NULL && atts[i + 1] != NULL; i += 2)
		form_add(&n->attrs, atts[i], atts[i + 1]);
	n->parent = xp->cur;
	if (xp->cur == NULL)
		xp->root = n;
	else {
		xp->cur->kids = xreallocarray(xp->cur->kids,
		    xp->cur->nkids + 1, sizeof *xp->cur->kids);
		xp->cur->kids[xp->cur->nkids++] = n;
	}
	xp->cur = n;
}

static void XMLCALL
xml_end(void *arg, const XML_Char *name)
{
	struct xparse	*xp = arg;

	if (xp->cur != NULL)
		xp->cur = xp->cur->parent;
}

static void XMLCALL
xml_chars(void *arg, const XML_Char *s, int len)
{
	struct xparse	*xp = arg;
	struct xnode	*n = xp->cur;

	if (n == NULL || len <= 0)
		return;
	n->text = xreallocarray(n->text, n->textlen + (size_t)len + 1, 1);
	memcpy(n->text + n->textlen, s, (size_t)len);
	n->textlen += (size_t)len;
	n->text[n->textlen] = '\0';
}

/* Parse a TwiML document; NULL with *err set when it is not well formed. */
static struct xnode *
twiml_parse(const char *doc, size_t len, char **err)
{
	struct xparse	 xp;

	memset(&xp, 0, sizeof xp);
	if (cli_http_parse_xml(doc, len, &xp, xml_start, xml_end, xml_chars,
	    err) != 0) {
		xnode_free(xp.root);
		return (NULL);
	}
	return (xp.root);
}

static char *
xtext(const struct xnode *n)
{
	char	*s;

	s = xstrdup(n->text);
	return (util_trim(s));
}

/* --- the call ------------------------------------------------------------ */

enum item_kind { IT_DIGITS, IT_SPEECH, IT_DIAL, IT_RECORD, IT_SILENCE,
    IT_HANGUP };

struct item {
	enum item_kind	 kind;
	char		*value;
};

struct call {
	struct cli	*cli;
	struct config	*cfg;
	struct cli_http	 http;
	char		*sid;
	char		*from;
	char		*to;
	int		 lang;		/* -1: not asked for */
	int		 lang_done;
	int		 json;
	int		 interactive;
	int		 nrequests;
	int		 errors;
	const char	*ended;
	double		 seconds;	/* simulated call time (script) */
	long long	 start_ms;

	struct item	*items;
	size_t		 nitems;
	size_t		 next;

	json_t		*events;
	char		*player;	/* "play" or "aplay", or NULL */
	char		*speaker;	/* "espeak-ng", or NULL */
	char		*tmpdir;

	struct termios	 saved;
	int		 raw;
};

static volatile sig_atomic_t	call_interrupted;

static void
call_sigint(int sig)
{
	call_interrupted = 1;
}

/* --- output -------------------------------------------------------------- */

/* One transcript event: recorded for --json, printed at once otherwise. */
static void
call_event(struct call *c, json_t *ev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
call_event(struct call *c, json_t *ev, const char *fmt, ...)
{
	va_list	ap;

	json_array_append_new(c->events, ev);
	if (c->json)
		return;
	va_start(ap, fmt);
	if (c->raw)
		fputs("\r", stdout);
	vprintf(fmt, ap);
	fputs(c->raw ? "\r\n" : "\n", stdout);
	fflush(stdout);
	va_end(ap);
}

static void
call_error(struct call *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
call_error(struct call *c, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = xstrdup("error");
	va_end(ap);
	c->errors++;
	call_event(c, json_pack("{s:s, s:s}", "type", "error", "message", msg),
	    "!! %s", msg);
	free(msg);
}

/* --- the terminal -------------------------------------------------------- */

static void
term_raw(struct call *c)
{
	struct termios	t;

	if (c->raw || !isatty(STDIN_FILENO))
		return;
	if (tcgetattr(STDIN_FILENO, &c->saved) != 0)
		return;
	t = c->saved;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
		c->raw = 1;
}

static void
term_restore(struct call *c)
{
	if (!c->raw)
		return;
	tcsetattr(STDIN_FILENO, TCSANOW, &c->saved);
	c->raw = 0;
}

/* One key within ms milliseconds (-1 = forever); 0 on timeout, -1 on EOF. */
static int
term_key(int ms)
{
	struct pollfd	pfd;
	char		ch;
	int		n;

	pfd.fd = STDIN_FILENO;
	pfd.events = POLLIN;
	for (;;) {
		if (call_interrupted)
			return (-1);
		n = poll(&pfd, 1, ms);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (0);
		if (read(STDIN_FILENO, &ch, 1) != 1)
			return (-1);
		return ((unsigned char)ch);
	}
}

static char *
term_line(struct call *c, const char *prompt)
{
	char	buf[1024];

	term_restore(c);
	printf("%s", prompt);
	fflush(stdout);
	if (fgets(buf, sizeof buf, stdin) == NULL)
		buf[0] = '\0';
	term_raw(c);
	buf[strcspn(buf, "\r\n")] = '\0';
	return (xstrdup(util_trim(buf)));
}

static char *
find_program(const char *name)
{
	const char	*path;
	char		*dirs, *d, *save = NULL, *full;

	if ((path = getenv("PATH")) == NULL)
		return (NULL);
	dirs = xstrdup(path);
	for (d = strtok_r(dirs, ":", &save); d != NULL;
	    d = strtok_r(NULL, ":", &save)) {
		xasprintf(&full, "%s/%s", d, name);
		if (access(full, X_OK) == 0) {
			free(dirs);
			return (full);
		}
		free(full);
	}
	free(dirs);
	return (NULL);
}

/*
 * Run argv while watching the keyboard: a key stops it (the caller barged
 * in) and is returned; 0 when it ran to the end.
 */
static int
run_player(struct call *c, char *const argv[], int watch_keys)
{
	pid_t	pid;
	int	status, key = 0;

	if ((pid = fork()) == -1)
		return (0);
	if (pid == 0) {
		int	devnull = open("/dev/null", O_RDWR);

		if (devnull != -1) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
			dup2(devnull, STDERR_FILENO);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return (0);
		if (call_interrupted) {
			kill(pid, SIGTERM);
			waitpid(pid, &status, 0);
			return (-1);
		}
		if (watch_keys) {
			key = term_key(50);
			if (key != 0) {
				kill(pid, SIGTERM);
				waitpid(pid, &status, 0);
				return (key);
			}
		} else
			usleep(50 * 1000);
	}
}

/* --- HTTP ---------------------------------------------------------------- */

/* Resolve a TwiML URL (absolute, or relative to the document's URL). */
static char *
call_resolve(const char *current, const char *ref)
{
	CURLU	*u;
	char	*out = NULL, *s;

	if ((u = curl_url()) == NULL)
		return (xstrdup(ref));
	if (curl_url_set(u, CURLUPART_URL, current, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, ref, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &out, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return (xstrdup(ref));
	}
	s = xstrdup(out);
	curl_free(out);
	curl_url_cleanup(u);
	return (s);
}

/* The path (and query) of a URL, for the transcript. */
static const char *
call_short(struct call *c, const char *url)
{
	size_t	n = strlen(c->http.public_url);

	if (strncmp(url, c->http.public_url, n) == 0 && url[n] == '/')
		return (url + n);
	return (url);
}

static void
call_params(struct call *c, struct form *f, const char *status)
{
	memset(f, 0, sizeof *f);
	form_add(f, "CallSid", c->sid);
	form_add(f, "AccountSid", c->http.account_sid);
	form_add(f, "From", c->from);
	form_add(f, "To", c->to);
	form_add(f, "Caller", c->from);
	form_add(f, "Called", c->to);
	form_add(f, "CallStatus", status);
	form_add(f, "Direction", "inbound");
	form_add(f, "ApiVersion", "2010-04-01");
	form_add(f, "FromCountry", "US");
	form_add(f, "ToCountry", "US");
}

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
static struct xnode *
call_fetch(struct call *c, const char *method, const char *url,
    const struct form *params)
{
	struct cli_http_resp	 r;
	struct xnode		*doc;
	char			*err = NULL, extra[256];
	size_t			 i;

	if (++c->nrequests > CALL_MAX_REQUESTS) {
		call_error(c, "more than %d requests in one call: a loop?",
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
		call_event(c, json_pack("{s:s, s:s, s:s, s:o, s:s}", "type",
		    "request", "method", method, "url", call_short(c, url),
		    "params", form_json(params), "error", r.errbuf),
		    "> %s %s%s", method, call_short(c, url), extra);
		call_error(c, "%s: %s (the provider would play its "
		    "application error)", call_short(c, url), r.errbuf);
		cli_http_resp_free(&r);
		return (NULL);
	}
	call_event(c, json_pack("{s:s, s:s, s:s, s:o, s:i, s:i}", "type",
	    "request", "method", method, "url", call_short(c, url), "params",
	    form_json(params), "status", (int)r.status, "ms", (int)r.ms),
	    "> %s %s%s  [%ld, %ld ms]", method, call_short(c, url), extra,
	    r.status, r.ms);
	if (r.status != 200) {
		call_error(c, "%s answered %ld: the provider would play its "
		    "application error", call_short(c, url), r.status);
		cli_http_resp_free(&r);
		return (NULL);
	}
	if (!cli_http_is_twiml(&r)) {
		call_error(c, "%s answered %s, not TwiML", call_short(c, url),
		    r.ctype != NULL ? r.ctype : "without a Content-Type");
		cli_http_resp_free(&r);
		return (NULL);
	}
	if ((doc = twiml_parse(r.body != NULL ? r.body : "", r.len,
	    &err)) == NULL) {
		call_error(c, "%s: TwiML is not well formed: %s",
		    call_short(c, url), err);
		free(err);
		cli_http_resp_free(&r);
		return (NULL);
	}
	cli_http_resp_free(&r);
	if (strcmp(doc->name, "Response") != 0) {
		call_error(c, "%s: root element is <%s>, not <Response>",
		    call_short(c, url), doc->name);
		xnode_free(doc);
		return (NULL);
	}
	return (doc);
}

/* --- the caller's part --------------------------------------------------- */

static void
free_script(struct call *c)
{
	size_t	i;

	for (i = 0; i < c->nitems; i++)
		free(c->items[i].value);
	free(c->items);
	c->items = NULL;
	c->nitems = 0;
}

static int
parse_script(struct call *c, const char *script)
{
	char	*copy, *piece, *save = NULL, *s;

	copy = xstrdup(script);
	for (piece = strtok_r(copy, ",", &save); piece != NULL;
	    piece = strtok_r(NULL, ",", &save)) {
		struct item	it;

		s = util_trim(piece);
		memset(&it, 0, sizeof it);
		if (*s == '\0' || strcmp(s, "silence") == 0 ||
		    strcmp(s, "wait") == 0)
			it.kind = IT_SILENCE;
		else if (strcmp(s, "hangup") == 0)
			it.kind = IT_HANGUP;
		else if (strncmp(s, "speech:", 7) == 0 && s[7] != '\0') {
			it.kind = IT_SPEECH;
			it.value = xstrdup(s + 7);
		} else if (strncmp(s, "dial:", 5) == 0) {
			it.kind = IT_DIAL;
			it.value = xstrdup(s + 5);
			if (strcmp(it.value, "completed") != 0 &&
			    strcmp(it.value, "answered") != 0 &&
			    strcmp(it.value, "busy") != 0 &&
			    strcmp(it.value, "no-answer") != 0 &&
			    strcmp(it.value, "failed") != 0 &&
			    strcmp(it.value, "canceled") != 0) {
				fprintf(stderr, "hotline call: script: '%s': "
				    "dial outcome is completed, busy, "
				    "no-answer, failed or canceled\n", s);
				free(it.value);
				free(copy);
				free_script(c);
				return (-1);
			}
		} else if (strcmp(s, "record") == 0 ||
		    strncmp(s, "record:", 7) == 0) {
			it.kind = IT_RECORD;
			it.value = xstrdup(s[6] == ':' ? s + 7 : "5");
			if (atoi(it.value) <= 0) {
				fprintf(stderr, "hotline call: script: '%s': "
				    "record:SECONDS\n", s);
				free(it.value);
				free(copy);
				free_script(c);
				return (-1);
			}
		} else if (strspn(s, "0123456789*#") == strlen(s)) {
			it.kind = IT_DIGITS;
			it.value = xstrdup(s);
		} else {
			fprintf(stderr, "hotline call: script: '%s' is not keys "
			    "(0-9 * #), speech:WORDS, dial:OUTCOME, record, "
			    "silence or hangup\n", s);
			free(copy);
			free_script(c);
			return (-1);
		}
		c->items = xreallocarray(c->items, c->nitems + 1,
		    sizeof *c->items);
		c->items[c->nitems++] = it;
	}
	free(copy);
	return (0);
}


/* Words a prompt URL stands for: prompts/<lang>/<id>.<ext> in the config. */
static const char *
call_prompt_words(struct call *c, const char *url, char *id, size_t idlen)
{
	const char	*p, *slash, *dot;
	char		 lang[16];
	struct prompt	*pr;
	int		 li;

	if ((p = strstr(url, "/prompts/")) == NULL)
		return (NULL);
	p += 9;
	if ((slash = strchr(p, '/')) == NULL || (size_t)(slash - p) >=
	    sizeof lang)
		return (NULL);
	memcpy(lang, p, (size_t)(slash - p));
	lang[slash - p] = '\0';
	if ((dot = strrchr(slash + 1, '.')) == NULL ||
	    (size_t)(dot - slash - 1) >= idlen)
		return (NULL);
	memcpy(id, slash + 1, (size_t)(dot - slash - 1));
	id[dot - slash - 1] = '\0';
	if ((li = config_lang(c->cfg, lang)) < 0 ||
	    (pr = config_prompt(c->cfg, id)) == NULL)
		return (NULL);
	return (pr->text[li]);
}

static double
speak_seconds(const char *s)
{
	size_t	words = 0;
	int	in = 0;

	for (; *s != '\0'; s++) {
		if (isspace((unsigned char)*s))
			in = 0;
		else if (!in) {
			in = 1;
			words++;
		}
	}
	return (words / 2.5);
}

static int
call_fetch_audio(struct call *c, const char *url, char **path)
{
	struct curl_slist	*none = NULL;
	FILE			*f;
	char			*target;
	CURLcode		 rc;
	long			 status = 0;
	static int		 n;

	xasprintf(path, "%s/%d.audio", c->tmpdir, n++);
	if ((f = fopen(*path, "w")) == NULL)
		return (-1);
	target = cli_http_target(&c->http, url);
	curl_easy_reset(c->http.curl);
	curl_easy_setopt(c->http.curl, CURLOPT_URL, target);
	curl_easy_setopt(c->http.curl, CURLOPT_HTTPHEADER, none);
	curl_easy_setopt(c->http.curl, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(c->http.curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c->http.curl, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(c->http.curl);
	curl_easy_getinfo(c->http.curl, CURLINFO_RESPONSE_CODE, &status);
	fclose(f);
	free(target);
	if (rc != CURLE_OK || status != 200) {
		unlink(*path);
		return (-1);
	}
	return (0);
}

/*
 * Say, Play, Pause: shown, played where possible.  In a Gather a key
 * interrupts (barge-in) and is returned; 0 otherwise.
 */
static int
call_output(struct call *c, struct xnode *v, int in_gather)
{
	char		*text, *path, id[80], secs[16];
	const char	*words, *lang, *a;
	int		 key = 0, len;

	if (strcmp(v->name, "Say") == 0) {
		text = xtext(v);
		lang = form_get(&v->attrs, "language");
		call_event(c, json_pack("{s:s, s:s, s:s?}", "type", "say",
		    "text", text, "language", lang), "  say%s%s%s: %s",
		    lang ? " [" : "", lang ? lang : "", lang ? "]" : "", text);
		c->seconds += speak_seconds(text);
		if (c->interactive && c->speaker != NULL) {
			char	*argv[] = { c->speaker, (char *)"-v",
			    (char *)(lang != NULL && strncmp(lang, "es", 2) ==
			    0 ? "es-419" : "en-us"), text, NULL };

			key = run_player(c, argv, in_gather);
		}
		free(text);
		return (key);
	}
	if (strcmp(v->name, "Play") == 0) {
		text = xtext(v);
		if ((a = form_get(&v->attrs, "digits")) != NULL) {
			call_event(c, json_pack("{s:s, s:s}", "type", "play",
			    "digits", a), "  play tones: %s", a);
			free(text);
			return (0);
		}
		words = call_prompt_words(c, text, id, sizeof id);
		call_event(c, json_pack("{s:s, s:s, s:s?, s:s?}", "type", "play",
		    "url", call_short(c, text), "prompt", words ? id : NULL,
		    "text", words), "  play %s: %s", call_short(c, text),
		    words != NULL ? words : "(not a prompt of this "
		    "configuration)");
		if (words != NULL)
			c->seconds += speak_seconds(words);
		if (c->interactive && c->player != NULL) {
			char	*full;

			full = call_resolve(c->http.public_url, text);
			if (call_fetch_audio(c, full, &path) == 0) {
				char	*argv[] = { c->player, (char *)"-q",
				    path, NULL };

				key = run_player(c, argv, in_gather);
				unlink(path);
			} else
				call_error(c, "%s: audio not served",
				    call_short(c, text));
			free(path);
			free(full);
		}
		free(text);
		return (key);
	}
	if (strcmp(v->name, "Pause") == 0) {
		a = form_get(&v->attrs, "length");
		len = a != NULL ? atoi(a) : 1;
		if (len < 0)
			len = 0;
		snprintf(secs, sizeof secs, "%d", len);
		call_event(c, json_pack("{s:s, s:i}", "type", "pause", "length",
		    len), "  pause %s s", secs);
		c->seconds += len;
		if (c->interactive) {
			if (in_gather) {
				key = term_key(len * 1000);
				return (key > 0 ? key : 0);
			}
			sleep((unsigned int)len);
		}
		return (0);
	}
	return (0);
}

/* The next script item, or NULL when the script is used up. */
static struct item *
script_peek(struct call *c)
{
	return (c->next < c->nitems ? &c->items[c->next] : NULL);
}

static const char *
item_name(const struct item *it)
{
	switch (it->kind) {
	case IT_DIGITS:
		return ("keys");
	case IT_SPEECH:
		return ("speech");
	case IT_DIAL:
		return ("a dial outcome");
	case IT_RECORD:
		return ("a recording");
	case IT_SILENCE:
		return ("silence");
	case IT_HANGUP:
		return ("hangup");
	}
	return ("?");
}

/*
 * The language the caller asked for with --lang: the key flow.yaml gives
 * that language, else a key that moves on to the next language in turn
 * when that is the one (the call starts in the first language).
 */
static const char *
call_lang_key(struct call *c)
{
	struct flow		*fl = c->cfg->flow;
	struct flow_option	*o;
	const char		*next = NULL;
	size_t			 i, j;

	if (fl == NULL)
		return (NULL);
	for (i = 0; i < fl->nnodes; i++) {
		for (j = 0; j < fl->nodes[i].noptions; j++) {
			o = &fl->nodes[i].options[j];
			if (o->action != FA_LANGUAGE || o->key == NULL)
				continue;
			if (o->lang == c->lang)
				return (o->key);
			if (o->lang == -1 && c->lang == 1 && next == NULL)
				next = o->key;
		}
	}
	return (next);
}

enum gather_result { G_INPUT, G_NONE, G_HANGUP, G_ERROR };

/* Keys from the terminal for a Gather; first is a key already pressed. */
static enum gather_result
gather_keys(struct call *c, int first, int num, const char *finish,
    int timeout, char **digits, char **speech)
{
	char	buf[64];
	size_t	n = 0;
	int	k = first;

	for (;;) {
		if (k == 0)
			k = term_key((n == 0 ? timeout : 5) * 1000);
		if (k == -1)
			return (G_HANGUP);
		if (k == 0)
			break;
		if (k == '\'' || k == '"') {
			*speech = term_line(c, "  (say) ");
			return (**speech != '\0' ? G_INPUT : G_NONE);
		}
		if (k == 'h' || k == 'q' || k == 4) {
			return (G_HANGUP);
		}
		if (strchr("0123456789*#", k) != NULL) {
			if (*finish != '\0' && strchr(finish, k) != NULL)
				break;
			buf[n++] = (char)k;
			if (c->raw) {
				printf("%c", k);
				fflush(stdout);
			}
			if ((num > 0 && (int)n >= num) || n + 1 == sizeof buf)
				break;
		}
		k = 0;
	}
	if (c->raw && n > 0)
		printf("\r\n");
	buf[n] = '\0';
	*digits = xstrdup(buf);
	return (n > 0 ? G_INPUT : G_NONE);
}

static enum gather_result
call_gather(struct call *c, struct xnode *g, char **digits, char **speech)
{
	const char	*input, *finish, *a, *lk;
	struct item	*it;
	size_t		 i;
	int		 num, timeout, key = 0, dtmf, sp;

	*digits = *speech = NULL;
	input = form_get(&g->attrs, "input");
	if (input == NULL)
		input = "dtmf";
	dtmf = strstr(input, "dtmf") != NULL;
	sp = strstr(input, "speech") != NULL;
	finish = form_get(&g->attrs, "finishOnKey");
	if (finish == NULL)
		finish = "#";
	num = (a = form_get(&g->attrs, "numDigits")) != NULL ? atoi(a) : 0;
	timeout = (a = form_get(&g->attrs, "timeout")) != NULL ? atoi(a) : 5;
	if (timeout <= 0)
		timeout = 5;

	for (i = 0; i < g->nkids && key == 0; i++)
		key = call_output(c, g->kids[i], 1);
	if (key == -1)
		return (G_HANGUP);

	if (c->lang >= 0 && !c->lang_done && dtmf &&
	    (lk = call_lang_key(c)) != NULL) {
		c->lang_done = 1;
		*digits = xstrdup(lk);
		call_event(c, json_pack("{s:s, s:s, s:s, s:s}", "type", "gather",
		    "input", input, "digits", lk, "why", "--lang"),
		    "  < press %s (--lang %s)", lk, c->cfg->langs[c->lang]);
		return (G_INPUT);
	}

	if (c->interactive) {
		if (key == 0 && !c->json) {
			printf("\r  [%s%s%s; h hangs up]\r\n",
			    dtmf ? "keys" : "", dtmf && sp ? ", " : "",
			    sp ? "' then words + Enter to speak" : "");
			fflush(stdout);
		}
		switch (gather_keys(c, key, num, finish, timeout, digits,
		    speech)) {
		case G_HANGUP:
			return (G_HANGUP);
		case G_NONE:
			free(*digits);
			free(*speech);
			*digits = *speech = NULL;
			call_event(c, json_pack("{s:s, s:s}", "type", "gather",
			    "result", "no-input"), "  < (no input)");
			return (G_NONE);
		default:
			break;
		}
	} else {
		if ((it = script_peek(c)) == NULL)
			return (G_HANGUP);
		switch (it->kind) {
		case IT_HANGUP:
			c->next++;
			return (G_HANGUP);
		case IT_SILENCE:
			c->next++;
			c->seconds += timeout;
			call_event(c, json_pack("{s:s, s:s}", "type", "gather",
			    "result", "no-input"), "  < (silence)");
			return (G_NONE);
		case IT_DIGITS:
			c->next++;
			*digits = xstrdup(it->value);
			/* The finishing key ends input and is not sent. */
			if (*finish != '\0' && strlen(*digits) > 1 &&
			    strchr(finish, (*digits)[strlen(*digits) - 1]))
				(*digits)[strlen(*digits) - 1] = '\0';
			if (num > 0 && (int)strlen(*digits) > num)
				(*digits)[num] = '\0';
			break;
		case IT_SPEECH:
			c->next++;
			*speech = xstrdup(it->value);
			break;
		default:
			call_error(c, "script: a Gather asks for %s, the script "
			    "has %s (item %zu)", input, item_name(it),
			    c->next + 1);
			return (G_ERROR);
		}
	}
	if (*digits != NULL && !dtmf) {
		call_event(c, json_pack("{s:s, s:s, s:s}", "type", "gather",
		    "input", input, "ignored", *digits), "  < keys %s ignored: "
		    "this Gather takes only %s", *digits, input);
		free(*digits);
		*digits = NULL;
		return (G_NONE);
	}
	if (*speech != NULL && !sp) {
		call_event(c, json_pack("{s:s, s:s, s:s}", "type", "gather",
		    "input", input, "ignored", *speech), "  < speech \"%s\" "
		    "ignored: this Gather takes only %s", *speech, input);
		free(*speech);
		*speech = NULL;
		return (G_NONE);
	}
	if (*digits != NULL)
		call_event(c, json_pack("{s:s, s:s, s:s}", "type", "gather",
		    "input", input, "digits", *digits), "  < press %s",
		    *digits);
	else
		call_event(c, json_pack("{s:s, s:s, s:s}", "type", "gather",
		    "input", input, "speech", *speech), "  < say \"%s\"",
		    *speech);
	return (G_INPUT);
}

static const char *
call_dial_outcome(struct call *c, const char *who)
{
	struct item	*it;
	int		 k;

	if (c->interactive) {
		if (!c->json) {
			printf("\r  the other side (%s): a answers, b busy, "
			    "n no answer, f fails? ", who);
			fflush(stdout);
		}
		for (;;) {
			k = term_key(-1);
			if (k == -1)
				return (NULL);
			if (k == 'a' || k == '\n' || k == '\r')
				return ("completed");
			if (k == 'b')
				return ("busy");
			if (k == 'n')
				return ("no-answer");
			if (k == 'f')
				return ("failed");
		}
	}
	/* Not scripted: the other side answers. */
	if ((it = script_peek(c)) == NULL || it->kind != IT_DIAL)
		return ("completed");
	c->next++;
	return (it->value);
}

/*
 * Carry out one TwiML document.  Returns the next request to make in
 * *next_url / *next_method / *next_params, or 0 when the call is over.
 */
static int
call_run(struct call *c, struct xnode *doc, const char *docurl,
    char **next_url, char **next_method, struct form *next)
{
	struct xnode	*v;
	const char	*a, *method;
	char		*text, *digits, *speech, *who, *u;
	size_t		 i, j;

	for (i = 0; i < doc->nkids; i++) {
		v = doc->kids[i];
		method = form_get(&v->attrs, "method");
		if (method == NULL)
			method = "POST";
		if (strcmp(v->name, "Say") == 0 || strcmp(v->name, "Play") == 0 ||
		    strcmp(v->name, "Pause") == 0) {
			if (call_output(c, v, 0) == -1) {
				c->ended = "caller-hangup";
				return (0);
			}
			continue;
		}
		if (strcmp(v->name, "Gather") == 0) {
			for (j = 0; j < v->nkids; j++) {
				if (strcmp(v->kids[j]->name, "Say") != 0 &&
				    strcmp(v->kids[j]->name, "Play") != 0 &&
				    strcmp(v->kids[j]->name, "Pause") != 0) {
					call_error(c, "<%s> inside <Gather>: "
					    "the provider refuses this TwiML",
					    v->kids[j]->name);
					return (0);
				}
			}
			switch (call_gather(c, v, &digits, &speech)) {
			case G_HANGUP:
				c->ended = "caller-hangup";
				return (0);
			case G_ERROR:
				return (0);
			case G_NONE:
				a = form_get(&v->attrs, "actionOnEmptyResult");
				if (a == NULL || strcmp(a, "true") != 0)
					continue;
				break;
			case G_INPUT:
				break;
			}
			a = form_get(&v->attrs, "action");
			*next_url = call_resolve(docurl, a != NULL ? a : docurl);
			*next_method = xstrdup(method);
			call_params(c, next, "in-progress");
			if (digits != NULL)
				form_add(next, "Digits", digits);
			if (speech != NULL) {
				form_add(next, "SpeechResult", speech);
				form_add(next, "Confidence", "0.92");
			}
			if (digits == NULL && speech == NULL)
				form_add(next, "Digits", "");
			free(digits);
			free(speech);
			return (1);
		}
		if (strcmp(v->name, "Dial") == 0) {
			who = NULL;
			for (j = 0; j < v->nkids && who == NULL; j++)
				who = xtext(v->kids[j]);
			if (who == NULL)
				who = xtext(v);
			a = call_dial_outcome(c, who);
			if (a == NULL) {
				free(who);
				c->ended = "caller-hangup";
				return (0);
			}
			call_event(c, json_pack("{s:s, s:s, s:s}", "type", "dial",
			    "number", who, "status", a), "  dial %s: %s", who,
			    a);
			if (strcmp(a, "completed") == 0 ||
			    strcmp(a, "answered") == 0)
				c->seconds += 30;
			else
				c->seconds += 20;
			free(who);
			if ((u = (char *)form_get(&v->attrs, "action")) == NULL)
				continue;
			*next_url = call_resolve(docurl, u);
			*next_method = xstrdup(method);
			call_params(c, next, "in-progress");
			form_add(next, "DialCallStatus", a);
			text = util_random_hex(16);
			xasprintf(&who, "CA%s", text);
			form_add(next, "DialCallSid", who);
			free(who);
			free(text);
			form_add(next, "DialCallDuration",
			    strcmp(a, "completed") == 0 ? "30" : "0");
			return (1);
		}
		if (strcmp(v->name, "Record") == 0) {
			struct item	*it = script_peek(c);
			const char	*secs = NULL;
			int		 k;

			if (c->interactive) {
				if (!c->json) {
					printf("\r  [recording: r leaves a "
					    "message, any other key none]\r\n");
					fflush(stdout);
				}
				if ((k = term_key(-1)) == -1) {
					c->ended = "caller-hangup";
					return (0);
				}
				if (k == 'r')
					secs = "5";
			} else if (it == NULL || it->kind == IT_HANGUP) {
				c->ended = "caller-hangup";
				return (0);
			} else if (it->kind == IT_RECORD) {
				c->next++;
				secs = it->value;
			} else if (it->kind == IT_SILENCE) {
				c->next++;
			} else {
				call_error(c, "script: a Record asks for a "
				    "recording, the script has %s (item %zu)",
				    item_name(it), c->next + 1);
				return (0);
			}
			if (secs == NULL) {
				/* An empty recording skips the action. */
				call_event(c, json_pack("{s:s, s:s}", "type",
				    "record", "result", "empty"),
				    "  record: (nothing said)");
				continue;
			}
			text = util_random_hex(16);
			xasprintf(&who, "https://api.twilio.com/2010-04-01/"
			    "Accounts/%s/Recordings/RE%s", c->http.account_sid,
			    text);
			call_event(c, json_pack("{s:s, s:s, s:s}", "type",
			    "record", "recording_url", who, "duration", secs),
			    "  record: %s s -> %s", secs, who);
			c->seconds += atoi(secs);
			a = form_get(&v->attrs, "action");
			*next_url = call_resolve(docurl, a != NULL ? a : docurl);
			*next_method = xstrdup(method);
			call_params(c, next, "in-progress");
			form_add(next, "RecordingUrl", who);
			free(who);
			xasprintf(&who, "RE%s", text);
			form_add(next, "RecordingSid", who);
			free(who);
			free(text);
			form_add(next, "RecordingDuration", secs);
			form_add(next, "Digits", "hangup");
			return (1);
		}
		if (strcmp(v->name, "Redirect") == 0) {
			text = xtext(v);
			if (*text == '\0') {
				call_error(c, "<Redirect> without a URL");
				free(text);
				return (0);
			}
			*next_url = call_resolve(docurl, text);
			*next_method = xstrdup(method);
			call_event(c, json_pack("{s:s, s:s}", "type", "redirect",
			    "url", call_short(c, *next_url)), "  redirect %s",
			    call_short(c, *next_url));
			free(text);
			call_params(c, next, "in-progress");
			return (1);
		}
		if (strcmp(v->name, "Hangup") == 0 ||
		    strcmp(v->name, "Reject") == 0) {
			call_event(c, json_pack("{s:s}", "type", "hangup"),
			    "  hangup");
			c->ended = "hangup";
			return (0);
		}
		if (strcmp(v->name, "Message") == 0 ||
		    strcmp(v->name, "Sms") == 0) {
			text = xtext(v);
			for (j = 0; j < v->nkids; j++) {
				if (strcmp(v->kids[j]->name, "Body") == 0) {
					free(text);
					text = xtext(v->kids[j]);
				}
			}
			call_event(c, json_pack("{s:s, s:s}", "type", "message",
			    "text", text), "  text message: %s", text);
			free(text);
			continue;
		}
		call_error(c, "unknown verb <%s>: the provider would play its "
		    "application error", v->name);
		return (0);
	}
	/* The end of the document: the provider hangs up. */
	call_event(c, json_pack("{s:s}", "type", "end"), "  (end of TwiML: "
	    "the provider hangs up)");
	c->ended = "hangup";
	return (0);
}

static void
call_status_callback(struct call *c)
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
	call_params(c, &f, "completed");
	form_add(&f, "CallDuration", dur);
	form_add(&f, "Duration", dur);
	form_add(&f, "Timestamp", ts);
	form_add(&f, "SequenceNumber", "0");
	form_add(&f, "CallbackSource", "call-progress-events");
	xasprintf(&url, "%s/voice/status", c->http.public_url);
	if (cli_http_request(&c->http, "POST", url, &f, &r) != 0) {
		call_event(c, json_pack("{s:s, s:s, s:s}", "type",
		    "status_callback", "call_status", "completed", "error",
		    r.errbuf), "> POST /voice/status CallStatus=completed "
		    "CallDuration=%s  [%s]", dur, r.errbuf);
		c->errors++;
	} else {
		call_event(c, json_pack("{s:s, s:s, s:i, s:i}", "type",
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

static void
call_usage(void)
{
	fprintf(stderr,
	    "usage: hotline call [--url URL] [--from NUMBER] [--lang L] "
	    "[--script ITEMS] [--json]\n"
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
	struct call	 c;
	struct form	 params;
	struct xnode	*doc;
	char		*url, *method, *next_url, *next_method, *hex, *script = NULL;
	char		 tmpl[] = "/tmp/hotline-call.XXXXXX";
	const char	*from = "+18175550142", *to = NULL, *lang = NULL;
	const char	*base_url = NULL;
	int		 ch, more;
	struct sigaction sa, old_int;

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
		default:
			call_usage();
			return (2);
		}
	}
	if (optind != argc) {
		call_usage();
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
	if ((c.from = util_phone_e164(from)) == NULL) {
		fprintf(stderr, "hotline call: --from %s: not a phone number\n",
		    from);
		return (2);
	}
	if (to == NULL)
		to = c.cfg->voice_caller_id != NULL ? c.cfg->voice_caller_id :
		    c.cfg->sms_from != NULL ? c.cfg->sms_from : "+18175550100";
	c.to = xstrdup(to);
	if (script != NULL) {
		if (parse_script(&c, script) != 0) {
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
		c.player = find_program("play");
		if (c.player == NULL)
			c.player = find_program("aplay");
		c.speaker = find_program("espeak-ng");
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

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = call_sigint;
	sigaction(SIGINT, &sa, &old_int);
	if (c.interactive) {
		term_raw(&c);
		if (!c.json)
			printf("\rcalling %s as %s (keys 0-9 * #; ' to speak; "
			    "h hangs up)\r\n", c.http.public_url, c.from);
	}

	xasprintf(&url, "%s/voice/incoming", c.http.public_url);
	method = xstrdup("POST");
	call_params(&c, &params, "ringing");
	for (;;) {
		doc = call_fetch(&c, method, url, &params);
		form_free(&params);
		if (doc == NULL) {
			c.ended = "error";
			break;
		}
		next_url = next_method = NULL;
		more = call_run(&c, doc, url, &next_url, &next_method, &params);
		xnode_free(doc);
		free(url);
		free(method);
		url = next_url;
		method = next_method;
		if (!more || call_interrupted)
			break;
	}
	free(url);
	free(method);
	if (call_interrupted)
		c.ended = "caller-hangup";
	if (c.ended != NULL && strcmp(c.ended, "caller-hangup") == 0)
		call_event(&c, json_pack("{s:s}", "type", "caller_hangup"),
		    "  (caller hangs up)");
	call_status_callback(&c);
	term_restore(&c);
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
	free_script(&c);
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
