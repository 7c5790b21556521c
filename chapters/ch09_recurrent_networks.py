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
# # 9. Recurrent Neural Networks
#
# Every model so far took one fixed-size input and forgot it as soon as it
# had answered. Much data comes as sequences instead: a sentence, a stock
# price, a sensor reading every second. The order matters, the length varies,
# and what comes next depends on what came before. Recurrent neural networks
# (RNNs) carry a *hidden state* from one step to the next, a summary of the
# past that the same small network updates at every step. This chapter
# follows chapter 9 of the D2L book (Zhang, Lipton, Li and Smola, *Dive into
# Deep Learning*, Cambridge University Press 2023, the PyTorch edition;
# "section 9.n" below means the book's section too):
#
# * autoregressive models on a noisy sine wave, and why predicting many steps
#   ahead is hard (9.1);
# * text to numbers: cleaning, tokens, a vocabulary, word frequencies and
#   Zipf's law (9.2);
# * language models: n-grams, Laplace smoothing, perplexity, and cutting a
#   corpus into input/target windows (9.3);
# * the equations of an RNN (9.4);
# * an RNN written from scratch as a Keras layer and a character-level
#   language model with gradient clipping, warm-up and greedy generation
#   (9.5);
# * the same with Keras' `SimpleRNN` (9.6);
# * backpropagation through time and its truncation (9.7).
#
# **Layout.** Keras' recurrent layers are *batch-major*: inputs are
# `(batch, steps, features)`. The D2L book's scratch code is *time-major*,
# `(steps, batch, features)`. Every tensor here is batch-major.
#
# **About the numbers.** The D2L book works on H. G. Wells' *The Time
# Machine*. It is downloaded on first use (`workbook data download
# time_machine`); with `WORKBOOK_MOCK_DATA=1` the loader substitutes made-up
# words with Zipf frequencies and prints a `MOCK DATA` banner, and every
# count printed from it describes that generated text. The figures of the
# real novel quoted below (its length, its most frequent words) are the
# book's. The language models of 9.5 and 9.6 train on the real novel when it
# is available and otherwise on generated Markov text, whose true perplexity
# is known, so their result can be compared with the best possible one.
# Keras runs its recurrent layers as a Python loop over the time steps on the
# CPU, so the default profile trains small models for a few epochs: enough
# to see the perplexity fall, far from the book's 100 epochs.

# %% tags=["setup"]
import workbook  # selects the torch backend before Keras is imported
from workbook import PROFILE, check, set_seed
import keras
import numpy as np
import torch
from keras import ops

print(workbook.profiles.describe(), "| keras", keras.__version__, "| torch", torch.__version__)
set_seed(42)

# %% [markdown]
# The chapter uses the workbook's text layer (tokens, `Vocab`, windows),
# its generated text, the shared language-model helpers (also used by
# chapter 10) and its plots. As in the earlier chapters, the models it
# trains are `workbook.fastfit.FastModel`s: `keras.Model`s whose `fit` runs
# the same training with less Keras work per step.

# %%
import collections

from workbook.datasets import mock_enabled
from workbook.datasets.text import load_time_machine
from workbook.fastfit import FastModel
from workbook.fused_rnn import FusedSimpleRNN
from workbook.language_model import (
    build_lm, build_step_model, generate_text, perplexity, train_lm,
)
from workbook.plotting import LivePlot, plot, pyplot, show_or_save
from workbook.synthetic_text import markov_chain, markov_perplexity, markov_text, zipf_tokens
from workbook.text import Vocab, lm_split, lm_windows, preprocess_time_machine, tokenize

# %% [markdown]
# ## 9.1 Working with Sequences
#
# ### 9.1.1 Autoregressive models
#
# Call the sequence $x_1, x_2, \ldots, x_T$. To predict $x_t$ from its past
# we want $P(x_t \mid x_{t-1}, \ldots, x_1)$, but the past grows with $t$.
# Two ways out:
#
# * an **autoregressive** model looks only at a window of the last $\tau$
#   values, $x_{t-1}, \ldots, x_{t-\tau}$: a fixed number of features, so any
#   regression model works;
# * a **latent autoregressive** model keeps a summary $h_t$ of the past and
#   updates it, $h_t = g(h_{t-1}, x_{t-1})$, $\hat{x}_t = P(x_t \mid h_t)$.
#   RNNs are of this kind.
#
# When the window is long enough that older values add nothing, the sequence
# satisfies a **Markov condition**; with $\tau = 1$ it is a first-order Markov
# model, $P(x_1, \ldots, x_T) = P(x_1) \prod_{t=2}^T P(x_t \mid x_{t-1})$.
# Whatever the model, the chain rule of probability factors the joint
# distribution from left to right, $P(x_1, \ldots, x_T) = \prod_t P(x_t \mid
# x_{t-1}, \ldots, x_1)$, which is how language models are built (9.3).
#
# ### 9.1.2 A noisy sine wave
#
# The D2L book's toy data: $T = 1000$ points of $x_t = \sin(0.01 t) +
# \epsilon$ with Gaussian noise of standard deviation 0.2.

# %%
T, tau, num_train = 1000, 4, 600
time = np.arange(1, T + 1, dtype="float32")
sine_rng = np.random.default_rng(0)
x = (np.sin(0.01 * time) + sine_rng.normal(0, 0.2, size=T)).astype("float32")

# Lag features: row i holds x[i], ..., x[i + tau - 1] and its label is x[i + tau].
features = np.stack([x[i : T - tau + i] for i in range(tau)], axis=1)
labels = x[tau:]
print("features", features.shape, "labels", labels.shape)

# %% tags=["heavy"]
plot(time, {"x": x}, xlabel="time", ylabel="x", name="ch09_sine")

