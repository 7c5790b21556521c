"""How worker processes are isolated.

Two levels, recorded in every ``results.json``:

* ``bubblewrap`` -- the fork server runs inside a bubblewrap sandbox: no
  network; a read-only view of only the system, Python and the ``workbook``
  package (no chapters, solutions, checks, submissions or output folder);
  read-only ``/tmp`` and ``/dev``; its own PID namespace. Each worker gets a
  PID and mount namespace of its own with a fresh, size-bounded home
  (``WORKER_HOME``) and ``/dev/shm``. Workers drop to the ``nobody`` user
  when the grader runs as root, and keep no capability.
* ``process`` (weaker, when bubblewrap is not installed or when asked for) --
  the same fork server without a sandbox: resource limits, a PID namespace
  per worker where the kernel allows it, a scrubbed environment. The
  student's code can read and write what the grader's user can.

Where bubblewrap is installed (or asked for) but cannot run the grader's
Python, grading stops with an error instead of quietly using ``process``.
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
                "checks or other submissions, read-only /tmp and /dev, a private bounded "
                "home per worker, pid namespace and process/memory limits per worker",
    PROCESS: "process only (weaker): resource limits, pid namespace per worker, scrubbed "
             "environment; no filesystem or network isolation (install bubblewrap for the sandbox)",
}
NOT_INSTALLED_NOTE = ("bubblewrap (bwrap) is not installed: graded with the weaker process "
                      "isolation only (apt-get install bubblewrap for the sandbox)")
# Each sandboxed worker's home and /dev/shm: a tmpfs of its own (memory, so bounded).
WORKER_HOME = "/workbook-home"
HOME_BYTES = 512 << 20
SHM_BYTES = 64 << 20
SERVER_SCRATCH_BYTES = 64 << 20
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc")
GIB = 1 << 30


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 4 * GIB  # memory a worker (with all it starts) may add to the warm image
    processes: int = 64  # tasks (processes and threads) of the worker's user
    file_bytes: int = 256 << 20  # largest file a worker may write
    submission_seconds: float | None = None  # wall budget of one submission (None: default)

    def __post_init__(self):
        for name in ("memory_bytes", "processes", "file_bytes", "submission_seconds"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive")

    def to_dict(self) -> dict:
        return {"memory_bytes": self.memory_bytes, "processes": self.processes,
                "file_bytes": self.file_bytes, "submission_seconds": self.submission_seconds}


class IsolationError(ValueError):
    """The isolation asked for (or expected) cannot work here."""


def bubblewrap_installed() -> bool:
    return shutil.which("bwrap") is not None


@functools.lru_cache(maxsize=None)
def bubblewrap_problem() -> str:
    """Why the sandbox cannot run the grader here ("" when it can): the real
    interpreter, with the same binds, starting a worker's namespaces."""
    if not bubblewrap_installed():
        return "bwrap is not installed (apt-get install bubblewrap)"
    probe = sandboxed_command([sys.executable, "-m", "workbook.grading.forkserver", "--probe"],
                              {"WORKBOOK_SANDBOXED": "1"})
    try:
        done = subprocess.run(probe, capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"the probe did not finish ({error})"
    if done.returncode == 0:
        return ""
    lines = (done.stderr + done.stdout).decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else f"the probe ended with code {done.returncode}"


def bubblewrap_works() -> bool:
    return not bubblewrap_problem()


def choose_isolation(requested: str = "auto") -> str:
    """The level to grade with. ``auto`` falls back to ``process`` only when
    bwrap is not installed (see ``isolation_note``); a sandbox that is
    installed or asked for but does not work is an error, never a fallback."""
    if requested not in ("auto", BUBBLEWRAP, PROCESS):
        raise ValueError(f"isolation must be auto, {BUBBLEWRAP} or {PROCESS}, got {requested!r}")
    if requested == PROCESS:
        return PROCESS
    if requested == "auto" and not bubblewrap_installed():
        return PROCESS
    problem = bubblewrap_problem()
    if problem:
        raise IsolationError(
            f"the bubblewrap sandbox does not work here: {problem}. Fix that, or ask for the "
            "weaker level explicitly with --isolation process")
    return BUBBLEWRAP


def isolation_note(requested: str, level: str) -> str:
    """What to tell the instructor (console and results) about the level chosen."""
    return NOT_INSTALLED_NOTE if requested == "auto" and level == PROCESS else ""


def _reachable(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # e.g. a user site folder in a home the grader's user cannot enter
        return False


def _python_paths() -> list[Path]:
    """What the sandboxed Python needs: its prefixes, site-packages, the package."""
    import workbook

    paths = {Path(sys.base_prefix), Path(sys.prefix), Path(workbook.__file__).resolve().parent}
    paths.update(Path(folder) for folder in [*site.getsitepackages(), site.getusersitepackages()])
    executable = Path(sys.executable)
    paths.add(executable.parent)
    try:
        paths.add(executable.resolve().parent.parent)
    except OSError:
        pass
    system = tuple(Path(p) for p in SYSTEM_PATHS)
    chosen = [p for p in paths if _reachable(p) and not any(p == s or s in p.parents for s in system)]
    # A parent already bound covers its children.
    return sorted(p for p in chosen if not any(q != p and q in p.parents for q in chosen))


@functools.lru_cache(maxsize=None)
def _size_args(size: int) -> tuple[str, ...]:
    """``--size`` (for the next tmpfs) where this bwrap knows it (0.5 and later)."""
    try:
        usage = subprocess.run(["bwrap", "--help"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ()
    return ("--size", str(size)) if "--size" in usage.stdout + usage.stderr else ()


def sandbox_prefix(extra_paths: list[Path]) -> list[str]:
    """The bwrap arguments up to the command."""
    args = ["bwrap"]
    for path in SYSTEM_PATHS:
        args += ["--ro-bind-try", path, path]
    # The sandbox's /tmp first, then what Python needs (a venv or checkout
    # under /tmp must stay visible), then /tmp and /dev made read-only: a
    # worker writes only to its own home (mounted by the fork server).
    # WORKER_HOME is the fork server's own small scratch (torch wants a temp
    # dir); each worker mounts its fresh home over it, so none sees it.
    args += ["--tmpfs", "/tmp", *_size_args(SERVER_SCRATCH_BYTES), "--tmpfs", WORKER_HOME]
    made: set[Path] = {Path("/"), Path("/tmp")}
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
        "--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev", "--remount-ro", "/tmp",
        "--remount-ro", "/",  # the sandbox's root is a tmpfs its user owns when not root
        "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--chdir", "/tmp",
        "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp",
        "--setenv", "TMPDIR", WORKER_HOME,
    ]
    # The fork server needs CAP_SYS_ADMIN for each worker's namespaces (and,
    # as root, what it takes to drop each worker to `nobody`); workers keep none.
    caps = ["CAP_SYS_ADMIN"]
    if os.geteuid() == 0:
        caps += ["CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_CHOWN", "CAP_DAC_OVERRIDE"]
    else:
        args += ["--unshare-user"]
    for cap in caps:
        args += ["--cap-add", cap]
    return args


def sandboxed_command(argv: list[str], env: dict[str, str]) -> list[str]:
    prefix = sandbox_prefix([])
    for key, value in env.items():
        prefix += ["--setenv", key, value]
    return prefix + ["--", *argv]
