"""The session: a PURE state machine. ``handle(event) -> list[effect]``.

No I/O, no threads, no clock reads, no audio imports: every event carries the time ``now``
(seconds on a monotonic clock the runtime owns), and everything the coach does comes out
as effects for the runtime to carry out. That makes every behaviour a fast unit test.

The flow: the intro is spoken; each step's instruction is spoken, then its timer runs (cues,
repetition counts and the countdown fire at their offsets); a tone marks the change of step;
at the end a summary and the after-care are spoken. Commands can arrive at any time.

One module per concern; each builds on the one before it, so the imports form a line:

- ``messages``: the events in and the effects out (small frozen dataclasses);
- ``words``: numbers and durations in words;
- ``state``: :class:`Phase`, :class:`Options`, and what a session remembers;
- ``steps``: a step begins, the next follows, pausing, carrying on, the end;
- ``intro``: the introduction, and the question after it (keep the safety notes short?);
- ``questions``: shall I carry on from where the last session stopped? shall I end the session?
- ``timers``: what is due when (cues, counts, countdown, the waits for an answer);
- ``commands``: what each command does;
- ``machine``: :class:`Session` itself (``handle``), and :func:`replay` of a log.

Everything other code uses is named here: ``from coach.session import X``.
"""

from __future__ import annotations

from coach.session.commands import MORE_TIME, RATE_STEP, STOPPED
from coach.session.intro import KEYS_SPOKEN, NOTES_QUESTION, SAFETY_KNOWN
from coach.session.machine import Session, replay
from coach.session.messages import (
    Checkpoint,
    Effect,
    Event,
    Finish,
    Heard,
    Kind,
    Log,
    Prepare,
    Say,
    SetRate,
    Silence,
    SpeechDone,
    Start,
    Tick,
    Tone,
    voice_fields,
)
from coach.session.questions import END_QUESTION, LONG_PAUSE, RESUME_QUESTION, resume_answer
from coach.session.state import MAX_RATE, MIN_RATE, Options, Phase
from coach.session.words import duration_words, join_phrases, number_words

__all__ = [
    "END_QUESTION", "KEYS_SPOKEN", "LONG_PAUSE", "MAX_RATE", "MIN_RATE", "MORE_TIME", "NOTES_QUESTION", "RATE_STEP",
    "RESUME_QUESTION", "SAFETY_KNOWN", "STOPPED", "Checkpoint", "Effect", "Event", "Finish", "Heard", "Kind", "Log",
    "Options", "Phase", "Prepare", "Say", "Session", "SetRate", "Silence", "SpeechDone", "Start", "Tick", "Tone",
    "duration_words", "join_phrases", "number_words", "replay", "resume_answer", "voice_fields",
]
