/*
 * flow.c -- the voice menu graph (see flow.h).
 *
 * Loading is two passes: every node is read first, then links (goto, back,
 * fail, next, location_node) are resolved by name, so nodes may refer to
 * nodes defined after them.  Then the graph is walked from the start node
 * and the nodes the service itself jumps to; a node nobody can reach is a
 * mistake in the file and is reported as one.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "config.h"
#include "flow.h"
#include "menu.h"
#include "xmalloc.h"
#include "yaml.h"

static void	flow_error_line(struct cfgctx *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static const char *flow_type_names[] = {
	"menu", "guide", "clinics", "zip", "location", "callback", "voicemail",
	"front_desk", "goodbye", "appointment", NULL
};

static const char *flow_action_names[] = {
	"goto", "repeat", "back", "language", "next", "again", "text",
	"text_address", "location", "daily", NULL
};

/* flow->sys[] by role: the names used under system_prompts in flow.yaml. */
static const char *flow_sys_names[FS_COUNT] = {
	"welcome", "disclaimer", "emergency", "emergency_flagged", "language",
	"reprompt_1", "reprompt_2", "no_input", "goodbye", "sorry_store",
	"connecting", "dial_failed", "sms_sent", "sms_no_number",
	"callback_number_ends", "callback_position", "callback_wait",
	"callback_minutes", "callback_closed", "callback_updated",
	"location_open", "location_closed", "hours_today", "hours_tomorrow",
	"next_open", "zip_unknown", "zip_nearest", "voicemail_thanks",
	"voicemail_none", "miss_front_desk", "miss_callback", "last_item",
	"emergency_flagged_closed", "zip_miles"
};

const char *
flow_sys_name(enum flow_sys s)
{
	return (s < FS_COUNT ? flow_sys_names[s] : "?");
}

struct flow_node *
flow_node(const struct flow *f, const char *id)
{
	size_t	i;

	if (f == NULL || id == NULL)
		return (NULL);
	for (i = 0; i < f->nnodes; i++) {
		if (strcmp(f->nodes[i].id, id) == 0)
			return (&f->nodes[i]);
	}
	return (NULL);
}

static int
flow_name_index(const char **names, const char *s)
{
	int	i;

	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(names[i], s) == 0)
			return (i);
	}
	return (-1);
}

static struct prompt *
flow_prompt(struct cfgctx *ctx, struct fy_node *map, const char *key,
    int required)
{
	const char	*id;

	if ((id = cfg_str(ctx, map, key, required)) == NULL)
		return (NULL);
	return (cfg_prompt_ref(ctx, cfg_get(map, key), id));
}

static char *
flow_strdup(struct cfgctx *ctx, struct fy_node *map, const char *key)
{
	const char	*s;

	if ((s = cfg_str(ctx, map, key, 0)) == NULL)
		return (NULL);
	return (xstrdup(s));
}

static int
flow_key_valid(const char *k)
{
	return (strlen(k) == 1 && (isdigit((unsigned char)*k) || *k == '*' ||
	    *k == '#'));
}

