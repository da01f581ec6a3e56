"""A staff reply from the inbox is sent once, however often it is sent:
a double tap (the same Idempotency-Key, or the same words from the same
person a moment later, even side by side) queues one text; the same key
with other words is refused; the same words after a while are a new
reply."""
import threading
import time
import unittest

from test_inbox import InboxTestCase

REPLY = "Hi, this is Alice at the clinic. We can call you this afternoon."


class TestReplyOnce(InboxTestCase):
    def reply(self, tok, iid, body=REPLY, key=None):
        h = {"Idempotency-Key": key} if key is not None else None
        return self.api("POST", "/api/v1/inbox/%d/reply" % iid, tok,
                        {"body": body}, headers=h)

    def replies(self):
        return int(self.h.query("SELECT COUNT(*) FROM inbox_replies")[0][0])

    def test_double_tap_sends_once(self):
        self.add_staff("alice")
        tok = self.token("alice")
        self.free_text()
        iid = self.inbox(tok)[0]["id"]

        # The same key twice: one reply, the first answer again.
        r1 = self.reply(tok, iid, key="tap-1")
        self.assertEqual(r1.status, 202, r1.text)
        r2 = self.reply(tok, iid, key="tap-1")
        self.assertEqual(r2.status, 202, r2.text)
        self.assertEqual(r2.json()["reply"], r1.json()["reply"])
        self.assertIs(r1.json()["repeat"], False)
        self.assertIs(r2.json()["repeat"], True)
        # A new key for the same words a moment later: a double tap too.
        r3 = self.reply(tok, iid, key="tap-2")
        self.assertEqual(r3.status, 202, r3.text)
        self.assertEqual(r3.json()["reply"], r1.json()["reply"])
        # No key at all: the same.
        self.assertEqual(self.reply(tok, iid).json()["reply"],
                         r1.json()["reply"])
        # The key with other words: refused, nothing sent.
        r = self.reply(tok, iid, body="Something else entirely.", key="tap-1")
        self.assertEqual(r.status, 422, r.text)
        self.assertIn("Idempotency-Key", r.json()["error"])
        for bad in ("", "x" * 129, "two words"):
            r = self.reply(tok, iid, key=bad)
            self.assertEqual(r.status, 400, bad)

        self.assertTrue(self.provider.wait_for(lambda: self.sent(REPLY)))
        time.sleep(1)
        self.assertEqual(len(self.sent(REPLY)), 1)
        self.assertEqual(self.replies(), 1)
        self.assertEqual(len(self.provider.messages()), 1)

        # Other words are another reply.
        r = self.reply(tok, iid, body="And bring your running shoes.")
        self.assertEqual(r.status, 202, r.text)
        self.assertNotEqual(r.json()["reply"], r1.json()["reply"])
        self.assertEqual(self.replies(), 2)

    def test_side_by_side(self):
        self.add_staff("alice")
        tok = self.token("alice")
        self.free_text()
        iid = self.inbox(tok)[0]["id"]
        out = []

        def tap():
            out.append(self.reply(tok, iid))

        ts = [threading.Thread(target=tap) for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual([r.status for r in out], [202] * 4,
                         [r.text for r in out])
        self.assertEqual(len({r.json()["reply"] for r in out}), 1)
        self.assertTrue(self.provider.wait_for(lambda: self.sent(REPLY)))
        time.sleep(1)
        self.assertEqual(len(self.sent(REPLY)), 1)

    def test_same_words_later_are_a_new_reply(self):
        self.add_staff("alice")
        tok = self.token("alice")
        self.free_text()
        iid = self.inbox(tok)[0]["id"]
        first = self.reply(tok, iid).json()["reply"]
        self.h.advance(300)
        self.h.restart()
        r = self.reply(tok, iid)
        self.assertEqual(r.status, 202, r.text)
        self.assertNotEqual(r.json()["reply"], first)
        self.assertEqual(self.replies(), 2)


if __name__ == "__main__":
    unittest.main()
