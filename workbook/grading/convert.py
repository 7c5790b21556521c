"""Student side of the boundary: turn the student's results into plain data
and the grader's argument markers into real objects.

This runs inside the worker (and in the in-notebook self-check). Nothing here
is trusted by the grader: whatever it returns is re-validated by ``wire``,
and a Keras model is only serialized here: it is rebuilt and inspected where
no student code runs (``inspect_model``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

MAX_DEPTH = 20


class UnreadableResult(TypeError):
    pass


def resolve_argument(value: Any) -> Any:
    """Turn ``tensor(...)`` and ``fixture(...)`` markers into real objects."""
    if isinstance(value, dict):
        if "__tensor__" in value:
            import torch

            result = torch.as_tensor(np.array(value["__tensor__"]))
            if value.get("requires_grad"):
                result = result.to(torch.float32).requires_grad_(True)
            return result
        if "__fixture__" in value:
            from workbook.grading import fixtures

            return getattr(fixtures, value["__fixture__"])
        return {k: resolve_argument(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_argument(v) for v in value]
    if isinstance(value, tuple):
        return tuple(resolve_argument(v) for v in value)
    return value


def to_plain(value: Any, depth: int = 0) -> Any:
    """Numbers, strings, arrays, lists, tuples, dicts and serialized models only."""
    if depth > MAX_DEPTH:
        raise UnreadableResult("the result is nested too deeply")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return plain_array(value)
    module = type(value).__module__ or ""
    if module.startswith("torch"):
        import torch

        if isinstance(value, torch.Tensor):
            return plain_array(value.detach().cpu().numpy())
    if module.startswith("keras"):
        return _plain_keras(value)
    if module.startswith("pandas"):
        return _plain_pandas(value, depth)
    if isinstance(value, (list, tuple)):
        items = [to_plain(v, depth + 1) for v in value]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, dict):
        return {str(k): to_plain(v, depth + 1) for k, v in value.items()}
    raise UnreadableResult(
        f"the grader cannot read a {type(value).__name__}; return a number, "
        "an array or tensor, a list, tuple or dict of those, or a Keras model"
    )


def plain_array(array: np.ndarray) -> np.ndarray:
    if array.dtype.kind not in "biufcU":
        raise UnreadableResult(
            f"the result is an array of dtype {array.dtype}; return numbers, not Python objects"
        )
    return np.array(array)


def _plain_keras(value: Any) -> Any:
    import keras

    if isinstance(value, keras.Variable):
        return plain_array(np.asarray(keras.ops.convert_to_numpy(value)))
    if isinstance(value, keras.KerasTensor):
        raise UnreadableResult(
            "the result is a symbolic KerasTensor; call the model on data "
            "(or return the model itself) instead"
        )
    if isinstance(value, keras.layers.Layer):
        return serialize_model(value)
    raise UnreadableResult(f"the grader cannot read a {type(value).__name__}")


def _plain_pandas(value: Any, depth: int) -> Any:
    import pandas as pd

    if isinstance(value, pd.Series):
        return {"name": str(value.name), "values": _frame_column(value)}
    if isinstance(value, pd.DataFrame):
        return {
            "columns": [str(c) for c in value.columns],
            "data": {str(c): _frame_column(value[c]) for c in value.columns},
        }
    raise UnreadableResult(f"the grader cannot read a {type(value).__name__}")


def _frame_column(series) -> np.ndarray:
    values = series.to_numpy()
    if values.dtype.kind == "O":
        return np.array([("" if v is None else str(v)) for v in values], dtype=str)
    return plain_array(values)


def serialize_model(obj: Any, inputs: Any = None, set_weights: Any = None,
                    training_seed: Any = None) -> dict:
    """What the grader needs to rebuild a Keras model or layer elsewhere.

    The config as JSON text (``serialize_keras_object``: no pickle, never a
    Lambda's bytecode) and the weights as arrays; only where the model holds
    classes Keras does not know (the student's own layers) or has no config,
    also this side's description of it and, on ``inputs``, its outputs: that
    needs the student's code. ``inspect_model`` does the rest.
    """
    import json

    import keras

    from workbook.grading.inspect_model import (SERIALIZED_MARK, custom_classes, describe_layer_object,
                                               nested_layers)

    if not isinstance(obj, keras.layers.Layer):
        raise UnreadableResult(f"expected a Keras model or layer, got {type(obj).__name__}")
    if not obj.built and inputs is not None:
        obj(inputs, training=False)  # a bare layer builds (makes its weights) on its first call
    if set_weights is not None:
        obj.set_weights([np.asarray(w) for w in set_weights])
    try:
        raw = keras.saving.serialize_keras_object(obj)
        config = json.dumps(raw)
    except Exception:  # e.g. a custom layer whose get_config fails
        raw = config = None
    message = {
        SERIALIZED_MARK: 1,
        "config": config,
        "weights": [plain_array(np.asarray(keras.ops.convert_to_numpy(w))) for w in obj.weights],
    }
    custom = [layer for layer in [obj, *nested_layers(obj)]
              if not type(layer).__module__.startswith("keras.")]
    if custom or config is None or custom_classes(raw):  # the grader cannot rebuild it
        outputs = model_outputs(obj, inputs) if inputs is not None else None
        training = training_outputs(obj, inputs, training_seed)
        message["claims"] = dict(describe_layer_object(obj, outputs, rebuilt=False,
                                                       outputs_training=training).__dict__)
    return message


def model_outputs(obj: Any, inputs: Any) -> Any:
    """A model's outputs on ``inputs`` (inference mode), as plain data."""
    return to_plain(obj(inputs if not isinstance(inputs, list) else list(inputs), training=False))


def training_outputs(obj: Any, inputs: Any, seed: Any) -> Any:
    """The outputs on ``inputs`` with ``training=True`` (dropout on), Keras'
    random state seeded with ``seed`` first so the draw is the check's; None
    unless both are given."""
    if inputs is None or seed is None:
        return None
    import keras

    keras.utils.set_random_seed(int(seed))
    return to_plain(obj(inputs if not isinstance(inputs, list) else list(inputs), training=True))
