"""Attention mechanisms and Transformers (D2L chapter 11) for Keras 3.

Chapter 11 builds its models from these pieces; the Bahdanau and Transformer
translators reuse ``workbook.seq2seq`` for the encoder, the masked loss, the
training loop, greedy/beam decoding and BLEU (they implement its
``initial_state`` / ``step`` protocol).

Conventions: tensors are batch first, ``(batch, steps, features)``; Dense
kernels are ``(in, out)``; images are channels last. A *valid length* says
how many keys (from the left) a query may attend to: a 1-D ``(batch,)``
array, the same for every query of an example, or a 2-D ``(batch, queries)``
one. Keras' own layers take boolean masks instead (True = attend), and
``valid_lens_mask`` turns the one into the other.

Two conventions for a query that may attend to nothing (valid length 0):
the book fills masked scores with -1e6, so such a row comes out *uniform*
(``masked_softmax`` keeps this); Keras' ``Softmax(mask)`` and
``MultiHeadAttention`` give a row of *zeros*.

The custom layers are registered (package ``workbook``) and have a
``get_config``, so models holding them save to and load from ``.keras``
files. The models that are trained (the translators' ``model``, the ViT)
are ``workbook.fastfit.FastModel`` s; encoders, decoders and probes stay
plain ``keras.Model``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import keras
import numpy as np
import torch
from keras import layers, ops

from workbook import seq2seq
from workbook.fast_layers import register_lowering
from workbook.fastfit import FastModel

MASK_VALUE = -1e6  # the book's fill value for masked scores
_register = keras.saving.register_keras_serializable(package="workbook")

# ----------------------------------------------------------------- masks


def valid_lens_mask(valid_lens, num_queries: int, num_keys: int):
    """(batch, num_queries, num_keys) booleans: True where key j < valid_lens.

    ``valid_lens`` is (batch,) (one length per example) or (batch,
    num_queries) (one per query).
    """
    valid_lens = ops.convert_to_tensor(valid_lens)
    if len(valid_lens.shape) == 1:
        valid_lens = ops.repeat(ops.expand_dims(valid_lens, 1), num_queries, axis=1)
    elif len(valid_lens.shape) != 2:
        raise ValueError(f"valid_lens must be 1-D or 2-D, got shape {tuple(valid_lens.shape)}")
    keys = ops.arange(num_keys, dtype=valid_lens.dtype)
    return ops.expand_dims(ops.expand_dims(keys, 0), 0) < ops.expand_dims(valid_lens, -1)


def masked_softmax(scores, valid_lens=None):
    """The book's masked softmax over the last axis of (batch, queries, keys) scores.

    Scores of keys at or beyond a query's valid length become -1e6 before the
    softmax, so their weights are 0 (to float precision) and a fully masked
    row is uniform, as in D2L. ``valid_lens=None`` masks nothing.
    """
    if valid_lens is None:
        return ops.softmax(scores, axis=-1)
    mask = valid_lens_mask(valid_lens, ops.shape(scores)[1], ops.shape(scores)[2])
    return ops.softmax(ops.where(mask, scores, ops.cast(MASK_VALUE, scores.dtype)), axis=-1)


@_register
class KeyMask(layers.Layer):
    """``[valid_lens (B,), queries (B, Tq, .), keys (B, Tk, .)] -> (B, Tq, Tk)`` booleans,
    the ``attention_mask`` of ``keras.layers.MultiHeadAttention`` for padded keys."""

    def call(self, inputs):
        valid_lens, queries, keys = inputs
        return valid_lens_mask(ops.cast(valid_lens, "int32"), ops.shape(queries)[1], ops.shape(keys)[1])

    def compute_output_shape(self, input_shapes):
        _, q_shape, k_shape = input_shapes
        return (q_shape[0], q_shape[1], k_shape[1])

    def compute_output_spec(self, inputs):
        _, queries, keys = inputs
        return keras.KerasTensor((queries.shape[0], queries.shape[1], keys.shape[1]), dtype="bool")


# ------------------------------------------------------ attention layers


@_register
class DotProductAttention(layers.Layer):
    """Scaled dot-product attention, ``softmax(Q K^T / sqrt(d)) V`` (D2L 11.3.2).

    ``call(queries (B, Tq, d), keys (B, Tk, d), values (B, Tk, v), valid_lens=None)``
    returns (B, Tq, v). The weights of the last call are kept in
    ``last_attention_weights`` (B, Tq, Tk) for heat maps. Dropout acts on the
    weights in training.
    """

    def __init__(self, dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.dropout = float(dropout)
        self.drop = layers.Dropout(self.dropout)
        self.last_attention_weights = None

    def call(self, queries, keys, values, valid_lens=None, training=None):
        d = ops.cast(ops.shape(queries)[-1], queries.dtype)
        scores = ops.matmul(queries, ops.swapaxes(keys, 1, 2)) / ops.sqrt(d)
        weights = masked_softmax(scores, valid_lens)
        self.last_attention_weights = weights
        return ops.matmul(self.drop(weights, training=training), values)

    def get_config(self):
        return {**super().get_config(), "dropout": self.dropout}


@_register
class AdditiveAttention(layers.Layer):
    """Additive attention, score ``w_v^T tanh(W_q q + W_k k)`` (D2L 11.3.3).

    ``W_q``, ``W_k`` (to ``num_hiddens``) and ``w_v`` (to 1) are bias-free
    Dense layers, so queries and keys may have different sizes. Same call and
    ``last_attention_weights`` as ``DotProductAttention``.
    """

    def __init__(self, num_hiddens: int, dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.num_hiddens = int(num_hiddens)
        self.dropout = float(dropout)
        self.W_q = layers.Dense(self.num_hiddens, use_bias=False, name="W_q")
        self.W_k = layers.Dense(self.num_hiddens, use_bias=False, name="W_k")
        self.w_v = layers.Dense(1, use_bias=False, name="w_v")
        self.drop = layers.Dropout(self.dropout)
        self.last_attention_weights = None

    def build(self, queries_shape, keys_shape, values_shape=None, valid_lens_shape=None):
        self.W_q.build(queries_shape)
        self.W_k.build(keys_shape)
        self.w_v.build((None, None, None, self.num_hiddens))

    def call(self, queries, keys, values, valid_lens=None, training=None):
        # (B, Tq, 1, h) + (B, 1, Tk, h): every query against every key
        features = ops.tanh(ops.expand_dims(self.W_q(queries), 2) + ops.expand_dims(self.W_k(keys), 1))
        scores = ops.squeeze(self.w_v(features), -1)
        weights = masked_softmax(scores, valid_lens)
        self.last_attention_weights = weights
        return ops.matmul(self.drop(weights, training=training), values)

    def get_config(self):
        return {**super().get_config(), "num_hiddens": self.num_hiddens, "dropout": self.dropout}


def transpose_qkv(x, num_heads: int):
    """(B, T, H) -> (B * heads, T, H / heads): head h of example b is row b * heads + h."""
    batch, steps, hidden = ops.shape(x)
    if hidden % num_heads:
        raise ValueError(f"{hidden} features do not split into {num_heads} heads")
    x = ops.reshape(x, (batch, steps, num_heads, hidden // num_heads))
    x = ops.transpose(x, (0, 2, 1, 3))
    return ops.reshape(x, (batch * num_heads, steps, hidden // num_heads))


def transpose_output(x, num_heads: int):
    """The inverse of ``transpose_qkv``: (B * heads, T, d) -> (B, T, heads * d)."""
    rows, steps, depth = ops.shape(x)
    x = ops.reshape(x, (rows // num_heads, num_heads, steps, depth))
    x = ops.transpose(x, (0, 2, 1, 3))
    return ops.reshape(x, (rows // num_heads, steps, num_heads * depth))


@_register
class MultiHeadAttentionScratch(layers.Layer):
    """The book's multi-head attention (D2L 11.5): ``num_heads`` scaled dot-product
    attentions on projections of size ``num_hiddens / num_heads``, concatenated
    and projected by ``W_o``. ``call(queries, keys, values, valid_lens=None)``.
    """

    def __init__(self, num_hiddens: int, num_heads: int, dropout: float = 0.0,
                 use_bias: bool = False, **kwargs):
        super().__init__(**kwargs)
        if num_hiddens % num_heads:
            raise ValueError(f"num_hiddens={num_hiddens} is not a multiple of num_heads={num_heads}")
        self.num_hiddens, self.num_heads = int(num_hiddens), int(num_heads)
        self.dropout, self.use_bias = float(dropout), bool(use_bias)
        self.attention = DotProductAttention(dropout)
        self.W_q, self.W_k, self.W_v, self.W_o = (
            layers.Dense(self.num_hiddens, use_bias=self.use_bias, name=name)
            for name in ("W_q", "W_k", "W_v", "W_o"))

    def build(self, queries_shape, keys_shape, values_shape, valid_lens_shape=None):
        self.W_q.build(queries_shape)
        self.W_k.build(keys_shape)
        self.W_v.build(values_shape)
        self.W_o.build((None, None, self.num_hiddens))

    def call(self, queries, keys, values, valid_lens=None, training=None):
        h = self.num_heads
        q, k, v = (transpose_qkv(W(x), h) for W, x in
                   ((self.W_q, queries), (self.W_k, keys), (self.W_v, values)))
        if valid_lens is not None:  # the same lengths for every head of an example
            valid_lens = ops.repeat(ops.convert_to_tensor(valid_lens), h, axis=0)
        output = self.attention(q, k, v, valid_lens, training=training)
        return self.W_o(transpose_output(output, h))

    @property
    def last_attention_weights(self):
        """(B * heads, Tq, Tk), rows ordered as ``transpose_qkv`` orders them."""
        return self.attention.last_attention_weights

    def get_config(self):
        return {**super().get_config(), "num_hiddens": self.num_hiddens, "num_heads": self.num_heads,
                "dropout": self.dropout, "use_bias": self.use_bias}


def mha_weights_from_scratch(scratch: MultiHeadAttentionScratch) -> list[np.ndarray]:
    """The kernels of a bias-free scratch layer, reshaped for
    ``keras.layers.MultiHeadAttention(num_heads, key_dim=H / heads, use_bias=False)``:
    W_q, W_k, W_v (in, H) -> (in, heads, d) and W_o (H, out) -> (heads, d, out)
    (head h owns the columns h*d .. (h+1)*d - 1, as ``transpose_qkv`` splits them)."""
    if scratch.use_bias:
        raise ValueError("only the bias-free layer maps onto these four kernels")
    h, d = scratch.num_heads, scratch.num_hiddens // scratch.num_heads
    kernels = [ops.convert_to_numpy(W.kernel) for W in (scratch.W_q, scratch.W_k, scratch.W_v)]
    out = ops.convert_to_numpy(scratch.W_o.kernel)
    return [w.reshape(w.shape[0], h, d) for w in kernels] + [out.reshape(h, d, out.shape[1])]


# ------------------------------------------------------ position encoding


def sinusoidal_encoding(max_len: int, num_hiddens: int) -> np.ndarray:
    """The book's P (max_len, num_hiddens), float32: column 2j holds
    sin(i / 10000^(2j/d)), column 2j+1 cos of the same (D2L 11.6.3)."""
    if max_len < 1 or num_hiddens < 1:
        raise ValueError(f"max_len and num_hiddens must be positive, got {max_len}, {num_hiddens}")
    positions = np.arange(max_len, dtype=np.float64)[:, None]
    frequencies = np.power(10000.0, np.arange(0, num_hiddens, 2, dtype=np.float64) / num_hiddens)
    angles = positions / frequencies
    P = np.zeros((max_len, num_hiddens))
    P[:, 0::2] = np.sin(angles)
    P[:, 1::2] = np.cos(angles[:, : num_hiddens // 2])
    return P.astype(np.float32)


@_register
class PositionalEncoding(layers.Layer):
    """Adds ``sinusoidal_encoding(max_len, num_hiddens)[:T]`` to (B, T, num_hiddens)
    inputs, then dropout. A constant, not a weight: nothing is learned or saved."""

    def __init__(self, num_hiddens: int, dropout: float = 0.0, max_len: int = 1000, **kwargs):
        super().__init__(**kwargs)
        self.num_hiddens, self.dropout, self.max_len = int(num_hiddens), float(dropout), int(max_len)
        self.P = sinusoidal_encoding(self.max_len, self.num_hiddens)
        self.drop = layers.Dropout(self.dropout)

    def call(self, x, training=None):
        steps = ops.shape(x)[1]
        P = ops.convert_to_tensor(self.P)[None, :steps]
        return self.drop(x + ops.cast(P, x.dtype), training=training)

    def get_config(self):
        return {**super().get_config(), "num_hiddens": self.num_hiddens, "dropout": self.dropout,
                "max_len": self.max_len}


def _lowered_positional_encoding(layer):
    """For the fast loop: the table converted once per device and dtype, not
    every step, and the layer's own Dropout, so the same masks are drawn."""
    tables = {}

    def call(x, training=None):
        key = (x.device, x.dtype)
        if key not in tables:
            tables[key] = torch.as_tensor(layer.P, dtype=x.dtype, device=x.device)[None]
        return layer.drop.call(x + tables[key][:, :x.shape[1]], training=training)
    return call


