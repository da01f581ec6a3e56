/* flow.c -- the voice menu graph (see flow.h). */
#include <stdlib.h>

#include "config.h"
#include "flow.h"

int
flow_load(struct cfgctx *ctx, struct fy_node *root)
{
	(void)ctx;
	(void)root;
	return (0);
}

void
flow_free(struct flow *f)
{
	free(f);
}
