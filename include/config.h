/*
 * config.h -- the hotline's configuration, loaded from YAML under config/.
 *
 * config/hotline.yaml holds the service settings and names the other files
 * (locations, guides, safety, sms, flow, zips).  A loaded configuration is
 * immutable and reference counted: a request keeps the one it started with
 * while SIGHUP swaps in a new one, so a reload never changes a call midway.
 *
 * Loading never stops at the first problem: every problem is collected as
 * "file:line: message" so an operator fixes them all in one pass.
 */
#ifndef HOTLINE_CONFIG_H
#define HOTLINE_CONFIG_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <strings.h>

#include "yaml.h"

/* A piece of a prompt made from a template: words, or a recorded name. */
struct prompt_part {
	char			*text;		/* words; NULL: play audio */
	const struct prompt	*audio;		/* location_<id>, recorded */
};

struct prompt {
	char	*id;
	char	*text[LANG_MAX];	/* prompts/<lang>/<id>.txt, trailing space trimmed */
	/* a menu template ({locations}, {key:zip}): the words as written (menu.c) */
	char	*tmpl[LANG_MAX];
	/* ... in pieces, when some location's name is recorded; else none */
	struct prompt_part *parts[LANG_MAX];
	size_t	 nparts[LANG_MAX];
	char	*audio[LANG_MAX];	/* "prompts/<lang>/<id>.wav" relative URL path, or NULL */
	time_t	 text_mtime[LANG_MAX];
	time_t	 audio_mtime[LANG_MAX];
	/* hotlined: the recording itself, read at start and on SIGHUP (prompt.c) */
	char	*audio_data[LANG_MAX];
	size_t	 audio_len[LANG_MAX];
};

/* A guide part: a prompt to speak/send, or a pause (prompt == NULL). */
struct guide_part {
	struct prompt	*prompt;
	int		 pause;		/* seconds of silence on the phone */
};

struct guide {
	char			 *id;
	char			 *topic;
	struct i18n		  title;
	int			  line;		/* in guides.yaml */
	/* guideview.c: the one line texted with the link to its page */
	struct i18n		  summary;
	int			  summary_line[LANG_MAX];
	/* guideview.c: an SVG drawing for its page, or NULL */
	char			 *illustration;
	struct guide_part	 *parts;
	size_t			  nparts;
	struct guide		**guides;	/* a collection: its guides */
	size_t			  nguides;
};

/* A topic's label for staff (guides.yaml topics). */
struct topic {
	char			 *id;
	struct i18n		  label;
};

struct hours_span {
	int	open;		/* minutes after local midnight; -1 = closed */
	int	close;
};

/*
 * A day a location is closed, written in locations.yaml as one of
 *   "2026-12-24"          that day, once
 *   "12-25"               every year
 *   "07-04 observed"      every year, and when it falls on a Saturday also
 *                         the Friday before, on a Sunday the Monday after
 *   "4th thu of nov"      the 1st..5th or last weekday of a month, every
 *   "4th thu of nov +1"   year, optionally shifted by whole days
 * so that a calendar written once stays true in the years after.
 */
enum holiday_kind {
	HOLIDAY_DATE,
	HOLIDAY_YEARLY,
	HOLIDAY_NTH
};

struct holiday {
	enum holiday_kind	 kind;
	int			 year;		/* HOLIDAY_DATE */
	int			 month;		/* 1..12 */
	int			 day;		/* DATE, YEARLY: 1..31 */
	int			 nth;		/* NTH: 1..5, or -1 for the last */
	int			 wday;		/* NTH: 0 = Sunday */
	int			 shift;		/* NTH: days after (or before) */
	int			 observed;	/* YEARLY: weekend moves to a weekday */
};

struct location {
	char			*id;
	char			*key;		/* menu key (given, or the next free digit) */
	struct i18n		 name;
	struct i18n_re		 speech;
	struct i18n		 speech_src;	/* the patterns as written (menu.c) */
	char			*address;
	struct i18n		 address_spoken;
	char			*phone;		/* E.164 */
	char			*oncall_sms;	/* E.164 or NULL */
	char			*oncall_email;
	char			*fhir_location;	/* "Location/123", or NULL */
	char			*timezone;
	double			 lat, lon;
	struct hours_span	 hours[7];	/* 0 = Sunday */
	struct holiday		*holidays;	/* the location's and the shared ones */
	size_t			 nholidays;
	int			 emergency_closed;
};

struct zip {
	char	zip[6];
	double	lat, lon;
};

struct flow;		/* flow.h: the voice menu graph */
struct guideview_words;	/* guideview.h: the words around a guide's page */
struct smscfg;		/* keyword.h: SMS keywords and messages */
struct programme_cfg;	/* programme.h: the daily programme, feedback */
struct util_cidr;	/* util.h */
struct escalation;	/* escalate.h: who red flags page, in order */

struct config {
	int			 refs;
	/*
	 * Different for every configuration loaded in this process, never
	 * 0: what is remembered from one (estimate.c) is keyed by it, so
	 * that a reload, even into the same memory, never reuses it.  0 in
	 * one built by hand: nothing is remembered.
	 */
	unsigned long		 generation;
	char			*path;		/* config/hotline.yaml as given */
	char			*dir;		/* its directory: other files are relative to it */

