/*
 * log.c -- logfmt lines on stderr.
 *
 * A line is written with one write(2) so lines from the loop and the store
 * threads never interleave.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_level	log_min = LOG_INFO;
static const char	*log_names[] = { "debug", "info", "warn", "error" };

void
log_init(enum log_level level)
{
	log_min = level;
}

void
log_set_level(enum log_level level)
{
	log_min = level;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	size_t	i;

	for (i = 0; i < sizeof log_names / sizeof log_names[0]; i++) {
		if (strcasecmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return (0);
		}
	}
	return (-1);
}

/*
 * The message is quoted; a quote or backslash inside it is escaped and a
 * control character becomes a space, so one event stays one line.
 */
static void	log_vwrite(enum log_level, const char *, va_list, const char *)
		    __attribute__((format(printf, 2, 0)));

static void
log_vwrite(enum log_level level, const char *fmt, va_list ap, const char *extra)
{
	char		 msg[2048], line[4300], ts[32];
	struct tm	 tm;
	time_t		 now;
	size_t		 o = 0, i;
	int		 n;

	if (level < log_min)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof line, "ts=%s level=%s msg=\"", ts,
	    log_names[level]);
	o = (size_t)n;
	for (i = 0; msg[i] != '\0' && o < sizeof line - 8; i++) {
		unsigned char c = (unsigned char)msg[i];
		if (c == '"' || c == '\\') {
			line[o++] = '\\';
			line[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f)
			line[o++] = ' ';
		else
			line[o++] = (char)c;
	}
	if (extra != NULL && o < sizeof line - 8) {
		n = snprintf(line + o, sizeof line - o - 4, ": %s", extra);
		/* snprintf's count past a cut includes what did not fit */
		if (n > 0)
			o += (size_t)n < sizeof line - o - 4 ? (size_t)n :
			    sizeof line - o - 5;
	}
	line[o++] = '"';
	line[o++] = '\n';
	(void)!write(STDERR_FILENO, line, o);
}

#define LOG_FN(name, level)				\
void							\
name(const char *fmt, ...)				\
{							\
	va_list	ap;					\
	va_start(ap, fmt);				\
	log_vwrite(level, fmt, ap, NULL);		\
	va_end(ap);					\
}
LOG_FN(log_debug, LOG_DEBUG)
LOG_FN(log_info, LOG_INFO)
LOG_FN(log_warn, LOG_WARN)
LOG_FN(log_error, LOG_ERROR)

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_ERROR, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERROR, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

const char *
log_phone(const char *phone, char *out)
{
	size_t	len;

	if (phone == NULL || *phone == '\0') {
		strcpy(out, "-");
		return (out);
	}
	len = strlen(phone);
	/*
	 * Country code and area code stay, the last four stay: only when at
	 * least three digits are left between them.  E.164 numbers go down
	 * to eight digits, and "+5179***8511" would be all of +51798511.
	 */
	if (phone[0] == '+' && len >= 12 && len < LOG_PHONE_LEN - 4) {
		snprintf(out, LOG_PHONE_LEN, "%.5s***%s", phone,
		    phone + len - 4);
	} else if (len > 2)
		snprintf(out, LOG_PHONE_LEN, "***%s", phone + len - 2);
	else
		strcpy(out, "***");
	return (out);
}
