/*
 * segment.h -- how many SMS segments a text costs, and the GSM-7 look-alikes
 * that keep a text in the cheap alphabet.
 *
 * A text made only of GSM 03.38 characters is sent 7 bits a character: 160
 * in one message, 153 a segment once it is split (the other 7 carry the
 * header that puts the parts back together).  The extension table (^ { } \
 * [ ~ ] | and the euro sign) costs an escape plus the character, 2 septets,
 * and the two are never split between segments.  One character outside the
 * alphabet -- an "á", a curly quote, an emoji -- sends the whole text as
 * UCS-2 (UTF-16): 70 code units in one message, 67 a segment, a character
 * beyond the Basic Multilingual Plane taking a surrogate pair (2 units) that
 * is never split either.  A clinic pays per segment.
 */
#ifndef HOTLINE_SEGMENT_H
#define HOTLINE_SEGMENT_H

#include <stddef.h>

#define SEGMENT_GSM7_SINGLE	160	/* septets in a text sent whole */
#define SEGMENT_GSM7_PART	153	/* septets a segment of a split text */
#define SEGMENT_UCS2_SINGLE	70	/* UTF-16 code units, whole */
#define SEGMENT_UCS2_PART	67	/* UTF-16 code units, a segment */

enum segment_encoding {
	SEGMENT_GSM7,
	SEGMENT_UCS2
};

struct segment_count {
	enum segment_encoding	encoding;
	size_t			units;		/* septets or UTF-16 code units */
	size_t			chars;		/* code points */
	size_t			segments;	/* 1 for an empty text */
};

/* Count s (UTF-8) as it would be sent as is: 0, or -1 when not UTF-8. */
int		 segment_count(const char *s, struct segment_count *);
/* 1 when every character of s is in GSM-7 (basic or extension table). */
int		 segment_is_gsm7(const char *s);
/*
 * s with typographic look-alikes (curly quotes, dashes, ellipsis, special
 * spaces, invisible characters...) replaced by GSM-7 characters, when that
 * makes the whole text GSM-7 in no more segments; otherwise s unchanged,
 * since a text that is UCS-2 anyway loses nothing by keeping them.  Always
 * a new string.
 */
char		*segment_fold(const char *s);
/* "GSM-7" or "UCS-2". */
const char	*segment_encoding_name(enum segment_encoding);

/*
 * What the hotline texts back is one message of at most SEGMENT_MAX
 * segments; in a language other than English, whose letters often need
 * UCS-2 ("á", "í", "ó", "ú" are not in GSM-7), SEGMENT_MAX_UCS2 when it is
 * UCS-2.
 */
#define SEGMENT_MAX		3
#define SEGMENT_MAX_UCS2	4

/* The most segments a reply in language lang ("en", "es") may take. */
size_t		 segment_limit(const struct segment_count *, const char *lang);

#endif
