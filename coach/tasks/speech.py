"""`coach say`, `coach voices`, `coach devices`, `coach render`."""

from __future__ import annotations

import argparse
import sys
import threading
import wave
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, TextIO

import numpy as np
import numpy.typing as npt

from coach.config import load_config, voice_option
from coach.errors import AudioDeviceError, CoachError
from coach.listen.base import SAMPLE_RATE
from coach.speech.base import Earcon

Pcm = npt.NDArray[np.int16]


class PlannedLike(Protocol):
    """What :func:`mix_plan` needs of :class:`coach.timeline.Planned`."""

    @property
    def at(self) -> float: ...
    @property
    def kind(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def step(self) -> int: ...


def _warn(line: str) -> None:
    print(line, file=sys.stderr)


def _synth_for(args: argparse.Namespace, routine_voice: str | None = None) -> tuple[object, object]:
    from coach.speech.synth import Synth
    from coach.speech.voices import find_profile, resolve_settings

    config = load_config(Path(args.config) if getattr(args, "config", None) else None)
    name = voice_option(getattr(args, "voice", None)) or routine_voice or config.speech.voice
    profile = find_profile(name)
    return Synth(resolve_settings(profile, config.speech.rate, _warn)), config


def cmd_say(args: argparse.Namespace, out: TextIO) -> int:
    from coach.devices import resolve_output
    from coach.speech.speaker import build_speaker
    from coach.speech.synth import Synth

    synth, config = _synth_for(args)
    assert isinstance(synth, Synth)
    spec = args.output_device if args.output_device is not None else config.speech.output_device  # type: ignore[attr-defined]
    device = resolve_output(spec)
    finished = threading.Event()
    errors: list[Exception] = []

    def on_error(e: Exception) -> None:
        errors.append(e)
        finished.set()

    speaker = build_speaker(lambda uid, interrupted: finished.set(), synth, device=device, on_error=on_error)
    try:
        speaker.say(1, args.text)
        finished.wait(timeout=120)
    finally:
        speaker.close()
    if errors:
        raise errors[0] if isinstance(errors[0], CoachError) else AudioDeviceError(str(errors[0]))
    return 0


def cmd_voices(args: argparse.Namespace, out: TextIO) -> int:
    from coach.speech.synth import installed_voices
    from coach.speech.voices import load_profiles

    out.write("voice profiles:\n")
    for p in load_profiles().values():
        out.write(f"  {p.name}: {p.rate} words per minute, volume {p.volume:g}, pitch {p.pitch}, "
                  f"language {p.language}, voices {', '.join(p.voices) or '(engine default)'}\n")
    out.write("installed voices:\n")
    for v in installed_voices():
        out.write(f"  {v.id}: {v.name} ({', '.join(v.languages) or 'no language'})\n")
    return 0


def cmd_devices(args: argparse.Namespace, out: TextIO) -> int:
    from coach.devices import format_devices, list_devices

    for line in format_devices(list_devices()):
        out.write(line + "\n")
    return 0


def mix_plan(items: Sequence[PlannedLike], pcm_for: Callable[[PlannedLike], Pcm], tail: float = 1.0) -> Pcm:
    """Mix every planned sound at its time into one 16 kHz int16 buffer (``tail`` s of silence after)."""
    sounds = [(round(p.at * SAMPLE_RATE), pcm_for(p)) for p in items]
    end = max((start + len(pcm) for start, pcm in sounds), default=0) + round(tail * SAMPLE_RATE)
    mix = np.zeros(end, dtype=np.int32)
    for start, pcm in sounds:
        mix[start:start + len(pcm)] += pcm
    return np.clip(mix, -32768, 32767).astype(np.int16)


def write_wav(path: Path, pcm: Pcm, rate: int = SAMPLE_RATE) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(pcm, dtype="<i2").tobytes())


def cmd_render(args: argparse.Namespace, out: TextIO) -> int:
    from coach.routine import find
    from coach.speech.earcons import earcon_pcm
    from coach.speech.synth import Synth
    from coach.timeline import plan

    routine = find(args.routine)
    synth, _ = _synth_for(args, routine.voice)
    assert isinstance(synth, Synth)

    def seconds_for(text: str) -> float:
        return len(synth.render(text)) / SAMPLE_RATE

    items = plan(routine, level=args.level, role=args.role, seconds_for=seconds_for)
    total = len(routine.steps)
    shown = -1
    for p in items:
        if p.step != shown and 0 <= p.step < total:
            shown = p.step
            out.write(f"step {p.step + 1} of {total}: {routine.steps[p.step].title}\n")
            out.flush()

    def pcm_for(p: PlannedLike) -> Pcm:
        return earcon_pcm(Earcon(p.text)) if p.kind == "tone" else synth.render(p.text)

    pcm = mix_plan(items, pcm_for)
    path = Path(args.output)
    try:
        write_wav(path, pcm)
    except OSError as e:
        raise CoachError(f"{path}: cannot write: {e.strerror}", "check the directory exists and is writable") from e
    out.write(f"wrote {path}: {len(pcm) / SAMPLE_RATE:.1f} seconds, {len(items)} sounds\n")
    return 0
