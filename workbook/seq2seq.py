"""Sequence to sequence learning with encoder-decoders (D2L 10.6-10.8).

Chapter 10 builds the book's GRU encoder-decoder with these functions and
chapter 11 reuses the data side, the loss, the training loop, the decoding
searches and BLEU with its own (attention) decoders.

Layout: token ids are int32 arrays of shape (batch, steps), batch first, as
``workbook.text.TranslationData`` holds them (``src``, ``src_valid_len``,
``tgt_in`` = ``<bos>`` + target, ``tgt_out`` = the labels).

Valid lengths instead of Keras masks: the book's decoder takes its context
from ``enc_outputs[-1]``, the encoder's top-layer output at the *last* time
step, which for a short sentence is a step that read padding. Keras can skip
padding with ``Embedding(mask_zero=True)``, but masked recurrent layers fall
back to a slower per-step loop (3.3-4.3x the cost on CPU) and need ``<pad>``
to be id 0, which the book's sorted vocabulary does not give. So the encoder
runs over the padded batch unmasked, and every layer's state is read at the
last *real* position, ``valid_len - 1`` (``LastValid``): what the encoder had
seen after the sentence's final token, ``<eos>``. Outputs after that position
are still computed; attention (chapter 11) masks them with ``sequence_mask``.

The decoding searches talk to a model through two methods (a protocol, no
base class needed):

* ``initial_state(src, src_valid_len) -> state``: a list of numpy arrays whose
  first axis is the batch;
* ``step(tokens, state) -> (logits, state)``: ``tokens`` is an int array of
  shape (batch,), ``logits`` a (batch, vocab) array for the next token.

``GRUSeq2Seq`` implements it; ``TableDecoder`` implements ``step`` for a fixed
table of next-token probabilities (the book's beam-search figures).
"""

from __future__ import annotations

import collections
import math
from dataclasses import dataclass
from typing import Any, Sequence

import keras
import numpy as np
import torch
from keras import layers, ops

from workbook.fastfit import FastModel
from workbook.fused_rnn import FusedGRU

# ----------------------------------------------------------------- masks


def sequence_mask(valid_len, max_len: int):
    """(batch, max_len) booleans, True at the first ``valid_len[b]`` positions of row b."""
    valid_len = ops.convert_to_tensor(valid_len)
    positions = ops.arange(max_len, dtype=valid_len.dtype)
    return ops.expand_dims(positions, 0) < ops.expand_dims(valid_len, -1)


def valid_lengths(tokens, pad_id: int) -> np.ndarray:
    """The number of non-padding tokens in each row of an id array (int32)."""
    return (np.asarray(tokens) != pad_id).sum(axis=-1).astype("int32")


def gather_last_valid(outputs, valid_len):
    """``outputs[b, valid_len[b] - 1]`` for every row: (batch, steps, h) -> (batch, h).

    A valid length of 0 reads position 0 (there is no real token to read).
    """
    index = ops.maximum(ops.cast(valid_len, "int32") - 1, 0)
    index = ops.reshape(index, (-1, 1, 1))
    picked = ops.take_along_axis(outputs, ops.broadcast_to(index, (ops.shape(outputs)[0], 1,
                                                                   ops.shape(outputs)[2])), axis=1)
    return ops.squeeze(picked, axis=1)


@keras.saving.register_keras_serializable(package="workbook")
class LastValid(layers.Layer):
    """``[outputs (B, T, h), valid_len (B,)] -> outputs at the last real step (B, h)``."""

    def call(self, inputs):
        outputs, valid_len = inputs
        return gather_last_valid(outputs, valid_len)

    def compute_output_shape(self, input_shapes):
        outputs_shape, _ = input_shapes
        return (outputs_shape[0], outputs_shape[2])


@keras.saving.register_keras_serializable(package="workbook")
class ConcatContext(layers.Layer):
    """``[x (B, T, e), context (B, h)] -> (B, T, e + h)``: the context joins every step.

    The book repeats ``enc_outputs[-1]`` over the decoder's steps; broadcasting
    does the same for any number of steps (1 when decoding token by token).
    """

    def call(self, inputs):
        x, context = inputs
        repeated = ops.expand_dims(context, 1) * ops.ones_like(x[..., :1])
        return ops.concatenate([x, repeated], axis=-1)

    def compute_output_shape(self, input_shapes):
        x_shape, context_shape = input_shapes
        return (x_shape[0], x_shape[1], x_shape[2] + context_shape[1])


