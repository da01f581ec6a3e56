/*
 * prompt.c -- serving recorded prompts: GET/HEAD /prompts/<lang>/<id>.<ext>.
 *
 * The recordings are read into the configuration when it is loaded (at
 * start and on SIGHUP, prompt_load) and served from memory: a request
 * never touches the disk, so a slow disk, a huge file or a FIFO put in a
 * recording's place cannot hold the loop.  Only regular files are read,
 * never through a symbolic link, and the type is checked on the opened
 * descriptor.  The voice menu plays a recording only when this load
 * found it, so what the provider is told to <Play> is what is served;
 * a re-recorded prompt is picked up by the next SIGHUP.
 *
 * The provider fetches each <Play> URL and caches it, so answers carry a
 * validator (ETag from size and mtime, Last-Modified) and a max-age: a
 * re-recorded prompt gets a new ETag and is fetched again within the hour.
 *
 * Only a language and a prompt id the configuration knows are served, and
 * both must be [a-z0-9_-].
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>

#include "config.h"
#include "hotline.h"
#include "http.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

/* Recordings are seconds of 8 kHz audio; anything this big is not one. */
#define PROMPT_MAX_BYTES	(16 * 1024 * 1024)
/* All recordings together: beyond this the rest are spoken with <Say>. */
#define PROMPT_CACHE_MAX	(256 * 1024 * 1024)

static int
prompt_name_ok(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > 64)
		return (0);
	for (i = 0; i < len; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return (0);
	}
	return (1);
}

/*
 * Read every recording the loader noted into cfg (not yet shared with
 * anyone).  One that cannot be read as a regular file of the size it had
 * is dropped with a warning: its words are spoken instead.
 */
void
prompt_load(struct config *cfg)
{
	struct prompt	*p;
	struct stat	 st;
	size_t		 i, j, len, total = 0, dropped = 0;
	char		*path, *body;

	for (i = 0; i < cfg->nprompts; i++) {
		p = &cfg->prompts[i];
		for (j = 0; j < cfg->nlangs; j++) {
			if (p->audio[j] == NULL || p->audio_data[j] != NULL)
				continue;
			/* audio is "prompts/<lang>/<file>"; the folder is configured */
			xasprintf(&path, "%s/%s/%s", cfg->prompts_dir,
			    cfg->langs[j], strrchr(p->audio[j], '/') + 1);
			body = NULL;
			if (total < PROMPT_CACHE_MAX)
				body = util_read_file_stat(path,
				    PROMPT_MAX_BYTES, &len, &st);
			if (body != NULL && (len != (size_t)st.st_size ||
			    total + len > PROMPT_CACHE_MAX)) {
				free(body);
				body = NULL;
			}
			if (body == NULL) {
				log_warn("prompt: %s not loaded (not a regular "
				    "file, changing, or too big): its words are "
				    "spoken instead", path);
				free(p->audio[j]);
				p->audio[j] = NULL;
				dropped++;
			} else {
				p->audio_data[j] = body;
				p->audio_len[j] = len;
				p->audio_mtime[j] = st.st_mtime;
				total += len;
			}
			free(path);
		}
	}
	log_info("prompt: %zu bytes of recordings loaded%s", total,
	    dropped > 0 ? " (some skipped)" : "");
}

static void
prompt_cb(struct hreq *r)
{
	const char	*lang = r->params[0], *file = r->params[1], *dot, *ctype;
	const char	*inm;
	char		*id, etag[64], lm[64], clen[32];
	struct prompt	*p;
	struct tm	 tm;
	int		 li;

	if (lang == NULL || file == NULL || (dot = strrchr(file, '.')) == NULL) {
		http_error(r, 404, "no such prompt");
		return;
	}
	if (strcmp(dot, ".wav") == 0)
		ctype = "audio/wav";
	else if (strcmp(dot, ".mp3") == 0)
		ctype = "audio/mpeg";
	else {
		http_error(r, 404, "no such prompt (only .wav and .mp3)");
		return;
	}
	if (!prompt_name_ok(lang, strlen(lang)) ||
	    !prompt_name_ok(file, (size_t)(dot - file)) ||
	    (li = config_lang(r->cfg, lang)) < 0) {
		http_error(r, 404, "no such prompt");
		return;
	}
	id = xstrndup(file, (size_t)(dot - file));
	p = config_prompt(r->cfg, id);
	free(id);
	if (p == NULL) {
		http_error(r, 404, "no such prompt");
		return;
	}
	/* The recording loaded for this language, in the format asked for. */
	if (p->audio_data[li] == NULL ||
	    strcmp(strrchr(p->audio[li], '/') + 1, file) != 0) {
		http_error(r, 404, "prompt not recorded");
		return;
	}

	snprintf(etag, sizeof etag, "\"%llx-%llx\"",
	    (unsigned long long)p->audio_len[li],
	    (unsigned long long)p->audio_mtime[li]);
	gmtime_r(&p->audio_mtime[li], &tm);
	strftime(lm, sizeof lm, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	http_add_header(r, "Cache-Control", "public, max-age=3600");
	http_add_header(r, "ETag", etag);
	http_add_header(r, "Last-Modified", lm);
	if ((inm = http_header(r, "If-None-Match")) != NULL &&
	    (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0)) {
		http_reply(r, 304, NULL, NULL, 0);
		return;
	}
	/* HEAD carries the length of the body it does not send. */
	if (r->method == EVHTTP_REQ_HEAD) {
		snprintf(clen, sizeof clen, "%zu", p->audio_len[li]);
		http_add_header(r, "Content-Length", clen);
	}
	http_reply(r, 200, ctype, p->audio_data[li], p->audio_len[li]);
}

void
prompt_init(struct hotline *hl)
{
	http_route(hl->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD,
	    "/prompts/{}/{}", 0, "prompts", prompt_cb);
}
