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
# # 11. Attention Mechanisms and Transformers
#
# The encoder-decoder of chapter 10 squeezes a whole source sentence into
# one fixed-size state. This chapter follows chapter 11 of the D2L book
# (*Dive into Deep Learning*, Zhang, Lipton, Li and Smola, release 1.0,
# PyTorch edition) from the idea that lifts that bottleneck, *attention*:
# a decoder that looks back at every encoder output and decides, for each
# word it writes, where to look. We start with queries, keys and values
# (11.1), attention as a kernel-weighted average (11.2), the scoring
# functions and masking (11.3), the Bahdanau decoder (11.4), multi-head
# attention (11.5), self-attention and positional encoding (11.6), the
# Transformer (11.7), the Vision Transformer (11.8) and what large-scale
# pretraining does with these models (11.9).
#
# The attention layers, the Transformer and the ViT live in
# `workbook.attention`; the chapter prints their sources where they first
# appear. They are Keras layers written with `keras.ops`, registered for
# saving, and every one of them is checked against Keras' own layer where
# Keras has one (`Attention`, `AdditiveAttention`, `MultiHeadAttention`).
# Training and decoding reuse chapter 10's `workbook.seq2seq`: the
# masked loss averaged over real tokens, `train_seq2seq`, greedy decoding
# that stops at `<eos>`, and BLEU. The models that are trained (the
# translators' training models and the ViT) are `workbook.fastfit.FastModel`s,
# as in chapters 9 and 10. The exercises ask you to write these
# pieces yourself: their checks reject answers that call
# `workbook.attention`'s layers or Keras' attention layers instead.
#
# **Data and numbers.** The book translates English to French with the
# Tatoeba pairs (`fra-eng`). That file is not available here, so the
# translators are trained on English-French pairs *generated* from a small
# grammar (`workbook.synthetic_text.toy_translation_pairs`: subjects,
# conjugated verbs, articles with gender, adjectives that move after the
# noun). Every loss and BLEU score in this chapter is measured on that
# generated text and says nothing about real translation. The ViT is
# trained on the handwritten digits of chapter 7 (scikit-learn's 8×8
# images, upsampled), real data that ships with the package. Figures quoted
# from the D2L book are labelled as the book's.

# %% tags=["setup"]
import workbook  # selects the torch backend before Keras is imported
from workbook import PROFILE, check, set_seed
import inspect
import math

import keras
import numpy as np
import torch
from keras import ops

print(workbook.profiles.describe(), "| keras", keras.__version__, "| torch", torch.__version__)
set_seed(42)

# %%
import time

from keras import layers

from workbook import attention, seq2seq
from workbook.attention import show_heatmaps
from workbook.convolution import load_digit_images
from workbook.plotting import LivePlot, plot
from workbook.synthetic_text import toy_translation_pairs
from workbook.text import translation_dataset


def show(function):
    """Print the source of a helper the chapter imports instead of repeating it."""
    print(inspect.getsource(function))


def to_numpy(x):
    return ops.convert_to_numpy(x)


# %% [markdown]
# ## 11.1 Queries, Keys, and Values
#
# A database holds (key, value) pairs; a query either matches a key
# exactly and returns its value, or it does not. Attention softens this.
# Given a query $\mathbf{q}$ and a data set $\mathcal{D} =
# \{(\mathbf{k}_1, \mathbf{v}_1), \ldots, (\mathbf{k}_m, \mathbf{v}_m)\}$,
#
# $$\mathrm{Attention}(\mathbf{q}, \mathcal{D}) = \sum_{i=1}^m
# \alpha(\mathbf{q}, \mathbf{k}_i)\, \mathbf{v}_i,$$
#
# a weighted sum of *all* values with *attention weights* $\alpha$. When
# the weights are non-negative and sum to 1 the result is a convex
# combination of the values; one weight of 1 and the rest 0 is the
# database lookup; equal weights are average pooling. The usual way to get
# such weights from any scores $a(\mathbf{q}, \mathbf{k}_i)$ is the
# softmax, $\alpha = \exp(a_i) / \sum_j \exp(a_j)$: differentiable, so the
# scoring can be learned.
#
# Attention weights form a matrix, one row per query and one column per
# key, and heat maps of it are the standard way of looking at what a model
# attends to. The book's first heat map is the identity: each query looks
# at its own key only.

# %%
show(show_heatmaps)
show_heatmaps(np.eye(10).reshape(1, 1, 10, 10), xlabel="Keys", ylabel="Queries", name="ch11_eye")

# %% [markdown]
# ### Summary
#
# * Attention is a weighted sum of values; the weights come from comparing
#   a query with each key.
# * A softmax over scores gives weights that are positive, sum to one and
#   can be learned.
# * Heat maps of the (queries × keys) weight matrix show where a model looks.
#
# ## 11.2 Attention Pooling by Similarity
#
# The oldest attention mechanism is a regression estimator. Nadaraya
# (1964) and Watson (1964) predict $f$ at a query $x$ from training pairs
# $(x_i, y_i)$ as
#
# $$\hat f(x) = \sum_i \frac{k(x - x_i)}{\sum_j k(x - x_j)}\, y_i,$$
#
# attention with the training inputs as keys, the labels as values and a
# *kernel* $k$ as the similarity. Four kernels on $u = (q - k)/\sigma$:
# Gaussian $\exp(-u^2/2)$, boxcar $1$ if $|u| < 1$, constant $1$ and
# Epanechikov $\max(0, 1 - |u|)$. The width $\sigma$ sets how local the
# average is.

# %%
KERNELS = {
    "gaussian": lambda u: np.exp(-u ** 2 / 2),
    "boxcar": lambda u: (np.abs(u) < 1.0).astype(float),
    "constant": lambda u: np.ones_like(u),
    "epanechikov": lambda u: np.maximum(1 - np.abs(u), 0),
}
u = np.arange(-2.5, 2.5, 0.1)
plot(u, {name: kernel(u) for name, kernel in KERNELS.items()}, xlabel="u", ylabel="k(u)",
     name="ch11_kernels")

# %% [markdown]
# The book's data: $f(x) = 2\sin x + x$, 40 inputs drawn uniformly from
# [0, 5] (sorted), labels with standard normal noise, and queries on a grid
# from 0 to 5 in steps of 0.1. The estimator has no parameters to train:
# everything is in the kernel and its width.

# %%
def f(x):
    return 2 * np.sin(x) + x


rng = np.random.default_rng(0)
x_train = np.sort(rng.uniform(0, 5, 40))
y_train = f(x_train) + rng.normal(size=40)
x_val = np.arange(0, 5, 0.1)


def nadaraya_watson_book(x_train, y_train, x_query, kernel, sigma=1.0):
    """The book's estimator: kernel weights normalized over the keys (no empty-row rule)."""
    k = KERNELS[kernel]((x_query[:, None] - x_train[None, :]) / sigma)
    with np.errstate(invalid="ignore"):  # 0/0 = nan where no key is in reach, as in the book
        weights = k / k.sum(axis=1, keepdims=True)
    return weights @ y_train, weights


