"""Visible checks for chapter 5 (shipped to students).

Every expected value is computed here, with numpy (or the grader's own torch
for gradients), from inputs drawn from ``rng``; nothing the student's code
computes is trusted except the answer under test.
"""

import math

import numpy as np

from workbook.grading import (
    CheckFailed,
    Checks,
    expect_array,
    expect_built_without,
    expect_close,
    expect_dict,
    expect_equal,
    expect_frame_close,
    expect_functional,
    expect_number_close,
    expect_sequence,
    expect_true,
    expect_weight_shapes,
)
from workbook.grading.expect import (
    expect_dtype,
    expect_normal_sample,
    expect_rate,
)

checks = Checks("ch05")


# ------------------------------------------------------------------ helpers


def np_sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -x))


def core_layers(info):
    """Layer class names without the input layer and stand-alone activations."""
    return [c for c in info.layer_classes() if c not in ("InputLayer", "ReLU", "Activation")]


def dropout_rates(info):
    rates = [layer["config"].get("rate") for layer in info.layers if layer["class_name"] == "Dropout"]
    if not all(isinstance(r, (int, float)) for r in rates):
        raise CheckFailed(f"could not read the Dropout layers' rates: {rates}")
    return np.array(rates, dtype=np.float64)


def random_weights(rng, sizes, scale=0.3):
    """Kernels (in, out) and biases for consecutive layer sizes, in Keras order."""
    weights = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        weights.append((rng.normal(size=(n_in, n_out)) * scale).astype(np.float32))
        weights.append((rng.normal(size=(n_out,)) * scale).astype(np.float32))
    return weights


def mlp_forward(x, weights):
    """Flatten, ReLU after every layer but the last: the reference forward pass."""
    out = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    pairs = list(zip(weights[0::2], weights[1::2]))
    for index, (kernel, bias) in enumerate(pairs):
        out = out @ kernel.astype(np.float64) + bias.astype(np.float64)
        if index < len(pairs) - 1:
            out = np.where(out > 0, out, 0.0)
    return out


def reference_grads(X, y, W1, b1, W2, b2, lam):
    """Gradients of mean softmax cross-entropy + lam/2 (|W1|^2 + |W2|^2), by torch autograd."""
    import torch

    params = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (W1, b1, W2, b2)]
    tW1, tb1, tW2, tb2 = params
    logits = torch.relu(torch.tensor(X, dtype=torch.float64) @ tW1 + tb1) @ tW2 + tb2
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor(y, dtype=torch.long))
    loss = loss + lam / 2 * ((tW1**2).sum() + (tW2**2).sum())
    grads = torch.autograd.grad(loss, params)
    return {k: g.numpy() for k, g in zip(("W1", "b1", "W2", "b2"), grads)}


def compare_grads(got, expected, what="manual_grads(...)"):
    got = expect_dict(got, expected, what)
    for key, value in expected.items():
        expect_close(got[key], value, rtol=1e-4, atol=1e-6, what=f"the gradient for {key}")


def expected_features(train, test):
    """Training-set statistics for numbers, indicators over both tables' categories."""
    out_train, out_test = {}, {}
    for name in train:
        if any(isinstance(v, str) for v in list(train[name]) + list(test[name])):
            seen = sorted({v for v in list(train[name]) + list(test[name]) if v is not None})
            for level in seen + [None]:
                label = f"{name}_{'nan' if level is None else level}"
                out_train[label] = np.array([v == level for v in train[name]], dtype=float)
                out_test[label] = np.array([v == level for v in test[name]], dtype=float)
        else:
            column = np.array(train[name], dtype=np.float64)
            present = column[~np.isnan(column)]
            center, spread = present.mean(), present.std(ddof=1)
            for source, target in ((train, out_train), (test, out_test)):
                values = (np.array(source[name], dtype=np.float64) - center) / spread
                target[name] = np.nan_to_num(values, nan=0.0)
    return out_train, out_test


def compare_features(got, expected):
    """preprocess_features' pair of frames against ``expected_features``' pair."""
    got_train, got_test = expect_sequence(got, 2, "preprocess_features")
    want_train, want_test = expected
    expect_frame_close(got_train, want_train, what="the training frame")
    expect_frame_close(got_test, want_test, what="the test frame")


def reference_log_rmse(y_hat, y):
    floor = np.clip(np.asarray(y_hat, dtype=np.float64).ravel(), 1.0, None)
    gap = np.log(floor) - np.log(np.asarray(y, dtype=np.float64).ravel())
    return math.sqrt(float(np.mean(gap * gap)))


