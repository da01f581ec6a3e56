/*
 * config.c -- loading config/hotline.yaml and the files it names.
 *
 * The YAML is parsed by libfyaml; this file walks the documents, turns them
 * into struct config and records each problem with its file and line.  Only
 * scalar nodes carry a position in libfyaml, so a problem with a mapping or
 * sequence is reported at its first scalar.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libfyaml.h>

#include "config.h"
#include "flow.h"
#include "form.h"
#include "keyword.h"
#include "location.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

/* --- errors and scalar helpers ------------------------------------------ */

static void	cfg_verror(struct cfgctx *, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));
static void	cfg_error_at(struct cfgctx *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

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

struct fy_node *
cfg_get(struct fy_node *map, const char *key)
{
	if (map == NULL || !fy_node_is_mapping(map))
		return (NULL);
	return (fy_node_mapping_lookup_by_string(map, key, FY_NT));
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
	struct config	*cfg = ctx->cfg;
	struct fy_node	*n;
	const char	*s;
	size_t		 i;

	memset(out, 0, sizeof *out);
	if ((n = cfg_i18n_node(ctx, map, key, required, "text")) == NULL)
		return (-1);
	if (fy_node_is_scalar(n)) {
		s = fy_node_get_scalar0(n);
		for (i = 0; i < cfg->nlangs; i++)
			out->text[i] = xstrdup(s);
		return (0);
	}
	for (i = 0; i < cfg->nlangs; i++) {
		if ((s = cfg_str(ctx, n, cfg->langs[i], 0)) == NULL) {
			cfg_error(ctx, n, "'%s' has no '%s' text", key,
			    cfg->langs[i]);
			continue;
		}
		out->text[i] = xstrdup(s);
	}
	return (0);
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
	struct config	*cfg = ctx->cfg;
	struct fy_node	*n, *v;
	const char	*s;
	size_t		 i;

	memset(out, 0, sizeof *out);
	if ((n = cfg_i18n_node(ctx, map, key, required, "pattern")) == NULL)
		return (-1);
	if (fy_node_is_scalar(n)) {
		s = fy_node_get_scalar0(n);
		for (i = 0; i < cfg->nlangs; i++)
			out->re[i] = cfg_pattern(ctx, n, s);
		return (0);
	}
	for (i = 0; i < cfg->nlangs; i++) {
		if ((v = cfg_get(n, cfg->langs[i])) == NULL)
			continue;
		if ((s = cfg_str(ctx, n, cfg->langs[i], 0)) != NULL)
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

static void
cfg_error_at(struct cfgctx *ctx, int line, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	cfg_verror(ctx, line, fmt, ap);
	va_end(ap);
}

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
static struct fy_document *
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
	else
		ctx->text = text;
	return (doc);
}

static char *
cfg_path(const struct config *cfg, const char *rel)
{
	char	*p;

	if (rel[0] == '/')
		return (xstrdup(rel));
	xasprintf(&p, "%s/%s", cfg->dir, rel);
	return (p);
}

static int
prompt_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct prompt *)a)->id,
	    ((const struct prompt *)b)->id));
}

struct prompt *
config_prompt(const struct config *cfg, const char *id)
{
	struct prompt	key;

	if (cfg->nprompts == 0 || id == NULL)
		return (NULL);
	key.id = (char *)id;
	return (bsearch(&key, cfg->prompts, cfg->nprompts, sizeof key,
	    prompt_cmp));
}

struct prompt *
cfg_prompt_ref(struct cfgctx *ctx, struct fy_node *at, const char *id)
{
	struct config	*cfg = ctx->cfg;
	struct prompt	*p;
	size_t		 i;

	if ((p = config_prompt(cfg, id)) == NULL) {
		cfg_error(ctx, at, "prompt '%s' is missing: no %s/%s/%s.txt", id,
		    cfg->prompts_dir, cfg->langs[0], id);
		return (NULL);
	}
	for (i = 0; i < cfg->nlangs; i++) {
		if (p->text[i] == NULL)
			cfg_error(ctx, at, "prompt '%s' is missing: no %s/%s/%s.txt",
			    id, cfg->prompts_dir, cfg->langs[i], id);
	}
	return (p);
}

static int
prompt_id_valid(const char *s, size_t len)
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

/*
 * Read every prompts/<lang>/<id>.txt into the prompt table; note the
 * recording beside it (<id>.wav, else <id>.mp3) when there is one.
 */
