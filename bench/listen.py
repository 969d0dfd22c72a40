"""`python -m bench listen`: accuracy, false accepts, latency and speed of the recogniser.

Conditions: clean, white noise 20 dB, pink 10 dB, white 5 dB, babble 10 dB, reverb, the coach's
own voice as echo (with and without the echo canceller), and the coach's voice alone ("self":
false accepts caused by itself). Voices: flite and festival (made from recordings of people).
"held-out" voices were never used to choose the settings. espeak-ng's formant voices are a row of
their own ("clean/espeak"): pocketsphinx's acoustic model hears them poorly even in a closed grammar.
Every file goes through the live path: echo cancellation, noise suppression (level from config),
recogniser, in 30 ms blocks as from the microphone. Latency is from the end of the speech to the
moment the command is out, with the blocks arriving in real time (see :class:`TimedPipeline`). Knobs for
experiments: BENCH_CONDITIONS=clean,white20 limits the conditions, BENCH_DENOISE=0-4 sets the noise
suppression, BENCH_<OPTION>=value sets any SphinxOptions field.
``BENCH_NOAEC=0`` leaves out the rows without echo cancellation (they double the echo rows' time).
``BENCH_ENGINE`` picks the engine: ``whisper`` (the default where installed: pocketsphinx's fast
"stop" and pain guesses, Whisper tiny.en judging every utterance) or ``pocketsphinx``; vosk is not
measured here (no English vosk model). ``BENCH_COACH_VOICE=piper`` makes the coach's voice in the
"echo" and "self" rows Piper's (the ``natural`` profile's) instead of espeak-ng's. ``BENCH_AEC`` picks
the echo canceller: ``aec3`` (WebRTC's) or ``speex`` (unset: the coach's default).

Latency is given per class: "stop" and pain words (acted on at the first stage's guess), and the
rest. A first-stage guess and the second stage's confirmation of it count once. With
``BENCH_REAL_NEGATIVES=DIR`` (``make bench`` passes ``../shared/speech/real-negatives``), every
audio file in DIR, real people's speech with no command in it, is run through the same path and
its false accepts per hour are printed.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.corpus import COACH_VOICES, Item, generate
from coach.commands import Command
from coach.config import ListenConfig
from coach.listen.base import Block, Detection, Recognizer
from coach.listen.capture.denoise import denoiser
from coach.listen.capture.echo import DEFAULT, make_canceller
from coach.listen.detect.sphinx import SphinxOptions, SphinxRecognizer
from coach.listen.judge.twostage import TwoStage, acted
from coach.listen.listener import Pipeline, read_wav, run_blocks

#: commands acted on at the first stage's guess, whose latency is reported apart
FAST = {Command.STOP.value, Command.PAIN.value}


class TimedPipeline(Pipeline):
    """The live pipeline on a simulated clock, as if the audio arrived in real time.

    A block arrives when its last sample has been spoken. It is processed at once if the pipeline
    is idle, or else when the blocks before it are done: a slow step (a second decoding) delays
    the blocks behind it too. ``done`` is the time (on the audio's clock, in seconds) at which the
    last block was finished.

    A two-stage recogniser's second stage works in a thread of its own in a session
    (:meth:`coach.listen.judge.twostage.TwoStage.start`): here it is a lane of its own (see
    :class:`TimedStage`), whose time does not hold up the first, and ``second_done`` is when it
    finished its last block. The second stage's detections (confirmed) are out then.
    """

    heard = 0.0         # seconds of audio fed so far
    done = 0.0
    second_heard = 0.0  # seconds of audio the second stage took so far
    second_done = 0.0
    _second_spent = 0.0  # processor-bound seconds of the step under way spent in the second lane

    def _timed(self, seconds: float, step: Callable[[], list[Detection]]) -> list[Detection]:
        self.heard += seconds
        start = max(self.heard, self.done)
        self._second_spent = 0.0
        t = time.perf_counter()
        out = step()
        self.done = start + time.perf_counter() - t - self._second_spent
        return out

    def feed(self, mic: Block, reference: Block | None = None, at: float | None = None) -> list[Detection]:
        return self._timed(len(mic) / 16000, lambda: super(TimedPipeline, self).feed(mic, reference, at))

    def flush(self) -> list[Detection]:
        return self._timed(0.0, super().flush)

    def in_second_lane(self, seconds: float, step: Callable[[], list[Detection]]) -> list[Detection]:
        """Run ``step``, the second stage taking ``seconds`` of audio, on the second lane's clock."""
        self.second_heard += seconds
        start = max(self.second_heard, self.second_done)
        t = time.perf_counter()
        out = step()
        spent = time.perf_counter() - t
        self.second_done = start + spent
        self._second_spent += spent
        return out

    def out_at(self, d: Detection) -> float:
        """When ``d`` was out, on the simulated clock."""
        return self.second_done if (d.confirmed and isinstance(self.recognizer, TwoStage)) else self.done


class TimedStage:
    """A two-stage recogniser's second stage, timed on :class:`TimedPipeline`'s second lane."""

    def __init__(self, inner: Recognizer) -> None:
        self.inner = inner
        self.name = inner.name
        self.pipeline: TimedPipeline | None = None

    @property
    def judged(self) -> list[tuple[float, float, Command | None]]:
        spans: list[tuple[float, float, Command | None]] = getattr(self.inner, "judged", [])
        return spans

    def accept(self, block: Block) -> list[Detection]:
        if self.pipeline is None:
            return self.inner.accept(block)
        return self.pipeline.in_second_lane(len(block) / 16000, lambda: self.inner.accept(block))

    def flush(self) -> list[Detection]:
        flush = getattr(self.inner, "flush", None)
        if not callable(flush):
            return []
        if self.pipeline is None:
            return list(flush())
        return self.pipeline.in_second_lane(0.0, lambda: list(flush()))

    def reset(self) -> None:
        self.inner.reset()


def timed(rec: Recognizer, pipeline: TimedPipeline) -> None:
    """Time ``rec``'s second stage on ``pipeline``'s second lane, when it has two."""
    if isinstance(rec, TwoStage):
        if not isinstance(rec.second, TimedStage):
            rec.second = TimedStage(rec.second)
        rec.second.pipeline = pipeline


def evaluate(rec: Recognizer, items: list[Item], aec: bool, session: bool = False) -> dict[str, dict[str, float]]:
    """Figures per condition. ``session``: one stream, as in a session (no reset between files)."""
    stats: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    offset = 0.0  # in a session the recogniser's clock runs on from file to file
    level = int(os.environ.get("BENCH_DENOISE", ListenConfig.noise_suppression))
    pipeline: TimedPipeline | None = None  # in a session, one pipeline (and noise suppressor) throughout
    for it in items:
        audio = read_wav(it.path)
        ref = read_wav(it.reference) if (aec and it.reference) else None
        if not session:
            rec.reset()
            offset = 0.0
        t0 = time.process_time()
        if pipeline is None or not session:
            pipeline = TimedPipeline(rec, make_canceller(os.environ.get("BENCH_AEC", "")), denoise=denoiser(level))
            timed(rec, pipeline)
        out_at: dict[int, float] = {}  # detection -> when it was out, on the simulated clock

        def took(d: Detection, p: TimedPipeline = pipeline, c: dict[int, float] = out_at) -> None:
            c[id(d)] = p.out_at(d)

        every = run_blocks(pipeline, audio, ref, on_detection=took)
        found: list[Detection] = acted(every)
        cpu = time.process_time() - t0
        keys = [it.condition + ("" if aec or not it.reference else "-noaec") + (" in a session" if session else "")]
        keys = [k for k in keys if it.group != "espeak"] + [keys[0] + "/" + it.group]
        for key in keys:
            s = stats[key]
            s["cpu"].append(cpu)
            s["dur"].append(len(audio) / 16000)
            if it.command:
                s["n"].append(1)
                right = [d for d in found if d.command.value == it.command]
                wrong = [d for d in found if d.command.value != it.command]
                s["right"].append(1 if right else 0)
                s["wrong"].append(1 if wrong else 0)
                if right:
                    # the first out of a guess and its confirmation (on two lanes, either may be first)
                    lat = min(out_at[id(d)] for d in every
                              if d.command.value == it.command and not d.rejected) - offset - it.end
                    s["lat"].append(lat)
                    s["lat_fast" if it.command in FAST else "lat_rest"].append(lat)
            else:
                s["speech_s"].append(it.end - it.start if it.condition != "self" else it.end - 2.0)
                s["fa"].append(len(found))
        if session:
            offset += len(audio) / 16000
    out: dict[str, dict[str, float]] = {}
    for key, s in stats.items():
        n = max(1, len(s["n"]))
        hours = max(1e-9, sum(s["speech_s"]) / 3600)
        out[key] = {
            "cmds": len(s["n"]), "acc": 100 * sum(s["right"]) / n, "wrong": 100 * sum(s["wrong"]) / n,
            "miss": 100 * (n - sum(s["right"])) / n if s["n"] else 0.0,
            "fa": sum(s["fa"]), "fa_h": sum(s["fa"]) / hours if s["speech_s"] else float("nan"),
            **_percentiles(s["lat"], ""), **_percentiles(s["lat_fast"], "_fast"),
            **_percentiles(s["lat_rest"], "_rest"),
            "rtf": sum(s["cpu"]) / sum(s["dur"]),
        }
    return out


def _percentiles(lat: list[float], suffix: str) -> dict[str, float]:
    if not lat:
        return {f"p50{suffix}": float("nan"), f"p95{suffix}": float("nan")}
    a = np.array(lat) * 1000
    return {f"p50{suffix}": float(np.percentile(a, 50)), f"p95{suffix}": float(np.percentile(a, 95))}


def make(engine: str) -> Recognizer:
    """The recogniser the benchmark measures: as ``coach listen --engine ENGINE`` builds it."""
    from coach.listen.engines import make_recognizer

    if engine == "pocketsphinx":
        opts = SphinxOptions()
        changes = {k: type(getattr(opts, k))(os.environ[f"BENCH_{k.upper()}"])
                   for k in opts.__dataclass_fields__ if f"BENCH_{k.upper()}" in os.environ}
        opts = SphinxOptions(**changes)
        print(f"engine pocketsphinx, {opts}")
        return SphinxRecognizer("en", opts, on_build=print)
    import sys

    return make_recognizer(engine, "en", err=sys.stdout)


def audio_files(folder: str) -> list[Path]:
    """The audio files in ``folder``, sorted (none: the benchmark stops with a line saying so)."""
    files = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in (".flac", ".wav", ".ogg", ".mp3"))
    if not files:
        raise SystemExit(f"bench: no audio files in {folder}")
    return files


