"""``coach list``, ``coach show`` and ``coach validate``.

Output is plain and linear, one line per item, with no colours and no redrawn lines, so a
screen reader reads it from top to bottom. Nothing here imports an audio library. Every line holds
text from a file (titles, steps, paths, problems quoting a value), so each is printed through
:func:`coach.terminal.printable`: a control character in a routine is shown, never acted on.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from coach.routine import LEVEL_NAMES, Routine, Step, builtin_dir, find, scan, user_dir, validate_file
from coach.terminal import printable
from coach.timeline import session_seconds


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def spoken_as(routine: Routine) -> tuple[int, float]:
    """The words a minute a session of ``routine`` speaks at (the configuration's rate, else its
    voice profile's: the routine's own voice, the configuration's, or the default) and the pace
    its holds run at (the configuration's)."""
    from coach.app import profile_rate
    from coach.config import load_config
    from coach.errors import CoachError
    from coach.speech.voices import DEFAULT_PROFILE

    try:
        config = load_config(None)
    except CoachError:   # a broken configuration is reported where it is used; here, the defaults
        return 170, 1.0
    return profile_rate(routine.voice or config.speech.voice or DEFAULT_PROFILE, config), config.session.pace


def half_minutes(routine: Routine, rate: int | None = None, pace: float | None = None) -> int:
    """The session's length in half minutes (at least one), as spoken at ``rate`` with its holds at
    ``pace`` (the lines' time, not only the steps' timers; by default as it will run)."""
    if rate is None or pace is None:
        default_rate, default_pace = spoken_as(routine)
        rate, pace = rate or default_rate, pace or default_pace
    return max(1, round(session_seconds(routine.paced(pace), rate) / 30))


def length(routine: Routine, rate: int | None = None, pace: float | None = None) -> str:
    """The session's length in minutes, to the half minute (see :func:`half_minutes`): ``12.5 minutes``."""
    halves = half_minutes(routine, rate, pace)
    return f"{halves // 2}{'.5' if halves % 2 else ''} minute{'' if halves == 2 else 's'}"


def summary(routine: Routine) -> str:
    """``id — title (self, N steps, about M minutes, levels start..max)``."""
    return (f"{routine.id} — {routine.title} ({routine.role}, {_plural(len(routine.steps), 'step')}, "
            f"about {length(routine)}, levels {routine.start_level}..{routine.max_level})")


def cmd_list(args: argparse.Namespace, out: TextIO) -> int:
    good, broken = scan()
    for routine in good:
        print(printable(summary(routine)), file=out)
    for path, problems in broken:
        first = f"{problems[0]}" if problems else "cannot be loaded"
        print(printable(f"{path.stem} — broken, {_plural(len(problems), 'problem')}, first: {first}; "
                        f"fix: run `coach validate {path}`"), file=out)
    if not good and not broken:
        print(printable(f"No routines found. Put routine files in {builtin_dir()} or {user_dir()}."), file=out)
    return 0


def timing(step: Step) -> str:
    """``60 seconds`` or ``10 repetitions, 3 seconds each``."""
    if step.seconds is not None:
        text = _plural(int(step.seconds), "second") if float(step.seconds).is_integer() \
            else f"{_num(step.seconds)} seconds"
        if step.countdown:
            text += f", counting down the last {step.countdown}"
        return text
    reps = step.reps or 0
    each = "1 second" if step.pace == 1 else f"{_num(step.pace)} seconds"
    return f"{_plural(reps, 'repetition')}, {each} each"


def render(routine: Routine) -> list[str]:
    """The whole routine as plain lines of text."""
    lines = [routine.title, routine.description]
    if routine.role == "partner":
        lines.append("For two people: one gives the massage, one receives it. "
                     "The coach speaks to the person giving it.")
    else:
        lines.append("For one person massaging themselves.")
    lines.append(f"About {length(routine)}, {_plural(len(routine.steps), 'step')}. "
                 f"Pressure starts at level {routine.start_level}, {LEVEL_NAMES[routine.start_level]}, "
                 f"and goes up to level {routine.max_level}, {LEVEL_NAMES[routine.max_level]}.")
    for heading, items in (("You need", routine.equipment), ("Safety", routine.safety),
                           ("Skip this routine if", routine.contraindications)):
        if items:
            lines.append(f"{heading}:")
            lines.extend(f"- {item}" for item in items)
    for n, step in enumerate(routine.steps, start=1):
        lines.append(f"Step {n}: {step.title}. {timing(step)}.")
        lines.append(f"  {step.say}")
        for cue in step.cues:
            at = f"at {_num(cue.at)} seconds" if step.timed else f"at repetition {_num(cue.at)}"
            lines.append(f"  {at}: {cue.say}")
        if step.pressure:
            for level, words in step.levels:
                lines.append(f"  level {level}, {LEVEL_NAMES.get(level, '')}: {words}")
        else:
            lines.append("  No pressure changes in this step.")
    if routine.aftercare:
        lines.append("Afterwards:")
        lines.extend(f"- {item}" for item in routine.aftercare)
    return lines


def cmd_show(args: argparse.Namespace, out: TextIO) -> int:
    routine = find(args.routine)
    for line in render(routine):
        print(printable(line), file=out)
    return 0


def cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    status = 0
    for name in args.files:
        path = Path(name)
        _, problems = validate_file(path)
        if problems:
            status = 1
            for problem in problems:
                print(printable(str(problem)), file=out)
        else:
            print(printable(f"{path}: ok"), file=out)
    return status
