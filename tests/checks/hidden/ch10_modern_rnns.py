"""Hidden checks for chapter 10 (instructors only).

Each check runs the telling cases by name first (inputs and hidden sizes
that differ both ways, batch 1, saturated gates, both GRU variants,
sentences shorter than, as long as and longer than num_steps, valid
lengths 1 and T, logits in the thousands next to small ones, decoders that
stop at once, never stop or stop at different steps, clipped n-grams,
predictions longer than the reference, beams where length normalization
changes the winner), then random draws from ``rng`` on top. The references
for the sequence-to-sequence exercises are ``workbook.seq2seq``'s own
(tested in ``tests/test_seq2seq.py``); the exercises that it would solve
forbid importing it, checked on the grader's copy of the source.
"""

import math

import numpy as np

from visible_checks import (
    BLEU_CASES,
    book_beam_table,
    chain_transitions,
    expect_beam,
    expect_birnn,
    expect_bleu,
    expect_deep_lstm,
    expect_gru_conversion,
    expect_gru_step,
    expect_int_lists,
    expect_lstm_step,
    expect_translation_batch,
    birnn_case,
    gru_case,
    lstm_torch_case,
)
from workbook import seq2seq
from workbook.grading import (
    Checks,
    expect_close,
    expect_gradient,
    expect_source_avoids,
    tensor,
)

checks = Checks("ch10")


def keras_stack_outputs(weights, units, x):
    """[top outputs, h1, c1, ...] of plain Keras LSTMs loaded with ``weights`` (inference)."""
    import keras
    import torch
    from keras import ops

    out, states, d = x, [], x.shape[-1]
    for i, n in enumerate(units):
        layer = keras.layers.LSTM(n, return_sequences=True, return_state=True)
        layer.build((None, None, d))
        layer.set_weights([np.asarray(w, dtype=np.float32) for w in weights[3 * i:3 * i + 3]])
        with torch.no_grad():
            out, h, c = (ops.convert_to_numpy(t) for t in layer(out))
        states += [h, c]
        d = n
    return [out] + states


# The library modules that would answer the exercises (imports of them fail the check).
SEQ2SEQ = ("seq2seq",)
TEXT_LAYER = ("text", "translation_arrays", "TranslationData", "translation_dataset")


# ------------------------------------------------------------------ 10.1


@checks.hidden(
    "ch10.lstm_step",
    message="lstm_step_torch for d != h both ways, d = h, batch 1, saturated gates (inputs of size 30) "
    "and random sizes, against torch.nn.LSTMCell",
)
def lstm_step_hidden_cases(student, rng):
    cases = [(2, 1, 3), (3, 5, 2), (1, 4, 4), (4, 2, 1)]
    cases.append(tuple(int(v) for v in rng.integers(1, 6, size=3)))
    for batch, d, h in cases:
        expect_lstm_step(student, lstm_torch_case(rng, batch, d, h), what=f"lstm_step_torch (d={d}, h={h})")
    expect_lstm_step(student, lstm_torch_case(rng, 3, 2, 3, scale=30.0), as_tensors=True,
                     what="lstm_step_torch with saturated gates")


# ------------------------------------------------------------------ 10.2


@checks.hidden(
    "ch10.gru_step",
    message="gru_step with both values of reset_after for d != h both ways, d = h, batch 1, large "
    "inputs and random sizes, with the gradient in x, against keras.layers.GRU",
)
def gru_step_hidden_cases(student, rng):
    cases = [(1, 3, 2), (2, 2, 5), (3, 4, 4)]
    cases.append(tuple(int(v) for v in rng.integers(1, 6, size=3)))
    for batch, d, h in cases:
        for reset_after in (True, False):
            expect_gru_step(student, gru_case(rng, batch, d, h, reset_after), reset_after,
                            f"gru_step (d={d}, h={h}, reset_after={reset_after})", gradient=True)
    for reset_after in (True, False):
        expect_gru_step(student, gru_case(rng, 2, 3, 2, reset_after, scale=8.0), reset_after,
                        f"gru_step on large inputs (reset_after={reset_after})")


