"""Issue 36, point 4: nothing from a file reaches the terminal as a control.

Property tests: whatever text a routine holds (any Unicode, controls included), `coach show`,
`coach list` and `coach validate` put no ESC, no other C0 or C1 control but newline, no DEL and
no bidi override on stdout or stderr; the transcript of a session prints none; validate reports
each such character at its file:line; the synthesiser is given none.
"""

from __future__ import annotations

import io
import json
import re
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from tomlw import toml_string

from coach.cli import main
from coach.routine import validate_text
from coach.speech.fake import PrintSpeaker
from coach.terminal import describe, json_safe, printable, printable_lines, spoken, unsafe
from coach.transcript import Transcript

#: what must never reach a terminal from a file: C0 but newline, DEL, C1, bidi controls, separators
FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")

#: any Unicode a file can hold (no lone surrogates: a UTF-8 file cannot), controls made likely
ANY_TEXT = st.text(st.one_of(st.characters(codec="utf-8"),
                             st.sampled_from("\x1b\x07\r\x00\x9b\x9d\x7f\u202e\u2066\u200f\u061c\u2028[];")),
                   max_size=30)

# a valid routine with one place for each kind of text a routine prints
ROUTINE = """\
title = {title}
description = {description}
role = "self"
start_level = 1
max_level = 2
equipment = [{equipment}]

[[steps]]
title = {step}
say = {say}
seconds = 20
pressure = false

[[steps.cues]]
at = 5
say = {cue}
"""


def routine_text(title: str, description: str, step: str, say: str, cue: str, equipment: str) -> str:
    return ROUTINE.format(title=toml_string(title or "t"), description=toml_string(description or "d"),
                          step=toml_string(step or "s"), say=toml_string(say or "s"), cue=toml_string(cue or "c"),
                          equipment=toml_string(equipment or "e"))


def clean(text: str) -> bool:
    return FORBIDDEN.search(text) is None


# ---------------------------------------------------------------------------------------------
# the functions


@given(st.text())
def test_printable_leaves_nothing_that_acts_on_a_terminal(text: str) -> None:
    shown = printable(text)
    assert clean(shown) and "\n" not in shown
    assert clean(printable_lines(text))


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs"),
                             blacklist_characters="\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                                  "\u2066\u2067\u2068\u2069\u2028\u2029")))
def test_printable_changes_no_ordinary_text(text: str) -> None:
    assert printable(text) == text == spoken(text)


def test_each_kind_is_shown_visibly() -> None:
    assert printable("a\x1b]0;owned\x07b") == "a\\x1b]0;owned\\x07b"
    assert printable("x\ry\n\t\x00\x7f\x9b") == "x\\ry\\n\\t\\x00\\x7f\\x9b"
    assert printable("\u202eevil\u2066\u200e\u061c") == "<U+202E>evil<U+2066><U+200E><U+061C>"
    assert printable_lines("one\ntwo\x1b") == "one\ntwo\\x1b"
    assert printable("\udc9b\udcff") == "\\x9b\udcff"   # a C1 byte of a file name; a Latin-1 one as given


@given(st.text())
def test_spoken_drops_them_and_keeps_words_apart(text: str) -> None:
    said = spoken(text)
    assert clean(said) and "\n" not in said
    assert spoken("one\ntwo\x1bthree\u202e") == "one twothree"


@given(st.dictionaries(st.text(max_size=5), st.text(max_size=20), max_size=4))
def test_json_safe_is_the_same_json_with_nothing_that_acts(value: dict[str, str]) -> None:
    line = json_safe(json.dumps(value, ensure_ascii=False))
    assert clean(line)
    assert json.loads(line) == value


def test_describe_and_unsafe_name_each_character_and_where_it_is() -> None:
    assert describe("plain\ttext\n") is None
    assert describe("a\x1bb\u202e") == "U+001B ESCAPE, U+202E RIGHT-TO-LEFT OVERRIDE"
    found = list(unsafe({"title": "ok", "steps": [{"say": "x\x07"}], "k\x9b": 1}))
    assert found == [(("steps", 0, "say"), "U+0007 BELL"), (("k\x9b",), "U+009B CONTROL SEQUENCE INTRODUCER")]


# ---------------------------------------------------------------------------------------------
# validate: at file:line


@pytest.mark.parametrize(("char", "name"), [("\\u001b", "ESCAPE"), ("\\u0007", "BELL"), ("\\r", "CARRIAGE RETURN"),
                                            ("\\u0000", "NULL"), ("\\u009b", "CONTROL SEQUENCE INTRODUCER"),
                                            ("\u202e", "RIGHT-TO-LEFT OVERRIDE"), ("\u2066", "LEFT-TO-RIGHT ISOLATE")])
