"""The warm fork server: imports Keras, torch and numpy once, then forks one
worker per request, so a class does not pay the ~5 s import per student.

It runs as ``python -m workbook.grading.forkserver --control-fd N``, inside
the bubblewrap sandbox when available. The trusted grader talks to it over a
Unix seqpacket socket:

* ``spawn`` (with three fds attached: request pipe, answer pipe, output
  file) -- fork a worker that serves the grader's requests on those pipes
  (see ``worker.py``) and prints to that file; answers its pid;
* ``kill`` -- kill that worker, everything it started, and every stray
  descendant (the server is a child subreaper, so double-forked daemons land
  here); answers how the worker ended;
* ``quit``.

No student code ever runs in this process, only in the forked children, which
drop privileges and get resource limits before they read a request.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import shutil
import signal
import socket
import sys
import tempfile
import time

NOBODY = 65534
_PR_SET_PDEATHSIG = 1
_PR_SET_DUMPABLE = 4
_PR_SET_CHILD_SUBREAPER = 36
MAX_MESSAGE = 1 << 16


def _prctl(option: int, value: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the limits below still apply


def _vm_size() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tasks_of_user(uid: int) -> int:
    """Processes and threads of ``uid`` that this process can see."""
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry}/task"))
            except OSError:
                continue
    return count


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def _reap() -> dict[int, int]:
    ended = {}
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return ended
        if pid == 0:
            return ended
        ended[pid] = status


def _describe_status(status: int | None) -> dict:
    if status is None:
        return {"exit_code": None, "signal": None}
    if os.WIFSIGNALED(status):
        return {"exit_code": None, "signal": os.WTERMSIG(status)}
    return {"exit_code": os.WEXITSTATUS(status), "signal": None}


class ForkServer:
    def __init__(self, control: socket.socket):
        self.control = control
        self.workers: dict[int, int | None] = {}  # pid -> exit status once reaped
        self.homes: dict[int, str] = {}  # pid -> the worker's private folder
        self.base_tasks = 0

    def serve(self) -> None:
        import keras  # noqa: F401  -- the point of the server: import once
        import numpy  # noqa: F401
        import torch  # noqa: F401

        import workbook  # noqa: F401
        from workbook.grading import worker  # noqa: F401

        _prctl(_PR_SET_CHILD_SUBREAPER, 1)
        _prctl(_PR_SET_DUMPABLE, 0)
        self._send({"ok": True, "ready": True, "pid": os.getpid(), "uid": os.getuid()})
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(self.control, MAX_MESSAGE, 3)
            except OSError:
                return
            if not data:
                return
            request = json.loads(data)
            op = request.get("op")
            if op == "spawn":
                self._send({"ok": True, "pid": self._spawn(request, fds)})
            elif op == "kill":
                self._send({"ok": True, **self._kill(int(request["pid"]))})
            elif op == "quit":
                self._kill_all()
                self._send({"ok": True})
                return
            else:
                self._send({"ok": False, "error": f"unknown op {op!r}"})
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass

    def _send(self, message: dict) -> None:
        self.control.send(json.dumps(message).encode())

    def _spawn(self, request: dict, fds: list[int]) -> int:
        self._collect()
        reader_fd, writer_fd, output_fd = fds
        limits = request.get("limits", {})
        env = {str(k): str(v) for k, v in request.get("env", {}).items()}
        # A fresh, unguessable home per worker, made here (not from the pid,
        # which a worker can steer): nothing an earlier worker left or
        # prepared can be found or reused by the next one.
        home = tempfile.mkdtemp(prefix="worker-", dir="/tmp") if env.get("WORKBOOK_SANDBOXED") else ""
        pid = os.fork()
        if pid == 0:  # the worker
            try:
                self.control.close()
                os.dup2(output_fd, 1)
                os.dup2(output_fd, 2)
                _become_worker(reader_fd, writer_fd, limits, env, home)
            finally:
                os._exit(70)
        self.workers[pid] = None
        if home:
            self.homes[pid] = home
        return pid

    def _kill(self, pid: int) -> dict:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._sweep()
        self._collect()
        status = self.workers.pop(pid, None)
        if status is None:
            try:
                _, status = os.waitpid(pid, 0)
            except ChildProcessError:
                status = None
        self._remove_home(pid)
        return _describe_status(status)

    def _remove_home(self, pid: int) -> None:
        """Free what the worker wrote (the private /tmp is memory)."""
        home = self.homes.pop(pid, None)
        if home:
            shutil.rmtree(home, ignore_errors=True)

    def _sweep(self) -> None:
        """Kill everything below this server: workers and anything they left."""
        for _ in range(20):
            strays = _descendants(os.getpid())
            if not strays:
                return
            for pid in strays:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.01)
            self._collect()

    def _kill_all(self) -> None:
        self._sweep()
        self._collect()
        for pid in list(self.homes):
            self._remove_home(pid)

    def _collect(self) -> None:
        """Reap ended children, keeping the exit status of our workers."""
        for pid, status in _reap().items():
            if pid in self.workers:
                self.workers[pid] = status


def _become_worker(reader_fd: int, writer_fd: int, limits: dict, env: dict, home: str) -> None:
    os.setsid()
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    home = home or env.get("HOME", "")
    if env.get("WORKBOOK_SANDBOXED"):
        env.update({"HOME": home, "TMPDIR": home, "MPLCONFIGDIR": home,
                    "WORKBOOK_FIGURES": f"{home}/figures"})
        if os.getuid() == 0:
            os.chown(home, NOBODY, NOBODY)
            os.setgroups([])
            os.setresgid(NOBODY, NOBODY, NOBODY)
            os.setresuid(NOBODY, NOBODY, NOBODY)
    if home:
        os.chdir(home)
    _prctl(_PR_SET_DUMPABLE, 0)
    memory = int(limits.get("memory_bytes", 0))
    if memory:
        ceiling = _vm_size() + memory
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    processes = int(limits.get("processes", 0))
    if processes:
        # RLIMIT_NPROC counts every task of the user, machine-wide: start from
        # what the user already runs (the grader measured it outside).
        already = max(tasks_of_user(os.getuid()), int(limits.get("host_tasks", 0))
                      if os.getuid() != NOBODY else 0)
        ceiling = already + processes
        resource.setrlimit(resource.RLIMIT_NPROC, (ceiling, ceiling))
    file_bytes = int(limits.get("file_bytes", 0))
    if file_bytes:
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.environ.clear()
    os.environ.update(env)
    tempfile.tempdir = None  # forget the server's temp dir: use this worker's TMPDIR
    # Student output goes to a log the grader can read (stdout/stderr fds
    # were set up by the server's parent); requests come on the pipes.
    from workbook.grading.worker import serve

    reader = os.fdopen(reader_fd, "rb", buffering=0)
    writer = os.fdopen(writer_fd, "wb")
    serve(reader, writer)
    sys.stdout.flush()
    os._exit(0)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--control-fd", type=int, required=True)
    args = parser.parse_args(argv)
    control = socket.socket(fileno=args.control_fd)
    ForkServer(control).serve()
    os._exit(0)


if __name__ == "__main__":
    main()
