"""Composition root: builds the engines from config, starts the threads, wires the queues.

This is the only module that knows which concrete speaker and recogniser a session uses.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import FrameType
from typing import TextIO

from coach import store
from coach.commands import KEYS
from coach.config import Config
from coach.errors import AudioDeviceError, CoachError, ConfigError, ModelError
from coach.keyboard import KeyReader, is_terminal
from coach.listen.base import Detection
from coach.listen.judge.words import Words
from coach.menu import KEYS as MENU_KEYS_AT_ONCE
from coach.menu import Choice, Item, Menu, MenuOptions, Offer
from coach.menuloop import MenuLoop
from coach.nativelines import NativeLines
from coach.routine import Role, Routine
from coach.runtime import Clock, Runtime, read_input
from coach.session import Finish, Options, Session
from coach.speech.base import DoneCallback, Earcon, Speaker
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
    record_audio: Path | None = None   # write the microphone's and the speaker's sound here
    #: (step, level) of an interrupted session the coach offers to carry on from, and when it was
    offer: tuple[int, int] | None = None
    offer_when: str = ""

    def audio(self) -> AudioPlan:
        return AudioPlan(self.voice, self.input_device, self.output_device, self.engine, self.routine.language,
                         self.record_audio)


@dataclass(frozen=True)
class AudioPlan:
    """What the live audio is built from."""

    voice: str
    input_device: str
    output_device: str
    engine: str
    language: str   # the recogniser's
    record_audio: Path | None = None


class Hooks:
    """The live audio's callbacks. They call whatever is set here when they fire, so that one set of
    audio (one speaker, one listening process with its model loaded) serves the menu and then the
    session it starts: each sets these to its own."""

    def __init__(self) -> None:
        self.done: DoneCallback = lambda uid, interrupted: None
        self.command: Callable[[Detection], None] = lambda detection: None
        self.echo: Callable[[Detection, float], None] = lambda detection, left_db: None
        self.words: Callable[[Words], None] = lambda words: None
        self.error: Callable[[Exception], None] = lambda error: None
        self.lost: Callable[[Exception], None] = lambda error: None


@dataclass
class Audio:
    """The live audio parts of a session, with one ``close`` for all of them."""

    speaker: Speaker
    close: Callable[[], None]
    #: the recogniser writes down words, not only commands (the menu hears numbers and names)
    transcribes: bool = False
    language: str = "en"
    voice: str = ""
    #: speak with this voice profile from now on (the same stream and listener)
    use_voice: Callable[[str], None] = lambda voice: None


def build_audio(plan: AudioPlan, config: Config, hooks: Hooks, warn: TextIO) -> Audio:
    """The real speaker (pyttsx3 + sounddevice, an output and an input stream) and the listener.

    The input stream's callback hands over each (microphone, played) pair of blocks; a pump
    thread moves them to the listener, a child process that cancels the coach's own voice (echo)
    and recognises. Raises AudioDeviceError when there is no usable device, ModelError when no
    recogniser loads. ``hooks.error`` is called when the sound device is lost, ``hooks.lost`` when
    the listening process has died and could not be started again.
    """
    from coach.listen.capture.recording import AudioRecorder
    from coach.listen.engines import make_recognizer
    from coach.listen.process import ListenerProcess
    from coach.speech.speaker import open_speaker

    # The recogniser loads in its own process (pocketsphinx holds Python's GIL while it decodes,
    # which held up the sound) while the speaker opens here.
    make = partial(make_recognizer, plan.engine, plan.language, config.listen.vosk_model or None)
    listener = ListenerProcess(make, lambda d: hooks.command(d), lambda d, db: hooks.echo(d, db),
                               config.listen.noise_suppression, warn=warn, on_lost=lambda e: hooks.lost(e)).launch()
    listener.on_words = lambda words: hooks.words(words)
    try:
        speaker, capture = open_speaker(voice=plan.voice, rate=config.speech.rate,
                                        output_device=plan.output_device or None,
                                        input_device=plan.input_device or None,
                                        done=lambda uid, interrupted: hooks.done(uid, interrupted), warn=warn,
                                        on_error=lambda e: hooks.error(e))
    except BaseException:
        listener.stop(1.0)
        raise
    listener.on_talk = speaker.duck   # the coach lowers its voice while the user talks over it
    recorder: AudioRecorder | None = None
    try:
        recorder = AudioRecorder(plan.record_audio) if plan.record_audio else None
        _announced_wait(speaker, listener.start, warn)
    except BaseException:
        listener.stop(1.0)
        speaker.close()
        if recorder is not None:
            recorder.close()
        raise
    with contextlib.suppress(queue.Empty):   # the sound from before the listener was ready: silence
        while True:
            capture.get_nowait()
    running = threading.Event()
    running.set()

    def pump() -> None:
        while running.is_set():
            try:
                mic, played = capture.get(timeout=0.2)
            except queue.Empty:
                continue
            listener.put(mic, played)
            if recorder is not None:
                recorder.write(mic, played)

    thread = threading.Thread(target=pump, name="coach-capture", daemon=True)
    thread.start()

    def close() -> None:
        running.clear()
        thread.join(1.0)
        listener.stop()
        speaker.close()
        if recorder is not None:
            recorder.close()

    return Audio(speaker, close, listener.transcribes, plan.language, plan.voice,
                 partial(_use_voice, speaker, config, warn))


def _use_voice(speaker: Speaker, config: Config, warn: TextIO, voice: str) -> None:
    """Speak with the voice profile ``voice`` from now on; a profile that cannot be used is said on
    ``warn`` and the voice stays as it was."""
    from coach.speech.speaker import AudioSpeaker
    from coach.speech.voices import find_profile, make_synth

    if not isinstance(speaker, AudioSpeaker):
        return
    try:
        speaker.use_synth(make_synth(find_profile(voice), config.speech.rate,
                                     lambda line: print(line, file=warn, flush=True)))
    except CoachError as e:
        print(f"coach: {e}; the voice stays as it was", file=warn, flush=True)


#: A wait longer than this (seconds) is said aloud, and an earcon marks it every ``WAIT_TICK`` s
#: while it lasts (issue 18: the first run sat silent for 23 s while a language model was prepared).
WAIT_SAID = 2.0
WAIT_TICK = 2.0
WAITING = "One moment: I am getting ready to listen."
WAIT_ID = -1   # the utterance id of that line (the session's own ids count up from 1)


def _announced_wait(speaker: Speaker, work: Callable[[], object], warn: TextIO | None = None) -> None:
    """Run ``work`` (loading the recogniser), saying so once it has taken ``WAIT_SAID`` seconds, with
    a soft earcon every ``WAIT_TICK`` seconds after that; re-raise what it raised."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as e:   # handed to the caller's thread
            failed.append(e)

    thread = threading.Thread(target=run, name="coach-getting-ready", daemon=True)
    thread.start()
    thread.join(WAIT_SAID)
    if thread.is_alive():
        speaker.say(WAIT_ID, WAITING)
        if warn is not None:
            with contextlib.suppress(Exception):
                print(f"coach: {WAITING}", file=warn, flush=True)
        while True:
            thread.join(WAIT_TICK)
            if not thread.is_alive():
                break
            speaker.tone(Earcon.OK)
    if failed:
        raise failed[0]


