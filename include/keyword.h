/*
 * keyword.h -- SMS keywords, compliance words and replies, loaded from
 * config/sms.yaml.  What the replies say is worded in reply.c.
 *
 * Matching happens on a normalised message (keyword_normalise): lower
 * case, accents removed, apostrophes dropped, other punctuation made a
 * space, runs of space made one, trimmed.  Compliance words are compared
 * with every space removed as well, so "S T O P", "Stop." and "opt-out"
 * are what the texter meant.
 *
 * A message that is not a compliance word alone may still ask us to stop
 * ("Stop texting me", "no me envíen más mensajes"): keyword_optout_intent
 * reads it word by word against sms.yaml's opt_out_intent lists.
 */
#ifndef HOTLINE_KEYWORD_H
#define HOTLINE_KEYWORD_H

#include <stddef.h>

#include "config.h"

struct cfgctx;
struct fy_node;

enum kw_compliance {
	KW_NONE = 0,
	KW_OPTOUT,
	KW_OPTIN,
	KW_HELP
};

enum kw_action {
	KW_GUIDE,
	KW_CLINICS,
	KW_ZIP,
	KW_HOURS,
	KW_CALLBACK,
	KW_LANGUAGE,
	KW_APPOINTMENT		/* start an appointment request (appointment.h) */
};

struct keyword {
	char		*id;
	int		 lang;		/* language index, -1 = keep the number's */
	pcre2_code	*re;
	enum kw_action	 action;
	struct guide	*guide;		/* KW_GUIDE */
};

/* A run of normalised words: "take", "me", "off". */
struct kw_seq {
	char		**words;
	size_t		  nwords;
};

struct kw_seqs {
	struct kw_seq	 *v;
	size_t		  n;
};

/*
 * One language's opt_out_intent lists.  A message is an opt-out when it
 * is made only of stop terms (words and phrases, at least one), fillers
 * anywhere, and topics after the first stop term, and holds no 'never'
 * phrase.
 */
struct kw_optout_words {
	struct kw_seqs	 stop;		/* words and phrases */
	struct kw_seqs	 fillers;
	struct kw_seqs	 topics;
	struct kw_seqs	 never;
};

enum kw_intent {
	KW_INTENT_NONE = 0,
	KW_INTENT_OPTOUT,	/* the message asks us to stop texting */
	KW_INTENT_MENTION	/* it uses a stop word about something else */
};

struct sms_message {
	char		*name;
	struct i18n	 text;
	int		 line;		/* in sms.yaml, for check-config */
};

struct smscfg {
	char			 *file;		/* sms.yaml as named in messages */

	/* Compliance words, normalised with spaces removed. */
	char			**opt_out;
	size_t			  nopt_out;
	char			**opt_in;
	size_t			  nopt_in;
	char			**help;
	size_t			  nhelp;
	char			**spanish;
	size_t			  nspanish;

	/* Opt-outs in a person's own words, by language index. */
	struct kw_optout_words	  optout_words[LANG_MAX];

	int			  per_minute;	/* replies to one number */
	int			  per_day;

	struct keyword		 *keywords;	/* in order: first match wins */
	size_t			  nkeywords;
	struct sms_message	 *messages;
	size_t			  nmessages;
};

/* Parse sms.yaml's root into ctx->cfg->sms; problems go to ctx. */
int		 smscfg_load(struct cfgctx *, struct fy_node *root);
void		 smscfg_free(struct smscfg *);

/* The named message in language lang (falls back to the first), or NULL. */
const char	*smscfg_message(const struct config *, const char *name,
		     int lang);

/* Normalised text for matching (see above).  Caller frees. */
char		*keyword_normalise(const char *);
/*
 * Which compliance word the normalised message is, if any; *spanish (may
 * be NULL) is set to 1 when the word is on the Spanish list.
 */
enum kw_compliance keyword_compliance(const struct smscfg *, const char *norm,
		     int *spanish);
/*
 * Whether a normalised message that is not a compliance word asks to stop
 * texts (see struct kw_optout_words), or only mentions a stop word ("how
 * do I stop my back hurting").  *lang (may be NULL) gets the language
 * whose words it used; prefer is the language to try first (the number's),
 * or -1.
 */
enum kw_intent	 keyword_optout_intent(const struct smscfg *, const char *norm,
		     int prefer, int *lang);
/* The first content keyword matching the normalised message, or NULL. */
const struct keyword *keyword_match(const struct smscfg *, const char *norm);

/*
 * Fill {name} placeholders in tmpl from vars, a NULL-ended list of name,
 * value pairs; an unknown placeholder is left as written.  Caller frees.
 */
char		*keyword_fill(const char *tmpl, const char *const *vars);

/*
 * Pack paragraphs into text messages of at most max bytes, joined by a
 * blank line; a paragraph longer than max is split between words.
 * Returns a NULL-ended array (keyword_texts_free frees it); *n gets the
 * count when not NULL.
 */
char		**keyword_pack(const char *const *paras, size_t nparas, size_t max,
		     size_t *n);
void		 keyword_texts_free(char **);

#endif
