/*
 * recording.c -- voicemail staff can play, and the words beside it.
 *
 * GET /api/v1/callbacks/{id}/recording: the provider keeps a voicemail
 * behind the account's credentials (HTTP Basic, account SID and auth
 * token), which a browser must never hold.  So the service fetches it
 * through libcurl on the loop (curlev.c: never blocking), keeps a copy in
 * the data folder (recordings/, named by the SHA-256 of the URL: nothing
 * about the caller in a file name) and streams that to staff who may see
 * the entry.  The second play comes from disk.  Every play is a view of
 * the person's record: audited like the person view.  Copies older than
 * the recordings' retention are removed on each retention pass.
 *
 * POST /voice/transcription: the provider's transcribeCallback (the
 * voicemail's <Record transcribe="true">), a signed webhook like every
 * other; the words are kept by the recording's URL (the transcriptions
 * table, this file's) and shown with it in the entry's JSON and the
 * person view.  Never logged.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/http.h>

#include "audit.h"
#include "callback.h"
#include "config.h"
#include "curlev.h"
#include "hotline.h"
#include "http.h"
#include "log.h"
#include "recording.h"
#include "staff_api.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* Two minutes of 8 kHz WAV is under 2 MB; a fetch of more is not ours. */
#define RECORDING_MAX		(16 * 1024 * 1024)
#define RECORDING_TIMEOUT_MS	30000
#define RECORDING_DIR		"recordings"
#define RECORDING_TYPE		"audio/x-wav"	/* the provider's default */
#define TRANSCRIPTION_MAX	8192

/* The cached copy of url: its audio and its content type's file. */
static void
recording_paths(const struct config *cfg, const char *url, char **audio,
    char **type)
{
	char	h[65], *rel;

	util_sha256_hex(url, strlen(url), h);
	xasprintf(&rel, RECORDING_DIR "/%s", h);
	*audio = util_data_path(cfg->store, rel);
	xasprintf(type, "%s.type", *audio);
	free(rel);
}

