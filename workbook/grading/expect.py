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


def expect_number_close(
    actual: Any,
    expected: float,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    what: str = "the result",
) -> float:
    """A single number (see ``expect_number``) within tolerance of ``expected``."""
    number = expect_number(actual, what)
    expect_close(number, expected, rtol=rtol, atol=atol, what=what)
    return number


def expect_numbers(value: Any, shape=None, what: str = "the result") -> np.ndarray:
    """An array of numbers, also when returned as a list or tuple.

    A list or tuple of plain numbers, or a list of one-element arrays (such as
    0-d tensors collected in a loop), becomes a float64 array; anything else
    must pass ``expect_array`` and keeps its dtype.
    """
    if isinstance(value, (list, tuple)) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
    ):
        value = np.asarray(value, dtype=np.float64)
    elif isinstance(value, list) and value and all(
        isinstance(v, np.ndarray) and v.size == 1 and v.dtype.kind in "biuf" for v in value
    ):
        value = np.array([float(v.reshape(())) for v in value])
    return expect_array(value, shape=shape, what=what)


def expect_sequence(value: Any, length: int, what: str = "the result") -> list:
    """A list or tuple of ``length`` items (an answer that returns several things)."""
    if not isinstance(value, (list, tuple)):
        raise CheckFailed(
            f"{what} should be a list or tuple of {length} items, got {_describe(value)}"
        )
    if len(value) != length:
        raise CheckFailed(f"{what} should have {length} items, got {len(value)}")
    return list(value)


def expect_dict(value: Any, keys, what: str = "the result") -> dict:
    """A dict that has (at least) the string ``keys``."""
    if not isinstance(value, dict):
        raise CheckFailed(
            f"{what} should be a dict with keys {sorted(keys)}, got {_describe(value)}"
        )
    missing = sorted(set(keys) - set(value))
    if missing:
        raise CheckFailed(f"{what} lacks the key(s) {missing}")
    return value


def expect_frame(value: Any, what: str = "the result") -> dict[str, np.ndarray]:
    """A pandas DataFrame's columns, by name, as float64 arrays.

    A DataFrame comes back from the worker as ``{"columns": [...], "data":
    {name: array}}``; every column must hold numbers.
    """
    if not (isinstance(value, dict) and "columns" in value and "data" in value):
        raise CheckFailed(f"{what} should be a pandas DataFrame, got {_describe(value)}")
    columns = {}
    for name in value["columns"]:
        column = expect_array(value["data"][name], what=f"column {name!r} of {what}")
        columns[name] = column.astype(np.float64)
    return columns


def expect_frame_close(
    value: Any,
    expected: dict,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    what: str = "the result",
) -> dict[str, np.ndarray]:
    """A DataFrame with exactly the columns of ``expected`` ({name: values}),
    each matching within tolerance; returns the columns as ``expect_frame`` does."""
    columns = expect_frame(value, what)
    missing = sorted(set(expected) - set(columns))
    extra = sorted(set(columns) - set(expected))
    if missing or extra:
        raise CheckFailed(
            f"{what} has the wrong columns: missing {missing}, unexpected {extra} "
            f"(expected {sorted(expected)})"
        )
    for name, values in expected.items():
        expect_close(columns[name], values, rtol=rtol, atol=atol, what=f"column {name!r} of {what}")
    return columns


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


def weight_shapes(info: ModelInfo) -> list[tuple[int, ...]]:
    """The shapes of a model's weights, in creation order, as tuples."""
    return [tuple(int(n) for n in np.shape(w)) for w in info.weights]


def expect_weight_shapes(info: ModelInfo, expected, what: str = "the weight shapes") -> None:
    """The model's weights have the ``expected`` shapes, in creation order."""
    expect_equal(weight_shapes(info), [tuple(s) for s in expected], what=what)


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, ModelInfo):
        return f"a Keras {value.class_name}"
    if value is None:
        return "None (did you forget to return?)"
    text = repr(value)
    return f"a {type(value).__name__} ({text[:60]}{'...' if len(text) > 60 else ''})"