# ----------------------------------------------------------------- models


def gru_stack(x, num_hiddens: int, num_layers: int, dropout: float = 0.0,
              initial_states=None, name: str = "gru"):
    """``num_layers`` GRUs over ``x`` (B, T, d) with ``Dropout(dropout)`` between them.

    torch's ``nn.GRU(dropout=p)`` drops the outputs of every layer but the
    last; Keras' ``GRU(dropout=p)`` would drop each layer's *inputs*, so the
    drop is a layer of its own. Returns (top outputs (B, T, h), the list of
    each layer's final state (B, h)).
    """
    states = []
    for i in range(num_layers):
        if i and dropout:
            x = layers.Dropout(dropout, name=f"{name}_dropout{i}")(x)
        gru = FusedGRU(num_hiddens, return_sequences=True, return_state=True, name=f"{name}{i + 1}")
        initial = None if initial_states is None else initial_states[i]
        x, state = gru(x, initial_state=initial)
        states.append(state)
    return x, states


def seq2seq_encoder(vocab_size: int, embed_size: int, num_hiddens: int, num_layers: int,
                    dropout: float = 0.0, name: str = "encoder") -> keras.Model:
    """The book's ``Seq2SeqEncoder``: Embedding, then a stack of (fused) GRUs.

    Inputs ``[src (B, T) int32, src_valid_len (B,) int32]``; outputs
    ``[top-layer outputs (B, T, h), state_1, ..., state_L]`` where each state
    (B, h) is that layer's output at the last real step (see ``LastValid``),
    not at the last padded one.
    """
    src = keras.Input((None,), dtype="int32", name="src")
    valid_len = keras.Input((), dtype="int32", name="src_valid_len")
    x = layers.Embedding(vocab_size, embed_size, name=f"{name}_embedding")(src)
    states = []
    for i in range(num_layers):
        if i and dropout:
            x = layers.Dropout(dropout, name=f"{name}_dropout{i}")(x)
        x = FusedGRU(num_hiddens, return_sequences=True, name=f"{name}_gru{i + 1}")(x)
        states.append(LastValid(name=f"{name}_state{i + 1}")([x, valid_len]))
    return keras.Model([src, valid_len], [x] + states, name=name)


def seq2seq_decoder(vocab_size: int, embed_size: int, num_hiddens: int, num_layers: int,
                    dropout: float = 0.0, name: str = "decoder") -> keras.Model:
    """The book's ``Seq2SeqDecoder`` as a functional model usable for any number of steps.

    Inputs ``[tokens (B, t) int32, context (B, h), state_1, ..., state_L]``;
    outputs ``[logits (B, t, vocab), new state_1, ..., new state_L]``. Every
    step sees its token's embedding concatenated with ``context`` (the
    encoder's top state); the GRUs start from the given states. Training
    calls it once on the whole teacher-forced input; decoding calls it with
    t = 1 and feeds the states back.
    """
    tokens = keras.Input((None,), dtype="int32", name="dec_tokens")
    context = keras.Input((num_hiddens,), name="context")
    states = [keras.Input((num_hiddens,), name=f"dec_state{i + 1}") for i in range(num_layers)]
    x = layers.Embedding(vocab_size, embed_size, name=f"{name}_embedding")(tokens)
    x = ConcatContext(name=f"{name}_context")([x, context])
    x, new_states = gru_stack(x, num_hiddens, num_layers, dropout, states, name=f"{name}_gru")
    logits = layers.Dense(vocab_size, name=f"{name}_logits")(x)
    return keras.Model([tokens, context] + states, [logits] + new_states, name=name)


def encoder_decoder(encoder: keras.Model, decoder: keras.Model, name: str = "seq2seq") -> FastModel:
    """The training model ``[src, src_valid_len, tgt_in] -> logits`` (D2L's EncoderDecoder).

    The decoder's context and initial states are the encoder's final states;
    ``tgt_in`` is ``<bos>`` + the target shifted right (teacher forcing). A
    ``FastModel`` (its ``fit`` runs the encoder and decoder without Keras'
    per-layer call overhead); the two parts stay plain ``keras.Model``.
    """
    src = keras.Input((None,), dtype="int32", name="src")
    valid_len = keras.Input((), dtype="int32", name="src_valid_len")
    tgt_in = keras.Input((None,), dtype="int32", name="tgt_in")
    states = encoder([src, valid_len])[1:]
    logits = decoder([tgt_in, states[-1]] + list(states))[0]
    return FastModel([src, valid_len, tgt_in], logits, name=name)


