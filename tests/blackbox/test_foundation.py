"""The service's frame: health, limits, signatures, config problems, reload."""
import os
import signal
import subprocess
import tempfile
import shutil
import time
import urllib.parse

from harness import (AUTH_TOKEN, CONFIG, HOTLINED, Hotlined, HotlineTestCase,
                     TOP_SRCDIR, http, sign)


class TestFrame(HotlineTestCase):
    def test_health_ready_metrics(self):
        self.assertEqual(self.h.get("/healthz").status, 200)
        self.assertEqual(self.h.get("/readyz").status, 200)
        m = self.h.get("/metrics")
        self.assertEqual(m.status, 200)
        self.assertIn("hotline_http_requests_total", m.text)
        self.assertTrue(m.headers["Content-Type"].startswith("text/plain"))

    def test_unknown_path_and_method(self):
        r = self.h.get("/no/such/thing")
        self.assertEqual(r.status, 404)
        self.assertIn("no such path", r.text)
        r = self.h.request("POST", "/healthz", b"")
        self.assertEqual(r.status, 405)

    def test_oversize_body(self):
        r = self.h.request("POST", "/sms/incoming", b"a=" + b"x" * 200000,
                           {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 413)

    def test_forged_and_missing_signature(self):
        params = {"MessageSid": "SM" + "1" * 32, "From": "+18175550199",
                  "To": "+18175550100", "Body": "STRETCH"}
        r = self.h.webhook("/sms/incoming", params, signed=False)
        self.assertEqual(r.status, 403)
        r = self.h.webhook("/sms/incoming", params, token="wrong-token")
        self.assertEqual(r.status, 403)
        r = self.h.webhook("/voice/incoming", {"CallSid": "CA1"},
                           signed=False)
        self.assertEqual(r.status, 403)
        # a valid signature over other parameters does not carry over
        body = urllib.parse.urlencode(dict(params, Body="STOP")).encode()
        r = http("POST", self.h.base + "/sms/incoming", body,
                 {"Content-Type": "application/x-www-form-urlencoded",
                  "X-Twilio-Signature": sign(self.h.base + "/sms/incoming",
                                             params)})
        self.assertEqual(r.status, 403)

    def test_malformed_form(self):
        body = b"From=%zz&Body=hi"
        h = {"Content-Type": "application/x-www-form-urlencoded",
             "X-Twilio-Signature": "x" * 28}
        r = http("POST", self.h.base + "/sms/incoming", body, h)
        self.assertEqual(r.status, 400)

    def test_sigterm_exits_cleanly(self):
        self.assertEqual(self.h.stop(signal.SIGTERM), 0)
        self.assertIn("shutdown", self.h.log())


def copy_config():
    d = tempfile.mkdtemp(prefix="hotline-cfg-")
    shutil.copytree(os.path.join(TOP_SRCDIR, "config"), os.path.join(d, "config"))
    shutil.copytree(os.path.join(TOP_SRCDIR, "prompts"), os.path.join(d, "prompts"))
    return d


def check(path):
    p = subprocess.run([HOTLINED, "--check", "--config", path],
                       capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout + p.stderr


class TestConfigErrors(HotlineTestCase):
    def setUp(self):
        self.d = copy_config()
        self.cfg = os.path.join(self.d, "config", "hotline.yaml")
        super().setUp()

    def tearDown(self):
        super().tearDown()
        shutil.rmtree(self.d, ignore_errors=True)

    def edit(self, name, old, new):
        p = os.path.join(self.d, "config", name)
        with open(p) as f:
            s = f.read()
        self.assertIn(old, s)
        with open(p, "w") as f:
            f.write(s.replace(old, new, 1))

    def line_of(self, name, needle):
        with open(os.path.join(self.d, "config", name)) as f:
            for i, line in enumerate(f, 1):
                if needle in line:
                    return i
        self.fail("%s not in %s" % (needle, name))

    def test_shipped_config_is_ok(self):
        rc, out = check(self.cfg)
        self.assertEqual(rc, 0, out)

    def test_bad_indent(self):
        self.edit("hotline.yaml", "  timeout: 10", "    timeout: 10\n bad: [")
        rc, out = check(self.cfg)
        self.assertNotEqual(rc, 0)
        self.assertRegex(out, r"hotline\.yaml:\d+: ")

    def test_bad_value_has_line(self):
        self.edit("hotline.yaml", "max_connections: 1024", "max_connections: lots")
        rc, out = check(self.cfg)
        self.assertNotEqual(rc, 0)
        line = self.line_of("hotline.yaml", "max_connections: lots")
        self.assertIn("hotline.yaml:%d: " % line, out)

    def test_missing_prompt_file(self):
        os.remove(os.path.join(self.d, "prompts", "es", "stretch_child_1.txt"))
        rc, out = check(self.cfg)
        self.assertNotEqual(rc, 0)
        self.assertRegex(out, r"guides\.yaml:\d+: prompt 'stretch_child_1' is missing")

    def test_bad_hours_and_holiday(self):
        self.edit("locations.yaml", '- "12-24"', '- "2026-13-45"')
        self.edit("locations.yaml", '"last mon of may"', '"last mon of mai"')
        rc, out = check(self.cfg)
        self.assertNotEqual(rc, 0)
        for bad in ("2026-13-45", "last mon of mai"):
            line = self.line_of("locations.yaml", bad)
            self.assertIn("locations.yaml:%d: holiday" % line, out)
            # A shared holiday is reported once, not once per location.
            self.assertEqual(out.count("holiday '%s'" % bad), 1, out)

    def test_bad_pattern(self):
        self.edit("safety.yaml", "red_flags:", "red_flags_old:")
        with open(os.path.join(self.d, "config", "safety.yaml"), "a") as f:
            f.write("red_flags:\n  en: '(unclosed'\n  es: 'ok'\n")
        rc, out = check(self.cfg)
        self.assertNotEqual(rc, 0)
        self.assertRegex(out, r"safety\.yaml:\d+: pattern '\(unclosed' does not compile")

    def test_sighup_with_broken_config_keeps_old(self):
        h = Hotlined(config=self.cfg)
        h.start()
        try:
            self.edit("hotline.yaml", "max_connections: 1024", "max_connections: [")
            h.proc.send_signal(signal.SIGHUP)
            time.sleep(0.5)
            self.assertEqual(h.get("/healthz").status, 200)
            self.assertIn("old one stays in force", h.log())
        finally:
            h.cleanup()
