"""Hidden checks for chapter 3 (instructors only).

Random sizes and values from ``rng`` and stronger properties than the
visible checks: torch tensors as inputs, flat label vectors, several output
units, noisy data with an offset, statistics of large samples, every fold of
a K-fold split.
"""

import math

import numpy as np

from visible_checks import (
    expect_epoch_losses, expect_final_parameters, expect_initial_normal, expect_sgd_step, expected_sgd_run,
    regression_problem,
)
from workbook.grading import (
    Checks, expect_array, expect_built_without, expect_close, expect_functional, expect_gradient, expect_model,
    expect_number_close, expect_sequence, expect_true, tensor,
)
from workbook.grading.expect import SAMPLE_Z, expect_normal_sample, expect_source_avoids

checks = Checks("ch03")


# ------------------------------------------------------------------ helpers


def random_sgd_problem(rng, n, d):
    """Noisy data with an offset and a random start (w0, b0), all float32."""
    X, y, _, _ = regression_problem(rng, n, d, noise=0.05)
    w0 = rng.normal(scale=0.5, size=(d, 1)).astype(np.float32)
    b0 = rng.normal(size=(1,)).astype(np.float32)
    return X, y, w0, b0


# --------------------------------------------------------------- 3.1 squared_loss


@checks.hidden(
    "ch03.squared_loss",
    message="squared_loss works on torch tensors and random sizes, with y as a column or a "
    "flat vector, and keeps the shape (n, 1) of y_hat",
)
def squared_loss_random_shapes_and_tensors(student, rng):
    n = int(rng.integers(3, 20))
    predictions = rng.normal(size=(n, 1))
    labels = rng.normal(size=(n, 1))
    expected = (predictions - labels) ** 2 * 0.5
    expect_close(student.call("squared_loss", tensor(predictions), tensor(labels)), expected,
                 what=f"squared_loss on ({n}, 1) tensors")
    expect_close(student.call("squared_loss", tensor(predictions), tensor(labels[:, 0])), expected,
                 what=f"squared_loss with y of shape ({n},)")


# ------------------------------------------------------------ 3.1 normal_equation


@checks.hidden(
    "ch03.normal_equation",
    message="on noisy data with an offset, normal_equation matches the least-squares solution "
    "with an intercept",
)
def normal_equation_matches_least_squares(student, rng):
    n, d = int(rng.integers(15, 60)), int(rng.integers(2, 6))
    X = rng.normal(loc=rng.uniform(-2, 2), size=(n, d))
    y = X @ rng.normal(size=(d, 1)) + rng.uniform(2, 6) + 0.5 * rng.normal(size=(n, 1))
    design = np.concatenate([X, np.ones((n, 1))], axis=1)
    solution = np.linalg.lstsq(design, y, rcond=None)[0]
    w, b = expect_sequence(student.call("normal_equation", X, y), 2, "normal_equation(X, y)")
    expect_close(w, solution[:d], rtol=1e-6, atol=1e-6, what="w")
    expect_number_close(b, solution[d, 0], rtol=1e-6, atol=1e-6, what="b")


# ---------------------------------------------------------------- 3.1 sgd_update


@checks.hidden(
    "ch03.sgd_update",
    message="sgd_update gives the minibatch SGD step for random sizes and learning rates, also "
    "when y is a flat vector of shape (B,)",
)
def sgd_update_flat_labels_random(student, rng):
    d, batch = int(rng.integers(2, 6)), int(rng.integers(3, 17))
    lr = float(rng.uniform(0.01, 0.5))
    w, b = rng.normal(size=(d, 1)), rng.normal(size=(1,))
    X, y = rng.normal(size=(batch, d)), rng.normal(size=batch)
    r = (X @ w)[:, 0] + b[0] - y
    expected_w = w - lr * np.mean(X * r[:, None], axis=0).reshape(d, 1)
    expected_b = b - lr * np.mean(r)
    expect_sgd_step(student.call("sgd_update", w, b, X, y, lr), expected_w, expected_b,
                    note=" (y given with shape (B,))")


# ------------------------------------------------------------ 3.2 synthetic_data