/* What may go out as our Content-Type: audio, in plain characters. */
static int
recording_type_ok(const char *t)
{
	size_t	n = strcspn(t, ";");

	if (strncmp(t, "audio/", 6) != 0 && strncmp(t,
	    "application/octet-stream", 24) != 0)
		return (0);
	return (n < 64 && strspn(t, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/.+-") == n);
}

/* 1 when url is under the provider's API: only there goes our key. */
static int
recording_url_ok(const struct config *cfg, const char *url)
{
	size_t	n;

	if (cfg->provider_api == NULL)
		return (0);
	n = strlen(cfg->provider_api);
	while (n > 0 && cfg->provider_api[n - 1] == '/')
		n--;
	return (n > 0 && strncmp(url, cfg->provider_api, n) == 0 &&
	    url[n] == '/' && strstr(url + n, "/../") == NULL);
}

static void
recording_send(struct hreq *r, const char *type, const char *body,
    size_t len)
{
	/* Staff's own browser may keep it; nothing shared in between. */
	http_add_header(r, "Cache-Control", "private, max-age=3600");
	http_reply(r, 200, type, body, len);
}

/*
 * Write path whole or not at all (a temporary file, then rename), dated
 * now on the service's clock: the sweep goes by that date.
 */
static int
recording_write(const char *path, const char *data, size_t len, time_t now)
{
	struct timespec	 ts[2];
	char	*tmp;
	FILE	*f;
	int	 ok;

	util_mkdirs(path);
	xasprintf(&tmp, "%s.%ld.tmp", path, (long)getpid());
	if ((f = fopen(tmp, "wb")) == NULL) {
		free(tmp);
		return (-1);
	}
	ok = fwrite(data, 1, len, f) == len;
	ok = fclose(f) == 0 && ok;
	ts[0].tv_sec = ts[1].tv_sec = now;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (!ok || utimensat(AT_FDCWD, tmp, ts, 0) != 0 ||
	    rename(tmp, path) != 0) {
		unlink(tmp);
		free(tmp);
		return (-1);
	}
	free(tmp);
	return (0);
}

/*
 * The type file holds the content type, then the time the copy was made
 * on the service's clock: the sweep goes by that line, not by the file's
 * date, which a moved clock (faketime, HOTLINE_CLOCK) does not move alike.
 */
static int
recording_write_type(const char *tpath, const char *type, time_t now)
{
	char	*text;
	int	 rc;

	xasprintf(&text, "%s\n%lld\n", type, (long long)now);
	rc = recording_write(tpath, text, strlen(text), now);
	free(text);
	return (rc);
}

/* s cut at its first newline (the type file's first line). */
static char *
recording_first_line(char *s)
{
	s[strcspn(s, "\n")] = '\0';
	return (s);
}

/* When the copy at path (audio or type file) was made; mtime if unsaid. */
static time_t
recording_made(const char *path, time_t mtime)
{
	char		*tpath, *text, *nl, *end;
	size_t		 len, n = strlen(path);
	long long	 v;
	time_t		 at = mtime;

	if (n > 5 && strcmp(path + n - 5, ".type") == 0)
		tpath = xstrdup(path);
	else
		xasprintf(&tpath, "%s.type", path);
	if ((text = util_read_file(tpath, 128, &len)) != NULL &&
	    (nl = strchr(text, '\n')) != NULL) {
		v = strtoll(nl + 1, &end, 10);
		if (end != nl + 1 && v > 0)
			at = (time_t)v;
	}
	free(text);
	free(tpath);
	return (at);
}

/* From disk: 1 answered, 0 not cached. */
static int
recording_cached(struct api_req *a)
{
	char	*audio, *tpath, *body, *type;
	size_t	 len, tlen;
	int	 rc = 0;

	recording_paths(a->cfg, a->text, &audio, &tpath);
	/* The type is written last: with it, the audio is whole. */
	if ((type = util_read_file(tpath, 128, &tlen)) != NULL &&
	    recording_type_ok(util_trim(recording_first_line(type))) &&
	    (body = util_read_file(audio, RECORDING_MAX, &len)) != NULL) {
		recording_send(a->r, type, body, len);
		free(body);
		rc = 1;
	}
	free(type);
	free(audio);
	free(tpath);
	return (rc);
}

static void
recording_fetched(const struct curlev_resp *resp, void *arg)
{
	struct api_req	*a = arg;
	const char	*type;
	char		*audio, *tpath, sid[80];

	snprintf(sid, sizeof sid, "%lld", a->id);
	if (resp->status == 401 || resp->status == 403) {
		log_error("recording: the provider refused our credentials "
		    "for callback %s's recording (HTTP %ld)", sid,
		    resp->status);
		http_error(a->r, 502, "the provider refused the account's "
		    "credentials for this recording (check TWILIO_ACCOUNT_SID "
		    "and TWILIO_AUTH_TOKEN)");
		goto out;
	}
	if (resp->status == 404) {
		http_error(a->r, 404, "the provider has no such recording "
		    "(deleted there?)");
		goto out;
	}
	if (resp->status != 200 || resp->curl_code != 0) {
		log_warn("recording: fetching callback %s's recording: HTTP "
		    "%ld %s", sid, resp->status, resp->error);
		http_error(a->r, 502, "could not fetch the recording from the "
		    "provider; try again");
		goto out;
	}
	type = resp->content_type != NULL ? resp->content_type :
	    RECORDING_TYPE;
	if (!recording_type_ok(type) || resp->body_len == 0) {
		log_warn("recording: callback %s: the provider sent no audio",
		    sid);
		http_error(a->r, 502, "the provider did not send audio for "
		    "this recording");
		goto out;
	}
	recording_paths(a->cfg, a->text, &audio, &tpath);
	if (recording_write(audio, resp->body, resp->body_len, a->now) != 0 ||
	    recording_write_type(tpath, type, a->now) != 0)
		log_warn("recording: could not keep a copy in %s: %s", audio,
		    strerror(errno));
	free(audio);
	free(tpath);
	recording_send(a->r, type, resp->body, resp->body_len);
out:
	api_free(a);
}

/* After the transaction: from disk, else from the provider. */
static void
recording_then(struct api_req *a)
{
	struct curlev_req	 q;
	char			*userpwd;

	if (recording_cached(a)) {
		api_free(a);
		return;
	}
	if (!recording_url_ok(a->cfg, a->text)) {
		log_warn("recording: callback %lld's recording is not under "
		    "the provider's API; not fetched", a->id);
		http_error(a->r, 502, "the recording is not at the provider's "
		    "API address; not fetched");
		api_free(a);
		return;
	}
	if (a->cfg->account_sid == NULL || a->cfg->auth_token == NULL ||
	    a->cfg->dev_token) {
		http_error(a->r, 503, "no provider credentials configured "
		    "(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)");
		api_free(a);
		return;
	}
	memset(&q, 0, sizeof q);
	q.method = "GET";
	q.url = a->text;
	xasprintf(&userpwd, "%s:%s", a->cfg->account_sid, a->cfg->auth_token);
	q.userpwd = userpwd;
	q.timeout_ms = RECORDING_TIMEOUT_MS;
	q.max_body = RECORDING_MAX;
	q.follow = 1;
	if (curlev_http(a->hl->curl, &q, recording_fetched, a) != 0) {
		http_error(a->r, 502, "could not fetch the recording");
		api_free(a);
	}
	explicit_bzero(userpwd, strlen(userpwd));
	free(userpwd);
}

static int
recording_fn(struct db *db, struct api_req *a)
{
	char	*phone = NULL, *url = NULL;
	int	 rc;

	/* Another location's entry is answered as a missing one. */
	if ((rc = callback_visible(db, a->id, a->who.locations)) == CB_ERROR)
		return (-1);
	if (rc != 1)
		return (api_fail(a, 404, "no such callback"));
	if ((rc = callback_recording(db, a->id, &url, &phone)) != 1) {
		free(url);
		free(phone);
		return (rc == 0 ? api_fail(a, 404, "no such callback") : -1);
	}
	if (url == NULL) {
		free(phone);
		return (api_fail(a, 404, "this callback has no voicemail"));
	}
	rc = audit_add(db, a->who.name, "recording.play", phone,
	    "GET /api/v1/callbacks/{id}/recording", a->now);
	free(phone);
	if (rc != 0) {
		free(url);
		return (-1);
	}
	a->text = url;
	a->then = recording_then;
	return (0);
}

static void
recording_cb(struct hreq *r)
{
	struct api_req	*a = api_new(r, recording_fn);

	if (api_id(r->params[0], &a->id) != 0) {
		api_refuse(a, 404, "no such callback");
		return;
	}
	api_submit(a, 0);
}

/*
 * One file of the folder: a copy goes with its type file (which says when
 * it was made, so it is read first); a type file alone goes by itself.
 * Returns the files removed (or, dry, that would be).
 */
static int
recording_sweep_one(const char *path, time_t cutoff, int dry)
{
	struct stat	 st;
	char		*tpath, *audio;
	size_t		 n = strlen(path);
	int		 gone = 0;

	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return (0);
	if (n > 5 && strcmp(path + n - 5, ".type") == 0) {
		audio = xstrndup(path, n - 5);
		n = access(audio, F_OK) == 0;
		free(audio);
		if (n)
			return (0);	/* goes with its copy */
		return (recording_made(path, st.st_mtime) < cutoff &&
		    (dry || unlink(path) == 0));
	}
	if (recording_made(path, st.st_mtime) >= cutoff)
		return (0);
	xasprintf(&tpath, "%s.type", path);
	if (dry || unlink(path) == 0)
		gone++;
	if (access(tpath, F_OK) == 0 && (dry || unlink(tpath) == 0))
		gone++;
	free(tpath);
	return (gone);
}

int
recording_sweep(const struct config *cfg, time_t now, int dry)
{
	struct dirent	*e;
	DIR		*d;
	char		*dir, *path;
	time_t		 cutoff;
	int		 n = 0;

	/* 0 days: kept for ever, like the links (retention.c). */
	if (cfg->retention.recordings <= 0)
		return (0);
	cutoff = now - (time_t)cfg->retention.recordings * 86400;
	dir = util_data_path(cfg->store, RECORDING_DIR);
	if ((d = opendir(dir)) == NULL) {
		free(dir);
		return (0);
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		xasprintf(&path, "%s/%s", dir, e->d_name);
		n += recording_sweep_one(path, cutoff, dry);
		free(path);
	}
	closedir(d);
	if (n > 0 && !dry)
		log_info("recording: %d old voicemail file(s) removed", n);
	free(dir);
	return (n);
}

/*
 * Retention (retention.c's step, with the recordings' period): the words
 * for voicemails whose links are gone, kept since before cutoff.
 */
#define RECORDING_WORDS_GONE	"at < ? AND NOT EXISTS (SELECT 1 FROM " \
	"callback_requests q WHERE q.recording_url = " \
	"transcriptions.recording_url) AND NOT EXISTS (SELECT 1 FROM " \
	"callbacks c WHERE c.recording_url = transcriptions.recording_url)"

long long
recording_purge(struct db *db, time_t cutoff, int limit)
{
	return (db_purge(db, "SELECT COUNT(*) FROM transcriptions WHERE "
	    RECORDING_WORDS_GONE, "DELETE FROM transcriptions WHERE "
	    "recording_url IN (SELECT recording_url FROM transcriptions WHERE "
	    RECORDING_WORDS_GONE " LIMIT ?)", cutoff, limit));
}

/* --- the provider's transcription ------------------------------------------ */

struct transcription_job {
	struct hreq	*r;
	char		*url;
	char		*text;
	int		 found;
};

int
recording_transcription_put(struct db *db, const char *url,
    const char *text, time_t now)
{
	int	rc;

	/* Words for a recording nobody left here are not kept. */
	if ((rc = callback_has_recording(db, url)) != 1)
		return (rc);
	if (db_exec(db, "INSERT INTO transcriptions (recording_url, text, at) "
	    "VALUES (?, ?, ?) ON CONFLICT (recording_url) DO UPDATE SET "
	    "text = excluded.text, at = excluded.at", "ssi", url, text,
	    (long long)now) != 0)
		return (-1);
	callback_mark_changed();
	return (1);
}

/* The words for url into o's "transcription" (null when none).  0 / -1. */
static int
recording_words_one(struct db *db, json_t *o)
{
	const char	*url;
	char		*text = NULL;
	int		 rc;

	if ((url = json_string_value(json_object_get(o, "recording_url"))) ==
	    NULL)
		return (0);
	if ((rc = db_text_query(db, &text, "SELECT text FROM transcriptions "
	    "WHERE recording_url = ?", "s", url)) == -1)
		return (-1);
	json_object_set_new(o, "transcription", rc == 0 && text != NULL ?
	    json_string(text) : json_null());
	free(text);
	return (0);
}

int
recording_words(struct db *db, json_t *entry, json_t *requests)
{
	json_t	*q;
	size_t	 i;

	if (entry != NULL) {
		json_object_set_new(entry, "transcription", json_null());
		if (recording_words_one(db, entry) != 0)
			return (-1);
	}
	json_array_foreach(requests, i, q) {
		if (recording_words_one(db, q) != 0)
			return (-1);
	}
	return (0);
}

static int
transcription_tx(struct db *db, void *arg)
{
	struct transcription_job	*j = arg;

	j->found = recording_transcription_put(db, j->url, j->text,
	    util_now());
	return (j->found == -1 ? -1 : 0);
}

static void
transcription_done(int ok, void *arg)
{
	struct transcription_job	*j = arg;

	if (!ok)
		http_error(j->r, 500, "store error; try again");
	else {
		if (j->found == 0)
			log_warn("recording: a transcription for a recording "
			    "no callback holds; dropped");
		http_twiml(j->r, "<Response/>", 11);
	}
	free(j->url);
	free(j->text);
	free(j);
}

static void
transcription_cb(struct hreq *r)
{
	struct transcription_job	*j;
	const char			*url, *st, *text;

	url = form_get(&r->form, "RecordingUrl");
	st = form_get(&r->form, "TranscriptionStatus");
	text = form_get(&r->form, "TranscriptionText");
	if (url == NULL || *url == '\0' || strlen(url) > 1024) {
		http_error(r, 400, "missing or bad RecordingUrl");
		return;
	}
	/* A failed transcription has no words: nothing to keep. */
	if (st == NULL || strcmp(st, "completed") != 0 || text == NULL ||
	    *text == '\0') {
		http_twiml(r, "<Response/>", 11);
		return;
	}
	if (strlen(text) > TRANSCRIPTION_MAX || !util_utf8_valid(text)) {
		http_error(r, 400, "TranscriptionText too long or not UTF-8");
		return;
	}
	j = xcalloc(1, sizeof *j);
	j->r = r;
	j->url = xstrdup(url);
	j->text = xstrdup(text);
	if (store_submit(r->hl->store, transcription_tx, transcription_done,
	    j) != 0)
		transcription_done(0, j);
}

void
recording_init(struct hotline *hl)
{
	http_route(hl->http, EVHTTP_REQ_GET, "/api/v1/callbacks/{}/recording",
	    0, "api-recording", recording_cb);
	http_route(hl->http, EVHTTP_REQ_POST, "/voice/transcription",
	    ROUTE_PROVIDER, "voice_transcription", transcription_cb);
}
