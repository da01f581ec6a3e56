/*
 * fuzz.h -- what the libFuzzer harnesses share: reading structured values
 * out of the fuzzer's bytes, the source tree, the shipped configuration,
 * and an in-process hotlined reached over a loopback socket.
 *
 * The same harnesses are built twice: against libFuzzer (./configure
 * --enable-fuzzing CC=clang) and against fuzz/replay.c, a plain main that
 * runs every file of a corpus through them once (make check).
 */
#ifndef HOTLINE_FUZZ_H
#define HOTLINE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

struct config;

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

/* --- reading the input ------------------------------------------------ */

struct fuzz_in {
	const uint8_t	*p;
	size_t		 left;
};

/* The next byte, or 0 when the input is used up. */
unsigned int	 fuzz_byte(struct fuzz_in *);
/*
 * A string of at most max bytes: a length byte, then that many bytes (or
 * what is left).  May hold NULs; *lenp (when not NULL) is its length.
 * Always NUL-terminated; the caller frees.
 */
char		*fuzz_str(struct fuzz_in *, size_t max, size_t *lenp);
/* Everything that is left, NUL-terminated; the caller frees. */
char		*fuzz_rest(struct fuzz_in *, size_t *lenp);

/* --- the tree and the shipped configuration --------------------------- */

/* The source tree: $top_srcdir, else the one this was built from. */
const char	*fuzz_srcdir(void);
/*
 * A fresh temporary folder for this process (on /dev/shm when there is
 * one: the store and config files are written per input), removed at
 * exit.
 */
const char	*fuzz_tmpdir(void);
/*
 * Clear the environment the configuration reads, so that a run does not
 * depend on the shell it started from, and pin the clock.
 */
void		 fuzz_clean_env(void);
/* config/hotline.yaml of the source tree, loaded once (aborts if it fails). */
struct config	*fuzz_config(void);

/* 1 when the NUL-terminated s is valid UTF-8. */
int		 fuzz_utf8(const char *s);

/* --- an in-process hotlined (fuzz_server.c) ---------------------------- */

struct fuzz_reply {
	int	 status;	/* of the first response, 0 if none */
	char	*data;		/* everything the server sent, NUL-terminated */
	size_t	 len;
};

/*
 * Start the service in this process: the shipped configuration, a
 * temporary SQLite store, every route hotlined serves except those that
 * send anything out.  verify: check webhook signatures (0 lets the
 * fuzzer reach the handlers behind them).
 */
void		 fuzz_server_start(int verify);
/* The bearer token of staff member "fuzz" (all locations). */
const char	*fuzz_server_token(void);
/*
 * Send data on a new connection, half-close it, and run the loop until
 * the server closes and every request and store job it started is
 * finished.  The reply is checked (a status line, no 5xx but
 * 501, 503 and 505, TwiML that parses, JSON that parses); a bad one aborts.
 * The caller frees reply->data.
 */
void		 fuzz_server_exchange(const void *data, size_t len,
		     struct fuzz_reply *reply);

#endif
