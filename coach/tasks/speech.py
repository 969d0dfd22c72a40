"""`coach say`, `coach voices`, `coach devices`, `coach render`."""

from __future__ import annotations

import argparse
import os
import sys
import threading
import wave
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO

import numpy as np
import numpy.typing as npt

from coach.config import Config, load_config, voice_option
from coach.errors import AudioDeviceError, CoachError
from coach.listen.base import SAMPLE_RATE
from coach.private import replacing
from coach.speech.base import Earcon, Synthesizer
from coach.terminal import printable, printable_lines

if TYPE_CHECKING:
    from coach.speech.speaker import AudioSpeaker

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
    print(printable_lines(line), file=sys.stderr)


def _synth_for(args: argparse.Namespace, routine_voice: str | None = None) -> tuple[Synthesizer, Config]:
    """The synthesiser of the voice profile that --voice, else the routine, else the config names."""
    from coach.speech.voices import find_profile, make_synth

    config = load_config(Path(args.config) if getattr(args, "config", None) else None)
    name = voice_option(getattr(args, "voice", None)) or routine_voice or config.speech.voice
    profile = find_profile(name)
    return make_synth(profile, config.speech.rate, _warn), config


#: `coach say` is there to check the sound, so it has no --text: its fix for a device error says so.
SAY_FIX = ("run `coach devices` to list the devices and choose one with --output-device; coach say needs sound "
           "(to try a routine without it: coach run ROUTINE --text)")


def cmd_say(args: argparse.Namespace, out: TextIO) -> int:
    try:
        return _say(args)
    except AudioDeviceError as e:
        raise AudioDeviceError(e.message, SAY_FIX) from e


def _say(args: argparse.Namespace) -> int:
    from coach.devices import resolve_output
    from coach.speech.speaker import build_speaker
    synth, config = _synth_for(args)
    spec = args.output_device if args.output_device is not None else config.speech.output_device
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


def open_voice(args: argparse.Namespace) -> AudioSpeaker:
    """The coach's speaker (the voice and output device of ``args`` and the config), for a line or
    two outside a session: `coach forget` asks its question with it. AudioDeviceError or
    ConfigError when there is no sound to be had."""
    from coach.devices import resolve_output
    from coach.speech.speaker import build_speaker

    synth, config = _synth_for(args)
    spec = getattr(args, "output_device", None)
    device = resolve_output(spec if spec is not None else config.speech.output_device)
    return build_speaker(lambda uid, interrupted: None, synth, device=device)


def cmd_voices(args: argparse.Namespace, out: TextIO) -> int:
    """The voice profiles, the one in use marked, and the voices they speak with; ``--all``: every
    installed voice too (:mod:`coach.tasks.voicelist`)."""
    from coach.speech import piper
    from coach.speech.synth import installed_voices
    from coach.speech.voices import find_profile, load_profiles
    from coach.tasks.voicelist import voice_lines

    profiles = load_profiles()
    config = load_config(Path(args.config) if getattr(args, "config", None) else None)
    try:
        in_use = find_profile(config.speech.voice)
        profiles.setdefault(in_use.name, in_use)   # a profile given by its path is listed too
        name = in_use.name
    except CoachError:
        name = ""
    why = piper.missing()
    found = [] if why else piper.find_voices()
    for line in voice_lines(list(profiles.values()), name, installed_voices(), found,
                            f"{why} (to fix: {piper.PIPER_FIX})" if why else None, getattr(args, "all", False),
                            {v.id: str(v.model) for v in found}):
        out.write(printable(line) + "\n")
    return 0


def cmd_devices(args: argparse.Namespace, out: TextIO) -> int:
    from coach.devices import format_devices, list_devices

    for line in format_devices(list_devices()):
        out.write(printable(line) + "\n")   # device names come from drivers and configuration files
    return 0


#: The longest sound a WAV file holds: its sizes are 32-bit (16 kHz, 16-bit mono: about 37 hours).
MAX_WAV_SECONDS = (0xFFFFFFFF - 36) // 2 // SAMPLE_RATE
#: A rendered session is mixed and written this many seconds at a time, so a long one fits in memory.
_WINDOW = 60 * SAMPLE_RATE


def _sounds(items: Sequence[PlannedLike], pcm_for: Callable[[PlannedLike], Pcm],
            tail: float) -> tuple[list[tuple[int, Pcm]], int]:
    sounds = [(round(p.at * SAMPLE_RATE), pcm_for(p)) for p in items]
    end = max((start + len(pcm) for start, pcm in sounds), default=0) + round(tail * SAMPLE_RATE)
    return sounds, end


