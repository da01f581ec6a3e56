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
/* Failed logins allowed in AUTH_LOGIN_WINDOW seconds, per user and per address. */
#define AUTH_LOGIN_WINDOW	900
#define AUTH_LOGIN_MAX_USER	5
#define AUTH_LOGIN_MAX_IP	20

/* Who a request is from; strings owned (auth_staff_clear frees). */
struct auth_staff {
	char	*name;
	char	*locations;	/* "*" or "a,b" */
	char	*phone;		/* E.164 or NULL */
	char	*email;		/* or NULL */
	char	*csrf;		/* session's CSRF token; NULL for a bearer token */
};

void	 auth_staff_clear(struct auth_staff *);
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
/* Load an enabled staff member: 1 found, 0 not, -1 error. */
int	 auth_staff_get(struct db *, const char *name, struct auth_staff *);
/* A new API token for name (caller frees *token); 0, or -1. */
int	 auth_token_new(struct db *, const char *name, time_t now,
	    char **token);
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
 * A login attempt: 1 and the staff member when name/pw are right, 0 when
 * not, 2 when refused because of too many recent failures for this name
 * or address (nothing checked), -1 on error.  Every attempt is recorded.
 */
int	 auth_login(struct db *, const char *name, const char *pw,
	    const char *ip, time_t now, struct auth_staff *out);

#endif
