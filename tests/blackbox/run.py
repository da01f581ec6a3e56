"""Run every black-box test module (test_*.py here) and print
'blackbox: N passed, N failed'.  Exit 1 when anything failed.

HOTLINE_TEST_SHARD=I/N runs every Nth test starting with the Ith (0-based),
so that one suite can run as N processes side by side; every test starts
its own hotlined, so any split is valid."""
import os
import sys
import unittest

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)


class Result(unittest.TextTestResult):
    pass


def flatten(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from flatten(t)
        else:
            yield t


def main():
    pattern = sys.argv[1] if len(sys.argv) > 1 else "test_*.py"
    suite = unittest.defaultTestLoader.discover(here, pattern=pattern)
    shard = os.environ.get("HOTLINE_TEST_SHARD")
    if shard:
        i, n = (int(x) for x in shard.split("/"))
        if not 0 <= i < n:
            sys.exit("HOTLINE_TEST_SHARD=%s: want I/N with 0 <= I < N" % shard)
        suite = unittest.TestSuite(
            t for k, t in enumerate(flatten(suite)) if k % n == i)
    runner = unittest.TextTestRunner(verbosity=2, resultclass=Result)
    r = runner.run(suite)
    failed = len(r.failures) + len(r.errors) + len(r.unexpectedSuccesses)
    passed = r.testsRun - failed - len(r.skipped)
    print("blackbox: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
