"""Visible checks for chapter 6 (shipped to students).

Every expected value is computed here with numpy from the check's own
numbers; nothing the student's code computes is trusted except the answer
under test. Keras models arrive as ``ModelInfo`` descriptions.
"""

import numpy as np

from workbook.grading import (
    CheckFailed,
    Checks,
    expect_array,
    expect_close,
    expect_dict,
    expect_equal,
    expect_functional,
    expect_model,
    expect_number,
    expect_number_close,
    expect_sequence,
    expect_true,
)
from workbook.grading.expect import (
    expect_dtype, expect_normal_sample, expect_rate, expect_uniform_sample,
)

checks = Checks("ch06")


# ------------------------------------------------------------------ helpers


def relu(z):
    return np.maximum(z, 0.0)


def as_shape(value, what):
    """A shape given as a tuple, list or 1-d integer array -> tuple of ints."""
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "iu":
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise CheckFailed(f"{what} should be a shape such as (4, 8), got {value!r}")
    return tuple(value)


def as_shapes(value, what):
    if not isinstance(value, (list, tuple)):
        raise CheckFailed(f"{what} should be a list of shapes, got {type(value).__name__}")
    return [as_shape(v, f"{what}[{i}]") for i, v in enumerate(value)]


# ------------------------------------------------------ 6.1 nested models


@checks.visible(
    "ch06.nested_model",
    message="make_block(4, 8) is a functional model 4 -> 4 with 76 parameters, and "
    "build_nested_model(4, 8, 2) is a functional model whose layers are InputLayer, two "
    "Functional blocks and a Dense, with 2 * 76 + 5 = 157 parameters",
)
def nested_model_structure(student, rng):
    block = expect_functional(student.model("make_block", 4, 8), "make_block(4, 8)")
    expect_equal(block.count_params, 76, "the number of parameters of make_block(4, 8)")
    expect_equal(list(block.output_shape), [None, 4], "the output shape of make_block(4, 8)")
    model = expect_functional(student.model("build_nested_model", 4, 8, 2), "build_nested_model(4, 8, 2)")
    expect_equal(
        model.layer_classes(),
        ["InputLayer", "Functional", "Functional", "Dense"],
        "the layer classes of build_nested_model(4, 8, 2)",
    )
    expect_equal(model.count_params, 157, "the number of parameters of build_nested_model(4, 8, 2)")


# ---------------------------------------------------- 6.2 parameter counts


@checks.visible(
    "ch06.param_count",
    message="for sizes [4, 8, 1]: dense_weight_shapes gives [(4, 8), (8,), (8, 1), (1,)] "
    "(Keras kernels are (inputs, outputs)) and mlp_param_count gives 49",
)
def param_count_small_mlp(student, rng):
    shapes = as_shapes(student.call("dense_weight_shapes", [4, 8, 1]), "dense_weight_shapes([4, 8, 1])")
    expect_equal(shapes, [(4, 8), (8,), (8, 1), (1,)], "dense_weight_shapes([4, 8, 1])")
    count = expect_number(student.call("mlp_param_count", [4, 8, 1]), "mlp_param_count([4, 8, 1])")
    expect_equal(count, 49.0, "mlp_param_count([4, 8, 1])")


# ------------------------------------------------------- 6.2 torch layout


KERNEL_3x2 = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
BIAS_2 = np.array([0.5, -0.5])


def expect_linear_state(state, kernel, bias, tol):
    """{'weight': kernel.T, 'bias': bias}, both float32 as the statement asks
    (load_state_dict would cast float64 silently)."""
    state = expect_dict(state, {"weight", "bias"}, "dense_to_linear_state(kernel, bias)")
    for key, want in (("weight", kernel.T), ("bias", bias)):
        expect_dtype(state[key], "float32", f"the torch {key}")
        expect_close(state[key], want, rtol=tol, atol=tol, what=f"the torch {key}")


