"""The menu by voice, end to end through real PortAudio: a whole `coach` process (no command)
against a private PulseAudio server (tests/pulse.py); the coach's microphone also hears its own
voice (the room echo).

What the menu hears is cued (tests/cued.py): the virtual user says the words into the room (flite's
recorded voice), so that the echo canceller's figures over them are a real voice's over the coach's,
and the recogniser, fed the live microphone, hears those words then, always. Whether a synthetic
voice is recognised is a benchmark figure (`make bench`) and the real recognisers' tests are on
files (test_listen_engines, test_listen_whisper); here it is the menu, the session it starts, the
listening process they share, and the streams. The menu speaks in the "fast" voice (espeak-ng, from
the user's config); the last test runs the real `coach`, with the recogniser it loads by default.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cued import Coach
from logtools import records as log_records
from logtools import wait_for
from pulse import PulseServer
from test_menu_tmux import Tmux, _wait_screen


def _coach(pulse: PulseServer, tmp_path: Path, *more: str, env: dict[str, str] | None = None) -> Coach:
    return Coach(pulse, tmp_path, tmp_path / "menu.jsonl", *more, env=env)


def _menu(c: Coach, event: str) -> list[dict[str, Any]]:
    return [r for r in c.records("menu") if r.get("event") == event]


@pytest.fixture()
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    """A tmux server of the test's own (tests/test_menu_tmux.py)."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed: apt-get install tmux")
    t = Tmux(tmp_path)
    try:
        yield t
    finally:
        t.kill()


def test_a_number_said_over_the_list_chooses_and_the_session_starts(pulse: PulseServer, tmp_path: Path) -> None:
    """"five", said over the first lines of the list: words heard while the menu speaks are its own
    unless the echo canceller's figures show another voice in the room (the live echo path's part),
    and even then the words of the line it is saying, or has just said, are taken for its own (so
    not "six", which the first line, "There are six.", says, nor "five" over "Five: ...")."""
    c = _coach(pulse, tmp_path)
    try:
        c.wait(lambda: bool(_menu(c, "list")), "the menu to read the list", 60)
        c.until_speaking()   # its first lines: the user speaks over the coach
        c.say("five")
        c.wait(lambda: bool(_menu(c, "chosen")), "the choice", 10)
        c.wait(lambda: bool(c.records("started")), "the session to start", 30)
    finally:
        out, err = c.finish()
    chosen = _menu(c, "chosen")
    assert [(x["action"], x["routine"], x["how"]) for x in chosen] == [("run", "thumb-kneading", "voice")], \
        c.story(err)
    heard = [r for r in c.records() if r["type"] == "heard" and r.get("text") == "five"]
    assert heard and "ignored" not in heard[0], c.story(err)
    assert "Five, Lower back thumb kneading. Starting." in c.said()
    assert c.records("started")[0]["routine"] == "thumb-kneading"
    # the transcript a screen reader reads: the confirmation, then the session's first line
    lines = out.splitlines()
    at = lines.index("Five, Lower back thumb kneading. Starting.")
    assert [line for line in lines[at + 1:] if not line.startswith("heard:")][0].startswith(
        "Lower back thumb kneading.")
    # one listening process served the menu and the session: the recogniser was made once
    assert err.count("listening with ") == 1, err


def test_next_then_a_title_word_said_in_the_quiet_chooses(pulse: PulseServer, tmp_path: Path) -> None:
    """"next" names the first routine; in the quiet after it, a word of a title ("tennis", words
    that hold no command, which reach the menu from the listening process) chooses that routine,
    and the routine's own voice takes over on the same stream. (Said in the quiet: words over the
    menu's voice are the first test's.)"""
    c = _coach(pulse, tmp_path)
    try:
        c.wait(lambda: bool(_menu(c, "waiting")), "the menu to read the list and fall quiet", 90)
        time.sleep(0.5)
        c.say("next")
        c.wait(lambda: bool(_menu(c, "named")), "the first routine to be named", 10)
        c.wait(lambda: len(_menu(c, "waiting")) >= 2, "the menu to fall quiet again", 30)
        time.sleep(0.5)
        c.say("tennis")
        c.wait(lambda: bool(_menu(c, "chosen")), "the choice", 10)
        c.wait(lambda: bool(c.records("started")), "the session to start", 30)
    finally:
        _out, err = c.finish()
    named = _menu(c, "named")
    assert named and named[0]["routine"] == "gentle-lower-back", c.story(err)
    assert "One: Gentle lower back, about twelve minutes. Say yes to choose it, or next." in c.said()
    chosen = _menu(c, "chosen")
    assert [(x["routine"], x["how"]) for x in chosen] == [("tennis-balls", "voice")], c.story(err)
    assert c.records("started")[0]["routine"] == "tennis-balls"
    assert "the voice stays as it was" not in err, err   # the routine's own voice ("calm") took over


