"""The voice hotline, played as the provider plays it: signed webhooks, the
TwiML followed verb by verb, every document checked for well-formedness,
valid verbs and nesting, and no dead air."""
import os
import re
import time
import urllib.parse
import xml.etree.ElementTree as ET

from harness import (CALLER, TOP_SRCDIR, HotlineTestCase, store_is_pg,
                     store_refuse_inserts)

OPEN = "2026-12-01T10:00:00-06:00"     # a Tuesday morning: every clinic open
CLOSED = "2026-12-01T22:00:00-06:00"   # Tuesday night: every clinic closed

# TwiML grammar (PROTOCOL.md): what may nest where, and which attributes.
CHILDREN = {
    "Response": {"Say", "Play", "Pause", "Gather", "Dial", "Record",
                 "Redirect", "Hangup", "Reject"},
    "Gather": {"Say", "Play", "Pause"},
    "Dial": {"Number", "Client", "Sip", "Queue"},
}
ATTRS = {
    "Say": {"voice", "language", "loop"},
    "Play": {"loop", "digits"},
    "Pause": {"length"},
    "Gather": {"input", "action", "method", "timeout", "numDigits",
               "finishOnKey", "speechTimeout", "hints", "language",
               "actionOnEmptyResult"},
    "Dial": {"action", "method", "timeout", "callerId", "record",
             "timeLimit", "answerOnBridge"},
    "Record": {"action", "method", "maxLength", "timeout", "playBeep",
               "finishOnKey", "transcribe", "transcribeCallback"},
    "Redirect": {"method"},
    "Number": set(), "Hangup": set(), "Reject": set(), "Response": set(),
}
# A document must end in something that keeps the call going or ends it
# on purpose: never silence.
ENDINGS = {"Redirect", "Hangup", "Dial"}


def node_ids():
    """The node names of the shipped menu (config/flow.yaml)."""
    ids, inside = [], False
    with open(os.path.join(TOP_SRCDIR, "config", "flow.yaml")) as f:
        for line in f:
            if line.startswith("nodes:"):
                inside = True
                continue
            if inside:
                m = re.match(r"^  ([a-z_]+):\s*$", line)
                if m:
                    ids.append(m.group(1))
                elif re.match(r"^\S", line):
                    inside = False
    return set(ids)


class Voice(HotlineTestCase):
    env = {"HOTLINE_CLOCK": OPEN}

    # --- the provider's side --------------------------------------------

    def check_twiml(self, resp):
        self.assertEqual(resp.status, 200, resp.text)
        self.assertTrue(resp.headers["Content-Type"].startswith("text/xml"))
        root = ET.fromstring(resp.body)     # well-formed or it raises
        self.assertEqual(root.tag, "Response")

        def walk(el):
            self.assertIn(el.tag, ATTRS, "unknown verb <%s>" % el.tag)
            extra = set(el.attrib) - ATTRS[el.tag]
            self.assertFalse(extra, "<%s> has %s" % (el.tag, extra))
            kids = list(el)
            allowed = CHILDREN.get(el.tag, set())
            for k in kids:
                self.assertIn(k.tag, allowed,
                              "<%s> inside <%s>" % (k.tag, el.tag))
                walk(k)
            if el.tag in ("Say", "Number", "Redirect"):
                self.assertTrue((el.text or "").strip(), "empty <%s>" % el.tag)
            if el.tag == "Gather":
                self.assertEqual(el.get("input"), "dtmf speech")
                self.assertTrue(el.get("action"))
                self.assertTrue(el.get("language"))
                self.assertTrue(kids, "a Gather that says nothing")
        walk(root)
        verbs = list(root)
        self.assertTrue(verbs, "empty answer to a call")
        self.assertIn(verbs[-1].tag, ENDINGS | {"Redirect"},
                      "dead air after: " + resp.text)
        for i, v in enumerate(verbs):
            if v.tag == "Gather":
                # A Gather that goes on to another one when nobody
                # answers (the language question) must let it.
                self.assertIn(verbs[i + 1].tag, ("Redirect", "Gather"),
                              "no reprompt after a Gather")
                if verbs[i + 1].tag == "Gather":
                    self.assertNotEqual(v.get("actionOnEmptyResult"),
                                        "true", "a Gather never left")
            if v.tag == "Record":
                self.assertIn(verbs[-1].tag, {"Redirect", "Hangup"})
            if v.tag == "Hangup":
                said = " ".join(s.text or "" for s in root.iter("Say"))
                self.assertTrue(said, "a hang-up without a goodbye")
        return root

    def call(self, frm=CALLER):
        return Call(self, frm)

    def rows(self, sql, *args):
        return self.h.rows(sql, args)

    def failing_call(self):
        """A call whose transactions the store refuses at their last write
        (the stored answer), so each one fails after writing the call's
        row and event: the caller must hear the fallback, and nothing the
        transaction wrote may stay."""
        c = self.call()
        store_refuse_inserts(self.h.store, "webhooks",
                             "NEW.key LIKE 'voice:%s:%%'" % c.sid)
        return c

    def assert_nothing_kept(self, c):
        self.assertEqual(self.rows("SELECT COUNT(*) FROM calls WHERE "
                                   "call_sid=?", c.sid), [(0,)])
        self.assertEqual(self.rows("SELECT COUNT(*) FROM events WHERE "
                                   "kind='call.start'"), [(0,)])
        self.assertEqual(self.rows("SELECT COUNT(*) FROM webhooks WHERE "
                                   "key LIKE ?", "voice:%s:%%" % c.sid),
                         [(0,)])


