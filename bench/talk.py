"""`python -m bench talk`: the interactive soak. Whole sessions and menus with a virtual user who
talks; does the coach act on every command said, over its voice and in quiet, and on nothing else?

Measured live, end to end, through real PortAudio, on the rig of ``bench.soak``: a private
PulseAudio server (``tests/pulse.py``) whose room-echo loopback puts the coach's own voice into its
microphone at -6 dB, one core kept busy by a spinning process (``TALK_BUSY=0``: none), every
``coach`` process with its own data dir and the listening engine it picks by itself. Where Debian's
swh-plugins are installed (``/usr/lib/ladspa``), the echo goes through a small loudspeaker first:
PulseAudio's ``module-ladspa-sink`` with swh's valve saturation (the cone's non-linearity) and a
250 Hz Butterworth high-pass (its missing bass) in the loopback; ``TALK_SPEAKER=linear`` leaves
them out. The header says which, and the echo's level as measured on a test sound.

The virtual user speaks into ``user_out`` with the benchmark corpus's voices (``bench.corpus``:
flite kal16, awb, rms and slt, festival kal_diphone and cmu_us_slt_arctic_hts, at the corpus's
speeds and pitches), never the coach's own. What it says, with ``random.Random(TALK_SEED)``
(default 1):

- **Sessions** (``coach run ROUTINE --fresh``, the routine drawn from scripts/), each for at most
  ``TALK_SESSION_MINUTES`` (default 6): commands from :data:`POOL` at random moments, half of them
  while the coach speaks (at a random point 0 to 4 s into a stretch of its speech, so the first
  3 s of a line are covered) and half in quiet (after 1 s without its voice); and, once per session
  (``TALK_SPECIALS=0``: never), in random order among them: "stop" followed by 20 s of silence
  (``TALK_SILENCE``) and then "next"; two pain words and then "no" to "Shall I end the
  session?"; "stop stop" (by the session's rules the same stop said twice: it pauses, it does not
  end) and then "next". A paused session is carried on with "next", the safety-notes question
  answered "yes" or "no", and a phrase not acted on said once more when the coach says it may have
  missed something, as a person would.
- **Menus** (``coach`` alone), ``TALK_MENUS`` pairs (default one for each 15 minutes, at least
  one; 0: none), after a session that was ended with SIGINT (Ctrl-C), which leaves a resume point:
  ``coach`` asks "Shall I carry on from there?" and the user says "no"; the menu reads the list,
  and the user says a word of a routine's title while it does (and "yes" when the menu, unsure the
  words were the user's, names that routine back and waits for a yes); that routine runs for
  ``TALK_MENU_RUN`` seconds (default 40) with one command, then SIGINT again. ``coach`` once more:
  the user says "yes", and the session carried on runs as long, then ends (SIGTERM). A phrase that
  was not acted on is said once more when the question or the list is still waiting, as a person
  would; both count.

``TALK_RECORD=1`` records each session's sound (``--record-audio``: ``sound/mic.wav`` and
``sound/played.wav`` in its folder), so that a phrase not acted on can be looked into afterwards.

The soak stops starting sessions once ``TALK_MINUTES`` (default 30) of wall time have gone by.

From each log (``bench.talklog``), its times put on this process's clock (``one_clock``: the menu's
log starts its clock again when the session begins): every phrase said is acted on when the act it
asks for (a session's ``command`` record; the menu's routine chosen; the resume question answered)
follows within 5 s of its end; "over speech" when the coach's speaker (``coach_out.monitor``,
measured by ``bench.soak.SpeechMeter``) was loud during its words, "in quiet" otherwise, and "in the
first 3 s" when the coach had been speaking less than 3 s when it began. Every act that answers no
phrase is a command acted on that nobody said, and one with the other answer to a yes or no said is
"no taken as yes" (or the reverse). A line said more than twice in a row (``said`` records) is a
prompt repeated. Listening's CPU is the listening child's processor time over the episode's wall
time, as ``bench.soak`` measures it; underruns are ALSA's ``native`` lines in the log. The
transcript's ``heard:`` lines (the coach's stdout, what a screen reader reads) are counted against
the phrases acted on.

Printed: one line per phrase as it is said, a table per episode, then the totals against issue 35's
targets. Logs, stdout and stderr are kept in a folder named at the end.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import random
import re
import signal
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench import corpus
from bench.barge import Phrase
from bench.soak import BEHIND, RATE, Coach, PulseServer, SpeechMeter, _env_float, busy_core, room
from bench.talklog import (
    WITHIN,
    Act,
    Said,
    acts,
    confusions,
    fits,
    into_line,
    match,
    one_clock,
    repeats,
    replies,
    share,
    underruns,
)
from coach.commands import parse
from coach.menuwords import match as menu_match
from coach.routine.library import available

#: what the coach says when listening fell behind and skipped audio (coach.loop.DEBT_LINE)
DEBT_LINE = "I may have missed what you said just now."
#: commands said at random moments (each is acted on, whatever the session is doing)
POOL = ("harder", "softer", "a little harder please", "next", "help", "time left", "more time", "softer now",
        "repeat", "what can I say")
PAIN = ("ouch", "that hurts", "it hurts", "ow")
#: a word of each routine's title, said while the menu reads the list
TITLE_WORDS = ("swedish", "tennis", "trigger", "partner", "kneading", "gentle")
VOICES = corpus.TUNE_VOICES + corpus.HELD_OUT_VOICES
#: the virtual user's loudness (peak, int16): flite's own output peaks at 15,000 to 18,000
PEAK = 15000.0
#: silence around the words (seconds)
PAD = 0.15
#: "over speech": a moment this far (seconds, uniformly) into a stretch of the coach's speech
OVER_LATEST = 4.0
#: "in quiet": after this long without the coach's voice
QUIET_BEFORE = 1.0
#: the first seconds of a line, counted apart (the issue's target includes them)
EARLY = 3.0
#: the small loudspeaker in the echo path
HIGH_PASS_HZ = 250
VALVE = (0.9, 0.8)   # swh valve: distortion level, character (about 4% distortion, -28 dB, on a test sound)
LADSPA = Path("/usr/lib/ladspa")


def _env_int(name: str, default: int) -> int:
    return round(_env_float(name, default))


# -- the room's loudspeaker ------------------------------------------------------------------------


def _sink_input(pa: PulseServer, media_name: str) -> str:
    current = ""
    for line in pa.pactl("list", "sink-inputs").splitlines():
        line = line.strip()
        if line.startswith("Sink Input #"):
            current = line.removeprefix("Sink Input #")
        elif line == f'media.name = "{media_name}"' and current:
            return current
    raise RuntimeError(f"private PulseAudio: no sink input {media_name!r}")


def small_speaker(pa: PulseServer) -> str:
    """Put the room's echo path through a small loudspeaker's non-linearity (swh valve saturation,
    then a high-pass for its missing bass), two LADSPA sinks in front of ``room``. Returns what was
    done, or why not."""
    if os.environ.get("TALK_SPEAKER", "").strip() == "linear":
        return "a linear echo path (TALK_SPEAKER=linear)"
    need = [LADSPA / "valve_1209.so", LADSPA / "butterworth_1902.so"]
    if not all(p.exists() for p in need):
        return "a linear echo path (no swh-plugins: apt-get install swh-plugins for the small loudspeaker)"
    try:
        pa.pactl("load-module", "module-ladspa-sink", "sink_name=spk_hp", "sink_master=room",
                 "plugin=butterworth_1902", "label=butthigh_iir", f"control={HIGH_PASS_HZ},0.7")
        pa.pactl("load-module", "module-ladspa-sink", "sink_name=spk_valve", "sink_master=spk_hp",
                 "plugin=valve_1209", "label=valve", f"control={VALVE[0]},{VALVE[1]}")
        pa.pactl("move-sink-input", _sink_input(pa, "room-echo"), "spk_valve")
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:   # the benchmark goes on with the linear path
        return f"a linear echo path (the LADSPA sinks would not load: {e})"
    return (f"a small loudspeaker in the echo path (swh valve saturation {VALVE[0]}/{VALVE[1]}, "
            f"{HIGH_PASS_HZ} Hz high-pass)")


def echo_level(pa: PulseServer) -> tuple[float, float]:
    """Play a test sound (a 200 Hz tone with speech-like loudness and two higher tones) into the
    coach's speaker, record the microphone: the echo's level (dB, relative to what was played) and
    the share of its power that is not in the test sound's frequencies (dB: distortion)."""
    t = np.arange(int(1.5 * RATE)) / RATE
    tones = (200.0, 700.0, 1900.0)
    x = np.sum([np.sin(2 * np.pi * f * t) for f in tones], axis=0) / 3 * 32768 * 10 ** (-18 / 20)
    rec = pa.start_recording("room.monitor")
    pa.play_into("coach_out", x.astype(np.int16))
    time.sleep(0.3)
    y = rec.stop().astype(np.float64)
    if len(y) < RATE:
        return math.nan, math.nan
    y = y[np.argmax(np.abs(y) > 50):][: len(t)] if np.any(np.abs(y) > 50) else y[: len(t)]
    y = y[len(y) // 4: 3 * len(y) // 4]
    level = 10 * math.log10(np.mean(y**2) / np.mean(x**2) + 1e-12)
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y)))) ** 2
    freqs = np.fft.rfftfreq(len(y), 1 / RATE)
    near = np.zeros(len(freqs), bool)
    for f in tones:
        near |= np.abs(freqs - f) < 15
    distortion = 10 * math.log10(spec[~near].sum() / (spec[near].sum() + 1e-12) + 1e-12)
    return level, distortion


