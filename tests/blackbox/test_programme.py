"""The daily stretch programme (DAILY / DIARIO, PAUSE, STATUS) and feedback
("how helpful was this? Reply 1-5"): scheduled texts are outbox rows that
survive restarts, go at the person's local time outside quiet hours
(21:00-08:00), are skipped when more than a day late, and end at once on
PAUSE or any opt-out.  The clock is the harness's, moved with set_clock()
and a restart; the dates have passed on purpose."""
import json
import subprocess
import time
import unittest

import segments
from harness import CALLER, HOTLINE, HotlineTestCase, sms_text
from test_safety import Safety
from test_voice import Voice, prompt

# Tuesday 2026-12-01, 10:00 in Chicago (the caller's 817 is Central).
ENROL = "+2026-12-01T10:00:00-06:00"
EASTERN = "+12125550123"


class Programme(HotlineTestCase):
    env = {"HOTLINE_CLOCK": ENROL}

    def texts(self, body, frm=CALLER):
        r = self.h.sms(body, frm=frm)
        self.assertEqual(r.status, 200, r.text)
        out = sms_text(r)
        for t in out:
            enc, units, segs = segments.count(t)
            self.assertLessEqual(segs, segments.limit(enc, "es" if enc ==
                                 "UCS-2" else "en"), t)
        return out

    def at(self, when):
        self.h.stop()
        self.h.set_clock(when)
        self.h.start()

    def sent(self, to=CALLER):
        return [m["form"].get("Body", "") for m in self.provider.messages()
                if m["form"].get("To") == to]

    def wait_sent(self, pred, to=CALLER, timeout=10):
        return self.provider.wait_for(
            lambda: any(pred(b) for b in self.sent(to)), timeout=timeout)

    def test_enrol_by_text_day1_at_local_time_after_restarts(self):
        reply = self.texts("DAILY")
        self.assertEqual(len(reply), 1)
        self.assertIn("14 days", reply[0])
        self.assertIn("tomorrow at 9", reply[0])
        # Just before 09:00 the next day: nothing yet.
        self.at("2026-12-02T08:58:00-06:00")
        time.sleep(2)
        self.assertEqual(self.sent(), [])
        # Just after: day 1, with its page.
        self.at("2026-12-02T09:00:30-06:00")
        self.assertTrue(self.wait_sent(lambda b: "day 1 of 14" in b))
        body = [b for b in self.sent() if "day 1 of 14" in b][0]
        self.assertIn(self.h.base + "/g/stretch_child", body)
        self.assertLessEqual(segments.count(body)[2], 3)
        self.assertNotIn("day 2", " ".join(self.sent()))
        # STATUS: day 2 is next, tomorrow.
        st = self.texts("STATUS")[0]
        self.assertIn("day 2 of 14", st)
        self.assertIn("tomorrow at 9", st)
        # DAILY again: already in it, nothing new queued.
        self.assertIn("already", self.texts("daily")[0])

    def test_more_than_a_day_late_is_skipped(self):
        self.texts("DAILY")
        # Down until the third morning: day 1 is 24.5 hours late.
        self.at("2026-12-03T09:30:00-06:00")
        self.assertTrue(self.wait_sent(lambda b: "day 2 of 14" in b))
        time.sleep(1)
        self.assertFalse(any("day 1 of" in b for b in self.sent()))

    def test_quiet_hours_hold(self):
        reply = self.texts("DAILY 10pm")[0]
        # 22:00 is quiet: the first text waits for 08:00.
        self.assertIn("tomorrow at 8", reply)
        self.at("2026-12-01T22:30:00-06:00")
        time.sleep(2)
        self.assertEqual(self.sent(), [])
        self.at("2026-12-02T08:00:30-06:00")
        self.assertTrue(self.wait_sent(lambda b: "day 1 of 14" in b))

    def test_eastern_number_keeps_its_own_quiet_hours(self):
        # 07:30 in Chicago is 08:30 in New York; 7am there is quiet.
        self.texts("DAILY 7am", frm=EASTERN)
        self.at("2026-12-02T06:30:00-06:00")    # 07:30 Eastern
        time.sleep(2)
        self.assertEqual(self.sent(EASTERN), [])
        self.at("2026-12-02T07:00:30-06:00")    # 08:00:30 Eastern
        self.assertTrue(self.wait_sent(lambda b: "day 1 of 14" in b,
                                       to=EASTERN))

    def test_pause_ends_it(self):
        self.texts("DAILY")
        reply = self.texts("PAUSE")[0]
        self.assertIn("paused", reply)
        self.assertIn("not in the daily", self.texts("STATUS")[0])
        self.at("2026-12-02T09:00:30-06:00")
        time.sleep(2)
        self.assertEqual(self.sent(), [])

    def test_stop_ends_it(self):
        self.texts("DAILY")
        self.texts("stop texting me")
        self.at("2026-12-02T09:00:30-06:00")
        time.sleep(2)
        self.assertEqual(self.sent(), [])
        rows = self.h.query("SELECT status FROM programmes")
        self.assertEqual(rows, [["stopped"]])
        rows = self.h.query("SELECT COUNT(*) FROM outbox WHERE status = "
                            "'pending'")
        self.assertEqual(rows, [["0"]])

    def test_spanish(self):
        reply = self.texts("Diario 8:30am")[0]
        self.assertIn("14 días", reply)
        self.assertIn("mañana", reply)
        self.assertIn("ESTADO", reply)
        self.at("2026-12-02T08:30:30-06:00")
        self.assertTrue(self.wait_sent(lambda b: "día 1 de 14" in b))
        body = [b for b in self.sent() if "día 1 de 14" in b][0]
        self.assertIn("lang=es", body)
        self.assertLessEqual(segments.count(body)[2], 4)
        self.assertIn("llega", self.texts("ESTADO")[0])
        self.assertIn("pausa", self.texts("PAUSA")[0])

    def test_bad_time_changes_nothing(self):
        reply = self.texts("DAILY 25pm")[0]
        self.assertIn("could not read", reply)
        self.assertEqual(self.h.query("SELECT COUNT(*) FROM programmes"),
                         [["0"]])

    def test_last_day_asks_and_every_text_fits(self):
        self.texts("DAILY")
        bodies = [r[0] for r in self.h.query(
            "SELECT payload FROM outbox WHERE dedupe LIKE 'programme:%' "
            "ORDER BY id")]
        self.assertEqual(len(bodies), 14)
        for p in bodies:
            b = json.loads(p)["body"]
            self.assertLessEqual(segments.count(b)[2], 3, b)
        self.assertIn("Reply 1-5", json.loads(bodies[-1])["body"])

    def report(self):
        p = subprocess.run([HOTLINE, "--config", self.h.config, "report",
                            "--json", "--since", "all"], env=self.h.env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return {s["name"]: s for s in json.loads(p.stdout)["sections"]}

    def test_feedback_after_a_guide_appears_in_the_report(self):
        # A digit from a number never asked is no answer.
        self.texts("4")
        self.assertEqual(self.h.query("SELECT COUNT(*) FROM feedback"),
                         [["0"]])
        self.texts("STRETCH")
        self.at("2026-12-01T11:01:00-06:00")
        self.assertTrue(self.wait_sent(lambda b: "Reply 1-5" in b,
                                       timeout=20))
        self.assertIn("Thank", self.texts("4")[0])
        # Only one answer per question.
        self.texts("5")
        self.assertEqual(self.h.query("SELECT score, about, guide FROM "
                                      "feedback"), [["4", "guide",
                                                     "stretches"]])
        # No number, no words kept with the answer.
        cols = self.h.query("SELECT * FROM feedback")[0]
        self.assertNotIn(CALLER, " ".join(str(c) for c in cols))
        rep = self.report()
        self.assertEqual(rep["feedback_guides"]["rows"],
                         [["stretches", 1, 4.0]])
        self.assertEqual(rep["feedback_weeks"]["rows"][0][1:], [1, 4.0])
        m = self.h.get("/metrics").text
        self.assertIn('hotline_report_feedback_score{guide="stretches"} 4',
                      m)
        self.assertIn('hotline_report_feedback_answers{guide="stretches"} 1',
                      m)
        # A second guide the same week is not asked about again.
        self.texts("TIPS")
        self.at("2026-12-01T12:30:00-06:00")
        time.sleep(2)
        self.assertEqual(sum("Reply 1-5" in b for b in self.sent()), 1)

    cli = Safety.cli
    staff_token = Safety.staff_token
    api = Safety.api

    def test_feedback_after_a_callback_per_location(self):
        self.texts("CALLBACK")
        cid = int(self.h.query("SELECT id FROM callbacks")[0][0])
        tok = self.staff_token()
        self.assertEqual(self.api("POST", "/api/v1/callbacks/%d/done" % cid,
                                  tok, {"outcome": "reached"}).status, 200)
        self.at("2026-12-01T11:02:00-06:00")
        self.assertTrue(self.wait_sent(lambda b: "call back" in b and
                                       "Reply 1-5" in b, timeout=20))
        self.texts("5")
        rep = self.report()
        self.assertEqual(rep["feedback_locations"]["rows"],
                         [["(shared)", 1, 5.0]])

    def test_stop_wins_over_a_feedback_answer(self):
        self.texts("STRETCH")
        self.at("2026-12-01T11:01:00-06:00")
        self.assertTrue(self.wait_sent(lambda b: "Reply 1-5" in b,
                                       timeout=20))
        self.texts("STOP")
        self.texts("3")
        self.assertEqual(self.h.query("SELECT COUNT(*) FROM feedback"),
                         [["0"]])


class ProgrammeByCall(Voice):
    """The text menu's option 5 in a call enrols the caller's number."""
    env = {"HOTLINE_CLOCK": ENROL}

    sent = Programme.sent
    wait_sent = Programme.wait_sent
    at = Programme.at

    def test_enrol_by_call(self):
        c = self.call().start().press("6")
        self.assertIn("press 5", c.text())
        c.press("5")
        self.assertIn(prompt("en", "sms_sent"), c.text())
        self.assertEqual(c.node(), "text_menu")
        # The confirmation goes now, the days from tomorrow at 09:00.
        self.assertTrue(self.wait_sent(lambda b: "14 days" in b))
        self.assertEqual(self.h.query("SELECT source, language FROM "
                                      "programmes"), [["voice", "en"]])
        # Pressing it again in another call enrols nothing new.
        self.call().start().press("6").press("5")
        self.assertEqual(self.h.query("SELECT COUNT(*) FROM programmes"),
                         [["1"]])
        self.at("2026-12-02T09:00:30-06:00")
        self.assertTrue(self.wait_sent(lambda b: "day 1 of 14" in b))

    def test_enrol_by_call_in_spanish(self):
        c = self.call().start().press("9").press("6")
        self.assertIn("oprima 5", c.text())
        c.press("5")
        self.assertIn(prompt("es", "sms_sent"), c.text())
        self.assertTrue(self.wait_sent(lambda b: "14 días" in b))


if __name__ == "__main__":
    unittest.main()