static void
cfg_load_prompts(struct cfgctx *ctx)
{
	struct config	*cfg = ctx->cfg;
	char		*dir, *path, *text;
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	struct prompt	*p;
	size_t		 i, len, n, j;
	static const char *exts[] = { "wav", "mp3" };

	for (i = 0; i < cfg->nlangs; i++) {
		xasprintf(&dir, "%s/%s", cfg->prompts_dir, cfg->langs[i]);
		if ((d = opendir(dir)) == NULL) {
			cfg_error_at(ctx, 0, "cannot open prompt folder %s: %s",
			    dir, strerror(errno));
			free(dir);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			len = strlen(de->d_name);
			if (len < 5 || strcmp(de->d_name + len - 4, ".txt") != 0)
				continue;
			if (!prompt_id_valid(de->d_name, len - 4))
				continue;
			xasprintf(&path, "%s/%s", dir, de->d_name);
			text = util_read_file(path, 64 * 1024, NULL);
			if (text == NULL) {
				cfg_error_at(ctx, 0, "cannot read %s", path);
				free(path);
				continue;
			}
			util_trim(text);
			if (*text == '\0' || !util_utf8_valid(text)) {
				cfg_error_at(ctx, 0, "%s is empty or not UTF-8",
				    path);
				free(text);
				free(path);
				continue;
			}
			de->d_name[len - 4] = '\0';
			if ((p = config_prompt(cfg, de->d_name)) == NULL) {
				cfg->prompts = xreallocarray(cfg->prompts,
				    cfg->nprompts + 1, sizeof *cfg->prompts);
				p = &cfg->prompts[cfg->nprompts++];
				memset(p, 0, sizeof *p);
				p->id = xstrdup(de->d_name);
				qsort(cfg->prompts, cfg->nprompts,
				    sizeof *cfg->prompts, prompt_cmp);
				p = config_prompt(cfg, de->d_name);
			}
			p->text[i] = text;
			if (stat(path, &st) == 0)
				p->text_mtime[i] = st.st_mtime;
			free(path);
			for (j = 0; j < sizeof exts / sizeof exts[0]; j++) {
				xasprintf(&path, "%s/%s.%s", dir, p->id, exts[j]);
				/* lstat: a symbolic link is not a recording. */
				if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
				    st.st_size > 44) {
					free(path);
					xasprintf(&p->audio[i], "prompts/%s/%s.%s",
					    cfg->langs[i], p->id, exts[j]);
					p->audio_mtime[i] = st.st_mtime;
					break;
				}
				free(path);
			}
		}
		closedir(d);
		free(dir);
	}
	n = cfg->nprompts;
	if (n == 0)
		cfg_error_at(ctx, 0, "no prompts found under %s", cfg->prompts_dir);
}

/* --- guides ------------------------------------------------------------- */

struct guide *
config_guide(const struct config *cfg, const char *id)
{
	size_t	i;

	for (i = 0; i < cfg->nguides; i++) {
		if (strcmp(cfg->guides[i].id, id) == 0)
			return (&cfg->guides[i]);
	}
	return (NULL);
}

static void
cfg_load_guides(struct cfgctx *ctx, struct fy_node *root)
{
	struct config		*cfg = ctx->cfg;
	struct fy_node		*gs, *v, *parts, *item;
	struct fy_node_pair	*p;
	struct guide		*g, *sub;
	void			*it = NULL, *it2;
	const char		*id, *s;
	size_t			 n, i;

	if ((gs = cfg_get(root, "guides")) == NULL || !fy_node_is_mapping(gs)) {
		cfg_error(ctx, root, "missing 'guides' mapping");
		return;
	}
	n = fy_node_mapping_item_count(gs);
	cfg->guides = xcalloc(n, sizeof *cfg->guides);
	/* Two passes: collections may name guides defined after them. */
	while ((p = fy_node_mapping_iterate(gs, &it)) != NULL) {
		id = fy_node_get_scalar0(fy_node_pair_key(p));
		v = fy_node_pair_value(p);
		g = &cfg->guides[cfg->nguides++];
		g->id = xstrdup(id != NULL ? id : "");
		if (!fy_node_is_mapping(v)) {
			cfg_error(ctx, fy_node_pair_key(p),
			    "guide '%s' must be a mapping", g->id);
			continue;
		}
		if ((s = cfg_str(ctx, v, "topic", 1)) != NULL)
			g->topic = xstrdup(s);
		cfg_i18n(ctx, v, "title", &g->title, 1);
		if ((parts = cfg_get(v, "parts")) != NULL) {
			if (!fy_node_is_sequence(parts)) {
				cfg_error(ctx, parts, "'parts' must be a list");
				continue;
			}
			g->parts = xcalloc(fy_node_sequence_item_count(parts) + 1,
			    sizeof *g->parts);
			it2 = NULL;
			while ((item = fy_node_sequence_iterate(parts, &it2)) !=
			    NULL) {
				if (fy_node_is_scalar(item)) {
					g->parts[g->nparts].prompt = cfg_prompt_ref(
					    ctx, item, fy_node_get_scalar0(item));
					g->parts[g->nparts].pause = 0;
					if (g->parts[g->nparts].prompt != NULL)
						g->nparts++;
				} else if (cfg_get(item, "pause") != NULL) {
					g->parts[g->nparts].prompt = NULL;
					g->parts[g->nparts].pause = cfg_int(ctx, item,
					    "pause", 1, 1, 120);
					g->nparts++;
				} else
					cfg_error(ctx, item, "a part is a prompt id "
					    "or {pause: seconds}");
			}
		} else if (cfg_get(v, "guides") == NULL)
			cfg_error(ctx, v, "guide '%s' has neither 'parts' nor "
			    "'guides'", g->id);
	}
	it = NULL;
	g = cfg->guides;
	while ((p = fy_node_mapping_iterate(gs, &it)) != NULL) {
		v = fy_node_pair_value(p);
		if ((parts = cfg_get(v, "guides")) == NULL) {
			g++;
			continue;
		}
		if (!fy_node_is_sequence(parts)) {
			cfg_error(ctx, parts, "'guides' must be a list");
			g++;
			continue;
		}
		g->guides = xcalloc(fy_node_sequence_item_count(parts) + 1,
		    sizeof *g->guides);
		it2 = NULL;
		while ((item = fy_node_sequence_iterate(parts, &it2)) != NULL) {
			s = fy_node_get_scalar0(item);
			if (s == NULL || (sub = config_guide(cfg, s)) == NULL) {
				cfg_error(ctx, item, "unknown guide '%s'",
				    s != NULL ? s : "");
				continue;
			}
			if (sub->nguides > 0 || sub == g) {
				cfg_error(ctx, item, "guide '%s' is a collection "
				    "and cannot be nested", s);
				continue;
			}
			g->guides[g->nguides++] = sub;
		}
		g++;
	}
	for (i = 0; i < cfg->nguides; i++) {
		if (cfg->guides[i].nparts == 0 && cfg->guides[i].nguides == 0 &&
		    cfg_get(gs, cfg->guides[i].id) != NULL &&
		    cfg_get(cfg_get(gs, cfg->guides[i].id), "guides") != NULL)
			continue;
	}
}

