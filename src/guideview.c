/*
 * guideview.c -- a guide as a page for a phone: the words and drawings
 * guides.yaml adds for it, and the page itself (see guideview.h).
 *
 * The page is built from the configuration alone: the same guides and
 * prompts the phone menu speaks, a few kilobytes of text, nothing read
 * from the disk or the store.  Nothing on it changes with the hour (weekly
 * hours, not "open now"), so a copy a phone keeps is never untrue.
 *
 * Everything from the configuration is escaped (xml_escape) except the
 * drawings, which the loader accepts only as plain SVG (no scripts, event
 * handlers, links or foreign objects).  guidepage.c serves it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <libfyaml.h>

#include "config.h"
#include "guideview.h"
#include "keyword.h"
#include "location.h"
#include "reply.h"
#include "twiml.h"
#include "xmalloc.h"

/* A drawing is a few lines; anything this big is not one. */
#define GUIDEVIEW_SVG_MAX	(32 * 1024)

/* The words the page needs from guides.yaml's page mapping. */
static const char *guideview_required[] = { "brand", "language_name",
	"emergency", "disclaimer", "hold", "drawing", "clinics", "book",
	"zip_label", "zip_button", "nearest", "zip_unknown", "days",
	"closed", "holidays", "call", NULL };

/* --- loading ---------------------------------------------------------------- */

/*
 * A drawing the page can inline: an <svg> element and nothing that runs
 * or reaches out.  0, or -1 with *why set.
 */
static int
guideview_svg_ok(const char *s, const char **why)
{
	const char	*p;
	static const char *never[] = { "<script", "javascript:",
		"<foreignobject", "href", "<iframe", "<object", "<embed",
		"url(", "@import", "<!entity", NULL };
	size_t		 i;

	while (isspace((unsigned char)*s))
		s++;
	if (strncmp(s, "<svg", 4) != 0) {
		*why = "does not begin with <svg";
		return (-1);
	}
	for (i = 0; never[i] != NULL; i++) {
		if (strcasestr(s, never[i]) != NULL) {
			*why = "holds a script, link or outside reference";
			return (-1);
		}
	}
	/* Event handler attributes: on...= after a space. */
	for (p = s; (p = strcasestr(p, "on")) != NULL; p += 2) {
		const char	*e = p + 2;

		if (p == s || !isspace((unsigned char)p[-1]))
			continue;
		while (isalpha((unsigned char)*e))
			e++;
		while (isspace((unsigned char)*e))
			e++;
		if (e > p + 2 && *e == '=') {
			*why = "holds an event handler attribute";
			return (-1);
		}
	}
	return (0);
}

static void
guideview_load_guide(struct cfgctx *ctx, struct fy_node *key,
    struct fy_node *v)
{
	struct config	*cfg = ctx->cfg;
	struct guide	*g;
	struct fy_node	*sum;
	const char	*id = fy_node_get_scalar0(key), *svg, *why;
	size_t		 l;

	if (id == NULL || (g = config_guide(cfg, id)) == NULL ||
	    !fy_node_is_mapping(v))
		return;		/* the guides loader said why */
	g->line = cfg_line(key);
	if ((sum = cfg_get(v, "summary")) != NULL) {
		cfg_i18n(ctx, v, "summary", &g->summary, 0);
		for (l = 0; l < cfg->nlangs; l++) {
			g->summary_line[l] = fy_node_is_mapping(sum) &&
			    cfg_get(sum, cfg->langs[l]) != NULL ?
			    cfg_line(cfg_get(sum, cfg->langs[l])) :
			    cfg_line(sum);
		}
	}
	if ((svg = cfg_str(ctx, v, "illustration", 0)) == NULL)
		return;
	if (strlen(svg) > GUIDEVIEW_SVG_MAX)
		cfg_error(ctx, cfg_get(v, "illustration"), "guide '%s': the "
		    "illustration is over %d bytes", id, GUIDEVIEW_SVG_MAX);
	else if (guideview_svg_ok(svg, &why) != 0)
		cfg_error(ctx, cfg_get(v, "illustration"), "guide '%s': the "
		    "illustration %s", id, why);
	else
		g->illustration = xstrdup(svg);
}

