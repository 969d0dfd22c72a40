"""Two stages: a fast spotter proposes, Whisper decides.

The first stage (pocketsphinx's keyword spotter) hears "stop" and pain words within a few hundred
milliseconds of the end of speech; those guesses go out at once, marked unconfirmed, because what
they do (pause, ease off) is safe and can be undone. Every other command of the first stage is
dropped. The second stage (:class:`coach.listen.whisper.WhisperRecognizer` in practice) judges every
utterance whole and gives the commands that count, confirmed. When it confirms a guess already
sent, its detection carries the guess's ``utterance`` number, so that the session does not act
twice. When it judges the words of a guess to be something else or nothing (or its gate never
heard speech there), a ``rejected`` detection with the guess's number says so, and the session
undoes a pause that the guess alone caused.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from coach.commands import Command
from coach.listen.base import SAMPLE_RATE, Block, Detection, Recognizer

log = logging.getLogger(__name__)

#: First-stage guesses that go out before the second stage has judged them.
FAST = frozenset({Command.STOP, Command.PAIN})
#: How far apart (seconds) a guess and a judgement may lie and still be the same words.
SLACK = 1.0
#: A guess that no judgement has covered this long (seconds of audio) after its words ended was
#: not speech the second stage could hear: it is rejected.
UNJUDGED = 3.0
#: How long (seconds of audio) a judgement is kept for a guess of the same words that comes after it.
JUDGED_KEPT = 5.0


class TwoStage:
    """Implements :class:`coach.listen.base.Recognizer` from a fast first stage and a judging second."""

    def __init__(self, first: Recognizer, second: Recognizer) -> None:
        self.first = first
        self.second = second
        self.name = f"{first.name} + {second.name}"
        self._ids = 0
        self._guesses: list[tuple[int, Command, float, float]] = []   # (id, command, start, end)
        #: recent judgements sent up, (id, command, start, end): a guess may come after them
        self._judgements: list[tuple[int, Command, float, float]] = []
        self._backlog: list[Block] = []   # blocks the second stage has yet to take
        self._clock = 0.0

    def accept(self, block: Block) -> list[Detection]:
        return self.accept_pair(block, block)

    def accept_pair(self, denoised: Block, raw: Block) -> list[Detection]:
        """One block, with noise suppression for the spotter and without it for Whisper (which
        heard white noise at 20 dB worse through WebRTC's suppression: 15 of 36 commands against 21).

        A guess goes out before the second stage takes the block (it may spend a few hundred
        milliseconds judging an utterance that ends there): the block waits for the next call."""
        self._clock += len(raw) / SAMPLE_RATE
        out = self._guess(self.first.accept(denoised))
        self._backlog.append(raw)
        return out if out else self._drain()

    def _drain(self) -> list[Detection]:
        """The second stage takes the blocks waiting for it; what it judged."""
        blocks, self._backlog = self._backlog, []
        return [d for b in blocks for d in self._judged(self.second.accept(b))]

    def reset(self) -> None:
        self.first.reset()
        self.second.reset()
        self._guesses.clear()
        self._judgements.clear()
        self._backlog.clear()
        self._clock = 0.0

    def flush(self) -> list[Detection]:
        flush = getattr(self.first, "flush", None)
        out = self._guess(list(flush())) if callable(flush) else []
        out += self._drain()
        flush = getattr(self.second, "flush", None)
        out += self._judged(list(flush())) if callable(flush) else []
        return out + [self._reject(g, "not judged") for g in list(self._guesses)]   # the input ended

    def _reject(self, guess: tuple[int, Command, float, float], why: str) -> Detection:
        """The second stage did not confirm ``guess``: a detection that says so."""
        self._guesses.remove(guess)
        ident, command, start, end = guess
        log.info("first-stage %s (utterance %d) not confirmed: %s", command.value, ident, why)
        return Detection(command, why, 0.0, self._clock, start, end, confirmed=True, utterance=ident, rejected=True)

    def _guess(self, found: list[Detection]) -> list[Detection]:
        out = []
        for d in found:
            if d.command not in FAST:
                continue
            start, end = _span(d)
            judged = [j for j in self._judgements if j[1] is d.command and j[2] < end + SLACK and j[3] > start - SLACK]
            if judged:
                # the second stage judged these words already, the same command, over a longer span
                # (live, Piper's voice: Whisper's utterance ran 2.9 s over the coach's voice and the
                # user's "stop" at its end, and came out before the spotter's guess): the guess goes
                # out under the judgement's number, and no "not judged" rejection follows it
                out.append(replace(d, confirmed=False, utterance=judged[-1][0]))
                continue
            self._ids += 1
            self._guesses.append((self._ids, d.command, start, end))
            out.append(replace(d, confirmed=False, utterance=self._ids))
        return out

    def _judged(self, found: list[Detection]) -> list[Detection]:
        out = []
        spans: list[tuple[float, float, Command | None]] = getattr(self.second, "judged", [])
        confirmed = {(d.command, d.start, d.end) for d in found}
        for start, end, command in list(spans):
            for g in [g for g in self._guesses if g[2] < end + SLACK and g[3] > start - SLACK]:
                if command is not g[1] and (g[1], start, end) not in confirmed:
                    out.append(self._reject(g, f"judged {command.value if command else 'nothing'}"))
        spans.clear()
        for g in [g for g in self._guesses if g[3] < self._clock - UNJUDGED]:
            out.append(self._reject(g, "not judged"))
        for d in found:
            start, end = _span(d)
            same = [g for g in self._guesses
                    if g[1] is d.command and g[2] < end + SLACK and g[3] > start - SLACK]
            if same:
                self._guesses.remove(same[0])
                ident = same[0][0]
            else:
                self._ids += 1
                ident = self._ids
            out.append(replace(d, confirmed=True, utterance=ident))
            self._judgements.append((ident, d.command, start, end))
        self._judgements = [j for j in self._judgements if j[3] > self._clock - JUDGED_KEPT]
        return out


def _span(d: Detection) -> tuple[float, float]:
    """Where ``d``'s words lie (seconds), or when it was emitted where the recogniser does not say."""
    return (d.at if d.start is None else d.start), (d.at if d.end is None else d.end)


class Acted:
    """Tells which detections a session acts on: a confirmation of a first-stage guess already
    acted on is not acted on again (the session does the same, by ``utterance``). Keeps the
    last ``KEEP_IDS`` pairs it has seen."""

    KEEP_IDS = 256

    def __init__(self) -> None:
        self._seen: list[tuple[int, Command]] = []

    def __call__(self, d: Detection) -> bool:
        if d.rejected:
            return False   # not a command: it undoes what its guess did
        if d.utterance is None:
            return True
        key = (d.utterance, d.command)
        if key in self._seen:
            return False
        self._seen = [*self._seen[-self.KEEP_IDS:], key]
        return True


def acted(found: list[Detection]) -> list[Detection]:
    """The detections of ``found`` that a session acts on (see :class:`Acted`)."""
    keep = Acted()
    return [d for d in found if keep(d)]