def test_yes_said_to_the_resume_question_carries_on(pulse: PulseServer, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "resume.json").write_text(json.dumps({
        "routine": "tennis-balls", "path": "", "step": 3, "level": 3, "role": "self", "log": "",
        "saved": time.time() - 7200}))
    c = _coach(pulse, tmp_path)
    try:
        c.wait(lambda: bool(_menu(c, "waiting")), "the resume question to be asked", 60)
        c.say("yes")
        c.wait(lambda: bool(_menu(c, "chosen")), "the answer", 10)
        c.wait(lambda: bool(c.records("started")), "the session to carry on", 30)
    finally:
        _out, err = c.finish()
    said = c.said()
    assert said[0].startswith("Your last session of Tennis balls, lying down stopped at step four"), said
    chosen = _menu(c, "chosen")
    assert [(x["action"], x["how"]) for x in chosen] == [("resume", "yes")], c.story(err)
    started = c.records("started")[0]
    assert started["routine"] == "tennis-balls" and started["step"] == 3 and started["resumed"] is True


def test_without_a_microphone_the_menu_says_so_and_a_key_chooses(pulse: PulseServer, tmp_path: Path) -> None:
    """The microphone cannot be opened: the menu still speaks, says why it cannot hear and which
    keys to use, and a number key typed into its input chooses; the session goes on without
    listening too."""
    rec = pulse.start_recording("coach_out.monitor")
    c = _coach(pulse, tmp_path, "--input-device", "no such microphone")
    try:
        c.wait(lambda: bool(_menu(c, "list")), "the menu to read the list", 60)
        time.sleep(3.0)
        c.type("5")
        c.wait(lambda: bool(c.records("started")), "the session to start", 30)
        time.sleep(2.0)
    finally:
        out, err = c.finish()
        sound = rec.stop()
    said = c.said()
    assert said[0] == "I cannot hear you this time: the microphone could not be opened. Use the keys instead.", said
    assert "carrying on without listening" in err and "a number key chooses" in err, err
    assert "Five, Lower back thumb kneading. Starting." in said
    assert any(r["type"] == "cannot_hear" for r in c.records())   # the session knows it too
    assert c.records("started")[0]["routine"] == "thumb-kneading"
    assert "I cannot hear you this time" in out
    assert np.sqrt(np.mean(sound.astype(np.float64) ** 2)) > 100, "the menu spoke into the speaker"


QUICK = """\
title = "Quiet hold"
description = "One long hold."
role = "self"
language = "en"
start_level = 2
max_level = 3
safety = ["Stop if anything hurts."]

[[steps]]
title = "Hold"
say = "Lie still."
seconds = 120
pressure = false
"""


def test_what_can_i_say_and_more_time_by_voice_in_a_session(pulse: PulseServer, tmp_path: Path) -> None:
    """Issue 18's help and "more time" said in a session started from the menu by a typed title
    word: a step held 30 s longer, and the help for where the session is. (A routine of the user's
    with one long, quiet hold: the listening process the menu started serves the session.)"""
    from coach.routine import load

    routines = tmp_path / "routines"
    routines.mkdir()
    (routines / "quiet-hold.toml").write_text(QUICK)
    data = tmp_path / "data"
    data.mkdir()
    # a returning user: the short introduction
    (data / "profile.json").write_text(json.dumps(
        {"safety_heard": {"quiet-hold": load(routines / "quiet-hold.toml").safety_fingerprint}}))
    c = _coach(pulse, tmp_path, env={"COACH_ROUTINES": str(routines)})

    def commands() -> list[str]:
        return [r["command"] for r in c.records() if r["type"] == "command"]

    try:
        c.wait(lambda: bool(_menu(c, "list")), "the menu to read the list", 60)
        c.type("quiet")
        c.wait(lambda: bool(c.records("started")), "the session to start", 30)
        c.wait(lambda: any(r["type"] == "step" for r in c.records()), "step one", 60)
        c.until_quiet()   # "Step one of one: Hold, two minutes. Lie still."
        c.say("more time")
        c.wait(lambda: "more time" in commands(), "more time to be taken", 10)
        c.wait(lambda: any(s.startswith("Thirty seconds more.") for s in c.said()), "its reply", 10)
        c.until_quiet()   # "Thirty seconds more. Two and a half minutes left in this step."
        c.say("what can I say", "rms")
        c.wait(lambda: "help" in commands(), "help to be taken", 10)
        c.wait(lambda: any(s.startswith("Step one of one, Hold:") for s in c.said()), "the help", 10)
    finally:
        _out, err = c.finish()
    records = c.records()
    said = c.said()
    assert "Three, Quiet hold. Starting." in said, c.story(err)
    assert commands() == ["more time", "help"], c.story(err)
    assert any(r["type"] == "more_time" for r in records), c.story(err)
    assert any(s.startswith("Step one of one, Hold:") and "You can also say" in s for s in said), c.story(err)


