"""Voicemail staff can play: GET /api/v1/callbacks/{id}/recording fetches
the recording from the provider with the account's credentials (HTTP
Basic) and streams it; the second play comes from the copy on disk; the
provider's refusals are clear errors; the transcription (a signed
transcribeCallback) is shown beside it in the entry and the person view.
The provider is a stand-in on loopback that insists on Basic auth."""
import base64
import os
import subprocess
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import ACCOUNT_SID, AUTH_TOKEN, CALLER, HOTLINE
from test_requests import RequestsCase

# A few bytes of a real WAV header and 8 kHz silence, and something else.
WAV = (b"RIFF\x24\x08\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00"
       b"\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x08\x00\x00"
       + bytes(2048) + os.urandom(64))
REC_OK, REC_GONE, REC_LOCKED = "a" * 32, "b" * 32, "c" * 32


class RecordingProvider:
    """The provider's REST API as far as recordings go: Basic auth with the
    account SID and auth token, or 401; a missing recording is 404.  Texts
    and calls are accepted so the rest of the service works as usual."""

    def __init__(self):
        self.gets = []
        self.lock = threading.Lock()
        want = "Basic " + base64.b64encode(
            ("%s:%s" % (ACCOUNT_SID, AUTH_TOKEN)).encode()).decode()
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                with outer.lock:
                    outer.gets.append((self.path,
                                       self.headers.get("Authorization")))
                if self.headers.get("Authorization") != want or \
                        REC_LOCKED in self.path:
                    return self._send(401, b'{"code": 20003, "message": '
                                      b'"Authenticate"}', "application/json",
                                      {"WWW-Authenticate": 'Basic realm="x"'})
                if self.path.endswith("/Recordings/RE" + REC_OK):
                    return self._send(200, WAV, "audio/x-wav")
                self._send(404, b'{"code": 20404}', "application/json")

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                self.rfile.read(n)
                sid = ("CA" if self.path.endswith("/Calls.json") else "SM") \
                    + os.urandom(16).hex()
                self._send(201, ('{"sid": "%s", "status": "queued"}' % sid)
                           .encode(), "application/json")

            def _send(self, code, data, ctype, extra=None):
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def recording_url(self, rec):
        return "%s/2010-04-01/Accounts/%s/Recordings/RE%s" % (
            self.url, ACCOUNT_SID, rec)

    def fetches(self, rec):
        with self.lock:
            return [g for g in self.gets if g[0].endswith("RE" + rec)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class TestRecording(RequestsCase):
    def setUp(self):
        super().setUp()
        self.rec = RecordingProvider()
        self.h.stop()
        self.h.env["HOTLINE_PROVIDER_API"] = self.rec.url
        self.h.start()

    def tearDown(self):
        super().tearDown()
        self.rec.close()

    def leave(self, frm, rec):
        """A voicemail whose recording the stand-in keeps at rec."""
        import test_requests
        old = test_requests.RECORDING
        test_requests.RECORDING = self.rec.recording_url("%s")
        try:
            self.voicemail(frm, "fort-worth", rec_id=rec)
        finally:
            test_requests.RECORDING = old
        return [it["id"] for it in self.items(self.tok)
                if it["phone"] == frm][0]

    def folder(self):
        """The copies' folder: beside a SQLite store, else data/ where the
        service runs."""
        if self.h.store.startswith("sqlite:"):
            return os.path.join(os.path.dirname(self.h.store[7:]),
                                "recordings")
        return os.path.join(self.h.workdir, "data", "recordings")

    def purge(self, *args):
        """hotline purge where the service runs (its data folder)."""
        p = subprocess.run([HOTLINE, "--config", self.h.config, "purge"] +
                           list(args), capture_output=True, text=True,
                           env=dict(self.h.env), cwd=self.h.workdir,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return p.stdout

    def play(self, cid, tok=None):
        return self.api("GET", "/api/v1/callbacks/%d/recording" % cid,
                        tok or self.tok)

    def test_play_cache_and_transcription(self):
        self.add_staff("alice")
        self.add_staff("al", locations="allen")
        self.tok = self.token("alice")
        cid = self.leave(CALLER, REC_OK)
        # The voicemail asks the provider for words, to our webhook.
        item = self.item(self.tok, cid)
        self.assertEqual(item["recording"], "/api/v1/callbacks/%d/recording" % cid)
        self.assertIsNone(item["transcription"])

        self.assertEqual(self.play(cid, tok="x" * 64).status, 401)
        self.assertEqual(self.api("GET", "/api/v1/callbacks/%d/recording" % cid)
                         .status, 401)
        # Another location's staff: as if it did not exist.
        self.assertEqual(self.play(cid, self.token("al")).status, 404)
        self.assertEqual(self.rec.fetches(REC_OK), [])

        r = self.play(cid)
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.body, WAV)
        self.assertEqual(r.headers["Content-Type"], "audio/x-wav")
        got = self.rec.fetches(REC_OK)
        self.assertEqual(len(got), 1)
        self.assertTrue(got[0][1].startswith("Basic "))
        # Again, after a restart too: from the copy on disk.
        r = self.play(cid)
        self.assertEqual((r.status, r.body), (200, WAV))
        self.h.restart()
        r = self.play(cid)
        self.assertEqual((r.status, r.body), (200, WAV))
        self.assertEqual(len(self.rec.fetches(REC_OK)), 1)
        # Each play is a view of the person's record.
        root = self.token_admin()
        plays = [a for a in self.api("GET", "/api/v1/audit", root).json()["items"]
                 if a["action"] == "recording.play"]
        self.assertEqual(len(plays), 3)
        self.assertEqual(plays[0]["subject"], CALLER)

        # The transcription: signed like every webhook, shown beside it.
        params = {"RecordingUrl": self.rec.recording_url(REC_OK),
                  "RecordingSid": "RE" + REC_OK, "CallSid": "CA" + "e" * 32,
                  "AccountSid": ACCOUNT_SID, "TranscriptionStatus": "completed",
                  "TranscriptionText": "Hi, my knee hurts after my long run."}
        r = self.h.webhook("/voice/transcription", params, signed=False)
        self.assertEqual(r.status, 403)
        self.assertIsNone(self.item(self.tok, cid)["transcription"])
        r = self.h.webhook("/voice/transcription", params)
        self.assertEqual(r.status, 200, r.text)
        item = self.item(self.tok, cid)
        self.assertEqual(item["transcription"], params["TranscriptionText"])
        self.assertEqual(item["requests"][-1]["transcription"],
                         params["TranscriptionText"])
        r = self.api("GET", "/api/v1/people/" + urllib.parse.quote(CALLER),
                     self.tok)
        vm = [e for e in r.json()["events"] if e["kind"] == "voicemail"]
        self.assertEqual(len(vm), 1, r.json()["events"])
        self.assertEqual(vm[0]["transcription"], params["TranscriptionText"])
        self.assertEqual(vm[0]["recording"], item["recording"])
        # The words are never logged.
        self.assertNotIn("knee hurts", self.h.log())
        # A failed transcription changes nothing.
        r = self.h.webhook("/voice/transcription", dict(
            params, TranscriptionStatus="failed", TranscriptionText=""))
        self.assertEqual(r.status, 200)
        self.assertEqual(self.item(self.tok, cid)["transcription"],
                         params["TranscriptionText"])

    def test_copies_go_with_retention(self):
        self.add_staff("alice")
        self.tok = self.token("alice")
        cid = self.leave(CALLER, REC_OK)
        self.assertEqual(self.play(cid).body, WAV)
        self.assertEqual(self.play(cid).body, WAV)
        self.assertEqual(len(self.rec.fetches(REC_OK)), 1)
        # Past the recordings' 30 days: the copy is gone (the entry is
        # still open, so its link stays and the provider is asked again).
        self.h.advance(31 * 86400)
        self.h.restart()
        folder = self.folder()
        self.assertTrue(self.wait(lambda: os.listdir(folder) == []),
                        os.listdir(folder))
        self.assertEqual(self.play(cid).body, WAV)
        self.assertEqual(len(self.rec.fetches(REC_OK)), 2)

    def test_hotline_purge_removes_old_copies(self):
        self.add_staff("alice")
        self.tok = self.token("alice")
        cid = self.leave(CALLER, REC_OK)
        self.assertEqual(self.play(cid).body, WAV)
        folder = self.folder()
        copies = os.listdir(folder)
        self.assertNotEqual(copies, [])
        # With the service stopped, hotline purge goes by the same
        # period: a day on, asked, and the copies stay; past 30 days
        # they go, counted on their own line.
        self.h.stop()
        self.h.advance(86400)
        self.assertRegex(self.purge(), r"recordings +30 +0 +voicemail "
                         r"files on disk")
        self.assertEqual(sorted(os.listdir(folder)), sorted(copies))
        self.h.advance(30 * 86400)
        self.assertRegex(self.purge("--dry-run"), r"recordings +30 +%d "
                         r"+voicemail files on disk" % len(copies))
        self.assertEqual(sorted(os.listdir(folder)), sorted(copies))
        self.assertRegex(self.purge(), r"recordings +30 +%d +voicemail "
                         r"files on disk" % len(copies))
        self.assertEqual(os.listdir(folder), [])
        self.h.start()

    def token_admin(self):
        self.add_staff("root")
        p = self.cli("staff", "add", "root", "--admin", "--password-stdin",
                     stdin="s3cret-pass-phrase\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        return self.token("root")

    def test_refusals_are_clear(self):
        self.add_staff("alice")
        self.tok = self.token("alice")
        gone = self.leave(CALLER, REC_GONE)
        locked = self.leave("+18175550133", REC_LOCKED)
        r = self.play(gone)
        self.assertEqual(r.status, 404, r.text)
        self.assertIn("no such recording", r.text)
        r = self.play(locked)
        self.assertEqual(r.status, 502, r.text)
        self.assertIn("credentials", r.text)
        # Nothing kept: asked again, asked the provider again.
        self.play(locked)
        self.assertEqual(len(self.rec.fetches(REC_LOCKED)), 2)
        # An entry without a voicemail, and no entry at all.
        self.text_callback(frm="+18175550144")
        plain = [it["id"] for it in self.items(self.tok)
                 if it["phone"] == "+18175550144"][0]
        r = self.play(plain)
        self.assertEqual(r.status, 404)
        self.assertIn("no voicemail", r.text)
        self.assertEqual(self.play(99999).status, 404)

    def test_never_sends_the_key_elsewhere(self):
        self.add_staff("alice")
        self.tok = self.token("alice")
        other = RecordingProvider()
        try:
            import test_requests
            old = test_requests.RECORDING
            test_requests.RECORDING = other.recording_url("%s")
            try:
                self.voicemail(CALLER, "fort-worth", rec_id=REC_OK)
            finally:
                test_requests.RECORDING = old
            cid = self.items(self.tok)[0]["id"]
            r = self.play(cid)
            self.assertEqual(r.status, 502, r.text)
            self.assertIn("not at the provider", r.text)
            self.assertEqual(other.gets, [])
        finally:
            other.close()


if __name__ == "__main__":
    import unittest
    unittest.main()
