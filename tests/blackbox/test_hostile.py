"""Hostile input at the HTTP layer: malformed and truncated requests,
oversized headers and bodies, broken encodings, too many parameters, odd
values in every field a caller controls, step URLs that were never
written, JSON garbage with a valid staff token, and idle connections past
the cap.

Whatever arrives, the answer is a proper HTTP status (never a 5xx for a
webhook; a request cut short may just see the connection closed), TwiML
parses as XML, and afterwards the process is alive and /healthz still
answers on a new connection."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse

from harness import (ACCOUNT_SID, CALLER, HOTLINE, TOP_SRCDIR,
                     FakeProvider, HotlineTestCase, Hotlined, http, sign)


TWIML_TAGS = {"Response", "Say", "Play", "Gather", "Dial", "Number",
              "Redirect", "Hangup", "Record", "Pause", "Message", "Body",
              "Reject", "Enqueue", "Leave"}


def raw(port, data, timeout=5, half_close=True):
    """Send bytes on a new connection; everything read until the server
    closes (or timeout).  b"" when the server closed without a word."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            s.sendall(data)
            if half_close:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            # Refused before we finished sending (a reset): read what
            # answer there is.
            pass
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def status_of(reply):
    """The status code of the first response in reply, or None."""
    if not reply.startswith(b"HTTP/1."):
        return None
    return int(reply.split(b" ", 2)[1])


class HostileCase(HotlineTestCase):

    def assertAlive(self):
        self.assertIsNone(self.h.proc.poll(), "hotlined died:\n" + self.h.log())
        r = self.h.get("/healthz")
        self.assertEqual(r.status, 200, r.text)

    def assertTwiml(self, r):
        self.assertEqual(r.status, 200, r.text)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("text/xml"),
                        r.headers)
        root = r.xml()
        self.assertEqual(root.tag, "Response")
        return root

    def post_raw_form(self, path, body, signed_params=None):
        """POST an already-encoded body, signed over signed_params (the
        signature does not matter when the body is refused first)."""
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h["X-Twilio-Signature"] = sign(self.h.base + path, signed_params or [])
        return self.h.request("POST", path, body=body, headers=h)