@dataclass
class GRUSeq2Seq:
    """The three models of a GRU encoder-decoder, sharing their layers."""

    encoder: keras.Model
    decoder: keras.Model
    model: keras.Model

    def initial_state(self, src, src_valid_len) -> list[np.ndarray]:
        """``[context, state_1, ..., state_L]`` for a batch of sources."""
        with torch.no_grad():
            states = self.encoder([np.asarray(src, "int32"), np.asarray(src_valid_len, "int32")],
                                  training=False)[1:]
        states = [ops.convert_to_numpy(s) for s in states]
        return [states[-1]] + states

    def step(self, tokens, state):
        """Logits (B, vocab) for the next token and the new state, one token per row."""
        tokens = np.asarray(tokens, "int32").reshape(-1, 1)
        with torch.no_grad():
            outputs = self.decoder([tokens] + list(state), training=False)
        logits, *hidden = (ops.convert_to_numpy(o) for o in outputs)
        return logits[:, -1], [state[0]] + hidden


def build_seq2seq(src_vocab_size: int, tgt_vocab_size: int, embed_size: int, num_hiddens: int,
                  num_layers: int, dropout: float = 0.0) -> GRUSeq2Seq:
    """Encoder, decoder and training model of the book's GRU seq2seq (D2L 10.7)."""
    encoder = seq2seq_encoder(src_vocab_size, embed_size, num_hiddens, num_layers, dropout)
    decoder = seq2seq_decoder(tgt_vocab_size, embed_size, num_hiddens, num_layers, dropout)
    return GRUSeq2Seq(encoder, decoder, encoder_decoder(encoder, decoder))


# ------------------------------------------------------------------- loss


def masked_cross_entropy(labels, logits, pad_id: int):
    """Cross-entropy averaged over the real (non-``pad_id``) labels only.

    ``sum(ce * mask) / sum(mask)`` as the book's ``Seq2Seq.loss``: a batch
    of short sentences counts each real token once, however much padding
    it holds. (Keras' default ``"sum_over_batch_size"`` reduction would
    divide by every position, padding included.) keras.ops, differentiable.
    """
    labels = ops.cast(ops.convert_to_tensor(labels), "int32")
    ce = ops.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    mask = ops.cast(ops.not_equal(labels, pad_id), ce.dtype)
    return ops.sum(ce * mask) / ops.maximum(ops.sum(mask), 1.0)


@keras.saving.register_keras_serializable(package="workbook")
class MaskedSequenceLoss(keras.losses.Loss):
    """``masked_cross_entropy`` as a Keras loss (labels (B, T), logits (B, T, V))."""

    def __init__(self, pad_id: int, name: str = "masked_ce", **kwargs):
        kwargs.pop("reduction", None)
        super().__init__(name=name, reduction=None, **kwargs)
        self.pad_id = int(pad_id)

    def call(self, y_true, y_pred):
        return masked_cross_entropy(y_true, y_pred, self.pad_id)

    def get_config(self):
        return {"pad_id": self.pad_id, "name": self.name}


# --------------------------------------------------------------- training


def train_seq2seq(model: keras.Model, data, *, epochs: int, batch_size: int,
                  learning_rate: float = 0.005, clip: float = 1.0, verbose: int = 2,
                  callbacks: Sequence[keras.callbacks.Callback] = ()):
    """Teacher forcing: fit ``[src, src_valid_len, tgt_in] -> tgt_out`` with the masked loss.

    The book's setting: Adam, gradients clipped to a *global* norm of
    ``clip`` (``global_clipnorm``; ``clipnorm`` would clip each variable on
    its own). ``data`` has the fields of ``workbook.text.TranslationData``.
    Compiles ``model`` on the first call only, so calling again continues the
    training with the same optimizer state. Returns the Keras History.
    """
    if not getattr(model, "_workbook_seq2seq_compiled", False):
        model.compile(optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=clip),
                      loss=MaskedSequenceLoss(data.tgt_vocab["<pad>"]))
        model._workbook_seq2seq_compiled = True
    return model.fit([data.src, data.src_valid_len, data.tgt_in], data.tgt_out, epochs=epochs,
                     batch_size=batch_size, verbose=verbose, callbacks=list(callbacks))


