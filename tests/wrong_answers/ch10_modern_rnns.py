"""Plausible wrong answers for chapter 10; each must fail the checks it names."""

_LSTM = '''
def lstm_step_torch(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    gates = ops.matmul(x, ops.transpose(weight_ih)) + ops.matmul(h, ops.transpose(weight_hh)) + BIAS
    ORDER = ops.split(gates, 4, axis=-1)
    c_new = ops.sigmoid(f) * c + INPUT
    return ops.sigmoid(o) * OUTPUT, c_new
'''


def _lstm(bias="bias_ih + bias_hh", order="i, f, g, o", input_="ops.sigmoid(i) * ops.tanh(g)",
          output="ops.tanh(c_new)"):
    return (_LSTM.replace("BIAS", bias).replace("ORDER", order).replace("INPUT", input_)
            .replace("OUTPUT", output))


_GRU = '''
def gru_step(x, h, kernel, recurrent_kernel, bias, reset_after):
    if AFTER:
        x_z, x_r, x_h = ops.split(ops.matmul(x, kernel) + bias[0], 3, axis=-1)
        h_z, h_r, h_h = ops.split(ops.matmul(h, recurrent_kernel) + bias[1], 3, axis=-1)
        z = ops.sigmoid(x_z + h_z)
        r = ops.sigmoid(x_r + h_r)
        h_tilde = ops.tanh(x_h + CANDIDATE)
    else:
        b = BEFORE_BIAS
        GATES = ops.split(ops.matmul(x, kernel) + b, 3, axis=-1)
        u_z, u_r, u_h = ops.split(recurrent_kernel, 3, axis=-1)
        z = ops.sigmoid(x_z + ops.matmul(h, u_z))
        r = ops.sigmoid(x_r + ops.matmul(h, u_r))
        h_tilde = ops.tanh(x_h + ops.matmul(r * h, u_h))
    return UPDATE
'''


def _gru(after="reset_after", candidate="r * h_h", before_bias="bias", gates="x_z, x_r, x_h",
         update="z * h + (1 - z) * h_tilde"):
    return (_GRU.replace("AFTER", after).replace("CANDIDATE", candidate)
            .replace("BEFORE_BIAS", before_bias).replace("GATES", gates).replace("UPDATE", update))


_GRU_WEIGHTS = '''
def keras_gru_weights(weight_ih, weight_hh, bias_ih, bias_hh):
    def keras_order(w):
        r, z, n = np.split(np.asarray(w, dtype=DTYPE), 3, axis=0)
        return np.concatenate(ORDER, axis=0)

    return [keras_order(weight_ih)TRANSPOSE, keras_order(weight_hh)TRANSPOSE, BIAS]
'''


def _gru_weights(dtype='"float32"', order="[z, r, n]", transpose=".T",
                 bias="np.stack([keras_order(bias_ih), keras_order(bias_hh)])"):
    return (_GRU_WEIGHTS.replace("DTYPE", dtype).replace("ORDER", order).replace("TRANSPOSE", transpose)
            .replace("BIAS", bias))


_DEEP = '''
def build_deep_lstm(input_dim, units, dropout):
    inputs = keras.Input((None, input_dim))
    x, states = inputs, []
    for i, n in enumerate(units):
        if BEFORE:
            x = keras.layers.Dropout(dropout)(x)
        x, h, c = keras.layers.LSTM(n, return_sequences=True, return_state=True, dropout=INNER)(x)
        states += STATES
    TAIL
    return keras.Model(inputs, [x] + OUTPUT)
'''


def _deep(before="i and dropout", inner="0.0", states="[h, c]", tail="pass", output="states"):
    return (_DEEP.replace("BEFORE", before).replace("INNER", inner).replace("STATES", states)
            .replace("TAIL", tail).replace("OUTPUT", output))


_BIRNN = '''
def birnn(X, forward_weights, backward_weights):
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
    backward = BACKWARD
    return ops.stack([ops.concatenate(JOIN, axis=-1) for f, b in zip(forward, backward)], axis=1)
'''


def _birnn(backward="run(steps[::-1], backward_weights)[::-1]", join="[f, b]"):
    return _BIRNN.replace("BACKWARD", backward).replace("JOIN", join)


