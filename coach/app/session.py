"""Running one session: from its plan to its end, and what is kept of it (log, resume point,
profile). The audio is opened here (:mod:`coach.app.audio`), or handed on by the menu that
started the session (:class:`Shared`).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType
from typing import TextIO

from coach import store
from coach.app.audio import WAIT_ID, Audio, AudioPlan, Hooks, open_audio
from coach.commands import KEYS
from coach.config import Config
from coach.errors import CoachError, StoreError
from coach.keyboard import KeyReader, is_terminal
from coach.listen.base import Detection
from coach.menuloop import MenuLoop
from coach.nativelines import NativeLines
from coach.routine import Role, Routine
from coach.runtime import Clock, Runtime, read_input
from coach.session import Finish, Options, Phase, Session
from coach.speech.base import Speaker
from coach.speech.fake import PrintSpeaker
from coach.terminal import printable_lines


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
    record_audio: Path | None = None   # write the microphone's and the speaker's sound here
    #: (step, level) of an interrupted session the coach offers to carry on from, and when it was
    offer: tuple[int, int] | None = None
    offer_when: str = ""

    def audio(self) -> AudioPlan:
        return AudioPlan(self.voice, self.input_device, self.output_device, self.engine, self.routine.language,
                         self.record_audio)



def _safety_notes(routine: Routine) -> tuple[bool, bool]:
    """Whether the short introduction will do (this routine's safety notes, as they are now, were
    heard in full before, and the user did not ask for them in full every time), and whether to
    ask the user which they want (not asked yet)."""
    try:
        short = store.notes_short()
        heard = store.safety_heard(routine.id) == routine.safety_fingerprint
    except OSError:
        return False, False
    return heard and short is not False, short is None


def profile_rate(voice: str, config: Config) -> int:
    """The speech rate a session starts at: the config's, else the voice profile's."""
    if config.speech.rate:
        return config.speech.rate
    try:
        from coach.speech.voices import find_profile

        return find_profile(voice).rate
    except CoachError:
        return 170


class _SessionWarnings(logging.Handler):
    """The package's warnings during a session: on the terminal as before, and in the session log."""

    def __init__(self, runtime: Runtime, err: TextIO) -> None:
        super().__init__(logging.WARNING)
        self.runtime, self.err = runtime, err

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
            print(text, file=self.err, flush=True)
            self.runtime.warning(text)
        except Exception:
            self.handleError(record)


@contextlib.contextmanager
def _warnings_logged(runtime: Runtime, err: TextIO) -> Iterator[None]:
    """While the session runs, warnings logged anywhere in ``coach`` (and by the listening process,
    whose warnings are logged again here) go into the session log too."""
    logger = logging.getLogger("coach")
    handler = _SessionWarnings(runtime, err)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


def _route_interrupts(loop: Runtime | MenuLoop) -> None:
    """Ctrl-C, SIGTERM and SIGHUP end ``loop`` from now on, the way "stop, stop" does: saved,
    resumable; only the first counts, and the rest never interrupt its ending: the terminal, the
    place, the log and the profile (issue 37). To the end of the :func:`coach.interrupts.routed_to`
    block around the session or the menu."""
    from coach import interrupts

    interrupts.bind(loop.interrupt)


@contextlib.contextmanager
def _signals_interrupt(runtime: Runtime | MenuLoop) -> Iterator[None]:
    """While the loop runs, SIGTERM and SIGHUP end it the way Ctrl-C does: saved, resumable. Only
    where :mod:`coach.interrupts` was not installed (a test's own process): it takes them all."""
    from coach import interrupts

    if interrupts.installed():
        _route_interrupts(runtime)
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        runtime.interrupt(signal.Signals(signum).name.lower())

    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


DEVICE_LOST = "audio device lost"   # the reason a session ends when its sound device stops working
LISTENING_LOST = "listening lost"    # ... when the listening process died and could not be restarted


def run_session(plan: SessionPlan, config: Config, out: TextIO, stdin: TextIO | None = None,
                err: TextIO | None = None) -> Finish:
    """Run one session to its end and keep what must be kept (log, resume point, profile).

    Meanwhile native libraries' messages on descriptor 2 go into the session log, not onto the
    terminal a screen reader reads (:mod:`coach.nativelines`)."""
    from coach import interrupts

    with NativeLines() as native, interrupts.routed_to():
        return _run_session(plan, config, out, native, stdin, err)


@dataclass
class Shared:
    """The audio and the input a menu opened, handed on to the session it starts (so that the
    recogniser is not loaded twice): the session points the hooks and the input at itself."""

    audio: Audio | None
    hooks: Hooks
    deaf: str
    text_mode: bool
    relay: InputRelay
    keys: KeyReader | None


class InputRelay:
    """Typed input (keys or lines) for whoever takes it now: the menu, then its session. What comes
    while neither does waits for the next (thread-safe)."""

    def __init__(self) -> None:
        self._target: Runtime | MenuLoop | None = None
        self._waiting: list[str] = []
        self._lock = threading.Lock()
        self.clock = Clock()

    def to(self, target: Runtime | MenuLoop | None) -> None:
        with self._lock:
            self._target = target
            if target is None:
                return
            self.clock = target.clock
            waiting, self._waiting = self._waiting, []
        for line in waiting:
            target.text(line)

    def text(self, line: str, source: str = "key") -> None:
        with self._lock:
            target = self._target
            if target is None:
                self._waiting.append(line)
                return
        target.text(line)


