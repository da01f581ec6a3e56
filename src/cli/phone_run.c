/*
 * phone_run.c -- one TwiML answer carried out verb by verb, as the
 * provider would: Say/Play/Pause through phone_play.c, <Gather> with
 * keys or typed speech (or the script's next item), <Dial> with the other
 * side's outcome asked for, <Record>, <Redirect>, <Hangup>, and what the
 * provider would refuse reported as an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "phone.h"
#include "cli_twiml.h"
#include "config.h"
#include "flow.h"
#include "form.h"
#include "util.h"
#include "xmalloc.h"

/*
 * The language the caller asked for with --lang: the key flow.yaml gives
 * that language, else a key that moves on to the next language in turn
 * when that is the one (the call starts in the first language).
 */
static const char *
phone_lang_key(struct phone *c)
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

/* Keys from the terminal for a Gather; first is a key already pressed. */
static enum gather_result
gather_keys(struct phone *c, int first, int num, const char *finish,
    int timeout, char **digits, char **speech)
{
	char	buf[64];
	size_t	n = 0;
	int	k = first;

	for (;;) {
		if (k == 0)
			k = cli_term_key((n == 0 ? timeout : 5) * 1000);
		if (k == -1)
			return (G_HANGUP);
		if (k == 0)
			break;
		if (k == '\'' || k == '"') {
			*speech = cli_term_line(&c->term, "  (say) ");
			return (**speech != '\0' ? G_INPUT : G_NONE);
		}
		if (k == 'h' || k == 'q' || k == 4) {
			return (G_HANGUP);
		}
		if (strchr("0123456789*#", k) != NULL) {
			if (*finish != '\0' && strchr(finish, k) != NULL)
				break;
			buf[n++] = (char)k;
			if (c->term.raw) {
				printf("%c", k);
				fflush(stdout);
			}
			if ((num > 0 && (int)n >= num) || n + 1 == sizeof buf)
				break;
		}
		k = 0;
	}
	if (c->term.raw && n > 0)
		printf("\r\n");
	buf[n] = '\0';
	*digits = xstrdup(buf);
	return (n > 0 ? G_INPUT : G_NONE);
}

static enum gather_result
phone_gather(struct phone *c, struct cli_twiml *g, char **digits, char **speech)
{
	const char		*input, *finish, *a, *lk;
	enum gather_result	 gr;
	size_t			 i;
	int			 num, timeout, key = 0, dtmf, sp;

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
		key = phone_play(c, g->kids[i], 1);
	if (key == -1)
		return (G_HANGUP);

	if (c->lang >= 0 && !c->lang_done && dtmf &&
	    (lk = phone_lang_key(c)) != NULL) {
		c->lang_done = 1;
		*digits = xstrdup(lk);
		phone_event(c, json_pack("{s:s, s:s, s:s, s:s}", "type", "gather",
		    "input", input, "digits", lk, "why", "--lang"),
		    "  < press %s (--lang %s)", lk, c->cfg->langs[c->lang]);
		return (G_INPUT);
	}

	if (c->interactive) {
		/*
		 * What was only shown would still be playing on a phone: the
		 * timeout starts once it would have ended (a key cuts it short,
		 * as on a phone).
		 */
		if (key == 0 && !c->json) {
			printf("\r  [%s%s%s; h hangs up; ", dtmf ? "keys" : "",
			    dtmf && sp ? ", " : "",
			    sp ? "' then words + Enter to speak" : "");
			if (c->unheard > 0)
				printf("the prompt plays ~%.0f s, then ",
				    c->unheard);
			printf("%d s to answer]\r\n", timeout);
			fflush(stdout);
		}
		if (key == 0 && c->unheard > 0)
			key = cli_term_key((int)(c->unheard * 1000));
		c->unheard = 0;
		if (key == -1)
			return (G_HANGUP);
		switch (gather_keys(c, key, num, finish, timeout, digits,
		    speech)) {
		case G_HANGUP:
			return (G_HANGUP);
		case G_NONE:
			free(*digits);
			free(*speech);
			*digits = *speech = NULL;
			phone_event(c, json_pack("{s:s, s:s}", "type", "gather",
			    "result", "no-input"), "  < (no input)");
			return (G_NONE);
		default:
			break;
		}
	} else if ((gr = phone_script_gather(c, input, finish, num, timeout,
	    digits, speech)) != G_INPUT)
		return (gr);
	if (*digits != NULL && !dtmf) {
		phone_event(c, json_pack("{s:s, s:s, s:s}", "type", "gather",
		    "input", input, "ignored", *digits), "  < keys %s ignored: "
		    "this Gather takes only %s", *digits, input);
		free(*digits);
		*digits = NULL;
		return (G_NONE);
	}
	if (*speech != NULL && !sp) {
		phone_event(c, json_pack("{s:s, s:s, s:s}", "type", "gather",
		    "input", input, "ignored", *speech), "  < speech \"%s\" "
		    "ignored: this Gather takes only %s", *speech, input);
		free(*speech);
		*speech = NULL;
		return (G_NONE);
	}
	if (*digits != NULL)
		phone_event(c, json_pack("{s:s, s:s, s:s}", "type", "gather",
		    "input", input, "digits", *digits), "  < press %s",
		    *digits);
	else
		phone_event(c, json_pack("{s:s, s:s, s:s}", "type", "gather",
		    "input", input, "speech", *speech), "  < say \"%s\"",
		    *speech);
	return (G_INPUT);
}

