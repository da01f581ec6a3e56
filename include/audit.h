/*
 * audit.h -- who looked at whose record (audit.c owns audit_log).  Every
 * view of a person's record is written here in the transaction that
 * read it, so a view that was answered is a view that was recorded.
 */
#ifndef HOTLINE_AUDIT_H
#define HOTLINE_AUDIT_H

#include <time.h>

#include <jansson.h>

struct db;

#define AUDIT_LIMIT_MAX		1000

/*
 * Record that actor (a staff name) did action ("person.view") on subject
 * (whose record; may be NULL), with detail (or NULL).  0 or -1.
 */
int	 audit_add(struct db *, const char *actor, const char *action,
	    const char *subject, const char *detail, time_t now);
/*
 * The newest rows first, at most limit, before row id before (0: from
 * the newest): a new array of { "id", "at", "actor", "action",
 * "subject", "detail" }.  NULL on a store error.
 */
json_t	*audit_list(struct db *, long long before, int limit);

#endif
