/* keyword.c -- SMS keywords and replies (see keyword.h). */
#include <stdlib.h>

#include "config.h"
#include "keyword.h"

int
smscfg_load(struct cfgctx *ctx, struct fy_node *root)
{
	(void)ctx;
	(void)root;
	return (0);
}

void
smscfg_free(struct smscfg *s)
{
	free(s);
}
