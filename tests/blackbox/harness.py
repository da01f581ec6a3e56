"""Black-box test harness: start the real hotlined on a loopback port with a
temporary store and talk to it as the provider, a texter or staff would.

Nothing here reaches past 127.0.0.1.  Python's standard library only.
"""
import base64
import datetime
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOP_SRCDIR = os.path.abspath(os.environ.get(
    "top_srcdir", os.path.join(os.path.dirname(__file__), "..", "..")))
TOP_BUILDDIR = os.path.abspath(os.environ.get("top_builddir", TOP_SRCDIR))
HOTLINED = os.path.join(TOP_BUILDDIR, "src", "hotlined")
HOTLINE = os.path.join(TOP_BUILDDIR, "src", "hotline")
CONFIG = os.path.join(TOP_SRCDIR, "config", "hotline.yaml")
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "0" * 32
CALLER = "+18175550199"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def sign(url, params, token=AUTH_TOKEN):
    """X-Twilio-Signature as the provider computes it (PROTOCOL.md)."""
    data = url
    if isinstance(params, dict):
        params = list(params.items())
    by_name = {}
    for k, v in params:
        by_name.setdefault(k, set()).add(v)
    for k in sorted(by_name):
        for v in sorted(by_name[k]):
            data += k + v
    mac = hmac.new(token.encode(), data.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def pty_read(fd, pattern, timeout=15, buf=b""):
    """Read a terminal (pty) until pattern (bytes) is in buf or timeout;
    returns buf with what came."""
    import re
    import select
    deadline = time.time() + timeout
    while not re.search(pattern, buf) and time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
    return buf


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)

    def xml(self):
        return ET.fromstring(self.body)


