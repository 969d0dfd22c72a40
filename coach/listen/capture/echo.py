"""Echo cancellation: take the coach's own voice out of the microphone signal.

The speaker's output (the *reference*) reaches the microphone after an unknown delay (up to
``max_delay``, 0.8 s: audio buffers plus the room) and filtered by the room. Three parts:

1. Delay estimation: GCC-PHAT cross-correlation of microphone and reference finds the bulk
   delay, and the reference is shifted by it. Until it is found, the last 2 s are searched four
   times a second, and a clear peak (well above the rest) is adopted at once when the shifted
   reference matches the microphone (``SURE_MATCH``), or else when it is found twice running. After
   that the delay is *tracked*: every ``track_every`` seconds the last ``track_window`` seconds
   are searched, and a new delay is adopted when two searches running agree on it.
2. speexdsp's echo canceller (a multi-delay frequency-domain adaptive filter with double-talk
   control) and its residual-echo suppressor, via the ``pyaec`` wheel, on 10 ms frames. It models
   ``tail`` seconds of the room after the bulk delay, from ``lead`` samples before it.
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

Why tracking, and why the room model is kept when the delay moves: on a busy machine the sound
stream underruns now and then, and each underrun moves the delay between what was played and
what the microphone hears by tens of milliseconds (a recorded live session, 2026-11-22: 110, 96,
then 115 ms within 22 s). The room itself has not changed, so its model still holds once the
reference is shifted again. Until 2026-11-22 the canceller searched 2 s every half second, took 1-2 s to
follow a move, and then started speex afresh, which took seconds more to learn the room again:
for seconds after each move only 5-13 dB of the coach's voice came out, and its remains ran into
the user's "stop" as words. On a stream whose delay moves three times
(``test_the_canceller_follows_a_moving_echo_path``), that canceller took out 7-23 dB in the
2 s after each move; now, from the time the move is found (0.2-0.6 s after it, depending on where
the coach pauses), it takes out 50 dB or more. A lead of 30 ms instead of 4 ms, so that speex
itself would cover a small move, cost it the user's quieter "stop" over the echo
(``test_a_command_the_canceller_took_out_is_the_coachs_own_voice``).
A move is only looked for while the coach's voice that the delay in use lines up is in the window
(in a pause, over the user's voice, a search can peak anywhere), and the new delay must match the
microphone clearly better than the old. Under heavy load (three busy programs on two cores) the
delay grew to 600 ms, so the search goes up to 0.8 s (it went to 350 ms).

Replayed through this pipeline, 13 live sessions recorded under such load (``coach run
--record-audio``; the user says "stop" up to four times over the coach's voice) gave a "stop" in 7
with tracking and in 2 without. In the rest PulseAudio's latency kept growing and
the echo no longer lined up with the reference at any one delay: the stream underran every few
blocks.

The first version of this module was a time-domain NLMS filter of our own. On the benchmark's
coach-voice-only files it removed 4-9 dB of echo and diverged on the real duplex stream. Speex
removes 13-40 dB on the same files.

WebRTC's AEC3 (``aec3.py``, :func:`make_canceller` ``"aec3"``) takes the place of speex behind the
same delay search and suppression. Measured 2026-12-07 (load average 6-14 on 2 cores, shared): on
the benchmark's 192 echo files, 2 s after the coach began, the canceller alone took out a median
60 dB of the coach's voice alone (speex 25), 60 with a small loudspeaker's non-linearity (speex
23); Whisper tiny.en wrote no word in 48 windows of 3 s of AEC3's residual of the coach's voice
alone, and 105-120 words in 17-20 of speex's. But through the whole pipeline (bench listen's
``evaluate`` on every third echo file, 24 commands and 40 sentences, and the 5 "self" files),
AEC3 heard 16 commands to speex's 23, with 1 wrong (speex 3) and 1 false accept (speex 11):
its residual-echo suppressor cuts the first 100-250 ms of a user's word said over the coach by
20-35 dB (the "s" of "softer" and "stop"), and six of its seven misses were "softer" or "stop".
So speex stays the default until commands said over the coach are kept.

AEC3 runs beside speex instead, as a witness (:func:`make_canceller`'s ``witness``): the same
lined-up frames go through it, and what it leaves of each block (``witnessed``) is kept by the
listener, which tells the listening policy what AEC3 left of a detection's words. What cuts a
user's word onset for the recogniser makes a clear witness: next to nothing of the coach's voice
alone is left (coach.listen.policy.WITNESS_ECHO_DB).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import numpy.typing as npt

from coach.errors import ModelError
from coach.listen.base import SAMPLE_RATE, Block

log = logging.getLogger(__name__)

Float = npt.NDArray[np.float64]
FRAME = 160  # 10 ms
REF_ACTIVE = 100.0 ** 2  # reference power above which the coach counts as speaking
BANDS = ((1, 10), (10, 20), (20, 40), (40, 81))   # FFT bins of a 10 ms frame: 0.1-1, 1-2, 2-4, 4-8 kHz
BAND_FLOOR = FRAME * FRAME / 2 * 50.0 ** 2   # a band's power in a frame whose RMS in it is 50 (-56 dBFS)


SPEAKING = 30.0   # reference RMS above which the coach is speaking, for the delay search
#: A first delay whose reference matches the microphone this well (normalised correlation) is taken at
#: once; any other must be found twice running. On the benchmark's echo files the right first lags
#: matched 0.88-0.95, the wrong ones (searched before the echo had arrived) -0.09 to 0.29; in live
#: recordings the right ones matched 0.91-1.0. In a real room, reverberation lowers the match, and
#: the delay is then found twice, a quarter of a second later.
SURE_MATCH = 0.6
#: Seconds of the audio before the delay was found that a new speex learns the room from.
WARM_UP = 1.5
#: Delays this close (samples) are the same one. The delay is followed in steps this small: with an
#: input and an output stream on clocks of their own it drifts (live, 2026-11-30: 2 samples a second
#: on the test rig), and speex cancels poorly once it is a few samples off. Replayed barge-in trials
#: (20 sessions): at 8 samples, 28% of the coach's blocks kept more than -15 dB of its voice, the
#: median block -27 dB; at 2, 16% (the user's words among them) and -72 dB.
SAME = 2
WARM_PASSES = 3


def _rms(x: Float) -> float:
    return float(np.sqrt(np.mean(x ** 2))) if len(x) else 0.0


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
    """``process(mic, reference) -> cleaned``: int16 blocks at 16 kHz (whole 10 ms frames out).

    The delay search and the echo suppression are this class's; the cancelling of each 10 ms frame
    is speex's (:meth:`_open`, :meth:`_cancel`), which a subclass may replace (AEC3)."""

    def __init__(self, tail: float = 0.256, max_delay: float = 0.8, lead: int = 64,
                 suppress_db: float = 25.0, track_window: float = 0.25, track_every: float = 0.0625) -> None:
        self._load()
        self.tail = int(tail * SAMPLE_RATE)
        self.max_delay = int(max_delay * SAMPLE_RATE)
        self.lead = lead
        self.track_window = int(track_window * SAMPLE_RATE)
        self.track_every = int(track_every * SAMPLE_RATE)
        # a frame the canceller took this much out of, while the coach spoke, is its echo: silenced
        self.suppress = 10 ** (-suppress_db / 10) if suppress_db > 0 else 0.0
        self.delay: int | None = None        # estimated bulk delay in samples
        #: a second canceller run on the same lined-up frames for evidence only (AEC3: aec3.Aec3Witness)
        self.witness: Any = None
        #: the energy the witness left of the frames of the last block processed (None: no witness)
        self.witnessed: float | None = None
        self.reset()

    def reset(self) -> None:
        """Forget the delay and the room (between files)."""
        self.delay = None
        self._shift = 0
        self._ref: Float = np.zeros(self.max_delay + 4 * SAMPLE_RATE)  # reference history, newest last
        self._mic: Float = np.zeros(2 * SAMPLE_RATE)
        self._since_estimate = 0
        self._filled = 0
        self._candidate: int | None = None   # a new delay found once, adopted when found again
        self._new_engine()

    def _load(self) -> None:
        """Import the canceller's library (a :class:`ModelError` saying how to install it if missing)."""
        try:
            import pyaec
        except ImportError as e:
            raise ModelError("pyaec (the speexdsp echo canceller) is not installed",
                             "run `make setup`, or .venv/bin/pip install pyaec") from e
        self._pyaec: Any = pyaec

    def _open(self) -> None:
        """A new canceller that knows nothing of the room."""
        self._aec: Any = self._pyaec.Aec(FRAME, self.tail, SAMPLE_RATE, True)

    def _cancel(self, mic: Block, ref: Block) -> Block:
        """``mic`` (whole 10 ms frames) with the echo of ``ref`` (aligned to it) taken out."""
        out = np.zeros(len(mic), np.int16)
        for i in range(0, len(mic), FRAME):
            out[i:i + FRAME] = self._aec.cancel_echo(mic[i:i + FRAME].tolist(), ref[i:i + FRAME].tolist())
        return out

    def _warm_passes(self) -> int:
        """Passes of the recent audio through a new canceller when the delay is first found."""
        return WARM_PASSES

    def _heard(self, mic: Block) -> Block:
        """The microphone's samples that line up with what the last :meth:`_cancel`, given ``mic``,
        returned (the same ones here; AEC3's output comes 8 ms late)."""
        return mic

    def _new_engine(self) -> None:
        self._open()
        self._rest_mic = np.zeros(0, np.int16)
        self._rest_ref = np.zeros(0, np.int16)
        self._ref_level = 0.0
        self._warm = False   # run the recent audio through this new speex before the next block
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
        # the delay is looked for four times a second until found, then tracked (it moves with underruns)
        every = SAMPLE_RATE // 4 if self.delay is None else self.track_every
        if self._since_estimate >= every and self._filled >= SAMPLE_RATE // 2:
            self._since_estimate = 0
            self._track_delay()
        shift = max(0, (self.delay or 0) - self.lead)
        if abs(shift - self._shift) > SAME:
            # the delay moved: the reference is shifted, and the room model kept (the room is the same)
            self._shift = shift
        end = len(self._ref) - self._shift
        if self._warm:
            self._warm = False
            self._warm_up(n, end)
        aligned = np.clip(np.round(self._ref[max(0, end - n):end]), -32768, 32767).astype(np.int16)
        m = np.concatenate([self._rest_mic, np.asarray(mic, dtype=np.int16)])
        r = np.concatenate([self._rest_ref, aligned])
        whole = len(m) // FRAME * FRAME
        out = self._cancel(m[:whole], r[:whole])
        if self.witness is not None:
            self.witnessed = self.witness.energy(m[:whole], r[:whole])
        heard = self._heard(m[:whole])
        active = self._active(r[:whole])
        self.active = bool(active.any())
        if self.suppress and self.active:
            self._suppress(heard, out, active)
        self._rest_mic, self._rest_ref = m[whole:].copy(), r[whole:].copy()
        return out

    # -- internals --------------------------------------------------------------------------
    def _warm_up(self, n: int, end: int) -> None:
        """Run the last ``WARM_UP`` seconds before the current block (``n`` samples; the aligned
        reference ends at ``end``) through speex, its output thrown away: it then knows the room
        when the delay is first found, rather than a second or two later."""
        k = min(int(WARM_UP * SAMPLE_RATE), len(self._mic) - n, end - n) // FRAME * FRAME
        if k <= 0:
            return
        mic = np.clip(np.round(self._mic[len(self._mic) - n - k:len(self._mic) - n]), -32768, 32767).astype(np.int16)
        ref = np.clip(np.round(self._ref[end - n - k:end - n]), -32768, 32767).astype(np.int16)
        for _ in range(self._warm_passes()):
            self._cancel(mic, ref)

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

    def _track_delay(self) -> None:
        """Find the delay (a clear peak in 2 s that matches well, or is found twice) or follow it (two
        agreeing searches of a short window)."""
        if self.delay is None:
            # searched before the echo has arrived, a window peaks at a lag that explains nothing (on the
            # benchmark's echo files, 12 of 72 first searches, 0.1 s after the coach began, found 0-262
            # samples instead of 1,920): unless the lag lines the reference up with the microphone's
            # sound (SURE_MATCH), it must be found twice running
            new = self._find_delay(self._mic)
            if (new is not None and self._match(self._mic, new) >= SURE_MATCH) or self._confirm(new):
                self.delay = new
                self._candidate = None
                self._new_engine()   # found for the first time: what speex learnt unaligned is dropped
                self._warm = True   # ... and it learns the room from the audio searched instead
            return
        m = self._mic[-self.track_window:]
        # the delay in use can only be found wrong while the coach's voice it lines up is in the window
        if _rms(self._aligned(len(m), self.delay)) < SPEAKING:
            self._candidate = None
            return
        new = self._find_delay(m)
        # a search can peak at a lag that explains nothing (a click in both, the edge of the range, the
        # user's voice): a new delay must match the microphone clearly better than the one in use
        if new is None or abs(new - self.delay) <= SAME or self._match(m, new) < self._match(m, self.delay) + 0.1:
            self._candidate = None
        elif self._confirm(new):
            self.delay = new

    def _confirm(self, new: int | None) -> bool:
        """Whether the last search found ``new`` too; if not, ``new`` waits for the next search."""
        if new is not None and self._candidate is not None and abs(new - self._candidate) <= SAME:
            self._candidate = None
            return True
        self._candidate = new
        return False

    def _aligned(self, n: int, delay: int) -> Float:
        """The reference that, ``delay`` samples later, is heard in the last ``n`` microphone samples."""
        end = len(self._ref) - delay
        return self._ref[end - n:end]

    def _match(self, m: Float, delay: int) -> float:
        """How well the reference ``delay`` samples back matches ``m`` (normalised correlation, -1 to 1)."""
        r = self._aligned(len(m), delay)
        return float(np.dot(m, r) / (np.sqrt(np.dot(m, m) * np.dot(r, r)) + 1e-9))

    def _find_delay(self, m: Float) -> int | None:
        """The delay (samples) of the reference in ``m`` (the latest microphone samples), if clear."""
        r = self._ref[-(len(m) + self.max_delay):]
        if _rms(r[-len(m):]) < SPEAKING or _rms(m) < 10:
            return None  # the speaker is silent: nothing to learn from
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
        return int(lags[best]) if peak > 6 * spread else None


#: the cancellers :func:`make_canceller` builds, by name (``aec3`` needs the ``livekit`` package)
KINDS = ("aec3", "speex")
#: the one built unless another is asked for: speex, which kept more of the user's commands over the
#: coach's voice than AEC3 (see the module's docstring)
DEFAULT = "speex"


def make_canceller(kind: str = "", witness: bool = True) -> EchoCanceller:
    """The echo canceller called ``kind`` (one of :data:`KINDS`; empty: :data:`DEFAULT`), with AEC3
    as its witness (``witness``, where livekit is installed: the listening policy's ``witness_db``)."""
    kind = kind or DEFAULT
    canceller: EchoCanceller
    if kind == "speex":
        canceller = EchoCanceller()
    elif kind == "aec3":
        from coach.listen.capture.aec3 import Aec3Canceller

        canceller = Aec3Canceller()
    else:
        raise ValueError(f"no echo canceller called {kind!r} (one of {', '.join(KINDS)})")
    if witness:
        try:
            from coach.listen.capture.aec3 import Aec3Witness

            canceller.witness = Aec3Witness()
        except ImportError:
            log.warning("no second echo canceller to tell the coach's voice by (livekit is not installed: "
                        "run `make setup`)")
    return canceller
