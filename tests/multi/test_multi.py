"""Three hotlined instances on one PostgreSQL behind nginx (round robin), as
a clinic group with many numbers runs it: whole calls whose webhooks land
on different instances, a claim race across instances, the dashboard's
live stream on one instance hearing of another's change, opt-outs honoured
by every instance at once, 200 "text me" requests while the instance
holding the outbox-reconcile lease is SIGKILLed and restarted (every text
reaches the provider exactly once; the lease moves), and the live
connection dropped and caught up.

Run alone: python3 tests/multi/test_multi.py (needs nginx, PostgreSQL and a
build); it prints 'multi: N passed, N failed'.
"""
import collections
import email.utils
import json
import os
import re
import sys
import threading
import time
import unittest
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from cluster import Cluster, nginx_binary  # noqa: E402
from harness import (ACCOUNT_SID, TOP_SRCDIR, http, log_leaks,  # noqa: E402
                     sign, sms_text, store_rows)

HOTLINE_NUMBER = "+18175550100"
STAFF = 20


def prompt(pid, lang="en"):
    with open(os.path.join(TOP_SRCDIR, "prompts", lang, pid + ".txt")) as f:
        return f.read().strip()


class Provider:
    """A stand-in for the provider's REST API.  Every message it accepts is
    kept with its idempotency token; GET …/Messages.json lists them, as the
    real list does, for reconciliation, dated by `clock` (the service's).
    While `hold` is clear, accepted requests wait before being answered:
    they have reached the provider, their sender does not know yet."""

    def __init__(self):
        self.clock = time.time
        self.lock = threading.Lock()
        self.sent = []
        self.calls = []
        self.gets = 0
        self.held = []
        self.hold = threading.Event()
        self.hold.set()
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                qs = dict(urllib.parse.parse_qsl(
                    urllib.parse.urlsplit(self.path).query))
                with outer.lock:
                    outer.gets += 1
                    out = [{"sid": m["sid"], "to": m["to"], "body": m["body"],
                            "status": "sent",
                            "date_created": email.utils.formatdate(
                                m["at"], usegmt=True)}
                           for m in outer.sent
                           if not qs.get("To") or m["to"] == qs["To"]]
                self._send(200, {"messages": out, "calls": []})

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                if len(body) != n:
                    return          # cut off: never accepted
                form = dict(urllib.parse.parse_qsl(body.decode()))
                token = self.headers.get("I-Twilio-Idempotency-Token")
                if self.path.endswith("/Calls.json"):
                    sid = "CA" + os.urandom(16).hex()
                    with outer.lock:
                        outer.calls.append({"token": token, "to": form.get("To")})
                else:
                    sid = "SM" + os.urandom(16).hex()
                    with outer.lock:
                        outer.sent.append({"token": token, "sid": sid,
                                           "to": form.get("To"),
                                           "body": form.get("Body"),
                                           "at": outer.clock()})
                if not outer.hold.is_set():
                    with outer.lock:
                        outer.held.append(token)
                    outer.hold.wait(60)
                self._send(201, {"sid": sid, "status": "queued",
                                 "to": form.get("To"), "num_segments": "1"})

            def _send(self, code, obj):
                data = json.dumps(obj).encode()
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass            # the sender died waiting

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.server.handle_error = lambda *a: None
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def messages(self, to=None):
        with self.lock:
            return [dict(m) for m in self.sent if to is None or m["to"] in to]

    def close(self):
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()


def said(resp):
    """Everything a TwiML answer says, as words."""
    return " ".join(s.text or "" for s in resp.xml().iter("Say"))


