"""The language model that the pocketsphinx recogniser searches, built from the model its wheel carries.

Rejection comes from ordinary English. The search runs over the 20,000 most frequent words of the
wheel's general English model, with their real frequencies and bigram context. The command words
compete with them. "the stock went up", "where is the stopwatch" and "a soft drink" are explained
by the words really said, not by "stop" or "softer". Two boosts tilt the search towards commands
the way people give them:

* ``boost_any``: any command word, anywhere, is this many times likelier than the general model says.
* ``boost_edge``: a command word as a phrase of its own (after the start of an utterance or a short
  polite word like "a little" or "please", before its end) gets this extra factor, and so does the
  second word of a two-word command ("that hurts", "slow down").

The wheel's trigram model cannot be edited in place. Its bigram part is dumped as ARPA text in a
child process: pocketsphinx 5's ARPA writer crashes after the bigrams, so the crash is contained
and only the complete lines before it are used. The writer's *numbers* are not trusted either (it
scales them by an uninitialised factor, differently from run to run): the dump gives only which
words and word pairs exist, and every probability and back-off weight is asked of the loaded
model itself (``NGramModel.prob``, word first, then its history). That part is filtered and boosted, then saved as
ARPA text in the user's cache. Building takes a few seconds, once. After that a session loads
the cached file.
"""

from __future__ import annotations

import hashlib
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from coach.errors import ModelError

BUILD_VERSION = 2  # bump when what is built changes: old cached files are then ignored
VOCABULARY_SIZE = 20000

# Words that may stand next to a command in a phrase of its own ("a little harder please").
POLITE = frozenset({
    "a", "little", "bit", "please", "okay", "ok", "now", "just", "yes", "yeah", "oh", "slightly", "much",
    "lot", "um", "uh", "thanks", "thank", "you", "more", "right", "alright", "so", "and", "then", "well",
    "go", "hey",
})
# Short function words the search puts on breaths, clicks and noise around a word ("the harder it").
WEAK = frozenset({"the", "it", "she", "he", "i", "in", "of", "to", "is", "this", "that", "there", "an"})

_DUMP = """
import sys
from pocketsphinx import NGramModel
m = NGramModel.readfile(sys.argv[1])
m.write(sys.argv[2], NGramModel.str_to_type("arpa"))
"""


def cache_dir() -> Path:
    """Where built language models are kept (``COACH_CACHE`` overrides)."""
    env = os.environ.get("COACH_CACHE")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("coach"))


def _read_arpa(path: Path) -> tuple[dict[str, tuple[float, float]], dict[tuple[str, str], float]]:
    uni: dict[str, tuple[float, float]] = {}
    bi: dict[tuple[str, str], float] = {}
    section = 0
    with path.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("\\1-grams"):
                section = 1
                continue
            if line.startswith("\\2-grams"):
                section = 2
                continue
            if line.startswith(("\\3-grams", "\\end")):
                break
            if not line.endswith("\n"):
                break  # the last, cut-off line of a dump that crashed
            parts = line.rstrip("\n").split("\t")
            try:
                if section == 1 and len(parts) >= 2:
                    uni[parts[1]] = (float(parts[0]), float(parts[2]) if len(parts) > 2 else 0.0)
                elif section == 2 and len(parts) >= 3:
                    bi[(parts[1], parts[2])] = float(parts[0])
            except ValueError:
                continue
    return uni, bi


_LOG10_UNIT = math.log10(1.0001)  # pocketsphinx's default log base, in which NGramModel.prob answers


def _exact(source: Path, uni: dict[str, tuple[float, float]], bi: dict[tuple[str, str], float],
           ) -> tuple[dict[str, tuple[float, float]], dict[tuple[str, str], float]]:
    """The same n-grams with their values read from the model through its API (log10)."""
    from pocketsphinx import NGramModel

    model = NGramModel.readfile(str(source))
    f = _LOG10_UNIT
    p1 = {w: model.prob([w]) * f for w in uni}
    partners: dict[str, set[str]] = {}
    for a, b in bi:
        partners.setdefault(a, set()).add(b)
    rare = sorted((w for w in p1 if not w.startswith("<")), key=lambda w: p1[w])[:50]
    new_uni: dict[str, tuple[float, float]] = {}
    for w in uni:
        bo = 0.0
        if w != "</s>":
            seen = partners.get(w, set())
            x = next((r for r in rare if r not in seen), None)
            if x is not None:  # P(x | w) backs off to bo(w) * P(x)
                bo = model.prob([x, w]) * f - p1[x]
        new_uni[w] = (p1[w], bo)
    new_bi = {(a, b): model.prob([b, a]) * f for a, b in bi}
    return new_uni, new_bi


def _write_arpa(path: Path, uni: dict[str, tuple[float, float]], bi: dict[tuple[str, str], float]) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write(f"\\data\\\nngram 1={len(uni)}\nngram 2={len(bi)}\n\n\\1-grams:\n")
        for w in sorted(uni):
            p, bo = uni[w]
            f.write(f"{min(p, 0.0):.4f}\t{w}\t{bo:.4f}\n")
        f.write("\n\\2-grams:\n")
        for (a, b), p in sorted(bi.items()):
            f.write(f"{min(p, 0.0):.4f}\t{a}\t{b}\n")
        f.write("\n\\end\\\n")


