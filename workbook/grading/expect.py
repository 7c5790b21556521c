"""Comparisons for checks. They run on the trusted side with the grader's
own numpy, on plain data that came back from the worker."""

from __future__ import annotations

from typing import Any

import numpy as np

from workbook.grading.api import CheckFailed
from workbook.grading.wire import ModelInfo


def expect_true(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def expect_number(value: Any, what: str = "the result") -> float:
    """A real scalar (a 0-d or one-element array also counts)."""
    if isinstance(value, bool):
        raise CheckFailed(f"{what} is a bool ({value}); expected a number")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "biuf":
        number = float(value.reshape(()))
    else:
        raise CheckFailed(f"{what} should be a single number, got {_describe(value)}")
    if not np.isfinite(number):
        raise CheckFailed(f"{what} is {number}; expected a finite number")
    return number


def expect_array(value: Any, shape=None, what: str = "the result") -> np.ndarray:
    """A numeric array (numbers count as 0-d arrays), optionally of one shape."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = np.asarray(value, dtype=np.float64)
    if not isinstance(value, np.ndarray):
        raise CheckFailed(f"{what} should be an array or tensor, got {_describe(value)}")
    if value.dtype.kind not in "biuf":
        raise CheckFailed(f"{what} has dtype {value.dtype}; expected numbers")
    if shape is not None and tuple(value.shape) != tuple(shape):
        raise CheckFailed(f"{what} has shape {tuple(value.shape)}; expected {tuple(shape)}")
    return value


def expect_close(
    actual: Any,
    expected: Any,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    what: str = "the result",
    check_shape: bool = True,
) -> np.ndarray:
    """``actual`` matches ``expected`` element by element within tolerance."""
    expected = np.asarray(expected, dtype=np.float64)
    actual = expect_array(actual, what=what)
    if check_shape and actual.shape != expected.shape:
        raise CheckFailed(f"{what} has shape {actual.shape}; expected {expected.shape}")
    actual = actual.astype(np.float64)
    if not check_shape:
        if actual.size != expected.size:
            raise CheckFailed(f"{what} has {actual.size} elements; expected {expected.size}")
        actual = actual.reshape(expected.shape)
    if not np.all(np.isfinite(actual)):
        raise CheckFailed(f"{what} contains NaN or infinity")
    close = np.isclose(actual, expected, rtol=rtol, atol=atol)
    if not np.all(close):
        index = np.unravel_index(np.argmin(close), close.shape) if close.ndim else ()
        where = f" at index {tuple(int(i) for i in index)}" if index else ""
        raise CheckFailed(
            f"{what} is off{where}: got {actual[index]:.6g}, expected {expected[index]:.6g} "
            f"({int(np.size(close) - np.sum(close))} of {np.size(close)} values differ)"
        )
    return actual


def expect_equal(actual: Any, expected: Any, what: str = "the result") -> None:
    if isinstance(expected, np.ndarray) or isinstance(actual, np.ndarray):
        if not (isinstance(actual, np.ndarray) and np.array_equal(actual, expected)):
            raise CheckFailed(f"{what} is {_describe(actual)}; expected {_describe(expected)}")
        return
    if type(actual) is not type(expected) or actual != expected:
        raise CheckFailed(f"{what} is {actual!r}; expected {expected!r}")


def expect_model(value: Any, what: str = "the result") -> ModelInfo:
    if not isinstance(value, ModelInfo):
        raise CheckFailed(f"{what} should be a Keras model, got {_describe(value)}")
    return value


def expect_functional(value: Any, what: str = "the model") -> ModelInfo:
    """A Keras model built with the functional API (Input -> layers -> Model)."""
    info = expect_model(value, what)
    if not info.functional:
        raise CheckFailed(
            f"{what} is a {info.class_name}, not a functional model: build it as "
            "keras.Model(inputs, outputs) from a keras.Input"
        )
    return info


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, ModelInfo):
        return f"a Keras {value.class_name}"
    if value is None:
        return "None (did you forget to return?)"
    text = repr(value)
    return f"a {type(value).__name__} ({text[:60]}{'...' if len(text) > 60 else ''})"
