/*
 * twiml.h -- writing TwiML (and any other XML we emit).
 *
 * One function escapes every text and attribute (xml_escape); the writer
 * also refuses nesting the provider does not accept (only Say, Play and
 * Pause inside Gather; Number, Client, Sip, Queue inside Dial; Body and
 * Media inside Message; only verbs inside Response), so a document it
 * finishes is always well-formed and valid.
 */
#ifndef HOTLINE_TWIML_H
#define HOTLINE_TWIML_H

#include <stddef.h>

struct evbuffer;
struct twiml;

/* Append s to out with & < > " ' escaped; control characters other than
 * tab, CR and LF are dropped, as is invalid UTF-8. */
void		 xml_escape(struct evbuffer *out, const char *s);

/* A new document with <?xml ...?><Response> already open.  twiml_free frees. */
struct twiml	*twiml_new(void);
void		 twiml_free(struct twiml *);

/*
 * Open element name with attributes given as name, value pairs ending in
 * NULL; a pair whose value is NULL is skipped.  Marks the document invalid
 * (see twiml_finish) if name may not nest in the open element.
 */
void		 twiml_open(struct twiml *, const char *name, ...);
/* Escaped text inside the open element. */
void		 twiml_text(struct twiml *, const char *text);
/* Close the innermost open element. */
void		 twiml_close(struct twiml *);
/* <name attrs...>text</name> in one call (text may be NULL: <name/>). */
void		 twiml_leaf(struct twiml *, const char *name, const char *text,
		     ...);

/*
 * Close everything still open and return the document (owned by the
 * twiml, valid until twiml_free) with its length, or NULL if anything
 * invalid was attempted.
 */
const char	*twiml_finish(struct twiml *, size_t *len);
/* twiml_finish's document, the caller's to free, and t freed; or NULL. */
char		*twiml_take(struct twiml *);

#endif
