"""The queue's filters and search, as the dashboard and a phone use them:
GET /api/v1/callbacks?location=&status=&topic=&from=&to=&q= -- q is the
last digits of the number; from/to are days on the location's clock (or
times with their offset); bad values get 400 with a reason."""
import datetime
import urllib.parse

from test_staff import StaffTestCase

A, B, C = "+18175550171", "+19725550182", "+18175550193"


class TestQueueFilters(StaffTestCase):
    def ids(self, tok, **q):
        items = self.items(tok, "?" + urllib.parse.urlencode(
            dict(q, status=q.get("status", "all"))))
        return sorted(it["id"] for it in items)

    def test_filters_and_search(self):
        self.add_staff("alice")
        tok = self.token("alice")
        a = self.phone_callback(A, location="fort-worth", language="en")
        b = self.phone_callback(B, location="allen", stretches=False,
                                language="en")
        self.text_callback(frm=C)
        c = [it["id"] for it in self.items(tok) if it["phone"] == C][0]
        everyone = sorted([a, b, c])
        self.assertEqual(self.ids(tok), everyone)

        # The last digits of the number; separators are ignored.
        self.assertEqual(self.ids(tok, q="0171"), [a])
        self.assertEqual(self.ids(tok, q="55-0182"), [b])
        self.assertEqual(self.ids(tok, q="93"), [c])
        self.assertEqual(self.ids(tok, q="9999"), [])
        # Digits in the middle are not the end of the number.
        self.assertEqual(self.ids(tok, q="5550"), [])

        # Topic: the entry's (or a request's).
        topics = {it["id"]: it["topic"] for it in self.items(tok)}
        self.assertEqual(topics[a], "stretches")
        self.assertEqual(self.ids(tok, topic="stretches"), [a])
        self.assertNotIn(a, self.ids(tok, topic=topics[c]))
        self.assertIn(c, self.ids(tok, topic=topics[c]))

        # Location and status with the rest.
        self.assertEqual(self.ids(tok, location="allen"), [b])
        self.assertEqual(self.ids(tok, location="fort-worth", q="0171"), [a])
        self.assertEqual(self.ids(tok, location="allen", q="0171"), [])
        r = self.api("POST", "/api/v1/callbacks/%d/claim" % a, tok)
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(self.ids(tok, status="claimed"), [a])
        self.assertEqual(self.ids(tok, status="waiting", q="0171"), [])

        # Dates on the clinic's clock (the test clock is pinned to a
        # morning in Chicago).
        today = datetime.datetime.fromtimestamp(
            self.h.now(), datetime.timezone(datetime.timedelta(hours=-6)))
        d = today.date()
        day = datetime.timedelta(days=1)
        self.assertEqual(self.ids(tok, **{"from": d.isoformat()}), everyone)
        self.assertEqual(self.ids(tok, to=d.isoformat()), everyone)
        self.assertEqual(self.ids(tok, **{"from": (d + day).isoformat()}), [])
        self.assertEqual(self.ids(tok, to=(d - day).isoformat()), [])
        self.assertEqual(self.ids(tok, **{"from": (d - day).isoformat(),
                                          "to": d.isoformat(), "q": "0182"}),
                         [b])
        # An exact time with its offset.
        later = (today + datetime.timedelta(hours=1)).isoformat(
            timespec="seconds")
        self.assertEqual(self.ids(tok, **{"from": later}), [])
        self.assertEqual(self.ids(tok, to=later), everyone)

        # Bad input: a clear 400, nothing listed.
        for q in ({"q": "abc"}, {"q": "1"}, {"q": "1" * 16},
                  {"topic": "nope"}, {"from": "yesterday"},
                  {"to": "2026-13-01"},
                  {"from": d.isoformat(), "to": (d - day).isoformat()}):
            r = self.api("GET", "/api/v1/callbacks?" +
                         urllib.parse.urlencode(q), tok)
            self.assertEqual(r.status, 400, q)
            self.assertTrue(r.text.strip(), q)


if __name__ == "__main__":
    import unittest
    unittest.main()
