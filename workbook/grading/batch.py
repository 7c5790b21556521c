"""Grade a class: collect submissions, grade them in parallel on warm fork
servers (one per job), reuse cached verdicts, write reports."""

from __future__ import annotations

import os
import queue
import re
import secrets
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from workbook.grading.cache import ResultCache
from workbook.grading.report import write_gradebook, write_submission_reports
from workbook.grading.runner import (
    SubmissionResult,
    grade_submission,
    prepare_submission,
    rejected_submission,
)
from workbook.grading.sandbox import Limits, choose_isolation
from workbook.grading.session import ForkServerHandle
from workbook.project import Project

SUBMISSION_SUFFIXES = (".ipynb", ".py")
SECRET_FILE = ".grader-secret"
CACHE_DIR = ".cache"
GRADEBOOK_FILE = "gradebook.csv"
# Names a submission's report folder may not take: what the grader itself
# writes at the top of the output folder (dot-names are stripped anyway).
RESERVED_NAMES = {GRADEBOOK_FILE}


@dataclass
class ClassRun:
    results: list[SubmissionResult]
    isolation: str
    jobs: int
    startup_seconds: float
    seconds: float
    cached: int = 0
    notes: list[str] = field(default_factory=list)


def collect_submissions(paths: list[Path]) -> list[Path]:
    """Files given directly, plus the .ipynb/.py files directly inside folders."""
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found.extend(
                sorted(p for p in path.iterdir() if p.is_file() and p.suffix in SUBMISSION_SUFFIXES
                       and not p.name.startswith("."))
            )
        elif path.exists():
            found.append(path)
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    return found


def submission_names(paths: list[Path]) -> list[str]:
    """Unique, filesystem-safe names (``alice``, ``alice-py`` if both exist)."""
    names, used = [], set()
    for path in paths:
        base = re.sub(r"[^A-Za-z0-9_.-]+", "_", path.stem).strip("._") or "submission"
        name = base if base.lower() not in RESERVED_NAMES else f"{base}-submission"
        if name in used:
            name = f"{base}-{path.suffix.lstrip('.')}"
        counter = 2
        while name in used:
            name = f"{base}-{counter}"
            counter += 1
        used.add(name)
        names.append(name)
    return names


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


def _secret(out: Path, seed: str | None) -> str:
    """The hidden-input salt: ``--seed`` if given, else a secret kept with the
    output (never inside the sandbox), so a regrade reuses the same inputs."""
    if seed is not None:
        return f"seed:{seed}"
    path = out / SECRET_FILE
    if not path.is_file():
        path.write_text(secrets.token_hex(16))
        path.chmod(0o600)
    return path.read_text().strip()


class Progress:
    """A one-line progress bar with an ETA (a line per item when not a TTY)."""

    def __init__(self, total: int, log):
        self.total, self.done, self.log = total, 0, log
        self.started = time.monotonic()
        self.tty = log is print and sys.stdout.isatty()
        self.lock = threading.Lock()

    def advance(self, label: str) -> None:
        with self.lock:
            self.done += 1
            elapsed = time.monotonic() - self.started
            eta = elapsed / self.done * (self.total - self.done)
            width = 24
            filled = int(width * self.done / self.total)
            bar = "#" * filled + "." * (width - filled)
            line = f"[{bar}] {self.done}/{self.total}  ETA {eta:4.0f} s  {label}"
            if self.tty:
                print("\r" + line[:110].ljust(110), end="" if self.done < self.total else "\n",
                      flush=True)
            else:
                self.log(line)


def grade_class(
    paths: list[Path],
    project: Project,
    out: Path,
    jobs: int | None = None,
    seed: str | None = None,
    isolation: str = "auto",
    limits: Limits | None = None,
    use_cache: bool = True,
    log=print,
) -> ClassRun:
    started = time.monotonic()
    submissions = collect_submissions(paths)
    if not submissions:
        raise ValueError("no submissions (.ipynb or .py files) found in " + ", ".join(map(str, paths)))
    jobs = jobs or default_jobs()
    if jobs < 1:
        raise ValueError(f"--jobs must be at least 1, got {jobs}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    level = choose_isolation(isolation)
    salt = _secret(out, seed)
    names = submission_names(submissions)
    cache = ResultCache(out / CACHE_DIR, project, salt, level)
    keys = {name: cache.key(path, name) for path, name in zip(submissions, names)}
    results: dict[str, SubmissionResult] = {}
    if use_cache:
        for name in names:
            hit = cache.load(keys[name])
            if hit is not None:
                results[name] = hit
    todo = [(p, n) for p, n in zip(submissions, names) if n not in results]
    if results:
        log(f"{len(results)} of {len(submissions)} submission(s) unchanged since the last "
            "grading: reusing their results")

    # Files that cannot be graded get their error row without a worker.
    prepared = {name: prepare_submission(path, project) for path, name in todo}
    for path, name in todo:
        if isinstance(prepared[name], str):
            result = rejected_submission(path, name, prepared[name], level)
            write_submission_reports(result, out / name)
            cache.store(keys[name], result)
            log(f"{name}: not graded: {result.error}")
            results[name] = result
    todo = [(path, name) for path, name in todo if name not in results]
    cached = sum(1 for result in results.values() if result.cached)
    run = ClassRun([], level, min(jobs, max(1, len(todo))), 0.0, 0.0, cached=cached)

    if todo:
        log(f"grading {len(todo)} submission(s) with {run.jobs} job(s); isolation: {level}")
        servers: queue.Queue[ForkServerHandle] = queue.Queue()
        handles = [ForkServerHandle(level, limits) for _ in range(run.jobs)]
        for handle in handles:
            handle.launch()  # from this thread: see ForkServerHandle.launch
        with ThreadPoolExecutor(max_workers=run.jobs) as pool:
            startup = list(pool.map(lambda h: h.wait_ready(), handles))
        run.startup_seconds = max(startup)
        log(f"warm worker pool ready in {run.startup_seconds:.1f} s (Keras imported once per job)")
        for handle in handles:
            servers.put(handle)
        progress = Progress(len(todo), log)

        def grade_one(item):
            path, name = item
            folder = out / name
            server = servers.get()
            try:
                result = grade_submission(
                    path, prepared[name], server, name, salt=salt,
                    on_progress=lambda partial: write_submission_reports(partial, folder),
                )
            finally:
                servers.put(server)
            write_submission_reports(result, folder)
            cache.store(keys[name], result)
            status = result.error[:40] or f"{result.score:g}/{result.max_score:g}"
            progress.advance(f"{name}: {status}")
            return result

        try:
            with ThreadPoolExecutor(max_workers=run.jobs) as pool:
                for result in pool.map(grade_one, todo):
                    results[result.submission] = result
        finally:
            for handle in handles:
                handle.cleanup()

    for name in names:
        if results[name].cached:
            write_submission_reports(results[name], out / name)
    run.results = [results[name] for name in names]
    write_gradebook(run.results, out / GRADEBOOK_FILE)
    run.seconds = time.monotonic() - started
    return run
