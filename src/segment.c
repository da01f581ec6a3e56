/*
 * segment.c -- SMS segments and GSM-7 look-alikes (see segment.h).
 *
 * Counting follows what the carriers do with a split text: each segment
 * gives up room to the concatenation header (7 septets, or 3 UTF-16 code
 * units), and a character that needs two units -- a GSM-7 escape and its
 * character, a UTF-16 surrogate pair -- goes whole into the next segment
 * rather than being cut in two, so a long text can take one segment more
 * than its length divided by 153 or 67.
 */
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "segment.h"
#include "xmalloc.h"

/* GSM 03.38 default alphabet, as Unicode code points (beyond ASCII). */
static const unsigned int segment_gsm_basic[] = {
	0x00a1, 0x00a3, 0x00a4, 0x00a5, 0x00a7, 0x00bf, 0x00c4, 0x00c5,
	0x00c6, 0x00c7, 0x00c9, 0x00d1, 0x00d6, 0x00d8, 0x00dc, 0x00df,
	0x00e0, 0x00e4, 0x00e5, 0x00e6, 0x00e8, 0x00e9, 0x00ec, 0x00f1,
	0x00f2, 0x00f6, 0x00f8, 0x00f9, 0x00fc, 0x0393, 0x0394, 0x0398,
	0x039b, 0x039e, 0x03a0, 0x03a3, 0x03a6, 0x03a8, 0x03a9
};

/* Septets a code point takes in GSM-7: 1, 2 (extension table), 0 (none). */
static int
segment_gsm_width(unsigned int cp)
{
	size_t	i;

	if (cp == '\n' || cp == '\r')
		return (1);
	if (cp == '\f' || cp == '^' || cp == '{' || cp == '}' || cp == '\\' ||
	    cp == '[' || cp == '~' || cp == ']' || cp == '|' || cp == 0x20ac)
		return (2);
	if (cp >= 0x20 && cp < 0x7f)
		return (cp == '`' ? 0 : 1);
	for (i = 0; i < sizeof segment_gsm_basic / sizeof *segment_gsm_basic;
	    i++) {
		if (segment_gsm_basic[i] == cp)
			return (1);
	}
	return (0);
}

const char *
segment_encoding_name(enum segment_encoding e)
{
	return (e == SEGMENT_GSM7 ? "GSM-7" : "UCS-2");
}

int
segment_count(const char *s, struct segment_count *c)
{
	const unsigned char	*p;
	size_t			 left, n, used, cap, single;
	unsigned int		 cp;
	int			 w;

	memset(c, 0, sizeof *c);
	c->encoding = segment_is_gsm7(s) ? SEGMENT_GSM7 : SEGMENT_UCS2;
	if (c->encoding == SEGMENT_GSM7) {
		single = SEGMENT_GSM7_SINGLE;
		cap = SEGMENT_GSM7_PART;
	} else {
		single = SEGMENT_UCS2_SINGLE;
		cap = SEGMENT_UCS2_PART;
	}

	/* First the total, to know whether the text is split at all. */
	p = (const unsigned char *)s;
	left = strlen(s);
	while (left > 0) {
		if ((n = form_utf8_decode(p, left, &cp)) == 0)
			return (-1);
		if (c->encoding == SEGMENT_GSM7)
			c->units += (size_t)segment_gsm_width(cp);
		else
			c->units += cp > 0xffff ? 2 : 1;
		c->chars++;
		p += n;
		left -= n;
	}
	c->segments = 1;
	if (c->units <= single)
		return (0);

	/* Split: fill each segment, never cutting a two-unit character. */
	p = (const unsigned char *)s;
	left = strlen(s);
	used = 0;
	while (left > 0) {
		n = form_utf8_decode(p, left, &cp);
		if (c->encoding == SEGMENT_GSM7)
			w = segment_gsm_width(cp);
		else
			w = cp > 0xffff ? 2 : 1;
		if (used + (size_t)w > cap) {
			c->segments++;
			used = 0;
		}
		used += (size_t)w;
		p += n;
		left -= n;
	}
	return (0);
}

