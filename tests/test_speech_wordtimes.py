"""When the coach says each word of a line (coach/speech/wordtimes.py): pocketsphinx aligns the known
text of a line, rendered by the real espeak-ng, to its sound."""

from __future__ import annotations

import itertools

import numpy as np

from coach.listen.base import SAMPLE_RATE
from coach.listen.policy import LineOut, said_then
from coach.speech.synth import Synth
from coach.speech.wordtimes import WordTimer

STOPPED = "Stopped. Say next to continue, or stop again to end."


def test_every_word_of_a_line_gets_its_time_in_order() -> None:
    pcm = Synth().render(STOPPED)
    times = WordTimer().times(STOPPED, pcm)
    assert times is not None
    assert [w.word for w in times] == "stopped say next to continue or stop again to end".split()
    length = len(pcm) / SAMPLE_RATE
    assert all(0.0 <= w.start < w.end <= length + 0.02 for w in times)
    assert all(a.end <= b.start + 1e-9 for a, b in itertools.pairwise(times))
    # "stop" is the seventh word: it lies in the second half of the line, after "continue"
    stop = times[6]
    assert stop.word == "stop" and stop.start > times[4].end and stop.start > length / 2


def test_the_same_sound_gives_about_the_same_times_and_silence_before_moves_them() -> None:
    """(pocketsphinx carries its cepstral mean from one line to the next: a frame or two apart)"""
    pcm = Synth().render(STOPPED)
    timer = WordTimer()
    first = timer.times(STOPPED, pcm)
    again = timer.times(STOPPED, pcm)
    assert first is not None and again is not None
    assert all(abs(a.end - b.end) <= 0.05 for a, b in zip(first, again, strict=True))
    later = timer.times(STOPPED, np.concatenate([np.zeros(SAMPLE_RATE, dtype=np.int16), pcm]))
    assert later is not None
    assert abs((later[6].start - first[6].start) - 1.0) < 0.1


def test_a_line_it_cannot_align_gets_no_times() -> None:
    pcm = Synth().render("Xyzzyqw plugh.")
    timer = WordTimer()
    assert timer.times("Xyzzyqw plugh.", pcm) is None          # not in the dictionary
    assert timer.times("", pcm) is None
    assert timer.times(STOPPED, np.zeros(0, dtype=np.int16)) is None


def test_the_policy_takes_the_coachs_stop_for_its_echo_only_where_it_said_it() -> None:
    """The coach's own "...or stop again to end" heard as "stop" (a user trial, 2026-12-06) is its
    echo when heard where the line says "stop"; the user's "stop" said after the line is theirs."""
    pcm = Synth().render(STOPPED)
    times = WordTimer().times(STOPPED, pcm)
    assert times is not None
    length = len(pcm) / SAMPLE_RATE
    line = LineOut(STOPPED.lower().replace(".", "").replace(",", "").split(), 100.0, length, length,
                   [(w.word, w.end) for w in times])
    said_stop = 100.0 + times[6].end
    assert said_then(line, {"stop"}, said_stop + 0.3, said_stop + 1.0)
    assert not said_then(line, {"stop"}, said_stop + 3.0, said_stop + 3.5)
    assert not said_then(line, {"stop"}, 100.0 + times[0].start + 0.1, 101.0)   # before it said "stop"


def test_each_word_carries_its_phones_and_numbers_are_said_in_words() -> None:
    """The phones are the dictionary's, for the policy's sounds-alike check; "Step 1 of 8" is aligned
    as "step one of eight" (Whisper writes the coach's numbers in figures)."""
    line = "Step 1 of 8: get into position."
    timer = WordTimer()
    times = timer.times(line, Synth().render(line))
    assert times is not None
    assert [w.word for w in times] == "step one of eight get into position".split()
    assert times[0].phones == ("S", "T", "EH", "P")
    assert timer.phones("stop") == ("S", "T", "AA", "P")
    assert timer.phones("that hurts") == ("DH", "AE", "T", "HH", "ER", "T", "S")
    assert timer.phones("xyzzyqw") is None


def test_the_menu_hears_a_title_word_by_its_sound_in_the_dictionary() -> None:
    # the menu's `sounds` is this speaker's dictionary: Whisper writes "kneading" as "Needing."
    from coach.menuwords import match

    timer = WordTimer()
    assert timer.phones("Needing.") == timer.phones("kneading") == ("N", "IY", "D", "IH", "NG")
    titles = ["Gentle lower back", "Lower back thumb kneading"]
    assert match("Needing.", titles, timer.phones).items == (1,)
    assert match("Needing.", titles).items == ()
