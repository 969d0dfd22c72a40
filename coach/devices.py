"""Audio devices: list them, and resolve a user's choice (name or index) for input or output.

``resolve_output("")`` / ``resolve_input(None)`` mean the system default and return None (what
sounddevice takes as "default"), after checking that a default exists. A number is a PortAudio
index; anything else matches a device name exactly, then case-insensitively, then as a unique
case-insensitive substring. Every failure is an :class:`AudioDeviceError` whose fix names
``coach devices`` and ``--text``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from coach.errors import AudioDeviceError

Direction = Literal["input", "output"]

FIX = "run `coach devices` to list the devices and choose one by name or index, or use --text to run without audio"


@dataclass(frozen=True)
class Device:
    index: int
    name: str
    inputs: int
    outputs: int
    hostapi: str
    default_input: bool = False
    default_output: bool = False


def _sd() -> Any:
    try:
        import sounddevice as sd
    except OSError as e:   # libportaudio missing
        raise AudioDeviceError(f"PortAudio is not available: {e}",
                               "install libportaudio2 (apt-get install libportaudio2), or use --text") from e
    return sd


def list_devices() -> list[Device]:
    """Every device PortAudio knows, with the defaults marked."""
    sd = _sd()
    try:
        raw = sd.query_devices()
        apis = sd.query_hostapis()
        default_in, default_out = sd.default.device
    except sd.PortAudioError as e:
        raise AudioDeviceError(f"cannot list audio devices: {e}", FIX) from e
    out = []
    for d in raw:
        i = int(d["index"])
        out.append(Device(
            index=i, name=str(d["name"]), inputs=int(d["max_input_channels"]),
            outputs=int(d["max_output_channels"]), hostapi=str(apis[d["hostapi"]]["name"]),
            default_input=i == default_in, default_output=i == default_out,
        ))
    return out


def _resolve(spec: str | int | None, direction: Direction) -> int | None:
    devices = [d for d in list_devices() if (d.inputs if direction == "input" else d.outputs) > 0]
    flag = "--input-device" if direction == "input" else "--output-device"
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        if not devices:
            raise AudioDeviceError(f"no audio {direction} device found", FIX)
        if not any(d.default_input if direction == "input" else d.default_output for d in devices):
            # no default: PortAudio would fail; take the first usable one
            return devices[0].index
        return None
    text = str(spec).strip()
    if text.lstrip("-").isdigit():
        index = int(text)
        for d in devices:
            if d.index == index:
                return index
        raise AudioDeviceError(f"no audio {direction} device with index {index} ({flag} {text})", FIX)
    for exact in ([d for d in devices if d.name == text], [d for d in devices if d.name.lower() == text.lower()]):
        if exact:
            return exact[0].index
    partial = [d for d in devices if text.lower() in d.name.lower()]
    if len(partial) == 1:
        return partial[0].index
    if partial:
        names = ", ".join(f"{d.index} {d.name!r}" for d in partial)
        raise AudioDeviceError(f"'{text}' matches several audio {direction} devices: {names}",
                               f"pass {flag} with the index; {FIX}")
    raise AudioDeviceError(f"no audio {direction} device named '{text}' ({flag})", FIX)


def resolve_output(spec: str | int | None) -> int | None:
    """The PortAudio index for an output device choice (None = the default)."""
    return _resolve(spec, "output")


def resolve_input(spec: str | int | None) -> int | None:
    """The PortAudio index for an input device choice (None = the default)."""
    return _resolve(spec, "input")


def format_devices(devices: list[Device]) -> list[str]:
    """Plain lines for `coach devices`: inputs then outputs, defaults marked."""
    lines = []
    for direction in ("input", "output"):
        lines.append(f"{direction} devices:")
        chosen = [d for d in devices if (d.inputs if direction == "input" else d.outputs) > 0]
        if not chosen:
            lines.append("  none")
        for d in chosen:
            channels = d.inputs if direction == "input" else d.outputs
            default = d.default_input if direction == "input" else d.default_output
            mark = " (default)" if default else ""
            lines.append(f"  {d.index}: {d.name}, {channels} channels, {d.hostapi}{mark}")
    return lines
