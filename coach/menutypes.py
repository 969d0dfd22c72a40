"""The spoken menu's events and effects besides the session's, what it offers, and its options:
small frozen dataclasses, as :mod:`coach.session.messages` is for the session (:mod:`coach.menu`
is the state machine)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from coach.session import Effect, Heard, SpeechDone, Start, Tick

# ---------------------------------------------------------------------------------------------
# events (in) besides the session's


@dataclass(frozen=True)
class Spoken:
    """Words a transcribing recogniser heard in an utterance that held no command. ``echo_db`` and
    ``excess_db`` as in :class:`~coach.session.Heard`: set when the menu's own voice was in the room;
    ``ended_ago``: how long before ``now`` the words ended (None: unknown, taken as ``now``)."""

    now: float
    text: str
    echo_db: tuple[float, float] | None = None
    excess_db: float | None = None
    ended_ago: float | None = None
    #: surely the user's words (:attr:`coach.listen.policy.Decision.confirm`); else a routine they
    #: name is named back and waits for a yes, and a yes names the routine again
    sure: bool = True
    witness_db: float | None = None


@dataclass(frozen=True)
class Typed:
    """A key pressed, or a line of words typed."""

    now: float
    text: str


MenuEvent = Start | Tick | SpeechDone | Heard | Spoken | Typed

# ---------------------------------------------------------------------------------------------
# effects (out) besides the session's


@dataclass(frozen=True)
class Choice:
    """The menu is over: ``run`` a routine, ``resume`` the interrupted session, or ``leave``."""

    action: Literal["run", "resume", "leave"]
    routine: str = ""
    reason: str = ""


MenuEffect = Effect | Choice

# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """A routine as the menu names it."""

    id: str
    title: str
    #: its length as said aloud ("about twelve and a half minutes")
    length: str
    for_two: bool = False


@dataclass(frozen=True)
class Offer:
    """An interrupted session the menu offers to carry on."""

    routine: str
    title: str
    step: int          # 0-based
    step_title: str
    level: int
    when: str = ""     # "a minute ago", "yesterday" (coach.session.words.when_words)


@dataclass(frozen=True)
class MenuOptions:
    #: seconds of silence after a question before the menu says it again, or does what it said it would
    answer_wait: float = 15.0
    #: the recogniser writes down words (numbers and titles can be said); False: commands only
    words: bool = True
    #: why the menu cannot hear at all ("the microphone could not be opened"): keys only
    cannot_hear: str = ""
    language: str = "en"
    #: nothing listens at all (text mode): questions ask for a typed answer (issue 38)
    typed: bool = False
    #: how the pronouncing dictionary says a word, so that a title word written down as a word that
    #: sounds the same names its routine (Whisper writes "kneading" as "needing"); None: by spelling
    sounds: Callable[[str], tuple[str, ...] | None] | None = None


class Phase(StrEnum):
    IDLE = "idle"
    RESUME = "resume"        # asking whether to carry on the interrupted session
    LIST = "list"            # naming the routines, or waiting for a choice
    CONFIRM = "confirm"      # saying the choice; it is made once that line has been played
    LEAVING = "leaving"      # saying how to open the menu again
    DONE = "done"