class TestMalformedHttp(HostileCase):

    def test_malformed_and_truncated_requests(self):
        port = self.h.port
        cases = [
            b"GARBAGE\r\n\r\n",
            b"GET\r\n\r\n",
            b"GET / HTTP/9.9\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nHost",
            b"GET /healthz HTTP/1.1\r\nNoColonHere\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nHost: a\r\n Folded: x\r\n\r\n",
            b"GET http://evil.example/healthz HTTP/1.1\r\nHost: a\r\n\r\n",
            b"GET healthz HTTP/1.1\r\nHost: a\r\n\r\n",
            b"GET /%00 HTTP/1.1\r\nHost: a\r\n\r\n",
            b"GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n",
            b"GET /%C0%AF HTTP/1.1\r\nHost: a\r\n\r\n",
            b"GET /healthz?%zz HTTP/1.1\r\nHost: a\r\n\r\n",
            b"GET /healthz?a=%00 HTTP/1.1\r\nHost: a\r\n\r\n",
            b"\x00\x01\x02\xff\xfe\r\n\r\n",
            b"POST /sms/incoming HTTP/1.1\r\nHost: a\r\n"
            b"Content-Length: 100\r\n\r\nBody=abc",
            b"POST /sms/incoming HTTP/1.1\r\nHost: a\r\n"
            b"Content-Length: -5\r\n\r\nBody=abc",
            b"POST /sms/incoming HTTP/1.1\r\nHost: a\r\n"
            b"Content-Length: abc\r\n\r\nBody=abc",
            b"POST /sms/incoming HTTP/1.1\r\nHost: a\r\n"
            b"Content-Length: 99999999999999999999999\r\n\r\nBody=abc",
            b"POST /sms/incoming HTTP/1.1\r\nHost: a\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nzz\r\nBody=abc\r\n",
            b"POST /sms/incoming HTTP/1.1\r\nHost: a\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n8\r\nBody=abc\r\n",
            b"POST /sms/incoming HTTP/1.1\r\nHost: a\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nx\r\n0\r\n\r\n",
            b"POST /sms/incoming HTTP/1.1\r\nHost: a\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 8\r\n\r\nBody=abc",
            b"POST /voice/step?n=main HTTP/1.1\r\nHost: a\r\n"
            b"Content-Type: text/plain\r\nContent-Length: 8\r\n\r\nDigits=1",
            b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n" * 50,
        ]
        for data in cases:
            with self.subTest(data=data[:60]):
                reply = raw(port, data)
                if reply:
                    st = status_of(reply)
                    self.assertIsNotNone(st, reply[:200])
                    self.assertTrue(200 <= st < 500, reply[:300])
                self.assertAlive()

    def test_http_versions(self):
        """Found by fuzz_http: evhttp answered in the version the request
        named ("HTTP/0.1 200" without a length, "HTTP/1.-5 200").  HTTP/1.x
        is answered as HTTP/1.x (1.9 as 1.1); another major version gets
        505, a malformed one 400, and the connection is closed."""
        for version, want in ((b"0.1", 505), (b"0.9", 505), (b"1.9", 200),
                              (b"1.-5", 400), (b"1.0", 200), (b"1.1", 200)):
            with self.subTest(version=version):
                reply = raw(self.h.port, b"GET /healthz HTTP/%s\r\n"
                            b"Host: a\r\n\r\n" % version)
                self.assertEqual(status_of(reply), want, reply[:200])
                line = reply.split(b"\r\n", 1)[0]
                self.assertIn(line[:9], (b"HTTP/1.1 ", b"HTTP/1.0 "), line)
                if version == b"1.0":
                    self.assertTrue(line.startswith(b"HTTP/1.0 "), line)
        self.assertAlive()

    def test_pipelined_requests_all_answered(self):
        # No half-close here: evhttp takes a read EOF as the client gone
        # and drops what is still queued, which no real client relies on.
        s = socket.create_connection(("127.0.0.1", self.h.port), timeout=10)
        try:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n" * 20)
            reply = b""
            while reply.count(b"HTTP/1.1 200") < 20:
                chunk = s.recv(65536)
                if not chunk:
                    break
                reply += chunk
        finally:
            s.close()
        self.assertEqual(reply.count(b"HTTP/1.1 200"), 20, reply[:400])

    def test_clients_gone_before_the_answer(self):
        """Requests whose connection is reset right after sending: the
        answer, when it comes from the store, goes nowhere and nothing
        breaks."""
        import struct
        for i in range(30):
            if i % 2:
                params = self.h.call_params("CA" + os.urandom(16).hex())
                path = "/voice/incoming"
            else:
                params = {"MessageSid": "SM" + os.urandom(16).hex(),
                          "AccountSid": ACCOUNT_SID, "From": CALLER,
                          "To": "+18175550100", "Body": "HELP"}
                path = "/sms/incoming"
            body = urllib.parse.urlencode(params).encode()
            req = (b"POST %s HTTP/1.1\r\nHost: a\r\n"
                   b"Content-Type: application/x-www-form-urlencoded\r\n"
                   b"X-Twilio-Signature: %s\r\nContent-Length: %d\r\n\r\n"
                   % (path.encode(), sign(self.h.base + path, params).encode(),
                      len(body))) + body
            s = socket.create_connection(("127.0.0.1", self.h.port))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
            s.sendall(req)
            s.close()
        time.sleep(1)
        self.assertAlive()
        r = self.h.sms("HELP")
        self.assertTwiml(r)

    def test_huge_headers(self):
        big = b"X-Big: " + b"a" * 40000 + b"\r\n"
        reply = raw(self.h.port, b"GET /healthz HTTP/1.1\r\nHost: a\r\n" + big +
                    b"\r\n")
        if reply:
            self.assertIn(status_of(reply), (400, 413, 431), reply[:200])
        many = b"".join(b"X-H%d: v\r\n" % i for i in range(3000))
        reply = raw(self.h.port, b"GET /healthz HTTP/1.1\r\nHost: a\r\n" + many +
                    b"\r\n")
        if reply:
            self.assertIn(status_of(reply), (400, 413, 431), reply[:200])
        # A long request line.
        reply = raw(self.h.port, b"GET /" + b"a" * 100000 +
                    b" HTTP/1.1\r\nHost: a\r\n\r\n")
        if reply:
            self.assertIn(status_of(reply), (400, 404, 413, 414, 431),
                          reply[:200])
        self.assertAlive()

    def test_body_over_max_body_is_413(self):
        params = self.h.call_params("CA" + "1" * 32)
        body = urllib.parse.urlencode(params).encode() + b"&Pad=" + b"x" * 70000
        r = self.post_raw_form("/voice/incoming", body, list(params.items()))
        self.assertEqual(r.status, 413, r.text)
        self.assertAlive()
        # Announced but never sent: refused on the header alone.
        reply = raw(self.h.port, b"POST /sms/incoming HTTP/1.1\r\nHost: a\r\n"
                    b"Content-Type: application/x-www-form-urlencoded\r\n"
                    b"Content-Length: 10000000\r\n\r\nBody=abc")
        self.assertEqual(status_of(reply), 413, reply[:200])
        self.assertAlive()

    def test_unknown_methods_and_paths(self):
        for m in ("PUT", "DELETE", "PATCH", "OPTIONS"):
            r = self.h.request(m, "/sms/incoming", body=b"")
            self.assertEqual(r.status, 405, r.text)
        r = self.h.request("TRACE", "/healthz")
        self.assertIn(r.status, (405, 501))
        for p in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                  "/prompts/en/..%2F..%2Fconfig%2Fhotline.yaml",
                  "/staff/..%2f..%2fconfig%2fhotline.yaml",
                  "/staff/%2e%2e", "/api/v1/callbacks/%2e%2e"):
            r = self.h.get(p)
            self.assertTrue(400 <= r.status < 500, (p, r.status, r.text))
            self.assertNotIn("auth_token", r.text)
            self.assertNotIn("service:", r.text)
        self.assertAlive()


