"""Issue 36, point 3: `coach forget` removes everything the coach keeps of a person, and keeps nothing.

On a fresh HOME: a real text session (its log, a --log copy, the profile, a resume point), a
recording and voice data are made, then forgotten; afterwards nothing of them is left anywhere
under HOME or where the copies were, while the person's own routines stay.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from coach import store
from coach.listen.capture.recording import AudioRecorder
from coach.tasks.forget import forget, kept, typed_yes

COACH = [sys.executable, "-m", "coach"]


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("COACH_DATA", "COACH_CONFIG", "COACH_ROUTINES", "XDG_DATA_HOME", "XDG_CONFIG_HOME",
                 "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(name, raising=False)
    yield home


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "COACH_", "PULSE_"))}
    # no sound server: the question is asked as text alone
    return {**env, "HOME": str(home), "NO_COLOR": "1", "PULSE_SERVER": "unix:/nonexistent"}


def files_under(folder: Path) -> set[Path]:
    return {Path(d) / f for d, _, fs in os.walk(folder) for f in fs}


def make_everything(home: Path, tmp_path: Path) -> tuple[Path, Path, Path]:
    """A person's data: an interrupted text session with a --log copy, a recording, voice data and a
    routine of their own. Returns the copy, the recording folder and the routine."""
    copy = tmp_path / "elsewhere" / "copy.jsonl"
    p = subprocess.run([*COACH, "run", "tennis-balls", "--text", "--speed", "200", "--fresh", "--log", str(copy)],
                       input="h\n@30 x\n@31 x\n", capture_output=True, text=True, env=env_for(home), timeout=120)
    assert p.returncode == 0, p.stderr
    data = home / ".local" / "share" / "coach"
    assert (data / "resume.json").exists() and (data / "profile.json").exists() and copy.exists()
    sound = tmp_path / "sound"
    store.remember_copies([sound / "mic.wav", sound / "played.wav"])
    rec = AudioRecorder(sound)
    rec.write(np.zeros(160, np.int16))
    rec.close()
    (store.voice_dir() / "enrolled.npy").write_bytes(b"\x93NUMPY")
    routine = store.data_dir() / "routines" / "mine.toml"
    routine.parent.mkdir()
    routine.write_text("title = 'mine'\n")
    return copy, sound, routine


def test_forget_removes_everything_and_keeps_nothing(home: Path, tmp_path: Path) -> None:
    copy, sound, routine = make_everything(home, tmp_path)
    asked: list[Sequence[Path]] = []

    def confirm(paths: Sequence[Path]) -> bool:
        asked.append(paths)
        return True

    out = io.StringIO()
    assert forget(confirm, out) == 0
    data = home / ".local" / "share" / "coach"
    assert files_under(home) == {routine}, "only the person's own routine is left"
    assert not copy.exists() and not sound.exists()
    assert copy.parent.is_dir(), "a folder the person named is left, emptied of the copy"
    text = out.getvalue()
    for gone in (data / "sessions", data / "profile.json", data / "resume.json", data / "voice", copy,
                 sound / "mic.wav", sound / "played.wav"):
        assert gone in asked[0] and f"removed {gone}\n" in text
    assert text.endswith("The coach now keeps nothing of you.\n")
    assert kept() == []


def test_no_removes_nothing(home: Path, tmp_path: Path) -> None:
    make_everything(home, tmp_path)
    before = files_under(home) | files_under(tmp_path)
    out = io.StringIO()
    assert forget(lambda paths: False, out) == 0
    assert files_under(home) | files_under(tmp_path) == before
    assert out.getvalue().endswith("Nothing was removed.\n")


def test_a_link_at_a_copy_name_is_not_followed(home: Path, tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("mine")
    link = tmp_path / "copy.jsonl"
    store.remember_copies([link])
    link.symlink_to(precious)
    forget(lambda paths: True, io.StringIO())
    assert precious.read_text() == "mine" and link.is_symlink()


@pytest.mark.parametrize(("typed", "yes"), [("y\n", True), ("YES\n", True), ("n\n", False), ("\n", False),
                                            ("", False), ("yes please\n", False)])
def test_typed_answer(typed: str, yes: bool) -> None:
    out = io.StringIO()
    assert typed_yes(io.StringIO(typed), out) is yes
    assert out.getvalue() == "Remove all of it? [y/N] \n"


@pytest.mark.parametrize(("argv", "typed", "removed"), [([], "n\n", False), ([], "y\n", True), (["--yes"], "", True)])
def test_the_command_asks_and_answers_as_typed(home: Path, tmp_path: Path, argv: list[str], typed: str,
                                               removed: bool) -> None:
    (store.sessions_dir() / "20260101-120000-swedish.jsonl").write_text('{"t": 0, "type": "heard"}\n')
    p = subprocess.run([*COACH, "forget", *argv], input=typed, capture_output=True, text=True, env=env_for(home),
                       timeout=60)
    assert p.returncode == 0, p.stderr
    assert ("Shall I remove everything" in p.stdout) is (not argv)
    assert (store.data_dir() / "sessions").exists() is (not removed)
    p = subprocess.run([*COACH, "forget", "--yes"], capture_output=True, text=True, env=env_for(home), timeout=60)
    assert "keeps nothing of you" in p.stdout
