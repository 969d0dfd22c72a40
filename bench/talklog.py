"""The pure parts of ``python -m bench talk``: what the coach did (its "acts", read from a session
log), which of them answer what the virtual user said, prompts said again and again, and whether a
phrase was said over the coach's voice. No audio, no processes: tests/test_bench_talk.py checks them.

An act is something the coach did that only a command can cause:

- in a session, a ``command`` record (the session logs one for each command it acts on, a
  first-stage guess included, and none for a confirmation, a rejection or a detection the
  listening policy dropped);
- in the menu, a routine chosen (``menu`` ``chosen`` with ``action`` run), a routine named
  (``menu`` ``named``: "next" or "back"), the resume question answered (``answered``
  ``question`` resume, not ``how`` "no answer", which is the wait running out), and any other
  spoken command it took (a ``heard`` record with a command, not ignored: "stop", "help", ...).

A phrase the user said is acted on when an act of the kind and value it expects (:func:`fits`) lies
between its start (less :data:`SLACK`) and :data:`WITHIN` seconds after its end. Each act answers one phrase at
most, the earliest that fits; a phrase takes as many acts as it holds commands ("stop stop": two).
Every act left over is one that nobody said.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: an act this long after the phrase ended still answers it (seconds; bench.barge uses the same)
WITHIN = 5.0
#: ... and this long before it began (the log's clock and this process's differ by a poll at most)
SLACK = 0.3
#: the same line said more than this many times in a row is a prompt that feeds itself
MOST_IN_A_ROW = 2
#: pauses up to this long between loud blocks of the speaker are still one stretch of speech
SPEECH_GAP = 0.5


@dataclass(frozen=True)
class Act:
    t: float       # the log's clock
    kind: str      # "command", "chosen", "named", "answer"
    value: str     # the command ("stop"), the routine chosen or named, "yes" / "no"
    detail: str = ""


@dataclass
class Said:
    """One phrase the virtual user said, and what became of it."""

    text: str
    voice: str
    kind: str                 # the act it expects: "command", "chosen", "answer"
    value: str                # ... and its value
    start: float              # when the words began and ended, on the log's clock
    end: float
    over: bool                # the coach's speaker was loud during the words
    into_line: float | None   # how long the coach had been speaking when the words began (None: quiet)
    count: int = 1            # acts it may take ("stop stop": 2)
    what: str = ""            # the part of the scenario it belongs to ("random", "stop, then silence", ...)
    acts: list[Act] = field(default_factory=list)

    @property
    def acted(self) -> bool:
        return bool(self.acts)

    @property
    def latency(self) -> float | None:
        return self.acts[0].t - self.end if self.acts else None


#: commands the menu acts on with a record of their own (named, chosen, answered)
MENU_RECORDED = frozenset({"yes", "no", "next", "back", "resume"})


#: a reply is the loop's answer to an act, in the same turn of the loop (seconds on the log's clock)
REPLY_WITHIN = 0.5


def acts(records: Iterable[dict[str, Any]]) -> list[Act]:
    """The acts in a session or menu log, in order."""
    out = []
    menu = False   # between the menu's "started" and the session's
    for r in records:
        kind = r.get("type")
        if kind == "menu" and r.get("event") == "started":
            menu = True
        elif kind == "started":
            menu = False
        if (menu and kind == "heard" and r.get("source") == "voice" and r.get("command")
                and r["command"] not in MENU_RECORDED
                and not any(k in r for k in ("ignored", "rejects", "confirms", "unsure"))):
            # the menu logs no "command" record: a spoken command it took ("stop": "Stopped. Shall I
            # carry on ...", a second one closes the menu; "help"; "repeat")
            out.append(Act(r["t"], "command", str(r["command"]), "in the menu"))
        elif kind == "command":
            out.append(Act(r["t"], "command", str(r.get("command"))))
        elif kind == "menu" and r.get("event") == "chosen" and r.get("action") == "run":
            out.append(Act(r["t"], "chosen", str(r.get("routine")), f"how {r.get('how')}"))
        elif kind == "menu" and r.get("event") == "named":
            out.append(Act(r["t"], "named", str(r.get("routine"))))
        elif kind == "answered" and r.get("question") == "resume" and r.get("how") != "no answer":
            out.append(Act(r["t"], "answer", "yes" if r.get("carry_on") else "no", f"how {r.get('how')}"))
    return out


def fits(kind: str, value: str, act: Act) -> bool:
    """Whether ``act`` is what a phrase asking for an act of ``kind`` and ``value`` asks for. A title
    word said over the menu's voice may be named back ("Three: Swedish back massage ... Say yes to
    choose it"), waiting for a yes, when the menu is not sure the words were the user's: that act
    answers it too."""
    kinds = ("chosen", "named") if kind == "chosen" else (kind,)
    return act.kind in kinds and act.value == value


def match(said: Sequence[Said], found: Sequence[Act], within: float = WITHIN, slack: float = SLACK) -> list[Act]:
    """Give each phrase the acts that answer it (``Said.acts``, filled in here); the acts left over
    (nobody said them), in order."""
    taken: set[int] = set()
    for s in sorted(said, key=lambda s: s.start):
        s.acts = []
        for i, a in enumerate(found):
            if len(s.acts) >= s.count:
                break
            if i not in taken and fits(s.kind, s.value, a) and s.start - slack <= a.t <= s.end + within:
                taken.add(i)
                s.acts.append(a)
    return [a for i, a in enumerate(found) if i not in taken]


def confusions(said: Sequence[Said], left: Sequence[Act], within: float = WITHIN,
               slack: float = SLACK) -> list[tuple[Said, Act]]:
    """"no" taken as "yes" and the reverse: an act left over with the other answer, while that
    phrase was said or just after it."""
    other = {"yes": "no", "no": "yes"}
    out = []
    for s in said:
        if s.value not in other:
            continue
        out += [(s, a) for a in left if a.value == other[s.value] and a.kind in ("command", "answer")
                and s.start - slack <= a.t <= s.end + within]
    return out


def repeats(lines: Iterable[str | None], most: int = MOST_IN_A_ROW) -> list[tuple[str, int]]:
    """Lines said more than ``most`` times in a row: (line, times), one for each such run. A None
    (a line that answered something the user said: "softer" four times at the lightest level is
    answered four times) breaks a run."""
    out: list[tuple[str, int]] = []
    last: str | None = None
    run = 0
    for line in [*lines, None]:
        if line is not None and line == last:
            run += 1
            continue
        if last is not None and run > most:
            out.append((last, run))
        last, run = line, 1
    return out


def replies(records: Sequence[dict[str, Any]], said: Iterable[Said], within: float = REPLY_WITHIN) -> list[str | None]:
    """The lines of a log for :func:`repeats`: a reply that came ``within`` seconds of an act
    matched to a phrase the virtual user said is None (it answered the user, not the coach's voice)."""
    asked = [a.t for s in said for a in s.acts]
    return [None if r.get("kind") == "reply" and any(0.0 <= r["t"] - t <= within for t in asked) else str(r["text"])
            for r in records if r["type"] == "said"]


def into_line(marks: Sequence[tuple[float, bool]], at: float, gap: float = SPEECH_GAP) -> float | None:
    """How long the coach had been speaking at ``at``: ``marks`` are the speaker's 20 ms blocks
    before it, (when each ended, loud), in time order. Pauses of up to ``gap`` between loud blocks
    are within one stretch of speech; None when no loud block lies within ``gap`` before ``at``."""
    loud = [t for t, on in marks if on and t <= at]
    if not loud or at - loud[-1] > gap:
        return None
    begin = loud[-1]
    for t in reversed(loud[:-1]):
        if begin - t > gap:
            break
        begin = t
    return at - begin + 0.02   # the first block's own length


def one_clock(ts: Sequence[float], seen: Sequence[float | None]) -> list[float]:
    """The log's times ``ts`` on the clock of ``seen`` (when this process first saw each record;
    None: not noted). A log restarts its clock when the menu hands over to the session (the
    session's ``started`` is t=0 again), so it is cut where ``t`` goes back, and each stretch gets
    its own offset: the least of (seen - t) over its records, since a record is never seen before it
    was written. A stretch with none seen takes the offset of the one before it (or 0)."""
    stretch, k = [], 0
    for i, t in enumerate(ts):
        if i and t < ts[i - 1] - 1.0:
            k += 1
        stretch.append(k)
    offsets: dict[int, float] = {}
    for k, t, s in zip(stretch, ts, seen, strict=True):
        if s is not None:
            offsets[k] = min(offsets.get(k, s - t), s - t)
    for k in range(stretch[-1] + 1 if stretch else 0):
        if k not in offsets:
            offsets[k] = offsets.get(k - 1, 0.0)
    return [t + offsets[k] for k, t in zip(stretch, ts, strict=True)]


def underruns(records: Iterable[dict[str, Any]]) -> int:
    """ALSA's output underruns a session logged (native libraries' lines go to the log)."""
    return sum(1 for r in records if r.get("type") == "native" and "underrun" in str(r.get("text", "")))


def share(part: int, whole: int) -> str:
    """``part of whole (pp%)``, or ``0 of 0``."""
    return f"{part} of {whole}" + (f" ({100 * part / whole:.0f}%)" if whole else "")
