"""`coach voices` leads with the profiles and the voices they use; the rest with --all (issue 38:
139 lines, nearly all espeak-ng languages, with the profiles and the Piper voice lost among them)."""

from __future__ import annotations

from dataclasses import dataclass

from coach.speech.voices import VoiceProfile
from coach.tasks.voicelist import voice_lines


@dataclass(frozen=True)
class Espeak:
    id: str
    name: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class Piper:
    id: str
    language: str


PROFILES = [
    VoiceProfile("clear", "en", 170, 1.0, 50, ("en_US-joe-medium",), fallback="gmw/en-us", engine="piper"),
    VoiceProfile("fast", "en", 330, 1.0, 50, ("gmw/en-us", "gmw/en")),
]
ESPEAK = [Espeak("gmw/af", "Afrikaans", ("af",)), Espeak("gmw/en", "English (Great Britain)", ("en-gb",)),
          Espeak("gmw/en-us", "English (America)", ("en-us",))] + [Espeak(f"x/{k}", f"L{k}", (f"l{k}",))
                                                                    for k in range(130)]
PIPER = [Piper("en_US-joe-medium", "en_US")]


def test_the_profiles_and_their_voices_come_first_and_the_rest_is_counted() -> None:
    lines = voice_lines(PROFILES, "clear", ESPEAK, PIPER, None, piper_where={"en_US-joe-medium": "/v/joe.onnx"})
    assert lines == [
        "voice profiles (choose one with --voice, or voice in config.toml):",
        "  clear (in use): Piper voice en_US-joe-medium; espeak-ng fallback gmw/en-us; 170 words per minute, "
        "volume 1, pitch 50, language en",
        "  fast: espeak-ng voice gmw/en-us, gmw/en; 330 words per minute, volume 1, pitch 50, language en",
        "the voices they use:",
        "  en_US-joe-medium: Piper, en_US (/v/joe.onnx)",
        "  espeak-ng gmw/en-us: English (America) (en-us)",
        "  espeak-ng gmw/en: English (Great Britain) (en-gb)",
        "131 more voices are installed, mostly espeak-ng's other languages: `coach voices --all` lists them",
    ]


def test_all_lists_every_installed_voice_after_them() -> None:
    lines = voice_lines(PROFILES, "clear", ESPEAK, PIPER, None, every=True)
    assert lines[3] == "the voices they use:"
    assert "  gmw/af: Afrikaans (af)" in lines and "  x/129: L129 (l129)" in lines
    assert lines[lines.index("Piper voices:") + 1] == "  en_US-joe-medium: en_US (installed)"
    assert len(lines) == 8 - 1 + 1 + len(ESPEAK) + 1 + len(PIPER)


def test_a_voice_that_is_not_installed_says_so_and_why() -> None:
    lines = voice_lines(PROFILES, "fast", ESPEAK[:1], [], "piper-tts is not installed (to fix: pip install)")
    assert "  en_US-joe-medium: Piper, not installed (piper-tts is not installed (to fix: pip install))" in lines
    assert "  gmw/en-us: espeak-ng, not installed" in lines
    assert "  fast (in use): espeak-ng voice gmw/en-us, gmw/en; 330 words per minute, volume 1, pitch 50, " \
           "language en" in lines
