/*
 * log.h -- one line per event on stderr, logfmt:
 *   ts=2026-11-29T12:00:00Z level=info msg="sms: reply sent" phone=+1817***0123
 *
 * Callers never print a full phone number (pass it through log_phone) nor
 * a message body.  Messages start with the function or module name.
 */
#ifndef HOTLINE_LOG_H
#define HOTLINE_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void	log_init(enum log_level level);
void	log_set_level(enum log_level level);
int	log_level_parse(const char *s, enum log_level *out);
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log and exit(1): only during start-up. fatal adds strerror(errno). */
void	fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define LOG_PHONE_LEN 32
/*
 * Mask a phone number for logs: "+18175550123" -> "+1817***0123"; anything
 * short or odd keeps at most its last two characters.  Writes into out
 * (LOG_PHONE_LEN bytes) and returns it.
 */
const char *log_phone(const char *phone, char *out);

#endif
