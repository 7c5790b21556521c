"""Visible checks for chapter 4 (shipped to students).

Every expected value is computed here with numpy, in float64, from inputs
drawn from ``rng``; nothing the student's code computes is trusted except
the answer under test.
"""

import math

import numpy as np

from workbook.grading import (
    CheckFailed,
    Checks,
    expect_array,
    expect_close,
    expect_functional,
    expect_number_close,
    expect_true,
    tensor,
)
from workbook.grading.expect import expect_normal_sample, expect_python_number

checks = Checks("ch04")
# A Keras discriminator (allowed in the statement) takes longer than sklearn's.
checks.budget("ch04.importance_weights", 90)


# ------------------------------------------------------------------ helpers


def as_pair(value, what):
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise CheckFailed(f"{what} should return a pair (dW, db), got {type(value).__name__}")
    return value


def reference_softmax(logits, axis=-1):
    logits = np.asarray(logits, dtype=np.float64)
    shifted = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def reference_log_softmax(logits):
    logits = np.asarray(logits, dtype=np.float64)
    top = logits.max(axis=1, keepdims=True)
    return logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True))


def labels_matrix(labels, num_classes):
    return (np.asarray(labels)[:, None] == np.arange(num_classes)[None, :]).astype(np.float64)


def layer_names(info):
    return info.layer_classes()


def positive_weights(value, n):
    """The importance weights: n finite positive numbers, as a vector of shape (n,)."""
    beta = expect_array(value, what="the weights")
    beta = beta.reshape(-1) if beta.size == n else beta
    expect_true(beta.shape == (n,), f"the weights have shape {beta.shape}; expected ({n},)")
    expect_true(bool(np.all(np.isfinite(beta)) and np.all(beta > 0)),
                "every weight must be a finite positive number")
    return beta


# ------------------------------------------------------------ 4.1 one-hot


@checks.visible("ch04.one_hot", points=1,
                message="one_hot(y, num_classes) is an (n, num_classes) matrix with a 1 in "
                        "column y[i] of row i and 0 elsewhere; num_classes may exceed max(y) + 1")
def one_hot_values(student, rng):
    y = rng.integers(0, 5, size=9)
    y[:5] = [4, 0, 2, 1, 3]
    num_classes = 7
    got = student.call("one_hot", y, num_classes)
    expect_close(got, labels_matrix(y, num_classes), what="one_hot(y, 7)")


# ----------------------------------------------- 4.1 softmax gradients


@checks.visible("ch04.softmax_gradients", points=1,
                message="softmax_regression_grads(X, W, b, y) returns (dW, db) = "
                        "(X.T @ (softmax(XW + b) - Y) / n, mean over rows of softmax(XW + b) - Y)")
def softmax_gradients_values(student, rng):
    n, d, q = 6, 4, 3
    X = rng.normal(size=(n, d))
    W = rng.normal(size=(d, q))
    b = rng.normal(size=q)
    y = rng.integers(0, q, size=n)
    residual = (reference_softmax(X @ W + b) - labels_matrix(y, q)) / n
    dW, db = as_pair(student.call("softmax_regression_grads", X, W, b, y),
                     "softmax_regression_grads")
    expect_close(dW, X.T @ residual, rtol=1e-4, atol=1e-5, what="dW")
    expect_close(db, residual.sum(axis=0), rtol=1e-4, atol=1e-5, what="db")


# -------------------------------------------------- 4.3 entropy and KL


@checks.visible("ch04.entropy_kl", points=1,
                message="for a fair die P and Q = (.1, .1, .1, .1, .1, .5): entropy(P) = log 6 "
                        "= 1.7918, cross_entropy_pq(P, Q) = 2.0343, kl_divergence(P, Q) = "
                        "0.2426 (nats), and kl_divergence(p, p) = 0")
