"""Hidden checks for chapter 9 (instructors only).

The telling cases are enumerated first (horizons and windows that leave one
row, offsets 0, 1 and num_steps - 1, a corpus that ends exactly at a window
boundary, a token seen only at the end, batch == steps where a time-major
answer keeps its shape, inputs == hiddens where a missing transpose keeps
its shape, all per-variable norms below theta while the global one is above,
chunk lengths that do and do not divide the sequence), then random draws per
student; torch tensors that require gradients where the statement asks for
keras.ops code. Each check also runs its reference on the visible check's
literal cases, so a stale literal there fails the solution's hidden checks.
"""

import numpy as np

from visible_checks import (
    BIGRAM_EXAMPLE, K_STEP_EXAMPLE, TRUNCATED_EXAMPLES, expect_bigram, expect_char_lm,
    expect_clipped, expect_decode, expect_lag_features, expect_one_hot, expect_partition,
    expect_perplexity, expect_torch_weights, expect_truncated, rnn_arrays, torch_rnn,
)
from workbook.grading import (
    Checks, expect_close, expect_equal, expect_functional, expect_gradient, expect_numbers,
    expect_sequence, expect_source_avoids, expect_true, tensor,
)
from workbook.grading.fixtures import HISTORY_VOCAB

checks = Checks("ch09")

# Ways to skip writing the loop: Keras' and torch's recurrent layers and ops.
RNN_LIKE = ("SimpleRNN", "SimpleRNNCell", "RNN", "rnn_tanh", "GRU", "LSTM", "language_model")
WINDOW_HELPERS = ("lm_windows", "lm_split", "sliding_window_view", "workbook")


# --------------------------------------------------------------- references


def lag_reference(x, tau, horizon):
    rows = [(x[i : i + tau], x[i + tau + horizon - 1]) for i in range(len(x) - tau - horizon + 1)]
    return np.array([r[0] for r in rows]).reshape(-1, tau), np.array([r[1] for r in rows])


def k_step_reference(x, weights, bias, max_k):
    """One row at a time with an explicit window of the last tau values."""
    tau = len(weights)
    out = []
    for i in range(len(x) - tau - max_k + 1):
        window, row = list(x[i : i + tau]), []
        for _ in range(max_k):
            row.append(float(np.dot(window[-tau:], weights) + bias))
            window.append(row[-1])
        out.append(row)
    return np.array(out)


def bigram_reference(indices, vocab_size, eps):
    pairs = {}
    for a, b in zip(indices[:-1], indices[1:]):
        pairs[a, b] = pairs.get((a, b), 0) + 1
    table = np.zeros((vocab_size, vocab_size))
    for a in range(vocab_size):
        starts = sum(n for (first, _), n in pairs.items() if first == a)
        for b in range(vocab_size):
            table[a, b] = (pairs.get((a, b), 0) + eps) / (starts + eps * vocab_size)
    return table


def partition_reference(indices, num_steps, offset):
    corpus = list(indices)[offset:]
    X, Y, start = [], [], 0
    while start + num_steps < len(corpus):  # the last target is corpus[start + num_steps]
        X.append(corpus[start : start + num_steps])
        Y.append(corpus[start + 1 : start + num_steps + 1])
        start += num_steps
    return np.array(X, dtype=np.int32).reshape(-1, num_steps), \
        np.array(Y, dtype=np.int32).reshape(-1, num_steps)


def clip_reference(grads, theta):
    norm = np.sqrt(sum(float(np.sum(np.square(g))) for g in grads))
    return [g * min(1.0, theta / norm) for g in grads]


def history_decode(prefix, num_preds):
    """The rule of fixtures.history_step, decoded greedily after warm-up."""
    a, out = 0, list(prefix)
    for t in prefix:
        a = (2 * a + t + 1) % HISTORY_VOCAB
    for _ in range(num_preds):
        token = (3 * a + out[-1]) % HISTORY_VOCAB
        out.append(token)
        a = (2 * a + token + 1) % HISTORY_VOCAB
    return out


def truncated_reference(x, w_h, w_x, k, cotangent):
    """States and the gradients of sum(cotangent * states), torch float64, detach every k."""
    import torch

    wh = torch.tensor(float(w_h), dtype=torch.float64, requires_grad=True)
    wx = torch.tensor(float(w_x), dtype=torch.float64, requires_grad=True)
    h, states = torch.zeros((), dtype=torch.float64), []
    for t, value in enumerate(x):
        if t > 0 and t % k == 0:
            h = h.detach()
        h = torch.tanh(wh * h + wx * float(value))
        states.append(h)
    states = torch.stack(states)
    grads = torch.autograd.grad((states * torch.tensor(cotangent)).sum(), [wh, wx])
    return states.detach().numpy(), [float(g) for g in grads]


