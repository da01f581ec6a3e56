/*
 * auth.c -- staff passwords, tokens, sessions and login limits (see auth.h).
 *
 * Nothing secret is stored as given: passwords as yescrypt hashes (the
 * format mkpasswd writes, so an operator can also set one by hand), API
 * tokens and session ids as SHA-256 of 32 random bytes -- long enough that
 * a fast hash is safe, and a lookup by hash needs no per-row work.
 */
#include <crypt.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

void
auth_staff_clear(struct auth_staff *s)
{
	free(s->name);
	free(s->locations);
	free(s->phone);
	free(s->email);
	free(s->csrf);
	free(s->role);
	memset(s, 0, sizeof *s);
}

int
auth_name_valid(const char *s)
{
	size_t	n;

	if (s == NULL || *s == '\0')
		return (0);
	for (n = 0; s[n] != '\0'; n++) {
		if (n >= AUTH_NAME_MAX)
			return (0);
		if (!isalnum((unsigned char)s[n]) && strchr("._@-", s[n]) == NULL)
			return (0);
	}
	return (1);
}

char *
auth_hash_password(const char *pw)
{
	struct crypt_data	*cd;
	char			*salt, *h, *out = NULL;

	if ((salt = crypt_gensalt_ra("$y$", 0, NULL, 0)) == NULL) {
		log_error("auth_hash_password: crypt_gensalt_ra failed");
		return (NULL);
	}
	cd = xcalloc(1, sizeof *cd);
	h = crypt_r(pw, salt, cd);
	if (h != NULL && h[0] == '$')
		out = xstrdup(h);
	else
		log_error("auth_hash_password: crypt_r failed");
	explicit_bzero(cd, sizeof *cd);
	free(cd);
	free(salt);
	return (out);
}

int
auth_equal(const char *a, const char *b)
{
	size_t		la, lb, i;
	unsigned char	d;

	if (a == NULL || b == NULL)
		return (0);
	la = strlen(a);
	lb = strlen(b);
	d = la != lb;
	for (i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return (d == 0);
}

int
auth_verify_password(const char *pw, const char *hash)
{
	struct crypt_data	*cd;
	char			*h;
	int			 ok;

	if (pw == NULL || hash == NULL || hash[0] != '$')
		return (0);
	cd = xcalloc(1, sizeof *cd);
	h = crypt_r(pw, hash, cd);
	/* A failed crypt_r returns a string starting with '*', never a match. */
	ok = h != NULL && h[0] == '$' && auth_equal(h, hash);
	explicit_bzero(cd, sizeof *cd);
	free(cd);
	return (ok);
}

int
auth_location_allowed(const char *locations, const char *loc)
{
	const char	*p;
	size_t		 n;

	if (loc == NULL)
		return (1);
	if (locations == NULL)
		return (0);
	if (strcmp(locations, "*") == 0)
		return (1);
	n = strlen(loc);
	for (p = locations; *p != '\0';) {
		while (*p == ',' || *p == ' ')
			p++;
		if (strncmp(p, loc, n) == 0 && (p[n] == ',' || p[n] == '\0' ||
		    p[n] == ' '))
			return (1);
		if ((p = strchr(p, ',')) == NULL)
			break;
	}
	return (0);
}

char *
auth_cookie(const char *header, const char *name)
{
	const char	*p, *end;
	size_t		 n = strlen(name);

	if (header == NULL)
		return (NULL);
	for (p = header; *p != '\0';) {
		while (*p == ' ' || *p == ';')
			p++;
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) > n && strncmp(p, name, n) == 0 &&
		    p[n] == '=')
			return (xstrndup(p + n + 1, (size_t)(end - p - n - 1)));
		p = end;
	}
	return (NULL);
}

/* --- in a transaction ---------------------------------------------------- */

int
auth_staff_put(struct db *db, const char *name, const char *hash,
    const char *locations, const char *phone, const char *email, time_t now)
{
	if (!auth_name_valid(name))
		return (-1);
	return (db_exec(db, "INSERT INTO staff (name, password_hash, locations, "
	    "phone, email, disabled, created_at) VALUES (?, ?, ?, ?, ?, 0, ?) "
	    "ON CONFLICT (name) DO UPDATE SET "
	    "password_hash = COALESCE(excluded.password_hash, "
	    "staff.password_hash), locations = excluded.locations, "
	    "phone = COALESCE(excluded.phone, staff.phone), "
	    "email = COALESCE(excluded.email, staff.email), disabled = 0",
	    "sssssi", name, hash, locations != NULL ? locations : "*", phone,
	    email, (long long)now));
}

