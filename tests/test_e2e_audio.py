"""End to end through real PortAudio: a whole `coach run` process against a private PulseAudio.

The coach plays into the null sink ``coach_out``; a "virtual user" plays spoken commands (rendered
by flite's recorded-voice synthesiser at test time) into ``user_out``; the coach's microphone is ``room.monitor``, which
hears the user and, through a loopback, the coach's own voice (the room echo).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from logtools import process_state, wait_for
from logtools import records as log_records
from pulse import PulseServer, user_speech

from coach.commands import normalise
from coach.listen.listener import read_wav
from coach.nativelines import is_native

# The two tests below were known failures until 2026-11-22. Through PortAudio on this loaded 2-core
# machine the duplex stream underran, and each underrun moved the echo path: for seconds after each
# move the canceller took out only 5-13 dB, and its residue ran into the user's "stop" ("you stop at
# law") or was heard as a command. Two changes ended it. The canceller follows a moving delay and
# keeps its room model (coach/listen/capture/echo.py). And listening runs in its own process
# (coach/listen/process.py): pocketsphinx holds the GIL while it decodes, which had held up the
# sound callback and caused the underruns. With three busy programs loading both cores, each test
# passed 6 runs of 6 (recorded with --record-audio, the echo path stayed where it was first found
# in every stop run; without the child process it moved 6-11 times in 10-20 s). How often "stop" is
# heard the first time is a benchmark figure (`make bench`); the stop test allows four tries.


def _coach(pulse: PulseServer, tmp_path: Path, log: Path, routine: str = "tennis-balls",
           *more: str) -> subprocess.Popen[str]:
    env = {**os.environ, **pulse.env, "COACH_DATA": str(tmp_path / "data"),
           "COACH_CONFIG": str(tmp_path / "none.toml")}
    return subprocess.Popen([sys.executable, "-m", "coach", "run", routine, "--fresh", "--log", str(log), *more],
                            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _finish(proc: subprocess.Popen[str]) -> tuple[str, str]:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    return out, err


def _say_until_paused(pulse: PulseServer, speech: np.ndarray, log: Path, tries: int, wait: float) -> bool:
    """Play ``speech`` into the room up to ``tries`` times, ``wait`` seconds apart, until the session
    log says it paused; whether it did."""
    for _attempt in range(tries):
        pulse.play_into("user_out", speech)
        end = time.monotonic() + wait
        while time.monotonic() < end:
            if any(r["type"] == "paused" for r in log_records(log)):
                return True
            time.sleep(0.05)
    return any(r["type"] == "paused" for r in log_records(log))


def _say_until_it_stays_paused(pulse: PulseServer, speech: np.ndarray, log: Path, tries: int, wait: float,
                               hold: float) -> bool:
    """Like :func:`_say_until_paused`, and then watch ``hold`` seconds: when the pause was undone in
    that time (the second stage rejected the guess that paused it: "Sorry, I thought I heard stop."),
    say it again, within ``tries`` sayings in all. Whether it paused and stayed paused."""
    for _attempt in range(tries):
        pulse.play_into("user_out", speech)
        end = time.monotonic() + wait
        while time.monotonic() < end and not _paused_now(log):
            time.sleep(0.05)
        if _paused_now(log):
            time.sleep(hold)
            if _paused_now(log):
                return True
    return False


def _paused_now(log: Path) -> bool:
    """Whether the session's last pause or resume record is a pause."""
    turns = [r["type"] for r in log_records(log) if r["type"] in ("paused", "resumed")]
    return bool(turns) and turns[-1] == "paused"


def test_stop_while_the_coach_is_speaking_silences_and_pauses(pulse: PulseServer, tmp_path: Path) -> None:
    stop = user_speech(tmp_path, "stop")
    log = tmp_path / "session.jsonl"
    rec = pulse.start_recording("coach_out.monitor")
    # when stop goes unheard, `coach listen sound/mic.wav --reference sound/played.wav` replays it
    proc = _coach(pulse, tmp_path, log, "tennis-balls", "--record-audio", str(tmp_path / "sound"))
    try:
        wait_for(lambda: any(r["type"] == "said" for r in log_records(log)), "the coach to start speaking")
        time.sleep(3.0)   # well inside the intro: the coach is mid-sentence
        # like a person, say it again if it was not heard, or if the pause it made was undone (how
        # often it is heard the first time is a benchmark figure, `make bench`; this test is about
        # what happens once it is heard). The coach answers "Stopped. Say next to continue, or stop
        # again to end." (about 4 s), then must stay silent: the last 2.5 s recorded come after that.
        held = _say_until_it_stays_paused(pulse, stop, log, tries=5, wait=4.0, hold=8.0)
    finally:
        out, err = _finish(proc)
        audio = rec.stop()
    records = log_records(log)
    commands = [r["command"] for r in records if r["type"] == "command"]
    heard = [r for r in records if r["type"] in ("heard", "said", "warning", "paused", "resumed")]
    assert commands[:1] == ["stop"], (commands, heard, err, f"sound recorded in {tmp_path / 'sound'}")
    assert held, ("paused, but never for long: each pause was undone", heard, err)
    heard_at = next(r["t"] for r in records if r["type"] == "command")
    said = [r["text"] for r in records if r["type"] == "said"]
    assert any(s.startswith("Stopped.") for s in said)
    # the intro was cut off: its last line was never finished, and the speaker fell silent
    assert heard_at > 0
    tail = audio[-int(2.5 * 16000):].astype(np.float64)
    assert np.sqrt(np.mean(tail**2)) < 50, ("the coach must be silent while paused", heard, err)
    assert np.sqrt(np.mean(audio.astype(np.float64) ** 2)) > 200, "the coach spoke before the stop"
    # SIGTERM ended it like Ctrl-C: the place is saved
    assert (tmp_path / "data" / "resume.json").exists()
    assert "coach resume" in out


