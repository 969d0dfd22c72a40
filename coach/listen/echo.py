"""Echo cancellation: take the coach's own voice out of the microphone signal.

The speaker's output (the *reference*) reaches the microphone after an unknown delay (up to
~350 ms: audio buffers plus the room) and filtered by the room. Two parts:

1. Delay estimation: every quarter second, GCC-PHAT cross-correlation of the last 2 s of
   microphone and reference finds the bulk delay. It is adopted once the correlation peak is
   clearly above the rest, and the reference is shifted by it.
2. speexdsp's echo canceller (a multi-delay frequency-domain adaptive filter with double-talk
   control) and its residual-echo suppressor, via the ``pyaec`` wheel, on 10 ms frames. It models
   ``tail`` seconds of the room after the bulk delay.

3. Echo suppression: while the coach speaks, a 10 ms frame that the canceller took ``suppress_db``
   (25 dB) or more out of, in each of four bands (0.1-1, 1-2, 2-4 and 4-8 kHz) that holds more
   than a faint sound, is the coach's echo alone, and is silenced. Its faint remains otherwise
   kept the voice-activity gate open, and the search heard them as words that ran into the user's
   "stop". The user speaking over the coach keeps far more of the frame and passes. Judged on the
   whole frame at first, it also silenced the quiet "s" of a "stop" said over a loud vowel of the
   coach's (the band at 4-8 kHz keeps it). On the benchmark's echo files (2026-11-21), commands
   heard and false accepts: 36% with no suppression; 69% and 18 on whole frames; 69% and 15 by
   bands (full `python -m bench listen`). The floor for a faint band was tried at RMS 28, 48, 88
   and 177 (64%, 74%, 71% and 67% heard); at 50, the value kept, the full run gives 69%: a few
   files either way, within the noise of 72 commands. 15 dB on whole frames cut into the user's
   words ("softer" heard as "stop").

The first version of this module was a time-domain NLMS filter of our own. On the benchmark's
coach-voice-only files it removed 4-9 dB of echo and diverged on the real duplex stream. Speex
removes 13-40 dB on the same files.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from coach.errors import ModelError
from coach.listen.base import SAMPLE_RATE, Block

Float = npt.NDArray[np.float64]
FRAME = 160  # 10 ms
REF_ACTIVE = 100.0 ** 2  # reference power above which the coach counts as speaking
BANDS = ((1, 10), (10, 20), (20, 40), (40, 81))   # FFT bins of a 10 ms frame: 0.1-1, 1-2, 2-4, 4-8 kHz
BAND_FLOOR = FRAME * FRAME / 2 * 50.0 ** 2   # a band's power in a frame whose RMS in it is 50 (-56 dBFS)


def fast_length(n: int) -> int:
    """The smallest length >= ``n`` made of factors 2, 3 and 5 (fast for the FFT; 72,000, not 131,072)."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