# %% [markdown]
# With $\tau = 4$ every example is four consecutive values and the next one.
# The first 600 examples train a linear regression (a `Dense(1)`), as in
# the book: weights drawn from $N(0, 0.01^2)$, minibatches of 16, SGD with
# learning rate 0.01, 5 epochs, and the squared loss (Keras' MSE, without
# the book's ½). The small start matters here: from Keras' default Glorot
# initialization, 5 epochs end at weights that differ from run to run, some
# of which make the recursion of 9.1.3 grow without bound.

# %%
set_seed(0)
lag_inputs = keras.Input((tau,))
ar_model = FastModel(lag_inputs, keras.layers.Dense(
    1, kernel_initializer=keras.initializers.RandomNormal(stddev=0.01))(lag_inputs))
ar_model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
ar_model.fit(features[:num_train], labels[:num_train], batch_size=16, epochs=5, verbose=0)
one_step = ops.convert_to_numpy(ar_model(features))[:, 0]
print(f"one-step-ahead MSE on the last {T - tau - num_train} examples:",
      f"{np.mean((one_step[num_train:] - labels[num_train:]) ** 2):.4f}",
      "(the noise alone has variance 0.04)")

# %% [markdown]
# ### 9.1.3 Predicting further ahead
#
# One-step-ahead predictions use the observed values up to $t - 1$. To look
# $k$ steps ahead we have no observations past the present, so each new
# prediction is made from the previous *predictions*: $\hat{x}_{t+1}$ from
# observations, $\hat{x}_{t+2}$ from observations and $\hat{x}_{t+1}$, and
# so on. Errors feed on each other. The book's figure: predictions 1, 4, 16
# and 64 steps ahead, each from every window of $\tau$ observations.

# %%
max_steps = 64
weights, bias = (ops.convert_to_numpy(w) for w in ar_model.layers[-1].weights)
# Column j < tau: observed x[i + j]; column tau + s: the (s+1)-step-ahead prediction.
rollout = np.zeros((T - tau - max_steps + 1, tau + max_steps), dtype="float32")
rollout[:, :tau] = np.stack([x[i : i + T - tau - max_steps + 1] for i in range(tau)], axis=1)
for s in range(max_steps):
    rollout[:, tau + s] = rollout[:, s : s + tau] @ weights[:, 0] + bias[0]
for k in (1, 4, 16, 64):
    truth = x[tau + k - 1 : tau + k - 1 + len(rollout)]
    print(f"{k:2d}-step-ahead MSE: {np.mean((rollout[:, tau + k - 1] - truth) ** 2):.4f}")

# %% tags=["heavy"]
plt = pyplot()
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(time, x, color="lightgray", label="data")
for k in (1, 4, 16, 64):  # row i predicts x[i + tau + k - 1]
    ax.plot(time[tau + k - 1 : tau + k - 1 + len(rollout)], rollout[:, tau + k - 1],
            label=f"{k}-step")
ax.set_xlabel("time")
ax.legend()
show_or_save(fig, "ch09_k_step_ahead", mock=False)  # a generated sine

# %% [markdown]
# The 4-step predictions still follow the wave, with a larger error; by 16
# steps they lag and flatten, and 64 steps ahead they have decayed towards
# a nearly constant line, as in the book's figure: the fitted weights are
# close to an average of the window (printed below), and averaging
# predictions of predictions smooths the signal away. A linear model of
# four noisy values cannot carry the wave that far, and no model can
# predict the noise.

# %%
print("fitted weights (oldest value first):", weights[:, 0].round(3), "bias", bias.round(3))

# %% [markdown]
# ### Summary
#
# * Sequence models estimate $P(x_t \mid x_{t-1}, \ldots)$; an
#   autoregressive model keeps a window of $\tau$ past values, a latent
#   autoregressive model a hidden state.
# * One-step-ahead prediction is easy; $k$-step-ahead predictions are built
#   from earlier predictions and their errors compound.

# %% [markdown]
# ### Exercise 9.1: lag features for a horizon
#
# Write `lag_features(x, tau, horizon=1)` for a 1-D array `x` of length `T`.
# Row `i` of the features holds `x[i], x[i + 1], ..., x[i + tau - 1]` (oldest
# first) and its label is the value `horizon` steps after the window,
# `x[i + tau + horizon - 1]`; take every row for which that label exists.
# Return `(features, labels)` as float32 arrays shaped `(rows, tau)` and
# `(rows,)`. With `horizon=1` this is section 9.1.2's data; a model trained
# with a larger horizon predicts `horizon` steps ahead *directly*, with no
# predictions fed back.

# %% tags=["exercise"] exercise="ch09.lag_features"
# exercise: ch09.lag_features
def lag_features(x, tau, horizon=1):
    """(features (rows, tau), labels (rows,)) of lagged windows, float32."""
    raise NotImplementedError("ch09.lag_features: write your answer here")


# %% tags=["check"]
check("ch09.lag_features")

# %% [markdown]
# ### Exercise 9.2: k-step-ahead predictions
#
# Write `k_step_predictions(x, weights, bias, max_k)` for a linear
# autoregressive model `x_hat[t] = sum_j weights[j] * (value at t - tau + j) +
# bias` with `tau = len(weights)`. For every start `i` for which the truth
# exists, begin with the observed window `x[i : i + tau]` and predict
# `max_k` steps, each from the last `tau` values (observed or predicted).
# Return a float array shaped `(len(x) - tau - max_k + 1, max_k)` whose
# entry `[i, k - 1]` predicts `x[i + tau + k - 1]`, `k` steps ahead. Plain
# numpy is fine.

# %% tags=["exercise"] exercise="ch09.k_step_ahead"
# exercise: ch09.k_step_ahead
def k_step_predictions(x, weights, bias, max_k):
    """[i, k - 1]: the k-step-ahead prediction of x[i + tau + k - 1]."""
    raise NotImplementedError("ch09.k_step_ahead: write your answer here")


# %% tags=["check"]
check("ch09.k_step_ahead")

