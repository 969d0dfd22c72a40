"""When the coach says each word of a line: a forced alignment of the known text to the rendered sound.

The coach knows every sample it plays and the text of every line. pocketsphinx (whose wheel carries
an English acoustic model and dictionary) aligns the line's words to its rendered sound, so the
listening policy can tell the coach's own "stop" coming back from the room (heard where the coach
was saying that very word) from the user's "stop" a moment later (:func:`coach.listen.policy.said_then`).
Without it, where a word falls was estimated from its place in the text.

Cost (2026-12-07, one core, the machine loaded): 76 ms for a 3.6 s line, the sound fed in 100 ms
pieces so that no single call holds Python's GIL for more than about 5 ms (the audio callback needs
it). A line with a word the dictionary lacks gets no times, and the estimate stands for it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from coach.commands import spoken

log = logging.getLogger(__name__)

#: pocketsphinx's frames are 10 ms
FRAME = 0.01
#: the sound is fed in pieces this long (samples at 16 kHz): a call holds the GIL for a few ms only
PIECE = 1600
#: lines longer than this (seconds) are not aligned: the cost grows with them and a line that long
#: is a routine's text read out, not a prompt whose words come back as commands
LONGEST = 30.0


@dataclass(frozen=True)
class WordTime:
    """A word of a line, and when the coach says it (seconds from the line's first sample)."""

    word: str
    start: float
    end: float
    #: how the dictionary says it (ARPAbet phones: "S T AA P"), for the policy's sounds-alike check
    phones: tuple[str, ...] = ()


class WordTimer:
    """Aligns lines to their sound (any thread; one alignment at a time)."""

    def __init__(self, rate: int = 16000) -> None:
        self.rate = rate
        self._decoder: Any = None
        self._failed = False
        self._lock = threading.Lock()

    def times(self, text: str, pcm: npt.NDArray[np.int16]) -> tuple[WordTime, ...] | None:
        """Each word of ``text`` (as :func:`coach.commands.spoken` spells it) with when it is said
        in ``pcm`` (16 kHz mono int16); None when it cannot tell (a word not in the dictionary, a
        line too long, no model)."""
        words = spoken(text)
        if not words or len(pcm) > LONGEST * self.rate or len(pcm) == 0:
            return None
        with self._lock:
            decoder = self._load()
            if decoder is None or any(decoder.lookup_word(w) is None for w in words):
                return None
            try:
                decoder.set_align_text(" ".join(words))
                decoder.start_utt()
                data = np.ascontiguousarray(pcm, dtype=np.int16).tobytes()
                for i in range(0, len(data), PIECE * 2):
                    decoder.process_raw(data[i:i + PIECE * 2], False, False)
                decoder.end_utt()
                segments = [(s.word, s.start_frame, s.end_frame) for s in decoder.seg()]
            except Exception as e:   # an alignment that fails leaves the estimate
                log.debug("no word times for %r: %s", text, e)
                return None
            found = tuple(WordTime(word.split("(")[0], start * FRAME, (end + 1) * FRAME, _phones(decoder, word))
                          for word, start, end in segments if not word.startswith(("<", "[")))
        return found if [w.word for w in found] == words else None

    def phones(self, text: str) -> tuple[str, ...] | None:
        """How the dictionary says ``text`` (its words' phones in a row); None when a word is not in
        it or there is no model."""
        words = spoken(text)
        with self._lock:
            decoder = self._load()
            if decoder is None or not words:
                return None
            said = [decoder.lookup_word(w) for w in words]
        if any(p is None for p in said):
            return None
        return tuple(" ".join(p for p in said if p is not None).split())

    def _load(self) -> Any:
        if self._decoder is None and not self._failed:
            try:
                from pocketsphinx import Decoder

                self._decoder = Decoder(lm=None, samprate=self.rate, loglevel="FATAL")
            except Exception as e:
                self._failed = True
                log.warning("the coach's word times are estimated (pocketsphinx could not align: %s)", e)
        return self._decoder


def _phones(decoder: Any, word: str) -> tuple[str, ...]:
    """A word's phones as aligned (``word`` may name one of its pronunciations: "the(2)")."""
    return tuple((decoder.lookup_word(word) or decoder.lookup_word(word.split("(")[0]) or "").split())