# -- the virtual user ------------------------------------------------------------------------------


class Voices:
    """The user's phrases, rendered by the corpus's voices as they are first needed."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._cache: dict[tuple[str, str, str, float, float], Phrase] = {}

    def phrase(self, text: str) -> Phrase:
        synth, voice = self.rng.choice(VOICES)
        stretch, pitch = self.rng.choice(corpus.STRETCH), self.rng.choice(corpus.PITCH)
        key = (text, synth, voice, stretch, pitch)
        if key not in self._cache:
            x = corpus.render(text, synth, voice, stretch, pitch)
            x = x / (np.abs(x).max() + 1e-9) * PEAK
            pad = np.zeros(int(PAD * RATE))
            pcm = np.concatenate([pad, x, pad]).astype(np.int16)
            self._cache[key] = Phrase(text, f"{synth}:{voice}", pcm, PAD, PAD)
        return self._cache[key]


@dataclass
class Spoken:
    """A phrase as it was played (``time.monotonic()``); it becomes a :class:`Said` once the log's
    clock is known well."""

    text: str
    voice: str
    kind: str
    value: str
    start: float
    end: float
    over: bool
    into_line: float | None
    count: int
    what: str


@dataclass
class Episode:
    n: int
    kind: str            # "session", "menu: no", "menu: yes"
    routine: str
    coach: Coach
    spoken: list[Spoken] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: when each log record was first seen (``time.monotonic()``; None: read only at the end)
    seen: list[float | None] = field(default_factory=list)

    def timed(self) -> list[dict[str, Any]]:
        """The log's records with ``t`` on the episode's clock (seconds since the coach started; the
        log's own clock starts again when the menu hands over to the session)."""
        records = self.coach.log.records
        seen = self.seen + [None] * (len(records) - len(self.seen))
        at = one_clock([r["t"] for r in records], seen)
        return [{**r, "t": t - self.coach.started} for r, t in zip(records, at, strict=True)]

    def clock(self, monotonic: float) -> float:
        """A ``time.monotonic()`` moment on the episode's clock."""
        return monotonic - self.coach.started


class User:
    """The virtual user in one episode: watches the coach's log and speaker, and speaks."""

    def __init__(self, pa: PulseServer, meter: SpeechMeter, voices: Voices, rng: random.Random,
                 episode: Episode) -> None:
        self.pa, self.meter, self.voices, self.rng, self.ep = pa, meter, voices, rng, episode
        self.coach = episode.coach

    # watching

    def tick(self) -> bool:
        """Note CPU and new log records; False once the coach has ended."""
        self.coach.sample_cpu()
        new = self.coach.log.poll()
        self.ep.seen += [time.monotonic()] * len(new)
        return self.coach.running()

    def wait(self, seconds: float) -> bool:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if not self.tick():
                return False
            time.sleep(0.1)
        return self.coach.running()

    def wait_for(self, done: Callable[[], bool], timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            alive = self.tick()
            if done():
                return True
            if not alive:
                return False
            time.sleep(0.05)
        return done()

    def records(self, type_: str, **match: Any) -> list[dict[str, Any]]:
        return [r for r in self.coach.log.records
                if r["type"] == type_ and all(r.get(k) == v for k, v in match.items())]

    def last_of(self, *types: str) -> dict[str, Any] | None:
        return next((r for r in reversed(self.coach.log.records) if r["type"] in types), None)

    def speaking_for(self) -> float | None:
        now = time.monotonic()
        return into_line(self.meter.marks(now - 60, now), now)

    def loud_since(self, monotonic: float) -> float:
        """Seconds the coach's speaker has been loud since a ``time.monotonic()`` moment."""
        return sum(on for _t, on in self.meter.marks(monotonic, time.monotonic())) * 0.02

    def quiet_for(self) -> float:
        now = time.monotonic()
        loud = [t for t, on in self.meter.marks(now - 30, now) if on]
        return now - loud[-1] if loud else 30.0

    def moment(self, over: bool, timeout: float = 20.0) -> bool:
        """Wait for a moment to speak: ``over`` the coach's voice (a random point 0 to 4 s into a
        stretch of its speech), or in quiet. False when none came within ``timeout``."""
        if over:
            # a random point 0 to 4 s into a stretch of its speech: at first only within half a second
            # of that point (so a stretch just begun is waited for), later any stretch that long
            into = self.rng.uniform(0.0, OVER_LATEST)
            if self.wait_for(lambda: into <= (self.speaking_for() or -1.0) <= into + 0.5, timeout * 2 / 3):
                return True
            return self.wait_for(lambda: (self.speaking_for() or -1.0) >= into, timeout / 3)
        return self.wait_for(lambda: self.quiet_for() >= QUIET_BEFORE, timeout)

    # speaking

    def say(self, text: str, what: str, kind: str = "command", value: str | None = None, count: int = 1,
            before: Callable[[], object] | None = None) -> Spoken:
        """Say ``text``: rendered first, then ``before()`` waits for the moment (rendering with
        festival takes a second or more, which would move the words away from the moment)."""
        if value is None:
            command = parse(text, "en")
            assert command is not None, text
            value = command.value
        phrase = self.voices.phrase(text)
        if before is not None:
            before()
        self.pa.play_into("user_out", phrase.pcm)
        played = time.monotonic()
        end = played - phrase.tail
        start = played - (len(phrase.pcm) / RATE - phrase.lead)
        marks = self.meter.marks(start - 60, end)
        over = any(on for t, on in marks if start <= t <= end)
        spoken = Spoken(text, phrase.voice, kind, value, start, end, over, into_line(marks, start), count, what)
        self.ep.spoken.append(spoken)
        where = "over speech" if over else "in quiet"
        if spoken.into_line is not None:
            where += f", {spoken.into_line:.1f} s into it"
        print(f"      says {text!r} ({phrase.voice}, {where}; {what})", flush=True)
        return spoken

    def acted(self, spoken: Spoken, timeout: float = WITHIN) -> bool:
        """Whether an act of the kind the phrase asks for came within ``timeout`` of its end (a
        quick look while the episode runs; the count is made from the whole log afterwards)."""
        self.wait_for(lambda: self._found(spoken), max(0.0, spoken.end + timeout - time.monotonic()))
        return self._found(spoken)

    def _found(self, spoken: Spoken) -> bool:
        since = self.ep.clock(spoken.start) - 0.3
        return any(fits(spoken.kind, spoken.value, a) and a.t >= since for a in acts(self.ep.timed()))

    # the session's state, from its log

    def paused(self) -> bool:
        last = self.last_of("paused", "resumed", "step", "started")
        return last is not None and last["type"] == "paused"

    def asking(self, question: str) -> bool:
        last = self.last_of("asked", "answered", "resumed", "ended")
        return last is not None and last["type"] == "asked" and last.get("question") == question

    def ended(self) -> bool:
        return bool(self.records("ended"))

    def missed(self) -> Spoken | None:
        """The last phrase, when it was not acted on and the coach said since that it may have missed
        something ("Please say it once more"): a person says it again, once."""
        if not self.ep.spoken or self.ep.spoken[-1].what.startswith("said again") or self._found(self.ep.spoken[-1]):
            return None
        last = self.ep.spoken[-1]
        since = self.ep.clock(last.start)
        asked = any(r["type"] == "said" and str(r["text"]).startswith(DEBT_LINE[:20]) and r["t"] >= since
                    for r in self.ep.timed())
        return last if asked else None

    # the scenario's parts

    def random_command(self) -> None:
        over = self.rng.random() < 0.5
        self.say(self.rng.choice(POOL), "random, " + ("over speech" if over else "in quiet"),
                 before=lambda: self.moment(over))

    def carry_on(self, why: str) -> None:
        """The session is paused: "next", as the coach says."""
        self.say("next", f"carry on ({why})", before=lambda: self.moment(False, timeout=8.0))
        self.wait(3.0)

    def answer_notes(self) -> None:
        again = " (again)" if self.ep.spoken and self.ep.spoken[-1].what.startswith("the safety-notes") else ""
        over = self.rng.random() < 0.5
        self.say(self.rng.choice(("yes", "no")), f"the safety-notes question{again}",
                 before=lambda: self.moment(over, timeout=10.0))

    def stop_then_silence(self) -> None:
        said = self.say("stop", "stop, then silence", before=lambda: self.moment(True))
        if not self.acted(said):
            said = self.say("stop", "stop, then silence (again)")
            if not self.acted(said):
                self.ep.notes.append("stop, then silence: neither stop was acted on; the silence follows all the same")
        begin = self.ep.clock(time.monotonic())
        silence = _env_float("TALK_SILENCE", 20.0)
        self.wait(silence)
        lines = [r["text"] for r in self.ep.timed() if r["type"] == "said" and r["t"] >= begin]
        stopped = sum(1 for line in lines if line.startswith("Stopped."))
        self.ep.notes.append(f"stop, then {silence:g} s of silence: {len(lines)} line(s) said meanwhile, "
                             f"'Stopped...' {stopped} time(s)")
        if self.paused():
            self.carry_on("after the silence")

    def pain_then_no(self) -> None:
        pain = self.rng.sample(PAIN, 2)
        for k, word in enumerate(pain):
            if self.asking("end"):
                break
            over = self.rng.random() < 0.5
            self.say(word, f"pain word {k + 1} of 2", before=functools.partial(self.moment, over))
            self.wait(self.rng.uniform(2.0, 5.0))
        if not self.wait_for(lambda: self.asking("end"), 12.0):
            self.ep.notes.append("two pain words: 'Shall I end the session?' was not asked")
            return
        self.wait_for(lambda: self.speaking_for() is not None, 10.0)   # the question (or what comes first)
        over = self.rng.random() < 0.5
        said = self.say("no", "'no' to 'Shall I end the session?'", before=lambda: self.moment(over, timeout=15.0))
        if not self.acted(said) and self.asking("end"):
            self.acted(self.say("no", "'no' to 'Shall I end the session?' (again)"))
        self.wait(2.0)
        if self.ended():
            self.ep.notes.append("two pain words, then 'no': the session ENDED")

    def stop_stop(self) -> None:
        self.say("stop stop", "stop stop", count=2, before=lambda: self.moment(True))
        self.wait(4.0)
        if self.ended():
            end = self.records("ended")[-1]
            self.ep.notes.append(f"'stop stop' ENDED the session (reason {end.get('reason')}); by the rules the "
                                 "same stop said twice pauses")
        elif self.paused():
            self.ep.notes.append("'stop stop' paused the session (as the rules say)")
            self.carry_on("after stop stop")
        else:
            self.ep.notes.append("'stop stop': the session did not pause")

    def session(self, until: float, specials: bool) -> None:
        """The user's part of a session, until the ``time.monotonic()`` moment ``until``."""
        parts: list[Callable[[], None]] = [self.stop_then_silence, self.pain_then_no, self.stop_stop] \
            if specials else []
        self.rng.shuffle(parts)
        since = 0
        while self.coach.running() and time.monotonic() < until:
            if (last := self.missed()) is not None:
                self.say(last.text, f"said again: the coach asked (after {last.what})", last.kind, last.value,
                         last.count, before=lambda: self.moment(False, timeout=8.0))
            elif self.asking("notes"):
                self.answer_notes()
            elif self.paused():
                self.carry_on("paused")
            elif parts and since >= self.rng.choice((1, 2, 3)):
                parts.pop()()
                since = 0
            else:
                self.random_command()
                since += 1
            self.wait(self.rng.uniform(2.0, 7.0))


# -- episodes ---------------------------------------------------------------------------------------


def _first_line(user: User, timeout: float = 120.0) -> bool:
    return user.wait_for(lambda: bool(user.records("said")), timeout)


def _sigint(coach: Coach) -> None:
    """Ctrl-C: the session ends saved, resumable (a resume point is left)."""
    if coach.proc.poll() is None:
        coach.sample_cpu()
        coach.proc.send_signal(signal.SIGINT)
        with contextlib.suppress(Exception):
            coach.proc.wait(timeout=30)


def session_episode(user: User, limit: float, specials: bool, interrupt: bool) -> None:
    if not _first_line(user):
        user.ep.notes.append(f"the session never spoke: {user.coach.stderr()[-300:]!r}")
        return
    user.session(user.coach.started + limit, specials)
    if interrupt:
        _sigint(user.coach)


def _answer_resume(user: User, answer: str) -> bool:
    """Say ``answer`` to "Shall I carry on from there?"; True when it was taken as that answer."""
    if not user.wait_for(lambda: bool(user.records("asked", question="resume"))
                         or bool(user.records("menu", event="list")), 90.0):
        user.ep.notes.append(f"the menu never spoke: {user.coach.stderr()[-300:]!r}")
        return False
    if not user.records("asked", question="resume"):
        user.ep.notes.append("no resume question was asked")
        return False
    # the question's first sentences (its place and level) played, not only the "getting ready" line
    # that may come first: 8 s of the coach's speech since it was asked
    asked = user.coach.started + next(r["t"] for r in user.ep.timed() if r["type"] == "asked")
    user.wait_for(lambda: user.loud_since(asked) >= 8.0, 40.0)
    if user.rng.random() < 0.5:   # over its later words ("... say no, or press n. If I hear nothing ...")
        user.wait(user.rng.uniform(0.0, 3.0))
    else:
        user.wait_for(lambda: user.quiet_for() >= QUIET_BEFORE, 40.0)
    for again in ("", " (again)"):
        said = user.say(answer, f"'{answer}' to 'Shall I carry on from there?'{again}", kind="answer")
        if user.acted(said):
            return True
        if user.records("answered", question="resume"):
            got = user.records("answered", question="resume")[-1]
            user.ep.notes.append(f"'{answer}' to the resume question: answered carry_on={got.get('carry_on')} "
                                 f"how {got.get('how')!r}")
            return False
    return False


def menu_no(user: User, run: float) -> None:
    """The resume question answered "no"; a title word said over the list; that routine runs a little."""
    _answer_resume(user, "no")
    if user.records("answered", question="resume", carry_on=True):
        user.ep.notes.append("the session carried on instead of the list")
    elif user.wait_for(lambda: bool(user.records("menu", event="list")), 20.0):
        titles = [r.title for r in available()]
        word = user.rng.choice(TITLE_WORDS)
        found = menu_match(word, titles).items
        routine = available()[found[0]].id if len(found) == 1 else "?"
        user.ep.routine = routine
        into = user.rng.uniform(2.0, 20.0)
        list_at = next(r["t"] for r in user.ep.timed() if r["type"] == "menu" and r.get("event") == "list")
        user.wait_for(lambda: user.ep.clock(time.monotonic()) - list_at >= into
                      and (user.speaking_for() or 0.0) > 0.3, 40.0)
        for again in ("", " (again)"):
            said = user.say(word, f"a title word while the menu reads the list{again}", kind="chosen", value=routine)
            if user.acted(said) or user.records("menu", event="chosen"):
                break
        if user.records("menu", event="named") and not user.records("menu", event="chosen"):
            # named back, to be sure: "... Say yes to choose it, or next."
            user.wait_for(lambda: user.speaking_for() is not None, 10.0)
            over = user.rng.random() < 0.5
            named = str(user.records("menu", event="named")[-1].get("routine"))
            said = user.say("yes", "yes to the routine named back", kind="chosen", value=named,
                            before=lambda: user.moment(over, timeout=15.0))
            if not user.acted(said) and not user.records("menu", event="chosen"):
                user.say("yes", "yes to the routine named back (again)", kind="chosen", value=named)
    if not user.wait_for(lambda: bool(user.records("started")), 40.0):
        user.ep.notes.append("no session started")
        return
    _run_a_little(user, run)
    _sigint(user.coach)


def menu_yes(user: User, run: float) -> None:
    """The resume question answered "yes"; the session carried on runs a little."""
    _answer_resume(user, "yes")
    if user.records("answered", question="resume", carry_on=False):
        user.ep.notes.append("the menu read the list instead of carrying on")
    if user.wait_for(lambda: bool(user.records("started")), 40.0):
        started = user.records("started")[0]
        user.ep.routine = str(started.get("routine"))
        _run_a_little(user, run)
    else:
        user.ep.notes.append("no session started")


def _run_a_little(user: User, run: float) -> None:
    until = time.monotonic() + run
    user.wait(user.rng.uniform(3.0, 8.0))
    if user.coach.running():
        user.random_command()
    while user.coach.running() and time.monotonic() < until:
        if user.paused():
            user.carry_on("paused")
        user.wait(1.0)


# -- reading the results ------------------------------------------------------------------------------


@dataclass
class Outcome:
    ep: Episode
    said: list[Said]
    nobody: list[Act]
    mixed: list[tuple[Said, Act]]
    repeated: list[tuple[str, int]]
    wall: float
    listen_cpu: float
    underruns: int
    heard_lines: int
    how: str
    behind: int = 0          # times listening fell behind and skipped audio
    skipped: float = 0.0     # ... and the seconds it skipped


def outcome(ep: Episode) -> Outcome:
    coach = ep.coach
    records = ep.timed()
    said = [Said(s.text, s.voice, s.kind, s.value, ep.clock(s.start), ep.clock(s.end), s.over,
                 s.into_line, s.count, s.what) for s in ep.spoken]
    left = match(said, acts(records))
    lines = replies(records, said)
    wall = coach.wall()
    try:
        stdout = (coach.folder / "stdout.txt").read_text(encoding="utf-8", errors="replace")
    except OSError:
        stdout = ""
    end = next((r for r in records if r["type"] == "ended"), None)
    how = (f"ended: {end.get('reason')}" if end is not None else f"exit status {coach.proc.returncode}")
    if loaded := re.search(r"loaded in ([\d.]+ s)", coach.engine()):
        how += f"; listening loaded in {loaded.group(1)}"
    skips = [float(m.group(1)) for r in records if r["type"] == "warning" and (m := BEHIND.search(r["text"]))]
    return Outcome(ep, said, left, confusions(said, left), repeats(lines), wall,
                   sum(coach.cpu_listen.values()) / wall if wall else 0.0, underruns(records),
                   sum(1 for line in stdout.splitlines() if line.startswith("heard:")), how, len(skips), sum(skips))


def _near(records: list[dict[str, Any]], t: float) -> str:
    """What the coach was hearing and saying when an act nobody asked for came."""
    heard = [r for r in records if r["type"] == "heard" and r.get("source") == "voice" and t - 3 <= r["t"] <= t]
    said = [r for r in records if r["type"] == "said" and r["t"] <= t]
    text = (f"heard {heard[-1].get('text')!r} (written {heard[-1].get('transcript')!r})" if heard
            else "no spoken heard record just before")
    if said:
        text += f"; last line queued: {str(said[-1]['text'])[:60]!r}"
    return text


def _heard_of(records: list[dict[str, Any]], start: float, end: float) -> str:
    """What the coach heard while a phrase it did not act on was said and judged (up to 3 s after):
    each voice record, with why it was not taken."""
    heard = [r for r in records if r["type"] == "heard" and r.get("source") == "voice"
             and start - 0.3 <= r["t"] <= end + 3.0]
    if not heard:
        return "heard nothing then"
    parts = []
    for r in heard:
        figures = " ".join(f"{k}={r[k]}" for k in ("excess_db", "witness_db", "echo_db", "outside_db", "over")
                           if k in r)
        why = r.get("ignored") or r.get("why") or "taken"
        parts.append(f"{r.get('text')!r} written {r.get('transcript')!r} [{why}] {figures}".strip())
    return "heard: " + " | ".join(parts)


def print_outcome(o: Outcome) -> None:
    over = [s for s in o.said if s.over]
    quiet = [s for s in o.said if not s.over]
    print(f"{o.ep.n:>3} {o.ep.kind:<10} {o.ep.routine:<18} {o.wall / 60:4.1f} min  said {len(o.said):>2}  "
          f"acted on: over speech {share(sum(s.acted for s in over), len(over))}, in quiet "
          f"{share(sum(s.acted for s in quiet), len(quiet))}  nobody said {len(o.nobody)}  "
          f"repeated {len(o.repeated)}  listening {100 * o.listen_cpu:.0f}% cpu  underruns {o.underruns}  "
          f"heard: lines {o.heard_lines}  fell behind {o.behind} times ({o.skipped:.0f} s skipped)  ({o.how})",
          flush=True)
    for s in o.said:
        if not s.acted:
            where = "over speech" if s.over else "in quiet"
            print(f"      not acted on: {s.text!r} ({s.voice}, {where}; {s.what}) at t={s.start:.1f}; "
                  f"{_heard_of(o.ep.timed(), s.start, s.end)}")
    for a in o.nobody:
        print(f"      NOBODY SAID: {a.kind} {a.value} at t={a.t:.1f} {a.detail}; {_near(o.ep.timed(), a.t)}")
    for s, a in o.mixed:
        print(f"      {s.text!r} TAKEN AS {a.value!r} at t={a.t:.1f}")
    for line, times in o.repeated:
        print(f"      said {times} times in a row: {line[:70]!r}")
    for note in o.ep.notes:
        print(f"      {note}")


def print_totals(outcomes: list[Outcome], minutes: float) -> None:
    said = [s for o in outcomes for s in o.said]
    over = [s for s in said if s.over]
    quiet = [s for s in said if not s.over]
    early = [s for s in over if s.into_line is not None and s.into_line < EARLY]
    print(f"{'phrase':<24} {'said':>4} {'acted on':>8} {'over speech':>12} {'in quiet':>9}")
    for text in sorted({s.text for s in said}, key=lambda t: (-sum(s.text == t for s in said), t)):
        mine = [s for s in said if s.text == text]
        o = [s for s in mine if s.over]
        q = [s for s in mine if not s.over]
        print(f"{text:<24} {len(mine):>4} {sum(s.acted for s in mine):>8} "
              f"{f'{sum(s.acted for s in o)}/{len(o)}':>12} {f'{sum(s.acted for s in q)}/{len(q)}':>9}")
    wall = sum(o.wall for o in outcomes)
    nobody = sum(len(o.nobody) for o in outcomes)
    lat = [s.latency for s in said if s.latency is not None]
    print(f"total: {len(outcomes)} episodes, {wall / 60:.1f} minutes (TALK_MINUTES {minutes:g})")
    print(f"commands acted on in quiet: {share(sum(s.acted for s in quiet), len(quiet))} (target 100%)")
    print(f"commands acted on over the coach's voice: {share(sum(s.acted for s in over), len(over))} "
          f"(target 95% or more, every phrase); in the first {EARLY:g} s of its speech: "
          f"{share(sum(s.acted for s in early), len(early))}")
    if lat:
        print(f"latency from the end of the words to the act: median {statistics.median(lat):.2f} s, "
              f"max {max(lat):.2f} s")
    print(f"commands acted on that nobody said: {nobody} (target 0)"
          + (f"; {nobody / (wall / 3600):.1f} an hour" if wall else ""))
    mixed = [pair for o in outcomes for pair in o.mixed]
    answers = [s for s in said if s.value in ("yes", "no")]
    print(f"'no' taken as 'yes' or the reverse: {len(mixed)} of {len(answers)} answers said (target 0)")
    runs = [r for o in outcomes for r in o.repeated]
    print(f"prompts said more than twice in a row: {len(runs)} (target 0)"
          + (f"; longest {max(n for _, n in runs)} times" if runs else ""))
    listen = sum(o.listen_cpu * o.wall for o in outcomes) / wall if wall else 0.0
    print(f"listening averages {100 * listen:.0f}% of one core (target 40% at most); per episode "
          + ", ".join(f"{100 * o.listen_cpu:.0f}%" for o in outcomes))
    print(f"output underruns: {sum(o.underruns for o in outcomes)} (target 0); per episode "
          + ", ".join(str(o.underruns) for o in outcomes))
    print(f"listening fell behind {sum(o.behind for o in outcomes)} times and skipped "
          f"{sum(o.skipped for o in outcomes):.0f} s of audio (nothing said then is heard)")
    done = sum(len(s.acts) for s in said) + nobody
    lines = sum(o.heard_lines for o in outcomes)
    print(f"transcript 'heard:' lines: {lines} for {done} acts (the user's and nobody's); {max(0, lines - done)} "
          "more lines than acts: heard shown for words the coach did not act on (its own, or a guess rejected)")
    what = Counter(s.what.split(" (")[0].split(",")[0] for s in said)
    print("said, by part of the scenario: " + ", ".join(f"{k} {n}" for k, n in what.most_common()))


# -- the soak ------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _nothing() -> Iterator[None]:
    yield


def main() -> None:
    minutes = _env_float("TALK_MINUTES", 30)
    budget = 60 * minutes
    limit = 60 * _env_float("TALK_SESSION_MINUTES", 6)
    seed = _env_int("TALK_SEED", 1)
    menus = _env_int("TALK_MENUS", max(1, int(minutes // 15)))
    run = _env_float("TALK_MENU_RUN", 40)
    specials = os.environ.get("TALK_SPECIALS", "1").strip() != "0"
    busy = os.environ.get("TALK_BUSY", "1").strip() != "0"
    rng = random.Random(seed)
    routines = sorted(p.stem for p in (Path(__file__).resolve().parent.parent / "scripts").glob("*.toml"))
    folder = Path(tempfile.mkdtemp(prefix="coach-talk-"))   # kept: every episode's log, stdout and stderr
    outcomes: list[Outcome] = []
    with room() as pa, (busy_core() if busy else _nothing()):
        speaker = small_speaker(pa)
        level, distortion = echo_level(pa)
        print(f"the virtual user talks: {minutes:g} minutes, seed {seed}, sessions of at most {limit / 60:g} min, "
              f"{menus} menu pair(s), {'with' if specials else 'without'} the stop/pain/stop-stop parts; "
              f"{'one core kept busy' if busy else 'no busy loop'}", flush=True)
        print(f"room: {speaker}; the echo of a test sound at {level:.1f} dB, {distortion:.1f} dB of it "
              "outside the test sound's frequencies", flush=True)
        meter = SpeechMeter(pa)
        voices = Voices(rng)
        start = time.monotonic()
        engine = ""
        try:
            n = pairs = 0
            while time.monotonic() - start < budget - 30:
                n += 1
                routine = rng.choice(routines)
                # a menu pair after the first session, and after one every 15 minutes
                menu_now = pairs < menus and time.monotonic() - start >= 15 * 60 * pairs
                pairs += menu_now
                here = folder / f"{n:02d}-{routine}"
                record = ["--record-audio", str(here / "sound")] if os.environ.get("TALK_RECORD") == "1" else []
                ep = Episode(n, "session", routine, Coach.start(pa, here, routine, *record))
                print(f"{n:>3} session: {routine}", flush=True)
                try:
                    session_episode(User(pa, meter, voices, rng, ep),
                                    min(limit, max(60.0, budget - (time.monotonic() - start))), specials,
                                    interrupt=menu_now)
                finally:
                    ep.coach.finish()
                outcomes.append(outcome(ep))
                print_outcome(outcomes[-1])
                if not engine and (engine := ep.coach.engine()):
                    print(f"engine: {engine}", flush=True)
                if not ep.spoken and not ep.coach.log.records:
                    print("talk: stopped, since a session did not start")
                    break
                if not menu_now:
                    continue
                data = here / "data"
                for kind, part in (("menu: no", menu_no), ("menu: yes", menu_yes)):
                    n += 1
                    mine = Episode(n, kind, "", Coach.launch(pa, folder / f"{n:02d}-menu", [], data=data))
                    print(f"{n:>3} {kind}", flush=True)
                    try:
                        part(User(pa, meter, voices, rng, mine), run)
                    finally:
                        mine.coach.finish()
                    outcomes.append(outcome(mine))
                    print_outcome(outcomes[-1])
        finally:
            meter.stop()
    print_totals(outcomes, minutes)
    print(f"logs, stdout and stderr kept in {folder}")


if __name__ == "__main__":
    main()