/* --- locations ---------------------------------------------------------- */

struct topic *
config_topic(const struct config *cfg, const char *id)
{
	size_t	i;

	for (i = 0; id != NULL && i < cfg->ntopics; i++) {
		if (strcmp(cfg->topics[i].id, id) == 0)
			return (&cfg->topics[i]);
	}
	return (NULL);
}

/*
 * guides.yaml's topics: what staff read for a topic id ("stretches" ->
 * "Stretches"), in each language.  Optional: without a label staff see
 * the id.
 */
static void
cfg_load_topics(struct cfgctx *ctx, struct fy_node *root)
{
	struct config		*cfg = ctx->cfg;
	struct fy_node		*ts;
	struct fy_node_pair	*p;
	struct topic		*t;
	void			*it = NULL;
	const char		*id;

	if ((ts = cfg_get(root, "topics")) == NULL)
		return;
	if (!fy_node_is_mapping(ts)) {
		cfg_error(ctx, ts, "'topics' must be a mapping of topic ids to "
		    "labels");
		return;
	}
	cfg->topics = xcalloc(fy_node_mapping_item_count(ts) + 1,
	    sizeof *cfg->topics);
	while ((p = fy_node_mapping_iterate(ts, &it)) != NULL) {
		id = fy_node_get_scalar0(fy_node_pair_key(p));
		if (id == NULL || *id == '\0') {
			cfg_error(ctx, fy_node_pair_key(p), "a topic needs an id");
			continue;
		}
		t = &cfg->topics[cfg->ntopics++];
		t->id = xstrdup(id);
		cfg_i18n(ctx, ts, id, &t->label, 1);
	}
}

struct location *
config_location(const struct config *cfg, const char *id)
{
	size_t	i;

	if (id == NULL)
		return (NULL);
	for (i = 0; i < cfg->nlocations; i++) {
		if (strcmp(cfg->locations[i].id, id) == 0)
			return (&cfg->locations[i]);
	}
	return (NULL);
}

static int
cfg_hhmm(const char *s, int *out)
{
	int	h, m;

	if (strlen(s) != 5 || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || s[2] != ':' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return (-1);
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 24 || m > 59 || (h == 24 && m != 0))
		return (-1);
	*out = h * 60 + m;
	return (0);
}

/*
 * Append the holidays listed under node `hol` to l's.  Each is checked
 * once, where it is written, so a bad shared holiday is reported once.
 */
static void
cfg_load_holidays(struct cfgctx *ctx, struct fy_node *hol, struct location *l,
    int report)
{
	struct fy_node	*item;
	struct holiday	 h;
	const char	*s;
	void		*it = NULL;

	if (!fy_node_is_sequence(hol)) {
		if (report)
			cfg_error(ctx, hol, "'holidays' must be a list of dates");
		return;
	}
	l->holidays = xreallocarray(l->holidays, l->nholidays +
	    fy_node_sequence_item_count(hol) + 1, sizeof *l->holidays);
	while ((item = fy_node_sequence_iterate(hol, &it)) != NULL) {
		s = fy_node_get_scalar0(item);
		if (s == NULL || location_holiday_parse(s, &h) != 0) {
			if (report)
				cfg_error(ctx, item, "holiday '%s' is not a date "
				    "(YYYY-MM-DD), a yearly date (MM-DD, or "
				    "MM-DD observed) or a weekday of a month "
				    "(4th thu of nov, last mon of may, +N days)",
				    s != NULL ? s : "");
			continue;
		}
		l->holidays[l->nholidays++] = h;
	}
}

