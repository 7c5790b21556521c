"""The student's self-check: visible checks only, run in-process.

Two ways in:

* in a notebook, ``workbook.check("ch03.squared_loss")`` right after an
  exercise checks the functions defined in the running kernel;
* ``workbook check NOTEBOOK`` runs the notebook's code cells (heavy cells
  skipped) in this process and checks every exercise.

A student can only fool themselves here; the grader runs the same checks plus
hidden ones in a separate process.
"""

from __future__ import annotations

import contextlib
import io
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from workbook.exercises.cells import chapter_key, exercise_cells, read_cells
from workbook.grading.evaluate import CheckResult, check_seed, run_check
from workbook.grading.loader import load_checks
from workbook.grading.local import LocalStudent
from workbook.grading.program import missing_cell_reason
from workbook.project import find_project

SELF_CHECK_SALT = "self-check"
HIDDEN_GATE_REMINDER = ("The grader also runs hidden checks; an exercise's visible points "
                        "count only if at least one of its hidden checks passes too.")


def run_visible_checks(namespace: dict, exercise_id: str, project=None,
                       sources: dict[str, str] | None = None) -> list[CheckResult]:
    """``sources``: the exercise cells' text, for source checks (in a notebook,
    the kernel's input history is used)."""
    project = project or find_project()
    checks = load_checks(project, chapter_key(exercise_id), include_hidden=False)
    selected = checks.for_exercise(exercise_id, visible_only=True)
    if not selected:
        raise ValueError(f"no visible checks registered for {exercise_id}")
    student = LocalStudent(namespace, sources)
    seed = check_seed(exercise_id, SELF_CHECK_SALT)
    return [run_check(check, student, seed) for check in selected]


def format_results(exercise_id: str, results: list[CheckResult]) -> str:
    earned = sum(r.earned for r in results)
    total = sum(r.points for r in results)
    lines = [f"{exercise_id}: {earned:g}/{total:g} points from visible checks"]
    for r in results:
        mark = "PASS" if r.passed else "FAIL"
        lines.append(f"  [{mark}] {r.name}: {r.message}")
        if not r.passed:
            lines.append(f"         -> {r.detail}")
            if r.student_traceback:
                tail = r.student_traceback.strip().splitlines()[-3:]
                lines.extend(f"            {line}" for line in tail)
    return "\n".join(lines)


def check_in_notebook(exercise_id: str) -> bool:
    namespace = sys.modules["__main__"].__dict__
    try:
        results = run_visible_checks(namespace, exercise_id)
    except Exception as error:  # never stop "Run all" on a self-check
        print(f"{exercise_id}: could not run the self-check: {error}")
        return False
    print(format_results(exercise_id, results))
    print(HIDDEN_GATE_REMINDER)
    return all(r.passed for r in results)


@dataclass
class FileSelfCheck:
    problems: list[str]  # what went wrong while running the cells
    results: dict[str, list[CheckResult]]  # by exercise id, for the exercises found
    missing: dict[str, float]  # exercises of the chapter with no cell -> their visible points

    @property
    def earned(self) -> float:
        return sum(r.earned for checks in self.results.values() for r in checks)

    @property
    def total(self) -> float:
        found = sum(r.points for checks in self.results.values() for r in checks)
        return found + sum(self.missing.values())

    def report(self) -> str:
        lines = [f"note: {problem}" for problem in self.problems]
        lines += [format_results(ex, checks) for ex, checks in self.results.items()]
        lines += [f"{ex}: 0/{points:g} points: {missing_cell_reason(ex)}"
                  for ex, points in self.missing.items()]
        lines.append(f"\nvisible checks: {self.earned:g}/{self.total:g} points. "
                     f"{HIDDEN_GATE_REMINDER}")
        return "\n".join(lines)


def self_check_file(path: Path) -> FileSelfCheck:
    """Run a notebook's code in-process, then every exercise's visible checks.

    Every exercise of the chapter is reported: one whose cell is gone (its
    ``# exercise:`` line deleted) scores 0, as the grader scores it.
    """
    cells = read_cells(path)
    exercises = exercise_cells(cells)
    if not exercises:
        raise ValueError(f"{path.name} has no exercise cells (no '# exercise: chNN.name' lines)")
    project = find_project(path)
    chapter = chapter_key(next(iter(exercises)))
    chapter_checks = load_checks(project, chapter, include_hidden=False)
    namespace: dict = {"__name__": "__main__"}
    problems = []
    for index, cell in enumerate(cells):
        if cell.kind != "code" or cell.is_heavy or cell.is_check:
            continue
        source = "\n".join(
            line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))
        )
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(source, f"<cell {index}>", "exec"), namespace)
        except (Exception, SystemExit) as error:
            label = cell.exercise_id or f"cell {index}"
            problems.append(f"{label}: {type(error).__name__}: {error}")
            traceback.clear_frames(error.__traceback__)
    sources = {ex: cell.source for ex, cell in exercises.items()}
    results, missing = {}, {}
    for ex in chapter_checks.exercise_ids():
        if ex in exercises:
            results[ex] = run_visible_checks(namespace, ex, project, sources)
        else:
            missing[ex] = sum(c.points for c in chapter_checks.for_exercise(ex, visible_only=True))
    for ex in [ex for ex in exercises if ex not in results]:  # no checks: raises, naming it
        results[ex] = run_visible_checks(namespace, ex, project, sources)
    return FileSelfCheck(problems, results, missing)
