"""The coach's own voice learned from what it played (coach/listen/judge/ownvoice.py), and the
pipeline giving each detection heard while it spoke its likeness to that voice. A stand-in
encoder (the Embedder protocol) keeps this a test of the plumbing; the real encoder's figures are
in tests/test_listen_voiceprint.py and bench voiceprint."""

from __future__ import annotations

import numpy as np

from coach.listen.base import SAMPLE_RATE
from coach.listen.judge.ownvoice import SPAN_SECONDS, SPANS, OwnVoice


class Pitch:
    """Embeds audio as the direction of its strongest frequency among a few: a 'voice' per tone."""

    def embed(self, audio: np.ndarray) -> np.ndarray:
        spectrum = np.abs(np.fft.rfft(audio.astype(np.float64)))
        bins = np.array([spectrum[int(f * len(audio) / SAMPLE_RATE)] for f in (200, 300, 500, 800)])
        v = (bins / (np.linalg.norm(bins) or 1.0)).astype(np.float32)
        return v if len(v) == 256 else np.pad(v, (0, 256 - len(v)))


def tone(freq: float, seconds: float, level: float = 3000.0) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (np.sin(2 * np.pi * freq * t) * level).astype(np.int16)


def test_it_knows_the_voice_it_played_and_tells_it_from_another() -> None:
    voice = OwnVoice(Pitch())
    assert voice.similarity(0, SAMPLE_RATE) is None                # nothing learned yet
    coach = tone(300, SPANS * SPAN_SECONDS + 0.5)
    for i in range(0, len(coach), 480):
        voice.played(coach[i:i + 480])
        voice.played(np.zeros(480, np.int16))                        # pauses do not count
    assert voice.voice is not None
    heard = np.concatenate([tone(300, 1.0), tone(800, 1.0)])        # its voice, then another
    for i in range(0, len(heard), 480):
        voice.heard(1000 + i, heard[i:i + 480])
    own = voice.similarity(1000, 1000 + SAMPLE_RATE)
    other = voice.similarity(1000 + SAMPLE_RATE, 1000 + 2 * SAMPLE_RATE)
    assert own is not None and other is not None and own > 0.99 and other < 0.5
    assert voice.similarity(1000, 1000 + SAMPLE_RATE // 10) is None   # too short to tell
    voice.forget_heard()
    assert voice.similarity(1000, 1000 + SAMPLE_RATE) is None
