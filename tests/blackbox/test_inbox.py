"""The staff inbox, the person view and the audit log: texts no keyword
answered reach a person, staff answer them through the outbox (never to
an opted-out number), staff see only their locations' items and the
shared ones, the texter is told once a day that a person will read it,
and every view of a person's record is audited.  Texts and calls arrive
through the real, signed webhooks."""
import threading
import time
import unittest
import urllib.parse

from harness import CALLER, log_leaks, store_rows, sms_text
from test_optout import whatsapp_params
from test_staff import StaffTestCase

FREE = "my back hurts after running, what should I do?"
OTHER = "+18175550177"


class InboxTestCase(StaffTestCase):
    def inbox(self, token, query=""):
        r = self.api("GET", "/api/v1/inbox" + query, token)
        self.assertEqual(r.status, 200, r.text)
        return r.json()["items"]

    def free_text(self, frm=CALLER, body=FREE):
        r = self.h.sms(body, frm=frm)
        self.assertEqual(r.status, 200, r.text)
        return sms_text(r)

    def sent(self, body):
        return [m for m in self.provider.messages()
                if m["form"].get("Body") == body]

    def notice(self, texts):
        """The answer that says a person will read it (one text)."""
        return [t for t in texts if "A person on our team" in t]


class TestInbox(InboxTestCase):
    def test_free_text_reaches_inbox_and_reply_is_sent_once(self):
        self.add_staff("alice")
        tok = self.token("alice")
        texts = self.free_text()
        self.assertEqual(len(texts), 1, texts)
        self.assertIn("STRETCH", texts[0])
        self.assertIn("STOP to opt out", texts[0])
        told = self.notice(texts)
        self.assertEqual(len(told), 1, texts)
        self.assertIn("while we are open", told[0])
        self.assertLessEqual(len(told[0]), 200)
        items = self.inbox(tok)
        self.assertEqual(len(items), 1, items)
        it = items[0]
        for k in ("id", "phone", "body", "received_at", "language",
                  "location", "status"):
            self.assertIn(k, it)
        self.assertEqual(it["phone"], CALLER)
        self.assertEqual(it["body"], FREE)
        self.assertEqual(it["language"], "en")
        self.assertIsNone(it["location"])
        self.assertEqual(it["status"], "open")

        reply = "Hi, this is Alice at the clinic. Gentle walking helps; we can call you."
        r = self.api("POST", "/api/v1/inbox/%d/reply" % it["id"], tok,
                     {"body": reply})
        self.assertEqual(r.status, 202, r.text)
        self.assertTrue(self.provider.wait_for(lambda: self.sent(reply)))
        time.sleep(0.5)
        self.assertEqual(len(self.sent(reply)), 1)
        self.assertEqual(self.sent(reply)[0]["form"]["To"], CALLER)
        self.assertEqual(len(self.provider.messages()), 1)

        r = self.api("GET", "/api/v1/inbox/%d" % it["id"], tok)
        self.assertEqual(r.status, 200, r.text)
        conv = r.json()["conversation"]
        self.assertEqual([(c["direction"], c["body"]) for c in conv],
                         [("in", FREE), ("out", reply)])
        self.assertEqual(conv[1]["author"], "alice")
        self.assertEqual(self.inbox(tok)[0]["status"], "replied")

        r = self.api("POST", "/api/v1/inbox/%d/done" % it["id"], tok)
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(self.inbox(tok), [])
        self.assertEqual(self.inbox(tok, "?status=done")[0]["id"], it["id"])
        self.assertEqual(log_leaks(self.h.log(), [FREE, reply]), [])

    def test_keyword_texts_stay_out(self):
        self.add_staff("alice")
        tok = self.token("alice")
        self.free_text(body="STRETCH")
        self.free_text(body="HOURS")
        self.assertEqual(self.inbox(tok), [])

    def test_bad_replies_refused(self):
        self.add_staff("alice")
        tok = self.token("alice")
        self.free_text()
        iid = self.inbox(tok)[0]["id"]
        for body in ({"body": ""}, {"body": "   "}, {"body": "x" * 601}, {},
                     {"body": 5}):
            r = self.api("POST", "/api/v1/inbox/%d/reply" % iid, tok, body)
            self.assertEqual(r.status, 400, (body, r.text))
        self.assertEqual(self.api("POST", "/api/v1/inbox/999/reply", tok,
                                  {"body": "hi"}).status, 404)
        self.assertEqual(self.api("POST", "/api/v1/inbox/%d/nope" % iid,
                                  tok).status, 404)
        self.assertEqual(self.api("GET", "/api/v1/inbox").status, 401)
        self.assertEqual(self.api("GET", "/api/v1/inbox?status=x", tok).status,
                         400)
        time.sleep(0.3)
        self.assertEqual([m for m in self.provider.messages()
                          if m["form"].get("To") == CALLER], [])
        self.assertEqual(self.inbox(tok)[0]["status"], "open")

    def test_opted_out_number_is_refused(self):
        self.add_staff("alice")
        tok = self.token("alice")
        self.free_text()
        iid = self.inbox(tok)[0]["id"]
        self.free_text(body="STOP")
        r = self.api("POST", "/api/v1/inbox/%d/reply" % iid, tok,
                     {"body": "Are you still there?"})
        self.assertEqual(r.status, 409, r.text)
        # A text while opted out still reaches a person, who is not told
        # anything by text.
        texts = self.free_text(body="sorry I have one more question about my knee")
        self.assertEqual(texts, [])
        items = self.inbox(tok)
        self.assertEqual(len(items), 2)
        r = self.api("POST", "/api/v1/inbox/%d/reply" % items[0]["id"], tok,
                     {"body": "Are you still there?"})
        self.assertEqual(r.status, 409, r.text)
        time.sleep(0.3)
        self.assertEqual(self.sent("Are you still there?"), [])
        self.assertEqual(store_rows(self.h.store, "SELECT COUNT(*) FROM "
                                    "inbox_replies")[0][0], 0)

    def test_location_scoping(self):
        self.add_staff("fw", locations="fort-worth")
        self.add_staff("al", locations="allen")
        fw, al = self.token("fw"), self.token("al")
        self.phone_callback(CALLER, location="fort-worth", language="en")
        self.free_text()
        self.free_text(frm=OTHER, body="do you take my insurance?")
        mine = self.inbox(fw)
        self.assertEqual(sorted((i["phone"], i["location"]) for i in mine),
                         [(OTHER, None), (CALLER, "fort-worth")])
        theirs = self.inbox(al)
        self.assertEqual([(i["phone"], i["location"]) for i in theirs],
                         [(OTHER, None)])
        fw_item = [i for i in mine if i["phone"] == CALLER][0]
        self.assertEqual(self.api("GET", "/api/v1/inbox/%d" % fw_item["id"],
                                  al).status, 404)
        self.assertEqual(self.api("POST", "/api/v1/inbox/%d/reply" %
                                  fw_item["id"], al, {"body": "hi"}).status, 404)
        self.assertEqual(self.api("POST", "/api/v1/inbox/%d/done" %
                                  fw_item["id"], al).status, 404)
        self.assertEqual(self.api("POST", "/api/v1/inbox/%d/reply" %
                                  fw_item["id"], fw, {"body": "hi"}).status, 202)

    def test_whatsapp_text_is_answered_on_whatsapp(self):
        self.add_staff("alice")
        tok = self.token("alice")
        r = self.h.webhook("/sms/incoming", whatsapp_params(FREE, CALLER))
        self.assertEqual(r.status, 200, r.text)
        it = self.inbox(tok)[0]
        self.assertEqual((it["phone"], it["channel"]), (CALLER, "whatsapp"))
        reply = "Hello from the clinic on WhatsApp."
        self.assertEqual(self.api("POST", "/api/v1/inbox/%d/reply" % it["id"],
                                  tok, {"body": reply}).status, 202)
        self.assertTrue(self.provider.wait_for(lambda: self.sent(reply)))
        self.assertEqual(self.sent(reply)[0]["form"]["To"], "whatsapp:" + CALLER)

    def test_a_new_text_wakes_the_dashboard(self):
        self.add_staff("alice")
        tok = self.token("alice")
        first = self.api("GET", "/api/v1/events", tok)
        self.assertEqual(first.status, 200)
        last = [l[4:] for l in first.text.splitlines() if l.startswith("id: ")][0]
        got = {}

        def listen():
            got["r"] = self.api("GET", "/api/v1/events", tok,
                                headers={"Last-Event-ID": last})

        t = threading.Thread(target=listen)
        t.start()
        time.sleep(0.5)
        self.assertTrue(t.is_alive(), "the events request was not held")
        self.free_text()
        t.join(15)
        self.assertIn("r", got)
        self.assertIn("event: queue", got["r"].text)

    def test_told_once_a_day(self):
        self.add_staff("alice")
        self.assertEqual(len(self.notice(self.free_text())), 1)
        second = self.free_text(body="and my hip too")
        self.assertEqual(self.notice(second), [])
        self.assertIn("STRETCH", second[0])
        self.assertEqual(len(self.notice(self.free_text(frm=OTHER))), 1)
        self.h.stop()
        self.h.advance(86400 + 60)
        self.h.start()
        self.assertEqual(len(self.notice(self.free_text(body="still sore"))), 1)


