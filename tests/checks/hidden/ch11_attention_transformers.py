"""Hidden checks for chapter 11 (instructors only).

Each check runs the telling cases by name first (kernel boundaries and
queries out of reach, rows with no allowed key and rows at scales near
10^4 and -10^7, key and value sizes that differ, valid lengths 1 and m,
one head and as many heads as features, odd encoding widths, batch sizes
that differ from the feature count, images whose sides a patch does not
divide), then random draws from ``rng``. The references are NumPy in
float64; gradients come from torch autograd on the same references.
"""

import math

import numpy as np

from visible_checks import (
    ATTENTION_MODULE,
    KERAS_ATTENTION,
    expect_encoder_block_structure,
    expect_student_value_error,
    pair,
)
from workbook.grading import Checks, expect_close, expect_equal, expect_functional, tensor
from workbook.grading.expect import (
    expect_array,
    expect_dtype,
    expect_gradient,
    expect_sequence,
    expect_source_avoids,
    expect_true,
)

checks = Checks("ch11")


# --------------------------------------------------------------- references


def softmax(scores, mask=None):
    """Softmax over the last axis restricted to mask; rows with no allowed key are zeros."""
    scores = np.asarray(scores, dtype=np.float64)
    mask = np.ones(scores.shape, bool) if mask is None else np.asarray(mask, bool)
    masked = np.where(mask, scores, -np.inf)
    peak = masked.max(axis=-1, keepdims=True)
    e = np.where(mask, np.exp(masked - np.where(np.isfinite(peak), peak, 0)), 0.0)
    total = e.sum(axis=-1, keepdims=True)
    return e / np.where(total > 0, total, 1)


def key_mask(valid_lens, num_queries, num_keys):
    valid_lens = np.asarray(valid_lens).reshape(-1, 1, 1)
    return np.broadcast_to(np.arange(num_keys)[None, None, :] < valid_lens,
                           (len(valid_lens), num_queries, num_keys))


def attend(queries, keys, values, valid_lens=None):
    queries, keys, values = (np.asarray(x, np.float64) for x in (queries, keys, values))
    scores = queries @ keys.transpose(0, 2, 1) / math.sqrt(queries.shape[-1])
    mask = None if valid_lens is None else key_mask(valid_lens, queries.shape[1], keys.shape[1])
    weights = softmax(scores, mask)
    return weights @ values, weights


def nw_reference(x_train, y_train, x_query, kernel, sigma):
    u = (np.asarray(x_query, float)[:, None] - np.asarray(x_train, float)[None, :]) / sigma
    if kernel == "gaussian":
        weights = softmax(-u ** 2 / 2)
    else:
        k = {"boxcar": lambda: (np.abs(u) < 1).astype(float), "constant": lambda: np.ones_like(u),
             "epanechikov": lambda: np.maximum(1 - np.abs(u), 0)}[kernel]()
        total = k.sum(axis=1, keepdims=True)
        weights = np.where(total > 0, k / np.where(total > 0, total, 1), 1 / u.shape[1])
    return weights @ np.asarray(y_train, float), weights