class Call:
    """One call: follows the TwiML the service writes, as the provider does."""

    def __init__(self, t, frm):
        self.t = t
        self.sid = "CA" + os.urandom(16).hex()
        self.frm = frm
        self.nodes = set()
        self.docs = []
        self.root = None

    def params(self, **extra):
        return self.t.h.call_params(self.sid, frm=self.frm, **extra)

    def _post(self, url, params):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
        if "n" in q:
            self.nodes.add(q["n"][0])
        r = self.t.h.follow(url, params)
        self.root = self.t.check_twiml(r)
        self.docs.append(r.text)
        if self.hung_up():
            self.nodes.add("goodbye")       # the only node that hangs up
        for u in self.urls():
            n = urllib.parse.parse_qs(urllib.parse.urlparse(u).query).get("n")
            if n:
                self.nodes.add(n[0])
        return self

    def start(self):
        return self._post("/voice/incoming", self.params())

    def urls(self):
        out = []
        for el in self.root.iter():
            if el.tag in ("Gather", "Dial", "Record") and el.get("action"):
                out.append(el.get("action"))
            if el.tag == "Redirect":
                out.append(el.text.strip())
        return out

    def gather(self):
        """The menu's Gather: the last one (a language question may
        come first, in a Gather of its own)."""
        g = self.root.findall("Gather")
        self.t.assertTrue(g, "expected a menu, got: " + self.text())
        return g[-1]

    def language_gather(self, language):
        """The Gather that listens in language (e.g. "es-US")."""
        for g in self.root.findall("Gather"):
            if g.get("language") == language:
                return g
        self.t.fail("no Gather in %s: %s" % (language, self.text()))

    def press(self, digits, gather=None):
        return self._post((gather or self.gather()).get("action"),
                          self.params(Digits=digits))

    def say(self, words, confidence="0.9", gather=None):
        return self._post((gather or self.gather()).get("action"),
                          self.params(SpeechResult=words,
                                      Confidence=confidence))

    def silence(self):
        """No input: the provider goes on to the Redirect after the Gather."""
        self.gather()
        redirect = self.root.find("Redirect")
        return self._post(redirect.text.strip(), self.params())

    def empty_action(self):
        """No input with actionOnEmptyResult: the action without Digits."""
        return self._post(self.gather().get("action"), self.params())

    def dial_result(self, status):
        d = self.root.find("Dial")
        self.t.assertIsNotNone(d, "expected a Dial: " + self.text())
        return self._post(d.get("action"), self.params(
            DialCallStatus=status, DialCallSid="CA" + "d" * 32,
            DialCallDuration="0"))

    def record(self, url):
        rec = self.root.find("Record")
        self.t.assertIsNotNone(rec, "expected a Record: " + self.text())
        return self._post(rec.get("action"), self.params(
            RecordingUrl=url, RecordingSid="RE" + "1" * 32,
            RecordingDuration="12"))

    def follow_redirect(self):
        return self._post(self.root.find("Redirect").text.strip(),
                          self.params())

    def text(self):
        """Everything said or played, one string."""
        parts = []
        for el in self.root.iter():
            if el.tag == "Say":
                parts.append(el.text or "")
            elif el.tag == "Play":
                parts.append("[play %s]" % el.text)
        return " ".join(parts)

    def node(self):
        """The node the current answer asks about."""
        for u in [g.get("action") for g in self.root.iter("Gather")] + \
                [d.get("action") for d in self.root.iter("Dial")]:
            return urllib.parse.parse_qs(
                urllib.parse.urlparse(u).query)["n"][0]
        return None

    def dial_number(self):
        d = self.root.find("Dial")
        return d.find("Number").text if d is not None else None

    def hung_up(self):
        return self.root.find("Hangup") is not None


