"""Grade one submission: rebuild its program, run it in a worker, run every
check from the trusted side, and survive whatever the student's code does.

A crash, ``sys.exit``, ``os._exit``, an endless loop or a blown time budget
fails only the exercise it happens in: the worker is restarted without that
exercise's cell and grading goes on. Results are reported after every
exercise through ``on_progress``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from workbook.exercises.cells import NotebookFormatError, read_cells
from workbook.grading.api import Checks, StudentError
from workbook.grading.evaluate import CheckResult, WorkerLost, check_seed, run_check
from workbook.grading.loader import load_checks
from workbook.grading.program import NotASubmission, Program, detect_chapter, rebuild
from workbook.grading.session import ForkServerHandle, WorkerSession
from workbook.project import Project

SETUP_CELL_BUDGET_S = 120.0
WORKER_START_ATTEMPTS = 3
GRADER_VERSION = "2"


@dataclass
class ExerciseResult:
    exercise_id: str
    score: float = 0.0
    max_score: float = 0.0
    status: str = "graded"  # graded | missing | lost
    notes: list[str] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class SubmissionResult:
    submission: str
    path: str
    chapter: str = ""
    score: float = 0.0
    max_score: float = 0.0
    error: str = ""
    isolation: str = ""
    grader_version: str = GRADER_VERSION
    notes: list[str] = field(default_factory=list)
    exercises: list[ExerciseResult] = field(default_factory=list)
    seconds: float = 0.0
    seconds_in_checks: float = 0.0  # the checks, student calls included
    seconds_in_cells: float = 0.0  # running the setup and the student's cells
    overhead_seconds: float = 0.0  # everything else: the grader's own cost
    cached: bool = False
    worker_starts: int = 0
    output_tail: str = ""
    complete: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


class RemoteStudent:
    """The check's view of the student: requests to the worker, with a deadline."""

    def __init__(self, session: WorkerSession, deadline: float):
        self.session = session
        self.deadline = deadline
        self._warnings: list[str] = []

    def call(self, name, *args, **kwargs):
        return self._ask({"op": "call", "name": name, "args": list(args), "kwargs": kwargs})

    def model(self, name, *args, inputs=None, set_weights=None, **kwargs):
        request = {"op": "call", "name": name, "args": list(args), "kwargs": kwargs,
                   "model": {"inputs": inputs, "set_weights": set_weights}}
        return self._ask(request)

    def has(self, name) -> bool:
        return bool(self._ask({"op": "has", "name": name}))

    def drain_warnings(self) -> list[str]:
        drained, self._warnings = self._warnings, []
        return drained

    def _ask(self, request: dict):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise WorkerLost("the exercise used up its time budget")
        answer = self.session.request(request, remaining)
        warnings = answer.get("warnings") or []
        self._warnings.extend(str(w) for w in warnings if isinstance(w, str))
        if not answer["ok"]:
            error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
            raise StudentError(
                str(error.get("type", "Error")),
                str(error.get("message", "")),
                str(error.get("traceback", "")),
            )
        return answer.get("value")


