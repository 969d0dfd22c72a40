"""Whose voice is it? The one listening policy: act on a detection, wait for its judgement, or drop it.

The coach hears its own voice come back from the room. Every detection (a command, or words that
hold none) arrives here with all the evidence the listening pipeline and the loop gathered about it,
and :func:`decide` says what to do with it, with the reason that goes in the session log. PURE: no
audio, no threads, no clock reads; the session's runtime and the menu run through the same loop
(:mod:`coach.loop`), which calls it for both, so a rule added for one holds for the other.

The evidence, in the order the rules weigh it:

- ``excess_db``: how much louder the microphone was, for what the coach played, during the words
  than in the seconds before. Near 0 nothing but the coach's voice was in the room; another voice
  adds sound the echo canceller cannot take out.
- ``echo_db``: what the echo canceller left of the words, and of the coach's voice before them.
- ``own_words``: all the heard words are words of a line the coach said about when they were heard
  (see :func:`said_then`).
- ``transcript``/``written``: what the second stage (Whisper) wrote down, and whether it reads as
  the command, rather than the command's phrase only fitting the sound.
- ``over``/``spoke_lately``/``speaking``: what the coach was playing.

Every threshold lives once in :mod:`coach.listen.thresholds`, with the data that chose it. The table test
(``tests/test_policy.py``) holds one row per incident that shaped a rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from coach.commands import Command, edits, parse
from coach.listen.thresholds import (
    ANSWERS,
    COACH_VOICE,
    ECHO_RESIDUAL_DB,
    ECHO_SURE_DB,
    ECHO_TAIL,
    GUESS_EXCESS_DB,
    LIKE_LONGEST_CHANGE,
    LIKE_PHONES,
    MIN_EXCESS_DB,
    OUTSIDE_VOICE_DB,
    OVER_VOICE_DB,
    SAFE_WHILE_SPEAKING,
    SAFE_WRITTEN_EXCESS_DB,
    SURE_EXCESS_DB,
    USER_ECHO_HOLD,
    WITNESS_ECHO_DB,
    WITNESS_SAFE_ECHO_DB,
    WITNESS_VOICE_DB,
    WORD_EARLY,
    WORD_LATE,
)

#: The earcon's id among the lines the speaker played (:data:`coach.speech.base.TONE_ID`).
TONE_ID = -1

# ---------------------------------------------------------------------------------------------
# the reasons that go in the log


class Reason(StrEnum):
    OWN_WORDS = "the coach was saying it"
    NO_OTHER_VOICE = "no voice but the coach's (no more sound in the room than its echo)"
    GUESS_LITTLE_LEFT = ("waits for the second stage (heard over the coach's voice, little left after echo "
                         "cancellation)")
    GUESS_NOT_SURE = "waits for the second stage (heard over the coach's voice, not surely another voice)"
    GUESS_IN_MENU = "a guess the second stage judges"
    GUESS_PAUSED = "waits for the second stage (already paused: a stop can only end the session now)"
    GUESS_LIKE_OWN = "waits for the second stage (the coach was saying a word that sounds like it)"
    GUESS_WITNESS = "waits for the second stage (a second echo canceller left next to nothing of it)"
    WITNESS = "the coach's own voice (a second echo canceller left next to nothing of it)"
    ANSWER_NOT_WRITTEN = "an answer only fitted, not written down as that answer"
    COACH_VOICEPRINT = "the coach's own voice (its voiceprint, after echo cancellation)"
    FIT_OVER_VOICE = "only fitted, not written down, over the coach's voice with little left after echo cancellation"
    SPEAKING = "the coach was speaking"
    ANSWER_NEAR_VOICE = "an answer heard as the coach's voice died away, not surely another voice"
    STRONG_GUESS_KEPT = ("a rejection of a guess heard with surely another voice over the coach's: what the "
                         "guess did stays")
    WORDS_OVER_VOICE = "the coach's own voice (words heard while it spoke)"
    WORDS_LITTLE_LEFT = "the coach's own voice (little left after echo cancellation)"


def echo_reason(left_db: float) -> str:
    """The log's reason for a detection :func:`echo_only` took for the coach's voice."""
    return f"the coach's own voice ({left_db:.0f} dB left after echo cancellation)"


class Verdict(StrEnum):
    ACT = "act"     # carry it out (a rejection: undo what its guess did)
    WAIT = "wait"   # a first-stage guess: its judgement, a moment later, decides
    DROP = "drop"   # the coach's own voice, or not surely the user's


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str = ""
    #: a judgement taken for the coach's own voice also stands against the first stage's guess of the
    #: same words: what the guess did that can be undone is undone (the soak: a stop guess over the
    #: count "five" paused, and its judgement, "I'm going to go to the top.", was not taken)
    undo_guess: bool = False
    #: a first-stage guess acted on with surely another voice there: a later rejection leaves it be
    strong: bool = False
    #: the words may well be the user's but are not surely so: the machine asks before it does
    #: anything that cannot be taken back (the menu names the routine and asks for a yes)
    confirm: bool = False


@dataclass(frozen=True)
class Evidence:
    """One detection and what is known about it. Defaults describe a command typed at the keys."""

    #: the command; None for words that hold none (the menu's numbers and names)
    command: Command | None
    text: str = ""
    source: Literal["voice", "key"] = "voice"
    #: a second stage judged the whole utterance (keys: always)
    confirmed: bool = True
    #: the recogniser's number for the utterance: pairs a first-stage guess with its judgement
    utterance: int | None = None
    #: the second stage judged the guess ``utterance`` to be something else or nothing
    rejected: bool = False
    #: what the second stage wrote down of the whole utterance; None: a one-stage recogniser
    transcript: str | None = None
    #: what the echo canceller left of the words, and of the coach's voice before them (dB)
    echo_db: tuple[float, float] | None = None
    #: how much more sound the room had during the words than the coach's echo brings (dB)
    excess_db: float | None = None
    #: every heard word is a word the coach was saying about then (:func:`said_then`)
    own_words: bool = False
    #: the coach was saying a word that sounds like the heard ones about then (:func:`sounds_like`)
    like_own_words: bool = False
    #: the line the coach was playing when the words were heard (``TONE_ID``: an earcon), or None
    over: int | None = None
    #: seconds from the end of the coach's last line to the end of the words (0 while one went out);
    #: None: no line went out lately
    after_line: float | None = None
    #: the state machine has a line going out (the session, or the menu)
    speaking: bool = False
    #: what the coach played is known (a speaker that reports it), and none of it was in the room
    #: when the words were said: not over a line, none ended lately, the next one not yet begun
    #: ``LINE_LEAD`` seconds after the words ended
    before_voice: bool = False
    #: the state machine is paused already (a stop, a pain word, a question): a stop makes nothing
    #: safer now, it can only end
    paused: bool = False
    #: this utterance's guess was acted on as strong (see :attr:`Decision.strong`)
    strong_guess: bool = False
    #: which state machine it is for: the menu acts on no guess (it has nothing to keep safe and
    #: nothing to undo)
    context: Literal["session", "menu"] = "session"
    #: how like the coach's own voice the words' audio is after echo cancellation (cosine similarity
    #: of voiceprints, coach.listen.judge.ownvoice); None: not known
    coach_voice: float | None = None
    #: what the witness canceller (AEC3) left of the words' sound (dB); None: not known
    witness_db: float | None = None
    #: seconds from the end of the last spoken words the machine took as the user's to the start of
    #: these; None: none yet, or not known
    after_user: float | None = None
    #: by the listener's clock (when their sound came in, not when they were judged), the words began
    #: ``ECHO_TAIL`` or more after the coach's last line left the loudspeaker, and ended before its
    #: next one began: none of its voice was in the room with them, however lately it spoke
    clear_of_voice: bool = False
    #: of words heard partly over the coach's voice, the sound of their part without it against the
    #: part with it (dB; :attr:`coach.listen.base.Detection.outside_db`); None: not known
    outside_db: float | None = None

    @property
    def voice_outside(self) -> bool:
        """Words heard partly over the coach's voice had a voice's sound in their part without it
        (``OUTSIDE_VOICE_DB``): someone spoke there, where the coach's voice was not."""
        return self.outside_db is not None and self.outside_db >= OUTSIDE_VOICE_DB

    @property
    def witnessed_echo(self) -> bool:
        """The witness canceller left next to nothing of the words: the coach's voice alone."""
        most = WITNESS_SAFE_ECHO_DB if self.command in SAFE_WHILE_SPEAKING else WITNESS_ECHO_DB
        return self.witness_db is not None and self.witness_db <= most

    @property
    def voice_share(self) -> bool:
        """The witness canceller kept a voice's share of the words (``WITNESS_VOICE_DB``), and not just
        after the user spoke (``USER_ECHO_HOLD``), when it keeps that much of the coach's voice too."""
        return (self.witness_db is not None and self.witness_db >= WITNESS_VOICE_DB
                and (self.after_user is None or self.after_user >= USER_ECHO_HOLD))

    @property
    def guess(self) -> bool:
        """A first-stage guess whose judgement is still to come."""
        return not self.confirmed and self.utterance is not None

    @property
    def spoke_lately(self) -> bool:
        """The coach's voice went out in the ``WORD_LATE`` seconds before the words ended (so that
        they may hold it: the soak's count "seven" heard as "Okay." and judged stop), and the
        listener's clock does not show them begun after it had left the room."""
        return self.after_line is not None and self.after_line <= WORD_LATE and not self.clear_of_voice


