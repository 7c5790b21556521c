"""Comparisons for checks. They run on the trusted side with the grader's
own numpy, on plain data that came back from the worker."""

from __future__ import annotations

from typing import Any

import numpy as np

from workbook.grading.api import CheckFailed, StudentError
from workbook.grading.wire import ModelInfo, tensor


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


def expect_python_number(value: Any, what: str = "the result") -> float:
    """A Python int or float (NumPy scalars arrive as such), not a tensor or
    array of one element: for statements that say "return a number"."""
    if isinstance(value, np.ndarray):
        raise CheckFailed(f"{what} should be a Python number (use float(...)), got "
                          f"{_describe(value)}")
    return expect_number(value, what)


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


def expect_model(value: Any, what: str = "the result", custom_layers: bool = False) -> ModelInfo:
    """A Keras model or layer. Unless ``custom_layers`` (the exercise asks for
    a layer class of the student's own), the grader must have rebuilt it from
    its config: only then are its structure and outputs the grader's own."""
    if not isinstance(value, ModelInfo):
        raise CheckFailed(f"{what} should be a Keras model, got {_describe(value)}")
    if not (value.rebuilt or custom_layers):
        why = (f"it uses classes Keras does not know: {', '.join(value.custom_classes)}"
               if value.custom_classes else "it has no Keras config (get_config failed)")
        raise CheckFailed(f"the grader could not rebuild {what} from its config ({why}); "
                          "build it from Keras' own layers")
    return value


def expect_functional(value: Any, what: str = "the model", custom_layers: bool = False) -> ModelInfo:
    """A Keras model built with the functional API (Input -> layers -> Model)."""
    info = expect_model(value, what, custom_layers)
    if not info.functional:
        raise CheckFailed(
            f"{what} is a {info.class_name}, not a functional model: build it as "
            "keras.Model(inputs, outputs) from a keras.Input"
        )
    return info


def expect_source_avoids(student, exercise_id: str, names, what: str = "your code") -> None:
    """The student's code for ``exercise_id`` (and what it uses from their
    other cells) never names any of ``names`` -- for "write it without Dense".

    The source comes from the grader's copy of the submission, not from the
    worker; see ``grading.source_check``. Pair it with a search of the
    model's nested layers (``ModelInfo.layers_built_on``).
    """
    from workbook.grading.source_check import forbidden_uses

    found = forbidden_uses(student.sources(), exercise_id, names)
    if found:
        raise CheckFailed(f"{what} must not use {', '.join(found[:5])}: write it yourself")


# What "write the layer yourself, without Dense" rules out.
DENSE_LIKE = ("Dense", "EinsumDense", "Linear")


def expect_built_without(student, info: ModelInfo, exercise_id: str, names=DENSE_LIKE) -> None:
    """Neither the model (nested layers included) nor the exercise's source
    uses any of the layer classes ``names``."""
    for name in names:
        found = info.layers_built_on(name)
        if found:
            raise CheckFailed(f"write the layer yourself: the model holds a {name} layer "
                              f"({found[0].get('name')})")
    expect_source_avoids(student, exercise_id, names)


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


# ------------------------------------------------------- random samples
# A statistic of a sample the student drew is compared with its expected value
# within SAMPLE_Z standard errors, each computed from the sample's size: a right
# answer fails one such comparison with probability about 2e-9 (normal
# approximation), while a plausible wrong distribution (a spread 10% off, a
# uniform where a normal is asked for) fails with high probability once the
# sample is large enough -- size it so (docs/authoring.md, "Checks that catch
# real mistakes").
SAMPLE_Z = 6.0


def _sample(values: Any, what: str) -> np.ndarray:
    sample = expect_array(values, what=what).astype(np.float64).ravel()
    if sample.size < 100:
        raise ValueError(f"a statistical check needs at least 100 values, got {sample.size}")
    if not np.all(np.isfinite(sample)):
        raise CheckFailed(f"{what} contains NaN or infinity")
    return sample