def entropy_kl_die_values(student, rng):
    fair = np.full(6, 1 / 6)
    loaded = np.array([0.1, 0.1, 0.1, 0.1, 0.1, 0.5])
    h_fair = -np.sum(fair * np.log(fair))
    h_cross = -np.sum(fair * np.log(loaded))
    expect_number_close(student.call("entropy", fair), h_fair, rtol=1e-5, what="entropy(fair die)")
    got = student.call("cross_entropy_pq", fair, loaded)
    expect_number_close(got, h_cross, rtol=1e-5, what="cross_entropy_pq(P, Q)")
    got = student.call("kl_divergence", fair, loaded)
    expect_number_close(got, h_cross - h_fair, rtol=1e-5, what="kl_divergence(P, Q)")
    p = rng.dirichlet(np.ones(5))
    got = student.call("kl_divergence", p, p)
    expect_number_close(got, 0.0, atol=1e-6, what="kl_divergence(p, p)")


# ------------------------------------------------- 4.4 stable softmax


@checks.visible("ch04.stable_softmax", points=1,
                message="stable_softmax(X) normalizes each row (the last axis) and stays finite "
                        "for logits of +-1000")
def stable_softmax_rows(student, rng):
    X = 3 * rng.normal(size=(4, 6))
    expect_close(student.call("stable_softmax", X), reference_softmax(X, axis=-1),
                 rtol=1e-5, atol=1e-6, what="stable_softmax(X) on a 4 x 6 matrix")
    big = np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 1000.0]]) + rng.normal(size=(2, 3))
    expect_close(student.call("stable_softmax", big), reference_softmax(big, axis=-1),
                 rtol=1e-5, atol=1e-6, what="stable_softmax of logits near +-1000")


# ---------------------------------------------- 4.4 cross-entropy losses


@checks.visible("ch04.cross_entropy_losses", points=1,
                message="cross_entropy_losses(y_hat, y) with integer labels returns -log of each "
                        "row's true-class probability, one loss per example (not the mean): "
                        "[[.1, .3, .6], [.3, .2, .5]] with y = [0, 2] gives [2.3026, 0.6931]")
