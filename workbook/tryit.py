"""Feedback for the "Try it" experiments at the end of each section.

A Try-it question asks the reader to predict something, then run a cell that
measures it. These helpers compare the prediction with the measurement and
print one line of feedback; nothing is graded and nothing is recorded. The
answer is always what the cell measured on this machine, never a number
written into the chapter, so the feedback stays true on mock data, on a GPU
and in every profile.

    my_prediction = None          # the reader fills this in
    measured = ...                # the experiment
    compare_prediction(my_prediction, measured, rel_tol=0.1, what="training MSE")
"""

from __future__ import annotations

import math
from numbers import Real

__all__ = ["compare_prediction", "compare_choice"]


def _as_number(value, name):
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got the boolean {value}")
    if not isinstance(value, Real):
        try:
            value = float(value)  # NumPy and torch scalars
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a number, got {type(value).__name__}: {value!r}") from None
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return value


def _show(value: float) -> str:
    """Whole numbers in full (a parameter count of 85002 is not 8.5e+04)."""
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value)}"
    return f"{value:.4g}"


def compare_prediction(prediction, measured, *, rel_tol=0.1, abs_tol=0.0, what="the measurement"):
    """Print whether ``prediction`` is within tolerance of ``measured``.

    Returns ``None`` (and says what to do) while ``prediction`` is still
    ``None``, else ``True`` or ``False``. The tolerance is
    ``max(rel_tol * |measured|, abs_tol)``, so predictions of numbers near
    zero need an ``abs_tol``.
    """
    measured = _as_number(measured, "measured")
    if prediction is None:
        print(f"measured {what}: {_show(measured)}. Write your prediction down first next time"
              " (set the prediction variable, then run the cell again).")
        return None
    prediction = _as_number(prediction, "your prediction")
    tolerance = max(rel_tol * abs(measured), abs_tol)
    close = abs(prediction - measured) <= tolerance
    if close:
        verdict = "close: within"
    else:
        direction = "too high" if prediction > measured else "too low"
        verdict = f"{direction}: more than"
    print(f"measured {what}: {_show(measured)}; your prediction {_show(prediction)} is {verdict}"
          f" {tolerance:.3g} of it.")
    return close


def compare_choice(choice, measured, *, options=None, what="the outcome"):
    """Print whether the reader's ``choice`` names what the cell ``measured``.

    ``options`` (if given) lists the valid answers, so a typo is reported as
    such rather than as a wrong answer. Strings are compared without regard
    to case or surrounding spaces.
    """
    def normal(value):
        return value.strip().lower() if isinstance(value, str) else value

    if options is not None and measured not in options:
        raise ValueError(f"measured {what} {measured!r} is not one of the options {list(options)}")
    if choice is None:
        print(f"measured {what}: {measured!r}. Write your answer down first next time"
              " (set the answer variable, then run the cell again).")
        return None
    if options is not None and normal(choice) not in [normal(o) for o in options]:
        print(f"{choice!r} is not one of the options {list(options)}: pick one of those.")
        return None
    right = normal(choice) == normal(measured)
    print(f"measured {what}: {measured!r}; your answer {choice!r} is {'right' if right else 'not it'}.")
    return right
