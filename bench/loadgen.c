/*
 * loadgen.c -- HTTP load generator for the benchmarks.
 *
 * C threads, each with one keep-alive connection, send N requests between
 * them as fast as answers come back, and the run reports throughput and
 * latency percentiles on one line that the benchmark script parses:
 *
 *   requests=2000 ok=2000 errors=0 seconds=1.234 rps=1620.7 p50_ms=2.41 p90_ms=3.80 p99_ms=7.12 max_ms=12.0
 *
 * With -s the requests are inbound texts as the provider posts them: a
 * form with a unique MessageSid each, signed with X-Twilio-Signature
 * (HMAC-SHA1 over the public URL and the sorted parameters, base64) with
 * the token from -k.  Plain sockets keep the client cheaper than the
 * server, so the numbers describe the server.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#define LOADGEN_BUF	65536

struct loadgen {
	char		 host[64];
	int		 port;
	const char	*path;
	const char	*text;		/* -s: the message body */
	const char	*token;
	const char	*account;
	int		 sign;
	int		 n;
	int		 c;
	int		 next;		/* next request number to take */
	int		 ok;
	int		 errors;
	int		 statuses[600];
	pthread_mutex_t	 lock;
	double		*lat;		/* milliseconds, one per request */
	int		 nlat;
};

struct loadgen_conn {
	struct loadgen	*lg;
	int		 id;
	int		 fd;
	char		 buf[LOADGEN_BUF];
	size_t		 len;
};

static double
loadgen_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6);
}

