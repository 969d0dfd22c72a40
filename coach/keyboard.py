"""Keys that act at once on a terminal.

When the session's input is a terminal, it is put in cbreak mode (no line editing, no echo;
Ctrl-C still interrupts) so a command key acts the moment it is pressed: ``x`` stops without an
Enter. Words can still be typed: Enter first, then the words, then Enter. Every change to the
terminal is undone when the reader stops, also after Ctrl-C or a signal, and while the process is
suspended (Ctrl-Z: the shell gets its terminal back as it was; on ``fg``, cbreak mode again). A
pipe or a file is read line by line instead (:func:`coach.runtime.read_input`).

While a session says its closing summary, any key cuts it short (it acts as ``x``, stop), and it is
the last key the reader takes; once the session has ended the reader takes none: what is typed then
stays in the terminal for the shell (issue 38: "clear; date" typed during the summary was read as
"not understood: 'lear; date'").
"""

from __future__ import annotations

import codecs
import contextlib
import os
import select
import threading
from collections.abc import Callable, Collection
from typing import Any, TextIO

from coach import interrupts
from coach.commands import KEYS

ERASE = ("\x7f", "\b")
#: What any key typed during the closing summary acts as: stop, which silences and ends
CUT_SHORT = "x"


def is_terminal(stream: TextIO) -> bool:
    """True when ``stream`` is a terminal whose modes this process may set (POSIX termios).

    A job in the background is left alone: changing the terminal's modes would stop it (SIGTTOU).
    """
    try:
        import termios  # noqa: F401  (not on Windows)

        return stream.isatty() and os.tcgetpgrp(stream.fileno()) == os.getpgrp()
    except (ImportError, AttributeError, ValueError, OSError):
        return False


class KeyDecoder:
    """Turns characters, as they are typed, into what to act on.

    ``feed(ch)`` returns the text to act on now (a key, or a finished line of words) or None, and
    ``echo`` gets what should appear on the screen (typed words, a prompt, erasures). ``keys``: the
    keys that act at once (a session's, :data:`coach.commands.KEYS`, or the menu's); any other
    printable character begins a line of words.
    """

    def __init__(self, echo: Callable[[str], None], keys: Collection[str] = KEYS) -> None:
        self.echo = echo
        self.keys = keys
        self.words: str | None = None   # None: keys act at once; a string: a line of words being typed

    def feed(self, ch: str) -> str | None:
        if self.words is None:
            if ch in ("\r", "\n"):
                self.words = ""
                self.echo("words: ")
                return None
            if ch.lower() in self.keys:
                return ch
            if ch.isprintable():          # not a key: the start of a word
                self.words = ch
                self.echo("words: " + ch)
            return None
        if ch in ("\r", "\n"):
            line, self.words = self.words, None
            self.echo("\n")
            return line if line.strip() else None
        if ch in ERASE:
            if self.words:
                self.words = self.words[:-1]
                self.echo("\b \b")
            return None
        if ch == "\x1b":                  # Escape: give up the line
            self.words = None
            self.echo(" (cancelled)\n")
            return None
        if ch.isprintable():
            self.words += ch
            self.echo(ch)
        return None


class KeyReader:
    """Reads keys from a terminal on a daemon thread and hands each to ``act(text)``.

    Use as a context manager, or call :meth:`start` and :meth:`stop`; ``stop`` puts the terminal
    back as it was.
    """

    def __init__(self, stream: TextIO, act: Callable[[str], None], echo: TextIO,
                 keys: Collection[str] = KEYS) -> None:
        self.fd = stream.fileno()
        self.act = act
        self._out = echo
        self.decoder = KeyDecoder(self._echo, keys)
        self._saved: list[Any] | None = None
        #: the session says its closing summary: the next key cuts it short, and is the last read
        self.closing: Callable[[], bool] = lambda: False
        #: the session has ended: nothing more is read (it is left for whoever reads next)
        self.ended: Callable[[], bool] = lambda: False
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._suspend: contextlib.AbstractContextManager[None] | None = None

    def start(self) -> KeyReader:
        """Put the terminal in cbreak mode and start reading; OSError if its modes cannot be set."""
        import termios
        import tty

        try:
            self._saved = termios.tcgetattr(self.fd)
            tty.setcbreak(self.fd, termios.TCSANOW)
        except termios.error as e:
            raise OSError(f"cannot set the terminal's mode: {e}") from e
        # suspended (Ctrl-Z), the terminal is the shell's again, as it was; on fg, cbreak once more
        self._suspend = interrupts.on_suspend(self._restore, self._cbreak)
        self._suspend.__enter__()
        self._thread = threading.Thread(target=self._run, name="coach-keys", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """The terminal back as it was first, then the thread ended (issue 37: a second Ctrl-C that
        came while this waited for the thread left the terminal without echo and line editing)."""
        self._stopping.set()
        if self._suspend is not None:
            self._suspend.__exit__(None, None, None)
            self._suspend = None
        self._restore()
        self._saved = None
        if self._thread is not None:
            self._thread.join(0.5)

    def _restore(self) -> None:
        """The terminal's modes as they were before :meth:`start` (never raises)."""
        if self._saved is not None:
            import termios

            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)

    def _cbreak(self) -> None:
        """cbreak mode again after a suspend, if the terminal is still ours (in the foreground:
        continued with ``bg``, setting it would stop the process again)."""
        if self._saved is None or self._stopping.is_set():
            return
        import termios
        import tty

        with contextlib.suppress(termios.error, OSError):
            if os.tcgetpgrp(self.fd) == os.getpgrp():
                tty.setcbreak(self.fd, termios.TCSANOW)

    def __enter__(self) -> KeyReader:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def keys(self) -> Collection[str]:
        """The keys that act at once (settable: the menu's, then its session's)."""
        return self.decoder.keys

    @keys.setter
    def keys(self, keys: Collection[str]) -> None:
        self.decoder.keys = keys

    def _echo(self, text: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._out.write(text)
            self._out.flush()

    def _run(self) -> None:
        decoder = self.decoder
        utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while not self._stopping.is_set():
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.2)
                if not ready:
                    continue
                if self._stopping.is_set() or self.ended():
                    return   # typed after the end: not ours to read
                if self.closing():
                    os.read(self.fd, 1)   # one key, and only one: what follows is the shell's
                    if decoder.words is not None:   # a line of words begun is given up
                        decoder.words = None
                        self._echo("\n")
                    self.act(CUT_SHORT)
                    return
                data = os.read(self.fd, 64)
            except (OSError, ValueError):
                return
            if not data:                  # the terminal went away
                return
            for ch in utf8.decode(data):
                text = decoder.feed(ch)
                if text is not None:
                    self.act(text)
