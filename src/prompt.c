/*
 * prompt.c -- serving recorded prompts: GET/HEAD /prompts/<lang>/<id>.<ext>.
 *
 * The provider fetches each <Play> URL and caches it, so answers carry a
 * validator (ETag from size and mtime, Last-Modified) and a max-age: a
 * re-recorded prompt gets a new ETag and is fetched again within the hour.
 *
 * Only a language and a prompt id the configuration knows are served, and
 * both must be [a-z0-9_-]: the path is built from them, so nothing else may
 * reach the file system.  The file is looked at when it is asked for, not
 * when the configuration was loaded, so a prompt rendered while the
 * service runs is served at once.
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
#define PROMPT_MAX_BYTES (16 * 1024 * 1024)

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

static void
prompt_cb(struct hreq *r)
{
	const char	*lang = r->params[0], *file = r->params[1], *dot, *ctype;
	const char	*inm;
	char		*id, *path, *body, etag[64], lm[64], clen[32];
	struct stat	 st;
	size_t		 len;
	struct tm	 tm;

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
	    config_lang(r->cfg, lang) < 0) {
		http_error(r, 404, "no such prompt");
		return;
	}
	id = xstrndup(file, (size_t)(dot - file));
	if (config_prompt(r->cfg, id) == NULL) {
		free(id);
		http_error(r, 404, "no such prompt");
		return;
	}
	xasprintf(&path, "%s/%s/%s%s", r->cfg->prompts_dir, lang, id, dot);
	free(id);
	body = util_read_file_stat(path, PROMPT_MAX_BYTES, &len, &st);
	free(path);
	/* Cut short while being re-recorded: the validator would lie. */
	if (body != NULL && len != (size_t)st.st_size) {
		free(body);
		body = NULL;
	}
	if (body == NULL) {
		http_error(r, 404, "prompt not recorded");
		return;
	}

	snprintf(etag, sizeof etag, "\"%llx-%llx\"",
	    (unsigned long long)st.st_size, (unsigned long long)st.st_mtime);
	gmtime_r(&st.st_mtime, &tm);
	strftime(lm, sizeof lm, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	http_add_header(r, "Cache-Control", "public, max-age=3600");
	http_add_header(r, "ETag", etag);
	http_add_header(r, "Last-Modified", lm);
	if ((inm = http_header(r, "If-None-Match")) != NULL &&
	    (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0)) {
		free(body);
		http_reply(r, 304, NULL, NULL, 0);
		return;
	}
	/* HEAD carries the length of the body it does not send. */
	if (r->method == EVHTTP_REQ_HEAD) {
		snprintf(clen, sizeof clen, "%lld", (long long)st.st_size);
		http_add_header(r, "Content-Length", clen);
	}
	http_reply(r, 200, ctype, body, (size_t)st.st_size);
	free(body);
}

void
prompt_init(struct hotline *hl)
{
	http_route(hl->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD,
	    "/prompts/{}/{}", 0, "prompts", prompt_cb);
}
