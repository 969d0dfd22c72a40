"""`python -m bench curve`: the second stage's trade of commands heard against false accepts.

Whisper judges every utterance of the listening corpus once, through the live path (echo
cancellation, noise suppression, the voice gate), and every judgement's figures are kept. Then
:func:`coach.listen.judge.whisper.decide` weighs them again under a grid of thresholds (``min_score``:
how well a core phrase must fit; ``margin``: how far below the free transcription it may be), and
a row per setting gives:

- commands heard (the right command from any judgement of the file), in clean speech, at 10 dB and
  above (white 20, pink 10, babble 10, reverb, the coach's echo) and at 5 dB (white noise);
- wrong commands (another command from a judgement of a command file);
- false accepts an hour on the corpus's sentences without commands (all conditions but the coach's
  echo, where the runtime's echo guards decide, not this stage alone), and, with
  ``BENCH_REAL_NEGATIVES=DIR``, on real people's speech.

This is the second stage alone: the first stage's fast guesses of "stop" and pain words, and the
runtime's guards against the coach's own voice, are not in it (``python -m bench listen`` has the
whole). espeak-ng's voices are left out, as in the listening rows. The grid is Whisper alone; the
rows "word vectors >= S" add the second opinion (:mod:`coach.listen.judge.wordvec`) at the coach's
``min_score`` and ``margin``, with ``second_similarity`` S. The row marked ``*`` is what the coach
uses; "free only" takes only transcribed command phrases. ``BENCH_CONDITIONS=clean,pink10``
limits the corpus's conditions, as for ``python -m bench listen``. Thresholds are chosen
on the tuning voices ("tuned" columns): the held-out voices are shown apart and never chose them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace

from bench.corpus import COACH_VOICES, Item, generate
from bench.listen import audio_files, read_audio
from coach.commands import Command
from coach.config import ListenConfig
from coach.errors import ModelError
from coach.listen.base import Block, SecondOpinion
from coach.listen.capture.denoise import denoiser
from coach.listen.judge.whisper import (
    Judgement,
    WhisperJudge,
    WhisperOptions,
    WhisperRecognizer,
    decide,
    fits_for_second,
    with_second,
)
from coach.listen.judge.wordvec import WordVectors
from coach.listen.listener import Pipeline, read_wav, run_blocks

MIN_SCORES = (-4.0, -6.0, -8.0, -10.0, -12.0)
#: similarities of the second opinion weighed at the coach's min_score and margin
SIMILARITIES = (0.40, 0.45, 0.48, 0.50, 0.55)
MARGINS = (0.0, 2.0, 4.0, 6.0, 8.0)
LOUD = ("white20", "pink10", "babble10", "reverb", "echo")


@dataclass(frozen=True)
class Judged:
    """The judgements of one file, with what the file holds."""

    command: str        # "" for no command
    condition: str      # corpus condition, or "real"
    group: str          # "tuned", "held-out" or "real"
    seconds: float      # seconds of speech in it (for false accepts an hour)
    judgements: tuple[Judgement, ...]


def judge_all(rec: WhisperRecognizer, audio: Block, reference: Block | None,
              second: SecondOpinion | None = None) -> tuple[Judgement, ...]:
    """Every judgement Whisper makes of one file through the live path; with ``second``, each that
    a core phrase fits above ``second_min_score`` also carries the second opinion of its words,
    whatever Whisper alone made of it, so that any setting can be weighed with it."""
    made: list[tuple[Judgement, float, float]] = []
    rec.on_judgement = lambda j, s, e: made.append((j, s, e))
    rec.reset()
    level = int(os.environ.get("BENCH_DENOISE", ListenConfig.noise_suppression))
    run_blocks(Pipeline(rec, denoise=denoiser(level)), audio, reference)
    return tuple(with_second(j, second, audio[int(s * 16000):int(e * 16000)])
                 if second is not None and fits_for_second(j, rec.options) else j for j, s, e in made)


def collect(rec: WhisperRecognizer, items: list[Item], folder: str | None,
            second: SecondOpinion | None = None) -> list[Judged]:
    out = []
    for it in items:
        ref = read_wav(it.reference) if it.reference else None
        out.append(Judged(it.command, it.condition, it.group, it.end - it.start,
                          judge_all(rec, read_wav(it.path), ref, second)))
    for f in audio_files(folder) if folder else []:
        audio = read_audio(f)
        out.append(Judged("", "real", "real", len(audio) / 16000, judge_all(rec, audio, None, second)))
    return out


def commands(judgements: Iterable[Judgement], options: WhisperOptions) -> list[Command]:
    return [c for c in (decide(j, options)[0] for j in judgements) if c is not None]


def row(files: list[Judged], options: WhisperOptions, second: bool = False) -> dict[str, float]:
    """Heard and wrong % per group, and false accepts an hour, for one setting (with the second
    opinion where the judgements carry it, or Whisper alone)."""
    heard: dict[str, list[int]] = {}
    wrong, fa, hours = [0, 0], {"synthetic": 0, "real": 0}, {"synthetic": 0.0, "real": 0.0}
    for f in files:
        found = commands(f.judgements if second else (replace(j, second=None) for j in f.judgements), options)
        if f.command:
            kind = "clean" if f.condition == "clean" else "5dB" if f.condition == "white5" else "loud"
            for key in (kind, f"{kind}/{f.group}"):
                heard.setdefault(key, []).append(any(c.value == f.command for c in found))
            wrong[0] += any(c.value != f.command for c in found)
            wrong[1] += 1
        elif f.condition not in ("echo", "self"):
            which = "real" if f.group == "real" else "synthetic"
            fa[which] += len(found)
            hours[which] += f.seconds / 3600
    out = {k: 100 * sum(v) / len(v) for k, v in heard.items()}
    out["wrong"] = 100 * wrong[0] / max(1, wrong[1])
    for which in fa:
        out[f"fa_{which}"] = fa[which] / hours[which] if hours[which] else float("nan")
    return out


def main() -> None:
    t = time.time()
    coach = os.environ.get("BENCH_COACH_VOICE", "espeak").strip() or "espeak"
    if coach not in COACH_VOICES:
        raise SystemExit(f"bench: BENCH_COACH_VOICE={coach!r} is not one of {', '.join(COACH_VOICES)}")
    items = [i for i in generate(COACH_VOICES[coach], coach=coach) if i.group != "espeak"]
    only = os.environ.get("BENCH_CONDITIONS")
    if only:
        items = [i for i in items if i.condition in only.split(",")]
    folder = os.environ.get("BENCH_REAL_NEGATIVES") or None
    judge = WhisperJudge()   # alone: the second opinion is asked of every judgement it could change
    try:
        second: SecondOpinion | None = WordVectors()
    except ModelError as e:
        print(f"bench: {e.message}; the rows with word vectors are left out ({e.fix})")
        second = None
    files = collect(WhisperRecognizer(judge), items, folder, second)
    n = sum(len(f.judgements) for f in files)
    print(f"{len(files)} files, {n} judgements ({time.time() - t:.0f} s); heard % of commands, wrong %, "
          "false accepts an hour (FA/h); tuned: the voices that chose the thresholds")
    print(f"{'setting':<22}{'clean':>7}{'>=10dB':>8}{'tuned':>7}{'held':>7}{'5dB':>6}{'wrong':>7}"
          f"{'FA/h':>7}{'real':>7}")
    base = judge.options
    settings = [(f"{m:g} / {g:g}", replace(base, min_score=m, margin=g)) for m in MIN_SCORES for g in MARGINS]
    settings.append(("free only", replace(base, min_score=float("inf"))))
    rows = [(name, options, False) for name, options in settings]
    if second is not None:
        rows += [(f"word vectors >= {sim:g}", replace(base, second_similarity=sim), True) for sim in SIMILARITIES]
    for name, options, asked in rows:
        r = row(files, options, asked)
        mark = " *" if options == base and (asked or second is None) else ""
        print(f"{name + mark:<22}{r.get('clean', 0):>7.1f}{r.get('loud', 0):>8.1f}{r.get('loud/tuned', 0):>7.1f}"
              f"{r.get('loud/held-out', 0):>7.1f}{r.get('5dB', 0):>6.1f}{r['wrong']:>7.1f}"
              f"{r['fa_synthetic']:>7.0f}{r['fa_real']:>7.1f}")
    print("setting: min_score / margin; real: " + (f"{folder}" if folder else
          "not measured (BENCH_REAL_NEGATIVES=DIR)"))
    print(f"({time.time() - t:.0f} s)")


if __name__ == "__main__":
    main()
