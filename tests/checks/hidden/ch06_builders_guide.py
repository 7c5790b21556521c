"""Hidden checks for chapter 6 (instructors only).

Random sizes and weights from ``rng``; outputs are compared with a numpy
forward pass that uses the weights the check loaded into the student's model,
and gradients with their closed form.
"""

import numpy as np

from visible_checks import (
    as_shapes, check_chopped, expect_linear_state, expect_my_dense_gradients, relu,
)
from workbook.grading import (
    Checks, expect_array, expect_close, expect_dict, expect_equal, expect_functional,
    expect_model, expect_number, expect_number_close, expect_sequence, expect_true,
)
from workbook.grading.expect import expect_dtype, expect_normal_sample

checks = Checks("ch06")


def dense_weights(rng, fan_in, fan_out, scale=0.5):
    return rng.normal(0, scale, size=(fan_in, fan_out)), rng.normal(0, 0.1, size=fan_out)


# ------------------------------------------------------ 6.1 nested models


@checks.hidden(
    "ch06.nested_model",
    message="for random width, hidden size and number of blocks, the nested model's blocks "
    "each hold kernels (width, hidden), (hidden, width) and compute relu(x W1 + b1) W2 + b2, "
    "one after the other, followed by Dense(1)",
)
def nested_model_random_outputs(student, rng):
    width, hidden, blocks = int(rng.integers(3, 7)), int(rng.integers(5, 11)), int(rng.integers(2, 4))
    weights = []
    for _ in range(blocks):
        weights += [*dense_weights(rng, width, hidden), *dense_weights(rng, hidden, width)]
    weights += [*dense_weights(rng, width, 1)]
    x = rng.normal(size=(5, width))
    model = expect_functional(
        student.model("build_nested_model", width, hidden, blocks, inputs=x, set_weights=weights),
        f"build_nested_model({width}, {hidden}, {blocks})",
    )
    expect_equal(model.layer_classes(), ["InputLayer"] + ["Functional"] * blocks + ["Dense"],
                 "the layer classes")
    for layer in model.layers[1:-1]:
        expect_equal(layer["weight_shapes"], [[width, hidden], [hidden], [hidden, width], [width]],
                     "the weight shapes of a block")
    h = x
    for i in range(blocks):
        w1, b1, w2, b2 = weights[4 * i: 4 * i + 4]
        h = relu(h @ w1 + b1) @ w2 + b2
    expected = h @ weights[-2] + weights[-1]
    expect_close(model.outputs, expected, rtol=1e-4, atol=1e-4, what="the model's output")


# ---------------------------------------------------- 6.2 parameter counts


@checks.hidden(
    "ch06.param_count",
    message="for random layer widths, dense_weight_shapes lists (fan_in, fan_out) and "
    "(fan_out,) per layer and mlp_param_count sums fan_in * fan_out + fan_out",
)
def param_count_random_mlps(student, rng):
    for _ in range(3):
        sizes = [int(s) for s in rng.integers(2, 40, size=int(rng.integers(2, 6)))]
        expected_shapes, expected_count = [], 0
        for a, b in zip(sizes[:-1], sizes[1:]):
            expected_shapes += [(a, b), (b,)]
            expected_count += a * b + b
        shapes = as_shapes(student.call("dense_weight_shapes", sizes), f"dense_weight_shapes({sizes})")
        expect_equal(shapes, expected_shapes, f"dense_weight_shapes({sizes})")
        count = expect_number(student.call("mlp_param_count", sizes), f"mlp_param_count({sizes})")
        expect_equal(count, float(expected_count), f"mlp_param_count({sizes})")


# ------------------------------------------------------- 6.2 torch layout


