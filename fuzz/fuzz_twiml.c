/*
 * fuzz_twiml.c -- libFuzzer harness for the TwiML writer.
 *
 * The input is a program for the writer: open an element (with up to
 * three attributes), add text, close, a leaf, finish early.  Texts and
 * attribute values are raw bytes from the input.  The harness keeps its
 * own model of TwiML's grammar (PROTOCOL.md) and checks that
 *   - the writer finishes a document exactly when every step was allowed;
 *   - a finished document is well-formed XML (re-parsed with expat), its
 *     elements nest as TwiML allows and carry the attributes given;
 *   - its text and attribute values read back as what was written, less
 *     what XML 1.0 cannot carry (invalid UTF-8, control characters,
 *     U+FFFE and U+FFFF) and with the line-end and attribute-whitespace
 *     normalisation every XML parser applies.
 */
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "form.h"
#include "fuzz.h"
#include "twiml.h"
#include "xmalloc.h"

#define FT_MAX_OPS	64
#define FT_MAX_ELEMS	(FT_MAX_OPS + 1)
#define FT_MAX_ATTRS	3

static const struct {
	const char	*name;
	const char	*children[12];
	int		 text;
} ft_elems[] = {
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
	/* Not TwiML: always refused. */
	{ "Enqueue", { NULL }, 1 },
	{ "", { NULL }, 0 },
};
#define FT_NELEMS ((int)(sizeof ft_elems / sizeof ft_elems[0]))
#define FT_KNOWN (FT_NELEMS - 2)

/* Attribute names, and whether they are names XML and the writer accept. */
static const struct {
	const char	*name;
	int		 ok;
} ft_attrs[] = {
	{ "action", 1 }, { "method", 1 }, { "voice", 1 }, { "language", 1 },
	{ "loop", 1 }, { "timeout", 1 }, { "numDigits", 1 }, { "input", 1 },
	{ "hints", 1 }, { "finishOnKey", 1 }, { "x-y_z.1", 1 }, { "", 0 },
	{ "1st", 0 }, { "bad name", 0 }, { "a\"b", 0 }, { "on<", 0 },
};
#define FT_NATTRS ((int)(sizeof ft_attrs / sizeof ft_attrs[0]))

struct ft_buf {
	char	*s;
	size_t	 len, size;
};

struct ft_elem {
	int		 e;			/* index in ft_elems */
	int		 nattrs;
	const char	*attr[FT_MAX_ATTRS];
	char		*value[FT_MAX_ATTRS];	/* as expat should report it */
};

struct ft_state {
	/* the model */
	int		 stack[16];
	int		 depth;
	int		 finished;
	int		 valid;
	struct ft_elem	 elems[FT_MAX_ELEMS];	/* opened, in document order */
	int		 nelems;
	struct ft_buf	 text;			/* all character data */

	/* while re-parsing */
	int		 pstack[16];
	int		 pdepth;
	int		 seen;
	struct ft_buf	 ptext;
	int		 bad;
};

