"""The menu's loop (coach/menuloop.py) and the session's runtime with a speaker that, like the real
one, reports every line it drops done as it stops: the printed transcript holds only lines that
were heard (a stop before the first line had played once printed every queued line)."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from pathlib import Path

from coach.menu import Item, Menu
from coach.menuloop import MenuLoop
from coach.routine import find
from coach.runtime import Clock, Runtime
from coach.session import Session
from coach.speech.base import Earcon
from coach.store import SessionLog


class DroppingSpeaker:
    """Plays nothing by itself; ``stop`` reports each queued line done (interrupted), in order, at once."""

    def __init__(self) -> None:
        self.done: Callable[[int, bool], None] = lambda uid, interrupted: None
        self.queued: list[int] = []

    def say(self, utterance_id: int, text: str) -> None:
        self.queued.append(utterance_id)

    def stop(self) -> None:
        dropped, self.queued = self.queued, []
        for uid in dropped:
            self.done(uid, True)

    def prepare(self, text: str) -> None:
        pass

    def tone(self, earcon: Earcon) -> None:
        pass

    def duck(self, on: bool) -> None:
        pass

    def set_rate(self, wpm: int) -> None:
        pass

    def close(self) -> None:
        pass


def _until(done: Callable[[], bool]) -> None:
    end = time.monotonic() + 10
    while not done():
        assert time.monotonic() < end, "gave up waiting"
        time.sleep(0.01)


ITEMS = [Item("a", "Gentle lower back", "about twelve minutes"), Item("b", "Swedish back massage", "about ten minutes")]


def test_a_key_before_the_first_line_has_played_prints_only_what_is_heard(tmp_path: Path) -> None:
    out = io.StringIO()
    speaker = DroppingSpeaker()
    loop = MenuLoop(Menu(ITEMS), speaker, SessionLog([tmp_path / "log.jsonl"]), Clock(), transcript=out)
    speaker.done = loop.speech_done
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    _until(lambda: out.getvalue() != "")
    loop.text("2")
    _until(lambda: "Starting." in out.getvalue())
    loop.interrupt("test over")
    thread.join(10)
    assert out.getvalue().splitlines() == ["Choose a routine. There are two.", "Two, Swedish back massage. Starting."]


def test_a_stop_during_the_introduction_prints_no_line_it_dropped(tmp_path: Path) -> None:
    out = io.StringIO()
    speaker = DroppingSpeaker()
    runtime = Runtime(Session(find("tennis-balls")), speaker, SessionLog([tmp_path / "log.jsonl"]), Clock(),
                      transcript=out)
    speaker.done = runtime.speech_done
    thread = threading.Thread(target=runtime.run, daemon=True)
    thread.start()
    _until(lambda: out.getvalue() != "")
    runtime.text("x")
    _until(lambda: "Stopped." in out.getvalue())
    runtime.interrupt("test over")
    thread.join(10)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and lines[0].startswith("Tennis balls, lying down.") and lines[1].startswith("Stopped."), \
        lines
