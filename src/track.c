/* track.c -- PHI-free events for reports (see track.h). */
#include "store.h"
#include "track.h"

int
track_event(struct db *db, const char *kind, const char *subject,
    const char *node, const char *input, const char *location,
    const char *language, long long ms, time_t now)
{
	return (db_exec(db, "INSERT INTO events (at, kind, subject, node, input, "
	    "location, language, ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	    "issssssi", (long long)now, kind, subject, node, input, location,
	    language, ms));
}
