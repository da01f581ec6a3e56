"""Every promise true at the hour it is made (issue 9, points 2 and 3).

Red flags reach a person at any hour: each one pages the always-on
escalation list in safety.yaml at once through the outbox, the next
contact is paged when nobody acknowledges in time (a timer kept in the
store, so it outlives a restart), and paging stops when staff claim the
callback or a paged contact texts back.  What the texter or caller is
told is true at that hour: "staff call you first" only while the clinic
can call before it closes; otherwise the emergency advice and when the
clinic opens.

Waiting times: no reply, screen or API field gives minutes while no call
can come before closing; it names the opening instead.

The clock is the harness's only: a running pinned clock moved with
set_clock()/advance() and a restart."""
import json
import re
import unittest

from harness import CALLER, sms_text
import test_cli
from test_safety import Safety, prompt
from test_voice import Call, Voice

FIRST = "+18175550150"      # safety.yaml: the first escalation contact
SECOND = "+18175550151"     # the second (ack_minutes 10 for the first)

# Tuesday 2026-12-01 in Chicago; the dates have passed on purpose.
OPEN = "+2026-12-01T10:00:00-06:00"     # every clinic open
CLOSED = "+2026-12-01T22:00:00-06:00"   # every clinic closed
EVENING = "+2026-12-01T18:55:00-06:00"  # the last (Garland) closed at 18:00
CLOSING = "+2026-12-01T17:55:00-06:00"  # Garland open until 18:00 only
SATURDAY = "+2026-12-05T13:00:00-06:00"  # Fort Worth closed at noon
THANKSGIVING = "+2026-11-26T10:00:00-06:00"  # a holiday everywhere

NEXT_MORNING = "tomorrow at 7:30 AM"     # Allen opens first on weekdays
MINUTES = re.compile(r"\d+\s*(minutes?|minutos?|min)\b", re.I)


class Promises(Voice):
    env = {"HOTLINE_CLOCK": CLOSED}

    def texts(self, body, frm=CALLER):
        r = self.h.sms(body, frm=frm)
        self.assertEqual(r.status, 200, r.text)
        return sms_text(r)

    # The staff side as test_safety drives it.
    cli = Safety.cli
    staff_token = Safety.staff_token
    api = Safety.api

    def pages(self, phone):
        return [m for m in self.provider.messages()
                if m["form"].get("To") == phone]

    def wait_page(self, phone, n=1):
        ok = self.provider.wait_for(lambda: len(self.pages(phone)) >= n,
                                    timeout=20)
        self.assertTrue(ok, "no page to %s: %s" % (phone, self.h.log()[-3000:]))
        return self.pages(phone)[n - 1]["form"]["Body"]

    def entry(self, tok, phone=CALLER):
        cid = self.h.rows("SELECT id FROM callbacks WHERE phone = ?",
                          (phone,))[0][0]
        r = self.api("GET", "/api/v1/callbacks/%d" % cid, tok)
        self.assertEqual(r.status, 200, r.text)
        return r.json()

    def escalation(self, phone=CALLER):
        return self.h.rows("SELECT e.status, e.pages FROM escalations e JOIN "
                           "callbacks c ON c.id = e.callback_id WHERE "
                           "c.phone = ?", (phone,))


