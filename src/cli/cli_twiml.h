/*
 * cli_twiml.h -- TwiML read the way the provider reads it, shared by
 * "hotline call" and "hotline sms": an answer parsed with expat into a
 * small tree of elements.  (The service writes TwiML with twiml.c; this is
 * the other side of the wire.)
 */
#ifndef HOTLINE_CLI_TWIML_H
#define HOTLINE_CLI_TWIML_H

#include <stddef.h>

#include <jansson.h>

#include "form.h"

struct cli_twiml {
	char			 *name;		/* "Say", "Gather", ... */
	struct form		  attrs;
	char			 *text;		/* its own character data */
	size_t			  textlen;
	char			 *all;		/* all character data inside, in order */
	size_t			  alllen;
	struct cli_twiml	**kids;
	size_t			  nkids;
	struct cli_twiml	 *parent;
};

/* Parse a document: its root element, or NULL with *err set (free it). */
struct cli_twiml	*cli_twiml_parse(const char *doc, size_t len, char **err);
void			 cli_twiml_free(struct cli_twiml *);
/* The element's own text, trimmed (free it). */
char			*cli_twiml_text(const struct cli_twiml *);
/*
 * The words of a <Message> (or <Sms>): its last <Body>, else all the text
 * inside it, trimmed (free it).
 */
char			*cli_twiml_message_text(const struct cli_twiml *);
/*
 * Every <Message> and <Sms> in the document, in order, as a new array of
 * { "text": words, "to": the to attribute or absent }.
 */
json_t			*cli_twiml_messages(const struct cli_twiml *root);

#endif