def expect_normal_mask_rates(student, p, label):
    """normal_mask_keep_rate(p) = 1 - Phi(p), normal_mask_mean_factor(p) = (1 - Phi(p)) / (1 - p)."""
    keep = 0.5 * math.erfc(p / math.sqrt(2))
    expect_number_close(student.call("normal_mask_keep_rate", p), keep, rtol=1e-6, atol=1e-9,
                        what=f"normal_mask_keep_rate({label})")
    expect_number_close(student.call("normal_mask_mean_factor", p), keep / (1 - p), rtol=1e-6,
                        atol=1e-9, what=f"normal_mask_mean_factor({label})")


def expect_normal_kernels(info, indices, sigma):
    """Each kernel on its own (one wrong layer among right ones fails) is N(0, sigma^2)."""
    for index in indices:
        expect_normal_sample(info.weights[index], sigma,
                             what=f"kernel W{index // 2 + 1} {tuple(info.weights[index].shape)}")


def expect_dropout_sample(out, X, p, what):
    """``out`` is X with each entry dropped independently with probability p and
    the others divided by 1 - p (X has no zeros and an even number of rows and
    columns)."""
    out = expect_array(out, shape=X.shape, what=what).astype(np.float64)
    dropped = out == 0
    expect_true(np.allclose(out[~dropped], X[~dropped] / (1 - p), rtol=1e-5),
                f"the entries that {what} keeps should equal X / (1 - p), with p = {p}")
    expect_rate(dropped, p, f"the share of entries that {what} drops")
    # Disjoint pairs of neighbours are both dropped with probability p^2 when
    # every entry has its own draw; a mask shared along a row or a column
    # drops them together with probability p.
    for pairs, direction in [(dropped[0::2] & dropped[1::2], "vertically"),
                             (dropped[:, 0::2] & dropped[:, 1::2], "horizontally")]:
        expect_rate(pairs, p * p, f"the share of {direction} adjacent pairs that {what} drops "
                    "together (each entry needs its own draw)")


def compare_fold(got, expected, what):
    names = ("X_train", "y_train", "X_valid", "y_valid")
    for name, value, want in zip(names, expect_sequence(got, 4, what), expected):
        expect_close(value, want, rtol=0, atol=0, what=f"{name} of {what}")


# -------------------------------------------------------- 5.1 activations


@checks.visible(
    "ch05.activations",
    message="relu(x), sigmoid(x) and tanh(x) match max(x, 0), 1 / (1 + exp(-x)) and tanh(x) "
    "on float32 inputs between -8 and 8",
)
def activations_on_a_grid(student, rng):
    x = np.concatenate([np.arange(-8, 8, 0.5), rng.uniform(-8, 8, size=16)]).astype(np.float32)
    expect_close(student.call("relu", x), np.where(x > 0, x, 0), what="relu(x)")
    expect_close(student.call("sigmoid", x), np_sigmoid(x), what="sigmoid(x)")
    expect_close(student.call("tanh", x), np.tanh(x.astype(np.float64)), what="tanh(x)")


@checks.visible(
    "ch05.activation_grads",
    message="relu_grad, sigmoid_grad and tanh_grad are the elementwise derivatives "
    "1[x > 0] (0 at x = 0), sigmoid(x)(1 - sigmoid(x)) and 1 - tanh(x)^2",
)
def activation_grads_on_a_grid(student, rng):
    x = np.concatenate([np.arange(-6, 6, 0.5), rng.uniform(-6, 6, size=16)]).astype(np.float32)
    s = np_sigmoid(x)
    expect_close(student.call("relu_grad", x), (x > 0).astype(float), what="relu_grad(x)")
    expect_close(student.call("sigmoid_grad", x), s - s * s, what="sigmoid_grad(x)")
    expect_close(student.call("tanh_grad", x), 1 / np.cosh(x.astype(np.float64)) ** 2,
                 what="tanh_grad(x)")


# ------------------------------------------------------------ 5.2 the MLP