register_lowering(PositionalEncoding, _lowered_positional_encoding)


def rotation(angle: float) -> np.ndarray:
    """The 2x2 matrix that maps (p_{i,2j}, p_{i,2j+1}) to (p_{i+delta,2j}, p_{i+delta,2j+1})
    for ``angle = delta * omega_j`` (D2L 11.6.3.2)."""
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, s], [-s, c]])


# ----------------------------------------------------- Transformer blocks


def add_norm(x, y, dropout: float = 0.0, name: str | None = None):
    """The book's AddNorm: ``LayerNorm(x + Dropout(y))``, torch's epsilon 1e-5."""
    y = layers.Dropout(dropout)(y) if dropout else y
    return layers.LayerNormalization(epsilon=1e-5, name=name)(layers.Add()([x, y]))


def position_wise_ffn(x, ffn_num_hiddens: int, num_outputs: int, activation: str = "relu"):
    """Dense(ffn, relu) -> Dense(out), applied to every position alike (D2L 11.7.2)."""
    return layers.Dense(num_outputs)(layers.Dense(ffn_num_hiddens, activation=activation)(x))


def _mha(num_hiddens: int, num_heads: int, dropout: float, name: str | None = None):
    if num_hiddens % num_heads:
        raise ValueError(f"num_hiddens={num_hiddens} is not a multiple of num_heads={num_heads}")
    return layers.MultiHeadAttention(num_heads, key_dim=num_hiddens // num_heads, dropout=dropout,
                                     use_bias=False, name=name)


