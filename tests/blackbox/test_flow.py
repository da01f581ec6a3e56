"""The phone tree as a picture: `hotline flow graph` and the dashboard's
/staff/flow page."""
import os
import re
import shutil
import subprocess
import time
import unittest

from harness import CONFIG, HOTLINE, HotlineTestCase
from test_voice import OPEN, Call, Voice, node_ids

HAVE_DOT = shutil.which("dot") is not None


def graph(*args):
    return subprocess.run([HOTLINE, "--config", CONFIG, "flow", "graph"] +
                          list(args), capture_output=True, text=True,
                          timeout=60)


class TestFlowGraph(unittest.TestCase):
    def test_dot_holds_every_node_and_key(self):
        r = graph()
        self.assertEqual(r.returncode, 0, r.stderr)
        dot = r.stdout
        self.assertTrue(dot.startswith("digraph hotline {"), dot[:80])
        for n in node_ids():
            self.assertRegex(dot, r'\n  "%s" \[label="%s\\n' % (n, n))
        # keys and spoken intents on the arrows, generated clinic choices
        self.assertIn('"main" -> "clinics" [label="4 | say: clinics"]', dot)
        self.assertIn('"clinics" -> "location" [label="1 | say: Fort Worth"]',
                      dot)
        self.assertIn('"clinics" -> "zip" [label="5 | say: zip"]', dot)
        # opening hours: connected when open, the choices when closed
        self.assertIn('"location" -> "location: connect" [label="open"', dot)
        self.assertIn('"location" -> "callback" [label="closed: 1 | say: '
                      'callback"]', dot)
        # every action that stays on its node is named (the daily texts'
        # sign-up was read from past the end of the names)
        self.assertIn('"text_menu" -> "text_menu" [label="5 | say: daily: '
                      'daily texts", style=dashed]', dot)

    def test_spanish_words(self):
        r = graph("--lang", "es")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Para Fort Worth, oprima 1.", r.stdout)

    def test_bad_arguments(self):
        self.assertEqual(graph("--format", "png").returncode, 2)
        self.assertEqual(graph("--lang", "fr").returncode, 2)
        r = subprocess.run([HOTLINE, "--config", CONFIG, "flow", "draw"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2)

    @unittest.skipUnless(HAVE_DOT, "Graphviz dot is not installed")
    def test_dot_renders_every_node(self):
        r = graph()
        svg = subprocess.run(["dot", "-Tsvg"], input=r.stdout,
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(svg.returncode, 0, svg.stderr)
        for n in node_ids():
            self.assertIn("<title>%s</title>" % n, svg.stdout)
        r = graph("--format", "svg")
        self.assertEqual(r.returncode, 0, r.stderr)
        for n in node_ids():
            self.assertIn("<title>%s</title>" % n, r.stdout)


class TestDashboardFlow(HotlineTestCase):
    @unittest.skipUnless(HAVE_DOT, "Graphviz dot is not installed")
    def test_page_shows_the_drawing(self):
        # drawn off the loop after start: wait for it
        for _ in range(100):
            r = self.h.get("/staff/flow")
            self.assertEqual(r.status, 200)
            if "<svg" in r.text:
                break
            time.sleep(0.1)
        page = r.text
        self.assertIn("<h1>Phone tree</h1>", page)
        for n in node_ids():
            self.assertIn("<title>%s</title>" % n, page)
        self.assertNotIn("<?xml", page)
        self.assertIn("default-src 'none'",
                      r.headers["Content-Security-Policy"])
        # the dashboard links to it
        self.assertIn('href="/staff/flow"', self.h.get("/staff/").text)


class TestCounts(Voice):
    env = {"HOTLINE_CLOCK": OPEN}

    def test_the_funnel_on_the_graph(self):
        for who in ("+12145550171", "+12145550172"):
            Call(self, who).start().press("4").press("1")
        Call(self, "+12145550173").start().press("2")
        env = dict(self.h.env)
        env.pop("HOTLINE_CONFIG", None)
        r = subprocess.run([HOTLINE, "--config", CONFIG, "flow", "graph",
                            "--counts"], env=env, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        dot = r.stdout
        self.assertRegex(dot, r'\n  "main" \[label="main\\n\(menu\)\\n.*'
                         r'\\n3 callers"\];\n')
        self.assertIn('"main" -> "clinics" [label="4 | say: clinics (2)"]',
                      dot)
        self.assertIn('"main" -> "stretches" [label="2 | say: stretches '
                      '(1)"]', dot)
        self.assertIn('"clinics" -> "location" [label="1 | say: Fort Worth '
                      '(2)"]', dot)
        self.assertIn('"main" -> "callback" [label="5 | say: callback (0)"]',
                      dot)