class TestHostileForms(HostileCase):

    def test_invalid_utf8_and_nul_in_form_values(self):
        base = urllib.parse.urlencode(self.h.call_params("CA" + "2" * 32)).encode()
        for bad in (b"&Body=%FF%FE", b"&Body=%C0%80", b"&Body=%ED%A0%80",
                    b"&Body=abc%00def", b"&Bo%00dy=x", b"&Body=%E2%82",
                    b"&Body=\xff\xfe", b"&Body=%", b"&Body=%4", b"&=x"):
            with self.subTest(bad=bad):
                r = self.post_raw_form("/sms/incoming", base + bad)
                self.assertEqual(r.status, 400, r.text)
                r = self.post_raw_form("/voice/incoming", base + bad)
                self.assertEqual(r.status, 400, r.text)
        self.assertAlive()

    def test_too_many_parameters(self):
        params = [("P%d" % i, "v") for i in range(300)]
        r = self.h.webhook("/sms/incoming", params)
        self.assertEqual(r.status, 400, r.text)
        r = self.h.get("/healthz?" + "&".join("a%d=1" % i for i in range(300)))
        self.assertEqual(r.status, 400, r.text)
        self.assertAlive()

    def test_very_long_sms_body(self):
        for body in ("A" * 1600, "stretch " * 250, "é" * 1700,
                     "<b>&amp;</b>\"'" * 150, "\U0001F600" * 900,
                     "STOP" + " " * 2000, " " * 1700):
            r = self.h.sms(body)
            self.assertTwiml(r)
        self.assertAlive()

    def test_sms_odd_fields(self):
        for extra in ({"From": ""}, {"From": "not-a-number"},
                      {"From": "+" + "9" * 40}, {"MessageSid": ""},
                      {"MessageSid": "SM" + "x" * 5000},
                      {"NumMedia": "99999999999999999999"},
                      {"NumSegments": "-1"}):
            with self.subTest(extra=list(extra)[0]):
                r = self.h.sms("hello", extra=extra)
                self.assertTrue(r.status < 500, r.text)
                if r.status == 200:
                    self.assertTwiml(r)
                self.assertAlive()

    def test_repeated_parameters_with_a_valid_signature(self):
        sid = "SM" + os.urandom(16).hex()
        params = [("MessageSid", sid), ("AccountSid", ACCOUNT_SID),
                  ("From", CALLER), ("To", "+18175550100"),
                  ("Body", "HELP"), ("Body", "STOP"), ("From", "+18175550111"),
                  ("NumMedia", "0"), ("MessageSid", "SM" + "f" * 32)]
        r = self.h.webhook("/sms/incoming", params)
        self.assertTwiml(r)
        # Redelivered as it was: the same answer.
        r2 = self.h.webhook("/sms/incoming", params)
        self.assertTwiml(r2)
        self.assertEqual(r.body, r2.body)
        # A repeated parameter dropped: the signature no longer matches.
        h = {"Content-Type": "application/x-www-form-urlencoded",
             "X-Twilio-Signature": sign(self.h.base + "/sms/incoming", params)}
        r = self.h.request("POST", "/sms/incoming",
                           body=urllib.parse.urlencode(params[:-1]).encode(),
                           headers=h)
        self.assertEqual(r.status, 403, r.text)
        self.assertAlive()


