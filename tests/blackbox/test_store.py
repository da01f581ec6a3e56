"""The store: what must hold on SQLite and on PostgreSQL alike (run with
HOTLINE_TEST_STORE=postgresql://... for the second).  Restarts keep data,
migrations run once, concurrent webhooks are each answered once."""
import shutil
import threading
import time

from harness import (Hotlined, HotlineTestCase, sms_text, store_is_pg,
                     store_query)


def metric(h, name):
    """A counter's value from /metrics (0 when absent)."""
    for line in h.get("/metrics").text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{}"):
            return float(line.split()[-1])
    return 0.0


def in_parallel(n, fn):
    """Run fn(i) for i in range(n) on n threads at once; the results."""
    out = [None] * n
    errors = []
    start = threading.Barrier(n)

    def run(i):
        try:
            start.wait()
            out[i] = fn(i)
        except Exception as e:  # reported by the caller
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if errors:
        raise errors[0]
    return out


class TestStore(HotlineTestCase):
    def sms_or_skip(self, text, sid):
        r = self.h.sms(text, sid=sid)
        if r.status == 404:
            self.skipTest("/sms/incoming is not routed in this build")
        return r

    def test_ready_goes_through_the_store(self):
        jobs = metric(self.h, "hotline_store_jobs_total")
        for _ in range(5):
            r = self.h.get("/readyz")
            self.assertEqual(r.status, 200, r.text)
        # each /readyz was a transaction on a store thread
        self.assertGreaterEqual(metric(self.h, "hotline_store_jobs_total"),
                                jobs + 5)
        self.assertGreaterEqual(metric(self.h, "hotline_store_commits_total"), 1)

    def test_migrations_applied_once(self):
        self.assertIn("applied migration 1", self.h.log())
        self.h.restart()
        self.assertEqual(self.h.get("/readyz").status, 200)
        self.h.kill()
        self.h.start()
        self.assertEqual(self.h.get("/readyz").status, 200)
        rows = self.h.query("SELECT version, COUNT(*) FROM schema_migrations "
                            "GROUP BY version ORDER BY version")
        # Every migration from 1, each applied once.  Numbers are handed
        # out ahead of the work, so one may land before a lower one does:
        # a gap is allowed, a repeat is not.
        self.assertGreaterEqual(len(rows), 2)
        versions = [int(r[0]) for r in rows]
        self.assertEqual(versions[0], 1)
        self.assertEqual(versions, sorted(set(versions)))
        self.assertEqual([r[1] for r in rows], ["1"] * len(rows))
        for v in versions:
            self.assertEqual(self.h.log().count("applied migration %d (" % v), 1)

    def test_concurrent_ready(self):
        rs = in_parallel(40, lambda i: self.h.get("/readyz"))
        self.assertEqual([r.status for r in rs], [200] * 40)
        self.assertEqual(self.h.get("/healthz").status, 200)

    def test_restart_keeps_data_and_replays(self):
        sid = "SM" + "a1" * 16
        first = self.sms_or_skip("HELP", sid)
        self.assertEqual(first.status, 200, first.text)
        self.assertTrue(sms_text(first), first.text)
        self.h.restart()
        self.assertEqual(self.h.get("/readyz").status, 200)
        again = self.h.sms("HELP", sid=sid)
        self.assertEqual(again.status, 200)
        self.assertEqual(sms_text(again), sms_text(first))
        third = self.h.sms("HELP", sid=sid)
        self.assertEqual(sms_text(third), sms_text(first))
        rows = self.h.query("SELECT COUNT(*) FROM webhooks")
        self.assertGreaterEqual(int(rows[0][0]), 1)
        rows = self.h.query("SELECT COUNT(*) FROM messages WHERE sid = '%s' "
                            "AND direction = 'in'" % sid)
        self.assertEqual(rows, [["1"]])

    def test_data_survives_a_kill(self):
        sid = "SM" + "b2" * 16
        first = self.sms_or_skip("HELP", sid)
        self.assertEqual(first.status, 200)
        # answered means committed: SIGKILL straight after loses nothing
        self.h.kill()
        self.h.start()
        again = self.h.sms("HELP", sid=sid)
        self.assertEqual(sms_text(again), sms_text(first))

    def test_concurrent_webhooks(self):
        self.sms_or_skip("HELP", "SM" + "c3" * 16)
        n = 30
        sids = ["SM%032x" % (0xd000 + i) for i in range(n)]
        rs = in_parallel(n, lambda i: self.h.sms(
            "HELP", frm="+1817555%04d" % (1000 + i), sid=sids[i]))
        self.assertEqual([r.status for r in rs], [200] * n,
                         [r.text for r in rs if r.status != 200][:3])
        for r in rs:
            self.assertTrue(sms_text(r))
        ids = ",".join("'%s'" % s for s in sids)
        rows = self.h.query("SELECT COUNT(*) FROM messages WHERE sid IN (%s) "
                            "AND direction = 'in'" % ids)
        self.assertEqual(rows, [[str(n)]])

    def test_concurrent_duplicates_answered_once(self):
        """The provider may deliver one message several times at once."""
        sid = "SM" + "e4" * 16
        self.sms_or_skip("HELP", "SM" + "f5" * 16)
        rs = in_parallel(12, lambda i: self.h.sms("HELP", sid=sid))
        self.assertEqual([r.status for r in rs], [200] * 12)
        self.assertEqual(len({tuple(sms_text(r)) for r in rs}), 1)
        rows = self.h.query("SELECT COUNT(*) FROM messages WHERE sid = '%s' "
                            "AND direction = 'in'" % sid)
        self.assertEqual(rows, [["1"]])


