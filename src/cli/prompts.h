/*
 * prompts.h -- what "hotline prompts" subcommands share (cli_prompts.c:
 * render and check; prompts_studio.c: the studio script and the format
 * of recordings).
 */
#ifndef HOTLINE_CLI_PROMPTS_H
#define HOTLINE_CLI_PROMPTS_H

#include <stddef.h>

struct config;
struct prompt;

/* The audio a prompt has in a language, as a voice artist needs to know. */
enum prompt_audio {
	PA_MISSING,	/* none: the service says the words */
	PA_RECORDED,	/* a studio recording (no .sha256 beside it) */
	PA_RENDERED,	/* made by "prompts render" from the current words */
	PA_STALE,	/* older than its words, or rendered from other words */
	PA_GENERATED	/* made from the locations at load: always spoken */
};

extern const char *prompt_audio_names[];

/* Run argv (no shell), its output discarded; 0 when it exits 0. */
int		 prompts_run(char *const argv[]);
/* The hash "prompts render" writes beside a .wav made from these words. */
void		 prompts_hash(const char *voice, const char *text, char out[65]);
enum prompt_audio prompts_audio_state(const struct config *,
		     const struct prompt *, size_t lang);
/*
 * Where each prompt is used: "node main", "system welcome", "guide
 * stretches", "menus" (a location's choice or name); one string per
 * prompt (index in cfg->prompts), NULL where unused.  prompts_where_free
 * releases the array.
 */
char		**prompts_where(const struct config *);
void		 prompts_where_free(const struct config *, char **);

/* "prompts export [--lang L] [--format csv|html]". */
int		 prompts_export(struct config *, int argc, char **argv);
/*
 * The recordings' format: every .wav 8 kHz, mono, 16-bit PCM.  Problems
 * are printed; with fix, each is converted with sox (the original kept as
 * <id>.wav.orig).  Returns the number left wrong.
 */
int		 prompts_check_format(const struct config *, int fix);

#endif