int
auth_staff_role(struct db *db, const char *name, const char *role)
{
	if (strcmp(role, AUTH_ROLE_ADMIN) != 0 &&
	    strcmp(role, AUTH_ROLE_STAFF) != 0)
		return (-1);
	return (db_exec(db, "UPDATE staff SET role = ? WHERE name = ?", "ss",
	    role, name));
}

int
auth_is_admin(const struct auth_staff *s)
{
	return (s->role != NULL && strcmp(s->role, AUTH_ROLE_ADMIN) == 0);
}

static char *
auth_dup(struct db_res *r, int col)
{
	return (db_isnull(r, col) ? NULL : xstrdup(db_text(r, col)));
}

int
auth_staff_get(struct db *db, const char *name, struct auth_staff *out)
{
	struct db_res	*r;
	int		 rc;

	memset(out, 0, sizeof *out);
	r = db_query(db, "SELECT name, locations, phone, email, role FROM "
	    "staff WHERE name = ? AND disabled = 0", "s", name);
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1) {
		out->name = auth_dup(r, 0);
		out->locations = auth_dup(r, 1);
		out->phone = auth_dup(r, 2);
		out->email = auth_dup(r, 3);
		out->role = auth_dup(r, 4);
	}
	db_done(r);
	return (rc);
}

int
auth_staff_list(struct db *db, int (*fn)(const struct auth_staff *, int,
    void *), void *arg)
{
	struct db_res		*r;
	struct auth_staff	 w;
	int			 rc;

	r = db_query(db, "SELECT name, locations, phone, email, disabled FROM "
	    "staff ORDER BY name", "");
	if (r == NULL)
		return (-1);
	memset(&w, 0, sizeof w);
	while ((rc = db_next(r)) == 1) {
		w.name = (char *)db_text(r, 0);
		w.locations = (char *)db_text(r, 1);
		w.phone = db_isnull(r, 2) ? NULL : (char *)db_text(r, 2);
		w.email = db_isnull(r, 3) ? NULL : (char *)db_text(r, 3);
		if (fn(&w, db_int(r, 4) != 0, arg) != 0)
			break;
	}
	db_done(r);
	return (rc == -1 ? -1 : 0);
}

int
auth_token_new(struct db *db, const char *name, time_t now, time_t expires,
    char **token)
{
	char	 h[65];

	*token = util_random_hex(32);
	util_sha256_hex(*token, strlen(*token), h);
	if (db_exec(db, "INSERT INTO staff_tokens (token_hash, name, "
	    "created_at, expires_at) VALUES (?, ?, ?, NULLIF(?, 0))", "ssii",
	    h, name, (long long)now, (long long)expires) != 0) {
		free(*token);
		*token = NULL;
		return (-1);
	}
	return (0);
}

/* Look up the name a hashed secret in table belongs to; 1, 0 or -1. */
static int
auth_lookup(struct db *db, const char *sql, const char *secret, time_t now,
    struct auth_staff *out, char **csrf)
{
	struct db_res	*r;
	char		 h[65], *name = NULL;
	int		 rc;

	memset(out, 0, sizeof *out);
	if (secret == NULL || strlen(secret) != 64)
		return (0);
	util_sha256_hex(secret, strlen(secret), h);
	if ((r = db_query(db, sql, "si", h, (long long)now)) == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1) {
		name = xstrdup(db_text(r, 0));
		if (csrf != NULL)
			*csrf = auth_dup(r, 1);
	}
	db_done(r);
	if (rc != 1)
		return (rc);
	rc = auth_staff_get(db, name, out);
	free(name);
	return (rc);
}

int
auth_token_check(struct db *db, const char *token, time_t now,
    struct auth_staff *out)
{
	char	h[65];
	int	rc;

