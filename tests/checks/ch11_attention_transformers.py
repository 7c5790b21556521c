"""Visible checks for chapter 11 (shipped to students).

The expected values here are literals or closed forms for the cases the
messages name (a softmax of two numbers, a mean of values); the reference
implementations live in the hidden module, which runs them on inputs drawn
for each student.
"""

import numpy as np

from workbook.grading import (
    Checks,
    expect_close,
    expect_equal,
    expect_functional,
    expect_sequence,
    expect_true,
)
from workbook.grading.expect import (expect_array, expect_dtype, expect_source_avoids,
                                     expect_student_raises)

checks = Checks("ch11")

# The pieces of workbook.attention and Keras' attention layers that would answer
# an exercise (its masked_softmax has the book's conventions, not the exercise's).
ATTENTION_MODULE = ("DotProductAttention", "MultiHeadAttentionScratch", "transpose_qkv", "transpose_output",
                    "sinusoidal_encoding", "PositionalEncoding", "valid_lens_mask", "KeyMask",
                    "patch_embedding")
KERAS_ATTENTION = ATTENTION_MODULE + ("Attention", "AdditiveAttention", "MultiHeadAttention")


# ------------------------------------------------------------------ helpers


def pair(value, what):
    """A (output, weights) result."""
    return expect_sequence(value, 2, what)


def two_way_softmax(a, b):
    """softmax([a, b])[0]."""
    return 1.0 / (1.0 + np.exp(b - a))


def book_attention_inputs(rng, query_size):
    """D2L 11.3's test: keys of ones, values arange(40) twice, valid lengths [2, 6]."""
    queries = rng.normal(size=(2, 1, query_size)).astype("float32")
    keys = np.ones((2, 10, 2), "float32")
    values = np.tile(np.arange(40, dtype="float32").reshape(1, 10, 4), (2, 1, 1))
    return queries, keys, values, np.array([2, 6])


BOOK_OUTPUT = np.array([[[2, 3, 4, 5]], [[10, 11, 12, 13]]], dtype="float32")


# ------------------------------------------------------- 11.2 Nadaraya-Watson


def expect_nw(student, x_train, y_train, x_query, kernel, sigma, y_hat, weights, what):
    got = pair(student.call("nadaraya_watson", x_train, y_train, x_query, kernel, sigma), what)
    expect_close(expect_array(got[1], (len(x_query), len(x_train)), f"the weights of {what}"), weights,
                 rtol=1e-5, atol=1e-7, what=f"the weights of {what}")
    expect_close(got[0], y_hat, rtol=1e-5, atol=1e-6, what=f"the predictions of {what}")


@checks.visible(
    "ch11.nadaraya_watson",
    message="on keys [0, 1, 2, 3] with labels [0, 1, 2, 3]: the constant kernel predicts the mean "
    "1.5; the boxcar of width 1 at query 1.5 averages keys 1 and 2 only; the Gaussian at query 100 "
    "puts all its weight on key 3 (a softmax, although every exp underflows); an Epanechikov "
    "query 10 away from every key gets uniform weights",
)
def nadaraya_watson_small(student, rng):
    keys, labels = np.array([0.0, 1.0, 2.0, 3.0]), np.array([0.0, 1.0, 2.0, 3.0])
    expect_nw(student, keys, labels, np.array([0.0, 2.5]), "constant", 1.0, [1.5, 1.5],
              np.full((2, 4), 0.25), "nadaraya_watson(..., 'constant')")
    expect_nw(student, keys, labels, np.array([1.5]), "boxcar", 1.0, [1.5], [[0, 0.5, 0.5, 0]],
              "nadaraya_watson(..., [1.5], 'boxcar', 1.0)")
    expect_nw(student, keys, labels, np.array([100.0]), "gaussian", 1.0, [3.0], [[0, 0, 0, 1]],
              "nadaraya_watson(..., [100.0], 'gaussian', 1.0)")
    expect_nw(student, keys, labels, np.array([-10.0]), "epanechikov", 1.0, [1.5], [[0.25] * 4],
              "nadaraya_watson(..., [-10.0], 'epanechikov', 1.0)")