curves = {"f(x)": f(x_val)}
for name in KERNELS:
    curves[name] = nadaraya_watson_book(x_train, y_train, x_val, name)[0]
plot(x_val, curves, xlabel="x", ylabel="y", name="ch11_nadaraya_watson")
print(f"{'kernel':12s}" + "".join(f"  MSE to f, sigma={s:<4}" for s in (0.1, 0.2, 0.5, 1.0)))
for name in ("gaussian", "epanechikov"):
    errors = [np.mean((nadaraya_watson_book(x_train, y_train, x_val, name, s)[0] - f(x_val)) ** 2)
              for s in (0.1, 0.2, 0.5, 1.0)]
    print(f"{name:12s}" + "".join(f"  {e:19.3f}" for e in errors))

# %% [markdown]
# The constant kernel predicts the mean of all labels everywhere: no
# attention at all. The others follow the curve, the wider ones more
# smoothly. The table measures the error against the true $f$ on this one
# draw of 40 noisy points: too narrow a kernel averages only a few noisy
# labels (and the Epanechikov kernel at σ = 0.1 leaves grid points with no
# training input in reach, which divide 0 by 0: `nan`), too wide a one
# flattens the curve. The Gaussian attention weights as a heat map, for a
# wide and a narrow kernel: each row is one query, and the narrow kernel
# concentrates on the few keys next to it.

# %%
show_heatmaps(np.stack([nadaraya_watson_book(x_train, y_train, x_val, "gaussian", s)[1]
                        for s in (1.0, 0.2)])[None], xlabel="training inputs (sorted)",
              ylabel="queries", titles=["sigma = 1.0", "sigma = 0.2"], name="ch11_nw_weights")

# %% [markdown]
# ### Summary
#
# * Nadaraya-Watson regression is attention: keys are training inputs,
#   values are labels, the kernel scores their similarity.
# * The width of the kernel trades smoothness against locality; a kernel
#   with compact support can leave a query with nothing to attend to.
#
# ### Exercise 11.1: Nadaraya-Watson with every kernel and width
#
# Write `nadaraya_watson(x_train, y_train, x_query, kernel="gaussian",
# sigma=1.0)` returning `(y_hat, weights)`: `weights` of shape
# `(len(x_query), len(x_train))`, each row summing to 1, and `y_hat =
# weights @ y_train`. With `u = (x_query[i] - x_train[j]) / sigma` the
# kernels are `"gaussian"` `exp(-u**2 / 2)`, `"boxcar"` 1 where `|u| < 1`
# (strictly) and 0 elsewhere, `"constant"` 1, and `"epanechikov"` `max(0, 1 -
# |u|)`. Two rules the book's version lacks:
#
# * the Gaussian weights must come out right for a query far from every key
#   (where every `exp` underflows to 0): they are a softmax of `-u**2 / 2`
#   over the keys;
# * a query whose boxcar or Epanechikov values are all 0 gets uniform
#   weights `1 / len(x_train)` (it predicts the mean label).
#
# Raise `ValueError` for an unknown kernel name or `sigma <= 0`. NumPy is
# fine here.

# %% tags=["exercise"] exercise="ch11.nadaraya_watson"
# exercise: ch11.nadaraya_watson
def nadaraya_watson(x_train, y_train, x_query, kernel="gaussian", sigma=1.0):
    """(predictions, attention weights) of kernel regression with width sigma."""
    raise NotImplementedError("ch11.nadaraya_watson: write your answer here")


# %% tags=["check"]
check("ch11.nadaraya_watson")

# %% [markdown]
# ## 11.3 Attention Scoring Functions
#
# Expanding the Gaussian kernel's exponent, $-\frac12\|\mathbf{q} -
# \mathbf{k}_i\|^2 = \mathbf{q}^\top\mathbf{k}_i - \frac12\|\mathbf{k}_i\|^2
# - \frac12\|\mathbf{q}\|^2$. The last term is the same for every key and
# cancels in the softmax; with keys of similar norms (layer normalization
# sees to that) the middle one does too. What is left is the *dot
# product*. If queries and keys have $d$ independent entries of variance 1,
# $\mathbf{q}^\top\mathbf{k}$ has variance $d$; dividing by $\sqrt d$ keeps
# the scores at unit scale whatever $d$ is, so the softmax does not
# saturate:
#
# $$a(\mathbf{q}, \mathbf{k}_i) = \mathbf{q}^\top \mathbf{k}_i / \sqrt{d}.$$
#
# ### 11.3.1 Masked softmax
#
# A batch of sentences is padded to one length, and a query must not
# attend to the padding. The book's `masked_softmax` takes *valid lengths*
# (how many keys, from the left, each example, or each query, may see) and
# replaces the other scores by $-10^6$ before the softmax, so their
# weights are $e^{-10^6} = 0$:

# %%
show(attention.valid_lens_mask)
show(attention.masked_softmax)
scores = keras.random.uniform((2, 2, 4), seed=1)
print(to_numpy(attention.masked_softmax(scores, np.array([2, 3]))).round(4))
print(to_numpy(attention.masked_softmax(scores, np.array([[1, 3], [2, 4]]))).round(4))

# %% [markdown]
# Keras does the same with a boolean mask (True = attend):
# `keras.layers.Softmax()(scores, mask=mask)`, which `Attention` and
# `MultiHeadAttention` use inside. The two agree wherever a query may see
# at least one key. They differ for a query that may see *nothing* (valid
# length 0): the book's $-10^6$ fill makes every score equal, so the row
# comes out **uniform**; Keras gives a row of **zeros**.

# %%
lengths = np.array([[0, 2]])  # query 0 of this example may see no key
book = to_numpy(attention.masked_softmax(scores[:1], lengths))
keras_softmax = to_numpy(layers.Softmax()(scores[:1], mask=attention.valid_lens_mask(lengths, 2, 4)))
print("book  :", book.round(4).tolist())
print("Keras :", keras_softmax.round(4).tolist())

# %% [markdown]
# Neither is "right": such a row carries no information either way, and
# real models avoid it (every sentence has at least `<eos>`). But a model
# ported from the book, or a check written against one library, sees the
# difference. A second difference hides in the fill value: $-10^6$ is only
# "minus infinity" next to scores much larger than that, which the next
# exercise asks you to handle too.
#
# ### Exercise 11.2: a masked softmax with Keras' conventions
#
# Write `masked_softmax(scores, mask)` with `keras.ops` (differentiable, on
# the tensors given): `scores` is a float tensor of any rank whose last
# axis holds the keys, `mask` a boolean tensor of the same shape, True
# where a key may be attended to. Return the softmax over the last axis
# taken over the allowed keys only: masked entries exactly 0, every row
# with at least one allowed key summing to 1, and a row with no allowed key
# all zeros (Keras' convention). It must stay exact for scores of any
# scale, including rows near ±10⁷ (no fixed fill value such as -1e6) and
# keep float32.

