/*
 * keyword_load.c -- loading sms.yaml (see keyword.h): compliance words,
 * opt-outs in a person's own words, content keywords and messages, with
 * file:line errors.
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
#include "keyword_private.h"
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
	"fallback", "emergency", "emergency_closed", "callback_joined",
	"callback_joined_closed", "callback_updated",
	"clinic", "clinics_intro", "hours_intro", "hours_line", "zip_nearest",
	"zip_unknown", "open_now", "closed_now", "hours_closed_today",
	"guide_footer", "language_set", "wait_minutes", "optout_hint",
	"guide", "clinics_line", NULL };

/* Placeholders the service knows how to fill. */
static const char *keyword_placeholders[] = { "front_desk", "position",
	"wait", "name", "address", "phone", "hours", "open_now", "next_open",
	"zip", "miles", "n", "title", "summary", "link", "open_short",
	"date", "time", "reason", "choices", NULL };

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
		{ "language", KW_LANGUAGE }, { "appointment", KW_APPOINTMENT }
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
		    "action '%s' (clinics, zip, hours, callback, language, "
		    "appointment)",
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
