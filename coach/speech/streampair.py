"""The player's two sound streams, an output and an input, held as one for :mod:`coach.streamguard`."""

from __future__ import annotations

import contextlib
from typing import Any

from coach.streamguard import Heartbeat


class StreamPair:
    """An output and an input stream that start, stop and fail together, for :mod:`coach.streamguard`.

    Not one duplex stream: after an underrun, PortAudio's ALSA duplex stream on the "pulse" plugin
    busy-polls for good (seen here: 30-90% of a core from then on, with one core loaded), which
    starved listening; two plain streams do not. ``time`` and the output heartbeat are the
    output's; the input counts as failed when its callback stops coming (``in_heartbeat``).
    """

    def __init__(self, output: Any, in_heartbeat: Heartbeat, input_: Any) -> None:
        self.output, self.input, self._in_heartbeat = output, input_, in_heartbeat

    @property
    def active(self) -> bool:
        return bool(self.output.active) and bool(self.input.active) and not self._in_heartbeat.stalled()

    @property
    def latency(self) -> tuple[float, float]:
        return float(self.input.latency), float(self.output.latency)

    @property
    def time(self) -> float:
        return float(self.output.time)

    def start(self) -> None:
        self.input.start()
        self.output.start()

    def abort(self) -> None:
        for stream in (self.output, self.input):
            with contextlib.suppress(Exception):
                stream.abort()

    def close(self) -> None:
        for stream in (self.output, self.input):
            with contextlib.suppress(Exception):
                stream.close()
