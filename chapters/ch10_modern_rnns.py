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
# # 10. Modern Recurrent Neural Networks
#
# Chapter 9 trained a plain recurrent network as a character language model
# and met its weakness: gradients that pass through many steps of the same
# recurrence vanish or explode. This chapter follows chapter 10 of the D2L
# book (*Dive into Deep Learning*, Zhang, Lipton, Li and Smola, release 1.0,
# PyTorch edition): the gated cells that fixed it, the LSTM (10.1) and the
# GRU (10.2); networks with several recurrent layers (10.3) and with a
# backward direction (10.4); and then a new kind of task, mapping one
# sequence to another. Machine translation gets its data pipeline (10.5),
# the encoder-decoder design (10.6), a sequence-to-sequence model trained
# with teacher forcing and evaluated with BLEU (10.7), and beam search for
# decoding (10.8).
#
# Both gated cells are written from scratch as Keras layers with
# `keras.ops` and shown equal to `keras.layers.LSTM` and `keras.layers.GRU`
# once the weights are copied, which is where the conventions that differ
# between the book, Keras and torch (the gate order, the forget-gate bias,
# where the reset gate goes) become visible. The language models reuse
# chapter 9's `workbook.language_model`; the translation models live in
# `workbook.seq2seq`, which chapter 11 extends with attention.
#
# **Sizes and numbers.** The D2L book trains its language models on *The
# Time Machine* for 50-100 epochs and its translation model on 640
# English-French pairs from the Tatoeba project for 30 epochs, on a GPU.
# Here the `default` profile uses fewer epochs and windows so that the
# chapter runs in a few minutes on a laptop CPU, and the `full` profile uses
# the book's settings. Where the texts are not cached (in tests,
# `WORKBOOK_MOCK_DATA=1`) the loaders substitute generated text and say so
# with a `MOCK DATA` banner; the language-model perplexities are then
# measured on made-up words. The translation model is **always** trained
# here on English-French pairs *generated* from a small grammar
# (`workbook.synthetic_text.toy_translation_pairs`), in the `default` and
# `tiny` profiles: the real pairs need far more training than a CPU run
# allows, and generated pairs have a structure a small model can learn in
# a minute, so its BLEU scores measure something (only about the generated
# pairs, not about French). Figures quoted from the D2L book are labelled as
# the book's.

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

# %% [markdown]
# The chapter also uses the text layer of chapter 9 (`workbook.text`), its
# language-model helpers (`workbook.language_model`), Keras' recurrent
# layers computed in one fused torch kernel (`workbook.fused_rnn`), and the
# sequence-to-sequence helpers of this chapter (`workbook.seq2seq`).

# %%
import time

from keras import layers

from workbook import language_model as lm
from workbook import seq2seq, text
from workbook.datasets import load_fra_eng, load_time_machine, mock_enabled
from workbook.fused_rnn import FusedGRU, FusedLSTM
from workbook.plotting import LivePlot
from workbook.synthetic_text import toy_translation_pairs


def show(function):
    """Print the source of a helper the chapter imports instead of repeating it."""
    print(inspect.getsource(function))


def max_difference(a, b):
    return float(np.max(np.abs(ops.convert_to_numpy(a) - ops.convert_to_numpy(b))))


# %% [markdown]
# ## Before we start: The Time Machine, as characters
#
# As in chapter 9: the book's preprocessing keeps letters and spaces, lower
# case, and the vocabulary holds the 26 letters, the space and `<unk>`. The
# windows are 32 characters with the targets shifted by one. The book
# trains on 10,000 windows and validates on 5,000, in batches of 1,024.

# %%
num_steps = 32
corpus = text.tokenize(text.preprocess_time_machine(load_time_machine()), "char")
char_vocab = text.Vocab(corpus)
indices = char_vocab.encode(corpus)
num_train = PROFILE.pick(tiny=512, default=6000, full=10000)
num_val = PROFILE.pick(tiny=256, default=1000, full=5000)
X_train, Y_train, X_val, Y_val = text.lm_split(indices, num_steps, num_train, num_val)
TEXT_LABEL = "MOCK text (meaningless)" if mock_enabled() else "The Time Machine"
print(f"{len(corpus)} characters, a vocabulary of {len(char_vocab)};",
      f"{len(X_train)} training and {len(X_val)} validation windows of {num_steps}")
lm_epochs = PROFILE.pick(tiny=1, default=6, full=50)
lm_batch = PROFILE.pick(tiny=256, default=128, full=1024)


def train_char_lm(recurrent_layer, learning_rate, epochs=None, name="lm"):
    """Train a character LM around ``recurrent_layer`` (chapter 9's recipe); greedy text after."""
    set_seed(10)
    model = lm.build_lm(len(char_vocab), recurrent_layer, name=name)
    start = time.perf_counter()
    history, perplexities = lm.train_lm(
        model, X_train, Y_train, X_val, Y_val, epochs=epochs or lm_epochs, batch_size=lm_batch,
        learning_rate=learning_rate, clip_norm=1.0,
        callbacks=[LivePlot(["perplexity", "val_perplexity"], name=f"ch10_{name}")], verbose=0)
    step_model = lm.build_step_model(model)
    print(f"{name}: validation perplexity {perplexities['val_perplexity'][-1]:.2f} on {TEXT_LABEL} "
          f"({PROFILE.name} profile, {epochs or lm_epochs} epochs, {time.perf_counter() - start:.0f} s)")
    print("   ", repr(lm.generate_text(step_model, char_vocab, "it has", 20)))
    return model