@checks.visible(
    "ch06.torch_layout",
    message="dense_to_linear_state(kernel, bias) for a (3, 2) Keras kernel returns "
    "{'weight': kernel.T (shape (2, 3)), 'bias': bias} as float32 tensors, and "
    "linear_output(kernel, bias, x) "
    "equals x @ kernel + bias",
)
def linear_state_layout(student, rng):
    expect_linear_state(student.call("dense_to_linear_state", KERNEL_3x2, BIAS_2),
                        KERNEL_3x2, BIAS_2, tol=1e-6)
    x = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 1.0]])
    got = student.call("linear_output", KERNEL_3x2, BIAS_2, x)
    expect_close(got, x @ KERNEL_3x2 + BIAS_2, rtol=1e-5, atol=1e-5, what="linear_output(kernel, bias, x)")


# ---------------------------------------------------------- 6.2 tied layers


@checks.visible(
    "ch06.tied_layers",
    message="build_tied_model(4, 8) is functional with layers InputLayer, Dense, Dense, Dense: "
    "the shared Dense appears once, so the model has 6 weight variables and "
    "4*8+8 + 8*8+8 + 8+1 = 121 parameters",
)
def tied_model_structure(student, rng):
    model = expect_functional(student.model("build_tied_model", 4, 8), "build_tied_model(4, 8)")
    expect_equal(model.layer_classes(), ["InputLayer", "Dense", "Dense", "Dense"], "the layer classes")
    expect_equal(len(model.weights), 6, "the number of weight variables")
    expect_equal(model.count_params, 121, "the number of parameters")


# ---------------------------------------------------------- 6.3 initializers


@checks.visible(
    "ch06.initializers",
    message="build_initialized_mlp(20, 256, seed) for a random seed: the hidden kernel looks like "
    "normal draws with mean 0, and on 4000 inputs with independent N(0, 1) entries the hidden "
    "pre-activations have variance 1; the hidden bias is zero; the model's output is the mean of "
    "the hidden activations plus 1",
)
def initializers_statistics(student, rng):
    # A seed per student: with a fixed one every student's kernel is the same draw.
    width, hidden = 20, 256
    x = rng.normal(size=(5, width))
    model = expect_functional(
        student.model("build_initialized_mlp", width, hidden, int(rng.integers(10_000)), inputs=x),
        "the model")
    expect_equal(len(model.weights), 4, "the number of weight variables")
    kernel = expect_array(model.weights[0], shape=(width, hidden), what="the hidden kernel").astype(float)
    # Compared with its own spread: only the mean and the normal shape (kurtosis 3) are tested here.
    expect_normal_sample(kernel, float(kernel.std()), what="the hidden kernel")
    # The variance of x @ W over the inputs and the units is the mean squared column norm of W;
    # under the right spread that has relative standard error sqrt(2 / (width * hidden)) (2%),
    # and the 4000 inputs add sqrt(2 / (4000 * hidden)): 6 of each bound it.
    pre_activations = rng.normal(size=(4000, width)) @ kernel
    tolerance = 6 * (np.sqrt(2 / (width * hidden)) + np.sqrt(2 / (4000 * hidden)))
    variance = float(pre_activations.var())
    expect_true(abs(variance - 1) <= tolerance,
                f"the hidden pre-activations of unit-variance inputs have variance {variance:.3g}; "
                f"expected 1 (within {tolerance:.2g})")
    expect_close(model.weights[1], np.zeros(hidden), what="the hidden bias")
    hidden_units = relu(x @ kernel + np.asarray(model.weights[1]))
    expect_close(model.outputs, hidden_units.mean(axis=1, keepdims=True) + 1, rtol=1e-4, atol=1e-5,
                 what="the model's output (the mean of the hidden activations plus 1)")


# ----------------------------------------------------- 6.3 custom initializer


