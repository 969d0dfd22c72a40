"""The spoken menu that ``coach`` with no command starts: a PURE state machine, like
:mod:`coach.session`. ``handle(event) -> list[effect]``; no I/O, no threads, no clock reads.

It first offers to carry on an interrupted session (when there is one), then names the routines
by number, title and length. The user says a number or a word of a title, moves through the list
with "next", "back" and "repeat" and takes the one just named with "yes", or presses a number
key (which routine words name: :mod:`coach.menuwords`). The choice is said aloud, and once that
line has been played the menu ends with a :class:`Choice`. No question waits in silence: after
``answer_wait`` seconds of silence the list is read once more, saying what happens next, and after
that the menu closes, saying how to open it again.

Events in: :class:`~coach.session.Start`, :class:`~coach.session.Tick`,
:class:`~coach.session.SpeechDone`, :class:`~coach.session.Heard` (a spoken or typed command),
:class:`Spoken` (words a transcribing recogniser heard that hold no command) and :class:`Typed`
(a key or a line typed). Effects out: :class:`~coach.session.Say`, :class:`~coach.session.Silence`,
:class:`~coach.session.Tone`, :class:`~coach.session.Log`, and last :class:`Choice`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coach.commands import Command, normalise, parse
from coach.listen.thresholds import ECHO_TAIL
from coach.menutext import PAGE, MenuText
from coach.menutypes import (
    Choice,
    Item,
    MenuEffect,
    MenuEvent,
    MenuOptions,
    Offer,
    Phase,
    Spoken,
    Typed,
)
from coach.menuwords import Match, is_command_phrase, match, words_apart
from coach.session import (
    Heard,
    Kind,
    Log,
    Say,
    Silence,
    SpeechDone,
    Start,
    Tone,
    duration_words,
    number_words,
    resume_answer,
)
from coach.speech.base import Earcon

__all__ = ["KEYS", "PAGE", "Choice", "Item", "Menu", "MenuEffect", "MenuEvent", "MenuOptions", "Offer", "Phase",
           "Spoken", "Typed"]

#: Keys the menu acts on at once on a terminal; other letters begin a word ("t" for "tennis")
KEYS = frozenset("0123456789ynrbxqm?")
#: What asks for the next page, said or typed
MORE = frozenset({"more", "more please", "more routines", "the next ten", "next ten", "m"})
NO_ANSWER = "no answer"
RESUME_QUESTION = ("Shall I carry on from there? Say yes, or press y. To choose a routine instead, say no, "
                   "or press n.")
#: ... where nothing listens; "{Press}" becomes "Type" in text mode (Menu._ask)
RESUME_KEYS = "Shall I carry on from there? {Press} y for yes, or n to choose a routine instead."
CLOSING = "Closing the menu. To start it again, run coach."
#: The menu's utterance ids count up from here, apart from the session's (from 1), which then uses
#: the same speaker: its own-words check looks the lines the speaker played lately up by id
FIRST_ID = 1_000_001


class Menu(MenuText):
    """The menu's behaviour. Feed it events with :meth:`handle`; carry out the effects in order."""

    def __init__(self, items: Sequence[Item], offer: Offer | None = None,
                 options: MenuOptions | None = None) -> None:
        self.items = list(items)
        self.offer = offer
        self.options = options or MenuOptions()
        self.phase = Phase.IDLE
        self.now = 0.0
        self.cursor: int | None = None     # the routine named last on its own ("next")
        self.page = 0                      # the first routine of the page read last
        self.quiet_since: float | None = None   # when the menu fell silent, waiting for an answer
        self.unanswered = 0                # questions that timed out in a row
        self.stopped = False               # a spoken stop silenced the menu (a second one closes it)
        self.choice: Choice | None = None
        self.outstanding: set[int] = set()
        self._lines: dict[int, tuple[str, float | None]] = {}   # id -> (words, when it finished)
        self._next_id = FIRST_ID
        self._out: list[MenuEffect] = []

    # -- the interface -------------------------------------------------------------------------

    @property
    def speaking(self) -> bool:
        return bool(self.outstanding)

    @property
    def paused(self) -> bool:
        """A spoken stop silenced the menu (a second one closes it)."""
        return self.stopped

    def handle(self, event: MenuEvent) -> list[MenuEffect]:
        self._out = []
        if self.phase is Phase.DONE:
            return self._out
        self.now = max(self.now, event.now)
        if isinstance(event, Start):
            if self.phase is Phase.IDLE:
                self._start()
        elif self.phase is Phase.IDLE:
            return self._out
        elif isinstance(event, SpeechDone):
            self._speech_done(event)
        elif isinstance(event, Heard):
            self._heard(event)
        elif isinstance(event, Spoken):
            self._spoken(event)
        elif isinstance(event, Typed):
            self._typed(event)
        self._timer()
        return self._out

    def next_due(self) -> float | None:
        """When the menu next acts by itself (None: not until something happens)."""
        if self.quiet_since is None or self.phase not in (Phase.RESUME, Phase.LIST):
            return None
        return self.quiet_since + self.options.answer_wait

    # -- flow ----------------------------------------------------------------------------------

    def _start(self) -> None:
        self._log("menu", event="started", routines=[i.id for i in self.items],
                  offer=None if self.offer is None else self.offer.routine, words=self.options.words)
        if self.options.cannot_hear:
            self._say(f"I cannot hear you this time: {self.options.cannot_hear}. Use the keys instead.")
        if self.offer is not None:
            self._ask_resume()
        elif not self.items:
            self._leave("no routines", "There are no routines to choose from. Put routine files in the "
                                       "routines folder, then run coach again.")
        else:
            self._read_list()

    def _ask_resume(self) -> None:
        o = self.offer
        assert o is not None
        self.phase = Phase.RESUME
        when = f", {o.when}" if o.when else ""
        self._log("asked", question="resume", routine=o.routine, step=o.step, level=o.level)
        self._say(f"Your last session of {o.title} stopped at step {number_words(o.step + 1)}, {o.step_title}, "
                  f"at pressure level {o.level}{when}. {self._ask(RESUME_QUESTION, RESUME_KEYS)} "
                  f"{'If no answer comes' if self.keys_only else 'If I hear nothing'}, I will carry on "
                  f"from there in {duration_words(self.options.answer_wait)}.")

    def _resume_answered(self, carry_on: bool, how: str) -> None:
        self._silence()
        self._log("answered", question="resume", carry_on=carry_on, how=how)
        if carry_on:
            assert self.offer is not None
            self._confirm(Choice("resume", self.offer.routine, how), f"Carrying on with {self.offer.title}.")
        elif self.items:
            self._read_list()
        else:
            self._leave("no routines", "There are no other routines. " + CLOSING)

    def _read_list(self, again: bool = False, page: int = 0) -> None:
        self.phase = Phase.LIST
        self.cursor = None
        self.page = page if page < len(self.items) else 0
        self._log("menu", event="list", again=again, **({"from": self.page} if len(self.items) > PAGE else {}))
        if not again and self.page == 0:
            self._say(self._intro())
        shown = range(self.page, min(self.page + PAGE, len(self.items)))
        for i in shown:
            self._say(self._item_line(i))
        left = len(self.items) - shown.stop
        if left > 0:
            more = "Type m" if self.options.typed else "Say more, or press m,"
            self._say(f"That was {number_words(shown.start + 1)} to {number_words(shown.stop)} of "
                      f"{number_words(len(self.items))}. {more} to hear the next {number_words(min(PAGE, left))}.")
        self._say(self._prompt(again))

    def _more(self) -> None:
        """The next page of a long list (from the first after the last)."""
        self._answered()
        self._silence()
        if len(self.items) <= PAGE:
            self._say(f"That is all of them: there {'is' if len(self.items) == 1 else 'are'} "
                      f"{number_words(len(self.items))}.")
            self._say(self._prompt())
            return
        start = self.page + PAGE
        if start >= len(self.items):
            self._say("That was the last of them. From the first again.")
            start = 0
        self._read_list(again=True, page=start)

    def _say_item(self, index: int) -> None:
        self.cursor = index
        self._log("menu", event="named", index=index, routine=self.items[index].id)
        last = " That is the last one." if index == len(self.items) - 1 else ""
        self._say(f"{self._item_line(index)}{last} " + self._ask("Say yes to choose it, or next.",
                                                                 "{Press} y to choose it, or n for the next."))

    def _choose(self, index: int, how: str) -> None:
        item = self.items[index]
        self._silence()
        self._confirm(Choice("run", item.id, how), f"{number_words(index + 1).capitalize()}, {item.title}. Starting.")

    def _confirm(self, choice: Choice, line: str) -> None:
        self.phase = Phase.CONFIRM
        self.choice = choice
        self._log("menu", event="chosen", action=choice.action, routine=choice.routine, how=choice.reason)
        self._out.append(Tone(Earcon.OK))
        self._say(line)

    def _leave(self, reason: str, line: str) -> None:
        self._silence()
        self.phase = Phase.LEAVING
        self.choice = Choice("leave", reason=reason)
        self._log("menu", event="closed", reason=reason)
        self._say(line)

    def _speech_done(self, event: SpeechDone) -> None:
        self.outstanding.discard(event.utterance_id)
        if event.utterance_id in self._lines:
            words, _ = self._lines[event.utterance_id]
            self._lines[event.utterance_id] = (words, self.now)
        if self.outstanding:
            return
        if self.phase in (Phase.CONFIRM, Phase.LEAVING):
            self._finish()
        elif self.quiet_since is None:
            self.quiet_since = self.now
            self._log("menu", event="waiting", phase=self.phase.value)

    def _finish(self) -> None:
        assert self.choice is not None
        self.phase = Phase.DONE
        self._out.append(self.choice)

    def _timer(self) -> None:
        due = self.next_due()
        if due is None or self.now < due:
            return
        self.unanswered += 1
        self._log("menu", event="no_answer", phase=self.phase.value, times=self.unanswered)
        if self.phase is Phase.RESUME:
            self._resume_said(f"{self._nothing()}, so I will carry on from there.")
        elif self.unanswered == 1:
            self._say(f"{self._nothing()}. Here are the routines again.")
            self._read_list(again=True)
        else:
            self._leave(NO_ANSWER, f"{self._nothing()}, so I am closing the menu. To start it again, run coach.")

    def _resume_said(self, line: str) -> None:
        assert self.offer is not None
        self._log("answered", question="resume", carry_on=True, how=NO_ANSWER)
        self._confirm(Choice("resume", self.offer.routine, NO_ANSWER), f"{line} {self.offer.title}.")

    # -- input ---------------------------------------------------------------------------------

    def _answered(self) -> None:
        """Something was said or typed: the wait for an answer starts again after the reply."""
        self.unanswered = 0
        self.quiet_since = None if self.outstanding else self.now

    def _heard(self, event: Heard) -> None:
        # whose voice it was, the listening policy has weighed (coach.listen.policy, in the loop)
        if event.rejected:
            return   # the menu acts on no guess, so there is nothing to undo (bench talk, 2026-12-07: an
            #          undoing of a stop guess it had never acted on was taken for a stop: "Stopped.")
        fields = _fields(event)
        if (event.source == "voice" and event.transcript and self.phase is Phase.LIST
                and not is_command_phrase(event.transcript, self.options.language)
                and self._match(words_apart(event.transcript, self._lately(self.now))).items):
            # "lower back": a title's words, which hold a command word
            self._log("heard", text=event.transcript, command=None, source="voice", **fields)
            self._by_words(event.transcript, "voice")
            return
        self._log("heard", text=event.text, command=event.command.value, source=event.source, **fields)
        self._command(event.command, event.source)

    def _spoken(self, event: Spoken) -> None:
        # whose voice it was, the listening policy has weighed (coach.listen.policy, in the loop)
        fields = _fields(event)
        ended = self.now - (event.ended_ago or 0.0)
        # words over its voice that another voice was there for: only theirs, not the menu's own
        text = words_apart(event.text, self._lately(ended))
        if normalise(text) in MORE and self.phase is Phase.LIST and event.sure:
            self._log("heard", text=event.text, command=None, source="voice", **fields)
            self._more()
            return
        alone = is_command_phrase(text, self.options.language)   # "back" is a command, "lower back" a title
        found = self._match(text) if self.phase is Phase.LIST and not alone else Match()
        command = parse(text, self.options.language)
        if not event.sure and (found.one is not None or command in (Command.YES, Command.RESUME)):
            # heard over the menu's voice, maybe the user's: named back, and chosen by a yes
            index = found.one if found.one is not None else self.cursor
            self._log("heard", text=event.text, command=None if command is None else command.value, source="voice",
                      unsure=True, **fields)
            if index is not None and self.phase is Phase.LIST:
                self._answered()
                self._silence()
                self._say_item(index)
            return
        if found.items or found.number is not None:
            self._log("heard", text=event.text, command=None, source="voice", **fields)
            self._by_words(text, "voice")
        elif command is not None and not event.sure:
            # a command word over the menu's voice, not surely the user's: nothing follows from it
            self._log("heard", text=event.text, command=command.value, source="voice",
                      ignored="not surely the user's", **fields)
        elif command is not None:
            # a word the recogniser does not take alone in a session ("help", "back", "no"), where no
            # session's chat can be mistaken for it
            self._log("heard", text=event.text, command=command.value, source="voice", **fields)
            self._command(command, "voice")
        else:   # chat in the room, or a number said again while the choice is said: let be
            self._log("heard", text=event.text, command=None, source="voice", ignored="names nothing here",
                      **fields)

    def _typed(self, event: Typed) -> None:
        raw = event.text
        text = raw.strip().lower()
        if not text and raw == " ":
            text = " "
        if not text:
            return
        self._log("heard", text=text, source="key")
        if text in ("x", "q", "quit", "exit"):
            self._command(Command.STOP, "key", leave=True)
            return
        if text in MORE and self.phase is Phase.LIST:
            self._more()
            return
        if len(text) == 1 and not text.isdigit():
            command = {"y": Command.YES, "n": Command.NO if self.phase is Phase.RESUME else Command.NEXT,
                       "r": Command.REPEAT, "b": Command.BACK, "?": Command.HELP, "c": Command.RESUME}.get(text)
            if command is None:
                self._not_here()
            else:
                self._command(command, "key")
            return
        if self.phase is Phase.LIST and not is_command_phrase(text, self.options.language) and (
                (found := self._match(text)).items or found.number is not None):
            self._by_words(text, "key")
            return
        command = parse(text, self.options.language)
        if command is not None:
            self._command(command, "key")
        elif self.phase is Phase.LIST:
            self._by_words(text, "key")
        else:
            self._not_understood(text)

    def _match(self, text: str) -> Match:
        """Which routines ``text`` names (:func:`coach.menuwords.match`), by spelling or by sound."""
        return match(text, self._titles(), self.options.sounds)

    def _titles(self) -> list[str]:
        return [i.title for i in self.items]

    def _by_words(self, text: str, source: str) -> None:
        found = self._match(text)
        if found.items or found.number is not None:
            self._answered()
        if found.one is not None:
            self._log("menu", event="matched", text=text, index=found.one)
            self._choose(found.one, source)
        elif found.items:
            self._log("menu", event="ambiguous", text=text, items=list(found.items))
            self._silence()
            names = " or ".join(f"{number_words(i + 1)}, {self.items[i].title}" for i in found.items)
            self._out.append(Tone(Earcon.UNKNOWN))
            self._say(f"Did you mean {names}? " + self._ask("Say the number.", "{Press} its number."))
        elif found.number is not None:
            self._silence()
            self._out.append(Tone(Earcon.UNKNOWN))
            n = number_words(len(self.items))
            self._say(f"There is no number {number_words(found.number)}. " +
                      self._ask(f"Say a number from one to {n}.", f"{{Press}} a number from one to {n}."))
        elif source == "key":
            self._not_understood(text)
        # spoken words that name no routine: chat in the room, let be

    def _not_understood(self, text: str) -> None:
        self._answered()
        self._out.append(Tone(Earcon.UNKNOWN))
        self._say(f"I did not understand {text}. " + ("Type" if self.options.typed else "Press") +
                  " question mark for help.")

    def _not_here(self) -> None:
        self._answered()
        self._out.append(Tone(Earcon.UNKNOWN))
        self._say("That works once a session runs. " + self._prompt())

    def _command(self, command: Command, source: str, leave: bool = False) -> None:
        self._answered()
        if self.phase in (Phase.CONFIRM, Phase.LEAVING):
            if self.phase is Phase.CONFIRM and (command in (Command.NO, Command.BACK, Command.STOP) or leave):
                # the choice is not made until its line has been played: "no" takes it back
                self._log("menu", event="taken_back", how=command.value)
                self.choice = None
                self._silence()
                self.phase = Phase.LIST
                self._say("Not that one.")
                self._say(self._prompt())
            return
        if leave or (command is Command.STOP and self.stopped):
            self._leave("left", CLOSING)
            return
        if self.phase is Phase.RESUME:
            answer = resume_answer(command, source)
            if answer is not None:
                self._resume_answered(answer, command.value)
            elif command is Command.STOP:
                self.stopped = True
                self._silence()
                self._say(f"Stopped. {self._ask(RESUME_QUESTION, RESUME_KEYS)} " +
                          self._ask("Or say stop again to close the menu.", "{Press} x to close the menu."))
            else:
                self._silence()
                self._say(self._ask(RESUME_QUESTION, RESUME_KEYS))
            return
        if command in (Command.STOP, Command.PAUSE):
            self.stopped = True
            self._silence()
            self._say("Stopped. " + self._ask("Say a number to choose a routine, or stop again to close the menu.",
                                              "{Press} a number to choose a routine, or x to close the menu."))
            return
        self.stopped = False
        last = len(self.items) - 1
        if command in (Command.NEXT, Command.NO):
            self._silence()
            if self.cursor is not None and self.cursor >= last:
                self._say("That was the last one. Back to the first.")
                self._say_item(0)
            else:
                self._say_item(0 if self.cursor is None else self.cursor + 1)
        elif command is Command.BACK:
            self._silence()
            self._say_item(max(0, (self.cursor or 0) - 1))
        elif command is Command.REPEAT:
            self._silence()
            if self.cursor is None:
                self._read_list(again=self.page > 0, page=self.page)
            else:
                self._say_item(self.cursor)
        elif command in (Command.YES, Command.RESUME):
            if self.cursor is not None:
                self._choose(self.cursor, source)
            elif len(self.items) == 1:
                self._choose(0, source)
            else:
                self._silence()
                self._say("Which one? Say next to hear them one at a time, then yes to choose one.")
        elif command is Command.HELP:
            self._silence()
            self._say(self._help())
        else:
            self._not_here()

    def _lately(self, ended: float) -> list[str]:
        """The lines the menu was saying about when words that ``ended`` then were said: the one
        playing now (they play in order) and those that finished less than ``ECHO_TAIL`` before."""
        playing = min(self.outstanding) if self.outstanding else None
        return [line for uid, (line, finished) in self._lines.items()
                if uid == playing or (finished is not None and ended <= finished + ECHO_TAIL)]

    def _silence(self) -> None:
        if self.outstanding:
            self._out.append(Silence())
            for uid in self.outstanding:
                words, _ = self._lines.get(uid, ("", None))
                self._lines[uid] = (words, self.now)
            self.outstanding.clear()

    def _say(self, text: str) -> int:
        uid = self._next_id
        self._next_id += 1
        self.outstanding.add(uid)
        self.quiet_since = None
        self._lines[uid] = (normalise(text), None)
        for old in [k for k in self._lines if k < uid - 20]:
            del self._lines[old]
        self._out.append(Say(uid, text, Kind.REPLY))
        self._log("said", text=text, id=uid)
        return uid

    def _log(self, type_: str, **data: Any) -> None:
        self._out.append(Log(type_, data))


def _fields(event: Heard | Spoken) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if event.echo_db is not None:
        fields["echo_db"] = list(event.echo_db)
    if event.excess_db is not None:
        fields["excess_db"] = event.excess_db
    if event.witness_db is not None:
        fields["witness_db"] = event.witness_db
    if isinstance(event, Heard) and event.transcript is not None:
        fields["transcript"] = event.transcript
    return fields
