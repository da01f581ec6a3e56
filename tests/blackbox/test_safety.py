"""Safety and compliance guarantees, end to end against a real hotlined:
STOP always wins on every path that texts, red flags get the advice at once
and a priority callback, the emergency notice and the not-a-diagnosis
statement are where they belong, and nothing that identifies a person
reaches the log or the report tables."""
import json
import os
import re
import subprocess
import time
import unittest
import urllib.parse

from harness import (CALLER, HOTLINE, HotlineTestCase, LOG_E164, log_leaks,
                     sms_text, store_enqueue)

OPEN = "2026-12-01T10:00:00-06:00"      # Tuesday morning: every clinic open
CLOSED = "2026-12-01T22:00:00-06:00"    # Tuesday night: every clinic closed

# Bodies the normaliser must take for opt-out words: case, punctuation,
# spacing, accents, full-width forms, Spanish.
STOP_FORMS = ["stop", "Stop.", "  STOP!!  ", "S T O P", "\uff33\uff34\uff2f\uff30",
              "Unsubscribe", "opt-out", "Opt Out", "stopall", "Cancel", "end",
              "QUIT", "revoke", "Arr\u00eat", "ALTO", "parar", "No m\u00e1s",
              "NO MAS", "darme de baja", "Basta!", "STOP \U0001f64f",
              "\u270b stop \u270b"]
SPANISH_STOP = {"ALTO", "parar", "No m\u00e1s", "NO MAS", "darme de baja",
                "Basta!"}


def prompt(lang, pid):
    here = os.path.dirname(os.path.abspath(__file__))
    top = os.environ.get("top_srcdir", os.path.join(here, "..", ".."))
    with open(os.path.join(top, "prompts", lang, pid + ".txt")) as f:
        return f.read().strip()


def said(resp):
    """Everything a voice answer says or plays, in order, one string."""
    out = []
    for el in resp.xml().iter():
        if el.tag == "Say":
            out.append((el.text or "").strip())
        elif el.tag == "Play":
            out.append("[play %s]" % (el.text or "").strip())
    return " ".join(out)


class Safety(HotlineTestCase):
    env = {"HOTLINE_CLOCK": OPEN}

    # --- helpers -----------------------------------------------------------

    def number(self, n):
        return "+1817555%04d" % (300 + n)

    def texts(self, body, frm=CALLER, extra=None):
        r = self.h.sms(body, frm=frm, extra=extra)
        self.assertEqual(r.status, 200, r.text)
        return sms_text(r)

    def opted_out(self, phone):
        rows = self.h.rows("SELECT opted_out FROM optouts WHERE phone = ?",
                           (phone,))
        return bool(rows and rows[0][0])

    def sent_to(self, phone):
        return [m for m in self.provider.messages()
                if m["form"].get("To") == phone]

    def cli(self, *args, stdin=None):
        p = subprocess.run([HOTLINE, "--config", self.h.config] + list(args),
                           input=stdin, capture_output=True, text=True,
                           env=self.h.env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def staff_token(self, name="alice"):
        self.cli("staff", "add", name, "--password-stdin", "--locations", "*",
                 stdin="s3cret-pass-phrase\n")
        return self.cli("staff", "token", name).strip().splitlines()[-1]

    def api(self, method, path, token, body=None):
        h = {"Authorization": "Bearer " + token}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        return self.h.request(method, path, body=data, headers=h)

    def call(self, frm=CALLER):
        sid = "CA" + os.urandom(16).hex()
        r = self.h.webhook("/voice/incoming", self.h.call_params(sid, frm=frm))
        self.assertEqual(r.status, 200, r.text)
        return sid, r

    def step(self, sid, r, frm=CALLER, **params):
        g = r.xml().find(".//Gather")
        self.assertIsNotNone(g, "expected a menu: " + r.text)
        r = self.h.follow(g.get("action"),
                          dict(self.h.call_params(sid, frm=frm), **params))
        self.assertEqual(r.status, 200, r.text)
        return r

    def staff_cannot_text_after(self, stop):
        """After the texter opts out with the words stop, staff cannot
        retry a text to them (told why) and their callback ending
        unreachable texts nothing."""
        tok = self.staff_token()
        # A text the provider refused for good, before the STOP.
        self.provider.fail = [(400, {"code": 21211, "message": "bad number"})]
        store_enqueue(self.h, "sms", CALLER,
                      json.dumps({"to": CALLER, "body": "hello"}),
                      "test:refused")
        self.assertTrue(self.provider.wait_for(lambda: self.h.rows(
            "SELECT status FROM outbox WHERE dedupe = 'test:refused'")
            == [("failed",)]))
        mid = self.h.rows("SELECT id FROM outbox WHERE dedupe = "
                          "'test:refused'")[0][0]
        self.texts("CALLBACK")
        before = len(self.sent_to(CALLER))
        self.assertEqual(len(self.texts(stop)), 1)

        r = self.api("POST", "/api/v1/messages/%d/retry" % mid, tok)
        self.assertEqual(r.status, 409, r.text)
        self.assertIn("STOP", r.text)

        cid = self.api("GET", "/api/v1/callbacks", tok).json()["items"][0]["id"]
        for outcome in ("no_answer", "busy", "no_answer"):
            r = self.api("POST", "/api/v1/callbacks/%d/done" % cid, tok,
                         {"outcome": outcome})
            self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json()["status"], "unreachable")
        self.settle()
        self.assertEqual(len(self.sent_to(CALLER)), before)
        self.assertEqual(self.h.rows(
            "SELECT COUNT(*) FROM outbox WHERE dedupe LIKE 'cb:%'"), [(0,)])

    def settle(self, seconds=1.5):
        """Give the outbox dispatcher (500 ms tick) time to act."""
        time.sleep(seconds)


