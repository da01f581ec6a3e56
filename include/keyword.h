/*
 * keyword.h -- SMS keywords, compliance words and replies, loaded from
 * config/sms.yaml.
 */
#ifndef HOTLINE_KEYWORD_H
#define HOTLINE_KEYWORD_H

struct cfgctx;
struct fy_node;
struct smscfg;

/* Parse sms.yaml's root into ctx->cfg->sms; problems go to ctx. */
int	smscfg_load(struct cfgctx *, struct fy_node *root);
void	smscfg_free(struct smscfg *);

#endif
