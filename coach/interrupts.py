"""The one way interrupts and suspends reach the coach (issue 37).

Ctrl-C, SIGTERM and SIGHUP all come here, and only the first of them counts: it ends what runs,
and every later one (a second Ctrl-C a moment after the first, a SIGTERM after it) is ignored, so
that nothing interrupts the ending itself: the terminal put back, the place and the profile saved,
the ``ended`` record written, the voice thread's render finished before the process goes.

- While a session or the menu runs, its loop is the *target* (:func:`routed_to`): the interrupt is
  handed to it, not raised, and the loop ends the way it ends on "stop, stop": resumable, its place
  saved. A signal handler runs on the main thread between any two bytecodes, so it takes no lock:
  it writes one byte to a pipe, and a thread of this module (the *relay*) calls the target.
- While a session or the menu is being set up (in a :func:`routed_to` block, before its loop is
  bound), it is held and handed to the loop once there; the wait for the recogniser to load ends
  early for it (:func:`held`).
- Anywhere else (``coach render``, ``coach listen FILE``), the first one raises
  :class:`KeyboardInterrupt` on the main thread, as Ctrl-C always does; ``coach.cli`` turns it into
  "coach: interrupted" and exit status 130.

Suspending (Ctrl-Z, SIGTSTP; or SIGSTOP, which no process can catch) and continuing (SIGCONT):

- the hooks registered with :func:`on_suspend` run before the process stops and after it goes on
  (the key reader puts the terminal back in its own mode while stopped, in cbreak mode again on
  ``fg``: :mod:`coach.keyboard`);
- the time the process spent stopped is left out of :func:`running`, the clock of the session
  (:class:`coach.loop.Clock`) and of the render timeout (:func:`wait`): a session stopped for 100 s
  carries on where it was, not with every missed cue at once. A stop is not seen as it happens
  (SIGSTOP cannot be caught, and on SIGCONT the main thread may read the clock before its handler
  has run), so the relay thread beats every :data:`BEAT` s, and :func:`running` stands still once
  the last beat is more than :data:`STILL` s old: the relay was stopped (or starved of the
  processor, when the process could not run either). On the relay's next beat that time is counted
  as stopped, so :func:`running` goes on from where it stood, never back.

:func:`install` sets all this up; ``coach.cli`` calls it for the real command line only (a test
that calls ``cli.main`` in its own process keeps Python's handlers).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from types import FrameType
from typing import NoReturn, TypeVar

T = TypeVar("T")

#: How each interrupting signal is named as the reason a session ended (coach.tasks.session knows them)
REASONS = {signal.SIGINT: "interrupted", signal.SIGTERM: "sigterm", signal.SIGHUP: "sighup"}
#: How often the relay thread notes that the process runs (seconds): the error in a stop's length
BEAT = 0.1
#: Beats this late (seconds) mean the process was stopped: the rest of the wait is not running time
STILL = 0.5


class _State:
    def __init__(self) -> None:
        self.installed = False
        self.target: Callable[[str], None] | None = None
        self.taken: str | None = None           # the reason of the first interrupt, once there was one
        self.holding = 0                         # routed_to blocks entered and not left
        self.held: int | None = None             # an interrupt (its signal) waiting for a target
        self.read_fd = -1
        self.write_fd = -1
        #: (seconds spent stopped all told, the relay's last beat): one tuple, so read and set at once
        self.clock = (0.0, time.monotonic())
        self.hooks: list[tuple[Callable[[], None], Callable[[], None]]] = []
        self.lock = threading.Lock()


_state = _State()


def install() -> None:
    """Take Ctrl-C, SIGTERM, SIGHUP, SIGTSTP and SIGCONT for this process (main thread; once)."""
    s = _state
    if s.installed or threading.current_thread() is not threading.main_thread():
        return
    s.read_fd, s.write_fd = os.pipe()
    os.set_blocking(s.write_fd, False)
    s.clock = (0.0, time.monotonic())
    threading.Thread(target=_relay, name="coach-interrupts", daemon=True).start()
    for sig in REASONS:
        signal.signal(sig, _on_interrupt)
    signal.signal(signal.SIGTSTP, _on_suspend)
    signal.signal(signal.SIGCONT, _on_continue)
    s.installed = True


def ending() -> None:
    """The command is done and the process ends: from now on Ctrl-C, SIGTERM and SIGHUP are
    ignored. While Python shuts down it puts back their default action, so one that came then
    (the third of three quick Ctrl-C) killed a process that had ended cleanly: status -2, not 130."""
    if _state.installed:
        for sig in REASONS:
            signal.signal(sig, signal.SIG_IGN)


def leave(status: int) -> NoReturn:
    """End the process now with ``status``, after an interrupt: the output flushed and the ``atexit``
    work done (the voice threads finish their render), then ``os._exit``. Python's own shutdown
    after a KeyboardInterrupt caught early in the command (while its modules were imported) at
    times still ended the process as killed by SIGINT, status -2, not 130 (found by test_fuzz; 2
    of 13 tries; why, was not found: main had returned 130, and no traceback was printed)."""
    import atexit
    import sys

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    with contextlib.suppress(BaseException):
        atexit._run_exitfuncs()
    os._exit(status)


def installed() -> bool:
    return _state.installed


def taken() -> str | None:
    """The reason of the interrupt this process took (None: none came)."""
    return _state.taken


@contextlib.contextmanager
def routed_to(target: Callable[[str], None] | None = None) -> Iterator[None]:
    """While in this block, an interrupt is handed to the target (from another thread), never
    raised: to ``target``, or to the one :func:`bind` names later in the block. Until there is one
    it is held, and handed to the first bound (issue 37: raised while a session was being set up, it
    left half of it undone, and once Python itself exited with SIGINT, -2); one held to the end of
    the block is raised there, as KeyboardInterrupt. The target stays bound to the end of the
    block, after its loop has ended too, so that nothing interrupts what is done then.

    Where :func:`install` was not called (a test that runs ``cli.main`` in its own process), this
    changes nothing: Python's handlers stay."""
    s = _state
    with s.lock:
        previous, s.target = s.target, target
        s.holding += 1
    try:
        yield
    finally:
        with s.lock:
            s.target = previous
            s.holding -= 1
            held, s.held = s.held, None
        if held is not None:   # it came while no loop ran, and none came to take it
            raise KeyboardInterrupt


