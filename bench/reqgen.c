/*
 * reqgen.c -- signed provider webhooks, written out ahead of a benchmark.
 *
 *   reqgen -u http://127.0.0.1:PORT -k TOKEN -o FILE -n N [-t THREADS]
 *          [-a ACCOUNT] [-p PREFIX] [-f FIRST] [-s STEPS] KIND [ARG]
 *
 * KIND is one of
 *   call         POST /voice/incoming, a new CallSid (and caller) each
 *   replay       POST /voice/incoming, one CallSid: the provider retrying
 *   step         POST /voice/step at the main menu for the N / S calls
 *                made by `call` with the same -p and -f: each call in
 *                turn presses 1, then each presses 2, and so on through
 *                3, 4 and * (S different keys, -s, at most five), so none
 *                is a replay and one call's steps are far apart, as in
 *                a real call
 *   sms TEXT     POST /sms/incoming with body TEXT, a new MessageSid and
 *                sender each
 *
 * Request i goes to FILE.(i mod THREADS), each followed by a NUL byte;
 * bench/requests.lua hands them to wrk, one file per wrk thread.  Every
 * request carries X-Twilio-Signature as the provider computes it
 * (base64 HMAC-SHA1 over the public URL and the sorted parameters, with
 * libcrypto), so the service checks signatures as in production and the
 * load generator spends nothing on them while it measures.  Sids and
 * numbers derive from PREFIX and the request number, so two runs with
 * different prefixes never collide and a `step` finds its `call`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#define REQGEN_PARAMS	16
#define REQGEN_FILES	64

struct param {
	const char	*k;
	char		 v[128];
};

static const char *const reqgen_keys[] = { "1", "2", "3", "4", "*" };
#define REQGEN_NKEYS	(sizeof reqgen_keys / sizeof reqgen_keys[0])

static int
reqgen_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct param *)a)->k,
	    ((const struct param *)b)->k));
}

/* Form-encode s onto the end of out. */
static void
reqgen_urlencode(const char *s, char *out, size_t size)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 o = strlen(out);

	for (; *s != '\0' && o + 4 < size; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		    *s == '.' || *s == '~')
			out[o++] = *s;
		else if (*s == ' ')
			out[o++] = '+';
		else {
			out[o++] = '%';
			out[o++] = hex[(unsigned char)*s >> 4];
			out[o++] = hex[*s & 15];
		}
	}
	out[o] = '\0';
}

/*
 * A North American number that no other request of the run uses:
 * +1 AAA EEE LLLL with area and exchange codes from 200 up.
 */
static void
reqgen_phone(unsigned long long n, char *out, size_t len)
{
	snprintf(out, len, "+1%03llu%03llu%04llu", 200 + (n / 8000000) % 700,
	    200 + (n / 10000) % 800, n % 10000);
}

static void
reqgen_add(struct param *p, int *n, const char *k, const char *v)
{
	p[*n].k = k;
	snprintf(p[*n].v, sizeof p[*n].v, "%s", v);
	(*n)++;
}

