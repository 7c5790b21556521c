"""Student side of the boundary: turn the student's results into plain data
and the grader's argument markers into real objects.

This runs inside the worker (and in the in-notebook self-check). Nothing here
is trusted by the grader: whatever it returns is re-validated by ``wire``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workbook.grading.wire import ModelInfo

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
    """Numbers, strings, arrays, lists, tuples, dicts and ModelInfo only."""
    if depth > MAX_DEPTH:
        raise UnreadableResult("the result is nested too deeply")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return _plain_array(value)
    module = type(value).__module__ or ""
    if module.startswith("torch"):
        import torch

        if isinstance(value, torch.Tensor):
            return _plain_array(value.detach().cpu().numpy())
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


def _plain_array(array: np.ndarray) -> np.ndarray:
    if array.dtype.kind not in "biufcU":
        raise UnreadableResult(
            f"the result is an array of dtype {array.dtype}; return numbers, not Python objects"
        )
    return np.array(array)


def _plain_keras(value: Any) -> Any:
    import keras

    if isinstance(value, keras.Variable):
        return _plain_array(np.asarray(keras.ops.convert_to_numpy(value)))
    if isinstance(value, keras.KerasTensor):
        raise UnreadableResult(
            "the result is a symbolic KerasTensor; call the model on data "
            "(or return the model itself) instead"
        )
    if isinstance(value, keras.layers.Layer):
        return describe_model(value)
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
    return _plain_array(values)


def _shape(value: Any) -> Any:
    try:
        if isinstance(value, list):
            return [list(s) if s is not None else None for s in value]
        return list(value) if value is not None else None
    except TypeError:
        return None


def _json_config(config: Any) -> Any:
    """Keep only JSON-friendly parts of a layer config."""
    if isinstance(config, dict):
        return {str(k): _json_config(v) for k, v in config.items()}
    if isinstance(config, (list, tuple)):
        return [_json_config(v) for v in config]
    if config is None or isinstance(config, (bool, int, float, str)):
        return config
    return str(config)


def describe_model(obj: Any, inputs: Any = None, set_weights: Any = None) -> ModelInfo:
    """Describe a Keras model or layer; optionally load weights and run it."""
    import keras

    if not isinstance(obj, keras.layers.Layer):
        raise UnreadableResult(f"expected a Keras model or layer, got {type(obj).__name__}")
    if set_weights is not None:
        if not obj.built and inputs is not None:
            obj(inputs, training=False)  # a bare layer builds on its first call
        obj.set_weights([np.asarray(w) for w in set_weights])
    outputs = None
    if inputs is not None:
        result = obj(inputs if not isinstance(inputs, list) else list(inputs), training=False)
        outputs = to_plain(result)
    is_model = isinstance(obj, keras.Model)
    layers = obj.layers if is_model else [obj]
    layer_info = []
    for layer in layers:
        try:
            config = _json_config(layer.get_config())
        except Exception:  # custom layers without get_config
            config = {}
        layer_info.append(
            {
                "class_name": type(layer).__name__,
                # Keras classes it derives from, so that a renamed subclass of
                # Dense is still seen as a Dense.
                "keras_bases": [cls.__name__ for cls in type(layer).__mro__[1:]
                                if cls.__module__.startswith("keras.")],
                "name": layer.name,
                "config": config,
                "weight_shapes": [list(w.shape) for w in layer.weights],
                "trainable": bool(layer.trainable),
            }
        )
    built = bool(getattr(obj, "built", False))
    return ModelInfo(
        class_name=type(obj).__name__,
        functional=_is_functional(obj),
        layers=layer_info,
        count_params=int(obj.count_params()) if built else 0,
        input_shape=_shape(getattr(obj, "input_shape", None)) if is_model else None,
        output_shape=_shape(getattr(obj, "output_shape", None)) if is_model else None,
        weights=[_plain_array(np.asarray(keras.ops.convert_to_numpy(w))) for w in obj.weights],
        weight_names=[w.path for w in obj.weights],
        trainable_count=int(sum(np.prod(w.shape) for w in obj.trainable_weights)),
        losses=[_plain_array(np.asarray(keras.ops.convert_to_numpy(x))) for x in obj.losses],
        outputs=outputs,
    )


def _is_functional(obj: Any) -> bool:
    from keras.src.models.functional import Functional

    return isinstance(obj, Functional)