def encoder_block(x, mask, num_hiddens: int, ffn_num_hiddens: int, num_heads: int,
                  dropout: float = 0.0, name: str = "enc"):
    """Self-attention (keys masked by ``mask`` (B, T, T)) + AddNorm, FFN + AddNorm."""
    y = _mha(num_hiddens, num_heads, dropout, f"{name}_attention")(x, x, attention_mask=mask)
    x = add_norm(x, y, dropout, f"{name}_norm1")
    return add_norm(x, position_wise_ffn(x, ffn_num_hiddens, num_hiddens), dropout, f"{name}_norm2")


def decoder_block(x, memory, memory_mask, num_hiddens: int, ffn_num_hiddens: int, num_heads: int,
                  dropout: float = 0.0, name: str = "dec"):
    """Causal self-attention, attention to the encoder's ``memory`` (padded source
    keys masked by ``memory_mask`` (B, T_tgt, T_src)) and the FFN, each + AddNorm."""
    y = _mha(num_hiddens, num_heads, dropout, f"{name}_self_attention")(x, x, use_causal_mask=True)
    x = add_norm(x, y, dropout, f"{name}_norm1")
    y = _mha(num_hiddens, num_heads, dropout, f"{name}_cross_attention")(
        x, memory, attention_mask=memory_mask)
    x = add_norm(x, y, dropout, f"{name}_norm2")
    return add_norm(x, position_wise_ffn(x, ffn_num_hiddens, num_hiddens), dropout, f"{name}_norm3")