static int
loadgen_connect(struct loadgen_conn *lc)
{
	struct sockaddr_in	sin;
	int			one = 1;

	if (lc->fd != -1)
		close(lc->fd);
	lc->len = 0;
	if ((lc->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	setsockopt(lc->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(lc->lg->port);
	if (inet_pton(AF_INET, lc->lg->host, &sin.sin_addr) != 1 ||
	    connect(lc->fd, (struct sockaddr *)&sin, sizeof sin) == -1) {
		close(lc->fd);
		lc->fd = -1;
		return (-1);
	}
	return (0);
}

/* Form-encode s into out (the characters these forms hold). */
static void
loadgen_urlencode(const char *s, char *out, size_t size)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 o = 0;

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
 * The body and signature of inbound text number i.  Parameters are listed
 * here already sorted by name, which is the order the signature wants.
 */
static void
loadgen_sms(struct loadgen *lg, int i, char *body, size_t bsize, char *sig)
{
	char		 sid[40], from[16], data[2048], enc[512];
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen;
	const char	*k[8], *v[8];
	int		 n = 0, j;
	size_t		 o = 0;

	snprintf(sid, sizeof sid, "SM%08x%08x%016x", (unsigned)getpid(),
	    (unsigned)time(NULL), (unsigned)i);
	snprintf(from, sizeof from, "+1817555%04d", 2000 + i % 7000);
	k[n] = "AccountSid"; v[n++] = lg->account;
	k[n] = "Body"; v[n++] = lg->text;
	k[n] = "From"; v[n++] = from;
	k[n] = "MessageSid"; v[n++] = sid;
	k[n] = "NumMedia"; v[n++] = "0";
	k[n] = "NumSegments"; v[n++] = "1";
	k[n] = "SmsStatus"; v[n++] = "received";
	k[n] = "To"; v[n++] = "+18175550100";

	o = snprintf(data, sizeof data, "http://%s:%d%s", lg->host, lg->port,
	    lg->path);
	body[0] = '\0';
	for (j = 0; j < n; j++) {
		o += snprintf(data + o, sizeof data - o, "%s%s", k[j], v[j]);
		loadgen_urlencode(v[j], enc, sizeof enc);
		snprintf(body + strlen(body), bsize - strlen(body), "%s%s=%s",
		    j > 0 ? "&" : "", k[j], enc);
	}
	HMAC(EVP_sha1(), lg->token, strlen(lg->token), (unsigned char *)data,
	    o, mac, &maclen);
	EVP_EncodeBlock((unsigned char *)sig, mac, maclen);
}

/* Read one response; its status, or -1 when the connection broke. */
static int
loadgen_response(struct loadgen_conn *lc, int *keep)
{
	char	*end, *p;
	ssize_t	 got;
	size_t	 hlen, clen = 0;
	int	 status;

	for (;;) {
		lc->buf[lc->len] = '\0';
		if ((end = strstr(lc->buf, "\r\n\r\n")) != NULL)
			break;
		if (lc->len + 1 >= sizeof lc->buf)
			return (-1);
		got = read(lc->fd, lc->buf + lc->len, sizeof lc->buf - 1 -
		    lc->len);
		if (got <= 0)
			return (-1);
		lc->len += got;
	}
	hlen = end + 4 - lc->buf;
	if (sscanf(lc->buf, "HTTP/1.%*d %d", &status) != 1)
		return (-1);
	*keep = 1;
	for (p = lc->buf; p < end; p = strstr(p, "\r\n") + 2) {
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			clen = strtoul(p + 15, NULL, 10);
		else if (strncasecmp(p, "Connection: close", 17) == 0)
			*keep = 0;
	}
	if (hlen + clen >= sizeof lc->buf)
		return (-1);
	while (lc->len < hlen + clen) {
		got = read(lc->fd, lc->buf + lc->len, sizeof lc->buf - 1 -
		    lc->len);
		if (got <= 0)
			return (-1);
		lc->len += got;
	}
	memmove(lc->buf, lc->buf + hlen + clen, lc->len - hlen - clen);
	lc->len -= hlen + clen;
	return (status);
}

static int
loadgen_send(struct loadgen_conn *lc, const char *req, size_t len)
{
	ssize_t	w;

	while (len > 0) {
		if ((w = write(lc->fd, req, len)) <= 0) {
			if (w == -1 && errno == EINTR)
				continue;
			return (-1);
		}
		req += w;
		len -= w;
	}
	return (0);
}

static void *
loadgen_thread(void *arg)
{
	struct loadgen_conn	*lc = arg;
	struct loadgen		*lg = lc->lg;
	char			 req[8192], body[4096], sig[64];
	double			 t0, ms;
	size_t			 len;
	int			 i, status, keep, tries;

	for (;;) {
		pthread_mutex_lock(&lg->lock);
		i = lg->next < lg->n ? lg->next++ : -1;
		pthread_mutex_unlock(&lg->lock);
		if (i == -1)
			break;
		if (lg->sign) {
			loadgen_sms(lg, i, body, sizeof body, sig);
			len = snprintf(req, sizeof req, "POST %s HTTP/1.1\r\n"
			    "Host: %s:%d\r\n"
			    "Content-Type: application/x-www-form-urlencoded\r\n"
			    "X-Twilio-Signature: %s\r\n"
			    "Content-Length: %zu\r\n\r\n%s", lg->path, lg->host,
			    lg->port, sig, strlen(body), body);
		} else
			len = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\n"
			    "Host: %s:%d\r\n\r\n", lg->path, lg->host, lg->port);

		t0 = loadgen_now();
		status = -1;
		/* A keep-alive connection the server closed: reconnect once. */
		for (tries = 0; tries < 2 && status == -1; tries++) {
			if (lc->fd == -1 && loadgen_connect(lc) != 0)
				break;
			if (loadgen_send(lc, req, len) == 0)
				status = loadgen_response(lc, &keep);
			if (status == -1 || !keep) {
				close(lc->fd);
				lc->fd = -1;
			}
		}
		ms = loadgen_now() - t0;

		pthread_mutex_lock(&lg->lock);
		lg->lat[lg->nlat++] = ms;
		if (status >= 200 && status < 300)
			lg->ok++;
		else
			lg->errors++;
		if (status >= 0 && status < 600)
			lg->statuses[status]++;
		pthread_mutex_unlock(&lg->lock);
	}
	if (lc->fd != -1)
		close(lc->fd);
	return (NULL);
}

static int
loadgen_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static double
loadgen_pct(struct loadgen *lg, double p)
{
	int	i;

	if (lg->nlat == 0)
		return (0);
	i = (int)(p * (lg->nlat - 1) + 0.5);
	return (lg->lat[i]);
}

static void
usage(void)
{
	fprintf(stderr, "usage: loadgen -u http://127.0.0.1:PORT/PATH "
	    "[-n requests] [-c connections] [-s TEXT -k TOKEN [-a ACCOUNT]]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct loadgen		 lg;
	struct loadgen_conn	*conns;
	pthread_t		*tids;
	const char		*url = NULL, *p;
	double			 t0, secs;
	int			 ch, i, first;

	memset(&lg, 0, sizeof lg);
	lg.n = 1000;
	lg.c = 8;
	lg.token = "";
	lg.account = "AC00000000000000000000000000000000";
	while ((ch = getopt(argc, argv, "a:c:k:n:s:u:")) != -1) {
		switch (ch) {
		case 'a':
			lg.account = optarg;
			break;
		case 'c':
			lg.c = atoi(optarg);
			break;
		case 'k':
			lg.token = optarg;
			break;
		case 'n':
			lg.n = atoi(optarg);
			break;
		case 's':
			lg.sign = 1;
			lg.text = optarg;
			break;
		case 'u':
			url = optarg;
			break;
		default:
			usage();
		}
	}
	if (url == NULL || strncmp(url, "http://", 7) != 0 || lg.n < 1 ||
	    lg.c < 1)
		usage();
	if (sscanf(url + 7, "%63[^:/]:%d", lg.host, &lg.port) != 2 ||
	    (p = strchr(url + 7, '/')) == NULL)
		usage();
	lg.path = p;
	if (lg.c > lg.n)
		lg.c = lg.n;

	pthread_mutex_init(&lg.lock, NULL);
	lg.lat = calloc(lg.n, sizeof *lg.lat);
	conns = calloc(lg.c, sizeof *conns);
	tids = calloc(lg.c, sizeof *tids);
	if (lg.lat == NULL || conns == NULL || tids == NULL)
		return (1);
	t0 = loadgen_now();
	for (i = 0; i < lg.c; i++) {
		conns[i].lg = &lg;
		conns[i].id = i;
		conns[i].fd = -1;
		if (pthread_create(&tids[i], NULL, loadgen_thread,
		    &conns[i]) != 0)
			return (1);
	}
	for (i = 0; i < lg.c; i++)
		pthread_join(tids[i], NULL);
	secs = (loadgen_now() - t0) / 1000.0;

	qsort(lg.lat, lg.nlat, sizeof *lg.lat, loadgen_cmp);
	printf("requests=%d ok=%d errors=%d seconds=%.3f rps=%.1f "
	    "p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f status=",
	    lg.n, lg.ok, lg.errors, secs, lg.n / secs, loadgen_pct(&lg, 0.5),
	    loadgen_pct(&lg, 0.9), loadgen_pct(&lg, 0.99),
	    loadgen_pct(&lg, 1.0));
	for (i = 0, first = 1; i < 600; i++) {
		if (lg.statuses[i] == 0)
			continue;
		printf("%s%d:%d", first ? "" : ",", i, lg.statuses[i]);
		first = 0;
	}
	printf("%s\n", first ? "none" : "");
	free(lg.lat);
	free(conns);
	free(tids);
	return (lg.errors > 0 ? 1 : 0);
}