class TestHostileVoice(HostileCase):

    def start_call(self, sid):
        r = self.h.webhook("/voice/incoming", self.h.call_params(sid))
        root = self.assertTwiml(r)
        g = root.find(".//Gather")
        self.assertIsNotNone(g, r.text)
        return g.get("action")

    def test_unknown_digits(self):
        sid = "CA" + os.urandom(16).hex()
        action = self.start_call(sid)
        for d in ("99999999#*", "#", "*", "", "0" * 500, "abc", "<>&\"'",
                  "1\u00e9", "-1"):
            with self.subTest(digits=d):
                r = self.h.follow(action, dict(self.h.call_params(sid), Digits=d))
                root = self.assertTwiml(r)
                g = root.find(".//Gather")
                if g is not None:
                    action = g.get("action")
        self.assertAlive()

    def test_speech_with_xml_specials_and_5kb(self):
        sid = "CA" + os.urandom(16).hex()
        action = self.start_call(sid)
        for speech in ("<Say>]]></Say>&amp;&lt;\"'", "</Response><Hangup/>",
                       "stretches " * 520, "x" * 5120,
                       "\u00e9\u00f1" * 2600, "numbness " + "<" * 4000,
                       "\U0001F600 call me back"):
            with self.subTest(speech=speech[:20]):
                r = self.h.follow(action, dict(self.h.call_params(sid),
                                               SpeechResult=speech,
                                               Confidence="0.9"))
                root = self.assertTwiml(r)
                # What was said stays text: no element came from it.
                for el in root.iter():
                    self.assertIn(el.tag, TWIML_TAGS, r.text)
                self.assertIsNone(root.find(".//Say/Say"), r.text)
                g = root.find(".//Gather")
                if g is not None:
                    action = g.get("action")
        self.assertAlive()

    def test_red_flag_in_speech_cut_mid_character(self):
        """SpeechResult is cut to a bounded length; the cut must fall
        between characters, or the text is no longer UTF-8 and no
        pattern (red flags included) matches it."""
        for pre, frm in (("numbness ", "+18175550171"),
                         ("numbness  ", "+18175550172")):
            with self.subTest(offset=len(pre)):
                sid = "CA" + os.urandom(16).hex()
                r = self.h.webhook("/voice/incoming",
                                   self.h.call_params(sid, frm=frm))
                action = self.assertTwiml(r).find(".//Gather").get("action")
                r = self.h.follow(action, dict(
                    self.h.call_params(sid, frm=frm),
                    SpeechResult=pre + "\u00e9" * 300))
                self.assertTwiml(r)
                self.assertIn("nine one one", r.text)
                rows = self.h.rows("SELECT topic FROM callbacks WHERE "
                                   "phone = ?", (frm,))
                self.assertEqual(rows, [("red_flag",)])

    def test_bad_step_query_strings(self):
        sid = "CA" + os.urandom(16).hex()
        action = self.start_call(sid)
        q = urllib.parse.urlsplit(action).query
        for query in ("", "l=en&t=0", "n=&l=en", "n=nosuchnode&l=en&t=0",
                      "n=../../etc/passwd&l=en", "n=%2e%2e%2f%2e%2e%2fetc",
                      "n=main&l=xx&t=0", "n=main&l=en&t=-99999999999999999999",
                      "n=main&l=en&t=99999999999", "n=main&i=-1&l=en",
                      "n=main&i=999999999999&l=en", "n=main&loc=nowhere",
                      "n=main&n=callback&l=en&l=es", q + "&do=dial",
                      q + "&do=rec", q + "&do=" + "x" * 3000,
                      "n=" + "m" * 5000, q + "&p=%2B1" + "9" * 30,
                      q + "&w=" + "<" * 50, q + "&s=z&c=z"):
            with self.subTest(query=query[:60]):
                path = "/voice/step" + ("?" + query if query else "")
                r = self.h.webhook(path, dict(self.h.call_params(sid),
                                              Digits="1"))
                self.assertTrue(r.status < 500, r.text)
                if r.status == 200:
                    self.assertTwiml(r)
                self.assertAlive()

    def test_status_callbacks_with_odd_values(self):
        sid = "CA" + os.urandom(16).hex()
        self.start_call(sid)
        for extra in ({"CallStatus": "completed", "CallDuration": "-1"},
                      {"CallStatus": "completed",
                       "CallDuration": "99999999999999999999999"},
                      {"CallStatus": "x" * 4000}, {"CallStatus": ""},
                      {"CallSid": ""}, {"CallSid": "CA" + "z" * 3000}):
            with self.subTest(extra=str(extra)[:40]):
                r = self.h.webhook("/voice/status",
                                   self.h.call_params(sid, **extra))
                self.assertTrue(r.status < 500, r.text)
                self.assertAlive()