def build_speaker_alone(plan: AudioPlan, config: Config, hooks: Hooks, warn: TextIO) -> Audio:
    """The speaker without a microphone or a recogniser: for a session that cannot hear, which
    still speaks and takes keys. Raises AudioDeviceError / ConfigError when nothing can play."""
    from coach.speech.speaker import open_speaker

    speaker, _ = open_speaker(voice=plan.voice, rate=config.speech.rate, output_device=plan.output_device or None,
                              input_device=None, done=lambda uid, interrupted: hooks.done(uid, interrupted),
                              warn=warn, on_error=lambda e: hooks.error(e), listen=False)
    return Audio(speaker, speaker.close, False, plan.language, plan.voice, partial(_use_voice, speaker, config, warn))


#: The keys named when the coach carries on without listening, in a session and in the menu.
SESSION_KEYS = "h harder, s softer, x stop, n next, ? help"
MENU_KEYS = "a number key chooses, n next, y yes, x leave, ? help"


def open_audio(plan: AudioPlan, config: Config, hooks: Hooks, stdin: TextIO, err: TextIO,
               keys: str = SESSION_KEYS) -> tuple[Audio | None, str]:
    """The live audio, and why it cannot hear ("" when it can). A microphone or recogniser that
    fails leaves the speaker alone, which still speaks, with the keys; when nothing can play either,
    None: text mode. What failed, and what carries on, is said on ``err``."""
    try:
        return build_audio(plan, config, hooks, err), ""
    except (AudioDeviceError, ModelError, ConfigError) as e:
        print(f"coach: {e}", file=err)
        how = KEYS_AT_ONCE if is_terminal(stdin) else "type a key or a word and Enter"
        try:   # the microphone or the recogniser failed: the coach can still speak, and keys work
            audio = build_speaker_alone(plan, config, hooks, err)
        except (AudioDeviceError, ConfigError) as e2:
            print(f"coach: {e2}", file=err)
            print(f"coach: carrying on in text mode: the coach's words are printed here; {how} ({keys}).",
                  file=err)
            return None, ""
        deaf = ("the microphone could not be opened" if isinstance(e, AudioDeviceError)
                else "the speech recogniser could not be loaded" if isinstance(e, ModelError)
                else "the listening settings are wrong")
        print(f"coach: carrying on without listening: the coach speaks, and the keys work; {how} ({keys}).",
              file=err)
        return audio, deaf


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


