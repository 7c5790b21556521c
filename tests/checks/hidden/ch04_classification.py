"""Hidden checks for chapter 4 (instructors only).

Random inputs from ``rng`` and stronger properties than the visible checks:
torch tensors as inputs, other shapes and axes, soft labels, large logits,
classes that never occur, unequal sample sizes.
"""

import numpy as np
import torch

from visible_checks import (
    as_pair, call_sgd_steps, expect_sgd_result, labels_matrix, positive_weights, reference_log_softmax,
    reference_softmax, sgd_batches, sgd_start,
)
from workbook.grading import (
    Checks, expect_array, expect_close, expect_dtype_kind, expect_functional, expect_gradient,
    expect_number_close, expect_true, tensor,
)
from workbook.grading.expect import expect_dtype

checks = Checks("ch04")


def mixed_scale_logits(rng, q):
    """Rows of very different scale in one batch (issue 10, class 4): around
    +1000, around 1e-3, around -1000, and two ordinary rows, shuffled.

    Subtracting the maximum of the whole batch instead of each row's turns
    every row but the largest into exp(-1000) = 0, so 0/0 or log(0)."""
    rows = np.stack([1000 + 3 * rng.normal(size=q), 1e-3 * rng.normal(size=q),
                     -1000 + 3 * rng.normal(size=q), *(3 * rng.normal(size=(2, q)))])
    return rows[rng.permutation(len(rows))]


def softmax_vjp(softmax, cotangent, axis=-1):
    """The gradient of sum(cotangent * softmax(X)) with respect to X."""
    return softmax * (cotangent - np.sum(cotangent * softmax, axis=axis, keepdims=True))


def plogq(p, q):
    mask = p > 0
    return np.sum(p[mask] * np.log(q[mask]))


# ------------------------------------------------------------ 4.1 one-hot



def reference_sgd_steps(W, b, batches, lr):
    """float64 SGD on the mean softmax cross-entropy: (W, b, losses before each step)."""
    W, b = np.asarray(W, np.float64), np.asarray(b, np.float64)
    losses = []
    for X, y in batches:
        X = np.asarray(X, np.float64)
        log_p = reference_log_softmax(X @ W + b)
        targets = labels_matrix(y, W.shape[1])
        losses.append(float(-np.mean(np.sum(targets * log_p, axis=1))))
        G = (np.exp(log_p) - targets) / len(X)  # d loss / d logits
        W, b = W - lr * X.T @ G, b - lr * G.sum(axis=0)
    return W, b, losses


def expect_sgd_steps(student, W0, b0, batches, lr):
    return expect_sgd_result(call_sgd_steps(student, W0, b0, batches, lr),
                             *reference_sgd_steps(W0, b0, batches, lr))


@checks.hidden("ch04.one_hot", message="one_hot returns floats (not booleans or integers) and "
                                       "works on torch tensors, for a single example, for labels "
                                       "that leave trailing classes unused and for the last class")
def one_hot_hidden(student, rng):
    q = int(rng.integers(6, 10))
    cases = [
        rng.integers(0, q - 1, size=int(rng.integers(5, 12))),  # the last class never occurs
        np.array([q - 1, 0, q - 1]),  # the first and the last class
        np.array([int(rng.integers(0, q))]),  # a single example
    ]
    for y in cases:
        for labels in (tensor(y.astype(np.int64)), y.astype(np.int32)):
            what = f"one_hot for {len(y)} labels, {q} classes"
            got = expect_dtype_kind(student.call("one_hot", labels, q), "float", what)
            expect_close(got, labels_matrix(y, q), what=what)


# ----------------------------------------------- 4.1 softmax gradients


