"""The real :class:`coach.speech.base.Speaker`: synth (cache, render-ahead) + player.

``say`` never blocks: it appends to an ordered feed. A feeder thread waits for each utterance's
render (instant when ``prepare`` rendered it ahead) and hands it to the player, so utterances play
in the order they were said even when a later one was cached and an earlier one was not.
``stop`` silences the player within one block and drops everything not yet played, reporting each
dropped utterance ``done(id, interrupted=True)``. ``underruns`` counts the player's output
underruns (stutters in the voice); closing logs the count once, "output underruns: N".
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from typing import TextIO

from coach import interrupts
from coach.speech.base import DoneCallback, Earcon, Played, Synthesizer
from coach.speech.earcons import earcon_pcm
from coach.speech.player import CaptureSink, ErrorCallback, Pcm, Player
from coach.speech.wordtimes import WordTime, WordTimer

log = logging.getLogger(__name__)


class AudioSpeaker:
    """Speaks through :class:`Player`. Build it with :func:`build_speaker` or pass parts in."""

    def __init__(self, done: DoneCallback, synth: Synthesizer,
                 player_factory: Callable[[DoneCallback], Player], *, word_times: bool = False) -> None:
        """``word_times``: align each line's words to its sound as it plays (for a listener's own-words
        check; not worth its processor time where nothing listens: `coach say`)."""
        self._done = done
        self.synth = synth
        self.player = player_factory(self._player_done)
        self._feed: deque[tuple[int, int, str, Future[Pcm]]] = deque()   # (generation, id, text, render)
        self._gen = 0
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._closed = False
        self.word_timer = WordTimer() if word_times else None
        self._times: dict[int, tuple[WordTime, ...] | None] = {}   # utterance id -> its words' times
        self._feeder = threading.Thread(target=self._run, name="coach-speaker", daemon=True)
        self._feeder.start()

    # -- Speaker protocol ---------------------------------------------------------------------
    def say(self, utterance_id: int, text: str) -> None:
        fut = self.synth.render_async(text)
        with self._wake:
            self._feed.append((self._gen, utterance_id, text, fut))
            self._wake.notify()

    def prepare(self, text: str) -> None:
        self.synth.prepare(text)

    def tone(self, earcon: Earcon) -> None:
        self.player.tone(earcon_pcm(earcon))

    def stop(self) -> None:
        with self._wake:   # under the feeder's lock, so nothing it hands over slips past the stop
            self.player.stop()
            self._gen += 1
            dropped = list(self._feed)
            self._feed.clear()
        for _, uid, _, _ in dropped:
            self._report(uid, True)

    def duck(self, on: bool) -> None:
        self.player.duck(on)

    def played(self) -> list[Played]:
        """The last few lines sent out, oldest first, and when each reached the loudspeaker, with
        when each of their words is said where known: what the listener may hear coming back as echo
        (optional Speaker method)."""
        with self._lock:
            times = dict(self._times)
        return [replace(p, words=times.get(p.id)) for p in self.player.played()]

    def phones(self, text: str) -> tuple[str, ...] | None:
        """How the pronouncing dictionary says ``text`` (optional Speaker method: the loop's
        sounds-alike check of a guess against the coach's own words); None where not known."""
        return None if self.word_timer is None else self.word_timer.phones(text)

    def set_rate(self, wpm: int) -> None:
        self.synth.set_rate(wpm)

    @property
    def underruns(self) -> int:
        """Output underruns since the speaker opened: each a stutter in the voice (and a jump in the
        echo's delay for the canceller)."""
        return self.player.underruns

    def use_synth(self, synth: Synthesizer) -> None:
        """Render what is said from now on with ``synth`` (another voice on the same stream: the menu
        speaks in the default voice, the routine it starts in its own)."""
        with self._lock:
            self.synth = synth

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        self.stop()
        self.player.close()
        self._feeder.join(timeout=2)
        log.info("output underruns: %d", self.player.underruns)

    # -- helpers ---------------------------------------------------------------------------------
    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until everything said has been played (for `coach say` and tests)."""
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                queued = bool(self._feed) or self._in_hand
            if not queued and not self.player.busy():
                return True
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.01)

    _in_hand = False

    def _report(self, uid: int, interrupted: bool) -> None:
        with contextlib.suppress(Exception):
            self._done(uid, interrupted)

    def _player_done(self, uid: int, interrupted: bool) -> None:
        self._report(uid, interrupted)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._feed and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                gen, uid, text, fut = self._feed[0]
                synth = self.synth
                self._in_hand = True
            if not fut.done():
                synth.hurry(text)   # the next line to play goes before lines rendered ahead or dropped
            try:
                pcm = interrupts.wait(fut, 60)   # (time suspended, Ctrl-Z, not counted)
                error = False
            except Exception:
                error = True
            with self._wake:
                current = bool(self._feed) and self._feed[0][1] == uid and self._feed[0][0] == gen
                if current:
                    self._feed.popleft()
                    if not error:
                        self.player.play(uid, pcm)
                self._in_hand = False
            if current and not error and self.word_timer is not None:
                # while it plays: when each of its words is said, for the listening policy
                times = self.word_timer.times(text, pcm)
                with self._lock:
                    self._times[uid] = times
                    for old in [k for k in self._times if abs(k - uid) > 64]:
                        del self._times[old]
            if current and error:
                self._report(uid, True)   # could not render: report it so the session moves on


def build_speaker(done: DoneCallback, synth: Synthesizer, *, device: int | str | None = None,
                  on_error: ErrorCallback | None = None, input_device: int | str | None = None,
                  capture: CaptureSink | None = None, on_warning: Callable[[str], None] | None = None,
                  ) -> AudioSpeaker:
    """An :class:`AudioSpeaker` on a real stream. Raises AudioDeviceError if it cannot open."""

    def factory(player_done: DoneCallback) -> Player:
        return Player(player_done, device=device, on_error=on_error, input_device=input_device, capture=capture,
                      on_warning=on_warning)

    return AudioSpeaker(done, synth, factory, word_times=capture is not None)   # words timed where it is heard


def open_speaker(*, voice: str | None, rate: int, output_device: str | int | None, input_device: str | int | None,
                 done: DoneCallback, warn: TextIO, on_error: ErrorCallback | None = None, listen: bool = True,
                 ) -> tuple[AudioSpeaker, queue.Queue[tuple[Pcm, Pcm]]]:
    """The live speaker for a session, on an output and an input stream, and the queue of ``(mic, played)`` blocks
    (int16 mono 16 kHz, same length) for the listener and its echo canceller.

    ``voice`` is a profile name (None = the default); ``rate`` > 0 overrides its words per minute.
    Devices are names or indices as a user gives them. Raises AudioDeviceError / ConfigError.
    ``listen=False``: the speaker alone (no input stream; the queue stays empty), for a session
    that cannot hear.
    """
    from coach.devices import resolve_input, resolve_output
    from coach.speech.voices import find_profile, make_synth

    def _warn(line: str) -> None:
        with contextlib.suppress(Exception):
            warn.write(line + "\n")
            warn.flush()

    synth = make_synth(find_profile(voice), rate, _warn)
    out_index = resolve_output(output_device)
    in_index = resolve_input(input_device) if listen else None
    capture: queue.Queue[tuple[Pcm, Pcm]] = queue.Queue(maxsize=500)   # 10 s of blocks
    # a stream opened again is logged: on the terminal, and in a session also in its log (coach.app.session)
    speaker = build_speaker(done, synth, device=out_index, on_error=on_error, input_device=in_index,
                            capture=capture if listen else None, on_warning=lambda line: log.warning("%s", line))
    return speaker, capture
