/*
 * test_segment.c -- SMS segment counting (GSM-7 and its extension table,
 * UCS-2 and surrogate pairs, the split limits and characters that cannot
 * be cut between segments) and the GSM-7 look-alikes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "segment.h"

/* n copies of s, concatenated; caller frees. */
static char *
rep(const char *s, size_t n)
{
	char	*out;
	size_t	 i, len = strlen(s);

	out = calloc(1, len * n + 1);
	for (i = 0; i < n; i++)
		memcpy(out + i * len, s, len);
	return (out);
}

/* Concatenate up to four pieces; caller frees. */
static char *
cat(const char *a, const char *b, const char *c, const char *d)
{
	char	*out;

	out = calloc(1, strlen(a) + strlen(b) + strlen(c) + strlen(d) + 1);
	strcat(strcat(strcat(strcat(out, a), b), c), d);
	return (out);
}

static void
expect(const char *s, enum segment_encoding enc, size_t units, size_t segs)
{
	struct segment_count	c;

	ck_assert_int_eq(segment_count(s, &c), 0);
	ck_assert_msg(c.encoding == enc, "\"%.40s...\": encoding %s",
	    s, segment_encoding_name(c.encoding));
	ck_assert_msg(c.units == units, "\"%.40s...\": %zu units, not %zu", s,
	    c.units, units);
	ck_assert_msg(c.segments == segs, "\"%.40s...\": %zu segments, not %zu",
	    s, c.segments, segs);
}

/* expect() on a string built by the caller, freed here. */
static void
expect_free(char *s, enum segment_encoding enc, size_t units, size_t segs)
{
	expect(s, enc, units, segs);
	free(s);
}

START_TEST(test_gsm_lengths)
{
	expect("", SEGMENT_GSM7, 0, 1);
	expect("STRETCH", SEGMENT_GSM7, 7, 1);
	expect_free(rep("a", 160), SEGMENT_GSM7, 160, 1);
	expect_free(rep("a", 161), SEGMENT_GSM7, 161, 2);
	expect_free(rep("a", 306), SEGMENT_GSM7, 306, 2);
	expect_free(rep("a", 307), SEGMENT_GSM7, 307, 3);
	expect_free(rep("a", 459), SEGMENT_GSM7, 459, 3);
	expect_free(rep("a", 460), SEGMENT_GSM7, 460, 4);
	/* Line breaks are characters too; CR LF is two. */
	expect("a\r\nb", SEGMENT_GSM7, 4, 1);
}
END_TEST

START_TEST(test_gsm_alphabet)
{
	/* Every character of the basic table beyond ASCII. */
	expect("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà", SEGMENT_GSM7,
	    42, 1);
	expect(" !\"#%&'()*+,-./0123456789:;<=>?", SEGMENT_GSM7, 31, 1);
	/* Spanish that happens to be GSM-7: ñ, é, ¿ and ¡ are in it. */
	expect("¿Mañana? ¡Sí!", SEGMENT_UCS2, 13, 1);
	expect("¿Mañana? ¡Olé!", SEGMENT_GSM7, 14, 1);
	/* Close cousins that are not: á í ó ú, ç, ê, the backtick, a tab. */
	expect("á", SEGMENT_UCS2, 1, 1);
	expect("Teléfono: ú", SEGMENT_UCS2, 11, 1);
	expect("ç", SEGMENT_UCS2, 1, 1);
	expect("ê", SEGMENT_UCS2, 1, 1);
	expect("`", SEGMENT_UCS2, 1, 1);
	expect("a\tb", SEGMENT_UCS2, 3, 1);
	/* A decomposed é is e plus a combining accent: two UCS-2 units. */
	expect("e\xcc\x81", SEGMENT_UCS2, 2, 1);
	ck_assert_int_eq(segment_is_gsm7("Fort Worth: (817) 555-0101."), 1);
	ck_assert_int_eq(segment_is_gsm7("Clínicas"), 0);
	/* ASCII's own edges: line ends, form feed, the extension table. */
	ck_assert_int_eq(segment_is_gsm7("a\r\n\fb{}[]~|^\\ ~"), 1);
	ck_assert_int_eq(segment_is_gsm7("a\x01b"), 0);
	ck_assert_int_eq(segment_is_gsm7("a\x7f"), 0);
	ck_assert_int_eq(segment_is_gsm7("ok ` no"), 0);
}
END_TEST

START_TEST(test_gsm_extension)
{
	char	*s;

	/* Each costs an escape and the character. */
	expect("^{}\\[~]|€", SEGMENT_GSM7, 18, 1);
	expect("\f", SEGMENT_GSM7, 2, 1);
	/* 160 septets with an escape still fit one message... */
	s = rep("a", 158);
	expect_free(cat("{", s, "", ""), SEGMENT_GSM7, 160, 1);
	free(s);
	/* ...161 do not. */
	s = rep("a", 159);
	expect_free(cat("{", s, "", ""), SEGMENT_GSM7, 161, 2);
	free(s);
	/*
	 * An escape and its character are never cut between segments: at
	 * septet 153 the euro sign moves whole to the next one, and 306
	 * septets take 3 segments, not 2.
	 */
	s = rep("a", 152);
	expect_free(cat(s, "€", s, ""), SEGMENT_GSM7, 306, 3);
	free(s);
	/* Where it fits before the cut, it does not cost a segment. */
	s = rep("a", 151);
	expect_free(cat(s, "€", s, "a"), SEGMENT_GSM7, 305, 2);
	free(s);
}
END_TEST

