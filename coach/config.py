"""Configuration: ``config.toml`` (the defaults, beside the package) overridden by the user's.

Loaded into frozen dataclasses. An unknown key, a wrong type, a number out of its range (the
same :mod:`coach.numbers` bounds the command-line options have) or an unknown voice profile is a
:class:`ConfigError` naming the file and line, with the fix written as TOML.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from coach.errors import ConfigError
from coach.numbers import NOISE_SUPPRESSION, PACE, PAUSE_TIMEOUT, RATE, Bounds
from coach.paths import home_problem
from coach.tomlsource import line_of, read_toml

#: The project root (where config.toml, scripts/ and voices/ live in a checkout).
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config.toml"
#: The voice profiles, one TOML file each (see coach.speech.voices).
VOICES_DIR = ROOT / "voices"


@dataclass(frozen=True)
class SpeechConfig:
    voice: str = "clear"
    rate: int = 0
    output_device: str = ""


@dataclass(frozen=True)
class ListenConfig:
    engine: str = "auto"
    language: str = "en"
    input_device: str = ""
    vosk_model: str = ""
    noise_suppression: int = 2


@dataclass(frozen=True)
class SessionConfig:
    routine: str = "tennis-balls"
    role: str = ""
    pause_timeout: float = 600.0
    countdown: bool = True
    pace: float = 1.0


@dataclass(frozen=True)
class Config:
    speech: SpeechConfig = SpeechConfig()
    listen: ListenConfig = ListenConfig()
    session: SessionConfig = SessionConfig()


_CHOICES = {
    ("listen", "engine"): ("auto", "whisper", "pocketsphinx", "vosk"),
    ("session", "role"): ("", "self", "partner"),
}

_BOUNDS: dict[tuple[str, str], Bounds] = {
    ("speech", "rate"): RATE,
    ("listen", "noise_suppression"): NOISE_SUPPRESSION,
    ("session", "pause_timeout"): PAUSE_TIMEOUT,
    ("session", "pace"): PACE,
}


def user_config_path() -> Path:
    """Where the user's config lives (``$COACH_CONFIG`` overrides)."""
    if env := os.environ.get("COACH_CONFIG"):
        return Path(env)
    from platformdirs import user_config_dir

    return Path(user_config_dir("coach")) / "config.toml"


def voice_profiles() -> list[str]:
    """The names of the voice profiles that ship with the coach."""
    try:
        return sorted(p.stem for p in VOICES_DIR.glob("*.toml"))
    except OSError:
        return []


def voice_problem(name: str) -> str | None:
    """None if ``name`` is a voice profile (or the path of a profile file, or "" for the default),
    else what is wrong with it."""
    if not name or name in voice_profiles():
        return None
    if name.endswith(".toml") or "/" in name:
        return None if Path(name).is_file() else f"there is no voice profile file {name}"
    return f"there is no voice profile called {name!r}"


def voice_fix() -> str:
    return f"use one of: {', '.join(voice_profiles())} (see `coach voices`), or the path of a profile file"


def voice_option(name: str | None) -> str | None:
    """``--voice NAME`` checked as the config's ``voice`` is, in text mode too; ``name`` if it is good."""
    if name and (why := voice_problem(name)) is not None:
        raise ConfigError(f"--voice {name}: {why}", voice_fix())
    return name


def _toml(value: Any) -> str:
    """``value`` written as TOML: ``true``, ``"calm"``, ``600.0``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def _kind(example: Any) -> str:
    """What a key takes, in words."""
    if isinstance(example, bool):
        return "true or false"
    if isinstance(example, int):
        return "a whole number"
    if isinstance(example, float):
        return "a number"
    return "text in quotes"


def _shown(value: Any) -> str:
    """A value from the file, for a message: short, and never too deep to print."""
    if isinstance(value, dict | list):
        return "a table" if isinstance(value, dict) else "a list"
    text = _toml(value) if isinstance(value, bool | str | int | float) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _type_ok(value: Any, default: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, type(default))


def _merge(config: Config, path: Path) -> Config:
    data, lines = read_toml(path, ConfigError)
    names = [f.name for f in fields(Config)]
    sections: dict[str, Any] = {}
    for section, table in data.items():
        where = f"{path}:{line_of(lines, (section,))}"
        current = getattr(config, section, None) if section in names else None
        if current is None:
            raise ConfigError(f"{where}: unknown section [{section}]",
                              f"use one of: {', '.join('[' + n + ']' for n in names)}")
        if not isinstance(table, dict):
            keys = ", ".join(f.name for f in fields(current))
            raise ConfigError(f"{where}: '{section}' is a section, not a value ({_shown(table)})",
                              f"write [{section}] on a line of its own, and its keys ({keys}) on the lines below it")
        known = {f.name: getattr(current, f.name) for f in fields(current)}
        changes: dict[str, Any] = {}
        for key, value in table.items():
            where = f"{path}:{line_of(lines, (section, key))}"
            if key not in known:
                raise ConfigError(f"{where}: unknown key '{key}' in [{section}]",
                                  f"known keys are: {', '.join(known)}")
            default = known[key]
            bounds = _BOUNDS.get((section, key))
            if not _type_ok(value, default):
                what = bounds.describe() if bounds else _kind(default)
                raise ConfigError(f"{where}: '{key}' must be {what}, not {_shown(value)}",
                                  f"for example: {key} = {_toml(default)}")
            if bounds is not None and (why := bounds.problem(value)) is not None:
                raise ConfigError(f"{where}: '{key}' cannot be {_shown(value)}: it must be {why}",
                                  f"for example: {key} = {_toml(default)}")
            choices = _CHOICES.get((section, key))
            if choices and value not in choices:
                raise ConfigError(f"{where}: '{key}' cannot be {_shown(value)}",
                                  f"use one of: {', '.join(_toml(c) for c in choices)}")
            if (section, key) == ("speech", "voice") and (why := voice_problem(value)) is not None:
                raise ConfigError(f"{where}: 'voice' cannot be {_shown(value)}: {why}", voice_fix())
            if (section, key) == ("listen", "vosk_model") and (why := home_problem(value)) is not None:
                raise ConfigError(f"{where}: 'vosk_model' cannot be {_shown(value)}: {why}",
                                  "write the whole path, or ~/... for a path in your own home")
            if isinstance(default, float):
                value = float(value)
            changes[key] = value
        sections[section] = replace(current, **changes)
    return replace(config, **sections)


def load_config(path: Path | None = None) -> Config:
    """The defaults from config.toml, overridden by the user's file (or ``path``) if it exists."""
    config = Config()
    if DEFAULT_CONFIG.exists():
        config = _merge(config, DEFAULT_CONFIG)
    user = path or user_config_path()
    if path is not None and not path.exists():
        raise ConfigError(f"{path}: no such config file", "check the path given to --config")
    if user.exists():
        config = _merge(config, user)
    return config
