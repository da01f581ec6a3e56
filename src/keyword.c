/*
 * keyword.c -- SMS keywords, compliance words and replies (see keyword.h).
 *
 * The compliance lists are what the law and the carriers hold us to, so
 * the loader refuses an sms.yaml that drops one of the carrier's own words
 * or puts a word on two lists: a typo there must never quietly stop STOP
 * from working.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "config.h"
#include "form.h"
#include "keyword.h"
#include "xmalloc.h"
#include "yaml.h"

/* Words the carriers act on themselves: our lists must hold them too. */
static const char *keyword_carrier_out[] = { "stop", "stopall",
	"unsubscribe", "cancel", "end", "quit", NULL };
static const char *keyword_carrier_in[] = { "start", "yes", "unstop", NULL };
static const char *keyword_carrier_help[] = { "help", "info", NULL };

/*
 * FCC 24-24: these words in a reply revoke consent, in whatever sentence;
 * opt_out_intent must know every one of them as a stop term.
 */
static const char *keyword_fcc_out[] = { "stop", "quit", "end", "revoke",
	"opt out", "cancel", "unsubscribe", NULL };

/* Messages the SMS side uses; sms.yaml must give each in every language. */
static const char *keyword_required[] = { "help", "opted_out", "opted_in",
	"fallback", "emergency", "callback_joined", "callback_updated",
	"clinic", "clinics_intro", "hours_intro", "hours_line", "zip_nearest",
	"zip_unknown", "open_now", "closed_now", "hours_closed_today",
	"guide_footer", "language_set", "wait_minutes", "optout_hint",
	"guide", "clinics_line", NULL };

/* Placeholders the service knows how to fill. */
static const char *keyword_placeholders[] = { "front_desk", "position",
	"wait", "name", "address", "phone", "hours", "open_now", "next_open",
	"zip", "miles", "n", "title", "summary", "link", "open_short", NULL };

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
static char *
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

static int
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
static size_t
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
static size_t
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

/* --- loading -------------------------------------------------------------- */

static void
keyword_words(struct cfgctx *ctx, struct fy_node *map, const char *key,
    char ***out, size_t *nout)
{
	struct fy_node	*seq, *item;
	void		*it = NULL;
	const char	*s;
	char		*w;

	*out = NULL;
	*nout = 0;
	if ((seq = cfg_get(map, key)) == NULL) {
		cfg_error(ctx, map, "compliance: missing '%s'", key);
		return;
	}
	if (!fy_node_is_sequence(seq)) {
		cfg_error(ctx, seq, "compliance: '%s' must be a list of words",
		    key);
		return;
	}
	while ((item = fy_node_sequence_iterate(seq, &it)) != NULL) {
		if (!fy_node_is_scalar(item) ||
		    (s = fy_node_get_scalar0(item)) == NULL) {
			cfg_error(ctx, item, "compliance: '%s' must hold words",
			    key);
			continue;
		}
		w = keyword_squeeze(keyword_normalise(s));
		if (*w == '\0') {
			cfg_error(ctx, item, "compliance: '%s' is not a word", s);
			free(w);
			continue;
		}
		if (keyword_in(*out, *nout, w)) {
			free(w);
			continue;	/* "STOP ALL" and "STOPALL" are one word */
		}
		*out = xreallocarray(*out, *nout + 1, sizeof **out);
		(*out)[(*nout)++] = w;
	}
}

static void
keyword_need(struct cfgctx *ctx, struct fy_node *at, char **list, size_t n,
    const char **need, const char *key)
{
	size_t	i;

	for (i = 0; need[i] != NULL; i++) {
		if (!keyword_in(list, n, need[i]))
			cfg_error(ctx, at, "compliance: '%s' must include '%s' "
			    "(the carriers act on it)", key, need[i]);
	}
}

static void
keyword_load_compliance(struct cfgctx *ctx, struct smscfg *sc,
    struct fy_node *root)
{
	struct fy_node	*c;
	size_t		 i;

