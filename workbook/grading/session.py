"""Trusted side of the workers: a warm fork server per job slot, and one
worker session per submission on top of it.

The grader never trusts what a worker says beyond plain data, enforces every
deadline itself, and has the fork server kill a worker (and everything it
started) as soon as it misbehaves or is done.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time

from workbook.grading import safefiles
from workbook.grading.cgroups import RLIMIT_ONLY, WorkerCgroup, memory_cgroup_kind
from workbook.grading.evaluate import WorkerLost
from workbook.grading.forkserver import tasks_of_user
from workbook.grading.sandbox import BUBBLEWRAP, Limits, choose_isolation, sandboxed_command
from workbook.grading.wire import read_message, write_message

STARTUP_TIMEOUT_S = 240.0
CONTROL_TIMEOUT_S = 30.0
# Signals a worker gives itself (faults, abort, its file limit): any other
# death it did not choose (a SIGKILL without an out-of-memory record, a
# SIGTERM) came from outside, and the verdict is not kept in the cache.
SELF_INFLICTED = {signal.SIGSEGV, signal.SIGBUS, signal.SIGFPE, signal.SIGILL, signal.SIGABRT,
                  signal.SIGXFSZ, signal.SIGXCPU, signal.SIGSYS, signal.SIGTRAP, signal.SIGPIPE}
OUTPUT_TAIL_BYTES = 4000
WORKER_ENV = {
    "KERAS_BACKEND": "torch",
    "WORKBOOK_PROFILE": "tiny",
    "MPLBACKEND": "Agg",
    "PYTHONUNBUFFERED": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    "OMP_NUM_THREADS": "1",
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
}


class ServerFailed(RuntimeError):
    pass


def verdict_settings(limits: Limits) -> dict:
    """What of the grader's settings can change a verdict (for the cache key)."""
    return {"limits": limits.to_dict(), "memory_scope": memory_cgroup_kind()}