def expect_normal_sample(values: Any, std: float, *, mean: float = 0.0,
                         what: str = "the sample") -> np.ndarray:
    """``values`` look like independent N(mean, std^2) draws: their mean,
    standard deviation and kurtosis each within SAMPLE_Z standard errors.

    The kurtosis (3 for a normal, 1.8 for a uniform) tells a normal from a
    uniform of the same standard deviation. Returns the values in float64.
    """
    sample = _sample(values, what)
    n = sample.size
    center = float(sample.mean())
    expect_true(abs(center - mean) <= SAMPLE_Z * std / np.sqrt(n),
                f"{what} has mean {center:.4g}; expected {mean:.4g}")
    spread, tolerance = float(sample.std()), SAMPLE_Z / np.sqrt(2 * n)
    expect_true(abs(spread / std - 1) <= tolerance,
                f"{what} has standard deviation {spread:.4g}; expected {std:.4g} "
                f"(within {tolerance:.1%} for {n} values)")
    deviations = (sample - center) ** 2
    kurtosis = float(np.mean(deviations**2) / np.mean(deviations) ** 2)
    expect_true(abs(kurtosis - 3) <= SAMPLE_Z * np.sqrt(24 / n),
                f"{what} does not look normally distributed: its kurtosis is {kurtosis:.3g}, "
                "a normal distribution's is 3 (a uniform one's 1.8)")
    return sample


def expect_uniform_sample(values: Any, low: float, high: float,
                          what: str = "the sample") -> np.ndarray:
    """``values`` look like independent U(low, high) draws: all inside the
    interval, both ends reached, mean and variance within SAMPLE_Z standard
    errors. Returns the values in float64.

    n uniform draws all stay ``eps * (high - low)`` away from one end with
    probability (1 - eps)^n < exp(-eps n); eps = 30 / n makes that 1e-13, and
    catches a bound off by a fraction of a percent on a large sample.
    """
    sample = _sample(values, what)
    n, width = sample.size, high - low
    slack = 1e-6 * max(abs(low), abs(high))  # float32 rounding of the bounds
    smallest, largest = float(sample.min()), float(sample.max())
    expect_true(low - slack <= smallest and largest <= high + slack,
                f"{what} has values outside [{low:.5g}, {high:.5g}]: from {smallest:.5g} "
                f"to {largest:.5g}")
    reach = min(0.05, 30 / n) * width
    expect_true(smallest < low + reach and largest > high - reach,
                f"{what} spans only [{smallest:.5g}, {largest:.5g}]; {n} draws from "
                f"U({low:.5g}, {high:.5g}) come within {reach:.2g} of both ends")
    center, variance = float(sample.mean()), width**2 / 12
    expect_true(abs(center - (low + high) / 2) <= SAMPLE_Z * np.sqrt(variance / n),
                f"{what} has mean {center:.4g}; expected {(low + high) / 2:.4g}")
    # Var(s^2) = (kurtosis - 1) sigma^4 / n, and a uniform's kurtosis is 1.8.
    ratio = float(sample.var()) / variance
    expect_true(abs(ratio - 1) <= SAMPLE_Z * np.sqrt(0.8 / n),
                f"{what} has variance {sample.var():.5g}; U({low:.5g}, {high:.5g}) has "
                f"{variance:.5g}")
    return sample


def expect_rate(flags: Any, p: float, what: str = "the share") -> float:
    """The share of true ``flags`` (independent events) is p within SAMPLE_Z
    binomial standard errors, sqrt(p (1 - p) / n). Returns the share."""
    flags = np.asarray(flags, dtype=bool).ravel()
    share = float(flags.mean())
    tolerance = SAMPLE_Z * np.sqrt(p * (1 - p) / flags.size)
    expect_true(abs(share - p) <= tolerance,
                f"{what} is {share:.4f}; expected {p:.4f} (within {tolerance:.4f} "
                f"for {flags.size} values)")
    return share


def expect_dtype(value: Any, dtype: str, what: str = "the result") -> np.ndarray:
    """A numeric array of exactly ``dtype`` (float32 where a statement asks for it)."""
    array = expect_array(value, what=what)
    if array.dtype != np.dtype(dtype):
        raise CheckFailed(f"{what} has dtype {array.dtype}; expected {np.dtype(dtype)}")
    return array


DTYPE_KINDS = {"integer": "iu", "float": "f"}