	if ((c = cfg_get(root, "compliance")) == NULL ||
	    !fy_node_is_mapping(c)) {
		cfg_error(ctx, root, "missing 'compliance' (opt_out, opt_in, "
		    "help)");
		return;
	}
	keyword_words(ctx, c, "opt_out", &sc->opt_out, &sc->nopt_out);
	keyword_words(ctx, c, "opt_in", &sc->opt_in, &sc->nopt_in);
	keyword_words(ctx, c, "help", &sc->help, &sc->nhelp);
	if (cfg_get(c, "spanish") != NULL)
		keyword_words(ctx, c, "spanish", &sc->spanish, &sc->nspanish);
	keyword_need(ctx, cfg_get(c, "opt_out"), sc->opt_out, sc->nopt_out,
	    keyword_carrier_out, "opt_out");
	keyword_need(ctx, cfg_get(c, "opt_in"), sc->opt_in, sc->nopt_in,
	    keyword_carrier_in, "opt_in");
	keyword_need(ctx, cfg_get(c, "help"), sc->help, sc->nhelp,
	    keyword_carrier_help, "help");
	for (i = 0; i < sc->nopt_out; i++) {
		if (keyword_in(sc->opt_in, sc->nopt_in, sc->opt_out[i]) ||
		    keyword_in(sc->help, sc->nhelp, sc->opt_out[i]))
			cfg_error(ctx, cfg_get(c, "opt_out"), "compliance: '%s' "
			    "is on two lists", sc->opt_out[i]);
	}
	for (i = 0; i < sc->nopt_in; i++) {
		if (keyword_in(sc->help, sc->nhelp, sc->opt_in[i]))
			cfg_error(ctx, cfg_get(c, "opt_in"), "compliance: '%s' "
			    "is on two lists", sc->opt_in[i]);
	}
	for (i = 0; i < sc->nspanish; i++) {
		if (!keyword_in(sc->opt_out, sc->nopt_out, sc->spanish[i]) &&
		    !keyword_in(sc->opt_in, sc->nopt_in, sc->spanish[i]) &&
		    !keyword_in(sc->help, sc->nhelp, sc->spanish[i]))
			cfg_error(ctx, cfg_get(c, "spanish"), "compliance: "
			    "spanish word '%s' is on no list", sc->spanish[i]);
	}
}

/* --- loading opt_out_intent --------------------------------------------- */

/* Phrases longer than this are sentences, not something people say. */
#define KEYWORD_SEQ_WORDS	8

static int
keyword_seq_eq(const struct kw_seq *a, const struct kw_seq *b)
{
	size_t	i;

	if (a->nwords != b->nwords)
		return (0);
	for (i = 0; i < a->nwords; i++) {
		if (strcmp(a->words[i], b->words[i]) != 0)
			return (0);
	}
	return (1);
}

static int
keyword_seqs_has(const struct kw_seqs *l, const struct kw_seq *q)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		if (keyword_seq_eq(&l->v[i], q))
			return (1);
	}
	return (0);
}

/* The words joined, with sep between them.  Caller frees. */
static char *
keyword_seq_join(const struct kw_seq *q, const char *sep)
{
	size_t	 i, len = 1, at = 0, n;
	char	*out;

	for (i = 0; i < q->nwords; i++)
		len += strlen(q->words[i]) + strlen(sep);
	out = xmalloc(len);
	for (i = 0; i < q->nwords; i++) {
		if (i > 0) {
			memcpy(out + at, sep, strlen(sep));
			at += strlen(sep);
		}
		n = strlen(q->words[i]);
		memcpy(out + at, q->words[i], n);
		at += n;
	}
	out[at] = '\0';
	return (out);
}

/* Is the phrase text ("opt out") on the list? */
static int
keyword_seqs_has_text(const struct kw_seqs *l, const char *text)
{
	size_t	 i;
	char	*w;
	int	 eq;

	for (i = 0; i < l->n; i++) {
		w = keyword_seq_join(&l->v[i], " ");
		eq = strcmp(w, text) == 0;
		free(w);
		if (eq)
			return (1);
	}
	return (0);
}

static void
keyword_seq_free(struct kw_seq *q)
{
	size_t	i;

	for (i = 0; i < q->nwords; i++)
		free(q->words[i]);
	free(q->words);
}

