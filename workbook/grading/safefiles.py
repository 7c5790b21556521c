"""Grader-side files that a planted symlink cannot redirect.

The grader may run as root next to other users: every file it writes is
created new (``O_EXCL``) and opened without following a link
(``O_NOFOLLOW``), and its scratch folders are private (0700).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

_NEW = os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def private_folder(prefix: str) -> Path:
    """A fresh 0700 folder under the system temp dir (mkdtemp makes it so)."""
    return Path(tempfile.mkdtemp(prefix=prefix))


def create_new(path: Path, mode: int = 0o600, flags: int = os.O_WRONLY) -> int:
    """Open a file that must not exist yet (a link in its place is refused)."""
    return os.open(path, flags | _NEW, mode)


def open_existing(path: Path, flags: int = os.O_RDONLY) -> int:
    """Open a file without following a link in its place."""
    return os.open(path, flags | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))


def write_new(path: Path, data: bytes, mode: int = 0o600) -> None:
    fd = create_new(path, mode)
    os.fchmod(fd, mode)  # exactly this mode, whatever the umask
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def read_bytes(path: Path) -> bytes:
    with os.fdopen(open_existing(path), "rb") as handle:
        return handle.read()


def atomic_write(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data``: a fresh, randomly named temp file in
    the same folder, then a rename (which replaces a link, never follows it)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        write_new(tmp, data, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