def test_stop_during_a_line_that_itself_says_stop_is_acted_on(pulse: PulseServer, tmp_path: Path) -> None:
    """The coach's first line ends "If anything hurts, say stop." (about 17 s); the user says "stop"
    from 2.5 s into it. That is the user's, not the echo of the coach's own "stop" (seconds later), so
    it pauses the session at once. (Until 2026-11-22 any word of the line being played was taken as
    its echo, so a "stop" during a safety line that mentions stopping was ignored until the line
    ended.)"""
    routine = tmp_path / "stop-line.toml"
    text = (Path(__file__).resolve().parent.parent / "scripts" / "tennis-balls.toml").read_text()
    routine.write_text(text.replace('a little at a time."', "a little at a time. Breathe slowly, let the floor "
                                    "take your weight, and keep your neck long and relaxed on the pillow as you "
                                    'go. If anything hurts, say stop."', 1))
    stop = user_speech(tmp_path, "stop")
    log = tmp_path / "session.jsonl"
    proc = _coach(pulse, tmp_path, log, str(routine), "--record-audio", str(tmp_path / "sound"))
    try:
        wait_for(lambda: any(r["type"] == "said" for r in log_records(log)), "the coach to start speaking")
        time.sleep(2.5)
        # like a person, again if it was not heard: 2.5 to about 12 s into the line, all seconds before
        # its own "stop" (how often "stop" is heard over the coach at once is a benchmark figure)
        _say_until_paused(pulse, stop, log, tries=4, wait=3.0)
    finally:
        _out, err = _finish(proc)
    records = log_records(log)
    heard = [r for r in records if r["type"] == "heard"]
    assert not [r for r in heard if r.get("ignored") == "the coach was saying it"], heard
    commands = [r["command"] for r in records if r["type"] == "command"]
    assert commands[:1] == ["stop"], (commands, heard, err, f"sound recorded in {tmp_path / 'sound'}")
    said = [r for r in records if r["type"] == "said"]
    assert said[0]["text"].endswith("If anything hurts, say stop.")
    assert any(r["text"].startswith("Stopped.") for r in said)


def test_the_coach_does_not_act_on_the_words_it_is_saying(pulse: PulseServer, tmp_path: Path) -> None:
    """Its intro is full of command words ("stop", "pause", "softer", "pain"); hearing them come back
    from the room must not trigger them.

    Other words of the coach's misheard as a command (a "stop" during the title line) cannot be told
    by their words; the echo canceller's figures catch most of them, not all (in 8 recorded intros,
    2 were acted on, each with 14 dB taken out, no more than from a quiet user). Those are counted
    as false accepts in the benchmark (README), not here: a "command" record must not be a word of
    the line it was heard over, and must carry the echo figures that show why it was taken."""
    log = tmp_path / "session.jsonl"
    proc = _coach(pulse, tmp_path, log)
    try:
        # a command acted on (a "stop" pauses the intro for good) ends the wait too; after the full
        # notes (about 80 s) the coach asks whether to keep them short, and waits 10 s for the answer
        wait_for(lambda: any(r["type"] in ("step", "command") for r in log_records(log)), "the intro to finish",
                 180)
    finally:
        _out, err = _finish(proc)
    records = log_records(log)
    lines = {r["id"]: set(normalise(r["text"]).split()) for r in records if r["type"] == "said"}
    # a string, shown whole: what was heard, over which lines (the intro's are all queued at once)
    heard = "\n".join(json.dumps(r) for r in records if r["type"] in ("heard", "said", "command"))
    for before, record in itertools.pairwise(records):
        if record["type"] != "command":
            continue
        assert before["type"] == "heard" and "echo_db" in before, f"{heard}\n{err}"
        words = set(normalise(before["text"]).split())
        assert not words <= lines.get(before.get("over"), set()), f"acted on its own words:\n{heard}\n{err}"


