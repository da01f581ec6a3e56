"""Appointments: asked for by text (one question at a time, or all in one
text, in English and Spanish), listed for staff in the API, confirmed or
cancelled by staff with a text to the patient, reminded the day before
(after a restart with the clock moved, at a daytime hour), answered with
C / R / STOP, and handed to the scheduling system as a FHIR R4
Appointment that a stand-in server receives once even when the first
attempt fails, validated with FHIR.js (the `fhir` npm package) when it is
installed in tests/fhir."""
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import segments
from harness import CALLER, TOP_SRCDIR, FakeProvider, Hotlined, fresh_store, sms_text, store_rows
from test_staff import OPEN_CLOCK, SmtpSink, ChatSink, StaffTestCase, staff_config

# Tuesday 2026-12-01 10:00 in Texas; the visit: Friday 2026-12-04 09:30.
VISIT = "2026-12-04T09:30:00-06:00"
VISIT_AT = 1796743800 - 4 * 86400  # 2026-12-04 15:30 UTC
# Saturday 2026-12-05 03:00 in Texas: every clinic closed.
NIGHT_CLOCK = "+2026-12-05T03:00:00-06:00"
FHIR_TOKEN = "fhir-test-token"
VALIDATOR = os.path.join(TOP_SRCDIR, "tests", "fhir", "validate.js")


class FhirServer:
    """A stand-in scheduling system: creates Appointments on POST (honouring
    If-None-Exist by identifier), updates them on a conditional PUT, and
    answers the first `fail` requests with 503 and an OperationOutcome."""

    def __init__(self):
        self.requests = []
        self.created = {}
        self.fail = 0
        self.lock = threading.Lock()
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                outer.handle(self)

            def do_PUT(self):
                outer.handle(self)

            def send(self, code, obj):
                data = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d/fhir" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def handle(self, h):
        n = int(h.headers.get("Content-Length", "0"))
        body = json.loads(h.rfile.read(n) or b"null")
        req = {"method": h.command, "path": h.path,
               "headers": dict(h.headers), "body": body}
        with self.lock:
            self.requests.append(req)
            if self.fail > 0:
                self.fail -= 1
                h.send(503, {"resourceType": "OperationOutcome", "issue": [
                    {"severity": "error", "code": "transient",
                     "diagnostics": "try again"}]})
                return
            ident = body["identifier"][0]["value"]
            if h.command == "POST":
                if ident in self.created:
                    h.send(200, self.created[ident])
                    return
                body = dict(body, id="srv-%s" % ident)
                self.created[ident] = body
                h.send(201, body)
            else:
                body = dict(body, id="srv-%s" % ident)
                self.created[ident] = body
                h.send(200, body)

    def of(self, method):
        with self.lock:
            return [r for r in self.requests if r["method"] == method]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def validate(resources):
    """FHIR.js's verdict on each resource, or None without the package."""
    if shutil.which("node") is None or not os.path.isdir(
            os.path.join(TOP_SRCDIR, "tests", "fhir", "node_modules", "fhir")):
        return None
    p = subprocess.run(["node", VALIDATOR], input=json.dumps(resources),
                       capture_output=True, text=True, timeout=120)
    return p.returncode, [json.loads(l) for l in p.stdout.splitlines()]


