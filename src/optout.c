/* optout.c -- the opt-out list and its audit trail (see optout.h). */
#include <stdlib.h>

#include "log.h"
#include "optout.h"
#include "programme.h"
#include "store.h"

int
optout_is(struct db *db, const char *phone)
{
	long long	v = 0;
	int		rc;

	rc = db_int_query(db, &v, "SELECT opted_out FROM optouts WHERE phone = ?",
	    "s", phone);
	if (rc == -1)
		return (-1);
	return (rc == 0 && v != 0);
}

int
optout_set(struct db *db, const char *phone, int out, const char *source,
    const char *keyword, time_t now)
{
	int	was;

	if ((was = optout_is(db, phone)) == -1)
		return (-1);
	/* Every opt-out, however it came, ends the daily programme at once. */
	if (out && programme_stop(db, phone, "optout", now) != 0)
		return (-1);
	if (db_exec(db, "INSERT INTO optout_audit (phone, action, source, "
	    "keyword, at) VALUES (?, ?, ?, ?, ?)", "ssssi", phone,
	    out ? "out" : "in", source, keyword, (long long)now) != 0)
		return (-1);
	if (was == out)
		return (0);
	if (db_exec(db, "INSERT INTO optouts (phone, opted_out, at, source) "
	    "VALUES (?, ?, ?, ?) ON CONFLICT (phone) DO UPDATE SET "
	    "opted_out = excluded.opted_out, at = excluded.at, "
	    "source = excluded.source", "siis", phone, (long long)out,
	    (long long)now, source) != 0)
		return (-1);
	return (1);
}
