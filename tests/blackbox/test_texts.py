"""Texts a phone can hold: every reply the service can send -- every
keyword in config/sms.yaml, compliance, the fallback, red flags, a guide
texted from a call, the daily programme's answers -- in English and Spanish, open and closed, is one text
message within the segment limits (3, or 4 for Spanish in UCS-2), counted
here independently of the service's own counter; a guide's text is its
summary and the link to its page; the guide pages at /g/<guide>; and
check-config naming the replies that do not fit."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import segments
from harness import (CONFIG, HOTLINE, HOTLINED, TOP_SRCDIR, HotlineTestCase,
                     Hotlined, sms_text)

OPEN = "2026-12-01T10:00:00-06:00"      # Tuesday morning: every clinic open
CLOSED = "2026-12-04T20:00:00-06:00"    # Friday night: next open Saturday or Monday
HOLIDAY = "2026-11-26T10:00:00-06:00"   # Thanksgiving: closed until Monday

# A text that matches each keyword of sms.yaml.  A keyword added there
# without one here fails test_every_keyword_has_a_sample.
SAMPLES = {
    "stretch": "STRETCH", "estirar": "ESTIRAR", "tips": "TIPS",
    "consejos": "CONSEJOS", "recover": "RECOVER", "recuperar": "RECUPERAR",
    "treatment": "TREATMENT", "tratamiento": "TRATAMIENTO",
    "posture": "POSTURE", "postura": "POSTURA", "clinic": "CLINIC",
    "clinica": "CLÍNICA", "hours": "HOURS", "horario": "HORARIO",
    "callback": "CALLBACK", "llamame": "LLÁMAME", "zip": "76102",
    "spanish": "ESPAÑOL", "english": "ENGLISH",
    "appointment": "APPOINTMENT", "cita": "CITA",
}
# Texts that are not content keywords, and the language of their answer
# (None: the number's).
OTHERS = [("HELP", "en"), ("AYUDA", "es"), ("hello there", None),
          ("00000", None), ("I fell and can't feel my legs", "en"),
          ("me caí y no siento las piernas", "es")]
# The same keyword with a stop word about something else: the answer
# gets "Reply STOP to opt out." added.
HINTED = "{} - how do I make the pain stop"


def sms_keywords():
    """(id, language) of each keyword in the shipped sms.yaml, in order."""
    with open(os.path.join(TOP_SRCDIR, "config", "sms.yaml")) as f:
        text = f.read()
    text = text[text.index("\nkeywords:"):text.index("\nmessages:")]
    return re.findall(r"- id: (\S+)\n\s+language: (\S+)", text)


def guide_ids():
    """Every guide of the shipped guides.yaml."""
    with open(os.path.join(TOP_SRCDIR, "config", "guides.yaml")) as f:
        text = f.read()
    text = text[text.index("\nguides:"):text.index("\npage:")]
    return re.findall(r"^  ([a-z0-9_]+):\s*$", text, re.M)


class TextsCase(HotlineTestCase):
    env = {"HOTLINE_CLOCK": OPEN}
    n = 0

    def number(self):
        # A fresh texter each time: replies are throttled per number.
        TextsCase.n += 1
        return "+1817555%04d" % (2000 + TextsCase.n)

    def reply(self, body, frm=None):
        r = self.h.sms(body, frm=frm or self.number())
        self.assertEqual(r.status, 200, r.text)
        return sms_text(r)

    def assert_fits(self, text, lang, what):
        enc, units, segs = segments.count(text)
        self.assertLessEqual(
            segs, segments.limit(enc, lang),
            "%s (%s): %d segments of %s (%d units):\n%s" % (
                what, lang, segs, enc, units, text))


class TestEveryReplyFits(TextsCase):
    def test_every_keyword_has_a_sample(self):
        ids = [k for k, _ in sms_keywords()]
        self.assertGreaterEqual(len(ids), 19)
        self.assertEqual(sorted(ids), sorted(SAMPLES))

    def check_all(self, when):
        for kid, lang in sms_keywords():
            body = SAMPLES[kid]
            # "any": the number's language, so try it in both.
            langs = ["en", "es"] if lang == "any" else [lang]
            for want in langs:
                frm = self.number()
                if lang == "any" and want == "es":
                    self.reply("ESPAÑOL", frm)
                out = self.reply(body, frm)
                self.assertEqual(len(out), 1, "%s %s: %r" % (when, body, out))
                self.assert_fits(out[0], want, "%s at %s" % (body, when))
                if kid != "zip" and lang != "any":
                    out = self.reply(HINTED.format(body))
                    self.assertEqual(len(out), 1, out)
                    self.assert_fits(out[0], want, "%s with the hint" % body)
        for body, lang in OTHERS:
            out = self.reply(body)
            self.assertEqual(len(out), 1, "%s: %r" % (body, out))
            self.assert_fits(out[0], lang or "en", body)
        for body, lang in (("STOP", "en"), ("ALTO", "es")):
            frm = self.number()
            out = self.reply(body, frm)
            self.assertEqual(len(out), 1, out)
            self.assert_fits(out[0], lang, body)
            again = {"en": "START", "es": "COMENZAR"}[lang]
            self.assert_fits(self.reply(again, frm)[0], lang, again)
        # Joining the queue, then asking again.
        frm = self.number()
        for body in ("CALLBACK", "CALLBACK", "LLAMAME", "LLAMAME"):
            out = self.reply(body, frm)
            self.assertEqual(len(out), 1, out)
            self.assert_fits(out[0], "es" if body == "LLAMAME" else "en",
                             body)
        # The daily programme (guides.yaml programme:): each answer, both
        # languages, before and after enrolling (a number takes 5 replies
        # a minute: two numbers each).
        for lang, words in (("en", (("STATUS", "PAUSE", "DAILY 25pm"),
                                    ("DAILY 12:30pm", "DAILY", "STATUS",
                                     "PAUSE"))),
                            ("es", (("ESTADO", "PAUSA", "DIARIO 25pm"),
                                    ("DIARIO 12:30pm", "DIARIO", "ESTADO",
                                     "PAUSA")))):
            for run in words:
                frm = self.number()
                for body in run:
                    out = self.reply(body, frm)
                    self.assertEqual(len(out), 1, "%s: %r" % (body, out))
                    self.assert_fits(out[0], lang, "%s at %s" % (body,
                                                                 when))

    def test_open_closed_and_on_a_holiday(self):
        for when in (OPEN, CLOSED, HOLIDAY):
            self.h.stop()
            self.h.set_clock(when)
            self.h.start()
            self.check_all(when)

    def test_a_guide_texted_from_a_call_is_the_same_one_text(self):
        for lang, keys in (("en", ["2", "3"]), ("es", ["9", "2", "3"])):
            frm = self.number()
            sid = "CA" + os.urandom(16).hex()
            r = self.h.webhook("/voice/incoming",
                               self.h.call_params(sid, frm=frm))
            for key in keys:
                g = r.xml().find(".//Gather")
                self.assertIsNotNone(g, r.text)
                r = self.h.follow(g.get("action"), dict(
                    self.h.call_params(sid, frm=frm), Digits=key))
                self.assertEqual(r.status, 200, r.text)
            self.assertTrue(self.provider.wait_for(lambda: [
                m for m in self.provider.messages()
                if m["form"].get("To") == frm]))
            sent = [m["form"]["Body"] for m in self.provider.messages()
                    if m["form"].get("To") == frm]
            self.assertEqual(len(sent), 1, sent)
            self.assert_fits(sent[0], lang, "text me this")
            # The stretch the caller was hearing: its summary and page.
            link = self.h.base + "/g/stretch_child" + (
                "?lang=es" if lang == "es" else "")
            self.assertIn(link + "\n", sent[0])
            self.assertIn({"en": "Child's pose", "es": "Postura del niño"}[
                lang], sent[0])
            self.assertNotIn("(1/", sent[0])

    def test_curly_quotes_and_dashes_go_as_gsm7(self):
        # A text queued elsewhere (a staff notice, another module) with
        # typographic characters is sent in the plain alphabet.
        from harness import store_enqueue
        frm = self.number()
        store_enqueue(self.h, "sms", frm,
                      '{"to": "%s", "body": "It\\u2019s \\u201cready\\u201d '
                      '\\u2014 see you\\u2026"}' % frm, "test:curly")
        self.assertTrue(self.provider.wait_for(lambda: [
            m for m in self.provider.messages()
            if m["form"].get("To") == frm]))
        body = [m["form"]["Body"] for m in self.provider.messages()
                if m["form"].get("To") == frm][0]
        self.assertEqual(body, "It's \"ready\" - see you...")
        self.assertTrue(segments.is_gsm7(body))


class TestGuidePages(TextsCase):
    def get(self, path, **headers):
        return self.h.get(path, headers=headers or None)

    def test_every_guide_has_a_page_in_both_languages(self):
        ids = guide_ids()
        self.assertIn("stretches", ids)
        for gid in ids:
            for lang in ("en", "es"):
                r = self.get("/g/%s?lang=%s" % (gid, lang))
                self.assertEqual(r.status, 200, gid)
                self.assertEqual(r.headers["Content-Type"],
                                 "text/html; charset=utf-8")
                self.assertIn('<html lang="%s">' % lang, r.text)
                self.assertIn("911", r.text)
                self.assertIn('<ol class="steps">', r.text)
                self.assertIn("Placeholder", r.text)

    def test_stretches_page(self):
        r = self.get("/g/stretches")
        t = r.text
        for title in ("Child&apos;s pose", "Knee-to-chest stretch",
                      "Cat-cow stretch", "Piriformis stretch"):
            self.assertIn("<h2>%s</h2>" % title, t)
        self.assertEqual(t.count('<figure class="pic"'), 4)
        self.assertEqual(t.count("<svg"), 4 + t.count('class="hold"'))
        self.assertIn("Hold 25 seconds", t)
        self.assertIn("Hold 30 seconds", t)
        self.assertIn("20 to 30 seconds", t)
        self.assertIn("not a diagnosis", t)
        self.assertIn("Call 911 now", t)
        self.assertIn('href="tel:+18175550101"', t)
        self.assertIn("reply CALLBACK", t)
        self.assertIn('href="/g/stretches?lang=es"', t)
        # The safety note once, not before every stretch.
        self.assertEqual(t.count("Stop if the pain gets sharp"), 1)
        # Nothing from anyone else, nothing that runs.
        self.assertNotRegex(t, r"<script|<link|<img|<iframe|src=|@import")
        self.assertNotRegex(t, r'(href|action)="(https?:)?//')
        self.assertIn("default-src 'none'", r.headers["Content-Security-Policy"])
        self.assertNotIn("script-src", r.headers["Content-Security-Policy"])
        self.assertNotIn("Set-Cookie", r.headers)

    def test_spanish_by_parameter_and_by_accept_language(self):
        r = self.get("/g/stretches?lang=es")
        self.assertIn('<html lang="es">', r.text)
        self.assertIn("<h2>Postura del niño</h2>", r.text)
        self.assertIn("Mantenga 25 segundos", r.text)
        self.assertIn("no es un diagnóstico", r.text.lower())
        self.assertIn('href="/g/stretches?lang=en"', r.text)
        cases = [("es-MX,es;q=0.9,en;q=0.5", "es"), ("es", "es"),
                 ("fr-FR, en;q=0.5", "en"), ("en;q=0.2, es;q=0.8", "es"),
                 ("de", "en"), ("*", "en"), ("ES-us", "es")]
        for header, lang in cases:
            r = self.get("/g/stretch_child", **{"Accept-Language": header})
            self.assertIn('<html lang="%s">' % lang, r.text, header)
            self.assertIn("Accept-Language", r.headers.get("Vary", ""))
        # The parameter wins; an unknown one is ignored.
        r = self.get("/g/stretch_child?lang=en", **{"Accept-Language": "es"})
        self.assertIn('<html lang="en">', r.text)
        r = self.get("/g/stretch_child?lang=xx", **{"Accept-Language": "es"})
        self.assertIn('<html lang="es">', r.text)

    def test_etag_and_not_modified(self):
        r = self.get("/g/stretches")
        tag = r.headers["ETag"]
        self.assertRegex(tag, r'^"[0-9a-f]+"$')
        self.assertIn("max-age", r.headers["Cache-Control"])
        self.assertEqual(self.get("/g/stretches").headers["ETag"], tag)
        r = self.get("/g/stretches", **{"If-None-Match": tag})
        self.assertEqual(r.status, 304)
        self.assertEqual(r.text, "")
        r = self.get("/g/stretches", **{"If-None-Match": '"x", ' + tag})
        self.assertEqual(r.status, 304)
        r = self.get("/g/stretches", **{"If-None-Match": '"stale"'})
        self.assertEqual(r.status, 200)
        # Another language is another page, another tag.
        es = self.get("/g/stretches?lang=es", **{"If-None-Match": tag})
        self.assertEqual(es.status, 200)
        self.assertNotEqual(es.headers["ETag"], tag)
        # HEAD: the headers without the page.
        r = self.h.request("HEAD", "/g/stretches")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["ETag"], tag)
        self.assertEqual(r.text, "")

    def test_unknown_guides_and_bad_paths_are_404(self):
        for path in ("/g/nope", "/g/STRETCHES", "/g/stretches%2f..",
                     "/g/" + "a" * 200, "/g/<b>"):
            r = self.get(path)
            self.assertEqual(r.status, 404, path)
            self.assertNotIn("<b>", r.text)
        self.assertEqual(self.h.request("POST", "/g/stretches").status, 405)

    def test_nearest_clinic_by_zip(self):
        r = self.get("/g/stretches?zip=75040")
        self.assertIn("Nearest to 75040: Garland", r.text)
        clinics = r.text[r.text.index('id="clinics"'):]
        self.assertLess(clinics.index("<h3>Garland</h3>"),
                        clinics.index("<h3>Fort Worth</h3>"))
        self.assertIn('value="75040"', r.text)
        r = self.get("/g/stretches?lang=es&zip=00000")
        self.assertIn("No conocemos el código postal 00000", r.text)
        self.assertIn('name="lang" value="es"', r.text)
        # Anything but five digits is not a ZIP code, and not echoed.
        r = self.get("/g/stretches?zip=%3Cscript%3E")
        self.assertNotIn("<script", r.text)
        self.assertNotIn("Nearest", r.text)


class TestEscaping(unittest.TestCase):
    """Words from the configuration are text on the page, never markup."""

    def setUp(self):
        self.d = tempfile.mkdtemp(prefix="hotline-texts-")
        shutil.copytree(os.path.join(TOP_SRCDIR, "config"),
                        os.path.join(self.d, "config"))
        shutil.copytree(os.path.join(TOP_SRCDIR, "prompts"),
                        os.path.join(self.d, "prompts"))
        self.cfg = os.path.join(self.d, "config", "hotline.yaml")
        self.h = None

    def tearDown(self):
        if self.h is not None:
            self.h.cleanup()
        shutil.rmtree(self.d, ignore_errors=True)

    def edit(self, name, old, new):
        path = os.path.join(self.d, name)
        with open(path) as f:
            text = f.read()
        self.assertIn(old, text)
        with open(path, "w") as f:
            f.write(text.replace(old, new, 1))

    def check_config(self):
        env = dict(os.environ, TWILIO_AUTH_TOKEN="t", TWILIO_ACCOUNT_SID="AC1")
        p = subprocess.run([HOTLINE, "--config", self.cfg, "check-config"],
                           capture_output=True, text=True, env=env,
                           timeout=120)
        q = subprocess.run([HOTLINED, "--check", "--config", self.cfg],
                           capture_output=True, text=True, env=env,
                           timeout=120)
        return p.returncode, p.stdout + p.stderr, q.returncode, q.stderr

    def test_markup_in_titles_and_steps_is_escaped(self):
        self.edit("config/guides.yaml", 'en: "Child\'s pose"',
                  'en: "Child\'s <i>pose</i> & \\"rest\\""')
        self.edit("prompts/en/stretch_child_2.txt", "Reach your arms",
                  "<script>alert(1)</script> Reach your arms")
        self.h = Hotlined(config=self.cfg)
        self.h.start()
        t = self.h.get("/g/stretch_child").text
        self.assertIn("Child&apos;s &lt;i&gt;pose&lt;/i&gt; &amp; "
                      "&quot;rest&quot;", t)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt; Reach", t)
        self.assertNotIn("<script", t)
        self.assertNotIn("<i>", t)

    def test_check_config_names_replies_that_do_not_fit(self):
        long_en = "This help text goes on. " * 22     # 528 characters
        self.edit("config/sms.yaml",
                  'en: "NorTex Spine & Joint back pain line: stretches',
                  'en: "%s NorTex Spine & Joint back pain line: stretches'
                  % long_en)
        self.edit("config/guides.yaml",
                  'es: "4 estiramientos suaves',
                  'es: "%s4 estiramientos suaves' % ("Guía útil. " * 12))
        rc, out, drc, derr = self.check_config()
        self.assertEqual(rc, 1, out)
        self.assertRegex(out, r"sms\.yaml:\d+: HELP reply \(en\) is 5 "
                         r"segments of GSM-7 \(\d+ septets\)")
        self.assertRegex(out, r"guides\.yaml:\d+: guide 'stretches' text "
                         r"\(es\) is \d+ segments of UCS-2")
        # Where they are written: the help message, the Spanish summary.
        with open(os.path.join(self.d, "config", "sms.yaml")) as f:
            lines = f.read().split("\n")
        at = lines.index("messages:")
        line = at + lines[at:].index("  help:") + 1
        self.assertIn("sms.yaml:%d:" % line, out)
        self.assertEqual(drc, 1, derr)
        self.assertIn("HELP reply (en)", derr)

    def test_check_config_refuses_a_drawing_that_runs(self):
        self.edit("config/guides.yaml", "<!-- Child's pose, side view",
                  "<script>alert(1)</script><!-- Child's pose, side view")
        rc, out, _, _ = self.check_config()
        self.assertEqual(rc, 1, out)
        self.assertIn("guide 'stretch_child': the illustration holds a "
                      "script", out)


if __name__ == "__main__":
    unittest.main()
