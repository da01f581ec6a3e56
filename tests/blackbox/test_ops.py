"""What an operator relies on: hotline backup FILE (a consistent copy of the
embedded store taken while the service runs and writes; PostgreSQL is sent
to pg_dump) and the backlog gauges alerts are built on."""
import os
import sqlite3
import subprocess
import threading
import time

from harness import (CONFIG, HOTLINE, HotlineTestCase, http, store_is_pg,
                     TEST_STORE)

# The service's clock, pinned and standing still: ages are exact.
CLOCK = "2026-12-01T10:00:00-06:00"


class TestBackup(HotlineTestCase):
    def backup(self, *args):
        return subprocess.run([HOTLINE, "--config", CONFIG, "backup"] +
                              list(args), capture_output=True, text=True,
                              env=self.h.env, timeout=120)

    def test_copy_while_texts_are_written(self):
        if store_is_pg(self.h.store):
            self.skipTest("the PostgreSQL store is backed up with pg_dump")
        stop = threading.Event()
        sent = []

        def texts():
            i = 0
            while not stop.is_set():
                r = self.h.sms("HELP", frm="+1817555%04d" % (i % 50))
                sent.append(r.status)
                i += 1

        t = threading.Thread(target=texts)
        t.start()
        try:
            while len(sent) < 20 and t.is_alive():
                time.sleep(0.01)
            out = os.path.join(self.h.workdir, "copy.db")
            p = self.backup(out)
        finally:
            stop.set()
            t.join(30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("pages", p.stdout)
        self.assertEqual(set(sent), {200})
        self.assertFalse(os.path.exists(out + ".partial"))
        self.assertFalse(os.path.exists(out + "-wal"))
        db = sqlite3.connect(out)
        try:
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchall(),
                             [("ok",)])
            self.assertEqual(db.execute("PRAGMA journal_mode").fetchall(),
                             [("delete",)])
            # Whole transactions only: every text answered has its answer.
            ins = db.execute("SELECT COUNT(*) FROM messages WHERE "
                             "direction = 'in'").fetchone()[0]
            hooks = db.execute("SELECT COUNT(*) FROM webhooks").fetchone()[0]
            self.assertGreater(ins, 0)
            self.assertEqual(ins, hooks)
            self.assertEqual(
                db.execute("SELECT MAX(version) FROM schema_migrations")
                .fetchone()[0],
                self.h.rows("SELECT MAX(version) FROM schema_migrations")[0][0])
        finally:
            db.close()
        # The live store went on: the copy is a snapshot, not the end.
        self.assertGreaterEqual(
            self.h.rows("SELECT COUNT(*) FROM messages WHERE direction = "
                        "'in'")[0][0], ins)

    def test_existing_file_is_never_replaced(self):
        if store_is_pg(self.h.store):
            self.skipTest("the PostgreSQL store is backed up with pg_dump")
        out = os.path.join(self.h.workdir, "keep.db")
        with open(out, "w") as f:
            f.write("precious")
        p = self.backup(out)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("already exists", p.stderr)
        with open(out) as f:
            self.assertEqual(f.read(), "precious")

    def test_usage(self):
        p = self.backup()
        self.assertEqual(p.returncode, 2)
        self.assertIn("usage: hotline backup FILE", p.stderr)

    def test_postgresql_is_sent_to_pg_dump(self):
        env = dict(self.h.env)
        env["HOTLINE_STORE"] = TEST_STORE if store_is_pg() else \
            "postgresql://nobody@127.0.0.1:1/none"
        out = os.path.join(self.h.workdir, "pg.db")
        p = subprocess.run([HOTLINE, "--config", CONFIG, "backup", out],
                           capture_output=True, text=True, env=env,
                           timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertIn("pg_dump", p.stderr)
        self.assertFalse(os.path.exists(out))


class TestBacklogMetrics(HotlineTestCase):
    env = {"HOTLINE_CLOCK": CLOCK}

    def gauge(self, name):
        text = http("GET", self.h.base + "/metrics").text
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return None

    def test_oldest_due_text_and_longest_wait(self):
        now = int(self.h.now())
        self.assertEqual(self.gauge("hotline_outbox_due"), 0)
        self.assertEqual(self.gauge("hotline_outbox_oldest_due_seconds"), 0)
        self.assertEqual(self.gauge("hotline_callbacks_waiting"), 0)
        # The provider answers slowly: past the four sends in flight and
        # the four the dispatcher has claimed to send next (two rounds of
        # send_concurrency), texts due five minutes ago wait their turn.
        self.provider.delay = 5
        for i in range(10):
            self.h.rows("INSERT INTO outbox (kind, dedupe, recipient, "
                        "payload, status, attempts, next_at, created_at, "
                        "updated_at) VALUES ('sms', ?, ?, ?, 'pending', 0, "
                        "?, ?, ?)", ("late:%d" % i, "+1817555%04d" % i,
                                     '{"body": "hi"}', now - 300, now - 300,
                                     now - 300))
        deadline = time.time() + 15
        while time.time() < deadline and \
                self.gauge("hotline_outbox_due") not in (2, 3):
            time.sleep(0.1)
        self.assertIn(self.gauge("hotline_outbox_due"), (2, 3))
        self.assertEqual(self.gauge("hotline_outbox_oldest_due_seconds"), 300)
        # Ten minutes in line for the oldest caller.
        self.assertTrue(self.h.sms("CALLBACK").status == 200)
        self.h.rows("INSERT INTO callbacks (phone, topic, language, priority, "
                    "source, status, attempts, queued_at, created_at, "
                    "updated_at) VALUES ('+18175550123', 'general', 'en', 0, "
                    "'sms', 'waiting', 0, ?, ?, ?)",
                    (now - 600, now - 600, now - 600))
        self.assertEqual(self.gauge("hotline_callbacks_waiting"), 2)
        self.assertEqual(self.gauge("hotline_callback_oldest_wait_seconds"),
                         600)