# ------------------------------------------------------- 11.3 masked softmax


@checks.visible(
    "ch11.masked_softmax",
    message="masked_softmax([[1, 2, 3, 4], [1, 2, 3, 4]], [[T, T, F, F], [F, F, F, F]]) is "
    "[[softmax(1, 2), 0, 0], [0, 0, 0, 0]] (a row with no allowed key is zeros), in float32",
)
def masked_softmax_small(student, rng):
    scores = np.array([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]], dtype="float32")
    mask = np.array([[True, True, False, False], [False] * 4])
    got = expect_dtype(student.call("masked_softmax", scores, mask), "float32",
                       "masked_softmax(...)")
    p = two_way_softmax(1.0, 2.0)
    expect_close(got, [[p, 1 - p, 0, 0], [0, 0, 0, 0]], rtol=1e-5, atol=1e-7,
                 what="masked_softmax on the two rows")


# ------------------------------------------------- 11.3 scaled dot product


@checks.visible(
    "ch11.scaled_dot_product",
    message="the book's test (keys of ones, values arange(40), valid lengths [2, 6]) gives "
    "[[2, 3, 4, 5]] and [[10, 11, 12, 13]] and weights 1/2 and 1/6; a query [1, 1, 1, 1] against "
    "keys [1, 1, 1, 1] and 0 scores 4 / sqrt(4) = 2 and 0",
)
def scaled_dot_product_small(student, rng):
    queries, keys, values, valid = book_attention_inputs(rng, 2)
    output, weights = pair(student.call("scaled_dot_product_attention", queries, keys, values, valid),
                           "scaled_dot_product_attention(...)")
    expect_close(output, BOOK_OUTPUT, rtol=1e-5, atol=1e-5, what="the output on the book's test")
    expected = np.zeros((2, 1, 10))
    expected[0, 0, :2], expected[1, 0, :6] = 1 / 2, 1 / 6
    expect_close(weights, expected, rtol=1e-5, atol=1e-7, what="the weights on the book's test")
    queries, keys = np.ones((1, 1, 4)), np.array([[[1.0] * 4, [0.0] * 4]])
    values = np.array([[[1.0, 0.0, 2.0], [0.0, 1.0, 2.0]]])
    output, weights = pair(student.call("scaled_dot_product_attention", queries, keys, values),
                           "scaled_dot_product_attention(q, k, v) without valid_lens")
    p = two_way_softmax(2.0, 0.0)
    expect_close(weights, [[[p, 1 - p]]], rtol=1e-5, atol=1e-7, what="the weights (scores 2 and 0)")
    expect_close(output, [[[p, 1 - p, 2.0]]], rtol=1e-5, atol=1e-6, what="the output")


# ------------------------------------------------------ 11.3 additive


@checks.visible(
    "ch11.additive_attention",
    message="with W_q = W_k = [[1]] and w_v = [1], a query 0 against keys 1 and -1 scores tanh(1) "
    "and tanh(-1); with 1-d queries and keys of ones every key weighs the same",
)
def additive_small(student, rng):
    one = np.ones((1, 1))
    output, weights = pair(student.call("additive_attention", np.zeros((1, 1, 1)), np.array([[[1.0], [-1.0]]]),
                                        np.array([[[1.0], [0.0]]]), np.array([2]), one, one, np.ones(1)),
                           "additive_attention(...)")
    p = two_way_softmax(np.tanh(1.0), np.tanh(-1.0))
    expect_close(weights, [[[p, 1 - p]]], rtol=1e-5, atol=1e-7, what="the weights")
    expect_close(output, [[[p]]], rtol=1e-5, atol=1e-6, what="the output")
    queries, keys, values, valid = book_attention_inputs(rng, 3)
    W_q, W_k, w_v = rng.normal(size=(3, 5)), rng.normal(size=(2, 5)), rng.normal(size=5)
    output, _ = pair(student.call("additive_attention", queries, keys, values, valid, W_q, W_k, w_v),
                     "additive_attention on the book's test")
    expect_close(output, BOOK_OUTPUT, rtol=1e-5, atol=1e-5, what="the output on the book's test")


