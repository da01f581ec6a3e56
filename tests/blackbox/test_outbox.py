"""The durable outbound sender: what reaches the provider's REST API (and
SMTP, and chat webhooks), retries with backoff, permanent errors, and
delivery exactly once across a crash (SIGKILL) and restart."""
import base64
import email
import json
import os
import shutil
import socketserver
import tempfile
import threading
import time
import unittest
import urllib.parse

from harness import (ACCOUNT_SID, AUTH_TOKEN, CALLER, CONFIG, FakeProvider,
                     HotlineTestCase, store_enqueue, store_is_pg)


def q(s):
    return "'" + s.replace("'", "''") + "'"


class ListingProvider(FakeProvider):
    """A provider whose GET …/Messages.json lists every message it was
    asked to send, as the real list does: what a restart reconciles with."""

    def __init__(self):
        super().__init__()
        outer = self
        base = self.server.RequestHandlerClass

        class H(base):
            def do_GET(self):
                outer._record(self, b"")
                u = urllib.parse.urlsplit(self.path)
                qs = dict(urllib.parse.parse_qsl(u.query))
                out = []
                for r in outer.messages():
                    if qs.get("To") and r["form"].get("To") != qs["To"]:
                        continue
                    out.append({"sid": r.get("sid") or "SM" + "0" * 32,
                                "to": r["form"].get("To"),
                                "body": r["form"].get("Body"),
                                "status": "sent",
                                "date_created": time.strftime(
                                    "%a, %d %b %Y %H:%M:%S +0000",
                                    time.gmtime(r["at"]))})
                self._send(200, {"messages": out, "calls": []})

        self.server.RequestHandlerClass = H
        # A killed client leaves broken pipes behind: expected here.
        self.server.handle_error = lambda *a: None

    def gets(self):
        with self.lock:
            return [r for r in self.requests if r["method"] == "GET"]


class SmtpStandIn:
    """Just enough SMTP on loopback to take one message at a time."""

    def __init__(self):
        self.messages = []
        outer = self

        class H(socketserver.StreamRequestHandler):
            def do(self, line):
                self.wfile.write(line.encode() + b"\r\n")
                self.wfile.flush()

            def handle(self):
                self.do("220 stand-in ESMTP")
                env = {"rcpt": []}
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    cmd = line.decode().strip()
                    up = cmd.upper()
                    if up.startswith("EHLO") or up.startswith("HELO"):
                        self.do("250 stand-in")
                    elif up.startswith("MAIL FROM"):
                        env["from"] = cmd[10:]
                        self.do("250 ok")
                    elif up.startswith("RCPT TO"):
                        env["rcpt"].append(cmd[8:])
                        self.do("250 ok")
                    elif up == "DATA":
                        self.do("354 go on")
                        data = b""
                        while True:
                            l = self.rfile.readline()
                            if l in (b".\r\n", b".\n", b""):
                                break
                            data += l
                        env["data"] = data
                        outer.messages.append(dict(env))
                        env = {"rcpt": []}
                        self.do("250 queued")
                    elif up == "QUIT":
                        self.do("221 bye")
                        return
                    else:
                        self.do("250 ok")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class OutboxCase(HotlineTestCase):
    def enqueue(self, kind, recipient, payload, dedupe=None):
        """Queue a row as the service's other parts do (outbox_enqueue)."""
        dedupe = dedupe or "test:" + os.urandom(6).hex()
        store_enqueue(self.h, kind, recipient, json.dumps(payload),
                      dedupe)
        return dedupe

    def row(self, dedupe, cols="status, attempts, provider_sid, error_code"):
        rows = self.h.query("SELECT %s FROM outbox WHERE dedupe = %s" %
                            (cols, q(dedupe)))
        return rows[0] if rows else None

    def wait_status(self, dedupe, status, timeout=20):
        ok = self.provider.wait_for(
            lambda: (self.row(dedupe, "status") or [None])[0] == status,
            timeout=timeout)
        self.assertTrue(ok, "row %s never became %s: %s\n%s" % (
            dedupe, status, self.row(dedupe, "status, attempts, last_error"),
            self.h.log()[-2000:]))


