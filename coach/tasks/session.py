"""`coach run` and `coach resume`."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TextIO

from coach import store
from coach.app import DEVICE_LOST, LISTENING_LOST, SessionPlan, run_session
from coach.config import Config, load_config, voice_option
from coach.errors import AudioDeviceError, CoachError, ModelError, RoutineError
from coach.routine import ROLE_NAMES, Role, Routine, find, load, wrong_role
from coach.session.words import when_words
from coach.sessionlock import SessionLock
from coach.terminal import printable


def _config(args: argparse.Namespace) -> Config:
    return load_config(Path(args.config) if getattr(args, "config", None) else None)


def _role(args: argparse.Namespace, config: Config, routine: Routine) -> Role:
    """The routine's own role: its lines are written for it. Asking for the other one on the command
    line is an error; the configuration's role, for routines of the other kind, is passed over with
    a line on stderr."""
    asked: str = args.role or ""
    if asked and asked != routine.role:
        raise wrong_role(routine, asked)
    if config.session.role and config.session.role != routine.role:
        print(printable(f"coach: {routine.id} is written for {ROLE_NAMES[routine.role]}, so it runs as role "
                        f"\"{routine.role}\", not as your configuration's \"{config.session.role}\""),
              file=sys.stderr, flush=True)
    return routine.role


def _level(args: argparse.Namespace, routine: Routine) -> int:
    asked: int | None = args.level   # in MIN_LEVEL..MAX_LEVEL: the command line checked it (coach.numbers)
    if asked is not None:
        return min(asked, routine.max_level)
    return store.starting_level(routine.start_level, routine.max_level, store.remembered_level(routine.id))


def _plan(args: argparse.Namespace, config: Config, routine: Routine, *, step: int, level: int,
          resumed: bool, role: Role, log: Path | None = None) -> SessionPlan:
    paths = [log or store.SessionLog.default_path(routine.id)]
    if args.log:
        paths.append(Path(args.log))
        store.remember_copies(paths[1:])   # for `coach forget`
    if args.speed != 1.0 and not args.text:
        raise CoachError("--speed only works with --text", "add --text, or leave out --speed")
    pace = getattr(args, "pace", None) or config.session.pace
    return SessionPlan(
        routine=routine.paced(pace), role=role, level=level, step=step, resumed=resumed, log_paths=tuple(paths),
        text_mode=bool(args.text), voice=voice_option(args.voice) or routine.voice or config.speech.voice,
        input_device=args.input_device or config.listen.input_device,
        output_device=args.output_device or config.speech.output_device,
        engine=args.engine or config.listen.engine, speed=args.speed,
        record_audio=_record_folder(args),
    )


def _record_folder(args: argparse.Namespace) -> Path | None:
    """The ``--record-audio`` folder, made now so that a bad one is said before the session starts."""
    if not getattr(args, "record_audio", None):
        return None
    if args.text:
        raise CoachError("--record-audio records the sound, and --text has none", "leave out one of them")
    from coach.listen.capture.recording import prepare_folder
    from coach.paths import expand

    folder = prepare_folder(str(expand(args.record_audio, "--record-audio")))
    store.remember_copies([folder / "mic.wav", folder / "played.wav"])   # for `coach forget`
    return folder


#: said in place of "your place is saved" when the last save of it failed (the reason was said then)
NOT_SAVED = "your place could not be saved (see above), so `coach resume` would start from an earlier one"


def _finish_status(result_completed: bool, reason: str, out: TextIO, saved: bool = True) -> int:
    if result_completed:
        return 0
    place = "your place is saved" if saved else NOT_SAVED
    resume = " Run `coach resume` to carry on." if saved else ""
    if reason in ("interrupted", "sigterm", "sighup"):
        out.write(f"Session interrupted; {place}.{resume}\n")
        return 130
    if reason == DEVICE_LOST:
        out.write(f"Session stopped: the sound device was lost; {place}." + (
            " Run `coach resume` once it is back, or `coach resume --text` to carry on without sound." if saved
            else "") + "\n")
        return AudioDeviceError.exit_status
    if reason == LISTENING_LOST:
        out.write(f"Session stopped: the coach could no longer listen; {place}." + (
            " Run `coach resume` to carry on, or `coach resume --text` to carry on with the keys alone." if saved
            else "") + "\n")
        return ModelError.exit_status
    out.write(f"Session ended early; {place}.{resume}\n")
    return 0


def interrupted_point(routine: str | None = None, *, asked: bool = False) -> store.ResumePoint | None:
    """The place an interrupted session of ``routine`` (None: the most recent) stopped at. A
    damaged resume point is an error when it was ``asked`` for (`coach resume`), else said on
    stderr once and taken as none (`coach run`, the menu); it is never moved by reading it."""
    try:
        return store.load_resume(routine)
    except store.Damaged as e:
        if asked:
            raise CoachError(f"{e.message}, so there is no place to carry on from",
                             "start the routine again with `coach run ROUTINE`; the damaged file is then kept "
                             f"as {e.path.name}.broken.N" if not e.unreadable else e.fix) from e
        store.tell_once(f"damaged {e.path}", f"coach: {e.message}; no interrupted session can be offered\n"
                                             f"  fix: {e.fix}")
        return None


def cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    config = _config(args)
    routine = find(args.routine)
    role = _role(args, config, routine)
    stdin = sys.stdin
    with SessionLock(routine.id):   # one session at a time: a second one is told which runs
        point = interrupted_point(routine.id)   # this routine's own: another routine's place stays as it is
        plan = _plan(args, config, routine, step=0, level=_level(args, routine), resumed=False, role=role)
        if (point is not None and not args.fresh and point.routine == routine.id and args.level is None
                and point.step < len(routine.steps)):
            # the coach asks, aloud and on the screen, whether to carry on there (by voice or key), and
            # carries on there if nobody answers
            when = offered_when(point.saved)
            plan = replace(plan, offer=(point.step, min(point.level, routine.max_level)), offer_when=when)
        result = run_session(plan, config, out, stdin)
    return _finish_status(result.completed, result.reason, out, result.saved)


def offered_when(saved: float) -> str:
    """When an interrupted session saved its place (a time.time()), in the words the offer to carry
    on says it: "a minute ago", "this morning", "yesterday"."""
    return when_words(datetime.fromtimestamp(saved), datetime.now())


def _same_log(point: store.ResumePoint) -> Path | None:
    """The log the interrupted session was writing, to carry on in; None (a new log) unless it is a
    plain file in the coach's sessions folder. The resume point is a file anything may have
    changed, and its ``log`` once had the session appended to wherever it pointed."""
    if not point.log:
        return None
    path = Path(point.log)
    try:
        sessions = store.sessions_dir().resolve()
        inside = path.parent.resolve() == sessions and path.suffix == ".jsonl"
        link = path.is_symlink()
    except (OSError, ValueError):   # a name too long, a NUL
        return None
    if inside and not link:
        return path
    if link:
        print(printable(f"coach: the resume point's log {path} is a symbolic link, which the coach never writes "
                        f"through; this session keeps a new log (fix: remove the link, rm '{path}')"),
              file=sys.stderr, flush=True)
    elif path.exists():
        print(printable(f"coach: the resume point's log {path} is not in the coach's sessions folder {sessions}, so "
                        "it is left alone; this session keeps a new log there (fix: none needed)"),
              file=sys.stderr, flush=True)
    return None


def _is_file(path: str) -> bool:
    """Whether ``path`` (from the resume point, which something else may have spoilt) is a file."""
    try:
        return bool(path) and Path(path).is_file()
    except OSError:   # a name too long, say
        return False


def cmd_resume(args: argparse.Namespace, out: TextIO) -> int:
    config = _config(args)
    wanted = find(args.routine) if args.routine else None
    with SessionLock(wanted.id if wanted else "resume") as lock:   # refused while a session runs
        point = interrupted_point(wanted.id if wanted else None, asked=True)
        if point is None and wanted is not None:
            others = sorted(store.resume_points())
            raise CoachError(f"there is no interrupted session of {wanted.id} to resume",
                             (f"carry on with {', '.join(others)} (`coach resume {others[0]}`), or " if others else "")
                             + f"start {wanted.id} with `coach run {wanted.id}`")
        if point is None:
            raise CoachError("there is no interrupted session to resume",
                             "start one with `coach run ROUTINE` (see `coach list`)")
        lock.hold(point.routine)
        return _resume(args, config, point, out)


def _resume(args: argparse.Namespace, config: Config, point: store.ResumePoint, out: TextIO) -> int:
    try:
        routine = load(Path(point.path)) if _is_file(point.path) else find(point.routine)
    except RoutineError as e:
        raise CoachError(f"the routine of the interrupted session cannot be loaded: {e.message}", e.fix) from e
    step = min(point.step, len(routine.steps) - 1)
    role = _role(args, config, routine)
    plan = _plan(args, config, routine, step=step, level=min(point.level, routine.max_level), resumed=True,
                 role=role, log=_same_log(point))
    result = run_session(plan, config, out, sys.stdin)
    return _finish_status(result.completed, result.reason, out, result.saved)