class TestInboxRetention(InboxTestCase):
    def test_done_items_go_with_retention(self):
        self.add_staff("alice")
        tok = self.token("alice")
        self.free_text()
        self.free_text(frm=OTHER, body="is parking free at the clinic?")
        items = {i["phone"]: i["id"] for i in self.inbox(tok)}
        self.assertEqual(self.api("POST", "/api/v1/inbox/%d/reply" %
                                  items[CALLER], tok,
                                  {"body": "Yes, walk gently."}).status, 202)
        self.assertEqual(self.api("POST", "/api/v1/inbox/%d/done" %
                                  items[CALLER], tok).status, 200)
        self.h.stop()
        self.h.advance(31 * 86400)
        p = self.cli("purge")
        self.assertEqual(p.returncode, 0, p.stderr)
        # What the done item and its reply said is gone; the open one
        # still waits for a person, word for word.
        self.assertEqual(store_rows(self.h.store, "SELECT phone, body FROM "
                                    "inbox WHERE body <> '' ORDER BY id"),
                         [(OTHER, "is parking free at the clinic?")])
        self.assertEqual(store_rows(self.h.store, "SELECT COUNT(*), "
                                    "SUM(LENGTH(body)) FROM inbox_replies"),
                         store_rows(self.h.store, "SELECT 1, 0"))
        self.assertEqual(store_rows(self.h.store, "SELECT COUNT(*) FROM "
                                    "inbox")[0][0], 2)
        self.h.start()


