/*
 * yaml.c -- the helpers every loader of the configuration uses: a file
 * read and parsed with libfyaml, scalars, numbers, switches, texts and
 * patterns per language, each problem recorded as file:line.
 */
#include <errno.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libfyaml.h>

#include "form.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"
#include "yaml.h"

/* --- errors and scalar helpers ------------------------------------------ */

static void	cfg_verror(struct cfgctx *, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

static void
cfg_verror(struct cfgctx *ctx, int line, const char *fmt, va_list ap)
{
	char	*msg, *full;

	if (vasprintf(&msg, fmt, ap) < 0)
		fatalx("cfg_error: out of memory");
	if (line > 0)
		xasprintf(&full, "%s:%d: %s", ctx->file, line, msg);
	else
		xasprintf(&full, "%s: %s", ctx->file, msg);
	free(msg);
	ctx->errors = xreallocarray(ctx->errors, ctx->nerrors + 2,
	    sizeof *ctx->errors);
	ctx->errors[ctx->nerrors++] = full;
	ctx->errors[ctx->nerrors] = NULL;
}

int
cfg_line(struct fy_node *n)
{
	struct fy_token		*t;
	const struct fy_mark	*m;
	struct fy_node_pair	*p;
	struct fy_node		*c;
	void			*it = NULL;
	int			 line;

	if (n == NULL)
		return (0);
	switch (fy_node_get_type(n)) {
	case FYNT_SCALAR:
		if ((t = fy_node_get_scalar_token(n)) == NULL)
			return (0);
		if ((m = fy_token_start_mark(t)) == NULL)
			return (0);
		return (m->line + 1);
	case FYNT_MAPPING:
		while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
			if ((line = cfg_line(fy_node_pair_key(p))) > 0)
				return (line);
		}
		return (0);
	case FYNT_SEQUENCE:
		while ((c = fy_node_sequence_iterate(n, &it)) != NULL) {
			if ((line = cfg_line(c)) > 0)
				return (line);
		}
		return (0);
	}
	return (0);
}

void
cfg_error(struct cfgctx *ctx, struct fy_node *at, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	cfg_verror(ctx, cfg_line(at), fmt, ap);
	va_end(ap);
}

void
cfg_error_at(struct cfgctx *ctx, int line, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	cfg_verror(ctx, line, fmt, ap);
	va_end(ap);
}

/* The key node of key in map, for reporting a bad value at its key. */
static struct fy_node *
cfg_key(struct fy_node *map, const char *key)
{
	struct fy_node_pair	*p;
	void			*it = NULL;
	const char		*k;

	if (map == NULL || !fy_node_is_mapping(map))
		return (NULL);
	while ((p = fy_node_mapping_iterate(map, &it)) != NULL) {
		k = fy_node_get_scalar0(fy_node_pair_key(p));
		if (k != NULL && strcmp(k, key) == 0)
			return (fy_node_pair_key(p));
	}
	return (NULL);
}

/* --- the keys a loader knows --------------------------------------------- */

/*
 * What the loaders asked of one mapping, kept as the node's meta data: the
 * keys looked up in it, there or not, or that it was walked as data (its
 * keys are names the file chooses: guides, nodes, messages).  A key in the
 * file that nobody asked for is a typo or a setting of another place: it
 * would be silently ignored, so it is an error (cfg_check_keys).
 */
struct cfg_asked {
	int	  data;
	char	**keys;
	size_t	  nkeys;
};

static void
cfg_asked_clear(struct fy_node *n, void *meta, void *user)
{
	struct cfg_asked	*a = meta;
	size_t			 i;

	for (i = 0; i < a->nkeys; i++)
		free(a->keys[i]);
	free(a->keys);
	free(a);
}

static struct cfg_asked *
cfg_asked(struct fy_node *map)
{
	struct cfg_asked	*a;

	if ((a = fy_node_get_meta(map)) == NULL) {
		a = xcalloc(1, sizeof *a);
		if (fy_node_set_meta(map, a) != 0) {
			free(a);
			return (NULL);
		}
	}
	return (a);
}

static int
cfg_was_asked(const struct cfg_asked *a, const char *key)
{
	size_t	i;

	for (i = 0; i < a->nkeys; i++) {
		if (strcmp(a->keys[i], key) == 0)
			return (1);
	}
	return (0);
}

