/*
 * menu.c -- the menus that list the locations, generated from
 * locations.yaml at flow load (see menu.h).
 *
 * Everything here happens while the configuration is loaded: the voice
 * code sees ordinary nodes, options and prompt words, exactly as if they
 * had been written out by hand, so a caller hears the same thing whether
 * the clinic menu was typed or generated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "config.h"
#include "flow.h"
#include "menu.h"
#include "xmalloc.h"
#include "yaml.h"

/* The prompt said once per location for {locations}. */
#define MENU_CHOICE	"location_choice"

struct menu_buf {
	char			*s;
	size_t			 len, cap;
	/* pieces, once a recorded name is met: words from s + mark on */
	struct prompt_part	*parts;
	size_t			 nparts, mark;
};

static void
menu_part(struct menu_buf *b, const struct prompt *audio)
{
	const char	*t = b->s != NULL ? b->s + b->mark : "";
	size_t		 n = b->len - b->mark;

	while (n > 0 && *t == ' ')
		t++, n--;
	while (n > 0 && t[n - 1] == ' ')
		n--;
	b->parts = xreallocarray(b->parts, b->nparts + 2, sizeof *b->parts);
	if (n > 0) {
		b->parts[b->nparts].text = xstrndup(t, n);
		b->parts[b->nparts++].audio = NULL;
	}
	if (audio != NULL) {
		b->parts[b->nparts].text = NULL;
		b->parts[b->nparts++].audio = audio;
	}
	b->mark = b->len;
}