void
guideview_load(struct cfgctx *ctx, struct fy_node *root)
{
	struct config		*cfg = ctx->cfg;
	struct guideview_words	*w;
	struct fy_node		*gs, *pm;
	struct fy_node_pair	*p;
	void			*it = NULL;
	const char		*name;
	size_t			 i, j;

	free(cfg->guides_file);
	cfg->guides_file = xstrdup(ctx->file);
	if ((gs = cfg_get(root, "guides")) != NULL && fy_node_is_mapping(gs)) {
		while ((p = fy_node_mapping_iterate(gs, &it)) != NULL)
			guideview_load_guide(ctx, fy_node_pair_key(p),
			    fy_node_pair_value(p));
	}

	w = cfg->page = xcalloc(1, sizeof *cfg->page);
	if ((pm = cfg_get(root, "page")) == NULL || !fy_node_is_mapping(pm)) {
		cfg_error(ctx, root, "missing 'page': the words of the guides' "
		    "web pages");
		return;
	}
	it = NULL;
	while ((p = fy_node_mapping_iterate(pm, &it)) != NULL) {
		if ((name = fy_node_get_scalar0(fy_node_pair_key(p))) == NULL)
			continue;
		w->names = xreallocarray(w->names, w->n + 1, sizeof *w->names);
		w->texts = xreallocarray(w->texts, w->n + 1, sizeof *w->texts);
		w->names[w->n] = xstrdup(name);
		memset(&w->texts[w->n], 0, sizeof w->texts[w->n]);
		cfg_i18n(ctx, pm, name, &w->texts[w->n], 1);
		w->n++;
	}
	for (i = 0; guideview_required[i] != NULL; i++) {
		for (j = 0; j < w->n; j++) {
			if (strcmp(w->names[j], guideview_required[i]) == 0)
				break;
		}
		if (j == w->n)
			cfg_error(ctx, pm, "page: missing '%s'",
			    guideview_required[i]);
	}
}

void
guideview_free(struct config *cfg)
{
	struct guideview_words	*w = cfg->page;
	size_t			 i;

	for (i = 0; i < cfg->nguides; i++) {
		i18n_free(&cfg->guides[i].summary);
		free(cfg->guides[i].illustration);
	}
	free(cfg->guides_file);
	if (w == NULL)
		return;
	for (i = 0; i < w->n; i++) {
		free(w->names[i]);
		i18n_free(&w->texts[i]);
	}
	free(w->names);
	free(w->texts);
	free(w);
	cfg->page = NULL;
}

/* --- rendering -------------------------------------------------------------- */

static const char *
guideview_word(const struct config *cfg, const char *name, int lang)
{
	size_t	i;

	for (i = 0; cfg->page != NULL && i < cfg->page->n; i++) {
		if (strcmp(cfg->page->names[i], name) == 0)
			return (i18n_get(&cfg->page->texts[i], lang));
	}
	return ("");
}

/* Escaped text; NULL as nothing. */
static void
guideview_text(struct evbuffer *b, const char *s)
{
	if (s != NULL)
		xml_escape(b, s);
}

/* A page word with {placeholders} filled, escaped. */
static void
guideview_fill(struct evbuffer *b, const struct config *cfg, const char *name,
    int lang, const char *const *vars)
{
	char	*s;

	s = keyword_fill(guideview_word(cfg, name, lang), vars);
	xml_escape(b, s);
	free(s);
}

static const char guideview_css[] =
	":root{color-scheme:light dark;--ink:#1a1a1a;--bg:#fff;--soft:#f1f4f8;"
	"--line:#c9d2dc;--accent:#0b5cad;--alert:#a4161a}"
	"@media(prefers-color-scheme:dark){:root{--ink:#eee;--bg:#111;"
	"--soft:#1e242b;--line:#3a4450;--accent:#7db7ff;--alert:#ff8a8a}}"
	"*{box-sizing:border-box}"
	"html{-webkit-text-size-adjust:100%;text-size-adjust:100%}"
	"body{margin:0;font:1.25rem/1.5 system-ui,-apple-system,"
	"'Segoe UI',Roboto,sans-serif;color:var(--ink);background:var(--bg);"
	"overflow-wrap:anywhere}"
	"header,main,footer{max-width:40rem;margin:0 auto;padding:0 1rem}"
	"header{padding-top:1rem}"
	".brand{margin:0;font-size:1rem;font-weight:600;color:var(--accent)}"
	"h1{font-size:1.75rem;line-height:1.2;margin:.25rem 0 .5rem}"
	"h2{font-size:1.5rem;line-height:1.25;margin:2rem 0 .5rem}"
	"h3{font-size:1.25rem;margin:0}"
	".lang a,a{color:var(--accent)}"
	".lang{margin:.5rem 0}"
	".urgent{border:3px solid var(--alert);border-radius:.5rem;"
	"padding:.75rem 1rem;margin:1rem 0}"
	".urgent{font-weight:600}"
	".note{background:var(--soft);border-radius:.5rem;padding:.75rem 1rem}"
	".pic{margin:0 0 .5rem;color:var(--accent)}"
	".pic svg{display:block;width:100%;max-width:22rem;height:auto}"
	".steps{padding-left:1.75rem}.steps li{margin:.75rem 0}"
	".hold{display:inline-block;margin-top:.25rem;padding:.1rem .6rem;"
	"border-radius:1rem;background:var(--soft);border:1px solid var(--line);"
	"font-weight:600;white-space:nowrap}"
	".hold svg{vertical-align:-3px}"
	".clinics ul{list-style:none;padding:0}"
	".clinics li{border-top:1px solid var(--line);padding:.75rem 0}"
	".clinics li.near{border:2px solid var(--accent);border-radius:.5rem;"
	"padding:.75rem}"
	".clinics p{margin:.25rem 0}"
	"form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}"
	"label{display:flex;flex-direction:column;font-size:1rem}"
	"input,button{font:inherit;padding:.4rem .6rem;border-radius:.4rem;"
	"border:1px solid var(--line)}"
	"input{width:7em;background:var(--bg);color:var(--ink)}"
	"button{background:var(--accent);color:var(--bg);border-color:"
	"var(--accent)}"
	"footer{padding-bottom:2rem;font-size:1rem}";

