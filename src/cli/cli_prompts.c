/*
 * cli_prompts.c -- "hotline prompts render|check": the recorded prompts.
 *
 * prompts/<lang>/<id>.txt holds the words; render speaks them with
 * espeak-ng and makes telephone audio of them with sox (8 kHz, mono,
 * 16-bit PCM WAV) in prompts/<lang>/<id>.wav.  Beside each rendered file
 * goes <id>.sha256, the hash of the voice and the words it was made from:
 * only prompts whose words (or voice) changed are rendered again, and a
 * .wav without that sidecar -- a studio recording someone put there -- is
 * never overwritten without --force.
 *
 * check compares what the flow and the guides use with what is on disk,
 * and that recordings are telephone audio (prompts_studio.c); export
 * writes the studio script.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "flow.h"
#include "prompts.h"
#include "util.h"
#include "xmalloc.h"

/* espeak-ng voices for the languages the shipped content uses. */
static const char *
prompts_default_voice(const char *lang)
{
	if (strcmp(lang, "es") == 0)
		return ("es-419");
	if (strcmp(lang, "en") == 0)
		return ("en-us");
	return (lang);
}

static int
prompts_have(const char *prog)
{
	char	*argv[] = { (char *)prog, (char *)"--version", NULL };

	return (prompts_run(argv) == 0);
}

static int
prompts_write_file(const char *path, const char *s)
{
	FILE	*f;
	int	 rc;

	if ((f = fopen(path, "w")) == NULL)
		return (-1);
	rc = fputs(s, f) < 0 ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return (rc);
}

/*
 * Render one prompt in one language.  The words go to espeak-ng through a
 * file, never a shell; the result is renamed into place so the service
 * never serves half a file.
 */
static int
prompts_render_one(const char *dir, const char *id, const char *voice,
    const char *text, const char *hash)
{
	char	*txt, *raw, *tmp, *out, *side;
	int	 rc = -1;

	xasprintf(&txt, "%s/.%s.render.txt", dir, id);
	xasprintf(&raw, "%s/.%s.render-raw.wav", dir, id);
	xasprintf(&tmp, "%s/.%s.render.wav", dir, id);
	xasprintf(&out, "%s/%s.wav", dir, id);
	xasprintf(&side, "%s/%s.sha256", dir, id);
	if (prompts_write_file(txt, text) != 0) {
		fprintf(stderr, "hotline prompts: %s: %s\n", txt,
		    strerror(errno));
		goto out;
	}
	{
		char	*espeak[] = { (char *)"espeak-ng", (char *)"-v",
		    (char *)voice, (char *)"-s", (char *)"150", (char *)"-f",
		    txt, (char *)"-w", raw, NULL };
		char	*sox[] = { (char *)"sox", raw, (char *)"-r",
		    (char *)"8000", (char *)"-c", (char *)"1", (char *)"-b",
		    (char *)"16", (char *)"-e", (char *)"signed-integer", tmp,
		    (char *)"norm", (char *)"-1", NULL };

		if (prompts_run(espeak) != 0) {
			fprintf(stderr, "hotline prompts: espeak-ng failed for "
			    "%s (voice %s)\n", id, voice);
			goto out;
		}
		if (prompts_run(sox) != 0) {
			fprintf(stderr, "hotline prompts: sox failed for %s\n",
			    id);
			goto out;
		}
	}
	if (rename(tmp, out) != 0) {
		fprintf(stderr, "hotline prompts: %s: %s\n", out,
		    strerror(errno));
		goto out;
	}
	if (prompts_write_file(side, hash) != 0) {
		fprintf(stderr, "hotline prompts: %s: %s\n", side,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	unlink(txt);
	unlink(raw);
	unlink(tmp);
	free(txt);
	free(raw);
	free(tmp);
	free(out);
	free(side);
	return (rc);
}

static int
prompts_wanted(int argc, char **argv, const char *id)
{
	int	i;

	if (argc == 0)
		return (1);
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], id) == 0)
			return (1);
	}
	return (0);
}

