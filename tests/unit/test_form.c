/*
 * test_form.c -- form bodies: decoding, the limits on hostile input, and
 * encoding for the requests we send.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "form.h"

static int
parse(struct form *f, const char *body)
{
	const char	*err = NULL;
	int		 rc;

	rc = form_parse(f, body, strlen(body), &err);
	if (rc == 0)
		ck_assert_ptr_null(err);
	else {
		ck_assert_ptr_nonnull(err);
		/* A rejected body leaves nothing behind. */
		ck_assert_uint_eq(f->n, 0);
		ck_assert_ptr_null(f->params);
	}
	return (rc);
}

static void
reject(const char *body)
{
	struct form	f;

	ck_assert_msg(parse(&f, body) == -1, "accepted \"%s\"", body);
}

static void
accept_one(const char *body, const char *name, const char *value)
{
	struct form	f;

	ck_assert_msg(parse(&f, body) == 0, "rejected \"%s\"", body);
	ck_assert_uint_eq(f.n, 1);
	ck_assert_str_eq(f.params[0].name, name);
	ck_assert_str_eq(f.params[0].value, value);
	form_free(&f);
}

START_TEST(test_basic)
{
	struct form	f;

	ck_assert_int_eq(parse(&f, "a=1&b=x+y&c=%41"), 0);
	ck_assert_uint_eq(f.n, 3);
	ck_assert_str_eq(form_get(&f, "a"), "1");
	ck_assert_str_eq(form_get(&f, "b"), "x y");
	ck_assert_str_eq(form_get(&f, "c"), "A");
	ck_assert_ptr_null(form_get(&f, "d"));
	ck_assert_ptr_null(form_get(&f, "A"));
	form_free(&f);
	ck_assert_uint_eq(f.n, 0);
}
END_TEST

START_TEST(test_repeated_keys)
{
	struct form	f;

	ck_assert_int_eq(parse(&f, "Digits=5678&x=0&Digits=1234&Digits=1234"),
	    0);
	ck_assert_uint_eq(f.n, 4);
	ck_assert_str_eq(form_get(&f, "Digits"), "5678");
	ck_assert_str_eq(f.params[0].value, "5678");
	ck_assert_str_eq(f.params[1].name, "x");
	ck_assert_str_eq(f.params[2].value, "1234");
	ck_assert_str_eq(f.params[3].value, "1234");
	form_free(&f);
}
END_TEST

START_TEST(test_plus_and_escapes)
{
	accept_one("From=%2B18175550123", "From", "+18175550123");
	accept_one("Body=hello+world", "Body", "hello world");
	accept_one("Body=a%2bb+%26+c%3Dd", "Body", "a+b & c=d");
	accept_one("Body=caf%c3%a9", "Body", "caf\xc3\xa9");
	accept_one("Body=caf%C3%A9", "Body", "caf\xc3\xa9");
	accept_one("Body=%F0%9F%98%80", "Body", "\xf0\x9f\x98\x80");
	accept_one("Media+Url=x", "Media Url", "x");
	accept_one("a=b=c", "a", "b=c");
	accept_one("a=%25", "a", "%");
}
END_TEST

START_TEST(test_bad_escapes)
{
	reject("a=%4");
	reject("a=%");
	reject("a=%zz");
	reject("a=%g1");
	reject("a=%1g");
	reject("a=1&b=%4&c=2");
	reject("%zz=1");
	reject("a%=1");
	reject("a=%%41");
}
END_TEST

START_TEST(test_nul_rejected)
{
	struct form	 f;
	const char	*err;
	static const char body[] = "a=1\0&b=2";

	reject("a=%00");
	reject("%00=1");
	reject("a=x%00y");
	ck_assert_int_eq(form_parse(&f, body, sizeof body - 1, &err), -1);
	ck_assert_uint_eq(f.n, 0);
}
END_TEST

START_TEST(test_invalid_utf8)
{
	reject("a=%C0%AF");		/* overlong '/' */
	reject("a=%C1%BF");		/* overlong */
	reject("a=%E0%80%AF");		/* overlong, three bytes */
	reject("a=%F0%80%80%AF");	/* overlong, four bytes */
	reject("a=%ED%A0%80");		/* surrogate U+D800 */
	reject("a=%ED%BF%BF");		/* surrogate U+DFFF */
	reject("a=%F4%90%80%80");	/* U+110000 */
	reject("a=%F5%80%80%80");
	reject("a=%FF");
	reject("a=%FE");
	reject("a=%E2%82");		/* truncated euro sign */
	reject("a=%E2%82x");
	reject("a=%C3");		/* truncated at the end */
	reject("a=%80");		/* lone continuation */
	reject("%C3=1");		/* in a name too */
	reject("a=\xc3(");		/* raw, not escaped */
	reject("a=\xff");
}
END_TEST