def expect_dtype_kind(value: Any, kind: str, what: str = "the result") -> np.ndarray:
    """A numeric array of any ``"integer"`` or ``"float"`` dtype (integer
    counts, a float one-hot matrix: where a statement asks for the kind)."""
    array = expect_array(value, what=what)
    if array.dtype.kind not in DTYPE_KINDS[kind]:
        raise CheckFailed(f"{what} has dtype {array.dtype}; expected {kind} numbers")
    return array


def expect_gradient(gradient: Any, expected: Any, *, rtol: float = 1e-4, atol: float = 1e-5,
                    what: str = "the gradient") -> np.ndarray:
    """One entry of ``student.gradient(...)``'s gradients matches ``expected``;
    None (no gradient flowed) fails with a hint about keras.ops."""
    if gradient is None:
        raise CheckFailed(
            f"{what} is missing: autograd cannot differentiate your result (computed with "
            "NumPy, float() or .detach()?); compute it with keras.ops on the given tensors"
        )
    return expect_close(gradient, expected, rtol=rtol, atol=atol, what=what)


def expect_value_and_gradients(student, name: str, args, reference, what: str, *, cotangent,
                               grad_args=None, rtol: float = 1e-4, atol: float = 1e-7,
                               grad_rtol: float = 1e-4, grad_atol: float = 1e-5,
                               call_kwargs: dict | None = None) -> None:
    """The student's ``name(*args, **call_kwargs)`` matches ``reference`` in
    value and in the gradients of ``sum(cotangent * result)``.

    The arguments at ``grad_args`` (default: all) go over as tensors that
    require gradients, which the student receives as float32, so the
    reference sees them rounded to float32 as well; the others go as float64
    arrays. ``reference`` gets every argument as a float64 torch tensor and
    computes the expected result with torch, whose autograd gives the
    expected gradients. ``cotangent(shape)`` draws the weights of the sum.
    """
    import torch

    grad_args = list(range(len(args)) if grad_args is None else grad_args)
    args = [np.asarray(np.asarray(a, dtype=np.float32) if i in grad_args else a, dtype=np.float64)
            for i, a in enumerate(args)]
    leaves = [torch.tensor(a, requires_grad=i in grad_args) for i, a in enumerate(args)]
    result = reference(*leaves)
    weights = np.asarray(cotangent(tuple(result.shape)), dtype=np.float64)
    wanted = torch.autograd.grad((result * torch.tensor(weights)).sum(), [leaves[i] for i in grad_args])
    passed = [tensor(a, requires_grad=True) if i in grad_args else a for i, a in enumerate(args)]
    value, grads = expect_sequence(
        student.gradient(name, *passed, cotangent=weights, **(call_kwargs or {})), 2, what)
    expect_close(value, result.detach().numpy(), rtol=rtol, atol=atol, what=what)
    grads = grads if isinstance(grads, (list, tuple)) else [grads]
    for index, got, want in zip(grad_args, expect_sequence(grads, len(grad_args), what), wanted):
        respect = f" with respect to argument {index + 1}" if len(grad_args) > 1 else ""
        expect_gradient(got, want.numpy(), rtol=grad_rtol, atol=grad_atol,
                        what=f"the gradient of {what}{respect}")


def expect_int(value: Any, what: str = "the result") -> int:
    """An integer count: a Python or NumPy int (a one-element integer array
    counts), not a float that happens to be whole, nor a bool."""
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iu":
        value = value.reshape(()).item()
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise CheckFailed(f"{what} is {value!r}; expected an int (use // for sizes and counts)")
    return int(value)


def expect_student_raises(student, exception: str, name: str, *args, **kwargs) -> None:
    """The student's ``name(*args, **kwargs)`` raises ``exception`` (a class
    name such as ``"ValueError"``), as the statement asks for bad arguments.
    Any other error the student's code raises propagates as itself."""
    try:
        student.call(name, *args, **kwargs)
    except StudentError as error:
        if error.error_type != exception:
            raise
        return
    shown = ", ".join(_brief(a) for a in args)
    raise CheckFailed(f"{name}({shown}) should raise {exception}")


def _brief(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"<array {value.shape} {value.dtype}>"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
