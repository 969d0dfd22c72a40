"""Paths a person gives: ``~`` and ``~user`` expanded, or one message when that cannot be done.

``Path.expanduser`` raises a bare RuntimeError for ``~nobody`` (no such user) or ``~`` with no
home; :func:`expand` turns that into a :class:`~coach.errors.CoachError` that names the option.
"""

from __future__ import annotations

from pathlib import Path

from coach.errors import CoachError


def home_problem(text: str) -> str | None:
    """None if ``text`` expands (or has no ``~`` to expand), else what is wrong with it."""
    try:
        Path(text).expanduser()
    except RuntimeError:
        first = text.split("/")[0]
        return f"{first} names no home folder" + (f" (there is no user {first[1:]!r})" if first != "~" else "")
    return None


def expand(text: str, what: str) -> Path:
    """``text`` as a path with ``~`` expanded; ``what`` (an option, say) names it in the error."""
    if (why := home_problem(text)) is not None:
        raise CoachError(f"{what} {text}: {why}", "write the whole path, or ~/... for a path in your own home")
    return Path(text).expanduser()
