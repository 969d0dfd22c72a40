"""Interrupts and suspends of real `coach` processes on a pseudo-terminal (issue 37, point 1).

Any number of Ctrl-C, SIGTERM or SIGHUP end a session with the terminal as it was, the place and
the profile saved, an ``ended`` record last in the log, exit status 130 and no traceback; `coach
render` likewise, with no abort. A session suspended (Ctrl-Z, SIGSTOP) and continued carries on
where it was: the time stopped is not session time (asserted on the log's clock, not on how long
anything took), and the terminal is the shell's while stopped and in cbreak mode again after.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from logtools import coach_env, process_state, wait_for
from logtools import records as log_records

CUES = """\
title = "Cues"
description = "Cues at known times."
role = "self"
start_level = 1
max_level = 2

[[steps]]
title = "Hold"
say = "Hold still."
seconds = 40
pressure = false
[[steps.cues]]
at = 10
say = "Cue at ten."
[[steps.cues]]
at = 20
say = "Cue at twenty."
[[steps.cues]]
at = 30
say = "Cue at thirty."
"""


def _own_terminal() -> None:
    """In the child: a session of its own whose controlling terminal is its stdin (as in a shell)."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _modes(fd: int) -> tuple[bool, bool]:
    """(line editing, echo) of the terminal."""
    lflag = termios.tcgetattr(fd)[3]
    return bool(lflag & termios.ICANON), bool(lflag & termios.ECHO)


