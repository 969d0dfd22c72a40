"""`python -m bench soak`: whole sessions with nobody speaking; how often does the coach act on a
command that nobody gave?

Measured live, end to end, through real PortAudio. A private PulseAudio server (``tests/pulse.py``)
is the room: the coach plays into ``coach_out`` and listens to ``room.monitor``, which hears its
own voice through the room-echo loopback, here set to -6 dB (half amplitude, ``ECHO_DB``); nobody
plays anything into ``user_out``. A child process spins (``SPIN``) to load one core (of
the two this machine has). ``coach run ROUTINE --fresh --log FILE`` runs the built-in routines
(scripts/*.toml) one after another, each until it ends by itself or for ``SOAK_SESSION_MINUTES``
(default 8; then SIGTERM), each with its own data dir, with the listening engine ``coach run``
picks by itself (``--engine auto``; the line it prints on stderr is shown) and the default voice
profile, or ``SOAK_VOICE`` (a profile name, passed as ``--voice``).

How much the coach spoke is measured at its speaker: ``coach_out.monitor`` is recorded as it
plays, and every 20 ms block louder than -55 dBFS counts, with pauses of up to 0.5 s between
them (between words and sentences) counted as speech too. (The session log says when a line is
queued, not when it is played or how long it lasts: the intro's lines are all queued at once.)
The soak stops once ``SOAK_MINUTES`` (default 30) of coach speech have gone by; the session then
running is ended at that point.

From each session's log (JSON lines, ``t`` and ``type``): every spoken "heard" record is either
acted on (no ``ignored``; a "command" record follows it), ignored (``ignored`` says why), or the
second stage confirming words already acted on (``confirms``; not counted again). With nobody
speaking, every command acted on is a false trigger (target: 0); each is printed with the line
the coach was saying (``over``) and the echo canceller's figures (``echo_db``).

CPU: the listening child (``python -m coach.listen.process``, found in /proc by its parent and
command line) and the coach process itself are sampled every second (utime + stime from
/proc/PID/stat); their last figures, summed over restarts, are divided by the session's wall time.

Printed: one line per session (routine, minutes of speech, commands acted on, ignored, CPU, output
underruns), the words heard, and the totals: commands acted on per hour of coach speech, the
listening process's average share of one core, and the output underruns (each a stutter in the
coach's voice and a jump in the echo's delay; target 0): the player's own count where the session
log has it ("output underruns: N"), else ALSA's "underrun occurred" lines in the log.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeAlias

import numpy as np

from coach.nativelines import repeated
from coach.speech.base import TONE_ID

ROOT = Path(__file__).resolve().parent.parent


def _pulse_module() -> Any:
    """tests/pulse.py, loaded by its path as bench/speech.py does (the tests folder is no package)."""
    name = "coach_tests_pulse"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "pulse.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


pulse = _pulse_module()
RATE: int = pulse.RATE
PulseServer: TypeAlias = Any   # tests.pulse.PulseServer
#: the coach's own voice in its microphone, relative to what it plays (-6 dB: half amplitude)
ECHO_DB = -6.0
#: a 20 ms block of the speaker's sound louder than this (RMS, int16) is the coach speaking (-55 dBFS;
#: the coach speaks at about -30 dBFS, and between lines its stream plays exact zeros)
SPEAKING_RMS = 32768 * 10 ** (-55 / 20)
#: pauses up to this long between loud blocks count as speech (between words and sentences)
SPEECH_GAP = 0.5
FRAME = RATE // 50   # 20 ms
CLK_TCK = os.sysconf("SC_CLK_TCK")


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    try:
        return float(raw) if raw.strip() else default
    except ValueError:
        print(f"bench: {name}={raw!r} is not a number; using {default}", file=sys.stderr)
        return default


# -- the rig ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def room(echo_db: float = ECHO_DB) -> Iterator[PulseServer]:
    """The private PulseAudio server, with the coach's echo in its microphone at ``echo_db``."""
    with pulse.pulse_server() as pa:
        amplitude = 10 ** (echo_db / 20)
        pa._set_echo_volume(int(65536 * amplitude ** (1 / 3)))   # PulseAudio volumes are cubic
        yield pa


