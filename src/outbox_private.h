/*
 * outbox_private.h -- what the outbox files share, private to
 * src/outbox*.c: a row being sent and the dispatcher's state.
 *
 *   outbox.c        the outbox table: queueing, claiming, results, and
 *                   what the rest of the service asks of its rows
 *   outbox_send.c   the dispatcher on the loop, the provider's REST API
 *                   (texts, calls), chat, and reconciling unconfirmed sends
 *   outbox_email.c  an e-mail as a message (its SMTP delivery is
 *                   outbox_send.c's)
 */
#ifndef HOTLINE_OUTBOX_PRIVATE_H
#define HOTLINE_OUTBOX_PRIVATE_H

#include <sys/queue.h>

#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "curlev.h"

struct config;
struct curlev_resp;
struct hotline;

#define OUTBOX_TICK_MS		500
#define OUTBOX_LEASE		120	/* s a 'sending' row belongs to its sender */
#define OUTBOX_BACKOFF_BASE	1.0	/* s before the first retry */
#define OUTBOX_BACKOFF_CAP	900.0
#define OUTBOX_TIMEOUT_MS	15000
#define OUTBOX_UNCONFIRMED	"unconfirmed: "
/* s after which a dead instance's request has surely ended (the timeout) */
#define OUTBOX_DEAD_AFTER	(OUTBOX_TIMEOUT_MS / 1000 + 5)
#define OUTBOX_WHATSAPP		"whatsapp"
/*
 * Rows claimed, or results stored, in one store job at most: a job this
 * size takes a few milliseconds even on PostgreSQL, where each row is a
 * round trip, so webhooks whose jobs share its commit do not wait long.
 */
#define OUTBOX_BATCH_MAX	32
#define OUTBOX_WHATSAPP_WINDOW	86400	/* s WhatsApp takes free text after */
#define OUTBOX_LATE_MAX		86400	/* s late a scheduled text is skipped */

enum outbox_result {
	OUTBOX_SENT,
	OUTBOX_RETRY,
	OUTBOX_FAILED
};

struct outbox_send {
	TAILQ_ENTRY(outbox_send) entry;
	struct outbox	*ob;
	struct config	*cfg;
	long long	 id;
	char		*kind;
	char		*dedupe;
	char		*recipient;
	json_t		*payload;
	int		 attempts;	/* before this one */
	time_t		 send_after;	/* scheduled for then, or 0 */
	time_t		 prev_started;	/* of the attempt being reconciled */
	int		 reconcile;
	int		 bad;		/* payload unusable: fail at once */
	long long	 start_ms;

	/* the outcome, written by outbox_result_tx */
	enum outbox_result result;
	char		*provider_sid;
	long long	 error_code;
	char		*last_error;
	time_t		 next_at;
	int		 optout;
	char		*fhir_id;	/* fhir: the server's id of it */
	char		*fhir_outcome;	/* fhir: what the server said */
};

TAILQ_HEAD(outbox_sends, outbox_send);

/*
 * A send is on exactly one of the dispatcher's lists: claimed and waiting
 * its turn (ready), its request in flight (sends), answered and its
 * result not yet given to the store (done), or in a results job.
 */
struct outbox {
	struct hotline		*hl;
	struct event		*timer;
	struct event		*kick;
	struct event		*pace;		/* the next token is due */
	int			 claiming;
	int			 more;		/* rows may be due: claim */
	int			 pumping;
	int			 storing;	/* a results job in flight */
	int			 nready;
	int			 nsending;
	int			 ndone;
	double			 tokens;
	long long		 refill_ms;
	time_t			 started;
	struct outbox_sends	 ready;
	struct outbox_sends	 sends;
	struct outbox_sends	 done;

	/* the REST API's addresses and credentials under scfg */
	struct config		*scfg;
	char			*api_messages;
	char			*api_calls;
	char			*userpwd;
	char			*sms_status_url;
	char			*voice_status_url;
};

/* Many sends' results, stored in one job. */
struct outbox_results {
	struct outbox		*ob;
	struct outbox_sends	 rows;
	int			 n;
};

struct outbox_claim {
	struct outbox		*ob;
	struct config		*cfg;
	int			 limit;
	int			 orphans;	/* take orphaned rows too */
	time_t			 cutoff;	/* 'sending' before this is orphaned */
	time_t			 dead_cutoff;	/* ... or before this, claimer dead */
	struct outbox_sends	 rows;
	int			 n;
	int			 suppressed;
};

/* outbox.c */
void		 outbox_send_free(struct outbox_send *);
const char	*outbox_str(json_t *, const char *key);
int		 outbox_claim_tx(struct db *, void *);
int		 outbox_results_tx(struct db *, void *);

/* outbox_send.c */
void		 outbox_finish(struct outbox_send *, enum outbox_result,
		     long long code, const char *why);
void		 outbox_http_result(struct outbox_send *,
		     const struct curlev_resp *);

/*
 * outbox_fhir.c: a "fhir" row as the scheduling system's request (NULL,
 * or why it cannot be one), and what its answer means for the row (*why
 * allocated or NULL; the server's id and outcome kept in the send).
 */
#define OUTBOX_FHIR_TYPE	"application/fhir+json"
struct outbox_fhir_req {
	struct curlev_req	 req;
	const char		*headers[4];
	char			*body;
	char			*auth;
	char			*ine;
};
const char	*outbox_fhir_req(const struct outbox_send *,
		     struct outbox_fhir_req *);
void		 outbox_fhir_req_free(struct outbox_fhir_req *);
enum outbox_result outbox_fhir_answer(struct outbox_send *,
		     const struct curlev_resp *, long long *code, char **why);

/* outbox_email.c: the message from from (the caller frees) */
char		*outbox_email_text(const struct outbox_send *, const char *from,
		     const char *subject, const char *body);

#endif
