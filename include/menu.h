/*
 * menu.h -- the menus that list the locations, generated from
 * locations.yaml when flow.yaml is loaded, so that adding or removing a
 * location is one edit there.
 *
 * In flow.yaml and the prompts:
 *   key: auto            (an option, or any_location_key) the lowest digit
 *                        1-9 the node's locations and options leave free:
 *                        with four locations the ZIP choice is 5, with
 *                        five it is 6
 *   {locations}          in a prompt: prompts/<lang>/location_choice.txt
 *                        ("For {name}, press {key}.") said for every
 *                        location in file order ({locations:ID} uses the
 *                        prompt ID instead)
 *   {key:INTENT}         in a prompt: the key of the node's option with
 *                        that intent ({key:any}: a callback node's
 *                        any_location_key)
 *   {names}              in a prompt or hints: the locations' names
 *   {locations}          in a speech pattern: any location's own pattern
 *
 * Voice sees the finished graph: prompts hold the words with the
 * locations filled in (the template is kept in prompt->tmpl).
 */
#ifndef HOTLINE_MENU_H
#define HOTLINE_MENU_H

#include <stddef.h>

struct cfgctx;
struct flow;
struct flow_node;
struct flow_option;
struct fy_node;
struct i18n;
struct i18n_re;

/* 1 when k is "auto" (numbered by menu_number). */
int	menu_key_auto(const char *k);
/* cfg_i18n_re, with {locations} replaced by every location's pattern. */
int	menu_speech(struct cfgctx *, struct fy_node *map, const char *key,
	    struct i18n_re *out);
/* {names} in t replaced by the locations' names, per language. */
void	menu_hints(struct cfgctx *, struct i18n *t);
/* Give n's "auto" keys the lowest free digits (globals count as taken). */
void	menu_number(struct cfgctx *, struct flow_node *n,
	    const struct flow_option *globals, size_t nglobals);
/*
 * Fill in the templates of every prompt a node uses, then check that each
 * location can be reached from a clinics menu and is named in every
 * prompt that lists locations.  Problems go to ctx.
 */
void	menu_generate(struct cfgctx *, struct flow *);

#endif