class TestSend(OutboxCase):
    def test_sms_request_is_what_the_provider_expects(self):
        d = self.enqueue("sms", CALLER, {"to": CALLER, "body": "Hello & <hi>"})
        self.wait_status(d, "sent")
        msgs = self.provider.messages()
        self.assertEqual(len(msgs), 1)
        m = msgs[0]
        self.assertEqual(m["path"], "/2010-04-01/Accounts/%s/Messages.json" %
                         ACCOUNT_SID)
        self.assertEqual(m["form"]["To"], CALLER)
        self.assertEqual(m["form"]["From"], "+18175550100")
        self.assertEqual(m["form"]["Body"], "Hello & <hi>")
        self.assertEqual(m["form"]["StatusCallback"], self.h.base + "/sms/status")
        auth = base64.b64encode(("%s:%s" % (ACCOUNT_SID, AUTH_TOKEN)).encode())
        self.assertEqual(m["headers"]["Authorization"], "Basic " + auth.decode())
        self.assertTrue(m["headers"].get("I-Twilio-Idempotency-Token"))
        st, attempts, sid, _ = self.row(d)
        self.assertEqual((st, attempts, sid), ("sent", "1", m["sid"]))
        self.assertEqual(self.h.query(
            "SELECT direction, phone, body, status FROM messages WHERE sid = %s"
            % q(sid)), [["out", CALLER, "Hello & <hi>", "sent"]])
        metrics = self.h.get("/metrics").text
        self.assertIn('hotline_outbox_sent_total{kind="sms"} 1', metrics)

    def test_call_kind(self):
        d = self.enqueue("call", "+18175550111",
                         {"to": "+18175550111", "from": "+18175550100",
                          "url": self.h.base + "/voice/bridge?cb=1"})
        self.wait_status(d, "sent")
        c = self.provider.calls()
        self.assertEqual(len(c), 1)
        self.assertEqual(c[0]["form"], {
            "To": "+18175550111", "From": "+18175550100",
            "Url": self.h.base + "/voice/bridge?cb=1",
            "StatusCallback": self.h.base + "/voice/status"})
        self.assertTrue(self.row(d)[2].startswith("CA"))

    def test_chat_kind(self):
        d = self.enqueue("chat", "chat", {"url": self.provider.url + "/hook",
                                          "json": {"text": "Caller waiting",
                                                   "n": 2}})
        self.wait_status(d, "sent")
        reqs = [r for r in self.provider.requests if r["path"] == "/hook"]
        self.assertEqual(len(reqs), 1)
        self.assertEqual(reqs[0]["headers"]["Content-Type"], "application/json")
        self.assertEqual(json.loads(reqs[0]["body"]),
                         {"text": "Caller waiting", "n": 2})

    def test_many_rows_all_go_out_once(self):
        ds = [self.enqueue("sms", "+1817555%04d" % (200 + i),
                           {"to": "+1817555%04d" % (200 + i),
                            "body": "note %d" % i}) for i in range(12)]
        for d in ds:
            self.wait_status(d, "sent")
        bodies = sorted(m["form"]["Body"] for m in self.provider.messages())
        self.assertEqual(bodies, sorted("note %d" % i for i in range(12)))


    def test_mixed_answers_each_row_its_own_result(self):
        """Answers that arrive together are stored together: each row still
        gets its own answer, its own sid and its own message record."""
        self.provider.fail = [(400, {"code": 21211, "message": "Invalid To"})
                              ] * 3
        to = ["+1817555%04d" % (400 + i) for i in range(10)]
        ds = [self.enqueue("sms", t, {"to": t, "body": "mixed %d" % i})
              for i, t in enumerate(to)]
        self.assertTrue(self.provider.wait_for(lambda: all(
            (self.row(d, "status") or [None])[0] in ("sent", "failed")
            for d in ds), timeout=20), self.h.log()[-2000:])
        sids = {m["form"]["To"]: m.get("sid")
                for m in self.provider.messages()}
        self.assertEqual(len(self.provider.messages()), 10)
        failed = 0
        for d, t in zip(ds, to):
            st, attempts, sid, code = self.row(d)
            self.assertEqual(attempts, "1")
            if sids[t] is None:
                failed += 1
                self.assertEqual((st, sid, code), ("failed", None, "21211"))
            else:
                self.assertEqual((st, sid, code), ("sent", sids[t], None))
                self.assertEqual(self.h.query(
                    "SELECT phone, body FROM messages WHERE sid = %s" %
                    q(sid)), [[t, "mixed %d" % to.index(t)]])
        self.assertEqual(failed, 3)
        self.assertEqual(self.h.query(
            "SELECT COUNT(*) FROM messages WHERE direction = 'out'"),
            [["7"]])