int
segment_is_gsm7(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 left = strlen(s), n;
	unsigned int		 cp;

	while (left > 0) {
		/*
		 * Every text answered goes through here (segment_fold): plain
		 * ASCII, most of any reply, skips the decoder and the table.
		 */
		if (*p < 0x80) {
			if (!((*p >= 0x20 && *p < 0x7f && *p != '`') ||
			    *p == '\n' || *p == '\r' || *p == '\f'))
				return (0);
			p++;
			left--;
			continue;
		}
		if ((n = form_utf8_decode(p, left, &cp)) == 0 ||
		    segment_gsm_width(cp) == 0)
			return (0);
		p += n;
		left -= n;
	}
	return (1);
}

size_t
segment_limit(const struct segment_count *c, const char *lang)
{
	if (c->encoding == SEGMENT_UCS2 && lang != NULL &&
	    strcmp(lang, "en") != 0)
		return (SEGMENT_MAX_UCS2);
	return (SEGMENT_MAX);
}

/*
 * The GSM-7 stand-in for a typographic character, or NULL when there is
 * none.  "" drops it (invisible characters).  Written for the characters
 * that word processors and phone keyboards put in text people think of as
 * plain: quotes, dashes, ellipsis, spaces, fractions, full-width forms.
 */
static const char *
segment_fold_one(unsigned int cp, char *buf)
{
	switch (cp) {
	case 0x2018: case 0x2019: case 0x201a: case 0x201b: case 0x2032:
	case 0x2035: case 0x2039: case 0x203a: case 0x02b9: case 0x02bc:
	case 0x02c8: case 0x00b4: case 0x0060:
		return ("'");
	case 0x201c: case 0x201d: case 0x201e: case 0x201f: case 0x2033:
	case 0x2036: case 0x00ab: case 0x00bb: case 0x02ba:
		return ("\"");
	case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014:
	case 0x2015: case 0x2212: case 0x2043: case 0x2022: case 0x2027:
	case 0xfe58: case 0xfe63:
		return ("-");
	case 0x2026:
		return ("...");
	case 0x00a0: case 0x2028: case 0x2029: case 0x202f: case 0x205f:
	case 0x3000: case '\t':
		return (" ");
	case 0x00ad: case 0x200b: case 0x200c: case 0x200d: case 0x2060:
	case 0xfeff:
		return ("");
	case 0x00bc:
		return ("1/4");
	case 0x00bd:
		return ("1/2");
	case 0x00be:
		return ("3/4");
	case 0x00d7:
		return ("x");
	case 0x00f7: case 0x2044: case 0x2215:
		return ("/");
	}
	if (cp >= 0x2000 && cp <= 0x200a)
		return (" ");		/* en quad ... hair space */
	if (cp >= 0xff01 && cp <= 0xff5e && cp != 0xff40) {
		/* Full-width ASCII, as some phone keyboards type it. */
		buf[0] = (char)(cp - 0xfee0);
		buf[1] = '\0';
		return (buf);
	}
	return (NULL);
}

char *
segment_fold(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	const char		*rep;
	struct segment_count	 was, now;
	size_t			 left = strlen(s), n;
	unsigned int		 cp;
	char			*out, *o, one[2];

	if (segment_is_gsm7(s))
		return (xstrdup(s));
	/* No stand-in is longer than 3 bytes; none replaces fewer than 1. */
	out = o = xmalloc(left * 3 + 1);
	while (left > 0) {
		if ((n = form_utf8_decode(p, left, &cp)) == 0)
			break;
		if (segment_gsm_width(cp) == 0 &&
		    (rep = segment_fold_one(cp, one)) != NULL) {
			memcpy(o, rep, strlen(rep));
			o += strlen(rep);
		} else {
			memcpy(o, p, n);
			o += n;
		}
		p += n;
		left -= n;
	}
	*o = '\0';
	/*
	 * Only when it is GSM-7 then, and no dearer: "..." is three septets
	 * for the one UCS-2 unit of an ellipsis, so a text made of them could
	 * take more segments folded than not.
	 */
	if (left > 0 || !segment_is_gsm7(out) || segment_count(s, &was) != 0 ||
	    segment_count(out, &now) != 0 || now.segments > was.segments) {
		free(out);
		return (xstrdup(s));
	}
	return (out);
}