# ------------------------------------------------------ 11.5 heads


@checks.visible(
    "ch11.split_heads",
    message="split_heads(arange(24).reshape(2, 3, 4), 2) has shape (4, 3, 2); its row 1 is head 1 of "
    "example 0 (features 2-3), row 2 head 0 of example 1; merge_heads undoes it",
)
def split_heads_small(student, rng):
    X = np.arange(24, dtype="float32").reshape(2, 3, 4)
    split = expect_array(student.call("split_heads", X, 2), (4, 3, 2), "split_heads(X, 2)")
    expect_close(split[1], X[0, :, 2:4], what="split_heads(X, 2)[1] (example 0, head 1)")
    expect_close(split[2], X[1, :, 0:2], what="split_heads(X, 2)[2] (example 1, head 0)")
    expect_close(student.call("merge_heads", split, 2), X, what="merge_heads(split_heads(X, 2), 2)")


@checks.visible(
    "ch11.multihead",
    message="the book's test shape (2, 4, 100) with 5 heads; with W_q = W_k = 0 every valid key "
    "weighs the same, so the output is the mean of each example's valid values times W_v W_o",
)
def multihead_uniform(student, rng):
    X, Y = np.ones((2, 4, 100)), np.ones((2, 6, 100))
    W = [rng.normal(0, 0.1, size=(100, 100)) for _ in range(4)]
    got = student.call("multihead_attention", X, Y, Y, np.array([3, 2]), *W, 5)
    expect_array(got, (2, 4, 100), "multihead_attention on the book's test")
    values = rng.normal(size=(2, 5, 6))
    zeros = np.zeros((6, 8))
    W_v, W_o = rng.normal(size=(6, 8)), rng.normal(size=(8, 3))
    valid = np.array([2, 5])
    got = student.call("multihead_attention", rng.normal(size=(2, 3, 6)), values, values, valid,
                       zeros, zeros, W_v, W_o, 2)
    expected = np.stack([np.repeat(values[b, :n].mean(axis=0, keepdims=True), 3, axis=0)
                         for b, n in enumerate(valid)]) @ W_v @ W_o
    expect_close(got, expected, rtol=1e-4, atol=1e-5, what="the output with W_q = W_k = 0")


# ----------------------------------------------- 11.6 positional encoding


@checks.visible(
    "ch11.positional_encoding",
    message="positional_encoding(60, 32) is float32 of shape (60, 32) with the book's P[1, :4] = "
    "[0.841471, 0.540302, 0.533168, 0.846009] and P[59, 6:8] = [-0.87579, -0.482692]",
)
def positional_encoding_book(student, rng):
    P = expect_dtype(student.call("positional_encoding", 60, 32), "float32", "positional_encoding(60, 32)")
    expect_array(P, (60, 32), "positional_encoding(60, 32)")
    expect_close(P[1, :4], [0.841471, 0.540302, 0.533168, 0.846009], atol=2e-6, what="P[1, :4]")
    expect_close(P[59, 6:8], [-0.87579, -0.482692], atol=2e-6, what="P[59, 6:8]")


# ------------------------------------------------------ 11.7 layer norm


@checks.visible(
    "ch11.layer_norm",
    message="layer_norm([[1, 2], [2, 3]], ones, zeros) is [[-0.99998, 0.99998]] twice (each row "
    "normalized on its own, eps 1e-5), in float32",
)
def layer_norm_book(student, rng):
    X = np.array([[1.0, 2.0], [2.0, 3.0]], dtype="float32")
    got = expect_dtype(student.call("layer_norm", X, np.ones(2, "float32"), np.zeros(2, "float32")),
                       "float32", "layer_norm(...)")
    a = 0.5 / np.sqrt(0.25 + 1e-5)
    expect_close(got, [[-a, a], [-a, a]], rtol=1e-5, atol=1e-6, what="layer_norm([[1, 2], [2, 3]])")


