"""Run checks against a student proxy and record what happened.

Shared by the grader (remote proxy, trusted process) and the self-check
(in-process proxy). Worker failures (a crash, a timeout) are not a check's
business: they propagate as ``WorkerLost`` to the runner.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field

import numpy as np

from workbook.grading.api import HIDDEN, VISIBLE, Check, CheckFailed, StudentError

# Why a visible check that passed earned nothing (see gate_visible_points).
HIDDEN_GATE_NOTE = ("passed, but no hidden check of this exercise passed, and visible checks "
                    "earn their points only together with at least one hidden check")


class WorkerLost(Exception):
    """The worker died or ran out of time; ``reason`` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class CheckResult:
    exercise_id: str
    name: str
    visibility: str
    points: float
    earned: float
    passed: bool
    message: str  # what the check expects (the author's message)
    detail: str = ""  # what went wrong, when it failed
    student_traceback: str = ""
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def check_seed(exercise_id: str, salt: str) -> int:
    """A seed per exercise and submission: inputs differ between students."""
    digest = hashlib.sha256(f"{salt}\x00{exercise_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def student_seed(seed: int, check_name: str) -> int:
    """The seed of the student's random state for one check.

    Derived from the exercise's seed (so from the grading secret, the student
    and the exercise) and the check's name, so that no two checks, students or
    secrets share a draw. Below 2**32: numpy's global seed takes no more.
    """
    digest = hashlib.sha256(f"{seed}\x00{check_name}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def run_check(check: Check, student, seed: int) -> CheckResult:
    result = CheckResult(
        check.exercise_id, check.name, check.visibility, check.points, 0.0, False, check.message
    )
    rng = np.random.default_rng(seed)
    drain = getattr(student, "drain_warnings", None)
    try:
        # Before every check, so a statistical check never sees the draw
        # that the chapter's own set_seed(42) fixed for every student.
        student.reseed(student_seed(seed, check.name))
        check.function(student, rng)
    except CheckFailed as failure:
        result.detail = str(failure) or "the check failed"
    except StudentError as error:
        result.detail = f"your code raised {error.error_type}: {error.message}"
        result.student_traceback = error.traceback
    except WorkerLost:
        raise
    except Exception as error:  # a bug in the check itself, or odd data
        # Only the type and message: a hidden check's source is never shown.
        result.detail = (
            f"the check could not evaluate your answer ({type(error).__name__}: {error})"
        )
    else:
        result.passed = True
        result.earned = check.points
    if drain is not None:
        result.warnings = drain()
    return result


def gate_visible_points(results: list[CheckResult]) -> None:
    """Visible checks earn their points only if a hidden check of the same
    exercise passes too.

    The visible checks ship with the notebook, so an answer made of their
    constants alone (no implementation) would pass them; the hidden checks
    draw fresh inputs per student. At least one (not all) hidden check must
    pass, so an answer that is right but for one edge case keeps its visible
    points. ``results`` are one exercise's; the passing visible checks of a
    gated exercise get 0 points and ``HIDDEN_GATE_NOTE`` as their detail.
    """
    if any(r.passed for r in results if r.visibility == HIDDEN):
        return
    for result in results:
        if result.visibility == VISIBLE and result.passed:
            result.earned = 0.0
            result.detail = HIDDEN_GATE_NOTE
