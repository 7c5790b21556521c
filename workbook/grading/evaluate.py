"""Run checks against a student proxy and record what happened.

Shared by the grader (remote proxy, trusted process) and the self-check
(in-process proxy). Worker failures (a crash, a timeout) are not a check's
business: they propagate as ``WorkerLost`` to the runner.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field

import numpy as np

from workbook.grading.api import Check, CheckFailed, StudentError


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


def run_check(check: Check, student, seed: int) -> CheckResult:
    result = CheckResult(
        check.exercise_id, check.name, check.visibility, check.points, 0.0, False, check.message
    )
    rng = np.random.default_rng(seed)
    drain = getattr(student, "drain_warnings", None)
    try:
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