def test_losing_the_sound_server_ends_the_session_and_keeps_the_place(own_pulse: PulseServer, tmp_path: Path) -> None:
    """The sound system dies under a running session: a clear message, exit status 3, log and place kept,
    and the sound recorded so far (``--record-audio``) readable."""
    log = tmp_path / "session.jsonl"
    proc = _coach(own_pulse, tmp_path, log, "tennis-balls", "--record-audio", str(tmp_path / "sound"))
    try:
        wait_for(lambda: any(r["type"] == "said" for r in log_records(log)), "the coach to start speaking")
        time.sleep(1.0)
        own_pulse.crash()
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 3, (proc.returncode, out, err)
    # PortAudio either notices (the device "stopped working") or libpulse deadlocks ("stopped responding")
    assert "coach: the audio" in err and "device stopped" in err and "fix:" in err, err
    assert "Traceback" not in err, err
    # ALSA's PulseAudio plugin complains on descriptor 2 when its server is gone: into the log, not here
    assert not [line for line in (out + err).splitlines() if is_native(line)], (out, err)
    assert "coach resume" in out, out
    records = log_records(log)
    assert records[0]["type"] != "ended" and records[-1]["type"] == "ended", records
    assert records[-1]["reason"] == "audio device lost" and records[-1]["completed"] is False
    point = json.loads((tmp_path / "data" / "resume.json").read_text())
    assert point["routine"] == "tennis-balls" and point["step"] == records[-1]["step"]
    assert log_records(Path(point["log"]))[-1] == records[-1]   # the session's own log is whole too
    mic, played = read_wav(tmp_path / "sound" / "mic.wav"), read_wav(tmp_path / "sound" / "played.wav")
    assert len(mic) == len(played) > 0, (len(mic), len(played))   # how much depends on when the crash lands
    assert np.sqrt(np.mean(played.astype(np.float64) ** 2)) > 200, "the coach's voice is in played.wav"


def _listener_of(pid: int) -> int | None:
    """The pid of the listening process a coach process started, if it runs."""
    for proc in Path("/proc").glob("[0-9]*"):
        state = process_state(int(proc.name))
        if state is None or state[1] != pid or state[0] == "Z":
            continue
        try:
            if b"coach.listen.process" in (proc / "cmdline").read_bytes():
                return int(proc.name)
        except OSError:
            continue
    return None


def test_a_killed_listener_is_restarted_and_then_the_session_stops_with_its_place(
        pulse: PulseServer, tmp_path: Path) -> None:
    """The listening process is killed (the kernel's out-of-memory killer would): started again three
    times, and the fourth time the session ends, its log and place kept, saying why and what to do."""
    log = tmp_path / "session.jsonl"
    proc = _coach(pulse, tmp_path, log, "tennis-balls")
    killed: list[int] = []
    try:
        wait_for(lambda: any(r["type"] == "said" for r in log_records(log)), "the coach to start speaking")
        for _ in range(4):   # killed as soon as it is there, loading or listening
            wait_for(lambda: (pid := _listener_of(proc.pid)) is not None and pid not in killed,
                     "a listening process", 60)
            pid = _listener_of(proc.pid)
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 4, (proc.returncode, out, err)
    # a child killed while it loads its recogniser counts as one restart too
    assert err.count("starting it again") == 3, err
    assert "coach: voice commands no longer work" in err and "exit code -9" in err and "fix:" in err, err
    assert "Traceback" not in err, err
    assert "Session stopped: the coach could no longer listen" in out and "coach resume" in out, out
    records = log_records(log)
    assert records[-1]["type"] == "ended" and records[-1]["reason"] == "listening lost", records[-1]
    point = json.loads((tmp_path / "data" / "resume.json").read_text())
    assert point["routine"] == "tennis-balls" and point["step"] == records[-1]["step"]


def test_without_a_microphone_the_coach_still_speaks_says_so_and_takes_keys(pulse: PulseServer, tmp_path: Path) -> None:
    """The microphone cannot be opened (a wrong --input-device): the session is not dropped to text
    mode while the speaker works. The coach says aloud why it cannot hear and which keys to use,
    speaks the routine, and ends on two presses of x, its place kept (issue 18)."""
    log = tmp_path / "session.jsonl"
    rec = pulse.start_recording("coach_out.monitor")
    proc = _coach(pulse, tmp_path, log, "tennis-balls", "--input-device", "no such microphone")
    try:
        wait_for(lambda: any(r["type"] == "said" for r in log_records(log)), "the coach to start speaking")
        time.sleep(4.0)
        assert proc.stdin is not None
        proc.stdin.write("x\n")
        proc.stdin.flush()
        time.sleep(1.0)
        proc.stdin.write("x\n")
        proc.stdin.flush()
        out, err = proc.communicate(timeout=90)   # the closing words are said first (about 25 s)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        sound = rec.stop()
    assert proc.returncode == 0, (out, err)
    assert "no such microphone" in err and "carrying on without listening" in err, err
    assert "text mode" not in err, err
    records = log_records(log)
    assert any(r["type"] == "cannot_hear" and "microphone" in r["why"] for r in records), records
    said = [r["text"] for r in records if r["type"] == "said"]
    assert said[0].startswith("I cannot hear you this time: the microphone could not be opened.")
    assert "x to stop" in said[0]
    assert "I cannot hear you this time" in out   # the transcript, printed as it is spoken
    assert np.sqrt(np.mean(sound.astype(np.float64) ** 2)) > 100, "the coach spoke into its speaker"
    ended = [r for r in records if r["type"] == "ended"]
    assert len(ended) == 1 and ended[0]["reason"] == "stopped", ended
