"""The pure parts of listening: phrase spotting, the speech gate, the boosted language model."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest

from coach.commands import Command
from coach.listen.base import SAMPLE_RATE, Detection
from coach.listen.detect.gate import SpeechGate
from coach.listen.detect.sphinx import spot
from coach.listen.detect.sphinx_lm import boosted
from coach.listen.listener import BLOCK_SAMPLES, Pipeline


def words(text: str, gaps: dict[int, int] | None = None) -> list[tuple[str, int, int]]:
    """Words 30 frames long, 5 apart; ``gaps`` adds extra frames of pause before word i."""
    out: list[tuple[str, int, int]] = []
    t = 0
    for i, w in enumerate(text.split()):
        t += (gaps or {}).get(i, 0)
        out.append((w, t, t + 30))
        t += 35
    return out


@pytest.mark.parametrize("text,command", [
    ("harder", Command.HARDER), ("a little harder please", Command.HARDER), ("okay next", Command.NEXT),
    ("softer mouth", Command.SOFTER),  # one stray word the search put on a breath
    ("again next", Command.NEXT),      # one command per phrase: the last said
    ("next stop", Command.STOP),       # ... but stop wins
    ("the bit softer", Command.SOFTER), ("that hurts", Command.PAIN), ("slow down", Command.SLOWER),
    ("stop and rest", Command.STOP), ("okay and stop", Command.STOP),   # "and" leading on, or the one stray
])
def test_spot_accepts_command_phrases(text: str, command: Command) -> None:
    found = spot(words(text), "en", 30)
    assert [f[0] for f in found] == [command]
    assert 0 < found[0][4] <= 1


@pytest.mark.parametrize("text", [
    "the stock went up", "where is the stop watch", "nice and stop warm", "what did you have good enough",
    "it is harder to say", "ow", "we should go next week then",
    "nice and softer", "nice and stop", "there and next thing",   # "and" joins the word before: running speech
])
def test_spot_rejects_commands_inside_speech(text: str) -> None:
    assert spot(words(text), "en", 30) == []


def test_spot_splits_phrases_at_pauses() -> None:
    # "the weather is nice ... stop": a pause before "stop" makes it a phrase of its own
    found = spot(words("the weather is nice stop", gaps={4: 40}), "en", 30)
    assert [f[0] for f in found] == [Command.STOP]
    assert found[0][2] == words("the weather is nice stop", gaps={4: 40})[4][1]
    assert spot(words("the weather is nice stop"), "en", 30) == []


def test_spot_confidence_falls_with_extra_words() -> None:
    alone = spot(words("harder"), "en", 30)[0][4]
    polite = spot(words("a little harder please"), "en", 30)[0][4]
    stray = spot(words("harder mouth"), "en", 30)[0][4]
    assert alone == 1.0 and stray < polite < alone


def gate_run(pattern: str, **kw: int) -> list[str]:
    """Feed frames named by index; speech where pattern has 'S'. Returns event kinds with frame numbers."""
    frames = [bytes([i]) for i in range(len(pattern))]
    flags = {f: c == "S" for f, c in zip(frames, pattern, strict=True)}
    gate = SpeechGate(lambda f: flags[f], **kw)
    out: list[str] = []
    for f in frames:
        for e in gate.push(f):
            out.append(f"{e.kind}:{','.join(str(b) for b in e.audio)}")
    return out


def test_gate_onset_preroll_and_hangover() -> None:
    events = gate_run("..SSSS...", onset=2, onset_window=3, hangover=3, preroll=1)
    # onset at frame 3 (two speech frames in the window 1-3); one frame of pre-roll before the window
    assert events[0] == "start:0,1,2,3"
    assert events[1:4] == ["audio:4", "audio:5", "audio:6"]
    assert events[4:] == ["audio:7", "audio:8", "end:"]


def test_gate_ignores_clicks() -> None:
    assert gate_run(".S..S..S..", onset=2, onset_window=2) == []


def test_gate_reopens_after_end() -> None:
    events = gate_run("SS.." + "SS", onset=2, onset_window=2, hangover=2, preroll=0)
    assert [e.split(":")[0] for e in events] == ["start", "audio", "audio", "end", "start"]


def test_boosted_model_tilts_towards_commands() -> None:
    uni = {"<s>": (-99.0, -0.5), "</s>": (-1.0, 0.0), "the": (-1.2, -0.4), "stop": (-3.0, -0.3),
           "stock": (-3.1, -0.3), "please": (-3.5, -0.2), "rare": (-6.0, -0.1)}
    bi = {("the", "stock"): -1.0, ("the", "stop"): -2.5, ("<s>", "the"): -0.5}
    new_uni, new_bi = boosted(uni, bi, ["stop", "go on"], boost_any=10, boost_edge=100, size=4)
    assert "rare" not in new_uni and "stop" in new_uni and "stock" in new_uni
    assert math.isclose(new_uni["stop"][0], -3.0 + 1)
    # a command on its own: after <s>, after a polite word, before </s>
    # (no such bigram in the model: its back-off estimate, then both boosts; only the edge boost before </s>)
    assert math.isclose(new_bi[("<s>", "stop")], -3.0 - 0.5 + 2 + 1)
    assert math.isclose(new_bi[("please", "stop")], -3.0 - 0.2 + 2 + 1)
    assert math.isclose(new_bi[("stop", "</s>")], -1.0 - 0.3 + 2)
    # inside speech only the small boost: "the stock" stays likelier than "the stop" when the model says so
    assert math.isclose(new_bi[("the", "stop")], -2.5 + 1)
    assert new_bi[("the", "stock")] > new_bi[("the", "stop")]


def test_spot_command_said_twice_stands_out_of_longer_speech() -> None:
    # the tail of the coach's own voice ran into the user's "stop stop": still a command
    found = spot(words("and harder oh stop stop"), "en", 30)
    assert [f[0] for f in found] == [Command.STOP]
    assert found[0][4] < 1.0
    # but not the same word twice apart, nor one command inside a long phrase
    assert spot(words("stop it and then stop"), "en", 30) == []
    assert spot(words("we went to the next shop"), "en", 30) == []


@pytest.mark.parametrize("text", ["time", "again", "back", "less", "help", "wait", "enough", "halt"])
def test_everyday_words_are_not_heard_as_commands_alone(text: str) -> None:
    assert spot(words(text), "en", 30) == []


@pytest.mark.parametrize("text,command", [
    ("time left", Command.TIME), ("go back", Command.BACK), ("say again", Command.REPEAT),
    ("less pressure", Command.SOFTER), ("hold on", Command.PAUSE), ("what can i say", Command.HELP),
])
def test_their_longer_phrases_are(text: str, command: Command) -> None:
    assert [f[0] for f in spot(words(text), "en", 30)] == [command]


def test_fft_length_is_small_and_fast() -> None:
    from coach.listen.capture.echo import fast_length

    for n in (1, 7, 100, 4801, 69600, 131072):
        m = fast_length(n)
        assert m >= n and m <= 1 << max(0, (n - 1).bit_length())
        k = m
        for p in (2, 3, 5):
            while k % p == 0:
                k //= p
        assert k == 1
    assert fast_length(69600) < 131072 // 1.8


def test_gate_counts_the_quiet_frames_of_a_pause() -> None:
    said = iter([1, 1, 1, 1, 0, 0, 1, 0, 0, 0])
    gate = SpeechGate(lambda _f: bool(next(said)), onset=3, onset_window=3, hangover=3, preroll=1)
    quiet = []
    for _ in range(10):
        gate.push(b"x")
        quiet.append(gate.quiet)
    # the onset, speech, a pause of two, speech, then a pause that ends the utterance after three
    assert quiet == [0, 0, 0, 0, 1, 2, 0, 1, 2, 3]
    assert not gate.in_speech


def test_losses_are_said_once_each_with_how_many_since_the_last_time(caplog: pytest.LogCaptureFixture) -> None:
    from coach.listen.capture.losses import Losses

    log = logging.getLogger("coach.test.losses")
    lost = Losses("listening: %d blocks of audio lost", log)
    with caplog.at_level(logging.WARNING, logger="coach.test.losses"):
        assert lost.report() == 0
        lost.add()
        lost.add(2)
        assert lost.report() == 3
        assert lost.report() == 3      # nothing new: nothing said
        lost.add()
        assert lost.report() == 4
    assert [r.getMessage() for r in caplog.records] == ["listening: 3 blocks of audio lost",
                                                        "listening: 1 blocks of audio lost"]


def test_barge_in_says_when_the_user_talks_over_the_coach() -> None:
    from coach.listen.capture.bargein import BargeIn

    b = BargeIn(hold=0.3, warm_up=1.0)
    block = 480
    loud = 1000.0 ** 2 * block          # RMS 1000
    coach_only = (block, True, loud, loud * 1e-3)      # the canceller took 30 dB out
    user = (block, True, loud, loud * 0.5)             # it left -3 dB: a voice it cannot take out
    # while the canceller learns the room (the first second of the coach's voice) nothing is said
    assert [b.feed(*user) for _ in range(33)] == [None] * 33
    assert [b.feed(*coach_only) for _ in range(10)] == [None] * 10
    assert b.feed(*user) is None and b.feed(*user) is True        # two blocks running: talking
    assert [b.feed(*user) for _ in range(5)] == [None] * 5
    out = [b.feed(*coach_only) for _ in range(11)]                  # 0.3 s without the user's voice
    assert out[:9] == [None] * 9 and out[9] is False and b.talking is False
    # no coach in the room, or too quiet to be speech: never
    assert [b.feed(block, False, loud, loud) for _ in range(5)] == [None] * 5
    assert [b.feed(block, True, 50.0 ** 2 * block, 50.0 ** 2 * block) for _ in range(5)] == [None] * 5
    # a single block (a click) is not talking
    assert [b.feed(*user), b.feed(*coach_only), b.feed(*user), b.feed(*coach_only)] == [None] * 4


def test_the_excess_over_the_echo_needs_the_coachs_voice_during_the_words_and_an_echo_before() -> None:
    """The soak of 2026-12-07: a "pain" guess over the quiet end of a line had 62.5 dB "more sound"
    than the echo brings, with nobody speaking, and eased off. During words where the coach played
    next to nothing, or after seconds in which its voice did not come back, there is no echo level
    to compare with: no figure."""
    from coach.listen.fake import ScriptedRecognizer
    from coach.listen.listener import Pipeline

    def figure(span_ref: float, back_mic: float, span_mic: float = 4e9) -> float | None:
        p = Pipeline(ScriptedRecognizer([]))
        block = 480   # 30 ms
        # three seconds before the words: the coach played 1e10 a block, the room gave back back_mic
        p._echo_blocks.extend((i * block, (i + 1) * block, back_mic, back_mic / 100, 1e10, float("nan"))
                              for i in range(100))
        p._echo_blocks.extend((i * block, (i + 1) * block, span_mic, span_mic / 100, span_ref, float("nan"))
                             for i in range(100, 110))
        return p.excess_db(100 * block / 16000, 110 * block / 16000)

    usual = figure(span_ref=1e10, back_mic=2.5e9)
    assert usual is not None and abs(usual - 2.0) < 0.1          # 4e9 over 2.5e9: a voice over the echo
    assert figure(span_ref=1e10 / 1000, back_mic=2.5e9) is None   # the line's quiet end: no figure
    assert figure(span_ref=1e10, back_mic=1e5) is None            # no echo came back before


class _Spans:
    """A recogniser that hears "stop" between 1.0 and 1.4 s of its clock, told 0.6 s later."""

    name = "spans"

    def __init__(self) -> None:
        self.samples = 0

    def accept(self, block: np.ndarray) -> list[Detection]:
        before, self.samples = self.samples, self.samples + len(block)
        if before < 2.0 * SAMPLE_RATE <= self.samples:
            return [Detection(Command.STOP, "stop", 1.0, self.samples / SAMPLE_RATE, 1.0, 1.4)]
        return []

    def reset(self) -> None:
        self.samples = 0


def test_a_detection_says_when_its_words_came_in_without_the_time_judging_took() -> None:
    # blocks that come in real time are stamped; the words' times on the session's clock come from
    # the stamps of the blocks that held them, not from when the detection was made
    pipeline = Pipeline(_Spans())
    block = np.zeros(BLOCK_SAMPLES, np.int16)
    found: list[Detection] = []
    for i in range(int(2.5 * SAMPLE_RATE / BLOCK_SAMPLES)):
        found += pipeline.feed(block, None, at=500.0 + (i + 1) * BLOCK_SAMPLES / SAMPLE_RATE)
    [d] = found
    assert d.heard_from == pytest.approx(501.0) and d.heard_to == pytest.approx(501.4)
    assert pipeline.heard_at(None) is None


def test_audio_not_taken_in_real_time_has_no_such_times() -> None:
    pipeline = Pipeline(_Spans())
    found = pipeline.feed(np.zeros(int(2.5 * SAMPLE_RATE), np.int16))
    assert [(d.heard_from, d.heard_to) for d in found] == [(None, None)]
