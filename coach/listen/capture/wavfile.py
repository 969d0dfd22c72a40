"""WAV files into the listening pipeline, read and resampled in blocks: memory stays flat in length.

``coach listen FILE.wav`` and the benchmarks read recordings of any plain PCM kind: 8, 16, 24 or
32-bit integers or 32-bit floats, any number of channels (mixed to one), any rate from 8 to 192 kHz,
including the WAVE_FORMAT_EXTENSIBLE header that sox writes for 24-bit or multi-channel files
(Python's ``wave`` module refuses it). The file is read a block at a time and resampled to 16 kHz
by a streaming polyphase filter, so a two-hour recording takes no more memory than a second of it
(the whole-file filter built an index matrix of length times taps: 60 s at 192 kHz took 6.1 GB).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from math import gcd
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from coach.listen.base import SAMPLE_RATE, Block

#: The sub-format GUIDs' tail of WAVE_FORMAT_EXTENSIBLE (the first two bytes are the format tag)
_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
PCM, FLOAT, EXTENSIBLE = 1, 3, 0xFFFE
#: seconds of the file read at a time
READ_SECONDS = 0.25

Floats = npt.NDArray[np.float64]


class AudioFileError(Exception):
    """A file that is missing, unreadable or not a WAV file: ``reason`` says why (``str()`` names the
    file too); ``tag`` is a format the header names that is not plain PCM."""

    def __init__(self, name: str, reason: str, tag: int | None = None) -> None:
        super().__init__(f"{name}: {reason}")
        self.reason = reason
        self.tag = tag


#: reasons :func:`wav_info` gives
NOT_RIFF = "not a WAV file (it does not start with RIFF)"
CUT_IN_HEADER = "the file ends inside its header (it is cut short)"
NO_CHUNKS = "it has no sound data (its fmt or data chunk is missing)"


@dataclass(frozen=True)
class WavInfo:
    """What a WAV file's header says."""

    rate: int
    channels: int
    width: int           # bytes a sample
    floats: bool         # IEEE floats rather than integers
    frames: int          # frames the data chunk holds (as far as the file goes)
    data_at: int         # where the samples start in the file


