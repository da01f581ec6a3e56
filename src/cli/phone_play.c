/*
 * phone_play.c -- what the caller of "hotline call" hears.  Every
 * <Say>, <Play> and <Pause> is shown in the transcript (a prompt's words
 * looked up in the configuration); at a terminal, <Say> is spoken with
 * espeak-ng and a prompt's recording played with play or aplay when they
 * are installed, and a key pressed meanwhile barges in.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <ctype.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "phone.h"
#include "cli_twiml.h"
#include "config.h"
#include "form.h"
#include "util.h"
#include "xmalloc.h"

static char *
find_program(const char *name)
{
	const char	*path;
	char		*dirs, *d, *save = NULL, *full;

	if ((path = getenv("PATH")) == NULL)
		return (NULL);
	dirs = xstrdup(path);
	for (d = strtok_r(dirs, ":", &save); d != NULL;
	    d = strtok_r(NULL, ":", &save)) {
		xasprintf(&full, "%s/%s", d, name);
		if (access(full, X_OK) == 0) {
			free(dirs);
			return (full);
		}
		free(full);
	}
	free(dirs);
	return (NULL);
}

void
phone_play_init(struct phone *c)
{
	c->player = find_program("play");
	if (c->player == NULL)
		c->player = find_program("aplay");
	c->speaker = find_program("espeak-ng");
}

/*
 * Run argv while watching the keyboard: a key stops it (the caller barged
 * in) and is returned; 0 when it ran to the end.
 */
static int
run_player(char *const argv[], int watch_keys)
{
	pid_t	pid;
	int	status, key = 0;

	if ((pid = fork()) == -1)
		return (0);
	if (pid == 0) {
		int	devnull = open("/dev/null", O_RDWR);

		if (devnull != -1) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
			dup2(devnull, STDERR_FILENO);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return (0);
		if (cli_term_interrupted) {
			kill(pid, SIGTERM);
			waitpid(pid, &status, 0);
			return (-1);
		}
		if (watch_keys) {
			key = cli_term_key(50);
			if (key != 0) {
				kill(pid, SIGTERM);
				waitpid(pid, &status, 0);
				return (key);
			}
		} else
			usleep(50 * 1000);
	}
}

/* Words a prompt URL stands for: prompts/<lang>/<id>.<ext> in the config. */
static const char *
phone_prompt_words(struct phone *c, const char *url, char *id, size_t idlen)
{
	const char	*p, *slash, *dot;
	char		 lang[16];
	struct prompt	*pr;
	int		 li;

	if ((p = strstr(url, "/prompts/")) == NULL)
		return (NULL);
	p += 9;
	if ((slash = strchr(p, '/')) == NULL || (size_t)(slash - p) >=
	    sizeof lang)
		return (NULL);
	memcpy(lang, p, (size_t)(slash - p));
	lang[slash - p] = '\0';
	if ((dot = strrchr(slash + 1, '.')) == NULL ||
	    (size_t)(dot - slash - 1) >= idlen)
		return (NULL);
	memcpy(id, slash + 1, (size_t)(dot - slash - 1));
	id[dot - slash - 1] = '\0';
	if ((li = config_lang(c->cfg, lang)) < 0 ||
	    (pr = config_prompt(c->cfg, id)) == NULL)
		return (NULL);
	return (pr->text[li]);
}

static double
speak_seconds(const char *s)
{
	size_t	words = 0;
	int	in = 0;

	for (; *s != '\0'; s++) {
		if (isspace((unsigned char)*s))
			in = 0;
		else if (!in) {
			in = 1;
			words++;
		}
	}
	return (words / 2.5);
}

/*
 * How long a prompt's recording on disk plays (its WAV header's byte
 * rate), or 0 when there is none to read.
 */
static double
wav_seconds(struct phone *c, const char *url)
{
	const char	*p;
	unsigned char	 h[44];
	struct stat	 st;
	char		*path;
	FILE		*f;
	double		 rate;
	size_t		 n = 0;

	if ((p = strstr(url, "/prompts/")) == NULL || strstr(p, "..") != NULL)
		return (0);
	xasprintf(&path, "%s/%s", c->cfg->prompts_dir, p + 9);
	if ((f = fopen(path, "rb")) != NULL) {
		if (fstat(fileno(f), &st) == 0)
			n = fread(h, 1, sizeof h, f);
		fclose(f);
	}
	free(path);
	if (n != sizeof h || memcmp(h, "RIFF", 4) != 0 ||
	    memcmp(h + 8, "WAVE", 4) != 0)
		return (0);
	rate = h[28] | h[29] << 8 | h[30] << 16 | (unsigned)h[31] << 24;
	return (rate > 0 ? (st.st_size - 44) / rate : 0);
}