def read_audio(path: Path) -> Block:
    """Any audio file as 16 kHz mono int16 (decoded with the ``av`` library faster-whisper brings)."""
    from faster_whisper.audio import decode_audio

    x = np.asarray(decode_audio(str(path), sampling_rate=16000), dtype=np.float32)
    return np.clip(np.round(x * 32767), -32768, 32767).astype(np.int16)


def real_negatives(rec: Recognizer, folder: str) -> dict[str, float]:
    """False accepts an hour on real people's speech with no command in it (every audio file in
    ``folder``)."""
    files = audio_files(folder)
    level = int(os.environ.get("BENCH_DENOISE", ListenConfig.noise_suppression))
    seconds, cpu, fa, heard = 0.0, 0.0, 0, []
    for f in files:
        audio = read_audio(f)
        rec.reset()
        t0 = time.process_time()
        found = acted(run_blocks(Pipeline(rec, denoise=denoiser(level)), audio))
        cpu += time.process_time() - t0
        seconds += len(audio) / 16000
        fa += len(found)
        heard += [f"{f.name}: {d.command.value} ({d.heard!r}{'' if d.confirmed else ', a first-stage guess'})"
                  for d in found]
    return {"files": len(files), "minutes": seconds / 60, "fa": fa, "fa_h": fa / (seconds / 3600),
            "rtf": cpu / seconds, "heard": heard}  # type: ignore[dict-item]