class TestRedFlagAfterHours(Promises):
    def test_texted_red_flag_pages_escalates_and_stops_on_a_reply(self):
        out = self.texts("I fell on a run and my legs feel numb")
        self.assertEqual(len(out), 1)
        self.assertIn("911", out[0])
        self.assertIn("emergency room", out[0])
        self.assertIn("after we open " + NEXT_MORNING, out[0])
        self.assertNotIn("call you first", out[0])
        self.assertIsNone(MINUTES.search(out[0]), out[0])

        # The first contact is paged at once, without the whole number.
        body = self.wait_page(FIRST)
        self.assertIn("RED FLAG by text", body)
        self.assertIn("0199", body)
        self.assertNotIn(CALLER, body)
        self.assertEqual(self.pages(SECOND), [])
        tok = self.staff_token()
        esc = self.entry(tok)["escalation"]
        self.assertEqual(esc["status"], "paging")
        self.assertEqual([p["contact"] for p in esc["pages"]],
                         ["On-call clinician"])
        self.assertIsNotNone(esc["next_page_at"])

        # Nobody answers in ten minutes: the next contact, after a restart.
        self.h.advance(11 * 60)
        self.h.restart()
        self.assertIn("RED FLAG by text", self.wait_page(SECOND))
        self.assertEqual(len(self.pages(FIRST)), 1)

        # The second contact texts back: acknowledged, nobody else paged.
        reply = self.texts("ok on it", frm=SECOND)
        self.assertEqual(len(reply), 1)
        self.assertIn("is yours", reply[0])
        esc = self.entry(tok)["escalation"]
        self.assertEqual(esc["status"], "acknowledged")
        self.assertIn("Clinical lead", esc["acknowledged_by"])
        self.assertIsNone(esc["next_page_at"])
        self.h.advance(60 * 60)
        self.h.restart()
        self.texts("TIPS", frm="+18175550333")  # the service is up and working
        self.assertEqual(self.escalation(), [("acknowledged", 2)])
        self.assertEqual((len(self.pages(FIRST)), len(self.pages(SECOND))),
                         (1, 1))
        # The person's place in line is untouched: staff still call back.
        self.assertEqual(self.h.rows("SELECT status, priority FROM callbacks "
                                     "WHERE phone = ?", (CALLER,)),
                         [("waiting", 1)])
        # The report counts it: paged, acknowledged, past the first contact.
        rep = json.loads(self.cli("report", "--since", "all", "--json"))
        sec = {x["name"]: x for x in rep["sections"]}["escalations"]
        self.assertEqual(sec["rows"][0][:5], [1, 1, 0, 0, 1])

    def test_spoken_red_flag_pages_and_a_claim_stops_it(self):
        c = Call(self, CALLER).start().say("my legs are numb and weak")
        said = c.text()
        self.assertIn(prompt("en", "emergency_flagged_closed") + " " +
                      NEXT_MORNING + ".", said)
        self.assertNotIn(prompt("en", "emergency_flagged"), said)
        self.assertIn(prompt("en", "emergency"), said)
        self.assertIn("RED FLAG on a call", self.wait_page(FIRST))

        tok = self.staff_token()
        cid = self.entry(tok)["id"]
        r = self.api("POST", "/api/v1/callbacks/%d/claim" % cid, tok)
        self.assertEqual(r.status, 200, r.text)
        esc = self.entry(tok)["escalation"]
        self.assertEqual(esc["status"], "acknowledged")
        self.assertEqual(esc["acknowledged_by"], "alice")
        self.h.advance(30 * 60)
        self.h.restart()
        self.texts("TIPS", frm="+18175550333")
        self.assertEqual(self.escalation(), [("acknowledged", 1)])
        self.assertEqual(self.pages(SECOND), [])

    def test_spoken_red_flag_in_spanish(self):
        c = Call(self, CALLER).start().press("9")
        c.say("me ca\u00ed y tengo fiebre")
        said = c.text()
        self.assertIn(prompt("es", "emergency_flagged_closed") +
                      " ma\u00f1ana a las 7:30 a. m.", said)
        self.assertNotIn(prompt("es", "emergency_flagged"), said)
        self.wait_page(FIRST)

    def test_one_escalation_per_entry_and_stop_wins_for_the_texter(self):
        self.texts("STOP")
        self.assertEqual(self.texts("I fell and cannot feel my legs"), [])
        self.wait_page(FIRST)
        # A second red flag from the same person: no second round of pages.
        self.texts("now I have a fever")
        self.assertEqual(self.escalation(), [("paging", 1)])
        self.assertEqual([m for m in self.provider.messages()
                          if m["form"].get("To") == CALLER], [])

    def test_a_reply_from_a_number_never_paged_is_an_ordinary_text(self):
        self.texts("I fell and cannot feel my legs")
        self.wait_page(FIRST)
        out = self.texts("ok", frm="+18175550333")
        self.assertNotIn("is yours", " ".join(out))
        self.assertEqual(self.escalation(), [("paging", 1)])


class TestRedFlagOpen(Promises):
    env = {"HOTLINE_CLOCK": OPEN}

    def test_texted_red_flag_during_hours_staff_call_first_and_paged(self):
        out = self.texts("I fell and my legs are numb")
        self.assertIn("911", out[0])
        self.assertIn("staff call you first", out[0])
        self.assertIn("RED FLAG by text", self.wait_page(FIRST))

    def test_spoken_red_flag_during_hours(self):
        c = Call(self, CALLER).start().say("my legs are numb and weak")
        said = c.text()
        self.assertIn(prompt("en", "emergency_flagged"), said)
        self.assertNotIn(prompt("en", "emergency_flagged_closed"), said)
        self.wait_page(FIRST)

    def test_spanish_red_flag_after_hours(self):
        self.h.set_clock(CLOSED.lstrip("+"))
        self.h.restart()
        out = self.texts("Me ca\u00ed y tengo fiebre")
        self.assertIn("llame al 911", out[0])
        self.assertIn("urgencias", out[0])
        self.assertIn("al abrir ma\u00f1ana a las 7:30 a. m.", out[0])
        self.assertNotIn("llamarle primero", out[0])


