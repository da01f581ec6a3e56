/*
 * phone_script.c -- "hotline call --script": the caller's part from a
 * comma-separated list (keys, speech:WORDS, dial:OUTCOME, record[:SECONDS],
 * silence, hangup) instead of the keyboard, item by item.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "phone.h"
#include "util.h"
#include "xmalloc.h"

void
phone_script_free(struct phone *c)
{
	size_t	i;

	for (i = 0; i < c->nitems; i++)
		free(c->items[i].value);
	free(c->items);
	c->items = NULL;
	c->nitems = 0;
}

int
phone_script_parse(struct phone *c, const char *script)
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
				phone_script_free(c);
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
				phone_script_free(c);
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
			phone_script_free(c);
			return (-1);
		}
		c->items = xreallocarray(c->items, c->nitems + 1,
		    sizeof *c->items);
		c->items[c->nitems++] = it;
	}
	free(copy);
	return (0);
}

struct item *
phone_script_peek(struct phone *c)
{
	return (c->next < c->nitems ? &c->items[c->next] : NULL);
}

const char *
phone_script_item(const struct item *it)
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
 * The next item answers a Gather: keys (a finishing key dropped, at most
 * numDigits kept), speech, silence (the timeout passes) or a hangup.
 */
enum gather_result
phone_script_gather(struct phone *c, const char *input, const char *finish,
    int num, int timeout, char **digits, char **speech)
{
	struct item	*it;

	if ((it = phone_script_peek(c)) == NULL)
		return (G_HANGUP);
	switch (it->kind) {
	case IT_HANGUP:
		c->next++;
		return (G_HANGUP);
	case IT_SILENCE:
		c->next++;
		c->seconds += timeout;
		phone_event(c, json_pack("{s:s, s:s}", "type", "gather",
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
		return (G_INPUT);
	case IT_SPEECH:
		c->next++;
		*speech = xstrdup(it->value);
		return (G_INPUT);
	default:
		phone_error(c, "script: a Gather asks for %s, the script "
		    "has %s (item %zu)", input, phone_script_item(it),
		    c->next + 1);
		return (G_ERROR);
	}
	return (G_ERROR);
}
