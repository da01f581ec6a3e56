"""`hotline report` in the clinic's time zone: days are the clinic's days
(a Texas evening is not the next day), --since takes a local date, the
funnel's numbers agree with each other, and figures are rounded."""
import datetime
import json
import os
import re
import subprocess
from zoneinfo import ZoneInfo

from harness import HOTLINE, HotlineTestCase


class TestReport(HotlineTestCase):
    def report(self, *args):
        p = subprocess.run([HOTLINE, "--config", self.h.config, "report"] +
                           list(args), env=self.h.env, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def sections(self, *args):
        out = self.report("--json", *args)
        rep = json.loads(out)
        return out, rep, {s["name"]: s for s in rep["sections"]}

    def at(self, when):
        """Move the one clock to `when` (local ISO time) and restart."""
        self.h.stop()
        self.h.set_clock(when)
        self.h.start()

    def call(self, keys=(), duration=60, status="completed"):
        """A call through the real webhooks: each key at the menu it is
        asked in, then the provider's final status."""
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
            params, CallStatus=status, CallDuration=str(duration)))
        self.assertEqual(r.status, 200, r.text)

    def test_texas_evening_is_that_day(self):
        # 21:30 in Texas is 03:30 the next day in UTC.
        self.at("2026-12-01T21:30:00-06:00")
        self.call(duration=30)
        self.assertEqual(self.h.sms("STRETCH").status, 200)
        self.at("2026-12-02T09:00:00-06:00")
        self.call(duration=90)
        _, rep, sec = self.sections("--since", "all")
        self.assertEqual(rep["timezone"], "America/Chicago")
        self.assertIn("America/Chicago", sec["daily"]["title"])
        days = {row[0]: row for row in sec["daily"]["rows"]}
        self.assertEqual(sorted(days), ["2026-12-01", "2026-12-02"])
        self.assertEqual(days["2026-12-01"][1], 1)
        self.assertEqual(days["2026-12-01"][3], 1)    # the text in
        self.assertEqual(days["2026-12-02"][1], 1)
        self.assertEqual(days["2026-12-02"][2], 90)
        text = self.report("--since", "2026-12-01")
        self.assertIn("since 2026-12-01 (America/Chicago)", text)

    def test_since_is_a_local_date(self):
        self.at("2026-12-01T21:30:00-06:00")
        self.call()
        # Local midnight of the 2nd is after the call (its UTC date is
        # the 2nd already); local midnight of the 1st is before it.
        _, _, sec = self.sections("--since", "2026-12-02")
        self.assertEqual(sec["daily"]["rows"], [])
        self.assertEqual(sec["funnel"]["rows"], [])
        _, _, sec = self.sections("--since", "2026-12-01")
        self.assertEqual([r[0] for r in sec["daily"]["rows"]],
                         ["2026-12-01"])
        # The default: the last thirty local days, today included.
        _, rep, sec = self.sections()
        self.assertEqual(len(sec["daily"]["rows"]), 1)
        zone = ZoneInfo("America/Chicago")
        today = datetime.datetime.fromtimestamp(self.h.now(), zone).date()
        first = today - datetime.timedelta(days=29)
        self.assertEqual(rep["since"], datetime.datetime(
            first.year, first.month, first.day, tzinfo=zone).timestamp())

    def test_bad_since(self):
        for bad in ("yesterday", "2026-13-01", "12/01/2026", "2026-12-01x"):
            p = subprocess.run([HOTLINE, "--config", self.h.config, "report",
                                "--since", bad], env=self.h.env,
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 2, bad)
            self.assertIn("YYYY-MM-DD", p.stderr)

    def test_funnel_numbers_agree(self):
        # Two callers hang up during the welcome, one presses 1 and
        # hangs up in the prevention tips, one presses a key the menu
        # does not have and then hangs up at the main menu again.
        self.call()
        self.call()
        self.call(["1"])
        self.call(["8"])
        _, _, sec = self.sections("--since", "all")
        cols = sec["funnel"]["columns"]
        self.assertEqual(cols[:4], ["node", "visits", "callers",
                                    "hung_up_here"])
        rows = {r[0]: r for r in sec["funnel"]["rows"]}
        for node, visits, callers, hung_up, pct in rows.values():
            self.assertLessEqual(hung_up, callers, node)
            self.assertLessEqual(callers, visits, node)
            self.assertLessEqual(pct, 100.0, node)
        # Every call ended somewhere, once.
        self.assertEqual(sum(r[3] for r in rows.values()), 4)
        main = rows["main"]
        self.assertEqual(main[2], 4)          # every caller heard it
        self.assertEqual(main[3], 3)          # three hung up there
        self.assertEqual(main[1], 5)          # 2 answers + 3 ends
        self.assertEqual(main[4], 100.0)
        self.assertEqual(sum(1 for r in rows.values() if r[3] == 1 and
                             r[0] != "main"), 1)

    def test_figures_are_rounded(self):
        # 588 seconds over 5 calls is 117.6 s; 1 of 3 calls is 33.3 %.
        for d in (117, 117, 118, 118, 118):
            self.call(duration=d)
        out, _, sec = self.sections("--since", "all")
        self.assertEqual(sec["daily"]["rows"][0][2], 117.6)
        self.assertIsNone(re.search(r"\d\.\d{2,}", out), out)
        self.assertIn(",117.6,", self.report("--csv", "--since", "all"))
        self.assertIn(" 117.6 ", self.report("--since", "all"))
        for d in (1, 2):
            self.call(["1"], duration=d)
        out, _, sec = self.sections("--since", "all")
        self.assertIsNone(re.search(r"\d\.\d{2,}", out), out)
        rows = {r[0]: r for r in sec["funnel"]["rows"]}
        self.assertEqual(rows["main"][4], 100.0)
        prevention = [r for r in sec["funnel"]["rows"] if r[0] != "main"]
        self.assertEqual(prevention[0][4], 28.6)  # 2 of 7
