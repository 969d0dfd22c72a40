"""The menu's loop: events (tick, heard, words, keys, speech-done) in, effects out.

Like :class:`coach.runtime.Runtime` for a session: other threads (the listener, the keys, the
speaker's done callback) only put events into a queue; the loop feeds them to the pure
:class:`~coach.menu.Menu` and carries out its effects on the speaker and the log, until the menu
makes its :class:`~coach.menu.Choice`.
"""

from __future__ import annotations

import queue
import time
from typing import TextIO

from coach.commands import Command
from coach.menu import Choice, Menu, MenuEffect, MenuEvent, Spoken, Typed
from coach.runtime import Clock, Output
from coach.session import Heard, Log, Say, Silence, SpeechDone, Start, Tick, Tone
from coach.speech.base import Speaker
from coach.store import SessionLog
from coach.transcript import Transcript


class MenuLoop(Output):
    """Runs one menu to its choice. Thread-safe entry points: :meth:`command`, :meth:`words`,
    :meth:`text`, :meth:`speech_done`, :meth:`interrupt`."""

    def __init__(self, menu: Menu, speaker: Speaker, log: SessionLog, clock: Clock,
                 transcript: TextIO | None = None) -> None:
        self.menu = menu
        self.speaker = speaker
        self.log = log
        self.clock = clock
        self.transcript = transcript
        self._lines = Transcript(self._print) if transcript is not None else None
        self._queue: queue.Queue[MenuEvent | Choice] = queue.Queue()
        self.result: Choice | None = None

    # -- entry points for other threads --------------------------------------------------------

    def command(self, command: Command, text: str = "", confidence: float = 1.0, source: str = "voice",
                echo_db: tuple[float, float] | None = None, confirmed: bool = True, utterance: int | None = None,
                rejected: bool = False, transcript: str | None = None, excess_db: float | None = None) -> None:
        """A spoken command (as the listener gave it)."""
        self._queue.put(Heard(self.clock.now(), command, text or command.value, confidence, source, echo_db, None,
                              confirmed, utterance, rejected, transcript, excess_db))

    def words(self, text: str, echo_db: tuple[float, float] | None = None, excess_db: float | None = None,
              ended_at: float | None = None) -> None:
        """Spoken words that hold no command (a transcribing recogniser's); ``ended_at``: about when
        they ended, on ``time.monotonic()``'s clock."""
        ago = None if ended_at is None else max(0.0, time.monotonic() - ended_at)
        self._queue.put(Spoken(self.clock.now(), text, echo_db, excess_db, ago))

    def text(self, line: str, source: str = "key") -> None:
        """A key pressed, or a line typed."""
        self._queue.put(Typed(self.clock.now(), line))

    def speech_done(self, utterance_id: int, interrupted: bool) -> None:
        if self._lines is not None:
            self._lines.done(utterance_id)
        self._queue.put(SpeechDone(self.clock.now(), utterance_id, interrupted))

    def interrupt(self, reason: str) -> None:
        """End the menu now (Ctrl-C, a signal, the sound device lost), choosing nothing."""
        self._stop_speech()
        self._queue.put(Choice("leave", reason=reason))

    # -- the loop ------------------------------------------------------------------------------

    def run(self) -> Choice:
        try:
            self._perform(self.menu.handle(Start(self.clock.now())))
            while self.result is None:
                due = self.menu.next_due()
                timeout = 0.5 if due is None else min(0.5, max(0.0, due - self.clock.now()))
                try:
                    item = self._queue.get(timeout=timeout)
                except queue.Empty:
                    item = Tick(self.clock.now())
                if isinstance(item, Choice):
                    self._write_log("menu", {"event": "closed", "reason": item.reason})
                    self.result = item
                    break
                self._perform(self.menu.handle(item))
        except KeyboardInterrupt:
            self._stop_speech()
            self._write_log("menu", {"event": "closed", "reason": "interrupted"})
            self.result = Choice("leave", reason="interrupted")
        return self.result

    def _perform(self, effects: list[MenuEffect]) -> None:
        for e in effects:
            if isinstance(e, Say):
                if self._lines is not None:
                    self._lines.queued(e.utterance_id, e.text)
                self.speaker.say(e.utterance_id, e.text)
            elif isinstance(e, Silence):
                self._stop_speech()
            elif isinstance(e, Tone):
                self.speaker.tone(e.earcon)
            elif isinstance(e, Log):
                self._write_log(e.type, e.data)
                if self.transcript is not None and e.type == "heard" and e.data.get("source") == "voice" \
                        and not e.data.get("ignored"):
                    self._print(f"heard: {e.data.get('text')}")
            elif isinstance(e, Choice):
                self.result = e

