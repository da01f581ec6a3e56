/*
 * twiml.c -- the TwiML writer.
 *
 * The provider rejects a document it cannot parse or whose verbs nest in a
 * way it does not know, and then plays its own "application error" to the
 * caller.  Rather than hope every caller gets the nesting right, the writer
 * knows the grammar and refuses to finish a document that breaks it, so a
 * mistake shows up as an error on our side (and in tests) instead.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "form.h"
#include "log.h"
#include "twiml.h"
#include "xmalloc.h"

#define TWIML_MAX_DEPTH 16

struct twiml_elem {
	const char	*name;
	const char	*children[12];	/* NULL-terminated */
	int		 text;		/* may hold character data */
};

/*
 * What may appear where.  Dial takes a bare number as text, Message a bare
 * body and Redirect its URL; Pause, Hangup and Reject take nothing.
 */
static const struct twiml_elem twiml_elems[] = {
	{ "Response", { "Say", "Play", "Pause", "Gather", "Dial", "Record",
	    "Redirect", "Hangup", "Reject", "Message", NULL }, 0 },
	{ "Gather", { "Say", "Play", "Pause", NULL }, 0 },
	{ "Dial", { "Number", "Client", "Sip", "Queue", NULL }, 1 },
	{ "Message", { "Body", "Media", NULL }, 1 },
	{ "Say", { NULL }, 1 },
	{ "Play", { NULL }, 1 },
	{ "Pause", { NULL }, 0 },
	{ "Record", { NULL }, 0 },
	{ "Redirect", { NULL }, 1 },
	{ "Hangup", { NULL }, 0 },
	{ "Reject", { NULL }, 0 },
	{ "Number", { NULL }, 1 },
	{ "Client", { NULL }, 1 },
	{ "Sip", { NULL }, 1 },
	{ "Queue", { NULL }, 1 },
	{ "Body", { NULL }, 1 },
	{ "Media", { NULL }, 1 },
};

struct twiml {
	struct evbuffer		*buf;
	const struct twiml_elem	*stack[TWIML_MAX_DEPTH];
	int			 depth;
	int			 pending;	/* start tag not yet closed with '>' */
	int			 invalid;
	int			 finished;
	char			*doc;
	size_t			 len;
};

static const struct twiml_elem	*twiml_elem_find(const char *);
static int			 twiml_may_nest(const struct twiml_elem *,
				     const char *);
static int			 twiml_attr_name_ok(const char *);
static void			 twiml_end_pending(struct twiml *);
static void			 twiml_vopen(struct twiml *, const char *,
				     va_list);

/*
 * Characters that need nothing are copied in runs: one evbuffer_add per
 * run, not per character (each add takes the buffer's lock, libevent
 * being set up for threads), which made escaping the largest part of
 * rendering an answer.
 */
void
xml_escape(struct evbuffer *out, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s, *run = p;
	size_t			 len = strlen(s), n;
	unsigned int		 cp;
	const char		*rep;

	while (len > 0) {
		rep = NULL;
		if (*p >= 0x20 && *p < 0x80 && *p != '&' && *p != '<' &&
		    *p != '>' && *p != '"' && *p != '\'') {
			p++;
			len--;
			continue;
		}
		if ((n = form_utf8_decode(p, len, &cp)) == 0)
			rep = "";	/* not UTF-8: dropped */
		else {
			switch (cp) {
			case '&':
				rep = "&amp;";
				break;
			case '<':
				rep = "&lt;";
				break;
			case '>':
				rep = "&gt;";
				break;
			case '"':
				rep = "&quot;";
				break;
			case '\'':
				rep = "&apos;";
				break;
			default:
				/* XML 1.0 has no way to carry these at all. */
				if ((cp < 0x20 && cp != '\t' && cp != '\n' &&
				    cp != '\r') || cp == 0xfffe || cp == 0xffff)
					rep = "";
				break;
			}
		}
		if (n == 0)
			n = 1;
		if (rep == NULL) {
			p += n;
			len -= n;
			continue;
		}
		if (p > run)
			evbuffer_add(out, run, p - run);
		if (*rep != '\0')
			evbuffer_add(out, rep, strlen(rep));
		p += n;
		len -= n;
		run = p;
	}
	if (p > run)
		evbuffer_add(out, run, p - run);
}

static const struct twiml_elem *
twiml_elem_find(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof twiml_elems / sizeof twiml_elems[0]; i++) {
		if (strcmp(twiml_elems[i].name, name) == 0)
			return (&twiml_elems[i]);
	}
	return (NULL);
}

static int
twiml_may_nest(const struct twiml_elem *parent, const char *name)
{
	size_t	i;

	for (i = 0; parent->children[i] != NULL; i++) {
		if (strcmp(parent->children[i], name) == 0)
			return (1);
	}
	return (0);
}