def _embed(tokens, vocab_size: int, num_hiddens: int, dropout: float, name: str):
    """Embedding scaled by sqrt(num_hiddens) (so it is not drowned by P in [-1, 1]) + P."""
    x = layers.Embedding(vocab_size, num_hiddens, name=f"{name}_embedding")(tokens)
    x = layers.Rescaling(math.sqrt(num_hiddens))(x)
    return PositionalEncoding(num_hiddens, dropout, name=f"{name}_positions")(x)


@dataclass
class TransformerSeq2Seq:
    """Encoder, decoder and training model of the book's Transformer (D2L 11.7).

    ``model``: ``[src, src_valid_len, tgt_in] -> logits``, for
    ``seq2seq.train_seq2seq``. For decoding (``seq2seq.greedy_decode``,
    ``beam_search``, ``translate``) the state is ``[memory, src_valid_len,
    prefix]`` and every ``step`` re-runs the decoder on the whole prefix
    decoded so far (O(T^2) work, nothing cached): with the causal mask the
    last position's logits are what the teacher-forced model computes there.
    """

    encoder: keras.Model
    decoder: keras.Model
    model: keras.Model

    def initial_state(self, src, src_valid_len) -> list[np.ndarray]:
        src, valid = np.asarray(src, "int32"), np.asarray(src_valid_len, "int32")
        with torch.no_grad():
            memory = ops.convert_to_numpy(self.encoder([src, valid], training=False))
        return [memory, valid, np.zeros((len(src), 0), dtype="int32")]

    def step(self, tokens, state):
        memory, valid, prefix = state
        prefix = np.hstack([prefix, np.asarray(tokens, "int32").reshape(-1, 1)])
        with torch.no_grad(), warnings.catch_warnings():
            # the first step attends over one key, which Keras' softmax warns about
            warnings.filterwarnings("ignore", message="You are using a softmax over axis")
            logits = ops.convert_to_numpy(self.decoder([prefix, memory, valid], training=False))
        return logits[:, -1], [memory, valid, prefix]