/* One option mapping: key, intent, speech, and goto or action. */
static void
flow_load_option(struct cfgctx *ctx, struct fy_node *v, struct flow_option *o)
{
	const char	*s;
	int		 a;

	memset(o, 0, sizeof *o);
	o->line = cfg_line(v);
	if (!fy_node_is_mapping(v)) {
		cfg_error(ctx, v, "an option must be a mapping (key, goto or "
		    "action, speech)");
		o->action = FA_REPEAT;
		return;
	}
	if ((s = cfg_str(ctx, v, "key", 0)) != NULL) {
		if (!flow_key_valid(s) && !menu_key_auto(s))
			cfg_error(ctx, cfg_get(v, "key"), "option key must be one "
			    "of 0-9, * or #, or auto, not '%s'", s);
		o->key = xstrdup(s);
	}
	menu_speech(ctx, v, "speech", &o->speech);
	if (o->key == NULL && cfg_get(v, "speech") == NULL)
		cfg_error(ctx, v, "an option needs a 'key' or 'speech' (or both)");
	if ((s = cfg_str(ctx, v, "goto", 0)) != NULL) {
		o->action = FA_GOTO;
		o->target_id = xstrdup(s);
		if (cfg_get(v, "action") != NULL)
			cfg_error(ctx, cfg_get(v, "action"), "an option has "
			    "'goto' or 'action', not both");
	} else if ((s = cfg_str(ctx, v, "action", 0)) != NULL) {
		if ((a = flow_name_index(flow_action_names, s)) < 0 ||
		    a == FA_GOTO) {
			cfg_error(ctx, cfg_get(v, "action"), "unknown action "
			    "'%s' (repeat, back, language, next, again, text, "
			    "text_address, location)", s);
			a = FA_REPEAT;
		}
		o->action = (enum flow_action)a;
	} else {
		cfg_error(ctx, v, "an option needs 'goto' or 'action'");
		o->action = FA_REPEAT;
	}
	if (o->action == FA_LANGUAGE) {
		/* Without a language the option moves on to the next one. */
		o->lang = -1;
		s = cfg_str(ctx, v, "language", 0);
		if (s != NULL && (o->lang = config_lang(ctx->cfg, s)) < 0) {
			cfg_error(ctx, cfg_get(v, "language"), "unknown language "
			    "'%s'", s);
			o->lang = 0;
		}
	}
	if ((s = cfg_str(ctx, v, "guide", 0)) != NULL) {
		if ((o->guide = config_guide(ctx->cfg, s)) == NULL)
			cfg_error(ctx, cfg_get(v, "guide"), "unknown guide '%s'",
			    s);
	}
	if (o->action == FA_LOCATION) {
		s = cfg_str(ctx, v, "location", 1);
		if (s != NULL &&
		    (o->location = config_location(ctx->cfg, s)) == NULL)
			cfg_error(ctx, cfg_get(v, "location"), "unknown location "
			    "'%s'", s);
	}
	if ((s = cfg_str(ctx, v, "intent", 0)) != NULL)
		o->intent = xstrdup(s);
	else if (o->target_id != NULL)
		o->intent = xstrdup(o->target_id);
	else
		o->intent = xstrdup(flow_action_names[o->action]);
}

static void
flow_load_options(struct cfgctx *ctx, struct fy_node *seq,
    struct flow_option **out, size_t *n)
{
	struct fy_node	*v;
	void		*it = NULL;

	*out = NULL;
	*n = 0;
	if (seq == NULL)
		return;
	if (!fy_node_is_sequence(seq)) {
		cfg_error(ctx, seq, "'options' must be a list");
		return;
	}
	*out = xcalloc(fy_node_sequence_item_count(seq) + 1, sizeof **out);
	while ((v = fy_node_sequence_iterate(seq, &it)) != NULL)
		flow_load_option(ctx, v, &(*out)[(*n)++]);
}

static struct flow_option *
flow_find_key(struct flow_option *opts, size_t n, const char *key)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (opts[i].key != NULL && strcmp(opts[i].key, key) == 0)
			return (&opts[i]);
	}
	return (NULL);
}

static void
flow_option_copy(struct flow_option *dst, const struct flow_option *src)
{
	size_t	i;

	*dst = *src;
	dst->key = src->key != NULL ? xstrdup(src->key) : NULL;
	dst->intent = xstrdup(src->intent);
	dst->target_id = src->target_id != NULL ? xstrdup(src->target_id) :
	    NULL;
	/* Global patterns stay owned by the global list. */
	for (i = 0; i < LANG_MAX; i++)
		dst->speech.re[i] = src->speech.re[i];
	dst->borrowed = 1;
	dst->global = 1;
}

static void
flow_load_node(struct cfgctx *ctx, struct fy_node *key, struct fy_node *v,
    struct flow_node *n, struct flow_option *globals, size_t nglobals)
{
	struct config		*cfg = ctx->cfg;
	struct flow_option	*own = NULL, *o;
	size_t			 nown = 0, i, j, cap;
	const char		*s;
	int			 t, use_globals;

