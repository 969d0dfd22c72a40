"""What the room held while the coach spoke, block by block: the figures the listening policy weighs.

:class:`EchoFigures` is the part of :class:`coach.listen.listener.Pipeline` that keeps, for each
recent block, the microphone's energy, what the echo canceller and the witness canceller (AEC3) left
of it, and what the coach played; and works out, for the span of a detection's words, what the
cancellers left (``residual_db``, ``witness_db``), how much more sound the room had than the coach's
echo brings (``excess_db``), the sound of their part without its voice (``outside_db``), and whether
the second stage may be spared the words (``coach_alone``). The judging thread reads the blocks too:
every method copies them whole first.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from coach.listen.base import BLOCK_SECONDS, SAMPLE_RATE, Block
from coach.listen.capture.echo import EchoCanceller
from coach.listen.thresholds import (
    SAFE_WRITTEN_EXCESS_DB,
    WITNESS_SAFE_ECHO_DB,
    WITNESS_VOICE_DB,
)

BLOCK_SAMPLES = int(SAMPLE_RATE * BLOCK_SECONDS)  # 480: 30 ms

#: Seconds of the coach's voice before the words that tell what the room and the canceller usually
#: do with it: the median of what the canceller left (:meth:`EchoFigures.typical_residual_db`, which
#: the pipeline's rule :func:`coach.listen.policy.echo_only` weighs the words' figure against) and the
#: room's echo level (:meth:`EchoFigures.excess_db`). The user's voice adds sound that the canceller
#: cannot take out, so their words keep more than the echo around them.
ECHO_LOOKBACK = 3.0
#: The excess over the echo is computed only when the coach played at least this share of its usual
#: sound (per sample) during the words (-20 dB) ...
SPAN_PLAYED = 0.01
#: ... and the room gave back at least this share of what it played in the seconds before (-40 dB;
#: the soaks' room gives it back at about -6 dB): else there is no echo level to compare with.
ECHO_RETURN = 1e-4
#: Words heard partly over the coach's voice (for less than half of their span, so with no echo
#: figures) were all in that part when the rest of their span had this much less sound per sample
#: (dB) than it: they then get the excess of that part (see :meth:`Pipeline.outside_db`). On
#: synthetic speech (tests/test_listen_engines.py): -30 dB with nobody speaking after a count, -1 dB
#: with a user at the echo's level there. Chosen on that synthetic case alone.
OUTSIDE_QUIET_DB = -20.0


#: where an echo block (see ``Pipeline._echo_blocks``) keeps the energy speex left, and the witness's
OUT, WITNESSED = 3, 5


def energy(block: Block) -> float:
    """A block's energy (the sum of its squared samples)."""
    return float(np.sum(block.astype(np.float64) ** 2))


def _db(after: float, before: float) -> float:
    """``after`` relative to ``before`` in dB (silence counts as -120 dB, not minus infinity)."""
    return 10.0 * float(np.log10(max(after, before * 1e-12, 1e-9) / before))


