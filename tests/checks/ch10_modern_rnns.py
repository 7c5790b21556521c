"""Visible checks for chapter 10 (shipped to students).

The recurrent cells are compared with the libraries they imitate, run here
on the grader's side: torch's ``nn.LSTMCell`` and ``nn.GRU``, Keras'
``GRU``, ``LSTM`` and ``Bidirectional`` with the same weights. Nothing the
student's process computes is trusted except the answer under test. The
sequence-to-sequence exercises are checked on fixed cases with literal
answers (the book's BLEU examples and beam-search table among them); the
reference implementations that compute the hidden checks' answers live in
the hidden module.
"""

import math

import numpy as np

from workbook.grading import (
    CheckFailed,
    Checks,
    expect_close,
    expect_equal,
    expect_functional,
    expect_gradient,
    expect_python_number,
    expect_sequence,
    expect_true,
    tensor,
)

checks = Checks("ch10")


# ------------------------------------------------------------------ helpers


def as_float32(*arrays):
    return [np.asarray(a, dtype=np.float32) for a in arrays]


def expect_int_lists(value, expected, what):
    """A list of lists of Python ints equal to ``expected``."""
    rows = expect_sequence(value, len(expected), what)
    got = []
    for i, row in enumerate(rows):
        if isinstance(row, np.ndarray):
            row = row.tolist()
        items = expect_sequence(row, len(row) if isinstance(row, (list, tuple)) else -1,
                                f"{what}[{i}]")
        for item in items:
            if isinstance(item, bool) or not isinstance(item, (int, np.integer)):
                raise CheckFailed(f"{what}[{i}] holds {item!r}; expected token ids as ints")
        got.append([int(t) for t in items])
    expect_equal(got, [list(map(int, r)) for r in expected], what)


# ------------------------------------------------------ 10.1 LSTM (torch)


def lstm_torch_case(rng, batch, d, h, scale=1.0):
    """Random inputs, states and torch-layout weights (two distinct biases)."""
    x = rng.normal(size=(batch, d)) * scale
    h0, c0 = rng.normal(size=(2, batch, h))
    w_ih, w_hh = rng.normal(size=(4 * h, d)) * 0.5, rng.normal(size=(4 * h, h)) * 0.5
    b_ih, b_hh = rng.normal(size=(2, 4 * h))
    return as_float32(x, h0, c0, w_ih, w_hh, b_ih, b_hh)