class EchoCanceller:
    """``process(mic, reference) -> cleaned``: int16 blocks at 16 kHz (whole 10 ms frames out)."""

    def __init__(self, tail: float = 0.256, max_delay: float = 0.35, lead: int = 64,
                 suppress_db: float = 25.0) -> None:
        try:
            import pyaec
        except ImportError as e:
            raise ModelError("pyaec (the speexdsp echo canceller) is not installed",
                             "run `make setup`, or .venv/bin/pip install pyaec") from e
        self._pyaec: Any = pyaec
        self.tail = int(tail * SAMPLE_RATE)
        self.max_delay = int(max_delay * SAMPLE_RATE)
        self.lead = lead
        # a frame the canceller took this much out of, while the coach spoke, is its echo: silenced
        self.suppress = 10 ** (-suppress_db / 10) if suppress_db > 0 else 0.0
        self.delay: int | None = None        # estimated bulk delay in samples
        self.reset()

    def reset(self) -> None:
        """Forget the delay and the room (between files)."""
        self.delay = None
        self._shift = 0
        self._ref: Float = np.zeros(self.max_delay + 4 * SAMPLE_RATE)  # reference history, newest last
        self._mic: Float = np.zeros(2 * SAMPLE_RATE)
        self._since_estimate = 0
        self._filled = 0
        self._new_speex()

    def _new_speex(self) -> None:
        self._aec: Any = self._pyaec.Aec(FRAME, self.tail, SAMPLE_RATE, True)
        self._rest_mic = np.zeros(0, np.int16)
        self._rest_ref = np.zeros(0, np.int16)
        self._ref_level = 0.0
        self.active = False   # was the coach's voice in the room during the last block processed?

    def process(self, mic: Block, reference: Block) -> Block:
        """Echo-cancelled microphone audio (whole 10 ms frames; a remainder waits for the next block)."""
        if len(mic) != len(reference):
            raise ValueError("mic and reference blocks must be the same length")
        n = len(mic)
        d = mic.astype(np.float64)
        x = reference.astype(np.float64)
        self._ref = np.concatenate([self._ref[n:], x]) if n <= len(self._ref) else x[-len(self._ref):]
        self._mic = np.concatenate([self._mic[n:], d]) if n <= len(self._mic) else d[-len(self._mic):]
        self._filled += n
        self._since_estimate += n
        # the delay is looked for four times a second until found, then twice (it rarely moves)
        every = SAMPLE_RATE // 4 if self.delay is None else SAMPLE_RATE // 2
        if self._since_estimate >= every and self._filled >= SAMPLE_RATE // 2:
            self._since_estimate = 0
            self._estimate_delay()
        shift = max(0, (self.delay or 0) - self.lead)
        if abs(shift - self._shift) > 8:  # a new bulk delay: the room model starts over
            self._shift = shift
            self._new_speex()
        end = len(self._ref) - self._shift
        aligned = np.clip(np.round(self._ref[max(0, end - n):end]), -32768, 32767).astype(np.int16)
        m = np.concatenate([self._rest_mic, np.asarray(mic, dtype=np.int16)])
        r = np.concatenate([self._rest_ref, aligned])
        whole = len(m) // FRAME * FRAME
        out = np.zeros(whole, np.int16)
        for i in range(0, whole, FRAME):
            out[i:i + FRAME] = self._aec.cancel_echo(m[i:i + FRAME].tolist(), r[i:i + FRAME].tolist())
        active = self._active(r[:whole])
        self.active = bool(active.any())
        if self.suppress and self.active:
            self._suppress(m[:whole], out, active)
        self._rest_mic, self._rest_ref = m[whole:].copy(), r[whole:].copy()
        return out

    # -- internals --------------------------------------------------------------------------
    def _active(self, ref: Block) -> npt.NDArray[np.bool_]:
        """For each 10 ms frame of the aligned reference: is the coach's voice (or its echo) in the room?"""
        frames = len(ref) // FRAME
        ref_power = np.mean(ref.astype(np.float64).reshape(frames, FRAME) ** 2, axis=1)
        active = np.zeros(frames, bool)
        level = self._ref_level
        for k in range(frames):  # the reference's recent level: its echo lasts ~0.1 s in a room
            level = max(float(ref_power[k]), 0.8 * level)
            active[k] = level > REF_ACTIVE
        self._ref_level = level
        return active

    def _suppress(self, mic: Block, out: Block, active: npt.NDArray[np.bool_]) -> None:
        """Silence the frames of ``out`` that are the coach's echo alone (see the module's docstring)."""
        frames = len(out) // FRAME
        spec_m = np.abs(np.fft.rfft(mic.astype(np.float64).reshape(frames, FRAME), axis=1)) ** 2
        spec_o = np.abs(np.fft.rfft(out.astype(np.float64).reshape(frames, FRAME), axis=1)) ** 2
        bm = np.stack([spec_m[:, a:b].sum(axis=1) for a, b in BANDS], axis=1)
        bo = np.stack([spec_o[:, a:b].sum(axis=1) for a, b in BANDS], axis=1)
        # echo alone: every band with something in it lost ``suppress_db`` or more
        counts = bm > BAND_FLOOR
        echo_only = np.all(~counts | (bo < bm * self.suppress), axis=1) & counts.any(axis=1) & active
        out.reshape(frames, FRAME)[echo_only] = 0

    def _estimate_delay(self) -> None:
        m = self._mic
        r = self._ref[-(len(m) + self.max_delay):]
        if np.sqrt(np.mean(r[-len(m):] ** 2)) < 30 or np.sqrt(np.mean(m ** 2)) < 10:
            return  # the speaker is silent: nothing to learn from
        size = fast_length(len(r) + len(m))
        spec = np.fft.rfft(m, size) * np.conj(np.fft.rfft(r, size))
        spec /= np.abs(spec) + 1e-9
        cc = np.fft.irfft(spec, size)
        # cc[k] = sum m[t] r[t - k]; with echo delay L, m[t] ~ r[t + max_delay - L], so k = L - max_delay
        offset = self.max_delay
        lags = np.arange(0, self.max_delay + 1)
        idx = (lags - offset) % size
        vals = cc[idx]
        best = int(np.argmax(vals))
        peak = vals[best]
        spread = np.median(np.abs(vals)) + 1e-12
        if peak > 6 * spread:
            new = int(lags[best])
            if self.delay is None or abs(new - self.delay) > 8:
                self.delay = new
