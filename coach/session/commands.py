"""Commands, spoken or typed: what each does at each moment of a session, and how a two-stage
recogniser's guesses, confirmations and rejections are told apart (acted on once, undone when
rejected)."""

from __future__ import annotations

from coach.commands import Command, canonical
from coach.routine import LEVEL_NAMES, MIN_LEVEL
from coach.session.messages import Heard, Kind, SetRate, Silence, Tone
from coach.session.state import MAX_RATE, MIN_RATE, Phase, clamp
from coach.session.timers import Timers
from coach.session.words import duration_words, join_phrases, number_words
from coach.speech.base import Earcon

#: What the coach says when a stop pauses, and when it asks whether to end.
STOPPED = "Stopped. Say next to continue, or stop again to end."
STOPPED_KEYS = "Stopped. {Press} n to continue, or x again to end."   # where nothing listens
#: Seconds "more time" adds to the step being held.
MORE_TIME = 30.0
RATE_STEP = 25


class Commands(Timers):
    """The commands, one method each (``_cmd_*``), and the dispatch to them (:meth:`_heard`)."""

    def _heard(self, event: Heard) -> None:
        if event.rejected:
            self._rejected(event)
            return
        key = None if event.utterance is None else (event.utterance, event.command)
        if key is not None and key in self.acted:
            # the second stage confirms a guess already acted on: nothing more to do
            self.acted.discard(key)
            self._log_heard(event, confirms=event.utterance)
            return
        if (event.command is Command.STOP and event.confirmed and event.source == "voice"
                and self.phase is Phase.PAUSED and self.paused_by is not None
                and self.now - self.paused_at < self.options.stop_again_after):
            # a spoken stop judged whole right after a first-stage guess paused: that guess
            # confirmed (or "stop, stop"), whichever utterance the recogniser gave it
            self._log_heard(event, confirms=self.paused_by)
            self.acted.discard((self.paused_by, Command.STOP))
            self.paused_by = None
            return
        if (event.command in (Command.YES, Command.NO) and event.source == "voice" and not self.asking_resume
                and self.asking_end is None and not self.asking_notes):
            # a spoken yes or no with no question asked is chat: nothing is done, and the log says
            # so (the soak: the coach's count "nine" heard as "No" was logged as a command)
            self._log_heard(event, ignored="no question asked")
            return
        if (event.command is Command.STOP and self.phase is Phase.PAUSED and not event.confirmed
                and event.utterance is not None and event.source == "voice"):
            # paused already, a first-stage guess of stop can only end the session: its judgement
            # decides, and nothing the coach is saying is cut off meanwhile (so a rejection has nothing
            # to say again: its own "...or stop again to end" heard as stop once looped the prompt)
            self._log_heard(event, confirmed=False, ignored="waits for the second stage (already paused)")
            return
        if event.command is Command.STOP:
            self._out.append(Silence())   # before anything else, even the log lines
        self._log_heard(event, **({} if event.confirmed else {"confirmed": False}))
        self._log("command", command=event.command.value)
        if self.phase is Phase.ENDING:
            if event.command is Command.STOP:
                self._silence()   # "stop" always silences, even the closing words
                self.phase = Phase.ENDED
                assert self.finished is not None
                self._out.append(self.finished)
            return
        self._event = event
        self._deferred = False   # set when an unconfirmed guess waits for its judgement instead of acting
        if self.asking_resume:
            self._answer_resume(event)
            return
        if self.asking_notes and self._answer_notes(event):
            return
        if self.asking_end is not None and self._answer(event):
            self._remember(key)
            return
        handler = {
            Command.STOP: lambda: self._cmd_stop(event.source),
            Command.PAUSE: self._cmd_pause,
            Command.NEXT: self._cmd_next,
            Command.RESUME: self._cmd_resume,
            Command.HARDER: lambda: self._cmd_pressure(+1),
            Command.SOFTER: lambda: self._cmd_pressure(-1),
            Command.PAIN: self._cmd_pain,
            Command.REPEAT: self._cmd_repeat,
            Command.BACK: self._cmd_back,
            Command.SLOWER: lambda: self._cmd_rate(-RATE_STEP),
            Command.FASTER: lambda: self._cmd_rate(+RATE_STEP),
            Command.TIME: self._cmd_time,
            Command.MORE_TIME: self._cmd_more_time,
            Command.HELP: self._cmd_help,
            Command.YES: self._cmd_answer,
            Command.NO: self._cmd_answer,
        }[event.command]
        self.instruction_cut = False
        handler()
        self._remember(key)
        if self.phase is Phase.INTRO and self.intro_to_say_again:
            self._say_intro_again()
        elif self.instruction_cut and self.phase is Phase.RUNNING:
            self._say_instruction_again()
        elif (self.phase is Phase.INTRO and not self.outstanding and not self.asking_resume
              and not self.asking_notes):
            # the command cut off the introduction's last words and left nothing to say: the step
            # begins now, not when the line it cut off is reported done (hypothesis: "harder" then
            # "repeat" after the notes question left a session that waited for a line that was gone)
            self._intro_over()

    def _rejected(self, event: Heard) -> None:
        """The second stage did not confirm a first-stage guess. A pause that guess caused, with
        nothing said or done since, is undone; easing off after a pain word is kept (it is safe)."""
        key = (event.utterance if event.utterance is not None else -1, event.command)
        acted = key in self.acted
        undo = (acted and event.command is Command.STOP and self.phase is Phase.PAUSED and self.paused_by_stop
                and self.paused_by == event.utterance and self.asking_end is None)
        self._log("heard", text=event.command.value, source=event.source, rejects=event.utterance,
                  why=event.text, undone=undo)
        # what the guess did stays unless undone here, and so does its key: a later judgement of the
        # same words (the recogniser gives it the guess's number) confirms it rather than acting
        # again (one "ouch" is not two pain words)
        # a guess that waited for its judgement cut nothing off, so a rejection never says a prompt
        # again (one that did looped the coach's "Stopped" prompt on its own "stop" in it)
        if undo:
            self.acted.discard(key)
            self._silence()
            self._say("Sorry, I thought I heard stop.")
            self._unpause()

    def _cmd_answer(self) -> None:
        """"yes" or "no" with no question asked: a typed one is told so, a spoken one is chat."""
        if self._event.source != "voice":
            self._reply(Earcon.UNKNOWN, "There is no question to answer just now.")

    def _cmd_stop(self, source: str) -> None:
        self._silence()
        if self.phase is Phase.PAUSED and self.paused_by_stop:
            if (source != "voice" or self.stop_source != "voice"
                    or self.now - self.paused_at >= self.options.stop_again_after):
                if self._sure():
                    self._end(completed=False, reason="stopped")
                elif self._event.utterance is None:
                    self._ask_end("stopped")   # a single-stage guess: ask rather than end on it
                else:   # a first-stage guess: the second stage's judgement of the same words follows
                    self._deferred = True
                return
            # "stop, stop": the same stop said twice; its answer, just cut off, is said again whole
        else:
            self._pause(by_stop=True)
            self.stop_source = source
        self._say(self._ask(STOPPED, STOPPED_KEYS))

    def _cmd_pause(self) -> None:
        self._silence()
        self._pause(by_stop=False)
        self._say(self._ask("Paused. Say resume or next when you are ready.",
                            "Paused. {Press} c or n when you are ready."))

    def _cmd_resume(self) -> None:
        if self.phase is not Phase.PAUSED:
            self._reply(Earcon.OK, self._ask("We are not paused. Say stop or pause to pause.",
                                             "We are not paused. {Press} x or the space bar to pause."))
            return
        self._unpause()

    def _cmd_next(self) -> None:
        if self.phase is Phase.PAUSED:
            self._unpause()
            return
        self._silence()
        if self.phase is Phase.INTRO:
            self._out.append(Tone(Earcon.STEP))
            self._begin_step(self.step_index)
            return
        self._next_step()

    def _cmd_back(self) -> None:
        self._silence()
        if self.phase is Phase.PAUSED:
            self.paused_from = None
            self.paused_by_stop = False
        target = max(0, self.step_index - 1)
        self._out.append(Tone(Earcon.STEP))
        self._begin_step(target)

    def _cmd_repeat(self) -> None:
        self._silence()
        self._out.append(Tone(Earcon.OK))
        if self.phase is Phase.INTRO:
            return   # what was cut off of the intro is said again (see _heard)
        step = self.step
        words = f" {step.level_cue(self.level)}" if step.pressure else ""
        if self.phase is Phase.PAUSED:
            self._say(f"{step.say}{words}", Kind.INSTRUCTION)   # stays paused
        else:
            self.phase = Phase.INSTRUCTION   # the timer waits for the instruction again
            self.instruction_id = self._say(f"{step.say}{words}", Kind.INSTRUCTION)

    def _cmd_pressure(self, delta: int) -> None:
        firmer = delta > 0
        new = clamp(self.level + delta, MIN_LEVEL, self.cap)
        word = "firmer" if firmer else "lighter"
        if new == self.level:
            self._interrupt()
            self._out.append(Tone(Earcon.HARDER if firmer else Earcon.SOFTER))
            if firmer:
                self._say(f"That is as firm as this routine goes: level {self.level} of {self.cap}.")
            else:
                self._say(f"That is as light as it goes: level {self.level}.")
            return
        applies = self.step.pressure and self.phase in (Phase.INSTRUCTION, Phase.RUNNING, Phase.PAUSED)
        self._interrupt()
        self._set_level(new)
        self._out.append(Tone(Earcon.HARDER if firmer else Earcon.SOFTER))
        step = self.step
        if not applies:
            self._say(f"Noted: {word}, level {self.level} of {self.cap}. Pressure does not change in this "
                      f"part; {self._when_pressure_applies()}")
            return
        who = "Your partner asks for it " + word + ". " if self.role == "partner" else ""
        self._say(f"{who}{word.capitalize()}, level {self.level}, {LEVEL_NAMES[self.level]}. "
                  f"{step.level_cue(self.level)}".strip())

    def _when_pressure_applies(self) -> str:
        """Which step the pressure level will be used in next, said plainly."""
        first = self.step_index if self.phase in (Phase.IDLE, Phase.INTRO) else self.step_index + 1
        for index in range(first, len(self.routine.steps)):
            if self.routine.steps[index].pressure:
                return f"I will use it from step {number_words(index + 1)}, {self.routine.steps[index].title}."
        return "no later step in this routine uses pressure."

    def _cmd_pain(self) -> None:
        self._interrupt()
        if self.last_pain is not None and self.now - self.last_pain <= self.options.pain_window:
            # the second pain word: ease off to the gentlest level, pause, and ask whether to end
            self._set_level(MIN_LEVEL)
            self._out.append(Tone(Earcon.SOFTER))
            self._say("Stop pressing now and rest. If the pain stays or is sharp, "
                      "please speak with a clinician before trying again.")
            self._ask_end("pain")
            return
        self.last_pain = self.now
        self._set_level(max(MIN_LEVEL, self.level - 2))
        self._out.append(Tone(Earcon.SOFTER))
        step = self.step
        words = step.level_cue(self.level) if step.pressure else ""
        who = "Ease off now: your partner felt pain. " if self.role == "partner" else "Easing off. "
        again = self._ask("say ouch again", "{press} o again")
        self._say(f"{who}Level {self.level}, {LEVEL_NAMES[self.level]}. {words} Is that better? "
                  f"If it still hurts, {again} and we will stop.".replace("  ", " "))

    def _cmd_rate(self, delta: int) -> None:
        new = clamp(self.rate + delta, MIN_RATE, MAX_RATE)
        self._interrupt()
        if new == self.rate:
            self._say("That is as slow as I go." if delta < 0 else "That is as fast as I go.")
            return
        self.rate = new
        self._log("rate", wpm=new)
        self._out.append(SetRate(new))
        self._say("Speaking slower." if delta < 0 else "Speaking faster.")

    def _cmd_time(self) -> None:
        step_left, total_left = self.time_left()
        if self.phase in (Phase.IDLE, Phase.INTRO):   # no step has begun: nothing is "left in" it (issue 38)
            rest = "the session" if self.step_index == 0 else "the rest of the session"
            self._reply(Earcon.OK, f"Step {number_words(self.step_index + 1)} has not begun yet. It takes "
                        f"{duration_words(step_left)}, and {rest} {duration_words(total_left)}.")
            return
        self._reply(Earcon.OK, f"{duration_words(step_left).capitalize()} left in this step, and "
                    f"{duration_words(total_left)} in the session.")

    def _cmd_more_time(self) -> None:
        """Hold the step ``MORE_TIME`` seconds longer (WCAG 2.2.1): its timer goes back, and a
        countdown already said is said again at the new end."""
        if self.phase not in (Phase.INSTRUCTION, Phase.RUNNING, Phase.PAUSED):
            self._reply(Earcon.OK, self._ask("Say more time during a step, and I will hold it thirty seconds longer.",
                                             "{Press} m during a step, and I will hold it thirty seconds longer."))
            return
        self.elapsed -= MORE_TIME
        self.held_longer += MORE_TIME
        self.fired_countdown = sum(1 for at in self._countdown_offsets() if at <= self.elapsed)
        self._log("more_time", seconds=MORE_TIME, step=self.step_index)
        step_left, _ = self.time_left()
        self._reply(Earcon.OK, f"Thirty seconds more. {duration_words(step_left).capitalize()} left in this step.")

    def _cmd_help(self) -> None:
        """Help for where the user is (issue 18): where the session stands, what comes next, and the
        commands that do something at this moment."""
        self._interrupt()
        r, total = self.routine, len(self.routine.steps)
        word = {c: canonical(c, r.language) for c in Command}
        if self.phase is Phase.PAUSED:
            where = (f"We are paused in step {number_words(self.step_index + 1)} of {number_words(total)}, "
                     f"{self.step.title}. Say {word[Command.NEXT]} or {word[Command.RESUME]} to carry on, or "
                     f"{word[Command.STOP]} to end the session; your place is kept.")
            now = [Command.REPEAT, Command.BACK, Command.HARDER, Command.SOFTER, Command.MORE_TIME, Command.TIME,
                   Command.SLOWER, Command.FASTER]
        elif self.phase is Phase.INTRO:
            where = (f"This is the introduction to {r.title}. Say {word[Command.NEXT]} to begin step one now, "
                     f"or {word[Command.PAUSE]} or {word[Command.STOP]} to pause.")
            now = [Command.REPEAT, Command.HARDER, Command.SOFTER, Command.TIME, Command.SLOWER, Command.FASTER]
        else:
            step_left, _ = self.time_left()
            later = (f"Then step {number_words(self.step_index + 2)}, {r.steps[self.step_index + 1].title}."
                     if self.step_index + 1 < total else "It is the last step.")
            where = (f"Step {number_words(self.step_index + 1)} of {number_words(total)}, {self.step.title}: "
                     f"{duration_words(step_left)} left. {later} Say {word[Command.STOP]} or "
                     f"{word[Command.PAUSE]} to pause, and {word[Command.STOP]} again to end.")
            now = [Command.HARDER, Command.SOFTER, Command.MORE_TIME, Command.NEXT, Command.BACK, Command.REPEAT,
                   Command.TIME, Command.SLOWER, Command.FASTER]
            if not self.step.pressure:
                now = [c for c in now if c not in (Command.HARDER, Command.SOFTER)]
        self._say(f"{where} You can also say {join_phrases([word[c] for c in now])}. If anything hurts, say "
                  f"{canonical(Command.PAIN, r.language)} and I will ease off.")
