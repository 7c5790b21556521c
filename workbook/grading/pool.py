"""A pool of warm fork servers, each lent to one grading at a time.

Both the class grader and the mutant grader start ``jobs`` fork servers
(Keras imported once per server), hand them out to a thread pool and must
stop everything at once on Ctrl-C: that logic lives here once.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import ThreadPoolExecutor

from workbook.grading.sandbox import Limits
from workbook.grading.session import ForkServerHandle


class WarmPool:
    """``jobs`` fork servers. ``start()`` launches them and waits until all
    are ready; ``map`` lends them out; ``close()`` always runs (use ``with``).
    A KeyboardInterrupt inside ``map`` retires every server at once, so the
    running workers die, queued items are dropped, and it propagates."""

    def __init__(self, jobs: int, isolation: str = "auto", limits: Limits | None = None):
        if jobs < 1:
            raise ValueError(f"--jobs must be at least 1, got {jobs}")
        self.jobs = jobs
        self.handles = [ForkServerHandle(isolation, limits) for _ in range(jobs)]
        self.stopped = threading.Event()  # set once Ctrl-C retired the servers
        self._idle: queue.Queue[ForkServerHandle] = queue.Queue()
        self._threads = ThreadPoolExecutor(max_workers=jobs)

    @property
    def isolation(self) -> str:
        return self.handles[0].isolation

    def start(self) -> float:
        """Launch every server; the seconds the slowest took to be ready."""
        for handle in self.handles:
            handle.launch()  # from this thread: see ForkServerHandle.launch
        startup = max(self._threads.map(lambda h: h.wait_ready(), self.handles))
        for handle in self.handles:
            self._idle.put(handle)
        return startup

    def map(self, function, items: list) -> list:
        """``function(server, item)`` for every item, in parallel, results in
        order. After Ctrl-C, items not yet started are skipped (``None``)."""
        def lend(item):
            if self.stopped.is_set():
                return None
            server = self._idle.get()
            try:
                return function(server, item)
            finally:
                self._idle.put(server)

        try:
            return list(self._threads.map(lend, items))
        except KeyboardInterrupt:
            self.retire_all()
            raise

    def retire_all(self) -> None:
        """Stop now: running workers end, none restarts, nothing new starts."""
        self.stopped.set()
        for handle in self.handles:
            handle.retire()

    def close(self) -> None:
        self._threads.shutdown(wait=True, cancel_futures=True)
        for handle in self.handles:
            handle.cleanup()

    def __enter__(self) -> "WarmPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