	rc = auth_lookup(db, "SELECT name FROM staff_tokens WHERE "
	    "token_hash = ? AND (expires_at IS NULL OR expires_at > ?)", token,
	    now, out, NULL);
	if (rc == 1) {
		util_sha256_hex(token, strlen(token), h);
		if (db_exec(db, "UPDATE staff_tokens SET last_used = ? WHERE "
		    "token_hash = ?", "is", (long long)now, h) != 0) {
			auth_staff_clear(out);
			return (-1);
		}
	}
	return (rc);
}

int
auth_session_new(struct db *db, const char *name, int hours, time_t now,
    char **sid, char **csrf)
{
	char	h[65];

	*sid = util_random_hex(32);
	*csrf = util_random_hex(32);
	util_sha256_hex(*sid, strlen(*sid), h);
	/* Expired sessions go when someone logs in, so the table stays small. */
	if (db_exec(db, "DELETE FROM sessions WHERE expires_at < ?", "i",
	    (long long)now) != 0 ||
	    db_exec(db, "INSERT INTO sessions (id_hash, name, csrf, created_at, "
	    "expires_at) VALUES (?, ?, ?, ?, ?)", "sssii", h, name, *csrf,
	    (long long)now, (long long)now + (long long)hours * 3600) != 0) {
		free(*sid);
		free(*csrf);
		*sid = *csrf = NULL;
		return (-1);
	}
	return (0);
}

int
auth_session_check(struct db *db, const char *sid, time_t now,
    struct auth_staff *out)
{
	char	*csrf = NULL;
	int	 rc;

	rc = auth_lookup(db, "SELECT name, csrf FROM sessions WHERE "
	    "id_hash = ? AND expires_at > ?", sid, now, out, &csrf);
	if (rc == 1)
		out->csrf = csrf;
	else
		free(csrf);
	return (rc);
}

int
auth_session_end(struct db *db, const char *sid)
{
	char	h[65];

	if (sid == NULL || strlen(sid) != 64)
		return (0);
	util_sha256_hex(sid, strlen(sid), h);
	return (db_exec(db, "DELETE FROM sessions WHERE id_hash = ?", "s", h));
}

/*
 * Failed attempts under key in the window: how many, and the first and
 * last time.  0 or -1.
 */
static int
auth_failures(struct db *db, const char *key, time_t now, long long *n,
    long long *first, long long *last)
{
	struct db_res	*r;
	int		 rc;

	r = db_query(db, "SELECT COUNT(*), COALESCE(MIN(at), 0), "
	    "COALESCE(MAX(at), 0) FROM login_attempts WHERE key = ? AND "
	    "at > ? AND ok = 0", "si", key,
	    (long long)(now - AUTH_LOGIN_WINDOW));
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1) {
		*n = db_int(r, 0);
		*first = db_int(r, 1);
		*last = db_int(r, 2);
	}
	db_done(r);
	return (rc == 1 ? 0 : -1);
}

/* The keys attempts are counted under: this name from this address, and
 * names that do not exist from this address. */
static void
auth_login_keys(const char *name, const char *ip, char **pair,
    char **unknown)
{
	if (!auth_name_valid(name))
		name = "-";
	if (ip == NULL || *ip == '\0')
		ip = "-";
	xasprintf(pair, "pair:%s %s", name, ip);
	xasprintf(unknown, "unknown:%s", ip);
}

static char *
auth_stored_hash(struct db *db, const char *name, int *rc)
{
	struct db_res	*r;
	char		*hash = NULL;

	*rc = 0;
	if (!auth_name_valid(name))
		return (NULL);
	r = db_query(db, "SELECT password_hash FROM staff WHERE name = ? AND "
	    "disabled = 0", "s", name);
	if (r == NULL) {
		*rc = -1;
		return (NULL);
	}
	if (db_next(r) == 1 && !db_isnull(r, 0))
		hash = xstrdup(db_text(r, 0));
	db_done(r);
	return (hash);
}

