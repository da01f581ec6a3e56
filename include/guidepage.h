/*
 * guidepage.h -- a guide as a web page a phone can read: GET /g/<guide>.
 *
 * The text of a guide links here (reply.c).  The page is rendered from the
 * same guides.yaml and prompts the phone menu speaks: each stretch with its
 * steps and hold times and a drawing, the not-a-diagnosis note, when to
 * call 911, and the clinics with how to book.  It needs no login, loads
 * nothing from anyone else, and is one request: the style and the drawings
 * are inline, and a validator (ETag) lets a phone keep it.
 *
 * guides.yaml gives each guide a `summary` (the line texted with the link)
 * and may give it an `illustration` (an <svg> drawing written there); its
 * `page` mapping holds the words around the steps, per language.
 */
#ifndef HOTLINE_GUIDEPAGE_H
#define HOTLINE_GUIDEPAGE_H

#include <stddef.h>

struct cfgctx;
struct config;
struct evbuffer;
struct fy_node;
struct hotline;
struct i18n;

/* guides.yaml's page: words, by name. */
struct guidepage_words {
	char		**names;
	struct i18n	 *texts;
	size_t		  n;
};

/*
 * Read what the page needs from guides.yaml's root (after the guides are
 * loaded): each guide's summary and illustration, and the page words.
 * Problems go to ctx.
 */
void		 guidepage_load(struct cfgctx *, struct fy_node *root);
/* Free what guidepage_load added to cfg. */
void		 guidepage_free(struct config *);

/*
 * The page of guide id in language lang, zip (may be NULL) naming the
 * nearest clinic, into out.  -1 when there is no such guide.
 */
int		 guidepage_render(const struct config *, const char *id,
		     int lang, const char *zip, struct evbuffer *out);

/* Register GET/HEAD /g/{guide}. */
void		 guidepage_init(struct hotline *);

#endif
