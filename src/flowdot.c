/*
 * flowdot.c -- the voice menu drawn as a Graphviz graph (see flowdot.h).
 *
 * One box per node with its kind and the first words of its prompt; an
 * arrow per choice, labelled with its key and the intent a caller can say;
 * choices that stay on the node (repeat, next, text me this) loop back to
 * it; open and closed hours are separate arrows from the nodes that
 * connect a call.  The choices every menu shares are listed once, in a
 * note, rather than drawn from every box.  With a report (report.c), each
 * box also says how many callers reached it and each arrow how often it
 * was taken.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "flow.h"
#include "flowdot.h"
#include "xmalloc.h"

#define FLOWDOT_WORDS	60	/* prompt characters shown in a box */

static const char *flowdot_types[] = {
	"menu", "guide", "clinics", "zip", "location", "callback", "voicemail",
	"front desk", "goodbye", "appointment"
};

/* Indexed by enum flow_action: one name for every action. */
static const char *flowdot_actions[] = {
	[FA_GOTO] = "go to",
	[FA_REPEAT] = "repeat",
	[FA_BACK] = "back",
	[FA_LANGUAGE] = "language",
	[FA_NEXT] = "next",
	[FA_AGAIN] = "again",
	[FA_TEXT] = "text it",
	[FA_TEXT_ADDRESS] = "text the address",
	[FA_LOCATION] = "location",
	[FA_DAILY] = "daily texts"
};
_Static_assert(sizeof flowdot_actions / sizeof flowdot_actions[0] ==
    FA_DAILY + 1, "flowdot_actions names every flow action");

/* The report's rows of section name, or NULL. */
static json_t *
flowdot_section(const json_t *rep, const char *name)
{
	json_t	*secs, *sec;
	size_t	 i;

	if (rep == NULL || (secs = json_object_get(rep, "sections")) == NULL)
		return (NULL);
	json_array_foreach(secs, i, sec) {
		if (strcmp(json_string_value(json_object_get(sec, "name")) !=
		    NULL ? json_string_value(json_object_get(sec, "name")) : "",
		    name) == 0)
			return (json_object_get(sec, "rows"));
	}
	return (NULL);
}

/*
 * A count from the report: callers who reached node (o NULL, the funnel),
 * or how often option o was chosen there (the report has the key when
 * pressed, the intent when said); -1 without a report.
 */
static long long
flowdot_count(const json_t *rep, const char *node,
    const struct flow_option *o)
{
	json_t		*rows, *row;
	const char	*n, *in;
	size_t		 i;
	long long	 c = 0;

	if (rep == NULL)
		return (-1);
	rows = flowdot_section(rep, o == NULL ? "funnel" : "choices");
	json_array_foreach(rows, i, row) {
		n = json_string_value(json_array_get(row, 0));
		if (n == NULL || strcmp(n, node) != 0)
			continue;
		if (o == NULL)
			return (json_integer_value(json_array_get(row, 2)));
		in = json_string_value(json_array_get(row, 1));
		if (in != NULL && ((o->key != NULL && strcmp(in, o->key) == 0) ||
		    strcmp(in, o->intent) == 0))
			c += json_integer_value(json_array_get(row, 2));
	}
	return (c);
}

