/*
 * audit.c -- the audit log (see audit.h).  Rows are only ever added; the
 * log holds phone numbers as subjects, like the rest of the store, and
 * is read by admins (GET /api/v1/audit, hotline audit).
 */
#include <jansson.h>

#include "audit.h"
#include "store.h"
#include "util.h"

int
audit_add(struct db *db, const char *actor, const char *action,
    const char *subject, const char *detail, time_t now)
{
	return (db_exec(db, "INSERT INTO audit_log (at, actor, action, "
	    "subject, detail) VALUES (?, ?, ?, ?, ?)", "issss",
	    (long long)now, actor, action, subject, detail));
}

json_t *
audit_list(struct db *db, long long before, int limit)
{
	struct db_res	*r;
	json_t		*a;
	char		 ts[32];
	int		 rc;

	r = db_query(db, "SELECT id, at, actor, action, subject, detail FROM "
	    "audit_log WHERE (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?",
	    "iii", before, before, (long long)limit);
	if (r == NULL)
		return (NULL);
	a = json_array();
	while ((rc = db_next(r)) == 1)
		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:s?, "
		    "s:s?}", "id", (json_int_t)db_int(r, 0),
		    "at", util_iso8601((time_t)db_int(r, 1), ts, sizeof ts),
		    "actor", db_text(r, 2), "action", db_text(r, 3),
		    "subject", db_text(r, 4), "detail", db_text(r, 5)));
	db_done(r);
	if (rc == -1) {
		json_decref(a);
		return (NULL);
	}
	return (a);
}
