"""The README's quick start as a newcomer follows it: the run command's
service with no auth token configured, then the try-it commands exactly
as written, from the same folder.  And production, which never runs on a
made-up token."""
import os
import pty
import re
import shlex
import shutil
import stat
import subprocess
import tempfile
import time
import unittest

from harness import (AUTH_TOKEN, DEFAULT_CLOCK, HOTLINE, HOTLINED,
                     TOP_SRCDIR, FakeProvider, _psql, fresh_store, free_port,
                     http, log_leaks, pty_read, store_is_pg,
                     TEST_STORE)

README = os.path.join(TOP_SRCDIR, "README.md")


def readme_blocks(after):
    """The fenced sh blocks following the line that starts with `after`."""
    with open(README) as f:
        text = f.read()
    i = text.index(after)
    return re.findall(r"```sh\n(.*?)```", text[i:], re.S)


def run_command():
    """The service's part of the quick start's first line."""
    first = readme_blocks("## Quick start")[0].splitlines()[0]
    for part in first.split("&&"):
        argv = shlex.split(part.strip())
        if argv and argv[0].endswith("/hotlined"):
            return argv
    raise AssertionError("no hotlined in the run command: " + first)


def try_it_commands():
    """The try-it lines, without their comments."""
    block = readme_blocks("Try it without a phone")[0]
    return [re.sub(r"\s+#\s.*$", "", l).strip()
            for l in block.splitlines() if l.strip()]


