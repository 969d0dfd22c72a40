"""Speech benchmark, for each text-to-speech engine present (espeak-ng, Piper): real-time factor
of synthesis on one core, time to first audio (new and cached utterance) and stop latency while
speaking, measured on a private PulseAudio null sink's monitor (tests/pulse.py); then the
player's own stop latency on a tone."""

from __future__ import annotations

import functools
import importlib.util
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TRIALS = 10
WINDOW = 80          # samples (5 ms) per loudness window
THRESHOLD = 300


def _pulse_module() -> Any:
    spec = importlib.util.spec_from_file_location("coach_tests_pulse", ROOT / "tests" / "pulse.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _first_loud(x: np.ndarray, start: int = 0) -> int | None:
    x = np.abs(x[start:].astype(np.int32))
    idx = np.flatnonzero(x > THRESHOLD)
    return start + int(idx[0]) if len(idx) else None


def _last_loud(x: np.ndarray) -> int | None:
    idx = np.flatnonzero(np.abs(x.astype(np.int32)) > THRESHOLD)
    return int(idx[-1]) if len(idx) else None


def _ms(values: list[float]) -> str:
    if not values:
        return "no data"
    p95 = sorted(values)[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return f"median {statistics.median(values) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, n={len(values)}"


#: sentences for the real-time factor: new text each, as a session's lines are
RTF_LINES = [
    "Lie down on your back and place the two balls under your upper back, one on each side of the spine.",
    "Breathe out slowly and let your weight sink into the balls for about thirty seconds.",
    "Now roll a little higher, toward the shoulder blades, and hold there.",
    "Level three of five. Keep the pressure steady and your breathing slow.",
    "Step four: cross your arms over your chest to open the space between the shoulder blades.",
    "Well done. Roll off to the side, rest for a moment, and notice how your back feels.",
]


def _synths() -> list[tuple[str, Any]]:
    """(engine, synthesiser) for each engine present: espeak-ng through pyttsx3, and Piper's voice
    (the ``natural`` profile) where it is installed. Both at 150 words a minute."""
    from dataclasses import replace

    from coach.speech.synth import Synth, VoiceSettings
    from coach.speech.voices import find_profile, make_synth

    out: list[tuple[str, Any]] = [("espeak-ng", Synth(VoiceSettings(rate=150)))]
    natural = find_profile("natural")
    missing: list[str] = []
    piper = make_synth(replace(natural, rate=150), warn=missing.append)
    if piper.engine == "piper":
        out.append(("piper (joe)", piper))
    else:
        print(f"piper: not measured ({' '.join(missing)})")
    return out


def _rtf(synth: Any) -> str:
    """Real-time factor of synthesis on one core: seconds spent rendering per second of sound,
    each line rendered new."""
    from coach.listen.base import SAMPLE_RATE

    spent = sound = 0.0
    for line in RTF_LINES:
        t = time.perf_counter()
        pcm = synth.render(line)   # each line once: nothing is cached yet
        spent += time.perf_counter() - t
        sound += len(pcm) / SAMPLE_RATE
    return f"{spent / sound:.3f} ({spent:.1f} s for {sound:.0f} s of speech)"


def _stop_trial(pa: Any, done: threading.Event, play: Callable[[], object], wait: float,
                stop: Callable[[], object]) -> tuple[np.ndarray, float, float]:
    """One stop-latency trial: record the sink monitor while ``play`` starts a sound and ``stop``
    cuts it ``wait`` seconds later. The recording, and when play and stop were asked (monotonic)."""
    rec = pa.start_recording("coach_out.monitor")
    time.sleep(0.2)
    done.clear()
    t_play = time.monotonic()
    play()
    time.sleep(wait)
    t_stop = time.monotonic()
    stop()
    done.wait(5)
    time.sleep(0.3)
    return rec.stop(), t_play, t_stop


def _engine(pa: Any, name: str, synth: Any) -> None:
    from coach.listen.base import SAMPLE_RATE
    from coach.speech.player import Player
    from coach.speech.speaker import AudioSpeaker

    rate = SAMPLE_RATE
    synth.render("warm up")   # loads the voice
    print(f"{name}: real-time factor on one core {_rtf(synth)}")
    done = threading.Event()
    speaker = AudioSpeaker(lambda uid, i: done.set(), synth, lambda d: Player(d))
    first: dict[str, list[float]] = {"uncached": [], "cached": []}
    stops: list[float] = []
    try:
        # Time to first audio, including the output latency.
        for trial in range(TRIALS):
            text = f"Press gently into the muscle, number {trial}, and hold"
            for kind in ("uncached", "cached"):
                if kind == "cached":
                    synth.render(text)
                rec = pa.start_recording("coach_out.monitor")
                time.sleep(0.2)
                t0 = time.monotonic()
                done.clear()
                speaker.say(trial * 2 + (kind == "cached"), text)
                done.wait(20)
                t_done = time.monotonic()
                time.sleep(0.2)
                x = rec.stop()
                if _last_loud(x) is None:
                    continue
                # done fires when the last sample left the device (DAC time), so the time from the
                # request to the first sample is (request -> done) minus the utterance's length.
                spoken = len(synth.render(text)) / rate
                first[kind].append(max(0.0, (t_done - t0) - spoken))
        # Stop latency while it speaks: from stop() to silence on the monitor, placed on the
        # monitor's samples by when the line's first sample reached the speaker (Played.started).
        long_line = RTF_LINES[0] + " " + RTF_LINES[1]
        synth.render(long_line)
        for trial in range(TRIALS):
            x, _t_play, t_stop = _stop_trial(pa, done, functools.partial(speaker.say, 1000 + trial, long_line),
                                             1.5 + 0.037 * trial, speaker.stop)
            played = [p for p in speaker.played() if p.id == 1000 + trial]
            start, end = _first_loud(x), _last_loud(x)
            if not played or start is None or end is None:
                continue
            stop_sample = start + (t_stop - played[0].started) * rate
            stops.append(max(0.0, (end - stop_sample) / rate))
    finally:
        speaker.close()
    print(f"{name}: time to first audio, new utterance (synthesis + first block): {_ms(first['uncached'])}")
    print(f"{name}: time to first audio, cached utterance: {_ms(first['cached'])}")
    print(f"{name}: stop latency while speaking (stop() to silence on the sink monitor): {_ms(stops)}")


def main() -> None:
    pulse = _pulse_module()
    if missing := pulse.missing_tools():
        print(f"speech bench skipped: {', '.join(missing)} missing; {pulse.INSTALL_HINT}")
        return
    from coach.listen.base import SAMPLE_RATE
    from coach.speech.player import Player

    rate = SAMPLE_RATE
    with pulse.pulse_server() as pa, pa.apply():
        for name, synth in _synths():
            _engine(pa, name, synth)
        # The player's own stop latency: a steady tone; after stop(), how long until the monitor is
        # silent, measured against the sample position of the stop request.
        tone = (np.sin(np.arange(rate * 5) * 2 * np.pi * 330 / rate) * 8000).astype(np.int16)
        stops: list[float] = []
        player_done = threading.Event()
        player = Player(lambda uid, i: player_done.set())
        try:
            for trial in range(TRIALS):
                x, t_play, t_stop = _stop_trial(pa, player_done, functools.partial(player.play, trial, tone),
                                                0.6 + 0.037 * trial, player.stop)
                start, end = _first_loud(x), _last_loud(x)
                if start is None or end is None:
                    continue
                # the tone started (on the monitor) at `start`, one output latency after t_play;
                # the stop request is t_stop - t_play later on the same clock
                stop_sample = start + (t_stop - t_play) * rate - player.output_latency * rate
                stops.append(max(0.0, (end - stop_sample) / rate))
        finally:
            player.close()
        print(f"player: stop latency of a tone (stop() to silence on the sink monitor): {_ms(stops)}")
        print(f"player output latency reported by PortAudio: {player.output_latency * 1000:.0f} ms; "
              f"block {320 / rate * 1000:.0f} ms")


if __name__ == "__main__":
    main()
