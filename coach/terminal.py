"""Text from files made safe for the terminal and for speech.

A routine, a configuration, a model archive's entry names or a file name can hold characters
that act on the terminal instead of being shown: ESC starts sequences that retitle the window,
clear the screen or move the cursor; CR overwrites the line; BEL rings; NUL and DEL vanish; C1
controls (U+0080-U+009F, among them the one-byte CSI) act like ESC on some terminals; the bidi
overrides and isolates reverse or hide what follows. A screen reader reads whatever is left.

:func:`printable` shows each of them as visible text (``\\x1b``, ``<U+202E>``), so what a file
holds is seen and cannot act; :func:`spoken` drops them for the synthesiser. :func:`unsafe`
names them, for ``coach validate``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

#: bidi embeddings, overrides and isolates, the directional marks and the Arabic letter mark
BIDI = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C])
#: C0 controls (all of them: newline and tab too, where one line is printed), DEL and C1 controls
CONTROLS = frozenset([*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)])
#: the line and paragraph separators, which some terminals and readers take as a line break
SEPARATORS = frozenset([0x2028, 0x2029])
#: lone surrogates: surrogateescape keeps each byte of a file name that is not UTF-8 as one of
#: U+DC80-U+DCFF, printed as that byte. Bytes 0x80-0x9F are the C1 controls of an 8-bit terminal
#: (0x9B is the one-byte CSI), so they are shown escaped; 0xA0-0xFF are printed as given (a name
#: in Latin-1 stays readable there). The other surrogates cannot be printed at all.
SURROGATES = frozenset(range(0xD800, 0xE000)) - frozenset(range(0xDCA0, 0xDD00))

_UNSAFE = CONTROLS | BIDI | SEPARATORS


#: the three a reader of escapes knows by sight
_NAMED = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}


def _shown(code: int) -> str:
    if code in _NAMED:
        return _NAMED[code]
    if code < 0x100:
        return f"\\x{code:02x}"
    if 0xDC80 <= code <= 0xDCFF:   # a byte that was not UTF-8, as surrogateescape keeps it
        return f"\\x{code - 0xDC00:02x}"
    return f"<U+{code:04X}>"


_PRINTABLE = {code: _shown(code) for code in [*_UNSAFE, *SURROGATES]}
_PRINTABLE_LINES = {code: shown for code, shown in _PRINTABLE.items() if code != 0x0A}
#: for speech: whitespace controls become a space (words stay apart), the rest go
_SPOKEN: dict[int, str | None] = {code: (" " if chr(code).isspace() else None)
                                  for code in [*_UNSAFE, *range(0xD800, 0xE000)]}


def printable(text: str) -> str:
    """``text`` with every control, bidi control, separator and lone surrogate shown as visible
    text (``\\x1b``, ``\\r``, ``<U+202E>``), for one line on a terminal."""
    return text.translate(_PRINTABLE)


_JSON = {code: f"\\u{code:04x}" for code in [*_UNSAFE, *SURROGATES]}


def json_safe(line: str) -> str:
    """A JSON text (``json.dumps(..., ensure_ascii=False)``) with DEL, the C1 and bidi controls and
    lone surrogates written as ``\\uXXXX`` escapes: the same JSON value, nothing that acts on a
    terminal. (json.dumps escapes the C0 controls itself; outside strings JSON has none of these.)"""
    return line.translate(_JSON)


def printable_lines(text: str) -> str:
    """Like :func:`printable`, keeping newlines as line breaks (for text printed as several lines)."""
    return text.translate(_PRINTABLE_LINES)


def spoken(text: str) -> str:
    """``text`` for the synthesiser: controls and bidi controls dropped (tabs and line breaks
    become spaces, so the words around them stay apart)."""
    return text.translate(_SPOKEN)


def is_unsafe(char: str) -> bool:
    code = ord(char)
    return code in _UNSAFE or code in SURROGATES


def describe(text: str) -> str | None:
    """The unsafe characters in ``text`` by name (``U+001B ESCAPE, U+202E RIGHT-TO-LEFT
    OVERRIDE``), or None when it has none. Tabs and newlines in a routine's text are fine."""
    found = sorted({c for c in text if is_unsafe(c) and c not in "\t\n"})
    if not found:
        return None
    return ", ".join(f"U+{ord(c):04X} {_name(c)}" for c in found)


def _name(char: str) -> str:
    # the C0 and C1 controls have no name in unicodedata, only an alias
    names = {0x00: "NULL", 0x07: "BELL", 0x08: "BACKSPACE", 0x0D: "CARRIAGE RETURN", 0x1B: "ESCAPE",
             0x7F: "DELETE", 0x9B: "CONTROL SEQUENCE INTRODUCER", 0x9D: "OPERATING SYSTEM COMMAND"}
    return names.get(ord(char), "") or unicodedata.name(char, "CONTROL CHARACTER")


KeyPath = tuple[str | int, ...]


def unsafe(data: Any, where: KeyPath = ()) -> Iterator[tuple[KeyPath, str]]:
    """Every key and text in a parsed TOML document that holds unsafe characters: its key path
    and :func:`describe`'s names."""
    if isinstance(data, dict):
        for key, value in data.items():
            if (named := describe(str(key))) is not None:
                yield (*where, key), named
            yield from unsafe(value, (*where, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from unsafe(value, (*where, i))
    elif isinstance(data, str) and (named := describe(data)) is not None:
        yield where, named
