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
# # Solutions: 9. Recurrent Neural Networks

# %% tags=["exercise"] exercise="ch09.lag_features"
# exercise: ch09.lag_features
def lag_features(x, tau, horizon=1):
    """(features (rows, tau), labels (rows,)) of lagged windows, float32."""
    x = np.asarray(x, dtype="float32").reshape(-1)
    rows = len(x) - int(tau) - int(horizon) + 1  # the last label is x[rows - 1 + tau + horizon - 1]
    features = np.stack([x[j : j + rows] for j in range(int(tau))], axis=1)
    labels = x[int(tau) + int(horizon) - 1 : int(tau) + int(horizon) - 1 + rows]
    return features, labels


# %% tags=["exercise"] exercise="ch09.k_step_ahead"
# exercise: ch09.k_step_ahead
def k_step_predictions(x, weights, bias, max_k):
    """[i, k - 1]: the k-step-ahead prediction of x[i + tau + k - 1]."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    weights = np.asarray(weights, dtype=np.float64).reshape(-1)
    tau, max_k = len(weights), int(max_k)
    rows = len(x) - tau - max_k + 1
    values = np.zeros((rows, tau + max_k))
    values[:, :tau] = np.stack([x[j : j + rows] for j in range(tau)], axis=1)
    for s in range(max_k):  # each step reads the last tau values, observed or predicted
        values[:, tau + s] = values[:, s : s + tau] @ weights + float(bias)
    return values[:, tau:]


# %% tags=["exercise"] exercise="ch09.laplace_bigram"
# exercise: ch09.laplace_bigram
def laplace_bigram(indices, vocab_size, eps):
    """P[a, b]: the smoothed probability that token b follows token a."""
    indices = np.asarray(indices, dtype=np.int64).reshape(-1)
    counts = np.zeros((int(vocab_size), int(vocab_size)))
    np.add.at(counts, (indices[:-1], indices[1:]), 1)  # adjacent pairs only
    starts = counts.sum(axis=1, keepdims=True)  # n(a): pairs that start with a
    return (counts + eps) / (starts + eps * int(vocab_size))


# %% tags=["exercise"] exercise="ch09.perplexity"
# exercise: ch09.perplexity
def perplexity_from_logits(logits, targets):
    """exp(mean cross-entropy over every token), as a Python float."""
    logits = np.asarray(logits, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.int64)
    shifted = logits - logits.max(axis=-1, keepdims=True)  # each row by its own maximum
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_probs, targets[..., None], axis=-1)
    return float(np.exp(-picked.mean()))


# %% tags=["exercise"] exercise="ch09.partition"
# exercise: ch09.partition
def partition_windows(indices, num_steps, offset):
    """(X, Y): non-overlapping windows after an offset, Y shifted by one."""
    corpus = np.asarray(indices, dtype=np.int32).reshape(-1)[int(offset):]
    count = (len(corpus) - 1) // int(num_steps)  # the targets need one token more
    starts = np.arange(count) * int(num_steps)
    X = np.array([corpus[s : s + num_steps] for s in starts], dtype=np.int32).reshape(count, num_steps)
    Y = np.array([corpus[s + 1 : s + 1 + num_steps] for s in starts],
                 dtype=np.int32).reshape(count, num_steps)
    return X, Y


# %% tags=["exercise"] exercise="ch09.one_hot"
# exercise: ch09.one_hot
def one_hot_windows(X, vocab_size):
    """(batch, steps, vocab_size) float32 one-hot vectors."""
    return ops.one_hot(ops.convert_to_tensor(X, dtype="int32"), int(vocab_size), dtype="float32")


# %% tags=["exercise"] exercise="ch09.rnn_forward"
# exercise: ch09.rnn_forward
def rnn_forward(X, H0, W_xh, W_hh, b_h):
    """(batch, steps, hiddens): the hidden states after each step."""
    X = ops.convert_to_tensor(X)
    state = ops.convert_to_tensor(H0)
    outputs = []
    for t in range(X.shape[1]):
        state = ops.tanh(ops.matmul(X[:, t], W_xh) + ops.matmul(state, W_hh) + b_h)
        outputs.append(state)
    return ops.stack(outputs, axis=1)


# %% tags=["exercise"] exercise="ch09.clip_global_norm"
# exercise: ch09.clip_global_norm
def clip_by_global_norm(grads, theta):
    """The gradients scaled so that their global norm is at most theta."""
    grads = [np.asarray(g) for g in grads]
    norm = np.sqrt(sum(np.sum(np.square(g.astype(np.float64))) for g in grads))
    if norm <= theta:
        return grads
    return [g * (theta / norm) for g in grads]


# %% tags=["exercise"] exercise="ch09.greedy_decode"
# exercise: ch09.greedy_decode
def greedy_decode(step, prefix, num_preds):
    """prefix + num_preds greedy tokens, after warming the state up on prefix."""
    output = [int(t) for t in prefix]
    logits, state = step(np.array([output], dtype="int32"), None)  # warm-up on the whole prefix
    for _ in range(int(num_preds)):
        token = int(np.argmax(ops.convert_to_numpy(logits)[0, -1]))
        output.append(token)
        logits, state = step(np.array([[token]], dtype="int32"), state)
    return output


# %% tags=["exercise"] exercise="ch09.torch_rnn_weights"
# exercise: ch09.torch_rnn_weights
def torch_rnn_to_keras(weight_ih, weight_hh, bias_ih, bias_hh):
    """[kernel, recurrent_kernel, bias] for keras.layers.SimpleRNN."""
    kernel = np.asarray(weight_ih).T  # torch stores (out, in), Keras (in, out)
    recurrent_kernel = np.asarray(weight_hh).T
    bias = np.asarray(bias_ih) + np.asarray(bias_hh)  # the two biases are only ever added
    return [kernel, recurrent_kernel, bias]


# %% tags=["exercise"] exercise="ch09.char_lm"
# exercise: ch09.char_lm
def build_char_lm(vocab_size, num_hiddens):
    """tokens (batch, steps) -> one-hot -> SimpleRNN -> Dense: next-token logits."""
    tokens = keras.Input((None,), dtype="int32")
    one_hot = keras.layers.Embedding(vocab_size, vocab_size, embeddings_initializer="identity",
                                     trainable=False)(tokens)
    hidden = keras.layers.SimpleRNN(num_hiddens, return_sequences=True)(one_hot)
    return keras.Model(tokens, keras.layers.Dense(vocab_size)(hidden))


# %% tags=["exercise"] exercise="ch09.truncated_bptt"
# exercise: ch09.truncated_bptt
def truncated_states(x, w_h, w_x, k):
    """(T,) states of a scalar tanh RNN, the gradient cut every k steps."""
    x = ops.convert_to_tensor(x)
    h = ops.zeros((), dtype=x.dtype)
    states = []
    for t in range(1, x.shape[0] + 1):
        if t > 1 and (t - 1) % int(k) == 0:  # a new chunk: no gradient into earlier steps
            h = ops.stop_gradient(h)
        h = ops.tanh(w_h * h + w_x * x[t - 1])
        states.append(h)
    return ops.stack(states)