@checks.hidden(
    "ch06.torch_layout",
    message="for random (also square) kernels, the torch weight is the transpose of the "
    "Keras kernel, weight and bias are float32, and linear_output equals x @ kernel + bias",
)
def torch_layout_random(student, rng):
    n = int(rng.integers(3, 7))
    for fan_in, fan_out in ((n, n), (n + 2, n)):
        kernel, bias = rng.normal(size=(fan_in, fan_out)), rng.normal(size=fan_out)
        expect_linear_state(student.call("dense_to_linear_state", kernel, bias), kernel, bias,
                            tol=1e-5)
        x = rng.normal(size=(4, fan_in))
        expect_close(student.call("linear_output", kernel, bias, x), x @ kernel + bias,
                     rtol=1e-4, atol=1e-4, what="linear_output(kernel, bias, x)")


# ---------------------------------------------------------- 6.2 tied layers


@checks.hidden(
    "ch06.tied_layers",
    message="with six weight arrays loaded, the tied model computes "
    "Dense1 -> shared -> the same shared again -> output, so both uses read the same kernel",
)
def tied_model_outputs(student, rng):
    width, hidden = int(rng.integers(3, 7)), int(rng.integers(4, 9))
    weights = [*dense_weights(rng, width, hidden), *dense_weights(rng, hidden, hidden, 0.7),
               *dense_weights(rng, hidden, 1)]
    x = rng.normal(size=(6, width))
    model = expect_functional(
        student.model("build_tied_model", width, hidden, inputs=x, set_weights=weights),
        f"build_tied_model({width}, {hidden})",
    )
    w1, b1, ws, bs, w3, b3 = weights
    h = relu(x @ w1 + b1)
    h = relu(relu(h @ ws + bs) @ ws + bs)
    expect_close(model.outputs, h @ w3 + b3, rtol=1e-4, atol=1e-4, what="the model's output")
    expect_equal(model.count_params, width * hidden + hidden + hidden * hidden + hidden + hidden + 1,
                 "the number of parameters")


# ---------------------------------------------------------- 6.3 initializers


@checks.hidden(
    "ch06.initializers",
    message="the hidden kernel is N(0, 1 / width) (normal, mean 0, standard deviation "
    "1 / sqrt(width): the variance of a sum of width unit-variance terms times the weights), for "
    "more inputs than hidden units and fewer; it is reproducible: the same seed gives the same "
    "kernel, another seed a different one; the hidden bias is 0, the output kernel 1 / hidden "
    "and its bias 1",
)
def initializers_seeded(student, rng):
    # At least 10,000 values: the spread is known to within 4.3% (6 standard errors). Both
    # orders of width and hidden: a spread from the fan-out or the fan average is off in both.
    small, large = int(rng.integers(40, 61)), int(rng.integers(250, 351))
    for width, hidden in [(small, large), (large, small)]:
        seed = int(rng.integers(0, 10_000))
        first = expect_functional(student.model("build_initialized_mlp", width, hidden, seed), "the model")
        again = expect_model(student.model("build_initialized_mlp", width, hidden, seed))
        other = expect_model(student.model("build_initialized_mlp", width, hidden, seed + 1))
        expect_equal(len(first.weights), 4, "the number of weight variables")
        kernel = expect_array(first.weights[0], shape=(width, hidden), what="the hidden kernel")
        expect_true(np.array_equal(kernel, again.weights[0]),
                    "two models built with the same seed have different hidden kernels: pass the "
                    "seed to the initializer")
        expect_true(not np.array_equal(kernel, other.weights[0]),
                    "two models built with different seeds have the same hidden kernel")
        expect_normal_sample(kernel, 1 / np.sqrt(width),
                             what=f"the hidden kernel ({width} inputs, {hidden} units)")
        expect_close(first.weights[1], np.zeros(hidden), what="the hidden bias")
        expect_close(first.weights[2], np.full((hidden, 1), 1 / hidden), rtol=1e-6, atol=0,
                     what=f"the output kernel ({hidden} hidden units)")
        expect_close(first.weights[3], np.ones(1), what="the output bias")


# ----------------------------------------------------- 6.3 custom initializer


