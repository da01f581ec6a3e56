/*
 * recording.h -- voicemail staff can play (GET /api/v1/callbacks/{id}/
 * recording, through the service with the account's credentials, kept on
 * disk) and the provider's words for it (recording.c owns the
 * transcriptions table, filled by the signed POST /voice/transcription).
 */
#ifndef HOTLINE_RECORDING_H
#define HOTLINE_RECORDING_H

#include <time.h>

#include <jansson.h>

struct config;
struct db;
struct hotline;

/* The routes (by staff_init). */
void	recording_init(struct hotline *);
/*
 * Remove this instance's voicemail copies older than their retention (with
 * dry, only count them).  How many files.
 */
int	recording_sweep(const struct config *, time_t now, int dry);

/* --- in a transaction ---------------------------------------------------- */

/*
 * Store the words for the recording at url (replacing earlier ones).
 * 1 stored, 0 no entry or request holds that recording (nothing stored),
 * -1 error.
 */
int	recording_transcription_put(struct db *, const char *url,
	    const char *text, time_t now);
/*
 * Set "transcription" (the words, or null) on entry (when not NULL, by
 * its "recording_url") and on each request of the array requests that
 * has a "recording_url".  0 or -1.
 */
int	recording_words(struct db *, json_t *entry, json_t *requests);
/*
 * Retention (retention.c): the words for voicemails no entry or request
 * links any more, kept since before cutoff.  limit 0 counts; otherwise at
 * most limit go.  How many, or -1.
 */
long long recording_purge(struct db *, time_t cutoff, int limit);

#endif
