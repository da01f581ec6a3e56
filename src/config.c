/*
 * config.c -- loading config/hotline.yaml and the files it names.
 *
 * This file reads the main file into struct config and hands each file it
 * names to that part's loader (content.c: prompts and guides, then
 * guideview.c: what a guide's page and text add to them; location.c:
 * locations and ZIPs; keyword.c: sms.yaml; flow.c: flow.yaml), in an order
 * where each finds what it refers to already loaded.  The YAML helpers
 * they all use are yaml.c's.
 */
#include <libgen.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libfyaml.h>

#include "config.h"
#include "escalate.h"
#include "devtoken.h"
#include "flow.h"
#include "guideview.h"
#include "keyword.h"
#include "location.h"
#include "programme.h"
#include "util.h"
#include "xmalloc.h"
#include "yaml.h"

static char *
cfg_path(const struct config *cfg, const char *rel)
{
	char	*p;

	if (rel[0] == '/')
		return (xstrdup(rel));
	xasprintf(&p, "%s/%s", cfg->dir, rel);
	return (p);
}

/* --- the main file ------------------------------------------------------ */

static char *
cfg_strdup(struct cfgctx *ctx, struct fy_node *map, const char *key,
    const char *def)
{
	const char	*s;

	if ((s = cfg_str(ctx, map, key, 0)) == NULL)
		s = def;
	return (s != NULL ? xstrdup(s) : NULL);
}

/* Environment wins over the file for what differs per deployment. */
static void
cfg_env(struct config *cfg, char **field, const char *name)
{
	const char	*v;

	if ((v = getenv(name)) != NULL && *v != '\0') {
		free(*field);
		*field = xstrdup(v);
	}
}

/* A configured phone number in E.164 (NULL after saying it is not one). */
static void
cfg_phone(struct cfgctx *ctx, struct fy_node *map, const char *key,
    char **field)
{
	char	*t;

	if (*field == NULL)
		return;
	if ((t = util_phone_e164(*field)) == NULL)
		cfg_error(ctx, cfg_get(map, key), "%s '%s' is not a phone number",
		    key, *field);
	free(*field);
	*field = t;
}

/*
 * service.trusted_proxies: the reverse proxies whose X-Forwarded-For names
 * the client (addresses or networks).  Nobody else's is believed.
 */
static void
cfg_load_proxies(struct cfgctx *ctx, struct fy_node *svc)
{
	struct config	*cfg = ctx->cfg;
	struct fy_node	*list, *n;
	const char	*s;
	void		*it = NULL;

	if ((list = cfg_get(svc, "trusted_proxies")) == NULL)
		return;
	if (!fy_node_is_sequence(list)) {
		cfg_error(ctx, list, "trusted_proxies is a list of addresses or "
		    "networks (10.0.0.0/8)");
		return;
	}
	while ((n = fy_node_sequence_iterate(list, &it)) != NULL) {
		if (!fy_node_is_scalar(n) ||
		    (s = fy_node_get_scalar0(n)) == NULL) {
			cfg_error(ctx, n, "trusted_proxies: not an address");
			continue;
		}
		cfg->trusted_proxies = xreallocarray(cfg->trusted_proxies,
		    cfg->ntrusted_proxies + 1, sizeof *cfg->trusted_proxies);
		if (util_cidr_parse(s,
		    &cfg->trusted_proxies[cfg->ntrusted_proxies]) != 0) {
			cfg_error(ctx, n, "trusted_proxies: '%.64s' is not an "
			    "address or network (10.0.0.0/8)", s);
			continue;
		}
		cfg->ntrusted_proxies++;
	}
}

/*
 * retention: how many days each kind of record is kept (0: for ever).
 * The defaults are what README's "Security and privacy" promises.
 */