# %% [markdown]
# ## 9.2 Converting Raw Text into Sequences
#
# Text becomes numbers in four steps: load it, split it into **tokens**
# (characters or words), build a **vocabulary** that numbers the tokens, and
# replace each token by its number.

# %%
raw_text = load_time_machine()
real_text = not mock_enabled()
print(raw_text[:60])

# %% [markdown]
# The book's cleaning is crude on purpose: every run of characters that are
# not letters becomes one space, and everything is lower case. (It loses
# punctuation and numbers; a real system would keep them.)

# %%
text = preprocess_time_machine(raw_text)
print(text[:60])

# %% [markdown]
# ### 9.2.1 Tokens and the vocabulary
#
# Character tokens are the text's characters, spaces included. `Vocab`
# (in `workbook.text`, shared with chapters 10 and 11) counts them and
# numbers the distinct tokens in the book's order: the token strings
# sorted, with the reserved token `<unk>` for anything unknown or too
# rare. For the novel's characters that gives `' '` = 0, `'<unk>'` = 1,
# `'a'` = 2, and so on.

# %%
chars = tokenize(text, "char")
vocab = Vocab(chars)
corpus = vocab.encode(chars)
print(",".join(chars[:10]))
print("indices:", corpus[:10].tolist())
print("first tokens of the vocabulary:", vocab.idx_to_token[:5], "| unknown ->", vocab["~"])
print(f"{len(corpus):,} characters, a vocabulary of {len(vocab)}",
      "(measured on this text)" if real_text else "(measured on the MOCK text)")

# %% [markdown]
# On the real file the book reports 173,428 characters and a vocabulary of
# 28 (26 letters, the space and `<unk>`), and the first ten indices
# `[21, 9, 6, 0, 21, 10, 14, 6, 0, 14]` for "the time m".
#
# ### 9.2.2 Word frequencies
#
# Word tokens tell more about the language. The most frequent words are
# *stop words*: "the", "i", "and", "of", "a" head the book's list for the
# novel, with "the" 2,261 times.

# %%
words = tokenize(text, "word")
word_vocab = Vocab(words)
print("top words:", word_vocab.token_freqs[:10])
bigrams = list(zip(words[:-1], words[1:]))
trigrams = list(zip(words[:-2], words[1:-1], words[2:]))
bigram_freqs = collections.Counter(bigrams).most_common()
trigram_freqs = collections.Counter(trigrams).most_common()
print("top bigrams:", bigram_freqs[:5])

# %% [markdown]
# ### 9.2.3 Zipf's law
#
# Sort the words by frequency. The $i$-th most frequent word's count $n_i$
# falls roughly like a power of its rank, $n_i \propto 1 / i^\alpha$, so on
# log-log axes the counts lie near a straight line of slope $-\alpha$:
# **Zipf's law**. Bigrams and trigrams follow the same kind of law with a
# smaller exponent, and most long n-grams occur once or never, which is why
# counting alone cannot model language (9.3).

# %% tags=["heavy"]
plt = pyplot()
fig, ax = plt.subplots(figsize=(5, 3.5))
for name, freqs in [("unigram", word_vocab.token_freqs), ("bigram", bigram_freqs),
                    ("trigram", trigram_freqs)]:
    counts = [n for _, n in freqs]
    ax.loglog(np.arange(1, len(counts) + 1), counts, label=name)
ax.set_xlabel("rank")
ax.set_ylabel("frequency")
ax.legend()
show_or_save(fig, "ch09_zipf")

# %% [markdown]
# The slope of that line is the exponent. Fitting a line to
# $\log n_i$ against $\log i$ on words *generated* with a known exponent
# shows how well the fit recovers it (the ranks beyond a few hundred are
# noisy, single counts, so the fit uses the top 300):

# %%
for exponent in (0.8, 1.1):
    counts = np.sort(np.array(list(collections.Counter(
        zipf_tokens(200_000, vocab_size=2000, exponent=exponent, seed=0)).values())))[::-1]
    top = counts[:300]
    slope = np.polyfit(np.log(np.arange(1, len(top) + 1)), np.log(top), 1)[0]
    print(f"generated with exponent {exponent}: fitted slope {slope:.3f}")

# %% [markdown]
# ### Summary
#
# * Text goes to numbers through tokens and a vocabulary; `<unk>` catches
#   unknown and rare tokens.
# * Word frequencies follow Zipf's law: a few words are very common, most
#   are rare, and n-grams are rarer still.

# %% [markdown]
# ## 9.3 Language Models
#
# A **language model** assigns a probability to a sequence of tokens,
# $P(x_1, \ldots, x_T) = \prod_t P(x_t \mid x_1, \ldots, x_{t-1})$. With it
# we can score sentences ("to recognize speech" against "to wreck a nice
# beach") and generate text, one token at a time.
#
# ### 9.3.1 n-grams and Laplace smoothing
#
# Counting estimates the conditional probabilities: a bigram model uses
# $\hat{P}(x' \mid x) = n(x, x') / n(x)$. Pairs never seen get probability
# 0, and a single unseen pair makes a whole sentence impossible. **Laplace
# smoothing** adds a small count $\epsilon$ to every pair:
# $\hat{P}(x' \mid x) = (n(x, x') + \epsilon) / (n(x) + \epsilon |V|)$, where
# $n(x)$ counts $x$ as the *first* element of a pair, so every row sums to
# 1. (The D2L book writes a variant that blends in the unigram
# frequencies.)
#
# ### 9.3.2 Perplexity
#
# A good model gives the tokens that actually occur a high probability. The
# average surprise per token, the cross-entropy
# $\frac{1}{n} \sum_{t=1}^n -\log P(x_t \mid x_{t-1}, \ldots, x_1)$, measures
# that; its exponential is the **perplexity**. A model that is always sure
# and right has perplexity 1; one that spreads its probability uniformly
# over the vocabulary has perplexity $|V|$: as if it chose among $|V|$
# equally likely tokens at every step.
#
# Generated text makes the scale concrete. An order-1 Markov chain over 26
# letters and the space has a known **true perplexity** (the exponential of
# its entropy rate), and no model can beat it on average. A Laplace-smoothed
# bigram model counted on 10,000 characters comes close, and a uniform model
# scores exactly $|V|$:

