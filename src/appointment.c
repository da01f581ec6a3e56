/*
 * appointment.c -- the appointments and appointment_convos tables: every
 * SQL statement on them (see appointment.h).  Run in the caller's
 * transaction on a store thread.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "appointment.h"
#include "config.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define APPT_COLUMNS							\
	"id, phone, location, language, status, start_at, new_patient, "	\
	"preferred, reason, created_at, channel, start_text, note, "	\
	"fhir_id, fhir_outcome, confirmed_at"
/* Who may see a request: everyone one with no clinic, staff their own. */
#define APPT_VISIBLE							\
	"(? = '*' OR location IS NULL OR "				\
	"(',' || ? || ',') LIKE ('%,' || location || ',%'))"

static char *
appt_dup(const char *s)
{
	return (s != NULL ? xstrdup(s) : NULL);
}

/* --- the conversation --------------------------------------------------- */

int
appointment_convo_get(struct db *db, const struct config *cfg,
    const char *phone, time_t now, struct appt_convo *c)
{
	struct db_res	*r;
	const char	*code;
	int		 rc, l;

	appt_convo_clear(c);
	r = db_query(db, "SELECT step, language, location, new_patient, "
	    "preferred, reason FROM appointment_convos WHERE phone = ? AND "
	    "updated_at > ?", "si", phone, (long long)(now - APPT_CONVO_SECS));
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1) {
		c->step = (enum appt_step)db_int(r, 0);
		code = db_text(r, 1);
		c->lang = code != NULL && (l = config_lang(cfg, code)) >= 0 ?
		    l : 0;
		c->location = appt_dup(db_text(r, 2));
		c->new_patient = db_isnull(r, 3) ? -1 : (int)db_int(r, 3);
		c->preferred = appt_dup(db_text(r, 4));
		c->reason = appt_dup(db_text(r, 5));
	}
	db_done(r);
	return (rc);
}

int
appointment_convo_put(struct db *db, const struct config *cfg,
    const char *phone, const struct appt_convo *c, time_t now)
{
	return (db_exec(db, "INSERT INTO appointment_convos (phone, step, "
	    "language, location, new_patient, preferred, reason, updated_at) "
	    "VALUES (?, ?, ?, ?, CASE WHEN ? < 0 THEN NULL ELSE ? END, ?, ?, ?) "
	    "ON CONFLICT (phone) DO UPDATE SET step = excluded.step, "
	    "language = excluded.language, location = excluded.location, "
	    "new_patient = excluded.new_patient, preferred = "
	    "excluded.preferred, reason = excluded.reason, updated_at = "
	    "excluded.updated_at", "sissiissi", phone, (long long)c->step,
	    cfg->langs[c->lang], c->location, (long long)c->new_patient,
	    (long long)c->new_patient, c->preferred, c->reason,
	    (long long)now));
}

int
appointment_convo_end(struct db *db, const char *phone)
{
	return (db_exec(db, "DELETE FROM appointment_convos WHERE phone = ?",
	    "s", phone));
}

/* --- requests ------------------------------------------------------------ */

int
appointment_add(struct db *db, const struct appt_request *q, long long *id)
{
	struct db_res	*r;
	int		 rc;

	r = db_query(db, "INSERT INTO appointments (phone, channel, location, "
	    "new_patient, preferred, reason, language, status, created_at, "
	    "updated_at) VALUES (?, ?, ?, CASE WHEN ? < 0 THEN NULL ELSE ? END, "
	    "?, ?, ?, 'requested', ?, ?) RETURNING id", "sssiisssii",
	    q->phone, q->channel, q->location, (long long)q->new_patient,
	    (long long)q->new_patient, q->preferred, q->reason, q->language,
	    (long long)q->now, (long long)q->now);
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1)
		*id = db_int(r, 0);
	db_done(r);
	return (rc == 1 ? 0 : -1);
}

void
appointment_row_free(struct appt_row *row)
{
	free(row->phone);
	free(row->location);
	free(row->language);
	free(row->status);
	free(row->preferred);
	free(row->reason);
	memset(row, 0, sizeof *row);
}

static void
appointment_row_read(struct db_res *r, struct appt_row *row)
{
	memset(row, 0, sizeof *row);
	row->id = db_int(r, 0);
	row->phone = appt_dup(db_text(r, 1));
	row->location = appt_dup(db_text(r, 2));
	row->language = appt_dup(db_text(r, 3));
	row->status = appt_dup(db_text(r, 4));
	row->start = (time_t)db_int(r, 5);
	row->new_patient = db_isnull(r, 6) ? -1 : (int)db_int(r, 6);
	row->preferred = appt_dup(db_text(r, 7));
	row->reason = appt_dup(db_text(r, 8));
	row->created = (time_t)db_int(r, 9);
}

