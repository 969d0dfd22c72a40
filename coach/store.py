"""What the coach keeps between sessions: the session logs, the resume point and the profile.

Everything lives under the user data dir (``$COACH_DATA`` overrides it), owner-only: files 0600
in folders 0700, never written through a symbolic link (:mod:`coach.private`). Small files are
written atomically (a temporary file, fsync, rename, fsync of the folder), so a crash at any
point leaves either the old or the new version, never a broken one. The session log is JSON
lines, one event a line, flushed and synced as it happens.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

from coach.errors import StoreError
from coach.private import DIR_MODE, FILE_MODE, LinkRefused, make_dirs, open_private, own_dir, tighten, tighten_tree

#: the data folders tightened already in this process (by path: tests change COACH_DATA)
_tightened: set[Path] = set()


def data_dir() -> Path:
    """The user data dir (created 0700 on first use; what an older coach left there readable by
    others is made owner-only the first time a process uses it)."""
    if env := os.environ.get("COACH_DATA"):
        path = Path(env)
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir("coach"))
    try:
        make_dirs(path)
        if not path.is_dir():
            raise NotADirectoryError(20, "not a folder")
        tighten(path, DIR_MODE)
    except OSError as e:
        raise StoreError(f"{path}: cannot create the data folder: {e.strerror}",
                         "check its permissions, or set COACH_DATA to a writable folder") from e
    if path not in _tightened:
        _tightened.add(path)
        for name in PRIVATE_FOLDERS:
            tighten_tree(path / name)
        for f in path.glob("*.json*"):   # profile, resume point, copies, and their .broken
            tighten(f, FILE_MODE)
    return path


#: the folders under the data dir that hold what was said and heard, or learnt of a voice
PRIVATE_FOLDERS = ("sessions", "voice")


def sessions_dir() -> Path:
    """Where the session logs are kept (0700)."""
    return own_dir(data_dir() / "sessions")


def voice_dir() -> Path:
    """Where anything the coach learns of a voice is to be kept (0700; `coach forget` removes it)."""
    return own_dir(data_dir() / "voice")


def copies_path() -> Path:
    return data_dir() / "copies.json"


def remember_copies(paths: Iterable[Path]) -> None:
    """Note files the coach is about to write outside its data dir (``--log`` copies,
    ``--record-audio`` WAVs), so that `coach forget` finds them too."""
    known = copies()
    new = [p for p in (Path(os.path.abspath(p)) for p in paths) if p not in known]
    if new:
        write_atomic(copies_path(), json.dumps({"files": [str(p) for p in known + new]}, indent=1) + "\n")


def copies() -> list[Path]:
    """The files noted by :func:`remember_copies` (whether or not they are still there)."""
    files = (read_json(copies_path()) or {}).get("files")
    return [Path(f) for f in files if isinstance(f, str)] if isinstance(files, list) else []


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never half.

    The file is 0600 (mkstemp's mode) and the rename replaces a link at ``path`` rather than
    writing through it; missing folders are made 0700."""
    make_dirs(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from ``path``; None if it is missing or unreadable (a broken file is set aside)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            path.replace(path.with_suffix(path.suffix + ".broken"))
        return None
    return data if isinstance(data, dict) else None


# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResumePoint:
    """Where an interrupted session can carry on."""

    routine: str            # routine id
    path: str               # the routine file, so user routines resume too
    step: int
    level: int
    role: str
    log: str                # the session log it belongs to
    saved: float            # wall-clock time of the save (for "when" in messages)


#: 9999-12-31: the last time ``time.localtime`` shows on every platform
LAST_TIME = 253402214400.0


def resume_path() -> Path:
    return data_dir() / "resume.json"


def save_resume(point: ResumePoint) -> None:
    write_atomic(resume_path(), json.dumps(asdict(point), indent=1) + "\n")


def load_resume() -> ResumePoint | None:
    data = read_json(resume_path())
    if data is None:
        return None
    try:
        point = ResumePoint(routine=str(data["routine"]), path=str(data["path"]), step=int(data["step"]),
                            level=int(data["level"]), role=str(data["role"]), log=str(data["log"]),
                            saved=float(data["saved"]))
    except (KeyError, TypeError, ValueError, OverflowError):   # OverflowError: int(1e400)
        return None
    # a file spoilt by something else: a step before the first, a time no clock can show (NaN, the year 10000)
    return point if point.step >= 0 and 0 <= point.saved < LAST_TIME else None


def clear_resume() -> None:
    with contextlib.suppress(FileNotFoundError):
        resume_path().unlink()


# ---------------------------------------------------------------------------------------------


def profile_path() -> Path:
    return data_dir() / "profile.json"


def _recalled(table: str, routine_id: str) -> object:
    """What the profile keeps under ``table`` for ``routine_id`` (None: nothing, or a spoilt file)."""
    data = read_json(profile_path()) or {}
    entries = data.get(table, {})
    return entries.get(routine_id) if isinstance(entries, dict) else None


def _remember(table: str, routine_id: str, value: object) -> None:
    """Keep ``value`` in the profile under ``table`` for ``routine_id`` (written atomically)."""
    data = read_json(profile_path()) or {}
    entries = data.get(table) if isinstance(data.get(table), dict) else {}
    assert isinstance(entries, dict)
    entries[routine_id] = value
    data[table] = entries
    write_atomic(profile_path(), json.dumps(data, indent=1, sort_keys=True) + "\n")


def remembered_level(routine_id: str) -> int | None:
    """The last pressure level used in ``routine_id``, if any."""
    value = _recalled("levels", routine_id)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def remember_level(routine_id: str, level: int) -> None:
    _remember("levels", routine_id, level)


def safety_heard(routine_id: str) -> str | None:
    """The fingerprint of ``routine_id``'s safety notes as they were last heard in full, if ever."""
    value = _recalled("safety_heard", routine_id)
    return value if isinstance(value, str) else None


def remember_safety_heard(routine_id: str, fingerprint: str) -> None:
    _remember("safety_heard", routine_id, fingerprint)


def notes_short() -> bool | None:
    """Whether the user chose to hear the safety notes short once heard in full (True), or in full
    every time (False); None: not asked yet, or a spoilt file."""
    value = (read_json(profile_path()) or {}).get("safety_notes")
    return {"short": True, "full": False}.get(value) if isinstance(value, str) else None


def remember_notes_short(short: bool | None) -> None:
    """Keep the choice (None: forget it, so that the next full notes ask again)."""
    data = read_json(profile_path()) or {}
    if short is None:
        data.pop("safety_notes", None)
    else:
        data["safety_notes"] = "short" if short else "full"
    write_atomic(profile_path(), json.dumps(data, indent=1, sort_keys=True) + "\n")


def starting_level(routine_start: int, cap: int, remembered: int | None) -> int:
    """Where a session starts: the remembered level, but never more than one above the routine's
    start level and never above its cap."""
    if remembered is None:
        return min(routine_start, cap)
    return max(1, min(remembered, routine_start + 1, cap))


# ---------------------------------------------------------------------------------------------


class SessionLog:
    """JSON lines, one event a line, each with a monotonic ``t`` (seconds) and a ``type``.

    Every line is flushed and synced as it is written, so a killed process loses nothing it
    had logged. Writing never raises: a failing disk is reported once on ``warn``.
    """

    def __init__(self, paths: list[Path], warn: TextIO | None = None) -> None:
        self.paths = paths
        self._files: list[TextIO] = []
        self._warn = warn
        self._failed = False
        self._lock = threading.Lock()
        self._ended = False
        made: list[Path] = []   # removed again when a later path is refused: no session, no empty log
        for p in paths:
            try:
                make_dirs(p.parent)
                existed = os.path.lexists(p)
                self._files.append(os.fdopen(open_private(p, append=True), "a", encoding="utf-8"))
                if not existed:
                    made.append(p)
            except LinkRefused as e:
                self._abandon(made)
                fix = (f"remove the link (rm '{p}') and run again, or give --log another path"
                       if e.errno == errno.ELOOP else "give --log the path of a file of your own")
                raise StoreError(f"{p}: cannot write the session log: {e.strerror}", fix) from e
            except OSError as e:
                self._abandon(made)
                raise StoreError(f"{p}: cannot write the session log: {e.strerror}",
                                 "choose another --log path, or check the folder's permissions") from e

    def _abandon(self, made: list[Path]) -> None:
        self.close()
        for p in made:
            with contextlib.suppress(OSError):
                p.unlink()

    @staticmethod
    def default_path(routine_id: str) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return sessions_dir() / f"{stamp}-{routine_id}.jsonl"

    def write(self, t: float, type_: str, data: dict[str, Any]) -> None:
        """Append one record (any thread)."""
        line = json.dumps({"t": round(t, 3), "type": type_, **data}, ensure_ascii=False)
        with self._lock:
            if type_ == "native" and self._ended:
                return   # "ended" stays the last record (closing a lost device makes native lines)
            self._ended = self._ended or type_ == "ended"
            self._write(line)

    def _write(self, line: str) -> None:
        for f in self._files:
            try:
                f.write(line + "\n")
                f.flush()
                os.fsync(f.fileno())
            except (OSError, ValueError) as e:
                if not self._failed and self._warn is not None:
                    self._failed = True
                    print(f"coach: the session log could not be written ({e}); the session goes on",
                          file=self._warn)

    def close(self) -> None:
        for f in self._files:
            with contextlib.suppress(OSError):
                f.close()


def read_log(path: Path) -> list[dict[str, Any]]:
    """The records of a session log; a torn last line (from a crash) is skipped."""
    records: list[dict[str, Any]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return records
    for line in lines:
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if isinstance(r, dict):
            records.append(r)
    return records
