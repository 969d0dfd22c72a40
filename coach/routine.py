"""Routines: the data a session follows. A routine is only data; nothing in it is ever executed.

A routine is a TOML file in ``scripts/`` (see docs/routines.md for the format). This module
holds the frozen model; :func:`load` reads and validates a file into it and :func:`validate`
lists every problem as ``file:line: message``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

MIN_LEVEL = 1
MAX_LEVEL = 5
Role = Literal["self", "partner"]

#: Plain names for the pressure levels, spoken with the level number.
LEVEL_NAMES = {1: "very light", 2: "light", 3: "medium", 4: "firm", 5: "deep"}


@dataclass(frozen=True)
class Cue:
    """Something to say ``at`` seconds into a timed step (or before repetition ``at``)."""

    at: float
    say: str


@dataclass(frozen=True)
class Step:
    """One step of a routine: timed (``seconds``) or counted (``reps`` at ``pace`` seconds each)."""

    title: str
    say: str
    seconds: float | None = None
    reps: int | None = None
    pace: float = 2.0
    cues: tuple[Cue, ...] = ()
    pressure: bool = True
    #: what to say at each pressure level, as (level, words) pairs sorted by level
    levels: tuple[tuple[int, str], ...] = ()
    #: seconds counted down aloud at the end of a timed step (0: none)
    countdown: int = 0
    #: line of the step's ``[[steps]]`` header in its file (0 when built in code)
    line: int = 0

    @property
    def timed(self) -> bool:
        return self.seconds is not None

    @property
    def duration(self) -> float:
        """Seconds the step's timer or count runs (not counting the spoken instruction)."""
        if self.seconds is not None:
            return self.seconds
        return (self.reps or 0) * self.pace

    def level_cue(self, level: int) -> str:
        """The words for ``level``: its own, else the nearest level below that has words."""
        best = ""
        for n, words in self.levels:
            if n <= level:
                best = words
        return best or (self.levels[0][1] if self.levels else "")


@dataclass(frozen=True)
class Routine:
    """A whole routine, as loaded from one file."""

    id: str
    title: str
    description: str
    role: Role
    steps: tuple[Step, ...]
    start_level: int = 2
    max_level: int = 4
    language: str = "en"
    equipment: tuple[str, ...] = ()
    safety: tuple[str, ...] = ()
    contraindications: tuple[str, ...] = ()
    aftercare: tuple[str, ...] = ()
    #: preferred voice profile name, e.g. "calm" for routines done lying down
    voice: str | None = None
    path: Path | None = field(default=None, compare=False)

    @property
    def duration(self) -> float:
        return sum(s.duration for s in self.steps)
