"""Issue 37, points 2, 3, 4 and 6: what the coach keeps, when the user is unlucky.

Files replaced whole or not at all (render output, recordings), a log per process, one session at a
time (a lock in the data folder), the profile changed by two processes at once, storage faults
told honestly (once, with a fix that fixes, damaged files reported and kept numbered, nothing moved
by a command that only reads), and one resume point per routine. Whole ``coach`` processes, in
text mode on a pipe.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from logtools import wait_for

COACH = [sys.executable, "-m", "coach"]


# ---------------------------------------------------------------------------------------------
# point 2: files replaced whole; a log per process

WRITER = r"""
import sys
from collections.abc import Iterator
from pathlib import Path
from coach.tasks.speech import write_mix
print("ready", flush=True)
write_mix(Path(sys.argv[1]), [], lambda p: None, tail=float(sys.argv[2]))
"""


def test_sigterm_while_render_writes_over_a_file_leaves_the_old_file_whole(tmp_path: Path) -> None:
    """`coach render -o FILE` onto an existing FILE, SIGTERM while it writes: it left 0 bytes; now
    the old file stays until the new one is whole."""
    out = tmp_path / "session.wav"
    old = b"RIFF" + os.urandom(4000)
    out.write_bytes(old)
    before = {p.name for p in tmp_path.iterdir()}
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(out), "1200"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        # writing has begun: a file beside it (now), or the old one emptied (before)
        wait_for(lambda: {p.name for p in tmp_path.iterdir()} != before or out.stat().st_size != len(old)
                 or proc.poll() is not None, "the render to start writing", limit=60)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGTERM, "the write ended before the signal came: the test proves nothing"
    assert out.read_bytes() == old


def test_render_replaces_the_file_keeping_its_mode(tmp_path: Path) -> None:
    from coach.tasks.speech import write_mix

    out = tmp_path / "s.wav"
    out.write_bytes(b"old")
    out.chmod(0o640)
    write_mix(out, [], lambda p: None, tail=0.5)   # type: ignore[arg-type, return-value]
    assert out.stat().st_size == 44 + 16000 and (out.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.wav"]
    write_mix(Path("/dev/null"), [], lambda p: None, tail=0.5)   # type: ignore[arg-type, return-value]
    assert Path("/dev/null").is_char_device()   # written as it is, never replaced
