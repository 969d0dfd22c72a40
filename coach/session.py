"""The session: a PURE state machine. ``handle(event) -> list[effect]``.

No I/O, no threads, no clock reads, no audio imports: every event carries the time ``now``
(seconds on a monotonic clock the runtime owns), and everything the coach does comes out
as effects for the runtime to carry out. That makes every behaviour a fast unit test.

The flow: the intro is spoken; each step's instruction is spoken, then its timer runs (cues,
repetition counts and the countdown fire at their offsets); a tone marks the change of step;
at the end a summary and the after-care are spoken. Commands can arrive at any time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from coach.commands import Command, canonical
from coach.routine import LEVEL_NAMES, MIN_LEVEL, Role, Routine, Step
from coach.speech.base import Earcon

# ---------------------------------------------------------------------------------------------
# events (in)


@dataclass(frozen=True)
class Start:
    now: float


@dataclass(frozen=True)
class Tick:
    now: float


@dataclass(frozen=True)
class Heard:
    """A command arrived: spoken (``source="voice"``) or typed (``source="key"``)."""

    now: float
    command: Command
    text: str = ""
    confidence: float = 1.0
    source: str = "voice"
    #: for a spoken command heard while the coach spoke: what the echo canceller left of its words,
    #: and of the coach's voice before them (dB); logged, to tell the user's voice from the echo
    echo_db: tuple[float, float] | None = None
    #: for a spoken command: the id of the line the coach was saying when the words were heard
    #: (logged as ``over``, to match the "said" record), None if it was silent
    over: int | None = None
    #: a typed command, or a spoken one that a verifying stage judged whole; an unconfirmed one
    #: never ends a session by itself
    confirmed: bool = True
    #: the utterance a spoken command came from (numbered by the recogniser): a confirmed command
    #: of an utterance whose first-stage guess was already acted on is not acted on again
    utterance: int | None = None
    #: the second stage judged the words of the first-stage guess ``utterance`` to be something else
    #: or nothing: a pause that guess alone caused is undone
    rejected: bool = False
    #: what the recogniser transcribed of the whole utterance (Whisper), logged as ``transcript``
    transcript: str | None = None
    #: how much louder than the coach's echo the room was during the words (dB; logged)
    excess_db: float | None = None


def voice_fields(echo_db: tuple[float, float] | None, over: int | None,
                 transcript: str | None = None, excess_db: float | None = None) -> dict[str, Any]:
    """The fields a spoken command's "heard" record carries when it has them: its echo figures
    (``echo_db``), the line it was heard over (``over``) and the whole utterance as transcribed."""
    fields: dict[str, Any] = {} if echo_db is None else {"echo_db": list(echo_db)}
    if over is not None:
        fields["over"] = over
    if transcript is not None:
        fields["transcript"] = transcript
    if excess_db is not None:
        fields["excess_db"] = excess_db
    return fields


@dataclass(frozen=True)
class SpeechDone:
    """An utterance really finished playing (or was cut off)."""

    now: float
    utterance_id: int
    interrupted: bool = False


Event = Start | Tick | Heard | SpeechDone

# ---------------------------------------------------------------------------------------------
# effects (out)


class Kind(StrEnum):
    """Why something is said; the runtime may treat kinds differently (e.g. render-ahead)."""

    INTRO = "intro"
    INSTRUCTION = "instruction"
    CUE = "cue"
    COUNT = "count"
    REPLY = "reply"
    SUMMARY = "summary"


@dataclass(frozen=True)
class Say:
    utterance_id: int
    text: str
    kind: Kind = Kind.REPLY


@dataclass(frozen=True)
class Prepare:
    """Render ``text`` ahead: it will be said soon."""

    text: str


@dataclass(frozen=True)
class Tone:
    earcon: Earcon


@dataclass(frozen=True)
class Silence:
    """Stop all speech at once and drop what is queued."""


@dataclass(frozen=True)
class SetRate:
    wpm: int


@dataclass(frozen=True)
class Log:
    """One line of the session log. The runtime adds the time ``t``."""

    type: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Checkpoint:
    """Save the resume point: the session can continue at ``step`` and ``level``."""

    step: int
    level: int


@dataclass(frozen=True)
class Finish:
    """The session is over. ``completed`` is False when it was stopped early (resumable)."""

    completed: bool
    reason: str
    level: int


Effect = Say | Prepare | Tone | Silence | SetRate | Log | Checkpoint | Finish

# ---------------------------------------------------------------------------------------------


class Phase(StrEnum):
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
    #: (step, level) where an interrupted session of this routine stopped, and when ("Monday 14:05"):
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


#: The short introduction's safety line, for someone who heard the routine's notes before.
SAFETY_KNOWN = ("You have heard this routine's safety notes before, and they have not changed. In short: "
                "stop at once if anything is sharp, shooting or numb, and say ouch if anything hurts.")
NOTES_QUESTION = ("Next time, shall I keep these safety notes short? Say yes, or press y. For the full notes "
                  "every time, say no, or press n. If I hear nothing, I will keep them short.")
RESUME_QUESTION = ("Shall I carry on from there? Say yes, or press y. To start from the beginning, "
                   "say no, or press n.")
#: The keys, said aloud to someone the coach cannot hear.
KEYS_SPOKEN = ("h for harder, s for softer, x to stop, n for next, the space bar to pause, "
               "m for more time, and the question mark for help.")
#: What the coach says when a stop pauses, and when it asks whether to end.
STOPPED = "Stopped. Say next to continue, or stop again to end."
#: Seconds "more time" adds to the step being held.
MORE_TIME = 30.0
#: The reason a session ends when a long pause went unanswered.
LONG_PAUSE = "paused too long"
END_QUESTION = "Shall I end the session? Say yes to end it, or next to carry on. Or press x to end, n to carry on."

MIN_RATE = 80
MAX_RATE = 450
RATE_STEP = 25

_NUMBERS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))


def number_words(n: int) -> str:
    """English words for a whole number, for counting aloud and for durations."""
    if n < 0:
        return f"minus {number_words(-n)}"
    if n < 20:
        return _NUMBERS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _TENS[tens] + (f" {_NUMBERS[unit]}" if unit else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_NUMBERS[hundreds]} hundred" + (f" and {number_words(rest)}" if rest else "")
    size, name = next((size, name) for size, name in _SCALES if n >= size)
    big, rest = divmod(n, size)
    return f"{number_words(big)} {name}" + ("" if not rest else f" and {number_words(rest)}" if rest < 100
                                            else f" {number_words(rest)}")


def duration_words(seconds: float) -> str:
    """A duration the way a person says it, to the half minute from a minute on: "forty seconds",
    "a minute and a half", "about three minutes" (not a whole half minute), "about 2 hours"."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{number_words(s)} second" + ("" if s == 1 else "s")
    halves = round(s / 30)
    about = "" if halves * 30 == s else "about "
    minutes, half = divmod(halves, 2)
    if minutes < 120:
        if half:
            return about + ("a minute and a half" if minutes == 1 else f"{number_words(minutes)} and a half minutes")
        return about + f"{number_words(minutes)} minute" + ("" if minutes == 1 else "s")
    hours, minutes = divmod(round(s / 60), 60)
    return f"about {number_words(hours)} hours" + (f" and {number_words(minutes)} minute"
                                                   + ("" if minutes == 1 else "s") if minutes else "")


