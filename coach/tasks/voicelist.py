"""What `coach voices` prints (issue 38: 139 lines, nearly all espeak-ng's languages, with the
profiles and the Piper voice lost among them): the voice profiles first, the one in use marked,
then the voices those profiles speak with, whether each is installed; every other installed voice
only with ``--all``. Pure: the profiles and the installed voices in, lines out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from coach.speech.voices import VoiceProfile

#: How `coach voices` names each engine.
ENGINE_NAMES = {"espeak": "espeak-ng", "piper": "Piper"}


class EspeakVoice(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def languages(self) -> tuple[str, ...]: ...


class PiperVoice(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def language(self) -> str: ...


def _espeak_line(v: EspeakVoice) -> str:
    return f"{v.id}: {v.name} ({', '.join(v.languages) or 'no language'})"


def voice_lines(profiles: Sequence[VoiceProfile], in_use: str, espeak: Sequence[EspeakVoice],
                piper: Sequence[PiperVoice], piper_missing: str | None, every: bool = False,
                piper_where: dict[str, str] | None = None) -> list[str]:
    """The lines of `coach voices`. ``in_use``: the name of the profile the configuration speaks
    with; ``piper_missing``: why Piper cannot speak (None: it can); ``every``: ``--all``."""
    where = piper_where or {}
    lines = ["voice profiles (choose one with --voice, or voice in config.toml):"]
    for p in profiles:
        mark = " (in use)" if p.name == in_use else ""
        fallback = f"; espeak-ng fallback {p.fallback or 'its default'}" if p.engine == "piper" else ""
        lines.append(f"  {p.name}{mark}: {ENGINE_NAMES[p.engine]} voice {', '.join(p.voices) or '(engine default)'}"
                     f"{fallback}; {p.rate} words per minute, volume {p.volume:g}, pitch {p.pitch}, "
                     f"language {p.language}")
    espeak_by_id = {v.id: v for v in espeak}
    piper_by_id = {v.id: v for v in piper}
    used: list[tuple[str, str]] = []
    for p in profiles:
        for vid in p.voices:
            used.append((p.engine, vid))
        if p.engine == "piper" and p.fallback:
            used.append(("espeak", p.fallback))
    shown: set[tuple[str, str]] = set()
    lines.append("the voices they use:")
    for engine, vid in used:
        if (engine, vid) in shown:
            continue
        shown.add((engine, vid))
        if engine == "piper":
            pv = piper_by_id.get(vid)
            lines.append(f"  {vid}: Piper, {pv.language or 'no language'} ({where.get(vid, 'installed')})" if pv
                         else f"  {vid}: Piper, not installed ({piper_missing or 'no such voice'})")
        else:
            ev = espeak_by_id.get(vid)
            lines.append(f"  espeak-ng {_espeak_line(ev)}" if ev else f"  {vid}: espeak-ng, not installed")
    others = len([v for v in espeak if ("espeak", v.id) not in shown]) + \
        len([v for v in piper if ("piper", v.id) not in shown])
    if not every:
        if others:
            lines.append(f"{others} more voices are installed, mostly espeak-ng's other languages: "
                         "`coach voices --all` lists them")
        return lines
    lines.append("espeak-ng voices:")
    lines += [f"  {_espeak_line(v)}" for v in espeak]
    lines.append("Piper voices:")
    lines += [f"  {v.id}: {v.language or 'no language'} ({where.get(v.id, 'installed')})" for v in piper]
    if piper_missing:
        lines.append(f"  none: {piper_missing}")
    return lines
