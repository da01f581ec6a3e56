/*
 * outbox_fhir.c -- a "fhir" row as a request, and what its answer means:
 * an appointment request handed to the clinic's scheduling system (FHIR R4
 * REST, application/fhir+json); outbox_send.c sends it.
 *
 * A POST is a conditional create (If-None-Exist with the request's
 * identifier), so a retry after a lost answer finds the resource the first
 * attempt made instead of booking twice; a PUT is a conditional update by
 * the same identifier.  Errors retry like any row: the network, 429 and
 * 5xx later, any other 4xx never (the server's OperationOutcome is kept
 * for staff, as is the id of what it made).
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "curlev.h"
#include "outbox.h"
#include "outbox_private.h"
#include "xmalloc.h"

#define OUTBOX_FHIR_OUTCOME_MAX	500

/* What an OperationOutcome says, in a line (caller frees), or NULL. */
static char *
outbox_fhir_outcome(json_t *j)
{
	json_t		*issue;
	const char	*sev, *code, *diag, *text;
	char		*out;
	size_t		 n;

	if (!json_is_object(j) || json_string_value(json_object_get(j,
	    "resourceType")) == NULL || strcmp(json_string_value(
	    json_object_get(j, "resourceType")), "OperationOutcome") != 0)
		return (NULL);
	issue = json_array_get(json_object_get(j, "issue"), 0);
	sev = json_string_value(json_object_get(issue, "severity"));
	code = json_string_value(json_object_get(issue, "code"));
	diag = json_string_value(json_object_get(issue, "diagnostics"));
	text = json_string_value(json_object_get(json_object_get(issue,
	    "details"), "text"));
	xasprintf(&out, "%s %s: %s", sev != NULL ? sev : "error",
	    code != NULL ? code : "unknown", diag != NULL ? diag :
	    text != NULL ? text : "(no diagnostics)");
	if ((n = strlen(out)) > OUTBOX_FHIR_OUTCOME_MAX)
		out[OUTBOX_FHIR_OUTCOME_MAX] = '\0';
	return (out);
}

enum outbox_result
outbox_fhir_answer(struct outbox_send *s, const struct curlev_resp *resp,
    long long *code, char **why)
{
	json_t		*j;
	json_error_t	 jerr;
	const char	*id;
	int		 status = (int)resp->status;

	*code = 0;
	*why = NULL;
	if (resp->curl_code != 0 || status == 0) {
		*why = xstrdup(*resp->error != '\0' ? resp->error :
		    "no response");
		return (OUTBOX_RETRY);
	}
	j = json_loadb(resp->body, resp->body_len, 0, &jerr);
	s->fhir_outcome = outbox_fhir_outcome(j);
	if (status >= 200 && status < 300) {
		if (j != NULL && (id = json_string_value(json_object_get(j,
		    "id"))) != NULL && strlen(id) <= 64)
			s->fhir_id = xstrdup(id);
		if (s->fhir_outcome == NULL)
			xasprintf(&s->fhir_outcome, "HTTP %d", status);
		json_decref(j);
		return (OUTBOX_SENT);
	}
	json_decref(j);
	xasprintf(why, "HTTP %d%s%s", status, s->fhir_outcome != NULL ?
	    ": " : "", s->fhir_outcome != NULL ? s->fhir_outcome : "");
	if (s->fhir_outcome == NULL)
		s->fhir_outcome = xstrdup(*why);
	*code = status;
	if (status == 429 || status >= 500 || status < 400)
		return (OUTBOX_RETRY);
	return (OUTBOX_FAILED);
}

void
outbox_fhir_req_free(struct outbox_fhir_req *fr)
{
	free(fr->body);
	free(fr->auth);
	free(fr->ine);
	memset(fr, 0, sizeof *fr);
}

const char *
outbox_fhir_req(const struct outbox_send *s, struct outbox_fhir_req *fr)
{
	const char	*method = outbox_str(s->payload, "method");
	const char	*url = outbox_str(s->payload, "url");
	const char	*cond = outbox_str(s->payload, "if_none_exist");
	json_t		*res = json_object_get(s->payload, "resource");
	int		 n = 0;

	memset(fr, 0, sizeof *fr);
	if (method == NULL || url == NULL || !json_is_object(res))
		return ("payload needs method, url and resource");
	if ((fr->body = json_dumps(res, JSON_COMPACT)) == NULL)
		return ("resource not encodable");
	fr->headers[n++] = "Accept: " OUTBOX_FHIR_TYPE;
	/* The token of now (it may have been changed since the row was made). */
	if (s->cfg->fhir_token != NULL && *s->cfg->fhir_token != '\0') {
		xasprintf(&fr->auth, "Authorization: Bearer %s",
		    s->cfg->fhir_token);
		fr->headers[n++] = fr->auth;
	}
	if (cond != NULL) {
		xasprintf(&fr->ine, "If-None-Exist: %s", cond);
		fr->headers[n++] = fr->ine;
	}
	fr->headers[n] = NULL;
	memset(&fr->req, 0, sizeof fr->req);
	fr->req.method = strcmp(method, "PUT") == 0 ? "PUT" : "POST";
	fr->req.url = url;
	fr->req.content_type = OUTBOX_FHIR_TYPE;
	fr->req.body = fr->body;
	fr->req.body_len = strlen(fr->body);
	fr->req.headers = fr->headers;
	return (NULL);
}