static void
cfg_load_location(struct cfgctx *ctx, struct fy_node *v, struct location *l)
{
	static const char	*days[] = { "sun", "mon", "tue", "wed", "thu",
				    "fri", "sat" };
	struct fy_node		*hours, *hol;
	const char		*s;
	char			 a[8], b[8];
	size_t			 d;
	int			 open_days = 0;

	if ((s = cfg_str(ctx, v, "id", 1)) != NULL) {
		if (!prompt_id_valid(s, strlen(s)))
			cfg_error(ctx, cfg_get(v, "id"), "location id '%s' may "
			    "hold only a-z, 0-9, '-' and '_'", s);
		l->id = xstrdup(s);
	} else
		l->id = xstrdup("");
	if ((s = cfg_str(ctx, v, "key", 1)) != NULL) {
		if (strlen(s) != 1 || !isdigit((unsigned char)*s))
			cfg_error(ctx, cfg_get(v, "key"), "location key must be "
			    "one digit, not '%s'", s);
		l->key = xstrdup(s);
	}
	cfg_i18n(ctx, v, "name", &l->name, 1);
	cfg_i18n_re(ctx, v, "speech", &l->speech, 0);
	if ((s = cfg_str(ctx, v, "address", 1)) != NULL)
		l->address = xstrdup(s);
	if (cfg_i18n(ctx, v, "address_spoken", &l->address_spoken, 0) != 0) {
		for (d = 0; d < ctx->cfg->nlangs; d++)
			l->address_spoken.text[d] = xstrdup(l->address != NULL ?
			    l->address : "");
	}
	if ((s = cfg_str(ctx, v, "phone", 1)) != NULL) {
		if ((l->phone = util_phone_e164(s)) == NULL)
			cfg_error(ctx, cfg_get(v, "phone"), "'%s' is not a phone "
			    "number", s);
	}
	if ((s = cfg_str(ctx, v, "oncall_sms", 0)) != NULL) {
		if ((l->oncall_sms = util_phone_e164(s)) == NULL)
			cfg_error(ctx, cfg_get(v, "oncall_sms"), "'%s' is not a "
			    "phone number", s);
	}
	if ((s = cfg_str(ctx, v, "oncall_email", 0)) != NULL)
		l->oncall_email = xstrdup(s);
	s = cfg_str(ctx, v, "timezone", 0);
	l->timezone = xstrdup(s != NULL ? s : "America/Chicago");
	if (!util_tz_valid(l->timezone))
		cfg_error(ctx, cfg_get(v, "timezone"), "unknown timezone '%s'",
		    l->timezone);
	if ((s = cfg_str(ctx, v, "lat", 1)) != NULL)
		l->lat = atof(s);
	if ((s = cfg_str(ctx, v, "lon", 1)) != NULL)
		l->lon = atof(s);
	if (l->lat < -90 || l->lat > 90 || l->lon < -180 || l->lon > 180)
		cfg_error(ctx, v, "location '%s' has lat/lon out of range", l->id);
	l->emergency_closed = cfg_bool(ctx, v, "emergency_closed", 0);

	if ((hours = cfg_get(v, "hours")) == NULL || !fy_node_is_mapping(hours)) {
		cfg_error(ctx, v, "location '%s' has no 'hours'", l->id);
		for (d = 0; d < 7; d++)
			l->hours[d].open = l->hours[d].close = -1;
	} else {
		for (d = 0; d < 7; d++) {
			l->hours[d].open = l->hours[d].close = -1;
			s = cfg_str(ctx, hours, days[d], 0);
			if (s == NULL) {
				cfg_error(ctx, hours, "location '%s' hours have no "
				    "'%s' (use \"closed\" for a closed day)",
				    l->id, days[d]);
				continue;
			}
			if (strcasecmp(s, "closed") == 0)
				continue;
			if (strlen(s) != 11 || s[5] != '-' ||
			    (memcpy(a, s, 5), a[5] = '\0',
			    cfg_hhmm(a, &l->hours[d].open)) != 0 ||
			    (memcpy(b, s + 6, 5), b[5] = '\0',
			    cfg_hhmm(b, &l->hours[d].close)) != 0 ||
			    l->hours[d].close <= l->hours[d].open) {
				cfg_error(ctx, cfg_get(hours, days[d]), "hours "
				    "must be \"HH:MM-HH:MM\" or \"closed\", not "
				    "'%s'", s);
				l->hours[d].open = l->hours[d].close = -1;
				continue;
			}
			open_days++;
		}
		if (open_days == 0)
			cfg_error(ctx, hours, "location '%s' is never open", l->id);
	}
	if ((hol = cfg_get(v, "holidays")) != NULL)
		cfg_load_holidays(ctx, hol, l, 1);
}

static void
cfg_load_locations(struct cfgctx *ctx, struct fy_node *root)
{
	struct config	*cfg = ctx->cfg;
	struct fy_node	*ls, *v, *shared;
	void		*it = NULL;
	size_t		 i, j;

	if ((ls = cfg_get(root, "locations")) == NULL ||
	    !fy_node_is_sequence(ls) || fy_node_sequence_item_count(ls) == 0) {
		cfg_error(ctx, root, "missing 'locations' list");
		return;
	}
	cfg->locations = xcalloc(fy_node_sequence_item_count(ls),
	    sizeof *cfg->locations);
	while ((v = fy_node_sequence_iterate(ls, &it)) != NULL) {
		if (!fy_node_is_mapping(v)) {
			cfg_error(ctx, v, "a location must be a mapping");
			continue;
		}
		cfg_load_location(ctx, v, &cfg->locations[cfg->nlocations]);
		/* Holidays declared once for every location. */
		if ((shared = cfg_get(root, "holidays")) != NULL)
			cfg_load_holidays(ctx, shared,
			    &cfg->locations[cfg->nlocations],
			    cfg->nlocations == 0);
		for (j = 0; j < cfg->nlocations; j++) {
			struct location *a = &cfg->locations[j];
			struct location *b = &cfg->locations[cfg->nlocations];
			if (strcmp(a->id, b->id) == 0)
				cfg_error(ctx, v, "location id '%s' is used twice",
				    b->id);
			if (a->key != NULL && b->key != NULL &&
			    strcmp(a->key, b->key) == 0)
				cfg_error(ctx, cfg_get(v, "key"), "location key "
				    "'%s' is used by '%s' too", b->key, a->id);
		}
		cfg->nlocations++;
	}
	(void)i;
}

/* --- ZIP centroids ------------------------------------------------------ */

static int
zip_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct zip *)a)->zip, ((const struct zip *)b)->zip));
}

const struct zip *
config_zip(const struct config *cfg, const char *zip)
{
	struct zip	key;

	if (zip == NULL || strlen(zip) != 5 || cfg->nzips == 0)
		return (NULL);
	memcpy(key.zip, zip, 6);
	return (bsearch(&key, cfg->zips, cfg->nzips, sizeof key, zip_cmp));
}