class OnTerminal:
    """A `coach` process whose stdin is a pseudo-terminal of its own."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.master, self.slave = os.openpty()
        self.before = termios.tcgetattr(self.slave)
        self.env = coach_env(tmp_path)
        self.proc = subprocess.Popen([sys.executable, "-m", "coach", *args], stdin=self.slave,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env, text=True,
                                     preexec_fn=_own_terminal, cwd=tmp_path)

    def end(self, limit: float = 60) -> tuple[str, str]:
        try:
            out, err = self.proc.communicate(timeout=limit)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.communicate()
        return out, err

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()
        os.close(self.master)
        os.close(self.slave)


def _signals(proc: subprocess.Popen[str], sigs: list[signal.Signals]) -> None:
    """The first two within 50 ms, as a hasty Ctrl-C Ctrl-C; the rest while the coach ends."""
    for i, sig in enumerate(sigs):
        with_pause = 0.03 if i == 0 else 0.15
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            return
        time.sleep(with_pause)


@pytest.mark.parametrize("sigs", [[signal.SIGINT, signal.SIGINT, signal.SIGINT],
                                  [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGINT]],
                         ids=["ctrl-c-thrice", "term-int-hup-int"])
def test_interrupts_in_a_hurry_end_a_session_saved_with_the_terminal_restored(
        tmp_path: Path, sigs: list[signal.Signals]) -> None:
    log = tmp_path / "session.jsonl"
    t = OnTerminal(tmp_path, "run", "tennis-balls", "--text", "--speed", "20", "--fresh", "--log", str(log))
    try:
        wait_for(lambda: any(r["type"] == "said" for r in log_records(log)), "the session to start")
        wait_for(lambda: not _modes(t.slave)[0], "cbreak mode", 10)
        os.write(t.master, b"y")   # answers the question about the safety notes, if it is asked
        time.sleep(0.5)
        _signals(t.proc, sigs)
        out, err = t.end()
        after = termios.tcgetattr(t.slave)
    finally:
        t.close()
    assert "Traceback" not in out + err and "Error" not in err, err
    assert t.proc.returncode == 130, out[-1000:] + err
    assert after == t.before, "the terminal's modes were left changed"
    records = log_records(log)
    assert records[-1]["type"] == "ended" and records[-1]["completed"] is False, records[-3:]
    assert "your place is saved" in out, out
    data = Path(t.env["COACH_DATA"])
    assert json.loads((data / "profile.json").read_text())   # the level and the notes choice kept
    point = json.loads((data / "resume.json").read_text())
    assert "tennis-balls" in json.dumps(point)


@pytest.mark.parametrize("stop", [signal.SIGTSTP, signal.SIGSTOP], ids=["ctrl-z", "sigstop"])
def test_a_suspended_session_carries_on_where_it_was(tmp_path: Path, stop: signal.Signals) -> None:
    """Stopped 4 s (16 s of session time at --speed 4) during its only step: each cue is said at
    its own time in the step, by the session's clock, not all at once on continuing. Ctrl-Z gives
    the shell its terminal back while stopped; continued, the keys act at once again."""
    routine = tmp_path / "cues.toml"
    routine.write_text(CUES)
    log = tmp_path / "session.jsonl"
    t = OnTerminal(tmp_path, "run", str(routine), "--text", "--speed", "4", "--fresh", "--log", str(log))
    try:
        wait_for(lambda: not _modes(t.slave)[0], "cbreak mode", 60)
        os.write(t.master, b"y")   # keep the safety notes short: the step begins
        wait_for(lambda: any(r["type"] == "step" for r in log_records(log)), "the step to begin", 30)
        time.sleep(0.5)
        t.proc.send_signal(stop)
        wait_for(lambda: (process_state(t.proc.pid) or ("?", 0))[0] == "T", "the coach to stop", 10)
        time.sleep(0.3)
        stopped_modes = _modes(t.slave)
        time.sleep(3.7)
        t.proc.send_signal(signal.SIGCONT)
        wait_for(lambda: not _modes(t.slave)[0], "cbreak mode again", 10)
        _out, err = t.end()
    finally:
        t.close()
    assert t.proc.returncode == 0 and "Traceback" not in err, err
    if stop is signal.SIGTSTP:
        assert stopped_modes == (True, True), "while stopped, the terminal is not the shell's"
    records = log_records(log)
    begun = next(r["t"] for r in records if r["type"] == "step")
    said = {r["text"]: r["t"] - begun for r in records if r["type"] == "said"}
    for at, text in ((10, "Cue at ten."), (20, "Cue at twenty."), (30, "Cue at thirty.")):
        assert abs(said[text] - at) < 2.0, f"{text!r} at {said[text]:.1f} s into the step, not {at}: {said}"
    ended = next(r for r in records if r["type"] == "ended")
    assert ended["completed"] is True and ended["t"] - begun < 45, ended


def test_render_interrupted_twice_ends_cleanly(tmp_path: Path) -> None:
    """Ctrl-C twice while `coach render` renders: exit 130, no traceback, no abort of onnxruntime."""
    wav = tmp_path / "out.wav"
    env = coach_env(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "coach", "render", "tennis-balls", "-o", str(wav)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, cwd=tmp_path)
    time.sleep(6)   # the voice loaded and rendering
    _signals(proc, [signal.SIGINT, signal.SIGINT, signal.SIGINT])
    try:
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "terminate called" not in err and "Error" not in err, err
    assert "coach: interrupted" in err


WAITER = """\
import pathlib, sys, threading, time
from concurrent.futures import Future
from coach import interrupts
interrupts.install()
fut = Future()
go = pathlib.Path(sys.argv[1])
def later():
    while not go.exists():
        time.sleep(0.05)
    fut.set_result("done")
threading.Thread(target=later, daemon=True).start()
print("waiting", flush=True)
print(interrupts.wait(fut, 2.0), flush=True)
"""


def test_a_wait_for_a_render_does_not_count_the_time_stopped(tmp_path: Path) -> None:
    """The render timeout (CachedSynth.render: 60 s) waits with interrupts.wait: a process stopped
    for 3 s during a 2 s wait, whose result comes half a second after it is continued, gets it (issue
    37: `coach render` stopped for 60 s ended in a TimeoutError)."""
    go = tmp_path / "go"
    proc = subprocess.Popen([sys.executable, "-c", WAITER, str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=tmp_path, env=coach_env(tmp_path))
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "waiting\n"
        time.sleep(0.3)
        proc.send_signal(signal.SIGSTOP)
        wait_for(lambda: (process_state(proc.pid) or ("?", 0))[0] == "T", "the process to stop", 10)
        time.sleep(3)
        proc.send_signal(signal.SIGCONT)
        time.sleep(0.5)
        go.touch()
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0 and out == "done\n", err
