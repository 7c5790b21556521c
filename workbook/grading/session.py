"""Trusted side of one worker process: start it, send requests, enforce
deadlines, and kill it (with everything it started) when it misbehaves."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from workbook.grading.evaluate import WorkerLost
from workbook.grading.wire import WireError, read_message, write_message

STARTUP_TIMEOUT_S = 180.0
ISOLATION = "process"  # a separate process and process group; no sandbox yet
OUTPUT_TAIL_BYTES = 4000


class _DeadlineReader:
    """A file-like reader of a pipe that gives up at a deadline."""

    def __init__(self, fd: int):
        self.fd = fd
        self.deadline = float("inf")

    def read(self, size: int) -> bytes:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        ready, _, _ = select.select([self.fd], [], [], min(remaining, 3600))
        if not ready:
            raise TimeoutError
        return os.read(self.fd, min(size, 1 << 20))


class WorkerSession:
    def __init__(self, env: dict[str, str] | None = None):
        self.env = env or {}
        self.process: subprocess.Popen | None = None
        self.workdir = Path(tempfile.mkdtemp(prefix="workbook-worker-"))
        self.output_path = self.workdir / "output.log"
        self.starts = 0

    # ------------------------------------------------------------ lifecycle
    def start(self) -> float:
        """Start a fresh worker; returns the seconds it took to be ready."""
        self.stop()
        started = time.monotonic()
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        env = {
            **os.environ,
            "KERAS_BACKEND": "torch",
            "WORKBOOK_PROFILE": "tiny",
            "MPLBACKEND": "Agg",
            "WORKBOOK_FIGURES": str(self.workdir / "figures"),
            "PYTHONUNBUFFERED": "1",
            **self.env,
        }
        output = open(self.output_path, "ab")
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "workbook.grading.worker",
                 "--rfd", str(to_worker_r), "--wfd", str(from_worker_w)],
                pass_fds=(to_worker_r, from_worker_w),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                env=env,
                start_new_session=True,  # its own process group: killed as one
            )
        finally:
            output.close()
            os.close(to_worker_r)
            os.close(from_worker_w)
        self._writer = os.fdopen(to_worker_w, "wb")
        self._reader = _DeadlineReader(from_worker_r)
        self._reader_fd = from_worker_r
        self.starts += 1
        self._receive(STARTUP_TIMEOUT_S, "start")
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            if self.process.poll() is None:
                self._writer.close()  # EOF asks a healthy worker to leave
                try:
                    self.process.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    pass
        except OSError:
            pass
        self._kill()

    def _kill(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        process.wait()
        for closer in (self._writer.close, lambda: os.close(self._reader_fd)):
            try:
                closer()
            except OSError:
                pass

    def output_tail(self) -> str:
        try:
            with open(self.output_path, "rb") as handle:
                handle.seek(0, os.SEEK_END)
                size = handle.tell()
                handle.seek(max(0, size - OUTPUT_TAIL_BYTES))
                return handle.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def cleanup(self) -> None:
        self.stop()
        import shutil

        shutil.rmtree(self.workdir, ignore_errors=True)

    # -------------------------------------------------------------- requests
    def request(self, message: dict, timeout: float) -> dict:
        if self.process is None:
            raise WorkerLost("the worker is not running")
        try:
            write_message(self._writer, message)
        except (BrokenPipeError, OSError):
            raise self._lost("the worker stopped before it could be asked") from None
        return self._receive(timeout, message.get("op", "?"))

    def _receive(self, timeout: float, what: str) -> dict:
        self._reader.deadline = time.monotonic() + timeout
        try:
            answer = read_message(self._reader)
        except TimeoutError:
            self._kill()
            raise WorkerLost(
                f"no answer within {timeout:.0f} s (an endless loop or a very slow answer?)"
            ) from None
        except EOFError:
            raise self._lost("the worker process ended") from None
        except (WireError, ValueError, KeyError, TypeError) as error:
            self._kill()
            raise WorkerLost(f"the worker sent an unreadable answer ({error})") from None
        if not isinstance(answer.get("ok"), bool):
            self._kill()
            raise WorkerLost("the worker sent a malformed answer")
        return answer

    def _lost(self, what: str) -> WorkerLost:
        process = self.process
        code = None
        if process is not None:
            try:
                code = process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self._kill()
        if code is None:
            return WorkerLost(what)
        if code < 0:
            name = signal.Signals(-code).name
            hint = " (out of memory?)" if name == "SIGKILL" else ""
            return WorkerLost(f"{what}: killed by {name}{hint}")
        return WorkerLost(f"{what} with exit code {code} (sys.exit or os._exit in your code?)")
