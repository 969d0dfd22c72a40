"""The listener in a child process (coach/listen/process.py): what it hears comes back, a model
error comes back before listening starts, a dead child is replaced, Ctrl-C is the parent's, and the
child never outlives its parent."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from logtools import process_state
from test_listen_engines import render, talk_over_echo

from coach.commands import Command
from coach.errors import ModelError
from coach.listen.base import SAMPLE_RATE, Detection
from coach.listen.engines import make_recognizer
from coach.listen.fake import scripted
from coach.listen.listener import BLOCK_SAMPLES, blocks, read_wav
from coach.listen.process import ListenerProcess, ListeningLost, child_env

SILENCE = np.zeros(BLOCK_SAMPLES, np.int16)


def wait_until(done: Callable[[], bool], what: str, seconds: float = 30.0) -> None:
    """Wait for ``done`` (a generous deadline: this is about whether, not how fast)."""
    end = time.monotonic() + seconds
    while not done():
        if time.monotonic() > end:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie, dead but not yet collected, does not)."""
    state = process_state(pid)
    return state is not None and state[0] != "Z"


def feed(listener: ListenerProcess, seconds: float) -> None:
    """Silence, all at once (less than the 2 s after which a listener skips ahead)."""
    for _ in range(int(seconds * SAMPLE_RATE / BLOCK_SAMPLES)):
        listener.put(SILENCE)


def test_what_the_child_hears_comes_back() -> None:
    heard: list[Detection] = []
    listener = ListenerProcess(partial(scripted, [(0.3, "stop"), (0.6, "the weather"), (0.9, "harder")]),
                               heard.append).start()
    try:
        assert listener.pid is not None and listener.pid != os.getpid()
        feed(listener, 1.2)
        wait_until(lambda: len(heard) == 2, "two commands")
    finally:
        listener.stop()
    assert [(d.command, d.heard) for d in heard] == [(Command.STOP, "stop"), (Command.HARDER, "harder")]
    assert heard[0].at == pytest.approx(0.3, abs=0.031)
    assert listener.lost.total == 0 and not alive(listener.pid)


