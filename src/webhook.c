/* webhook.c -- answering a redelivered webhook the same way (see webhook.h). */
#include <stdlib.h>

#include "store.h"
#include "webhook.h"
#include "xmalloc.h"

int
webhook_lookup(struct db *db, const char *key, int *status, char **ctype,
    char **body)
{
	struct db_res	*r;
	int		 rc;

	r = db_query(db, "SELECT status, content_type, response FROM webhooks "
	    "WHERE key = ?", "s", key);
	if (r == NULL)
		return (-1);
	rc = db_next(r);
	if (rc == 1) {
		*status = (int)db_int(r, 0);
		*ctype = xstrdup(db_text(r, 1));
		*body = xstrdup(db_text(r, 2));
	}
	db_done(r);
	return (rc);
}

int
webhook_save(struct db *db, const char *key, int status, const char *ctype,
    const char *body, time_t now)
{
	return (db_exec(db, "INSERT INTO webhooks (key, at, status, "
	    "content_type, response) VALUES (?, ?, ?, ?, ?) "
	    "ON CONFLICT (key) DO NOTHING", "siiss", key, (long long)now,
	    (long long)status, ctype, body));
}