def bind(target: Callable[[str], None] | None) -> None:
    """From now to the end of the :func:`routed_to` block, interrupts go to ``target`` (None: they
    raise again)."""
    s = _state
    with s.lock:
        s.target = target
        held = s.held if target is not None else None
        if held is not None:
            s.held = None
    if held is not None:
        with contextlib.suppress(OSError):
            os.write(s.write_fd, bytes([held]))


def held() -> str | None:
    """The interrupt that came in a :func:`routed_to` block while no loop was bound to it, waiting
    for one (None: none is waiting): a long wait before the loop starts ends early for it."""
    signum = _state.held
    return None if signum is None else REASONS[signal.Signals(signum)]


@contextlib.contextmanager
def on_suspend(before: Callable[[], None], after: Callable[[], None]) -> Iterator[None]:
    """While in this block, ``before()`` runs as the process is suspended (Ctrl-Z) and ``after()``
    when it goes on (SIGCONT, also after a SIGSTOP); both on the main thread, neither may raise."""
    s = _state
    pair = (before, after)
    s.hooks.append(pair)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            s.hooks.remove(pair)


def stopped() -> float:
    """Seconds this process has spent stopped (suspended) so far."""
    return _state.clock[0]


def running() -> float:
    """A monotonic clock that stands still while the process is stopped (where :func:`install` was
    not called, ``time.monotonic()``)."""
    s = _state
    now = time.monotonic()
    if not s.installed:
        return now
    stopped, beat = s.clock
    return now - stopped - max(0.0, now - beat - STILL)


def wait(fut: Future[T], timeout: float) -> T:
    """``fut.result()``, waiting at most ``timeout`` seconds of :func:`running` time: a process
    suspended meanwhile is not timed out for it (TimeoutError when the time is up)."""
    end = running() + timeout
    while True:
        left = end - running()
        if left <= 0:
            raise TimeoutError(f"no result after {timeout:g} s")
        try:
            return fut.result(timeout=min(left, 0.5))
        except TimeoutError:
            if fut.done():
                raise   # the result itself was a TimeoutError
            continue


# -- the handlers (main thread) -------------------------------------------------------------------


def _on_interrupt(signum: int, frame: FrameType | None) -> None:
    s = _state
    if s.taken is not None:
        return   # the first is being acted on: nothing may interrupt its ending
    s.taken = REASONS[signal.Signals(signum)]
    if s.target is not None:
        with contextlib.suppress(OSError):
            os.write(s.write_fd, bytes([signum]))
        return
    if s.holding:   # a session or the menu is being set up: half of it must not be left undone
        s.held = signum
        return
    raise KeyboardInterrupt


def _on_suspend(signum: int, frame: FrameType | None) -> None:
    for before, _ in list(_state.hooks):
        with contextlib.suppress(Exception):
            before()
    os.kill(os.getpid(), signal.SIGSTOP)   # SIGTSTP's own action, now that the terminal is back


def _on_continue(signum: int, frame: FrameType | None) -> None:
    for _, after in list(_state.hooks):
        with contextlib.suppress(Exception):
            after()


# -- the relay (its own thread) -------------------------------------------------------------------


def _relay() -> None:
    s = _state
    while True:
        try:
            ready, _, _ = select.select([s.read_fd], [], [], BEAT)
            _beat()
            if ready:
                _hand_on(os.read(s.read_fd, 16))
        except Exception:   # it must go on beating, or running() would stand still for good
            time.sleep(BEAT)
            _beat()


def _beat() -> None:
    s = _state
    now = time.monotonic()
    stopped, beat = s.clock
    # what running() left out already is counted as stopped: it goes on from where it stood
    s.clock = (stopped + max(0.0, now - beat - STILL), now)


def _hand_on(data: bytes) -> None:
    with _state.lock:
        target = _state.target
    for signum in data:
        if target is not None:
            with contextlib.suppress(Exception):
                target(REASONS[signal.Signals(signum)])
