"""Grade a class: collect submissions, grade them in parallel on warm fork
servers (one per job), reuse cached verdicts, write reports."""

from __future__ import annotations

import os
import re
import secrets
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from workbook.grading.cache import ResultCache
from workbook.grading.report import write_gradebook, write_submission_reports
from workbook.grading.textsafe import plain_text
from workbook.grading.intake import DEFAULT_MAX_FILE_MB, MB, Entry, collect_submissions
from workbook.grading.runner import (
    Submission,
    SubmissionResult,
    chapter_material,
    grade_submission,
    prepare_submission,
    read_submission,
    rejected_submission,
)
from workbook.grading import safefiles
from workbook.grading.sandbox import Limits, choose_isolation, isolation_note
from workbook.grading.pool import WarmPool
from workbook.grading.session import verdict_settings
from workbook.project import Project

SECRET_FILE = ".grader-secret"
CACHE_DIR = ".cache"
GRADEBOOK_FILE = "gradebook.csv"
# Names a submission's report folder may not take: what the grader itself
# writes at the top of the output folder (dot-names are stripped anyway).
RESERVED_NAMES = {GRADEBOOK_FILE}
# The reason on the rows that Ctrl-C left ungraded (never cached: a rerun grades them).
INTERRUPTED = "interrupted"


@dataclass
class ClassRun:
    results: list[SubmissionResult]
    isolation: str
    jobs: int
    startup_seconds: float
    seconds: float
    cached: int = 0
    notes: list[str] = field(default_factory=list)
    interrupted: bool = False  # Ctrl-C stopped the grading; the rest are INTERRUPTED rows


def class_chapters(entries: list[Entry], read: list, chapter: str | None, log) -> dict:
    """The chapter each class folder is graded as: ``chapter`` (``--chapter``)
    if given, else the one most of the folder's readable submissions carry
    (files given directly count as one class). A mixed class is reported; an
    even split is refused, since either guess would fail half the class."""
    groups: dict = {}
    for entry, submission in zip(entries, read):
        if isinstance(submission, Submission):
            groups.setdefault(entry.group, []).append(submission.chapter)
    if chapter is not None:
        return {group: chapter for group in groups}
    chosen = {}
    for group, found in groups.items():
        label = f"class folder {group}" if group is not None else "the files given"
        ranked = Counter(found).most_common()
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            first, second = sorted(key for key, n in ranked if n == ranked[0][1])[:2]
            raise ValueError(f"{label} has as many {first} as {second} notebooks; "
                             "say which chapter it is with --chapter chNN")
        chosen[group] = ranked[0][0]
        if len(ranked) > 1:
            others = ", ".join(f"{n} of {key}" for key, n in ranked[1:])
            log(f"{label} mixes chapters: graded as {ranked[0][0]} ({ranked[0][1]} of "
                f"{len(found)} notebooks); mostly of another chapter: {others} (only "
                f"{ranked[0][0]}'s exercises count; --chapter chNN sets the chapter)")
    return chosen


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


def _prepare(path: Path, submission: Submission, chapter: str, project: Project,
             materials: dict):
    """A Prepared submission, or (why not, the chapter, its points) for its row.
    ``materials`` keeps each chapter's template and checks, read once a batch."""
    if chapter not in materials:
        try:
            materials[chapter] = chapter_material(project, chapter)
        except ValueError as error:  # an unknown chapter
            materials[chapter] = f"cannot grade this notebook: {error}"
    material = materials[chapter]
    if isinstance(material, str):
        return material, "", 0.0
    prepared = prepare_submission(path, submission, chapter, material)
    if isinstance(prepared, str):
        return prepared, chapter, sum(check.points for check in material[1].checks)
    return prepared


def _not_graded(path: Path, name: str, reason: str, chapter: str, max_score: float,
                level: str, out: Path, log) -> SubmissionResult:
    result = rejected_submission(path, name, reason, level, chapter, max_score)
    write_submission_reports(result, out / name)
    log(plain_text(f"{name}: not graded: {result.error}"))
    return result


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