def torch_lstm_reference(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    """(h, c) from torch.nn.LSTMCell with these weights (float64)."""
    import torch

    cell = torch.nn.LSTMCell(x.shape[1], h0.shape[1]).double()
    with torch.no_grad():
        for name, value in (("weight_ih", w_ih), ("weight_hh", w_hh), ("bias_ih", b_ih),
                            ("bias_hh", b_hh)):
            getattr(cell, name).copy_(torch.as_tensor(value, dtype=torch.float64))
        h, c = cell(torch.as_tensor(x, dtype=torch.float64),
                    (torch.as_tensor(h0, dtype=torch.float64), torch.as_tensor(c0, dtype=torch.float64)))
    return h.numpy(), c.numpy()


def expect_lstm_step(student, case, as_tensors=False, what="lstm_step_torch"):
    args = [tensor(a) for a in case] if as_tensors else list(case)
    result = expect_sequence(student.call("lstm_step_torch", *args), 2, f"{what}(...) (h, c)")
    h, c = torch_lstm_reference(*case)
    expect_close(result[1], c, rtol=1e-4, atol=1e-5, what=f"the new cell state c of {what}")
    expect_close(result[0], h, rtol=1e-4, atol=1e-5, what=f"the new hidden state h of {what}")


@checks.visible(
    "ch10.lstm_step", points=1,
    message="lstm_step_torch(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh) returns the (h, c) of "
    "torch.nn.LSTMCell with those weights (gate rows i, f, g, o; both biases added), for a batch of 4, "
    "d = 3 inputs and 2 hidden units, on numpy arrays and on torch tensors",
)
def lstm_step_matches_torch_cell(student, rng):
    case = lstm_torch_case(rng, 4, 3, 2)
    expect_lstm_step(student, case)
    expect_lstm_step(student, case, as_tensors=True, what="lstm_step_torch on torch tensors")


# ---------------------------------------------------------- 10.2 GRU step


def gru_case(rng, batch, d, h, reset_after, scale=1.0):
    x = rng.normal(size=(batch, d)) * scale
    h0 = rng.normal(size=(batch, h))
    kernel, recurrent = rng.normal(size=(d, 3 * h)) * 0.6, rng.normal(size=(h, 3 * h)) * 0.6
    bias = rng.normal(size=(2, 3 * h) if reset_after else (3 * h,))
    return as_float32(x, h0, kernel, recurrent, bias)


def keras_gru_reference(x, h0, kernel, recurrent, bias, reset_after, with_gradient=False):
    """One step of keras.layers.GRU(reset_after=...) from h0, and d(sum out)/dx if asked."""
    import keras
    import torch
    from keras import ops

    layer = keras.layers.GRU(h0.shape[1], reset_after=reset_after)
    layer.build((None, 1, x.shape[1]))
    layer.set_weights([kernel, recurrent, bias])
    inputs = torch.as_tensor(x[:, None], dtype=torch.float32).requires_grad_(with_gradient)
    if not with_gradient:
        with torch.no_grad():
            return ops.convert_to_numpy(layer(inputs, initial_state=[ops.convert_to_tensor(h0)]))
    out = layer(inputs, initial_state=[ops.convert_to_tensor(h0)])
    (grad,) = torch.autograd.grad(out.sum(), [inputs])
    return ops.convert_to_numpy(out.detach()), grad[:, 0].numpy()


def expect_gru_step(student, case, reset_after, what, gradient=False):
    x, h0, kernel, recurrent, bias = case
    if gradient:
        # every array as a torch tensor: torch does not add a numpy array to a tensor
        got, grads = student.gradient("gru_step", tensor(x, requires_grad=True), tensor(h0),
                                      tensor(kernel), tensor(recurrent), tensor(bias), reset_after)
        expected, expected_grad = keras_gru_reference(*case, reset_after, with_gradient=True)
        expect_close(got, expected, rtol=1e-4, atol=1e-5, what=what)
        expect_gradient(grads[0], expected_grad, rtol=1e-3, atol=1e-5,
                        what=f"the gradient of {what} with respect to x")
        return
    got = student.call("gru_step", x, h0, kernel, recurrent, bias, reset_after)
    expect_close(got, keras_gru_reference(*case, reset_after), rtol=1e-4, atol=1e-5, what=what)


@checks.visible(
    "ch10.gru_step", points=1,
    message="gru_step(x, h, kernel, recurrent_kernel, bias, reset_after) equals one step of "
    "keras.layers.GRU(reset_after=reset_after) with those weights (blocks z, r, h), for both values "
    "of reset_after (bias (3h,) or (2, 3h)), batch 3, d = 4, h = 2, differentiable in x",
)
def gru_step_matches_keras(student, rng):
    for reset_after in (False, True):
        expect_gru_step(student, gru_case(rng, 3, 4, 2, reset_after), reset_after,
                        f"gru_step(..., reset_after={reset_after})", gradient=True)


# -------------------------------------------------------- 10.3 torch GRU


def torch_gru_weights(rng, d, h):
    import torch

    torch_gru = torch.nn.GRU(d, h, batch_first=True)
    with torch.no_grad():
        for p in torch_gru.parameters():
            p.copy_(torch.as_tensor(rng.normal(size=tuple(p.shape)) * 0.5))
    return torch_gru


def expect_gru_conversion(student, rng, d, h, steps=5, batch=2):
    """Keras' GRU with the converted weights computes what the torch layer does."""
    import keras
    import torch
    from keras import ops

    layer = torch_gru_weights(rng, d, h)
    params = [p.detach().numpy().astype(np.float32) for p in
              (layer.weight_ih_l0, layer.weight_hh_l0, layer.bias_ih_l0, layer.bias_hh_l0)]
    call = f"keras_gru_weights(...) for d = {d}, h = {h}"
    weights = expect_sequence(student.call("keras_gru_weights", *params), 3, call)
    shapes = [np.shape(w) for w in weights]
    expect_equal([tuple(s) for s in shapes], [(d, 3 * h), (h, 3 * h), (2, 3 * h)],
                 f"the shapes of {call} (kernel, recurrent kernel, bias of GRU(reset_after=True))")
    for i, w in enumerate(weights):
        if np.asarray(w).dtype != np.float32:
            raise CheckFailed(f"weight {i} of {call} has dtype {np.asarray(w).dtype}; expected float32")
    x = rng.normal(size=(batch, steps, d)).astype(np.float32)
    with torch.no_grad():
        expected = layer(torch.as_tensor(x))[0].numpy()
    gru = keras.layers.GRU(h, return_sequences=True)
    gru.build((None, steps, d))
    gru.set_weights([np.asarray(w, dtype=np.float32) for w in weights])
    with torch.no_grad():
        got = ops.convert_to_numpy(gru(x))
    expect_close(got, expected, rtol=1e-4, atol=1e-5,
                 what=f"keras.layers.GRU's outputs with the weights of {call} (torch's outputs expected)")


@checks.visible(
    "ch10.gru_from_torch", points=1,
    message="keras_gru_weights(weight_ih, weight_hh, bias_ih, bias_hh) returns float32 [kernel (d, 3h), "
    "recurrent kernel (h, 3h), bias (2, 3h)] with which keras.layers.GRU(h) computes the same outputs "
    "as the torch.nn.GRU(d=3, h=2) they came from (torch's gate order r, z, n; Keras' z, r, h)",
)
def gru_weights_reproduce_torch(student, rng):
    expect_gru_conversion(student, rng, 3, 2)


# -------------------------------------------------------- 10.3 deep LSTM


def expect_deep_lstm(student, rng, input_dim, units, dropout, batch=2, steps=4):
    """The layers, their settings and the output shapes (the hidden checks
    also compare the values with plain Keras LSTMs loaded with its weights)."""
    call = f"build_deep_lstm({input_dim}, {units}, {dropout})"
    x = rng.normal(size=(batch, steps, input_dim)).astype(np.float32)
    info = expect_functional(student.model("build_deep_lstm", input_dim, list(units), dropout, inputs=x),
                             call)
    lstms = info.layers_built_on("LSTM")
    expect_equal([layer["config"].get("units") for layer in lstms], list(units),
                 f"the units of the LSTM layers of {call}")
    for layer in lstms:
        config = layer["config"]
        if config.get("dropout") or config.get("recurrent_dropout"):
            raise CheckFailed(f"{layer['name']} in {call} has dropout={config.get('dropout')}, "
                              f"recurrent_dropout={config.get('recurrent_dropout')}: the dropout between "
                              "layers is a Dropout layer, the LSTMs themselves drop nothing")
    expected_classes = ["InputLayer"]
    for i in range(len(units)):
        expected_classes += (["Dropout"] if i and dropout else []) + ["LSTM"]
    expect_equal(info.layer_classes(), expected_classes, f"the layers of {call}")
    for layer in info.layers_built_on("Dropout"):
        expect_true(abs(layer["config"].get("rate", -1) - dropout) < 1e-9,
                    f"{layer['name']} in {call} has rate {layer['config'].get('rate')}; expected {dropout}")
    outputs = expect_sequence(info.outputs, 1 + 2 * len(units), f"the outputs of {call}")
    shapes = [(batch, steps, units[-1])] + [(batch, n) for n in units for _ in "hc"]
    expect_equal([tuple(np.shape(o)) for o in outputs], shapes, f"the output shapes of {call}")
    return info, x, outputs


@checks.visible(
    "ch10.deep_lstm", points=1,
    message="build_deep_lstm(3, [4, 5], 0.25) is functional: Input, LSTM(4), Dropout(0.25), LSTM(5) "
    "(no dropout inside the LSTMs) with outputs [top outputs (batch, steps, 5), h1, c1, h2, c2]; "
    "build_deep_lstm(2, [3], 0.5) has one LSTM and no Dropout",
)
def deep_lstm_small(student, rng):
    expect_deep_lstm(student, rng, 3, [4, 5], 0.25)
    expect_deep_lstm(student, rng, 2, [3], 0.5)


# ------------------------------------------------------ 10.4 bidirectional


def birnn_case(rng, batch, steps, d, h):
    x = rng.normal(size=(batch, steps, d))
    weights = [(rng.normal(size=(d, h)) * 0.7, rng.normal(size=(h, h)) * 0.5, rng.normal(size=h) * 0.5)
               for _ in range(2)]
    return as_float32(x)[0], [as_float32(*w) for w in weights]


def keras_birnn_reference(x, forward, backward):
    import keras
    import torch
    from keras import ops

    layer = keras.layers.Bidirectional(keras.layers.SimpleRNN(forward[1].shape[0], return_sequences=True))
    layer.build((None, x.shape[1], x.shape[2]))
    layer.set_weights(list(forward) + list(backward))
    with torch.no_grad():
        return ops.convert_to_numpy(layer(x))


def expect_birnn(student, x, forward, backward, what):
    got = student.call("birnn", x, list(forward), list(backward))
    expect_close(got, keras_birnn_reference(x, forward, backward), rtol=1e-4, atol=1e-5, what=what)


@checks.visible(
    "ch10.birnn", points=1,
    message="birnn(X, (W_xh, W_hh, b) forward, (W_xh, W_hh, b) backward) equals "
    "keras.layers.Bidirectional(SimpleRNN(h, return_sequences=True)) with those weights: "
    "(batch, steps, 2h), the forward state first, the backward one aligned with the same step; "
    "batch 2, 5 steps, d = 3, h = 2",
)
def birnn_matches_keras(student, rng):
    x, (forward, backward) = birnn_case(rng, 2, 5, 3, 2)
    expect_birnn(student, x, forward, backward, "birnn(X, ...) with 5 steps")


# ------------------------------------------------------ 10.5 batch arrays


def expect_translation_batch(student, src, tgt, num_steps, expected):
    call = f"translation_batch({src}, {tgt}, {num_steps})"
    got = expect_sequence(student.call("translation_batch", src, tgt, num_steps), 4, call)
    for value, want, name in zip(got, expected, ("src", "src_valid_len", "dec_in", "labels")):
        if isinstance(value, np.ndarray):
            value = value.tolist()
        if name == "src_valid_len":
            value = [int(v) if isinstance(v, (int, np.integer)) and not isinstance(v, bool) else v
                     for v in expect_sequence(value, len(want), f"{name} of {call}")]
        expect_equal(value if name == "src_valid_len" else [list(v) for v in value], want,
                     f"{name} of {call}")


BOOK_HI = (["hi", ".", "<eos>"], ["salut", ".", "<eos>"])


@checks.visible(
    "ch10.translation_batch", points=1,
    message="translation_batch([['hi', '.', '<eos>']], [['salut', '.', '<eos>']], 9) gives the book's "
    "layout: source hi . <eos> + 6 <pad>, valid length 3, decoder input <bos> salut . <eos> + 5 <pad>, "
    "labels salut . <eos> + 6 <pad>; a target of 4 tokens trimmed to num_steps = 3 loses its <eos>",
)
def translation_batch_book_layout(student, rng):
    pad = "<pad>"
    expect_translation_batch(student, [BOOK_HI[0]], [BOOK_HI[1]], 9, (
        [["hi", ".", "<eos>"] + [pad] * 6], [3],
        [["<bos>", "salut", ".", "<eos>"] + [pad] * 5], [["salut", ".", "<eos>"] + [pad] * 6]))
    expect_translation_batch(student, [["a", "<eos>"], ["b", "c", "d", "<eos>"]],
                             [["x", "y", "z", "<eos>"], ["w", "<eos>"]], 3, (
        [["a", "<eos>", pad], ["b", "c", "d"]], [2, 3],
        [["<bos>", "x", "y"], ["<bos>", "w", "<eos>"]], [["x", "y", "z"], ["w", "<eos>", pad]]))


# ------------------------------------------------------- 10.6 last state


@checks.visible(
    "ch10.last_state", points=1,
    message="last_real_state(outputs, valid_len) on outputs = arange(2*4*3).reshape(2, 4, 3) with "
    "valid_len [4, 2] returns [[9, 10, 11], [15, 16, 17]] (steps 3 and 1), with a gradient that is 1 "
    "at those positions and 0 elsewhere",
)
def last_state_small(student, rng):
    outputs = np.arange(24, dtype=np.float32).reshape(2, 4, 3)
    value, grads = student.gradient("last_real_state", tensor(outputs, requires_grad=True),
                                    tensor(np.array([4, 2])))
    expect_close(value, [[9, 10, 11], [15, 16, 17]], what="last_real_state(outputs, [4, 2])")
    expected_grad = np.zeros_like(outputs)
    expected_grad[0, 3] = expected_grad[1, 1] = 1
    expect_gradient(grads[0], expected_grad, what="the gradient of last_real_state with respect to outputs")


# ------------------------------------------------------ 10.7 masked loss


def keras_masked_reference(logits, labels, pad_id):
    """Keras' cross-entropy with sample weights, averaged over the weighted positions."""
    import keras
    from keras import ops

    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="mean_with_sample_weight")
    weights = (labels != pad_id).astype(np.float32)
    return float(ops.convert_to_numpy(loss(labels, logits.astype(np.float32), sample_weight=weights)))


