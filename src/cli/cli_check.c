/*
 * cli_check.c -- "hotline check-config": config_check(), exactly what
 * hotlined --check prints.
 */
#include <stdio.h>

#include "cli.h"
#include "config.h"

int
cli_check_config(struct cli *cli, int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "usage: hotline check-config\n");
		return (2);
	}
	return (config_check(cli->config_path, stdout, stderr));
}