class TestPostgres(HotlineTestCase):
    """What only PostgreSQL has: connections the server can cut."""

    def setUp(self):
        if not store_is_pg():
            self.skipTest("HOTLINE_TEST_STORE is not a postgresql:// URL")
        super().setUp()

    def backends(self):
        return self.h.query(
            "SELECT pid, application_name FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")

    def test_connections_say_who_they_are(self):
        self.assertEqual(self.h.get("/readyz").status, 200)
        names = [b[1] for b in self.backends()]
        self.assertTrue(names)
        # The store threads' connections, and the one that listens for
        # other instances' changes, named with the process id.
        self.assertEqual(set(names), {"hotlined", "hotlined live %d"
                                      % self.h.proc.pid})

    def test_cut_connections_are_reopened(self):
        self.assertEqual(self.h.get("/readyz").status, 200)
        before = {b[0] for b in self.backends()}
        self.h.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = current_database() "
                     "AND application_name LIKE 'hotlined%'")
        time.sleep(0.2)
        # A transaction on a dead connection fails before it begins, so
        # the store reconnects and the request never notices.
        for _ in range(6):
            r = self.h.get("/readyz")
            self.assertEqual(r.status, 200, r.text)
        after = {b[0] for b in self.backends()}
        self.assertTrue(after)
        self.assertFalse(before & after)
        self.assertIn("reconnected", self.h.log())
        # The listening connection comes back by itself, after a backoff.
        deadline = time.time() + 15
        while time.time() < deadline and "listening again" not in self.h.log():
            time.sleep(0.1)
        self.assertIn("listening again", self.h.log())

    def test_two_instances_start_together(self):
        """Several instances behind a load balancer start at once on one
        fresh database: one migrates, the other waits for it."""
        self.h.stop()
        env = {"HOTLINE_PROVIDER_API": self.provider.url}
        fresh = Hotlined(env=env)
        other = Hotlined(env=env, store=fresh.store)
        try:
            in_parallel(2, lambda i: (fresh, other)[i].start())
            for x in (fresh, other):
                self.assertEqual(x.get("/readyz").status, 200, x.log())
            rows = store_query(fresh.store, "SELECT version, COUNT(*) FROM "
                               "schema_migrations GROUP BY version "
                               "ORDER BY version")
            self.assertGreaterEqual(len(rows), 2)
            self.assertEqual(rows, [[str(v), "1"]
                                    for v in range(1, len(rows) + 1)])
            for v in range(1, len(rows) + 1):
                self.assertEqual((fresh.log() + other.log())
                                 .count("applied migration %d (" % v), 1)
        finally:
            # other shares fresh's store: only fresh may drop it
            other.stop()
            shutil.rmtree(other.workdir, ignore_errors=True)
            fresh.cleanup()

    def test_postgres_scheme_alias(self):
        """postgres:// is the other spelling libpq accepts."""
        url = "postgres://" + self.h.store.split("://", 1)[1]
        self.h.stop()
        other = Hotlined(env={"HOTLINE_PROVIDER_API": self.provider.url},
                         store=url)
        try:
            other.start()
            self.assertEqual(other.get("/readyz").status, 200, other.log())
            self.assertIn("store postgresql", other.log())
        finally:
            other.stop()
            shutil.rmtree(other.workdir, ignore_errors=True)
