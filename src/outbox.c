/*
 * outbox.c -- the transactional outbox (see outbox.h).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hotline.h"
#include "log.h"
#include "optout.h"
#include "outbox.h"
#include "store.h"
#include "xmalloc.h"

long long
outbox_enqueue(struct db *db, const char *kind, const char *dedupe,
    const char *recipient, json_t *payload, time_t now)
{
	struct db_res	*r;
	char		*text;
	long long	 id = 0;
	int		 rc;

	if (strcmp(kind, "sms") == 0) {
		if ((rc = optout_is(db, recipient)) != 0) {
			json_decref(payload);
			return (rc == 1 ? OUTBOX_SUPPRESSED : -1);
		}
	}
	text = json_dumps(payload, JSON_COMPACT);
	json_decref(payload);
	if (text == NULL)
		return (-1);
	r = db_query(db, "INSERT INTO outbox (kind, dedupe, recipient, payload, "
	    "status, attempts, next_at, created_at, updated_at) VALUES "
	    "(?, ?, ?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT (dedupe) DO NOTHING "
	    "RETURNING id", "ssssiii", kind, dedupe, recipient, text,
	    (long long)now, (long long)now, (long long)now);
	free(text);
	if (r == NULL)
		return (-1);
	rc = db_next(r);
	if (rc == 1)
		id = db_int(r, 0);
	db_done(r);
	return (rc == -1 ? -1 : id);
}

struct outbox {
	struct hotline	*hl;
};

void
outbox_init(struct hotline *hl)
{
	hl->outbox = xcalloc(1, sizeof *hl->outbox);
	hl->outbox->hl = hl;
}

void
outbox_kick(struct outbox *ob)
{
	(void)ob;
}

void
outbox_free(struct outbox *ob)
{
	free(ob);
}