class TestHostileApi(HostileCase):

    def cli(self, *args, stdin=None):
        return subprocess.run([HOTLINE, "--config", self.h.config] + list(args),
                              input=stdin, capture_output=True, text=True,
                              env=dict(self.h.env), timeout=60)

    def test_json_garbage_with_a_bearer_token(self):
        p = self.cli("staff", "add", "alice", "--password-stdin",
                     "--locations", "*", stdin="s3cret-pass-phrase\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.cli("staff", "token", "alice")
        self.assertEqual(p.returncode, 0, p.stderr)
        tok = p.stdout.strip().splitlines()[-1]
        r = self.h.sms("CALLBACK")
        self.assertTwiml(r)
        r = self.h.request("GET", "/api/v1/callbacks?status=all",
                           headers={"Authorization": "Bearer " + tok})
        self.assertEqual(r.status, 200, r.text)
        ids = [it["id"] for it in r.json()["items"]] or [1]
        cid = ids[0]
        garbage = [b"", b"{", b"}", b"[]", b"null", b"\"str\"", b"123",
                   b"{\"note\": 5}", b"{\"text\": null}", b"{\"text\": [1,2]}",
                   b"{\"outcome\": {\"a\": 1}}", b"{\"text\": \"a\\u0000b\"}",
                   b"{\"text\": \"\xff\xfe\"}", b"\xef\xbb\xbf{}",
                   b"[" * 20000 + b"]" * 20000,
                   b"{\"a\":" * 5000 + b"1" + b"}" * 5000,
                   b"{\"text\": \"" + b"x" * 60000 + b"\"}",
                   b"{\"text\": \"hi\"} trailing", b"\x00\x00\x00",
                   b"{\"username\": \"alice\", \"password\": \"s3cret-pass-phrase\"",
                   b"{\"outcome\": \"reached\", \"outcome\": \"reached\"}"]
        paths = ["/api/v1/callbacks/%d/claim" % cid,
                 "/api/v1/callbacks/%d/note" % cid,
                 "/api/v1/callbacks/%d/done" % cid,
                 "/api/v1/callbacks/%d/release" % cid,
                 "/api/v1/callbacks/%d/call" % cid,
                 "/api/v1/callbacks/999999999999999999999/claim",
                 "/api/v1/callbacks/-1/claim", "/api/v1/callbacks/abc/nope",
                 "/api/v1/login", "/api/v1/logout"]
        for path in paths:
            for body in garbage:
                for ct in ("application/json", "text/plain"):
                    r = self.h.request("POST", path, body=body, headers={
                        "Authorization": "Bearer " + tok,
                        "Content-Type": ct})
                    self.assertTrue(200 <= r.status < 500,
                                    (path, body[:40], r.status, r.text))
                    if r.headers.get("Content-Type", "").startswith(
                            "application/json"):
                        json.loads(r.body)
            self.assertAlive()
        for q in ("?limit=abc", "?limit=-1", "?limit=99999999999999999999",
                  "?cursor=garbage", "?cursor=1.2", "?cursor=9e99.1.1",
                  "?status=%00", "?status=" + "x" * 5000, "?location=%FF",
                  "?location=<script>"):
            r = self.h.request("GET", "/api/v1/callbacks" + q,
                               headers={"Authorization": "Bearer " + tok})
            self.assertTrue(200 <= r.status < 500, (q, r.status, r.text))
        for auth in ("Bearer", "Bearer ", "Bearer " + "a" * 10000,
                     "Bearer \xe9", "Basic Zm9vOmJhcg==", "bearer " + tok[:-1],
                     "Bearer " + tok + " extra"):
            r = self.h.request("GET", "/api/v1/callbacks",
                               headers={"Authorization": auth})
            self.assertIn(r.status, (400, 401), (auth[:20], r.text))
        r = self.h.request("GET", "/api/v1/session", headers={
            "Cookie": "hl_session=" + "x" * 5000 + "; hl_session=; =; ;;"})
        self.assertTrue(400 <= r.status < 500, r.text)
        self.assertAlive()
        # Still working for the real thing afterwards.
        r = self.h.request("GET", "/api/v1/callbacks?status=all",
                           headers={"Authorization": "Bearer " + tok})
        self.assertEqual(r.status, 200, r.text)


class ConnectionsCase(unittest.TestCase):
    """A hotlined (self.h) and raw connections to it (self.socks), closed
    after the test with what setUp made (a provider, a config folder)."""

    provider = None
    dir = None

    def tearDown(self):
        for s in self.socks:
            s.close()
        self.h.cleanup()
        if self.provider is not None:
            self.provider.close()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)


