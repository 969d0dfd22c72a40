"""The whole session laid out in time, with nobody speaking commands: for ``coach render``.

It drives the same pure :class:`~coach.session.Session` as a live run, on a simulated clock:
speech is sequential (each utterance starts when the one before it ends, as the player does),
tones are mixed over it, and the step timers run as they would live.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from coach.routine import Role, Routine
from coach.session import Options, Say, Session, SpeechDone, Start, Tick, Tone

#: How often the simulation looks at the timer when nothing else is due.
_STEP = 0.05

#: How long espeak-ng takes to say a line at a rate of ``r`` words a minute (Piper's voice is set to
#: the same pace), fitted on the 466 lines of three built-in routines rendered at 140, 170 and 330
#: (2026-11-30): ``WORD_SHARE * words * 60 / r`` for the words, plus ``PAUSE`` s per punctuation
#: mark and less ``LESS`` s a line, both times 170 / r. Within 2.3 s for any line; the sum of the
#: lines within 1%.
WORD_SHARE = 0.7
PAUSE = 0.5
LESS = 0.4


def speech_seconds(text: str, rate: int = 170) -> float:
    """About how long ``text`` takes to say at ``rate`` words a minute (no synthesis: for lengths
    shown before a routine runs; a render gives the real ones)."""
    k = 170 / max(1, rate)
    words = len(text.split())
    marks = max(1, len(re.findall(r"[.!?:;,]", text)))
    return max(0.3, WORD_SHARE * words * 60 / max(1, rate) + k * (PAUSE * marks - LESS))


def session_seconds(routine: Routine, rate: int = 170, level: int | None = None, role: Role | None = None) -> float:
    """How long a session of ``routine`` lasts, spoken at ``rate``, if nobody says a thing: the
    render's length, within a few seconds a minute."""
    planned = plan(routine, level=level, role=role, seconds_for=lambda text: speech_seconds(text, rate))
    said = [p for p in planned if p.kind == "say"]
    return max((p.at + speech_seconds(p.text, rate) for p in said), default=0.0)


@dataclass(frozen=True)
class Planned:
    """One thing to play ``at`` seconds from the session start: an utterance or an earcon."""

    at: float
    kind: Literal["say", "tone"]
    text: str      # the utterance, or the Earcon value
    step: int      # the step it belongs to (the step about to start, for intro lines)


def plan(
    routine: Routine,
    level: int | None = None,
    role: Role | None = None,
    seconds_for: Callable[[str], float] = lambda text: len(text.split()) / 170 * 60,
    options: Options | None = None,
) -> list[Planned]:
    """What a session of ``routine`` plays, and when, if nobody says a thing.

    ``seconds_for(text)`` is how long an utterance takes to speak (render it to find out).
    """
    base = options or Options()
    opts = Options(role=role or base.role, start_level=level if level is not None else base.start_level,
                   start_step=base.start_step, resumed=base.resumed, pause_timeout=base.pause_timeout,
                   countdown=base.countdown, rate=base.rate, pain_window=base.pain_window)
    session = Session(routine, opts)
    out: list[Planned] = []
    speech_free_at = 0.0           # when the speaker finishes what is queued
    pending: list[tuple[float, int]] = []   # (ends at, utterance id)
    now = 0.0
    effects = session.handle(Start(now))
    guard = 0
    while True:
        for e in effects:
            if isinstance(e, Say):
                start = max(now, speech_free_at)
                speech_free_at = start + max(0.0, seconds_for(e.text))
                pending.append((speech_free_at, e.utterance_id))
                out.append(Planned(round(start, 3), "say", e.text, session.step_index))
            elif isinstance(e, Tone):
                out.append(Planned(round(now, 3), "tone", e.earcon.value, session.step_index))
        if session.finished is not None and session.phase.value == "ended":
            break
        guard += 1
        if guard > 1_000_000:
            raise RuntimeError("timeline did not finish: the routine never ends")
        due = session.next_due()
        candidates = [t for t, _ in pending]
        if due is not None:
            candidates.append(max(due, now))
        nxt = min(candidates) if candidates else now + _STEP
        now = max(now, nxt)
        done = [p for p in pending if p[0] <= now + 1e-9]
        effects = []
        for p in sorted(done):
            pending.remove(p)
            effects += session.handle(SpeechDone(now, p[1]))
        if not done:
            effects += session.handle(Tick(now))
    return sorted(out, key=lambda p: (p.at, p.kind != "tone"))


def total_seconds(items: list[Planned], seconds_for: Callable[[str], float]) -> float:
    """When the last planned sound ends."""
    end = 0.0
    for p in items:
        end = max(end, p.at + (seconds_for(p.text) if p.kind == "say" else 0.5))
    return end
