"""A full disk under a running session: the session goes on, says so once, and loses nothing it had kept.

The full disk is real: a 256 KiB tmpfs mounted in a private mount namespace (``unshare``), filled
with ``dd`` while the coach runs on it; and /dev/full, on which every write fails with ENOSPC.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from logtools import coach_env
from logtools import records as log_records

COACH = [sys.executable, "-m", "coach"]

INNER = r"""
set -u
exec 3<&0
mount -t tmpfs -o size=256k tmpfs "$D" || exit 97
mkdir -p "$D/data"
cp "$OUT/profile.json" "$D/data/profile.json"
"$@" <&3 >"$OUT/stdout" 2>"$OUT/stderr" &
pid=$!
n=0
until grep -q '"type": "step", "index": 1' "$D/session.jsonl" 2>/dev/null; do
  sleep 0.05; n=$((n+1)); [ $n -gt 1200 ] && { kill -9 $pid; exit 98; }
done
cp "$D/data/resume.json" "$OUT/resume-before.json"
dd if=/dev/zero of="$D/fill" bs=4k 2>/dev/null
n=0
until grep -q "could not save the resume point" "$OUT/stderr" && grep -q "log could not be written" "$OUT/stderr"; do
  sleep 0.05; n=$((n+1)); [ $n -gt 1200 ] && { kill -9 $pid; exit 99; }
done
kill -9 $pid
wait $pid
cp -r "$D/data" "$OUT/data"; cp "$D/session.jsonl" "$OUT/session.jsonl"
exit 0
"""


def _unshare() -> list[str]:
    """A command prefix that gives a private mount namespace in which we may mount, or skip."""
    for prefix in (["unshare", "-m"], ["unshare", "-rm"]):
        if shutil.which("unshare") is None:
            break
        r = subprocess.run([*prefix, "sh", "-c", "mount -t tmpfs tmpfs /mnt"], capture_output=True, check=False)
        if r.returncode == 0:
            return prefix
    pytest.skip("mounting a small tmpfs needs root or unprivileged user namespaces (unshare -rm); neither is here")


def test_disk_filling_mid_session_keeps_the_last_resume_point_and_the_log(tmp_path: Path) -> None:
    prefix = _unshare()
    mnt, out = tmp_path / "mnt", tmp_path / "out"
    mnt.mkdir()
    out.mkdir()
    profile = {"levels": {"neck": 2}}
    (out / "profile.json").write_text(json.dumps(profile))
    env = coach_env(tmp_path) | {"D": str(mnt), "OUT": str(out), "COACH_DATA": str(mnt / "data")}
    cmd = [*prefix, "sh", "-c", INNER, "inner", *COACH, "run", "tennis-balls", "--text", "--fresh", "--speed", "40",
           "--log", str(mnt / "session.jsonl")]
    with subprocess.Popen(cmd, stdin=subprocess.PIPE, env=env, text=True) as p:
        assert p.stdin is not None
        p.stdin.write("h\n")
        p.stdin.flush()
        assert p.wait(timeout=180) == 0, (out / "stderr").read_text() if (out / "stderr").exists() else ""
    err = (out / "stderr").read_text()
    assert err.count("the session log could not be written") == 1, err
    assert "No space left on device" in err and "the session goes on" in err
    # what was kept before the disk filled is intact: the last resume point, the profile, the log so far
    before = json.loads((out / "resume-before.json").read_text())
    after = json.loads((out / "data" / "resume.json").read_text())
    assert after == before and after["points"]["tennis-balls"]["step"] >= 1   # one point per routine
    after = after["points"]["tennis-balls"]
    assert json.loads((out / "data" / "profile.json").read_text()) == profile
    assert not [p.name for p in (out / "data").iterdir() if p.name.endswith(".tmp")], "no half-written files"
    records = log_records(out / "session.jsonl")
    assert any(r["type"] == "step" and r["index"] == 1 for r in records)
    lines = (out / "session.jsonl").read_text().splitlines()
    assert all(json.loads(line) for line in lines[:-1]), "only the last line may be torn"
    # with room again, the session resumes where the last saved point says
    data = tmp_path / "data"
    shutil.copytree(out / "data", data)
    r = subprocess.run([*COACH, "resume", "--text", "--speed", "500", "--log", str(tmp_path / "second.jsonl")],
                       input="", capture_output=True, text=True, env=coach_env(tmp_path), timeout=120)
    assert r.returncode == 0, r.stderr
    started = [x for x in log_records(tmp_path / "second.jsonl") if x["type"] == "started"][0]
    assert (started["step"], started["level"]) == (after["step"], after["level"])


def test_a_log_on_a_full_device_warns_once_and_the_session_completes(tmp_path: Path) -> None:
    r = subprocess.run([*COACH, "run", "tennis-balls", "--text", "--fresh", "--speed", "500", "--log", "/dev/full"],
                       input="h\n", capture_output=True, text=True, env=coach_env(tmp_path), timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("the session log could not be written") == 1
    assert "No space left on device" in r.stderr
    assert "That is the end of" in r.stdout