class TestEmail(OutboxCase):
    def setUp(self):
        self.smtp = SmtpStandIn()
        self.env = {"HOTLINE_SMTP_URL": "smtp://127.0.0.1:%d" % self.smtp.port}
        super().setUp()

    def tearDown(self):
        super().tearDown()
        self.smtp.close()

    def test_email_is_a_proper_message(self):
        d = self.enqueue("email", "staff@example.org",
                         {"to": "staff@example.org",
                          "subject": "Llamada en espera: señora\r\nBcc: x@y",
                          "body": "Someone is waiting.\nPosition 1."})
        self.wait_status(d, "sent")
        self.assertEqual(len(self.smtp.messages), 1)
        env = self.smtp.messages[0]
        self.assertIn("staff@example.org", env["rcpt"][0])
        self.assertIn("hotline@example.org", env["from"])
        msg = email.message_from_bytes(env["data"])
        self.assertEqual(msg["To"], "staff@example.org")
        self.assertIsNone(msg["Bcc"])
        subj = str(email.header.make_header(
            email.header.decode_header(msg["Subject"])))
        self.assertTrue(subj.startswith("Llamada en espera: señora"))
        self.assertTrue(msg["Date"])
        self.assertTrue(msg["Message-ID"].startswith("<"))
        self.assertEqual(msg.get_content_type(), "text/plain")
        self.assertEqual(msg.get_content_charset(), "utf-8")
        self.assertIn("Someone is waiting.", msg.get_payload())


class TestRetry(OutboxCase):
    def test_server_errors_are_retried_and_delivered_once(self):
        self.provider.fail = [
            (500, {"code": 20500, "message": "Internal error"}),
            (429, {"code": 20429, "message": "Too many requests"}),
            (503, {"message": "unavailable"}),
        ]
        d = self.enqueue("sms", CALLER, {"to": CALLER, "body": "eventually"})
        self.wait_status(d, "sent", timeout=30)
        msgs = self.provider.messages()
        self.assertEqual(len(msgs), 4)
        self.assertEqual(len([m for m in msgs if m.get("sid")]), 1)
        tokens = {m["headers"]["I-Twilio-Idempotency-Token"] for m in msgs}
        self.assertEqual(len(tokens), 1, "the token must be stable")
        gaps = [b["at"] - a["at"] for a, b in zip(msgs, msgs[1:])]
        self.assertGreater(gaps[2], 0.9 * gaps[0], "no backoff: %s" % gaps)
        self.assertEqual(self.row(d)[:2], ["sent", "4"])
        time.sleep(2)
        self.assertEqual(len(self.provider.messages()), 4)

    def test_21610_is_permanent_and_opts_the_number_out(self):
        self.provider.fail = [(400, {"code": 21610, "message":
                                     "Attempt to send to unsubscribed recipient",
                                     "status": 400})]
        d = self.enqueue("sms", CALLER, {"to": CALLER, "body": "one"})
        self.wait_status(d, "failed")
        self.assertEqual(self.row(d), ["failed", "1", None, "21610"])
        self.assertEqual(self.h.query("SELECT opted_out, source FROM optouts"),
                         [["1", "rest:21610"]])
        # Later texts to the number are held back, and replies stop.
        d2 = self.enqueue("sms", CALLER, {"to": CALLER, "body": "two"})
        self.wait_status(d2, "suppressed")
        self.assertEqual(sum(1 for _ in self.provider.messages()), 1)
        self.assertEqual(self.h.sms("TIPS").body.count(b"<Message>"), 0)

    def test_invalid_number_is_not_retried(self):
        self.provider.fail = [(400, {"code": 21211, "message": "Invalid To"})]
        d = self.enqueue("sms", "+15005550001", {"to": "+15005550001",
                                                 "body": "x"})
        self.wait_status(d, "failed")
        time.sleep(2.5)
        self.assertEqual(len(self.provider.messages()), 1)
        self.assertEqual(self.row(d)[3], "21211")
        self.assertEqual(self.h.query("SELECT COUNT(*) FROM optouts"), [["0"]])


