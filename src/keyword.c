/*
 * keyword.c -- SMS keywords, compliance words and replies (see keyword.h):
 * normalising a text, matching it, filling message templates.  Loading
 * sms.yaml is keyword_load.c.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "config.h"
#include "form.h"
#include "keyword.h"
#include "keyword_private.h"
#include "xmalloc.h"
#include "yaml.h"

/* --- normalisation ------------------------------------------------------ */

/* Base letters of U+00C0..U+00FF, lower case; "" drops, " " separates. */
static const char *keyword_latin1[64] = {
	"a", "a", "a", "a", "a", "a", "ae", "c",	/* C0 */
	"e", "e", "e", "e", "i", "i", "i", "i",		/* C8 */
	"d", "n", "o", "o", "o", "o", "o", " ",		/* D0 */
	"o", "u", "u", "u", "u", "y", "th", "ss",	/* D8 */
	"a", "a", "a", "a", "a", "a", "ae", "c",	/* E0 */
	"e", "e", "e", "e", "i", "i", "i", "i",		/* E8 */
	"d", "n", "o", "o", "o", "o", "o", " ",		/* F0 */
	"o", "u", "u", "u", "u", "y", "th", "y",	/* F8 */
};

char *
keyword_normalise(const char *in)
{
	const unsigned char	*s = (const unsigned char *)in;
	size_t			 left = strlen(in);
	const char		*rep;
	char			*out, *o, one[2];
	unsigned int		 cp;
	size_t			 n;
	int			 space = 1;	/* trims leading space */

	/* No mapping grows a character: "ae" and "ss" come from 2 bytes. */
	out = o = xmalloc(strlen(in) + 1);
	while (*s != '\0') {
		if ((n = form_utf8_decode(s, left, &cp)) == 0) {
			s++;
			left--;
			continue;
		}
		rep = NULL;
		if (cp < 0x80) {
			if (isalnum(cp)) {
				one[0] = (char)tolower(cp);
				one[1] = '\0';
				rep = one;
			} else if (cp == '\'' || cp == '`')
				rep = "";
			else
				rep = " ";
		} else if (cp < 0xa0)
			rep = "";
		else if (cp < 0xc0)
			rep = " ";
		else if (cp <= 0xff)
			rep = keyword_latin1[cp - 0xc0];
		else if (cp >= 0x300 && cp <= 0x36f)
			rep = "";	/* combining accents of decomposed text */
		else if (cp == 0x2018 || cp == 0x2019 || cp == 0x02bc)
			rep = "";
		else if ((cp >= 0x2000 && cp <= 0x206f) || cp == 0x3000)
			rep = " ";
		else if ((cp >= 0x2190 && cp <= 0x2bff) ||
		    (cp >= 0xfe00 && cp <= 0xfe0f) ||
		    (cp >= 0x1f000 && cp <= 0x1faff))
			rep = " ";	/* arrows, symbols, emoji: "STOP 🙏" is STOP */
		else if (cp >= 0xff01 && cp <= 0xff5e) {
			/* Full-width forms, as some phone keyboards send. */
			cp -= 0xfee0;
			if (isalnum(cp)) {
				one[0] = (char)tolower(cp);
				one[1] = '\0';
				rep = one;
			} else
				rep = cp == '\'' ? "" : " ";
		}
		if (rep == NULL) {
			memcpy(o, s, n);
			o += n;
			space = 0;
		} else if (strcmp(rep, " ") == 0) {
			if (!space)
				*o++ = ' ';
			space = 1;
		} else if (*rep != '\0') {
			memcpy(o, rep, strlen(rep));
			o += strlen(rep);
			space = 0;
		}
		s += n;
		left -= n;
	}
	if (o > out && o[-1] == ' ')
		o--;
	*o = '\0';
	return (out);
}

/* The normalised word with every space removed, in place. */
char *
keyword_squeeze(char *s)
{
	char	*r, *w;

	for (r = w = s; *r != '\0'; r++) {
		if (*r != ' ')
			*w++ = *r;
	}
	*w = '\0';
	return (s);
}

int
keyword_in(char *const *list, size_t n, const char *word)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(list[i], word) == 0)
			return (1);
	}
	return (0);
}

enum kw_compliance
keyword_compliance(const struct smscfg *sc, const char *norm, int *spanish)
{
	enum kw_compliance	 kind = KW_NONE;
	char			*w;

	if (spanish != NULL)
		*spanish = 0;
	if (sc == NULL)
		return (KW_NONE);
	w = keyword_squeeze(xstrdup(norm));
	if (*w == '\0')
		kind = KW_NONE;
	else if (keyword_in(sc->opt_out, sc->nopt_out, w))
		kind = KW_OPTOUT;
	else if (keyword_in(sc->opt_in, sc->nopt_in, w))
		kind = KW_OPTIN;
	else if (keyword_in(sc->help, sc->nhelp, w))
		kind = KW_HELP;
	if (kind != KW_NONE && spanish != NULL)
		*spanish = keyword_in(sc->spanish, sc->nspanish, w);
	free(w);
	return (kind);
}