# --------------------------------------------------------------- decoding


def greedy_decode(decoder: Any, state, bos: int, eos: int, max_len: int) -> list[list[int]]:
    """Greedy decoding of a batch: each row stops at its own first ``eos``.

    ``decoder.step`` gives the next token's logits (see the module doc); the
    arg-max token is fed back. A row's result holds its tokens before
    ``eos`` (never ``eos`` itself), at most ``max_len`` of them; the loop ends
    when every row has emitted ``eos`` or after ``max_len`` steps. (The book's
    ``predict_step`` always runs ``num_steps`` steps and cuts at ``<eos>``
    only when printing.)
    """
    batch = len(state[0])
    tokens = np.full(batch, bos, dtype="int32")
    results: list[list[int]] = [[] for _ in range(batch)]
    done = np.zeros(batch, dtype=bool)
    for _ in range(max_len):
        logits, state = decoder.step(tokens, state)
        tokens = np.asarray(logits).argmax(axis=-1).astype("int32")
        for row in np.flatnonzero(~done):
            if tokens[row] == eos:
                done[row] = True
            else:
                results[row].append(int(tokens[row]))
        if done.all():
            break
    return results


def log_softmax(logits) -> np.ndarray:
    """Row-wise log-softmax in float64, stable for large logits."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def length_normalized(log_prob: float, length: int, alpha: float = 0.75) -> float:
    """The book's final score of a candidate: ``log P / L**alpha`` (D2L 10.8.3)."""
    return log_prob / length ** alpha


def beam_search(decoder: Any, state, bos: int, eos: int, beam_size: int, max_len: int,
                alpha: float = 0.75) -> list[tuple[list[int], float, float]]:
    """Beam search for ONE source (``state`` has batch 1), D2L 10.8.3.

    At every step each live hypothesis is extended by every token, and the
    ``beam_size`` extensions with the highest log-probability (the sum of
    the tokens' log-probabilities, not normalized) survive. A survivor that
    ends in ``eos`` is finished: it leaves the beam and becomes a candidate;
    the live ones go on, and after ``max_len`` steps the remaining live ones
    become candidates too. Candidates are ranked by ``log P / L**alpha``
    (``L`` counts the tokens, ``eos`` included), which keeps short
    sequences from winning only because they multiply fewer probabilities.

    Returns ``(tokens, log_prob, score)`` for every candidate, best first;
    ``tokens`` ends with ``eos`` when it finished. ``beam_size=1`` is greedy.
    """
    if beam_size < 1 or max_len < 1:
        raise ValueError(f"beam_size and max_len must be at least 1, got {beam_size} and {max_len}")
    beams: list[tuple[list[int], float]] = [([], 0.0)]
    candidates: list[tuple[list[int], float]] = []
    for _ in range(max_len):
        tokens = np.array([seq[-1] if seq else bos for seq, _ in beams], dtype="int32")
        logits, state = decoder.step(tokens, state)
        totals = np.array([lp for _, lp in beams])[:, None] + log_softmax(logits)
        best = np.argsort(-totals, axis=None, kind="stable")[:beam_size]
        rows, words = np.unravel_index(best, totals.shape)
        live, keep = [], []
        for row, word in zip(rows, words):
            hypothesis = (beams[row][0] + [int(word)], float(totals[row, word]))
            if word == eos:
                candidates.append(hypothesis)
            else:
                live.append(hypothesis)
                keep.append(row)
        if not live:
            break
        beams = live
        state = [np.asarray(s)[np.array(keep)] for s in state]
    else:
        candidates.extend(beams)
    ranked = [(seq, lp, length_normalized(lp, len(seq), alpha)) for seq, lp in candidates]
    return sorted(ranked, key=lambda item: -item[2])


