"""Visible checks for chapter 12 (shipped to students).

The cases are the course's and the tutorial's own numbers, written here as
literals; the reference implementations that compute them
for random inputs would give the answers away, so they live in the hidden
module, which imports the helpers below.
"""

import numpy as np

from workbook.grading import (
    CheckFailed,
    Checks,
    StudentError,
    expect_close,
    expect_equal,
    expect_functional,
    expect_number_close,
    expect_numbers,
    expect_python_number,
    expect_sequence,
    expect_true,
)
from workbook.grading.expect import expect_int

checks = Checks("ch12")


# ------------------------------------------------------------------ helpers


def expect_value_error(student, name, *args, **kwargs):
    """name(*args) raises ValueError in the student's code."""
    try:
        student.call(name, *args, **kwargs)
    except StudentError as error:
        if error.error_type == "ValueError":
            return
        raise
    raise CheckFailed(f"{name}{args} should raise ValueError")


def config(layer, key):
    return layer["config"].get(key)


def pair(value):
    return tuple(value) if isinstance(value, (list, tuple)) else (value, value)


def logit(p):
    return float(np.log(p / (1 - p)))


# ------------------------------------------------------ 12.1 data pipelines


def index_batches(student, n, batch_size, shuffle, drop_last, seed, what):
    batches = student.call("batch_indices", n, batch_size, shuffle=shuffle, drop_last=drop_last,
                           seed=seed)
    if not isinstance(batches, (list, tuple)):
        raise CheckFailed(f"{what} should be a list of index arrays, got {type(batches).__name__}")
    out = []
    for i, batch in enumerate(batches):
        values = np.asarray(batch)
        expect_true(values.ndim == 1 and values.dtype.kind in "iu",
                    f"batch {i} of {what} should be a 1-d array of integer indices, got "
                    f"shape {values.shape} and dtype {values.dtype}")
        out.append(values.astype(int))
    return out


def expect_batch_plan(student, n, batch_size, shuffle, drop_last, seed):
    """batch_indices(...) has the right batch sizes, and the indices are what they must be."""
    what = (f"batch_indices({n}, {batch_size}, shuffle={shuffle}, drop_last={drop_last}, "
            f"seed={seed})")
    batches = index_batches(student, n, batch_size, shuffle, drop_last, seed, what)
    full, rest = divmod(n, batch_size)
    sizes = [batch_size] * full + ([] if drop_last or rest == 0 else [rest])
    expect_equal([len(b) for b in batches], sizes, f"the batch sizes of {what}")
    flat = np.concatenate(batches) if batches else np.zeros(0, int)
    expect_true(len(set(flat.tolist())) == len(flat) and (flat.size == 0 or (0 <= flat.min() and flat.max() < n)),
                f"{what} repeats an index or leaves range({n}): every example at most once per epoch")
    if not shuffle:
        expect_equal(flat.tolist(), list(range(len(flat))), f"the indices of {what} (in order)")
    elif not drop_last:
        expect_equal(sorted(flat.tolist()), list(range(n)), f"the indices of {what} (a permutation)")
    return batches


@checks.visible("ch12.batch_indices",
                message="batch_indices(10, 3) is [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]; "
                "drop_last=True drops [9]; batch_indices(49, 10, shuffle=True, drop_last=True, seed=0) "
                "is 4 batches of 10 distinct indices, and without drop_last a permutation of range(49)")
def batch_indices_notes(student, rng):
    batches = expect_batch_plan(student, 10, 3, False, False, None)
    expect_equal([b.tolist() for b in batches], [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]],
                 "batch_indices(10, 3)")
    expect_batch_plan(student, 10, 3, False, True, None)
    expect_batch_plan(student, 49, 10, True, True, 0)
    expect_batch_plan(student, 49, 10, True, False, 0)


# ------------------------------------------------- 12.2 the layer catalogue


def expect_conv_size(student, args, expected):
    call = f"conv_output_size{args}"
    expect_equal(expect_int(student.call("conv_output_size", *args), call), expected, call)


def expect_transposed_size(student, args, expected):
    call = f"transposed_output_size{args}"
    expect_equal(expect_int(student.call("transposed_output_size", *args), call), expected, call)


def expect_param_count(student, args, kwargs, expected):
    call = f"conv_param_count{args} with {kwargs}"
    expect_equal(expect_int(student.call("conv_param_count", *args, **kwargs), call), expected, call)


@checks.visible("ch12.conv_arithmetic",
                message="the tutorial's 5x5 input with a 2x2 kernel gives 4, 2 (stride 2), 6 (padding 1) "
                "and 3 (dilation 2); a 3x3 transposed convolution takes 126 back to 128; "
                "conv_param_count(64, 32, 3) is 18,464, with groups=8 2,336, depthwise "
                "(groups=64, 64 out) 640 and separable 2,656")
