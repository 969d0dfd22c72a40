"""The player and the CLI through real PortAudio into a private PulseAudio null sink.

In-process PortAudio is pointed at the private server by ``PulseServer.apply()`` (env +
``sd._terminate(); sd._initialize()``); see tests/pulse.py.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from pulse import PulseServer, pulse_fixture  # tests/ is on sys.path under pytest (rootdir-relative)

from coach.cli import main
from coach.listen.base import SAMPLE_RATE
from coach.speech.player import Player
from coach.speech.synth import Synth, VoiceSettings
from coach.tasks.speech import mix_plan
from coach.timeline import Planned

LONG = "Roll slowly from the top of your shoulders down to the middle of your back, and breathe out as you go"


@pytest.fixture(scope="module")
def pulse() -> Iterator[PulseServer]:
    yield from pulse_fixture()


@pytest.fixture()
def inproc(pulse: PulseServer) -> Iterator[PulseServer]:
    with pulse.apply():
        yield pulse


def loud(x: np.ndarray, threshold: int = 300) -> np.ndarray:
    """Which 10 ms windows have sound."""
    x = x[: len(x) // 160 * 160].astype(np.int32)
    peaks: npt.NDArray[np.int32] = np.abs(x).reshape(-1, 160).max(axis=1)
    return peaks > threshold


class Done:
    def __init__(self) -> None:
        self.calls: list[tuple[int, bool]] = []
        self.event = threading.Event()

    def __call__(self, uid: int, interrupted: bool) -> None:
        self.calls.append((uid, interrupted))
        self.event.set()


def test_plays_then_reports_natural_end(inproc: PulseServer) -> None:
    pcm = Synth(VoiceSettings(rate=200)).render("one two three")
    done = Done()
    rec = inproc.start_recording("coach_out.monitor")
    player = Player(done)
    try:
        player.play(7, pcm)
        assert player.wait_idle(timeout=20)
    finally:
        player.close()
    out = rec.stop()
    assert done.calls == [(7, False)]
    heard = loud(out)
    assert heard.sum() * 160 > 0.5 * len(pcm)    # most of it reached the sink
    assert not heard[-5:].any()                   # and it ended in silence


def test_stop_cuts_off_and_reports_interrupted(inproc: PulseServer) -> None:
    pcm = Synth(VoiceSettings(rate=150)).render(LONG)
    done = Done()
    rec = inproc.start_recording("coach_out.monitor")
    player = Player(done)
    try:
        queued = time.monotonic()
        player.play(1, pcm)
        player.play(2, pcm)
        # 0.8 s of audio handed to the device: with 150 ms queued ahead of the loudspeaker (and the
        # stream's start), about half a second of it has been heard
        while player.blocks_played < 40:
            time.sleep(0.01)
        now = player.played()                   # which lines went out, and when (the own-words check)
        player.stop()
        stopped = time.monotonic()
        assert player.wait_idle(timeout=10)
        time.sleep(0.3)
        after = player.played()
    finally:
        player.close()
    out = rec.stop()
    assert done.calls == [(1, True), (2, True)]
    assert [(p.id, p.length, p.cut) for p in now] == [(1, len(pcm) / SAMPLE_RATE, None)], now
    assert queued <= now[0].started < stopped, (queued, now, stopped)   # reached the loudspeaker then
    # cut off after about the half second heard (the stream ran before the line), line 2 never began
    assert [p.id for p in after] == [1] and after[0].cut is not None and 0.2 <= after[0].cut < 1.5, after
    assert after[0].out == after[0].cut
    heard = loud(out)
    # what reached the sink is the half second before the stop plus at most a few blocks, not the utterance
    assert heard.sum() * 160 < 0.5 * SAMPLE_RATE + 0.25 * SAMPLE_RATE
    assert len(pcm) > 3 * SAMPLE_RATE
    assert not heard[-20:].any()


def tone(seconds: float) -> npt.NDArray[np.int16]:
    """A steady 440 Hz tone: loud in every 10 ms window, so that the sink's sound counts samples."""
    return (np.sin(np.arange(round(SAMPLE_RATE * seconds)) * 2 * np.pi * 440 / SAMPLE_RATE) * 10000).astype(np.int16)


