"""Helpers for tests that watch a running coach through its session log."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def records(path: Path) -> list[dict[str, Any]]:
    """The log's records so far (a line still being written is skipped)."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def wait_for(predicate: Callable[[], bool], what: str, limit: float = 60.0) -> None:
    """Poll until ``predicate()`` holds; fail (never hang) if it does not within ``limit`` seconds."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")