static void
cfg_load_zips(struct cfgctx *ctx, const char *path)
{
	struct config	*cfg = ctx->cfg;
	FILE		*f;
	char		 line[256], *z, *la, *lo, *save;
	int		 lineno = 0;
	size_t		 cap = 0;

	if ((f = fopen(path, "r")) == NULL) {
		cfg_error_at(ctx, 0, "cannot read: %s", strerror(errno));
		return;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0' ||
		    strncmp(line, "zip,", 4) == 0)
			continue;
		z = strtok_r(line, ",", &save);
		la = strtok_r(NULL, ",", &save);
		lo = strtok_r(NULL, ",", &save);
		if (z == NULL || la == NULL || lo == NULL || strlen(z) != 5 ||
		    strspn(z, "0123456789") != 5) {
			cfg_error_at(ctx, lineno, "expected zip,lat,lon");
			continue;
		}
		if (cfg->nzips == cap) {
			cap = cap ? cap * 2 : 1024;
			cfg->zips = xreallocarray(cfg->zips, cap,
			    sizeof *cfg->zips);
		}
		memcpy(cfg->zips[cfg->nzips].zip, z, 6);
		cfg->zips[cfg->nzips].lat = atof(la);
		cfg->zips[cfg->nzips].lon = atof(lo);
		cfg->nzips++;
	}
	fclose(f);
	/* qsort must not be handed the NULL of an empty file. */
	if (cfg->nzips > 1)
		qsort(cfg->zips, cfg->nzips, sizeof *cfg->zips, zip_cmp);
}

/* --- the main file ------------------------------------------------------ */

int
config_lang(const struct config *cfg, const char *code)
{
	size_t	i;

	if (code == NULL)
		return (-1);
	for (i = 0; i < cfg->nlangs; i++) {
		if (strcasecmp(cfg->langs[i], code) == 0)
			return ((int)i);
	}
	return (-1);
}

static char *
cfg_strdup(struct cfgctx *ctx, struct fy_node *map, const char *key,
    const char *def)
{
	const char	*s;

	if ((s = cfg_str(ctx, map, key, 0)) == NULL)
		s = def;
	return (s != NULL ? xstrdup(s) : NULL);
}

/* Environment wins over the file for what differs per deployment. */
static void
cfg_env(struct config *cfg, char **field, const char *name)
{
	const char	*v;

	if ((v = getenv(name)) != NULL && *v != '\0') {
		free(*field);
		*field = xstrdup(v);
	}
}

/* A configured phone number in E.164 (NULL after saying it is not one). */
static void
cfg_phone(struct cfgctx *ctx, struct fy_node *map, const char *key,
    char **field)
{
	char	*t;

	if (*field == NULL)
		return;
	if ((t = util_phone_e164(*field)) == NULL)
		cfg_error(ctx, cfg_get(map, key), "%s '%s' is not a phone number",
		    key, *field);
	free(*field);
	*field = t;
}

/*
 * service.trusted_proxies: the reverse proxies whose X-Forwarded-For names
 * the client (addresses or networks).  Nobody else's is believed.
 */
static void
cfg_load_proxies(struct cfgctx *ctx, struct fy_node *svc)
{
	struct config	*cfg = ctx->cfg;
	struct fy_node	*list, *n;
	const char	*s;
	void		*it = NULL;

	if ((list = cfg_get(svc, "trusted_proxies")) == NULL)
		return;
	if (!fy_node_is_sequence(list)) {
		cfg_error(ctx, list, "trusted_proxies is a list of addresses or "
		    "networks (10.0.0.0/8)");
		return;
	}
	while ((n = fy_node_sequence_iterate(list, &it)) != NULL) {
		if (!fy_node_is_scalar(n) ||
		    (s = fy_node_get_scalar0(n)) == NULL) {
			cfg_error(ctx, n, "trusted_proxies: not an address");
			continue;
		}
		cfg->trusted_proxies = xreallocarray(cfg->trusted_proxies,
		    cfg->ntrusted_proxies + 1, sizeof *cfg->trusted_proxies);
		if (util_cidr_parse(s,
		    &cfg->trusted_proxies[cfg->ntrusted_proxies]) != 0) {
			cfg_error(ctx, n, "trusted_proxies: '%.64s' is not an "
			    "address or network (10.0.0.0/8)", s);
			continue;
		}
		cfg->ntrusted_proxies++;
	}
}

/*
 * retention: how many days each kind of record is kept (0: for ever).
 * The defaults are what README's "Security and privacy" promises.
 */
static void
cfg_load_retention(struct cfgctx *ctx, struct fy_node *ret)
{
	struct config	*cfg = ctx->cfg;

	cfg->retention.bodies = cfg_int(ctx, ret, "bodies", 30, 0, 36500);
	cfg->retention.recordings = cfg_int(ctx, ret, "recordings", 30, 0,
	    36500);
	cfg->retention.transcripts = cfg_int(ctx, ret, "transcripts", 30, 0,
	    36500);
	cfg->retention.callbacks = cfg_int(ctx, ret, "callbacks", 180, 0,
	    36500);
	cfg->retention.events = cfg_int(ctx, ret, "events", 730, 0, 36500);
}

