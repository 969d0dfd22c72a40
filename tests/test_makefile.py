"""`make run` and `make test` set up quietly (issue 38: screens of setuptools warnings made a
newcomer think the install had failed): one line per stage with the time it took, what the tools
say kept in a log, and that log's last lines shown when a stage fails. Run against a stand-in
Python that says what pip and setuptools say, so no package is installed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FAKE_PYTHON = """#!/bin/bash
if [ "$1 $2" = "-m venv" ]; then mkdir -p "$3/bin"; cp "$0" "$3/bin/python"; exit 0; fi
echo "SetuptoolsDeprecationWarning: License classifiers are deprecated." >&2
echo "  Editable installation of coach: a long warning"
if [ -n "$FAIL_ON" ] && [[ "$*" == *"$FAIL_ON"* ]]; then echo "ERROR: No matching distribution found" >&2; exit 1; fi
exit 0
"""

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _setup(tmp_path: Path, fail_on: str = "") -> subprocess.CompletedProcess[str]:
    python = tmp_path / "python"
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    venv = tmp_path / "venv"
    return subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), f"{venv}/.installed", f"VENV={venv}",
                           f"PYTHON={python}"], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "FAIL_ON": fail_on, "LC_ALL": "C"})


def test_setup_says_one_line_per_stage_with_its_time(tmp_path: Path) -> None:
    done = _setup(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"coach setup: installing (a few minutes the first time; the details go to " \
                       f"{tmp_path}/venv/setup.log)"
    stages = [re.sub(r" \(\d+\.\d s\)$", "", line) for line in lines[1:]]
    assert stages == [f"coach setup: a Python environment in {tmp_path}/venv", "coach setup: pip upgraded",
                      "coach setup: coach and its libraries and speech models", "coach setup: the word-vector model",
                      "coach setup: the voiceprint model"]
    assert all(re.search(r" \(\d+\.\d s\)$", line) for line in lines[1:]), lines
    assert done.stderr == ""
    assert "Editable installation" in (tmp_path / "venv" / "setup.log").read_text()   # kept, not shown
    again = _setup(tmp_path)   # set up already: no stage runs again (make alone says it is up to date)
    assert again.returncode == 0 and "coach setup" not in again.stdout, again.stdout


def test_a_stage_that_fails_says_so_and_shows_the_end_of_the_log(tmp_path: Path) -> None:
    done = _setup(tmp_path, fail_on="efficientword")
    assert done.returncode != 0
    assert f"coach setup: the word-vector model FAILED; the last lines of {tmp_path}/venv/setup.log:" in done.stdout
    assert done.stdout.rstrip().endswith("ERROR: No matching distribution found")
    assert not (tmp_path / "venv" / ".installed").exists()
