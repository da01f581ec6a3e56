"""The SMS hotline as a texter sees it: keywords, compliance (STOP always
wins, on every path), HELP, clinics by ZIP, red flags, throttling,
redelivered webhooks and delivery status callbacks."""
import os
import time
import unittest
import xml.etree.ElementTree as ET

import segments
from harness import HotlineTestCase, sms_text, store_enqueue, CALLER

# Tuesday 1 December 2026, 10:00 in Texas: every clinic is open.
OPEN_CLOCK = "+2026-12-01T10:00:00-06:00"
# Sunday 29 November 2026, 10:00: every clinic is closed.
CLOSED_CLOCK = "+2026-11-29T10:00:00-06:00"


def number(i):
    """A distinct texter per scenario (replies are throttled per number)."""
    return "+1817555%04d" % (100 + i)


def q(s):
    return "'" + s.replace("'", "''") + "'"


class SmsCase(HotlineTestCase):
    def texts(self, body, frm=CALLER, **kw):
        r = self.h.sms(body, frm=frm, **kw)
        self.assertEqual(r.status, 200, r.text)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("text/xml"))
        return sms_text(r)

    def one(self, body, frm=CALLER):
        t = self.texts(body, frm)
        self.assertEqual(len(t), 1, t)
        return t[0]

    def count(self, sql):
        return int(self.h.query(sql)[0][0])

    def seed_sms(self, to, body, dedupe):
        """A text queued by another part of the service (voice "text me",
        a staff notice): a row in the outbox, as they write it."""
        payload = '{"to": "%s", "body": "%s"}' % (to, body)
        store_enqueue(self.h, "sms", to, payload, dedupe)


class TestKeywords(SmsCase):
    env = {"HOTLINE_CLOCK": OPEN_CLOCK}

    def test_stretch_is_one_text_with_the_guide_page_link(self):
        # One message, not the steps in many: separate texts can arrive in
        # any order, and each segment is billed.  The steps are on the page.
        t = self.one("STRETCH")
        self.assertIn("4 gentle stretches", t)
        self.assertIn(self.h.base + "/g/stretches", t)
        self.assertNotIn("?lang=", t)
        self.assertNotIn("Breathe slowly", t)
        self.assertNotIn("pause", t.lower())
        self.assertNotIn("(1/", t)
        self.assertIn("STOP to opt out", t)
        self.assertTrue(segments.is_gsm7(t), t)
        self.assertLessEqual(segments.count(t)[2], 3, t)
        # The link is the page the texter can open.
        page = self.h.get("/g/stretches")
        self.assertEqual(page.status, 200)
        for title in ("Child&apos;s pose", "Knee-to-chest", "Cat-cow",
                      "Piriformis"):
            self.assertIn(title, page.text)
        # Misspelt and plural forms work too.
        self.assertIn("/g/stretches", self.one("strech", frm=number(1)))

    def test_tips_recover_treatment(self):
        self.assertIn("/g/prevention", self.one("TIPS"))
        self.assertIn("/g/prevention", self.one("prevent"))
        self.assertIn("flare-up", self.one("Recover"))
        self.assertIn("/g/recovery", self.one("Recover"))
        self.assertIn("/g/treatment", self.one("treatment"))

    def test_clinics_and_hours(self):
        t = self.one("CLINIC")
        for name in ("Fort Worth", "Allen", "Coppell", "Garland"):
            self.assertIn(name, t)
        self.assertIn("(817) 555-0101", t)
        self.assertIn("Open now.", t)
        self.assertIn("ZIP", t)
        h = self.one("hours", frm=number(2))
        self.assertIn("Today's hours", h)
        self.assertIn("Fort Worth: 8 AM to 5 PM. Open now.", h)
        self.assertIn("Allen: 7:30 AM to 5 PM", h)

    def test_zip_gives_the_nearest_clinic(self):
        cases = [("76102", "Fort Worth"), ("75040", "Garland"),
                 ("75013", "Allen"), ("75019", "Coppell")]
        for i, (z, name) in enumerate(cases):
            t = self.one(z, frm=number(10 + i))
            self.assertIn("Nearest clinic to %s" % z, t)
            self.assertIn(name + ":", t)
            self.assertIn("Placeholder", t)
            self.assertIn("Open now.", t)
            for other in ("Fort Worth", "Garland", "Allen", "Coppell"):
                if other != name:
                    self.assertNotIn(other + ":", t)
        self.assertIn("100 Placeholder Street", self.one("76102",
                                                         frm=number(15)))
        t = self.one("00000", frm=number(20))
        self.assertIn("do not know the ZIP code 00000", t)

    def test_callback_joins_the_queue_with_place_in_line(self):
        t = self.one("CALLBACK")
        self.assertIn("number 1 in line", t)
        self.assertIn("minutes", t)
        t = self.one("call me", frm=number(3))
        self.assertIn("number 2 in line", t)
        t = self.one("callback")
        self.assertIn("already in line", t)
        self.assertIn("number 1", t)
        rows = self.h.query("SELECT source, priority, status FROM callbacks "
                            "ORDER BY id")
        self.assertEqual(rows, [["sms", "0", "waiting"], ["sms", "0", "waiting"]])

    def test_spanish_keywords_answer_in_spanish(self):
        t = self.one("ESTIRAR")
        self.assertIn("4 estiramientos", t)
        self.assertIn(self.h.base + "/g/stretches?lang=es", t)
        self.assertIn("ALTO para cancelar", t)
        self.assertLessEqual(segments.count(t)[2], 4, t)
        self.assertIn("Postura del niño",
                      self.h.get("/g/stretches?lang=es").text)
        # The number's language is remembered for the fallback.
        self.assertIn("ESTIRAR", self.one("hola"))
        self.assertIn("llame al 911", self.one("AYUDA"))
        t = self.one("clínicas", frm=number(4))
        self.assertIn("Clínicas NorTex", t)
        self.assertIn("abierta ahora", t)
        self.assertIn("OK, we will reply in English", self.one("english"))

    def test_anything_else_gets_the_keyword_list(self):
        t = self.one("hello there, is anyone around?")
        for word in ("STRETCH", "TIPS", "CLINIC", "CALLBACK", "HELP", "STOP"):
            self.assertIn(word, t)
        self.assertLessEqual(len(t), 200)

    def test_every_text_is_recorded_and_bodies_stay_out_of_the_log(self):
        self.texts("TIPS")
        self.texts("my secret words here")
        rows = self.h.query("SELECT direction, keyword, body FROM messages "
                            "WHERE direction = 'in' ORDER BY id")
        self.assertEqual(rows[0][:2], ["in", "tips"])
        self.assertEqual(rows[1], ["in", "fallback", "my secret words here"])
        self.assertGreaterEqual(self.count(
            "SELECT COUNT(*) FROM messages WHERE direction = 'out' AND "
            "keyword = 'tips'"), 1)
        self.assertNotIn("my secret words here", self.h.log())


