"""Numbers and durations in words, the way a person says them: for counting aloud, for the time
left, and for lists read out. English only, as the session's own sentences are."""

from __future__ import annotations

_NUMBERS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


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