/* --- opt-outs in a person's own words --------------------------------- */

/* Longer messages are not read for an opt-out: no one says "stop" so long. */
#define KEYWORD_INTENT_WORDS	48

/*
 * Split a normalised copy into words, in place (it has single spaces and
 * no others); returns the count, or max + 1 when there are more.
 */
size_t
keyword_split(char *s, char **words, size_t max)
{
	size_t	n = 0;
	char	*p = s, *sp;

	while (*p != '\0') {
		if (n == max)
			return (max + 1);
		words[n++] = p;
		if ((sp = strchr(p, ' ')) == NULL)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	return (n);
}

/* Does seq stand at words[at]? */
static int
keyword_seq_at(const struct kw_seq *q, char **words, size_t n, size_t at)
{
	size_t	i;

	if (q->nwords > n - at)
		return (0);
	for (i = 0; i < q->nwords; i++) {
		if (strcmp(q->words[i], words[at + i]) != 0)
			return (0);
	}
	return (1);
}

/* The first list entry standing at words[at], or NULL. */
static const struct kw_seq *
keyword_seqs_at(const struct kw_seqs *l, char **words, size_t n, size_t at)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		if (keyword_seq_at(&l->v[i], words, n, at))
			return (&l->v[i]);
	}
	return (NULL);
}

/*
 * Can the words be read as stop terms, fillers and topics of the languages
 * in mask, with at least one stop term and topics only after one?  Every
 * way of reading them is tried (a word can start a phrase or be a filler).
 */
static int
keyword_covers(const struct smscfg *sc, unsigned int mask, char **words,
    size_t n)
{
	const struct kw_optout_words	*w;
	unsigned char			 reach[KEYWORD_INTENT_WORDS + 1];
	size_t				 at, l, i, to;

	/* reach[at]: bit 0 "read up to here", bit 1 "... past a stop term" */
	memset(reach, 0, sizeof reach);
	reach[0] = 1;
	for (at = 0; at < n; at++) {
		if (reach[at] == 0)
			continue;
		for (l = 0; l < LANG_MAX; l++) {
			if ((mask & (1U << l)) == 0)
				continue;
			w = &sc->optout_words[l];
			for (i = 0; i < w->stop.n; i++) {
				if (keyword_seq_at(&w->stop.v[i], words, n, at))
					reach[at + w->stop.v[i].nwords] |= 2;
			}
			for (i = 0; i < w->fillers.n; i++) {
				if (keyword_seq_at(&w->fillers.v[i], words, n,
				    at)) {
					to = at + w->fillers.v[i].nwords;
					reach[to] |= reach[at];
				}
			}
			if ((reach[at] & 2) == 0)
				continue;
			for (i = 0; i < w->topics.n; i++) {
				if (keyword_seq_at(&w->topics.v[i], words, n, at))
					reach[at + w->topics.v[i].nwords] |= 2;
			}
		}
	}
	return ((reach[n] & 2) != 0);
}

enum kw_intent
keyword_optout_intent(const struct smscfg *sc, const char *norm, int prefer,
    int *lang)
{
	char		*copy, *words[KEYWORD_INTENT_WORDS];
	unsigned int	 all = 0;
	size_t		 n, at, k;
	int		 l, order[LANG_MAX], norder = 0, found = -1, toolong;
	enum kw_intent	 kind = KW_INTENT_NONE;

	if (lang != NULL)
		*lang = -1;
	if (sc == NULL || *norm == '\0')
		return (KW_INTENT_NONE);
	/* The number's language first, then the others in order. */
	if (prefer >= 0 && prefer < LANG_MAX)
		order[norder++] = prefer;
	for (l = 0; l < LANG_MAX; l++) {
		if (l != prefer)
			order[norder++] = l;
	}
	for (l = 0; l < LANG_MAX; l++)
		all |= 1U << l;

	copy = xstrdup(norm);
	n = keyword_split(copy, words, KEYWORD_INTENT_WORDS);
	if ((toolong = n > KEYWORD_INTENT_WORDS))
		n = KEYWORD_INTENT_WORDS;	/* read for a mention only */

	/* A mention: the first stop term in the message, and its language. */
	for (at = 0; at < n && found < 0; at++) {
		for (k = 0; k < (size_t)norder && found < 0; k++) {
			if (keyword_seqs_at(&sc->optout_words[order[k]].stop,
			    words, n, at) != NULL)
				found = order[k];
		}
	}
	if (found < 0)
		goto out;
	kind = KW_INTENT_MENTION;
	if (lang != NULL)
		*lang = found;
	if (toolong)
		goto out;
	/* "end it all" is never a request to stop texts. */
	for (at = 0; at < n; at++) {
		for (l = 0; l < LANG_MAX; l++) {
			if (keyword_seqs_at(&sc->optout_words[l].never, words, n,
			    at) != NULL)
				goto out;
		}
	}
	/* One language's words alone, the number's first; then any mix. */
	for (k = 0; k < (size_t)norder; k++) {
		if (keyword_covers(sc, 1U << order[k], words, n)) {
			kind = KW_INTENT_OPTOUT;
			if (lang != NULL)
				*lang = order[k];
			goto out;
		}
	}
	if (keyword_covers(sc, all, words, n))
		kind = KW_INTENT_OPTOUT;
out:
	free(copy);
	return (kind);
}

