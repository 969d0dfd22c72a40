"""Going through the routine: a step begins (its instruction said, its place saved), the next one
follows, the session pauses and carries on, and ends with a summary and the after-care."""

from __future__ import annotations

from coach.session.messages import Checkpoint, Finish, Kind, Prepare, Tone
from coach.session.state import Phase, SessionState
from coach.session.words import duration_words, number_words
from coach.speech.base import Earcon


class Steps(SessionState):
    """The routine's steps in order, pausing, and the end."""

    def _begin_step(self, index: int) -> None:
        if self._intro_heard():
            self.safety_heard = True
            self._log("safety_heard")
        self.intro_lines.clear()
        self.intro_to_say_again = []
        self.step_index = index
        self.elapsed = 0.0
        self.held_longer = 0.0
        self.fired_cues = self.fired_counts = self.fired_countdown = 0
        self.phase = Phase.INSTRUCTION
        step = self.step
        self._out.append(Checkpoint(index, self.level))   # saved before anything says the step began
        self._log("step", index=index, title=step.title)
        total = len(self.routine.steps)
        timing = f"{number_words(step.reps)} times" if step.reps else duration_words(step.duration)
        intro = f"Step {number_words(index + 1)} of {number_words(total)}: {step.title}, {timing}."
        if step.pressure:
            level_words = step.level_cue(self.level)
            text = f"{intro} {step.say} {level_words}".strip()
        else:
            text = f"{intro} {step.say}"
        self.instruction_id = self._say(text, Kind.INSTRUCTION)
        if index + 1 < total:
            self._out.append(Prepare(self.routine.steps[index + 1].say))

    def _next_step(self) -> None:
        if self.step_index + 1 >= len(self.routine.steps):
            self._end(completed=True, reason="finished")
        else:
            self._out.append(Tone(Earcon.STEP))
            self._begin_step(self.step_index + 1)

    def _end(self, completed: bool, reason: str) -> None:
        if self.phase in (Phase.ENDING, Phase.ENDED):
            return
        minutes = max(0.0, self.now - self.started_at)
        done = len(self.steps_done)
        in_all = len(self.steps_done | set(range(self.done_before)))   # with those of the session resumed
        total = len(self.routine.steps)
        self.phase = Phase.ENDING
        self.finished = Finish(completed, reason, self.level)
        self._log("ended", completed=completed, reason=reason, level=self.level, steps_done=done,
                  steps_done_in_all=in_all, step=self.step_index, seconds=round(minutes, 1))
        self._out.append(Tone(Earcon.END))
        if completed:
            self._say(f"That is the end of {self.routine.title}.", Kind.SUMMARY)
        else:
            if self.place_saved:
                self._say(f"Ending the session here. Your place is saved at step {self.step_index + 1}; "
                          "run coach resume to carry on later.", Kind.SUMMARY)
            else:   # the last save failed (the runtime said why): no promise the disk did not keep
                self._say(f"Ending the session here, at step {self.step_index + 1}. Your place could not be "
                          "saved.", Kind.SUMMARY)
        if in_all > done:   # a resumed session: what was done before counts too (issue 38)
            this_time = "no steps" if not done else "one step" if done == 1 else f"{number_words(done)} steps"
            finished = f"finished {this_time} this time, {number_words(in_all)} of {number_words(total)} in all"
        else:
            finished = f"finished {number_words(done)} of {number_words(total)} steps"
        self._say(f"You spent {duration_words(minutes)}, {finished}, and ended at pressure level {self.level}"
                  + (f", with {self.highest_level} the firmest." if self.highest_level > self.level else "."),
                  Kind.SUMMARY)
        for note in self.routine.aftercare:
            self._say(note, Kind.SUMMARY)
        if not self.outstanding:
            self.phase = Phase.ENDED
            self._out.append(self.finished)

    def _pause(self, by_stop: bool) -> None:
        if self.phase is not Phase.PAUSED:
            self.paused_from = self.phase
            self.paused_at = self.now
        self.paused_by_stop = by_stop
        #: the utterance of the unconfirmed guess that paused (a rejection of it undoes the pause)
        self.paused_by = None if self._event.confirmed else self._event.utterance
        self.phase = Phase.PAUSED
        self._log("paused", by="stop" if by_stop else "pause", step=self.step_index)
        self._out.append(Tone(Earcon.PAUSED))

    def _unpause(self) -> None:
        before = self.paused_from or Phase.RUNNING
        self.asking_end = None
        self.paused_from = None
        self.paused_by_stop = False
        self._log("resumed", step=self.step_index)
        self._out.append(Tone(Earcon.OK))
        if before is Phase.INTRO:
            self.phase = Phase.INTRO
            if self.intro_to_say_again:
                self._say_intro_again()
            else:
                self._begin_step(self.step_index)
        elif before is Phase.INSTRUCTION:
            self._begin_step(self.step_index)   # the instruction was cut off: give it again whole
        else:
            self.phase = Phase.RUNNING
            self._say(f"Carrying on with {self.step.title}.")
