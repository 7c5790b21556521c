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

from workbook.exercises.cells import (
    NotebookFormatError,
    cells_from_bytes,
    chapter_key,
    display_name,
    exercise_cells,
    read_cells,
)
from workbook.grading.api import Checks, StudentError
from workbook.grading.evaluate import (CheckResult, WorkerLost, check_seed, gate_visible_points,
                                       run_check)
from workbook.grading.intake import read_submission_bytes
from workbook.grading.inspect_model import model_request, replace_serialized
from workbook.grading.loader import load_checks
from workbook.grading.program import (NotASubmission, Program, detect_chapter,
                                      missing_cell_reason, rebuild)
from workbook.grading.session import ForkServerHandle, WorkerSession
from workbook.grading.wire import ModelInfo, contains_model_info
from workbook.project import Project

SETUP_CELL_BUDGET_S = 120.0
WORKER_START_ATTEMPTS = 3
SUBMISSION_BUDGET_CAP_S = 3600.0  # the default total wall budget never exceeds an hour
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
    limits: dict = field(default_factory=dict)  # as enforced: see ForkServerHandle.limits_record

    def to_dict(self) -> dict:
        return asdict(self)


class RemoteStudent:
    """The check's view of the student: requests to the worker, with a deadline."""

    def __init__(self, session: WorkerSession, deadline: float,
                 inspector: "Inspector | None" = None, sources: dict[str, str] | None = None):
        self.session = session
        self.deadline = deadline
        self.inspector = inspector
        self._sources = dict(sources or {})
        self._warnings: list[str] = []

    def call(self, name, *args, **kwargs):
        value = self._ask({"op": "call", "name": name, "args": list(args), "kwargs": kwargs})
        return self._inspected(value, {})

    def model(self, name, *args, inputs=None, set_weights=None, training_seed=None, **kwargs):
        model = model_request(inputs, set_weights, training_seed)
        request = {"op": "call", "name": name, "args": list(args), "kwargs": kwargs, "model": model}
        return self._inspected(self._ask(request), model)

    def sources(self) -> dict[str, str]:
        """The student's exercise cells, from the grader's own copy of the submission."""
        return dict(self._sources)

    def _inspected(self, value, model: dict):
        """Models arrive serialized; the inspector, not the worker, describes them."""
        if contains_model_info(value):
            raise StudentError("UnreadableResult", "a model description came from the worker; "
                               "the grader rebuilds models itself")
        if self.inspector is None:
            return value
        return replace_serialized(value, lambda serialized: self.inspector(serialized, model,
                                                                           self.deadline))

    def has(self, name) -> bool:
        return bool(self._ask({"op": "has", "name": name}))

    def gradient(self, name, *args, cotangent=None, **kwargs):
        request = {"op": "call", "name": name, "args": list(args), "kwargs": kwargs,
                   "gradient": {"cotangent": cotangent}}
        answer = self._inspected(self._ask(request), {})
        if not (isinstance(answer, dict) and isinstance(answer.get("gradients"), list)):
            raise StudentError("UnreadableResult", "the worker sent no gradients")
        return answer.get("value"), answer["gradients"]

    def reseed(self, seed: int) -> None:
        self._ask({"op": "seed", "seed": int(seed)})

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


class Inspector:
    """A second worker forked from the same clean warm image that never runs a
    student cell: it rebuilds and describes the models the student's worker
    serialized (grading.inspect_model). Started on first use, at most once
    per submission unless it is lost."""

    def __init__(self, server: ForkServerHandle):
        self.server = server
        self.session: WorkerSession | None = None

    def __call__(self, serialized, model: dict, deadline: float):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise WorkerLost("the exercise used up its time budget")
        try:
            if self.session is None:
                self.session = WorkerSession(self.server)
                self.session.start()
            answer = self.session.request({"op": "inspect", "model": serialized, **model}, remaining)
        except WorkerLost as lost:
            self.close()
            raise WorkerLost(f"rebuilding the model failed: {lost.reason}") from None
        value = answer.get("value")
        if not answer["ok"] or not isinstance(value, ModelInfo):
            error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
            raise StudentError("UnreadableModel", str(error.get("message", "no description")))
        return value

    def close(self) -> None:
        if self.session is not None:
            self.session.cleanup()
            self.session = None


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
        self.inspector = Inspector(server)
        result.isolation = server.isolation
        result.limits = server.limits_record()
        self.wall_budget = submission_budget(checks, server.limits.submission_seconds)
        self.wall_deadline = time.monotonic() + self.wall_budget
        self.wall_spent_in: list[str] = []  # exercises not graded for lack of total time
        self.killed_from_outside: list[str] = []
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
            if self.wall_spent_in:
                self.result.notes.append(
                    f"the submission used up its total time budget of {self.wall_budget:.0f} s: "
                    f"{', '.join(self.wall_spent_in)} not graded (0 points)")
        finally:
            self.result.output_tail = self.session.output_tail()
            self.result.worker_starts = self.session.starts
            self.session.cleanup()
            self.killed_from_outside += self.session.killed_from_outside
            if self.inspector.session is not None:
                self.inspector.session.cleanup()
                self.killed_from_outside += self.inspector.session.killed_from_outside
            self.inspector.close()

    def _wall_left(self) -> float:
        return self.wall_deadline - time.monotonic()

    def _exercise_order(self) -> list[str]:
        """Exercises in the chapter's order (then any the template lacks)."""
        order = list(self.program.template_order)
        return order + [e for e in self.checks.exercise_ids() if e not in order]

    def _start_and_run_program(self) -> None:
        """(Re)start the worker and run every program cell not excluded."""
        while self._wall_left() > 0:
            self._start_worker()
            try:
                for cell in self.program.cells:
                    if cell.label in self.excluded:
                        continue
                    if self._wall_left() <= 0:
                        return  # the exercises left get 0 with a note (_grade_exercise)
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
        budget = min(budget, max(self._wall_left(), 0.001))
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
            reason = missing_cell_reason(exercise_id)
        elif exercise_id in self.lost_during_exec:
            outcome.status = "lost"
            reason = f"running your cell failed: {self.lost_during_exec[exercise_id]}"
        elif self._wall_left() <= 0:
            outcome.status = "lost"
            reason = (f"not graded: the submission used up its total time budget "
                      f"({self.wall_budget:.0f} s)")
            self.wall_spent_in.append(exercise_id)
        if exercise_id in self.exec_notes:
            outcome.notes.append(self.exec_notes[exercise_id])
        seed = check_seed(exercise_id, self.salt)
        deadline = min(time.monotonic() + self.checks.budget_for(exercise_id), self.wall_deadline)
        for check in checks:
            if reason is not None:
                outcome.checks.append(_not_run(check, reason))
                continue
            check_started = time.monotonic()
            try:
                outcome.checks.append(run_check(check, RemoteStudent(self.session, deadline, self.inspector, self._sources()), seed))
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
        gate_visible_points(outcome.checks)  # the shipped checks alone earn nothing
        outcome.score = sum(c.earned for c in outcome.checks)
        outcome.seconds = round(time.monotonic() - started, 3)
        return outcome

    def _sources(self) -> dict[str, str]:
        return {c.exercise_id: c.source for c in self.program.cells if c.exercise_id}

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


