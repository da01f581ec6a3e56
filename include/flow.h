/*
 * flow.h -- the voice menu graph, loaded from config/flow.yaml.
 *
 * The graph is data: nodes (menus, guides, the clinic finder, the callback
 * steps...) with prompts, options and links.  What each node type does is
 * code in voice.c; which nodes exist, what they say, which key or spoken
 * answer leads where, is config.  Every menu also gets the flow's global
 * options (repeat, back, front desk) unless it defines the same key.
 */
#ifndef HOTLINE_FLOW_H
#define HOTLINE_FLOW_H

#include <stddef.h>

#include "config.h"

struct cfgctx;
struct fy_node;

enum flow_type {
	FLOW_MENU,		/* prompt + options */
	FLOW_GUIDE,		/* a guide played item by item */
	FLOW_CLINICS,		/* a menu whose locations are options too */
	FLOW_ZIP,		/* five digits -> nearest location */
	FLOW_LOCATION,		/* open: address + Dial; closed: hours + options */
	FLOW_CALLBACK,		/* confirm number, location, window -> queue */
	FLOW_VOICEMAIL,		/* Record -> callback with the recording */
	FLOW_FRONT_DESK,	/* Dial the front desk, or options when closed */
	FLOW_GOODBYE,		/* goodbye and hang up */
	FLOW_APPOINTMENT	/* clinic, new?, days, reason, number -> request */
};

enum flow_action {
	FA_GOTO,		/* go to option->target */
	FA_REPEAT,		/* say this node again */
	FA_BACK,		/* go to node->back */
	FA_LANGUAGE,		/* switch to option->lang, then this node */
	FA_NEXT,		/* guide: next item */
	FA_AGAIN,		/* guide: this item again */
	FA_TEXT,		/* text the guide (option->guide, or the guide item) */
	FA_TEXT_ADDRESS,	/* text the location's address and hours */
	FA_LOCATION,		/* go to the location node for option->location */
	FA_DAILY		/* enrol the caller in the daily programme */
};

struct flow_node;

struct flow_option {
	char			*key;		/* "1", "*", "#"; NULL: speech only */
	char			*intent;	/* name recorded in events */
	struct i18n_re		 speech;
	enum flow_action	 action;
	char			*target_id;
	struct flow_node	*target;	/* FA_GOTO */
	struct guide		*guide;		/* FA_TEXT */
	int			 lang;		/* FA_LANGUAGE; -1: the next one */
	struct location		*location;	/* FA_LOCATION */
	int			 global;	/* from the flow's global options */
	int			 borrowed;	/* speech belongs to the location */
	int			 line;		/* in flow.yaml */
};

struct flow_node {
	char			*id;
	enum flow_type		 type;
	struct prompt		*prompt;	/* the menu prompt (says the keys) */
	struct prompt		*intro;		/* said on entry, not on repeat */
	struct prompt		*after;		/* guide: after each item */
	struct prompt		*last;		/* guide: after the last item */
	struct prompt		*number;	/* callback: key in a number */
	struct prompt		*where;		/* callback: which location */
	struct prompt		*when;		/* callback: preferred window */
	struct prompt		*patient;	/* appointment: new or returning */
	struct prompt		*reason;	/* appointment: what for */
	struct prompt		*done;		/* appointment: asked, staff in */
	struct prompt		*closed;	/* appointment: asked, staff later */
	char			*topic;		/* callback topic from here */
	char			*back_id;
	struct flow_node	*back;
	char			*fail_id;	/* where misses (and a failed Dial) end */
	struct flow_node	*fail;
	char			*next_id;	/* callback: after joining the queue */
	struct flow_node	*next;
	int			 tries;		/* misses before fail (0: flow's) */
	char			*location_id;	/* FLOW_LOCATION/CLINICS/ZIP target */
	struct flow_node	*location_node;
	struct guide		*guide;		/* FLOW_GUIDE */
	int			 by_part;	/* guide items are parts, not guides */
	struct i18n		 hints;
	struct flow_option	*options;	/* node's own, then global ones */
	size_t			 noptions;
	struct flow_option	*windows;	/* callback: preferred windows */
	size_t			 nwindows;
	char			*any_key;	/* callback: any location */
	struct i18n_re		 yes, no;	/* callback: confirm the number */
	struct i18n_re		 skip;		/* appointment: skip a question */
	struct i18n_re		 fresh, again;	/* appointment: new, returning */
	int			 line;
};

/* System prompts every flow must have (index into flow->sys). */
enum flow_sys {
	FS_WELCOME, FS_DISCLAIMER, FS_EMERGENCY, FS_EMERGENCY_FLAGGED,
	FS_LANGUAGE, FS_REPROMPT_1, FS_REPROMPT_2, FS_NO_INPUT, FS_GOODBYE,
	FS_SORRY_STORE, FS_CONNECTING, FS_DIAL_FAILED, FS_SMS_SENT,
	FS_SMS_NO_NUMBER, FS_CB_NUMBER_ENDS, FS_CB_POSITION, FS_CB_WAIT,
	FS_CB_MINUTES, FS_CB_CLOSED, FS_CB_UPDATED, FS_LOC_OPEN, FS_LOC_CLOSED,
	FS_TODAY, FS_TOMORROW, FS_NEXT_OPEN, FS_ZIP_UNKNOWN, FS_ZIP_NEAREST,
	FS_VM_THANKS, FS_VM_NONE, FS_MISS_DESK, FS_MISS_CALLBACK,
	FS_LAST_ITEM, FS_EMERGENCY_FLAGGED_CLOSED, FS_ZIP_MILES, FS_COUNT
};

struct flow {
	struct flow_node	*nodes;
	size_t			 nnodes;
	struct flow_node	*start;
	struct flow_node	*callback;	/* where a miss ends when all is closed */
	struct flow_node	*front_desk;
	struct flow_node	*goodbye;
	struct flow_node	*voicemail;
	int			 max_tries;	/* misses before the fallback */
	int			 timeout;	/* Gather timeout, seconds */
	struct prompt		*sys[FS_COUNT];	/* system prompts, see flow.c */
	struct i18n		 hints;		/* speech hints for every menu */
	struct flow_option	*globals;	/* owns the patterns nodes borrow */
	size_t			 nglobals;
};

/* Parse the flow file's root into ctx->cfg->flow; problems go to ctx. */
int	flow_load(struct cfgctx *, struct fy_node *root);
void	flow_free(struct flow *);

/* The node called id, or NULL. */
struct flow_node	*flow_node(const struct flow *, const char *id);
/* A system prompt's role as named under system_prompts in flow.yaml. */
const char		*flow_sys_name(enum flow_sys);
/*
 * The option of node n chosen by digits (exact key) or by speech (already
 * normalised with flow_normalise) in language lang; NULL when nothing
 * matches.  Spoken digits ("two", "dos") choose that key.
 */
struct flow_option	*flow_match(const struct config *, struct flow_node *n,
			    const char *digits, const char *speech, int lang);
/*
 * Lower case, accents removed, punctuation made spaces, runs of spaces
 * made one: what speech patterns and red flags are matched against.
 * Caller frees.
 */
char			*flow_normalise(const char *);
/* The digits in s ("seven six one oh two" -> "76102"); caller frees. */
char			*flow_digits(const char *s);
/* The number of items a guide node plays. */
size_t			 flow_guide_items(const struct flow_node *);
/*
 * Item i of a guide node: its parts (into *parts, *nparts) and the guide
 * it belongs to (what "text me this" sends).
 */
const struct guide	*flow_guide_item(const struct flow_node *, size_t i,
			    const struct guide_part **parts, size_t *nparts);

#endif
