"""Run ``workbook mutants``: generate, sample, grade, match the recorded
equivalents, report. Exits non-zero when a mutant survives unrecorded."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path

from workbook.exercises.cells import chapter_key, exercise_cells, read_cells
from workbook.grading.sandbox import Limits
from workbook.mutants.equivalents import (
    Equivalent,
    equivalents_file,
    load_equivalents,
    stale_entries,
)
from workbook.mutants.generate import Mutant, mutants_of
from workbook.mutants.grade import ChapterGrader, grade_all, warm_pool
from workbook.mutants.report import (
    ChapterOutcome,
    ExerciseOutcome,
    chapter_text,
    report_json,
    summary_text,
    write_report,
)
from workbook.project import Project

DEFAULT_SEED = "mutants"  # fixed, so that CI sees the same hidden inputs every time


@dataclass
class MutantsRun:
    outcomes: list[ChapterOutcome]
    report_path: Path

    @property
    def failed(self) -> bool:
        return any(o.failed for o in self.outcomes)


def solution_sources(project: Project, chapter: str, exercises: list[str]) -> dict[str, str]:
    """The solution cell of every exercise asked for (all of the chapter's by default)."""
    path = project.solution_file(chapter)
    cells = {e: c.source for e, c in exercise_cells(read_cells(path)).items()}
    wanted = [e for e in exercises if chapter_key(e) == chapter]
    for exercise_id in wanted:
        if exercise_id not in cells:
            raise ValueError(f"no solution cell for {exercise_id} in {path}")
    return {e: cells[e] for e in wanted} if wanted else cells


def sample(mutants: list[Mutant], limit: int | None, seed: str) -> list[Mutant]:
    """At most ``limit`` of one exercise's mutants, the same ones for the same seed."""
    if limit is None or len(mutants) <= limit:
        return mutants
    chosen = set(random.Random(f"{seed}:{mutants[0].exercise_id}").sample(range(len(mutants)),
                                                                           limit))
    return [m for i, m in enumerate(mutants) if i in chosen]


@dataclass
class ChapterPlan:
    """A chapter's mutants, made and checked before any worker starts."""

    chapter: str
    solutions: dict[str, str]
    generated: dict[str, list[Mutant]]
    graded: list[Mutant]
    recorded: dict[tuple[str, str], Equivalent]
    equivalents_file: str


def plan_chapter(project: Project, chapter: str, exercises: list[str], limit: int | None,
                 seed: str) -> ChapterPlan:
    solutions = solution_sources(project, chapter, exercises)
    generated = {e: mutants_of(e, source) for e, source in solutions.items()}
    graded = [m for e in solutions for m in sample(generated[e], limit, seed)]
    path = equivalents_file(project, chapter)
    shown = path.relative_to(project.root) if path.is_relative_to(project.root) else path
    return ChapterPlan(chapter, solutions, generated, graded, load_equivalents(path, chapter),
                       str(shown))


def run_mutants(project: Project, chapters: list[str], exercises: list[str], out: Path,
                jobs: int = 2, limit: int | None = None, seed: str | None = None,
                isolation: str = "auto", limits: Limits | None = None, log=print) -> MutantsRun:
    seed = seed or DEFAULT_SEED
    chapters = list(dict.fromkeys([*chapters, *map(chapter_key, exercises)]))
    plans = [plan_chapter(project, chapter, exercises, limit, seed) for chapter in chapters]
    salt = f"seed:{seed}"
    outcomes = []
    with warm_pool(jobs, isolation, limits, log) as pool:
        for plan in plans:
            outcome = _grade_chapter(project, plan, pool, salt, log)
            outcomes.append(outcome)
            log(chapter_text(outcome))
        settings = {"seed": seed, "isolation": pool.isolation, "jobs": jobs, "limit": limit}
    log(summary_text(outcomes, seed))
    path = write_report(Path(out), report_json(outcomes, settings))
    log(f"report: {path}")
    return MutantsRun(outcomes, path)


def _grade_chapter(project: Project, plan: ChapterPlan, pool, salt: str, log) -> ChapterOutcome:
    started = time.monotonic()
    log(f"{plan.chapter}: {sum(map(len, plan.generated.values()))} mutants of "
        f"{len(plan.solutions)} exercise(s); grading {len(plan.graded)}")
    grader = ChapterGrader(project, plan.chapter, salt)
    verdicts = grade_all(pool, grader, plan.solutions, plan.graded, log)
    baselines = {v.exercise_id: v for v in verdicts if v.mutant is None}
    exercise_outcomes = [ExerciseOutcome(
        e, len(plan.generated[e]), baselines[e],
        [v for v in verdicts if v.mutant is not None and v.exercise_id == e],
        {key: entry for (exercise, key), entry in plan.recorded.items() if exercise == e},
    ) for e in plan.solutions]
    keys = {(m.exercise_id, m.key) for ms in plan.generated.values() for m in ms}
    stale = stale_entries(plan.recorded, set(plan.solutions), keys)
    return ChapterOutcome(plan.chapter, plan.equivalents_file, exercise_outcomes,
                          time.monotonic() - started, stale)