def check_chopped(values, what):
    """Every entry 0 or 5 <= |w| <= 10; about half zero, the others' magnitudes
    U(5, 10) and half of them negative (each within 6 standard errors)."""
    magnitude = np.abs(values)
    nonzero = magnitude > 0
    expect_true(
        np.all((magnitude == 0) | ((magnitude >= 5 - 1e-5) & (magnitude <= 10 + 1e-5))),
        f"{what} has entries strictly between 0 and 5 in absolute value (or above 10); "
        "every entry should be 0 or have 5 <= |w| <= 10",
    )
    expect_rate(~nonzero, 0.5, f"the share of zeros in {what} (half of U(-10, 10) lies in (-5, 5))")
    expect_uniform_sample(magnitude[nonzero], 5.0, 10.0, f"the nonzero |w| of {what}")
    expect_rate(values[nonzero] < 0, 0.5, f"the share of negative entries among the nonzero ones of {what}")


@checks.visible(
    "ch06.custom_initializer",
    message="chopped_uniform((40, 50)) has shape (40, 50); each entry is 0 or has "
    "5 <= |w| <= 10; about half are zero and about half of the others are negative",
)
def chopped_uniform_values(student, rng):
    values = student.call("chopped_uniform", (40, 50))
    values = expect_array(values, shape=(40, 50), what="chopped_uniform((40, 50))").astype(np.float64)
    check_chopped(values, "chopped_uniform((40, 50))")


# ------------------------------------------------------------- 6.4 deferred


@checks.visible(
    "ch06.deferred",
    message="deferred_build_report([256, 10], x) with x of shape (2, 20) reports built_before "
    "[False, False], built_after [True, True] and kernel_shapes [(20, 256), (256, 10)]",
)
def deferred_build_small(student, rng):
    report = expect_dict(
        student.call("deferred_build_report", [256, 10], np.ones((2, 20))),
        {"built_before", "built_after", "kernel_shapes"}, "the report",
    )
    expect_equal(list(report["built_before"]), [False, False], "built_before")
    expect_equal(list(report["built_after"]), [True, True], "built_after")
    expect_equal(as_shapes(report["kernel_shapes"], "kernel_shapes"), [(20, 256), (256, 10)], "kernel_shapes")


# ------------------------------------------------------------ 6.5 centered


@checks.visible(
    "ch06.centered",
    message="CenteredLayer maps [[1, 2, 3, 4, 5]] to [[-2, -1, 0, 1, 2]] and subtracts each "
    "row's own mean from a batch of rows",
)
def centered_layer_values(student, rng):
    layer = expect_model(student.model("make_centered_layer", inputs=np.array([[1.0, 2, 3, 4, 5]])),
                         custom_layers=True)
    expect_close(layer.outputs, [[-2.0, -1, 0, 1, 2]], atol=1e-5, what="CenteredLayer()([[1, 2, 3, 4, 5]])")
    batch = np.array([[1.0, 2, 3, 4, 5], [10.0, 10, 10, 10, 20], [0.0, -1, 0, -1, 0]])
    layer = student.model("make_centered_layer", inputs=batch)
    expect_close(layer.outputs, batch - batch.mean(axis=1, keepdims=True), atol=1e-5,
                 what="CenteredLayer() on a batch of three rows")


@checks.visible(
    "ch06.centered",
    message="build_centered_model(8, 16) is functional with layers InputLayer, Dense, "
    "CenteredLayer; the CenteredLayer has no weights and the model 8*16+16 = 144 parameters",
)
def centered_model_structure(student, rng):
    model = expect_functional(student.model("build_centered_model", 8, 16), "build_centered_model(8, 16)",
                              custom_layers=True)
    expect_equal(model.layer_classes(), ["InputLayer", "Dense", "CenteredLayer"], "the layer classes")
    expect_equal(model.layers[-1]["weight_shapes"], [], "the weights of CenteredLayer")
    expect_equal(model.count_params, 144, "the number of parameters")


# ------------------------------------------------------------ 6.5 MyDense


X_4x5 = np.array(
    [[0.5, -1.0, 2.0, 0.0, 1.0], [1.5, 0.5, -0.5, 2.0, -1.0],
     [-2.0, 1.0, 0.5, 1.0, 0.5], [0.0, 0.0, 1.0, -1.0, 2.0]]
)
KERNEL_5x3 = np.array(
    [[0.2, -0.4, 0.6], [-0.3, 0.5, 0.1], [0.7, 0.2, -0.5], [0.1, -0.6, 0.4], [-0.2, 0.3, 0.3]]
)
BIAS_3 = np.array([0.1, -0.2, 0.05])