class TestClosed(SmsCase):
    env = {"HOTLINE_CLOCK": CLOSED_CLOCK}

    def test_zip_when_closed_says_when_it_opens(self):
        t = self.one("76102")
        self.assertIn("Fort Worth", t)
        self.assertIn("closed today", t)
        self.assertIn("Closed now; opens tomorrow at 8 AM.", t)


class TestCompliance(SmsCase):
    def test_help_content(self):
        t = self.one("HELP")
        self.assertIn("NorTex Spine & Joint", t)
        self.assertIn("stretches", t)
        self.assertIn("STOP", t)
        self.assertIn("(817) 555-0100", t)
        self.assertIn("911", t)
        self.assertIn("not a diagnosis", t)
        self.assertEqual(self.one("info"), t)

    def test_stop_silence_everywhere_then_start(self):
        self.assertTrue(self.texts("TIPS"))
        t = self.one("STOP")
        self.assertIn("unsubscribed", t)
        self.assertIn("START", t)
        # Nothing more by reply, whatever is texted.
        for body in ("STRETCH", "HELP", "hello", "STOP", "76102", "CALLBACK"):
            self.assertEqual(self.texts(body), [], body)
        # Nor through the outbox (voice "text me", staff, notifications).
        self.seed_sms(CALLER, "queued after the opt-out", "test:after-stop")
        self.assertTrue(self.provider.wait_for(lambda: self.h.query(
            "SELECT status FROM outbox WHERE dedupe = 'test:after-stop'")
            == [["suppressed"]], timeout=10))
        self.assertEqual(self.provider.messages(), [])
        # A red flag still reaches staff, without a text back.
        self.assertEqual(self.texts("I fell and can't feel my legs"), [])
        self.assertEqual(self.h.query("SELECT priority, source FROM callbacks"),
                         [["1", "sms"]])
        audit = self.h.query("SELECT action, source, keyword FROM optout_audit "
                             "ORDER BY id")
        self.assertEqual(audit[0], ["out", "sms", "stop"])
        # Back in.
        self.assertIn("subscribed again", self.one("START"))
        self.assertIn("/g/stretches", self.one("STRETCH"))
        self.assertEqual(self.h.query("SELECT opted_out FROM optouts"), [["0"]])
        self.seed_sms(CALLER, "after the opt-in", "test:after-start")
        # (Staff on call were paged about the red flag meanwhile.)
        to_caller = lambda: [m for m in self.provider.messages()
                             if m["form"].get("To") == CALLER]
        self.assertTrue(self.provider.wait_for(
            lambda: len(to_caller()) == 1, timeout=10))
        self.assertEqual(to_caller()[0]["form"]["Body"], "after the opt-in")

    def test_opt_out_words_in_any_form(self):
        words = ["Stop.", "s t o p", "Opt-Out", "UNSUBSCRIBE", "stop all",
                 "ARRÊT", "quit!", "End", "revoke", "cancel", "remove"]
        for i, w in enumerate(words):
            t = self.texts(w, frm=number(30 + i))
            self.assertEqual(len(t), 1, w)
            self.assertIn("unsubscribed", t[0], w)
        t = self.one("alto", frm=number(50))
        self.assertIn("canceló su suscripción", t)
        self.assertEqual(self.count("SELECT COUNT(*) FROM optouts WHERE "
                                    "opted_out = 1"), len(words) + 1)

    def test_stop_in_a_sentence(self):
        """FCC 24-24: "stop" in a reply that asks us to stop is an opt-out;
        the same word about something else is answered, with how to opt
        out (more phrasings in test_optout.py)."""
        t = self.one("how do I stop my back hurting after a run")
        self.assertNotIn("unsubscribed", t)
        self.assertIn("STOP to opt out", t)
        self.assertEqual(self.count("SELECT COUNT(*) FROM optouts"), 0)
        t = self.one("stop sending me tips please")
        self.assertIn("unsubscribed", t)
        self.assertEqual(self.h.query("SELECT opted_out, source FROM optouts"),
                         [["1", "sms"]])

    def test_provider_opt_out_type(self):
        # With Advanced Opt-Out the provider confirms; we record and stay silent.
        r = self.h.sms("Please stop", extra={"OptOutType": "STOP"})
        self.assertEqual(sms_text(r), [])
        self.assertEqual(self.h.query("SELECT opted_out, source FROM optouts"),
                         [["1", "provider"]])
        self.assertEqual(self.texts("TIPS"), [])

    def test_opt_out_is_never_throttled(self):
        frm = number(60)
        for _ in range(5):
            self.assertTrue(self.texts("hello", frm=frm))
        self.assertEqual(self.texts("hello", frm=frm), [])
        self.assertIn("unsubscribed", self.one("STOP", frm=frm))