def _expect_softmax_grads(student, X, W, b, y, what):
    Wt = torch.tensor(W, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(torch.tensor(X) @ Wt + bt, torch.tensor(y))
    loss.backward()
    dW, db = as_pair(student.call("softmax_regression_grads", X, W, b, y),
                     "softmax_regression_grads")
    expect_close(dW, Wt.grad.numpy(), rtol=1e-3, atol=1e-4, what=f"dW {what}")
    expect_close(db, bt.grad.numpy(), rtol=1e-3, atol=1e-4, what=f"db {what}")


@checks.hidden("ch04.softmax_gradients",
               message="softmax_regression_grads agrees with torch autograd of the mean "
                       "cross-entropy, also when the logits are in the hundreds and when rows "
                       "of logits near +1000, near 0 and near -1000 share a batch")
def softmax_gradients_hidden(student, rng):
    n, d, q = int(rng.integers(5, 9)), int(rng.integers(3, 6)), int(rng.integers(3, 6))
    X = rng.normal(size=(n, d))
    W = rng.normal(size=(d, q))
    W *= 900 / np.abs(X @ W).max()  # the largest logit is 900: exp() overflows even in float64
    b = rng.normal(size=q)
    y = rng.integers(0, q, size=n)
    _expect_softmax_grads(student, X, W, b, y, "for large logits")
    # Inputs chosen so that X @ W is a batch of mixed-scale logits: W is 1000
    # times a matrix Q with orthonormal columns, so X = logits @ Q.T / 1000
    # solves X @ W = logits (and stays near 1, where float32 is exact enough).
    Q, _ = np.linalg.qr(rng.normal(size=(q + 2, q)))
    logits = mixed_scale_logits(rng, q)
    y = rng.integers(0, q, size=len(logits))
    _expect_softmax_grads(student, logits @ Q.T / 1000, 1000 * Q, np.zeros(q), y,
                          "for rows of logits near +1000, 0 and -1000 in one batch")


# -------------------------------------------------- 4.3 entropy and KL


@checks.hidden("ch04.entropy_kl",
               message="entropy, cross_entropy_pq and kl_divergence are right for random "
                       "distributions, treat 0 log 0 as 0, and KL is not symmetric")
def entropy_kl_hidden(student, rng):
    k = int(rng.integers(5, 9))
    p = rng.dirichlet(np.ones(k))
    p[:2] = 0.0
    p /= p.sum()
    q = rng.dirichlet(np.ones(k))
    q[0] = 0.0  # zero where p is zero too
    q /= q.sum()
    expect_number_close(student.call("entropy", p), -plogq(p, p),
                        rtol=1e-5, what="entropy of a distribution with zeros")
    expect_number_close(student.call("cross_entropy_pq", p, q),
                        -plogq(p, q), rtol=1e-5, what="cross_entropy_pq(p, q)")
    expect_number_close(student.call("kl_divergence", p, q),
                        plogq(p, p) - plogq(p, q), rtol=1e-5, what="kl_divergence(p, q)")
    a, c = rng.dirichlet(np.ones(k)), rng.dirichlet(np.ones(k))
    expect_number_close(student.call("kl_divergence", c, a),
                        plogq(c, c) - plogq(c, a), rtol=1e-5, what="kl_divergence(c, a)")


# ------------------------------------------------- 4.4 stable softmax


@checks.hidden("ch04.stable_softmax",
               message="stable_softmax respects the axis argument (axis 0, a middle axis of a "
                       "3-D tensor, the last axis by default), accepts torch tensors and ignores a shift of +1000")
def stable_softmax_hidden(student, rng):
    X = rng.normal(size=(3, 5))
    expect_close(student.call("stable_softmax", X, axis=0), reference_softmax(X, axis=0), rtol=1e-5,
                 atol=1e-6, what="stable_softmax(X, axis=0)")
    T = rng.normal(size=(2, 4, 3))
    expect_close(student.call("stable_softmax", tensor(T.astype(np.float32)), axis=1),
                 reference_softmax(T, axis=1), rtol=1e-4, atol=1e-6,
                 what="stable_softmax of a 3-D tensor along axis 1")
    expect_close(student.call("stable_softmax", T), reference_softmax(T, axis=-1), rtol=1e-5,
                 atol=1e-6, what="stable_softmax of a 3-D array with the default axis (the last)")
    shifted = X + 1000.0
    expect_close(student.call("stable_softmax", shifted), reference_softmax(X, axis=-1), rtol=1e-4,
                 atol=1e-6, what="stable_softmax(X + 1000)")


@checks.hidden("ch04.stable_softmax",
               message="stable_softmax shifts each slice by its own maximum (rows of logits near "
                       "+1000, near 0 and near -1000 in one call, along either axis), and is "
                       "differentiable: computed with keras.ops, autograd gives its gradient")
def stable_softmax_mixed_scales_and_gradient(student, rng):
    q = int(rng.integers(3, 7))
    logits = mixed_scale_logits(rng, q)
    for X, axis in [(logits, -1), (logits.T, 0)]:
        expect_close(student.call("stable_softmax", X, axis=axis), reference_softmax(X, axis=axis),
                     rtol=1e-5, atol=1e-6,
                     what=f"stable_softmax(X, axis={axis}) for slices near +1000, 0 and -1000")
    X = rng.normal(size=(4, q)).astype(np.float32)
    cotangent = rng.normal(size=X.shape)
    value, gradients = student.gradient("stable_softmax", tensor(X, requires_grad=True),
                                        cotangent=cotangent)
    expected = reference_softmax(X)
    expect_close(value, expected, rtol=1e-5, atol=1e-6, what="stable_softmax of a tensor")
    expect_true(len(gradients) == 1, "stable_softmax takes one tensor")
    expect_gradient(gradients[0], softmax_vjp(expected, cotangent),
                    what="the gradient of sum(c * stable_softmax(X))")


# ---------------------------------------------- 4.4 cross-entropy losses


@checks.hidden("ch04.cross_entropy_losses",
               message="cross_entropy_losses handles soft labels (sum over classes, per "
                       "example), one-hot matrices and torch int64 labels")
def cross_entropy_losses_hidden(student, rng):
    n, q = int(rng.integers(4, 9)), int(rng.integers(3, 7))
    y_hat = rng.dirichlet(np.ones(q), size=n)
    soft = rng.dirichlet(np.ones(q), size=n)
    expect_close(student.call("cross_entropy_losses", y_hat, soft),
                 -np.sum(soft * np.log(y_hat), axis=1), rtol=1e-5,
                 what="losses with soft labels")
    labels = rng.integers(0, q, size=n)
    hard = -np.log(y_hat[np.arange(n), labels])
    expect_close(student.call("cross_entropy_losses", y_hat, labels_matrix(labels, q)), hard,
                 rtol=1e-5, what="losses with one-hot label rows")
    expect_close(student.call("cross_entropy_losses", tensor(y_hat), tensor(labels.astype(np.int64))),
                 hard, rtol=1e-5, what="losses with torch tensors")


# ---------------------------------------------------------- 4.4 accuracy


@checks.hidden("ch04.accuracy",
               message="accuracy works on logits (negative scores), on 1-D vectors of predicted "
                       "classes and on torch tensors")
def accuracy_hidden(student, rng):
    n, q = int(rng.integers(15, 30)), int(rng.integers(3, 8))
    logits = 4 * rng.normal(size=(n, q)) - 10
    labels = rng.integers(0, q, size=n)
    labels[:4] = logits[:4].argmax(axis=1)
    expected = float(np.mean(logits.argmax(axis=1) == labels))
    got = student.call("accuracy", tensor(logits), tensor(labels))
    expect_number_close(got, expected, what="accuracy of logits")
    # Class indices whose accuracy differs from that of any constant guess,
    # so an answer that reduces the vector to one index cannot match by luck.
    constant_guesses = {float(np.mean(labels == k)) for k in range(q)}
    for _ in range(100):
        predicted = rng.integers(0, q, size=n)
        predicted[:3] = labels[:3]
        if float(np.mean(predicted == labels)) not in constant_guesses:
            break
    got = student.call("accuracy", predicted, labels)
    expect_number_close(got, float(np.mean(predicted == labels)), what="accuracy of class indices")


@checks.hidden("ch04.accuracy",
               message="accuracy predicts the first of tied columns (what argmax does): a row "
                       "whose scores are all equal, as an untrained model gives, predicts class 0, "
                       "and a true class tied for the maximum after another column is a miss")
def accuracy_ties(student, rng):
    q = int(rng.integers(3, 7))
    scores = rng.dirichlet(np.ones(q), size=8)
    labels = rng.integers(0, q, size=8)
    scores[0], labels[0] = 1 / q, int(rng.integers(1, q))  # all equal: predicts 0, a miss
    scores[1], labels[1] = 1 / q, 0  # all equal: a hit
    for row in (2, 3):  # the true class ties the maximum of an earlier column: a miss
        first, true = sorted(rng.choice(q, size=2, replace=False))
        scores[row] = 0.1 / q
        scores[row, [first, true]] = 0.45
        labels[row] = true
    scores[4], labels[4] = scores[2], scores[2].argmax()  # the earlier tied column: a hit
    expected = float(np.mean(scores.argmax(axis=1) == labels))
    for y_hat in (scores, tensor(np.log(scores))):
        got = student.call("accuracy", y_hat, labels)
        expect_number_close(got, expected, what="accuracy with tied scores")


# ------------------------------------------- 4.4 the fused scratch layer


@checks.hidden("ch04.softmax_scratch",
               message="build_softmax_scratch works for other input shapes and class counts and "
                       "stays finite when the logits are in the hundreds")
def softmax_scratch_hidden(student, rng):
    for shape, q in [((8, 8, 1), int(rng.integers(3, 7))), ((int(rng.integers(10, 30)),), 3)]:
        d = int(np.prod(shape))
        W = 40 * rng.normal(size=(d, q))
        b = rng.normal(size=q)
        X = rng.random(size=(5, *shape))
        info = expect_functional(
            student.model("build_softmax_scratch", shape, q, inputs=X, set_weights=[W, b]),
            custom_layers=True,
        )
        expect_true(info.count_params == d * q + q,
                    f"for input shape {shape} and {q} classes the model has {info.count_params} "
                    f"parameters; expected {d * q + q}")
        expect_close(info.outputs, reference_softmax(X.reshape(5, -1) @ W + b), rtol=1e-4, atol=1e-5,
                     what=f"the output for input shape {shape} and large logits")


@checks.hidden("ch04.softmax_scratch",
               message="SoftmaxScratch shifts each example's logits by their own maximum: "
                       "examples whose logits are near +1000, near 0 and near -1000 share a batch")
def softmax_scratch_mixed_scales(student, rng):
    q = int(rng.integers(3, 7))
    shape = (4, 4, 1)
    # W = 1000 Q for Q with orthonormal columns, so X = logits @ Q.T / 1000
    # gives X @ W = logits with inputs near 1 (see softmax_gradients_hidden).
    Q, _ = np.linalg.qr(rng.normal(size=(16, q)))
    logits = mixed_scale_logits(rng, q)
    X = (logits @ Q.T / 1000).reshape(len(logits), *shape)
    info = student.model("build_softmax_scratch", shape, q, inputs=X,
                         set_weights=[1000 * Q, np.zeros(q)])
    expect_close(expect_functional(info, custom_layers=True).outputs, reference_softmax(logits),
                 rtol=2e-3, atol=1e-5, what="the output for examples of very different scale")


# ------------------------------------------- 4.4 the training step by hand


@checks.hidden("ch04.sgd_steps", points=2,
               message="sgd_steps on batches of different sizes (down to 1 row), more classes than "
                       "before, and a last batch whose logits reach the thousands (a softmax that "
                       "is not shifted overflows); W stays float32")
def sgd_steps_hidden(student, rng):
    d, q = 4, 5
    W0, b0 = sgd_start(rng, d, q)
    sizes = [7, 3, 1, int(rng.integers(2, 9))]
    batches = sgd_batches(rng, sizes, d, q) + sgd_batches(rng, [6], d, q, scale=2000.0)
    W, _ = expect_sgd_steps(student, W0, b0, batches, float(rng.uniform(0.05, 0.5)))
    expect_dtype(W, "float32", what="W")


# ------------------------------------------------ 4.5 CE from logits


@checks.hidden("ch04.ce_from_logits",
               message="ce_from_logits is exact for random logits of size several hundred, on "
                       "torch tensors with int64 labels")
def ce_from_logits_hidden(student, rng):
    n, q = int(rng.integers(5, 10)), int(rng.integers(3, 8))
    O = 300 * rng.normal(size=(n, q))
    y = rng.integers(0, q, size=n)
    log_probs = reference_log_softmax(O)
    got = student.call("ce_from_logits", tensor(O.astype(np.float32)), tensor(y.astype(np.int64)))
    expect_close(got, -log_probs[np.arange(n), y], rtol=1e-4, atol=1e-3,
                 what="losses for logits of several hundred")


@checks.hidden("ch04.ce_from_logits",
               message="ce_from_logits shifts each row by its own maximum (rows of logits near "
                       "+1000, near 0 and near -1000 in one call), and is differentiable: "
                       "computed with keras.ops, its gradient is softmax(O) - one_hot(y)")
def ce_from_logits_mixed_scales_and_gradient(student, rng):
    q = int(rng.integers(3, 7))
    O = mixed_scale_logits(rng, q)
    y = rng.integers(0, q, size=len(O))
    expected = -reference_log_softmax(O)[np.arange(len(O)), y]
    expect_close(student.call("ce_from_logits", O, y), expected, rtol=1e-5, atol=1e-4,
                 what="losses for rows of logits near +1000, 0 and -1000 in one call")
    O = (3 * rng.normal(size=(5, q))).astype(np.float32)
    y = rng.integers(0, q, size=5)
    cotangent = rng.uniform(0.5, 2.0, size=5)
    value, gradients = student.gradient("ce_from_logits", tensor(O, requires_grad=True),
                                        tensor(y.astype(np.int64)), cotangent=cotangent)
    expect_close(value, -reference_log_softmax(O)[np.arange(5), y], rtol=1e-5, atol=1e-5,
                 what="losses for logits given as a tensor")
    expect_true(len(gradients) == 1, "only the logits require a gradient")
    expected = cotangent[:, None] * (reference_softmax(O) - labels_matrix(y, q))
    expect_gradient(gradients[0], expected, what="the gradient of sum(c * losses) by the logits")


# ------------------------------------------------- 4.5 concise model


@checks.hidden("ch04.concise_model",
               message="keras_from_torch_linear gives torch's logits for colour images and other "
                       "class counts, with weights passed as torch tensors")
def concise_model_colour_tensors(student, rng):
    shape = (int(rng.integers(4, 7)), int(rng.integers(4, 7)), 3)
    q = int(rng.integers(2, 6))
    d = int(np.prod(shape))
    weight, bias = rng.normal(size=(q, d)), rng.normal(size=q)
    X = rng.random(size=(3, *shape))
    info = expect_functional(student.model("keras_from_torch_linear", tensor(weight), tensor(bias),
                                           shape, inputs=X))
    expect_true(info.count_params == d * q + q,
                f"for input shape {shape} and {q} classes the model has {info.count_params} "
                f"parameters; expected {d * q + q}")
    expect_close(info.outputs, X.reshape(3, -1) @ weight.T + bias, rtol=1e-4, atol=1e-4,
                 what="the logits for colour images")


@checks.hidden("ch04.concise_model",
               message="keras_from_torch_linear is right when there are as many classes as inputs, "
                       "where a kernel left in torch's (classes, inputs) layout still fits")
def concise_model_square(student, rng):
    shape = (2, 2, 1)
    weight, bias = rng.normal(size=(4, 4)), rng.normal(size=4)
    X = rng.random(size=(5, *shape))
    info = expect_functional(student.model("keras_from_torch_linear", weight, bias, shape, inputs=X))
    expect_close(info.outputs, X.reshape(5, -1) @ weight.T + bias, rtol=1e-4, atol=1e-4,
                 what="the logits of a 4-input, 4-class model")


# --------------------------------------------- 4.6 the confusion matrix


@checks.hidden("ch04.confusion_matrix",
               message="confusion_matrix returns integer counts, keeps rows and columns of "
                       "classes that never occur (or occur only as a prediction, or only as a "
                       "true class) and accepts torch tensors")
def confusion_matrix_hidden(student, rng):
    q = int(rng.integers(6, 9))
    n = int(rng.integers(20, 40))
    y_true = rng.integers(0, q - 3, size=n)
    y_pred = rng.integers(0, q - 3, size=n)
    y_true[0], y_pred[1] = q - 3, q - 2  # q - 3 only ever true, q - 2 only ever predicted
    expected = np.zeros((q, q))
    np.add.at(expected, (y_true, y_pred), 1)
    what = f"confusion_matrix with {q} classes"
    got = expect_array(student.call("confusion_matrix", tensor(y_true), tensor(y_pred), q),
                       shape=(q, q), what=what)
    expect_dtype_kind(got, "integer", f"{what} (counts)")
    expect_close(got, expected, what=what)


# ------------------------------------------ 4.7 importance weighting


@checks.hidden("ch04.importance_weights",
               message="importance_weights is right for 2-D Gaussians with three times more "
                       "source than target points (the n_s / n_t correction), so the weights "
                       "average about 1 over the source")
def importance_weights_hidden(student, rng):
    shift = np.array([0.8, -0.5]) + 0.1 * rng.normal(size=2)
    source = rng.normal(size=(3000, 2))
    target = rng.normal(size=(1000, 2)) + shift
    beta = positive_weights(student.call("importance_weights", source, target), 3000)
    true_log_ratio = source @ shift - shift @ shift / 2
    error = float(np.median(np.abs(np.log(beta) - true_log_ratio)))
    expect_true(error < 0.25,
                f"log(weight) is off from the true log-ratio by {error:.3f} (median); "
                "expected below 0.25")
    expect_true(abs(float(beta.mean()) - 1.0) < 0.25,
                f"the weights average {beta.mean():.3f} over the source points; p(x)/q(x) "
                "averages 1 under q")