struct fy_node *
cfg_get(struct fy_node *map, const char *key)
{
	struct cfg_asked	*a;

	if (map == NULL || !fy_node_is_mapping(map))
		return (NULL);
	if ((a = cfg_asked(map)) != NULL && !cfg_was_asked(a, key)) {
		a->keys = xreallocarray(a->keys, a->nkeys + 1, sizeof *a->keys);
		a->keys[a->nkeys++] = xstrdup(key);
	}
	return (fy_node_mapping_lookup_by_string(map, key, FY_NT));
}

struct fy_node_pair *
cfg_iterate(struct fy_node *map, void **it)
{
	struct cfg_asked	*a;

	if (*it == NULL && (a = cfg_asked(map)) != NULL)
		a->data = 1;
	return (fy_node_mapping_iterate(map, it));
}

/* Levenshtein distance, two rows; names are short. */
static size_t
cfg_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j, *prev, *cur, *t, d;

	prev = xcalloc(lb + 1, sizeof *prev);
	cur = xcalloc(lb + 1, sizeof *cur);
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			d = prev[j - 1] + (tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]));
			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			cur[j] = d;
		}
		t = prev;
		prev = cur;
		cur = t;
	}
	d = prev[lb];
	free(prev);
	free(cur);
	return (d);
}

/* The asked key nearest to key, if near enough to be what was meant. */
static const char *
cfg_near(const struct cfg_asked *a, const char *key)
{
	const char	*best = NULL;
	size_t		 i, d, bestd = (size_t)-1, len;

	for (i = 0; i < a->nkeys; i++) {
		d = cfg_distance(key, a->keys[i]);
		len = strlen(a->keys[i]);
		if (d <= (len < 6 ? 1 : len / 3) && d < bestd) {
			best = a->keys[i];
			bestd = d;
		}
	}
	return (best);
}

static void
cfg_check_node(struct cfgctx *ctx, struct fy_node *n)
{
	struct cfg_asked	*a;
	struct fy_node_pair	*p;
	struct fy_node		*k, *c;
	const char		*name, *near;
	void			*it = NULL;

	if (n == NULL)
		return;
	if (fy_node_is_sequence(n)) {
		while ((c = fy_node_sequence_iterate(n, &it)) != NULL)
			cfg_check_node(ctx, c);
		return;
	}
	if (!fy_node_is_mapping(n))
		return;
	a = fy_node_get_meta(n);
	while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
		k = fy_node_pair_key(p);
		if (a != NULL && !a->data) {
			name = fy_node_is_scalar(k) ? fy_node_get_scalar0(k) : NULL;
			if (name == NULL) {
				cfg_error(ctx, k, "a key must be a plain name");
				continue;
			}
			if (!cfg_was_asked(a, name)) {
				if ((near = cfg_near(a, name)) != NULL)
					cfg_error(ctx, k, "unknown key '%s': did "
					    "you mean '%s'?", name, near);
				else
					cfg_error(ctx, k, "unknown key '%s'",
					    name);
				continue;
			}
		}
		cfg_check_node(ctx, fy_node_pair_value(p));
	}
}

void
cfg_check_keys(struct cfgctx *ctx)
{
	if (ctx->doc != NULL)
		cfg_check_node(ctx, fy_document_root(ctx->doc));
}

const char *
cfg_str(struct cfgctx *ctx, struct fy_node *map, const char *key,
    int required)
{
	struct fy_node	*n;

	n = cfg_get(map, key);
	if (n == NULL || (fy_node_is_scalar(n) &&
	    fy_node_get_style(n) == FYNS_PLAIN &&
	    strcmp(fy_node_get_scalar0(n), "") == 0)) {
		if (required)
			cfg_error(ctx, map, "missing '%s'", key);
		return (NULL);
	}
	if (!fy_node_is_scalar(n)) {
		cfg_error(ctx, cfg_key(map, key), "'%s' must be a single value",
		    key);
		return (NULL);
	}
	return (fy_node_get_scalar0(n));
}

int
cfg_int(struct cfgctx *ctx, struct fy_node *map, const char *key, int def,
    int min, int max)
{
	const char	*s;
	char		*end;
	long		 v;

	if ((s = cfg_str(ctx, map, key, 0)) == NULL)
		return (def);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		cfg_error(ctx, cfg_get(map, key),
		    "'%s' must be a whole number from %d to %d, not '%s'", key,
		    min, max, s);
		return (def);
	}
	return ((int)v);
}

