"""The introduction (the routine, what is needed, its safety notes, or the short form for someone
who heard them before), and the question after it: keep the safety notes short next time?"""

from __future__ import annotations

from coach.commands import Command
from coach.session.messages import Heard, Kind, Prepare
from coach.session.steps import Steps
from coach.session.words import sentence

#: The short introduction's safety line, for someone who heard the routine's notes before.
SAFETY_KNOWN = ("You have heard this routine's safety notes before, and they have not changed. In short: "
                "stop at once if anything is sharp, shooting or numb, and say ouch if anything hurts.")
NOTES_QUESTION = ("Next time, shall I keep these safety notes short? Say yes, or press y. For the full notes "
                  "every time, say no, or press n. If I hear nothing, I will keep them short.")
NOTES_KEYS = ("Next time, shall I keep these safety notes short? {Press} y for yes, or n for the full notes every "
              "time. If no answer comes, I will keep them short.")
#: The keys, said aloud to someone the coach cannot hear.
KEYS_SPOKEN = ("h for harder, s for softer, x to stop, n for next, the space bar to pause, "
               "m for more time, and the question mark for help.")


class Intro(Steps):
    """The introduction, and the notes question that may follow it."""

    def _say_intro(self) -> None:
        r = self.routine
        if self.resumed:
            self._say(f"Welcome back to {r.title}. We carry on at step {self.step_index + 1}, "
                      f"{self.step.title}, at pressure level {self.level}.", Kind.INTRO)
        elif self.options.safety_known:
            self._say(f"{r.title}. {SAFETY_KNOWN}", Kind.INTRO)
            self._say(self._ask("Say stop at any time to pause, and next to begin now. To hear the rest, ask: "
                                "what can I say?", "{Press} x at any time to pause, and n to begin now. For the "
                                "rest, {press} a question mark."), Kind.INTRO)
            self._out.append(Prepare(self.step.say))
            return
        else:
            self.full_intro = True
            self._say(f"{r.title}. {r.description}", Kind.INTRO)
            if r.equipment:
                self._say("You will need:", Kind.INTRO)
                for item in r.equipment:
                    self._say(sentence(item), Kind.INTRO)
        for note in r.safety:
            self._say(sentence(note), Kind.INTRO)
        if r.contraindications and not self.resumed:
            self._say("Please skip this routine, and ask a clinician first, in these cases:", Kind.INTRO)
            for item in r.contraindications:
                self._say(sentence(item), Kind.INTRO)
        self._say(self._ask("Say stop at any time to pause. To hear the rest, ask: what can I say?",
                            "{Press} x at any time to pause. For the rest, {press} a question mark."), Kind.INTRO)
        self._out.append(Prepare(self.step.say))

    def _intro_over(self) -> None:
        """The introduction has been said: ask about the safety notes (once), else begin the step."""
        if self.options.ask_notes and self.notes_short is None and self._intro_heard():
            self.asking_notes = True
            self.notes_short = True   # the default, if nothing else is said
            self._log("asked", question="notes")
            self.notes_question = self._say(self._ask(NOTES_QUESTION, NOTES_KEYS))
            return
        self._begin_step(self.step_index)

    def _notes_answered(self, short: bool, how: str) -> None:
        """The answer to NOTES_QUESTION; step one follows once the reply has been said."""
        self.asking_notes = False
        self.notes_question = None
        self.notes_short = short
        self._log("answered", question="notes", short=short, how=how)
        if how == "no answer":
            self._say(self._no_answer("next time the safety notes will be short."))
        else:
            self._silence()
            self._say("Next time, the safety notes will be short." if short
                      else "I will give the safety notes in full every time.")

    def _answer_notes(self, event: Heard) -> bool:
        """A command heard while the coach asks NOTES_QUESTION: True when it was the answer (or a
        request to hear the question again) and nothing more is to be done with it."""
        if event.command is Command.YES or event.command is Command.NO or (
                event.command is Command.NEXT and event.source == "key"):   # y, n, or the words
            self._notes_answered(short=event.command is Command.YES, how=event.command.value)
            return True
        if event.command in (Command.HELP, Command.REPEAT):   # the question again, and its wait
            self._silence()
            self.notes_question = self._say(self._ask(NOTES_QUESTION, NOTES_KEYS))
            return True
        # any other command leaves the notes short next time, and is done as usual
        self.asking_notes = False
        self.notes_question = None
        self._log("answered", question="notes", short=True, how=event.command.value)
        return False
