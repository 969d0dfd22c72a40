"""The printed transcript keeps pace with the voice: a line appears when the coach starts saying it."""

from __future__ import annotations

import io
from pathlib import Path

from coach.commands import Command
from coach.routine import find
from coach.runtime import Clock, Runtime
from coach.session import Say, Session, Start
from coach.speech.base import Earcon
from coach.store import SessionLog
from coach.transcript import Transcript


def test_lines_wait_for_the_one_before_and_silenced_lines_never_print() -> None:
    printed: list[str] = []
    t = Transcript(printed.append)
    t.queued(1, "one")
    t.queued(2, "two")
    t.queued(3, "three")
    assert printed == ["one"]
    t.done(1)
    assert printed == ["one", "two"]
    t.silenced()                       # "stop": two is cut off, three is dropped
    t.done(2)                          # the cut-off line reports in late
    t.done(3)
    assert printed == ["one", "two"]
    t.queued(4, "Stopped.")            # the next line is heard at once
    assert printed == ["one", "two", "Stopped."]
    t.done(99)                         # not the current line: nothing happens
    assert printed == ["one", "two", "Stopped."]


class HeldSpeaker:
    """Plays nothing and finishes a line only when the test says so (a Speaker)."""

    def __init__(self) -> None:
        self.queue: list[int] = []
        self.stops = 0

    def say(self, utterance_id: int, text: str) -> None:
        self.queue.append(utterance_id)

    def prepare(self, text: str) -> None:
        pass

    def tone(self, earcon: Earcon) -> None:
        pass

    def stop(self) -> None:
        self.stops += 1
        self.queue.clear()

    def duck(self, on: bool) -> None:
        pass

    def set_rate(self, wpm: int) -> None:
        pass

    def close(self) -> None:
        pass


def test_the_runtime_prints_each_line_when_the_one_before_has_been_heard(tmp_path: Path) -> None:
    out = io.StringIO()
    speaker = HeldSpeaker()
    session = Session(find("tennis-balls"))
    rt = Runtime(session, speaker, SessionLog([tmp_path / "log.jsonl"]), Clock(), transcript=out)
    effects = session.handle(Start(rt.clock.now()))
    says = [e for e in effects if isinstance(e, Say)]
    assert len(says) >= 3, "the introduction is several lines, queued at once"
    rt._perform(effects)
    assert out.getvalue().splitlines() == [says[0].text], "only the line being heard is printed"
    rt.speech_done(says[0].utterance_id, False)
    assert out.getvalue().splitlines() == [says[0].text, says[1].text]
    rt.command(Command.STOP, "x", source="key")     # stops the speaker at once, from the caller's thread
    assert speaker.stops == 1
    for s in says[1:]:
        rt.speech_done(s.utterance_id, True)          # the cut-off and dropped lines report in
    assert out.getvalue().splitlines() == [says[0].text, says[1].text], "dropped lines were never heard"
