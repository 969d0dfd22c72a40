"""Words that hold no command reach the menu (coach/listen/judge/words.py): a transcribing recogniser's
judgements are hooked without changing it, with the pipeline's echo figures, and come back from
the listening process as ``("words", Words)``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from coach.commands import Command
from coach.listen.base import SAMPLE_RATE, Detection
from coach.listen.fake import scripted
from coach.listen.judge.twostage import TwoStage
from coach.listen.judge.words import Words, report_words, transcribing_stage
from coach.listen.listener import BLOCK_SAMPLES
from coach.listen.process import ListenerProcess


@dataclass
class _Judgement:
    command: Command | None
    free: str
    no_speech: float = 0.0
    seconds: float = 0.5   # the time the judging took


@dataclass
class _Options:
    max_no_speech: float = 0.8
    hangover: float = 0.15


class _Stage:
    """Stands for WhisperRecognizer: it tells ``on_judgement`` of every utterance it judges."""

    name = "stage"
    options = _Options()

    def __init__(self) -> None:
        self.on_judgement: Callable[[_Judgement, float, float], None] | None = None

    def accept(self, block: object) -> list[Detection]:
        return []

    def reset(self) -> None:
        pass


class _Echo:
    def __init__(self, left: float | None, typical: float | None, excess: float | None) -> None:
        self.figures = left, typical, excess

    def residual_db(self, start: float, end: float) -> float | None:
        return self.figures[0]

    def typical_residual_db(self, before: float) -> float | None:
        return self.figures[1]

    def excess_db(self, start: float, end: float) -> float | None:
        return self.figures[2]

    def witness_db(self, start: float, end: float) -> float | None:
        return None


def test_utterances_without_a_command_are_reported_with_their_echo_figures() -> None:
    stage = _Stage()
    got: list[Words] = []
    earlier: list[str] = []
    stage.on_judgement = lambda j, s, e: earlier.append(j.free)   # a hook already there is kept
    assert report_words(stage, _Echo(-12.34, -30.0, 3.21), got.append)
    hook = stage.on_judgement
    assert hook is not None
    hook(_Judgement(None, " Two. "), 1.0, 1.5)
    hook(_Judgement(Command.NEXT, "Next."), 2.0, 2.4)       # a command goes as a detection, not here
    hook(_Judgement(None, ""), 3.0, 3.1)                    # nothing written down
    hook(_Judgement(None, "you", no_speech=0.95), 4.0, 4.2)  # Whisper's guess at silence
    assert [replace(w, ended_at=None) for w in got] == [Words("Two.", 1.0, 1.5, (-12.3, -30.0), 3.2)]
    # when the words ended: the judging time and the gate's hangover before the judgement
    assert got[0].ended_at is not None and time.monotonic() - 3.0 < got[0].ended_at <= time.monotonic() - 0.65
    assert earlier == [" Two. ", "Next.", "", "you"]


def test_without_the_coachs_voice_there_are_no_echo_figures() -> None:
    stage = _Stage()
    got: list[Words] = []
    report_words(stage, _Echo(None, None, None), got.append)
    assert stage.on_judgement is not None
    stage.on_judgement(_Judgement(None, "Tennis."), 0.5, 1.0)
    assert [replace(w, ended_at=None) for w in got] == [Words("Tennis.", 0.5, 1.0)]


def test_the_second_of_two_stages_is_the_one_hooked_and_spotters_have_none() -> None:
    first, second = scripted([]), _Stage()
    assert transcribing_stage(TwoStage(first, second)) is second
    assert transcribing_stage(scripted([])) is None
    assert not report_words(scripted([]), None, lambda w: None)
    assert transcribing_stage(scripted([], transcribes=True)) is not None


def _feed(listener: ListenerProcess, seconds: float) -> None:
    for _ in range(int(seconds * SAMPLE_RATE / BLOCK_SAMPLES)):
        listener.put(np.zeros(BLOCK_SAMPLES, np.int16))


def _wait(done: object, what: str) -> None:
    end = time.monotonic() + 30
    while not done():   # type: ignore[operator]
        assert time.monotonic() < end, f"gave up waiting for {what}"
        time.sleep(0.02)


def test_the_listening_process_sends_words_up_when_its_recogniser_transcribes() -> None:
    heard: list[Detection] = []
    words: list[Words] = []
    listener = ListenerProcess(partial(scripted, [(0.3, "two"), (0.6, "next"), (0.9, "swedish please")],
                                       transcribes=True), heard.append)
    listener.on_words = words.append
    listener.start()
    try:
        assert listener.transcribes
        _feed(listener, 1.2)
        _wait(lambda: len(words) == 2 and len(heard) == 1, "two utterances' words and one command")
    finally:
        listener.stop()
    assert [w.text for w in words] == ["two", "swedish please"]
    assert [d.command for d in heard] == [Command.NEXT]


def test_a_recogniser_that_writes_nothing_down_says_so_and_sends_no_words() -> None:
    heard: list[Detection] = []
    words: list[Words] = []
    listener = ListenerProcess(partial(scripted, [(0.3, "two"), (0.6, "next")]), heard.append)
    listener.on_words = words.append
    listener.start()
    try:
        assert not listener.transcribes
        _feed(listener, 0.9)
        _wait(lambda: len(heard) == 1, "the command")
    finally:
        listener.stop()
    assert words == []
