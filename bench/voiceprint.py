"""`python -m bench voiceprint`: how far the coach's own voice stands from people's, as speaker embeddings.

The coach knows its voice from six lines it renders itself (:data:`REFERENCE_LINES`, no enrolment);
every span below is compared with the centroid of their embeddings
(:class:`coach.listen.judge.voiceprint.CoachVoice`). Spans are cut like a detection's: WebRTC's
voice-activity gate (pocketsphinx's, as the first stage uses it) finds the utterances, which are cut
into pieces of 1-3 s, and from each piece one span of 0.5-1 s is taken for the short rows (a lone
"stop" is that long). For each of the coach's two voices (espeak-ng's gmw/en-us at 170 words a
minute, the fallback of the Piper profiles; Piper's joe at the ``clear`` profile's 170):

- the coach: lines of the built-in routines (none of them a reference line), at 170 words a minute
  and at 140 and 330 (the ``calm`` and ``fast`` profiles' rates);
- its echo after cancellation: the coach talking through the benchmark's room
  (:func:`bench.corpus.room_echo`: 120 ms late, -6 dB and two reflections), and through the same
  room from a small loudspeaker driven into soft clipping, each taken out by today's canceller
  (:class:`coach.listen.capture.echo.EchoCanceller`); the residual's utterances as the gate cuts them;
- people: the real negatives (``BENCH_REAL_NEGATIVES=DIR``, real people's speech, read where they
  are); the same people talking over the coach's echo, after the canceller (the span of their
  words); the listening benchmark's synthetic users (flite and festival voices of
  :mod:`bench.corpus`), alone and saying commands over the coach's echo; and espeak-ng's own other
  voices, apart (the benchmark's "espeak" group: the same synthesiser as the coach's fallback).

It prints each row's similarities (min, p5, median, p95, max), the threshold that separates the
coach (its lines and its echo) from people (real and synthetic, alone and over the echo) with the
fewest errors and the error rates at it, and the processor time of one embedding.
A last part learns the coach's voice from its own residual in the room
(:class:`coach.listen.judge.voiceprint.LearnedVoice`, from the residual's spans of a session's first
20 s) and scores its later residual and people's words said over its echo against it.
Knobs: ``BENCH_VOICEPRINT_LINES`` (routine lines, default 16), ``BENCH_VOICEPRINT_FILES`` (real
negatives used, default all), ``BENCH_VOICEPRINT_OVER`` (real spans said over the echo, default 80).

Figures (2026-12-07, three runs; ranges over them; 145 s of processor time a run, 7-11 minutes on
two cores shared with a benchmark, load 7-14):

- Against the rendered voice: the coach's lines 0.63-0.96 (espeak-ng), 0.36-0.97 (joe; 0.5-1 s
  spans and 140/330 wpm are the low tail), its uncancelled echo 0.42-0.95; real people 1,700 spans
  -0.13-0.71, synthetic voices up to 0.63, people over the echo (cancelled) up to 0.65. The
  threshold with the fewest errors, its lines against people: 0.664-0.681 for espeak-ng (1-2 of 162
  spans under it, 1 of 1,882 over it), 0.650-0.668 for joe (9-13 of 156-158 under, 5-9 of 1,882
  over). At 0.67 its uncancelled echo is 97% over (espeak-ng) and 82-96% (joe).
- What the canceller leaves of its voice is not like it: speex (17-44 dB out) and AEC3 (30-63 dB
  out; in the plain room nothing is left for the gate) residual spans 0.03-0.68, none over the
  threshold except 1 of 6 where speex took out less than 10 dB.
- Learned from its own residual: later residual 0.43-0.98, people's words over the echo
  0.12-0.82; per room and canceller a threshold at 0.58-0.83 (0-7 errors of 40-72); one threshold
  for all 0.665-0.679 (12-15% of the residual under, 4.2-4.4% of people's words over); above every
  person's (0.80-0.82) 48-58% of the residual.
- espeak-ng's other voices (en-us, en-gb+m4) score 0.78-0.87 against espeak-ng's gmw/en-us: the
  same synthesiser sounds like the same speaker; against joe 0.08-0.32.
- One embedding: 9-10 ms of processor time for 0.5-1 s, 12-13 ms for 1-2 s, 18-20 ms for 2-3 s.
"""

