"""The warm fork server: imports Keras, torch and numpy once, then forks one
worker per request, so a class does not pay the ~5 s import per student.

It runs as ``python -m workbook.grading.forkserver --control-fd N``, inside
the bubblewrap sandbox when available. The trusted grader talks to it over a
Unix seqpacket socket:

* ``spawn`` (with three fds attached: request pipe, answer pipe, output
  file, and optionally a fourth: the ``cgroup.procs`` file of the worker's
  memory cgroup) -- fork a worker that serves the grader's requests on those
  pipes (see ``worker.py``) and prints to that file; answers its pid;
* ``kill`` -- kill that worker and everything it started; answers how the
  worker ended and whether it had ended before it was killed;
* ``quit``.

Every worker is PID 1 of a PID namespace of its own (its parent, outside
the namespace, ends the way the worker ended): when it dies the kernel kills
everything it started, and nothing it started can see or signal another
worker. A sweep of this server's descendants stays as a backstop.
In the sandbox each worker also gets a mount namespace of its own with a
fresh, size-bounded home and ``/dev/shm``.

No student code ever runs in this process, only in the forked children, which
drop privileges and get resource limits before they read a request.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import signal
import socket
import sys
import tempfile
import time

from workbook.grading.sandbox import HOME_BYTES, SHM_BYTES, WORKER_HOME

NOBODY = 65534
_PR_SET_PDEATHSIG = 1
_PR_SET_DUMPABLE = 4
_PR_CAPBSET_DROP = 24
_PR_SET_CHILD_SUBREAPER = 36
_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x10000000, 0x20000000
_MS_NOSUID, _MS_NODEV, _MS_REC, _MS_PRIVATE = 2, 4, 1 << 14, 1 << 18
_CAP_SYS_ADMIN = 21
MAX_MESSAGE = 1 << 16
_LIBC = ctypes.CDLL(None, use_errno=True)


def _prctl(option: int, value: int, arg: int = 0) -> int:
    try:
        return _LIBC.prctl(option, value, arg, 0, 0)
    except (OSError, AttributeError):
        return -1  # not Linux: the limits below still apply


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def unshare(flags: int) -> None:
    _check(_LIBC.unshare(flags), "unshare")


def fork_into_pid_namespace() -> int:
    """Fork a child that is PID 1 of a new PID namespace; returns its pid in
    the parent (0 in the child). The caller must be a process that never
    forks again otherwise: after the unshare, all its children go there."""
    unshare(CLONE_NEWPID)
    return os.fork()


def _mirror(worker: int) -> None:
    """The worker's parent outside its namespace: end the way it ended, so
    the fork server sees the worker's own exit status."""
    _, status = os.waitpid(worker, 0)
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number != signal.SIGKILL:  # SIGKILL has no handler to reset
            signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 70)


def pid_namespaces_work() -> bool:
    """Whether a child of this process can give its own child a PID namespace."""
    pid = os.fork()
    if pid == 0:
        try:
            child = fork_into_pid_namespace()
            if child == 0:
                os._exit(0)
            _, status = os.waitpid(child, 0)
            os._exit(0 if status == 0 else 1)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return status == 0


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    encode = lambda text: None if text is None else text.encode()  # noqa: E731
    _check(_LIBC.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags),
                       encode(data)), f"mount {target}")


def has_sys_admin() -> bool:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("CapEff:"):
                    return bool(int(line.split()[1], 16) >> _CAP_SYS_ADMIN & 1)
    except OSError:
        pass
    return False


def enter_user_namespace() -> None:
    """Become root of a user namespace of our own (same uid and gid outside),
    so a grader that is not root can still give each worker a PID namespace.
    Must run while the process has one thread (before importing torch)."""
    uid, gid = os.geteuid(), os.getegid()
    unshare(CLONE_NEWUSER)
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                       ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as handle:
            handle.write(text)


def _drop_capabilities() -> None:
    """Leave the worker no capability at all, whatever user it runs as."""
    for cap in range(64):
        _prctl(_PR_CAPBSET_DROP, cap)
    _prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()
    _check(_LIBC.capset(header, data), "capset")


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