def decide(e: Evidence, language: str = "en") -> Decision:
    """Act on the detection, wait for its judgement, or drop it; with the reason for the log."""
    if e.source != "voice":
        return Decision(Verdict.ACT)   # keys are always the user's
    if e.rejected:
        if e.context == "menu":
            return Decision(Verdict.WAIT, Reason.GUESS_IN_MENU)
        if e.strong_guess and not _wrote_another(e, language):
            # the guess was heard over the coach's voice with far more sound than its echo: someone
            # spoke, and what they asked for (a pause, easing off) stays; the judgement's span ran
            # over the coach's voice too, which outweighed the word (the end-to-end stop test,
            # 2026-12-02: a user's "stop" at 19.9 dB paused, then "judged nothing" undid it)
            return Decision(Verdict.DROP, Reason.STRONG_GUESS_KEPT)
        # (... but not when the second stage wrote down another command for the same words: the
        # guess misheard the user; bench talk, seed 5: a user's "help", guessed "ouch" at 21 dB
        # over the echo, written "help")
        return Decision(Verdict.ACT)
    if e.command is None:
        return _words(e)
    if e.context == "menu" and e.guess:
        return Decision(Verdict.WAIT, Reason.GUESS_IN_MENU)
    if e.guess and e.paused:
        # paused already, a stop or pain word makes nothing safer: its judgement decides, and nothing
        # is cut off meanwhile (a user trial, 2026-12-06: the coach heard the "stop" of its own
        # "Stopped. Say next to continue, or stop again to end.", the guess cut the prompt, the second
        # stage rejected it, and the prompt began again, 7 and 12 times running)
        return Decision(Verdict.WAIT, Reason.GUESS_PAUSED)
    if e.command in ANSWERS and e.transcript is not None and parse(e.transcript, language) is not e.command:
        # yes and no answer questions whose answer cannot be taken back (end the session, carry on
        # an old one): only when the second stage wrote that very answer down, never by fit alone,
        # never when it wrote the other (a user trial, 2026-12-06: a spoken "No" to "Shall I carry
        # on from there?" was judged "yes please")
        return Decision(Verdict.DROP, Reason.ANSWER_NOT_WRITTEN)
    # (the menu acts on no guess: nothing of its to undo)
    undo = (e.confirmed and e.utterance is not None and e.command in SAFE_WHILE_SPEAKING and not e.strong_guess
            and e.context == "session")
    # words that sound like the coach's own voice even after echo cancellation: the canceller lost
    # the room, and the coach is hearing itself (a user trial, 2026-12-06: 4-20 dB of its voice
    # left, which Whisper wrote down and the dB rules let through). Nothing but stop and pain;
    # those only as far as is safe (a pause, easing off), never an end
    like_coach = e.coach_voice is not None and e.coach_voice >= COACH_VOICE
    if like_coach and e.command not in SAFE_WHILE_SPEAKING:
        return Decision(Verdict.DROP, Reason.COACH_VOICEPRINT)
    why = _own_voice(e, language)
    if why is not None:
        verdict = Verdict.WAIT if why in _WAITS else Verdict.DROP
        return Decision(verdict, why, undo_guess=undo and verdict is Verdict.DROP)
    if (e.speaking and not e.before_voice and e.command not in SAFE_WHILE_SPEAKING
            and not _users_over_voice(e, language)):
        # Over its own voice a recogniser can mistake the coach's words for commands. Only the
        # commands that make things safer are taken then, and those a verifying stage judged whole
        # that the echo figures show to be the user's voice and whose words it wrote down.
        return Decision(Verdict.DROP, Reason.SPEAKING)
    if (e.command in ANSWERS and not e.speaking and not e.before_voice and (e.over is not None or e.spoke_lately)
            and (e.excess_db is not None or e.echo_db is not None) and not _users_over_voice(e, language)):
        # an answer cannot be taken back: words that hold the coach's voice (a line ended less than
        # WORD_LATE before them, they did not begin after it left the room, and its voice was in the
        # room for most of them: the echo figures were taken) need the evidence of another voice that
        # an answer over its voice needs (bench talk, seed 9: 0.4 s after the resume question ended,
        # "no" with 1.3 dB more sound than the echo and the witness at -10.7 dB declined to carry on,
        # and nobody had spoken). Without echo figures the words came after its voice: a prompt
        # answer (test_menu_audio: a "yes" 0.9 s after the question ended)
        return Decision(Verdict.DROP, Reason.ANSWER_NEAR_VOICE)
    if like_coach:
        return Decision(Verdict.ACT, confirm=True)
    strong = e.guess and e.excess_db is not None and (e.excess_db >= GUESS_EXCESS_DB or _voice_guess(e))
    return Decision(Verdict.ACT, strong=strong)