# %%
markov = markov_chain(27, seed=0, concentration=0.1)
markov_chars = markov_text(markov, 30_000, seed=1)
markov_vocab = Vocab(list(markov_chars))
markov_ids = markov_vocab.encode(list(markov_chars))
V = len(markov_vocab)  # 27 characters and <unk>


def bigram_table(ids, size, eps):
    """Laplace-smoothed P(next | previous), rows indexed by the previous token."""
    counts = np.zeros((size, size))
    np.add.at(counts, (ids[:-1], ids[1:]), 1)
    return (counts + eps) / (counts.sum(axis=1, keepdims=True) + eps * size)


table = bigram_table(markov_ids[:10_000], V, eps=0.1)
held_out = markov_ids[10_000:12_000]
bigram_ppl = np.exp(-np.mean(np.log(table[held_out[:-1], held_out[1:]])))
print(f"true perplexity of the generated text: {markov_perplexity(markov):.3f}")
print(f"smoothed bigram model on held-out text: {bigram_ppl:.3f}")
print(f"uniform model: {np.exp(-np.mean(np.log(np.full(len(held_out) - 1, 1 / V)))):.3f}"
      f" (= |V| = {V})")

# %% [markdown]
# ### 9.3.3 Input and target windows
#
# A neural language model trains on windows of `num_steps` tokens: the
# input is a window, the target the same window shifted by one token, so
# that at every position the model predicts the next token. The book takes
# *every* window (they overlap) and splits them into training and
# validation windows; `workbook.text.lm_windows` does the first part:

# %%
X_demo, Y_demo = lm_windows(np.arange(10), num_steps=4)
print("X:", X_demo[:3].tolist(), "\nY:", Y_demo[:3].tolist(), "\n", len(X_demo), "windows")

# %% [markdown]
# An alternative partition discards a random number of leading tokens and
# cuts the rest into consecutive, non-overlapping windows: each token is
# then an input once per epoch, and the random offset varies the cuts from
# epoch to epoch (Exercise 9.5).
#
# ### Summary
#
# * n-gram models count; Laplace smoothing keeps unseen n-grams possible.
# * Perplexity is the exponential of the mean per-token cross-entropy:
#   1 is perfect, $|V|$ is uniform guessing, and on generated Markov text
#   the true value is known.
# * Language models train on windows whose targets are the inputs shifted
#   by one token.

# %% [markdown]
# ### Exercise 9.3: a Laplace-smoothed bigram model
#
# Write `laplace_bigram(indices, vocab_size, eps)`: `indices` is a 1-D
# sequence of token indices in `range(vocab_size)`, `eps > 0`. Return the
# `(vocab_size, vocab_size)` float array whose entry `[a, b]` is
# $(n(a, b) + \epsilon) / (n(a) + \epsilon \cdot |V|)$, where $n(a, b)$
# counts the adjacent pairs `(a, b)` and $n(a)$ the pairs that *start* with
# `a` (so every row sums to 1, also for a token never seen or seen only at
# the very end).

# %% tags=["exercise"] exercise="ch09.laplace_bigram"
# exercise: ch09.laplace_bigram
def laplace_bigram(indices, vocab_size, eps):
    """P[a, b]: the smoothed probability that token b follows token a."""
    raise NotImplementedError("ch09.laplace_bigram: write your answer here")


# %% tags=["check"]
check("ch09.laplace_bigram")

# %% [markdown]
# ### Exercise 9.4: perplexity from logits
#
# Write `perplexity_from_logits(logits, targets)`: `logits` is
# `(batch, steps, vocab)`, `targets` integer `(batch, steps)`. Return the
# perplexity, a Python float: the exponential of the mean, over *all*
# `batch * steps` tokens, of $-\log \mathrm{softmax}(\text{logits})$ at the
# target. It must stay finite for logits as large as $10^4$ and as small as
# $10^{-2}$ in the same batch (shift each row by its own maximum).

# %% tags=["exercise"] exercise="ch09.perplexity"
# exercise: ch09.perplexity
def perplexity_from_logits(logits, targets):
    """exp(mean cross-entropy over every token), as a Python float."""
    raise NotImplementedError("ch09.perplexity: write your answer here")


# %% tags=["check"]
check("ch09.perplexity")

# %% [markdown]
# ### Exercise 9.5: random-offset partitioning
#
# Write `partition_windows(indices, num_steps, offset)`: drop the first
# `offset` tokens, then cut consecutive, non-overlapping windows of
# `num_steps` tokens: window `i` starts at `offset + i * num_steps`. Its
# target is the same window shifted one token right, so keep only the
# windows whose last target token exists. Return `(X, Y)` as int32 arrays
# shaped `(windows, num_steps)`. (Do not use `workbook.text`'s helpers.)

# %% tags=["exercise"] exercise="ch09.partition"
# exercise: ch09.partition
def partition_windows(indices, num_steps, offset):
    """(X, Y): non-overlapping windows after an offset, Y shifted by one."""
    raise NotImplementedError("ch09.partition: write your answer here")


# %% tags=["check"]
check("ch09.partition")

