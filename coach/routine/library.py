"""The routine files: where they live, reading one (:func:`validate_file`, :func:`load`), and
finding one by id or path (:func:`scan`, :func:`available`, :func:`find`).

The built-in routines ship in ``scripts/``; a user's own, in their data folder, replace a built-in
one with the same id. What is wrong with a file is told by :mod:`coach.routine.check`.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from pathlib import Path

from coach.config import ROOT
from coach.errors import CoachError, RoutineError
from coach.paths import expand
from coach.routine.check import Problem, validate_text
from coach.routine.model import Routine
from coach.tomlsource import TomlProblem, read_bounded


def validate_file(path: Path) -> tuple[Routine | None, list[Problem]]:
    """Read and check one routine file. Missing, unreadable or non-UTF-8 files are problems too."""
    path = Path(path)
    try:
        raw = read_bounded(path)
    except TomlProblem as e:
        return None, [Problem(path, e.line, f"{e.message}; {e.fix}")]
    except FileNotFoundError:
        return None, [Problem(path, 1, "no such file; check the name and the folder")]
    except IsADirectoryError:
        return None, [Problem(path, 1, "this is a folder, not a routine file; give the path of a .toml file")]
    except (OSError, ValueError) as e:   # ValueError: a NUL in the path
        return None, [Problem(path, 1, f"cannot read the file: {getattr(e, 'strerror', None) or e}; check that it "
                                       "exists and that you may read it")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        return None, [Problem(path, line, f"not UTF-8 text (byte 0x{raw[e.start]:02x} cannot be read); "
                                          "save the file with UTF-8 encoding")]
    if text.startswith("\ufeff"):
        text = text[1:]
    return validate_text(text, path)


def _error(path: Path, problems: Sequence[Problem]) -> RoutineError:
    listed = "\n".join(f"  {p}" for p in problems)
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    return RoutineError(f"{path}: the routine cannot be used ({count}):\n{listed}",
                        f"run `coach validate {path}` after fixing, to check it")


def load(path: Path) -> Routine:
    """The routine in ``path``; a :class:`RoutineError` listing every problem if it is not valid."""
    routine, problems = validate_file(Path(path))
    if routine is None:
        raise _error(Path(path), problems)
    return routine


def builtin_dir() -> Path:
    """The routines that ship with the coach."""
    return ROOT / "scripts"


def user_dir() -> Path:
    """The user's own routines (``$COACH_ROUTINES`` overrides)."""
    if env := os.environ.get("COACH_ROUTINES"):
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("coach")) / "routines"


def _files() -> list[Path]:
    """Routine files by id; a user's file replaces a built-in one with the same id."""
    by_id: dict[str, Path] = {}
    for folder in (builtin_dir(), user_dir()):
        try:
            files = sorted(folder.glob("*.toml")) if folder.is_dir() else []
        except OSError:
            files = []
        for f in files:
            by_id[f.stem] = f
    return [by_id[k] for k in sorted(by_id)]


def scan() -> tuple[list[Routine], list[tuple[Path, list[Problem]]]]:
    """Every routine that loads, and every routine file that does not (with its problems), by id."""
    good: list[Routine] = []
    broken: list[tuple[Path, list[Problem]]] = []
    for f in _files():
        routine, problems = validate_file(f)
        if routine is not None:
            good.append(routine)
        else:
            broken.append((f, problems))
    return good, broken


def available() -> list[Routine]:
    """The built-in and user routines that load, sorted by id (broken files are left out)."""
    return scan()[0]


def find(name_or_path: str) -> Routine:
    """A routine by id (see :func:`available`) or by the path of a ``.toml`` file."""
    if name_or_path.endswith(".toml") or "/" in name_or_path or os.sep in name_or_path:
        return load(expand(name_or_path, "the routine"))
    files = {f.stem: f for f in _files()}
    if name_or_path in files:
        return load(files[name_or_path])
    ids = sorted(files)
    close = difflib.get_close_matches(name_or_path, ids, n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'? " if close else ""
    listing = ", ".join(ids) if ids else "none found"
    raise RoutineError(f"no routine called '{name_or_path}'. Available routines: {listing}",
                       f"{hint}run `coach list` to hear the routines, or give the path of a .toml file")


#: who a routine of each role is spoken to
ROLE_NAMES = {"self": "someone massaging themselves", "partner": "someone massaging a partner"}


def wrong_role(routine: Routine, asked: str) -> CoachError:
    """The error for running ``routine`` with ``--role asked``, which is not the role its lines are
    written for (they would speak to the wrong person): names the routines written for that role."""
    where = f" in {routine.path}" if routine.path else ""
    other = [r.id for r in available() if r.role != routine.role]
    kind = "yourself" if routine.role == "partner" else "a partner"
    fix = "run it without --role" + (f", or pick a routine for {kind}: {', '.join(other)}" if other else "")
    return CoachError(f"{routine.id} is written for {ROLE_NAMES[routine.role]} (role = \"{routine.role}\"{where}); "
                      f"--role {asked} would have its lines speak to the wrong person", fix)