class AppointmentCase(StaffTestCase):
    clock = OPEN_CLOCK

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="hotline-appt-")
        self.provider = FakeProvider()
        self.smtp = SmtpSink()
        self.chat = ChatSink()
        self.fhir = FhirServer()
        self.h = Hotlined(
            config=staff_config(self.workdir), store=fresh_store(self.workdir),
            workdir=self.workdir,
            env={"HOTLINE_PROVIDER_API": self.provider.url,
                 "HOTLINE_CLOCK": self.clock,
                 "HOTLINE_FHIR_URL": self.fhir.url,
                 "HOTLINE_FHIR_TOKEN": FHIR_TOKEN})
        self.h.start()
        self.provider.clock = self.h.now
        self.add_staff("alice")
        self.tok = self.token("alice")

    def tearDown(self):
        super().tearDown()
        self.fhir.close()

    def text(self, body, frm=CALLER):
        r = self.h.sms(body, frm=frm)
        self.assertEqual(r.status, 200, r.text)
        out = sms_text(r)
        for t in out:
            enc, units, segs = segments.count(t)
            lang = "es" if enc == "UCS-2" else "en"
            self.assertLessEqual(segs, segments.limit(enc, lang), t)
        return out

    def items(self, query=""):
        r = self.api("GET", "/api/v1/appointments" + query, self.tok)
        self.assertEqual(r.status, 200, r.text)
        return r.json()["items"]

    def sent_to(self, phone=CALLER):
        return [m["form"]["Body"] for m in self.provider.messages()
                if m["form"].get("To") == phone]

    def ask_in_steps(self, frm=CALLER):
        out = self.text("APPOINTMENT", frm)
        self.assertEqual(len(out), 1, out)
        self.assertIn("Which clinic", out[0])
        self.assertIn("2 Allen", out[0])
        self.assertIn("Sorry", self.text("the moon", frm)[0])
        self.assertIn("new", self.text("2", frm)[0])
        self.assertIn("days", self.text("new", frm)[0])
        self.assertIn("what is the visit for", self.text("Tuesday morning", frm)[0])
        return self.text("knee pain after running", frm)

    def confirm(self, aid, start=VISIT, location="allen"):
        return self.api("POST", "/api/v1/appointments/%d/confirm" % aid,
                        self.tok, {"start": start, "location": location})


class TestAskByText(AppointmentCase):
    def test_in_steps_in_english_reaches_the_api(self):
        out = self.ask_in_steps()
        self.assertEqual(len(out), 1, out)
        self.assertIn("we got your appointment request", out[0])
        self.assertIn("today while we are open", out[0])
        items = self.items()
        self.assertEqual(len(items), 1, items)
        it = items[0]
        for k in ("id", "phone", "location", "new_patient", "preferred",
                  "reason", "language", "status", "created_at"):
            self.assertIn(k, it)
        self.assertEqual(it["phone"], CALLER)
        self.assertEqual(it["location"], "allen")
        self.assertIs(it["new_patient"], True)
        self.assertEqual(it["preferred"], "Tuesday morning")
        self.assertEqual(it["reason"], "knee pain after running")
        self.assertEqual(it["language"], "en")
        self.assertEqual(it["status"], "requested")
        # The conversation is over (and five replies a minute is the
        # throttle's share, so the store says so).
        rows = store_rows(self.h.store, "SELECT COUNT(*) FROM appointment_convos")
        self.assertEqual(rows[0][0], 0)
        self.assertNotIn("knee pain", self.h.log())
        # Live in the dashboard and in the person view.
        page = self.h.request("GET", "/staff/")
        self.assertIn("appointments.js", page.text)
        js = self.h.request("GET", "/staff/appointments.js")
        self.assertEqual(js.status, 200)
        self.assertIn("/api/v1/appointments", js.text)
        r = self.api("GET", "/api/v1/people/" + urllib.parse.quote(CALLER), self.tok)
        self.assertEqual(r.status, 200, r.text)
        ev = [e for e in r.json()["events"] if e["kind"] == "appointment"]
        self.assertEqual(len(ev), 1, r.json()["events"])
        self.assertEqual(ev[0]["reason"], "knee pain after running")

    def test_one_text_in_spanish(self):
        out = self.text("CITA Allen, martes en la mañana, dolor de rodilla al correr")
        self.assertEqual(len(out), 1, out)
        self.assertIn("recibimos su solicitud de cita", out[0])
        it = self.items()[0]
        self.assertEqual(it["language"], "es")
        self.assertEqual(it["location"], "allen")
        self.assertEqual(it["preferred"], "martes en la mañana")
        self.assertEqual(it["reason"], "dolor de rodilla al correr")
        self.assertIsNone(it["new_patient"])

    def test_skips_and_a_zip_code(self):
        self.text("book")
        self.text("75013")           # Allen's ZIP
        self.text("skip")
        self.text("SKIP")
        out = self.text("skip")
        self.assertIn("we got your appointment request", out[0])
        it = self.items()[0]
        self.assertEqual(it["location"], "allen")
        self.assertIsNone(it["preferred"])
        self.assertIsNone(it["reason"])

    def test_stop_ends_the_conversation_and_wins(self):
        self.text("APPOINTMENT")
        out = self.text("STOP")
        self.assertIn("unsubscribed", out[0])
        self.assertEqual(self.text("2"), [])
        self.assertEqual(self.items(), [])
        rows = store_rows(self.h.store, "SELECT COUNT(*) FROM appointment_convos")
        self.assertEqual(rows[0][0], 0)

    def test_the_conversation_ends_after_a_day(self):
        self.text("APPOINTMENT")
        self.h.advance(86400 + 60)
        self.h.restart()
        out = self.text("2")
        self.assertNotIn("new to our clinics", out[0])
        self.assertEqual(self.items(), [])


