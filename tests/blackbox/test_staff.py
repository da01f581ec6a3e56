"""Staff side: the callback queue as staff work it -- the JSON API, login
and sessions, location scoping, atomic claims, retries, click-to-call,
notifications (on-call text, e-mail through SMTP, chat webhook) and the
command-line tool.  Callbacks are requested as callers and texters do:
through the real, signed voice and SMS webhooks."""
import json
import os
import re
import shutil
import socketserver
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import (ACCOUNT_SID, CALLER, CONFIG, HOTLINE, TOP_SRCDIR,
                     FakeProvider, Hotlined, fresh_store, sms_text, store_rows)

# A Tuesday morning: every location is open.
OPEN_CLOCK = "+2026-12-01T10:00:00-06:00"
ONCALL = {"+18175550111", "+19725550112", "+19725550113", "+19725550114"}
STAFF_PHONE = "+18175550142"
LOCATION_KEYS = {"fort-worth": "1", "allen": "2", "coppell": "3", "garland": "4"}


class SmtpSink:
    """A tiny SMTP server on loopback that keeps every message it is given."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        outer = self

        class H(socketserver.StreamRequestHandler):
            def reply(self, line):
                self.wfile.write((line + "\r\n").encode())
                self.wfile.flush()

            def handle(self):
                self.reply("220 sink ESMTP")
                mail = {"from": None, "to": [], "data": ""}
                while True:
                    raw = self.rfile.readline()
                    if not raw:
                        return
                    line = raw.decode("utf-8", "replace").rstrip("\r\n")
                    cmd = line[:4].upper()
                    if cmd in ("EHLO", "HELO"):
                        self.reply("250-sink")
                        self.reply("250 8BITMIME")
                    elif cmd == "MAIL":
                        mail = {"from": line[10:].strip(), "to": [], "data": ""}
                        self.reply("250 ok")
                    elif cmd == "RCPT":
                        mail["to"].append(line[8:].strip().strip("<>"))
                        self.reply("250 ok")
                    elif cmd == "DATA":
                        self.reply("354 go on")
                        data = []
                        while True:
                            l = self.rfile.readline()
                            if not l or l in (b".\r\n", b".\n"):
                                break
                            data.append(l.decode("utf-8", "replace"))
                        mail["data"] = "".join(data)
                        with outer.lock:
                            outer.messages.append(mail)
                        self.reply("250 queued")
                    elif cmd == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("250 ok")

        class S(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = S(("127.0.0.1", 0), H)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class ChatSink:
    """Records JSON webhook posts."""

    def __init__(self):
        self.posts = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                outer.posts.append({"path": self.path,
                                    "type": self.headers.get("Content-Type"),
                                    "json": json.loads(body or b"null")})
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d/hooks/staff" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def staff_config(workdir, service_extra=""):
    """The shipped configuration with e-mail and chat notices switched on
    (and service_extra, YAML lines, added to its service section)."""
    src = os.path.dirname(CONFIG)
    dst = os.path.join(workdir, "config")
    shutil.copytree(src, dst)
    os.symlink(os.path.join(TOP_SRCDIR, "prompts"), os.path.join(workdir, "prompts"))
    os.symlink(os.path.join(TOP_SRCDIR, "web"), os.path.join(workdir, "web"))
    path = os.path.join(dst, "hotline.yaml")
    with open(path) as f:
        text = f.read()
    for k in ("email", "chat"):
        old = "    %s: false" % k
        assert old in text, "hotline.yaml has no '%s' line" % old
        text = text.replace(old, "    %s: true" % k, 1)
    text = text.replace("\nservice:\n", "\nservice:\n" + service_extra, 1)
    with open(path, "w") as f:
        f.write(text)
    return path


class StaffTestCase(unittest.TestCase):
    service_extra = ""

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="hotline-staff-")
        self.provider = FakeProvider()
        self.smtp = SmtpSink()
        self.chat = ChatSink()
        self.h = Hotlined(
            config=staff_config(self.workdir, self.service_extra),
            store=fresh_store(self.workdir), workdir=self.workdir,
            env={"HOTLINE_PROVIDER_API": self.provider.url,
                 "HOTLINE_CLOCK": OPEN_CLOCK,
                 "HOTLINE_SMTP_URL": "smtp://127.0.0.1:%d" % self.smtp.port,
                 "HOTLINE_CHAT_WEBHOOK": self.chat.url})
        self.h.start()

    def tearDown(self):
        log = self.h.log()
        self.h.cleanup()
        self.provider.close()
        self.smtp.close()
        self.chat.close()
        self.assertNotIn(CALLER, log, "a full phone number reached the log")

    # --- helpers -----------------------------------------------------------

    def cli(self, *args, stdin=None):
        env = dict(self.h.env)
        p = subprocess.run([HOTLINE, "--config", self.h.config] + list(args),
                           input=stdin, capture_output=True, text=True,
                           env=env, timeout=60)
        return p

    def add_staff(self, name, password="s3cret-pass-phrase", locations="*",
                  phone=None, email=None):
        args = ["staff", "add", name, "--password-stdin", "--locations", locations]
        if phone:
            args += ["--phone", phone]
        if email:
            args += ["--email", email]
        p = self.cli(*args, stdin=password + "\n")
        self.assertEqual(p.returncode, 0, p.stderr)

    def token(self, name):
        p = self.cli("staff", "token", name)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip().splitlines()[-1]

    def api(self, method, path, token=None, body=None, headers=None):
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        return self.h.request(method, path, body=data, headers=h)

    def text_callback(self, frm=CALLER, body="CALLBACK"):
        """A texter asks for a call back through the real SMS webhook."""
        r = self.h.sms(body, frm=frm)
        self.assertEqual(r.status, 200, r.text)
        return r

    def phone_callback(self, frm, location="fort-worth", stretches=True,
                       language="es"):
        """A caller asks for a call back through the real voice webhooks:
        Spanish (9) if asked, guided stretches (2) then "call me back" (4),
        or the main menu's callback (5); this number (1), the location's
        key, the morning (1)."""
        keys = (["9"] if language == "es" else []) + \
            (["2", "4"] if stretches else ["5"]) + ["1", LOCATION_KEYS[location], "1"]
        sid = "CA" + os.urandom(16).hex()
        r = self.h.webhook("/voice/incoming", self.h.call_params(sid, frm=frm))
        for k in keys:
            self.assertEqual(r.status, 200, r.text)
            g = r.xml().find(".//Gather")
            self.assertIsNotNone(g, r.text)
            r = self.h.follow(g.get("action"),
                              dict(self.h.call_params(sid, frm=frm), Digits=k))
        self.assertEqual(r.status, 200, r.text)
        rows = store_rows(self.h.store, "SELECT id FROM callbacks WHERE phone = ? "
                          "AND status = 'waiting'", (frm,))
        self.assertEqual(len(rows), 1, "the call did not join the queue")
        return int(rows[0][0])

    def items(self, token, query=""):
        r = self.api("GET", "/api/v1/callbacks" + query, token)
        self.assertEqual(r.status, 200, r.text)
        return r.json()["items"]

    def wait(self, pred, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if pred():
                return True
            time.sleep(0.05)
        return False


class TestStaffApi(StaffTestCase):
    def test_requires_credentials(self):
        self.assertEqual(self.api("GET", "/api/v1/callbacks").status, 401)
        self.assertEqual(self.api("GET", "/api/v1/callbacks", "f" * 64).status, 401)
        self.assertEqual(self.api("POST", "/api/v1/callbacks/1/claim", "x").status, 401)
        self.assertEqual(self.api("GET", "/api/v1/events").status, 401)
        r = self.h.get("/staff")
        self.assertEqual(r.status, 200)
        self.assertIn("text/html", r.headers["Content-Type"])
        self.assertIn('<label for="password">', r.text)
        self.assertEqual(self.h.get("/staff/app.js").status, 200)
        self.assertEqual(self.h.get("/staff/../config/hotline.yaml").status, 404)

    def test_text_callback_appears_with_fields(self):
        self.add_staff("alice", email="alice@example.org")
        tok = self.token("alice")
        self.text_callback()
        items = self.items(tok)
        self.assertEqual(len(items), 1)
        it = items[0]
        for k in ("id", "phone", "location", "topic", "language", "priority",
                  "status", "position", "wait_minutes", "created_at",
                  "attempts", "claimed_by", "preferred_window", "outcome",
                  "recording_url", "source", "notes"):
            self.assertIn(k, it)
        self.assertEqual(it["phone"], CALLER)
        self.assertEqual(it["source"], "sms")
        self.assertEqual(it["status"], "waiting")
        self.assertEqual(it["position"], 1)
        self.assertRegex(it["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        # Asking again keeps the one entry.
        self.text_callback()
        self.assertEqual(len(self.items(tok)), 1)
        one = self.api("GET", "/api/v1/callbacks/%d" % it["id"], tok)
        self.assertEqual(one.status, 200)
        self.assertEqual(one.json()["id"], it["id"])
        self.assertEqual(self.api("GET", "/api/v1/callbacks/99999", tok).status, 404)

    def test_claim_done_note_release(self):
        self.add_staff("alice")
        self.add_staff("bob")
        a, b = self.token("alice"), self.token("bob")
        cid = self.phone_callback("+18175550161")
        r = self.api("POST", "/api/v1/callbacks/%d/claim" % cid, a)
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json()["claimed_by"], "alice")
        r = self.api("POST", "/api/v1/callbacks/%d/claim" % cid, b)
        self.assertEqual(r.status, 409)
        self.assertEqual(self.api("POST", "/api/v1/callbacks/%d/done" % cid, b,
                                  {"outcome": "reached"}).status, 409)
        r = self.api("POST", "/api/v1/callbacks/%d/note" % cid, b,
                     {"text": "tried the front desk"})
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json()["notes"][0]["author"], "bob")
        self.assertEqual(self.api("POST", "/api/v1/callbacks/%d/release" % cid, a).status, 200)
        self.assertEqual(self.items(a)[0]["status"], "waiting")
        self.assertEqual(self.api("POST", "/api/v1/callbacks/%d/claim" % cid, b).status, 200)
        self.assertEqual(self.api("POST", "/api/v1/callbacks/%d/done" % cid, b,
                                  {"outcome": "bogus"}).status, 400)
        r = self.api("POST", "/api/v1/callbacks/%d/done" % cid, b,
                     {"outcome": "reached", "note": "gave stretch advice"})
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json()["status"], "done")
        self.assertEqual(r.json()["attempts"], 1)
        self.assertEqual(self.items(a), [])
        done = self.items(a, "?status=done")
        self.assertEqual([d["id"] for d in done], [cid])

    def test_twenty_concurrent_claims_one_winner(self):
        for i in range(20):
            self.add_staff("staff%02d" % i, password="pw-%d-long-enough" % i)
        tokens = [self.token("staff%02d" % i) for i in range(20)]
        cid = self.phone_callback("+18175550162")
        results = [None] * 20
        barrier = threading.Barrier(20)

        def go(i):
            barrier.wait()
            results[i] = self.api("POST", "/api/v1/callbacks/%d/claim" % cid,
                                  tokens[i]).status

        ts = [threading.Thread(target=go, args=(i,)) for i in range(20)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(results.count(200), 1, results)
        self.assertEqual(results.count(409), 19, results)
        winner = "staff%02d" % results.index(200)
        self.assertEqual(self.items(tokens[0])[0]["claimed_by"], winner)

    def test_location_scope(self):
        self.add_staff("allen-desk", locations="allen")
        tok = self.token("allen-desk")
        fw = self.phone_callback("+18175550163", location="fort-worth")
        al = self.phone_callback("+18175550164", location="allen")
        self.text_callback()  # the shared queue
        ids = sorted(i["id"] for i in self.items(tok))
        self.assertNotIn(fw, ids)
        self.assertIn(al, ids)
        self.assertEqual(len(ids), 2)
        # Another location's entry answers exactly like one that does not
        # exist: an id does not tell what is queued elsewhere.
        missing = self.api("GET", "/api/v1/callbacks/%d" % (fw + 1000), tok)
        self.assertEqual(missing.status, 404)
        for r in (self.api("GET", "/api/v1/callbacks/%d" % fw, tok),
                  self.api("POST", "/api/v1/callbacks/%d/claim" % fw, tok),
                  self.api("POST", "/api/v1/callbacks/%d/claim" % (fw + 1000),
                           tok)):
            self.assertEqual((r.status, r.json()), (404, missing.json()))
        self.assertEqual(self.api("POST", "/api/v1/callbacks/%d/claim" % al, tok).status, 200)
        shared = self.items(tok, "?location=shared")
        self.assertEqual(len(shared), 1)
        self.assertIsNone(shared[0]["location"])

    def test_paging(self):
        self.add_staff("alice")
        tok = self.token("alice")
        for i in range(5):
            self.phone_callback("+1817555017%d" % i)
        seen, cursor = [], None
        while True:
            q = "?limit=2" + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
            r = self.api("GET", "/api/v1/callbacks" + q, tok).json()
            seen += [i["id"] for i in r["items"]]
            cursor = r["next"]
            if not cursor:
                break
        self.assertEqual(len(seen), 5)
        self.assertEqual(len(set(seen)), 5)
        positions = [i["position"] for i in self.items(tok)]
        self.assertEqual(positions, [1, 2, 3, 4, 5])

    def test_retries_then_unreachable_text(self):
        self.add_staff("alice")
        tok = self.token("alice")
        self.text_callback()
        cid = self.items(tok)[0]["id"]
        before = len(self.provider.messages())
        for n in (1, 2):
            r = self.api("POST", "/api/v1/callbacks/%d/done" % cid, tok,
                         {"outcome": "no_answer"})
            self.assertEqual(r.status, 200, r.text)
            self.assertEqual(r.json()["status"], "waiting")
            self.assertEqual(r.json()["attempts"], n)
            self.assertIsNotNone(r.json()["retry_after"])
        r = self.api("POST", "/api/v1/callbacks/%d/done" % cid, tok,
                     {"outcome": "busy"})
        self.assertEqual(r.json()["status"], "unreachable")
        self.assertTrue(self.provider.wait_for(
            lambda: any(m["form"].get("To") == CALLER and
                        "could not reach you" in m["form"].get("Body", "")
                        for m in self.provider.messages()[before:])),
            "no 'unreachable' text to the caller")

    def test_session_login_csrf(self):
        self.add_staff("alice", password="right-password")
        s = self.h.get("/api/v1/session")
        self.assertEqual(s.status, 401)
        login_csrf = s.json()["login_csrf"]
        cookie = s.headers["Set-Cookie"].split(";")[0]
        body = {"username": "alice", "password": "right-password"}
        # No token: refused.
        r = self.api("POST", "/api/v1/login", body=body, headers={"Cookie": cookie})
        self.assertEqual(r.status, 403)
        r = self.api("POST", "/api/v1/login", body=dict(body, password="wrong"),
                     headers={"Cookie": cookie, "X-CSRF-Token": login_csrf})
        self.assertEqual(r.status, 401)
        r = self.api("POST", "/api/v1/login", body=body,
                     headers={"Cookie": cookie, "X-CSRF-Token": login_csrf})
        self.assertEqual(r.status, 200, r.text)
        sc = r.headers["Set-Cookie"]
        self.assertIn("HttpOnly", sc)
        self.assertIn("SameSite=Strict", sc)
        session = sc.split(";")[0]
        csrf = r.json()["csrf"]
        cid = self.phone_callback("+18175550165")
        self.assertEqual(self.api("GET", "/api/v1/callbacks",
                                  headers={"Cookie": session}).status, 200)
        # A change without the CSRF header is refused.
        self.assertEqual(self.api("POST", "/api/v1/callbacks/%d/claim" % cid,
                                  headers={"Cookie": session}).status, 403)
        self.assertEqual(self.api("POST", "/api/v1/callbacks/%d/claim" % cid,
                                  headers={"Cookie": session,
                                           "X-CSRF-Token": "0" * 64}).status, 403)
        self.assertEqual(self.api("POST", "/api/v1/callbacks/%d/claim" % cid,
                                  headers={"Cookie": session,
                                           "X-CSRF-Token": csrf}).status, 200)
        r = self.api("POST", "/api/v1/logout", headers={"Cookie": session,
                                                        "X-CSRF-Token": csrf})
        self.assertEqual(r.status, 204)
        self.assertEqual(self.api("GET", "/api/v1/callbacks",
                                  headers={"Cookie": session}).status, 401)

    def test_login_rate_limited(self):
        self.add_staff("alice", password="right-password")
        s = self.h.get("/api/v1/session")
        hdr = {"Cookie": s.headers["Set-Cookie"].split(";")[0],
               "X-CSRF-Token": s.json()["login_csrf"]}
        codes = [self.api("POST", "/api/v1/login", headers=hdr,
                          body={"username": "alice", "password": "guess%d" % i}).status
                 for i in range(6)]
        self.assertEqual(codes[:5], [401] * 5)
        self.assertEqual(codes[5], 429)
        r = self.api("POST", "/api/v1/login", headers=hdr,
                     body={"username": "alice", "password": "right-password"})
        self.assertEqual(r.status, 429)

    def test_forwarded_for_ignored_without_trusted_proxy(self):
        """No proxy is configured: X-Forwarded-For is whatever a client
        wrote, and changing it does not buy more guesses."""
        self.add_staff("alice", password="right-password")
        s = self.h.get("/api/v1/session")
        hdr = {"Cookie": s.headers["Set-Cookie"].split(";")[0],
               "X-CSRF-Token": s.json()["login_csrf"]}
        codes = []
        for i in range(6):
            h = dict(hdr, **{"X-Forwarded-For": "198.51.100.%d" % (i + 1)})
            codes.append(self.api("POST", "/api/v1/login", headers=h, body={
                "username": "alice", "password": "guess%d" % i}).status)
        self.assertEqual(codes, [401] * 5 + [429])

    def test_events_wake_on_change(self):
        self.add_staff("alice")
        tok = self.token("alice")
        first = self.api("GET", "/api/v1/events", tok)
        self.assertEqual(first.status, 200)
        self.assertIn("text/event-stream", first.headers["Content-Type"])
        last = [l[4:] for l in first.text.splitlines() if l.startswith("id: ")][0]
        got = {}

        def listen():
            t0 = time.time()
            got["r"] = self.api("GET", "/api/v1/events", tok,
                                headers={"Last-Event-ID": last})
            got["t"] = time.time() - t0

        t = threading.Thread(target=listen)
        t.start()
        time.sleep(0.5)
        self.assertTrue(t.is_alive(), "the events request was not held")
        self.text_callback()
        t.join(10)
        self.assertIn("r", got)
        self.assertIn("event: queue", got["r"].text)
        self.assertLess(got["t"], 5)


class TestLoginBehindProxy(StaffTestCase):
    """Behind a reverse proxy every login reaches the service from the
    proxy's address.  With the proxy in service.trusted_proxies the client
    is the address X-Forwarded-For names, and failed logins slow down only
    that name from that address: nobody is locked out by someone else."""

    service_extra = '  trusted_proxies: ["127.0.0.1"]\n'
    ATTACKER = "203.0.113.7"

    def setUp(self):
        super().setUp()
        s = self.h.get("/api/v1/session")
        self.hdr = {"Cookie": s.headers["Set-Cookie"].split(";")[0],
                    "X-CSRF-Token": s.json()["login_csrf"]}

    def login(self, user, password, forwarded_for):
        h = dict(self.hdr, **{"X-Forwarded-For": forwarded_for})
        return self.api("POST", "/api/v1/login", headers=h,
                        body={"username": user, "password": password})

    def test_guessing_one_name_locks_out_nobody(self):
        self.add_staff("alice", password="alice-password")
        self.add_staff("bob", password="bob-password")
        codes = [self.login("alice", "guess%d" % i, self.ATTACKER).status
                 for i in range(12)]
        self.assertEqual(codes, [401] * 5 + [429] * 7)
        r = self.login("alice", "alice-password", self.ATTACKER)
        self.assertEqual(r.status, 429)
        self.assertGreater(int(r.headers["Retry-After"]), 0)
        # Another name from the same address is not held up.
        self.assertEqual(self.login("bob", "bob-password",
                                    self.ATTACKER).status, 200)
        # The owner, from where she is, gets in with her password.
        r = self.login("alice", "alice-password", "198.51.100.9")
        self.assertEqual(r.status, 200, r.text)
        # Writing her address in X-Forwarded-For does not help the
        # attacker: the proxy appends the address it saw, and that counts.
        r = self.login("alice", "alice-password",
                       "198.51.100.9, " + self.ATTACKER)
        self.assertEqual(r.status, 429, r.text)

    def test_names_that_do_not_exist_are_limited_per_address(self):
        self.add_staff("alice", password="alice-password")
        for i in range(20):
            r = self.login("nobody%d" % i, "x", "192.0.2.50")
            self.assertEqual(r.status, 401, r.text)
        # That address now waits, whatever name it tries (so what is
        # refused does not tell which names exist) ...
        self.assertEqual(self.login("alice", "alice-password",
                                    "192.0.2.50").status, 429)
        # ... and nobody else does.
        self.assertEqual(self.login("alice", "alice-password",
                                    "192.0.2.51").status, 200)

    def test_login_storm_is_bounded_and_webhooks_go_on(self):
        """Passwords are checked on a thread of their own with a short
        queue: a storm beyond it is refused at once with 503, and a signed
        text is answered meanwhile.  (How little the storm delays texts is
        measured in bench/login-storm.)"""
        self.add_staff("alice", password="alice-password")
        n = 40
        start = threading.Barrier(n + 1)
        out = [None] * (n + 1)

        def guess(i):
            start.wait()
            out[i] = self.login("alice", "wrong", "198.51.100.%d" % (i + 1))

        def text():
            start.wait()
            out[n] = self.h.sms("HELP")

        ts = [threading.Thread(target=guess, args=(i,)) for i in range(n)]
        ts.append(threading.Thread(target=text))
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(out[n].status, 200, out[n].text)
        self.assertTrue(sms_text(out[n]))
        codes = [r.status for r in out[:n]]
        self.assertEqual(set(codes) - {401, 503}, set(), codes)
        self.assertIn(503, codes)
        self.assertIn(401, codes)
        for r in out[:n]:
            if r.status == 503:
                self.assertEqual(r.headers.get("Retry-After"), "1")
        # The owner gets in once the storm is over.
        self.assertEqual(self.login("alice", "alice-password",
                                    "198.51.100.200").status, 200)


class TestLoginCookie(unittest.TestCase):
    """The login form's CSRF cookie is Secure when the service is reached
    over https (its public URL), and cannot be when it is not."""

    def cookie(self, public_url):
        h = Hotlined(env={"HOTLINE_PUBLIC_URL": public_url})
        try:
            h.start()
            r = h.get("/api/v1/session")
            self.assertEqual(r.status, 401)
            return r.headers["Set-Cookie"]
        finally:
            h.cleanup()

    def test_secure_over_https(self):
        c = self.cookie("https://hotline.example.org")
        self.assertTrue(c.startswith("hl_login="), c)
        self.assertIn("; Secure", c)
        self.assertIn("HttpOnly", c)
        self.assertNotIn("Secure", self.cookie("http://127.0.0.1:1"))


class TestNotifications(StaffTestCase):
    def test_joined_notices_once_each(self):
        self.add_staff("alice", email="alice@example.org")
        self.text_callback()
        self.text_callback()  # a repeat: no second round of notices
        self.assertTrue(self.wait(lambda: len(self.chat.posts) >= 1 and
                                  len(self.smtp.messages) >= 1 and
                                  ONCALL <= {m["form"].get("To") for m in
                                             self.provider.messages()}),
                        "notices did not all arrive: chat %d, mail %d, sms %s" % (
                            len(self.chat.posts), len(self.smtp.messages),
                            [m["form"].get("To") for m in self.provider.messages()]))
        time.sleep(1.5)
        oncall = [m for m in self.provider.messages() if m["form"].get("To") in ONCALL]
        self.assertEqual(sorted(m["form"]["To"] for m in oncall), sorted(ONCALL))
        self.assertEqual(len(self.smtp.messages), 1)
        self.assertEqual(self.smtp.messages[0]["to"], ["alice@example.org"])
        self.assertEqual(len(self.chat.posts), 1)
        post = self.chat.posts[0]["json"]
        self.assertEqual(post["event"], "joined")
        everything = json.dumps(post) + self.smtp.messages[0]["data"] + \
            "".join(m["form"].get("Body", "") for m in oncall)
        self.assertNotIn(CALLER, everything)
        self.assertNotIn(CALLER[2:], everything)
        self.assertIn(CALLER[-4:], oncall[0]["form"]["Body"])


class TestClickToCall(StaffTestCase):
    def test_call_now(self):
        self.add_staff("alice", phone="(817) 555-0142")
        self.add_staff("nophone")
        tok = self.token("alice")
        cid = self.phone_callback("+18175550166", language="es")
        self.assertEqual(self.api("POST", "/api/v1/callbacks/%d/call" % cid,
                                  self.token("nophone")).status, 400)
        r = self.api("POST", "/api/v1/callbacks/%d/call" % cid, tok)
        self.assertEqual(r.status, 202, r.text)
        self.assertEqual(r.json()["claimed_by"], "alice")
        self.assertTrue(self.provider.wait_for(lambda: self.provider.calls()))
        call = self.provider.calls()[0]
        self.assertEqual(call["path"], "/2010-04-01/Accounts/%s/Calls.json" % ACCOUNT_SID)
        self.assertEqual(call["form"]["To"], STAFF_PHONE)
        self.assertEqual(call["form"]["From"], "+18175550100")
        url = call["form"]["Url"]
        self.assertEqual(url, self.h.base + "/voice/staff-call?cb=%d" % cid)

        params = self.h.call_params("CA" + "1" * 32, frm="+18175550100",
                                    To=STAFF_PHONE, Direction="outbound-api")
        self.assertEqual(self.h.webhook(url[len(self.h.base):], params,
                                        signed=False).status, 403)
        r = self.h.follow(url, params)
        self.assertEqual(r.status, 200, r.text)
        root = r.xml()
        say = root.find("Say").text
        self.assertIn("Spanish", say)
        self.assertIn("stretches", say)
        dial = root.find("Dial")
        self.assertEqual(dial.get("callerId"), "+18175550100")
        self.assertEqual(dial.find("Number").text, "+18175550166")
        action = dial.get("action")
        self.assertEqual(action, self.h.base + "/voice/staff-call-result?cb=%d" % cid)

        r = self.h.follow(action, dict(params, DialCallStatus="no-answer"))
        self.assertEqual(r.status, 200)
        it = self.api("GET", "/api/v1/callbacks/%d" % cid, tok).json()
        self.assertEqual(it["status"], "waiting")
        self.assertEqual(it["attempts"], 1)
        self.assertEqual(it["outcome"], "no_answer")
        # A redelivered result changes nothing.
        self.h.follow(action, dict(params, DialCallStatus="no-answer"))
        self.assertEqual(self.api("GET", "/api/v1/callbacks/%d" % cid, tok).json()["attempts"], 1)

        self.assertEqual(self.api("POST", "/api/v1/callbacks/%d/call" % cid, tok).status, 202)
        r = self.h.follow(action, dict(params, DialCallStatus="completed"))
        it = self.api("GET", "/api/v1/callbacks/%d" % cid, tok).json()
        self.assertEqual(it["status"], "done")
        self.assertEqual(it["outcome"], "reached")
        self.assertEqual(it["attempts"], 2)


class TestCommandLine(StaffTestCase):
    def test_cli(self):
        self.add_staff("alice", locations="fort-worth,allen", email="a@example.org")
        p = self.cli("staff", "add", "bad name", "--password-stdin", stdin="x\n")
        self.assertNotEqual(p.returncode, 0)
        p = self.cli("staff", "add", "zed", "--password-stdin", "--locations", "nowhere",
                     stdin="x\n")
        self.assertNotEqual(p.returncode, 0)
        p = self.cli("staff", "list")
        self.assertIn("alice", p.stdout)
        self.assertIn("fort-worth,allen", p.stdout)
        self.assertNotIn("$y$", p.stdout)
        self.assertTrue(self.h.query("SELECT password_hash FROM staff")[0][0].startswith("$y$"))
        tok = self.token("alice")
        self.assertEqual(len(tok), 64)
        self.assertEqual(self.h.query("SELECT COUNT(*) FROM staff_tokens WHERE token_hash = '%s'" % tok),
                         [["0"]])
        cid = self.phone_callback("+18175550167")
        p = self.cli("callbacks", "list", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        items = json.loads(p.stdout)["items"]
        self.assertEqual(items[0]["id"], cid)
        self.assertEqual(items[0]["position"], 1)
        p = self.cli("callbacks", "claim", str(cid), "--as", "alice")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.add_staff("bob")
        p = self.cli("callbacks", "claim", str(cid), "--as", "bob")
        self.assertEqual(p.returncode, 3)
        p = self.cli("callbacks", "done", str(cid), "--as", "alice", "--outcome", "reached")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.cli("callbacks", "list", "--status", "done")
        self.assertIn("done", p.stdout)
        self.assertIn("alice", p.stdout)
        # The API sees what the command line did.
        it = self.api("GET", "/api/v1/callbacks/%d" % cid, tok).json()
        self.assertEqual(it["status"], "done")


# The provider's answer to a number it will never text: permanent, so the
# row fails at its first attempt.
BAD_NUMBER = (400, {"code": 21211, "status": 400,
                    "message": "The 'To' number is not a valid phone number."})


class TestFailedMessages(StaffTestCase):
    def text_me_guide(self, frm, key="1"):
        """A caller asks, from the phone menu, to be texted a guide (main
        menu 6, then 1 stretches or 2 prevention).  Returns the outbox
        row ids queued."""
        sid = "CA" + os.urandom(16).hex()
        r = self.h.webhook("/voice/incoming", self.h.call_params(sid, frm=frm))
        for k in ("6", key):
            self.assertEqual(r.status, 200, r.text)
            g = r.xml().find(".//Gather")
            self.assertIsNotNone(g, r.text)
            r = self.h.follow(g.get("action"),
                              dict(self.h.call_params(sid, frm=frm), Digits=k))
        self.assertEqual(r.status, 200, r.text)
        rows = self.h.rows("SELECT id FROM outbox WHERE recipient = ? AND "
                           "dedupe LIKE ? ORDER BY id", (frm, "voice:%s:guide:%%" % sid))
        self.assertTrue(rows, "no guide text was queued")
        return [int(x[0]) for x in rows]

    def failed(self, tok, query=""):
        r = self.api("GET", "/api/v1/messages?status=failed" + query, tok)
        self.assertEqual(r.status, 200, r.text)
        return r.json()["items"]

    def test_failed_message_listed_live_and_retried(self):
        self.add_staff("alice")
        self.add_staff("allen-desk", locations="allen")
        tok, allen = self.token("alice"), self.token("allen-desk")
        self.assertEqual(self.api("GET", "/api/v1/messages").status, 401)
        self.assertEqual(self.api("POST", "/api/v1/messages/1/retry").status, 401)
        self.assertEqual(self.failed(tok), [])
        self.assertEqual(self.api("GET", "/api/v1/messages?status=bogus", tok).status, 400)

        # A listener, held until something changes.
        first = self.api("GET", "/api/v1/events", tok)
        last = [l[4:] for l in first.text.splitlines() if l.startswith("id: ")][0]
        got = {}

        def listen():
            t0 = time.time()
            got["r"] = self.api("GET", "/api/v1/events", tok,
                                headers={"Last-Event-ID": last})
            got["t"] = time.time() - t0

        t = threading.Thread(target=listen)
        t.start()
        time.sleep(0.5)
        self.assertTrue(t.is_alive(), "the events request was not held")

        self.provider.fail = [BAD_NUMBER] * 40
        ids = self.text_me_guide(CALLER)
        self.assertTrue(self.wait(lambda: len(self.failed(tok)) == len(ids)),
                        "the rows did not fail: %s" % self.h.query(
                            "SELECT id, status, attempts, last_error FROM outbox"))
        # The dashboard is woken by the failure itself: nothing else changed.
        t.join(10)
        self.assertIn("r", got)
        self.assertIn("event: queue", got["r"].text)
        self.assertLess(got["t"], 8)

        r = self.api("GET", "/api/v1/messages?status=failed", tok)
        items = r.json()["items"]
        self.assertEqual(sorted(i["id"] for i in items), ids)
        it = items[0]
        self.assertEqual(set(it), {"id", "kind", "recipient", "status", "attempts",
                                   "error_code", "last_error", "created_at",
                                   "updated_at", "summary"})
        self.assertEqual(it["kind"], "sms")
        self.assertEqual(it["recipient"], CALLER)
        self.assertEqual(it["status"], "failed")
        self.assertEqual(it["attempts"], 1)
        self.assertEqual(it["error_code"], 21211)
        self.assertIn("21211", it["last_error"])
        self.assertEqual(it["summary"], "SMS (guide: stretches)")
        self.assertRegex(it["updated_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        # Never the text itself: bodies may say what a caller is going through.
        bodies = [m["form"]["Body"] for m in self.provider.messages()
                  if m["form"].get("To") == CALLER]
        self.assertTrue(bodies)
        for b in bodies:
            self.assertNotIn(b[:40], r.text)

        # Paging, newest first, each row once.
        seen, cursor = [], None
        while True:
            q = "&limit=1" + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
            page = self.api("GET", "/api/v1/messages?status=failed" + q, tok).json()
            seen += [i["id"] for i in page["items"]]
            cursor = page["next"]
            if not cursor:
                break
        self.assertEqual(sorted(seen), ids)
        self.assertEqual(len(seen), len(ids))

        # Staff of one location see no texts to numbers outside it.
        self.assertEqual(self.failed(allen), [])
        self.assertEqual(self.api("POST", "/api/v1/messages/%d/retry" % ids[0],
                                  allen).status, 404)

        # The report and /metrics count them.
        p = self.cli("report", "--json", "--since", "all")
        self.assertEqual(p.returncode, 0, p.stderr)
        sec = {x["name"]: x for x in json.loads(p.stdout)["sections"]}
        sms = [row for row in sec["outbox"]["rows"] if row[0] == "sms"]
        self.assertEqual(sms[0][4], len(ids), sec["outbox"])
        # The report's gauges are refreshed at most every 15 s, and the
        # harness reads /metrics itself (hotline_store_behind).
        want = re.compile(r'hotline_report_outbox_failed\{kind="sms"\} %d\b' % len(ids))
        self.assertTrue(self.wait(lambda: want.search(self.h.get("/metrics").text), timeout=20))

        # STOP wins over a retry.
        self.assertEqual(self.h.sms("STOP").status, 200)
        r = self.api("POST", "/api/v1/messages/%d/retry" % ids[0], tok)
        self.assertEqual(r.status, 409, r.text)
        self.assertIn("opted out", r.json()["error"])
        self.assertEqual(self.h.rows("SELECT status FROM outbox WHERE id = ?",
                                     (ids[0],)), [("failed",)])
        self.assertEqual(self.h.sms("START").status, 200)

        # The provider is fixed; staff send them again.
        self.provider.fail = []
        before = len(self.provider.messages())
        for i in ids:
            r = self.api("POST", "/api/v1/messages/%d/retry" % i, tok)
            self.assertEqual(r.status, 202, r.text)
            self.assertIn(r.json()["status"], ("pending", "sending", "sent"))
            self.assertEqual(r.json()["attempts"], 0)
        self.assertTrue(self.wait(lambda: all(
            row[0] == "sent" for row in self.h.rows(
                "SELECT status FROM outbox WHERE id IN (%s)" % ",".join(map(str, ids))))),
            self.h.query("SELECT id, status, attempts, last_error FROM outbox"))
        self.assertEqual(self.failed(tok), [])
        again = [m for m in self.provider.messages()[before:] if m["form"].get("To") == CALLER]
        self.assertEqual(len(again), len(ids))
        self.assertEqual(self.h.rows("SELECT attempts, error_code, last_error FROM outbox "
                                     "WHERE id = ?", (ids[0],)), [(1, None, None)])
        sent = self.api("GET", "/api/v1/messages?status=sent", tok).json()["items"]
        self.assertTrue(set(ids) <= {i["id"] for i in sent})
        # Only a failed message can be retried; an unknown one is not found.
        self.assertEqual(self.api("POST", "/api/v1/messages/%d/retry" % ids[0], tok).status, 409)
        self.assertEqual(self.api("POST", "/api/v1/messages/999999/retry", tok).status, 404)

    def test_retry_needs_csrf_with_a_session(self):
        self.add_staff("alice", password="right-password")
        self.provider.fail = [BAD_NUMBER] * 40
        ids = self.text_me_guide(CALLER)
        s = self.h.get("/api/v1/session")
        hdr = {"Cookie": s.headers["Set-Cookie"].split(";")[0],
               "X-CSRF-Token": s.json()["login_csrf"]}
        r = self.api("POST", "/api/v1/login", headers=hdr,
                     body={"username": "alice", "password": "right-password"})
        self.assertEqual(r.status, 200, r.text)
        session, csrf = r.headers["Set-Cookie"].split(";")[0], r.json()["csrf"]
        self.assertTrue(self.wait(lambda: self.h.rows(
            "SELECT COUNT(*) FROM outbox WHERE id = ? AND status = 'failed'",
            (ids[0],)) == [(1,)]))
        r = self.api("GET", "/api/v1/messages", headers={"Cookie": session})
        self.assertEqual(r.status, 200)
        self.assertIn(ids[0], [i["id"] for i in r.json()["items"]])
        self.assertEqual(self.api("POST", "/api/v1/messages/%d/retry" % ids[0],
                                  headers={"Cookie": session}).status, 403)
        self.provider.fail = []
        self.assertEqual(self.api("POST", "/api/v1/messages/%d/retry" % ids[0],
                                  headers={"Cookie": session,
                                           "X-CSRF-Token": csrf}).status, 202)


class TestTextCallbackTopic(StaffTestCase):
    def topic_of(self, tok, phone):
        items = [i for i in self.items(tok) if i["phone"] == phone]
        self.assertEqual(len(items), 1, items)
        return items[0]["topic"]

    def test_topic_from_last_guide(self):
        self.add_staff("alice")
        tok = self.token("alice")
        # Texted two guides: the last one says what the call is about.
        a = "+18175550181"
        self.assertEqual(len(sms_text(self.h.sms("STRETCH", frm=a))) > 0, True)
        self.assertTrue(sms_text(self.h.sms("TIPS", frm=a)))
        self.text_callback(frm=a)
        self.assertEqual(self.topic_of(tok, a), "prevention")

        # No guide: general.
        b = "+18175550182"
        self.text_callback(frm=b)
        self.assertEqual(self.topic_of(tok, b), "general")

        # A guide texted from the phone menu counts too.
        c = "+18175550183"
        TestFailedMessages.text_me_guide(self, c, key="2")
        self.text_callback(frm=c)
        self.assertEqual(self.topic_of(tok, c), "prevention")

        # A guide from more than a day ago is too old to say anything.
        d = "+18175550184"
        self.assertTrue(sms_text(self.h.sms("HOURS", frm=d)))
        now = self.h.rows("SELECT MAX(at) FROM messages WHERE phone = ?", (d,))[0][0]
        self.h.rows("INSERT INTO messages (direction, phone, language, keyword, body, "
                    "status, at, updated_at) VALUES ('out', ?, 'en', 'stretch', 'old', "
                    "'replied', ?, ?)", (d, now - 86400 - 60, now - 86400 - 60))
        self.text_callback(frm=d)
        self.assertEqual(self.topic_of(tok, d), "general")

        # A later guide then a repeat request: the entry takes the new topic.
        self.assertTrue(sms_text(self.h.sms("STRETCH", frm=b)))
        self.text_callback(frm=b)
        self.assertEqual(self.topic_of(tok, b), "stretches")

    def test_phone_topic_kept_on_a_repeat_by_text(self):
        self.add_staff("alice")
        tok = self.token("alice")
        e = "+18175550185"
        self.phone_callback(e, language="en")
        self.assertEqual(self.topic_of(tok, e), "stretches")
        self.text_callback(frm=e)
        self.assertEqual(self.topic_of(tok, e), "stretches")


if __name__ == "__main__":
    unittest.main()