class TestSafetyAndRobustness(SmsCase):
    def test_red_flag_gets_emergency_advice_and_a_priority_callback(self):
        t = self.one("my legs are numb and I lost bladder control")
        self.assertIn("call 911", t)
        rows = self.h.query("SELECT priority, source, status FROM callbacks")
        self.assertEqual(rows, [["1", "sms", "waiting"]])
        t = self.one("Tengo fiebre y me caí", frm=number(5))
        self.assertIn("llame al 911", t)
        self.assertEqual(self.count("SELECT COUNT(*) FROM callbacks WHERE "
                                    "priority = 1"), 2)

    def test_xml_special_body_is_safe(self):
        body = '</Body></Message><Message>&amp; <Redirect>x</Redirect> "\' ]]>'
        r = self.h.sms(body)
        self.assertEqual(r.status, 200)
        root = ET.fromstring(r.body)
        self.assertEqual(root.tag, "Response")
        self.assertEqual([c.tag for c in root], ["Message"])
        self.assertIsNone(root.find(".//Redirect"))
        self.assertIn("STRETCH", sms_text(r)[0])
        self.assertEqual(self.h.query(
            "SELECT body FROM messages WHERE direction = 'in'"), [[body]])

    def test_redelivered_webhook_is_acted_on_once(self):
        sid = "SM" + "ab" * 16
        first = self.h.sms("CALLBACK", sid=sid)
        second = self.h.sms("CALLBACK", sid=sid)
        self.assertEqual(first.status, 200)
        self.assertEqual(first.body, second.body)
        self.assertIn("number 1 in line", sms_text(first)[0])
        self.assertEqual(self.count("SELECT COUNT(*) FROM callbacks"), 1)
        self.assertEqual(self.count("SELECT COUNT(*) FROM messages WHERE "
                                    "direction = 'in'"), 1)
        stop = "SM" + "cd" * 16
        a = self.h.sms("STOP", sid=stop, frm=number(6))
        b = self.h.sms("STOP", sid=stop, frm=number(6))
        self.assertEqual(a.body, b.body)
        self.assertIn("unsubscribed", sms_text(b)[0])
        self.assertEqual(self.count("SELECT COUNT(*) FROM optout_audit"), 1)

    def test_a_looping_auto_responder_is_throttled(self):
        answered = [bool(self.texts("Thanks for your message!"))
                    for _ in range(8)]
        self.assertEqual(answered, [True] * 5 + [False] * 3)
        self.assertEqual(self.count("SELECT COUNT(*) FROM messages WHERE "
                                    "direction = 'in'"), 8)
        self.assertEqual(self.count("SELECT COUNT(*) FROM messages WHERE "
                                    "status = 'throttled'"), 3)
        # Another number is not affected.
        self.assertTrue(self.texts("hello", frm=number(7)))

    def test_unsigned_or_malformed_webhooks_are_refused(self):
        params = {"MessageSid": "SM1", "From": CALLER, "Body": "STOP"}
        self.assertEqual(self.h.webhook("/sms/incoming", params,
                                        signed=False).status, 403)
        self.assertEqual(self.count("SELECT COUNT(*) FROM optouts"), 0)
        r = self.h.webhook("/sms/incoming", {"From": CALLER, "Body": "x"})
        self.assertEqual(r.status, 400)
        r = self.h.webhook("/sms/incoming", {"MessageSid": "SM2",
                                             "From": "not a phone"})
        self.assertEqual(r.status, 400)


