"""Telling when the user talks over the coach, so that the coach can lower its voice.

While the coach speaks, the echo canceller takes most of its voice out of the microphone (25-40 dB
once it has learnt the room); the user's voice it cannot take out. A block of which the canceller
left ``talk_db`` or more, with sound enough to be speech, is the user's voice. Two such blocks
running (60 ms) mean the user has started talking over the coach; ``hold`` seconds without one mean
they have stopped. Until the coach's voice has been in the room for ``warm_up`` seconds the
canceller is still learning, and leaves that much of the coach's voice too, so nothing is said.

Lowering the coach's voice (the speaker's ``duck``) from there on helps the rest of what the user
says through: on the benchmark's files with the coach talking, ducking by 10 dB from 0.1 s after
the pipeline noticed the user (``python -m bench duck``) heard 56 of 72 commands instead of 51,
with 10 wrong commands instead of 11 (README).
"""

from __future__ import annotations

import math

#: of a block's sound, what the canceller left (dB) when it is the user's voice: the user's commands
#: kept -1.5 to -12 dB in the benchmark and in live sessions; the coach's voice alone -21 to -40 dB
TALK_DB = -12.0
#: the quietest block (RMS of 16-bit samples) taken for speech
MIN_RMS = 100.0


class BargeIn:
    """Fed each block's figures while the coach speaks; :meth:`feed` returns True when the user
    starts talking over it, False when they stop, and None otherwise."""

    def __init__(self, talk_db: float = TALK_DB, hold: float = 1.5, warm_up: float = 2.0,
                 sample_rate: int = 16000) -> None:
        self.ratio = 10.0 ** (talk_db / 10.0)
        self.hold = int(hold * sample_rate)
        self.warm_up = int(warm_up * sample_rate)
        self.min_rms = MIN_RMS
        self.talking = False
        self._heard = 0        # samples of the coach's voice in the room so far
        self._run = 0          # user-voice blocks running
        self._quiet = 0        # samples since the last user-voice block

    def feed(self, samples: int, coach: bool, mic: float, left: float) -> bool | None:
        """One block of ``samples``: whether the coach's voice was in the room, the microphone's
        energy and the energy the canceller left."""
        voice = (coach and self._heard >= self.warm_up and mic > 0.0
                 and math.sqrt(mic / samples) >= self.min_rms and left >= self.ratio * mic)
        if coach:
            self._heard += samples
        if voice:
            self._run += 1
            self._quiet = 0
            if not self.talking and self._run >= 2:
                self.talking = True
                return True
            return None
        self._run = 0
        self._quiet += samples
        if self.talking and self._quiet >= self.hold:
            self.talking = False
            return False
        return None