def test_the_childs_blas_runs_on_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenBLAS's spare threads spin after each product: the child is started with one (unless
    the user chose otherwise), and finds its package whatever the current directory."""
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    listener = ListenerProcess(partial(scripted, []), lambda d: None).start()
    try:
        assert listener.pid is not None
        environ = Path(f"/proc/{listener.pid}/environ").read_bytes().split(b"\0")
    finally:
        listener.stop()
    assert b"OPENBLAS_NUM_THREADS=1" in environ
    assert any(e.startswith(b"PYTHONPATH=" + str(Path(__file__).resolve().parents[1]).encode()) for e in environ)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    assert child_env(os.environ)["OPENBLAS_NUM_THREADS"] == "2"


def test_pocketsphinx_in_the_child_hears_a_spoken_stop(tmp_path: Path) -> None:
    """The real recogniser, built in the child; its message about which engine listens comes back."""
    said = io.StringIO()
    heard: list[Detection] = []
    audio = read_wav(render(tmp_path, "stop"))
    listener = ListenerProcess(partial(make_recognizer, "pocketsphinx", "en", None), heard.append,
                               noise_suppression=2, warn=said).start()
    try:
        for block in blocks(np.concatenate([audio, np.zeros(SAMPLE_RATE // 2, np.int16)])):
            listener.put(block)
            time.sleep(len(block) / SAMPLE_RATE)   # as the microphone gives it: all at once is skipped

        wait_until(lambda: bool(heard), "the stop")
    finally:
        listener.stop()
    assert [d.command for d in heard] == [Command.STOP]
    assert "listening with pocketsphinx (English, built in)" in said.getvalue()


def test_a_model_error_comes_back_before_listening_starts() -> None:
    listener = ListenerProcess(partial(make_recognizer, "wav2vec"), lambda d: None)
    with pytest.raises(ModelError) as e:
        listener.start()
    assert e.value.message == "unknown engine 'wav2vec'" and "pocketsphinx" in e.value.fix
    assert listener.pid is None
    listener.stop()   # harmless after a failed start


def test_a_dead_child_is_replaced_and_then_given_up_on() -> None:
    said = io.StringIO()
    heard: list[Detection] = []
    lost: list[ListeningLost] = []
    listener = ListenerProcess(partial(scripted, [(0.15, "stop")]), heard.append, warn=said,
                               on_lost=lost.append, restarts=1).start()
    try:
        first = listener.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        wait_until(lambda: listener.pid != first, "a new child")
        # a fresh child has a fresh recogniser: its script fires again
        wait_until(lambda: "listening again" in said.getvalue(), "the new child to listen")
        feed(listener, 0.3)
        wait_until(lambda: len(heard) == 1, "the new child's stop")
        second = listener.pid
        assert second is not None
        os.kill(second, signal.SIGKILL)
        wait_until(lambda: bool(lost), "listening to be given up")
    finally:
        listener.stop()
    assert "exit code -9" in said.getvalue() and "starting it again" in said.getvalue()
    assert listener.started == 2 and "voice commands no longer work" in str(lost[0])
    feed(listener, 0.3)   # put after the end: no error, nothing sent
    assert not alive(first) and not alive(second)


def test_ctrl_c_is_the_parents() -> None:
    """The terminal sends SIGINT to the whole process group; the child must not die of it."""
    heard: list[Detection] = []
    listener = ListenerProcess(partial(scripted, [(0.3, "next")]), heard.append).start()
    try:
        assert listener.pid is not None
        os.kill(listener.pid, signal.SIGINT)
        feed(listener, 0.6)
        wait_until(lambda: bool(heard), "the next")
        assert alive(listener.pid) and listener.started == 1
    finally:
        listener.stop()


CHILD_OF_KILLED = """
import sys, time
from functools import partial
from coach.listen.fake import scripted
from coach.listen.process import ListenerProcess
listener = ListenerProcess(partial(scripted, []), lambda d: None).start()
print(listener.pid, flush=True)
time.sleep(60)
"""


def test_the_child_ends_with_its_killed_parent(tmp_path: Path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", CHILD_OF_KILLED], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parents[1])
    try:
        assert parent.stdout is not None
        pid = int(parent.stdout.readline())
        assert alive(pid)
        parent.kill()
        parent.wait()
        wait_until(lambda: not alive(pid), "the orphaned child to end")
    finally:
        parent.kill()


def test_put_never_waits_for_a_child_far_behind() -> None:
    """The capture pump calls put: when the child cannot keep up, blocks are counted lost, not waited on."""
    listener = ListenerProcess(partial(scripted, []), lambda d: None, outbox=5)   # as if 30 s behind
    listener.launch()              # launched, not started: nothing takes blocks yet
    try:
        finished = threading.Event()

        def put_many() -> None:
            for _ in range(20):
                listener.put(SILENCE)
            finished.set()

        threading.Thread(target=put_many, daemon=True).start()
        assert finished.wait(10)
        assert listener.lost.total == 15
    finally:
        listener.stop()


def test_the_child_says_when_the_user_talks_over_the_coach() -> None:
    """The child's echo canceller tells the user's voice over the coach's; the parent passes it on
    (the session ducks the coach meanwhile), and says the talking ended when the child dies."""
    mic, ref, _alone = talk_over_echo(4.0, 2.5, 3.0)   # ends before the 1.5 s hold after the voice
    talk: list[bool] = []
    listener = ListenerProcess(partial(scripted, []), lambda d: None)
    listener.on_talk = talk.append
    listener.start()
    try:
        for i in range(0, len(mic) - BLOCK_SAMPLES + 1, BLOCK_SAMPLES):
            listener.put(mic[i:i + BLOCK_SAMPLES], ref[i:i + BLOCK_SAMPLES])
            time.sleep(0.03)   # in real time, as from the microphone
        wait_until(lambda: talk == [True], "the user talking over the coach")
        assert listener.talking
        os.kill(listener.pid or 0, signal.SIGKILL)
        wait_until(lambda: talk == [True, False], "talking to end with the child")
    finally:
        listener.stop()
