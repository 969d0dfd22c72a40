"""The command line's help fits its commands (issue 38), and README's command table lists exactly
the commands `coach --help` does, so that the two cannot drift apart again."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coach.cli import main

ROOT = Path(__file__).resolve().parent.parent


def help_of(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """What ``coach *argv --help`` prints, on one long line per option (no wrapping)."""
    monkeypatch.setenv("COLUMNS", "400")
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def help_commands(text: str) -> set[str]:
    """The subcommands a help text lists under its COMMAND (or ACTION) heading."""
    section = text.split("positional arguments:", 1)[1].split("\n\n", 1)[0]
    return {m.group(1) for m in re.finditer(r"^ {4}(\w[\w-]*) {2,}\S", section, re.MULTILINE)}


def readme_commands() -> set[str]:
    """The commands README.md's command table lists: "coach" (the menu), "run", "models download"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    header = text.index("| command | what it does |")
    rows = text[header:].split("\n\n", 1)[0].splitlines()[2:]
    found = set()
    for row in rows:
        usage = row.split("|")[1].strip().strip("`")
        words = [w for w in usage.split()[1:] if re.fullmatch(r"[a-z][a-z-]*", w)]
        found.add(" ".join(words[:2]) if words[:1] == ["models"] and len(words) > 1 else
                  words[0] if words else "coach")
    return found


def test_the_readme_table_lists_every_command_and_no_other(monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    commands = help_commands(help_of(monkeypatch, capsys))
    commands |= {f"models {a}" for a in help_commands(help_of(monkeypatch, capsys, "models"))}
    commands.add("coach")   # with no command: the menu
    listed = readme_commands()
    assert {"coach", "run", "list", "models download"} <= listed, "the table was not read"
    assert sorted(commands - listed) == [], "in `coach --help` but not in README.md's command table"
    assert sorted(listed - commands) == [], "in README.md's command table but not in `coach --help`"


def test_resume_offers_no_options_that_do_not_apply(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """`coach resume` carries on at the saved step and level: no --fresh, no --level."""
    text = help_of(monkeypatch, capsys, "resume")
    assert "--fresh" not in text and "--level" not in text
    run = help_of(monkeypatch, capsys, "run")
    assert "--fresh" in run and "--level" in run


def test_render_does_not_speak_of_saying_more_time(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of(monkeypatch, capsys, "render")
    assert "--pace" in text and "more time" not in text and "press m" not in text
    assert "say more time" in help_of(monkeypatch, capsys, "run")   # where a session can hear it


@pytest.mark.parametrize("command", ["run", "render"])
def test_level_says_the_routine_caps_it(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                        command: str) -> None:
    line = next(line for line in help_of(monkeypatch, capsys, command).splitlines()
                if line.lstrip().startswith("--level N"))
    assert "1 to 5" in line and "capped at the routine's top level" in line and "coach list" in line


@pytest.mark.parametrize(("given", "fix"), [(["--level", "3"], "coach run ROUTINE --level N"),
                                            (["--fresh"], "coach run ROUTINE --fresh")])
def test_resume_refuses_what_it_does_not_offer_with_a_fix(capsys: pytest.CaptureFixture[str], given: list[str],
                                                          fix: str) -> None:
    with pytest.raises(SystemExit) as done:
        main(["resume", *given])
    assert done.value.code == 2
    first, second = capsys.readouterr().err.splitlines()
    assert first == f"coach: resume carries on at the step and level the session stopped at, so it takes no {given[0]}"
    assert second == f"  fix: start the routine again with {fix}"
