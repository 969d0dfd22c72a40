"""``coach notes``: how the safety notes are given once a routine's have been heard in full.

The session asks once, after the full notes ("Next time, shall I keep these safety notes
short?"); this command tells what was chosen and changes it without a session.
"""

from __future__ import annotations

import argparse
from typing import TextIO

from coach import store

CHOICES = {
    "short": "short: once a routine's safety notes have been heard in full, later sessions give one "
             "line of them (they are given in full again when they change)",
    "full": "full: every session gives the safety notes in full",
    "ask": "not chosen yet: the first session that gives a routine's notes in full asks which you want",
}


def cmd_notes(args: argparse.Namespace, out: TextIO) -> int:
    if args.choice is not None:
        store.remember_notes_short(None if args.choice == "ask" else args.choice == "short")
    short = store.notes_short()
    chosen = "ask" if short is None else "short" if short else "full"
    print(f"Safety notes: {CHOICES[chosen]}.", file=out)
    return 0