# %% tags=["exercise"] exercise="ch11.masked_softmax"
# exercise: ch11.masked_softmax
def masked_softmax(scores, mask):
    """The softmax over the last axis restricted to mask; all-masked rows are zeros."""
    raise NotImplementedError("ch11.masked_softmax: write your answer here")


# %% tags=["check"]
check("ch11.masked_softmax")

# %% [markdown]
# ### 11.3.2 Batch matrix multiplication and scaled dot-product attention
#
# For a minibatch of $n$ queries and $m$ key-value pairs, with queries
# $\mathbf{Q} \in \mathbb{R}^{n\times d}$, keys $\mathbf{K} \in
# \mathbb{R}^{m\times d}$ and values $\mathbf{V} \in \mathbb{R}^{m\times
# v}$, all scores are one matrix product:
#
# $$\mathrm{softmax}\left(\frac{\mathbf{Q}\mathbf{K}^\top}{\sqrt d}\right)\mathbf{V}
# \in \mathbb{R}^{n\times v}.$$
#
# `ops.matmul` multiplies batches of matrices (the book's `torch.bmm`), so
# the layer is a few lines. Dropout on the weights regularizes in training.

# %%
show(attention.DotProductAttention)
queries = keras.random.normal((2, 1, 2), seed=2)
keys = ops.ones((2, 10, 2))
values = ops.repeat(ops.reshape(ops.arange(40, dtype="float32"), (1, 10, 4)), 2, axis=0)
valid_lens = np.array([2, 6])
dot = attention.DotProductAttention(dropout=0.5)
print(to_numpy(dot(queries, keys, values, valid_lens)))
show_heatmaps(to_numpy(dot.last_attention_weights).reshape(1, 1, 2, 10), xlabel="Keys", ylabel="Queries",
              name="ch11_dot_weights")

# %% [markdown]
# All keys are the same here, so the weights are uniform over the valid
# keys, and the outputs are the means of the first 2 and the first 6 value
# rows: [2, 3, 4, 5] and [10, 11, 12, 13], the book's numbers. (Dropout
# is only active in training: a plain call is inference.)
#
# Keras has this layer: `keras.layers.Attention()([query, value, key],
# mask=[query_mask, value_mask])`. It computes $\mathrm{softmax}(\mathbf{Q}
# \mathbf{K}^\top)\mathbf{V}$ **without** the $1/\sqrt d$: its
# `use_scale=True` adds a *learned* scalar instead. Dividing the queries by
# $\sqrt d$ first gives exactly the book's layer:

# %%
queries, keys, values = (keras.random.normal(shape, seed=s)
                         for shape, s in (((2, 3, 8), 3), ((2, 5, 8), 4), ((2, 5, 6), 5)))
valid_lens = np.array([5, 2])
ours = to_numpy(dot(queries, keys, values, valid_lens))
key_mask = attention.valid_lens_mask(valid_lens, 1, 5)[:, 0]
stock = to_numpy(layers.Attention()([queries / math.sqrt(8), values, keys], mask=[None, key_mask]))
unscaled = to_numpy(layers.Attention()([queries, values, keys], mask=[None, key_mask]))
print(f"largest difference, pre-scaled queries: {np.abs(stock - ours).max():.1e}; "
      f"without the scaling: {np.abs(unscaled - ours).max():.2f}")

# %% [markdown]
# ### Exercise 11.3: scaled dot-product attention
#
# Write `scaled_dot_product_attention(queries, keys, values, valid_lens=None)`
# with `keras.ops`, returning `(output, weights)`: queries (B, n, d), keys
# (B, m, d), values (B, m, v) with v possibly different from d, valid lengths
# (B,) between 1 and m (None: every key is valid). `weights` (B, n, m) is the
# softmax of the scaled scores over the valid keys (0 beyond each example's
# valid length), `output = weights @ values`.

# %% tags=["exercise"] exercise="ch11.scaled_dot_product"
# exercise: ch11.scaled_dot_product
def scaled_dot_product_attention(queries, keys, values, valid_lens=None):
    """(softmax(Q K^T / sqrt(d)) V, the weights), keys beyond valid_lens masked."""
    raise NotImplementedError("ch11.scaled_dot_product: write your answer here")


# %% tags=["check"]
check("ch11.scaled_dot_product")

# %% [markdown]
# ### 11.3.3 Additive attention
#
# When queries and keys have different sizes, or a learned comparison is
# wanted, *additive attention* scores with a one-hidden-layer network:
#
# $$a(\mathbf{q}, \mathbf{k}) = \mathbf{w}_v^\top \tanh(\mathbf{W}_q\mathbf{q} +
# \mathbf{W}_k\mathbf{k}),$$
#
# with $\mathbf{W}_q \in \mathbb{R}^{h\times q}$, $\mathbf{W}_k \in
# \mathbb{R}^{h\times k}$ and $\mathbf{w}_v \in \mathbb{R}^{h}$, all
# without bias. Broadcasting adds every projected query to every projected
# key at once: (B, n, 1, h) + (B, 1, m, h).

# %%
show(attention.AdditiveAttention)
queries = keras.random.normal((2, 1, 20), seed=6)
keys = ops.ones((2, 10, 2))
values = ops.repeat(ops.reshape(ops.arange(40, dtype="float32"), (1, 10, 4)), 2, axis=0)
additive = attention.AdditiveAttention(num_hiddens=8, dropout=0.1)
print(to_numpy(additive(queries, keys, values, np.array([2, 6]))))

# %% [markdown]
# The same [2, 3, 4, 5] and [10, 11, 12, 13]: with identical keys every
# scoring function gives uniform weights. `keras.layers.AdditiveAttention`
# has **no** projections: it scores $\sum_h s_h \tanh(q_h + k_h)$ on
# inputs of one size, with a learned vector `scale` (`use_scale=True`).
# Feeding it our projected queries and keys and using $\mathbf{w}_v$ as its
# `scale` gives the book's layer:

# %%
stock_additive = layers.AdditiveAttention(use_scale=True)
projected = [additive.W_q(queries), values, additive.W_k(keys)]
key_mask = attention.valid_lens_mask(np.array([2, 6]), 1, 10)[:, 0]
stock_additive(projected, mask=[None, key_mask])  # builds the layer
stock_additive.scale.assign(to_numpy(additive.w_v.kernel)[:, 0])
difference = np.abs(to_numpy(stock_additive(projected, mask=[None, key_mask]))
                    - to_numpy(additive(queries, keys, values, np.array([2, 6])))).max()
print(f"largest difference to Keras' AdditiveAttention on the projections: {difference:.1e}")