class TestStopWins(Safety):
    def test_every_form_of_stop_opts_out_with_one_confirmation(self):
        for i, word in enumerate(STOP_FORMS):
            phone = self.number(i)
            out = self.texts(word, frm=phone)
            self.assertEqual(len(out), 1, "%r: %r" % (word, out))
            self.assertTrue(self.opted_out(phone), word)
            if word in SPANISH_STOP:
                self.assertIn("COMENZAR", out[0], word)
            else:
                self.assertIn("START", out[0], word)
            # Nothing more, not even a second confirmation.
            self.assertEqual(self.texts("STRETCH", frm=phone), [], word)
            self.assertEqual(self.texts(word, frm=phone), [], word)

    def test_stop_inside_a_sentence(self):
        """FCC 24-24: a sentence asking us to stop opts out, with one
        confirmation; one using the word about something else is answered
        and says how to opt out."""
        for i, body in enumerate(("stop sending me stretches",
                                  "Please stop texting me",
                                  "unsubscribe me please")):
            phone = self.number(40 + i)
            out = self.texts(body, frm=phone)
            self.assertTrue(self.opted_out(phone), body)
            self.assertEqual(len(out), 1, body)
            self.assertIn("unsubscribed", out[0], body)
        for body in ("how do I stop my back hurting after a run",
                     "can I cancel my appointment"):
            out = self.texts(body)
            self.assertFalse(self.opted_out(CALLER), body)
            self.assertEqual(len(out), 1, body)
            self.assertIn("STOP to opt out", out[0], body)

    def test_outbox_text_queued_before_stop_is_held_at_send_time(self):
        # Queued by another part of the service, not yet due.
        now = int(self.h.now())
        self.h.rows("INSERT INTO outbox (kind, dedupe, recipient, payload, "
                    "status, attempts, next_at, created_at, updated_at) "
                    "VALUES ('sms', 'voice:CAx:guide:stretches:0', ?, ?, "
                    "'pending', 0, 9999999999, ?, ?)",
                    (CALLER, json.dumps({"to": CALLER, "body": "a guide"}),
                     now, now))
        self.assertEqual(len(self.texts("STOP")), 1)
        self.h.rows("UPDATE outbox SET next_at = 0")
        self.assertTrue(self.provider.wait_for(lambda: self.h.rows(
            "SELECT status FROM outbox")[0][0] != "pending"))
        self.settle()
        self.assertEqual(self.h.rows("SELECT status FROM outbox"),
                         [("suppressed",)])
        self.assertEqual(self.sent_to(CALLER), [])

    def test_voice_text_me_this_after_stop_sends_nothing(self):
        self.texts("STOP")
        sid, r = self.call()
        r = self.step(sid, r, Digits="2")           # guided stretches
        r = self.step(sid, r, Digits="3")           # text me this
        self.assertIn(prompt("en", "sms_no_number"), said(r))
        self.assertNotIn(prompt("en", "sms_sent"), said(r))
        r = self.step(sid, r, SpeechResult="text me this", Confidence="0.9")
        self.assertIn(prompt("en", "sms_no_number"), said(r))
        self.settle()
        self.assertEqual(self.sent_to(CALLER), [])
        self.assertEqual(self.h.rows("SELECT COUNT(*) FROM outbox WHERE "
                                     "recipient = ?", (CALLER,)), [(0,)])
        # START: the same request texts again.
        self.texts("START")
        sid, r = self.call()
        r = self.step(sid, r, Digits="2")
        r = self.step(sid, r, Digits="3")
        self.assertIn(prompt("en", "sms_sent"), said(r))
        self.assertTrue(self.provider.wait_for(lambda: self.sent_to(CALLER)))

    def test_provider_opt_out_type_and_error_21610(self):
        # Advanced Opt-Out: the provider confirms, we record and stay quiet.
        out = self.texts("stop please", extra={"OptOutType": "STOP"})
        self.assertEqual(out, [])
        self.assertTrue(self.opted_out(CALLER))
        self.assertEqual(self.texts("TIPS"), [])
        out = self.texts("start", extra={"OptOutType": "START"})
        self.assertFalse(self.opted_out(CALLER))
        self.assertNotEqual(self.texts("TIPS"), [])
        # The provider refusing a send with 21610 opts the number out.
        other = self.number(90)
        self.provider.fail = [(400, {"code": 21610, "message":
                                     "Attempt to send to unsubscribed recipient"})]
        store_enqueue(self.h, "sms", other,
                      json.dumps({"to": other, "body": "hello"}), "test:21610")
        self.assertTrue(self.provider.wait_for(lambda: self.opted_out(other)))
        self.assertEqual(self.texts("STRETCH", frm=other), [])