def test_stop_drops_what_the_stream_holds_for_the_loudspeaker(inproc: PulseServer) -> None:
    """The output stream keeps 150 ms of sound queued ahead of the loudspeaker (so that a busy
    machine does not make it stutter); a stop does not let that play out. Measured in samples of
    the played stream: what reached the sink of the line is what had reached the loudspeaker when
    stop() was called (the samples handed to the stream, less those it still held) and at most
    about 60 ms more, not the 180 ms it held."""
    pcm = tone(6.0)
    done = Done()
    rec = inproc.start_recording("coach_out.monitor")
    player = Player(done)
    try:
        while player.blocks_played < 10:      # the stream runs: the line starts with the next block
            time.sleep(0.01)
        first = player.blocks_played
        player.play(1, pcm)
        while player.blocks_played < first + 60:   # 1.2 s of the line handed over
            time.sleep(0.01)
        handed, held = (player.blocks_played - first) * 320, player.queued()
        player.stop()
        assert player.wait_idle(timeout=10)
        time.sleep(0.5)
        flushes = player.flushes
    finally:
        player.close()
    out = rec.stop()
    reached = int(loud(out).sum()) * 160        # samples of the line the sink got (the tone is loud throughout)
    at_stop = handed - round(held * SAMPLE_RATE)   # ... that had reached the loudspeaker at the stop
    assert held >= 0.1 and flushes == 1, (held, flushes)
    assert at_stop - 320 * 4 <= reached <= at_stop + round(0.06 * SAMPLE_RATE) + 320 * 3, (handed, held, reached)
    assert done.calls == [(1, True)]


def test_output_underruns_are_counted(inproc: PulseServer) -> None:
    """A callback held up longer than the stream's queue lasts (here Python's lock held 0.6 s by a
    busy loop) leaves the loudspeaker without sound: the player counts it."""
    import sys

    player = Player(Done())
    try:
        player.play(1, tone(3.0))
        while player.blocks_played < 20:
            time.sleep(0.01)
        assert player.underruns == 0
        interval = sys.getswitchinterval()
        sys.setswitchinterval(2.0)   # no other Python thread runs meanwhile, the callback's neither
        try:
            until = time.perf_counter() + 0.6
            while time.perf_counter() < until:
                pass
        finally:
            sys.setswitchinterval(interval)
        assert player.wait_idle(timeout=10)
    finally:
        player.close()
    assert player.underruns >= 1


def test_an_earcon_played_is_told_with_the_lines(inproc: PulseServer) -> None:
    """An earcon goes out into the room like a line: ``played()`` tells it (id TONE_ID), so that
    words heard in it are judged as heard over the coach's sound."""
    from coach.speech.base import TONE_ID, Earcon
    from coach.speech.earcons import earcon_pcm

    player = Player(Done())
    try:
        before = time.monotonic()
        tone = earcon_pcm(Earcon.STEP)
        player.tone(tone)
        deadline = time.monotonic() + 10
        while not player.played() and time.monotonic() < deadline:
            time.sleep(0.01)
        played = player.played()
    finally:
        player.close()
    assert [p.id for p in played] == [TONE_ID], played
    assert played[0].length == len(tone) / SAMPLE_RATE and played[0].started >= before


def test_a_stream_that_portaudio_ends_is_opened_again(inproc: PulseServer) -> None:
    """After an underrun, PortAudio's ALSA host API can end a stream while the sound server is fine.
    The player opens a new stream and the utterance plays on to its end; the user is told."""
    pcm = Synth(VoiceSettings(rate=150)).render(LONG)
    done = Done()
    errors: list[Exception] = []
    warnings: list[str] = []
    rec = inproc.start_recording("coach_out.monitor")
    player = Player(done, on_error=errors.append, on_warning=warnings.append)
    try:
        player.play(1, pcm)
        while player.blocks_played < 25:        # half a second played
            time.sleep(0.01)
        player._stream.abort()                   # PortAudio ends the stream under the player
        assert player.wait_idle(timeout=30)
    finally:
        player.close()
    out = rec.stop()
    assert done.calls == [(1, False)] and errors == [] and player.reopens == 1
    assert len(warnings) == 1 and "opened again" in warnings[0] and "stopped working" in warnings[0]
    assert player.blocks_played * 320 >= len(pcm)       # every sample was handed to a stream
    assert loud(out).sum() * 160 > 0.5 * len(pcm)


def test_a_stream_that_keeps_failing_is_given_up(inproc: PulseServer) -> None:
    """Ended again and again, the stream is given up after REOPEN_LIMIT tries: on_error, all interrupted."""
    import sounddevice as sd

    from coach.streamguard import REOPEN_LIMIT

    pcm = Synth(VoiceSettings(rate=150)).render(LONG)
    done = Done()
    errors: list[Exception] = []
    player = Player(done, on_error=errors.append, on_warning=lambda line: None)
    try:
        player.play(1, pcm)
        deadline = time.monotonic() + 30
        while not errors and time.monotonic() < deadline:
            stream = player._stream
            while stream is player._stream and not errors and time.monotonic() < deadline:
                with contextlib.suppress(sd.PortAudioError):   # the player may have just closed it
                    if stream.active and player.blocks_played > 0:
                        stream.abort()
                time.sleep(0.02)
        assert player.wait_idle(timeout=10)
    finally:
        player.close()
    assert player.reopens == REOPEN_LIMIT and len(errors) == 1
    assert "stopped working" in str(errors[0]) and done.calls == [(1, True)]