@contextlib.contextmanager
def _signals_interrupt(runtime: Runtime | MenuLoop) -> Iterator[None]:
    """SIGTERM and SIGHUP end the session the way Ctrl-C does: saved, resumable."""

    def handler(signum: int, frame: FrameType | None) -> None:
        runtime.interrupt(signal.Signals(signum).name.lower())

    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


KEYS_AT_ONCE = "keys act at once; for words, press Enter, type them, and Enter"
DEVICE_LOST = "audio device lost"   # the reason a session ends when its sound device stops working
LISTENING_LOST = "listening lost"    # ... when the listening process died and could not be restarted


def run_session(plan: SessionPlan, config: Config, out: TextIO, stdin: TextIO | None = None,
                err: TextIO | None = None) -> Finish:
    """Run one session to its end and keep what must be kept (log, resume point, profile).

    Meanwhile native libraries' messages on descriptor 2 go into the session log, not onto the
    terminal a screen reader reads (:mod:`coach.nativelines`)."""
    with NativeLines() as native:
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
    log = store.SessionLog(list(plan.log_paths), warn=err)
    clock = Clock(plan.speed)
    native.set_sink(lambda line: log.write(clock.now(), "native", {"text": line}))
    main_log = str(plan.log_paths[0])

    def checkpoint(step: int, level: int) -> None:
        try:
            store.save_resume(store.ResumePoint(routine=routine.id, path=str(routine.path or ""), step=step,
                                                level=level, role=plan.role, log=main_log, saved=time.time()))
        except OSError as e:
            print(f"coach: could not save the resume point ({e}); the session goes on", file=err)

    holder: list[Runtime] = []

    def done(uid: int, interrupted: bool) -> None:
        if uid != WAIT_ID and holder:   # the "getting ready" line is no utterance of the session's
            holder[0].speech_done(uid, interrupted)

    def on_command(detection: Detection) -> None:
        holder[0].detected(detection)

    def on_echo(detection: Detection, left_db: float) -> None:
        holder[0].echo(detection.command, detection.heard, left_db)

    def on_error(error: Exception) -> None:
        print(f"coach: {error}", file=err)   # how to resume is said when the session has ended
        holder[0].interrupt(DEVICE_LOST)

    def on_lost(error: Exception) -> None:
        print(f"coach: {error}", file=err)
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
                      offer_when=plan.offer_when, safety_known=known, ask_notes=ask)
    session = Session(routine, options)
    speaker: Speaker = audio.speaker if audio else PrintSpeaker(out, done)
    runtime = Runtime(session, speaker, log, clock, on_checkpoint=checkpoint,
                      transcript=None if text_mode else out)
    holder.append(runtime)
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
    with contextlib.suppress(OSError):
        store.remember_level(routine.id, result.level)
        if session.safety_heard:
            store.remember_safety_heard(routine.id, routine.safety_fingerprint)
        if session.notes_short is not None:
            store.remember_notes_short(session.notes_short)
        if result.completed:
            store.clear_resume()
    return result


