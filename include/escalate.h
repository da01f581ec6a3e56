/*
 * escalate.h -- red flags reach a person at any hour.
 *
 * Every red flag (spoken or texted, open or closed) pages the first
 * contact of the always-on escalation list in safety.yaml at once, by
 * text and, when the contact has one and SMTP is set, by e-mail.  A page
 * not acknowledged within the contact's ack_minutes pages the next
 * contact, through the list and round again, `rounds` times.  A page is
 * acknowledged when staff claim the callback (dashboard, API or CLI) or
 * when a paged contact texts back anything but STOP or HELP.
 *
 * The escalation is rows in the store (escalations, escalation_pages,
 * owned here) with the time the next contact is due, and every page is an
 * outbox row written in the same transaction: a restart or a crash loses
 * no page and no timer.  One escalation per callback entry.
 */
#ifndef HOTLINE_ESCALATE_H
#define HOTLINE_ESCALATE_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

struct cfgctx;
struct config;
struct db;
struct fy_node;

struct escalate_contact {
	char	*name;
	char	*phone;		/* E.164 */
	char	*email;		/* or NULL */
	int	 ack_minutes;	/* before the next contact is paged */
};

struct escalation {
	struct escalate_contact	*contacts;	/* in paging order */
	size_t			 ncontacts;
	int			 rounds;	/* times through the list */
};

/* --- configuration (safety.yaml: escalation) ----------------------------- */

/* Parse root's escalation into ctx->cfg->escalation; problems go to ctx. */
void	escalate_load(struct cfgctx *, struct fy_node *root);
void	escalate_config_free(struct escalation *);

/* --- the escalation, each inside the caller's transaction --------------- */

/*
 * A red flag on callback entry id: start its escalation and page the first
 * contact, unless the entry has one already.  phone is the person's (only
 * its last four digits go in a page); channel "sms", "voice", ...;
 * location the entry's queue (NULL: shared).  Returns the outbox rows
 * written, or -1.
 */
int	escalate_start(struct db *, const struct config *, long long id,
	    const char *phone, const char *channel, const char *location,
	    time_t now);
/*
 * Page the next contact of every escalation whose time is up; an entry
 * that left the queue stops its escalation.  Returns the outbox rows
 * written, or -1.
 */
int	escalate_due(struct db *, const struct config *, time_t now);
/* Staff (by) took callback id: its escalation is acknowledged.  0 or -1. */
int	escalate_ack(struct db *, long long id, const char *by, time_t now);
/*
 * A text from phone: when phone was paged for an open escalation, every
 * such escalation is acknowledged and *reply gets the answer to send
 * (the caller frees).  Returns how many were acknowledged, or -1.
 */
int	escalate_reply(struct db *, const struct config *, const char *phone,
	    time_t now, char **reply);
/*
 * Callback id's escalation as the API shows it, a new object: "status"
 * (paging, acknowledged, unanswered), "started_at", "pages"
 * [{"n", "contact", "at"}], "next_page_at", "acknowledged_at",
 * "acknowledged_by"; json null when it has none; NULL on a store error.
 */
json_t	*escalate_json(struct db *, long long id);

#endif