	n->line = cfg_line(key);
	if (!fy_node_is_mapping(v)) {
		cfg_error(ctx, key, "node '%s' must be a mapping", n->id);
		return;
	}
	if ((s = cfg_str(ctx, v, "type", 0)) == NULL)
		s = "menu";
	if ((t = flow_name_index(flow_type_names, s)) < 0) {
		cfg_error(ctx, cfg_get(v, "type"), "node '%s' has unknown type "
		    "'%s'", n->id, s);
		t = FLOW_MENU;
	}
	n->type = (enum flow_type)t;
	n->prompt = flow_prompt(ctx, v, "prompt", n->type != FLOW_GOODBYE &&
	    n->type != FLOW_LOCATION && n->type != FLOW_GUIDE);
	n->intro = flow_prompt(ctx, v, "intro", 0);
	n->after = flow_prompt(ctx, v, "after", n->type == FLOW_GUIDE);
	n->last = flow_prompt(ctx, v, "last", n->type == FLOW_GUIDE);
	n->number = flow_prompt(ctx, v, "number_prompt",
	    n->type == FLOW_CALLBACK);
	n->where = flow_prompt(ctx, v, "location_prompt",
	    n->type == FLOW_CALLBACK);
	n->when = flow_prompt(ctx, v, "window_prompt", n->type == FLOW_CALLBACK);
	if (n->type == FLOW_APPOINTMENT) {
		n->number = flow_prompt(ctx, v, "number_prompt", 1);
		n->where = flow_prompt(ctx, v, "location_prompt", 1);
		n->when = flow_prompt(ctx, v, "when_prompt", 1);
		n->patient = flow_prompt(ctx, v, "patient_prompt", 1);
		n->reason = flow_prompt(ctx, v, "reason_prompt", 1);
		n->done = flow_prompt(ctx, v, "done_prompt", 1);
		n->closed = flow_prompt(ctx, v, "closed_prompt", 1);
	}
	if (n->type == FLOW_LOCATION && n->prompt == NULL)
		cfg_error(ctx, key, "location node '%s' needs a 'prompt' (the "
		    "closed clinic's choices)", n->id);
	n->topic = flow_strdup(ctx, v, "topic");
	n->back_id = flow_strdup(ctx, v, "back");
	n->fail_id = flow_strdup(ctx, v, "fail");
	n->next_id = flow_strdup(ctx, v, "next");
	n->location_id = flow_strdup(ctx, v, "location_node");
	n->tries = cfg_int(ctx, v, "tries", 0, 1, 9);
	cfg_i18n(ctx, v, "hints", &n->hints, 0);
	menu_hints(ctx, &n->hints);
	if ((n->type == FLOW_CLINICS || n->type == FLOW_ZIP) &&
	    n->location_id == NULL)
		cfg_error(ctx, key, "node '%s' needs 'location_node' (the "
		    "location node its choices lead to)", n->id);
	if ((n->type == FLOW_CALLBACK || n->type == FLOW_APPOINTMENT) &&
	    n->next_id == NULL)
		cfg_error(ctx, key, "%s node '%s' needs 'next'",
		    flow_type_names[n->type], n->id);
	if (n->type == FLOW_APPOINTMENT) {
		cfg_i18n_re(ctx, v, "yes", &n->yes, 1);
		cfg_i18n_re(ctx, v, "no", &n->no, 1);
		cfg_i18n_re(ctx, v, "skip", &n->skip, 1);
		cfg_i18n_re(ctx, v, "new", &n->fresh, 1);
		cfg_i18n_re(ctx, v, "returning", &n->again, 1);
	}
	if (n->type == FLOW_GUIDE) {
		if ((s = cfg_str(ctx, v, "guide", 1)) != NULL &&
		    (n->guide = config_guide(cfg, s)) == NULL)
			cfg_error(ctx, cfg_get(v, "guide"), "unknown guide '%s'",
			    s);
		if ((s = cfg_str(ctx, v, "step", 0)) == NULL ||
		    strcmp(s, "guide") == 0)
			n->by_part = 0;
		else if (strcmp(s, "part") == 0)
			n->by_part = 1;
		else
			cfg_error(ctx, cfg_get(v, "step"), "'step' is 'guide' or "
			    "'part', not '%s'", s);
	}
	if (n->type == FLOW_CALLBACK) {
		cfg_i18n_re(ctx, v, "yes", &n->yes, 1);
		cfg_i18n_re(ctx, v, "no", &n->no, 1);
		if ((s = cfg_str(ctx, v, "any_location_key", 1)) != NULL) {
			if (!flow_key_valid(s) && !menu_key_auto(s))
				cfg_error(ctx, cfg_get(v, "any_location_key"),
				    "not a key: '%s'", s);
			n->any_key = xstrdup(s);
		}
		flow_load_options(ctx, cfg_get(v, "windows"), &n->windows,
		    &n->nwindows);
		if (n->nwindows == 0)
			cfg_error(ctx, key, "callback node '%s' needs 'windows'",
			    n->id);
		for (i = 0; i < n->nwindows; i++) {
			if (n->windows[i].target_id == NULL &&
			    n->windows[i].intent == NULL)
				continue;
			for (j = 0; j < i; j++) {
				if (n->windows[i].key != NULL &&
				    n->windows[j].key != NULL &&
				    strcmp(n->windows[i].key,
				    n->windows[j].key) == 0)
					cfg_error(ctx, cfg_get(v, "windows"),
					    "window key '%s' is used twice",
					    n->windows[i].key);
			}
		}
	}

