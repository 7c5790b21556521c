"""Visible checks for chapter 9 (shipped to students).

Expected values are fixed literals worked out by hand or with the D2L
book's formulas, or computed here with the grader's torch (nn.RNN,
log_softmax); the references that would give an answer away live in the
hidden module. Nothing the student's code computes is trusted except the
answer under test.
"""

import numpy as np

from workbook.grading import (
    CheckFailed,
    Checks,
    expect_close,
    expect_equal,
    expect_functional,
    expect_numbers,
    expect_python_number,
    expect_sequence,
    expect_true,
    expect_weight_shapes,
    fixture,
)
from workbook.grading.expect import expect_dtype

checks = Checks("ch09")

RTOL, ATOL = 1e-4, 1e-5


# ------------------------------------------------------------------ helpers


def expect_lag_features(student, x, tau, horizon, want_features, want_labels):
    """horizon=None: called without it (the default, 1)."""
    extra = () if horizon is None else (horizon,)
    what = f"lag_features(x of length {len(x)}, tau={tau}" + \
        ("" if horizon is None else f", horizon={horizon}") + ")"
    features, labels = expect_sequence(student.call("lag_features", x, tau, *extra), 2, what)
    expect_dtype(features, "float32", f"the features of {what}")
    expect_dtype(labels, "float32", f"the labels of {what}")
    expect_close(features, want_features, what=f"the features of {what}")
    expect_close(labels, want_labels, what=f"the labels of {what}")


def expect_bigram(student, indices, vocab_size, eps, want):
    what = f"laplace_bigram({list(indices)[:12]}{'...' if len(indices) > 12 else ''}, " \
           f"{vocab_size}, {eps})"
    got = expect_numbers(student.call("laplace_bigram", indices, vocab_size, eps),
                         shape=(vocab_size, vocab_size), what=what)
    expect_close(got.sum(axis=1), np.ones(vocab_size), rtol=1e-6, atol=1e-8,
                 what=f"the row sums of {what} (each row is a distribution over the next token)")
    expect_close(got, want, rtol=1e-6, atol=1e-9, what=what)


def torch_perplexity(logits, targets):
    """exp(mean cross-entropy) with torch's log_softmax, in float64."""
    import torch

    log_probs = torch.log_softmax(torch.tensor(np.asarray(logits, dtype=np.float64)), dim=-1)
    picked = log_probs.gather(-1, torch.tensor(np.asarray(targets, dtype=np.int64))[..., None])
    return float(torch.exp(-picked.mean()))


def expect_perplexity(student, logits, targets, what):
    got = expect_python_number(student.call("perplexity_from_logits", logits, targets), what)
    expect_close(got, torch_perplexity(logits, targets), rtol=1e-6, atol=1e-9, what=what)


def expect_partition(student, indices, num_steps, offset, want_X, want_Y):
    what = f"partition_windows(indices of length {len(indices)}, {num_steps}, {offset})"
    X, Y = expect_sequence(student.call("partition_windows", indices, num_steps, offset), 2, what)
    for name, got, want in (("X", X, want_X), ("Y", Y, want_Y)):
        got = expect_dtype(got, "int32", f"{name} of {what}")
        expect_equal(tuple(got.shape), tuple(np.shape(want)), f"the shape of {name} of {what}")
        expect_equal(got.tolist(), np.asarray(want).tolist(), f"{name} of {what}")


def expect_one_hot(student, X, vocab_size):
    what = f"one_hot_windows(X {np.shape(X)}, {vocab_size})"
    got = expect_dtype(student.call("one_hot_windows", X, vocab_size), "float32", what)
    expect_equal(tuple(got.shape), (*np.shape(X), vocab_size), f"the shape of {what} "
                 "(batch, steps, vocab): batch-major")
    expect_close(got, np.eye(vocab_size)[np.asarray(X)], what=what)