def expect_reference(got, expected, what):
    expect_close(np.asarray(got, dtype=float), np.asarray(expected, dtype=float), rtol=1e-9,
                 atol=1e-12, what=f"the reference for {what} (the visible literal is stale)")


# ------------------------------------------------------------ 9.1 sequences


@checks.hidden(
    "ch09.lag_features",
    message="lag_features works for tau 1, horizons larger than 1, windows that leave a single "
    "row, random noisy series and lists of floats; float32",
)
def lag_features_cases(student, rng):
    T = int(rng.integers(12, 30))
    x = rng.normal(size=T)
    cases = [(1, None), (4, 1), (3, 5), (T - 1, None), (2, T - 2),
             (int(rng.integers(1, 6)), int(rng.integers(1, 6)))]
    for tau, horizon in cases:
        features, labels = lag_reference(x, tau, horizon or 1)
        expect_lag_features(student, list(x), tau, horizon, features, labels)


@checks.hidden(
    "ch09.k_step_ahead",
    message="k_step_predictions works for tau 1 and 5, max_k 1 (one step ahead) and long "
    "horizons, asymmetric weights (oldest value first) and random series",
)
def k_step_cases(student, rng):
    expect_reference(k_step_reference(np.arange(8.0), [0.5, 0.25], 1.0, 3), K_STEP_EXAMPLE,
                     "k_step_predictions(arange(8), [0.5, 0.25], 1.0, 3)")
    for tau, max_k in [(1, 4), (5, 1), (3, 9), (int(rng.integers(2, 6)), int(rng.integers(2, 12)))]:
        x = rng.normal(size=int(rng.integers(tau + max_k + 3, 40)))
        weights = rng.uniform(-0.6, 0.6, size=tau) + np.linspace(0, 0.3, tau)  # asymmetric
        bias = float(rng.normal())
        want = k_step_reference(x, weights, bias, max_k)
        what = f"k_step_predictions(x of length {len(x)}, weights of tau={tau}, max_k={max_k})"
        got = expect_numbers(student.call("k_step_predictions", x, weights, bias, max_k),
                             shape=want.shape, what=what)
        expect_close(got, want, rtol=1e-6, atol=1e-8, what=what)


# ----------------------------------------------------- 9.3 language models


@checks.hidden(
    "ch09.laplace_bigram",
    message="laplace_bigram counts pairs by their first token: a token seen only at the end, "
    "or never, gets a uniform row; small and large eps; random sequences",
)
def laplace_bigram_cases(student, rng):
    expect_reference(bigram_reference([0, 1, 1, 2, 0, 1], 3, 1.0), BIGRAM_EXAMPLE,
                     "laplace_bigram([0, 1, 1, 2, 0, 1], 3, 1.0)")
    V = int(rng.integers(4, 8))
    body = list(rng.integers(0, V - 2, size=int(rng.integers(15, 40))))
    cases = [(body + [V - 2], V, 0.5),  # V - 2 only at the end, V - 1 never
             ([2, 2, 2, 2, 0], 3, 0.01),
             (list(rng.integers(0, V, size=60)), V, float(rng.uniform(0.05, 2.0)))]
    for indices, vocab_size, eps in cases:
        indices = [int(i) for i in indices]
        expect_bigram(student, indices, vocab_size, eps, bigram_reference(indices, vocab_size, eps))


@checks.hidden(
    "ch09.perplexity",
    message="perplexity_from_logits stays exact when rows of logits near 1e4 and near 1e-2 share "
    "a batch, averages over every token (not per sequence), and returns a Python float",
)
def perplexity_cases(student, rng):
    V = int(rng.integers(4, 9))
    base = rng.normal(size=(3, 4, V))
    scales = np.array([1e-2, 1.0, 1e4])[:, None, None]  # one sequence per scale
    logits = base * scales
    logits[2] += 5e3  # large and all positive: exp overflows without a per-row shift
    targets = rng.integers(0, V, size=(3, 4))
    targets[2] = logits[2].argmax(axis=-1)  # confident and right: a finite perplexity
    expect_perplexity(student, logits, targets,
                      "perplexity_from_logits with sequences of logits near 1e-2, 1 and 1e4")
    uneven = rng.normal(size=(2, 5, V)) * np.array([0.1, 3.0])[:, None, None]
    expect_perplexity(student, uneven, rng.integers(0, V, size=(2, 5)),
                      "perplexity_from_logits with one confident and one unsure sequence")


