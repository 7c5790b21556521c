"""A memory cgroup per worker, so ``--memory-limit`` bounds a worker and
everything it starts together (RLIMIT_AS alone is per process: N processes
could take N times the limit).

The trusted grader makes the cgroup (cgroup v2 ``memory.max`` where the
memory controller is available, else v1 ``memory.limit_in_bytes``) and hands
the fork server an open ``cgroup.procs`` file; the new worker writes ``0``
to it (the kernel moves the writer), before it runs any student code. Where
no memory cgroup can be made (not root, no controller), the weaker bound
applies and is said so in the results: RLIMIT_AS per process, so a worker
tree may use up to ``processes`` times the limit.
"""

from __future__ import annotations

import atexit
import functools
import os
import secrets
import threading
import time
from pathlib import Path

CGROUP_V2 = "cgroup v2 memory.max per worker tree"
CGROUP_V1 = "cgroup v1 memory.limit_in_bytes per worker tree"
RLIMIT_ONLY = ("RLIMIT_AS per process only (no memory cgroup here): a worker tree may use "
               "up to the process limit times the memory limit")


def _mounts() -> list[tuple[str, str, str]]:
    """(mount point, filesystem type, super options) of the cgroup mounts."""
    found = []
    try:
        with open("/proc/self/mountinfo") as mountinfo:
            for line in mountinfo:
                left, _, right = line.partition(" - ")
                fields, tail = left.split(), right.split()
                if len(fields) > 4 and tail and tail[0] in ("cgroup", "cgroup2"):
                    found.append((fields[4], tail[0], tail[2] if len(tail) > 2 else ""))
    except OSError:
        pass
    return found


def _own_paths() -> dict[str, str]:
    """This process's cgroup per hierarchy: "" for v2, else the controller list."""
    paths = {}
    try:
        with open("/proc/self/cgroup") as cgroup:
            for line in cgroup:
                _, controllers, path = line.rstrip("\n").split(":", 2)
                paths[controllers] = path
    except OSError:
        pass
    return paths


def _candidates() -> list[tuple[Path, str]]:
    """Folders under which a worker's memory cgroup could go, best first."""
    own = _own_paths()
    found = []
    for mount, kind, options in _mounts():
        if kind == "cgroup2" and "" in own:
            folder = Path(mount) / own[""].lstrip("/")
            try:
                if "memory" in (folder / "cgroup.subtree_control").read_text().split():
                    found.insert(0, (folder, CGROUP_V2))
            except OSError:
                continue
        elif kind == "cgroup" and "memory" in options.split(","):
            key = next((k for k in own if "memory" in k.split(",")), None)
            if key is not None:
                found.append((Path(mount) / own[key].lstrip("/"), CGROUP_V1))
    return found


@functools.lru_cache(maxsize=None)
def memory_cgroup_kind() -> str:
    """Which bound ``WorkerCgroup`` gives on this machine (tried once)."""
    for folder, kind in _candidates():
        probe = folder / f"workbook-probe-{secrets.token_hex(6)}"
        try:
            probe.mkdir()
        except OSError:
            continue
        try:
            limit = "memory.max" if kind == CGROUP_V2 else "memory.limit_in_bytes"
            (probe / limit).write_text(str(1 << 30))
            (probe / "cgroup.procs").open("w").close()
            _remove(probe)
            return kind
        except OSError:
            _remove(probe)
    return RLIMIT_ONLY


@functools.lru_cache(maxsize=None)
def _folder_for(kind: str) -> Path | None:
    return next((folder for folder, k in _candidates() if k == kind), None)


# Cgroups of ours whose last processes were still going away (a big one
# takes a while to free): retried at each new worker and at exit.
_pending: set[Path] = set()
_pending_lock = threading.Lock()


def _remove(folder: Path, tries: int = 50) -> bool:
    for attempt in range(tries):  # removable only once its last process is gone
        try:
            folder.rmdir()
            return True
        except FileNotFoundError:
            return True
        except OSError:
            if attempt < tries - 1:
                time.sleep(0.02)
    return False


def _retry_pending(tries: int = 1) -> None:
    with _pending_lock:
        for folder in list(_pending):
            if _remove(folder, tries):
                _pending.discard(folder)


atexit.register(_retry_pending, 100)


class WorkerCgroup:
    """One worker's memory cgroup, or nothing where none can be made."""

    def __init__(self, limit_bytes: int):
        self.kind = memory_cgroup_kind()
        self.folder: Path | None = None
        self.procs_fd: int | None = None
        parent = _folder_for(self.kind)
        if parent is None:
            return
        _retry_pending()
        folder = parent / f"workbook-worker-{secrets.token_hex(8)}"
        try:
            folder.mkdir(mode=0o700)
            self.folder = folder
            if self.kind == CGROUP_V2:
                (folder / "memory.max").write_text(str(limit_bytes))
                _write_if_there(folder / "memory.swap.max", "0")
            else:
                (folder / "memory.limit_in_bytes").write_text(str(limit_bytes))
                _write_if_there(folder / "memory.memsw.limit_in_bytes", str(limit_bytes))
            self.procs_fd = os.open(folder / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC)
        except OSError:
            self.remove()
            self.kind = RLIMIT_ONLY

    def oom_killed(self) -> bool:
        """Whether the kernel killed something here for going over the limit."""
        if self.folder is None:
            return False
        name = "memory.events" if self.kind == CGROUP_V2 else "memory.oom_control"
        try:
            for line in (self.folder / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill" and int(value) > 0:
                    return True
        except (OSError, ValueError):
            pass
        return False

    def remove(self) -> None:
        if self.procs_fd is not None:
            os.close(self.procs_fd)
            self.procs_fd = None
        if self.folder is not None:
            if not _remove(self.folder):
                with _pending_lock:
                    _pending.add(self.folder)
            self.folder = None


def _write_if_there(path: Path, text: str) -> None:
    try:
        path.write_text(text)
    except OSError:
        pass  # e.g. no swap accounting: the memory limit still holds
