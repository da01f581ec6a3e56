/*
 * pwcheck.c -- staff password checks on a thread of their own (see
 * pwcheck.h).
 *
 * A yescrypt check costs tens of milliseconds of CPU by design.  Run on
 * a store thread it held up every webhook queued behind it; run on the
 * loop it would hold up everything.  Here it runs on PWCHECK_THREADS
 * threads fed by a queue of at most PWCHECK_QUEUE checks: a login storm
 * beyond that is refused at once (the caller answers 503), so it costs
 * the service one busy thread at most, never the store.  The thread runs
 * at a lower scheduling priority (nice PWCHECK_NICE, Linux sets it per
 * thread), so on a busy machine the loop and the store threads get the
 * CPU before another password guess does.  Results go back
 * to the loop as the store's do: a mutex-protected list and an event made
 * active from the thread.
 */
#include <sys/resource.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "auth.h"
#include "log.h"
#include "pwcheck.h"
#include "util.h"
#include "xmalloc.h"

/* How much less the checking thread is favoured by the scheduler. */
#define PWCHECK_NICE	10

struct pwcheck_job {
	char			*pw;
	char			*hash;		/* NULL: an unknown name */
	int			 ok;		/* 0 for an unknown name */
	pwcheck_done_fn		 done;
	void			*arg;
	struct pwcheck_job	*next;
};

struct pwcheck {
	struct event		*done_ev;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct pwcheck_job	*head, *tail;		/* waiting */
	struct pwcheck_job	*fin_head, *fin_tail;	/* for the loop */
	int			 queued;		/* waiting or running */
	int			 pending;		/* not yet reported */
	int			 stopping;
	pthread_t		 tids[PWCHECK_THREADS];
	int			 nthreads;
	char			*dummy;		/* checked for unknown names */
};

static void
pwcheck_job_free(struct pwcheck_job *j)
{
	explicit_bzero(j->pw, strlen(j->pw));
	free(j->pw);
	free(j->hash);
	free(j);
}

static void *
pwcheck_main(void *arg)
{
	struct pwcheck		*pc = arg;
	struct pwcheck_job	*j;
	char			*dummy, *secret;

#ifdef __linux__
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), PWCHECK_NICE) != 0)
		log_warn("pwcheck: setpriority: %s", strerror(errno));
#endif
	pthread_mutex_lock(&pc->lock);
	for (;;) {
		while (pc->head == NULL && !pc->stopping)
			pthread_cond_wait(&pc->cond, &pc->lock);
		if (pc->head == NULL)
			break;
		j = pc->head;
		if ((pc->head = j->next) == NULL)
			pc->tail = NULL;
		j->next = NULL;
		dummy = pc->dummy != NULL ? xstrdup(pc->dummy) : NULL;
		pthread_mutex_unlock(&pc->lock);
		/*
		 * An unknown name costs what a known one does, so the time
		 * taken does not tell which names exist: the first makes a
		 * hash of a random password, the next are checked against it.
		 */
		if (j->hash != NULL)
			j->ok = auth_verify_password(j->pw, j->hash);
		else if (dummy != NULL)
			(void)auth_verify_password(j->pw, dummy);
		else {
			secret = util_random_hex(16);
			dummy = auth_hash_password(secret);
			free(secret);
		}
		pthread_mutex_lock(&pc->lock);
		if (pc->dummy == NULL && dummy != NULL)
			pc->dummy = xstrdup(dummy);
		free(dummy);
		pc->queued--;
		if (pc->fin_tail != NULL)
			pc->fin_tail->next = j;
		else
			pc->fin_head = j;
		pc->fin_tail = j;
		event_active(pc->done_ev, EV_READ, 0);
	}
	pthread_mutex_unlock(&pc->lock);
	return (NULL);
}

/* On the loop: report finished checks. */
static void
pwcheck_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pwcheck		*pc = arg;
	struct pwcheck_job	*list, *j;

	pthread_mutex_lock(&pc->lock);
	list = pc->fin_head;
	pc->fin_head = pc->fin_tail = NULL;
	pthread_mutex_unlock(&pc->lock);
	while ((j = list) != NULL) {
		list = j->next;
		pc->pending--;
		j->done(j->ok, j->arg);
		pwcheck_job_free(j);
	}
}

struct pwcheck *
pwcheck_new(struct event_base *base)
{
	struct pwcheck	*pc;
	int		 i;

	pc = xcalloc(1, sizeof *pc);
	pthread_mutex_init(&pc->lock, NULL);
	pthread_cond_init(&pc->cond, NULL);
	pc->done_ev = event_new(base, -1, EV_PERSIST, pwcheck_done_cb, pc);
	for (i = 0; i < PWCHECK_THREADS; i++) {
		if (pthread_create(&pc->tids[i], NULL, pwcheck_main, pc) != 0)
			fatal("pwcheck_new: pthread_create");
		pc->nthreads++;
	}
	return (pc);
}

int
pwcheck_submit(struct pwcheck *pc, const char *pw, const char *hash,
    pwcheck_done_fn done, void *arg)
{
	struct pwcheck_job	*j;

	pthread_mutex_lock(&pc->lock);
	if (pc->stopping || pc->queued >= PWCHECK_QUEUE) {
		pthread_mutex_unlock(&pc->lock);
		return (-1);
	}
	j = xcalloc(1, sizeof *j);
	j->pw = xstrdup(pw);
	j->hash = hash != NULL ? xstrdup(hash) : NULL;
	j->done = done;
	j->arg = arg;
	if (pc->tail != NULL)
		pc->tail->next = j;
	else
		pc->head = j;
	pc->tail = j;
	pc->queued++;
	pc->pending++;
	pthread_cond_signal(&pc->cond);
	pthread_mutex_unlock(&pc->lock);
	return (0);
}

int
pwcheck_full(struct pwcheck *pc)
{
	int	full;

	pthread_mutex_lock(&pc->lock);
	full = pc->queued >= PWCHECK_QUEUE;
	pthread_mutex_unlock(&pc->lock);
	return (full);
}

int
pwcheck_pending(struct pwcheck *pc)
{
	return (pc != NULL ? pc->pending : 0);
}

void
pwcheck_free(struct pwcheck *pc)
{
	struct pwcheck_job	*j;
	int			 i;

	if (pc == NULL)
		return;
	pthread_mutex_lock(&pc->lock);
	pc->stopping = 1;
	/* Checks not started are dropped; their callers are gone with the loop. */
	while ((j = pc->head) != NULL) {
		pc->head = j->next;
		pwcheck_job_free(j);
	}
	pc->tail = NULL;
	pthread_cond_broadcast(&pc->cond);
	pthread_mutex_unlock(&pc->lock);
	for (i = 0; i < pc->nthreads; i++)
		pthread_join(pc->tids[i], NULL);
	while ((j = pc->fin_head) != NULL) {
		pc->fin_head = j->next;
		pwcheck_job_free(j);
	}
	event_free(pc->done_ev);
	pthread_mutex_destroy(&pc->lock);
	pthread_cond_destroy(&pc->cond);
	free(pc->dummy);
	free(pc);
}
