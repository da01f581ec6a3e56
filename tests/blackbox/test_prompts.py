"""Prompt audio: `hotline prompts render|check` make and audit telephone
WAV files, and hotlined serves them at /prompts/<lang>/<id>.wav."""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import wave

from harness import (ACCOUNT_SID, AUTH_TOKEN, CONFIG, HOTLINE, TOP_SRCDIR,
                     Hotlined, http)

IDS = ["welcome", "disclaimer", "emergency"]


def have(prog):
    return shutil.which(prog) is not None


class PromptsDir(unittest.TestCase):
    """A copy of config/ and prompts/ (without recordings) to change."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hotline-prompts-")
        shutil.copytree(os.path.join(TOP_SRCDIR, "config"),
                        os.path.join(self.dir, "config"))
        shutil.copytree(os.path.join(TOP_SRCDIR, "prompts"),
                        os.path.join(self.dir, "prompts"),
                        ignore=shutil.ignore_patterns("*.wav", "*.mp3",
                                                      "*.sha256"))
        self.cfg = os.path.join(self.dir, "config", "hotline.yaml")
        self.env = dict(os.environ, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                        TWILIO_ACCOUNT_SID=ACCOUNT_SID)
        self.env.pop("HOTLINE_CONFIG", None)
        self.h = None

    def tearDown(self):
        if self.h is not None:
            self.h.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)


@unittest.skipUnless(have("espeak-ng") and have("sox"),
                     "needs espeak-ng and sox")
class PromptsCase(PromptsDir):
    def hotline(self, *args, env=None):
        return subprocess.run([HOTLINE, "--config", self.cfg] + list(args),
                              env=env or self.env, capture_output=True,
                              text=True, timeout=120)

    def path(self, lang, name):
        return os.path.join(self.dir, "prompts", lang, name)

    def render(self, *args):
        r = self.hotline("prompts", "render", *args)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r.stdout


class TestRender(PromptsCase):
    def test_telephone_quality_wav(self):
        out = self.render("--lang", "en", *IDS)
        self.assertIn("3 rendered, 0 up to date", out)
        for pid in IDS:
            with wave.open(self.path("en", pid + ".wav")) as w:
                self.assertEqual(w.getframerate(), 8000)
                self.assertEqual(w.getnchannels(), 1)
                self.assertEqual(w.getsampwidth(), 2)
                # At least a second of speech.
                self.assertGreater(w.getnframes(), 8000)
            self.assertTrue(os.path.exists(self.path("en", pid + ".sha256")))
        # Only the asked-for language.
        self.assertFalse(os.path.exists(self.path("es", "welcome.wav")))

    def test_only_changed_scripts_are_rendered_again(self):
        self.render("--lang", "en", *IDS)
        before = os.path.getmtime(self.path("en", "disclaimer.wav"))
        out = self.render("--lang", "en", *IDS)
        self.assertIn("0 rendered, 3 up to date", out)
        with open(self.path("en", "welcome.txt"), "a") as f:
            f.write(" Welcome again.\n")
        out = self.render("--lang", "en", *IDS)
        self.assertIn("rendered en/welcome", out)
        self.assertIn("1 rendered, 2 up to date", out)
        self.assertEqual(before,
                         os.path.getmtime(self.path("en", "disclaimer.wav")))
        out = self.render("--lang", "en", "--force", *IDS)
        self.assertIn("3 rendered", out)

    def test_another_voice_is_a_change(self):
        self.render("--lang", "en", "welcome")
        out = self.render("--lang", "en", "--voice", "en-gb", "welcome")
        self.assertIn("1 rendered", out)

    def test_a_studio_recording_is_kept(self):
        self.render("--lang", "en", "welcome")
        os.unlink(self.path("en", "welcome.sha256"))
        with open(self.path("en", "welcome.wav"), "rb") as f:
            studio = f.read()
        out = self.render("--lang", "en", "welcome")
        self.assertIn("kept", out)
        with open(self.path("en", "welcome.wav"), "rb") as f:
            self.assertEqual(f.read(), studio)

    def test_spanish_voice(self):
        out = self.render("--lang", "es", "welcome")
        self.assertIn("rendered es/welcome", out)
        with wave.open(self.path("es", "welcome.wav")) as w:
            self.assertEqual(w.getframerate(), 8000)

    def test_mistakes(self):
        r = self.hotline("prompts", "render", "no_such_prompt")
        self.assertEqual(r.returncode, 2)
        self.assertIn("no_such_prompt", r.stderr)
        r = self.hotline("prompts", "render", "--lang", "fr")
        self.assertEqual(r.returncode, 2)
        r = self.hotline("prompts", "render", "--voice", "en-gb")
        self.assertEqual(r.returncode, 2)
        r = self.hotline("prompts", "frobnicate")
        self.assertEqual(r.returncode, 2)


class TestCheck(PromptsCase):
    def test_missing_stale_and_unused(self):
        r = self.hotline("prompts", "check")
        self.assertEqual(r.returncode, 1)
        self.assertIn("/en/welcome.wav", r.stdout)
        self.render("--lang", "en", "welcome")
        r = self.hotline("prompts", "check")
        self.assertNotIn("/en/welcome.wav", r.stdout)
        self.assertIn("/es/welcome.wav", r.stdout)
        # Words edited after the recording: the audio is stale.
        later = time.time() + 10
        os.utime(self.path("en", "welcome.txt"), (later, later))
        r = self.hotline("prompts", "check")
        self.assertRegex(r.stdout, r"stale +\S*en/welcome\.wav")
        # A script nothing uses.
        for lang in ("en", "es"):
            with open(self.path(lang, "orphan_words.txt"), "w") as f:
                f.write("Nobody plays this.\n")
        r = self.hotline("prompts", "check")
        self.assertRegex(r.stdout, r"unused +orphan_words")
        self.assertNotRegex(r.stdout, r"unused +welcome")
        self.assertNotRegex(r.stdout, r"unused +stretch_child_1")


class TestServe(PromptsCase):
    def start(self):
        self.h = Hotlined(config=self.cfg)
        self.h.start()

    def test_served_with_validators(self):
        self.render("--lang", "en", *IDS)
        self.start()
        with open(self.path("en", "welcome.wav"), "rb") as f:
            data = f.read()
        r = self.h.get("/prompts/en/welcome.wav")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["Content-Type"], "audio/wav")
        self.assertEqual(r.body, data)
        self.assertIn("public", r.headers["Cache-Control"])
        self.assertIn("max-age=3600", r.headers["Cache-Control"])
        self.assertIn("GMT", r.headers["Last-Modified"])
        etag = r.headers["ETag"]
        r = self.h.get("/prompts/en/welcome.wav",
                       headers={"If-None-Match": etag})
        self.assertEqual(r.status, 304)
        self.assertEqual(r.body, b"")
        r = http("HEAD", self.h.base + "/prompts/en/welcome.wav")
        self.assertEqual(r.status, 200)
        self.assertEqual(int(r.headers["Content-Length"]), len(data))
        self.assertEqual(r.body, b"")
        # Re-rendered while running: served from memory until SIGHUP
        # loads it, then with a new ETag.
        with open(self.path("en", "welcome.txt"), "a") as f:
            f.write(" Hello.\n")
        time.sleep(1.1)
        self.render("--lang", "en", "welcome")
        r = self.h.get("/prompts/en/welcome.wav",
                       headers={"If-None-Match": etag})
        self.assertEqual(r.status, 304)
        self.h.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while time.time() < deadline:
            r = self.h.get("/prompts/en/welcome.wav",
                           headers={"If-None-Match": etag})
            if r.status != 304:
                break
            time.sleep(0.05)
        self.assertEqual(r.status, 200)
        self.assertNotEqual(r.headers["ETag"], etag)
        with open(self.path("en", "welcome.wav"), "rb") as f:
            self.assertEqual(r.body, f.read())

    def test_only_known_prompts(self):
        self.render("--lang", "en", "welcome")
        shutil.copy(self.path("en", "welcome.wav"),
                    os.path.join(self.dir, "prompts", "secret.wav"))
        self.start()
        for path in ("/prompts/es/welcome.wav",      # not rendered
                     "/prompts/en/nothing.wav",      # no such prompt
                     "/prompts/fr/welcome.wav",      # no such language
                     "/prompts/en/welcome.txt",      # not audio
                     "/prompts/en/welcome",
                     "/prompts/en/..%2Fsecret.wav",
                     "/prompts/en/../secret.wav",
                     "/prompts/%2E%2E/secret.wav",
                     "/prompts/EN/welcome.wav"):
            r = self.h.get(path)
            self.assertEqual(r.status, 404, path)
        r = self.h.request("POST", "/prompts/en/welcome.wav", body=b"")
        self.assertEqual(r.status, 405)

    def test_calls_play_the_recordings(self):
        self.render("--lang", "en", *IDS)
        self.start()
        r = subprocess.run([HOTLINE, "--config", self.cfg, "call", "--json",
                            "--script", "hangup"], env=self.h.env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        t = json.loads(r.stdout)
        plays = {e.get("prompt"): e for e in t["events"]
                 if e["type"] == "play"}
        self.assertIn("welcome", plays, r.stdout)
        with open(self.path("en", "welcome.txt")) as f:
            self.assertEqual(plays["welcome"]["text"], f.read().strip())
        url = plays["welcome"]["url"]
        if url.startswith("/"):
            url = self.h.base + url
        self.assertEqual(http("GET", url).status, 200)


class TestUnsafeFiles(PromptsDir):
    """Only regular files are served, never through a symbolic link, and
    nothing put in a recording's place can hold up the service: the
    recordings are read at start (and on SIGHUP) and served from memory."""

    def setUp(self):
        super().setUp()
        self.wav = os.path.join(self.dir, "prompts", "en", "welcome.wav")

    def start(self):
        self.h = Hotlined(config=self.cfg)
        self.h.start()

    def welcome_played(self):
        """Whether a new call plays welcome.wav (else its words are said)."""
        sid = "CA" + os.urandom(16).hex()
        r = self.h.webhook("/voice/incoming", self.h.call_params(sid))
        self.assertEqual(r.status, 200, r.text)
        plays = [p.text for p in r.xml().iter("Play")]
        return any(p.endswith("/prompts/en/welcome.wav") for p in plays)

    def test_symlinked_recording_is_not_served(self):
        # A recording that is a link to some other file (here the
        # configuration, which would otherwise be handed out as audio).
        os.symlink(self.cfg, self.wav)
        self.start()
        r = self.h.get("/prompts/en/welcome.wav")
        self.assertEqual(r.status, 404, r.text)
        self.assertNotIn(b"service:", r.body)
        self.assertFalse(self.welcome_played())
        # Replaced by a real recording: played and served after SIGHUP.
        os.unlink(self.wav)
        with open(self.wav, "wb") as f:
            f.write(b"RIFF" + b"\0" * 200)
        self.h.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while time.time() < deadline and \
                self.h.get("/prompts/en/welcome.wav").status != 200:
            time.sleep(0.05)
        r = self.h.get("/prompts/en/welcome.wav")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"RIFF" + b"\0" * 200)
        self.assertTrue(self.welcome_played())

    def test_fifo_does_not_hang_the_service(self):
        os.mkfifo(self.wav)
        self.start()
        r = self.h.get("/prompts/en/welcome.wav")
        self.assertEqual(r.status, 404, r.text)
        self.assertFalse(self.welcome_played())
        # A FIFO appearing while the service runs, and a reload that finds it.
        os.mkfifo(os.path.join(self.dir, "prompts", "en", "disclaimer.wav"))
        self.h.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while time.time() < deadline and \
                "reload: configuration reloaded" not in self.h.log():
            time.sleep(0.05)
        self.assertIn("reload: configuration reloaded", self.h.log())
        self.assertEqual(self.h.get("/prompts/en/disclaimer.wav").status, 404)
        r = http("GET", self.h.base + "/healthz", timeout=10)
        self.assertEqual(r.status, 200)
        self.assertIsNone(self.h.proc.poll())


if __name__ == "__main__":
    unittest.main()


class TestStudio(PromptsCase):
    """The studio script (prompts export) and the recordings' format
    (prompts check [--fix])."""

    def export(self, *args):
        r = self.hotline("prompts", "export", *args)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r.stdout

    def rows(self, *args):
        import csv
        import io
        return list(csv.DictReader(io.StringIO(self.export(*args))))

    def test_export_lists_every_prompt_with_its_state(self):
        self.render("--lang", "en", "welcome")
        rows = self.rows()
        by = {(r["id"], r["lang"]): r for r in rows}
        self.assertEqual(by[("welcome", "en")]["audio"], "rendered")
        self.assertEqual(by[("welcome", "es")]["audio"], "missing")
        self.assertIn("system welcome", by[("welcome", "en")]["used_in"])
        with open(self.path("en", "welcome.txt")) as f:
            self.assertEqual(by[("welcome", "en")]["words"], f.read().strip())
        self.assertIn("node main", by[("main_menu", "en")]["used_in"])
        self.assertIn("guide stretch_child",
                      by[("stretch_child_1", "en")]["used_in"])
        # the menus made from the locations: their words, always spoken
        cm = by[("clinics_menu", "en")]
        self.assertEqual(cm["audio"], "generated")
        self.assertTrue(cm["words"].startswith("For Fort Worth, press 1."))
        # a studio recording, then words edited after it
        os.unlink(self.path("en", "welcome.sha256"))
        self.assertEqual({(r["id"], r["lang"]): r for r in self.rows()}
                         [("welcome", "en")]["audio"], "recorded")
        later = time.time() + 10
        os.utime(self.path("en", "welcome.txt"), (later, later))
        self.assertEqual({(r["id"], r["lang"]): r for r in self.rows()}
                         [("welcome", "en")]["audio"], "stale")
        # one language only
        self.assertEqual({r["lang"] for r in self.rows("--lang", "es")},
                         {"es"})

    def test_export_html(self):
        page = self.export("--format", "html", "--lang", "en")
        self.assertIn("<table>", page)
        self.assertIn("<td>clinics_menu</td>", page)
        self.assertIn("For {name}, press {key}.", page)
        self.assertNotIn("<td>es</td>", page)

    def test_export_mistakes(self):
        for args in (["--format", "pdf"], ["--lang", "fr"], ["extra"]):
            r = self.hotline("prompts", "export", *args)
            self.assertEqual(r.returncode, 2, args)

    def test_check_format_and_fix(self):
        wav = self.path("en", "welcome.wav")
        # a studio file at CD quality, stereo
        subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", "-b", "16",
                        wav, "synth", "1", "sine", "440"], check=True)
        r = self.hotline("prompts", "check")
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stdout, r"format +\S*en/welcome\.wav \(44100 Hz, "
                         r"2 channels, 16-bit")
        with open(wav, "rb") as f:
            studio = f.read()
        r = self.hotline("prompts", "check", "--fix")
        self.assertIn("converting", r.stdout)
        with wave.open(wav) as w:
            self.assertEqual((w.getframerate(), w.getnchannels(),
                              w.getsampwidth()), (8000, 1, 2))
            self.assertGreater(w.getnframes(), 7000)
        with open(wav + ".orig", "rb") as f:      # nothing is lost
            self.assertEqual(f.read(), studio)
        r = self.hotline("prompts", "check")
        self.assertNotIn("format", r.stdout.replace("telephone", ""))
        self.assertRegex(r.stdout, r"0 not telephone audio")
        r = self.hotline("prompts", "check", "--frob")
        self.assertEqual(r.returncode, 2)
