"""The command-line tool against a real hotlined: `hotline call --script`,
`hotline sms`, `hotline report`, /metrics and `hotline check-config`."""
import csv
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import (ACCOUNT_SID, AUTH_TOKEN, CONFIG, HOTLINE, HOTLINED,
                     TOP_SRCDIR, Hotlined, HotlineTestCase, free_port, pty_read)

# A Tuesday morning in Texas: every clinic and the front desk are open.
OPEN = "2026-12-01T10:00:00-06:00"


def hotline(args, env=None, config=CONFIG, timeout=60):
    e = dict(os.environ)
    e.pop("HOTLINE_CONFIG", None)
    if env:
        e.update(env)
    return subprocess.run([HOTLINE, "--config", config] + list(args),
                          env=e, capture_output=True, text=True,
                          timeout=timeout)


class CliCase(HotlineTestCase):
    def run_cli(self, args, **kw):
        return hotline(args, env=self.h.env, **kw)

    def call(self, script, *extra):
        r = self.run_cli(["call", "--json", "--script", script] + list(extra))
        self.assertTrue(r.stdout.strip(), r.stderr)
        return r, json.loads(r.stdout)


def requests(t):
    return [e for e in t["events"] if e["type"] == "request"]


def spoken(t):
    return [e.get("text") or "" for e in t["events"]
            if e["type"] in ("say", "play")]


