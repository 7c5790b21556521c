"""An in-process student proxy: calls functions from a namespace directly.

Used by the self-check (a student can only fool themselves there) and by the
tests of the checks. Results make the same round trip through the wire
encoding as in the grader, so a check behaves the same in both places.
"""

from __future__ import annotations

import os
import traceback
import warnings
from typing import Any

from workbook.grading.api import StudentError
from workbook.grading.convert import UnreadableResult, resolve_argument, serialize_model, to_plain
from workbook.grading.gradients import with_gradients
from workbook.grading.inspect_model import inspect_serialized, model_request, replace_serialized
from workbook.grading.wire import decode, encode


def roundtrip(value: Any) -> Any:
    payload, arrays = encode(value)
    return decode(payload, [a.copy() for a in arrays])


def student_traceback(error: BaseException, skip: int = 1) -> str:
    """The traceback without the grader's own frames."""
    frames = traceback.extract_tb(error.__traceback__)[skip:]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(error), error)
    return "".join(lines)[-4000:]


def invoke(namespace: dict, name: str, args, kwargs, model: dict | None = None,
           gradient: dict | None = None):
    """Look up ``name``, call it, convert the result; raises StudentError.

    With ``gradient`` ({"cotangent": array or None}) the result comes with its
    gradients with respect to the argument tensors (``grading.gradients``)."""
    target = namespace.get(name)
    if target is None:
        raise StudentError("NameError", f"{name!r} is not defined: its exercise cell did not define it (did the cell run to the end?)")
    if not callable(target):
        raise StudentError("TypeError", f"{name!r} is a {type(target).__name__}, not a function")
    args = [resolve_argument(a) for a in args]
    kwargs = {k: resolve_argument(v) for k, v in kwargs.items()}
    try:
        result = target(*args, **kwargs)
        if gradient is not None:
            result = with_gradients(result, args, kwargs, gradient.get("cotangent"))
        if model is not None:
            return serialize_model(
                result,
                inputs=resolve_argument(model.get("inputs")),
                set_weights=model.get("set_weights"),
                training_seed=model.get("training_seed"),
            )
        return to_plain(result)
    except UnreadableResult as error:
        raise StudentError("UnreadableResult", str(error)) from None
    except (Exception, SystemExit) as error:
        raise StudentError(type(error).__name__, str(error), student_traceback(error)) from None


def reseed_random_state(seed) -> None:
    """Seed Python's, numpy's, torch's and Keras' global random state (the
    worker's ``seed`` request and ``LocalStudent.reseed``)."""
    import keras

    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise StudentError("ProtocolError", f"a seed must be an integer in [0, 2**32), got {seed!r}")
    keras.utils.set_random_seed(seed)


LIBRARY_DEPRECATIONS = (DeprecationWarning, PendingDeprecationWarning)


def warnings_worth_showing(caught) -> list[str]:
    """The warnings a student should see, once each.

    Deprecation warnings that libraries raise about their own internals
    (Keras calling ``np.array`` on a variable, say) are not the student's
    doing and would only confuse; the student's own code (no file on disk:
    an exercise cell) keeps all of its warnings.
    """
    shown: dict[str, None] = {}
    for w in caught:
        from_library = os.path.isfile(str(w.filename))
        if from_library and issubclass(w.category, LIBRARY_DEPRECATIONS):
            continue
        shown.setdefault(f"{w.category.__name__}: {w.message}", None)
    return list(shown)


class LocalStudent:
    """``sources`` maps exercise ids to the student's cell text (for source checks)."""

    def __init__(self, namespace: dict, sources: dict[str, str] | None = None):
        self.namespace = namespace
        self._sources = sources
        self._warnings: list[str] = []

    def sources(self) -> dict[str, str]:
        if self._sources is None:
            self._sources = notebook_sources(self.namespace)
        return dict(self._sources)

    def has(self, name: str) -> bool:
        return callable(self.namespace.get(name))

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return self._run(name, args, kwargs, None)

    def model(self, name: str, *args: Any, inputs=None, set_weights=None, training_seed=None,
              **kwargs: Any):
        return self._run(name, args, kwargs, model_request(inputs, set_weights, training_seed))

    def gradient(self, name: str, *args: Any, cotangent=None, **kwargs: Any):
        answer = self._run(name, args, kwargs, None, {"cotangent": cotangent})
        return answer["value"], answer["gradients"]

    def reseed(self, seed: int) -> None:
        reseed_random_state(seed)

    def drain_warnings(self) -> list[str]:
        drained, self._warnings = self._warnings, []
        return drained

    def _run(self, name, args, kwargs, model, gradient=None):
        args, kwargs = roundtrip(list(args)), roundtrip(dict(kwargs))
        if model is not None:
            model = roundtrip(model)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = roundtrip(invoke(self.namespace, name, args, kwargs, model,
                                          roundtrip(gradient)))
                # The same rebuild as in the grader, here in-process.
                return replace_serialized(result, lambda serialized: _inspect_here(serialized, model))
            finally:
                self._warnings.extend(warnings_worth_showing(caught))


def _inspect_here(serialized, model: dict | None):
    try:
        return inspect_serialized(serialized, **(model or {}))
    except UnreadableResult as error:
        raise StudentError("UnreadableModel", str(error)) from None
    except Exception as error:  # a hostile config must fail the check, never the process
        raise StudentError("UnreadableModel", f"{type(error).__name__}: {error}") from None


def inspect_request(request: dict):
    """The worker's ``inspect`` op: the same rebuild, in the inspector process."""
    return _inspect_here(request.get("model"), model_request(
        request.get("inputs"), request.get("set_weights"), request.get("training_seed")))


def notebook_sources(namespace: dict) -> dict[str, str]:
    """Exercise cells as the running kernel last ran them (IPython's ``In``)."""
    from workbook.exercises.cells import FIRST_LINE_MARKER

    found: dict[str, str] = {}
    for text in namespace.get("In") or []:
        match = FIRST_LINE_MARKER.match(str(text).lstrip().split("\n", 1)[0])
        if match:
            found[match.group(1)] = str(text)
    return found
