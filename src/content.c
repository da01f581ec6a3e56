/*
 * content.c -- the words the hotline says: prompts (prompts/<lang>/<id>.txt,
 * with the recording beside each when there is one) and guides (guides.yaml:
 * prompts and pauses in order, or collections of guides), loaded with the
 * configuration.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "config.h"
#include "util.h"
#include "xmalloc.h"
#include "yaml.h"

/* --- prompts ------------------------------------------------------------ */

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

static struct prompt *
content_prompt_add(struct config *cfg, const char *id)
{
	struct prompt	*p;

	if ((p = config_prompt(cfg, id)) != NULL)
		return (p);
	cfg->prompts = xreallocarray(cfg->prompts, cfg->nprompts + 1,
	    sizeof *cfg->prompts);
	p = &cfg->prompts[cfg->nprompts++];
	memset(p, 0, sizeof *p);
	p->id = xstrdup(id);
	qsort(cfg->prompts, cfg->nprompts, sizeof *cfg->prompts, prompt_cmp);
	return (config_prompt(cfg, id));
}

/*
 * prompts/<lang>/<id>.tmpl: words made from the locations when the flow
 * is loaded (menu.c).  They replace the .txt beside it, which then only
 * shows what the shipped locations make of it; the template's own words
 * stand in until then.
 */
static void
content_load_template(struct cfgctx *ctx, const char *dir, const char *file,
    size_t lang)
{
	struct prompt	*p;
	char		*path, *text, *id;
	size_t		 len = strlen(file) - 5;

	if (!cfg_id_valid(file, len))
		return;
	xasprintf(&path, "%s/%s", dir, file);
	text = util_read_file(path, 64 * 1024, NULL);
	if (text == NULL || (util_trim(text), *text == '\0') ||
	    !util_utf8_valid(text)) {
		cfg_error_at(ctx, 0, "%s is empty, unreadable or not UTF-8",
		    path);
		free(text);
		free(path);
		return;
	}
	free(path);
	id = xstrndup(file, len);
	p = content_prompt_add(ctx->cfg, id);
	free(id);
	free(p->tmpl[lang]);
	p->tmpl[lang] = text;
	free(p->text[lang]);
	p->text[lang] = xstrdup(text);
}

/*
 * Read every prompts/<lang>/<id>.txt into the prompt table; note the
 * recording beside it (<id>.wav, else <id>.mp3) when there is one.
 */
void
content_load_prompts(struct cfgctx *ctx)
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
			if (len > 5 && strcmp(de->d_name + len - 5, ".tmpl") == 0) {
				content_load_template(ctx, dir, de->d_name, i);
				continue;
			}
			if (len < 5 || strcmp(de->d_name + len - 4, ".txt") != 0)
				continue;
			if (!cfg_id_valid(de->d_name, len - 4))
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
			p = content_prompt_add(cfg, de->d_name);
			if (p->text[i] == NULL)
				p->text[i] = text;
			else
				free(text);	/* the template's, set first */
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
 * "Guided stretches"), in each language.  Optional: without a label staff
 * see the id.
 */
static void
content_load_topics(struct cfgctx *ctx, struct fy_node *root)
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

void
content_load_guides(struct cfgctx *ctx, struct fy_node *root)
{
	struct config		*cfg = ctx->cfg;
	struct fy_node		*gs, *v, *parts, *item;
	struct fy_node_pair	*p;
	struct guide		*g, *sub;
	void			*it = NULL, *it2;
	const char		*id, *s;
	size_t			 n, i;

	content_load_topics(ctx, root);
	if ((gs = cfg_get(root, "guides")) == NULL || !fy_node_is_mapping(gs)) {
		cfg_error(ctx, root, "missing 'guides' mapping");
		return;
	}
	n = fy_node_mapping_item_count(gs);
	cfg->guides = xcalloc(n, sizeof *cfg->guides);
	/* Two passes: collections may name guides defined after them. */
	while ((p = cfg_iterate(gs, &it)) != NULL) {
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
	while ((p = cfg_iterate(gs, &it)) != NULL) {
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

void
content_parts_free(struct prompt *p, size_t lang)
{
	size_t	i;

	for (i = 0; i < p->nparts[lang]; i++)
		free(p->parts[lang][i].text);
	free(p->parts[lang]);
	p->parts[lang] = NULL;
	p->nparts[lang] = 0;
}

void
content_free(struct config *cfg)
{
	size_t	i, j;

	for (i = 0; i < cfg->nprompts; i++) {
		free(cfg->prompts[i].id);
		for (j = 0; j < LANG_MAX; j++) {
			free(cfg->prompts[i].text[j]);
			free(cfg->prompts[i].tmpl[j]);
			content_parts_free(&cfg->prompts[i], j);
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
}
