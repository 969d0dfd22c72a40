"""The session's side of the loop (:mod:`coach.loop`): a :class:`~coach.session.Session` run to its end.

What is the session's own: typed input parsed as a key or words, what is left when the session is
interrupted (the resume point matches the last state exactly, and an ``ended`` record), and how
typed lines are read from a pipe (:func:`read_input`).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

from coach.commands import parse, parse_key
from coach.loop import Clock, Loop
from coach.session import Finish, Session
from coach.speech.base import Earcon, Speaker
from coach.store import SessionLog

__all__ = ["Clock", "Runtime", "TypedInput", "read_input"]


@dataclass(frozen=True)
class _Unknown:
    now: float
    text: str


class Runtime(Loop):
    """Runs one session to its end. Thread-safe entry points: those of :class:`~coach.loop.Loop`."""

    context = "session"

    def __init__(
        self,
        session: Session,
        speaker: Speaker,
        log: SessionLog,
        clock: Clock,
        *,
        on_checkpoint: Callable[[int, int], bool | None] = lambda step, level: None,
        transcript: TextIO | None = None,
    ) -> None:
        self.session = session
        self.machine = session
        super().__init__(speaker, log, clock, session.routine.language, transcript)
        self.on_checkpoint = on_checkpoint
        self.result: Finish | None = None
        #: how to get help with the keys, said after input that was not understood
        self.key_hint = "Type ? and Enter for the keys, or a word like harder."

    def text(self, line: str, source: str = "key") -> None:
        """Typed input: a single key (see coach.commands.KEYS) or words."""
        stripped = line.strip()
        command = parse_key(line if stripped == "" and line else stripped) if len(stripped) <= 1 else None
        if command is None and stripped:
            command = parse(stripped, self.language)
        if command is None:
            if stripped or line:
                self._queue.put(_Unknown(self.clock.now(), stripped))
            return
        self.command(command, stripped or "space", 1.0, source)

    def run(self) -> Finish:
        """Run until the session finishes or is interrupted; return how it ended."""
        result: Finish = super().run()
        return result

    def _outcome(self) -> Finish:
        return self.result or Finish(False, "interrupted", self.session.level)

    def _take(self, item: Any) -> None:
        if isinstance(item, _Unknown):
            self._write_log("heard", {"text": item.text, "command": None, "source": "key"})
            self.speaker.tone(Earcon.UNKNOWN)
            self._print(f"not understood: {item.text!r}. {self.key_hint}")
        else:
            super()._take(item)

    def _interrupted(self, reason: str) -> Finish:
        s = self.session
        self._checkpoint(s.step_index, s.level)   # the resume point matches the last state exactly
        self._before_end()
        self._write_log("ended", {"completed": False, "reason": reason, "level": s.level,
                                  "step": s.step_index, "steps_done": len(s.steps_done)})
        return Finish(False, reason, s.level)

    def _checkpoint(self, step: int, level: int) -> None:
        # on_checkpoint says whether the place was kept (None: it does not tell, taken as kept)
        self.session.saving(self.on_checkpoint(step, level) is not False)


_TIMED = re.compile(r"^@\s*(\d+(?:\.\d+)?)\s+(.*)$")


class TypedInput(Protocol):
    """What typed lines are fed to: a session's :class:`Runtime`, the menu's loop, or a relay."""

    clock: Clock

    def text(self, line: str, source: str = "key") -> None: ...


def read_input(runtime: TypedInput, stream: TextIO) -> threading.Thread:
    """Feed typed lines from ``stream`` to ``runtime`` on a daemon thread.

    A line is a single key or words. A line ``@SECONDS command`` is held until the session
    clock reaches SECONDS (for scripted sessions through a pipe). End of input just stops
    reading; the session goes on.
    """

    def loop() -> None:
        while True:
            try:
                line = stream.readline()
            except (OSError, ValueError):
                return
            if not line:
                return
            line = line.rstrip("\r\n")
            m = _TIMED.match(line.strip())
            if m:
                wait = runtime.clock.real_seconds(float(m.group(1)) - runtime.clock.now())
                if wait > 0:
                    time.sleep(wait)
                line = m.group(2)
            runtime.text(line)

    thread = threading.Thread(target=loop, name="coach-input", daemon=True)
    thread.start()
    return thread
