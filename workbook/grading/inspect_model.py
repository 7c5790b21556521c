"""Rebuild a model the student's worker serialized, and describe it.

The worker (the student's own process) only *serializes* what a builder
returned (``convert.serialize_model``): its Keras config as JSON, its weights
as plain arrays and, for layer classes Keras does not know, what the worker
claims about them. This module runs where no student code ever ran -- a
fresh worker forked from the clean warm image that only answers ``inspect``
requests (the grader), or the self-check's own process -- and rebuilds the
model from the config with Keras' safe mode, loads the weights, walks every
nested layer and runs the check's inputs through it. So a submission that
patches its worker can at most send a config: what the checks then see is
whatever that config really builds and computes.

Student-defined layer classes cannot be rebuilt without the student's code:
such a model is described from the worker's claims, marked ``rebuilt=False``
with the custom classes named, and its outputs are the worker's. Checks
accept that only where the exercise asks for a custom layer
(``expect_model(..., custom_layers=True)``) and pair it with a source check
(``expect_source_avoids``) where a statement forbids a layer.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from workbook.grading.convert import (UnreadableResult, model_outputs, plain_array, resolve_argument,
                                      training_outputs)
from workbook.grading.wire import ModelInfo

SERIALIZED_MARK = "serialized_keras_model"
MAX_CONFIG_DEPTH = 200


def is_serialized_model(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SERIALIZED_MARK) == 1


def model_request(inputs=None, set_weights=None, training_seed=None) -> dict:
    """What ``student.model`` asks of a model besides building it: its outputs
    on ``inputs`` (with ``training_seed``, also in training mode, see
    ``ModelInfo.outputs_training``), after loading ``set_weights``."""
    if training_seed is not None:
        if inputs is None:
            raise ValueError("training_seed needs inputs to run the model on")
        training_seed = int(training_seed)
    return {"inputs": inputs, "set_weights": set_weights, "training_seed": training_seed}


def inspect_serialized(serialized: Any, inputs: Any = None, set_weights: Any = None,
                       training_seed: Any = None) -> ModelInfo:
    """The ModelInfo of what ``serialized`` rebuilds to (raises UnreadableResult)."""
    if not is_serialized_model(serialized):
        raise UnreadableResult("the worker did not send a serialized Keras model")
    weights = serialized.get("weights")
    if not (isinstance(weights, list) and all(isinstance(w, np.ndarray) for w in weights)):
        raise UnreadableResult("the model's weights did not arrive as a list of arrays")
    config = _parse_config(serialized.get("config"))
    if config is not None:
        _replace_custom_initializers(config)
    custom = sorted(custom_classes(config)) if config is not None else []
    if config is None or custom:
        return _from_claims(serialized, config, custom)
    return _rebuild(config, weights, resolve_argument(inputs), set_weights, training_seed)


def _parse_config(text: Any) -> Any:
    if text is None:
        return None
    if not isinstance(text, str):
        raise UnreadableResult("the model's config is not JSON text")
    try:
        config = json.loads(text)
    except (ValueError, RecursionError):
        raise UnreadableResult("the model's config is not valid JSON") from None
    if not isinstance(config, dict) or _depth(config) > MAX_CONFIG_DEPTH:
        raise UnreadableResult("the model's config is not a Keras object config")
    return config


def _depth(value: Any) -> int:
    depth, level = 0, [value]
    while level:  # breadth first: no recursion on hostile nesting
        depth += 1
        if depth > MAX_CONFIG_DEPTH:
            return depth
        level = [v for item in level for v in
                 (item.values() if isinstance(item, dict) else item if isinstance(item, list) else ())]
    return depth


def _serialized_objects(config: Any):
    """Every dict in the config that names a class (a serialized Keras object)."""
    stack = [config]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("class_name"), str) and "module" in item:
                yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _replace_custom_initializers(config: Any) -> None:
    """A student's initializer only shapes the first weights, which arrive as
    data anyway: rebuild with Zeros in its place instead of giving up."""
    stack = [config]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if (str(key).endswith("initializer") and isinstance(value, dict)
                        and "module" in value and not _is_keras_module(value["module"])):
                    item[key] = {"module": "keras.initializers", "class_name": "Zeros",
                                 "config": {}, "registered_name": None}
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _is_keras_module(module: Any) -> bool:
    return isinstance(module, str) and (module == "keras" or module.startswith("keras."))


# Keras layers that carry the student's code (a Lambda's bytecode): never rebuilt.
CODE_LAYERS = ("Lambda",)


def custom_classes(config: Any) -> set[str]:
    """Classes the config takes from anywhere but Keras itself, and Keras
    layers that carry code: never deserialized."""
    return {str(item["class_name"]) for item in _serialized_objects(config)
            if not _is_keras_module(item["module"]) or item["class_name"] in CODE_LAYERS}


def _keras_layer_class(name: str):
    import keras

    if not name.isidentifier():
        return None
    candidate = getattr(keras.layers, name, None) or getattr(keras, name, None)
    if isinstance(candidate, type) and issubclass(candidate, keras.layers.Layer):
        return candidate
    if name in ("Functional", "Sequential"):
        return keras.Model
    return None


def _rebuild(config: dict, weights: list, inputs: Any, set_weights: Any,
             training_seed: Any = None) -> ModelInfo:
    import keras

    try:
        obj = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as error:
        raise UnreadableResult(f"the model could not be rebuilt from its config: {error}") from None
    if not isinstance(obj, keras.layers.Layer):
        raise UnreadableResult(f"expected a Keras model or layer, got {type(obj).__name__}")
    try:
        if not obj.built and inputs is not None:
            obj(inputs, training=False)  # a bare layer builds on its first call
        if weights or obj.weights:
            obj.set_weights(weights)
        if set_weights is not None:  # the check's own values, over whatever was sent
            obj.set_weights([np.asarray(w) for w in set_weights])
        outputs = model_outputs(obj, inputs) if inputs is not None else None
        training = training_outputs(obj, inputs, training_seed)
    except UnreadableResult:
        raise
    except Exception as error:
        raise UnreadableResult(f"the rebuilt model failed: {type(error).__name__}: {error}") from None
    return describe_layer_object(obj, outputs, outputs_training=training)


def layer_entry(layer) -> dict:
    """One layer as checks see it (class, Keras bases, config, weight shapes)."""
    try:
        config = _json_config(layer.get_config())
    except Exception:  # custom layers without get_config
        config = {}
    return {
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


def nested_layers(obj) -> list:
    """Every layer inside ``obj`` (models in models, layers tracked by layers), once."""
    return list(obj._flatten_layers(include_self=False, recursive=True))


def describe_layer_object(obj, outputs: Any = None, rebuilt: bool = True,
                          outputs_training: Any = None) -> ModelInfo:
    """Describe a live Keras model or layer (rebuilt here, or the worker's own)."""
    import keras

    is_model = isinstance(obj, keras.Model)
    layers = obj.layers if is_model else [obj]
    built = bool(getattr(obj, "built", False))
    return ModelInfo(
        class_name=type(obj).__name__,
        functional=_is_functional(obj),
        layers=[layer_entry(layer) for layer in layers],
        all_layers=[layer_entry(layer) for layer in nested_layers(obj)],
        count_params=int(obj.count_params()) if built else 0,
        input_shape=_shape(getattr(obj, "input_shape", None)) if is_model else None,
        output_shape=_shape(getattr(obj, "output_shape", None)) if is_model else None,
        weights=[plain_array(np.asarray(keras.ops.convert_to_numpy(w))) for w in obj.weights],
        weight_names=[w.path for w in obj.weights],
        trainable_count=int(sum(np.prod(w.shape) for w in obj.trainable_weights)),
        losses=[plain_array(np.asarray(keras.ops.convert_to_numpy(x))) for x in obj.losses],
        outputs=outputs,
        outputs_training=outputs_training,
        rebuilt=rebuilt,
    )


def _from_claims(serialized: dict, config: Any, custom: list[str]) -> ModelInfo:
    """A model with student-defined classes: the worker's description, marked
    as not rebuilt, plus every Keras layer the config shows inside it."""
    claims = serialized.get("claims")
    if not isinstance(claims, dict):
        raise UnreadableResult("the worker sent no description of the model")
    try:
        info = ModelInfo(**{k: v for k, v in claims.items() if k in ModelInfo.__dataclass_fields__})
    except TypeError as error:
        raise UnreadableResult(f"the model's description is incomplete: {error}") from None
    if not (isinstance(info.layers, list) and isinstance(info.all_layers, list)
            and all(isinstance(layer, dict) for layer in info.layers + info.all_layers)):
        raise UnreadableResult("the model's layer list is not a list of layers")
    info.rebuilt = False
    info.custom_classes = custom
    info.weights = list(serialized["weights"])
    if config is not None:
        info.all_layers = info.all_layers + _config_layers(config)
    return info


def _config_layers(config: dict) -> list[dict]:
    """The Keras layers a config names anywhere (also inside custom layers)."""
    found = []
    for item in _serialized_objects(config):
        cls = _keras_layer_class(str(item["class_name"])) if _is_keras_module(item["module"]) else None
        if cls is None:
            continue
        inner = item.get("config") if isinstance(item.get("config"), dict) else {}
        found.append({
            "class_name": str(item["class_name"]),
            "keras_bases": [c.__name__ for c in cls.__mro__[1:] if c.__module__.startswith("keras.")],
            "name": str(inner.get("name", "")),
            "config": _json_config(inner),
            "weight_shapes": [],
            "trainable": bool(inner.get("trainable", True)),
            "from_config": True,
        })
    return found


def _json_config(config: Any) -> Any:
    """Keep only JSON-friendly parts of a layer config."""
    if isinstance(config, dict):
        return {str(k): _json_config(v) for k, v in config.items()}
    if isinstance(config, (list, tuple)):
        return [_json_config(v) for v in config]
    if config is None or isinstance(config, (bool, int, float, str)):
        return config
    return str(config)


def _shape(value: Any) -> Any:
    try:
        if isinstance(value, list):
            return [list(s) if s is not None else None for s in value]
        return list(value) if value is not None else None
    except TypeError:
        return None


def _is_functional(obj: Any) -> bool:
    from keras.src.models.functional import Functional

    return isinstance(obj, Functional)


def replace_serialized(value: Any, inspect) -> Any:
    """``value`` with every serialized model in it replaced by ``inspect(model)``."""
    if is_serialized_model(value):
        return inspect(value)
    if isinstance(value, list):
        return [replace_serialized(v, inspect) for v in value]
    if isinstance(value, tuple):
        return tuple(replace_serialized(v, inspect) for v in value)
    if isinstance(value, dict):
        return {k: replace_serialized(v, inspect) for k, v in value.items()}
    return value