int
cfg_bool(struct cfgctx *ctx, struct fy_node *map, const char *key, int def)
{
	const char	*s;

	if ((s = cfg_str(ctx, map, key, 0)) == NULL)
		return (def);
	if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0 ||
	    strcasecmp(s, "on") == 0)
		return (1);
	if (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0 ||
	    strcasecmp(s, "off") == 0)
		return (0);
	cfg_error(ctx, cfg_get(map, key), "'%s' must be true or false, not '%s'",
	    key, s);
	return (def);
}

/*
 * The node of a per-language value under key: one for every language, or a
 * mapping of language to value.  NULL after saying why (a missing key only
 * when it is required); what names the kind of value for the message.
 */
static struct fy_node *
cfg_i18n_node(struct cfgctx *ctx, struct fy_node *map, const char *key,
    int required, const char *what)
{
	struct fy_node	*n;

	if ((n = cfg_get(map, key)) == NULL) {
		if (required)
			cfg_error(ctx, map, "missing '%s'", key);
		return (NULL);
	}
	if (!fy_node_is_scalar(n) && !fy_node_is_mapping(n)) {
		cfg_error(ctx, cfg_key(map, key),
		    "'%s' must be a %s or a mapping of language to %s", key,
		    what, what);
		return (NULL);
	}
	return (n);
}

int
cfg_i18n(struct cfgctx *ctx, struct fy_node *map, const char *key,
    struct i18n *out, int required)
{
	struct fy_node	*n;
	const char	*s;
	size_t		 i;

	memset(out, 0, sizeof *out);
	if ((n = cfg_i18n_node(ctx, map, key, required, "text")) == NULL)
		return (-1);
	if (fy_node_is_scalar(n)) {
		s = fy_node_get_scalar0(n);
		for (i = 0; i < ctx->nlangs; i++)
			out->text[i] = xstrdup(s);
		return (0);
	}
	for (i = 0; i < ctx->nlangs; i++) {
		if ((s = cfg_str(ctx, n, ctx->langs[i], 0)) == NULL) {
			cfg_error(ctx, n, "'%s' has no '%s' text", key,
			    ctx->langs[i]);
			continue;
		}
		out->text[i] = xstrdup(s);
	}
	return (0);
}

int
cfg_id_valid(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > 64)
		return (0);
	for (i = 0; i < len; i++) {
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
		    s[i] != '_' && s[i] != '-')
			return (0);
	}
	return (1);
}

int
re_match(const pcre2_code *re, const char *s)
{
	pcre2_match_data	*md;
	int			 rc;

	md = pcre2_match_data_create_from_pattern(re, NULL);
	rc = pcre2_match(re, (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, 0, 0, md,
	    NULL);
	pcre2_match_data_free(md);
	return (rc >= 0);
}

pcre2_code *
cfg_pattern(struct cfgctx *ctx, struct fy_node *at, const char *pattern)
{
	pcre2_code	*re;
	PCRE2_UCHAR	 msg[256];
	PCRE2_SIZE	 off;
	int		 err;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_CASELESS | PCRE2_UTF | PCRE2_UCP, &err, &off, NULL);
	if (re == NULL) {
		pcre2_get_error_message(err, msg, sizeof msg);
		cfg_error(ctx, at, "pattern '%s' does not compile at offset %zu: %s",
		    pattern, (size_t)off, (char *)msg);
		return (NULL);
	}
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	if (re_match(re, "")) {
		cfg_error(ctx, at, "pattern '%s' matches an empty answer", pattern);
		pcre2_code_free(re);
		return (NULL);
	}
	return (re);
}

int
cfg_i18n_re(struct cfgctx *ctx, struct fy_node *map, const char *key,
    struct i18n_re *out, int required)
{
	struct fy_node	*n, *v;
	const char	*s;
	size_t		 i;

	memset(out, 0, sizeof *out);
	if ((n = cfg_i18n_node(ctx, map, key, required, "pattern")) == NULL)
		return (-1);
	if (fy_node_is_scalar(n)) {
		s = fy_node_get_scalar0(n);
		for (i = 0; i < ctx->nlangs; i++)
			out->re[i] = cfg_pattern(ctx, n, s);
		return (0);
	}
	for (i = 0; i < ctx->nlangs; i++) {
		if ((v = cfg_get(n, ctx->langs[i])) == NULL)
			continue;
		if ((s = cfg_str(ctx, n, ctx->langs[i], 0)) != NULL)
			out->re[i] = cfg_pattern(ctx, v, s);
	}
	return (0);
}

