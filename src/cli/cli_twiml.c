/*
 * cli_twiml.c -- TwiML answers parsed with expat into a tree of elements,
 * and the text messages in them.
 */
#include <stdlib.h>
#include <string.h>

#include <expat.h>
#include <jansson.h>

#include "cli_twiml.h"
#include "form.h"
#include "util.h"
#include "xmalloc.h"

struct xparse {
	struct cli_twiml	*root;
	struct cli_twiml	*cur;
};

void
cli_twiml_free(struct cli_twiml *n)
{
	size_t	i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		cli_twiml_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n->text);
	free(n->all);
	form_free(&n->attrs);
	free(n);
}

static void XMLCALL
xml_start(void *arg, const XML_Char *name, const XML_Char **atts)
{
	struct xparse		*xp = arg;
	struct cli_twiml	*n;
	size_t			 i;

	n = xcalloc(1, sizeof *n);
	n->name = xstrdup(name);
	n->text = xstrdup("");
	n->all = xstrdup("");
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

static void
xml_append(char **s, size_t *len, const XML_Char *add, int n)
{
	*s = xreallocarray(*s, *len + (size_t)n + 1, 1);
	memcpy(*s + *len, add, (size_t)n);
	*len += (size_t)n;
	(*s)[*len] = '\0';
}

static void XMLCALL
xml_chars(void *arg, const XML_Char *s, int len)
{
	struct xparse		*xp = arg;
	struct cli_twiml	*n = xp->cur;

	if (n == NULL || len <= 0)
		return;
	xml_append(&n->text, &n->textlen, s, len);
	for (; n != NULL; n = n->parent)
		xml_append(&n->all, &n->alllen, s, len);
}

struct cli_twiml *
cli_twiml_parse(const char *doc, size_t len, char **err)
{
	struct xparse	xp;
	XML_Parser	p;

	memset(&xp, 0, sizeof xp);
	p = XML_ParserCreate("UTF-8");
	XML_SetUserData(p, &xp);
	XML_SetElementHandler(p, xml_start, xml_end);
	XML_SetCharacterDataHandler(p, xml_chars);
	if (XML_Parse(p, doc, (int)len, 1) == XML_STATUS_ERROR) {
		xasprintf(err, "line %lu: %s",
		    (unsigned long)XML_GetCurrentLineNumber(p),
		    XML_ErrorString(XML_GetErrorCode(p)));
		XML_ParserFree(p);
		cli_twiml_free(xp.root);
		return (NULL);
	}
	XML_ParserFree(p);
	return (xp.root);
}

char *
cli_twiml_text(const struct cli_twiml *n)
{
	char	*s;

	s = xstrdup(n->text);
	return (util_trim(s));
}

char *
cli_twiml_message_text(const struct cli_twiml *m)
{
	const struct cli_twiml	*from = m;
	size_t			 i;
	char			*s;

	/* <Body> holds the words; text beside it is only white space. */
	for (i = 0; i < m->nkids; i++) {
		if (strcmp(m->kids[i]->name, "Body") == 0)
			from = m->kids[i];
	}
	s = xstrdup(from->all);
	return (util_trim(s));
}

static int
is_message(const struct cli_twiml *n)
{
	return (strcmp(n->name, "Message") == 0 || strcmp(n->name, "Sms") == 0);
}

static void
collect_messages(const struct cli_twiml *n, json_t *out)
{
	char	*text;
	size_t	 i;

	if (is_message(n)) {
		text = cli_twiml_message_text(n);
		json_array_append_new(out, json_pack("{s:s, s:s?}", "text", text,
		    "to", form_get(&n->attrs, "to")));
		free(text);
		return;
	}
	for (i = 0; i < n->nkids; i++)
		collect_messages(n->kids[i], out);
}

json_t *
cli_twiml_messages(const struct cli_twiml *root)
{
	json_t	*out = json_array();

	if (root != NULL)
		collect_messages(root, out);
	return (out);
}