# %% [markdown]
# ### Summary
#
# * The scaled dot product $\mathbf{q}^\top\mathbf{k}/\sqrt d$ is what
#   remains of a Gaussian kernel; the $\sqrt d$ keeps the scores at unit
#   scale. Additive attention learns the comparison and allows different
#   sizes for queries and keys.
# * Padding is masked inside the softmax. The book fills with -1e6 (a
#   fully masked row is uniform), Keras uses booleans (it is zeros).
# * `keras.layers.Attention` does not scale by $1/\sqrt d$ and
#   `keras.layers.AdditiveAttention` has no projections; scaled queries and
#   Dense projections turn them into the book's layers.
#
# ### Exercise 11.4: additive attention with given weights
#
# Write `additive_attention(queries, keys, values, valid_lens, W_q, W_k,
# w_v)` with `keras.ops`, returning `(output, weights)`: queries (B, n, q),
# keys (B, m, k), values (B, m, v), valid lengths (B,) between 1 and m, and
# the bias-free weights as Dense kernels are stored, `W_q` (q, h), `W_k`
# (k, h), and `w_v` (h,). Score `w_v · tanh(q W_q + k W_k)`, masked
# softmax over the keys, weights times values.

# %% tags=["exercise"] exercise="ch11.additive_attention"
# exercise: ch11.additive_attention
def additive_attention(queries, keys, values, valid_lens, W_q, W_k, w_v):
    """(output, weights) of additive attention with the given projections."""
    raise NotImplementedError("ch11.additive_attention: write your answer here")


# %% tags=["check"]
check("ch11.additive_attention")

# %% [markdown]
# ## 11.4 The Bahdanau Attention Mechanism
#
# Chapter 10's decoder reads the same context, the encoder's last state,
# at every step. Bahdanau, Cho and Bengio (2014) let the context change:
# at decoder step $t'$,
#
# $$\mathbf{c}_{t'} = \sum_{t=1}^{T} \alpha(\mathbf{s}_{t'-1}, \mathbf{h}_t)\, \mathbf{h}_t,$$
#
# additive attention whose query is the decoder's previous hidden state
# (its top layer), and whose keys and values are the encoder's outputs
# $\mathbf{h}_t$ at every source position (padding masked). The context
# is concatenated with the embedding of the current token and fed to the
# GRUs.
#
# Because the query at each step depends on the state after the previous
# step, the decoder cannot be one call of a Keras GRU (and Keras 3's `RNN`
# has no `constants=` argument to pass the encoder outputs to a cell). The
# book loops over the steps in Python; so does our decoder, one Keras
# layer holding the attention, the embedding, `GRUCell`s and the output
# layer. The encoder is chapter 10's.

# %%
show(attention.BahdanauDecoder.call)
show(attention.build_bahdanau)
toy = attention.build_bahdanau(src_vocab_size=10, tgt_vocab_size=10, embed_size=8, num_hiddens=16,
                               num_layers=2, num_steps=7)
src = np.zeros((4, 7), dtype="int32")
state = toy.initial_state(src, np.full(4, 7))
logits, weights, _ = toy.run(src, state)
print("logits", logits.shape, "| encoder outputs", state[0].shape, "| states", [s.shape for s in state[2:]])

# %% [markdown]
# The book's shape test: a batch of 4 sequences of 7 steps gives logits
# (4, 7, 10), encoder outputs (4, 7, 16) and one (4, 16) state per layer.
#
# ### Training on generated pairs
#
# We train it on generated English-French pairs with chapter 10's masked
# loss and `train_seq2seq` (Adam, gradients clipped to global norm 1), then
# translate with greedy decoding. The book trains on 512 Tatoeba pairs with
# 256 hidden units for 30 epochs; our sizes are the profile's.

# %%
num_steps = 10
num_train = PROFILE.pick(tiny=128, default=1500, full=4000)
raw_pairs = toy_translation_pairs(num_train + 200, seed=11)
mt_train, mt_val = translation_dataset(raw_pairs, num_steps=num_steps, num_train=num_train, num_val=200)
print(raw_pairs.splitlines()[0], "|", len(mt_train.src_vocab), "source and",
      len(mt_train.tgt_vocab), "target tokens (GENERATED pairs)")
mt_epochs = PROFILE.pick(tiny=1, default=12, full=30)
mt_batch = PROFILE.pick(tiny=64, default=64, full=128)


def val_bleu(translator, data, count=PROFILE.pick(tiny=32, default=200, full=200)):
    """Mean BLEU-2 of greedy translations of the first ``count`` validation pairs."""
    rows = range(min(count, len(data)))
    sources = [" ".join(t for t in data.src_vocab.to_tokens(list(data.src[i]))
                        if t not in ("<pad>", "<eos>")) for i in rows]
    predictions = seq2seq.translate(translator, data, sources)
    labels = [[t for t in data.tgt_vocab.to_tokens(list(data.tgt_out[i])) if t not in ("<pad>", "<eos>")]
              for i in rows]
    return seq2seq.mean_bleu(predictions, labels, k=2), sources, predictions


def train_translator(translator, learning_rate, name):
    start = time.perf_counter()
    seq2seq.train_seq2seq(translator.model, mt_train, epochs=mt_epochs, batch_size=mt_batch,
                          learning_rate=learning_rate,
                          callbacks=[LivePlot(["loss"], name=f"ch11_{name}", mock=False)])  # generated pairs
    score, sources, predictions = val_bleu(translator, mt_val)
    print(f"{name}: mean BLEU-2 {score:.3f} on {len(predictions)} GENERATED validation pairs "
          f"({PROFILE.name} profile, {mt_epochs} epochs, {time.perf_counter() - start:.0f} s)")
    for source, prediction in list(zip(sources, predictions))[:4]:
        print(f"  {source!r} => {' '.join(prediction)!r}")
    return sources, predictions


# %% tags=["heavy"]
set_seed(7)
bahdanau = attention.build_bahdanau(len(mt_train.src_vocab), len(mt_train.tgt_vocab), embed_size=32,
                                    num_hiddens=PROFILE.pick(tiny=16, default=48, full=256),
                                    num_layers=2, num_steps=num_steps, dropout=0.1)
sources, predictions = train_translator(bahdanau, 0.005, "bahdanau")

# %% [markdown]
# The attention weights of the decoder while it writes the first
# validation sentence (teacher forcing on its reference, so each row is one
# target position). A decoder that has learned to align would follow the
# diagonal, except where French puts the adjective *after* the noun. In
# our default-profile run (48 hidden units, 12 epochs, BLEU-2 0.57) it
# has not: the first target positions spread their weight thinly over the
# whole source, and the later ones put most of it on the first source
# position, so the decoder still leans on its recurrent state more than on
# the attention. Compare the Transformer's weights in 11.7.3.

