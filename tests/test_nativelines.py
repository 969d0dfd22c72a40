"""Native libraries' lines on descriptor 2 go to the session log, never onto the terminal."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from coach.nativelines import is_native

ROOT = Path(__file__).resolve().parent.parent

#: Lines seen on this project's terminal during sessions (issue 18), and coach's own.
NATIVE_LINES = [
    "ALSA lib pcm.c:8570:(snd_pcm_recover) underrun occurred",
    "Expression 'err' failed in 'src/hostapi/alsa/pa_linux_alsa.c', line: 3355",
    "ALSA lib pulse.c:242:(pulse_connect) PulseAudio: Unable to connect: Connection refused",
    "LOG (VoskAPI:ReadDataFiles():model.cc:213) Decoding params beam=10 max-active=3000 lattice-beam=2",
    "WARNING (VoskAPI:Model():model.cc:95) Model folder not found",
]
OWN_LINES = [
    "coach: the audio output device stopped working",
    "listening with Whisper tiny.en, pocketsphinx for a fast stop (English; loaded in 2.0 s)",
    "  fix: run `coach devices` to see the devices",
]


@pytest.mark.parametrize("line", NATIVE_LINES)
def test_native_lines_are_told_apart(line: str) -> None:
    assert is_native(line)


@pytest.mark.parametrize("line", OWN_LINES)
def test_coachs_own_lines_are_not_taken_for_native_ones(line: str) -> None:
    assert not is_native(line)


def test_a_native_write_to_descriptor_2_reaches_the_log_and_not_the_terminal(tmp_path: Path) -> None:
    """In a process of its own (descriptor 2 is the terminal there): a native write to descriptor 2
    (libc's write, as ALSA's fprintf), one from a child process that inherited it, and coach's own
    message through sys.stderr. Only the last reaches the terminal; the native ones reach the sink."""
    child = f"import sys; sys.stderr.write({NATIVE_LINES[1]!r} + '\\n'); sys.stderr.write('child: own\\n')"
    script = textwrap.dedent(f"""
        import ctypes, subprocess, sys
        from coach.nativelines import NativeLines
        kept = []
        with NativeLines(kept.append):
            libc = ctypes.CDLL(None)
            line = {NATIVE_LINES[0]!r}.encode() + b"\\n"
            libc.write(2, line, len(line))
            subprocess.run([sys.executable, "-c", {child!r}])
            print("coach: own line", file=sys.stderr)
        print("\\n".join(kept))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == NATIVE_LINES[:2]
    assert sorted(done.stderr.splitlines()) == ["child: own", "coach: own line"]