	flow_load_options(ctx, cfg_get(v, "options"), &own, &nown);
	use_globals = cfg_bool(ctx, v, "global_options", 1);
	cap = nown + cfg->nlocations + nglobals + 1;
	n->options = xcalloc(cap, sizeof *n->options);
	for (i = 0; i < nown; i++) {
		o = &own[i];
		if (o->key != NULL && flow_find_key(n->options, n->noptions,
		    o->key) != NULL)
			flow_error_line(ctx, o->line, "node '%s': key '%s' is "
			    "used twice", n->id, o->key);
		n->options[n->noptions++] = *o;
	}
	free(own);
	/* A clinic menu offers every location by its own key and name. */
	if (n->type == FLOW_CLINICS) {
		for (i = 0; i < cfg->nlocations; i++) {
			struct location	*l = &cfg->locations[i];

			if (l->key != NULL && flow_find_key(n->options,
			    n->noptions, l->key) != NULL) {
				cfg_error(ctx, key, "node '%s': key '%s' is used "
				    "by an option and by location '%s'", n->id,
				    l->key, l->id);
				continue;
			}
			o = &n->options[n->noptions++];
			memset(o, 0, sizeof *o);
			o->key = l->key != NULL ? xstrdup(l->key) : NULL;
			o->intent = xstrdup(l->id);
			o->action = FA_LOCATION;
			o->location = l;
			o->speech = l->speech;
			o->borrowed = 1;
			o->line = n->line;
		}
	}
	/* Choices after the locations ("key: auto") are numbered now. */
	menu_number(ctx, n, globals, nglobals);
	if (n->type == FLOW_CALLBACK && n->any_key != NULL &&
	    flow_find_key(n->options, n->noptions, n->any_key) != NULL)
		cfg_error(ctx, key, "node '%s': any_location_key '%s' is used "
		    "by an option too", n->id, n->any_key);
	if (!use_globals || n->type == FLOW_GOODBYE)
		return;
	for (i = 0; i < nglobals; i++) {
		if (globals[i].key != NULL && flow_find_key(n->options,
		    n->noptions, globals[i].key) != NULL)
			continue;	/* the node's own meaning wins */
		flow_option_copy(&n->options[n->noptions++], &globals[i]);
	}
}