# %% tags=["heavy"]
state = bahdanau.initial_state(mt_val.src[:1], mt_val.src_valid_len[:1])
_, weights, _ = bahdanau.run(mt_val.tgt_in[:1], state)
n_src, n_tgt = int(mt_val.src_valid_len[0]), int(mt_val.tgt_valid_len[0])
print("source:", mt_val.src_vocab.to_tokens(list(mt_val.src[0, :n_src])))
print("target:", mt_val.tgt_vocab.to_tokens(list(mt_val.tgt_out[0, :n_tgt])))
show_heatmaps(weights[:, :n_tgt, :n_src][None], xlabel="source position", ylabel="target position",
              name="ch11_bahdanau_weights")

# %% [markdown]
# ### Summary
#
# * Bahdanau attention recomputes the context at every decoder step, with
#   the previous decoder state as the query and the encoder outputs as keys
#   and values.
# * The recurrence through the query makes the decoder a Python loop over
#   steps: one custom Keras layer, trained with chapter 10's loss and loop.
#
# ## 11.5 Multi-Head Attention
#
# One attention can only average in one way. *Multi-head* attention runs
# $h$ of them side by side on different learned projections,
# $\mathbf{h}_i = f(\mathbf{W}_i^{(q)}\mathbf{q}, \mathbf{W}_i^{(k)}\mathbf{k},
# \mathbf{W}_i^{(v)}\mathbf{v})$, and mixes their concatenation with
# $\mathbf{W}_o$. With $p_q = p_k = p_v = p_o / h$ the cost is that of one
# attention of full width, and all heads can be computed at once: project
# to $p_o$ features, *split* them into $h$ groups of $p_o/h$, fold the heads
# into the batch axis, run scaled dot-product attention once, and undo the
# split.

# %%
show(attention.transpose_qkv)
show(attention.transpose_output)
show(attention.MultiHeadAttentionScratch.call)
mha = attention.MultiHeadAttentionScratch(num_hiddens=100, num_heads=5)
X, Y = ops.ones((2, 4, 100)), ops.ones((2, 6, 100))
print(mha(X, Y, Y, np.array([3, 2])).shape)

# %% [markdown]
# The book's test gives (2, 4, 100). Each example's valid lengths are
# repeated once per head (`ops.repeat`, the book's `repeat_interleave`),
# because `transpose_qkv` puts the heads of one example next to each other.
#
# `keras.layers.MultiHeadAttention(num_heads, key_dim)` is the same
# computation. Its kernels keep the heads as an axis of their own: the
# query kernel is (in, heads, key_dim) where ours is (in, heads · key_dim),
# and the output kernel is (heads, key_dim, out). Reshaping our kernels
# gives it identical outputs (both without biases; its mask is a boolean
# (batch, queries, keys) array):

# %%
show(attention.mha_weights_from_scratch)
X = keras.random.normal((2, 4, 100), seed=7)
Y = keras.random.normal((2, 6, 100), seed=8)
ours = to_numpy(mha(X, Y, Y, np.array([3, 2])))
stock_mha = layers.MultiHeadAttention(num_heads=5, key_dim=20, use_bias=False)
stock_mha(X, Y, Y)  # builds its kernels
stock_mha.set_weights(attention.mha_weights_from_scratch(mha))
mask = attention.valid_lens_mask(np.array([3, 2]), 4, 6)
difference = np.abs(to_numpy(stock_mha(X, Y, Y, attention_mask=mask)) - ours).max()
print("kernel shapes:", [tuple(w.shape) for w in stock_mha.weights],
      f"| largest difference: {difference:.1e}")

# %% [markdown]
# ### Summary
#
# * Multi-head attention runs several attentions on different projections
#   and concatenates them; splitting the features into heads and folding
#   the heads into the batch axis computes all of them at once.
# * Keras' `MultiHeadAttention` is the book's layer with kernels shaped
#   (in, heads, key_dim) and (heads, key_dim, out).
#
# ### Exercise 11.5: splitting the features into heads
#
# Write `split_heads(X, num_heads)` and `merge_heads(X, num_heads)` with
# `keras.ops`. `split_heads` maps (B, T, H) to (B · heads, T, H / heads),
# where row `b * num_heads + i` holds head `i` of example `b`, that is the
# features `i * H/heads` to `(i + 1) * H/heads - 1` of every step; it raises
# `ValueError` when H is not a multiple of `num_heads`. `merge_heads` is its
# inverse.

# %% tags=["exercise"] exercise="ch11.split_heads"
# exercise: ch11.split_heads
def split_heads(X, num_heads):
    """(B, T, H) -> (B * num_heads, T, H / num_heads), heads of one example adjacent."""
    raise NotImplementedError("ch11.split_heads: write your answer here")


def merge_heads(X, num_heads):
    """The inverse of split_heads."""
    raise NotImplementedError("ch11.split_heads: write your answer here")


# %% tags=["check"]
check("ch11.split_heads")

# %% [markdown]
# ### Exercise 11.6: multi-head attention with given weights
#
# Write `multihead_attention(queries, keys, values, valid_lens, W_q, W_k,
# W_v, W_o, num_heads)` with `keras.ops`: the book's bias-free multi-head
# attention with the kernels given as Dense kernels, `W_q` (q, H), `W_k`
# (k, H), `W_v` (v, H) and `W_o` (H, out). Project, split into `num_heads`
# heads as in exercise 11.5, scaled dot-product attention in every head
# (scaled by the head's own size) with the keys beyond each example's
# valid length (B,) masked (lengths between 1 and m), merge, and project
# with `W_o`. Return the (B, n, out) output.

# %% tags=["exercise"] exercise="ch11.multihead"
# exercise: ch11.multihead
def multihead_attention(queries, keys, values, valid_lens, W_q, W_k, W_v, W_o, num_heads):
    """The book's multi-head attention with the given (bias-free) kernels."""
    raise NotImplementedError("ch11.multihead: write your answer here")


# %% tags=["check"]
check("ch11.multihead")

# %% [markdown]
# ## 11.6 Self-Attention and Positional Encoding
#
# In *self-attention* the queries, keys and values are the same sequence:
# every token attends to every token, and the output is a new sequence of
# the same length. Compare three ways of mapping $n$ tokens of dimension
# $d$ to $n$ tokens: a convolution with kernel $k$, an RNN and
# self-attention (the book's table; $O$ counts per layer):
#
# | | computation | sequential operations | maximum path length |
# |---|---|---|---|
# | CNN (kernel $k$) | $O(knd^2)$ | $O(1)$ | $O(n/k)$ |
# | RNN | $O(nd^2)$ | $O(n)$ | $O(n)$ |
# | self-attention | $O(n^2d)$ | $O(1)$ | $O(1)$ |
#
# Self-attention connects any two positions in one step and parallelizes
# fully, at a cost quadratic in the length. The multiply-adds of one layer
# for a few lengths make that concrete (our count: a convolution with $d$
# in and out channels, an RNN's two $d\times d$ products per step, and the
# $QK^\top$ and weights-times-$V$ products of attention, projections left
# out):