def torch_rnn(X, H0, W_xh, W_hh, b_h):
    """torch's nn.RNN (tanh, batch_first) with the Keras-layout weights copied in."""
    import torch

    inputs, hiddens = np.shape(W_xh)
    rnn = torch.nn.RNN(inputs, hiddens, batch_first=True).double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(np.asarray(W_xh, dtype=np.float64).T))
        rnn.weight_hh_l0.copy_(torch.tensor(np.asarray(W_hh, dtype=np.float64).T))
        rnn.bias_ih_l0.copy_(torch.tensor(np.asarray(b_h, dtype=np.float64)))
        rnn.bias_hh_l0.zero_()
        out, _ = rnn(torch.tensor(np.asarray(X, dtype=np.float64)),
                     torch.tensor(np.asarray(H0, dtype=np.float64))[None])
    return out.numpy()


def rnn_arrays(rng, batch, steps, inputs, hiddens, scale=0.5):
    """X, H0, W_xh, W_hh, b_h drawn at random, float32."""
    shapes = [(batch, steps, inputs), (batch, hiddens), (inputs, hiddens), (hiddens, hiddens),
              (hiddens,)]
    return [(rng.normal(size=s) * (1.0 if i < 2 else scale)).astype(np.float32)
            for i, s in enumerate(shapes)]


def expect_clipped(student, grads, theta, want):
    what = f"clip_by_global_norm(gradients of shapes {[np.shape(g) for g in grads]}, {theta})"
    got = expect_sequence(student.call("clip_by_global_norm", grads, theta), len(grads), what)
    for index, (g, w) in enumerate(zip(got, want)):
        g = expect_numbers(g, shape=np.shape(w), what=f"gradient {index + 1} of {what}")
        expect_close(g, w, rtol=1e-5, atol=1e-7, what=f"gradient {index + 1} of {what}")


def expect_decode(student, prefix, num_preds, want):
    what = f"greedy_decode(history_step, {prefix}, {num_preds})"
    got = student.call("greedy_decode", fixture("history_step"), prefix, num_preds)
    if not isinstance(got, (list, tuple)):
        raise CheckFailed(f"{what} should return a list of ints, got {type(got).__name__}")
    expect_equal([int(t) for t in got], list(want), what)


def keras_simple_rnn(x, weights):
    """Keras' SimpleRNN (return_sequences=True) with ``weights`` set, on x."""
    import keras
    from keras import ops

    layer = keras.layers.SimpleRNN(np.shape(weights[1])[0], return_sequences=True)
    layer.build(np.shape(x))
    layer.set_weights([np.asarray(w, dtype=np.float32) for w in weights])
    return ops.convert_to_numpy(layer(np.asarray(x, dtype=np.float32)))


def torch_rnn_outputs(x, weight_ih, weight_hh, bias_ih, bias_hh):
    """torch's nn.RNN with the four torch-layout arrays, on batch-major x."""
    import torch

    rnn = torch.nn.RNN(weight_ih.shape[1], weight_ih.shape[0], batch_first=True).double()
    with torch.no_grad():
        for name, value in (("weight_ih_l0", weight_ih), ("weight_hh_l0", weight_hh),
                            ("bias_ih_l0", bias_ih), ("bias_hh_l0", bias_hh)):
            getattr(rnn, name).copy_(torch.tensor(np.asarray(value, dtype=np.float64)))
        out, _ = rnn(torch.tensor(np.asarray(x, dtype=np.float64)))
    return out.numpy()


def torch_rnn_arrays(rng, inputs, hiddens):
    return [rng.normal(size=s).astype(np.float32) * 0.5
            for s in ((hiddens, inputs), (hiddens, hiddens), (hiddens,), (hiddens,))]


