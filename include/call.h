/*
 * call.h -- the calls we answered (the calls table): one row a call, from
 * its first answer to the provider's final status.  call.c is the table's
 * one owner; voice.c records through it.  Each runs in the caller's
 * transaction.
 */
#ifndef HOTLINE_CALL_H
#define HOTLINE_CALL_H

#include <time.h>

struct db;

/* The call's first answer (a redelivery changes nothing).  0 or -1. */
int	call_start(struct db *, const char *call_sid, const char *caller_hash,
	    const char *language, const char *node, time_t now);
/*
 * One more step at node: *started is when the call began, for the step's
 * event.  A call we never saw start (a store lost, or another instance's
 * store) starts now.  0 or -1.
 */
int	call_step(struct db *, const char *call_sid, const char *language,
	    const char *node, time_t now, time_t *started);
/* A status that is not the end: 0 or -1. */
int	call_status(struct db *, const char *call_sid, const char *status);
/*
 * The call ended with status after duration seconds: 1 when this closed
 * it, 0 when it was already closed (a redelivered callback), -1.
 */
int	call_end(struct db *, const char *call_sid, const char *status,
	    long long duration, time_t now);
/*
 * The node the call was last at, in *node (caller frees; NULL when none
 * was recorded): where it ended, for the report's funnel.  0 or -1.
 */
int	call_last_node(struct db *, const char *call_sid, char **node);

#endif