def wait_for(pred, timeout=30, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


class Multi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.provider = Provider()
        # The harness's clock (a Tuesday morning, every clinic open),
        # running, one for all instances.
        cls.c = Cluster(n=3, env={
            "HOTLINE_PROVIDER_API": cls.provider.url,
            "HOTLINE_LOG_LEVEL": "info"},
            config_changes={"send_rate": "50"})
        cls.provider.clock = cls.c.now
        cls.public = cls.c.public
        cls.i1, cls.i2, cls.i3 = cls.c.instances
        cls.tokens = []
        for k in range(STAFF + 1):
            name = "staff%02d" % k
            p = cls.c.cli("staff", "add", name, "--password-stdin",
                          "--locations", "*", stdin="a long passphrase\n")
            assert p.returncode == 0, p.stderr
            p = cls.c.cli("staff", "token", name)
            assert p.returncode == 0, p.stderr
            cls.tokens.append(p.stdout.strip().splitlines()[-1])
        cls.numbers = iter(range(10000))

    @classmethod
    def tearDownClass(cls):
        cls.c.close()
        cls.provider.close()

    # --- helpers -------------------------------------------------------------

    def number(self, area="214"):
        return "+1%s555%04d" % (area, next(self.numbers))

    def rows(self, sql, args=()):
        return store_rows(self.c.store, sql, args)

    def post(self, url, params, via=None, tries=6):
        """A signed webhook, as the provider sends it: signed over the
        public URL, sent through nginx or straight to one instance, and
        sent again (same content) when the answer is a server error."""
        if url.startswith("/"):
            url = self.public + url
        params = list(params.items()) if isinstance(params, dict) else params
        body = urllib.parse.urlencode(params).encode()
        h = {"Content-Type": "application/x-www-form-urlencoded",
             "X-Twilio-Signature": sign(url, params)}
        target = url if via is None else via.base + url[len(self.public):]
        r = None
        for _ in range(tries):
            try:
                r = http("POST", target, body=body, headers=h, timeout=30)
                if r.status < 500:
                    return r
            except OSError:
                pass
            time.sleep(0.3)
        self.fail("webhook %s kept failing: %s" % (
            url, r.status if r is not None else "no answer"))

    def call_params(self, sid, frm):
        return {"CallSid": sid, "AccountSid": ACCOUNT_SID, "From": frm,
                "To": HOTLINE_NUMBER, "Caller": frm, "Called": HOTLINE_NUMBER,
                "CallStatus": "in-progress", "Direction": "inbound",
                "ApiVersion": "2010-04-01"}

    def call(self, frm, keys, via=None):
        """A call that presses keys, one menu after another.  Returns the
        call sid, the last answer and the upstream of every webhook."""
        sid = "CA" + os.urandom(16).hex()
        p = self.call_params(sid, frm)
        r = self.post("/voice/incoming", p, via)
        ups = [r.headers.get("X-Upstream")]
        for k in keys:
            self.assertEqual(r.status, 200, r.text)
            g = r.xml().find(".//Gather")
            self.assertIsNotNone(g, "no menu before key %s: %s" % (k, r.text))
            r = self.post(g.get("action"), dict(p, Digits=k), via)
            ups.append(r.headers.get("X-Upstream"))
        self.assertEqual(r.status, 200, r.text)
        return sid, r, ups

    def sms(self, frm, body, via=None):
        p = {"MessageSid": "SM" + os.urandom(16).hex(),
             "AccountSid": ACCOUNT_SID, "From": frm, "To": HOTLINE_NUMBER,
             "Body": body, "NumMedia": "0", "NumSegments": "1",
             "SmsStatus": "received", "ApiVersion": "2010-04-01"}
        r = self.post("/sms/incoming", p, via)
        self.assertEqual(r.status, 200, r.text)
        return sms_text(r)

    def api(self, h, method, path, token):
        return http(method, h.base + path, body=b"" if method == "POST" else
                    None, headers={"Authorization": "Bearer " + token},
                    timeout=30)

    def events(self, h, last=None):
        """One answer of the live stream: (id, whether it says 'queue')."""
        hdr = {"Authorization": "Bearer " + self.tokens[0]}
        if last is not None:
            hdr["Last-Event-ID"] = str(last)
        r = http("GET", h.base + "/api/v1/events", headers=hdr, timeout=40)
        self.assertEqual(r.status, 200, r.text)
        m = re.search(r"^id: (\d+)$", r.text, re.M)
        self.assertIsNotNone(m, r.text)
        return int(m.group(1)), "event: queue" in r.text

    def metric(self, h, name, labels=""):
        text = http("GET", h.base + "/metrics", timeout=30).text
        key = name + ("{%s}" % labels if labels else "")
        for line in text.splitlines():
            if line.startswith(key + " "):
                return float(line.split()[-1])
        return None

    def instance_id(self, h):
        m = re.search(r'lease: instance ([^\s"]+)', h.log())
        self.assertIsNotNone(m, "no instance id in the log")
        return m.group(1)

    def by_holder(self, holder):
        for h in self.c.instances:
            if h.proc is not None and holder.split(":")[-2] == str(h.proc.pid):
                return h
        return None

    def live_everywhere(self):
        return wait_for(lambda: all(self.metric(h, "hotline_live_connected")
                                    == 1 for h in self.c.instances))

    # --- the tests (run in this order) ---------------------------------------

    def test_1_whole_calls_alternate_instances(self):
        keys = ["1", "1", "3", "#", "5", "1", "1", "1", "2"]
        for _ in range(3):
            frm = self.number()
            sid, r, ups = self.call(frm, keys)
            self.assertIsNotNone(r.xml().find("Hangup"), r.text)
            self.assertEqual(len(set(ups)), 3,
                             "webhooks did not alternate: %s" % ups)
            r = self.post("/voice/status", dict(self.call_params(sid, frm),
                                                CallStatus="completed",
                                                CallDuration="95"))
            self.assertEqual(r.status, 200, r.text)
            self.assertEqual(self.rows("SELECT status FROM calls WHERE "
                                       "call_sid = ?", (sid,)),
                             [("completed",)])
            self.assertEqual(self.rows("SELECT status, location, "
                                       "preferred_window FROM callbacks "
                                       "WHERE phone = ?", (frm,)),
                             [("waiting", "fort-worth", "morning")])
            # The guide texted on one instance (one text: its summary
            # and link) is sent once, by any.
            self.assertTrue(wait_for(lambda: len(self.provider.messages(
                {frm})) == 1, timeout=30), self.provider.messages({frm}))
            self.assertEqual(self.rows("SELECT COUNT(*) FROM outbox WHERE "
                                       "recipient = ? AND status = 'sent'",
                                       (frm,)), [(1,)])

    def test_2_claim_race_across_instances(self):
        for _ in range(3):
            frm = self.number()
            self.assertTrue(self.sms(frm, "CALLBACK", via=self.i1))
            (cb,), = self.rows("SELECT id FROM callbacks WHERE phone = ?",
                               (frm,))
            start = threading.Barrier(STAFF)
            results = [None] * STAFF

            def claim(k):
                h = (self.i2, self.i3)[k % 2]
                start.wait()
                results[k] = self.api(h, "POST", "/api/v1/callbacks/%d/claim"
                                      % cb, self.tokens[k + 1]).status

            with ThreadPoolExecutor(STAFF) as pool:
                list(pool.map(claim, range(STAFF)))
            self.assertEqual(sorted(collections.Counter(results).items()),
                             [(200, 1), (409, STAFF - 1)], results)
            winner = "staff%02d" % (results.index(200) + 1)
            self.assertEqual(self.rows("SELECT status, claimed_by FROM "
                                       "callbacks WHERE id = ?", (cb,)),
                             [("claimed", winner)])

    def test_3_live_stream_hears_other_instances(self):
        self.assertTrue(self.live_everywhere(), "live connection not up")
        (n,), = self.rows("SELECT n FROM live_seq")
        # Every instance numbers changes alike: the store's number (once
        # the last change's notification has reached each).
        self.assertEqual(wait_for(lambda: [self.events(h)[0] for h in
                                           self.c.instances] == [n, n, n],
                                  timeout=10), True,
                         [self.events(h)[0] for h in self.c.instances])
        got = {}

        def listen():
            got["event"] = self.events(self.i2, last=n)

        t = threading.Thread(target=listen)
        t.start()
        frm = self.number()
        self.assertTrue(self.sms(frm, "CALLBACK", via=self.i3))
        t.join(45)
        self.assertIn("event", got, "the held stream never answered")
        seq, queue = got["event"]
        # Held until the change, not answered at once for a foreign id.
        self.assertTrue(queue)
        self.assertGreater(seq, n)
        (cb,), = self.rows("SELECT id FROM callbacks WHERE phone = ?", (frm,))
        r = self.api(self.i2, "GET", "/api/v1/callbacks", self.tokens[0])
        self.assertIn(cb, [it["id"] for it in r.json()["items"]])
        self.assertGreater(self.metric(self.i2,
                                       "hotline_live_notifications_total"), 0)

    def test_4_opt_out_on_one_is_honoured_by_all(self):
        frm = self.number()
        self.assertIn("unsubscribed", " ".join(self.sms(frm, "STOP",
                                                        via=self.i1)))
        for h in (self.i2, self.i3):
            self.assertEqual(self.sms(frm, "STRETCH", via=h), [])
            _, r, _ = self.call(frm, ["6", "4"], via=h)
            self.assertIn(prompt("text_menu"), said(r))
            self.assertNotIn(prompt("sms_sent"), said(r))
        for _ in range(3):          # round robin: every instance once
            self.assertEqual(self.sms(frm, "TIPS"), [])
        self.assertEqual(self.rows("SELECT COUNT(*) FROM outbox WHERE "
                                   "recipient = ? AND status <> "
                                   "'suppressed'", (frm,)), [(0,)])
        self.assertEqual(self.provider.messages({frm}), [])

    def test_5_text_me_while_the_lease_holder_is_killed(self):
        holder = wait_for(lambda: self.rows(
            "SELECT holder FROM leases WHERE name = 'outbox-reconcile'"))
        self.assertTrue(holder, "nobody holds outbox-reconcile")
        victim = self.by_holder(holder[0][0])
        self.assertIsNotNone(victim, holder)
        vid = self.instance_id(victim)
        self.assertEqual(vid, holder[0][0])
        numbers = [self.number("469") for _ in range(200)]
        sent_prompt = prompt("sms_sent")
        done = []
        lock = threading.Lock()

        def text_me(frm):
            _, r, _ = self.call(frm, ["6", "4"])
            with lock:
                done.append(frm)
            return None if sent_prompt in said(r) else (frm, r.text)

        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(text_me, f) for f in numbers]
            self.assertTrue(wait_for(lambda: len(done) >= 60, timeout=120))
            # Hold the provider's answers until the victim has a text
            # that reached the provider but is not recorded as sent.
            self.provider.hold.clear()

            def victim_in_flight():
                ids = {r[0] for r in self.rows(
                    "SELECT id FROM outbox WHERE status = 'sending' AND "
                    "claimed_by = ?", (vid,))}
                with self.provider.lock:
                    held = [int(t.split("-")[1]) for t in self.provider.held]
                return ids & set(held)

            caught = wait_for(victim_in_flight, timeout=30)
            victim.kill()
            self.provider.hold.set()
            self.assertTrue(caught, "the victim had no text in flight")
            # The lease moves to a live instance.
            new = wait_for(lambda: [r for r in self.rows(
                "SELECT holder FROM leases WHERE name = 'outbox-reconcile'")
                if r[0] != vid], timeout=40)
            self.assertTrue(new, "outbox-reconcile never moved")
            self.assertIn(self.by_holder(new[0][0]), (self.i1, self.i2,
                                                      self.i3))
            self.assertIsNot(self.by_holder(new[0][0]), victim)
            wait_for(lambda: len(done) >= 140, timeout=120)
            victim.start()
            told = [f.result(timeout=120) for f in futures]
        self.assertEqual([t for t in told if t], [],
                         "a caller was not told the text was sent")

        def all_sent():
            return self.rows("SELECT COUNT(*) FROM outbox WHERE recipient "
                             "LIKE '+1469555%' AND status = 'sent'") == [(200,)]

        self.assertTrue(wait_for(all_sent, timeout=120), self.rows(
            "SELECT status, COUNT(*) FROM outbox WHERE recipient LIKE "
            "'+1469555%' GROUP BY status"))
        msgs = self.provider.messages(set(numbers))
        by_token = collections.Counter(m["token"] for m in msgs)
        by_text = collections.Counter((m["to"], m["body"]) for m in msgs)
        self.assertEqual([t for t, k in by_token.items() if k != 1], [])
        self.assertEqual([t for t, k in by_text.items() if k != 1], [])
        self.assertEqual(sorted(m["to"] for m in msgs), sorted(numbers))
        # What the victim had in flight was reconciled, not sent again.
        for rid in caught:
            (st, by), = self.rows("SELECT status, claimed_by FROM outbox "
                                  "WHERE id = ?", (rid,))
            self.assertEqual(st, "sent")
            self.assertNotEqual(by, vid)
        self.assertGreater(self.provider.gets, 0)
        logs = "".join(h.log() for h in self.c.instances)
        for rid in caught:
            self.assertIn("row %d was already sent before the restart" % rid,
                          logs)

    def test_6_each_lease_has_one_holder(self):
        def one_each():
            for name in ("outbox-reconcile", "callback-timers"):
                held = [self.metric(h, "hotline_lease_held",
                                    'name="%s"' % name)
                        for h in self.c.instances]
                if held.count(1) != 1:
                    return False
            return True

        self.assertTrue(wait_for(one_each, timeout=30))

    def test_7_live_connection_drops_and_catches_up(self):
        self.assertTrue(self.live_everywhere())
        h = self.i1
        before = self.metric(h, "hotline_live_reconnects_total") or 0
        try:
            # No new connections: the change below is only learnt by
            # catching up once it is allowed back in.
            self.c.pg.psql("ALTER ROLE hotline_test NOLOGIN", admin=True)
            self.c.pg.psql("SELECT pg_terminate_backend(pid) FROM "
                           "pg_stat_activity WHERE application_name = "
                           "'hotlined live %d'" % h.proc.pid, admin=True)
            self.assertTrue(wait_for(lambda: self.metric(
                h, "hotline_live_connected") == 0))
            frm = self.number()
            self.assertTrue(self.sms(frm, "CALLBACK", via=self.i2))
            n = int(self.c.pg.psql("SELECT n FROM live_seq", admin=True))
        finally:
            self.c.pg.psql("ALTER ROLE hotline_test LOGIN", admin=True)
        self.assertTrue(wait_for(lambda: self.metric(
            h, "hotline_live_connected") == 1, timeout=60))
        self.assertGreater(self.metric(h, "hotline_live_reconnects_total"),
                           before)
        self.assertEqual(self.events(h)[0], n)
        (cb,), = self.rows("SELECT id FROM callbacks WHERE phone = ?", (frm,))
        r = self.api(h, "GET", "/api/v1/callbacks", self.tokens[0])
        self.assertIn(cb, [it["id"] for it in r.json()["items"]])

    def test_8_logs_hold_no_numbers(self):
        for h in self.c.instances:
            self.assertEqual(log_leaks(h.log()), [], h.workdir)


def main():
    if nginx_binary() is None:
        print("multi: nginx is not installed (scripts/install-deps --test)")
        print("multi: 0 passed, 1 failed")
        return 1
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(Multi)
    r = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(r.failures) + len(r.errors) + len(r.unexpectedSuccesses)
    passed = max(0, r.testsRun - failed - len(r.skipped))
    print("multi: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
