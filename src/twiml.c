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

/*
 * The document is written into one growing string, handed over whole by
 * twiml_finish: an evbuffer took its lock and went through printf for
 * every tag, a large part of answering a menu step.
 */
struct twiml {
	char			*buf;
	size_t			 used;
	size_t			 size;
	const struct twiml_elem	*stack[TWIML_MAX_DEPTH];
	int			 depth;
	int			 pending;	/* start tag not yet closed with '>' */
	int			 invalid;
	int			 finished;
};

static const struct twiml_elem	*twiml_elem_find(const char *);
static int			 twiml_may_nest(const struct twiml_elem *,
				     const char *);
static int			 twiml_attr_name_ok(const char *);
static void			 twiml_end_pending(struct twiml *);
static void			 twiml_vopen(struct twiml *, const char *,
				     va_list);

static void
twiml_add(void *arg, const char *s, size_t n)
{
	struct twiml	*t = arg;

	if (t->used + n + 1 > t->size) {
		while (t->used + n + 1 > t->size)
			t->size *= 2;
		t->buf = xreallocarray(t->buf, t->size, 1);
	}
	memcpy(t->buf + t->used, s, n);
	t->used += n;
}

static void
twiml_adds(struct twiml *t, const char *s)
{
	twiml_add(t, s, strlen(s));
}

/* Where escaped text goes: an evbuffer (xml_escape) or a document. */
typedef void	(*twiml_add_fn)(void *, const char *, size_t);

/*
 * Characters that need nothing are copied in runs: one add per run, not
 * per character, which made escaping the largest part of rendering an
 * answer.
 */
static void
twiml_escape(twiml_add_fn add, void *to, const char *s)
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
			add(to, (const char *)run, p - run);
		if (*rep != '\0')
			add(to, rep, strlen(rep));
		p += n;
		len -= n;
		run = p;
	}
	if (p > run)
		add(to, (const char *)run, p - run);
}

static void
twiml_evbuffer_add(void *to, const char *s, size_t n)
{
	evbuffer_add(to, s, n);
}

void
xml_escape(struct evbuffer *out, const char *s)
{
	twiml_escape(twiml_evbuffer_add, out, s);
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
	t->size = 2048;
	t->buf = xmalloc(t->size);
	/* Left open so that a document with no verbs is just <Response/>. */
	twiml_adds(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response");
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
	free(t->buf);
	free(t);
}

static void
twiml_end_pending(struct twiml *t)
{
	if (t->pending) {
		twiml_add(t, ">", 1);
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
	twiml_add(t, "<", 1);
	twiml_adds(t, name);
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
		twiml_add(t, " ", 1);
		twiml_adds(t, an);
		twiml_add(t, "=\"", 2);
		twiml_escape(twiml_add, t, av);
		twiml_add(t, "\"", 1);
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
	twiml_escape(twiml_add, t, text);
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
		twiml_add(t, "/>", 2);
		t->pending = 0;
	} else {
		twiml_add(t, "</", 2);
		twiml_adds(t, t->stack[t->depth]->name);
		twiml_add(t, ">", 1);
	}
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
	if (!t->finished) {
		while (t->depth > 0)
			twiml_close(t);
		twiml_add(t, "\n", 1);
		t->buf[t->used] = '\0';
		t->finished = 1;
	}
	if (t->invalid)
		return (NULL);
	if (len != NULL)
		*len = t->used;
	return (t->buf);
}

char *
twiml_take(struct twiml *t)
{
	char	*doc = NULL;

	if (twiml_finish(t, NULL) != NULL) {
		doc = t->buf;
		t->buf = NULL;
	}
	twiml_free(t);
	return (doc);
}
