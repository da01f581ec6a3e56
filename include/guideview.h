/*
 * guideview.h -- a guide as a page a phone can read, rendered from the
 * same guides.yaml and prompts the phone menu speaks: each stretch with its
 * steps and hold times and a drawing, the not-a-diagnosis note, when to
 * call 911, and the clinics with how to book.  guidepage.c serves it at
 * GET /g/<guide>; texts link to it (reply.c).
 *
 * guides.yaml gives each guide a `summary` (the line texted with the link)
 * and may give it an `illustration` (an <svg> drawing written there); its
 * `page` mapping holds the words around the steps, per language.
 */
#ifndef HOTLINE_GUIDEVIEW_H
#define HOTLINE_GUIDEVIEW_H

#include <stddef.h>

struct cfgctx;
struct config;
struct evbuffer;
struct fy_node;
struct i18n;

/* guides.yaml's page: words, by name. */
struct guideview_words {
	char		**names;
	struct i18n	 *texts;
	size_t		  n;
};

/*
 * Read what the page needs from guides.yaml's root (after the guides are
 * loaded): each guide's summary and illustration, and the page words.
 * Problems go to ctx.
 */
void		 guideview_load(struct cfgctx *, struct fy_node *root);
/* Free what guideview_load added to cfg. */
void		 guideview_free(struct config *);

/*
 * The page of guide id in language lang, zip (may be NULL) naming the
 * nearest clinic, into out: 0, or -1 when there is no such guide.
 */
int		 guideview_render(const struct config *, const char *id,
		     int lang, const char *zip, struct evbuffer *out);

#endif
