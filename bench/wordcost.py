"""`python -m bench wordcost`: what one second opinion of the word vectors costs.

Whisper's judge asks :class:`coach.listen.judge.wordvec.WordVectors` about an utterance only when its
best-fitting core phrase missed its own thresholds but not looser ones. Each time, the model runs
once per 1.5 s window (one window for a short utterance, one more every 0.15 s beyond 1.5 s, five at
most), on
one thread as in a session. This prints the time to load the model and the references, and the
processor time and wall time of one opinion for utterances of several lengths (the model's cost
does not depend on what is said, so the audio is quiet noise). Run it on an otherwise idle machine.
"""

from __future__ import annotations

import time

import numpy as np

from coach.listen.judge.wordvec import WINDOW, WordVectors, window_starts

LENGTHS = (0.8, 1.5, 2.0, 3.0)   # seconds of utterance
REPEATS = 15


def main() -> None:
    t = time.perf_counter()
    vectors = WordVectors()
    print(f"word vectors: model and references loaded in {time.perf_counter() - t:.2f} s "
          f"(in the listening process, once per session)")
    rng = np.random.default_rng(7)
    print("utterance | windows | processor ms median / p95 | wall ms median / p95")
    for seconds in LENGTHS:
        audio = (rng.standard_normal(int(seconds * 16000)) * 300).astype(np.int16)
        vectors.similarity(audio)   # the first run after loading is slower; not counted
        cpu, wall = [], []
        for _ in range(REPEATS):
            c, w = time.process_time(), time.perf_counter()
            vectors.similarity(audio)
            cpu.append((time.process_time() - c) * 1000)
            wall.append((time.perf_counter() - w) * 1000)
        print(f"{seconds:.1f} s | {len(window_starts(max(len(audio), WINDOW)))} | {_spread(cpu)} | {_spread(wall)}")


def _spread(ms: list[float]) -> str:
    return f"{np.percentile(ms, 50):.0f} / {np.percentile(ms, 95):.0f}"


if __name__ == "__main__":
    main()
