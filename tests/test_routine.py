"""Loading routines into the model, and finding them by id or path."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.errors import RoutineError
from coach.routine import (
    Cue,
    Routine,
    available,
    builtin_dir,
    find,
    load,
    scan,
    user_dir,
    validate_file,
    validate_text,
)

ROUTINE = '''\
title = "Tennis balls"
description = "Lie on two balls."
role = "self"
language = "en"
voice = "calm"
start_level = 2
max_level = 3
equipment = ["two balls", "a mat"]
safety = ["never on the spine"]
contraindications = ["you have a fracture"]
aftercare = ["drink water"]

[[steps]]
title = "Lie down"
say = "Lie down on the mat."
seconds = 45
countdown = 5
pressure = false

[[steps]]
title = "Roll"
say = "Roll slowly."
reps = 10
pace = 3
[steps.levels]
3 = "lift your hips"
1 = "hips down"
2 = "a little weight"
[[steps.cues]]
at = 8
say = "Nearly done."
[[steps.cues]]
at = 2
say = "Keep going."

[[steps]]
title = "Hold"
say = "Hold still."
seconds = 60.5
levels = { 1 = "a", 2 = "b", 3 = "c" }
cues = [{ at = 30, say = "Breathe." }, { at = 0, say = "Start." }]
'''


@pytest.fixture
def routine_file(tmp_path: Path) -> Path:
    f = tmp_path / "my-balls.toml"
    f.write_text(ROUTINE, encoding="utf-8")
    return f


@pytest.fixture
def user_routines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "user"
    folder.mkdir()
    monkeypatch.setenv("COACH_ROUTINES", str(folder))
    return folder


def test_load_maps_every_field(routine_file: Path) -> None:
    r = load(routine_file)
    assert isinstance(r, Routine)
    assert r.id == "my-balls" and r.path == routine_file
    assert (r.title, r.description, r.role, r.language, r.voice) == (
        "Tennis balls", "Lie on two balls.", "self", "en", "calm")
    assert (r.start_level, r.max_level) == (2, 3)
    assert r.equipment == ("two balls", "a mat")
    assert r.safety == ("never on the spine",)
    assert r.contraindications == ("you have a fracture",)
    assert r.aftercare == ("drink water",)
    assert len(r.steps) == 3


def test_steps_are_mapped_with_lines_and_sorted_levels_and_cues(routine_file: Path) -> None:
    lie, roll, hold = load(routine_file).steps
    assert (lie.line, roll.line, hold.line) == (13, 20, 36)
    assert lie.timed and lie.seconds == 45 and lie.countdown == 5 and not lie.pressure
    assert lie.levels == () and lie.cues == ()
    assert not roll.timed and roll.reps == 10 and roll.pace == 3.0 and roll.pressure
    assert roll.levels == ((1, "hips down"), (2, "a little weight"), (3, "lift your hips"))
    assert roll.cues == (Cue(2, "Keep going."), Cue(8, "Nearly done."))
    assert roll.duration == 30
    assert hold.seconds == 60.5 and hold.pace == 2.0 and hold.countdown == 0
    assert hold.levels == ((1, "a"), (2, "b"), (3, "c"))
    assert [c.at for c in hold.cues] == [0, 30]


def test_optional_fields_take_their_defaults() -> None:
    text = ROUTINE.replace('language = "en"\n', "").replace('voice = "calm"\n', "")
    for key in ("equipment", "safety", "contraindications", "aftercare"):
        text = "\n".join(line for line in text.splitlines() if not line.startswith(key))
    r, problems = validate_text(text, Path("x.toml"))
    assert problems == []
    assert r is not None
    assert r.language == "en" and r.voice is None and r.equipment == () and r.aftercare == ()


def test_text_is_stripped() -> None:
    r, _ = validate_text(ROUTINE.replace('title = "Tennis balls"', 'title = "  Tennis balls "'), Path("x.toml"))
    assert r is not None and r.title == "Tennis balls"


def test_partner_role_and_korean_language() -> None:
    text = ROUTINE.replace('role = "self"', 'role = "partner"').replace('language = "en"', 'language = "ko"')
    r, problems = validate_text(text, Path("x.toml"))
    assert problems == [] and r is not None
    assert r.role == "partner" and r.language == "ko"


def test_load_raises_with_every_problem_and_the_fix(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(ROUTINE.replace("seconds = 45", "seconds = 0").replace("reps = 10", "reps = 0"), encoding="utf-8")
    with pytest.raises(RoutineError) as info:
        load(f)
    message = str(info.value)
    assert f"{f}:16:" in message and f"{f}:23:" in message
    assert info.value.fix == f"run `coach validate {f}` after fixing, to check it"


def test_load_missing_file_is_a_routine_error(tmp_path: Path) -> None:
    with pytest.raises(RoutineError, match="no such file"):
        load(tmp_path / "gone.toml")


def test_validate_file_returns_the_routine(routine_file: Path) -> None:
    routine, problems = validate_file(routine_file)
    assert problems == [] and routine is not None and routine.id == "my-balls"


def test_routine_is_only_data(tmp_path: Path) -> None:
    f = tmp_path / "evil.toml"
    marker = tmp_path / "pwned"
    f.write_text(ROUTINE.replace('title = "Tennis balls"', f'title = "__import__(\'os\').mkdir(\'{marker}\')"'),
                 encoding="utf-8")
    r = load(f)
    assert not marker.exists()
    assert r.title.startswith("__import__")


def test_user_dir_follows_the_environment(user_routines: Path) -> None:
    assert user_dir() == user_routines


def test_user_dir_default_is_under_the_user_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COACH_ROUTINES", raising=False)
    assert user_dir().name == "routines" and "coach" in str(user_dir())


def test_builtin_dir_is_scripts() -> None:
    assert builtin_dir().name == "scripts" and (builtin_dir() / "tennis-balls.toml").is_file()


def test_available_merges_built_in_and_user_routines_sorted(user_routines: Path) -> None:
    (user_routines / "aaa-mine.toml").write_text(ROUTINE, encoding="utf-8")
    (user_routines / "broken.toml").write_text("title = ", encoding="utf-8")
    ids = [r.id for r in available()]
    assert ids == sorted(ids)
    assert ids[0] == "aaa-mine" and "tennis-balls" in ids and "broken" not in ids
    _, broken = scan()
    assert [p.stem for p, _ in broken] == ["broken"]
    assert broken[0][1][0].line == 1


def test_a_user_routine_replaces_a_built_in_one_with_the_same_id(user_routines: Path) -> None:
    (user_routines / "tennis-balls.toml").write_text(ROUTINE, encoding="utf-8")
    (mine,) = [r for r in available() if r.id == "tennis-balls"]
    assert mine.title == "Tennis balls" and mine.path == user_routines / "tennis-balls.toml"


def test_find_by_id(user_routines: Path) -> None:
    assert find("swedish").id == "swedish"


def test_find_by_path(routine_file: Path) -> None:
    assert find(str(routine_file)).id == "my-balls"


def test_find_unknown_id_lists_ids_and_suggests(user_routines: Path) -> None:
    with pytest.raises(RoutineError) as info:
        find("tennis-ball")
    assert "tennis-balls" in info.value.message and "swedish" in info.value.message
    assert "did you mean 'tennis-balls'" in info.value.fix


def test_find_unknown_path(tmp_path: Path) -> None:
    with pytest.raises(RoutineError, match="no such file"):
        find(str(tmp_path / "nothing.toml"))


def test_find_broken_user_routine_says_what_is_wrong(user_routines: Path) -> None:
    (user_routines / "mine.toml").write_text(ROUTINE.replace('role = "self"', 'role = "me"'), encoding="utf-8")
    with pytest.raises(RoutineError, match="role"):
        find("mine")


def test_a_pace_scales_every_hold_and_nothing_else() -> None:
    """The pace setting (issue 18, WCAG 2.2.1): timed steps and their cues, and counted steps'
    seconds per repetition, all the given times as long; the words, counts and levels unchanged."""
    routine = find("tennis-balls")
    slow = routine.paced(1.5)
    assert routine.paced(1.0) is routine
    assert slow.duration == pytest.approx(routine.duration * 1.5)
    for before, after in zip(routine.steps, slow.steps, strict=True):
        assert after.say == before.say and after.levels == before.levels and after.reps == before.reps
        if before.seconds is not None:
            assert after.seconds == pytest.approx(before.seconds * 1.5)
            assert [c.at for c in after.cues] == pytest.approx([c.at * 1.5 for c in before.cues])
        else:
            assert after.pace == pytest.approx(before.pace * 1.5)
            assert [c.at for c in after.cues] == [c.at for c in before.cues]   # repetition numbers


def test_the_configured_pace_lengthens_the_sessions_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from coach.cli import main

    def listed() -> str:
        out = io.StringIO()
        assert main(["list"], out=out) == 0
        return next(line for line in out.getvalue().splitlines() if line.startswith("tennis-balls"))

    config = tmp_path / "config.toml"
    config.write_text("[session]\npace = 1.0\n", encoding="utf-8")
    monkeypatch.setenv("COACH_CONFIG", str(config))
    before = float(listed().split("about ")[1].split()[0])
    config.write_text("[session]\npace = 2\n", encoding="utf-8")
    after = float(listed().split("about ")[1].split()[0])
    assert after >= before + 8   # tennis-balls holds 8.5 minutes as written