static void
menu_cat(struct menu_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xreallocarray(b->s, b->cap, 1);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
menu_cats(struct menu_buf *b, const char *s)
{
	menu_cat(b, s, strlen(s));
}

int
menu_key_auto(const char *k)
{
	return (k != NULL && strcmp(k, "auto") == 0);
}

/* "Fort Worth, Allen, Coppell" in language lang. */
static void
menu_names(const struct config *cfg, int lang, struct menu_buf *b)
{
	size_t	i;

	for (i = 0; i < cfg->nlocations; i++) {
		if (i > 0)
			menu_cats(b, ", ");
		menu_cats(b, i18n_get(&cfg->locations[i].name, lang));
	}
	if (b->s == NULL)
		menu_cats(b, "");
}

/* s with every "{names}" replaced; NULL when there is none. */
static char *
menu_replace_names(const struct config *cfg, const char *s, int lang)
{
	struct menu_buf	 b = { 0 };
	const char	*at;

	if (strstr(s, "{names}") == NULL)
		return (NULL);
	while ((at = strstr(s, "{names}")) != NULL) {
		menu_cat(&b, s, (size_t)(at - s));
		menu_names(cfg, lang, &b);
		s = at + strlen("{names}");
	}
	menu_cats(&b, s);
	return (b.s);
}

void
menu_hints(struct cfgctx *ctx, struct i18n *t)
{
	char	*s;
	size_t	 i;

	for (i = 0; i < ctx->nlangs; i++) {
		if (t->text[i] == NULL ||
		    (s = menu_replace_names(ctx->cfg, t->text[i], (int)i)) ==
		    NULL)
			continue;
		free(t->text[i]);
		t->text[i] = s;
	}
}

/* pattern with {locations} replaced by every location's pattern. */
static char *
menu_pattern(const struct config *cfg, const char *pattern, int lang)
{
	struct menu_buf	 b = { 0 }, any = { 0 };
	const char	*at, *src;
	size_t		 i;

	menu_cats(&any, "(?:");
	for (i = 0; i < cfg->nlocations; i++) {
		if ((src = cfg->locations[i].speech_src.text[lang]) == NULL)
			continue;
		if (any.len > 3)
			menu_cats(&any, "|");
		menu_cats(&any, "(?:");
		menu_cats(&any, src);
		menu_cats(&any, ")");
	}
	/* No location: a pattern that never matches. */
	menu_cats(&any, any.len > 3 ? ")" : "(*FAIL))");
	while ((at = strstr(pattern, "{locations}")) != NULL) {
		menu_cat(&b, pattern, (size_t)(at - pattern));
		menu_cats(&b, any.s);
		pattern = at + strlen("{locations}");
	}
	menu_cats(&b, pattern);
	free(any.s);
	return (b.s);
}

int
menu_speech(struct cfgctx *ctx, struct fy_node *map, const char *key,
    struct i18n_re *out)
{
	struct fy_node	*n, *at;
	const char	*s[LANG_MAX];
	char		*p;
	size_t		 i;
	int		 any = 0;

	if ((n = cfg_get(map, key)) == NULL ||
	    (!fy_node_is_scalar(n) && !fy_node_is_mapping(n)))
		return (cfg_i18n_re(ctx, map, key, out, 0));
	for (i = 0; i < ctx->nlangs; i++) {
		if (fy_node_is_scalar(n))
			s[i] = fy_node_get_scalar0(n);
		else
			s[i] = cfg_str(ctx, n, ctx->langs[i], 0);
		if (s[i] != NULL && strstr(s[i], "{locations}") != NULL)
			any = 1;
	}
	if (!any)
		return (cfg_i18n_re(ctx, map, key, out, 0));
	memset(out, 0, sizeof *out);
	for (i = 0; i < ctx->nlangs; i++) {
		if (s[i] == NULL)
			continue;
		at = fy_node_is_scalar(n) ? n : cfg_get(n, ctx->langs[i]);
		p = menu_pattern(ctx->cfg, s[i], (int)i);
		out->re[i] = cfg_pattern(ctx, at, p);
		free(p);
	}
	return (0);
}

static int
menu_key_taken(const struct flow_node *n, const struct flow_option *globals,
    size_t nglobals, const struct config *cfg, char k)
{
	size_t	i;

	for (i = 0; i < n->noptions; i++) {
		if (n->options[i].key != NULL && n->options[i].key[0] == k &&
		    n->options[i].key[1] == '\0')
			return (1);
	}
	for (i = 0; i < nglobals; i++) {
		if (globals[i].key != NULL && globals[i].key[0] == k &&
		    globals[i].key[1] == '\0')
			return (1);
	}
	/* A callback node's location question offers every location. */
	if (n->type == FLOW_CALLBACK || n->type == FLOW_APPOINTMENT) {
		for (i = 0; i < cfg->nlocations; i++) {
			if (cfg->locations[i].key != NULL &&
			    cfg->locations[i].key[0] == k)
				return (1);
		}
	}
	if (n->any_key != NULL && n->any_key[0] == k && n->any_key[1] == '\0')
		return (1);
	return (0);
}

static char *
menu_free_key(struct cfgctx *ctx, const struct flow_node *n,
    const struct flow_option *globals, size_t nglobals)
{
	char	k[2];

	for (k[0] = '1'; k[0] <= '9'; k[0]++) {
		if (!menu_key_taken(n, globals, nglobals, ctx->cfg, k[0])) {
			k[1] = '\0';
			return (xstrdup(k));
		}
	}
	cfg_error_at(ctx, n->line, "node '%s': no digit is left for a 'key: "
	    "auto' choice (too many locations or options)", n->id);
	return (xstrdup("9"));
}

void
menu_number(struct cfgctx *ctx, struct flow_node *n,
    const struct flow_option *globals, size_t nglobals)
{
	size_t	i;

	/* In file order, each after the ones before it. */
	for (i = 0; i < n->noptions; i++) {
		if (!menu_key_auto(n->options[i].key))
			continue;
		free(n->options[i].key);
		n->options[i].key = NULL;
		n->options[i].key = menu_free_key(ctx, n, globals, nglobals);
	}
	if (menu_key_auto(n->any_key)) {
		free(n->any_key);
		n->any_key = NULL;
		n->any_key = menu_free_key(ctx, n, globals, nglobals);
	}
}

/* The key of n's option with this intent ("any": any_location_key). */
static const char *
menu_intent_key(const struct flow_node *n, const char *intent)
{
	size_t	i;

	if (strcmp(intent, "any") == 0 && n->any_key != NULL)
		return (n->any_key);
	for (i = 0; i < n->noptions; i++) {
		if (n->options[i].key != NULL &&
		    strcmp(n->options[i].intent, intent) == 0)
			return (n->options[i].key);
	}
	return (NULL);
}

/*
 * One location's line: {name} and {key} in the choice prompt.  A name
 * recorded as prompt location_<id> is played there, the rest spoken.
 */
static void
menu_choice(const struct config *cfg, struct menu_buf *b, const char *tmpl,
    const struct location *l, int lang)
{
	const struct prompt	*rec;
	const char		*at;
	char			*id;

	xasprintf(&id, "location_%s", l->id);
	rec = config_prompt(cfg, id);
	free(id);
	if (rec != NULL && rec->audio[lang] == NULL)
		rec = NULL;
	while ((at = strchr(tmpl, '{')) != NULL) {
		menu_cat(b, tmpl, (size_t)(at - tmpl));
		if (strncmp(at, "{name}", 6) == 0) {
			if (rec != NULL)
				menu_part(b, NULL);
			menu_cats(b, i18n_get(&l->name, lang));
			if (rec != NULL) {
				b->mark = b->len;
				menu_part(b, rec);
			}
			tmpl = at + 6;
		} else if (strncmp(at, "{key}", 5) == 0) {
			menu_cats(b, l->key != NULL ? l->key : "");
			tmpl = at + 5;
		} else {
			menu_cat(b, at, 1);
			tmpl = at + 1;
		}
	}
	menu_cats(b, tmpl);
}

/* The words of p in language lang for node n, from its template. */
static char *
menu_render(struct cfgctx *ctx, const struct flow_node *n, struct prompt *p,
    int lang)
{
	const struct config	*cfg = ctx->cfg;
	struct menu_buf		 b = { 0 };
	const struct prompt	*item;
	const char		*s = p->tmpl[lang], *at, *end, *k, *line;
	char			*name;
	size_t			 i;

	while ((at = strchr(s, '{')) != NULL &&
	    (end = strchr(at, '}')) != NULL) {
		menu_cat(&b, s, (size_t)(at - s));
		name = xstrndup(at + 1, (size_t)(end - at - 1));
		if (strcmp(name, "names") == 0)
			menu_names(cfg, lang, &b);
		else if (strncmp(name, "locations", 9) == 0 &&
		    (name[9] == '\0' || name[9] == ':')) {
			item = config_prompt(cfg, name[9] == ':' ? name + 10 :
			    MENU_CHOICE);
			line = item == NULL ? NULL : item->tmpl[lang] != NULL ?
			    item->tmpl[lang] : item->text[lang];
			if (line == NULL)
				cfg_error_at(ctx, n->line, "node '%s': prompt "
				    "'%s' needs prompt '%s' in %s (the line said "
				    "for each location)", n->id, p->id,
				    name[9] == ':' ? name + 10 : MENU_CHOICE,
				    cfg->langs[lang]);
			for (i = 0; line != NULL && i < cfg->nlocations; i++) {
				if (i > 0)
					menu_cats(&b, " ");
				menu_choice(cfg, &b, line,
				    &cfg->locations[i], lang);
			}
		} else if (strncmp(name, "key:", 4) == 0) {
			if ((k = menu_intent_key(n, name + 4)) == NULL) {
				cfg_error_at(ctx, n->line, "node '%s': prompt '%s' "
				    "says {%s} but the node has no keyed option "
				    "with intent '%s'", n->id, p->id, name,
				    name + 4);
				k = "";
			}
			menu_cats(&b, k);
		} else
			/* Not ours ({phone} in a text): left as written. */
			menu_cat(&b, at, (size_t)(end - at + 1));
		free(name);
		s = end + 1;
	}
	menu_cats(&b, s);
	if (b.nparts > 0)
		menu_part(&b, NULL);
	content_parts_free(p, (size_t)lang);
	p->parts[lang] = b.parts;
	p->nparts[lang] = b.nparts;
	return (b.s);
}

static int
menu_is_template(const char *s)
{
	return (s != NULL && (strstr(s, "{locations") != NULL ||
	    strstr(s, "{key:") != NULL || strstr(s, "{names}") != NULL));
}

static void
menu_fill(struct cfgctx *ctx, const struct flow_node *n, struct prompt *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < ctx->nlangs; i++) {
		if (p->tmpl[i] == NULL) {
			if (!menu_is_template(p->text[i]))
				continue;
			p->tmpl[i] = p->text[i];
			p->text[i] = NULL;
		}
		free(p->text[i]);
		p->text[i] = menu_render(ctx, n, p, (int)i);
		/*
		 * A recording of a template goes stale with the next location:
		 * the words are spoken instead.
		 */
		free(p->audio[i]);
		p->audio[i] = NULL;
	}
}