	/* service */
	char			*listen;	/* host:port */
	char			*public_url;	/* no trailing slash */
	char			*store;		/* sqlite:PATH or postgresql://... */
	int			 verify_signatures;
	size_t			 max_body;
	size_t			 max_headers;
	int			 timeout;	/* seconds, per connection */
	int			 max_connections;
	int			 max_per_address;	/* connections from one address */
	struct util_cidr	*trusted_proxies;	/* whose X-Forwarded-For counts */
	size_t			 ntrusted_proxies;
	int			 store_threads;
	char			*log_level;
	char			*secret;	/* keyed hashes of ids in events (HOTLINE_SECRET or file) */
	int			 production;	/* service.environment or HOTLINE_ENV: needs a real auth token */

	/* provider */
	char			*provider_api;
	char			*account_sid;
	char			*auth_token;
	int			 dev_token;	/* auth_token is the local development one (devtoken.c) */
	char			*sms_from;	/* E.164, or NULL with messaging_service_sid */
	char			*messaging_service_sid;
	char			*voice_caller_id;
	double			 send_rate;	/* outbound requests per second */
	int			 send_concurrency;
	int			 send_max_attempts;

	/* staff and notifications */
	char			*smtp_url;
	char			*smtp_from;
	char			*chat_webhook;
	int			 notify_sms;
	int			 notify_email;
	int			 notify_chat;
	int			 notify_wait_minutes;	/* "waits too long" */
	int			 claim_timeout;		/* seconds */
	int			 callback_max_attempts;
	int			 session_hours;
	char			*front_desk;	/* E.164 */
	int			 dial_timeout;

	/* languages and voices */
	size_t			 nlangs;
	char			*langs[LANG_MAX];	/* "en", "es" */
	char			*say_voice[LANG_MAX];	/* <Say voice=...> */
	char			*say_language[LANG_MAX];	/* <Say language=...> e.g. en-US */
	char			*prompts_dir;

	struct prompt		*prompts;	/* sorted by id */
	size_t			 nprompts;
	struct guide		*guides;
	size_t			 nguides;
	struct topic		*topics;	/* labels for staff */
	size_t			 ntopics;
	char			*guides_file;	/* guides.yaml as named in messages */
	struct guideview_words	*page;		/* guides.yaml page: (guideview.c) */
	struct location		*locations;
	size_t			 nlocations;
	struct zip		*zips;		/* sorted by zip */
	size_t			 nzips;
	struct i18n_re		 red_flags;
	struct escalation	*escalation;	/* safety.yaml: always on */

	/* days each kind of record is kept; 0 keeps it for ever (retention.c) */
	struct {
		int		 bodies;	/* text bodies, sent texts' payloads */
		int		 recordings;	/* voicemail links */
		int		 transcripts;	/* request words, webhook answers */
		int		 callbacks;	/* finished callbacks, requests, notes */
		int		 events;	/* report events, calls, text records */
	}			 retention;

	/* appointments: the hand-off to the scheduling system (FHIR R4) */
	char			*fhir_base_url;	/* no trailing slash; NULL: none */
	char			*fhir_token;	/* bearer token, or NULL */
	char			*fhir_system;	/* identifier system of request ids */

	struct flow		*flow;
	struct smscfg		*sms;
	struct programme_cfg	*programme;	/* guides.yaml: programme.h */
};

/*
 * Load path (environment overrides applied).  Returns the configuration
 * with one reference, or NULL with every problem in *errors (a NULL-ended
 * array the caller frees with config_errors_free).
 */
struct config	*config_load(const char *path, char ***errors);
void		 config_errors_free(char **errors);
/*
 * What hotlined --check and hotline check-config print (config_check.c):
 * each problem of the configuration at path as file:line, or production
 * without what it needs, on err with their count (1); else the warnings
 * about the deployment on err and "PATH: ok" or "PATH: ok (with warnings)"
 * on out (0).
 */
int		 config_check(const char *path, FILE *out, FILE *err);
struct config	*config_ref(struct config *);
void		 config_unref(struct config *);

/* The index of a configured language code (any case), or -1. */
static inline int
config_lang(const struct config *cfg, const char *code)
{
	size_t	i;

	if (code == NULL)
		return (-1);
	for (i = 0; i < cfg->nlangs; i++) {
		if (strcasecmp(cfg->langs[i], code) == 0)
			return ((int)i);
	}
	return (-1);
}

/* Look-ups; NULL when absent (location.c has the locations and ZIPs). */
struct prompt	*config_prompt(const struct config *, const char *id);	/* content.c */
struct guide	*config_guide(const struct config *, const char *id);	/* content.c */
struct topic	*config_topic(const struct config *, const char *id);	/* content.c */
struct location	*config_location(const struct config *, const char *id);
const struct zip *config_zip(const struct config *, const char *zip);

/*
 * content.c: the prompts under cfg->prompts_dir, and the guides of
 * guides.yaml (root); content_free releases both.
 */
void		 content_load_prompts(struct cfgctx *);
void		 content_load_guides(struct cfgctx *, struct fy_node *root);
void		 content_free(struct config *);
/* A prompt's pieces in one language (menu.c makes them). */
void		 content_parts_free(struct prompt *, size_t lang);
/* A prompt named at node at; an error when missing in any language. */
struct prompt	*cfg_prompt_ref(struct cfgctx *, struct fy_node *at, const char *id);

#endif