# %% [markdown]
# ## 9.4 Recurrent Neural Networks
#
# An n-gram model's table grows as $|V|^n$. An RNN keeps a **hidden state**
# $\mathbf{H}_t$ instead, computed from the current input and the previous
# state by the same weights at every step:
#
# $$\mathbf{H}_t = \phi(\mathbf{X}_t \mathbf{W}_{xh} + \mathbf{H}_{t-1}
# \mathbf{W}_{hh} + \mathbf{b}_h), \qquad
# \mathbf{O}_t = \mathbf{H}_t \mathbf{W}_{hq} + \mathbf{b}_q.$$
#
# For a minibatch of $n$ examples with $d$ inputs and $h$ hidden units,
# $\mathbf{X}_t$ is $n \times d$, $\mathbf{H}_t$ is $n \times h$,
# $\mathbf{W}_{xh}$ is $d \times h$, $\mathbf{W}_{hh}$ is $h \times h$; the
# output layer maps to $q$ outputs. The number of parameters does not grow
# with the length of the sequence. In a character-level language model the
# inputs are one-hot vectors of the previous characters, and the outputs at
# step $t$ are the logits of the character at $t + 1$: reading "machin",
# it should predict "achine".
#
# The two products add up to one product of concatenations,
# $[\mathbf{X}_t, \mathbf{H}_{t-1}] \, [\mathbf{W}_{xh}; \mathbf{W}_{hh}]$:

# %%
eq_rng = np.random.default_rng(1)
X_t, W_xh = eq_rng.normal(size=(3, 1)), eq_rng.normal(size=(1, 4))
H_prev, W_hh = eq_rng.normal(size=(3, 4)), eq_rng.normal(size=(4, 4))
two_products = ops.matmul(X_t, W_xh) + ops.matmul(H_prev, W_hh)
one_product = ops.matmul(ops.concatenate([X_t, H_prev], axis=1),
                         ops.concatenate([W_xh, W_hh], axis=0))
print("largest difference:", float(ops.max(ops.abs(two_products - one_product))))

# %% [markdown]
# One-hot inputs: token $i$ becomes the $i$-th unit vector. A minibatch of
# windows `(batch, steps)` becomes `(batch, steps, vocab)`; the D2L book
# transposes first and gets the time-major `(steps, batch, vocab)`.

# %%
print(ops.convert_to_numpy(ops.one_hot(np.array([[0, 2], [1, 3]]), 4)))

# %% [markdown]
# ### Summary
#
# * An RNN updates a hidden state with the same weights at every step, so
#   its size does not depend on the length of the sequence.
# * A character-level language model reads one-hot characters and predicts
#   the next one at every step.

# %% [markdown]
# ### Exercise 9.6: one-hot windows
#
# Write `one_hot_windows(X, vocab_size)` with `keras.ops`: `X` is an integer
# array `(batch, steps)`. Return the float32 tensor `(batch, steps,
# vocab_size)` with a 1 at `[b, t, X[b, t]]` and 0 elsewhere: batch-major,
# as Keras' recurrent layers expect.

# %% tags=["exercise"] exercise="ch09.one_hot"
# exercise: ch09.one_hot
def one_hot_windows(X, vocab_size):
    """(batch, steps, vocab_size) float32 one-hot vectors."""
    raise NotImplementedError("ch09.one_hot: write your answer here")


# %% tags=["check"]
check("ch09.one_hot")

# %% [markdown]
# ### Exercise 9.7: the RNN's forward pass
#
# Write `rnn_forward(X, H0, W_xh, W_hh, b_h)` with `keras.ops` (autograd
# must flow through it): `X` is `(batch, steps, inputs)`, `H0` the initial
# state `(batch, hiddens)`. Apply
# $\mathbf{H}_t = \tanh(\mathbf{X}_t \mathbf{W}_{xh} + \mathbf{H}_{t-1}
# \mathbf{W}_{hh} + \mathbf{b}_h)$ for $t = 1, \ldots,$ `steps` and return
# the states $\mathbf{H}_1, \ldots, \mathbf{H}_T$ (not $\mathbf{H}_0$)
# stacked batch-major, `(batch, steps, hiddens)`.

# %% tags=["exercise"] exercise="ch09.rnn_forward"
# exercise: ch09.rnn_forward
def rnn_forward(X, H0, W_xh, W_hh, b_h):
    """(batch, steps, hiddens): the hidden states after each step."""
    raise NotImplementedError("ch09.rnn_forward: write your answer here")


# %% tags=["check"]
check("ch09.rnn_forward")

# %% [markdown]
# ## 9.5 Recurrent Neural Network Implementation from Scratch
#
# ### 9.5.1 The RNN layer
#
# A Keras layer with the book's three parameters, $\mathbf{W}_{xh}$ and
# $\mathbf{W}_{hh}$ drawn from $N(0, \sigma^2)$ with $\sigma = 0.01$ and a
# zero bias. Its `call` loops over the time steps with `keras.ops` and
# returns `[outputs, state]`, and it accepts `initial_state=[state]`: the
# convention of Keras' own recurrent layers with `return_sequences=True,
# return_state=True`, which `workbook.language_model` builds on. Inside a
# functional model the time axis may be `None`: on the torch backend Keras
# traces `call` with a placeholder length, and the Python loop runs over it.

# %%
class RNNScratch(keras.layers.Layer):
    """H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h); returns [outputs, last state]."""

    def __init__(self, num_hiddens, sigma=0.01, **kwargs):
        super().__init__(**kwargs)
        self.num_hiddens, self.sigma = num_hiddens, sigma

    def build(self, input_shape):
        normal = keras.initializers.RandomNormal(stddev=self.sigma)
        self.W_xh = self.add_weight(shape=(input_shape[-1], self.num_hiddens),
                                    initializer=normal, name="W_xh")
        self.W_hh = self.add_weight(shape=(self.num_hiddens, self.num_hiddens),
                                    initializer=normal, name="W_hh")
        self.b_h = self.add_weight(shape=(self.num_hiddens,), initializer="zeros", name="b_h")

    def call(self, inputs, initial_state=None):
        if initial_state is None:
            state = ops.zeros((ops.shape(inputs)[0], self.num_hiddens), dtype=inputs.dtype)
        else:
            state = initial_state[0]
        outputs = []
        for t in range(inputs.shape[1]):
            state = ops.tanh(ops.matmul(inputs[:, t], self.W_xh)
                             + ops.matmul(state, self.W_hh) + self.b_h)
            outputs.append(state)
        return [ops.stack(outputs, axis=1), state]


