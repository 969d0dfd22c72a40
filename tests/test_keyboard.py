"""Keys that act at once on a terminal: the decoder, and a real `coach run` on a pseudo-terminal."""

from __future__ import annotations

import fcntl
import io
import os
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

from logtools import records as log_records
from logtools import wait_for

from coach.keyboard import CUT_SHORT, KeyDecoder, KeyReader, is_terminal


def _typed(chars: str) -> tuple[list[str], str]:
    screen: list[str] = []
    decoder = KeyDecoder(screen.append)
    acted = [t for t in (decoder.feed(ch) for ch in chars) if t is not None]
    return acted, "".join(screen)


def test_a_key_acts_at_once_without_enter() -> None:
    assert _typed("x") == (["x"], "")
    assert _typed("hs n") == (["h", "s", " ", "n"], "")
    assert _typed("H") == (["H"], "")          # upper case is the same key (parse_key lowers it)


def test_enter_first_then_words() -> None:
    acted, screen = _typed("\nhow long\n")
    assert acted == ["how long"]
    assert screen == "words: how long\n"


def test_a_character_that_is_no_key_starts_words() -> None:
    acted, screen = _typed("again\n")
    assert acted == ["again"]
    assert screen.startswith("words: a")


def test_words_can_be_corrected_or_given_up() -> None:
    assert _typed("\nsofr\x7fter\n")[0] == ["softer"]   # the r erased
    acted, screen = _typed("\nharder\x1bx")
    assert acted == ["x"]                      # Escape gave the line up; keys act at once again
    assert "(cancelled)" in screen
    assert _typed("\n\n")[0] == []             # an empty line is nothing


def test_is_terminal_is_false_for_pipes_and_strings() -> None:
    assert not is_terminal(io.StringIO("x\n"))
    r, w = os.pipe()
    try:
        with os.fdopen(r) as f:
            assert not is_terminal(f)
    finally:
        os.close(w)


def _own_terminal() -> None:
    """In the child: a session of its own whose controlling terminal is its stdin (as in a shell)."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def test_keys_on_a_terminal_act_at_once_and_the_terminal_is_restored(tmp_path: Path) -> None:
    master, slave = os.openpty()
    before = termios.tcgetattr(slave)
    assert before[3] & termios.ICANON and before[3] & termios.ECHO
    log = tmp_path / "session.jsonl"
    env = {**os.environ, "COACH_DATA": str(tmp_path / "data"), "COACH_CONFIG": str(tmp_path / "none.toml"),
           "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "coach", "run", "tennis-balls", "--text", "--speed", "50",
                             "--fresh", "--log", str(log)],
                            stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
                            preexec_fn=_own_terminal)
    try:
        wait_for(lambda: any(r["type"] == "said" for r in log_records(log)), "the session to start")
        # the reader has put the terminal in cbreak mode (no line editing, no echo)
        wait_for(lambda: not termios.tcgetattr(slave)[3] & termios.ICANON, "cbreak mode", 10)
        os.write(master, b"x")                 # no Enter
        wait_for(lambda: any(r["type"] == "paused" for r in log_records(log)), "x to stop the coach", 10)
        os.write(master, b"\nnext\r")          # words, after Enter (a terminal's Enter may send \r)
        wait_for(lambda: [r["command"] for r in log_records(log) if r["type"] == "command"] == ["stop", "next"],
                 "the typed words to act", 10)
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)        # Ctrl-C
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        after = termios.tcgetattr(slave)
        os.close(master)
        os.close(slave)
    assert proc.returncode == 130, err
    heard = [r for r in log_records(log) if r["type"] == "heard"]
    assert [h["source"] for h in heard] == ["key", "key"]
    assert "words: next" in out                # what was typed was shown
    # the terminal is back as it was: line editing and echo on
    assert after[3] & termios.ICANON and after[3] & termios.ECHO
    assert after == before


def _reader_on_a_pty(closing: bool, ended: bool) -> tuple[list[str], int, int, KeyReader]:
    master, slave = os.openpty()
    acted: list[str] = []
    reader = KeyReader(os.fdopen(slave, "r", closefd=False), acted.append, io.StringIO())
    reader.closing = lambda: closing
    reader.ended = lambda: ended
    return acted, master, slave, reader


def _left_in(slave: int) -> bytes:
    """What is still waiting to be read on the terminal (the next reader's: a shell's)."""
    os.set_blocking(slave, False)
    try:
        return os.read(slave, 100)
    except BlockingIOError:
        return b""


def test_during_the_closing_summary_one_key_cuts_it_short_and_the_rest_is_left() -> None:
    """Issue 38: "clear; date" typed during the summary was read as "not understood: 'lear; date'"."""
    acted, master, slave, reader = _reader_on_a_pty(closing=True, ended=False)
    try:
        reader.start()
        os.write(master, b"clear; date\n")
        wait_for(lambda: acted == [CUT_SHORT], "the key to cut the summary short", 5)
        time.sleep(0.5)
        assert acted == [CUT_SHORT]   # one key taken, no more
        reader.stop()
        assert _left_in(slave) == b"lear; date\n"
    finally:
        reader.stop()
        os.close(master)
        os.close(slave)


def test_after_the_end_nothing_typed_is_read() -> None:
    acted, master, slave, reader = _reader_on_a_pty(closing=False, ended=True)
    try:
        reader.start()
        os.write(master, b"x\n")
        time.sleep(0.6)
        reader.stop()
        assert acted == []
        assert _left_in(slave) == b"x\n"
    finally:
        reader.stop()
        os.close(master)
        os.close(slave)