def test_duck_lowers_the_level(inproc: PulseServer) -> None:
    tone = (np.sin(np.arange(SAMPLE_RATE * 2) * 2 * np.pi * 440 / SAMPLE_RATE) * 10000).astype(np.int16)
    done = Done()
    rec = inproc.start_recording("coach_out.monitor")
    player = Player(done)
    try:
        player.play(1, tone)
        while player.blocks_played < 40:
            time.sleep(0.01)
        player.duck(True)
        assert player.wait_idle(timeout=10)
    finally:
        player.close()
    out = rec.stop().astype(np.int32)
    windows = np.abs(out[: len(out) // 800 * 800]).reshape(-1, 800).max(axis=1)
    playing = windows[windows > 300]
    assert playing.max() > 9000
    assert np.median(playing[-10:]) < 0.5 * playing.max()


def test_cli_devices_and_say(inproc: PulseServer) -> None:
    out = io.StringIO()
    assert main(["devices"], out=out) == 0
    text = out.getvalue()
    assert "output devices:" in text and "(default)" in text
    rec = inproc.start_recording("coach_out.monitor")
    assert main(["say", "the coach is ready"], out=io.StringIO()) == 0
    assert loud(rec.stop()).sum() > 20


def test_say_speaks_with_the_profile_engine(inproc: PulseServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """`coach say --voice natural` speaks with the profile's engine, Piper, into the speaker."""
    from test_speech_piper import _engines

    from coach.speech import piper

    if (why := piper.missing()) is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must install Piper: {why} ({piper.PIPER_FIX})")
        pytest.skip(f"{why}: {piper.PIPER_FIX}")
    engines = _engines(monkeypatch)
    rec = inproc.start_recording("coach_out.monitor")
    assert main(["say", "the coach is ready", "--voice", "natural"], out=io.StringIO()) == 0
    assert engines == ["piper"]
    assert loud(rec.stop()).sum() > 20


def test_cli_say_with_unknown_device_names_the_fix(inproc: PulseServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["say", "hello", "--output-device", "nonexistent"], out=io.StringIO()) == 3
    err = capsys.readouterr().err
    assert "nonexistent" in err and "coach devices" in err and "coach say needs sound" in err
    assert "or use --text" not in err   # say has no --text


def test_mix_plan_puts_speech_where_planned(tmp_path: Path) -> None:
    synth = Synth(VoiceSettings(rate=170))
    items = [Planned(0.0, "tone", "step", 0), Planned(0.5, "say", "lie down", 0),
             Planned(4.0, "say", "and rest", 1), Planned(6.0, "tone", "end", 1)]
    pcm = mix_plan(items, lambda p: synth.render(p.text) if p.kind == "say" else np.full(1600, 5000, np.int16),
                   tail=1.0)
    assert len(pcm) == round(6.1 * SAMPLE_RATE) + SAMPLE_RATE
    heard = loud(pcm)
    second_say = len(synth.render("and rest")) // 160
    assert heard[60:80].any() and not heard[300:390].any() and heard[400:400 + second_say].any()


def test_cli_render_writes_the_session(tmp_path: Path) -> None:
    routine = tmp_path / "tiny.toml"
    routine.write_text(
        'title = "Tiny"\ndescription = "A tiny routine."\nrole = "self"\nstart_level = 1\nmax_level = 3\n'
        '[[steps]]\ntitle = "Breathe"\nsay = "Breathe in."\nseconds = 3\npressure = false\n'
        '[[steps]]\ntitle = "Rest"\nsay = "Rest now."\nseconds = 2\npressure = false\n')
    wav = tmp_path / "out.wav"
    out = io.StringIO()
    assert main(["render", str(routine), "-o", str(wav)], out=out) == 0
    assert "step 1 of 2: Breathe" in out.getvalue() and "step 2 of 2: Rest" in out.getvalue()
    with wave.open(str(wav)) as w:
        assert w.getframerate() == SAMPLE_RATE and w.getnchannels() == 1
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    assert len(pcm) / SAMPLE_RATE > 5          # at least both timed holds
    assert loud(pcm[:SAMPLE_RATE * 3]).any()
