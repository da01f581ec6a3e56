/*
 * staff_web.c -- the dashboard's files (web/staff), read at start and on
 * reload and served from memory with their security headers.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include "auth.h"
#include "callback.h"
#include "config.h"
#include "hotline.h"
#include "http.h"
#include "lease.h"
#include "live.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "optout.h"
#include "outbox.h"
#include "pwcheck.h"
#include "staff_private.h"
#include "store.h"
#include "twiml.h"
#include "util.h"
#include "xmalloc.h"

/* --- static files ------------------------------------------------------- */

static char *
staff_web_dir(const struct config *cfg)
{
	struct stat	 st;
	char		*d;

	xasprintf(&d, "%s/../web/staff", cfg->dir);
	if (stat(d, &st) == 0 && S_ISDIR(st.st_mode))
		return (d);
	free(d);
	return (xstrdup(HOTLINE_DATADIR "/web/staff"));
}

/* Read the dashboard's files now, so serving them never touches the disk. */
void
staff_load_files(struct staff *s, const struct config *cfg)
{
	char	*dir, *path;
	size_t	 i;

	dir = staff_web_dir(cfg);
	for (i = 0; i < sizeof s->files / sizeof s->files[0]; i++) {
		xasprintf(&path, "%s/%s", dir, s->files[i].name);
		free(s->files[i].body);
		s->files[i].body = util_read_file(path, STAFF_WEB_MAX,
		    &s->files[i].len);
		if (s->files[i].body == NULL)
			log_warn("staff: cannot read %s: the dashboard is "
			    "incomplete", path);
		free(path);
	}
	free(dir);
}

static void
staff_security_headers(struct hreq *r)
{
	http_add_header(r, "Content-Security-Policy", "default-src 'self'; "
	    "media-src 'self' https:; img-src 'self' data:; "
	    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
	http_add_header(r, "X-Frame-Options", "DENY");
	http_add_header(r, "Referrer-Policy", "no-referrer");
}

void
staff_file_cb(struct hreq *r)
{
	struct staff		*s = staff_self;
	const char		*name = "index.html";
	size_t			 i;

	if (r->params[0] != NULL)
		name = r->params[0];
	for (i = 0; i < sizeof s->files / sizeof s->files[0]; i++) {
		if (strcmp(s->files[i].name, name) != 0)
			continue;
		if (s->files[i].body == NULL)
			break;
		staff_security_headers(r);
		http_reply(r, 200, s->files[i].type, s->files[i].body,
		    s->files[i].len);
		return;
	}
	http_error(r, 404, "no such dashboard file");
}
