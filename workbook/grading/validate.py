"""``workbook validate``: is every chapter's exercise set complete and sound?

For each chapter: every exercise has a solution and visible and hidden
checks; the solved notebook scores full marks in the real grader; the stub
notebook scores zero.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from workbook.exercises.build import build
from workbook.exercises.cells import exercise_cells, read_cells
from workbook.grading.batch import grade_class
from workbook.grading.loader import load_checks
from workbook.project import Project


@dataclass
class Finding:
    chapter: str
    what: str
    ok: bool
    detail: str = ""


def static_findings(project: Project, chapter: str) -> list[Finding]:
    stubs = set(exercise_cells(read_cells(project.chapter_file(chapter))))
    solution_path = project.solution_file(chapter)
    solutions = set(exercise_cells(read_cells(solution_path))) if solution_path.is_file() else set()
    checks = load_checks(project, chapter)
    findings = [
        Finding(chapter, "exercises", bool(stubs), f"{len(stubs)} exercise(s)"),
        Finding(chapter, "solutions", stubs == solutions,
                _diff("without a solution", stubs - solutions) + _diff("solution without exercise", solutions - stubs)),
    ]
    for kind in ("visible", "hidden"):
        covered = {c.exercise_id for c in checks.checks if c.visibility == kind}
        findings.append(Finding(chapter, f"{kind} checks", stubs <= covered,
                                _diff(f"without a {kind} check", stubs - covered)))
    unknown = set(checks.exercise_ids()) - stubs
    findings.append(Finding(chapter, "checks match exercises", not unknown,
                            _diff("checks for unknown exercises", unknown)))
    return findings


def _diff(label: str, ids: set[str]) -> str:
    return f"{label}: {', '.join(sorted(ids))}; " if ids else ""


def validate(project: Project, chapters: list[str] | None = None, jobs: int = 2, log=print) -> list[Finding]:
    keys = chapters or list(project.chapter_files())
    findings: list[Finding] = []
    for key in keys:
        findings.extend(static_findings(project, key))
    with tempfile.TemporaryDirectory(prefix="workbook-validate-") as tmp:
        tmp = Path(tmp)
        build(project, tmp / "build", keys)
        submissions = []
        for key in keys:
            stem = project.chapter_slug(key)
            submissions += [tmp / "build" / "solved" / f"{stem}.ipynb",
                            tmp / "build" / "student" / f"{stem}.ipynb"]
        # Grade copies with telling names (solved-ch03..., student-ch03...),
        # one class folder per chapter: a class is graded as one chapter.
        folders = []
        for path in submissions:
            folder = tmp / "class" / path.stem.split("_", 1)[0]
            if folder not in folders:
                folders.append(folder)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{path.parent.name}-{path.name}").write_bytes(path.read_bytes())
        results = grade_class(folders, project, tmp / "graded", jobs=jobs, seed="validate",
                              log=log).results
    for result in results:
        kind = result.submission.split("-", 1)[0]
        chapter = result.chapter or result.submission
        if result.error:
            findings.append(Finding(chapter, f"{kind} notebook", False, result.error))
            continue
        if kind == "solved":
            bad = [f"{c.exercise_id}:{c.name} ({c.detail[:80]})"
                   for e in result.exercises for c in e.checks if not c.passed]
            findings.append(Finding(chapter, "solved scores full marks",
                                    result.score == result.max_score and result.max_score > 0,
                                    f"{result.score:g}/{result.max_score:g}; " + "; ".join(bad)))
        else:
            bad = [f"{c.exercise_id}:{c.name}" for e in result.exercises for c in e.checks if c.passed]
            findings.append(Finding(chapter, "stub scores zero", result.score == 0,
                                    f"{result.score:g}/{result.max_score:g}; " + "; ".join(bad)))
    return findings


def findings_table(findings: list[Finding]) -> str:
    rows = [("chapter", "requirement", "ok", "detail")]
    rows += [(f.chapter, f.what, "yes" if f.ok else "NO", f.detail.strip("; ")) for f in findings]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = []
    for i, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row[:3], widths)) + "  " + row[3][:160])
        if i == 0:
            lines.append("  ".join("-" * w for w in widths) + "  ------")
    return "\n".join(lines)