static void
cfg_load_main(struct cfgctx *ctx, struct fy_node *root)
{
	struct config	*cfg = ctx->cfg;
	struct fy_node	*svc, *prov, *voice, *staff, *notify, *langs, *l;
	const char	*s;
	char		*tok_file, *secret_file, *t;
	void		*it = NULL;

	svc = cfg_get(root, "service");
	if (svc == NULL)
		cfg_error(ctx, root, "missing 'service' section");
	cfg->listen = cfg_strdup(ctx, svc, "listen", "127.0.0.1:8080");
	cfg->public_url = cfg_strdup(ctx, svc, "public_url", NULL);
	cfg->store = cfg_strdup(ctx, svc, "store", "sqlite:data/hotline.db");
	cfg->verify_signatures = cfg_bool(ctx, svc, "verify_signatures", 1);
	cfg->max_body = (size_t)cfg_int(ctx, svc, "max_body", 65536, 1024,
	    16 * 1024 * 1024);
	cfg->max_headers = (size_t)cfg_int(ctx, svc, "max_headers", 16384,
	    1024, 1024 * 1024);
	cfg->timeout = cfg_int(ctx, svc, "timeout", 10, 1, 3600);
	cfg->max_connections = cfg_int(ctx, svc, "max_connections", 1024, 1,
	    100000);
	cfg->max_per_address = cfg_int(ctx, svc, "max_connections_per_address",
	    128, 1, 100000);
	cfg_load_proxies(ctx, svc);
	cfg->store_threads = cfg_int(ctx, svc, "store_threads", 2, 1, 64);
	cfg->log_level = cfg_strdup(ctx, svc, "log_level", "info");
	secret_file = cfg_strdup(ctx, svc, "secret_file", NULL);

	prov = cfg_get(root, "provider");
	cfg->provider_api = cfg_strdup(ctx, prov, "api",
	    "https://api.twilio.com");
	cfg->account_sid = cfg_strdup(ctx, prov, "account_sid", NULL);
	tok_file = cfg_strdup(ctx, prov, "auth_token_file", NULL);
	cfg->sms_from = cfg_strdup(ctx, prov, "sms_from", NULL);
	cfg->messaging_service_sid = cfg_strdup(ctx, prov,
	    "messaging_service_sid", NULL);
	cfg->voice_caller_id = cfg_strdup(ctx, prov, "voice_caller_id", NULL);
	cfg->send_rate = cfg_int(ctx, prov, "send_rate", 10, 1, 1000);
	cfg->send_concurrency = cfg_int(ctx, prov, "send_concurrency", 4, 1,
	    64);
	cfg->send_max_attempts = cfg_int(ctx, prov, "send_max_attempts", 8, 1,
	    100);

	voice = cfg_get(root, "voice");
	if (voice == NULL)
		cfg_error(ctx, root, "missing 'voice' section");
	cfg->front_desk = cfg_strdup(ctx, voice, "front_desk", NULL);
	cfg->dial_timeout = cfg_int(ctx, voice, "dial_timeout", 20, 5, 120);
	if ((s = cfg_str(ctx, voice, "prompts", 0)) == NULL)
		s = "../prompts";
	cfg->prompts_dir = cfg_path(cfg, s);
	if ((langs = cfg_get(voice, "languages")) == NULL ||
	    !fy_node_is_sequence(langs) ||
	    fy_node_sequence_item_count(langs) == 0) {
		cfg_error(ctx, voice, "'voice' needs a 'languages' list");
	} else {
		while ((l = fy_node_sequence_iterate(langs, &it)) != NULL) {
			if (cfg->nlangs == LANG_MAX) {
				cfg_error(ctx, l, "at most %d languages",
				    LANG_MAX);
				break;
			}
			if ((s = cfg_str(ctx, l, "code", 1)) == NULL)
				continue;
			if (strlen(s) < 2 || strlen(s) > 8 ||
			    !prompt_id_valid(s, strlen(s))) {
				cfg_error(ctx, cfg_get(l, "code"), "language code "
				    "'%s' is not like 'en'", s);
				continue;
			}
			cfg->langs[cfg->nlangs] = xstrdup(s);
			cfg->say_voice[cfg->nlangs] = cfg_strdup(ctx, l, "voice",
			    NULL);
			cfg->say_language[cfg->nlangs] = cfg_strdup(ctx, l,
			    "say_language", s);
			cfg->nlangs++;
		}
	}
	if (cfg->nlangs == 0) {
		cfg->langs[0] = xstrdup("en");
		cfg->say_language[0] = xstrdup("en-US");
		cfg->nlangs = 1;
	}

	staff = cfg_get(root, "staff");
	cfg->claim_timeout = 60 * cfg_int(ctx, staff, "claim_timeout_minutes",
	    20, 1, 24 * 60);
	cfg->callback_max_attempts = cfg_int(ctx, staff,
	    "callback_max_attempts", 3, 1, 20);
	cfg->session_hours = cfg_int(ctx, staff, "session_hours", 12, 1, 24 * 30);
	notify = cfg_get(staff, "notify");
	cfg->notify_sms = cfg_bool(ctx, notify, "sms", 1);
	cfg->notify_email = cfg_bool(ctx, notify, "email", 0);
	cfg->notify_chat = cfg_bool(ctx, notify, "chat", 0);
	cfg->notify_wait_minutes = cfg_int(ctx, notify, "wait_minutes", 15, 1,
	    24 * 60);
	cfg->smtp_url = cfg_strdup(ctx, notify, "smtp_url", NULL);
	cfg->smtp_from = cfg_strdup(ctx, notify, "smtp_from",
	    "hotline@localhost");
	cfg->chat_webhook = cfg_strdup(ctx, notify, "chat_webhook", NULL);

	cfg_load_retention(ctx, cfg_get(root, "retention"));

	cfg_env(cfg, &cfg->listen, "HOTLINE_LISTEN");
	cfg_env(cfg, &cfg->public_url, "HOTLINE_PUBLIC_URL");
	cfg_env(cfg, &cfg->store, "HOTLINE_STORE");
	cfg_env(cfg, &cfg->provider_api, "HOTLINE_PROVIDER_API");
	cfg_env(cfg, &cfg->account_sid, "TWILIO_ACCOUNT_SID");
	cfg_env(cfg, &cfg->smtp_url, "HOTLINE_SMTP_URL");
	cfg_env(cfg, &cfg->chat_webhook, "HOTLINE_CHAT_WEBHOOK");
	cfg_env(cfg, &cfg->log_level, "HOTLINE_LOG_LEVEL");
	if ((s = getenv("HOTLINE_VERIFY_SIGNATURES")) != NULL && *s != '\0')
		cfg->verify_signatures = !(strcmp(s, "0") == 0 ||
		    strcasecmp(s, "false") == 0 || strcasecmp(s, "off") == 0);

	/* Secrets: the environment, else a file named in the config. */
	if ((s = getenv("TWILIO_AUTH_TOKEN")) != NULL && *s != '\0')
		cfg->auth_token = xstrdup(s);
	else if (tok_file != NULL) {
		t = cfg_path(cfg, tok_file);
		if ((cfg->auth_token = util_read_file(t, 4096, NULL)) == NULL)
			cfg_error(ctx, cfg_get(prov, "auth_token_file"),
			    "cannot read auth token file %s", t);
		else
			util_trim(cfg->auth_token);
		free(t);
	}
	if ((s = getenv("HOTLINE_SECRET")) != NULL && *s != '\0')
		cfg->secret = xstrdup(s);
	else if (secret_file != NULL) {
		t = cfg_path(cfg, secret_file);
		if ((cfg->secret = util_read_file(t, 4096, NULL)) != NULL)
			util_trim(cfg->secret);
		free(t);
	}
	if (cfg->secret == NULL)
		cfg->secret = xstrdup(cfg->auth_token != NULL ?
		    cfg->auth_token : "hotline");
	free(tok_file);
	free(secret_file);

	if (cfg->public_url == NULL)
		xasprintf(&cfg->public_url, "http://%s", cfg->listen);
	if (strncmp(cfg->public_url, "http://", 7) != 0 &&
	    strncmp(cfg->public_url, "https://", 8) != 0)
		cfg_error(ctx, cfg_get(svc, "public_url"), "public_url must "
		    "start with http:// or https://, not '%s'", cfg->public_url);
	while (strlen(cfg->public_url) > 8 &&
	    cfg->public_url[strlen(cfg->public_url) - 1] == '/')
		cfg->public_url[strlen(cfg->public_url) - 1] = '\0';
	if (util_hostport(cfg->listen, NULL, 0, NULL) != 0)
		cfg_error(ctx, cfg_get(svc, "listen"), "listen must be "
		    "HOST:PORT, not '%s'", cfg->listen);
	if (strncmp(cfg->store, "sqlite:", 7) != 0 &&
	    strncmp(cfg->store, "postgresql://", 13) != 0 &&
	    strncmp(cfg->store, "postgres://", 11) != 0)
		cfg_error(ctx, cfg_get(svc, "store"), "store must be "
		    "sqlite:PATH or postgresql://..., not '%s'", cfg->store);
	cfg_phone(ctx, voice, "front_desk", &cfg->front_desk);
	cfg_phone(ctx, prov, "sms_from", &cfg->sms_from);
	if (cfg->sms_from == NULL && cfg->messaging_service_sid == NULL)
		cfg_error(ctx, prov, "provider needs 'sms_from' or "
		    "'messaging_service_sid'");
	if (cfg->voice_caller_id == NULL && cfg->sms_from != NULL)
		cfg->voice_caller_id = xstrdup(cfg->sms_from);
}

