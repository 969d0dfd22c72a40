"""Text to PCM with pyttsx3 (espeak-ng): one engine thread, a cache, and render-ahead.

pyttsx3 is not thread-safe and espeak-ng initialises once per process, so a single daemon thread
(:class:`_EngineThread`, shared by every :class:`Synth` in the process) owns the engine. Each
utterance is rendered with ``save_to_file`` into a temporary WAV, read back, resampled to
16 kHz mono int16 (the whole audio path runs at that rate so the player's output can serve as the
echo canceller's reference), and lightly trimmed of leading/trailing silence.

pyttsx3 prints "Audio saved to ..." for every file; those writes are dropped (only writes made by
the engine thread are swallowed; other threads' output passes through).
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import sys
import tempfile
import threading
import wave
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any, TextIO

import numpy as np
import numpy.typing as npt

from coach import interrupts
from coach.listen.base import SAMPLE_RATE
from coach.terminal import spoken

Pcm = npt.NDArray[np.int16]

#: Samples above this magnitude count as sound when trimming (about -50 dBFS).
TRIM_THRESHOLD = 100
#: Silence kept before the first and after the last sound when trimming.
TRIM_KEEP_LEAD = 0.02
TRIM_KEEP_TAIL = 0.06


@dataclass(frozen=True)
class VoiceSettings:
    """What the engine is set to for one render. Part of the cache key."""

    voice_id: str = ""      # "" = the engine's default voice
    rate: int = 170         # words per minute
    pitch: int = 50         # 0..100 (espeak-ng)
    volume: float = 1.0     # 0..1


@dataclass(frozen=True)
class EngineVoice:
    """A voice installed in the engine."""

    id: str
    name: str
    languages: tuple[str, ...]


#: The most text an engine is given at once (characters): a line longer than this is said as its
#: sentences, and a sentence longer than this in pieces at commas or spaces (issue 37: a 100 KB line
#: asked onnxruntime for 230 GB). `coach validate` refuses lines over 1000 (coach.routine.check).
MAX_CHUNK = 400
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")
_COMMA = re.compile(r"(?<=[,)])\s+")


def chunks(text: str, limit: int = MAX_CHUNK) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut between sentences where it can be,
    else after a comma, else between words, else anywhere; short sentences are kept together."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        pieces += _cut(sentence, limit, (_COMMA, re.compile(r"\s+")))
    out: list[str] = []
    for piece in pieces:
        if out and len(out[-1]) + 1 + len(piece) <= limit:
            out[-1] += " " + piece
        elif piece:
            out.append(piece)
    return out


def _cut(text: str, limit: int, at: tuple[re.Pattern[str], ...]) -> list[str]:
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    if not at:
        return [text[i:i + limit] for i in range(0, len(text), limit)]
    out: list[str] = []
    for part in at[0].split(text):
        if out and len(out[-1]) + 1 + len(part) <= limit:
            out[-1] += " " + part
        else:
            out += _cut(part, limit, at[1:])
    return out


def resample(pcm: npt.NDArray[Any], rate_in: int, rate_out: int = SAMPLE_RATE) -> Pcm:
    """Band-limited (FFT) resampling of mono int16 PCM."""
    if rate_in == rate_out or len(pcm) == 0:
        return np.asarray(pcm, dtype=np.int16).copy()
    pad = 256   # zero padding so the FFT's circular edges fall in silence
    x = np.concatenate([np.zeros(pad), np.asarray(pcm, dtype=np.float64), np.zeros(pad)])
    n_out = round(len(x) * rate_out / rate_in)
    spectrum = np.fft.rfft(x)
    keep = n_out // 2 + 1
    if keep < len(spectrum):
        spectrum = spectrum[:keep]
    y = np.fft.irfft(spectrum, n=n_out) * (n_out / len(x))
    cut = round(pad * rate_out / rate_in)
    y = y[cut: len(y) - cut]
    return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def trim(pcm: Pcm, rate: int = SAMPLE_RATE) -> Pcm:
    """Cut leading and trailing silence, keeping a little of each so nothing clicks."""
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > TRIM_THRESHOLD)
    if len(loud) == 0:
        return pcm[:0].copy()
    start = max(0, int(loud[0]) - int(TRIM_KEEP_LEAD * rate))
    end = min(len(pcm), int(loud[-1]) + 1 + int(TRIM_KEEP_TAIL * rate))
    return pcm[start:end].copy()


def _is_engine_writer(quiet: threading.Thread) -> bool:
    # espeak-ng calls pyttsx3's synth callback (which prints) on its own native thread, which
    # Python sees as a _DummyThread; the coach's own threads are all made by `threading`.
    t = threading.current_thread()
    return t is quiet or isinstance(t, threading._DummyThread)


class _QuietStdout:
    """Stands in for sys.stdout while the engine runs: drops writes made by the engine only."""

    def __init__(self, real: TextIO, quiet_thread: threading.Thread) -> None:
        self._real = real
        self._quiet = quiet_thread

    def write(self, s: str) -> int:
        if _is_engine_writer(self._quiet):
            return len(s)
        return self._real.write(s)

    def flush(self) -> None:
        if not _is_engine_writer(self._quiet):
            self._real.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


#: the engine's voice when it started (set on the engine thread)
_default_voice = ""

_Job = tuple[Callable[[Any], Any], "Future[Any]"]


class _EngineThread:
    """The one thread that owns the pyttsx3 engine. Jobs are functions of the engine."""

    _instance: _EngineThread | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="coach-tts", daemon=True)
        self._thread.start()

    @classmethod
    def get(cls) -> _EngineThread:
        with cls._lock:
            if cls._instance is None:
                cls._instance = _EngineThread()
            return cls._instance

    def submit(self, fn: Callable[[Any], Any]) -> Future[Any]:
        fut: Future[Any] = Future()
        self._jobs.put((fn, fut))
        return fut

    def _run(self) -> None:
        engine: Any = None
        init_error: BaseException | None = None
        try:
            import pyttsx3

            engine = pyttsx3.init("espeak")
            global _default_voice
            _default_voice = str(engine.getProperty("voice") or "")
        except Exception as e:   # reported to every job below
            init_error = e
        while True:
            fn, fut = self._jobs.get()
            if not fut.set_running_or_notify_cancel():
                continue
            if init_error is not None:
                fut.set_exception(RuntimeError(f"text-to-speech engine failed to start: {init_error}"))
                continue
            try:
                fut.set_result(fn(engine))
            except BaseException as e:
                fut.set_exception(e)

    @property
    def thread(self) -> threading.Thread:
        return self._thread


def _render_in_engine(engine: Any, text: str, settings: VoiceSettings) -> Pcm:
    """Runs on the engine thread."""
    from pyttsx3.drivers import _espeak

    # espeak-ng runs asynchronously: settings changed while it is still finishing the previous
    # utterance can land one utterance late. Wait for it to be idle before and after setting.
    _espeak.Synchronize()
    engine.setProperty("voice", settings.voice_id or _default_voice)
    engine.setProperty("rate", int(settings.rate))
    engine.setProperty("volume", float(settings.volume))
    with contextlib.suppress(KeyError, ValueError):   # a driver without pitch ignores the profile's
        engine.setProperty("pitch", int(settings.pitch))
    _espeak.Synchronize()
    return trim(np.concatenate([_save(engine, piece) for piece in chunks(text)]))


def _save(engine: Any, text: str) -> Pcm:
    """Render ``text`` with the engine's current settings; 16 kHz mono int16, untrimmed."""
    from pyttsx3.drivers import _espeak

    fd, path = tempfile.mkstemp(prefix="coach-tts-", suffix=".wav")
    os.close(fd)
    real = sys.stdout
    sys.stdout = _QuietStdout(real, threading.current_thread())
    try:
        engine.save_to_file(text, path)
        engine.runAndWait()
        # pyttsx3 2.99's espeak loop can return as soon as synthesis has *started* (its end-loop
        # command is pumped with the others): wait until espeak-ng has finished and written the file.
        _espeak.Synchronize()
    finally:
        if isinstance(sys.stdout, _QuietStdout):
            sys.stdout = real
    try:
        with wave.open(path, "rb") as w:
            rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
            raw = w.readframes(w.getnframes())
    except (OSError, EOFError, wave.Error):
        raw, rate, width, channels = b"", SAMPLE_RATE, 2, 1
    finally:
        os.unlink(path)
    if width != 2:
        raise RuntimeError(f"text-to-speech wrote {8 * width}-bit audio; expected 16-bit")
    pcm = np.frombuffer(raw, dtype=np.int16)
    if channels > 1:
        pcm = pcm.reshape(-1, channels).mean(axis=1).astype(np.int16)
    return resample(pcm, rate)


