"""Plausible wrong answers for chapter 11; each must fail the checks it names.

Most are the reference solution with one edit (``mutant``), so they stay in
step with it; the rest are whole answers a student might write.
"""

from exercise_harness import mutant


def _wrong(exercise, why, rejected_by, source, **extra):
    return dict(exercise=exercise, why=why, rejected_by=rejected_by, source=source, **extra)


NW, MS, SDP, ADD = "ch11.nadaraya_watson", "ch11.masked_softmax", "ch11.scaled_dot_product", "ch11.additive_attention"
HEADS, MHA, PE, LN = "ch11.split_heads", "ch11.multihead", "ch11.positional_encoding", "ch11.layer_norm"
CAUSAL, BLOCK, PATCH = "ch11.causal_mask", "ch11.encoder_block", "ch11.patchify"

_NW_ALL = ["nadaraya_watson_small", "nadaraya_watson_kernels_and_widths"]
_MS_ALL = ["masked_softmax_small", "masked_softmax_hidden", "masked_softmax_gradient"]
_SDP_ALL = ["scaled_dot_product_small", "scaled_dot_product_hidden"]

WRONG_ANSWERS = [
    # ------------------------------------------------------ Nadaraya-Watson
    _wrong(NW, "the book's version: exp(-u^2/2) normalized directly (0/0 far from every key) and no "
           "rule for a query without keys in reach", _NW_ALL, '''
def nadaraya_watson(x_train, y_train, x_query, kernel="gaussian", sigma=1.0):
    if sigma <= 0 or kernel not in ("gaussian", "boxcar", "constant", "epanechikov"):
        raise ValueError("bad arguments")
    u = (np.asarray(x_query)[:, None] - np.asarray(x_train)[None, :]) / sigma
    k = {"gaussian": np.exp(-u ** 2 / 2), "boxcar": (np.abs(u) < 1).astype(float),
         "constant": np.ones_like(u), "epanechikov": np.maximum(1 - np.abs(u), 0)}[kernel]
    weights = k / k.sum(axis=1, keepdims=True)
    return weights @ np.asarray(y_train), weights
'''),
    _wrong(NW, "boxcar with |u| <= 1", ["nadaraya_watson_kernels_and_widths"],
           mutant(NW, "k = (np.abs(u) < 1).astype(float)", "k = (np.abs(u) <= 1).astype(float)")),
    _wrong(NW, "the Gaussian without the 1/2: exp(-u^2)", ["nadaraya_watson_kernels_and_widths"],
           mutant(NW, "scores = -u ** 2 / 2", "scores = -u ** 2")),
    _wrong(NW, "ignores sigma", ["nadaraya_watson_kernels_and_widths"],
           mutant(NW, "x_train[None, :]) / sigma", "x_train[None, :])")),
    _wrong(NW, "weights normalized over the queries instead of the keys", _NW_ALL,
           mutant(NW, "total = k.sum(axis=1, keepdims=True)", "total = k.sum(axis=0, keepdims=True)")),
    _wrong(NW, "no ValueError for bad arguments", ["nadaraya_watson_errors"],
           mutant(NW, '''    else:
        raise ValueError(f"unknown kernel {kernel!r}")''', '''    else:
        k = np.ones_like(u)''').replace('''    if sigma <= 0:
        raise ValueError(f"sigma must be positive, got {sigma}")''', "    sigma = abs(sigma) or 1.0")),
    # ------------------------------------------------------- masked softmax
    _wrong(MS, "lets masked positions leak weight: masked scores set to 0, not removed", _MS_ALL, '''
def masked_softmax(scores, mask):
    scores = ops.convert_to_tensor(scores)
    return ops.softmax(ops.where(ops.convert_to_tensor(mask), scores, 0.0), axis=-1)
'''),
    _wrong(MS, "softmax of every score, then masked entries zeroed without renormalizing", _MS_ALL, '''
def masked_softmax(scores, mask):
    scores = ops.convert_to_tensor(scores)
    return ops.softmax(scores, axis=-1) * ops.cast(ops.convert_to_tensor(mask), scores.dtype)
'''),
    _wrong(MS, "the book's -1e6 fill: uniform rows without keys, and a leak next to scores near -1e7", _MS_ALL, '''
def masked_softmax(scores, mask):
    scores = ops.convert_to_tensor(scores)
    return ops.softmax(ops.where(ops.convert_to_tensor(mask), scores, -1e6), axis=-1)
'''),
    _wrong(MS, "shifts by the largest score of the row, masked keys included (0/0 when a masked key "
           "dominates)", ["masked_softmax_hidden"],
           mutant(MS, "peak = ops.max(ops.where(mask, scores, lowest), axis=-1, keepdims=True)",
                  "peak = ops.max(scores, axis=-1, keepdims=True)")),
    _wrong(MS, "NumPy in float64: no gradient, wrong dtype", _MS_ALL, '''
def masked_softmax(scores, mask):
    scores, mask = np.asarray(scores, dtype=np.float64), np.asarray(mask)
    peak = np.where(mask, scores, -np.inf).max(axis=-1, keepdims=True)
    e = np.where(mask, np.exp(scores - np.where(np.isfinite(peak), peak, 0)), 0.0)
    total = e.sum(axis=-1, keepdims=True)
    return e / np.where(total > 0, total, 1)
'''),
    _wrong(MS, "Keras' Softmax layer with the mask (the exercise is to write it)", ["masked_softmax_gradient"], '''
def masked_softmax(scores, mask):
    return keras.layers.Softmax()(ops.convert_to_tensor(scores), mask=ops.convert_to_tensor(mask))
'''),
    # ------------------------------------------------- scaled dot product
    _wrong(SDP, "attention without the 1/sqrt(d) scaling", _SDP_ALL,
           mutant(SDP, " / math.sqrt(d)", "")),
    _wrong(SDP, "scaled by sqrt of the value size", _SDP_ALL,
           mutant(SDP, "d = ops.shape(queries)[-1]", "d = ops.shape(values)[-1]")),
    _wrong(SDP, "scaled by d instead of sqrt(d)", ["scaled_dot_product_hidden"],
           mutant(SDP, " / math.sqrt(d)", " / d")),
    _wrong(SDP, "valid length off by one (<=)", _SDP_ALL,
           mutant(SDP, "mask = positions[None, None, :] < ops.reshape", "mask = positions[None, None, :] <= ops.reshape")),
    _wrong(SDP, "softmax over the queries", _SDP_ALL,
           mutant(SDP, "weights = ops.softmax(scores, axis=-1)", "weights = ops.softmax(scores, axis=1)")),
    # ------------------------------------------------------------ additive
    _wrong(ADD, "relu instead of tanh", ["additive_small", "additive_hidden"],
           mutant(ADD, "features = ops.tanh(", "features = ops.relu(")),
    _wrong(ADD, "w_v ignored: the features summed", ["additive_hidden"],
           mutant(ADD, "scores = ops.sum(features * w_v, axis=-1)", "scores = ops.sum(features, axis=-1)")),
    _wrong(ADD, "no masking", ["additive_small", "additive_hidden"],
           mutant(ADD, 'ops.where(mask, scores, float("-inf"))', "scores")),
    # -------------------------------------------------------------- heads
    _wrong(HEADS, "heads split along the wrong axis: a plain reshape without the transpose",
           ["split_heads_small", "split_heads_hidden"],
           mutant(HEADS, "return ops.reshape(ops.transpose(X, (0, 2, 1, 3)), (batch * num_heads, steps, hidden // num_heads))",
                  "return ops.reshape(X, (batch * num_heads, steps, hidden // num_heads))")),
    _wrong(HEADS, "head-major order: row i * B + b instead of b * heads + i",
           ["split_heads_small", "split_heads_hidden"],
           mutant(HEADS, "ops.transpose(X, (0, 2, 1, 3)), (batch * num_heads", "ops.transpose(X, (2, 0, 1, 3)), (batch * num_heads")),
    _wrong(HEADS, "no ValueError when the heads do not divide the features", ["split_heads_hidden"],
           mutant(HEADS, '''    if hidden % num_heads:
        raise ValueError(f"{hidden} features do not split into {num_heads} heads")
''', "")),
    # ----------------------------------------------------------- multihead
    _wrong(MHA, "heads split along the wrong axis", ["multihead_uniform", "multihead_hidden"],
           mutant(MHA, "return ops.reshape(ops.transpose(X, (0, 2, 1, 3)), (batch * num_heads, steps, hidden // num_heads))",
                  "return ops.reshape(X, (batch * num_heads, steps, hidden // num_heads))")),
    _wrong(MHA, "valid lengths tiled, not repeated per example", ["multihead_uniform", "multihead_hidden"],
           mutant(MHA, "ops.repeat(ops.convert_to_tensor(valid_lens), num_heads, axis=0)",
                  "ops.tile(ops.convert_to_tensor(valid_lens), (num_heads,))")),
    _wrong(MHA, "scaled by sqrt(H), the full width, not the head size", ["multihead_hidden"],
           mutant(MHA, "/ math.sqrt(q.shape[-1])", "/ math.sqrt(q.shape[-1] * num_heads)")),
    _wrong(MHA, "W_o forgotten", ["multihead_hidden"],
           mutant(MHA, '''    return ops.matmul(ops.reshape(heads, (rows // num_heads, steps, num_heads * depth)),
                      ops.convert_to_tensor(W_o))''', "    return ops.reshape(heads, (rows // num_heads, steps, num_heads * depth))")),
    # -------------------------------------------------- positional encoding
    _wrong(PE, "sin and cos swapped", ["positional_encoding_book", "positional_encoding_hidden"],
           mutant(PE, "P[:, 0::2] = np.sin(angles)", "P[:, 0::2] = np.cos(angles)").replace(
               "P[:, 1::2] = np.cos(", "P[:, 1::2] = np.sin(")),
    _wrong(PE, "exponent j/d instead of 2j/d", ["positional_encoding_book", "positional_encoding_hidden"],
           mutant(PE, "np.arange(0, num_hiddens, 2) / num_hiddens", "np.arange((num_hiddens + 1) // 2) / num_hiddens")),
    _wrong(PE, "float64", ["positional_encoding_book", "positional_encoding_hidden"],
           mutant(PE, "return P.astype(np.float32)", "return P")),
    _wrong(PE, "the book's slicing, which breaks for odd widths", ["positional_encoding_hidden"],
           mutant(PE, "np.cos(angles[:, : num_hiddens // 2])", "np.cos(angles)")),
    # ---------------------------------------------------------- layer norm
    _wrong(LN, "a layer norm over the batch axis", ["layer_norm_book", "layer_norm_hidden"],
           mutant(LN, "mean = ops.mean(X, axis=-1, keepdims=True)", "mean = ops.mean(X, axis=0, keepdims=True)")
           .replace("ops.square(X - mean), axis=-1", "ops.square(X - mean), axis=0")),
    _wrong(LN, "unbiased variance", ["layer_norm_book", "layer_norm_hidden"],
           mutant(LN, "var = ops.mean(ops.square(X - mean), axis=-1, keepdims=True)",
                  "var = ops.sum(ops.square(X - mean), axis=-1, keepdims=True) / (X.shape[-1] - 1)")),
    _wrong(LN, "eps added outside the square root", ["layer_norm_hidden"],
           mutant(LN, "/ ops.sqrt(var + eps)", "/ (ops.sqrt(var) + eps)")),
    _wrong(LN, "NumPy: no gradient", ["layer_norm_hidden"], '''
def layer_norm(X, gamma, beta, eps=1e-5):
    X = np.asarray(X)
    mean = X.mean(axis=-1, keepdims=True)
    return (gamma * (X - mean) / np.sqrt(X.var(axis=-1, keepdims=True) + eps) + beta).astype(np.float32)
'''),
    # --------------------------------------------------------- causal mask
    _wrong(CAUSAL, "causal mask off by one: a position may not see itself", ["causal_mask_small", "causal_mask_hidden"],
           mutant(CAUSAL, "causal = steps[None, :] <= steps[:, None]", "causal = steps[None, :] < steps[:, None]")),
    _wrong(CAUSAL, "transposed: a position sees the future", ["causal_mask_small", "causal_mask_hidden"],
           mutant(CAUSAL, "causal = steps[None, :] <= steps[:, None]", "causal = steps[None, :] >= steps[:, None]")),
    _wrong(CAUSAL, "padding ignored", ["causal_mask_small", "causal_mask_hidden"],
           mutant(CAUSAL, "return causal[None] & real", "return np.repeat(causal[None], len(real), axis=0)")),
    _wrong(CAUSAL, "the valid length applied to the queries", ["causal_mask_small", "causal_mask_hidden"],
           mutant(CAUSAL, "real = steps[None, None, :] < np.asarray(valid_lens).reshape(-1, 1, 1)",
                  "real = steps[None, :, None] < np.asarray(valid_lens).reshape(-1, 1, 1)")),
    _wrong(CAUSAL, "0/1 integers instead of booleans", ["causal_mask_small", "causal_mask_hidden"],
           mutant(CAUSAL, "return causal[None] & real", "return (causal[None] & real).astype(int)")),
    # ------------------------------------------------------- encoder block
    _wrong(BLOCK, "Keras' default LayerNormalization epsilon 1e-3", ["encoder_block_structure", "encoder_block_outputs"],
           mutant(BLOCK, "out = keras.layers.LayerNormalization(epsilon=1e-5)", "out = keras.layers.LayerNormalization()")),
    _wrong(BLOCK, "the mask is not passed to the attention", ["encoder_block_outputs"],
           mutant(BLOCK, "(X, X, attention_mask=mask)", "(X, X)")),
    _wrong(BLOCK, "pre-norm (ViT style) instead of the book's post-norm", ["encoder_block_outputs"], '''
def build_encoder_block(num_steps, num_hiddens, num_heads, ffn_num_hiddens):
    X = keras.Input((num_steps, num_hiddens))
    mask = keras.Input((num_steps, num_steps), dtype="bool")
    normed = keras.layers.LayerNormalization(epsilon=1e-5)(X)
    attended = keras.layers.MultiHeadAttention(num_heads, key_dim=num_hiddens // num_heads,
                                               use_bias=False)(normed, normed, attention_mask=mask)
    Y = keras.layers.Add()([X, attended])
    normed = keras.layers.LayerNormalization(epsilon=1e-5)(Y)
    ffn = keras.layers.Dense(num_hiddens)(keras.layers.Dense(ffn_num_hiddens, activation="relu")(normed))
    return keras.Model([X, mask], keras.layers.Add()([Y, ffn]))
'''),
    _wrong(BLOCK, "attention with biases", ["encoder_block_structure", "encoder_block_outputs"],
           mutant(BLOCK, "use_bias=False)", "use_bias=True)")),
    _wrong(BLOCK, "FFN without the ReLU", ["encoder_block_structure", "encoder_block_outputs"],
           mutant(BLOCK, 'Dense(ffn_num_hiddens, activation="relu")', "Dense(ffn_num_hiddens)")),
    _wrong(BLOCK, "no residual around the FFN", ["encoder_block_outputs"],
           mutant(BLOCK, "keras.layers.Add()([Y, ffn])", "keras.layers.Add()([ffn, ffn])")),
    # ------------------------------------------------------------- patchify
    _wrong(PATCH, "patches in column-major order", ["patchify_small", "patchify_hidden"],
           mutant(PATCH, "x.transpose(0, 1, 3, 2, 4, 5)", "x.transpose(0, 3, 1, 2, 4, 5)")),
    _wrong(PATCH, "a reshape without the transpose (rows of different patches mixed)", ["patchify_small", "patchify_hidden"],
           mutant(PATCH, "x.transpose(0, 1, 3, 2, 4, 5).reshape", "x.reshape")),
    _wrong(PATCH, "each patch flattened channels first", ["patchify_hidden"],
           mutant(PATCH, "x.transpose(0, 1, 3, 2, 4, 5)", "x.transpose(0, 1, 3, 5, 2, 4)")),
    _wrong(PATCH, "the remainder not dropped", ["patchify_hidden"],
           mutant(PATCH, "x = images[:, :rows * p, :cols * p].reshape", "x = images.reshape")),
]
