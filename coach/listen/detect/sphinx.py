"""The embedded default recogniser: pocketsphinx with the English model its wheel carries.

How it rejects everything that is not a command, in three layers:

1. **Voice-activity gating.** pocketsphinx's WebRTC VAD and :class:`coach.listen.detect.gate.SpeechGate`
   cut the stream into utterances, without holding audio back. Silence never reaches the search,
   and each utterance starts afresh, so the language model sees "<s> harder </s>" for a command
   said on its own. Under steady noise the gate stays open; utterances then end where the search
   itself hears a pause. WebRTC noise suppression (:mod:`coach.listen.capture.denoise`) runs before this.
2. **Competition with ordinary English** (:mod:`coach.listen.detect.sphinx_lm`). The search runs over
   20,000 common words with their real frequencies and bigram context. The command words are
   boosted, most of all as a phrase of their own. "the stock went up" is decoded as itself, not
   as "stop".
3. **A command must be a phrase of its own.** A command found in the hypothesis counts only if
   the other words in its phrase are polite fillers ("a little harder please", "okay next") or
   the short function words the search puts on breaths ("the", "it"). Phrases are split at
   pauses of at least ``gap`` seconds. "nice and soft" heard as "nice and stop" is rejected:
   "and" before a command joins it to the word before, so both are stray words there (after a
   command, "stop and rest", "and" is polite). Counting it so took the benchmark's false accepts
   from 58 to 48 with the same commands heard (2026-11-22, every condition).
   A command said twice running ("stop stop") counts whatever stands around it: ordinary speech
   hardly ever repeats a word, and the tail of the coach's own voice often runs into the user's.
   Everyday words in the vocabulary ("time", "again", "back", "less", "help", "wait", "enough",
   "halt") are not heard alone (see ``UNHEARD``); their longer phrases are.

The cepstral mean (pocketsphinx's live CMN) adapts to the voice, the microphone and the room, but
starts from a fixed guess and moves slowly. When an utterance's own mean is far from the one the
search used (the first utterance of a stream, or the level changed), the utterance is decoded
again with its own mean, as the model was trained (batch CMN), and that mean is carried on. This
costs one more decode of that utterance (about 0.1 s of CPU per second of speech); in noise it
was worth 10-25 points of accuracy on the benchmark with fewer wrong commands. The mean is checked
when a pause begins, so that the second decoding runs while the gate waits out its hangover and a
command is out as soon as its utterance ends (this cut the benchmark's latency in clean speech by
about 120 ms). ``reset`` goes back to the model's own mean and starts a new VAD (WebRTC's adapts
to what it hears), so files give the same results in any order.

What was measured and dropped (see README, Benchmarks): keyword spotting (``kws``) at every
threshold from 1e-5 to 1e-50; a closed grammar, which maps all speech to commands; commands
against 3,000 uniformly weighted filler words (75% accuracy but 850 false accepts an hour); and
the unmodified trigram model with command words added (no false accepts but 44-65% accuracy and
twice the CPU). On 2026-11-22 (README, Benchmarks): word posteriors from the lattice search
(``bestpath``) as confidence, which trade right commands for false accepts at every threshold;
dropping words much quieter than the loudest of their utterance; and pocketsphinx without its
own noise subtraction.

Commands are decided at the end of the utterance (``hangover`` seconds of non-speech), or, for
the ``early`` commands, once their word is followed by ``settle`` seconds with nothing new.
``confidence`` is 1.0 for a command that is its phrase's only word, and less when filler words
stand next to it. pocketsphinx gives no per-word posterior while the search is
still running.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from coach.commands import ANSWERS, PRIORITY, Command, find_all, phrases, vocabulary
from coach.errors import ModelError
from coach.listen.base import SAMPLE_RATE, Block, Detection
from coach.listen.detect.gate import SpeechGate
from coach.listen.detect.sphinx_lm import POLITE, WEAK, build

FRAME_RATE = 100  # pocketsphinx frames per second
# Words never taken as commands by ear (they stay typeable, and their longer phrases are heard:
# "go back", "say again", "time left", "less pressure", "hold on"). "ow" is too short to tell from
# a grunt; the others are everyday words that, boosted, the search put on unrelated speech ("stop
# stop" was heard as "stop us, help"). The introduction asks people to say "what can I say?".
UNHEARD = frozenset({"ow", "less", "time", "again", "back", "help", "halt", "wait", "enough"})
# The gate open this long (seconds) means steady noise: utterances then end at the search's own pauses.
NOISY_UTTERANCE = 3.0
# pocketsphinx's live cepstral mean weighs its prior as this many frames (CMN_WIN in its cmn.c)
CMN_PRIOR_FRAMES = 500
# an utterance shorter than this (frames) says too little about the channel to re-estimate the mean
MIN_CMN_FRAMES = 20
# the most audio (bytes) handed to pocketsphinx in one call: 0.1 s
DECODE_BYTES = SAMPLE_RATE // 10 * 2
#: Seconds of an utterance judged at a time when telling whether it held the coach's voice alone: a
#: short word of the user's (0.3 s) as loud as the coach's echo leaves the witness canceller about -6 dB of
#: such a piece (0.3 of its 1.3 parts of energy), above the -8 dB of a voice's share (``WITNESS_VOICE_DB``)
ALONE_PIECE = 1.0


@dataclass(frozen=True)
class SphinxOptions:
    """Tuning knobs (the defaults are what the benchmark chose on its tuning voices)."""

    boost_any: float = 10.0       # a command word anywhere, relative to the general model
    boost_edge: float = 100.0     # extra for a command word as a phrase of its own
    settle: float = 0.15          # seconds after a command word with nothing new before it is emitted
    gap: float = 0.3              # a pause this long splits phrases
    vad_mode: int = 2             # WebRTC VAD aggressiveness, 0-3
    vad_frame: float = 0.03       # seconds per VAD frame: 0.01, 0.02 or 0.03
    hangover: float = 0.15        # an utterance ends after this much non-speech (0.1 split more phrases)
    max_utterance: float = 12.0   # restart the search after this much audio in one utterance
    recmn: float = 4.0            # decode an utterance again when its level (c0) is this far from the mean used
    recmn_early: bool = True      # check the mean at every pause too, so the second decoding is done by the end
    early: str = ""               # commands (comma-separated) emitted before their utterance ends
    maxhmmpf: int = 4000          # at most this many active HMMs per frame (pocketsphinx: 30000); 2000 missed words


def model_dir() -> str:
    """Where the pocketsphinx wheel keeps its English model."""
    try:
        from pocketsphinx import get_model_path
    except ImportError as e:  # pragma: no cover - a dependency
        raise ModelError("pocketsphinx is not installed", "pip install pocketsphinx (or run `make run`)") from e
    return os.path.join(str(get_model_path()), "en-us")


#: Polite words that join a command to the word before it rather than lead up to it.
LINKS = frozenset({"and"})


def spot(words: list[tuple[str, int, int]], language: str, gap_frames: int, strays: int = 1,
         ) -> list[tuple[Command, str, int, int, float]]:
    """Commands said as a phrase of their own in a word sequence (word, start frame, end frame).

    A phrase is a run of words with no pause of ``gap_frames`` or more. It counts when it holds a
    command and, apart from polite and weak words, at most ``strays`` other words (a word the
    search put on a breath or a click, "softer mouth"), in a phrase of at most four words.
    One command per phrase: "stop" first, then pain, then the one said last.
    Returns (command, phrase, start frame, end frame of the command, confidence).
    """
    runs: list[list[tuple[str, int, int]]] = []
    for w in words:
        if runs and w[1] - runs[-1][-1][2] < gap_frames:
            runs[-1].append(w)
        else:
            runs.append([w])
    out: list[tuple[Command, str, int, int, float]] = []
    for run in runs:
        text = " ".join(w for w, _, _ in run)
        hits = [h for h in find_all(text, language) if h[3] not in UNHEARD]
        if not hits:
            continue
        rest = text
        for s, e, _c, _p in reversed(hits):
            rest = rest[:s] + " " + rest[e:]
        others = rest.split()
        # "and" before the command joins it to the word before ("nice and soft", heard as "nice and
        # softer"): running speech, so there it is a stray word; after it ("stop and rest") it is polite
        lead = len(text[:hits[0][0]].split())
        stray = [x for i, x in enumerate(others)
                 if x not in WEAK and (x not in POLITE or (x in LINKS and i < lead))]
        if len(stray) > strays or len(run) > 4:
            # a command said twice running ("stop stop") is not ordinary speech, whatever stands around it
            # (the tail of the coach's own voice, a word the search put on a breath)
            twice = [h for a, h in pairwise(hits) if a[3] == h[3] and text[a[1]:h[0]] == " "]
            if not twice:
                continue
            hits = twice
        s, e, command, phrase = min(enumerate(hits), key=lambda ih: (PRIORITY.get(ih[1][2], 2), -ih[0]))[1]
        spans = []
        pos = 0
        for word, ws, we in run:
            if pos >= s and pos + len(word) <= e:
                spans.append((ws, we))
            pos += len(word) + 1
        confidence = round(1.0 / (1.0 + 0.1 * len(others) + 0.4 * len(stray)), 3)
        out.append((command, phrase, spans[0][0], spans[-1][1], confidence))
    return out


class SphinxRecognizer:
    """Implements :class:`coach.listen.base.Recognizer` with pocketsphinx (English only)."""

    name = "pocketsphinx"

    def __init__(self, language: str = "en", options: SphinxOptions | None = None,
                 model: str | None = None, on_build: Callable[[str], None] | None = None) -> None:
        if language != "en":
            raise ModelError(f"pocketsphinx has only an English model, not '{language}'",
                             "use --language en, or --engine vosk with a vosk model for that language")
        self.options = options or SphinxOptions()
        self.language = language
        base = model or model_dir()
        hmm = os.path.join(base, "en-us")
        dict_path = os.path.join(base, "cmudict-en-us.dict")
        general = Path(base) / "en-us.lm.bin"
        if not (os.path.isdir(hmm) and os.path.isfile(dict_path) and general.is_file()):
            raise ModelError(f"the pocketsphinx English model is missing or broken in {base}",
                             "reinstall it: .venv/bin/pip install --force-reinstall pocketsphinx")
        try:
            from pocketsphinx import Config, Decoder, Vad
        except ImportError as e:  # pragma: no cover
            raise ModelError("pocketsphinx is not installed", "pip install pocketsphinx") from e
        # answers ("yes", "no") are left to the general model: boosted, they would be heard in any chat
        answers = {p for c in ANSWERS for p in vocabulary(language)[c]}
        said = [p for p in phrases(language) if p not in UNHEARD and p not in answers]
        lm = build(general, said, self.options.boost_any, self.options.boost_edge, on_build)
        try:
            config: Any = Config(hmm=hmm, dict=dict_path, lm=str(lm), loglevel="FATAL",
                                 fwdflat=False, bestpath=False, samprate=SAMPLE_RATE,
                                 maxhmmpf=self.options.maxhmmpf)
            self._decoder: Any = Decoder(config)
            self._make_vad: Any = partial(Vad, self.options.vad_mode, SAMPLE_RATE, self.options.vad_frame)
            vad = self._make_vad()
        except (RuntimeError, ValueError, OSError) as e:
            raise ModelError(f"pocketsphinx could not load its model from {base}: {e}",
                             "reinstall it: .venv/bin/pip install --force-reinstall pocketsphinx") from e
        # the cepstral mean adapts to the voice, the microphone and the room; a new stream starts afresh
        self._cmn0: str = str(self._decoder.get_cmn(False))
        self._frame_bytes: int = int(vad.frame_bytes)
        frame_s = float(vad.frame_length)
        self._frame_s = frame_s
        self._gate = self._new_gate(vad)
        self._pause = max(1, round(0.03 / frame_s))  # quiet frames that make a pause
        self._early = frozenset(c for c in self.options.early.split(",") if c)
        self._pending = b""
        self._samples = 0        # audio consumed since reset
        self._utt_frames = 0     # pocketsphinx frames fed in the current utterance
        self._emitted: set[int] = set()  # start frames (in the utterance) of commands already emitted
        self._in_utt = False
        self._utt_start = 0      # stream sample where the current utterance begins
        self._last_word_end = 0  # frame (in the utterance) where the last word heard so far ends
        #: tells whether nothing but the coach's voice was in the room between two moments (seconds on
        #: this recogniser's clock): such an utterance is not decoded a second time, since the
        #: listening policy drops whatever words it holds (set by the pipeline that measures the echo)
        self.coach_alone: Callable[[float, float], bool] | None = None
        self.undone = 0.0        # seconds of audio not decoded again as the coach's voice alone

    # -- Recognizer -------------------------------------------------------------------------
    def accept(self, block: Block) -> list[Detection]:
        data = np.ascontiguousarray(block, dtype=np.int16).tobytes()
        self._pending += data
        self._samples += len(data) // 2
        out: list[Detection] = []
        fb = self._frame_bytes
        while len(self._pending) >= fb:
            frame, self._pending = self._pending[:fb], self._pending[fb:]
            for event in self._gate.push(frame):
                if event.kind == "start":
                    self._start(self._position() - len(event.audio) // 2)
                    self._feed(event.audio)
                elif event.kind == "audio" and self._in_utt:
                    self._feed(event.audio)
                    if self._gate.quiet == 0:
                        self._spoken = True     # speech since the mean was last checked
                    elif self._gate.quiet == self._pause and self.options.recmn_early:
                        self._recmn(self._own_mean())  # a pause: check the mean now, while the hangover runs
                        self._spoken = False
                elif event.kind == "end" and self._in_utt:
                    out += self._end()
            noisy = self._utt_frames >= NOISY_UTTERANCE * FRAME_RATE
            # the partial hypothesis matters only for early commands and in steady noise: ask for it then
            if self._in_utt and self._gate.in_speech and (self._early or noisy):
                out += self._scan(final=False)
                quiet = self._utt_frames - self._last_word_end
                # steady noise keeps the gate open: end the utterance where the search itself hears a pause
                if (noisy and self._last_word_end and quiet >= self.options.hangover * FRAME_RATE) or (
                        self._utt_frames >= self.options.max_utterance * FRAME_RATE):
                    out += self._end()
                    self._start(self._position())
        return out

    def reset(self) -> None:
        if self._in_utt:
            self._decoder.end_utt()
            self._in_utt = False
        self._decoder.set_cmn(self._cmn0)
        self._gate = self._new_gate()   # WebRTC's VAD adapts to what it hears, and has no reset of its own
        self._pending = b""
        self._samples = 0

    def flush(self) -> list[Detection]:
        """End of input (a file): end the utterance in progress and report what it held."""
        self._gate.reset()
        self._pending = b""
        return self._end() if self._in_utt else []

    # -- internals --------------------------------------------------------------------------
    def _new_gate(self, vad: Any = None) -> SpeechGate:
        """A new gate with ``vad``, or a new VAD. An utterance starts when 90 ms of the last 150 ms
        are speech; it takes the 300 ms of audio before that with it."""
        frame_s = self._frame_s
        vad = vad if vad is not None else self._make_vad()
        return SpeechGate(vad.is_speech, onset=max(1, round(0.09 / frame_s)),
                          onset_window=max(1, round(0.15 / frame_s)),
                          hangover=max(1, round(self.options.hangover / frame_s)),
                          preroll=max(1, round(0.3 / frame_s)))

    def _position(self) -> int:
        """Samples of the stream taken from ``_pending`` so far (to the end of the frame just gated)."""
        return self._samples - len(self._pending) // 2

    def _start(self, at: int) -> None:
        """Begin an utterance whose first sample is sample ``at`` of the stream."""
        self._utt_start = at
        if self._in_utt:
            self._decoder.end_utt()
        self._decoder.set_cmn(self._decoder.get_cmn(False))  # the prior weighs CMN_PRIOR_FRAMES again
        self._decoder.start_utt()
        self._audio: list[bytes] = []
        self._in_utt = True
        self._utt_frames = 0
        self._last_word_end = 0
        self._emitted = set()
        self._redone = False     # the utterance was decoded again with its own mean
        self._spoken = True      # speech came since the mean was last checked
        self._prior = self._mean()   # the mean the search normalises with
        self._given = self._prior    # the mean carried on from before the utterance
        self._tally()

    def _mean(self, update: bool = False) -> Any:
        """The cepstral mean pocketsphinx normalises with (``update``: see :meth:`_own_mean`)."""
        return np.array([float(v) for v in str(self._decoder.get_cmn(update)).split(",")])

    def _set_mean(self, mean: Any) -> None:
        self._decoder.set_cmn(",".join(f"{v:.3f}" for v in mean))

    def _tally(self) -> None:
        """Start counting the utterance's frames afresh (their sum and number)."""
        self._sum: Any = np.zeros_like(self._prior)
        self._n = 0

    def _feed(self, speech: bytes) -> None:
        self._audio.append(speech)
        self._decode(speech)
        self._utt_frames += (len(speech) // 2) * FRAME_RATE // SAMPLE_RATE

    def _decode(self, speech: bytes) -> None:
        """Search ``speech`` in pieces of at most 0.1 s. pocketsphinx holds the GIL for as long as one
        call runs (0.6 s for 8 s of speech), and the audio callback, which needs it too, would
        starve: underruns, a shifted echo path, and a "stop" that cannot cut the speaker off."""
        for i in range(0, len(speech), DECODE_BYTES):
            self._decoder.process_raw(speech[i:i + DECODE_BYTES], False, False)
            time.sleep(0)   # let a waiting thread (the audio callback) have the GIL

    def _own_mean(self) -> Any | None:
        """This utterance's own cepstral mean so far, or None for too few frames.

        pocketsphinx's ``get_cmn(True)`` gives the prior (``self._prior``, weighed as
        ``CMN_PRIOR_FRAMES``) mixed with the frames since the mean was last set, and switches to that
        mixed mean. The prior is set again at once (the search goes on as before), and the frames'
        sum is kept here."""
        n = int(self._decoder.n_frames()) - self._n
        mixed = self._mean(update=True)
        self._set_mean(self._prior)
        self._sum = self._sum + (CMN_PRIOR_FRAMES + n) * mixed - CMN_PRIOR_FRAMES * self._prior
        self._n += n
        if self._n < MIN_CMN_FRAMES:
            return None
        own = self._sum / self._n
        return own if np.all(np.isfinite(own)) else None

    def _recmn(self, own: Any | None) -> None:
        """Decode the utterance (so far) again when the mean it needs is not the one the search used.

        It needs its own mean ``own`` when that is far from the mean carried on from before (the
        level or the channel changed, or this is a new stream), and the carried-on mean otherwise.
        Checked when a pause begins, so that a command's second decoding is done while the gate
        waits out its hangover, not after it; and at the end of the utterance if speech came after
        the last check. An early check that went one way and a later one the other (the mean of part
        of an utterance is not the mean of all of it) ends as the check at the end would have alone.
        """
        if own is None:
            return
        limit = self.options.recmn
        if abs(own[0] - self._given[0]) > limit:
            if self._redone and abs(own[0] - self._prior[0]) <= limit:
                return      # already decoded with a mean close enough to its own
            mean = own
        elif self._redone:
            mean = self._given
        else:
            return
        if self._coach_alone_so_far():
            # a later check, with more in it, decides again
            self.undone += self._utt_frames / FRAME_RATE
            return
        d = self._decoder
        d.end_utt()
        self._set_mean(mean)
        self._prior = mean
        self._tally()
        self._redone = mean is own
        d.start_utt()
        # not full_utt=True: with live CMN, pocketsphinx 5 then crashes in the next utterance
        for data in self._audio:
            self._decode(data)

    def _coach_alone_so_far(self) -> bool:
        """Whether every second of the utterance so far held the coach's voice alone (``coach_alone``):
        then its words need no second decoding. Second by second, so that a word of the user's inside a
        long stretch of the coach's voice is not outweighed by it. (Decoding the coach's voice a second
        time took a tenth of a core in an interactive session: bench talk seed 11, 2026-12-07.)"""
        if self.coach_alone is None:
            return False
        start = self._utt_start / SAMPLE_RATE
        end = start + self._utt_frames / FRAME_RATE
        cuts = [start + i * ALONE_PIECE for i in range(max(1, int((end - start) / ALONE_PIECE)))] + [end]
        return all(self.coach_alone(a, b) for a, b in pairwise(cuts))

    def _end(self) -> list[Detection]:
        own = self._own_mean()
        if self._spoken:
            self._recmn(own)
            if self._redone:
                own = self._own_mean()
        self._decoder.end_utt()
        if self._redone and own is not None:
            self._set_mean(own)   # decoded as the model was trained (batch CMN): carry its own mean on
        elif self._n:
            # as pocketsphinx's live CMN would: the prior mixed with the utterance
            self._set_mean((CMN_PRIOR_FRAMES * self._prior + self._sum) / (CMN_PRIOR_FRAMES + self._n))
        out = self._scan(final=True)
        self._in_utt = False
        return out

    def _scan(self, final: bool) -> list[Detection]:
        hyp = self._decoder.hyp()
        if hyp is None or not hyp.hypstr.strip():
            return []
        words: list[tuple[str, int, int]] = []
        for seg in self._decoder.seg():
            word = seg.word.lower()
            if word.startswith(("<", "[", "+")):
                continue
            words.append((word.split("(")[0], int(seg.start_frame), int(seg.end_frame)))
        now = self._utt_frames
        if words:
            self._last_word_end = words[-1][2]
        settle = int(self.options.settle * FRAME_RATE)
        out: list[Detection] = []
        for command, phrase, start, end, confidence in spot(words, self.language, int(self.options.gap * FRAME_RATE)):
            if start in self._emitted or (not final and (now - end < settle or command.value not in self._early)):
                continue
            self._emitted.add(start)
            t0 = self._utt_start / SAMPLE_RATE
            out.append(Detection(command, phrase, confidence, round(self._samples / SAMPLE_RATE, 3),
                                 round(t0 + start / FRAME_RATE, 3), round(t0 + (end + 1) / FRAME_RATE, 3)))
        return out