class _Grading:
    """State of one submission's grading run."""

    def __init__(self, program: Program, checks: Checks, result: SubmissionResult, salt: str,
                 on_progress: Callable[[SubmissionResult], None], server: ForkServerHandle):
        self.program = program
        self.checks = checks
        self.result = result
        self.salt = salt
        self.on_progress = on_progress
        self.session = WorkerSession(server)
        result.isolation = server.isolation
        self.excluded: set[str] = set()  # labels of cells that must not run again
        self.exec_notes: dict[str, str] = {}
        self.lost_during_exec: dict[str, str] = {}

    def run(self) -> None:
        try:
            self._start_and_run_program()
            for exercise_id in self._exercise_order():
                self.result.exercises.append(self._grade_exercise(exercise_id))
                self._total()
                self.on_progress(self.result)
        finally:
            self.result.output_tail = self.session.output_tail()
            self.result.worker_starts = self.session.starts
            self.session.cleanup()

    def _exercise_order(self) -> list[str]:
        """Exercises in the chapter's order (then any the template lacks)."""
        order = list(self.program.template_order)
        return order + [e for e in self.checks.exercise_ids() if e not in order]

    def _start_and_run_program(self) -> None:
        """(Re)start the worker and run every program cell not excluded."""
        while True:
            self._start_worker()
            try:
                for cell in self.program.cells:
                    if cell.label in self.excluded:
                        continue
                    self._exec(cell)
                return
            except WorkerLost as lost:
                self.excluded.add(self._current.label)
                if self._current.exercise_id:
                    self.lost_during_exec[self._current.exercise_id] = lost.reason
                else:
                    self.result.notes.append(f"{self._current.label} was skipped: {lost.reason}")

    def _start_worker(self) -> None:
        """Start a fresh worker; a start that fails is retried before giving up."""
        for attempt in range(WORKER_START_ATTEMPTS):
            try:
                self.session.start()
                return
            except WorkerLost as lost:
                if attempt == WORKER_START_ATTEMPTS - 1:
                    raise WorkerLost(f"no worker could be started: {lost.reason}") from None

    def _exec(self, cell) -> None:
        self._current = cell
        budget = (self.checks.budget_for(cell.exercise_id) if cell.exercise_id
                  else SETUP_CELL_BUDGET_S)
        started = time.monotonic()
        try:
            answer = self.session.request(
                {"op": "exec", "source": cell.source, "label": cell.label}, budget
            )
        finally:
            self.result.seconds_in_cells += time.monotonic() - started
        if not answer["ok"]:
            error = answer.get("error") or {}
            text = f"running the cell raised {error.get('type')}: {error.get('message')}"
            if cell.exercise_id:
                self.exec_notes[cell.exercise_id] = text
            else:
                self.result.notes.append(f"{cell.label}: {text}")

    def _grade_exercise(self, exercise_id: str) -> ExerciseResult:
        started = time.monotonic()
        checks = self.checks.for_exercise(exercise_id)
        outcome = ExerciseResult(exercise_id, max_score=sum(c.points for c in checks))
        reason = None
        if exercise_id in self.program.missing:
            outcome.status = "missing"
            reason = f"no cell for {exercise_id} in your notebook (keep its '# exercise:' line)"
        elif exercise_id in self.lost_during_exec:
            outcome.status = "lost"
            reason = f"running your cell failed: {self.lost_during_exec[exercise_id]}"
        if exercise_id in self.exec_notes:
            outcome.notes.append(self.exec_notes[exercise_id])
        seed = check_seed(exercise_id, self.salt)
        deadline = time.monotonic() + self.checks.budget_for(exercise_id)
        for check in checks:
            if reason is not None:
                outcome.checks.append(_not_run(check, reason))
                continue
            check_started = time.monotonic()
            try:
                outcome.checks.append(run_check(check, RemoteStudent(self.session, deadline), seed))
            except WorkerLost as lost:
                outcome.status = "lost"
                reason = f"not run: the worker was lost in an earlier check ({lost.reason})"
                outcome.checks.append(_not_run(check, lost.reason))
                outcome.notes.append(f"grading stopped in check {check.name}: {lost.reason}")
            finally:
                self.result.seconds_in_checks += time.monotonic() - check_started
        if outcome.status == "lost" and exercise_id not in self.lost_during_exec:
            self.excluded.add(f"exercise {exercise_id}")
            self._start_and_run_program()
        outcome.score = sum(c.earned for c in outcome.checks)
        outcome.seconds = round(time.monotonic() - started, 3)
        return outcome

    def _total(self) -> None:
        self.result.score = sum(e.score for e in self.result.exercises)


def _not_run(check, reason: str) -> CheckResult:
    return CheckResult(check.exercise_id, check.name, check.visibility, check.points, 0.0, False,
                       check.message, detail=reason)


@dataclass
class Prepared:
    """A submission read and matched to its chapter, ready for a worker."""

    cells: list
    chapter: str
    template: list
    checks: Checks


def prepare_submission(path: Path, project: Project) -> Prepared | str:
    """Read a submission and find its chapter, without any worker.

    Returns what grading needs, or the reason the file cannot be graded (so
    a batch of unreadable files never pays for warming up workers).
    """
    try:
        cells = read_cells(Path(path))
        chapter = detect_chapter(cells)
        template = read_cells(project.chapter_file(chapter))
        checks = load_checks(project, chapter)
    except (NotebookFormatError, NotASubmission) as error:
        return str(error)
    except ValueError as error:  # an unknown chapter
        return f"cannot grade this notebook: {error}"
    return Prepared(cells, chapter, template, checks)


def rejected_submission(path: Path, name: str, reason: str, isolation: str) -> SubmissionResult:
    """The result row of a file that ``prepare_submission`` refused."""
    return SubmissionResult(submission=name, path=str(path), isolation=isolation, error=reason)


def grade_submission(
    path: Path,
    prepared: Prepared,
    server: ForkServerHandle,
    name: str,
    salt: str = "",
    on_progress: Callable[[SubmissionResult], None] = lambda result: None,
) -> SubmissionResult:
    """Grade one prepared submission; never raises for what the student's
    code does (a failure of the grader itself lands in ``result.error``)."""
    started = time.monotonic()
    result = SubmissionResult(submission=name, path=str(path), isolation=server.isolation,
                              chapter=prepared.chapter)
    program = rebuild(prepared.template, prepared.cells, prepared.chapter)
    result.notes.extend(program.notes)
    result.max_score = sum(c.points for c in prepared.checks.checks)
    try:
        _Grading(program, prepared.checks, result, f"{salt}:{name}", on_progress, server).run()
    except Exception as error:  # the grader's own failure: say so, keep the batch going
        result.error = f"grader error: {type(error).__name__}: {error}"
    result.seconds = round(time.monotonic() - started, 3)
    result.overhead_seconds = round(
        max(0.0, result.seconds - result.seconds_in_checks - result.seconds_in_cells), 3)
    result.seconds_in_checks = round(result.seconds_in_checks, 3)
    result.seconds_in_cells = round(result.seconds_in_cells, 3)
    result.complete = not result.error
    return result
