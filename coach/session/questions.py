"""The two questions a session may stop to ask, and their answers: shall I carry on from where the
last session stopped (asked before the introduction), and shall I end the session (after a second
stop, a second pain word, or a long pause). The notes question is the introduction's (intro.py)."""

from __future__ import annotations

from coach.commands import Command
from coach.routine import MIN_LEVEL
from coach.session.intro import Intro
from coach.session.messages import Heard, Kind
from coach.session.state import clamp
from coach.session.words import duration_words, number_words

RESUME_QUESTION = ("Shall I carry on from there? Say yes, or press y. To start from the beginning, "
                   "say no, or press n.")
#: The questions where nothing listens: "{Press}" becomes "Type" in text mode (SessionState._ask)
RESUME_KEYS = "Shall I carry on from there? {Press} y for yes, or n to start from the beginning."
END_KEYS = "Shall I end the session? {Press} y to end it, or n to carry on."
#: The reason a session ends when a long pause went unanswered.
LONG_PAUSE = "paused too long"
END_QUESTION = "Shall I end the session? Say yes to end it, or next to carry on. Or press x to end, n to carry on."


class Questions(Intro):
    """Asking whether to carry on where the last session stopped, and whether to end."""

    def _ask_resume(self, offer: tuple[int, int]) -> None:
        """Ask whether to carry on at ``offer`` (step, level), where the last session stopped; the
        answer comes by voice or key (:meth:`_answer_resume`), or the wait runs out (coach.session.timers)."""
        r = self.routine
        step, level = offer
        self.asking_resume = True
        self.asked_at = self.now
        when = f", {self.options.offer_when}" if self.options.offer_when else ""
        self._log("asked", question="resume", step=step, level=level)
        self._say(f"Your last session of {r.title} stopped at step {number_words(step + 1)}, "
                  f"{r.steps[step].title}, at pressure level {level}{when}. {self._ask(RESUME_QUESTION, RESUME_KEYS)} "
                  f"{self._if_nothing()}, I will carry on from there in {duration_words(self.options.offer_wait)}.",
                  Kind.REPLY)

    def _answer_resume(self, event: Heard) -> None:
        """While the coach asks whether to carry on where the last session stopped: yes (y, carry
        on, c) carries on from there, no (n, back, b) starts from the beginning; a stop typed or
        judged whole ends the session before it begins, the place kept where it was; anything else
        is no answer, and the question is asked again (x typed at the question asked it again until
        the wait ran out, and the whole routine then ran: the fuzz test's hang)."""
        answer = resume_answer(event.command, event.source)
        if answer is not None:
            self._resume_answered(carry_on=answer, how=event.command.value)
        elif event.command is Command.STOP and event.confirmed:
            self._silence()
            self.asking_resume = False
            self._log("answered", question="resume", carry_on=False, how="stop")
            assert self.options.offer is not None
            self.step_index, level = self.options.offer   # the place stays where it was
            self._set_level(clamp(level, MIN_LEVEL, self.cap))
            self._end(completed=False, reason="stopped")
        else:
            self._silence()
            self._say(self._ask(RESUME_QUESTION, RESUME_KEYS))

    def _resume_answered(self, carry_on: bool, how: str) -> None:
        self._silence()
        self.asking_resume = False
        self._log("answered", question="resume", carry_on=carry_on, how=how)
        if carry_on:
            assert self.options.offer is not None
            step, level = self.options.offer
            self.step_index = step
            self.done_before = step
            self.resumed = True
            self._set_level(clamp(level, MIN_LEVEL, self.cap))
        self._say_intro()

    def _ask_end(self, reason: str) -> None:
        """Pause and ask whether to end; the answer comes by voice or key (:meth:`_answer`). Callers
        have silenced what was being said."""
        self._pause(by_stop=self.paused_by_stop)
        self.asking_end = reason
        self._log("asked", question="end", reason=reason)
        self._say(self._ask(END_QUESTION, END_KEYS))

    def _answer(self, event: Heard) -> bool:
        """While the coach asks whether to end: True when ``event`` answered (and was handled)."""
        reason = self.asking_end
        assert reason is not None
        if event.command in (Command.YES, Command.STOP):
            self._silence()
            if self._sure():
                self.asking_end = None
                self._end(completed=False, reason=reason)
            else:   # an unconfirmed guess waits for the second stage's judgement of the same words
                self._deferred = True
            return True
        if event.command in (Command.NO, Command.NEXT, Command.RESUME, Command.MORE_TIME):
            self._silence()
            self._unpause()
            return True
        return False

    def _sure(self) -> bool:
        """The command being handled may end the session: typed, confirmed by the second stage, or
        from a single-stage recogniser answering the question the coach asked (a second detection)."""
        e = self._event
        return e.confirmed or (self.asking_end is not None and e.utterance is None)


def resume_answer(command: Command, source: str) -> bool | None:
    """The answer ``command`` gives to "shall I carry on from there?": True for yes (y, carry on,
    c), False for no (n, back, b; the n key is "next" elsewhere), None for no answer. The session
    and the menu ask it alike."""
    if command in (Command.NO, Command.BACK) or (command is Command.NEXT and source == "key"):
        return False
    if command in (Command.YES, Command.RESUME):
        return True
    return None
