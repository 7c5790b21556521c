# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Solutions: 11. Attention Mechanisms and Transformers

# %% tags=["exercise"] exercise="ch11.nadaraya_watson"
# exercise: ch11.nadaraya_watson
def nadaraya_watson(x_train, y_train, x_query, kernel="gaussian", sigma=1.0):
    """(predictions, attention weights) of kernel regression with width sigma."""
    if sigma <= 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    x_train, y_train = np.asarray(x_train, float), np.asarray(y_train, float)
    u = (np.asarray(x_query, float)[:, None] - x_train[None, :]) / sigma
    if kernel == "gaussian":  # a softmax of -u^2/2: exact even where every exp underflows
        scores = -u ** 2 / 2
        k = np.exp(scores - scores.max(axis=1, keepdims=True))
    elif kernel == "boxcar":
        k = (np.abs(u) < 1).astype(float)
    elif kernel == "constant":
        k = np.ones_like(u)
    elif kernel == "epanechikov":
        k = np.maximum(1 - np.abs(u), 0)
    else:
        raise ValueError(f"unknown kernel {kernel!r}")
    total = k.sum(axis=1, keepdims=True)
    weights = np.where(total > 0, k / np.where(total > 0, total, 1), 1 / len(x_train))
    return weights @ y_train, weights


# %% tags=["exercise"] exercise="ch11.masked_softmax"
# exercise: ch11.masked_softmax
def masked_softmax(scores, mask):
    """The softmax over the last axis restricted to mask; all-masked rows are zeros."""
    scores = ops.convert_to_tensor(scores)
    mask = ops.convert_to_tensor(mask, dtype="bool")
    lowest = ops.min(scores, axis=-1, keepdims=True)
    # the largest allowed score of each row; masked scores never enter exp
    peak = ops.max(ops.where(mask, scores, lowest), axis=-1, keepdims=True)
    shifted = ops.where(mask, scores - peak, ops.zeros_like(scores))
    e = ops.where(mask, ops.exp(shifted), ops.zeros_like(scores))
    total = ops.sum(e, axis=-1, keepdims=True)
    return e / ops.where(total > 0, total, ops.ones_like(total))


# %% tags=["exercise"] exercise="ch11.scaled_dot_product"
# exercise: ch11.scaled_dot_product
def scaled_dot_product_attention(queries, keys, values, valid_lens=None):
    """(softmax(Q K^T / sqrt(d)) V, the weights), keys beyond valid_lens masked."""
    queries, keys, values = (ops.convert_to_tensor(x) for x in (queries, keys, values))
    d = ops.shape(queries)[-1]
    scores = ops.matmul(queries, ops.swapaxes(keys, 1, 2)) / math.sqrt(d)
    if valid_lens is not None:
        positions = ops.arange(ops.shape(keys)[1])
        mask = positions[None, None, :] < ops.reshape(ops.convert_to_tensor(valid_lens), (-1, 1, 1))
        scores = ops.where(mask, scores, float("-inf"))
    weights = ops.softmax(scores, axis=-1)
    return ops.matmul(weights, values), weights


# %% tags=["exercise"] exercise="ch11.additive_attention"
# exercise: ch11.additive_attention
def additive_attention(queries, keys, values, valid_lens, W_q, W_k, w_v):
    """(output, weights) of additive attention with the given projections."""
    queries, keys, values, W_q, W_k, w_v = (ops.convert_to_tensor(x) for x in
                                            (queries, keys, values, W_q, W_k, w_v))
    features = ops.tanh(ops.expand_dims(ops.matmul(queries, W_q), 2)
                        + ops.expand_dims(ops.matmul(keys, W_k), 1))
    scores = ops.sum(features * w_v, axis=-1)
    positions = ops.arange(ops.shape(keys)[1])
    mask = positions[None, None, :] < ops.reshape(ops.convert_to_tensor(valid_lens), (-1, 1, 1))
    weights = ops.softmax(ops.where(mask, scores, float("-inf")), axis=-1)
    return ops.matmul(weights, values), weights


