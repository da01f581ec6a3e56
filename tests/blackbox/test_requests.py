"""A second request never erases the first: a person who asks again --
by call, text, voicemail or red flag -- while their entry is open keeps
the entry's place in line and queue, and every request is kept with it,
visible to staff of every location it names, in the API, the command line
and the report.  Requests are made as callers and texters make them:
through the real, signed voice and SMS webhooks."""
import json
import os
import re
import time

from harness import CALLER, TOP_SRCDIR, store_rows
from test_staff import LOCATION_KEYS, StaffTestCase

FORT_WORTH_ONCALL = "+18175550111"
COPPELL_ONCALL = "+19725550113"
OTHER = "+18175550191"
RECORDING = "https://api.example.test/2010-04-01/Accounts/AC0/Recordings/RE%s"


def prompt(pid):
    with open(os.path.join(TOP_SRCDIR, "prompts", "en", pid + ".txt")) as f:
        return f.read().strip()


class RequestsCase(StaffTestCase):
    def voicemail(self, frm, location, rec_id="1" * 32):
        """A caller picks a location from the clinics menu (4, its key),
        nobody answers, and they leave a voicemail (2).  Returns the
        spoken answer to the recording."""
        sid = "CA" + os.urandom(16).hex()
        params = self.h.call_params(sid, frm=frm)
        r = self.h.webhook("/voice/incoming", params)
        for k in ("4", LOCATION_KEYS[location]):
            self.assertEqual(r.status, 200, r.text)
            r = self.h.follow(r.xml().find(".//Gather").get("action"),
                              dict(params, Digits=k))
        dial = r.xml().find("Dial")
        self.assertIsNotNone(dial, r.text)
        r = self.h.follow(dial.get("action"), dict(
            params, DialCallStatus="no-answer", DialCallSid="CA" + "d" * 32,
            DialCallDuration="0"))
        r = self.h.follow(r.xml().find(".//Gather").get("action"),
                          dict(params, Digits="2"))
        rec = r.xml().find("Record")
        self.assertIsNotNone(rec, r.text)
        r = self.h.follow(rec.get("action"), dict(
            params, RecordingUrl=RECORDING % rec_id,
            RecordingSid="RE" + rec_id, RecordingDuration="9"))
        self.assertEqual(r.status, 200, r.text)
        return " ".join(s.text or "" for s in r.xml().iter("Say"))

    def item(self, tok, cid):
        r = self.api("GET", "/api/v1/callbacks/%d" % cid, tok)
        self.assertEqual(r.status, 200, r.text)
        return r.json()

    def entries_of(self, phone):
        return store_rows(self.h.store, "SELECT id, status FROM callbacks "
                          "WHERE phone = ? ORDER BY id", (phone,))

    def oncall_texts(self, number):
        return [m["form"].get("Body", "") for m in self.provider.messages()
                if m["form"].get("To") == number]


