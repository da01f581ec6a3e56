/*
 * webhook.h -- acting on a provider webhook once.  The provider retries a
 * delivery it thinks failed; the answer to the first is stored under a
 * key (MessageSid, CallSid+step, or I-Twilio-Idempotency-Token) in the same
 * transaction as its side effects, and a redelivery gets that answer back.
 */
#ifndef HOTLINE_WEBHOOK_H
#define HOTLINE_WEBHOOK_H

#include <time.h>

struct db;

/* 1 found (*ctype and *body allocated, caller frees), 0 not found, -1. */
int	webhook_lookup(struct db *, const char *key, int *status, char **ctype,
	    char **body);
/* Store the answer; 0 or -1. */
int	webhook_save(struct db *, const char *key, int status,
	    const char *ctype, const char *body, time_t now);

#endif
