/*
 * flow.h -- the voice menu graph, loaded from config/flow.yaml.
 */
#ifndef HOTLINE_FLOW_H
#define HOTLINE_FLOW_H

struct cfgctx;
struct fy_node;
struct flow;

/* Parse the flow file's root into ctx->cfg->flow; problems go to ctx. */
int	flow_load(struct cfgctx *, struct fy_node *root);
void	flow_free(struct flow *);

#endif
