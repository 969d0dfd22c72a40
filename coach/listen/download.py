"""`coach models download`: fetch a vosk model, check its checksum, unpack it safely.

This is the only place the coach uses the network, and only when a person asks for it. The model's
URL and MD5 come from the publisher's catalogue (``model-list.json``), or from ``--url`` with
``--sha256``/``--md5`` (a mirror, or a ``file://`` zip fetched on another machine). Nothing is
installed without a checksum.

Everything happens in a hidden work folder inside the target directory; the unpacked model is
renamed into place only once it is complete and verified, so an interrupted or failed download
never leaves a half model that :func:`coach.listen.engines.find_vosk_models` would pick up.
Nothing here prints: progress goes through a ``progress(line)`` callback, one plain line per step.
"""

from __future__ import annotations

import difflib
import hashlib
import http.client
import json
import os
import re
import shutil
import stat
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from coach import __version__
from coach.errors import ModelError
from coach.listen.engines import language_of

INDEX_URL = "https://alphacephei.com/vosk/models/model-list.json"
MODELS_PAGE = "https://alphacephei.com/vosk/models"
TIMEOUT = 30.0                 # seconds without data before a download is given up
OWNER = "owner.pid"   # in a work folder: the process doing the download
CHUNK = 1 << 16
UNKNOWN_SIZE_STEP = 10 << 20   # a progress line every 10 MB when the size is not known

Progress = Callable[[str], None]
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
_HEX = {"md5": 32, "sha256": 64}


@dataclass(frozen=True)
class CatalogueEntry:
    """One model in the publisher's catalogue; fields it lacks are empty or None."""

    name: str
    url: str
    md5: str = ""
    size: int | None = None
    lang: str = ""
    obsolete: bool = False


@dataclass(frozen=True)
class Source:
    """What to fetch and the checksums it must match (at least one)."""

    name: str
    url: str
    checksums: dict[str, str]   # algorithm ("md5", "sha256") -> lower-case hex
    size: int | None = None


@dataclass(frozen=True)
class Installed:
    """The result of :func:`install`."""

    name: str
    path: Path
    language: str               # from the directory name, as the engine chooser reads it; "" if unknown
    already: bool = False       # it was there already and nothing was done


def _quiet(_line: str) -> None:
    """The default progress callback: say nothing."""


def model_name(name: str) -> str:
    """``name`` without a trailing ``.zip``, checked to be a plain directory name."""
    name = name.strip()
    if name.lower().endswith(".zip"):
        name = name[:-4]
    if not _NAME.fullmatch(name):
        raise ModelError(f"'{name}' is not a vosk model name",
                         f"give a name such as vosk-model-small-en-us-0.15 (see {MODELS_PAGE})")
    return name


def check_hex(algorithm: str, value: str) -> str:
    """``value`` in lower case if it is a well-formed ``algorithm`` digest, else a ModelError."""
    value = value.strip().lower()
    if len(value) != _HEX[algorithm] or not re.fullmatch(r"[0-9a-f]+", value):
        raise ModelError(f"--{algorithm} '{value}' is not {_HEX[algorithm]} hexadecimal digits",
                         f"copy the {algorithm} checksum exactly (e.g. from `{algorithm}sum NAME.zip`)")
    return value


def _offline_fix(name: str, dest: Path) -> str:
    return (f"this command needs the internet; download {name}.zip elsewhere (from {MODELS_PAGE}) and pass "
            f"--url file:///path/to/{name}.zip --md5 HEX (the md5 listed in {INDEX_URL}), "
            f"or unpack it into {dest} yourself")


