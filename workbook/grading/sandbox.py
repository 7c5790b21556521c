"""How worker processes are isolated.

Two levels, recorded in every ``results.json``:

* ``bubblewrap`` -- the fork server runs inside a bubblewrap sandbox: no
  network; a read-only view of only the system, Python and the ``workbook``
  package (no chapters, solutions, checks, submissions or output folder); a
  private ``/tmp``; its own PID namespace. Workers drop to the ``nobody``
  user when the grader runs as root, so process limits apply and they cannot
  signal the fork server.
* ``process`` (weaker fallback, when bubblewrap is missing or refused) --
  the same fork server without a sandbox: resource limits, a process group
  of its own, a scrubbed environment. The student's code can read and write
  what the grader's user can.
"""

from __future__ import annotations

import functools
import os
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BUBBLEWRAP = "bubblewrap"
PROCESS = "process"
LEVEL_DESCRIPTIONS = {
    BUBBLEWRAP: "bubblewrap sandbox: no network, read-only system view without solutions, "
                "checks or other submissions, private /tmp, pid/process/memory limits",
    PROCESS: "process only (weaker): resource limits, own process group, scrubbed environment; "
             "no filesystem or network isolation (install bubblewrap for the sandbox)",
}
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc")
GIB = 1 << 30


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 4 * GIB  # address space a worker may add on top of the warm image
    processes: int = 64  # tasks (processes and threads) of the worker's user
    file_bytes: int = 256 << 20  # largest file a worker may write

    def __post_init__(self):
        for name in ("memory_bytes", "processes", "file_bytes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")

    def to_dict(self) -> dict:
        return {"memory_bytes": self.memory_bytes, "processes": self.processes,
                "file_bytes": self.file_bytes}


@functools.lru_cache(maxsize=None)
def bubblewrap_works() -> bool:
    """bwrap exists and can create the namespaces we ask for on this machine."""
    if shutil.which("bwrap") is None:
        return False
    probe = sandbox_prefix([]) + ["--", "/bin/true"] if Path("/bin/true").exists() else None
    if probe is None:
        return False
    try:
        return subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def choose_isolation(requested: str = "auto") -> str:
    if requested not in ("auto", BUBBLEWRAP, PROCESS):
        raise ValueError(f"isolation must be auto, {BUBBLEWRAP} or {PROCESS}, got {requested!r}")
    if requested == PROCESS:
        return PROCESS
    if bubblewrap_works():
        return BUBBLEWRAP
    if requested == BUBBLEWRAP:
        raise RuntimeError("bubblewrap was requested but bwrap is missing or cannot create "
                           "namespaces here (install it: apt-get install bubblewrap)")
    return PROCESS


def _python_paths() -> list[Path]:
    """What the sandboxed Python needs: its prefixes, site-packages, the package."""
    import workbook

    paths = {Path(sys.base_prefix), Path(sys.prefix), Path(workbook.__file__).resolve().parent}
    for folder in [*site.getsitepackages(), site.getusersitepackages()]:
        if Path(folder).is_dir():
            paths.add(Path(folder))
    executable = Path(sys.executable)
    paths.add(executable.parent)
    paths.add(executable.resolve().parent.parent)
    system = tuple(Path(p) for p in SYSTEM_PATHS)
    chosen = [p for p in paths if p.exists() and not any(p == s or s in p.parents for s in system)]
    # A parent already bound covers its children.
    return sorted(p for p in chosen if not any(q != p and q in p.parents for q in chosen))


# The private /tmp is memory: cap what the workers of one fork server can
# keep there at once (each worker's home is removed when it ends).
TMP_BYTES = 1 * GIB


@functools.lru_cache(maxsize=None)
def _tmp_size_args() -> tuple[str, ...]:
    """``--size`` where this bwrap knows it (0.5 and later)."""
    try:
        usage = subprocess.run(["bwrap", "--help"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ()
    return ("--size", str(TMP_BYTES)) if "--size" in usage.stdout + usage.stderr else ()


def sandbox_prefix(extra_paths: list[Path]) -> list[str]:
    """The bwrap arguments up to the command."""
    args = ["bwrap"]
    for path in SYSTEM_PATHS:
        args += ["--ro-bind-try", path, path]
    made: set[Path] = {Path("/")}
    for path in [*_python_paths(), *extra_paths]:
        # Parents are made world-readable (0755) so a worker running as
        # `nobody` can reach e.g. /root/.pyenv without seeing /root.
        for parent in reversed(path.parents):
            if parent not in made and str(parent) not in SYSTEM_PATHS:
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        args += ["--ro-bind", str(path), str(path)]
        made.add(path)
    args += [
        "--proc", "/proc", "--dev", "/dev", *_tmp_size_args(), "--tmpfs", "/tmp",
        "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--chdir", "/tmp",
        "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp",
    ]
    if os.geteuid() == 0:
        # Keep what the fork server needs to drop each worker to `nobody`.
        for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_CHOWN", "CAP_DAC_OVERRIDE"):
            args += ["--cap-add", cap]
    else:
        args += ["--unshare-user"]
    return args


def sandboxed_command(argv: list[str], env: dict[str, str]) -> list[str]:
    prefix = sandbox_prefix([])
    for key, value in env.items():
        prefix += ["--setenv", key, value]
    return prefix + ["--", *argv]