class TestIdleConnections(ConnectionsCase):
    """Idle and half-sent connections beyond max_connections: once they
    time out the service answers a new connection again."""

    TIMEOUT = 2
    MAX_CONN = 4

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hotline-hostile-")
        shutil.copytree(os.path.join(TOP_SRCDIR, "config"),
                        os.path.join(self.dir, "config"))
        shutil.copytree(os.path.join(TOP_SRCDIR, "prompts"),
                        os.path.join(self.dir, "prompts"))
        cfg = os.path.join(self.dir, "config", "hotline.yaml")
        with open(cfg) as f:
            text = f.read()
        text = text.replace("timeout: 10 ", "timeout: %d " % self.TIMEOUT, 1)
        text = text.replace("max_connections: 1024",
                            "max_connections: %d" % self.MAX_CONN, 1)
        with open(cfg, "w") as f:
            f.write(text)
        self.provider = FakeProvider()
        run = os.path.join(self.dir, "run")
        os.makedirs(run)
        self.h = Hotlined(env={"HOTLINE_PROVIDER_API": self.provider.url},
                          config=cfg, workdir=run)
        self.h.start()
        self.socks = []

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.h.port), timeout=10)
        self.socks.append(s)
        return s

    def test_idle_connections_time_out_and_service_recovers(self):
        start = time.time()
        # Keep-alive connections that asked once and then sit idle.
        for _ in range(self.MAX_CONN + 4):
            s = self.connect()
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
            s.settimeout(5)
            s.recv(4096)
        # Connections that never finish their headers (slowloris).
        for _ in range(self.MAX_CONN + 4):
            s = self.connect()
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-Slow: ")
        # Connections that announce a body and never send it.
        for _ in range(4):
            s = self.connect()
            s.sendall(b"POST /sms/incoming HTTP/1.1\r\nHost: a\r\n"
                      b"Content-Type: application/x-www-form-urlencoded\r\n"
                      b"Content-Length: 500\r\n\r\nBody=")
        # Over the cap, a new connection gets a proper answer at least.
        reply = raw(self.h.port, b"GET /healthz HTTP/1.1\r\nHost: a\r\n"
                    b"Connection: close\r\n\r\n")
        self.assertIn(status_of(reply), (200, 503), reply[:200])
        # The idle ones are closed once the timeout passes.
        for s in self.socks:
            s.settimeout(self.TIMEOUT + 5)
            try:
                while s.recv(4096):
                    pass
            except ConnectionResetError:
                pass
        self.assertIsNone(self.h.proc.poll(), self.h.log())
        r = self.h.get("/healthz")
        self.assertEqual(r.status, 200, r.text)
        # The cap was given back: as many new keep-alive connections work.
        for s in self.socks:
            s.close()
        self.socks = []
        for _ in range(self.MAX_CONN):
            s = self.connect()
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
            self.assertEqual(status_of(s.recv(4096)), 200)
        self.assertLess(time.time() - start, 15)


