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
import fcntl
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

from coach.errors import StoreError
from coach.private import (
    DIR_MODE,
    FILE_MODE,
    keep_aside,
    make_dirs,
    own_dir,
    tighten,
    tighten_tree,
    write_replacing,
)
from coach.sessionlog import SessionLog as SessionLog  # re-exported: the session log, once here
from coach.sessionlog import read_log as read_log
from coach.terminal import printable, printable_lines

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
    """Where the session logs are kept (0700). :class:`StoreError` when something else is there."""
    path = data_dir() / "sessions"
    try:
        own_dir(path)
        if not path.is_dir() or path.is_symlink():
            raise NotADirectoryError(errno.ENOTDIR, "it is not a folder")
    except OSError as e:
        raise StoreError(f"{path}: the coach keeps its session logs in this folder, and cannot use it: "
                         f"{e.strerror or e}",
                         f"move what is there out of the way (mv '{path}' '{path}.old'), or set COACH_DATA to "
                         "another folder") from e
    return path


def voice_dir() -> Path:
    """Where anything the coach learns of a voice is to be kept (0700; `coach forget` removes it)."""
    return own_dir(data_dir() / "voice")


def copies_path() -> Path:
    return data_dir() / "copies.json"


def remember_copies(paths: Iterable[Path]) -> None:
    """Note files the coach is about to write outside its data dir (``--log`` copies,
    ``--record-audio`` WAVs), so that `coach forget` finds them too. A note that cannot be
    written (a full disk) is said once; the session goes on."""
    try:
        with updating():
            known = copies()
            new = [p for p in (Path(os.path.abspath(p)) for p in paths) if p not in known]
            if new:
                _write_over(copies_path(), json.dumps({"files": [str(p) for p in known + new]}, indent=1) + "\n")
    except (OSError, StoreError) as e:
        tell_once("copies", f"coach: could not note {', '.join(str(p) for p in paths)} in {copies_path()} ({e}), so "
                            "`coach forget` will not find it; the session goes on")


def copies() -> list[Path]:
    """The files noted by :func:`remember_copies` (whether or not they are still there)."""
    files = (_read_quietly(copies_path()) or {}).get("files")
    return [Path(f) for f in files if isinstance(f, str)] if isinstance(files, list) else []


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never half.

    The file is 0600 and the rename replaces a link at ``path`` rather than writing through it;
    missing folders are made 0700 (:func:`coach.private.write_replacing`)."""
    write_replacing(path, text.encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# reading what the coach wrote: a damaged file is reported, and kept


class Damaged(StoreError):
    """A file the coach keeps (the resume point, the profile) is there but cannot be used."""

    def __init__(self, path: Path, why: str, unreadable: bool = False) -> None:
        what = "cannot be read" if unreadable else "is damaged"
        fix = (f"check its owner and permissions (ls -l '{path}')" if unreadable else
               f"nothing to do: the coach starts it again, and keeps the damaged one beside it as {path.name}.broken.N")
        super().__init__(f"{path} {what} ({why})", fix)
        self.path, self.why, self.unreadable = path, why, unreadable


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from ``path``; None if it is missing. :class:`Damaged` when it is there but is
    no JSON object, or cannot be read. Reading never moves, renames or changes anything."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as e:
        raise Damaged(path, "it is not text") from e
    except OSError as e:
        if e.errno == errno.ENOTDIR:   # a file where a folder on its way should be: nothing there
            return None
        raise Damaged(path, str(e.strerror or e), unreadable=e.errno in (errno.EACCES, errno.EPERM)) from e
    try:
        data = json.loads(text)
    except ValueError as e:
        raise Damaged(path, "it is not the JSON the coach wrote") from e
    if not isinstance(data, dict):
        raise Damaged(path, "it holds no JSON object")
    return data


#: what was said already in this process: each fault is told once, not at every step
_told: set[str] = set()


def tell_once(key: str, line: str, err: TextIO | None = None) -> bool:
    """Print ``line`` on ``err`` (stderr) the first time ``key`` comes; whether it was printed."""
    if key in _told:
        return False
    _told.add(key)
    print(printable_lines(line), file=err or sys.stderr, flush=True)
    return True


def _cause(e: BaseException) -> BaseException:
    return e.__cause__ if isinstance(e, StoreError) and isinstance(e.__cause__, OSError) else e


def fault_kind(e: BaseException) -> str:
    """What kind of fault ``e`` is (its errno, or its class): a warning is said once per kind."""
    cause = _cause(e)
    return str(getattr(cause, "errno", None) or type(cause).__name__)


def fault_words(e: BaseException) -> str:
    """``e`` in a few words: "No space left on device" (the OSError behind a StoreError)."""
    cause = _cause(e)
    if isinstance(cause, OSError):
        return str(cause.strerror or cause)
    return cause.message if isinstance(cause, StoreError) else str(cause)


def fix_line(e: BaseException) -> str:
    """A StoreError's fix as a line of its own ("" when there is none)."""
    return f"\n  fix: {e.fix}" if isinstance(e, StoreError) and e.fix else ""


