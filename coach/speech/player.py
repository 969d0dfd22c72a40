"""The player: a sounddevice output stream (and with a microphone, an input stream beside it), 16 kHz
mono int16, 20 ms blocks.

Threads and what they may do:

- The caller (any thread) queues utterances (:meth:`Player.play`), mixes tones (:meth:`Player.tone`),
  requests :meth:`Player.stop` and :meth:`Player.duck`. These only append to deques and bump counters.
- The output callback copies samples from the current utterance (a float32 array; slices are
  views) into ``outdata``, mixes active tones, applies the duck gain, and appends small event
  tuples to a deque (and a :class:`Played` record when a line starts or is cut off). No locks, no
  logging, no waiting. It also hands a copy of each block it played to the input callback (a deque).
- The input callback pairs the microphone's block with as many of the played samples and puts
  the pair into the capture sink. Where the loudspeaker's timeline jumped (by its DAC times: a
  stop's flush, an underrun), it pairs that much less or more of them, so that the echo's delay
  stays where it was.
- The reporter thread turns those events into ``done(utterance_id, interrupted)`` calls, waiting
  until a naturally finished utterance has really left the speaker (its DAC time), and watches the
  stream. If PortAudio ends it, or its callback stops coming, the stream is closed and opened
  again, and playing carries on where it was (``on_warning`` is told). That happens on a busy
  machine: after an underrun, PortAudio's ALSA host API can fail a poll and end the stream while
  the sound server is fine. If the stream cannot be closed (a deadlocked sound server, see
  :mod:`coach.streamguard`) or opened again (the device is gone), or it failed
  ``streamguard.REOPEN_LIMIT`` times within a minute, every pending utterance is reported
  interrupted and ``on_error`` called.

The output stream keeps :data:`LATENCY` (150 ms; PulseAudio reports 180) of sound queued ahead of
the loudspeaker, so that a callback held up by a busy machine does not leave it without sound: an
underrun is a stutter in the coach's voice, and a jump in the echo's delay for the canceller. At
20 ms (PulseAudio reported 40), one session with a core kept busy logged 116 ALSA underruns
(issue 35). Lines played for 40 s on end, twice, on this 2-core machine far busier than the soak
makes it (load average about 20; 2026-12-07): 20 ms underran 24 and 31 times, 150 ms 2 and 4
times, 250 ms once and not at all. A longer queue would delay more what is not queued ahead: a
line said after the one before was heard out, an earcon, a change of the duck gain. (PortAudio's
latency "low" with the ALSA
"pulse" plugin stalls for ~2 s after the first blocks, and "high" gives the same 40 ms as 20 ms: the
figure is asked for explicitly.) The input stream keeps its 20 ms: the microphone's blocks are not
held back.

``stop()`` does not wait for that queue to play out. The next callback plays silence, and the
reporter thread drops what the stream has queued (it aborts the output stream and starts it again,
which PortAudio's ALSA host API does in a few milliseconds) when any of it is sound: the
loudspeaker falls silent within about one block of the request, not 180 ms (a probe: the sink
got 4 to 13 ms of a line after stop(), and 255 ms without the flush). ``underruns`` counts the
times PortAudio flagged the output callback as late (output underflow).
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from coach.errors import AudioDeviceError
from coach.listen.base import SAMPLE_RATE
from coach.speech.base import TONE_ID, Played
from coach.speech.streampair import StreamPair
from coach.streamguard import Heartbeat, Retries, close_stream, failure, reopen

Pcm = npt.NDArray[np.int16]
BLOCK = 320   # 20 ms at 16 kHz
#: seconds of sound the output stream keeps queued ahead of the loudspeaker (see the module's docstring)
LATENCY = 0.15
#: ... and the input stream (the microphone's blocks come as soon as they are there)
INPUT_LATENCY = 0.02
#: seconds the reporter waits for the output stream to abort and start again before leaving it to
#: the stream's watch (a sound server that hangs: see :mod:`coach.streamguard`)
FLUSH_SECONDS = 1.0
DUCK_GAIN = 0.3
PLAYED_KEPT = 8   # lines remembered by Player.played()
#: played samples (beyond one block) kept waiting for the microphone's blocks before the oldest go:
#: the two streams' callbacks take turns, so one or two blocks wait at most unless one was held up
MAX_BACKLOG = 4 * BLOCK

DoneCallback = Callable[[int, bool], None]
ErrorCallback = Callable[[Exception], None]
WarningCallback = Callable[[str], None]


class CaptureSink(Protocol):
    """Where the player with a microphone puts ``(mic_block, played_block)`` pairs (e.g. a queue.Queue)."""

    def put_nowait(self, item: tuple[Pcm, Pcm], /) -> None: ...


FIX = "run `coach devices` to see the devices and pick one with --output-device, or use --text to run without audio"


class Player:
    """Plays utterances in order and tones over them; stops at once; reports real ends.

    ``device``/``input_device`` are PortAudio device indices or names (None = default); resolve
    user input with :mod:`coach.devices` first. With ``capture`` set an input stream runs beside the
    output, and each of its callbacks puts ``(mic_block, played_block)`` (int16, same length: the
    microphone's block and as many samples of what the output played, in order) into it.
    Raises :class:`AudioDeviceError` if the stream cannot be opened.
    """

    def __init__(self, done: DoneCallback, *, device: int | str | None = None,
                 on_error: ErrorCallback | None = None, input_device: int | str | None = None,
                 capture: CaptureSink | None = None, duck_gain: float = DUCK_GAIN,
                 latency: float | str = LATENCY, on_warning: WarningCallback | None = None,
                 input_latency: float | str = INPUT_LATENCY) -> None:
        import sounddevice as sd

        self._sd = sd
        self._done = done
        self._on_error = on_error
        self._on_warning = on_warning
        self._device, self._input_device, self._latency = device, input_device, latency
        self._input_latency = input_latency
        self._retries = Retries()
        self.reopens = 0
        self._duck_gain = duck_gain
        self._capture = capture
        # caller -> callback
        self._queue: deque[tuple[int, int, npt.NDArray[np.float32]]] = deque()   # (gen, id, samples)
        self._tones: deque[tuple[int, npt.NDArray[np.float32]]] = deque()
        self._stop_gen = 0
        self._flushed_gen = 0   # reporter-owned: the last stop whose queued sound it dropped
        self._gain_target = 1.0
        # callback-owned state
        self._seen_gen = 0
        self._current: tuple[int, npt.NDArray[np.float32]] | None = None
        self._pos = 0
        self._active_tones: list[list[Any]] = []   # [samples, pos]
        self._gain = 1.0
        self._mix = np.zeros(BLOCK, dtype=np.float32)
        #: when (on the stream's clock) the last block with sound in it ends at the loudspeaker
        self._sound_until = 0.0
        # callback -> reporter: (id, interrupted, dac_end_time)
        self._events: deque[tuple[int, bool, float]] = deque()
        # callback -> anyone: the lines sent out lately (for telling the coach's own voice)
        self._played: deque[Played] = deque(maxlen=PLAYED_KEPT)
        self._played_tones: deque[Played] = deque(maxlen=PLAYED_KEPT)   # the earcons, likewise
        self._pending: set[int] = set()
        self._pending_lock = threading.Lock()
        # output callback -> input callback: the blocks played, for pairing with the microphone's
        # (and where the loudspeaker's timeline jumped, the samples it jumped by: see _output_callback)
        self._played_blocks: deque[npt.NDArray[np.int16] | int] = deque(maxlen=100)
        self._next_dac: float | None = None       # output-callback-owned: when the next block should play
        self._underflowed = False                 # output-callback-owned: the last callback was flagged late
        self._reference = np.zeros(0, np.int16)   # input-callback-owned: played samples not yet paired
        self._padded = 0   # input-callback-owned: silence paired since the last played block came
        self._skip = 0     # input-callback-owned: samples of the next played blocks that never played
        self._in_heartbeat = Heartbeat()
        self._closed = False
        self._failed = False
        self._wake = threading.Event()
        self._stream_lock = threading.Lock()   # the reporter's flush and close(), never both at once
        self.blocks_played = 0
        self.underruns = 0   # times PortAudio flagged the output callback as late: each a gap in the sound
        self.flushes = 0     # times a stop dropped the sound the output stream had queued
        try:
            self._stream: Any = self._open()
        except (sd.PortAudioError, ValueError) as e:
            which = "input/output" if capture is not None else "output"
            raise AudioDeviceError(f"cannot open the audio {which} device ({device!r}): {e}", FIX) from e
        self._reporter = threading.Thread(target=self._report, name="coach-player", daemon=True)
        self._reporter.start()

    # -- caller side -------------------------------------------------------------------------
    @property
    def output_latency(self) -> float:
        lat = self._stream.latency
        return float(lat[1] if isinstance(lat, tuple) else lat)

    @property
    def failed(self) -> bool:
        return self._failed

    def play(self, utterance_id: int, pcm: Pcm) -> None:
        """Queue ``pcm`` (16 kHz mono int16) after what is queued. Never blocks."""
        with self._pending_lock:
            self._pending.add(utterance_id)
        if self._failed or self._closed:
            self._events.append((utterance_id, True, 0.0))
            self._wake.set()
            return
        self._queue.append((self._stop_gen, utterance_id, np.asarray(pcm, dtype=np.float32)))

    def tone(self, pcm: Pcm) -> None:
        """Mix ``pcm`` over whatever is playing, starting with the next block."""
        self._tones.append((self._stop_gen, np.asarray(pcm, dtype=np.float32)))

    def stop(self) -> None:
        """Silence from the next block on; drop everything queued (reported interrupted), and the
        sound the output stream holds for the loudspeaker (in the reporter thread)."""
        self._stop_gen += 1
        self._wake.set()

    def queued(self) -> float:
        """Seconds of sound the output stream holds that have not reached the loudspeaker yet (as
        PortAudio's DAC times tell): what a stop drops (any thread; 0.0 when it cannot be asked)."""
        output = getattr(self._stream, "output", self._stream)
        try:
            return max(0.0, self._sound_until - float(output.time))
        except Exception:
            return 0.0

    def duck(self, on: bool) -> None:
        self._gain_target = self._duck_gain if on else 1.0

    def played(self) -> list[Played]:
        """The last few lines and earcons sent out, oldest first, with when each reached the
        loudspeaker (any thread): what the listener may hear coming back as echo."""
        return sorted([*self._played, *self._played_tones], key=lambda p: p.started)

    def busy(self) -> bool:
        """True while anything is queued, playing, or not yet reported done."""
        with self._pending_lock:
            return bool(self._pending)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every played utterance was reported done. For `coach say` and tests."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.busy():
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.stop()
        time.sleep(0.05)
        locked = self._stream_lock.acquire(timeout=FLUSH_SECONDS)   # not while a flush restarts it
        try:
            close_stream(self._stream)   # gives up on a deadlocked device rather than hang
        finally:
            if locked:
                self._stream_lock.release()
        self._flush_interrupted()
        self._wake.set()
        self._reporter.join(timeout=2)

    def _open(self) -> Any:
        """A started stream on the player's devices (raises sounddevice.PortAudioError or ValueError):
        an output stream, or with ``capture`` an output and an input stream
        (:class:`~coach.speech.streampair.StreamPair`)."""
        sd = self._sd
        self._heartbeat = Heartbeat()
        output = sd.OutputStream(samplerate=SAMPLE_RATE, blocksize=BLOCK, dtype="int16", channels=1,
                                 device=self._device, latency=self._latency, callback=self._output_callback)
        self._sound_until = 0.0
        self._next_dac = None
        stream: Any = output
        if self._capture is not None:
            self._played_blocks.clear()
            self._reference = np.zeros(0, np.int16)
            self._padded = self._skip = 0
            self._in_heartbeat = Heartbeat()
            try:
                stream = StreamPair(output, self._in_heartbeat, sd.InputStream(
                    samplerate=SAMPLE_RATE, blocksize=BLOCK, dtype="int16", channels=1, device=self._input_device,
                    latency=self._input_latency, callback=self._input_callback))
            except BaseException:
                close_stream(output)
                raise
        try:
            stream.start()
        except BaseException:
            close_stream(stream)
            raise
        return stream

    # -- callback side -----------------------------------------------------------------------
    def _fill(self, out: npt.NDArray[np.int16], frames: int, dac_time: float, ahead: float) -> None:
        """``dac_time``: when (on the stream's clock) the block reaches the loudspeaker, ``ahead``
        seconds from now."""
        mix = self._mix if frames == BLOCK else np.zeros(frames, dtype=np.float32)
        mix[:] = 0.0
        gen = self._stop_gen
        if gen != self._seen_gen:
            self._seen_gen = gen
            if self._current is not None:
                self._events.append((self._current[0], True, 0.0))
                # what the stream still held of it is dropped (the reporter's flush): it never went out
                queued = round(max(0.0, self._sound_until - (dac_time - ahead)) * SAMPLE_RATE)
                self._pos = max(0, self._pos - queued)
                self._cut_short()
            while self._queue and self._queue[0][0] < gen:
                _, uid, _ = self._queue.popleft()
                self._events.append((uid, True, 0.0))
            self._active_tones.clear()
            while self._tones and self._tones[0][0] < gen:
                self._tones.popleft()
        filled = 0
        while filled < frames:
            if self._current is None:
                if not self._queue:
                    break
                _, uid, samples = self._queue.popleft()
                self._current = (uid, samples)
                self._pos = 0
                heard = time.monotonic() + ahead + filled / SAMPLE_RATE
                self._played.append(Played(uid, heard, len(samples) / SAMPLE_RATE))
            uid, samples = self._current
            n = min(frames - filled, len(samples) - self._pos)
            mix[filled:filled + n] = samples[self._pos:self._pos + n]
            self._pos += n
            filled += n
            if self._pos >= len(samples):
                self._events.append((uid, False, dac_time + filled / SAMPLE_RATE))
                self._current = None
        # duck: ramp the gain across the block so it never clicks
        target = self._gain_target
        if target != self._gain or self._gain != 1.0:
            if target != self._gain:
                mix *= np.linspace(self._gain, target, frames, dtype=np.float32)
                self._gain = target
            else:
                mix *= self._gain
        while self._tones:
            _, t = self._tones.popleft()
            self._active_tones.append([t, 0])
            self._played_tones.append(Played(TONE_ID, time.monotonic() + ahead, len(t) / SAMPLE_RATE))
        for tone in self._active_tones:
            t, pos = tone
            n = min(frames, len(t) - pos)
            mix[:n] += t[pos:pos + n]
            tone[1] = pos + n
        if filled or self._active_tones:
            self._sound_until = dac_time + frames / SAMPLE_RATE
        if self._active_tones:
            self._active_tones[:] = [x for x in self._active_tones if x[1] < len(x[0])]
        np.clip(mix, -32768, 32767, out=mix)
        out[:, 0] = mix
        self.blocks_played += 1
        self._heartbeat.beat()

    def _dac_time(self, t: Any) -> tuple[float, float]:
        """When the block reaches the loudspeaker, on the stream's clock, and how long from now."""
        dac = float(t.outputBufferDacTime)
        now = float(t.currentTime)
        if dac <= 0 or dac < now:   # some host APIs report no DAC time
            dac = now + self.output_latency
        return dac, dac - now

    def _cut_short(self) -> None:
        """The current line stops here (callback, or the reporter once the stream is gone)."""
        current = self._current
        if current is not None and self._played and self._played[-1].id == current[0]:
            self._played[-1] = replace(self._played[-1], cut=self._pos / SAMPLE_RATE)
        self._current = None

    def _output_callback(self, outdata: npt.NDArray[np.int16], frames: int, t: Any, status: Any) -> None:
        if status.output_underflow:   # one underrun flags the blocks that refill the stream after it
            self.underruns += not self._underflowed
        self._underflowed = bool(status.output_underflow)
        dac, ahead = self._dac_time(t)
        self._fill(outdata, frames, dac, ahead)
        if self._capture is not None:
            # The pairing with the microphone's blocks goes by count, so a jump in the loudspeaker's
            # timeline would move the echo's delay: a stop's flush (the next block plays about 180 ms
            # sooner than the last one queued would have ended) or an underrun (later). The jump, in
            # samples, goes to the input callback, which pairs that much less or more of the reference.
            real = float(t.outputBufferDacTime) > 0 and float(t.outputBufferDacTime) >= float(t.currentTime)
            if real and self._next_dac is not None:
                jump = round((dac - self._next_dac) * SAMPLE_RATE)
                if abs(jump) >= BLOCK // 2:
                    self._played_blocks.append(max(-SAMPLE_RATE, min(SAMPLE_RATE, jump)))
            self._next_dac = dac + frames / SAMPLE_RATE if real else None
            self._played_blocks.append(outdata[:, 0].copy())

    def _input_callback(self, indata: npt.NDArray[np.int16], frames: int, t: Any, status: Any) -> None:
        """The microphone's block, paired with as many samples of what was played (the echo
        canceller's reference; it finds the delay between the two itself)."""
        assert self._capture is not None
        self._in_heartbeat.beat()
        while self._played_blocks:
            item = self._played_blocks.popleft()
            if isinstance(item, int):   # the loudspeaker's timeline jumped by ``item`` samples
                jump = item - min(self._padded, SAMPLE_RATE)   # (silence paired meanwhile counts towards it)
                if jump > 0:
                    self._reference = np.concatenate([self._reference, np.zeros(jump, np.int16)])
                elif jump < 0:   # what was queued and dropped: it never played
                    cut = min(-jump, len(self._reference))
                    self._reference = self._reference[:len(self._reference) - cut]
                    self._skip = -jump - cut
                self._padded = 0
                continue
            if self._skip:
                k = min(self._skip, len(item))
                item, self._skip = item[k:], self._skip - k
            self._reference = np.concatenate([self._reference, item])
            self._padded = 0
        if len(self._reference) > frames + MAX_BACKLOG:   # the input was held up: keep the latest
            self._reference = self._reference[len(self._reference) - frames - MAX_BACKLOG:]
        reference = self._reference[:frames]
        self._reference = self._reference[frames:]
        if len(reference) < frames:   # the output was held up: the speaker played silence
            self._padded += frames - len(reference)
            reference = np.concatenate([reference, np.zeros(frames - len(reference), np.int16)])
        with contextlib.suppress(Exception):   # a full queue drops the block rather than stall
            self._capture.put_nowait((indata[:, 0].copy(), reference))

    # -- reporter thread ---------------------------------------------------------------------
    def _report(self) -> None:
        for tick in itertools.count():
            self._flush_after_stop()
            while self._events:
                uid, interrupted, dac_end = self._events.popleft()
                if not interrupted and dac_end > 0:
                    self._wait_until(dac_end)   # (a stop ends the wait: its flush comes first)
                    self._flush_after_stop()
                self._finish(uid, interrupted)
            if self._closed:
                return
            if tick % 10 == 0 and not self._failed and (why := failure(self._stream, self._heartbeat)):
                device = "audio output device" if why == "stopped working" else "audio device"
                if not self._reopen(f"the {device} {why}"):
                    self._fail(AudioDeviceError(f"the {device} {why}", FIX))
            self._wake.wait(0.01)
            self._wake.clear()

    def _flush_after_stop(self) -> None:
        """After a stop (once for each), drop the sound the output stream has queued."""
        if self._flushed_gen != self._stop_gen and not self._failed and not self._closed:
            self._flushed_gen = self._stop_gen
            self._flush()

    def _flush(self) -> None:
        """Drop the sound the output stream has queued for the loudspeaker, after a stop: abort it
        (PortAudio's ALSA host API drops the buffer, and the "pulse" plugin flushes its stream) and
        start it again. Nothing is done when only silence is queued. A stream that does not start
        again is left to the watch in :meth:`_report` (it is opened again)."""
        output = getattr(self._stream, "output", self._stream)
        if self.queued() <= 0.0:
            return

        def restart() -> None:
            with self._stream_lock, contextlib.suppress(Exception):
                if not self._closed:   # (close() takes the lock before it closes the stream)
                    output.abort()
                    output.start()

        worker = threading.Thread(target=restart, name="coach-player-flush", daemon=True)
        worker.start()
        worker.join(FLUSH_SECONDS)
        self.flushes += 1

    def _reopen(self, what: str) -> bool:
        """Close the failed stream and open a new one; False if that cannot be done or is not worth it."""
        if self._closed:
            return False
        stream = reopen(self._stream, self._retries, self._open, (self._sd.PortAudioError, ValueError))
        if stream is None:
            return False
        self._stream = stream
        self.reopens += 1
        if self._on_warning is not None:
            with contextlib.suppress(Exception):
                self._on_warning(f"coach: {what}; it was opened again and the session goes on")
        return True

    def _wait_until(self, dac_end: float) -> None:
        deadline = time.monotonic() + 2.0   # never hang on a bad clock
        while time.monotonic() < deadline and not self._closed and self._flushed_gen == self._stop_gen:
            try:
                now = float(self._stream.time)
            except Exception:
                return
            if now >= dac_end:
                return
            time.sleep(min(0.01, dac_end - now))

    def _finish(self, uid: int, interrupted: bool) -> None:
        with self._pending_lock:
            if uid not in self._pending:
                return
            self._pending.discard(uid)
        with contextlib.suppress(Exception):
            self._done(uid, interrupted)

    def _flush_interrupted(self) -> None:
        while self._events:
            uid, _, _ = self._events.popleft()
            self._finish(uid, True)
        while self._queue:
            _, uid, _ = self._queue.popleft()
            self._finish(uid, True)
        if self._current is not None:
            self._finish(self._current[0], True)
            self._cut_short()
        with self._pending_lock:
            left = sorted(self._pending)
        for uid in left:
            self._finish(uid, True)

    def _fail(self, error: Exception) -> None:
        self._failed = True
        self._flush_interrupted()
        if self._on_error is not None:
            with contextlib.suppress(Exception):
                self._on_error(error)