class TestAskByTextAtNight(AppointmentCase):
    clock = NIGHT_CLOCK

    def test_honest_about_the_hour(self):
        out = self.text("BOOK Garland, any weekday afternoon, lower back pain")
        self.assertIn("We're closed now", out[0])
        self.assertIn("after we open", out[0])
        self.assertNotIn("today", out[0])


class TestStaff(AppointmentCase):
    def request(self):
        self.text("BOOK Allen, Tuesday morning, knee pain after running")
        return self.items()[0]["id"]

    def test_confirm_texts_the_patient_and_reminds_the_day_before(self):
        aid = self.request()
        r = self.confirm(aid)
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json()["status"], "confirmed")
        self.assertTrue(self.provider.wait_for(lambda: any(
            "Your appointment" in b for b in self.sent_to())))
        body = [b for b in self.sent_to() if "Your appointment" in b][0]
        self.assertIn("Friday, December 4 at 9:30 AM", body)
        self.assertIn("Allen", body)
        self.assertIn("photo ID", body)
        enc, _, segs = segments.count(body)
        self.assertLessEqual(segs, segments.limit(enc, "en"))
        self.assertEqual(self.items("?status=confirmed")[0]["id"], aid)
        # No reminder yet: it waits for the day before.
        time.sleep(1)
        self.assertEqual([b for b in self.sent_to() if "Reminder" in b], [])

        # The service stops; it starts again the day before, a minute
        # after the reminder's time: the row waited in the store.
        self.h.stop()
        self.h.set_clock(VISIT_AT - 86400 + 60)
        self.h.start()
        self.provider.clock = self.h.now
        self.assertTrue(self.provider.wait_for(lambda: any(
            "Reminder" in b for b in self.sent_to())))
        rem = [m for m in self.provider.messages()
               if "Reminder" in m["form"]["Body"]]
        self.assertEqual(len(rem), 1)
        self.assertIn("tomorrow", rem[0]["form"]["Body"])
        # Sent in the daytime in Texas (not in quiet hours): 9:31 AM.
        local = time.gmtime(rem[0]["at"] - 6 * 3600)
        self.assertTrue(8 <= local.tm_hour < 21, local)

        out = self.text("C")
        self.assertIn("you're confirmed", out[0])
        self.assertEqual(self.items()[0]["status"], "patient_confirmed")

        # hotline report: per clinic and channel, confirmed, reminded.
        p = self.cli("report", "--json", "--since", "2026-11-30")
        self.assertEqual(p.returncode, 0, p.stderr)
        sec = {x["name"]: x for x in json.loads(p.stdout)["sections"]}
        ap = sec["appointments"]
        row = dict(zip(ap["columns"], ap["rows"][0]))
        self.assertEqual((row["location"], row["channel"], row["requests"],
                          row["confirmed"], row["reminders_sent"],
                          row["confirmed_by_patient"]),
                         ("allen", "sms", 1, 1, 1, 1))
        self.assertIsNotNone(row["avg_hours_to_confirm"])

    def test_the_reminder_waits_out_quiet_hours(self):
        # A 7:30 visit: a day before is 7:30, still quiet until 8:00.
        aid = self.request()
        early = VISIT_AT - 2 * 3600
        self.assertEqual(self.confirm(aid, "2026-12-04T07:30:00-06:00").status, 200)
        self.h.stop()
        self.h.set_clock(early - 86400 + 60)
        self.h.start()
        time.sleep(2)
        self.assertEqual([b for b in self.sent_to() if "Reminder" in b], [])
        self.h.stop()
        self.h.set_clock(early - 86400 + 1800 + 60)
        self.h.start()
        self.assertTrue(self.provider.wait_for(lambda: any(
            "Reminder" in b for b in self.sent_to())))
        self.assertIn("7:30 AM", [b for b in self.sent_to() if "Reminder" in b][0])

    def test_r_goes_back_to_staff_with_their_words(self):
        aid = self.request()
        self.assertEqual(self.confirm(aid).status, 200)
        # Before the reminder, R is not about it.
        self.assertNotIn("new time", self.text("R")[0])
        self.h.stop()
        self.h.set_clock(VISIT_AT - 86400 + 60)
        self.h.start()
        self.assertTrue(self.provider.wait_for(lambda: any(
            "Reminder" in b for b in self.sent_to())))
        out = self.text("R can we do Thursday afternoon")
        self.assertIn("new time", out[0])
        it = self.items("?status=open")[0]
        self.assertEqual(it["status"], "reschedule")
        r = self.api("GET", "/api/v1/appointments?status=reschedule", self.tok)
        self.assertEqual(r.json()["items"][0]["note"],
                         "R can we do Thursday afternoon")

    def test_stop_after_the_reminder_is_an_opt_out(self):
        aid = self.request()
        self.assertEqual(self.confirm(aid).status, 200)
        self.h.stop()
        self.h.set_clock(VISIT_AT - 86400 + 60)
        self.h.start()
        self.assertTrue(self.provider.wait_for(lambda: any(
            "Reminder" in b for b in self.sent_to())))
        self.assertIn("unsubscribed", self.text("STOP")[0])
        self.assertEqual(self.items()[0]["status"], "confirmed")

    def test_cancel_texts_the_reason_and_no_reminder_follows(self):
        aid = self.request()
        self.assertEqual(self.confirm(aid).status, 200)
        r = self.api("POST", "/api/v1/appointments/%d/cancel" % aid, self.tok,
                     {"reason": "the clinic is closed that day for repairs"})
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json()["status"], "cancelled")
        self.assertTrue(self.provider.wait_for(lambda: any(
            "closed that day for repairs" in b for b in self.sent_to())))
        self.h.stop()
        self.h.set_clock(VISIT_AT - 86400 + 60)
        self.h.start()
        time.sleep(2)
        self.assertEqual([b for b in self.sent_to() if "Reminder" in b], [])
        # Cancelled is final.
        self.assertEqual(self.confirm(aid).status, 409)

    def test_opted_out_gets_no_reminder(self):
        aid = self.request()
        self.assertEqual(self.confirm(aid).status, 200)
        self.text("STOP")
        self.h.stop()
        self.h.set_clock(VISIT_AT - 86400 + 60)
        self.h.start()
        time.sleep(2)
        self.assertEqual([b for b in self.sent_to() if "Reminder" in b], [])

    def test_no_show_gets_one_follow_up(self):
        aid = self.request()
        self.assertEqual(self.confirm(aid).status, 200)
        r = self.api("POST", "/api/v1/appointments/%d/no-show" % aid, self.tok)
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(self.api("POST", "/api/v1/appointments/%d/no-show" % aid,
                                  self.tok).status, 409)
        self.assertTrue(self.provider.wait_for(lambda: any(
            "We missed you" in b for b in self.sent_to())))
        time.sleep(1)
        self.assertEqual(len([b for b in self.sent_to() if "We missed you" in b]), 1)

    def test_bad_input_changes_nothing(self):
        aid = self.request()
        for body in ({"start": "2026-12-04T09:30:00"}, {"start": "soon"},
                     {"start": VISIT, "location": "mars"},
                     {"start": "2026-11-01T09:30:00-06:00"}, {}):
            r = self.api("POST", "/api/v1/appointments/%d/confirm" % aid,
                         self.tok, body)
            self.assertEqual(r.status, 400, (body, r.text))
        self.assertEqual(self.api("POST", "/api/v1/appointments/%d/cancel" % aid,
                                  self.tok, {}).status, 400)
        self.assertEqual(self.confirm(aid + 100).status, 404)
        self.assertEqual(self.api("GET", "/api/v1/appointments").status, 401)
        self.assertEqual(self.items()[0]["status"], "requested")


