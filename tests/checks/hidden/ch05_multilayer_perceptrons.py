"""Hidden checks for chapter 5 (instructors only).

Random shapes and sizes drawn from ``rng``, torch-tensor inputs, numerically
hard inputs (|x| = 100 in float32), gradients compared with the grader's own
torch autograd, and the properties that expose common bugs: a
dropout mask drawn from a normal distribution keeps the wrong fraction of
units.
"""

import math

import numpy as np

from visible_checks import (
    compare_features, compare_fold, compare_grads, core_layers, dropout_rates,
    expect_dropout_sample, expect_normal_kernels, expect_normal_mask_rates,
    expected_features, mlp_forward, np_sigmoid, random_weights, reference_grads,
    reference_log_rmse,
)
from workbook.grading import (
    Checks, expect_array, expect_built_without, expect_close, expect_equal, expect_functional, expect_number_close,
    expect_true, expect_weight_shapes, tensor,
)
from workbook.grading.expect import expect_dtype, expect_uniform_sample

checks = Checks("ch05")


# ------------------------------------------------------------------ helpers


def autograd_derivative(function_name, x):
    """Elementwise derivative of torch's own relu / sigmoid / tanh, in float64."""
    import torch

    t = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    getattr(torch, function_name)(t).sum().backward()
    return t.grad.numpy()


def reference_fold(k, i, X, y):
    size = len(X) // k
    valid = np.arange(i * size, (i + 1) * size)
    train = np.array([r for r in range(k * size) if not i * size <= r < (i + 1) * size], dtype=int)
    return X[train], y[train], X[valid], y[valid]


# -------------------------------------------------------- 5.1 activations


@checks.hidden(
    "ch05.activations",
    message="relu, sigmoid and tanh keep the input's shape, accept torch tensors and stay finite "
    "and correct for float32 inputs as large as +-100",
)
def activations_large_inputs(student, rng):
    shape = (int(rng.integers(2, 5)), int(rng.integers(2, 5)), 5)
    x = rng.normal(scale=30.0, size=shape)
    x.reshape(-1)[:4] = [100.0, -100.0, 0.0, -60.0]
    x = x.astype(np.float32)
    x64 = x.astype(np.float64)
    for name, want in [("relu", np.maximum(x64, 0)), ("sigmoid", np_sigmoid(x64)),
                       ("tanh", np.tanh(x64))]:
        got = expect_array(student.call(name, tensor(x)), shape=shape, what=f"{name}(x)")
        expect_true(np.all(np.isfinite(got)),
                    f"{name}(x) gives NaN or infinity for some of x = +-100 (float32 overflow?)")
        expect_close(got, want, rtol=1e-5, atol=1e-6, what=f"{name}(x)")


@checks.hidden(
    "ch05.activation_grads",
    message="relu_grad, sigmoid_grad and tanh_grad agree with torch autograd at random points "
    "(relu'(0) = 0), accept torch tensors and return float32 for float32 inputs",
)
def activation_grads_match_autograd(student, rng):
    x = np.concatenate([rng.normal(scale=4.0, size=30), [0.0, -12.0, 12.0, -0.01]]).astype(np.float32)
    for name, reference in [("relu_grad", "relu"), ("sigmoid_grad", "sigmoid"), ("tanh_grad", "tanh")]:
        got = student.call(name, tensor(x))
        expect_dtype(got, "float32", f"{name} of a float32 tensor")
        expect_close(got, autograd_derivative(reference, x), rtol=1e-5, atol=1e-6, what=f"{name}(x)")


# ------------------------------------------------------------ 5.2 the MLP


