"""The command line: every numeric option goes through one check (coach.numbers), shared by run,
resume, render and listen; usage mistakes are said as every error is (what is wrong, then the fix);
every option says what it is for."""

from __future__ import annotations

import argparse
import io
import re
from pathlib import Path

import pytest

from coach.cli import build_parser, main


@pytest.fixture(autouse=True)
def _private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("COACH_CONFIG", str(tmp_path / "absent" / "config.toml"))
    monkeypatch.setenv("COACH_ROUTINES", str(tmp_path / "routines"))


def cli(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    try:
        status = main(list(argv), out=out)
    except SystemExit as e:
        status = int(e.code or 0)
    return status, out.getvalue(), capsys.readouterr().err


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "0", "-1", "1e6", "1001", "0.01", "fast", "1e999"])
@pytest.mark.parametrize("command", [["run", "tennis-balls", "--text"], ["resume", "--text"]])
def test_speed_refuses_what_it_cannot_honour(command: list[str], value: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = cli(*command, "--fresh" if command[0] == "run" else "--text", f"--speed={value}", capsys=capsys)
    assert status == 2 and out == ""
    assert err == (f"coach {command[0]}: argument --speed: {value!r} is not a number from 0.1 to 1000\n"
                   "  fix: give --speed a number from 0.1 to 1000, for example --speed 10\n")


@pytest.mark.parametrize("command", [["run", "tennis-balls", "--text"], ["resume"],
                                     ["render", "tennis-balls", "-o", "x.wav"]])
@pytest.mark.parametrize("value", ["9", "0", "-1", "2.5", "nan", "99999999999999999999999", "1" + "0" * 400,
                                   "9" * 5000])
def test_level_is_checked_alike_by_run_resume_and_render(command: list[str], value: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = cli(*command, "--level", value, capsys=capsys)
    assert status == 2
    first, fix = err.splitlines()
    assert first == f"coach {command[0]}: argument --level: {(value if len(value) <= 40 else value[:37] + '...')!r} " \
                    "is not a whole number from 1 to 5"
    assert fix == "  fix: give --level a whole number from 1 to 5, for example --level 3"


def test_noise_suppression_is_checked_the_same_way(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = cli("listen", "--noise-suppression", "7", "x.wav", capsys=capsys)
    assert status == 2
    assert err == ("coach listen: argument --noise-suppression: '7' is not a whole number from 0 to 4\n"
                   "  fix: give --noise-suppression a whole number from 0 to 4, for example --noise-suppression 2\n")


def test_other_usage_mistakes_name_the_option_and_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = cli("run", "tennis-balls", "--role", "giver", capsys=capsys)
    assert status == 2
    assert err == ("coach run: argument --role: invalid choice: 'giver' (choose from 'self', 'partner')\n"
                   "  fix: see `coach run --help` for what it takes\n")


def test_an_unknown_voice_is_refused_in_text_mode_too(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = cli("run", "tennis-balls", "--text", "--fresh", "--voice", "nosuch", capsys=capsys)
    assert status == 2
    assert err == ("coach: --voice nosuch: there is no voice profile called 'nosuch'\n"
                   "  fix: use one of: calm, clear, fast, natural (see `coach voices`), or the path of a profile "
                   "file\n")


def _parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += _parsers(sub)
    return found


def test_every_option_says_what_it_is_for() -> None:
    missing = [f"{p.prog} {a.dest}" for p in _parsers(build_parser()) for a in p._actions
               if not isinstance(a, argparse._SubParsersAction) and not a.help]
    assert missing == []


def test_help_prints_the_user_config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """config.toml says that `coach --help` prints where the user's config file is."""
    assert "the path is printed by `coach --help`" in (Path(__file__).parent.parent / "config.toml").read_text()
    monkeypatch.setenv("COLUMNS", "400")   # no wrapped lines
    assert re.search(rf"--config FILE +use this config file instead of the user's "
                     rf"\({re.escape(str(tmp_path / 'absent' / 'config.toml'))};", build_parser().format_help())


def test_say_without_a_device_does_not_suggest_text(capsys: pytest.CaptureFixture[str]) -> None:
    """say has no --text: whatever the machine's sound, a device it cannot use gets say's own fix."""
    status, _, err = cli("say", "hello", "--output-device", "no-such-device-at-all", capsys=capsys)
    assert status == 3
    assert err.endswith("\n  fix: run `coach devices` to list the devices and choose one with --output-device; "
                        "coach say needs sound (to try a routine without it: coach run ROUTINE --text)\n"), err


def test_a_file_name_that_is_not_utf8_is_printed_as_given(tmp_path: Path) -> None:
    """Where the locale's output is strict UTF-8, printing such a name raised UnicodeEncodeError."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "HOME": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "coach", "validate", os.fsdecode(b"\xff.toml")], capture_output=True,
                       env=env, cwd=tmp_path, timeout=60)
    assert r.returncode == 1 and b"Traceback" not in r.stderr, r.stderr
    assert r.stdout == b"\xff.toml:1: no such file; check the name and the folder\n"


@pytest.mark.parametrize(("argv", "what"), [
    (["show", "~nosuchuser0/r.toml"], "the routine ~nosuchuser0/r.toml"),
    (["run", "tennis-balls", "--fresh", "--record-audio", "~nosuchuser0/rec"], "--record-audio ~nosuchuser0/rec"),
    (["listen", "--model", "~nosuchuser0/m", "x.wav"], "--model ~nosuchuser0/m"),
    (["models", "download", "vosk-model-small-en-us-0.15", "--dir", "~nosuchuser0"], "--dir ~nosuchuser0"),
])
def test_a_home_that_is_no_users_is_one_message(argv: list[str], what: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Path.expanduser raised a bare RuntimeError ("Could not determine home directory")."""
    status, _, err = cli(*argv, capsys=capsys)
    assert status == 2
    assert err == (f"coach: {what}: ~nosuchuser0 names no home folder (there is no user 'nosuchuser0')\n"
                   "  fix: write the whole path, or ~/... for a path in your own home\n")