# %%
d, k = 256, 3
print(f"{'n':>6} {'CNN k=3':>14} {'RNN':>14} {'self-attention':>15}")
for n in (16, 256, 4096):
    print(f"{n:6d} {k * n * d * d:14,d} {2 * n * d * d:14,d} {2 * n * n * d:15,d}")

# %% [markdown]
# Up to $n \approx d$ attention is the cheapest; at $n = 4096$ it costs
# eight times an RNN layer, which is why long contexts are expensive.
#
# Self-attention has no idea of order: permuting the tokens permutes the
# outputs the same way (it is *permutation-equivariant*). The book adds
# *positional encodings* to the inputs, a fixed matrix $\mathbf{P} \in
# \mathbb{R}^{n\times d}$ with
#
# $$p_{i, 2j} = \sin\left(\frac{i}{10000^{2j/d}}\right),\qquad
# p_{i, 2j+1} = \cos\left(\frac{i}{10000^{2j/d}}\right).$$

# %%
show(attention.sinusoidal_encoding)
show(attention.PositionalEncoding.call)
P = attention.sinusoidal_encoding(60, 32)
print("P[1, :4]   =", P[1, :4].round(6), "  P[59, 6:8] =", P[59, 6:8].round(6))
plot(np.arange(60), {f"column {j}": P[:, j] for j in range(6, 10)}, xlabel="row (position)",
     name="ch11_positional_encoding")

# %% [markdown]
# The values are the book's: $\mathbf{P}_{1, 0:4}$ = [0.841471, 0.540302,
# 0.533168, 0.846009] for $d = 32$. Each pair of columns oscillates at its
# own frequency $\omega_j = 1/10000^{2j/d}$, from fast (column 0) to very
# slow, like the bits of a binary counter but continuous.
#
# Self-attention with and without the encoding, on a permuted input:

# %%
self_attention = layers.MultiHeadAttention(num_heads=2, key_dim=4)
X = keras.random.normal((1, 6, 8), seed=9)
order = np.array([3, 0, 5, 1, 4, 2])
encoding = attention.PositionalEncoding(8, dropout=0.0)
for name, prepare in (("without positions", lambda x: x), ("with positions", encoding)):
    out = to_numpy(self_attention(prepare(X), prepare(X)))
    permuted = to_numpy(self_attention(prepare(X[:, order]), prepare(X[:, order])))
    print(f"{name}: output of the permuted input == permuted output? "
          f"{np.allclose(permuted, out[:, order], atol=1e-5)}")

# %% [markdown]
# The sinusoids also encode *relative* positions: the pair of columns
# $(p_{i,2j}, p_{i,2j+1})$ at position $i + \delta$ is the pair at
# position $i$ rotated by the angle $\delta\omega_j$, a linear map that
# depends on $\delta$ only, not on $i$:

# %%
show(attention.rotation)
for j, delta, i in ((0, 1, 10), (3, 7, 25), (12, 20, 5)):
    omega = 1 / 10000 ** (2 * j / 32)
    rotated = attention.rotation(delta * omega) @ P[i, 2 * j:2 * j + 2]
    print(f"j={j:2d}, delta={delta:2d}, i={i:2d}: |R p_i - p_(i+delta)| = "
          f"{np.abs(rotated - P[i + delta, 2 * j:2 * j + 2]).max():.1e}")

# %% [markdown]
# ### Summary
#
# * Self-attention relates all positions in one parallel step, at a cost
#   of $O(n^2 d)$.
# * It ignores order; the sinusoidal positional encoding adds it, and a
#   fixed offset in position is a fixed rotation of each column pair.
#
# ### Exercise 11.7: sinusoidal positional encoding
#
# Write `positional_encoding(max_len, num_hiddens)` returning the book's
# $\mathbf{P}$ as a float32 NumPy array of shape `(max_len, num_hiddens)`:
# column `2j` holds `sin(i / 10000**(2j / num_hiddens))` for row `i`, column
# `2j + 1` the cosine of the same angle. `num_hiddens` may be odd (the last
# column is then a sine).

# %% tags=["exercise"] exercise="ch11.positional_encoding"
# exercise: ch11.positional_encoding
def positional_encoding(max_len, num_hiddens):
    """The (max_len, num_hiddens) float32 sinusoidal encoding."""
    raise NotImplementedError("ch11.positional_encoding: write your answer here")


# %% tags=["check"]
check("ch11.positional_encoding")

# %% [markdown]
# ## 11.7 The Transformer Architecture
#
# The Transformer (Vaswani et al., 2017) is an encoder-decoder made of
# attention alone. The encoder is a stack of identical blocks, each a
# multi-head self-attention followed by a *position-wise feed-forward
# network*, each of the two wrapped in a residual connection and layer
# normalization ("add & norm"). The decoder's blocks have three parts:
# *masked* self-attention (a position may not look at later ones, which it
# has not produced yet when decoding), attention to the encoder's outputs
# (queries from the decoder, keys and values from the encoder), and the
# feed-forward network, each with add & norm. Token embeddings (scaled by
# $\sqrt d$) plus positional encodings enter both stacks.
#
# ### 11.7.1 Position-wise FFN and add & norm
#
# The FFN is two Dense layers with a ReLU between them, applied to every
# position alike (Keras' `Dense` acts on the last axis of a (B, T, d)
# tensor), so equal inputs at two positions give equal outputs:

# %%
show(attention.position_wise_ffn)
inputs = keras.Input((3, 4))
ffn = keras.Model(inputs, attention.position_wise_ffn(inputs, 4, 8))
print(to_numpy(ffn(ops.ones((2, 3, 4))))[0].round(4))

# %% [markdown]
# *Layer normalization* standardizes each example's features (over the
# last axis), where batch normalization standardizes each feature over the
# batch. For sequences of different lengths in a batch, statistics over the
# batch mix examples and padding; layer normalization does not depend on
# the batch at all. On the book's two rows [1, 2] and [2, 3] (torch's
# epsilon 1e-5; Keras' default is 1e-3):

# %%
X = np.array([[1.0, 2.0], [2.0, 3.0]], dtype="float32")
ln = layers.LayerNormalization(epsilon=1e-5)
bn = layers.BatchNormalization(epsilon=1e-5)
print("layer norm:", to_numpy(ln(X)).round(5).tolist(), "| batch norm (training):",
      to_numpy(bn(X, training=True)).round(5).tolist())
show(attention.add_norm)

# %% [markdown]
# Layer norm maps each row to [-1, 1]; batch norm maps each *column* to
# [-1, 1]. The residual connection needs the sublayer's output to have the
# input's shape, which is why every sublayer of a Transformer keeps $d$.
#
# ### Exercise 11.8: layer normalization
#
# Write `layer_norm(X, gamma, beta, eps=1e-5)` with `keras.ops`
# (differentiable): normalize each position's features, the last axis of a
# 2-D (B, d) or 3-D (B, T, d) tensor, to mean 0 and variance 1 with the
# *biased* variance, `(x - mean) / sqrt(var + eps)`, then scale by `gamma`
# and shift by `beta` (both (d,)). Return float32.