def build_transformer(src_vocab_size: int, tgt_vocab_size: int, num_hiddens: int, ffn_num_hiddens: int,
                      num_heads: int, num_blks: int, dropout: float = 0.0) -> TransformerSeq2Seq:
    """The book's encoder-decoder Transformer from stock Keras layers (+ the PE and mask layers)."""
    src = keras.Input((None,), dtype="int32", name="src")
    valid = keras.Input((), dtype="int32", name="src_valid_len")
    x = _embed(src, src_vocab_size, num_hiddens, dropout, "enc")
    mask = KeyMask(name="src_mask")([valid, x, x])
    for i in range(num_blks):
        x = encoder_block(x, mask, num_hiddens, ffn_num_hiddens, num_heads, dropout, f"enc{i + 1}")
    encoder = keras.Model([src, valid], x, name="transformer_encoder")

    tokens = keras.Input((None,), dtype="int32", name="dec_tokens")
    memory = keras.Input((None, num_hiddens), name="memory")
    memory_valid = keras.Input((), dtype="int32", name="memory_valid_len")
    y = _embed(tokens, tgt_vocab_size, num_hiddens, dropout, "dec")
    memory_mask = KeyMask(name="memory_mask")([memory_valid, y, memory])
    for i in range(num_blks):
        y = decoder_block(y, memory, memory_mask, num_hiddens, ffn_num_hiddens, num_heads, dropout,
                          f"dec{i + 1}")
    logits = layers.Dense(tgt_vocab_size, name="logits")(y)
    decoder = keras.Model([tokens, memory, memory_valid], logits, name="transformer_decoder")

    tgt_in = keras.Input((None,), dtype="int32", name="tgt_in")
    model = FastModel([src, valid, tgt_in], decoder([tgt_in, encoder([src, valid]), valid]),
                      name="transformer")
    return TransformerSeq2Seq(encoder, decoder, model)


# ------------------------------------------------------------- Bahdanau


@_register
class BahdanauDecoder(layers.Layer):
    """The book's ``Seq2SeqAttentionDecoder`` (D2L 11.4) as one layer looping over steps.

    At step t the query is the top GRU layer's previous state; additive
    attention over the encoder outputs (padded positions masked) gives the
    context, which is concatenated with the token's embedding and fed to the
    stacked ``GRUCell`` s. ``call(tokens (B, T), enc_outputs (B, S, h),
    enc_valid_len (B,), states [(B, h)] * num_layers)`` returns ``[logits (B, T,
    vocab), attention weights (B, T, S), *new states]``. T must be known when a
    functional model is built (the loop is unrolled in Python).
    """

    def __init__(self, vocab_size: int, embed_size: int, num_hiddens: int, num_layers: int,
                 dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size, self.embed_size = int(vocab_size), int(embed_size)
        self.num_hiddens, self.num_layers, self.dropout = int(num_hiddens), int(num_layers), float(dropout)
        self.attention = AdditiveAttention(num_hiddens, dropout, name="attention")
        self.embedding = layers.Embedding(vocab_size, embed_size, name="embedding")
        self.cells = [layers.GRUCell(num_hiddens, name=f"gru_cell{i + 1}") for i in range(num_layers)]
        self.drop = layers.Dropout(self.dropout)
        self.dense = layers.Dense(vocab_size, name="logits")

    def build(self, tokens_shape, *shapes):
        # the encoder's outputs have num_hiddens features, as in the book
        h = self.num_hiddens
        self.embedding.build(tokens_shape)
        self.attention.build((None, None, h), (None, None, h))
        for i, cell in enumerate(self.cells):
            cell.build((None, h + self.embed_size if i == 0 else h))
        self.dense.build((None, None, h))

    def call(self, tokens, enc_outputs, enc_valid_len, states, training=None):
        x = self.embedding(tokens)
        states = list(states)
        outputs, weights = [], []
        for t in range(tokens.shape[1]):
            query = ops.expand_dims(states[-1], 1)
            context = self.attention(query, enc_outputs, enc_outputs, enc_valid_len, training=training)
            weights.append(self.attention.last_attention_weights[:, 0])
            h = ops.concatenate([context[:, 0], x[:, t]], axis=-1)
            for i, cell in enumerate(self.cells):
                if i:  # torch's GRU(dropout=p) drops between layers
                    h = self.drop(h, training=training)
                h, new_state = cell(h, states[i], training=training)
                states[i] = new_state[0] if isinstance(new_state, (list, tuple)) else new_state
            outputs.append(h)
        return [self.dense(ops.stack(outputs, axis=1)), ops.stack(weights, axis=1), *states]

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size, "embed_size": self.embed_size,
                "num_hiddens": self.num_hiddens, "num_layers": self.num_layers, "dropout": self.dropout}


