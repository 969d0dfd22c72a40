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
``SECONDS<TAB>LEVEL<TAB>WORDS`` (:class:`Coach` does it for the words its virtual user says).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from coach.commands import parse
from coach.listen.base import BLOCK_SECONDS, SAMPLE_RATE, Block, Detection
from coach.listen.judge.whisper import Judgement

if TYPE_CHECKING:   # the coach process and its listening child import this module too: no more than they need
    from pulse import PulseServer

HERE = Path(__file__).resolve().parent
#: the environment variable naming the cue file
CUES = "COACH_TEST_CUES"


#: A cue said aloud: its words are the run of blocks at least this loud (against the level of the
#: voice that said them, which the cue gives) that holds the loudest block, in the microphone's
#: audio after echo cancellation. The coach's own voice is far below a voice in the room there, even
#: where the canceller has not yet found the echo path and leaves it whole (2026-12-07: flite's
#: "stop" at a level of 4400, espeak-ng's "fast" voice 3100 at the speaker and its echo 0.3 of that,
#: at most 1800 in its loudest blocks).
LOUD = 0.5
#: ... with gaps between its words of at most this long (seconds); this long below it ends them
GAP = 0.3
#: ... begun at most this long (seconds) before the cue was read, besides the words' own length
LOOK_BACK = 1.0
#: ... and found within this much audio (seconds) after the cue was read; if not (the listening
#: process skipped the audio to catch up on a loaded machine, as it does), the words are heard then,
#: ending there, as words nobody said aloud are, and that is said on stderr
GIVE_UP = 3.0


@dataclass
class _Cue:
    words: str
    seconds: float    # how long the words took (the rendered speech, silences around them included)
    level: float      # the voice's level (RMS of its loud blocks), 0 for words nobody said aloud
    read_at: float    # the recogniser's clock when it read the cue


class CuedRecognizer:
    """Implements :class:`coach.listen.base.Recognizer`: it hears the words the test cues.

    Words nobody said aloud (the coach's own voice, misheard) are heard at the block after the cue,
    ending then. Words a voice said into the room are heard where that voice is in the audio it is
    fed (before or after the cue was read: the listening process may be behind the room), so that
    the echo canceller's figures over them are that voice's, however loaded the machine.

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
        self._pending: list[_Cue] = []
        self._levels: deque[tuple[float, float]] = deque(maxlen=int(20 / BLOCK_SECONDS))   # (block's end, RMS)
        self._taken = 0.0       # where the last words heard ended: the next are later

    def _new(self, now: float) -> list[_Cue]:
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
            seconds, level, words = line.split("\t", 2)
            out.append(_Cue(words, float(seconds), float(level), now))
        return out

    def _span(self, cue: _Cue, now: float) -> tuple[float, float] | None:
        """Where the cue's voice is in the audio so far, once it has ended; None until then."""
        since = max(self._taken, cue.read_at - cue.seconds - LOOK_BACK)
        runs: list[list[float]] = []   # [first block's start, last block's end]
        for end, rms in self._levels:
            if end - BLOCK_SECONDS < since or rms < LOUD * cue.level:
                continue
            if runs and end - BLOCK_SECONDS - runs[-1][1] <= GAP:
                runs[-1][1] = end
            else:
                runs.append([end - BLOCK_SECONDS, end])
        if not runs:
            return None
        loudest = max((rms, end) for end, rms in self._levels if end - BLOCK_SECONDS >= since)[1]
        first, last = next(r for r in runs if r[0] < loudest <= r[1])
        return (first, last) if now - last >= GAP else None

    def accept(self, block: Block) -> list[Detection]:
        self._samples += len(block)
        now = self._samples / SAMPLE_RATE
        x = block.astype(np.float64)
        self._levels.append((now, float(np.sqrt(np.mean(x * x))) if len(x) else 0.0))
        self._pending += self._new(now)
        found: list[Detection] = []
        for cue in list(self._pending):
            span = (max(0.0, now - cue.seconds), now) if cue.level <= 0 else self._span(cue, now)
            if span is None:
                if now - cue.read_at <= GIVE_UP:
                    continue
                print(f"cued: the voice saying {cue.words!r} was not in the audio {GIVE_UP:.0f} s after the cue; "
                      "heard now", file=sys.stderr, flush=True)
                span = (max(0.0, now - cue.seconds), now)
            self._pending.remove(cue)
            self._taken = span[1]
            start, end = round(span[0], 3), round(span[1], 3)
            command = parse(cue.words, self._language)
            judge = getattr(self, "on_judgement", None)
            if judge is not None:
                judge(Judgement(command, cue.words, 0.0, "", cue.words, 0.0, 0.0, 0.0), start, end)
            if command is not None:
                found.append(Detection(command, cue.words, 1.0, round(now, 3), start, end,
                                       confirmed=self._transcribes,
                                       transcript=cue.words if self._transcribes else None))
        return found

    def reset(self) -> None:
        """A new clock (after a skip to catch up): the audio heard so far is gone; what was cued
        before and not yet heard is looked for from here."""
        self._samples = 0
        self._levels.clear()
        self._taken = 0.0
        for cue in self._pending:
            cue.read_at = 0.0


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


def cue(cues: Path, words: str, seconds: float = 0.8, level: float = 0.0) -> None:
    """The recogniser hears ``words``, which took ``seconds``: where a voice at ``level`` (RMS of
    its loud blocks) said them into the room, or, for words nobody said aloud (``level`` 0), at
    its next block."""
    with cues.open("a", encoding="utf-8") as f:
        f.write(f"{seconds:.3f}\t{level:.1f}\t{words}\n")


