/*
 * util.h -- small helpers shared by every module: files, phone numbers,
 * time (with a clock tests can pin), keyed hashes and random tokens.
 */
#ifndef HOTLINE_UTIL_H
#define HOTLINE_UTIL_H

#include <stddef.h>
#include <time.h>

struct stat;

/*
 * Whole regular file, NUL-terminated; NULL if unreadable, not a regular
 * file (a FIFO or device is never waited on) or over max bytes.  Caller
 * frees.
 */
char	*util_read_file(const char *path, size_t max, size_t *lenp);
/*
 * The same for a file that must be itself, never a symbolic link (served
 * files), with its status as it was opened in *st: *lenp falls short of
 * st_size when the file shrank while it was read.
 */
char	*util_read_file_stat(const char *path, size_t max, size_t *lenp,
	    struct stat *st);
/* The folders above the file path (mode 0750), as far as they can be made. */
void	 util_mkdirs(const char *path);
/* Strip leading and trailing white space in place. */
char	*util_trim(char *);
int	 util_utf8_valid(const char *);

/*
 * A phone number in E.164, or NULL: "+18175550123", "(817) 555-0123",
 * "817.555.0123" and "1 817 555 0123" give "+18175550123" (North American
 * numbering is assumed when there is no '+').  Caller frees.
 */
char	*util_phone_e164(const char *);

/* "host:port" -> host (into host[hostlen]) and port; 0 or -1. */
int	 util_hostport(const char *s, char *host, size_t hostlen, int *port);

/*
 * Now.  HOTLINE_CLOCK pins it for tests and demos: an epoch number or
 * "YYYY-MM-DDTHH:MM:SS" followed by Z or +HH:MM / -HH:MM; with a leading
 * '+' (e.g. "+2026-12-01T10:00:00-06:00") the pinned clock keeps running
 * from that instant, counted from the process's first call; "T@W" runs
 * from T as of the real-clock epoch second W, so processes started at
 * different times share one clock (tests hand the same value to the
 * service and to the command-line tool).
 */
time_t	 util_now(void);
/* Local broken-down time of t in the IANA zone tz (e.g. America/Chicago). */
int	 util_localtime(const char *tz, time_t t, struct tm *out);
/*
 * The instant of a local time in the zone tz (tm_isdst worked out; tm is
 * normalised, so tm_mday - 29 is a month back).  -1 when out of range.
 */
time_t	 util_mktime(const char *tz, struct tm *tm);
/*
 * Epoch seconds, or an ISO 8601 time with Z or an offset ("2026-12-01T
 * 10:00:00-06:00"), as HOTLINE_CLOCK is written; (time_t)-1 when neither.
 */
time_t	 util_parse_clock(const char *s);
int	 util_tz_valid(const char *tz);
/* ISO 8601 UTC "2026-11-29T12:00:00Z" into buf (at least 21 bytes). */
char	*util_iso8601(time_t t, char *buf, size_t len);

/*
 * Keyed hash (HMAC-SHA-256 with the install's secret) of s as 16 hex
 * digits: stable ids for events and reports that do not reveal a phone
 * number or call id.  out holds at least 17 bytes.
 */
char	*util_hash(const char *secret, const char *s, char *out);
/* n random bytes from the system as 2n hex digits. Caller frees. */
char	*util_random_hex(size_t n);
/* SHA-256 of s as 64 hex digits into out (65 bytes). */
char	*util_sha256_hex(const char *s, size_t len, char *out);

/*
 * An address or network, "192.0.2.7", "10.0.0.0/8", "2001:db8::/32";
 * IPv4 is kept as IPv4-mapped IPv6 so one comparison serves both.
 */
struct util_cidr {
	unsigned char	addr[16];
	int		bits;
};

int	 util_cidr_parse(const char *, struct util_cidr *);
/* 1 when address ip (text) is in one of the n networks of set. */
int	 util_cidr_match(const struct util_cidr *set, size_t n, const char *ip);
/* 1 when ip is an IPv4 or IPv6 address in text form. */
int	 util_addr_valid(const char *ip);

/* Milliseconds from a monotonic clock. */
long long util_mono_ms(void);

/*
 * name in the service's data folder (caller frees): beside the SQLite
 * file of store ("sqlite:PATH"), else data/ under the working directory.
 */
char	*util_data_path(const char *store, const char *name);

#endif