def _open(url: str, what: str, name: str, dest: Path) -> Any:
    """``urlopen(url)``, with every failure turned into a ModelError that names the URL."""
    request = urllib.request.Request(url, headers={"User-Agent": f"coach/{__version__}"})
    try:
        return urllib.request.urlopen(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as e:
        fix = ("the server has a problem; try again later" if e.code >= 500 else
               f"check the model name against {MODELS_PAGE}, or pass --url with a working address")
        raise ModelError(f"could not fetch {what} {url}: HTTP {e.code} {e.reason}", fix) from e
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as e:
        reason = getattr(e, "reason", e)
        if urllib.parse.urlsplit(url).scheme == "file":
            raise ModelError(f"could not read {what} {url}: {reason}",
                             "check the path; a file URL looks like file:///home/me/NAME.zip") from e
        if isinstance(e, ValueError):
            raise ModelError(f"'{url}' is not a URL", "give an http://, https:// or file:/// address") from e
        raise ModelError(f"could not reach {url} for {what}: {reason}", _offline_fix(name, dest)) from e


def parse_catalogue(data: Any) -> list[CatalogueEntry]:
    """The usable entries of a decoded ``model-list.json`` (each needs a name and a url)."""
    if not isinstance(data, list):
        raise ValueError("not a list of models")
    entries = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not isinstance(item.get("url"), str):
            continue
        size = item.get("size")
        md5 = item.get("md5")
        entries.append(CatalogueEntry(
            name=item["name"], url=item["url"],
            md5=md5.strip().lower() if isinstance(md5, str) else "",
            size=size if isinstance(size, int) and size > 0 else None,
            lang=str(item.get("lang") or ""),
            obsolete=str(item.get("obsolete", "false")).lower() == "true"))
    return entries


def fetch_catalogue(index: str, name: str, dest: Path, progress: Progress = _quiet) -> list[CatalogueEntry]:
    """Download and parse the catalogue at ``index``."""
    progress(f"fetching the model list from {index}")
    with _open(index, "the model list", name, dest) as response:
        try:
            raw = response.read()
        except (OSError, http.client.HTTPException) as e:
            raise ModelError(f"the model list {index} broke off: {e}", _offline_fix(name, dest)) from e
    try:
        return parse_catalogue(json.loads(raw))
    except ValueError as e:
        raise ModelError(f"the model list {index} could not be read: {e}",
                         "pass --index with a model-list.json, or --url with --md5/--sha256") from e


def find_entry(entries: list[CatalogueEntry], name: str, index: str) -> CatalogueEntry:
    """The catalogue entry called ``name``; else a ModelError listing close names."""
    by_name = {e.name: e for e in entries}
    if name in by_name:
        return by_name[name]
    close = difflib.get_close_matches(name, list(by_name), n=6, cutoff=0.6)
    if not close:  # a language code or part of a name ("ko", "small-en") still finds something
        close = [n for n in by_name if name.lower() in n.lower()][:6]
    fix = f"did you mean: {', '.join(close)}?" if close else f"see {MODELS_PAGE} for the model names"
    raise ModelError(f"there is no model called '{name}' in {index}", fix)


def resolve(name: str, dest: Path, *, url: str | None = None, sha256: str | None = None, md5: str | None = None,
            index: str = INDEX_URL, progress: Progress = _quiet) -> Source:
    """Where to fetch ``name`` from and which checksums it must match.

    ``url`` with a checksum skips the catalogue; otherwise the catalogue supplies the URL and/or the MD5.
    Checksums given here win over the catalogue's. ``dest`` is only named in error messages.
    """
    given = {k: check_hex(k, v) for k, v in (("sha256", sha256), ("md5", md5)) if v}
    if url and given:
        return Source(name, url, given)
    entry = find_entry(fetch_catalogue(index, name, dest, progress), name, index)
    if entry.obsolete:
        progress(f"note: the catalogue marks {name} as obsolete")
    checksums = given or ({"md5": entry.md5} if re.fullmatch(r"[0-9a-f]{32}", entry.md5) else {})
    if not checksums:
        raise ModelError(f"the model list {index} gives no checksum for {name}, and none was given",
                         "pass --sha256 HEX or --md5 HEX (the publisher's checksum of the zip); "
                         "coach does not install a model it cannot check")
    return Source(name, url or urllib.parse.urljoin(index, entry.url), checksums, None if url else entry.size)


class Steps:
    """Plain progress lines: one at each 10% of ``total``, or every ``step`` bytes when it is unknown."""

    def __init__(self, label: str, total: int | None, progress: Progress, step: int = UNKNOWN_SIZE_STEP) -> None:
        self.label, self.total, self.progress, self.step = label, total, progress, step
        self.done = 0
        self._next = 10 if total else step

    def add(self, n: int) -> None:
        self.done += n
        if self.total:
            percent = self.done * 100 // self.total
            if percent >= self._next:
                tens = min(percent // 10 * 10, 100)
                self.progress(f"{self.label}: {tens}% ({_mb(self.done)} of {_mb(self.total)})")
                self._next = tens + 10
        elif self.done >= self._next:
            self.progress(f"{self.label}: {_mb(self.done)} so far")
            self._next = (self.done // self.step + 1) * self.step


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n < 10e6 else f"{n / 1e6:.0f} MB"


def _disk_error(path: Path, e: OSError) -> ModelError:
    return ModelError(f"could not write {path}: {e.strerror or e}",
                      f"free some disk space in {path.parent}, or choose another place with --dir DIR")


def _check_space(where: Path, needed: int | None, what: str) -> None:
    if needed is None:
        return
    free = shutil.disk_usage(where).free
    if free < needed:
        raise ModelError(f"not enough disk space in {where} for {what}: it needs {_mb(needed)}, "
                         f"{_mb(free)} is free",
                         "free some disk space, or choose another place with --dir DIR")


def download(source: Source, target: Path, dest: Path, progress: Progress = _quiet) -> dict[str, str]:
    """Fetch ``source.url`` into the file ``target``; returns its digests (md5 and sha256, hex)."""
    digests = {"md5": hashlib.md5(usedforsecurity=False), "sha256": hashlib.sha256()}
    with _open(source.url, f"{source.name}.zip", source.name, dest) as response:
        length = response.headers.get("Content-Length") if response.headers else None
        size = int(length) if length and length.isdigit() else source.size
        _check_space(target.parent, size, f"{source.name}.zip")
        progress(f"downloading {source.url}" + (f" ({_mb(size)})" if size else ""))
        steps = Steps("downloaded", size, progress)
        with open(target, "wb") as f:
            while True:
                try:
                    chunk = response.read(CHUNK)
                except (OSError, http.client.HTTPException) as e:
                    raise ModelError(f"the download of {source.url} broke off: {e}",
                                     _offline_fix(source.name, dest)) from e
                if not chunk:
                    break
                try:
                    f.write(chunk)
                except OSError as e:
                    raise _disk_error(target, e) from e
                for h in digests.values():
                    h.update(chunk)
                steps.add(len(chunk))
    if length and length.isdigit() and steps.done != int(length):
        raise ModelError(f"the download of {source.url} is incomplete: {steps.done} of {length} bytes",
                         "try again; if it keeps failing, download the zip another way and pass --url file:///...")
    return {k: h.hexdigest() for k, h in digests.items()}


def verify(source: Source, got: dict[str, str], progress: Progress = _quiet) -> None:
    """Every checksum of ``source`` matches ``got``; else a ModelError saying expected and got."""
    for algorithm, expected in source.checksums.items():
        if got[algorithm] != expected:
            raise ModelError(f"{source.name}.zip from {source.url} does not match its {algorithm} checksum: "
                             f"expected {expected}, got {got[algorithm]}; the download was deleted",
                             "try again (the file may have been damaged on the way); if it keeps failing, check "
                             f"the checksum you gave, or that the URL is the real {source.name}.zip")
        progress(f"{algorithm} checksum matches")


def _unsafe(name: str, member: str, why: str) -> ModelError:
    return ModelError(f"{name}.zip is unsafe to unpack: entry '{member}' {why}; nothing was installed",
                      f"download {name}.zip from {MODELS_PAGE} instead of this copy")


def check_members(zf: zipfile.ZipFile, name: str) -> tuple[str, list[tuple[zipfile.ZipInfo, PurePosixPath]]]:
    """The archive's single top-level folder and its entries, or a ModelError if any entry is unsafe.

    Rejected: absolute paths, drive letters, backslashes, ``..`` components, symlinks and other
    special files, encrypted entries, and anything outside the one top-level folder.
    """
    top = ""
    members: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
    for info in zf.infolist():
        raw = info.filename
        if raw.startswith("/") or "\\" in raw or (":" in raw.split("/")[0]):
            raise _unsafe(name, raw, "has an absolute or non-portable path")
        path = PurePosixPath(raw)
        if ".." in path.parts:
            raise _unsafe(name, raw, "points outside the archive (..)")
        kind = stat.S_IFMT(info.external_attr >> 16)  # 0 when the zip tool recorded no Unix file type
        if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
            raise _unsafe(name, raw, "is a symlink or special file")
        if info.flag_bits & 0x1:
            raise _unsafe(name, raw, "is encrypted")
        parts = [p for p in path.parts if p not in ("", ".")]
        if not parts:
            continue
        top = top or parts[0]
        if parts[0] != top:
            raise _unsafe(name, raw, f"is outside the archive's one top-level folder '{top}'")
        if len(parts) == 1 and not info.is_dir():
            raise _unsafe(name, raw, "is a file at the top level (a model zip holds one folder)")
        members.append((info, PurePosixPath(*parts[1:]) if len(parts) > 1 else PurePosixPath(".")))
    if not top:
        raise ModelError(f"{name}.zip is empty", f"download {name}.zip again from {MODELS_PAGE}")
    return top, members


def extract(zip_path: Path, into: Path, name: str, progress: Progress = _quiet) -> Path:
    """Unpack the zip's one top-level folder into the new folder ``into``; returns ``into``."""
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as e:
        raise ModelError(f"{name}.zip is not a zip archive ({e})",
                         f"download it again; vosk models are published as .zip files at {MODELS_PAGE}") from e
    with zf:
        _top, members = check_members(zf, name)
        total = sum(info.file_size for info, _ in members)
        _check_space(into.parent, total, f"unpacking {name}")
        files = sum(1 for info, _ in members if not info.is_dir())
        progress(f"unpacking {files} files ({_mb(total)})")
        steps = Steps("unpacked", total, progress)
        into.mkdir()
        root = into.resolve()
        for info, rel in members:
            out = into / rel
            if not out.resolve().is_relative_to(root):  # belt and braces after check_members
                raise _unsafe(name, info.filename, "points outside the archive")
            if info.is_dir():
                out.mkdir(parents=True, exist_ok=True)
                continue
            out.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, open(out, "wb") as dst:
                    while chunk := src.read(CHUNK):
                        try:
                            dst.write(chunk)
                        except OSError as e:
                            raise _disk_error(out, e) from e
                        steps.add(len(chunk))
            except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, EOFError, NotImplementedError) as e:
                raise ModelError(f"{name}.zip is damaged at '{info.filename}': {e}",
                                 f"download {name}.zip again from {MODELS_PAGE}") from e
    return into


def is_model_dir(path: Path) -> bool:
    """Whether ``path`` looks like a vosk model directory (``am/final.mdl`` or ``final.mdl``)."""
    return (path / "am" / "final.mdl").is_file() or (path / "final.mdl").is_file()


def _make_dir(dest: Path) -> None:
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ModelError(f"could not create {dest}: {e.strerror or e}",
                         "choose a directory you can write to with --dir DIR") from e


def install(name: str, dest: Path, *, url: str | None = None, sha256: str | None = None, md5: str | None = None,
            index: str = INDEX_URL, force: bool = False, progress: Progress = _quiet) -> Installed:
    """Download, verify and unpack the vosk model ``name`` into ``dest / name``.

    If ``dest / name`` already holds a model, nothing is done unless ``force``. All work happens in a
    hidden folder in ``dest`` that is removed on any failure (including Ctrl-C); the model appears
    under its name only when complete.
    """
    name = model_name(name)
    dest = dest.expanduser()
    target = dest / name
    if target.exists() and not force:
        if is_model_dir(target):
            return Installed(name, target, language_of(target), already=True)
        raise ModelError(f"{target} exists but is not a vosk model (no am/final.mdl)",
                         "pass --force to replace it, or remove it")
    source = resolve(name, dest, url=url, sha256=sha256, md5=md5, index=index, progress=progress)
    _make_dir(dest)
    clean_stale(dest, name, progress)
    try:
        work = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".partial", dir=dest))
        (work / OWNER).write_text(f"{os.getpid()}\n")
    except OSError as e:
        raise _disk_error(dest / f".{name}.partial", e) from e
    try:
        zip_path = work / f"{name}.zip"
        verify(source, download(source, zip_path, dest, progress), progress)
        unpacked = extract(zip_path, work / "unpacked", name, progress)
        zip_path.unlink()
        if not is_model_dir(unpacked):
            raise ModelError(f"{name}.zip from {source.url} does not hold a vosk model (no am/final.mdl)",
                             f"check the URL points to a vosk model zip from {MODELS_PAGE}")
        _swap_in(unpacked, target, work / "old")
    except OSError as e:
        raise _disk_error(work, e) from e
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Installed(name, target, language_of(target))