class TestStatus(SmsCase):
    def test_delivery_status_is_recorded(self):
        self.seed_sms(CALLER, "your guide", "test:status")
        self.assertTrue(self.provider.wait_for(
            lambda: self.h.query("SELECT status FROM outbox") == [["sent"]]))
        sid = self.h.query("SELECT provider_sid FROM outbox")[0][0]
        self.assertEqual(sid, self.provider.messages()[0]["sid"])
        r = self.h.webhook("/sms/status", {"MessageSid": sid,
                                           "MessageStatus": "delivered",
                                           "To": CALLER})
        self.assertIn(r.status, (200, 204))
        self.assertEqual(self.h.query("SELECT status FROM outbox"),
                         [["delivered"]])
        self.assertEqual(self.h.query(
            "SELECT status FROM messages WHERE sid = %s" % q(sid)),
            [["delivered"]])
        # A late "sent" does not undo "delivered".
        self.h.webhook("/sms/status", {"MessageSid": sid,
                                       "MessageStatus": "sent"})
        self.assertEqual(self.h.query(
            "SELECT status FROM messages WHERE sid = %s" % q(sid)),
            [["delivered"]])

    def test_error_21610_in_a_status_callback_opts_the_number_out(self):
        self.seed_sms(CALLER, "hello", "test:status-21610")
        self.assertTrue(self.provider.wait_for(
            lambda: self.h.query("SELECT status FROM outbox") == [["sent"]]))
        sid = self.h.query("SELECT provider_sid FROM outbox")[0][0]
        r = self.h.webhook("/sms/status", {"MessageSid": sid,
                                           "MessageStatus": "undelivered",
                                           "ErrorCode": "21610", "To": CALLER})
        self.assertIn(r.status, (200, 204))
        self.assertEqual(self.h.query("SELECT status, error_code FROM outbox"),
                         [["undelivered", "21610"]])
        self.assertEqual(self.h.query("SELECT opted_out, source FROM optouts"),
                         [["1", "status:21610"]])
        self.assertEqual(self.texts("TIPS"), [])

    def test_bad_status_callbacks(self):
        # A status the provider added later is taken (a 400 would only
        # make it report an error and call again); a callback without a
        # MessageSid is not.
        r = self.h.webhook("/sms/status", {"MessageSid": "SM1",
                                           "MessageStatus": "exploded"})
        self.assertEqual(r.status, 200)
        r = self.h.webhook("/sms/status", {"MessageStatus": "sent"})
        self.assertEqual(r.status, 400)


if __name__ == "__main__":
    unittest.main()
