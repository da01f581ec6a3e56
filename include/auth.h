/*
 * auth.h -- staff accounts: password hashes (crypt(3), yescrypt), API
 * tokens and dashboard sessions (stored only as SHA-256), CSRF tokens and
 * login rate limits.
 *
 * The db functions run inside a store transaction (store_submit or
 * store_run); the rest are pure and safe anywhere.
 */
#ifndef HOTLINE_AUTH_H
#define HOTLINE_AUTH_H

#include <time.h>

struct db;

/* Names: 1 to 64 of [A-Za-z0-9._@-]. */
#define AUTH_NAME_MAX		64
/*
 * Login limits.  Failed attempts count for AUTH_LOGIN_WINDOW seconds.
 * One name from one address gets AUTH_LOGIN_FREE tries, then each next
 * try waits AUTH_LOGIN_DELAY seconds after the last failure, doubling
 * with each further failure (at most the window): the owner of a name is
 * never shut out by someone guessing from elsewhere.  An address that
 * tried AUTH_LOGIN_MAX_UNKNOWN names that do not exist waits out the
 * window for any name.
 */
#define AUTH_LOGIN_WINDOW	900
#define AUTH_LOGIN_FREE		5
#define AUTH_LOGIN_DELAY	30
#define AUTH_LOGIN_MAX_UNKNOWN	20

/* Who a request is from; strings owned (auth_staff_clear frees). */
struct auth_staff {
	char	*name;
	char	*locations;	/* "*" or "a,b" */
	char	*phone;		/* E.164 or NULL */
	char	*email;		/* or NULL */
	char	*csrf;		/* session's CSRF token; NULL for a bearer token */
	char	*role;		/* AUTH_ROLE_ADMIN or AUTH_ROLE_STAFF */
};

/* Roles: an admin also reads the audit log. */
#define AUTH_ROLE_ADMIN		"admin"
#define AUTH_ROLE_STAFF		"staff"

void	 auth_staff_clear(struct auth_staff *);
/* 1 when s is an admin (pure). */
int	 auth_is_admin(const struct auth_staff *);
int	 auth_name_valid(const char *);

/* yescrypt hash of pw (caller frees), or NULL. */
char	*auth_hash_password(const char *pw);
/* 1 when pw matches hash, else 0. */
int	 auth_verify_password(const char *pw, const char *hash);
/* Constant-time string equality. */
int	 auth_equal(const char *, const char *);
/*
 * 1 when a staff member with locations ("*" or a comma list) may see an
 * entry of location loc (NULL is the shared queue: everyone).
 */
int	 auth_location_allowed(const char *locations, const char *loc);
/* Value of cookie name in a Cookie header (caller frees), or NULL. */
char	*auth_cookie(const char *header, const char *name);

/* --- in a transaction ---------------------------------------------------- */

/* Create or update a staff member (NULL hash keeps the old password). 0 / -1. */
int	 auth_staff_put(struct db *, const char *name, const char *hash,
	    const char *locations, const char *phone, const char *email,
	    time_t now);
/* Set name's role (AUTH_ROLE_*). 0 / -1. */
int	 auth_staff_role(struct db *, const char *name, const char *role);
/* Load an enabled staff member: 1 found, 0 not, -1 error. */
int	 auth_staff_get(struct db *, const char *name, struct auth_staff *);
/*
 * Every staff member by name, disabled ones too: fn is called with each
 * (its strings borrowed for the call) until it returns non-zero.  0 or -1.
 */
int	 auth_staff_list(struct db *, int (*fn)(const struct auth_staff *,
	    int disabled, void *), void *arg);
/*
 * A new API token for name, valid until expires (0: until revoked); the
 * caller frees *token.  0 or -1.
 */
int	 auth_token_new(struct db *, const char *name, time_t now,
	    time_t expires, char **token);
/* Who holds token: 1 (out filled), 0 unknown, -1 error. */
int	 auth_token_check(struct db *, const char *token, time_t now,
	    struct auth_staff *out);
/* A new session of hours for name: *sid and *csrf (caller frees). 0 / -1. */
int	 auth_session_new(struct db *, const char *name, int hours, time_t now,
	    char **sid, char **csrf);
/* Who holds session sid: 1 (out filled, out->csrf set), 0, -1. */
int	 auth_session_check(struct db *, const char *sid, time_t now,
	    struct auth_staff *out);
int	 auth_session_end(struct db *, const char *sid);
/*
 * A login, in two transactions around the password check (which runs on
 * its own thread, pwcheck.c).  ip is the client's address.
 *
 * auth_login_begin: 0 with the stored hash in *hash (caller frees; NULL
 * when there is no such enabled name), the attempt recorded as failed;
 * 2 with *retry_after seconds when this name from this address, or this
 * address, must wait (nothing recorded, nothing to check); -1 on error.
 *
 * auth_login_finish: ok is the check of the password against hash.  1 and
 * the staff member in out when it matched and hash is still the
 * account's password (and it is enabled): the failure recorded by begin
 * and the earlier ones of this name from this address are forgotten.
 * 0 when not, -1 on error.
 */
int	 auth_login_begin(struct db *, const char *name, const char *ip,
	    time_t now, char **hash, int *retry_after);
int	 auth_login_finish(struct db *, const char *name, const char *ip,
	    const char *hash, int ok, time_t now, struct auth_staff *out);

/* --- account administration (in a transaction) --------------------------- */

/*
 * Tokens are listed by an id: the first AUTH_TOKEN_ID_LEN hex digits of
 * the token's hash, which says nothing about the token itself.
 */
#define AUTH_TOKEN_ID_LEN	12

struct auth_token {
	const char	*id;
	const char	*name;
	time_t		 created_at;
	time_t		 last_used;	/* 0: never */
	time_t		 expires_at;	/* 0: until revoked */
	int		 expired;
};

/* End every session and API token of name. 0 / -1. */
int	 auth_revoke_all(struct db *, const char *name);
/*
 * These three end the account's sessions and tokens with the change
 * (enabling ends nothing).  1 done, 0 no such account, -1 error.
 */
int	 auth_staff_passwd(struct db *, const char *name, const char *hash);
int	 auth_staff_disable(struct db *, const char *name, int disabled);
int	 auth_staff_remove(struct db *, const char *name);
/*
 * Tokens of name (NULL: everyone's), oldest first per name: fn gets each
 * (strings borrowed for the call) until it returns non-zero.  0 or -1.
 */
int	 auth_token_list(struct db *, const char *name, time_t now,
	    int (*fn)(const struct auth_token *, void *), void *arg);
/*
 * Revoke the token with this id: 1 (*name its holder's, caller frees),
 * 0 no such token, 2 the id is not unique (nothing revoked), -1 error.
 */
int	 auth_token_revoke(struct db *, const char *id, char **name);

#endif