def connect_from(addr, port, timeout=5):
    """A connection from another loopback address (another client)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((addr, 0))
    s.connect(("127.0.0.1", port))
    return s


def read_all(s):
    """Everything until the server closes (or the socket's timeout)."""
    out = b""
    while True:
        try:
            chunk = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            return out, False
        if not chunk:
            return out, True
        out += chunk


def log_lines(h):
    return h.log().count("\n")


class TestDescriptorExhaustion(ConnectionsCase):
    """Half-sent requests from one address under a small descriptor limit:
    connections are counted when accepted, one address holds at most its
    share, the rest are refused with a 503 that closes them, and the
    service goes on answering everyone else without filling its log."""

    ATTACKER = "127.0.0.2"

    def setUp(self):
        self.provider = FakeProvider()
        self.h = Hotlined(env={"HOTLINE_PROVIDER_API": self.provider.url},
                          nofile=256)
        self.h.start()
        self.socks = []

    def test_300_half_open_connections(self):
        before = log_lines(self.h)
        refused = 0
        for _ in range(300):
            try:
                s = connect_from(self.ATTACKER, self.h.port)
                self.socks.append(s)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-Slow: ")
            except OSError:
                refused += 1
        # Someone else, on a new connection: answered (the generous
        # timeout is only there so a hang fails instead of blocking).
        r = http("GET", self.h.base + "/healthz", timeout=5)
        self.assertEqual(r.status, 200, r.text)
        # The attacker's next connection: a 503 that closes it.
        s = connect_from(self.ATTACKER, self.h.port)
        self.socks.append(s)
        reply, closed = read_all(s)
        self.assertEqual(status_of(reply), 503, reply[:200])
        self.assertIn(b"Connection: close", reply)
        self.assertTrue(closed, "the 503 left the connection open")
        self.assertIsNone(self.h.proc.poll(), self.h.log()[-2000:])
        m = http("GET", self.h.base + "/metrics", timeout=5).text
        self.assertRegex(m, r'hotline_http_rejected_total\{reason="address"\} '
                            r'[1-9]')
        # A few lines, not one per refused connection or failed accept.
        self.assertLess(log_lines(self.h) - before, 40,
                        self.h.log()[-3000:])

    def test_out_of_descriptors_pauses_accepting(self):
        """accept(2) failing (EMFILE) stops accepting for a moment and is
        logged once, instead of a retry loop that spins and logs each
        failure; once descriptors are free again it accepts again."""
        import resource
        pid = self.h.proc.pid
        old = resource.prlimit(pid, resource.RLIMIT_NOFILE)
        before = log_lines(self.h)
        used = len(os.listdir("/proc/%d/fd" % pid))
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (used, old[1]))
        try:
            for _ in range(20):
                self.socks.append(connect_from(self.ATTACKER, self.h.port))
            deadline = time.time() + 10
            while time.time() < deadline and \
                    "accept failed" not in self.h.log():
                time.sleep(0.05)
            time.sleep(1.5)
            log = self.h.log()
            self.assertTrue("accept failed" in log, log[-3000:])
            self.assertLess(log.count("\n") - before, 10, log[-3000:])
        finally:
            resource.prlimit(pid, resource.RLIMIT_NOFILE, old)
        for s in self.socks:
            s.close()
        self.socks = []
        r = http("GET", self.h.base + "/healthz", timeout=5)
        self.assertEqual(r.status, 200, r.text)
        self.assertIsNone(self.h.proc.poll())


