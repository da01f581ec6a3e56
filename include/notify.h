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

#include <stddef.h>
#include <time.h>

#include <jansson.h>

struct db;
struct config;
struct callback_asked;
struct callback_brief;
struct callback_res;

/*
 * Tell staff of what callback_request did (res): a new entry ("joined"),
 * or a repeat request that changes what they do ("repeat": the entry's
 * queue and the location the request names hear, each while open).  In
 * the caller's transaction.  Returns the number of outbox rows written (0
 * when closed or nothing is configured), or -1.
 */
int	notify_request(struct db *, const struct config *,
	    const struct callback_res *, time_t now);
/*
 * Entries waiting longer than cfg->notify_wait_minutes and not yet
 * reported: notify ("waiting") those whose location is open and mark them.
 * Returns the number of outbox rows written, or -1.
 */
int	notify_waiting(struct db *, const struct config *, time_t now);

/*
 * --- deciding (pure) ------------------------------------------------------
 * notify_send reads the facts, notify_decide turns them into outbox rows,
 * and the rows are queued in the caller's transaction.
 */

/* A staff member who may be e-mailed: address and auth.h location list. */
struct notify_contact {
	char	*email;
	char	*locations;
};

struct notify_facts {
	const struct callback_brief	*entry;
	const char			*event;	/* "joined", "waiting", "repeat" */
	long long			 rid;	/* "repeat": the request */
	const struct callback_asked	*asked;	/* "repeat": what it asked */
	struct notify_contact		*staff;	/* enabled, with an address */
	size_t				 nstaff;
};

/* One outbox row: outbox_enqueue's kind, dedupe key, recipient, payload. */
struct notify_row {
	const char	*kind;		/* "sms", "email", "chat" */
	char		*key;
	char		*recipient;
	json_t		*payload;
};

struct notify_plan {
	struct notify_row	*rows;
	size_t			 n;
};

/*
 * The notices about facts at now (pure): nothing while nobody can act
 * (the entry's location, or every location for the shared queue, is
 * closed), else a text to each on-call number, an e-mail to the
 * location's on-call address or to each staff member working there, and
 * a chat post, as switched on in cfg.  notify_plan_clear frees the plan.
 */
void	notify_decide(const struct config *, const struct notify_facts *,
	    time_t now, struct notify_plan *);
void	notify_plan_clear(struct notify_plan *);
/*
 * 1 when someone can act on a notice about location (NULL: the shared
 * queue) at now (pure).
 */
int	notify_due(const struct config *, const char *location, time_t now);

#endif
