"""Download files once, verify their checksums, keep them in one cache.

A download goes to a temporary file next to its target and is renamed into
place only after its checksum matched, so an interrupted or corrupt download
never leaves a file the cache would trust.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from workbook.datasets.uncaught import report_uncaught

DATA_ENV_VAR = "WORKBOOK_DATA"
DEFAULT_DATA_DIR = Path("~/.cache/keras-workbook")
CHUNK = 1 << 20


class DatasetUnavailable(RuntimeError):
    """A data set is neither cached nor downloadable right now.

    ``summary`` says what failed in one line (``workbook data download``
    lists one per data set); the message adds what to do about it."""

    def __init__(self, message: str, summary: str | None = None):
        super().__init__(message)
        self.summary = summary or message.splitlines()[0]


@dataclass(frozen=True)
class RemoteFile:
    name: str  # file name in the cache
    urls: tuple[str, ...]  # mirrors, tried in order
    checksum: str
    algorithm: str = "sha256"  # md5, sha1 or sha256, as the publisher gives it


def data_dir() -> Path:
    """The cache folder (``$WORKBOOK_DATA`` or ``~/.cache/keras-workbook``)."""
    return Path(os.environ.get(DATA_ENV_VAR) or DEFAULT_DATA_DIR).expanduser()


def file_checksum(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_cached(remote: RemoteFile, subdir: str) -> bool:
    """Whether the cache holds this file with the right checksum."""
    target = data_dir() / subdir / remote.name
    return target.is_file() and file_checksum(target, remote.algorithm) == remote.checksum


def fetch(remote: RemoteFile, subdir: str, download_hint: str) -> Path:
    """The cached file, downloading and verifying it first if needed.

    ``download_hint`` is the command that prepares this data set; it goes
    into the error message when the download fails.
    """
    folder = data_dir() / subdir
    target = folder / remote.name
    if is_cached(remote, subdir):
        return target
    target.unlink(missing_ok=True)  # a stale or tampered file: fetch it again
    folder.mkdir(parents=True, exist_ok=True)
    failures = []
    for url in remote.urls:
        try:
            _download(url, target, remote)
            return target
        except (urllib.error.URLError, OSError, ValueError) as error:
            failures.append(f"{url}: {getattr(error, 'reason', None) or error}")
    report_uncaught(DatasetUnavailable)  # the message, not 60 lines of TFDS traceback
    raise DatasetUnavailable(
        f"could not download {remote.name}:\n  " + "\n  ".join(failures) + "\n"
        f"The cache is {folder} (set {DATA_ENV_VAR} to use another folder, e.g. one "
        f"your instructor prepared). When you are online, run: {download_hint}\n"
        "To try the chapter without the real data, set WORKBOOK_MOCK_DATA=1 "
        "(generated data; its accuracy figures mean nothing).",
        summary=f"could not download {remote.name} ({'; '.join(failures)})",
    )


def _download(url: str, target: Path, remote: RemoteFile) -> None:
    partial = target.with_name(f".{target.name}.part")
    digest = hashlib.new(remote.algorithm)
    received = 0
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(partial, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            for chunk in iter(lambda: response.read(CHUNK), b""):
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                _progress(remote.name, received, total)
        if digest.hexdigest() != remote.checksum:
            raise ValueError(
                f"checksum mismatch ({remote.algorithm} {digest.hexdigest()}, "
                f"expected {remote.checksum}); the download is corrupt or the file changed"
            )
        os.replace(partial, target)
    finally:
        if partial.exists():
            partial.unlink()
        if received:  # end the progress line
            print(file=sys.stderr)


def _progress(name: str, received: int, total: int) -> None:
    size = f"{received / 1e6:.1f} MB" + (f" of {total / 1e6:.1f} MB" if total else "")
    print(f"\rdownloading {name}: {size}", end="", file=sys.stderr, flush=True)


def clear(subdir: str) -> None:
    shutil.rmtree(data_dir() / subdir, ignore_errors=True)
