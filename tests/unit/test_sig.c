/*
 * test_sig.c -- X-Twilio-Signature, against the vectors the provider's own
 * helper libraries test with (../shared/twilio/PROTOCOL.md).
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "form.h"
#include "sig.h"

#define TOKEN	"12345"
#define URL	"https://mycompany.com/myapp.php?foo=1&bar=2"
#define EXPECT	"RSOYDt4T1cUTdK1PDd93/VVr8B8="
#define BODY	"{\"property\": \"value\", \"boolean\": true}"
#define BODYHASH \
	"0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
#define JSONSIG	"a9nBmqA0ju/hNViExpshrM61xv4="

static struct form	params;

static void
setup(void)
{
	memset(&params, 0, sizeof params);
	form_add(&params, "CallSid", "CA1234567890ABCDE");
	form_add(&params, "Caller", "+14158675309");
	form_add(&params, "Digits", "1234");
	form_add(&params, "From", "+14158675309");
	form_add(&params, "To", "+18005551212");
}

static void
teardown(void)
{
	form_free(&params);
}

START_TEST(test_compute_vector)
{
	char	sig[SIG_LEN];

	ck_assert_int_eq(sig_compute(TOKEN, URL, &params, sig, sizeof sig), 0);
	ck_assert_str_eq(sig, EXPECT);
	ck_assert_int_eq(sig_valid_form(TOKEN, URL, &params, EXPECT), 1);
}
END_TEST

START_TEST(test_compute_order_independent)
{
	struct form	f = { NULL, 0 };
	char		sig[SIG_LEN];

	form_add(&f, "To", "+18005551212");
	form_add(&f, "From", "+14158675309");
	form_add(&f, "Digits", "1234");
	form_add(&f, "Caller", "+14158675309");
	form_add(&f, "CallSid", "CA1234567890ABCDE");
	ck_assert_int_eq(sig_compute(TOKEN, URL, &f, sig, sizeof sig), 0);
	ck_assert_str_eq(sig, EXPECT);
	form_free(&f);
}
END_TEST

START_TEST(test_parsed_body_vector)
{
	struct form	 f;
	const char	*err, *body = "CallSid=CA1234567890ABCDE&"
	    "Caller=%2B14158675309&Digits=1234&From=%2B14158675309&"
	    "To=%2B18005551212";

	ck_assert_int_eq(form_parse(&f, body, strlen(body), &err), 0);
	ck_assert_int_eq(sig_valid_form(TOKEN, URL, &f, EXPECT), 1);
	form_free(&f);
}
END_TEST

START_TEST(test_https_port_removed)
{
	ck_assert_int_eq(sig_valid_form(TOKEN,
	    "https://mycompany.com:1234/myapp.php?foo=1&bar=2", &params,
	    EXPECT), 1);
}
END_TEST

START_TEST(test_https_port_added)
{
	char	sig[SIG_LEN];

	ck_assert_int_eq(sig_compute(TOKEN,
	    "https://mycompany.com:443/myapp.php?foo=1&bar=2", &params, sig,
	    sizeof sig), 0);
	ck_assert_str_eq(sig, "kvajT1Ptam85bY51eRf/AJRuM3w=");
	ck_assert_int_eq(sig_valid_form(TOKEN, URL, &params,
	    "kvajT1Ptam85bY51eRf/AJRuM3w="), 1);
}
END_TEST

START_TEST(test_http_port_added)
{
	char	sig[SIG_LEN];

	ck_assert_int_eq(sig_compute(TOKEN,
	    "http://mycompany.com:80/myapp.php?foo=1&bar=2", &params, sig,
	    sizeof sig), 0);
	ck_assert_str_eq(sig, "0ZXoZLH/DfblKGATFgpif+LLRf4=");
	ck_assert_int_eq(sig_valid_form(TOKEN,
	    "http://mycompany.com/myapp.php?foo=1&bar=2", &params,
	    "0ZXoZLH/DfblKGATFgpif+LLRf4="), 1);
	/* The port-less https URL must not stand in for http. */
	ck_assert_int_eq(sig_valid_form(TOKEN, URL, &params,
	    "0ZXoZLH/DfblKGATFgpif+LLRf4="), 0);
}
END_TEST