class TestWaitingTimes(Promises):
    env = {"HOTLINE_CLOCK": EVENING}

    def test_sms_callback_at_1855_names_the_opening(self):
        out = self.texts("CALLBACK")
        self.assertEqual(len(out), 1)
        self.assertIn("number 1 in line", out[0])
        self.assertIn("after we open " + NEXT_MORNING, out[0])
        self.assertIsNone(MINUTES.search(out[0]), out[0])
        # In Spanish too.
        out = self.texts("LLAMAME", frm="+18175550302")
        self.assertIn("cuando abramos ma\u00f1ana a las 7:30 a. m.", out[0])
        self.assertIsNone(MINUTES.search(out[0]), out[0])

    def test_api_and_cli_give_no_minutes_while_closed(self):
        self.texts("CALLBACK")
        tok = self.staff_token()
        it = self.api("GET", "/api/v1/callbacks", tok).json()["items"][0]
        self.assertIsNone(it["wait_minutes"])
        self.assertIsNone(it["estimate"]["minutes"])
        self.assertEqual(it["estimate"]["text"], "after we open " + NEXT_MORNING)
        self.assertTrue(it["estimate"]["opens_at"].startswith("2026-12-02T13:30:00"),
                        it["estimate"])
        listed = json.loads(self.cli("callbacks", "list", "--json"))
        self.assertIsNone(listed["items"][0]["wait_minutes"])
        self.assertEqual(listed["items"][0]["estimate"], it["estimate"])

    def test_voice_callback_after_hours_names_the_opening(self):
        c = Call(self, CALLER).start().press("4").press("3")
        c.press("1").press("1").press("3")
        said = c.text()
        self.assertIn(prompt("en", "callback_closed") + " tomorrow at 8 AM.",
                      said)
        self.assertNotIn(prompt("en", "callback_wait"), said)
        self.assertNotIn(prompt("en", "callback_minutes"), said)

    def test_closing_soon_names_the_next_opening(self):
        # 17:55: Garland is open five more minutes, a callback takes ten.
        self.h.set_clock(CLOSING.lstrip("+"))
        self.h.restart()
        out = self.texts("CALLBACK")
        self.assertIn("after we open " + NEXT_MORNING, out[0])
        self.assertIsNone(MINUTES.search(out[0]), out[0])

    def test_open_gives_minutes(self):
        self.h.set_clock(OPEN.lstrip("+"))
        self.h.restart()
        out = self.texts("CALLBACK")
        self.assertIn("within 10 minutes", out[0])
        tok = self.staff_token()
        it = self.api("GET", "/api/v1/callbacks", tok).json()["items"][0]
        self.assertEqual(it["wait_minutes"], 10)
        self.assertEqual(it["estimate"]["text"], "within 10 minutes")

    def test_weekend_and_holiday(self):
        self.h.set_clock(SATURDAY.lstrip("+"))
        self.h.restart()
        self.assertIn("after we open Monday at 7:30 AM",
                      self.texts("CALLBACK")[0])
        self.h.set_clock(THANKSGIVING.lstrip("+"))
        self.h.restart()
        # Thursday and the day after are holidays: Saturday, Fort Worth.
        self.assertIn("after we open Saturday at 9 AM",
                      self.texts("CALLBACK", frm="+18175550303")[0])


class TestEscalationConfig(unittest.TestCase):
    """check-config: the escalation list's mistakes as file:line."""

    setUp = test_cli.TestCheckConfig.setUp
    tearDown = test_cli.TestCheckConfig.tearDown
    edit = test_cli.TestCheckConfig.edit
    check = test_cli.TestCheckConfig.check
    assertProblem = test_cli.TestCheckConfig.assertProblem

    def test_bad_escalation_number(self):
        p, n = self.edit("safety.yaml", '"+18175550151"', '"call the lead"')
        self.assertProblem(p, n, "escalation phone 'call the lead'")

    def test_bad_email_and_minutes(self):
        p, n = self.edit("safety.yaml", '"oncall@example.org"',
                         '"oncall at example"')
        self.assertProblem(p, n, "not an e-mail address")
        p, n = self.edit("safety.yaml", "ack_minutes: 15", "ack_minutes: 0")
        self.assertProblem(p, n, "ack_minutes")

    def test_no_contacts_is_refused(self):
        p, n = self.edit("safety.yaml", "escalation:", "escalation_old:")
        r = self.check()
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, re.escape(p) + r":\d+: escalation is "
                         r"missing")