def wav_info(f: BinaryIO, name: str = "") -> WavInfo:
    """Read the RIFF header of ``f`` (left at the start of the samples). Raises AudioFileError."""
    head = f.read(12)
    if len(head) < 4 or head[:4] != b"RIFF":
        raise AudioFileError(name, NOT_RIFF)
    if len(head) < 12:
        raise AudioFileError(name, CUT_IN_HEADER)
    if head[8:12] != b"WAVE":
        raise AudioFileError(name, f"it is a RIFF file of {head[8:12]!r}, not a WAV file")
    fmt: tuple[int, int, int, int] | None = None   # tag, channels, rate, bits
    while True:
        chunk = f.read(8)
        if len(chunk) < 8:
            raise AudioFileError(name, CUT_IN_HEADER if chunk or fmt is not None else NO_CHUNKS)
        kind, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        if kind == b"fmt ":
            body = f.read(size + (size & 1))
            if len(body) < 16:
                raise AudioFileError(name, CUT_IN_HEADER)
            tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
            if tag == EXTENSIBLE:
                if len(body) < 40 or body[26:40] != _GUID_TAIL:
                    raise AudioFileError(name, "it is in the extensible WAV format with a sub-format that is not PCM",
                                         EXTENSIBLE)
                tag = struct.unpack("<H", body[24:26])[0]
            fmt = (tag, channels, rate, bits)
        elif kind == b"data":
            if fmt is None:
                raise AudioFileError(name, NO_CHUNKS)
            tag, channels, rate, bits = fmt
            width = (bits + 7) // 8
            if tag not in (PCM, FLOAT):
                raise AudioFileError(name, f"its samples are coded (format {tag}), not PCM", tag)
            if (tag == FLOAT and bits != 32) or not 1 <= width <= 4:
                raise AudioFileError(name, f"its samples are {bits}-bit{' floating-point' if tag == FLOAT else ''}")
            if channels < 1:
                raise AudioFileError(name, f"it has {channels} channels")
            return WavInfo(rate, channels, width, tag == FLOAT, size // (width * channels), f.tell())
        else:
            f.seek(size + (size & 1), 1)


def _samples(raw: bytes, info: WavInfo) -> Floats:
    """Mono float samples on the 16-bit scale."""
    w = info.width
    raw = raw[: len(raw) // (w * info.channels) * w * info.channels]
    if info.floats:
        x = np.frombuffer(raw, "<f4").astype(np.float64) * 32768.0
    elif w == 1:
        x = (np.frombuffer(raw, np.uint8).astype(np.float64) - 128.0) * 256.0
    elif w == 2:
        x = np.frombuffer(raw, "<i2").astype(np.float64)
    elif w == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = np.where(v >= 1 << 23, v - (1 << 24), v).astype(np.float64) / 256.0
    else:
        x = np.frombuffer(raw, "<i4").astype(np.float64) / 65536.0
    if info.channels > 1:
        x = x.reshape(-1, info.channels).mean(axis=1)
    return x


def read_chunks(path: str | Path) -> tuple[WavInfo, Iterator[Floats]]:
    """The header of the WAV file at ``path``, and its samples (mono, at its own rate) a chunk at a
    time. Raises AudioFileError for a missing or unreadable file or a header it cannot take."""
    p = Path(path)
    if not p.exists():
        raise AudioFileError(str(p), "no such file")
    try:
        f = open(p, "rb")   # noqa: SIM115 (closed by the generator)
    except OSError as e:
        raise AudioFileError(str(p), f"cannot read: {e.strerror or e}") from e
    try:
        info = wav_info(f, str(p))
    except BaseException:
        f.close()
        raise

    def chunks() -> Iterator[Floats]:
        with f:
            left = info.frames * info.width * info.channels
            step = max(1, int(info.rate * READ_SECONDS)) * info.width * info.channels
            while left > 0:
                try:
                    raw = f.read(min(step, left))
                except OSError as e:
                    raise AudioFileError(str(p), f"cannot read: {e.strerror or e}") from e
                if not raw:
                    return   # cut short: what there is
                left -= len(raw)
                yield _samples(raw, info)

    return info, chunks()


class Resampler:
    """Polyphase resampling to 16 kHz with a windowed-sinc low-pass (numpy only), one chunk at a time:
    fed the whole signal in any chunks, it gives the same samples as in one piece."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        g = gcd(rate, SAMPLE_RATE)
        self.up, self.down = SAMPLE_RATE // g, rate // g
        up, down = self.up, self.down
        cutoff = 0.5 / max(up, down) * 0.95
        self.half = 16 * max(up, down)
        n = np.arange(-self.half, self.half + 1)
        h = 2 * cutoff * np.sinc(2 * cutoff * n) * np.kaiser(len(n), 8.0) * up
        self.taps = (len(h) + up - 1) // up
        hp = np.zeros(self.taps * up)
        hp[:len(h)] = h
        self.phases = hp.reshape(self.taps, up).T   # phases[p] = h[p::up]
        # the input kept (global index ``self._start`` onwards), with ``taps`` zeros before the first
        self._buf: Floats = np.zeros(self.taps)
        self._start = -self.taps
        self._seen = 0      # input samples fed
        self._made = 0      # output samples given

    def feed(self, x: Floats) -> Floats:
        """The output samples that ``x`` (the next input) completes."""
        if self.up == 1 and self.down == 1:
            self._seen += len(x)
            return x
        self._buf = np.concatenate([self._buf, x])
        self._seen += len(x)
        # output m needs input up to (m * down + half) // up: those that all lie in what was fed
        last = (self._seen * self.up - 1 - self.half) // self.down
        return self._make(min(last + 1, (self._seen * self.up) // self.down))

    def end(self) -> Floats:
        """The last output samples (the input ends: zeros after it)."""
        if self.up == 1 and self.down == 1:
            return np.zeros(0)
        self._buf = np.concatenate([self._buf, np.zeros(self.taps)])
        return self._make((self._seen * self.up) // self.down)

    def _make(self, stop: int) -> Floats:
        if stop <= self._made:
            return np.zeros(0)
        m = np.arange(self._made, stop) * self.down + self.half
        out = np.zeros(len(m))
        for p in range(self.up):
            sel = np.nonzero(m % self.up == p)[0]
            if len(sel) == 0:
                continue
            newest = m[sel] // self.up - self._start   # the newest input sample's place in the buffer
            idx = newest[:, None] - np.arange(self.taps)[None, :]
            idx = np.clip(idx, 0, len(self._buf) - 1)
            out[sel] = self._buf[idx] @ self.phases[p]
        self._made = stop
        oldest = (stop * self.down + self.half) // self.up - self.taps + 1 - self._start
        if oldest > 0:
            self._buf = self._buf[oldest:]
            self._start += oldest
        return out


def _int16(x: Floats) -> Block:
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def stream_wav(path: str | Path) -> Iterator[Block]:
    """The WAV file at ``path`` as 16 kHz mono int16, a chunk at a time (any chunk lengths)."""
    info, chunks = read_chunks(path)
    resampler = Resampler(info.rate)
    for x in chunks:
        out = resampler.feed(x)
        if len(out):
            yield _int16(out)
    tail = resampler.end()
    if len(tail):
        yield _int16(tail)


def read_wav(path: str | Path) -> Block:
    """Read a WAV file of any rate, width and channel count as 16 kHz mono int16, whole."""
    parts = list(stream_wav(path))
    return np.concatenate(parts) if parts else np.zeros(0, np.int16)


def reblock(chunks: Iterable[Block], size: int) -> Iterator[Block]:
    """The same samples in blocks of exactly ``size`` (the last one shorter)."""
    held = np.zeros(0, np.int16)
    for c in chunks:
        held = np.concatenate([held, c]) if len(held) else c
        while len(held) >= size:
            yield held[:size]
            held = held[size:]
    if len(held):
        yield held