const struct keyword *
keyword_match(const struct smscfg *sc, const char *norm)
{
	size_t	i;

	if (sc == NULL || *norm == '\0')
		return (NULL);
	for (i = 0; i < sc->nkeywords; i++) {
		if (sc->keywords[i].re != NULL &&
		    re_match(sc->keywords[i].re, norm))
			return (&sc->keywords[i]);
	}
	return (NULL);
}

const char *
smscfg_message(const struct config *cfg, const char *name, int lang)
{
	const struct smscfg	*sc = cfg->sms;
	size_t			 i;

	if (sc == NULL)
		return (NULL);
	for (i = 0; i < sc->nmessages; i++) {
		if (strcmp(sc->messages[i].name, name) == 0)
			return (i18n_get(&sc->messages[i].text, lang));
	}
	return (NULL);
}

/* --- text ----------------------------------------------------------------- */

/* Length of the placeholder name at s (after '{'), 0 if it is not one. */
size_t
keyword_placeholder(const char *s)
{
	size_t	n = 0;

	while (s[n] == '_' || (s[n] >= 'a' && s[n] <= 'z'))
		n++;
	return (n > 0 && s[n] == '}' ? n : 0);
}

char *
keyword_fill(const char *tmpl, const char *const *vars)
{
	const char	*p, *val;
	char		*out;
	size_t		 len = 0, cap, n, i, vl;

	cap = strlen(tmpl) + 64;
	out = xmalloc(cap);
	for (p = tmpl; *p != '\0'; p++) {
		val = NULL;
		n = 0;
		if (*p == '{' && (n = keyword_placeholder(p + 1)) > 0) {
			for (i = 0; vars != NULL && vars[i] != NULL &&
			    vars[i + 1] != NULL; i += 2) {
				if (strlen(vars[i]) == n &&
				    strncmp(vars[i], p + 1, n) == 0) {
					val = vars[i + 1];
					break;
				}
			}
		}
		if (val == NULL) {
			val = p;
			vl = 1;
		} else {
			vl = strlen(val);
			p += n + 1;
			/* "opens at 8 a. m." ends the sentence: no "m..". */
			if (vl > 0 && val[vl - 1] == '.' && p[1] == '.')
				p++;
		}
		if (len + vl + 1 > cap) {
			cap = (len + vl + 1) * 2;
			out = xreallocarray(out, cap, 1);
		}
		memcpy(out + len, val, vl);
		len += vl;
	}
	out[len] = '\0';
	return (out);
}

struct keyword_texts {
	char	**v;
	size_t	  n;
	char	 *cur;
};

static void
keyword_texts_flush(struct keyword_texts *t)
{
	if (t->cur == NULL)
		return;
	t->v = xreallocarray(t->v, t->n + 2, sizeof *t->v);
	t->v[t->n++] = t->cur;
	t->v[t->n] = NULL;
	t->cur = NULL;
}

static void
keyword_texts_add(struct keyword_texts *t, const char *s, size_t len,
    size_t max)
{
	size_t	cl;
	char	*n;

	if (t->cur != NULL && (cl = strlen(t->cur)) + 1 + len <= max) {
		n = xmalloc(cl + 1 + len + 1);
		memcpy(n, t->cur, cl);
		n[cl] = '\n';
		memcpy(n + cl + 1, s, len);
		n[cl + 1 + len] = '\0';
		free(t->cur);
		t->cur = n;
		return;
	}
	keyword_texts_flush(t);
	t->cur = xstrndup(s, len);
}

char **
keyword_pack(const char *const *paras, size_t nparas, size_t max, size_t *np)
{
	struct keyword_texts	 t = { NULL, 0, NULL };
	const char		*s;
	size_t			 i, len, cut;

	for (i = 0; i < nparas; i++) {
		s = paras[i];
		while (*s == ' ' || *s == '\n')
			s++;
		len = strlen(s);
		while (len > max) {
			/* Split at the last space that fits, else at a character. */
			for (cut = max; cut > 0 && s[cut] != ' '; cut--)
				;
			if (cut == 0) {
				cut = max;
				while (cut > 0 &&
				    ((unsigned char)s[cut] & 0xc0) == 0x80)
					cut--;
			}
			keyword_texts_flush(&t);
			keyword_texts_add(&t, s, cut, max);
			keyword_texts_flush(&t);
			s += cut;
			while (*s == ' ')
				s++;
			len = strlen(s);
		}
		if (len > 0)
			keyword_texts_add(&t, s, len, max);
	}
	keyword_texts_flush(&t);
	if (t.v == NULL)
		t.v = xcalloc(1, sizeof *t.v);
	if (np != NULL)
		*np = t.n;
	return (t.v);
}

void
keyword_texts_free(char **v)
{
	size_t	i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}
