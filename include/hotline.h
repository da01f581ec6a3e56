/*
 * hotline.h -- the running service: one event loop and the parts hung on
 * it.  hotlined.c owns it; modules get it through struct hreq or their
 * *_init call.
 */
#ifndef HOTLINE_HOTLINE_H
#define HOTLINE_HOTLINE_H

struct event_base;
struct config;
struct http;
struct store;
struct curlev;
struct outbox;
struct staff;
struct live;
struct retention;

struct hotline {
	struct event_base	*base;
	struct config		*cfg;		/* current; requests hold refs */
	char			*config_path;
	struct http		*http;
	struct store		*store;
	struct curlev		*curl;
	struct outbox		*outbox;	/* outbox.c */
	struct staff		*staff;		/* staff.c */
	struct live		*live;		/* live.c; NULL on SQLite */
	struct retention	*retention;	/* retention.c */
	int			 stopping;
	long long		 started_ms;
};

/* The configuration now in force (no reference taken). */
static inline struct config *
hotline_config(struct hotline *h)
{
	return (h->cfg);
}

/* Module set-up, called once at start in this order; each registers its routes. */
void	voice_init(struct hotline *);
/* Frees what voice.c keeps between webhooks (a call's first answer). */
void	voice_free(void);
void	sms_init(struct hotline *);
void	outbox_init(struct hotline *);
void	staff_init(struct hotline *);
void	staff_inbox_init(struct hotline *);	/* staff_inbox.c, by staff_init */
void	staff_appt_init(struct hotline *);	/* staff_appt.c, by staff_init */
void	staff_people_init(struct hotline *);	/* staff_people.c, by staff_init */
void	prompt_init(struct hotline *);
/* The dashboard's phone tree (flowpic.c): route, and redraw on reload. */
void	flowpic_init(struct hotline *);
void	flowpic_update(const struct config *);
/* Module tear-down at exit (after the loop ends). */
void	outbox_free(struct outbox *);
void	staff_free(struct staff *);
/* Called after SIGHUP swapped in a new configuration. */
void	staff_reconfigure(struct hotline *);
/*
 * Read the prompt recordings of a configuration not yet in force into it
 * (at start and on SIGHUP, before it is swapped in): prompt.c serves them
 * from memory, and one that cannot be read is spoken instead.
 */
void	prompt_load(struct config *);

#endif
