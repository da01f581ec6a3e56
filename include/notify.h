/*
 * notify.h -- telling staff someone is waiting for a call back: a text to
 * the location's on-call number, an e-mail and a chat webhook, each
 * switched on in hotline.yaml (staff.notify) and each written to the
 * outbox in the caller's transaction, so none is lost or sent twice.
 *
 * A notice names the entry, location, topic, language and priority, how
 * many requests the entry holds, and the last four digits of the number
 * -- never the full number or anything else the caller said.
 */
#ifndef HOTLINE_NOTIFY_H
#define HOTLINE_NOTIFY_H

#include <time.h>

struct db;
struct config;

/*
 * Notify about entry id for event "joined" or "waiting", when its
 * location (any location, for the shared queue) is open at now.  Returns
 * the number of outbox rows written (0 when closed or nothing is
 * configured), or -1.
 */
int	notify_callback(struct db *, const struct config *, long long id,
	    const char *event, time_t now);
/*
 * A repeat request (rid) joined open entry id: notify ("repeat") the
 * entry's queue and the location the request names, each while open.
 * Returns the number of outbox rows written, or -1.
 */
int	notify_repeat(struct db *, const struct config *, long long id,
	    long long rid, time_t now);
/*
 * Entries waiting longer than cfg->notify_wait_minutes and not yet
 * reported: notify ("waiting") those whose location is open and mark them.
 * Returns the number of outbox rows written, or -1.
 */
int	notify_waiting(struct db *, const struct config *, time_t now);

#endif
