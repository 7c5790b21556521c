"""Run one exercise's checks in-process against a given answer source.

The namespace is the chapter's setup cell plus the answer cell, which is all
an exercise cell may depend on (docs/authoring.md).
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from workbook.exercises.cells import exercise_cells, read_cells
from workbook.grading.evaluate import check_seed, gate_visible_points, run_check
from workbook.grading.loader import load_checks
from workbook.grading.local import LocalStudent
from workbook.project import Project

REPO = Path(__file__).resolve().parent.parent
PROJECT = Project(REPO)


def chapters() -> list[str]:
    return list(PROJECT.chapter_files())


@functools.lru_cache(maxsize=None)
def setup_source(chapter: str) -> str:
    cells = read_cells(PROJECT.chapter_file(chapter))
    setup = [c for c in cells if c.kind == "code" and "setup" in c.tags]
    if len(setup) != 1:
        raise AssertionError(f"{chapter} must have exactly one cell tagged 'setup'")
    return setup[0].source


@functools.lru_cache(maxsize=None)
def checks_of(chapter: str):
    return load_checks(PROJECT, chapter)


def stub_sources(chapter: str) -> dict[str, str]:
    return {k: c.source for k, c in exercise_cells(read_cells(PROJECT.chapter_file(chapter))).items()}


def solution_sources(chapter: str) -> dict[str, str]:
    return {k: c.source for k, c in exercise_cells(read_cells(PROJECT.solution_file(chapter))).items()}


def mutant(exercise_id: str, old: str, new: str) -> str:
    """The reference solution of ``exercise_id`` with ``old`` replaced by ``new``
    (a wrong answer one edit away from the right one; the edit must apply)."""
    source = solution_sources(exercise_id.split(".")[0])[exercise_id]
    if old not in source:
        raise AssertionError(f"{exercise_id}: the solution no longer contains {old!r}")
    return source.replace(old, new)


def wrong_answers(chapter: str) -> list[dict]:
    path = REPO / "tests" / "wrong_answers" / f"{PROJECT.chapter_slug(chapter)}.py"
    if not path.is_file():
        return []
    spec = importlib.util.spec_from_file_location(f"_wrong_{chapter}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.WRONG_ANSWERS)


def namespace_for(chapter: str, answer_source: str) -> dict:
    namespace: dict = {"__name__": "__main__"}
    exec(compile(setup_source(chapter), f"<{chapter} setup>", "exec"), namespace)
    exec(compile(answer_source, f"<{chapter} answer>", "exec"), namespace)
    return namespace


def run_exercise(chapter: str, exercise_id: str, answer_source: str, salt: str = "tests"):
    """{check name: CheckResult} for every check (visible and hidden)."""
    namespace = namespace_for(chapter, answer_source)
    student = LocalStudent(namespace, sources={exercise_id: answer_source})
    seed = check_seed(exercise_id, salt)
    return {
        check.name: run_check(check, student, seed)
        for check in checks_of(chapter).for_exercise(exercise_id)
    }


def exercise_points(results: dict) -> float:
    """What the grader awards for these results (visible points need a hidden pass)."""
    results = list(results.values())
    gate_visible_points(results)
    return sum(r.earned for r in results)