@checks.hidden(
    "ch03.synthetic_data",
    message="on 20,000 examples, each column of X is N(0, 1), the residual y - X w - b is "
    "N(0, noise^2), the columns and the noise are uncorrelated, and different seeds give "
    "different data",
)
def synthetic_data_statistics(student, rng):
    d = int(rng.integers(2, 5))
    w = [float(v) for v in rng.uniform(-3, 3, size=d)]
    b = float(rng.uniform(-2, 2))
    noise = float(rng.uniform(0.05, 0.5))
    seed = int(rng.integers(10_000))
    n = 20_000
    X, y = expect_sequence(student.call("synthetic_data", w, b, n, noise=noise, seed=seed), 2, "synthetic_data")
    X = expect_array(X, shape=(n, d), what="X").astype(np.float64)
    y = expect_array(y, shape=(n, 1), what="y").astype(np.float64)
    # Each part on its own (issue 10, class 2): every column of X and the
    # noise, each with bounds of SAMPLE_Z standard errors for n draws (a right
    # answer fails one with probability ~2e-9); pooled over all entries, one
    # column with a spread 10% off, or columns that repeat each other, pass.
    for j in range(d):
        expect_normal_sample(X[:, j], 1.0, what=f"column {j} of X")
    residual = y[:, 0] - X @ np.asarray(w) - b
    expect_normal_sample(residual, noise, what="the noise y - X w - b (did you add b?)")
    # Independent parts: each correlation within SAMPLE_Z / sqrt(n) of 0.
    correlations = np.corrcoef(np.column_stack([X, residual]), rowvar=False)
    worst = float(np.abs(correlations - np.eye(d + 1)).max())
    expect_true(worst < SAMPLE_Z / np.sqrt(n),
                f"the columns of X and the noise should be independent draws, but two of them "
                f"have correlation {worst:.3f} (a fresh generator for each column?)")
    X_other, _ = expect_sequence(student.call("synthetic_data", w, b, 50, noise=noise, seed=seed + 1), 2, "synthetic_data")
    expect_true(not np.array_equal(np.asarray(X_other), X[:50].astype(np.float32)),
                "two different seeds gave the same X")


@checks.hidden(
    "ch03.synthetic_data",
    message="synthetic_data's noise is 0.01 by default: with noise left out, the residual "
    "y - X w - b of 20,000 examples is N(0, 0.01^2)",
)
def synthetic_data_default_noise(student, rng):
    d = int(rng.integers(1, 4))
    w = [float(v) for v in rng.uniform(-3, 3, size=d)]
    b = float(rng.uniform(-2, 2))
    n = 20_000
    X, y = expect_sequence(student.call("synthetic_data", w, b, n, seed=int(rng.integers(10_000))),
                           2, "synthetic_data")
    X = expect_array(X, shape=(n, d), what="X").astype(np.float64)
    y = expect_array(y, shape=(n, 1), what="y").astype(np.float64)
    # 20,000 draws pin the spread to within 3% (SAMPLE_Z standard errors);
    # float32 rounding of X and y adds about 1e-6, far below 0.01.
    expect_normal_sample(y[:, 0] - X @ np.asarray(w) - b, 0.01,
                         what="the noise y - X w - b with the default noise")


# ------------------------------------------------------------ 3.3 linear_scratch