# %% tags=["exercise"] exercise="ch11.layer_norm"
# exercise: ch11.layer_norm
def layer_norm(X, gamma, beta, eps=1e-5):
    """Layer normalization over the last axis."""
    raise NotImplementedError("ch11.layer_norm: write your answer here")


# %% tags=["check"]
check("ch11.layer_norm")

# %% [markdown]
# ### 11.7.2 Encoder and decoder blocks
#
# Our blocks use Keras' `MultiHeadAttention` (bias-free as in the book)
# and `LayerNormalization`. The encoder's self-attention gets a boolean
# mask that hides the padded source positions (`KeyMask` builds it from
# the valid lengths); the decoder's self-attention uses Keras'
# `use_causal_mask=True`, and its attention to the encoder hides the
# padded source positions.

# %%
show(attention.KeyMask.call)
show(attention.encoder_block)
show(attention.decoder_block)

# %% [markdown]
# The causal mask is lower triangular: query $i$ may attend to keys $j
# \le i$ (itself included). Keras' `MultiHeadAttention` can return its
# weights, and the ones above the diagonal are zero; so a change in a later
# input leaves the earlier outputs unchanged:

# %%
causal = layers.MultiHeadAttention(num_heads=2, key_dim=4)
X = keras.random.normal((1, 5, 8), seed=10)
out, weights = causal(X, X, use_causal_mask=True, return_attention_scores=True)
print(to_numpy(weights)[0, 0].round(3))
changed = ops.concatenate([X[:, :3], X[:, 3:] + 1.0], axis=1)
print("outputs at steps 0-2 unchanged when steps 3-4 change:",
      np.allclose(to_numpy(causal(changed, changed, use_causal_mask=True))[:, :3], to_numpy(out)[:, :3],
                  atol=1e-6))

# %% [markdown]
# ### Exercise 11.9: the decoder's self-attention mask
#
# Write `decoder_mask(valid_lens, num_steps)` returning a boolean NumPy
# array or tensor of shape (B, num_steps, num_steps) whose entry `[b, i, j]`
# is True exactly when query `i` of example `b` may attend to key `j`: `j`
# is not after `i` (the causal rule, a position sees itself) and `j` is a
# real token, `j < valid_lens[b]`.

# %% tags=["exercise"] exercise="ch11.causal_mask"
# exercise: ch11.causal_mask
def decoder_mask(valid_lens, num_steps):
    """(B, T, T) booleans: causal and not padding."""
    raise NotImplementedError("ch11.causal_mask: write your answer here")


# %% tags=["check"]
check("ch11.causal_mask")

# %% [markdown]
# ### Exercise 11.10: an encoder block as a functional model
#
# Write `build_encoder_block(num_steps, num_hiddens, num_heads,
# ffn_num_hiddens)`: a functional model with two inputs,
# `keras.Input((num_steps, num_hiddens))` and a boolean
# `keras.Input((num_steps, num_steps), dtype="bool")` attention mask, in
# that order, computing the Transformer's encoder block without dropout:
# `keras.layers.MultiHeadAttention(num_heads, key_dim=num_hiddens //
# num_heads, use_bias=False)` self-attention with the mask, add & norm,
# the FFN `Dense(ffn_num_hiddens, relu)` → `Dense(num_hiddens)`, add & norm,
# where every norm is `LayerNormalization(epsilon=1e-5)` (torch's, not
# Keras' default).

# %% tags=["exercise"] exercise="ch11.encoder_block"
# exercise: ch11.encoder_block
def build_encoder_block(num_steps, num_hiddens, num_heads, ffn_num_hiddens):
    """[X, mask] -> the post-norm Transformer encoder block."""
    raise NotImplementedError("ch11.encoder_block: write your answer here")


# %% tags=["check"]
check("ch11.encoder_block")

# %% [markdown]
# ### 11.7.3 Training the Transformer on generated pairs
#
# `build_transformer` returns three functional models sharing their
# layers: the encoder, the decoder (prefix tokens, encoder outputs, source
# lengths → logits) and the training model `[src, src_valid_len, tgt_in]
# -> logits`, which `train_seq2seq` trains exactly as the GRU models.
# Decoding runs `seq2seq.greedy_decode` through the same `initial_state` /
# `step` protocol; each step re-runs the decoder on the prefix decoded so
# far (the book caches the keys and values of earlier steps instead; for
# ten steps recomputing costs little and needs no state). Because of the
# causal mask, the logits at the last position of a prefix are exactly what
# the teacher-forced model computes there:

# %%
show(attention.TransformerSeq2Seq)
small = attention.build_transformer(12, 14, num_hiddens=16, ffn_num_hiddens=32, num_heads=4, num_blks=2)
src = np.random.default_rng(1).integers(0, 12, (2, 6)).astype("int32")
valid = np.array([6, 3], dtype="int32")
tgt_in = np.random.default_rng(2).integers(0, 14, (2, 4)).astype("int32")
teacher_forced = to_numpy(small.model([src, valid, tgt_in]))
state = small.initial_state(src, valid)
for t in range(4):
    logits, state = small.step(tgt_in[:, t], state)
    assert np.allclose(logits, teacher_forced[:, t], atol=1e-5)
print("step-by-step logits == teacher-forced logits for all 4 steps;",
      f"{small.model.count_params():,} parameters")

# %% [markdown]
# The book trains 2 blocks of width 256 with 4 heads, FFN 64, dropout 0.2
# and Adam at 0.001 for 30 epochs. The default profile uses width 32 on
# our generated pairs.

# %% tags=["heavy"]
set_seed(8)
transformer = attention.build_transformer(
    len(mt_train.src_vocab), len(mt_train.tgt_vocab),
    num_hiddens=PROFILE.pick(tiny=16, default=32, full=256), ffn_num_hiddens=64,
    num_heads=4, num_blks=2, dropout=0.1)
sources, predictions = train_translator(transformer, 0.002, "transformer")

# %% [markdown]
# In our default-profile run the Transformer reached a mean BLEU-2 of
# 1.000 on the 200 generated validation pairs, against 0.57 for the
# Bahdanau model above: the generated grammar is small and regular, so a
# perfect score says the model learned *this* grammar, nothing about real
# French.
#
# The decoder's attention to the source, averaged over the heads of its
# last block, for the first validation sentence (with its reference as
# the decoder input). In our default-profile run the sentence is "they
# like a red house !" → "ils aiment une maison rouge !", and the weights
# follow the diagonal except at the swap: "maison" (target position 3)
# attends most to "house" (source position 4) and "rouge" to "red".