_BATCH = '''
def translation_batch(src_sentences, tgt_sentences, num_steps):
    def pad_or_trim(tokens):
        tokens = list(tokens)
        return PAD

    src = [pad_or_trim(s) for s in src_sentences]
    valid_len = VALID
    tgt = [["<bos>"] + pad_or_trim(t) for t in tgt_sentences]
    return src, valid_len, [t[:-1] for t in tgt], LABELS
'''


def _batch(pad='tokens[:num_steps] + ["<pad>"] * (num_steps - len(tokens))',
           valid='[sum(token != "<pad>" for token in s) for s in src]', labels="[t[1:] for t in tgt]"):
    return _BATCH.replace("PAD", pad).replace("VALID", valid).replace("LABELS", labels)


_LAST = '''
def last_real_state(outputs, valid_len):
    outputs = ops.convert_to_tensor(outputs)
    index = ops.reshape(INDEX, (-1, 1, 1))
    index = ops.broadcast_to(index, (ops.shape(outputs)[0], 1, ops.shape(outputs)[2]))
    return ops.squeeze(ops.take_along_axis(outputs, index, axis=1), axis=1)
'''


def _last(index='ops.cast(ops.convert_to_tensor(valid_len), "int32") - 1'):
    return _LAST.replace("INDEX", index)


_MASKED = '''
def masked_ce(logits, labels, pad_id):
    labels = ops.cast(ops.convert_to_tensor(labels), "int32")
    log_p = LOG_P
    picked = ops.squeeze(ops.take_along_axis(log_p, ops.expand_dims(labels, -1), axis=-1), -1)
    mask = ops.cast(ops.not_equal(labels, PAD), log_p.dtype)
    return REDUCE
'''


def _masked(log_p="ops.log_softmax(logits, axis=-1)", pad="pad_id",
            reduce="-ops.sum(picked * mask) / ops.sum(mask)"):
    return _MASKED.replace("LOG_P", log_p).replace("PAD", pad).replace("REDUCE", reduce)


_GREEDY = '''
def greedy_decode(transitions, bos, eos, max_len):
    transitions = np.asarray(transitions)
    results = []
    for table in transitions:
        previous, tokens = bos, []
        for _ in range(max_len):
            previous = int(np.argmax(table[previous]))
            STOP
            tokens.append(previous)
        results.append(tokens)
    return results
'''


def _greedy(stop="if previous == eos:\n                break"):
    return _GREEDY.replace("STOP", stop)


_BLEU = '''
def bleu(pred, label, k):
    pred_tokens, label_tokens = pred.split(), label.split()
    len_pred, len_label = len(pred_tokens), len(label_tokens)
    if len_pred == 0:
        return 0.0
    score = PENALTY
    for n in range(1, LAST + 1):
        counts = {}
        for i in range(len_label - n + 1):
            gram = tuple(label_tokens[i:i + n])
            counts[gram] = counts.get(gram, 0) + 1
        matches = 0
        for i in range(len_pred - n + 1):
            gram = tuple(pred_tokens[i:i + n])
            if counts.get(gram, 0) > 0:
                matches += 1
                CLIP
        score *= math.pow(matches / (len_pred - n + 1), WEIGHT)
    return score
'''


def _bleu(penalty="math.exp(min(0.0, 1 - len_label / len_pred))", last="min(k, len_pred)",
          clip="counts[gram] -= 1", weight="math.pow(0.5, n)"):
    return (_BLEU.replace("PENALTY", penalty).replace("LAST", last).replace("CLIP", clip)
            .replace("WEIGHT", weight))


_BEAM = '''
def beam_search(first, table, eos, beam_size, alpha):
    first, table = np.asarray(first, dtype=float), np.asarray(table, dtype=float)
    beams, candidates = [([], 0.0)], []
    for t in range(len(table) + 1):
        extensions = []
        for tokens, log_p in beams:
            probs = first if t == 0 else table[t - 1, tokens[-1]]
            extensions += [(tokens + [w], log_p + math.log(p)) for w, p in enumerate(probs)]
        extensions.sort(key=lambda e: -e[1])
        beams = []
        for tokens, log_p in extensions[:BEAM]:
            FINISH
        if not beams:
            break
    candidates += beams
    scored = [(tokens, SCORE) for tokens, log_p in candidates]
    tokens, score = max(scored, key=lambda c: c[1])
    return tokens, float(score)
'''


def _beam(beam="beam_size", finish="(candidates if tokens[-1] == eos else beams).append((tokens, log_p))",
          score="log_p / len(tokens) ** alpha"):
    return _BEAM.replace("BEAM", beam).replace("FINISH", finish).replace("SCORE", score)


