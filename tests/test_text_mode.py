"""Text mode end to end: a real `coach run --text` process driven through a pipe.

These run the installed console script in a subprocess with its own data dir, at an
accelerated clock, and check what a person (or a script) would see: the transcript, the
session log, and the resume point after Ctrl-C and after kill -9.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from logtools import coach_env, wait_for
from logtools import records as log_records

COACH = [sys.executable, "-m", "coach"]
ROOT = Path(__file__).resolve().parent.parent


_env = coach_env


def test_whole_session_through_a_pipe(tmp_path: Path) -> None:
    log = tmp_path / "session.jsonl"
    script = "h\n@60 softer\n@61 x\n@62 n\n"
    p = subprocess.run([*COACH, "run", "tennis-balls", "--text", "--speed", "200", "--fresh", "--log", str(log)],
                       input=script, capture_output=True, text=True, env=_env(tmp_path), timeout=120)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].startswith("Tennis balls")
    assert any("Step one of" in line for line in lines)
    assert any("Stopped. Type n to continue, or x again to end." in line for line in lines)
    assert any("That is the end of" in line for line in lines)
    records = log_records(log)
    assert all(isinstance(r["t"], float | int) and "type" in r for r in records)
    ts = [r["t"] for r in records]
    assert ts == sorted(ts), "t must be monotonic"
    types = {r["type"] for r in records}
    assert {"said", "heard", "command", "level", "step", "paused", "ended"} <= types
    ended = [r for r in records if r["type"] == "ended"][-1]
    assert ended["completed"] is True
    commands = [r["command"] for r in records if r["type"] == "command"]
    # "softer" and "x" come 5 ms apart; when both are queued before the session takes either, the
    # stop is taken first (it wins over everything queued with it: a CI run on a busy machine)
    assert commands in (["harder", "softer", "stop", "next"], ["harder", "stop", "softer", "next"]), commands
    # the profile remembers the level, and a completed session leaves no resume point
    data = tmp_path / "data"
    assert not (data / "resume.json").exists()
    assert json.loads((data / "profile.json").read_text())["levels"]["tennis-balls"] == ended["level"]


def test_unknown_words_get_a_clear_line_not_a_crash(tmp_path: Path) -> None:
    p = subprocess.run([*COACH, "run", "tennis-balls", "--text", "--speed", "500", "--fresh"],
                       input="banana\n\n", capture_output=True, text=True, env=_env(tmp_path), timeout=120)
    assert p.returncode == 0, p.stderr
    assert "not understood: 'banana'" in p.stdout


def test_missing_routine_is_a_clear_error(tmp_path: Path) -> None:
    p = subprocess.run([*COACH, "run", "no-such-routine", "--text"], capture_output=True, text=True,
                       env=_env(tmp_path), timeout=60)
    assert p.returncode == 2
    assert "no-such-routine" in p.stderr
    assert "Traceback" not in p.stderr


def _start(tmp_path: Path, log: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([*COACH, "run", "tennis-balls", "--text", "--fresh", "--log", str(log), *extra],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env(tmp_path))


def _reached_step(log: Path, index: int) -> bool:
    return any(r["type"] == "step" and r["index"] >= index for r in log_records(log))


def _until_the_first_step(tmp_path: Path, log: Path, typed: str) -> tuple[str, str]:
    """`coach run tennis-balls` with a place to resume, ``typed`` into it, until its first step has
    begun (the rest of the session, 10 s at this speed, is not what these tests are about); ended
    as Ctrl-C ends it. Its output."""
    typing = tmp_path / "typed.txt"
    typing.write_text(typed)
    with typing.open() as stdin:
        proc = subprocess.Popen([*COACH, "run", "tennis-balls", "--text", "--speed", "50", "--log", str(log)],
                                stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=_env(tmp_path))
    try:
        wait_for(lambda: _reached_step(log, 0), "the first step", 60)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130 and "Traceback" not in err, err
    return out, err


@pytest.mark.parametrize("how", ["kill -9", "ctrl-c"])
def test_interrupted_session_resumes_at_the_same_step_and_level(tmp_path: Path, how: str) -> None:
    log = tmp_path / "first.jsonl"
    proc = _start(tmp_path, log, "--speed", "40")
    assert proc.stdin is not None
    proc.stdin.write("h\n")          # raise the level once, so the resume point must carry it
    proc.stdin.flush()
    wait_for(lambda: _reached_step(log, 2), "the session to reach step three")
    if how == "kill -9":
        proc.kill()
    else:
        proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    if how == "ctrl-c":
        assert proc.returncode == 130
        assert "coach resume" in (proc.stdout.read() if proc.stdout else "")
    records = log_records(log)
    last_step = [r["index"] for r in records if r["type"] == "step"][-1]
    last_level = [r["level"] for r in records if r["type"] in ("level", "started")][-1]
    assert last_level == 3, "the h key raised the level from 2 to 3"

    point = json.loads((tmp_path / "data" / "resume.json").read_text())["points"]["tennis-balls"]   # one per routine
    assert (point["routine"], point["step"], point["level"]) == ("tennis-balls", last_step, last_level)

    second = tmp_path / "second.jsonl"
    p = subprocess.run([*COACH, "resume", "--text", "--speed", "500", "--log", str(second)],
                       input="", capture_output=True, text=True, env=_env(tmp_path), timeout=120)
    assert p.returncode == 0, p.stderr
    assert "Welcome back" in p.stdout
    # the summary counts the steps done before the kill as well (issue 38: "finished zero of seven steps")
    assert "of seven in all" in p.stdout and "finished zero" not in p.stdout, p.stdout
    started = [r for r in log_records(second) if r["type"] == "started"][0]
    assert (started["step"], started["level"], started["resumed"]) == (last_step, last_level, True)
    first_step = [r for r in log_records(second) if r["type"] == "step"][0]
    assert first_step["index"] == last_step
    assert not (tmp_path / "data" / "resume.json").exists(), "finished: nothing left to resume"


def test_run_asks_to_resume_and_n_starts_over(tmp_path: Path) -> None:
    log = tmp_path / "first.jsonl"
    proc = _start(tmp_path, log, "--speed", "40")
    wait_for(lambda: _reached_step(log, 1), "the session to reach step two")
    proc.kill()
    proc.wait(timeout=30)
    second = tmp_path / "second.jsonl"
    out, _err = _until_the_first_step(tmp_path, second, "n\n")
    assert "Shall I carry on from there?" in out
    records = log_records(second)
    assert [r for r in records if r["type"] == "answered"][0]["carry_on"] is False
    assert [r["index"] for r in records if r["type"] == "step"][0] == 0


def test_run_asks_to_resume_and_carries_on_there_when_nobody_answers(tmp_path: Path) -> None:
    """The question is said (printed in text mode) with how long the coach waits; "h" (harder) is no
    answer (the question comes again); with no answer it carries on where the last session stopped.
    (x, a stop, ends before the session begins: test_session.)"""
    log = tmp_path / "first.jsonl"
    proc = _start(tmp_path, log, "--speed", "40")
    wait_for(lambda: _reached_step(log, 1), "the session to reach step two")
    proc.kill()
    proc.wait(timeout=30)
    stopped_at = json.loads((tmp_path / "data" / "resume.json").read_text())["points"]["tennis-balls"]["step"]
    second = tmp_path / "second.jsonl"
    out, _err = _until_the_first_step(tmp_path, second, "h\n")
    assert "Type y for yes, or n to start from the beginning." in out
    assert "If no answer comes, I will carry on from there in thirty seconds." in out
    assert out.count("Shall I carry on from there?") == 2   # asked again after h
    records = log_records(second)
    answered = [r for r in records if r["type"] == "answered"][0]
    assert (answered["carry_on"], answered["how"]) == (True, "no answer")
    assert [r["index"] for r in records if r["type"] == "step"][0] == stopped_at


def test_resume_with_nothing_to_resume_says_what_to_do(tmp_path: Path) -> None:
    p = subprocess.run([*COACH, "resume", "--text"], capture_output=True, text=True, env=_env(tmp_path), timeout=60)
    assert p.returncode == 2
    assert "coach run" in p.stderr


def test_the_safety_notes_in_full_the_first_time_and_when_they_change_then_the_short_intro(tmp_path: Path) -> None:
    """Issue 18: every session began with about 80 s of introduction, also for a returning user."""
    folder = tmp_path / "routines"
    folder.mkdir()
    source = (ROOT / "scripts" / "gentle-lower-back.toml").read_text(encoding="utf-8")
    routine = folder / "mine.toml"
    routine.write_text(source, encoding="utf-8")
    env = {**_env(tmp_path), "COACH_ROUTINES": str(folder)}

    def run() -> str:
        p = subprocess.run([*COACH, "run", "mine", "--text", "--fresh", "--speed", "500"], input="",
                           capture_output=True, text=True, env=env, timeout=120)
        assert p.returncode == 0, p.stderr
        return p.stdout

    first, second = run(), run()
    assert "heard this routine's safety notes before" not in first
    # after the full notes the coach asked, heard nothing, and keeps them short from now on
    assert "Next time, shall I keep these safety notes short?" in first and "No answer came" in first
    assert json.loads((tmp_path / "data" / "profile.json").read_text())["safety_notes"] == "short"
    assert "shall I keep these safety notes short" not in second, "asked once"
    assert "heard this routine's safety notes before" in second
    assert len(second) < len(first)
    routine.write_text(source.replace("safety = [", 'safety = [\n    "Keep your feet flat on the floor.",', 1),
                       encoding="utf-8")
    third = run()
    assert "Keep your feet flat on the floor." in third and "heard this routine's safety notes before" not in third


def test_no_to_the_question_about_the_notes_gives_them_in_full_every_time(tmp_path: Path) -> None:
    """Issue 18 point 3, "ask and remember": "no" keeps the full safety notes for later sessions."""
    log = tmp_path / "first.jsonl"
    proc = _start(tmp_path, log, "--speed", "5")
    assert proc.stdin is not None
    wait_for(lambda: any(r["type"] == "asked" and r.get("question") == "notes" for r in log_records(log)),
             "the question about the safety notes")
    proc.stdin.write("no\n")
    proc.stdin.flush()
    wait_for(lambda: any(r["type"] == "answered" for r in log_records(log)), "the answer to be taken")
    proc.stdin.write("x\nx\n")
    proc.stdin.close()
    proc.wait(timeout=60)
    answered = [r for r in log_records(log) if r["type"] == "answered"]
    assert answered[0]["short"] is False and answered[0]["how"] == "no", answered
    assert json.loads((tmp_path / "data" / "profile.json").read_text())["safety_notes"] == "full"
    p = subprocess.run([*COACH, "run", "tennis-balls", "--text", "--fresh", "--speed", "500"], input="",
                       capture_output=True, text=True, env=_env(tmp_path), timeout=120)
    assert p.returncode == 0, p.stderr
    assert "heard this routine's safety notes before" not in p.stdout, "the full notes, as asked"
    assert "shall I keep these safety notes short" not in p.stdout, "the answer was remembered"


def test_help_typed_before_the_session_begins_does_not_reprint_the_introduction(tmp_path: Path) -> None:
    """Issue 18: in text mode a help request reprinted the whole introduction. A "?" waiting in
    the pipe is taken with the lines just printed; they were read, not cut short."""
    p = subprocess.run([*COACH, "run", "tennis-balls", "--text", "--speed", "50", "--fresh"],
                       input="?\n@5 x\n@6 x\n", capture_output=True, text=True, env=_env(tmp_path), timeout=120)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert sum(line.startswith("Tennis balls, lying down.") for line in lines) == 1, p.stdout
    assert sum(line.startswith("You will need") for line in lines) == 1, p.stdout
    # the "?" came while the coach asked whether to keep the notes short: it asks again
    assert sum("shall I keep these safety notes short" in line for line in lines) == 2, p.stdout


def test_text_mode_asks_for_typing_where_nothing_listens(tmp_path: Path) -> None:
    """Issue 38: `coach --text` said "Say yes ... If I hear nothing ..." where nothing listens."""
    p = subprocess.run([*COACH, "run", "tennis-balls", "--text", "--fresh", "--speed", "500"], input="",
                       capture_output=True, text=True, env=_env(tmp_path), timeout=120)
    assert p.returncode == 0, p.stderr
    assert ("Next time, shall I keep these safety notes short? Type y for yes, or n for the full notes every time. "
            "If no answer comes, I will keep them short.") in p.stdout
    assert "No answer came, so next time the safety notes will be short." in p.stdout
    assert "Say yes" not in p.stdout and "hear nothing" not in p.stdout and "heard nothing" not in p.stdout
    assert "Type x at any time to pause. For the rest, type a question mark." in p.stdout
    assert "Say stop at any time" not in p.stdout and "what can I say" not in p.stdout