static json_t *
appt_str(const char *s)
{
	return (s != NULL ? json_string(s) : json_null());
}

static json_t *
appt_time(long long t)
{
	char	buf[32];

	if (t <= 0)
		return (json_null());
	return (json_string(util_iso8601((time_t)t, buf, sizeof buf)));
}

json_t *
appointment_item(const struct appt_row *row)
{
	return (json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:o}", "id", (json_int_t)row->id, "phone", appt_str(row->phone),
	    "location", appt_str(row->location), "new_patient",
	    row->new_patient < 0 ? json_null() :
	    json_boolean(row->new_patient), "preferred",
	    appt_str(row->preferred), "reason", appt_str(row->reason),
	    "language", appt_str(row->language), "status",
	    appt_str(row->status), "created_at", appt_time(row->created),
	    "start", appt_time(row->start)));
}

/* An item from a row of APPT_COLUMNS, with what only staff lists show. */
static json_t *
appointment_list_item(struct db_res *r)
{
	struct appt_row	 row;
	json_t		*o;

	appointment_row_read(r, &row);
	o = appointment_item(&row);
	appointment_row_free(&row);
	json_object_set_new(o, "channel", appt_str(db_text(r, 10)));
	json_object_set_new(o, "start_text", appt_str(db_text(r, 11)));
	json_object_set_new(o, "note", appt_str(db_text(r, 12)));
	json_object_set_new(o, "fhir_id", appt_str(db_text(r, 13)));
	json_object_set_new(o, "fhir_outcome", appt_str(db_text(r, 14)));
	json_object_set_new(o, "confirmed_at", appt_time(db_int(r, 15)));
	return (o);
}

json_t *
appointment_list(struct db *db, const char *locations, const char *status,
    int limit)
{
	struct db_res	*r;
	json_t		*a;
	int		 rc;

	r = db_query(db, "SELECT " APPT_COLUMNS " FROM appointments WHERE "
	    APPT_VISIBLE " AND (? = 'all' OR status = ? OR (? = 'open' AND "
	    "status IN ('requested', 'reschedule'))) ORDER BY created_at DESC, "
	    "id DESC LIMIT ?", "sssssi", locations, locations, status, status,
	    status, (long long)limit);
	if (r == NULL)
		return (NULL);
	a = json_array();
	while ((rc = db_next(r)) == 1)
		json_array_append_new(a, appointment_list_item(r));
	db_done(r);
	if (rc == -1) {
		json_decref(a);
		return (NULL);
	}
	return (a);
}

int
appointment_get(struct db *db, long long id, const char *locations,
    struct appt_row *row)
{
	struct db_res	*r;
	int		 rc;

	r = db_query(db, "SELECT " APPT_COLUMNS " FROM appointments WHERE "
	    "id = ? AND " APPT_VISIBLE, "iss", id, locations, locations);
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1)
		appointment_row_read(r, row);
	db_done(r);
	if (rc == -1)
		return (-1);
	return (rc == 1 ? APPT_OK : APPT_NOTFOUND);
}

/* APPT_OK when the last statement changed the row, else APPT_CONFLICT. */
static int
appt_changed(struct db *db, int rc)
{
	if (rc != 0)
		return (-1);
	return (db_changes(db) == 1 ? APPT_OK : APPT_CONFLICT);
}

int
appointment_set_confirmed(struct db *db, long long id, time_t start,
    const char *start_text, const char *location, const char *by, time_t now)
{
	/* Confirming again moves the time: a reschedule staff settled. */
	return (appt_changed(db, db_exec(db, "UPDATE appointments SET status = "
	    "'confirmed', start_at = ?, start_text = ?, location = ?, staff = ?, "
	    "confirmed_at = COALESCE(confirmed_at, ?), answered_at = NULL, "
	    "updated_at = ? WHERE id = ? AND status IN ('requested', "
	    "'confirmed', 'patient_confirmed', 'reschedule')", "isssiii",
	    (long long)start, start_text, location, by, (long long)now,
	    (long long)now, id)));
}

int
appointment_set_cancelled(struct db *db, long long id, const char *reason,
    const char *by, time_t now)
{
	return (appt_changed(db, db_exec(db, "UPDATE appointments SET status = "
	    "'cancelled', note = ?, staff = ?, updated_at = ? WHERE id = ? AND "
	    "status NOT IN ('cancelled', 'no_show')", "ssii", reason, by,
	    (long long)now, id)));
}

int
appointment_set_noshow(struct db *db, long long id, const char *by,
    time_t now)
{
	return (appt_changed(db, db_exec(db, "UPDATE appointments SET status = "
	    "'no_show', staff = ?, updated_at = ? WHERE id = ? AND status IN "
	    "('confirmed', 'patient_confirmed')", "sii", by, (long long)now,
	    id)));
}

