"""One session at a time: the session lock (``session.lock`` in the data folder)."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import time
from typing import Any

from coach.errors import StoreError
from coach.private import FILE_MODE
from coach.store import LAST_TIME, data_dir, tell_once
from coach.terminal import printable


class SessionBusy(StoreError):
    """Another session of this user's is running (it holds the session lock)."""

    exit_status = 1


class SessionLock:
    """The lock of the one session a user runs at a time: ``session.lock`` in the data folder,
    held with ``flock`` for as long as the session's process runs, and naming it (pid, routine,
    since when). A process that ends, however it ends, lets go of it: a lock left by a dead
    process is free, and taken over."""

    def __init__(self, routine: str) -> None:
        self.path = data_dir() / "session.lock"
        self._fd: int | None = None
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE)
        except OSError as e:
            if e.errno in (errno.EROFS, errno.ENOSPC, errno.EDQUOT):
                return   # nothing can be kept there: the session's log, refused, says so (no second message)
            raise StoreError(f"{self.path}: cannot take the session lock: {e.strerror}",
                             f"check the data folder's permissions (ls -ld '{self.path.parent}')") from e
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            pid = holder.get("pid", "?")
            since = holder.get("since")
            when = time.strftime("%H:%M", time.localtime(since)) if isinstance(since, (int, float)) and \
                0 <= since < LAST_TIME else "a moment ago"
            raise SessionBusy(f"another session is running: {holder.get('routine', 'one')} (process {pid}, since "
                              f"{when}); one session runs at a time",
                              f"end that session first (say stop twice, or kill {pid}), then run this again") from None
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        before = _holder(fd)
        if before.get("pid") not in (None, os.getpid()):
            tell_once("lock taken over", f"coach: the session of process {before.get('pid')} "
                                         f"({before.get('routine', '?')}) ended without letting go of its lock; "
                                         "this one takes it over")
        self.hold(routine)

    def hold(self, routine: str) -> None:
        """Name ``routine`` as the one this lock's session runs (the menu names its choice)."""
        if self._fd is None:
            return
        text = json.dumps({"pid": os.getpid(), "routine": routine, "since": round(time.time(), 1)}) + "\n"
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, text.encode(), 0)

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> SessionLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _holder(fd: int) -> dict[str, Any]:
    try:
        data = json.loads(os.pread(fd, 4096, 0).decode("utf-8", "replace") or "{}")
    except (OSError, ValueError):
        return {}
    return {k: printable(str(v)) if k == "routine" else v for k, v in data.items()} if isinstance(data, dict) else {}