def _open_output(out: Path, seed: str | None) -> str:
    """Create the output folder and its secret: the hidden-input salt. A
    folder that cannot be written is one clear error before any grading."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        return _secret(out, seed)
    except OSError as error:
        raise ValueError(f"cannot write the output folder {out}: "
                         f"{error.strerror or error}") from None


def _secret(out: Path, seed: str | None) -> str:
    """The hidden-input salt: ``--seed`` if given, else a secret kept with the
    output (never inside the sandbox), so a regrade reuses the same inputs."""
    if seed is not None:
        return f"seed:{seed}"
    path = out / SECRET_FILE
    try:  # new, 0600, never through a link planted in its place
        safefiles.write_new(path, secrets.token_hex(16).encode())
    except FileExistsError:
        pass
    return safefiles.read_bytes(path).decode().strip()


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
    chapter: str | None = None,
    max_file_mb: float = DEFAULT_MAX_FILE_MB,
) -> ClassRun:
    started = time.monotonic()
    out = Path(out)
    collected = collect_submissions(paths, exclude=out)
    if collected.ignored:
        log("skipped, not .ipynb or .py files: " + plain_text(", ".join(collected.ignored)))
    entries = collected.entries
    if not entries:
        raise ValueError("no submissions (.ipynb or .py files) found in " + ", ".join(map(str, paths)))
    if chapter is not None:
        project.chapter_file(chapter)  # an unknown chapter: one clear error before any work
    jobs = jobs or default_jobs()
    if jobs < 1:
        raise ValueError(f"--jobs must be at least 1, got {jobs}")
    level = choose_isolation(isolation)
    fallback = isolation_note(isolation, level)
    if fallback:
        log(f"WARNING: {fallback}")
    limits = limits or Limits()
    salt = _open_output(out, seed)
    names = submission_names([entry.path for entry in entries])
    # Each file is read once, bounded, before anything else looks at it.
    read = [entry.refused or read_submission(entry.path, int(max_file_mb * MB)) for entry in entries]
    group_chapter = class_chapters(entries, read, chapter, log)
    cache = ResultCache(out / CACHE_DIR, project, salt, level, verdict_settings(limits))
    results: dict[str, SubmissionResult] = {}
    todo, keys = [], {}
    for entry, name, submission in zip(entries, names, read):
        if isinstance(submission, str):  # unreadable: a row at once, nothing to cache
            results[name] = _not_graded(entry.path, name, submission, "", 0.0, level, out, log)
            continue
        keys[name] = cache.key(submission.raw, name, group_chapter[entry.group])
        hit = cache.load(keys[name]) if use_cache else None
        if hit is not None:
            results[name] = hit
        else:
            todo.append((entry, name, submission))
    reused = sum(1 for result in results.values() if result.cached)
    if reused:
        log(f"{reused} of {len(entries)} submission(s) unchanged since the last "
            "grading: reusing their results")

    # Files that cannot be graded get their error row without a worker.
    prepared, materials = {}, {}
    for entry, name, submission in todo:
        prepared[name] = _prepare(entry.path, submission, group_chapter[entry.group], project,
                                  materials)
        if isinstance(prepared[name], tuple):
            results[name] = _not_graded(entry.path, name, *prepared[name], level, out, log)
            cache.store(keys[name], results[name])
    todo = [(entry.path, name) for entry, name, _ in todo if name not in results]
    cached = sum(1 for result in results.values() if result.cached)
    run = ClassRun([], level, min(jobs, max(1, len(todo))), 0.0, 0.0, cached=cached,
                   notes=[fallback] if fallback else [])

    if todo:
        log(f"grading {len(todo)} submission(s) with {run.jobs} job(s); isolation: {level}")
        run.interrupted = _grade_on_workers(todo, prepared, keys, results, run, cache, salt,
                                            fallback, limits, out, log)
        for path, name in todo:
            if name not in results:  # not reached, or stopped by Ctrl-C: not cached
                results[name] = _not_graded(path, name, INTERRUPTED, prepared[name].chapter,
                                            sum(c.points for c in prepared[name].checks.checks),
                                            level, out, lambda line: None)

    for name in names:
        if results[name].cached:
            write_submission_reports(results[name], out / name)
    run.results = [results[name] for name in names]
    write_gradebook(run.results, out / GRADEBOOK_FILE)
    run.seconds = time.monotonic() - started
    return run


def _grade_on_workers(todo, prepared, keys, results, run, cache, salt, fallback, limits,
                      out: Path, log) -> bool:
    """Grade ``todo`` on ``run.jobs`` warm fork servers into ``results``.
    Returns True if Ctrl-C stopped it: the fork servers (and with them the
    running submissions) are killed at once, and what finishes after that is
    neither kept nor cached."""
    pool = WarmPool(run.jobs, run.isolation, limits)
    try:
        run.startup_seconds = pool.start()
        log(f"warm worker pool ready in {run.startup_seconds:.1f} s (Keras imported once per job)")
        progress = Progress(len(todo), log)

        def grade_one(server, item):
            path, name = item
            folder = out / name
            result = grade_submission(
                path, prepared[name], server, name, salt=salt,
                on_progress=lambda partial: write_submission_reports(partial, folder),
            )
            if pool.stopped.is_set():  # cut short by Ctrl-C: its verdict is not the student's
                return
            if fallback:
                result.notes.insert(0, fallback)
            write_submission_reports(result, folder)
            cache.store(keys[name], result)
            results[name] = result  # here, not in the caller: Ctrl-C keeps what is done
            status = result.error[:40] or f"{result.score:g}/{result.max_score:g}"
            progress.advance(plain_text(f"{name}: {status}"))  # no terminal escapes

        pool.map(grade_one, todo)
        return False
    except KeyboardInterrupt:
        pool.retire_all()
        return True
    finally:
        pool.close()