# ------------------------------------------------------ 11.7 causal mask


@checks.visible(
    "ch11.causal_mask",
    message="decoder_mask([3, 1], 3) is the lower triangle (diagonal included) for example 0 and "
    "only key 0 for example 1, as booleans",
)
def causal_mask_small(student, rng):
    got = expect_array(student.call("decoder_mask", np.array([3, 1]), 3), (2, 3, 3), "decoder_mask([3, 1], 3)")
    expect_true(got.dtype == np.bool_, f"decoder_mask returns {got.dtype}; expected booleans")
    tri = np.tril(np.ones((3, 3), bool))
    expect_equal(got.tolist(), [tri.tolist(), [[True, False, False]] * 3], "decoder_mask([3, 1], 3)")


# --------------------------------------------------- 11.7 encoder block


def expect_encoder_block_structure(info, num_hiddens, num_heads, ffn, what):
    expect_equal(sorted(info.layer_classes()),
                 sorted(["InputLayer", "InputLayer", "MultiHeadAttention", "Add", "LayerNormalization",
                         "Dense", "Dense", "Add", "LayerNormalization"]), f"the layer classes of {what}")
    for layer in info.layers_built_on("LayerNormalization"):
        expect_true(abs(layer["config"]["epsilon"] - 1e-5) < 1e-12,
                    f"{layer['name']} has epsilon {layer['config']['epsilon']}; expected 1e-5")
    attention = info.layers_built_on("MultiHeadAttention")[0]["config"]
    expect_equal((attention["num_heads"], attention["key_dim"], attention["use_bias"]),
                 (num_heads, num_hiddens // num_heads, False), "(num_heads, key_dim, use_bias)")
    dense = [layer["config"] for layer in info.layers_built_on("Dense")]
    expect_equal(sorted((d["units"], d["activation"]) for d in dense),
                 sorted([(ffn, "relu"), (num_hiddens, "linear")]), "the FFN's (units, activation)")
    count = 4 * num_hiddens * num_hiddens + 2 * (2 * num_hiddens) + 2 * num_hiddens * ffn + ffn + num_hiddens
    expect_equal(info.count_params, count, f"the number of parameters of {what}")


@checks.visible(
    "ch11.encoder_block",
    message="build_encoder_block(5, 8, 2, 16) is a functional model with a bias-free "
    "MultiHeadAttention(2, key_dim=4), two Add + LayerNormalization(epsilon=1e-5), the FFN "
    "Dense(16, relu) -> Dense(8), 568 parameters and output shape (None, 5, 8)",
)
def encoder_block_structure(student, rng):
    info = expect_functional(student.model("build_encoder_block", 5, 8, 2, 16), "build_encoder_block(5, 8, 2, 16)")
    expect_encoder_block_structure(info, 8, 2, 16, "build_encoder_block(5, 8, 2, 16)")
    expect_equal(list(info.output_shape), [None, 5, 8], "the output shape")


# ------------------------------------------------------------ 11.8 ViT


@checks.visible(
    "ch11.patchify",
    message="patchify(arange(16).reshape(1, 4, 4, 1), 2) is [[0, 1, 4, 5], [2, 3, 6, 7], "
    "[8, 9, 12, 13], [10, 11, 14, 15]] (row-major patches, each row by row)",
)
def patchify_small(student, rng):
    images = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    got = expect_array(student.call("patchify", images, 2), (1, 4, 4), "patchify(images, 2)")
    expect_close(got[0], [[0, 1, 4, 5], [2, 3, 6, 7], [8, 9, 12, 13], [10, 11, 14, 15]],
                 what="patchify(arange(16).reshape(1, 4, 4, 1), 2)")



def expect_student_value_error(student, name, *args):
    """The student's function raises ValueError for these arguments."""
    expect_student_raises(student, "ValueError", name, *args)