#: the reasons a guess waits for its judgement rather than being dropped
_WAITS = frozenset({Reason.GUESS_LITTLE_LEFT, Reason.GUESS_NOT_SURE, Reason.GUESS_LIKE_OWN, Reason.GUESS_WITNESS})


def _own_voice(e: Evidence, language: str) -> Reason | None:
    """Why a spoken command is taken for the coach's own voice, or for a guess that waits for its
    judgement; None when it may be acted on."""
    command = e.command
    written = e.transcript is not None and parse(e.transcript, language) is command
    # Whisper wrote a stop or pain word down, and the witness canceller kept a voice's share of it:
    # the user's, most likely, and only pausing or easing off follows, which is safe. Never once
    # paused: a stop can then only end the session
    safe_voice = (command in SAFE_WHILE_SPEAKING and written and not e.paused and e.witness_db is not None
                  and e.witness_db >= WITNESS_VOICE_DB)
    # ... or any command written down that ended after the line went out, with surely more sound than
    # the echo and the witness's share of another voice: the user's word said just after the coach's
    # same word (bench talk, seed 9: a user's "yes" to "Say yes to choose it", written "yes", 8.2 dB
    # over the echo, the witness at -4.4 dB, was dropped as the menu's own)
    other = written and e.voice_share and e.over is None
    if e.own_words and not ((safe_voice or other) and e.excess_db is not None and e.excess_db >= SURE_EXCESS_DB):
        # (bench talk, 30 minutes, 2026-12-07: a user's "stop" said as the coach said "...stop and
        # rest", written "stop", 3.9 dB more sound than the echo, the witness at -5.7 dB, was dropped)
        return Reason.OWN_WORDS
    if e.witnessed_echo:
        return Reason.GUESS_WITNESS if e.guess else Reason.WITNESS
    if e.guess and e.like_own_words:
        # whatever the sound figures say: the coach's own word that sounds like the command came
        # back from the room (bench talk, 2026-12-07: "Step one of eight" taken for stop at 13.7 and
        # 31.6 dB more than the echo, through a small loudspeaker); the judgement, a moment later,
        # tells the two apart (a user's "stop" said over the coach's "step" waits that long)
        return Reason.GUESS_LIKE_OWN
    if e.excess_db is not None and e.excess_db < MIN_EXCESS_DB:
        # no more sound in the room than the coach's voice brings: its own. A stop or pain word too,
        # even one Whisper wrote down: the soak of 2026-12-02 with Piper's voice had its "Step three
        # of nine" written "stop 3 for a second" (excess -0.4 dB) and a count written "Stop it!",
        # each of which paused it. A user's stop over the coach is louder than that where
        # pocketsphinx hears it (20 dB), and said again works. A guess waits for its judgement.
        if command in SAFE_WHILE_SPEAKING and e.guess:
            return Reason.GUESS_LITTLE_LEFT
        if (command in SAFE_WHILE_SPEAKING and written and not e.paused and e.witness_db is not None
                and e.excess_db >= SAFE_WRITTEN_EXCESS_DB):
            # ... unless a safe word was written down and the witness did not take it for the coach's
            # voice alone (it would have been dropped above, at ``WITNESS_SAFE_ECHO_DB``): pausing or
            # easing off is safe, a stop lost is not (bench talk, 30 minutes, 2026-12-07: users' stops
            # written "stop" at 0.5 and 0.1 dB, the witness at -6.0 and -3.0 dB, were dropped, and the
            # session did not pause; seed 5: a user's "Stop." at 0.2 dB, the witness at -12.4 dB)
            return None
        if written and command not in ANSWERS and not (command is Command.STOP and e.paused) and e.voice_share:
            # ... or any command but an answer (or a stop that could only end), written down, with a
            # voice's share left and not just after the user spoke (bench talk, 30 minutes,
            # 2026-12-07: users' "help", "time left" and "more time", written so, at -1.7, -6.9 and
            # -6.5 dB over the echo, the witness at -4.7, -5.3 and -4.0 dB; the coach's own voice
            # written as a command with this little more sound than its echo kept -8.9 dB or less in
            # the silent soaks)
            return None
        return Reason.NO_OTHER_VOICE
    near_voice = e.over is not None or e.spoke_lately
    if e.guess and not _voice_guess(e) and ((e.excess_db is None and near_voice) or
                                            (e.excess_db is not None and e.excess_db < GUESS_EXCESS_DB)):
        # a first-stage guess over the coach's voice acts at once only when another voice was surely
        # there; else its judgement decides, a moment later (soak with Piper's voice, 2026-12-02, the
        # machine loaded: an "ouch" guess at 0.9 dB eased off; Whisper judged nothing there). Over
        # or just after a line with no such figure it waits too: the same soak, a "stop" guess 4 s
        # into a step's instruction, Whisper judged nothing there.
        return Reason.GUESS_NOT_SURE
    little_left = e.echo_db[0] < OVER_VOICE_DB if e.echo_db is not None else near_voice
    # (the witness's figure counts for another voice only as ``voice_share`` says: not just after the
    # user spoke, when it keeps the coach's voice too; bench talk, seed 9: "Oh" fitted to "wait" 3 s
    # after a user's "harder", as the coach's answer began, 5.5 dB over the echo, the witness at
    # -2.9 dB, paused the session)
    unsure_voice = ((e.excess_db is not None and e.excess_db < SURE_EXCESS_DB)
                    or (e.excess_db is None and near_voice)
                    or (e.witness_db is not None and not e.voice_share))
    if e.confirmed and e.transcript is not None and (little_left or unsure_voice) and not written:
        # judged a command only by how well its phrase fits, over the coach's voice, with little left
        # after echo cancellation (live: "Just up." as "please stop" at -16.4 dB), or with no echo
        # figures, its voice in the room for less than half the words (live: "Oh" as "stop"), or
        # without surely another voice there (the soak, 2026-12-02: the coach's first line written
        # "five" and judged stop at 0.8 dB paused it, and its own "Stopped. Say next to continue, or
        # stop again to end." written "So..." at 0.7 dB ended the session)
        return Reason.FIT_OVER_VOICE
    if e.guess and e.echo_db is not None and e.echo_db[0] < OVER_VOICE_DB:
        # a guess over the coach's voice with little of its words left after echo cancellation
        # (live soak, 2026-11-30: a "pain" guess in the coach's voice at -17.1 dB paused it, and
        # Whisper rejected it 0.4 s later): its judgement decides
        return Reason.GUESS_LITTLE_LEFT
    return None