def test_with_a_recogniser_that_hears_only_commands_next_and_yes_choose(pulse: PulseServer, tmp_path: Path) -> None:
    """A recogniser that writes no words down (pocketsphinx alone, its commands guesses): the menu
    says to use next and yes, and they choose."""
    c = _coach(pulse, tmp_path, "--engine", "pocketsphinx")
    try:
        c.wait(lambda: bool(_menu(c, "waiting")), "the menu to read the list and fall quiet", 90)
        time.sleep(2.5)   # its last line says "Say next to hear them ...": not its echo (see below)
        c.say("next")
        c.wait(lambda: bool(_menu(c, "named")), "a routine to be named", 10)
        c.wait(lambda: len(_menu(c, "waiting")) >= 2, "the menu to fall quiet again", 30)
        # a moment after the line that ended "Say yes to choose it, or next.": a "yes" heard within
        # 2 s of the menu's own (policy.WORD_LATE), with no echo figures to tell it apart (this
        # recogniser's guesses come with none), is taken for its echo
        time.sleep(2.5)
        c.say("yes")
        c.wait(lambda: bool(_menu(c, "chosen")), "the choice", 10)
        c.wait(lambda: bool(c.records("started")), "the session to start", 30)
    finally:
        _out, err = c.finish()
    started = _menu(c, "started")
    assert started[0]["words"] is False, c.story(err)
    assert "listening with cued words (commands only)" in err, err
    assert any("Say next to hear them one at a time, and yes to choose one" in s for s in c.said()), c.said()
    named = _menu(c, "named")
    chosen = _menu(c, "chosen")
    assert [(x["routine"], x["how"]) for x in chosen] == [(named[0]["routine"], "voice")], c.story(err)
    assert len(named) == 1 and c.records("started")[0]["routine"] == named[0]["routine"]


def test_the_spoken_menu_on_a_terminal_takes_a_number_key_while_it_speaks(tmux: Tmux, tmp_path: Path,
                                                                          pulse: PulseServer) -> None:
    """The audio menu, with the real recogniser (loaded in its listening process), in a real
    terminal: the key 2, pressed while the list is being read, silences it and chooses; the
    transcript shows the lines as they are heard."""
    log = tmp_path / "menu.jsonl"
    tmux.start("--log", str(log), "--voice", "fast", env=pulse.env)
    wait_for(lambda: any(r["type"] == "menu" and r.get("event") == "list" for r in log_records(log)),
             "the menu to read the list", 60)
    _wait_screen(tmux, "Choose a routine. There are six.")
    tmux.keys("2")
    _wait_screen(tmux, "Two, Partner back massage. Starting.")
    wait_for(lambda: any(r["type"] == "started" for r in log_records(log)), "the session to start")
    assert [r for r in log_records(log) if r["type"] == "started"][0]["routine"] == "partner-back"
    _wait_screen(tmux, "Partner back massage. A full back massage")
    screen = tmux.screen()
    # the list was cut short by the key: its last lines were never said, so never printed
    assert "Six: Trigger points with one ball" not in screen, "\n".join(json.dumps(r) for r in log_records(log))
    tmux.keys("x")
    wait_for(lambda: any(r["type"] == "paused" for r in log_records(log)), "x to pause the session")
    tmux.keys("x")
    wait_for(tmux.dead, "the session to end", 60)
    assert "Session ended early; your place is saved." in tmux.screen()