LSTM_CHECKS = ["lstm_step_matches_torch_cell", "lstm_step_hidden_cases"]
GRU_CHECKS = ["gru_step_matches_keras", "gru_step_hidden_cases"]
GRU_WEIGHT_CHECKS = ["gru_weights_reproduce_torch", "gru_weights_hidden_cases"]
DEEP_CHECKS = ["deep_lstm_small", "deep_lstm_hidden_cases"]
BIRNN_CHECKS = ["birnn_matches_keras", "birnn_hidden_cases"]
BATCH_CHECKS = ["translation_batch_book_layout", "translation_batch_hidden_cases"]
LAST_CHECKS = ["last_state_small", "last_state_hidden_cases"]
MASKED_CHECKS = ["masked_loss_matches_keras", "masked_loss_hidden_cases"]
GREEDY_CHECKS = ["greedy_two_rows", "greedy_hidden_cases"]
BLEU_CHECKS = ["bleu_book_cases", "bleu_hidden_cases"]
BEAM_CHECKS = ["beam_search_book_table", "beam_search_hidden_cases"]

WRONG_ANSWERS = [
    # ------------------------------------------------------------ 10.1
    dict(exercise="ch10.lstm_step", why="the book's gate order i, f, o, then the input node",
         rejected_by=LSTM_CHECKS, source=_lstm(order="i, f, o, g")),
    dict(exercise="ch10.lstm_step", why="H = O * C, without the tanh of the cell",
         rejected_by=LSTM_CHECKS, source=_lstm(output="c_new")),
    dict(exercise="ch10.lstm_step", why="only torch's input bias (Keras has one bias)",
         rejected_by=LSTM_CHECKS, source=_lstm(bias="bias_ih")),
    dict(exercise="ch10.lstm_step", why="the input node enters the cell without the input gate",
         rejected_by=LSTM_CHECKS, source=_lstm(input_="ops.tanh(g)")),
    dict(exercise="ch10.lstm_step", why="torch's weights used without transposing them",
         rejected_by=LSTM_CHECKS, source=_LSTM.replace("ops.transpose(weight_ih)", "weight_ih")
         .replace("ops.transpose(weight_hh)", "weight_hh").replace("BIAS", "bias_ih + bias_hh")
         .replace("ORDER", "i, f, g, o").replace("INPUT", "ops.sigmoid(i) * ops.tanh(g)")
         .replace("OUTPUT", "ops.tanh(c_new)")),
    # ------------------------------------------------------------ 10.2
    dict(exercise="ch10.gru_step", why="ignores reset_after: always the book's reset-before GRU "
         "with the two biases added", rejected_by=GRU_CHECKS,
         source=_gru(after="False", before_bias="bias if not reset_after else bias[0] + bias[1]")),
    dict(exercise="ch10.gru_step", why="the update gate weighs the candidate, not the old state",
         rejected_by=GRU_CHECKS, source=_gru(update="(1 - z) * h + z * h_tilde")),
    dict(exercise="ch10.gru_step", why="torch's gate order r, z, h in Keras' weights",
         rejected_by=GRU_CHECKS, source=_gru(gates="x_r, x_z, x_h").replace(
             "h_z, h_r, h_h = ops.split", "h_r, h_z, h_h = ops.split").replace(
             "x_z, x_r, x_h = ops.split(ops.matmul(x, kernel) + bias[0]",
             "x_r, x_z, x_h = ops.split(ops.matmul(x, kernel) + bias[0]").replace(
             "u_z, u_r, u_h", "u_r, u_z, u_h")),
    dict(exercise="ch10.gru_step", why="reset_after=True with the recurrent bias outside the reset gate",
         rejected_by=GRU_CHECKS,
         source=_gru(candidate="r * (h_h - bias[1][2 * ops.shape(h)[-1]:]) + bias[1][2 * ops.shape(h)[-1]:]")),
    # ------------------------------------------------------------ 10.3
    dict(exercise="ch10.gru_from_torch", why="keeps torch's gate order r, z, n",
         rejected_by=GRU_WEIGHT_CHECKS, source=_gru_weights(order="[r, z, n]")),
    dict(exercise="ch10.gru_from_torch", why="adds the two biases into one (3h,) bias (reset_after=False's)",
         rejected_by=GRU_WEIGHT_CHECKS, source=_gru_weights(bias="keras_order(bias_ih) + keras_order(bias_hh)")),
    dict(exercise="ch10.gru_from_torch", why="does not transpose torch's (out, in) matrices",
         rejected_by=GRU_WEIGHT_CHECKS, source=_gru_weights(transpose="")),
    dict(exercise="ch10.gru_from_torch", why="returns float64 arrays", rejected_by=GRU_WEIGHT_CHECKS,
         source=_gru_weights(dtype='"float64"')),
    dict(exercise="ch10.deep_lstm", why="Keras' LSTM(dropout=p), which drops each layer's inputs",
         rejected_by=DEEP_CHECKS, source=_deep(before="False", inner="dropout")),
    dict(exercise="ch10.deep_lstm", why="a Dropout after the last LSTM too",
         rejected_by=DEEP_CHECKS, source=_deep(before="dropout")),
    dict(exercise="ch10.deep_lstm", why="a Dropout(0) layer between the LSTMs when dropout is 0",
         rejected_by=["deep_lstm_hidden_cases"], source=_deep(before="i")),
    dict(exercise="ch10.deep_lstm", why="returns only the top layer's states",
         rejected_by=DEEP_CHECKS, source=_deep(output="states[-2:]")),
    dict(exercise="ch10.deep_lstm", why="the cell state before the hidden state",
         rejected_by=["deep_lstm_hidden_cases"], source=_deep(states="[c, h]")),
    # ------------------------------------------------------------ 10.4
    dict(exercise="ch10.birnn", why="the backward outputs left in reversed time",
         rejected_by=BIRNN_CHECKS, source=_birnn(backward="run(steps[::-1], backward_weights)")),
    dict(exercise="ch10.birnn", why="the backward state first",
         rejected_by=BIRNN_CHECKS, source=_birnn(join="[b, f]")),
    dict(exercise="ch10.birnn", why="the backward RNN runs forward over the input",
         rejected_by=BIRNN_CHECKS, source=_birnn(backward="run(steps, backward_weights)")),
    # ------------------------------------------------------------ 10.5
    dict(exercise="ch10.translation_batch", why="valid lengths of the untrimmed sentences",
         rejected_by=BATCH_CHECKS, source=_batch(valid="[len(s) for s in src_sentences]")),
    dict(exercise="ch10.translation_batch", why="labels not shifted (the decoder input again)",
         rejected_by=BATCH_CHECKS, source=_batch(labels="[t[:-1] for t in tgt]")),
    dict(exercise="ch10.translation_batch", why="pads on the left",
         rejected_by=BATCH_CHECKS,
         source=_batch(pad='["<pad>"] * (num_steps - len(tokens)) + tokens[:num_steps]')),
    dict(exercise="ch10.translation_batch", why="trims from the front, keeping the last tokens",
         rejected_by=BATCH_CHECKS,
         source=_batch(pad='tokens[-num_steps:] + ["<pad>"] * (num_steps - len(tokens))')),
    # ------------------------------------------------------------ 10.6
    dict(exercise="ch10.last_state", why="the book's enc_outputs[-1]: the last, padded position",
         rejected_by=LAST_CHECKS, source='''
def last_real_state(outputs, valid_len):
    return ops.convert_to_tensor(outputs)[:, -1]
'''),
    dict(exercise="ch10.last_state", why="reads position valid_len (one too far), clipped to the end",
         rejected_by=LAST_CHECKS,
         source=_last(index='ops.minimum(ops.cast(ops.convert_to_tensor(valid_len), "int32"), '
                            'ops.shape(outputs)[1] - 1)')),
    dict(exercise="ch10.last_state", why="NumPy indexing: right values, no gradient",
         rejected_by=LAST_CHECKS, source='''
def last_real_state(outputs, valid_len):
    outputs, valid_len = ops.convert_to_numpy(outputs), ops.convert_to_numpy(valid_len)
    return outputs[np.arange(len(valid_len)), valid_len - 1]
'''),
    # ------------------------------------------------------------ 10.7
    dict(exercise="ch10.masked_loss", why="averaged over every position, padding included",
         rejected_by=MASKED_CHECKS, source=_masked(reduce="-ops.sum(picked * mask) / ops.size(mask)")),
    dict(exercise="ch10.masked_loss", why="the mean of the per-sentence means",
         rejected_by=MASKED_CHECKS,
         source=_masked(reduce="-ops.mean(ops.sum(picked * mask, axis=1) / ops.sum(mask, axis=1))")),
    dict(exercise="ch10.masked_loss", why="assumes <pad> is id 0",
         rejected_by=MASKED_CHECKS, source=_masked(pad="0")),
    dict(exercise="ch10.masked_loss", why="log of a softmax without the max shift: inf for large logits",
         rejected_by=["masked_loss_hidden_cases"],
         source=_masked(log_p="ops.log(ops.exp(logits) / ops.sum(ops.exp(logits), axis=-1, keepdims=True))")),
    dict(exercise="ch10.masked_loss", why="NumPy: right value, no gradient",
         rejected_by=["masked_loss_hidden_cases"], scores=0, source='''
def masked_ce(logits, labels, pad_id):
    logits = np.asarray(ops.convert_to_numpy(logits), dtype=np.float64)
    labels = np.asarray(ops.convert_to_numpy(labels))
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_p, labels[..., None], -1)[..., 0]
    mask = labels != pad_id
    return float(-(picked * mask).sum() / mask.sum())
'''),
    dict(exercise="ch10.greedy", why="never stops: runs max_len steps and keeps every token",
         rejected_by=GREEDY_CHECKS, source=_greedy(stop="pass")),
    dict(exercise="ch10.greedy", why="never stops: drops the eos tokens but keeps decoding after them",
         rejected_by=GREEDY_CHECKS, source=_greedy(stop="if previous == eos:\n                continue")),
    dict(exercise="ch10.greedy", why="keeps the eos token in the output",
         rejected_by=GREEDY_CHECKS,
         source=_greedy(stop="if previous == eos:\n                tokens.append(eos)\n                break")),
    dict(exercise="ch10.greedy", why="stops the whole batch when the first sequence emits eos",
         rejected_by=GREEDY_CHECKS, source='''
def greedy_decode(transitions, bos, eos, max_len):
    transitions = np.asarray(transitions)
    previous = [bos] * len(transitions)
    results = [[] for _ in transitions]
    for _ in range(max_len):
        previous = [int(np.argmax(table[p])) for table, p in zip(transitions, previous)]
        if eos in previous:
            break
        for row, token in zip(results, previous):
            row.append(token)
    return results
'''),
    dict(exercise="ch10.bleu", why="no brevity penalty", rejected_by=BLEU_CHECKS, source=_bleu(penalty="1.0")),
    dict(exercise="ch10.bleu", why="n-gram counts not clipped", rejected_by=BLEU_CHECKS, source=_bleu(clip="pass")),
    dict(exercise="ch10.bleu", why="equal weights 1/k (the geometric mean of the precisions)",
         rejected_by=BLEU_CHECKS, source=_bleu(weight="1 / k")),
    dict(exercise="ch10.bleu", why="the brevity penalty with the lengths swapped",
         rejected_by=BLEU_CHECKS, source=_bleu(penalty="math.exp(min(0.0, 1 - len_pred / len_label))")),
    dict(exercise="ch10.bleu", why="n runs to k even when the prediction is shorter (division by zero)",
         rejected_by=["bleu_hidden_cases"], source=_bleu(last="k")),
    dict(exercise="ch10.bleu", why="no case for an empty prediction (division by zero)",
         rejected_by=["bleu_hidden_cases"],
         source=_bleu().replace("    if len_pred == 0:\n        return 0.0\n", "")),
    # ------------------------------------------------------------ 10.8
    dict(exercise="ch10.beam_search", why="no length normalization: ranks by log P",
         rejected_by=BEAM_CHECKS, source=_beam(score="log_p")),
    dict(exercise="ch10.beam_search", why="L leaves out the eos token",
         rejected_by=BEAM_CHECKS,
         source=_beam(score="log_p / max(1, len(tokens) - (tokens[-1] == eos)) ** alpha")),
    dict(exercise="ch10.beam_search", why="a beam of one whatever beam_size says (greedy)",
         rejected_by=BEAM_CHECKS, source=_beam(beam="1")),
    dict(exercise="ch10.beam_search", why="finished hypotheses stay in the beam and are extended",
         rejected_by=["beam_search_hidden_cases"],
         source=_beam(finish="beams.append((tokens, log_p))\n            "
                             "candidates.append((tokens, log_p)) if tokens[-1] == eos else None")),
]