def prompt(lang, pid):
    with open(os.path.join(TOP_SRCDIR, "prompts", lang, pid + ".txt")) as f:
        return f.read().strip()


class TestVoiceOpen(Voice):
    def test_first_answer(self):
        c = self.call().start()
        g = c.gather()
        self.assertEqual(g.get("language"), "en-US")
        self.assertEqual(g.get("actionOnEmptyResult"), "true")
        self.assertTrue(g.get("hints"))
        said = c.text()
        for pid in ("welcome", "emergency", "disclaimer", "main_menu"):
            self.assertIn(prompt("en", pid), said)
        self.assertIn(prompt("es", "language"), said)
        self.assertIn("911", said.replace("nine one one", "911"))
        # the Spanish choice is said with the Spanish voice
        es = [s for s in c.root.iter("Say") if s.get("language") == "es-US"]
        self.assertTrue(es)
        # the notice is given once per call, not on every menu
        c.press("*")
        self.assertNotIn(prompt("en", "disclaimer"), c.text())
        self.assertEqual(self.rows("SELECT status FROM calls WHERE call_sid=?",
                                   c.sid), [("in-progress",)])

    def walk_every_node(self, lang):
        """Reach every node of the shipped menu by keys."""
        seen = set()

        def new():
            c = self.call().start()
            if lang == "es":
                c.press("9")
                self.assertIn(prompt("es", "main_menu"), c.text())
                self.assertIn(prompt("es", "emergency"), c.text())
                self.assertEqual(c.gather().get("language"), "es-US")
            return c

        # guides: every item, text me this, again, back
        for key, node, nitems in (("1", "prevention", 7), ("2", "stretches", 4),
                                  ("3", "recovery", 12)):
            c = new().press(key)
            self.assertEqual(c.node(), node)
            self.assertIsNotNone(c.root.find("Gather"))
            for i in range(nitems - 1):
                c.press("1")
                self.assertEqual(c.node(), node)
            self.assertIn(prompt(lang, "guide_last"), c.text())
            c.press("2")
            self.assertIn(prompt(lang, "guide_last"), c.text())
            c.press("3")
            self.assertIn(prompt(lang, "sms_sent"), c.text())
            c.press("1")             # past the last item: back to the menu
            self.assertEqual(c.node(), "main")
            seen |= c.nodes
        # stretches are step by step with timed holds, interruptible
        c = new().press("2")
        g = c.gather()
        self.assertTrue([p for p in g.iter("Pause")
                         if int(p.get("length")) >= 20])
        self.assertIn(prompt(lang, "stretch_child_1"), c.text())
        self.assertIn(prompt(lang, "stretch_after"), c.text())
        c.press("1")
        self.assertIn(prompt(lang, "stretch_knee_1"), c.text())
        c.press("2")
        self.assertIn(prompt(lang, "stretch_knee_1"), c.text())
        c.press("4")                 # a callback from the stretches
        self.assertEqual(c.node(), "callback")
        c.press("1").press("5").press("2")
        self.assertIn(prompt(lang, "callback_position"), c.text())
        seen |= c.nodes
        topic = self.rows("SELECT topic, preferred_window, location FROM "
                          "callbacks WHERE phone=?", CALLER)
        self.assertEqual(topic, [("stretches", "afternoon", None)])
        # find a clinic by key: open -> address and Dial
        c = new().press("4").press("1")
        self.assertEqual(c.dial_number(), "+18175550101")
        d = c.root.find("Dial")
        self.assertEqual(d.get("callerId"), "+18175550100")
        self.assertEqual(d.get("timeout"), "20")
        self.assertIn("Placeholder Street", c.text())
        c.dial_result("no-answer")
        self.assertEqual(c.node(), "dial_failed")
        self.assertIn(prompt(lang, "dial_failed"), c.text())
        c.press("2")                 # voicemail
        self.assertIsNotNone(c.root.find("Record"))
        c.record("https://api.example.test/Recordings/RE1")
        self.assertIn(prompt(lang, "voicemail_thanks"), c.text())
        self.assertTrue(c.hung_up())
        seen |= c.nodes
        # by ZIP: 76102 is Fort Worth's
        c = new().press("4").press("5")
        self.assertEqual(c.node(), "zip")
        c.press("76102")
        self.assertEqual(c.dial_number(), "+18175550101")
        c.dial_result("completed")
        self.assertTrue(c.hung_up())
        seen |= c.nodes
        # text me a guide: four choices, each queued in the outbox
        c = new().press("6")
        for k in "1234":
            c.press(k)
            self.assertIn(prompt(lang, "sms_sent"), c.text())
            self.assertEqual(c.node(), "text_menu")
        c.press("#")
        self.assertEqual(c.node(), "main")
        seen |= c.nodes
        # callback with another number, a location, a window
        c = new().press("5")
        self.assertIn("9 9", c.text())      # the caller ID's last digits
        c.press("2").press("9725550177").press("3").press("1")
        self.assertIn(prompt(lang, "callback_wait"), c.text())
        self.assertEqual(c.node(), "anything_else")
        c.press("2")
        self.assertTrue(c.hung_up())
        seen |= c.nodes
        # an appointment: a clinic, returning, days and reason skipped
        c = new().press("7")
        c.press("2").press("2").press("#").press("#").press("1")
        self.assertEqual(c.node(), "anything_else")
        seen |= c.nodes
        # the front desk, busy -> callback offer
        c = new().press("0")
        self.assertEqual(c.dial_number(), "+18175550100")
        c.dial_result("busy").press("1")
        self.assertEqual(c.node(), "callback")
        seen |= c.nodes
        # repeat and back work everywhere they are said
        c = new().press("4").press("*")
        self.assertIn(prompt(lang, "clinics_menu"), c.text())
        c.press("#")
        self.assertEqual(c.node(), "main")
        c = new().press("5").press("1").press("#")
        self.assertEqual(c.node(), "main")
        self.assertEqual(node_ids() - seen, set(),
                         "nodes never reached")
        return seen

    def test_every_node_by_keys_english(self):
        self.walk_every_node("en")
        rows = self.rows("SELECT COUNT(*) FROM outbox WHERE kind='sms'")
        self.assertGreaterEqual(rows[0][0], 7)

    def test_every_node_by_keys_spanish(self):
        self.walk_every_node("es")
        langs = self.rows("SELECT DISTINCT language FROM callbacks")
        self.assertEqual(langs, [("es",)])

    def test_every_menu_by_speech_english(self):
        c = self.call().start().say("stretches")
        self.assertEqual(c.node(), "stretches")
        c.say("next")
        self.assertIn(prompt("en", "stretch_knee_1"), c.text())
        c.say("text me this")
        self.assertIn(prompt("en", "sms_sent"), c.text())
        c.say("go back")
        self.assertEqual(c.node(), "main")
        c.say("prevention tips")
        self.assertEqual(c.node(), "prevention")
        c.say("main menu").say("recovery")
        self.assertEqual(c.node(), "recovery")
        c.say("main menu").say("find a clinic")
        self.assertEqual(c.node(), "clinics")
        c.say("Coppell")
        self.assertEqual(c.dial_number(), "+19725550103")
        c = self.call().start().say("find a clinic").say("zip code")
        self.assertEqual(c.node(), "zip")
        c.say("seven five zero one three")          # Allen's ZIP
        self.assertEqual(c.dial_number(), "+19725550102")
        c = self.call().start().say("call me back")
        self.assertEqual(c.node(), "callback")
        c.say("yes").say("Garland").say("morning")
        self.assertIn(prompt("en", "callback_position"), c.text())
        c = self.call().start().say("text me a guide")
        self.assertEqual(c.node(), "text_menu")
        c.say("posture")
        self.assertIn(prompt("en", "sms_sent"), c.text())
        c = self.call().start().say("operator")
        self.assertEqual(c.dial_number(), "+18175550100")
        c = self.call().start().say("two")            # a spoken key
        self.assertEqual(c.node(), "stretches")

    def test_every_menu_by_speech_spanish(self):
        c = self.call().start().say("español")
        g = c.gather()
        self.assertEqual(g.get("language"), "es-US")
        self.assertIn(prompt("es", "main_menu"), c.text())
        c.say("estiramientos")
        self.assertEqual(c.node(), "stretches")
        self.assertIn(prompt("es", "stretch_child_1"), c.text())
        c.say("siguiente")
        self.assertIn(prompt("es", "stretch_knee_1"), c.text())
        c.say("menú principal").say("prevención")
        self.assertEqual(c.node(), "prevention")
        c.say("regresar").say("clínicas")
        self.assertEqual(c.node(), "clinics")
        c.say("Coppell")
        self.assertEqual(c.dial_number(), "+19725550103")
        c = self.call().start().say("español").say("llámenme")
        self.assertEqual(c.node(), "callback")
        c.say("sí").say("Allen").say("en la tarde")
        self.assertIn(prompt("es", "callback_position"), c.text())
        c = self.call().start().say("español").say("clínicas")
        c.say("código postal")
        self.assertEqual(c.node(), "zip")
        c.say("siete seis uno cero dos")
        self.assertEqual(c.dial_number(), "+18175550101")
        c = self.call().start().press("9").say("inglés")
        self.assertIn(prompt("en", "main_menu"), c.text())

    def test_three_bad_inputs_reach_the_front_desk(self):
        c = self.call().start().press("8")
        self.assertIn(prompt("en", "reprompt_1"), c.text())
        self.assertIn(prompt("en", "main_menu"), c.text())
        c.silence()
        self.assertIn(prompt("en", "reprompt_2"), c.text())
        c.empty_action()
        self.assertIn(prompt("en", "miss_front_desk"), c.text())
        self.assertEqual(c.dial_number(), "+18175550100")
        steps = self.rows("SELECT input FROM events WHERE kind='call.step' "
                          "ORDER BY id")
        self.assertEqual([s[0] for s in steps], ["invalid:8", "noinput", "noinput"])

    def test_zip_says_the_nearest_clinic_once_with_its_distance(self):
        for lang, z, name in (("en", "75013", "Allen"),
                              ("es", "75019", "Coppell")):
            # The text to the same ZIP gives the distance.
            r = self.h.sms(z, frm="+12145550190")
            m = re.search(r"\((\d+(?:\.\d)?) mil", "".join(
                ET.fromstring(r.body).itertext()))
            self.assertIsNotNone(m, r.text)
            c = self.call().start()
            if lang == "es":
                c.press("9")
            c.press("4").press("5").press(z)
            says = [s.text or "" for s in c.root.iter("Say")]
            self.assertEqual(says[0], "%s %s" % (prompt(lang, "zip_nearest"),
                                                 m.group(1)), says)
            self.assertEqual(says[1], prompt(lang, "zip_miles"), says)
            # the name once (the address read aloud may hold it too)
            named = [s for s in says if name in s and
                     prompt(lang, "location_open") not in s]
            self.assertEqual(named, [name], says)
            self.assertIsNotNone(c.dial_number())

    def test_language_question_listens_in_its_language(self):
        c = self.call().start()
        es = c.language_gather("es-US")
        en = c.gather()
        self.assertEqual(en.get("language"), "en-US")
        self.assertIsNot(es, en)
        said = lambda g: " ".join(s.text or "" for s in g.iter("Say"))
        self.assertIn(prompt("es", "language"), said(es))
        self.assertNotIn(prompt("es", "language"), said(en))
        self.assertIn(prompt("en", "main_menu"), said(en))
        # "español" said to the Spanish Gather: the menu in Spanish, whose
        # English question listens in English
        c.say("español", gather=es)
        self.assertIn(prompt("es", "main_menu"), said(c.gather()))
        self.assertEqual(c.gather().get("language"), "es-US")
        en = c.language_gather("en-US")
        self.assertIn(prompt("en", "language"), said(en))
        self.assertNotIn(prompt("en", "language"), said(c.gather()))
        c.say("English", gather=en)
        self.assertIn(prompt("en", "main_menu"), said(c.gather()))
        # nine during the question
        c = self.call().start()
        c.press("9", gather=c.language_gather("es-US"))
        self.assertIn(prompt("es", "main_menu"), c.text())
        # other words there are the menu's, in the call's language
        c = self.call().start()
        c.say("stretches", gather=c.language_gather("es-US"))
        self.assertEqual(c.node(), "stretches")
        self.assertIn(prompt("en", "stretch_child_1"), c.text())
        steps = self.rows("SELECT input FROM events WHERE kind='call.step' "
                          "AND input='spanish'")
        self.assertEqual(len(steps), 1, steps)

    def test_unknown_zip_is_asked_again(self):
        c = self.call().start().press("4").press("5").press("00000")
        self.assertIn(prompt("en", "zip_unknown"), c.text())
        self.assertIn(prompt("en", "reprompt_1"), c.text())
        self.assertEqual(c.node(), "zip")
        c.press("75040")                    # Garland's
        self.assertEqual(c.dial_number(), "+19725550104")
        zips = self.rows("SELECT input FROM events WHERE node='zip'")
        self.assertEqual([z[0] for z in zips], ["zip", "zip"])

    def test_redelivered_step_is_acted_on_once(self):
        c = self.call().start().press("5").press("1").press("1")
        action = c.gather().get("action")
        first = self.h.follow(action, c.params(Digits="4"))
        again = self.h.follow(action, c.params(Digits="4"))
        self.assertEqual(first.body, again.body)
        self.assertEqual(self.rows("SELECT COUNT(*) FROM callbacks"), [(1,)])
        self.assertEqual(self.rows(
            "SELECT COUNT(*) FROM events WHERE kind='callback.request'"),
            [(1,)])

    def test_redelivered_menu_step_is_recorded_once(self):
        # A menu step keeps no stored answer: a redelivery is decided
        # again, answered the same, and its event is not written twice;
        # the call's row gets its steps and last node when it ends.
        c = self.call().start()
        action = c.gather().get("action")
        first = self.h.follow(action, c.params(Digits="2"))
        again = self.h.follow(action, c.params(Digits="2"))
        self.assertEqual(first.body, again.body)
        self.assertEqual(self.rows(
            "SELECT COUNT(*) FROM events WHERE kind='call.step'"), [(1,)])
        self.assertEqual(self.rows(
            "SELECT COUNT(*) FROM webhooks WHERE key LIKE ?",
            "voice:%s:%%" % c.sid), [(1,)])     # the first answer's only
        c.root = self.check_twiml(first)
        node = [urllib.parse.parse_qs(urllib.parse.urlparse(u).query)
                .get("n", [None])[0] for u in c.urls()][0]
        self.h.webhook("/voice/status", c.params(
            CallStatus="completed", CallDuration="30"))
        self.assertEqual(self.rows(
            "SELECT steps, last_node FROM calls WHERE call_sid=?", c.sid),
            [(1, node)])
        self.assertEqual(self.rows(
            "SELECT node FROM events WHERE kind='call.end'"), [(node,)])

    def test_second_request_keeps_place_in_line(self):
        other = self.call(frm="+18175550142").start().press("5")
        other.press("1").press("5").press("4")
        c = self.call().start().press("5").press("1").press("5").press("4")
        self.assertIn(prompt("en", "callback_position") + " 2.", c.text())
        c2 = self.call().start().press("5").press("1").press("5").press("1")
        self.assertIn(prompt("en", "callback_updated"), c2.text())
        self.assertIn(prompt("en", "callback_position") + " 2.", c2.text())
        rows = self.rows("SELECT location, preferred_window FROM callbacks "
                         "WHERE phone=?", CALLER)
        self.assertEqual(rows, [(None, "morning")])

    def test_red_flag_speech(self):
        c = self.call().start().say("stretches")
        c.say("I fell and now my legs feel weak")
        said = c.text()
        self.assertIn(prompt("en", "emergency_flagged"), said)
        self.assertIn(prompt("en", "emergency"), said)
        self.assertIsNotNone(c.root.find("Gather"))  # the menu goes on
        rows = self.rows("SELECT priority, topic, source FROM callbacks")
        self.assertEqual(rows, [(1, "red_flag", "voice")])
        c = self.call(frm="+18175550143").start().say("español")
        c.say("tuve una caída y tengo fiebre")
        self.assertIn(prompt("es", "emergency_flagged"), c.text())

    def test_status_callback_closes_the_call(self):
        c = self.call().start().press("1")
        r = self.h.webhook("/voice/status", c.params(
            CallStatus="completed", CallDuration="42"))
        self.assertEqual(r.status, 200)
        ET.fromstring(r.body)
        rows = self.rows("SELECT status, duration, steps, CASE WHEN "
                         "ended_at IS NOT NULL THEN 1 ELSE 0 END FROM calls "
                         "WHERE call_sid=?", c.sid)
        self.assertEqual(rows, [("completed", 42, 1, 1)])
        r = self.h.webhook("/voice/status", c.params(
            CallStatus="completed", CallDuration="42"))
        self.assertEqual(self.rows(
            "SELECT COUNT(*) FROM events WHERE kind='call.end'"), [(1,)])
        # events carry no phone number and no call id
        for row in self.rows("SELECT subject, node, input FROM events"):
            for v in row:
                self.assertNotIn("5550199", str(v))
                self.assertNotIn(c.sid, str(v))

    def test_hostile_input_is_escaped(self):
        c = self.call().start().say("<Hangup/>& ' \" ]]> \x01")
        self.assertIn(prompt("en", "reprompt_1"), c.text())
        # a forged step URL falls back to the menu, never a 5xx
        r = self.h.webhook("/voice/step?n=%3Cx%3E&l=zz&t=abc&loc=%22",
                           c.params(Digits="1"))
        self.check_twiml(r)
        r = self.h.webhook("/voice/step", {"From": CALLER})
        self.assertEqual(r.status, 400)

    def test_store_failure_apologises_and_connects(self):
        # The menu promises nothing, so it is answered before the store
        # writes (behind the answer); the first step with a promise in it
        # (a text) waits for the store, and the store refusing it is heard.
        c = self.failing_call().start()
        if not store_is_pg():
            self.assertIn(prompt("en", "welcome"), c.text())
            c.say("stretches").say("text me this")
        # (PostgreSQL: every step waits for its commit, the first too.)
        self.assertIn(prompt("en", "sorry_store"), c.text())
        self.assertNotIn(prompt("en", "sms_sent"), c.text())
        self.assertEqual(c.dial_number(), "+18175550100")
        self.assert_nothing_kept(c)
        # an ordinary caller is not affected, and is kept
        c = self.call().start()
        self.assertIn(prompt("en", "welcome"), c.text())
        self.assertEqual(self.rows("SELECT COUNT(*) FROM calls WHERE "
                                   "call_sid=?", c.sid), [(1,)])


