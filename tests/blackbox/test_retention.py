"""Retention: what is kept about people goes once its period has passed.

Records are made as callers, texters and staff make them; the service is
then started again with its clock moved forward (Hotlined.advance) and its
timer purges, or `hotline purge` does.  Every time here is the service's
own clock (Hotlined.now): nothing is written to the store by hand."""
import json
import subprocess
import time

from harness import CALLER, HOTLINE, HotlineTestCase, sms_text
from test_appointments import VISIT, AppointmentCase
from test_voice import Call, Voice

DAY = 86400
OTHER = "+18175550177"                 # a texter whose callback stays open
STOPPED = "+18175550178"               # a texter who opted out
THIRD = "+18175550179"
# Tuesday 2026-12-01, 10:00 in Chicago (the caller's 817 is Central).
ENROL = "+2026-12-01T10:00:00-06:00"


def purge_lines(out):
    """`hotline purge` output as {(kind, what): count}."""
    return {tuple(l.split(None, 3)[::3]): l.split(None, 3)[2]
            for l in out.splitlines()[1:]}


class TestRetention(Voice):

    def cli(self, *args, stdin=None):
        p = subprocess.run([HOTLINE, "--config", self.h.config] + list(args),
                           input=stdin, capture_output=True, text=True,
                           env=dict(self.h.env), timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return p.stdout

    def count(self, sql, *args):
        return self.h.rows(sql, args)[0][0]


    def wait_until(self, pred, what):
        deadline = time.time() + 30
        while time.time() < deadline:
            if pred():
                return
            time.sleep(0.1)
        self.fail("%s did not happen:\n%s" % (what, self.h.log()[-3000:]))

    def make_records(self):
        """Texts with what people said, a voicemail, a finished callback
        with a note, an open callback and an opt-out."""
        self.assertTrue(sms_text(self.h.sms("STRETCH")))
        self.assertTrue(sms_text(self.h.sms("numbness in my groin today")))
        self.assertTrue(sms_text(self.h.sms("CALLBACK", frm=OTHER)))
        self.assertTrue(sms_text(self.h.sms("STOP", frm=STOPPED)))
        c = Call(self, "+18175550176").start().press("4").press("1")
        c.dial_result("no-answer")
        c.press("2")
        c.record("https://api.example.test/Recordings/RE1")
        self.assertTrue(c.hung_up())
        # Staff work the voicemail and the red flag, with notes.
        self.cli("staff", "add", "alice", "--password-stdin", "--locations",
                 "*", stdin="a long passphrase\n")
        tok = self.cli("staff", "token", "alice").strip().splitlines()[-1]
        auth = {"Authorization": "Bearer " + tok,
                "Content-Type": "application/json"}
        ids = [i for (i,) in self.h.rows(
            "SELECT id FROM callbacks WHERE phone <> ?", (OTHER,))]
        self.assertEqual(len(ids), 2, self.h.rows("SELECT * FROM callbacks"))
        for i in ids:
            r = self.h.request("POST", "/api/v1/callbacks/%d/claim" % i,
                               body=b"{}", headers=auth)
            self.assertEqual(r.status, 200, r.text)
            r = self.h.request("POST", "/api/v1/callbacks/%d/done" % i,
                               body=json.dumps({"outcome": "reached",
                                                "note": "called back"}
                                               ).encode(), headers=auth)
            self.assertEqual(r.status, 200, r.text)
        # The guides and notices sent: nothing left pending to send.
        self.wait_until(lambda: self.count(
            "SELECT COUNT(*) FROM outbox WHERE status IN "
            "('pending', 'sending')") == 0, "sending")

    def test_purged_after_retention(self):
        self.make_records()
        made = int(self.h.now())
        # What is still there a day after the records were made was made
        # by then: everything above.
        cut = made + DAY
        bodies = self.count("SELECT COUNT(*) FROM messages WHERE body IS "
                            "NOT NULL")
        self.assertGreater(bodies, 0)
        for table in ("webhooks", "events", "calls", "callback_notes",
                      "outbox"):
            self.assertGreater(self.count("SELECT COUNT(*) FROM %s" % table),
                               0, table)
        self.assertEqual(self.count("SELECT COUNT(*) FROM callbacks WHERE "
                                    "recording_url IS NOT NULL"), 1)
        kept_in_shape = self.h.rows("SELECT COUNT(*) FROM messages")

        self.assertGreater(self.count(
            "SELECT COUNT(*) FROM callback_requests WHERE text IS NOT NULL"),
            0)

        # A month on, asked first: what would go, and nothing goes.
        self.h.stop()
        self.h.advance(31 * DAY)
        out = self.cli("purge", "--dry-run")
        lines = {tuple(l.split(None, 3)[::3]): l.split(None, 3)[2]
                 for l in out.splitlines()[1:]}
        self.assertEqual(lines[("bodies", "text message bodies")],
                         str(bodies), out)
        self.assertNotEqual(lines[("transcripts", "stored webhook answers")],
                            "0", out)
        self.assertEqual(lines[("recordings", "voicemail links")], "1", out)
        self.assertNotEqual(lines[("transcripts",
                                   "words of callback requests")], "0", out)
        self.assertEqual(lines[("callbacks", "finished callbacks")], "0", out)
        self.assertEqual(lines[("events", "report events")], "0", out)
        self.assertEqual(self.count("SELECT COUNT(*) FROM messages WHERE "
                                    "body IS NOT NULL"), bodies)

        # The service, running a month on, purges on its own: nothing
        # of those kinds from before the period is left.  (It may have
        # made new records since, such as staff notices.)
        self.h.start()
        self.wait_until(lambda: self.count(
            "SELECT COUNT(*) FROM messages WHERE body IS NOT NULL AND "
            "at < ?", cut) == 0 and
            self.count("SELECT COUNT(*) FROM webhooks WHERE at < ?",
                       cut) == 0 and
            self.count("SELECT COUNT(*) FROM callbacks WHERE recording_url "
                       "IS NOT NULL") == 0 and
            self.count("SELECT COUNT(*) FROM callback_requests q JOIN "
                       "callbacks c ON c.id = q.callback_id WHERE c.status "
                       "= 'done' AND (q.text IS NOT NULL OR q.recording_url "
                       "IS NOT NULL)") == 0 and
            self.count("SELECT COUNT(*) FROM outbox WHERE updated_at < ?",
                       cut) == 0, "the month's purge")
        # What has a longer period is still there.
        self.assertEqual(self.h.rows("SELECT COUNT(*) FROM messages WHERE "
                                     "at < ?", (cut,)), kept_in_shape)
        self.assertEqual(self.count("SELECT COUNT(*) FROM callbacks"), 3)
        self.assertGreater(self.count("SELECT COUNT(*) FROM callback_notes"), 0)
        self.assertGreater(self.count("SELECT COUNT(*) FROM events WHERE "
                                      "at < ?", cut), 0)
        self.assertIn("retention:", self.h.log())

        # What an open callback's caller said is still there for staff.
        self.assertGreater(self.count(
            "SELECT COUNT(*) FROM callback_requests q JOIN callbacks c ON "
            "c.id = q.callback_id WHERE c.status = 'waiting' AND q.text IS "
            "NOT NULL"), 0)

        # Later still, with the service stopped: hotline purge.
        self.h.stop()
        self.h.advance(769 * DAY)
        out = self.cli("purge")
        self.assertRegex(out, r"callbacks +180 +2 +finished callbacks")
        for table in ("messages", "events", "calls", "callback_notes",
                      "webhooks", "outbox"):
            self.assertEqual(self.count("SELECT COUNT(*) FROM %s" % table), 0,
                             table)
        self.assertEqual(self.count(
            "SELECT COUNT(*) FROM callback_requests q JOIN callbacks c ON "
            "c.id = q.callback_id WHERE c.status = 'waiting'"),
            self.count("SELECT COUNT(*) FROM callback_requests"))
        # An open callback is someone still waiting: never purged.  STOP
        # keeps winning: opt-outs and their audit trail stay.
        self.assertEqual(self.h.rows("SELECT phone, status FROM callbacks"),
                         [(OTHER, "waiting")])
        self.assertEqual(self.h.rows("SELECT phone, opted_out FROM optouts"),
                         [(STOPPED, 1)])
        self.assertGreater(self.count("SELECT COUNT(*) FROM optout_audit"), 0)
        self.assertNotIn(CALLER, self.h.log())
        # Nothing more to do.
        out = self.cli("purge", "--dry-run")
        for line in out.splitlines()[1:]:
            self.assertIn(line.split()[2], ("0", "kept"), out)
        self.h.start()
        self.assertEqual(self.h.get("/healthz").status, 200)


class TestRetentionProgrammes(HotlineTestCase):
    """Daily programmes and feedback questions go with the callbacks'
    period once over; the answers (no number) stay for the report."""
    env = {"HOTLINE_CLOCK": ENROL}

    cli = TestRetention.cli
    count = TestRetention.count

    def test_programmes_and_feedback_asks(self):
        self.assertIn("14 days", sms_text(self.h.sms("DAILY"))[0])
        self.assertTrue(sms_text(self.h.sms("DAILY", frm=OTHER)))
        self.assertIn("paused", sms_text(self.h.sms("PAUSE", frm=OTHER))[0])
        # A guide's question, answered: the answer keeps no number.
        self.assertTrue(sms_text(self.h.sms("STRETCH", frm=THIRD)))
        self.h.stop()
        self.h.advance(3660)
        self.h.start()
        self.assertTrue(self.provider.wait_for(lambda: any(
            "Reply 1-5" in m["form"].get("Body", "")
            for m in self.provider.messages()
            if m["form"].get("To") == THIRD), timeout=20))
        self.assertIn("Thank", sms_text(self.h.sms("4", frm=THIRD))[0])
        self.assertEqual(self.count("SELECT COUNT(*) FROM feedback"), 1)
        self.assertEqual(self.h.query("SELECT phone, status FROM programmes "
                                      "ORDER BY id"),
                         [[CALLER, "active"], [OTHER, "paused"]])
        self.assertEqual(self.h.query(
            "SELECT phone, CASE WHEN answered_at IS NULL THEN 'open' ELSE "
            "'answered' END FROM feedback_asks ORDER BY phone"),
            [[THIRD, "answered"], [CALLER, "open"]])

        # A month on, nothing of these has passed the 180 days.
        self.h.stop()
        self.h.advance(31 * DAY)
        lines = purge_lines(self.cli("purge", "--dry-run"))
        self.assertEqual(lines[("callbacks", "ended daily programmes")], "0")
        self.assertEqual(lines[("callbacks", "feedback questions asked")],
                         "0")

        # 181 days after enrolling: the paused programme and the answered
        # question are past; the one still running until its last day
        # (two weeks on) and its question are not.
        self.h.advance(150 * DAY)
        lines = purge_lines(self.cli("purge"))
        self.assertEqual(lines[("callbacks", "ended daily programmes")], "1")
        self.assertEqual(lines[("callbacks", "feedback questions asked")],
                         "1")
        self.assertEqual(self.h.query("SELECT phone FROM programmes"),
                         [[CALLER]])
        self.assertEqual(self.h.query("SELECT phone FROM feedback_asks"),
                         [[CALLER]])
        # Past its last day too: nothing of the numbers is left.
        self.h.advance(20 * DAY)
        self.cli("purge")
        self.assertEqual(self.count("SELECT COUNT(*) FROM programmes"), 0)
        self.assertEqual(self.count("SELECT COUNT(*) FROM feedback_asks"), 0)
        self.assertEqual(self.h.query("SELECT score, about FROM feedback"),
                         [["4", "guide"]])
        self.h.start()
        self.assertEqual(self.h.get("/healthz").status, 200)


class TestRetentionAppointments(AppointmentCase):
    """Appointments past their visit: words with the transcripts, the
    number with the callbacks (the report keeps counting the row), the row
    with the events; a request staff have not answered stays; a
    conversation left goes after a day."""

    def purge(self, *args):
        p = self.cli("purge", *args)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return purge_lines(p.stdout)

    def counted(self):
        return self.h.query("SELECT location, channel, status, created_at, "
                            "confirmed_at FROM appointments ORDER BY id")

    def test_appointments_and_conversations(self):
        self.assertIn("we got your appointment request", self.text(
            "BOOK Allen, any weekday afternoon, lower back pain")[0])
        self.assertIn("we got your appointment request", self.text(
            "BOOK Garland, mornings, shin splints", frm=OTHER)[0])
        self.text("APPOINTMENT", frm=THIRD)
        done, waiting = [it["id"] for it in sorted(self.items(),
                                                   key=lambda i: i["id"])]
        r = self.confirm(done)
        self.assertEqual(r.status, 200, r.text)
        counted = self.counted()
        self.assertEqual(self.h.query("SELECT COUNT(*) FROM "
                                      "appointment_convos"), [["1"]])

        # Two days on: only the conversation left is over.
        self.h.stop()
        self.h.advance(2 * DAY)
        lines = self.purge()
        self.assertEqual(lines[("conversation",
                                "appointment conversations left")], "1")
        self.assertEqual(self.h.query("SELECT COUNT(*) FROM "
                                      "appointment_convos"), [["0"]])
        self.assertEqual(lines[("transcripts",
                                "words of past appointments")], "0")

        # 35 days after the visit: the words of the one that is past.
        self.h.advance(35 * DAY)
        lines = self.purge()
        self.assertEqual(lines[("transcripts",
                                "words of past appointments")], "1")
        self.assertEqual(self.h.query(
            "SELECT phone, preferred, reason FROM appointments ORDER BY id"),
            [[CALLER, None, None],
             [OTHER, "mornings", "shin splints"]])

        # Past the callbacks' 180 days: its number too; the report's
        # counts are the same.
        self.h.advance(150 * DAY)
        lines = self.purge()
        self.assertEqual(lines[("callbacks",
                                "numbers of past appointments")], "1")
        self.assertEqual(self.h.query("SELECT CASE WHEN phone = '' THEN "
                                      "'blank' ELSE phone END FROM "
                                      "appointments ORDER BY id"),
                         [["blank"], [OTHER]])
        self.assertEqual(self.counted(), counted)

        # Past the events' 730 days: the row; the request staff never
        # answered is still someone waiting.
        self.h.advance(560 * DAY)
        lines = self.purge()
        self.assertEqual(lines[("events", "appointment records")], "1")
        self.assertEqual(self.h.query("SELECT id, phone, status FROM "
                                      "appointments"),
                         [[str(waiting), OTHER, "requested"]])
        for line in self.cli("purge", "--dry-run").stdout.splitlines()[1:]:
            self.assertIn(line.split()[2], ("0", "kept"), line)
        self.h.start()
        self.assertEqual(self.h.get("/healthz").status, 200)


if __name__ == "__main__":
    import unittest
    unittest.main()