@dataclass
class Submission:
    """A submission's bytes (as read once, bounded) and its cells."""

    raw: bytes
    cells: list
    chapter: str  # the chapter most of its exercise ids name


MAX_REASON_CHARS = 500


def read_submission(path: Path, max_bytes: int) -> Submission | str:
    """Read one submission file, or say why it cannot be graded.

    Never raises for what the file holds: whatever a hostile file provokes
    (a RecursionError, a MemoryError, a parser's bug) costs its own row only.
    """
    path = Path(path)
    try:
        raw = read_submission_bytes(path, max_bytes)
        cells = cells_from_bytes(raw, display_name(path), path.suffix)
        return Submission(raw, cells, detect_chapter(cells))
    except (NotebookFormatError, NotASubmission) as error:
        return str(error)[:MAX_REASON_CHARS]
    except Exception as error:
        return (f"cannot read {display_name(path)}: "
                f"{type(error).__name__}: {error}")[:MAX_REASON_CHARS]


def chapter_material(project: Project, chapter: str) -> tuple[list, Checks]:
    """The chapter's template cells and checks (a ValueError for an unknown chapter)."""
    return read_cells(project.chapter_file(chapter)), load_checks(project, chapter)


def prepare_submission(path: Path, submission: Submission, chapter: str,
                       material: tuple[list, Checks]) -> Prepared | str:
    """Match a read submission to the chapter its class is graded as.

    Returns what grading needs, or the reason the file is not graded (so a
    batch of such files never pays for warming up workers). A notebook is
    graded as ``chapter`` if it answers at least one of its exercises (cells
    of other chapters are ignored, with a note); one that answers none --
    another chapter's notebook -- is not graded.
    """
    if chapter not in {chapter_key(i) for i in exercise_cells(submission.cells)}:
        return (f"{display_name(path)} is a {submission.chapter} notebook (its exercise cells "
                f"are {submission.chapter}'s), but this class is graded as {chapter}; not graded")
    template, checks = material
    return Prepared(submission.cells, chapter, template, checks)


def rejected_submission(path: Path, name: str, reason: str, isolation: str,
                        chapter: str = "", max_score: float = 0.0) -> SubmissionResult:
    """The result row of a file that is not graded (``reason`` says why)."""
    return SubmissionResult(submission=name, path=str(path), isolation=isolation, error=reason,
                            chapter=chapter, max_score=max_score)


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
        grading = _Grading(program, prepared.checks, result, f"{salt}:{name}", on_progress, server)
        grading.run()
    except Exception as error:  # the grader's own failure: say so, keep the batch going
        result.error = f"grader error: {type(error).__name__}: {error}"
        grading = None
    result.seconds = round(time.monotonic() - started, 3)
    result.overhead_seconds = round(
        max(0.0, result.seconds - result.seconds_in_checks - result.seconds_in_cells), 3)
    result.seconds_in_checks = round(result.seconds_in_checks, 3)
    result.seconds_in_cells = round(result.seconds_in_cells, 3)
    result.complete = not result.error
    if grading is not None and grading.killed_from_outside:
        # Not the worker's budget and not the grader: an honest student may
        # have lost points to it, so this verdict is never cached.
        result.complete = False
        result.notes.append("a worker was killed from outside the grader "
                            f"({', '.join(sorted(set(grading.killed_from_outside)))}); "
                            "this result is not kept for regrading")
    return result


def submission_budget(checks: Checks, seconds: float | None) -> float:
    """The total wall time one submission may take: ``seconds`` if set, else
    room for every exercise's cell and checks plus the setup, capped."""
    if seconds is not None:
        return float(seconds)
    exercises = sum(checks.budget_for(e) for e in checks.exercise_ids())
    return min(SUBMISSION_BUDGET_CAP_S, SETUP_CELL_BUDGET_S + 2 * exercises)
