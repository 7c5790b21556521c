"""Reading a class folder without trusting it: which entries are submissions,
and each one's bytes at a bounded cost.

Only regular files are read (design.md section 4). A symlink, FIFO, socket,
device or folder named like a submission (``*.ipynb``, ``*.py``) gets a
gradebook row that says why it was not graded; any other entry that is not a
submission (a README, a folder of old files) is named in one console note;
hidden entries (``.ipynb_checkpoints``, the grader's own files) are ignored.
A file is opened with ``O_NOFOLLOW|O_NONBLOCK`` and checked again with
``fstat``, so neither a link swapped in after the listing nor a FIFO can
redirect or stall the grader, and it is never read past its size cap.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from workbook.exercises.cells import NotebookFormatError, display_name
from workbook.grading.safefiles import open_existing

SUBMISSION_SUFFIXES = (".ipynb", ".py")
DEFAULT_MAX_FILE_MB = 20.0
MB = 1_000_000  # --max-file-mb counts decimal megabytes, as file managers do

_KINDS = [(stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"),
          (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")]


def kind_of(mode: int) -> str:
    """``"a symbolic link"``, ``"a FIFO (named pipe)"``, ... for a non-regular mode."""
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def not_regular_reason(path: Path, mode: int) -> str:
    return (f"{display_name(path)} is {kind_of(mode)}, not a regular file; "
            "only regular files are graded")


@dataclass
class Entry:
    """One submission row: a file to read, or why it will not be read."""

    path: Path
    group: Path | None  # the class folder it was found in; None if given directly
    refused: str = ""


@dataclass
class Collected:
    entries: list[Entry] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # for a console note


def collect_submissions(paths: list[Path], exclude: Path | None = None) -> Collected:
    """Files given directly, plus the entries directly inside folders.

    Nothing is opened here, only ``lstat``-ed. ``exclude`` (the output folder)
    is never listed as an entry of a class folder.
    """
    collected = Collected()
    skip = _identity(exclude) if exclude is not None else None
    for path in map(Path, paths):
        try:
            info = path.lstat()
        except FileNotFoundError:
            raise FileNotFoundError(f"no such file or folder: {path}") from None
        if stat.S_ISDIR(info.st_mode) or (stat.S_ISLNK(info.st_mode) and path.is_dir()):
            _collect_folder(path, collected, skip)
        else:  # given by name: always a row, whatever it is
            refused = "" if stat.S_ISREG(info.st_mode) else not_regular_reason(path, info.st_mode)
            collected.entries.append(Entry(path, None, refused))
    return collected


def _identity(path: Path):
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _collect_folder(folder: Path, collected: Collected, skip) -> None:
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        path = Path(entry.path)
        if entry.name.startswith("."):
            continue
        info = entry.stat(follow_symlinks=False)
        if stat.S_ISREG(info.st_mode) and path.suffix in SUBMISSION_SUFFIXES:
            collected.entries.append(Entry(path, folder))
        elif path.suffix in SUBMISSION_SUFFIXES:
            collected.entries.append(Entry(path, folder, not_regular_reason(path, info.st_mode)))
        elif skip is None or (info.st_dev, info.st_ino) != skip:
            what = "" if stat.S_ISREG(info.st_mode) else f" ({kind_of(info.st_mode)})"
            collected.ignored.append(f"{display_name(path)}{what}")


def read_submission_bytes(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; raises
    NotebookFormatError for anything else (a link, a FIFO, a file too large)."""
    name = display_name(path)
    try:
        fd = open_existing(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        if os.path.islink(path):
            raise NotebookFormatError(not_regular_reason(path, stat.S_IFLNK)) from error
        raise NotebookFormatError(f"cannot read {name}: {error.strerror}") from error
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotebookFormatError(not_regular_reason(path, info.st_mode))
        if info.st_size > max_bytes:
            raise too_large(name, info.st_size, max_bytes)
        data = handle.read(max_bytes + 1)  # a file that grew meanwhile is still capped
    if len(data) > max_bytes:
        raise too_large(name, len(data), max_bytes)
    return data


def too_large(name: str, size: int, max_bytes: int) -> NotebookFormatError:
    return NotebookFormatError(
        f"{name} is {size / MB:.1f} MB (at most {max_bytes / MB:g} MB); clear the "
        "notebook's outputs (Edit > Clear Outputs of All Cells) and save it again"
    )
