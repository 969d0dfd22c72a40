"""The live audio a session or the menu speaks and listens with: what it is built from
(:class:`AudioPlan`), the callbacks it calls (:class:`Hooks`), the parts with one ``close``
(:class:`Audio`), and how they are opened (:func:`open_audio`: the speaker and the listening
process, else the speaker alone, else text mode), with the "getting ready" line said while the
recogniser loads.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TextIO

from coach import interrupts
from coach.config import Config
from coach.errors import AudioDeviceError, CoachError, ConfigError, ModelError
from coach.keyboard import is_terminal
from coach.listen.base import Detection
from coach.listen.judge.words import Words
from coach.speech.base import DoneCallback, Earcon, Speaker
from coach.terminal import printable_lines


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
        print(printable_lines(f"coach: {e}; the voice stays as it was"), file=warn, flush=True)


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
            if interrupts.held() is not None:   # Ctrl-C while it loads: the session ends without it
                raise KeyboardInterrupt
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
        print(printable_lines(f"coach: {e}"), file=err)
        how = KEYS_AT_ONCE if is_terminal(stdin) else "type a key or a word and Enter"
        try:   # the microphone or the recogniser failed: the coach can still speak, and keys work
            audio = build_speaker_alone(plan, config, hooks, err)
        except (AudioDeviceError, ConfigError) as e2:
            print(printable_lines(f"coach: {e2}"), file=err)
            print(f"coach: carrying on in text mode: the coach's words are printed here; {how} ({keys}).",
                  file=err)
            return None, ""
        deaf = ("the microphone could not be opened" if isinstance(e, AudioDeviceError)
                else "the speech recogniser could not be loaded" if isinstance(e, ModelError)
                else "the listening settings are wrong")
        print(f"coach: carrying on without listening: the coach speaks, and the keys work; {how} ({keys}).",
              file=err)
        return audio, deaf


KEYS_AT_ONCE = "keys act at once; for words, press Enter, type them, and Enter"
