"""Several hotlined instances on one PostgreSQL behind nginx, on loopback.

Used by tests/multi/test_multi.py and bench/multi-instance.  Everything is
started here and stopped by close(): a throwaway PostgreSQL server
(tests/pg-server), N hotlined processes sharing its database, and nginx
with its own configuration, pid file, logs and temporary folders,
balancing round robin and passing the original Host.  Nothing here reaches
past 127.0.0.1.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "blackbox"))

from harness import (CONFIG, DEFAULT_CLOCK, HOTLINE, TOP_SRCDIR,  # noqa: E402
                     Hotlined, clock_read, free_port, http)

PG_SERVER = os.path.join(TOP_SRCDIR, "tests", "pg-server")


def nginx_binary():
    for p in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if p and os.access(p, os.X_OK):
            return p
    return None


def copy_config(workdir, changes=None):
    """The shipped configuration in workdir/config, with `key: value` lines
    replaced as changes asks ({"send_rate": "50"}); prompts and the
    dashboard are linked beside it, as the service looks for them."""
    src = os.path.dirname(CONFIG)
    dst = os.path.join(workdir, "config")
    shutil.copytree(src, dst)
    for d in ("prompts", "web"):
        os.symlink(os.path.join(TOP_SRCDIR, d), os.path.join(workdir, d))
    path = os.path.join(dst, "hotline.yaml")
    with open(path) as f:
        lines = f.read().split("\n")
    for key, value in (changes or {}).items():
        for i, line in enumerate(lines):
            stripped = line.lstrip()
            if stripped.startswith(key + ":"):
                indent = line[:len(line) - len(stripped)]
                lines[i] = "%s%s: %s" % (indent, key, value)
                break
        else:
            raise ValueError("hotline.yaml has no '%s:' line" % key)
    with open(path, "w") as f:
        f.write("\n".join(lines))
    return path


class PgServer:
    """tests/pg-server, started and stopped."""

    def __init__(self, workdir, durable=False):
        self.dir = os.path.join(workdir, "pg")
        env = dict(os.environ)
        if durable:
            env["PG_SERVER_DURABLE"] = "1"
        p = subprocess.run([PG_SERVER, "start", self.dir], env=env,
                           capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise RuntimeError("pg-server: %s" % p.stderr.strip())
        self.url = p.stdout.strip().splitlines()[-1]
        u = urllib.parse.urlsplit(self.url)
        # The superuser, for what only it may do (ALTER ROLE, terminate).
        self.admin_url = urllib.parse.urlunsplit(
            (u.scheme, "postgres@%s:%d" % (u.hostname, u.port), u.path,
             "", ""))

    def psql(self, sql, admin=False):
        p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v",
                            "ON_ERROR_STOP=1", "-d",
                            self.admin_url if admin else self.url, "-c", sql],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError("psql: %s" % p.stderr.strip())
        return p.stdout.strip()

    def close(self):
        subprocess.run([PG_SERVER, "stop", self.dir], capture_output=True,
                       timeout=120)


class Nginx:
    """nginx in the foreground with a configuration of its own: round robin
    over the upstreams, the original Host passed on, and the upstream that
    answered named in an X-Upstream header (so tests can see alternation)."""

    def __init__(self, workdir, upstreams):
        self.dir = os.path.join(workdir, "nginx")
        os.makedirs(self.dir)
        os.chmod(self.dir, 0o755)
        for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.makedirs(os.path.join(self.dir, d))
            os.chmod(os.path.join(self.dir, d), 0o777)
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.conf = os.path.join(self.dir, "nginx.conf")
        self.error_log = os.path.join(self.dir, "error.log")
        self.proc = None
        self.write(upstreams)

    def write(self, upstreams):
        servers = "".join("        server 127.0.0.1:%d;\n" % p
                          for p in upstreams)
        d = self.dir
        with open(self.conf, "w") as f:
            f.write("""daemon off;