int
auth_login_begin(struct db *db, const char *name, const char *ip, time_t now,
    char **hash, int *retry_after)
{
	char		*pkey, *ukey;
	long long	 n = 0, first = 0, last = 0, wait;
	int		 rc = 0;

	*hash = NULL;
	*retry_after = 0;
	auth_login_keys(name, ip, &pkey, &ukey);
	/*
	 * This name from this address: a few tries free, then each waits
	 * twice as long as the one before.  Someone guessing elsewhere
	 * never slows the owner down.
	 */
	if (auth_failures(db, pkey, now, &n, &first, &last) != 0) {
		rc = -1;
		goto out;
	}
	if (n >= AUTH_LOGIN_FREE) {
		wait = (long long)AUTH_LOGIN_DELAY << (n - AUTH_LOGIN_FREE > 10 ?
		    10 : n - AUTH_LOGIN_FREE);
		if (wait > AUTH_LOGIN_WINDOW)
			wait = AUTH_LOGIN_WINDOW;
		if (now < last + wait) {
			*retry_after = (int)(last + wait - now);
			rc = 2;
			goto out;
		}
	}
	/*
	 * Names that do not exist, from this address: someone trying names.
	 * Then this address waits for everything, so what is refused does
	 * not tell which names exist.
	 */
	if (auth_failures(db, ukey, now, &n, &first, &last) != 0) {
		rc = -1;
		goto out;
	}
	if (n >= AUTH_LOGIN_MAX_UNKNOWN) {
		*retry_after = (int)(first + AUTH_LOGIN_WINDOW - now);
		if (*retry_after < 1)
			*retry_after = 1;
		rc = 2;
		goto out;
	}
	*hash = auth_stored_hash(db, name, &rc);
	if (rc == -1)
		goto out;
	/*
	 * Counted as failed now, while the password is checked elsewhere:
	 * attempts sent side by side each count.  Success takes it back.
	 */
	if (db_exec(db, "INSERT INTO login_attempts (key, at, ok) "
	    "VALUES (?, ?, 0)", "si", pkey, (long long)now) != 0 ||
	    (*hash == NULL && db_exec(db, "INSERT INTO login_attempts (key, "
	    "at, ok) VALUES (?, ?, 0)", "si", ukey, (long long)now) != 0)) {
		free(*hash);
		*hash = NULL;
		rc = -1;
	}
out:
	free(pkey);
	free(ukey);
	return (rc);
}

int
auth_login_finish(struct db *db, const char *name, const char *ip,
    const char *hash, int ok, time_t now, struct auth_staff *out)
{
	char	*pkey, *ukey, *cur = NULL;
	int	 rc = 0;

	memset(out, 0, sizeof out[0]);
	auth_login_keys(name, ip, &pkey, &ukey);
	/* The password checked must still be the account's, and it enabled. */
	if (ok && hash != NULL) {
		cur = auth_stored_hash(db, name, &rc);
		if (rc == 0 && cur != NULL && auth_equal(cur, hash)) {
			if (db_exec(db, "DELETE FROM login_attempts WHERE "
			    "key = ?", "s", pkey) != 0 ||
			    auth_staff_get(db, name, out) != 1)
				rc = -1;
			else
				rc = 1;
		}
	}
	/* Old attempts no longer count; drop them. */
	if (rc != -1 && db_exec(db, "DELETE FROM login_attempts WHERE at < ?",
	    "i", (long long)(now - 2 * AUTH_LOGIN_WINDOW)) != 0)
		rc = -1;
	if (rc == -1)
		auth_staff_clear(out);
	free(cur);
	free(pkey);
	free(ukey);
	return (rc);
}

/* --- account administration ------------------------------------------------
 *
 * What an admin does to an account (hotline staff passwd|disable|enable|
 * remove, tokens).  A new password, a disabled or a removed account ends
 * every dashboard session and API token of that name in the same
 * transaction: the next request with an old cookie or token is refused.
 */

/* 1 when name is an account (enabled or not), 0 when not, -1. */
static int
auth_staff_exists(struct db *db, const char *name)
{
	long long	n = 0;

	if (!auth_name_valid(name))
		return (0);
	if (db_int_query(db, &n, "SELECT COUNT(*) FROM staff WHERE name = ?",
	    "s", name) == -1)
		return (-1);
	return (n > 0);
}