# ---------------------------------------------------------------------------------------------
# the menu


@dataclass(frozen=True)
class MenuPlan:
    """What the menu offers, and how it speaks and listens."""

    items: tuple[Item, ...]
    offer: Offer | None
    audio: AudioPlan
    text_mode: bool
    log_paths: tuple[Path, ...]
    answer_wait: float = 15.0


def run_menu(plan: MenuPlan, config: Config, plan_for: Callable[[Choice], SessionPlan], out: TextIO,
             stdin: TextIO | None = None, err: TextIO | None = None) -> tuple[Choice, Finish | None]:
    """Run the menu, then the session chosen in it (``plan_for`` plans it) on the same speaker,
    listener and keys; the choice, and how the session ended (None: none was started)."""
    with NativeLines() as native:
        return _run_menu(plan, config, plan_for, out, native, stdin, err)


def _run_menu(plan: MenuPlan, config: Config, plan_for: Callable[[Choice], SessionPlan], out: TextIO,
              native: NativeLines, stdin: TextIO | None = None,
              err: TextIO | None = None) -> tuple[Choice, Finish | None]:
    err = err or sys.stderr
    stdin = stdin if stdin is not None else sys.stdin
    log = store.SessionLog(list(plan.log_paths), warn=err)
    clock = Clock()
    native.set_sink(lambda line: log.write(clock.now(), "native", {"text": line}))
    holder: list[MenuLoop] = []

    def done(uid: int, interrupted: bool) -> None:
        if uid != WAIT_ID and holder:
            holder[0].speech_done(uid, interrupted)

    def on_command(d: Detection) -> None:
        if holder:
            holder[0].detected(d)

    def on_words(words: Words) -> None:
        if holder:
            holder[0].words(words.text, words.echo_db, words.excess_db, words.ended_at)

    def on_error(error: Exception) -> None:
        print(f"coach: {error}", file=err)
        if holder:
            holder[0].interrupt(DEVICE_LOST)

    def on_lost(error: Exception) -> None:
        print(f"coach: {error}", file=err)
        if holder:
            holder[0].interrupt(LISTENING_LOST)

    hooks = Hooks()
    hooks.done, hooks.command, hooks.words, hooks.error, hooks.lost = done, on_command, on_words, on_error, on_lost
    audio: Audio | None = None
    deaf = ""
    relay = InputRelay()
    keys: KeyReader | None = None
    try:
        if not plan.text_mode:
            audio, deaf = open_audio(plan.audio, config, hooks, stdin, err, MENU_KEYS)
        text_mode = audio is None
        menu = Menu(plan.items, plan.offer, MenuOptions(answer_wait=plan.answer_wait,
                                                        words=text_mode or bool(audio and audio.transcribes),
                                                        cannot_hear=deaf, language=plan.audio.language))
        speaker: Speaker = audio.speaker if audio else PrintSpeaker(out, done)
        loop = MenuLoop(menu, speaker, log, clock, transcript=None if text_mode else out)
        holder.append(loop)
        relay.to(loop)
        if is_terminal(stdin):
            try:
                keys = KeyReader(stdin, relay.text, out, keys=MENU_KEYS_AT_ONCE).start()
            except OSError as e:
                print(f"coach: keys need Enter on this terminal ({e})", file=err)
        if keys is None:
            read_input(relay, stdin)
        with _signals_interrupt(loop):
            choice = loop.run()
        relay.to(None)   # what is typed now waits for the session
        native.set_sink(None)
        log.close()
        if choice.action == "leave":
            return choice, None
        session_plan = plan_for(choice)
        shared = Shared(audio, hooks, deaf, text_mode, relay, keys)
        result = _run_session(session_plan, config, out, native, stdin, err, shared)
        audio = shared.audio
        return choice, result
    finally:
        native.set_sink(None)
        log.close()
        if keys is not None:
            keys.stop()
        if audio is not None:
            with contextlib.suppress(Exception):
                audio.close()