worker_processes 1;
pid %(d)s/nginx.pid;
error_log %(d)s/error.log warn;
events { worker_connections 1024; }
http {
    access_log %(d)s/access.log;
    client_body_temp_path %(d)s/body;
    proxy_temp_path %(d)s/proxy;
    fastcgi_temp_path %(d)s/fastcgi;
    uwsgi_temp_path %(d)s/uwsgi;
    scgi_temp_path %(d)s/scgi;
    upstream hotline {
%(servers)s        keepalive 32;
    }
    server {
        listen 127.0.0.1:%(port)d;
        client_max_body_size 1m;
        location / {
            proxy_pass http://hotline;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # Webhooks are recognised when redelivered, so a request cut
            # off by a dying instance may go to the next one.
            proxy_next_upstream error timeout non_idempotent;
            proxy_buffering off;
            proxy_read_timeout 60s;
            add_header X-Upstream $upstream_addr always;
        }
    }
}
""" % {"d": d, "servers": servers, "port": self.port})

    def reconfigure(self, upstreams):
        """Balance over other upstreams, on the same port (nginx reloads
        on SIGHUP and retires the old workers gracefully)."""
        self.write(upstreams)
        self.proc.send_signal(signal.SIGHUP)
        want = {"127.0.0.1:%d" % p for p in upstreams}
        seen = set()
        deadline = time.time() + 15
        while time.time() < deadline and seen != want:
            r = http("GET", self.base + "/healthz", timeout=5)
            up = r.headers.get("X-Upstream")
            if up not in want:
                seen = set()
            else:
                seen.add(up)
        if seen != want:
            raise RuntimeError("nginx did not take the new upstreams")

    def start(self):
        self.logf = open(os.path.join(self.dir, "stderr.log"), "ab")
        self.proc = subprocess.Popen(
            [nginx_binary(), "-p", self.dir, "-c", self.conf, "-e",
             self.error_log], stdout=self.logf, stderr=self.logf)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nginx exited: %s" % self.log())
            try:
                http("GET", self.base + "/healthz", timeout=1)
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not come up: %s" % self.log())

    def log(self):
        out = ""
        for name in ("stderr.log", "error.log"):
            try:
                with open(os.path.join(self.dir, name)) as f:
                    out += f.read()
            except OSError:
                pass
        return out

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self.logf.close()
        self.proc = None


class Cluster:
    """N instances on one PostgreSQL behind nginx.  env is given to every
    instance; config_changes to the shared copy of the configuration.
    Only the first `running` instances are started (all by default), and
    nginx balances over those.  Every instance reads one clock: env's
    HOTLINE_CLOCK (default the harness's), anchored here, so a restarted
    instance agrees with the others."""

    def __init__(self, n=3, env=None, config_changes=None, durable=False,
                 nginx=True, running=None):
        self.workdir = tempfile.mkdtemp(prefix="hotline-multi-")
        # PostgreSQL and nginx's workers run as other users when root.
        os.chmod(self.workdir, 0o755)
        self.pg = None
        self.nginx = None
        self.instances = []
        self.clock = None
        try:
            self.config = copy_config(self.workdir, config_changes)
            self.pg = PgServer(self.workdir, durable=durable)
            self.store = self.pg.url
            ports = [free_port() for _ in range(n)]
            running = n if running is None else running
            if nginx:
                self.nginx = Nginx(self.workdir, ports[:running])
                self.public = self.nginx.base
            else:
                self.public = "http://127.0.0.1:%d" % ports[0]
            clock = (env or {}).get("HOTLINE_CLOCK", DEFAULT_CLOCK)
            if clock.startswith("+") and "@" not in clock:
                clock = "%s@%d" % (clock[1:], time.time())
            self.clock = clock
            for i in range(n):
                wd = os.path.join(self.workdir, "i%d" % (i + 1))
                os.makedirs(wd)
                e = {"HOTLINE_PUBLIC_URL": self.public}
                e.update(env or {})
                e["HOTLINE_CLOCK"] = clock
                h = Hotlined(env=e, config=self.config, store=self.store,
                             workdir=wd)
                # Same port on every start: nginx knows it.
                h.port = ports[i]
                h.base = "http://127.0.0.1:%d" % h.port
                h.env["HOTLINE_LISTEN"] = "127.0.0.1:%d" % h.port
                h.env["HOTLINE_PUBLIC_URL"] = self.public
                self.instances.append(h)
            for h in self.instances[:running]:
                h.start()
            if self.nginx is not None:
                self.nginx.start()
        except BaseException:
            self.close()
            raise

    def now(self):
        """The instances' clock, as epoch seconds."""
        return clock_read(self.clock)

    def cli(self, *args, stdin=None):
        """The hotline tool on the shared store."""
        env = dict(self.instances[0].env)
        return subprocess.run([HOTLINE, "--config", self.config] + list(args),
                              input=stdin, capture_output=True, text=True,
                              env=env, timeout=60)

    def close(self):
        if self.nginx is not None:
            self.nginx.stop()
        for h in self.instances:
            h.stop()
        if self.pg is not None:
            self.pg.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
