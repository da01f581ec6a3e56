/*
 * programme.h -- the daily stretch programme and feedback.
 *
 * DAILY (DIARIO) by text, or the call menu's option, enrols a number in a
 * programme of N days (guides.yaml `programme`): each day one short text,
 * in the person's language, naming that day's stretch with the link to
 * its page, at the time of day they chose ("DAILY 7am") or the default, in
 * their own zone and never in quiet hours (quiet.h).  The texts are
 * scheduled outbox rows (outbox_schedule), so they survive restarts.  The
 * last one asks how it went.  PAUSE (PAUSA) and every opt-out end it at
 * once; STATUS (ESTADO) says where they are.
 *
 * After a guide, the programme's last day or a finished callback, at most
 * once a week per number, "How helpful was this? Reply 1-5"; a digit from
 * a number that was asked, within the window, is recorded without the
 * number or any words (score, what about, guide/location, week).
 *
 *   programme_decide.c  guides.yaml's programme and feedback, and the pure
 *                       decisions: which word a text is, the plan, texts
 *   programme.c         the programmes table: applying the plans
 *   feedback.c          the feedback tables
 */
#ifndef HOTLINE_PROGRAMME_H
#define HOTLINE_PROGRAMME_H

#include <stddef.h>
#include <time.h>

#include "config.h"

struct cfgctx;
struct fy_node;
struct db;
struct guide;

#define PROGRAMME_KEY_FMT	"programme:%lld:"	/* outbox key prefix */

/* guides.yaml programme: and feedback: */
struct programme_cfg {
	struct guide	**days;		/* the stretch of each day */
	size_t		  ndays;
	int		  minute;	/* default time of day, minutes */
	struct i18n	  words[3];	/* DAILY, PAUSE, STATUS (PROG_*-1) */
	char		**names;	/* messages */
	struct i18n	 *texts;
	int		 *lines;	/* each message's, in guides.yaml */
	size_t		  n;
	int		  ask_delay;	/* s after a guide before asking */
	int		  answer_window;/* s an ask may be answered in */
	int		  ask_every;	/* s between asks to one number */
};

enum prog_word {
	PROG_NONE = 0,
	PROG_DAILY,
	PROG_PAUSE,
	PROG_STATUS
};

/* What the store says about a number's programme (programme_facts). */
struct programme_facts {
	long long	 id;		/* the active enrolment, or 0 */
	int		 days;
	long long	 pending;	/* its texts still to go */
	time_t		 next_at;	/* when the next goes (0: none) */
};

/* One scheduled text of a plan. */
struct programme_text {
	int		 day;
	time_t		 send_after;
	time_t		 not_before;
	char		*body;
};

/* What to do about a programme word: programme_decide's answer. */
struct programme_plan {
	enum prog_word		 word;
	int			 lang;
	int			 enrol;		/* start a programme: texts */
	int			 minute;	/* its time of day */
	int			 end;		/* end the active one */
	char			*reply;		/* the answer (always) */
	struct programme_text	*texts;
	size_t			 ntexts;
};

/* Load guides.yaml's programme and feedback sections (config.c). */
void		 programme_load(struct cfgctx *, struct fy_node *root);
void		 programme_free(struct config *);
/* A programme or feedback message in lang, or NULL. */
const char	*programme_msg(const struct config *, const char *name,
		     int lang);

/*
 * Which programme word the normalised text is: DAILY, PAUSE or STATUS in
 * any language, alone or (DAILY) with a time of day.  *lang gets the
 * word's language; *minute the time asked for (minutes after midnight),
 * -1 for none, -2 for words after DAILY that are no time.  Pure.
 */
enum prog_word	 programme_word(const struct config *, const char *norm,
		     int *lang, int *minute);
/* "7am", "7 30 pm", "19:00", "1900" (normalised): minutes, or -1. */
int		 programme_parse_time(const char *s);
/*
 * The plan for word (programme_word's answers) from a number in zone tz,
 * with facts f, at now.  Pure; programme_plan_free frees it.
 */