@checks.hidden(
    "ch05.mlp_scratch",
    message="build_mlp_scratch works for other input shapes and two hidden layers: one custom "
    "layer (no Dense), weights W1, b1, W2, b2, W3, b3 in that order, every kernel (the output "
    "layer's too) N(0, sigma^2), zero biases, and the right forward pass",
)
def mlp_scratch_two_hidden_layers(student, rng):
    # Every kernel holds at least 7,200 values, so each one's spread is known
    # to within 5% (6 standard errors): a layer 10% off fails on its own.
    input_shape = (int(rng.integers(8, 13)), int(rng.integers(8, 13)), 2)
    flat = int(np.prod(input_shape))
    hidden = [int(rng.integers(80, 121)), int(rng.integers(90, 131))]
    outputs = int(rng.integers(100, 141))
    sigma = float(rng.choice([0.05, 0.1]))
    x = rng.normal(size=(6, *input_shape)).astype(np.float32)
    info = expect_functional(student.model("build_mlp_scratch", input_shape, hidden, outputs,
                                           sigma=sigma, inputs=x), custom_layers=True)
    expect_built_without(student, info, "ch05.mlp_scratch")
    sizes = [flat, *hidden, outputs]
    want = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        want += [(fan_in, fan_out), (fan_out,)]
    expect_weight_shapes(info, want, what="the weight shapes")
    expect_normal_kernels(info, (0, 2, 4), sigma)
    expect_true(not any(np.any(info.weights[i]) for i in (1, 3, 5)), "the biases should start at 0")
    weights = random_weights(rng, sizes)
    # Make every output of the first unit negative, so an activation on the
    # output layer cannot pass by luck.
    weights[-1][0] = -np.max(mlp_forward(x, weights)[:, 0] - weights[-1][0]) - 1.0
    info = student.model("build_mlp_scratch", input_shape, hidden, outputs, sigma=sigma,
                         inputs=x, set_weights=weights)
    expect_close(info.outputs, mlp_forward(x, weights), rtol=1e-4, atol=1e-4,
                 what="the model's output")


# ------------------------------------------------- 5.3 backpropagation


@checks.hidden(
    "ch05.backprop",
    message="manual_grads matches autograd for random sizes (including a batch of one), "
    "random lam, and torch-tensor inputs",
)
def backprop_random_sizes(student, rng):
    for n, as_tensor in [(int(rng.integers(3, 12)), False), (1, False), (int(rng.integers(3, 9)), True)]:
        d, h, q = (int(v) for v in rng.integers(2, 7, size=3))
        lam = float(rng.uniform(0.05, 0.5))
        X = rng.normal(size=(n, d))
        y = rng.integers(0, q, size=n)
        W1, b1 = rng.normal(size=(d, h)), rng.normal(size=h)
        W2, b2 = rng.normal(size=(h, q)), rng.normal(size=q)
        args = [X, y, W1, b1, W2, b2]
        if as_tensor:
            args = [tensor(a) for a in args]
        got = student.call("manual_grads", *args, lam)
        compare_grads(got, reference_grads(X, y, W1, b1, W2, b2, lam),
                      what=f"manual_grads with n={n}, d={d}, h={h}, q={q}")


@checks.hidden(
    "ch05.backprop",
    message="manual_grads stays finite and matches autograd on a batch whose rows have logits "
    "of very different size (from about 0.01 to 10^4): the softmax is stabilized row by row",
)
def backprop_mixed_scales(student, rng):
    d, h, q = (int(v) for v in rng.integers(3, 7, size=3))
    W1, b1 = rng.normal(size=(d, h)), rng.normal(size=h) * 0.1
    W2, b2 = rng.normal(size=(h, q)), rng.normal(size=q) * 0.1
    W2[0, 0] = abs(W2[0, 0]) + 1.0
    # Rows along W1's first column switch hidden unit 0 on, so each row's
    # largest logit grows with its scale: a softmax shifted by the batch's
    # maximum underflows to 0 / 0 in the small rows, an unshifted one overflows.
    direction = W1[:, 0] / np.linalg.norm(W1[:, 0])
    scales = np.array([0.01, 1.0, 30.0, 3000.0])
    X = np.vstack([scales[:, None] * direction, rng.normal(size=(2, d))])
    y = rng.integers(0, q, size=len(X))
    lam = float(rng.uniform(0.05, 0.5))
    got = student.call("manual_grads", X, y, W1, b1, W2, b2, lam)
    compare_grads(got, reference_grads(X, y, W1, b1, W2, b2, lam),
                  what="manual_grads on rows of scale 0.01 to 3000")


