"""Counting audio that was lost, and saying so: counted where it happens, said from elsewhere."""

from __future__ import annotations

import logging


class Losses:
    """A count of lost audio blocks (or overflows), bumped where the loss happens and reported
    from another thread.

    :meth:`add` only adds to an integer, so it is safe in an audio callback. :meth:`report`, called
    from a worker thread now and then, logs a warning with how many were lost since the last
    report (``message`` has one ``%d`` for that number) and returns the total. Losses are never
    fatal: listening goes on with the audio that came.
    """

    def __init__(self, message: str, log: logging.Logger) -> None:
        self.message = message
        self.total = 0
        self._reported = 0
        self._log = log

    def add(self, n: int = 1) -> None:
        self.total += n

    def report(self) -> int:
        total = self.total
        if total != self._reported:
            self._log.warning(self.message, total - self._reported)
            self._reported = total
        return total
