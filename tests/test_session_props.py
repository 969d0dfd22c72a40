"""Tier 1: property tests of the session state machine's invariants (hypothesis).

Random sequences of commands, ticks (mostly forward, sometimes a stale time) and speech-done
events for the utterances said so far, with invariants checked after every event:

- the level never leaves 1..cap;
- "stop" always silences (before any sound) and leaves the session paused, ending or ended;
- no command is lost: every Heard is logged as heard and command, and answered while the session lives;
- replaying the Log effects gives the session's own step, level, paused and ended;
- time never runs backwards;
- the session always ends if you keep ticking and finishing speech, with exactly one Finish.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from coach.commands import ANSWERS, Command
from coach.routine import Cue, Routine, Step
from coach.session import (
    MAX_RATE,
    MIN_RATE,
    Checkpoint,
    Effect,
    Finish,
    Heard,
    Log,
    Options,
    Phase,
    Say,
    Session,
    SetRate,
    Silence,
    SpeechDone,
    Start,
    Tick,
    Tone,
    replay,
)

LEVELS = ((1, "barely press"), (2, "press lightly"), (3, "press with your weight"), (5, "lean right in"))


def make_routine(max_level: int, start_level: int, role: str) -> Routine:
    steps = (
        Step("Settle", "Lie down.", seconds=8, pressure=False, cues=(Cue(3, "Breathe."),)),
        Step("Roll", "Roll the ball.", seconds=12, cues=(Cue(4, "Slowly."), Cue(9, "Nearly there.")),
             countdown=3, levels=LEVELS),
        Step("Lifts", "Lift your hips.", reps=3, pace=2.0, cues=(Cue(2, "Knees bent."),), levels=LEVELS),
        Step("Press", "Press the calf.", seconds=6, levels=LEVELS, countdown=10),
    )
    return Routine(id="props", title="Props", description="For property tests.", role=role,  # type: ignore[arg-type]
                   steps=steps, start_level=start_level, max_level=max_level, equipment=("a ball",),
                   safety=("Go gently.",), aftercare=("Drink water.",))



class SessionMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.session: Session | None = None
        self.now = 0.0
        self.effects: list[Effect] = []
        self.said: list[int] = []
        self.last_now = 0.0

    # -- setup ---------------------------------------------------------------------------------

    @initialize(
        max_level=st.integers(1, 5),
        start_level=st.integers(1, 5),
        role=st.sampled_from(["self", "partner"]),
        option_level=st.none() | st.integers(-2, 8),
        start_step=st.integers(0, 3),
        pause_timeout=st.sampled_from([5.0, 30.0, 600.0]),
        pain_window=st.sampled_from([0.0, 10.0, 120.0]),
        countdown=st.booleans(),
        rate=st.integers(MIN_RATE - 50, MAX_RATE + 50),
        ask_notes=st.booleans(),
    )
    def start(self, max_level: int, start_level: int, role: str, option_level: int | None, start_step: int,
              pause_timeout: float, pain_window: float, countdown: bool, rate: int, ask_notes: bool) -> None:
        routine = make_routine(max_level, min(start_level, max_level), role)
        self.session = Session(routine, Options(start_level=option_level, start_step=start_step,
                                                pause_timeout=pause_timeout, pain_window=pain_window,
                                                countdown=countdown, rate=rate, ask_notes=ask_notes))
        assert self.session.phase is Phase.IDLE
        self.send(Start(self.now))
        assert self.session.phase in (Phase.INTRO, Phase.ENDED)

    # -- helpers -------------------------------------------------------------------------------

    @property
    def s(self) -> Session:
        assert self.session is not None
        return self.session

    def send(self, event: Any) -> list[Effect]:
        before = self.s.now
        out = self.s.handle(event)
        assert self.s.now >= before, "time ran backwards"
        self.effects += out
        for e in out:
            if isinstance(e, Say):
                assert not self.said or e.utterance_id > self.said[-1], "utterance ids must grow"
                self.said.append(e.utterance_id)
        said_ids = [e.data["id"] for e in out if isinstance(e, Log) and e.type == "said"]
        assert said_ids == [e.utterance_id for e in out if isinstance(e, Say)], "every Say is logged"
        for e in out:
            if isinstance(e, SetRate):
                assert MIN_RATE <= e.wpm <= MAX_RATE
        return out

    # -- rules ---------------------------------------------------------------------------------

    @rule(command=st.sampled_from(list(Command)), dt=st.sampled_from([0.0, 0.3, 1.0, 4.0, 20.0]))
    def heard(self, command: Command, dt: float) -> None:
        self.now += dt
        before = self.s.phase
        asked = self.s.asking_end is not None or self.s.asking_notes
        out = self.send(Heard(self.now, command, command.value))
        logged = [e for e in out if isinstance(e, Log)]
        assert any(e.type == "heard" for e in logged), "a heard command was not logged"
        chat = [e for e in logged if e.type == "heard" and e.data.get("ignored") == "no question asked"]
        if chat:   # a spoken yes or no with no question asked: logged as ignored, no command
            assert command in ANSWERS and not asked and not [e for e in logged if e.type == "command"]
        elif before is not Phase.ENDED:
            assert [e.data["command"] for e in logged if e.type == "command"] == [command.value]
        if before not in (Phase.ENDING, Phase.ENDED) and (asked or command not in ANSWERS):
            # no command is lost: a live session answers every one (a spoken "yes" or "no" with no
            # question asked is chat, and goes unanswered)
            assert any(isinstance(e, Say | Tone) for e in out), f"{command} in {before} got no answer"
        if command is Command.STOP and before is not Phase.ENDED:
            audible = [e for e in out if isinstance(e, Silence | Say | Tone | SetRate | Checkpoint | Finish)]
            assert audible and isinstance(audible[0], Silence), f"stop did not silence first: {audible[:3]}"
            assert self.s.phase in (Phase.PAUSED, Phase.ENDING, Phase.ENDED)
            # everything queued before the stop was dropped
            assert self.s.outstanding <= {e.utterance_id for e in out if isinstance(e, Say)}

    @rule(dt=st.sampled_from([0.05, 0.5, 1.0, 2.5, 7.0, 40.0]))
    def tick(self, dt: float) -> None:
        self.now += dt
        self.send(Tick(self.now))

    @rule(back=st.sampled_from([0.5, 3.0, 100.0]))
    def stale_tick(self, back: float) -> None:
        """An event stamped earlier than one already seen (threads race): time must not go back."""
        step, elapsed, now = self.s.step_index, self.s.elapsed, self.s.now
        self.send(Tick(max(0.0, self.now - back)))
        assert self.s.now == now
        assert self.s.step_index != step or self.s.elapsed >= elapsed

    @rule(k=st.integers(0, 10_000), interrupted=st.booleans())
    def speech_done(self, k: int, interrupted: bool) -> None:
        """Some utterance said so far finishes (outstanding ones mostly, sometimes a stale one)."""
        outstanding = sorted(self.s.outstanding)
        pool = outstanding if outstanding and k % 4 else self.said
        if not pool:
            return
        self.send(SpeechDone(self.now, pool[k % len(pool)], interrupted))

    @rule()
    def all_speech_done(self) -> None:
        for uid in sorted(self.s.outstanding):
            self.send(SpeechDone(self.now, uid))

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def level_in_range(self) -> None:
        if self.session is not None:
            assert 1 <= self.s.level <= self.s.cap
            assert self.s.level <= self.s.highest_level <= self.s.cap

    @invariant()
    def replay_agrees(self) -> None:
        if self.session is None:
            return
        records = [{"type": e.type, **e.data} for e in self.effects if isinstance(e, Log)]
        state = replay(records)
        assert state["step"] == self.s.step_index
        assert state["level"] == self.s.level
        ended = self.s.phase in (Phase.ENDING, Phase.ENDED)
        assert state["ended"] == ended
        if not ended:
            assert state["paused"] == (self.s.phase is Phase.PAUSED)

    @invariant()
    def finish_once_and_only_when_ended(self) -> None:
        if self.session is None:
            return
        done = [e for e in self.effects if isinstance(e, Finish)]
        assert len(done) == (1 if self.s.phase is Phase.ENDED else 0)
        if done:
            assert done[0] == self.s.finished

    @invariant()
    def a_question_about_the_notes_is_heard_or_timed(self) -> None:
        """Never a silent wait for ever: the question is being said, or its answer's wait is timed."""
        if self.session is not None and self.s.asking_notes:
            assert self.s.notes_question in self.s.outstanding or self.s.next_due() is not None

    @invariant()
    def time_left_is_sane(self) -> None:
        if self.session is None:
            return
        step_left, total_left = self.s.time_left()
        assert 0 <= step_left <= self.s.step.duration + self.s.held_longer
        assert step_left <= total_left <= self.s.routine.duration + self.s.held_longer
        due = self.s.next_due()
        if self.s.phase is Phase.RUNNING:
            assert due is not None and due >= self.s.now

    def teardown(self) -> None:
        if self.session is None:
            return
        # keep finishing speech and ticking: the session always ends
        for _ in range(5_000):
            if self.s.phase is Phase.ENDED:
                break
            self.all_speech_done()
            due = self.s.next_due()
            self.now = max(self.now + 0.05, due or 0.0)
            self.send(Tick(self.now))
            self.level_in_range()
            self.replay_agrees()
        assert self.s.phase is Phase.ENDED, f"never ended: {self.s.phase}"
        self.finish_once_and_only_when_ended()


