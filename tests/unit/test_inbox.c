/*
 * test_inbox.c -- unit tests of the inbox's pure parts: which replies
 * staff may send, what the texter is told (and when) at a given hour on
 * the shipped configuration, topic labels, and the admin role.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "config.h"
#include "inbox.h"

/* Tuesday 1 December 2026, 10:00 and 22:00 in Texas (UTC-6). */
#define TUE_MORNING	((time_t)1796140800)
#define TUE_NIGHT	(TUE_MORNING + 12 * 3600)

static struct config *
load_shipped(void)
{
	char		 path[PATH_MAX + 64], dir[PATH_MAX], **errors = NULL;
	const char	*s = getenv("top_srcdir");
	struct config	*cfg;
	char		*slash;
	int		 i;

	if (s != NULL && *s != '\0')
		snprintf(dir, sizeof dir, "%s", s);
	else {
		/* tests/unit/test_inbox.c -> the top of the tree. */
		snprintf(dir, sizeof dir, "%s", __FILE__);
		for (i = 0; i < 3 && (slash = strrchr(dir, '/')) != NULL; i++)
			*slash = '\0';
		if (i < 3)
			snprintf(dir, sizeof dir, ".");
	}
	snprintf(path, sizeof path, "%s/config/hotline.yaml", dir);
	cfg = config_load(path, &errors);
	config_errors_free(errors);
	return (cfg);
}

START_TEST(test_reply_valid)
{
	char	big[INBOX_REPLY_MAX + 2];

	ck_assert(inbox_reply_valid("We can call you today."));
	ck_assert(!inbox_reply_valid(NULL));
	ck_assert(!inbox_reply_valid(""));
	ck_assert(!inbox_reply_valid(" \t\r\n "));
	memset(big, 'x', sizeof big);
	big[INBOX_REPLY_MAX] = '\0';
	ck_assert(inbox_reply_valid(big));
	big[INBOX_REPLY_MAX] = 'x';
	big[INBOX_REPLY_MAX + 1] = '\0';
	ck_assert(!inbox_reply_valid(big));
}
END_TEST

START_TEST(test_notice_is_true_for_the_hour)
{
	struct config	*cfg = load_shipped();
	char		*t;

	ck_assert_ptr_nonnull(cfg);
	t = inbox_notice(cfg, NULL, 0, TUE_MORNING);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(strstr(t, "while we are open today"));
	ck_assert_ptr_nonnull(strstr(t, "STOP to opt out"));
	ck_assert_uint_le(strlen(t), 200);
	free(t);
	t = inbox_notice(cfg, "fort-worth", 0, TUE_NIGHT);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(strstr(t, "We're closed"));
	ck_assert_ptr_nonnull(strstr(t, "tomorrow at"));
	ck_assert_ptr_null(strstr(t, "{next_open}"));
	ck_assert_uint_le(strlen(t), 200);
	free(t);
	t = inbox_notice(cfg, "fort-worth", 1, TUE_NIGHT);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(strstr(t, "Estamos cerrados"));
	ck_assert_ptr_nonnull(strstr(t, "ALTO para cancelar"));
	free(t);
	config_unref(cfg);
}
END_TEST

START_TEST(test_topic_labels)
{
	struct config	*cfg = load_shipped();
	struct topic	*t;

	ck_assert_ptr_nonnull(cfg);
	ck_assert_ptr_nonnull((t = config_topic(cfg, "red_flag")));
	ck_assert_ptr_nonnull(strstr(i18n_get(&t->label, 0), "Red flag"));
	ck_assert_ptr_nonnull((t = config_topic(cfg, "general")));
	ck_assert_str_eq(i18n_get(&t->label, 1), "Pregunta general");
	ck_assert_ptr_null(config_topic(cfg, "no-such-topic"));
	config_unref(cfg);
}
END_TEST

START_TEST(test_admin_role)
{
	struct auth_staff	s;

	memset(&s, 0, sizeof s);
	ck_assert(!auth_is_admin(&s));
	s.role = AUTH_ROLE_STAFF;
	ck_assert(!auth_is_admin(&s));
	s.role = AUTH_ROLE_ADMIN;
	ck_assert(auth_is_admin(&s));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("inbox");
	TCase	*tc = tcase_create("pure");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_reply_valid);
	tcase_add_test(tc, test_notice_is_true_for_the_hour);
	tcase_add_test(tc, test_topic_labels);
	tcase_add_test(tc, test_admin_role);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
