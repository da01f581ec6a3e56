"""Opt-outs in a person's own words (FCC 24-24) and provider callbacks as
they really arrive: error 21610 in a status callback, every documented
message status, WhatsApp senders.  Runs on SQLite and, with
HOTLINE_TEST_STORE, on PostgreSQL.

The request fixtures below are shaped like the provider's real webhooks
(the parameters and their forms, as the provider's helper libraries and
open-source receivers document them); every value in them is made up."""
import os
import unittest

from harness import ACCOUNT_SID, CALLER, DEFAULT_CLOCK, sms_text
from test_safety import Safety

OUR_NUMBER = "+18175550100"

# Texts that ask us to stop, in the texter's own words.
OPT_OUTS_EN = [
    "Stop texting me", "STOP IT", "please stop", "Unsubscribe me",
    "no more texts", "remove me", "stop sending me stretches",
    "Take me off your list", "Don't text me again", "leave me alone",
    "I want to opt out", "Can you please stop texting me",
    "Stop it \U0001f621", "Please remove my number", "wrong number",
]
OPT_OUTS_ES = [
    "No me envíen más mensajes", "ya no quiero mensajes", "Bórrenme",
    "Quiero darme de baja por favor", "Dejen de enviarme mensajes",
    "alto por favor",
]

# The same words about something else: (text, words the answer must hold).
LOOKALIKES = [
    ("how do I stop my back hurting after a run", "STOP to opt out"),
    ("when does the clinic end its day", "STOP to opt out"),
    ("can I cancel my appointment", "STOP to opt out"),
    ("my pain won't stop when I sit", "STOP to opt out"),
    ("should I stop running for a while?", "STOP to opt out"),
    ("tips to stop back pain", "STOP to opt out"),
    ("I want it to stop", "STOP to opt out"),
    ("don't stop texting me", "STOP to opt out"),
    ("¿Puedo cancelar mi cita?", "ALTO para cancelar"),
    ("¿Abren el fin de semana?", "ALTO para cancelar"),
    # Keyword answers that do not say it themselves get the hint.
    ("hours: do you end at 5 today?", "STOP to opt out"),
    ("clinic near me, I need to cancel", "STOP to opt out"),
]


def whatsapp_params(body, frm, sid=None, to=OUR_NUMBER):
    """An inbound WhatsApp message as the provider posts it."""
    sid = sid or "SM" + os.urandom(16).hex()
    return {
        "SmsMessageSid": sid, "NumMedia": "0", "ProfileName": "Sam",
        "MessageType": "text", "SmsSid": sid, "WaId": frm.lstrip("+"),
        "SmsStatus": "received", "Body": body, "To": "whatsapp:" + to,
        "NumSegments": "1", "ReferralNumMedia": "0", "MessageSid": sid,
        "AccountSid": ACCOUNT_SID, "From": "whatsapp:" + frm,
        "ApiVersion": "2010-04-01",
    }


def status_params(sid, status, to, error=None, whatsapp=False):
    """A message status callback as the provider posts it."""
    p = {
        "SmsSid": sid, "SmsStatus": status, "MessageStatus": status,
        "To": ("whatsapp:" if whatsapp else "") + to,
        "MessageSid": sid, "AccountSid": ACCOUNT_SID,
        "From": ("whatsapp:" if whatsapp else "") + OUR_NUMBER,
        "ApiVersion": "2010-04-01",
    }
    if whatsapp:
        p.update({"ChannelPrefix": "whatsapp",
                  "ChannelInstallSid": "XE" + "0" * 32,
                  "ChannelToAddress": to, "StructuredMessage": "false"})
    if error is not None:
        p["ErrorCode"] = str(error)
    return p


class Case(Safety):
    """Safety's helpers (texts, opted_out, sent_to, call, step, staff)
    with the harness's running clock and numbers of our own."""
    env = {"HOTLINE_CLOCK": DEFAULT_CLOCK}

    def number(self, n):
        return "+1817555%04d" % (400 + n)

    def texts(self, body, frm=CALLER, **kw):
        r = self.h.sms(body, frm=frm, **kw)
        self.assertEqual(r.status, 200, r.text)
        return sms_text(r)

    def whatsapp(self, body, frm=CALLER, sid=None):
        r = self.h.webhook("/sms/incoming", whatsapp_params(body, frm, sid))
        self.assertEqual(r.status, 200, r.text)
        if not hasattr(self.h, "sent_bodies"):
            self.h.sent_bodies = set()
        if len(body) >= 12:
            self.h.sent_bodies.add(body)    # checked against the log
        return r

    def text_me_stretches(self, frm):
        """A caller asks the phone menu to text them the stretches."""
        sid, r = self.call(frm=frm)
        r = self.step(sid, r, frm=frm, Digits="2")   # guided stretches
        self.step(sid, r, frm=frm, Digits="3")       # text me this