def main() -> None:
    t = time.time()
    coach = os.environ.get("BENCH_COACH_VOICE", "espeak").strip() or "espeak"
    if coach not in COACH_VOICES:
        raise SystemExit(f"bench: BENCH_COACH_VOICE={coach!r} is not one of {', '.join(COACH_VOICES)}")
    items = generate(COACH_VOICES[coach], coach=coach)
    only = os.environ.get("BENCH_CONDITIONS")
    if only:
        items = [i for i in items if i.condition in only.split(",")]
    print(f"corpus: {len(items)} files in bench/{COACH_VOICES[coach].name}, the coach's voice {coach} "
          f"({time.time() - t:.0f} s)")
    print(f"echo canceller: {os.environ.get('BENCH_AEC') or DEFAULT}")
    engine = os.environ.get("BENCH_ENGINE", "auto")
    rec = make(engine)
    rows = evaluate(rec, items, aec=True)
    if os.environ.get("BENCH_NOAEC", "1") != "0":   # BENCH_NOAEC=0: not the rows without echo cancellation
        rows.update(evaluate(rec, [i for i in items if i.reference], aec=False))
    # the same recogniser kept going from file to file, as through a session
    rec.reset()
    rows.update(evaluate(rec, [i for i in items if i.condition in ("clean", "pink10") and i.group != "espeak"],
                         aec=True, session=True))
    print(f"engine {rec.name}; latency in ms from the end of speech; stop/pain and the rest apart")
    print(f"{'condition':<30}{'cmds':>5}{'acc%':>7}{'wrong%':>8}{'miss%':>7}{'FA':>4}{'FA/h':>7}"
          f"{'p50':>6}{'p95':>6}{'stop50':>7}{'stop95':>7}{'rest50':>7}{'rest95':>7}{'CPU':>7}")
    for key in sorted(rows):
        r = rows[key]
        print(f"{key:<30}{r['cmds']:>5.0f}{r['acc']:>7.1f}{r['wrong']:>8.1f}{r['miss']:>7.1f}{r['fa']:>4.0f}"
              f"{r['fa_h']:>7.0f}{r['p50']:>6.0f}{r['p95']:>6.0f}{r['p50_fast']:>7.0f}{r['p95_fast']:>7.0f}"
              f"{r['p50_rest']:>7.0f}{r['p95_rest']:>7.0f}{r['rtf']:>7.3f}")
    print("CPU: seconds of processor time per second of audio (all threads; 1.0 is one core)")
    folder = os.environ.get("BENCH_REAL_NEGATIVES")
    if not folder:
        print("real speech without commands: not measured (BENCH_REAL_NEGATIVES=DIR, or make bench REAL_NEGATIVES=DIR)")
    else:
        r = real_negatives(rec, folder)
        print(f"real speech without commands ({folder}): {r['files']:.0f} files, {r['minutes']:.1f} min, "
              f"{r['fa']:.0f} false accepts, {r['fa_h']:.1f} an hour, CPU {r['rtf']:.3f}")
        for line in r["heard"]:  # type: ignore[attr-defined]
            print(f"  {line}")
    print(f"({time.time() - t:.0f} s)")


if __name__ == "__main__":
    main()