def expect_torch_weights(student, rng, inputs, hiddens):
    arrays = torch_rnn_arrays(rng, inputs, hiddens)
    what = f"torch_rnn_to_keras for {inputs} inputs and {hiddens} hiddens"
    got = expect_sequence(student.call("torch_rnn_to_keras", *arrays), 3, what)
    for name, g, shape in zip(("kernel", "recurrent_kernel", "bias"), got,
                              ((inputs, hiddens), (hiddens, hiddens), (hiddens,))):
        expect_numbers(g, shape=shape, what=f"the {name} of {what}")
    x = rng.normal(size=(2, 5, inputs))
    expect_close(keras_simple_rnn(x, got), torch_rnn_outputs(x, *arrays), rtol=RTOL, atol=ATOL,
                 what=f"a SimpleRNN with the weights of {what}, against torch's nn.RNN")


def char_lm_reference(tokens, weights):
    """One-hot (through the table), tanh RNN, Dense: logits, float64."""
    table, W_xh, W_hh, b_h, W_q, b_q = [np.asarray(w, dtype=np.float64) for w in weights]
    h = np.zeros((tokens.shape[0], W_hh.shape[0]))
    logits = []
    for t in range(tokens.shape[1]):
        h = np.tanh(table[tokens[:, t]] @ W_xh + h @ W_hh + b_h)
        logits.append(h @ W_q + b_q)
    return np.stack(logits, axis=1)


def char_lm_shapes(vocab_size, hiddens):
    return [(vocab_size, vocab_size), (vocab_size, hiddens), (hiddens, hiddens), (hiddens,),
            (hiddens, vocab_size), (vocab_size,)]


def expect_char_lm(student, rng, vocab_size, hiddens, batch, steps):
    what = f"build_char_lm({vocab_size}, {hiddens})"
    tokens = rng.integers(0, vocab_size, size=(batch, steps)).astype(np.int32)
    weights = [np.eye(vocab_size, dtype=np.float32)] + [
        (rng.normal(size=s) * 0.5).astype(np.float32) for s in char_lm_shapes(vocab_size, hiddens)[1:]]
    info = expect_functional(student.model("build_char_lm", vocab_size, hiddens, inputs=tokens,
                                           set_weights=weights), what=what)
    expect_equal([c for c in info.layer_classes() if c != "InputLayer"],
                 ["Embedding", "SimpleRNN", "Dense"], f"the layers of {what}")
    expect_weight_shapes(info, char_lm_shapes(vocab_size, hiddens), what=f"the weights of {what}")
    expect_close(info.outputs, char_lm_reference(tokens, weights), rtol=RTOL, atol=ATOL,
                 what=f"the logits of {what} on tokens {tokens.shape} (weights set)")
    return info


def expect_truncated(student, x, w_h, w_x, k, cotangent, want_states, want_grads):
    from workbook.grading import expect_gradient, tensor

    what = f"truncated_states(x of length {len(x)}, w_h={w_h:.3g}, w_x={w_x:.3g}, k={k})"
    value, grads = student.gradient(
        "truncated_states", np.asarray(x, dtype=np.float64),
        tensor(np.float64(w_h), requires_grad=True), tensor(np.float64(w_x), requires_grad=True),
        k, cotangent=cotangent)
    # The tensors may travel as float32: tolerances for single precision.
    expect_close(value, want_states, rtol=1e-5, atol=1e-7, what=f"the states of {what}")
    grads = expect_sequence(grads, 2, f"the gradients of {what}")
    for name, got, want in zip(("w_h", "w_x"), grads, want_grads):
        expect_gradient(got, want, rtol=1e-4, atol=1e-6,
                        what=f"the gradient of {what} with respect to {name}")


# ------------------------------------------------------------ 9.1 sequences


@checks.visible(
    "ch09.lag_features",
    message="lag_features(arange(10), 3) has rows [0, 1, 2] ... [6, 7, 8] with labels 3 ... 9; "
    "with horizon=2 the rows [0, 1, 2] ... [5, 6, 7] have labels 4 ... 9; float32",
)
def lag_features_examples(student, rng):
    x = np.arange(10.0)
    rows = np.arange(7)[:, None] + np.arange(3)
    expect_lag_features(student, x, 3, None, rows, np.arange(3.0, 10.0))
    expect_lag_features(student, x, 3, 2, rows[:6], np.arange(4.0, 10.0))


