"""A private PulseAudio server for tests and benchmarks: real PortAudio, no sound card.

Usage::

    from tests.pulse import pulse_server, pulse_fixture

    with pulse_server() as pa:          # or: pa = pulse_fixture() as a pytest fixture
        subprocess.run([...], env={**os.environ, **pa.env})   # a subprocess plays into coach_out
        with pa.apply():                # in-process: env set, PortAudio re-initialised
            sd.play(x, 16000, device="pulse")
        rec = pa.start_recording("coach_out.monitor")
        ...
        pcm = rec.stop()                # int16 mono 16 kHz
        pa.play_into("user_out", pcm)   # the "virtual user" speaks into the coach's microphone

The server has three null sinks:

- ``coach_out``: the coach's speaker (``PULSE_SINK``).
- ``user_out``: where the virtual user's spoken commands are played.
- ``room``: the coach's microphone mix. ``room.monitor`` is the coach's microphone (``PULSE_SOURCE``).
  Two loopbacks feed it: ``user_out.monitor`` at full volume and ``coach_out.monitor`` at
  :data:`ECHO_VOLUME` (the room echo of the coach's own voice). The echo loopback does not adjust
  its rate (``adjust_time=0``): a room's echo path does not resample, and the loopback's constant
  resampling to hold its latency kept moving the echo, which no canceller could follow.

In-process PortAudio: PortAudio enumerates devices (and the ALSA "pulse" plugin reads
``PULSE_SERVER``) when sounddevice initialises, i.e. at import. :meth:`PulseServer.apply` sets the
environment and then calls ``sd._terminate(); sd._initialize()`` so the running process sees the
private server; on exit it restores the environment and re-initialises again. Open streams with
``device="pulse"``; PULSE_SINK / PULSE_SOURCE choose the sink and source. Subprocesses just need
``env={**os.environ, **pa.env}``.

If pulseaudio / pactl / parec / pacat are missing, :func:`pulse_fixture` skips, naming the Debian
packages to install (``pulseaudio pulseaudio-utils libasound2-plugins``).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

RATE = 16000
#: Amplitude of the coach's own voice in its microphone (the room echo), relative to what it played.
ECHO_VOLUME = 0.3
TOOLS = ("pulseaudio", "pactl", "parec", "pacat")
INSTALL_HINT = "install the Debian packages: apt-get install pulseaudio pulseaudio-utils libasound2-plugins"

Pcm = npt.NDArray[np.int16]


def missing_tools() -> list[str]:
    """The PulseAudio programs not found on PATH."""
    return [t for t in TOOLS if shutil.which(t) is None]


class Recording:
    """A background ``parec``; :meth:`stop` ends it and returns what it captured."""

    def __init__(self, env: dict[str, str], source: str) -> None:
        self._proc = subprocess.Popen(
            ["parec", "-d", source, "--format=s16le", f"--rate={RATE}", "--channels=1", "--latency-msec=10"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={**os.environ, **env},
        )
        self._chunks: list[bytes] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        # Popen's stdout is buffered (bufsize=-1), binary: a BufferedReader, which has read1
        assert isinstance(self._proc.stdout, io.BufferedReader)
        while chunk := self._proc.stdout.read1(4096):
            self._chunks.append(chunk)

    def samples_so_far(self) -> int:
        """How many samples have arrived so far (a marker for later slicing)."""
        return sum(len(c) for c in list(self._chunks)) // 2

    def stop(self) -> Pcm:
        self._proc.terminate()
        self._proc.wait(timeout=5)
        self._thread.join(timeout=5)
        data = b"".join(self._chunks)
        return np.frombuffer(data[: len(data) // 2 * 2], dtype=np.int16).copy()


class PulseServer:
    """A running private PulseAudio server. Build it with :func:`pulse_server`."""

    def __init__(self, runtime_dir: Path) -> None:
        self.runtime_dir = runtime_dir
        socket = runtime_dir / "pulse" / "native"
        #: environment for processes that should use this server
        self.env = {
            "XDG_RUNTIME_DIR": str(runtime_dir),
            "PULSE_SERVER": f"unix:{socket}",
            "PULSE_SINK": "coach_out",
            "PULSE_SOURCE": "room.monitor",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def crash(self) -> None:
        """Kill the server outright (SIGKILL), as when the sound system dies under a running program."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    @contextlib.contextmanager
    def apply(self) -> Iterator[None]:
        """Use this server in this process: set the env and re-initialise PortAudio; restore after."""
        import sounddevice as sd

        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        sd._terminate()
        sd._initialize()
        try:
            yield
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            sd._terminate()
            sd._initialize()

    def start_recording(self, source: str) -> Recording:
        """Record ``source`` (e.g. ``coach_out.monitor``) in the background at 16 kHz mono int16."""
        rec = Recording(self.env, source)
        time.sleep(0.15)   # let parec connect, so the start of what follows is captured
        return rec

    def record(self, source: str, seconds: float) -> Pcm:
        rec = self.start_recording(source)
        time.sleep(seconds)
        return rec.stop()

    def play_into(self, sink: str, pcm: Pcm, rate: int = RATE) -> None:
        """Play 16-bit mono ``pcm`` into ``sink`` with pacat; returns when it has been played."""
        subprocess.run(
            ["pacat", "-d", sink, "--format=s16le", f"--rate={rate}", "--channels=1", "--playback"],
            input=np.asarray(pcm, dtype=np.int16).tobytes(), env={**os.environ, **self.env},
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    def _set_echo_volume(self, volume: int) -> None:
        """module-loopback has no volume argument: find its sink input by name and set it."""
        current = ""
        for line in self.pactl("list", "sink-inputs").splitlines():
            line = line.strip()
            if line.startswith("Sink Input #"):
                current = line.removeprefix("Sink Input #")
            elif line == 'media.name = "room-echo"' and current:
                self.pactl("set-sink-input-volume", current, str(volume))
                return
        raise RuntimeError("private PulseAudio: the room-echo loopback did not load")

    def pactl(self, *args: str) -> str:
        r = subprocess.run(["pactl", *args], env={**os.environ, **self.env}, capture_output=True, text=True,
                           check=True)
        return r.stdout


def user_speech(folder: Path, text: str, voice: str = "slt") -> Pcm:
    """The virtual user saying ``text``: flite's recorded-voice synthesiser, at 16 kHz int16."""
    import wave

    path = folder / "user.wav"
    subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(path)], check=True)
    with wave.open(str(path)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float64)
        rate = w.getframerate()
    t = np.arange(0, len(x), rate / RATE)
    return np.interp(t, np.arange(len(x)), x).astype(np.int16)


