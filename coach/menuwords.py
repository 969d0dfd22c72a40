"""Which routine a person means: a number ("two", "2", "the second one") or words of a title
("tennis", "swedish massage"), as said to the menu (:mod:`coach.menu`) or typed. Pure functions."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from coach.commands import edits, normalise, vocabulary

_NUMBERS = {w: n for n, w in enumerate(("zero one two three four five six seven eight nine ten eleven twelve "
                                         "thirteen fourteen fifteen sixteen seventeen eighteen nineteen "
                                         "twenty").split())}
_ORDINALS = {w: n for n, w in enumerate(
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth".split()) if n}
#: Words that sound like a number, taken for it only when they are all that was said (Whisper writes
#: a lone "two" as "to" or "too" now and then)
_SOUNDS_LIKE = {"won": 1, "to": 2, "too": 2, "tu": 2, "for": 4, "fore": 4, "ate": 8}
#: Words around a number or a title that say nothing about which routine ("number two, please")
_FILLER = frozenset(
    "a an the number routine massage please i i'd id like want would choose start play pick take do "
    "let's lets me okay ok um uh er so and that it its it's is one yes go with".split())
#: Words of titles that tell no routine from another
_TITLE_STOP = frozenset("a an the and of with for to in on at by down up one two three".split())
_DIGITS = re.compile(r"^(\d+)(?:st|nd|rd|th)?$")


@dataclass(frozen=True)
class Match:
    """Which routines ``text`` names. ``items``: the one named (0-based), or the several that fit it
    equally; ``number``: a number said that is not on the list (``items`` empty)."""

    items: tuple[int, ...] = ()
    number: int | None = None

    @property
    def one(self) -> int | None:
        """The routine named, when exactly one is."""
        return self.items[0] if len(self.items) == 1 else None


def _number(word: str) -> int | None:
    m = _DIGITS.match(word)
    if m:
        return int(m.group(1))
    return _NUMBERS.get(word, _ORDINALS.get(word))


def title_words(title: str) -> set[str]:
    return {w for w in normalise(title).split() if w not in _TITLE_STOP and _number(w) is None}


def _same_word(said: str, word: str) -> bool:
    """``said`` is ``word``, or the one is the other with a plural s ("ball", "balls")."""
    return said == word or said + "s" == word or said == word + "s"


def _sounds_same(said: str, word: str, sounds: Callable[[str], tuple[str, ...] | None] | None) -> bool:
    """``said`` sounds as ``word`` does, by ``sounds`` (the pronouncing dictionary): "needing" and
    "kneading"."""
    if sounds is None:
        return False
    heard = sounds(said)
    return bool(heard) and heard == sounds(word)


def match(text: str, titles: Sequence[str],
          sounds: Callable[[str], tuple[str, ...] | None] | None = None) -> Match:
    """Which of ``titles`` (numbered from one, in order) ``text`` names: by a number ("two", "2",
    "number two", "the second one") or by words of a title ("tennis", "swedish massage"), spelt
    so or, given ``sounds`` (how the pronouncing dictionary says a word), sounding so ("needing").

    A word found in fewer titles counts for more; when several titles fit equally, all of them
    are returned. A number and title words that name different routines name both."""
    vocab = [title_words(t) for t in titles]
    words = _joined(normalise(text).split(), set().union(*vocab))
    numbers = {n for n in (_number(w) for w in words) if n is not None}
    if len(numbers) > 1 and 1 in numbers and "one" in words:
        numbers.discard(1)   # "the second one"
    only_one = numbers == {1} and not any(w in ("1", "first", "1st") for w in words)
    rest = [w for w in words if _number(w) is None and w not in _FILLER]
    if not numbers and len(rest) == 1 and rest[0] in _SOUNDS_LIKE:
        numbers, rest = {_SOUNDS_LIKE[rest[0]]}, []
    named: set[int] = set()
    wrong: int | None = None
    for n in numbers:
        if 1 <= n <= len(titles):
            named.add(n - 1)
        else:
            wrong = n
    scores = []
    for own in vocab:
        score = 0.0
        for word in own:
            if any(_same_word(w, word) or _sounds_same(w, word, sounds) for w in rest):
                score += 1.0 / sum(1 for other in vocab if word in other)
        scores.append(score)
    best = max(scores, default=0.0)
    if best > 0:
        fits = {i for i, s in enumerate(scores) if s == best}
        if only_one or not named:
            named = fits   # "one" in "trigger points with one ball" is no number
        elif named & fits:
            named &= fits
        else:
            named |= fits
    if named:
        return Match(tuple(sorted(named)))
    return Match(number=wrong)


#: Two words written apart are a title's word when, joined, they are it or one letter from it, for
#: title words this long or longer: Whisper wrote a user's "tennis", said over the menu's list, as
#: "ten is", and the menu answered "There is no number ten" (bench talk, 2026-12-07)
JOINED_LONGEST_CHANGE = 5


def _joined(words: list[str], title_vocab: set[str]) -> list[str]:
    """``words`` with two neighbours that are a title word written apart made that word."""
    out: list[str] = []
    i = 0
    while i < len(words):
        if i + 1 < len(words) and words[i] not in title_vocab and words[i + 1] not in title_vocab:
            joined = words[i] + words[i + 1]
            near = [t for t in title_vocab if len(t) >= JOINED_LONGEST_CHANGE and edits(joined, t) <= 1]
            if near:
                out.append(min(near, key=lambda t: edits(joined, t)))
                i += 2
                continue
        out.append(words[i])
        i += 1
    return out


def is_command_phrase(text: str, language: str = "en") -> bool:
    """Whether ``text`` is nothing but one of the command phrases ("go back", "next")."""
    said = normalise(text)
    return any(said == p for phrases in vocabulary(language).values() for p in phrases)


def words_apart(text: str, said: Iterable[str]) -> str:
    """``text`` without the words that are also in ``said`` (the lines the menu was saying when it
    was heard), a number matching in either spelling ("3", "three"): what another voice can have
    added. (Live, the menu's "One: Gentle lower back" came back as "and I'll see one and another.",
    judged over the user's "three", which showed as another voice in the room. In a user trial,
    2026-12-06, its "...about twelve and a half minutes" came back as "12 5" and chose routine five.)"""
    theirs: set[str] = set()
    for line in said:
        for word in normalise(line).split():
            theirs.add(word)
            n = _number(word)
            if n is not None:
                theirs.add(str(n))
            if word == "half":   # "twelve and a half" written "12.5", which reads "12 5" (a user trial: it chose five)
                theirs.add("5")
    kept = [w for w in normalise(text).split()
            if w not in theirs and (_number(w) is None or str(_number(w)) not in theirs)]
    return " ".join(kept)