class TestOptOutInOwnWords(Case):
    def test_phrasings_opt_out_with_one_confirmation(self):
        cases = [(b, "START") for b in OPT_OUTS_EN] + \
                [(b, "COMENZAR") for b in OPT_OUTS_ES]
        self.assertGreaterEqual(len(cases), 15)
        for i, (body, resubscribe) in enumerate(cases):
            phone = self.number(i)
            out = self.texts(body, frm=phone)
            self.assertEqual(len(out), 1, "%r: %r" % (body, out))
            self.assertIn(resubscribe, out[0], body)
            self.assertTrue(self.opted_out(phone), body)
            # Guides are refused from now on, and no second confirmation.
            self.assertEqual(self.texts("STRETCH", frm=phone), [], body)
            self.assertEqual(self.texts(body, frm=phone), [], body)
        self.assertEqual(self.h.rows(
            "SELECT COUNT(*) FROM optouts WHERE opted_out = 1"),
            [(len(cases),)])
        rows = self.h.rows("SELECT keyword, COUNT(*) FROM messages WHERE "
                           "direction = 'in' GROUP BY keyword ORDER BY keyword")
        # Each text is recorded as an opt-out, the repeated one too.
        self.assertEqual(dict(rows)["optout"], 2 * len(cases))

    def test_audit_holds_the_words_and_source(self):
        self.texts("Stop texting me")
        self.assertEqual(self.h.rows("SELECT action, source, keyword FROM "
                                     "optout_audit"),
                         [("out", "sms", "stop texting me")])

    def test_redelivered_sentence_opt_out_is_acted_on_once(self):
        sid = "SM" + "ef" * 16
        a = self.h.sms("please stop", sid=sid)
        b = self.h.sms("please stop", sid=sid)
        self.assertEqual(a.body, b.body)
        self.assertEqual(len(sms_text(a)), 1)
        self.assertEqual(self.h.rows("SELECT COUNT(*) FROM optout_audit"),
                         [(1,)])

    def test_voice_and_staff_are_told_after_a_sentence_opt_out(self):
        """After "Stop texting me", staff are told why they cannot retry a
        text, the callback queue sends no "we could not reach you" text,
        and the phone menu cannot text a guide."""
        self.staff_cannot_text_after("Stop texting me please")
        queued = self.h.rows("SELECT COUNT(*) FROM outbox WHERE "
                             "recipient = ?", (CALLER,))
        sent = len(self.sent_to(CALLER))
        self.text_me_stretches(CALLER)
        self.settle()
        self.assertEqual(len(self.sent_to(CALLER)), sent)
        self.assertEqual(self.h.rows("SELECT COUNT(*) FROM outbox WHERE "
                                     "recipient = ?", (CALLER,)), queued)

    def test_a_sentence_opt_out_wins_over_a_keyword(self):
        # A topic before the stop word is a question about it: the guide.
        out = self.texts("tips stop")
        self.assertIn("/g/prevention", out[0])
        self.assertFalse(self.opted_out(CALLER))
        out = self.texts("stop the tips please")
        self.assertEqual(len(out), 1)
        self.assertIn("unsubscribed", out[0])
        self.assertTrue(self.opted_out(CALLER))


class TestLookalikes(Case):
    def test_lookalikes_are_answered_and_say_how_to_opt_out(self):
        self.assertGreaterEqual(len(LOOKALIKES), 10)
        for i, (body, hint) in enumerate(LOOKALIKES):
            phone = self.number(50 + i)
            out = self.texts(body, frm=phone)
            self.assertTrue(out, body)
            self.assertFalse(self.opted_out(phone), body)
            joined = "\n".join(out)
            self.assertEqual(joined.count(hint), 1, "%r: %r" % (body, out))
            self.assertNotIn("unsubscribed", joined, body)
        self.assertEqual(self.h.rows("SELECT COUNT(*) FROM optouts"), [(0,)])
        self.assertEqual(self.h.rows("SELECT COUNT(*) FROM optout_audit"),
                         [(0,)])

    def test_keyword_answer_gets_the_hint_only_with_a_stop_word(self):
        plain = self.texts("hours", frm=self.number(90))
        self.assertNotIn("Reply STOP to opt out.", "\n".join(plain))
        hinted = self.texts("hours, when do you end?", frm=self.number(91))
        self.assertEqual(hinted[:-1], plain[:-1])
        self.assertEqual(hinted[-1], plain[-1] + "\nReply STOP to opt out.")

    def test_spanish_lookalike_is_answered_in_spanish(self):
        out = self.texts("¿Puedo cancelar mi cita del lunes?")
        self.assertIn("¡Hola!", out[0])
        self.assertIn("ALTO para cancelar", out[0])


