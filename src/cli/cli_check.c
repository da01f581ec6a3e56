/*
 * cli_check.c -- "hotline check-config": the configuration loaded as the
 * service would load it, and the deployment around it checked.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "config.h"
#include "reply.h"

/*
 * The loader already reports every problem as file:line.  What it cannot
 * see is the deployment around the file: a missing auth token means every
 * webhook will be refused, and a recording older than its words plays
 * something the script no longer says.  Those are warnings: the service
 * still starts with them.
 */
int
cli_check_config(struct cli *cli, int argc, char **argv)
{
	struct config	*cfg;
	struct prompt	*p;
	char		**errors;
	size_t		 i, j, n;
	int		 warnings = 0;

	if (argc > 1) {
		fprintf(stderr, "usage: hotline check-config\n");
		return (2);
	}
	if ((cfg = config_load(cli->config_path, &errors)) == NULL) {
		cli_print_errors(errors);
		for (n = 0; errors != NULL && errors[n] != NULL; n++)
			;
		config_errors_free(errors);
		fprintf(stderr, "%s: %zu problem%s\n", cli->config_path, n,
		    n == 1 ? "" : "s");
		return (1);
	}
	if (cfg->verify_signatures &&
	    (cfg->auth_token == NULL || *cfg->auth_token == '\0')) {
		fprintf(stderr, "%s: warning: no auth token (set "
		    "TWILIO_AUTH_TOKEN or provider.auth_token_file): every "
		    "webhook will be refused\n", cfg->path);
		warnings++;
	}
	if (!cfg->verify_signatures) {
		fprintf(stderr, "%s: warning: verify_signatures is off: local "
		    "development only\n", cfg->path);
		warnings++;
	}
	if (cfg->account_sid == NULL || *cfg->account_sid == '\0') {
		fprintf(stderr, "%s: warning: no account SID (set "
		    "TWILIO_ACCOUNT_SID): texts cannot be sent\n", cfg->path);
		warnings++;
	}
	for (i = 0; i < cfg->nprompts; i++) {
		p = &cfg->prompts[i];
		for (j = 0; j < cfg->nlangs; j++) {
			if (p->audio[j] != NULL && p->text[j] != NULL &&
			    p->audio_mtime[j] < p->text_mtime[j]) {
				fprintf(stderr, "%s/%s/%s.txt: warning: "
				    "recording is older than the words "
				    "(hotline prompts render)\n",
				    cfg->prompts_dir, cfg->langs[j], p->id);
				warnings++;
			}
		}
	}
	/* Replies too long for a phone are problems, not warnings. */
	if ((n = (size_t)reply_check(cfg, stderr)) > 0) {
		fprintf(stderr, "%s: %zu problem%s\n", cli->config_path, n,
		    n == 1 ? "" : "s");
		config_unref(cfg);
		return (1);
	}
	printf("%s: ok%s\n", cli->config_path,
	    warnings > 0 ? " (with warnings)" : "");
	config_unref(cfg);
	return (0);
}