def http(method, url, body=None, headers=None, timeout=15):
    req = urllib.request.Request(url, data=body, method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Response(r.status, dict(r.headers), r.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, dict(e.headers), e.read())


# Every test runs on a pinned clock unless it pins another: a Tuesday
# morning in Texas, when every clinic is open.  The date has passed on
# purpose: nothing may compare it with the real calendar.
DEFAULT_CLOCK = "+2026-12-01T10:00:00-06:00"


def clock_parse(text):
    """Epoch seconds of a HOTLINE_CLOCK instant: epoch or ISO 8601."""
    try:
        return float(int(text))
    except ValueError:
        return datetime.datetime.fromisoformat(
            text.replace("Z", "+00:00")).timestamp()


def clock_read(value):
    """What util_now() in a process given HOTLINE_CLOCK=value reads now."""
    if not value:
        return time.time()
    if "@" in value:
        when, anchor = value.lstrip("+").split("@", 1)
        return clock_parse(when) + (time.time() - clock_parse(anchor))
    if value.startswith("+"):
        raise ValueError("a '+' clock is anchored at start(); start first")
    return clock_parse(value)


class Hotlined:
    """One hotlined process with its own temporary store."""

    def __init__(self, env=None, config=CONFIG, store=None, workdir=None,
                 nofile=None):
        # nofile: the descriptor limit to start under (as `ulimit -n`).
        self.nofile = nofile
        self.workdir = workdir or tempfile.mkdtemp(prefix="hotline-test-")
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.config = config
        self.store = store or fresh_store(self.workdir)
        self.env = dict(os.environ)
        self.env.update({
            "HOTLINE_LISTEN": "127.0.0.1:%d" % self.port,
            "HOTLINE_PUBLIC_URL": self.base,
            "HOTLINE_STORE": self.store,
            "HOTLINE_PROVIDER_API": "http://127.0.0.1:1",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "HOTLINE_LOG_LEVEL": "debug",
        })
        self.env["HOTLINE_CLOCK"] = DEFAULT_CLOCK
        if env:
            self.env.update(env)
        self.proc = None
        self.log_path = os.path.join(self.workdir, "hotlined.log")

    # --- the one clock ----------------------------------------------------
    #
    # The service, the command-line tool run by a test and the test itself
    # read one clock: HOTLINE_CLOCK, anchored to the real clock ("T@W") the
    # first time the service starts, so it keeps running across restarts
    # and reads the same in every process, under faketime too.  A test moves
    # it on purpose with set_clock() or advance() and a restart.

    def now(self):
        """The service's clock, as epoch seconds (a float)."""
        return clock_read(self.env.get("HOTLINE_CLOCK"))

    def set_clock(self, when):
        """Run the clock from `when` (epoch seconds or ISO 8601 with an
        offset) as of now; takes effect at the next start."""
        if not isinstance(when, str):
            when = "%d" % when
        self.env["HOTLINE_CLOCK"] = "%s@%d" % (when.lstrip("+"), time.time())

    def advance(self, seconds):
        """Move the running clock forward; takes effect at the next start."""
        self.set_clock(int(self.now() + seconds))

    def start(self, wait=True):
        c = self.env.get("HOTLINE_CLOCK")
        if c and c.startswith("+") and "@" not in c:
            self.set_clock(c)
        self.logf = open(self.log_path, "ab")
        limit = None
        if self.nofile is not None:
            import resource

            def limit():
                resource.setrlimit(resource.RLIMIT_NOFILE,
                                   (self.nofile, self.nofile))
        self.proc = subprocess.Popen(
            [HOTLINED, "--config", self.config], env=self.env,
            stdout=self.logf, stderr=self.logf, cwd=self.workdir,
            preexec_fn=limit)
        if wait:
            deadline = time.time() + 15
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError("hotlined exited: %s" % self.log())
                try:
                    if http("GET", self.base + "/healthz", timeout=1).status == 200:
                        return self
                except OSError:
                    pass
                time.sleep(0.05)
            raise RuntimeError("hotlined did not come up: %s" % self.log())
        return self

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        rc = self.proc.returncode
        self.proc = None
        return rc

    def kill(self):
        return self.stop(signal.SIGKILL)

    def restart(self):
        self.stop()
        return self.start()

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # --- requests ---------------------------------------------------------

    def get(self, path, headers=None):
        return http("GET", self.base + path, headers=headers)

    def request(self, method, path, body=None, headers=None):
        return http(method, self.base + path, body=body, headers=headers)

    def webhook(self, path, params, signed=True, token=AUTH_TOKEN,
                headers=None):
        """POST a form as the provider does, signed over public URL + path."""
        if isinstance(params, dict):
            params = list(params.items())
        body = urllib.parse.urlencode(params).encode()
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        if signed:
            h["X-Twilio-Signature"] = sign(self.base + path, params, token)
        if headers:
            h.update(headers)
        return http("POST", self.base + path, body=body, headers=h)

    def sms(self, body, frm=CALLER, sid=None, extra=None):
        """An inbound text; returns the Response (TwiML)."""
        params = {
            "MessageSid": sid or "SM" + os.urandom(16).hex(),
            "AccountSid": ACCOUNT_SID, "From": frm, "To": "+18175550100",
            "Body": body, "NumMedia": "0", "NumSegments": "1",
            "SmsStatus": "received", "ApiVersion": "2010-04-01",
        }
        if extra:
            params.update(extra)
        return self.webhook("/sms/incoming", params)

    def call_params(self, call_sid, frm=CALLER, **extra):
        p = {"CallSid": call_sid, "AccountSid": ACCOUNT_SID, "From": frm,
             "To": "+18175550100", "Caller": frm, "Called": "+18175550100",
             "CallStatus": "in-progress", "Direction": "inbound",
             "ApiVersion": "2010-04-01"}
        p.update(extra)
        return p

    def follow(self, url, params):
        """POST to a URL the service wrote into its TwiML (absolute or path)."""
        if url.startswith(self.base):
            url = url[len(self.base):]
        return self.webhook(url, params)


def sms_text(resp):
    """The texts in a <Response><Message> reply."""
    root = resp.xml()
    out = []
    for m in root.iter("Message"):
        body = m.find("Body")
        out.append((body.text if body is not None else m.text) or "")
    return out


class FakeProvider:
    """A stand-in for the provider's REST API on loopback.

    Records every request; `fail` is a list of (status, json) answers to
    give to the next requests before answering normally."""

    def __init__(self):
        self.requests = []
        self.fail = []
        self.lock = threading.Lock()
        self.delay = 0
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                outer._record(self, b"")
                self._send(200, {"messages": [], "calls": []})

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                req = outer._record(self, body)
                if outer.delay:
                    time.sleep(outer.delay)
                with outer.lock:
                    answer = outer.fail.pop(0) if outer.fail else None
                if answer is not None:
                    self._send(answer[0], answer[1])
                    return
                form = dict(urllib.parse.parse_qsl(body.decode()))
                if self.path.endswith("/Calls.json"):
                    sid = "CA" + os.urandom(16).hex()
                    self._send(201, {"sid": sid, "status": "queued",
                                     "to": form.get("To")})
                else:
                    sid = "SM" + os.urandom(16).hex()
                    self._send(201, {"sid": sid, "status": "queued",
                                     "to": form.get("To"),
                                     "body": form.get("Body"),
                                     "num_segments": "1"})
                req["sid"] = sid

            def _send(self, code, obj):
                data = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def _record(self, handler, body):
        req = {"method": handler.command, "path": handler.path,
               "headers": dict(handler.headers), "body": body,
               "form": dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"))),
               "at": self.clock()}
        with self.lock:
            self.requests.append(req)
        return req

    def messages(self):
        with self.lock:
            return [r for r in self.requests
                    if r["method"] == "POST" and r["path"].endswith("/Messages.json")]

    def calls(self):
        with self.lock:
            return [r for r in self.requests
                    if r["method"] == "POST" and r["path"].endswith("/Calls.json")]

    # The provider's clock is the service's in tests (set by
    # HotlineTestCase): dates it reports are compared with the service's.
    clock = staticmethod(time.time)

    def wait_for(self, pred, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if pred():
                return True
            time.sleep(0.05)
        return False

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class HotlineTestCase(unittest.TestCase):
    """A test case with a fresh hotlined (self.h) and a fake provider (self.provider)."""

    env = None

    def setUp(self):
        self.provider = FakeProvider()
        env = {"HOTLINE_PROVIDER_API": self.provider.url}
        if self.env:
            env.update(self.env)
        self.h = Hotlined(env=env)
        self.h.start()
        self.provider.clock = self.h.now

    def tearDown(self):
        log = self.h.log()
        self.h.cleanup()
        self.provider.close()
        # Logs never hold a full phone number.
        self.assertNotIn(CALLER, log, "a full phone number reached the log")


# --- the store under test -------------------------------------------------
#
# HOTLINE_TEST_STORE=postgresql://... runs every test against PostgreSQL:
# each Hotlined gets a database of its own, created here and dropped in
# cleanup(), so tests stay as independent as with a SQLite file each.

TEST_STORE = os.environ.get("HOTLINE_TEST_STORE", "")
_pg_created = set()


def store_is_pg(url=None):
    url = TEST_STORE if url is None else url
    return url.startswith("postgresql://") or url.startswith("postgres://")


def _pg_with_db(url, dbname):
    u = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + dbname,
                                    u.query, u.fragment))


