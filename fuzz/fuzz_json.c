/*
 * fuzz_json.c -- libFuzzer harness for the staff JSON API's input: the
 * body of POST /api/v1/callbacks/{id}/{action}, sent with a valid staff
 * token to the service running in this process (fuzz_server.c).
 *
 * The first byte picks the callback (1 to 5; 5 does not exist) and the
 * action (claim, release, done, note, call, or one that does not exist),
 * the second the Content-Type; the rest is the body.  The request goes
 * through evhttp, the route, the body parser (jansson or the form
 * parser), the checks on each field and the store transaction.  Besides
 * memory errors and leaks it checks that
 *   - the answer is never a server error, and JSON that parses;
 *   - a body sent as JSON that is not a JSON object (or repeats a key) is
 *     refused with 400 before anything is done;
 *   - the token is accepted whatever the body (never 401 or 403).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "fuzz.h"
#include "xmalloc.h"

static const char *fj_actions[] = { "claim", "release", "done", "note",
	"call", "reopen" };
#define FJ_NACTIONS (sizeof fj_actions / sizeof fj_actions[0])

static const char *fj_types[] = { "application/json",
	"application/json; charset=utf-8", "APPLICATION/JSON",
	"application/x-www-form-urlencoded", NULL, "text/plain" };
#define FJ_NTYPES (sizeof fj_types / sizeof fj_types[0])

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in		 in = { data, size };
	struct fuzz_reply	 r;
	const char		*action, *type;
	json_error_t		 jerr;
	json_t			*j;
	char			*body, *head, *req;
	size_t			 blen, hlen;
	unsigned int		 b, t;
	int			 id, is_json, object;

	if (size > 16384)
		return (0);
	fuzz_server_start(1);
	b = fuzz_byte(&in);
	t = fuzz_byte(&in) % FJ_NTYPES;
	id = 1 + (int)((b >> 4) % 5);
	action = fj_actions[b % FJ_NACTIONS];
	type = fj_types[t];
	body = fuzz_rest(&in, &blen);

	hlen = (size_t)xasprintf(&head, "POST /api/v1/callbacks/%d/%s HTTP/1.1\r\n"
	    "Host: hotline.test\r\nAuthorization: Bearer %s\r\n%s%s%s"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", id, action,
	    fuzz_server_token(), type != NULL ? "Content-Type: " : "",
	    type != NULL ? type : "", type != NULL ? "\r\n" : "", blen);
	req = xmalloc(hlen + blen);
	memcpy(req, head, hlen);
	memcpy(req + hlen, body, blen);
	fuzz_server_exchange(req, hlen + blen, &r);

	if (r.status == 401 || r.status == 403 || r.status == 0) {
		fprintf(stderr, "fuzz: answered %d\n", r.status);
		abort();
	}
	is_json = type != NULL && strncasecmp(type, "application/json", 16) == 0;
	if (is_json && blen > 0 && b % FJ_NACTIONS != FJ_NACTIONS - 1) {
		j = json_loadb(body, blen, JSON_REJECT_DUPLICATES, &jerr);
		object = j != NULL && json_is_object(j);
		json_decref(j);
		if (!object && r.status != 400) {
			fprintf(stderr, "fuzz: a body that is not a JSON object "
			    "got %d\n", r.status);
			abort();
		}
	}

	free(r.data);
	free(req);
	free(head);
	free(body);
	return (0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_server_start(1);
	return (0);
}