class TableDecoder:
    """``step`` from a fixed table: ``probs[prefix]`` is the next-token distribution.

    ``probs`` maps tuples of token ids (the prefix decoded so far, ``()``
    first) to probability vectors, and ``default`` (if given) serves every
    prefix the table does not list; the state is the batch's prefixes. The
    book's beam-search figures (D2L 10.8) are such a table.
    """

    def __init__(self, probs: dict[tuple[int, ...], Sequence[float]],
                 default: Sequence[float] | None = None):
        self.probs = {tuple(k): np.asarray(v, dtype=np.float64) for k, v in probs.items()}
        self.default = None if default is None else np.asarray(default, dtype=np.float64)

    def distribution(self, prefix: Sequence[int]) -> np.ndarray:
        """The next-token distribution after ``prefix`` (``default`` for unlisted prefixes)."""
        key = tuple(int(t) for t in prefix)
        if key in self.probs:
            return self.probs[key]
        if self.default is None:
            raise KeyError(f"the table has no distribution after the prefix {key}")
        return self.default

    def initial_state(self, batch: int = 1):
        """[prefixes (batch, 0), steps taken (batch,)]."""
        return [np.zeros((batch, 0), dtype="int32"), np.zeros(batch, dtype="int32")]

    def step(self, tokens, state):
        prefixes, steps = state
        if steps.size and steps[0] > 0:  # the first step feeds <bos>, not part of the prefix
            prefixes = np.hstack([prefixes, np.asarray(tokens, dtype="int32").reshape(-1, 1)])
        with np.errstate(divide="ignore"):  # a zero probability is a log-probability of -inf
            rows = np.log(np.array([self.distribution(prefix) for prefix in prefixes]))
        return rows.reshape(len(prefixes), -1), [prefixes, steps + 1]


def sequence_probability(decoder: TableDecoder, tokens: Sequence[int]) -> float:
    """P(tokens) under a table: the product of each token's conditional probability."""
    p = 1.0
    for t, token in enumerate(tokens):
        p *= float(decoder.distribution(tokens[:t])[token])
    return p


# ------------------------------------------------------------ translation


def translate(seq2seq: Any, data, sentences: Sequence[str], max_len: int | None = None,
              beam_size: int = 1, alpha: float = 0.75) -> list[list[str]]:
    """Translate English sentences into target tokens (``<eos>`` and after dropped).

    ``data`` is the ``TranslationData`` the model was trained on (for its
    vocabularies and ``encode_source``); ``max_len`` defaults to its
    ``num_steps``. ``beam_size`` 1 decodes greedily (all sentences at once),
    more runs ``beam_search`` sentence by sentence.
    """
    src, valid_len = data.encode_source(list(sentences))
    max_len = max_len or src.shape[1]
    bos, eos = data.tgt_vocab["<bos>"], data.tgt_vocab["<eos>"]
    state = seq2seq.initial_state(src, valid_len)
    if beam_size == 1:
        ids = greedy_decode(seq2seq, state, bos, eos, max_len)
    else:
        ids = []
        for row in range(len(src)):
            best = beam_search(seq2seq, [s[row:row + 1] for s in state], bos, eos, beam_size,
                               max_len, alpha)[0][0]
            ids.append(best[:-1] if best and best[-1] == eos else best)
    return [data.tgt_vocab.to_tokens(seq) for seq in ids]


# -------------------------------------------------------------------- BLEU


def bleu(pred, label, k: int) -> float:
    """The book's BLEU (D2L 10.7.6): brevity penalty times clipped n-gram precisions.

    ``exp(min(0, 1 - len_label / len_pred)) * prod_n p_n ** (1 / 2**n)`` for
    n = 1 .. min(k, len_pred), where p_n counts each of the prediction's
    n-grams as matched at most as often as it occurs in the label. ``pred``
    and ``label`` are strings (split on whitespace) or token lists. An empty
    prediction scores 0.
    """
    pred_tokens = pred.split() if isinstance(pred, str) else list(pred)
    label_tokens = label.split() if isinstance(label, str) else list(label)
    len_pred, len_label = len(pred_tokens), len(label_tokens)
    if len_pred == 0:
        return 0.0
    score = math.exp(min(0.0, 1.0 - len_label / len_pred))
    for n in range(1, min(k, len_pred) + 1):
        available = collections.Counter(
            tuple(label_tokens[i:i + n]) for i in range(len_label - n + 1))
        matches = 0
        for i in range(len_pred - n + 1):
            gram = tuple(pred_tokens[i:i + n])
            if available[gram] > 0:
                matches += 1
                available[gram] -= 1
        score *= math.pow(matches / (len_pred - n + 1), math.pow(0.5, n))
    return score


def mean_bleu(predictions: Sequence, labels: Sequence, k: int = 2) -> float:
    """The average BLEU of paired predictions and labels."""
    if len(predictions) != len(labels) or not labels:
        raise ValueError(f"need as many predictions as labels (got {len(predictions)} and {len(labels)})")
    return float(np.mean([bleu(p, t, k) for p, t in zip(predictions, labels)]))
