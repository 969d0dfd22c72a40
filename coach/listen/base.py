"""Protocols for the listening side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from coach.commands import Command

#: Sample rate of every block fed to a recogniser.
SAMPLE_RATE = 16000
#: Longest block, in seconds, fed to a recogniser at once (the live path and `coach listen`).
MAX_BLOCK_SECONDS = 0.1
#: The block the live path uses (the microphone, and files in `coach listen`): 30 ms, one
#: voice-activity frame. A decision can come no sooner than the end of its block, so short blocks
#: keep the latency down (100 ms blocks added 50 ms on average).
BLOCK_SECONDS = 0.03

Block = npt.NDArray[np.int16]   # mono 16-bit PCM at SAMPLE_RATE


@dataclass(frozen=True)
class Detection:
    """A command a recogniser heard.

    ``at`` is the seconds of audio consumed (since the recogniser's last reset) when the recogniser
    emitted it; ``start`` and ``end`` (when the recogniser knows them) are where the command's
    words lie, on the same clock.
    """

    command: Command
    heard: str
    confidence: float
    at: float
    start: float | None = None
    end: float | None = None
    #: set by the pipeline while the coach speaks: what the echo canceller left of the sound of the
    #: words, and of the coach's voice in the seconds before them (dB)
    echo_db: tuple[float, float] | None = None
    #: set with ``echo_db``: how much louder the microphone was, for the sound the coach played,
    #: during the words than in the seconds before (dB). Near 0, nothing but the coach's voice was
    #: in the room, however little of it the echo canceller took out
    excess_db: float | None = None
    #: True when a verifying stage (Whisper) judged the whole utterance to be this command. A guess
    #: of a single-stage spotter (pocketsphinx, vosk), or a first-stage guess the second stage has
    #: not judged yet, is acted on only where acting is safe and can be undone (pausing, easing
    #: off): never to end a session, nor while the coach is speaking unless it makes things safer
    confirmed: bool = False
    #: which utterance of the stream the words came from (numbered by the second stage), so that its
    #: judgement of a first-stage guess is matched to it; None where the recogniser does not number them
    utterance: int | None = None
    #: True when the second stage judged the words of a first-stage guess (``utterance``) to be
    #: something else or nothing: what the guess did that can be undone is undone
    rejected: bool = False
    #: what a transcribing recogniser (Whisper) heard in the whole utterance, where ``heard`` is the
    #: command phrase it took from it; logged, to look into a command nobody gave
    transcript: str | None = None
    #: set while the coach spoke: how like the coach's own voice the words' audio is, after echo
    #: cancellation (cosine similarity of voiceprints: coach.listen.judge.ownvoice); None: not known
    coach_voice: float | None = None
    #: set while the coach spoke: what a second echo canceller, WebRTC's AEC3 run beside the one in
    #: use, left of the words' sound (dB); very little: the coach's voice alone
    witness_db: float | None = None
    #: when the words began and ended, on ``time.monotonic()``'s clock (the same in every process here):
    #: when their sound reached the listener, without the time the recognisers took to judge them;
    #: None where not known (a file, or audio not taken in real time)
    heard_from: float | None = None
    heard_to: float | None = None
    #: set by the pipeline for words heard partly over the coach's voice (for less than half of their
    #: span, so with no echo figures): the sound per sample of their part without its voice against
    #: the part with it (dB). Far below 0, that part was quiet; near 0 or above, someone spoke there
    outside_db: float | None = None


class SecondOpinion(Protocol):
    """A model that tells how much an utterance sounds like each command (a cosine similarity,
    higher is more alike), asked when Whisper alone is not sure (:mod:`coach.listen.judge.wordvec`)."""

    def similarity(self, audio: Block) -> dict[Command, float]:
        """Each command's similarity to ``audio`` (16 kHz mono int16)."""


class Recognizer(Protocol):
    """Fed 16 kHz mono int16 blocks; yields the commands it hears, and nothing else."""

    name: str

    def accept(self, block: Block) -> list[Detection]:
        """Feed one block (at most 100 ms); return commands completed by it."""

    def reset(self) -> None:
        """Forget partial input (after a pause, or between files)."""
