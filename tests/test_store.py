"""Tier 1: what the coach keeps between sessions -- atomic writes, resume point, profile, session log."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach import store
from coach.errors import StoreError
from coach.store import (
    ResumePoint,
    SessionLog,
    clear_resume,
    load_resume,
    read_json,
    read_log,
    remember_level,
    remembered_level,
    save_resume,
    starting_level,
    write_atomic,
)


@pytest.fixture(autouse=True)
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    monkeypatch.setenv("COACH_DATA", str(path))
    return path


POINT = ResumePoint(routine="tennis-balls", path="/x/tennis-balls.toml", step=2, level=3, role="self",
                    log="/x/log.jsonl", saved=1700000000.5)


# ---------------------------------------------------------------------------------------------
# atomic writes


def test_data_dir_comes_from_the_environment(data: Path) -> None:
    assert store.data_dir() == data
    assert data.is_dir()


def test_data_dir_that_cannot_be_made_is_a_store_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("COACH_DATA", str(blocker / "sub"))
    with pytest.raises(StoreError) as e:
        store.data_dir()
    assert "COACH_DATA" in str(e.value)


def test_write_atomic_writes_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "f.json"
    write_atomic(target, "one")
    assert target.read_text() == "one"
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["f.json"]


@pytest.mark.parametrize("fail_at", ["fsync", "replace", "write"])
def test_a_crash_midway_leaves_the_old_file_and_no_temp_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: str
) -> None:
    target = tmp_path / "w" / "resume.json"
    write_atomic(target, "old contents")

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    if fail_at == "replace":
        monkeypatch.setattr(os, "replace", boom)
    elif fail_at == "fsync":
        monkeypatch.setattr(os, "fsync", boom)
    else:
        real_fdopen = os.fdopen

        class Torn(io.TextIOWrapper):
            def write(self, s: str) -> int:
                super().write(s[: len(s) // 2])
                raise OSError(5, "I/O error")

        def fdopen(fd: int, *args: object, **kwargs: object) -> io.TextIOWrapper:
            f = real_fdopen(fd, "wb")
            return Torn(f, encoding="utf-8")

        monkeypatch.setattr(os, "fdopen", fdopen)
    with pytest.raises(OSError):
        write_atomic(target, "new contents that never fully land")
    monkeypatch.undo()
    assert target.read_text() == "old contents"
    assert sorted(p.name for p in target.parent.iterdir()) == ["resume.json"]


def test_a_keyboard_interrupt_midway_also_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "w" / "profile.json"

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "x")
    monkeypatch.undo()
    assert list(target.parent.iterdir()) == []


def test_read_json_sets_a_broken_file_aside(tmp_path: Path) -> None:
    p = tmp_path / "x.json"
    assert read_json(p) is None
    p.write_text("{not json")
    assert read_json(p) is None
    assert not p.exists()
    assert (tmp_path / "x.json.broken").read_text() == "{not json"
    p.write_text("[1, 2]")
    assert read_json(p) is None      # not an object


# ---------------------------------------------------------------------------------------------
# resume point


def test_resume_round_trip(data: Path) -> None:
    assert load_resume() is None
    save_resume(POINT)
    assert load_resume() == POINT
    assert json.loads((data / "resume.json").read_text())["step"] == 2
    clear_resume()
    assert load_resume() is None
    clear_resume()   # clearing twice is fine


def test_broken_resume_is_set_aside_and_returns_none(data: Path) -> None:
    save_resume(POINT)
    (data / "resume.json").write_text('{"routine": "tennis-balls", "step": 2, "lev')   # torn
    assert load_resume() is None
    assert (data / "resume.json.broken").exists()
    assert not (data / "resume.json").exists()
    save_resume(POINT)
    assert load_resume() == POINT


@pytest.mark.parametrize("text", ['{"routine": "x"}', '{"routine": "x", "path": "p", "step": "two", "level": 1, '
                                  '"role": "self", "log": "l", "saved": 0}', "[]", "null"])
def test_resume_with_missing_or_wrong_fields_returns_none(data: Path, text: str) -> None:
    (data / "resume.json").write_text(text)
    assert load_resume() is None


@pytest.mark.parametrize(("key", "value"), [("saved", "1e300"), ("saved", "NaN"), ("saved", "-1"), ("step", "-1"),
                                            ("step", "1e400"), ("level", "Infinity")])
def test_resume_with_values_no_session_has_returns_none(data: Path, key: str, value: str) -> None:
    """Something else spoilt the file: "saved": 1e300 ended coach run in an OverflowError (time.localtime),
    "step": 1e400 in another (int of an infinity)."""
    text = json.dumps({**POINT.__dict__, key: 0}).replace(f'"{key}": 0', f'"{key}": {value}')
    (data / "resume.json").write_text(text)
    assert load_resume() is None


def test_resume_whose_routine_path_is_too_long_finds_the_routine_by_name(data: Path) -> None:
    import sys

    from coach.cli import main

    save_resume(ResumePoint(routine="nope", path="9" * 300, step=0, level=2, role="self", log="", saved=0))
    err = io.StringIO()
    old, sys.stderr = sys.stderr, err
    try:
        assert main(["resume", "--text"], out=io.StringIO()) == 2   # was OSError: File name too long
    finally:
        sys.stderr = old
    assert err.getvalue().startswith("coach: the routine of the interrupted session cannot be loaded: no routine "
                                     "called 'nope'")


# ---------------------------------------------------------------------------------------------
# profile


def test_remembered_level_round_trip(data: Path) -> None:
    assert remembered_level("tennis-balls") is None
    remember_level("tennis-balls", 3)
    remember_level("swedish", 1)
    remember_level("tennis-balls", 4)
    assert remembered_level("tennis-balls") == 4
    assert remembered_level("swedish") == 1
    assert remembered_level("other") is None


@pytest.mark.parametrize("text", ['{"levels": {"tennis-balls": true}}', '{"levels": {"tennis-balls": "3"}}',
                                  '{"levels": [3]}', "garbage"])
def test_remembered_level_ignores_nonsense(data: Path, text: str) -> None:
    (data / "profile.json").write_text(text)
    assert remembered_level("tennis-balls") is None
    remember_level("tennis-balls", 2)
    assert remembered_level("tennis-balls") == 2


@pytest.mark.parametrize(("start", "cap", "remembered", "expected"), [
    (2, 4, None, 2),
    (2, 4, 1, 1),
    (2, 4, 3, 3),
    (2, 4, 4, 3),     # never more than one above the routine's start
    (2, 4, 9, 3),
    (3, 3, 5, 3),     # never above the cap
    (5, 3, None, 3),
    (2, 4, 0, 1),
    (2, 4, -4, 1),
])
def test_starting_level(start: int, cap: int, remembered: int | None, expected: int) -> None:
    assert starting_level(start, cap, remembered) == expected


@settings(max_examples=200, deadline=None)
@given(cap=st.integers(1, 5), start=st.integers(1, 5), remembered=st.none() | st.integers(-10, 10))
def test_starting_level_bounds(cap: int, start: int, remembered: int | None) -> None:
    start = min(start, cap)
    level = starting_level(start, cap, remembered)
    assert 1 <= level <= cap
    assert level <= start + 1
    if remembered is not None and 1 <= remembered <= min(cap, start + 1):
        assert level == remembered


# ---------------------------------------------------------------------------------------------
# session log


def test_session_log_writes_json_lines_with_t_and_type(tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "log.jsonl", tmp_path / "b.jsonl"
    log = SessionLog([a, b])
    log.write(0.12345, "said", {"text": "hello", "id": 1})
    log.write(1.5, "command", {"command": "harder"})
    log.close()
    for path in (a, b):
        lines = path.read_text().splitlines()
        assert [json.loads(line) for line in lines] == [
            {"t": 0.123, "type": "said", "text": "hello", "id": 1},
            {"t": 1.5, "type": "command", "command": "harder"},
        ]
    assert read_log(a) == read_log(b)


def test_session_log_appends_and_keeps_unicode(tmp_path: Path) -> None:
    p = tmp_path / "log.jsonl"
    SessionLog([p]).write(0, "heard", {"text": "더 세게"})
    log = SessionLog([p])
    log.write(1, "ended", {})
    log.close()
    assert "더 세게" in p.read_text(encoding="utf-8")
    assert [r["type"] for r in read_log(p)] == ["heard", "ended"]


def test_read_log_skips_a_torn_last_line(tmp_path: Path) -> None:
    p = tmp_path / "log.jsonl"
    p.write_text('{"t": 0, "type": "started"}\n{"t": 1, "type": "step", "index": 0}\n{"t": 2, "type": "le')
    assert [r["type"] for r in read_log(p)] == ["started", "step"]


def test_read_log_of_a_missing_file_is_empty(tmp_path: Path) -> None:
    assert read_log(tmp_path / "none.jsonl") == []


def test_session_log_to_an_unwritable_place_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError) as e:
        SessionLog([blocker / "log.jsonl"])
    assert "--log" in str(e.value)


def test_session_log_write_failure_warns_once_and_goes_on(tmp_path: Path) -> None:
    warn = io.StringIO()
    log = SessionLog([tmp_path / "log.jsonl"], warn=warn)
    log._files[0].close()    # the disk went away
    log.write(0, "said", {})
    log.write(1, "said", {})
    assert warn.getvalue().count("could not be written") == 1


def test_default_log_path_is_under_the_data_dir(data: Path) -> None:
    path = SessionLog.default_path("swedish")
    assert path.parent == data / "sessions"
    assert path.name.endswith("-swedish.jsonl")


def test_the_notes_choice_is_kept_changed_and_forgotten_by_coach_notes(data: Path) -> None:
    """Issue 18 point 3: the answer to "shall I keep these safety notes short?" is kept in the
    profile beside what else is there; `coach notes` tells it and changes it, and a spoilt value
    counts as not chosen."""
    from coach.cli import main

    store.remember_level("tennis-balls", 3)
    assert store.notes_short() is None
    out = io.StringIO()
    assert main(["notes"], out) == 0 and "not chosen yet" in out.getvalue()
    assert main(["notes", "full"], out) == 0 and store.notes_short() is False
    assert "in full" in out.getvalue().splitlines()[-1]
    assert main(["notes", "short"], out) == 0 and store.notes_short() is True
    assert store.remembered_level("tennis-balls") == 3, "the rest of the profile stays"
    assert main(["notes", "ask"], out) == 0 and store.notes_short() is None
    assert "safety_notes" not in json.loads(store.profile_path().read_text())
    store.profile_path().write_text(json.dumps({"safety_notes": 7}))
    assert store.notes_short() is None