static void
keyword_seqs_free(struct kw_seqs *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		keyword_seq_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Lists an entry of list "what" must not also be on. */
struct keyword_against {
	const struct kw_seqs	*seqs;
	const char		*what;
};

/*
 * Read the list key of one language's opt_out_intent mapping into out.
 * Entries are normalised as messages are, so "Don't" is "dont" and
 * "bórrenme" is "borrenme".  An entry that is also on one of the lists in
 * against, or is an opt-in or help word, is an error: read both ways, a
 * message could be STOP and START at once.
 */
static void
keyword_seqs_load(struct cfgctx *ctx, struct smscfg *sc, struct fy_node *map,
    const char *lang, const char *key, int required, struct kw_seqs *out,
    const struct keyword_against *against)
{
	struct fy_node	*seq, *item;
	struct kw_seq	 q;
	void		*it = NULL;
	const char	*s, *kind;
	char		*norm, *w, *squeezed, *words[KEYWORD_SEQ_WORDS];
	size_t		 i, n;

	if ((seq = cfg_get(map, key)) == NULL) {
		if (required)
			cfg_error(ctx, map, "opt_out_intent: '%s' has no '%s'",
			    lang, key);
		return;
	}
	if (!fy_node_is_sequence(seq)) {
		cfg_error(ctx, seq, "opt_out_intent: %s '%s' must be a list",
		    lang, key);
		return;
	}
	while ((item = fy_node_sequence_iterate(seq, &it)) != NULL) {
		if (!fy_node_is_scalar(item) ||
		    (s = fy_node_get_scalar0(item)) == NULL) {
			cfg_error(ctx, item, "opt_out_intent: %s '%s' must hold "
			    "words", lang, key);
			continue;
		}
		norm = keyword_normalise(s);
		n = keyword_split(norm, words, KEYWORD_SEQ_WORDS);
		if (n == 0 || n > KEYWORD_SEQ_WORDS) {
			cfg_error(ctx, item, "opt_out_intent: '%s' is %s", s,
			    n == 0 ? "not a word" : "too long (a phrase has at "
			    "most 8 words)");
			free(norm);
			continue;
		}
		q.nwords = n;
		q.words = xcalloc(n, sizeof *q.words);
		for (i = 0; i < n; i++)
			q.words[i] = xstrdup(words[i]);
		free(norm);
		kind = NULL;
		for (i = 0; against != NULL && against[i].seqs != NULL; i++) {
			if (keyword_seqs_has(against[i].seqs, &q))
				kind = against[i].what;
		}
		squeezed = keyword_seq_join(&q, "");
		if (keyword_in(sc->opt_in, sc->nopt_in, squeezed))
			kind = "an opt-in word";
		else if (keyword_in(sc->help, sc->nhelp, squeezed))
			kind = "a help word";
		free(squeezed);
		if (kind != NULL) {
			w = keyword_seq_join(&q, " ");
			cfg_error(ctx, item, "opt_out_intent: %s '%s' entry '%s' "
			    "is also %s", lang, key, w, kind);
			free(w);
			keyword_seq_free(&q);
			continue;
		}
		if (keyword_seqs_has(out, &q)) {
			keyword_seq_free(&q);
			continue;
		}
		out->v = xreallocarray(out->v, out->n + 1, sizeof *out->v);
		out->v[out->n++] = q;
	}
}

static void
keyword_load_intent(struct cfgctx *ctx, struct smscfg *sc,
    struct fy_node *root)
{
	struct fy_node		*m, *lm;
	struct fy_node_pair	*p;
	struct kw_optout_words	*w;
	void			*it = NULL;
	const char		*code;
	size_t			 i, l;
	int			 lang, have[LANG_MAX] = { 0 }, found;

	if ((m = cfg_get(root, "opt_out_intent")) == NULL ||
	    !fy_node_is_mapping(m)) {
		cfg_error(ctx, root, "missing 'opt_out_intent' (the words of "
		    "an opt-out in a sentence, by language)");
		return;
	}
	while ((p = cfg_iterate(m, &it)) != NULL) {
		code = fy_node_get_scalar0(fy_node_pair_key(p));
		lm = fy_node_pair_value(p);
		if (code == NULL || (lang = config_lang(ctx->cfg, code)) < 0) {
			cfg_error(ctx, fy_node_pair_key(p), "opt_out_intent: "
			    "language '%s' is not configured",
			    code != NULL ? code : "?");
			continue;
		}
		if (lm == NULL || !fy_node_is_mapping(lm)) {
			cfg_error(ctx, fy_node_pair_key(p), "opt_out_intent: "
			    "'%s' must be a mapping (words, phrases, fillers, "
			    "topics, never)", code);
			continue;
		}
		have[lang] = 1;
		w = &sc->optout_words[lang];
		{
			const struct keyword_against	stop[] = {
				{ &w->fillers, "a filler" },
				{ &w->topics, "a topic" }, { NULL, NULL } };
			const struct keyword_against	fill[] = {
				{ &w->stop, "a stop word or phrase" },
				{ &w->topics, "a topic" }, { NULL, NULL } };
			const struct keyword_against	topic[] = {
				{ &w->stop, "a stop word or phrase" },
				{ &w->fillers, "a filler" }, { NULL, NULL } };

			keyword_seqs_load(ctx, sc, lm, code, "words", 1,
			    &w->stop, stop);
			keyword_seqs_load(ctx, sc, lm, code, "phrases", 0,
			    &w->stop, stop);
			keyword_seqs_load(ctx, sc, lm, code, "fillers", 1,
			    &w->fillers, fill);
			keyword_seqs_load(ctx, sc, lm, code, "topics", 0,
			    &w->topics, topic);
			keyword_seqs_load(ctx, sc, lm, code, "never", 0,
			    &w->never, NULL);
		}
	}
	for (l = 0; l < ctx->cfg->nlangs; l++) {
		if (!have[l])
			cfg_error(ctx, m, "opt_out_intent: missing '%s'",
			    ctx->cfg->langs[l]);
	}
	for (i = 0; keyword_fcc_out[i] != NULL; i++) {
		for (found = 0, l = 0; l < LANG_MAX && !found; l++)
			found = keyword_seqs_has_text(&sc->optout_words[l].stop,
			    keyword_fcc_out[i]);
		if (!found)
			cfg_error(ctx, m, "opt_out_intent: the words must include "
			    "'%s' (FCC 24-24: it revokes consent in any reply)",
			    keyword_fcc_out[i]);
	}
}

static void
keyword_load_one(struct cfgctx *ctx, struct smscfg *sc, struct fy_node *v)
{
	static const struct {
		const char	*name;
		enum kw_action	 action;
	} actions[] = {
		{ "clinics", KW_CLINICS }, { "zip", KW_ZIP },
		{ "hours", KW_HOURS }, { "callback", KW_CALLBACK },
		{ "language", KW_LANGUAGE }
	};
	struct keyword	*k;
	const char	*id, *lang, *match, *guide, *action;
	size_t		 i;

	if (!fy_node_is_mapping(v)) {
		cfg_error(ctx, v, "keywords: each entry must be a mapping");
		return;
	}
	id = cfg_str(ctx, v, "id", 1);
	lang = cfg_str(ctx, v, "language", 1);
	match = cfg_str(ctx, v, "match", 1);
	guide = cfg_str(ctx, v, "guide", 0);
	action = cfg_str(ctx, v, "action", 0);
	if (id == NULL || lang == NULL || match == NULL)
		return;
	for (i = 0; i < sc->nkeywords; i++) {
		if (strcmp(sc->keywords[i].id, id) == 0)
			cfg_error(ctx, cfg_get(v, "id"), "keyword '%s' is "
			    "defined twice", id);
	}
	sc->keywords = xreallocarray(sc->keywords, sc->nkeywords + 1,
	    sizeof *sc->keywords);
	k = &sc->keywords[sc->nkeywords++];
	memset(k, 0, sizeof *k);
	k->id = xstrdup(id);
	k->lang = -1;
	if (strcmp(lang, "any") != 0 &&
	    (k->lang = config_lang(ctx->cfg, lang)) < 0)
		cfg_error(ctx, cfg_get(v, "language"), "keyword '%s': language "
		    "'%s' is not configured (use one of hotline.yaml's "
		    "languages or 'any')", id, lang);
	k->re = cfg_pattern(ctx, cfg_get(v, "match"), match);
	if ((guide == NULL) == (action == NULL)) {
		cfg_error(ctx, cfg_get(v, "id"), "keyword '%s' needs exactly "
		    "one of 'guide' or 'action'", id);
		return;
	}
	if (guide != NULL) {
		k->action = KW_GUIDE;
		if ((k->guide = config_guide(ctx->cfg, guide)) == NULL)
			cfg_error(ctx, cfg_get(v, "guide"), "keyword '%s': "
			    "unknown guide '%s'", id, guide);
		return;
	}
	for (i = 0; i < sizeof actions / sizeof actions[0]; i++) {
		if (strcmp(actions[i].name, action) == 0) {
			k->action = actions[i].action;
			break;
		}
	}
	if (i == sizeof actions / sizeof actions[0])
		cfg_error(ctx, cfg_get(v, "action"), "keyword '%s': unknown "
		    "action '%s' (clinics, zip, hours, callback, language)",
		    id, action);
	else if (k->action == KW_LANGUAGE && k->lang < 0)
		cfg_error(ctx, cfg_get(v, "language"), "keyword '%s': a "
		    "language action needs a language", id);
}

static void
keyword_check_placeholders(struct cfgctx *ctx, struct fy_node *at,
    const char *name, const char *text)
{
	const char	*p;
	size_t		 n, i;

	for (p = text; (p = strchr(p, '{')) != NULL; p++) {
		if ((n = keyword_placeholder(p + 1)) == 0)
			continue;
		for (i = 0; keyword_placeholders[i] != NULL; i++) {
			if (strlen(keyword_placeholders[i]) == n &&
			    strncmp(keyword_placeholders[i], p + 1, n) == 0)
				break;
		}
		if (keyword_placeholders[i] == NULL)
			cfg_error(ctx, at, "message '%s': unknown placeholder "
			    "{%.*s}", name, (int)n, p + 1);
	}
}

static void
keyword_load_messages(struct cfgctx *ctx, struct smscfg *sc,
    struct fy_node *root)
{
	struct fy_node		*m, *key;
	struct fy_node_pair	*p;
	struct sms_message	*msg;
	void			*it = NULL;
	const char		*name;
	size_t			 i, l;

	if ((m = cfg_get(root, "messages")) == NULL || !fy_node_is_mapping(m)) {
		cfg_error(ctx, root, "missing 'messages'");
		return;
	}
	while ((p = cfg_iterate(m, &it)) != NULL) {
		key = fy_node_pair_key(p);
		if ((name = fy_node_get_scalar0(key)) == NULL)
			continue;
		sc->messages = xreallocarray(sc->messages, sc->nmessages + 1,
		    sizeof *sc->messages);
		msg = &sc->messages[sc->nmessages++];
		msg->name = xstrdup(name);
		msg->line = cfg_line(key);
		cfg_i18n(ctx, m, name, &msg->text, 1);
		for (l = 0; l < ctx->cfg->nlangs; l++) {
			if (msg->text.text[l] != NULL)
				keyword_check_placeholders(ctx, key, name,
				    msg->text.text[l]);
		}
	}
	for (i = 0; keyword_required[i] != NULL; i++) {
		for (l = 0; l < sc->nmessages; l++) {
			if (strcmp(sc->messages[l].name, keyword_required[i]) == 0)
				break;
		}
		if (l == sc->nmessages)
			cfg_error(ctx, m, "messages: missing '%s'",
			    keyword_required[i]);
	}
}

int
smscfg_load(struct cfgctx *ctx, struct fy_node *root)
{
	struct smscfg	*sc;
	struct fy_node	*t, *kws, *item;
	void		*it = NULL;
	size_t		 before = ctx->nerrors;

	sc = xcalloc(1, sizeof *sc);
	if (ctx->cfg->sms != NULL)
		smscfg_free(ctx->cfg->sms);
	ctx->cfg->sms = sc;
	sc->per_minute = 5;
	sc->per_day = 40;
	sc->file = xstrdup(ctx->file);
	if (root == NULL || !fy_node_is_mapping(root)) {
		cfg_error(ctx, root, "sms configuration must be a mapping");
		return (-1);
	}
	keyword_load_compliance(ctx, sc, root);
	keyword_load_intent(ctx, sc, root);
	if ((t = cfg_get(root, "throttle")) != NULL) {
		sc->per_minute = cfg_int(ctx, t, "per_minute", 5, 1, 1000);
		sc->per_day = cfg_int(ctx, t, "per_day", 40, 1, 100000);
	}
	if ((kws = cfg_get(root, "keywords")) == NULL ||
	    !fy_node_is_sequence(kws))
		cfg_error(ctx, root, "missing 'keywords' (a list)");
	else {
		while ((item = fy_node_sequence_iterate(kws, &it)) != NULL)
			keyword_load_one(ctx, sc, item);
	}
	keyword_load_messages(ctx, sc, root);
	return (ctx->nerrors == before ? 0 : -1);
}

void
smscfg_free(struct smscfg *sc)
{
	size_t	i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->nopt_out; i++)
		free(sc->opt_out[i]);
	free(sc->opt_out);
	for (i = 0; i < sc->nopt_in; i++)
		free(sc->opt_in[i]);
	free(sc->opt_in);
	for (i = 0; i < sc->nhelp; i++)
		free(sc->help[i]);
	free(sc->help);
	for (i = 0; i < sc->nspanish; i++)
		free(sc->spanish[i]);
	free(sc->spanish);
	for (i = 0; i < LANG_MAX; i++) {
		keyword_seqs_free(&sc->optout_words[i].stop);
		keyword_seqs_free(&sc->optout_words[i].fillers);
		keyword_seqs_free(&sc->optout_words[i].topics);
		keyword_seqs_free(&sc->optout_words[i].never);
	}
	for (i = 0; i < sc->nkeywords; i++) {
		free(sc->keywords[i].id);
		pcre2_code_free(sc->keywords[i].re);
	}
	free(sc->keywords);
	for (i = 0; i < sc->nmessages; i++) {
		free(sc->messages[i].name);
		i18n_free(&sc->messages[i].text);
	}
	free(sc->messages);
	free(sc->file);
	free(sc);
}