def conv_arithmetic_notes(student, rng):
    for args, expected in [((5, 2), 4), ((5, 2, 2), 2), ((5, 2, 1, 1), 6), ((5, 2, 1, 0, 2), 3)]:
        expect_conv_size(student, args, expected)
    expect_transposed_size(student, (126, 3), 128)
    for args, kwargs, expected in [((64, 32, 3), {}, 18464), ((64, 32, 3), {"groups": 8}, 2336),
                                   ((64, 64, 3), {"groups": 64}, 640),
                                   ((64, 32, 3), {"separable": True}, 2656)]:
        expect_param_count(student, args, kwargs, expected)


# ------------------------------------------------ 12.6 practice problems


COURSE_X, COURSE_Y = [1.0, 2.0, 3.0], [2.0, 4.0, 6.0]


@checks.visible("ch12.linear_search",
                message="mse_for_w([1, 2, 3], [2, 4, 6], [0, 1, 2, 3, 4]) is [18.667, 4.667, 0, 4.667, "
                "18.667]; batch_gradient_descent(x, y, 1.0, 0.01, 100) ends at w = 1.99994444 with "
                "100 costs, the first 4.667, each smaller than the one before")
def linear_search_course(student, rng):
    table = student.call("mse_for_w", COURSE_X, COURSE_Y, [0.0, 1.0, 2.0, 3.0, 4.0])
    expect_close(table, [56 / 3, 14 / 3, 0.0, 14 / 3, 56 / 3], what="mse_for_w over w = 0..4")
    w, costs = expect_sequence(student.call("batch_gradient_descent", COURSE_X, COURSE_Y, 1.0, 0.01, 100),
                               2, "batch_gradient_descent(...)")
    expect_number_close(expect_python_number(w, "w"), 1.99994444, atol=1e-7, what="the final w")
    costs = expect_numbers(costs, shape=(100,), what="the costs")
    expect_close(costs[0], 14 / 3, what="the first cost (before any update)")
    expect_true(bool(np.all(np.diff(costs) < 0)), "the costs should fall at every epoch")


@checks.visible("ch12.sgd_autograd",
                message="sgd_autograd([1, 2, 3], [2, 4, 6], 1.0, 0.01, 100) ends at w = 1.99999964 "
                "with 100 losses, the last 9.1e-13: the gradient is zeroed after every update")
def sgd_autograd_course(student, rng):
    w, losses = expect_sequence(student.call("sgd_autograd", COURSE_X, COURSE_Y, 1.0, 0.01, 100), 2,
                                "sgd_autograd(...)")
    expect_number_close(expect_python_number(w, "w"), 1.99999964, atol=1e-6, what="the final w")
    losses = expect_numbers(losses, shape=(100,), what="the losses")
    expect_close(losses[0], 7.31594304, rtol=1e-5,
                 what="the loss of the last example in epoch 1")
    expect_close(losses[-1], 9.094947e-13, rtol=0.5, atol=1e-12, what="the loss in the last epoch")


# --------------------------------------------- 12.3 losses and identities


@checks.visible("ch12.bce",
                message="bce([1, 1, 0, 0], [0.2, 0.8, 0.3, 0.7]) is the course's table [1.6094, 0.2231, "
                "0.3567, 1.2040]; bce_with_logits([1, 1, 1, 0, 0, 0], [5, 3, 10, -5, -3, -10]) "
                "averages to 0.0184494")
def bce_notes(student, rng):
    y, p = np.array([1.0, 1.0, 0.0, 0.0]), np.array([0.2, 0.8, 0.3, 0.7])
    expect_close(student.call("bce", y, p), [1.6094379, 0.2231436, 0.3566749, 1.2039728],
                 what="bce on the course's table")
    y = np.array([1.0, 1.0, 1.0, 0.0, 0.0, 0.0])
    z = np.array([5.0, 3.0, 10.0, -5.0, -3.0, -10.0])
    losses = expect_close(student.call("bce_with_logits", y, z),
                          [6.7153484e-03, 4.8587352e-02, 4.5398900e-05, 6.7153484e-03,
                           4.8587352e-02, 4.5398900e-05], what="bce_with_logits on the tutorial's logits")
    expect_close(losses.mean(), 0.0184494, atol=1e-7, what="their mean")


@checks.visible("ch12.softmax_ce",
                message="softmax([[0.2, 0.1, -0.1]]) is [[0.378, 0.342, 0.280]] (not the often quoted "
                "[0.5761, 0.2689, 0.1550]) and its cross-entropy against label 0 is 0.97292; the "
                "course's two batches (labels [2, 0, 1]) average 0.4966 and 1.2389")