@checks.hidden(
    "ch03.linear_scratch",
    message="LinearScratch with several units computes X @ W + b (W of shape (d, units), b of "
    "shape (units,)) and starts from W ~ N(0, sigma^2), b = 0 for the sigma it is given",
)
def linear_scratch_units_and_init(student, rng):
    d, units = int(rng.integers(2, 7)), int(rng.integers(2, 5))
    W = rng.normal(size=(d, units)).astype(np.float32)
    b = rng.normal(size=(units,)).astype(np.float32)
    X = rng.normal(size=(6, d)).astype(np.float32)
    info = expect_functional(
        student.model("build_scratch_model", d, units, inputs=X, set_weights=[W, b]),
        f"build_scratch_model({d}, {units})", custom_layers=True,
    )
    expect_built_without(student, info, "ch03.linear_scratch")
    expect_true(info.trainable_count == d * units + units,
                f"{info.trainable_count} trainable parameters; expected {d * units + units}")
    expect_close(info.outputs, X.astype(np.float64) @ W + b, rtol=1e-5, atol=1e-5,
                 what=f"the output with {units} units")
    sigma = float(rng.uniform(0.2, 2.0))
    fresh = expect_functional(student.model("build_scratch_model", 5000, 4, sigma),
                              f"build_scratch_model(5000, 4, {sigma:.3g})", custom_layers=True)
    W0, b0 = fresh.weights
    expect_true(tuple(W0.shape) == (5000, 4), f"W has shape {tuple(W0.shape)}; expected (5000, 4)")
    expect_initial_normal(W0, sigma, f"W for sigma = {sigma:.4g}")
    expect_true(tuple(np.shape(b0)) == (4,) and np.all(np.asarray(b0) == 0), "b should be 4 zeros")


@checks.hidden(
    "ch03.linear_scratch",
    message="a LinearScratch(units) layer on its own takes W's rows from the input's last axis "
    "(inputs of rank 3 too), computes X @ W + b there, and draws W from N(0, 0.01^2) by default",
)
def linear_scratch_layer_defaults_and_rank(student, rng):
    d, units = int(rng.integers(2, 6)), int(rng.integers(2, 4))
    W = rng.normal(size=(d, units)).astype(np.float32)
    b = rng.normal(size=(units,)).astype(np.float32)
    X = rng.normal(size=(2, d + 1, d)).astype(np.float32)  # the middle axis is not d
    info = expect_model(student.model("LinearScratch", units, inputs=X, set_weights=[W, b]),
                        f"LinearScratch({units})", custom_layers=True)
    expect_close(info.outputs, X.astype(np.float64) @ W + b, rtol=1e-5, atol=1e-5,
                 what=f"LinearScratch({units}) on inputs of shape {X.shape}")
    fresh = expect_model(student.model("LinearScratch", 4, inputs=np.zeros((1, 2, 5000), np.float32)),
                         "LinearScratch(4)", custom_layers=True)
    expect_true(len(fresh.weights) == 2, f"expected two weights (W, b), got {len(fresh.weights)}")
    expect_true(tuple(fresh.weights[0].shape) == (5000, 4),
                f"W has shape {tuple(fresh.weights[0].shape)}; expected (5000, 4) for inputs "
                "of shape (1, 2, 5000)")
    expect_initial_normal(fresh.weights[0], 0.01, "W with the default sigma")


# ------------------------------------------------------------ 3.3 train_scratch


@checks.hidden(
    "ch03.train_scratch",
    message="train_scratch matches minibatch SGD on the half squared loss for random sizes, "
    "learning rates and batch sizes (a smaller last batch included), losses included",
)
def train_scratch_random_run(student, rng):
    d = int(rng.integers(3, 6))
    batch = int(rng.integers(4, 13))
    n = batch * int(rng.integers(5, 10)) + int(rng.integers(1, batch))
    lr = float(rng.uniform(0.01, 0.1))
    X, y, w0, b0 = random_sgd_problem(rng, n, d)
    expected_w, expected_b, expected_losses = expected_sgd_run(X, y, w0, b0, lr, 2, batch)
    result = student.call("train_scratch", X, y, w0, b0, lr, 2, batch)
    w, b, losses = expect_sequence(result, 3, "train_scratch(...)")
    expect_final_parameters(w, b, expected_w, expected_b)
    expect_epoch_losses(losses, expected_losses)


# ------------------------------------------------------------ 3.4 huber_loss

# What "write it yourself" rules out: Keras' and torch's Huber and smooth-L1 losses.
HUBER_LIBRARY = ("Huber", "huber", "huber_loss", "HuberLoss", "smooth_l1_loss", "SmoothL1Loss")


def huber_reference(residuals, delta):
    """l_delta of each residual in float64, where r**2 / 2 cannot overflow for a float32 r."""
    r = np.asarray(residuals, dtype=np.float64)
    return np.where(np.abs(r) <= delta, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta))


