"""`make bench`: run every benchmark and print its figures.

`python -m bench speech`, `python -m bench listen`, `python -m bench duck`, `python -m bench soak` or
`python -m bench barge` runs one; `python -m bench curve` gives the second stage's commands heard
against false accepts over a grid of thresholds, and `python -m bench wordcost` what one opinion of the
word vectors costs. soak and barge are live: whole `coach run` sessions against a
private PulseAudio server (SOAK_MINUTES, default 30; BARGE_TRIALS, default 5).
`python -m bench wordrefs` is no benchmark: it makes the word vectors' references again
(``coach/listen/judge/wordvec_refs.npz``) from the corpus's tuning voices, and runs only when named.
"""

from __future__ import annotations

import importlib
import os
import sys

# the coach's offline switches (no onnxruntime telemetry, no model hub), set on import of the package,
# before any benchmark loads onnxruntime or faster-whisper
import coach  # noqa: F401

# numpy's BLAS on one thread, as in the coach's listening process (coach.listen.process.child_env):
# OpenBLAS's spare threads spin after each product and would double the processor time measured
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

SUITES = ("speech", "listen", "curve", "wordcost", "duck", "soak", "barge", "voiceprint", "talk")
MAKERS = ("wordrefs",)


def main(argv: list[str]) -> int:
    chosen = argv or list(SUITES)
    for name in chosen:
        if name not in SUITES + MAKERS:
            print(f"bench: no suite '{name}'; choose from {', '.join(SUITES + MAKERS)}", file=sys.stderr)
            return 2
        print(f"== {name} ==", flush=True)
        module = importlib.import_module(f"bench.{name}")
        module.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