@checks.visible(
    "ch09.k_step_ahead",
    message="k_step_predictions(arange(8), [0.5, 0.25], 1.0, 3): first row [1.25, 1.8125, "
    "2.078125] (each step from the last two values, predictions fed back), 4 rows",
)
def k_step_example(student, rng):
    got = expect_numbers(student.call("k_step_predictions", np.arange(8.0), [0.5, 0.25], 1.0, 3),
                         shape=(4, 3), what="k_step_predictions(arange(8), [0.5, 0.25], 1.0, 3)")
    expect_close(got, K_STEP_EXAMPLE, what="k_step_predictions(arange(8), [0.5, 0.25], 1.0, 3)")


K_STEP_EXAMPLE = np.array([[1.25, 1.8125, 2.078125], [2.0, 2.5, 2.625], [2.75, 3.1875, 3.171875],
                           [3.5, 3.875, 3.71875]])


# ----------------------------------------------------- 9.3 language models


@checks.visible(
    "ch09.laplace_bigram",
    message="laplace_bigram([0, 1, 1, 2, 0, 1], 3, 1.0) has rows [1, 3, 1] / 5, [1, 2, 2] / 5 and "
    "[2, 1, 1] / 4; with vocab_size 4 the unseen token's row is uniform",
)
def laplace_bigram_example(student, rng):
    expect_bigram(student, [0, 1, 1, 2, 0, 1], 3, 1.0, BIGRAM_EXAMPLE)
    wider = np.array([[1, 3, 1, 1], [1, 2, 2, 1], [2, 1, 1, 1], [1, 1, 1, 1]]) / \
        np.array([[6], [6], [5], [4]])
    expect_bigram(student, [0, 1, 1, 2, 0, 1], 4, 1.0, wider)


BIGRAM_EXAMPLE = np.array([[1, 3, 1], [1, 2, 2], [2, 1, 1]]) / np.array([[5], [5], [4]])


@checks.visible(
    "ch09.perplexity",
    message="perplexity_from_logits returns a Python float: |V| for uniform logits, and "
    "exp(mean cross-entropy over all tokens) for random logits",
)
def perplexity_examples(student, rng):
    targets = rng.integers(0, 6, size=(2, 3))
    got = expect_python_number(student.call("perplexity_from_logits", np.zeros((2, 3, 6)), targets),
                               "perplexity_from_logits(zeros (2, 3, 6), targets)")
    expect_close(got, 6.0, what="the perplexity of uniform logits over 6 tokens")
    logits = rng.normal(size=(3, 4, 5))
    expect_perplexity(student, logits, rng.integers(0, 5, size=(3, 4)),
                      "perplexity_from_logits on random logits (3, 4, 5)")


