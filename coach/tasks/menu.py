"""``coach`` with no command: the spoken menu, then the session chosen in it."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from coach import store
from coach.app import DEVICE_LOST, LISTENING_LOST, AudioPlan, MenuPlan, SessionPlan, run_menu
from coach.config import Config, voice_option
from coach.errors import AudioDeviceError, CoachError, ModelError, RoutineError
from coach.menu import Choice, Item, Offer
from coach.routine import Routine, find, load, scan
from coach.session import duration_words
from coach.sessionlock import SessionLock
from coach.tasks.routines import half_minutes
from coach.tasks.session import (
    _config,
    _finish_status,
    _is_file,
    _level,
    _plan,
    _role,
    _same_log,
    interrupted_point,
    offered_when,
)
from coach.terminal import printable


def spoken_length(routine: Routine) -> str:
    """The routine's length as the menu says it, to the half minute: "about twelve and a half minutes"."""
    return f"about {duration_words(half_minutes(routine) * 30)}"


def _routines(err: TextIO) -> list[Routine]:
    good, broken = scan()
    for path, problems in broken:
        first = f"{problems[0]}" if problems else "it cannot be loaded"
        print(printable(f"coach: {path.stem} is left out of the menu: {first}; fix: run `coach validate {path}`"),
              file=err)
    return good


def _interrupted() -> tuple[store.ResumePoint, Routine] | None:
    """The interrupted session, and its routine, when it can be carried on."""
    point = interrupted_point()   # the most recent: each routine keeps its own
    if point is None:
        return None
    try:
        routine = load(Path(point.path)) if _is_file(point.path) else find(point.routine)
    except (RoutineError, CoachError):
        return None
    return (point, routine) if 0 <= point.step < len(routine.steps) else None


def cmd_menu(args: argparse.Namespace, out: TextIO) -> int:
    config = _config(args)
    with SessionLock("the menu") as lock:   # the menu's session is one session too: refused while one runs
        return _menu(args, config, out, lock)


def _menu(args: argparse.Namespace, config: Config, out: TextIO, lock: SessionLock) -> int:
    err = sys.stderr
    routines = _routines(err)
    interrupted = _interrupted()
    offer = None
    if interrupted is not None:
        point, routine = interrupted
        offer = Offer(routine.id, routine.title, point.step, routine.steps[point.step].title,
                      min(point.level, routine.max_level), offered_when(point.saved))
    paths = [store.SessionLog.default_path("menu")]
    if args.log:
        paths.append(Path(args.log))
        store.remember_copies(paths[1:])   # for `coach forget`
    audio = AudioPlan(voice_option(args.voice) or config.speech.voice,
                      args.input_device or config.listen.input_device,
                      args.output_device or config.speech.output_device,
                      args.engine or config.listen.engine, config.listen.language)
    plan = MenuPlan(tuple(Item(r.id, r.title, spoken_length(r), r.role == "partner") for r in routines), offer,
                    audio, bool(args.text), tuple(paths))

    def plan_for(choice: Choice) -> SessionPlan:
        plan = _session_plan(args, config, choice, routines, interrupted)
        lock.hold(plan.routine.id)
        return plan

    choice, result = run_menu(plan, config, plan_for, out)
    if result is not None:
        return _finish_status(result.completed, result.reason, out, result.saved)
    if choice.reason == DEVICE_LOST:
        out.write("The sound device was lost. Run `coach` again once it is back, or `coach --text` to choose "
                  "without sound.\n")
        return AudioDeviceError.exit_status
    if choice.reason == LISTENING_LOST:
        out.write("The coach could no longer listen. Run `coach` again, or `coach --text` to choose with the "
                  "keys alone.\n")
        return ModelError.exit_status
    if choice.reason in ("interrupted", "sigterm", "sighup"):
        return 130
    return 0


def _session_plan(args: argparse.Namespace, config: Config, choice: Choice, routines: list[Routine],
                  interrupted: tuple[store.ResumePoint, Routine] | None) -> SessionPlan:
    """The session the menu's choice starts: the interrupted one carried on, or a routine from the
    beginning (the menu has asked about the interrupted one already)."""
    if choice.action == "resume" and interrupted is not None:
        point, routine = interrupted
        return _plan(args, config, routine, step=point.step, level=min(point.level, routine.max_level),
                     resumed=True, role=_role(args, config, routine), log=_same_log(point))
    routine = next((r for r in routines if r.id == choice.routine), None) or find(choice.routine)
    plan = _plan(args, config, routine, step=0, level=_level(args, routine), resumed=False,
                 role=_role(args, config, routine))
    own = interrupted_point(routine.id)
    if own is not None and (interrupted is None or interrupted[0].routine != routine.id) \
            and own.step < len(routine.steps):
        # this routine has a place of its own (not the one the menu offered): asked about, as `coach run` asks
        plan = replace(plan, offer=(own.step, min(own.level, routine.max_level)), offer_when=offered_when(own.saved))
    return plan
