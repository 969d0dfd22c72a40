"""Issue 36, point 3: health data private by default, on a fresh HOME.

Session logs, ``--log`` copies, recordings, the profile and the resume point are created 0600 in
folders 0700 (with a permissive umask, 022), what an older coach left 0644 in 0755 is tightened,
and no file is ever written through a symbolic link planted at its name.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from logtools import records

from coach import store
from coach.errors import CoachError, StoreError
from coach.listen.capture.recording import AudioRecorder
from coach.private import LinkRefused, make_dirs, open_private

COACH = [sys.executable, "-m", "coach"]


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh HOME, the XDG folders unset (so platformdirs puts everything inside it), umask 022."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("COACH_DATA", "COACH_CONFIG", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
                 "XDG_STATE_HOME"):
        monkeypatch.delenv(name, raising=False)
    old = os.umask(0o022)
    yield home
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_") and not k.startswith("COACH_")}
    return {**env, "HOME": str(home), "NO_COLOR": "1"}


def test_the_data_folder_and_everything_in_it_is_owner_only(home: Path) -> None:
    data = store.data_dir()
    assert data == home / ".local" / "share" / "coach"
    log_path = store.SessionLog.default_path("tennis-balls")
    log = store.SessionLog([log_path])
    log.write(0, "heard", {"text": "that hurts"})
    log.close()
    store.remember_level("tennis-balls", 3)
    store.save_resume(store.ResumePoint("tennis-balls", "", 1, 3, "self", str(log_path), 1.0))
    for folder in (home / ".local", home / ".local" / "share", data, data / "sessions"):
        assert mode(folder) == 0o700, folder
    for f in (log_path, store.profile_path(), store.resume_path()):
        assert mode(f) == 0o600, f


def test_a_log_copy_is_0600_in_folders_made_0700(home: Path) -> None:
    copy = home / "notes" / "deep" / "session.jsonl"
    log = store.SessionLog([copy])
    log.write(0, "started", {})   # (a log that never got a line is removed when it closes)
    log.close()
    assert mode(copy) == 0o600
    assert mode(home / "notes") == mode(home / "notes" / "deep") == 0o700


def test_what_an_older_coach_left_readable_is_tightened_on_first_use(home: Path) -> None:
    data = home / ".local" / "share" / "coach"
    (data / "sessions").mkdir(parents=True, mode=0o755)
    data.chmod(0o755)
    old_log = data / "sessions" / "20260101-120000-swedish.jsonl"
    old_log.write_text('{"t": 0, "type": "heard", "text": "ouch"}\n')
    profile = data / "profile.json"
    profile.write_text("{}\n")
    for f in (old_log, profile):
        f.chmod(0o644)
    routines = data / "routines"   # a person's own routines are not health data: left as they are
    routines.mkdir(mode=0o755)
    routines.chmod(0o755)
    store.data_dir()
    assert mode(data) == mode(data / "sessions") == 0o700
    assert mode(old_log) == mode(profile) == 0o600
    assert mode(routines) == 0o755


def test_an_existing_log_copy_is_tightened_when_appended_to(home: Path) -> None:
    copy = home / "session.jsonl"
    copy.write_text("")
    copy.chmod(0o644)
    store.SessionLog([copy]).close()
    assert mode(copy) == 0o600


@pytest.mark.parametrize("dangling", [False, True])
def test_a_link_planted_at_the_log_name_is_refused_and_its_target_untouched(home: Path, dangling: bool) -> None:
    target = home / "bashrc"
    if not dangling:
        target.write_text("export PATH\n")
    link = store.SessionLog.default_path("tennis-balls")
    link.symlink_to(target)
    with pytest.raises(StoreError) as e:
        store.SessionLog([link])
    message = str(e.value)
    assert str(link) in message and "symbolic link" in message and "fix: remove the link" in message
    assert message.count("\n") == 1   # one line, and one line of fix
    if dangling:
        assert not os.path.lexists(target)
    else:
        assert target.read_text() == "export PATH\n"


def test_a_refused_log_copy_leaves_no_empty_session_log_behind(home: Path) -> None:
    link = home / "copy.jsonl"
    link.symlink_to(home / "elsewhere")
    with pytest.raises(StoreError):
        store.SessionLog([store.SessionLog.default_path("tiny"), link])
    assert list(store.sessions_dir().iterdir()) == []


def test_a_pipe_nothing_reads_is_refused_not_waited_on(home: Path) -> None:
    fifo = home / "log.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(StoreError, match="a pipe that nothing reads"):
        store.SessionLog([fifo])


def test_a_device_is_written_as_it_is(home: Path) -> None:
    before = mode(Path("/dev/null"))
    log = store.SessionLog([Path("/dev/null")])
    log.write(0, "said", {"text": "hello"})
    log.close()
    assert mode(Path("/dev/null")) == before


@pytest.mark.skipif(os.geteuid() != 0, reason="planting a file of another user's needs root")
def test_a_file_of_another_user_is_refused(home: Path) -> None:
    """A file planted at a --log path in a shared folder, readable by the one who planted it."""
    planted = home / "shared.jsonl"
    planted.write_text("")
    planted.chmod(0o666)
    os.chown(planted, 65534, 65534)
    with pytest.raises(StoreError, match="belongs to another user") as e:
        store.SessionLog([planted])
    assert "fix: give --log the path of a file of your own" in str(e.value)
    assert planted.read_text() == "" and mode(planted) == 0o666


def test_open_private_refuses_a_link_even_to_a_file_of_ours(home: Path) -> None:
    ours = home / "ours.jsonl"
    ours.write_text("")
    link = home / "link.jsonl"
    link.symlink_to(ours)
    with pytest.raises(LinkRefused):
        open_private(link, append=True)
    with pytest.raises(LinkRefused):
        open_private(link, append=False)


def test_make_dirs_makes_every_missing_parent_0700_and_leaves_existing_ones(home: Path) -> None:
    home.chmod(0o755)
    make_dirs(home / "a" / "b" / "c")
    assert [mode(home / p) for p in ("a", "a/b", "a/b/c")] == [0o700] * 3
    assert mode(home) == 0o755


def test_recordings_are_0600_and_a_link_at_their_name_is_refused(home: Path) -> None:
    folder = home / "sound" / "today"
    rec = AudioRecorder(folder)
    rec.write(np.zeros(160, np.int16))
    rec.close()
    assert mode(folder / "mic.wav") == mode(folder / "played.wav") == 0o600
    assert mode(home / "sound") == mode(folder) == 0o700
    assert (folder / "mic.wav").stat().st_size == 44 + 320   # a whole WAV, closed
    other = home / "other"
    other.mkdir()
    target = home / "precious.txt"
    target.write_text("mine")
    (other / "played.wav").symlink_to(target)
    with pytest.raises(CoachError) as e:
        AudioRecorder(other)
    assert str(other / "played.wav") in str(e.value) and "symbolic link" in str(e.value)
    assert target.read_text() == "mine"


def test_a_resume_point_whose_log_is_a_link_gets_a_new_log_and_one_line(home: Path) -> None:
    """The resume point's ``log`` is where the session carries on writing: a link planted there
    (or a path anywhere else) is said in one line, left alone, and the session goes on in a new log."""
    target = home / "victim.txt"
    target.write_text("do not append here\n")
    link = store.sessions_dir() / "20260101-120000-tennis-balls.jsonl"
    link.symlink_to(target)
    store.save_resume(store.ResumePoint("tennis-balls", "", 1, 2, "self", str(link), 1.0))
    p = subprocess.run([*COACH, "resume", "--text", "--speed", "500"], input="", capture_output=True, text=True,
                       env=env_for(home), timeout=120)
    assert p.returncode == 0, p.stderr
    lines = [line for line in p.stderr.splitlines() if str(link) in line]
    assert len(lines) == 1 and "symbolic link" in lines[0] and "fix: remove the link" in lines[0], p.stderr
    assert target.read_text() == "do not append here\n"
    logs = [f for f in store.sessions_dir().iterdir() if not f.is_symlink()]
    assert len(logs) == 1 and "ended" in [r["type"] for r in records(logs[0])]
    assert mode(logs[0]) == 0o600


def test_a_resume_point_whose_log_is_outside_the_sessions_folder_is_left_alone(home: Path) -> None:
    elsewhere = home / ".profile"
    elsewhere.write_text("PATH=/bin\n")
    store.save_resume(store.ResumePoint("tennis-balls", "", 1, 2, "self", str(elsewhere), 1.0))
    p = subprocess.run([*COACH, "resume", "--text", "--speed", "500"], input="", capture_output=True, text=True,
                       env=env_for(home), timeout=120)
    assert p.returncode == 0, p.stderr
    assert elsewhere.read_text() == "PATH=/bin\n"
    assert "is not in the coach's sessions folder" in p.stderr
