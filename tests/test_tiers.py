"""The testing tiers (tests/conftest.py): every test module on disk has exactly one, and the table
names no module that is gone. (Collection fails too on a test whose module has none; this test
also catches a module not collected in this run, e.g. under ``pytest -m core``.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TIERS

HERE = Path(__file__).resolve().parent


def test_every_test_module_has_a_tier() -> None:
    on_disk = {p.stem for p in HERE.glob("test_*.py")}
    assert sorted(on_disk - TIERS.keys()) == [], "put these in tests/conftest.py TIERS"
    assert sorted(TIERS.keys() - on_disk) == [], "these are in tests/conftest.py TIERS but no longer exist"


def test_the_tiers_are_the_registered_markers(pytestconfig: pytest.Config) -> None:
    registered = {line.split(":", 1)[0].strip() for line in pytestconfig.getini("markers")}
    assert set(TIERS.values()) == {"core", "adapter", "audio"}
    assert set(TIERS.values()) <= registered


def test_each_test_here_carries_its_tier_once(request: pytest.FixtureRequest) -> None:
    tiers = [m.name for m in request.node.iter_markers() if m.name in set(TIERS.values())]
    assert tiers == ["core"]