def softmax_ce_notes(student, rng):
    z = np.array([[0.2, 0.1, -0.1]])
    expect_close(student.call("softmax", z), [[0.37797814, 0.34200877, 0.28001309]], what="softmax(z)")
    expect_close(student.call("cross_entropy", np.array([0]), z), [0.97291887], what="cross_entropy")
    labels = np.array([2, 0, 1])
    for logits, mean in [([[0.1, 0.2, 0.9], [1.1, 0.1, 0.2], [0.2, 2.1, 0.1]], 0.49664),
                         ([[0.8, 0.2, 0.3], [0.2, 0.3, 0.5], [0.2, 0.2, 0.5]], 1.23890)]:
        losses = expect_numbers(student.call("cross_entropy", labels, np.array(logits)), shape=(3,),
                                what="cross_entropy on the course's batch")
        expect_close(losses.mean(), mean, atol=1e-5, what="the mean cross-entropy of the course's batch")


NOTES_LOGITS = np.array([[10.0, 0.0, -10.0], [8.0, 8.0, 8.0]])
NOTES_LABELS = np.array([0, 2])


def log_softmax_rows(z):
    z = np.asarray(z, dtype=np.float64)
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


@checks.visible("ch12.nll_kl",
                message="nll_loss([0, 2], log_softmax([[10, 0, -10], [8, 8, 8]])) is 0.5493289, the "
                "cross-entropy; kl_divergence(one_hot, softmax) per row is [4.54e-05, 1.0986] (the "
                "one-hot label has entropy 0), and KL(p || p) is 0")
def nll_kl_notes(student, rng):
    log_probs = log_softmax_rows(NOTES_LOGITS)
    expect_number_close(student.call("nll_loss", NOTES_LABELS, log_probs), 0.5493289, atol=1e-6,
                        what="nll_loss on the tutorial's example")
    one_hot = np.eye(3)[NOTES_LABELS]
    expect_close(student.call("kl_divergence", one_hot, np.exp(log_probs)), [4.5398899e-05, 1.0986123],
                 what="kl_divergence(one_hot, softmax)")
    p = np.array([[0.7, 0.2, 0.1]])
    expect_close(student.call("kl_divergence", p, p), [0.0], what="kl_divergence(p, p)")


@checks.visible("ch12.focal",
                message="with alpha=0.75, gamma=2 the tutorial's easy pair (p = 0.9 for a 1, 0.1 for a 0, "
                "as logits) averages 0.000526803 and the hard pair (p = 0.5) 0.0866434")
def focal_notes(student, rng):
    y = np.array([1.0, 0.0])
    for z, mean in [(np.array([logit(0.9), logit(0.1)]), 0.000526803), (np.zeros(2), 0.0866434)]:
        losses = expect_numbers(student.call("focal_from_logits", y, z, alpha=0.75, gamma=2.0), shape=(2,),
                                what="focal_from_logits on the tutorial's pair")
        expect_close(losses.mean(), mean, rtol=1e-5, atol=1e-9, what="the mean focal loss of the pair")


@checks.visible("ch12.sce",
                message="sce_loss([0, 2], [[10, 0, -10], [8, 8, 8]]) averages 3.620363 (the tutorial's "
                "value); with a=1, b=0 it is the cross-entropy per row [4.54e-05, 1.0986]")
def sce_notes(student, rng):
    losses = expect_numbers(student.call("sce_loss", NOTES_LABELS, NOTES_LOGITS), shape=(2,),
                            what="sce_loss on the tutorial's example")
    expect_close(losses.mean(), 3.620363, atol=1e-5, what="the mean SCE of the tutorial's example")
    expect_close(student.call("sce_loss", NOTES_LABELS, NOTES_LOGITS, a=1.0, b=0.0),
                 [4.5398899e-05, 1.0986123], rtol=1e-5, what="sce_loss with a=1, b=0")


# ----------------------------------------------------- 12.4 regularization


def expect_dense_stack(info, units, what):
    """Dense layers of `units` with ReLU, then Dense(1) with no activation."""
    dense = info.layers_built_on("Dense")
    expect_equal([config(layer, "units") for layer in dense], list(units) + [1], f"the Dense units of {what}")
    expect_equal([config(layer, "activation") for layer in dense], ["relu"] * len(units) + ["linear"],
                 f"the activations of {what}")


@checks.visible("ch12.penalties",
                message="build_penalized_mlp(3, [4], alpha=0.02, beta=0.01) with all kernels 1 (the "
                "second 2) and biases 1 has penalty 0.48 in model.losses: 0.5 * 0.02 * 28 + 0.01 * 20; "
                "biases are not penalized")
