"""The session's state, and the small moves every part of it makes: say a line, log, fall silent.

:class:`SessionState` holds everything a session remembers (its phase, step, level, clock, what is
being said and what was asked); the concerns built on it, one module each, only add behaviour:
steps, introduction, questions, timers, commands (see :mod:`coach.session`). Effects are gathered
in ``_out`` while one event is handled.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from coach.commands import Command
from coach.routine import MIN_LEVEL, Role, Routine, Step
from coach.session.messages import Checkpoint, Effect, Finish, Heard, Kind, Log, Say, Silence, Tone, voice_fields
from coach.speech.base import Earcon

MIN_RATE = 80
MAX_RATE = 450


class Phase(StrEnum):
    """Where a session is: what the coach is doing, and so what a command or a tick does."""

    IDLE = "idle"
    INTRO = "intro"
    INSTRUCTION = "instruction"   # the step's instruction is being spoken; its timer waits
    RUNNING = "running"           # the step's timer runs
    PAUSED = "paused"
    ENDING = "ending"             # the summary is being spoken
    ENDED = "ended"


@dataclass(frozen=True)
class Options:
    """How a session behaves, beyond the routine itself."""

    role: Role | None = None          # None: the routine's own role
    start_level: int | None = None    # None: the routine's start level
    start_step: int = 0               # resume at this step
    resumed: bool = False
    pause_timeout: float = 600.0      # after a pause this long the coach asks whether to end ...
    answer_wait: float = 120.0        # ... and ends (saving the place) if nobody answers within this
    countdown: bool = True
    rate: int = 170                   # words per minute at the start
    pain_window: float = 120.0        # a second pain word within this many seconds stops
    #: a spoken "stop" this soon (seconds) after the spoken one that paused is that stop said twice
    #: ("stop, stop", or one heard in two pieces), not the second stop that ends the session; a typed
    #: stop always counts (two key presses are two stops)
    stop_again_after: float = 2.0
    #: (step, level) where an interrupted session of this routine stopped, and when ("a minute ago"):
    #: the coach asks first whether to carry on from there (None: it does not ask)
    offer: tuple[int, int] | None = None
    offer_when: str = ""
    #: seconds the coach waits for the answer before it carries on from there
    offer_wait: float = 30.0
    #: the user has heard this routine's safety notes in full before, and they have not changed:
    #: the introduction is the short one
    safety_known: bool = False
    #: after the full safety notes, heard to their end, ask whether to keep them short next time
    #: (the user has not chosen yet); the answer is :attr:`Session.notes_short`
    ask_notes: bool = False
    #: seconds the coach waits for that answer, from the end of the question, before it takes "short"
    notes_wait: float = 10.0
    #: why the coach cannot hear this session ("the microphone could not be opened"): said first,
    #: with the keys to use instead ("": it can hear)
    cannot_hear: str = ""
    #: nothing listens at all (text mode): the questions ask for a typed answer, not a spoken one
    typed: bool = False


def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


class SessionState:
    """What one session of one routine remembers, and the moves all its parts share."""

    def __init__(self, routine: Routine, options: Options = Options()) -> None:
        self.routine = routine
        self.options = options
        self.role: Role = options.role or routine.role
        self.cap = routine.max_level
        start = options.start_level if options.start_level is not None else routine.start_level
        self.level = clamp(start, MIN_LEVEL, self.cap)
        self.highest_level = self.level
        self.step_index = clamp(options.start_step, 0, len(routine.steps) - 1)
        self.rate = clamp(options.rate, MIN_RATE, MAX_RATE)
        self.phase = Phase.IDLE
        self.paused_from: Phase | None = None
        self.paused_by_stop = False
        self.paused_by: int | None = None
        self.stop_source = ""         # where the stop that paused came from: "voice" or "key"
        self.paused_at = 0.0
        self.started_at = 0.0
        self.now = 0.0
        self.elapsed = 0.0            # seconds the current step's timer has run
        self.fired_cues = 0           # cues of the current step already spoken
        self.fired_counts = 0         # repetitions already counted
        self.fired_countdown = 0      # countdown numbers already spoken
        self.steps_done: set[int] = set()
        #: the steps before the place a resumed session carried on from: done in an earlier session
        self.done_before = self.step_index if options.resumed else 0
        self.last_pain: float | None = None
        #: why the coach asked "shall I end the session?" and waits for the answer (None: it does not)
        self.asking_end: str | None = None
        self.asked_at = 0.0   # when the coach asked its question
        #: the coach asks whether to carry on where the last session stopped (Options.offer)
        self.asking_resume = False
        self.resumed = options.resumed
        #: the full introduction, safety notes and all, was begun; ``safety_heard`` once all of it
        #: was said, none of it cut short (then the next session of this routine gives the short one)
        self.full_intro = False
        self.safety_heard = False
        #: the coach asks NOTES_QUESTION (Options.ask_notes) and waits for the answer
        self.asking_notes = False
        #: the question's utterance, until it has been played: the wait starts then
        self.notes_question: int | None = None
        #: the answer: True to keep the notes short next time, False for the full notes every
        #: time, None when it was not asked (the app keeps it in the profile)
        self.notes_short: bool | None = None
        #: the last Checkpoint was kept (the runtime tells, :meth:`saving`): the end says the place
        #: is saved only then
        self.place_saved = True
        self.held_longer = 0.0   # seconds "more time" added to the step
        #: (utterance, command) of first-stage guesses acted on, so that their confirmation is not
        #: acted on again (and of judgements acted on, for a guess that comes after its judgement)
        self.acted: set[tuple[int, Command]] = set()
        self._event = Heard(0.0, Command.HELP, source="key")   # the command being handled
        self._deferred = False
        self.instruction_id: int | None = None
        self.outstanding: set[int] = set()
        self.intro_lines: dict[int, str] = {}   # intro utterances not yet finished, in order
        self.intro_to_say_again: list[str] = []
        #: a command's answer cut the step's instruction short: it is said again after the answer
        self.instruction_cut = False
        self._next_id = 1
        self.finished: Finish | None = None
        self._out: list[Effect] = []

    @property
    def step(self) -> Step:
        return self.routine.steps[self.step_index]

    @property
    def speaking(self) -> bool:
        return bool(self.outstanding)

    @property
    def paused(self) -> bool:
        return self.phase is Phase.PAUSED

    def _say(self, text: str, kind: Kind = Kind.REPLY) -> int:
        uid = self._next_id
        self._next_id += 1
        self.outstanding.add(uid)
        if kind is Kind.INTRO:
            self.intro_lines[uid] = text
        self._out.append(Say(uid, text, kind))
        self._log("said", text=text, kind=kind.value, id=uid)
        return uid

    @property
    def keys_only(self) -> bool:
        """Nothing listens (text mode, or a microphone or recogniser that failed): questions ask
        for keys, and a wait that runs out is "no answer", not "I heard nothing" (issue 38)."""
        return self.options.typed or bool(self.options.cannot_hear)

    def _ask(self, spoken: str, keys: str) -> str:
        """``spoken`` where the coach listens, else ``keys`` with "{Press}" ("{press}") as "Type" (text
        mode) or "Press" (a coach that speaks but cannot hear)."""
        if not self.keys_only:
            return spoken
        verb = "Type" if self.options.typed else "Press"
        return keys.replace("{Press}", verb).replace("{press}", verb.lower())

    def _no_answer(self, then: str) -> str:
        """What is said when a question's wait ran out: "I heard nothing, so ``then``"."""
        return f"{'No answer came' if self.keys_only else 'I heard nothing'}, so {then}"

    def _if_nothing(self) -> str:
        return "If no answer comes" if self.keys_only else "If I hear nothing"

    def saving(self, ok: bool) -> None:
        """Whether the last :class:`Checkpoint` was kept, as the runtime found when it saved it (no
        effects: what the session says at its end depends on it)."""
        self.place_saved = ok

    def _log(self, type_: str, **data: Any) -> None:
        self._out.append(Log(type_, data))

    def _reply(self, earcon: Earcon, text: str) -> None:
        self._out.append(Tone(earcon))
        self._say(text)

    def _set_level(self, level: int) -> None:
        self.level = level
        self.highest_level = max(self.highest_level, level)
        self._out.append(Checkpoint(self.step_index, level))
        self._log("level", level=level, cap=self.cap)

    def _silence(self) -> None:
        """Stop speech now. Callers that leave the instruction phase set the new phase themselves."""
        self._out.append(Silence())
        # every queued utterance is dropped; its SpeechDone (interrupted) may still arrive and is harmless
        self.outstanding.clear()
        self.instruction_id = None
        if self.intro_lines:   # the intro was cut short: keep what was not heard, to say it again
            self.intro_to_say_again = list(self.intro_lines.values())
            self.intro_lines.clear()

    def _interrupt(self) -> None:
        """Cut speech short to answer a command. A cut-off instruction is said again after the
        answer (:meth:`_heard`); meanwhile the step runs as if it had been given."""
        self._silence()
        if self.phase is Phase.INSTRUCTION:
            self.phase = Phase.RUNNING
            self.instruction_cut = True

    def _say_instruction_again(self) -> None:
        """After the answer to a command that cut the step's instruction short, the instruction
        again, whole; the step's timer waits for it, as it waited the first time."""
        self.instruction_cut = False
        self.phase = Phase.INSTRUCTION
        self.instruction_id = self._say(self.step.say, Kind.INSTRUCTION)

    def _say_intro_again(self) -> None:
        """After a reply cut the intro short, say the rest of it: safety notes are never skipped."""
        lines, self.intro_to_say_again = self.intro_to_say_again, []
        for text in lines:
            self._say(text, Kind.INTRO)

    def _intro_heard(self) -> bool:
        """Every line of the full introduction was played to its end, none cut short."""
        return self.full_intro and not self.intro_lines and not self.intro_to_say_again and self.phase is Phase.INTRO

    def _log_heard(self, event: Heard, **extra: Any) -> None:
        """The "heard" record of a command, with ``extra`` fields and what the recogniser told of it."""
        self._log("heard", text=event.text, confidence=round(event.confidence, 3), source=event.source,
                  **extra, **voice_fields(event.echo_db, event.over, event.transcript, event.excess_db,
                                              event.witness_db))

    def _remember(self, key: tuple[int, Command] | None) -> None:
        """A first-stage guess was acted on: its confirmation is not to be acted on again. A
        judgement acted on is remembered too: a first-stage guess of the same words can come after
        it (see coach.listen.judge.twostage), and is not acted on again either."""
        if key is not None and not self._deferred:
            self.acted.add(key)