/* 1 when every location is named in p's words in every language. */
static void
menu_check_names(struct cfgctx *ctx, const struct flow_node *n,
    const struct prompt *p)
{
	const struct config	*cfg = ctx->cfg;
	size_t			 i, j;

	if (p == NULL)
		return;
	for (i = 0; i < cfg->nlocations; i++) {
		for (j = 0; j < ctx->nlangs; j++) {
			if (p->text[j] == NULL || strcasestr(p->text[j],
			    i18n_get(&cfg->locations[i].name, (int)j)) != NULL)
				continue;
			cfg_error_at(ctx, n->line, "node '%s': location '%s' is "
			    "missing from prompt '%s' (%s): write {locations} "
			    "in %s/%s/%s.txt", n->id, cfg->locations[i].id,
			    p->id, cfg->langs[j], cfg->prompts_dir,
			    cfg->langs[j], p->id);
		}
	}
}

void
menu_generate(struct cfgctx *ctx, struct flow *f)
{
	const struct config	*cfg = ctx->cfg;
	struct flow_node	*n;
	size_t			 i, j, k;
	int			 reached;

	for (i = 0; i < f->nnodes; i++) {
		n = &f->nodes[i];
		menu_fill(ctx, n, n->prompt);
		menu_fill(ctx, n, n->intro);
		menu_fill(ctx, n, n->where);
		menu_fill(ctx, n, n->number);
		menu_fill(ctx, n, n->when);
		menu_fill(ctx, n, n->after);
		menu_fill(ctx, n, n->last);
		if (n->type == FLOW_CLINICS)
			menu_check_names(ctx, n, n->prompt);
		if (n->type == FLOW_CALLBACK || n->type == FLOW_APPOINTMENT)
			menu_check_names(ctx, n, n->where);
	}
	/* Each location is an option of some clinic menu. */
	for (k = 0; k < cfg->nlocations; k++) {
		reached = 0;
		for (i = 0; i < f->nnodes && !reached; i++) {
			n = &f->nodes[i];
			for (j = 0; j < n->noptions; j++) {
				if (n->options[j].action == FA_LOCATION &&
				    n->options[j].location ==
				    &cfg->locations[k] &&
				    (n->options[j].key != NULL ||
				    n->options[j].speech.re[0] != NULL))
					reached = 1;
			}
		}
		if (!reached)
			cfg_error_at(ctx, 0, "location '%s' cannot be reached from "
			    "the menu (no clinics node offers it)",
			    cfg->locations[k].id);
	}
}