/* A stopwatch before a hold time: a font may have no such character. */
static const char guideview_timer[] =
	"<svg viewBox=\"0 0 24 24\" width=\"20\" height=\"20\" "
	"aria-hidden=\"true\" fill=\"none\" stroke=\"currentColor\" "
	"stroke-width=\"2.5\" stroke-linecap=\"round\"><circle cx=\"12\" "
	"cy=\"13\" r=\"8\"/><path d=\"M12 13V9M10 2h4M12 2v3\"/></svg> ";

/* The prompt's words in lang (else the first language). */
static const char *
guideview_prompt(const struct prompt *p, int lang)
{
	return (p->text[lang] != NULL ? p->text[lang] : p->text[0]);
}

/* 1 when p opens more than one guide (the stretches' safety note). */
static int
guideview_shared(const struct config *cfg, const struct prompt *p)
{
	size_t	i, n = 0;

	for (i = 0; i < cfg->nguides; i++) {
		if (cfg->guides[i].nparts > 0 &&
		    cfg->guides[i].parts[0].prompt == p)
			n++;
	}
	return (n > 1);
}

/* One guide's drawing and steps; a pause after a step is its hold. */
static void
guideview_steps(struct evbuffer *b, const struct config *cfg,
    const struct guide *g, int lang, int heading)
{
	const struct prompt	*p;
	char			 secs[16];
	size_t			 i;
	int			 open = 0;

	evbuffer_add_printf(b, "<section class=\"stretch\" id=\"");
	guideview_text(b, g->id);
	evbuffer_add_printf(b, "\">");
	if (heading) {
		evbuffer_add_printf(b, "<h2>");
		guideview_text(b, i18n_get(&g->title, lang));
		evbuffer_add_printf(b, "</h2>");
	}
	if (g->illustration != NULL) {
		const char	*vars[] = { "title", i18n_get(&g->title, lang),
				    NULL };

		evbuffer_add_printf(b, "<figure class=\"pic\" role=\"img\" "
		    "aria-label=\"");
		guideview_fill(b, cfg, "drawing", lang, vars);
		evbuffer_add_printf(b, "\">%s</figure>", g->illustration);
	}
	evbuffer_add_printf(b, "<ol class=\"steps\">");
	for (i = 0; i < g->nparts; i++) {
		if ((p = g->parts[i].prompt) == NULL) {
			if (!open)
				continue;
			snprintf(secs, sizeof secs, "%d", g->parts[i].pause);
			{
				const char	*vars[] = { "seconds", secs,
						    NULL };

				evbuffer_add_printf(b, "<br><span "
				    "class=\"hold\">%s", guideview_timer);
				guideview_fill(b, cfg, "hold", lang, vars);
				evbuffer_add_printf(b, "</span>");
			}
			continue;
		}
		if (i == 0 && guideview_shared(cfg, p))
			continue;	/* said once, above */
		if (open)
			evbuffer_add_printf(b, "</li>");
		evbuffer_add_printf(b, "<li>");
		guideview_text(b, guideview_prompt(p, lang));
		open = 1;
	}
	if (open)
		evbuffer_add_printf(b, "</li>");
	evbuffer_add_printf(b, "</ol></section>");
}