def voice_level(speech: Block) -> float:
    """The level of the voice in ``speech``: the RMS of its 30 ms blocks within 20 dB of the loudest."""
    n = int(BLOCK_SECONDS * SAMPLE_RATE)
    x = speech[:len(speech) // n * n].astype(np.float64).reshape(-1, n)
    rms = np.sqrt(np.mean(x * x, axis=1))
    return float(np.sqrt(np.mean(rms[rms >= rms.max() / 10] ** 2))) if len(rms) else 0.0


class Coach:
    """A running ``python -m cued ARGS`` against ``pulse``, its data in ``tmp_path``, logging to
    ``log``; its recogniser hears what :meth:`say` cues."""

    def __init__(self, pulse: PulseServer, tmp_path: Path, log: Path, *args: str,
                 env: dict[str, str] | None = None, voice: str = "fast") -> None:
        self.pulse, self.tmp_path, self.log = pulse, tmp_path, log
        self.cues = tmp_path / "cues.txt"
        # the user's config: a voice profile (espeak-ng at 330 words a minute, where the default is
        # Piper at 170: the menu's list read in a third of the time, and no neural voice to render
        # on a loaded machine); a session speaks with its routine's own voice unless --voice says
        config = tmp_path / "config.toml"
        config.write_text(f'[speech]\nvoice = "{voice}"\n', encoding="utf-8")
        full = coach_env(self.cues, {**os.environ, **pulse.env, "COACH_DATA": str(tmp_path / "data"),
                                     "COACH_CONFIG": str(config), "NO_COLOR": "1", **(env or {})})
        self.errors = tmp_path / "stderr.txt"   # a file, so that a failing wait can show it
        with self.errors.open("w") as errors:
            self.proc = subprocess.Popen([sys.executable, "-m", "cued", *args, "--log", str(log)], env=full,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True)

    def say(self, words: str, voice: str = "slt") -> None:
        """The virtual user says ``words`` into the room (so that the echo canceller's figures over
        them are a real voice's), and the recogniser hears them as they end."""
        from pulse import RATE, user_speech

        speech = user_speech(self.tmp_path, words, voice)
        self.pulse.play_into("user_out", speech)
        cue(self.cues, words, len(speech) / RATE, voice_level(speech))

    def hears(self, words: str, seconds: float = 0.8) -> None:
        """The recogniser hears ``words`` with nobody speaking (the coach's own voice, misheard)."""
        cue(self.cues, words, seconds)

    def until_speaking(self, limit: float = 60.0) -> None:
        """Wait until the coach's speaker is playing speech (a line logged as said was queued, and
        may be rendered first: Piper takes seconds on a loaded machine)."""
        import time

        import numpy as np

        end = time.monotonic() + limit
        while time.monotonic() < end:
            sound = self.pulse.record("coach_out.monitor", 0.3).astype(np.float64)
            if len(sound) and float(np.sqrt(np.mean(sound * sound))) > 300:
                return
        self.wait(lambda: False, "the coach to be heard speaking", 0)

    def until_quiet(self, seconds: float = 0.6, limit: float = 30.0) -> None:
        """Wait until the coach's speaker has been silent for ``seconds`` (its lines said)."""
        import time

        import numpy as np

        end = time.monotonic() + limit
        while time.monotonic() < end:
            sound = self.pulse.record("coach_out.monitor", seconds).astype(np.float64)
            if len(sound) and float(np.sqrt(np.mean(sound * sound))) < 30:
                return
        self.wait(lambda: False, f"the coach to fall silent for {seconds} s", 0)

    def type(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def finish(self, timeout: float = 30) -> tuple[str, str]:
        """End it as SIGTERM does (Ctrl-C's way, the place kept) unless it has ended; its output."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.communicate()
        return out, self.errors.read_text()

    def wait(self, done: Callable[[], bool], what: str, limit: float = 60.0) -> None:
        """Poll until ``done()``; fail, with what was said and heard so far, if it does not within
        ``limit`` seconds."""
        import time

        import pytest

        end = time.monotonic() + limit
        while not done():
            if time.monotonic() > end:
                pytest.fail(f"timed out waiting for {what}; the log so far:\n{self.story(self.errors.read_text())}")
            time.sleep(0.05)

    def records(self, kind: str | None = None) -> list[dict[str, Any]]:
        """The log's records so far (of type ``kind``)."""
        from logtools import records as log_records

        return [r for r in log_records(self.log) if kind is None or r["type"] == kind]

    def said(self) -> list[str]:
        return [r["text"] for r in self.records("said")]

    def story(self, err: str) -> str:
        """What was said and heard, to show when a test fails."""
        keep = ("said", "heard", "menu", "started", "command", "warning", "step", "more_time", "paused", "resumed")
        return "\n".join(json.dumps(r) for r in self.records() if r["type"] in keep) + "\n" + err


def main() -> int:
    """`coach` with :func:`make` for its recogniser (sys.argv are coach's arguments)."""
    import cued  # this module by its name, not as __main__: the listening child unpickles cued.make

    from coach.listen import engines

    engines.make_recognizer = cued.make   # before the tasks that import it by name are imported
    from coach.cli import main as coach_main

    return coach_main()


if __name__ == "__main__":
    raise SystemExit(main())
