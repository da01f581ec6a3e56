/*
 * flowpic.c -- the dashboard's phone tree: GET /staff/flow, the voice menu
 * of the configuration in force drawn by Graphviz.
 *
 * Drawing runs `dot`, which takes a moment, so it is never done on the
 * loop or per request: at start and after each reload (flowpic_update) a
 * detached thread draws the new configuration's graph and leaves the SVG
 * here; requests serve the last one drawn.  A drawing that finishes after
 * a newer configuration arrived is thrown away.  The picture holds only
 * what any caller hears, no caller's data.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "config.h"
#include "flowdot.h"
#include "hotline.h"
#include "http.h"
#include "log.h"
#include "xmalloc.h"

struct flowpic_job {
	char		*dot;
	unsigned	 gen;
};

static pthread_mutex_t	 flowpic_lock = PTHREAD_MUTEX_INITIALIZER;
static char		*flowpic_svg;	/* the last drawing, or NULL */
static size_t		 flowpic_len;
static char		*flowpic_err;	/* why there is none */
static unsigned		 flowpic_gen;	/* configurations seen */

static void *
flowpic_draw(void *arg)
{
	struct flowpic_job	*j = arg;
	char			*svg, *err;
	size_t			 len;

	svg = flowdot_svg(j->dot, &len, &err);
	pthread_mutex_lock(&flowpic_lock);
	if (j->gen == flowpic_gen) {
		free(flowpic_svg);
		free(flowpic_err);
		flowpic_svg = svg;
		flowpic_len = len;
		flowpic_err = err;
		svg = err = NULL;
	}
	pthread_mutex_unlock(&flowpic_lock);
	if (err != NULL)
		log_warn("flow: the phone tree cannot be drawn: %s", err);
	free(svg);
	free(err);
	free(j->dot);
	free(j);
	return (NULL);
}

void
flowpic_update(const struct config *cfg)
{
	struct flowpic_job	*j;
	pthread_attr_t		 attr;
	pthread_t		 t;
	char			*dot;

	if ((dot = flowdot_graph(cfg, 0, NULL)) == NULL)
		return;
	j = xcalloc(1, sizeof *j);
	j->dot = dot;
	pthread_mutex_lock(&flowpic_lock);
	j->gen = ++flowpic_gen;
	pthread_mutex_unlock(&flowpic_lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, flowpic_draw, j) != 0) {
		log_warn("flow: cannot start drawing the phone tree");
		free(j->dot);
		free(j);
	}
	pthread_attr_destroy(&attr);
}

static void
flowpic_cb(struct hreq *r)
{
	static const char	 head[] = "<!doctype html>\n<html lang=\"en\">"
	    "<head><meta charset=\"utf-8\"><title>Phone tree - hotline</title>"
	    "<style>body{font-family:sans-serif;margin:1em}svg{max-width:100%;"
	    "height:auto}</style></head><body><p><a href=\"/staff/\">Back to "
	    "the queue</a></p><h1>Phone tree</h1>\n";
	static const char	 tail[] = "\n</body></html>\n";
	char			*page;
	const char		*svg;
	size_t			 len;
	FILE			*f;

	if ((f = open_memstream(&page, &len)) == NULL) {
		http_error(r, 500, "out of memory");
		return;
	}
	fputs(head, f);
	pthread_mutex_lock(&flowpic_lock);
	if (flowpic_svg != NULL) {
		/* Inline: from <svg on (no XML declaration or doctype). */
		svg = strstr(flowpic_svg, "<svg");
		if (svg == NULL)
			svg = flowpic_svg;
		fwrite(svg, 1, flowpic_len - (size_t)(svg - flowpic_svg), f);
	}
	else if (flowpic_err != NULL)
		fputs("<p>The phone tree cannot be drawn here: Graphviz is not "
		    "installed on the server (package graphviz). "
		    "<code>hotline flow graph</code> writes it as text.</p>", f);
	else
		fputs("<p>The phone tree is being drawn; reload in a "
		    "moment.</p>", f);
	pthread_mutex_unlock(&flowpic_lock);
	fputs(tail, f);
	fclose(f);
	http_add_header(r, "Content-Security-Policy", "default-src 'none'; "
	    "style-src 'unsafe-inline'; img-src 'self'");
	http_add_header(r, "X-Content-Type-Options", "nosniff");
	http_add_header(r, "Cache-Control", "no-store");
	http_reply(r, 200, "text/html; charset=utf-8", page, len);
	free(page);
}

void
flowpic_init(struct hotline *hl)
{
	/* Before the dashboard's own /staff/{} files. */
	http_route(hl->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, "/staff/flow",
	    0, "staff-flow", flowpic_cb);
	flowpic_update(hl->cfg);
}
