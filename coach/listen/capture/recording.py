"""Recording a session's sound: what the microphone heard and what the coach played, as two WAVs.

``coach run --record-audio DIR`` writes ``DIR/mic.wav`` and ``DIR/played.wav`` (16 kHz mono
16-bit, sample for sample the blocks the listener was given). ``coach listen DIR/mic.wav
--reference DIR/played.wav`` then runs them through the same echo canceller and recogniser, so a
"stop" that went unheard can be looked into afterwards, by you or by whoever you send the files to.

Each file is written beside its name (``.mic.wav.XXXXXX.tmp``) and renamed over it when the
recording closes, so the recording of an earlier session there is replaced whole by this one, not
emptied at the start and lost if this one goes wrong (:class:`coach.private.Replacement`). Each
WAV's header is brought up to date after every block, so even the temporary file of a killed
process is readable (`coach forget` finds it too). A disk that fills up ends the recording (said
once), never the session. A voice is health data: the files are 0600, folders the coach makes
for them 0700, and a link planted at either name is refused, never written through.
"""

from __future__ import annotations

import logging
import os
import wave
from pathlib import Path

import numpy as np

from coach.errors import CoachError
from coach.listen.base import SAMPLE_RATE, Block
from coach.private import Replacement, make_dirs

log = logging.getLogger(__name__)


def _cannot_record(path: Path, problem: str) -> CoachError:
    return CoachError(f"cannot record the session's sound in {path}: {problem}",
                      "give --record-audio a folder you can write to, with no link at mic.wav or played.wav")


def prepare_folder(folder: str | Path) -> Path:
    """Make ``folder`` (and its parents) and check it can be written to; CoachError otherwise."""
    path = Path(folder).expanduser()
    problem = ""
    try:
        make_dirs(path)
    except OSError as e:
        problem = str(e.strerror or e)
    if not problem and not path.is_dir():
        problem = "not a folder"
    if not problem and not os.access(path, os.W_OK):
        problem = "not writable"
    if problem:
        raise _cannot_record(path, problem)
    return path


class AudioRecorder:
    """Writes paired (microphone, played) blocks to ``mic.wav`` and ``played.wav`` in ``folder``.

    Raises :class:`CoachError` (naming the folder and the fix) when the files cannot be created.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = prepare_folder(folder)
        self.failed = False
        self._files: list[Replacement] = []
        self._waves: list[wave.Wave_write] = []
        try:
            self._mic = self._open(self.folder / "mic.wav")
            self._played = self._open(self.folder / "played.wav")
        except OSError as e:
            which = "played.wav" if self._files else "mic.wav"
            for w in self._waves:
                try:
                    w.close()
                except OSError:
                    pass
            self._waves = []
            for f in self._files:   # nothing recorded: the old files stay as they were
                f.discard()
            self._files = []
            raise _cannot_record(self.folder / which, str(e.strerror or e)) from e

    def _open(self, path: Path) -> wave.Wave_write:
        # wave.open(name) would create the file 0644, follow a link at its name and empty the old recording
        f = Replacement(path, refuse_link=True)
        self._files.append(f)
        w = wave.open(f.file, "wb")  # noqa: SIM115 - open for the whole session, closed in close()
        self._waves.append(w)
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        return w

    def write(self, mic: Block, played: Block | None = None) -> None:
        """Add one block of each (silence for ``played`` when nothing was played)."""
        if self.failed:
            return
        mic16 = np.asarray(mic, dtype="<i2")
        out16 = np.zeros(len(mic16), "<i2") if played is None else np.asarray(played, dtype="<i2")
        try:
            # wave patches the header (the data's length) after every write: readable after a kill
            self._mic.writeframes(mic16.tobytes())
            self._played.writeframes(out16.tobytes())
        except OSError as e:
            self.failed = True
            log.warning("recording the session's sound stopped: %s (%s); the session goes on",
                        e.strerror or e, self.folder)

    def close(self) -> None:
        """Finish both files and put each in place of the old (what was recorded is kept, however the
        session ended; a file that cannot be finished leaves the old one as it was)."""
        for w in self._waves:
            try:
                w.close()
            except OSError:
                pass
        self._waves = []
        for f in self._files:   # wave does not close a file it was given
            try:
                f.commit()
            except OSError as e:
                log.warning("the recording %s could not be kept: %s", f.path, e.strerror or e)
        self._files = []