@checks.visible(
    "ch10.masked_loss", points=1,
    message="masked_ce(logits, labels, pad_id) on a batch of 3 sentences of 5 steps over 6 tokens with "
    "pad_id 4 equals Keras' SparseCategoricalCrossentropy(from_logits=True, "
    "reduction='mean_with_sample_weight') with sample_weight = (labels != pad_id): the mean over the 8 "
    "real tokens, not over all 15 positions",
)
def masked_loss_matches_keras(student, rng):
    logits = rng.normal(size=(3, 5, 6)).astype(np.float32)
    labels = np.array([[1, 2, 4, 4, 4], [0, 3, 5, 4, 4], [2, 2, 1, 4, 4]])
    got = student.call("masked_ce", logits, labels, 4)
    expect_close(got, keras_masked_reference(logits, labels, 4), rtol=1e-4, atol=1e-5,
                 what="masked_ce(logits, labels, 4)")


# ---------------------------------------------------------- 10.7 greedy


def chain_transitions(vocab, chains):
    """(batch, vocab, vocab) logits where row b's arg-max after token i is chains[b][i]."""
    table = np.zeros((len(chains), vocab, vocab))
    for b, chain in enumerate(chains):
        for previous, following in chain.items():
            table[b, previous, following] = 5.0
    return table