from __future__ import annotations

import os
import time
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.corpus import COMMANDS, HELD_OUT_VOICES, NON_COMMANDS, TUNE_VOICES, render, room_echo
from coach.listen.base import SAMPLE_RATE, Block
from coach.listen.capture.echo import EchoCanceller
from coach.listen.detect.gate import SpeechGate
from coach.listen.judge.voiceprint import REFERENCE_LINES, CoachVoice, LearnedVoice, Voiceprint
from coach.speech.base import Synthesizer
from coach.speech.synth import VoiceSettings

SR = SAMPLE_RATE
Float = npt.NDArray[np.float64]
ROOT = Path(__file__).resolve().parent.parent
BLOCK = int(0.03 * SR)


@dataclass
class Row:
    name: str
    side: str                       # "coach", "person" or "apart" (shown, not in the threshold)
    voice: str = ""                 # the coach's voice it belongs to ("" for both)
    sims: list[float] = field(default_factory=list)
    best: list[float] = field(default_factory=list)   # the best single reference instead of the centroid
    levels: list[float] = field(default_factory=list)


def as_pcm(x: Float) -> Block:
    out: Block = np.clip(np.round(x), -32768, 32767).astype(np.int16)
    return out


def utterances(audio: Block, hangover: float = 0.3) -> list[tuple[int, Block]]:
    """The utterances WebRTC's voice-activity gate finds in ``audio`` (the first stage's VAD and
    gate; a longer hangover than the first stage's 0.15 s, so that a phrase is one utterance), each
    with the sample it starts at."""
    from pocketsphinx import Vad

    vad = Vad(2, SR, 0.03)
    frame = int(vad.frame_bytes) // 2
    gate = SpeechGate(vad.is_speech, onset=3, onset_window=5, hangover=round(hangover / 0.03), preroll=10)
    out: list[tuple[int, Block]] = []
    cur: list[bytes] = []
    start = 0
    for i in range(0, len(audio) - frame + 1, frame):
        for ev in gate.push(audio[i:i + frame].tobytes()):
            if ev.kind == "start":
                start = i + frame - len(ev.audio) // 2
            if ev.kind == "end":
                out.append((start, np.frombuffer(b"".join(cur), dtype=np.int16)))
                cur = []
            else:
                cur.append(ev.audio)
    if cur:
        out.append((start, np.frombuffer(b"".join(cur), dtype=np.int16)))
    return out


Span = tuple[int, Block]   # where it starts in its stream, and its audio


def pieces(utts: Iterable[Span], rng: np.random.Generator, lo: float = 1.0, hi: float = 3.0
           ) -> tuple[list[Span], list[Span]]:
    """Each utterance cut into pieces of ``lo``-``hi`` s (a rest shorter than ``lo`` is dropped), and
    from each piece, or from an utterance of 0.5 s to ``lo``, one span of 0.5-1 s."""
    long: list[Span] = []
    short: list[Span] = []
    for at, u in utts:
        if len(u) < lo * SR:
            if len(u) >= 0.5 * SR:
                short.append((at, u[:SR]))
            continue
        start = 0
        while len(u) - start >= lo * SR:
            n = min(len(u) - start, int(rng.uniform(lo, hi) * SR))
            long.append((at + start, u[start:start + n]))
            start += n
    for at, p in long:
        n = int(rng.uniform(0.5, 1.0) * SR)
        s = int(rng.integers(0, max(1, len(p) - n)))
        short.append((at + s, p[s:s + n]))
    return long, short


def cut(audio: Iterable[Block], rng: np.random.Generator) -> tuple[list[Block], list[Block]]:
    """Spans of 1-3 s and of 0.5-1 s of the utterances in each of ``audio``."""
    long, short = pieces((u for x in audio for u in utterances(x)), rng)
    return [x for _, x in long], [x for _, x in short]