def cross_entropy_losses_d2l_example(student, rng):
    y_hat = np.array([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    got = student.call("cross_entropy_losses", y_hat, np.array([0, 2]))
    expect_close(got, [-math.log(0.1), -math.log(0.5)], rtol=1e-5, what="the D2L example")
    n, q = 7, 4
    probabilities = rng.dirichlet(np.ones(q), size=n)
    labels = rng.integers(0, q, size=n)
    expected = -np.log(probabilities[np.arange(n), labels])
    got = student.call("cross_entropy_losses", probabilities, labels)
    expect_close(got, expected, rtol=1e-5, what="losses of random predictions")


# ---------------------------------------------------------- 4.4 accuracy


@checks.visible("ch04.accuracy", points=1,
                message="accuracy(y_hat, y) is the fraction (a Python float) of rows whose largest "
                        "entry is in column y: 0.5 for [[.1, .3, .6], [.3, .2, .5]] and y = [0, 2]")
def accuracy_values(student, rng):
    y_hat = np.array([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    got = student.call("accuracy", y_hat, np.array([0, 2]))
    what = "accuracy on the D2L example"
    expect_number_close(expect_python_number(got, what), 0.5, what=what)
    scores = rng.dirichlet(np.ones(5), size=20)
    labels = rng.integers(0, 5, size=20)
    labels[:6] = scores[:6].argmax(axis=1)  # some right answers for sure
    expected = float(np.mean(scores.argmax(axis=1) == labels))
    got = student.call("accuracy", scores, labels)
    expect_number_close(got, expected, what="accuracy of 20 random predictions")


# ------------------------------------------- 4.4 the fused scratch layer


@checks.visible("ch04.softmax_scratch", points=2,
                message="build_softmax_scratch((28, 28, 1), 10) is a functional model with a "
                        "SoftmaxScratch layer and 7,850 parameters, W (784, 10) ~ N(0, 0.01^2) "
                        "and b = 0 at first; with weights (W, b) loaded it returns "
                        "softmax(flatten(X) @ W + b)")
def softmax_scratch_fashion_mnist_shape(student, rng):
    fresh = expect_functional(student.model("build_softmax_scratch", (28, 28, 1), 10),
                              custom_layers=True)
    expect_true("SoftmaxScratch" in layer_names(fresh),
                f"the model's layers are {layer_names(fresh)}; expected a SoftmaxScratch layer")
    expect_true(fresh.count_params == 7850,
                f"the model has {fresh.count_params} parameters; expected 784 * 10 + 10 = 7850")
    shapes = [tuple(w.shape) for w in fresh.weights]
    expect_true(shapes == [(784, 10), (10,)],
                f"the weights have shapes {shapes}; expected W (784, 10) first, then b (10,)")
    kernel, bias = fresh.weights
    # 7,840 draws, reseeded per student: a right W fails with probability
    # ~6e-9; a spread 10% off passes with probability ~2e-6, a uniform never.
    expect_normal_sample(kernel, 0.01, what="the initial W")
    expect_close(bias, np.zeros(10), what="the initial bias")
    W = 0.1 * rng.normal(size=(784, 10))
    b = rng.normal(size=10)
    X = rng.random(size=(3, 28, 28, 1))
    info = student.model("build_softmax_scratch", (28, 28, 1), 10, inputs=X, set_weights=[W, b])
    expected = reference_softmax(X.reshape(3, -1) @ W + b)
    expect_close(info.outputs, expected, rtol=1e-4, atol=1e-5, what="the model's output")


# ------------------------------------------- 4.4 the training step by hand


def sgd_start(rng, d, q):
    """Starting weights (W0, b0), float32, of ordinary size."""
    return (0.5 * rng.normal(size=(d, q))).astype(np.float32), (0.1 * rng.normal(size=q)).astype(np.float32)


def sgd_batches(rng, sizes, d, q, scale=1.0):
    return [((scale * rng.normal(size=(n, d))).astype(np.float32), rng.integers(0, q, size=n))
            for n in sizes]


def call_sgd_steps(student, W0, b0, batches, lr):
    return student.call("sgd_steps", tensor(W0, requires_grad=True), tensor(b0, requires_grad=True),
                        batches, lr)


def expect_sgd_result(got, expected_W, expected_b, expected_losses):
    """``got`` is (W, b, losses) with these values."""
    if not isinstance(got, (list, tuple)) or len(got) != 3:
        raise CheckFailed("sgd_steps should return a tuple (W, b, losses)")
    W, b, losses = got
    expect_true(isinstance(losses, (list, tuple)) and len(losses) == len(expected_losses),
                f"losses should be a list of {len(expected_losses)} numbers, one per batch")
    for index, (loss, expected) in enumerate(zip(losses, expected_losses)):
        expect_python_number(loss, what=f"losses[{index}]")
        expect_number_close(loss, expected, rtol=1e-4, what=f"losses[{index}] (the loss before step {index + 1})")
    expect_close(W, expected_W, rtol=1e-4, atol=1e-5, what="W after the last step")
    expect_close(b, expected_b, rtol=1e-4, atol=1e-5, what="b after the last step")
    return W, b


@checks.visible("ch04.sgd_steps", points=2,
                message="sgd_steps(W, b, batches, lr) takes one SGD step per batch on the mean "
                        "softmax cross-entropy of X @ W + b, gradients cleared between steps, and "
                        "returns (W, b, losses) with each batch's loss before its update")
def sgd_steps_two_batches(student, rng):
    W0 = np.array([[0.5, -0.25, 0.0], [0.1, 0.3, -0.4]], np.float32)
    b0 = np.array([0.0, 0.1, -0.1], np.float32)
    batches = [(np.array([[1.0, 2.0], [-1.0, 0.5]], np.float32), np.array([0, 2])),
               (np.array([[0.5, -1.5], [2.0, 1.0], [0.0, 1.0]], np.float32), np.array([1, 1, 0]))]
    expect_sgd_result(call_sgd_steps(student, W0, b0, batches, 0.5),
                      [[0.3725067, 0.1567342, -0.2792409], [0.3391125, -0.054391, -0.2847215]],
                      [-0.0280869, 0.0986232, -0.0705363], [1.0455382, 1.5602744])


# ------------------------------------------------ 4.5 CE from logits


@checks.visible("ch04.ce_from_logits", points=1,
                message="ce_from_logits(O, y) returns the per-example losses "
                        "log(sum_k exp(o_k)) - o_y, exact and finite even for logits of +-1000")
def ce_from_logits_values(student, rng):
    n, q = 5, 4
    O = 2 * rng.normal(size=(n, q))
    y = rng.integers(0, q, size=n)
    expected = -reference_log_softmax(O)[np.arange(n), y]
    expect_close(student.call("ce_from_logits", O, y), expected, rtol=1e-5, atol=1e-5,
                 what="losses for moderate logits")
    big = np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 0.0], [5.0, 1000.0, 3.0]])
    labels = np.array([2, 0, 1])
    expected = -reference_log_softmax(big)[np.arange(3), labels]
    expect_close(student.call("ce_from_logits", big, labels), expected, rtol=1e-5, atol=1e-4,
                 what="losses for logits of +-1000")


# ------------------------------------------------- 4.5 concise model


@checks.visible("ch04.concise_model", points=1,
                message="keras_from_torch_linear(weight, bias, (28, 28, 1)) for a torch "
                        "nn.Linear(784, 10) is a functional Input -> Flatten -> Dense model with "
                        "7,850 parameters whose outputs are torch's logits flatten(X) @ weight.T + bias")
def concise_model_from_torch(student, rng):
    weight = 0.1 * rng.normal(size=(10, 784))  # torch's layout: (classes, inputs)
    bias = rng.normal(size=10)
    X = rng.random(size=(4, 28, 28, 1))
    info = expect_functional(
        student.model("keras_from_torch_linear", weight, bias, (28, 28, 1), inputs=X)
    )
    names = layer_names(info)
    expect_true("Flatten" in names and "Dense" in names,
                f"the model's layers are {names}; expected Flatten and Dense")
    expect_true(info.count_params == 7850,
                f"the model has {info.count_params} parameters; expected 784 * 10 + 10 = 7850")
    expect_close(info.outputs, X.reshape(4, -1) @ weight.T + bias, rtol=1e-4, atol=1e-4,
                 what="the model's output (torch's logits)")


# --------------------------------------------- 4.6 the confusion matrix


@checks.visible("ch04.confusion_matrix", points=1,
                message="confusion_matrix(y_true, y_pred, q)[i, j] counts examples of true "
                        "class i predicted as class j")
def confusion_matrix_values(student, rng):
    y_true = np.concatenate([[0, 0, 0], rng.integers(0, 4, size=25)])
    y_pred = np.concatenate([[1, 1, 1], rng.integers(0, 4, size=25)])
    expected = np.zeros((4, 4))
    for t, p in zip(y_true, y_pred):
        expected[t, p] += 1
    got = expect_array(student.call("confusion_matrix", y_true, y_pred, 4), shape=(4, 4),
                       what="confusion_matrix(y_true, y_pred, 4)")
    expect_close(got, expected, what="confusion_matrix(y_true, y_pred, 4)")


# ------------------------------------------ 4.7 importance weighting


@checks.visible("ch04.importance_weights", points=2,
                message="for source N(0, 1) and target N(1, 1) samples, importance_weights "
                        "returns positive weights close to p(x)/q(x) = exp(x - 0.5), and the "
                        "weighted source mean is close to the target mean 1")
def importance_weights_gaussian_1d(student, rng):
    source = rng.normal(0.0, 1.0, size=(2000, 1))
    target = rng.normal(1.0, 1.0, size=(2000, 1))
    beta = positive_weights(student.call("importance_weights", source, target), 2000)
    true_log_ratio = source[:, 0] - 0.5
    central = np.abs(source[:, 0]) < 2
    error = float(np.median(np.abs(np.log(beta[central]) - true_log_ratio[central])))
    expect_true(error < 0.2,
                f"log(weight) is off from the true log-ratio x - 0.5 by {error:.3f} (median); "
                "expected below 0.2")
    weighted_mean = float(np.sum(beta * source[:, 0]) / np.sum(beta))
    expect_true(abs(weighted_mean - 1.0) < 0.2,
                f"the weighted source mean is {weighted_mean:.3f}; expected about 1")
