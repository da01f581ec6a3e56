/*
 * pwcheck.h -- staff password checks (yescrypt, crypt(3)) off the loop
 * and off the store threads, on a small pool with a bounded queue.
 */
#ifndef HOTLINE_PWCHECK_H
#define HOTLINE_PWCHECK_H

struct event_base;
struct pwcheck;

/* Threads checking passwords, and checks that may wait for one. */
#define PWCHECK_THREADS	1
#define PWCHECK_QUEUE	8

/* On the loop: ok is 1 when the password matched the hash. */
typedef void	(*pwcheck_done_fn)(int ok, void *arg);

struct pwcheck	*pwcheck_new(struct event_base *);
/*
 * Check pw against hash (NULL for a name that does not exist: the same
 * work is done and ok is 0); both are copied.  done runs on the loop.
 * 0, or -1 when PWCHECK_QUEUE checks are already waiting or running
 * (done is then never called).
 */
int		 pwcheck_submit(struct pwcheck *, const char *pw,
		     const char *hash, pwcheck_done_fn done, void *arg);
/* 1 when a check submitted now would be refused. */
int		 pwcheck_full(struct pwcheck *);
/* Checks submitted and not yet reported. */
int		 pwcheck_pending(struct pwcheck *);
/* Stops the threads; checks not yet reported are dropped. */
void		 pwcheck_free(struct pwcheck *);

#endif