static const char *
phone_dial_outcome(struct phone *c, const char *who)
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
			k = cli_term_key(-1);
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
	if ((it = phone_script_peek(c)) == NULL || it->kind != IT_DIAL)
		return ("completed");
	c->next++;
	return (it->value);
}

int
phone_run(struct phone *c, struct cli_twiml *doc, const char *docurl,
    char **next_url, char **next_method, struct form *next)
{
	struct cli_twiml	*v;
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
			if (phone_play(c, v, 0) == -1) {
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
					phone_error(c, "<%s> inside <Gather>: "
					    "the provider refuses this TwiML",
					    v->kids[j]->name);
					return (0);
				}
			}
			switch (phone_gather(c, v, &digits, &speech)) {
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
			*next_url = phone_resolve(docurl, a != NULL ? a : docurl);
			*next_method = xstrdup(method);
			phone_params(c, next, "in-progress");
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
				who = cli_twiml_text(v->kids[j]);
			if (who == NULL)
				who = cli_twiml_text(v);
			a = phone_dial_outcome(c, who);
			if (a == NULL) {
				free(who);
				c->ended = "caller-hangup";
				return (0);
			}
			phone_event(c, json_pack("{s:s, s:s, s:s}", "type", "dial",
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
			*next_url = phone_resolve(docurl, u);
			*next_method = xstrdup(method);
			phone_params(c, next, "in-progress");
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
			struct item	*it = phone_script_peek(c);
			const char	*secs = NULL;
			int		 k;

			if (c->interactive) {
				if (!c->json) {
					printf("\r  [recording: r leaves a "
					    "message, any other key none]\r\n");
					fflush(stdout);
				}
				if ((k = cli_term_key(-1)) == -1) {
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
				phone_error(c, "script: a Record asks for a "
				    "recording, the script has %s (item %zu)",
				    phone_script_item(it), c->next + 1);
				return (0);
			}
			if (secs == NULL) {
				/* An empty recording skips the action. */
				phone_event(c, json_pack("{s:s, s:s}", "type",
				    "record", "result", "empty"),
				    "  record: (nothing said)");
				continue;
			}
			text = util_random_hex(16);
			xasprintf(&who, "https://api.twilio.com/2010-04-01/"
			    "Accounts/%s/Recordings/RE%s", c->http.account_sid,
			    text);
			phone_event(c, json_pack("{s:s, s:s, s:s}", "type",
			    "record", "recording_url", who, "duration", secs),
			    "  record: %s s -> %s", secs, who);
			c->seconds += atoi(secs);
			a = form_get(&v->attrs, "action");
			*next_url = phone_resolve(docurl, a != NULL ? a : docurl);
			*next_method = xstrdup(method);
			phone_params(c, next, "in-progress");
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
			text = cli_twiml_text(v);
			if (*text == '\0') {
				phone_error(c, "<Redirect> without a URL");
				free(text);
				return (0);
			}
			*next_url = phone_resolve(docurl, text);
			*next_method = xstrdup(method);
			phone_event(c, json_pack("{s:s, s:s}", "type", "redirect",
			    "url", phone_short(c, *next_url)), "  redirect %s",
			    phone_short(c, *next_url));
			free(text);
			phone_params(c, next, "in-progress");
			return (1);
		}
		if (strcmp(v->name, "Hangup") == 0 ||
		    strcmp(v->name, "Reject") == 0) {
			phone_event(c, json_pack("{s:s}", "type", "hangup"),
			    "  hangup");
			c->ended = "hangup";
			return (0);
		}
		if (strcmp(v->name, "Message") == 0 ||
		    strcmp(v->name, "Sms") == 0) {
			text = cli_twiml_message_text(v);
			phone_event(c, json_pack("{s:s, s:s}", "type", "message",
			    "text", text), "  text message: %s", text);
			free(text);
			continue;
		}
		phone_error(c, "unknown verb <%s>: the provider would play its "
		    "application error", v->name);
		return (0);
	}
	/* The end of the document: the provider hangs up. */
	phone_event(c, json_pack("{s:s}", "type", "end"), "  (end of TwiML: "
	    "the provider hangs up)");
	c->ended = "hangup";
	return (0);
}
