"""Find the line a TOML key stands on, so errors can say ``file:line``.

``tomllib`` gives values but no positions. :func:`key_lines` scans the text once and maps
every key path (``("steps", 0, "seconds")``) and table header (``("steps", 0)``) to its line.
It is a best-effort locator for messages only; :func:`line_of` falls back to the nearest
parent path that it found.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path as FilePath
from typing import Any

Path = tuple[str | int, ...]

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
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) else "not UTF-8 text"
        raise error(f"{path}: cannot read: {reason}", "check the path, its permissions and that it is text") from e
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        found = re.search(r"at line (\d+)", str(e))
        line = int(found.group(1)) if found else 1
        raise error(f"{path}:{line}: not valid TOML: {e}", "fix the syntax on that line") from e
    return data, key_lines(text)
