/*
 * config_check.c -- what "hotlined --check" and "hotline check-config"
 * print, from one place so that they agree: the configuration loaded as
 * the service loads it, every problem as file:line, then what the loader
 * cannot see, the deployment around the files.  A missing auth token means
 * a development token (or, in production, no start at all); a recording
 * older than its words plays something the script no longer says.  Those
 * are warnings: the service still starts with them.  A reply too long for
 * a phone is a problem.
 */
#include <stdio.h>
#include <stdlib.h>

#include "appointment.h"
#include "config.h"
#include "devtoken.h"
#include "programme.h"
#include "reply.h"
#include "util.h"
#include "xmalloc.h"

/* What check_programme's callback needs. */
struct check_prog {
	const struct config	*cfg;
	FILE			*err;
	int			 lang;
	size_t			 problems;
};

/* A programme or feedback text (programme_each_text's callback). */
static void
check_programme_text(const char *name, int line, const char *text, void *arg)
{
	struct check_prog	*cp = arg;
	char			*what;

	xasprintf(&what, "programme message '%s'", name);
	cp->problems += (size_t)reply_check_text(cp->cfg, cp->err,
	    cp->cfg->guides_file != NULL ? cp->cfg->guides_file : cp->cfg->path,
	    line, what, cp->lang, text);
	free(what);
}

/* The daily programme's texts and feedback fit a text, like every reply. */
static size_t
check_programme(const struct config *cfg, FILE *err)
{
	struct check_prog	 cp = { cfg, err, 0, 0 };

	if (cfg->sms == NULL)
		return (0);
	for (cp.lang = 0; (size_t)cp.lang < cfg->nlangs; cp.lang++)
		programme_each_text(cfg, cp.lang, util_now(),
		    check_programme_text, &cp);
	return (cp.problems);
}

static int
check_warnings(const struct config *cfg, FILE *err)
{
	struct prompt	*p;
	char		*dev;
	size_t		 i, j;
	int		 warnings = 0;

	if (cfg->verify_signatures &&
	    (cfg->auth_token == NULL || cfg->dev_token)) {
		dev = devtoken_path(cfg);
		fprintf(err, "%s: warning: no auth token (set "
		    "TWILIO_AUTH_TOKEN or provider.auth_token_file): %s %s, "
		    "for local development only\n", cfg->path,
		    cfg->dev_token ? "webhooks are signed with the local token "
		    "in" : "hotlined will make a local token in", dev);
		free(dev);
		warnings++;
	}
	if (!cfg->verify_signatures) {
		fprintf(err, "%s: warning: verify_signatures is off: local "
		    "development only\n", cfg->path);
		warnings++;
	}
	if (cfg->account_sid == NULL || *cfg->account_sid == '\0') {
		fprintf(err, "%s: warning: no account SID (set "
		    "TWILIO_ACCOUNT_SID): texts cannot be sent\n", cfg->path);
		warnings++;
	}
	for (i = 0; i < cfg->nprompts; i++) {
		p = &cfg->prompts[i];
		for (j = 0; j < cfg->nlangs; j++) {
			if (p->audio[j] != NULL && p->text[j] != NULL &&
			    p->audio_mtime[j] < p->text_mtime[j]) {
				fprintf(err, "%s/%s/%s.txt: warning: "
				    "recording is older than the words "
				    "(hotline prompts render)\n",
				    cfg->prompts_dir, cfg->langs[j], p->id);
				warnings++;
			}
		}
	}
	return (warnings);
}

int
config_check(const char *path, FILE *out, FILE *err)
{
	struct config	*cfg;
	char		**errors;
	const char	*why;
	size_t		 n;
	int		 warnings;

	if ((cfg = config_load(path, &errors)) == NULL) {
		for (n = 0; errors != NULL && errors[n] != NULL; n++)
			fprintf(err, "%s\n", errors[n]);
		config_errors_free(errors);
		fprintf(err, "%s: %zu problem%s\n", path, n, n == 1 ? "" : "s");
		return (1);
	}
	if ((why = devtoken_refusal(cfg)) != NULL) {
		fprintf(err, "%s: %s\n", cfg->path, why);
		fprintf(err, "%s: 1 problem\n", path);
		config_unref(cfg);
		return (1);
	}
	warnings = check_warnings(cfg, err);
	/* Replies too long for a phone are problems, not warnings. */
	n = (size_t)reply_check(cfg, err) + check_programme(cfg, err);
	n += (size_t)appt_check(cfg, err, util_now());
	if (n > 0) {
		fprintf(err, "%s: %zu problem%s\n", path, n, n == 1 ? "" : "s");
		config_unref(cfg);
		return (1);
	}
	fprintf(out, "%s: ok%s\n", path, warnings > 0 ? " (with warnings)" :
	    "");
	config_unref(cfg);
	return (0);
}