@checks.visible(
    "ch06.my_dense",
    message="build_my_dense_model(5, 3) is a functional model InputLayer -> MyDense whose MyDense "
    "has a trainable kernel of shape (5, 3) and bias of shape (3,) (18 trainable parameters) "
    "and computes relu(x @ kernel + bias)",
)
def my_dense_outputs_and_shapes(student, rng):
    model = expect_functional(
        student.model("build_my_dense_model", 5, 3, inputs=X_4x5, set_weights=[KERNEL_5x3, BIAS_3]),
        "build_my_dense_model(5, 3)", custom_layers=True,
    )
    expect_equal(model.layer_classes(), ["InputLayer", "MyDense"], "the layer classes")
    expect_equal(model.layers[1]["weight_shapes"], [[5, 3], [3]], "the weight shapes of MyDense")
    expect_equal(model.trainable_count, 18, "the number of trainable parameters")
    expect_close(model.outputs, relu(X_4x5 @ KERNEL_5x3 + BIAS_3), rtol=1e-5, atol=1e-5,
                 what="the model's output")


def expect_my_dense_gradients(got, x, kernel, bias, tol):
    """The gradients of sum(relu(x @ kernel + bias)): x.T @ mask and mask.sum(axis=0)."""
    mask = (x @ kernel + bias > 0).astype(float)
    expect_close(got[0], x.T @ mask, rtol=tol, atol=tol, what="the kernel's gradient")
    expect_close(got[1], mask.sum(axis=0), rtol=tol, atol=tol, what="the bias's gradient")


@checks.visible(
    "ch06.my_dense",
    message="my_dense_gradients(x, kernel, bias) returns the gradients of sum(MyDense(x)): "
    "x.T @ mask and mask.sum(axis=0), where mask = (x @ kernel + bias > 0); a kernel read "
    "through .data or stop_gradient gets no gradient",
)
def my_dense_gradients_small(student, rng):
    got = expect_sequence(student.call("my_dense_gradients", X_4x5, KERNEL_5x3, BIAS_3), 2,
                      "my_dense_gradients(x, kernel, bias)")
    expect_my_dense_gradients(got, X_4x5, KERNEL_5x3, BIAS_3, tol=1e-5)


# ---------------------------------------------------------- 6.6 save/load


@checks.visible(
    "ch06.save_load",
    message="rescale_config(2.5) returns two equal configs that contain 'factor': 2.5 and the "
    "base layer's keys ('name', 'trainable', 'dtype')",
)
def rescale_config_roundtrip(student, rng):
    config, rebuilt = expect_sequence(student.call("rescale_config", 2.5), 2, "rescale_config(2.5)")
    config = expect_dict(config, {"factor", "name", "trainable", "dtype"}, "the config")
    expect_number_close(config["factor"], 2.5, what="config['factor']")
    expect_true(rebuilt == config, f"the rebuilt layer's config {rebuilt!r} differs from {config!r}")


@checks.visible(
    "ch06.save_load",
    message="save_and_reload(weights, x, 2.0) returns predictions 'before', 'keras_file' and "
    "'weights_file' that all equal 2 * (relu(x @ W1 + b1) @ W2 + b2)",
)
def save_and_reload_fixed(student, rng):
    w1 = np.array([[0.5, -0.5, 1.0], [1.0, 0.5, -1.0]])
    b1 = np.array([0.1, 0.0, -0.1])
    w2 = np.array([[1.0], [-2.0], [0.5]])
    b2 = np.array([0.25])
    x = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, 0.0], [3.0, -1.0]])
    expected = 2.0 * (relu(x @ w1 + b1) @ w2 + b2)
    got = expect_dict(student.call("save_and_reload", [w1, b1, w2, b2], x, 2.0),
                      {"before", "keras_file", "weights_file"}, "save_and_reload(...)")
    for key in ("before", "keras_file", "weights_file"):
        expect_close(got[key], expected, rtol=1e-5, atol=1e-5, what=f"the '{key}' predictions")
