/*
 * test_twiml.c -- the TwiML writer: escaping, the nesting it refuses, and
 * that what it finishes is well-formed XML.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <event2/buffer.h>

#include "twiml.h"

#define HEAD	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

static char *
escaped(const char *s)
{
	struct evbuffer	*b = evbuffer_new();
	size_t		 n;
	char		*out;

	xml_escape(b, s);
	n = evbuffer_get_length(b);
	out = malloc(n + 1);
	ck_assert_ptr_nonnull(out);
	evbuffer_remove(b, out, n);
	out[n] = '\0';
	evbuffer_free(b);
	return (out);
}

static void
assert_escape(const char *in, const char *want)
{
	char	*got = escaped(in);

	ck_assert_str_eq(got, want);
	free(got);
}

/*
 * A small well-formedness check, independent of any XML library: one root,
 * tags balanced and properly nested, attribute values quoted, and every
 * '&' starting one of the five predefined entities.  No '<' or '>' may
 * appear in text or attribute values.
 */
static int
well_formed(const char *doc)
{
	char		 stack[32][32];
	int		 depth = 0, roots = 0;
	const char	*p = doc, *q;
	size_t		 n;

	if (strncmp(p, HEAD, strlen(HEAD)) != 0)
		return (0);
	p += strlen(HEAD);
	while (*p != '\0') {
		if (*p == '&') {
			if (strncmp(p, "&amp;", 5) != 0 &&
			    strncmp(p, "&lt;", 4) != 0 &&
			    strncmp(p, "&gt;", 4) != 0 &&
			    strncmp(p, "&quot;", 6) != 0 &&
			    strncmp(p, "&apos;", 6) != 0)
				return (0);
			p++;
			continue;
		}
		if (*p == '>')
			return (0);
		if (*p != '<') {
			if (depth == 0 && *p != '\n')
				return (0);
			p++;
			continue;
		}
		p++;
		if (*p == '/') {
			p++;
			n = strcspn(p, ">");
			if (depth == 0 || p[n] != '>' ||
			    strlen(stack[depth - 1]) != n ||
			    strncmp(p, stack[depth - 1], n) != 0)
				return (0);
			depth--;
			p += n + 1;
			continue;
		}
		n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
		if (n == 0 || n >= sizeof stack[0] || depth == 32)
			return (0);
		if (depth == 0 && roots++ != 0)
			return (0);
		memcpy(stack[depth], p, n);
		stack[depth][n] = '\0';
		p += n;
		for (;;) {
			if (*p == '>') {
				depth++;
				p++;
				break;
			}
			if (p[0] == '/' && p[1] == '>') {
				p += 2;
				break;
			}
			if (*p++ != ' ')
				return (0);
			n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
			if (n == 0 || p[n] != '=' || p[n + 1] != '"')
				return (0);
			p += n + 2;
			if ((q = strchr(p, '"')) == NULL)
				return (0);
			for (; p < q; p++) {
				if (*p == '<' || *p == '>')
					return (0);
				if (*p == '&' && strncmp(p, "&amp;", 5) != 0 &&
				    strncmp(p, "&lt;", 4) != 0 &&
				    strncmp(p, "&gt;", 4) != 0 &&
				    strncmp(p, "&quot;", 6) != 0 &&
				    strncmp(p, "&apos;", 6) != 0)
					return (0);
			}
			p++;
		}
	}
	return (depth == 0 && roots == 1);
}

/* xmllint, when installed, as a second opinion. */
static void
assert_xmllint(const char *doc, size_t len)
{
	char	 path[] = "/tmp/test_twiml.XXXXXX", cmd[128];
	FILE	*f;
	int	 fd;

	if (access("/usr/bin/xmllint", X_OK) != 0)
		return;
	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(doc, 1, len, f), len);
	fclose(f);
	snprintf(cmd, sizeof cmd, "/usr/bin/xmllint --noout %s", path);
	ck_assert_int_eq(system(cmd), 0);
	unlink(path);
}