@checks.hidden(
    "ch05.backprop",
    message="manual_grads takes ReLU'(0) = 0, as autograd does, where a pre-activation is exactly "
    "0 (a row of zeros in X, a hidden unit whose weights and bias are all 0)",
)
def backprop_relu_at_zero(student, rng):
    # Random inputs never hit pre_act == 0 exactly, so the branch of the
    # derivative there is enumerated: (pre_act >= 0) passes everything else.
    n, d, h, q = int(rng.integers(4, 9)), *(int(v) for v in rng.integers(3, 7, size=3))
    X = rng.normal(size=(n, d))
    X[int(rng.integers(n))] = 0.0
    W1, b1 = rng.normal(size=(d, h)), rng.normal(size=h)
    unit = int(rng.integers(h))
    W1[:, unit], b1[unit] = 0.0, 0.0
    b1[(unit + 1) % h] = 0.0  # the zero row of X meets a zero bias too
    W2, b2 = rng.normal(size=(h, q)), rng.normal(size=q)
    y = rng.integers(0, q, size=n)
    lam = float(rng.uniform(0.05, 0.5))
    got = student.call("manual_grads", X, y, W1, b1, W2, b2, lam)
    compare_grads(got, reference_grads(X, y, W1, b1, W2, b2, lam),
                  what="manual_grads where some pre-activations are exactly 0")


# --------------------------------------------------- 5.4 initialization


def expect_relu_uniform_sample(student, rng, fan_in, fan_out):
    """relu_uniform((fan_in, fan_out), seed) is float32 and looks like U(-a, a)
    draws with a = sqrt(6 / fan_in): variance 2 / fan_in (He), a^2 / 3 for a uniform."""
    what = f"relu_uniform(({fan_in}, {fan_out}), seed)"
    w = expect_array(student.call("relu_uniform", (fan_in, fan_out), int(rng.integers(1000))),
                     shape=(fan_in, fan_out), what=what)
    expect_dtype(w, "float32", what)
    bound = math.sqrt(6 / fan_in)
    expect_uniform_sample(w, -bound, bound, what)


@checks.hidden(
    "ch05.relu_uniform",
    message="relu_uniform works for random non-square shapes, wide and tall: float32, uniform on "
    "[-a, a] with both ends reached, a = sqrt(6 / fan_in) (variance 2 / fan_in: the fan-in, "
    "not the fan-out or the average of the two)",
)
def relu_uniform_random_shapes(student, rng):
    # fan_in != fan_out both ways round, so fan_in, fan_out and their mean differ.
    tall = (int(rng.integers(200, 400)), int(rng.integers(60, 150)))
    for fan_in, fan_out in (tall, tall[::-1]):
        expect_relu_uniform_sample(student, rng, fan_in, fan_out)


@checks.hidden(
    "ch05.relu_uniform",
    message="relu_uniform passes the seed on: the same seed gives the same tensor, another "
    "seed a different one",
)
def relu_uniform_seeded(student, rng):
    shape, seed = (int(rng.integers(20, 60)), int(rng.integers(20, 60))), int(rng.integers(1000))
    first = expect_array(student.call("relu_uniform", shape, seed), shape=shape)
    again = expect_array(student.call("relu_uniform", shape, seed), shape=shape)
    other = expect_array(student.call("relu_uniform", shape, seed + 1), shape=shape)
    expect_true(np.array_equal(first, again), "two calls with the same seed gave different tensors")
    expect_true(not np.array_equal(first, other), "two different seeds gave the same tensor")


# ---------------------------------------------------------- 5.6 dropout


@checks.hidden(
    "ch05.dropout_layer",
    message="for p = 0.05, 0.2, 0.8, 0.95 and a random p, dropout_layer drops a fraction p of "
    "the entries, each independently (a uniform mask, not a normal one), and scales the "
    "survivors by 1 / (1 - p)",
)
def dropout_layer_random_rates(student, rng):
    # Rates far from 1/2 and near 0 and 1 tell a keep probability from a drop
    # rate and 1 / (1 - p) from 1 / p; 10^5 entries pin the rate to +-0.01.
    for p in [0.05, 0.2, 0.8, 0.95, float(round(rng.uniform(0.1, 0.9), 3))]:
        X = rng.uniform(0.5, 2.0, size=(100, 1000)).astype(np.float32)
        out = student.call("dropout_layer", X, p, int(rng.integers(1000)))
        expect_dropout_sample(out, X, p, f"dropout_layer(X, {p})")