# ------------------------------------------------------------------ 10.3


@checks.hidden(
    "ch10.gru_from_torch",
    message="keras_gru_weights for d != h both ways, d = h, one unit and random sizes: Keras' GRU "
    "reproduces torch's outputs",
)
def gru_weights_hidden_cases(student, rng):
    for d, h in [(4, 2), (2, 5), (3, 3), (1, 1), tuple(int(v) for v in rng.integers(1, 7, size=2))]:
        expect_gru_conversion(student, rng, d, h)


@checks.hidden(
    "ch10.deep_lstm",
    message="build_deep_lstm with 1, 2 and 3 layers of different widths, dropout 0 (no Dropout layers) "
    "and other rates, one input feature and several",
)
def deep_lstm_hidden_cases(student, rng):
    cases = [(1, [2, 3, 4], 0.1), (4, [6, 2], 0.0), (2, [3], 0.0), (3, [2, 2], 0.6)]
    cases.append((int(rng.integers(1, 5)), [int(n) for n in rng.integers(1, 6, size=int(rng.integers(1, 4)))],
                  float(np.round(rng.uniform(0.05, 0.9), 2))))
    for input_dim, units, dropout in cases:
        info, x, outputs = expect_deep_lstm(student, rng, input_dim, units, dropout)
        call = f"build_deep_lstm({input_dim}, {units}, {dropout})"
        names = ["the top-layer outputs"] + [f"{kind}_{i + 1}" for i in range(len(units)) for kind in "hc"]
        for got, want, name in zip(outputs, keras_stack_outputs(info.weights, units, x), names):
            expect_close(got, want, rtol=1e-4, atol=1e-5, what=f"{name} of {call}")


# ------------------------------------------------------------------ 10.4


@checks.hidden(
    "ch10.birnn",
    message="birnn for one step, two steps, d != h both ways, batch 1 and random sizes, against "
    "keras.layers.Bidirectional(SimpleRNN)",
)
def birnn_hidden_cases(student, rng):
    cases = [(1, 1, 2, 3), (2, 2, 3, 1), (3, 4, 1, 4), (1, 6, 4, 2)]
    cases.append(tuple(int(v) for v in rng.integers(1, 6, size=4)))
    for batch, steps, d, h in cases:
        x, (forward, backward) = birnn_case(rng, batch, steps, d, h)
        expect_birnn(student, x, forward, backward, f"birnn with {steps} steps (d={d}, h={h})")


# ------------------------------------------------------------------ 10.5


def reference_translation_batch(src, tgt, num_steps):
    def pad_or_trim(tokens):
        return list(tokens[:num_steps]) + ["<pad>"] * (num_steps - len(tokens))

    padded = [pad_or_trim(s) for s in src]
    full = [["<bos>"] + pad_or_trim(t) for t in tgt]
    return (padded, [sum(t != "<pad>" for t in s) for s in padded], [t[:-1] for t in full],
            [t[1:] for t in full])


def random_sentence(rng, length):
    words = ["w%d" % int(i) for i in rng.integers(0, 9, size=length)]
    return words + ["<eos>"]


@checks.hidden(
    "ch10.translation_batch",
    message="translation_batch for sentences shorter than, as long as, one longer and far longer than "
    "num_steps, num_steps 1, the book's 'hi .' pair, random batches, without workbook.text",
)
def translation_batch_hidden_cases(student, rng):
    expect_source_avoids(student, "ch10.translation_batch", TEXT_LAYER, "translation_batch")
    num_steps = 4
    src = [random_sentence(rng, n) for n in (1, 3, 4, 7)]   # 2, 4, 5 and 8 tokens with <eos>
    tgt = [random_sentence(rng, n) for n in (3, 0, 5, 2)]
    expect_translation_batch(student, src, tgt, num_steps, reference_translation_batch(src, tgt, num_steps))
    one = [random_sentence(rng, 0), random_sentence(rng, 2)]
    expect_translation_batch(student, one, one[::-1], 1, reference_translation_batch(one, one[::-1], 1))
    hi = [["hi", ".", "<eos>"]], [["salut", ".", "<eos>"]]
    expect_translation_batch(student, *hi, 9, reference_translation_batch(*hi, 9))
    steps = int(rng.integers(2, 10))
    src = [random_sentence(rng, int(n)) for n in rng.integers(0, 12, size=5)]
    tgt = [random_sentence(rng, int(n)) for n in rng.integers(0, 12, size=5)]
    expect_translation_batch(student, src, tgt, steps, reference_translation_batch(src, tgt, steps))