int
appointment_set_answer(struct db *db, long long id, const char *status,
    const char *words, time_t now)
{
	return (appt_changed(db, db_exec(db, "UPDATE appointments SET status = "
	    "?, note = ?, answered_at = ?, updated_at = ? WHERE id = ? AND "
	    "status IN ('confirmed', 'patient_confirmed')", "ssiii", status,
	    words, (long long)now, (long long)now, id)));
}

int
appointment_reminded(struct db *db, const char *phone, time_t now,
    struct appt_row *row)
{
	struct db_res	*r;
	int		 rc;

	/*
	 * The reminder went out (its time has come) and the visit is still
	 * ahead, or only just past; the latest such appointment answers.
	 */
	r = db_query(db, "SELECT " APPT_COLUMNS " FROM appointments WHERE "
	    "phone = ? AND status IN ('confirmed', 'patient_confirmed') AND "
	    "start_at - ? <= ? AND start_at > ? ORDER BY start_at LIMIT 1",
	    "siii", phone, (long long)APPT_REMIND_BEFORE, (long long)now,
	    (long long)(now - APPT_REPLY_WINDOW + APPT_REMIND_BEFORE));
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1)
		appointment_row_read(r, row);
	db_done(r);
	return (rc);
}

int
appointment_set_fhir(struct db *db, long long id, const char *fhir_id,
    const char *outcome, time_t now)
{
	return (db_exec(db, "UPDATE appointments SET fhir_id = COALESCE(?, "
	    "fhir_id), fhir_outcome = ?, updated_at = ? WHERE id = ?", "ssii",
	    fhir_id, outcome, (long long)now, id));
}

int
appointment_person_events(struct db *db, const char *phone, json_t *events)
{
	struct db_res	*r;
	json_t		*ev;
	int		 rc;

	r = db_query(db, "SELECT " APPT_COLUMNS " FROM appointments WHERE "
	    "phone = ? ORDER BY created_at, id", "s", phone);
	if (r == NULL)
		return (-1);
	while ((rc = db_next(r)) == 1) {
		ev = appointment_list_item(r);
		json_object_set_new(ev, "kind", json_string("appointment"));
		json_object_set(ev, "at", json_object_get(ev, "created_at"));
		json_array_append_new(events, ev);
	}
	db_done(r);
	return (rc == -1 ? -1 : 0);
}

/* --- retention (retention.c's steps) -------------------------------------- */

/*
 * An appointment is past when it is no longer waiting on staff (requested,
 * reschedule) and both its last change and its visit are before cutoff.
 * The report counts the rows (by clinic, channel, status and times), so
 * the person's words, then their number, are blanked first; the row goes
 * with the report events.
 */
#define APPT_PAST	"status NOT IN ('requested', 'reschedule') AND " \
	"(CASE WHEN start_at > updated_at THEN start_at ELSE updated_at END) < ?"
#define APPT_WORDS	"(preferred IS NOT NULL OR reason IS NOT NULL OR " \
	"note IS NOT NULL) AND " APPT_PAST
#define APPT_NUMBER	"phone <> '' AND " APPT_PAST

static const struct {
	const char	*count;
	const char	*purge;
} appointment_purge_sql[] = {
	[APPT_PURGE_WORDS] = {
	    "SELECT COUNT(*) FROM appointments WHERE " APPT_WORDS,
	    "UPDATE appointments SET preferred = NULL, reason = NULL, note = "
	    "NULL WHERE id IN (SELECT id FROM appointments WHERE " APPT_WORDS
	    " LIMIT ?)" },
	[APPT_PURGE_NUMBERS] = {
	    "SELECT COUNT(*) FROM appointments WHERE " APPT_NUMBER,
	    "UPDATE appointments SET phone = '', fhir_id = NULL, fhir_outcome "
	    "= NULL WHERE id IN (SELECT id FROM appointments WHERE "
	    APPT_NUMBER " LIMIT ?)" },
	[APPT_PURGE_ROWS] = {
	    "SELECT COUNT(*) FROM appointments WHERE " APPT_PAST,
	    "DELETE FROM appointments WHERE id IN (SELECT id FROM appointments "
	    "WHERE " APPT_PAST " LIMIT ?)" },
	[APPT_PURGE_CONVOS] = {
	    "SELECT COUNT(*) FROM appointment_convos WHERE updated_at < ?",
	    "DELETE FROM appointment_convos WHERE phone IN (SELECT phone FROM "
	    "appointment_convos WHERE updated_at < ? LIMIT ?)" },
};

long long
appointment_purge(struct db *db, enum appt_purge what, time_t cutoff,
    int limit)
{
	return (db_purge(db, appointment_purge_sql[what].count,
	    appointment_purge_sql[what].purge, cutoff, limit));
}