@dataclass
class BahdanauSeq2Seq:
    """The GRU encoder of ``workbook.seq2seq`` with a ``BahdanauDecoder``.

    ``model``: ``[src, src_valid_len, tgt_in] -> logits`` for a fixed
    ``num_steps``; decoding state ``[enc_outputs, src_valid_len, state_1, ...]``.
    """

    encoder: keras.Model
    decoder: BahdanauDecoder
    model: keras.Model

    def initial_state(self, src, src_valid_len) -> list[np.ndarray]:
        valid = np.asarray(src_valid_len, "int32")
        with torch.no_grad():
            outputs = self.encoder([np.asarray(src, "int32"), valid], training=False)
        outputs = [ops.convert_to_numpy(o) for o in outputs]
        return [outputs[0], valid] + outputs[1:]

    def run(self, tokens, state):
        """The decoder on ``tokens`` (B, T) from ``state``: (logits, weights, new state)."""
        enc_outputs, valid, *hidden = state
        with torch.no_grad():
            logits, weights, *hidden = self.decoder(np.asarray(tokens, "int32"), enc_outputs, valid,
                                                    hidden, training=False)
        hidden = [ops.convert_to_numpy(h) for h in hidden]
        return ops.convert_to_numpy(logits), ops.convert_to_numpy(weights), [enc_outputs, valid] + hidden

    def step(self, tokens, state):
        logits, _, state = self.run(np.asarray(tokens).reshape(-1, 1), state)
        return logits[:, -1], state


def build_bahdanau(src_vocab_size: int, tgt_vocab_size: int, embed_size: int, num_hiddens: int,
                   num_layers: int, num_steps: int, dropout: float = 0.0) -> BahdanauSeq2Seq:
    """D2L 11.4's model: the book's GRU encoder, the attention decoder starting
    from the encoder's final states."""
    encoder = seq2seq.seq2seq_encoder(src_vocab_size, embed_size, num_hiddens, num_layers, dropout)
    decoder = BahdanauDecoder(tgt_vocab_size, embed_size, num_hiddens, num_layers, dropout,
                              name="bahdanau_decoder")
    src = keras.Input((None,), dtype="int32", name="src")
    valid = keras.Input((), dtype="int32", name="src_valid_len")
    tgt_in = keras.Input((num_steps,), dtype="int32", name="tgt_in")
    enc_outputs, *states = encoder([src, valid])
    logits = decoder(tgt_in, enc_outputs, valid, states)[0]
    return BahdanauSeq2Seq(encoder, decoder, FastModel([src, valid, tgt_in], logits, name="bahdanau"))


# ------------------------------------------------------------------ ViT


@_register
class ClassToken(layers.Layer):
    """Prepends one learned (1, d) ``<cls>`` token to every sequence: (B, T, d) -> (B, T + 1, d)."""

    def build(self, input_shape):
        self.token = self.add_weight(shape=(1, 1, input_shape[-1]), initializer="zeros", name="cls")

    def call(self, x):
        cls = ops.broadcast_to(ops.cast(self.token, x.dtype), (ops.shape(x)[0], 1, ops.shape(x)[2]))
        return ops.concatenate([cls, x], axis=1)

    def compute_output_shape(self, input_shape):
        steps = None if input_shape[1] is None else input_shape[1] + 1
        return (input_shape[0], steps, input_shape[2])