class TestInboxClosed(InboxTestCase):
    def setUp(self):
        super().setUp()
        # Tuesday 22:00 in Texas: every location is closed.
        self.h.stop()
        self.h.set_clock(int(self.h.now()) + 12 * 3600)
        self.h.start()

    def test_notice_says_when_we_open(self):
        texts = self.free_text()
        n = self.notice(texts)
        self.assertEqual(len(n), 1, texts)
        self.assertIn("We're closed", n[0])
        self.assertIn("tomorrow at", n[0])
        self.assertNotIn("while we are open", n[0])

    def test_red_flag_still_flagged(self):
        self.add_staff("alice")
        tok = self.token("alice")
        r = self.h.sms("I have numbness in my groin since this morning")
        self.assertIn("911", " ".join(sms_text(r)))
        cbs = self.items(tok)
        self.assertEqual(len(cbs), 1)
        self.assertEqual(cbs[0]["priority"], 1)


class TestPersonAndAudit(InboxTestCase):
    def test_person_view_is_audited(self):
        self.add_staff("alice")
        self.add_staff("root", password="r00t-pass-word")
        p = self.cli("staff", "add", "root", "--admin", "--password-stdin",
                     stdin="r00t-pass-word\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        tok, admin = self.token("alice"), self.token("root")
        cid = self.phone_callback(CALLER, location="fort-worth", language="en")
        r = self.api("POST", "/api/v1/callbacks/%d/note" % cid, tok,
                     {"text": "asked about stretches"})
        self.assertEqual(r.status, 200, r.text)
        self.free_text()
        iid = self.inbox(tok)[0]["id"]
        self.assertEqual(self.api("POST", "/api/v1/inbox/%d/reply" % iid, tok,
                                  {"body": "We will call you today."}).status, 202)

        path = "/api/v1/people/" + urllib.parse.quote(CALLER)
        self.assertEqual(self.api("GET", path).status, 401)
        self.assertEqual(self.api("GET", "/api/v1/people/nobody", tok).status,
                         400)
        r = self.api("GET", path, tok)
        self.assertEqual(r.status, 200, r.text)
        rec = r.json()
        self.assertEqual(rec["phone"], CALLER)
        self.assertEqual(rec["language"], "en")
        self.assertIs(rec["opted_out"], False)
        kinds = {e["kind"] for e in rec["events"]}
        for k in ("call", "text", "callback", "note", "reply"):
            self.assertIn(k, kinds, rec["events"])
        call = [e for e in rec["events"] if e["kind"] == "call"][0]
        self.assertIn("duration", call)
        self.assertGreater(len(call["path"]), 1)
        # The call has not ended: its steps so far, and where it is now
        # (the row is summed from its steps only when it ends).
        self.assertEqual(call["steps"], len(call["path"]) - 1, call)
        self.assertEqual(call["last_node"], "anything_else", call)
        self.assertIn("fort-worth", call["locations"])
        cb = [e for e in rec["events"] if e["kind"] == "callback"][0]
        self.assertEqual(cb["id"], cid)
        self.assertEqual(cb["requests"][0]["reason"], "callback")
        self.assertEqual(cb["notes"][0]["author"], "alice")
        note = [e for e in rec["events"] if e["kind"] == "note"][0]
        self.assertEqual((note["author"], note["text"]),
                         ("alice", "asked about stretches"))
        self.assertIn("at", note)
        texts = [(e["direction"], e["body"]) for e in rec["events"]
                 if e["kind"] == "text"]
        self.assertIn(("in", FREE), texts)
        self.assertTrue(any(d == "out" for d, _ in texts))
        # A text comes before the answer it got, in the same second too.
        texts_in_order = [e["direction"] for e in rec["events"]
                          if e["kind"] == "text" and e["at"] == [
                              x for x in rec["events"]
                              if x.get("inbox_item") == iid][0]["at"]]
        self.assertEqual(texts_in_order[0], "in", rec["events"])
        inboxed = [e for e in rec["events"] if e.get("inbox_item") == iid]
        self.assertEqual([e["body"] for e in inboxed], [FREE])
        replies = [e for e in rec["events"] if e["kind"] == "reply"]
        self.assertEqual([(e["author"], e["body"], e["item"]) for e in replies],
                         [("alice", "We will call you today.", iid)])
        # The reply is shown once, with its author, not again as a text.
        self.assertTrue(self.provider.wait_for(
            lambda: self.sent("We will call you today.")))
        self.assertTrue(self.wait(lambda: store_rows(
            self.h.store, "SELECT COUNT(*) FROM messages WHERE body = ?",
            ("We will call you today.",))[0][0] in (1, "1")))
        rec = self.api("GET", path, tok).json()
        self.assertEqual([e["kind"] for e in rec["events"]
                          if e.get("body") == "We will call you today."],
                         ["reply"])
        ats = [e["at"] for e in rec["events"]]
        self.assertEqual(ats, sorted(ats))

        self.assertEqual(self.api("GET", "/api/v1/audit", tok).status, 403)
        r = self.api("GET", "/api/v1/audit", admin)
        self.assertEqual(r.status, 200, r.text)
        rows = r.json()["items"]
        self.assertEqual(len(rows), 2, rows)
        self.assertEqual((rows[0]["actor"], rows[0]["action"],
                          rows[0]["subject"]), ("alice", "person.view", CALLER))
        self.assertIn("at", rows[0])
        p = self.cli("audit")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("alice", p.stdout)
        self.assertIn("person.view", p.stdout)
        # Staff of another location see no record of this number, and
        # nothing is written to the audit log for it.
        self.add_staff("al", locations="allen")
        r = self.api("GET", path, self.token("al"))
        self.assertEqual(r.status, 404, r.text)
        # Looking at the audit log is not a view of anyone's record.
        self.assertEqual(len(self.api("GET", "/api/v1/audit", admin)
                             .json()["items"]), 2)


if __name__ == "__main__":
    unittest.main()
