"""Time in a session: the step's timer (cues, repetition counts and the countdown fire at their
offsets, then the step ends), and the waits for an answer or through a long pause. Time only ever
comes in with an event's ``now``; nothing here reads a clock."""

from __future__ import annotations

from coach.session.messages import Kind
from coach.session.questions import END_KEYS, END_QUESTION, LONG_PAUSE, Questions
from coach.session.state import Phase
from coach.session.words import duration_words, number_words


class Timers(Questions):
    """What is due when, and firing it."""

    def next_due(self) -> float | None:
        """The time at which the next timer-driven effect is due (None: nothing is timed now).

        The runtime may sleep until then; ticking earlier or later is harmless.
        """
        if self.asking_resume:
            return self.asked_at + self.options.offer_wait
        if self.asking_notes:
            return None if self.notes_question is not None else self.asked_at + self.options.notes_wait
        if self.phase is Phase.PAUSED:
            if self.asking_end == LONG_PAUSE:
                return self.asked_at + self.options.answer_wait
            return self.paused_at + self.options.pause_timeout
        if self.phase is not Phase.RUNNING:
            return None
        offsets = [o for o in self._timer_offsets() if o > self.elapsed]
        return self.now + (min(offsets) - self.elapsed) if offsets else self.now

    def time_left(self) -> tuple[float, float]:
        """Seconds left in the current step, and in the whole session (timers only)."""
        if self.phase in (Phase.IDLE, Phase.INTRO):
            step_left = self.step.duration
        else:
            step_left = max(0.0, self.step.duration - self.elapsed)
        later = sum(s.duration for s in self.routine.steps[self.step_index + 1 :])
        return step_left, step_left + later

    def _advance_clock(self, now: float) -> None:
        now = max(now, self.now)   # a clock never runs backwards
        if self.phase is Phase.RUNNING:
            self.elapsed += now - self.now
        self.now = now

    def _timer_offsets(self) -> list[float]:
        step = self.step
        offsets = [step.duration]
        offsets += [self._cue_offset(c.at) for c in step.cues[self.fired_cues :]]
        if step.reps:
            offsets += [(k - 1) * step.pace for k in range(self.fired_counts + 1, step.reps + 1)]
        offsets += self._countdown_offsets()[self.fired_countdown :]
        return offsets

    def _cue_offset(self, at: float) -> float:
        step = self.step
        return (at - 1) * step.pace + 0.01 if step.reps else at

    def _countdown_offsets(self) -> list[float]:
        step = self.step
        if not (self.options.countdown and step.seconds and step.countdown):
            return []
        n = min(step.countdown, int(step.seconds) - 1)
        return [step.seconds - k for k in range(n, 0, -1)]

    def _run_timer(self) -> None:
        """Fire whatever is due in the running step, in time order; end the step when it is over."""
        if self.asking_resume:
            if self.now - self.asked_at >= self.options.offer_wait:
                self._say(self._no_answer("I will carry on from there."))
                self._resume_answered(carry_on=True, how="no answer")
            return
        if self.asking_notes:
            if self.notes_question is None and self.now - self.asked_at >= self.options.notes_wait:
                self._notes_answered(short=True, how="no answer")
            return
        if self.phase is Phase.PAUSED:
            if self.asking_end == LONG_PAUSE:
                if self.now - self.asked_at >= self.options.answer_wait:
                    self.asking_end = None
                    self._end(completed=False, reason=LONG_PAUSE)
            elif self.now - self.paused_at >= self.options.pause_timeout:
                # WCAG 2.2.1: the time is up, but the user is asked first and given time to answer
                self.asking_end = LONG_PAUSE
                self.asked_at = self.now
                self._log("asked", question="end", reason=LONG_PAUSE)
                self._say(f"We have been paused for {duration_words(self.now - self.paused_at)}. "
                          f"{self._ask(END_QUESTION, END_KEYS)} {self._if_nothing()}, I will end it in "
                          f"{duration_words(self.options.answer_wait)}, and keep your place.")
            return
        if self.phase is not Phase.RUNNING:
            return
        step = self.step
        while self.phase is Phase.RUNNING:
            due: list[tuple[float, int, str]] = []
            if self.fired_counts < (step.reps or 0):
                due.append(((self.fired_counts) * step.pace, 0, "count"))
            if self.fired_cues < len(step.cues):
                due.append((self._cue_offset(step.cues[self.fired_cues].at), 1, "cue"))
            countdown = self._countdown_offsets()
            if self.fired_countdown < len(countdown):
                due.append((countdown[self.fired_countdown], 2, "countdown"))
            due.append((step.duration, 3, "end"))
            at, _, what = min(due)
            if at > self.elapsed + 1e-9:
                return
            if what == "count":
                self.fired_counts += 1
                self._say(number_words(self.fired_counts), Kind.COUNT)
            elif what == "cue":
                cue = step.cues[self.fired_cues]
                self.fired_cues += 1
                self._say(cue.say, Kind.CUE)
            elif what == "countdown":
                self._say(number_words(len(countdown) - self.fired_countdown), Kind.COUNT)
                self.fired_countdown += 1
            else:
                self.steps_done.add(self.step_index)
                self._next_step()