START_TEST(test_escape_specials)
{
	assert_escape("& < > \" '", "&amp; &lt; &gt; &quot; &apos;");
	assert_escape("a&&b", "a&amp;&amp;b");
	assert_escape("&amp;", "&amp;amp;");
	assert_escape("", "");
	assert_escape("plain text 123", "plain text 123");
}
END_TEST

START_TEST(test_escape_drops_controls)
{
	assert_escape("a\x01" "b\x1f" "c", "abc");
	assert_escape("tab\there\nnew\rret", "tab\there\nnew\rret");
	assert_escape("\x1b[31mred", "[31mred");
	assert_escape("x\xef\xbf\xbey\xef\xbf\xbfz", "xyz");	/* U+FFFE, U+FFFF */
}
END_TEST

START_TEST(test_escape_drops_bad_utf8)
{
	assert_escape("caf\xc3\xa9", "caf\xc3\xa9");
	assert_escape("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
	assert_escape("a\xff" "b", "ab");
	assert_escape("a\xc3(b", "a(b");
	assert_escape("a\xc0\xaf" "b", "ab");		/* overlong */
	assert_escape("a\xed\xa0\x80" "b", "ab");	/* surrogate */
	assert_escape("a\xe2\x82", "a");		/* truncated */
}
END_TEST

START_TEST(test_empty_response)
{
	struct twiml	*t = twiml_new();
	const char	*doc;
	size_t		 len = 0;

	doc = twiml_finish(t, &len);
	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(doc, HEAD "<Response/>\n");
	ck_assert_uint_eq(len, strlen(doc));
	ck_assert(well_formed(doc));
	assert_xmllint(doc, len);
	twiml_free(t);
}
END_TEST

START_TEST(test_gather_menu)
{
	struct twiml	*t = twiml_new();
	const char	*doc;
	size_t		 len;

	twiml_open(t, "Gather", "input", "dtmf", "action",
	    "/voice/menu?node=main&n=1", "timeout", NULL, "numDigits", "1",
	    NULL);
	twiml_leaf(t, "Say", "Press 1 for <tips> & \"stretches\", it's easy",
	    "voice", "Polly.Joanna", NULL);
	twiml_leaf(t, "Pause", NULL, "length", "1", NULL);
	twiml_leaf(t, "Play", "https://x.example/a.mp3?a=1&b=2", NULL);
	twiml_close(t);
	twiml_leaf(t, "Redirect", "/voice/incoming", "method", "POST", NULL);
	doc = twiml_finish(t, &len);
	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(doc, HEAD "<Response>"
	    "<Gather input=\"dtmf\" action=\"/voice/menu?node=main&amp;n=1\" "
	    "numDigits=\"1\">"
	    "<Say voice=\"Polly.Joanna\">Press 1 for &lt;tips&gt; &amp; "
	    "&quot;stretches&quot;, it&apos;s easy</Say>"
	    "<Pause length=\"1\"/>"
	    "<Play>https://x.example/a.mp3?a=1&amp;b=2</Play>"
	    "</Gather>"
	    "<Redirect method=\"POST\">/voice/incoming</Redirect>"
	    "</Response>\n");
	ck_assert(well_formed(doc));
	assert_xmllint(doc, len);
	twiml_free(t);
}
END_TEST

START_TEST(test_attribute_escaping)
{
	struct twiml	*t = twiml_new();
	const char	*doc;
	size_t		 len;

	twiml_leaf(t, "Say", "hi", "voice", "a\"b'c<d>e&f", NULL);
	doc = twiml_finish(t, &len);
	ck_assert_ptr_nonnull(doc);
	ck_assert_ptr_nonnull(strstr(doc,
	    "<Say voice=\"a&quot;b&apos;c&lt;d&gt;e&amp;f\">hi</Say>"));
	ck_assert(well_formed(doc));
	assert_xmllint(doc, len);
	twiml_free(t);
}
END_TEST

START_TEST(test_dial_and_message)
{
	struct twiml	*t = twiml_new();
	const char	*doc;
	size_t		 len;

	twiml_leaf(t, "Say", "Connecting you.", NULL);
	twiml_open(t, "Dial", "action", "/voice/dial?c=allen", "timeout", "20",
	    "answerOnBridge", "true", NULL);
	twiml_leaf(t, "Number", "+19725550100", NULL);
	twiml_close(t);
	twiml_open(t, "Message", NULL);
	twiml_leaf(t, "Body", "Reply STOP to stop & HELP for help", NULL);
	twiml_close(t);
	twiml_open(t, "Dial", NULL);
	twiml_text(t, "+19725550101");
	twiml_close(t);
	twiml_leaf(t, "Hangup", NULL, NULL);
	doc = twiml_finish(t, &len);
	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(doc, HEAD "<Response>"
	    "<Say>Connecting you.</Say>"
	    "<Dial action=\"/voice/dial?c=allen\" timeout=\"20\" "
	    "answerOnBridge=\"true\"><Number>+19725550100</Number></Dial>"
	    "<Message><Body>Reply STOP to stop &amp; HELP for help</Body>"
	    "</Message>"
	    "<Dial>+19725550101</Dial>"
	    "<Hangup/>"
	    "</Response>\n");
	ck_assert(well_formed(doc));
	assert_xmllint(doc, len);
	twiml_free(t);
}
END_TEST

START_TEST(test_finish_closes_open)
{
	struct twiml	*t = twiml_new();
	const char	*doc;
	size_t		 len;

	twiml_open(t, "Gather", "input", "dtmf speech", NULL);
	twiml_open(t, "Say", NULL);
	twiml_text(t, "one ");
	twiml_text(t, "two");
	doc = twiml_finish(t, &len);
	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(doc, HEAD "<Response><Gather input=\"dtmf speech\">"
	    "<Say>one two</Say></Gather></Response>\n");
	ck_assert(well_formed(doc));
	/* A second finish gives the same document. */
	ck_assert_ptr_eq(twiml_finish(t, NULL), doc);
	twiml_free(t);
}
END_TEST

START_TEST(test_nasty_text_well_formed)
{
	struct twiml	*t = twiml_new();
	const char	*doc;
	size_t		 len;

	twiml_leaf(t, "Say", "]]></Say><Hangup/><Say>\x01\xff&#x41;&", NULL);
	twiml_leaf(t, "Say", "<?xml?><!-- -->", "language", "en-US\"/>", NULL);
	doc = twiml_finish(t, &len);
	ck_assert_ptr_nonnull(doc);
	ck_assert_ptr_null(strstr(doc, "<Hangup"));
	ck_assert(well_formed(doc));
	assert_xmllint(doc, len);
	twiml_free(t);
}
END_TEST

/* Every one of these must make twiml_finish return NULL. */
static void
assert_refused(void (*build)(struct twiml *))
{
	struct twiml	*t = twiml_new();
	size_t		 len = 12345;

	build(t);
	ck_assert_ptr_null(twiml_finish(t, &len));
	ck_assert_uint_eq(len, 12345);
	twiml_free(t);
}

static void
dial_in_gather(struct twiml *t)
{
	twiml_open(t, "Gather", NULL);
	twiml_open(t, "Dial", NULL);
	twiml_leaf(t, "Number", "+19725550100", NULL);
	twiml_close(t);
	twiml_close(t);
}

static void
gather_in_gather(struct twiml *t)
{
	twiml_open(t, "Gather", NULL);
	twiml_open(t, "Gather", NULL);
	twiml_close(t);
	twiml_close(t);
}

static void
say_in_dial(struct twiml *t)
{
	twiml_open(t, "Dial", NULL);
	twiml_leaf(t, "Say", "hello", NULL);
	twiml_close(t);
}

static void
record_in_gather(struct twiml *t)
{
	twiml_open(t, "Gather", NULL);
	twiml_leaf(t, "Record", NULL, NULL);
	twiml_close(t);
}

static void
say_in_say(struct twiml *t)
{
	twiml_open(t, "Say", NULL);
	twiml_leaf(t, "Say", "x", NULL);
	twiml_close(t);
}

static void
number_in_response(struct twiml *t)
{
	twiml_leaf(t, "Number", "+19725550100", NULL);
}

static void
body_in_response(struct twiml *t)
{
	twiml_leaf(t, "Body", "hi", NULL);
}

static void
say_in_message(struct twiml *t)
{
	twiml_open(t, "Message", NULL);
	twiml_leaf(t, "Say", "hi", NULL);
	twiml_close(t);
}

static void
unknown_verb(struct twiml *t)
{
	twiml_leaf(t, "Speak", "hi", NULL);
}

static void
nested_response(struct twiml *t)
{
	twiml_open(t, "Response", NULL);
}

static void
text_in_response(struct twiml *t)
{
	twiml_text(t, "loose text");
}

static void
text_in_gather(struct twiml *t)
{
	twiml_open(t, "Gather", NULL);
	twiml_text(t, "loose text");
}

static void
text_in_pause(struct twiml *t)
{
	twiml_leaf(t, "Pause", "3", NULL);
}

static void
too_many_closes(struct twiml *t)
{
	twiml_leaf(t, "Hangup", NULL, NULL);
	twiml_close(t);
	twiml_close(t);
}

static void
verb_after_response(struct twiml *t)
{
	twiml_close(t);
	twiml_leaf(t, "Hangup", NULL, NULL);
}

static void
duplicate_attribute(struct twiml *t)
{
	twiml_leaf(t, "Say", "hi", "voice", "a", "voice", "b", NULL);
}

static void
bad_attribute_name(struct twiml *t)
{
	twiml_leaf(t, "Say", "hi", "voice=\"x\" y", "a", NULL);
}

START_TEST(test_refused_nesting)
{
	assert_refused(dial_in_gather);
	assert_refused(gather_in_gather);
	assert_refused(say_in_dial);
	assert_refused(record_in_gather);
	assert_refused(say_in_say);
	assert_refused(number_in_response);
	assert_refused(body_in_response);
	assert_refused(say_in_message);
	assert_refused(unknown_verb);
	assert_refused(nested_response);
}
END_TEST

START_TEST(test_refused_text_and_structure)
{
	assert_refused(text_in_response);
	assert_refused(text_in_gather);
	assert_refused(text_in_pause);
	assert_refused(too_many_closes);
	assert_refused(verb_after_response);
	assert_refused(duplicate_attribute);
	assert_refused(bad_attribute_name);
}
END_TEST

/* twiml_take hands over what twiml_finish makes, or NULL when invalid. */
START_TEST(test_take)
{
	struct twiml	*t;
	char		*taken, *copy;

	t = twiml_new();
	twiml_leaf(t, "Say", "a < b", NULL);
	copy = strdup(twiml_finish(t, NULL));
	twiml_free(t);
	t = twiml_new();
	twiml_leaf(t, "Say", "a < b", NULL);
	taken = twiml_take(t);
	ck_assert_ptr_nonnull(taken);
	ck_assert_str_eq(taken, copy);
	free(taken);
	free(copy);

	t = twiml_new();
	twiml_open(t, "Gather", NULL);
	twiml_open(t, "Dial", NULL);
	ck_assert_ptr_null(twiml_take(t));
}
END_TEST

START_TEST(test_use_after_finish)
{
	struct twiml	*t = twiml_new();

	twiml_leaf(t, "Hangup", NULL, NULL);
	ck_assert_ptr_nonnull(twiml_finish(t, NULL));
	twiml_leaf(t, "Say", "late", NULL);
	ck_assert_ptr_null(twiml_finish(t, NULL));
	twiml_free(t);
}
END_TEST

static Suite *
twiml_suite(void)
{
	Suite	*s = suite_create("twiml");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_escape_specials);
	tcase_add_test(tc, test_escape_drops_controls);
	tcase_add_test(tc, test_escape_drops_bad_utf8);
	tcase_add_test(tc, test_empty_response);
	tcase_add_test(tc, test_gather_menu);
	tcase_add_test(tc, test_attribute_escaping);
	tcase_add_test(tc, test_dial_and_message);
	tcase_add_test(tc, test_finish_closes_open);
	tcase_add_test(tc, test_nasty_text_well_formed);
	tcase_add_test(tc, test_refused_nesting);
	tcase_add_test(tc, test_refused_text_and_structure);
	tcase_add_test(tc, test_use_after_finish);
	tcase_add_test(tc, test_take);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(twiml_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
