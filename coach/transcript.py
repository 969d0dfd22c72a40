"""The printed transcript of a spoken session: each line of the coach's when it starts to be heard.

The session queues several lines at once (an introduction, a step and its first cue). Printed as
they were queued, the transcript ran ahead of the voice, and a screen reader or braille display
then read words the coach had not yet said. The speaker plays its lines in order and reports
each one done, so a line is printed when the one before it has finished. A line dropped by
"stop" was never heard, and is never printed.

The lines hold a routine's words, so each is printed through
:func:`coach.terminal.printable_lines`: an escape sequence or bidi override in a routine file is
shown as text, never sent to the terminal a screen reader is reading.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from coach.terminal import printable_lines


class Transcript:
    """Print the coach's lines in step with the speaker (thread-safe)."""

    def __init__(self, print_line: Callable[[str], None]) -> None:
        self._print = print_line
        self._current: int | None = None           # the utterance being heard now
        self._waiting: deque[tuple[int, str]] = deque()
        self._lock = threading.Lock()

    def queued(self, utterance_id: int, text: str) -> None:
        """The line was handed to the speaker: printed now if nothing is ahead of it."""
        with self._lock:
            if self._current is None:
                self._start(utterance_id, text)
            else:
                self._waiting.append((utterance_id, text))

    def done(self, utterance_id: int) -> None:
        """The speaker finished a line, or cut it off: the next line starts now."""
        with self._lock:
            if utterance_id != self._current:
                return   # a line already silenced
            self._current = None
            if self._waiting:
                self._start(*self._waiting.popleft())

    def silenced(self) -> None:
        """Speech was stopped and its queue dropped: the waiting lines will not be heard. Call it
        with the speaker's stop(), from any thread, before the next line is queued."""
        with self._lock:
            self._current = None
            self._waiting.clear()

    def _start(self, utterance_id: int, text: str) -> None:
        self._current = utterance_id
        self._print(printable_lines(text))
