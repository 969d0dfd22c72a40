"""Adapter tests against the real engine: espeak-ng via pyttsx3, recognised back by pocketsphinx."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from coach.config import VOICES_DIR
from coach.errors import ConfigError
from coach.listen.base import SAMPLE_RATE
from coach.speech.base import Earcon
from coach.speech.earcons import earcon_pcm
from coach.speech.synth import EngineVoice, Synth, VoiceSettings, installed_voices
from coach.speech.voices import choose_voice, load_profile, load_profiles

SENTENCE = "Settle onto the balls and let your breath slow down"


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) if len(x) else 0.0


def test_renders_real_speech_of_plausible_length() -> None:
    pcm = Synth(VoiceSettings(rate=170)).render(SENTENCE)
    seconds = len(pcm) / SAMPLE_RATE
    words = len(SENTENCE.split())
    assert pcm.dtype == np.int16
    assert 0.5 * words / 170 * 60 < seconds < 2.0 * words / 170 * 60
    assert rms(pcm) > 500
    assert np.abs(pcm.astype(np.int32)).max() < 32767


def test_faster_rate_is_shorter() -> None:
    slow = Synth(VoiceSettings(rate=140)).render(SENTENCE)
    fast = Synth(VoiceSettings(rate=330)).render(SENTENCE)
    assert len(fast) < 0.7 * len(slow)


def test_voice_change_keeps_the_requested_rate() -> None:
    # espeak-ng applied settings one utterance late before the engine thread synchronised
    a = Synth(VoiceSettings(voice_id="gmw/en-us", rate=120)).render(SENTENCE)
    b = Synth(VoiceSettings(voice_id="gmw/en", rate=330)).render(SENTENCE)
    c = Synth(VoiceSettings(voice_id="gmw/en-us", rate=120)).render(SENTENCE)
    assert len(b) < 0.6 * len(a)
    assert abs(len(c) - len(a)) < 0.1 * len(a)


def test_cache_serves_the_same_render() -> None:
    synth = Synth(VoiceSettings(rate=171))
    first = synth.render("breathe in slowly")
    again = synth.render("breathe in slowly")
    assert again is first
    assert synth.render_count == 1
    synth.prepare("and out again")
    synth.render("and out again")
    assert synth.render_count == 2
    synth.set_rate(200)
    synth.render("breathe in slowly")
    assert synth.render_count == 3


def test_engine_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    Synth(VoiceSettings(rate=173)).render("nothing on standard output please")
    assert capfd.readouterr().out == ""


def _decode(pcm: np.ndarray, words: list[str]) -> str:
    import pocketsphinx
    from pocketsphinx import Config, Decoder

    model = Path(os.path.dirname(pocketsphinx.__file__)) / "model" / "en-us"
    grammar = "#JSGF V1.0;\ngrammar c;\npublic <c> = " + " | ".join(words) + " ;\n"
    config = Config(hmm=str(model / "en-us"), dict=str(model / "cmudict-en-us.dict"), jsgf=None,
                    logfn="/dev/null", samprate=SAMPLE_RATE)
    decoder = Decoder(config)
    decoder.add_jsgf_string("c", grammar.encode())
    decoder.activate_search("c")
    padded = np.concatenate([np.zeros(4000, np.int16), pcm, np.zeros(4000, np.int16)])
    decoder.start_utt()
    decoder.process_raw(padded.tobytes(), full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr if hyp else ""


@pytest.mark.parametrize("word", ["stop", "next", "harder", "softer"])
def test_pocketsphinx_recognises_rendered_word(word: str) -> None:
    pcm = Synth(VoiceSettings(voice_id="gmw/en-us", rate=150)).render(word)
    assert _decode(pcm, ["stop", "next", "harder", "softer"]) == word


# -- earcons ---------------------------------------------------------------------------------

def test_earcons_distinct_right_length_no_clipping() -> None:
    spectra = {}
    for e in Earcon:
        pcm = earcon_pcm(e)
        assert pcm.dtype == np.int16
        assert 0.08 <= len(pcm) / SAMPLE_RATE <= 0.4, e
        assert np.abs(pcm.astype(np.int32)).max() < 32000, e
        assert abs(int(pcm[0])) < 200 and abs(int(pcm[-1])) < 200, e   # soft attack and release
        halves = np.array_split(pcm.astype(np.float64), 2)   # spectrum of each half: shape in time too
        mag = np.concatenate([np.abs(np.fft.rfft(h, n=8192)) for h in halves])
        spectra[e] = (mag / np.linalg.norm(mag), len(pcm))
    names = list(spectra)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            same_spectrum = float(np.dot(spectra[a][0], spectra[b][0])) > 0.95
            assert not (same_spectrum and spectra[a][1] == spectra[b][1]), (a, b)
    # harder rises, softer falls: compare the dominant frequency of the first and last quarter
    for e, rising in ((Earcon.HARDER, True), (Earcon.SOFTER, False)):
        pcm = earcon_pcm(e).astype(np.float64)
        q = len(pcm) // 4
        f = [np.argmax(np.abs(np.fft.rfft(part, n=8192))) for part in (pcm[:q], pcm[-q:])]
        assert (f[1] > f[0]) == rising, e


# -- voice profiles --------------------------------------------------------------------------

def test_every_shipped_profile_loads() -> None:
    profiles = load_profiles()
    assert {"calm", "clear", "fast"} <= set(profiles)
    assert profiles["calm"].rate < profiles["clear"].rate < profiles["fast"].rate
    assert profiles["fast"].rate >= 320
    for p in profiles.values():
        assert p.path is not None and p.path.parent == VOICES_DIR


def test_bad_profile_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\nlanguage = "en"\nrate = 150\nvolume = 1.0\npitch = 50\nvoices = []\ncolour = "red"\n')
    with pytest.raises(ConfigError) as e:
        load_profile(bad)
    assert f"{bad}:7:" in str(e.value) and "colour" in str(e.value)
    bad.write_text('name = "bad"\nlanguage = "en"\nrate = "fast"\nvolume = 1.0\npitch = 50\nvoices = []\n')
    with pytest.raises(ConfigError) as e:
        load_profile(bad)
    assert f"{bad}:3:" in str(e.value)


def test_missing_voice_falls_back_with_one_warning(tmp_path: Path) -> None:
    path = tmp_path / "odd.toml"
    path.write_text('name = "odd"\nlanguage = "en"\nrate = 150\nvolume = 1.0\npitch = 50\nvoices = ["no/such-voice"]\n')
    profile = load_profile(path)
    warnings: list[str] = []
    installed = installed_voices()
    chosen = choose_voice(profile, installed, "gmw/en", warnings.append)
    assert chosen in {v.id for v in installed}
    assert len(warnings) == 1 and "no/such-voice" in warnings[0]
    assert len(Synth(VoiceSettings(voice_id=chosen)).render("still speaking")) > 0
    # nothing installed at all: the engine default, still no failure
    assert choose_voice(profile, [EngineVoice("xx", "X", ("xx",))], "gmw/en", warnings.append) == "gmw/en"