def _run_session(plan: SessionPlan, config: Config, out: TextIO, native: NativeLines, stdin: TextIO | None = None,
                 err: TextIO | None = None, shared: Shared | None = None) -> Finish:
    err = err or sys.stderr
    stdin = stdin if stdin is not None else sys.stdin
    routine = plan.routine
    log = store.SessionLog(list(plan.log_paths), warn=err, own_first=True)
    clock = Clock(plan.speed)
    native.set_sink(lambda line: log.write(clock.now(), "native", {"text": line}))
    main_log = str(plan.log_paths[0])

    saved = [True]   # the last save of the place worked

    def checkpoint(step: int, level: int) -> bool:
        try:
            store.save_resume(store.ResumePoint(routine=routine.id, path=str(routine.path or ""), step=step,
                                                level=level, role=plan.role, log=main_log, saved=time.time()))
        except (OSError, StoreError) as e:   # said once for each kind of fault, not at every step
            saved[0] = False
            store.tell_once(f"resume point: {store.fault_kind(e)}", f"coach: could not save the resume point "
                            f"({store.fault_words(e)}); the session goes on{store.fix_line(e)}", err)
            return False
        saved[0] = True
        return True

    holder: list[Runtime] = []

    def done(uid: int, interrupted: bool) -> None:
        if uid != WAIT_ID and holder:   # the "getting ready" line is no utterance of the session's
            holder[0].speech_done(uid, interrupted)

    def on_command(detection: Detection) -> None:
        holder[0].detected(detection)

    def on_echo(detection: Detection, left_db: float) -> None:
        holder[0].echo(detection.command, detection.heard, left_db)

    def on_error(error: Exception) -> None:
        print(printable_lines(f"coach: {error}"), file=err)   # how to resume is said when the session has ended
        holder[0].interrupt(DEVICE_LOST)

    def on_lost(error: Exception) -> None:
        print(printable_lines(f"coach: {error}"), file=err)
        holder[0].interrupt(LISTENING_LOST)

    hooks = Hooks()
    hooks.done = done   # the other hooks are set once the runtime is there
    audio: Audio | None = None
    owned = True   # this session closes the audio (not so the menu's)
    text_mode = plan.text_mode
    deaf = ""   # why the coach cannot hear, when it speaks all the same
    if shared is not None and (shared.audio is None or shared.audio.language == routine.language):
        audio, hooks, deaf, text_mode, owned = shared.audio, shared.hooks, shared.deaf, shared.text_mode, False
        hooks.done = done
        if audio is not None and audio.voice != plan.voice:
            audio.use_voice(plan.voice)   # the routine's own voice, on the same stream
    else:
        if shared is not None and shared.audio is not None:   # another language: another recogniser
            shared.audio.close()
            shared.audio = None
        if not text_mode:
            audio, deaf = open_audio(plan.audio(), config, hooks, stdin, err)
            text_mode = audio is None
    known, ask = _safety_notes(routine)
    options = Options(role=plan.role, start_level=plan.level, start_step=plan.step, resumed=plan.resumed,
                      pause_timeout=config.session.pause_timeout, countdown=config.session.countdown,
                      rate=profile_rate(plan.voice, config), cannot_hear=deaf, offer=plan.offer,
                      offer_when=plan.offer_when, safety_known=known, ask_notes=ask, typed=text_mode)
    session = Session(routine, options)
    speaker: Speaker = audio.speaker if audio else PrintSpeaker(out, done)
    runtime = Runtime(session, speaker, log, clock, on_checkpoint=checkpoint,
                      transcript=None if text_mode else out)
    holder.append(runtime)
    _route_interrupts(runtime)
    hooks.command, hooks.echo, hooks.error, hooks.lost = on_command, on_echo, on_error, on_lost
    hooks.words = lambda words: None
    if plan.offer is None:   # (while the coach asks whether to carry on, the old place stays)
        checkpoint(session.step_index, session.level)
    keys: KeyReader | None = None
    if shared is not None:
        keys = shared.keys
        if keys is not None:
            keys.keys = KEYS
            runtime.key_hint = "Press ? for the keys; for words, press Enter first."
        shared.relay.to(runtime)
    elif is_terminal(stdin):
        try:
            keys = KeyReader(stdin, runtime.text, out).start()
            runtime.key_hint = "Press ? for the keys; for words, press Enter first."
        except OSError as e:   # a terminal whose modes cannot be set: read lines instead
            print(f"coach: keys need Enter on this terminal ({e})", file=err)
    if keys is not None:   # any key cuts the closing summary short; nothing is read after the end
        keys.closing = lambda: session.phase is Phase.ENDING
        keys.ended = lambda: session.phase is Phase.ENDED
    if keys is None and shared is None:
        read_input(runtime, stdin)
    try:
        with _signals_interrupt(runtime), _warnings_logged(runtime, err):
            result = runtime.run()
    finally:
        native.set_sink(None)   # "ended" stays the log's last record; what closing the sound says is dropped
        if owned:
            if keys is not None:
                keys.stop()   # the terminal back as it was
            if audio is not None:
                with contextlib.suppress(Exception):
                    audio.close()
        log.close()
    try:
        store.remember_level(routine.id, result.level)
        if session.safety_heard:
            store.remember_safety_heard(routine.id, routine.safety_fingerprint)
        if session.notes_short is not None:
            store.remember_notes_short(session.notes_short)
    except (OSError, StoreError) as e:
        store.tell_once("profile", f"coach: could not save your profile (the level, how the safety notes are "
                                   f"given): {store.fault_words(e)}{store.fix_line(e)}", err)
    if result.completed:
        try:
            store.clear_resume(routine.id)   # the other routines' places stay
        except (OSError, StoreError) as e:
            store.tell_once("resume cleared", f"coach: could not clear the finished session's place: "
                                              f"{store.fault_words(e)}{store.fix_line(e)}", err)
    return replace(result, saved=saved[0])