/*
 * Load one file named under 'files:' in hotline.yaml, with its own context
 * so its problems carry its own name.
 */
static struct fy_document *
cfg_open_part(struct cfgctx *main, struct fy_node *files, const char *key,
    const char *def, struct cfgctx *part, char **pathp)
{
	const char	*rel;

	if ((rel = cfg_str(main, files, key, 0)) == NULL)
		rel = def;
	*pathp = cfg_path(main->cfg, rel);
	memset(part, 0, sizeof *part);
	part->cfg = main->cfg;
	part->file = *pathp;
	part->errors = main->errors;
	part->nerrors = main->nerrors;
	part->doc = cfg_parse_file(part, *pathp);
	return (part->doc);
}

static void
cfg_close_part(struct cfgctx *main, struct cfgctx *part)
{
	main->errors = part->errors;
	main->nerrors = part->nerrors;
	if (part->doc != NULL)
		fy_document_destroy(part->doc);
	free(part->text);
}

struct config *
config_load(const char *path, char ***errors)
{
	struct config	*cfg;
	struct cfgctx	 ctx, part;
	struct fy_node	*files;
	char		*tmp, *ppath;
	const char	*s;

	cfg = xcalloc(1, sizeof *cfg);
	cfg->refs = 1;
	cfg->path = xstrdup(path);
	tmp = xstrdup(path);
	cfg->dir = xstrdup(dirname(tmp));
	free(tmp);

	memset(&ctx, 0, sizeof ctx);
	ctx.cfg = cfg;
	ctx.file = path;
	if ((ctx.doc = cfg_parse_file(&ctx, path)) == NULL)
		goto done;
	cfg_load_main(&ctx, fy_document_root(ctx.doc));
	cfg_load_prompts(&ctx);
	files = cfg_get(fy_document_root(ctx.doc), "files");

	if (cfg_open_part(&ctx, files, "guides", "guides.yaml", &part,
	    &ppath) != NULL) {
		cfg_load_guides(&part, fy_document_root(part.doc));
		cfg_load_topics(&part, fy_document_root(part.doc));
		if (config_prompt(cfg, "emergency") == NULL)
			cfg_error_at(&part, 0, "prompt 'emergency' is missing: "
			    "the emergency notice is required");
	}
	cfg_close_part(&ctx, &part);
	free(ppath);

	if (cfg_open_part(&ctx, files, "locations", "locations.yaml", &part,
	    &ppath) != NULL)
		cfg_load_locations(&part, fy_document_root(part.doc));
	cfg_close_part(&ctx, &part);
	free(ppath);

	if (cfg_open_part(&ctx, files, "safety", "safety.yaml", &part,
	    &ppath) != NULL)
		cfg_i18n_re(&part, fy_document_root(part.doc), "red_flags",
		    &cfg->red_flags, 1);
	cfg_close_part(&ctx, &part);
	free(ppath);

	if ((s = cfg_str(&ctx, files, "zips", 0)) == NULL)
		s = "tx-zips.csv";
	ppath = cfg_path(cfg, s);
	memset(&part, 0, sizeof part);
	part.cfg = cfg;
	part.file = ppath;
	part.errors = ctx.errors;
	part.nerrors = ctx.nerrors;
	cfg_load_zips(&part, ppath);
	cfg_close_part(&ctx, &part);
	free(ppath);

	if (cfg_open_part(&ctx, files, "sms", "sms.yaml", &part, &ppath) !=
	    NULL)
		smscfg_load(&part, fy_document_root(part.doc));
	cfg_close_part(&ctx, &part);
	free(ppath);

	if (cfg_open_part(&ctx, files, "flow", "flow.yaml", &part, &ppath) !=
	    NULL)
		flow_load(&part, fy_document_root(part.doc));
	cfg_close_part(&ctx, &part);
	free(ppath);

done:
	if (ctx.doc != NULL)
		fy_document_destroy(ctx.doc);
	free(ctx.text);
	if (ctx.nerrors > 0) {
		*errors = ctx.errors;
		config_unref(cfg);
		return (NULL);
	}
	*errors = NULL;
	free(ctx.errors);
	return (cfg);
}

