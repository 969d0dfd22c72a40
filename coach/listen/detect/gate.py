"""Voice-activity gating: cut a stream of fixed-size frames into utterances, with no look-ahead delay.

A frame classifier (pocketsphinx's WebRTC VAD in practice) says speech or not for each frame.
An utterance starts when ``onset`` of the last ``onset_window`` frames are speech. It is handed
over with ``preroll`` frames of audio from before the onset, so the first sound of a word is not
lost. From then on every frame is passed through at once; nothing is held back. The utterance ends
after ``hangover`` frames in a row of non-speech. Pure logic with no audio imports: tested with
a scripted classifier.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class GateEvent:
    """``kind`` is "start" (audio holds the pre-roll and the onset), "audio" or "end" (no audio)."""

    kind: str
    audio: bytes = b""


class SpeechGate:
    def __init__(self, is_speech: Callable[[bytes], bool], onset: int = 3, onset_window: int = 5,
                 hangover: int = 10, preroll: int = 10) -> None:
        self.is_speech = is_speech
        self.onset, self.onset_window, self.hangover = onset, onset_window, hangover
        self._recent: deque[bool] = deque(maxlen=onset_window)
        self._before: deque[bytes] = deque(maxlen=preroll + onset_window)
        self._quiet = 0
        self.in_speech = False

    def push(self, frame: bytes) -> list[GateEvent]:
        """Classify one frame; return what it starts, carries or ends."""
        speech = bool(self.is_speech(frame))
        if not self.in_speech:
            self._recent.append(speech)
            self._before.append(frame)
            if sum(self._recent) >= self.onset:
                self.in_speech = True
                self._quiet = 0
                audio = b"".join(self._before)
                self._before.clear()
                self._recent.clear()
                return [GateEvent("start", audio)]
            return []
        self._quiet = 0 if speech else self._quiet + 1
        if self._quiet >= self.hangover:
            self.in_speech = False
            return [GateEvent("audio", frame), GateEvent("end")]
        return [GateEvent("audio", frame)]

    @property
    def quiet(self) -> int:
        """Frames of non-speech in a row in the utterance under way or just ended (0 while speech goes on)."""
        return self._quiet

    def reset(self) -> None:
        self._recent.clear()
        self._before.clear()
        self._quiet = 0
        self.in_speech = False
