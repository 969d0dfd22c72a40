"""Keeping native libraries' messages off the terminal during a session.

ALSA, PortAudio and Kaldi write straight to file descriptor 2 ("ALSA lib pcm.c:8570:
(snd_pcm_recover) underrun occurred", "Expression 'err' failed in 'src/hostapi/alsa/...'"), in
the middle of the lines a screen reader is reading out. While a session runs,
:class:`NativeLines` makes descriptor 2 a pipe and reads it on a thread of its own: a line that a
native library wrote (:data:`NATIVE`) goes to ``sink`` (the session log), any other line to the
terminal as before. Python's own messages do not take the detour: ``sys.stderr`` writes to a copy
of the terminal's descriptor meanwhile. Child processes (listening) inherit the pipe, so their
native lines are kept out too.

Lines that come before a sink is set wait for it (at most ``KEPT``); after ``LIMIT`` lines in one
session the rest are only counted, and the count is handed to the sink at the end.

A line that comes again (ALSA's "underrun occurred", 116 times in one session) is handed to a sink
once; the times it came again are counted, and the count is handed as one line, "<the line> (again
115 times)" (:func:`repeated`), once no line has come for ``QUIET`` seconds or ``EVERY`` seconds
after the first of them. A count still waiting when the sink changes is dropped: the session's
"ended" stays its log's last record.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import select
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

#: The start of a line that a native library wrote (ALSA's library and its PulseAudio plugin,
#: PortAudio's asserts and host APIs, Kaldi's and vosk's logging, JACK probing, libpulse).
NATIVE = re.compile(
    r"^(ALSA lib |ALSA: |Expression '.*' failed in |PaAlsa|PortAudio|pa_|LOG \(|VLOG\[|WARNING \(|ERROR \("
    r"|jack|Cannot connect to server|JackShmReadWritePtr|W: \[|E: \[)")
KEPT = 200     # lines waiting for the sink
LIMIT = 1000   # lines handed to the sink in one session; the rest are counted
QUIET = 1.0    # seconds without a line after which the repeats counted are handed on
EVERY = 30.0   # ... or this long after the first repeat counted, while they keep coming
SEEN = 1000    # distinct lines remembered to count their repeats

Sink = Callable[[str], None]


def is_native(line: str) -> bool:
    """Whether ``line`` is a native library's message (not one of coach's own)."""
    return NATIVE.match(line.lstrip()) is not None


_REPEATED = re.compile(r" \(again (\d+) times?\)$")


def repeated(text: str) -> tuple[str, int]:
    """A line handed to a sink, and how many times it stands for: ("ALSA lib ... underrun
    occurred", 1), or the count of its repeats: ("ALSA lib ... underrun occurred", 115) from
    "ALSA lib ... underrun occurred (again 115 times)"."""
    found = _REPEATED.search(text)
    return (text[:found.start()], int(found.group(1))) if found else (text, 1)


def again(line: str, times: int) -> str:
    """The line that hands on the count of ``line``'s repeats."""
    return f"{line} (again {times} time{'' if times == 1 else 's'})"


class NativeLines:
    """A context manager: while it is open, native libraries' lines on descriptor 2 go to ``sink``
    (settable later, :meth:`set_sink`), other lines to the terminal. Does nothing where descriptor
    2 cannot be duplicated."""

    def __init__(self, sink: Sink | None = None) -> None:
        self._sink = sink
        self._waiting: deque[str] = deque(maxlen=KEPT)
        self._lock = threading.Lock()
        self.kept = 0        # lines handed to the sink
        self._seen: set[str] = set()          # lines handed to this sink (or waiting for it)
        self._repeats: dict[str, int] = {}    # their repeats not yet handed on
        self._since: float | None = None      # when the first of those came
        self.dropped = 0     # lines past LIMIT, or that could not wait for a sink
        self._saved: int | None = None
        self._read: int | None = None
        self._terminal: io.FileIO | None = None
        self._old_stderr: TextIO | None = None
        self._thread: threading.Thread | None = None

    def set_sink(self, sink: Sink | None) -> None:
        """Where native lines go from now on (None: they wait, and are dropped at the end)."""
        with self._lock:
            self._sink = sink
            waiting = list(self._waiting) if sink is not None else []
            self._waiting.clear()
            self._seen = set()   # each sink (a session's log) has the first of each line
            self._repeats, self._since = {}, None
        for line in waiting:
            self._hand(line)

    def __enter__(self) -> NativeLines:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError):
            return self
        read, write = os.pipe()
        os.dup2(write, 2)
        os.close(write)
        self._saved, self._read = saved, read
        self._terminal = io.FileIO(saved, "w", closefd=False)
        if _writes_to_fd2(sys.stderr):
            self._old_stderr = sys.stderr
            sys.stderr = io.TextIOWrapper(io.FileIO(os.dup(saved), "w"), encoding=sys.stderr.encoding,
                                          errors="backslashreplace", line_buffering=True)
        self._thread = threading.Thread(target=self._pump, name="coach-native-lines", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._saved is None:
            return
        if self._old_stderr is not None:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
                sys.stderr.close()
            sys.stderr = self._old_stderr
        os.dup2(self._saved, 2)   # the pipe's last writer here goes; a child still holding it keeps it open
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        if self.dropped and self._sink is not None:
            with contextlib.suppress(Exception):
                self._sink(f"({self.dropped} more lines from native libraries were not kept)")
        if self._thread is None or not self._thread.is_alive():
            os.close(self._saved)   # (else the reader may still show a line on it: left open)
        self._saved = None

    def _pump(self) -> None:
        assert self._read is not None
        rest = b""
        with open(self._read, "rb", buffering=0, closefd=True) as pipe:
            while True:
                ready, _, _ = select.select([pipe], [], [], QUIET)
                if not ready:
                    self._hand_repeats()
                    continue
                chunk = pipe.read(65536)
                if not chunk:
                    break
                *lines, rest = (rest + chunk).split(b"\n")
                for raw in lines:
                    self._line(raw + b"\n")
                with self._lock:
                    due = self._since is not None and time.monotonic() - self._since >= EVERY
                if due:
                    self._hand_repeats()
        if rest:
            self._line(rest)

    def _line(self, raw: bytes) -> None:
        text = raw.decode("utf-8", errors="backslashreplace").rstrip("\r\n")
        if is_native(text):
            self._hand(text)
        else:
            self._show(raw)

    def _hand_repeats(self) -> None:
        """Hand on the counts of the repeats that came since the last time (to the sink there is)."""
        with self._lock:
            if self._sink is None or not self._repeats:
                return
            sink, repeats = self._sink, self._repeats
            self._repeats, self._since = {}, None
            with contextlib.suppress(Exception):
                for line, times in repeats.items():
                    sink(again(line, times))

    def _hand(self, line: str) -> None:
        with self._lock:
            if line in self._seen:   # the first of it was kept: this one is counted
                self._repeats[line] = self._repeats.get(line, 0) + 1
                if self._since is None:
                    self._since = time.monotonic()
                return
            if len(self._seen) < SEEN:
                self._seen.add(line)
            sink = self._sink
            if sink is None:
                if len(self._waiting) == self._waiting.maxlen:
                    self.dropped += 1
                self._waiting.append(line)
                return
            if self.kept >= LIMIT:
                self.dropped += 1
                return
            self.kept += 1
            with contextlib.suppress(Exception):   # under the lock: once set_sink(None) returns, no more
                sink(line)

    def _show(self, raw: bytes) -> None:
        if self._terminal is not None:
            with contextlib.suppress(OSError, ValueError):
                self._terminal.write(raw)


def _writes_to_fd2(stream: TextIO) -> bool:
    try:
        return stream.fileno() == 2
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return False
