"""Health data kept private: files 0600 in folders 0700, never written through a link.

Session logs hold pain reports and pressure levels, recordings hold a voice. Everything the coach
writes of a person is created here: owner-only from the first byte (the mode is given to
``open``/``mkdir``, not set afterwards), opened with ``O_NOFOLLOW`` so that a symbolic link planted
at a predictable name (a session log's, a ``--log`` path in a shared folder) is refused instead of
having the session appended to whatever it points at. Files and folders made before this existed,
0644 in 0755, are tightened when they are next used.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


class LinkRefused(OSError):
    """There is a symbolic link (or something other than a plain file) where a file is written."""


def make_dirs(path: Path) -> None:
    """Make ``path`` and each missing parent 0700 (``os.makedirs`` gives the parents its default
    mode, 0755 with the usual umask). Folders that exist are left as they are."""
    missing: list[Path] = []
    p = path
    while not os.path.lexists(p):
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, DIR_MODE)
        except FileExistsError:   # made meanwhile by another process: fine
            pass


def own_dir(path: Path) -> Path:
    """A folder of the coach's own (its data folder, its sessions): made 0700, or tightened to
    0700 when it exists with more (a folder made by an older coach)."""
    make_dirs(path)
    tighten(path, DIR_MODE)
    return path


def tighten(path: Path, mode: int) -> None:
    """Take away group's and others' rights to ``path`` (not following a link; silent when the
    file is gone or not ours: the write that follows says what is wrong)."""
    try:
        st = os.lstat(path)
        if not stat.S_ISLNK(st.st_mode) and st.st_mode & 0o077:
            os.chmod(path, stat.S_IMODE(st.st_mode) & mode)
    except OSError:
        pass


def tighten_tree(path: Path) -> None:
    """Tighten a folder of private data and everything in it (folders 0700, files 0600); links
    are left alone and not followed."""
    tighten(path, DIR_MODE)
    try:
        entries = list(os.scandir(path))
    except OSError:
        return
    for entry in entries:
        if entry.is_symlink():
            continue
        if entry.is_dir(follow_symlinks=False):
            tighten_tree(Path(entry.path))
        else:
            tighten(Path(entry.path), FILE_MODE)


def open_private(path: Path, *, append: bool) -> int:
    """A descriptor for writing ``path``: a new file is created 0600; a plain file of ours is
    tightened to 0600, then appended to or emptied. Raises :class:`LinkRefused` when ``path`` is a
    symbolic link (even one pointing nowhere), a plain file of another user's (who could read what
    is written: one planted in a shared folder), or a pipe nobody reads (it would block the
    session); OSError for everything else. A device or a pipe with a reader (``--log /dev/full``,
    a FIFO read by another program) is written as it is."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
    flags |= os.O_APPEND if append else 0
    try:
        fd = os.open(path, flags, FILE_MODE)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise LinkRefused(errno.ELOOP, "it is a symbolic link, and the coach never writes its health "
                                           "data through one", str(path)) from e
        if e.errno == errno.ENXIO:   # a FIFO nobody reads: O_NONBLOCK made it fail, not hang
            raise LinkRefused(errno.ENXIO, "it is a pipe that nothing reads", str(path)) from e
        raise
    try:
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode):
            if st.st_uid != os.geteuid():
                raise LinkRefused(errno.EPERM, "it belongs to another user, who could read what is written "
                                               "there", str(path))
            if not append:
                os.ftruncate(fd, 0)   # after the checks: O_TRUNC would have emptied whatever was there
            if st.st_mode & 0o077:
                os.fchmod(fd, FILE_MODE)
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    except BaseException:
        os.close(fd)
        raise
    return fd


def refusal(path: Path, e: OSError) -> str:
    """Why ``path`` could not be written, for a one-line message."""
    if isinstance(e, LinkRefused):
        return f"{path}: {e.strerror}"
    return f"{path}: {e.strerror or e}"
