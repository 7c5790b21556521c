"""Registering checks.

A chapter's checks live in ``tests/checks/chNN_slug.py`` (visible: shipped to
students) and ``tests/checks/hidden/chNN_slug.py`` (hidden: instructors
only). Each module creates a ``Checks`` object named ``checks`` and decorates
check functions::

    checks = Checks("ch03")

    @checks.visible("ch03.squared_loss", points=1,
                    message="squared_loss(y_hat, y) returns (y_hat - y)**2 / 2 "
                            "element by element, with the shape of y_hat")
    def squared_loss_on_a_small_batch(student, rng):
        y_hat, y = rng.normal(size=(2, 5, 1))
        got = student.call("squared_loss", y_hat, y)
        expect_close(got, (y_hat - y) ** 2 / 2)

A check function receives ``student`` (a proxy: ``student.call(name, ...)``
runs the student's function on the other side of the trust boundary and
returns plain data) and ``rng`` (a numpy Generator seeded per submission and
exercise). The student's own random state (``keras.random``, initializers,
dropout) is reseeded before each check the same way, so a statistical check
sees a different sample for every student. It passes by returning, fails by
raising ``CheckFailed`` (the ``expect_*`` helpers do). Any exception raised
by the *student's* code shows up as ``StudentError`` and fails the check with
the student's traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from workbook.exercises.cells import EXERCISE_ID, chapter_key

VISIBLE = "visible"
HIDDEN = "hidden"
DEFAULT_BUDGET_S = 30.0


class CheckFailed(AssertionError):
    """A check found a wrong answer; the text says what was wrong."""


class StudentError(Exception):
    """The student's code raised an exception (or its result was unreadable)."""

    def __init__(self, error_type: str, message: str, traceback: str = ""):
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message
        self.traceback = traceback


class Student(Protocol):
    def call(self, name: str, *args: Any, **kwargs: Any) -> Any: ...

    def model(self, name: str, *args: Any, inputs=None, set_weights=None, **kwargs: Any): ...

    def has(self, name: str) -> bool: ...

    def sources(self) -> dict[str, str]: ...  # exercise id -> the student's cell (grader's copy)

    def gradient(self, name: str, *args: Any, cotangent=None, **kwargs: Any):
        """``(value, gradients)``: the result of ``call`` and the gradient of
        ``sum(cotangent * result)`` (``sum(result)`` without a cotangent) with
        respect to each argument made with ``tensor(..., requires_grad=True)``,
        in argument order; None where the result is not differentiable in it
        (NumPy, ``float()``, ``detach()``). See ``expect_gradient``."""

    def reseed(self, seed: int) -> None:
        """Seed the student's random state (Python, numpy, torch, Keras).

        ``run_check`` calls it before every check with a seed from the
        grading secret, the student, the exercise and the check; a check that
        wants several independent draws may call it again with its own seeds.
        """


CheckFunction = Callable[[Student, Any], None]


@dataclass(frozen=True)
class Check:
    exercise_id: str
    name: str
    function: CheckFunction = field(compare=False, repr=False)
    points: float
    visibility: str
    message: str


class Checks:
    """The checks of one chapter, as registered by a check module."""

    def __init__(self, chapter: str):
        if not (len(chapter) == 4 and chapter.startswith("ch") and chapter[2:].isdigit()):
            raise ValueError(f"chapter must look like 'ch03', got {chapter!r}")
        self.chapter = chapter
        self.checks: list[Check] = []
        self.budgets: dict[str, float] = {}

    def visible(self, exercise_id: str, *, message: str, points: float = 1):
        return self._register(exercise_id, VISIBLE, message, points)

    def hidden(self, exercise_id: str, *, message: str, points: float = 1):
        return self._register(exercise_id, HIDDEN, message, points)

    def budget(self, exercise_id: str, seconds: float) -> None:
        """Allow an exercise more (or less) wall time than the default 30 s."""
        self._validate_id(exercise_id)
        if seconds <= 0:
            raise ValueError(f"budget must be positive, got {seconds}")
        self.budgets[exercise_id] = float(seconds)

    def budget_for(self, exercise_id: str) -> float:
        return self.budgets.get(exercise_id, DEFAULT_BUDGET_S)

    def exercise_ids(self) -> list[str]:
        seen: dict[str, None] = {}
        for check in self.checks:
            seen.setdefault(check.exercise_id, None)
        return list(seen)

    def for_exercise(self, exercise_id: str, visible_only: bool = False) -> list[Check]:
        return [
            c
            for c in self.checks
            if c.exercise_id == exercise_id and (c.visibility == VISIBLE or not visible_only)
        ]

    def merge(self, other: "Checks") -> "Checks":
        if other.chapter != self.chapter:
            raise ValueError(f"cannot merge checks of {other.chapter} into {self.chapter}")
        merged = Checks(self.chapter)
        merged.checks = [*self.checks, *other.checks]
        merged.budgets = {**self.budgets, **other.budgets}
        names = [(c.exercise_id, c.name) for c in merged.checks]
        if len(names) != len(set(names)):
            raise ValueError(f"{self.chapter}: two checks share an exercise id and name")
        return merged

    def _validate_id(self, exercise_id: str) -> None:
        if not EXERCISE_ID.match(exercise_id):
            raise ValueError(f"bad exercise id {exercise_id!r}; expected like 'ch03.squared_loss'")
        if chapter_key(exercise_id) != self.chapter:
            raise ValueError(f"exercise {exercise_id} does not belong to chapter {self.chapter}")

    def _register(self, exercise_id: str, visibility: str, message: str, points: float):
        self._validate_id(exercise_id)
        if points <= 0:
            raise ValueError(f"points must be positive, got {points}")
        if not message.strip():
            raise ValueError("every check needs a message that says what was expected")

        def decorator(function: CheckFunction) -> CheckFunction:
            self.checks.append(
                Check(exercise_id, function.__name__, function, float(points), visibility, message)
            )
            return function

        return decorator