def _read_quietly(path: Path) -> dict[str, Any] | None:
    """:func:`read_json`, a damaged or unreadable file told once on stderr and taken as empty
    (None). For readers: nothing is moved."""
    try:
        return read_json(path)
    except Damaged as e:
        tell_once(f"damaged {path}", f"coach: {e.message}; it is left as it is\n  fix: {e.fix}")
        return None


def _write_over(path: Path, text: str) -> None:
    """Replace a file the coach keeps; one that is there damaged is first kept as ``NAME.broken.N``
    (and said), one that cannot be read is left alone: :class:`Damaged` (it may not be ours)."""
    try:
        read_json(path)
    except Damaged as e:
        if e.unreadable:
            raise
        with contextlib.suppress(FileNotFoundError):
            kept = keep_aside(path)
            tell_once(f"kept {kept}", f"coach: {path} was damaged ({e.why}); it is kept as {kept.name}, and a "
                                      "new one is written")
    write_atomic(path, text)


@contextlib.contextmanager
def _writing(what: str) -> Iterator[None]:
    """An OSError while ``what`` is written becomes a :class:`StoreError` with a fix."""
    try:
        yield
    except OSError as e:
        folder = data_dir()
        raise StoreError(f"{folder}: could not save {what}: {e.strerror or e}",
                         f"make room on that disk or make it writable (df -h '{folder}'; ls -ld '{folder}'), or set "
                         "COACH_DATA to a folder you can write to") from e


@contextlib.contextmanager
def updating() -> Iterator[None]:
    """Hold the store's lock while a file is read, changed and written back, so that two
    processes (a session ending, `coach notes`) never lose each other's change."""
    path = data_dir() / "store.lock"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE)
    except OSError:   # a read-only folder: nothing can be written, and the write says so
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)   # lets go of the lock


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


def _point(data: object) -> ResumePoint | None:
    """A resume point from its JSON form; None when a field is missing or holds what no session saves."""
    if not isinstance(data, dict):
        return None
    try:
        point = ResumePoint(routine=str(data["routine"]), path=str(data["path"]), step=int(data["step"]),
                            level=int(data["level"]), role=str(data["role"]), log=str(data["log"]),
                            saved=float(data["saved"]))
    except (KeyError, TypeError, ValueError, OverflowError):   # OverflowError: int(1e400)
        return None
    # a file spoilt by something else: a step before the first, a time no clock can show (NaN, the year 10000)
    return point if point.step >= 0 and 0 <= point.saved < LAST_TIME else None


def _points(data: dict[str, Any] | None) -> dict[str, Any]:
    """The resume points of the file's contents, one per routine (raw); the old form held one."""
    if data is None:
        return {}
    if "routine" in data and "points" not in data:   # written by a coach before one point per routine
        return {str(data["routine"]): data}
    points = data.get("points")
    return dict(points) if isinstance(points, dict) else {}


def resume_points() -> dict[str, ResumePoint]:
    """The interrupted sessions, one per routine. :class:`Damaged` when the file is; a point in it
    that no session could have saved is told once on stderr and left out."""
    points: dict[str, ResumePoint] = {}
    for routine, raw in _points(read_json(resume_path())).items():
        point = _point(raw)
        if point is None or point.routine != routine:
            tell_once(f"damaged point {routine}", printable(
                f"coach: {resume_path()}: the place kept for {routine[:80]} is damaged, so it is left out (the file "
                "is kept as resume.json.broken.N when a session next saves its place)"))
            continue
        points[routine] = point
    return points