class ForkServerHandle:
    """One warm fork server (sandboxed or not) and its control socket."""

    def __init__(self, isolation: str = "auto", limits: Limits | None = None):
        self.isolation = choose_isolation(isolation)
        self.limits = limits or Limits()
        self.process: subprocess.Popen | None = None
        self.control: socket.socket | None = None
        self.lock = threading.Lock()
        self.scratch = safefiles.private_folder("workbook-server-")
        self.startup_seconds = 0.0
        self.pid_namespaces = False
        self.memory_scope = memory_cgroup_kind()
        self.retired = False  # stopped for good (Ctrl-C): never restarted

    def limits_record(self) -> dict:
        """The limits as enforced here, for results.json."""
        return {**self.limits.to_dict(), "memory_scope": self.memory_scope,
                "pid_namespace_per_worker": self.pid_namespaces}

    @property
    def sandboxed(self) -> bool:
        return self.isolation == BUBBLEWRAP

    def start(self) -> float:
        """Launch and wait until it has imported Keras; returns the seconds taken."""
        self.launch()
        return self.wait_ready()

    def launch(self) -> None:
        """Start the process without waiting for it.

        bwrap's --die-with-parent follows the *thread* that launched it, so
        launch from a thread that outlives the grading (the main thread).
        """
        self.close()
        self._launched = time.monotonic()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        argv = [sys.executable, "-m", "workbook.grading.forkserver",
                "--control-fd", str(theirs.fileno())]
        env = dict(WORKER_ENV)
        if self.sandboxed:
            command, popen_env = sandboxed_command(argv, env), {"PATH": "/usr/bin:/bin"}
        else:
            command = argv
            popen_env = {**env, "HOME": str(self.scratch), "PATH": os.environ.get("PATH", "")}
            for key in ("PYTHONPATH", "VIRTUAL_ENV"):
                if key in os.environ:
                    popen_env[key] = os.environ[key]
        log = os.fdopen(self._new_log(), "ab")
        try:
            self.process = subprocess.Popen(
                command, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, env=popen_env,
                cwd=self.scratch, start_new_session=True,
            )
        finally:
            log.close()
            theirs.close()
        self.control = ours

    def _new_log(self) -> int:
        path = self.scratch / "server.log"
        try:
            path.unlink()  # a restart starts a fresh log
        except FileNotFoundError:
            pass
        return safefiles.create_new(path)

    def wait_ready(self) -> float:
        answer = self._receive(STARTUP_TIMEOUT_S)
        if not answer.get("ready"):
            raise ServerFailed(f"the fork server did not start: {answer}")
        self.pid_namespaces = bool(answer.get("pid_namespaces"))
        self.startup_seconds = time.monotonic() - self._launched
        return self.startup_seconds

    def _receive(self, timeout: float) -> dict:
        assert self.control is not None
        ready, _, _ = select.select([self.control], [], [], timeout)
        data = self.control.recv(65536) if ready else b""
        if not data:
            try:
                log = safefiles.read_bytes(self.scratch / "server.log")
            except OSError:
                log = b""
            tail = log[-2000:].decode("utf-8", "replace")
            self.close()
            raise ServerFailed(f"the fork server stopped answering. Its log ends:\n{tail}")
        return json.loads(data)

    def _ask(self, message: dict, fds: list[int] = ()) -> dict:
        with self.lock:
            if self.retired:
                raise ServerFailed("the grading was stopped")
            if self.process is None or self.process.poll() is not None:
                self.start()
            try:
                socket.send_fds(self.control, [json.dumps(message).encode()], list(fds))
            except OSError as error:
                self.close()
                raise ServerFailed(f"the fork server is gone ({error})") from None
            return self._receive(CONTROL_TIMEOUT_S)

    def spawn(self, reader_fd: int, writer_fd: int, output_fd: int, home: str,
              cgroup_fd: int | None = None) -> int:
        env = dict(WORKER_ENV)
        if self.sandboxed:
            env["WORKBOOK_SANDBOXED"] = "1"
        else:
            env.update({"HOME": home, "TMPDIR": home, "MPLCONFIGDIR": home,
                        "WORKBOOK_FIGURES": f"{home}/figures"})
        limits = {**self.limits.to_dict(), "host_tasks": tasks_of_user(os.getuid())}
        fds = [reader_fd, writer_fd, output_fd] + ([cgroup_fd] if cgroup_fd is not None else [])
        answer = self._ask({"op": "spawn", "env": env, "limits": limits}, fds)
        return int(answer["pid"])

    def kill(self, pid: int, ended: bool = False) -> dict:
        try:
            return self._ask({"op": "kill", "pid": pid, "ended": ended})
        except ServerFailed:
            return {"exit_code": None, "signal": None}

    def close(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            process.wait()
        if self.control is not None:
            self.control.close()
            self.control = None

    def retire(self) -> None:
        """Kill the server and the workers it runs now, from any thread (no
        lock: a thread waiting on it wakes up), and never start it again."""
        self.retired = True
        self.close()

    def cleanup(self) -> None:
        self.close()
        import shutil

        shutil.rmtree(self.scratch, ignore_errors=True)


class _DeadlinePipe:
    """One end of a pipe to the worker; every read or write gives up at a
    deadline (a worker that stops reading cannot block the grader)."""

    def __init__(self, fd: int):
        self.fd = fd
        self.deadline = float("inf")

    def _wait(self, readable: bool) -> None:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        watch = ([self.fd], [], []) if readable else ([], [self.fd], [])
        if not any(select.select(*watch, min(remaining, 3600))):
            raise TimeoutError


class _DeadlineReader(_DeadlinePipe):
    def read(self, size: int) -> bytes:
        self._wait(readable=True)
        return os.read(self.fd, min(size, 1 << 20))


class _DeadlineWriter(_DeadlinePipe):
    """Non-blocking writes: a full pipe waits in select, never in write."""

    def __init__(self, fd: int):
        super().__init__(fd)
        os.set_blocking(fd, False)

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        while view:
            self._wait(readable=False)
            try:
                view = view[os.write(self.fd, view):]
            except BlockingIOError:
                continue
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        os.close(self.fd)


class WorkerSession:
    """One submission's worker: started from the fork server, restarted after a loss."""

    def __init__(self, server: ForkServerHandle):
        self.server = server
        self.pid: int | None = None
        # Private (0700): the output log and the unsandboxed worker's home
        # live here, out of reach of other users' planted links.
        self.workdir = safefiles.private_folder("workbook-worker-")
        self.home = self.workdir / "home"
        self.home.mkdir(mode=0o700)
        self.output_path = self.workdir / "output.log"
        self._output_fd = safefiles.create_new(self.output_path, flags=os.O_RDWR | os.O_APPEND)
        self.starts = 0
        self.killed_from_outside: list[str] = []  # deaths the worker's budget does not explain
        self._writer = None
        self._reader_fd = None
        self._cgroup: WorkerCgroup | None = None

    @property
    def isolation(self) -> str:
        return self.server.isolation

    def start(self) -> float:
        self.stop()
        started = time.monotonic()
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        if self.server.memory_scope != RLIMIT_ONLY:
            self._cgroup = WorkerCgroup(self.server.limits.memory_bytes)
        cgroup_fd = self._cgroup.procs_fd if self._cgroup else None
        try:
            self.pid = self.server.spawn(to_worker_r, from_worker_w, self._output_fd,
                                         str(self.home), cgroup_fd)
        finally:
            for fd in (to_worker_r, from_worker_w):
                os.close(fd)
        self._writer = _DeadlineWriter(to_worker_w)
        self._reader = _DeadlineReader(from_worker_r)
        self._reader_fd = from_worker_r
        self.starts += 1
        self._receive(STARTUP_TIMEOUT_S)
        return time.monotonic() - started

    def stop(self, ended: bool = False) -> dict:
        """Kill the worker (``ended``: it was seen to end by itself)."""
        status = {}
        if self.pid is not None:
            status = self.server.kill(self.pid, ended)
            self.pid = None
            self._judge_death(status)
        if self._cgroup is not None:
            self._cgroup.remove()
            self._cgroup = None
        for closer in (lambda: self._writer and self._writer.close(),
                       lambda: self._reader_fd is not None and os.close(self._reader_fd)):
            try:
                closer()
            except OSError:
                pass
        self._writer, self._reader_fd = None, None
        return status

    def _judge_death(self, status: dict) -> None:
        """Record a death that neither the grader nor the worker's own budget caused."""
        number = status.get("signal")
        if not status.get("ended_before_kill") or not number or number in SELF_INFLICTED:
            return
        if number == signal.SIGKILL and self._cgroup is not None and self._cgroup.oom_killed():
            return  # its own memory limit
        self.killed_from_outside.append(signal.Signals(number).name)

    def output_tail(self) -> str:
        try:
            size = os.fstat(self._output_fd).st_size
            start = max(0, size - OUTPUT_TAIL_BYTES)
            return os.pread(self._output_fd, size - start, start).decode("utf-8", "replace")
        except OSError:
            return ""

    def cleanup(self) -> None:
        self.stop()
        if self._output_fd is not None:
            os.close(self._output_fd)
            self._output_fd = None
        import shutil

        shutil.rmtree(self.workdir, ignore_errors=True)

    def request(self, message: dict, timeout: float) -> dict:
        if self.pid is None:
            raise WorkerLost("the worker is not running")
        self._writer.deadline = time.monotonic() + timeout
        try:
            write_message(self._writer, message)
        except TimeoutError:
            self.stop()
            raise WorkerLost(
                f"the worker stopped reading requests (nothing taken within {timeout:.0f} s)"
            ) from None
        except (BrokenPipeError, OSError, ValueError):
            raise self._lost("the worker stopped before it could be asked") from None
        return self._receive(timeout)

    def _receive(self, timeout: float) -> dict:
        self._reader.deadline = time.monotonic() + timeout
        try:
            answer = read_message(self._reader)
        except TimeoutError:
            self.stop()
            raise WorkerLost(
                f"no answer within {timeout:.0f} s (an endless loop or a very slow answer?)"
            ) from None
        except EOFError:
            raise self._lost("the worker process ended") from None
        except Exception as error:  # anything else the answer provokes: refuse the answer
            self.stop()
            reason = str(error)[:200] or type(error).__name__
            raise WorkerLost(f"the worker sent an unreadable answer ({reason})") from None
        if not isinstance(answer.get("ok"), bool):
            self.stop()
            raise WorkerLost("the worker sent a malformed answer")
        return answer

    def _lost(self, what: str) -> WorkerLost:
        status = self.stop(ended=True)
        if status.get("signal"):
            name = signal.Signals(status["signal"]).name
            hint = " (out of memory?)" if name == "SIGKILL" else ""
            return WorkerLost(f"{what}: killed by {name}{hint}")
        if status.get("exit_code") is not None:
            return WorkerLost(
                f"{what} with exit code {status['exit_code']} (sys.exit or os._exit in your code?)"
            )
        return WorkerLost(what)