class TestStatusCallbacks(Case):
    def outbound(self, to, sid):
        """Our text to `to`, which the provider accepts as `sid`."""
        self.provider.fail = [(201, {"sid": sid, "status": "queued",
                                     "to": to, "num_segments": "1"})]
        self.text_me_stretches(to)
        self.assertTrue(self.provider.wait_for(lambda: self.h.rows(
            "SELECT status FROM outbox WHERE provider_sid = ?", (sid,))
            == [("sent",)]))

    def status(self, params):
        r = self.h.webhook("/sms/status", params)
        self.assertEqual(r.status, 200, "%s: %s" % (params, r.text))
        return r

    def test_21610_opts_out_our_recipient_not_a_texter_with_that_sid(self):
        sid = "SM" + "5a" * 16
        texter, recipient = self.number(1), self.number(2)
        self.texts("hello there", frm=texter, sid=sid)
        self.outbound(recipient, sid)
        self.status(status_params(sid, "undelivered", recipient, 21610))
        self.assertTrue(self.opted_out(recipient))
        self.assertFalse(self.opted_out(texter))
        self.assertEqual(self.h.rows("SELECT phone, source FROM optouts"),
                         [(recipient, "status:21610")])

    def test_21610_about_an_inbound_message_opts_out_nobody(self):
        sid = "SM" + "6b" * 16
        texter = self.number(3)
        self.texts("hello there", frm=texter, sid=sid)
        p = status_params(sid, "failed", OUR_NUMBER, 21610)
        p["From"] = texter
        self.status(p)
        self.assertEqual(self.h.rows("SELECT COUNT(*) FROM optouts"), [(0,)])
        self.assertIn("for a message we did not send", self.h.log())

    def test_21610_for_a_sid_not_yet_recorded_opts_out_the_to(self):
        # The callback overtook the send's own answer: To says who.
        other = self.number(4)
        self.status(status_params("SM" + "7c" * 16, "failed", other, 21610,
                                  whatsapp=True))
        self.assertTrue(self.opted_out(other))
        self.assertEqual(self.texts("TIPS", frm=other), [])

    def test_every_documented_status_is_accepted_in_order(self):
        sid = "SM" + "8d" * 16
        to = self.number(5)
        self.outbound(to, sid)

        def state():
            return (self.h.rows("SELECT status FROM messages WHERE sid = ?",
                                (sid,))[0][0],
                    self.h.rows("SELECT status FROM outbox WHERE "
                                "provider_sid = ?", (sid,))[0][0])

        # Already sent when the provider answered: early news changes nothing.
        for st in ("accepted", "scheduled", "queued", "sending", "sent"):
            self.status(status_params(sid, st, to))
            self.assertEqual(state(), ("sent", "sent"), st)
        self.status(status_params(sid, "partially_delivered", to))
        self.assertEqual(state(), ("partially_delivered",
                                   "partially_delivered"))
        self.status(status_params(sid, "read", to))
        self.assertEqual(state(), ("read", "read"))
        # Callbacks cross: nothing moves a message back.
        for st in ("delivered", "sent", "queued"):
            self.status(status_params(sid, st, to))
            self.assertEqual(state(), ("read", "read"), st)
        # About messages sent to us: accepted, nothing of ours changes.
        for st in ("receiving", "received", "canceled"):
            self.status(status_params("SM" + "9e" * 16, st, OUR_NUMBER))
        self.assertEqual(state(), ("read", "read"))
        self.assertEqual(self.h.rows("SELECT COUNT(*) FROM optouts"), [(0,)])

    def test_canceled_and_failed_settle_the_outbox(self):
        sid = "SM" + "af" * 16
        to = self.number(6)
        self.outbound(to, sid)
        self.status(status_params(sid, "canceled", to))
        self.assertEqual(self.h.rows("SELECT status FROM outbox WHERE "
                                     "provider_sid = ?", (sid,)),
                         [("canceled",)])

    def test_unknown_status_is_accepted_and_logged(self):
        sid = "SM" + "b0" * 16
        to = self.number(7)
        self.outbound(to, sid)
        self.status(status_params(sid, "delivered", to))
        self.status(status_params(sid, "teleported", to))
        self.assertEqual(self.h.rows("SELECT status FROM messages WHERE "
                                     "sid = ?", (sid,)), [("delivered",)])
        self.assertRegex(self.h.log(), r'a status we do not know '
                         r'\(\\?"teleported\\?"\)')
        # Its error code still counts.
        self.status(status_params(sid, "blocked_by_carrier", to, 21610))
        self.assertTrue(self.opted_out(to))
        # A hostile status is not a metric label nor a raw log line.
        self.status(status_params(sid, 'x"} 1\nevil', to))
        metrics = self.h.get("/metrics").text
        self.assertIn('hotline_sms_status_total{status="unknown"} 3', metrics)
        self.assertNotIn("evil", metrics)
        self.assertNotIn('x"} 1\nevil', self.h.log())

    def test_malformed_status_callbacks_are_refused(self):
        r = self.h.webhook("/sms/status", {"MessageStatus": "sent"})
        self.assertEqual(r.status, 400)
        r = self.h.webhook("/sms/status", {"MessageSid": "SM1"})
        self.assertEqual(r.status, 400)