@checks.visible(
    "ch05.mlp_scratch",
    message="build_mlp_scratch((28, 28, 1), [256], 10) is a functional model without Dense "
    "layers, with weights named W1 (784, 256), b1 (256,), W2 (256, 10), b2 (10,) = 203,530 "
    "parameters, "
    "each kernel ~ N(0, 0.01^2) (normal, not uniform), biases 0, and (B, 10) logits",
)
def mlp_scratch_fashion_shapes(student, rng):
    x = rng.random(size=(5, 28, 28, 1)).astype(np.float32)
    info = expect_functional(student.model("build_mlp_scratch", (28, 28, 1), [256], 10, inputs=x),
                             custom_layers=True)
    expect_built_without(student, info, "ch05.mlp_scratch")
    expect_equal(info.count_params, 203530, what="the number of parameters")
    expect_weight_shapes(info, [(784, 256), (256,), (256, 10), (10,)],
                         what="the weight shapes (in creation order)")
    expect_equal([path.split("/")[-1] for path in info.weight_names], ["W1", "b1", "W2", "b2"],
                 what="the weight names (add_weight(name=...))")
    expect_normal_kernels(info, (0, 2), 0.01)
    for index in (1, 3):
        expect_true(not np.any(info.weights[index]), f"bias b{index // 2 + 1} should start at 0")
    expect_array(info.outputs, shape=(5, 10), what="the model's output")


@checks.visible(
    "ch05.mlp_scratch",
    message="with weights set, build_mlp_scratch(...) computes relu(x W1 + b1) W2 + b2 on the "
    "flattened input",
)
def mlp_scratch_forward(student, rng):
    x = rng.normal(size=(4, 3, 5, 2)).astype(np.float32)
    weights = random_weights(rng, [30, 7, 3])
    info = expect_functional(student.model("build_mlp_scratch", (3, 5, 2), [7], 3, inputs=x,
                                           set_weights=weights), custom_layers=True)
    expect_close(info.outputs, mlp_forward(x, weights), rtol=1e-4, atol=1e-5,
                 what="the model's output")


# ------------------------------------------------- 5.3 backpropagation


@checks.visible(
    "ch05.backprop",
    message="manual_grads returns the gradients of mean softmax cross-entropy plus "
    "lam/2 (|W1|^2 + |W2|^2) for W1, b1, W2 and b2, equal to torch autograd's",
)
def backprop_matches_autograd(student, rng):
    n, d, h, q, lam = 8, 5, 6, 4, 0.1
    X = rng.normal(size=(n, d))
    y = rng.integers(0, q, size=n)
    W1, b1 = rng.normal(size=(d, h)), rng.normal(size=h) * 0.5
    W2, b2 = rng.normal(size=(h, q)), rng.normal(size=q) * 0.5
    got = student.call("manual_grads", X, y, W1, b1, W2, b2, lam)
    compare_grads(got, reference_grads(X, y, W1, b1, W2, b2, lam))


# --------------------------------------------------- 5.4 initialization


@checks.visible(
    "ch05.relu_uniform",
    message="ten bias-free ReLU layers of width 256 with float32 kernels relu_uniform((256, 256), "
    "seed) keep the mean square of standard normal inputs within a factor of 10",
)
def relu_uniform_keeps_the_scale(student, rng):
    # With the right variance the mean square after 10 layers scatters around 1
    # by a factor of about 2 (finite width); a variance off by 25% per layer
    # ends a factor of 10 away, Xavier's by about 1000.
    x = rng.normal(size=(512, 256))
    h = x
    for layer in range(10):
        what = f"relu_uniform((256, 256), seed) for layer {layer + 1}"
        kernel = expect_array(student.call("relu_uniform", (256, 256), int(rng.integers(10**6))),
                              shape=(256, 256), what=what)
        expect_dtype(kernel, "float32", what)
        expect_true(np.all(np.isfinite(kernel)), f"{what} has values that are not finite")
        h = np.maximum(h @ kernel.astype(np.float64), 0.0)
    ratio = float(np.mean(h**2) / np.mean(x**2))
    expect_true(0.1 <= ratio <= 10, f"after 10 ReLU layers the mean square of the activations is "
                f"{ratio:.3g} times that of the inputs; it should stay near 1")


# ---------------------------------------------------------- 5.6 dropout


@checks.visible(
    "ch05.dropout_layer",
    message="dropout_layer(X, 0) returns X unchanged and dropout_layer(X, 1) returns zeros "
    "(finite: no division by zero)",
)
def dropout_layer_edge_cases(student, rng):
    X = (np.arange(16).reshape(2, 8) + rng.normal(size=(2, 8))).astype(np.float32)
    expect_close(student.call("dropout_layer", X, 0.0), X, rtol=0, atol=0, what="dropout_layer(X, 0)")
    expect_close(student.call("dropout_layer", X, 1.0), np.zeros_like(X), rtol=0, atol=0,
                 what="dropout_layer(X, 1)")