class TestGiveUp(OutboxCase):
    def setUp(self):
        # The shipped configuration with send_max_attempts: 2.
        self.confdir = tempfile.mkdtemp(prefix="hotline-conf-")
        src = os.path.dirname(CONFIG)
        for f in os.listdir(src):
            shutil.copy(os.path.join(src, f), self.confdir)
        path = os.path.join(self.confdir, "hotline.yaml")
        with open(path) as f:
            text = f.read()
        text = text.replace("send_max_attempts: 8", "send_max_attempts: 2")
        text = text.replace("prompts: ../prompts", "prompts: %s" %
                            os.path.join(os.path.dirname(src), "prompts"))
        with open(path, "w") as f:
            f.write(text)
        super().setUp()
        self.h.stop()
        self.h.config = path
        self.h.start()

    def tearDown(self):
        super().tearDown()
        shutil.rmtree(self.confdir, ignore_errors=True)

    def test_failed_after_max_attempts_and_visible(self):
        self.provider.fail = [(500, {"message": "down"})] * 10
        d = self.enqueue("sms", CALLER, {"to": CALLER, "body": "x"})
        self.wait_status(d, "failed", timeout=20)
        st, attempts, err = self.row(d, "status, attempts, last_error")
        self.assertEqual((st, attempts), ("failed", "2"))
        self.assertIn("gave up after 2 attempts", err)
        self.assertEqual(len(self.provider.messages()), 2)
        self.assertIn('hotline_outbox_failed_total{kind="sms"} 1',
                      self.h.get("/metrics").text)


class TestCrash(OutboxCase):
    def setUp(self):
        super().setUp()
        # Swap in a provider that can list what it was sent.
        self.h.stop()
        self.provider.close()
        self.provider = ListingProvider()
        self.h.env["HOTLINE_PROVIDER_API"] = self.provider.url
        self.h.start()

    def test_sigkill_with_messages_pending_delivers_each_once(self):
        self.provider.delay = 1.5
        n = 10
        for i in range(n):
            self.enqueue("sms", "+1817555%04d" % (300 + i),
                         {"to": "+1817555%04d" % (300 + i),
                          "body": "message %d" % i}, dedupe="crash:%d" % i)
        self.assertTrue(self.provider.wait_for(
            lambda: len(self.provider.messages()) >= 2, timeout=10))
        self.h.kill()
        in_flight = len(self.provider.messages())
        self.assertLess(in_flight, n, "everything went out before the kill")
        sending = self.h.query("SELECT COUNT(*) FROM outbox WHERE status = "
                               "'sending'")[0][0]
        self.assertGreater(int(sending), 0, "nothing was left 'sending'")
        time.sleep(1.6)         # the provider finishes what reached it
        self.provider.delay = 0
        if store_is_pg():
            # PostgreSQL serves several instances: a row left 'sending' is
            # another sender's until its lease runs out; start past it.
            self.h.advance(150)
        self.h.start()
        for i in range(n):
            self.wait_status("crash:%d" % i, "sent", timeout=30)
        bodies = [m["form"]["Body"] for m in self.provider.messages()]
        for i in range(n):
            self.assertEqual(bodies.count("message %d" % i), 1,
                             "message %d sent %d times" % (
                                 i, bodies.count("message %d" % i)))
        self.assertGreater(len(self.provider.gets()), 0,
                           "orphaned rows were not reconciled")
        self.assertIn("not sending it again", self.h.log())


if __name__ == "__main__":
    unittest.main()