def join_phrases(items: tuple[str, ...] | list[str]) -> str:
    items = [i.rstrip(".") for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


class Session:
    """The coach's behaviour for one run of one routine.

    Feed it events with :meth:`handle`; carry out the effects it returns, in order.
    """

    def __init__(self, routine: Routine, options: Options = Options()) -> None:
        self.routine = routine
        self.options = options
        self.role: Role = options.role or routine.role
        self.cap = routine.max_level
        start = options.start_level if options.start_level is not None else routine.start_level
        self.level = _clamp(start, MIN_LEVEL, self.cap)
        self.highest_level = self.level
        self.step_index = _clamp(options.start_step, 0, len(routine.steps) - 1)
        self.rate = _clamp(options.rate, MIN_RATE, MAX_RATE)
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

    # -- public --------------------------------------------------------------------------------

    @property
    def step(self) -> Step:
        return self.routine.steps[self.step_index]

    @property
    def speaking(self) -> bool:
        return bool(self.outstanding)

    @property
    def paused(self) -> bool:
        return self.phase is Phase.PAUSED

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

    def next_due(self) -> float | None:
        """The time at which the next timer-driven effect is due (None: nothing is timed now).

        The runtime may sleep until then; ticking earlier or later is harmless.
        """
        if self.asking_resume:
            return self.asked_at + self.options.offer_wait
        if self.asking_notes:
            return None if self.notes_question is not None else self.asked_at + self.options.notes_wait
        if self.phase is Phase.PAUSED:
            if self.asking_end == LONG_PAUSE:
                return self.asked_at + self.options.answer_wait
            return self.paused_at + self.options.pause_timeout
        if self.phase is not Phase.RUNNING:
            return None
        offsets = [o for o in self._timer_offsets() if o > self.elapsed]
        return self.now + (min(offsets) - self.elapsed) if offsets else self.now

    def time_left(self) -> tuple[float, float]:
        """Seconds left in the current step, and in the whole session (timers only)."""
        if self.phase in (Phase.IDLE, Phase.INTRO):
            step_left = self.step.duration
        else:
            step_left = max(0.0, self.step.duration - self.elapsed)
        later = sum(s.duration for s in self.routine.steps[self.step_index + 1 :])
        return step_left, step_left + later

    # -- clock and timer -----------------------------------------------------------------------

    def _advance_clock(self, now: float) -> None:
        now = max(now, self.now)   # a clock never runs backwards
        if self.phase is Phase.RUNNING:
            self.elapsed += now - self.now
        self.now = now

    def _timer_offsets(self) -> list[float]:
        step = self.step
        offsets = [step.duration]
        offsets += [self._cue_offset(c.at) for c in step.cues[self.fired_cues :]]
        if step.reps:
            offsets += [(k - 1) * step.pace for k in range(self.fired_counts + 1, step.reps + 1)]
        offsets += self._countdown_offsets()[self.fired_countdown :]
        return offsets

    def _cue_offset(self, at: float) -> float:
        step = self.step
        return (at - 1) * step.pace + 0.01 if step.reps else at

    def _countdown_offsets(self) -> list[float]:
        step = self.step
        if not (self.options.countdown and step.seconds and step.countdown):
            return []
        n = min(step.countdown, int(step.seconds) - 1)
        return [step.seconds - k for k in range(n, 0, -1)]

    def _run_timer(self) -> None:
        """Fire whatever is due in the running step, in time order; end the step when it is over."""
        if self.asking_resume:
            if self.now - self.asked_at >= self.options.offer_wait:
                self._say("I heard nothing, so I will carry on from there.")
                self._resume_answered(carry_on=True, how="no answer")
            return
        if self.asking_notes:
            if self.notes_question is None and self.now - self.asked_at >= self.options.notes_wait:
                self._notes_answered(short=True, how="no answer")
            return
        if self.phase is Phase.PAUSED:
            if self.asking_end == LONG_PAUSE:
                if self.now - self.asked_at >= self.options.answer_wait:
                    self.asking_end = None
                    self._end(completed=False, reason=LONG_PAUSE)
            elif self.now - self.paused_at >= self.options.pause_timeout:
                # WCAG 2.2.1: the time is up, but the user is asked first and given time to answer
                self.asking_end = LONG_PAUSE
                self.asked_at = self.now
                self._log("asked", question="end", reason=LONG_PAUSE)
                self._say(f"We have been paused for {duration_words(self.now - self.paused_at)}. {END_QUESTION} "
                          f"If I hear nothing, I will end it in {duration_words(self.options.answer_wait)}, "
                          "and keep your place.")
            return
        if self.phase is not Phase.RUNNING:
            return
        step = self.step
        while self.phase is Phase.RUNNING:
            due: list[tuple[float, int, str]] = []
            if self.fired_counts < (step.reps or 0):
                due.append(((self.fired_counts) * step.pace, 0, "count"))
            if self.fired_cues < len(step.cues):
                due.append((self._cue_offset(step.cues[self.fired_cues].at), 1, "cue"))
            countdown = self._countdown_offsets()
            if self.fired_countdown < len(countdown):
                due.append((countdown[self.fired_countdown], 2, "countdown"))
            due.append((step.duration, 3, "end"))
            at, _, what = min(due)
            if at > self.elapsed + 1e-9:
                return
            if what == "count":
                self.fired_counts += 1
                self._say(number_words(self.fired_counts), Kind.COUNT)
            elif what == "cue":
                cue = step.cues[self.fired_cues]
                self.fired_cues += 1
                self._say(cue.say, Kind.CUE)
            elif what == "countdown":
                self._say(number_words(len(countdown) - self.fired_countdown), Kind.COUNT)
                self.fired_countdown += 1
            else:
                self.steps_done.add(self.step_index)
                self._next_step()

    # -- flow ----------------------------------------------------------------------------------

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
            self.asking_resume = True
            self.asked_at = self.now
            step, level = self.options.offer
            when = f", on {self.options.offer_when}" if self.options.offer_when else ""
            self._log("asked", question="resume", step=step, level=level)
            self._say(f"Your last session of {r.title} stopped at step {number_words(step + 1)}, "
                      f"{r.steps[step].title}, at pressure level {level}{when}. {RESUME_QUESTION} If I hear "
                      f"nothing, I will carry on from there in {duration_words(self.options.offer_wait)}.",
                      Kind.REPLY)
            return
        self._say_intro()

    def _say_intro(self) -> None:
        r = self.routine
        if self.resumed:
            self._say(f"Welcome back to {r.title}. We carry on at step {self.step_index + 1}, "
                      f"{self.step.title}, at pressure level {self.level}.", Kind.INTRO)
        elif self.options.safety_known:
            self._say(f"{r.title}. {SAFETY_KNOWN}", Kind.INTRO)
            self._say("Say stop at any time to pause, and next to begin now. To hear the rest, ask: "
                      "what can I say?", Kind.INTRO)
            self._out.append(Prepare(self.step.say))
            return
        else:
            self.full_intro = True
            self._say(f"{r.title}. {r.description}", Kind.INTRO)
            if r.equipment:
                self._say("You will need:", Kind.INTRO)
                for item in r.equipment:
                    self._say(_sentence(item), Kind.INTRO)
        for note in r.safety:
            self._say(_sentence(note), Kind.INTRO)
        if r.contraindications and not self.resumed:
            self._say("Please skip this routine, and ask a clinician first, in these cases:", Kind.INTRO)
            for item in r.contraindications:
                self._say(_sentence(item), Kind.INTRO)
        self._say("Say stop at any time to pause. To hear the rest, ask: what can I say?", Kind.INTRO)
        self._out.append(Prepare(self.step.say))

    def _intro_heard(self) -> bool:
        """Every line of the full introduction was played to its end, none cut short."""
        return self.full_intro and not self.intro_lines and not self.intro_to_say_again and self.phase is Phase.INTRO

    def _intro_over(self) -> None:
        """The introduction has been said: ask about the safety notes (once), else begin the step."""
        if self.options.ask_notes and self.notes_short is None and self._intro_heard():
            self.asking_notes = True
            self.notes_short = True   # the default, if nothing else is said
            self._log("asked", question="notes")
            self.notes_question = self._say(NOTES_QUESTION)
            return
        self._begin_step(self.step_index)

    def _notes_answered(self, short: bool, how: str) -> None:
        """The answer to NOTES_QUESTION; step one follows once the reply has been said."""
        self.asking_notes = False
        self.notes_question = None
        self.notes_short = short
        self._log("answered", question="notes", short=short, how=how)
        if how == "no answer":
            self._say("I heard nothing, so next time the safety notes will be short.")
        else:
            self._silence()
            self._say("Next time, the safety notes will be short." if short
                      else "I will give the safety notes in full every time.")

    def _begin_step(self, index: int) -> None:
        if self._intro_heard():
            self.safety_heard = True
            self._log("safety_heard")
        self.intro_lines.clear()
        self.intro_to_say_again = []
        self.step_index = index
        self.elapsed = 0.0
        self.held_longer = 0.0
        self.fired_cues = self.fired_counts = self.fired_countdown = 0
        self.phase = Phase.INSTRUCTION
        step = self.step
        self._out.append(Checkpoint(index, self.level))   # saved before anything says the step began
        self._log("step", index=index, title=step.title)
        total = len(self.routine.steps)
        timing = f"{number_words(step.reps)} times" if step.reps else duration_words(step.duration)
        intro = f"Step {number_words(index + 1)} of {number_words(total)}: {step.title}, {timing}."
        if step.pressure:
            level_words = step.level_cue(self.level)
            text = f"{intro} {step.say} {level_words}".strip()
        else:
            text = f"{intro} {step.say}"
        self.instruction_id = self._say(text, Kind.INSTRUCTION)
        if index + 1 < total:
            self._out.append(Prepare(self.routine.steps[index + 1].say))

    def _next_step(self) -> None:
        if self.step_index + 1 >= len(self.routine.steps):
            self._end(completed=True, reason="finished")
        else:
            self._out.append(Tone(Earcon.STEP))
            self._begin_step(self.step_index + 1)

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

    def _end(self, completed: bool, reason: str) -> None:
        if self.phase in (Phase.ENDING, Phase.ENDED):
            return
        minutes = max(0.0, self.now - self.started_at)
        done = len(self.steps_done)
        total = len(self.routine.steps)
        self.phase = Phase.ENDING
        self.finished = Finish(completed, reason, self.level)
        self._log("ended", completed=completed, reason=reason, level=self.level, steps_done=done,
                  step=self.step_index, seconds=round(minutes, 1))
        self._out.append(Tone(Earcon.END))
        if completed:
            self._say(f"That is the end of {self.routine.title}.", Kind.SUMMARY)
        else:
            self._say(f"Ending the session here. Your place is saved at step {self.step_index + 1}; "
                      "run coach resume to carry on later.", Kind.SUMMARY)
        self._say(f"You spent {duration_words(minutes)}, finished {number_words(done)} of "
                  f"{number_words(total)} steps, and ended at pressure level {self.level}"
                  + (f", with {self.highest_level} the firmest." if self.highest_level > self.level else "."),
                  Kind.SUMMARY)
        for note in self.routine.aftercare:
            self._say(note, Kind.SUMMARY)
        if not self.outstanding:
            self.phase = Phase.ENDED
            self._out.append(self.finished)

    # -- commands ------------------------------------------------------------------------------

    def _heard(self, event: Heard) -> None:
        if event.rejected:
            self._rejected(event)
            return
        key = None if event.utterance is None else (event.utterance, event.command)
        if key is not None and key in self.acted:
            # the second stage confirms a guess already acted on: nothing more to do
            self.acted.discard(key)
            self._log_heard(event, confirms=event.utterance)
            return
        if (event.command is Command.STOP and event.confirmed and event.source == "voice"
                and self.phase is Phase.PAUSED and self.paused_by is not None
                and self.now - self.paused_at < self.options.stop_again_after):
            # a spoken stop judged whole right after a first-stage guess paused: that guess
            # confirmed (or "stop, stop"), whichever utterance the recogniser gave it
            self._log_heard(event, confirms=self.paused_by)
            self.acted.discard((self.paused_by, Command.STOP))
            self.paused_by = None
            return
        if (event.command in (Command.YES, Command.NO) and event.source == "voice" and not self.asking_resume
                and self.asking_end is None and not self.asking_notes):
            # a spoken yes or no with no question asked is chat: nothing is done, and the log says
            # so (the soak: the coach's count "nine" heard as "No" was logged as a command)
            self._log_heard(event, ignored="no question asked")
            return
        if event.command is Command.STOP:
            self._out.append(Silence())   # before anything else, even the log lines
        self._log_heard(event, **({} if event.confirmed else {"confirmed": False}))
        self._log("command", command=event.command.value)
        if self.phase is Phase.ENDING:
            if event.command is Command.STOP:
                self._silence()   # "stop" always silences, even the closing words
                self.phase = Phase.ENDED
                assert self.finished is not None
                self._out.append(self.finished)
            return
        self._event = event
        self._deferred = False   # set when an unconfirmed guess waits for its judgement instead of acting
        if self.asking_resume:
            self._answer_resume(event)
            return
        if self.asking_notes:
            if event.command is Command.YES or event.command is Command.NO or (
                    event.command is Command.NEXT and event.source == "key"):   # y, n, or the words
                self._notes_answered(short=event.command is Command.YES, how=event.command.value)
                return
            if event.command in (Command.HELP, Command.REPEAT):   # the question again, and its wait
                self._silence()
                self.notes_question = self._say(NOTES_QUESTION)
                return
            # any other command leaves the notes short next time, and is done as usual
            self.asking_notes = False
            self.notes_question = None
            self._log("answered", question="notes", short=True, how=event.command.value)
        if self.asking_end is not None and self._answer(event):
            self._remember(key)
            return
        handler = {
            Command.STOP: lambda: self._cmd_stop(event.source),
            Command.PAUSE: self._cmd_pause,
            Command.NEXT: self._cmd_next,
            Command.RESUME: self._cmd_resume,
            Command.HARDER: lambda: self._cmd_pressure(+1),
            Command.SOFTER: lambda: self._cmd_pressure(-1),
            Command.PAIN: self._cmd_pain,
            Command.REPEAT: self._cmd_repeat,
            Command.BACK: self._cmd_back,
            Command.SLOWER: lambda: self._cmd_rate(-RATE_STEP),
            Command.FASTER: lambda: self._cmd_rate(+RATE_STEP),
            Command.TIME: self._cmd_time,
            Command.MORE_TIME: self._cmd_more_time,
            Command.HELP: self._cmd_help,
            Command.YES: self._cmd_answer,
            Command.NO: self._cmd_answer,
        }[event.command]
        self.instruction_cut = False
        handler()
        self._remember(key)
        if self.phase is Phase.INTRO and self.intro_to_say_again:
            self._say_intro_again()
        elif self.instruction_cut and self.phase is Phase.RUNNING:
            self._say_instruction_again()

    def _rejected(self, event: Heard) -> None:
        """The second stage did not confirm a first-stage guess. A pause that guess caused, with
        nothing said or done since, is undone; easing off after a pain word is kept (it is safe)."""
        key = (event.utterance if event.utterance is not None else -1, event.command)
        acted = key in self.acted
        undo = (acted and event.command is Command.STOP and self.phase is Phase.PAUSED and self.paused_by_stop
                and self.paused_by == event.utterance and self.asking_end is None)
        self._log("heard", text=event.command.value, source=event.source, rejects=event.utterance,
                  why=event.text, undone=undo)
        # what the guess did stays unless undone here, and so does its key: a later judgement of the
        # same words (the recogniser gives it the guess's number) confirms it rather than acting
        # again (one "ouch" is not two pain words)
        if undo:
            self.acted.discard(key)
            self._silence()
            self._say("Sorry, I thought I heard stop.")
            self._unpause()
        elif not acted and event.command is Command.STOP and self.phase is Phase.PAUSED:
            # the guess waited for its judgement (a second stop, or an answer), and cut off what the
            # coach was saying: say it again, so that nobody is left in silence
            if self.asking_end is not None:
                self._say(END_QUESTION)
            elif self.paused_by_stop:
                self._say(STOPPED)

    def _log_heard(self, event: Heard, **extra: Any) -> None:
        """The "heard" record of a command, with ``extra`` fields and what the recogniser told of it."""
        self._log("heard", text=event.text, confidence=round(event.confidence, 3), source=event.source,
                  **extra, **voice_fields(event.echo_db, event.over, event.transcript, event.excess_db))

    def _remember(self, key: tuple[int, Command] | None) -> None:
        """A first-stage guess was acted on: its confirmation is not to be acted on again. A
        judgement acted on is remembered too: a first-stage guess of the same words can come after
        it (see coach.listen.judge.twostage), and is not acted on again either."""
        if key is not None and not self._deferred:
            self.acted.add(key)

    def _sure(self) -> bool:
        """The command being handled may end the session: typed, confirmed by the second stage, or
        from a single-stage recogniser answering the question the coach asked (a second detection)."""
        e = self._event
        return e.confirmed or (self.asking_end is not None and e.utterance is None)

    def _ask_end(self, reason: str) -> None:
        """Pause and ask whether to end; the answer comes by voice or key (:meth:`_answer`). Callers
        have silenced what was being said."""
        self._pause(by_stop=self.paused_by_stop)
        self.asking_end = reason
        self._log("asked", question="end", reason=reason)
        self._say(END_QUESTION)

    def _answer_resume(self, event: Heard) -> None:
        """While the coach asks whether to carry on where the last session stopped: yes (y, carry
        on, c) carries on from there, no (n, back, b) starts from the beginning; anything else,
        stop too, is no answer, and the question is asked again."""
        answer = resume_answer(event.command, event.source)
        if answer is not None:
            self._resume_answered(carry_on=answer, how=event.command.value)
        else:
            self._silence()
            self._say(RESUME_QUESTION)

    def _resume_answered(self, carry_on: bool, how: str) -> None:
        self._silence()
        self.asking_resume = False
        self._log("answered", question="resume", carry_on=carry_on, how=how)
        if carry_on:
            assert self.options.offer is not None
            step, level = self.options.offer
            self.step_index = step
            self.resumed = True
            self._set_level(_clamp(level, MIN_LEVEL, self.cap))
        self._say_intro()

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

    def _cmd_answer(self) -> None:
        """"yes" or "no" with no question asked: a typed one is told so, a spoken one is chat."""
        if self._event.source != "voice":
            self._reply(Earcon.UNKNOWN, "There is no question to answer just now.")

    def _say_intro_again(self) -> None:
        """After a reply cut the intro short, say the rest of it: safety notes are never skipped."""
        lines, self.intro_to_say_again = self.intro_to_say_again, []
        for text in lines:
            self._say(text, Kind.INTRO)

    def _pause(self, by_stop: bool) -> None:
        if self.phase is not Phase.PAUSED:
            self.paused_from = self.phase
            self.paused_at = self.now
        self.paused_by_stop = by_stop
        #: the utterance of the unconfirmed guess that paused (a rejection of it undoes the pause)
        self.paused_by = None if self._event.confirmed else self._event.utterance
        self.phase = Phase.PAUSED
        self._log("paused", by="stop" if by_stop else "pause", step=self.step_index)
        self._out.append(Tone(Earcon.PAUSED))

    def _cmd_stop(self, source: str) -> None:
        self._silence()
        if self.phase is Phase.PAUSED and self.paused_by_stop:
            if (source != "voice" or self.stop_source != "voice"
                    or self.now - self.paused_at >= self.options.stop_again_after):
                if self._sure():
                    self._end(completed=False, reason="stopped")
                elif self._event.utterance is None:
                    self._ask_end("stopped")   # a single-stage guess: ask rather than end on it
                else:   # a first-stage guess: the second stage's judgement of the same words follows
                    self._deferred = True
                return
            # "stop, stop": the same stop said twice; its answer, just cut off, is said again whole
        else:
            self._pause(by_stop=True)
            self.stop_source = source
        self._say(STOPPED)

    def _cmd_pause(self) -> None:
        self._silence()
        self._pause(by_stop=False)
        self._say("Paused. Say resume or next when you are ready.")

    def _cmd_resume(self) -> None:
        if self.phase is not Phase.PAUSED:
            self._reply(Earcon.OK, "We are not paused. Say stop or pause to pause.")
            return
        self._unpause()

    def _unpause(self) -> None:
        before = self.paused_from or Phase.RUNNING
        self.asking_end = None
        self.paused_from = None
        self.paused_by_stop = False
        self._log("resumed", step=self.step_index)
        self._out.append(Tone(Earcon.OK))
        if before is Phase.INTRO:
            self.phase = Phase.INTRO
            if self.intro_to_say_again:
                self._say_intro_again()
            else:
                self._begin_step(self.step_index)
        elif before is Phase.INSTRUCTION:
            self._begin_step(self.step_index)   # the instruction was cut off: give it again whole
        else:
            self.phase = Phase.RUNNING
            self._say(f"Carrying on with {self.step.title}.")

    def _cmd_next(self) -> None:
        if self.phase is Phase.PAUSED:
            self._unpause()
            return
        self._silence()
        if self.phase is Phase.INTRO:
            self._out.append(Tone(Earcon.STEP))
            self._begin_step(self.step_index)
            return
        self._next_step()

    def _cmd_back(self) -> None:
        self._silence()
        if self.phase is Phase.PAUSED:
            self.paused_from = None
            self.paused_by_stop = False
        target = max(0, self.step_index - 1)
        self._out.append(Tone(Earcon.STEP))
        self._begin_step(target)

    def _cmd_repeat(self) -> None:
        self._silence()
        self._out.append(Tone(Earcon.OK))
        if self.phase is Phase.INTRO:
            return   # what was cut off of the intro is said again (see _heard)
        step = self.step
        words = f" {step.level_cue(self.level)}" if step.pressure else ""
        if self.phase is Phase.PAUSED:
            self._say(f"{step.say}{words}", Kind.INSTRUCTION)   # stays paused
        else:
            self.phase = Phase.INSTRUCTION   # the timer waits for the instruction again
            self.instruction_id = self._say(f"{step.say}{words}", Kind.INSTRUCTION)

    def _cmd_pressure(self, delta: int) -> None:
        firmer = delta > 0
        new = _clamp(self.level + delta, MIN_LEVEL, self.cap)
        word = "firmer" if firmer else "lighter"
        if new == self.level:
            self._interrupt()
            self._out.append(Tone(Earcon.HARDER if firmer else Earcon.SOFTER))
            if firmer:
                self._say(f"That is as firm as this routine goes: level {self.level} of {self.cap}.")
            else:
                self._say(f"That is as light as it goes: level {self.level}.")
            return
        applies = self.step.pressure and self.phase in (Phase.INSTRUCTION, Phase.RUNNING, Phase.PAUSED)
        self._interrupt()
        self._set_level(new)
        self._out.append(Tone(Earcon.HARDER if firmer else Earcon.SOFTER))
        step = self.step
        if not applies:
            self._say(f"Noted: {word}, level {self.level} of {self.cap}. Pressure does not change in this "
                      f"part; {self._when_pressure_applies()}")
            return
        who = "Your partner asks for it " + word + ". " if self.role == "partner" else ""
        self._say(f"{who}{word.capitalize()}, level {self.level}, {LEVEL_NAMES[self.level]}. "
                  f"{step.level_cue(self.level)}".strip())

    def _when_pressure_applies(self) -> str:
        """Which step the pressure level will be used in next, said plainly."""
        first = self.step_index if self.phase in (Phase.IDLE, Phase.INTRO) else self.step_index + 1
        for index in range(first, len(self.routine.steps)):
            if self.routine.steps[index].pressure:
                return f"I will use it from step {number_words(index + 1)}, {self.routine.steps[index].title}."
        return "no later step in this routine uses pressure."

    def _cmd_pain(self) -> None:
        self._interrupt()
        if self.last_pain is not None and self.now - self.last_pain <= self.options.pain_window:
            # the second pain word: ease off to the gentlest level, pause, and ask whether to end
            self._set_level(MIN_LEVEL)
            self._out.append(Tone(Earcon.SOFTER))
            self._say("Stop pressing now and rest. If the pain stays or is sharp, "
                      "please speak with a clinician before trying again.")
            self._ask_end("pain")
            return
        self.last_pain = self.now
        self._set_level(max(MIN_LEVEL, self.level - 2))
        self._out.append(Tone(Earcon.SOFTER))
        step = self.step
        words = step.level_cue(self.level) if step.pressure else ""
        who = "Ease off now: your partner felt pain. " if self.role == "partner" else "Easing off. "
        self._say(f"{who}Level {self.level}, {LEVEL_NAMES[self.level]}. {words} Is that better? "
                  "If it still hurts, say ouch again and we will stop.".replace("  ", " "))

    def _cmd_rate(self, delta: int) -> None:
        new = _clamp(self.rate + delta, MIN_RATE, MAX_RATE)
        self._interrupt()
        if new == self.rate:
            self._say("That is as slow as I go." if delta < 0 else "That is as fast as I go.")
            return
        self.rate = new
        self._log("rate", wpm=new)
        self._out.append(SetRate(new))
        self._say("Speaking slower." if delta < 0 else "Speaking faster.")

    def _cmd_time(self) -> None:
        step_left, total_left = self.time_left()
        self._reply(Earcon.OK, f"{duration_words(step_left).capitalize()} left in this step, and "
                    f"{duration_words(total_left)} in the session.")

    def _cmd_more_time(self) -> None:
        """Hold the step ``MORE_TIME`` seconds longer (WCAG 2.2.1): its timer goes back, and a
        countdown already said is said again at the new end."""
        if self.phase not in (Phase.INSTRUCTION, Phase.RUNNING, Phase.PAUSED):
            self._reply(Earcon.OK, "Say more time during a step, and I will hold it thirty seconds longer.")
            return
        self.elapsed -= MORE_TIME
        self.held_longer += MORE_TIME
        self.fired_countdown = sum(1 for at in self._countdown_offsets() if at <= self.elapsed)
        self._log("more_time", seconds=MORE_TIME, step=self.step_index)
        step_left, _ = self.time_left()
        self._reply(Earcon.OK, f"Thirty seconds more. {duration_words(step_left).capitalize()} left in this step.")

    def _cmd_help(self) -> None:
        """Help for where the user is (issue 18): where the session stands, what comes next, and the
        commands that do something at this moment."""
        self._interrupt()
        r, total = self.routine, len(self.routine.steps)
        word = {c: canonical(c, r.language) for c in Command}
        if self.phase is Phase.PAUSED:
            where = (f"We are paused in step {number_words(self.step_index + 1)} of {number_words(total)}, "
                     f"{self.step.title}. Say {word[Command.NEXT]} or {word[Command.RESUME]} to carry on, or "
                     f"{word[Command.STOP]} to end the session; your place is kept.")
            now = [Command.REPEAT, Command.BACK, Command.HARDER, Command.SOFTER, Command.MORE_TIME, Command.TIME,
                   Command.SLOWER, Command.FASTER]
        elif self.phase is Phase.INTRO:
            where = (f"This is the introduction to {r.title}. Say {word[Command.NEXT]} to begin step one now, "
                     f"or {word[Command.PAUSE]} or {word[Command.STOP]} to pause.")
            now = [Command.REPEAT, Command.HARDER, Command.SOFTER, Command.TIME, Command.SLOWER, Command.FASTER]
        else:
            step_left, _ = self.time_left()
            later = (f"Then step {number_words(self.step_index + 2)}, {r.steps[self.step_index + 1].title}."
                     if self.step_index + 1 < total else "It is the last step.")
            where = (f"Step {number_words(self.step_index + 1)} of {number_words(total)}, {self.step.title}: "
                     f"{duration_words(step_left)} left. {later} Say {word[Command.STOP]} or "
                     f"{word[Command.PAUSE]} to pause, and {word[Command.STOP]} again to end.")
            now = [Command.HARDER, Command.SOFTER, Command.MORE_TIME, Command.NEXT, Command.BACK, Command.REPEAT,
                   Command.TIME, Command.SLOWER, Command.FASTER]
            if not self.step.pressure:
                now = [c for c in now if c not in (Command.HARDER, Command.SOFTER)]
        self._say(f"{where} You can also say {join_phrases([word[c] for c in now])}. If anything hurts, say "
                  f"{canonical(Command.PAIN, r.language)} and I will ease off.")

    # -- helpers -------------------------------------------------------------------------------

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

    def _say(self, text: str, kind: Kind = Kind.REPLY) -> int:
        uid = self._next_id
        self._next_id += 1
        self.outstanding.add(uid)
        if kind is Kind.INTRO:
            self.intro_lines[uid] = text
        self._out.append(Say(uid, text, kind))
        self._log("said", text=text, kind=kind.value, id=uid)
        return uid

    def _log(self, type_: str, **data: Any) -> None:
        self._out.append(Log(type_, data))


def resume_answer(command: Command, source: str) -> bool | None:
    """The answer ``command`` gives to "shall I carry on from there?": True for yes (y, carry on,
    c), False for no (n, back, b; the n key is "next" elsewhere), None for no answer. The session
    and the menu ask it alike."""
    if command in (Command.NO, Command.BACK) or (command is Command.NEXT and source == "key"):
        return False
    if command in (Command.YES, Command.RESUME):
        return True
    return None


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1:] in ".!?:" else text + "."


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


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
