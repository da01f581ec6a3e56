/*
 * cli_staff.c -- `hotline staff ...` and `hotline callbacks ...`: staff
 * accounts and the callback queue from a terminal, on the same store and
 * the same queue rules as the dashboard.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "auth.h"
#include "callback.h"
#include "cli.h"
#include "config.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"


static int
cli_staff_usage(void)
{
	fprintf(stderr,
	    "usage: hotline staff add NAME [--password-stdin] "
	    "[--locations a,b|*] [--phone +1...] [--email ADDRESS] [--admin]\n"
	    "       hotline staff passwd NAME [--password-stdin]\n"
	    "       hotline staff disable|enable|remove NAME\n"
	    "       hotline staff token NAME [--expires DAYS]\n"
	    "       hotline staff tokens [NAME]\n"
	    "       hotline staff revoke TOKEN-ID\n"
	    "       hotline staff list\n"
	    "passwords: at least 12 characters, not a common one\n");
	return (2);
}

static int
cli_callbacks_usage(void)
{
	fprintf(stderr,
	    "usage: hotline callbacks list [--status STATUS|open|all] [--json]\n"
	    "       hotline callbacks claim ID --as NAME\n"
	    "       hotline callbacks done ID --as NAME --outcome OUTCOME\n"
	    "outcomes: reached left_message no_answer busy failed "
	    "wrong_number cancelled\n");
	return (2);
}

struct cli_staff_add {
	const char	*name, *hash, *locations, *phone, *email;
	int		 admin;
};

static int
cli_staff_add_tx(struct db *db, void *arg)
{
	struct cli_staff_add	*a = arg;

	if (auth_staff_put(db, a->name, a->hash, a->locations, a->phone,
	    a->email, util_now()) != 0)
		return (-1);
	/* The role is what this command says: --admin, or staff. */
	return (auth_staff_role(db, a->name, a->admin ? AUTH_ROLE_ADMIN :
	    AUTH_ROLE_STAFF));
}

/* Each location in a comma list must exist. */
static int
cli_locations_valid(struct cli *cli, const char *list)
{
	char	*copy, *p, *tok;
	int	 ok = 1;

	if (strcmp(list, "*") == 0)
		return (1);
	copy = xstrdup(list);
	for (p = copy; (tok = strsep(&p, ",")) != NULL;) {
		if (*tok == '\0' || config_location(cli->cfg, tok) == NULL) {
			fprintf(stderr, "hotline: no location '%s' (see "
			    "locations.yaml)\n", tok);
			ok = 0;
		}
	}
	free(copy);
	return (ok);
}

static int
cli_staff_add(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "password-stdin", no_argument, NULL, 'p' },
		{ "locations", required_argument, NULL, 'l' },
		{ "phone", required_argument, NULL, 'P' },
		{ "email", required_argument, NULL, 'e' },
		{ "admin", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_staff_add	 a;
	char			*pw, *pw2, *phone = NULL, *hash;
	int			 ch, from_stdin = 0, rc;

	memset(&a, 0, sizeof a);
	a.locations = "*";
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			from_stdin = 1;
			break;
		case 'l':
			a.locations = optarg;
			break;
		case 'P':
			a.phone = optarg;
			break;
		case 'e':
			a.email = optarg;
			break;
		case 'A':
			a.admin = 1;
			break;
		default:
			return (cli_staff_usage());
		}
	}
	if (optind != argc - 1)
		return (cli_staff_usage());
	a.name = argv[optind];
	if (!auth_name_valid(a.name)) {
		fprintf(stderr, "hotline: a staff name is 1 to %d letters, "
		    "digits or . _ @ -\n", AUTH_NAME_MAX);
		return (1);
	}
	if (!cli_locations_valid(cli, a.locations))
		return (1);
	if (a.phone != NULL) {
		if ((phone = util_phone_e164(a.phone)) == NULL) {
			fprintf(stderr, "hotline: '%s' is not a phone number\n",
			    a.phone);
			return (1);
		}
		a.phone = phone;
	}
	if (a.email != NULL && strchr(a.email, '@') == NULL) {
		fprintf(stderr, "hotline: '%s' is not an e-mail address\n",
		    a.email);
		free(phone);
		return (1);
	}
	if ((pw = cli_read_password(!from_stdin)) == NULL || *pw == '\0') {
		fprintf(stderr, "hotline: no password given\n");
		free(pw);
		free(phone);
		return (1);
	}
	if (cli_password_refused(a.name, pw)) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
		free(phone);
		return (1);
	}
	if (!from_stdin && isatty(STDIN_FILENO)) {
		fprintf(stderr, "Again: ");
		pw2 = cli_read_password(0);
		if (pw2 == NULL || strcmp(pw, pw2) != 0) {
			fprintf(stderr, "hotline: passwords differ\n");
			free(pw);
			free(pw2);
			free(phone);
			return (1);
		}
		free(pw2);
	}
	hash = auth_hash_password(pw);
	explicit_bzero(pw, strlen(pw));
	free(pw);
	if (hash == NULL) {
		free(phone);
		return (1);
	}
	a.hash = hash;
	rc = store_run(cli_store(cli), cli_staff_add_tx, &a);
	free(hash);
	free(phone);
	if (rc != 0) {
		fprintf(stderr, "hotline: could not save staff member %s\n",
		    a.name);
		return (1);
	}
	printf("staff %s saved (locations %s%s)\n", a.name, a.locations,
	    a.admin ? ", admin" : "");
	return (0);
}

