"""The embedded default recogniser: pocketsphinx with the English model its wheel carries.

Rejection is done by competition, not by thresholds: the search is a unigram language model over
the command words *and* ~3000 common English words (:mod:`coach.listen.fillers`). Chat, radio and
near misses ("hard to say", "the text", "my neck") are explained by ordinary words; a command is
emitted only when a command word wins. ``boost`` is how many times likelier a command word is than
one ordinary word (the single knob that trades misses against false accepts).

Measured against keyword spotting (``kws`` with per-phrase thresholds) and a closed grammar: kws
fired on one-phone words ("ow") everywhere and found no threshold that both caught "stop" and kept
chat quiet; a closed grammar maps all speech to commands. See ``bench/listen.py``.

A command is emitted as soon as the partial hypothesis holds a command word that has been followed
by ``settle`` seconds of further audio (so "stop" is not emitted while "stopwatch" is still being
said), which keeps latency near ``settle`` + one block after the end of the word.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from typing import Any

import numpy as np

from coach.commands import Command, parse, phrases
from coach.errors import ModelError
from coach.listen.base import SAMPLE_RATE, Block, Detection
from coach.listen.fillers import FILLER_WORDS

FRAME_RATE = 100  # pocketsphinx frames per second

# One-word commands too short to tell from ordinary speech by sound alone get no boost.
_WEAK = {"ow"}


@dataclass(frozen=True)
class SphinxOptions:
    """Tuning knobs (the defaults are what the benchmark chose)."""

    boost: float = 30.0           # prior of a command word relative to one ordinary word
    settle: float = 0.15          # seconds a command word must stay in the hypothesis after it ends
    max_utterance: float = 12.0   # restart the search after this much audio
    silence_restart: float = 0.6  # ... at a moment this long after the last word
    lw: float = 6.5               # language weight


def model_dir() -> str:
    """Where the pocketsphinx wheel keeps its English model."""
    try:
        from pocketsphinx import get_model_path
    except ImportError as e:  # pragma: no cover - a dependency
        raise ModelError("pocketsphinx is not installed", "pip install pocketsphinx (or run `make run`)") from e
    return os.path.join(str(get_model_path()), "en-us")


def _dictionary(path: str) -> dict[str, str]:
    out: dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and "(" not in parts[0]:
                out.setdefault(parts[0], " ".join(parts[1:]))
    return out


def _write_lm(path: str, fillers: list[str], commands: set[str], boost: float) -> None:
    weights = {w: 1.0 for w in fillers}
    for w in commands:
        weights[w] = 1.0 if w in _WEAK else boost
    total = sum(weights.values()) + 1.0
    lines = ["\\data\\", f"ngram 1={len(weights) + 2}", "", "\\1-grams:",
             f"{math.log10(1.0 / total):.4f} </s>", "-99.0000 <s>"]
    lines += [f"{math.log10(wt / total):.4f} {w}" for w, wt in sorted(weights.items())]
    lines += ["", "\\end\\", ""]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


class SphinxRecognizer:
    """Implements :class:`coach.listen.base.Recognizer` with pocketsphinx (English only)."""

    name = "pocketsphinx"

    def __init__(self, language: str = "en", options: SphinxOptions | None = None,
                 model: str | None = None) -> None:
        if language != "en":
            raise ModelError(f"pocketsphinx has only an English model, not '{language}'",
                             "use --language en, or --engine vosk with a vosk model for that language")
        self.options = options or SphinxOptions()
        self.language = language
        base = model or model_dir()
        hmm = os.path.join(base, "en-us")
        dict_path = os.path.join(base, "cmudict-en-us.dict")
        if not (os.path.isdir(hmm) and os.path.isfile(dict_path)):
            raise ModelError(f"the pocketsphinx English model is missing or broken in {base}",
                             "reinstall it: .venv/bin/pip install --force-reinstall pocketsphinx")
        try:
            from pocketsphinx import Config, Decoder
        except ImportError as e:  # pragma: no cover
            raise ModelError("pocketsphinx is not installed", "pip install pocketsphinx") from e
        pron = _dictionary(dict_path)
        self._phrases = [p for p in phrases(language) if all(w in pron for w in p.split())]
        command_words = {w for p in self._phrases for w in p.split()}
        single = {p for p in self._phrases if " " not in p}
        fillers = [w for w in FILLER_WORDS if w in pron and w not in single]
        self._command_words = single | {p.split()[-1] for p in self._phrases}
        with tempfile.TemporaryDirectory(prefix="coach-sphinx-") as tmp:
            lm = os.path.join(tmp, "commands.arpa")
            # the other words of multi-word phrases are ordinary words
            fillers += sorted(command_words - single - set(fillers))
            _write_lm(lm, fillers, single, self.options.boost)
            try:
                config: Any = Config(hmm=hmm, dict=dict_path, lm=lm, loglevel="FATAL",
                                     fwdflat=False, bestpath=False, lw=self.options.lw,
                                     samprate=SAMPLE_RATE)
                self._decoder: Any = Decoder(config)
            except (RuntimeError, ValueError, OSError) as e:
                raise ModelError(f"pocketsphinx could not load its model from {base}: {e}",
                                 "reinstall it: .venv/bin/pip install --force-reinstall pocketsphinx") from e
        self._samples = 0        # audio consumed since reset
        self._utt_start = 0      # sample at which the current utterance began
        self._emitted: set[int] = set()  # start frames (in the utterance) of words already emitted
        self._in_utt = False
        self._last_word_end = 0  # frame

    # -- Recognizer -------------------------------------------------------------------------
    def accept(self, block: Block) -> list[Detection]:
        if not self._in_utt:
            self._decoder.start_utt()
            self._in_utt = True
            self._utt_start = self._samples
            self._emitted = set()
            self._last_word_end = 0
        data = np.ascontiguousarray(block, dtype=np.int16)
        self._decoder.process_raw(data.tobytes(), False, False)
        self._samples += len(data)
        out = self._scan(final=False)
        utt_frames = (self._samples - self._utt_start) * FRAME_RATE // SAMPLE_RATE
        quiet = (utt_frames - self._last_word_end) / FRAME_RATE
        seconds = utt_frames / FRAME_RATE
        # restart the search now and then (between words), so it never grows without bound
        if (seconds >= self.options.max_utterance and quiet >= self.options.silence_restart) or (
                seconds >= 2 * self.options.max_utterance):
            self._decoder.end_utt()
            out += self._scan(final=True)
            self._in_utt = False
        return out

    def reset(self) -> None:
        if self._in_utt:
            self._decoder.end_utt()
            self._in_utt = False
        self._samples = 0
        self._utt_start = 0

    # -- internals --------------------------------------------------------------------------
    def _scan(self, final: bool) -> list[Detection]:
        hyp = self._decoder.hyp()
        if hyp is None or not hyp.hypstr.strip():
            return []
        now = (self._samples - self._utt_start) * FRAME_RATE // SAMPLE_RATE
        words: list[tuple[str, int, int, float]] = []
        for seg in self._decoder.seg():
            word = seg.word.lower()
            if word.startswith(("<", "[", "+")):
                continue
            word = word.split("(")[0]
            words.append((word, seg.start_frame, seg.end_frame, float(seg.prob)))
        if words:
            self._last_word_end = max(self._last_word_end, words[-1][2])
        out: list[Detection] = []
        settle = int(self.options.settle * FRAME_RATE)
        for i, (word, start, end, _prob) in enumerate(words):
            if word not in self._command_words or start in self._emitted:
                continue
            if not final and now - end < settle:
                continue
            # the phrase: the command word with up to three words before it that belong to it
            lo = max(0, i - 3)
            context = " ".join(w for w, *_ in words[lo:i + 1])
            command = parse(context, self.language)
            if command is None:
                continue
            heard = _phrase_in(context, self.language)
            self._emitted.add(start)
            at = round(self._samples / SAMPLE_RATE, 3)
            out.append(Detection(command, heard, self._confidence(words[i]), at))
        return out

    def _confidence(self, word: tuple[str, int, int, float]) -> float:
        try:
            logmath = self._decoder.get_logmath()
            p = float(logmath.exp(int(word[3])))
        except (AttributeError, OverflowError, ValueError, TypeError):
            return 0.9
        return round(min(1.0, max(0.0, p)), 3) if p > 0 else 0.9


def _phrase_in(text: str, language: str) -> str:
    """The longest command phrase found at the end of ``text`` (what was heard)."""
    for p in phrases(language):
        if text == p or text.endswith(" " + p):
            return p
    return text.split()[-1]


def command_of(text: str, language: str = "en") -> Command | None:
    """The command in a hypothesis (exposed for the benchmark)."""
    return parse(text, language)