def save_resume(point: ResumePoint) -> None:
    """Keep ``point`` as its routine's place to carry on; the other routines' places stay."""
    with _writing("the resume point"), updating():
        try:
            raw = _points(read_json(resume_path()))
        except Damaged as e:
            if e.unreadable:
                raise
            raw = {}   # (set aside by the write below, and said)
        bad = [r for r, v in raw.items() if (p := _point(v)) is None or p.routine != r]
        if bad:   # damaged places: the file as it was is kept, and the rest written without them
            with contextlib.suppress(FileNotFoundError):
                kept = keep_aside(resume_path())
                which = ", ".join(bad)[:200]
                tell_once(f"kept {kept}", printable(f"coach: {resume_path()} held damaged places ({which}); it is "
                                                    f"kept as {kept.name}, and a new one is written"))
            for r in bad:
                del raw[r]
        raw[point.routine] = asdict(point)
        _write_over(resume_path(), json.dumps({"points": raw}, indent=1, sort_keys=True) + "\n")


def load_resume(routine: str | None = None) -> ResumePoint | None:
    """The place ``routine``'s interrupted session stopped at; with no routine, the most recent
    interrupted session's. :class:`Damaged` when the file is."""
    points = resume_points()
    if routine is not None:
        return points.get(routine)
    return max(points.values(), key=lambda p: p.saved, default=None)


def clear_resume(routine: str | None = None) -> None:
    """Forget ``routine``'s place (it was finished); with no routine, every place."""
    with _writing("the resume point"), updating():
        if routine is None:
            with contextlib.suppress(FileNotFoundError):
                resume_path().unlink()
            return
        try:
            raw = _points(read_json(resume_path()))
        except Damaged:
            return   # nothing of it to forget; the damaged file is kept for the next save to set aside
        if routine not in raw:
            return
        del raw[routine]
        if raw:
            write_atomic(resume_path(), json.dumps({"points": raw}, indent=1, sort_keys=True) + "\n")
        else:
            with contextlib.suppress(FileNotFoundError):
                resume_path().unlink()


# ---------------------------------------------------------------------------------------------


def profile_path() -> Path:
    return data_dir() / "profile.json"


def _recalled(table: str, routine_id: str) -> object:
    """What the profile keeps under ``table`` for ``routine_id`` (None: nothing, or a damaged file)."""
    data = _read_quietly(profile_path()) or {}
    entries = data.get(table, {})
    return entries.get(routine_id) if isinstance(entries, dict) else None


def update_profile(change: Callable[[dict[str, Any]], None]) -> None:
    """Read the profile, ``change`` it and write it back, under the store's lock: a `coach notes`
    and a session ending at the same moment both keep their change. A damaged profile is kept as
    ``profile.json.broken.N`` and started again; one that cannot be read is :class:`Damaged`."""
    with _writing("your profile"), updating():
        try:
            data = read_json(profile_path()) or {}
        except Damaged as e:
            if e.unreadable:
                raise
            data = {}
        change(data)
        _write_over(profile_path(), json.dumps(data, indent=1, sort_keys=True) + "\n")


def _remember(table: str, routine_id: str, value: object) -> None:
    """Keep ``value`` in the profile under ``table`` for ``routine_id``."""

    def change(data: dict[str, Any]) -> None:
        entries = data.get(table) if isinstance(data.get(table), dict) else {}
        assert isinstance(entries, dict)
        entries[routine_id] = value
        data[table] = entries

    update_profile(change)


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
    every time (False); None: not asked yet, or a damaged file."""
    value = (_read_quietly(profile_path()) or {}).get("safety_notes")
    return {"short": True, "full": False}.get(value) if isinstance(value, str) else None


def remember_notes_short(short: bool | None) -> None:
    """Keep the choice (None: forget it, so that the next full notes ask again)."""

    def change(data: dict[str, Any]) -> None:
        if short is None:
            data.pop("safety_notes", None)
        else:
            data["safety_notes"] = "short" if short else "full"

    update_profile(change)


def starting_level(routine_start: int, cap: int, remembered: int | None) -> int:
    """Where a session starts: the remembered level, but never more than one above the routine's
    start level and never above its cap."""
    if remembered is None:
        return min(routine_start, cap)
    return max(1, min(remembered, routine_start + 1, cap))
