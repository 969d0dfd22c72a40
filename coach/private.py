"""Health data kept private: files 0600 in folders 0700, never written through a link.

Session logs hold pain reports and pressure levels, recordings hold a voice. Everything the coach
writes of a person is created here: owner-only from the first byte (the mode is given to
``open``/``mkdir``, not set afterwards), opened with ``O_NOFOLLOW`` so that a symbolic link planted
at a predictable name (a session log's, a ``--log`` path in a shared folder) is refused instead of
having the session appended to whatever it points at. Files and folders made before this existed,
0644 in 0755, are tightened when they are next used.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

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


# ---------------------------------------------------------------------------------------------
# replacing a file: the one way the coach replaces a file a person has (issue 37, point 2)


class Replacement:
    """A file that replaces ``path`` whole when :meth:`commit` is called, and never before.

    What is written goes to a temporary file in the same folder (``.NAME.XXXXXX.tmp``); commit
    syncs it, renames it over ``path`` and syncs the folder, so a reader, a crash, a full disk
    or a signal at any moment finds the old file or the new one, never half of one or nothing.
    :meth:`discard` (or an exception in :func:`replacing`) removes the temporary file and leaves
    ``path`` as it was.

    ``mode``: the new file's mode (``None``: that of the file it replaces, else what ``open``
    would give, 0666 less the umask). ``follow``: a symbolic link at ``path`` is followed and its
    target replaced (output a person names, like ``coach render -o``); otherwise the link itself
    is replaced, never written through (health data). Where ``path`` is, or leads to, something
    that is not a plain file (``/dev/null``, a pipe), there is nothing to replace: it is written
    as it is, and commit only syncs.
    """

    def __init__(self, path: Path, mode: int | None = FILE_MODE, *, follow: bool = False,
                 refuse_link: bool = False) -> None:
        self.path = Path(os.path.realpath(path)) if follow else Path(path)
        self.tmp: Path | None = None
        try:
            st = os.stat(self.path, follow_symlinks=follow)
        except FileNotFoundError:
            st = None
        except OSError:   # a name too long, a folder we may not look into: the open below says why
            st = None
        if refuse_link and st is not None and stat.S_ISLNK(st.st_mode):   # planted where health data goes
            raise LinkRefused(errno.ELOOP, "it is a symbolic link, and the coach never writes its health "
                                           "data through one", str(path))
        if st is not None and not stat.S_ISREG(st.st_mode) and not stat.S_ISLNK(st.st_mode):
            self.file: BinaryIO = open(self.path, "wb")  # noqa: SIM115 - closed by commit or discard
            return
        if mode is None:
            mode = stat.S_IMODE(st.st_mode) if st is not None and stat.S_ISREG(st.st_mode) else _default_mode()
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        self.tmp = Path(tmp)
        try:
            if mode != FILE_MODE:
                os.fchmod(fd, mode)
            self.file = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            os.unlink(tmp)
            raise

    def commit(self) -> None:
        """Make what was written the file at ``path`` (durably); the temporary file is gone after,
        whether this worked or raised."""
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
        except OSError as e:
            if self.tmp is not None or e.errno not in (errno.EINVAL, errno.EROFS, errno.ENOTSUP):
                self.discard()
                raise   # (a device or a pipe cannot be synced: fine)
        self.file.close()
        if self.tmp is None:
            return
        try:
            os.replace(self.tmp, self.path)
        except BaseException:
            self.discard()
            raise
        self.tmp = None
        sync_folder(self.path.parent)

    def discard(self) -> None:
        """Leave ``path`` as it was: the temporary file is removed."""
        with contextlib.suppress(OSError):
            self.file.close()
        if self.tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.tmp)
            self.tmp = None


def _default_mode() -> int:
    """0666 less the umask: the mode ``open`` gives a new file (the umask is read by setting it back)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the filesystem allows)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def replacing(path: Path, mode: int | None = FILE_MODE, *, follow: bool = False) -> Iterator[BinaryIO]:
    """``with replacing(path) as f: f.write(...)``: ``path`` is replaced whole when the block ends
    without an exception, and left as it was otherwise (see :class:`Replacement`)."""
    r = Replacement(path, mode, follow=follow)
    try:
        yield r.file
    except BaseException:
        r.discard()
        raise
    r.commit()


def write_replacing(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` (0600, never through a link; missing folders made 0700)."""
    make_dirs(path.parent)
    with replacing(path) as f:
        f.write(data)


def keep_aside(path: Path) -> Path:
    """Move a damaged ``path`` aside as ``NAME.broken.N``, the first N not taken (earlier copies
    are never overwritten); the copy's path."""
    n = 1
    while True:
        dest = path.with_name(f"{path.name}.broken.{n}")
        try:
            os.link(path, dest, follow_symlinks=False)   # fails if dest exists: never overwrites
        except FileExistsError:
            n += 1
            continue
        except OSError as e:
            if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                raise
            if os.path.lexists(dest):
                n += 1
                continue
            os.rename(path, dest)   # no hard links here: a rename after the look
            return dest
        os.unlink(path)
        return dest
