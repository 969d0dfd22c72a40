"""Numbers and durations in words, the way a person says them: for counting aloud, for the time
left, and for lists read out. English only, as the session's own sentences are."""

from __future__ import annotations

from datetime import datetime

_NUMBERS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()

_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))


def number_words(n: int) -> str:
    """English words for a whole number, for counting aloud and for durations."""
    if n < 0:
        return f"minus {number_words(-n)}"
    if n < 20:
        return _NUMBERS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _TENS[tens] + (f" {_NUMBERS[unit]}" if unit else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_NUMBERS[hundreds]} hundred" + (f" and {number_words(rest)}" if rest else "")
    size, name = next((size, name) for size, name in _SCALES if n >= size)
    big, rest = divmod(n, size)
    return f"{number_words(big)} {name}" + ("" if not rest else f" and {number_words(rest)}" if rest < 100
                                            else f" {number_words(rest)}")


def duration_words(seconds: float) -> str:
    """A duration the way a person says it, to the half minute from a minute on: "forty seconds",
    "a minute and a half", "about three minutes" (not a whole half minute), "about 2 hours"."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{number_words(s)} second" + ("" if s == 1 else "s")
    halves = round(s / 30)
    about = "" if halves * 30 == s else "about "
    minutes, half = divmod(halves, 2)
    if minutes < 120:
        if half:
            return about + ("a minute and a half" if minutes == 1 else f"{number_words(minutes)} and a half minutes")
        return about + f"{number_words(minutes)} minute" + ("" if minutes == 1 else "s")
    hours, minutes = divmod(round(s / 60), 60)
    return f"about {number_words(hours)} hours" + (f" and {number_words(minutes)} minute"
                                                   + ("" if minutes == 1 else "s") if minutes else "")


def join_phrases(items: tuple[str, ...] | list[str]) -> str:
    """``a, b and c``."""
    items = [i.rstrip(".") for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def sentence(text: str) -> str:
    """``text`` ending as a sentence does (a full stop added when it has none)."""
    text = text.strip()
    return text if text[-1:] in ".!?:" else text + "."


def when_words(then: datetime, now: datetime) -> str:
    """How long ago ``then`` was, the way a person says it when offering to carry on (issue 38):
    "just now", "a minute ago", "twenty minutes ago", "about two hours ago", "this morning",
    "yesterday", "on Monday", "twelve days ago". Both times are local."""
    seconds = (now - then).total_seconds()
    if seconds < 45:   # a clock set back reads as now, too
        return "just now"
    if seconds < 90:
        return "a minute ago"
    if seconds < 50 * 60:
        return f"{number_words(round(seconds / 60))} minutes ago"
    if seconds < 90 * 60:
        return "about an hour ago"
    days = (now.date() - then.date()).days
    if seconds < 3 * 3600:
        return f"about {number_words(round(seconds / 3600))} hours ago"
    if days == 0:
        return "this morning" if then.hour < 12 else "this afternoon" if then.hour < 18 else "this evening"
    if days == 1:
        return "last night" if then.hour >= 21 and now.hour < 5 else "yesterday"
    if days < 7:
        return f"on {_WEEKDAYS[then.weekday()]}"
    return f"{number_words(days)} days ago"
