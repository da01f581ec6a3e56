/* shipped.c -- the shipped configuration for unit tests (see shipped.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include <check.h>

#include "config.h"
#include "shipped.h"

char	shipped_top[4096];

struct config *
shipped_config(void)
{
	struct config	*cfg;
	char		 path[4200], **errors = NULL;
	size_t		 i;

	snprintf(path, sizeof path, "%s/config/hotline.yaml", shipped_top);
	cfg = config_load(path, &errors);
	for (i = 0; errors != NULL && errors[i] != NULL; i++)
		fprintf(stderr, "%s\n", errors[i]);
	config_errors_free(errors);
	return (cfg);
}

int
shipped_run(Suite *s)
{
	SRunner		*sr;
	const char	*top;
	int		 failed;

	if ((top = getenv("top_srcdir")) == NULL)
		top = ".";
	if (realpath(top, shipped_top) == NULL) {
		perror(top);
		return (1);
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
