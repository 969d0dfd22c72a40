"""What goes into the session and what comes out of it: small frozen dataclasses.

Events in (:class:`Start`, :class:`Tick`, :class:`Heard`, :class:`SpeechDone`) each carry the time
``now``, on a monotonic clock the runtime owns; effects out (:class:`Say`, :class:`Tone`,
:class:`Silence`, :class:`Log`, ...) are what the runtime carries out, in order. The menu speaks
the same language (coach.menu).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from coach.commands import Command
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
    #: what the witness echo canceller (AEC3) left of the words (dB; logged)
    witness_db: float | None = None


def voice_fields(echo_db: tuple[float, float] | None, over: int | None,
                 transcript: str | None = None, excess_db: float | None = None,
                 witness_db: float | None = None, outside_db: float | None = None) -> dict[str, Any]:
    """The fields a spoken command's "heard" record carries when it has them: its echo figures
    (``echo_db``), the line it was heard over (``over``) and the whole utterance as transcribed."""
    fields: dict[str, Any] = {} if echo_db is None else {"echo_db": list(echo_db)}
    if over is not None:
        fields["over"] = over
    if transcript is not None:
        fields["transcript"] = transcript
    if excess_db is not None:
        fields["excess_db"] = excess_db
    if witness_db is not None:
        fields["witness_db"] = witness_db
    if outside_db is not None:
        fields["outside_db"] = outside_db
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
    #: the place was saved when the session ended (False: the last save of it failed)
    saved: bool = True


Effect = Say | Prepare | Tone | Silence | SetRate | Log | Checkpoint | Finish
