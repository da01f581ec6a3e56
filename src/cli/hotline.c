/*
 * hotline.c -- the command-line tool: global options, the configuration,
 * and one subcommand.
 *
 * Subcommands that only talk HTTP to a running hotlined (call, sms) still
 * load the configuration: they sign webhooks with its auth token and find
 * the service at its public URL, exactly as the provider would.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cli.h"
#include "config.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: hotline [--config FILE] COMMAND [ARGS]\n"
	    "  --config FILE   configuration (default $HOTLINE_CONFIG, else "
	    "config/hotline.yaml)\n"
	    "  --version       print the version\n"
	    "commands:\n"
	    "  call [--url URL] [--from NUMBER] [--lang L] [--script ITEMS] "
	    "[--json]\n"
	    "  sms [--url URL] [--from NUMBER] [--listen-provider HOST:PORT] "
	    "[--json] TEXT...\n"
	    "  prompts render [--lang L] [--voice V] [--force] [ID...]\n"
	    "  prompts check [--fix]\n"
	    "  prompts export [--lang L] [--format csv|html]\n"
	    "  flow graph [--lang L] [--format dot|svg] [--counts]\n"
	    "  report [--since YYYY-MM-DD] [--csv]\n"
	    "  purge [--dry-run]\n"
	    "  audit [--limit N] [--json]\n"
	    "  check-config\n"
	    "  staff add|passwd|disable|enable|remove|token|tokens|revoke|list ...\n"
	    "  callbacks list|claim|done ...\n"
	    "  backup FILE\n"
	    "See hotline(1).\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli	 cli;
	const char	*cmd, *env;
	char		**errors;
	int		 ch, rc;

	memset(&cli, 0, sizeof cli);
	cli.config_path = "config/hotline.yaml";
	if ((env = getenv("HOTLINE_CONFIG")) != NULL && *env != '\0')
		cli.config_path = env;
	/* '+': options after the command belong to the command. */
	while ((ch = getopt_long(argc, argv, "+c:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			cli.config_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return (0);
		case 'V':
			printf("hotline %s\n", PACKAGE_VERSION);
			return (0);
		default:
			usage(stderr);
			return (2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage(stderr);
		return (2);
	}
	cmd = argv[0];
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return (0);
	}
	log_init(LOG_WARN);
	if (strcmp(cmd, "check-config") == 0)
		return (cli_check_config(&cli, argc, argv));

	if ((cli.cfg = config_load(cli.config_path, &errors)) == NULL) {
		cli_print_errors(errors);
		config_errors_free(errors);
		fprintf(stderr, "hotline: %s: configuration has problems "
		    "(hotline check-config)\n", cli.config_path);
		return (1);
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "hotline: curl_global_init failed\n");
		return (1);
	}
	/* Each subcommand parses its own options from argv[1]. */
	optind = 0;
	if (strcmp(cmd, "call") == 0)
		rc = cli_call(&cli, argc, argv);
	else if (strcmp(cmd, "sms") == 0)
		rc = cli_sms(&cli, argc, argv);
	else if (strcmp(cmd, "prompts") == 0)
		rc = cli_prompts(&cli, argc, argv);
	else if (strcmp(cmd, "flow") == 0)
		rc = cli_flow(&cli, argc, argv);
	else if (strcmp(cmd, "report") == 0)
		rc = cli_report(&cli, argc, argv);
	else if (strcmp(cmd, "staff") == 0)
		rc = cli_staff(&cli, argc, argv);
	else if (strcmp(cmd, "callbacks") == 0)
		rc = cli_callbacks(&cli, argc, argv);
	else if (strcmp(cmd, "backup") == 0)
		rc = cli_backup(&cli, argc, argv);
	else if (strcmp(cmd, "purge") == 0)
		rc = cli_purge(&cli, argc, argv);
	else if (strcmp(cmd, "audit") == 0)
		rc = cli_audit(&cli, argc, argv);
	else {
		fprintf(stderr, "hotline: unknown command '%s'\n", cmd);
		usage(stderr);
		rc = 2;
	}
	if (cli.store != NULL)
		store_close(cli.store);
	config_unref(cli.cfg);
	curl_global_cleanup();
	return (rc);
}
