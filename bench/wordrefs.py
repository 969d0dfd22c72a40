"""`python -m bench wordrefs`: the reference sayings of the word vectors (:mod:`coach.listen.judge.wordvec`).

Each command phrase of the listening corpus, said by its tuning voices in clean speech (the
words alone, without the silence around them), becomes a vector; the vectors are stored per
command in ``coach/listen/judge/wordvec_refs.npz`` (16-bit floats). The held-out voices are never used.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.corpus import COACH_VOICES, generate
from coach.listen.judge.wordvec import REFERENCES, WordVectors
from coach.listen.listener import read_wav


def main() -> None:
    items = [i for i in generate(COACH_VOICES["espeak"])
             if i.group == "tuned" and i.condition == "clean" and i.command]
    vectors = WordVectors(references=None)   # the model without the references it is to make
    refs: dict[str, list[np.ndarray]] = {}
    for it in items:
        words = read_wav(it.path)[int(it.start * 16000):int(it.end * 16000)]
        refs.setdefault(it.command, []).append(vectors.vectors(words)[0])
    arrays: dict[str, Any] = {c: np.asarray(v, dtype=np.float16) for c, v in sorted(refs.items())}
    np.savez(REFERENCES, **arrays)
    print(f"{REFERENCES}: {', '.join(f'{c} {len(v)}' for c, v in sorted(refs.items()))} sayings "
          f"({len(items)} files of the tuning voices)")


if __name__ == "__main__":
    main()