class TestFullService(ConnectionsCase):
    """At max_connections a new connection gets a 503 at once, before it
    sends anything, and is closed."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hotline-hostile-")
        shutil.copytree(os.path.join(TOP_SRCDIR, "config"),
                        os.path.join(self.dir, "config"))
        cfg = os.path.join(self.dir, "config", "hotline.yaml")
        with open(cfg) as f:
            text = f.read()
        text = text.replace("max_connections: 1024", "max_connections: 2", 1)
        text = text.replace("prompts: ../prompts", "prompts: %s" %
                            os.path.join(TOP_SRCDIR, "prompts"), 1)
        with open(cfg, "w") as f:
            f.write(text)
        self.h = Hotlined(config=cfg)
        self.h.start()
        self.socks = []

    def test_503_closes_the_connection(self):
        for _ in range(2):
            s = socket.create_connection(("127.0.0.1", self.h.port), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
            self.assertEqual(status_of(s.recv(4096)), 200)
            self.socks.append(s)
        s = socket.create_connection(("127.0.0.1", self.h.port), timeout=5)
        self.socks.append(s)
        reply, closed = read_all(s)
        self.assertEqual(status_of(reply), 503, reply[:200])
        self.assertIn(b"Connection: close", reply)
        self.assertTrue(closed, "the 503 left the connection open")
        # A place freed is a place taken.
        self.socks.pop(0).close()
        deadline = time.time() + 5
        while time.time() < deadline:
            reply = raw(self.h.port, b"GET /healthz HTTP/1.1\r\nHost: a\r\n"
                        b"Connection: close\r\n\r\n")
            if status_of(reply) == 200:
                break
            time.sleep(0.05)
        self.assertEqual(status_of(reply), 200, reply[:200])


class TestFraming(HostileCase):
    """Requests whose body length could be read two ways (RFC 9112 6.3)
    are refused with 400 and their connection closed, so nothing after
    them on the connection is taken as a request."""

    SMUGGLED = b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"

    def send(self, head, body=b""):
        s = socket.create_connection(("127.0.0.1", self.h.port), timeout=5)
        try:
            s.sendall(b"POST /sms/incoming HTTP/1.1\r\nHost: a\r\n"
                      b"Content-Type: application/x-www-form-urlencoded\r\n" +
                      head + b"\r\n" + body)
            return read_all(s)
        finally:
            s.close()

    def test_two_content_lengths(self):
        for head in (b"Content-Length: 0\r\nContent-Length: %d\r\n" %
                     len(self.SMUGGLED),
                     b"Content-Length: %d\r\nContent-Length: 0\r\n" %
                     len(self.SMUGGLED),
                     b"Content-Length: %d\r\ncontent-length: %d\r\n" %
                     (len(self.SMUGGLED), len(self.SMUGGLED))):
            with self.subTest(head=head):
                reply, closed = self.send(head, self.SMUGGLED)
                self.assertEqual(status_of(reply), 400, reply[:300])
                self.assertIn(b"Content-Length", reply)
                self.assertEqual(reply.count(b"HTTP/1.1 "), 1, reply)
                self.assertTrue(closed)
        self.assertAlive()

    def test_transfer_encoding_other_than_chunked(self):
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(self.SMUGGLED),
                                                self.SMUGGLED)
        for head, body in (
                (b"Transfer-Encoding: chunked\r\nContent-Length: %d\r\n" %
                 len(chunked), chunked),
                (b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n" %
                 len(chunked), chunked),
                (b"Transfer-Encoding: chunked, identity\r\n"
                 b"Content-Length: 0\r\n", chunked),
                (b"Transfer-Encoding: xchunked\r\n", chunked),
                (b"Transfer-Encoding: chunked\r\n"
                 b"Transfer-Encoding: chunked\r\n", chunked)):
            with self.subTest(head=head):
                reply, closed = self.send(head, body)
                self.assertEqual(status_of(reply), 400, reply[:300])
                self.assertEqual(reply.count(b"HTTP/1.1 "), 1, reply)
                self.assertTrue(closed)
        self.assertAlive()


if __name__ == "__main__":
    unittest.main()
