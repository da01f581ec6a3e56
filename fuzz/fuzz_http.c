/*
 * fuzz_http.c -- libFuzzer harness for the HTTP request path: the request
 * line, headers and body as they come off the socket, into the service
 * running in this process (fuzz_server.c).
 *
 * The input is sent as it is on a new connection, which is then
 * half-closed.  evhttp parses it (request line, headers, Content-Length,
 * chunked bodies, pipelined requests), http.c decodes the path and query,
 * applies the limits and routes it; webhook signatures are not checked
 * here (fuzz_sig covers them), so forms reach the voice and SMS handlers
 * and their store transactions.  Besides memory errors and leaks it
 * checks that every answer is a proper HTTP response, never a server
 * error (503 aside), that TwiML parses as XML and JSON as JSON, and that
 * nothing a request started is left hanging.
 */
#include <stdlib.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_reply	r;

	if (size > 65536)
		return (0);
	fuzz_server_start(0);
	fuzz_server_exchange(data, size, &r);
	free(r.data);
	return (0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_server_start(0);
	return (0);
}
