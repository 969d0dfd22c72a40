"""The loop: events (tick, heard, key, speech-done) in, effects out.

The runtime owns the clock and the event queue. Other threads (the listener, the keyboard
reader, the speaker's done callback) only ever put events into the queue. The loop takes
them in batches, "stop" first, feeds them to the pure :class:`~coach.session.Session`, and
carries out its effects on the speaker, the log and the store.
"""

from __future__ import annotations

import queue
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TextIO

from coach.commands import Command, normalise, parse, parse_key
from coach.session import (
    Checkpoint,
    Effect,
    Event,
    Finish,
    Heard,
    Log,
    Prepare,
    Say,
    Session,
    SetRate,
    Silence,
    SpeechDone,
    Start,
    Tick,
    Tone,
    voice_fields,
)
from coach.speech.base import TONE_ID, Earcon, Played, Speaker
from coach.store import SessionLog
from coach.transcript import Transcript

#: Spoken commands acted on even while the coach is talking: they only ever make things safer.
SAFE_WHILE_SPEAKING = frozenset({Command.STOP, Command.PAIN})
#: Any other command heard while the coach is talking is acted on only when the second stage judged
#: it whole and the echo canceller left this much (dB) of its words or more: the user's voice adds
#: sound the canceller cannot take out. Users' commands over the coach kept -10.4 dB or more on the
#: benchmark's files and -9.9 dB live; the coach's own voice heard as "next" in the live soak
#: (2026-11-30, the listener starved by a busy core) kept -19.1 dB, and other misheard coach words
#: -18.7 to -23.9 dB.
USER_OVER_VOICE_DB = -15.0
#: A first-stage guess of "stop" or a pain word heard over the coach's voice is acted on at once
#: only when that much of it is left too; else it waits for the second stage (live soak, 2026-11-30:
#: a "pain" guess in the coach's voice at -17.1 dB paused it, and Whisper rejected it 0.4 s later).
GUESS_WAITS = "waits for the second stage (heard over the coach's voice, little left after echo cancellation)"
#: ... and one heard over (or just after) the coach's voice without GUESS_EXCESS_DB more sound
GUESS_WAITS_VOICE = "waits for the second stage (heard over the coach's voice, not surely another voice)"
#: Spoken words over the coach's voice are its own when the microphone had less than this much
#: more sound (dB), for what the coach played, than in the seconds before (``Detection.excess_db``):
#: the room gives its voice back at a steady level, and only another voice adds to it. Replayed
#: barge-in trials (2026-11-30, 41 detections): the users' commands 0.9 to 19.2 dB (those judged
#: over a 3 s window, where the command is a short part, 0.9-2.0); the coach's own voice taken for
#: commands, also where the canceller had lost the echo path (-0.3 dB left), -2.2 to 0.5 dB.
#: Other commands are then dropped; a stop or pain guess waits for the second stage, and a
#: confirmed one is dropped too (since 2026-12-02, even one Whisper wrote down: see _coachs_voice).
MIN_EXCESS_DB = 0.7
#: ... and with this much more (dB), another voice was surely there: a command Whisper only found
#: fitting is taken over the coach's voice then too (barge-in, 2026-11-30: the users' "harder"
#: written "herder" at 2.1 dB and "pause" written "or a pass." at 14.6 dB were dropped without it)
SURE_EXCESS_DB = 2.0
#: A first-stage guess over the coach's voice acts at once only with this much more sound (dB):
#: the spotter's span is the word's own, where a user's voice stands out far more (a user's "stop"
#: over Piper's voice, live: 20.5 dB), and the coach's own voice once came out at 3.5 dB (the soak,
#: 2026-12-02, the machine loaded: an "ouch" guess eased off and Whisper judged nothing there).
#: Below it the guess waits for its judgement, a few hundred milliseconds later.
GUESS_EXCESS_DB = 6.0
STRONG_GUESS_KEPT = ("a rejection of a guess heard with surely another voice over the coach's: what the "
                     "guess did stays")