class TestVoiceClosed(Voice):
    env = {"HOTLINE_CLOCK": CLOSED}

    def test_closed_clinic_hours_and_choices(self):
        c = self.call().start().press("4").press("3")
        said = c.text()
        self.assertIn(prompt("en", "location_closed"), said)
        self.assertIn(prompt("en", "hours_today") + " 8 AM to 5:30 PM", said)
        self.assertIn(prompt("en", "hours_tomorrow") + " 8 AM to 5:30 PM",
                      said)
        self.assertIn("tomorrow at 8 AM", said)
        self.assertIsNone(c.root.find("Dial"))
        c.press("2")
        self.assertIn(prompt("en", "sms_sent"), c.text())
        body = self.rows("SELECT payload FROM outbox")[0][0]
        self.assertIn("300 Placeholder Road", body)
        c.press("1").press("1").press("3")
        said = c.text()
        self.assertIn(prompt("en", "callback_closed"), said)
        self.assertNotIn(prompt("en", "callback_wait"), said)
        rows = self.rows("SELECT location, topic FROM callbacks")
        self.assertEqual(rows, [("coppell", "clinic")])

    def test_closed_front_desk_offers_callback(self):
        c = self.call().start().press("0")
        self.assertIsNone(c.root.find("Dial"))
        self.assertIn(prompt("en", "front_desk_closed_menu"), c.text())
        c.press("2")
        self.assertIsNotNone(c.root.find("Record"))
        c.follow_redirect()         # an empty recording skips the action
        self.assertIn(prompt("en", "anything_else"), c.text())

    def test_three_bad_inputs_offer_a_callback(self):
        c = self.call().start().press("8").press("8").press("8")
        self.assertIn(prompt("en", "miss_callback"), c.text())
        self.assertEqual(c.node(), "callback")
        c.silence().silence().silence()
        self.assertIn(prompt("en", "goodbye"), c.text())
        self.assertTrue(c.hung_up())

    def test_store_failure_says_goodbye_with_the_advice(self):
        c = self.failing_call().start()
        if not store_is_pg():
            c.say("stretches").say("text me this")
        said = c.text()
        self.assertIn(prompt("en", "sorry_store"), said)
        self.assertIn(prompt("en", "emergency"), said)
        self.assertTrue(c.hung_up())
        self.assertIsNone(c.root.find("Dial"))
        self.assert_nothing_kept(c)


