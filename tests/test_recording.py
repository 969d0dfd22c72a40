"""Recording a session's sound (``coach run --record-audio DIR``)."""

from __future__ import annotations

import errno
import io
import logging
from pathlib import Path

import numpy as np
import pytest

from coach.cli import main
from coach.listen.capture.recording import AudioRecorder
from coach.listen.listener import read_wav


def test_both_sides_are_written_block_for_block(tmp_path: Path) -> None:
    rec = AudioRecorder(tmp_path / "new" / "folder")
    rng = np.random.default_rng(1)
    mics = [rng.integers(-3000, 3000, 320).astype(np.int16) for _ in range(5)]
    sounds = [rng.integers(-3000, 3000, 320).astype(np.int16) for _ in range(4)]
    played = [*sounds, None]
    for m, p in zip(mics, played, strict=True):
        rec.write(m, p)
    rec.close()
    assert np.array_equal(read_wav(tmp_path / "new" / "folder" / "mic.wav"), np.concatenate(mics))
    out = read_wav(tmp_path / "new" / "folder" / "played.wav")
    assert np.array_equal(out[:1280], np.concatenate(sounds)) and not out[1280:].any() and len(out) == 1600


def test_the_files_are_readable_without_being_closed(tmp_path: Path) -> None:
    """A killed process never closes them: the header is brought up to date after every block (of
    the temporary files, which a killed process leaves beside the names)."""
    rec = AudioRecorder(tmp_path)
    for _ in range(3):
        rec.write(np.full(480, 7, np.int16), np.full(480, 9, np.int16))
    [mic] = tmp_path.glob(".mic.wav.*.tmp")
    [played] = tmp_path.glob(".played.wav.*.tmp")
    assert len(read_wav(mic)) == 1440 and set(read_wav(played)) == {9}
    rec.close()


def test_a_new_recording_replaces_the_old_one_whole_when_it_closes(tmp_path: Path) -> None:
    """Issue 37, point 2: the last session's recording is not emptied when a new one starts; it is
    replaced when the new one is whole (and kept when the new one cannot be started)."""
    old = AudioRecorder(tmp_path)
    old.write(np.full(160, 5, np.int16))
    old.close()
    before = (tmp_path / "mic.wav").read_bytes()
    rec = AudioRecorder(tmp_path)
    rec.write(np.full(320, 6, np.int16))
    assert (tmp_path / "mic.wav").read_bytes() == before   # still the old one, whole
    rec.close()
    assert set(read_wav(tmp_path / "mic.wav")) == {6} and len(read_wav(tmp_path / "mic.wav")) == 320
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mic.wav", "played.wav"]


class FullDisk:
    def writeframes(self, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    def close(self) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_ends_the_recording_once_and_quietly(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rec = AudioRecorder(tmp_path)
    rec._mic = FullDisk()  # type: ignore[assignment]
    with caplog.at_level(logging.WARNING, logger="coach.listen.capture.recording"):
        for _ in range(3):
            rec.write(np.zeros(320, np.int16), None)
        rec.close()
    assert rec.failed
    assert caplog.text.count("recording the session's sound stopped: No space left on device") == 1


def test_a_folder_that_cannot_be_made_is_said_before_the_session(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    status = main(["run", "tennis-balls", "--fresh", "--record-audio", str(blocker / "sub")],
                  out=io.StringIO())
    err = capsys.readouterr().err
    assert status != 0
    assert f"cannot record the session's sound in {blocker / 'sub'}" in err and "folder you can write to" in err


def test_text_mode_has_no_sound_to_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["run", "tennis-balls", "--text", "--fresh", "--record-audio", str(tmp_path / "r")],
                  out=io.StringIO())
    assert status != 0 and "--text has none" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
