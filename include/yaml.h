/*
 * yaml.h -- reading the configuration's YAML: libfyaml documents walked
 * with helpers that record every problem as "file:line: message" and go
 * on, so an operator sees them all in one pass.
 *
 * Each part of the configuration has its own loader (config.c, content.c,
 * location.c, flow.c, keyword.c); they share these helpers and know
 * nothing of each other.  Only scalar nodes carry a position in libfyaml,
 * so a problem with a mapping or sequence is reported at its first scalar.
 */
#ifndef HOTLINE_YAML_H
#define HOTLINE_YAML_H

#include <stddef.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

struct config;
struct fy_node;
struct fy_document;
struct fy_node_pair;

#define LANG_MAX 4

/* A text in every configured language (index = language index). */
struct i18n {
	char	*text[LANG_MAX];
};

/* A PCRE2 pattern per language (NULL where none). */
struct i18n_re {
	pcre2_code	*re[LANG_MAX];
};

/*
 * A loading context: one YAML file being read, and where problems go.
 * Part loaders (flow_load, smscfg_load, ...) fill in cfg with it.
 */
struct cfgctx {
	struct config		 *cfg;		/* being loaded */
	const char		 *file;		/* as shown in messages */
	struct fy_document	 *doc;
	char			 *text;		/* the file: doc points into it */
	char			**errors;	/* "file:line: message" */
	size_t			  nerrors;
	char			**langs;	/* the language codes, for cfg_i18n */
	size_t			  nlangs;
};

/*
 * Read and parse path into ctx (ctx->text keeps the text the document
 * points into).  NULL after recording why: unreadable, not UTF-8, not
 * YAML, or a top level that is not a mapping.
 */
struct fy_document *cfg_parse_file(struct cfgctx *, const char *path);

void		 cfg_error(struct cfgctx *, struct fy_node *at, const char *fmt,
		     ...) __attribute__((format(printf, 3, 4)));
/* A problem at a line of ctx->file (0: the file as a whole). */
void		 cfg_error_at(struct cfgctx *, int line, const char *fmt, ...)
		     __attribute__((format(printf, 3, 4)));
int		 cfg_line(struct fy_node *);
/* The value of key in map, or NULL; the key is known to cfg_check_keys. */
struct fy_node	*cfg_get(struct fy_node *map, const char *key);
/*
 * fy_node_mapping_iterate for a mapping whose keys are names the file
 * chooses (guide ids, node ids): cfg_check_keys takes every one.
 */
struct fy_node_pair *cfg_iterate(struct fy_node *map, void **it);
/*
 * After the loader: every key in ctx->doc that it never asked for is an
 * error at its line ("unknown key 'max_bdy': did you mean 'max_body'?").
 * Mappings it never looked into are left alone.
 */
void		 cfg_check_keys(struct cfgctx *);
/* Scalar value of key in map: NULL (and an error when required) if absent. */
const char	*cfg_str(struct cfgctx *, struct fy_node *map, const char *key,
		     int required);
int		 cfg_int(struct cfgctx *, struct fy_node *map, const char *key,
		     int def, int min, int max);
int		 cfg_bool(struct cfgctx *, struct fy_node *map, const char *key,
		     int def);
/* { en: "...", es: "..." } or a plain string (every language). */
int		 cfg_i18n(struct cfgctx *, struct fy_node *map, const char *key,
		     struct i18n *out, int required);
/*
 * A PCRE2 pattern, compiled caseless + UTF and JIT-compiled; refused (with
 * an error) if it does not compile or matches the empty string.
 */
pcre2_code	*cfg_pattern(struct cfgctx *, struct fy_node *at,
		     const char *pattern);
int		 cfg_i18n_re(struct cfgctx *, struct fy_node *map, const char *key,
		     struct i18n_re *out, int required);
/* 1 when s[0..len) is a usable id: 1 to 64 of a-z, 0-9, '_' and '-'. */
int		 cfg_id_valid(const char *s, size_t len);

void		 i18n_free(struct i18n *);
void		 i18n_re_free(struct i18n_re *);
/* Text in language lang, falling back to the first language. */
const char	*i18n_get(const struct i18n *, int lang);

/* 1 when re matches s (NUL-terminated). */
int		 re_match(const pcre2_code *re, const char *s);

#endif
