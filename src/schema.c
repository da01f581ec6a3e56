/*
 * schema.c -- the store's tables, as migrations.  Never edit a migration
 * that has shipped: add a new one.  The same text runs on SQLite and
 * PostgreSQL; times are Unix seconds (BIGINT).
 */
#include <stddef.h>

#include "schema.h"

const struct schema_migration schema_migrations[] = {
{ 1, "initial",
/*
 * Webhooks already answered, by the provider's idempotency token or
 * MessageSid / CallSid+step: a redelivery gets the same answer and no
 * second side effect.
 */
"CREATE TABLE webhooks ("
"  key TEXT PRIMARY KEY,"
"  at BIGINT NOT NULL,"
"  status INTEGER NOT NULL,"
"  content_type TEXT NOT NULL,"
"  response TEXT NOT NULL);\n"
"CREATE INDEX webhooks_at ON webhooks (at);\n"

/* One row per call: what must outlive it (no phone number). */
"CREATE TABLE calls ("
"  call_sid TEXT PRIMARY KEY,"
"  caller_hash TEXT,"
"  language TEXT,"
"  started_at BIGINT NOT NULL,"
"  ended_at BIGINT,"
"  status TEXT NOT NULL,"
"  duration INTEGER,"
"  last_node TEXT,"
"  steps INTEGER NOT NULL DEFAULT 0);\n"

/*
 * PHI-free events for reports: subject is a keyed hash of the call or
 * number, input a key or an intent name, never free text.
 */
"CREATE TABLE events ("
"  id {ID},"
"  at BIGINT NOT NULL,"
"  kind TEXT NOT NULL,"
"  subject TEXT,"
"  node TEXT,"
"  input TEXT,"
"  location TEXT,"
"  language TEXT,"
"  ms INTEGER);\n"
"CREATE INDEX events_at ON events (at);\n"
"CREATE INDEX events_kind ON events (kind, at);\n"

/* Every text in and out.  Bodies stay in the store, never in logs. */
"CREATE TABLE messages ("
"  id {ID},"
"  sid TEXT UNIQUE,"
"  direction TEXT NOT NULL,"
"  phone TEXT NOT NULL,"
"  language TEXT,"
"  keyword TEXT,"
"  body TEXT,"
"  status TEXT NOT NULL,"
"  error_code INTEGER,"
"  replied INTEGER NOT NULL DEFAULT 0,"
"  at BIGINT NOT NULL,"
"  updated_at BIGINT NOT NULL);\n"
"CREATE INDEX messages_phone ON messages (phone, at);\n"

/* Who must not be texted, and the audit trail of every change. */
"CREATE TABLE optouts ("
"  phone TEXT PRIMARY KEY,"
"  opted_out INTEGER NOT NULL,"
"  at BIGINT NOT NULL,"
"  source TEXT NOT NULL);\n"
"CREATE TABLE optout_audit ("
"  id {ID},"
"  phone TEXT NOT NULL,"
"  action TEXT NOT NULL,"
"  source TEXT NOT NULL,"
"  keyword TEXT,"
"  at BIGINT NOT NULL);\n"

/*
 * The callback queue.  queued_at is the place in line and survives a
 * repeat request; one open entry per number.
 */
"CREATE TABLE callbacks ("
"  id {ID},"
"  phone TEXT NOT NULL,"
"  location TEXT,"
"  topic TEXT,"
"  language TEXT NOT NULL,"
"  preferred_window TEXT,"
"  priority INTEGER NOT NULL DEFAULT 0,"
"  status TEXT NOT NULL,"
"  source TEXT NOT NULL,"
"  created_at BIGINT NOT NULL,"
"  updated_at BIGINT NOT NULL,"
"  queued_at BIGINT NOT NULL,"
"  not_before BIGINT NOT NULL DEFAULT 0,"
"  attempts INTEGER NOT NULL DEFAULT 0,"
"  claimed_by TEXT,"
"  claimed_at BIGINT,"
"  first_attempt_at BIGINT,"
"  done_at BIGINT,"
"  outcome TEXT,"
"  recording_url TEXT,"
"  call_sid TEXT,"
"  notified_wait INTEGER NOT NULL DEFAULT 0);\n"
"CREATE UNIQUE INDEX callbacks_open ON callbacks (phone) "
"  WHERE status IN ('waiting', 'claimed');\n"
"CREATE INDEX callbacks_queue ON callbacks (status, priority, queued_at);\n"
"CREATE TABLE callback_notes ("
"  id {ID},"
"  callback_id BIGINT NOT NULL,"
"  at BIGINT NOT NULL,"
"  author TEXT NOT NULL,"
"  text TEXT NOT NULL);\n"
"CREATE INDEX callback_notes_cb ON callback_notes (callback_id);\n"

/*
 * The transactional outbox: written in the same transaction as the state
 * it belongs to, delivered afterwards with retries.  dedupe makes a second
 * enqueue of the same message a no-op.
 */
"CREATE TABLE outbox ("
"  id {ID},"
"  kind TEXT NOT NULL,"
"  dedupe TEXT NOT NULL UNIQUE,"
"  recipient TEXT NOT NULL,"
"  payload TEXT NOT NULL,"
"  status TEXT NOT NULL,"
"  attempts INTEGER NOT NULL DEFAULT 0,"
"  next_at BIGINT NOT NULL,"
"  created_at BIGINT NOT NULL,"
"  updated_at BIGINT NOT NULL,"
"  started_at BIGINT,"
"  provider_sid TEXT,"
"  error_code INTEGER,"
"  last_error TEXT);\n"
"CREATE INDEX outbox_due ON outbox (status, next_at);\n"

/* Staff accounts, API tokens and dashboard sessions (all hashed). */
"CREATE TABLE staff ("
"  name TEXT PRIMARY KEY,"
"  password_hash TEXT,"
"  locations TEXT NOT NULL DEFAULT '*',"
"  phone TEXT,"
"  email TEXT,"
"  disabled INTEGER NOT NULL DEFAULT 0,"
"  created_at BIGINT NOT NULL);\n"
"CREATE TABLE staff_tokens ("
"  token_hash TEXT PRIMARY KEY,"
"  name TEXT NOT NULL,"
"  created_at BIGINT NOT NULL,"
"  last_used BIGINT);\n"
"CREATE TABLE sessions ("
"  id_hash TEXT PRIMARY KEY,"
"  name TEXT NOT NULL,"
"  csrf TEXT NOT NULL,"
"  created_at BIGINT NOT NULL,"
"  expires_at BIGINT NOT NULL);\n"
"CREATE TABLE login_attempts ("
"  id {ID},"
"  key TEXT NOT NULL,"
"  at BIGINT NOT NULL,"
"  ok INTEGER NOT NULL);\n"
"CREATE INDEX login_attempts_key ON login_attempts (key, at)"
},
{ 2, "callback requests",
/*
 * Every request that joined a queue entry: a repeat request (the same
 * number while its entry is open, by any channel) keeps the entry's place
 * in line and is kept here with its own channel, reason, location, topic,
 * words and recording, where before it overwrote the entry's.  channel is
 * how it came (voice, sms, voicemail, as callbacks.source); reason is
 * callback, voicemail or red_flag; text is what the person said or
 * texted, kept in the store only (never logged, never in reports).
 *
 * An entry made before this table existed has one request, from what the
 * entry held: earlier requests it had absorbed are not recoverable.
 */
"CREATE TABLE callback_requests ("
"  id {ID},"
"  callback_id BIGINT NOT NULL,"
"  at BIGINT NOT NULL,"
"  channel TEXT NOT NULL,"
"  reason TEXT NOT NULL,"
"  location TEXT,"
"  topic TEXT,"
"  language TEXT NOT NULL,"
"  preferred_window TEXT,"
"  priority INTEGER NOT NULL DEFAULT 0,"
"  text TEXT,"
"  recording_url TEXT,"
"  sid TEXT);\n"
"CREATE INDEX callback_requests_cb ON callback_requests (callback_id, at);\n"
"CREATE INDEX callback_requests_location ON callback_requests "
"  (location, callback_id);\n"
"INSERT INTO callback_requests (callback_id, at, channel, reason, "
"  location, topic, language, preferred_window, priority, recording_url, "
"  sid) "
"SELECT id, created_at, source, "
"  CASE WHEN priority > 0 THEN 'red_flag' "
"  WHEN source = 'voicemail' THEN 'voicemail' ELSE 'callback' END, "
"  location, topic, language, preferred_window, priority, recording_url, "
"  call_sid FROM callbacks ORDER BY id"
},
{ 3, "several instances",
/*
 * Leases (lease.c): who does the work that must happen once, until when
 * (milliseconds on the database's clock, so instances need not agree on
 * theirs).  Each running instance also holds "instance:<id>" while alive.
 */
"CREATE TABLE leases ("
"  name TEXT PRIMARY KEY,"
"  holder TEXT NOT NULL,"
"  acquired_ms BIGINT NOT NULL,"
"  expires_ms BIGINT NOT NULL);\n"
/*
 * The number of the last change staff watch (live.c): bumped by the
 * commit that made the change, so every instance numbers changes alike.
 */
"CREATE TABLE live_seq ("
"  id INTEGER PRIMARY KEY,"
"  n BIGINT NOT NULL);\n"
"INSERT INTO live_seq (id, n) VALUES (1, 0);\n"
/* Which instance is sending a row: a dead one's rows are reconciled. */
"ALTER TABLE outbox ADD COLUMN claimed_by TEXT"
},
{ 4, "message channel",
/*
 * The channel a text came or went on: NULL for SMS, 'whatsapp'.  phone
 * stays the E.164 number, so one person has one opt-out state, one
 * throttle and one place in the callback queue whichever channel they use;
 * the channel says where replies go.
 */
"ALTER TABLE messages ADD COLUMN channel TEXT"
},
/* Retention purges find old rows by time (retention.c). */
{ 5, "retention",
"CREATE INDEX messages_at ON messages (at);\n"
"CREATE INDEX outbox_updated ON outbox (updated_at);\n"
"CREATE INDEX callbacks_updated ON callbacks (updated_at);\n"
"CREATE INDEX calls_started ON calls (started_at)"
},
{ 6, "escalations",
/*
 * The always-on red-flag escalation (escalate.c): one per callback entry
 * with a red flag.  status is paging (due_at: when the next contact is
 * paged), acknowledged (acked_by: a staff name, or the contact who texted
 * back; a claim is the only way out of the queue, so every entry that
 * leaves it acknowledges) or unanswered (every round paged).  summary is the page's words (the number's last four digits
 * only).  Each page sent is a row of escalation_pages, so a reply from a
 * paged number is known as one.
 */
"CREATE TABLE escalations ("
"  id {ID},"
"  callback_id BIGINT NOT NULL UNIQUE,"
"  started_at BIGINT NOT NULL,"
"  status TEXT NOT NULL,"
"  pages INTEGER NOT NULL DEFAULT 0,"
"  due_at BIGINT,"
"  acked_at BIGINT,"
"  acked_by TEXT,"
"  summary TEXT NOT NULL,"
"  updated_at BIGINT NOT NULL);\n"
"CREATE INDEX escalations_due ON escalations (status, due_at);\n"
"CREATE TABLE escalation_pages ("
"  id {ID},"
"  escalation_id BIGINT NOT NULL,"
"  n INTEGER NOT NULL,"
"  contact TEXT NOT NULL,"
"  phone TEXT NOT NULL,"
"  email TEXT,"
"  at BIGINT NOT NULL);\n"
"CREATE INDEX escalation_pages_phone ON escalation_pages (phone, "
"  escalation_id)"
},
{ 7, "inbox and audit",
/*
 * The staff inbox (inbox.c): each text no keyword answered, with what the
 * person wrote (kept in the store only, never logged), the queue it is in
 * (location, NULL for the shared one) and when the texter was told that a
 * person will read it (told_at, at most once a day).  status: open,
 * replied, done.  Replies staff wrote go out through the outbox.
 */
"CREATE TABLE inbox ("
"  id {ID},"
"  phone TEXT NOT NULL,"
"  channel TEXT,"
"  sid TEXT,"
"  body TEXT NOT NULL,"
"  language TEXT,"
"  location TEXT,"
"  status TEXT NOT NULL,"
"  received_at BIGINT NOT NULL,"
"  updated_at BIGINT NOT NULL,"
"  told_at BIGINT,"
"  done_by TEXT,"
"  done_at BIGINT);\n"
"CREATE INDEX inbox_status ON inbox (status, received_at);\n"
"CREATE INDEX inbox_phone ON inbox (phone, received_at);\n"
"CREATE TABLE inbox_replies ("
"  id {ID},"
"  inbox_id BIGINT NOT NULL,"
"  at BIGINT NOT NULL,"
"  author TEXT NOT NULL,"
"  body TEXT NOT NULL,"
"  outbox_id BIGINT);\n"
"CREATE INDEX inbox_replies_item ON inbox_replies (inbox_id, at);\n"
/*
 * Who looked at whose record (audit.c): actor is the staff name, action
 * what they did ("person.view"), subject whose record (a phone number:
 * the store holds it anyway; logs never do).
 */
"CREATE TABLE audit_log ("
"  id {ID},"
"  at BIGINT NOT NULL,"
"  actor TEXT NOT NULL,"
"  action TEXT NOT NULL,"
"  subject TEXT,"
"  detail TEXT);\n"
"CREATE INDEX audit_log_at ON audit_log (at);\n"
/* Roles: admin (reads the audit log) or staff. */
"ALTER TABLE staff ADD COLUMN role TEXT NOT NULL DEFAULT 'staff'"
},
{ 8, "daily programme and feedback",
/*
 * A text scheduled for a time (outbox_schedule): the time it is meant
 * for, NULL for one sent as soon as it can be.  Late or quiet-hours
 * handling applies to these only.
 */
"ALTER TABLE outbox ADD COLUMN send_after BIGINT;\n"
/*
 * The daily stretch programme (programme.c): one row per enrolment.  Its
 * texts are outbox rows keyed "programme:ID:day:N".  status: active,
 * paused (PAUSE), stopped (an opt-out), finished.  minute: the local time
 * of day asked for, minutes after midnight.
 */
"CREATE TABLE programmes ("
"  id {ID},"
"  phone TEXT NOT NULL,"
"  language TEXT NOT NULL,"
"  source TEXT NOT NULL,"
"  minute INTEGER NOT NULL,"
"  days INTEGER NOT NULL,"
"  status TEXT NOT NULL,"
"  started_at BIGINT NOT NULL,"
"  first_at BIGINT NOT NULL,"
"  ended_at BIGINT);\n"
"CREATE INDEX programmes_phone ON programmes (phone, status);\n"
/*
 * Feedback (feedback.c): who was asked "how helpful was this?" and about
 * what (a guide, a location), so a digit from them within the window is an
 * answer; the answers themselves keep no number and no words, only the
 * score, what it was about and the week.  An ask with queued_at NULL is
 * still to be texted at asked_at (feedback_due); the programme's last day
 * asks in its own text.
 */
"CREATE TABLE feedback_asks ("
"  id {ID},"
"  phone TEXT NOT NULL,"
"  about TEXT NOT NULL,"
"  guide TEXT,"
"  location TEXT,"
"  language TEXT,"
"  asked_at BIGINT NOT NULL,"
"  queued_at BIGINT,"
"  answered_at BIGINT,"
"  dedupe TEXT);\n"
"CREATE INDEX feedback_asks_phone ON feedback_asks (phone, asked_at);\n"
"CREATE TABLE feedback ("
"  id {ID},"
"  score INTEGER NOT NULL,"
"  about TEXT NOT NULL,"
"  guide TEXT,"
"  location TEXT,"
"  week TEXT NOT NULL,"
"  at BIGINT NOT NULL);\n"
"CREATE INDEX feedback_at ON feedback (at)"
},
{ 9, "token expiry, transcriptions, reply keys",
/* An API token may carry an expiry (auth.c); NULL: until revoked. */
"ALTER TABLE staff_tokens ADD COLUMN expires_at BIGINT;\n"
/*
 * The provider's words for a voicemail (recording.c), by the recording's
 * URL: shown wherever that recording is (an entry, its requests).
 */
"CREATE TABLE transcriptions ("
"  recording_url TEXT PRIMARY KEY,"
"  text TEXT NOT NULL,"
"  at BIGINT NOT NULL);\n"
/*
 * A staff reply's Idempotency-Key (inbox.c): the same key on the same
 * item is one reply, however often it is sent.
 */
"ALTER TABLE inbox_replies ADD COLUMN idem_key TEXT;\n"
"CREATE UNIQUE INDEX inbox_replies_key ON inbox_replies (inbox_id, idem_key)"
},
{ 10, "appointments",
/*
 * Appointment requests (appointment.c): asked for by text or on the phone
 * (channel sms or voice), the person's words kept (preferred, reason).
 * status: requested, confirmed, patient_confirmed, reschedule, cancelled,
 * no_show.  start_at once staff confirm (start_text as they sent it).
 * fhir_id / fhir_outcome: what the scheduling system answered.
 */
"CREATE TABLE appointments ("
"  id {ID},"
"  phone TEXT NOT NULL,"
"  channel TEXT NOT NULL,"
"  location TEXT,"
"  new_patient INTEGER,"
"  preferred TEXT,"
"  reason TEXT,"
"  language TEXT,"
"  status TEXT NOT NULL,"
"  start_at BIGINT,"
"  start_text TEXT,"
"  note TEXT,"
"  created_at BIGINT NOT NULL,"
"  updated_at BIGINT NOT NULL,"
"  confirmed_at BIGINT,"
"  answered_at BIGINT,"
"  staff TEXT,"
"  fhir_id TEXT,"
"  fhir_outcome TEXT);\n"
"CREATE INDEX appointments_status ON appointments (status, created_at);\n"
"CREATE INDEX appointments_phone ON appointments (phone, created_at);\n"
/*
 * The SMS conversation of a number asking for one, question by question
 * (step); a conversation older than a day is over.
 */
"CREATE TABLE appointment_convos ("
"  phone TEXT PRIMARY KEY,"
"  step INTEGER NOT NULL,"
"  language TEXT,"
"  location TEXT,"
"  new_patient INTEGER,"
"  preferred TEXT,"
"  reason TEXT,"
"  updated_at BIGINT NOT NULL)"
},
{ 11, "flat queue reads",
/*
 * What every callback request reads, by index rather than by scanning
 * the table (the cost grew with the queue): the place in the queue
 * (counted along the index, never touching the rows), the recent times
 * a callback took and who is on duty (the estimate), and a number's
 * recent texts (the topic of a request made by text).
 */
"CREATE INDEX callbacks_place ON callbacks (status, location, priority, "
"queued_at, id);\n"
"CREATE INDEX callbacks_done ON callbacks (done_at);\n"
"CREATE INDEX callbacks_claimed ON callbacks (claimed_at, claimed_by);\n"
"CREATE INDEX outbox_recipient ON outbox (recipient, created_at)"
},
{ 12, "queue counts",
/*
 * The open entries (waiting or claimed) of each queue (location, '' for
 * the shared one) by priority, kept by callback.c in the transaction of
 * every change: a new entry joins the end of its priority in its queue,
 * so its place is a sum of these rows, not a count of the people ahead.
 * A (location, priority) has a row per shard (callback.c gives each
 * thread that writes its own), so that two connections never wait on
 * one row; its count is their sum (a shard's own n may be negative).
 * The rows of priority -1 (location '') count changes to the queue
 * instead: the staff dashboard's fingerprint is their sum, where it
 * read every row of callbacks.
 */
"CREATE TABLE callback_counts ("
"  location TEXT NOT NULL,"
"  priority INTEGER NOT NULL,"
"  shard INTEGER NOT NULL,"
"  n BIGINT NOT NULL,"
"  PRIMARY KEY (location, priority, shard));\n"
"INSERT INTO callback_counts (location, priority, shard, n) "
"SELECT COALESCE(location, ''), priority, 0, COUNT(*) FROM callbacks "
"WHERE status IN ('waiting', 'claimed') "
"GROUP BY COALESCE(location, ''), priority"
},
{ 13, "call steps as events",
/*
 * A menu step is recorded by its event alone (call.c): step_key is the
 * step's webhook (its URL and input, hashed), so that a redelivery
 * records nothing twice without a row in webhooks, and to_node is where
 * the step sent the call.  The call's row is summed from them when the
 * call ends (its steps, last node and language), instead of an UPDATE
 * of the row at every step.  The index also finds a call's steps then.
 */
"ALTER TABLE events ADD COLUMN step_key TEXT;\n"
"ALTER TABLE events ADD COLUMN to_node TEXT;\n"
"CREATE UNIQUE INDEX events_step ON events (subject, step_key) "
"WHERE step_key IS NOT NULL"
},
{ 0, NULL, NULL }
};