/* Attribute names are ours, never from input, but a typo must not slip by. */
static int
twiml_attr_name_ok(const char *s)
{
	const char	*p;

	if (*s == '\0')
		return (0);
	for (p = s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
			continue;
		if (p != s && ((*p >= '0' && *p <= '9') || *p == '-' ||
		    *p == '_' || *p == '.'))
			continue;
		return (0);
	}
	return (1);
}

struct twiml *
twiml_new(void)
{
	struct twiml	*t;

	t = xcalloc(1, sizeof *t);
	if ((t->buf = evbuffer_new()) == NULL)
		fatalx("%s: evbuffer_new failed", __func__);
	/* Left open so that a document with no verbs is just <Response/>. */
	evbuffer_add_printf(t->buf,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response");
	t->stack[0] = twiml_elem_find("Response");
	t->depth = 1;
	t->pending = 1;
	return (t);
}

void
twiml_free(struct twiml *t)
{
	if (t == NULL)
		return;
	evbuffer_free(t->buf);
	free(t->doc);
	free(t);
}

static void
twiml_end_pending(struct twiml *t)
{
	if (t->pending) {
		evbuffer_add(t->buf, ">", 1);
		t->pending = 0;
	}
}

static void
twiml_vopen(struct twiml *t, const char *name, va_list ap)
{
	const struct twiml_elem	*e;
	const char		*seen[32], *an, *av;
	size_t			 nseen = 0, i;

	if (t->finished) {
		t->invalid = 1;
		return;
	}
	e = twiml_elem_find(name);
	if (e == NULL || t->depth == 0 ||
	    !twiml_may_nest(t->stack[t->depth - 1], name)) {
		log_warn("twiml_open: <%s> may not go inside <%s>", name,
		    t->depth == 0 ? "(nothing)" : t->stack[t->depth - 1]->name);
		t->invalid = 1;
		return;
	}
	if (t->depth == TWIML_MAX_DEPTH) {
		t->invalid = 1;
		return;
	}

	twiml_end_pending(t);
	evbuffer_add_printf(t->buf, "<%s", name);
	while ((an = va_arg(ap, const char *)) != NULL) {
		av = va_arg(ap, const char *);
		if (av == NULL)
			continue;
		if (!twiml_attr_name_ok(an) || nseen == 32) {
			t->invalid = 1;
			continue;
		}
		for (i = 0; i < nseen; i++) {
			if (strcmp(seen[i], an) == 0)
				t->invalid = 1;
		}
		seen[nseen++] = an;
		evbuffer_add_printf(t->buf, " %s=\"", an);
		xml_escape(t->buf, av);
		evbuffer_add(t->buf, "\"", 1);
	}
	t->stack[t->depth++] = e;
	t->pending = 1;
}

void
twiml_open(struct twiml *t, const char *name, ...)
{
	va_list	ap;

	va_start(ap, name);
	twiml_vopen(t, name, ap);
	va_end(ap);
}

void
twiml_text(struct twiml *t, const char *text)
{
	if (t->finished || t->depth == 0) {
		t->invalid = 1;
		return;
	}
	if (text == NULL || *text == '\0')
		return;
	if (!t->stack[t->depth - 1]->text) {
		log_warn("%s: <%s> takes no text", __func__,
		    t->stack[t->depth - 1]->name);
		t->invalid = 1;
		return;
	}
	twiml_end_pending(t);
	xml_escape(t->buf, text);
}

void
twiml_close(struct twiml *t)
{
	if (t->finished || t->depth == 0) {
		t->invalid = 1;
		return;
	}
	t->depth--;
	if (t->pending) {
		evbuffer_add(t->buf, "/>", 2);
		t->pending = 0;
	} else
		evbuffer_add_printf(t->buf, "</%s>", t->stack[t->depth]->name);
}

void
twiml_leaf(struct twiml *t, const char *name, const char *text, ...)
{
	va_list	ap;
	int	depth = t->depth;

	va_start(ap, text);
	twiml_vopen(t, name, ap);
	va_end(ap);
	/* A refused open pushed nothing, so there is nothing to close. */
	if (t->depth == depth)
		return;
	twiml_text(t, text);
	twiml_close(t);
}

const char *
twiml_finish(struct twiml *t, size_t *len)
{
	size_t	n;

	if (!t->finished) {
		while (t->depth > 0)
			twiml_close(t);
		evbuffer_add(t->buf, "\n", 1);
		t->finished = 1;
		n = evbuffer_get_length(t->buf);
		t->doc = xmalloc(n + 1);
		evbuffer_remove(t->buf, t->doc, n);
		t->doc[n] = '\0';
		t->len = n;
	}
	if (t->invalid)
		return (NULL);
	if (len != NULL)
		*len = t->len;
	return (t->doc);
}
