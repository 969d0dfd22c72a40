"""The speaker's feed: lines play in the order said, and each is rendered only when the player is
close to needing it (one line ahead), not all at once when a session queues many."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from typing import Any, cast

import numpy as np

from coach.speech.base import DoneCallback
from coach.speech.player import Pcm, Player
from coach.speech.speaker import AHEAD, AudioSpeaker
from coach.speech.synth import CachedSynth, VoiceSettings


class CountingSynth(CachedSynth):
    """Renders at once, noting the order of the texts it was asked to render."""

    def __init__(self) -> None:
        super().__init__(VoiceSettings())
        self.rendered: list[str] = []

    def _submit(self, text: str, settings: VoiceSettings) -> Future[Pcm]:
        self.rendered.append(text)
        fut: Future[Pcm] = Future()
        fut.set_result(np.ones(1600, dtype=np.int16))
        return fut


class HeldPlayer:
    """A player whose lines finish only when the test says so."""

    def __init__(self, done: DoneCallback) -> None:
        self.done = done
        self.queue: list[int] = []
        self.lock = threading.Lock()

    def play(self, uid: int, pcm: Pcm) -> None:
        with self.lock:
            self.queue.append(uid)

    def lines_pending(self) -> int:
        with self.lock:
            return len(self.queue)

    def finish_one(self) -> None:
        with self.lock:
            uid = self.queue.pop(0)
        self.done(uid, False)

    def stop(self) -> None:
        with self.lock:
            dropped, self.queue = self.queue, []
        for uid in dropped:
            self.done(uid, True)

    def busy(self) -> bool:
        return self.lines_pending() > 0

    def close(self) -> None:
        pass


def until(check: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_lines_are_rendered_one_ahead_of_the_one_playing_and_played_in_order() -> None:
    synth = CountingSynth()
    players: list[HeldPlayer] = []
    done: list[tuple[int, bool]] = []

    def factory(cb: DoneCallback) -> Player:
        players.append(HeldPlayer(cb))
        return cast(Player, players[0])

    speaker = AudioSpeaker(lambda uid, interrupted: done.append((uid, interrupted)), synth, factory)
    player = players[0]
    try:
        lines = [f"line {i}" for i in range(6)]
        for i, line in enumerate(lines):
            speaker.say(i, line)
        until(lambda: player.lines_pending() == AHEAD + 1)
        time.sleep(0.3)   # the feeder had time to run on, and must not have
        assert synth.rendered == lines[:AHEAD + 1]
        for n in range(len(lines)):
            player.finish_one()
            until(lambda n=n: len(synth.rendered) == min(len(lines), AHEAD + 2 + n))
        until(lambda: len(done) == len(lines))
        assert player.queue == [] and synth.rendered == lines
        assert done == [(i, False) for i in range(len(lines))]
    finally:
        speaker.close()


def test_stop_drops_the_lines_not_yet_rendered_and_reports_them() -> None:
    synth = CountingSynth()
    players: list[HeldPlayer] = []
    done: list[tuple[int, bool]] = []

    def factory(cb: DoneCallback) -> Player:
        players.append(HeldPlayer(cb))
        return cast(Player, players[0])

    speaker = AudioSpeaker(lambda uid, interrupted: done.append((uid, interrupted)), synth, factory)
    try:
        for i in range(5):
            speaker.say(i, f"line {i}")
        until(lambda: players[0].lines_pending() == AHEAD + 1)
        speaker.stop()
        until(lambda: len(done) == 5)
        assert sorted(done) == [(i, True) for i in range(5)]
        assert len(synth.rendered) == AHEAD + 1   # the rest were never rendered
    finally:
        speaker.close()
