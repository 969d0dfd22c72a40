"""Output in a narrow locale (issue 37): an ASCII or Latin-1 terminal never ends a command in a
UnicodeEncodeError; what it cannot show is written plainly, and one line says how to see it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def coach(*args: str, encoding: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": encoding, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "coach", *args], capture_output=True, env=env, timeout=120,
                          cwd=cwd)


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_list_in_a_narrow_locale_writes_the_dash_plainly_and_says_so_once(encoding: str) -> None:
    done = coach("list", encoding=encoding)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode(encoding).splitlines()
    assert lines and all(" -- " in line for line in lines)
    warnings = done.stderr.decode("ascii").splitlines()
    assert len(warnings) == 1 and warnings[0].startswith(f"coach: this terminal's encoding ({encoding})")


def test_a_file_name_that_is_not_utf8_is_printed_as_the_bytes_it_came_as(tmp_path: Path) -> None:
    name = b"rout\xffine.toml"
    (tmp_path / os.fsdecode(name)).write_bytes(b"not = [valid")
    done = coach("validate", os.fsdecode(name), encoding="ascii", cwd=tmp_path)
    assert done.returncode != 0
    assert name in done.stdout + done.stderr and b"Traceback" not in done.stderr
