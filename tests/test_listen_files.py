"""`coach listen FILE.wav` on files it cannot take: one message naming the file, what is wrong, what it
reads and the fix (a sox line where converting helps), exit status 2, and no recogniser started."""

from __future__ import annotations

import io
import struct
import wave
from collections.abc import Callable
from pathlib import Path

import pytest

from coach.cli import main
from coach.tasks.listen import WAV_NEEDED, WavProblem, check_wav


def riff(fmt: int = 1, channels: int = 1, rate: int = 16000, bits: int = 16, data: bytes = b"\0\0" * 1600,
         size: int | None = None) -> bytes:
    """A WAV file's bytes, written by hand so that any header can be made."""
    block = channels * ((bits + 7) // 8)
    chunk = struct.pack("<HHIIHH", fmt, channels, rate, rate * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(chunk)) + chunk + b"data" + struct.pack(
        "<I", len(data) if size is None else size) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def one_second(tmp_path: Path) -> bytes:
    f = tmp_path / "full.wav"
    with wave.open(str(f), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\1\0" * 16000)
    return f.read_bytes()


CASES: dict[str, tuple[Callable[[bytes], bytes], str, str]] = {
    "empty": (lambda full: b"", "the file is empty", "record or export it again"),
    "no samples": (lambda full: riff(data=b""), "it holds no sound (0 samples)", "record or export it again"),
    "header only": (lambda full: full[:44], "it is cut short: its header says 1.00 s of sound, the file holds 0.00 s",
                    "convert it"),
    "truncated": (lambda full: full[:1044], "it is cut short: its header says 1.00 s of sound, the file holds 0.03 s",
                  "convert it"),
    "header cut": (lambda full: full[:30], "the file ends inside its header (it is cut short)", "convert it"),
    "text": (lambda full: b"hello, not audio\n", "it is not a WAV file (it does not start with RIFF)", "convert it"),
    "double": (lambda full: riff(fmt=3, bits=64, data=b"\0" * 800), "its samples are 64-bit floating-point",
               "convert it"),
    "mu-law": (lambda full: riff(fmt=7, bits=8, rate=8000, data=b"\0" * 400), "its samples are mu-law coded, not PCM",
               "convert it"),
    "rate 0": (lambda full: riff(rate=0), "its sample rate is 0 Hz", "convert it"),
    "odd rate": (lambda full: riff(rate=8001), "its sample rate is 8001 Hz", "convert it"),
    "40-bit": (lambda full: riff(bits=40, data=b"\0" * 500), "its samples are 40-bit", "convert it"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_file_listen_cannot_take_is_one_message_and_status_2(
        case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make, problem, fix = CASES[case]
    f = tmp_path / "in put.wav"
    f.write_bytes(make(one_second(tmp_path)))
    assert main(["listen", "--engine", "pocketsphinx", str(f)], out=io.StringIO()) == 2
    first, second = capsys.readouterr().err.splitlines()   # and no "listening with ...": no recogniser
    assert first.startswith(f"coach: {f}: {problem}") and first.endswith(f"; {WAV_NEEDED}")
    assert second.startswith(f"  fix: {fix}")
    if fix == "convert it":
        assert second == f"  fix: convert it, for example: sox '{f}' -r 16000 -c 1 -b 16 'in put-16k.wav'"


def test_a_missing_file_or_a_folder_says_check_the_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["listen", str(tmp_path / "gone.wav"), str(tmp_path)], out=io.StringIO()) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == f"coach: {tmp_path / 'gone.wav'}: cannot read it: No such file or directory; {WAV_NEEDED}"
    assert lines[1] == lines[3] == "  fix: check the path"
    assert lines[2].startswith(f"coach: {tmp_path}: this is a folder, not a WAV file")


def test_a_bad_reference_names_the_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, ref = tmp_path / "good.wav", tmp_path / "ref.wav"
    good.write_bytes(one_second(tmp_path))
    ref.write_bytes(b"")
    assert main(["listen", "--reference", str(ref), str(good)], out=io.StringIO()) == 2
    assert capsys.readouterr().err.startswith(f"coach: --reference {ref}: the file is empty; ")


@pytest.mark.parametrize(("channels", "rate", "bits"), [(1, 16000, 16), (2, 44100, 8), (3, 11025, 24),
                                                        (1, 192000, 32), (2, 8000, 16)])
def test_what_listen_reads_passes(tmp_path: Path, channels: int, rate: int, bits: int) -> None:
    f = tmp_path / "ok.wav"
    f.write_bytes(riff(channels=channels, rate=rate, bits=bits, data=b"\0" * (channels * bits // 8 * 100)))
    check_wav(str(f))


def test_the_problem_says_whether_converting_helps(tmp_path: Path) -> None:
    f = tmp_path / "x.wav"
    f.write_bytes(riff(fmt=7, bits=8))
    with pytest.raises(WavProblem) as e:
        check_wav(str(f))
    assert e.value.fix is None   # None: the sox line


def _extensible(channels: int, bits: int, rate: int, samples: bytes, sub: int = 1) -> bytes:
    """A WAVE_FORMAT_EXTENSIBLE file's bytes, as sox writes for 24 bits or more than two channels."""
    block = channels * bits // 8
    guid = struct.pack("<H", sub) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
    chunk = struct.pack("<HHIIHHHHI", 0xFFFE, channels, rate, rate * block, block, bits, 22, bits, 0) + guid
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(chunk)) + chunk + b"data" + struct.pack("<I", len(samples))
            + samples)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_the_extensible_format_sox_writes_is_read(tmp_path: Path) -> None:
    """Issue 37: sox writes WAVE_FORMAT_EXTENSIBLE for 24 bits or 6 channels, and README promises
    both; they were refused. A 24-bit six-channel file of a 1 kHz tone is read as that tone."""
    import numpy as np

    from coach.listen.capture.wavfile import read_wav

    t = np.arange(48000) / 48000
    tone = (np.sin(2 * np.pi * 1000 * t) * 0.5 * (1 << 23)).astype(np.int32)
    frames = np.repeat(tone[:, None], 6, axis=1).reshape(-1)
    raw = b"".join(int(v & 0xFFFFFF).to_bytes(3, "little") for v in frames[: 6 * 4800])   # 0.1 s
    f = tmp_path / "six.wav"
    f.write_bytes(_extensible(6, 24, 48000, raw))
    check_wav(str(f))
    audio = read_wav(f)
    assert len(audio) == 1600 and 14000 < int(np.abs(audio[100:1500]).max()) < 18000
    f.write_bytes(_extensible(2, 16, 16000, b"\0\0" * 200, sub=7))   # mu-law inside: still refused
    with pytest.raises(WavProblem, match="mu-law"):
        check_wav(str(f))


def test_listen_memory_stays_flat_in_the_files_length(tmp_path: Path) -> None:
    """Issue 37: `coach listen` read the whole file and resampled it with an index matrix of length
    times taps (60 s at 192 kHz took 6.1 GB). Now a file streams through in blocks: the largest
    array made while a long 48 kHz file is read is the same as for a short one."""
    import tracemalloc

    from coach.listen.capture.wavfile import stream_wav

    def peak(seconds: int) -> int:
        f = tmp_path / f"{seconds}.wav"
        with wave.open(str(f), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(48000)
            w.writeframes(b"\1\0" * 48000 * seconds)
        tracemalloc.start()
        n = sum(len(b) for b in stream_wav(f))
        size = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert n == 16000 * seconds
        return size

    short, long = peak(2), peak(40)
    assert long < short * 1.5 + 1_000_000


@pytest.mark.parametrize("rate", [8000, 11025, 22050, 44100, 48000, 192000])
def test_the_streaming_resampler_gives_the_same_samples_in_any_chunks(rate: int) -> None:
    import numpy as np

    from coach.listen.capture.wavfile import Resampler

    rng = np.random.default_rng(rate)
    x = rng.normal(0, 3000, rate // 2 + 17)
    whole = Resampler(rate)
    one = np.concatenate([whole.feed(x), whole.end()])
    assert len(one) == len(x) * 16000 // rate
    r, parts, i = Resampler(rate), [], 0
    while i < len(x):
        n = int(rng.integers(1, 5000))
        parts.append(r.feed(x[i:i + n]))
        i += n
    parts.append(r.end())
    assert np.allclose(np.concatenate(parts), one, atol=1e-6)