@checks.hidden(
    "ch06.custom_initializer",
    message="chopped_dense(units) builds a Dense layer whose kernel follows chopped_uniform "
    "(zero or 5 <= |w| <= 10, the nonzero magnitudes uniform with mean 7.5) and whose bias is zero",
)
def chopped_dense_kernel(student, rng):
    fan_in, units = int(rng.integers(60, 100)), int(rng.integers(150, 250))
    x = rng.normal(size=(2, fan_in))
    layer = expect_model(student.model("chopped_dense", units, inputs=x), f"chopped_dense({units})")
    expect_equal(len(layer.weights), 2, "the number of weight variables")
    kernel = expect_array(layer.weights[0], shape=(fan_in, units), what="the kernel").astype(float)
    check_chopped(kernel, "the kernel")
    expect_close(layer.weights[1], np.zeros(units), what="the bias")
    expect_close(layer.outputs, x @ kernel, rtol=1e-4, atol=1e-3, what="the layer's output")


@checks.hidden(
    "ch06.custom_initializer",
    message="chopped_uniform draws in the dtype it is given: float64 for dtype='float64', "
    "float32 when dtype is None",
)
def chopped_uniform_dtypes(student, rng):
    shape = (int(rng.integers(60, 100)), int(rng.integers(40, 60)))
    for dtype, want in (("float64", "float64"), (None, "float32")):
        what = f"chopped_uniform({shape}, dtype={dtype!r})"
        values = expect_dtype(student.call("chopped_uniform", shape, dtype=dtype), want, what)
        expect_true(tuple(values.shape) == shape, f"{what} has shape {values.shape}; expected {shape}")
        check_chopped(values.astype(np.float64), what)


# ------------------------------------------------------------- 6.4 deferred


@checks.hidden(
    "ch06.deferred",
    message="for random widths the layers are unbuilt before the first call, built after, and "
    "each kernel is (width of its input, units)",
)
def deferred_build_random(student, rng):
    units = [int(u) for u in rng.integers(2, 30, size=int(rng.integers(1, 5)))]
    fan_in = int(rng.integers(3, 25))
    # Every consecutive pair differs, so (in, out) and (out, in) never coincide.
    widths = [fan_in]
    for u in units:
        widths.append(u if u != widths[-1] else u + 1)
    units = widths[1:]
    report = expect_dict(
        student.call("deferred_build_report", units, rng.normal(size=(3, fan_in))),
        {"built_before", "built_after", "kernel_shapes"}, "the report",
    )
    expect_equal(list(report["built_before"]), [False] * len(units), "built_before")
    expect_equal(list(report["built_after"]), [True] * len(units), "built_after")
    widths = [fan_in] + units
    expect_equal(as_shapes(report["kernel_shapes"], "kernel_shapes"),
                 list(zip(widths[:-1], widths[1:])), "kernel_shapes")


# ------------------------------------------------------------ 6.5 centered


@checks.hidden(
    "ch06.centered",
    message="CenteredLayer subtracts the mean over the last axis (also for 3-d inputs), and "
    "build_centered_model computes (x W + b) minus its own row mean",
)
def centered_random(student, rng):
    x = rng.normal(2.0, 3.0, size=(2, 3, int(rng.integers(4, 8))))
    layer = expect_model(student.model("make_centered_layer", inputs=x), custom_layers=True)
    expect_close(layer.outputs, x - x.mean(axis=-1, keepdims=True), rtol=1e-4, atol=1e-4,
                 what="CenteredLayer() on a 3-d input")
    width, units = int(rng.integers(3, 9)), int(rng.integers(4, 12))
    kernel, bias = dense_weights(rng, width, units)
    bias = bias + 1.0
    x = rng.normal(size=(5, width))
    model = expect_functional(
        student.model("build_centered_model", width, units, inputs=x, set_weights=[kernel, bias]),
        f"build_centered_model({width}, {units})", custom_layers=True,
    )
    z = x @ kernel + bias
    expect_close(model.outputs, z - z.mean(axis=1, keepdims=True), rtol=1e-4, atol=1e-4,
                 what="the model's output")


# ------------------------------------------------------------ 6.5 MyDense


