"""Earcons: short generated tones (16 kHz mono int16), described in docs/earcons.md.

Each is a sequence of notes; every note is a sine with a couple of soft harmonics, shaped by a
raised-cosine attack and release so it never clicks. They are distinct in pitch and shape:

- step: one bright note, C6 then G6 (a "ding-ding" upward fifth), 240 ms
- harder: a rising glide 520 -> 880 Hz, 260 ms
- softer: a falling glide 880 -> 520 Hz, 260 ms
- ok: one short mid note (A5), 120 ms
- paused: two identical soft mid notes (E5, E5), 320 ms
- end: a gentle descending two-note G5 -> C5, 400 ms
- unknown: two low short blips (220 Hz), 260 ms
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

from coach.listen.base import SAMPLE_RATE
from coach.speech.base import Earcon

Pcm = npt.NDArray[np.int16]

#: Peak level of every earcon (fraction of full scale): clearly audible, never clipping.
PEAK = 0.45

# Each note: (start Hz, end Hz, seconds); a 0 Hz note is a gap.
_NOTES: dict[Earcon, tuple[tuple[float, float, float], ...]] = {
    Earcon.STEP: ((1046.5, 1046.5, 0.11), (0, 0, 0.02), (1568.0, 1568.0, 0.11)),
    Earcon.HARDER: ((520.0, 880.0, 0.26),),
    Earcon.SOFTER: ((880.0, 520.0, 0.26),),
    Earcon.OK: ((880.0, 880.0, 0.12),),
    Earcon.PAUSED: ((659.3, 659.3, 0.13), (0, 0, 0.06), (659.3, 659.3, 0.13)),
    Earcon.END: ((784.0, 784.0, 0.17), (0, 0, 0.03), (523.3, 523.3, 0.20)),
    Earcon.UNKNOWN: ((220.0, 220.0, 0.1), (0, 0, 0.06), (220.0, 220.0, 0.1)),
}

_RAMP = 0.012   # seconds of raised-cosine attack and release per note


def _note(f0: float, f1: float, seconds: float, rate: int) -> npt.NDArray[np.float64]:
    n = round(seconds * rate)
    if f0 == 0:
        return np.zeros(n)
    freq = np.linspace(f0, f1, n)
    phase = 2 * np.pi * np.cumsum(freq) / rate
    x = np.sin(phase) + 0.25 * np.sin(2 * phase) + 0.08 * np.sin(3 * phase)
    ramp = min(round(_RAMP * rate), n // 2)
    env = np.ones(n)
    shape = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, ramp))
    env[:ramp] = shape
    env[n - ramp:] = shape[::-1]
    # a gentle decay over the note, like a soft bell
    env *= np.linspace(1.0, 0.6, n)
    out: npt.NDArray[np.float64] = x * env
    return out


@cache
def _render(earcon: Earcon, rate: int) -> bytes:
    x = np.concatenate([_note(f0, f1, s, rate) for f0, f1, s in _NOTES[earcon]])
    x = x / np.max(np.abs(x)) * PEAK * 32767
    data: bytes = np.round(x).astype(np.int16).tobytes()
    return data


def earcon_pcm(earcon: Earcon, rate: int = SAMPLE_RATE) -> Pcm:
    """The tone for ``earcon`` (a fresh array each call; the rendering itself is cached)."""
    return np.frombuffer(_render(Earcon(earcon), rate), dtype=np.int16).copy()
