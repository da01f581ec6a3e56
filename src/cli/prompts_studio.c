/*
 * prompts_studio.c -- for the voice artist: "hotline prompts export", the
 * script to record from (every prompt, its words, where the caller hears
 * it, whether it is recorded yet), and the format check of what comes
 * back from the studio (8 kHz mono 16-bit PCM WAV, as the phone plays it;
 * sox converts what is not).
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "flow.h"
#include "prompts.h"
#include "util.h"
#include "xmalloc.h"

const char *prompt_audio_names[] = {
	"missing", "recorded", "rendered", "stale", "generated"
};

/* Run argv quietly; 0 when it exits 0. */
int
prompts_run(char *const argv[])
{
	pid_t	pid;
	int	status, devnull;

	if ((pid = fork()) == -1)
		return (-1);
	if (pid == 0) {
		if ((devnull = open("/dev/null", O_RDWR)) != -1) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "hotline prompts: %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			return (-1);
	}
	return (WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1);
}

/* --- where each prompt is used -------------------------------------------- */

static void
where_add(const struct config *cfg, char **where, const struct prompt *p,
    const char *what, const char *id)
{
	size_t	 i;
	char	*s;

	if (p == NULL)
		return;
	i = (size_t)(p - cfg->prompts);
	if (where[i] != NULL && strstr(where[i], id) != NULL)
		return;
	if (where[i] == NULL)
		xasprintf(&s, "%s %s", what, id);
	else
		xasprintf(&s, "%s; %s %s", where[i], what, id);
	free(where[i]);
	where[i] = s;
}

static void
where_guide(const struct config *cfg, char **where, const struct guide *g)
{
	size_t	i;

	for (i = 0; i < g->nparts; i++)
		where_add(cfg, where, g->parts[i].prompt, "guide", g->id);
}

char **
prompts_where(const struct config *cfg)
{
	const struct flow	*fl = cfg->flow;
	const struct flow_node	*n;
	const struct prompt	*p;
	char			**where, *id;
	size_t			 i;

	where = xcalloc(cfg->nprompts + 1, sizeof *where);
	for (i = 0; fl != NULL && i < fl->nnodes; i++) {
		n = &fl->nodes[i];
		where_add(cfg, where, n->intro, "node", n->id);
		where_add(cfg, where, n->prompt, "node", n->id);
		where_add(cfg, where, n->number, "node", n->id);
		where_add(cfg, where, n->where, "node", n->id);
		where_add(cfg, where, n->when, "node", n->id);
		where_add(cfg, where, n->after, "node", n->id);
		where_add(cfg, where, n->last, "node", n->id);
		where_add(cfg, where, n->patient, "node", n->id);
		where_add(cfg, where, n->reason, "node", n->id);
		where_add(cfg, where, n->done, "node", n->id);
		where_add(cfg, where, n->closed, "node", n->id);
	}
	for (i = 0; fl != NULL && i < FS_COUNT; i++)
		where_add(cfg, where, fl->sys[i], "system",
		    flow_sys_name((enum flow_sys)i));
	for (i = 0; i < cfg->nguides; i++)
		where_guide(cfg, where, &cfg->guides[i]);
	/* The menus made from the locations (menu.c). */
	where_add(cfg, where, config_prompt(cfg, "location_choice"),
	    "menus", "{locations}");
	for (i = 0; i < cfg->nlocations; i++) {
		xasprintf(&id, "location_%s", cfg->locations[i].id);
		if ((p = config_prompt(cfg, id)) != NULL)
			where_add(cfg, where, p, "menus", "name");
		free(id);
	}
	return (where);
}

void
prompts_where_free(const struct config *cfg, char **where)
{
	size_t	i;

	for (i = 0; i < cfg->nprompts; i++)
		free(where[i]);
	free(where);
}

/* --- audio state ---------------------------------------------------------- */

void
prompts_hash(const char *voice, const char *text, char out[65])
{
	char	*material;

	xasprintf(&material, "espeak-ng %s 8000\n%s", voice, text);
	util_sha256_hex(material, strlen(material), out);
	free(material);
}

