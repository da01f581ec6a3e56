/* util.c -- small shared helpers (see util.h). */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "form.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

/*
 * Read an open descriptor's whole file.  O_NONBLOCK on open: a FIFO put in
 * place of a file opens at once instead of waiting for a writer, and the
 * type is checked on the descriptor (fstat), so nothing swapped in between
 * a look and the open is read.
 */
static char *
util_read_open(const char *path, int flags, size_t max, size_t *lenp,
    struct stat *st)
{
	char		*buf;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | flags)) == -1)
		return (NULL);
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode) ||
	    (size_t)st->st_size > max) {
		close(fd);
		return (NULL);
	}
	buf = xmalloc((size_t)st->st_size + 1);
	while (off < (size_t)st->st_size) {
		n = read(fd, buf + off, (size_t)st->st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	buf[off] = '\0';
	if (lenp != NULL)
		*lenp = off;
	return (buf);
}

char *
util_read_file(const char *path, size_t max, size_t *lenp)
{
	struct stat	 st;

	return (util_read_open(path, 0, max, lenp, &st));
}

char *
util_read_file_stat(const char *path, size_t max, size_t *lenp,
    struct stat *st)
{
	return (util_read_open(path, O_NOFOLLOW, max, lenp, st));
}

void
util_mkdirs(const char *path)
{
	char	*dir, *p;

	dir = xstrdup(path);
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0750) == -1 && errno != EEXIST)
			break;
		*p = '/';
	}
	free(dir);
}

char *
util_trim(char *s)
{
	size_t	len, start = 0;

	while (s[start] != '\0' && isspace((unsigned char)s[start]))
		start++;
	if (start > 0)
		memmove(s, s + start, strlen(s + start) + 1);
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	return (s);
}

int
util_utf8_valid(const char *s)
{
	return (form_utf8_valid(s, strlen(s)));
}

char *
util_phone_e164(const char *in)
{
	char	digits[20], *out;
	size_t	n = 0;
	int	plus = 0;
	const char *p;

	if (in == NULL)
		return (NULL);
	for (p = in; *p == ' '; p++)
		;
	if (*p == '+') {
		plus = 1;
		p++;
	}
	for (; *p != '\0'; p++) {
		if (isdigit((unsigned char)*p)) {
			if (n >= 15)
				return (NULL);
			digits[n++] = *p;
		} else if (strchr(" -.()", *p) == NULL)
			return (NULL);
	}
	digits[n] = '\0';
	if (plus) {
		if (n < 8 || n > 15 || digits[0] == '0')
			return (NULL);
		if (digits[0] == '1' && n != 11)
			return (NULL);
		xasprintf(&out, "+%s", digits);
		return (out);
	}
	if (n == 11 && digits[0] == '1')
		memmove(digits, digits + 1, n--);
	if (n != 10 || digits[0] < '2' || digits[3] < '2')
		return (NULL);
	xasprintf(&out, "+1%s", digits);
	return (out);
}

int
util_hostport(const char *s, char *host, size_t hostlen, int *port)
{
	const char	*colon;
	char		*end;
	long		 p;

	if (s == NULL || (colon = strrchr(s, ':')) == NULL || colon == s)
		return (-1);
	p = strtol(colon + 1, &end, 10);
	if (*end != '\0' || end == colon + 1 || p < 0 || p > 65535)
		return (-1);
	if (host != NULL) {
		if ((size_t)(colon - s) >= hostlen)
			return (-1);
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		/* [::1]:8080 */
		if (host[0] == '[' && host[strlen(host) - 1] == ']') {
			memmove(host, host + 1, strlen(host));
			host[strlen(host) - 1] = '\0';
		}
	}
	if (port != NULL)
		*port = (int)p;
	return (0);
}