@checks.hidden(
    "ch09.partition",
    message="partition_windows works for offsets 0, 1 and num_steps - 1, a corpus that ends "
    "exactly where a window's target does, an offset that leaves no window, and random cases; "
    "without workbook.text's helpers",
)
def partition_cases(student, rng):
    n = int(rng.integers(20, 40))
    T = int(rng.integers(2, 6))
    exact = T * int(rng.integers(3, 6)) + 1  # the last target is the last token
    cases = [(n, T, 0), (n, T, 1), (n, T, T - 1), (exact, T, 0), (exact, T, 1),
             (n, T, n - T), (n, 1, 0), (n, T, int(rng.integers(0, n)))]
    for length, num_steps, offset in cases:
        indices = rng.integers(0, 50, size=length)
        X, Y = partition_reference(indices, num_steps, offset)
        expect_partition(student, indices, num_steps, offset, X, Y)
    expect_source_avoids(student, "ch09.partition", WINDOW_HELPERS, what="your partition")


# ------------------------------------------------------------- 9.4 RNNs


@checks.hidden(
    "ch09.one_hot",
    message="one_hot_windows is batch-major also when batch == steps, works for one token and a "
    "vocabulary of 1, and returns float32",
)
def one_hot_cases(student, rng):
    V = int(rng.integers(3, 9))
    square = int(rng.integers(2, 5))
    cases = [(rng.integers(0, V, size=(square, square)), V),  # a transpose keeps this shape
             (np.zeros((1, 1), dtype=np.int64), 1),
             (rng.integers(0, V, size=(int(rng.integers(1, 4)), int(rng.integers(4, 7)))), V)]
    cases[0][0][0, 1], cases[0][0][1, 0] = 0, V - 1  # X != X.T
    for X, vocab_size in cases:
        expect_one_hot(student, X, vocab_size)


@checks.hidden(
    "ch09.rnn_forward",
    message="rnn_forward starts from H0 (not zeros), returns H_1..H_T batch-major also for one "
    "step, a batch of one and batch == steps, and lets autograd reach X, H0 and every weight",
)
def rnn_forward_cases(student, rng):
    import torch

    for batch, steps, inputs, hiddens in [(1, 1, 3, 2), (3, 3, 2, 4), (2, 5, 4, 3),
                                          (int(rng.integers(1, 4)), int(rng.integers(2, 7)), 3, 5)]:
        arrays = rnn_arrays(rng, batch, steps, inputs, hiddens)
        what = f"rnn_forward(X {arrays[0].shape}, H0 {arrays[1].shape}, ...)"
        got = expect_numbers(student.call("rnn_forward", *arrays), shape=(batch, steps, hiddens),
                             what=what)
        expect_close(got, torch_rnn(*arrays), rtol=1e-4, atol=1e-5, what=what)
    # gradients of sum(cotangent * outputs) with respect to all five arguments
    leaves = [torch.tensor(a.astype(np.float64), requires_grad=True) for a in arrays]
    state, outs = leaves[1], []
    for t in range(arrays[0].shape[1]):
        state = torch.tanh(leaves[0][:, t] @ leaves[2] + state @ leaves[3] + leaves[4])
        outs.append(state)
    cotangent = rng.normal(size=(arrays[0].shape[0], arrays[0].shape[1], 5))
    want = torch.autograd.grad((torch.stack(outs, 1) * torch.tensor(cotangent)).sum(), leaves)
    value, grads = student.gradient("rnn_forward", *[tensor(a.astype(np.float64), requires_grad=True)
                                                     for a in arrays], cotangent=cotangent)
    for name, got, w in zip(("X", "H0", "W_xh", "W_hh", "b_h"),
                            expect_sequence(grads, 5, "the gradients of rnn_forward"), want):
        expect_gradient(got, w.numpy(), rtol=1e-4, atol=1e-6,
                        what=f"the gradient of rnn_forward with respect to {name}")
    expect_source_avoids(student, "ch09.rnn_forward", RNN_LIKE, what="your loop")


# ------------------------------------------------------- 9.5 from scratch


