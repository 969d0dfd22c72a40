"""Listening in a child process, so that recognition never holds up the sound.

pocketsphinx holds Python's GIL while it decodes (its ``process_raw`` has no ``nogil``). In one
process with the duplex stream, every decoding call could keep the PortAudio callback waiting; on a
busy machine the speaker underran, PulseAudio raised its latency, and each underrun moved the echo
path under the echo canceller's feet. A :class:`ListenerProcess` runs the whole
:class:`~coach.listen.listener.Listener` (echo cancellation, noise suppression, recognition) in a
child process, so the session's process only copies blocks into a pipe.

The child is a fresh interpreter (``python -m coach.listen.process``): a fork would copy the
audio and speech threads' locks in whatever state they were in, and multiprocessing's ``spawn``
runs the caller's main script again in the child. Two pipes, passed as file descriptors, carry
pickled messages (:class:`multiprocessing.connection.Connection` framing). The child builds its
recogniser with the ``make`` callable it is sent first, which must be picklable (a module-level
function or a :func:`functools.partial` of one).

Parent to child: ``(make, noise_suppression)`` first, then ``(mic, reference_or_None)`` blocks;
``None`` to stop. Child to parent, ``(kind, value)`` pairs:

- ``("say", text)``: a line for the person (which engine is listening, a model being built);
- ``("ready", None)``: the recogniser is built and listening;
- ``("error", (message, fix))``: the recogniser could not be built (a :class:`ModelError`);
- ``("heard", Detection)`` and ``("echo", (Detection, left_db))``: what the Listener found;
- ``("log", (logger, level, text))``: a warning from the child, logged again in the parent.
- ``("talk", bool)``: the user started (True) or stopped (False) talking over the coach.
- ``("transcribes", bool)``, before ``ready``: whether the recogniser writes words down, and then
  ``("words", Words)`` for each utterance it heard that held no command (:mod:`coach.listen.judge.words`).

The child ignores Ctrl-C (the terminal sends it to the whole process group; the parent decides
what it means) and ends when its pipe closes, so it never outlives the session, even when the
session's process is killed. When the child dies, it is started again (``restarts`` times per
listener); after that ``on_lost`` is called.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from coach.errors import CoachError, ModelError
from coach.listen.base import Block, Detection, Recognizer

if TYPE_CHECKING:
    from coach.listen.judge.ownvoice import OwnVoice
from coach.listen.capture.losses import Losses
from coach.listen.judge.words import Words

log = logging.getLogger(__name__)

#: Longest wait, in seconds, for a child to build its recogniser (about 2 s for pocketsphinx here;
#: longer on its first run, when it builds its language model, or for a large vosk model).
READY_TIMEOUT = 120.0
#: Blocks waiting to go to the child at most (30 s of 30 ms blocks); more are counted in ``lost``.
OUTBOX_BLOCKS = 1000


_Launched = tuple["subprocess.Popen[bytes]", Connection, Connection]   # a child and its two pipes


class ListeningLost(CoachError):
    """The listening process ended and could not be started again."""


class _Lines:
    """A text stream whose lines go to the parent as ``("say", line)``."""

    def __init__(self, send: Callable[[str, Any], None]) -> None:
        self._send = send
        self._part = ""

    def write(self, text: str) -> int:
        self._part += text
        *lines, self._part = self._part.split("\n")
        for line in lines:
            self._send("say", line)
        return len(text)

    def flush(self) -> None:
        pass


def _own_voice() -> OwnVoice | None:
    """The coach's own voice, told by its voiceprint (None, said once, without the encoder)."""
    from coach.listen.judge.ownvoice import OwnVoice
    from coach.listen.judge.voiceprint import Voiceprint

    try:
        return OwnVoice(Voiceprint())
    except CoachError as e:
        log.warning("the coach's own voice is told without its voiceprint: %s (fix: %s)", e.message, e.fix)
    except Exception as e:
        log.warning("the coach's own voice is told without its voiceprint: %s", e)
    return None


