"""Shared fixtures, and the testing tiers (docs: DESIGN.md, "Testing tiers").

Every test module is in exactly one tier, named in :data:`TIERS`; the hook below marks each test
with its module's tier, so ``pytest -m core`` (under a minute), ``-m adapter`` and ``-m audio``
select them. A test module missing from the table fails the collection: a new file must be placed.

The PulseAudio environment lives in tests/pulse.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pulse import PulseServer, missing_tools, pulse_fixture

#: core: in this process, no audio library, engine or device: the session, routine, commands,
#: config, store, the menu's logic, the loops with fake speakers and scripted recognisers.
CORE = "core"
#: adapter: the real outside world without a sound server: the speech and recognition engines on
#: files (espeak-ng, Piper, flite, pocketsphinx, Whisper, the word vectors), the library that wraps
#: the devices (sounddevice), and whole `coach` processes in text mode on a pipe, a terminal or a
#: full disk (they take real seconds: a menu's 15 s waits, a session at --speed 40).
ADAPTER = "adapter"
#: audio: live, through real PortAudio against a private PulseAudio server (tests/pulse.py):
#: streams, devices, the echo path, stop latency.
AUDIO = "audio"

TIERS: dict[str, str] = {
    "test_bench_talk": CORE,
    "test_cli_help": CORE,
    "test_commands": CORE,
    "test_config": CORE,
    "test_cued": CORE,
    "test_listen_files": CORE,
    "test_listen_logic": CORE,
    "test_listen_twostage": CORE,
    "test_listen_words": CORE,
    "test_menu": CORE,
    "test_menu_loop": CORE,
    "test_models_list": CORE,
    "test_options": CORE,
    "test_ownvoice": CORE,
    "test_policy": CORE,
    "test_recording": CORE,
    "test_routine": CORE,
    "test_runtime_echo": CORE,
    "test_scripts": CORE,
    "test_session": CORE,
    "test_session_props": CORE,
    "test_session_warnings": CORE,
    "test_store": CORE,
    "test_terminal": CORE,
    "test_tiers": CORE,
    "test_timeline": CORE,
    "test_transcript": CORE,
    "test_validate": CORE,
    "test_voice_list": CORE,
    "test_waits": CORE,
    "test_disk_full": ADAPTER,
    "test_fuzz": ADAPTER,
    "test_storage_faults": ADAPTER,
    "test_interrupts": ADAPTER,
    "test_keyboard": ADAPTER,
    "test_menu_text": ADAPTER,
    "test_menu_tmux": ADAPTER,
    "test_text_mode": ADAPTER,
    "test_render": ADAPTER,
    "test_listen_aec3": ADAPTER,
    "test_listen_engines": ADAPTER,
    "test_makefile": ADAPTER,
    "test_listen_process": ADAPTER,
    "test_listen_whisper": ADAPTER,
    "test_listen_wordvec": ADAPTER,
    "test_listen_voiceprint": ADAPTER,
    "test_locale": ADAPTER,
    "test_models_download": ADAPTER,
    "test_nativelines": ADAPTER,
    "test_private": ADAPTER,
    "test_forget": ADAPTER,
    "test_speech_piper": ADAPTER,
    "test_speech_synth": ADAPTER,
    "test_speech_wordtimes": ADAPTER,
    "test_streamguard": ADAPTER,
    "test_closing_keys": AUDIO,
    "test_e2e_audio": AUDIO,
    "test_listen_live": AUDIO,
    "test_menu_audio": AUDIO,
    "test_forget_audio": AUDIO,
    "test_offline": AUDIO,
    "test_speech_player": AUDIO,
}


def tier_of(module: str) -> str | None:
    """The tier of the test module named ``module`` (``test_menu``), None when it has none."""
    return TIERS.get(module)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test with its module's tier; a module with no tier, or a test marked with a tier
    by hand, fails the collection (one tier per test, all of them in :data:`TIERS`)."""
    tiers = set(TIERS.values())
    unplaced: set[str] = set()
    for item in items:
        module = Path(str(item.path)).stem
        tier = tier_of(module)
        if tier is None:
            unplaced.add(module)
            continue
        own = {m.name for m in item.iter_markers() if m.name in tiers}
        if own:
            raise pytest.UsageError(f"{item.nodeid} is marked {', '.join(sorted(own))} by hand; its tier is "
                                    f"its module's, in tests/conftest.py TIERS ({tier})")
        item.add_marker(getattr(pytest.mark, tier))
    if unplaced:
        raise pytest.UsageError(f"test modules with no tier: {', '.join(sorted(unplaced))}; fix: put each in "
                                f"tests/conftest.py TIERS as {', '.join(sorted(tiers))}")


@pytest.fixture(scope="session", autouse=True)
def _no_skips_in_ci() -> None:
    """In CI every part is installed by `make test`, so a missing one is a failure, not a skip."""
    if os.environ.get("CI") and (missing := missing_tools()):
        pytest.fail(f"CI must install the audio tools, missing: {', '.join(missing)}")


@pytest.fixture(scope="session")
def pulse() -> Iterator[PulseServer]:
    """A private PulseAudio server with the coach's speaker, the user's voice and the room mix,
    shared by the audio tier's modules (its start takes 2 s); a test that kills it takes
    ``own_pulse``."""
    yield from pulse_fixture()


@pytest.fixture()
def own_pulse() -> Iterator[PulseServer]:
    """A private PulseAudio server for one test alone (for tests that kill it)."""
    yield from pulse_fixture()