def penalties_small(student, rng):
    weights = [np.ones((3, 4)), np.ones(4), 2 * np.ones((4, 1)), np.ones(1)]
    info = expect_functional(student.model("build_penalized_mlp", 3, [4], 0.02, 0.01,
                                           inputs=np.ones((2, 3)), set_weights=weights),
                             "build_penalized_mlp(3, [4], 0.02, 0.01)")
    expect_dense_stack(info, [4], "build_penalized_mlp(3, [4], 0.02, 0.01)")
    total = float(sum(np.sum(loss) for loss in info.losses))
    expect_close(total, 0.48, rtol=1e-5, what="the sum of model.losses")


@checks.visible("ch12.weight_decay",
                message="from w0 = [0.5, -1] towards target [2, 1] with lr 0.1, weight_decay 0.05 and "
                "3 steps: momentum 0 gives [0.89766, -0.44731] either way; momentum 0.9 gives "
                "torch's coupled [1.25476, 0.04899] and Keras' decoupled [1.26171, 0.03734]")
def weight_decay_small(student, rng):
    w0, target = np.array([0.5, -1.0]), np.array([2.0, 1.0])
    for momentum, coupled, expected in [(0.0, True, [0.89766369, -0.44731488]),
                                        (0.0, False, [0.89766369, -0.44731488]),
                                        (0.9, True, [1.25476119, 0.04899012]),
                                        (0.9, False, [1.26171369, 0.03733513])]:
        expect_close(student.call("sgd_with_decay", w0, target, 0.1, momentum, 0.05, 3, coupled), expected,
                     what=f"sgd_with_decay with momentum {momentum}, coupled={coupled}")


# ------------------------------------------------ 12.6 practice problems


def numpy_mlp(x, weights):
    """ReLU Dense layers, then a sigmoid unit, from [W1, b1, ..., Wk, bk]."""
    h = np.asarray(x, dtype=np.float64)
    for i in range(0, len(weights) - 2, 2):
        h = np.maximum(h @ weights[i] + weights[i + 1], 0.0)
    return 1.0 / (1.0 + np.exp(-(h @ weights[-2] + weights[-1])))


def expect_classifier(student, n_features, hidden, weights, x, what):
    info = expect_functional(student.model("build_binary_classifier", n_features, list(hidden), inputs=x,
                                           set_weights=weights), what)
    dense = info.layers_built_on("Dense")
    expect_equal([config(layer, "units") for layer in dense], list(hidden) + [1], f"the Dense units of {what}")
    expect_close(info.outputs, numpy_mlp(x, weights), rtol=1e-4, atol=1e-6,
                 what=f"the outputs of {what} (ReLU hidden layers, a sigmoid output)")
    return info


@checks.visible("ch12.tabular_classifier",
                message="build_binary_classifier(2, [2]) with W1 = [[1, -1], [2, 0.5]], b1 = [0, 1], "
                "W2 = [[1], [-2]], b2 = [0.5] maps [1, 1] to sigmoid(3.5 - 2 * 1) and [-1, -1] to "
                "sigmoid(0.5 - 2 * 1.5): ReLU hidden layers and a sigmoid unit, each layer used in turn")
def tabular_small(student, rng):
    weights = [np.array([[1.0, -1.0], [2.0, 0.5]]), np.array([0.0, 1.0]), np.array([[1.0], [-2.0]]),
               np.array([0.5])]
    expect_classifier(student, 2, [2], weights, np.array([[1.0, 1.0], [-1.0, -1.0]]),
                      "build_binary_classifier(2, [2])")


@checks.visible("ch12.residual_block",
                message="build_residual_block((5, 5, 2)) has 76 parameters, keeps the shape, and with "
                "all weights zero is relu(x)")
def residual_zero(student, rng):
    x = np.linspace(-2, 2, 2 * 5 * 5 * 2).reshape(2, 5, 5, 2)
    weights = [np.zeros((3, 3, 2, 2)), np.zeros(2), np.zeros((3, 3, 2, 2)), np.zeros(2)]
    info = expect_functional(student.model("build_residual_block", (5, 5, 2), inputs=x, set_weights=weights),
                             "build_residual_block((5, 5, 2))")
    expect_equal(info.count_params, 76, "the number of parameters")
    expect_close(info.outputs, np.maximum(x, 0), what="the output with zero weights")


@checks.visible("ch12.course_cnn",
                message="build_course_cnn((28, 28, 1)) has 8,490 parameters and 320 features after "
                "Flatten (20 x 4 x 4): a forward that skips conv2 gets and got 1,440")
def course_cnn_mnist(student, rng):
    info = expect_functional(student.model("build_course_cnn", (28, 28, 1)), "build_course_cnn((28, 28, 1))")
    dense = info.layers_built_on("Dense")
    expect_equal(len(dense), 1, "the number of Dense layers")
    expect_equal(info.count_params, 8490, "the number of parameters")
    expect_equal(list(info.output_shape), [None, 10], "the output shape")