def _voice_guess(e: Evidence) -> bool:
    """A first-stage guess of a stop or pain word with surely more sound than the echo and the
    witness's share of another voice: the user's, acted on at once and kept (bench talk, seed 6: users'
    "stop" guessed so at 4.4 dB over the echo, the witness at -6.8 dB, waited for Whisper, which wrote
    "i start then" and "Stuck?", and the session did not pause; the coach's own stop and pain guesses
    in the silent soaks kept -16.9 dB or less)."""
    return (e.command in SAFE_WHILE_SPEAKING and e.voice_share and e.excess_db is not None
            and e.excess_db >= SURE_EXCESS_DB)


def _wrote_another(e: Evidence, language: str) -> bool:
    """The second stage wrote down another command for the words of a guess it rejected."""
    written = None if e.transcript is None else parse(e.transcript, language)
    return written is not None and written is not e.command


def _users_over_voice(e: Evidence, language: str) -> bool:
    """A command other than stop or pain heard while the coach speaks is the user's only when judged
    whole, written down (or with surely another voice there), and either with the echo figures of a
    user's voice (``OVER_VOICE_DB``) or heard over an earcon with no echo figures: a tone holds no
    words (barge-in, 2026-12-03: a user's "softer" over the first earcon was dropped; no detection
    of the coach's own voice ended over an earcon in 40 minutes of soak). Whisper's writing matters
    here: in live barge-in runs (2026-11-30) the coach's voice written "Let's go." was taken for
    "next" by fit alone, and "Just up." for "please stop", while the users' "harder", "softer" and
    "next" over it were written down in 12 of 14 trials."""
    written = e.transcript is not None and parse(e.transcript, language) is e.command
    transcribed = (e.excess_db is not None and e.excess_db >= SURE_EXCESS_DB) or e.transcript is None or written
    if not (e.confirmed and transcribed):
        return False
    if e.command in ANSWERS or e.context == "menu":
        # an answer (to end a session, to carry on an old one) and the menu's every command follow
        # from one detection and are not taken back: over the coach's voice they need the witness's
        # share of another voice, not the echo figures alone (bench talk, seed 6: the menu's own
        # "...Shall I carry on from there? Say yes, or press y." written "No." with 5.8 dB more sound
        # than the echo and -11 dB left by speex, and its own "Partner back massage" heard as
        # "back", each declined the resume; the witness had not yet heard 10 s of its voice)
        return written and e.voice_share
    if written and e.voice_share and e.excess_db is not None and e.excess_db >= SURE_EXCESS_DB:
        # written down, with a voice's share left and surely more sound than the echo, whatever the
        # first canceller left (bench talk, 30 minutes, 2026-12-07: a user's "time left", 8.1 dB
        # over the echo, the witness at -2.3 dB, was dropped for -15.1 dB left by the first)
        return True
    witnessed = e.voice_share and e.excess_db is not None and e.excess_db >= SURE_EXCESS_DB
    # where the witness has a figure, it must not take the words for the coach's: what speex left
    # is not enough then (bench talk, seed 9: the coach's own safety line written "time", 1.0 dB over
    # the echo, -6.5 dB left by speex, the witness at -10.7 dB, was taken; the users' commands over
    # its voice so far kept -0.8 to -6.9 dB of the witness)
    witness_allows = e.witness_db is None or e.witness_db >= WITNESS_VOICE_DB
    # with no echo figures (the coach's voice in less than half of the words), written down with a
    # voice's sound in the part without the coach's voice (``OUTSIDE_VOICE_DB``): someone spoke there
    # (bench talk, seed 11: users' "help" and "What can I say?" said as a line began were dropped)
    return ((e.echo_db is not None and e.echo_db[0] >= OVER_VOICE_DB and witness_allows)
            or (e.echo_db is None and (e.over == TONE_ID or witnessed or (written and e.voice_outside))))