/* An error at a line we know (links are checked after the YAML walk). */
static void
flow_error_line(struct cfgctx *ctx, int line, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	ctx->errors = xreallocarray(ctx->errors, ctx->nerrors + 2,
	    sizeof *ctx->errors);
	if (line > 0)
		xasprintf(&ctx->errors[ctx->nerrors], "%s:%d: %s", ctx->file,
		    line, msg != NULL ? msg : fmt);
	else
		xasprintf(&ctx->errors[ctx->nerrors], "%s: %s", ctx->file,
		    msg != NULL ? msg : fmt);
	ctx->nerrors++;
	ctx->errors[ctx->nerrors] = NULL;
	free(msg);
}

static struct flow_node *
flow_resolve(struct cfgctx *ctx, struct flow *f, const char *id, int line,
    const char *what, const char *from)
{
	struct flow_node	*n;

	if (id == NULL)
		return (NULL);
	if ((n = flow_node(f, id)) == NULL)
		flow_error_line(ctx, line, "%s '%s' of '%s' names no node", what,
		    id, from);
	return (n);
}

static void
flow_mark(struct flow *f, struct flow_node *n, char *seen)
{
	size_t	i;

	if (n == NULL || seen[n - f->nodes])
		return;
	seen[n - f->nodes] = 1;
	flow_mark(f, n->back, seen);
	flow_mark(f, n->fail, seen);
	flow_mark(f, n->next, seen);
	flow_mark(f, n->location_node, seen);
	for (i = 0; i < n->noptions; i++)
		flow_mark(f, n->options[i].target, seen);
}

