/*
 * metrics.c -- a small registry of series for /metrics.  Series are few
 * (routes x codes, outbox states, ...): a table under one mutex, in the
 * order they were first seen, found by a hash of name and labels (every
 * answer counts itself a few times, and comparing names through the
 * table was a visible part of answering); values are doubles as
 * Prometheus has them.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "metrics.h"
#include "xmalloc.h"

#define METRICS_MAX	1024
#define METRICS_SLOTS	4096	/* a power of two, well above METRICS_MAX */
#define METRICS_BUCKETS	10

static const double metrics_le[METRICS_BUCKETS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10
};

enum metric_type { M_COUNTER, M_GAUGE, M_HISTOGRAM };

struct series {
	char			*name;
	char			*labels;
	enum metric_type	 type;
	double			 value;		/* counter/gauge; histogram sum */
	unsigned long long	 count;
	unsigned long long	 buckets[METRICS_BUCKETS];
};

struct help {
	char	*name;
	char	*type;
	char	*text;
};

static pthread_mutex_t	 metrics_lock = PTHREAD_MUTEX_INITIALIZER;
static struct series	 metrics[METRICS_MAX];
static size_t		 nmetrics;
static unsigned short	 metrics_slots[METRICS_SLOTS];	/* index + 1 */
static struct help	 helps[128];
static size_t		 nhelps;

/* FNV-1a over name, a NUL, labels. */
static unsigned int
metrics_hash(const char *name, const char *labels)
{
	unsigned int	 h = 2166136261u;
	const char	*p;

	for (p = name; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h *= 16777619u;
	for (p = labels; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return (h);
}

/* The slot holding name{labels}, or the empty one where it would go. */
static unsigned short *
metrics_slot(const char *name, const char *labels)
{
	unsigned int	 i = metrics_hash(name, labels);
	unsigned short	*slot;
	struct series	*s;

	for (;; i++) {
		slot = &metrics_slots[i & (METRICS_SLOTS - 1)];
		if (*slot == 0)
			return (slot);
		s = &metrics[*slot - 1];
		if (strcmp(s->name, name) == 0 && strcmp(s->labels, labels) == 0)
			return (slot);
	}
}

static struct series *
metrics_find(const char *name, const char *labels, enum metric_type type)
{
	unsigned short	*slot = metrics_slot(name, labels);

	if (*slot != 0)
		return (&metrics[*slot - 1]);
	if (nmetrics == METRICS_MAX)
		return (NULL);
	metrics[nmetrics].name = xstrdup(name);
	metrics[nmetrics].labels = xstrdup(labels);
	metrics[nmetrics].type = type;
	*slot = (unsigned short)(nmetrics + 1);
	return (&metrics[nmetrics++]);
}

void
metrics_help(const char *name, const char *type, const char *text)
{
	size_t	i;

	pthread_mutex_lock(&metrics_lock);
	for (i = 0; i < nhelps; i++) {
		if (strcmp(helps[i].name, name) == 0)
			break;
	}
	if (i == nhelps && nhelps < sizeof helps / sizeof helps[0]) {
		helps[i].name = xstrdup(name);
		helps[i].type = xstrdup(type);
		helps[i].text = xstrdup(text);
		nhelps++;
	}
	pthread_mutex_unlock(&metrics_lock);
}

void
metrics_add(const char *name, const char *labels, double v)
{
	struct series	*s;

	pthread_mutex_lock(&metrics_lock);
	if ((s = metrics_find(name, labels, M_COUNTER)) != NULL)
		s->value += v;
	pthread_mutex_unlock(&metrics_lock);
}

void
metrics_set(const char *name, const char *labels, double v)
{
	struct series	*s;

	pthread_mutex_lock(&metrics_lock);
	if ((s = metrics_find(name, labels, M_GAUGE)) != NULL)
		s->value = v;
	pthread_mutex_unlock(&metrics_lock);
}

void
metrics_observe(const char *name, const char *labels, double v)
{
	struct series	*s;
	int		 i;

	pthread_mutex_lock(&metrics_lock);
	if ((s = metrics_find(name, labels, M_HISTOGRAM)) != NULL) {
		s->value += v;
		s->count++;
		for (i = 0; i < METRICS_BUCKETS; i++) {
			if (v <= metrics_le[i])
				s->buckets[i]++;
		}
	}
	pthread_mutex_unlock(&metrics_lock);
}

double
metrics_get(const char *name, const char *labels)
{
	double		 v = 0;
	unsigned short	*slot;

	pthread_mutex_lock(&metrics_lock);
	if (*(slot = metrics_slot(name, labels)) != 0)
		v = metrics[*slot - 1].value;
	pthread_mutex_unlock(&metrics_lock);
	return (v);
}

static const char *
metrics_type_name(enum metric_type t)
{
	return (t == M_COUNTER ? "counter" : t == M_GAUGE ? "gauge" :
	    "histogram");
}

void
metrics_render(struct evbuffer *out)
{
	size_t	 i, j, k;
	int	 b;
	const char *sep;

	pthread_mutex_lock(&metrics_lock);
	for (i = 0; i < nmetrics; i++) {
		struct series *s = &metrics[i];

		/* HELP and TYPE once, before the first series of a name. */
		for (j = 0; j < i; j++) {
			if (strcmp(metrics[j].name, s->name) == 0)
				break;
		}
		if (j == i) {
			for (k = 0; k < nhelps; k++) {
				if (strcmp(helps[k].name, s->name) == 0) {
					evbuffer_add_printf(out, "# HELP %s %s\n",
					    s->name, helps[k].text);
					break;
				}
			}
			evbuffer_add_printf(out, "# TYPE %s %s\n", s->name,
			    metrics_type_name(s->type));
			/* every series of this name, together */
			for (j = i; j < nmetrics; j++) {
				struct series *t = &metrics[j];

				if (strcmp(t->name, s->name) != 0)
					continue;
				sep = *t->labels != '\0' ? "," : "";
				if (t->type != M_HISTOGRAM) {
					evbuffer_add_printf(out, "%s%s%s%s %.17g\n",
					    t->name, *t->labels ? "{" : "",
					    t->labels, *t->labels ? "}" : "",
					    t->value);
					continue;
				}
				for (b = 0; b < METRICS_BUCKETS; b++)
					evbuffer_add_printf(out,
					    "%s_bucket{%s%sle=\"%g\"} %llu\n",
					    t->name, t->labels, sep,
					    metrics_le[b], t->buckets[b]);
				evbuffer_add_printf(out,
				    "%s_bucket{%s%sle=\"+Inf\"} %llu\n", t->name,
				    t->labels, sep, t->count);
				evbuffer_add_printf(out, "%s_sum%s%s%s %.17g\n",
				    t->name, *t->labels ? "{" : "", t->labels,
				    *t->labels ? "}" : "", t->value);
				evbuffer_add_printf(out, "%s_count%s%s%s %llu\n",
				    t->name, *t->labels ? "{" : "", t->labels,
				    *t->labels ? "}" : "", t->count);
			}
		}
	}
	pthread_mutex_unlock(&metrics_lock);
}
