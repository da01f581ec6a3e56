/*
 * quiet.h -- quiet hours for texts the service sends on its own: nothing
 * scheduled goes out between 21:00 and 08:00 in the recipient's local time.
 *
 * The recipient's zone comes from the NANP area code of the number (a
 * compiled-in table of US and Canadian area codes), else the clinic's zone.
 * A number keeps its area code when its owner moves, so this is a guess that
 * is right for most people; the clinic's zone is the fallback because most
 * people who text a Texas clinic live near it.
 */
#ifndef HOTLINE_QUIET_H
#define HOTLINE_QUIET_H

#include <time.h>

#define QUIET_START_HOUR	21	/* quiet from 21:00 local... */
#define QUIET_END_HOUR		8	/* ...until 08:00 local */

struct config;

/*
 * The IANA zone of a phone number: its NANP area code's zone when known,
 * else cfg's clinic timezone (the first location's; "America/Chicago"
 * without one).  The string is static or cfg's.
 */
const char	*quiet_zone(const struct config *, const char *phone);
/* The IANA zone of a NANP area code (e.g. 212), or NULL when unknown. */
const char	*quiet_area_zone(int area_code);
/* The first time at or after when outside quiet hours in zone tz. */
time_t		 quiet_next_allowed_tz(const char *tz, time_t when);
/* The first time at or after `when` outside quiet hours in phone's zone. */
time_t		 quiet_next_allowed(const struct config *, const char *phone,
		    time_t when);
/* Whether when is inside quiet hours in phone's zone. */
int		 quiet_is_quiet(const struct config *, const char *phone,
		    time_t when);

#endif
