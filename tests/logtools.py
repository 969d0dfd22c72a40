"""Helpers for tests that run a coach process and watch it through its session log."""

from __future__ import annotations

import json
import os
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


def coach_env(tmp_path: Path) -> dict[str, str]:
    """The environment for a coach process with its own data dir, no user config and no colour."""
    env = dict(os.environ)
    env["COACH_DATA"] = str(tmp_path / "data")
    env["COACH_CONFIG"] = str(tmp_path / "no-user-config.toml")
    env["NO_COLOR"] = "1"
    return env


def process_state(pid: int) -> tuple[str, int] | None:
    """A process's state letter ("Z" for a zombie: dead, not yet collected) and parent pid, from
    /proc; None when there is no such process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], int(fields[1])
