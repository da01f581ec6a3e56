/*
 * flowdot.h -- the voice menu drawn as a Graphviz graph: nodes with the
 * first words of their prompts, keys and spoken intents on the arrows,
 * actions, and the open/closed branches of the nodes that connect calls.
 * Used by "hotline flow graph" and the dashboard's phone tree page.
 */
#ifndef HOTLINE_FLOWDOT_H
#define HOTLINE_FLOWDOT_H

#include <stddef.h>

#include <jansson.h>

struct config;

/*
 * The graph in the DOT language, words in language lang; NULL on failure.
 * With rep (report_collect's), the funnel's callers per node and the
 * choices per arrow are written on them.
 */
char	*flowdot_graph(const struct config *, int lang, const json_t *rep);
/*
 * dot rendered to SVG by Graphviz's `dot` (found on PATH); blocks while it
 * runs, so the service calls it off its loop.  NULL with *err set (free
 * it) when dot is missing or fails.
 */
char	*flowdot_svg(const char *dot, size_t *len, char **err);

#endif
