"""``coach forget``: remove everything the coach keeps of a person, in one command.

Session logs (what was said and heard: pain reports, pressure), the ``--log`` copies and
``--record-audio`` recordings it noted when writing them, the profile, the resume point and
anything learnt of a voice. Routines, the configuration and the model caches are not a person's
data and stay. The question is asked aloud through the coach's speaker (as text alone when there
is no sound) and answered by typing y; ``--yes`` answers it for scripts.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from coach import store
from coach.errors import CoachError
from coach.sessionlock import SessionLock
from coach.terminal import printable

Confirm = Callable[[Sequence[Path]], bool]


def kept() -> list[Path]:
    """What there is to forget, folders whole (missing ones left out)."""
    data = store.data_dir()
    found = [data / name for name in store.PRIVATE_FOLDERS if os.path.lexists(data / name)]
    for pattern in ("profile.json*", "resume.json*", ".*.tmp"):   # *.broken: set aside when spoilt
        found.extend(sorted(data.glob(pattern)))
    for copy in store.copies():
        # only a plain file: a link found at a copy's name was not written by the coach
        if copy.is_file() and not copy.is_symlink():
            found.append(copy)
        # a recording's temporary file, left by a process killed before it put the file in place
        with contextlib.suppress(OSError):
            found.extend(p for p in sorted(copy.parent.glob(f".{copy.name}.*.tmp"))
                         if p.is_file() and not p.is_symlink())
    if store.copies_path().exists():
        found.append(store.copies_path())
    return found


def remove(paths: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """Remove each path (a folder with all in it, never following a link); what was removed, and
    a line for each that could not be."""
    removed: list[Path] = []
    failed: list[str] = []
    for path in paths:
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            continue
        except OSError as e:
            failed.append(f"{path}: {e.strerror or e}")
            continue
        removed.append(path)
        if path.name in ("mic.wav", "played.wav"):
            with contextlib.suppress(OSError):   # the --record-audio folder, once empty
                path.parent.rmdir()
    return removed, failed


def forget(confirm: Confirm, out: TextIO) -> int:
    """Ask ``confirm`` about what there is, remove it and say what was removed; 0, or 1 when
    something could not be removed. Refused while a session runs (it holds the session lock)."""
    with SessionLock("coach forget"):
        try:
            return _forget(confirm, out)
        finally:   # the locks hold nothing of a person: gone with the rest, said by nobody
            with contextlib.suppress(OSError, CoachError):
                if not kept():
                    for name in ("session.lock", "store.lock"):
                        with contextlib.suppress(OSError):
                            (store.data_dir() / name).unlink()


def _forget(confirm: Confirm, out: TextIO) -> int:
    paths = kept()
    if not paths:
        print("The coach keeps nothing of you: no session logs, recordings, profile, resume point or voice data.",
              file=out)
        return 0
    print("This removes:", file=out)
    for path in paths:
        print(f"  {printable(str(path))}", file=out)
    if not confirm(paths):
        print("Nothing was removed.", file=out)
        return 0
    removed, failed = remove(paths)
    for path in removed:
        print(f"removed {printable(str(path))}", file=out)
    for line in failed:
        print(f"coach: could not remove {printable(line)}", file=sys.stderr)
    if failed:
        print("fix: check those files' permissions, then run coach forget again", file=sys.stderr)
        return 1
    print("The coach now keeps nothing of you.", file=out)
    return 0


QUESTION = ("Shall I remove everything the coach keeps of you: your session logs, recordings, profile, "
            "resume point and voice data? Type y and press Enter to remove it all.")


def typed_yes(stdin: TextIO, out: TextIO) -> bool:
    """The typed half of the question: y or yes (any case) is yes; anything else, or no answer, no."""
    out.write("Remove all of it? [y/N] ")
    out.flush()
    try:
        answer = stdin.readline()
    except (OSError, ValueError):
        answer = ""
    if not answer.endswith("\n") or not stdin.isatty():
        out.write("\n")   # no Enter echoed (end of input, a pipe): the next line starts on its own
    return answer.strip().lower() in ("y", "yes")


def spoken_and_typed(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> Confirm:
    """Say the question through the coach's speaker while the typed one waits; text alone when
    there is no sound."""

    def confirm(paths: Sequence[Path]) -> bool:
        from coach.tasks.speech import open_voice

        print(QUESTION, file=out)
        try:
            speaker = open_voice(args)
        except (CoachError, OSError):
            speaker = None   # no sound here: the printed question is the whole question
        try:
            if speaker is not None:
                speaker.say(1, QUESTION)
            return typed_yes(stdin, out)
        finally:
            if speaker is not None:
                speaker.close()

    return confirm


def cmd_forget(args: argparse.Namespace, out: TextIO) -> int:
    confirm: Confirm = (lambda paths: True) if args.yes else spoken_and_typed(args, sys.stdin, out)
    return forget(confirm, out)
