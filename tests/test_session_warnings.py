"""Warnings during a session (listening fell behind, the sound stream was opened again) are kept in
the session log as well as said on the terminal."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

from coach.app import _warnings_logged
from coach.loop import DEBT_LINE
from coach.routine import find
from coach.runtime import Clock, Runtime
from coach.session import Session
from coach.speech.fake import PrintSpeaker
from coach.store import SessionLog


def test_a_warning_logged_in_a_session_goes_to_the_terminal_and_the_session_log(tmp_path: Path) -> None:
    err = io.StringIO()
    rt = Runtime(Session(find("tennis-balls")), PrintSpeaker(io.StringIO(), lambda uid, interrupted: None),
                 SessionLog([tmp_path / "log.jsonl"]), Clock())
    with _warnings_logged(rt, err):
        # as the listening process's warnings are logged again in the session's process
        logging.getLogger("coach.listen.listener").warning("listening fell behind (the machine is busy): "
                                                           "skipped %.1f s of audio to catch up", 2.4)
        logging.getLogger("coach.listen.listener").info("not a warning")
    logging.getLogger("coach.speech.speaker").warning("after the session")   # no longer kept
    while not rt._queue.empty():
        rt._take(rt._queue.get_nowait())
    rt.log.close()
    rows = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [(r["type"], r["text"]) for r in rows] == [
        ("warning", "listening fell behind (the machine is busy): skipped 2.4 s of audio to catch up"),
        ("said", DEBT_LINE)]   # audio went by unheard: said aloud too
    assert isinstance(rows[0]["t"], float)
    assert err.getvalue() == "listening fell behind (the machine is busy): skipped 2.4 s of audio to catch up\n"