/* "Mon-Thu 8 AM-5 PM" lines, Monday first, days of the same hours together. */
static void
guideview_week(struct evbuffer *b, const struct config *cfg,
    const struct location *l, int lang)
{
	const struct hours_span	*h, *n;
	char			*days, *day[7], *save = NULL, *tok, a[32], c[32];
	int			 i, k, es = strcmp(cfg->langs[lang], "es") == 0;
	int			 order[8] = { 1, 2, 3, 4, 5, 6, 0, -1 };

	days = xstrdup(guideview_word(cfg, "days", lang));
	for (i = 0, tok = strtok_r(days, " ,", &save); i < 7;
	    i++, tok = strtok_r(NULL, " ,", &save))
		day[i] = tok != NULL ? tok : "";
	evbuffer_add_printf(b, "<p class=\"hours\">");
	for (i = 0; i < 7; i = k) {
		h = &l->hours[order[i]];
		for (k = i + 1; k < 7; k++) {
			n = &l->hours[order[k]];
			if (n->open != h->open || n->close != h->close)
				break;
		}
		if (i > 0)
			evbuffer_add_printf(b, "<br>");
		guideview_text(b, day[order[i]]);
		if (k - 1 > i) {
			evbuffer_add_printf(b, "&#8211;");
			guideview_text(b, day[order[k - 1]]);
		}
		evbuffer_add_printf(b, " ");
		if (h->open < 0)
			guideview_text(b, guideview_word(cfg, "closed", lang));
		else {
			location_clock(h->open, es, a, sizeof a);
			location_clock(h->close, es, c, sizeof c);
			guideview_text(b, a);
			evbuffer_add_printf(b, "&#8211;");
			guideview_text(b, c);
		}
	}
	evbuffer_add_printf(b, "</p>");
	free(days);
}

static void
guideview_clinic(struct evbuffer *b, const struct config *cfg,
    const struct location *l, int lang, int near)
{
	char	phone[32];

	reply_phone_words(l->phone, phone, sizeof phone);
	evbuffer_add_printf(b, "<li%s><h3>", near ? " class=\"near\"" : "");
	guideview_text(b, i18n_get(&l->name, lang));
	evbuffer_add_printf(b, "</h3><p>");
	guideview_text(b, l->address);
	evbuffer_add_printf(b, "</p><p>");
	guideview_text(b, guideview_word(cfg, "call", lang));
	evbuffer_add_printf(b, " <a href=\"tel:");
	guideview_text(b, l->phone);
	evbuffer_add_printf(b, "\">");
	guideview_text(b, phone);
	evbuffer_add_printf(b, "</a></p>");
	guideview_week(b, cfg, l, lang);
	evbuffer_add_printf(b, "</li>");
}

/* The clinics, the nearest to zip first when it is known. */
static void
guideview_clinics(struct evbuffer *b, const struct config *cfg,
    const struct guide *g, int lang, const char *zip)
{
	const struct location	*near = NULL;
	char			 miles[32];
	double			 d = 0;
	size_t			 i;

	evbuffer_add_printf(b, "<section class=\"clinics\" id=\"clinics\">"
	    "<h2>");
	guideview_text(b, guideview_word(cfg, "clinics", lang));
	evbuffer_add_printf(b, "</h2><p>");
	guideview_text(b, guideview_word(cfg, "book", lang));
	evbuffer_add_printf(b, "</p><form method=\"get\" action=\"/g/");
	guideview_text(b, g->id);
	evbuffer_add_printf(b, "#clinics\">");
	if (lang > 0) {
		evbuffer_add_printf(b, "<input type=\"hidden\" name=\"lang\" "
		    "value=\"");
		guideview_text(b, cfg->langs[lang]);
		evbuffer_add_printf(b, "\">");
	}
	evbuffer_add_printf(b, "<label>");
	guideview_text(b, guideview_word(cfg, "zip_label", lang));
	evbuffer_add_printf(b, " <input name=\"zip\" inputmode=\"numeric\" "
	    "autocomplete=\"postal-code\" pattern=\"[0-9]{5}\" maxlength=\"5\" "
	    "value=\"");
	guideview_text(b, zip);
	evbuffer_add_printf(b, "\"></label><button type=\"submit\">");
	guideview_text(b, guideview_word(cfg, "zip_button", lang));
	evbuffer_add_printf(b, "</button></form>");
	if (zip != NULL) {
		const char	*vars[] = { "zip", zip, "miles", miles, "name",
				    NULL, NULL };

		if ((near = location_nearest_zip(cfg, zip, &d)) != NULL) {
			snprintf(miles, sizeof miles, d < 10 ? "%.1f" : "%.0f",
			    d);
			vars[5] = i18n_get(&near->name, lang);
			evbuffer_add_printf(b, "<p class=\"nearest\">");
			guideview_fill(b, cfg, "nearest", lang, vars);
		} else {
			evbuffer_add_printf(b, "<p class=\"nearest\">");
			guideview_fill(b, cfg, "zip_unknown", lang, vars);
		}
		evbuffer_add_printf(b, "</p>");
	}
	evbuffer_add_printf(b, "<ul>");
	if (near != NULL)
		guideview_clinic(b, cfg, near, lang, 1);
	for (i = 0; i < cfg->nlocations; i++) {
		if (&cfg->locations[i] != near)
			guideview_clinic(b, cfg, &cfg->locations[i], lang, 0);
	}
	evbuffer_add_printf(b, "</ul><p>");
	guideview_text(b, guideview_word(cfg, "holidays", lang));
	evbuffer_add_printf(b, "</p></section>");
}

