"""GET /api/v1/flow/funnel, the numbers on the dashboard's phone tree: how
many callers reached each node and hung up there over a period of the
clinic's days, the same figures as `hotline report`'s funnel; staff only;
bad dates refused."""
import json
import os
import subprocess

from harness import HOTLINE, HotlineTestCase


class TestFlowFunnel(HotlineTestCase):
    def cli(self, *args, stdin=None):
        p = subprocess.run([HOTLINE, "--config", self.h.config] + list(args),
                           input=stdin, capture_output=True, text=True,
                           env=self.h.env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def at(self, when):
        self.h.stop()
        self.h.set_clock(when)
        self.h.start()

    def call(self, keys=()):
        sid = "CA" + os.urandom(16).hex()
        params = self.h.call_params(sid)
        r = self.h.webhook("/voice/incoming", params)
        self.assertEqual(r.status, 200, r.text)
        for k in keys:
            g = r.xml().find(".//Gather")
            self.assertIsNotNone(g, r.text)
            r = self.h.follow(g.get("action"), dict(params, Digits=k))
            self.assertEqual(r.status, 200, r.text)
        r = self.h.webhook("/voice/status", dict(
            params, CallStatus="completed", CallDuration="40"))
        self.assertEqual(r.status, 200, r.text)

    def funnel(self, query="", status=200):
        r = self.h.request("GET", "/api/v1/flow/funnel" + query,
                           headers={"Authorization": "Bearer " + self.token})
        self.assertEqual(r.status, status, r.text)
        return r.json() if status == 200 else r.text

    def test_funnel_over_a_period(self):
        # Two calls on the 1st (a Texas evening: the 2nd in UTC), one on
        # the 3rd.
        self.at("2026-12-01T21:30:00-06:00")
        self.cli("staff", "add", "alice", "--password-stdin", "--locations",
                 "*", stdin="funnel-pass-1234\n")
        self.token = self.cli("staff", "token", "alice").strip() \
            .splitlines()[-1]
        self.call()
        self.call(["1"])
        self.at("2026-12-03T09:00:00-06:00")
        self.call()

        r = self.h.get("/api/v1/flow/funnel")
        self.assertEqual(r.status, 401)

        day1 = self.funnel("?from=2026-12-01&to=2026-12-01")
        self.assertEqual(day1["calls"], 2)
        self.assertEqual(day1["timezone"], "America/Chicago")
        self.assertEqual((day1["from"], day1["to"]),
                         ("2026-12-01", "2026-12-01"))
        nodes = {n["node"]: n for n in day1["nodes"]}
        self.assertEqual(nodes["main"]["callers"], 2)
        self.assertEqual(nodes["main"]["reach_pct"], 100.0)
        self.assertEqual(sum(n["hung_up_here"] for n in day1["nodes"]), 2)
        for n in day1["nodes"]:
            self.assertLessEqual(n["hung_up_here"], n["callers"], n)
            self.assertLessEqual(n["callers"], n["visits"], n)

        self.assertEqual(self.funnel("?from=2026-12-02&to=2026-12-02")
                         ["calls"], 0)
        since3 = self.funnel("?from=2026-12-03")
        self.assertEqual(since3["calls"], 1)
        self.assertEqual(since3["to"], "2026-12-03")     # today
        # The default, thirty days back to today: every call here.
        every = self.funnel()
        self.assertEqual(every["calls"], 3)
        self.assertEqual(every["to"], "2026-12-03")

        # Every node of the menu is listed, those nobody reached with 0.
        zero = [n for n in every["nodes"] if n["visits"] == 0]
        self.assertTrue(zero)
        self.assertEqual(len(every["nodes"]), len(
            {n["node"] for n in every["nodes"]}))
        for n in zero:
            self.assertEqual((n["callers"], n["hung_up_here"]), (0, 0), n)

        # The same numbers as the report's funnel over the same days.
        rep = json.loads(self.cli("report", "--json", "--since",
                                  "2026-12-01"))
        funnel = [s for s in rep["sections"] if s["name"] == "funnel"][0]
        self.assertEqual(
            sorted([n["node"], n["visits"], n["callers"], n["hung_up_here"],
                    n["reach_pct"]] for n in
                   self.funnel("?from=2026-12-01")["nodes"]
                   if n["visits"] > 0),
            sorted(funnel["rows"]))

        for bad in ("?from=yesterday", "?from=2026-13-01", "?to=12/03/2026",
                    "?from=2026-12-03&to=2026-12-01"):
            self.assertIn("400", self.funnel(bad, status=400), bad)
