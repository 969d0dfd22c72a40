"""WebRTC's AEC3 (coach/listen/capture/aec3.py) on a line of the coach's voice rendered by espeak-ng,
played through a small loudspeaker into a room, with a user's word over it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from coach.listen.base import SAMPLE_RATE, Block
from coach.listen.capture import echo as echo_module
from coach.listen.capture.aec3 import LATENCY, Aec3Canceller
from coach.listen.capture.echo import FRAME, EchoCanceller, make_canceller
from coach.listen.capture.wavfile import read_wav

Float = npt.NDArray[np.float64]

#: The canceller alone (no echo-only suppression) must take at least this much (dB) out of the coach's
#: voice alone from 2 s after it began, and keep the user's word within MAX_LOST_DB of its own
#: sound. Measured on this test's own audio (2026-12-07, espeak-ng 1.51): AEC3 took out 61 dB
#: (46 dB from 0.5 s after the user's word on, 35 dB in the first half second of that) and kept
#: the word within 2.3 dB; speex took out 18 dB and kept the word within 0.6 dB. On the
#: benchmark's 192 echo files (its room plus this small loudspeaker, the canceller alone): AEC3
#: took out a median 60 dB of the coach's voice alone (the worst file 44 dB; speex 23 and 18) and
#: kept the user's words within a median 2.0 dB (9 files in 10 within 3.7 dB; speex 4.3 and 8.1).
MIN_REMOVED_DB = 40.0
#: after the user's word (from 0.5 s after it): measured 46 dB
MIN_REMOVED_AFTER_DB = 30.0
MAX_LOST_DB = 5.0


def espeak(tmp: Path, text: str, voice: str, name: str) -> Float:
    raw = tmp / f"{name}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "160", "-w", str(raw), text], check=True, capture_output=True)
    x = read_wav(raw).astype(np.float64)
    peak = float(np.abs(x).max()) + 1e-9
    return x / peak


def loudspeaker(x: Float) -> Float:
    """A small loudspeaker: no bass (a high-pass at 300 Hz) and soft clipping of its peaks."""
    n = np.arange(-100, 101)
    low = 2 * 300 / SAMPLE_RATE * np.sinc(2 * 300 / SAMPLE_RATE * n) * np.hamming(len(n))
    high = -low
    high[100] += 1.0
    y = np.convolve(x / 32768.0, high, "same")
    out: Float = np.tanh(4.0 * y) / 4.0 * 1.5 * 32768.0
    return out


def room(x: Float, delay: float = 0.12) -> Float:
    """The benchmark's room (bench/corpus.py): 120 ms late, a direct path at -6 dB, two reflections."""
    taps = np.zeros(200)
    taps[[0, 40, 150]] = 0.5, 0.2, -0.08
    d = int(delay * SAMPLE_RATE)
    return np.convolve(np.concatenate([np.zeros(d), x]), taps)[:len(x)]


def stream(ec: EchoCanceller, mic: Block, ref: Block, sizes: tuple[int, ...] = (480,)) -> Float:
    """``mic`` and ``ref`` through ``ec`` in blocks of ``sizes`` (in turn), the output lined up with
    the input (AEC3's 8 ms taken off) and as long."""
    outs, i, k = [], 0, 0
    while i < len(mic):
        n = sizes[k % len(sizes)]
        outs.append(ec.process(mic[i:i + n], ref[i:i + n]))
        i, k = i + n, k + 1
    out = np.concatenate(outs).astype(np.float64)[LATENCY if isinstance(ec, Aec3Canceller) else 0:]
    return np.concatenate([out, np.zeros(len(mic) - len(out))])