static int
phone_fetch_audio(struct phone *c, const char *url, char **path)
{
	struct curl_slist	*none = NULL;
	FILE			*f;
	char			*target;
	CURLcode		 rc;
	long			 status = 0;
	static int		 n;

	xasprintf(path, "%s/%d.audio", c->tmpdir, n++);
	if ((f = fopen(*path, "w")) == NULL)
		return (-1);
	target = cli_http_target(&c->http, url);
	curl_easy_reset(c->http.curl);
	curl_easy_setopt(c->http.curl, CURLOPT_URL, target);
	curl_easy_setopt(c->http.curl, CURLOPT_HTTPHEADER, none);
	curl_easy_setopt(c->http.curl, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(c->http.curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c->http.curl, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(c->http.curl);
	curl_easy_getinfo(c->http.curl, CURLINFO_RESPONSE_CODE, &status);
	fclose(f);
	free(target);
	if (rc != CURLE_OK || status != 200) {
		unlink(*path);
		return (-1);
	}
	return (0);
}

int
phone_play(struct phone *c, struct cli_twiml *v, int in_gather)
{
	char		*text, *path, id[80], secs[16];
	const char	*words, *lang, *a;
	double		 len_s;
	int		 key = 0, len;

	if (strcmp(v->name, "Say") == 0) {
		text = cli_twiml_text(v);
		lang = form_get(&v->attrs, "language");
		phone_event(c, json_pack("{s:s, s:s, s:s?}", "type", "say",
		    "text", text, "language", lang), "  say%s%s%s: %s",
		    lang ? " [" : "", lang ? lang : "", lang ? "]" : "", text);
		c->seconds += speak_seconds(text);
		if (c->interactive && c->speaker != NULL) {
			char	*argv[] = { c->speaker, (char *)"-v",
			    (char *)(lang != NULL && strncmp(lang, "es", 2) ==
			    0 ? "es-419" : "en-us"), text, NULL };

			key = run_player(argv, in_gather);
		} else
			c->unheard += speak_seconds(text);
		free(text);
		return (key);
	}
	if (strcmp(v->name, "Play") == 0) {
		text = cli_twiml_text(v);
		if ((a = form_get(&v->attrs, "digits")) != NULL) {
			phone_event(c, json_pack("{s:s, s:s}", "type", "play",
			    "digits", a), "  play tones: %s", a);
			free(text);
			return (0);
		}
		words = phone_prompt_words(c, text, id, sizeof id);
		phone_event(c, json_pack("{s:s, s:s, s:s?, s:s?}", "type", "play",
		    "url", phone_short(c, text), "prompt", words ? id : NULL,
		    "text", words), "  play %s: %s", phone_short(c, text),
		    words != NULL ? words : "(not a prompt of this "
		    "configuration)");
		if ((len_s = wav_seconds(c, text)) == 0 && words != NULL)
			len_s = speak_seconds(words);
		c->seconds += len_s;
		if (c->interactive && c->player == NULL)
			c->unheard += len_s;
		if (c->interactive && c->player != NULL) {
			char	*full;

			full = phone_resolve(c->http.public_url, text);
			if (phone_fetch_audio(c, full, &path) == 0) {
				char	*argv[] = { c->player, (char *)"-q",
				    path, NULL };

				key = run_player(argv, in_gather);
				unlink(path);
			} else
				phone_error(c, "%s: audio not served",
				    phone_short(c, text));
			free(path);
			free(full);
		}
		free(text);
		return (key);
	}
	if (strcmp(v->name, "Pause") == 0) {
		a = form_get(&v->attrs, "length");
		len = a != NULL ? atoi(a) : 1;
		if (len < 0)
			len = 0;
		snprintf(secs, sizeof secs, "%d", len);
		phone_event(c, json_pack("{s:s, s:i}", "type", "pause", "length",
		    len), "  pause %s s", secs);
		c->seconds += len;
		if (c->interactive) {
			if (in_gather) {
				key = cli_term_key(len * 1000);
				return (key > 0 ? key : 0);
			}
			sleep((unsigned int)len);
		}
		return (0);
	}
	return (0);
}
