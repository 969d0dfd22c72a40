"""The session log: JSON lines, one event a line, each with a monotonic ``t`` and a ``type``;
flushed and synced as written, owner-only, never written through a link (:mod:`coach.private`).
Importable from :mod:`coach.store` too."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from coach.errors import StoreError
from coach.private import LinkRefused, make_dirs, open_private


class SessionLog:
    """JSON lines, one event a line, each with a monotonic ``t`` (seconds) and a ``type``.

    Every line is flushed and synced as it is written, so a killed process loses nothing it
    had logged. Writing never raises: a failing disk is reported once on ``warn``.
    """

    def __init__(self, paths: list[Path], warn: TextIO | None = None, *, own_first: bool = False) -> None:
        """``own_first``: the first path is the coach's own log (in its data folder), the others
        ``--log`` copies; a path that cannot be written gets a fix that fits which it is."""
        self.paths = paths
        self._files: list[TextIO] = []
        self._warn = warn
        self._failed = False
        self._lock = threading.Lock()
        self._ended = False
        made: list[Path] = []   # removed again when a later path is refused: no session, no empty log
        #: the logs this one made, and whether a line reached each: one still empty when the log
        #: closes (a full disk, a read-only folder) is removed, not left behind as 0 bytes
        self._made: dict[int, bool] = {}
        for i, p in enumerate(paths):
            try:
                make_dirs(p.parent)
                existed = os.path.lexists(p)
                self._files.append(os.fdopen(open_private(p, append=True), "a", encoding="utf-8"))
                if not existed:
                    made.append(p)
                    self._made[i] = False
            except LinkRefused as e:
                self._abandon(made)
                fix = (f"remove the link (rm '{p}') and run again, or give --log another path"
                       if e.errno == errno.ELOOP else "give --log the path of a file of your own")
                raise StoreError(f"{p}: cannot write the session log: {e.strerror}", fix) from e
            except OSError as e:
                self._abandon(made)
                # the first log is the coach's own (in its data folder, or the resume point's); the others are --log's
                fix = ("choose another --log path, or check the folder's permissions" if i or not own_first else
                       f"check the folder's permissions and free space (ls -ld '{p.parent}'; df -h '{p.parent}'), or "
                       "set COACH_DATA to a folder you can write to")
                raise StoreError(f"{p}: cannot write the session log: {e.strerror}", fix) from e

    def _abandon(self, made: list[Path]) -> None:
        self.close()
        for p in made:
            with contextlib.suppress(OSError):
                p.unlink()

    @staticmethod
    def default_path(routine_id: str) -> Path:
        """A new log's name: the time, and this process's id, so that two sessions started in the
        same second keep a log each."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        from coach.store import sessions_dir

        return sessions_dir() / f"{stamp}-{os.getpid()}-{routine_id}.jsonl"

    def write(self, t: float, type_: str, data: dict[str, Any]) -> None:
        """Append one record (any thread)."""
        line = json.dumps({"t": round(t, 3), "type": type_, **data}, ensure_ascii=False)
        with self._lock:
            if type_ == "native" and self._ended:
                return   # "ended" stays the last record (closing a lost device makes native lines)
            self._ended = self._ended or type_ == "ended"
            self._write(line)

    def _write(self, line: str) -> None:
        for i, f in enumerate(self._files):
            try:
                f.write(line + "\n")
                f.flush()
                os.fsync(f.fileno())
                if i in self._made:
                    self._made[i] = True
            except (OSError, ValueError) as e:
                if not self._failed and self._warn is not None:
                    self._failed = True
                    print(f"coach: the session log could not be written ({e}); the session goes on",
                          file=self._warn)

    def close(self) -> None:
        for i, f in enumerate(self._files):
            with contextlib.suppress(OSError):
                f.close()
            if self._made.get(i) is False:   # made by this log, and not one line reached it
                with contextlib.suppress(OSError):
                    if os.stat(self.paths[i], follow_symlinks=False).st_size == 0:
                        os.unlink(self.paths[i])
        self._made.clear()


def read_log(path: Path) -> list[dict[str, Any]]:
    """The records of a session log; a torn last line (from a crash) is skipped."""
    records: list[dict[str, Any]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return records
    for line in lines:
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if isinstance(r, dict):
            records.append(r)
    return records