def _owner_alive(work: Path) -> bool:
    try:
        pid = int((work / OWNER).read_text().strip())
    except (OSError, ValueError):
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)   # PermissionError too means it runs (as another user)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def clean_stale(dest: Path, name: str, progress: Progress = _quiet) -> None:
    """Remove the work folders of earlier downloads of ``name`` whose process was killed.

    A download killed outright (SIGKILL, power cut) cannot clean up after itself. A folder whose
    owner is still running is another download in progress and is left alone. If the kill came
    while a forced download swapped models, the old model is in the folder and put back first.
    """
    for work in sorted(dest.glob(f".{name}.*.partial")):
        if not work.is_dir() or _owner_alive(work):
            continue
        target = dest / name
        old = work / "old"
        if is_model_dir(old) and not (target.exists() or target.is_symlink()):
            try:
                os.rename(old, target)
                progress(f"put back {target}, which an interrupted download had moved aside")
            except OSError:
                continue   # leave it where it is rather than lose it
        shutil.rmtree(work, ignore_errors=True)
        progress(f"removed {work.name}, left by an interrupted download")


def _swap_in(new: Path, target: Path, old: Path) -> None:
    """Rename ``new`` to ``target``; an existing ``target`` is moved to ``old`` first and put back on failure."""
    had_old = target.exists() or target.is_symlink()
    if had_old:
        os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        if had_old:
            os.rename(old, target)
        raise