static int
cli_staff_list_row(const struct auth_staff *w, int disabled, void *arg)
{
	(void)arg;
	printf("%-20s %-24s %-14s %s%s\n", w->name, w->locations,
	    w->phone != NULL ? w->phone : "-",
	    w->email != NULL ? w->email : "-", disabled ? " (disabled)" : "");
	return (0);
}

static int
cli_staff_list_tx(struct db *db, void *arg)
{
	(void)arg;
	printf("%-20s %-24s %-14s %s\n", "NAME", "LOCATIONS", "PHONE", "EMAIL");
	return (auth_staff_list(db, cli_staff_list_row, NULL));
}

int
cli_staff(struct cli *cli, int argc, char **argv)
{
	int	rc;

	if (argc < 2)
		return (cli_staff_usage());
	if (strcmp(argv[1], "add") == 0)
		return (cli_staff_add(cli, argc - 1, argv + 1));
	if (strcmp(argv[1], "list") == 0 && argc == 2)
		return (store_run(cli_store(cli), cli_staff_list_tx, NULL) == 0 ?
		    0 : 1);
	if ((rc = cli_account(cli, argc, argv)) != -1)
		return (rc);
	return (cli_staff_usage());
}

/* --- callbacks ----------------------------------------------------------- */

struct cli_cb {
	struct config	*cfg;
	const char	*status;
	int		 json;
	long long	 id;
	const char	*as;
	const char	*outcome;
	int		 rc;
	int		 found;
};

static int
cli_cb_list_tx(struct db *db, void *arg)
{
	struct cli_cb	*c = arg;
	json_t		*items;
	char		*s;
	time_t		 now = util_now();
	int		 pos;

	if ((items = callback_list(db, c->status)) == NULL)
		return (-1);
	if (!c->json)
		printf("%-6s %-4s %-13s %-12s %-12s %-3s %-4s %-3s %-11s %-4s "
		    "%s\n", "ID", "POS", "PHONE", "LOCATION", "TOPIC", "LNG",
		    "PRIO", "REQ", "STATUS", "TRY", "CLAIMED BY");
	/* Positions need their own queries: after the listing's cursor is done. */
	{
		struct estimate	 est;
		size_t		 i;
		json_t		*v;

		json_array_foreach(items, i, v) {
			long long id = json_integer_value(json_object_get(v,
			    "id"));
			json_t	 *reqs;

			if ((reqs = callback_requests_json(db, id)) == NULL) {
				json_decref(items);
				return (-1);
			}
			json_object_set_new(v, "requests", reqs);
			pos = callback_position(db, id);
			json_object_set_new(v, "position", json_integer(pos > 0 ?
			    pos : 0));
			if (pos > 0 && callback_estimate(db, c->cfg,
			    json_string_value(json_object_get(v, "location")),
			    pos, now, &est) != 0) {
				json_decref(items);
				return (-1);
			}
			json_object_set_new(v, "wait_minutes", pos > 0 &&
			    est.later ? json_null() : json_integer(pos > 0 ?
			    est.minutes : 0));
			json_object_set_new(v, "estimate", pos > 0 ?
			    estimate_json(c->cfg, &est, now) : json_null());
		}
		if (c->json) {
			/* "o" steals items: one decref frees both. */
			v = json_pack("{s:o}", "items", items);
			s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			json_decref(v);
			printf("%s\n", s);
			free(s);
			return (0);
		}
		json_array_foreach(items, i, v) {
			json_t	*p = json_object_get(v, "position");
			char	 pbuf[16];

			snprintf(pbuf, sizeof pbuf, "%lld",
			    (long long)json_integer_value(p));
			printf("%-6lld %-4s %-13s %-12s %-12s %-3s %-4s %-3zu "
			    "%-11s %-4lld %s\n",
			    (long long)json_integer_value(json_object_get(v, "id")),
			    json_integer_value(p) > 0 ? pbuf : "-",
			    json_string_value(json_object_get(v, "phone")),
			    json_is_string(json_object_get(v, "location")) ?
			    json_string_value(json_object_get(v, "location")) :
			    "(shared)",
			    json_is_string(json_object_get(v, "topic")) ?
			    json_string_value(json_object_get(v, "topic")) : "-",
			    json_string_value(json_object_get(v, "language")),
			    json_integer_value(json_object_get(v, "priority")) ?
			    "RED" : "-",
			    json_array_size(json_object_get(v, "requests")),
			    json_string_value(json_object_get(v, "status")),
			    (long long)json_integer_value(json_object_get(v,
			    "attempts")),
			    json_is_string(json_object_get(v, "claimed_by")) ?
			    json_string_value(json_object_get(v, "claimed_by")) :
			    "-");
		}
		json_decref(items);
	}
	return (0);
}