class TestCall(CliCase):
    def test_script_walks_the_menu(self):
        r, t = self.call("2,1,#,speech:stretches")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(t["ok"])
        self.assertRegex(t["call_sid"], r"^CA[0-9a-f]{32}$")
        reqs = requests(t)
        self.assertEqual(reqs[0]["url"], "/voice/incoming")
        self.assertEqual(reqs[0]["params"]["AccountSid"], ACCOUNT_SID)
        for name in ("CallSid", "From", "To", "Caller", "Called",
                     "CallStatus", "Direction", "ApiVersion"):
            self.assertIn(name, reqs[0]["params"])
        # Every webhook answered 200 with TwiML; the inputs went in order.
        self.assertTrue(all(q["status"] == 200 for q in reqs))
        inputs = [q["params"].get("Digits") or
                  q["params"].get("SpeechResult") for q in reqs[1:]]
        self.assertEqual(inputs, ["2", "1", "#", "stretches"])
        words = " ".join(spoken(t)).lower()
        self.assertIn("911", words.replace("nine one one", "911"))
        self.assertIn("child", words)
        self.assertIn("knee", words)
        # Ends like the provider: the status callback, accepted.
        last = t["events"][-1]
        self.assertEqual(last["type"], "status_callback")
        self.assertEqual(last["status"], 200)
        self.assertGreater(last["duration"], 0)
        self.assertEqual(t["ended"], "caller-hangup")

    def test_text_transcript(self):
        r = self.run_cli(["call", "--script", "1,hangup"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("> POST /voice/incoming", r.stdout)
        self.assertIn("< press 1", r.stdout)
        self.assertRegex(r.stdout, r"> POST /voice/status "
                         r"CallStatus=completed CallDuration=\d+  \[200\]")

    def test_lang_answers_the_language_question(self):
        r, t = self.call("silence", "--lang", "es")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        gathers = [e for e in t["events"] if e["type"] == "gather"]
        self.assertEqual(gathers[0].get("why"), "--lang")
        after = t["events"][t["events"].index(gathers[0]) + 1:]
        says = [e for e in after if e["type"] == "say"]
        self.assertTrue(says[0]["language"].startswith("es"), says[0])
        self.assertIn("oprima", " ".join(e["text"] for e in says))

    def test_wrong_token_is_an_application_error(self):
        r = hotline(["call", "--json", "--script", "1"],
                    env=dict(self.h.env, TWILIO_AUTH_TOKEN="not-the-token"))
        self.assertEqual(r.returncode, 1)
        t = json.loads(r.stdout)
        self.assertFalse(t["ok"])
        self.assertEqual(t["ended"], "error")
        self.assertEqual(requests(t)[0]["status"], 403)
        self.assertTrue(any("403" in e.get("message", "")
                            for e in t["events"] if e["type"] == "error"))

    def test_service_down(self):
        r = hotline(["call", "--script", "1"], env=dict(
            self.h.env, HOTLINE_PUBLIC_URL="http://127.0.0.1:%d" %
            free_port()))
        self.assertEqual(r.returncode, 1)
        self.assertIn("application error", r.stdout)

    def test_bad_script(self):
        r = self.run_cli(["call", "--script", "2,jump"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("'jump'", r.stderr)
        r = self.run_cli(["call", "--script", "dial:maybe"])
        self.assertEqual(r.returncode, 2)

    def test_no_terminal_needs_a_script(self):
        r = subprocess.run([HOTLINE, "--config", CONFIG, "call"],
                           env=self.h.env, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--script", r.stderr)

    def test_url_differs_from_public_url(self):
        # The provider signs the public URL; --url is where requests go.
        env = dict(self.h.env, HOTLINE_PUBLIC_URL=self.h.base)
        r = hotline(["call", "--json", "--url", "http://localhost:%d" %
                     self.h.port, "--script", "hangup"], env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class TestCallOpen(CliCase):
    env = {"HOTLINE_CLOCK": OPEN}

    def test_dial_and_voicemail(self):
        r, t = self.call("0,dial:no-answer,2,record")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        dials = [e for e in t["events"] if e["type"] == "dial"]
        self.assertEqual(len(dials), 1)
        self.assertEqual(dials[0]["status"], "no-answer")
        reqs = requests(t)
        after = [q for q in reqs if "DialCallStatus" in q["params"]]
        self.assertEqual(after[0]["params"]["DialCallStatus"], "no-answer")
        self.assertRegex(after[0]["params"]["DialCallSid"], r"^CA[0-9a-f]{32}$")
        rec = [q for q in reqs if "RecordingUrl" in q["params"]]
        self.assertEqual(len(rec), 1)
        self.assertRegex(rec[0]["params"]["RecordingUrl"],
                         r"^https://api\.twilio\.com/2010-04-01/Accounts/AC"
                         r"[0-9]{32}/Recordings/RE[0-9a-f]{32}$")
        self.assertEqual(t["ended"], "hangup")
        # The voicemail joined the callback queue: staff were texted.
        self.assertTrue(self.provider.wait_for(
            lambda: len(self.provider.messages()) > 0))

    def test_dial_defaults_to_answered(self):
        r, t = self.call("0")
        dials = [e for e in t["events"] if e["type"] == "dial"]
        self.assertEqual(dials[0]["status"], "completed")


class TestSms(CliCase):
    def test_texts_in_a_row(self):
        r = self.run_cli(["sms", "--json", "STRETCH", "HELP"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        t = json.loads(r.stdout)
        self.assertTrue(t["ok"])
        self.assertEqual([x["text"] for x in t["texts"]], ["STRETCH", "HELP"])
        self.assertTrue(all(x["status"] == 200 for x in t["texts"]))
        stretch = " ".join(m["text"] for m in t["texts"][0]["replies"])
        self.assertIn("/g/stretches", stretch)
        help_ = " ".join(m["text"] for m in t["texts"][1]["replies"])
        self.assertIn("STOP", help_)
        self.assertRegex(t["texts"][0]["sid"], r"^SM[0-9a-f]{32}$")

    def test_text_output(self):
        r = self.run_cli(["sms", "--from", "(817) 555-0177", "TIPS"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], "> TIPS")
        self.assertTrue(lines[1].startswith("< "))

    def test_wrong_token(self):
        r = hotline(["sms", "HELP"], env=dict(
            self.h.env, TWILIO_AUTH_TOKEN="not-the-token"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("403", r.stdout)


class TestSmsProvider(unittest.TestCase):
    """Replies sent through the REST API reach the stand-in of --listen-provider."""

    def setUp(self):
        self.port = free_port()
        self.h = Hotlined(env={
            "HOTLINE_PROVIDER_API": "http://127.0.0.1:%d" % self.port,
            "HOTLINE_CLOCK": OPEN})
        self.h.start()

    def tearDown(self):
        self.h.cleanup()

    def test_rest_replies_and_status_callbacks(self):
        r = hotline(["sms", "--json", "--listen-provider",
                     "127.0.0.1:%d" % self.port, "--wait", "1.5",
                     "CALLBACK"], env=self.h.env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        t = json.loads(r.stdout)
        self.assertIn("line", " ".join(m["text"] for m in
                                       t["texts"][0]["replies"]))
        # Staff on call were texted through the REST API.
        self.assertTrue(t["sent"], r.stdout)
        self.assertTrue(any("callback" in s["text"].lower()
                            for s in t["sent"]))
        self.assertTrue(all(s["sid"].startswith("SM") for s in t["sent"]))
        # Delivery reports went back to /sms/status, signed and accepted
        # (an error would have made the run fail).
        self.assertTrue(t["ok"])

    def test_provider_port_shorthand(self):
        r = hotline(["sms", "--provider-port", str(self.port), "--wait",
                     "0.5", "HELP"], env=self.h.env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("HOTLINE_PROVIDER_API=http://127.0.0.1:%d" % self.port,
                      r.stdout)


class TestReport(CliCase):
    def fill(self):
        for script in ("2,1,#,speech:stretches", "1,hangup", "2,hangup"):
            r, t = self.call(script)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.run_cli(["sms", "STRETCH", "TIPS", "STOP"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_report_funnel_keywords_optouts(self):
        self.fill()
        r = self.run_cli(["report", "--json"])
        self.assertEqual(r.returncode, 0, r.stderr)
        rep = json.loads(r.stdout)
        sec = {s["name"]: s for s in rep["sections"]}
        daily = sec["daily"]["rows"]
        self.assertEqual(sum(row[1] for row in daily), 3)
        self.assertGreaterEqual(sum(row[3] for row in daily), 3)
        funnel = {row[0]: row for row in sec["funnel"]["rows"]}
        self.assertTrue(funnel, "no funnel rows")
        # Where calls ended adds up to the calls made.
        self.assertEqual(sum(row[3] for row in funnel.values()), 3)
        kw = {row[0]: row[1] for row in sec["keywords"]["rows"]}
        self.assertTrue(any("stretch" in k.lower() for k in kw), kw)
        opt = {row[0]: row for row in sec["optouts"]["rows"]}
        self.assertEqual(opt["opt-out"][2], 1)
        self.assertEqual(opt["opted out now"][2], 1)
        # Nothing in the report identifies a caller.
        self.assertNotIn("555", r.stdout.replace("5550100", ""))

    def test_report_text_and_csv(self):
        self.fill()
        r = self.run_cli(["report"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Menu funnel", r.stdout)
        self.assertIn("Text keywords", r.stdout)
        self.assertIn("Callbacks per location", r.stdout)
        r = self.run_cli(["report", "--csv", "--since", "2020-01-01"])
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = list(csv.reader(io.StringIO(r.stdout)))
        funnel = [row for row in rows if row and row[0] == "funnel"]
        self.assertTrue(funnel)
        header = [row for row in rows if row and row[0] == "section" and
                  "hung_up_here" in row]
        self.assertEqual(len(header), 1)
        r = self.run_cli(["report", "--since", "yesterday"])
        self.assertEqual(r.returncode, 2)

    def test_report_since_excludes_the_past(self):
        self.fill()
        r = self.run_cli(["report", "--json", "--since", "2099-01-01"])
        rep = json.loads(r.stdout)
        sec = {s["name"]: s for s in rep["sections"]}
        self.assertEqual(sec["daily"]["rows"], [])
        self.assertEqual(sec["funnel"]["rows"], [])

    def test_metrics_carry_the_report(self):
        self.fill()
        body = self.h.get("/metrics").text
        m = re.search(r"^hotline_report_calls (\d+)", body, re.M)
        self.assertIsNotNone(m, body)
        self.assertEqual(int(m.group(1)), 3)
        self.assertRegex(body, r'hotline_report_node_callers\{node="main"\} '
                         r'[1-9]')
        self.assertRegex(body, r'hotline_report_opted_out 1')
        self.assertIn("# TYPE hotline_report_calls gauge", body)


class TestCheckConfig(unittest.TestCase):
    """Each kind of operator mistake is reported as file:line."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hotline-cfg-")
        shutil.copytree(os.path.join(TOP_SRCDIR, "config"),
                        os.path.join(self.dir, "config"))
        shutil.copytree(os.path.join(TOP_SRCDIR, "prompts"),
                        os.path.join(self.dir, "prompts"))
        self.cfg = os.path.join(self.dir, "config", "hotline.yaml")
        self.env = {"TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                    "TWILIO_ACCOUNT_SID": ACCOUNT_SID}

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def edit(self, name, old, new, count=1):
        """Replace old by new in config/name; return the 1-based line."""
        path = os.path.join(self.dir, "config", name)
        with open(path) as f:
            text = f.read()
        i = text.index(old)
        line = text.count("\n", 0, i) + 1
        text = text[:i] + new + text[i + len(old):]
        with open(path, "w") as f:
            f.write(text)
        return path, line

    def check(self):
        return hotline(["check-config"], env=self.env, config=self.cfg)

    def assertProblem(self, path, line, words):
        r = self.check()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        want = "%s:%d: " % (path, line)
        hits = [l for l in r.stderr.splitlines() if l.startswith(want)]
        self.assertTrue(hits, "no %s in:\n%s" % (want, r.stderr))
        self.assertTrue(any(re.search(words, h, re.I) for h in hits),
                        "%r not in %r" % (words, hits))

    def test_shipped_config_is_ok(self):
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"hotline\.yaml: ok")

    def test_missing_token_is_a_warning(self):
        r = hotline(["check-config"], env={"TWILIO_AUTH_TOKEN": ""},
                    config=self.cfg)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("TWILIO_AUTH_TOKEN", r.stderr)

    def test_number_out_of_range(self):
        p, n = self.edit("hotline.yaml", "max_body: 65536",
                         "max_body: 12")
        self.assertProblem(p, n, "max_body")

    def test_unknown_key_near_a_known_one(self):
        p, n = self.edit("hotline.yaml", "  max_body: 65536",
                         "  max_bdy: 100")
        self.assertProblem(p, n, r"unknown key 'max_bdy': did you mean "
                           r"'max_body'\?")
        p, n = self.edit("hotline.yaml", "\nvoice:", "\nvoise:")
        self.assertProblem(p, n + 1, r"unknown key 'voise': did you mean "
                           r"'voice'\?")

    def test_unknown_key_in_every_file(self):
        edits = [
            ("sms.yaml", "    guide: stretches\n",
             "    guide: stretches\n    reply: \"x\"\n", 1, "'reply'"),
            ("locations.yaml", "    timezone: America/Chicago\n",
             "    timezone: America/Chicago\n    timezon: UTC\n", 1,
             "'timezon': did you mean 'timezone'"),
            ("flow.yaml", "\nnodes:", "\nnodez: {}\nnodes:", 1,
             "'nodez': did you mean 'nodes'"),
            ("guides.yaml", "\nguides:", "\nguidez: {}\nguides:", 1,
             "'guidez': did you mean 'guides'"),
            ("safety.yaml", "\nred_flags:", "\nred_flag: {}\nred_flags:",
             1, "'red_flag': did you mean 'red_flags'"),
        ]
        where = []
        for name, old, new, skip, words in edits:
            p, n = self.edit(name, old, new)
            where.append((p, n + skip, words))
        r = self.check()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        for p, n, words in where:
            self.assertIn("%s:%d: unknown key %s" % (p, n, words), r.stderr)

    def test_names_the_file_chooses_are_not_keys(self):
        # Guide ids, node ids and message names are the file's own.
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("unknown key", r.stderr)

    def test_hotlined_check_says_the_same(self):
        self.edit("hotline.yaml", "  max_body: 65536", "  max_bdy: 100")
        env = dict(os.environ, TWILIO_AUTH_TOKEN="", TWILIO_ACCOUNT_SID="")
        env.pop("HOTLINE_CONFIG", None)
        for broken in (True, False):
            if not broken:
                self.edit("hotline.yaml", "  max_bdy: 100",
                          "  max_body: 65536")
            a = subprocess.run([HOTLINE, "--config", self.cfg,
                                "check-config"], env=env, capture_output=True,
                               text=True, timeout=60)
            b = subprocess.run([HOTLINED, "--check", "--config", self.cfg],
                               env=env, capture_output=True, text=True,
                               timeout=60)
            self.assertEqual((a.returncode, a.stdout, a.stderr),
                             (b.returncode, b.stdout, b.stderr))
            self.assertEqual(a.returncode, 1 if broken else 0)
            if not broken:
                self.assertIn("ok (with warnings)", b.stdout)
                self.assertIn("warning: no auth token", b.stderr)

    def test_yaml_syntax(self):
        p, n = self.edit("locations.yaml", "    timezone: America/Chicago",
                         "    timezone: [America/Chicago")
        r = self.check()
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, re.escape(p) + r":\d+: ")

    def test_bad_timezone(self):
        p, n = self.edit("locations.yaml", "timezone: America/Chicago",
                         "timezone: America/Dallas")
        self.assertProblem(p, n, "timezone|America/Dallas")

    def test_guide_names_a_missing_prompt(self):
        p, n = self.edit("guides.yaml", "stretch_child_1",
                         "stretch_child_one")
        self.assertProblem(p, n, "stretch_child_one")

    def test_red_flag_pattern_does_not_compile(self):
        p, n = self.edit("safety.yaml", "numb\\w*", "numb(\\w*")
        r = self.check()
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, re.escape(p) + r":\d+: .*pattern|" +
                         re.escape(p) + r":\d+: .*(paren|compile)")

    def test_flow_goes_nowhere(self):
        p, n = self.edit("flow.yaml", "goto: voicemail",
                         "goto: voicemale")
        self.assertProblem(p, n, "voicemale")

    def test_bad_phone_number(self):
        p, n = self.edit("locations.yaml", '"+18175550101"', '"call us"')
        self.assertProblem(p, n, "phone|number")

    def test_several_problems_at_once(self):
        p1, n1 = self.edit("hotline.yaml", "max_body: 65536", "max_body: 12")
        p2, n2 = self.edit("flow.yaml", "goto: voicemail", "goto: voicemale")
        r = self.check()
        self.assertEqual(r.returncode, 1)
        self.assertIn("%s:%d: " % (p1, n1), r.stderr)
        self.assertIn("%s:%d: " % (p2, n2), r.stderr)
        self.assertRegex(r.stderr, r"\d+ problems")

    def test_other_commands_refuse_a_broken_config(self):
        self.edit("hotline.yaml", "max_body: 65536", "max_body: 12")
        r = hotline(["report"], env=self.env, config=self.cfg)
        self.assertEqual(r.returncode, 1)
        self.assertIn("check-config", r.stderr)


class TestUsage(unittest.TestCase):
    def test_unknown_command(self):
        r = hotline(["frobnicate"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown command", r.stderr)

    def test_help_and_version(self):
        r = subprocess.run([HOTLINE, "--help"], capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 0)
        for cmd in ("call", "sms", "prompts render", "report",
                    "check-config"):
            self.assertIn(cmd, r.stdout)
        r = subprocess.run([HOTLINE, "--version"], capture_output=True,
                           text=True)
        self.assertRegex(r.stdout, r"^hotline \d+\.\d+")

    def test_config_from_environment(self):
        e = dict(os.environ, HOTLINE_CONFIG="/nonexistent/hotline.yaml")
        r = subprocess.run([HOTLINE, "check-config"], env=e,
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("/nonexistent/hotline.yaml", r.stderr)


if __name__ == "__main__":
    unittest.main()


class TestInteractive(CliCase):
    """Keys come from the terminal one at a time, without Enter."""

    def read_until(self, fd, pattern, timeout=15):
        text = pty_read(fd, pattern.encode(), timeout).decode(
            "utf-8", "replace")
        if not re.search(pattern, text):
            self.fail("no %r in %r" % (pattern, text))
        return text

    def phone(self, caller):
        """hotline call on a terminal (a pty): caller(fd) presses keys;
        the call must end with exit status 0."""
        import pty
        # No player: the test machine may have no sound card.
        env = dict(self.h.env, PATH="/nonexistent")
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(HOTLINE, [HOTLINE, "--config", CONFIG, "call"], env)
        try:
            caller(fd)
        except BaseException:
            os.kill(pid, 9)
            raise
        finally:
            _, status = os.waitpid(pid, 0)
            os.close(fd)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)

    def test_keys_and_typed_speech(self):
        def caller(fd):
            # The first Gather is the language question's; a key there
            # is the menu's key.
            self.read_until(fd, r"diga espa")
            os.write(fd, b"2")
            self.read_until(fd, r"Digits=2  \[200")
            os.write(fd, b"#")
            self.read_until(fd, r"Digits=#  \[200")
            os.write(fd, b"'")
            self.read_until(fd, r"\(say\)")
            os.write(fd, b"stretches\n")
            self.read_until(fd, r"SpeechResult=stretches  \[200")
            os.write(fd, b"h")
            out = self.read_until(fd, r"ended \(caller-hangup\)")
            self.assertIn("CallStatus=completed", out)
        self.phone(caller)

    def test_timeout_starts_after_the_prompt(self):
        # No player: the prompts are only shown, so the phone waits as
        # long as they would play (about 2.5 words a second) before the
        # Gather's timeout starts, and says how long.
        def caller(fd):
            text = self.read_until(fd, r"s to answer\]")
            said = re.findall(r"  say \[[^\]]*\]: ([^\r\n]*)", text)
            self.assertTrue(said, text)
            words = sum(len(line.split()) for line in said)
            m = re.search(r"the prompt plays ~(\d+) s, then (\d+) s to "
                          r"answer", text)
            self.assertIsNotNone(m, text)
            self.assertLessEqual(abs(int(m.group(1)) - words / 2.5), 0.5)
            self.assertGreater(int(m.group(2)), 0)
            self.assertNotIn("no input", text)
            # A key while the prompt would still play is taken at once.
            os.write(fd, b"1")
            self.read_until(fd, r"Digits=1  \[200")
            os.write(fd, b"h")
            self.read_until(fd, r"ended \(caller-hangup\)")
        self.phone(caller)


class TestCallOptions(CliCase):
    def test_help_exits_0(self):
        r = self.run_cli(["call", "--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("usage: hotline call", r.stdout)
        self.assertIn("--from NUMBER|anonymous", r.stdout)
        r = self.run_cli(["call", "--no-such-option"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage: hotline call", r.stderr)

    def test_blocked_caller_id(self):
        # As the provider sends a withheld number: From=anonymous.
        r, t = self.call("4,1", "--from", "anonymous")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(t["from"], "anonymous")
        self.assertTrue(t["ok"], r.stdout)
        self.assertTrue(all(e["status"] == 200 for e in t["events"]
                            if e["type"] == "request"), r.stdout)
        r = self.run_cli(["call", "--from", "not a number", "--script", "1"])
        self.assertEqual(r.returncode, 2)


class TestManPages(unittest.TestCase):
    """The manual pages render cleanly and cover what --help lists."""

    def page(self, name):
        path = os.path.join(TOP_SRCDIR, "man", name)
        if shutil.which("man") is None:
            self.skipTest("man not installed")
        r = subprocess.run(["man", "--warnings", "-l", path],
                           env=dict(os.environ, MANWIDTH="80"),
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr.strip(), "", name)
        return re.sub(r".\x08", "", r.stdout).replace("\u2010\n", "")

    def test_hotline_1(self):
        text = " ".join(self.page("hotline.1").split())
        for word in ("call", "--script", "--lang", "--listen-provider",
                     "prompts render", "prompts check", "report", "--csv",
                     "check-config", "HOTLINE_CONFIG", "dial:no-answer"):
            self.assertIn(word, text)

    def test_hotlined_8(self):
        text = " ".join(self.page("hotlined.8").split())
        for word in ("--config", "--check", "--port-file", "SIGHUP",
                     "SIGTERM", "HOTLINE_PUBLIC_URL", "/voice/incoming",
                     "/metrics", "/prompts/"):
            self.assertIn(word, text)

    def test_hotline_yaml_5(self):
        text = " ".join(self.page("hotline.yaml.5").split())
        for word in ("public_url", "verify_signatures", "languages",
                     "flow.yaml", "red_flags"):
            self.assertIn(word, text)