class TestFhir(AppointmentCase):
    def test_post_once_even_when_the_first_attempt_fails(self):
        self.fhir.fail = 1
        self.text("BOOK Allen, Tuesday morning, knee pain after running")
        aid = self.items()[0]["id"]
        self.assertTrue(self.provider.wait_for(
            lambda: len(self.fhir.created) == 1 and len(self.fhir.of("POST")) == 2,
            timeout=20))
        time.sleep(1)
        posts = self.fhir.of("POST")
        self.assertEqual(len(posts), 2)
        self.assertEqual(len(self.fhir.created), 1)
        for p in posts:
            self.assertEqual(p["path"], "/fhir/Appointment")
            self.assertEqual(p["headers"]["Content-Type"], "application/fhir+json")
            self.assertEqual(p["headers"]["Authorization"], "Bearer " + FHIR_TOKEN)
            self.assertIn("identifier=", p["headers"]["If-None-Exist"])
            self.assertIn(str(aid), urllib.parse.unquote(p["headers"]["If-None-Exist"]))
        res = posts[-1]["body"]
        self.assertEqual(res["resourceType"], "Appointment")
        self.assertEqual(res["status"], "proposed")
        self.assertEqual(res["identifier"][0]["value"], str(aid))
        self.assertEqual(res["contained"][0]["resourceType"], "Patient")
        self.assertEqual(res["contained"][0]["telecom"][0]["value"], CALLER)
        self.assertEqual(res["description"], "knee pain after running")
        self.assertGreaterEqual(len(res["requestedPeriod"]), 1)
        self.assertEqual(res["participant"][1]["actor"]["reference"],
                         "Location/allen")
        # The server's id is kept and shown to staff.
        deadline = time.time() + 10
        while time.time() < deadline and self.items()[0]["fhir_id"] is None:
            time.sleep(0.1)
        self.assertEqual(self.items()[0]["fhir_id"], "srv-%d" % aid)

        self.assertEqual(self.confirm(aid).status, 200)
        self.assertTrue(self.provider.wait_for(lambda: len(self.fhir.of("PUT")) == 1))
        put = self.fhir.of("PUT")[0]
        self.assertIn("/fhir/Appointment?identifier=", put["path"])
        self.assertEqual(put["body"]["status"], "booked")
        self.assertEqual(put["body"]["start"], "2026-12-04T15:30:00Z")

        verdict = validate([res, put["body"]])
        if verdict is None:
            self.skipTest("FHIR.js not installed: cd tests/fhir && npm install")
        rc, results = verdict
        self.assertEqual(rc, 0, results)
        self.assertTrue(all(r["valid"] for r in results), results)

    def test_a_refusal_is_kept_for_staff(self):
        # A 4xx is not retried; its OperationOutcome is shown to staff.
        orig = self.fhir.handle

        def refuse(h):
            n = int(h.headers.get("Content-Length", "0"))
            h.rfile.read(n)
            with self.fhir.lock:
                self.fhir.requests.append({"method": h.command})
            h.send(422, {"resourceType": "OperationOutcome", "issue": [
                {"severity": "error", "code": "invalid",
                 "diagnostics": "Location unknown"}]})
        self.fhir.handle = refuse
        self.text("BOOK Coppell, Friday, hip pain")
        deadline = time.time() + 15
        while time.time() < deadline and self.items()[0]["fhir_outcome"] is None:
            time.sleep(0.1)
        self.assertIn("Location unknown", self.items()[0]["fhir_outcome"])
        time.sleep(2)
        self.assertEqual(len(self.fhir.requests), 1)
        self.fhir.handle = orig


if __name__ == "__main__":
    unittest.main()
