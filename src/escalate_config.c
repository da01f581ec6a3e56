/*
 * escalate_config.c -- the escalation list in safety.yaml (see
 * escalate.h): loaded with the configuration, apart from the paging so
 * that loading needs nothing the paging does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "config.h"
#include "escalate.h"
#include "util.h"
#include "xmalloc.h"
#include "yaml.h"

void
escalate_config_free(struct escalation *e)
{
	size_t	i;

	if (e == NULL)
		return;
	for (i = 0; i < e->ncontacts; i++) {
		free(e->contacts[i].name);
		free(e->contacts[i].phone);
		free(e->contacts[i].email);
	}
	free(e->contacts);
	free(e);
}

static void
escalate_load_contact(struct cfgctx *ctx, struct fy_node *c, int def_ack,
    struct escalate_contact *out, size_t n)
{
	const char	*s;

	memset(out, 0, sizeof *out);
	if (!fy_node_is_mapping(c)) {
		cfg_error(ctx, c, "an escalation contact is a mapping with "
		    "name, phone and (optionally) email and ack_minutes");
		return;
	}
	if ((s = cfg_str(ctx, c, "name", 0)) != NULL && *s != '\0')
		out->name = xstrdup(s);
	else
		xasprintf(&out->name, "contact %zu", n + 1);
	if ((s = cfg_str(ctx, c, "phone", 1)) != NULL &&
	    (out->phone = util_phone_e164(s)) == NULL)
		cfg_error(ctx, cfg_get(c, "phone"), "escalation phone '%s' is "
		    "not a phone number (E.164: +18175550123)", s);
	if ((s = cfg_str(ctx, c, "email", 0)) != NULL && *s != '\0') {
		if (strchr(s, '@') == NULL || strchr(s, ' ') != NULL)
			cfg_error(ctx, cfg_get(c, "email"), "escalation email "
			    "'%s' is not an e-mail address", s);
		else
			out->email = xstrdup(s);
	}
	out->ack_minutes = cfg_int(ctx, c, "ack_minutes", def_ack, 1, 1440);
}

void
escalate_load(struct cfgctx *ctx, struct fy_node *root)
{
	struct escalation	*e;
	struct fy_node		*esc, *list, *c;
	void			*it = NULL;
	int			 ack;

	if ((esc = cfg_get(root, "escalation")) == NULL ||
	    !fy_node_is_mapping(esc)) {
		cfg_error(ctx, esc != NULL ? esc : root, "escalation is missing: "
		    "red flags after hours must page someone (contacts with "
		    "phone numbers)");
		return;
	}
	e = xcalloc(1, sizeof *e);
	ack = cfg_int(ctx, esc, "ack_minutes", 10, 1, 1440);
	e->rounds = cfg_int(ctx, esc, "rounds", 2, 1, 20);
	list = cfg_get(esc, "contacts");
	if (list == NULL || !fy_node_is_sequence(list) ||
	    fy_node_sequence_item_count(list) == 0)
		cfg_error(ctx, list != NULL ? list : esc, "escalation contacts: "
		    "at least one contact with a phone number is needed");
	else {
		while ((c = fy_node_sequence_iterate(list, &it)) != NULL) {
			e->contacts = xreallocarray(e->contacts,
			    e->ncontacts + 1, sizeof *e->contacts);
			escalate_load_contact(ctx, c, ack,
			    &e->contacts[e->ncontacts], e->ncontacts);
			e->ncontacts++;
		}
	}
	ctx->cfg->escalation = e;
}
