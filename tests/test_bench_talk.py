"""The interactive soak's pure parts (bench/talklog.py): which acts answer what the virtual user said,
what nobody said, "no" taken as "yes", prompts repeated, and how long the coach had been speaking."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:   # bench/ is no installed package: the repository's root
    sys.path.insert(0, str(ROOT))

from bench.talklog import Act, Said, acts, confusions, into_line, match, one_clock, repeats, replies, underruns  # noqa: E402


def said(text: str, value: str, start: float, kind: str = "command", count: int = 1) -> Said:
    return Said(text, "flite:slt", kind, value, start, start + 0.6, over=False, into_line=None, count=count)


def test_acts_read_from_a_session_and_a_menu_log() -> None:
    records: list[dict[str, Any]] = [
        {"t": 1.0, "type": "said", "text": "Hello", "id": 1},
        {"t": 2.0, "type": "heard", "text": "stop", "source": "voice", "ignored": "the coach's own words"},
        {"t": 3.0, "type": "command", "command": "stop"},
        {"t": 4.0, "type": "menu", "event": "chosen", "action": "run", "routine": "swedish", "how": "voice"},
        {"t": 4.5, "type": "menu", "event": "chosen", "action": "resume", "routine": "swedish", "how": "yes"},
        {"t": 5.0, "type": "menu", "event": "named", "index": 0, "routine": "gentle-lower-back"},
        {"t": 6.0, "type": "answered", "question": "resume", "carry_on": False, "how": "no"},
        {"t": 7.0, "type": "answered", "question": "resume", "carry_on": True, "how": "no answer"},
        {"t": 8.0, "type": "answered", "question": "notes", "short": True, "how": "yes"},
    ]
    assert [(a.kind, a.value) for a in acts(records)] == [
        ("command", "stop"), ("chosen", "swedish"), ("named", "gentle-lower-back"), ("answer", "no")]


def test_each_act_answers_one_phrase_within_the_window_and_the_rest_nobody_said() -> None:
    phrases = [said("harder", "harder", 10.0), said("stop stop", "stop", 20.0, count=2), said("next", "next", 30.0)]
    found = [Act(9.5, "command", "harder"),     # before the words began: not theirs
             Act(11.5, "command", "harder"),    # theirs
             Act(12.0, "command", "harder"),    # a second one: nobody said it
             Act(20.9, "command", "stop"), Act(21.4, "command", "stop"),   # "stop stop": both
             Act(25.0, "command", "stop"),      # a third: the coach's own "Stopped ... stop again"
             Act(36.0, "command", "next")]      # too late (more than 5 s after the words)
    left = match(phrases, found)
    assert [s.acted for s in phrases] == [True, True, False]
    assert phrases[0].latency is not None and abs(phrases[0].latency - 0.9) < 1e-9
    assert len(phrases[1].acts) == 2
    assert [(a.t, a.value) for a in left] == [(9.5, "harder"), (12.0, "harder"), (25.0, "stop"), (36.0, "next")]


def test_a_menu_choice_answers_the_title_word_of_that_routine_only() -> None:
    other = said("swedish", "swedish", 10.0, kind="chosen")
    assert match([other], [Act(11.0, "chosen", "trigger-points")]) == [Act(11.0, "chosen", "trigger-points")]
    assert other.acts == []
    chosen = said("swedish", "swedish", 10.0, kind="chosen")
    assert match([chosen], [Act(11.0, "chosen", "swedish")]) == []
    assert chosen.acts == [Act(11.0, "chosen", "swedish")]
    # named back, waiting for a yes (the menu was not sure the words were the user's); the yes chooses
    named = said("swedish", "swedish", 10.0, kind="chosen")
    yes = said("yes", "swedish", 14.0, kind="chosen")
    assert match([named, yes], [Act(11.0, "named", "swedish"), Act(15.0, "chosen", "swedish")]) == []
    assert [a.kind for a in named.acts + yes.acts] == ["named", "chosen"]


def test_no_taken_as_yes_and_the_reverse() -> None:
    no = said("no", "no", 10.0, kind="answer")
    yes = said("yes", "yes", 30.0)
    found = [Act(11.0, "answer", "yes"), Act(31.0, "command", "no"), Act(50.0, "command", "yes")]
    left = match([no, yes], found)
    assert [(s.text, a.value) for s, a in confusions([no, yes], left)] == [("no", "yes"), ("yes", "no")]


def test_a_line_said_more_than_twice_in_a_row_is_a_prompt_repeated() -> None:
    stopped = "Stopped. Say next to continue, or stop again to end."
    assert repeats(["a", stopped, stopped, "b", stopped]) == []
    assert repeats(["a", stopped, stopped, stopped, "b", "b", "b", "b"]) == [(stopped, 3), ("b", 4)]
    assert repeats([]) == []


def test_how_long_the_coach_had_been_speaking() -> None:
    # loud from 1.00 to 2.00, a 0.3 s pause (the same stretch), loud 2.30 to 3.00, then quiet
    marks = [(round(0.02 * k, 2), 1.0 <= 0.02 * k <= 2.0 or 2.3 <= 0.02 * k <= 3.0) for k in range(250)]
    at = into_line(marks, 2.5)
    assert at is not None and abs(at - 1.52) < 0.03
    assert into_line(marks, 3.4) is not None      # within half a second of its last word
    assert into_line(marks, 3.6) is None          # quiet
    assert into_line([], 1.0) is None


def test_underruns_are_alsas_native_lines() -> None:
    records: list[dict[str, Any]] = [
        {"t": 1.0, "type": "native", "text": "ALSA lib pcm.c:8570:(snd_pcm_recover) underrun occurred"},
        {"t": 2.0, "type": "native", "text": "ALSA lib pcm.c: something else"},
        {"t": 3.0, "type": "warning", "text": "underrun"},
    ]
    assert underruns(records) == 1


def test_a_menu_log_whose_clock_restarts_with_the_session_is_put_on_one_clock() -> None:
    # the menu from t=37 (seen 100 s on this process's clock), the session from t=0 again (seen at 170)
    ts = [37.0, 38.0, 92.9, 0.0, 0.1, 40.6]
    seen = [100.2, 101.1, None, 170.05, 170.3, None]
    assert one_clock(ts, seen) == pytest.approx([100.1, 101.1, 156.0, 170.05, 170.15, 210.65])
    assert one_clock([5.0, 6.0], [None, None]) == [5.0, 6.0]
    assert one_clock([], []) == []


def test_a_stop_the_menu_took_is_an_act_and_the_session_after_it_logs_its_own() -> None:
    records: list[dict[str, Any]] = [
        {"t": 4.2, "type": "menu", "event": "started", "offer": "partner-back"},
        {"t": 11.5, "type": "heard", "text": "no", "command": "no", "source": "voice", "ignored": "speaking"},
        {"t": 13.8, "type": "heard", "text": "your left so stop it's", "command": "stop", "source": "voice"},
        {"t": 14.8, "type": "heard", "text": "stop", "command": "stop", "source": "voice", "ignored": "no voice"},
        {"t": 15.0, "type": "heard", "text": "no", "command": "no", "source": "voice"},
        {"t": 15.0, "type": "answered", "question": "resume", "carry_on": False, "how": "no"},
        {"t": 0.1, "type": "started", "routine": "swedish"},
        {"t": 3.0, "type": "heard", "text": "stop", "command": "stop", "source": "voice"},
        {"t": 3.0, "type": "command", "command": "stop"},
    ]
    assert [(a.t, a.kind, a.value) for a in acts(records)] == [
        (13.8, "command", "stop"), (15.0, "answer", "no"), (3.0, "command", "stop")]


def test_a_reply_to_each_of_the_users_commands_is_no_prompt_repeated() -> None:
    """bench talk, seed 5: four of the user's "softer" at the lightest level were each answered
    "That is as light as it goes: level 1.", which counted as a prompt said four times in a row."""
    light = "That is as light as it goes: level 1."
    users = said("softer", "softer", 10.0)
    users.acts = [Act(12.0, "command", "softer")]
    records = [{"type": "said", "t": 12.0, "text": light, "kind": "reply"},
               {"type": "said", "t": 20.0, "text": light, "kind": "reply"},
               {"type": "said", "t": 25.0, "text": light, "kind": "reply"},
               {"type": "said", "t": 30.0, "text": light, "kind": "reply"}]
    assert replies(records, [users]) == [None, light, light, light]
    assert repeats(replies(records, [users])) == [(light, 3)]     # three with no command said: repeated
    users.acts += [Act(19.9, "command", "softer"), Act(24.9, "command", "softer")]
    assert repeats(replies(records, [users])) == []
