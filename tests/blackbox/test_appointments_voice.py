"""Appointments asked for on the phone: the main menu's option, then the
clinic (key, name or ZIP code), new or returning, the days and the reason
in the caller's own words, and the number, each question skippable with
pound or "skip"; the request reaches staff's API with channel voice, and
the caller hears what happens next, true at the hour."""
import test_voice
from harness import CALLER, store_rows
from test_appointments import NIGHT_CLOCK, AppointmentCase


class VoiceAppointmentCase(AppointmentCase):
    check_twiml = test_voice.Voice.check_twiml

    def call(self):
        return test_voice.Call(self, CALLER).start()

    def rows(self):
        return [tuple(r) for r in store_rows(self.h.store, "SELECT channel FROM appointments")]


class TestAskByPhone(VoiceAppointmentCase):
    def test_in_english_the_words_kept(self):
        c = self.call().press("7")
        self.assertIn("Which clinic", c.text())
        c.say("the moon")                 # a miss: asked again
        self.assertIn("Which clinic", c.text())
        c.press("2")                      # Allen
        self.assertIn("new to our clinic", c.text())
        c.press("1")
        self.assertIn("Which days", c.text())
        c.say("Tuesday morning")
        self.assertIn("what is the visit for", c.text())
        c.say("knee pain after running")
        self.assertIn("ending in", c.text())
        self.assertEqual(self.items(), [])  # nothing until the number
        c.press("1")
        self.assertIn("we saved your appointment request", c.text())
        self.assertIn("today", c.text())
        items = self.items()
        self.assertEqual(len(items), 1, items)
        it = items[0]
        self.assertEqual(it["phone"], CALLER)
        self.assertEqual(it["location"], "allen")
        self.assertIs(it["new_patient"], True)
        self.assertEqual(it["preferred"], "Tuesday morning")
        self.assertEqual(it["reason"], "knee pain after running")
        self.assertEqual(it["language"], "en")
        self.assertEqual(self.rows(), [("voice",)])
        self.assertNotIn("knee pain", self.h.log())
        # On to "anything else?", as after a callback request.
        self.assertIn("anything_else", c.nodes)

    def test_in_spanish_by_speech(self):
        c = self.call().press("9")        # Spanish
        c.say("quiero una cita")
        self.assertIn("clínica", c.text())
        c.say("Allen")
        self.assertIn("paciente nuevo", c.text())
        c.say("ya soy paciente")
        c.say("los jueves en la tarde")
        c.say("dolor de espalda baja")
        self.assertIn("termina en", c.text())
        c.press("1")
        self.assertIn("guardamos su solicitud de cita", c.text())
        it = self.items()[0]
        self.assertEqual(it["language"], "es")
        self.assertEqual(it["location"], "allen")
        self.assertIs(it["new_patient"], False)
        self.assertEqual(it["preferred"], "los jueves en la tarde")
        self.assertEqual(it["reason"], "dolor de espalda baja")
        self.assertEqual(self.rows(), [("voice",)])

    def test_every_question_skipped_and_another_number(self):
        c = self.call().say("book an appointment")
        c.press("#")                      # clinic
        c.say("skip")                     # new or returning
        c.press("#")                      # days
        c.say("skip")                     # reason
        c.press("2")                      # another number
        c.press("2145550123")
        self.assertIn("we saved your appointment request", c.text())
        it = self.items()[0]
        self.assertEqual(it["phone"], "+12145550123")
        self.assertIsNone(it["location"])
        self.assertIsNone(it["new_patient"])
        self.assertIsNone(it["preferred"])
        self.assertIsNone(it["reason"])

    def test_a_zip_code_and_star_repeats(self):
        c = self.call().press("7")
        c.say("seven five zero one three")   # Allen's ZIP
        self.assertIn("Allen", c.text())
        self.assertIn("new to our clinic", c.text())
        c.press("*")
        self.assertIn("new to our clinic", c.text())
        c.press("2").press("#").press("#").press("1")
        it = self.items()[0]
        self.assertEqual(it["location"], "allen")
        self.assertIs(it["new_patient"], False)


class TestAskByPhoneAtNight(VoiceAppointmentCase):
    clock = NIGHT_CLOCK

    def test_honest_about_the_hour(self):
        c = self.call().press("7")
        for k in ("4", "#", "#", "#", "1"):
            c.press(k)
        self.assertIn("We are closed now", c.text())
        self.assertIn("after we open", c.text())
        self.assertNotIn("today to set", c.text())
        self.assertEqual(len(self.items()), 1)
