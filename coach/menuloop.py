"""The menu's side of the loop (:mod:`coach.loop`): a :class:`~coach.menu.Menu` run to its choice.

What is the menu's own: keys and typed lines go to the menu as they are (it knows numbers and
titles), words that hold no command reach it as :class:`~coach.menu.Spoken`, and ending early
chooses nothing.
"""

from __future__ import annotations

from typing import Any, TextIO

from coach.listen.policy import Decision, Evidence
from coach.loop import Clock, Detected, Loop
from coach.menu import Choice, Menu, Spoken, Typed
from coach.speech.base import Speaker
from coach.store import SessionLog


class MenuLoop(Loop):
    """Runs one menu to its choice. Thread-safe entry points: those of :class:`~coach.loop.Loop`."""

    context = "menu"

    def __init__(self, menu: Menu, speaker: Speaker, log: SessionLog, clock: Clock,
                 transcript: TextIO | None = None) -> None:
        self.menu = menu
        self.machine = menu
        super().__init__(speaker, log, clock, menu.options.language, transcript)
        self.result: Choice | None = None

    def text(self, line: str, source: str = "key") -> None:
        """A key pressed, or a line typed."""
        self._queue.put(Typed(self.clock.now(), line))

    def run(self) -> Choice:
        result: Choice = super().run()
        return result

    def _outcome(self) -> Choice:
        return self.result or Choice("leave", reason="interrupted")

    def _event(self, item: Detected, e: Evidence, decision: Decision) -> Any:
        if e.command is None:
            return Spoken(item.now, e.text, e.echo_db, e.excess_db, item.ended_ago, sure=not decision.confirm,
                          witness_db=e.witness_db)
        return super()._event(item, e, decision)

    def _interrupted(self, reason: str) -> Choice:
        self._write_log("menu", {"event": "closed", "reason": reason})
        return Choice("leave", reason=reason)

    def _other(self, effect: Any) -> None:
        if isinstance(effect, Choice):
            self.result = effect