#: the busy child's loop: it spins until its parent is gone, so that a benchmark killed by a signal
#: (no ``finally`` runs then) does not leave it loading the machine for whatever is measured next
#: (seen 2026-12-07: a soak stopped with SIGTERM left its spinner behind, and the next soak ran with
#: both cores busy)
SPIN = "import os\nparent = os.getppid()\nwhile os.getppid() == parent:\n    for _ in range(10 ** 6):\n        pass\n"


@contextlib.contextmanager
def busy_core(on: bool = True) -> Iterator[None]:
    """A child process spinning on one core while the block runs (nothing when ``on`` is false)."""
    if not on:
        yield
        return
    proc = subprocess.Popen([sys.executable, "-c", SPIN])
    try:
        yield
    finally:
        proc.kill()
        proc.wait()


class SpeechMeter:
    """Records a PulseAudio source (``coach_out.monitor``: what the coach plays) in the background
    and measures how long the coach spoke. Keeps the last minute of 20 ms blocks' loudness, with
    the ``time.monotonic()`` at which each block ended, to say whether it spoke at a given moment."""

    def __init__(self, pa: PulseServer, source: str = "coach_out.monitor") -> None:
        self._proc = subprocess.Popen(
            ["parec", "-d", source, "--format=s16le", f"--rate={RATE}", "--channels=1", "--latency-msec=10"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={**os.environ, **pa.env},
        )
        self._lock = threading.Lock()
        self._spoken = 0.0                       # seconds of speech so far
        self._last_loud: float | None = None     # when the last loud block ended
        self.recent: deque[tuple[float, bool]] = deque(maxlen=50 * 60)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        time.sleep(0.15)   # let parec connect

    def _read(self) -> None:
        assert self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        pending = b""
        while chunk := os.read(fd, 4096):
            now = time.monotonic()
            pending += chunk
            blocks = len(pending) // (2 * FRAME)
            if not blocks:
                continue
            x = np.frombuffer(pending[: blocks * 2 * FRAME], np.int16).astype(np.float64).reshape(blocks, FRAME)
            pending = pending[blocks * 2 * FRAME:]
            loud = np.sqrt(np.mean(x**2, axis=1)) > SPEAKING_RMS
            with self._lock:
                for i, on in enumerate(loud):
                    end = now - (blocks - 1 - i) * FRAME / RATE
                    self.recent.append((end, bool(on)))
                    if not on:
                        continue
                    if self._last_loud is not None and end - self._last_loud <= SPEECH_GAP:
                        self._spoken += end - self._last_loud
                    else:
                        self._spoken += FRAME / RATE
                    self._last_loud = end

    def spoken(self) -> float:
        """Seconds the coach has spoken since the meter started."""
        with self._lock:
            return self._spoken

    def marks(self, start: float, end: float) -> list[tuple[float, bool]]:
        """The 20 ms blocks that ended between two ``time.monotonic()`` moments: (end, loud)."""
        with self._lock:
            return [(t, on) for t, on in self.recent if start <= t <= end]

    def share_loud(self, start: float, end: float) -> float:
        """The share of 20 ms blocks between two ``time.monotonic()`` moments in which the coach's
        speaker was loud (0 when none was recorded then)."""
        marks = [on for _t, on in self.marks(start, end)]
        return sum(marks) / len(marks) if marks else 0.0

    def speaking_near(self, start: float, end: float) -> bool:
        """Whether the coach was speaking between two moments: a loud block within ``SPEECH_GAP`` of
        the span, counting pauses between its words."""
        return self.share_loud(start - SPEECH_GAP, end + SPEECH_GAP) > 0

    def stop(self) -> None:
        self._proc.terminate()
        self._proc.wait(timeout=5)
        self._thread.join(timeout=5)


# -- a coach process ---------------------------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state, parent, ...); None: no such process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    except (OSError, IndexError):
        return None


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, in seconds; None when it is gone."""
    fields = _stat(pid)
    return None if fields is None else (int(fields[11]) + int(fields[12])) / CLK_TCK


def listener_pids(parent: int) -> list[int]:
    """The listening processes (``python -m coach.listen.process``) a coach process runs."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        fields = _stat(int(proc.name))
        if fields is None or int(fields[1]) != parent or fields[0] == "Z":
            continue
        try:
            if b"coach.listen.process" in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


class LogWatch:
    """Follows a session log as it is written. Also works out where the log's clock (``t``:
    ``time.monotonic()`` less the moment the coach's clock started) stands on this process's
    ``time.monotonic()`` (the same system-wide clock): each record is seen no sooner than it was
    written, and the file's modification time is no sooner either, so the least of (seen - t) over
    all records is the offset, too late by at most the polling interval or the kernel's tick."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: list[dict[str, Any]] = []
        self._pos = 0
        self._tail = b""
        self.offset = math.inf
        # time.time() - time.monotonic(), to put a file's modification time on the monotonic clock
        self._wall = min((time.time() - time.monotonic() for _ in range(5)), key=abs)

    def poll(self) -> list[dict[str, Any]]:
        """The records written since the last call."""
        try:
            st = self.path.stat()
            if st.st_size <= self._pos:
                return []
            with self.path.open("rb") as f:
                f.seek(self._pos)
                data = f.read(st.st_size - self._pos)   # what the modification time is the time of
        except OSError:
            return []
        seen = time.monotonic()
        self._pos += len(data)
        lines = (self._tail + data).split(b"\n")
        self._tail = lines.pop()
        new = []
        for line in lines:
            with contextlib.suppress(ValueError):
                new.append(json.loads(line))
        if new and not self._tail:
            last = new[-1]["t"]
            self.offset = min(self.offset, seen - last, st.st_mtime_ns / 1e9 - self._wall - last)
        self.records += new
        return new

    def log_time(self, monotonic: float) -> float:
        """A ``time.monotonic()`` moment on the log's clock."""
        return monotonic - self.offset


@dataclass
class Coach:
    """A running ``coach run`` process against the private PulseAudio server, with its log and
    the CPU its listening processes and itself used so far."""

    proc: subprocess.Popen[str]
    folder: Path
    log: LogWatch
    started: float
    cpu_listen: dict[int, float] = field(default_factory=dict)
    cpu_main: float = 0.0
    ended: float | None = None
    _files: list[IO[str]] = field(default_factory=list)

    @classmethod
    def start(cls, pa: PulseServer, folder: Path, routine: str, *more: str) -> Coach:
        return cls.launch(pa, folder, ["run", routine, "--fresh"], list(more))

    @classmethod
    def launch(cls, pa: PulseServer, folder: Path, before: list[str], after: list[str] | None = None,
               data: Path | None = None) -> Coach:
        """``coach BEFORE... --log FOLDER/session.jsonl AFTER...`` (``before`` empty: the menu), with
        ``data`` as its data dir (default ``FOLDER/data``)."""
        folder.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **pa.env, "COACH_DATA": str(data or folder / "data"),
               "COACH_CONFIG": str(folder / "no-user-config.toml"), "NO_COLOR": "1"}
        log = folder / "session.jsonl"
        # to files, not pipes: a full pipe (ALSA's underrun messages add up) would stall the coach
        out = (folder / "stdout.txt").open("w", encoding="utf-8")
        err = (folder / "stderr.txt").open("w", encoding="utf-8")
        proc = subprocess.Popen([sys.executable, "-m", "coach", *before, "--log", str(log), *(after or [])],
                                env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=out, stderr=err, text=True)
        return cls(proc, folder, LogWatch(log), time.monotonic(), _files=[out, err])

    def sample_cpu(self) -> None:
        """Note the CPU used so far (call often: a process's figures go when it ends)."""
        for pid in listener_pids(self.proc.pid):
            if (s := _cpu_seconds(pid)) is not None:
                self.cpu_listen[pid] = s
        if (s := _cpu_seconds(self.proc.pid)) is not None:
            self.cpu_main = s

    def running(self) -> bool:
        if self.proc.poll() is None:
            return True
        if self.ended is None:
            self.ended = time.monotonic()
        return False

    def type(self, line: str) -> None:
        """Type a line (a key or words) into the session."""
        assert self.proc.stdin is not None
        with contextlib.suppress(OSError):
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()

    def finish(self) -> int:
        """End the session (SIGTERM, as Ctrl-C) if it still runs; its exit status."""
        if self.proc.poll() is None:
            self.sample_cpu()
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        if self.ended is None:
            self.ended = time.monotonic()
        with contextlib.suppress(OSError):
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        for f in self._files:
            f.close()
        self.log.poll()
        return code

    def wall(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    def stderr(self) -> str:
        try:
            return (self.folder / "stderr.txt").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def engine(self) -> str:
        """The line the coach printed about its listening engine ("listening with ...")."""
        return next((line.strip() for line in self.stderr().splitlines() if line.startswith("listening with")),
                    "(no 'listening with' line on stderr)")


# -- reading a log -----------------------------------------------------------------------------------


def voice_heard(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The spoken "heard" records. One that was acted on has no ``command`` of its own (the
    "command" record after it has): it is given that one's."""
    out = []
    for i, r in enumerate(records):
        if r["type"] != "heard" or r.get("source") != "voice":
            continue
        if r.get("command") is None and acted_on(r):
            after = records[i + 1] if i + 1 < len(records) and records[i + 1]["type"] == "command" else None
            r = {**r, "command": None if after is None else after["command"]}
        out.append(r)
    return out


def acted_on(record: dict[str, Any]) -> bool:
    """A spoken "heard" record the session acted on (neither ignored nor a later confirmation, nor
    the second stage rejecting a guess; the guess itself counts, even when its pause was undone)."""
    return "ignored" not in record and "confirms" not in record and "rejects" not in record


def describe(record: dict[str, Any], said: dict[int, str]) -> str:
    """One spoken "heard" record, with what became of it and the line it was heard over."""
    if "ignored" in record:
        what = f"ignored ({record['ignored']})"
    elif "confirms" in record:
        what = f"confirms utterance {record['confirms']}"
    elif "rejects" in record:
        what = (f"the second stage rejects utterance {record['rejects']} ({record.get('why')})"
                + ("; its pause undone" if record.get("undone") else ""))
    else:
        what = "ACTED ON" + (" (unconfirmed)" if record.get("confirmed") is False else "")
    text = f"t={record['t']:.1f}  heard {record.get('text')!r} as {record.get('command')}: {what}"
    if "echo_db" in record:
        text += f"; echo_db {record['echo_db']}"
    if record.get("over") == TONE_ID:
        text += "; over an earcon"
    elif "over" in record:
        line = said.get(record["over"], "?")
        text += f"; over line {record['over']}: {line[:70]!r}" + ("..." if len(line) > 70 else "")
    return text


#: the warning the listener logs when it skips audio to catch up (neither stage hears that audio)
BEHIND = re.compile(r"listening fell behind.*skipped (\d+(?:\.\d+)?) s")
#: ... and the one the second stage logs when it skips ahead (the first stage's stop heard it all)
JUDGING_BEHIND = re.compile(r"judging fell behind.*skipped (\d+(?:\.\d+)?) s")


#: the player's own count of output underruns, where a session log has it
OWN_UNDERRUNS = re.compile(r"output underruns: (\d+)")


def underruns(records: list[dict[str, Any]]) -> int:
    """A session's output underruns (each a stutter in the coach's voice): the player's own count
    where the log has it ("output underruns: N"), else ALSA's "underrun occurred" lines among its
    native records (a line that came again carries its count: :func:`coach.nativelines.repeated`)."""
    own = [int(m.group(1)) for r in records if (m := OWN_UNDERRUNS.search(str(r.get("text", ""))))]
    if own:
        return own[-1]
    return sum(repeated(str(r.get("text", "")))[1] for r in records
               if r["type"] == "native" and "underrun occurred" in str(r.get("text", "")))


def summarise(warnings: list[dict[str, Any]]) -> list[str]:
    """A session's warnings: how often listening fell behind and how much audio it skipped, in one
    line; any other warning as it is."""
    lines = []
    found: dict[str, tuple[float, list[float]]] = {"listening": (0.0, []), "judging": (0.0, [])}
    for r in warnings:
        for which, pattern in (("listening", BEHIND), ("judging", JUDGING_BEHIND)):
            if m := pattern.search(r["text"]):
                skipped, times = found[which]
                found[which] = (skipped + float(m.group(1)), [*times, r["t"]])
                break
        else:
            lines.append(f"t={r['t']:.1f}  warning: {r['text']}")
    for which, (skipped, times) in reversed(found.items()):
        if times:
            lines.insert(0, f"{which} fell behind {len(times)} times and skipped {skipped:.0f} s of audio "
                            f"(from t={times[0]:.0f} to t={times[-1]:.0f})")
    return lines


# -- the soak ----------------------------------------------------------------------------------------


@dataclass
class Result:
    routine: str
    wall: float
    speech: float
    acted: int
    ignored: Counter[str]
    listen_cpu: float
    main_cpu: float
    behind: int         # times listening fell behind and skipped audio
    skipped: float      # seconds of audio it skipped
    judge_behind: int = 0       # times the second stage alone fell behind and skipped ahead
    judge_skipped: float = 0.0  # seconds of audio it skipped
    underruns: int = 0          # output underruns: stutters in the coach's voice


def _routines() -> list[str]:
    names = sorted(p.stem for p in (ROOT / "scripts").glob("*.toml"))
    if "tennis-balls" in names:   # the routine the other benchmarks and tests use goes first
        names.remove("tennis-balls")
        names.insert(0, "tennis-balls")
    return names


def _session(pa: PulseServer, meter: SpeechMeter, folder: Path, routine: str, target: float,
             limit: float) -> tuple[Result, Coach, bool]:
    """Run one session until it ends, ``limit`` seconds pass or the soak's ``target`` seconds of
    speech are reached (the last: True)."""
    before = meter.spoken()
    voice = os.environ.get("SOAK_VOICE", "").strip()
    coach = Coach.start(pa, folder, routine, *(["--voice", voice] if voice else []))
    reached = False
    try:
        while coach.running() and coach.wall() < limit:
            coach.sample_cpu()
            coach.log.poll()
            if meter.spoken() >= target:
                reached = True
                break
            time.sleep(1.0)
    finally:
        coach.finish()
    records = coach.log.records
    heard = voice_heard(records)
    skips = [float(m.group(1)) for r in records if r["type"] == "warning" and (m := BEHIND.search(r["text"]))]
    judged = [float(m.group(1)) for r in records
              if r["type"] == "warning" and (m := JUDGING_BEHIND.search(r["text"]))]
    wall = coach.wall()
    result = Result(routine, wall, meter.spoken() - before, sum(1 for r in heard if acted_on(r)),
                    Counter(r["ignored"] for r in heard if "ignored" in r),
                    sum(coach.cpu_listen.values()) / wall, coach.cpu_main / wall, len(skips), sum(skips),
                    len(judged), sum(judged), underruns(records))
    return result, coach, reached


def main() -> None:
    target = 60 * _env_float("SOAK_MINUTES", 30)
    limit = 60 * _env_float("SOAK_SESSION_MINUTES", 8)
    routines = _routines()
    voice = os.environ.get("SOAK_VOICE", "").strip() or "the default"
    print(f"nobody speaking; voice profile {voice}; the coach's echo at {ECHO_DB:.0f} dB; one core kept busy; until "
          f"{target / 60:g} minutes of coach speech; each session at most {limit / 60:g} minutes", flush=True)
    results: list[Result] = []
    engines: set[str] = set()
    tmp = tempfile.mkdtemp(prefix="coach-soak-")   # kept: the logs of any false trigger are worth a look
    with room() as pa, busy_core():
        meter = SpeechMeter(pa)
        try:
            while meter.spoken() < target:
                n = len(results) + 1
                routine = routines[(n - 1) % len(routines)]
                res, coach, reached = _session(pa, meter, Path(tmp) / f"{n:02d}-{routine}", routine, target, limit)
                results.append(res)
                records = coach.log.records
                if (engine := coach.engine()) not in engines:
                    engines.add(engine)
                    print(f"engine: {engine}", flush=True)
                end = next((r for r in records if r["type"] == "ended"), None)
                how = ("the soak's time was up" if reached else
                       "time limit" if end is not None and end.get("reason") == "sigterm" else
                       f"ended: {end.get('reason')}" if end is not None else
                       f"no 'ended' record, exit status {coach.proc.returncode}")
                listeners = len(coach.cpu_listen)
                print(f"{n:>2} {routine:<18} {res.speech / 60:5.1f} min speech of {res.wall / 60:4.1f}  "
                      f"acted on {res.acted}  ignored {sum(res.ignored.values())}  "
                      f"listening {100 * res.listen_cpu:3.0f}% cpu, coach {100 * res.main_cpu:3.0f}%  "
                      f"output underruns {res.underruns}  "
                      f"({how}; {listeners} listening process{'es' if listeners != 1 else ''})", flush=True)
                said = {r["id"]: r["text"] for r in records if r["type"] == "said"}
                for record in voice_heard(records):
                    print(f"     {describe(record, said)}", flush=True)
                for line in summarise([r for r in records if r["type"] == "warning"]):
                    print(f"     {line}", flush=True)
                if res.speech < 1:
                    print(f"     the coach did not speak; its stderr ends: {coach.stderr()[-500:]!r}")
                    print("soak: stopped, since a session that does not speak would never reach the target")
                    break
        finally:
            meter.stop()
    speech = sum(res.speech for res in results)
    wall = sum(res.wall for res in results)
    false_accepts = sum(res.acted for res in results)
    reasons: Counter[str] = Counter()
    for res in results:
        reasons.update(res.ignored)
    listen = sum(res.listen_cpu * res.wall for res in results) / wall if wall else 0.0
    main_cpu = sum(res.main_cpu * res.wall for res in results) / wall if wall else 0.0
    print(f"total: {len(results)} sessions, {speech / 60:.1f} minutes of coach speech in {wall / 60:.1f} minutes")
    print(f"commands acted on with nobody speaking: {false_accepts} (target 0), "
          f"{false_accepts / (speech / 3600) if speech else 0:.1f} per hour of coach speech")
    print(f"heard and ignored: {sum(reasons.values())}"
          + "".join(f"; {reason}: {k}" for reason, k in reasons.most_common()))
    print(f"listening averages {100 * listen:.0f}% of one core (the coach process itself {100 * main_cpu:.0f}%)")
    print(f"listening fell behind {sum(res.behind for res in results)} times and skipped "
          f"{sum(res.skipped for res in results):.0f} s of audio (not listened to at all)")
    print(f"judging (the second stage, in its own thread) fell behind {sum(res.judge_behind for res in results)} "
          f"times and skipped {sum(res.judge_skipped for res in results):.0f} s of audio (the spotter heard it)")
    print(f"output underruns (stutters in the coach's voice): {sum(res.underruns for res in results)} (target 0; "
          f"per session: {', '.join(str(res.underruns) for res in results)})")
    print(f"session logs, stdout and stderr kept in {tmp}")
