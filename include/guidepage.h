/*
 * guidepage.h -- GET /g/<guide> (?lang=, Accept-Language, ?zip=): a guide
 * as a page a phone can read (guideview.h renders it).  No login, one
 * request (style and drawings inline), nothing from anyone else, an ETag
 * so a phone keeps it, 404 for a guide that does not exist.
 */
#ifndef HOTLINE_GUIDEPAGE_H
#define HOTLINE_GUIDEPAGE_H

struct hotline;

/* Register GET/HEAD /g/{guide}. */
void		 guidepage_init(struct hotline *);

#endif