int
auth_revoke_all(struct db *db, const char *name)
{
	if (db_exec(db, "DELETE FROM sessions WHERE name = ?", "s", name) != 0 ||
	    db_exec(db, "DELETE FROM staff_tokens WHERE name = ?", "s",
	    name) != 0)
		return (-1);
	return (0);
}

int
auth_staff_passwd(struct db *db, const char *name, const char *hash)
{
	int	rc;

	if ((rc = auth_staff_exists(db, name)) != 1)
		return (rc);
	if (db_exec(db, "UPDATE staff SET password_hash = ? WHERE name = ?",
	    "ss", hash, name) != 0 || auth_revoke_all(db, name) != 0)
		return (-1);
	return (1);
}

int
auth_staff_disable(struct db *db, const char *name, int disabled)
{
	int	rc;

	if ((rc = auth_staff_exists(db, name)) != 1)
		return (rc);
	if (db_exec(db, "UPDATE staff SET disabled = ? WHERE name = ?", "is",
	    (long long)(disabled != 0), name) != 0)
		return (-1);
	/* Enabling gives nothing back: new sessions and tokens are made anew. */
	if (disabled && auth_revoke_all(db, name) != 0)
		return (-1);
	return (1);
}

int
auth_staff_remove(struct db *db, const char *name)
{
	int	rc;

	if ((rc = auth_staff_exists(db, name)) != 1)
		return (rc);
	if (auth_revoke_all(db, name) != 0 ||
	    db_exec(db, "DELETE FROM staff WHERE name = ?", "s", name) != 0)
		return (-1);
	return (1);
}

int
auth_token_list(struct db *db, const char *name, time_t now,
    int (*fn)(const struct auth_token *, void *), void *arg)
{
	struct db_res		*r;
	struct auth_token	 t;
	int			 rc;

	/* PostgreSQL's substr wants an integer, not the bigint bound. */
	r = db_query(db, "SELECT substr(token_hash, 1, CAST(? AS INTEGER)), "
	    "name, created_at, COALESCE(last_used, 0), COALESCE(expires_at, 0) FROM "
	    "staff_tokens WHERE (? = '' OR name = ?) ORDER BY name, created_at",
	    "iss", (long long)AUTH_TOKEN_ID_LEN, name != NULL ? name : "",
	    name != NULL ? name : "");
	if (r == NULL)
		return (-1);
	while ((rc = db_next(r)) == 1) {
		memset(&t, 0, sizeof t);
		t.id = db_text(r, 0);
		t.name = db_text(r, 1);
		t.created_at = (time_t)db_int(r, 2);
		t.last_used = (time_t)db_int(r, 3);
		t.expires_at = (time_t)db_int(r, 4);
		t.expired = t.expires_at != 0 && t.expires_at <= now;
		if (fn(&t, arg) != 0)
			break;
	}
	db_done(r);
	return (rc == -1 ? -1 : 0);
}

int
auth_token_revoke(struct db *db, const char *id, char **name)
{
	long long	 n = 0;
	size_t		 i;

	*name = NULL;
	if (strlen(id) != AUTH_TOKEN_ID_LEN)
		return (0);
	for (i = 0; id[i] != '\0'; i++)
		if (!isxdigit((unsigned char)id[i]) || isupper((unsigned char)id[i]))
			return (0);
	if (db_int_query(db, &n, "SELECT COUNT(*) FROM staff_tokens WHERE "
	    "substr(token_hash, 1, CAST(? AS INTEGER)) = ?", "is",
	    (long long)AUTH_TOKEN_ID_LEN, id) == -1)
		return (-1);
	/* Two tokens alike in the first 48 bits: say so, revoke neither. */
	if (n != 1)
		return (n == 0 ? 0 : 2);
	if (db_text_query(db, name, "SELECT name FROM staff_tokens WHERE "
	    "substr(token_hash, 1, CAST(? AS INTEGER)) = ?", "is",
	    (long long)AUTH_TOKEN_ID_LEN, id) == -1 ||
	    db_exec(db, "DELETE FROM staff_tokens WHERE substr(token_hash, 1, "
	    "CAST(? AS INTEGER)) = ?", "is", (long long)AUTH_TOKEN_ID_LEN,
	    id) != 0) {
		free(*name);
		*name = NULL;
		return (-1);
	}
	return (1);
}
