/*
 * fuzz_keyword.c -- libFuzzer harness for the keyword and intent matcher:
 * an SMS body, or a caller's spoken answer, to a decision, against the
 * shipped configuration.
 *
 * The first byte picks the language of the number (or the call); the rest
 * is the text, as the provider would post it.  The SMS side is taken as
 * sms.c decides: normalise, compliance words, red flags, content keywords,
 * the nearest clinic for a ZIP, the reply filled in and packed into
 * messages.  The voice side: normalise the speech, red flags, every menu's
 * options, the clinics by name, spoken digits.  Besides memory errors:
 *   - STOP wins in whatever words: wrapping the text in punctuation or
 *     emoji, upper-casing it or spacing out its letters never changes
 *     which compliance word (if any) it is, nor whether it is a red flag;
 *   - both normalisations are idempotent, keep UTF-8 valid and never
 *     grow the text; the SMS one leaves no double, leading or trailing
 *     space;
 *   - a menu only ever answers with one of its own options; spoken digits
 *     are digits;
 *   - packed messages fit their limit and never cut a character;
 *   - a text's segments are counted, and folding its look-alikes into
 *     GSM-7 never makes it dearer.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "flow.h"
#include "form.h"
#include "fuzz.h"
#include "keyword.h"
#include "location.h"
#include "segment.h"
#include "xmalloc.h"

/* What sms.c and voice.c accept from the provider. */
#define FK_BODY_MAX	1600
#define FK_SPEECH_MAX	512

static int
fk_red_flag(const struct config *cfg, const char *norm)
{
	size_t	i;
	int	flags = 0;

	for (i = 0; i < cfg->nlangs; i++) {
		if (cfg->red_flags.re[i] != NULL &&
		    re_match(cfg->red_flags.re[i], norm))
			flags |= 1 << i;
	}
	return (flags);
}

static char *
fk_squeeze(const char *s)
{
	char	*out = xstrdup(s), *w = out;

	for (; *s != '\0'; s++) {
		if (*s != ' ')
			*w++ = *s;
	}
	*w = '\0';
	return (out);
}

/* The text with a space between every character (bad bytes one by one). */
static char *
fk_spaced(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 left = strlen(s), n;
	unsigned int		 cp;
	char			*out, *o;

	o = out = xmalloc(2 * left + 1);
	while (left > 0) {
		if ((n = form_utf8_decode(p, left, &cp)) == 0)
			n = 1;
		memcpy(o, p, n);
		o += n;
		*o++ = ' ';
		p += n;
		left -= n;
	}
	*o = '\0';
	return (out);
}

static char *
fk_upper(const char *s)
{
	char	*out = xstrdup(s), *p;

	for (p = out; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x80)
			*p = (char)toupper((unsigned char)*p);
	}
	return (out);
}

static void
fk_check_norm(const char *in, const char *norm, int sms)
{
	char	*again;

	if (strlen(norm) > strlen(in))
		abort();
	if (fuzz_utf8(in) && !fuzz_utf8(norm))
		abort();
	again = sms ? keyword_normalise(norm) : flow_normalise(norm);
	if (strcmp(again, norm) != 0)
		abort();
	free(again);
	if (sms && (norm[0] == ' ' || strstr(norm, "  ") != NULL ||
	    (*norm != '\0' && norm[strlen(norm) - 1] == ' ')))
		abort();
}

/* The same decision for text and variant (compliance word and red flag). */
static void
fk_same(const struct config *cfg, const char *norm, const char *variant,
    int squeeze)
{
	char	*vn, *a, *b;
	int	 es1, es2;

	vn = keyword_normalise(variant);
	if (squeeze) {
		a = fk_squeeze(norm);
		b = fk_squeeze(vn);
		if (strcmp(a, b) != 0)
			abort();
		free(a);
		free(b);
	} else if (strcmp(norm, vn) != 0)
		abort();
	if (keyword_compliance(cfg->sms, norm, &es1) !=
	    keyword_compliance(cfg->sms, vn, &es2) || es1 != es2)
		abort();
	if (!squeeze && fk_red_flag(cfg, norm) != fk_red_flag(cfg, vn))
		abort();
	free(vn);
}

static void
fk_pack(const char *body, size_t max)
{
	const char	*paras[8];
	char		*copy, *p, **v;
	size_t		 n = 0, i;

	copy = xstrdup(body);
	for (p = copy; p != NULL && n < 8; ) {
		paras[n++] = p;
		if ((p = strchr(p, '\n')) != NULL)
			*p++ = '\0';
	}
	v = keyword_pack(paras, n, max, NULL);
	for (i = 0; v[i] != NULL; i++) {
		if (strlen(v[i]) > max || !fuzz_utf8(v[i]))
			abort();
	}
	keyword_texts_free(v);
	free(copy);
}