class EchoFigures:
    """The blocks' figures and the measures over a span of them (see the module's docstring)."""

    echo: EchoCanceller
    _origin: int
    # (first sample, end sample, microphone energy, energy left after echo cancellation, energy of
    # what the coach played in it, energy the witness canceller left, NaN without one) of the recent
    # blocks during which the coach's voice was in the room
    _echo_blocks: deque[tuple[int, int, float, float, float, float]]
    # (first sample, end sample, microphone energy, energy of what the coach played in it) of the
    # recent blocks without its voice in the room: a line's first ``delay`` samples are played during
    # such blocks, before its echo comes back
    _quiet_blocks: deque[tuple[int, int, float, float]]

    def coach_alone(self, start: float, end: float) -> bool:
        """Whether the listening policy takes whatever words are heard between ``start`` and ``end``
        (seconds on the recogniser's clock) for the coach's own voice, by the figures it would get:
        the witness canceller left so little of the sound (``WITNESS_SAFE_ECHO_DB``, its bound for
        every command and word), or less than a voice's share (``WITNESS_VOICE_DB``) with less sound
        in the room than the echo alone brings (``SAFE_WRITTEN_EXCESS_DB``, the lowest excess at
        which any rule takes words; tests/test_policy.py checks that none does). The second stage
        need not judge them. Safe to call from the second stage's thread: the blocks are copied."""
        found = self.witness_db(start, end)
        if found is None or found >= WITNESS_VOICE_DB:
            return False
        if found <= WITNESS_SAFE_ECHO_DB:
            return True
        excess = self.excess_db(start, end)
        return excess is not None and excess < SAFE_WRITTEN_EXCESS_DB

    def residual_db(self, start: float, end: float) -> float | None:
        """Of the microphone's energy between ``start`` and ``end`` (seconds on the recogniser's
        clock), how much the echo canceller left, in dB; None unless the coach's voice was in the
        room for at least half of that time (only then is there an echo to judge)."""
        return self._left_db(start, end, OUT)

    def witness_db(self, start: float, end: float) -> float | None:
        """Of the microphone's energy between ``start`` and ``end`` (seconds on the recogniser's
        clock), how much the witness canceller (AEC3, :class:`coach.listen.capture.aec3.Aec3Witness`)
        left, in dB; None without a witness, or unless the coach's voice was in the room for at least
        half of that time."""
        return self._left_db(start, end, WITNESSED)

    def _left_db(self, start: float, end: float, field: int) -> float | None:
        """What the echo blocks' ``field`` (``OUT`` or ``WITNESSED``) left of the microphone's energy
        between ``start`` and ``end``, in dB; None where the coach's voice covers less than half of
        that time, or a block has no such figure (NaN)."""
        a, b = self._origin + int(start * SAMPLE_RATE), self._origin + int(end * SAMPLE_RATE)
        if b <= a:
            return None
        covered, before, after = 0, 0.0, 0.0
        for block in list(self._echo_blocks):
            s, e, mic = block[0], block[1], block[2]
            if e > a and s < b:
                covered += min(e, b) - max(s, a)
                before += mic
                after += block[field]
        if covered * 2 < b - a or before <= 0.0 or after != after:   # after != after: NaN, no figure
            return None
        return _db(after, before)

    def excess_db(self, start: float, end: float) -> float | None:
        """How much more sound the microphone had, for the sound the coach played, between ``start``
        and ``end`` (seconds on the recogniser's clock) than in the ``ECHO_LOOKBACK`` seconds before
        (dB); None without enough of the coach's voice in either. The room gives back the coach's
        voice at a steady level, so near 0 dB nothing but its voice was there, whatever the echo
        canceller made of it (live, 2026-11-30: "pain" and "stop" heard with -0.7 and -2.8 dB left,
        the canceller having lost the echo path for a moment). The user's voice adds to it. What
        was played counts ``delay`` samples later, when it reaches the microphone.

        The user's voice in the seconds before counts as the room's usual sound too, and makes the
        figure smaller: 3 dB less just after a second of the user talking over the coach, on
        synthetic speech (a median of each block's figure was tried instead: 3 dB off for the
        coach's voice alone).

        "Before" is the last ``ECHO_LOOKBACK`` seconds of the coach's voice before ``start``, however
        long ago (as far as the kept blocks go): words heard in its first line after a silence get
        a figure too (the soak of 2026-12-03: Whisper wrote "Stop." over a countdown's "five, four"
        after 40 s of quiet, with no figures, and the session paused)."""
        a, b = self._origin + int(start * SAMPLE_RATE), self._origin + int(end * SAMPLE_RATE)
        delay = self.echo.delay or 0
        span_mic = span_ref = back_mic = back_ref = 0.0
        wanted, back_n, first = int(ECHO_LOOKBACK * SAMPLE_RATE), 0, a
        echo_blocks = list(self._echo_blocks)   # a copy: the judging thread reads it too
        for s, e, mic, _out, _ref, _w in reversed(echo_blocks):
            if e > a and s < b:
                span_mic += mic
            elif e <= a and back_n < wanted:
                back_mic += mic
                back_n += e - s
                first = s
        # what was played ``delay`` samples before those blocks, wherever it was played: the first
        # ``delay`` samples of a line after a silence go out while the microphone's blocks are still
        # quiet. Counting what was played during the echo's blocks only left out a word's start: the
        # silent soak of 2026-12-07 had the count "two", 4 s after "one", 8.7 dB "over" its echo, and
        # pocketsphinx's "ouch" there eased off with nobody speaking; on synthetic counts
        # (tests/test_listen_engines.py) 0.7 to 2.6 dB with nobody there, now 0
        played = [(s, e, ref) for s, e, _mic, _out, ref, _w in echo_blocks]
        played += [(s, e, ref) for s, e, _mic, ref in list(self._quiet_blocks)]
        for s, e, ref in played:
            if e > a - delay and s < b - delay:
                span_ref += ref
            elif e <= a - delay and s >= first - delay:
                back_ref += ref
        span_ref_n, back_ref_n = max(1, b - a), max(1, back_n)
        if min(span_mic, span_ref, back_mic, back_ref) <= 0.0:
            return None
        if span_ref / span_ref_n < back_ref / back_ref_n * SPAN_PLAYED or back_mic / back_ref < ECHO_RETURN:
            # the coach played next to nothing during the words (a line's quiet end), or its voice did
            # not come back in the seconds before (the echo path was not there to measure): the ratio
            # says nothing of another voice (the soak of 2026-12-07: 62.5 dB "more sound" on a "pain"
            # guess over the end of "...a long breath out.", with nobody speaking)
            return None
        return 10.0 * float(np.log10((span_mic / span_ref) / (back_mic / back_ref)))

    def outside_db(self, start: float, end: float) -> tuple[float, float, float] | None:
        """Of words heard partly over the coach's voice, between ``start`` and ``end`` (seconds on
        the recogniser's clock): the sound per sample of the part without its voice against the part
        with it (dB), and where that part begins and ends (seconds); None without both parts."""
        a, b = self._origin + int(start * SAMPLE_RATE), self._origin + int(end * SAMPLE_RATE)
        inside = [(max(s, a), min(e, b), mic) for s, e, mic, _out, _ref, _w in list(self._echo_blocks)
                  if e > a and s < b]
        outside = [(max(s, a), min(e, b), mic) for s, e, mic, _ref in list(self._quiet_blocks) if e > a and s < b]
        n_in = sum(e - s for s, e, _ in inside)
        n_out = sum(e - s for s, e, _ in outside)
        energy_in = sum(mic for _s, _e, mic in inside)
        if not n_in or not n_out or energy_in <= 0.0:
            return None
        ratio = _db(sum(mic for _s, _e, mic in outside) / n_out, energy_in / n_in)
        first, last = min(s for s, _e, _ in inside), max(e for _s, e, _ in inside)
        return ratio, (first - self._origin) / SAMPLE_RATE, (last - self._origin) / SAMPLE_RATE

    def typical_residual_db(self, before: float) -> float | None:
        """The median, over the blocks of the ``ECHO_LOOKBACK`` seconds before ``before`` during which
        the coach spoke, of what the echo canceller left; None for less than 0.3 s of them."""
        b = self._origin + int(before * SAMPLE_RATE)
        a = b - int(ECHO_LOOKBACK * SAMPLE_RATE)
        left = [_db(out, mic) for s, e, mic, out, _ref, _w in list(self._echo_blocks)
                if e <= b and s >= a and mic > 0.0]
        if len(left) * BLOCK_SAMPLES < 0.3 * SAMPLE_RATE:
            return None
        return float(np.median(left))
