/*
 * metrics.h -- counters, gauges and histograms for GET /metrics
 * (Prometheus text format).  Safe from any thread.
 *
 * A series is a name plus a label string written as Prometheus writes it
 * (route="voice",code="200"), or "" for none.
 */
#ifndef HOTLINE_METRICS_H
#define HOTLINE_METRICS_H

struct evbuffer;

void	metrics_help(const char *name, const char *type, const char *help);
void	metrics_add(const char *name, const char *labels, double v);
void	metrics_set(const char *name, const char *labels, double v);
/* Histogram in seconds (buckets 5 ms .. 10 s). */
void	metrics_observe(const char *name, const char *labels, double v);
/* Current value of a counter or gauge (0 when unknown). */
double	metrics_get(const char *name, const char *labels);
void	metrics_render(struct evbuffer *out);

#endif