class TestRepeatRequests(RequestsCase):
    def test_fort_worth_callback_then_coppell_voicemail_keeps_both(self):
        self.add_staff("alice")
        self.add_staff("cora", locations="coppell")
        self.add_staff("al", locations="allen")
        tok, cora, al = self.token("alice"), self.token("cora"), self.token("al")
        # In Spanish, about stretches; the voicemail call is left at the
        # default language, from the clinics menu.
        cid = self.phone_callback(CALLER, location="fort-worth",
                                  language="es")
        other = self.phone_callback(OTHER, location="fort-worth",
                                    language="en")
        said = self.voicemail(CALLER, "coppell")
        # The voicemail joined the first request: same entry, first in line.
        self.assertEqual(self.entries_of(CALLER), [(cid, "waiting")])
        self.assertIn(prompt("callback_position") + " 1.", said)
        it = self.item(tok, cid)
        self.assertEqual(it["location"], "fort-worth")
        self.assertEqual(it["position"], 1)
        self.assertEqual(self.item(tok, other)["position"], 2)
        self.assertEqual(it["locations"], ["fort-worth", "coppell"])
        # What was chosen is not undone by what was left at its default.
        self.assertEqual((it["language"], it["topic"]), ("es", "stretches"))
        reqs = it["requests"]
        self.assertEqual(len(reqs), 2, reqs)
        first, second = reqs
        self.assertEqual((first["channel"], first["reason"], first["location"],
                          first["topic"], first["preferred_window"],
                          first["language"]),
                         ("voice", "callback", "fort-worth", "stretches",
                          "morning", "es"))
        self.assertIsNone(first["recording_url"])
        self.assertEqual((second["channel"], second["reason"],
                          second["location"], second["language"]),
                         ("voicemail", "voicemail", "coppell", "en"))
        self.assertEqual(second["recording_url"], RECORDING % ("1" * 32))
        self.assertLessEqual(first["at"], second["at"])
        for q in reqs:
            self.assertRegex(q["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        # Every existing field is still there, the newest voicemail too.
        for k in ("id", "phone", "location", "topic", "language", "priority",
                  "status", "position", "wait_minutes", "created_at",
                  "attempts", "claimed_by", "preferred_window", "outcome",
                  "recording_url", "source", "notes"):
            self.assertIn(k, it)
        self.assertEqual(it["source"], "voice")
        self.assertEqual(it["recording_url"], RECORDING % ("1" * 32))
        self.assertEqual(it["created_at"], first["at"])
        # The list shows the same requests.
        listed = [i for i in self.items(tok) if i["id"] == cid][0]
        self.assertEqual(listed["requests"], reqs)

        # Coppell's desk sees it (named by a request), in its filter too,
        # and may work it; Allen's does not.
        self.assertIn(cid, [i["id"] for i in self.items(cora)])
        self.assertNotIn(other, [i["id"] for i in self.items(cora)])
        self.assertEqual([i["id"] for i in self.items(cora, "?location=coppell")],
                         [cid])
        self.assertEqual([i["id"] for i in self.items(tok, "?location=coppell")],
                         [cid])
        # (to Allen's desk it answers as a missing one)
        self.assertEqual(self.api("GET", "/api/v1/callbacks/%d" % cid, al).status, 404)
        self.assertNotIn(cid, [i["id"] for i in self.items(al)])
        # Coppell's on-call heard of the repeat request, naming it as one.
        self.assertTrue(self.provider.wait_for(
            lambda: any("Repeat request" in b and "Coppell voicemail" in b
                        for b in self.oncall_texts(COPPELL_ONCALL))),
            self.oncall_texts(COPPELL_ONCALL))
        self.assertTrue(any("Repeat request" in b for b in
                            self.oncall_texts(FORT_WORTH_ONCALL)))
        for b in self.oncall_texts(COPPELL_ONCALL):
            self.assertNotIn(CALLER, b)
        r = self.api("POST", "/api/v1/callbacks/%d/claim" % cid, cora)
        self.assertEqual(r.status, 200, r.text)

        # The command line counts the requests.
        p = self.cli("callbacks", "list")
        self.assertEqual(p.returncode, 0, p.stderr)
        head = p.stdout.splitlines()[0].split()
        line = [l for l in p.stdout.splitlines() if l.split()[0] == str(cid)][0]
        self.assertIn("REQ", head)
        self.assertEqual(line.split()[head.index("REQ")], "2")
        p = self.cli("callbacks", "list", "--json")
        items = {i["id"]: i for i in json.loads(p.stdout)["items"]}
        self.assertEqual(len(items[cid]["requests"]), 2)

    def test_text_callback_then_call_callback(self):
        self.add_staff("alice")
        self.add_staff("fw", locations="fort-worth")
        tok, fw = self.token("alice"), self.token("fw")
        self.text_callback()
        cid = self.items(tok)[0]["id"]
        other = self.phone_callback(OTHER, location="fort-worth",
                                    language="en")
        self.phone_callback(CALLER, location="fort-worth", language="en")
        self.assertEqual(self.entries_of(CALLER), [(cid, "waiting")])
        it = self.item(fw, cid)
        # The entry stays in the queue of its first request (the shared
        # queue), with its place; both requests are there.
        self.assertIsNone(it["location"])
        self.assertEqual(it["position"], 1)
        self.assertEqual(it["source"], "sms")
        self.assertEqual([(q["channel"], q["reason"], q["location"])
                          for q in it["requests"]],
                         [("sms", "callback", None),
                          ("voice", "callback", "fort-worth")])
        self.assertEqual(it["requests"][0]["text"], "CALLBACK")
        self.assertEqual(it["requests"][1]["topic"], "stretches")
        self.assertEqual(it["locations"], ["fort-worth"])
        self.assertEqual(self.item(fw, other)["position"], 1)
        # The call's details stand for the entry now.
        self.assertEqual(it["topic"], "stretches")
        self.assertEqual(it["preferred_window"], "morning")

    def test_red_flag_after_a_normal_request_raises_priority(self):
        self.add_staff("alice")
        tok = self.token("alice")
        other = self.phone_callback(OTHER, location="fort-worth",
                                    language="en")
        cid = self.phone_callback(CALLER, location="fort-worth",
                                  language="en")
        self.assertEqual(self.item(tok, cid)["position"], 2)
        words = "my legs are numb and I lost bladder control"
        r = self.h.sms(words)
        self.assertEqual(r.status, 200, r.text)
        it = self.item(tok, cid)
        self.assertEqual(it["priority"], 1)
        self.assertEqual(it["position"], 1)
        self.assertEqual(it["location"], "fort-worth")
        self.assertEqual(self.item(tok, other)["position"], 2)
        flag = it["requests"][-1]
        self.assertEqual((flag["channel"], flag["reason"], flag["priority"],
                          flag["text"]), ("sms", "red_flag", 1, words))
        self.assertEqual(it["requests"][0]["priority"], 0)
        # Staff hear of it at once, as a priority.
        self.assertTrue(self.provider.wait_for(
            lambda: any(b.startswith("PRIORITY: Repeat request") and
                        "red flag by text" in b
                        for b in self.oncall_texts(FORT_WORTH_ONCALL))),
            self.oncall_texts(FORT_WORTH_ONCALL))
        # A later ordinary request never lowers it.
        self.text_callback()
        self.phone_callback(CALLER, location="fort-worth", language="en")
        it = self.item(tok, cid)
        self.assertEqual(it["priority"], 1)
        self.assertEqual(it["position"], 1)
        self.assertEqual(len(it["requests"]), 4)
        self.assertEqual([q["priority"] for q in it["requests"]], [0, 1, 0, 0])

    def test_done_then_a_new_request_makes_a_new_entry(self):
        self.add_staff("alice")
        tok = self.token("alice")
        cid = self.phone_callback(CALLER, location="fort-worth",
                                  language="en")
        self.assertEqual(self.api("POST", "/api/v1/callbacks/%d/done" % cid, tok,
                                  {"outcome": "reached"}).status, 200)
        self.voicemail(CALLER, "coppell")
        rows = self.entries_of(CALLER)
        self.assertEqual(len(rows), 2, rows)
        self.assertEqual(rows[0], (cid, "done"))
        new = rows[1][0]
        done = self.item(tok, cid)
        self.assertEqual(done["status"], "done")
        self.assertEqual(len(done["requests"]), 1)
        it = self.item(tok, new)
        self.assertEqual((it["status"], it["location"], it["position"]),
                         ("waiting", "coppell", 1))
        self.assertEqual([q["reason"] for q in it["requests"]], ["voicemail"])
        # A new entry is a new notice ("New callback request"), not a repeat.
        self.assertTrue(self.provider.wait_for(
            lambda: any("New callback request #%d" % new in b
                        for b in self.oncall_texts(COPPELL_ONCALL))))

    def test_requests_at_once_make_one_entry_and_lose_none(self):
        """Texts from one number arriving together (several store threads
        on PostgreSQL): one entry, every request in it, none refused."""
        import threading
        self.add_staff("alice")
        tok = self.token("alice")
        codes, n = [], 12
        barrier = threading.Barrier(n)

        def go(i):
            barrier.wait()
            codes.append(self.h.sms("CALLBACK", sid="SM%032x" % i).status)

        ts = [threading.Thread(target=go, args=(i,)) for i in range(n)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(codes, [200] * n)
        rows = self.entries_of(CALLER)
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual(len(self.item(tok, rows[0][0])["requests"]), n)


class TestReportMatchesApi(RequestsCase):
    def test_report_counts_entries_and_requests_as_staff_see_them(self):
        self.add_staff("alice")
        tok = self.token("alice")
        # Fort Worth callback then a Coppell voicemail: one entry, two.
        self.phone_callback(CALLER, location="fort-worth", language="en")
        self.voicemail(CALLER, "coppell")
        # A text callback then a red flag by text: shared, two.
        self.text_callback(frm=OTHER)
        self.h.sms("I fell and my legs feel weak", frm=OTHER)
        # Done, then asked again: two entries of one request each.
        b = "+18175550192"
        first = self.phone_callback(b, location="allen", language="en")
        self.api("POST", "/api/v1/callbacks/%d/done" % first, tok,
                 {"outcome": "reached"})
        self.phone_callback(b, location="allen", language="en")

        items = self.items(tok, "?status=all")
        self.assertEqual(len(items), 4)
        p = self.cli("report", "--json", "--since", "all")
        self.assertEqual(p.returncode, 0, p.stderr)
        sec = {s["name"]: s for s in json.loads(p.stdout)["sections"]}
        cols = sec["callbacks"]["columns"]
        rows = {r[0]: dict(zip(cols, r)) for r in sec["callbacks"]["rows"]}
        want = {}
        for it in items:
            loc = it["location"] or "(shared)"
            w = want.setdefault(loc, {"requested": 0, "requests": 0,
                                      "open": 0, "reached": 0})
            w["requested"] += 1
            w["requests"] += len(it["requests"])
            w["open"] += it["status"] in ("waiting", "claimed")
            w["reached"] += it["status"] == "done"
        self.assertEqual(set(rows), set(want))
        for loc, w in want.items():
            for k, v in w.items():
                self.assertEqual(rows[loc][k], v, (loc, k, rows[loc]))
        self.assertEqual(rows["fort-worth"]["requests"], 2)
        self.assertEqual(rows["(shared)"]["requests"], 2)
        self.assertEqual(rows["allen"]["requested"], 2)

        # By the location each request named: the same requests.
        cols = sec["callback_requests"]["columns"]
        named = {}
        for r in sec["callback_requests"]["rows"]:
            r = dict(zip(cols, r))
            named[(r["location"], r["channel"], r["reason"])] = r["requests"]
        api = {}
        for it in items:
            for q in it["requests"]:
                k = (q["location"] or "(none)", q["channel"], q["reason"])
                api[k] = api.get(k, 0) + 1
        self.assertEqual(named, api)
        self.assertEqual(named[("coppell", "voicemail", "voicemail")], 1)
        self.assertEqual(named[("(none)", "sms", "red_flag")], 1)
        # No phone number or words in it.
        self.assertNotIn("555", p.stdout.replace("5550100", ""))
        self.assertNotIn("legs", p.stdout)
        # /metrics carries the requests per queue.
        body = self.h.get("/metrics").text
        self.assertRegex(body, r'hotline_report_callback_requests\{location="fort-worth"\} 2\b')


class TestMigration(RequestsCase):
    def test_entries_from_before_the_requests_table_get_their_request(self):
        """A store from before requests were kept: each entry becomes one
        request from what the entry held, on both stores."""
        self.add_staff("alice")
        tok = self.token("alice")
        a = self.phone_callback(CALLER, location="fort-worth", language="es")
        self.voicemail(OTHER, "coppell", rec_id="2" * 32)
        self.h.sms("my legs are numb and I lost bladder control",
                   frm="+18175550193")
        m = re.search(r"applied migration (\d+) \(callback requests\)",
                      self.h.log())
        self.assertIsNotNone(m, "no migration line in the log")
        self.h.stop()
        # Back to the schema before the migration.
        store_rows(self.h.store, "DROP TABLE callback_requests")
        store_rows(self.h.store, "DELETE FROM schema_migrations WHERE "
                   "version = ?", (int(m.group(1)),))
        self.h.start()
        items = {i["phone"]: i for i in self.items(tok)}
        self.assertEqual(len(items), 3)
        for it in items.values():
            self.assertEqual(len(it["requests"]), 1, it)
            q = it["requests"][0]
            self.assertEqual(q["at"], it["created_at"])
            self.assertEqual(q["channel"], it["source"])
            self.assertEqual((q["location"], q["topic"], q["language"],
                              q["priority"], q["recording_url"]),
                             (it["location"], it["topic"], it["language"],
                              it["priority"], it["recording_url"]))
        self.assertEqual(items[CALLER]["requests"][0]["reason"], "callback")
        self.assertEqual(items[CALLER]["id"], a)
        self.assertEqual(items[OTHER]["requests"][0]["reason"], "voicemail")
        self.assertEqual(items["+18175550193"]["requests"][0]["reason"],
                         "red_flag")
        # And the migrated entries take new requests as any other.
        self.voicemail(CALLER, "coppell")
        self.assertEqual(len(self.item(tok, a)["requests"]), 2)


if __name__ == "__main__":
    import unittest
    unittest.main()
