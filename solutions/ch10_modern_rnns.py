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
# # Solutions: 10. Modern Recurrent Neural Networks

# %% tags=["exercise"] exercise="ch10.lstm_step"
# exercise: ch10.lstm_step
def lstm_step_torch(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    """One LSTM step with torch's weights: returns (h_new, c_new)."""
    gates = (ops.matmul(x, ops.transpose(weight_ih)) + ops.matmul(h, ops.transpose(weight_hh))
             + bias_ih + bias_hh)
    i, f, g, o = ops.split(gates, 4, axis=-1)  # torch's order: input, forget, node, output
    c_new = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
    return ops.sigmoid(o) * ops.tanh(c_new), c_new


# %% tags=["exercise"] exercise="ch10.gru_step"
# exercise: ch10.gru_step
def gru_step(x, h, kernel, recurrent_kernel, bias, reset_after):
    """One step of keras.layers.GRU(reset_after=reset_after) with these weights."""
    if reset_after:
        x_z, x_r, x_h = ops.split(ops.matmul(x, kernel) + bias[0], 3, axis=-1)
        h_z, h_r, h_h = ops.split(ops.matmul(h, recurrent_kernel) + bias[1], 3, axis=-1)
        z = ops.sigmoid(x_z + h_z)
        r = ops.sigmoid(x_r + h_r)
        h_tilde = ops.tanh(x_h + r * h_h)  # reset after the recurrent product
    else:
        x_z, x_r, x_h = ops.split(ops.matmul(x, kernel) + bias, 3, axis=-1)
        u_z, u_r, u_h = ops.split(recurrent_kernel, 3, axis=-1)
        z = ops.sigmoid(x_z + ops.matmul(h, u_z))
        r = ops.sigmoid(x_r + ops.matmul(h, u_r))
        h_tilde = ops.tanh(x_h + ops.matmul(r * h, u_h))  # reset before it (the book's GRU)
    return z * h + (1 - z) * h_tilde


# %% tags=["exercise"] exercise="ch10.gru_from_torch"
# exercise: ch10.gru_from_torch
def keras_gru_weights(weight_ih, weight_hh, bias_ih, bias_hh):
    """[kernel, recurrent_kernel, bias] for keras.layers.GRU from torch's nn.GRU weights."""
    def keras_order(w):  # torch's blocks r, z, n -> Keras' z, r, h (along the first axis)
        r, z, n = np.split(np.asarray(w, dtype="float32"), 3, axis=0)
        return np.concatenate([z, r, n], axis=0)

    # torch's GRU applies the reset gate after the recurrent product: Keras'
    # reset_after=True, whose bias of shape (2, 3h) keeps the two biases apart.
    return [keras_order(weight_ih).T, keras_order(weight_hh).T,
            np.stack([keras_order(bias_ih), keras_order(bias_hh)])]


# %% tags=["exercise"] exercise="ch10.deep_lstm"
# exercise: ch10.deep_lstm
def build_deep_lstm(input_dim, units, dropout):
    """Stacked LSTMs with Dropout between them; outputs [top outputs, h1, c1, h2, c2, ...]."""
    inputs = keras.Input((None, input_dim))
    x, states = inputs, []
    for i, n in enumerate(units):
        if i and dropout:
            x = keras.layers.Dropout(dropout)(x)
        x, h, c = keras.layers.LSTM(n, return_sequences=True, return_state=True)(x)
        states += [h, c]
    return keras.Model(inputs, [x] + states)


# %% tags=["exercise"] exercise="ch10.birnn"
# exercise: ch10.birnn
def birnn(X, forward_weights, backward_weights):
    """Bidirectional tanh RNN outputs (batch, steps, 2h): forward then backward states."""
    def run(steps, weights):
        W_xh, W_hh, b_h = weights
        h = ops.zeros((ops.shape(X)[0], ops.shape(W_hh)[0]), dtype=X.dtype)
        outputs = []
        for x in steps:
            h = ops.tanh(ops.matmul(x, W_xh) + ops.matmul(h, W_hh) + b_h)
            outputs.append(h)
        return outputs

    steps = [X[:, t] for t in range(X.shape[1])]
    forward = run(steps, forward_weights)
    backward = run(steps[::-1], backward_weights)[::-1]  # back in the inputs' order
    return ops.stack([ops.concatenate([f, b], axis=-1) for f, b in zip(forward, backward)], axis=1)


# %% tags=["exercise"] exercise="ch10.translation_batch"
# exercise: ch10.translation_batch
def translation_batch(src_sentences, tgt_sentences, num_steps):
    """(src, src_valid_len, dec_in, labels) as lists, the book's layout."""
    def pad_or_trim(tokens):
        tokens = list(tokens)
        return tokens[:num_steps] + ["<pad>"] * (num_steps - len(tokens))

    src = [pad_or_trim(s) for s in src_sentences]
    valid_len = [sum(token != "<pad>" for token in s) for s in src]
    tgt = [["<bos>"] + pad_or_trim(t) for t in tgt_sentences]
    return src, valid_len, [t[:-1] for t in tgt], [t[1:] for t in tgt]


# %% tags=["exercise"] exercise="ch10.last_state"
# exercise: ch10.last_state
def last_real_state(outputs, valid_len):
    """outputs[b, valid_len[b] - 1] for every row b."""
    outputs = ops.convert_to_tensor(outputs)
    index = ops.reshape(ops.cast(ops.convert_to_tensor(valid_len), "int32") - 1, (-1, 1, 1))
    index = ops.broadcast_to(index, (ops.shape(outputs)[0], 1, ops.shape(outputs)[2]))
    return ops.squeeze(ops.take_along_axis(outputs, index, axis=1), axis=1)


# %% tags=["exercise"] exercise="ch10.masked_loss"
# exercise: ch10.masked_loss
def masked_ce(logits, labels, pad_id):
    """Mean cross-entropy over the positions whose label is not pad_id."""
    labels = ops.cast(ops.convert_to_tensor(labels), "int32")
    log_p = ops.log_softmax(logits, axis=-1)  # stable: shifts each row by its maximum
    picked = ops.squeeze(ops.take_along_axis(log_p, ops.expand_dims(labels, -1), axis=-1), -1)
    mask = ops.cast(ops.not_equal(labels, pad_id), log_p.dtype)
    return -ops.sum(picked * mask) / ops.sum(mask)


# %% tags=["exercise"] exercise="ch10.greedy"
# exercise: ch10.greedy
def greedy_decode(transitions, bos, eos, max_len):
    """Greedy decoding of a batch of toy decoders; each row stops at its first eos."""
    transitions = np.asarray(transitions)
    results = []
    for table in transitions:
        previous, tokens = bos, []
        for _ in range(max_len):
            previous = int(np.argmax(table[previous]))
            if previous == eos:
                break
            tokens.append(previous)
        results.append(tokens)
    return results


# %% tags=["exercise"] exercise="ch10.bleu"
# exercise: ch10.bleu
def bleu(pred, label, k):
    """The D2L book's BLEU of a predicted sentence against a reference."""
    pred_tokens, label_tokens = pred.split(), label.split()
    len_pred, len_label = len(pred_tokens), len(label_tokens)
    if len_pred == 0:
        return 0.0
    score = math.exp(min(0.0, 1 - len_label / len_pred))
    for n in range(1, min(k, len_pred) + 1):
        counts = {}
        for i in range(len_label - n + 1):
            gram = tuple(label_tokens[i:i + n])
            counts[gram] = counts.get(gram, 0) + 1
        matches = 0
        for i in range(len_pred - n + 1):
            gram = tuple(pred_tokens[i:i + n])
            if counts.get(gram, 0) > 0:  # clipped: each label n-gram matches once
                matches += 1
                counts[gram] -= 1
        score *= math.pow(matches / (len_pred - n + 1), math.pow(0.5, n))
    return score


# %% tags=["exercise"] exercise="ch10.beam_search"
# exercise: ch10.beam_search
def beam_search(first, table, eos, beam_size, alpha):
    """(tokens, score) of the best length-normalized candidate of a beam search."""
    first, table = np.asarray(first, dtype=float), np.asarray(table, dtype=float)
    beams, candidates = [([], 0.0)], []
    for t in range(len(table) + 1):
        extensions = []
        for tokens, log_p in beams:
            probs = first if t == 0 else table[t - 1, tokens[-1]]
            extensions += [(tokens + [w], log_p + math.log(p)) for w, p in enumerate(probs)]
        extensions.sort(key=lambda e: -e[1])
        beams = []
        for tokens, log_p in extensions[:beam_size]:
            (candidates if tokens[-1] == eos else beams).append((tokens, log_p))
        if not beams:
            break
    candidates += beams  # still live after the last step
    scored = [(tokens, log_p / len(tokens) ** alpha) for tokens, log_p in candidates]
    tokens, score = max(scored, key=lambda c: c[1])
    return tokens, float(score)
