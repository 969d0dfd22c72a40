"""Keys only, through a real terminal: `coach --text` in a detached tmux session, single keys sent
with `tmux send-keys` (no Enter), the screen read back with `tmux capture-pane`. On a terminal
the menu's keys act at once, as the session's do."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from logtools import coach_env, wait_for
from logtools import records as log_records

ROOT = Path(__file__).resolve().parent.parent


class Tmux:
    """One tmux server of the test's own (its own socket), running one command in one pane."""

    def __init__(self, tmp_path: Path) -> None:
        self.socket = f"coach-test-{uuid.uuid4().hex[:8]}"
        self.tmp_path = tmp_path

    def _tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True,
                              timeout=30).stdout

    def start(self, *args: str, env: dict[str, str] | None = None) -> None:
        full = coach_env(self.tmp_path)
        names = ("COACH_DATA", "COACH_CONFIG", "NO_COLOR", "PATH", "HOME")
        keep: dict[str, str] = {k: full[k] for k in names if k in full}
        keep["PYTHONPATH"] = str(ROOT)
        keep.update(env or {})
        command = shlex.join(["env", *(f"{k}={v}" for k, v in keep.items()), sys.executable, "-m", "coach", *args])
        # the pane stays after the command ends, so that its last lines can be read
        self._tmux("new-session", "-d", "-s", "coach", "-x", "220", "-y", "60", command)
        self._tmux("set-option", "-t", "coach", "remain-on-exit", "on")

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "coach", *keys)

    def screen(self) -> str:
        """What the pane shows, wrapped lines joined, history included."""
        return self._tmux("capture-pane", "-p", "-J", "-t", "coach", "-S", "-2000")

    def dead(self) -> bool:
        return self._tmux("display-message", "-p", "-t", "coach", "#{pane_dead}").strip() == "1"

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=30)


@pytest.fixture()
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed: apt-get install tmux")
    t = Tmux(tmp_path)
    try:
        yield t
    finally:
        t.kill()


def _wait_screen(tmux: Tmux, text: str, limit: float = 60.0) -> None:
    wait_for(lambda: text in tmux.screen(), f"{text!r} on the screen", limit)


def _started(log: Path) -> list[dict[str, object]]:
    return [r for r in log_records(log) if r["type"] == "started"]


def test_a_number_key_chooses_at_once_and_the_session_starts(tmux: Tmux, tmp_path: Path) -> None:
    log = tmp_path / "menu.jsonl"
    tmux.start("--text", "--log", str(log))
    _wait_screen(tmux, "Which one? Type its number, one to six")
    tmux.keys("4")   # no Enter
    _wait_screen(tmux, "Four, Tennis balls, lying down. Starting.")
    wait_for(lambda: bool(_started(log)), "the session to start")
    _wait_screen(tmux, "Tennis balls, lying down. ")   # the session's first line
    assert _started(log)[0]["routine"] == "tennis-balls"
    tmux.keys("x")
    wait_for(lambda: any(r["type"] == "paused" for r in log_records(log)), "x to pause the session")
    tmux.keys("x")
    wait_for(tmux.dead, "the session to end")
    screen = tmux.screen()
    assert "Session ended early; your place is saved." in screen
    assert "words:" not in screen   # the key acted at once: no line of words was begun


def test_the_resume_question_is_answered_by_a_key(tmux: Tmux, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "resume.json").write_text(json.dumps({
        "routine": "trigger-points", "path": "", "step": 1, "level": 2, "role": "self", "log": "",
        "saved": time.time() - 600}))
    log = tmp_path / "menu.jsonl"
    tmux.start("--text", "--log", str(log))
    _wait_screen(tmux, "Your last session of Trigger points with one ball stopped at step two")
    tmux.keys("y")
    _wait_screen(tmux, "Carrying on with Trigger points with one ball.")
    wait_for(lambda: bool(_started(log)), "the session to carry on")
    started = _started(log)[0]
    assert started["routine"] == "trigger-points" and started["step"] == 1 and started["resumed"] is True
    _wait_screen(tmux, "Welcome back to Trigger points with one ball")
    tmux.keys("x")
    wait_for(lambda: any(r["type"] == "paused" for r in log_records(log)), "x to pause the session")
    tmux.keys("x")
    wait_for(tmux.dead, "the session to end")


def test_keys_n_then_y_choose_and_a_typed_title_word_needs_no_enter_first(tmux: Tmux, tmp_path: Path) -> None:
    """n and y act at once; a letter that is no menu key ("s") begins a line of words, ended by Enter."""
    log = tmp_path / "menu.jsonl"
    tmux.start("--text", "--log", str(log))
    _wait_screen(tmux, "Which one?")
    tmux.keys("?")
    _wait_screen(tmux, "You are choosing a routine; there are six.")
    tmux.keys("s", "w", "e", "d", "i", "s", "h", "Enter")
    _wait_screen(tmux, "Three, Swedish back massage. Starting.")
    wait_for(lambda: bool(_started(log)), "the session to start")
    assert _started(log)[0]["routine"] == "swedish"
    assert "words: swedish" in tmux.screen()
    tmux.keys("C-c")
    wait_for(tmux.dead, "Ctrl-C to end it")
    assert "Session interrupted; your place is saved." in tmux.screen()


def test_in_a_session_m_gives_more_time_and_question_mark_helps(tmux: Tmux, tmp_path: Path) -> None:
    """Issue 18's "more time" and help by key, through the menu into a session."""
    log = tmp_path / "menu.jsonl"
    tmux.start("--text", "--log", str(log))
    _wait_screen(tmux, "Which one?")
    tmux.keys("1")
    wait_for(lambda: any(r["type"] == "step" for r in log_records(log)), "the first step", 90)
    tmux.keys("m")
    _wait_screen(tmux, "Thirty seconds more.")
    tmux.keys("?")
    _wait_screen(tmux, "Step one of nine, Lie down and get comfortable:")
    records = log_records(log)
    assert [r["command"] for r in records if r["type"] == "command"][-2:] == ["more time", "help"]
    assert any(r["type"] == "more_time" for r in records)
    tmux.keys("C-c")
    wait_for(tmux.dead, "Ctrl-C to end it")


# the spoken menu on a terminal, with a private PulseAudio server: tests/test_menu_audio.py (the audio tier)
