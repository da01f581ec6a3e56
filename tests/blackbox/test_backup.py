"""hotline backup FILE: a consistent copy of the embedded store taken while
the service runs and writes; PostgreSQL is sent to pg_dump."""
import os
import sqlite3
import subprocess
import threading
import time

from harness import (CONFIG, HOTLINE, HotlineTestCase, store_is_pg,
                     TEST_STORE)


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
