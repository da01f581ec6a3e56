/*
 * curlev.h -- libcurl's multi_socket interface on our libevent base.
 *
 * Outbound HTTP (provider REST, chat webhooks) and SMTP run here without
 * ever blocking the loop.  Shaped after curl's docs/examples/hiperfifo.c:
 * one context with the event_base, the CURLM and one timer;
 * CURLOPT_PRIVATE points back to each request.  Connections are reused.
 */
#ifndef HOTLINE_CURLEV_H
#define HOTLINE_CURLEV_H

#include <stddef.h>

struct event_base;
struct curlev;

struct curlev_req {
	const char	 *method;	/* "GET", "POST" (default POST if body set, else GET) */
	const char	 *url;
	const char	 *userpwd;	/* "user:password" for HTTP Basic, or NULL */
	const char	 *content_type;	/* for the body, e.g. "application/x-www-form-urlencoded" */
	const char	 *body;		/* copied; may be NULL */
	size_t		  body_len;
	const char	**headers;	/* extra "Name: value" lines, NULL-terminated, or NULL */
	long		  timeout_ms;	/* whole transfer; 0 means 15000 */
	size_t		  max_body;	/* response bytes at most; 0 means 1 MiB */
	int		  follow;	/* follow redirects (credentials stay) */
};

struct curlev_resp {
	long		 status;	/* HTTP status, 0 when no response */
	int		 curl_code;	/* CURLcode, 0 on transfer success */
	const char	*error;		/* curl's error text, "" when none */
	const char	*body;		/* response body, NUL-terminated (may be "") */
	size_t		 body_len;
	const char	*content_type;	/* the response's, or NULL */
	double		 seconds;	/* total time */
};

/* Called on the loop when the transfer ends; resp is valid only during the call. */
typedef void	(*curlev_cb)(const struct curlev_resp *resp, void *arg);

/* max_total bounds transfers in flight; more wait in a FIFO. */
struct curlev	*curlev_new(struct event_base *base, int max_total);
/* Cancels transfers in flight (their callbacks are not called). */
void		 curlev_free(struct curlev *);
/* Start a transfer.  Returns 0, or -1 (callback not called) on a bad request. */
int		 curlev_http(struct curlev *, const struct curlev_req *,
		     curlev_cb cb, void *arg);
/*
 * Send one e-mail: url is "smtp://host:port" or "smtps://…" (user:password
 * may be in it), from and to are bare addresses, message is the full RFC 5322
 * text (headers, blank line, body).  status in resp is the SMTP code.
 */
int		 curlev_smtp(struct curlev *, const char *url, const char *from,
		     const char *to, const char *message, curlev_cb cb, void *arg);
/* Transfers in flight plus queued. */
int		 curlev_pending(const struct curlev *);

#endif