def split(X, heads):
    batch, steps, hidden = X.shape
    return X.reshape(batch, steps, heads, hidden // heads).transpose(0, 2, 1, 3).reshape(
        batch * heads, steps, hidden // heads)


def merge(X, heads):
    rows, steps, depth = X.shape
    return X.reshape(rows // heads, heads, steps, depth).transpose(0, 2, 1, 3).reshape(
        rows // heads, steps, heads * depth)


def multihead_reference(queries, keys, values, valid_lens, W_q, W_k, W_v, W_o, heads):
    q, k, v = (split(np.asarray(x, float) @ W, heads) for x, W in ((queries, W_q), (keys, W_k), (values, W_v)))
    out, _ = attend(q, k, v, np.repeat(valid_lens, heads))
    return merge(out, heads) @ W_o


def pe_reference(max_len, d):
    P = np.zeros((max_len, d))
    angles = np.arange(max_len)[:, None] / 10000 ** (np.arange(0, d, 2) / d)
    P[:, 0::2] = np.sin(angles)
    P[:, 1::2] = np.cos(angles[:, : d // 2])
    return P


def layer_norm_reference(X, gamma, beta, eps):
    """torch, float64; X may be a leaf tensor that requires gradients."""
    import torch

    X = X if isinstance(X, torch.Tensor) else torch.as_tensor(np.asarray(X, np.float64))
    gamma, beta = (torch.as_tensor(np.asarray(a, np.float64)) for a in (gamma, beta))
    mean = X.mean(dim=-1, keepdim=True)
    var = ((X - mean) ** 2).mean(dim=-1, keepdim=True)
    return gamma * (X - mean) / torch.sqrt(var + eps) + beta


def patches_reference(images, p):
    batch, height, width, channels = images.shape
    rows, cols = height // p, width // p
    out = np.zeros((batch, rows * cols, p * p * channels))
    for r in range(rows):  # the slow, obvious loop: patch by patch
        for c in range(cols):
            out[:, r * cols + c] = images[:, r * p:(r + 1) * p, c * p:(c + 1) * p].reshape(batch, -1)
    return out


def random_lengths(rng, batch, m):
    """Valid lengths in [1, m] with both ends present."""
    lengths = rng.integers(1, m + 1, size=batch)
    lengths[0], lengths[-1] = 1, m
    return lengths


# ------------------------------------------------------- 11.2 Nadaraya-Watson


@checks.hidden(
    "ch11.nadaraya_watson",
    message="every kernel at widths 0.1, 0.2, 0.5, 1 and a random one on f(x) = 2 sin x + x with "
    "n = 40, the boxcar's strict |u| < 1 at |u| = 1 exactly, queries out of every key's reach "
    "(uniform weights) and Gaussian queries where every exp underflows",
)
def nadaraya_watson_kernels_and_widths(student, rng):
    x_train = np.sort(rng.uniform(0, 5, 40))
    y_train = 2 * np.sin(x_train) + x_train + rng.normal(size=40)
    x_query = np.concatenate([np.arange(0, 5, 0.1), [-30.0, 40.0]])  # two far from every key
    for kernel in ("gaussian", "boxcar", "constant", "epanechikov"):
        for sigma in (0.1, 0.2, 0.5, 1.0, float(rng.uniform(0.05, 2.0))):
            y_hat, weights = nw_reference(x_train, y_train, x_query, kernel, sigma)
            got = pair(student.call("nadaraya_watson", x_train, y_train, x_query, kernel, sigma),
                       f"nadaraya_watson(..., {kernel!r}, {sigma:.3g})")
            expect_close(got[1], weights, rtol=1e-5, atol=1e-8, what=f"the {kernel} weights, sigma={sigma:.3g}")
            expect_close(got[0], y_hat, rtol=1e-5, atol=1e-6, what=f"the {kernel} predictions, sigma={sigma:.3g}")
    y_hat, weights = nw_reference(x_train, y_train, x_query, "gaussian", 1.0)
    expect_close(pair(student.call("nadaraya_watson", x_train, y_train, x_query), "nadaraya_watson(x, y, q)")[0],
                 y_hat, rtol=1e-5, atol=1e-6, what="the defaults (a Gaussian of width 1)")
    grid = np.arange(6.0)  # keys exactly 1 * sigma away from an integer query
    sigma = float(rng.choice([0.5, 2.0]))
    for kernel in ("boxcar", "epanechikov"):
        y_hat, weights = nw_reference(grid * sigma, grid, np.array([2.0 * sigma]), kernel, sigma)
        got = pair(student.call("nadaraya_watson", grid * sigma, grid, np.array([2.0 * sigma]), kernel, sigma),
                   f"nadaraya_watson at |u| = 1 ({kernel})")
        expect_close(got[1], weights, atol=1e-9, what=f"the {kernel} weights where |u| is exactly 1")


@checks.hidden(
    "ch11.nadaraya_watson",
    message="nadaraya_watson raises ValueError for an unknown kernel and for sigma 0 or negative",
)
def nadaraya_watson_errors(student, rng):
    x = rng.uniform(0, 5, 6)
    expect_student_value_error(student, "nadaraya_watson", x, x, x, "triangle", 1.0)
    expect_student_value_error(student, "nadaraya_watson", x, x, x, "gaussian", 0.0)
    expect_student_value_error(student, "nadaraya_watson", x, x, x, "boxcar", -float(rng.uniform(0.1, 1)))


# ------------------------------------------------------- 11.3 masked softmax


def mixed_scale_scores(rng, rows, keys):
    """Rows near 0.01, 1, 10^4 and -10^7, where a masked key holds the row's largest score."""
    scales = np.array([0.01, 1.0, 1e4, 1e4, 1.0])[:, None]
    scores = rng.normal(size=(5, keys)) * scales
    scores[3] -= 1e7
    mask = rng.random((5, keys)) < 0.6
    mask[:, 0], mask[:, 1] = True, False
    scores[:, 1] = scores.max(axis=1) + np.abs(scores).max(axis=1) + 1  # a masked key above the rest
    extra = rng.normal(size=(rows, keys)) * 3
    extra_mask = rng.random((rows, keys)) < 0.5
    extra_mask[0] = False  # a row with no allowed key
    extra_mask[1] = False
    extra_mask[1, int(rng.integers(keys))] = True  # a row with exactly one
    return (np.vstack([scores, extra]).astype("float32"), np.vstack([mask, extra_mask]))


@checks.hidden(
    "ch11.masked_softmax",
    message="masked_softmax on rows at scales 0.01 to 10^4 and near -10^7, where a masked key holds "
    "the largest score, on rows with no allowed key (zeros) or only one, and on 3-d and 4-d inputs",
)
def masked_softmax_hidden(student, rng):
    keys = int(rng.integers(4, 9))
    scores, mask = mixed_scale_scores(rng, 4, keys)
    got = expect_dtype(student.call("masked_softmax", scores, mask), "float32", "masked_softmax(...)")
    expect_close(got, softmax(scores, mask), rtol=1e-5, atol=1e-6, what="masked_softmax on mixed scales")
    expect_true(np.all(got[~mask] == 0), "masked entries must be exactly 0")
    got = student.call("masked_softmax", scores[None], mask[None])  # the same rows as one 3-d batch
    expect_close(got, softmax(scores, mask)[None], rtol=1e-5, atol=1e-6,
                 what="masked_softmax on mixed scales in a 3-d input")
    for shape in ((2, 3, keys), (2, 2, 3, keys)):
        scores = rng.normal(size=shape).astype("float32") * 5
        mask = rng.random(shape) < 0.5
        mask.reshape(-1, keys)[0] = False
        expect_close(student.call("masked_softmax", scores, mask), softmax(scores, mask), rtol=1e-5, atol=1e-6,
                     what=f"masked_softmax on shape {shape}")


@checks.hidden(
    "ch11.masked_softmax",
    message="masked_softmax is differentiable keras.ops code: the gradient of sum(c * result) "
    "with respect to the scores matches the softmax's, 0 at masked keys and on empty rows",
)
def masked_softmax_gradient(student, rng):
    keys = int(rng.integers(3, 7))
    scores = rng.normal(size=(4, keys)).astype("float32") * 3
    mask = rng.random((4, keys)) < 0.6
    mask[0], mask[1, 0] = False, True
    cotangent = rng.normal(size=scores.shape)
    value, gradients = student.gradient("masked_softmax", tensor(scores, requires_grad=True), mask,
                                        cotangent=cotangent)
    p = softmax(scores, mask)
    expect_close(value, p, rtol=1e-5, atol=1e-6, what="masked_softmax of a tensor")
    expect_gradient(gradients[0], p * (cotangent - (p * cotangent).sum(axis=-1, keepdims=True)),
                    what="the gradient with respect to the scores")
    expect_source_avoids(student, "ch11.masked_softmax", ATTENTION_MODULE + ("Softmax",))


# ------------------------------------------------- 11.3 scaled dot product


def expect_attention(got, expected, what):
    output, weights = pair(got, what)
    expect_close(weights, expected[1], rtol=1e-4, atol=1e-6, what=f"the weights of {what}")
    expect_close(output, expected[0], rtol=1e-4, atol=1e-5, what=f"the output of {what}")


@checks.hidden(
    "ch11.scaled_dot_product",
    message="scaled_dot_product_attention for d = 1, 4 and 64 (where the 1/sqrt(d) matters most), "
    "values of another size than the keys, more keys than queries and fewer, valid lengths 1 and "
    "m, and without valid_lens",
)
def scaled_dot_product_hidden(student, rng):
    cases = [(1, 3, 5, 2), (4, 6, 2, 7), (64, 2, 9, 3), (int(rng.integers(2, 20)), int(rng.integers(1, 6)),
                                                        int(rng.integers(2, 8)), int(rng.integers(1, 6)))]
    for d, n, m, v in cases:
        batch = 3
        queries, keys, values = (rng.normal(size=(batch, t, w)) for t, w in ((n, d), (m, d), (m, v)))
        valid = random_lengths(rng, batch, m)
        expect_attention(student.call("scaled_dot_product_attention", queries, keys, values, valid),
                         attend(queries, keys, values, valid), f"attention with d={d}, n={n}, m={m}, v={v}")
    expect_attention(student.call("scaled_dot_product_attention", queries, keys, values),
                     attend(queries, keys, values), "attention without valid_lens")
    expect_source_avoids(student, "ch11.scaled_dot_product", KERAS_ATTENTION)


# ------------------------------------------------------ 11.3 additive


def additive_reference(queries, keys, values, valid_lens, W_q, W_k, w_v):
    features = np.tanh((queries @ W_q)[:, :, None, :] + (keys @ W_k)[:, None, :, :])
    weights = softmax(features @ w_v, key_mask(valid_lens, queries.shape[1], keys.shape[1]))
    return weights @ values, weights


@checks.hidden(
    "ch11.additive_attention",
    message="additive_attention with queries and keys of different sizes, hidden sizes 1 and more, "
    "large projections (tanh saturates), valid lengths 1 and m",
)
def additive_hidden(student, rng):
    for q_dim, k_dim, h, scale in ((3, 5, 1, 1.0), (5, 2, 4, 3.0), (int(rng.integers(1, 8)), int(rng.integers(1, 8)),
                                                                    int(rng.integers(1, 10)), 1.0)):
        batch, n, m = 3, int(rng.integers(1, 4)), int(rng.integers(2, 7))
        queries, keys, values = (rng.normal(size=(batch, t, w)) for t, w in ((n, q_dim), (m, k_dim), (m, 3)))
        W_q, W_k, w_v = rng.normal(size=(q_dim, h)) * scale, rng.normal(size=(k_dim, h)), rng.normal(size=h)
        valid = random_lengths(rng, batch, m)
        expect_attention(student.call("additive_attention", queries, keys, values, valid, W_q, W_k, w_v),
                         additive_reference(queries, keys, values, valid, W_q, W_k, w_v),
                         f"additive attention with q={q_dim}, k={k_dim}, h={h}")
    expect_source_avoids(student, "ch11.additive_attention", KERAS_ATTENTION)


# ------------------------------------------------------ 11.5 heads


@checks.hidden(
    "ch11.split_heads",
    message="split_heads / merge_heads for one head, as many heads as features, steps that differ "
    "from the head size and batches of 1 and more; ValueError when the heads do not divide H",
)
def split_heads_hidden(student, rng):
    cases = [(1, 3, 6, 1), (2, 5, 6, 6), (3, 2, 12, 3), (int(rng.integers(1, 5)), int(rng.integers(1, 6)), 8, 4)]
    for batch, steps, hidden, heads in cases:
        X = rng.normal(size=(batch, steps, hidden)).astype("float32")
        got = student.call("split_heads", X, heads)
        expect_close(got, split(X, heads), what=f"split_heads on {X.shape} with {heads} heads")
        expect_close(student.call("merge_heads", split(X, heads), heads), X,
                     what=f"merge_heads of {heads} heads back to {X.shape}")
    expect_student_value_error(student, "split_heads", rng.normal(size=(2, 3, 10)), 4)
    expect_source_avoids(student, "ch11.split_heads", ATTENTION_MODULE)


@checks.hidden(
    "ch11.multihead",
    message="multihead_attention against a NumPy reference for 1, 2 and 4 heads, queries, keys and "
    "values of three different sizes, an output size other than H, and different valid lengths "
    "per example (each example's length for all of its heads)",
)
def multihead_hidden(student, rng):
    for heads, hidden in ((1, 4), (2, 6), (4, 8), (int(rng.choice([2, 3])), 6)):
        batch, n, m = 3, int(rng.integers(1, 4)), int(rng.integers(3, 7))
        q_dim, k_dim, v_dim, out_dim = 3, 5, 2, int(rng.integers(2, 6))
        queries, keys, values = (rng.normal(size=(batch, t, w)) for t, w in ((n, q_dim), (m, k_dim), (m, v_dim)))
        W = [rng.normal(size=(w, hidden)) for w in (q_dim, k_dim, v_dim)] + [rng.normal(size=(hidden, out_dim))]
        valid = np.array([1, m, int(rng.integers(1, m + 1))])
        got = student.call("multihead_attention", queries, keys, values, valid, *W, heads)
        expect_close(got, multihead_reference(queries, keys, values, valid, *W, heads), rtol=1e-4, atol=1e-5,
                     what=f"multihead_attention with {heads} heads of size {hidden // heads}")
    expect_source_avoids(student, "ch11.multihead", KERAS_ATTENTION)


# ----------------------------------------------- 11.6 positional encoding


@checks.hidden(
    "ch11.positional_encoding",
    message="positional_encoding for odd and even widths (1, 2, 7 and random), one row and many, "
    "and the rotation property: rows i + delta are rows i rotated by delta * omega_j",
)
def positional_encoding_hidden(student, rng):
    for max_len, d in ((1, 4), (5, 1), (9, 2), (30, 7), (int(rng.integers(2, 80)), int(rng.integers(3, 65)))):
        P = expect_dtype(student.call("positional_encoding", max_len, d), "float32",
                         f"positional_encoding({max_len}, {d})")
        expect_close(expect_array(P, (max_len, d), f"positional_encoding({max_len}, {d})"), pe_reference(max_len, d),
                     atol=2e-6, what=f"positional_encoding({max_len}, {d})")
    d = 2 * int(rng.integers(4, 20))
    P = np.asarray(student.call("positional_encoding", 50, d), np.float64)
    j, i, delta = int(rng.integers(d // 2)), int(rng.integers(20)), int(rng.integers(1, 25))
    angle = delta / 10000 ** (2 * j / d)
    rotation = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    expect_close(rotation @ P[i, 2 * j:2 * j + 2], P[i + delta, 2 * j:2 * j + 2], atol=1e-5,
                 what=f"the rotation of columns {2 * j}, {2 * j + 1} from row {i} by {delta}")
    expect_source_avoids(student, "ch11.positional_encoding", ATTENTION_MODULE)


# ------------------------------------------------------ 11.7 layer norm


@checks.hidden(
    "ch11.layer_norm",
    message="layer_norm on 2-d inputs whose batch size differs from the width, on 3-d inputs, with "
    "random gamma, beta and eps (inside the square root, biased variance), float32, and the "
    "gradient with respect to X through torch autograd",
)
def layer_norm_hidden(student, rng):
    import torch

    for shape in ((2, 5), (6, 3), (2, 4, int(rng.integers(2, 9))), (1, 3, 2)):
        X = (rng.normal(size=shape) * rng.uniform(0.01, 3.0) + rng.normal()).astype("float32")
        gamma, beta = rng.normal(size=shape[-1]).astype("float32"), rng.normal(size=shape[-1]).astype("float32")
        eps = float(rng.choice([1e-5, 1e-3, 0.1]))
        got = expect_dtype(student.call("layer_norm", X, gamma, beta, eps), "float32", "layer_norm(...)")
        expect_close(got, layer_norm_reference(X, gamma, beta, eps).numpy(), rtol=1e-4, atol=1e-4,
                     what=f"layer_norm on shape {shape} with eps={eps}")
    X = (rng.normal(size=(4, 6)) * 1e-3).astype("float32")  # a variance where eps matters
    gamma, beta = np.ones(6, "float32"), np.zeros(6, "float32")
    expect_close(student.call("layer_norm", X, gamma, beta), layer_norm_reference(X, gamma, beta, 1e-5).numpy(),
                 rtol=1e-4, atol=1e-4, what="layer_norm with the default eps on features of spread 0.001")
    X = rng.normal(size=(3, 4, 5)).astype("float32")
    gamma, beta = rng.normal(size=5).astype("float32"), rng.normal(size=5).astype("float32")
    cotangent = rng.normal(size=X.shape)
    value, gradients = expect_sequence(student.gradient("layer_norm", tensor(X, requires_grad=True), gamma, beta,
                                                        cotangent=cotangent), 2, "layer_norm(tensor)")
    leaf = torch.tensor(X.astype(np.float64), requires_grad=True)
    out = layer_norm_reference(leaf, gamma, beta, 1e-5)
    (grad,) = torch.autograd.grad((out * torch.as_tensor(cotangent)).sum(), [leaf])
    expect_close(value, out.detach().numpy(), rtol=1e-4, atol=1e-4, what="layer_norm of a tensor")
    expect_gradient(gradients[0], grad.numpy(), rtol=1e-3, atol=1e-4, what="the gradient with respect to X")
    expect_source_avoids(student, "ch11.layer_norm", ATTENTION_MODULE + ("LayerNormalization",))


# ------------------------------------------------------ 11.7 causal mask


@checks.hidden(
    "ch11.causal_mask",
    message="decoder_mask for valid lengths 1 and num_steps, one step and many, batches of 1 and more",
)
def causal_mask_hidden(student, rng):
    steps = int(rng.integers(2, 9))
    cases = [(np.array([1]), 1), (np.array([steps, 1, steps]), steps),
             (rng.integers(1, steps + 1, size=int(rng.integers(1, 5))), steps)]
    for valid, T in cases:
        got = expect_array(student.call("decoder_mask", valid, T), (len(valid), T, T), f"decoder_mask({valid}, {T})")
        expect_true(got.dtype == np.bool_, f"decoder_mask returns {got.dtype}; expected booleans")
        expected = np.tril(np.ones((T, T), bool))[None] & key_mask(valid, T, T)
        expect_equal(got.tolist(), expected.tolist(), f"decoder_mask({valid.tolist()}, {T})")


# --------------------------------------------------- 11.7 encoder block


def encoder_block_weights(rng, H, heads, ffn):
    d = H // heads
    return [rng.normal(0, 0.5, size=(H, heads, d)) for _ in range(3)] + [
        rng.normal(0, 0.5, size=(heads, d, H)), rng.uniform(0.5, 1.5, H), rng.normal(0, 0.1, H),
        rng.normal(0, 0.5, size=(H, ffn)), rng.normal(0, 0.1, ffn), rng.normal(0, 0.5, size=(ffn, H)),
        rng.normal(0, 0.1, H), rng.uniform(0.5, 1.5, H), rng.normal(0, 0.1, H)]


def encoder_block_reference(X, mask, weights, heads, eps=1e-5):
    Wq, Wk, Wv, Wo, g1, b1, W1, c1, W2, c2, g2, b2 = weights
    H = X.shape[-1]
    d = H // heads

    def ln(Z, g, b):
        mean = Z.mean(-1, keepdims=True)
        return g * (Z - mean) / np.sqrt(((Z - mean) ** 2).mean(-1, keepdims=True) + eps) + b

    q, k, v = (np.einsum("btf,fhd->bhtd", X, W) for W in (Wq, Wk, Wv))
    scores = np.einsum("bhqd,bhkd->bhqk", q, k) / math.sqrt(d)
    weights_ = softmax(scores, np.broadcast_to(mask[:, None], scores.shape))
    attended = np.einsum("bhqk,bhkd,hdf->bqf", weights_, v, Wo)
    Y = ln(X + attended, g1, b1)
    return ln(Y + np.maximum(Y @ W1 + c1, 0) @ W2 + c2, g2, b2)


@checks.hidden(
    "ch11.encoder_block",
    message="build_encoder_block with given weights (in the order attention query, key, value, output "
    "kernels, norm 1, FFN, norm 2) computes the post-norm block with the padding mask, for 1 and "
    "more heads; padded keys do not change the outputs",
)
def encoder_block_outputs(student, rng):
    for steps, H, heads, ffn in ((4, 6, 1, 5), (5, 8, 2, 16), (int(rng.integers(2, 7)), 12, int(rng.choice([3, 4])), 7)):
        batch = 3
        weights = encoder_block_weights(rng, H, heads, ffn)
        X = rng.normal(size=(batch, steps, H)).astype("float32")
        valid = random_lengths(rng, batch, steps)
        mask = key_mask(valid, steps, steps).copy()
        call = f"build_encoder_block({steps}, {H}, {heads}, {ffn})"
        info = expect_functional(student.model("build_encoder_block", steps, H, heads, ffn, inputs=[X, mask],
                                               set_weights=weights), call)
        expect_encoder_block_structure(info, H, heads, ffn, call)
        expect_close(info.outputs, encoder_block_reference(X.astype(float), mask, weights, heads), rtol=1e-4,
                     atol=1e-4, what=f"the outputs of {call}")


# ------------------------------------------------------------ 11.8 ViT


@checks.hidden(
    "ch11.patchify",
    message="patchify on non-square images with 1 and 3 channels, sides a patch does not divide "
    "(the remainder dropped), patches of 1 pixel and of the whole image, and equal to a Conv2D with "
    "kernel and stride p on the flattened kernel",
)
def patchify_hidden(student, rng):
    cases = [(2, 6, 4, 1, 2), (1, 5, 7, 3, 2), (2, 3, 3, 2, 1), (1, 4, 4, 3, 4),
             (2, int(rng.integers(4, 12)), int(rng.integers(4, 12)), int(rng.choice([1, 3])), int(rng.integers(2, 4)))]
    for batch, height, width, channels, p in cases:
        images = rng.normal(size=(batch, height, width, channels)).astype("float32")
        expected = patches_reference(images, p)
        got = expect_array(student.call("patchify", images, p), expected.shape, f"patchify on {images.shape}, p={p}")
        expect_close(got, expected, what=f"patchify on {images.shape} with p={p}")
    kernel = rng.normal(size=(p, p, channels, 5))
    conv = np.einsum("bhpwqc,pqco->bhwo", images[:, :height // p * p, :width // p * p].reshape(
        batch, height // p, p, width // p, p, channels), kernel).reshape(batch, -1, 5)
    expect_close(np.asarray(got) @ kernel.reshape(-1, 5), conv, rtol=1e-4, atol=1e-4,
                 what="patchify(images, p) @ kernel.reshape(-1, d) against the strided convolution")
    expect_source_avoids(student, "ch11.patchify", ATTENTION_MODULE + ("patch_embedding",))
