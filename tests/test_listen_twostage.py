"""The two-stage recogniser with its second stage in a thread of its own (a live session), with
scripted stages: the spotter's guesses never wait for a judgement, what comes out is what one
thread gives, a reset drops what the second stage found of before, and a second stage that falls
far behind skips ahead while the guesses of the skipped words stand."""

from __future__ import annotations

import threading

import numpy as np

from coach.commands import Command
from coach.listen.base import Block, Detection
from coach.listen.judge.twostage import BEHIND, CATCH_UP, TwoStage

BLOCK = 480   # 30 ms


def block() -> Block:
    return np.zeros(BLOCK, np.int16)


class Scripted:
    """A stage that gives the detections it was told at the given block (counted from 1), says what
    it judged where told to, and can be held at one block until released."""

    def __init__(self, name: str, script: dict[int, list[Detection]],
                 spans: dict[int, tuple[float, float, Command | None]] | None = None, hold_at: int = 0) -> None:
        self.name = name
        self.script = script
        self.spans = spans or {}
        self.judged: list[tuple[float, float, Command | None]] = []
        self.blocks = 0
        self.hold_at = hold_at
        self.holding = threading.Event()   # set while it is held
        self.release = threading.Event()
        self.skipped_to: list[float] = []

    def accept(self, b: Block) -> list[Detection]:
        self.blocks += 1
        if self.blocks == self.hold_at:
            self.hold_at = 0
            self.holding.set()
            assert self.release.wait(30), "never released"
            self.holding.clear()
        if self.blocks in self.spans:
            self.judged.append(self.spans[self.blocks])
        return self.script.pop(self.blocks, [])   # once: not again after a reset

    def reset(self) -> None:
        self.blocks = 0

    def skip_to(self, seconds: float) -> None:
        self.skipped_to.append(seconds)
        self.blocks = round(seconds / 0.03)


def _key(d: Detection) -> tuple[str, bool, bool, int | None, str]:
    return d.command.value, d.confirmed, d.rejected, d.utterance, d.heard


def _stages() -> tuple[Scripted, Scripted]:
    first = Scripted("spotter", {2: [Detection(Command.STOP, "stop", 0.9, 0.06, 0.0, 0.05)],
                                 50: [Detection(Command.PAIN, "ouch", 0.9, 1.5, 1.3, 1.45)],
                                 110: [Detection(Command.STOP, "stop", 0.9, 3.3, 3.0, 3.2)]})
    second = Scripted("judge", {5: [Detection(Command.STOP, "stop", 0.7, 0.15, 0.0, 0.1)],
                                120: [Detection(Command.NEXT, "next", 0.7, 3.6, 3.4, 3.5)]},
                      {5: (0.0, 0.1, Command.STOP), 112: (2.9, 3.3, None), 120: (3.4, 3.5, Command.NEXT)})
    return first, second


def _paced(two: TwoStage, second: Scripted, n: int, background: bool) -> list[Detection]:
    """``n`` blocks, each once the second stage in the background has taken the one before (as in
    real time, when it keeps up), then the end of the input. In one thread there is nothing to wait
    for (the spotter's guess blocks were a 5 s wait each, for a thread that was not there)."""
    out: list[Detection] = []
    for i in range(n):
        out += two.accept(block())
        for _ in range(1000 if background else 0):
            if second.blocks > i:
                break
            threading.Event().wait(0.005)
    return out + two.flush()


def test_in_the_background_the_same_comes_out_as_in_one_thread() -> None:
    results = []
    for background in (False, True):
        first, second = _stages()
        two = TwoStage(first, second)
        if background:
            two.start()
        out = _paced(two, second, 200, background)
        two.close()
        results.append([_key(d) for d in out])
    assert results[0] == results[1]
    assert results[1] == [("stop", False, False, 1, "stop"), ("stop", True, False, 1, "stop"),  # confirmed
                          ("pain", False, False, 2, "ouch"), ("stop", False, False, 3, "stop"),
                          ("stop", True, True, 3, "judged nothing"),      # judged otherwise: rejected
                          ("next", True, False, 4, "next"),
                          ("pain", True, True, 2, "not judged")]          # never judged: rejected


def test_a_guess_goes_out_while_the_second_stage_is_still_judging() -> None:
    first, second = _stages()
    second.hold_at = 1   # the second stage is busy with its first block ...
    two = TwoStage(first, second).start()
    try:
        out = [d for _ in range(3) for d in two.accept(block())]
        assert second.holding.wait(10)
        # ... and the spotter's stop of the second block is out all the same
        assert [_key(d) for d in out] == [("stop", False, False, 1, "stop")]
        assert second.holding.is_set()
        second.release.set()
        out += [d for _ in range(10) for d in two.accept(block())] + two.flush()
    finally:
        second.release.set()
        two.close()
    assert ("stop", True, False, 1, "stop") in [_key(d) for d in out]   # confirmed once it caught up


def test_a_reset_drops_what_the_second_stage_found_of_before() -> None:
    first = Scripted("spotter", {})
    second = Scripted("judge", {2: [Detection(Command.NEXT, "next", 0.7, 0.06, 0.0, 0.05)]}, hold_at=2)
    two = TwoStage(first, second).start()
    try:
        out = [d for _ in range(3) for d in two.accept(block())]
        assert second.holding.wait(10)
        two.reset()   # while it judges the block that holds "next"
        second.release.set()
        out += [d for _ in range(10) for d in two.accept(block())] + two.flush()
    finally:
        second.release.set()
        two.close()
    assert out == []
    assert second.blocks == 10   # reset, then the ten blocks after it


def test_far_behind_the_second_stage_skips_ahead_and_the_guesses_of_what_it_skipped_stand() -> None:
    n = int((BEHIND + 2.0) / 0.03)
    first = Scripted("spotter", {30: [Detection(Command.STOP, "stop", 0.9, 0.9, 0.7, 0.85)]})
    second = Scripted("judge", {n: [Detection(Command.NEXT, "next", 0.7, n * 0.03, n * 0.03 - 0.3, n * 0.03)]},
                      hold_at=1)
    two = TwoStage(first, second).start()
    try:
        out = two.accept(block())
        assert second.holding.wait(10)   # busy with the first block, while the rest comes in
        out += [d for _ in range(n - 1) for d in two.accept(block())]
        second.release.set()
        out += two.flush()
    finally:
        second.release.set()
        two.close()
    keys = [_key(d) for d in out]
    # the stop guess's words were skipped: no judgement, no rejection; it stands
    assert keys[0] == ("stop", False, False, 1, "stop") and not [k for k in keys if k[0] == "stop" and k[1]], keys
    # it skipped all but the newest CATCH_UP seconds, its clock running on, and judged those
    assert two.skipped > BEHIND
    assert len(second.skipped_to) == 1 and abs(second.skipped_to[0] - (n * 0.03 - CATCH_UP)) < 0.1
    assert ("next", True, False, 2, "next") in keys