# ------------------------------------------------------------------ 10.6


@checks.hidden(
    "ch10.last_state",
    message="last_real_state for valid lengths 1 and T in one batch, a single step, a batch of one and "
    "random shapes, with the gradient in outputs, without workbook.seq2seq",
)
def last_state_hidden_cases(student, rng):
    expect_source_avoids(student, "ch10.last_state", SEQ2SEQ, "last_real_state")
    steps = 6
    cases = [np.array([1, steps, 3, steps - 1, 1]), np.array([1]), np.array([steps])]
    for valid in cases:
        check_last_state(student, rng, valid, 1 if len(valid) == 1 and valid[0] == 1 else steps)
    batch, steps = (int(v) for v in rng.integers(1, 8, size=2))
    check_last_state(student, rng, rng.integers(1, steps + 1, size=batch), steps)


def check_last_state(student, rng, valid, steps):
    outputs = rng.normal(size=(len(valid), steps, 3)).astype(np.float32)
    cotangent = rng.normal(size=(len(valid), 3))
    value, grads = student.gradient("last_real_state", tensor(outputs, requires_grad=True),
                                    tensor(valid.astype(np.int64)), cotangent=cotangent)
    rows = np.arange(len(valid))
    what = f"last_real_state with valid_len {valid.tolist()}"
    expect_close(value, outputs[rows, valid - 1], what=what)
    expected = np.zeros_like(outputs)
    expected[rows, valid - 1] = cotangent
    expect_gradient(grads[0], expected, what=f"the gradient of {what}")


# ------------------------------------------------------------------ 10.7


def reference_masked_ce(logits, labels, pad_id):
    logits = np.asarray(logits, dtype=np.float64)
    log_p = seq2seq.log_softmax(logits)
    mask = labels != pad_id
    picked = np.take_along_axis(log_p, labels[..., None], -1)[..., 0]
    value = -(picked * mask).sum() / mask.sum()
    one_hot = np.eye(logits.shape[-1])[labels]
    gradient = (np.exp(log_p) - one_hot) * mask[..., None] / mask.sum()
    return value, gradient


@checks.hidden(
    "ch10.masked_loss",
    message="masked_ce with rows of different numbers of real tokens, a row without padding, pad ids "
    "0 and in the middle of the vocabulary, logits of size 10**4 next to small ones, and its gradient, "
    "without workbook.seq2seq",
)
def masked_loss_hidden_cases(student, rng):
    expect_source_avoids(student, "ch10.masked_loss", SEQ2SEQ, "masked_ce")
    vocab = 7
    for pad_id, lengths in [(0, [5, 1, 3]), (3, [2, 6, 6, 1]), (int(rng.integers(vocab)), None)]:
        lengths = lengths or [int(n) for n in rng.integers(1, 7, size=int(rng.integers(1, 5)))]
        steps = max(lengths) + int(rng.integers(0, 3))
        labels = np.full((len(lengths), steps), pad_id)
        for row, n in enumerate(lengths):
            choices = [t for t in range(vocab) if t != pad_id]
            labels[row, :n] = rng.choice(choices, size=n)
        logits = rng.normal(size=(len(lengths), steps, vocab)) * 3
        logits[0, 0] *= 3000  # a row of logits in the thousands next to ordinary ones
        value, grads = student.gradient("masked_ce", tensor(logits.astype(np.float32), requires_grad=True),
                                        tensor(labels), pad_id)
        expected, expected_grad = reference_masked_ce(logits.astype(np.float32), labels, pad_id)
        what = f"masked_ce with pad_id {pad_id} and {lengths} real tokens per row"
        expect_close(np.asarray(value).reshape(()), expected, rtol=1e-4, atol=1e-4, what=what)
        expect_gradient(grads[0], expected_grad, rtol=1e-3, atol=1e-5, what=f"the gradient of {what}")


