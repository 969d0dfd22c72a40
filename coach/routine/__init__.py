"""Routines: the data a session follows. A routine is only data; nothing in it is ever executed.

A routine is a TOML file in ``scripts/`` (see docs/routines.md for the format). The package has
one module per job, and this module names what they offer, so ``from coach.routine import ...``
is all other code needs:

- :mod:`coach.routine.model`: the frozen model (:class:`Routine`, :class:`Step`, :class:`Cue`);
- :mod:`coach.routine.check`: a file's text checked into the model, every :class:`Problem` listed
  as ``file:line: message`` (:func:`validate_text`);
- :mod:`coach.routine.library`: the files, read and found by id or path (:func:`validate_file`,
  :func:`load`, :func:`find`, :func:`scan`).

The imports form a line: ``numbers`` <- ``config`` <- ``routine`` (the level bounds live in
:mod:`coach.numbers`, which imports no other part of the coach).
"""

from __future__ import annotations

from coach.routine.check import (
    CUE_KEYS,
    MAX_COUNTDOWN,
    MAX_PACE,
    MAX_REPS,
    MAX_SECONDS,
    MIN_PACE,
    ROLES,
    STEP_KEYS,
    TOP_KEYS,
    WRONG_ROLE,
    KeyPath,
    Problem,
    validate_text,
)
from coach.routine.library import (
    ROLE_NAMES,
    available,
    builtin_dir,
    find,
    load,
    scan,
    user_dir,
    validate_file,
    wrong_role,
)
from coach.routine.model import LEVEL_NAMES, MAX_LEVEL, MIN_LEVEL, Cue, Role, Routine, Step

__all__ = [
    "CUE_KEYS", "LEVEL_NAMES", "MAX_COUNTDOWN", "MAX_LEVEL", "MAX_PACE", "MAX_REPS", "MAX_SECONDS", "MIN_LEVEL",
    "MIN_PACE", "ROLES", "ROLE_NAMES", "STEP_KEYS", "TOP_KEYS", "WRONG_ROLE", "Cue", "KeyPath", "Problem", "Role",
    "Routine", "Step", "available", "builtin_dir", "find", "load", "scan", "user_dir", "validate_file",
    "validate_text", "wrong_role",
]