void		 programme_decide(const struct config *, enum prog_word,
		     int lang, int minute, const char *tz,
		     const struct programme_facts *, time_t now,
		     struct programme_plan *);
void		 programme_plan_free(struct programme_plan *);
/*
 * Every text the programme and feedback may send in lang, worded as at
 * now: fn gets the message's name and line in guides.yaml and the text
 * (check-config counts their segments, reply.c).
 */
void		 programme_each_text(const struct config *, int lang,
		     time_t now, void (*fn)(const char *name, int line,
		     const char *text, void *), void *arg);
/* A feedback digit: 1..5 when the normalised text is one alone, else 0. */
int		 programme_score(const char *norm);

/* --- programme.c: the programmes table (caller's transaction) --------- */

/* The facts for phone's active programme.  0 or -1. */
int		 programme_facts(struct db *, const char *phone,
		     struct programme_facts *);
/*
 * Carry out a plan for phone: enrol (its texts queued, the last day's
 * feedback ask recorded) or end.  source: "sms" or "voice".  0 or -1.
 */
int		 programme_apply(struct db *, const struct config *,
		     const char *phone, const char *source,
		     const struct programme_plan *, time_t now);
/* Enrol phone from a call (the menu option): the plan applied.  0/-1. */
int		 programme_enrol_call(struct db *, const struct config *,
		     const char *phone, int lang, time_t now);
/* What programme_text answers. */
struct programme_reply {
	const char	*keyword;	/* "daily", "pause", "status", "feedback" */
	int		 lang;		/* the reply's language */
	char		*reply;		/* NULL when throttled */
};
/*
 * A text from phone that is a programme word or a feedback digit (from a
 * number that was asked): decided, applied, answered in *out.  1 when it
 * was one, 0 when not (nothing done), -1.
 */
int		 programme_text(struct db *, const struct config *,
		     const char *phone, const char *norm, int number_lang,
		     int throttled, time_t now, struct programme_reply *out);
/*
 * An opt-out: end phone's programme and cancel its texts (the programs
 * set it as optout_on_out's hook, so it runs for every opt-out, whatever
 * its source).  0 or -1.
 */
int		 programme_stop(struct db *, const char *phone,
		     const char *why, time_t now);

/* --- feedback.c: the feedback tables (caller's transaction) ----------- */

/*
 * Ask phone "how helpful was this?" about (guide, callback or programme)
 * at when, unless they were asked within the last ask_every seconds: with
 * text, feedback_due texts the question (key dedupe, in lang) once when
 * has come; without, the asking text is someone else's (the programme's
 * last day, keyed dedupe).  1 asked, 0 not this time, -1.
 */
int		 feedback_ask(struct db *, const struct config *,
		     const char *phone, const char *about, const char *guide,
		     const char *location, const char *dedupe, int lang,
		     int text, time_t when, time_t now);
/*
 * Text the questions that are due, outside the recipient's quiet hours
 * (a day late: dropped).  The staff maintenance timer runs it.  Texts
 * queued, or -1.
 */
int		 feedback_due(struct db *, const struct config *, time_t now);
/*
 * A digit from phone: when an ask is open (asked, not answered, within
 * the window), record score against it.  1 recorded, 0 no open ask, -1.
 */
int		 feedback_answer(struct db *, const struct config *,
		     const char *phone, int score, time_t now);
/* Forget the asks keyed with prefix that were never sent.  0 or -1. */
int		 feedback_forget(struct db *, const char *prefix);

/*
 * Retention (retention.c): the programmes over, and the questions
 * answered or asked, before cutoff.  limit 0 counts; otherwise at most
 * limit rows go.  How many, or -1.
 */
long long	 programme_purge(struct db *, time_t cutoff, int limit);
long long	 feedback_purge(struct db *, time_t cutoff, int limit);

#endif