@_register
class LearnedPositions(layers.Layer):
    """Adds a learned (T, d) position embedding, N(0, 0.02) at first (ViT's ``pos_embedding``)."""

    def build(self, input_shape):
        self.positions = self.add_weight(shape=(1, input_shape[1], input_shape[2]),
                                         initializer=keras.initializers.RandomNormal(stddev=0.02),
                                         name="positions")

    def call(self, x):
        return x + ops.cast(self.positions, x.dtype)


def patch_embedding(images, patch_size: int, num_hiddens: int):
    """(B, H, W, C) -> (B, (H // p) * (W // p), num_hiddens): one Conv2D with kernel and
    stride p is a Dense layer applied to every non-overlapping p x p patch."""
    x = layers.Conv2D(num_hiddens, patch_size, strides=patch_size, name="patch_embedding")(images)
    return layers.Reshape((-1, num_hiddens))(x)


def vit_block(x, num_hiddens: int, mlp_num_hiddens: int, num_heads: int, dropout: float = 0.0,
              name: str = "vit"):
    """Pre-norm encoder block: x + MHA(LN(x)), then x + MLP(LN(x)) with GELU (D2L 11.8.3)."""
    y = layers.LayerNormalization(epsilon=1e-5, name=f"{name}_ln1")(x)
    y = layers.MultiHeadAttention(num_heads, key_dim=num_hiddens // num_heads, dropout=dropout,
                                  name=f"{name}_attention")(y, y)
    x = layers.Add()([x, y])
    y = layers.LayerNormalization(epsilon=1e-5, name=f"{name}_ln2")(x)
    y = layers.Dropout(dropout)(layers.Dense(mlp_num_hiddens, activation="gelu")(y))
    y = layers.Dropout(dropout)(layers.Dense(num_hiddens)(y))
    return layers.Add()([x, y])


def build_vit(image_shape, patch_size: int, num_hiddens: int, mlp_num_hiddens: int, num_heads: int,
              num_blks: int, num_classes: int = 10, emb_dropout: float = 0.1, blk_dropout: float = 0.1,
              name: str = "vit") -> FastModel:
    """The book's ViT: patches, ``<cls>``, learned positions, ``num_blks`` blocks, LN + Dense on ``<cls>``."""
    images = keras.Input(image_shape, name="images")
    x = ClassToken(name="cls_token")(patch_embedding(images, patch_size, num_hiddens))
    x = layers.Dropout(emb_dropout)(LearnedPositions(name="positions")(x))
    for i in range(num_blks):
        x = vit_block(x, num_hiddens, mlp_num_hiddens, num_heads, blk_dropout, f"block{i + 1}")
    x = layers.LayerNormalization(epsilon=1e-5, name="head_ln")(x[:, 0])
    return FastModel(images, layers.Dense(num_classes, name="head")(x), name=name)


# --------------------------------------------------------------- figures


def show_heatmaps(matrices, xlabel: str, ylabel: str, titles=None, name: str = "attention",
                  cmap: str = "Reds", mock: bool | None = False):
    """The book's ``show_heatmaps``: ``matrices`` (rows, cols, Tq, Tk), one panel each.
    Attention weights come from generated inputs and models trained on
    generated data, so they are not marked as mock data unless ``mock`` says
    so (see ``workbook.plotting.show_or_save``)."""
    from workbook.plotting import pyplot, show_or_save

    matrices = np.asarray(matrices)
    if matrices.ndim != 4:
        raise ValueError(f"matrices must be 4-D (rows, cols, queries, keys), got shape {matrices.shape}")
    plt = pyplot()
    rows, cols = matrices.shape[:2]
    fig, axes = plt.subplots(rows, cols, figsize=(2.5 * cols, 2.5 * rows), squeeze=False,
                             sharex=True, sharey=True)
    for i in range(rows):
        for j in range(cols):
            image = axes[i, j].imshow(matrices[i, j], cmap=cmap)
            if i == rows - 1:
                axes[i, j].set_xlabel(xlabel)
            if j == 0:
                axes[i, j].set_ylabel(ylabel)
            if titles is not None:
                axes[i, j].set_title(titles[j])
    fig.colorbar(image, ax=axes, shrink=0.6)
    return show_or_save(fig, name, mock)
