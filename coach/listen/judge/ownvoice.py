"""Is it the coach's own voice? Its voiceprint, learned from what it played, against a detection's audio.

The coach speaks in one fixed voice, and the listening pipeline is handed every sample it plays
(the echo canceller's reference). :class:`OwnVoice` embeds the first few seconds of that voice with
the speaker encoder of :mod:`coach.listen.judge.voiceprint` (no enrolment, no rendering of its own)
and, for a detection heard while the coach spoke, says how like that voice the words' audio is, as
the recogniser heard it after echo cancellation.

What it can tell (``python -m bench voiceprint``, 2026-12-07): the coach's own voice stands at 0.67
or more from its voiceprint in 97% of spans (espeak-ng) and 82-96% (Piper's joe), real people's
voices under it in 1,880 of 1,882 spans. What a working canceller leaves of the coach's voice no
longer looks like it (0.03-0.68): so a span that still does is the coach's voice getting through a
canceller that lost the room (the user trial of 2026-12-06 had 4-20 dB left, and Whisper wrote it
down). The policy takes such words for the coach's own where acting on them could not be undone.
"""

from __future__ import annotations

import logging
from collections import deque

import numpy as np

from coach.listen.base import SAMPLE_RATE, Block
from coach.listen.judge.voiceprint import THRESHOLD, CoachVoice, Embedder

log = logging.getLogger(__name__)

#: The coach's voice is known from this many spans of what it played, each this long (seconds)
SPANS = 6
SPAN_SECONDS = 2.0
#: A block of what it played counts as its voice when louder than this (RMS, int16): speech, not
#: a pause or a fading tail
VOICED_RMS = 300.0
#: What the recogniser heard is kept this long (seconds): a detection's words lie within it
KEEP_SECONDS = 8.0
#: Spans shorter than this (seconds) say too little of a voice to judge
SHORTEST = 0.4


class OwnVoice:
    """The coach's voice, learned from what it played; fed by the pipeline (one thread)."""

    def __init__(self, voiceprint: Embedder, threshold: float = THRESHOLD) -> None:
        self.voiceprint = voiceprint
        self.threshold = threshold
        self.voice: CoachVoice | None = None
        self._failed = False   # the encoder failed once: the policy goes without the voiceprint
        self._span: list[Block] = []
        self._spans: list[Block] = []
        self._heard: deque[tuple[int, Block]] = deque()   # (first sample, audio) of what was heard

    def played(self, reference: Block) -> None:
        """A block of what the coach played (until its voice is known)."""
        if self.voice is not None or self._failed or not len(reference):
            return
        if float(np.sqrt(np.mean(reference.astype(np.float64) ** 2))) < VOICED_RMS:
            return
        self._span.append(reference)
        if sum(len(b) for b in self._span) >= SPAN_SECONDS * SAMPLE_RATE:
            self._spans.append(np.concatenate(self._span))
            self._span = []
            if len(self._spans) >= SPANS:
                try:
                    refs = np.stack([self.voiceprint.embed(s) for s in self._spans])
                    self.voice = CoachVoice(self.voiceprint, refs, self.threshold, "played")
                except Exception as e:   # no voiceprint: the policy goes without it
                    log.warning("the coach's own voice cannot be told by its voiceprint: %s", e)
                    self._spans = []
                    self._failed = True

    def heard(self, first: int, audio: Block) -> None:
        """A block of what the recogniser heard, from sample ``first`` of the pipeline's count."""
        self._heard.append((first, audio))
        while self._heard and self._heard[0][0] < first + len(audio) - KEEP_SECONDS * SAMPLE_RATE:
            self._heard.popleft()

    def forget_heard(self) -> None:
        self._heard.clear()

    def similarity(self, start: int, end: int) -> float | None:
        """How like the coach's voice the audio heard from sample ``start`` to ``end`` is (cosine
        similarity of voiceprints); None before its voice is known, or for too short a span."""
        if self.voice is None or end - start < SHORTEST * SAMPLE_RATE:
            return None
        parts = [a[max(0, start - s):max(0, end - s)] for s, a in self._heard if s < end and s + len(a) > start]
        if not parts:
            return None
        audio = np.concatenate(parts)
        if len(audio) < SHORTEST * SAMPLE_RATE:
            return None
        return self.voice.similarity(audio)
