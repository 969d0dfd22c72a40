"""Composition root: builds the engines from config, starts the threads, wires the queues.

This is the only package that knows which concrete speaker and recogniser a session uses. One
module per concern, each building on the one before:

- :mod:`coach.app.audio`: the live audio (speaker, listening process, the "getting ready" wait)
  and what is left when part of it cannot be opened;
- :mod:`coach.app.session`: one session from its plan to its end, and what is kept of it;
- :mod:`coach.app.menu`: the menu, then the session chosen in it on the same audio.

Every name is importable from ``coach.app`` as well.
"""

from __future__ import annotations

from coach.app.audio import (
                             KEYS_AT_ONCE,
                             MENU_KEYS,
                             SESSION_KEYS,
                             WAIT_ID,
                             WAIT_SAID,
                             WAIT_TICK,
                             WAITING,
                             Audio,
                             AudioPlan,
                             Hooks,
                             _announced_wait,
                             build_audio,
                             build_speaker_alone,
                             open_audio,
)
from coach.app.menu import MenuPlan, run_menu
from coach.app.session import (
                             DEVICE_LOST,
                             LISTENING_LOST,
                             InputRelay,
                             SessionPlan,
                             Shared,
                             _warnings_logged,
                             profile_rate,
                             run_session,
)

__all__ = [
    "DEVICE_LOST", "KEYS_AT_ONCE", "LISTENING_LOST", "MENU_KEYS", "SESSION_KEYS", "WAITING", "WAIT_ID", "WAIT_SAID",
    "WAIT_TICK", "Audio", "AudioPlan", "Hooks", "InputRelay", "MenuPlan", "SessionPlan", "Shared", "_announced_wait",
    "_warnings_logged", "build_audio", "build_speaker_alone", "open_audio", "profile_rate", "run_menu", "run_session",
]