def expect_huber_with_gradient(student, y_true, y_pred, delta, what):
    """Value (per example, shape (n,)) and gradient with respect to y_pred, both float32 tensors:
    the gradient of sum(loss) is the residual clipped to [-delta, delta], over k."""
    residuals = y_pred.astype(np.float64) - y_true.astype(np.float64)
    value, gradients = student.gradient("robust_loss", tensor(y_true), tensor(y_pred, requires_grad=True),
                                        delta=delta)
    # rtol only (atol far below the smallest loss, 1e-3**2 / 2 / k): a loss of 0 for a tiny residual fails.
    expect_close(value, huber_reference(residuals, delta).mean(axis=-1), rtol=1e-5, atol=1e-12, what=what)
    expect_true(len(gradients) == 1, "robust_loss should take y_true, y_pred and delta")
    expect_gradient(gradients[0], np.clip(residuals, -delta, delta) / y_pred.shape[-1],
                    what=f"the gradient of sum({what}) with respect to y_pred")


@checks.hidden(
    "ch03.huber_loss",
    message="robust_loss on float32 tensors, for a delta other than 1: residuals inside, beyond and "
    "exactly at +-delta, of both signs, and zero; per-example means of shape (n,) for k outputs, a flat "
    "y_true against y_pred of shape (n, 1), outputs of shape (n, t, k) with the default delta = 1 (the "
    "mean over the last axis, shape (n, t)); the gradient is the residual "
    "clipped to [-delta, delta] (over k); written without a library Huber loss",
)
def huber_loss_telling_cases(student, rng):
    # delta a multiple of 1/8 (not 1) and labels multiples of 1/4, so that |r| == delta
    # holds exactly in float32: the tie is reached for every student.
    delta = float(rng.choice([m for m in range(2, 33) if m != 8])) / 8
    telling = np.array([0.5, 1.0, 3.0, -0.5, -1.0, -3.0, 0.0]) * delta  # inside, at, beyond; 0
    num_outputs = 3
    extra = rng.normal(scale=2 * delta, size=int(rng.integers(2, 12)))
    residuals = np.concatenate([telling, extra])
    residuals = np.concatenate([residuals, np.zeros(-len(residuals) % num_outputs)])
    residuals = rng.permutation(residuals).reshape(-1, num_outputs)  # n >= 3 rows of k = 3
    if residuals.shape[0] == num_outputs:
        residuals = np.vstack([residuals, rng.normal(scale=2 * delta, size=(1, num_outputs))])
    y_true = (rng.integers(-16, 17, size=residuals.shape) / 4).astype(np.float32)
    y_pred = (y_true + residuals).astype(np.float32)
    n = len(y_pred)
    expect_huber_with_gradient(student, y_true, y_pred, delta,
                               f"robust_loss(y_true, y_pred of shape ({n}, 3), delta={delta})")
    # One output: a column of predictions against a flat vector of labels.
    column_true = y_true.reshape(-1)
    column_pred = y_pred.reshape(-1, 1)
    expected = huber_reference(column_pred[:, 0].astype(np.float64) - column_true, delta)
    expect_close(student.call("robust_loss", tensor(column_true), tensor(column_pred), delta=delta), expected,
                 what=f"robust_loss(y_true of shape ({3 * n},), y_pred of shape ({3 * n}, 1), delta={delta})")
    # The default delta, on outputs of rank 3 (n, t, k): the mean is over the last axis.
    y_true, y_pred = y_true.reshape(n, 1, 3), y_pred.reshape(n, 1, 3)
    y_true, y_pred = np.concatenate([y_true, y_true[::-1]], 1), np.concatenate([y_pred, y_pred[::-1]], 1)
    expected = huber_reference(y_pred.astype(np.float64) - y_true, 1.0).mean(axis=-1)
    expect_close(student.call("robust_loss", tensor(y_true), tensor(y_pred)), expected,
                 what=f"robust_loss(y_true, y_pred of shape {y_pred.shape}) with the default delta (1)")
    # Last: a stub's message names the exercise id (ch03.huber_loss), a string the search flags.
    expect_source_avoids(student, "ch03.huber_loss", HUBER_LIBRARY)


