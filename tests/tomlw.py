"""A tiny TOML writer for the property tests (test_validate, test_fuzz): what they generate as
Python values, written as TOML text for the coach's own readers to parse."""

from __future__ import annotations

import math
from typing import Any


def toml_string(s: str) -> str:
    """``s`` as a TOML basic string: quotes and backslashes escaped, control characters as \\u
    escapes, everything else as it is (JSON's escapes would write a character beyond the BMP as a
    surrogate pair, which TOML refuses)."""
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(v: Any) -> str:
    """A scalar, list or inline table as TOML (NaN as ``nan``; infinities come out of ``repr``)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else repr(v)
    if isinstance(v, str):
        return toml_string(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    assert isinstance(v, dict)
    return "{" + ", ".join(f"{toml_string(k)} = {toml_value(x)}" for k, x in v.items()) + "}"


def to_toml(doc: dict[str, Any]) -> str:
    """A document: plain keys first, then [tables], then [[arrays of tables]]."""
    def tables(v: Any) -> bool:
        return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)

    def body(d: dict[str, Any]) -> str:
        return "\n".join(f"{toml_string(a)} = {toml_value(b)}" for a, b in d.items())

    parts = ["\n".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in doc.items()
                       if not isinstance(v, dict) and not tables(v))]
    for k, v in doc.items():
        if isinstance(v, dict):
            parts.append(f"[{toml_string(k)}]\n" + body(v))
        elif tables(v):
            parts.extend(f"[[{toml_string(k)}]]\n" + body(item) for item in v)
    return "\n\n".join(parts) + "\n"