def _mix(sounds: Sequence[tuple[int, Pcm]], start: int, end: int) -> Pcm:
    """Samples ``start`` to ``end`` of the sounds mixed at their places."""
    mix = np.zeros(end - start, dtype=np.int32)
    for at, pcm in sounds:
        lo, hi = max(at, start), min(at + len(pcm), end)
        if lo < hi:
            mix[lo - start:hi - start] += pcm[lo - at:hi - at]
    return np.clip(mix, -32768, 32767).astype(np.int16)


def mix_plan(items: Sequence[PlannedLike], pcm_for: Callable[[PlannedLike], Pcm], tail: float = 1.0) -> Pcm:
    """Mix every planned sound at its time into one 16 kHz int16 buffer (``tail`` s of silence after)."""
    sounds, end = _sounds(items, pcm_for, tail)
    return _mix(sounds, 0, end)


def write_mix(path: Path, items: Sequence[PlannedLike], pcm_for: Callable[[PlannedLike], Pcm],
              tail: float = 1.0) -> int:
    """Write what :func:`mix_plan` mixes to a WAV file a minute at a time; the number of samples.
    The file at ``path`` is replaced whole once all is written, never emptied first
    (:func:`coach.private.replacing`).

    A :class:`CoachError` when it is too long for a WAV file or cannot be written.
    """
    sounds, end = _sounds(items, pcm_for, tail)
    if end > MAX_WAV_SECONDS * SAMPLE_RATE:
        raise CoachError(f"{path}: the session lasts {end // SAMPLE_RATE // 3600} hours, and a WAV file holds at "
                         f"most {MAX_WAV_SECONDS // 3600}", "render a shorter routine, with fewer or shorter steps")
    try:
        # a temporary file beside it, renamed over it once whole: an interrupted render leaves the old file
        with replacing(path, mode=None, follow=True) as f, wave.open(f, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SAMPLE_RATE)
            for start in range(0, end, _WINDOW):
                w.writeframes(_mix(sounds, start, min(end, start + _WINDOW)).astype("<i2").tobytes())
    except OSError as e:
        raise CoachError(f"{path}: cannot write: {e.strerror or e}",
                         "check that the folder exists, that you may write there and that the disk has room") from e
    return end


def check_output(path: Path) -> None:
    """Refuse ``-o FILE`` before anything is rendered when it cannot be written."""
    folder = path.parent
    if path.is_dir():
        raise CoachError(f"-o {path}: this is a folder", "give -o the name of a .wav file to write")
    if not folder.is_dir():
        raise CoachError(f"-o {path}: there is no folder {folder}", "make the folder first, or write somewhere else")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise CoachError(f"-o {path}: you may not write there", "write the file in a folder of your own")


def cmd_render(args: argparse.Namespace, out: TextIO) -> int:
    from coach.routine import find, wrong_role
    from coach.speech.earcons import earcon_pcm
    from coach.timeline import plan

    routine = find(args.routine)
    if args.role and args.role != routine.role:
        raise wrong_role(routine, args.role)
    if args.pace:
        routine = routine.paced(args.pace)
    else:
        from coach.config import load_config

        routine = routine.paced(load_config(None).session.pace)
    path = Path(args.output)
    check_output(path)
    if routine.duration > MAX_WAV_SECONDS:
        raise CoachError(f"{routine.path or routine.id}: the routine's steps last {int(routine.duration) // 3600} "
                         f"hours, and a WAV file holds at most {MAX_WAV_SECONDS // 3600}",
                         "render a shorter routine, with fewer or shorter steps")
    synth, _ = _synth_for(args, routine.voice)

    def seconds_for(text: str) -> float:
        return len(synth.render(text)) / SAMPLE_RATE

    items = plan(routine, level=args.level, role=routine.role, seconds_for=seconds_for)
    total = len(routine.steps)
    shown = -1
    for p in items:
        if p.step != shown and 0 <= p.step < total:
            shown = p.step
            out.write(printable(f"step {p.step + 1} of {total}: {routine.steps[p.step].title}") + "\n")
            out.flush()

    def pcm_for(p: PlannedLike) -> Pcm:
        return earcon_pcm(Earcon(p.text)) if p.kind == "tone" else synth.render(p.text)

    samples = write_mix(path, items, pcm_for)
    out.write(printable(f"wrote {path}: {samples / SAMPLE_RATE:.1f} seconds, {len(items)} sounds") + "\n")
    return 0