@checks.hidden(
    "ch06.my_dense",
    message="for random sizes MyDense computes relu(x @ kernel + bias) and both kernel and "
    "bias receive the gradient of sum(output) through torch autograd",
)
def my_dense_random(student, rng):
    fan_in, units = int(rng.integers(2, 8)), int(rng.integers(2, 8))
    kernel, bias = rng.normal(size=(fan_in, units)), rng.normal(0, 0.5, size=units)
    x = rng.normal(size=(int(rng.integers(3, 9)), fan_in))
    model = expect_functional(
        student.model("build_my_dense_model", fan_in, units, inputs=x, set_weights=[kernel, bias]),
        f"build_my_dense_model({fan_in}, {units})", custom_layers=True,
    )
    expect_equal(model.layers[1]["weight_shapes"], [[fan_in, units], [units]], "the weight shapes")
    expect_equal(model.trainable_count, fan_in * units + units, "the number of trainable parameters")
    pre = x @ kernel + bias
    expect_close(model.outputs, relu(pre), rtol=1e-4, atol=1e-4, what="the layer's output")
    got = expect_sequence(student.call("my_dense_gradients", x, kernel, bias), 2, "my_dense_gradients(...)")
    expect_my_dense_gradients(got, x, kernel, bias, tol=1e-4)


@checks.hidden(
    "ch06.my_dense",
    message="a MyDense layer on its own takes its kernel's rows from the input's last axis and "
    "computes relu(x @ kernel + bias) on inputs of rank 3 too",
)
def my_dense_rank_three(student, rng):
    fan_in, units = int(rng.integers(2, 7)), int(rng.integers(2, 6))
    kernel, bias = rng.normal(size=(fan_in, units)), rng.normal(0, 0.5, size=units)
    x = rng.normal(size=(2, fan_in + 1, fan_in))  # the middle axis is not the width
    layer = expect_model(student.model("MyDense", units, inputs=x, set_weights=[kernel, bias]),
                         f"MyDense({units})", custom_layers=True)
    expect_close(layer.outputs, relu(x @ kernel + bias), rtol=1e-4, atol=1e-4,
                 what=f"MyDense({units}) on inputs of shape {x.shape}")


# ---------------------------------------------------------- 6.6 save/load


@checks.hidden(
    "ch06.save_load",
    message="for random sizes, weights and factor the model reloaded from the .keras file and "
    "a fresh model given the .weights.h5 file predict exactly what the saved model did",
)
def save_and_reload_random(student, rng):
    factor = float(np.round(rng.uniform(-3, 3), 3))
    config, rebuilt = expect_sequence(student.call("rescale_config", factor), 2, "rescale_config(...)")
    config = expect_dict(config, {"factor", "name"}, "the config")
    expect_number_close(config["factor"], factor, what="config['factor']")
    expect_true(rebuilt == config, "the layer rebuilt with from_config has a different config")
    width, hidden = int(rng.integers(2, 7)), int(rng.integers(3, 9))
    weights = [*dense_weights(rng, width, hidden), *dense_weights(rng, hidden, 1)]
    x = rng.normal(size=(7, width))
    w1, b1, w2, b2 = weights
    expected = factor * (relu(x @ w1 + b1) @ w2 + b2)
    got = expect_dict(student.call("save_and_reload", weights, x, factor),
                      {"before", "keras_file", "weights_file"}, "save_and_reload(...)")
    before = expect_close(got["before"], expected, rtol=1e-4, atol=1e-4, what="the 'before' predictions")
    for key in ("keras_file", "weights_file"):
        expect_close(got[key], before, rtol=0, atol=1e-6, what=f"the '{key}' predictions")


@checks.hidden(
    "ch06.save_load",
    message="Rescale() without an argument multiplies by its default factor, 1.0",
)
def rescale_default_factor(student, rng):
    x = rng.normal(size=(3, int(rng.integers(2, 6))))
    layer = expect_model(student.model("Rescale", inputs=x), "Rescale()", custom_layers=True)
    expect_close(layer.outputs, x, rtol=1e-6, atol=1e-6, what="Rescale()(x)")
