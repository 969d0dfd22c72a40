"""The :class:`Session`: one run of one routine, as a pure state machine, ``handle(event) -> list[effect]``.

The class itself only takes events in and hands them to its parts (the concerns it is built from,
one module each: steps, intro, questions, timers, commands); :func:`replay` reads a session's
state back from its log.
"""

from __future__ import annotations

from typing import Any

from coach.session.commands import Commands
from coach.session.intro import KEYS_SPOKEN
from coach.session.messages import Effect, Event, Heard, Kind, SetRate, SpeechDone, Start
from coach.session.state import Phase


class Session(Commands):
    """The coach's behaviour for one run of one routine.

    Feed it events with :meth:`handle`; carry out the effects it returns, in order.
    """

    def handle(self, event: Event) -> list[Effect]:
        """Take one event; return what to do, in order."""
        self._out = []
        if self.phase is Phase.ENDED:
            if isinstance(event, Heard):
                self._log("heard", text=event.text, command=event.command.value, ignored="session ended")
            return self._out
        self._advance_clock(event.now)
        if self.phase is Phase.IDLE and not isinstance(event, Start):
            return self._out   # nothing happens before the session starts
        if isinstance(event, Start):
            self._start()
        elif isinstance(event, SpeechDone):
            self._speech_done(event)
        elif isinstance(event, Heard):
            self._heard(event)
        self._run_timer()
        return self._out

    def _start(self) -> None:
        if self.phase is not Phase.IDLE:
            return
        r = self.routine
        self.started_at = self.now
        self.phase = Phase.INTRO
        self._log("started", routine=r.id, role=self.role, level=self.level, step=self.step_index,
                  resumed=self.options.resumed)
        self._out.append(SetRate(self.rate))
        if self.options.cannot_hear:
            self._log("cannot_hear", why=self.options.cannot_hear)
            self._say(f"I cannot hear you this time: {self.options.cannot_hear}. Use the keys instead: "
                      f"{KEYS_SPOKEN}", Kind.INTRO)
        if self.options.offer is not None and not self.options.resumed:
            self._ask_resume(self.options.offer)
            return
        self._say_intro()

    def _speech_done(self, event: SpeechDone) -> None:
        self.outstanding.discard(event.utterance_id)
        if not event.interrupted:
            self.intro_lines.pop(event.utterance_id, None)
        if event.utterance_id == self.notes_question:
            self.notes_question = None
            self.asked_at = self.now   # the wait for the answer starts once the question was heard
        if self.phase is Phase.INTRO and not self.outstanding and not self.asking_resume and not self.asking_notes:
            self._intro_over()
        elif self.phase is Phase.INSTRUCTION and event.utterance_id == self.instruction_id:
            self.phase = Phase.RUNNING
        elif self.phase is Phase.ENDING and not self.outstanding:
            self.phase = Phase.ENDED
            assert self.finished is not None
            self._out.append(self.finished)


def replay(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The session state a log describes: step, level, paused and ended, from its records alone."""
    state: dict[str, Any] = {"step": None, "level": None, "paused": False, "ended": False}
    for r in records:
        kind = r.get("type")
        if kind == "started":
            state.update(step=r["step"], level=r["level"])
        elif kind == "step":
            state.update(step=r["index"], paused=False)
        elif kind == "level":
            state["level"] = r["level"]
        elif kind == "paused":
            state["paused"] = True
        elif kind == "resumed":
            state["paused"] = False
        elif kind == "ended":
            state.update(ended=True, level=r["level"], step=r["step"])
    return state
