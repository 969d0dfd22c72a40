"""A whole `coach` process, live through real PortAudio, whose recogniser is told what was said.

Tests of flows that hang on the user's words (the menu's choice, a session's commands) used to have
a synthetic voice recognised through the room, and passed or failed on whether it was heard at a
lucky moment. How often words are heard is a benchmark figure (`make bench`), not theirs. Here the
recogniser is :class:`CuedRecognizer` (the :class:`coach.listen.base.Recognizer` Protocol): it is
fed the live microphone like any other, and it hears what the test cues, when the test cues it,
always. The rest is the real thing: the coach's speaker and microphone streams, the echo canceller's
figures over the span of the words (the virtual user may still speak into the room, so that the
figures are a real voice's), the listening policy, the listening process shared by the menu and
the session.

Run ``python -m cued [coach's arguments]`` with this folder on ``PYTHONPATH`` (the listening
child unpickles :func:`make` from here) and :data:`CUES` naming the cue file; :func:`coach_env`
makes that environment. The test appends a line per utterance with :func:`cue`:
``SECONDS<TAB>WORDS``, the words ending as the line is read and lasting ``SECONDS`` before that.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from coach.commands import parse
from coach.listen.base import SAMPLE_RATE, Block, Detection
from coach.listen.judge.whisper import Judgement

HERE = Path(__file__).resolve().parent
#: the environment variable naming the cue file
CUES = "COACH_TEST_CUES"


class CuedRecognizer:
    """Implements :class:`coach.listen.base.Recognizer`: at the block after a cue is written, it
    heard the cue's words, ending then.

    ``transcribes`` stands for Whisper behind the spotter: every utterance is told to
    ``on_judgement`` (the menu takes words that hold no command from there) and its commands are
    confirmed (judged whole); without it, for pocketsphinx alone, only commands, as guesses.
    """

    def __init__(self, cues: Path, language: str = "en", transcribes: bool = True) -> None:
        self.name = "cued"
        self._cues = cues
        self._read = 0          # bytes of the cue file taken
        self._language = language
        self._transcribes = transcribes
        if transcribes:
            self.on_judgement: Callable[[Judgement, float, float], None] | None = None
        self._samples = 0

    def _new(self) -> list[tuple[float, str]]:
        try:
            with self._cues.open("rb") as f:
                f.seek(self._read)
                data = f.read()
        except FileNotFoundError:
            return []
        complete = data[:data.rfind(b"\n") + 1]
        self._read += len(complete)
        out = []
        for line in complete.decode().splitlines():
            seconds, _, words = line.partition("\t")
            out.append((float(seconds), words))
        return out

    def accept(self, block: Block) -> list[Detection]:
        self._samples += len(block)
        now = self._samples / SAMPLE_RATE
        found: list[Detection] = []
        for seconds, words in self._new():
            start = round(max(0.0, now - seconds), 3)
            command = parse(words, self._language)
            judge = getattr(self, "on_judgement", None)
            if judge is not None:
                judge(Judgement(command, words, 0.0, "", words, 0.0, 0.0, 0.0), start, now)
            if command is not None:
                found.append(Detection(command, words, 1.0, round(now, 3), start, round(now, 3),
                                       confirmed=self._transcribes,
                                       transcript=words if self._transcribes else None))
        return found

    def reset(self) -> None:
        """A new clock (after a skip to catch up); what was cued before stays said."""
        self._samples = 0


def make(engine: str = "auto", language: str = "en", model: str | Path | None = None, cache: Path | None = None,
         err: TextIO | None = None) -> CuedRecognizer:
    """Stands for :func:`coach.listen.engines.make_recognizer`: pocketsphinx (``--engine
    pocketsphinx``) hears commands alone; any other engine writes words down, as Whisper does."""
    transcribes = engine != "pocketsphinx"
    print(f"listening with cued words ({'words written down' if transcribes else 'commands only'})",
          file=err if err is not None else sys.stderr, flush=True)
    return CuedRecognizer(Path(os.environ[CUES]), language, transcribes)


def coach_env(cues: Path, env: dict[str, str]) -> dict[str, str]:
    """``env`` for ``python -m cued``: this folder on the path, the cue file named."""
    path = os.pathsep.join(p for p in (str(HERE), env.get("PYTHONPATH", "")) if p)
    return {**env, "PYTHONPATH": path, CUES: str(cues)}


def cue(cues: Path, words: str, seconds: float = 0.8) -> None:
    """The recogniser hears ``words``, which took ``seconds``, at its next block."""
    with cues.open("a", encoding="utf-8") as f:
        f.write(f"{seconds:.3f}\t{words}\n")


def main() -> int:
    """`coach` with :func:`make` for its recogniser (sys.argv are coach's arguments)."""
    import cued  # this module by its name, not as __main__: the listening child unpickles cued.make

    from coach.listen import engines

    engines.make_recognizer = cued.make   # before the tasks that import it by name are imported
    from coach.cli import main as coach_main

    return coach_main()


if __name__ == "__main__":
    raise SystemExit(main())