@checks.hidden(
    "ch03.huber_loss",
    message="robust_loss stays finite and right, values and gradients, for float32 residuals of "
    "+-2.5e38 and +-1e20 in the same call as residuals of 1e-3 and 0 (the unchosen branch of an "
    "ops.where is computed and differentiated too)",
)
def huber_loss_mixed_scales(student, rng):
    # delta in [1/2, 7/8]: below 1, delta * |r| stays under float32's maximum; not 1, so
    # that a linear part delta does not scale is wrong here too.
    delta = float(rng.integers(4, 8)) / 8
    # One huge residual per row at most, so that no row's sum overflows in float32.
    residuals = np.array([[2.5e38, 1e-3, -0.5], [-1e20, 0.0, 2.0], [1e-3, -1e-3, 0.25],
                          [-2.5e38, 3.0, -7.0], [1e20, -1e-3, 1.0], [1e-3, 4.0, -1.5]])
    residuals = np.vstack([residuals, rng.normal(scale=3.0, size=(int(rng.integers(1, 4)), 3))])
    residuals = rng.permutation(residuals)
    y_true = np.where(np.abs(residuals) > 1e10, 0.0, rng.normal(size=residuals.shape)).astype(np.float32)
    y_pred = (y_true + residuals).astype(np.float32)
    expect_huber_with_gradient(student, y_true, y_pred, delta,
                               f"robust_loss at mixed scales (delta={delta})")
    expect_source_avoids(student, "ch03.huber_loss", HUBER_LIBRARY)


# -------------------------------------------------------------- 3.4 fit_concise


@checks.hidden(
    "ch03.fit_concise",
    message="fit_concise reproduces half-squared-loss SGD for random sizes, learning rates and "
    "batch sizes (a smaller last batch included)",
)
def fit_concise_random_run(student, rng):
    d = int(rng.integers(2, 5))
    batch = int(rng.integers(4, 11))
    n = batch * int(rng.integers(4, 8)) + int(rng.integers(1, batch))
    lr = float(rng.uniform(0.02, 0.1))
    X, y, w0, b0 = random_sgd_problem(rng, n, d)
    expected_w, expected_b, _ = expected_sgd_run(X, y, w0, b0, lr, 3, batch)
    result = student.call("fit_concise", X, y, w0, b0, lr, 3, batch)
    w, b = expect_sequence(result, 2, "fit_concise(...)")
    expect_final_parameters(w, b, expected_w, expected_b)


# ------------------------------------------------------------ 3.6 poly_features


@checks.hidden(
    "ch03.poly_features",
    message="poly_features(x, max_degree) for random x of shape (n, 1) and random max_degree "
    "gives columns x**i / i!, i = 0 .. max_degree - 1",
)
def poly_features_random(student, rng):
    # degree >= 5: below that i! and i agree on every column but the first
    n, degree = int(rng.integers(4, 12)), int(rng.integers(5, 13))
    x = rng.normal(scale=1.5, size=(n, 1))
    expected = np.empty((n, degree))
    for i in range(degree):
        expected[:, i] = x[:, 0] ** i / math.gamma(i + 1)
    got = student.call("poly_features", x, degree)
    expect_close(got, expected, rtol=1e-5, atol=1e-12, what=f"poly_features(x of shape ({n}, 1), {degree})")


# ---------------------------------------------------------------- 3.7 penalties


@checks.hidden(
    "ch03.penalties",
    message="l2_penalty and l1_penalty take torch tensors of any shape and sum over all entries",
)
def penalties_random_tensors(student, rng):
    shape = (int(rng.integers(2, 6)), int(rng.integers(1, 4)))
    w = rng.normal(scale=2.0, size=shape)
    w.flat[0], w.flat[-1] = -abs(w.flat[0]) - 0.1, abs(w.flat[-1]) + 0.1  # both signs, always
    expect_number_close(student.call("l2_penalty", tensor(w)), 0.5 * float(np.sum(w * w)),
                        what=f"l2_penalty of a {shape} tensor")
    expect_number_close(student.call("l1_penalty", tensor(w)), float(np.abs(w).sum()),
                        what=f"l1_penalty of a {shape} tensor")