void
config_errors_free(char **errors)
{
	size_t	i;

	if (errors == NULL)
		return;
	for (i = 0; errors[i] != NULL; i++)
		free(errors[i]);
	free(errors);
}

struct config *
config_ref(struct config *cfg)
{
	__atomic_add_fetch(&cfg->refs, 1, __ATOMIC_SEQ_CST);
	return (cfg);
}

static void
config_free(struct config *cfg)
{
	size_t	i, j;

	for (i = 0; i < cfg->nprompts; i++) {
		free(cfg->prompts[i].id);
		for (j = 0; j < LANG_MAX; j++) {
			free(cfg->prompts[i].text[j]);
			free(cfg->prompts[i].audio[j]);
			free(cfg->prompts[i].audio_data[j]);
		}
	}
	free(cfg->prompts);
	for (i = 0; i < cfg->nguides; i++) {
		free(cfg->guides[i].id);
		free(cfg->guides[i].topic);
		i18n_free(&cfg->guides[i].title);
		free(cfg->guides[i].parts);
		free(cfg->guides[i].guides);
	}
	free(cfg->guides);
	for (i = 0; i < cfg->ntopics; i++) {
		free(cfg->topics[i].id);
		i18n_free(&cfg->topics[i].label);
	}
	free(cfg->topics);
	for (i = 0; i < cfg->nlocations; i++) {
		struct location *l = &cfg->locations[i];
		free(l->id);
		free(l->key);
		i18n_free(&l->name);
		i18n_re_free(&l->speech);
		free(l->address);
		i18n_free(&l->address_spoken);
		free(l->phone);
		free(l->oncall_sms);
		free(l->oncall_email);
		free(l->timezone);
		free(l->holidays);
	}
	free(cfg->locations);
	free(cfg->zips);
	i18n_re_free(&cfg->red_flags);
	if (cfg->flow != NULL)
		flow_free(cfg->flow);
	if (cfg->sms != NULL)
		smscfg_free(cfg->sms);
	for (i = 0; i < LANG_MAX; i++) {
		free(cfg->langs[i]);
		free(cfg->say_voice[i]);
		free(cfg->say_language[i]);
	}
	free(cfg->path);
	free(cfg->dir);
	free(cfg->listen);
	free(cfg->public_url);
	free(cfg->store);
	free(cfg->log_level);
	free(cfg->secret);
	free(cfg->provider_api);
	free(cfg->account_sid);
	free(cfg->auth_token);
	free(cfg->sms_from);
	free(cfg->messaging_service_sid);
	free(cfg->voice_caller_id);
	free(cfg->smtp_url);
	free(cfg->smtp_from);
	free(cfg->chat_webhook);
	free(cfg->front_desk);
	free(cfg->prompts_dir);
	free(cfg->trusted_proxies);
	free(cfg);
}

void
config_unref(struct config *cfg)
{
	if (cfg == NULL)
		return;
	if (__atomic_sub_fetch(&cfg->refs, 1, __ATOMIC_SEQ_CST) == 0)
		config_free(cfg);
}
