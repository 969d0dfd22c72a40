"""The routine validator: one failing case per rule, each with its exact line, plus the CLI."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tomlw import to_toml, toml_value

from coach.cli import main
from coach.routine import Problem, validate_file, validate_text

# Line numbers matter: the cases below replace one line of this text with another single line.
GOOD = '''\
title = "T"
description = "D"
role = "self"
start_level = 2
max_level = 3
equipment = ["a ball"]

[[steps]]
title = "Lie down"
say = "Lie down."
seconds = 30
countdown = 3
pressure = false

[[steps]]
title = "Press"
say = "Press."
reps = 10
pace = 3.0
[steps.levels]
1 = "light"
2 = "medium"
3 = "firm"
[[steps.cues]]
at = 5
say = "Halfway."
'''

HEADER_ONLY = "\n".join(GOOD.splitlines()[:6]) + "\n"


def check(text: str) -> list[Problem]:
    routine, problems = validate_text(text, Path("r.toml"))
    assert (routine is None) == bool(problems)
    return problems


def edit(old: str, new: str) -> str:
    assert GOOD.count(old) == 1, old
    assert "\n" not in new
    return GOOD.replace(old, new)


def test_good_text_has_no_problems() -> None:
    assert check(GOOD) == []


# (case name, text, line, a word the message must contain)
CASES: list[tuple[str, str, int, str]] = [
    # not TOML
    ("toml syntax", edit("seconds = 30", "seconds = = 30"), 11, "TOML"),
    ("toml unterminated", edit('say = "Press."', 'say = "Press.'), 17, "TOML"),
    # unknown keys at every level, with a suggestion
    ("unknown top key", edit('description = "D"', 'descripton = "D"'), 2, "description"),
    ("unknown step key", edit("pace = 3.0", "paec = 3.0"), 19, "did you mean 'pace'"),
    ("unknown cue key", edit("at = 5", "att = 5"), 25, "did you mean 'at'"),
    ("unknown key lists allowed", edit("pace = 3.0", "zzz = 3.0"), 19, "allowed keys"),
    # wrong types
    ("title not text", edit('title = "T"', "title = 5"), 1, "text"),
    ("start_level bool", edit("start_level = 2", "start_level = true"), 4, "whole number"),
    ("max_level float", edit("max_level = 3", "max_level = 3.0"), 5, "whole number"),
    ("reps float", edit("reps = 10", "reps = 10.0"), 18, "whole number"),
    ("reps bool", edit("reps = 10", "reps = true"), 18, "whole number"),
    ("seconds text", edit("seconds = 30", 'seconds = "30"'), 11, "number"),
    ("seconds bool", edit("seconds = 30", "seconds = true"), 11, "number"),
    ("pace text", edit("pace = 3.0", 'pace = "slow"'), 19, "number"),
    ("countdown float", edit("countdown = 3", "countdown = 2.5"), 12, "whole number"),
    ("equipment not list", edit('equipment = ["a ball"]', 'equipment = "a ball"'), 6, "list"),
    ("equipment item not text", edit('equipment = ["a ball"]', "equipment = [1]"), 6, "text"),
    ("safety item empty", edit('equipment = ["a ball"]', 'safety = ["ok", " "]'), 6, "empty"),
    ("pressure not bool", edit("pressure = false", 'pressure = "no"'), 13, "true or false"),
    ("levels not table", edit("pressure = false", 'levels = "x"'), 13, "table"),
    ("level words not text", edit('1 = "light"', "1 = 1"), 21, "text"),
    ("cue at text", edit("at = 5", 'at = "5"'), 25, "whole number"),
    ("cue say not text", edit('say = "Halfway."', "say = 3"), 26, "text"),
    ("cues not tables", edit("pressure = false", "cues = [1]"), 13, "cues"),
    ("voice not text", edit('equipment = ["a ball"]', "voice = 1"), 6, "text"),
    ("voice unknown", edit('equipment = ["a ball"]', 'voice = "clam"'), 6, "there is no voice profile called 'clam'"),
    ("voice path has a NUL", edit('equipment = ["a ball"]', 'voice = "v/\\u0000.toml"'), 6, "no voice profile file"),
    # missing required fields
    ("missing title", edit('title = "T"', ""), 1, "title"),
    ("missing description", edit('description = "D"', ""), 1, "description"),
    ("missing role", edit('role = "self"', ""), 1, "role"),
    ("missing start_level", edit("start_level = 2", ""), 1, "start_level"),
    ("missing max_level", edit("max_level = 3", ""), 1, "max_level"),
    ("missing steps", HEADER_ONLY, 1, "steps"),
    ("missing step title", edit('title = "Press"', ""), 15, "title"),
    ("missing step say", edit('say = "Press."', ""), 15, "say"),
    ("neither seconds nor reps", edit("reps = 10", ""), 15, "seconds"),
    ("both seconds and reps", edit("pace = 3.0", "seconds = 20"), 18, "both"),
    ("missing cue at", edit("at = 5", ""), 24, "at"),
    ("missing cue say", edit('say = "Halfway."', ""), 24, "say"),
    # levels
    ("start_level zero", edit("start_level = 2", "start_level = 0"), 4, "1 to 5"),
    ("max_level six", edit("max_level = 3", "max_level = 6"), 5, "1 to 5"),
    ("start above max", edit("start_level = 2", "start_level = 4"), 4, "above"),
    ("level key above max", edit('3 = "firm"', '4 = "firm"'), 23, "max_level"),
    ("level key not a number", edit('1 = "light"', 'one = "light"'), 21, "not allowed"),
    ("level key zero", edit('1 = "light"', '0 = "light"'), 21, "not allowed"),
    ("level words missing", edit('2 = "medium"', ""), 20, "level 2"),
    ("pressure step without levels", edit("pressure = false", "pressure = true"), 8, "no words"),
    ("level words empty", edit('1 = "light"', '1 = ""'), 21, "empty"),
    # steps array
    ("empty steps", HEADER_ONLY + "steps = []\n", 7, "empty"),
    ("steps not tables", HEADER_ONLY + "steps = [1, 2]\n", 7, "[[steps]]"),
    # empty strings
    ("empty title", edit('title = "T"', 'title = ""'), 1, "empty"),
    ("blank description", edit('description = "D"', 'description = "   "'), 2, "empty"),
    ("empty step say", edit('say = "Lie down."', 'say = ""'), 10, "empty"),
    ("empty cue say", edit('say = "Halfway."', 'say = ""'), 26, "empty"),
    # durations
    ("seconds zero", edit("seconds = 30", "seconds = 0"), 11, "above 0"),
    ("seconds negative", edit("seconds = 30", "seconds = -5"), 11, "above 0"),
    ("seconds absurd", edit("seconds = 30", "seconds = 1801"), 11, "1800"),
    ("seconds nan", edit("seconds = 30", "seconds = nan"), 11, "1800"),
    ("seconds inf", edit("seconds = 30", "seconds = inf"), 11, "1800"),
    ("reps zero", edit("reps = 10", "reps = 0"), 18, "1 to 200"),
    ("reps absurd", edit("reps = 10", "reps = 201"), 18, "1 to 200"),
    ("pace too fast", edit("pace = 3.0", "pace = 0.4"), 19, "0.5 to 30"),
    ("pace too slow", edit("pace = 3.0", "pace = 31"), 19, "0.5 to 30"),
    ("pace on a timed step", edit("pressure = false", "pace = 2.0"), 13, "counted"),
    ("countdown too long", edit("countdown = 3", "countdown = 11"), 12, "0 to 10"),
    ("countdown negative", edit("countdown = 3", "countdown = -1"), 12, "0 to 10"),
    ("countdown not below seconds", edit("seconds = 30", "seconds = 3"), 12, "less than"),
    ("countdown with reps", edit("pace = 3.0", "countdown = 2"), 19, "timed steps"),
    # cues out of range
    ("cue rep above reps", edit("at = 5", "at = 11"), 25, "1 to 10"),
    ("cue rep zero", edit("at = 5", "at = 0"), 25, "1 to 10"),
    ("cue rep not whole", edit("at = 5", "at = 2.5"), 25, "whole number"),
    ("cue seconds at end", edit("pressure = false", 'cues = [{at = 30, say = "x"}]'), 13, "less than"),
    ("cue seconds negative", edit("pressure = false", 'cues = [{at = -1, say = "x"}]'), 13, "from 0"),
    # role, language
    ("role unknown", edit('role = "self"', 'role = "both"'), 3, "partner"),
    ("role not text", edit('role = "self"', "role = 1"), 3, "self"),
    ("language unknown", edit('equipment = ["a ball"]', 'language = "xx"'), 6, "'en'"),
    ("language not text", edit('equipment = ["a ball"]', "language = 1"), 6, "one of"),
]


@pytest.mark.parametrize(("text", "line", "word"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_rule_reports_its_line(text: str, line: int, word: str) -> None:
    problems = check(text)
    assert problems, "expected a problem"
    assert any(p.line == line and word in p.message for p in problems), "\n".join(map(str, problems))


def test_problem_str_is_file_line_message() -> None:
    p = Problem(Path("dir/r.toml"), 7, "something is wrong")
    assert str(p) == "dir/r.toml:7: something is wrong"


def test_every_problem_is_reported_not_just_the_first() -> None:
    text = (GOOD.replace('role = "self"', 'role = "both"')
            .replace("seconds = 30", "seconds = 0")
            .replace("pace = 3.0", "paec = 3.0")
            .replace("at = 5", "at = 99"))
    problems = check(text)
    assert [(p.line, w in p.message) for p, w in zip(problems, ["role", "seconds", "paec", "at"], strict=True)] == [
        (3, True), (11, True), (19, True), (25, True)]


def test_problems_come_sorted_by_line() -> None:
    text = GOOD.replace("at = 5", "at = 99").replace('title = "T"', 'title = ""')
    lines = [p.line for p in check(text)]
    assert lines == sorted(lines) and lines[0] == 1


def test_suggestion_uses_the_closest_known_key() -> None:
    (problem,) = check(GOOD.replace("countdown = 3", "countdwn = 3"))
    assert "did you mean 'countdown'" in problem.message
    assert "seconds" in problem.message   # names the allowed keys


def test_toml_error_line_is_taken_from_the_parser() -> None:
    text = GOOD.replace('3 = "firm"', "3 = firm")
    (problem,) = check(text)
    assert problem.line == 23
    assert "TOML" in problem.message and "column" in problem.message


def test_toml_error_at_end_of_document_points_at_the_last_line() -> None:
    (problem,) = check('title = "T"\nsay = "unterminated')
    assert problem.line == 2


def test_missing_file(tmp_path: Path) -> None:
    routine, problems = validate_file(tmp_path / "nope.toml")
    assert routine is None
    (problem,) = problems
    assert problem.line == 1 and "no such file" in problem.message


def test_folder_instead_of_file(tmp_path: Path) -> None:
    _, (problem,) = validate_file(tmp_path)
    assert "folder" in problem.message


def test_not_utf8_names_the_line_and_the_fix(tmp_path: Path) -> None:
    f = tmp_path / "latin1.toml"
    f.write_bytes(GOOD.replace('say = "Press."', 'say = "Pr\xe9ss."').encode("latin-1"))
    _, (problem,) = validate_file(f)
    assert problem.line == 17
    assert "UTF-8" in problem.message and "save" in problem.message


def test_not_toml_at_all(tmp_path: Path) -> None:
    f = tmp_path / "notes.toml"
    f.write_text("These are just some notes.\nNot a routine.\n", encoding="utf-8")
    _, (problem,) = validate_file(f)
    assert problem.line == 1 and "not valid TOML" in problem.message


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    f = tmp_path / "bom.toml"
    f.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    routine, problems = validate_file(f)
    assert problems == [] and routine is not None


# -- the command line ----------------------------------------------------------------------


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(["validate", *argv], out=out)
    return status, out.getvalue()


def test_cli_good_file_prints_ok(tmp_path: Path) -> None:
    f = tmp_path / "good.toml"
    f.write_text(GOOD, encoding="utf-8")
    assert run(str(f)) == (0, f"{f}: ok\n")


def test_cli_bad_file_prints_every_problem_and_exits_1(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(GOOD.replace("seconds = 30", "seconds = 0").replace("reps = 10", "reps = 0"), encoding="utf-8")
    status, text = run(str(f))
    assert status == 1
    lines = text.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{f}:11: ") and lines[1].startswith(f"{f}:18: ")


def test_cli_mixed_files_report_each(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text("title = ", encoding="utf-8")
    status, text = run(str(good), str(bad), str(tmp_path / "missing.toml"))
    assert status == 1
    lines = text.splitlines()
    assert lines[0] == f"{good}: ok"
    assert lines[1].startswith(f"{bad}:1: not valid TOML")
    assert lines[2].startswith(f"{tmp_path / 'missing.toml'}:1: no such file")


def test_cli_non_utf8_file(tmp_path: Path) -> None:
    f = tmp_path / "bin.toml"
    f.write_bytes(b"title = \"\xff\xfe\"\n")
    status, text = run(str(f))
    assert status == 1 and f"{f}:1: not UTF-8" in text


# -- bounds on what is read: nothing overflows the stack or reads forever ------------------

DEEP = "title = " + "[" * 500 + "]" * 500 + "\n"   # under 1 KB; tomllib alone recurses until it overflows


def test_deeply_nested_value_is_one_problem_on_its_line(tmp_path: Path) -> None:
    f = tmp_path / "d.toml"
    f.write_text('role = "self"\n' + DEEP, encoding="utf-8")
    status, text = run(str(f))
    assert status == 1
    assert text == (f"{f}:2: values are nested more than 20 deep; write the value with fewer brackets and "
                    "braces inside each other\n")


def test_deeply_nested_dotted_key_is_a_problem() -> None:
    (problem,) = check('role = "self"\n' + ".".join(["a"] * 3000) + " = 1\n")
    assert problem.line == 2 and "nested more than 20 deep" in problem.message


def test_brackets_inside_strings_and_comments_do_not_count() -> None:
    assert check(GOOD.replace('description = "D"', 'description = "' + "[" * 50 + '" # ' + "{" * 50))[0:0] == []
    routine, problems = validate_text(GOOD.replace('description = "D"', 'description = """' + "[[" * 50 + '"""'),
                                      Path("r.toml"))
    assert problems == [] and routine is not None


def test_integer_too_long_to_convert_is_a_problem() -> None:
    (problem,) = check(GOOD.replace("seconds = 30", "seconds = 1" + "0" * 5000))
    assert problem.line == 11 and "more than 4300 digits" in problem.message


def test_huge_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    f = tmp_path / "huge.toml"
    f.write_text(GOOD + "# " + "x" * 1_100_000 + "\n", encoding="utf-8")
    _, (problem,) = validate_file(f)
    assert problem.line == 1 and "larger than 1 MB" in problem.message
    _, (problem,) = validate_file(Path("/dev/zero"))   # never ends: read only as far as the bound
    assert "larger than 1 MB" in problem.message


def test_a_bad_file_in_the_routines_folder_does_not_break_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "deep.toml").write_text(DEEP, encoding="utf-8")
    monkeypatch.setenv("COACH_ROUTINES", str(folder))
    out = io.StringIO()
    assert main(["list"], out=out) == 0
    lines = out.getvalue().splitlines()
    assert any(line.startswith("tennis-balls — ") for line in lines)
    (bad,) = [line for line in lines if line.startswith("deep — broken")]
    assert f"{folder / 'deep.toml'}:1: values are nested more than 20 deep" in bad
    assert f"coach validate {folder / 'deep.toml'}" in bad


# -- nothing the validator is given makes it crash -----------------------------------------

KNOWN_KEYS = ["title", "description", "role", "language", "voice", "start_level", "max_level", "equipment",
              "safety", "contraindications", "aftercare", "steps", "say", "seconds", "reps", "pace",
              "countdown", "pressure", "levels", "cues", "at", "1", "2", "3", "4", "5", "6", "0"]

keys = st.sampled_from(KNOWN_KEYS) | st.text(max_size=6)
scalars = (st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1)
           | st.integers(min_value=-3, max_value=12) | st.floats() | st.text(max_size=12)
           | st.sampled_from(["self", "partner", "en", "ko", ""]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
                      max_leaves=8)
steps = st.lists(
    st.fixed_dictionaries({}, optional={k: values for k in
                                        ["title", "say", "seconds", "reps", "pace", "countdown", "pressure"]})
    .flatmap(lambda d: st.fixed_dictionaries(
        {}, optional={"levels": st.dictionaries(keys, scalars, max_size=6),
                      "cues": st.lists(st.dictionaries(st.sampled_from(["at", "say", "x"]), scalars), max_size=3)})
        .map(lambda extra: {**d, **extra})),
    max_size=3)
routines = st.fixed_dictionaries(
    {}, optional={**{k: values for k in KNOWN_KEYS[:11]}, "steps": steps | values},
).flatmap(lambda d: st.dictionaries(keys, values, max_size=2).map(lambda extra: {**extra, **d}))


def _only_problems(text: str) -> None:
    routine, problems = validate_text(text, Path("fuzz.toml"))
    assert all(isinstance(p, Problem) and p.line >= 1 and p.message for p in problems)
    assert (routine is None) == bool(problems)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(routines)
def test_random_documents_only_ever_give_problems(doc: dict[str, Any]) -> None:
    _only_problems(to_toml(doc))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_random_text_only_ever_gives_problems(text: str) -> None:
    _only_problems(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*GOOD.splitlines(), "[steps.levels]", "[[steps.cues]]", "[[steps]]", "x = ["]),
                max_size=30))
def test_shuffled_lines_only_ever_give_problems(lines: list[str]) -> None:
    _only_problems("\n".join(lines))


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=len(GOOD.splitlines()) - 1), values)
def test_any_value_in_a_good_routine_only_ever_gives_problems(index: int, value: Any) -> None:
    lines = GOOD.splitlines()
    key, sep, _ = lines[index].partition(" = ")
    if sep:
        lines[index] = f"{key} = {toml_value(value)}"
    _only_problems("\n".join(lines))


def test_the_writer_round_trips() -> None:
    import tomllib

    doc = {"a": 1, "b": [1, "x"], "c": {"d": True}, "steps": [{"t": 1.5}, {"u": {"1": "x"}}]}
    assert tomllib.loads(to_toml(doc)) == doc


def test_lines_stay_right_after_multi_line_arrays_and_strings() -> None:
    text = GOOD.replace('equipment = ["a ball"]', 'equipment = [\n  "a [ball",  # a [ comment\n  "a mat",\n]').replace(
        'say = "Lie down."', 'say = """Lie down.\n[[steps]]\nnot = a key"""')
    text = text.replace("seconds = 30", "seconds = 0")
    (problem,) = check(text)
    assert problem.line == 16 and "seconds" in problem.message


@pytest.mark.parametrize(("old", "new", "word"), [
    ('say = "Press."', 'say = "Ask your partner to lie down."', "partner"),
    ('say = "Halfway."', 'say = "Tell the receiver to breathe."', "receiver"),
])
def test_a_routine_for_yourself_that_names_a_partner_is_reported_at_its_line(old: str, new: str, word: str) -> None:
    text = edit(old, new)
    problems = check(text)
    line = text.splitlines().index(new) + 1
    assert [(p.line, word in p.message and 'role = "self"' in p.message) for p in problems] == [(line, True)]


def test_a_routine_for_a_partner_that_speaks_of_your_back_is_reported() -> None:
    text = edit('role = "self"', 'role = "partner"').replace('say = "Press."', 'say = "Press on your back."')
    problems = check(text)
    assert len(problems) == 1 and "'your back'" in problems[0].message and 'role = "partner"' in problems[0].message
    assert check(text.replace("on your back", "on their back")) == []


def test_the_builtin_routines_fit_their_roles() -> None:
    from coach.routine import builtin_dir

    for path in sorted(builtin_dir().glob("*.toml")):
        assert validate_file(path)[1] == [], path


def test_a_routine_cannot_be_run_or_rendered_in_the_role_it_is_not_written_for(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["run", "swedish", "--role", "self", "--text", "--fresh"],
                 ["render", "swedish", "--role", "self", "-o", str(tmp_path / "x.wav")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "swedish is written for someone massaging a partner" in err
        assert "pick a routine for yourself: " in err and "tennis-balls" in err
    assert not (tmp_path / "x.wav").exists()


def test_a_line_too_long_to_say_is_refused_at_its_line(tmp_path: Path) -> None:
    """Issue 37: a 100 KB line passed validate, and `coach render` asked onnxruntime for 230 GB."""
    from coach.routine.check import MAX_TEXT

    long = "Breathe out slowly. " * 5000   # 100 KB
    problems = check(edit('say = "Halfway."', f'say = "{long}"'))
    assert [(p.line, p.message.split(" is ")[0]) for p in problems] == [(26, "steps.2.cues.1.say")]
    assert f"at most {MAX_TEXT}" in problems[0].message and "split it" in problems[0].message
    assert check(edit('say = "Halfway."', f'say = "{"a" * MAX_TEXT}"')) == []
    f = tmp_path / "long.toml"
    f.write_text(GOOD.replace('equipment = ["a ball"]', f'equipment = ["{long}"]'), encoding="utf-8")
    status, text = run(str(f))
    assert status == 1 and text.startswith(f"{f}:6: equipment.1 is 100000 characters long"), text
