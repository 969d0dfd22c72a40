"""What the spoken menu says: its introduction, the line for each routine, its prompt and its help,
worded for speech, for keys where it cannot hear, and for typing in text mode."""

from __future__ import annotations

from coach.commands import Command, canonical
from coach.menutypes import Item, MenuOptions
from coach.menuwords import title_words
from coach.session import duration_words, number_words

#: Routines read out at a time: a long list is read a page at a time, and "more" (or m) reads the
#: next (issue 37: a menu of 506 routines read all 506 before it asked anything)
PAGE = 10


class MenuText:
    """The menu's lines (a base of :class:`coach.menu.Menu`)."""

    items: list[Item]
    options: MenuOptions

    def _intro(self) -> str:
        n = number_words(len(self.items))
        return f"Choose a routine. There {'is' if len(self.items) == 1 else 'are'} {n}."

    def _item_line(self, index: int) -> str:
        item = self.items[index]
        two = ", for two people" if item.for_two else ""
        return f"{number_words(index + 1).capitalize()}: {item.title}{two}, {item.length}."

    def _prompt(self, again: bool = False) -> str:
        n = number_words(len(self.items))
        if self.options.typed:
            ask = (f"Which one? Type its number, one to {n}, or a word of its name; or n to hear them one at a time, "
                   "and y to choose one. Type a question mark for help.")
        elif self.options.cannot_hear:
            ask = (f"Which one? Press its number key, one to {n}; or n to hear them one at a time, and y to "
                   "choose one. Press question mark for help.")
        elif self.options.words:
            ask = (f"Which one? Say its number, one to {n}, or a word of its name; or press its number key. For "
                   "help, ask: what can I say?")
        else:
            ask = ("Which one? Say next to hear them one at a time, and yes to choose one; or press its number "
                   "key. For help, ask: what can I say?")
        if again:
            nothing = "no answer comes" if self.keys_only else "I hear nothing"
            ask += f" If {nothing} again, I will close the menu in {duration_words(self.options.answer_wait)}."
        return ask

    @property
    def keys_only(self) -> bool:
        """Nothing listens (text mode, or a microphone or recogniser that failed)."""
        return self.options.typed or bool(self.options.cannot_hear)

    def _ask(self, spoken: str, keys: str) -> str:
        """``spoken`` where the menu listens, else ``keys`` ("{Press}": "Type" in text mode)."""
        if not self.keys_only:
            return spoken
        return keys.replace("{Press}", "Type" if self.options.typed else "Press")

    def _nothing(self) -> str:
        return "No answer came" if self.keys_only else "I heard nothing"

    def _help(self) -> str:
        n = number_words(len(self.items))
        word = {c: canonical(c, self.options.language) for c in Command}
        keys = ("Keys: a number key chooses, n for next, b for back, r to repeat, y for yes, and x or q to "
                "close the menu.")
        if self.options.cannot_hear:
            return f"You are choosing a routine; there are {n}. I cannot hear you, so use the keys. {keys}"
        if self.options.words:
            say = (f"Say a number, one to {n}, or a word of a routine's name, like {self._example()}. Say "
                   f"{word[Command.NEXT]} to hear the routines one at a time, {word[Command.BACK]} for the one "
                   f"before, {word[Command.REPEAT]} to hear it again, and {word[Command.YES]} to choose it.")
        else:
            say = (f"This recogniser hears only command words, not numbers or names. Say {word[Command.NEXT]} "
                   f"to hear the routines one at a time, {word[Command.BACK]} for the one before, "
                   f"{word[Command.REPEAT]} to hear it again, and {word[Command.YES]} to choose it.")
        more = (f" The list is read ten at a time: {'type m' if self.options.typed else 'say more, or press m,'} "
                "for the next ten." if len(self.items) > PAGE else "")
        return (f"You are choosing a routine; there are {n}. {say}{more} Say {word[Command.STOP]} twice to close "
                f"the menu. {keys}")

    def _example(self) -> str:
        words = sorted(title_words(self.items[0].title), key=len, reverse=True) if self.items else []
        return words[0] if words else "one"

    # -- helpers -------------------------------------------------------------------------------