class TestVoiceRecorded(Voice):
    """A recorded prompt is played; the others are still spoken."""

    def setUp(self):
        import shutil
        import tempfile
        from harness import FakeProvider, Hotlined
        self.d = tempfile.mkdtemp(prefix="hotline-voice-")
        shutil.copytree(os.path.join(TOP_SRCDIR, "config"),
                        os.path.join(self.d, "config"))
        shutil.copytree(os.path.join(TOP_SRCDIR, "prompts"),
                        os.path.join(self.d, "prompts"))
        with open(os.path.join(self.d, "prompts", "en", "welcome.wav"),
                  "wb") as f:
            f.write(b"RIFF" + b"\0" * 200)
        self.provider = FakeProvider()
        self.h = Hotlined(env={"HOTLINE_PROVIDER_API": self.provider.url,
                               "HOTLINE_CLOCK": OPEN},
                          config=os.path.join(self.d, "config",
                                              "hotline.yaml"))
        self.h.start()

    def tearDown(self):
        import shutil
        super().tearDown()
        shutil.rmtree(self.d, ignore_errors=True)

    def test_recording_is_played(self):
        c = self.call().start()
        # the welcome and the emergency advice come before the menu's
        # Gather, so no key press cuts the advice short
        plays = [p.text for p in c.root.iter("Play")]
        self.assertEqual(plays, [self.h.base + "/prompts/en/welcome.wav"])
        self.assertEqual(list(c.gather().iter("Play")), [])
        first = [e.tag for e in c.root]
        self.assertLess(first.index("Play"), first.index("Gather"))
        said = [e.text for e in c.root if e.tag == "Say"]
        self.assertIn(prompt("en", "emergency"), said)
        self.assertNotIn(prompt("en", "welcome"), c.text())
        self.assertIn(prompt("en", "emergency"), c.text())
        # Spanish has no recording: its words are spoken
        c = self.call().start().press("9")
        self.assertEqual(list(c.gather().iter("Play")), [])
        self.assertIn(prompt("es", "main_menu"), c.text())