class TestStopWinsClosed(Safety):
    env = {"HOTLINE_CLOCK": CLOSED}

    def test_voice_address_by_text_after_stop_sends_nothing(self):
        self.texts("ALTO")
        sid, r = self.call()
        r = self.step(sid, r, Digits="4")           # find a clinic
        r = self.step(sid, r, Digits="1")           # Fort Worth (closed)
        r = self.step(sid, r, Digits="2")           # text me the address
        self.assertIn(prompt("en", "sms_no_number"), said(r))
        self.settle()
        self.assertEqual(self.sent_to(CALLER), [])


class TestStopWinsStaff(Safety):
    def test_unreachable_text_and_staff_retry_after_stop(self):
        self.staff_cannot_text_after("Stop")


class TestRedFlags(Safety):
    def test_sms_red_flag_advice_and_first_in_queue(self):
        tok = self.staff_token()
        self.texts("CALLBACK", frm=self.number(1))
        cases = [("I fell on a run and my legs feel numb", "911"),
                 ("lost control of my bladder", "911"),
                 ("I have a FEVER and back pain", "911"),
                 ("weakness in my left leg", "911"),
                 ("Me ca\u00ed y tengo fiebre", "llame al 911"),
                 ("no puedo controlar la vejiga", "llame al 911"),
                 ("this is an emergency", "911")]
        for i, (body, words) in enumerate(cases):
            phone = self.number(10 + i)
            out = self.texts(body, frm=phone)
            self.assertEqual(len(out), 1, body)
            self.assertIn(words, out[0], body)
            rows = self.h.rows("SELECT priority, status FROM callbacks WHERE "
                               "phone = ?", (phone,))
            self.assertEqual(rows, [(1, "waiting")], body)
        items = self.api("GET", "/api/v1/callbacks", tok).json()["items"]
        self.assertEqual([it["priority"] for it in items],
                         [1] * len(cases) + [0])

    def test_red_flag_from_an_opted_out_number(self):
        """No text (STOP wins), but staff are flagged to call: a call is
        not a text."""
        self.texts("STOP")
        self.assertEqual(self.texts("I fell and cannot feel my legs"), [])
        self.assertEqual(self.h.rows("SELECT priority FROM callbacks WHERE "
                                     "phone = ?", (CALLER,)), [(1,)])
        self.settle()
        self.assertEqual(self.sent_to(CALLER), [])

    def test_red_flag_from_a_throttled_number_gets_the_advice(self):
        for _ in range(5):
            self.assertNotEqual(self.texts("TIPS"), [])
        self.assertEqual(self.texts("TIPS"), [], "throttle did not hold")
        out = self.texts("I fell and now my legs are numb")
        self.assertEqual(len(out), 1, "advice held back by the throttle")
        self.assertIn("911", out[0])
        self.assertEqual(self.h.rows("SELECT priority FROM callbacks WHERE "
                                     "phone = ?", (CALLER,)), [(1,)])
        # An auto-responder echoing the advice back does not loop.
        self.assertEqual(self.texts(out[0]), [])

    def test_voice_red_flag_speech_advice_in_the_same_answer(self):
        for lang, words, press in (("en", "my legs are numb and weak", []),
                                   ("es", "me ca\u00ed y tengo fiebre", ["9"])):
            phone = self.number(50 if lang == "en" else 51)
            sid, r = self.call(frm=phone)
            for k in press:
                r = self.step(sid, r, frm=phone, Digits=k)
            r = self.step(sid, r, frm=phone, SpeechResult=words,
                          Confidence="0.8")
            self.assertIn(prompt(lang, "emergency"), said(r))
            self.assertIsNotNone(r.xml().find(".//Gather"))
            self.assertEqual(self.h.rows("SELECT priority, topic FROM "
                                         "callbacks WHERE phone = ?", (phone,)),
                             [(1, "red_flag")])