/* s quoted for a DOT string: quotes and backslashes escaped. */
static void
flowdot_quote(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* The first words of a prompt, cut at a word and marked when cut. */
static void
flowdot_words(FILE *f, const struct prompt *p, int lang)
{
	const char	*t;
	char		 buf[FLOWDOT_WORDS + 8];
	size_t		 n;

	if (p == NULL || (t = p->text[lang] != NULL ? p->text[lang] :
	    p->text[0]) == NULL)
		return;
	n = strlen(t);
	if (n <= FLOWDOT_WORDS)
		snprintf(buf, sizeof buf, "%s", t);
	else {
		n = FLOWDOT_WORDS;
		while (n > 20 && t[n] != ' ')
			n--;
		/* UTF-8: never cut inside a character. */
		while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
			n--;
		snprintf(buf, sizeof buf, "%.*s...", (int)n, t);
	}
	fputs("\\n\\\"", f);
	flowdot_quote(f, buf);
	fputs("\\\"", f);
}

static void
flowdot_edge(FILE *f, const char *from, const char *to, const char *label,
    const char *style)
{
	fputs("  \"", f);
	flowdot_quote(f, from);
	fputs("\" -> \"", f);
	flowdot_quote(f, to);
	fputs("\" [label=\"", f);
	flowdot_quote(f, label != NULL ? label : "");
	fprintf(f, "\"%s%s];\n", style != NULL ? ", " : "",
	    style != NULL ? style : "");
}

/* "1 | say: prevention" for an option. */
static char *
flowdot_option_label(const struct flow_option *o, const struct config *cfg,
    int lang)
{
	char	*s;

	if (o->action == FA_LOCATION && o->location != NULL)
		xasprintf(&s, "%s%s%s", o->key != NULL ? o->key : "",
		    o->key != NULL ? " | say: " : "say: ",
		    i18n_get(&o->location->name, lang));
	else
		xasprintf(&s, "%s%s%s", o->key != NULL ? o->key : "",
		    o->key != NULL ? (o->speech.re[lang] != NULL ? " | say: " :
		    " | ") : "say: ", o->intent);
	(void)cfg;
	return (s);
}

static void
flowdot_options(FILE *f, const struct config *cfg, const struct flow *fl,
    const struct flow_node *n, int lang, const char *prefix,
    const json_t *rep)
{
	const struct flow_option	*o;
	const char			*to;
	char				*label, *full, *plain;
	size_t				 i;
	long long			 c;

	for (i = 0; i < n->noptions; i++) {
		o = &n->options[i];
		if (o->global)
			continue;
		plain = flowdot_option_label(o, cfg, lang);
		if ((c = flowdot_count(rep, n->id, o)) >= 0)
			xasprintf(&label, "%s (%lld)", plain, c);
		else
			label = xstrdup(plain);
		free(plain);
		xasprintf(&full, "%s%s", prefix, label);
		to = NULL;
		switch (o->action) {
		case FA_GOTO:
			to = o->target != NULL ? o->target->id : o->target_id;
			break;
		case FA_LOCATION:
			to = n->location_node != NULL ? n->location_node->id :
			    n->id;
			break;
		case FA_BACK:
			to = n->back != NULL ? n->back->id : fl->start->id;
			break;
		default:
			break;
		}
		if (to != NULL)
			flowdot_edge(f, n->id, to, full, NULL);
		else {
			/* Stays here: repeat, language, next, text it... */
			free(full);
			xasprintf(&full, "%s%s: %s", prefix, label,
			    flowdot_actions[o->action]);
			flowdot_edge(f, n->id, n->id, full, "style=dashed");
		}
		free(full);
		free(label);
	}
}

char *
flowdot_graph(const struct config *cfg, int lang, const json_t *rep)
{
	const struct flow	*fl = cfg->flow;
	const struct flow_node	*n;
	const struct flow_option *o;
	char			*out = NULL, *dial, *s;
	size_t			 len = 0, i;
	long long		 c;
	FILE			*f;

	if (fl == NULL || (f = open_memstream(&out, &len)) == NULL)
		return (NULL);
	if (lang < 0 || (size_t)lang >= cfg->nlangs)
		lang = 0;
	fputs("digraph hotline {\n"
	    "  rankdir=LR;\n"
	    "  node [shape=box, style=\"rounded\", fontname=\"Helvetica\", "
	    "fontsize=10];\n"
	    "  edge [fontname=\"Helvetica\", fontsize=9];\n", f);
	fputs("  \"call\" [shape=circle, label=\"call\"];\n", f);
	flowdot_edge(f, "call", fl->start->id, "welcome", NULL);
	for (i = 0; i < fl->nnodes; i++) {
		n = &fl->nodes[i];
		fputs("  \"", f);
		flowdot_quote(f, n->id);
		fputs("\" [label=\"", f);
		flowdot_quote(f, n->id);
		fprintf(f, "\\n(%s", flowdot_types[n->type]);
		if (n->type == FLOW_GUIDE && n->guide != NULL) {
			fputs(": ", f);
			flowdot_quote(f, n->guide->id);
		}
		fputs(")", f);
		flowdot_words(f, n->intro != NULL ? n->intro : n->prompt, lang);
		if ((c = flowdot_count(rep, n->id, NULL)) >= 0)
			fprintf(f, "\\n%lld caller%s", c, c == 1 ? "" : "s");
		fprintf(f, "\"%s];\n", n->type == FLOW_GOODBYE ?
		    ", shape=doubleoctagon" : "");
	}
	for (i = 0; i < fl->nnodes; i++) {
		n = &fl->nodes[i];
		switch (n->type) {
		case FLOW_LOCATION:
		case FLOW_FRONT_DESK:
			/* Opening hours decide: connected, or the choices. */
			xasprintf(&dial, "%s: connect", n->id);
			fputs("  \"", f);
			flowdot_quote(f, dial);
			fputs("\" [shape=cds, label=\"connect the call\"];\n", f);
			flowdot_edge(f, n->id, dial, n->type == FLOW_LOCATION ?
			    "open" : "a clinic open", "color=darkgreen");
			if (n->fail != NULL)
				flowdot_edge(f, dial, n->fail->id, "no answer",
				    "style=dotted");
			free(dial);
			flowdot_options(f, cfg, fl, n, lang, "closed: ", rep);
			break;
		case FLOW_ZIP:
			if (n->location_node != NULL)
				flowdot_edge(f, n->id, n->location_node->id,
				    "five digits: nearest clinic", NULL);
			flowdot_options(f, cfg, fl, n, lang, "", rep);
			break;
		case FLOW_APPOINTMENT:
			if (n->next != NULL)
				flowdot_edge(f, n->id, n->next->id, "clinic, new "
				    "or returning, days, reason, number (each "
				    "skippable): requested", NULL);
			flowdot_options(f, cfg, fl, n, lang, "", rep);
			break;
		case FLOW_CALLBACK:
		case FLOW_VOICEMAIL:
			if (n->next != NULL)
				flowdot_edge(f, n->id, n->next->id,
				    n->type == FLOW_CALLBACK ? "number, clinic, "
				    "window: queued" : "after the tone: queued",
				    NULL);
			flowdot_options(f, cfg, fl, n, lang, "", rep);
			break;
		default:
			flowdot_options(f, cfg, fl, n, lang, "", rep);
			break;
		}
		if (n->fail != NULL && n->type != FLOW_LOCATION &&
		    n->type != FLOW_FRONT_DESK)
			flowdot_edge(f, n->id, n->fail->id, "no answer",
			    "style=dotted");
	}
	/* The shared choices, once. */
	fputs("  \"every menu\" [shape=note, label=\"every menu:", f);
	for (i = 0; i < fl->nglobals; i++) {
		o = &fl->globals[i];
		s = flowdot_option_label(o, cfg, lang);
		fputs("\\n", f);
		flowdot_quote(f, s);
		fputs(o->action == FA_GOTO ? " -> " : ": ", f);
		flowdot_quote(f, o->action == FA_GOTO ? o->target_id :
		    flowdot_actions[o->action]);
		free(s);
	}
	fputs("\\nmisses: the front desk when open, else a callback\"];\n",
	    f);
	fputs("}\n", f);
	fclose(f);
	return (out);
}

char *
flowdot_svg(const char *dot, size_t *len, char **err)
{
	char			 path[] = "/tmp/hotline-flow-XXXXXX";
	char			*argv[] = { "dot", "-Tsvg", path, NULL };
	posix_spawn_file_actions_t fa;
	char			*out = NULL, buf[8192];
	size_t			 n = 0, dlen = strlen(dot);
	ssize_t			 r;
	pid_t			 pid;
	int			 fd, p[2], status, rc;

	*err = NULL;
	*len = 0;
	/* The graph goes in a file: dot reads it all before it writes. */
	if ((fd = mkstemp(path)) == -1) {
		xasprintf(err, "temporary file: %s", strerror(errno));
		return (NULL);
	}
	if (write(fd, dot, dlen) != (ssize_t)dlen) {
		xasprintf(err, "temporary file: %s", strerror(errno));
		close(fd);
		unlink(path);
		return (NULL);
	}
	close(fd);
	if (pipe2(p, O_CLOEXEC) == -1) {
		xasprintf(err, "pipe: %s", strerror(errno));
		unlink(path);
		return (NULL);
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
	    O_RDONLY, 0);
	rc = posix_spawnp(&pid, "dot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc != 0) {
		xasprintf(err, "cannot run Graphviz dot: %s (install the "
		    "graphviz package)", strerror(rc));
		close(p[0]);
		unlink(path);
		return (NULL);
	}
	for (;;) {
		if ((r = read(p[0], buf, sizeof buf)) < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		out = xreallocarray(out, n + (size_t)r + 1, 1);
		memcpy(out + n, buf, (size_t)r);
		n += (size_t)r;
		out[n] = '\0';
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	unlink(path);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || out == NULL) {
		xasprintf(err, "Graphviz dot failed (exit %d)",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		free(out);
		return (NULL);
	}
	*len = n;
	return (out);
}
