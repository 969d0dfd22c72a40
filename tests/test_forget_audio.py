"""Issue 36, point 3: `coach forget` asks its question aloud, through the coach's speaker.

Against the private PulseAudio server of tests/pulse.py: while the typed question waits, the
coach's speaker (``coach_out``) carries speech; the typed answer ends it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from pulse import PulseServer

#: samples above the noise that make a tenth of a second of speech at 16 kHz
SPOKEN = 1600


def test_the_question_is_spoken_while_the_typed_one_waits(pulse: PulseServer, tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "sessions").mkdir(parents=True)
    (data / "sessions" / "20260101-120000-swedish.jsonl").write_text('{"t": 0, "type": "heard"}\n')
    env = {**os.environ, **pulse.env, "COACH_DATA": str(data), "COACH_CONFIG": str(tmp_path / "none.toml")}
    proc = subprocess.Popen([sys.executable, "-m", "coach", "forget"], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    heard = 0
    try:
        # listen to the coach's speaker a second at a time until it has spoken for a tenth of a
        # second (the voice loads and renders first: seconds on a loaded machine; the first second
        # that hears it may hold only its start), then answer
        end = time.monotonic() + 90
        while heard <= SPOKEN and time.monotonic() < end and proc.poll() is None:
            heard += int((np.abs(pulse.record("coach_out.monitor", 1.0).astype(np.int32)) > 1000).sum())
        out, err = proc.communicate("n\n", timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Shall I remove everything" in out and "Nothing was removed." in out
    assert (data / "sessions").exists()
    assert heard > SPOKEN, ("no speech on the coach's speaker", heard, err)