@checks.hidden(
    "ch05.dropout_layer",
    message="dropout_layer handles torch tensors of any shape, p = 0 and p = 1; the same seed "
    "gives the same mask and another seed another one",
)
def dropout_layer_tensors_and_seeds(student, rng):
    shape = (int(rng.integers(2, 6)), 3, int(rng.integers(2, 6)))
    X = rng.normal(size=shape).astype(np.float32)
    expect_close(student.call("dropout_layer", tensor(X), 0.0), X, rtol=0, atol=0,
                 what="dropout_layer(X, 0) for a torch tensor")
    expect_close(student.call("dropout_layer", tensor(X), 1.0), np.zeros(shape), rtol=0, atol=0,
                 what="dropout_layer(X, 1) for a torch tensor")
    big = rng.uniform(1, 2, size=(50, 50)).astype(np.float32)
    seed = int(rng.integers(1000))
    first = expect_array(student.call("dropout_layer", big, 0.3, seed), shape=big.shape)
    again = expect_array(student.call("dropout_layer", big, 0.3, seed), shape=big.shape)
    expect_true(np.array_equal(first, again), "two calls with the same seed dropped different entries")
    other = expect_array(student.call("dropout_layer", big, 0.3, seed + 1), shape=big.shape)
    expect_true(not np.array_equal(first, other),
                "two calls with different seeds dropped the same entries: pass the seed on")


@checks.hidden(
    "ch05.normal_mask",
    message="normal_mask_keep_rate(p) = 1 - Phi(p) and normal_mask_mean_factor(p) = "
    "(1 - Phi(p)) / (1 - p) for random p, including p = 0",
)
def normal_mask_random_rates(student, rng):
    for p in [0.0, *rng.uniform(0.05, 0.95, size=3)]:
        p = float(p)
        expect_normal_mask_rates(student, p, f"{p:.3f}")


@checks.hidden(
    "ch05.dropout_mlp",
    message="build_dropout_mlp works for other shapes and three hidden layers: Dense(relu) then "
    "Dropout(rate) per hidden layer, a plain Dense output, functional, no dropout at inference",
)
def dropout_mlp_three_hidden_layers(student, rng):
    input_shape = (int(rng.integers(3, 7)), int(rng.integers(3, 7)))
    hidden = [int(v) for v in rng.integers(8, 40, size=3)]
    # three different rates, so their order matters
    rates = [float(r) for r in rng.choice(np.round(np.arange(0.1, 0.71, 0.05), 2), 3, replace=False)]
    outputs = int(rng.integers(2, 8))
    x = rng.normal(size=(5, *input_shape)).astype(np.float32)
    sizes = [int(np.prod(input_shape)), *hidden, outputs]
    weights = random_weights(rng, sizes)
    info = expect_functional(student.model("build_dropout_mlp", input_shape, hidden, rates, outputs,
                                           inputs=x, set_weights=weights))
    expect_equal(core_layers(info), ["Flatten"] + ["Dense", "Dropout"] * 3 + ["Dense"],
                 what="the layers (in order)")
    expect_close(dropout_rates(info), rates, what="the dropout rates")
    expect_equal(info.count_params, sum(int(np.prod(w.shape)) for w in weights),
                 what="the number of parameters")
    expect_close(info.outputs, mlp_forward(x, weights), rtol=1e-4, atol=1e-4,
                 what="the inference output (dropout off)")


@checks.hidden(
    "ch05.dropout_mlp",
    message="in training mode each Dropout drops at its rate: on a network whose Dense layers are "
    "identities, model(X, training=True) is X with entries dropped at 1 - (1 - p1)(1 - p2) and "
    "the rest scaled by 1 / ((1 - p1)(1 - p2)); model(X) drops nothing",
)
def dropout_mlp_drops_in_training(student, rng):
    width = 200
    rates = [float(rng.uniform(0.15, 0.35)), float(rng.uniform(0.4, 0.6))]
    identity = [np.eye(width, dtype=np.float32), np.zeros(width, np.float32)] * 3
    X = rng.uniform(0.5, 2.0, size=(40, width)).astype(np.float32)  # positive: ReLU keeps it
    info = expect_functional(student.model(
        "build_dropout_mlp", (width,), [width, width], rates, width, inputs=X,
        set_weights=identity, training_seed=int(rng.integers(2**31))))
    expect_close(info.outputs, X, rtol=1e-6, atol=0, what="the inference output (dropout off)")
    # Dropping with p1 and then p2 is one dropout of rate 1 - (1 - p1)(1 - p2):
    # 8,000 entries pin its share to within 0.033 (SAMPLE_Z standard errors),
    # and the neighbour pairs of expect_dropout_sample see a mask shared along a
    # row or a column (a noise_shape), which the layer configs and the
    # inference outputs never show.
    kept = (1 - rates[0]) * (1 - rates[1])
    expect_dropout_sample(info.outputs_training, X, 1 - kept, "model(X, training=True)")


