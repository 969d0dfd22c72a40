"""`coach render`: a bad -o is refused before anything is rendered; a long session is written a minute at a
time; a failed write is one message. No audio device and no speech engine are needed here."""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from coach.cli import main
from coach.errors import CoachError
from coach.listen.base import SAMPLE_RATE
from coach.tasks.speech import MAX_WAV_SECONDS, mix_plan, write_mix


@dataclass(frozen=True)
class Item:
    at: float
    kind: str = "say"
    text: str = ""
    step: int = 0


def tone(item: object) -> np.ndarray:
    return np.full(SAMPLE_RATE, 9000, np.int16)   # 1 s


@pytest.mark.parametrize(("output", "words"), [
    ("missing/d/y.wav", "-o {tmp}/missing/d/y.wav: there is no folder {tmp}/missing/d"),
    ("", "-o {tmp}: this is a folder"),
])
def test_a_bad_output_is_refused_before_rendering(output: str, words: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    output, words = str(tmp_path / output), words.format(tmp=tmp_path)
    assert main(["render", "tennis-balls", "-o", output], out=io.StringIO()) == 2
    err = capsys.readouterr().err
    first, fix = err.splitlines()
    assert first == f"coach: {words}" and fix.startswith("  fix: ")
    assert "Error" not in err and "Exception" not in err   # Wave_write's AttributeError came after the message


def test_a_session_is_written_a_minute_at_a_time_as_mixed(tmp_path: Path) -> None:
    items = [Item(0.5), Item(59.7), Item(60.2), Item(130.0)]   # across the minute boundaries, overlapping
    f = tmp_path / "out.wav"
    samples = write_mix(f, items, tone)
    with wave.open(str(f), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, SAMPLE_RATE)
        written = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    assert samples == len(written) == 132 * SAMPLE_RATE
    assert np.array_equal(written, mix_plan(items, tone))
    assert written[int(60.5 * SAMPLE_RATE)] == 18000   # two sounds at once are added


def test_a_write_that_fails_is_one_message() -> None:
    with pytest.raises(CoachError) as e:
        write_mix(Path("/dev/full"), [Item(0)], tone)
    assert e.value.message.startswith("/dev/full: cannot write: No space left on device")


def test_a_session_too_long_for_a_wav_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CoachError) as e:
        write_mix(tmp_path / "x.wav", [Item(MAX_WAV_SECONDS)], tone)
    assert "a WAV file holds at most 37" in e.value.message
    assert not (tmp_path / "x.wav").exists()


def test_a_routine_too_long_for_a_wav_file_is_refused_before_rendering(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    steps = "".join(f'[[steps]]\ntitle = "S{i}"\nsay = "Hold."\nseconds = 1800\npressure = false\n' for i in range(80))
    r = tmp_path / "long.toml"
    r.write_text('title = "Long"\ndescription = "Long."\nrole = "self"\nstart_level = 1\nmax_level = 1\n' + steps,
                 encoding="utf-8")
    assert main(["render", str(r), "-o", str(tmp_path / "x.wav")], out=io.StringIO()) == 2
    assert f"coach: {r}: the routine's steps last 40 hours, and a WAV file holds at most 37" in capsys.readouterr().err


# each engine and each routine once: the whole grid took 100 s more of the suite, and "clear" (Piper
# at 170 words a minute) another 20 s for what "calm" (Piper at 140) shows; how Piper's pace follows
# the rate is test_speech_piper's
@pytest.mark.parametrize(("routine", "voice"), [("tennis-balls", "calm"), ("swedish", "fast")])
def test_the_length_shown_is_the_length_of_the_render(routine: str, voice: str, tmp_path: Path) -> None:
    """What `coach list` and `coach show` give as a routine's length is how long it lasts as spoken
    at the voice's rate, checked against `coach render` (the reference, espeak-ng): within 4% and
    within the half minute shown."""
    from coach.routine import find
    from coach.speech.voices import find_profile
    from coach.tasks.routines import length
    from coach.timeline import session_seconds

    out = tmp_path / "r.wav"
    assert main(["render", routine, "--voice", voice, "-o", str(out)], out=io.StringIO()) == 0
    with wave.open(str(out)) as w:
        rendered = w.getnframes() / w.getframerate()
    rate = find_profile(voice).rate
    estimate = session_seconds(find(routine), rate)
    assert abs(estimate - rendered) <= 0.04 * rendered, (estimate, rendered)
    shown = float(length(find(routine), rate).split()[0]) * 60
    assert abs(shown - rendered) <= 30 + 0.04 * rendered, (shown, rendered)
