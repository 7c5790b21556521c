# attack: no Keras model at all: replace the worker's model describer and serializer so that a
# plain numpy function is reported as a Dense model (a forged description; then a forged
# serialization that claims a custom layer, whose outputs would come from the worker)
# expect: ch98.linear_model=0 ch98.scratch_layer=0
# %%
# exercise: ch98.linear_model
import workbook.grading.convert as _convert
import workbook.grading.local as _local
from workbook.grading.wire import ModelInfo as _ModelInfo


def _forward(inputs, set_weights):
    w, b = (np.asarray(a, dtype=np.float64) for a in set_weights)
    return np.asarray(inputs, dtype=np.float64) @ w + b


def _forged_info(obj, inputs=None, set_weights=None):
    d = int(np.shape(set_weights[0])[0]) if set_weights is not None else 3
    layer = {"class_name": "Dense", "keras_bases": ["Layer"], "name": "dense", "config": {"units": 1},
             "weight_shapes": [[d, 1], [1]], "trainable": True}
    info = _ModelInfo(class_name="Functional", functional=True, layers=[layer],
                      count_params=d + 1, input_shape=[None, d], output_shape=[None, 1],
                      weights=[np.zeros((d, 1)), np.zeros(1)], trainable_count=d + 1,
                      outputs=_forward(inputs, set_weights))
    info.__dict__.update(all_layers=[layer], rebuilt=True)  # fields a newer grader reads
    return info


def _forged_serialized(obj, inputs=None, set_weights=None):
    info = _forged_info(obj, inputs, set_weights)
    return {"serialized_keras_model": 1, "config": None, "weights": info.weights,
            "claims": dict(info.__dict__)}


_convert.describe_model = _forged_info
_local.describe_model = _forged_info
_convert.serialize_model = _forged_serialized
_local.serialize_model = _forged_serialized


def build_linear(d):
    return "no model here"
# %%
# exercise: ch98.scratch_layer
def build_scratch(d):
    return "no model here either"