# %% tags=["exercise"] exercise="ch11.split_heads"
# exercise: ch11.split_heads
def split_heads(X, num_heads):
    """(B, T, H) -> (B * num_heads, T, H / num_heads), heads of one example adjacent."""
    X = ops.convert_to_tensor(X)
    batch, steps, hidden = X.shape
    if hidden % num_heads:
        raise ValueError(f"{hidden} features do not split into {num_heads} heads")
    X = ops.reshape(X, (batch, steps, num_heads, hidden // num_heads))
    return ops.reshape(ops.transpose(X, (0, 2, 1, 3)), (batch * num_heads, steps, hidden // num_heads))


def merge_heads(X, num_heads):
    """The inverse of split_heads."""
    X = ops.convert_to_tensor(X)
    rows, steps, depth = X.shape
    X = ops.reshape(X, (rows // num_heads, num_heads, steps, depth))
    return ops.reshape(ops.transpose(X, (0, 2, 1, 3)), (rows // num_heads, steps, num_heads * depth))


# %% tags=["exercise"] exercise="ch11.multihead"
# exercise: ch11.multihead
def multihead_attention(queries, keys, values, valid_lens, W_q, W_k, W_v, W_o, num_heads):
    """The book's multi-head attention with the given (bias-free) kernels."""
    def split(X):
        batch, steps, hidden = X.shape
        X = ops.reshape(X, (batch, steps, num_heads, hidden // num_heads))
        return ops.reshape(ops.transpose(X, (0, 2, 1, 3)), (batch * num_heads, steps, hidden // num_heads))

    q, k, v = (split(ops.matmul(ops.convert_to_tensor(x), ops.convert_to_tensor(W)))
               for x, W in ((queries, W_q), (keys, W_k), (values, W_v)))
    scores = ops.matmul(q, ops.swapaxes(k, 1, 2)) / math.sqrt(q.shape[-1])
    lengths = ops.repeat(ops.convert_to_tensor(valid_lens), num_heads, axis=0)
    mask = ops.arange(k.shape[1])[None, None, :] < ops.reshape(lengths, (-1, 1, 1))
    heads = ops.matmul(ops.softmax(ops.where(mask, scores, float("-inf")), axis=-1), v)
    rows, steps, depth = heads.shape
    heads = ops.transpose(ops.reshape(heads, (rows // num_heads, num_heads, steps, depth)), (0, 2, 1, 3))
    return ops.matmul(ops.reshape(heads, (rows // num_heads, steps, num_heads * depth)),
                      ops.convert_to_tensor(W_o))


# %% tags=["exercise"] exercise="ch11.positional_encoding"
# exercise: ch11.positional_encoding
def positional_encoding(max_len, num_hiddens):
    """The (max_len, num_hiddens) float32 sinusoidal encoding."""
    angles = np.arange(max_len)[:, None] / np.power(10000.0, np.arange(0, num_hiddens, 2) / num_hiddens)
    P = np.zeros((max_len, num_hiddens))
    P[:, 0::2] = np.sin(angles)
    P[:, 1::2] = np.cos(angles[:, : num_hiddens // 2])
    return P.astype(np.float32)


# %% tags=["exercise"] exercise="ch11.layer_norm"
# exercise: ch11.layer_norm
def layer_norm(X, gamma, beta, eps=1e-5):
    """Layer normalization over the last axis."""
    X = ops.convert_to_tensor(X)
    mean = ops.mean(X, axis=-1, keepdims=True)
    var = ops.mean(ops.square(X - mean), axis=-1, keepdims=True)
    return ops.cast(gamma, X.dtype) * (X - mean) / ops.sqrt(var + eps) + ops.cast(beta, X.dtype)


# %% tags=["exercise"] exercise="ch11.causal_mask"
# exercise: ch11.causal_mask
def decoder_mask(valid_lens, num_steps):
    """(B, T, T) booleans: causal and not padding."""
    steps = np.arange(num_steps)
    causal = steps[None, :] <= steps[:, None]
    real = steps[None, None, :] < np.asarray(valid_lens).reshape(-1, 1, 1)
    return causal[None] & real


# %% tags=["exercise"] exercise="ch11.encoder_block"
# exercise: ch11.encoder_block
def build_encoder_block(num_steps, num_hiddens, num_heads, ffn_num_hiddens):
    """[X, mask] -> the post-norm Transformer encoder block."""
    X = keras.Input((num_steps, num_hiddens))
    mask = keras.Input((num_steps, num_steps), dtype="bool")
    attended = keras.layers.MultiHeadAttention(num_heads, key_dim=num_hiddens // num_heads,
                                               use_bias=False)(X, X, attention_mask=mask)
    Y = keras.layers.LayerNormalization(epsilon=1e-5)(keras.layers.Add()([X, attended]))
    ffn = keras.layers.Dense(num_hiddens)(keras.layers.Dense(ffn_num_hiddens, activation="relu")(Y))
    out = keras.layers.LayerNormalization(epsilon=1e-5)(keras.layers.Add()([Y, ffn]))
    return keras.Model([X, mask], out)


# %% tags=["exercise"] exercise="ch11.patchify"
# exercise: ch11.patchify
def patchify(images, patch_size):
    """(B, H, W, C) -> (B, patches, p * p * C) in row-major patch order."""
    images = np.asarray(images)
    batch, height, width, channels = images.shape
    p = patch_size
    rows, cols = height // p, width // p
    x = images[:, :rows * p, :cols * p].reshape(batch, rows, p, cols, p, channels)
    return x.transpose(0, 1, 3, 2, 4, 5).reshape(batch, rows * cols, p * p * channels)
