/*
 * test_account.c -- unit tests of what an admin does to staff accounts:
 * the new-password rules (pwpolicy.c) and, against a temporary SQLite
 * store, passwd / disable / enable / remove ending sessions and tokens,
 * token expiry, listing and revoking (auth.c).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "pwpolicy.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define T0	((time_t)1764604800)

static struct store	*st;
static char		 dbpath[256];

static void
setup(void)
{
	char	*err = NULL, *url;

	snprintf(dbpath, sizeof dbpath, "/tmp/test_account.%d.db",
	    (int)getpid());
	unlink(dbpath);
	xasprintf(&url, "sqlite:%s", dbpath);
	st = store_open(NULL, url, 1, &err);
	free(url);
	ck_assert_msg(st != NULL, "store_open: %s", err != NULL ? err : "?");
}

static void
teardown(void)
{
	store_close(st);
	unlink(dbpath);
}

START_TEST(test_policy)
{
	/* Long enough and not a guess. */
	ck_assert_ptr_null(pwpolicy_check("alice", "correct horse staple"));
	ck_assert_ptr_null(pwpolicy_check("alice", "alice-password"));
	ck_assert_ptr_null(pwpolicy_check("bob", "bob-password"));
	ck_assert_ptr_null(pwpolicy_check("maria", "a long passphrase"));
	/* Twelve characters, not twelve bytes. */
	ck_assert_ptr_null(pwpolicy_check("ana", "ñandú-río-sé"));
	ck_assert_ptr_nonnull(pwpolicy_check("ana", "ñandú-río"));
	/* Too short. */
	ck_assert_ptr_nonnull(pwpolicy_check("alice", "s3cret-pass"));
	ck_assert_ptr_nonnull(pwpolicy_check("alice", ""));
	ck_assert_ptr_nonnull(pwpolicy_check("alice", NULL));
	/* On the list, in any case. */
	ck_assert_ptr_nonnull(pwpolicy_check("alice", "password1234"));
	ck_assert_ptr_nonnull(pwpolicy_check("alice", "QWERTY123456"));
	ck_assert_ptr_nonnull(pwpolicy_check("alice", "1qaz2wsx3edc"));
	/* Runs and repeats. */
	ck_assert_ptr_nonnull(pwpolicy_check("alice", "abcdefghijklmn"));
	ck_assert_ptr_nonnull(pwpolicy_check("alice", "zzzzzzzzzzzzzz"));
	ck_assert_ptr_nonnull(pwpolicy_check("alice", "abababababab"));
	ck_assert_ptr_nonnull(pwpolicy_check("alice", "34567890123"
	    "4"));
	/* A common word padded to length. */
	ck_assert_ptr_nonnull(pwpolicy_check("alice", "Password2024!"));
	ck_assert_ptr_nonnull(pwpolicy_check("alice", "hotline123456"));
	ck_assert_ptr_nonnull(pwpolicy_check("alice", "!!Welcome!!2026"));
	ck_assert_ptr_nonnull(pwpolicy_check("alice", "summersummer"));
	/* The account's own name, padded or not. */
	ck_assert_ptr_nonnull(pwpolicy_check("frontdesk.allen",
	    "FrontDesk.Allen"));
	ck_assert_ptr_nonnull(pwpolicy_check("administrators",
	    "administrators99"));
}
END_TEST

struct acct {
	char	*token, *token2, *old, *sid, *csrf, *holder;
	int	 rc[12];
	int	 listed, expired;
};

static int
setup_tx(struct db *db, void *arg)
{
	struct acct	*a = arg;

	if (auth_staff_put(db, "alice", "$y$x", "*", NULL, NULL, T0) != 0 ||
	    auth_staff_put(db, "bob", "$y$y", "*", NULL, NULL, T0) != 0 ||
	    auth_token_new(db, "alice", T0, 0, &a->token) != 0 ||
	    auth_token_new(db, "alice", T0, T0 + 3600, &a->token2) != 0 ||
	    auth_token_new(db, "bob", T0, 0, &a->old) != 0 ||
	    auth_session_new(db, "alice", 12, T0, &a->sid, &a->csrf) != 0)
		return (-1);
	return (0);
}

static int
check(struct db *db, const char *token, time_t now)
{
	struct auth_staff	s;
	int			rc;

	rc = auth_token_check(db, token, now, &s);
	auth_staff_clear(&s);
	return (rc);
}

static int
session(struct db *db, const char *sid, time_t now)
{
	struct auth_staff	s;
	int			rc;

	rc = auth_session_check(db, sid, now, &s);
	auth_staff_clear(&s);
	return (rc);
}