@checks.visible(
    "ch10.greedy", points=1,
    message="greedy_decode on two toy decoders with bos 0, eos 1 and max_len 5: the first goes "
    "0 -> 2 -> 3 -> 1 (eos) and returns [2, 3]; the second goes 0 -> 3 -> 2 -> 3 -> ... and never "
    "emits eos, so it returns [3, 2, 3, 2, 3]; each row stops on its own",
)
def greedy_two_rows(student, rng):
    transitions = chain_transitions(4, [{0: 2, 2: 3, 3: 1, 1: 2}, {0: 3, 3: 2, 2: 3, 1: 0}])
    expect_int_lists(student.call("greedy_decode", transitions, 0, 1, 5), [[2, 3], [3, 2, 3, 2, 3]],
                     "greedy_decode(transitions, 0, 1, 5)")


# ------------------------------------------------------------ 10.7 BLEU


# The book's four translations with k = 2, and hand-computed cases.
BLEU_CASES = [
    ("va !", "va !", 2, 1.0), ("j'ai perdu .", "j'ai perdu .", 2, 1.0),
    ("elle court .", "il est calme .", 2, 0.0), ("je suis chez moi .", "je suis chez moi .", 2, 1.0),
    ("il est calme", "il est calme .", 2, math.exp(1 - 4 / 3)),
    ("je suis calme .", "je suis chez moi .", 2, math.exp(1 - 5 / 4) * 0.75 ** 0.5 * (1 / 3) ** 0.25),
    ("a a a", "a b", 1, (1 / 3) ** 0.5),
]