class _Transitions:
    """``step`` of the toy decoder of Exercise 10.9 for ``seq2seq.greedy_decode``."""

    def __init__(self, transitions):
        self.transitions = np.asarray(transitions)

    def step(self, tokens, state):
        rows = np.arange(len(tokens))
        return self.transitions[rows, np.asarray(tokens)], state


def reference_greedy(transitions, bos, eos, max_len):
    state = [np.zeros(len(transitions))]
    return seq2seq.greedy_decode(_Transitions(transitions), state, bos, eos, max_len)


@checks.hidden(
    "ch10.greedy",
    message="greedy_decode with a row that emits eos at once, one that never does, one that would go "
    "on after its eos, rows that stop at different steps, max_len 1, and random tables, without "
    "workbook.seq2seq",
)
def greedy_hidden_cases(student, rng):
    expect_source_avoids(student, "ch10.greedy", SEQ2SEQ, "greedy_decode")
    bos, eos = 4, 2
    chains = [
        {4: 2, 2: 0, 0: 1, 1: 3, 3: 0},        # eos at once
        {4: 0, 0: 1, 1: 3, 3: 0, 2: 0},        # never eos
        {4: 3, 3: 2, 2: 1, 1: 0, 0: 1},        # eos after one token, then it would go on
        {4: 1, 1: 0, 0: 3, 3: 2, 2: 3},        # eos after three tokens
    ]
    transitions = chain_transitions(5, chains)
    for max_len in (1, 2, 6):
        expect_int_lists(student.call("greedy_decode", transitions, bos, eos, max_len),
                         reference_greedy(transitions, bos, eos, max_len),
                         f"greedy_decode(transitions, bos={bos}, eos={eos}, max_len={max_len})")
    vocab, batch = int(rng.integers(3, 7)), int(rng.integers(1, 6))
    transitions = rng.normal(size=(batch, vocab, vocab)) * 2
    bos, eos = (int(v) for v in rng.choice(vocab, size=2, replace=False))
    max_len = int(rng.integers(1, 8))
    expect_int_lists(student.call("greedy_decode", transitions, bos, eos, max_len),
                     reference_greedy(transitions, bos, eos, max_len), "greedy_decode on a random table")


@checks.hidden(
    "ch10.bleu",
    message="bleu on the visible cases, repeated n-grams that must be clipped, predictions longer "
    "than the reference (no penalty), an empty prediction, k larger than the prediction, k = 3 and 4, and random sentences "
    "over a small vocabulary, without workbook.seq2seq",
)
def bleu_hidden_cases(student, rng):
    expect_source_avoids(student, "ch10.bleu", SEQ2SEQ, "bleu")
    cases = [(p, t, k) for p, t, k, _ in BLEU_CASES]
    cases += [("a a b b", "a b a", 2), ("the the the the", "the cat", 1), ("a b c d e f", "a b c", 3),
              ("x y", "x y z w", 4), ("je suis calme .", "je suis chez moi .", 4), ("a", "a b", 3),
              ("a b a b a", "b a b a b", 3), ("", "a b", 2)]
    for _ in range(4):
        words = "abcd"
        pred = " ".join(rng.choice(list(words), size=int(rng.integers(1, 8))))
        label = " ".join(rng.choice(list(words), size=int(rng.integers(1, 8))))
        cases.append((pred, label, int(rng.integers(1, 5))))
    for pred, label, k in cases:
        expect_bleu(student, pred, label, k, seq2seq.bleu(pred, label, k))


class _Order1:
    """``step`` for ``seq2seq.beam_search`` over the table of Exercise 10.11."""

    def __init__(self, first, table):
        self.first, self.table = np.asarray(first, float), np.asarray(table, float)

    def step(self, tokens, state):
        (steps,) = state
        tokens = np.asarray(tokens)
        probs = (np.tile(self.first, (len(tokens), 1)) if steps[0] == 0
                 else self.table[steps[0] - 1, tokens])
        return np.log(probs), [steps + 1]