def boosted(uni: dict[str, tuple[float, float]], bi: dict[tuple[str, str], float], phrases: Iterable[str],
            boost_any: float, boost_edge: float, size: int = VOCABULARY_SIZE,
            ) -> tuple[dict[str, tuple[float, float]], dict[tuple[str, str], float]]:
    """The general model cut to ``size`` words plus the command words, with the commands boosted."""
    phrases = list(phrases)
    single = {p for p in phrases if " " not in p and p in uni}
    pairs = [tuple(p.split()) for p in phrases if len(p.split()) == 2]
    top = sorted((w for w in uni if not w.startswith("<")), key=lambda w: -uni[w][0])[:size]
    vocab = set(top) | {"<s>", "</s>"} | single | {w for pr in pairs for w in pr if w in uni}
    vocab &= set(uni) | {"<s>", "</s>"}
    la, le = math.log10(boost_any), math.log10(boost_edge)
    new_bi = {k: v for k, v in bi.items() if k[0] in vocab and k[1] in vocab}

    def bigram(a: str, b: str) -> float:  # the model's own estimate, backing off to the unigram
        return new_bi.get((a, b), uni[b][0] + uni[a][1])

    for w in single:
        for before in ["<s>", *sorted(POLITE & vocab)]:
            new_bi[(before, w)] = bigram(before, w) + le
        new_bi[(w, "</s>")] = bigram(w, "</s>") + le
    for a, b in pairs:
        if a in vocab and b in vocab:
            new_bi[(a, b)] = bigram(a, b) + le
    new_uni = {w: uni[w] for w in vocab if w in uni}
    for w in single:
        p, bo = new_uni[w]
        new_uni[w] = (p + la, bo)
    for key in list(new_bi):
        if key[1] in single:
            new_bi[key] += la
    return new_uni, new_bi


def build(source: Path, phrases: Iterable[str], boost_any: float, boost_edge: float,
          on_build: Callable[[str], None] | None = None) -> Path:
    """The boosted model for ``phrases`` as a cached binary file, built now if it is not there yet.

    ``on_build`` is told (once, before the work starts) when a build is needed.
    """
    phrases = sorted(set(phrases))
    try:
        st = source.stat()
    except OSError as e:
        raise ModelError(f"the pocketsphinx language model {source} is missing",
                         "reinstall it: .venv/bin/pip install --force-reinstall pocketsphinx") from e
    key = hashlib.sha256(repr((BUILD_VERSION, VOCABULARY_SIZE, str(source), st.st_size, phrases,
                               boost_any, boost_edge, sorted(POLITE))).encode()).hexdigest()[:16]
    target = cache_dir() / f"sphinx-commands-{key}.arpa"
    if target.is_file():
        return target
    if on_build is not None:
        on_build(f"preparing the command language model in {target.parent} (once; about 15 seconds)")
    with tempfile.TemporaryDirectory(prefix="coach-lm-") as tmp:
        dump = Path(tmp) / "general.arpa"
        # the child may crash after writing the bigrams (see the module docstring); what it wrote is read
        subprocess.run([sys.executable, "-c", _DUMP, str(source), str(dump)], capture_output=True, check=False)
        if not dump.is_file():
            raise ModelError(f"could not read the pocketsphinx language model {source}",
                             "reinstall it: .venv/bin/pip install --force-reinstall pocketsphinx")
        uni, bi = _read_arpa(dump)
        dump.unlink()
        uni, bi = _exact(source, uni, bi)
        odd = [w for w, (p, bo) in uni.items() if not (-100.0 <= p <= 0.0 and -20.0 <= bo <= 20.0)]
        if odd:
            raise ModelError(f"the pocketsphinx language model {source} gave impossible values for "
                             f"{len(odd)} words (for example {odd[0]!r})",
                             "reinstall it: .venv/bin/pip install --force-reinstall pocketsphinx")
        if len(uni) < 1000 or len(bi) < 1000:
            raise ModelError(f"the pocketsphinx language model {source} gave only {len(uni)} words and "
                             f"{len(bi)} word pairs",
                             "reinstall it: .venv/bin/pip install --force-reinstall pocketsphinx")
        new_uni, new_bi = boosted(uni, bi, phrases, boost_any, boost_edge)
    # ARPA text, not pocketsphinx's binary format: its binary writer produces files it cannot search
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_suffix(f".{os.getpid()}.part")
        _write_arpa(part, new_uni, new_bi)
        os.replace(part, target)
        return target
    except OSError:
        # no writable cache: keep a private copy for this process
        fallback = Path(tempfile.mkdtemp(prefix="coach-lm-")) / target.name
        _write_arpa(fallback, new_uni, new_bi)
        return fallback