@checks.hidden(
    "ch09.clip_global_norm",
    message="clip_by_global_norm clips the norm of all gradients together: also when every "
    "gradient alone is below theta, for matrices and scalars, for norms just above and below "
    "theta and for random thetas",
)
def clip_cases(student, rng):
    theta = float(rng.uniform(0.5, 3.0))
    parts = [rng.normal(size=(3, 2)), rng.normal(size=(4,)), np.array(rng.normal())]
    unit = np.sqrt(sum(float(np.sum(p * p)) for p in parts))
    cases = [[p * 0.7 * theta / np.sqrt(np.sum(p * p)) for p in parts],  # each below, total 1.21
             [p * theta * 1.01 / unit for p in parts],  # just above
             [p * theta * 0.99 / unit for p in parts],  # just below: unchanged
             [p * float(rng.uniform(2, 50)) for p in parts]]
    for index, grads in enumerate(cases):
        if index == 0:
            expect_true(all(np.linalg.norm(g) < theta for g in grads)
                        and np.sqrt(sum(float(np.sum(g * g)) for g in grads)) > theta,
                        "the grader's case with every part below theta is wrong")
        expect_clipped(student, grads, theta, clip_reference(grads, theta))


@checks.hidden(
    "ch09.greedy_decode",
    message="greedy_decode warms up on the whole prefix (one token or several), carries the "
    "state along, feeds back each prediction, and handles num_preds 0 and 1",
)
def greedy_decode_cases(student, rng):
    expect_reference(history_decode([1, 2, 3], 6), [1, 2, 3, 2, 9, 9, 6, 10, 7],
                     "greedy_decode(history_step, [1, 2, 3], 6)")
    cases = [([7], 5), ([3, 0, 5, 1, 9], 0), ([2, 6], 1), ([10, 10, 4, 8], 8)]
    cases.append(([int(t) for t in rng.integers(0, HISTORY_VOCAB, size=int(rng.integers(1, 7)))],
                  int(rng.integers(3, 10))))
    for prefix, num_preds in cases:
        expect_decode(student, prefix, num_preds, history_decode(prefix, num_preds))


# ------------------------------------------------------------ 9.6 concise


@checks.hidden(
    "ch09.torch_rnn_weights",
    message="torch_rnn_to_keras works when inputs == hiddens (a missing transpose keeps the "
    "shapes), with both biases non-zero, and for random sizes",
)
def torch_weights_cases(student, rng):
    for inputs, hiddens in [(4, 4), (1, 3), (int(rng.integers(2, 7)), int(rng.integers(2, 7)))]:
        expect_torch_weights(student, rng, inputs, hiddens)


@checks.hidden(
    "ch09.char_lm",
    message="build_char_lm follows its sizes (one step, vocabularies of 2 and more), returns "
    "logits (no softmax) at every step, and starts from a frozen identity one-hot table",
)
def char_lm_cases(student, rng):
    for vocab_size, hiddens, batch, steps in [(2, 3, 2, 1), (7, 4, 1, 5),
                                              (int(rng.integers(3, 12)), int(rng.integers(2, 10)),
                                               2, int(rng.integers(2, 6)))]:
        info = expect_char_lm(student, rng, vocab_size, hiddens, batch, steps)
    # A fresh model: the one-hot table is the identity and is not trained.
    tokens = np.arange(vocab_size, dtype=np.int32)[None]
    fresh = expect_functional(student.model("build_char_lm", vocab_size, hiddens, inputs=tokens))
    expect_close(fresh.weights[0], np.eye(vocab_size), what="the initial one-hot table")
    expect_equal(fresh.trainable_count, fresh.count_params - vocab_size * vocab_size,
                 "the trainable parameters (everything but the frozen one-hot table)")
    del info


# --------------------------------------------------------------- 9.7 BPTT


@checks.hidden(
    "ch09.truncated_bptt",
    message="truncated_states cuts the gradient every k steps: k = 1, k dividing T, k not "
    "dividing T, k = T and k > T, random sequences and weights, gradients for w_h and w_x",
)
def truncated_cases(student, rng):
    x3 = [1.0, -0.5, 0.25]
    for k, grads in TRUNCATED_EXAMPLES:
        states, want = truncated_reference(x3, 0.8, 1.5, k, np.ones(3))
        expect_reference(want, grads, f"truncated_states on the visible example with k={k}")
    T = int(rng.integers(6, 10))
    x = rng.normal(size=T)
    w_h, w_x = float(rng.uniform(0.5, 1.2)), float(rng.uniform(0.5, 1.5))
    for k in (1, 2, 3, T, T + 3, int(rng.integers(2, T))):
        cotangent = rng.normal(size=T)
        states, grads = truncated_reference(x, w_h, w_x, k, cotangent)
        expect_truncated(student, x, w_h, w_x, k, cotangent, states, grads)