def test_validate_reports_a_control_at_its_line(char: str, name: str) -> None:
    text = routine_text("t", "d", "s", "s", "c", "e").replace('say = "s"', f'say = "a{char}b"')
    routine, problems = validate_text(text, Path("r.toml"))
    assert routine is None
    line = text.splitlines().index(f'say = "a{char}b"') + 1
    assert [str(p) for p in problems] == [
        f"r.toml:{line}: steps.1.say holds U+{ord(json.loads(f'{chr(34)}{char}{chr(34)}')):04X} {name}: a character "
        "that acts on the terminal or hides text instead of being shown; remove it"]


def test_tabs_and_newlines_in_a_routine_are_fine() -> None:
    routine, problems = validate_text(routine_text("t", "two\nlines", "s", "a\ttab", "c", "e"), Path("r.toml"))
    assert problems == [] and routine is not None


# ---------------------------------------------------------------------------------------------
# the commands, in this process


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=ANY_TEXT, description=ANY_TEXT, step=ANY_TEXT, say=ANY_TEXT, cue=ANY_TEXT, equipment=ANY_TEXT,
       name=st.text(st.characters(codec="utf-8", blacklist_characters="/\x00"), min_size=1, max_size=12))
def test_no_routine_text_puts_a_control_on_show_list_or_validate(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        title: str, description: str, step: str, say: str, cue: str, equipment: str, name: str) -> None:
    folder = tmp_path / "routines"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    path = folder / f"{name}.toml"
    try:
        path.write_text(routine_text(title, description, step, say, cue, equipment), encoding="utf-8")
    except OSError:   # a name this file system refuses (too long in bytes)
        return
    monkeypatch.setenv("COACH_ROUTINES", str(folder))
    monkeypatch.setenv("COACH_CONFIG", str(tmp_path / "none.toml"))
    capsys.readouterr()
    for argv in (["show", str(path)], ["validate", str(path)], ["list"]):
        status = main(argv)
        out, err = capsys.readouterr()
        assert clean(out) and clean(err), (argv, out, err)
        assert status in (0, 1, 2)


@given(st.lists(ANY_TEXT, min_size=1, max_size=5))
def test_the_transcript_prints_no_control(lines: list[str]) -> None:
    printed: list[str] = []
    transcript = Transcript(printed.append)
    for i, line in enumerate(lines):
        transcript.queued(i, line)
        transcript.done(i)
    assert len(printed) == len(lines)
    assert all(clean(p) for p in printed)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=ANY_TEXT, say=ANY_TEXT, cue=ANY_TEXT)
def test_no_routine_text_puts_a_control_on_a_text_session(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        title: str, say: str, cue: str) -> None:
    """A whole `coach run --text` in this process (the transcript, the summary, the errors): a
    routine with controls is refused, one without is run; neither prints a control."""
    path = tmp_path / "r.toml"
    path.write_text(routine_text(title, "d", "s", say, cue, "e"), encoding="utf-8")
    monkeypatch.setenv("COACH_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("COACH_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    capsys.readouterr()
    status = main(["run", str(path), "--text", "--fresh", "--speed", "200"])
    out, err = capsys.readouterr()
    event("run" if status == 0 else "refused")
    assert status in (0, 2), (out, err)
    assert clean(out) and clean(err), (out, err)


@given(st.lists(ANY_TEXT, min_size=1, max_size=5))
def test_the_text_mode_speaker_prints_no_control(lines: list[str]) -> None:
    """Text sessions and the text menu print their lines through PrintSpeaker."""
    out = io.StringIO()
    speaker = PrintSpeaker(out, lambda uid, interrupted: None)
    for i, line in enumerate(lines):
        speaker.say(i, line)
    assert clean(out.getvalue())
    assert speaker.spoken == lines


def test_a_text_session_of_a_hostile_routine_prints_no_control(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A routine with escape sequences in its words is refused with its problems, shown as text."""
    path = tmp_path / "evil\x1b[2J.toml"
    path.write_text(routine_text("Evil\x1b]0;owned\x07", "\u202ereversed", "s\r", "\x9b2J", "c", "e"),
                    encoding="utf-8")
    monkeypatch.setenv("COACH_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("COACH_CONFIG", str(tmp_path / "none.toml"))
    status = main(["run", str(path), "--text", "--fresh"])
    out, err = capsys.readouterr()
    assert status == 2
    assert clean(out) and clean(err), (out, err)
    assert "holds U+0007 BELL, U+001B ESCAPE" in err and "evil\\x1b[2J.toml" in err


def test_the_printable_set_is_what_the_tests_forbid() -> None:
    for code in [*range(0x20), *range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F),
                 *range(0x2066, 0x206A), 0x2028, 0x2029]:
        assert clean(printable(chr(code))), hex(code)
        assert not clean(chr(code)) or code == 0x0A, hex(code)
    assert printable(string.ascii_letters + string.digits + string.punctuation + " ") == \
        string.ascii_letters + string.digits + string.punctuation + " "
