"""Grade a class: collect submissions, grade them in parallel, write reports."""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from workbook.grading.report import write_gradebook, write_submission_reports
from workbook.grading.runner import SubmissionResult, grade_submission
from workbook.project import Project

SUBMISSION_SUFFIXES = (".ipynb", ".py")


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
        name = base
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


def grade_class(
    paths: list[Path],
    project: Project,
    out: Path,
    jobs: int | None = None,
    seed: str | None = None,
    log=print,
) -> list[SubmissionResult]:
    submissions = collect_submissions(paths)
    if not submissions:
        raise ValueError("no submissions (.ipynb or .py files) found in " + ", ".join(map(str, paths)))
    jobs = jobs or default_jobs()
    if jobs < 1:
        raise ValueError(f"--jobs must be at least 1, got {jobs}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    salt = seed if seed is not None else secrets.token_hex(8)
    names = submission_names(submissions)
    lock = threading.Lock()
    done = [0]
    started = time.monotonic()

    def grade_one(item):
        path, name = item
        folder = out / name
        result = grade_submission(
            path, project, name=name, salt=salt,
            on_progress=lambda partial: write_submission_reports(partial, folder),
        )
        write_submission_reports(result, folder)
        with lock:
            done[0] += 1
            status = result.error or f"{result.score:g}/{result.max_score:g}"
            elapsed = time.monotonic() - started
            eta = elapsed / done[0] * (len(submissions) - done[0])
            log(f"[{done[0]}/{len(submissions)}] {name}: {status} "
                f"({result.seconds:.1f} s; ETA {eta:.0f} s)")
        return result

    log(f"grading {len(submissions)} submission(s) with {jobs} job(s)...")
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(grade_one, zip(submissions, names)))
    write_gradebook(results, out / "gradebook.csv")
    return results
