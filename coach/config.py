"""Configuration: ``config.toml`` (the defaults, beside the package) overridden by the user's.

Loaded into frozen dataclasses. An unknown key or a wrong type is a :class:`ConfigError`
naming the file and line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from coach.errors import ConfigError
from coach.tomlsource import line_of, read_toml

#: The project root (where config.toml, scripts/ and voices/ live in a checkout).
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config.toml"


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


@dataclass(frozen=True)
class Config:
    speech: SpeechConfig = SpeechConfig()
    listen: ListenConfig = ListenConfig()
    session: SessionConfig = SessionConfig()


_CHOICES = {
    ("listen", "engine"): ("auto", "whisper", "pocketsphinx", "vosk"),
    ("listen", "noise_suppression"): (0, 1, 2, 3, 4),
    ("session", "role"): ("", "self", "partner"),
}


def user_config_path() -> Path:
    """Where the user's config lives (``$COACH_CONFIG`` overrides)."""
    if env := os.environ.get("COACH_CONFIG"):
        return Path(env)
    from platformdirs import user_config_dir

    return Path(user_config_dir("coach")) / "config.toml"


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
    sections: dict[str, Any] = {}
    for section, table in data.items():
        current = getattr(config, section, None)
        if current is None or not isinstance(table, dict):
            raise ConfigError(
                f"{path}:{line_of(lines, (section,))}: unknown section [{section}]",
                f"use one of: {', '.join('[' + f.name + ']' for f in fields(Config))}",
            )
        known = {f.name: getattr(current, f.name) for f in fields(current)}
        changes: dict[str, Any] = {}
        for key, value in table.items():
            where = f"{path}:{line_of(lines, (section, key))}"
            if key not in known:
                raise ConfigError(f"{where}: unknown key '{key}' in [{section}]",
                                  f"known keys are: {', '.join(known)}")
            if not _type_ok(value, known[key]):
                raise ConfigError(f"{where}: '{key}' must be a {type(known[key]).__name__}, "
                                  f"not {value!r}", f"for example: {key} = {known[key]!r}")
            choices = _CHOICES.get((section, key))
            if choices and value not in choices:
                raise ConfigError(f"{where}: '{key}' cannot be {value!r}",
                                  f"use one of: {', '.join(repr(c) for c in choices)}")
            if isinstance(known[key], float):
                value = float(value)
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                raise ConfigError(f"{where}: '{key}' cannot be negative", "use 0 or more")
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