static void
cfg_load_retention(struct cfgctx *ctx, struct fy_node *ret)
{
	struct config	*cfg = ctx->cfg;

	cfg->retention.bodies = cfg_int(ctx, ret, "bodies", 30, 0, 36500);
	cfg->retention.recordings = cfg_int(ctx, ret, "recordings", 30, 0,
	    36500);
	cfg->retention.transcripts = cfg_int(ctx, ret, "transcripts", 30, 0,
	    36500);
	cfg->retention.callbacks = cfg_int(ctx, ret, "callbacks", 180, 0,
	    36500);
	cfg->retention.events = cfg_int(ctx, ret, "events", 730, 0, 36500);
}

/*
 * development (the default: a missing auth token is made locally, see
 * devtoken.c) or production (hotlined refuses to start without a real
 * one); HOTLINE_ENV wins over service.environment.
 */
static void
cfg_load_environment(struct cfgctx *ctx, struct fy_node *svc)
{
	const char	*s, *env;

	s = cfg_str(ctx, svc, "environment", 0);
	if ((env = getenv("HOTLINE_ENV")) != NULL && *env != '\0')
		s = env;
	if (s == NULL || strcmp(s, "development") == 0)
		return;
	if (strcmp(s, "production") == 0)
		ctx->cfg->production = 1;
	else if (s == env)
		cfg_error(ctx, NULL, "HOTLINE_ENV must be development or "
		    "production, not '%s'", s);
	else
		cfg_error(ctx, cfg_get(svc, "environment"), "environment must "
		    "be development or production, not '%s'", s);
}

/*
 * appointments: where requests are handed to the clinic's scheduling
 * system as FHIR R4 (fhir_base_url, or HOTLINE_FHIR_URL; the bearer token
 * from HOTLINE_FHIR_TOKEN or fhir_token_file, never the file itself).
 */
static void
cfg_load_appointments(struct cfgctx *ctx, struct fy_node *ap)
{
	struct config	*cfg = ctx->cfg;
	char		*tok_file, *t;
	const char	*s;
	size_t		 n;

	cfg->fhir_base_url = cfg_strdup(ctx, ap, "fhir_base_url", NULL);
	cfg->fhir_system = cfg_strdup(ctx, ap, "fhir_identifier_system", NULL);
	tok_file = cfg_strdup(ctx, ap, "fhir_token_file", NULL);
	cfg_env(cfg, &cfg->fhir_base_url, "HOTLINE_FHIR_URL");
	if (cfg->fhir_base_url != NULL && *cfg->fhir_base_url == '\0') {
		free(cfg->fhir_base_url);
		cfg->fhir_base_url = NULL;
	}
	if (cfg->fhir_base_url != NULL) {
		if (strncmp(cfg->fhir_base_url, "http://", 7) != 0 &&
		    strncmp(cfg->fhir_base_url, "https://", 8) != 0)
			cfg_error(ctx, ap != NULL ? cfg_get(ap, "fhir_base_url") :
			    NULL, "fhir_base_url '%s' is not an http(s) URL",
			    cfg->fhir_base_url);
		n = strlen(cfg->fhir_base_url);
		while (n > 0 && cfg->fhir_base_url[n - 1] == '/')
			cfg->fhir_base_url[--n] = '\0';
	}
	if ((s = getenv("HOTLINE_FHIR_TOKEN")) != NULL && *s != '\0')
		cfg->fhir_token = xstrdup(s);
	else if (tok_file != NULL) {
		t = cfg_path(cfg, tok_file);
		if ((cfg->fhir_token = util_read_file(t, 4096, NULL)) == NULL)
			cfg_error(ctx, cfg_get(ap, "fhir_token_file"),
			    "cannot read FHIR token file %s", t);
		else
			util_trim(cfg->fhir_token);
		free(t);
	}
	free(tok_file);
}