int
main(int argc, char **argv)
{
	struct param	 p[REQGEN_PARAMS];
	FILE		*out[REQGEN_FILES];
	const char	*url = NULL, *token = NULL, *file = NULL, *kind, *text;
	const char	*account = "AC00000000000000000000000000000000";
	const char	*prefix = "0", *path, *host;
	char		 data[4096], body[4096], sid[64], phone[20], name[1024];
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	char		 sig[64];
	unsigned int	 maclen;
	unsigned long long first = 0, i, call, ncalls, n = 0;
	int		 ch, np, j, threads = 2, steps = REQGEN_NKEYS;

	while ((ch = getopt(argc, argv, "a:f:k:n:o:p:s:t:u:")) != -1) {
		switch (ch) {
		case 'a': account = optarg; break;
		case 'f': first = strtoull(optarg, NULL, 10); break;
		case 'k': token = optarg; break;
		case 'n': n = strtoull(optarg, NULL, 10); break;
		case 'o': file = optarg; break;
		case 'p': prefix = optarg; break;
		case 's': steps = atoi(optarg); break;
		case 't': threads = atoi(optarg); break;
		case 'u': url = optarg; break;
		default: goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (url == NULL || token == NULL || file == NULL || n == 0 ||
	    threads < 1 || threads > REQGEN_FILES || argc < 1 ||
	    steps < 1 || steps > (int)REQGEN_NKEYS ||
	    strncmp(url, "http://", 7) != 0)
		goto usage;
	kind = argv[0];
	ncalls = n / steps > 0 ? n / steps : 1;
	text = argc > 1 ? argv[1] : NULL;
	if (strcmp(kind, "call") == 0 || strcmp(kind, "replay") == 0)
		path = "/voice/incoming";
	else if (strcmp(kind, "step") == 0)
		path = "/voice/step?n=main&l=en&t=0";
	else if (strcmp(kind, "sms") == 0 && text != NULL)
		path = "/sms/incoming";
	else
		goto usage;
	host = url + 7;

	for (j = 0; j < threads; j++) {
		snprintf(name, sizeof name, "%s.%d", file, j);
		if ((out[j] = fopen(name, "w")) == NULL) {
			fprintf(stderr, "reqgen: %s: %s\n", name,
			    strerror(errno));
			return (1);
		}
	}
	for (i = 0; i < n; i++) {
		np = 0;
		reqgen_add(p, &np, "AccountSid", account);
		reqgen_add(p, &np, "ApiVersion", "2010-04-01");
		reqgen_add(p, &np, "To", "+18175550100");
		if (strcmp(kind, "sms") == 0) {
			snprintf(sid, sizeof sid, "SM%s%016llx", prefix,
			    first + i);
			reqgen_phone(first + i, phone, sizeof phone);
			reqgen_add(p, &np, "MessageSid", sid);
			reqgen_add(p, &np, "SmsMessageSid", sid);
			reqgen_add(p, &np, "From", phone);
			reqgen_add(p, &np, "Body", text);
			reqgen_add(p, &np, "NumMedia", "0");
			reqgen_add(p, &np, "NumSegments", "1");
			reqgen_add(p, &np, "SmsStatus", "received");
		} else {
			call = strcmp(kind, "replay") == 0 ? 0 :
			    strcmp(kind, "step") == 0 ? i % ncalls : i;
			snprintf(sid, sizeof sid, "CA%s%016llx", prefix,
			    first + call);
			reqgen_phone(first + call, phone, sizeof phone);
			reqgen_add(p, &np, "CallSid", sid);
			reqgen_add(p, &np, "From", phone);
			reqgen_add(p, &np, "Caller", phone);
			reqgen_add(p, &np, "Called", "+18175550100");
			reqgen_add(p, &np, "Direction", "inbound");
			if (strcmp(kind, "step") == 0) {
				reqgen_add(p, &np, "CallStatus", "in-progress");
				reqgen_add(p, &np, "Digits",
				    reqgen_keys[i / ncalls % steps]);
			} else
				reqgen_add(p, &np, "CallStatus", "ringing");
		}
		qsort(p, np, sizeof *p, reqgen_cmp);

		snprintf(data, sizeof data, "%s%s", url, path);
		body[0] = '\0';
		for (j = 0; j < np; j++) {
			strncat(data, p[j].k, sizeof data - strlen(data) - 1);
			strncat(data, p[j].v, sizeof data - strlen(data) - 1);
			if (j > 0)
				strncat(body, "&", sizeof body - strlen(body) - 1);
			strncat(body, p[j].k, sizeof body - strlen(body) - 1);
			strncat(body, "=", sizeof body - strlen(body) - 1);
			reqgen_urlencode(p[j].v, body, sizeof body);
		}
		HMAC(EVP_sha1(), token, (int)strlen(token),
		    (unsigned char *)data, strlen(data), mac, &maclen);
		EVP_EncodeBlock((unsigned char *)sig, mac, (int)maclen);
		fprintf(out[i % threads], "POST %s HTTP/1.1\r\nHost: %s\r\n"
		    "Content-Type: application/x-www-form-urlencoded\r\n"
		    "X-Twilio-Signature: %s\r\nContent-Length: %zu\r\n\r\n%s%c",
		    path, host, sig, strlen(body), body, '\0');
	}
	for (j = 0; j < threads; j++) {
		if (fclose(out[j]) != 0) {
			fprintf(stderr, "reqgen: %s: write failed\n", file);
			return (1);
		}
	}
	return (0);
usage:
	fprintf(stderr, "usage: reqgen -u http://HOST:PORT -k TOKEN -o FILE "
	    "-n N [-t THREADS]\n              [-a ACCOUNT] [-p PREFIX] "
	    "[-f FIRST] [-s STEPS] call | replay | step | sms TEXT\n");
	return (2);
}