/*
 * Segments of a text as sent: counted, and its GSM-7 look-alikes folded
 * only into GSM-7 and never into more segments.
 */
static void
fk_segments(const char *body)
{
	struct segment_count	 c, f;
	char			*folded;

	if (segment_count(body, &c) != 0 || c.segments < 1 ||
	    c.units < c.chars || (c.encoding == SEGMENT_GSM7) !=
	    segment_is_gsm7(body))
		abort();
	folded = segment_fold(body);
	if (!fuzz_utf8(folded) || segment_count(folded, &f) != 0 ||
	    f.segments > c.segments ||
	    (strcmp(folded, body) != 0 && f.encoding != SEGMENT_GSM7) ||
	    (c.encoding == SEGMENT_GSM7 && strcmp(folded, body) != 0))
		abort();
	free(folded);
}

static void
fk_sms(const struct config *cfg, const char *body, int lang, size_t max)
{
	const struct keyword	*k;
	const char		*tmpl;
	char			*norm, *v, *filled;
	double			 miles;
	int			 es;

	norm = keyword_normalise(body);
	fk_check_norm(body, norm, 1);
	(void)keyword_compliance(cfg->sms, norm, &es);
	(void)fk_red_flag(cfg, norm);

	/* STOP in whatever words. */
	xasprintf(&v, "\xc2\xa1 %s \xf0\x9f\x99\x8f!!", body);
	fk_same(cfg, norm, v, 0);
	free(v);
	v = fk_upper(body);
	fk_same(cfg, norm, v, 0);
	free(v);
	v = fk_spaced(body);
	fk_same(cfg, norm, v, 1);
	free(v);

	if ((k = keyword_match(cfg->sms, norm)) != NULL) {
		if (k < cfg->sms->keywords ||
		    k >= cfg->sms->keywords + cfg->sms->nkeywords)
			abort();
		if (k->action == KW_ZIP &&
		    location_nearest_zip(cfg, norm, &miles) != NULL &&
		    !(miles >= 0 && miles < 25000))
			abort();
	}
	/* The texter's words go into a reply only through a placeholder. */
	if ((tmpl = smscfg_message(cfg, "zip_unknown", lang)) != NULL) {
		const char	*vars[] = { "zip", norm, NULL };

		filled = keyword_fill(tmpl, vars);
		if (strstr(filled, norm) == NULL ||
		    (fuzz_utf8(norm) && !fuzz_utf8(filled)))
			abort();
		if (fuzz_utf8(filled))
			fk_pack(filled, max);
		free(filled);
	}
	if (fuzz_utf8(body)) {
		fk_pack(body, max);
		fk_segments(body);
	}
	free(norm);
}

static void
fk_voice(const struct config *cfg, const char *speech, int lang)
{
	struct flow		*f = cfg->flow;
	struct flow_option	*o;
	struct flow_node	*n;
	char			*norm, *d, digits[4];
	size_t			 i;

	norm = flow_normalise(speech);
	fk_check_norm(speech, norm, 0);
	(void)fk_red_flag(cfg, norm);
	for (i = 0; f != NULL && i < f->nnodes; i++) {
		n = &f->nodes[i];
		o = flow_match(cfg, n, NULL, norm, lang);
		if (o != NULL && (o < n->options || o >= n->options +
		    n->noptions))
			abort();
		/* The first characters as keys pressed. */
		snprintf(digits, sizeof digits, "%s", speech);
		o = flow_match(cfg, n, digits, NULL, lang);
		if (o != NULL && (o < n->options || o >= n->options +
		    n->noptions))
			abort();
	}
	(void)location_match(cfg, NULL, norm, lang);
	d = flow_digits(speech);
	if (strspn(d, "0123456789") != strlen(d) || strlen(d) > strlen(speech))
		abort();
	free(d);
	free(norm);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*cfg = fuzz_config();
	struct fuzz_in	 in = { data, size };
	unsigned int	 b;
	char		*text;
	size_t		 len;
	int		 lang;

	if (size > FK_BODY_MAX + 1)
		return (0);
	b = fuzz_byte(&in);
	lang = (int)(b % cfg->nlangs);
	text = fuzz_rest(&in, &len);
	fk_sms(cfg, text, lang, 8 + (b * 7) % 600);
	if (len <= FK_SPEECH_MAX)
		fk_voice(cfg, text, lang);
	free(text);
	return (0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)fuzz_config();
	return (0);
}
