/*
 * fixed.c -- an evhttp server that answers every request with one fixed
 * response, for the benchmark:
 *
 *   fixed -p PORT        the ceiling: TwiML of the size of a first answer,
 *                        with nothing parsed, checked or stored; what
 *                        libevent's HTTP server alone does on this machine
 *   fixed -p PORT -r     the stand-in for the provider's REST API: 201 and
 *                        a message resource with a new sid for each POST
 *
 * Single-threaded on one event_base, as hotlined's HTTP side is.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

static const char fixed_twiml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>"
    "<Say voice=\"Polly.Joanna\" language=\"en-US\">Thank you for calling. "
    "If you have new numbness or weakness in your legs, or lost control "
    "of your bladder or bowels, hang up and call 911.</Say>"
    "<Gather input=\"dtmf speech\" action=\"http://127.0.0.1/voice/step?"
    "n=main&amp;l=en&amp;t=0\" method=\"POST\" timeout=\"6\" numDigits=\"1\" "
    "finishOnKey=\"\" speechTimeout=\"auto\" language=\"en-US\" "
    "actionOnEmptyResult=\"true\"><Play>http://127.0.0.1/prompts/en/"
    "main_menu.wav</Play></Gather><Redirect method=\"POST\">"
    "http://127.0.0.1/voice/step?n=main&amp;l=en&amp;t=0</Redirect>"
    "</Response>\n";

static unsigned long long fixed_serial;

static void
fixed_twiml_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer	*buf = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/xml; charset=utf-8");
	evbuffer_add(buf, fixed_twiml, sizeof fixed_twiml - 1);
	evhttp_send_reply(req, 200, "OK", buf);
	evbuffer_free(buf);
}

static void
fixed_rest_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer	*buf = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evbuffer_add_printf(buf, "{\"sid\":\"SM%032llx\",\"status\":\"queued\","
	    "\"num_segments\":\"1\",\"error_code\":null}", ++fixed_serial);
	evhttp_send_reply(req, 201, "Created", buf);
	evbuffer_free(buf);
}

static void
fixed_stop(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopbreak(arg);
}

int
main(int argc, char **argv)
{
	struct event_base	*base;
	struct evhttp		*http;
	struct event		*term, *intr;
	int			 ch, port = 0, rest = 0;

	while ((ch = getopt(argc, argv, "p:r")) != -1) {
		switch (ch) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'r':
			rest = 1;
			break;
		default:
			fprintf(stderr, "usage: fixed -p PORT [-r]\n");
			return (2);
		}
	}
	if (port <= 0 || port > 65535) {
		fprintf(stderr, "usage: fixed -p PORT [-r]\n");
		return (2);
	}
	signal(SIGPIPE, SIG_IGN);
	base = event_base_new();
	http = evhttp_new(base);
	evhttp_set_gencb(http, rest ? fixed_rest_cb : fixed_twiml_cb, NULL);
	if (evhttp_bind_socket(http, "127.0.0.1", (ev_uint16_t)port) != 0) {
		fprintf(stderr, "fixed: cannot listen on 127.0.0.1:%d\n", port);
		return (1);
	}
	term = evsignal_new(base, SIGTERM, fixed_stop, base);
	intr = evsignal_new(base, SIGINT, fixed_stop, base);
	event_add(term, NULL);
	event_add(intr, NULL);
	event_base_dispatch(base);
	event_free(term);
	event_free(intr);
	evhttp_free(http);
	event_base_free(base);
	return (0);
}