NO_VOICE_BUT_THE_COACHS = "no voice but the coach's (no more sound in the room than its echo)"
#: ... and a stop or pain word that the second stage did not write down, only found fitting the
#: sound, is not taken over the coach's voice with less than that left (live barge-in run,
#: 2026-11-30: the coach's voice written as "Just up." judged "please stop" at -16.4 dB; the users'
#: stops judged that way kept -5.9 and -6.6 dB)
#: The same where the coach was saying a line but its voice was in the room for less than half of
#: the words (no echo figures): the soak's "Oh" judged "stop", over the end of a line.
FIT_OVER_VOICE = "only fitted, not written down, over the coach's voice with little left after echo cancellation"


class Clock:
    """Monotonic seconds since the session began, optionally running ``speed`` times faster."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed if speed > 0 else 1.0
        self._t0 = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._t0) * self.speed

    def real_seconds(self, session_seconds: float) -> float:
        return max(0.0, session_seconds / self.speed)


@dataclass(frozen=True)
class _Unknown:
    now: float
    text: str


@dataclass(frozen=True)
class _Interrupt:
    now: float
    reason: str


@dataclass(frozen=True)
class _OwnWords:
    now: float
    command: Command
    text: str
    reason: str = "the coach was saying it"
    echo_db: tuple[float, float] | None = None
    over: int | None = None
    transcript: str | None = None
    excess_db: float | None = None


@dataclass(frozen=True)
class _Warning:
    now: float
    text: str


_Item = Event | _Unknown | _Interrupt | _OwnWords | _Warning

#: A line's echo can still be in the room (and in the recogniser) this long after it ended. When the
#: recogniser cannot say when the heard words ended, any word of a line going out now, or that
#: finished less than this long ago, counts as its echo.
ECHO_TAIL = 0.8
#: Otherwise a word of a line the coach sent out lately is its echo only if the coach said that
#: word about when the heard words ended: no more than ``WORD_EARLY`` seconds after it (where the
#: coach says a word is estimated from where it stands in the line's text: within 0.27 s for every
#: "stop" and "pain" in the built-in routines, rendered by espeak-ng, 2026-11-22) and no more than
#: ``WORD_LATE`` seconds before it (the way out of the speaker, through the room and into the
#: microphone, and a recogniser running behind the audio). A user's "stop" while the coach reads
#: a safety line that has "stop" in it is acted on, except in that window around the coach's own;
#: the coach's own "pain" heard seconds later (the recogniser finishes an utterance only when the
#: voice pauses, maybe in the next line) is still its own.
WORD_EARLY = 0.5
WORD_LATE = 2.0
#: ... or if the echo canceller took this much (dB) or more out of the heard words while the line
#: went out: then they are the coach's voice misheard as a word that happens to be in the line
#: (live, 2026-11-22: the coach's "...came with a fever, a fall..." heard as "pain", a word of the
#: same line said 2 s before, at -21.6 dB; four such in all, -18.7 to -23.9 dB). A user's words
#: keep more: -10.4 dB at the least on the benchmark's echo files, -9.9 dB in live sessions.
IN_LINE_ECHO_DB = -15.0


def _said_then(line: list[str], words: set[str], played: Played, heard_end: float | None, now: float,
               left_db: float | None = None) -> bool:
    """Whether the coach said one of ``words`` of ``line`` (sent out as ``played``) about when the
    heard words ended (``heard_end``, on ``time.monotonic()``'s clock; None if unknown), or the
    words were heard while it went out with no more than ``left_db`` left of them after echo
    cancellation (see ``IN_LINE_ECHO_DB``). Where a word falls is estimated from its place in the
    line's text, as a share of the line's length in sound."""
    going_out = played.started - WORD_EARLY, played.started + played.out + ECHO_TAIL
    if heard_end is None or played.length <= 0:
        return going_out[0] <= now <= going_out[1]
    if left_db is not None and left_db <= IN_LINE_ECHO_DB and going_out[0] <= heard_end <= going_out[1]:
        return True
    heard_at = heard_end - played.started     # when the heard words ended, on the line's clock
    chars = len(" ".join(line))
    end = 0
    for word in line:
        end += len(word)
        said_at = played.length * end / chars   # when the coach finishes saying ``word``
        if said_at > played.out + WORD_EARLY:
            break                               # cut off before the coach got to it
        if word in words and -WORD_EARLY <= heard_at - said_at <= WORD_LATE:
            return True
        end += 1
    return False


class Output:
    """What a loop does to the speaker, the log and the printed transcript; shared by the session's
    :class:`Runtime` and the menu's loop (:class:`coach.menuloop.MenuLoop`)."""

    speaker: Speaker
    log: SessionLog
    clock: Clock
    transcript: TextIO | None
    _lines: Transcript | None

    def _stop_speech(self) -> None:
        # the transcript first: the speaker reports each line it drops done as it stops, and each
        # would have become the transcript's current line, printed, though never heard
        if self._lines is not None:
            self._lines.silenced()
        self.speaker.stop()

    def _write_log(self, type_: str, data: dict[str, object]) -> None:
        self.log.write(self.clock.now(), type_, dict(data))

    def _print(self, line: str) -> None:
        out = self.transcript or sys.stdout
        try:
            out.write(line + "\n")
            out.flush()
        except (OSError, ValueError):
            pass


class Runtime(Output):
    """Runs one session to its end. Thread-safe entry points: :meth:`command`, :meth:`text`,
    :meth:`speech_done`, :meth:`interrupt`."""

    def __init__(
        self,
        session: Session,
        speaker: Speaker,
        log: SessionLog,
        clock: Clock,
        *,
        on_checkpoint: Callable[[int, int], None] = lambda step, level: None,
        transcript: TextIO | None = None,
    ) -> None:
        self.session = session
        self.speaker = speaker
        self.log = log
        self.clock = clock
        self.on_checkpoint = on_checkpoint
        self.transcript = transcript
        self._lines = Transcript(self._print) if transcript is not None else None
        self.language = session.routine.language
        self._queue: queue.Queue[_Item] = queue.Queue()
        self.result: Finish | None = None
        self._said: dict[int, list[str]] = {}    # utterance id -> its words (for the own-words check)
        self._said_lock = threading.Lock()
        #: first-stage guesses acted on over the coach's voice with GUESS_EXCESS_DB or more (see
        #: _reject_guess); the last few
        self._strong_guesses: deque[int] = deque(maxlen=64)
        #: how to get help with the keys, said after input that was not understood
        self.key_hint = "Type ? and Enter for the keys, or a word like harder."

    # -- entry points for other threads --------------------------------------------------------

    def command(self, command: Command, text: str = "", confidence: float = 1.0, source: str = "voice",
                echo_db: tuple[float, float] | None = None, ended_ago: float | None = None,
                confirmed: bool | None = None, utterance: int | None = None, rejected: bool = False,
                transcript: str | None = None, excess_db: float | None = None) -> None:
        """A command arrived (any thread). "stop" silences the speaker at once, before the loop runs.

        A spoken command whose words are all in a line the coach sent out lately, said by the coach
        about when they were heard (see ``WORD_EARLY``) or heard with little of them left after echo
        cancellation (``echo_db``, see ``IN_LINE_ECHO_DB``), is its own voice coming back from the room:
        it is logged and not acted on. ``ended_ago``: how many seconds ago the words ended (the audio
        the recogniser took in after them; None: unknown, and then any word of a line going out, or
        finished less than ``ECHO_TAIL`` ago, counts as its echo). Keys are never filtered. Saying it
        again after the line works as usual.

        ``confirmed``: a verifying stage judged the spoken words whole (a typed command always counts
        as confirmed, a spoken one only when told). ``utterance``: the recogniser's number for the
        words, which pairs a first-stage guess with its confirmation. ``rejected``: the second stage
        did not confirm the guess ``utterance`` (the session undoes what can be undone).
        """
        sure = source != "voice" if confirmed is None else confirmed
        if rejected and utterance in self._strong_guesses:
            # the guess was heard over the coach's voice with far more sound than its echo: someone
            # spoke, and what they asked for (a pause, easing off) stays; Whisper's utterance ran over
            # the coach's voice too, which outweighed the word (the end-to-end stop test, 2026-12-02:
            # a user's "stop" at 19.9 dB paused, then "judged nothing" undid it)
            self._queue.put(_OwnWords(self.clock.now(), command, text or command.value, STRONG_GUESS_KEPT))
            return
        if rejected:
            self._queue.put(Heard(self.clock.now(), command, text, 0.0, source, confirmed=True,
                                  utterance=utterance, rejected=True))
            return
        over = None
        if source == "voice":
            own, over = self._own_words(text or command.value, ended_ago, None if echo_db is None else echo_db[0])
            if own:
                self._queue.put(_OwnWords(self.clock.now(), command, text or command.value, echo_db=echo_db,
                                          over=over, transcript=transcript, excess_db=excess_db))
                self._reject_guess(command, _OwnWords.reason, sure, utterance)
                return
        why = (self._coachs_voice(command, text or command.value, sure, utterance, echo_db, over, ended_ago,
                                  transcript, excess_db) if source == "voice" else None)
        if why is not None:
            self._queue.put(_OwnWords(self.clock.now(), command, text or command.value, why,
                                      echo_db=echo_db, over=over, transcript=transcript, excess_db=excess_db))
            self._reject_guess(command, why, sure, utterance)
            return
        if not sure and utterance is not None and excess_db is not None and excess_db >= GUESS_EXCESS_DB:
            self._strong_guesses.append(utterance)
        if command is Command.STOP:
            self._stop_speech()
        self._queue.put(Heard(self.clock.now(), command, text or command.value, confidence, source, echo_db, over,
                              sure, utterance, transcript=transcript, excess_db=excess_db))

    def echo(self, command: Command, text: str, left_db: float) -> None:
        """A command heard in the coach's own voice: the echo canceller had taken nearly all of it
        out (``left_db`` of the sound left). Logged, never acted on (any thread)."""
        self._queue.put(_OwnWords(self.clock.now(), command, text or command.value,
                                  f"the coach's own voice ({left_db:.0f} dB left after echo cancellation)"))

    def text(self, line: str, source: str = "key") -> None:
        """Typed input: a single key (see coach.commands.KEYS) or words."""
        stripped = line.strip()
        command = parse_key(line if stripped == "" and line else stripped) if len(stripped) <= 1 else None
        if command is None and stripped:
            command = parse(stripped, self.language)
        if command is None:
            if stripped or line:
                self._queue.put(_Unknown(self.clock.now(), stripped))
            return
        self.command(command, stripped or "space", 1.0, source)

    def speech_done(self, utterance_id: int, interrupted: bool) -> None:
        if self._lines is not None:
            self._lines.done(utterance_id)   # the next line is heard from now: print it now
        self._queue.put(SpeechDone(self.clock.now(), utterance_id, interrupted))

    def _own_words(self, heard: str, ended_ago: float | None = None,
                   left_db: float | None = None) -> tuple[bool, int | None]:
        """Whether ``heard`` is the coach's own voice, and the id of the line it was heard over."""
        played = getattr(self.speaker, "played", None)
        if not callable(played):
            return False, None
        lines: list[Played] = played()
        words = set(normalise(heard).split())
        now = time.monotonic()
        heard_end = None if ended_ago is None else now - ended_ago
        when = now if heard_end is None else heard_end
        over = next((line.id for line in reversed(lines) if line.started <= when <= line.started + line.out), None)
        with self._said_lock:
            for line in lines:
                said = self._said.get(line.id, [])
                if words and words <= set(said) and _said_then(said, words, line, heard_end, now, left_db):
                    return True, over
        return False, over

    def _coachs_voice(self, command: Command, heard: str, sure: bool, utterance: int | None,
                      echo_db: tuple[float, float] | None, over: int | None, ended_ago: float | None,
                      transcript: str | None, excess_db: float | None) -> str | None:
        """Why spoken words heard over (or just after) the coach's voice are taken for its own, or
        for a guess that waits for its judgement; None when they may be acted on here."""
        written = transcript is not None and parse(transcript, self.language) is command
        if excess_db is not None and excess_db < MIN_EXCESS_DB:
            # with no more sound in the room than the coach's voice brings: its own
            if command not in SAFE_WHILE_SPEAKING:
                return NO_VOICE_BUT_THE_COACHS
            if not sure and utterance is not None:
                return GUESS_WAITS
            # a stop or pain word too, even one Whisper wrote down: the soak of 2026-12-02 with
            # Piper's voice had its "Step three of nine" written "stop 3 for a second" (excess -0.4
            # dB) and a count written "Stop it!", each of which paused it. A user's stop over the
            # coach is louder than that where pocketsphinx hears it (20 dB), and said again works
            return NO_VOICE_BUT_THE_COACHS
        near_voice = over is not None or self._spoke_lately(ended_ago)
        if not sure and utterance is not None and ((excess_db is None and near_voice) or
                                                   (excess_db is not None and excess_db < GUESS_EXCESS_DB)):
            # a first-stage guess over the coach's voice acts at once only when another voice was
            # surely there; else its judgement decides, a moment later (soak with Piper's voice,
            # 2026-12-02, the machine loaded: an "ouch" guess at 0.9 dB eased off; Whisper judged
            # nothing there). The spotter's spans are the word's own: users' guesses over the coach
            # had 20 dB and more. Over or just after a line with no such figure (the coach's voice
            # in the room for less than half the words) it waits too: the same soak, a "stop" guess
            # 4 s into a step's instruction, Whisper judged nothing there.
            return GUESS_WAITS_VOICE
        little_left = (echo_db[0] < USER_OVER_VOICE_DB if echo_db is not None
                       else over is not None or self._spoke_lately(ended_ago))
        unsure_voice = (excess_db is not None and excess_db < SURE_EXCESS_DB) or (excess_db is None and near_voice)
        if sure and transcript is not None and (little_left or unsure_voice) and not written:
            # judged a command only by how well its phrase fits, over the coach's voice, with little
            # left after echo cancellation (live: "Just up." as "please stop"), or with no echo
            # figures, its voice in the room for less than half the words (live: "Oh" as "stop"),
            # or without surely another voice there (the soak, 2026-12-02: the coach's first line
            # written "five" and judged stop at 0.8 dB paused it, and its own "Stopped. Say next to
            # continue, or stop again to end." written "So..." at 0.7 dB ended the session)
            return FIT_OVER_VOICE
        if not sure and utterance is not None and echo_db is not None and echo_db[0] < USER_OVER_VOICE_DB:
            # a first-stage guess over the coach's voice with little of its words left after echo
            # cancellation: likely the coach's own voice. Its second stage judges it in a moment,
            # and a confirmed stop or pain word is acted on then.
            return GUESS_WAITS
        return None

    def _reject_guess(self, command: Command, why: str, sure: bool, utterance: int | None) -> None:
        """A second-stage judgement taken for the coach's own voice also stands against the first
        stage's guess of the same words: what the guess did that can be undone is undone (the
        soak: a stop guess over the count "five" paused, and its judgement, "I'm going to go to the
        top.", was not taken, which left the session paused). Not a guess that was acted on over
        the coach's voice with ``GUESS_EXCESS_DB`` or more: another voice was surely there, and a
        judgement over a longer span that holds much of the coach's voice says less."""
        if sure and utterance is not None and command in SAFE_WHILE_SPEAKING and utterance not in self._strong_guesses:
            self._queue.put(Heard(self.clock.now(), command, why, 0.0, "voice", confirmed=True,
                                  utterance=utterance, rejected=True))

    def _spoke_lately(self, ended_ago: float | None) -> bool:
        """Whether the coach's voice was going out in the ``WORD_LATE`` seconds before the heard words
        ended (so that they may hold it: the soak's count "seven" heard as "Okay." and judged stop)."""
        played = getattr(self.speaker, "played", None)
        if not callable(played):
            return False
        when = time.monotonic() - (ended_ago or 0.0)
        return any(line.started <= when and line.started + line.out >= when - WORD_LATE for line in played())

    def warning(self, text: str) -> None:
        """Something went wrong that the session carries on through (listening fell behind, the
        sound stream was opened again): it goes into the session log as a "warning" (any thread)."""
        self._queue.put(_Warning(self.clock.now(), text))

    def interrupt(self, reason: str) -> None:
        """End the session now (Ctrl-C, a signal, a device lost for good); the resume point stays."""
        self._stop_speech()
        self._queue.put(_Interrupt(self.clock.now(), reason))

    # -- the loop ------------------------------------------------------------------------------

    def run(self) -> Finish:
        """Run until the session finishes or is interrupted; return how it ended."""
        try:
            self._perform(self.session.handle(Start(self.clock.now())))
            while self.result is None:
                due = self.session.next_due()
                timeout = 0.5 if due is None else min(0.5, self.clock.real_seconds(due - self.clock.now()))
                batch: list[_Item] = []
                try:
                    batch.append(self._queue.get(timeout=max(0.0, timeout)))
                    while True:
                        batch.append(self._queue.get_nowait())
                except queue.Empty:
                    pass
                # "stop" wins over everything else that is queued; then the lines that finished
                # playing (or printing, in text mode, at once) are taken before other commands, so
                # that a command queued with them does not take them for cut short and say them
                # again (text mode: a "?" typed before the session began reprinted the introduction)
                batch.sort(key=lambda e: 0 if isinstance(e, _Interrupt) else
                           1 if isinstance(e, Heard) and e.command is Command.STOP else
                           2 if isinstance(e, SpeechDone) else 3)
                for item in batch:
                    if self._over():
                        break
                    self._take(item)
                if not self._over():
                    self._perform(self.session.handle(Tick(self.clock.now())))
        except KeyboardInterrupt:
            self._take(_Interrupt(self.clock.now(), "interrupted"))
        return self.result or Finish(False, "interrupted", self.session.level)

    def _over(self) -> bool:
        return self.result is not None

    def _take(self, item: _Item) -> None:
        if isinstance(item, _Interrupt):
            self._stop_speech()
            s = self.session
            self.on_checkpoint(s.step_index, s.level)   # the resume point matches the last state exactly
            self._write_log("ended", {"completed": False, "reason": item.reason, "level": s.level,
                                      "step": s.step_index, "steps_done": len(s.steps_done)})
            self.result = Finish(False, item.reason, s.level)
        elif isinstance(item, _OwnWords):
            self._write_log("heard", {"text": item.text, "command": item.command.value, "source": "voice",
                                      "ignored": item.reason,
                                      **voice_fields(item.echo_db, item.over, item.transcript, item.excess_db)})
        elif isinstance(item, _Warning):
            self._write_log("warning", {"text": item.text})
        elif isinstance(item, _Unknown):
            self._write_log("heard", {"text": item.text, "command": None, "source": "key"})
            self.speaker.tone(Earcon.UNKNOWN)
            self._print(f"not understood: {item.text!r}. {self.key_hint}")
        elif (isinstance(item, Heard) and item.source == "voice" and self.session.speaking
              and item.command not in SAFE_WHILE_SPEAKING and not item.rejected
              and not (item.confirmed and self._transcribed(item) and (
                  (item.echo_db is not None and item.echo_db[0] >= USER_OVER_VOICE_DB)
                  or (item.echo_db is None and item.over == TONE_ID)))):
            # Over its own voice a recogniser can mistake the coach's words for commands. Only the
            # commands that make things safer are taken then, and those a verifying stage judged
            # whole that the echo figures show to be the user's voice (USER_OVER_VOICE_DB; the
            # own-words check above still applies to them) and whose words it wrote down; the rest
            # is logged. Words that ended over an earcon, with no echo figures (a step's start, the
            # canceller still learning the room), are the user's when written down: a tone holds
            # no words (barge-in, 2026-12-03: a user's "softer" over the first earcon was dropped;
            # no detection of the coach's own voice ended over an earcon in 40 minutes of soak).
            self._write_log("heard", {"text": item.text, "command": item.command.value, "source": "voice",
                                      "ignored": "the coach was speaking", "confirmed": item.confirmed,
                                      **voice_fields(item.echo_db, item.over, item.transcript, item.excess_db)})
        else:
            self._perform(self.session.handle(item))

    def _transcribed(self, item: Heard) -> bool:
        return (item.excess_db is not None and item.excess_db >= SURE_EXCESS_DB) or self._written(item)

    def _written(self, item: Heard) -> bool:
        """Whether the second stage wrote the command's words down (its transcription reads as the
        command), rather than only finding that the command's phrase fits the sound well enough.
        Over the coach's voice the second is not enough: in live barge-in runs (2026-11-30) the
        coach's voice written as "Let's go." was taken for "next" that way, and as "Just up." for
        "please stop", while the users' "harder", "softer" and "next" over it were written down in
        12 of 14 trials. A recogniser that gives no transcription (one stage) is not held to it."""
        if item.transcript is None:
            return True
        return parse(item.transcript, self.language) is item.command

    def _perform(self, effects: list[Effect]) -> None:
        for e in effects:
            if isinstance(e, Say):
                with self._said_lock:
                    self._said[e.utterance_id] = normalise(e.text).split()
                    for old in [k for k in self._said if k < e.utterance_id - 50]:
                        del self._said[old]
                if self._lines is not None:
                    self._lines.queued(e.utterance_id, e.text)
                self.speaker.say(e.utterance_id, e.text)
            elif isinstance(e, Silence):
                self._stop_speech()
            elif isinstance(e, Tone):
                self.speaker.tone(e.earcon)
            elif isinstance(e, Prepare):
                self.speaker.prepare(e.text)
            elif isinstance(e, SetRate):
                self.speaker.set_rate(e.wpm)
            elif isinstance(e, Log):
                self._write_log(e.type, e.data)
                if self.transcript is not None and e.type == "heard" and e.data.get("source") == "voice":
                    self._print(f"heard: {e.data.get('text')}")
            elif isinstance(e, Checkpoint):
                self.on_checkpoint(e.step, e.level)
            elif isinstance(e, Finish):
                self.result = e



_TIMED = re.compile(r"^@\s*(\d+(?:\.\d+)?)\s+(.*)$")


class TypedInput(Protocol):
    """What typed lines are fed to: a session's :class:`Runtime`, the menu's loop, or a relay."""

    clock: Clock

    def text(self, line: str, source: str = "key") -> None: ...


def read_input(runtime: TypedInput, stream: TextIO) -> threading.Thread:
    """Feed typed lines from ``stream`` to ``runtime`` on a daemon thread.

    A line is a single key or words. A line ``@SECONDS command`` is held until the session
    clock reaches SECONDS (for scripted sessions through a pipe). End of input just stops
    reading; the session goes on.
    """

    def loop() -> None:
        while True:
            try:
                line = stream.readline()
            except (OSError, ValueError):
                return
            if not line:
                return
            line = line.rstrip("\r\n")
            m = _TIMED.match(line.strip())
            if m:
                wait = runtime.clock.real_seconds(float(m.group(1)) - runtime.clock.now())
                if wait > 0:
                    time.sleep(wait)
                line = m.group(2)
            runtime.text(line)

    thread = threading.Thread(target=loop, name="coach-input", daemon=True)
    thread.start()
    return thread