# ------------------------------------------------------ 5.7 house prices


def random_tables(rng):
    nan = float("nan")
    n_train, n_test = int(rng.integers(8, 14)), int(rng.integers(4, 8))

    def numbers(n, low, high, gaps):
        values = [float(v) for v in rng.uniform(low, high, size=n).round(1)]
        for row in rng.choice(n, size=gaps, replace=False):
            values[int(row)] = nan
        return values

    def categories(n, levels, gaps):
        values = [str(v) for v in rng.choice(levels, size=n)]
        for row in rng.choice(n, size=gaps, replace=False):
            values[int(row)] = None
        return values

    train = {"LotFrontage": numbers(n_train, 30, 120, 2),
             "YearBuilt": [int(v) for v in rng.integers(1900, 2010, size=n_train)],
             "Street": categories(n_train, ["Pave", "Grvl"], 1),
             "Heating": categories(n_train, ["GasA", "GasW"], 0)}
    test = {"LotFrontage": numbers(n_test, 30, 120, 1),
            "YearBuilt": [int(v) for v in rng.integers(1900, 2010, size=n_test)],
            "Street": categories(n_test, ["Pave", "Grvl"], 1),
            "Heating": categories(n_test, ["GasA", "Wall"], 0)}
    test["Heating"][0] = "Floor"  # a category that only the test table has
    return train, test


@checks.hidden(
    "ch05.preprocess_features",
    message="preprocess_features works on random tables: training statistics only, NaN -> 0 after "
    "standardizing, indicator columns (with _nan) for categories of both tables, same columns in both",
)
def preprocess_features_random_tables(student, rng):
    train, test = random_tables(rng)
    got = student.call("preprocess_features", train, test)
    compare_features(got, expected_features(train, test))


@checks.hidden(
    "ch05.log_rmse",
    message="log_rmse handles negative predictions and predictions below 1 (clipped to 1), "
    "(n,) and (n, 1) shapes, also mixed ((n, 1) predictions for (n,) labels), and torch tensors",
)
def log_rmse_clipping(student, rng):
    n = int(rng.integers(15, 40))
    y = rng.lognormal(11.5, 0.5, size=n)
    y_hat = y * rng.lognormal(0, 0.3, size=n)
    y_hat[:3] = [-float(rng.uniform(1, 5e4)), float(rng.uniform(0, 0.9)), 0.0]
    column = tensor(y_hat.reshape(-1, 1))
    # Mixed shapes are the telling case: (n, 1) - (n,) broadcasts to (n, n).
    for args, what in [((y_hat, y), "log_rmse on (n,) arrays"),
                       ((column, tensor(y.reshape(-1, 1))), "log_rmse on (n, 1) torch tensors"),
                       ((column, y), "log_rmse on (n, 1) predictions and (n,) labels")]:
        expect_number_close(student.call("log_rmse", *args), reference_log_rmse(y_hat, y),
                            rtol=1e-5, what=what)


@checks.hidden(
    "ch05.k_fold_split",
    message="get_k_fold_data works for remainders n % k of 0, 1 and k - 1 and for a random n and k, "
    "for the first, the last and a middle fold, dropping the last n % k rows",
)
def k_fold_split_random(student, rng):
    # The remainder is the telling case: k - 1 (at least half of k) is where
    # round(n / k) or ceil(n / k) differs from n // k, 1 and 0 are the others.
    cases = [(2, 1), (3, 2), (5, 4), (4, 1), (4, 0)]
    k = int(rng.integers(2, 7))
    cases.append((k, int(rng.integers(0, k))))
    for k, remainder in cases:
        n = k * int(rng.integers(2, 6)) + remainder
        X, y = rng.normal(size=(n, 3)), rng.normal(size=n)
        for i in sorted({0, k - 1, int(rng.integers(0, k))}):
            got = student.call("get_k_fold_data", k, i, X, y)
            compare_fold(got, reference_fold(k, i, X, y),
                         f"get_k_fold_data({k}, {i}, X, y) with n={n}")