# %% [markdown]
# ## 10.1 Long Short-Term Memory (LSTM)
#
# Hochreiter and Schmidhuber's LSTM (1997) gives the recurrent state a
# second part, the *memory cell* $\mathbf{C}_t$, which is changed only by
# elementwise gating, so that information (and gradient) can pass many
# steps unchanged. Three gates, each a sigmoid of the input $\mathbf{X}_t$
# and the previous hidden state $\mathbf{H}_{t-1}$, decide what happens:
#
# $$\mathbf{I}_t = \sigma(\mathbf{X}_t \mathbf{W}_{xi} + \mathbf{H}_{t-1} \mathbf{W}_{hi} + \mathbf{b}_i),\quad
# \mathbf{F}_t = \sigma(\mathbf{X}_t \mathbf{W}_{xf} + \mathbf{H}_{t-1} \mathbf{W}_{hf} + \mathbf{b}_f),\quad
# \mathbf{O}_t = \sigma(\mathbf{X}_t \mathbf{W}_{xo} + \mathbf{H}_{t-1} \mathbf{W}_{ho} + \mathbf{b}_o).$$
#
# The *input node* $\tilde{\mathbf{C}}_t = \tanh(\mathbf{X}_t \mathbf{W}_{xc} +
# \mathbf{H}_{t-1} \mathbf{W}_{hc} + \mathbf{b}_c)$ is the candidate content.
# The input gate says how much of it enters the cell, the forget gate how
# much of the old cell survives, and the output gate how much of the cell
# the hidden state shows:
#
# $$\mathbf{C}_t = \mathbf{F}_t \odot \mathbf{C}_{t-1} + \mathbf{I}_t \odot \tilde{\mathbf{C}}_t,\qquad
# \mathbf{H}_t = \mathbf{O}_t \odot \tanh(\mathbf{C}_t).$$
#
# With $\mathbf{F}_t \approx 1$ and $\mathbf{I}_t \approx 0$ the cell keeps its
# value from step to step, and the gradient through $\mathbf{C}$ is not
# multiplied by a recurrent weight matrix at every step.
#
# ### From scratch
#
# The book keeps twelve separate parameters. Keras (and torch) stack the
# four input-side matrices into one *kernel* of shape (inputs, 4h), the four
# hidden-side ones into one *recurrent kernel* (h, 4h) and the biases into
# one vector (4h): one matrix product per step instead of eight. The
# **order of the four blocks is a convention**: Keras uses **i, f, c, o**
# (input gate, forget gate, input node, output gate); torch's `nn.LSTM`
# uses the same order (calling the node g) but keeps two bias vectors that
# are simply added. Our scratch layer stores its weights in Keras' layout,
# so weights copy over unchanged.
#
# Recurrent layers in this workbook follow the convention of chapter 9's
# `workbook.language_model`: called on (batch, steps, features), they
# return `[outputs, *states]` and accept `initial_state`. The loop over
# time is the same for every cell, so it lives in a base class;
# `compute_output_shape` tells Keras the shapes when the layer is placed in
# a functional model with an unknown number of steps (the loop itself only
# runs on real tensors).

# %%
class ScratchRecurrent(layers.Layer):
    """A recurrent layer that loops over time; subclasses define ``step``.

    Its weights are in Keras' layout: ``num_blocks`` gate blocks side by side
    in one kernel, one recurrent kernel and one bias.
    """

    num_states, num_blocks = 1, 1

    def __init__(self, num_hiddens, **kwargs):
        super().__init__(**kwargs)
        self.num_hiddens = num_hiddens

    def build(self, x_shape, initial_state_shape=None):
        width = self.num_blocks * self.num_hiddens
        self.kernel = self.add_weight(shape=(x_shape[-1], width), initializer="glorot_uniform")
        self.recurrent_kernel = self.add_weight(shape=(self.num_hiddens, width), initializer="orthogonal")
        self.bias = self.add_weight(shape=(width,), initializer="zeros")

    def call(self, x, initial_state=None):
        batch = ops.shape(x)[0]
        states = (list(initial_state) if initial_state is not None else
                  [ops.zeros((batch, self.num_hiddens), dtype=x.dtype)] * self.num_states)
        outputs = []
        for t in range(x.shape[1]):
            h, states = self.step(x[:, t], states)
            outputs.append(h)
        return [ops.stack(outputs, axis=1)] + states

    def compute_output_shape(self, x_shape, initial_state_shape=None):
        state = (x_shape[0], self.num_hiddens)
        return [(x_shape[0], x_shape[1], self.num_hiddens)] + [state] * self.num_states


class LSTMScratch(ScratchRecurrent):
    """The book's LSTM, weights in Keras' layout: gates i, f, c, o."""

    num_states, num_blocks = 2, 4

    def step(self, x, states):
        h, c = states
        z = ops.matmul(x, self.kernel) + ops.matmul(h, self.recurrent_kernel) + self.bias
        i, f, c_tilde, o = ops.split(z, 4, axis=-1)
        c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(c_tilde)
        h = ops.sigmoid(o) * ops.tanh(c)
        return h, [h, c]


# %% [markdown]
# Keras' `LSTM` with the scratch layer's weights copied into it gives the
# same outputs and states, to float32 rounding:

# %%
x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
scratch_lstm = LSTMScratch(4)
keras_lstm = layers.LSTM(4, return_sequences=True, return_state=True)
scratch_out = scratch_lstm(x)
keras_lstm(x)
keras_lstm.set_weights(scratch_lstm.get_weights())
keras_out = keras_lstm(x)
for name, a, b in zip(["outputs", "H", "C"], scratch_out, keras_out):
    print(f"{name}: shape {tuple(a.shape)}, largest difference {max_difference(a, b):.1e}")
print("weight shapes:", [w.shape for w in keras_lstm.get_weights()])

# %% [markdown]
# One default differs from the book: Keras starts the forget gate's bias
# at **1** (`unit_forget_bias=True`, after Jozefowicz et al., 2015), so that
# an untrained LSTM forgets slowly; the book (and torch) start every bias
# at 0. The bias, cut into its four blocks:

# %%
fresh = layers.LSTM(3)
fresh.build((None, None, 2))
print("unit_forget_bias=True :", fresh.get_weights()[2].reshape(4, 3).tolist(), "(i, f, c, o)")
fresh = layers.LSTM(3, unit_forget_bias=False)
fresh.build((None, None, 2))
print("unit_forget_bias=False:", fresh.get_weights()[2].reshape(4, 3).tolist())

# %% [markdown]
# ### Training it as a character language model
#
# The book trains a 32-unit LSTM with SGD at learning rate 4 for 50 epochs,
# gradients clipped to a global norm of 1, and quotes the prediction
# *'it has a the time travelly'* (the book's). The scratch layer runs its
# loop in Python; `FusedLSTM` is Keras' `LSTM` with the loop inside one
# torch kernel (`workbook.fused_rnn`), the same arithmetic, far faster on
# a CPU. Both are trained the same way here.

# %% tags=["heavy"]
lstm_scratch_lm = train_char_lm(LSTMScratch(32), learning_rate=4.0,
                                epochs=PROFILE.pick(tiny=1, default=2, full=50), name="lstm_scratch")
lstm_lm = train_char_lm(FusedLSTM(32, return_sequences=True, return_state=True), learning_rate=4.0,
                        name="lstm_keras")

# %% [markdown]
# ### Summary
#
# * An LSTM adds a memory cell changed only through gates: the input gate
#   admits new content, the forget gate keeps old content, the output gate
#   exposes it.
# * Keras stacks the gates' weights in the order i, f, c, o (torch: i, f, g,
#   o, the same, with two bias vectors) and starts the forget bias at 1
#   unless `unit_forget_bias=False`.
# * A from-scratch layer with the same weight layout reproduces
#   `keras.layers.LSTM` exactly.
#
# ### Exercise 10.1: one LSTM step in torch's layout
#
# torch's `nn.LSTM` stores `weight_ih` of shape (4h, d), `weight_hh` (4h, h)
# and **two** biases `bias_ih`, `bias_hh` (4h), rows in the gate order i, f,
# g, o (g is the input node). Write `lstm_step_torch(x, h, c, weight_ih,
# weight_hh, bias_ih, bias_hh)` that returns the new `(h, c)` for a batch
# `x` (batch, d), `h` and `c` (batch, h), with `keras.ops` (the checks
# pass torch tensors as well as numpy arrays).

