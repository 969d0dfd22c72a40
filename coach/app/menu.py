"""Running the menu, then the session chosen in it on the same speaker, listener and keys."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from coach import interrupts, store
from coach.app.audio import MENU_KEYS, WAIT_ID, Audio, AudioPlan, Hooks, open_audio
from coach.app.session import (
    DEVICE_LOST,
    LISTENING_LOST,
    InputRelay,
    SessionPlan,
    Shared,
    _route_interrupts,
    _run_session,
    _signals_interrupt,
)
from coach.config import Config
from coach.keyboard import KeyReader, is_terminal
from coach.listen.base import Detection
from coach.listen.judge.words import Words
from coach.menu import KEYS as MENU_KEYS_AT_ONCE
from coach.menu import Choice, Item, Menu, MenuOptions, Offer
from coach.menuloop import MenuLoop
from coach.nativelines import NativeLines
from coach.runtime import Clock, read_input
from coach.session import Finish
from coach.speech.base import Speaker
from coach.speech.fake import PrintSpeaker
from coach.terminal import printable_lines


@dataclass(frozen=True)
class MenuPlan:
    """What the menu offers, and how it speaks and listens."""

    items: tuple[Item, ...]
    offer: Offer | None
    audio: AudioPlan
    text_mode: bool
    log_paths: tuple[Path, ...]
    answer_wait: float = 15.0


def run_menu(plan: MenuPlan, config: Config, plan_for: Callable[[Choice], SessionPlan], out: TextIO,
             stdin: TextIO | None = None, err: TextIO | None = None) -> tuple[Choice, Finish | None]:
    """Run the menu, then the session chosen in it (``plan_for`` plans it) on the same speaker,
    listener and keys; the choice, and how the session ended (None: none was started)."""
    with NativeLines() as native, interrupts.routed_to():   # Ctrl-C: coach.app.session._route_interrupts
        return _run_menu(plan, config, plan_for, out, native, stdin, err)


def _run_menu(plan: MenuPlan, config: Config, plan_for: Callable[[Choice], SessionPlan], out: TextIO,
              native: NativeLines, stdin: TextIO | None = None,
              err: TextIO | None = None) -> tuple[Choice, Finish | None]:
    err = err or sys.stderr
    stdin = stdin if stdin is not None else sys.stdin
    log = store.SessionLog(list(plan.log_paths), warn=err, own_first=True)
    clock = Clock()
    native.set_sink(lambda line: log.write(clock.now(), "native", {"text": line}))
    holder: list[MenuLoop] = []

    def done(uid: int, interrupted: bool) -> None:
        if uid != WAIT_ID and holder:
            holder[0].speech_done(uid, interrupted)

    def on_command(d: Detection) -> None:
        if holder:
            holder[0].detected(d)

    def on_words(words: Words) -> None:
        if holder:
            holder[0].words(words.text, words.echo_db, words.excess_db, words.ended_at, words.witness_db)

    def on_error(error: Exception) -> None:
        print(printable_lines(f"coach: {error}"), file=err)
        if holder:
            holder[0].interrupt(DEVICE_LOST)

    def on_lost(error: Exception) -> None:
        print(printable_lines(f"coach: {error}"), file=err)
        if holder:
            holder[0].interrupt(LISTENING_LOST)

    hooks = Hooks()
    hooks.done, hooks.command, hooks.words, hooks.error, hooks.lost = done, on_command, on_words, on_error, on_lost
    audio: Audio | None = None
    deaf = ""
    relay = InputRelay()
    keys: KeyReader | None = None
    try:
        if not plan.text_mode:
            audio, deaf = open_audio(plan.audio, config, hooks, stdin, err, MENU_KEYS)
        text_mode = audio is None
        menu = Menu(plan.items, plan.offer, MenuOptions(answer_wait=plan.answer_wait,
                                                        words=text_mode or bool(audio and audio.transcribes),
                                                        cannot_hear=deaf, language=plan.audio.language,
                                                        typed=text_mode, sounds=_sounds(audio)))
        speaker: Speaker = audio.speaker if audio else PrintSpeaker(out, done)
        loop = MenuLoop(menu, speaker, log, clock, transcript=None if text_mode else out)
        holder.append(loop)
        relay.to(loop)
        if is_terminal(stdin):
            try:
                keys = KeyReader(stdin, relay.text, out, keys=MENU_KEYS_AT_ONCE).start()
            except OSError as e:
                print(f"coach: keys need Enter on this terminal ({e})", file=err)
        if keys is None:
            read_input(relay, stdin)
        _route_interrupts(loop)
        with _signals_interrupt(loop):
            choice = loop.run()
        interrupts.bind(None)   # until the session's loop is there, a first Ctrl-C raises
        relay.to(None)   # what is typed now waits for the session
        native.set_sink(None)
        log.close()
        if choice.action == "leave":
            return choice, None
        session_plan = plan_for(choice)
        shared = Shared(audio, hooks, deaf, text_mode, relay, keys)
        result = _run_session(session_plan, config, out, native, stdin, err, shared)
        audio = shared.audio
        return choice, result
    finally:
        native.set_sink(None)
        log.close()
        if keys is not None:
            keys.stop()
        if audio is not None:
            with contextlib.suppress(Exception):
                audio.close()


def _sounds(audio: Audio | None) -> Callable[[str], tuple[str, ...] | None] | None:
    """The speaker's pronouncing dictionary (its optional ``phones``), for the menu's title words."""
    phones = getattr(audio.speaker, "phones", None) if audio is not None else None
    return phones if callable(phones) else None