# %% tags=["heavy"]
cross = transformer.decoder.get_layer("dec2_cross_attention")
# the cross-attention's queries are the output of the block's first add & norm
probe = keras.Model(transformer.decoder.inputs, transformer.decoder.get_layer("dec2_norm1").output)
n_src, n_tgt = int(mt_val.src_valid_len[0]), int(mt_val.tgt_valid_len[0])
memory = transformer.initial_state(mt_val.src[:1], mt_val.src_valid_len[:1])[0]
queries = probe([mt_val.tgt_in[:1], memory, mt_val.src_valid_len[:1]])
mask = attention.valid_lens_mask(mt_val.src_valid_len[:1], num_steps, num_steps)
_, cross_weights = cross(queries, memory, attention_mask=mask, return_attention_scores=True)
cross_weights = to_numpy(cross_weights).mean(axis=1)
show_heatmaps(cross_weights[:, :n_tgt, :n_src][None], xlabel="source position", ylabel="target position",
              name="ch11_transformer_cross_weights")

# %% [markdown]
# ### Summary
#
# * A Transformer block is attention and a position-wise FFN, each with a
#   residual connection and layer normalization; the decoder adds masked
#   self-attention and attention to the encoder.
# * Padding masks hide the padded keys; the causal mask keeps each decoder
#   position from seeing later ones, so step-by-step decoding reproduces
#   the teacher-forced logits.
#
# ## 11.8 Transformers for Vision
#
# The Vision Transformer (Dosovitskiy et al., 2021) turns an image into a
# sequence: it cuts it into $p\times p$ patches, flattens each and maps it
# linearly to $d$ features. A convolution with kernel and stride $p$ does
# exactly that, one Dense layer per patch. A learned `<cls>` token is
# prepended, learned position embeddings are added, and after a stack of
# (pre-norm, GELU) encoder blocks the `<cls>` token's output is classified.

# %%
show(attention.patch_embedding)
show(attention.ClassToken)
images = keras.Input((96, 96, 3))
print("96x96x3 with 16x16 patches ->", attention.patch_embedding(images, 16, 512).shape)
show(attention.vit_block)

# %% [markdown]
# ### Exercise 11.11: cutting an image into patches
#
# Write `patchify(images, patch_size)` with `keras.ops` or NumPy: images
# (B, H, W, C) become (B, (H // p) · (W // p), p · p · C), the patches in
# row-major order (left to right, then top to bottom), each flattened in
# (row, column, channel) order, so that `patchify(images, p) @
# kernel.reshape(-1, d)` equals `Conv2D(d, p, strides=p, use_bias=False)`
# with that kernel, reshaped to (B, patches, d). Rows and columns that do not
# fill a whole patch are dropped, as the `"valid"` convolution drops them.

# %% tags=["exercise"] exercise="ch11.patchify"
# exercise: ch11.patchify
def patchify(images, patch_size):
    """(B, H, W, C) -> (B, patches, p * p * C) in row-major patch order."""
    raise NotImplementedError("ch11.patchify: write your answer here")


# %% tags=["check"]
check("ch11.patchify")

# %% [markdown]
# ### Training a small ViT on the digits
#
# The book trains a ViT with 16×16 patches on Fashion-MNIST at 96×96. We
# use chapter 7's digits at 28×28 with 7×7 patches (16 patches and the
# `<cls>` token) and a narrow, two-block model. A ViT has none of a
# CNN's built-in assumptions (locality, translation equivariance), so on
# a data set this small expect it to learn more slowly than chapter 7's
# LeNet; its strength shows with large data sets.

# %%
show(attention.build_vit)

# %% tags=["heavy"]
set_seed(9)
(digits_x, digits_y), (digits_val_x, digits_val_y) = load_digit_images(28)
num_digits = PROFILE.pick(tiny=128, default=len(digits_y), full=len(digits_y))
num_val_digits = PROFILE.pick(tiny=64, default=len(digits_val_y), full=len(digits_val_y))
digits_val_x, digits_val_y = digits_val_x[:num_val_digits], digits_val_y[:num_val_digits]
vit = attention.build_vit((28, 28, 1), patch_size=7, num_hiddens=PROFILE.pick(tiny=16, default=48, full=96),
                          mlp_num_hiddens=PROFILE.pick(tiny=32, default=96, full=192), num_heads=4,
                          num_blks=2, num_classes=10, emb_dropout=0.1, blk_dropout=0.1)
vit.compile(optimizer=keras.optimizers.Adam(2e-3),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
vit_epochs = PROFILE.pick(tiny=1, default=15, full=30)
start = time.perf_counter()
history = vit.fit(digits_x[:num_digits], digits_y[:num_digits], validation_data=(digits_val_x, digits_val_y),
                  epochs=vit_epochs, batch_size=64, verbose=2,
                  callbacks=[LivePlot(["loss", "val_loss", "accuracy", "val_accuracy"], name="ch11_vit",
                                     mock=False)])  # sklearn digits: real
print(f"ViT ({vit.count_params():,} parameters): validation accuracy "
      f"{history.history['val_accuracy'][-1]:.3f} on {len(digits_val_y)} real digit images "
      f"({PROFILE.name} profile, {vit_epochs} epochs, {time.perf_counter() - start:.0f} s)")

# %% [markdown]
# ### Summary
#
# * A ViT is a Transformer encoder on a sequence of image patches, with a
#   learned `<cls>` token and learned positions; a strided convolution is
#   the patch embedding.
# * Without the inductive biases of convolutions, it needs more data (or
#   pretraining) to match a CNN.
#
# ## 11.9 Large-Scale Pretraining with Transformers
#
# Everything above was trained from scratch on one task. The reason
# Transformers took over is that they keep improving when they are
# *pretrained* on very large unlabelled corpora and then fine-tuned or
# prompted. The book names three families, all built from the blocks of
# this chapter:
#
# * **Encoder-only** (BERT, 2018): a Transformer encoder trained to
#   predict masked-out tokens from both sides, then fine-tuned with a small
#   head per task (classification from the `<cls>` output, tagging from each
#   token's output). It reads; it does not generate.
# * **Encoder-decoder** (T5, BART): the model of 11.7, pretrained to
#   reconstruct corrupted spans of text; every task becomes text to text.
# * **Decoder-only** (the GPT series): only the decoder's causal
#   self-attention blocks (no cross-attention), trained to predict the next
#   token, the language models of chapter 9 at scale. GPT-3 (175 billion
#   parameters) showed that such a model can perform tasks from a few
#   examples in its prompt without any gradient step.
#
# Scale is the point: the book reports that the loss of these models falls
# as a power law in parameters, data and compute. None of that can be shown
# in a CPU notebook, and this workbook downloads no pretrained weights, so
# this section has no experiment. What transfers from this chapter is the
# machinery: the masks (a padding mask for encoders, the causal mask for
# decoders), multi-head attention, positional information, and the
# step-by-step greedy or beam decoding of chapter 10, which is how a
# decoder-only model generates text.
#
# ### Summary
#
# * Pretrained Transformers come as encoders (understanding), encoder-
#   decoders (text to text) and decoders (generation).
# * They differ in their masks and training objectives more than in their
#   blocks; their strength comes from scale, which this notebook does not
#   attempt.