static void
cfg_load_main(struct cfgctx *ctx, struct fy_node *root)
{
	struct config	*cfg = ctx->cfg;
	struct fy_node	*svc, *prov, *voice, *staff, *notify, *langs, *l;
	const char	*s;
	char		*tok_file, *secret_file, *t;
	void		*it = NULL;

	svc = cfg_get(root, "service");
	if (svc == NULL)
		cfg_error(ctx, root, "missing 'service' section");
	cfg->listen = cfg_strdup(ctx, svc, "listen", "127.0.0.1:8080");
	cfg->public_url = cfg_strdup(ctx, svc, "public_url", NULL);
	cfg->store = cfg_strdup(ctx, svc, "store", "sqlite:data/hotline.db");
	cfg->verify_signatures = cfg_bool(ctx, svc, "verify_signatures", 1);
	cfg->max_body = (size_t)cfg_int(ctx, svc, "max_body", 65536, 1024,
	    16 * 1024 * 1024);
	cfg->max_headers = (size_t)cfg_int(ctx, svc, "max_headers", 16384,
	    1024, 1024 * 1024);
	cfg->timeout = cfg_int(ctx, svc, "timeout", 10, 1, 3600);
	cfg->max_connections = cfg_int(ctx, svc, "max_connections", 1024, 1,
	    100000);
	cfg->max_per_address = cfg_int(ctx, svc, "max_connections_per_address",
	    128, 1, 100000);
	cfg_load_proxies(ctx, svc);
	cfg->store_threads = cfg_int(ctx, svc, "store_threads", 2, 1, 64);
	cfg->log_level = cfg_strdup(ctx, svc, "log_level", "info");
	secret_file = cfg_strdup(ctx, svc, "secret_file", NULL);
	cfg_load_environment(ctx, svc);

	prov = cfg_get(root, "provider");
	cfg->provider_api = cfg_strdup(ctx, prov, "api",
	    "https://api.twilio.com");
	cfg->account_sid = cfg_strdup(ctx, prov, "account_sid", NULL);
	tok_file = cfg_strdup(ctx, prov, "auth_token_file", NULL);
	cfg->sms_from = cfg_strdup(ctx, prov, "sms_from", NULL);
	cfg->messaging_service_sid = cfg_strdup(ctx, prov,
	    "messaging_service_sid", NULL);
	cfg->voice_caller_id = cfg_strdup(ctx, prov, "voice_caller_id", NULL);
	cfg->send_rate = cfg_int(ctx, prov, "send_rate", 10, 1, 10000);
	cfg->send_concurrency = cfg_int(ctx, prov, "send_concurrency", 4, 1,
	    64);
	cfg->send_max_attempts = cfg_int(ctx, prov, "send_max_attempts", 8, 1,
	    100);

	voice = cfg_get(root, "voice");
	if (voice == NULL)
		cfg_error(ctx, root, "missing 'voice' section");
	cfg->front_desk = cfg_strdup(ctx, voice, "front_desk", NULL);
	cfg->dial_timeout = cfg_int(ctx, voice, "dial_timeout", 20, 5, 120);
	if ((s = cfg_str(ctx, voice, "prompts", 0)) == NULL)
		s = "../prompts";
	cfg->prompts_dir = cfg_path(cfg, s);
	if ((langs = cfg_get(voice, "languages")) == NULL ||
	    !fy_node_is_sequence(langs) ||
	    fy_node_sequence_item_count(langs) == 0) {
		cfg_error(ctx, voice, "'voice' needs a 'languages' list");
	} else {
		while ((l = fy_node_sequence_iterate(langs, &it)) != NULL) {
			if (cfg->nlangs == LANG_MAX) {
				cfg_error(ctx, l, "at most %d languages",
				    LANG_MAX);
				break;
			}
			if ((s = cfg_str(ctx, l, "code", 1)) == NULL)
				continue;
			if (strlen(s) < 2 || strlen(s) > 8 ||
			    !cfg_id_valid(s, strlen(s))) {
				cfg_error(ctx, cfg_get(l, "code"), "language code "
				    "'%s' is not like 'en'", s);
				continue;
			}
			cfg->langs[cfg->nlangs] = xstrdup(s);
			cfg->say_voice[cfg->nlangs] = cfg_strdup(ctx, l, "voice",
			    NULL);
			cfg->say_language[cfg->nlangs] = cfg_strdup(ctx, l,
			    "say_language", s);
			cfg->nlangs++;
		}
	}
	if (cfg->nlangs == 0) {
		cfg->langs[0] = xstrdup("en");
		cfg->say_language[0] = xstrdup("en-US");
		cfg->nlangs = 1;
	}

	staff = cfg_get(root, "staff");
	cfg->claim_timeout = 60 * cfg_int(ctx, staff, "claim_timeout_minutes",
	    20, 1, 24 * 60);
	cfg->callback_max_attempts = cfg_int(ctx, staff,
	    "callback_max_attempts", 3, 1, 20);
	cfg->session_hours = cfg_int(ctx, staff, "session_hours", 12, 1, 24 * 30);
	notify = cfg_get(staff, "notify");
	cfg->notify_sms = cfg_bool(ctx, notify, "sms", 1);
	cfg->notify_email = cfg_bool(ctx, notify, "email", 0);
	cfg->notify_chat = cfg_bool(ctx, notify, "chat", 0);
	cfg->notify_wait_minutes = cfg_int(ctx, notify, "wait_minutes", 15, 1,
	    24 * 60);
	cfg->smtp_url = cfg_strdup(ctx, notify, "smtp_url", NULL);
	cfg->smtp_from = cfg_strdup(ctx, notify, "smtp_from",
	    "hotline@localhost");
	cfg->chat_webhook = cfg_strdup(ctx, notify, "chat_webhook", NULL);

	cfg_load_retention(ctx, cfg_get(root, "retention"));
	cfg_load_appointments(ctx, cfg_get(root, "appointments"));

	cfg_env(cfg, &cfg->listen, "HOTLINE_LISTEN");
	cfg_env(cfg, &cfg->public_url, "HOTLINE_PUBLIC_URL");
	cfg_env(cfg, &cfg->store, "HOTLINE_STORE");
	cfg_env(cfg, &cfg->provider_api, "HOTLINE_PROVIDER_API");
	cfg_env(cfg, &cfg->account_sid, "TWILIO_ACCOUNT_SID");
	cfg_env(cfg, &cfg->smtp_url, "HOTLINE_SMTP_URL");
	cfg_env(cfg, &cfg->chat_webhook, "HOTLINE_CHAT_WEBHOOK");
	cfg_env(cfg, &cfg->log_level, "HOTLINE_LOG_LEVEL");
	if ((s = getenv("HOTLINE_VERIFY_SIGNATURES")) != NULL && *s != '\0')
		cfg->verify_signatures = !(strcmp(s, "0") == 0 ||
		    strcasecmp(s, "false") == 0 || strcasecmp(s, "off") == 0);

	/* Secrets: the environment, else a file named in the config. */
	if ((s = getenv("TWILIO_AUTH_TOKEN")) != NULL && *s != '\0')
		cfg->auth_token = xstrdup(s);
	else if (tok_file != NULL) {
		t = cfg_path(cfg, tok_file);
		if ((cfg->auth_token = util_read_file(t, 4096, NULL)) == NULL)
			cfg_error(ctx, cfg_get(prov, "auth_token_file"),
			    "cannot read auth token file %s", t);
		else
			util_trim(cfg->auth_token);
		free(t);
	}
	(void)devtoken_read(cfg);
	if ((s = getenv("HOTLINE_SECRET")) != NULL && *s != '\0')
		cfg->secret = xstrdup(s);
	else if (secret_file != NULL) {
		t = cfg_path(cfg, secret_file);
		if ((cfg->secret = util_read_file(t, 4096, NULL)) != NULL)
			util_trim(cfg->secret);
		free(t);
	}
	if (cfg->secret == NULL)
		cfg->secret = xstrdup(cfg->auth_token != NULL ?
		    cfg->auth_token : "hotline");
	free(tok_file);
	free(secret_file);

	if (cfg->public_url == NULL)
		xasprintf(&cfg->public_url, "http://%s", cfg->listen);
	if (strncmp(cfg->public_url, "http://", 7) != 0 &&
	    strncmp(cfg->public_url, "https://", 8) != 0)
		cfg_error(ctx, cfg_get(svc, "public_url"), "public_url must "
		    "start with http:// or https://, not '%s'", cfg->public_url);
	while (strlen(cfg->public_url) > 8 &&
	    cfg->public_url[strlen(cfg->public_url) - 1] == '/')
		cfg->public_url[strlen(cfg->public_url) - 1] = '\0';
	if (util_hostport(cfg->listen, NULL, 0, NULL) != 0)
		cfg_error(ctx, cfg_get(svc, "listen"), "listen must be "
		    "HOST:PORT, not '%s'", cfg->listen);
	if (strncmp(cfg->store, "sqlite:", 7) != 0 &&
	    strncmp(cfg->store, "postgresql://", 13) != 0 &&
	    strncmp(cfg->store, "postgres://", 11) != 0)
		cfg_error(ctx, cfg_get(svc, "store"), "store must be "
		    "sqlite:PATH or postgresql://..., not '%s'", cfg->store);
	cfg_phone(ctx, voice, "front_desk", &cfg->front_desk);
	cfg_phone(ctx, prov, "sms_from", &cfg->sms_from);
	if (cfg->sms_from == NULL && cfg->messaging_service_sid == NULL)
		cfg_error(ctx, prov, "provider needs 'sms_from' or "
		    "'messaging_service_sid'");
	if (cfg->voice_caller_id == NULL && cfg->sms_from != NULL)
		cfg->voice_caller_id = xstrdup(cfg->sms_from);
}