def _words(e: Evidence) -> Decision:
    """Words that hold no command (numbers and names for the menu). Whisper writes the coach's voice
    down as something (live, through PulseAudio: "for two feet." for "Two: Partner back massage,
    for two people", with 10 dB left after echo cancellation but 11 dB less sound in the room than
    the echo alone would bring), so over its voice they are taken only with more sound in the room
    than its echo brings, and with less than ``SURE_EXCESS_DB`` more, to be confirmed (a user trial,
    2026-12-06: the user's "Swedish" said while the menu read its list was dropped). What the coach
    itself was saying then is taken out of them by the menu (:func:`coach.menuwords.words_apart`)."""
    if e.own_words:
        # every word is one the coach was saying then (bench talk, 2026-12-07: the menu heard the
        # "stopped" of its own "Your last session ... stopped at step two" and closed itself)
        return Decision(Verdict.DROP, Reason.OWN_WORDS)
    if e.witnessed_echo:
        return Decision(Verdict.DROP, Reason.WITNESS)
    if e.excess_db is not None and e.excess_db >= SURE_EXCESS_DB:
        # surely another voice with the witness's share too, or with as much more sound as a guess
        # needs to act at once; else the menu names back what it heard and waits for a yes (bench
        # talk, seed 6: its own list read "Two: ...", "Three: ..." written "3, 2, 3, 3, 3," at 3.7 dB
        # over the echo, no witness figure yet, chose routine two; its own words in the talk runs'
        # menus 2.6 to 4.5 dB, the users' title words 6.5 to 13.9 dB, or with the witness's share)
        return Decision(Verdict.ACT, confirm=not (e.voice_share or e.excess_db >= GUESS_EXCESS_DB))
    if e.excess_db is not None and e.excess_db < MIN_EXCESS_DB:
        return Decision(Verdict.DROP, Reason.NO_OTHER_VOICE)
    if e.echo_db is not None and e.echo_db[0] < OVER_VOICE_DB:
        return Decision(Verdict.DROP, Reason.WORDS_LITTLE_LEFT)
    if e.excess_db is not None:
        return Decision(Verdict.ACT, confirm=True)
    if e.speaking or (e.after_line is not None and e.after_line <= ECHO_TAIL and not e.clear_of_voice):
        return Decision(Verdict.DROP, Reason.WORDS_OVER_VOICE)
    return Decision(Verdict.ACT)


