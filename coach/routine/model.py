"""The routine model: the frozen data a session follows. A routine is only data; nothing in it is
ever executed.

:class:`Routine` holds its :class:`Step` s, and a step its :class:`Cue` s. Reading a file into this
model is :mod:`coach.routine.check` (the checks) and :mod:`coach.routine.library` (the files).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from coach.numbers import MAX_LEVEL, MIN_LEVEL

__all__ = ["LEVEL_NAMES", "MAX_LEVEL", "MIN_LEVEL", "Cue", "Role", "Routine", "Step"]

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

    @property
    def safety_fingerprint(self) -> str:
        """Changes whenever what the introduction says about safety changes (its notes, the cases
        in which to skip the routine, and what is needed)."""
        import hashlib

        text = "\n".join([*self.safety, "--", *self.contraindications, "--", *self.equipment])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def paced(self, pace: float) -> Routine:
        """The routine with every hold ``pace`` times as long: a timed step's seconds and its cues'
        moments, a counted step's seconds per repetition (the pace setting, WCAG 2.2.1)."""
        if pace == 1.0:
            return self
        steps = tuple(replace(s, seconds=s.seconds * pace, cues=tuple(replace(c, at=c.at * pace) for c in s.cues))
                      if s.seconds is not None else replace(s, pace=s.pace * pace) for s in self.steps)
        return replace(self, steps=steps)