def _descendants(*roots: int) -> list[int]:
    parents = _parents()
    found, frontier = [], list(roots)
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process this one can see."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            # Bytes: a process name is whatever its owner wrote to comm.
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    return parents


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
        self.pid_namespaces = False

    def serve(self) -> None:
        import keras  # noqa: F401  -- the point of the server: import once
        import numpy  # noqa: F401
        import torch  # noqa: F401

        import workbook  # noqa: F401
        from workbook.grading import worker  # noqa: F401

        _prctl(_PR_SET_CHILD_SUBREAPER, 1)
        _prctl(_PR_SET_DUMPABLE, 0)
        self.pid_namespaces = pid_namespaces_work()  # the grader records it with the limits
        self._send({"ok": True, "ready": True, "pid": os.getpid(), "uid": os.getuid(),
                    "pid_namespaces": self.pid_namespaces})
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(self.control, MAX_MESSAGE, 4)
            except OSError:
                return
            if not data:
                return
            request = json.loads(data)
            op = request.get("op")
            if op == "spawn":
                self._send({"ok": True, "pid": self._spawn(request, fds)})
            elif op == "kill":
                self._send({"ok": True, **self._kill(int(request["pid"]),
                                                     bool(request.get("ended")))})
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
        reader_fd, writer_fd, output_fd = fds[:3]
        cgroup_fd = fds[3] if len(fds) > 3 else None
        limits = request.get("limits", {})
        env = {str(k): str(v) for k, v in request.get("env", {}).items()}
        pid = os.fork()
        if pid == 0:  # the worker (or, with PID namespaces, its parent outside)
            try:
                self.control.close()
                _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
                if cgroup_fd is not None:
                    os.write(cgroup_fd, b"0")  # "0": move this process (and all it starts)
                    os.close(cgroup_fd)
                if self.pid_namespaces:
                    # Unshared here, not in the server: a process in a nested
                    # user namespace cannot go back to its own PID namespace.
                    worker = fork_into_pid_namespace()
                    if worker:
                        for fd in (reader_fd, writer_fd, output_fd):
                            os.close(fd)
                        _mirror(worker)
                os.dup2(output_fd, 1)
                os.dup2(output_fd, 2)
                if env.get("WORKBOOK_SANDBOXED"):
                    _private_mounts()
                _become_worker(reader_fd, writer_fd, limits, env)
            except BaseException as error:
                os.write(2, f"the worker could not start: {error}\n".encode(errors="replace"))
            finally:
                os._exit(70)
        self.workers[pid] = None
        return pid

    def _kill(self, pid: int, ended: bool = False) -> dict:
        """``ended``: the grader saw the worker go; give its parent outside
        the namespace a moment to end the same way before it is killed."""
        self._collect()
        for _ in range(100 if ended else 0):
            if self.workers.get(pid) is not None:
                break
            time.sleep(0.01)
            self._collect()
        ended_before = self.workers.get(pid) is not None
        # The worker's parent (or the worker): when PID 1 of a namespace
        # ends, the kernel ends everything in it.
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self._sweep(pid)
        self._collect()
        status = self.workers.pop(pid, None)
        if status is None:
            try:
                _, status = os.waitpid(pid, 0)
            except ChildProcessError:
                status = None
        return {**_describe_status(status), "ended_before_kill": ended_before}

    def _sweep(self, worker: int | None = None) -> None:
        """The backstop to the PID namespaces: kill what is below ``worker``
        and every orphan handed to this server (a child that is no live
        worker); with no ``worker``, everything below this server."""
        for _ in range(20):
            if worker is None:
                strays = _descendants(os.getpid())
            else:
                live = {pid for pid, status in self.workers.items() if status is None} - {worker}
                orphans = [pid for pid, ppid in _parents().items()
                           if ppid == os.getpid() and pid not in live]
                strays = [*orphans, *_descendants(worker, *orphans)]
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

    def _collect(self) -> None:
        """Reap ended children, keeping the exit status of our workers."""
        for pid, status in _reap().items():
            if pid in self.workers:
                self.workers[pid] = status


def _private_mounts() -> None:
    """A mount namespace of the worker's own: a fresh home and /dev/shm, each
    a size-bounded tmpfs that vanishes with the worker (the rest of /tmp and
    /dev are read-only in the sandbox)."""
    unshare(CLONE_NEWNS)
    _mount("none", "/", None, _MS_REC | _MS_PRIVATE, None)
    owner = f",uid={NOBODY},gid={NOBODY}" if os.getuid() == 0 else ""
    _mount("tmpfs", WORKER_HOME, "tmpfs", _MS_NOSUID | _MS_NODEV,
           f"size={HOME_BYTES},mode=0700{owner}")
    _mount("tmpfs", "/dev/shm", "tmpfs", _MS_NOSUID | _MS_NODEV,
           f"size={SHM_BYTES},mode=1777")


def _become_worker(reader_fd: int, writer_fd: int, limits: dict, env: dict) -> None:
    os.setsid()
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    if env.get("WORKBOOK_SANDBOXED"):
        env["HOME"] = WORKER_HOME
        if os.getuid() == 0:
            os.setgroups([])
            os.setresgid(NOBODY, NOBODY, NOBODY)
            os.setresuid(NOBODY, NOBODY, NOBODY)
    home = env.get("HOME", "")
    env.update({"HOME": home, "TMPDIR": home, "MPLCONFIGDIR": home,
                "WORKBOOK_FIGURES": f"{home}/figures"})
    _drop_capabilities()
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


def probe() -> int:
    """Make what a sandboxed worker gets (PID and mount namespaces, its home,
    no capabilities) in a child; 0 when that works, else say why on stderr."""
    if not pid_namespaces_work():
        print("cannot make a PID namespace per worker", file=sys.stderr)
        return 1
    pid = os.fork()
    if pid == 0:
        try:
            unshare(CLONE_NEWPID)
            _private_mounts()
            _drop_capabilities()
            os._exit(0)
        except BaseException as error:
            print(f"cannot prepare a worker's home ({error})", file=sys.stderr, flush=True)
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return 0 if status == 0 else 1


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--control-fd", type=int)
    parser.add_argument("--probe", action="store_true",
                        help="check that a worker's namespaces can be made here, then exit")
    args = parser.parse_args(argv)
    if not has_sys_admin():
        try:
            # Needs a single thread: OMP_NUM_THREADS=1 (session.WORKER_ENV)
            # keeps numpy's import from starting any.
            enter_user_namespace()
        except OSError:
            pass  # no user namespaces here: the server reports it has no PID namespaces
    if args.probe:
        sys.exit(probe())
    if args.control_fd is None:
        parser.error("--control-fd is required")
    control = socket.socket(fileno=args.control_fd)
    ForkServer(control).serve()
    os._exit(0)


if __name__ == "__main__":
    main()
