"""Echo cancellation by WebRTC's AEC3, the canceller of browsers and phones (the ``livekit`` wheel).

:class:`Aec3Canceller` is :class:`~coach.listen.capture.echo.EchoCanceller` with speex replaced:
the same delay search lines the reference up with the microphone (GCC-PHAT, then tracked; AEC3's
own delay estimator alone reaches about 0.4 s, and live delays grew to 0.6 s under load), the same
suppression silences 10 ms frames that are the coach's echo alone, and WebRTC's audio processing
module cancels each 10 ms frame: AEC3 (a linear filter with its own fine delay estimation and a
residual-echo suppressor) and the high-pass filter, and no noise suppression (WebRTC's noise
suppression in front of Whisper cost it commands; the first stage has its own, ``denoise.py``).

The module's ``process_reverse_stream`` takes the reference and ``process_stream`` the
microphone, frame by frame in step: the listener's blocks (up to 100 ms, any length) are cut into
10 ms frames and a remainder waits for the next block, as for speex. AEC3's output comes 128
samples (8 ms) after its input (measured on noise with the canceller on, 0 with it off), so the
echo suppression compares each output frame with the microphone 8 ms earlier.

What it does to the user's words is why it is not the default (the figures are in ``echo.py``):
it leaves nothing of the coach's voice alone that Whisper transcribes, but its residual-echo
suppressor cuts the onset of a word said over the coach's voice (the first 100-250 ms, by 20-35
dB), and "softer" and "stop" said over the coach were lost. The module's settings for that
suppressor are not reachable through livekit's Python API (four switches only).

Offline: the wheel's library (``liblivekit_ffi.so``) runs a runtime of its own threads; creating
and using the module under ``strace -f -e trace=socket,connect`` opened no socket at all
(2026-12-07, livekit 1.2.1).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from coach.errors import ModelError
from coach.listen.base import SAMPLE_RATE, Block
from coach.listen.capture.echo import FRAME, EchoCanceller

#: samples by which AEC3's output trails its input (see the module's docstring)
LATENCY = 128
#: The witness is asked only once it has heard this many seconds of the coach's voice: before it
#: knows the room its suppressor can take out everything, or little. A cued live test (2026-12-07):
#: a user's "five" said 1.3 s into the menu's first line kept -61.5 dB; bench talk: the coach's own
#: voice 7.5 s into a menu kept -5.6 dB. Ten seconds of the coach's voice is its introduction's first
#: lines, or the menu's first two.
WITNESS_WARM = 10.0
#: reference RMS above which a 10 ms frame holds the coach's voice (as echo.SPEAKING)
VOICE = 30.0


class Aec3Canceller(EchoCanceller):
    """``process(mic, reference) -> cleaned`` by WebRTC's AEC3 (whole 10 ms frames out)."""

    def _load(self) -> None:
        try:
            from livekit import rtc
        except ImportError as e:
            raise ModelError("livekit (WebRTC's echo canceller, AEC3) is not installed",
                             "run `make setup`, or .venv/bin/pip install livekit") from e
        self._rtc: Any = rtc

    def _open(self) -> None:
        self._apm: Any = _module(self._rtc)
        self._past = np.zeros(LATENCY, np.int16)   # the microphone's last samples, for _heard
        self._heard_now = np.zeros(0, np.int16)

    def _warm_passes(self) -> int:
        return 1   # AEC3 tracks time itself: the same audio twice would read as a jump of the delay

    def _cancel(self, mic: Block, ref: Block) -> Block:
        out = _process(self._rtc, self._apm, mic, ref)
        joined = np.concatenate([self._past, mic])
        self._heard_now = joined[:len(mic)]
        self._past = joined[len(mic):]
        return out

    def _heard(self, mic: Block) -> Block:
        return self._heard_now


class Aec3Witness:
    """WebRTC's AEC3 run beside the canceller in use, on the same lined-up frames, as evidence only:
    how much of the microphone's sound it leaves (:meth:`energy`). Its residual-echo suppressor,
    which cuts the start of a user's word and is why AEC3 does not feed the recogniser, is what
    makes it a witness: it leaves next to nothing of the coach's voice alone (a median 60 dB taken
    out, also through a small loudspeaker's distortion), where a person's voice stays."""

    def __init__(self) -> None:
        from livekit import rtc  # ImportError: no witness (make_canceller)

        self._rtc: Any = rtc
        self._apm: Any = _module(rtc)
        self._heard_voice = 0   # samples of the coach's voice it has learned from

    def energy(self, mic: Block, ref: Block) -> float | None:
        """The energy AEC3 leaves of ``mic`` (whole 10 ms frames) with ``ref`` lined up to it; None
        until it has heard ``WITNESS_WARM`` seconds of the coach's voice."""
        self._heard_voice += FRAME * int(np.sum(
            np.mean(ref[:len(ref) // FRAME * FRAME].astype(np.float64).reshape(-1, FRAME) ** 2, axis=1) > VOICE ** 2))
        out = _process(self._rtc, self._apm, mic, ref)
        total = float(np.sum(out.astype(np.float64) ** 2))
        return total if self._heard_voice >= WITNESS_WARM * SAMPLE_RATE else None


def _module(rtc: Any) -> Any:
    """WebRTC's audio processing: AEC3 and the high-pass filter, no noise suppression or gain control
    (see the module's docstring)."""
    return rtc.AudioProcessingModule(echo_cancellation=True, high_pass_filter=True, noise_suppression=False,
                                     auto_gain_control=False)


def _process(rtc: Any, apm: Any, mic: Block, ref: Block) -> Block:
    """``mic`` (whole 10 ms frames) through WebRTC's audio processing ``apm``, with ``ref`` (lined up
    to it) as what was played: each frame's reverse stream, then its forward stream."""
    out = np.empty(len(mic) // FRAME * FRAME, np.int16)
    for i in range(0, len(out), FRAME):
        apm.process_reverse_stream(rtc.AudioFrame(ref[i:i + FRAME].tobytes(), SAMPLE_RATE, 1, FRAME))
        frame = rtc.AudioFrame(bytearray(mic[i:i + FRAME].tobytes()), SAMPLE_RATE, 1, FRAME)
        apm.set_stream_delay_ms(0)   # the reference comes aligned (required with AEC3 on)
        apm.process_stream(frame)
        out[i:i + FRAME] = np.frombuffer(frame.data, np.int16)
    return out
