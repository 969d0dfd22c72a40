"""Tier 1: the render timeline -- a whole session simulated on a fake clock, nobody speaking."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.routine import Cue, Routine, Step
from coach.timeline import Planned, plan, total_seconds


def one_second(text: str) -> float:
    return 1.0


def make_routine(**overrides: object) -> Routine:
    fields: dict[str, object] = dict(
        id="t", title="Timeline test", description="For tests.", role="self",
        steps=(
            Step("Warm", "Warm up.", seconds=10, cues=(Cue(4, "Halfway soon."),), countdown=2, pressure=False),
            Step("Lifts", "Lift.", reps=3, pace=2.0, levels=((1, "Gently."), (3, "Push into it."))),
        ),
        start_level=2, max_level=4, equipment=("a ball",), safety=("Go slowly",), aftercare=("Drink water.",),
    )
    fields.update(overrides)
    return Routine(**fields)  # type: ignore[arg-type]


def says(items: list[Planned]) -> list[Planned]:
    return [p for p in items if p.kind == "say"]


def at_of(items: list[Planned], text: str) -> float:
    return next(p.at for p in items if p.text == text or (p.kind == "say" and p.text.startswith(text)))


def test_intro_comes_first_with_title_equipment_and_safety() -> None:
    items = plan(make_routine(), seconds_for=one_second)
    assert items[0] == Planned(0.0, "say", "Timeline test. For tests.", 0)
    texts = [p.text for p in says(items)]
    assert texts.index("a ball.") < texts.index("Go slowly.") < next(
        i for i, t in enumerate(texts) if t.startswith("Step one"))


def test_speech_is_sequential_and_the_plan_is_in_time_order() -> None:
    items = plan(make_routine(), seconds_for=one_second)
    assert [p.at for p in items] == sorted(p.at for p in items)
    starts = [p.at for p in says(items)]
    assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(starts))


def test_steps_run_in_order_with_timer_after_the_instruction() -> None:
    items = plan(make_routine(), seconds_for=one_second)
    step1 = at_of(items, "Step one of two: Warm, ten seconds. Warm up.")
    timer = step1 + 1.0                     # the timer starts when the instruction ends
    assert at_of(items, "Halfway soon.") == pytest.approx(timer + 4)
    countdown = [p for p in says(items) if p.text in ("two", "one") and p.step == 0]
    assert [(p.text, p.at) for p in countdown] == [("two", timer + 8), ("one", timer + 9)]
    step_tone = next(p for p in items if p.kind == "tone" and p.text == "step")
    assert step_tone.at == pytest.approx(timer + 10) and step_tone.step == 1
    step2 = at_of(items, "Step two of two: Lifts, three times.")
    assert step2 == pytest.approx(timer + 10)
    counts = [(p.text, p.at) for p in says(items) if p.step == 1 and p.text in ("one", "two", "three")]
    assert counts == [("one", step2 + 1), ("two", step2 + 3), ("three", step2 + 5)]


def test_the_end_plays_the_end_tone_summary_and_aftercare() -> None:
    items = plan(make_routine(), seconds_for=one_second)
    end = next(p for p in items if p.kind == "tone" and p.text == "end")
    after = [p.text for p in says(items) if p.at >= end.at]
    assert after[0] == "That is the end of Timeline test."
    assert "finished two of two steps" in after[1] and "pressure level 2" in after[1]
    assert after[-1] == "Drink water."
    assert total_seconds(items, one_second) == pytest.approx(says(items)[-1].at + 1)


@pytest.mark.parametrize(("level", "words"),
                         [(1, "Gently."), (2, "Gently."), (3, "Push into it."), (4, "Push into it.")])
def test_level_chooses_the_level_words(level: int, words: str) -> None:
    items = plan(make_routine(), level=level, seconds_for=one_second)
    instruction = next(p.text for p in items if p.text.startswith("Step two"))
    assert instruction.endswith(words)
    assert f"pressure level {level}" in says(items)[-2].text


def test_role_does_not_change_an_uninterrupted_session() -> None:
    assert [p.text for p in plan(make_routine(), role="partner", seconds_for=one_second)] == [
        p.text for p in plan(make_routine(), role="self", seconds_for=one_second)]


def test_long_utterances_push_later_speech_but_not_the_timer() -> None:
    items = plan(make_routine(), seconds_for=lambda text: 3.0)
    step1 = at_of(items, "Step one")
    timer = step1 + 3.0
    assert at_of(items, "Halfway soon.") == pytest.approx(timer + 4)
    two = next(p for p in says(items) if p.text == "two" and p.step == 0)
    one = next(p for p in says(items) if p.text == "one" and p.step == 0)
    assert two.at == pytest.approx(timer + 8)
    assert one.at == pytest.approx(timer + 11)      # waits for "two" to finish


def test_plan_is_deterministic() -> None:
    assert plan(make_routine(), seconds_for=one_second) == plan(make_routine(), seconds_for=one_second)


@settings(max_examples=40, deadline=None)
@given(
    seconds=st.lists(st.integers(1, 60), min_size=1, max_size=5),
    speech=st.floats(0.0, 5.0),
    countdown=st.integers(0, 10),
)
def test_every_routine_plans_to_an_end(seconds: list[int], speech: float, countdown: int) -> None:
    steps = tuple(Step(f"S{i}", f"Do {i}.", seconds=s, countdown=countdown) for i, s in enumerate(seconds))
    routine = make_routine(steps=steps)
    items = plan(routine, seconds_for=lambda text: speech)
    step_lines = [p for p in says(items) if p.text.startswith("Step ")]
    assert [p.step for p in step_lines] == list(range(len(seconds)))
    assert [p.text for p in items if p.kind == "tone"].count("step") == len(seconds) - 1
    assert [p.text for p in items if p.kind == "tone"][-1] == "end"
    assert total_seconds(items, lambda text: speech) >= sum(seconds)
