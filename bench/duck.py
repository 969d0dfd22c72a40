"""`python -m bench duck`: does lowering the coach's voice while the user talks over it help?

The benchmark's "echo" files (the coach talking, the user's command or chat 4.6 s in) are made
from the user's speech and the coach's voice through a small room (``bench.corpus.room_echo``), so
both can be remixed. Each file is first run as it is, which also gives the moments at which the
live pipeline says the user is talking over the coach (``coach.listen.capture.bargein``). It is then made
again with the coach's voice 10 dB lower (the speaker's ``duck``) from ``LOOP`` seconds after each
such moment until ``LOOP`` seconds after the talking ends, the reference lowered with it, as a
session does; and run again. Printed: commands heard, wrong commands and false accepts, both ways,
and how soon after the user began the talking was noticed.
"""

from __future__ import annotations

import numpy as np

from bench.corpus import SR, generate, room_echo
from coach.config import ListenConfig
from coach.listen.capture.denoise import denoiser
from coach.listen.detect.sphinx import SphinxRecognizer
from coach.listen.listener import Pipeline, read_wav, run_blocks
from coach.speech.player import DUCK_GAIN

#: from the pipeline noticing the user to the coach's voice being lower in the room: the message
#: from the listening process, one 20 ms block of the player and its 40 ms of output latency
LOOP = 0.1


def _int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def main() -> None:
    items = [i for i in generate() if i.condition == "echo"]
    rec = SphinxRecognizer("en")
    level = ListenConfig.noise_suppression
    figures = {name: {"right": 0, "wrong": 0, "fa": 0} for name in ("as it is", "ducking")}
    noticed: list[float] = []
    for it in items:
        mix = read_wav(it.path).astype(np.float64)
        ref = read_wav(it.reference).astype(np.float64)
        rest = mix - room_echo(ref)   # the user's speech and the room's noise
        talk: list[tuple[float, bool]] = []
        gain = np.ones(len(mix))
        for name in ("as it is", "ducking"):
            if name == "ducking":
                for at, on in talk:
                    k = int((at + LOOP) * SR)
                    gain[k:] = DUCK_GAIN if on else 1.0
            r = ref * gain
            rec.reset()
            pipeline = Pipeline(rec, denoise=denoiser(level))
            if name == "as it is":
                pipeline.on_talk = lambda on, p=pipeline, t=talk: t.append((p._pos / SR, on))
            found = [d.command.value for d in run_blocks(pipeline, _int16(rest + room_echo(r)), _int16(r))]
            f = figures[name]
            if it.command:
                f["right"] += it.command in found
                f["wrong"] += any(c != it.command for c in found)
            else:
                f["fa"] += len(found)
        starts = [at - it.start for at, on in talk if on and at >= it.start - 0.1]
        if starts:
            noticed.append(starts[0])
    commands = sum(1 for i in items if i.command)
    print(f"the coach talking, {commands} commands and {len(items) - commands} non-command files")
    for name, f in figures.items():
        print(f"{name:<10} heard {f['right']:>3}  wrong {f['wrong']:>3}  false accepts {f['fa']:>3}")
    if noticed:
        print(f"the user talking noticed in {len(noticed)} of {len(items)} files, "
              f"{1000 * float(np.median(noticed)):.0f} ms after they began (median)")
