"""Two stages: a fast spotter proposes, Whisper decides.

The first stage (pocketsphinx's keyword spotter) hears "stop" and pain words within a few hundred
milliseconds of the end of speech; those guesses go out at once, marked unconfirmed, because what
they do (pause, ease off) is safe and can be undone. Every other command of the first stage is
dropped. The second stage (:class:`coach.listen.judge.whisper.WhisperRecognizer` in practice) judges every
utterance whole and gives the commands that count, confirmed. When it confirms a guess already
sent, its detection carries the guess's ``utterance`` number, so that the session does not act
twice. When it judges the words of a guess to be something else or nothing (or its gate never
heard speech there), a ``rejected`` detection with the guess's number says so, and the session
undoes a pause that the guess alone caused.

In a live session (:meth:`TwoStage.start`) the second stage works in a thread of its own: a
judgement takes a few hundred milliseconds, and the first stage's guesses must not wait for it (in
one thread, the stop that Whisper began to judge before the spotter's guess came out waited for
the judgement). The blocks it has yet to take wait in a queue; when it falls more than ``BEHIND``
seconds behind, it skips to the newest audio, and a guess whose words it skipped stands.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

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
#: In the background, when more than this much audio (seconds) waits for the second stage, it skips
#: to the newest ``CATCH_UP`` seconds (the machine is too busy for it to keep up)
BEHIND = 6.0
CATCH_UP = 0.5

Span = tuple[float, float, Command | None]
#: a guess or a judgement sent up: (utterance number, command, start, end)
Sent = tuple[int, Command, float, float]
_RESET, _FLUSH, _END = "reset", "flush", "end"


class TwoStage:
    """Implements :class:`coach.listen.base.Recognizer` from a fast first stage and a judging second."""

    def __init__(self, first: Recognizer, second: Recognizer) -> None:
        self.first = first
        self.second = second
        self.name = f"{first.name} + {second.name}"
        self._ids = 0
        self._guesses: list[Sent] = []   # (id, command, start, end)
        #: recent judgements sent up, (id, command, start, end): a guess may come after them
        self._judgements: list[Sent] = []
        #: recent guesses the second stage rejected: a later judgement of the same command over
        #: the same words is theirs (the session may have kept what the guess did)
        self._rejected: list[Sent] = []
        self._backlog: list[Block] = []   # blocks the second stage has yet to take
        self._clock = 0.0                 # seconds of audio the first stage took
        self._second_clock = 0.0          # ... and the second (in one thread)
        # in the background (start): the second stage's thread, the blocks and orders waiting for
        # it, each with the generation it belongs to (a reset begins a new one), and what it found
        self._thread: threading.Thread | None = None
        self._inbox: queue.Queue[tuple[int, Block | str]] = queue.Queue()
        self._outbox: queue.Queue[tuple[int, list[Detection], list[Span], float, float]] = queue.Queue()
        self._generation = 0
        self._flushed = threading.Event()
        self.skipped = 0.0   # seconds of audio the second stage skipped to catch up (in the background)
        self.errors = 0      # blocks the second stage failed on (in the background)

    def start(self) -> TwoStage:
        """Run the second stage in a thread of its own from now on (a live session); idempotent."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="coach-judge", daemon=True)
            self._thread.start()
        return self

    def close(self, timeout: float = 5.0) -> None:
        """End the second stage's thread (after what it is judging now)."""
        if self._thread is not None:
            self._inbox.put((self._generation, _END))
            self._thread.join(timeout)
            self._thread = None

    def accept(self, block: Block) -> list[Detection]:
        return self.accept_pair(block, block)

    def accept_pair(self, denoised: Block, raw: Block) -> list[Detection]:
        """One block, with noise suppression for the spotter and without it for Whisper (which
        heard white noise at 20 dB worse through WebRTC's suppression: 15 of 36 commands against 21).

        A guess goes out before the second stage takes the block (it may spend a few hundred
        milliseconds judging an utterance that ends there): in one thread the block waits for the
        next call; in the background it goes to the second stage's queue, and what that stage
        has judged since the last call comes back with the guesses."""
        self._clock += len(raw) / SAMPLE_RATE
        out = self._guess(self.first.accept(denoised))
        if self._thread is not None:
            self._inbox.put((self._generation, raw))
            return out + self._collect()
        self._backlog.append(raw)
        return out if out else self._drain()

    def _drain(self) -> list[Detection]:
        """The second stage takes the blocks waiting for it; what it judged."""
        blocks, self._backlog = self._backlog, []
        out = []
        for b in blocks:
            found = self.second.accept(b)
            self._second_clock += len(b) / SAMPLE_RATE
            out += self._judged(found, self._spans(), self._second_clock)
        return out

    def _spans(self) -> list[Span]:
        """What the second stage judged since this was last asked (WhisperRecognizer tells it)."""
        spans: list[Span] = getattr(self.second, "judged", [])
        taken = list(spans)
        spans.clear()
        return taken

    def reset(self) -> None:
        self.first.reset()
        if self._thread is not None:
            self._generation += 1   # what the second stage still holds or finds of before is dropped
            self._inbox.put((self._generation, _RESET))
        else:
            self.second.reset()
        self._guesses.clear()
        self._judgements.clear()
        self._rejected.clear()
        self._backlog.clear()
        self._clock = self._second_clock = 0.0

    def flush(self) -> list[Detection]:
        flush = getattr(self.first, "flush", None)
        out = self._guess(list(flush())) if callable(flush) else []
        if self._thread is not None:
            self._flushed.clear()
            self._inbox.put((self._generation, _FLUSH))   # it judges all before, then what it holds
            self._flushed.wait(60.0)
            out += self._collect()
        else:
            out += self._drain()
            flush = getattr(self.second, "flush", None)
            out += self._judged(list(flush()), self._spans(), self._second_clock) if callable(flush) else []
        return out + [self._reject(g, "not judged") for g in list(self._guesses)]   # the input ended

    def _collect(self) -> list[Detection]:
        """What the second stage's thread judged since the last call (of this generation)."""
        out: list[Detection] = []
        while True:
            try:
                generation, found, spans, clock, skipped_to = self._outbox.get_nowait()
            except queue.Empty:
                return out
            if generation != self._generation:
                continue
            if skipped_to > 0.0:
                # it skipped these words: a guess of them stands, neither confirmed nor rejected
                self._guesses = [g for g in self._guesses if g[3] > skipped_to]
            out += self._judged(found, spans, clock)

    def _work(self) -> None:
        """The second stage's thread: takes blocks and orders from the inbox in turn."""
        clock = 0.0   # seconds of audio the second stage took (or skipped) in this generation
        skip = 0      # blocks still to skip to catch up
        while True:
            generation, item = self._inbox.get()
            if isinstance(item, str):
                if item == _END:
                    return
                if item == _RESET:
                    clock, skip = 0.0, 0
                    self._safely(self.second.reset)
                elif item == _FLUSH:
                    flush = getattr(self.second, "flush", None)
                    found = self._safely(flush) if callable(flush) else []
                    self._outbox.put((generation, list(found or []), self._spans(), clock, 0.0))
                    self._flushed.set()
                continue
            if generation != self._generation:
                continue   # from before a reset
            seconds = len(item) / SAMPLE_RATE
            if skip == 0 and self._inbox.qsize() * seconds > BEHIND:
                skip = self._inbox.qsize() - int(CATCH_UP / seconds)
                log.warning("judging fell behind (the machine is busy): skipped %.1f s of audio to catch up",
                            skip * seconds)
            if skip > 0:
                skip -= 1
                clock += seconds
                self.skipped += seconds
                if skip == 0:   # the utterance under way lost its middle: it starts afresh from here
                    self._skip_to(clock)
                    self._outbox.put((generation, [], self._spans(), clock, clock))
                continue
            found = self._safely(partial(self.second.accept, item))
            clock += seconds
            self._outbox.put((generation, list(found or []), self._spans(), clock, 0.0))

    def _skip_to(self, clock: float) -> None:
        """The second stage starts afresh at ``clock`` (seconds) after skipping: a stage that can keep
        its clock running (WhisperRecognizer's ``skip_to``) does; another is reset."""
        skip_to = getattr(self.second, "skip_to", None)
        self._safely(lambda: skip_to(clock) if callable(skip_to) else self.second.reset())

    def _safely(self, call: Callable[[], Any]) -> Any:
        """``call()`` in the second stage's thread: a failure is logged and the stage reset, never fatal."""
        try:
            return call()
        except Exception:
            self.errors += 1
            log.exception("the second stage failed; resetting it")
            try:
                self.second.reset()
            except Exception:
                log.exception("the second stage's reset failed")
            return None

    def _reject(self, guess: Sent, why: str, transcript: str | None = None) -> Detection:
        """The second stage did not confirm ``guess``: a detection that says so (with what the second
        stage wrote down of the words, where it judged them another command)."""
        self._guesses.remove(guess)
        self._rejected.append(guess)
        ident, command, start, end = guess
        log.info("first-stage %s (utterance %d) not confirmed: %s", command.value, ident, why)
        return Detection(command, why, 0.0, self._clock, start, end, confirmed=True, utterance=ident, rejected=True,
                         transcript=transcript)

    def _guess(self, found: list[Detection]) -> list[Detection]:
        out = []
        for d in found:
            if d.command not in FAST:
                continue
            start, end = _span(d)
            judged = [j for j in self._judgements if j[1] is d.command and _near(j, start, end)]
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

    def _judged(self, found: list[Detection], spans: list[Span], clock: float) -> list[Detection]:
        """The second stage's detections ``found`` and judgements ``spans``, having taken ``clock``
        seconds of audio: confirmations and rejections of the guesses."""
        out = []
        confirmed = {(d.command, d.start, d.end) for d in found}
        # only guesses of words it has heard (in the background, the first stage runs ahead of it)
        heard = [g for g in self._guesses if g[3] <= clock]
        for start, end, command in spans:
            for g in [g for g in heard if g in self._guesses and _near(g, start, end)]:
                if command is not g[1] and (g[1], start, end) not in confirmed:
                    written = next((d.transcript for d in found if d.command is command and command is not None
                                    and (d.start, d.end) == (start, end)), None)
                    out.append(self._reject(g, f"judged {command.value if command else 'nothing'}", written))
        for g in [g for g in self._guesses if g[3] < clock - UNJUDGED]:
            out.append(self._reject(g, "not judged"))
        for d in found:
            start, end = _span(d)
            same = [g for g in self._guesses
                    if g[1] is d.command and _near(g, start, end) and g[3] <= clock]
            again = [g for g in self._rejected if g[1] is d.command and _near(g, start, end)]
            if same:
                self._guesses.remove(same[0])
                ident = same[0][0]
            elif again:
                # the words of a guess it rejected, judged again over a longer utterance and found
                # to be the guess's command after all (barge-in, 2026-12-04: a user's one "ouch"
                # over the coach, its guess judged nothing, then the utterance running on judged
                # "ouch": as a new number it was a second pain word, and the coach asked whether
                # to end): the same number, so that the session does not act twice
                self._rejected.remove(again[0])
                ident = again[0][0]
            else:
                self._ids += 1
                ident = self._ids
            out.append(replace(d, confirmed=True, utterance=ident))
            self._judgements.append((ident, d.command, start, end))
        self._judgements = [j for j in self._judgements if j[3] > clock - JUDGED_KEPT]
        self._rejected = [g for g in self._rejected if g[3] > clock - JUDGED_KEPT]
        return out


def _near(sent: Sent, start: float, end: float) -> bool:
    """Whether ``sent``'s words lie within ``SLACK`` of ``start``-``end``: the same words."""
    return sent[2] < end + SLACK and sent[3] > start - SLACK


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