@checks.visible(
    "ch05.dropout_layer",
    message="dropout_layer(X, 0.5) zeroes about half of the entries, each independently of "
    "the others, and doubles the others, so the mean stays the same",
)
def dropout_layer_half(student, rng):
    X = np.full((200, 500), rng.uniform(0.5, 3.0), dtype=np.float32)
    out = student.call("dropout_layer", X, 0.5, int(rng.integers(1000)))
    expect_dropout_sample(out, X, 0.5, "dropout_layer(X, 0.5)")


@checks.visible(
    "ch05.normal_mask",
    message="for p = 0.5 and 0.2 the randn mask keeps an entry with probability 1 - Phi(p) "
    "(0.3085 and 0.4207) and scales the expected value by (1 - Phi(p)) / (1 - p)",
)
def normal_mask_known_values(student, rng):
    for p in (0.5, 0.2):
        expect_normal_mask_rates(student, p, f"{p}")


@checks.visible(
    "ch05.dropout_mlp",
    message="build_dropout_mlp((28, 28, 1), [256, 256], [0.2, 0.5], 10) is functional: Flatten, "
    "Dense(256, relu), Dropout(0.2), Dense(256, relu), Dropout(0.5), Dense(10); 269,322 parameters; "
    "no dropout at inference",
)
def dropout_mlp_d2l(student, rng):
    x = rng.random(size=(3, 28, 28, 1)).astype(np.float32)
    weights = random_weights(rng, [784, 256, 256, 10], scale=0.05)
    info = expect_functional(student.model("build_dropout_mlp", (28, 28, 1), [256, 256],
                                           [0.2, 0.5], 10, inputs=x, set_weights=weights))
    expect_equal(info.count_params, 269322, what="the number of parameters")
    expect_equal(core_layers(info), ["Flatten", "Dense", "Dropout", "Dense", "Dropout", "Dense"],
                 what="the layers (in order)")
    expect_close(dropout_rates(info), [0.2, 0.5], what="the dropout rates")
    expect_close(info.outputs, mlp_forward(x, weights), rtol=1e-4, atol=1e-4,
                 what="the inference output (dropout off)")


# ------------------------------------------------------ 5.7 house prices


@checks.visible(
    "ch05.preprocess_features",
    message="preprocess_features(train, test) standardizes numbers with the training rows' mean "
    "and std (ddof=1), sets missing numbers to 0 afterwards, and one-hot encodes text columns "
    "(dummy_na=True) with the same columns in both frames",
)
def preprocess_features_small_tables(student, rng):
    nan = float("nan")
    area = [float(a) for a in rng.integers(5000, 15000, size=6)]
    area[2] = nan
    train = {"LotArea": area, "OverallQual": [int(q) for q in rng.integers(1, 11, size=6)],
             "MSZoning": ["RL", "RM", None, "RL", "RL", "RM"]}
    test = {"LotArea": [float(rng.integers(12000, 20000)), nan, float(rng.integers(5000, 9000))],
            "OverallQual": [int(q) for q in rng.integers(1, 11, size=3)],
            "MSZoning": ["FV", "RL", None]}
    got = student.call("preprocess_features", train, test)
    compare_features(got, expected_features(train, test))


@checks.visible(
    "ch05.log_rmse",
    message="log_rmse(y_hat, y) = sqrt(mean((log(max(y_hat, 1)) - log(y))^2)); for predictions "
    "[0.5, 100] and labels [1, 110] that is 0.067394",
)
def log_rmse_values(student, rng):
    got = student.call("log_rmse", np.array([0.5, 100.0]), np.array([1.0, 110.0]))
    expect_number_close(got, reference_log_rmse([0.5, 100.0], [1.0, 110.0]), rtol=1e-5,
                        what="log_rmse([0.5, 100], [1, 110])")
    y = rng.lognormal(12, 0.4, size=(20, 1))
    y_hat = y * rng.lognormal(0, 0.2, size=(20, 1))
    got = student.call("log_rmse", y_hat, y)
    expect_number_close(got, reference_log_rmse(y_hat, y), rtol=1e-5,
                        what="log_rmse on (20, 1) arrays")


@checks.visible(
    "ch05.k_fold_split",
    message="get_k_fold_data(3, 1, X, y) for 10 rows validates on rows 3-5, trains on rows "
    "0-2 and 6-8 in order, and leaves row 9 out",
)
def k_fold_split_ten_rows(student, rng):
    X, y = rng.normal(size=(10, 2)), rng.normal(size=10)
    got = student.call("get_k_fold_data", 3, 1, X, y)
    compare_fold(got, (X[[0, 1, 2, 6, 7, 8]], y[[0, 1, 2, 6, 7, 8]], X[3:6], y[3:6]),
                 "get_k_fold_data(3, 1, X, y)")