void
i18n_free(struct i18n *t)
{
	size_t	i;

	for (i = 0; i < LANG_MAX; i++) {
		free(t->text[i]);
		t->text[i] = NULL;
	}
}

void
i18n_re_free(struct i18n_re *t)
{
	size_t	i;

	for (i = 0; i < LANG_MAX; i++) {
		pcre2_code_free(t->re[i]);
		t->re[i] = NULL;
	}
}

const char *
i18n_get(const struct i18n *t, int lang)
{
	if (lang >= 0 && lang < LANG_MAX && t->text[lang] != NULL)
		return (t->text[lang]);
	return (t->text[0] != NULL ? t->text[0] : "");
}

/* --- files -------------------------------------------------------------- */

/* Longest configuration file read: ours are a few kilobytes. */
#define CFG_FILE_MAX	(4 * 1024 * 1024)

/* The number of lines in s (a last line without a newline counts). */
static int
cfg_lines(const char *s, size_t len)
{
	int	lines = 0;
	size_t	i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			lines++;
	}
	return (len > 0 && s[len - 1] != '\n' ? lines + 1 : lines);
}

/* The line of the first byte of s that is not UTF-8, or 0 when all is. */
static int
cfg_utf8_line(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned int		 cp;
	size_t			 n;
	int			 line = 1;

	while (len > 0) {
		if ((n = form_utf8_decode(p, len, &cp)) == 0)
			return (line);
		if (cp == '\n')
			line++;
		p += n;
		len -= n;
	}
	return (0);
}

/*
 * Read and parse path, collecting libfyaml's own errors as file:line
 * messages.  The text must be UTF-8 before libfyaml sees it: libfyaml 0.8
 * loops for ever on a directive line holding a malformed sequence ("%\xff"),
 * and neither hotlined --check nor a reload may hang.  The document points
 * into the text, which ctx->text keeps until the document is destroyed.
 */
struct fy_document *
cfg_parse_file(struct cfgctx *ctx, const char *path)
{
	struct fy_parse_cfg	 pcfg;
	struct fy_diag_cfg	 dcfg;
	struct fy_diag		*diag;
	struct fy_document	*doc;
	struct fy_diag_error	*de;
	void			*it = NULL;
	char			*text;
	size_t			 len;
	int			 n = 0, line, last;

	if ((text = util_read_file(path, CFG_FILE_MAX, &len)) == NULL) {
		if (access(path, R_OK) != 0)
			cfg_error_at(ctx, 0, "cannot read: %s", strerror(errno));
		else
			cfg_error_at(ctx, 0, "not a regular file of at most %d MB",
			    CFG_FILE_MAX / (1024 * 1024));
		return (NULL);
	}
	if ((line = cfg_utf8_line(text, len)) != 0) {
		cfg_error_at(ctx, line, "not UTF-8 text");
		free(text);
		return (NULL);
	}

	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = NULL;
	dcfg.colorize = false;
	if ((diag = fy_diag_create(&dcfg)) == NULL)
		fatalx("cfg_parse_file: fy_diag_create failed");
	fy_diag_set_collect_errors(diag, true);
	memset(&pcfg, 0, sizeof pcfg);
	pcfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG;
	pcfg.diag = diag;
	doc = fy_document_build_from_string(&pcfg, text, len);
	/* libfyaml puts what the end left open a few lines past it. */
	last = cfg_lines(text, len);
	while ((de = fy_diag_errors_iterate(diag, &it)) != NULL) {
		line = de->line + 1;
		cfg_error_at(ctx, line > last && last > 0 ? last : line,
		    "YAML: %s", de->msg);
		n++;
	}
	if (doc == NULL && n == 0)
		cfg_error_at(ctx, 0, "not valid YAML");
	fy_diag_destroy(diag);
	if (doc != NULL && n > 0) {
		fy_document_destroy(doc);
		doc = NULL;
	}
	if (doc != NULL && !fy_node_is_mapping(fy_document_root(doc))) {
		cfg_error_at(ctx, 1, "the top level must be a mapping of keys");
		fy_document_destroy(doc);
		doc = NULL;
	}
	if (doc == NULL)
		free(text);
	else {
		ctx->text = text;
		fy_document_register_meta(doc, cfg_asked_clear, NULL);
	}
	return (doc);
}