int
flow_load(struct cfgctx *ctx, struct fy_node *root)
{
	struct config		*cfg = ctx->cfg;
	struct flow		*f;
	struct flow_option	*globals = NULL;
	struct flow_node	*n;
	struct fy_node		*nodes, *sys;
	struct fy_node_pair	*p;
	void			*it = NULL;
	size_t			 nglobals = 0, i, j;
	const char		*s;
	char			*seen;
	size_t			 before = ctx->nerrors;

	f = xcalloc(1, sizeof *f);
	if (cfg->flow != NULL)
		flow_free(cfg->flow);
	cfg->flow = f;
	f->max_tries = cfg_int(ctx, root, "max_tries", 3, 1, 9);
	f->timeout = cfg_int(ctx, root, "timeout", 6, 2, 30);
	cfg_i18n(ctx, root, "hints", &f->hints, 0);
	menu_hints(ctx, &f->hints);

	sys = cfg_get(root, "system_prompts");
	if (sys == NULL || !fy_node_is_mapping(sys))
		cfg_error(ctx, root, "missing 'system_prompts' mapping");
	else {
		for (i = 0; i < FS_COUNT; i++)
			f->sys[i] = flow_prompt(ctx, sys, flow_sys_names[i], 1);
	}
	flow_load_options(ctx, cfg_get(root, "global_options"), &globals,
	    &nglobals);
	for (i = 0; i < nglobals; i++) {
		if (globals[i].key == NULL)
			continue;
		for (j = 0; j < i; j++) {
			if (globals[j].key != NULL &&
			    strcmp(globals[i].key, globals[j].key) == 0)
				cfg_error(ctx, cfg_get(root, "global_options"),
				    "global key '%s' is used twice",
				    globals[i].key);
		}
	}

	nodes = cfg_get(root, "nodes");
	if (nodes == NULL || !fy_node_is_mapping(nodes) ||
	    fy_node_mapping_item_count(nodes) == 0) {
		cfg_error(ctx, root, "missing 'nodes' mapping");
		goto out;
	}
	f->nodes = xcalloc(fy_node_mapping_item_count(nodes), sizeof *f->nodes);
	while ((p = cfg_iterate(nodes, &it)) != NULL) {
		s = fy_node_get_scalar0(fy_node_pair_key(p));
		n = &f->nodes[f->nnodes];
		n->id = xstrdup(s != NULL ? s : "");
		if (flow_node(f, n->id) != NULL)
			cfg_error(ctx, fy_node_pair_key(p), "node '%s' is defined "
			    "twice", n->id);
		f->nnodes++;
		flow_load_node(ctx, fy_node_pair_key(p), fy_node_pair_value(p),
		    n, globals, nglobals);
	}

	/* Second pass: links by name. */
	for (i = 0; i < f->nnodes; i++) {
		n = &f->nodes[i];
		n->back = flow_resolve(ctx, f, n->back_id, n->line, "back",
		    n->id);
		n->fail = flow_resolve(ctx, f, n->fail_id, n->line, "fail",
		    n->id);
		n->next = flow_resolve(ctx, f, n->next_id, n->line, "next",
		    n->id);
		n->location_node = flow_resolve(ctx, f, n->location_id, n->line,
		    "location_node", n->id);
		if (n->location_node != NULL &&
		    n->location_node->type != FLOW_LOCATION)
			flow_error_line(ctx, n->line, "node '%s': location_node "
			    "'%s' is not a location node", n->id, n->location_id);
		for (j = 0; j < n->noptions; j++) {
			struct flow_option *o = &n->options[j];

			if (o->action == FA_GOTO)
				o->target = flow_resolve(ctx, f, o->target_id,
				    o->line, "goto", n->id);
			if (o->action == FA_LOCATION && n->location_node ==
			    NULL && n->type != FLOW_CLINICS)
				flow_error_line(ctx, o->line, "node '%s': a location "
				    "option needs 'location_node'", n->id);
			if ((o->action == FA_NEXT || o->action == FA_AGAIN) &&
			    n->type != FLOW_GUIDE)
				flow_error_line(ctx, o->line, "node '%s': '%s' works only "
				    "in a guide node", n->id,
				    flow_action_names[o->action]);
			if (o->action == FA_TEXT && o->guide == NULL &&
			    n->type != FLOW_GUIDE)
				flow_error_line(ctx, o->line, "node '%s': 'text' needs a "
				    "'guide' outside a guide node", n->id);
			if (o->action == FA_TEXT_ADDRESS &&
			    n->type != FLOW_LOCATION)
				flow_error_line(ctx, o->line, "node '%s': 'text_address' "
				    "works only in a location node", n->id);
		}
	}
	s = cfg_str(ctx, root, "start", 1);
	f->start = flow_resolve(ctx, f, s, cfg_line(cfg_get(root, "start")),
	    "start", "flow");
	f->callback = flow_resolve(ctx, f, cfg_str(ctx, root, "callback", 1),
	    cfg_line(cfg_get(root, "callback")), "callback", "flow");
	f->front_desk = flow_resolve(ctx, f, cfg_str(ctx, root, "front_desk",
	    1), cfg_line(cfg_get(root, "front_desk")), "front_desk", "flow");
	f->goodbye = flow_resolve(ctx, f, cfg_str(ctx, root, "goodbye", 1),
	    cfg_line(cfg_get(root, "goodbye")), "goodbye", "flow");
	f->voicemail = flow_resolve(ctx, f, cfg_str(ctx, root, "voicemail", 1),
	    cfg_line(cfg_get(root, "voicemail")), "voicemail", "flow");
	if (f->callback != NULL && f->callback->type != FLOW_CALLBACK)
		cfg_error(ctx, cfg_get(root, "callback"), "'callback' must name "
		    "a callback node");
	if (f->front_desk != NULL && f->front_desk->type != FLOW_FRONT_DESK)
		cfg_error(ctx, cfg_get(root, "front_desk"), "'front_desk' must "
		    "name a front_desk node");
	if (f->goodbye != NULL && f->goodbye->type != FLOW_GOODBYE)
		cfg_error(ctx, cfg_get(root, "goodbye"), "'goodbye' must name a "
		    "goodbye node");
	if (f->voicemail != NULL && f->voicemail->type != FLOW_VOICEMAIL)
		cfg_error(ctx, cfg_get(root, "voicemail"), "'voicemail' must "
		    "name a voicemail node");

	/* Reachable from the start or from where the service jumps itself. */
	if (ctx->nerrors == before) {
		seen = xcalloc(f->nnodes, 1);
		flow_mark(f, f->start, seen);
		flow_mark(f, f->callback, seen);
		flow_mark(f, f->front_desk, seen);
		flow_mark(f, f->goodbye, seen);
		flow_mark(f, f->voicemail, seen);
		it = NULL;
		while ((p = cfg_iterate(nodes, &it)) != NULL) {
			n = flow_node(f, fy_node_get_scalar0(
			    fy_node_pair_key(p)));
			if (n != NULL && !seen[n - f->nodes])
				cfg_error(ctx, fy_node_pair_key(p), "node '%s' "
				    "cannot be reached from '%s'", n->id,
				    f->start->id);
		}
		free(seen);
	}
	/* The menus that list the locations, in words. */
	menu_generate(ctx, f);
out:
	f->globals = globals;
	f->nglobals = nglobals;
	return (ctx->nerrors == before ? 0 : -1);
}

