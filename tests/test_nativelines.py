"""Native libraries' lines on descriptor 2 go to the session log, never onto the terminal."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from coach.nativelines import is_native, repeated

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


def test_a_line_that_comes_again_is_kept_once_with_a_count(tmp_path: Path) -> None:
    """Issue 38: a session log held 116 ALSA "underrun occurred" records. The first of each line is
    kept; the times it came again are one line with the count, handed on once the lines pause."""
    underrun, expression = NATIVE_LINES[0], NATIVE_LINES[1]
    script = textwrap.dedent(f"""
        import ctypes, time
        from coach import nativelines
        from coach.nativelines import NativeLines
        nativelines.QUIET = 0.3
        kept = []
        libc = ctypes.CDLL(None)
        def write(text):
            line = text.encode() + b"\\n"
            libc.write(2, line, len(line))
        with NativeLines(kept.append):
            for k in range(116):
                write({underrun!r})
                if k % 40 == 0:
                    write({expression!r})
            time.sleep(1.0)
            write({underrun!r})
            write({NATIVE_LINES[3]!r})
            time.sleep(1.0)
        print("\\n".join(kept))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [underrun, expression, f"{underrun} (again 115 times)",
                                        f"{expression} (again 2 times)", NATIVE_LINES[3], f"{underrun} (again 1 time)"]
    assert sum(repeated(line)[1] for line in done.stdout.splitlines() if "underrun" in line) == 117


def test_a_count_line_reads_back_as_its_line_and_count() -> None:
    assert repeated(f"{NATIVE_LINES[0]} (again 115 times)") == (NATIVE_LINES[0], 115)
    assert repeated(f"{NATIVE_LINES[0]} (again 1 time)") == (NATIVE_LINES[0], 1)
    assert repeated(NATIVE_LINES[0]) == (NATIVE_LINES[0], 1)