time_t
util_parse_clock(const char *s)
{
	struct tm	 tm;
	const char	*rest;
	char		*end;
	long		 off = 0;
	long long	 v;

	v = strtoll(s, &end, 10);
	if (*end == '\0' && end != s)
		return ((time_t)v);
	memset(&tm, 0, sizeof tm);
	if ((rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return ((time_t)-1);
	if (*rest == 'Z' || *rest == '\0')
		off = 0;
	else if ((*rest == '+' || *rest == '-') && strlen(rest) == 6 &&
	    rest[3] == ':') {
		off = ((rest[1] - '0') * 10 + (rest[2] - '0')) * 3600 +
		    ((rest[4] - '0') * 10 + (rest[5] - '0')) * 60;
		if (*rest == '-')
			off = -off;
	} else
		return ((time_t)-1);
	return (timegm(&tm) - off);
}

/*
 * The clock is read once from HOTLINE_CLOCK and kept as a fixed instant or
 * as an offset from the real clock.  "T@W" anchors T to the real-clock
 * second W, so every process given the same value (the service, the
 * command-line tool, a test) reads the same running clock, whenever it was
 * started.  A leading '+' anchors T to the moment the process first asks.
 */
static time_t	clock_pinned = (time_t)-1;	/* -1: real clock */
static time_t	clock_offset;
static int	clock_running;

static void
util_clock_init(void)
{
	const char	*s, *at;
	char		*t;
	time_t		 when, anchor;

	if ((s = getenv("HOTLINE_CLOCK")) == NULL || *s == '\0')
		return;
	t = xstrdup(*s == '+' ? s + 1 : s);
	anchor = time(NULL);
	if ((at = strchr(t, '@')) != NULL) {
		t[at - t] = '\0';
		anchor = util_parse_clock(at + 1);
	}
	when = util_parse_clock(t);
	free(t);
	if (when == (time_t)-1 || anchor == (time_t)-1) {
		log_warn("util_now: HOTLINE_CLOCK '%s' not understood; "
		    "using the real clock", s);
		return;
	}
	clock_running = (*s == '+' || at != NULL);
	clock_offset = when - anchor;
	clock_pinned = when;
	log_warn("util_now: clock pinned by HOTLINE_CLOCK%s",
	    clock_running ? " (running)" : " (standing still)");
}

time_t
util_now(void)
{
	static pthread_once_t	 once = PTHREAD_ONCE_INIT;

	pthread_once(&once, util_clock_init);
	if (clock_pinned == (time_t)-1)
		return (time(NULL));
	return (clock_running ? time(NULL) + clock_offset : clock_pinned);
}

/*
 * glibc converts to local time only through the TZ variable, which is
 * process-wide.  Conversions are serialised, and TZ is left at the last
 * zone used: switching makes tzset() read the zone file again, and the
 * locations of one clinic share a zone, so in practice it is read once.
 * Nothing else in the service depends on the process's local time.
 */
static pthread_mutex_t	util_tz_lock = PTHREAD_MUTEX_INITIALIZER;
static char		util_tz_current[128];

/* Take util_tz_lock with TZ set to tz. */
static void
util_tz_lock_zone(const char *tz)
{
	pthread_mutex_lock(&util_tz_lock);
	if (strcmp(util_tz_current, tz) != 0) {
		setenv("TZ", tz, 1);
		tzset();
		snprintf(util_tz_current, sizeof util_tz_current, "%s", tz);
	}
}

int
util_localtime(const char *tz, time_t t, struct tm *out)
{
	int	rc = 0;

	util_tz_lock_zone(tz);
	if (localtime_r(&t, out) == NULL)
		rc = -1;
	pthread_mutex_unlock(&util_tz_lock);
	return (rc);
}

time_t
util_mktime(const char *tz, struct tm *tm)
{
	time_t	t;

	util_tz_lock_zone(tz);
	tm->tm_isdst = -1;
	t = mktime(tm);
	pthread_mutex_unlock(&util_tz_lock);
	return (t);
}

int
util_tz_valid(const char *tz)
{
	char		 path[512];
	struct stat	 st;

	if (tz == NULL || *tz == '\0' || strstr(tz, "..") != NULL ||
	    tz[0] == '/')
		return (0);
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
	return (stat(path, &st) == 0 && S_ISREG(st.st_mode));
}

char *
util_iso8601(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return (buf);
}

static void
util_hex(const unsigned char *in, size_t n, char *out)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * util_hash's HMAC keyed with the secret, made once per thread and copied
 * for each hash: HMAC() looks the algorithms up and hashes the key again
 * on every call, and every webhook hashes its caller or call.  Another
 * secret (a reload) makes a new one; a thread's goes when it ends.
 */
struct util_keyed {
	EVP_MAC_CTX	*ctx;
	char		*secret;
};

static pthread_key_t	util_hash_key;
static pthread_once_t	util_hash_once = PTHREAD_ONCE_INIT;

static void
util_keyed_free(void *arg)
{
	struct util_keyed	*k = arg;

	EVP_MAC_CTX_free(k->ctx);
	free(k->secret);
	free(k);
}

static void
util_hash_init(void)
{
	if (pthread_key_create(&util_hash_key, util_keyed_free) != 0)
		fatalx("util_hash: pthread_key_create failed");
}

static EVP_MAC_CTX *
util_hash_keyed(const char *secret)
{
	struct util_keyed	*k;
	EVP_MAC			*mac;
	OSSL_PARAM		 params[2];

	pthread_once(&util_hash_once, util_hash_init);
	if ((k = pthread_getspecific(util_hash_key)) == NULL) {
		k = xcalloc(1, sizeof *k);
		pthread_setspecific(util_hash_key, k);
	}
	if (k->ctx != NULL && strcmp(k->secret, secret) == 0)
		return (k->ctx);
	EVP_MAC_CTX_free(k->ctx);
	free(k->secret);
	k->ctx = NULL;
	k->secret = NULL;
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return (NULL);
	k->ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (k->ctx == NULL)
		return (NULL);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(k->ctx, (const unsigned char *)secret,
	    strlen(secret), params) != 1) {
		EVP_MAC_CTX_free(k->ctx);
		k->ctx = NULL;
		return (NULL);
	}
	k->secret = xstrdup(secret);
	return (k->ctx);
}

char *
util_hash(const char *secret, const char *s, char *out)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	size_t		 n = 0;
	EVP_MAC_CTX	*keyed, *c = NULL;

	if ((keyed = util_hash_keyed(secret)) != NULL &&
	    (c = EVP_MAC_CTX_dup(keyed)) != NULL &&
	    EVP_MAC_update(c, (const unsigned char *)s, strlen(s)) == 1 &&
	    EVP_MAC_final(c, md, &n, sizeof md) == 1 && n >= 8) {
		EVP_MAC_CTX_free(c);
		util_hex(md, 8, out);
		return (out);
	}
	EVP_MAC_CTX_free(c);
	HMAC(EVP_sha256(), secret, (int)strlen(secret),
	    (const unsigned char *)s, strlen(s), md, &mdlen);
	util_hex(md, 8, out);
	return (out);
}

