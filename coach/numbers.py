"""The numbers a person gives the coach, and the one check each of them goes through.

Every numeric command-line option (``--speed``, ``--level``, ``--noise-suppression``) and every
numeric config key (``rate``, ``pause_timeout``, ``noise_suppression``) has its :class:`Bounds`
here. The command line checks options with :func:`option_type`, the config loader checks keys
with :meth:`Bounds.problem`, so ``run``, ``render``, ``resume`` and text mode all refuse the same
values with the same words: NaN, infinities and numbers the coach cannot honour never get in.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass

#: The pressure levels a routine and the command line's ``--level`` may name. They live here, in
#: the module that imports no other part of the coach, so that ``config`` and ``routine`` can both
#: take them without an import circle (numbers <- config <- routine).
MIN_LEVEL = 1
MAX_LEVEL = 5


def _num(value: float) -> str:
    """``60.0`` -> ``60``, ``0.1`` -> ``0.1``."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass(frozen=True)
class Bounds:
    """What a number may be: from ``low`` to ``high`` (``whole`` for whole numbers), or one of ``also``."""

    low: float
    high: float
    whole: bool = False
    #: values allowed besides low..high, with what they mean (rate 0: the voice profile's own)
    also: tuple[tuple[float, str], ...] = ()
    unit: str = ""

    def describe(self) -> str:
        """``a whole number from 1 to 5``, ``0 (...) or a whole number from 80 to 500 words a minute``."""
        unit = f" {self.unit}" if self.unit else ""
        text = f"{'a whole number' if self.whole else 'a number'} from {_num(self.low)} to {_num(self.high)}{unit}"
        if self.also:
            text = " or ".join(f"{_num(v)} ({what})" for v, what in self.also) + " or " + text
        return text

    def ok(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.whole and not isinstance(value, int):
            return False
        if any(value == v for v, _ in self.also):
            return True
        # an int is finite however long (math.isfinite would overflow converting it to a float)
        return (isinstance(value, int) or math.isfinite(value)) and self.low <= value <= self.high

    def problem(self, value: object) -> str | None:
        """None if ``value`` is allowed, else what it must be instead (for ``'key' must be ...``)."""
        return None if self.ok(value) else self.describe()


SPEED = Bounds(0.1, 1000)
LEVEL = Bounds(MIN_LEVEL, MAX_LEVEL, whole=True)
NOISE_SUPPRESSION = Bounds(0, 4, whole=True)
#: words a minute; the same range a voice profile's rate has
RATE = Bounds(80, 500, whole=True, also=((0, "the voice profile's rate"),), unit="words a minute")
#: seconds a pause may last before the session ends and is saved
PAUSE_TIMEOUT = Bounds(5, 86400, unit="seconds")
#: how many times as long every hold of a routine lasts (1: as written; 2: twice as long)
PACE = Bounds(0.5, 3, unit="times as long")


def option_type(flag: str, bounds: Bounds, example: str) -> Callable[[str], float]:
    """An argparse ``type=`` that reads ``flag``'s value and refuses what ``bounds`` does not allow.

    The refusal reads ``VALUE is not <bounds>; fix: ...``; the parser prints the fix on its own line.
    """

    def convert(text: str) -> float:
        try:
            value: float = int(text) if bounds.whole else float(text)
        except ValueError:
            value = math.nan
        if not bounds.ok(value):
            shown = text if len(text) <= 40 else text[:37] + "..."
            raise argparse.ArgumentTypeError(f"{shown!r} is not {bounds.describe()}; "
                                             f"fix: give {flag} {bounds.describe()}, for example {flag} {example}")
        return value

    return convert
