"""Protocols for the speaking side. The session runtime only ever sees a :class:`Speaker`."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from coach.speech.synth import Pcm, VoiceSettings
    from coach.speech.wordtimes import WordTime


class Earcon(StrEnum):
    """Short generated tones, mixed by the same player as speech."""

    STEP = "step"            # change of step
    HARDER = "harder"        # command understood: rising
    SOFTER = "softer"        # command understood: falling
    OK = "ok"                # any other command understood
    PAUSED = "paused"
    END = "end"              # session end
    UNKNOWN = "unknown"      # "I did not understand"


#: The ``Played.id`` of an earcon: a tone is the coach's sound in the room too (the soak of
#: 2026-12-03: pocketsphinx guessed "ouch" in the step earcon, just before a line began, and the
#: coach eased off, taking it for a user's, since no line was playing).
TONE_ID = -1


@dataclass(frozen=True)
class Played:
    """A line (or an earcon: ``id`` is ``TONE_ID``) the speaker sent out lately (a speaker's optional
    ``played()``).

    ``started`` is when its first sample reached the loudspeaker, on ``time.monotonic()``'s clock
    (estimated from the stream's DAC time); ``length`` is its sound's length in seconds; ``cut`` is
    how many seconds of it went out before it was stopped (None unless it was).
    """

    id: int
    started: float
    length: float
    cut: float | None = None
    #: each word of the line and when it is said, from its first sample (coach.speech.wordtimes);
    #: None where not known
    words: tuple[WordTime, ...] | None = None

    @property
    def out(self) -> float:
        """How many seconds of it went (or will go) out."""
        return self.length if self.cut is None else min(self.cut, self.length)


#: Called by a speaker when an utterance really finished playing (or was cut off).
DoneCallback = Callable[[int, bool], None]   # (utterance_id, interrupted)


class Speaker(Protocol):
    """Speaks utterances in order, stops at once, and reports when each really finished.

    Implementations call the ``done`` callback they were built with, from any thread, once per
    utterance passed to :meth:`say`: ``done(utterance_id, interrupted)``.
    """

    def say(self, utterance_id: int, text: str) -> None:
        """Queue ``text`` to be spoken after what is already queued. Never blocks."""

    def prepare(self, text: str) -> None:
        """Hint that ``text`` will be said soon, so it can be rendered ahead. Never blocks."""

    def tone(self, earcon: Earcon) -> None:
        """Play an earcon now (mixed over speech). Never blocks."""

    def stop(self) -> None:
        """Silence everything now (within one audio block) and drop the queue."""

    def duck(self, on: bool) -> None:
        """Lower (True) or restore (False) the volume without stopping."""

    def set_rate(self, wpm: int) -> None:
        """Speak later utterances at ``wpm`` words per minute."""

    def close(self) -> None:
        """Release devices and threads."""


class Synthesizer(Protocol):
    """Renders text to 16 kHz mono int16 PCM, with a cache and render-ahead; the speaker and
    ``coach render`` take any one (espeak-ng: :class:`coach.speech.synth.Synth`; Piper:
    :class:`coach.speech.piper.PiperSynth`). Thread-safe; only :meth:`render` blocks.
    """

    #: how many times the engine actually rendered (not served from the cache)
    render_count: int

    @property
    def engine(self) -> str:
        """"espeak" or "piper": the engine that really renders (after any fallback)."""

    @property
    def settings(self) -> VoiceSettings:
        """What later renders use (voice id, rate, pitch, volume)."""

    def set_rate(self, wpm: int) -> None:
        """Later renders use ``wpm`` words per minute."""

    def render_async(self, text: str, settings: VoiceSettings | None = None, *, ahead: bool = False) -> Future[Pcm]:
        """A future of the PCM for ``text``: done already if cached (``ahead``: a render ahead of
        need, which may wait behind renders of lines already said)."""

    def render(self, text: str, settings: VoiceSettings | None = None) -> Pcm:
        """The PCM for ``text`` (blocks while it renders)."""

    def prepare(self, text: str) -> None:
        """Render ``text`` in the background so a later render finds it cached."""

    def hurry(self, text: str, settings: VoiceSettings | None = None) -> None:
        """``text`` is needed now: a queued render of it goes before the others."""

    def is_cached(self, text: str, settings: VoiceSettings | None = None) -> bool:
        """Whether ``text`` is rendered already."""