static void
flow_options_free(struct flow_option *o, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(o[i].key);
		free(o[i].intent);
		free(o[i].target_id);
		if (!o[i].borrowed)
			i18n_re_free(&o[i].speech);
	}
	free(o);
}

void
flow_free(struct flow *f)
{
	size_t			 i;
	struct flow_node	*n;

	if (f == NULL)
		return;
	for (i = 0; i < f->nnodes; i++) {
		n = &f->nodes[i];
		free(n->id);
		free(n->topic);
		free(n->back_id);
		free(n->fail_id);
		free(n->next_id);
		free(n->location_id);
		free(n->any_key);
		i18n_free(&n->hints);
		i18n_re_free(&n->yes);
		i18n_re_free(&n->no);
		i18n_re_free(&n->skip);
		i18n_re_free(&n->fresh);
		i18n_re_free(&n->again);
		flow_options_free(n->options, n->noptions);
		flow_options_free(n->windows, n->nwindows);
	}
	free(f->nodes);
	flow_options_free(f->globals, f->nglobals);
	i18n_free(&f->hints);
	free(f);
}

/* --- matching ------------------------------------------------------------ */

/*
 * Latin-1 supplement letters (U+00C0..U+00FF) without their accents: what
 * Spanish speech results carry.  Others are kept as they are.
 */
static const char flow_fold[64] =
    "aaaaaaaceeeeiiiidnooooo ouuuuyts"
    "aaaaaaaceeeeiiiidnooooo ouuuuyty";