class TestWhatsApp(Case):
    def test_whatsapp_text_is_answered_on_whatsapp(self):
        r = self.whatsapp("TIPS")
        msgs = list(r.xml().iter("Message"))
        self.assertTrue(msgs)
        for m in msgs:
            self.assertEqual(m.get("to"), "whatsapp:" + CALLER)
            self.assertEqual(m.get("from"), "whatsapp:" + OUR_NUMBER)
        self.assertIn("/g/prevention", sms_text(r)[0])
        self.assertEqual(self.h.rows(
            "SELECT DISTINCT phone, channel FROM messages"),
            [(CALLER, "whatsapp")])
        log = self.h.log()
        self.assertIn("channel=whatsapp sender=+1817***0199", log)
        self.assertNotIn(CALLER[1:], log)
        # An SMS from the same number is answered by SMS, as before.
        r = self.h.sms("TIPS")
        self.assertTrue(sms_text(r))
        self.assertIsNone(next(r.xml().iter("Message")).get("to"))

    def test_one_person_one_opt_out_whichever_channel(self):
        out = sms_text(self.whatsapp("Stop texting me"))
        self.assertEqual(len(out), 1)
        self.assertIn("unsubscribed", out[0])
        self.assertTrue(self.opted_out(CALLER))
        self.assertEqual(self.h.rows("SELECT phone FROM optouts"), [(CALLER,)])
        self.assertEqual(self.texts("TIPS"), [])
        self.assertEqual(sms_text(self.whatsapp("STRETCH")), [])
        self.assertIn("subscribed again", self.texts("START")[0])
        self.assertTrue(sms_text(self.whatsapp("TIPS")))

    def test_one_place_in_the_queue_whichever_channel(self):
        self.assertIn("number 1 in line", sms_text(self.whatsapp("CALLBACK"))[0])
        self.assertIn("already in line", self.texts("CALLBACK")[0])
        self.assertEqual(self.h.rows("SELECT phone, status FROM callbacks"),
                         [(CALLER, "waiting")])

    def test_later_texts_go_back_on_whatsapp(self):
        self.whatsapp("hello there")
        self.text_me_stretches(CALLER)
        self.assertTrue(self.provider.wait_for(
            lambda: len(self.sent_to("whatsapp:" + CALLER)) >= 1))
        for m in self.provider.messages():
            self.assertEqual(m["form"]["To"], "whatsapp:" + CALLER)
            self.assertEqual(m["form"]["From"], "whatsapp:" + OUR_NUMBER)
        self.assertEqual(self.h.rows(
            "SELECT DISTINCT recipient FROM outbox"), [(CALLER,)])
        self.assertEqual(self.h.rows(
            "SELECT DISTINCT phone, channel FROM messages WHERE "
            "direction = 'out' AND sid IS NOT NULL"), [(CALLER, "whatsapp")])
        # Its status callbacks come back with WhatsApp addresses.
        sid = self.provider.messages()[0]["sid"]
        r = self.h.webhook("/sms/status", status_params(
            sid, "read", CALLER, whatsapp=True))
        self.assertEqual(r.status, 200)
        self.assertEqual(self.h.rows("SELECT status FROM messages WHERE "
                                     "sid = ?", (sid,)), [("read",)])
        self.assertNotIn("whatsapp:" + CALLER, self.h.log())

    def test_after_whatsapps_24_hours_later_texts_go_by_sms(self):
        self.whatsapp("hello there")
        self.h.stop()
        self.h.advance(25 * 3600)
        self.h.start()
        self.text_me_stretches(CALLER)
        self.assertTrue(self.provider.wait_for(
            lambda: len(self.sent_to(CALLER)) >= 1))
        self.assertEqual(self.sent_to("whatsapp:" + CALLER), [])
        self.assertEqual(self.provider.messages()[0]["form"]["From"],
                         OUR_NUMBER)

    def test_whatsapp_sender_without_a_number_is_refused(self):
        p = whatsapp_params("hello there", CALLER)
        p["From"] = "whatsapp:US.1234567890"
        r = self.h.webhook("/sms/incoming", p)
        self.assertEqual(r.status, 400)
        self.assertIn("whatsapp", r.text)
        self.assertEqual(self.h.rows("SELECT COUNT(*) FROM messages"), [(0,)])
        p["From"] = "messenger:1234567890"
        self.assertEqual(self.h.webhook("/sms/incoming", p).status, 400)


if __name__ == "__main__":
    unittest.main()
