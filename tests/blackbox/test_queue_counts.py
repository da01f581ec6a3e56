"""The place in line is read from counts of each queue's open entries by
priority (callback_counts), kept in the transaction of every change, not
from a count of the people ahead.  Whatever people and staff do -- new
requests by call and text, a repeat request joining an earlier one, a red
flag raising it, claims, releases, retries, dones, cancellations, a purge
-- the counts equal a count of the entries, and every position the API
gives is the one counting the queue gives."""
from harness import CALLER
from test_requests import RequestsCase

DAY = 86400
RED_FLAG = "my legs are numb and I lost bladder control"


class TestQueueCounts(RequestsCase):
    def counts(self):
        got = {(loc, int(p)): int(n) for loc, p, n in self.h.rows(
            "SELECT location, priority, SUM(n) FROM callback_counts "
            "WHERE priority >= 0 GROUP BY location, priority")}
        return {k: n for k, n in got.items() if n != 0}

    def open_counts(self):
        return {(loc, int(p)): int(n) for loc, p, n in self.h.rows(
            "SELECT COALESCE(location, ''), priority, COUNT(*) FROM "
            "callbacks WHERE status IN ('waiting', 'claimed') GROUP BY "
            "COALESCE(location, ''), priority")}

    def positions(self):
        """Each open entry's place, by counting the queue as callers
        hear it: higher priority first, then queued_at, then id."""
        rows = self.h.rows("SELECT id, COALESCE(location, ''), priority, "
                           "queued_at FROM callbacks WHERE status IN "
                           "('waiting', 'claimed')")
        pos = {}
        for i, loc, p, q in rows:
            pos[i] = sum(1 for j, l2, p2, q2 in rows if l2 == loc and
                         (p2 > p or (p2 == p and (q2, j) <= (q, i))))
        return pos

    def changes(self):
        """What the staff dashboard's fingerprint counts: one for each
        change to the queue."""
        return int(self.h.rows("SELECT COALESCE(SUM(n), 0) FROM "
                               "callback_counts WHERE priority = -1")[0][0])

    def check(self, tok, what):
        self.assertEqual(self.counts(), self.open_counts(), what)
        # Something changed since the last look, and the count says so.
        seen = self.changes()
        self.assertGreater(seen, getattr(self, "seen", -1), what)
        self.seen = seen
        for cid, want in self.positions().items():
            self.assertEqual(self.item(tok, cid)["position"], want,
                             "%s: entry %d" % (what, cid))

    def done(self, tok, cid, outcome):
        r = self.api("POST", "/api/v1/callbacks/%d/done" % cid, tok,
                     {"outcome": outcome})
        self.assertEqual(r.status, 200, r.text)
        return r.json()

    def test_counts_follow_every_change(self):
        self.add_staff("alice")
        self.add_staff("bob")
        a, b = self.token("alice"), self.token("bob")
        self.check(a, "empty")
        # New entries by text (the shared queue) and by call.
        self.text_callback()
        self.text_callback(frm="+18175550181")
        fw1 = self.phone_callback("+18175550182", location="fort-worth")
        cp = self.phone_callback("+18175550183", location="coppell")
        fw2 = self.phone_callback("+18175550184", location="fort-worth")
        fw3 = self.phone_callback("+18175550185", location="fort-worth")
        self.check(a, "new requests")
        self.assertEqual(self.item(a, fw3)["position"], 3)
        # Repeat requests join: one more text, a call naming another
        # location, a voicemail; then a red flag raises fw3 to the front.
        self.text_callback()
        self.phone_callback("+18175550184", location="coppell")
        self.voicemail("+18175550182", "allen")
        r = self.h.sms(RED_FLAG, frm="+18175550185")
        self.assertEqual(r.status, 200, r.text)
        self.check(a, "merges")
        self.assertEqual(self.item(a, fw3)["position"], 1)
        # A red flag as a new entry, and one more person in the queue.
        r = self.h.sms(RED_FLAG, frm="+18175550186")
        self.assertEqual(r.status, 200, r.text)
        self.text_callback(frm="+18175550187")
        self.check(a, "red flags")
        ids = {p: i for i, p in self.h.rows(
            "SELECT id, phone FROM callbacks")}
        # Staff work the queue: claims, a release, a retry back in line,
        # a done, a cancellation, a wrong number, unreachable.
        for cid in (fw1, cp, fw2):
            r = self.api("POST", "/api/v1/callbacks/%d/claim" % cid, a)
            self.assertEqual(r.status, 200, r.text)
        self.check(a, "claims")
        r = self.api("POST", "/api/v1/callbacks/%d/release" % fw1, a)
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(self.done(a, cp, "reached")["status"], "done")
        self.assertEqual(self.done(a, fw2, "no_answer")["status"], "waiting")
        self.check(a, "release, done, retry")
        self.assertEqual(self.done(b, ids[CALLER], "cancelled")["status"],
                         "cancelled")
        self.assertEqual(self.done(b, ids["+18175550186"],
                                   "wrong_number")["status"], "cancelled")
        for _ in range(2):
            last = self.done(b, fw2, "busy")
        self.assertEqual(last["status"], "unreachable")
        self.check(a, "cancellations")
        # Someone whose entry is finished asks again: a new entry, at the
        # end of the line.
        self.text_callback()
        self.check(a, "asked again")
        # Months on, the finished entries are purged; the open ones stay
        # and keep their places, and new requests still count right.
        self.h.stop()
        self.h.advance(400 * DAY)
        p = self.cli("purge")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.h.start()
        self.assertEqual(int(self.h.rows(
            "SELECT COUNT(*) FROM callbacks WHERE id = ?", (cp,))[0][0]), 0)
        self.phone_callback("+18175550188", location="fort-worth")
        r = self.h.sms(RED_FLAG, frm="+18175550189")
        self.assertEqual(r.status, 200, r.text)
        self.check(a, "after a purge")
        # Everyone is called back: nothing counted is left.
        for cid, in self.h.rows("SELECT id FROM callbacks WHERE status IN "
                                "('waiting', 'claimed')"):
            self.done(a, cid, "left_message")
        self.assertEqual(self.counts(), {})
        self.check(a, "all done")

    def test_clock_back_and_a_long_queue(self):
        """A request made after the clock went back goes ahead of those
        queued 'later'; and an entry with many behind it (the count of
        those ahead) gets the same place as one near the end."""
        self.add_staff("alice")
        a = self.token("alice")
        self.text_callback(frm="+18175550181")
        self.h.stop()
        self.h.advance(-3600)
        self.h.start()
        self.text_callback(frm="+18175550182")
        self.check(a, "clock back")
        first = self.h.rows("SELECT id FROM callbacks WHERE phone = ?",
                            ("+18175550182",))[0][0]
        self.assertEqual(self.item(a, first)["position"], 1)
        # 150 more people in the Fort Worth queue, written as the service
        # writes them (an entry and its count), at one second.
        q = int(self.h.now())
        values = ", ".join(
            "('+1999200%04d', 'fort-worth', 'general', 'en', 0, 'waiting', "
            "'sms', %d, %d, %d)" % (i, q, q, q) for i in range(150))
        self.h.rows("INSERT INTO callbacks (phone, location, topic, "
                    "language, priority, status, source, created_at, "
                    "updated_at, queued_at) VALUES " + values)
        self.h.rows("INSERT INTO callback_counts (location, priority, shard, "
                    "n) VALUES ('fort-worth', 0, 99, 150)")
        last = self.phone_callback("+18175550183", location="fort-worth")
        self.check(a, "a long queue")
        self.assertEqual(self.item(a, last)["position"], 151)
