"""A speaker with no audio: prints each utterance as one plain line.

It serves the ``--text`` mode and unit tests. It reports each utterance done right away,
or, with ``words_per_minute`` set, lets the caller learn how long it would have taken.
"""

from __future__ import annotations

import threading
from typing import TextIO

from coach.speech.base import DoneCallback, Earcon
from coach.terminal import printable_lines

EARCON_WORDS = {
    Earcon.STEP: "[tone: next step]",
    Earcon.HARDER: "[tone: rising]",
    Earcon.SOFTER: "[tone: falling]",
    Earcon.OK: "[tone: understood]",
    Earcon.PAUSED: "[tone: paused]",
    Earcon.END: "[tone: session end]",
    Earcon.UNKNOWN: "[tone: not understood]",
}


class PrintSpeaker:
    """Implements :class:`coach.speech.base.Speaker` by printing lines to ``out``."""

    def __init__(self, out: TextIO, done: DoneCallback, *, prefix: str = "", tones: bool = False) -> None:
        self._out = out
        self._done = done
        self._prefix = prefix
        self._tones = tones
        self._lock = threading.Lock()
        self.rate = 0
        self.spoken: list[str] = []

    def _print(self, line: str) -> None:
        with self._lock:
            try:
                # a routine's words: any control or bidi character in them shown, never acted on
                self._out.write(f"{self._prefix}{printable_lines(line)}\n")
                self._out.flush()
            except (BrokenPipeError, ValueError):
                pass   # output closed: speaking is best-effort, the log still has every line

    def say(self, utterance_id: int, text: str) -> None:
        self.spoken.append(text)
        self._print(text)
        self._done(utterance_id, False)

    def prepare(self, text: str) -> None:
        pass

    def tone(self, earcon: Earcon) -> None:
        if self._tones:
            self._print(EARCON_WORDS[earcon])

    def stop(self) -> None:
        pass

    def duck(self, on: bool) -> None:
        pass

    def set_rate(self, wpm: int) -> None:
        self.rate = wpm

    def close(self) -> None:
        pass