def routine_lines(n: int) -> list[str]:
    """``n`` lines the built-in routines say (none of them a reference line), shortest first."""
    lines: list[str] = []

    def walk(v: object) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                if k == "say" and isinstance(x, str):
                    lines.append(x)
                else:
                    walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    for f in sorted((ROOT / "scripts").glob("*.toml")):
        walk(tomllib.loads(f.read_text(encoding="utf-8")))
    chosen = sorted({s for s in lines if 25 <= len(s) <= 200 and s not in REFERENCE_LINES}, key=lambda s: (len(s), s))
    step = max(1, len(chosen) // n)
    return chosen[::step][:n]


def talking(renders: list[Block], rng: np.random.Generator, seconds: float) -> Float:
    """The coach talking for ``seconds``: its lines one after another with pauses of 0.3-1.2 s."""
    parts: list[Float] = [np.zeros(int(0.5 * SR))]
    total = 0
    while total < seconds * SR:
        x = renders[int(rng.integers(len(renders)))].astype(np.float64)
        parts += [x, np.zeros(int(rng.uniform(0.3, 1.2) * SR))]
        total += len(x) + len(parts[-1])
    out: Float = np.concatenate(parts)[:int(seconds * SR)]
    return out


def room(ref: Float, rng: np.random.Generator) -> Float:
    """The benchmark's room (:func:`bench.corpus.room_echo`)."""
    return room_echo(ref)


def loudspeaker(ref: Float, rng: np.random.Generator) -> Float:
    """The room, from a small loudspeaker driven hard: soft clipping at about a third of full scale."""
    return room_echo(np.tanh(ref / 9000.0) * 9000.0)


def underruns(ref: Float, rng: np.random.Generator) -> Float:
    """The room, with the delay moving by 0-90 ms every 4-7 s, as after the sound stream's underruns."""
    echo = room_echo(ref)
    out = np.zeros_like(echo)
    pos = 0
    while pos < len(echo):
        n = int(rng.uniform(4, 7) * SR)
        d = int(rng.choice([0, 320, 640, 960, 1440]))
        seg = np.concatenate([np.zeros(d), echo])[pos:pos + n]
        seg = seg[:len(out) - pos]
        out[pos:pos + len(seg)] = seg
        pos += n
    return out


PATHS: dict[str, Callable[[Float, np.random.Generator], Float]] = {
    "room": room, "small loudspeaker": loudspeaker, "room, delay moving (underruns)": underruns}


def cancellers() -> dict[str, Callable[[], EchoCanceller]]:
    """Today's canceller (speex), and WebRTC's AEC3 where its module and the livekit wheel are there."""
    out: dict[str, Callable[[], EchoCanceller]] = {"speex": EchoCanceller}
    try:
        from coach.listen.capture.aec3 import Aec3Canceller

        Aec3Canceller()
        out["AEC3"] = Aec3Canceller
    except Exception as e:   # not there, or not ready: measured without it
        print(f"AEC3: not measured ({type(e).__name__}: {e})")
    return out


def cancel(mic: Float, ref: Float, make: Callable[[], EchoCanceller] = EchoCanceller) -> Block:
    """``mic`` through an echo canceller against ``ref``, in 30 ms blocks as the live path."""
    aec = make()
    m, r = as_pcm(mic), as_pcm(ref)
    out = [aec.process(m[i:i + BLOCK], r[i:i + BLOCK]) for i in range(0, len(m) - BLOCK + 1, BLOCK)]
    return np.concatenate(out)


def db(x: npt.NDArray[Any]) -> float:
    """Level in dBFS (RMS)."""
    return float(20 * np.log10(np.sqrt(np.mean(np.asarray(x, np.float64) ** 2)) / 32768 + 1e-9))


def threshold(coach: list[float], people: list[float]) -> tuple[float, int, int]:
    """The threshold (coach at or above it) with the fewest errors, in the middle of its gap; the
    coach's spans under it and people's spans at or over it."""
    c, p = np.sort(np.array(coach)), np.sort(np.array(people))
    best: tuple[int, float] = (len(c) + len(p) + 1, 0.0)
    for t in np.unique(np.concatenate([c, p, [1.01]])):
        err = int(np.searchsorted(c, t)) + int(len(p) - np.searchsorted(p, t))
        if err < best[0]:
            best = (err, float(t))
    below = p[p < best[1]]
    mid = (best[1] + float(below.max())) / 2 if len(below) else best[1]
    return mid, int(np.sum(c < mid)), int(np.sum(p >= mid))


def dist(v: list[float]) -> str:
    if not v:
        return f"{0:>5}   (none)"
    a = np.array(v)
    q = np.percentile(a, [5, 50, 95])
    return f"{len(a):>5}{a.min():>7.3f}{q[0]:>7.3f}{q[1]:>7.3f}{q[2]:>7.3f}{a.max():>7.3f}"


def coach_synths() -> dict[str, Synthesizer]:
    """The coach's two voices: espeak-ng's gmw/en-us (the Piper profiles' fallback) and Piper's joe
    (the ``clear`` profile), both at 170 words a minute."""
    from coach.speech.piper import find_voices, missing
    from coach.speech.synth import Synth
    from coach.speech.voices import find_profile, make_synth

    out: dict[str, Synthesizer] = {"espeak": Synth(VoiceSettings(voice_id="gmw/en-us", rate=170, pitch=50))}
    if missing() is None and find_voices():
        out["joe"] = make_synth(find_profile("clear"), 170, warn=print)
    else:
        print(f"Piper's joe: not measured ({missing()})")
    return out


def over_echo(user: Float, coach_renders: list[Block], rng: np.random.Generator,
              make: Callable[[], EchoCanceller] = EchoCanceller) -> Block:
    """``user``'s words said while the coach talks (its echo through the room at -6 dB, the user's
    speech at peak 10000), through the canceller; the span of the words (0.1 s either side)."""
    lead = int(3.0 * SR)
    n = lead + len(user) + SR
    ref = talking(coach_renders, rng, n / SR)
    mic = room_echo(ref) + rng.normal(0, 3, n)
    mic[lead:lead + len(user)] += user
    out = cancel(mic, ref, make)
    a, b = lead - int(0.1 * SR), min(len(out), lead + len(user) + int(0.1 * SR))
    return out[a:b]


@dataclass
class Learned:
    """The coach's voice learned from its own residual in the room, and what it says of later spans."""

    title: str
    refs: int = 0                                            # residual spans in the first 20 s
    echo: list[float] = field(default_factory=list)          # later residual spans, the coach's alone
    people: list[float] = field(default_factory=list)        # people's words over its echo, cancelled
    echo_clean: list[float] = field(default_factory=list)    # the same, against its rendered voice
    people_clean: list[float] = field(default_factory=list)


def learned(vp: Voiceprint, voice: CoachVoice, renders: list[Block], users: list[Float], rng: np.random.Generator,
            make: Callable[[], EchoCanceller], path: Callable[[Float, np.random.Generator], Float],
            title: str) -> Learned:
    """A session's worth of the coach talking through ``path`` and a canceller: 20 s alone, then
    ``users`` (peak 10000) said one every 3-5 s over it. The residual's spans of the first 20 s
    (after 2 s to find the delay) are the reference; later spans away from the users' words are its
    echo, and the users' words (0.1 s either side) are people's."""
    said: list[tuple[int, Float]] = []
    at = 20 * SR
    for u in users:
        at += int(rng.uniform(1.5, 3.0) * SR)
        said.append((at, u))
        at += len(u)
    ref = talking(renders, rng, at / SR + 2.0)
    mic = path(ref, rng) + rng.normal(0, 3, len(ref))
    for a, u in said:
        mic[a:a + len(u)] += u
    out = cancel(mic, ref, make)
    long, short = pieces([u for u in utterances(out) if u[0] >= 2 * SR], rng)
    spans = long + short
    busy = [(a - int(0.3 * SR), a + len(u) + int(0.3 * SR)) for a, u in said]
    first = [x for a, x in spans if a + len(x) <= 20 * SR]
    r = Learned(title, len(first))
    if len(first) < 3:
        return r
    mine = LearnedVoice(vp)
    for x in first:
        mine.learn(x)
    later = [x for a, x in spans if a >= 20 * SR and all(a + len(x) <= lo or a >= hi for lo, hi in busy)]
    words = [out[a - int(0.1 * SR):min(len(out), a + len(u) + int(0.1 * SR))] for a, u in said]
    for x in later:
        r.echo.append(mine.similarity(x) or 0.0)
        r.echo_clean.append(voice.similarity(x))
    for x in words:
        r.people.append(mine.similarity(x) or 0.0)
        r.people_clean.append(voice.similarity(x))
    return r


class Bench:
    """The rows against each of the coach's voices, and the processor time of each embedding."""

    def __init__(self, vp: Voiceprint, voices: dict[str, CoachVoice]) -> None:
        self.vp, self.voices = vp, voices
        self.table: dict[str, list[Row]] = {name: [] for name in voices}
        self.cost: list[tuple[float, float]] = []   # (seconds of audio, processor seconds)

    def row(self, title: str, side: str, only: str = "") -> dict[str, Row]:
        """A row against the coach's voice ``only``, or (people) one against each of its voices."""
        out = {}
        for name in self.voices:
            if only in ("", name):
                out[name] = Row(title, side, name)
                self.table[name].append(out[name])
        return out

    def add(self, rows: dict[str, Row], spans: Iterable[Block]) -> None:
        for x in spans:
            t = time.process_time()
            e = self.vp.embed(x)
            self.cost.append((len(x) / SR, time.process_time() - t))
            for name, r in rows.items():
                r.sims.append(float(e @ self.voices[name].centroid))
                r.best.append(float((self.voices[name].references @ e).max()))


def main() -> None:
    t_all, cpu_all = time.time(), time.process_time()
    print(f"uptime: {os.popen('uptime').read().strip()}")
    rng = np.random.default_rng(11)
    vp = Voiceprint()
    print(f"encoder {vp.model.name} loaded in {vp.load_seconds * 1000:.0f} ms")
    synths = coach_synths()
    lines = routine_lines(int(os.environ.get("BENCH_VOICEPRINT_LINES", "16")))
    t = time.time()
    voices = {name: CoachVoice.of(synth, vp) for name, synth in synths.items()}
    renders = {name: [synth.render(line) for line in lines] for name, synth in synths.items()}
    print(f"the coach's voices: {', '.join(synths)}; {len(REFERENCE_LINES)} reference lines each, "
          f"{len(lines)} routine lines measured ({time.time() - t:.0f} s)")
    b = Bench(vp, voices)

    # -- the coach: its own lines, at its rate and at the other profiles' rates
    for name, synth in synths.items():
        long, short = cut(renders[name], rng)
        b.add(b.row("its lines, 1-3 s", "coach", name), long)
        b.add(b.row("its lines, 0.5-1 s", "coach", name), short)
        rates = [synth.render(line, replace(synth.settings, rate=wpm)) for wpm in (140, 330) for line in lines[::2]]
        long, short = cut(rates, rng)
        b.add(b.row("its lines at 140 and 330 wpm, 0.5-3 s", "coach", name), long + short)

    # -- its echo: in the microphone, and after the canceller (split by how much it took out)
    t = time.time()
    makers = cancellers()
    for name in synths:
        ref = talking(renders[name], rng, 30.0)
        mic = room(ref, rng) + rng.normal(0, 3, len(ref))
        long, short = cut([as_pcm(mic)], rng)
        b.add(b.row("its echo in the microphone (not cancelled), 0.5-3 s", "echo", name), long + short)
        for aec, make in makers.items():
            for kind, path in PATHS.items():
                ref = talking(renders[name], rng, 40.0)
                mic = path(ref, rng) + rng.normal(0, 3, len(ref))
                out = cancel(mic, ref, make)
                # the first 2 s: the canceller finding the delay
                spans_l, spans_s = pieces([u for u in utterances(out) if u[0] >= 2 * SR], rng)
                little = b.row(f"its echo, {aec}, {kind}: < 10 dB out, 0.5-3 s", "echo", name)
                more = b.row(f"its echo, {aec}, {kind}: >= 10 dB out, 0.5-3 s", "echo", name)
                for at, x in spans_l + spans_s:
                    b.add(little if db(mic[at:at + len(x)]) - db(x) < 10 else more, [x])
                print(f"{name}, {aec}, {kind}: {db(mic[2 * SR:len(out)]) - db(out[2 * SR:]):.1f} dB taken out, "
                      f"{len(spans_l) + len(spans_s)} spans in the residual")
    print(f"(echo rows: {time.time() - t:.0f} s)")

    # -- synthetic users (the listening benchmark's flite and festival voices), alone and over the echo
    t = time.time()
    user_voices = TUNE_VOICES + HELD_OUT_VOICES
    long, short = cut([as_pcm(render(text, s, v)) for s, v in user_voices for text in NON_COMMANDS[:8]], rng)
    b.add(b.row("benchmark's voices (flite, festival), 0.5-3 s", "person"), long + short)
    said_users = [render(text, s, v) for s, v in user_voices for text, _ in COMMANDS[::2]]
    for name in synths:
        b.add(b.row("benchmark's voices' commands over its echo, speex", "person", name),
              [over_echo(x, renders[name], rng) for x in said_users])
    long, short = cut([as_pcm(render(text, "espeak", v)) for v in ("en-us", "en-gb+m4") for text in NON_COMMANDS[:6]],
                      rng)
    b.add(b.row("espeak-ng's other voices (the benchmark's 'espeak' group)", "apart"), long + short)
    print(f"(synthetic users: {time.time() - t:.0f} s)")

    # -- real people
    folder = os.environ.get("BENCH_REAL_NEGATIVES")
    said_real: list[Float] = []
    if not folder:
        print("real people: not measured (BENCH_REAL_NEGATIVES=DIR, or make bench REAL_NEGATIVES=DIR)")
    else:
        from bench.listen import audio_files, read_audio

        t = time.time()
        files = audio_files(folder)[:int(os.environ.get("BENCH_VOICEPRINT_FILES", "100000"))]
        long, short = cut((read_audio(f) for f in files), rng)
        b.add(b.row("real people, 1-3 s", "person"), long)
        b.add(b.row("real people, 0.5-1 s", "person"), short)
        n_over = int(os.environ.get("BENCH_VOICEPRINT_OVER", "80"))
        picks = [long[int(i)].astype(np.float64) for i in rng.choice(len(long), min(n_over, len(long)), replace=False)]
        said_real = [x / (np.abs(x).max() + 1e-9) * 10000 for x in picks]
        for name in synths:
            b.add(b.row("real people over its echo, speex", "person", name),
                  [over_echo(x, renders[name], rng) for x in said_real])
        print(f"real people: {len(files)} files of {folder}, {len(long)} spans of 1-3 s, {len(short)} of 0.5-1 s, "
              f"{len(said_real)} said over each voice's echo ({time.time() - t:.0f} s)")
    report(voices, b.table)

    # -- the coach's voice learned from its own residual in the room
    t = time.time()
    users = said_users[::3] + said_real[:24]   # a third of the synthetic commands, 24 real people's spans
    print()
    print("its voice learned from its own residual: the centroid of the residual's spans in a session's first 20 s "
          f"(the coach alone), against its later residual and {len(users)} people's words said over its echo")
    print(f"{'':<62}{'n':>5}{'min':>7}{'p5':>7}{'p50':>7}{'p95':>7}{'max':>7}")
    for name in synths:
        pooled = Learned(name)
        for aec, make in makers.items():
            for kind, path in PATHS.items():
                r = learned(vp, voices[name], renders[name], users, rng, make, path, f"{name}, {aec}, {kind}")
                pooled.echo += r.echo
                pooled.people += r.people
                print(f"-- {r.title}: {r.refs} spans in the first 20 s")
                if not r.echo or not r.people:
                    print("   too little residual to learn from or to test")
                    continue
                print(f"   {'its later residual, against the learned voice':<59}{dist(r.echo)}")
                print(f"   {'people over its echo, against the learned voice':<59}{dist(r.people)}")
                thr, fn, fp = threshold(r.echo, r.people)
                print(f"   threshold {thr:.3f}: its residual under it {fn} of {len(r.echo)}, people at or over it "
                      f"{fp} of {len(r.people)}")
                print(f"   {'(its later residual, against its rendered voice)':<59}{dist(r.echo_clean)}")
                print(f"   {'(people over its echo, against its rendered voice)':<59}{dist(r.people_clean)}")
        if pooled.echo and pooled.people:
            thr, fn, fp = threshold(pooled.echo, pooled.people)
            print(f"-- {name}, every room and canceller above, one threshold: {thr:.3f}: its residual under it {fn} of "
                  f"{len(pooled.echo)} ({100 * fn / len(pooled.echo):.1f}%), people at or over it {fp} of "
                  f"{len(pooled.people)} ({100 * fp / len(pooled.people):.1f}%); over every person's "
                  f"({max(pooled.people):.3f}): {100 * np.mean(np.array(pooled.echo) > max(pooled.people)):.1f}% "
                  "of its residual")
    print(f"(learned rows: {time.time() - t:.0f} s)")
    secs = np.array([c[0] for c in b.cost])
    cpu = np.array([c[1] for c in b.cost]) * 1000
    print()
    for lo, hi in ((0.0, 1.01), (1.01, 2.0), (2.0, 3.1)):
        sel = (secs >= lo) & (secs < hi)
        if sel.any():
            print(f"one embedding of {lo:.1f}-{hi:.1f} s: {np.median(cpu[sel]):.1f} ms of processor time (median; "
                  f"p95 {np.percentile(cpu[sel], 95):.1f}; {int(sel.sum())} embeddings, onnxruntime on one thread)")
    print(f"({time.time() - t_all:.0f} s, {time.process_time() - cpu_all:.0f} s of processor time; "
          f"uptime: {os.popen('uptime').read().strip()})")


def report(voices: dict[str, CoachVoice], table: dict[str, list[Row]]) -> None:
    """Each row's distribution, and per voice the threshold between its lines and people."""
    print()
    print("cosine similarity to the coach's voice (the centroid of its reference lines' embeddings)")
    print(f"{'':<72}{'n':>5}{'min':>7}{'p5':>7}{'p50':>7}{'p95':>7}{'max':>7}")
    for name, rows in table.items():
        print(f"-- against {name} ({voices[name].name})")
        for r in rows:
            print(f"  {r.side + ': ' + r.name:<70}{dist(r.sims)}")
        people = [s for r in rows if r.side == "person" for s in r.sims]
        for label, best in (("centroid", False), ("best single reference", True)):
            cs = [s for r in rows if r.side == "coach" for s in (r.best if best else r.sims)]
            ps = [s for r in rows if r.side == "person" for s in (r.best if best else r.sims)]
            if not cs or not ps:
                continue
            thr, fn, fp = threshold(cs, ps)
            print(f"  {label}: its lines against people: threshold {thr:.3f}: its lines' spans under it {fn} of "
                  f"{len(cs)} ({100 * fn / len(cs):.1f}%), people's at or over it {fp} of {len(ps)} "
                  f"({100 * fp / len(ps):.2f}%)")
            if best:
                continue
            top = max(people)
            for r in rows:
                if r.side in ("coach", "echo") and r.sims:
                    a = np.array(r.sims)
                    print(f"    {r.name:<68} at or over {thr:.3f}: {100 * np.mean(a >= thr):5.1f}%;"
                          f" over every person's ({top:.3f}): {100 * np.mean(a > top):5.1f}%")
