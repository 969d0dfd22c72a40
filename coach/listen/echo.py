"""Echo cancellation: take the coach's own voice out of the microphone signal.

The speaker's output (the *reference*) reaches the microphone after an unknown delay (up to
~250 ms: audio buffers plus the room) and filtered by the room. Two parts:

1. Delay estimation: every half second, GCC-PHAT cross-correlation of the last 2 s of microphone
   and reference finds the bulk delay; it is adopted once the correlation peak is clearly above
   the rest.
2. A block NLMS adaptive filter (``taps`` long, starting a little before the estimated delay) models
   the room's response and subtracts the predicted echo. Adaptation slows down while the error is
   much louder than the predicted echo (someone else is talking: double talk), so the user's "stop"
   is not learnt away.

Pure numpy, vectorised per 10 ms sub-block: cheap enough for the live path.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from coach.listen.base import SAMPLE_RATE, Block

Float = npt.NDArray[np.float64]


class EchoCanceller:
    """``process(mic, reference) -> cleaned``: int16 blocks of the same length at 16 kHz."""

    def __init__(self, taps: int = 384, max_delay: float = 0.35, mu: float = 1.0,
                 sub_block: int = 160, lead: int = 64) -> None:
        self.taps = taps
        self.max_delay = int(max_delay * SAMPLE_RATE)
        self.mu = mu
        self.sub = sub_block
        self.lead = lead
        self.norm_div = 2.0  # block NLMS step scale (4 and above diverged on pink noise)
        self.delay: int | None = None        # estimated bulk delay in samples
        self._w: Float = np.zeros(taps)
        keep = self.max_delay + taps + 4 * SAMPLE_RATE
        self._ref: Float = np.zeros(keep)      # reference history, newest at the end
        self._mic: Float = np.zeros(2 * SAMPLE_RATE)
        self._since_estimate = 0
        self._filled = 0
        self._erle = 1.0

    def reset(self) -> None:
        """Forget the delay and the room (between files)."""
        self.delay = None
        self._w[:] = 0.0
        self._ref[:] = 0.0
        self._mic[:] = 0.0
        self._since_estimate = 0
        self._filled = 0
        self._erle = 1.0

    def process(self, mic: Block, reference: Block) -> Block:
        if len(mic) != len(reference):
            raise ValueError("mic and reference blocks must be the same length")
        n = len(mic)
        d = mic.astype(np.float64)
        x = reference.astype(np.float64)
        self._ref = np.concatenate([self._ref[n:], x]) if n <= len(self._ref) else x[-len(self._ref):]
        self._mic = np.concatenate([self._mic[n:], d]) if n <= len(self._mic) else d[-len(self._mic):]
        self._filled += n
        self._since_estimate += n
        if self._since_estimate >= SAMPLE_RATE // 4 and self._filled >= SAMPLE_RATE // 2:
            self._since_estimate = 0
            self._estimate_delay()
        if self.delay is None:
            return mic.copy()
        out = np.empty(n)
        for s in range(0, n, self.sub):
            e = min(n, s + self.sub)
            out[s:e] = self._filter(d[s:e], end_offset=n - e)
        return np.clip(np.round(out), -32768, 32767).astype(np.int16)

    # -- internals --------------------------------------------------------------------------
    def _estimate_delay(self) -> None:
        m = self._mic
        r = self._ref[-(len(m) + self.max_delay):]
        if np.sqrt(np.mean(r[-len(m):] ** 2)) < 30 or np.sqrt(np.mean(m ** 2)) < 10:
            return  # the speaker is silent: nothing to learn from
        size = 1 << int(np.ceil(np.log2(len(r) + len(m))))
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
                self._w[:] = 0.0

    def _filter(self, d: Float, end_offset: int) -> Float:
        assert self.delay is not None
        m = len(d)
        start_delay = max(0, self.delay - self.lead)
        # the reference sample aligned with d[j] (j in this sub-block) for tap k is
        # ref[t_j - start_delay - k], t_j = index of d[j] in the history
        total = len(self._ref)
        t_end = total - end_offset            # one past the index of the sub-block's last sample
        t0 = t_end - m
        lo = t0 - start_delay - self.taps + 1
        hi = t_end - start_delay
        if lo < 0:
            return d
        seg = self._ref[lo:hi]
        # rows: sample j; columns: tap k (k=0 newest)
        windows = np.lib.stride_tricks.sliding_window_view(seg, self.taps)[:, ::-1]
        y = windows @ self._w
        e = d - y
        if not np.all(np.isfinite(e)) or float(np.mean(e**2)) > 4.0 * float(np.mean(d**2)) + 1e4:
            # diverged: the "cancelled" signal is far louder than the microphone. Start the room over,
            # and pass the microphone through rather than drown the user's words.
            self._w[:] = 0.0
            self._erle = 1.0
            return d
        energy = float(np.sum(windows ** 2)) / self.norm_div + 1e3
        err_p = float(np.mean(e ** 2))
        echo_p = float(np.mean(y ** 2))
        mic_p = float(np.mean(d ** 2))
        if mic_p > 1.0:
            self._erle = 0.9 * self._erle + 0.1 * min(100.0, mic_p / (err_p + 1e-9))
        step = self.mu
        if self._erle > 4.0 and err_p > 2 * echo_p:
            step *= 0.05  # converged, and the mic holds more than the echo: double talk
        self._w += step * (windows.T @ e) / energy
        return e
