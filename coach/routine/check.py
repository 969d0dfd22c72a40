"""Checking a routine file's text, field by field, into a :class:`~coach.routine.model.Routine`.

A routine file is parsed with tomllib and then checked field by field; every problem is collected
(never just the first) with the line it stands on, as a :class:`Problem` (``file:line: message``).
Nothing from the file is ever evaluated: values are only compared and copied.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coach.commands import languages
from coach.config import voice_fix, voice_problem
from coach.numbers import MAX_LEVEL, MIN_LEVEL
from coach.routine.model import Cue, Routine, Step
from coach.terminal import unsafe
from coach.tomlsource import TomlProblem, key_lines, line_of, parse


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a routine file, at ``path:line``."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


ROLES: tuple[str, ...] = ("self", "partner")
MAX_SECONDS = 1800
MAX_REPS = 200
MIN_PACE, MAX_PACE = 0.5, 30.0
MAX_COUNTDOWN = 10
#: The longest text a routine may give one line (characters). The built-in routines' longest is 270
#: (thumb-kneading's first step, three sentences, about 20 s of speech); 1000 leaves ample room, a
#: minute or more of speech, and a 100 KB line (issue 37: `coach render` asked onnxruntime for 230 GB)
#: is refused at its file:line. Synthesis splits long text too (coach.speech.synth.chunks).
MAX_TEXT = 1000

#: Words that do not fit a role, and why: a routine for yourself is spoken to the one massaged, one
#: for a partner to the one giving the massage (issue 18: `--role self` on swedish said "ask your
#: partner").
WRONG_ROLE: dict[str, tuple[tuple[str, ...], str]] = {
    "self": (("partner", "partner's", "giver", "receiver"),
             "this routine is spoken to someone massaging themselves; write it for them, or make it "
             "role = \"partner\""),
    "partner": (("yourself", "your back", "your spine", "your lower back", "lie on your", "roll onto your"),
                "this routine is spoken to the one giving the massage, so it is their partner's back; "
                "write \"your partner's back\" or \"their back\", or make it role = \"self\""),
}
_TEXT_LISTS = ("equipment", "safety", "contraindications", "aftercare")
TOP_KEYS: tuple[str, ...] = (
    "title", "description", "role", "language", "voice", "start_level", "max_level",
    *_TEXT_LISTS, "steps",
)
STEP_KEYS: tuple[str, ...] = (
    "title", "say", "seconds", "countdown", "reps", "pace", "pressure", "levels", "cues",
)
CUE_KEYS: tuple[str, ...] = ("at", "say")

KeyPath = tuple[str | int, ...]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _kind(value: object) -> str:
    """A plain name for the type of a TOML value, for messages."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number with a decimal point"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return "a date or time"