/*
 * Load one file named under 'files:' in hotline.yaml, with its own context
 * so its problems carry its own name.
 */
static struct fy_document *
cfg_open_part(struct cfgctx *main, struct fy_node *files, const char *key,
    const char *def, struct cfgctx *part, char **pathp)
{
	const char	*rel;

	if ((rel = cfg_str(main, files, key, 0)) == NULL)
		rel = def;
	*pathp = cfg_path(main->cfg, rel);
	memset(part, 0, sizeof *part);
	part->cfg = main->cfg;
	part->file = *pathp;
	part->errors = main->errors;
	part->nerrors = main->nerrors;
	part->langs = main->cfg->langs;
	part->nlangs = main->cfg->nlangs;
	part->doc = cfg_parse_file(part, *pathp);
	return (part->doc);
}

static void
cfg_close_part(struct cfgctx *main, struct cfgctx *part)
{
	cfg_check_keys(part);
	main->errors = part->errors;
	main->nerrors = part->nerrors;
	if (part->doc != NULL)
		fy_document_destroy(part->doc);
	free(part->text);
}

/* The last generation given to a loaded configuration (config.h). */
static atomic_ulong	config_generations;

struct config *
config_load(const char *path, char ***errors)
{
	struct config	*cfg;
	struct cfgctx	 ctx, part;
	struct fy_node	*files;
	char		*tmp, *ppath;
	const char	*s;

	cfg = xcalloc(1, sizeof *cfg);
	cfg->generation = atomic_fetch_add(&config_generations, 1) + 1;
	cfg->refs = 1;
	cfg->path = xstrdup(path);
	tmp = xstrdup(path);
	cfg->dir = xstrdup(dirname(tmp));
	free(tmp);

	memset(&ctx, 0, sizeof ctx);
	ctx.cfg = cfg;
	ctx.file = path;
	if ((ctx.doc = cfg_parse_file(&ctx, path)) == NULL)
		goto done;
	cfg_load_main(&ctx, fy_document_root(ctx.doc));
	content_load_prompts(&ctx);
	files = cfg_get(fy_document_root(ctx.doc), "files");

	if (cfg_open_part(&ctx, files, "guides", "guides.yaml", &part,
	    &ppath) != NULL) {
		content_load_guides(&part, fy_document_root(part.doc));
		guideview_load(&part, fy_document_root(part.doc));
		programme_load(&part, fy_document_root(part.doc));
		if (config_prompt(cfg, "emergency") == NULL)
			cfg_error_at(&part, 0, "prompt 'emergency' is missing: "
			    "the emergency notice is required");
	}
	cfg_close_part(&ctx, &part);
	free(ppath);

	if (cfg_open_part(&ctx, files, "locations", "locations.yaml", &part,
	    &ppath) != NULL)
		location_load(&part, fy_document_root(part.doc));
	cfg_close_part(&ctx, &part);
	free(ppath);

	if (cfg_open_part(&ctx, files, "safety", "safety.yaml", &part,
	    &ppath) != NULL) {
		cfg_i18n_re(&part, fy_document_root(part.doc), "red_flags",
		    &cfg->red_flags, 1);
		escalate_load(&part, fy_document_root(part.doc));
	}
	cfg_close_part(&ctx, &part);
	free(ppath);

	if ((s = cfg_str(&ctx, files, "zips", 0)) == NULL)
		s = "tx-zips.csv";
	ppath = cfg_path(cfg, s);
	memset(&part, 0, sizeof part);
	part.cfg = cfg;
	part.file = ppath;
	part.errors = ctx.errors;
	part.nerrors = ctx.nerrors;
	part.langs = cfg->langs;
	part.nlangs = cfg->nlangs;
	location_load_zips(&part, ppath);
	cfg_close_part(&ctx, &part);
	free(ppath);

	if (cfg_open_part(&ctx, files, "sms", "sms.yaml", &part, &ppath) !=
	    NULL)
		smscfg_load(&part, fy_document_root(part.doc));
	cfg_close_part(&ctx, &part);
	free(ppath);

	if (cfg_open_part(&ctx, files, "flow", "flow.yaml", &part, &ppath) !=
	    NULL)
		flow_load(&part, fy_document_root(part.doc));
	cfg_close_part(&ctx, &part);
	free(ppath);

	cfg_check_keys(&ctx);
done:
	if (ctx.doc != NULL)
		fy_document_destroy(ctx.doc);
	free(ctx.text);
	if (ctx.nerrors > 0) {
		*errors = ctx.errors;
		config_unref(cfg);
		return (NULL);
	}
	*errors = NULL;
	free(ctx.errors);
	return (cfg);
}