class TestNotices(Safety):
    def test_first_answer_emergency_before_menu_disclaimer_once(self):
        sid, r = self.call()
        first = said(r)
        emergency = prompt("en", "emergency")
        disclaimer = prompt("en", "disclaimer")
        menu = prompt("en", "main_menu")
        self.assertIn(emergency, first)
        self.assertIn(menu, first)
        self.assertLess(first.index(emergency), first.index(menu))
        self.assertLess(first.index(disclaimer), first.index(menu))
        docs = [first]
        for keys in ("2", "1", "#", "1", "*", "#"):
            r = self.step(sid, r, Digits=keys)
            docs.append(said(r))
        self.assertEqual(" ".join(docs).count(disclaimer), 1)

    def test_help_says_not_a_diagnosis(self):
        self.assertIn("not a diagnosis", self.texts("HELP")[0])
        self.assertIn("no un diagn\u00f3stico", self.texts("Ayuda")[0])


class TestNoPatientData(Safety):
    def test_events_and_report_hold_no_numbers_or_text(self):
        bodies = ["my knees hurt when I run downhill",
                  "I fell and my legs are numb"]
        for b in bodies + ["STRETCH", "STOP", "START", "CALLBACK"]:
            self.texts(b)
        sid, r = self.call()
        r = self.step(sid, r, Digits="2")
        self.step(sid, r, SpeechResult="my back hurts so much", Confidence="0.7")
        digits = CALLER[2:]
        for table in ("events", "calls"):
            for row in self.h.rows("SELECT * FROM %s" % table):
                for cell in row:
                    cell = "" if cell is None else str(cell)
                    self.assertNotIn(digits, cell, table)
                    self.assertNotIn(digits[-7:], cell, table)
                    for b in bodies + ["my back hurts"]:
                        self.assertNotIn(b, cell, table)
        subjects = self.h.rows("SELECT DISTINCT subject FROM events WHERE "
                               "kind = 'sms.in'")
        self.assertEqual(len(subjects), 1)
        self.assertRegex(subjects[0][0], r"^[0-9a-f]{16}$")
        report = self.cli("report")
        self.assertIsNone(LOG_E164.search(report), report)
        self.assertNotIn(digits, report)

    def test_log_check_catches_a_number_and_a_body(self):
        """The harness's log check is not blind."""
        log = "x sms: sender=+1817***0199 +0000 2026\nto +18175550142 now\n"
        self.assertEqual(log_leaks(log), ["phone number +18175550142"])
        self.assertEqual(log_leaks("keyword=stop", ["my legs are numb"]), [])
        self.assertEqual(len(log_leaks("got: my legs are numb",
                                       ["my legs are numb"])), 1)



class TestLogMasking(Safety):
    env = {}        # the real clock: a retry's backoff has to pass

    def test_provider_error_quoting_the_number_stays_out_of_the_log(self):
        """The provider's error message can quote the number; the log says
        why a send failed without it (tearDown checks the log)."""
        other = self.number(70)
        self.provider.fail = [
            (500, {"code": 20500, "message": "Internal error sending to %s"
                   % other}),
            (400, {"code": 21211, "message": "The 'To' number %s is not a "
                   "valid phone number." % other})]
        store_enqueue(self.h, "sms", other,
                      json.dumps({"to": other, "body": "hello"}), "test:21211")
        self.assertTrue(self.provider.wait_for(lambda: self.h.rows(
            "SELECT status FROM outbox") == [("failed",)], timeout=20))
        self.settle(0.5)
        log = self.h.log()
        self.assertIn("error 21211: The 'To' number +1817***0370 is not", log)
        self.assertIn("error 20500: Internal error sending to +1817***0370",
                      log)
        self.assertNotIn(other, log)


if __name__ == "__main__":
    unittest.main()