def _psql(url, sql):
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "|",
                        "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("psql: %s" % p.stderr.strip())
    return p.stdout


def fresh_store(workdir):
    """The store URL for a new Hotlined: a SQLite file in workdir, or a
    fresh PostgreSQL database when HOTLINE_TEST_STORE names a server."""
    if not store_is_pg():
        return "sqlite:%s/hotline.db" % workdir
    name = "hotline_" + os.urandom(6).hex()
    _psql(TEST_STORE, "CREATE DATABASE %s" % name)
    url = _pg_with_db(TEST_STORE, name)
    _pg_created.add(url)
    return url


def store_rows(store, sql, args=()):
    """Rows (tuples) of a query run directly on a store URL, '?' for args.
    NULL is None and integers are ints on both stores (PostgreSQL's come
    back through psql as text, so any integer-looking value becomes one)."""
    if store.startswith("sqlite:"):
        import sqlite3
        # autocommit: a test's INSERT must be there for the service to see
        db = sqlite3.connect(store[len("sqlite:"):], timeout=30,
                             isolation_level=None)
        try:
            return [tuple(r) for r in db.execute(sql, tuple(args)).fetchall()]
        finally:
            db.close()
    cmd = ["psql", "-X", "-q", "-t", "--csv", "-P", "null=\\N",
           "-v", "ON_ERROR_STOP=1", "-d", store]
    # psql quotes each :'pN' as a literal; the server takes it as untyped.
    # Without args the text goes as it is ('?' may sit in a literal).
    parts = sql.split("?") if args else [sql]
    if len(parts) - 1 != len(args):
        raise ValueError("%d placeholders, %d args" % (len(parts) - 1, len(args)))
    text = parts[0]
    for i, a in enumerate(args):
        if a is None:
            text += "NULL" + parts[i + 1]
            continue
        cmd += ["-v", "p%d=%s" % (i, a)]
        text += ":'p%d'" % i + parts[i + 1]
    p = subprocess.run(cmd, input=text + ";\n", capture_output=True,
                       text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("psql: %s" % p.stderr.strip())
    import csv
    import io
    import re
    rows = []
    for rec in csv.reader(io.StringIO(p.stdout)):
        if not rec:
            continue
        rows.append(tuple(None if v == "\\N" else
                          int(v) if re.fullmatch(r"-?[0-9]+", v) else v
                          for v in rec))
    return rows


def store_query(store, sql):
    """Rows (lists of strings, NULL as None) of a query run directly on a
    store URL: the same text whichever store it is."""
    return [[None if v is None else str(v) for v in r]
            for r in store_rows(store, sql)]


def _hotlined_settle(self):
    """Wait until what the service writes behind its answers (a menu
    step's records: the call's row, its events) is in the store, as its
    /metrics says (hotline_store_behind); at once when it is not running."""
    import re
    deadline = time.time() + 10
    while self.proc is not None and self.proc.poll() is None and \
            time.time() < deadline:
        try:
            r = self.get("/metrics")
        except Exception:
            return
        m = re.search(r"^hotline_store_behind (\S+)$", r.text, re.M)
        if r.status != 200 or m is None or float(m.group(1)) == 0:
            return
        time.sleep(0.01)


def _hotlined_query(self, sql):
    _hotlined_settle(self)
    return store_query(self.store, sql)


def _hotlined_rows(self, sql, args=()):
    _hotlined_settle(self)
    return store_rows(self.store, sql, args)


def _hotlined_cleanup(self, _orig=Hotlined.cleanup):
    _orig(self)
    if self.store in _pg_created:
        _pg_created.discard(self.store)
        name = urllib.parse.urlsplit(self.store).path.lstrip("/")
        try:
            _psql(TEST_STORE, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
        except (RuntimeError, OSError, subprocess.TimeoutExpired):
            pass


Hotlined.query = _hotlined_query
Hotlined.rows = _hotlined_rows
Hotlined.cleanup = _hotlined_cleanup


def store_enqueue(h, kind, recipient, payload, dedupe):
    """Queue a pending outbox row directly in h's store, as the service's
    other parts do (outbox_enqueue), due now on h's clock; payload is the
    JSON text.  The sender takes it on its next pass."""
    now = int(h.now())
    store_rows(h.store, "INSERT INTO outbox (kind, dedupe, recipient, payload, "
               "status, attempts, next_at, created_at, updated_at) VALUES "
               "(?, ?, ?, ?, 'pending', 0, ?, ?, ?)",
               (kind, dedupe, recipient, payload, now, now, now))


def store_refuse_inserts(store, table, when):
    """Make the store itself refuse every INSERT into table whose new row
    matches when (an SQL condition on NEW.column, the same text on both
    stores), as a full disk or a revoked privilege would: a trigger
    raises an error, so the service's transaction really fails there and
    must undo what it wrote before.  It stays until the store is dropped."""
    name = "hotline_test_refuse_" + table
    if not store_is_pg(store):
        store_rows(store, "CREATE TRIGGER %s BEFORE INSERT ON %s "
                   "WHEN (%s) BEGIN SELECT RAISE(ABORT, 'refused by the "
                   "test'); END" % (name, table, when))
        return
    store_rows(store, "CREATE OR REPLACE FUNCTION hotline_test_refuse() "
               "RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RAISE "
               "EXCEPTION 'refused by the test'; END$$; "
               "CREATE TRIGGER %s BEFORE INSERT ON %s FOR EACH ROW "
               "WHEN (%s) EXECUTE FUNCTION hotline_test_refuse()"
               % (name, table, when))


# --- logs hold no patient data ----------------------------------------------
#
# Every test's hotlined log is checked for any full phone number (E.164, as
# the provider sends them) and for the body of any text a test sent through
# Hotlined.sms that is long enough to be told from a log word.

import re as _re

LOG_E164 = _re.compile(r"(?<![\w+])\+[1-9]\d{9,14}(?!\d)")
_LOG_BODY_MIN = 12


def _hotlined_sms(self, body, *a, _orig=Hotlined.sms, **kw):
    if isinstance(body, str) and len(body.strip()) >= _LOG_BODY_MIN:
        if not hasattr(self, "sent_bodies"):
            self.sent_bodies = set()
        self.sent_bodies.add(body.strip())
    return _orig(self, body, *a, **kw)


Hotlined.sms = _hotlined_sms


def log_leaks(log, bodies=()):
    """What in a hotlined log is patient data: full numbers, text bodies."""
    found = ["phone number " + m.group(0) for m in LOG_E164.finditer(log)]
    found += ["message body %r" % b for b in bodies if b in log]
    return found


def _case_teardown(self, _orig=HotlineTestCase.tearDown):
    log = self.h.log()
    bodies = set(getattr(self.h, "sent_bodies", ()))
    _orig(self)
    leaks = log_leaks(log, bodies)
    self.assertEqual(leaks, [], "patient data reached the log")


HotlineTestCase.tearDown = _case_teardown