START_TEST(test_ucs2)
{
	char	*s, *t;

	expect_free(rep("á", 70), SEGMENT_UCS2, 70, 1);
	expect_free(rep("á", 71), SEGMENT_UCS2, 71, 2);
	expect_free(rep("á", 134), SEGMENT_UCS2, 134, 2);
	expect_free(rep("á", 135), SEGMENT_UCS2, 135, 3);
	expect_free(rep("á", 268), SEGMENT_UCS2, 268, 4);
	expect_free(rep("á", 269), SEGMENT_UCS2, 269, 5);
	/* One non-GSM character makes the whole text UCS-2. */
	s = rep("a", 100);
	expect_free(cat(s, "’", "", ""), SEGMENT_UCS2, 101, 2);
	free(s);
	/* An emoji is a surrogate pair: two units. */
	s = rep("a", 68);
	expect_free(cat("😜", s, "", ""), SEGMENT_UCS2, 70, 1);
	free(s);
	s = rep("a", 69);
	expect_free(cat("😜", s, "", ""), SEGMENT_UCS2, 71, 2);
	free(s);
	/* A pair is never cut: at unit 67 it moves whole to the next. */
	s = rep("a", 66);
	expect_free(cat(s, "😜", s, ""), SEGMENT_UCS2, 134, 3);
	t = rep("a", 65);
	expect_free(cat(t, "😜", s, ""), SEGMENT_UCS2, 133, 2);
	free(t);
	free(s);
	/* Extension characters are one unit in UCS-2. */
	expect("{á}", SEGMENT_UCS2, 3, 1);
}
END_TEST

START_TEST(test_counts_and_errors)
{
	struct segment_count	c;

	ck_assert_int_eq(segment_count("Año ñ 😜", &c), 0);
	ck_assert_uint_eq(c.chars, 7);
	ck_assert_uint_eq(c.units, 8);
	ck_assert_int_eq(segment_count("bad \xff byte", &c), -1);
	ck_assert_int_eq(segment_count("cut \xc3", &c), -1);
	ck_assert_int_eq(segment_is_gsm7("bad \xff"), 0);
	ck_assert_str_eq(segment_encoding_name(SEGMENT_GSM7), "GSM-7");
	ck_assert_str_eq(segment_encoding_name(SEGMENT_UCS2), "UCS-2");
}
END_TEST

START_TEST(test_limits)
{
	struct segment_count	c;

	segment_count("plain", &c);
	ck_assert_uint_eq(segment_limit(&c, "en"), 3);
	ck_assert_uint_eq(segment_limit(&c, "es"), 3);
	segment_count("Clínicas", &c);
	ck_assert_uint_eq(segment_limit(&c, "en"), 3);
	ck_assert_uint_eq(segment_limit(&c, "es"), 4);
	ck_assert_uint_eq(segment_limit(&c, NULL), 3);
}
END_TEST

static void
fold(const char *in, const char *want)
{
	char	*out = segment_fold(in);

	ck_assert_msg(strcmp(out, want) == 0, "fold(\"%s\") = \"%s\", not "
	    "\"%s\"", in, out, want);
	free(out);
}

START_TEST(test_fold)
{
	fold("It’s “easy” — really… yes", "It's \"easy\" - really... yes");
	fold("Hold 20–30 seconds", "Hold 20-30 seconds");
	fold("8\xc2\xa0" "AM", "8 AM");			/* no-break space */
	fold("a\xe2\x80\xafz", "a z");			/* narrow no-break */
	fold("a\xe2\x80\x8b" "b\xef\xbb\xbf" "c", "abc");	/* zero width */
	fold("soft\xc2\xad" "hyphen", "softhyphen");
	fold("½ mile × 2", "1/2 mile x 2");
	fold("• one", "- one");
	fold("«bien»", "\"bien\"");
	fold("ＳＴＯＰ", "STOP");
	fold("`quoted´", "'quoted'");
	fold("tab\there", "tab here");
	/* GSM-7 already: the same text, a new string. */
	fold("Plain, with ñ and é.", "Plain, with ñ and é.");
	fold("", "");
	/* UCS-2 whatever we do: kept as written, curly quotes and all. */
	fold("Día “uno”", "Día “uno”");
	fold("Great ‘stretch’ 😜", "Great ‘stretch’ 😜");
	/* A fold into the extension table is still GSM-7. */
	fold("＾ok", "^ok");
}
END_TEST

START_TEST(test_fold_saves_segments)
{
	struct segment_count	c;
	char			*s, *t, *f;

	/* 150 characters and one curly apostrophe: 3 UCS-2 segments... */
	s = rep("a", 150);
	t = cat(s, "’", "", "");
	ck_assert_int_eq(segment_count(t, &c), 0);
	ck_assert_uint_eq(c.segments, 3);
	/* ...or 1 GSM-7 message once folded. */
	f = segment_fold(t);
	ck_assert_int_eq(segment_count(f, &c), 0);
	ck_assert_int_eq(c.encoding, SEGMENT_GSM7);
	ck_assert_uint_eq(c.segments, 1);
	free(f);
	free(t);
	free(s);
	/* Never dearer: 70 ellipses are 1 UCS-2 segment, 210 septets folded. */
	s = rep("…", 70);
	fold(s, s);
	free(s);
	s = rep("…", 40);
	t = rep(".", 120);
	f = segment_fold(s);
	ck_assert_str_eq(f, t);
	free(f);
	free(t);
	free(s);
}
END_TEST

static Suite *
segment_suite(void)
{
	Suite	*s = suite_create("segment");
	TCase	*tc = tcase_create("count");

	tcase_add_test(tc, test_gsm_lengths);
	tcase_add_test(tc, test_gsm_alphabet);
	tcase_add_test(tc, test_gsm_extension);
	tcase_add_test(tc, test_ucs2);
	tcase_add_test(tc, test_counts_and_errors);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_fold);
	tcase_add_test(tc, test_fold_saves_segments);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(segment_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
