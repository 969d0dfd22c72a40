"""Microphone capture: a sounddevice InputStream at 16 kHz mono int16.

The PortAudio callback only copies the block into a queue (here: ``sink(block)``, normally
:meth:`coach.listen.listener.Listener.put`). Overflows are counted and logged by the reader, never
fatal. The device is chosen by name or index (``coach.devices.resolve_input`` when present).
:meth:`Microphone.lost` tells a reader when the device has gone (see :mod:`coach.streamguard`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from coach.errors import AudioDeviceError
from coach.listen.base import BLOCK_SECONDS, MAX_BLOCK_SECONDS, SAMPLE_RATE, Block
from coach.listen.capture.losses import Losses
from coach.streamguard import Heartbeat, Retries, close_stream, failure, reopen

log = logging.getLogger(__name__)


def _resolve(spec: str | int | None) -> int | str | None:
    """The PortAudio input device for ``spec`` (name substring or index); None is the default."""
    if spec is None or spec == "":
        return None
    try:
        from coach import devices  # written by another developer; used when present

        resolve = getattr(devices, "resolve_input", None)
        if resolve is not None:
            found: int | str | None = resolve(spec)
            return found
    except ImportError:
        pass
    # small private resolver until coach.devices exists
    import sounddevice as sd

    if isinstance(spec, int) or str(spec).isdigit():
        return int(spec)
    wanted = str(spec).lower()
    for i, dev in enumerate(sd.query_devices()):
        if dev.get("max_input_channels", 0) > 0 and wanted in str(dev.get("name", "")).lower():
            return i
    raise AudioDeviceError(f"no input device matches '{spec}'", "list them with `coach devices`")


class Microphone:
    """Captures 30 ms blocks (at most 100 ms) and hands each to ``sink`` from the audio callback."""

    def __init__(self, sink: Callable[[Block], None], device: str | int | None = None,
                 block_seconds: float = BLOCK_SECONDS) -> None:
        self.sink = sink
        self.device = _resolve(device)
        self.blocksize = int(SAMPLE_RATE * min(block_seconds, MAX_BLOCK_SECONDS))
        self.overflows = Losses("microphone overflowed %d times (audio dropped)", log)
        self._stream: Any = None
        self._heartbeat = Heartbeat()
        self._retries = Retries()
        self.reopens = 0

    def _callback(self, indata: Any, frames: int, time: Any, status: Any) -> None:
        self._heartbeat.beat()
        if status and getattr(status, "input_overflow", False):
            self.overflows.add()
        self.sink(np.array(indata[:, 0], dtype=np.int16, copy=True))

    def start(self) -> Microphone:
        self._stream = self._open()
        return self

    def _open(self) -> Any:
        """A started input stream (raises AudioDeviceError)."""
        import sounddevice as sd

        self._heartbeat = Heartbeat()
        stream = None
        try:
            stream = sd.InputStream(samplerate=SAMPLE_RATE, channels=1, dtype="int16",
                                    blocksize=self.blocksize, device=self.device, callback=self._callback)
            stream.start()
        except (sd.PortAudioError, OSError, ValueError, RuntimeError) as e:
            if stream is not None:
                close_stream(stream)
            raise AudioDeviceError(f"cannot open the microphone ({self.device or 'default'}): {e}",
                                   "check it with `coach devices`, or choose one with --input-device") from e
        return stream

    def check_overflows(self) -> int:
        """Log overflows seen since the last call (call from a worker thread); returns the total."""
        return self.overflows.report()

    def lost(self) -> AudioDeviceError | None:
        """Why the microphone is gone (its stream ended, or no audio for a while), or None.

        A stream that failed is opened again first (a few times a minute: see
        :class:`coach.streamguard.Retries`); only when that cannot be done is the microphone lost.
        Call from one thread, regularly (it remembers when it last saw audio arrive).
        """
        if self._stream is None:
            return None
        why = failure(self._stream, self._heartbeat)
        if why is None:
            return None
        stream = reopen(self._stream, self._retries, self._open, (AudioDeviceError,))
        if stream is not None:
            self._stream = stream
            self.reopens += 1
            log.warning("the microphone %s; it was opened again", why)
            return None
        return AudioDeviceError(f"the microphone ({self.device or 'default'}) {why}",
                                "check it with `coach devices`, choose one with --input-device, and start again")

    def stop(self) -> None:
        if self._stream is not None:
            close_stream(self._stream)   # never raises; gives up on a deadlocked device
            self._stream = None

    def __enter__(self) -> Microphone:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
