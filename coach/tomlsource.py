"""Reading TOML files within bounds, and finding the line a key stands on.

Every TOML file the coach reads (routines, config, voice profiles) is read with
:func:`read_bounded` and parsed with :func:`parse`: at most ``MAX_BYTES`` bytes, values nested at
most ``MAX_DEPTH`` deep (arrays, inline tables, dotted keys and table headers alike) and no
integer longer than Python converts. Beyond those, ``tomllib`` would recurse until it
overflows the stack, or a value would be too deep to print; instead :class:`TomlProblem` says
which line and what to do.

``tomllib`` gives values but no positions. :func:`key_lines` scans the text once and maps
every key path (``("steps", 0, "seconds")``) and table header (``("steps", 0)``) to its line.
It is a best-effort locator for messages only; :func:`line_of` falls back to the nearest
parent path that it found.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path as FilePath
from typing import Any

Path = tuple[str | int, ...]

#: The largest TOML file read: routines and settings are a few kilobytes.
MAX_BYTES = 1_000_000
#: How deep values may nest (a routine needs 3: steps, a step, its levels or cues).
MAX_DEPTH = 20

#: Tokens that matter for nesting: strings and comments (skipped whole), brackets, line ends.
_TOKENS = re.compile(r'''"""(?:\\.|[^\\])*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|'[^'\n]*'|#[^\n]*|[\[\]{}]''')
_MAX_DIGITS = sys.get_int_max_str_digits() or 4300
_LONG_NUMBER = re.compile(rf"[0-9_]{{{_MAX_DIGITS},}}")


class TomlProblem(Exception):
    """Why a TOML text cannot be used, on which line, and what to do about it."""

    def __init__(self, line: int, message: str, fix: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message
        self.fix = fix


def read_bounded(path: FilePath) -> bytes:
    """The bytes of ``path``: OSError as ``open`` raises it, TomlProblem if it is over ``MAX_BYTES``
    (read no further than that, so a device such as /dev/zero ends too)."""
    with open(path, "rb") as f:
        raw = f.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise TomlProblem(1, f"the file is larger than {MAX_BYTES // 1_000_000} MB",
                          "give the path of a routine or settings file: those are a few kilobytes")
    return raw


def _line_at(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _check_nesting(text: str) -> None:
    """Brackets and braces nested more than ``MAX_DEPTH`` deep, found before ``tomllib`` recurses."""
    depth = 0
    for m in _TOKENS.finditer(text):
        token = m.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH + 1:   # a header's own [ or [[ adds one or two at the top
                raise TomlProblem(_line_at(text, m.start()), f"values are nested more than {MAX_DEPTH} deep",
                                  "write the value with fewer brackets and braces inside each other")
        elif token in "]}":
            depth = max(0, depth - 1)


def _deepest(data: dict[str, Any]) -> tuple[int, Path]:
    """How deep ``data`` nests, and the path to its deepest value (walked without recursion)."""
    deepest: tuple[int, Path] = (0, ())
    stack: list[tuple[Any, int, Path]] = [(data, 0, ())]
    while stack:
        value, depth, path = stack.pop()
        if depth > deepest[0]:
            deepest = (depth, path)
            if depth > MAX_DEPTH:
                break
        if isinstance(value, dict):
            stack.extend((v, depth + 1, (*path, k)) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, depth + 1, (*path, i)) for i, v in enumerate(value))
    return deepest


def parse(text: str) -> dict[str, Any]:
    """``tomllib.loads(text)`` within the bounds above; a :class:`TomlProblem` if not valid TOML."""
    if len(text) > MAX_BYTES:
        raise TomlProblem(1, f"the text is longer than {MAX_BYTES // 1_000_000} MB",
                          "give the path of a routine or settings file: those are a few kilobytes")
    _check_nesting(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        message = str(e)
        m = re.search(r"\(at line (\d+), column (\d+)\)", message)
        if m:
            line = int(m.group(1))
            reason = f"{message[: m.start()].strip()} at column {m.group(2)}"
        else:
            line = max(1, len(text.splitlines()))
            reason = message.replace("(at end of document)", "at the end of the file").strip()
        raise TomlProblem(line, f"not valid TOML: {reason}",
                          "check the quotes, brackets and '=' signs on this line or the one before") from e
    except ValueError as e:   # an integer too long for Python to convert
        long = _LONG_NUMBER.search(text)
        raise TomlProblem(_line_at(text, long.start()) if long else 1,
                          f"a whole number has more than {_MAX_DIGITS} digits",
                          "write a number with fewer digits") from e
    depth, path = _deepest(data)
    if depth > MAX_DEPTH:
        lines = key_lines(text)
        under = [n for p, n in lines.items() if p[: len(path)] == path]   # keys that go deeper than path
        raise TomlProblem(min(under, default=line_of(lines, path)), f"values are nested more than {MAX_DEPTH} deep",
                          "use fewer dotted parts in the key, or fewer tables inside each other")
    return data

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*=""")


def _split_key(key: str) -> list[str]:
    parts = re.findall(r""""([^"]*)"|'([^']*)'|([A-Za-z0-9_\-]+)""", key)
    return [a or b or c for a, b, c in parts]