char *
util_random_hex(size_t n)
{
	unsigned char	*b;
	char		*out;

	b = xmalloc(n);
	if (RAND_bytes(b, (int)n) != 1)
		fatalx("util_random_hex: RAND_bytes failed");
	out = xmalloc(2 * n + 1);
	util_hex(b, n, out);
	free(b);
	return (out);
}

/* SHA-256 looked up once: SHA256() fetches it again on every call. */
static EVP_MD		*util_sha256_md;
static pthread_once_t	 util_sha256_once = PTHREAD_ONCE_INIT;

static void
util_sha256_fetch(void)
{
	util_sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

char *
util_sha256_hex(const char *s, size_t len, char *out)
{
	unsigned char	md[SHA256_DIGEST_LENGTH];

	pthread_once(&util_sha256_once, util_sha256_fetch);
	if (util_sha256_md == NULL || EVP_Digest(s, len, md, NULL,
	    util_sha256_md, NULL) != 1)
		SHA256((const unsigned char *)s, len, md);
	util_hex(md, sizeof md, out);
	return (out);
}

long long
util_mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* 1 and the address in out (16 bytes, IPv4 as ::ffff:a.b.c.d), else 0. */
static int
util_addr_parse(const char *s, unsigned char *out)
{
	struct in_addr	a4;

	if (inet_pton(AF_INET6, s, out) == 1)
		return (1);
	if (inet_pton(AF_INET, s, &a4) != 1)
		return (0);
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, &a4, 4);
	return (1);
}

int
util_cidr_parse(const char *s, struct util_cidr *out)
{
	char		 host[INET6_ADDRSTRLEN + 1], *end;
	const char	*slash;
	size_t		 len;
	long		 bits;
	int		 v4;

	slash = strchr(s, '/');
	len = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (len == 0 || len >= sizeof host)
		return (-1);
	memcpy(host, s, len);
	host[len] = '\0';
	v4 = strchr(host, ':') == NULL;
	if (!util_addr_parse(host, out->addr))
		return (-1);
	out->bits = 128;
	if (slash != NULL) {
		errno = 0;
		bits = strtol(slash + 1, &end, 10);
		if (errno != 0 || *end != '\0' || end == slash + 1 ||
		    bits < 0 || bits > (v4 ? 32 : 128))
			return (-1);
		out->bits = (int)(v4 ? bits + 96 : bits);
	}
	return (0);
}

int
util_cidr_match(const struct util_cidr *set, size_t n, const char *ip)
{
	unsigned char	a[16];
	size_t		i;
	int		full, rest;

	if (ip == NULL || !util_addr_parse(ip, a))
		return (0);
	for (i = 0; i < n; i++) {
		full = set[i].bits / 8;
		rest = set[i].bits % 8;
		if (memcmp(a, set[i].addr, (size_t)full) != 0)
			continue;
		if (rest != 0 && ((a[full] ^ set[i].addr[full]) &
		    (0xff << (8 - rest)) & 0xff) != 0)
			continue;
		return (1);
	}
	return (0);
}

int
util_addr_valid(const char *ip)
{
	unsigned char	a[16];

	return (ip != NULL && util_addr_parse(ip, a));
}

char *
util_data_path(const char *store, const char *name)
{
	const char	*path, *slash;
	char		*out;

	if (strncmp(store, "sqlite:", 7) != 0) {
		xasprintf(&out, "data/%s", name);
		return (out);
	}
	path = store + 7;
	if ((slash = strrchr(path, '/')) == NULL)
		return (xstrdup(name));
	xasprintf(&out, "%.*s/%s", (int)(slash - path), path, name);
	return (out);
}
