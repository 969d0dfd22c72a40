"""`coach listen` with no files: live from the microphone, through real PortAudio and a private PulseAudio.

The microphone is ``room.monitor`` (``PULSE_SOURCE``). What is heard is cued (tests/cued.py): the
recogniser is fed the live microphone and hears the words the test gives it, so these tests are about
the stream and the process, not about whether a synthetic voice is recognised (a benchmark figure).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cued import coach_env, cue
from logtools import wait_for
from pulse import PulseServer


class Live:
    """A running `coach listen` process whose output lines are collected as they come."""

    def __init__(self, pulse: PulseServer, tmp_path: Path) -> None:
        self.cues = tmp_path / "cues.txt"
        env = coach_env(self.cues, {**os.environ, **pulse.env, "COACH_CONFIG": str(tmp_path / "none.toml"),
                                    "PYTHONUNBUFFERED": "1"})
        self.proc = subprocess.Popen([sys.executable, "-m", "cued", "listen", "--engine", "pocketsphinx"],
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.out: list[str] = []
        self.err: list[str] = []
        for stream, lines in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=self._collect, args=(stream, lines), daemon=True).start()

    @staticmethod
    def _collect(stream: object, lines: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.append(line.rstrip("\n"))

    def rows(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in list(self.out)]

    def end(self, timeout: float = 30) -> int:
        """Wait for the process to end (killing it if it will not); its exit status."""
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"`coach listen` did not end within {timeout} s; stderr: {self.err}")
        time.sleep(0.2)   # let the reader threads take the last lines
        return status


def test_listen_live_prints_commands_as_they_are_heard(pulse: PulseServer, tmp_path: Path) -> None:
    """Each command heard from the live microphone is a line on stdout as it comes, on the clock of
    the audio taken in (the cue is heard at the stream's next block); words that hold none print
    nothing; Ctrl-C ends it."""
    live = Live(pulse, tmp_path)
    try:
        wait_for(lambda: any(line.startswith("listening;") for line in live.err), "`coach listen` to start", 60)
        time.sleep(1.0)   # a second of the microphone's audio
        cue(live.cues, "stop")
        wait_for(lambda: len(live.out) == 1, "the stop on stdout", 10)
        cue(live.cues, "the weather is nice")
        cue(live.cues, "harder")
        wait_for(lambda: len(live.out) == 2, "the harder on stdout", 10)
        live.proc.send_signal(signal.SIGINT)   # Ctrl-C ends it
        status = live.end()
    finally:
        if live.proc.poll() is None:
            live.proc.kill()
    assert status == 0, live.err
    rows = live.rows()
    assert [r["command"] for r in rows] == ["stop", "harder"], rows
    at = [r["at"] for r in rows]
    assert rows[0]["file"] == "-" and isinstance(at[0], float) and isinstance(at[1], float), rows
    assert 0 < at[0] <= at[1], rows   # on the clock of the microphone's audio
    assert "Traceback" not in "\n".join(live.err)


def test_listen_live_says_so_when_the_microphone_goes(own_pulse: PulseServer, tmp_path: Path) -> None:
    """The sound server dies under `coach listen`: a clear message naming the fix, exit status 3, no hang."""
    live = Live(own_pulse, tmp_path)
    try:
        wait_for(lambda: any(line.startswith("listening;") for line in live.err), "`coach listen` to start", 60)
        time.sleep(1.0)
        own_pulse.crash()
        status = live.end()
    finally:
        if live.proc.poll() is None:
            live.proc.kill()
    err = "\n".join(live.err)
    assert status == 3, (status, err)
    assert "coach: the microphone" in err and "stopped" in err and "fix:" in err, err
    assert "Traceback" not in err, err


def test_a_microphone_stream_that_breaks_is_opened_again(pulse: PulseServer) -> None:
    """PortAudio ends the microphone's stream while the sound server is fine: ``lost`` opens it again
    and audio keeps coming; after REOPEN_LIMIT breaks in a minute the microphone counts as lost."""
    from coach.listen.capture.microphone import Microphone
    from coach.streamguard import REOPEN_LIMIT

    got: list[int] = []
    with pulse.apply(), Microphone(lambda b: got.append(len(b))) as mic:
        for n in range(1, REOPEN_LIMIT + 1):
            wait_for(lambda: len(got) > 10, "audio from the microphone", 10)
            mic._stream.abort()                        # PortAudio ends the stream under it
            assert mic.lost() is None and mic.reopens == n
            got.clear()
        wait_for(lambda: len(got) > 10, "audio from the reopened microphone", 10)
        mic._stream.abort()
        lost = mic.lost()
        assert lost is not None and "stopped working" in str(lost) and mic.reopens == REOPEN_LIMIT
