"""Tier 1: the command vocabulary -- synonyms, whole-word matching, priorities, single keys."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.commands import (
    KEYS,
    VOCABULARY,
    Command,
    canonical,
    find_all,
    languages,
    normalise,
    parse,
    parse_key,
    phrases,
    spoken,
    vocabulary,
)

ALL_PHRASES = [(lang, command, phrase) for lang, vocab in VOCABULARY.items()
               for command, options in vocab.items() for phrase in options]


@pytest.mark.parametrize(("lang", "command", "phrase"), ALL_PHRASES,
                         ids=[f"{lang}-{c.value}-{p}" for lang, c, p in ALL_PHRASES])
def test_every_synonym_parses_to_its_command(lang: str, command: Command, phrase: str) -> None:
    assert parse(phrase, lang) is command
    assert parse(f"  {phrase.upper()}!  ", lang) is command


@pytest.mark.parametrize(("text", "command"), [
    # synonyms in ordinary sentences
    ("a little harder please", Command.HARDER),
    ("could you go deeper", Command.HARDER),
    ("more pressure", Command.HARDER),
    ("less pressure", Command.SOFTER),
    ("a bit gentler", Command.SOFTER),
    ("okay, that's enough.", Command.STOP),
    ("skip this one", Command.NEXT),
    ("go on", Command.NEXT),
    ("hold on a second", Command.PAUSE),
    ("wait", Command.PAUSE),
    ("carry on", Command.RESUME),
    ("please continue", Command.RESUME),
    ("say that again", Command.REPEAT),
    ("go back", Command.BACK),
    ("slow down", Command.SLOWER),
    ("speed up", Command.FASTER),
    ("how long is left", Command.TIME),
    ("what can I say?", Command.HELP),
    ("ouch", Command.PAIN),
    ("that hurts", Command.PAIN),
    ("it's too much", Command.PAIN),
    ("Ow!", Command.PAIN),
    ("Harder’s fine", None),          # a different word
])
def test_phrases_in_sentences(text: str, command: Command | None) -> None:
    assert parse(text) is command


@pytest.mark.parametrize("text", [
    "hard to say",          # not "harder"
    "text",                 # not "next"
    "neck",
    "nextdoor",
    "stopping",             # a different word
    "unstoppable",
    "soft",
    "lessen",
    "ahead",
    "wow",                  # contains "ow"
    "painting",
    "helpful",
    "timer",
    "backwards",
    "",
    "   ",
    "the weather is nice today",
])
def test_whole_words_only(text: str) -> None:
    assert parse(text) is None
    assert find_all(text) == []


def test_next_door_is_next() -> None:
    """Decided: parse works on whole words, and "next" in "next door" is the word "next".

    Telling chat from commands is the recogniser's job (grammar, confidence, echo), not parse's.
    """
    assert parse("the next door neighbour") is Command.NEXT


@pytest.mark.parametrize(("text", "command"), [
    ("harder harder stop", Command.STOP),
    ("stop, no, harder", Command.STOP),
    ("next and then stop", Command.STOP),
    ("ouch stop", Command.STOP),
    ("stop ouch", Command.STOP),
    ("harder ouch", Command.PAIN),
    ("ouch harder", Command.PAIN),
    ("softer, that hurts, next", Command.PAIN),
    ("softer no harder", Command.HARDER),       # otherwise the last command said wins
    ("harder no softer", Command.SOFTER),
    ("repeat then next", Command.NEXT),
])
def test_stop_wins_then_pain_then_the_last_said(text: str, command: Command) -> None:
    assert parse(text) is command


def test_longer_phrases_win_where_they_overlap() -> None:
    hits = find_all("say that again please")
    assert [(c, p) for _, _, c, p in hits] == [(Command.REPEAT, "say that again")]
    hits = find_all("less pressure")
    assert [(c, p) for _, _, c, p in hits] == [(Command.SOFTER, "less pressure")]
    hits = find_all("time left")
    assert [(c, p) for _, _, c, p in hits] == [(Command.TIME, "time left")]


def test_find_all_gives_positions_in_order() -> None:
    text = "harder, then stop"
    hits = find_all(text)
    norm = normalise(text)
    assert [(c, norm[a:b]) for a, b, c, _ in hits] == [(Command.HARDER, "harder"), (Command.STOP, "stop")]


def test_normalise() -> None:
    assert normalise("  Say THAT, again!!  ") == "say that again"
    assert normalise("it’s") == "it's"


def test_canonical_words_are_the_first_phrases_and_unique() -> None:
    for lang in languages():
        words = [canonical(c, lang) for c in Command]
        assert len(set(words)) == len(words), lang
        for c in Command:
            assert canonical(c, lang) == vocabulary(lang)[c][0]
    assert canonical(Command.HARDER) == "harder"
    assert canonical(Command.PAIN) == "ouch"


def test_no_phrase_belongs_to_two_commands() -> None:
    for lang, vocab in VOCABULARY.items():
        seen: dict[str, Command] = {}
        for command, options in vocab.items():
            for p in options:
                assert seen.setdefault(p, command) is command, f"{lang}: {p!r}"


def test_every_language_covers_every_command() -> None:
    assert "en" in languages() and "ko" in languages()
    for lang in languages():
        assert set(vocabulary(lang)) == set(Command), lang


def test_unknown_language_falls_back_to_english() -> None:
    assert vocabulary("xx") is VOCABULARY["en"]
    assert parse("harder", "xx") is Command.HARDER


def test_phrases_are_longest_first() -> None:
    ps = phrases()
    assert [len(p) for p in ps] == sorted((len(p) for p in ps), reverse=True)
    assert "what can i say" in ps and "ow" in ps


def test_korean() -> None:
    assert parse("조금 더 세게 해 주세요", "ko") is Command.HARDER
    assert parse("아파", "ko") is Command.PAIN
    assert parse("그만", "ko") is Command.STOP


@pytest.mark.parametrize(("key", "command"), [
    ("h", Command.HARDER), ("s", Command.SOFTER), ("x", Command.STOP), ("n", Command.NEXT),
    (" ", Command.PAUSE), ("p", Command.PAUSE), ("c", Command.RESUME), ("r", Command.REPEAT),
    ("b", Command.BACK), ("-", Command.SLOWER), ("+", Command.FASTER), ("t", Command.TIME),
    ("?", Command.HELP), ("o", Command.PAIN), ("H", Command.HARDER), ("X", Command.STOP), ("n\n", Command.NEXT),
])
def test_keys(key: str, command: Command) -> None:
    assert parse_key(key) is command


@pytest.mark.parametrize("key", ["z", "", "\n", "hh", "1"])
def test_unknown_keys(key: str) -> None:
    assert parse_key(key) is None


def test_every_command_has_a_key() -> None:
    # "no" is answered with the key for "next" (n), which carries on just the same
    assert set(KEYS.values()) == set(Command) - {Command.NO}


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_parse_never_fails(text: str) -> None:
    result = parse(text)
    assert result is None or isinstance(result, Command)
    if result is not None:
        assert find_all(text)


@settings(max_examples=200, deadline=None)
@given(
    before=st.lists(st.sampled_from(["please", "um", "a", "little", "now", "okay", "the", "ball"]), max_size=4),
    after=st.lists(st.sampled_from(["please", "um", "a", "little", "now", "okay", "the", "ball"]), max_size=4),
    item=st.sampled_from([(c, p) for lang, c, p in ALL_PHRASES if lang == "en"]),
)
def test_a_phrase_among_filler_words_is_found(before: list[str], after: list[str], item: tuple[Command, str]) -> None:
    command, phrase = item
    assert parse(" ".join([*before, phrase, *after])) is command


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([p for lang, _, p in ALL_PHRASES if lang == "en"]), min_size=1, max_size=6))
def test_stop_always_wins(words: list[str]) -> None:
    stop_words = set(VOCABULARY["en"][Command.STOP])
    result = parse(" ".join(words))
    if any(w in stop_words for w in words):
        assert result is Command.STOP
    else:
        assert result is not Command.STOP


@pytest.mark.parametrize(("text", "words"), [
    ("Step 1.", ["step", "one"]), ("Step one of 8", ["step", "one", "of", "eight"]), ("20 30", ["twenty", "30"]),
    ("x² ²", ["x²", "²"]), ("٣", ["three"]),   # a superscript two is no number; other scripts' digits are
])
def test_numbers_are_said_in_words(text: str, words: list[str]) -> None:
    assert spoken(text) == words