@contextlib.contextmanager
def pulse_server() -> Iterator[PulseServer]:
    """Start a private PulseAudio server with the coach's sinks; kill it on exit.

    Raises RuntimeError if the tools are missing or the server does not come up.
    """
    if missing := missing_tools():
        raise RuntimeError(f"PulseAudio tools not found: {', '.join(missing)}; {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="coach-pulse-") as tmp:
        runtime = Path(tmp)
        (runtime / "pulse").mkdir()
        server = PulseServer(runtime)
        echo = int(65536 * ECHO_VOLUME ** (1 / 3))   # PulseAudio volumes are cubic
        env = {**os.environ, **server.env, "HOME": tmp}
        args = [
            "pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
            "--disallow-exit", "--log-target=stderr", "--log-level=error",
            "--load=module-native-protocol-unix",
            "--load=module-null-sink sink_name=coach_out rate=16000 channels=1",
            "--load=module-null-sink sink_name=user_out rate=16000 channels=1",
            "--load=module-null-sink sink_name=room rate=16000 channels=1",
            "--load=module-loopback source=coach_out.monitor sink=room latency_msec=20 adjust_time=0"
            " sink_input_properties=media.name=room-echo",
            "--load=module-loopback source=user_out.monitor sink=room latency_msec=20",
            "--load=module-always-sink",
        ]
        if os.geteuid() == 0:
            args.insert(1, "--system=no")
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=True)
        server.process = proc
        try:
            deadline = time.monotonic() + 10
            while True:
                ok = subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode == 0
                if ok:
                    break
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                    raise RuntimeError(f"private PulseAudio did not start: {err.strip()[-500:]}")
                time.sleep(0.05)
            subprocess.run(["pactl", "set-default-sink", "coach_out"], env=env, capture_output=True)
            subprocess.run(["pactl", "set-default-source", "room.monitor"], env=env, capture_output=True)
            server._set_echo_volume(echo)
            # The first playback stream on a fresh server stalls for ~2 s after its first blocks
            # (seen with PortAudio's ALSA "pulse" plugin); playing a little silence first avoids it.
            server.play_into("coach_out", np.zeros(RATE // 10, dtype=np.int16))
            yield server
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            if proc.stderr:
                proc.stderr.close()


def pulse_fixture() -> Iterator[PulseServer]:
    """Body of a pytest fixture: ``pulse = pytest.fixture(scope="module")(pulse_fixture)``.

    Skips (naming the packages to install) if PulseAudio is missing.
    """
    import pytest

    if missing := missing_tools():
        pytest.skip(f"PulseAudio tools not found ({', '.join(missing)}): {INSTALL_HINT}")
    with pulse_server() as server:
        yield server