SessionMachine.TestCase.settings = settings(
    max_examples=120, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestSessionMachine = SessionMachine.TestCase


# ---------------------------------------------------------------------------------------------
# simpler @given properties


@settings(max_examples=150, deadline=None)
@given(
    max_level=st.integers(1, 5),
    start=st.integers(1, 5),
    presses=st.lists(st.sampled_from([Command.HARDER, Command.SOFTER, Command.PAIN]), max_size=25),
)
def test_level_moves_by_one_and_pain_by_two_within_bounds(max_level: int, start: int, presses: list[Command]) -> None:
    s = Session(make_routine(max_level, min(start, max_level), "self"), Options(pain_window=0.0))
    s.handle(Start(0.0))
    now = 0.0
    for command in presses:
        now += 1.0
        before = s.level
        s.handle(Heard(now, command))
        expected = {Command.HARDER: min(max_level, before + 1), Command.SOFTER: max(1, before - 1),
                    Command.PAIN: max(1, before - 2)}[command]
        assert s.level == expected
        assert 1 <= s.level <= max_level


@settings(max_examples=60, deadline=None)
@given(ticks=st.lists(st.floats(0.01, 15.0), min_size=1, max_size=60))
def test_ticking_and_finishing_speech_always_ends_completed(ticks: list[float]) -> None:
    s = Session(make_routine(4, 2, "self"))
    s.handle(Start(0.0))
    now = 0.0
    finished: list[Finish] = []
    for _ in range(10):
        for dt in ticks:
            for uid in sorted(s.outstanding):
                finished += [e for e in s.handle(SpeechDone(now, uid)) if isinstance(e, Finish)]
            now += dt
            finished += [e for e in s.handle(Tick(now)) if isinstance(e, Finish)]
        if s.phase is Phase.ENDED:
            break
    for _ in range(100):
        if s.phase is Phase.ENDED:
            break
        for uid in sorted(s.outstanding):
            finished += [e for e in s.handle(SpeechDone(now, uid)) if isinstance(e, Finish)]
        now += 1.0
        finished += [e for e in s.handle(Tick(now)) if isinstance(e, Finish)]
    assert s.phase is Phase.ENDED
    assert len(finished) == 1 and finished[0].completed
    assert s.steps_done == {0, 1, 2, 3}
