/*
 * voice_private.h -- what the voice files share, private to src/voice*.c:
 * a decision in progress (voice_ctx) and the functions one file of the
 * decision calls in another.  voice_decide.c uses voice_render.c, never
 * the other way round.
 *
 *   voice_render.c   what the caller hears: prompts, step URLs, each node
 *   voice_decide.c   what the caller's input does: the state machine
 *   voice.c          the webhooks and their transactions
 */
#ifndef HOTLINE_VOICE_PRIVATE_H
#define HOTLINE_VOICE_PRIVATE_H

#include <stddef.h>
#include <time.h>

#include "flow.h"
#include "voice.h"

struct estimate;
struct location;
struct twiml;
struct prompt;

/* How a node is shown. */
enum voice_show {
	VS_FIRST,	/* the call's first answer: welcome, notices */
	VS_ENTRY,	/* arriving: intro, then the prompt */
	VS_AGAIN,	/* repeat: the prompt (a guide item again) */
	VS_MENU		/* the choices only (after a reprompt, a text) */
};

/* One decision in progress: pure, whatever thread it runs on. */
struct voice_ctx {
	const struct voice_in	*in;
	const struct config	*cfg;
	const struct flow	*f;
	const struct voice_facts *facts;
	struct voice_plan	*plan;
	struct twiml		*tw;
	time_t			 now;
	int			 ncb;		/* callback requests made */
	int			 stop;		/* plan->need set: stop here */
};

/* voice_render.c */
const char	*voice_lang_code(const struct config *, int lang);
void		 voice_sys(struct voice_ctx *, enum flow_sys, int lang);
void		 voice_sys_extra(struct voice_ctx *, enum flow_sys, int lang,
		     const char *extra);
void		 voice_set_input(struct voice_ctx *, const char *node,
		     const char *input);
int		 voice_any_open(struct voice_ctx *);
void		 voice_state_goto(struct voice_state *, struct flow_node *);
void		 voice_opening(struct voice_ctx *, const struct estimate *,
		    int lang, char *, size_t);
void		 voice_show_menu(struct voice_ctx *, struct voice_state *,
		     enum voice_show);
void		 voice_show_guide(struct voice_ctx *, struct voice_state *,
		     enum voice_show);
void		 voice_show_zip(struct voice_ctx *, struct voice_state *);
void		 voice_show_location(struct voice_ctx *, struct voice_state *,
		     enum voice_show);
void		 voice_show_callback(struct voice_ctx *,
		     const struct voice_state *);
void		 voice_show_appointment(struct voice_ctx *,
		     const struct voice_state *);
void		 voice_say_location(struct voice_ctx *,
		     const struct location *, int lang);
void		 voice_say_appointment_made(struct voice_ctx *,
		     const struct voice_state *);
void		 voice_show_voicemail(struct voice_ctx *, struct voice_state *);
void		 voice_show_front_desk(struct voice_ctx *, struct voice_state *,
		     enum voice_show);
void		 voice_show_goodbye(struct voice_ctx *,
		     const struct voice_state *);

/* voice_decide.c */
void		 voice_show(struct voice_ctx *, struct voice_state *,
		     enum voice_show);

#endif
