"""The cued recogniser of the live tests (tests/cued.py): it hears what is cued, where the voice
that said it is in the audio it is fed, whether the cue comes before or after that voice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cued import GIVE_UP, CuedRecognizer, cue, voice_level

from coach.commands import Command
from coach.listen.base import BLOCK_SECONDS, SAMPLE_RATE, Detection
from coach.listen.judge.whisper import Judgement

N = int(BLOCK_SECONDS * SAMPLE_RATE)
VOICE = 3000.0


def blocks(seconds: float, level: float = 100.0) -> list[np.ndarray]:
    """Steady noise at ``level`` RMS (the coach's voice after echo cancellation, or a voice)."""
    rng = np.random.default_rng(int(seconds * 1000 + level))
    return [rng.normal(0, level, N).astype(np.int16) for _ in range(round(seconds / BLOCK_SECONDS))]


def feed(rec: CuedRecognizer, audio: list[np.ndarray]) -> list[Detection]:
    return [d for b in audio for d in rec.accept(b)]


def test_words_nobody_said_are_heard_at_the_next_block(tmp_path: Path) -> None:
    cues = tmp_path / "cues.txt"
    rec = CuedRecognizer(cues)
    assert feed(rec, blocks(1.0)) == []
    cue(cues, "stop", 0.6)
    [d] = feed(rec, blocks(0.03))
    assert (d.command, d.heard, d.confirmed, d.transcript) == (Command.STOP, "stop", True, "stop")
    assert d.start == pytest.approx(0.42, abs=0.02) and d.end == d.at == pytest.approx(1.02, abs=0.02)
    assert feed(rec, blocks(1.0)) == []   # once


@pytest.mark.parametrize("cued_first", [True, False])
def test_words_said_aloud_are_heard_where_the_voice_is(tmp_path: Path, cued_first: bool) -> None:
    """The listening process may be behind the room (the cue read before the voice reached it) or
    keeping up (read after): either way the words' span is the voice's."""
    cues = tmp_path / "cues.txt"
    rec = CuedRecognizer(cues)
    out = feed(rec, blocks(2.0))
    if cued_first:
        cue(cues, "harder", 0.9, VOICE)
    out += feed(rec, blocks(0.6, VOICE) + blocks(0.15) + blocks(0.3, VOICE))   # two words, 2.0 to 3.05 s
    if not cued_first:
        cue(cues, "harder", 0.9, VOICE)
    out += feed(rec, blocks(1.0))
    [d] = out
    assert d.command is Command.HARDER and d.start is not None and d.end is not None
    assert d.start == pytest.approx(2.0, abs=0.04) and d.end == pytest.approx(3.05, abs=0.04)
    assert d.at >= d.end + 0.3


def test_words_that_hold_no_command_go_to_the_judgement_hook_alone(tmp_path: Path) -> None:
    cues = tmp_path / "cues.txt"
    rec = CuedRecognizer(cues)
    judged: list[tuple[Judgement, float, float]] = []
    rec.on_judgement = lambda j, start, end: judged.append((j, start, end))
    assert feed(rec, blocks(1.0)) == []
    cue(cues, "tennis", 0.5)
    assert feed(rec, blocks(0.03)) == []
    [(j, start, end)] = judged
    assert (j.command, j.free) == (None, "tennis") and end - start == pytest.approx(0.5, abs=0.01)


def test_without_words_written_down_commands_are_guesses(tmp_path: Path) -> None:
    cues = tmp_path / "cues.txt"
    rec = CuedRecognizer(cues, transcribes=False)
    assert not hasattr(rec, "on_judgement")
    cue(cues, "next", 0.5)
    cue(cues, "the weather is nice", 0.5)
    [d] = feed(rec, blocks(0.1))
    assert (d.command, d.confirmed, d.transcript) == (Command.NEXT, False, None)


def test_a_voice_the_listener_never_got_is_heard_later_and_said(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """The listening process skipped the audio (it catches up so on a loaded machine): the words
    are heard GIVE_UP seconds after the cue, as words nobody said aloud are, and that is said."""
    cues = tmp_path / "cues.txt"
    rec = CuedRecognizer(cues)
    cue(cues, "stop", 0.6, VOICE)
    out = feed(rec, blocks(2.0, VOICE / 10))   # the coach's voice alone, left after cancellation
    assert out == []
    out = feed(rec, blocks(2.0, VOICE / 10))
    [d] = out
    assert d.command is Command.STOP and d.end == d.at == pytest.approx(GIVE_UP + 0.03, abs=0.04)
    assert "the voice saying 'stop' was not in the audio" in capsys.readouterr().err


def test_the_level_of_a_voice_is_that_of_its_loud_blocks() -> None:
    speech = np.concatenate(blocks(0.5, 0.0) + blocks(0.6, VOICE) + blocks(0.5, 0.0))
    assert voice_level(speech) == pytest.approx(VOICE, rel=0.1)