static int
cli_cb_act_tx(struct db *db, void *arg)
{
	struct cli_cb		*c = arg;
	struct auth_staff	 s;
	int			 rc;

	if ((c->found = auth_staff_get(db, c->as, &s)) != 1)
		return (c->found == 0 ? 0 : -1);
	/* The dashboard's rule: the entry's queue or a request's location. */
	if ((rc = callback_visible(db, c->id, s.locations)) != 1) {
		auth_staff_clear(&s);
		if (rc == CB_ERROR)
			return (-1);
		if (rc == CB_NOTFOUND)
			c->rc = CB_NOTFOUND;
		else
			c->found = 2;
		return (0);
	}
	if (c->outcome != NULL)
		c->rc = callback_finish(db, c->cfg, c->id, s.name, c->outcome,
		    util_now(), NULL);
	else
		c->rc = callback_claim(db, c->id, s.name, util_now());
	auth_staff_clear(&s);
	return (c->rc == CB_ERROR ? -1 : 0);
}

static int
cli_callbacks_act(struct cli *cli, int argc, char **argv, int done)
{
	static const struct option opts[] = {
		{ "as", required_argument, NULL, 'a' },
		{ "outcome", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_cb	 c;
	const char	*errstr = NULL;
	char		*end;
	int		 ch;

	memset(&c, 0, sizeof c);
	c.cfg = cli->cfg;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			c.as = optarg;
			break;
		case 'o':
			c.outcome = optarg;
			break;
		default:
			return (cli_callbacks_usage());
		}
	}
	if (optind != argc - 1 || c.as == NULL || (done && c.outcome == NULL) ||
	    (!done && c.outcome != NULL))
		return (cli_callbacks_usage());
	errno = 0;
	c.id = strtoll(argv[optind], &end, 10);
	if (errno != 0 || *end != '\0' || c.id <= 0)
		errstr = "not a callback id";
	if (errstr != NULL) {
		fprintf(stderr, "hotline: %s: %s\n", argv[optind], errstr);
		return (1);
	}
	if (done && !callback_outcome_valid(c.outcome)) {
		fprintf(stderr, "hotline: unknown outcome '%s'\n", c.outcome);
		return (cli_callbacks_usage());
	}
	if (store_run(cli_store(cli), cli_cb_act_tx, &c) != 0) {
		fprintf(stderr, "hotline: store error\n");
		return (1);
	}
	if (c.found == 0) {
		fprintf(stderr, "hotline: no staff member '%s'\n", c.as);
		return (1);
	}
	if (c.found == 2) {
		fprintf(stderr, "hotline: callback %lld belongs to a location "
		    "%s does not work\n", c.id, c.as);
		return (1);
	}
	switch (c.rc) {
	case CB_OK:
		printf("callback %lld %s by %s\n", c.id, done ? "recorded" :
		    "claimed", c.as);
		return (0);
	case CB_NOTFOUND:
		fprintf(stderr, "hotline: no callback %lld\n", c.id);
		return (1);
	case CB_CONFLICT:
		fprintf(stderr, "hotline: callback %lld is claimed by someone "
		    "else or closed\n", c.id);
		return (3);
	}
	return (1);
}

int
cli_callbacks(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_cb	c;
	int		ch;

	if (argc < 2)
		return (cli_callbacks_usage());
	if (strcmp(argv[1], "claim") == 0)
		return (cli_callbacks_act(cli, argc - 1, argv + 1, 0));
	if (strcmp(argv[1], "done") == 0)
		return (cli_callbacks_act(cli, argc - 1, argv + 1, 1));
	if (strcmp(argv[1], "list") != 0)
		return (cli_callbacks_usage());
	memset(&c, 0, sizeof c);
	c.cfg = cli->cfg;
	c.status = "open";
	argc--;
	argv++;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			c.status = optarg;
			break;
		case 'j':
			c.json = 1;
			break;
		default:
			return (cli_callbacks_usage());
		}
	}
	if (optind != argc)
		return (cli_callbacks_usage());
	return (store_run(cli_store(cli), cli_cb_list_tx, &c) == 0 ? 0 : 1);
}
