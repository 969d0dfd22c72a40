"""A second opinion on command words: EfficientWord-Net's word vectors.

EfficientWord-Net (the ``efficientword-net`` wheel, Apache-2.0) ships a ResNet-50 trained with an
ArcFace loss on real people's single words (MLCommons' Multilingual Spoken Words). It turns 1.5 s
of audio into 2,048 numbers, and two sayings of one word point the same way, whoever says them.
Only its model file and its filter bank are used; the wheel is installed with ``--no-deps``, since
its own dependencies serve a microphone demo.

:class:`WordVectors` slides a 1.5 s window over an utterance (at most ``MAX_WINDOWS`` of them) and
gives each command the best cosine similarity between a window and its reference sayings. The
references are the command phrases said by the listening benchmark's tuning voices, stored in
``wordvec_refs.npz`` beside this file (``python -m bench wordrefs`` makes it again). Whisper's
judge asks for this second opinion only about utterances whose best-fitting core phrase missed its
own thresholds but not looser ones (:func:`coach.listen.judge.whisper.decide` weighs the two).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from coach.commands import Command
from coach.errors import ModelError
from coach.listen.base import SAMPLE_RATE, Block

#: The pip package that carries the model, and the model inside it (8-bit weights: 22 MB).
MODEL_PIP = "efficientword-net"
MODEL_FILE = "models/resnet_50_arc/slim_93%_accuracy_72.7390%_qint8.onnx"

#: The reference vectors: an array per command, one row per saying.
REFERENCES = Path(__file__).with_name("wordvec_refs.npz")

WINDOW = int(1.5 * SAMPLE_RATE)   # the model's input: 1.5 s
HOP = int(0.15 * SAMPLE_RATE)     # windows over a longer utterance start this far apart ...
#: ... but never more windows than this: spread evenly over a longer span instead. A command phrase
#: is at most 1.4 s of speech (the listening benchmark's), so five windows (2.1 s at ``HOP``) cover
#: an utterance of one phrase; the rest are Whisper's 3 s windows over a gate held open, mostly by
#: the coach's own voice, where 11 windows cost about 200 ms of processor time a judgement and the
#: listener fell behind 53 times in a 30-minute soak (2026-12-03), against 10 without the vectors.
MAX_WINDOWS = 5


def window_starts(samples: int) -> list[int]:
    """Where the windows over ``samples`` (at least ``WINDOW``) of audio start: every ``HOP``
    samples, and the last one ending with the audio; or, when that makes more than
    ``MAX_WINDOWS``, that many spread evenly from the start to the end. One pass of the model each."""
    starts = list(range(0, samples - WINDOW + 1, HOP))
    if starts[-1] != samples - WINDOW:
        starts.append(samples - WINDOW)
    if len(starts) > MAX_WINDOWS:
        starts = [round(i * (samples - WINDOW) / (MAX_WINDOWS - 1)) for i in range(MAX_WINDOWS)]
    return starts


class WordVectors:
    """Loads the model and the references once; :meth:`similarity` compares an utterance with them."""

    def __init__(self, references: Path | None = REFERENCES, threads: int = 1) -> None:
        """``references=None``: the model alone, to make references with (``python -m bench wordrefs``)."""
        t = time.perf_counter()
        fix = f".venv/bin/pip install --no-deps {MODEL_PIP} (or run `make run`)"
        try:
            import eff_word_net
            import onnxruntime as ort
            from eff_word_net.audio_utils import logfbank
        except ImportError as e:
            raise ModelError(f"the word-vector model ({MODEL_PIP}) is not installed ({e})", fix) from e
        model = Path(eff_word_net.__file__).parent / MODEL_FILE
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        try:
            self._session: Any = ort.InferenceSession(str(model), sess_options=options,
                                                      providers=["CPUExecutionProvider"])
        except Exception as e:   # onnxruntime raises its own exception types for a bad or missing file
            raise ModelError(f"the word-vector model could not be loaded from {model}: {e}",
                             f".venv/bin/pip install --no-deps --force-reinstall {MODEL_PIP}") from e
        self._logfbank: Any = logfbank
        self._input = self._session.get_inputs()[0].name
        self.references: dict[Command, np.ndarray] = {}
        try:
            if references is not None:
                with np.load(references) as saved:
                    self.references = {Command(k): np.asarray(saved[k], dtype=np.float32) for k in saved.files}
        except (OSError, ValueError, KeyError) as e:
            raise ModelError(f"the reference word vectors in {references} could not be read: {e}",
                             "restore it from the repository: git checkout -- coach/listen/judge/wordvec_refs.npz"
                             ) from e
        self.load_seconds = time.perf_counter() - t

    def vectors(self, audio: Block) -> np.ndarray:
        """Unit vectors of the 1.5 s windows of ``audio`` (16 kHz mono int16): one window, centred,
        when it is shorter; else windows every ``HOP`` samples, the last one ending with it."""
        x = np.asarray(audio, dtype=np.float64) / 32768.0
        if len(x) < WINDOW:
            before = (WINDOW - len(x)) // 2
            x = np.concatenate([np.zeros(before), x, np.zeros(WINDOW - len(x) - before)])
        out = []
        for s in window_starts(len(x)):
            feats = self._logfbank(x[s:s + WINDOW], samplerate=SAMPLE_RATE, winlen=0.025, winstep=0.01,
                                   nfilt=64, nfft=512, preemph=0.0)
            out.append(self._session.run(None, {self._input: np.float32(feats[None, None])})[0][0])
        v = np.asarray(out, dtype=np.float32)
        unit: np.ndarray = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)
        return unit

    def similarity(self, audio: Block) -> dict[Command, float]:
        """Each command's best cosine similarity between a window of ``audio`` and one of its references."""
        v = self.vectors(audio)
        return {c: float((v @ refs.T).max()) for c, refs in self.references.items()}