def _num(value: float) -> str:
    """``60.0`` -> ``60``, ``2.5`` -> ``2.5``."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


class _Checker:
    def __init__(self, text: str, path: Path) -> None:
        self.path = path
        self.lines = key_lines(text)
        self.problems: list[Problem] = []

    def line(self, where: KeyPath) -> int:
        return line_of(self.lines, where)

    def add(self, where: KeyPath, message: str) -> None:
        self.problems.append(Problem(self.path, self.line(where), message))

    # -- generic checks -------------------------------------------------------------------

    def unknown_keys(self, table: dict[str, Any], allowed: Sequence[str], where: KeyPath, what: str) -> None:
        for key in table:
            if key in allowed:
                continue
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ";"
            self.add((*where, key), f"unknown key '{key}' {what}{hint} allowed keys are {', '.join(allowed)}")

    def text(self, table: dict[str, Any], key: str, where: KeyPath, required: bool, what: str = "") -> str | None:
        at = f" {what}" if what else ""
        if key not in table:
            if required:
                self.add(where, f"missing '{key}'{at}: it is required and must be non-empty text")
            return None
        value = table[key]
        if not isinstance(value, str):
            self.add((*where, key), f"'{key}'{at} must be text in quotes, not {_kind(value)}")
            return None
        if not value.strip():
            self.add((*where, key), f"'{key}'{at} is empty: write some words between the quotes")
            return None
        return value.strip()

    def texts(self, table: dict[str, Any], key: str, where: KeyPath) -> tuple[str, ...]:
        if key not in table:
            return ()
        value = table[key]
        if not isinstance(value, list):
            self.add((*where, key), f"'{key}' must be a list of text, like {key} = [\"...\", \"...\"], "
                                    f"not {_kind(value)}")
            return ()
        found: list[str] = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.add((*where, key), f"'{key}' item {i + 1} must be text in quotes, not {_kind(item)}")
            elif not item.strip():
                self.add((*where, key), f"'{key}' item {i + 1} is empty: write some words or remove it")
            else:
                found.append(item.strip())
        return tuple(found)

    def level(self, table: dict[str, Any], key: str) -> int | None:
        if key not in table:
            self.add((), f"missing '{key}': it is required, a whole number from {MIN_LEVEL} to {MAX_LEVEL}")
            return None
        value = table[key]
        if not _is_int(value):
            self.add((key,), f"'{key}' must be a whole number from {MIN_LEVEL} to {MAX_LEVEL}, not {_kind(value)}")
            return None
        if not MIN_LEVEL <= value <= MAX_LEVEL:
            self.add((key,), f"'{key}' is {value}: it must be from {MIN_LEVEL} to {MAX_LEVEL}")
            return None
        result: int = value
        return result

    def number(self, table: dict[str, Any], key: str, where: KeyPath, what: str,
               whole: bool, low: float, high: float, low_open: bool = False) -> float | None:
        """A number in ``low..high`` (``low`` excluded when ``low_open``); None (with a problem) if not."""
        value = table[key]
        allowed = f"{'a whole number' if whole else 'a number'} " + (
            f"above {_num(low)} and at most {_num(high)}" if low_open else f"from {_num(low)} to {_num(high)}")
        if not (_is_int(value) if whole else _is_number(value)):
            self.add((*where, key), f"'{key}' {what} must be {allowed}, not {_kind(value)}")
            return None
        ok = (low < value <= high) if low_open else (low <= value <= high)
        if not ok:
            self.add((*where, key), f"'{key}' {what} is {value}: it must be {allowed}")
            return None
        result: float = value
        return result

    # -- the routine ----------------------------------------------------------------------

    def routine(self, data: dict[str, Any]) -> Routine | None:
        self.unknown_keys(data, TOP_KEYS, (), "at the top of the file")
        title = self.text(data, "title", (), required=True)
        description = self.text(data, "description", (), required=True)

        role: str | None = None
        if "role" not in data:
            self.add((), "missing 'role': it is required; use role = \"self\" or role = \"partner\"")
        elif not isinstance(data["role"], str) or data["role"] not in ROLES:
            self.add(("role",), f"'role' is {data['role']!r}: use \"self\" (you massage yourself) "
                                "or \"partner\" (the coach speaks to the person giving the massage)")
        else:
            role = data["role"]

        language = "en"
        if "language" in data:
            known = languages()
            value = data["language"]
            if not isinstance(value, str) or value not in known:
                self.add(("language",), f"'language' is {value!r}: it must be one of "
                                        f"{', '.join(repr(k) for k in known)}")
            else:
                language = value
        voice = self.text(data, "voice", (), required=False)
        if voice is not None and (why := voice_problem(voice)) is not None:
            self.add(("voice",), f"'voice' is {voice!r}: {why}; {voice_fix()}")

        start = self.level(data, "start_level")
        top = self.level(data, "max_level")
        if start is not None and top is not None and start > top:
            self.add(("start_level",), f"'start_level' is {start} but 'max_level' is {top}: "
                                       "the start level must not be above the maximum")
        lists = {key: self.texts(data, key, ()) for key in _TEXT_LISTS}

        steps = self.steps(data, top)
        if role is not None:
            self.role_words(data, role)
        self.controls(data)
        self.lengths(data)
        if (self.problems or title is None or description is None or role is None or start is None
                or top is None or steps is None):
            return None
        return Routine(
            id=self.path.stem, title=title, description=description,
            role="self" if role == "self" else "partner", steps=steps,
            start_level=start, max_level=top, language=language,
            equipment=lists["equipment"], safety=lists["safety"],
            contraindications=lists["contraindications"], aftercare=lists["aftercare"],
            voice=voice, path=self.path,
        )

    def role_words(self, data: Any, role: str, where: KeyPath = ()) -> None:
        """Every text the routine speaks must fit its role: a routine for yourself names no partner,
        and one for a partner speaks to the giver, not of "your back" (see ``WRONG_ROLE``)."""
        if isinstance(data, dict):
            for key, value in data.items():
                if key not in ("role", "language", "voice"):
                    self.role_words(value, role, (*where, key))
        elif isinstance(data, list):
            for i, value in enumerate(data):
                self.role_words(value, role, (*where, i))
        elif isinstance(data, str):
            words, why = WRONG_ROLE[role]
            found = next((w for w in words if re.search(rf"\b{w}\b", data, re.IGNORECASE)), None)
            if found is not None:
                name = ".".join(str(k + 1 if isinstance(k, int) else k) for k in where)
                self.add(where, f"{name} says {found!r}, but role = \"{role}\": {why}")

    def controls(self, data: dict[str, Any]) -> None:
        """No key or text may hold a control or bidi character (issue 36): printed, it would act on
        the terminal (retitle it, clear it, overwrite a line) or reverse or hide words, on the
        screen a screen reader is reading."""
        for where, named in unsafe(data):
            name = ".".join(str(k + 1 if isinstance(k, int) else k) for k in where) or "the file"
            self.add(where, f"{name} holds {named}: a character that acts on the terminal or hides text "
                            "instead of being shown; remove it")

    def lengths(self, data: Any, where: KeyPath = ()) -> None:
        """No text longer than :data:`MAX_TEXT`: one line is said at a time."""
        if isinstance(data, dict):
            for key, value in data.items():
                self.lengths(value, (*where, key))
        elif isinstance(data, list):
            for i, value in enumerate(data):
                self.lengths(value, (*where, i))
        elif isinstance(data, str) and len(data) > MAX_TEXT:
            name = ".".join(str(k + 1 if isinstance(k, int) else k) for k in where) or "the file"
            self.add(where, f"{name} is {len(data)} characters long, and a line may be at most {MAX_TEXT}: split "
                            "it into shorter lines (cues, or the next step)")

    def steps(self, data: dict[str, Any], top: int | None) -> tuple[Step, ...] | None:
        if "steps" not in data:
            self.add((), "missing steps: add at least one [[steps]] table with a title, say, and seconds or reps")
            return None
        value = data["steps"]
        if not isinstance(value, list) or not all(isinstance(s, dict) for s in value):
            self.add(("steps",), "'steps' must be a list of tables: write each step under its own [[steps]] header")
            return None
        if not value:
            self.add(("steps",), "'steps' is empty: a routine needs at least one step")
            return None
        steps = [self.step(s, i, top) for i, s in enumerate(value)]
        if any(s is None for s in steps):
            return None
        return tuple(s for s in steps if s is not None)

    def step(self, table: dict[str, Any], i: int, top: int | None) -> Step | None:
        where: KeyPath = ("steps", i)
        name = f"in step {i + 1}"
        before = len(self.problems)
        self.unknown_keys(table, STEP_KEYS, where, name)
        title = self.text(table, "title", where, required=True, what=name)
        say = self.text(table, "say", where, required=True, what=name)

        seconds: float | None = None
        reps: int | None = None
        if "seconds" in table and "reps" in table:
            self.add((*where, "reps"), f"step {i + 1} has both 'seconds' and 'reps': "
                                       "use seconds for a timed step or reps for a counted step, not both")
        elif "seconds" not in table and "reps" not in table:
            self.add(where, f"step {i + 1} needs 'seconds' (a timed step) or 'reps' (a counted step)")
        if "seconds" in table:
            seconds = self.number(table, "seconds", where, name, whole=False, low=0, high=MAX_SECONDS,
                                  low_open=True)
        if "reps" in table:
            got = self.number(table, "reps", where, name, whole=True, low=1, high=MAX_REPS)
            reps = int(got) if got is not None else None

        pace = 2.0
        if "pace" in table:
            if "reps" not in table:
                self.add((*where, "pace"), f"'pace' {name} only applies to counted steps: "
                                           "remove it, or use reps instead of seconds")
            else:
                got = self.number(table, "pace", where, name, whole=False, low=MIN_PACE, high=MAX_PACE)
                pace = float(got) if got is not None else pace

        countdown = 0
        if "countdown" in table:
            if "reps" in table:
                self.add((*where, "countdown"), f"'countdown' {name} only applies to timed steps: "
                                                "remove it, or use seconds instead of reps")
            else:
                got = self.number(table, "countdown", where, name, whole=True, low=0, high=MAX_COUNTDOWN)
                if got is not None and seconds is not None and got >= seconds:
                    self.add((*where, "countdown"), f"'countdown' {name} is {got}: it must be less than "
                                                    f"the step's {_num(seconds)} seconds")
                elif got is not None:
                    countdown = int(got)

        pressure = True
        if "pressure" in table:
            if isinstance(table["pressure"], bool):
                pressure = table["pressure"]
            else:
                self.add((*where, "pressure"), f"'pressure' {name} must be true or false, "
                                               f"not {_kind(table['pressure'])}")
        levels = self.levels(table, where, name, top, pressure)
        cues = self.cues(table, where, name, seconds, reps)

        if len(self.problems) > before or title is None or say is None:
            return None
        return Step(
            title=title, say=say, seconds=float(seconds) if seconds is not None else None, reps=reps,
            pace=pace, cues=cues, pressure=pressure, levels=levels, countdown=countdown,
            line=self.line(where),
        )

    def levels(self, table: dict[str, Any], where: KeyPath, name: str, top: int | None,
               pressure: bool) -> tuple[tuple[int, str], ...]:
        """The words per level; ``top`` is max_level, or None when that is itself invalid."""
        value = table.get("levels", {})
        if not isinstance(value, dict):
            self.add((*where, "levels"), f"'levels' {name} must be a table: write [steps.levels] "
                                         f"with lines like 1 = \"...\", not {_kind(value)}")
            return ()
        found: dict[int, str] = {}
        for key, words in value.items():
            at = (*where, "levels", key)
            n = int(key) if key.isascii() and key.isdigit() and str(int(key)) == key else None
            if n is None or not MIN_LEVEL <= n <= (top or MAX_LEVEL):
                self.add(at, f"level '{key}' {name} is not allowed: level keys are whole numbers "
                             f"from {MIN_LEVEL} to max_level ({top or MAX_LEVEL})")
                continue
            if not isinstance(words, str):
                self.add(at, f"level {n} {name} must be text in quotes, not {_kind(words)}")
            elif not words.strip():
                self.add(at, f"level {n} {name} is empty: say what this pressure feels like")
            else:
                found[n] = words.strip()
        if pressure and top is not None:
            missing = [n for n in range(MIN_LEVEL, top + 1) if n not in found and str(n) not in value]
            if missing:
                self.add((*where, "levels") if "levels" in table else where,
                         f"{name.removeprefix('in ')} uses pressure, but [steps.levels] has no words for "
                         f"level {', '.join(str(n) for n in missing)}: give words for every level from "
                         f"{MIN_LEVEL} to max_level ({top}), or set pressure = false")
        return tuple(sorted(found.items()))

    def cues(self, table: dict[str, Any], where: KeyPath, name: str,
             seconds: float | None, reps: int | None) -> tuple[Cue, ...]:
        if "cues" not in table:
            return ()
        value = table["cues"]
        if not isinstance(value, list) or not all(isinstance(c, dict) for c in value):
            self.add((*where, "cues"), f"'cues' {name} must be a list of tables: write each cue under "
                                       "its own [[steps.cues]] header")
            return ()
        found: list[Cue] = []
        for j, cue in enumerate(value):
            at_path: KeyPath = (*where, "cues", j)
            what = f"in cue {j + 1} of {name.removeprefix('in ')}"
            before = len(self.problems)
            self.unknown_keys(cue, CUE_KEYS, at_path, what)
            say = self.text(cue, "say", at_path, required=True, what=what)
            at: float | None = None
            if "at" not in cue:
                self.add(at_path, f"missing 'at' {what}: say when the cue is spoken")
            elif reps is not None and "seconds" not in table:
                got = self.number(cue, "at", at_path, what + " (a repetition number)", whole=True, low=1, high=reps)
                at = got
            elif seconds is not None:
                v = cue["at"]
                if not _is_number(v):
                    self.add((*at_path, "at"), f"'at' {what} must be a number of seconds, not {_kind(v)}")
                elif not 0 <= v < seconds:
                    self.add((*at_path, "at"), f"'at' {what} is {v}: it must be from 0 to less than "
                                               f"the step's {_num(seconds)} seconds")
                else:
                    at = v
            if len(self.problems) == before and say is not None and at is not None:
                found.append(Cue(at=at, say=say))
        return tuple(sorted(found, key=lambda c: c.at))


def validate_text(text: str, path: Path) -> tuple[Routine | None, list[Problem]]:
    """Check routine ``text`` (from ``path``): the routine, or None and every problem found."""
    path = Path(path)
    try:
        data = parse(text)
    except TomlProblem as e:
        return None, [Problem(path, e.line, f"{e.message}; {e.fix}")]
    checker = _Checker(text, path)
    routine = checker.routine(data)
    problems = sorted(checker.problems, key=lambda p: p.line)
    return (routine if not problems else None), problems