class _Forward(logging.Handler):
    """Sends the child's log records of WARNING and above to the parent."""

    def __init__(self, send: Callable[[str, Any], None]) -> None:
        super().__init__(logging.WARNING)
        self._send = send

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self._send("log", (record.name, record.levelno, text))


def _child(blocks: Connection, results: Connection) -> None:
    """The child's main: build the recogniser, then feed the Listener until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    lock = threading.Lock()

    def send(kind: str, value: Any) -> None:
        with lock, contextlib.suppress(OSError, ValueError):   # the parent is gone: nothing to tell
            results.send((kind, value))

    root = logging.getLogger()
    root.addHandler(_Forward(send))
    root.setLevel(logging.WARNING)
    from coach.listen.capture.denoise import denoiser
    from coach.listen.judge.twostage import TwoStage
    from coach.listen.judge.words import report_words
    from coach.listen.listener import Listener

    try:
        make, noise_suppression = blocks.recv()
        recognizer = make(err=_Lines(send))
        denoise = denoiser(noise_suppression)
    except (EOFError, OSError):
        return
    except CoachError as e:
        send("error", (e.message, e.fix))
        return
    except Exception as e:   # anything else that stops a recogniser loading, said plainly
        send("error", (f"the recogniser failed to load: {type(e).__name__}: {e}", ""))
        return
    listener = Listener(recognizer, lambda d: send("heard", d), denoise=denoise,
                        on_echo=lambda d, db: send("echo", (d, db)), on_talk=lambda on: send("talk", on),
                        voice=_own_voice())
    send("transcribes", report_words(recognizer, listener.pipeline, lambda w: send("words", w)))
    if isinstance(recognizer, TwoStage):
        recognizer.start()   # live: a judgement never holds up the spotter's stop
    listener.start()
    send("ready", None)
    try:
        while True:
            item = blocks.recv()
            if item is None:
                break
            listener.put(*item)
    except (EOFError, OSError):
        pass   # the parent is gone
    finally:
        listener.stop()
        if isinstance(recognizer, TwoStage):
            recognizer.close()


class ListenerProcess:
    """A :class:`~coach.listen.listener.Listener` in a child process; the same ``put`` and ``stop``.

    ``start`` returns once the child listens, or raises the child's :class:`ModelError`.
    ``on_detection`` and ``on_echo`` are called from a reader thread, as the Listener calls them
    from its worker. ``put`` never blocks and never raises (the audio pump calls it): a thread of
    its own sends the blocks; those that find no child (between a death and a restart), or do not
    fit while the child is ``outbox`` blocks (30 s) behind, are counted in ``lost``.
    """

    def __init__(self, make: Callable[..., Recognizer], on_detection: Callable[[Detection], None],
                 on_echo: Callable[[Detection, float], None] | None = None, noise_suppression: int = 0,
                 warn: TextIO | None = None, on_lost: Callable[[ListeningLost], None] | None = None,
                 restarts: int = 3, ready_timeout: float = READY_TIMEOUT, outbox: int = OUTBOX_BLOCKS) -> None:
        self._make = make
        self._noise = noise_suppression
        self.on_detection = on_detection
        self.on_echo = on_echo
        self.on_lost = on_lost
        #: told True when the user starts talking over the coach and False when they stop (set it
        #: to the speaker's ``duck``); False too when the child dies while the user talks
        self.on_talk: Callable[[bool], None] | None = None
        self.talking = False
        #: told what the recogniser heard in each utterance that held no command (set it to listen
        #: for more than commands: the menu's numbers and names); only a transcribing one tells
        self.on_words: Callable[[Words], None] | None = None
        #: whether the recogniser writes words down (known once the child is ready)
        self.transcribes = False
        self._warn = warn
        self.restarts = restarts
        self.ready_timeout = ready_timeout
        # blocks that found no child to take them (a child restarting, or 30 s behind)
        self.lost = Losses("listening: %d blocks of audio lost (the listening process did not take them)", log)
        self.started = 0        # children started, restarts included
        self._lock = threading.Lock()   # guards the child and its pipe while one is replaced
        self._stopping = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        self._blocks: Connection | None = None
        self._results: Connection | None = None
        self._reader: threading.Thread | None = None
        self._sender: threading.Thread | None = None
        self._launched: _Launched | None = None
        self._outbox: queue.Queue[tuple[Block, Block | None] | None] = queue.Queue(maxsize=outbox)

    # -- the parent's side ---------------------------------------------------------------------

    def launch(self) -> ListenerProcess:
        """Start the child without waiting for it (it loads its recogniser while the caller goes on)."""
        if self._launched is None and self._proc is None:
            self._launched = self._launch()
        return self

    def start(self) -> ListenerProcess:
        """Start the child (unless :meth:`launch` did) and wait until it listens. Raises ModelError
        when it cannot."""
        if self._proc is not None:
            return self
        self.launch()
        assert self._launched is not None
        launched, self._launched = self._launched, None
        self._until_ready(*launched)
        self._reader = threading.Thread(target=self._read, name="coach-listener-reader", daemon=True)
        self._reader.start()
        self._sender = threading.Thread(target=self._send, name="coach-listener-sender", daemon=True)
        self._sender.start()
        return self

    def put(self, mic: Block, reference: Block | None = None) -> None:
        if self._stopping.is_set():
            return
        try:
            self._outbox.put_nowait((mic, reference))
        except queue.Full:
            self.lost.add()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the child: it takes what was sent, ends, and is ended if it has not within ``timeout``."""
        self._stopping.set()
        if self._launched is not None:   # launched, never started
            launched, to_child, from_child = self._launched
            self._launched = None
            to_child.close()
            from_child.close()
            _end(launched, timeout)
        while True:
            try:
                self._outbox.put_nowait(None)
                break
            except queue.Full:   # the child is far behind: what it has not taken is dropped
                with contextlib.suppress(queue.Empty):
                    self._outbox.get_nowait()
        if self._sender is not None and self._sender is not threading.current_thread():
            self._sender.join(timeout)
        with self._lock:
            proc, conn = self._proc, self._blocks
            self._blocks = None
        if conn is not None:
            conn.close()   # the child reads what is in the pipe, then the end of it
        if proc is not None:
            _end(proc, timeout)
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(timeout)

    @property
    def pid(self) -> int | None:
        """The child's process id (None before it starts)."""
        return self._proc.pid if self._proc is not None else None

    # -- starting a child ----------------------------------------------------------------------

    def _launch(self) -> _Launched:
        """Start a child and send it what to build; it has not said yet whether it could."""
        blocks_r, blocks_w = os.pipe()
        results_r, results_w = os.pipe()
        env = child_env(os.environ)
        try:
            proc = subprocess.Popen([sys.executable, "-m", "coach.listen.process", str(blocks_r), str(results_w)],
                                    pass_fds=(blocks_r, results_w), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, env=env, close_fds=True)
        except OSError as e:
            for fd in (blocks_r, blocks_w, results_r, results_w):
                os.close(fd)
            raise ModelError(f"could not start the listening process: {e}",
                             "check that this Python can run; or use --text") from e
        self.started += 1
        os.close(blocks_r)     # the child's ends: closed here so that a dead child reads as EOF
        os.close(results_w)
        to_child, from_child = Connection(blocks_w, readable=False), Connection(results_r, writable=False)
        with contextlib.suppress(OSError):   # a child dead already is found out by _until_ready
            to_child.send((self._make, self._noise))
        return proc, to_child, from_child

    def _until_ready(self, proc: subprocess.Popen[bytes], to_child: Connection, from_child: Connection) -> None:
        """Read the child's messages until it says it is ready (it becomes the child), or why it is
        not (it is ended, and ModelError raised)."""
        try:
            while True:
                if not from_child.poll(self.ready_timeout):
                    raise ModelError(f"the recogniser did not load within {self.ready_timeout:.0f} s",
                                     "try again; if it keeps happening, use --engine pocketsphinx or --text")
                try:
                    kind, value = from_child.recv()
                except (EOFError, OSError):
                    raise ModelError(f"the listening process ended while loading the recogniser "
                                     f"(exit code {_end(proc, 1.0)})",
                                     "try again; if it keeps happening, run `coach listen` to see why, "
                                     "or use --text") from None
                if kind == "ready":
                    break
                if kind == "error":
                    message, fix = value
                    raise ModelError(message, fix)
                self._dispatch(kind, value)
        except BaseException:
            to_child.close()
            from_child.close()
            _end(proc, 1.0)
            raise
        with self._lock:
            self._proc, self._blocks, self._results = proc, to_child, from_child

    # -- the sender thread ---------------------------------------------------------------------

    def _send(self) -> None:
        while True:
            item = self._outbox.get()
            with self._lock:
                conn = self._blocks
            try:
                if conn is None:
                    raise ValueError("no child")   # between a child's death and its replacement
                conn.send(item)
                self.lost.report()
            except (OSError, ValueError):   # the child died, or its pipe was closed under us
                if item is not None:
                    self.lost.add()
            if item is None:
                return

    # -- the reader thread ---------------------------------------------------------------------

    def _read(self) -> None:
        while True:
            conn = self._results
            if conn is None:
                return
            try:
                kind, value = conn.recv()
            except (EOFError, OSError):
                if self._stopping.is_set() or not self._replace():
                    return
                continue
            self._dispatch(kind, value)

    def _dispatch(self, kind: str, value: Any) -> None:
        try:
            if kind == "heard":
                self.on_detection(value)
            elif kind == "echo" and self.on_echo is not None:
                self.on_echo(*value)
            elif kind == "talk":
                self._talk(bool(value))
            elif kind == "words":
                if self.on_words is not None:
                    self.on_words(value)
            elif kind == "transcribes":
                self.transcribes = bool(value)
            elif kind == "say":
                self._say(f"{value}")
            elif kind == "log":
                name, level, text = value
                logging.getLogger(name).log(level, "%s", text)
        except Exception:
            log.exception("handling the listener's %r failed", kind)

    def _talk(self, on: bool) -> None:
        if self.on_talk is not None and on != self.talking:
            self.talking = on
            self.on_talk(on)

    def _say(self, line: str) -> None:
        print(line, file=self._warn or sys.stderr, flush=True)

    def _replace(self) -> bool:
        """The child died: start another (True), or give up and call ``on_lost`` (False)."""
        try:
            self._talk(False)   # it can no longer say that the user stopped talking
        except Exception:
            log.exception("on_talk failed")
        with self._lock:
            proc = self._proc
            self._blocks = None
            if self._results is not None:
                self._results.close()
            self._results = None
        what = f"listening stopped (its process ended with exit code {_end(proc, 1.0) if proc else None})"
        while self.started <= self.restarts and not self._stopping.is_set():
            self._say(f"coach: {what}; starting it again")
            try:
                self._until_ready(*self._launch())
            except CoachError as e:    # it died again while loading, or could not load
                what = e.message
                continue
            if self._stopping.is_set():
                self.stop()
                return False
            self._say("coach: listening again")
            return True
        if self._stopping.is_set():
            return False
        lost = ListeningLost(f"voice commands no longer work: {what}; it was started {self.started} times",
                             "the messages above say why; if none do, the machine may be short of memory")
        if self.on_lost is not None:
            self.on_lost(lost)
        else:
            self._say(f"coach: {lost}")
        return False


def child_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The listening child's environment: ``environ``, with this package first on its path, and
    numpy's BLAS on one thread. OpenBLAS's extra threads spin on after each small product (the
    filter banks of Whisper's and the word vectors' features), which doubled the processor time
    of a word-vector opinion here for no gain in wall time (``python -m bench wordcost``); a
    session's other work runs in Whisper's and onnxruntime's own threads."""
    env = dict(environ)
    here = str(Path(__file__).resolve().parents[2])   # the directory that holds the package
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH", "")) if p)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    return env


def _end(proc: subprocess.Popen[bytes], timeout: float) -> int | None:
    """Wait ``timeout`` seconds for the child to end, then end it; its exit code."""
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:   # hung: it would keep the pipes waiting for ever
        proc.terminate()
        try:
            return proc.wait(1.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()


if __name__ == "__main__":
    _child(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