# %% tags=["exercise"] exercise="ch10.lstm_step"
# exercise: ch10.lstm_step
def lstm_step_torch(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    """One LSTM step with torch's weights: returns (h_new, c_new)."""
    raise NotImplementedError("ch10.lstm_step: write your answer here")


# %% tags=["check"]
check("ch10.lstm_step")

# %% [markdown]
# ## 10.2 Gated Recurrent Units (GRU)
#
# The GRU (Cho et al., 2014) keeps a single state and two gates. The *reset
# gate* $\mathbf{R}_t$ says how much of the old state the candidate may use,
# the *update gate* $\mathbf{Z}_t$ how much of the old state is kept:
#
# $$\mathbf{R}_t = \sigma(\mathbf{X}_t \mathbf{W}_{xr} + \mathbf{H}_{t-1} \mathbf{W}_{hr} + \mathbf{b}_r),\quad
# \mathbf{Z}_t = \sigma(\mathbf{X}_t \mathbf{W}_{xz} + \mathbf{H}_{t-1} \mathbf{W}_{hz} + \mathbf{b}_z),$$
#
# $$\tilde{\mathbf{H}}_t = \tanh(\mathbf{X}_t \mathbf{W}_{xh} + (\mathbf{R}_t \odot \mathbf{H}_{t-1}) \mathbf{W}_{hh} + \mathbf{b}_h),\qquad
# \mathbf{H}_t = \mathbf{Z}_t \odot \mathbf{H}_{t-1} + (1 - \mathbf{Z}_t) \odot \tilde{\mathbf{H}}_t.$$
#
# $\mathbf{Z}_t \approx 1$ copies the state forward (long-range memory);
# $\mathbf{R}_t \approx 0$ makes the candidate forget the past (a fresh start).
#
# Keras stacks the blocks in the order **z, r, h**. In the book's equations
# the reset gate multiplies the state **before** the recurrent matrix
# product; that is Keras' `GRU(reset_after=False)`, with one bias of shape
# (3h,).

# %%
class GRUScratch(ScratchRecurrent):
    """The book's GRU (reset before the recurrent product), Keras' layout z, r, h."""

    num_blocks = 3

    def step(self, x, states):
        (h,) = states
        x_z, x_r, x_h = ops.split(ops.matmul(x, self.kernel) + self.bias, 3, axis=-1)
        u_z, u_r, u_h = ops.split(self.recurrent_kernel, 3, axis=-1)
        z = ops.sigmoid(x_z + ops.matmul(h, u_z))
        r = ops.sigmoid(x_r + ops.matmul(h, u_r))
        h_tilde = ops.tanh(x_h + ops.matmul(r * h, u_h))
        h = z * h + (1 - z) * h_tilde
        return h, [h]


x = np.random.default_rng(1).normal(size=(2, 5, 3)).astype("float32")
scratch_gru = GRUScratch(4)
scratch_out = scratch_gru(x)
keras_gru = layers.GRU(4, reset_after=False, return_sequences=True, return_state=True)
keras_gru(x)
keras_gru.set_weights(scratch_gru.get_weights())
print("GRU(reset_after=False): largest difference",
      f"{max_difference(scratch_out[0], keras_gru(x)[0]):.1e}")

# %% [markdown]
# ### `reset_after=True`: the default in Keras and torch
#
# Keras' default, `reset_after=True`, applies the reset gate **after** the
# recurrent product, and gives the input side and the recurrent side a
# bias each (the bias has shape (2, 3h)):
#
# $$\tilde{\mathbf{H}}_t = \tanh(\mathbf{X}_t \mathbf{W}_{xh} + \mathbf{b}_{xh} + \mathbf{R}_t \odot (\mathbf{H}_{t-1} \mathbf{W}_{hh} + \mathbf{b}_{hh})).$$
#
# This is the form cuDNN implements, so it is also torch's `nn.GRU` (whose
# gate order is r, z, n, with its own two biases). The product
# $\mathbf{H}_{t-1}\mathbf{W}$ no longer depends on the reset gate, so all
# three recurrent products are one matrix product computed before the
# gates: faster, but a different function. With the same kernels (and zero
# biases) the two variants disagree:

# %%
default_gru = layers.GRU(4, return_sequences=True, return_state=True)
default_gru(x)
kernel, recurrent_kernel, bias = scratch_gru.get_weights()
default_gru.set_weights([kernel, recurrent_kernel, np.zeros((2, 12), "float32")])
print("bias shape with reset_after=True:", default_gru.get_weights()[2].shape)
print("reset_after=True vs the book's GRU: largest difference",
      f"{max_difference(scratch_out[0], default_gru(x)[0]):.3f}")

# %% [markdown]
# Neither variant is "right": both learn equally well in practice. What
# matters is not to mix them up when weights move between the book's code,
# torch and Keras (Exercise 10.3). The language model below uses
# `FusedGRU`, Keras' default GRU computed by torch's GRU kernel. The book
# trains it like the LSTM (learning rate 4, 50 epochs) and quotes *'it has
# so it and the time '* (the book's).

# %% tags=["heavy"]
gru_lm = train_char_lm(FusedGRU(32, return_sequences=True, return_state=True), learning_rate=4.0,
                       name="gru_keras")

# %% [markdown]
# ### Summary
#
# * A GRU has a reset gate (how much of the past the candidate sees) and an
#   update gate (how much of the past is kept), and no separate cell.
# * Keras' gate order is z, r, h. The book's equations are
#   `GRU(reset_after=False)`; Keras' and torch's default `reset_after=True`
#   applies the reset gate after the recurrent product and has two biases.
#
# ### Exercise 10.2: one GRU step, both variants
#
# Write `gru_step(x, h, kernel, recurrent_kernel, bias, reset_after)` for
# Keras' weight layout (blocks z, r, h): `kernel` (d, 3h), `recurrent_kernel`
# (h, 3h), and `bias` of shape (3h,) when `reset_after` is False, (2, 3h)
# (input bias, recurrent bias) when it is True. Return the new state
# (batch, h), computed with `keras.ops`.

# %% tags=["exercise"] exercise="ch10.gru_step"
# exercise: ch10.gru_step
def gru_step(x, h, kernel, recurrent_kernel, bias, reset_after):
    """One step of keras.layers.GRU(reset_after=reset_after) with these weights."""
    raise NotImplementedError("ch10.gru_step: write your answer here")


# %% tags=["check"]
check("ch10.gru_step")

# %% [markdown]
# ### Exercise 10.3: a torch GRU's weights in Keras
#
# A trained `torch.nn.GRU` layer has `weight_ih_l0` (3h, d), `weight_hh_l0`
# (3h, h), `bias_ih_l0` and `bias_hh_l0` (3h), rows in the gate order r, z,
# n. Write `keras_gru_weights(weight_ih, weight_hh, bias_ih, bias_hh)`
# returning the list `[kernel, recurrent_kernel, bias]` (float32 numpy
# arrays) that `keras.layers.GRU(h)`'s `set_weights` needs so that it
# computes the same function as the torch layer.

# %% tags=["exercise"] exercise="ch10.gru_from_torch"
# exercise: ch10.gru_from_torch
def keras_gru_weights(weight_ih, weight_hh, bias_ih, bias_hh):
    """[kernel, recurrent_kernel, bias] for keras.layers.GRU from torch's nn.GRU weights."""
    raise NotImplementedError("ch10.gru_from_torch: write your answer here")


# %% tags=["check"]
check("ch10.gru_from_torch")

# %% [markdown]
# ## 10.3 Deep Recurrent Neural Networks
#
# One recurrent layer maps the input sequence to a sequence of states; a
# second layer can read that sequence as *its* input, and so on. In a deep
# RNN with $L$ layers the state of layer $l$ at step $t$ is
#
# $$\mathbf{H}_t^{(l)} = \phi(\mathbf{H}_t^{(l-1)} \mathbf{W}_{xh}^{(l)} + \mathbf{H}_{t-1}^{(l)} \mathbf{W}_{hh}^{(l)} + \mathbf{b}_h^{(l)}),\qquad \mathbf{H}_t^{(0)} = \mathbf{X}_t,$$
#
# and the output layer reads $\mathbf{H}_t^{(L)}$. Each layer keeps its own
# state, so a deep RNN has $L$ states to carry from step to step. In Keras
# every layer but the last is no different from the last: all of them
# return the whole sequence (`return_sequences=True`).
#
# torch's `nn.GRU(num_layers=L, dropout=p)` applies dropout to the outputs
# of every layer except the last. Keras' `GRU(dropout=p)` means something
# else (it drops the layer's *inputs*, on every step), so the torch
# behaviour is a `Dropout` layer between the recurrent layers. The stacked
# layer below follows chapter 9's convention (`[outputs, *states]`,
# `initial_state`), so the language-model helpers use it unchanged.

# %%
class StackedRecurrent(layers.Layer):
    """Recurrent layers run one after the other, Dropout(dropout) between them."""

    def __init__(self, make_layer, num_layers, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.cells = [make_layer() for _ in range(num_layers)]
        self.drops = [layers.Dropout(dropout) for _ in range(num_layers - 1)]

    def call(self, x, initial_state=None, training=None):
        states = []
        for i, cell in enumerate(self.cells):
            if i:
                x = self.drops[i - 1](x, training=training)
            initial = None if initial_state is None else [initial_state[i]]
            x, state = cell(x, initial_state=initial)
            states.append(state)
        return [x] + states

    # Building the layers and stating the shapes spares Keras a trial run of
    # ``call`` on placeholder tensors whenever the layer joins a functional model.
    def build(self, x_shape, initial_state_shape=None):
        for cell in self.cells:
            cell.build(x_shape)
            x_shape = (*x_shape[:-1], cell.units)

    def compute_output_shape(self, x_shape, initial_state_shape=None):
        batch, steps = x_shape[:2]
        return [(batch, steps, self.cells[-1].units)] + [(batch, c.units) for c in self.cells]


def deep_gru(num_hiddens, num_layers, dropout=0.0):
    return StackedRecurrent(
        lambda: FusedGRU(num_hiddens, return_sequences=True, return_state=True), num_layers, dropout)


probe = deep_gru(16, 3)
outputs, *states = probe(np.zeros((2, 7, 5), "float32"))
print("outputs", tuple(outputs.shape), "| states", [tuple(s.shape) for s in states])

# %% [markdown]
# The book trains two GRU layers of 32 units at learning rate 2 for 100
# epochs and quotes *'it has for and the time th'* (the book's).

# %% tags=["heavy"]
deep_lm = train_char_lm(deep_gru(32, 2), learning_rate=2.0, name="deep_gru")

# %% [markdown]
# ### Summary
#
# * A deep RNN feeds each recurrent layer's output sequence to the next
#   layer; every layer keeps its own state.
# * Dropout between the layers (torch's `dropout=`) is a `Dropout` layer in
#   Keras; `GRU(dropout=)` drops each layer's inputs instead.
#
# ### Exercise 10.4: a deep LSTM as a functional model
#
# Write `build_deep_lstm(input_dim, units, dropout)` returning a functional
# model from `keras.Input((None, input_dim))` through one
# `keras.layers.LSTM` per entry of the list `units` (they may differ), with
# `keras.layers.Dropout(dropout)` between consecutive LSTMs (none before the
# first or after the last, none at all when `dropout` is 0). Its outputs are
# `[top-layer outputs (batch, steps, units[-1]), h_1, c_1, h_2, c_2, ...]`:
# every layer's final hidden and cell states, bottom layer first.

# %% tags=["exercise"] exercise="ch10.deep_lstm"
# exercise: ch10.deep_lstm
def build_deep_lstm(input_dim, units, dropout):
    """Stacked LSTMs with Dropout between them; outputs [top outputs, h1, c1, h2, c2, ...]."""
    raise NotImplementedError("ch10.deep_lstm: write your answer here")


# %% tags=["check"]
check("ch10.deep_lstm")

# %% [markdown]
# ## 10.4 Bidirectional Recurrent Neural Networks
#
# A left-to-right RNN sees only the past. To fill in a blank ("I am ___
# hungry, I could eat half a pig") the future matters as much. A
# bidirectional RNN runs a second RNN from right to left and concatenates
# the two states at every step:
#
# $$\overrightarrow{\mathbf{H}}_t = \phi(\mathbf{X}_t \mathbf{W}^{(f)}_{xh} + \overrightarrow{\mathbf{H}}_{t-1} \mathbf{W}^{(f)}_{hh} + \mathbf{b}^{(f)}_h),\quad
# \overleftarrow{\mathbf{H}}_t = \phi(\mathbf{X}_t \mathbf{W}^{(b)}_{xh} + \overleftarrow{\mathbf{H}}_{t+1} \mathbf{W}^{(b)}_{hh} + \mathbf{b}^{(b)}_h),$$
#
# and $\mathbf{H}_t = [\overrightarrow{\mathbf{H}}_t, \overleftarrow{\mathbf{H}}_t]$,
# of width $2h$. The backward RNN is an ordinary RNN run on the reversed
# sequence; its outputs come out in reversed time and must be reversed
# back so that position $t$ of both halves describes the same token.
# `keras.layers.Bidirectional` does exactly that (`merge_mode="concat"`,
# forward half first). Built by hand from two layers, one with
# `go_backwards=True`:

# %%
x = np.random.default_rng(2).normal(size=(2, 6, 3)).astype("float32")
bi = layers.Bidirectional(layers.SimpleRNN(4, return_sequences=True), merge_mode="concat")
bi_out = ops.convert_to_numpy(bi(x))
forward = layers.SimpleRNN(4, return_sequences=True)
backward = layers.SimpleRNN(4, return_sequences=True, go_backwards=True)
forward(x), backward(x)
forward.set_weights(bi.forward_layer.get_weights())
backward.set_weights(bi.backward_layer.get_weights())
by_hand = np.concatenate([ops.convert_to_numpy(forward(x)),
                          ops.convert_to_numpy(backward(x))[:, ::-1]], axis=-1)
print("Bidirectional output", bi_out.shape, "| largest difference from forward ++ reversed(backward):",
      f"{np.abs(bi_out - by_hand).max():.1e}")

# %% [markdown]
# ### Why not for language modelling
#
# The output at step $t$ of a bidirectional RNN depends on the inputs
# *after* $t$. Change only the last input and look at the first output: the
# forward direction cannot notice, the bidirectional layer does.

# %%
changed = x.copy()
changed[:, -1] += 1.0
print("first output, forward only :", f"{max_difference(forward(x)[:, 0], forward(changed)[:, 0]):.1e}")
print("first output, bidirectional:", f"{max_difference(bi(x)[:, 0], bi(changed)[:, 0]):.3f}")

# %% [markdown]
# A language model trained that way would learn to copy the next character
# from the backward half, and at prediction time, when the future is
# unknown, it has nothing to copy. Bidirectional layers are for *encoding*
# a sequence that is entirely known (tagging, classification, the encoder
# of a translation model), not for generating one.
#
# ### Summary
#
# * A bidirectional RNN concatenates a forward and a backward RNN's states
#   at every step: width 2h, forward half first in Keras.
# * Its outputs depend on the future, so it fits encoding, not
#   left-to-right prediction.
#
# ### Exercise 10.5: a bidirectional RNN from scratch
#
# Write `birnn(X, forward_weights, backward_weights)` for a batch `X`
# (batch, steps, d), where each weights argument is `(W_xh, W_hh, b_h)` of
# a tanh RNN (shapes (d, h), (h, h), (h,), starting from a zero state).
# Return the (batch, steps, 2h) outputs of
# `Bidirectional(SimpleRNN(h, return_sequences=True))` with those weights:
# at each step the forward state, then the backward state, with `keras.ops`.

# %% tags=["exercise"] exercise="ch10.birnn"
# exercise: ch10.birnn
def birnn(X, forward_weights, backward_weights):
    """Bidirectional tanh RNN outputs (batch, steps, 2h): forward then backward states."""
    raise NotImplementedError("ch10.birnn: write your answer here")


# %% tags=["check"]
check("ch10.birnn")

# %% [markdown]
# ## 10.5 Machine Translation and the Dataset
#
# Machine translation maps a sentence in one language to a sentence in
# another; the two have different lengths and their words need not align
# one to one. The book uses English-French pairs from the Tatoeba project
# (`fra-eng.zip`), one tab-separated pair per line, shortest first.

# %%
raw_text = load_fra_eng()
print("MOCK pairs (generated): " if mock_enabled() else "", raw_text[:120], sep="")

# %% [markdown]
# Preprocessing replaces non-breaking spaces (French typesets a narrow one
# before `!`) by spaces, puts a space before punctuation where there is
# none and lower-cases everything; tokenizing splits on spaces and ends
# every sentence with `<eos>`. Both are plain Python (`workbook.text`;
# Keras' text layers need TensorFlow).

# %%
show(text.preprocess_translation)
source, target = text.tokenize_translation(text.preprocess_translation(raw_text), max_examples=6)
for s, t in zip(source[:3], target[:3]):
    print(s, "->", t)

# %% [markdown]
# A batch needs sentences of one length, `num_steps` (9 in the book):
# longer ones are trimmed, shorter ones padded with `<pad>`. The *valid
# length* counts the tokens that are not padding; the loss and, in
# chapter 11, attention use it to ignore the padding. The decoder's input
# is the target after a `<bos>` (beginning of sequence), and its labels are
# the same target shifted by one: at step $t$ the decoder reads token $t-1$
# and must predict token $t$. The book's own example, `build(['hi .'],
# ['salut .'])`, laid out as tokens:

# %%
hi, salut = text.tokenize_translation("hi .\tsalut .")
src_tokens = text.pad_or_trim(hi[0], 9)
tgt_tokens = ["<bos>"] + text.pad_or_trim(salut[0], 9)
print("source       :", src_tokens)
print("decoder input:", tgt_tokens[:-1])
print("labels       :", tgt_tokens[1:])

# %% [markdown]
# `text.translation_dataset` does all of it for the first pairs of a file
# (the book: 512 for training, 128 for validation), builds both
# vocabularies (tokens seen fewer than twice become `<unk>`) and returns
# integer arrays. In the book's vocabulary, sorted like chapter 9's, the
# source `<eos>` is 3 and `<pad>` 4, and its first printed source row reads
# `[117, 182, 0, 3, 4, 4, 4, 4, 4]` (the book's numbers, on the real pairs).
# Here, on the pairs loaded above:

# %%
train_pairs, val_pairs = text.translation_dataset(raw_text, num_steps=9, num_train=512, num_val=128)
print(f"{len(train_pairs)} training pairs; vocabularies of {len(train_pairs.src_vocab)} English and "
      f"{len(train_pairs.tgt_vocab)} French tokens")
for field in ("src", "src_valid_len", "tgt_in", "tgt_out"):
    print(f"{field:13s}", getattr(train_pairs, field)[0])
print("<pad> is", train_pairs.src_vocab["<pad>"], "in the source vocabulary,",
      train_pairs.tgt_vocab["<pad>"], "in the target's")

# %% [markdown]
# ### Summary
#
# * Translation pairs are preprocessed, tokenized with `<eos>`, and padded
#   or trimmed to `num_steps`; valid lengths record how much is real.
# * The decoder reads `<bos>` + target and predicts the target: inputs and
#   labels are the same sequence shifted by one.
#
# ### Exercise 10.6: the arrays of a translation batch
#
# Write `translation_batch(src_sentences, tgt_sentences, num_steps)` for
# lists of token lists that already end in `"<eos>"`. Return
# `(src, src_valid_len, dec_in, labels)`: `src` the source sentences padded
# with `"<pad>"` or trimmed to `num_steps` tokens; `src_valid_len` the list
# of their numbers of non-padding tokens; and, from each target padded or
# trimmed to `num_steps` and then prefixed with `"<bos>"` (the book's
# order), `dec_in` all but its last token and `labels` all but its first.
# Plain Python lists of strings and ints; do not use `workbook.text`.

# %% tags=["exercise"] exercise="ch10.translation_batch"
# exercise: ch10.translation_batch
def translation_batch(src_sentences, tgt_sentences, num_steps):
    """(src, src_valid_len, dec_in, labels) as lists, the book's layout."""
    raise NotImplementedError("ch10.translation_batch: write your answer here")


# %% tags=["check"]
check("ch10.translation_batch")

# %% [markdown]
# ## 10.6 The Encoder-Decoder Architecture
#
# Input and output sequences of different lengths call for two parts: an
# **encoder** that reads the whole input and summarizes it in a state, and
# a **decoder** that generates the output one token at a time from that
# state and the tokens generated so far. The book defines abstract
# `Encoder` and `Decoder` classes and an `EncoderDecoder` that chains them.
# In Keras each part is a functional model, and the whole is a third model
# that calls the two: they share their layers, so training the whole
# trains the parts, and the parts can be used on their own for decoding.
# The whole is the model we train, so it is a `workbook.fastfit.FastModel`
# (as chapter 9's language models are): its `fit` runs the encoder and
# the decoder with less Keras work per step.
#
# `workbook.seq2seq` builds the book's GRU encoder-decoder (10.7) that way:

# %%
show(seq2seq.seq2seq_encoder)
show(seq2seq.seq2seq_decoder)
show(seq2seq.encoder_decoder)

# %% [markdown]
# The book's shape test: vocabularies of 10, embeddings of 8, two GRU layers
# of 16 units, a batch of 4 sentences of 9 steps.

# %%
toy = seq2seq.build_seq2seq(10, 10, 8, 16, 2)
src = np.random.default_rng(3).integers(0, 10, (4, 9)).astype("int32")
valid_len = np.array([9, 3, 1, 5], "int32")
enc_outputs, *enc_states = toy.encoder([src, valid_len])
print("encoder outputs", tuple(enc_outputs.shape), "| states", [tuple(s.shape) for s in enc_states])
print("decoder logits ", tuple(toy.model([src, valid_len, src]).shape))

# %% [markdown]
# ### Which encoder state is the context?
#
# The book's decoder takes its context from `enc_outputs[-1]`, the
# top-layer output at the **last** time step, and starts from the
# encoder's final states. For a sentence shorter than `num_steps`, that
# step has read nothing but `<pad>` tokens after the sentence's `<eos>`:
# the context then depends on how much padding follows, which says nothing
# about the sentence. Keras could skip the padding with a mask, but masked
# recurrent layers run a slower step loop and the book's vocabulary does
# not make `<pad>` id 0 as `mask_zero` needs. `seq2seq_encoder` instead
# reads every layer's output at the last **real** step, `valid_len - 1`,
# with a small layer (`LastValid`). The two differ for every sentence that
# is padded:

# %%
outputs = ops.convert_to_numpy(enc_outputs)
for row in range(4):
    print(f"valid length {valid_len[row]}: context vs outputs[-1] differ by",
          f"{max_difference(enc_states[-1][row], outputs[row, -1]):.3f},",
          f"vs outputs[valid_len - 1] by {max_difference(enc_states[-1][row], outputs[row, valid_len[row] - 1]):.1e}")

# %% [markdown]
# ### Summary
#
# * An encoder summarizes the input in a state; a decoder generates the
#   output from it, one token at a time.
# * In Keras both are functional models sharing their layers with the
#   training model.
# * The context should be the encoder's state at the last real token, not
#   at the last padded position.
#
# ### Exercise 10.7: the state at the last real step
#
# Write `last_real_state(outputs, valid_len)`: for outputs (batch, steps,
# h) and valid lengths (batch,) between 1 and steps, return the (batch, h)
# array whose row b is `outputs[b, valid_len[b] - 1]`, with `keras.ops`
# (differentiable with respect to `outputs`).

# %% tags=["exercise"] exercise="ch10.last_state"
# exercise: ch10.last_state
def last_real_state(outputs, valid_len):
    """outputs[b, valid_len[b] - 1] for every row b."""
    raise NotImplementedError("ch10.last_state: write your answer here")


# %% tags=["check"]
check("ch10.last_state")

# %% [markdown]
# ## 10.7 Sequence-to-Sequence Learning for Machine Translation
#
# ### Teacher forcing
#
# Training feeds the decoder the *true* previous token at every step
# (`<bos>` + the target), not its own previous prediction. Then all steps
# are known in advance and the decoder runs over the whole target in one
# call, which is why the training model above takes `tgt_in` as an input.
#
# ### A loss over the real tokens only
#
# The labels are padded like everything else, and predicting `<pad>` after
# `<eos>` is not part of the task. The book multiplies the per-token
# cross-entropy by a mask (label ≠ `<pad>`) and divides by the number of
# real tokens. Keras' default reduction divides by *every* position
# instead: the masked positions still count in the denominator and the loss
# shrinks as padding grows. On a batch of the pairs above, with an
# untrained model:

# %%
show(seq2seq.masked_cross_entropy)
set_seed(7)
small = seq2seq.build_seq2seq(len(train_pairs.src_vocab), len(train_pairs.tgt_vocab), 8, 16, 2)
batch = train_pairs.subset(slice(0, 64))
logits = small.model([batch.src, batch.src_valid_len, batch.tgt_in])
pad = train_pairs.tgt_vocab["<pad>"]
mask = (batch.tgt_out != pad).astype("float32")
keras_ce = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
weighted_ce = keras.losses.SparseCategoricalCrossentropy(from_logits=True,
                                                         reduction="mean_with_sample_weight")
print(f"real tokens: {int(mask.sum())} of {mask.size} positions")
print(f"masked mean over real tokens      : {float(seq2seq.masked_cross_entropy(batch.tgt_out, logits, pad)):.4f}")
print(f"Keras, sample_weight=mask, default: {float(keras_ce(batch.tgt_out, logits, sample_weight=mask)):.4f}"
      "  (divides by every position)")
print(f"Keras, mean_with_sample_weight    : {float(weighted_ce(batch.tgt_out, logits, sample_weight=mask)):.4f}")

# %% [markdown]
# The second number is the first times the share of real tokens: the
# padding dilutes the loss, and the more of it a batch holds the smaller
# its gradient. `seq2seq.MaskedSequenceLoss` wraps the masked mean as a Keras loss.
#
# ### Training on generated pairs
#
# The book trains two GRU layers of 256 units with embeddings of 256,
# dropout 0.2, Adam at 0.005 and gradient clipping at 1, for 30 epochs, on
# 512 real pairs. Here (see the chapter's introduction) the model learns
# generated pairs instead: 1,500 of them, made from a grammar with
# agreement, conjugation and French's adjective-after-noun order. Every
# round of epochs ends with the BLEU score (defined below) of greedy
# translations of 200 held-out generated sentences.

# %%
show(seq2seq.train_seq2seq)
show(seq2seq.greedy_decode)

# %% tags=["heavy"]
num_pairs = PROFILE.pick(tiny=256, default=1500, full=512)
toy_raw = raw_text if PROFILE.name == "full" else toy_translation_pairs(num_pairs + 200, seed=0)
mt_train, mt_val = text.translation_dataset(toy_raw, num_steps=9, num_train=num_pairs, num_val=200)
PAIRS_LABEL = ("the book's pairs" if PROFILE.name == "full" and not mock_enabled()
               else "generated pairs")
held_out_en = [line.split("\t")[0] for line in toy_raw.split("\n")[num_pairs:num_pairs + 200]]
held_out_fr = [" ".join(t[:-1]) for t in text.tokenize_translation(
    text.preprocess_translation(toy_raw))[1][num_pairs:num_pairs + 200]]
set_seed(8)
mt = seq2seq.build_seq2seq(len(mt_train.src_vocab), len(mt_train.tgt_vocab),
                           embed_size=PROFILE.pick(tiny=16, default=32, full=256),
                           num_hiddens=PROFILE.pick(tiny=16, default=64, full=256),
                           num_layers=2, dropout=0.2)
rounds = PROFILE.pick(tiny=1, default=5, full=6)
epochs_per_round = PROFILE.pick(tiny=1, default=3, full=5)
curves = LivePlot(["loss"], name="ch10_seq2seq", mock=None if PROFILE.name == "full" else False)
bleu_by_round, start = [], time.perf_counter()
for r in range(rounds):
    seq2seq.train_seq2seq(mt.model, mt_train, epochs=epochs_per_round, batch_size=64,
                          learning_rate=0.005, clip=1.0, verbose=0, callbacks=[curves])
    predictions = [" ".join(p) for p in seq2seq.translate(mt, mt_train, held_out_en)]
    bleu_by_round.append(seq2seq.mean_bleu(predictions, held_out_fr, k=2))
    print(f"after {(r + 1) * epochs_per_round:2d} epochs: loss {curves.history['loss'][-1]:.3f}, "
          f"mean BLEU-2 {bleu_by_round[-1]:.3f} on 200 held-out {PAIRS_LABEL}")
print(f"{PROFILE.name} profile, {time.perf_counter() - start:.0f} s")
for en, fr, pred in list(zip(held_out_en, held_out_fr, predictions))[:4]:
    print(f"{en!r} => {pred!r}  (reference {fr!r}, BLEU {seq2seq.bleu(pred, fr, 2):.3f})")

# %% [markdown]
# Greedy decoding runs the decoder one token at a time: its input is the
# token it predicted at the previous step, and every sentence of the batch
# stops at its own `<eos>`. (The book's `predict_step` always runs
# `num_steps` steps and cuts at `<eos>` only when printing.)
#
# ### BLEU
#
# BLEU (Papineni et al., 2002) compares a prediction with a reference by
# its n-grams. With $p_n$ the share of the prediction's n-grams that occur
# in the reference, counting a repeated n-gram at most as often as the
# reference holds it (*clipped* counts), the book's score is
#
# $$\exp\left(\min\left(0, 1 - \frac{\mathrm{len}_{\text{label}}}{\mathrm{len}_{\text{pred}}}\right)\right) \prod_{n=1}^k p_n^{1/2^n}.$$
#
# The first factor, the *brevity penalty*, punishes predictions shorter
# than the reference (otherwise a prediction of one sure word would score
# 1); the weights $1/2^n$ make long n-gram matches count for more, since
# their $p_n \le 1$ raised to a smaller power stays larger. The book's four
# example translations with their references, scored with k = 2 (the
# book's values: 1.000, 1.000, 0.000, 1.000; these do not depend on
# training):

# %%
show(seq2seq.bleu)
book_cases = [("go .", "va !", "va !"), ("i lost .", "j'ai perdu .", "j'ai perdu ."),
              ("he's calm .", "elle court .", "il est calme ."),
              ("i'm home .", "je suis chez moi .", "je suis chez moi .")]
for en, pred, ref in book_cases:
    print(f"{en!r} => {pred!r}, bleu {seq2seq.bleu(pred, ref, k=2):.3f}")
print("a short prediction:", f"{seq2seq.bleu('il est calme', 'il est calme .', k=2):.4f}",
      "(brevity penalty exp(1 - 4/3))")

# %% [markdown]
# ### Summary
#
# * Teacher forcing trains the decoder on the true previous tokens, all
#   steps in one call.
# * The loss averages over real tokens only; Keras' default reduction
#   divides by every position, padding included.
# * Greedy decoding feeds back its own predictions and stops each sentence
#   at its `<eos>`; BLEU scores the result against a reference with clipped
#   n-gram precisions and a brevity penalty.
#
# ### Exercise 10.8: the masked cross-entropy
#
# Write `masked_ce(logits, labels, pad_id)`: for logits (batch, steps,
# vocab) and integer labels (batch, steps), the cross-entropy of each
# label under the softmax of its logits, averaged over the positions whose
# label is not `pad_id` (a Python float is not required: return a scalar
# tensor). Use `keras.ops`; it must be differentiable with respect to the
# logits and stay finite for logits in the thousands. Do not use
# `workbook.seq2seq`.

# %% tags=["exercise"] exercise="ch10.masked_loss"
# exercise: ch10.masked_loss
def masked_ce(logits, labels, pad_id):
    """Mean cross-entropy over the positions whose label is not pad_id."""
    raise NotImplementedError("ch10.masked_loss: write your answer here")


# %% tags=["check"]
check("ch10.masked_loss")

# %% [markdown]
# ### Exercise 10.9: greedy decoding that stops
#
# A toy decoder: `transitions` has shape (batch, vocab, vocab), and
# `transitions[b, i]` holds the logits of the next token of sequence b when
# its previous token is i. Write `greedy_decode(transitions, bos, eos,
# max_len)` that starts every sequence from `bos`, repeatedly picks the
# arg-max next token, and returns a list of token lists (Python ints): for
# each sequence the tokens before its first `eos` (not `eos` itself), at
# most `max_len` tokens. Each sequence stops on its own. Do not use
# `workbook.seq2seq`.

# %% tags=["exercise"] exercise="ch10.greedy"
# exercise: ch10.greedy
def greedy_decode(transitions, bos, eos, max_len):
    """Greedy decoding of a batch of toy decoders; each row stops at its first eos."""
    raise NotImplementedError("ch10.greedy: write your answer here")


# %% tags=["check"]
check("ch10.greedy")

# %% [markdown]
# ### Exercise 10.10: BLEU
#
# Write `bleu(pred, label, k)` for two strings of space-separated tokens:
# the book's score above, with n running from 1 to `min(k, len_pred)`, clipped
# n-gram counts and the brevity penalty. Return a Python float (0.0 for an
# empty prediction). Do not use `workbook.seq2seq`.

# %% tags=["exercise"] exercise="ch10.bleu"
# exercise: ch10.bleu
def bleu(pred, label, k):
    """The D2L book's BLEU of a predicted sentence against a reference."""
    raise NotImplementedError("ch10.bleu: write your answer here")


# %% tags=["check"]
check("ch10.bleu")

# %% [markdown]
# ## 10.8 Beam Search
#
# Greedy decoding picks the most likely token at every step, but the most
# likely *sequence* need not start with the most likely token. The book's
# example has the output vocabulary A, B, C, `<eos>` and a decoder whose
# next-token probabilities depend on the prefix. Written as a table,
# prefix → distribution over (A, B, C, `<eos>`), with the figures' numbers
# for the prefixes they show and (our assumption) a uniform distribution
# after any other prefix:

# %%
A, B, C, EOS = 0, 1, 2, 3
NAMES = "ABC" + "E"
book_table = seq2seq.TableDecoder({
    (): [.5, .2, .2, .1], (A,): [.1, .4, .3, .2], (A, B): [.2, .2, .4, .2],
    (A, B, C): [.1, .1, .2, .6], (A, C): [.1, .6, .2, .1], (A, C, B): [.1, .2, .1, .6],
}, default=[.25] * 4)
greedy_path = seq2seq.greedy_decode(book_table, book_table.initial_state(), bos=-1, eos=EOS,
                                    max_len=4)[0] + [EOS]
print("greedy:", "".join(NAMES[t] for t in greedy_path),
      f"P = 0.5 x 0.4 x 0.4 x 0.6 = {seq2seq.sequence_probability(book_table, greedy_path):.3f}")
print("A C B <eos>:", f"P = 0.5 x 0.3 x 0.6 x 0.6 = "
      f"{seq2seq.sequence_probability(book_table, [A, C, B, EOS]):.3f}")

# %% [markdown]
# Choosing C instead of B at the second step gives 0.054 > 0.048 (the
# book's two numbers). Exhaustive search would find the best sequence but
# scores $|\mathcal{Y}|^{T'}$ of them: $10000^{10} = 10^{40}$ for a
# vocabulary of 10,000 and 10 steps (the book's example), where greedy
# search costs $|\mathcal{Y}| T' = 10^5$.
#
# **Beam search** keeps the $k$ most likely prefixes (the *beam*) at every
# step: each is extended by every token, and the $k$ best of the $k
# |\mathcal{Y}|$ extensions survive, at a cost of $k |\mathcal{Y}| T'$. A
# prefix that ends in `<eos>` is finished and becomes a candidate. Longer
# sequences multiply more probabilities below one, so the candidates are
# finally ranked by the *length-normalized* log-probability
#
# $$\frac{1}{L^\alpha} \log P(y_1, \ldots, y_L \mid \mathbf{c}) = \frac{1}{L^\alpha} \sum_{t'=1}^{L} \log P(y_{t'} \mid y_1, \ldots, y_{t'-1}, \mathbf{c}),$$
#
# with $\alpha$ usually 0.75. On the table, a beam of 2 finds A C B `<eos>`:

# %%
show(seq2seq.beam_search)
for beam_size in (1, 2):
    best = seq2seq.beam_search(book_table, book_table.initial_state(), bos=-1, eos=EOS,
                               beam_size=beam_size, max_len=4)
    print(f"beam {beam_size}:", [("".join(NAMES[t] for t in seq), round(math.exp(lp), 3), round(score, 3))
                                 for seq, lp, score in best[:3]])

# %% [markdown]
# On the trained translation model, beam search against greedy decoding on
# the held-out generated sentences (the search only reorders what the model
# already believes, so the gain is small, or none, when the model is sure):

# %% tags=["heavy"]
beam_sentences = held_out_en[:PROFILE.pick(tiny=10, default=100, full=100)]
beam_refs = held_out_fr[:len(beam_sentences)]
for beam_size in (1, 3):
    start = time.perf_counter()
    predictions = [" ".join(p) for p in seq2seq.translate(mt, mt_train, beam_sentences, beam_size=beam_size)]
    print(f"beam {beam_size}: mean BLEU-2 {seq2seq.mean_bleu(predictions, beam_refs, 2):.3f} on "
          f"{len(beam_sentences)} held-out {PAIRS_LABEL} ({time.perf_counter() - start:.1f} s)")

# %% [markdown]
# ### Summary
#
# * Greedy search is cheap but can miss the most likely sequence;
#   exhaustive search is exact and impossible; beam search keeps k
#   prefixes, at k times the cost of greedy search.
# * Finished candidates are ranked by $\log P / L^\alpha$ so that short
#   sequences do not win merely by being short.
#
# ### Exercise 10.11: beam search on a table
#
# A toy decoder whose next token depends on the previous one and on the
# step: `first` (vocab,) holds the probabilities of the first token and
# `table[t - 1, i]` (shape (max_len - 1, vocab, vocab)) those of token t
# (counting from 0) after token i. Write `beam_search(first, table, eos,
# beam_size, alpha)` that runs beam search as described above (at every
# step the `beam_size` most probable extensions of the live prefixes
# survive, ranked by their total log-probability; a survivor ending in
# `eos` becomes a finished candidate and leaves the beam; the prefixes
# still live after `max_len` tokens become candidates too) and returns the
# candidate with the highest $\log P / L^\alpha$ ($L$ counts its tokens, `eos`
# included) as a pair `(tokens, score)`: a list of ints and a Python float.
# All probabilities are positive. Do not use `workbook.seq2seq`.

# %% tags=["exercise"] exercise="ch10.beam_search"
# exercise: ch10.beam_search
def beam_search(first, table, eos, beam_size, alpha):
    """(tokens, score) of the best length-normalized candidate of a beam search."""
    raise NotImplementedError("ch10.beam_search: write your answer here")


# %% tags=["check"]
check("ch10.beam_search")
