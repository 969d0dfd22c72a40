"""coach.streamguard: judging a stream alive by its callbacks, and closing one that may hang."""

from __future__ import annotations

import threading

import pytest

from coach import streamguard
from coach.streamguard import Heartbeat, Retries, close_stream, failure, reopen


def test_heartbeat_stalls_only_after_the_limit_without_callbacks() -> None:
    hb = Heartbeat(limit=5.0)
    assert not hb.stalled(now=100.0)      # first look: a beat count it has not seen (0 -> start)
    hb.beat()
    assert not hb.stalled(now=101.0)      # a new beat: alive, and the clock restarts here
    assert not hb.stalled(now=105.9)
    assert hb.stalled(now=106.1)          # five seconds with no callback
    hb.beat()
    assert not hb.stalled(now=200.0)      # audio again: alive again


class FakeStream:
    def __init__(self, hang: bool) -> None:
        self.hang = hang
        self.release = threading.Event()
        self.calls: list[str] = []

    def abort(self) -> None:
        self.calls.append("abort")
        if self.hang:
            self.release.wait(10)

    def close(self) -> None:
        self.calls.append("close")


def test_close_stream_closes_a_working_stream() -> None:
    stream = FakeStream(hang=False)
    assert close_stream(stream, timeout=2.0)
    assert stream.calls == ["abort", "close"]


def test_close_stream_gives_up_on_a_deadlocked_stream_and_drops_the_exit_handler(
        monkeypatch: pytest.MonkeyPatch) -> None:
    forgotten: list[bool] = []
    monkeypatch.setattr(streamguard, "forget_at_exit", lambda: forgotten.append(True))
    stream = FakeStream(hang=True)
    try:
        assert not close_stream(stream, timeout=0.2)
        assert forgotten == [True]
    finally:
        stream.release.set()


def test_close_stream_survives_errors() -> None:
    class Broken:
        def abort(self) -> None:
            raise RuntimeError("device vanished")

        def close(self) -> None:
            raise RuntimeError("device vanished")

    assert close_stream(Broken(), timeout=2.0)


def test_forget_at_exit_unregisters_sounddevices_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    import atexit

    import sounddevice as sd

    dropped: list[object] = []
    monkeypatch.setattr(atexit, "unregister", dropped.append)
    streamguard.forget_at_exit()
    assert dropped == [sd._exit_handler]


def test_failure_tells_an_ended_stream_from_a_silent_one() -> None:
    class Stream:
        def __init__(self, active: object) -> None:
            self._active = active

        @property
        def active(self) -> bool:
            if isinstance(self._active, Exception):
                raise self._active
            return bool(self._active)

    hb = Heartbeat(limit=5.0)
    assert failure(Stream(True), hb) is None
    assert failure(Stream(False), hb) == "stopped working"
    assert failure(Stream(RuntimeError("PortAudio not initialized")), hb) == "stopped working"
    hb._since -= 6.0                        # no callback for six seconds
    assert failure(Stream(True), hb) == "stopped responding (no audio for 5 s)"


def test_retries_allow_a_few_reopenings_a_minute() -> None:
    r = Retries(limit=3, window=60.0)
    assert [r.allow(now=t) for t in (0.0, 1.0, 2.0, 3.0)] == [True, True, True, False]
    assert r.allow(now=60.5) is True      # the first has left the window
    assert r.allow(now=60.6) is False


def test_reopen_closes_the_old_stream_then_opens_a_new_one_while_retries_last(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(streamguard, "forget_at_exit", lambda: None)
    retries = Retries(limit=2)
    old = FakeStream(hang=False)
    assert reopen(old, retries, lambda: "new", (OSError,)) == "new" and old.calls == ["abort", "close"]

    def gone() -> str:
        raise OSError("no such device")

    assert reopen(FakeStream(hang=False), retries, gone, (OSError,)) is None     # the device is gone
    assert reopen(FakeStream(hang=False), retries, lambda: "new", (OSError,)) is None   # no retries left
    stuck = FakeStream(hang=True)
    try:
        assert reopen(stuck, Retries(), lambda: "new", (OSError,)) is None       # deadlocked: never reopened
    finally:
        stuck.release.set()
