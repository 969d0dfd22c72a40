"""`python -m bench barge`: barge-in. Is a command said over the coach's voice acted on, and how soon?

Measured live, end to end, through real PortAudio, on the rig of ``bench.soak``: a private
PulseAudio server (``tests/pulse.py``) whose room-echo loopback puts the coach's own voice into its
microphone at -6 dB (half amplitude). No core is kept busy unless ``BARGE_BUSY=1``.

Each trial is a session of its own (``coach run tennis-balls --fresh``, its own data dir, so the
remembered level never carries over), with the listening engine ``coach run`` picks by itself:
once its log has a "said" record, the trial waits a random 0.5 to 30 s (``random.Random(1)``;
``BARGE_LATEST`` sets the 30; the intro's lines take over a minute, so the coach is mid-intro:
a random moment of its speech, now and then in a pause between its lines) and plays one phrase into
``user_out``, the virtual user's mouth: rendered by flite, the voices 'slt' and 'awb' taking turns
from trial to trial. The phrases ("stop", "harder", "softer", "next", "ouch", "a little harder
please", "pause") take turns too, ``BARGE_TRIALS`` (default 5) rounds of all seven. In the intro
every one of them has an effect ("next" starts step one).

The session log says what became of the phrase: "acted on" is a "command" record with the phrase's
command (``coach.commands.parse``; "ouch" is "pain") up to 5 s after the phrase ended; "ignored" a
spoken "heard" record of that command with ``ignored`` (heard, not acted on); "wrong" a different
command acted on instead; otherwise "not heard". Each session runs on until 5 s after its
phrase, even once the command is in: other commands acted on in that window (the coach's own
reply mistaken for one) are counted and printed, as are any acted on before the phrase was played.
``BARGE_RECORD=1`` keeps each trial's sound (``--record-audio``), so that a miss can be replayed
with ``coach listen``.

Latency runs from the end of the phrase's sound to the "command" record. The log's ``t`` is
``time.monotonic()`` (one clock for the whole system) less the moment the coach's clock started;
that moment is found from when each log record becomes visible (``bench.soak.LogWatch``). When the
phrase ended is when ``pacat`` finished playing it, less the silence flite leaves after the words.
Whether the coach's voice was in the room while the phrase was played is measured at its speaker
(``bench.soak.SpeechMeter``) and printed with each trial.

Until 2026-11-30 the wait was 0.5 to 4 s, which put a third of the phrases in the coach's first
two seconds of speech, while the echo canceller is still finding the delay and learning the room;
a session's first seconds are a small share of its speech, so they now have a line of their own
("in the coach's first 3 s") beside the share over all trials.

Printed: a line per trial, then per phrase: trials, acted on, heard but ignored, wrong, not heard,
the share acted on (target: 90% or more each) and the latency (median and largest).
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.soak import RATE, Coach, PulseServer, SpeechMeter, acted_on, busy_core, describe, pulse, room, voice_heard
from coach.commands import parse

PHRASES = ("stop", "harder", "softer", "next", "ouch", "a little harder please", "pause")
VOICES = ("slt", "awb")
ROUTINE = "tennis-balls"
#: the phrase is played this long (seconds, uniformly at random) after the first line was queued
EARLIEST = 0.5
LATEST = 30.0
#: the phrases played this soon are counted apart too: the echo canceller is still learning the room
EARLY = 3.0
#: the phrase must be acted on within this long after it ended
WITHIN = 5.0
#: flite's samples quieter than this (int16) before and after the words are silence
SILENT = 300


@dataclass
class Trial:
    phrase: str
    voice: str
    outcome: str               # "acted on", "ignored", "wrong", "not heard"
    latency: float | None      # seconds from the end of the phrase to the "command" record
    others: int                # other commands acted on from the phrase's start to 5 s after it
    notes: list[str]
    delay: float = 0.0         # seconds after the first line was queued that the phrase was played


@dataclass(frozen=True)
class Phrase:
    text: str
    voice: str
    pcm: Any                   # int16 at RATE
    lead: float                # seconds of silence before the words
    tail: float                # ... and after them


def _render(folder: Path, text: str, voice: str) -> Phrase:
    pcm = pulse.user_speech(folder, text, voice)
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > SILENT)
    lead = int(loud[0]) if len(loud) else 0
    tail = len(pcm) - 1 - int(loud[-1]) if len(loud) else 0
    return Phrase(text, voice, pcm, lead / RATE, tail / RATE)


def latest() -> float:
    """The latest moment a phrase is played (``BARGE_LATEST``, seconds; default ``LATEST``)."""
    try:
        return max(EARLIEST + 0.1, float(os.environ.get("BARGE_LATEST", "") or LATEST))
    except ValueError:
        print(f"bench: BARGE_LATEST={os.environ['BARGE_LATEST']!r} is not a number; using {LATEST:g}")
        return LATEST


def _trial(pa: PulseServer, meter: SpeechMeter, folder: Path, phrase: Phrase, rng: random.Random,
           record: bool = False) -> Trial:
    command = parse(phrase.text, "en")
    assert command is not None, phrase.text
    want = command.value
    more = ("--record-audio", str(folder / "sound")) if record else ()
    coach = Coach.start(pa, folder, ROUTINE, *more)
    try:
        deadline = time.monotonic() + 90
        while not any(r["type"] == "said" for r in coach.log.records):
            if not coach.running() or time.monotonic() > deadline:
                return Trial(phrase.text, phrase.voice, "not heard", None, 0,
                             [f"the session never spoke (exit {coach.proc.poll()}): {coach.stderr()[-300:]!r}"])
            coach.log.poll()
            time.sleep(0.02)
        delay = rng.uniform(EARLIEST, latest())
        end = time.monotonic() + delay
        while time.monotonic() < end:
            coach.log.poll()
            time.sleep(0.02)
        pa.play_into("user_out", phrase.pcm)
        played = time.monotonic()
        words_end = played - phrase.tail
        words_start = played - (len(phrase.pcm) / RATE - phrase.lead)
        # the whole window, also after the command: what else the coach acts on then is worth seeing
        while time.monotonic() < words_end + WITHIN + 0.2 and coach.running():
            coach.log.poll()
            time.sleep(0.05)
    finally:
        coach.finish()
    records = coach.log.records
    said = {r["id"]: r["text"] for r in records if r["type"] == "said"}
    at_start, at_end = coach.log.log_time(words_start), coach.log.log_time(words_end)
    notes = [f"played {delay:.1f} s after the first line was queued, the coach's speaker loud for "
             f"{100 * meter.share_loud(words_start, words_end):.0f}% of it"]
    notes += [f"before it: {describe(r, said)}" for r in voice_heard(records) if r["t"] < at_start and acted_on(r)]
    window = [r for r in records if at_start <= r["t"] <= at_end + WITHIN]
    heard = voice_heard(window)
    notes += [describe(r, said) for r in heard]
    commands = [r for r in window if r["type"] == "command"]
    cmd = next((r for r in commands if r["command"] == want), None)
    others = len(commands) - (cmd is not None)
    if cmd is not None:
        return Trial(phrase.text, phrase.voice, "acted on", cmd["t"] - at_end, others, notes, delay)
    if any(r.get("command") == want and "ignored" in r for r in heard):
        return Trial(phrase.text, phrase.voice, "ignored", None, others, notes, delay)
    return Trial(phrase.text, phrase.voice, "wrong" if commands else "not heard", None, others, notes, delay)


def main() -> None:
    trials = max(1, int(os.environ.get("BARGE_TRIALS", "5") or 5))
    busy = os.environ.get("BARGE_BUSY", "") == "1"
    record = os.environ.get("BARGE_RECORD", "") == "1"
    rng = random.Random(1)
    print(f"{trials} trial(s) of each of {len(PHRASES)} phrases over the coach's intro ({ROUTINE}), "
          f"{EARLIEST:g} to {latest():g} s after its first line; its echo at -6 dB; "
          f"{'one core kept busy' if busy else 'no busy loop'}", flush=True)
    results: list[Trial] = []
    engine = ""
    folder = Path(tempfile.mkdtemp(prefix="coach-barge-"))   # kept: each trial's log, stdout and stderr
    with room() as pa, busy_core(busy):
        phrases = {(text, voice): _render(folder, text, voice) for text in PHRASES for voice in VOICES}
        meter = SpeechMeter(pa)
        try:
            n = 0
            for _round in range(trials):
                for text in PHRASES:
                    phrase = phrases[text, VOICES[n % len(VOICES)]]
                    n += 1
                    trial = _trial(pa, meter, folder / f"{n:03d}", phrase, rng, record)
                    if not engine:
                        err = (folder / f"{n:03d}" / "stderr.txt").read_text(errors="replace")
                        engine = next((ln for ln in err.splitlines() if ln.startswith("listening with")), "")
                        if engine:
                            print(f"engine: {engine}", flush=True)
                    results.append(trial)
                    latency = "" if trial.latency is None else f", {trial.latency:.2f} s after it ended"
                    print(f"{n:>3} {text!r} ({phrase.voice}): {trial.outcome}{latency}", flush=True)
                    for note in trial.notes:
                        print(f"      {note}", flush=True)
        finally:
            meter.stop()
    print(f"{'phrase':<24} {'trials':>6} {'acted on':>8} {'ignored':>7} {'wrong':>5} {'not heard':>9} {'share':>6}"
          "  latency")
    for text in PHRASES:
        mine = [t for t in results if t.phrase == text]
        count = {o: sum(t.outcome == o for t in mine) for o in ("acted on", "ignored", "wrong", "not heard")}
        lat = [t.latency for t in mine if t.latency is not None]
        share = count["acted on"] / len(mine) if mine else 0.0
        latency = f"median {statistics.median(lat):.2f} s, max {max(lat):.2f} s" if lat else "-"
        print(f"{text:<24} {len(mine):>6} {count['acted on']:>8} {count['ignored']:>7} {count['wrong']:>5} "
              f"{count['not heard']:>9} {100 * share:>5.0f}%  {latency}")
    acted = sum(t.outcome == "acted on" for t in results)
    lat = [t.latency for t in results if t.latency is not None]
    print(f"all: {acted} of {len(results)} acted on ({100 * acted / len(results):.0f}%; target 90% for each phrase)"
          + (f", latency median {statistics.median(lat):.2f} s" if lat else ""))
    early = [t for t in results if t.delay < EARLY]
    if early:
        print(f"in the coach's first {EARLY:g} s: {sum(t.outcome == 'acted on' for t in early)} of {len(early)} "
              f"acted on; later: {sum(t.outcome == 'acted on' for t in results if t.delay >= EARLY)} of "
              f"{len(results) - len(early)}")
    print(f"other commands acted on from a phrase's start to {WITHIN:g} s after it: "
          f"{sum(t.others for t in results)} (each listed with its trial above)")
    print(f"session logs, stdout and stderr kept in {folder}"
          + (" (and each trial's sound, for `coach listen N/sound/mic.wav --reference N/sound/played.wav`)"
             if record else ""))
