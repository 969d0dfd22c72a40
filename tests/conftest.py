"""Shared fixtures. The PulseAudio environment lives in tests/pulse.py."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from pulse import PulseServer, missing_tools, pulse_fixture


@pytest.fixture(scope="session", autouse=True)
def _no_skips_in_ci() -> None:
    """In CI every part is installed by `make test`, so a missing one is a failure, not a skip."""
    if os.environ.get("CI") and (missing := missing_tools()):
        pytest.fail(f"CI must install the audio tools, missing: {', '.join(missing)}")


@pytest.fixture(scope="module")
def pulse() -> Iterator[PulseServer]:
    """A private PulseAudio server with the coach's speaker, the user's voice and the room mix."""
    yield from pulse_fixture()


@pytest.fixture()
def own_pulse() -> Iterator[PulseServer]:
    """A private PulseAudio server for one test alone (for tests that kill it)."""
    yield from pulse_fixture()
