"""The menu in text mode, end to end: a real `coach --text` process driven through a pipe, one
key or line of words per line, as a script or a screen-reader user's terminal would."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from logtools import coach_env, wait_for
from logtools import records as log_records

COACH = [sys.executable, "-m", "coach"]


def _menu(tmp_path: Path, log: Path, *more: str) -> subprocess.Popen[str]:
    return subprocess.Popen([*COACH, "--text", "--log", str(log), *more], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=coach_env(tmp_path))


def _type(proc: subprocess.Popen[str], line: str) -> None:
    assert proc.stdin is not None
    proc.stdin.write(line + "\n")
    proc.stdin.flush()


def _started(log: Path) -> list[dict[str, object]]:
    return [r for r in log_records(log) if r["type"] == "started"]


def _end_session(proc: subprocess.Popen[str], log: Path) -> tuple[str, str]:
    """Two presses of x: the session pauses, then ends (its place kept)."""
    _type(proc, "x")
    wait_for(lambda: any(r["type"] == "paused" for r in log_records(log)), "the session to pause")
    _type(proc, "x")
    return proc.communicate(timeout=60)


def _choose(tmp_path: Path, line: str) -> tuple[list[str], list[dict[str, object]], str]:
    log = tmp_path / "menu.jsonl"
    proc = _menu(tmp_path, log)
    try:
        wait_for(lambda: any(r["type"] == "said" for r in log_records(log)), "the menu to speak")
        _type(proc, line)
        wait_for(lambda: bool(_started(log)), "the chosen session to start")
        out, err = _end_session(proc, log)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    return out.splitlines(), log_records(log), err


def test_choosing_by_number_through_a_pipe_starts_that_routine(tmp_path: Path) -> None:
    lines, records, err = _choose(tmp_path, "3")
    assert lines[0].startswith("Choose a routine. There are six.")
    assert "Three: Swedish back massage, for two people, about twelve and a half minutes." in lines
    assert "Three, Swedish back massage. Starting." in lines
    # the session's own first line follows the confirmation
    start = lines.index("Three, Swedish back massage. Starting.")
    assert lines[start + 1].startswith("Swedish back massage. ")
    chosen = [r for r in records if r["type"] == "menu" and r.get("event") == "chosen"]
    assert chosen == [{"t": chosen[0]["t"], "type": "menu", "event": "chosen", "action": "run",
                       "routine": "swedish", "how": "key"}]
    assert _started_routine(records) == "swedish"
    assert "Traceback" not in err


def test_choosing_by_a_word_of_the_title_starts_that_routine(tmp_path: Path) -> None:
    lines, records, _err = _choose(tmp_path, "tennis")
    assert "Four, Tennis balls, lying down. Starting." in lines
    assert _started_routine(records) == "tennis-balls"


def test_next_and_yes_choose_without_numbers_or_names(tmp_path: Path) -> None:
    log = tmp_path / "menu.jsonl"
    proc = _menu(tmp_path, log)
    try:
        wait_for(lambda: any(r["type"] == "said" for r in log_records(log)), "the menu to speak")
        for line in ("n", "next", "y"):
            _type(proc, line)
        wait_for(lambda: bool(_started(log)), "the chosen session to start")
        out, _err = _end_session(proc, log)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert "Two: Partner back massage, for two people, about twelve and a half minutes. Type y to choose it, " \
           "or n for the next." in out
    assert _started_routine(log_records(log)) == "partner-back"


def _started_routine(records: list[dict[str, object]]) -> object:
    started = [r for r in records if r["type"] == "started"]
    assert len(started) == 1, started
    return started[0]["routine"]


def test_the_interrupted_session_is_offered_and_carried_on_with_y(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "resume.json").write_text(json.dumps({
        "routine": "tennis-balls", "path": "", "step": 2, "level": 3, "role": "self", "log": "",
        "saved": time.time() - 3600}))
    log = tmp_path / "menu.jsonl"
    proc = _menu(tmp_path, log)
    try:
        wait_for(lambda: any(r["type"] == "said" for r in log_records(log)), "the menu to speak")
        _type(proc, "y")
        wait_for(lambda: bool(_started(log)), "the session to carry on")
        out, err = _end_session(proc, log)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    lines = out.splitlines()
    assert lines[0].startswith("Your last session of Tennis balls, lying down stopped at step three, Roll up and "
                               "down, at pressure level 3, about an hour ago. Shall I carry on")
    assert "Shall I carry on from there? Type y for yes, or n to choose a routine instead." in lines[0]
    assert "If no answer comes, I will carry on from there" in lines[0]
    assert "Carrying on with Tennis balls, lying down." in lines
    assert not any(line.startswith("Choose a routine") for line in lines)
    started = _started(log)
    assert started[0]["routine"] == "tennis-balls" and started[0]["step"] == 2 and started[0]["resumed"] is True
    assert any(line.startswith("Welcome back to Tennis balls") for line in lines), err


def test_no_to_the_resume_question_lists_the_routines(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "resume.json").write_text(json.dumps({
        "routine": "tennis-balls", "path": "", "step": 2, "level": 3, "role": "self", "log": "", "saved": 0}))
    lines, records, _err = _choose_after(tmp_path, ["n", "1"])
    assert any(line.startswith("Choose a routine.") for line in lines)
    assert _started_routine(records) == "gentle-lower-back"


def _choose_after(tmp_path: Path, typed: list[str]) -> tuple[list[str], list[dict[str, object]], str]:
    log = tmp_path / "menu.jsonl"
    proc = _menu(tmp_path, log)
    try:
        wait_for(lambda: any(r["type"] == "said" for r in log_records(log)), "the menu to speak")
        for line in typed:
            _type(proc, line)
        wait_for(lambda: bool(_started(log)), "the chosen session to start")
        out, err = _end_session(proc, log)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return out.splitlines(), log_records(log), err


def test_q_leaves_the_menu_saying_how_to_start_it_again(tmp_path: Path) -> None:
    p = subprocess.run([*COACH, "--text"], input="?\nq\n", capture_output=True, text=True, env=coach_env(tmp_path),
                       timeout=60)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert any(line.startswith("You are choosing a routine; there are six.") for line in lines)
    assert lines[-1] == "Closing the menu. To start it again, run coach."


def test_ctrl_c_in_the_menu_ends_it_plainly(tmp_path: Path) -> None:
    log = tmp_path / "menu.jsonl"
    proc = _menu(tmp_path, log)
    try:
        wait_for(lambda: any(r["type"] == "said" for r in log_records(log)), "the menu to speak")
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert [r for r in log_records(log) if r["type"] == "menu"][-1]["reason"] == "interrupted"


def test_a_menu_option_before_a_command_is_a_usage_error_with_its_fix(tmp_path: Path) -> None:
    p = subprocess.run([*COACH, "--text", "list"], capture_output=True, text=True, env=coach_env(tmp_path),
                       timeout=60)
    assert p.returncode == 2
    assert "--text before list is an option of the menu" in p.stderr
    assert "fix: put it after the command: coach list ... --text" in p.stderr


def test_help_says_that_coach_alone_starts_the_menu(tmp_path: Path) -> None:
    p = subprocess.run([*COACH, "--help"], capture_output=True, text=True, env=coach_env(tmp_path), timeout=60)
    assert p.returncode == 0
    assert "With no COMMAND, coach starts a spoken menu" in p.stdout
    assert "--text" in p.stdout


def test_a_menu_nobody_answers_reads_the_list_again_then_closes_saying_so(tmp_path: Path) -> None:
    """Never a silent wait: 15 s after the question, the list again (saying what comes next), and
    15 s after that the menu closes with a line that says how to start it again."""
    p = subprocess.run([*COACH, "--text"], input="", capture_output=True, text=True, env=coach_env(tmp_path),
                       timeout=120)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    # nothing listens in text mode: the coach asks for typing, never "say" or "if I hear nothing" (issue 38)
    assert not any("Say " in line or "hear nothing" in line or "heard nothing" in line for line in lines), lines
    again = lines.index("No answer came. Here are the routines again.")
    assert lines[again + 1] == "One: Gentle lower back, about twelve minutes."
    assert lines[again + 7].startswith("Which one? Type its number, one to six, or a word of its name")
    assert lines[again + 7].endswith("If no answer comes again, I will close the menu in fifteen seconds.")
    assert lines[-1] == "No answer came, so I am closing the menu. To start it again, run coach."
    assert len(lines) == again + 9
