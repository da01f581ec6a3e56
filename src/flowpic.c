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
 *
 * The numbers (how many callers reached each node and hung up there over a
 * period) are the report's funnel, for staff only: the page's script
 * (web/staff/flow.js) asks GET /api/v1/flow/funnel with the staff
 * member's session and writes them on the drawing and in a table beside.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "config.h"
#include "flow.h"
#include "flowdot.h"
#include "hotline.h"
#include "http.h"
#include "log.h"
#include "report.h"
#include "staff_api.h"
#include "util.h"
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
	    "<head><meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">"
	    "<title>Phone tree - hotline</title>"
	    "<script src=\"/staff/flow.js\" defer></script>"
	    "<style>body{font-family:sans-serif;margin:1em}"
	    ".flow>figure{margin:0 0 1em;overflow:auto;max-height:80vh;"
	    "border:1px solid #c8ccd2}.flow>section{max-width:40em}"
	    "table{border-collapse:collapse;width:100%}th,td{text-align:left;"
	    "padding:4px 8px;border-bottom:1px solid #c8ccd2}td.n{text-align:"
	    "right}form p{display:flex;flex-wrap:wrap;gap:.5em;align-items:"
	    "end}label{display:block;font-weight:600}input,button{font:inherit;"
	    "min-height:44px}.funnel-count{font-size:11px;fill:#a4001d;"
	    "paint-order:stroke;stroke:#fff;stroke-width:3px;"
	    "font-weight:700}</style></head><body><p><a href=\"/staff/\">Back "
	    "to the queue</a></p><h1>Phone tree</h1>\n"
	    "<div class=\"flow\"><figure tabindex=\"0\" aria-label=\"The voice menu (scrolls)\">";
	static const char	 tail[] = "</figure>\n"
	    "<section id=\"funnel\" aria-labelledby=\"funnel-title\">"
	    "<h2 id=\"funnel-title\">Callers per step</h2>"
	    "<form id=\"period\" method=\"get\" action=\"/staff/flow\"><p>"
	    "<span><label for=\"p-from\">From</label><input id=\"p-from\" "
	    "name=\"from\" type=\"date\"></span><span><label for=\"p-to\">"
	    "Until</label><input id=\"p-to\" name=\"to\" type=\"date\">"
	    "</span><button type=\"submit\">Show</button></p></form>"
	    "<p id=\"funnel-status\" role=\"status\">The numbers need the "
	    "page's script and a staff log-in.</p>"
	    "<table id=\"funnel-table\" hidden><caption id=\"funnel-caption\">"
	    "</caption><thead><tr><th scope=\"col\">Step</th>"
	    "<th scope=\"col\">Callers who reached it</th>"
	    "<th scope=\"col\">Hung up there</th>"
	    "<th scope=\"col\">Share of calls</th></tr></thead>"
	    "<tbody id=\"funnel-rows\"></tbody></table></section></div>"
	    "\n</body></html>\n";
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
	    "script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; "
	    "img-src 'self'; form-action 'self'; base-uri 'none'; "
	    "frame-ancestors 'none'");
	http_add_header(r, "X-Content-Type-Options", "nosniff");
	http_add_header(r, "Cache-Control", "no-store");
	http_reply(r, 200, "text/html; charset=utf-8", page, len);
	free(page);
}

/*
 * The funnel over the period the request named, for any staff member;
 * every node of the menu in force is there, those nobody reached with 0
 * (after the others), so the page can number each node it drew.
 */
static int
flowpic_funnel_fn(struct db *db, struct api_req *a)
{
	const struct flow	*fl = a->cfg->flow;
	const char		*tz = report_zone(a->cfg), *id;
	json_t			*nodes, *n;
	char			 d[32];
	size_t			 i, k;

	if ((a->out = report_funnel(db, tz, a->since, a->until)) == NULL)
		return (-1);
	nodes = json_object_get(a->out, "nodes");
	for (i = 0; fl != NULL && i < fl->nnodes; i++) {
		json_array_foreach(nodes, k, n) {
			id = json_string_value(json_object_get(n, "node"));
			if (id != NULL && strcmp(id, fl->nodes[i].id) == 0)
				break;
		}
		if (k == json_array_size(nodes))
			json_array_append_new(nodes, json_pack("{s:s, s:i, s:i, "
			    "s:i, s:f}", "node", fl->nodes[i].id, "visits", 0,
			    "callers", 0, "hung_up_here", 0, "reach_pct", 0.0));
	}
	report_date(tz, a->since, d, sizeof d);
	json_object_set_new(a->out, "from", a->since > 0 ? json_string(d) :
	    json_null());
	/* The last day counted: the one before the end. */
	report_date(tz, (a->until > 0 ? a->until : a->now) - 1, d, sizeof d);
	json_object_set_new(a->out, "to", json_string(d));
	return (0);
}

/*
 * GET /api/v1/flow/funnel?from=YYYY-MM-DD&to=YYYY-MM-DD: the calls that
 * started from the first local day through the last (the clinic's days);
 * from defaults to 30 days back ("all": every call), to to today.
 */
static void
flowpic_funnel_cb(struct hreq *r)
{
	struct api_req	*a = api_new(r, flowpic_funnel_fn);
	const char	*tz = report_zone(r->cfg), *v;

	a->since = report_default_since(tz, a->now);
	if ((v = form_get(&r->args, "from")) != NULL && *v != '\0' &&
	    report_since(tz, v, &a->since) != 0) {
		api_refuse(a, 400, "from is a date, YYYY-MM-DD, or all");
		return;
	}
	if ((v = form_get(&r->args, "to")) != NULL && *v != '\0' &&
	    report_until(tz, v, &a->until) != 0) {
		api_refuse(a, 400, "to is a date, YYYY-MM-DD");
		return;
	}
	if (a->until > 0 && a->until <= a->since) {
		api_refuse(a, 400, "from is after to");
		return;
	}
	api_submit(a, 0);
}

void
flowpic_init(struct hotline *hl)
{
	/* Before the dashboard's own /staff/{} files. */
	http_route(hl->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, "/staff/flow",
	    0, "staff-flow", flowpic_cb);
	http_route(hl->http, EVHTTP_REQ_GET, "/api/v1/flow/funnel", 0,
	    "api-flow-funnel", flowpic_funnel_cb);
	flowpic_update(hl->cfg);
}
