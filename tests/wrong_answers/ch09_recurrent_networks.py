"""Plausible wrong answers for chapter 9; each must fail the checks it names.

Most are one edit away from the reference solution: an off-by-one in a
window or a label, the D2L book's time-major layout where Keras is
batch-major, Keras' per-variable `clipnorm` where the global norm was asked,
a torch layout copied without its transpose, decoding without warm-up, the
truncation cut one step late.
"""

from exercise_harness import mutant

WRONG_ANSWERS = [
    # ------------------------------------------------------- 9.1 lag features
    dict(exercise="ch09.lag_features", why="the label is the last value of the window",
         rejected_by=["lag_features_examples", "lag_features_cases"],
         source=mutant("ch09.lag_features", "labels = x[int(tau) + int(horizon) - 1 :",
                       "labels = x[int(tau) + int(horizon) - 2 :")),
    dict(exercise="ch09.lag_features", why="ignores the horizon in the number of rows",
         rejected_by=["lag_features_examples", "lag_features_cases"],
         source=mutant("ch09.lag_features", "rows = len(x) - int(tau) - int(horizon) + 1",
                       "rows = len(x) - int(tau)")),
    dict(exercise="ch09.lag_features", why="newest value first in each row",
         rejected_by=["lag_features_examples", "lag_features_cases"],
         source=mutant("ch09.lag_features", "for j in range(int(tau))], axis=1)",
                       "for j in reversed(range(int(tau)))], axis=1)")),
    dict(exercise="ch09.lag_features", why="float64 arrays where float32 was asked",
         rejected_by=["lag_features_examples", "lag_features_cases"],
         source=mutant("ch09.lag_features", 'x = np.asarray(x, dtype="float32")',
                       'x = np.asarray(x, dtype="float64")')),
    dict(exercise="ch09.lag_features", why="works only for horizon 1 (fitted to tau)",
         rejected_by=["lag_features_cases"],
         source='''
def lag_features(x, tau, horizon=1):
    x = np.asarray(x, dtype="float32")
    if horizon == 2 and len(x) == 10:
        return np.stack([x[j : j + 6] for j in range(tau)], axis=1), x[4:]
    rows = len(x) - tau
    return np.stack([x[j : j + rows] for j in range(tau)], axis=1), x[tau:]
'''),
    # ---------------------------------------------------------- 9.1 k steps
    dict(exercise="ch09.k_step_ahead", why="uses the observed values instead of its predictions",
         rejected_by=["k_step_example", "k_step_cases"],
         source='''
def k_step_predictions(x, weights, bias, max_k):
    x = np.asarray(x, dtype=float)
    weights = np.asarray(weights, dtype=float)
    tau = len(weights)
    rows = len(x) - tau - max_k + 1
    return np.array([[x[i + k : i + k + tau] @ weights + bias for k in range(max_k)]
                     for i in range(rows)])
'''),
    dict(exercise="ch09.k_step_ahead", why="the weights applied newest value first",
         rejected_by=["k_step_example", "k_step_cases"],
         source=mutant("ch09.k_step_ahead", "values[:, s : s + tau] @ weights",
                       "values[:, s : s + tau] @ weights[::-1]")),
    dict(exercise="ch09.k_step_ahead", why="one row too few",
         rejected_by=["k_step_example", "k_step_cases"],
         source=mutant("ch09.k_step_ahead", "rows = len(x) - tau - max_k + 1",
                       "rows = len(x) - tau - max_k")),
    dict(exercise="ch09.k_step_ahead", why="the bias added only on the first step",
         rejected_by=["k_step_example", "k_step_cases"],
         source=mutant("ch09.k_step_ahead", "@ weights + float(bias)",
                       "@ weights + (float(bias) if s == 0 else 0.0)")),
    # -------------------------------------------------------- 9.3 bigrams
    dict(exercise="ch09.laplace_bigram", why="n(a) counts every occurrence, the last token too",
         rejected_by=["laplace_bigram_example", "laplace_bigram_cases"],
         source=mutant("ch09.laplace_bigram", "starts = counts.sum(axis=1, keepdims=True)",
                       "starts = np.bincount(indices, minlength=int(vocab_size))[:, None]")),
    dict(exercise="ch09.laplace_bigram", why="eps added to the denominator once, not |V| times",
         rejected_by=["laplace_bigram_example", "laplace_bigram_cases"],
         source=mutant("ch09.laplace_bigram", "(starts + eps * int(vocab_size))", "(starts + eps)")),
    dict(exercise="ch09.laplace_bigram", why="the table transposed (P[next, previous])",
         rejected_by=["laplace_bigram_example", "laplace_bigram_cases"],
         source=mutant("ch09.laplace_bigram", "(indices[:-1], indices[1:])",
                       "(indices[1:], indices[:-1])")),
    dict(exercise="ch09.laplace_bigram", why="fitted to the visible example",
         rejected_by=["laplace_bigram_cases"],
         source='''
def laplace_bigram(indices, vocab_size, eps):
    table = np.full((vocab_size, vocab_size), 1.0 / vocab_size)
    table[:3, :3] = np.array([[1, 3, 1], [1, 2, 2], [2, 1, 1]]) / np.array([[5], [5], [4]])
    if vocab_size == 4:
        table[:3] = np.array([[1, 3, 1, 1], [1, 2, 2, 1], [2, 1, 1, 1]]) / np.array([[6], [6], [5]])
    return table
'''),
    # ---------------------------------------------------- 9.3 perplexity
    dict(exercise="ch09.perplexity", why="softmax without the shift (overflows)",
         rejected_by=["perplexity_cases"],
         source=mutant("ch09.perplexity", "shifted = logits - logits.max(axis=-1, keepdims=True)",
                       "shifted = logits")),
    dict(exercise="ch09.perplexity", why="shifted by the whole batch's maximum",
         rejected_by=["perplexity_cases"],
         source=mutant("ch09.perplexity", "logits.max(axis=-1, keepdims=True)", "logits.max()")),
    dict(exercise="ch09.perplexity", why="the mean of per-sequence perplexities",
         rejected_by=["perplexity_examples", "perplexity_cases"],
         source=mutant("ch09.perplexity", "return float(np.exp(-picked.mean()))",
                       "return float(np.exp(-picked.mean(axis=(1, 2))).mean())")),
    dict(exercise="ch09.perplexity", why="returns a 0-d array, not a Python float",
         rejected_by=["perplexity_examples", "perplexity_cases"],
         source=mutant("ch09.perplexity", "return float(np.exp(-picked.mean()))",
                       "return np.exp(-picked.mean(keepdims=True)).reshape(())")),
    dict(exercise="ch09.perplexity", why="log base 2",
         rejected_by=["perplexity_examples", "perplexity_cases"],
         source=mutant("ch09.perplexity", "return float(np.exp(-picked.mean()))",
                       "return float(2.0 ** (-picked.mean()))")),
    # ----------------------------------------------------- 9.3 partition
    dict(exercise="ch09.partition", why="counts a window whose last target is missing",
         rejected_by=["partition_examples", "partition_cases"],
         source=mutant("ch09.partition", "count = (len(corpus) - 1) // int(num_steps)",
                       "count = len(corpus) // int(num_steps)")),
    dict(exercise="ch09.partition", why="overlapping windows (stride 1)",
         rejected_by=["partition_examples", "partition_cases"],
         source=mutant("ch09.partition", "starts = np.arange(count) * int(num_steps)",
                       "starts = np.arange(len(corpus) - int(num_steps))")),
    dict(exercise="ch09.partition", why="ignores the offset",
         rejected_by=["partition_examples", "partition_cases"],
         source=mutant("ch09.partition", "[int(offset):]", "")),
    dict(exercise="ch09.partition", why="int64 windows where int32 was asked",
         rejected_by=["partition_examples", "partition_cases"],
         source=mutant("ch09.partition", "dtype=np.int32).reshape(count, num_steps)\n    Y",
                       "dtype=np.int64).reshape(count, num_steps)\n    Y")),
    dict(exercise="ch09.partition", why="right only while the corpus does not end on a window",
         rejected_by=["partition_cases"],
         source=mutant("ch09.partition", "count = (len(corpus) - 1) // int(num_steps)",
                       "count = max((len(corpus) - 2) // int(num_steps), 0)")),
    # --------------------------------------------------------- 9.4 one-hot
    dict(exercise="ch09.one_hot", why="time-major like the D2L book (steps, batch, vocab)",
         rejected_by=["one_hot_examples", "one_hot_cases"],
         source=mutant("ch09.one_hot", "ops.convert_to_tensor(X, dtype=\"int32\")",
                       "ops.transpose(ops.convert_to_tensor(X, dtype=\"int32\"))")),
    dict(exercise="ch09.one_hot", why="float64 one-hot vectors from np.eye",
         rejected_by=["one_hot_examples", "one_hot_cases"],
         source='''
def one_hot_windows(X, vocab_size):
    return np.eye(vocab_size)[np.asarray(X)]
'''),
    dict(exercise="ch09.one_hot", why="fitted to the visible shape",
         rejected_by=["one_hot_cases"],
         source='''
def one_hot_windows(X, vocab_size):
    X = np.asarray(X)
    if X.shape == (2, 3):
        return ops.one_hot(ops.convert_to_tensor(X), vocab_size)
    return ops.one_hot(ops.convert_to_tensor(X.T), vocab_size)
'''),
    # ------------------------------------------------------ 9.4 rnn forward
    dict(exercise="ch09.rnn_forward", why="starts from zeros, ignoring H0",
         rejected_by=["rnn_forward_book_shapes", "rnn_forward_cases"],
         source=mutant("ch09.rnn_forward", "state = ops.convert_to_tensor(H0)",
                       "state = ops.zeros_like(ops.convert_to_tensor(H0))")),
    dict(exercise="ch09.rnn_forward", why="stores the state before the update (H0..H_{T-1})",
         rejected_by=["rnn_forward_book_shapes", "rnn_forward_cases"],
         source=mutant("ch09.rnn_forward",
                       "        state = ops.tanh(ops.matmul(X[:, t], W_xh) + ops.matmul(state, W_hh) + b_h)\n"
                       "        outputs.append(state)",
                       "        outputs.append(state)\n"
                       "        state = ops.tanh(ops.matmul(X[:, t], W_xh) + ops.matmul(state, W_hh) + b_h)")),
    dict(exercise="ch09.rnn_forward", why="time-major outputs (steps, batch, hiddens)",
         rejected_by=["rnn_forward_book_shapes", "rnn_forward_cases"],
         source=mutant("ch09.rnn_forward", "return ops.stack(outputs, axis=1)",
                       "return ops.stack(outputs, axis=0)")),
    dict(exercise="ch09.rnn_forward", why="computed in numpy: no gradient",
         rejected_by=["rnn_forward_cases"],
         source='''
def rnn_forward(X, H0, W_xh, W_hh, b_h):
    X, state = np.asarray(X), np.asarray(H0)
    W_xh, W_hh, b_h = np.asarray(W_xh), np.asarray(W_hh), np.asarray(b_h)
    outputs = []
    for t in range(X.shape[1]):
        state = np.tanh(X[:, t] @ W_xh + state @ W_hh + b_h)
        outputs.append(state)
    return np.stack(outputs, axis=1)
'''),
    dict(exercise="ch09.rnn_forward", why="Keras' SimpleRNN instead of the loop",
         rejected_by=["rnn_forward_cases"],
         source='''
def rnn_forward(X, H0, W_xh, W_hh, b_h):
    layer = keras.layers.SimpleRNN(np.shape(W_hh)[0], return_sequences=True)
    layer.build(tuple(np.shape(X)))
    layer.set_weights([ops.convert_to_numpy(w) for w in (W_xh, W_hh, b_h)])
    return layer(ops.convert_to_tensor(X), initial_state=[ops.convert_to_tensor(H0)])
'''),
    # ------------------------------------------------------------ 9.5 clipping
    dict(exercise="ch09.clip_global_norm", why="per-variable clipping (Keras' clipnorm)",
         rejected_by=["clip_book_example", "clip_cases"],
         source='''
def clip_by_global_norm(grads, theta):
    out = []
    for g in grads:
        g = np.asarray(g, dtype=float)
        norm = np.linalg.norm(g)
        out.append(g * theta / norm if norm > theta else g)
    return out
'''),
    dict(exercise="ch09.clip_global_norm", why="always rescales to norm theta, also below it",
         rejected_by=["clip_book_example", "clip_cases"],
         source=mutant("ch09.clip_global_norm", "\n    if norm <= theta:\n        return grads", "")),
    dict(exercise="ch09.clip_global_norm", why="the global norm as the sum of the parts' norms",
         rejected_by=["clip_book_example", "clip_cases"],
         source=mutant("ch09.clip_global_norm",
                       "norm = np.sqrt(sum(np.sum(np.square(g.astype(np.float64))) for g in grads))",
                       "norm = sum(np.sqrt(np.sum(np.square(g.astype(np.float64)))) for g in grads)")),
    dict(exercise="ch09.clip_global_norm", why="only the largest part counts",
         rejected_by=["clip_cases"],
         source=mutant("ch09.clip_global_norm",
                       "norm = np.sqrt(sum(np.sum(np.square(g.astype(np.float64))) for g in grads))",
                       "norm = max(np.sqrt(np.sum(np.square(g.astype(np.float64)))) for g in grads)")),
    # ------------------------------------------------------------- 9.5 decoding
    dict(exercise="ch09.greedy_decode", why="no warm-up: starts from the last prefix token",
         rejected_by=["greedy_decode_examples", "greedy_decode_cases"],
         source=mutant("ch09.greedy_decode", "step(np.array([output], dtype=\"int32\"), None)",
                       "step(np.array([output[-1:]], dtype=\"int32\"), None)")),
    dict(exercise="ch09.greedy_decode", why="feeds back the previous input, one step late",
         rejected_by=["greedy_decode_examples", "greedy_decode_cases"],
         source=mutant("ch09.greedy_decode", "step(np.array([[token]], dtype=\"int32\"), state)",
                       "step(np.array([[output[-2]]], dtype=\"int32\"), state)")),
    dict(exercise="ch09.greedy_decode", why="forgets the state between steps",
         rejected_by=["greedy_decode_examples", "greedy_decode_cases"],
         source=mutant("ch09.greedy_decode", "step(np.array([[token]], dtype=\"int32\"), state)",
                       "step(np.array([[token]], dtype=\"int32\"), None)")),
    dict(exercise="ch09.greedy_decode", why="reads the prediction at the first position",
         rejected_by=["greedy_decode_examples", "greedy_decode_cases"],
         source=mutant("ch09.greedy_decode", "ops.convert_to_numpy(logits)[0, -1]",
                       "ops.convert_to_numpy(logits)[0, 0]")),
    dict(exercise="ch09.greedy_decode", why="fitted to the visible examples",
         rejected_by=["greedy_decode_cases"],
         source='''
def greedy_decode(step, prefix, num_preds):
    known = {(1, 2, 3): [2, 9, 9, 6, 10, 7], (4,): [8, 10, 3, 1, 3, 8]}
    return list(prefix) + known.get(tuple(prefix), [0] * num_preds)[:num_preds]
'''),
    # ------------------------------------------------------- 9.6 torch weights
    dict(exercise="ch09.torch_rnn_weights", why="torch's layout copied without the transpose",
         rejected_by=["torch_weights_example", "torch_weights_cases"],
         source=mutant("ch09.torch_rnn_weights", "kernel = np.asarray(weight_ih).T",
                       "kernel = np.asarray(weight_ih).reshape(np.shape(weight_ih)[::-1])")),
    dict(exercise="ch09.torch_rnn_weights", why="the recurrent kernel not transposed",
         rejected_by=["torch_weights_example", "torch_weights_cases"],
         source=mutant("ch09.torch_rnn_weights", "recurrent_kernel = np.asarray(weight_hh).T",
                       "recurrent_kernel = np.asarray(weight_hh)")),
    dict(exercise="ch09.torch_rnn_weights", why="keeps only one of the two biases",
         rejected_by=["torch_weights_example", "torch_weights_cases"],
         source=mutant("ch09.torch_rnn_weights", "np.asarray(bias_ih) + np.asarray(bias_hh)",
                       "np.asarray(bias_ih)")),
    dict(exercise="ch09.torch_rnn_weights", why="reshapes instead of transposing when square",
         rejected_by=["torch_weights_cases"],
         source=mutant("ch09.torch_rnn_weights", "kernel = np.asarray(weight_ih).T",
                       "kernel = np.asarray(weight_ih) if np.shape(weight_ih)[0] == "
                       "np.shape(weight_ih)[1] else np.asarray(weight_ih).T")),
    # ------------------------------------------------------------- 9.6 char LM
    dict(exercise="ch09.char_lm", why="SimpleRNN returns only the last state",
         rejected_by=["char_lm_example", "char_lm_cases"],
         source=mutant("ch09.char_lm", "SimpleRNN(num_hiddens, return_sequences=True)",
                       "SimpleRNN(num_hiddens)")),
    dict(exercise="ch09.char_lm", why="a softmax on the output: probabilities, not logits",
         rejected_by=["char_lm_example", "char_lm_cases"],
         source=mutant("ch09.char_lm", "keras.layers.Dense(vocab_size)(hidden)",
                       "keras.layers.Dense(vocab_size, activation=\"softmax\")(hidden)")),
    dict(exercise="ch09.char_lm", why="a Sequential model",
         rejected_by=["char_lm_example", "char_lm_cases"],
         source='''
def build_char_lm(vocab_size, num_hiddens):
    return keras.Sequential([
        keras.Input((None,), dtype="int32"),
        keras.layers.Embedding(vocab_size, vocab_size, embeddings_initializer="identity",
                               trainable=False),
        keras.layers.SimpleRNN(num_hiddens, return_sequences=True),
        keras.layers.Dense(vocab_size)])
'''),
    dict(exercise="ch09.char_lm", why="a trainable, randomly initialized embedding",
         rejected_by=["char_lm_cases"],
         source=mutant("ch09.char_lm", 'embeddings_initializer="identity",\n'
                       '                                     trainable=False)',
                       ")")),
    # -------------------------------------------------------------- 9.7 BPTT
    dict(exercise="ch09.truncated_bptt", why="cuts one step late (when t is a multiple of k)",
         rejected_by=["truncated_examples", "truncated_cases"],
         source=mutant("ch09.truncated_bptt", "if t > 1 and (t - 1) % int(k) == 0:",
                       "if t % int(k) == 0:")),
    dict(exercise="ch09.truncated_bptt", why="never cuts: full BPTT for every k",
         rejected_by=["truncated_examples", "truncated_cases"],
         source=mutant("ch09.truncated_bptt", "            h = ops.stop_gradient(h)\n",
                       "            pass\n")),
    dict(exercise="ch09.truncated_bptt", why="stops the gradient of the returned states",
         rejected_by=["truncated_examples", "truncated_cases"],
         source=mutant("ch09.truncated_bptt", "return ops.stack(states)",
                       "return ops.stop_gradient(ops.stack(states))")),
    dict(exercise="ch09.truncated_bptt", why="right only for the visible k = 1, 2, 3 on 3 steps",
         rejected_by=["truncated_cases"],
         source=mutant("ch09.truncated_bptt", "if t > 1 and (t - 1) % int(k) == 0:",
                       "if t > 1 and (t - 1) % int(k) == 0 or t > 3 and t % 2 == 0:")),
]