def db(a: Float | Block, b: Float | Block) -> float:
    """The energy of ``a`` against that of ``b`` (dB)."""
    ea, eb = (float(np.sum(np.asarray(x, np.float64) ** 2)) for x in (a, b))
    return float(10 * np.log10(max(ea, 1e-9) / max(eb, 1e-9)))


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> tuple[Block, Block, Float, tuple[int, int]]:
    """(microphone, reference, the user's sound alone, the user's span): 8 s of the coach talking
    (peak 16000), its echo through a small loudspeaker and the room, and the user's "stop" (peak
    12000, about the echo's level) at 5 s."""
    tmp = tmp_path_factory.mktemp("aec3")
    line = espeak(tmp, "press harder now and hold it there, then breathe out slowly and relax your neck",
                  "en-us+m3", "coach")
    word = espeak(tmp, "stop", "en-gb+f3", "user")
    n = 8 * SAMPLE_RATE
    ref = np.zeros(n)
    seg = np.tile(np.concatenate([line, np.zeros(SAMPLE_RATE // 5)]), 1 + n // len(line))[:n - SAMPLE_RATE // 4]
    ref[SAMPLE_RATE // 4:] = seg * 16000
    rng = np.random.default_rng(7)
    user = rng.normal(0, 3, n)
    a = 5 * SAMPLE_RATE
    user[a:a + len(word)] += word * 12000
    mic = np.clip(np.round(room(loudspeaker(ref)) + user), -32768, 32767).astype(np.int16)
    return mic, ref.astype(np.int16), user, (a, a + len(word))


def test_aec3_takes_out_the_coachs_voice_and_keeps_the_users_word(
        scene: tuple[Block, Block, Float, tuple[int, int]]) -> None:
    mic, ref, user, (a, b) = scene
    ec = Aec3Canceller(suppress_db=0)   # the canceller alone, without the suppression of echo-only frames
    out = stream(ec, mic, ref)
    removed = db(out[2 * SAMPLE_RATE:a - SAMPLE_RATE // 10], mic[2 * SAMPLE_RATE:a - SAMPLE_RATE // 10])
    kept = db(out[a:b], user[a:b])
    assert ec.delay is not None and abs(ec.delay - int(0.12 * SAMPLE_RATE)) < 16
    assert removed < -MIN_REMOVED_DB, removed
    assert abs(kept) < MAX_LOST_DB, kept
    # after the user's word too: AEC3 goes on cancelling after double talk
    after = db(out[b + SAMPLE_RATE // 2:], mic[b + SAMPLE_RATE // 2:])
    assert after < -MIN_REMOVED_AFTER_DB, after


def test_with_the_suppression_the_user_keeps_the_word(scene: tuple[Block, Block, Float, tuple[int, int]]) -> None:
    """The echo-only suppression of 10 ms frames (echo.py), after AEC3, takes nothing of the user's
    word (measured: the same 2.3 dB as without it) while it silences the coach's voice alone."""
    mic, ref, user, (a, b) = scene
    out = stream(Aec3Canceller(), mic, ref)
    assert abs(db(out[a:b], user[a:b])) < MAX_LOST_DB


@pytest.mark.parametrize("sizes", [(480,), (1, 37, 160, 333, 1600, 7, 479), (161,), (1600,)])
def test_frames_stay_in_step_with_any_block_size(sizes: tuple[int, ...]) -> None:
    """Whatever the blocks' sizes, whole 10 ms frames come out as soon as they are complete, and the
    output is the microphone's sound AEC3's 8 ms later (nothing played: nothing to take out)."""
    rng = np.random.default_rng(2)
    n = 3 * SAMPLE_RATE
    t = np.arange(n) / SAMPLE_RATE
    mic = (rng.normal(0, 2000, n) * (1.2 + np.sin(2 * np.pi * 3 * t)) / 2).astype(np.int16)
    ref = np.zeros(n, np.int16)
    ec = Aec3Canceller()
    fed = came = 0
    outs = []
    i = k = 0
    while i < n:
        size = sizes[k % len(sizes)]
        out = ec.process(mic[i:i + size], ref[i:i + size])
        fed += len(mic[i:i + size])
        came += len(out)
        outs.append(out)
        assert came == fed // FRAME * FRAME
        i, k = i + size, k + 1
    out = np.concatenate(outs).astype(np.float64)
    x = mic.astype(np.float64)
    lags = range(0, 2 * LATENCY)
    cc = [float(np.dot(x[SAMPLE_RATE:2 * SAMPLE_RATE], out[SAMPLE_RATE + k:2 * SAMPLE_RATE + k])) for k in lags]
    assert int(np.argmax(cc)) == LATENCY
    assert abs(db(out[SAMPLE_RATE + LATENCY:2 * SAMPLE_RATE + LATENCY], x[SAMPLE_RATE:2 * SAMPLE_RATE])) < 1.0
    assert ec.delay is None and not ec.active


def test_silence_and_a_silent_reference() -> None:
    ec = Aec3Canceller()
    zeros = np.zeros(SAMPLE_RATE, np.int16)
    out = np.concatenate([ec.process(zeros[i:i + 480], zeros[i:i + 480]) for i in range(0, len(zeros), 480)])
    assert len(out) == len(zeros) // FRAME * FRAME and not out.any()
    assert ec.process(zeros[:0], zeros[:0]).size == 0
    ec.reset()
    rng = np.random.default_rng(3)
    mic = rng.normal(0, 2000, 2 * SAMPLE_RATE).astype(np.int16)
    out = np.concatenate([ec.process(mic[i:i + 480], zeros[:len(mic[i:i + 480])]) for i in range(0, len(mic), 480)])
    assert ec.delay is None and not ec.active
    x = mic.astype(np.float64)[SAMPLE_RATE:len(out) - LATENCY]
    assert abs(db(out.astype(np.float64)[SAMPLE_RATE + LATENCY:], x)) < 1.0   # nothing played, nothing taken


def test_the_blocks_must_pair_up() -> None:
    with pytest.raises(ValueError):
        Aec3Canceller().process(np.zeros(480, np.int16), np.zeros(320, np.int16))


def test_the_canceller_is_chosen_by_name() -> None:
    assert isinstance(make_canceller("aec3"), Aec3Canceller)
    speex = make_canceller("speex")
    assert type(speex) is EchoCanceller
    assert type(make_canceller()) is type(make_canceller(echo_module.DEFAULT))
    with pytest.raises(ValueError, match="aec3, speex"):
        make_canceller("nlms")


def test_the_witness_speaks_only_once_it_has_heard_the_coach_for_a_while() -> None:
    """Before it knows the room, AEC3's suppressor can take out a user's word whole (a cued live
    test: "five" 1.3 s into the menu's first line kept -61.5 dB): the witness says nothing until it
    has heard WITNESS_WARM seconds of the coach's voice; silence does not count."""
    from coach.listen.capture.aec3 import WITNESS_WARM, Aec3Witness

    witness = Aec3Witness()
    rng = np.random.default_rng(3)
    quiet = np.zeros(480, np.int16)
    for _ in range(1000):                                # 30 s with the coach silent
        assert witness.energy(quiet, quiet) is None
    voice = (rng.standard_normal(480) * 3000).astype(np.int16)
    blocks = -(-int(WITNESS_WARM * 16000) // 480)   # whole blocks to reach it
    for _ in range(blocks - 1):
        assert witness.energy(voice, voice) is None
    assert witness.energy(voice, voice) is not None
