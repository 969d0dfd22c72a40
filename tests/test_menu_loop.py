"""The menu's loop (coach/menuloop.py) and the session's runtime with a speaker that, like the real
one, reports every line it drops done as it stops: the printed transcript holds only lines that
were heard (a stop before the first line had played once printed every queued line)."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

from coach.commands import Command
from coach.listen.policy import Reason
from coach.menu import Item, Menu
from coach.menuloop import MenuLoop
from coach.routine import find
from coach.runtime import Clock, Runtime
from coach.session import Say, Session, Start
from coach.speech.base import Earcon, Played
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
    # every line of the introduction handed to the speaker (a stop typed while the loop still hands
    # them over leaves the later ones playing, and printed, until the loop takes the stop)
    intro = sum(isinstance(e, Say) for e in Session(find("tennis-balls")).handle(Start(0.0)))
    _until(lambda: len(speaker.queued) >= intro)
    runtime.text("x")
    _until(lambda: "Stopped." in out.getvalue())
    runtime.interrupt("test over")
    thread.join(10)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and lines[0].startswith("Tennis balls, lying down.") and lines[1].startswith("Stopped."), \
        lines


class PlayedSpeaker(DroppingSpeaker):
    """Says which lines went out lately and when, like the real speaker."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[Played] = []

    def played(self) -> list[Played]:
        return self.lines


def _drain(loop: MenuLoop) -> None:
    while not loop._queue.empty():
        loop._take(loop._queue.get_nowait())


def test_the_menu_weighs_what_it_hears_by_the_sessions_policy(tmp_path: Path) -> None:
    """The menu's loop is the session's: words heard over its voice are dropped, with the policy's
    reason in the log, unless another voice was surely there; guesses wait for their judgement."""
    speaker = PlayedSpeaker()
    log = tmp_path / "log.jsonl"
    loop = MenuLoop(Menu(ITEMS), speaker, SessionLog([log]), Clock())
    loop._perform(loop.menu.handle(Start(loop.clock.now())))   # the list going out
    speaker.lines = [Played(min(loop.menu.outstanding), time.monotonic() - 1.0, 4.0)]
    loop.words("for two feet.")                                            # its own voice, written down
    loop.words("two", echo_db=(-10.4, -19.8), excess_db=-11.0)              # less sound than its echo
    loop.command(Command.STOP, "stop", confirmed=False, utterance=3)       # a guess: its judgement decides
    _drain(loop)
    assert loop.result is None and loop.menu.phase.value == "list"
    loop.words("Swedish", echo_db=(-9.0, -30.0), excess_db=8.0, witness_db=-3.0)   # a voice over it
    _drain(loop)
    loop.log.close()
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    ignored = [r.get("ignored") for r in rows if r["type"] == "heard"]
    assert ignored[:3] == [Reason.WORDS_OVER_VOICE, Reason.OWN_WORDS, Reason.GUESS_IN_MENU]   # "two": it says "two"
    assert loop.menu.choice is not None and loop.menu.choice.routine == "b"
