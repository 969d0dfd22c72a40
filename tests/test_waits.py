"""A wait of more than two seconds is said aloud, with an earcon while it lasts (issue 18)."""

from __future__ import annotations

import time

import pytest

from coach.app import audio as app
from coach.errors import ModelError
from coach.speech.base import Earcon


class Recorder:
    def __init__(self) -> None:
        self.said: list[tuple[int, str]] = []
        self.tones: list[Earcon] = []

    def say(self, utterance_id: int, text: str) -> None:
        self.said.append((utterance_id, text))

    def tone(self, earcon: Earcon) -> None:
        self.tones.append(earcon)


@pytest.fixture(autouse=True)
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app, "WAIT_SAID", 0.2)
    monkeypatch.setattr(app, "WAIT_TICK", 0.2)


def test_a_long_wait_is_said_once_and_ticked_while_it_lasts() -> None:
    speaker = Recorder()
    app._announced_wait(speaker, lambda: time.sleep(0.9))   # type: ignore[arg-type]
    assert speaker.said == [(app.WAIT_ID, app.WAITING)]
    assert 2 <= len(speaker.tones) <= 4 and set(speaker.tones) == {Earcon.OK}


def test_a_short_wait_is_not_said() -> None:
    speaker = Recorder()
    app._announced_wait(speaker, lambda: time.sleep(0.05))   # type: ignore[arg-type]
    assert speaker.said == [] and speaker.tones == []


def test_what_the_wait_raised_is_raised() -> None:
    def fail() -> None:
        time.sleep(0.3)
        raise ModelError("no model", "install it")

    speaker = Recorder()
    with pytest.raises(ModelError, match="no model"):
        app._announced_wait(speaker, fail)   # type: ignore[arg-type]
    assert speaker.said == [(app.WAIT_ID, app.WAITING)]
