"""A recogniser with no audio: scripted detections, for unit tests and text mode."""

from __future__ import annotations

from collections.abc import Iterable

from coach.commands import parse
from coach.listen.base import SAMPLE_RATE, Block, Detection


class ScriptedRecognizer:
    """Implements :class:`coach.listen.base.Recognizer`: says it heard ``text`` at time ``at``.

    ``script`` is (seconds, text) pairs; a pair fires once the audio fed reaches its time.
    Text that holds no command is ignored, as a real recogniser should.
    """

    name = "scripted"

    def __init__(self, script: Iterable[tuple[float, str]], language: str = "en") -> None:
        self._script = sorted(script)
        self._language = language
        self._samples = 0
        self._next = 0

    def accept(self, block: Block) -> list[Detection]:
        self._samples += len(block)
        now = self._samples / SAMPLE_RATE
        out: list[Detection] = []
        while self._next < len(self._script) and self._script[self._next][0] <= now:
            _, text = self._script[self._next]
            self._next += 1
            command = parse(text, self._language)
            if command is not None:
                out.append(Detection(command, text, 1.0, round(now, 3)))
        return out

    def reset(self) -> None:
        self._samples = 0
        self._next = 0


def scripted(script: Iterable[tuple[float, str]], language: str = "en", err: object = None) -> ScriptedRecognizer:
    """A :class:`ScriptedRecognizer`, made the way the listening process makes its recogniser
    (``make(err=...)``; see :mod:`coach.listen.process`): pass ``functools.partial(scripted, script)``."""
    return ScriptedRecognizer(script, language)