def reference_beam(first, table, eos, beam_size, alpha):
    ranked = seq2seq.beam_search(_Order1(first, table), [np.zeros(1, dtype=int)], -1, eos, beam_size,
                                 len(table) + 1, alpha)
    return ranked[0][0], ranked[0][2]


def random_table(rng, vocab, max_len):
    first = rng.dirichlet(np.ones(vocab))
    table = rng.dirichlet(np.ones(vocab), size=(max_len - 1, vocab))
    return first, table


def made_table(first, steps, floor, rows):
    """An order-1 table over A, B, C, <eos>: ``rows[(t, previous)]`` set, ``floor`` elsewhere."""
    table = np.full((steps, 4, 4), floor)
    for (t, previous), probs in rows.items():
        table[t, previous] = probs
    return np.array(first), table / table.sum(axis=-1, keepdims=True)


def normalization_flip_table():
    """<eos> first is the most probable sequence, A A <eos> wins once normalized."""
    return made_table([0.44, 0.06, 0.05, 0.45], 2, 0.02,
                      {(0, 0): [0.9, 0.03, 0.03, 0.04], (1, 0): [0.04, 0.03, 0.03, 0.9]})


def finishing_table():
    """Every beam ends early: A <eos> and B <eos> are the two best after two steps."""
    return made_table([0.5, 0.4, 0.05, 0.05], 4, 0.1,
                      {(0, 0): [0.05, 0.05, 0.1, 0.8], (0, 1): [0.05, 0.05, 0.1, 0.8]})


def early_finish_table():
    """A <eos> is chosen at step 2; what would follow <eos> is very likely (it must not be searched)."""
    return made_table([0.9, 0.04, 0.03, 0.03], 3, 0.01,
                      {(0, 0): [0.45, 0.03, 0.02, 0.5], (1, 3): [0.99, 1e-3, 1e-3, 0.01],
                       (2, 0): [0.99, 1e-3, 1e-3, 0.01]})


@checks.hidden(
    "ch10.beam_search",
    message="beam_search on the book's table, a table where length normalization changes the winner "
    "(alpha 0.75 and 0), beams that all finish before max_len, beam 1 (greedy), a beam wide enough to "
    "be exhaustive, and random tables, without workbook.seq2seq",
)
def beam_search_hidden_cases(student, rng):
    expect_source_avoids(student, "ch10.beam_search", SEQ2SEQ, "beam_search")
    first, table = book_beam_table()
    cases = [(first, table, 3, 2, 0.75, "the book's table"),
             (first, table, 3, 3, 1.0, "the book's table, beam 3, alpha 1")]
    flip = normalization_flip_table()
    cases += [(*flip, 3, 2, 0.75, "the normalization table"), (*flip, 3, 2, 0.0, "alpha 0")]
    cases.append((*finishing_table(), 3, 2, 0.75, "beams that finish early"))
    cases.append((*early_finish_table(), 3, 1, 0.75, "a beam of one that finishes at step 2"))
    vocab, max_len = 3, 3
    wide = random_table(rng, vocab, max_len)
    cases.append((*wide, 0, vocab ** max_len, 0.75, "an exhaustive beam"))
    for beam_size in (1, int(rng.integers(2, 5))):
        vocab, max_len = int(rng.integers(3, 6)), int(rng.integers(2, 6))
        cases.append((*random_table(rng, vocab, max_len), int(rng.integers(vocab)), beam_size,
                      float(rng.choice([0.5, 0.75, 1.0])), f"a random table, beam {beam_size}"))
    for first, table, eos, beam_size, alpha, name in cases:
        tokens, score = reference_beam(first, table, eos, beam_size, alpha)
        expect_beam(student, first, table, eos, beam_size, alpha, tokens, score,
                    f"beam_search on {name} (beam {beam_size}, alpha {alpha})")