@checks.visible(
    "ch09.partition",
    message="partition_windows(arange(12), 3, 1) gives X [[1, 2, 3], [4, 5, 6], [7, 8, 9]] and "
    "Y [[2, 3, 4], [5, 6, 7], [8, 9, 10]]; partition_windows(arange(12), 3, 0) has 3 windows (the "
    "fourth would need a 13th token); int32",
)
def partition_examples(student, rng):
    expect_partition(student, np.arange(12), 3, 1, [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
                     [[2, 3, 4], [5, 6, 7], [8, 9, 10]])
    expect_partition(student, np.arange(12), 3, 0, [[0, 1, 2], [3, 4, 5], [6, 7, 8]],
                     [[1, 2, 3], [4, 5, 6], [7, 8, 9]])


# ------------------------------------------------------------- 9.4 RNNs


@checks.visible(
    "ch09.one_hot",
    message="one_hot_windows(X, V) is float32 (batch, steps, V), batch-major: X = [[0, 2, 1], "
    "[3, 0, 0]] with V = 4 gives shape (2, 3, 4)",
)
def one_hot_examples(student, rng):
    expect_one_hot(student, np.array([[0, 2, 1], [3, 0, 0]]), 4)


@checks.visible(
    "ch09.rnn_forward",
    message="rnn_forward on the book's shapes (batch 2, 16 inputs, 32 hiddens, 100 steps) "
    "returns (2, 100, 32): the states after each step, equal to torch's nn.RNN from H0",
)
def rnn_forward_book_shapes(student, rng):
    arrays = rnn_arrays(rng, 2, 100, 16, 32, scale=0.2)
    got = expect_numbers(student.call("rnn_forward", *arrays), shape=(2, 100, 32),
                         what="rnn_forward(X (2, 100, 16), H0 (2, 32), ...)")
    expect_close(got, torch_rnn(*arrays), rtol=RTOL, atol=ATOL,
                 what="rnn_forward(X (2, 100, 16), H0 (2, 32), ...)")


# ------------------------------------------------------- 9.5 from scratch


@checks.visible(
    "ch09.clip_global_norm",
    message="clip_by_global_norm([[3, 4], [1]], 1) scales both by 1/sqrt(26) (the global norm); "
    "gradients whose global norm is below theta come back unchanged",
)
def clip_book_example(student, rng):
    grads = [np.array([3.0, 4.0]), np.array([1.0])]
    expect_clipped(student, grads, 1.0, [g / np.sqrt(26.0) for g in grads])
    small = [np.array([0.3, -0.4]), np.array([[0.1, 0.2], [0.0, -0.1]])]
    expect_clipped(student, small, 1.0, small)


@checks.visible(
    "ch09.greedy_decode",
    message="greedy_decode(history_step, [1, 2, 3], 6) is [1, 2, 3, 2, 9, 9, 6, 10, 7] and "
    "greedy_decode(history_step, [4], 6) is [4, 8, 10, 3, 1, 3, 8] (warm up on the whole "
    "prefix, then feed each prediction back with the state)",
)
def greedy_decode_examples(student, rng):
    expect_decode(student, [1, 2, 3], 6, [1, 2, 3, 2, 9, 9, 6, 10, 7])
    expect_decode(student, [4], 6, [4, 8, 10, 3, 1, 3, 8])


# ------------------------------------------------------------ 9.6 concise


@checks.visible(
    "ch09.torch_rnn_weights",
    message="a SimpleRNN given torch_rnn_to_keras(...) of an nn.RNN with 3 inputs and 5 hiddens "
    "computes torch's outputs",
)
def torch_weights_example(student, rng):
    expect_torch_weights(student, rng, 3, 5)


@checks.visible(
    "ch09.char_lm",
    message="build_char_lm(5, 8) is functional: Embedding (5, 5), SimpleRNN (5, 8), (8, 8), (8,), "
    "Dense (8, 5), (5,); with weights set it returns logits (batch, steps, 5) at every step",
)
def char_lm_example(student, rng):
    expect_char_lm(student, rng, 5, 8, 3, 6)


# --------------------------------------------------------------- 9.7 BPTT


@checks.visible(
    "ch09.truncated_bptt",
    message="truncated_states([1, -0.5, 0.25], 0.8, 1.5, k): states [0.905148, -0.025876, "
    "0.340183] for every k; gradients of their sum: k=1 (0.881661, -0.097890), k=2 (0.881661, "
    "0.046579), k=3 (1.521553, -0.204695) for (w_h, w_x)",
)
def truncated_examples(student, rng):
    states = [0.9051482536448664, -0.02587561977579397, 0.34018303599887767]
    for k, grads in TRUNCATED_EXAMPLES:
        expect_truncated(student, [1.0, -0.5, 0.25], 0.8, 1.5, k, np.ones(3), states, grads)


TRUNCATED_EXAMPLES = [(1, (0.8816610370473001, -0.09788971172231406)),
                      (2, (0.8816610370473001, 0.04657880604520814)),
                      (3, (1.5215526531508727, -0.2046945920514348))]