static int
prompts_render(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lang", required_argument, NULL, 'l' },
		{ "voice", required_argument, NULL, 'v' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct config	*cfg = cli->cfg;
	struct prompt	*p;
	struct stat	 st;
	const char	*lang = NULL, *voice = NULL, *v;
	char		*dir, *wav, *side, *old, hash[65];
	size_t		 i, j;
	int		 ch, force = 0, li = -1, rendered = 0, current = 0;
	int		 kept = 0, failed = 0, k;

	while ((ch = getopt_long(argc, argv, "l:v:f", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			lang = optarg;
			break;
		case 'v':
			voice = optarg;
			break;
		case 'f':
			force = 1;
			break;
		default:
			fprintf(stderr, "usage: hotline prompts render [--lang L] "
			    "[--voice V] [--force] [ID...]\n");
			return (2);
		}
	}
	if (lang != NULL && (li = config_lang(cfg, lang)) < 0) {
		fprintf(stderr, "hotline prompts: --lang %s: not a configured "
		    "language\n", lang);
		return (2);
	}
	if (voice != NULL && lang == NULL && cfg->nlangs > 1) {
		fprintf(stderr, "hotline prompts: --voice needs --lang (each "
		    "language has its own voice)\n");
		return (2);
	}
	for (k = optind; k < argc; k++) {
		if (config_prompt(cfg, argv[k]) == NULL) {
			fprintf(stderr, "hotline prompts: no prompt '%s'\n",
			    argv[k]);
			return (2);
		}
	}
	if (!prompts_have("espeak-ng") || !prompts_have("sox")) {
		fprintf(stderr, "hotline prompts: render needs espeak-ng and sox "
		    "(apt-get install espeak-ng sox)\n");
		return (1);
	}
	for (j = 0; j < cfg->nlangs; j++) {
		if (li >= 0 && (size_t)li != j)
			continue;
		v = voice != NULL ? voice : prompts_default_voice(cfg->langs[j]);
		xasprintf(&dir, "%s/%s", cfg->prompts_dir, cfg->langs[j]);
		for (i = 0; i < cfg->nprompts; i++) {
			p = &cfg->prompts[i];
			/* Made from the locations: always spoken (menu.c). */
			if (p->text[j] == NULL || p->tmpl[j] != NULL ||
			    !prompts_wanted(argc - optind, argv + optind, p->id))
				continue;
			prompts_hash(v, p->text[j], hash);
			xasprintf(&wav, "%s/%s.wav", dir, p->id);
			xasprintf(&side, "%s/%s.sha256", dir, p->id);
			old = util_read_file(side, 1024, NULL);
			if (old != NULL)
				util_trim(old);
			if (!force && stat(wav, &st) == 0) {
				if (old == NULL) {
					printf("kept     %s/%s (recorded by hand; "
					    "--force replaces it)\n",
					    cfg->langs[j], p->id);
					kept++;
					goto next;
				}
				if (strcmp(old, hash) == 0) {
					current++;
					goto next;
				}
			}
			if (prompts_render_one(dir, p->id, v, p->text[j],
			    hash) == 0) {
				printf("rendered %s/%s\n", cfg->langs[j], p->id);
				rendered++;
			} else
				failed++;
next:
			free(old);
			free(wav);
			free(side);
		}
		free(dir);
	}
	printf("%d rendered, %d up to date, %d kept, %d failed\n", rendered,
	    current, kept, failed);
	if (rendered > 0)
		printf("a running hotlined serves the new audio at once; "
		    "send it SIGHUP to <Play> prompts that had no audio "
		    "before\n");
	return (failed == 0 ? 0 : 1);
}

/* --- check ---------------------------------------------------------------- */

static int
prompts_check(struct cli *cli, int argc, char **argv)
{
	struct config		*cfg = cli->cfg;
	struct prompt		*p;
	enum prompt_audio	 a;
	char			**where;
	size_t			 i, j;
	int			 missing = 0, unused = 0, stale = 0, fix = 0;
	int			 wrong;

	if (argc == 2 && strcmp(argv[1], "--fix") == 0)
		fix = 1;
	else if (argc > 1) {
		fprintf(stderr, "usage: hotline prompts check [--fix]\n");
		return (2);
	}
	where = prompts_where(cfg);
	for (i = 0; i < cfg->nprompts; i++) {
		p = &cfg->prompts[i];
		for (j = 0; j < cfg->nlangs; j++) {
			if (p->text[j] == NULL)
				continue;
			a = prompts_audio_state(cfg, p, j);
			if (where[i] != NULL && a == PA_MISSING) {
				printf("missing  %s/%s/%s.wav (the service "
				    "says the words instead)\n",
				    cfg->prompts_dir, cfg->langs[j], p->id);
				missing++;
			} else if (a == PA_STALE) {
				printf("stale    %s/%s (audio older than "
				    "%s.txt, or made from other words)\n",
				    cfg->prompts_dir,
				    p->audio[j] + strlen("prompts/"), p->id);
				stale++;
			}
		}
		if (where[i] == NULL) {
			printf("unused   %s (no guide or menu uses it)\n",
			    p->id);
			unused++;
		}
	}
	prompts_where_free(cfg, where);
	wrong = prompts_check_format(cfg, fix);
	printf("%zu prompts: %d missing audio, %d stale, %d unused, %d not "
	    "telephone audio\n", cfg->nprompts, missing, stale, unused, wrong);
	return (missing == 0 && stale == 0 && wrong == 0 ? 0 : 1);
}

int
cli_prompts(struct cli *cli, int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: hotline prompts render|check|export "
		    "...\n");
		return (2);
	}
	if (strcmp(argv[1], "render") == 0)
		return (prompts_render(cli, argc - 1, argv + 1));
	if (strcmp(argv[1], "check") == 0)
		return (prompts_check(cli, argc - 1, argv + 1));
	if (strcmp(argv[1], "export") == 0)
		return (prompts_export(cli->cfg, argc - 1, argv + 1));
	fprintf(stderr, "hotline prompts: unknown subcommand '%s' (render, "
	    "check, export)\n", argv[1]);
	return (2);
}
