"""A recogniser with no audio: scripted detections, for unit tests and text mode."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from coach.commands import parse
from coach.listen.base import SAMPLE_RATE, Block, Detection
from coach.listen.judge.whisper import Judgement


class ScriptedRecognizer:
    """Implements :class:`coach.listen.base.Recognizer`: says it heard ``text`` at time ``at``.

    ``script`` is (seconds, text) pairs; a pair fires once the audio fed reaches its time.
    Text that holds no command is ignored, as a real recogniser should; with ``transcribes``, it is
    told to ``on_judgement`` as a transcribing recogniser (Whisper) tells every utterance it judges.
    """

    name = "scripted"

    def __init__(self, script: Iterable[tuple[float, str]], language: str = "en", transcribes: bool = False) -> None:
        self._script = sorted(script)
        if transcribes:
            self.on_judgement: Callable[[Judgement, float, float], None] | None = None
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
            judge = getattr(self, "on_judgement", None)
            if judge is not None:
                judge(Judgement(command, text, 0.0, "", text, 0.0, 0.0, 0.0), max(0.0, now - 0.3), now)
            if command is not None:
                out.append(Detection(command, text, 1.0, round(now, 3)))
        return out

    def reset(self) -> None:
        self._samples = 0
        self._next = 0


def scripted(script: Iterable[tuple[float, str]], language: str = "en", err: object = None,
             transcribes: bool = False) -> ScriptedRecognizer:
    """A :class:`ScriptedRecognizer`, made the way the listening process makes its recogniser
    (``make(err=...)``; see :mod:`coach.listen.process`): pass ``functools.partial(scripted, script)``."""
    return ScriptedRecognizer(script, language, transcribes)