# ---------------------------------------------------------------------------------------------
# the pipeline's own rule, before any loop sees a detection


def echo_only(left_db: float, typical_db: float | None, settling: bool) -> bool:
    """Whether words heard over the coach's voice that the echo canceller left ``left_db`` of are its
    voice alone: heard while the canceller settles after a catch-up skip, or with very little left,
    or with no more left than its echo typically keeps (``typical_db``; None: no figure yet)."""
    return settling or left_db <= ECHO_SURE_DB or (typical_db is not None and left_db <= min(ECHO_RESIDUAL_DB,
                                                                                           typical_db))


# ---------------------------------------------------------------------------------------------
# when the coach said a word


def sounds_like(heard: Sequence[str], said: Sequence[str]) -> bool:
    """Whether heard words (their phones) sound like a word the coach said (its phones): the same,
    a run of its phones ("ow" in "now"), or, for words of ``LIKE_LONGEST_CHANGE`` phones or more, at
    most ``LIKE_PHONES`` phones changed, added or left out ("stop" and "step")."""
    if not heard or not said:
        return False
    n = len(heard)
    if any(tuple(said[i:i + n]) == tuple(heard) for i in range(len(said) - n + 1)):
        return True
    if min(len(heard), len(said)) < LIKE_LONGEST_CHANGE:
        return False
    return edits(heard, said) <= LIKE_PHONES


