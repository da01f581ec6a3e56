"""Staff accounts an admin manages from the server: a new password,
disabling or removing an account ends that person's dashboard sessions
and API tokens at once (the next request with the old cookie or token
gets 401); tokens are listed, revoked and may expire; weak passwords are
refused; every change is in the audit log an admin reads."""
import unittest

from test_staff import StaffTestCase

PASSWORD = "lemon-tree-at-dawn"


class AccountTestCase(StaffTestCase):
    def login(self, name, password=PASSWORD):
        """A dashboard login as a browser does it: the session cookie."""
        s = self.h.get("/api/v1/session")
        hdr = {"Cookie": s.headers["Set-Cookie"].split(";")[0],
               "X-CSRF-Token": s.json()["login_csrf"]}
        r = self.api("POST", "/api/v1/login", headers=hdr,
                     body={"username": name, "password": password})
        self.assertEqual(r.status, 200, r.text)
        return {"Cookie": r.headers["Set-Cookie"].split(";")[0]}

    def status(self, token=None, cookie=None, path="/api/v1/callbacks"):
        return self.api("GET", path, token, headers=cookie).status

    def audit(self, admin):
        r = self.api("GET", "/api/v1/audit", admin)
        self.assertEqual(r.status, 200, r.text)
        return r.json()["items"]


class TestRevocation(AccountTestCase):
    def test_passwd_revokes_sessions_and_tokens(self):
        self.add_staff("alice", password=PASSWORD)
        self.add_staff("bob", password=PASSWORD)
        tok, cookie = self.token("alice"), self.login("alice")
        other = self.token("bob")
        self.assertEqual(self.status(tok), 200)
        self.assertEqual(self.status(cookie=cookie), 200)
        p = self.cli("staff", "passwd", "alice", "--password-stdin",
                     stdin="a new and longer phrase\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        # Right after: the old token and the old cookie are refused.
        self.assertEqual(self.status(tok), 401)
        self.assertEqual(self.status(cookie=cookie), 401)
        self.assertEqual(self.status(cookie=cookie, path="/api/v1/session"), 401)
        # Someone else's token still works.
        self.assertEqual(self.status(other), 200)
        # The old password no longer logs in; the new one does.
        s = self.h.get("/api/v1/session")
        hdr = {"Cookie": s.headers["Set-Cookie"].split(";")[0],
               "X-CSRF-Token": s.json()["login_csrf"]}
        self.assertEqual(self.api("POST", "/api/v1/login", headers=hdr,
                                  body={"username": "alice",
                                        "password": PASSWORD}).status, 401)
        cookie = self.login("alice", "a new and longer phrase")
        self.assertEqual(self.status(cookie=cookie), 200)

    def test_disable_enable_remove(self):
        self.add_staff("alice", password=PASSWORD)
        tok, cookie = self.token("alice"), self.login("alice")
        self.assertEqual(self.status(tok), 200)
        p = self.cli("staff", "disable", "alice")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.status(tok), 401)
        self.assertEqual(self.status(cookie=cookie), 401)
        self.assertIn("(disabled)", self.cli("staff", "list").stdout)
        # A disabled account gets no new token and cannot log in.
        p = self.cli("staff", "token", "alice")
        self.assertNotEqual(p.returncode, 0)
        s = self.h.get("/api/v1/session")
        hdr = {"Cookie": s.headers["Set-Cookie"].split(";")[0],
               "X-CSRF-Token": s.json()["login_csrf"]}
        self.assertEqual(self.api("POST", "/api/v1/login", headers=hdr,
                                  body={"username": "alice",
                                        "password": PASSWORD}).status, 401)
        # Enabled again: old credentials stay dead, new ones work.
        self.assertEqual(self.cli("staff", "enable", "alice").returncode, 0)
        self.assertEqual(self.status(tok), 401)
        self.assertEqual(self.status(cookie=cookie), 401)
        tok = self.token("alice")
        self.assertEqual(self.status(tok), 200)
        self.assertEqual(self.cli("staff", "remove", "alice").returncode, 0)
        self.assertEqual(self.status(tok), 401)
        self.assertNotIn("alice", self.cli("staff", "list").stdout)
        self.assertEqual(int(self.h.query("SELECT COUNT(*) FROM staff_tokens "
                                      "WHERE name = 'alice'")[0][0]), 0)
        # Unknown names: a clear error, nothing changed.
        for cmd in ("disable", "enable", "remove"):
            p = self.cli("staff", cmd, "alice")
            self.assertEqual(p.returncode, 1)
            self.assertIn("no staff member 'alice'", p.stderr)
        p = self.cli("staff", "passwd", "nobody", "--password-stdin",
                     stdin="a new and longer phrase\n")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no staff member", p.stderr)