START_TEST(test_valid_utf8_edges)
{
	accept_one("a=%ED%9F%BF", "a", "\xed\x9f\xbf");		/* U+D7FF */
	accept_one("a=%EE%80%80", "a", "\xee\x80\x80");		/* U+E000 */
	accept_one("a=%F4%8F%BF%BF", "a", "\xf4\x8f\xbf\xbf");	/* U+10FFFF */
	accept_one("a=%C2%80", "a", "\xc2\x80");		/* U+0080 */
	accept_one("a=\xc3\xa9", "a", "\xc3\xa9");

	ck_assert_int_eq(form_utf8_valid("", 0), 1);
	ck_assert_int_eq(form_utf8_valid("abc", 3), 1);
	ck_assert_int_eq(form_utf8_valid("\xe2\x82\xac", 3), 1);
	ck_assert_int_eq(form_utf8_valid("\xe2\x82\xac", 2), 0);
	ck_assert_int_eq(form_utf8_valid("\xc0\x80", 2), 0);
	ck_assert_int_eq(form_utf8_valid("\xed\xa0\x80", 3), 0);
	ck_assert_int_eq(form_utf8_valid("\xf4\x90\x80\x80", 4), 0);
}
END_TEST

START_TEST(test_too_many_params)
{
	struct form	 f;
	char		*body, *p;
	int		 i;

	body = malloc((FORM_MAX_PARAMS + 1) * 4 + 1);
	ck_assert_ptr_nonnull(body);

	for (p = body, i = 0; i < FORM_MAX_PARAMS; i++)
		p += sprintf(p, "%sa=1", i == 0 ? "" : "&");
	ck_assert_int_eq(parse(&f, body), 0);
	ck_assert_uint_eq(f.n, FORM_MAX_PARAMS);
	form_free(&f);

	strcpy(p, "&b=2");
	ck_assert_int_eq(parse(&f, body), -1);
	free(body);
}
END_TEST

START_TEST(test_empty_pieces)
{
	struct form	f;

	ck_assert_int_eq(parse(&f, ""), 0);
	ck_assert_uint_eq(f.n, 0);
	form_free(&f);

	ck_assert_int_eq(parse(&f, "&&&"), 0);
	ck_assert_uint_eq(f.n, 0);
	form_free(&f);

	ck_assert_int_eq(parse(&f, "&a=1&&b=2&"), 0);
	ck_assert_uint_eq(f.n, 2);
	ck_assert_str_eq(f.params[0].name, "a");
	ck_assert_str_eq(f.params[1].name, "b");
	form_free(&f);

	ck_assert_int_eq(parse(&f, "flag&v="), 0);
	ck_assert_uint_eq(f.n, 2);
	ck_assert_str_eq(form_get(&f, "flag"), "");
	ck_assert_str_eq(form_get(&f, "v"), "");
	form_free(&f);

	reject("=1");
	reject("a=1&=2");
	reject("=");
}
END_TEST

START_TEST(test_length_bounds)
{
	struct form	 f;
	const char	*err;

	/* Only len bytes count, even if more follow. */
	ck_assert_int_eq(form_parse(&f, "a=12&b=3", 3, &err), 0);
	ck_assert_uint_eq(f.n, 1);
	ck_assert_str_eq(form_get(&f, "a"), "1");
	form_free(&f);

	/* An escape cut off by len is cut off. */
	ck_assert_int_eq(form_parse(&f, "a=%41", 4, &err), -1);
}
END_TEST

START_TEST(test_escape)
{
	char	*s;

	s = form_escape("AZaz09-._~");
	ck_assert_str_eq(s, "AZaz09-._~");
	free(s);
	s = form_escape("a b&c=d/e+f?g#h%");
	ck_assert_str_eq(s, "a%20b%26c%3Dd%2Fe%2Bf%3Fg%23h%25");
	free(s);
	s = form_escape("caf\xc3\xa9");
	ck_assert_str_eq(s, "caf%C3%A9");
	free(s);
	s = form_escape("");
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

START_TEST(test_encode_roundtrip)
{
	struct form	 f = { NULL, 0 }, g;
	char		*body;
	size_t		 i;

	body = form_encode(&f);
	ck_assert_str_eq(body, "");
	free(body);

	form_add(&f, "To", "+18175550123");
	form_add(&f, "Body", "Stretch 30 s & breathe; 100% \xe2\x9c\x93");
	form_add(&f, "MediaUrl", "https://x.example/a?b=1&c=2");
	form_add(&f, "MediaUrl", "");
	body = form_encode(&f);
	ck_assert_str_eq(body, "To=%2B18175550123&"
	    "Body=Stretch%2030%20s%20%26%20breathe%3B%20100%25%20%E2%9C%93&"
	    "MediaUrl=https%3A%2F%2Fx.example%2Fa%3Fb%3D1%26c%3D2&MediaUrl=");
	ck_assert_int_eq(parse(&g, body), 0);
	ck_assert_uint_eq(g.n, f.n);
	for (i = 0; i < f.n; i++) {
		ck_assert_str_eq(g.params[i].name, f.params[i].name);
		ck_assert_str_eq(g.params[i].value, f.params[i].value);
	}
	free(body);
	form_free(&g);
	form_free(&f);
}
END_TEST

static Suite *
form_suite(void)
{
	Suite	*s = suite_create("form");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_repeated_keys);
	tcase_add_test(tc, test_plus_and_escapes);
	tcase_add_test(tc, test_bad_escapes);
	tcase_add_test(tc, test_nul_rejected);
	tcase_add_test(tc, test_invalid_utf8);
	tcase_add_test(tc, test_valid_utf8_edges);
	tcase_add_test(tc, test_too_many_params);
	tcase_add_test(tc, test_empty_pieces);
	tcase_add_test(tc, test_length_bounds);
	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_encode_roundtrip);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(form_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