@checks.hidden(
    "ch03.penalties",
    message="l2_penalty and l1_penalty are differentiable (written with keras.ops): autograd "
    "gives the gradients w and sign(w)",
)
def penalties_are_differentiable(student, rng):
    w = rng.normal(size=(int(rng.integers(2, 5)), 3)).astype(np.float32)
    w[np.abs(w) < 0.05] = 0.5  # away from the kink of |w|
    for name, value, gradient in [("l2_penalty", 0.5 * np.sum(w * w), w),
                                  ("l1_penalty", np.abs(w).sum(), np.sign(w))]:
        got, gradients = student.gradient(name, tensor(w, requires_grad=True))
        expect_number_close(got, float(value), rtol=1e-5, what=f"{name} of a tensor")
        expect_true(len(gradients) == 1, f"{name} takes one tensor")
        expect_gradient(gradients[0], gradient, what=f"the gradient of {name}(w)")


# ------------------------------------------------------- 3.7 weight_decay_model


@checks.hidden(
    "ch03.weight_decay_model",
    message="for random sizes, lambd and weights, sum(model.losses) is lambd / 2 * ||kernel||^2 "
    "and the model computes X @ w + b",
)
def weight_decay_model_random(student, rng):
    d = int(rng.integers(2, 8))
    lambd = float(rng.uniform(0.1, 5.0))
    kernel = rng.normal(size=(d, 1)).astype(np.float32)
    bias = rng.uniform(1.0, 3.0, size=(1,)).astype(np.float32)
    X = rng.normal(size=(5, d)).astype(np.float32)
    info = expect_functional(
        student.model("build_weight_decay_model", d, lambd, inputs=X, set_weights=[kernel, bias]),
        f"build_weight_decay_model({d}, {lambd:.3g})",
    )
    penalty = float(sum(float(np.sum(loss)) for loss in info.losses))
    expected = lambd / 2 * float(np.sum(kernel.astype(np.float64) ** 2))
    expect_close(penalty, expected, rtol=1e-5, atol=1e-6, what="sum(model.losses)")
    expect_close(info.outputs, X.astype(np.float64) @ kernel + bias, rtol=1e-5, atol=1e-5,
                 what="the model's output")


# -------------------------------------------------------------------- 3.8 k_fold


def _expect_k_fold_split(student, rng, n, k):
    """Every fold of a k-fold split of n random rows."""
    X = rng.normal(size=(n, 3))
    y = rng.normal(size=(n, 1))
    sizes = [n // k + (1 if j < n % k else 0) for j in range(k)]
    bounds = np.cumsum([0] + sizes)
    for i in range(k):
        val = np.arange(bounds[i], bounds[i + 1])
        train = np.setdiff1d(np.arange(n), val)
        parts = expect_sequence(student.call("get_k_fold_data", k, i, X, y), 4, f"get_k_fold_data({k}, {i}, X, y)")
        for got, expected, what in zip(parts, [X[train], y[train], X[val], y[val]],
                                       ["X_train", "y_train", "X_valid", "y_valid"]):
            expect_close(got, expected, what=f"{what} of fold {i} (n = {n}, k = {k})")


@checks.hidden(
    "ch03.k_fold",
    message="every fold of get_k_fold_data matches the contiguous split whose first n % k "
    "folds have one extra row, for n % k = 0, 1 and k - 1, for k = 2 and k = n, and for random "
    "n and k; the folds cover every row exactly once",
)
def k_fold_random_partitions(student, rng):
    k = int(rng.integers(3, 7))
    m = int(rng.integers(2, 5))
    # The telling cases first (issue 10, class 3): no remainder, a remainder
    # of one and of k - 1, two folds, one row per fold; then a random split.
    cases = [(k * m, k), (k * m + 1, k), (k * m + k - 1, k), (2 * m + 1, 2), (k + 1, k + 1)]
    cases.append((k * int(rng.integers(2, 7)) + int(rng.integers(0, k)), k))
    for n, folds in cases:
        _expect_k_fold_split(student, rng, n, folds)