def key_lines(text: str) -> dict[Path, int]:
    """Map key paths and table headers to 1-based line numbers."""
    found: dict[Path, int] = {}
    counts: dict[tuple[str, ...], int] = {}
    table: Path = ()
    in_multiline: str | None = None
    depth = 0
    for n, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if line.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        if depth > 0:
            depth = max(depth + _bracket_change(line), 0)
            continue
        h = _HEADER.match(line)
        if h and "=" not in h.group(2):
            names = _split_key(h.group(2))
            if h.group(1) == "[[":
                key = tuple(names)
                index = counts.get(key, 0)
                counts[key] = index + 1
                for inner in [c for c in counts if len(c) > len(key) and c[: len(key)] == key]:
                    del counts[inner]   # a new parent entry: its nested arrays start again
                table = _with_arrays(names, counts, last_index=index)
            else:
                table = _with_arrays(names, counts, last_index=None)
            found.setdefault(table, n)
            continue
        k = _KEY.match(line)
        if k:
            path = table + tuple(_split_key(k.group(1)))
            found.setdefault(path, n)
            rest = line[k.end():]
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    in_multiline = quote
            if not in_multiline:
                depth = max(_bracket_change(rest), 0)
    return found


def _bracket_change(text: str) -> int:
    """Opening minus closing brackets in ``text``, ignoring strings and comments."""
    stripped = re.sub(r'"(?:\\.|[^"\\])*"|\'[^\']*\'', "", text).split("#")[0]
    return stripped.count("[") + stripped.count("{") - stripped.count("]") - stripped.count("}")


def _with_arrays(names: Sequence[str], counts: dict[tuple[str, ...], int], last_index: int | None) -> Path:
    """Turn ``a.b.c`` into a path that includes the current index of each enclosing array table."""
    path: list[str | int] = []
    for i in range(len(names)):
        prefix = tuple(names[: i + 1])
        path.append(names[i])
        if i == len(names) - 1:
            if last_index is not None:
                path.append(last_index)
        elif prefix in counts:
            path.append(counts[prefix] - 1)
    return tuple(path)


def line_of(lines: dict[Path, int], path: Path) -> int:
    """The line of ``path``, else of its nearest ancestor, else 1."""
    p = tuple(path)
    while p:
        if p in lines:
            return lines[p]
        p = p[:-1]
    return 1


def read_toml(path: FilePath, error: type[Exception]) -> tuple[dict[str, Any], dict[Path, int]]:
    """Read a small TOML settings file: its data and its key lines.

    Failures raise ``error(message, fix)`` naming the file (and, for syntax errors, the line).
    """
    try:
        text = read_bounded(path).decode("utf-8").removeprefix("\ufeff")
        return parse(text), key_lines(text)
    except TomlProblem as e:
        raise error(f"{path}:{e.line}: {e.message}", e.fix) from e
    except (OSError, UnicodeDecodeError, ValueError) as e:   # ValueError: a NUL in the path
        reason = e.strerror if isinstance(e, OSError) else "not UTF-8 text" if isinstance(e, UnicodeDecodeError) \
            else "the path has a NUL character in it"
        raise error(f"{path}: cannot read: {reason}", "check the path, its permissions and that it is text") from e
