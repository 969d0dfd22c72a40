"""Guarding PortAudio streams against a sound device or server that vanishes.

Seen on Linux with PortAudio's ALSA "pulse" plugin when the PulseAudio server dies under a running
stream: either PortAudio notices and the stream turns inactive, or libpulse deadlocks inside its
own threads. Then the callback never runs again, ``stream.active`` stays True, and ``stop()``,
``abort()`` and ``close()`` never return; nor does sounddevice's exit handler, which closes the
last stream when Python exits. So:

- a stream is judged alive by its callback making progress (:class:`Heartbeat`), not by ``active``;
- a stream is closed from a helper thread that is abandoned if it does not finish
  (:func:`close_stream`), and then sounddevice's exit handler is dropped so the process can end;
- a stream that PortAudio ends while the device is still there (an ALSA poll that fails after an
  underrun, on a busy machine) is worth opening again, a few times (:class:`Retries`).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

STALL_SECONDS = 5.0   # no callback for this long: the device is gone (a fresh PulseAudio stream can pause ~2 s)
CLOSE_SECONDS = 2.0   # a stream that takes longer than this to close is left behind
REOPEN_LIMIT = 3      # a stream that fails this often within REOPEN_WINDOW seconds is given up
REOPEN_WINDOW = 60.0


class Retries:
    """How many times a failed stream may be opened again: ``limit`` within any ``window`` seconds."""

    def __init__(self, limit: int = REOPEN_LIMIT, window: float = REOPEN_WINDOW) -> None:
        self.limit, self.window = limit, window
        self._times: list[float] = []

    def allow(self, now: float | None = None) -> bool:
        """True (and counted) if one more reopening is allowed now."""
        now = time.monotonic() if now is None else now
        self._times = [t for t in self._times if now - t <= self.window]
        if len(self._times) >= self.limit:
            return False
        self._times.append(now)
        return True


class Heartbeat:
    """Counts audio callbacks; :meth:`stalled` says when they stopped coming.

    ``beat`` is called from the audio callback (one integer increment, nothing else); ``stalled``
    from one other thread, which it remembers when it last saw a change.
    """

    def __init__(self, limit: float = STALL_SECONDS) -> None:
        self.limit = limit
        self.beats = 0
        self._seen = 0
        self._since = time.monotonic()

    def beat(self) -> None:
        self.beats += 1

    def stalled(self, now: float | None = None) -> bool:
        """True once no callback has come for ``limit`` seconds (checked from one thread)."""
        now = time.monotonic() if now is None else now
        if self.beats != self._seen:
            self._seen = self.beats
            self._since = now
            return False
        return now - self._since > self.limit


def failure(stream: Any, heartbeat: Heartbeat) -> str | None:
    """How a running stream has failed, or None: ``"stopped working"`` (PortAudio ended it, or it
    cannot be asked) or ``"stopped responding (no audio for N s)"`` (its callback stopped coming).

    Call from one thread, regularly (the heartbeat remembers when it last saw a callback).
    """
    try:
        active = bool(stream.active)
    except Exception:
        active = False
    if not active:
        return "stopped working"
    if heartbeat.stalled():
        return f"stopped responding (no audio for {heartbeat.limit:.0f} s)"
    return None


S = TypeVar("S")


def reopen(stream: Any, retries: Retries, open_new: Callable[[], S],
           errors: tuple[type[Exception], ...]) -> S | None:
    """A new stream from ``open_new`` in place of a failed ``stream``, or None: no retries left for
    now, the old stream would not close (the sound system is deadlocked: nothing more can be
    opened), or ``open_new`` raised one of ``errors`` (the device is gone)."""
    if not retries.allow() or not close_stream(stream):
        return None
    try:
        return open_new()
    except errors:
        return None


def close_stream(stream: Any, timeout: float = CLOSE_SECONDS) -> bool:
    """Abort and close a sounddevice ``stream``, giving up after ``timeout`` seconds.

    Returns True if it closed. If it did not (the host API is deadlocked), the closing thread is
    left behind (it is a daemon) and sounddevice's exit handler, which would hang on the same
    stream, is unregistered so that the process can still exit.
    """

    def run() -> None:
        with contextlib.suppress(Exception):
            stream.abort()
        with contextlib.suppress(Exception):
            stream.close()

    thread = threading.Thread(target=run, name="coach-close-stream", daemon=True)
    thread.start()
    thread.join(timeout)
    if not thread.is_alive():
        return True
    log.info("the audio stream did not close within %.0f s; leaving it", timeout)
    forget_at_exit()
    return False


def forget_at_exit() -> None:
    """Drop sounddevice's exit handler (it would wait forever on a deadlocked stream)."""
    import sounddevice as sd

    handler = getattr(sd, "_exit_handler", None)
    if handler is not None:
        atexit.unregister(handler)
