"""Composition root: builds the engines from config, starts the threads, wires the queues.

This is the only module that knows which concrete speaker and recogniser a session uses.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TextIO

from coach import store
from coach.config import Config
from coach.errors import AudioDeviceError, ModelError
from coach.routine import Role, Routine
from coach.runtime import Clock, Runtime, read_input
from coach.session import Finish, Options, Session
from coach.speech.base import DoneCallback, Speaker
from coach.speech.fake import PrintSpeaker


@dataclass(frozen=True)
class SessionPlan:
    """Everything a session needs to start, decided before any audio is opened."""

    routine: Routine
    role: Role
    level: int
    step: int
    resumed: bool
    log_paths: tuple[Path, ...]
    text_mode: bool
    voice: str
    input_device: str
    output_device: str
    engine: str
    speed: float


@dataclass
class Audio:
    """The live audio parts of a session, with one ``close`` for all of them."""

    speaker: Speaker
    close: Callable[[], None]


def build_audio(plan: SessionPlan, config: Config, done: DoneCallback,
                on_command: Callable[..., None], warn: TextIO) -> Audio:
    """The real speaker (pyttsx3 + sounddevice) and the listener (microphone + recogniser).

    Raises AudioDeviceError when there is no usable device, ModelError when no recogniser loads.
    """
    from coach.speech.speaker import open_speaker

    speaker, capture = open_speaker(voice=plan.voice, rate=config.speech.rate,
                                    output_device=plan.output_device, input_device=plan.input_device,
                                    done=done, warn=warn)
    try:
        from coach.listen.listener import start_listening

        stop_listening = start_listening(capture=capture, engine=plan.engine, language=plan.routine.language,
                                         model=config.listen.vosk_model, input_device=plan.input_device,
                                         on_command=on_command, warn=warn)
    except BaseException:
        speaker.close()
        raise

    def close() -> None:
        stop_listening()
        speaker.close()

    return Audio(speaker, close)


@contextlib.contextmanager
def _signals_interrupt(runtime: Runtime) -> Iterator[None]:
    """SIGTERM and SIGHUP end the session the way Ctrl-C does: saved, resumable."""

    def handler(signum: int, frame: FrameType | None) -> None:
        runtime.interrupt(signal.Signals(signum).name.lower())

    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def run_session(plan: SessionPlan, config: Config, out: TextIO, stdin: TextIO | None = None,
                err: TextIO | None = None) -> Finish:
    """Run one session to its end and keep what must be kept (log, resume point, profile)."""
    err = err or sys.stderr
    stdin = stdin if stdin is not None else sys.stdin
    routine = plan.routine
    log = store.SessionLog(list(plan.log_paths), warn=err)
    clock = Clock(plan.speed)
    options = Options(role=plan.role, start_level=plan.level, start_step=plan.step, resumed=plan.resumed,
                      pause_timeout=config.session.pause_timeout, countdown=config.session.countdown,
                      rate=config.speech.rate or 170)
    session = Session(routine, options)
    main_log = str(plan.log_paths[0])

    def checkpoint(step: int, level: int) -> None:
        try:
            store.save_resume(store.ResumePoint(routine=routine.id, path=str(routine.path or ""), step=step,
                                                level=level, role=plan.role, log=main_log, saved=time.time()))
        except OSError as e:
            print(f"coach: could not save the resume point ({e}); the session goes on", file=err)

    holder: list[Runtime] = []

    def done(uid: int, interrupted: bool) -> None:
        holder[0].speech_done(uid, interrupted)

    def on_command(command: object, text: str = "", confidence: float = 1.0) -> None:
        from coach.commands import Command

        if isinstance(command, Command):
            holder[0].command(command, text, confidence, "voice")

    audio: Audio | None = None
    text_mode = plan.text_mode
    if not text_mode:
        try:
            audio = build_audio(plan, config, done, on_command, err)
        except (AudioDeviceError, ModelError) as e:
            print(f"coach: {e}", file=err)
            print("coach: carrying on in text mode: the coach's words are printed here; type a key or a word "
                  "and Enter (h harder, s softer, x stop, n next, ? help).", file=err)
            text_mode = True
    speaker: Speaker = audio.speaker if audio else PrintSpeaker(out, done)
    runtime = Runtime(session, speaker, log, clock, on_checkpoint=checkpoint,
                      transcript=None if text_mode else out)
    holder.append(runtime)
    checkpoint(session.step_index, session.level)
    read_input(runtime, stdin)
    try:
        with _signals_interrupt(runtime):
            result = runtime.run()
    finally:
        if audio is not None:
            with contextlib.suppress(Exception):
                audio.close()
        log.close()
    with contextlib.suppress(OSError):
        store.remember_level(routine.id, result.level)
        if result.completed:
            store.clear_resume()
    return result