void
config_errors_free(char **errors)
{
	size_t	i;

	if (errors == NULL)
		return;
	for (i = 0; errors[i] != NULL; i++)
		free(errors[i]);
	free(errors);
}

struct config *
config_ref(struct config *cfg)
{
	__atomic_add_fetch(&cfg->refs, 1, __ATOMIC_SEQ_CST);
	return (cfg);
}

static void
config_free(struct config *cfg)
{
	size_t	i;

	guideview_free(cfg);
	programme_free(cfg);
	content_free(cfg);
	location_free_all(cfg);
	i18n_re_free(&cfg->red_flags);
	escalate_config_free(cfg->escalation);
	if (cfg->flow != NULL)
		flow_free(cfg->flow);
	if (cfg->sms != NULL)
		smscfg_free(cfg->sms);
	for (i = 0; i < LANG_MAX; i++) {
		free(cfg->langs[i]);
		free(cfg->say_voice[i]);
		free(cfg->say_language[i]);
	}
	free(cfg->path);
	free(cfg->dir);
	free(cfg->listen);
	free(cfg->public_url);
	free(cfg->store);
	free(cfg->log_level);
	free(cfg->secret);
	free(cfg->provider_api);
	free(cfg->account_sid);
	free(cfg->auth_token);
	free(cfg->sms_from);
	free(cfg->messaging_service_sid);
	free(cfg->voice_caller_id);
	free(cfg->smtp_url);
	free(cfg->smtp_from);
	free(cfg->chat_webhook);
	free(cfg->fhir_base_url);
	free(cfg->fhir_token);
	free(cfg->fhir_system);
	free(cfg->front_desk);
	free(cfg->prompts_dir);
	free(cfg->trusted_proxies);
	free(cfg);
}

void
config_unref(struct config *cfg)
{
	if (cfg == NULL)
		return;
	if (__atomic_sub_fetch(&cfg->refs, 1, __ATOMIC_SEQ_CST) == 0)
		config_free(cfg);
}