enum prompt_audio
prompts_audio_state(const struct config *cfg, const struct prompt *p,
    size_t lang)
{
	struct stat	 st;
	char		*side;
	int		 rendered;

	if (p->tmpl[lang] != NULL)
		return (PA_GENERATED);
	if (p->audio[lang] == NULL)
		return (PA_MISSING);
	if (p->audio_mtime[lang] < p->text_mtime[lang])
		return (PA_STALE);
	/* "prompts render" leaves the hash of the words beside its .wav. */
	xasprintf(&side, "%s/%s/%s.sha256", cfg->prompts_dir, cfg->langs[lang],
	    p->id);
	rendered = stat(side, &st) == 0;
	free(side);
	return (rendered ? PA_RENDERED : PA_RECORDED);
}

/* --- export ---------------------------------------------------------------- */

static void
export_csv_field(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void
export_html_text(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

/* The words to record: a template's, or what the service says. */
static const char *
export_words(const struct prompt *p, size_t lang)
{
	if (p->text[lang] == NULL)
		return (NULL);
	return (p->text[lang]);
}

int
prompts_export(struct config *cfg, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lang", required_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	const struct prompt	*p;
	const char		*lang = NULL, *format = "csv";
	char			**where;
	size_t			 i, j;
	int			 ch, li = -1, html;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "+l:f:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			lang = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind < argc)
		goto usage;
	if (strcmp(format, "csv") != 0 && strcmp(format, "html") != 0) {
		fprintf(stderr, "hotline prompts export: --format is csv or "
		    "html, not '%s'\n", format);
		return (2);
	}
	if (lang != NULL && (li = config_lang(cfg, lang)) < 0) {
		fprintf(stderr, "hotline prompts export: --lang %s: not a "
		    "configured language\n", lang);
		return (2);
	}
	html = strcmp(format, "html") == 0;
	where = prompts_where(cfg);
	if (html)
		printf("<!doctype html>\n<html><head><meta charset=\"utf-8\">"
		    "<title>Hotline prompts: studio script</title>\n<style>"
		    "body{font-family:sans-serif}td,th{border:1px solid #999;"
		    "padding:4px;vertical-align:top}table{border-collapse:"
		    "collapse}.missing,.stale{background:#fdd}</style></head>"
		    "<body>\n<h1>Studio script</h1>\n<p>Record each as "
		    "prompts/&lt;lang&gt;/&lt;id&gt;.wav, 8 kHz mono 16-bit "
		    "(<code>hotline prompts check --fix</code> converts). "
		    "Generated prompts list the locations and are always "
		    "spoken; record a location's name as location_&lt;id&gt;."
		    "</p>\n<table>\n<tr><th>id</th><th>lang</th><th>audio</th>"
		    "<th>used in</th><th>words</th></tr>\n");
	else
		printf("id,lang,audio,used_in,words\n");
	for (i = 0; i < cfg->nprompts; i++) {
		p = &cfg->prompts[i];
		for (j = 0; j < cfg->nlangs; j++) {
			const char *state;

			if ((li >= 0 && (size_t)li != j) ||
			    export_words(p, j) == NULL)
				continue;
			state = prompt_audio_names[prompts_audio_state(cfg, p,
			    j)];
			if (html) {
				printf("<tr class=\"%s\"><td>", state);
				export_html_text(stdout, p->id);
				printf("</td><td>%s</td><td>%s</td><td>",
				    cfg->langs[j], state);
				export_html_text(stdout, where[i] != NULL ?
				    where[i] : "unused");
				printf("</td><td>");
				export_html_text(stdout, export_words(p, j));
				printf("</td></tr>\n");
			} else {
				export_csv_field(stdout, p->id);
				printf(",%s,%s,", cfg->langs[j], state);
				export_csv_field(stdout, where[i] != NULL ?
				    where[i] : "unused");
				putchar(',');
				export_csv_field(stdout, export_words(p, j));
				putchar('\n');
			}
		}
	}
	if (html)
		printf("</table>\n</body></html>\n");
	prompts_where_free(cfg, where);
	return (0);
usage:
	fprintf(stderr, "usage: hotline prompts export [--lang L] "
	    "[--format csv|html]\n");
	return (2);
}

/* --- the recordings' format ------------------------------------------------ */

static unsigned
le16(const unsigned char *b)
{
	return ((unsigned)b[0] | (unsigned)b[1] << 8);
}

static unsigned long
le32(const unsigned char *b)
{
	return ((unsigned long)le16(b) | (unsigned long)le16(b + 2) << 16);
}

/*
 * The "fmt " chunk of a RIFF/WAVE file: 0 with its format, channels,
 * rate and bits; -1 when the file is not a WAV file.
 */
static int
wav_format(const char *path, unsigned *fmt, unsigned *ch, unsigned long *rate,
    unsigned *bits)
{
	unsigned char	 h[12], c[8], f[16];
	unsigned long	 size;
	FILE		*fp;
	int		 rc = -1;

	if ((fp = fopen(path, "rb")) == NULL)
		return (-1);
	if (fread(h, 1, 12, fp) != 12 || memcmp(h, "RIFF", 4) != 0 ||
	    memcmp(h + 8, "WAVE", 4) != 0)
		goto out;
	while (fread(c, 1, 8, fp) == 8) {
		size = le32(c + 4);
		if (memcmp(c, "fmt ", 4) == 0) {
			if (size < 16 || fread(f, 1, 16, fp) != 16)
				break;
			*fmt = le16(f);
			*ch = le16(f + 2);
			*rate = le32(f + 4);
			*bits = le16(f + 14);
			rc = 0;
			break;
		}
		if (fseek(fp, (long)(size + (size & 1)), SEEK_CUR) != 0)
			break;
	}
out:
	fclose(fp);
	return (rc);
}

/* Convert path in place to telephone audio; the original kept as .orig. */
static int
wav_fix(const char *path)
{
	char	*tmp, *orig;
	int	 rc = -1;

	xasprintf(&tmp, "%s.fix.wav", path);
	xasprintf(&orig, "%s.orig", path);
	{
		char	*sox[] = { (char *)"sox", (char *)path, (char *)"-r",
		    (char *)"8000", (char *)"-c", (char *)"1", (char *)"-b",
		    (char *)"16", (char *)"-e", (char *)"signed-integer", tmp,
		    NULL };

		if (prompts_run(sox) != 0) {
			fprintf(stderr, "hotline prompts: sox could not convert "
			    "%s\n", path);
			goto out;
		}
	}
	/* An older original is never replaced: nothing recorded is lost. */
	if (link(path, orig) != 0) {
		fprintf(stderr, "hotline prompts: %s: %s%s\n", orig,
		    strerror(errno), errno == EEXIST ? " (move it away, then "
		    "--fix again)" : "");
		goto out;
	}
	if (rename(tmp, path) != 0) {
		fprintf(stderr, "hotline prompts: %s: %s\n", path,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	unlink(tmp);
	free(tmp);
	free(orig);
	return (rc);
}

int
prompts_check_format(const struct config *cfg, int fix)
{
	const struct prompt	*p;
	unsigned		 fmt, ch, bits;
	unsigned long		 rate;
	size_t			 i, j, len;
	char			*path;
	int			 wrong = 0;

	for (i = 0; i < cfg->nprompts; i++) {
		p = &cfg->prompts[i];
		for (j = 0; j < cfg->nlangs; j++) {
			if (p->audio[j] == NULL ||
			    (len = strlen(p->audio[j])) < 4 ||
			    strcmp(p->audio[j] + len - 4, ".wav") != 0)
				continue;
			xasprintf(&path, "%s/%s/%s.wav", cfg->prompts_dir,
			    cfg->langs[j], p->id);
			if (wav_format(path, &fmt, &ch, &rate, &bits) != 0) {
				printf("format   %s (not a WAV file)\n", path);
				wrong++;
			} else if (fmt != 1 || ch != 1 || rate != 8000 ||
			    bits != 16) {
				printf("format   %s (%s%lu Hz, %u channel%s, "
				    "%u-bit; wanted 8000 Hz mono 16-bit PCM)%s\n",
				    path, fmt != 1 ? "not PCM, " : "", rate, ch,
				    ch == 1 ? "" : "s", bits, fix ?
				    ": converting" : "");
				if (!fix || wav_fix(path) != 0)
					wrong++;
			}
			free(path);
		}
	}
	return (wrong);
}