static void
ft_add(struct ft_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->size) {
		b->size = (b->len + n + 1) * 2;
		b->s = xreallocarray(b->s, b->size, 1);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/*
 * What an XML parser reads back from s written by xml_escape: the
 * characters XML can carry, "\r\n" and "\r" as "\n" (2.11), and in an
 * attribute every tab and line end as a space (3.3.3).
 */
static void
ft_expect(struct ft_buf *out, const char *s, int attr)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 len = strlen(s), n;
	unsigned int		 cp;
	struct ft_buf		 kept = { NULL, 0, 0 };
	size_t			 i;

	while (len > 0) {
		if ((n = form_utf8_decode(p, len, &cp)) == 0) {
			p++;
			len--;
			continue;
		}
		if (!((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
		    cp == 0xfffe || cp == 0xffff))
			ft_add(&kept, (const char *)p, n);
		p += n;
		len -= n;
	}
	for (i = 0; i < kept.len; i++) {
		char	c = kept.s[i];

		if (c == '\r') {
			if (i + 1 < kept.len && kept.s[i + 1] == '\n')
				continue;
			c = '\n';
		}
		if (attr && (c == '\t' || c == '\n'))
			c = ' ';
		ft_add(out, &c, 1);
	}
	free(kept.s);
	if (out->s == NULL)
		ft_add(out, "", 0);
}

static int
ft_may_nest(int parent, int child)
{
	int	i;

	for (i = 0; ft_elems[parent].children[i] != NULL; i++) {
		if (strcmp(ft_elems[parent].children[i],
		    ft_elems[child].name) == 0)
			return (1);
	}
	return (0);
}

/* Model and perform one open (or the open of a leaf); 1 if it opened. */
static int
ft_open(struct ft_state *st, struct twiml *t, struct fuzz_in *in, int leaf,
    char *text)
{
	const char	*an[FT_MAX_ATTRS];
	char		*av[FT_MAX_ATTRS];
	int		 aok[FT_MAX_ATTRS];
	struct ft_elem	*el = NULL;
	unsigned int	 b = fuzz_byte(in);
	int		 e, i, j, nat, parent, opened;

	parent = st->depth > 0 ? st->stack[st->depth - 1] : 0;
	/* Mostly a child the parent takes, so deep documents are reached. */
	if (!(b & 0x80) && st->depth > 0 &&
	    ft_elems[parent].children[0] != NULL) {
		for (i = 0; ft_elems[parent].children[i] != NULL; i++)
			;
		for (e = 0; strcmp(ft_elems[e].name,
		    ft_elems[parent].children[(b & 0x7f) % i]) != 0; e++)
			;
	} else
		e = (b & 0x7f) % FT_NELEMS;
	nat = fuzz_byte(in) % (FT_MAX_ATTRS + 1);
	for (i = 0; i < nat; i++) {
		b = fuzz_byte(in);
		an[i] = ft_attrs[b % FT_NATTRS].name;
		aok[i] = ft_attrs[b % FT_NATTRS].ok;
		/* A NULL value leaves the attribute out. */
		av[i] = (b & 0x80) ? NULL : fuzz_str(in, 64, NULL);
	}
	for (; i < FT_MAX_ATTRS; i++) {
		an[i] = NULL;
		av[i] = NULL;
		aok[i] = 1;
	}

	opened = !st->finished && st->depth > 0 && e < FT_KNOWN &&
	    ft_may_nest(parent, e);
	if (opened && st->nelems < FT_MAX_ELEMS) {
		el = &st->elems[st->nelems++];
		memset(el, 0, sizeof *el);
		el->e = e;
	}
	for (i = 0; opened && i < FT_MAX_ATTRS; i++) {
		if (an[i] == NULL || av[i] == NULL)
			continue;
		if (!aok[i])
			st->valid = 0;
		for (j = 0; j < i; j++) {
			if (av[j] != NULL && strcmp(an[j], an[i]) == 0)
				st->valid = 0;
		}
		if (el != NULL) {
			struct ft_buf	v = { NULL, 0, 0 };

			ft_expect(&v, av[i], 1);
			el->attr[el->nattrs] = an[i];
			el->value[el->nattrs++] = v.s;
		}
	}
	if (!opened)
		st->valid = 0;

	if (leaf)
		twiml_leaf(t, ft_elems[e].name, text, an[0], av[0], an[1],
		    av[1], an[2], av[2], NULL);
	else
		twiml_open(t, ft_elems[e].name, an[0], av[0], an[1], av[1],
		    an[2], av[2], NULL);
	for (i = 0; i < FT_MAX_ATTRS; i++)
		free(av[i]);
	if (opened)
		st->stack[st->depth++] = e;
	return (opened);
}

static void
ft_text(struct ft_state *st, const char *text)
{
	if (st->finished || st->depth == 0) {
		st->valid = 0;
		return;
	}
	if (text == NULL || *text == '\0')
		return;
	if (!ft_elems[st->stack[st->depth - 1]].text) {
		st->valid = 0;
		return;
	}
	ft_expect(&st->text, text, 0);
}

static void
ft_close(struct ft_state *st)
{
	if (st->finished || st->depth == 0) {
		st->valid = 0;
		return;
	}
	st->depth--;
}

/* --- re-parsing ---------------------------------------------------------- */

static int
ft_find(const char *name)
{
	int	e;

	for (e = 0; e < FT_KNOWN; e++) {
		if (strcmp(ft_elems[e].name, name) == 0)
			return (e);
	}
	return (-1);
}

static void XMLCALL
ft_start(void *arg, const XML_Char *name, const XML_Char **atts)
{
	struct ft_state	*st = arg;
	struct ft_elem	*el;
	int		 e, i;

	if ((e = ft_find(name)) == -1 || st->pdepth == 16) {
		st->bad = 1;
		return;
	}
	if (st->pdepth == 0 ? e != 0 : !ft_may_nest(st->pstack[st->pdepth - 1],
	    e))
		st->bad = 1;
	st->pstack[st->pdepth++] = e;
	/* The first element is the Response twiml_new opened. */
	if (st->seen++ == 0)
		return;
	if (st->seen - 2 >= st->nelems) {
		st->bad = 1;
		return;
	}
	el = &st->elems[st->seen - 2];
	if (el->e != e)
		st->bad = 1;
	for (i = 0; atts[2 * i] != NULL; i++) {
		if (i >= el->nattrs || strcmp(atts[2 * i], el->attr[i]) != 0 ||
		    strcmp(atts[2 * i + 1], el->value[i]) != 0)
			st->bad = 1;
	}
	if (i != el->nattrs)
		st->bad = 1;
}

static void XMLCALL
ft_end(void *arg, const XML_Char *name)
{
	struct ft_state	*st = arg;

	if (st->pdepth > 0)
		st->pdepth--;
}

static void XMLCALL
ft_chars(void *arg, const XML_Char *s, int len)
{
	struct ft_state	*st = arg;

	ft_add(&st->ptext, s, (size_t)len);
}

static void
ft_check(struct ft_state *st, const char *doc, size_t len)
{
	XML_Parser	p;

	if (strlen(doc) != len)
		abort();
	if ((p = XML_ParserCreate(NULL)) == NULL)
		abort();
	XML_SetUserData(p, st);
	XML_SetElementHandler(p, ft_start, ft_end);
	XML_SetCharacterDataHandler(p, ft_chars);
	if (XML_Parse(p, doc, (int)len, 1) != XML_STATUS_OK)
		abort();
	XML_ParserFree(p);
	if (st->bad || st->seen != st->nelems + 1)
		abort();
	if ((st->ptext.len != st->text.len) || (st->text.len != 0 &&
	    memcmp(st->ptext.s, st->text.s, st->text.len) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in	 in = { data, size };
	struct ft_state	*st;
	struct twiml	*t;
	const char	*doc;
	char		*text;
	size_t		 len;
	int		 op, i, j;

	if (size > 8192)
		return (0);
	st = xcalloc(1, sizeof *st);
	st->valid = 1;
	st->stack[0] = 0;
	st->depth = 1;
	t = twiml_new();
	for (i = 0; i < FT_MAX_OPS && in.left > 0; i++) {
		op = fuzz_byte(&in) % 6;
		switch (op) {
		case 0:
			ft_open(st, t, &in, 0, NULL);
			break;
		case 1:
			text = fuzz_str(&in, 64, NULL);
			ft_text(st, text);
			twiml_text(t, text);
			free(text);
			break;
		case 2:
			ft_close(st);
			twiml_close(t);
			break;
		case 3:
			/* A leaf: text NULL is <Name/>. */
			text = (fuzz_byte(&in) & 1) ? fuzz_str(&in, 64, NULL) :
			    NULL;
			if (ft_open(st, t, &in, 1, text)) {
				ft_text(st, text);
				ft_close(st);
			}
			free(text);
			break;
		case 4:
			ft_text(st, NULL);
			twiml_text(t, NULL);
			break;
		case 5:
			/* Finish early: anything after it spoils the document. */
			(void)twiml_finish(t, NULL);
			st->finished = 1;
			break;
		}
	}

	doc = twiml_finish(t, &len);
	if (st->valid != (doc != NULL))
		abort();
	if (doc != NULL) {
		ft_check(st, doc, len);
		/* Finishing again gives the same document. */
		if (twiml_finish(t, NULL) != doc)
			abort();
	}

	twiml_free(t);
	for (i = 0; i < st->nelems; i++) {
		for (j = 0; j < st->elems[i].nattrs; j++)
			free(st->elems[i].value[j]);
	}
	free(st->text.s);
	free(st->ptext.s);
	free(st);
	return (0);
}