# %% [markdown]
# The book's shape test: a batch of 2 sequences of 100 steps with 16
# inputs, 32 hidden units.

# %%
rnn = RNNScratch(32)
outputs, state = rnn(ops.ones((2, 100, 16)))
print("outputs", tuple(outputs.shape), "state", tuple(state.shape))
assert tuple(outputs.shape) == (2, 100, 32) and tuple(state.shape) == (2, 32)

# %% [markdown]
# ### 9.5.2 The language model
#
# `workbook.language_model.build_lm(vocab_size, layer)` wraps any layer of
# that convention into a functional model: integer tokens `(batch, steps)`
# → one-hot vectors (a frozen identity `Embedding`, so the model saves and
# loads like any other) → the recurrent layer → `Dense(vocab_size)`, the
# logits of the next token at every step.
#
# The training data: the characters of the novel when the real file is
# here, otherwise the generated Markov text of 9.3 (its true perplexity is
# the target to compare with). Sizes depend on the profile; the book's are
# in the `full` column: windows of 32 steps, 10,000 training and 5,000
# validation windows, 32 hidden units, learning rate 1, 100 epochs.

# %%
num_steps = PROFILE.pick(tiny=8, default=8, full=32)
num_hiddens = 32
lm_train, lm_val = PROFILE.pick(tiny=(1000, 500), default=(10_000, 2000), full=(10_000, 5000))
lm_batch = PROFILE.pick(tiny=128, default=128, full=1024)
lm_lr = 1.0
lm_epochs = PROFILE.pick(tiny=1, default=4, full=100)
if real_text:
    lm_vocab, lm_ids, true_ppl = vocab, corpus, None
    print("language model data: The Time Machine (characters)")
else:
    lm_vocab, lm_ids, true_ppl = markov_vocab, markov_ids, markov_perplexity(markov)
    print(f"language model data: GENERATED Markov text, true perplexity {true_ppl:.3f}")
X_train, Y_train, X_val, Y_val = lm_split(lm_ids, num_steps, lm_train, lm_val)
print("windows:", X_train.shape, X_val.shape, "| vocabulary", len(lm_vocab))

# %% [markdown]
# ### 9.5.3 Gradient clipping
#
# Through a long sequence the gradient is a product of many Jacobians
# (9.7) and can explode. The book clips the **global** norm: with all
# gradients stacked into one vector $\mathbf{g}$, replace it by
# $\min(1, \theta / \|\mathbf{g}\|) \, \mathbf{g}$. The direction stays the
# same; only the length is capped at $\theta$. Keras' optimizers do that with
# `global_clipnorm=theta`. Their `clipnorm=theta` is different: it caps
# *each variable's* gradient separately, which changes the direction. With
# two gradients $[3, 4]$ and $[0, 1]$ and $\theta = 1$:

# %%
for option in ("global_clipnorm", "clipnorm"):
    a, b = keras.Variable([0.0, 0.0]), keras.Variable([0.0])
    keras.optimizers.SGD(1.0, **{option: 1.0}).apply(
        [ops.convert_to_tensor([3.0, 4.0]), ops.convert_to_tensor([1.0])], [a, b])
    print(f"{option:15s} step: {ops.convert_to_numpy(a)}, {ops.convert_to_numpy(b)}")

# %% [markdown]
# The global norm is $\sqrt{26}$, so every entry shrinks by $1/\sqrt{26}$;
# per-variable clipping shrinks the first gradient by 1/5 and leaves the
# second alone. `workbook.language_model.train_lm` compiles with SGD,
# `global_clipnorm=1` and the cross-entropy on the logits, and its
# `PerplexityLogger` callback adds `perplexity` and `val_perplexity`
# (the exponential of the epoch's mean loss) to the logs.
#
# ### 9.5.4 Training

# %% tags=["heavy"]
set_seed(0)
scratch_lm = build_lm(len(lm_vocab), RNNScratch(num_hiddens))
_, scratch_ppl = train_lm(
    scratch_lm, X_train, Y_train, X_val, Y_val, epochs=lm_epochs, batch_size=lm_batch,
    learning_rate=lm_lr, callbacks=[LivePlot(["perplexity", "val_perplexity"],
                                             name="ch09_scratch_lm")])
print("validation perplexity by epoch:", [round(p, 3) for p in scratch_ppl["val_perplexity"]],
      "" if true_ppl is None else f"| true perplexity {true_ppl:.3f} | uniform {len(lm_vocab)}")

# %% [markdown]
# ### 9.5.5 Warm-up and greedy generation
#
# To generate, the model reads a prefix first (**warm-up**: the state
# absorbs the prefix, and nothing is predicted yet), then predicts the most
# likely next token, feeds it back as the next input, and repeats.
# Predicting one token at a time needs the state between calls, so
# `build_step_model` builds a second functional model,
# `[tokens, state] -> [logits, new state]`, from the *same* layer objects:
# it is the trained model, called differently, with no weights copied.

# %% tags=["heavy"]
scratch_step = build_step_model(scratch_lm)
prefix = "it has" if real_text else markov_chars[:6]
print(repr(generate_text(scratch_step, lm_vocab, prefix, 20)))

# %% [markdown]
# After 100 epochs on the novel the book's model produced "it has in the the
# the the": the bigram habits of English, no meaning yet. On Markov text,
# greedy decoding soon cycles through the most likely transitions.
#
# ### Summary
#
# * A recurrent layer is a Python loop over time steps with the same weights;
#   written as a Keras layer that returns `[outputs, state]`, it drops into a
#   functional language model.
# * Clip the global gradient norm (`global_clipnorm`), not each variable's
#   (`clipnorm`).
# * Generation warms the state up on a prefix, then feeds each greedy
#   prediction back, through a step model that shares the trained layers.