class TestPasswords(AccountTestCase):
    def test_weak_passwords_refused(self):
        for pw in ("short-pw", "password1234", "Password2024!",
                   "qwerty123456", "aaaaaaaaaaaaaaa", "hotline12345678"):
            p = self.cli("staff", "add", "carol", "--password-stdin",
                         stdin=pw + "\n")
            self.assertEqual(p.returncode, 1, pw)
            self.assertIn("password", p.stderr)
        self.assertEqual(int(self.h.query("SELECT COUNT(*) FROM staff")[0][0]), 0)
        self.add_staff("carol", password=PASSWORD)
        tok = self.token("carol")
        p = self.cli("staff", "passwd", "carol", "--password-stdin",
                     stdin="carol\n")
        self.assertEqual(p.returncode, 1)
        self.assertIn("12 characters", p.stderr)
        p = self.cli("staff", "passwd", "carol", "--password-stdin",
                     stdin="letmein12345\n")
        self.assertEqual(p.returncode, 1)
        # Refused: nothing changed, the token still works.
        self.assertEqual(self.status(tok), 200)


class TestTokens(AccountTestCase):
    def test_list_revoke_expire(self):
        self.add_staff("alice", password=PASSWORD)
        self.add_staff("root", password=PASSWORD)
        p = self.cli("staff", "add", "root", "--admin", "--password-stdin",
                     stdin=PASSWORD + "\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        admin = self.token("root")
        keep, gone = self.token("alice"), self.token("alice")
        p = self.cli("staff", "token", "alice", "--expires", "1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("expires", p.stdout)
        short = p.stdout.strip().splitlines()[-1]
        for bad in ("0", "x", "-3", "99999"):
            p = self.cli("staff", "token", "alice", "--expires", bad)
            self.assertEqual(p.returncode, 1, bad)
        p = self.cli("staff", "tokens", "alice")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = p.stdout.strip().splitlines()[1:]
        self.assertEqual(len(rows), 3, p.stdout)
        for t in (keep, gone, short):
            self.assertNotIn(t, p.stdout)
        self.assertEqual(sum("never" in r for r in rows), 2)
        self.assertEqual(len(self.cli("staff", "tokens").stdout.strip()
                             .splitlines()), 5)
        # The id of the token to revoke: the one last used just now.
        self.assertEqual(self.status(gone), 200)
        rows = self.cli("staff", "tokens", "alice").stdout.strip().splitlines()[1:]
        used = [r.split()[0] for r in rows if r.split()[3] != "-"]
        self.assertEqual(len(used), 1, rows)
        p = self.cli("staff", "revoke", used[0])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.status(gone), 401)
        self.assertEqual(self.status(keep), 200)
        p = self.cli("staff", "revoke", used[0])
        self.assertEqual(p.returncode, 1)
        self.assertIn("no token", p.stderr)
        # The expiring token works until its day is over.
        self.assertEqual(self.status(short), 200)
        self.h.advance(86400 + 60)
        self.h.restart()
        self.assertEqual(self.status(short), 401)
        self.assertEqual(self.status(keep), 200)
        p = self.cli("staff", "tokens", "alice")
        self.assertIn("expired", p.stdout)
        # Each change is in the audit log, with who did it.
        acts = [(a["action"], a["subject"]) for a in self.audit(admin)]
        self.assertIn(("token.revoke", "alice"), acts)
        p = self.cli("staff", "disable", "alice")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = self.audit(admin)
        self.assertEqual((rows[0]["action"], rows[0]["subject"]),
                         ("staff.disable", "alice"))
        self.assertTrue(rows[0]["actor"].startswith("cli:"), rows[0])


if __name__ == "__main__":
    unittest.main()
