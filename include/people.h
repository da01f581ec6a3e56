/*
 * people.h -- one person's record (people.c): everything the hotline
 * holds about a phone number, as one timeline for staff.
 */
#ifndef HOTLINE_PEOPLE_H
#define HOTLINE_PEOPLE_H

#include <jansson.h>

struct config;
struct db;

/*
 * { "phone", "language", "opted_out", "events": [...] } for phone
 * (E.164), events oldest first, each with "kind" and "at":
 *   call      "duration", "status", "language", "path" (menu nodes),
 *             "locations" (where it was routed)
 *   text      "direction", "body", "keyword", "channel", "status", and
 *             "inbox_item", "inbox_status" when it went to the inbox
 *   callback  "id", "status", "outcome", "topic", "location", "priority",
 *             "attempts", "requests" (every reason, in their words),
 *             "notes", "done_at"
 *   voicemail "callback", "recording_url", "text"
 *   note      "callback", "author", "text"
 *   reply     a staff reply to an inbox text: "body", "author", "item"
 * A new object, or NULL on a store error.
 */
json_t	*people_record(struct db *, const struct config *, const char *phone);

#endif