@dataclass(frozen=True)
class LineOut:
    """A line the coach sent out: its words, when its sound started (monotonic seconds), how long its
    sound is, and how much of it went out (less when it was cut off)."""

    words: Sequence[str]
    started: float
    length: float
    out: float
    #: each word and when the coach finishes saying it, from the line's first sample, where known
    #: (a forced alignment of the line to its sound: coach.speech.wordtimes); else estimated
    times: Sequence[tuple[str, float]] | None = None


def said_then(line: LineOut, words: set[str] | Callable[[str], bool], heard_end: float | None, now: float,
              left_db: float | None = None, lasted: float = 0.0) -> bool:
    """Whether the coach said one of ``words`` of ``line`` (or a word ``words`` holds true of) about
    when the heard words ended
    (``heard_end``; None if unknown, and then any word of a line going out, or finished less than
    ``ECHO_TAIL`` ago, counts), or the words were heard while it went out with no more than
    ``OVER_VOICE_DB`` left of them after echo cancellation. Where a word falls comes from the line's
    word times; without them it is estimated from its place in the line's text, as a share of the
    line's length in sound (within 0.27 s for every "stop" and "pain" of the built-in routines).

    ``lasted``: how long the heard words took (seconds); the word may be anywhere in them, so the
    coach's word counts that much earlier too (bench talk, seed 11: its reply "Noted: lighter, level
    1 of 3. Pressure does not change in this part; ..." came back as one utterance 5 s long, written
    "lighter", and its "lighter" 4 s before the words' end was taken for the user's)."""
    hit = words if callable(words) else words.__contains__
    late = WORD_LATE + max(0.0, lasted)
    going_out = line.started - WORD_EARLY, line.started + line.out + ECHO_TAIL
    if heard_end is None or line.length <= 0:
        return going_out[0] <= now <= going_out[1]
    if left_db is not None and left_db <= OVER_VOICE_DB and going_out[0] <= heard_end <= going_out[1]:
        return True
    heard_at = heard_end - line.started     # when the heard words ended, on the line's clock
    if line.times is not None:
        for word, said_at in line.times:
            if said_at > line.out + WORD_EARLY:
                break                           # cut off before the coach got to it
            if hit(word) and -WORD_EARLY <= heard_at - said_at <= late:
                return True
        return False
    chars = len(" ".join(line.words))
    end = 0
    for word in line.words:
        end += len(word)
        said_at = line.length * end / chars   # when the coach finishes saying ``word``
        if said_at > line.out + WORD_EARLY:
            break                               # cut off before the coach got to it
        if hit(word) and -WORD_EARLY <= heard_at - said_at <= late:
            return True
        end += 1
    return False
