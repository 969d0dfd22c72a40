"""The command vocabulary: every word a person can say to the coach, in one place per language.

``parse`` turns heard or typed text into a :class:`Command`. Matching is on whole words, so
"hard to say" is not "harder" and "text" is not "next". When one utterance holds several
commands, ``stop`` wins, then pain, then the command said last.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from enum import StrEnum


class Command(StrEnum):
    """What a person can ask the coach to do."""

    HARDER = "harder"
    SOFTER = "softer"
    STOP = "stop"
    NEXT = "next"
    PAUSE = "pause"
    RESUME = "resume"
    REPEAT = "repeat"
    BACK = "back"
    SLOWER = "slower"
    FASTER = "faster"
    TIME = "time"
    MORE_TIME = "more time"   # a longer hold (WCAG 2.2.1: the user controls the timing)
    HELP = "help"
    PAIN = "pain"
    YES = "yes"     # answers to a question (only "shall I end the session?" asks one)
    NO = "no"


# Phrases per command, per language. The first phrase of each command is its canonical word:
# recognisers build their grammar from these, help text names them.
VOCABULARY: Mapping[str, Mapping[Command, tuple[str, ...]]] = {
    "en": {
        Command.HARDER: ("harder", "firmer", "more pressure", "deeper", "stronger"),
        Command.SOFTER: ("softer", "lighter", "gentler", "less", "less pressure", "easier"),
        Command.STOP: ("stop", "enough", "halt"),
        Command.NEXT: ("next", "skip", "go on"),
        Command.PAUSE: ("pause", "wait", "hold on"),
        Command.RESUME: ("resume", "continue", "carry on"),
        Command.REPEAT: ("repeat", "again", "say again", "say that again"),
        Command.BACK: ("go back", "back", "previous"),
        Command.SLOWER: ("slower", "slow down"),
        Command.FASTER: ("faster", "speed up"),
        Command.TIME: ("time left", "time", "how long"),
        Command.MORE_TIME: ("more time", "longer", "not yet"),
        Command.HELP: ("help", "commands", "what can i say"),
        Command.PAIN: ("ouch", "ow", "that hurts", "it hurts", "pain", "painful", "too much"),
        Command.YES: ("yes", "yes please", "end it"),
        Command.NO: ("no", "no thanks"),
    },
    "ko": {
        Command.HARDER: ("세게", "더 세게", "강하게"),
        Command.SOFTER: ("약하게", "살살", "부드럽게"),
        Command.STOP: ("멈춰", "그만"),
        Command.NEXT: ("다음",),
        Command.PAUSE: ("잠깐",),
        Command.RESUME: ("계속",),
        Command.REPEAT: ("다시",),
        Command.BACK: ("이전",),
        Command.SLOWER: ("천천히",),
        Command.FASTER: ("빨리",),
        Command.TIME: ("시간",),
        Command.MORE_TIME: ("시간 더", "더 길게"),
        Command.HELP: ("도움말",),
        Command.PAIN: ("아파", "아야"),
        Command.YES: ("네", "예"),
        Command.NO: ("아니요",),
    },
}

# Single keys for the keyboard fallback (text mode and the audio session's terminal).
KEYS: Mapping[str, Command] = {
    "h": Command.HARDER,
    "s": Command.SOFTER,
    "x": Command.STOP,
    "n": Command.NEXT,
    " ": Command.PAUSE,
    "p": Command.PAUSE,
    "c": Command.RESUME,
    "r": Command.REPEAT,
    "b": Command.BACK,
    "-": Command.SLOWER,
    "+": Command.FASTER,
    "t": Command.TIME,
    "m": Command.MORE_TIME,
    "?": Command.HELP,
    "o": Command.PAIN,
    "y": Command.YES,
}

#: Answers: heard only while the coach asks a question, never spoken of as commands in help.
ANSWERS = frozenset({Command.YES, Command.NO})

#: Which command wins when one utterance holds several (lower first; the rest rank 2).
PRIORITY = {Command.STOP: 0, Command.PAIN: 1}


def languages() -> tuple[str, ...]:
    """The languages that have a vocabulary."""
    return tuple(VOCABULARY)


def vocabulary(language: str = "en") -> Mapping[Command, tuple[str, ...]]:
    """The phrases for each command in ``language`` (falls back to English)."""
    return VOCABULARY.get(language, VOCABULARY["en"])


def phrases(language: str = "en") -> list[str]:
    """Every phrase of the language, longest first (for grammars and keyword lists)."""
    found = {p for ps in vocabulary(language).values() for p in ps}
    return sorted(found, key=lambda p: (-len(p), p))


def canonical(command: Command, language: str = "en") -> str:
    """The word to name ``command`` by when speaking to a person."""
    return vocabulary(language)[command][0]


def normalise(text: str) -> str:
    """Lower-case, strip punctuation, fold white space."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"[^\w' ]+", " ", text)
    return " ".join(text.split())


#: numbers as Whisper writes them ("Step 1.") and as the coach's lines say them ("Step one")
_NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                 "fifteen sixteen seventeen eighteen nineteen twenty").split()


def spoken(text: str) -> list[str]:
    """The words of ``text`` as they are said: :func:`normalise`'s, with the numbers 0 to 20 in words."""
    return [_NUMBER_WORDS[int(w)] if w.isdecimal() and int(w) <= 20 else w for w in normalise(text).split()]


def edits(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """How many items (letters, or a pronouncing dictionary's phones) changed, added or left out make
    ``a`` into ``b`` (the edit distance)."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def find_all(text: str, language: str = "en") -> list[tuple[int, int, Command, str]]:
    """Every command phrase in ``text`` as (start, end, command, phrase), by position.

    Phrases match whole words only; where phrases overlap, the longer one wins.
    """
    norm = normalise(text)
    hits: list[tuple[int, int, Command, str]] = []
    for command, options in vocabulary(language).items():
        for phrase in options:
            for m in re.finditer(rf"(?<![\w']){re.escape(phrase)}(?![\w'])", norm):
                hits.append((m.start(), m.end(), command, phrase))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    kept: list[tuple[int, int, Command, str]] = []
    for hit in hits:
        if kept and hit[0] < kept[-1][1]:
            continue
        kept.append(hit)
    return kept


def parse(text: str, language: str = "en") -> Command | None:
    """The command in ``text``, or None when there is none.

    "stop" wins over everything, then pain words, then the command said last.
    """
    hits = find_all(text, language)
    if not hits:
        return None
    return min(
        enumerate(hits), key=lambda ih: (PRIORITY.get(ih[1][2], 2), -ih[0])
    )[1][2]


def parse_key(key: str) -> Command | None:
    """The command for a single typed key (see :data:`KEYS`), or None."""
    return KEYS.get(key if key == " " else key.strip().lower())
