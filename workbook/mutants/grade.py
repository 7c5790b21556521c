"""Grade mutants through the real grader, one exercise at a time.

A mutant's program is its chapter's setup cell plus the one mutated exercise
cell, graded with only that exercise's checks (visible and hidden) in the
full sandbox on a warm fork server: one worker fork per mutant. Every mutant
of a run sees the same hidden inputs (one secret, one submission name), the
ones the unmutated solution -- graded first, as the baseline -- passes with.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from workbook.exercises.cells import Cell, read_cells
from workbook.grading.api import Checks
from workbook.grading.batch import Progress
from workbook.grading.loader import load_checks
from workbook.grading.runner import Prepared, SubmissionResult, grade_submission
from workbook.grading.sandbox import Limits
from workbook.grading.pool import WarmPool
from workbook.grading.session import ForkServerHandle
from workbook.mutants.generate import Mutant
from workbook.project import Project

SUBMISSION_NAME = "mutant"  # the same for every mutant: the same hidden inputs
KILLED, SURVIVED, ERROR = "killed", "survived", "error"


@dataclass
class Verdict:
    exercise_id: str
    mutant: Mutant | None  # None: the unmutated solution (the baseline)
    status: str  # killed | survived | error
    score: float
    max_score: float
    seconds: float
    detail: str = ""  # why it was killed (the first failed check) or the error


@contextmanager
def warm_pool(jobs: int, isolation: str = "auto", limits: Limits | None = None, log=print):
    with WarmPool(jobs, isolation, limits) as pool:
        startup = pool.start()
        log(f"warm worker pool of {jobs} ready in {startup:.1f} s; isolation: {pool.isolation}")
        yield pool


class ChapterGrader:
    """What grading one chapter's mutants needs: its template and checks."""

    def __init__(self, project: Project, chapter: str, salt: str):
        self.chapter = chapter
        self.template = read_cells(project.chapter_file(chapter))
        self.checks = load_checks(project, chapter)
        self.salt = salt

    def prepared(self, exercise_id: str, source: str) -> Prepared:
        """One exercise as a whole submission: the setup cell(s), this cell, its checks."""
        template = [c for c in self.template if c.exercise_id in (None, exercise_id)]
        checks = Checks(self.chapter)
        checks.checks = self.checks.for_exercise(exercise_id)
        checks.budgets = {exercise_id: self.checks.budget_for(exercise_id)}
        cell = Cell("code", source, {"exercise": exercise_id})
        return Prepared([cell], self.chapter, template, checks)

    def grade(self, server: ForkServerHandle, exercise_id: str, mutant: Mutant | None,
              source: str) -> Verdict:
        label = f"{exercise_id} mutant {mutant.key}" if mutant else f"{exercise_id} solution"
        result = grade_submission(Path(label), self.prepared(exercise_id, source), server,
                                  SUBMISSION_NAME, salt=self.salt)
        return _verdict(exercise_id, mutant, result)


def _verdict(exercise_id: str, mutant: Mutant | None, result: SubmissionResult) -> Verdict:
    def make(status: str, detail: str) -> Verdict:
        return Verdict(exercise_id, mutant, status, result.score, result.max_score,
                       result.seconds, detail)

    if result.error:
        return make(ERROR, result.error)
    if result.max_score <= 0:
        return make(ERROR, f"no checks for {exercise_id}")
    if result.score >= result.max_score:
        return make(SURVIVED, "")
    failed = [c for e in result.exercises for c in e.checks if not c.passed]
    first = failed[0] if failed else None
    detail = f"{first.name}: {first.detail}" if first else "lost points"
    return make(KILLED, " ".join(detail.split())[:160])


def grade_all(pool: WarmPool, grader: ChapterGrader, solutions: dict[str, str],
              mutants: list[Mutant], log=print) -> list[Verdict]:
    """The baseline of every exercise, then every mutant, with a progress bar."""
    work = [(e, None, source) for e, source in solutions.items()]
    work += [(m.exercise_id, m, m.source) for m in mutants]
    progress = Progress(len(work), log)

    def grade_one(server, item) -> Verdict:
        verdict = grader.grade(server, *item)
        what = verdict.mutant.key if verdict.mutant else "solution"
        progress.advance(f"{verdict.exercise_id} {what}: {verdict.status}")
        return verdict

    return pool.map(grade_one, work)