# %% [markdown]
# ### Exercise 9.8: global-norm clipping
#
# Write `clip_by_global_norm(grads, theta)`: `grads` is a list of arrays of
# any shapes. If their global norm
# $\|\mathbf{g}\| = \sqrt{\sum_i \|g_i\|^2}$ exceeds `theta`, return every
# array multiplied by `theta / ||g||`; otherwise return them unchanged.
# Return a list of arrays of the same shapes.

# %% tags=["exercise"] exercise="ch09.clip_global_norm"
# exercise: ch09.clip_global_norm
def clip_by_global_norm(grads, theta):
    """The gradients scaled so that their global norm is at most theta."""
    raise NotImplementedError("ch09.clip_global_norm: write your answer here")


# %% tags=["check"]
check("ch09.clip_global_norm")

# %% [markdown]
# ### Exercise 9.9: warm-up and greedy decoding
#
# Write `greedy_decode(step, prefix, num_preds)`. `step(tokens, state)`
# takes integer tokens `(1, steps)` and a state (`None` for the start) and
# returns `(logits, new_state)`, logits shaped `(1, steps, vocab)`, like the
# step model of 9.5.5. Warm up on the whole `prefix` (a list of token
# indices), then append `num_preds` greedy (argmax) predictions, feeding
# each back as the next input with the state carried along. Return the
# list of ints: the prefix followed by the predictions.

# %% tags=["exercise"] exercise="ch09.greedy_decode"
# exercise: ch09.greedy_decode
def greedy_decode(step, prefix, num_preds):
    """prefix + num_preds greedy tokens, after warming the state up on prefix."""
    raise NotImplementedError("ch09.greedy_decode: write your answer here")


# %% tags=["check"]
check("ch09.greedy_decode")

# %% [markdown]
# ## 9.6 Concise Implementation of Recurrent Neural Networks
#
# Keras' `SimpleRNN` is the same layer. Its weights, in order, are the
# `kernel` ($\mathbf{W}_{xh}$, `(inputs, hiddens)`), the `recurrent_kernel`
# ($\mathbf{W}_{hh}$) and one `bias`; copy the scratch layer's weights into
# it and the outputs agree:

# %%
keras_rnn = keras.layers.SimpleRNN(32, return_sequences=True, return_state=True)
probe = np.random.default_rng(2).normal(size=(2, 10, 16)).astype("float32")
keras_rnn(probe)  # builds the weights
scratch = RNNScratch(32, sigma=0.3)
scratch_out, _ = scratch(probe)
keras_rnn.set_weights([ops.convert_to_numpy(w) for w in (scratch.W_xh, scratch.W_hh, scratch.b_h)])
keras_out, _ = keras_rnn(probe)
print("largest difference:", float(ops.max(ops.abs(scratch_out - keras_out))))

# %% [markdown]
# torch's `nn.RNN` differs in layout: its `weight_ih` is `(hiddens,
# inputs)`, the transpose of Keras' kernel, and it has two biases,
# `bias_ih` and `bias_hh`, that only ever appear as their sum (Exercise
# 9.10).
#
# The concise language model is the same pipeline with `FusedSimpleRNN` in
# the middle: Keras' `SimpleRNN`, the same weights and arithmetic, with the
# loop over time steps inside one torch kernel (`workbook.fused_rnn`), far
# faster on a CPU. Untrained, it generates the same character over and
# over; the book's untrained model printed "it hasoadd dd dd dd dd dd".

# %% tags=["heavy"]
set_seed(0)
concise_lm = build_lm(len(lm_vocab), FusedSimpleRNN(
    num_hiddens, return_sequences=True, return_state=True))
concise_step = build_step_model(concise_lm)
print("untrained:", repr(generate_text(concise_step, lm_vocab, prefix, 20)))
_, concise_ppl = train_lm(
    concise_lm, X_train, Y_train, X_val, Y_val, epochs=lm_epochs, batch_size=lm_batch,
    learning_rate=lm_lr, callbacks=[LivePlot(["perplexity", "val_perplexity"],
                                             name="ch09_concise_lm")])
print("validation perplexity by epoch:", [round(p, 3) for p in concise_ppl["val_perplexity"]],
      "" if true_ppl is None else f"| true perplexity {true_ppl:.3f}")
print("trained:", repr(generate_text(concise_step, lm_vocab, prefix, 20)))

# %% [markdown]
# The step model was built *before* training and still generates with the
# trained weights: it shares the layers. `SimpleRNN`'s default initializers
# (Glorot uniform for the kernel, orthogonal for the recurrent kernel) start
# it from a different place than the scratch layer's $N(0, 0.01^2)$.
#
# ### Summary
#
# * `SimpleRNN(h, return_sequences=True, return_state=True)` is the scratch
#   layer; its weights are `[kernel, recurrent_kernel, bias]`, Keras'
#   `(inputs, hiddens)` layout.
# * The same builders train it, clip it and decode with it.

# %% [markdown]
# ### Exercise 9.10: torch's RNN weights in Keras
#
# Write `torch_rnn_to_keras(weight_ih, weight_hh, bias_ih, bias_hh)`: the
# four arrays of a one-layer torch `nn.RNN` (shapes `(hiddens, inputs)`,
# `(hiddens, hiddens)`, `(hiddens,)`, `(hiddens,)`). Return the list
# `[kernel, recurrent_kernel, bias]` that makes a Keras `SimpleRNN` compute
# the same outputs (`set_weights` takes it).

# %% tags=["exercise"] exercise="ch09.torch_rnn_weights"
# exercise: ch09.torch_rnn_weights
def torch_rnn_to_keras(weight_ih, weight_hh, bias_ih, bias_hh):
    """[kernel, recurrent_kernel, bias] for keras.layers.SimpleRNN."""
    raise NotImplementedError("ch09.torch_rnn_weights: write your answer here")