class QuickStart(unittest.TestCase):
    """A folder laid out like the source tree (config, prompts, web and the
    two programs under src/), with no data/ yet: the service's working
    directory and the newcomer's."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hotline-quickstart-")
        shutil.copytree(os.path.join(TOP_SRCDIR, "config"),
                        os.path.join(self.dir, "config"))
        for d in ("prompts", "web"):
            os.symlink(os.path.join(TOP_SRCDIR, d), os.path.join(self.dir, d))
        os.mkdir(os.path.join(self.dir, "src"))
        os.symlink(HOTLINED, os.path.join(self.dir, "src", "hotlined"))
        os.symlink(HOTLINE, os.path.join(self.dir, "src", "hotline"))
        self.provider = FakeProvider()
        port = free_port()
        self.base = "http://127.0.0.1:%d" % port
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TWILIO_", "HOTLINE_"))}
        # The shipped configuration's own store (data/hotline.db here),
        # on a free port; nothing leaves loopback.
        env.update({
            "HOTLINE_LISTEN": "127.0.0.1:%d" % port,
            "HOTLINE_PUBLIC_URL": self.base,
            "HOTLINE_PROVIDER_API": self.provider.url,
            "HOTLINE_CLOCK": "%s@%d" % (DEFAULT_CLOCK.lstrip("+"),
                                        time.time()),
        })
        self.store = None
        if store_is_pg():
            self.store = env["HOTLINE_STORE"] = fresh_store(self.dir)
        self.env = env
        self.proc = None
        self.log_path = os.path.join(self.dir, "hotlined.log")

    def tearDown(self):
        self.stop()
        self.provider.close()
        if self.store is not None:
            name = self.store.rsplit("/", 1)[1].split("?")[0]
            try:
                _psql(TEST_STORE, "DROP DATABASE IF EXISTS %s WITH (FORCE)"
                      % name)
            except (RuntimeError, OSError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, argv=None, env=None, wait=True):
        argv = argv or run_command()
        self.logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, cwd=self.dir,
                                     env=dict(self.env, **(env or {})),
                                     stdout=self.logf, stderr=self.logf)
        if not wait:
            return
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("hotlined exited: " + self.log())
            try:
                if http("GET", self.base + "/healthz", timeout=1).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError("hotlined did not come up: " + self.log())

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        self.proc = None

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def token_path(self):
        return os.path.join(self.dir, "data", "dev-auth-token")

    def shell(self, line, env=None):
        return subprocess.run(["bash", "-c", line], cwd=self.dir,
                              env=dict(self.env, **(env or {})),
                              capture_output=True, text=True, timeout=60)

    def interactive(self, line, keys):
        """line on a terminal: each key once the phone waits for one, then
        h to hang up.  Returns (exit status, what the terminal showed)."""
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(self.dir)
            os.execvpe("bash", ["bash", "-c", line], self.env)
        out = b""

        def read_until(pattern, timeout=15):
            nonlocal out
            out = pty_read(fd, pattern, timeout, out)

        for k in keys:
            read_until(rb"h hangs up")
            os.write(fd, k.encode())
            read_until(rb"Digits=" + re.escape(k.encode()))
        os.write(fd, b"h")
        read_until(rb"caller hangs up|ended")
        deadline = time.time() + 15
        status = None
        while time.time() < deadline:
            wpid, st = os.waitpid(pid, os.WNOHANG)
            if wpid == pid:
                status = os.waitstatus_to_exitcode(st)
                break
            read_until(rb"$^", timeout=0.2)
        if status is None:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)
        return status, out.decode("utf-8", "replace")

    def test_try_it_right_after_the_run_command(self):
        self.start()
        self.assertIn("DEVELOPMENT MODE", self.log())
        tok = self.token_path()
        self.assertTrue(os.path.isfile(tok), "no development token")
        self.assertEqual(stat.S_IMODE(os.stat(tok).st_mode), 0o600)
        with open(tok) as f:
            self.assertRegex(f.read(), r"^[0-9a-f]{64}\n$")
        r = http("GET", self.base + "/readyz")
        self.assertEqual(r.status, 200)
        self.assertIn("DEVELOPMENT", r.text)
        self.assertIn("data/dev-auth-token", r.text)

        cmds = try_it_commands()
        self.assertGreaterEqual(len(cmds), 4, cmds)
        for line in cmds:
            with self.subTest(line=line):
                if shlex.split(line) == ["./src/hotline", "call"]:
                    rc, out = self.interactive(line, ["1"])
                    self.assertEqual(rc, 0, out)
                    self.assertIn("Digits=1", out)
                    self.assertIn("[200", out)
                else:
                    p = self.shell(line)
                    out = p.stdout + p.stderr
                    self.assertEqual(p.returncode, 0, out)
                self.assertNotIn("[403", out)
                self.assertNotIn("application error", out)
                if "--script" in line:
                    self.assertIn("say [en-US]", out)
                    self.assertIn("ended", out)
                if " sms " in line:
                    self.assertRegex(out, r"(?m)^< ")
                if "staff add" in line:
                    self.assertIn("saved", out)
        self.assertEqual(log_leaks(self.log()), [])

    def test_token_kept_across_restarts(self):
        self.start()
        with open(self.token_path()) as f:
            first = f.read()
        self.stop()
        self.start()
        with open(self.token_path()) as f:
            self.assertEqual(f.read(), first)
        p = self.shell('./src/hotline call --script "1,2"')
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotIn("[403", p.stdout)

    def test_a_real_token_wins(self):
        self.start(env={"TWILIO_AUTH_TOKEN": AUTH_TOKEN})
        self.assertNotIn("DEVELOPMENT", self.log())
        self.assertFalse(os.path.exists(self.token_path()))
        self.assertNotIn("DEVELOPMENT", http("GET", self.base + "/readyz").text)

    def test_production_refuses_without_a_token(self):
        self.start(env={"HOTLINE_ENV": "production"}, wait=False)
        self.assertEqual(self.proc.wait(15), 1)
        self.assertIn("production needs the provider's auth token",
                      self.log())
        self.assertFalse(os.path.exists(self.token_path()))
        p = self.shell("./src/hotline check-config",
                       env={"HOTLINE_ENV": "production"})
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("TWILIO_AUTH_TOKEN", p.stderr)

    def test_production_never_uses_a_development_token(self):
        self.start()
        self.assertTrue(os.path.exists(self.token_path()))
        self.stop()
        # The same folder, now said to be production in the file.
        path = os.path.join(self.dir, "config", "hotline.yaml")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("environment: development",
                                 "environment: production"))
        self.start(wait=False)
        self.assertEqual(self.proc.wait(15), 1)
        self.stop()
        # With the real token it runs, and the local one signs nothing.
        self.start(env={"TWILIO_AUTH_TOKEN": AUTH_TOKEN})
        p = self.shell('./src/hotline call --script "1"')
        self.assertIn("[403", p.stdout + p.stderr)
        self.stop()
        # Development mode on says otherwise, whatever the file says.
        self.start(env={"HOTLINE_ENV": "development"})
        self.assertIn("DEVELOPMENT MODE", self.log())

    def test_production_refuses_unchecked_signatures(self):
        self.start(env={"HOTLINE_ENV": "production",
                        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                        "HOTLINE_VERIFY_SIGNATURES": "false"}, wait=False)
        self.assertEqual(self.proc.wait(15), 1)
        self.assertIn("verify_signatures", self.log())

    def test_bad_environment_value(self):
        p = self.shell("./src/hotlined --check --config config/hotline.yaml",
                       env={"HOTLINE_ENV": "prod"})
        self.assertEqual(p.returncode, 1)
        self.assertIn("HOTLINE_ENV must be development or production",
                      p.stderr)


if __name__ == "__main__":
    unittest.main()