int
guideview_render(const struct config *cfg, const char *id, int lang,
    const char *zip, struct evbuffer *b)
{
	const struct guide	*g;
	const struct prompt	*common = NULL;
	const char		*summary;
	size_t			 i, l;

	if ((g = config_guide(cfg, id)) == NULL)
		return (-1);
	if (lang < 0 || (size_t)lang >= cfg->nlangs)
		lang = 0;
	evbuffer_add_printf(b, "<!DOCTYPE html>\n<html lang=\"");
	guideview_text(b, cfg->langs[lang]);
	evbuffer_add_printf(b, "\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\"><meta name=\"referrer\" content=\"no-referrer\">"
	    "<title>");
	guideview_text(b, i18n_get(&g->title, lang));
	evbuffer_add_printf(b, " &#8211; ");
	guideview_text(b, guideview_word(cfg, "brand", lang));
	evbuffer_add_printf(b, "</title><style>%s</style></head><body>"
	    "<header><p class=\"brand\">", guideview_css);
	guideview_text(b, guideview_word(cfg, "brand", lang));
	evbuffer_add_printf(b, "</p><h1>");
	guideview_text(b, i18n_get(&g->title, lang));
	evbuffer_add_printf(b, "</h1>");
	if ((summary = i18n_get(&g->summary, lang)) != NULL) {
		evbuffer_add_printf(b, "<p class=\"summary\">");
		guideview_text(b, summary);
		evbuffer_add_printf(b, "</p>");
	}
	/* The same page in the other languages, each named in its own. */
	for (l = 0; l < cfg->nlangs; l++) {
		if ((int)l == lang)
			continue;
		evbuffer_add_printf(b, "<p class=\"lang\"><a lang=\"%s\" "
		    "hreflang=\"%s\" href=\"/g/", cfg->langs[l], cfg->langs[l]);
		guideview_text(b, g->id);
		evbuffer_add_printf(b, "?lang=%s\">", cfg->langs[l]);
		guideview_text(b, guideview_word(cfg, "language_name", (int)l));
		evbuffer_add_printf(b, "</a></p>");
	}
	evbuffer_add_printf(b, "</header><main><p class=\"urgent\" "
	    "role=\"note\">");
	guideview_text(b, guideview_word(cfg, "emergency", lang));
	evbuffer_add_printf(b, "</p>");

	/* A note every stretch opens with is said once, at the top. */
	if (g->nguides > 0 && g->guides[0]->nparts > 0)
		common = g->guides[0]->parts[0].prompt;
	else if (g->nparts > 0)
		common = g->parts[0].prompt;
	if (common != NULL && guideview_shared(cfg, common)) {
		evbuffer_add_printf(b, "<p class=\"note\">");
		guideview_text(b, guideview_prompt(common, lang));
		evbuffer_add_printf(b, "</p>");
	}
	if (g->nguides > 0) {
		for (i = 0; i < g->nguides; i++)
			guideview_steps(b, cfg, g->guides[i], lang, 1);
	} else
		guideview_steps(b, cfg, g, lang, 0);
	guideview_clinics(b, cfg, g, lang, zip);
	evbuffer_add_printf(b, "</main><footer><p>");
	guideview_text(b, guideview_word(cfg, "disclaimer", lang));
	evbuffer_add_printf(b, "</p></footer></body></html>\n");
	return (0);
}