# %% tags=["check"]
check("ch09.torch_rnn_weights")

# %% [markdown]
# ### Exercise 9.11: a character language model
#
# Write `build_char_lm(vocab_size, num_hiddens)`: a **functional** model
# from integer tokens `keras.Input((None,), dtype="int32")` through one-hot
# vectors, a `SimpleRNN(num_hiddens)` that returns the whole sequence, and
# `Dense(vocab_size)`: logits `(batch, steps, vocab_size)`, no softmax.
# For the one-hot vectors use `keras.layers.Embedding(vocab_size,
# vocab_size)` whose table starts as the identity
# (`embeddings_initializer="identity"`) and is frozen (`trainable=False`):
# a layer of your own around `ops.one_hot` would not rebuild on the
# grader's side. Weights in this order: the embedding table, the
# SimpleRNN's three, the Dense kernel and bias.

# %% tags=["exercise"] exercise="ch09.char_lm"
# exercise: ch09.char_lm
def build_char_lm(vocab_size, num_hiddens):
    """tokens (batch, steps) -> one-hot -> SimpleRNN -> Dense: next-token logits."""
    raise NotImplementedError("ch09.char_lm: write your answer here")


# %% tags=["check"]
check("ch09.char_lm")

# %% [markdown]
# ## 9.7 Backpropagation Through Time
#
# Unroll an RNN over $T$ steps and it is a deep network with shared weights;
# backpropagation through it is **backpropagation through time** (BPTT).
# For a scalar RNN $h_t = f(x_t, h_{t-1}, w_h)$ the chain rule gives
#
# $$\frac{\partial h_t}{\partial w_h} = \frac{\partial f(x_t, h_{t-1},
# w_h)}{\partial w_h} + \sum_{i=1}^{t-1} \Big( \prod_{j=i+1}^{t}
# \frac{\partial f(x_j, h_{j-1}, w_h)}{\partial h_{j-1}} \Big)
# \frac{\partial f(x_i, h_{i-1}, w_h)}{\partial w_h}:$$
#
# a sum over every earlier step of a product of up to $t$ factors. Products
# of many factors below 1 vanish and above 1 explode. Three ways to compute
# it: the full sum (slow, and numerically fragile for long sequences);
# **truncation** after $\tau$ steps, which keeps only the last terms (in
# practice: stop the gradient flowing into the state every $\tau$ steps,
# `ops.stop_gradient`); and randomized truncation, which stops at random
# lengths and reweights to stay unbiased but does not do better in practice.
#
# How fast do the terms shrink or grow? The gradient of the last state
# with respect to the state $k$ steps earlier, for a tanh RNN whose
# recurrent matrix is scaled to a spectral norm of 0.5, 1 and 3 (torch
# autograd through `keras.ops`):

# %%
bptt_rng = np.random.default_rng(3)
W_rec = np.linalg.qr(bptt_rng.normal(size=(16, 16)))[0]  # orthogonal: all singular values 1
W_in = bptt_rng.normal(size=(4, 16)) * 0.5
inputs_seq = bptt_rng.normal(size=(1, 50, 4))
for scale in (0.5, 1.0, 3.0):
    W = torch.tensor(scale * W_rec, requires_grad=True)  # a leaf, so the states join the graph
    h = ops.zeros((1, 16), dtype="float64")
    states = []
    for t in range(50):
        h = ops.tanh(ops.matmul(inputs_seq[:, t], W_in) + ops.matmul(h, W))
        h.retain_grad()  # a torch tensor on this backend: keep its gradient
        states.append(h)
    ops.sum(states[-1]).backward()
    norms = [float(np.linalg.norm(ops.convert_to_numpy(states[-1 - k].grad))) for k in (1, 5, 10, 20, 40)]
    print(f"scale {scale}: |d h_50 / d h_(50-k)| for k = 1, 5, 10, 20, 40:",
          " ".join(f"{n:.2e}" for n in norms))

# %% [markdown]
# With the small matrix the influence of earlier steps fades geometrically
# (vanishing gradients); at scale 1 the tanh's slope, below 1, still makes it
# fade, more slowly; with the large matrix it grows with the distance
# (exploding gradients), although the tanh keeps the states themselves
# between -1 and 1. Truncating at $\tau$ steps drops the terms beyond $\tau$:
# a bias towards short-term dependencies, and a cheaper, more stable
# gradient (Exercise 9.12 computes it).
#
# ### Summary
#
# * BPTT is backpropagation through the unrolled network; the gradient
#   involves products of many Jacobians, which vanish or explode.
# * Truncated BPTT stops the gradient every $\tau$ steps; clipping bounds
#   what remains.

# %% [markdown]
# ### Exercise 9.12: truncated BPTT
#
# Write `truncated_states(x, w_h, w_x, k)` with `keras.ops`: a scalar RNN
# $h_t = \tanh(w_h h_{t-1} + w_x x_t)$ with $h_0 = 0$ over the 1-D sequence
# `x` of length $T$, where the state entering step $t$ (counting from 1) is
# passed through `ops.stop_gradient` whenever $t - 1$ is a positive multiple
# of `k`: the gradient flows back through at most the current chunk of `k`
# steps. `w_h` and `w_x` are 0-d tensors that may require gradients. Return
# $h_1, \ldots, h_T$ as a tensor shaped `(T,)`. The values do not depend on
# `k`; the gradients do (with `k >= T` they are full BPTT's).

# %% tags=["exercise"] exercise="ch09.truncated_bptt"
# exercise: ch09.truncated_bptt
def truncated_states(x, w_h, w_x, k):
    """(T,) states of a scalar tanh RNN, the gradient cut every k steps."""
    raise NotImplementedError("ch09.truncated_bptt: write your answer here")


# %% tags=["check"]
check("ch09.truncated_bptt")