char *
flow_normalise(const char *in)
{
	const unsigned char	*s = (const unsigned char *)in;
	char			*out, *o;
	int			 space = 1;
	unsigned int		 cp;

	o = out = xmalloc(strlen(in) + 1);
	while (*s != '\0') {
		char	c = 0;

		if (*s < 0x80) {
			c = (char)tolower(*s);
			s++;
			if (!isalnum((unsigned char)c))
				c = ' ';
		} else if ((*s & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
			cp = ((unsigned int)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
			if (cp >= 0xc0 && cp <= 0xff) {
				c = flow_fold[cp - 0xc0];
				s += 2;
			} else if (cp >= 0xa0 && cp < 0xc0) {
				/* Latin-1 punctuation: ¿ ¡ « » and the like. */
				c = ' ';
				s += 2;
			} else {
				*o++ = (char)s[0];
				*o++ = (char)s[1];
				s += 2;
				space = 0;
				continue;
			}
		} else {
			/* Multi-byte: copy the sequence untouched. */
			*o++ = (char)*s++;
			while ((*s & 0xc0) == 0x80)
				*o++ = (char)*s++;
			space = 0;
			continue;
		}
		if (c == ' ') {
			if (!space)
				*o++ = ' ';
			space = 1;
		} else {
			*o++ = c;
			space = 0;
		}
	}
	while (o > out && o[-1] == ' ')
		o--;
	*o = '\0';
	return (out);
}

static const struct {
	const char	*word;
	char		 digit;
} flow_numbers[] = {
	{ "zero", '0' }, { "oh", '0' }, { "one", '1' }, { "two", '2' },
	{ "three", '3' }, { "four", '4' }, { "five", '5' }, { "six", '6' },
	{ "seven", '7' }, { "eight", '8' }, { "nine", '9' },
	{ "cero", '0' }, { "uno", '1' }, { "una", '1' }, { "dos", '2' },
	{ "tres", '3' }, { "cuatro", '4' }, { "cinco", '5' }, { "seis", '6' },
	{ "siete", '7' }, { "ocho", '8' }, { "nueve", '9' },
};

char *
flow_digits(const char *in)
{
	char	*norm, *tok, *save, *out, *o;
	size_t	 i;

	norm = flow_normalise(in);
	o = out = xmalloc(strlen(norm) + 1);
	for (tok = strtok_r(norm, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		if (strspn(tok, "0123456789") == strlen(tok)) {
			memcpy(o, tok, strlen(tok));
			o += strlen(tok);
			continue;
		}
		for (i = 0; i < sizeof flow_numbers / sizeof flow_numbers[0];
		    i++) {
			if (strcmp(tok, flow_numbers[i].word) == 0) {
				*o++ = flow_numbers[i].digit;
				break;
			}
		}
	}
	*o = '\0';
	free(norm);
	return (out);
}

struct flow_option *
flow_match(const struct config *cfg, struct flow_node *n, const char *digits,
    const char *speech, int lang)
{
	struct flow_option	*o;
	char			*d;
	size_t			 i;

	(void)cfg;
	if (digits != NULL && *digits != '\0')
		return (flow_find_key(n->options, n->noptions, digits));
	if (speech == NULL || *speech == '\0')
		return (NULL);
	if (lang < 0 || lang >= LANG_MAX)
		lang = 0;
	for (i = 0; i < n->noptions; i++) {
		o = &n->options[i];
		if (o->speech.re[lang] != NULL &&
		    re_match(o->speech.re[lang], speech))
			return (o);
	}
	/* "two" or "dos" alone is the key 2. */
	if (strchr(speech, ' ') == NULL) {
		d = flow_digits(speech);
		o = strlen(d) == 1 ? flow_find_key(n->options, n->noptions, d) :
		    NULL;
		free(d);
		return (o);
	}
	return (NULL);
}

/* --- guide items --------------------------------------------------------- */

/* Parts of g that start an item: a prompt (pauses ride with the one before). */
static size_t
flow_part_items(const struct guide *g)
{
	size_t	i, n = 0;

	for (i = 0; i < g->nparts; i++) {
		if (g->parts[i].prompt != NULL || i == 0)
			n++;
	}
	return (n);
}

size_t
flow_guide_items(const struct flow_node *n)
{
	const struct guide	*g = n->guide;
	size_t			 i, c = 0;

	if (g == NULL)
		return (0);
	if (!n->by_part)
		return (g->nguides > 0 ? g->nguides : 1);
	if (g->nguides == 0)
		return (flow_part_items(g));
	for (i = 0; i < g->nguides; i++)
		c += flow_part_items(g->guides[i]);
	return (c);
}

const struct guide *
flow_guide_item(const struct flow_node *n, size_t idx,
    const struct guide_part **parts, size_t *nparts)
{
	const struct guide	*g = n->guide, *sub;
	size_t			 gi, i, k, count;

	*parts = NULL;
	*nparts = 0;
	if (g == NULL)
		return (NULL);
	if (!n->by_part) {
		sub = g->nguides > 0 ? (idx < g->nguides ? g->guides[idx] :
		    NULL) : (idx == 0 ? g : NULL);
		if (sub != NULL) {
			*parts = sub->parts;
			*nparts = sub->nparts;
		}
		return (sub);
	}
	for (gi = 0; gi < (g->nguides > 0 ? g->nguides : 1); gi++) {
		sub = g->nguides > 0 ? g->guides[gi] : g;
		count = flow_part_items(sub);
		if (idx >= count) {
			idx -= count;
			continue;
		}
		/* The idx'th item start in sub. */
		for (i = 0, k = 0; i < sub->nparts; i++) {
			if (sub->parts[i].prompt == NULL && i != 0)
				continue;
			if (k++ == idx)
				break;
		}
		*parts = &sub->parts[i];
		*nparts = 1;
		while (i + *nparts < sub->nparts &&
		    sub->parts[i + *nparts].prompt == NULL)
			(*nparts)++;
		return (sub);
	}
	return (NULL);
}
