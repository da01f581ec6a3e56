/*
 * retention.h -- purging what is kept about people once its retention
 * period (hotline.yaml `retention:`, in days) has passed.
 *
 * A purge is a list of steps, each one kind of record in one table; a
 * step works on at most RETENTION_BATCH rows per call, inside the
 * caller's transaction, so no transaction holds the store long.
 */
#ifndef HOTLINE_RETENTION_H
#define HOTLINE_RETENTION_H

#include <stddef.h>
#include <time.h>

struct config;
struct db;
struct hotline;
struct retention;

#define RETENTION_BATCH	500

size_t		 retention_nsteps(void);
/* Step's retention: key ("bodies", ...) and what it removes, in words. */
const char	*retention_kind(size_t step);
const char	*retention_what(size_t step);
/* The days a step's records are kept under cfg; 0: for ever. */
int		 retention_days(const struct config *, size_t step);
/*
 * In a transaction: the records of step past their retention at now.
 * limit 0 counts them; otherwise at most limit are deleted or cleared.
 * How many, or -1.
 */
long long	 retention_run(struct db *, const struct config *, size_t step,
		     time_t now, int limit);

/* hotlined: purge on a timer (soon after start, then every 15 minutes). */
void		 retention_init(struct hotline *);
void		 retention_free(struct retention *);

#endif
