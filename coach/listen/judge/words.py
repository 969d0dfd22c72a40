"""Words heard that hold no command, for the menu (numbers and routine names).

A transcribing recogniser's stage (Whisper's, :class:`coach.listen.judge.whisper.WhisperRecognizer`)
judges every utterance and tells ``on_judgement(judgement, start, end)`` about each one, command or
not. :func:`report_words` hooks that, without changing the recogniser: each utterance it judged to
hold speech but no command is handed on as :class:`Words`, with the echo figures of the pipeline
(what the echo canceller left of it while the coach spoke), as a command's detection gets them.
Single-stage spotters (pocketsphinx, vosk) write nothing down: there is nothing to hook.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Words:
    """What a transcribing recogniser heard in an utterance that held no command.

    ``start`` and ``end`` are where the words lie (seconds on the recogniser's clock); ``echo_db`` and
    ``excess_db`` as in :class:`coach.listen.base.Detection`, set when the coach's voice was in the
    room during them. ``ended_at``: about when the words ended, on ``time.monotonic()``'s clock (the
    same in every process here): the judgement came the gate's hangover and the judging time later."""

    text: str
    start: float
    end: float
    echo_db: tuple[float, float] | None = None
    excess_db: float | None = None
    ended_at: float | None = None
    #: as in :class:`coach.listen.base.Detection`
    witness_db: float | None = None


class EchoFigures(Protocol):
    """The part of :class:`coach.listen.listener.Pipeline` that measures the echo."""

    def residual_db(self, start: float, end: float) -> float | None: ...

    def typical_residual_db(self, before: float) -> float | None: ...

    def excess_db(self, start: float, end: float) -> float | None: ...

    def witness_db(self, start: float, end: float) -> float | None: ...


def transcribing_stage(recognizer: object) -> Any | None:
    """The stage of ``recognizer`` that judges whole utterances and reports each judgement (it has
    an ``on_judgement`` attribute): the recogniser itself, or the second of two stages; None."""
    for stage in (recognizer, getattr(recognizer, "second", None)):
        if stage is not None and hasattr(stage, "on_judgement"):
            return stage
    return None


def report_words(recognizer: object, echo: EchoFigures | None, send: Callable[[Words], None]) -> bool:
    """Hand every utterance ``recognizer`` judged to hold words but no command to ``send``, as
    :class:`Words`; whether it can (a transcribing stage was found). A judgement hook already set
    is still called."""
    stage = transcribing_stage(recognizer)
    if stage is None:
        return False
    before = stage.on_judgement
    options = getattr(stage, "options", None)
    most = getattr(options, "max_no_speech", 1.0)
    hangover = float(getattr(options, "hangover", 0.0))

    def hook(judgement: Any, start: float, end: float) -> None:
        ended_at = time.monotonic() - float(getattr(judgement, "seconds", 0.0)) - hangover
        if before is not None:
            before(judgement, start, end)
        text = str(getattr(judgement, "free", "")).strip()
        if judgement.command is not None or not text or float(getattr(judgement, "no_speech", 0.0)) > most:
            return
        echo_db = excess = witness = None
        if echo is not None:
            left, typical = echo.residual_db(start, end), echo.typical_residual_db(start)
            if left is not None and typical is not None:
                echo_db = (round(left, 1), round(typical, 1))
                found = echo.excess_db(start, end)
                excess = None if found is None else round(found, 1)
            witnessed = echo.witness_db(start, end)
            witness = None if witnessed is None else round(witnessed, 1)
        send(Words(text, start, end, echo_db, excess, ended_at, witness))

    stage.on_judgement = hook
    return True