static int
list_fn(const struct auth_token *t, void *arg)
{
	struct acct	*a = arg;

	ck_assert_int_eq(strlen(t->id), AUTH_TOKEN_ID_LEN);
	a->listed++;
	a->expired += t->expired;
	return (0);
}

static int
passwd_tx(struct db *db, void *arg)
{
	struct acct	*a = arg;

	a->rc[0] = check(db, a->token, T0 + 10);
	a->rc[1] = check(db, a->token2, T0 + 10);
	/* The expiring one stops at its hour. */
	a->rc[2] = check(db, a->token2, T0 + 3600);
	if (auth_token_list(db, "alice", T0 + 3600, list_fn, a) != 0)
		return (-1);
	a->rc[3] = auth_staff_passwd(db, "alice", "$y$new");
	a->rc[4] = check(db, a->token, T0 + 20);
	a->rc[5] = session(db, a->sid, T0 + 20);
	/* Someone else's token is untouched. */
	a->rc[6] = check(db, a->old, T0 + 20);
	a->rc[7] = auth_staff_passwd(db, "nobody", "$y$new");
	return (0);
}

static int
disable_tx(struct db *db, void *arg)
{
	struct acct	*a = arg;
	char		*id = NULL, *tok = NULL, *again = NULL;

	a->rc[0] = auth_staff_disable(db, "bob", 1);
	a->rc[1] = check(db, a->old, T0 + 30);
	a->rc[2] = auth_staff_disable(db, "bob", 0);
	/* Enabling brings no old token back. */
	a->rc[3] = check(db, a->old, T0 + 40);
	if (auth_token_new(db, "bob", T0, 0, &tok) != 0)
		return (-1);
	a->rc[4] = check(db, tok, T0 + 40);
	if (db_text_query(db, &id, "SELECT substr(token_hash, 1, 12) FROM "
	    "staff_tokens WHERE name = 'bob'", "") != 0)
		return (-1);
	a->rc[5] = auth_token_revoke(db, "nothex", &a->holder);
	a->rc[6] = auth_token_revoke(db, id, &a->holder);
	a->rc[7] = check(db, tok, T0 + 50);
	a->rc[8] = auth_token_revoke(db, id, &again);
	a->rc[9] = auth_staff_remove(db, "bob");
	a->rc[10] = auth_staff_remove(db, "bob");
	free(id);
	free(tok);
	free(again);
	return (0);
}

START_TEST(test_revocation)
{
	struct acct	a;

	memset(&a, 0, sizeof a);
	ck_assert_int_eq(store_run(st, setup_tx, &a), 0);
	ck_assert_int_eq(store_run(st, passwd_tx, &a), 0);
	ck_assert_int_eq(a.rc[0], 1);
	ck_assert_int_eq(a.rc[1], 1);
	ck_assert_int_eq(a.rc[2], 0);
	ck_assert_int_eq(a.listed, 2);
	ck_assert_int_eq(a.expired, 1);
	ck_assert_int_eq(a.rc[3], 1);
	ck_assert_int_eq(a.rc[4], 0);
	ck_assert_int_eq(a.rc[5], 0);
	ck_assert_int_eq(a.rc[6], 1);
	ck_assert_int_eq(a.rc[7], 0);

	memset(a.rc, 0, sizeof a.rc);
	ck_assert_int_eq(store_run(st, disable_tx, &a), 0);
	ck_assert_int_eq(a.rc[0], 1);
	ck_assert_int_eq(a.rc[1], 0);
	ck_assert_int_eq(a.rc[2], 1);
	ck_assert_int_eq(a.rc[3], 0);
	ck_assert_int_eq(a.rc[4], 1);
	ck_assert_int_eq(a.rc[5], 0);
	ck_assert_int_eq(a.rc[6], 1);
	ck_assert_str_eq(a.holder, "bob");
	ck_assert_int_eq(a.rc[7], 0);
	ck_assert_int_eq(a.rc[8], 0);
	ck_assert_int_eq(a.rc[9], 1);
	ck_assert_int_eq(a.rc[10], 0);
	free(a.token);
	free(a.token2);
	free(a.old);
	free(a.sid);
	free(a.csrf);
	free(a.holder);
}
END_TEST

static Suite *
account_suite(void)
{
	Suite	*s = suite_create("account");
	TCase	*tc;

	tc = tcase_create("policy");
	tcase_add_test(tc, test_policy);
	suite_add_tcase(s, tc);
	tc = tcase_create("store");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_revocation);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(account_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