def _list_in_engine(engine: Any) -> list[EngineVoice]:
    out = []
    for v in engine.getProperty("voices"):
        langs = tuple(x.decode() if isinstance(x, bytes) else str(x) for x in (v.languages or []))
        out.append(EngineVoice(id=str(v.id), name=str(v.name), languages=langs))
    return out


def installed_voices() -> list[EngineVoice]:
    """Every voice the engine has (blocks until the engine thread answers)."""
    result: list[EngineVoice] = _EngineThread.get().submit(_list_in_engine).result(timeout=30)
    return result


def default_voice() -> str:
    """The engine's own default voice id."""
    _EngineThread.get().submit(lambda engine: None).result(timeout=30)
    return _default_voice


def engine_thread() -> threading.Thread:
    """The thread that owns the engine (for tests: nothing else may touch pyttsx3)."""
    return _EngineThread.get().thread


class CachedSynth:
    """Renders text to 16 kHz mono int16 PCM, caching each (text, voice, rate, pitch, volume).

    :meth:`render` blocks (returns at once when cached); :meth:`prepare` and :meth:`render_async`
    never block. Thread-safe. An engine subclasses it and implements :meth:`_submit`, which queues
    one render on the engine's own thread.
    """

    def __init__(self, settings: VoiceSettings | None = None, *, cache_size: int = 512) -> None:
        self._settings = settings or VoiceSettings()
        self._cache: OrderedDict[tuple[str, VoiceSettings], Future[Pcm]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        #: how many times the engine actually rendered (not served from the cache)
        self.render_count = 0

    @property
    def settings(self) -> VoiceSettings:
        return self._settings

    def set_rate(self, wpm: int) -> None:
        """Later renders use ``wpm`` words per minute."""
        self._settings = replace(self._settings, rate=int(wpm))

    def _submit(self, text: str, settings: VoiceSettings, *, ahead: bool = False) -> Future[Pcm]:
        """Queue one render on the engine (never blocks); ``ahead``: a render ahead of need, which
        an engine with an ordered queue may do after the others."""
        raise NotImplementedError

    def _hurry(self, text: str, settings: VoiceSettings, fut: Future[Pcm]) -> None:
        """Move the queued render ``fut`` to the front of the engine's queue (engines whose queue
        is first come, first served leave it where it is)."""

    def render_async(self, text: str, settings: VoiceSettings | None = None, *, ahead: bool = False) -> Future[Pcm]:
        """A future of the PCM for ``text``: done already if cached, else queued on the engine
        (``ahead``: behind the renders of lines already said)."""
        # every line reaches espeak-ng and Piper through here: a routine's control and bidi characters
        # are not words and are dropped (coach.terminal.spoken); the cache keys what is spoken
        key = (spoken(text), settings or self._settings)
        with self._lock:
            fut = self._cache.get(key)
            if fut is not None and not (fut.done() and fut.exception() is not None):
                self._cache.move_to_end(key)
                return fut
            self.render_count += 1
            fut = self._submit(key[0], key[1], ahead=ahead)
            self._cache[key] = fut
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return fut

    def render(self, text: str, settings: VoiceSettings | None = None) -> Pcm:
        """The PCM for ``text`` (blocks while it renders)."""
        # 60 s of the process's running time: not the time it spent suspended (issue 37: `coach
        # render` stopped for 60 s and continued ended in a TimeoutError)
        return interrupts.wait(self.render_async(text, settings), 60)

    def prepare(self, text: str) -> None:
        """Render ``text`` in the background so a later :meth:`render` finds it cached."""
        self.render_async(text, ahead=True)

    def hurry(self, text: str, settings: VoiceSettings | None = None) -> None:
        """``text`` is needed now: if its render is queued and not begun, it goes first."""
        key = (spoken(text), settings or self._settings)
        with self._lock:
            fut = self._cache.get(key)
        if fut is not None and not fut.running() and not fut.done():
            self._hurry(key[0], key[1], fut)

    def is_cached(self, text: str, settings: VoiceSettings | None = None) -> bool:
        with self._lock:
            fut = self._cache.get((spoken(text), settings or self._settings))
        return fut is not None and fut.done() and fut.exception() is None


class Synth(CachedSynth):
    """espeak-ng through pyttsx3, on the one engine thread."""

    engine = "espeak"

    def _submit(self, text: str, settings: VoiceSettings, *, ahead: bool = False) -> Future[Pcm]:
        fut: Future[Pcm] = _EngineThread.get().submit(lambda engine: _render_in_engine(engine, text, settings))
        return fut