def expect_bleu(student, pred, label, k, expected):
    call = f"bleu({pred!r}, {label!r}, {k})"
    got = expect_python_number(student.call("bleu", pred, label, k), call)
    expect_close(got, expected, rtol=1e-6, atol=1e-9, what=call)


@checks.visible(
    "ch10.bleu", points=1,
    message="bleu reproduces the book's k = 2 scores 1.000, 1.000, 0.000, 1.000 for its four "
    "translations, the brevity penalty exp(1 - 4/3) of 'il est calme' against 'il est calme .', "
    "0.5125 for 'je suis calme .' against 'je suis chez moi .' and the clipped (1/3)**0.5 of "
    "'a a a' against 'a b' with k = 1, as Python floats",
)
def bleu_book_cases(student, rng):
    for pred, label, k, expected in BLEU_CASES:
        expect_bleu(student, pred, label, k, expected)


# ------------------------------------------------------- 10.8 beam search


def book_beam_table():
    """The book's figures as an order-1 table: tokens A, B, C, <eos> = 0, 1, 2, 3."""
    uniform = [0.25] * 4
    first = [0.5, 0.2, 0.2, 0.1]
    table = np.array([[uniform] * 4] * 3)
    table[0, 0] = [0.1, 0.4, 0.3, 0.2]   # after A
    table[1, 1] = [0.2, 0.2, 0.4, 0.2]   # after A B
    table[1, 2] = [0.1, 0.6, 0.2, 0.1]   # after A C
    table[2, 2] = [0.1, 0.1, 0.2, 0.6]   # after A B C
    table[2, 1] = [0.1, 0.2, 0.1, 0.6]   # after A C B
    return np.array(first), table


def expect_beam(student, first, table, eos, beam_size, alpha, tokens, score, what):
    result = expect_sequence(student.call("beam_search", first, table, eos, beam_size, alpha), 2, what)
    expect_int_lists([result[0]], [tokens], f"the tokens of {what}")
    got = expect_python_number(result[1], f"the score of {what}")
    expect_close(got, score, rtol=1e-6, atol=1e-9, what=f"the score of {what}")


@checks.visible(
    "ch10.beam_search", points=1,
    message="beam_search on the book's table (A, B, C, <eos> = 0..3): a beam of 1 gives greedy "
    "A B C <eos> with score log(0.048) / 4**0.75, a beam of 2 finds A C B <eos> with log(0.054) / 4**0.75",
)
def beam_search_book_table(student, rng):
    first, table = book_beam_table()
    expect_beam(student, first, table, 3, 1, 0.75, [0, 1, 2, 3], math.log(0.048) / 4 ** 0.75,
                "beam_search(book table, beam_size=1)")
    expect_beam(student, first, table, 3, 2, 0.75, [0, 2, 1, 3], math.log(0.054) / 4 ** 0.75,
                "beam_search(book table, beam_size=2)")