START_TEST(test_http_explicit_port)
{
	char	sig[SIG_LEN];

	ck_assert_int_eq(sig_compute(TOKEN,
	    "http://mycompany.com:1234/myapp.php?foo=1&bar=2", &params, sig,
	    sizeof sig), 0);
	ck_assert_str_eq(sig, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=");
	ck_assert_int_eq(sig_valid_form(TOKEN,
	    "http://mycompany.com:1234/myapp.php?foo=1&bar=2", &params,
	    "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="), 1);
	/* Signed with :1234, so neither the bare URL nor :80 matches. */
	ck_assert_int_eq(sig_valid_form(TOKEN,
	    "http://mycompany.com/myapp.php?foo=1&bar=2", &params,
	    "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="), 0);
}
END_TEST

START_TEST(test_url_without_query_or_path)
{
	char	with[SIG_LEN], without[SIG_LEN];

	ck_assert_int_eq(sig_compute(TOKEN, "https://example.org:443",
	    &params, with, sizeof with), 0);
	ck_assert_int_eq(sig_compute(TOKEN, "https://example.org",
	    &params, without, sizeof without), 0);
	ck_assert_str_ne(with, without);
	ck_assert_int_eq(sig_valid_form(TOKEN, "https://example.org",
	    &params, with), 1);
	ck_assert_int_eq(sig_valid_form(TOKEN, "https://example.org:443",
	    &params, without), 1);

	ck_assert_int_eq(sig_compute(TOKEN, "http://127.0.0.1:8080?x=1",
	    &params, with, sizeof with), 0);
	ck_assert_int_eq(sig_valid_form(TOKEN, "http://127.0.0.1?x=1",
	    &params, with), 0);
	ck_assert_int_eq(sig_valid_form(TOKEN, "http://127.0.0.1:8080?x=1",
	    &params, with), 1);
	ck_assert_int_eq(sig_compute(TOKEN, "http://127.0.0.1?x=1",
	    &params, without, sizeof without), 0);
	ck_assert_int_eq(sig_valid_form(TOKEN, "http://127.0.0.1:8080?x=1",
	    &params, without), 1);
}
END_TEST

START_TEST(test_duplicate_params)
{
	struct form	f = { NULL, 0 };
	char		sig[SIG_LEN];

	form_add(&f, "Sid", "CA123");
	form_add(&f, "SidAccount", "AC123");
	form_add(&f, "Digits", "5678");
	form_add(&f, "Digits", "1234");
	form_add(&f, "Digits", "1234");
	ck_assert_int_eq(sig_compute(TOKEN, URL, &f, sig, sizeof sig), 0);
	ck_assert_str_eq(sig, "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
	ck_assert_int_eq(sig_valid_form(TOKEN, URL, &f,
	    "IK+Dwps556ElfBT0I3Rgjkr1wJU="), 1);
	form_free(&f);

	/* Same multiset in another order, duplicate once only. */
	form_add(&f, "Digits", "1234");
	form_add(&f, "SidAccount", "AC123");
	form_add(&f, "Digits", "5678");
	form_add(&f, "Sid", "CA123");
	ck_assert_int_eq(sig_compute(TOKEN, URL, &f, sig, sizeof sig), 0);
	ck_assert_str_eq(sig, "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
	form_free(&f);
}
END_TEST

START_TEST(test_json_body)
{
	char	sig[SIG_LEN];

	ck_assert_int_eq(sig_compute(TOKEN, URL "&bodySHA256=" BODYHASH, NULL,
	    sig, sizeof sig), 0);
	ck_assert_str_eq(sig, JSONSIG);
	ck_assert_int_eq(sig_valid_json(TOKEN, URL "&bodySHA256=" BODYHASH,
	    BODY, strlen(BODY), JSONSIG), 1);
	/* Through a port, as for forms. */
	ck_assert_int_eq(sig_valid_json(TOKEN,
	    "https://mycompany.com:8443/myapp.php?foo=1&bar=2&bodySHA256="
	    BODYHASH, BODY, strlen(BODY), JSONSIG), 1);
}
END_TEST

START_TEST(test_json_tampered_body)
{
	const char	*bad = "{\"property\": \"value\", \"boolean\": false}";

	ck_assert_int_eq(sig_valid_json(TOKEN, URL "&bodySHA256=" BODYHASH,
	    bad, strlen(bad), JSONSIG), 0);
	/* One byte short of the signed body. */
	ck_assert_int_eq(sig_valid_json(TOKEN, URL "&bodySHA256=" BODYHASH,
	    BODY, strlen(BODY) - 1, JSONSIG), 0);
}
END_TEST

START_TEST(test_json_no_hash_in_url)
{
	char	sig[SIG_LEN];

	ck_assert_int_eq(sig_compute(TOKEN, URL, NULL, sig, sizeof sig), 0);
	ck_assert_int_eq(sig_valid_json(TOKEN, URL, BODY, strlen(BODY), sig),
	    0);
	ck_assert_int_eq(sig_valid_json(TOKEN, URL "&bodySHA256=" BODYHASH,
	    BODY, strlen(BODY), sig), 0);
	ck_assert_int_eq(sig_valid_json(TOKEN, URL "&bodySHA256=" BODYHASH,
	    BODY, strlen(BODY), NULL), 0);
	ck_assert_int_eq(sig_compute(TOKEN, URL "&bodySHA256=abc", NULL, sig,
	    sizeof sig), 0);
	ck_assert_int_eq(sig_valid_json(TOKEN, URL "&bodySHA256=abc", BODY,
	    strlen(BODY), sig), 0);
}
END_TEST

START_TEST(test_wrong_token)
{
	ck_assert_int_eq(sig_valid_form("54321", URL, &params, EXPECT), 0);
	ck_assert_int_eq(sig_valid_form("", URL, &params, EXPECT), 0);
	ck_assert_int_eq(sig_valid_json("54321", URL "&bodySHA256=" BODYHASH,
	    BODY, strlen(BODY), JSONSIG), 0);
}
END_TEST

START_TEST(test_tampered_param)
{
	/* The value lives in its name's allocation (form_parse). */
	params.params[2].value = (char *)"1235";
	ck_assert_int_eq(sig_valid_form(TOKEN, URL, &params, EXPECT), 0);
}
END_TEST

START_TEST(test_tampered_url)
{
	ck_assert_int_eq(sig_valid_form(TOKEN,
	    "https://mycompany.com/myapp.php?foo=1&bar=3", &params, EXPECT), 0);
	ck_assert_int_eq(sig_valid_form(TOKEN,
	    "https://evil.example/myapp.php?foo=1&bar=2", &params, EXPECT), 0);
	ck_assert_int_eq(sig_valid_form(TOKEN,
	    "http://mycompany.com/myapp.php?foo=1&bar=2", &params, EXPECT), 0);
}
END_TEST

START_TEST(test_missing_signature)
{
	ck_assert_int_eq(sig_valid_form(TOKEN, URL, &params, NULL), 0);
	ck_assert_int_eq(sig_valid_form(TOKEN, URL, &params, ""), 0);
}
END_TEST

START_TEST(test_malformed_signature)
{
	ck_assert_int_eq(sig_valid_form(TOKEN, URL, &params,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8"), 0);
	ck_assert_int_eq(sig_valid_form(TOKEN, URL, &params,
	    EXPECT "="), 0);
	ck_assert_int_eq(sig_valid_form(TOKEN, URL, &params,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B9="), 0);
}
END_TEST

START_TEST(test_extra_param)
{
	form_add(&params, "Extra", "1");
	ck_assert_int_eq(sig_valid_form(TOKEN, URL, &params, EXPECT), 0);
}
END_TEST

START_TEST(test_missing_param)
{
	params.n--;	/* teardown still frees the hidden one */
	ck_assert_int_eq(sig_valid_form(TOKEN, URL, &params, EXPECT), 0);
	params.n++;
}
END_TEST

START_TEST(test_no_params)
{
	char	sig[SIG_LEN];

	ck_assert_int_eq(sig_valid_form(TOKEN, URL, NULL, EXPECT), 0);
	ck_assert_int_eq(sig_compute(TOKEN, URL, NULL, sig, sizeof sig), 0);
	ck_assert_str_ne(sig, EXPECT);
	ck_assert_int_eq(sig_valid_form(TOKEN, URL, NULL, sig), 1);
}
END_TEST

START_TEST(test_small_buffer)
{
	char	sig[SIG_LEN - 1];

	ck_assert_int_eq(sig_compute(TOKEN, URL, &params, sig, sizeof sig),
	    -1);
}
END_TEST

static Suite *
sig_suite(void)
{
	Suite	*s = suite_create("sig");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_compute_vector);
	tcase_add_test(tc, test_compute_order_independent);
	tcase_add_test(tc, test_parsed_body_vector);
	tcase_add_test(tc, test_https_port_removed);
	tcase_add_test(tc, test_https_port_added);
	tcase_add_test(tc, test_http_port_added);
	tcase_add_test(tc, test_http_explicit_port);
	tcase_add_test(tc, test_url_without_query_or_path);
	tcase_add_test(tc, test_duplicate_params);
	tcase_add_test(tc, test_json_body);
	tcase_add_test(tc, test_json_tampered_body);
	tcase_add_test(tc, test_json_no_hash_in_url);
	tcase_add_test(tc, test_wrong_token);
	tcase_add_test(tc, test_tampered_param);
	tcase_add_test(tc, test_tampered_url);
	tcase_add_test(tc, test_missing_signature);
	tcase_add_test(tc, test_malformed_signature);
	tcase_add_test(tc, test_extra_param);
	tcase_add_test(tc, test_missing_param);
	tcase_add_test(tc, test_no_params);
	tcase_add_test(tc, test_small_buffer);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(sig_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
