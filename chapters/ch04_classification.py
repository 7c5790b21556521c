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
# # 4. Linear Neural Networks for Classification
#
# Chapter 3 predicted *how much*: a price, a number of days. Many questions
# ask *which one* instead: is this e-mail spam, which digit is in this
# picture, which of ten garments is this photo of. This chapter builds the
# simplest model for such questions, **softmax regression**, in the same two
# passes as chapter 3: first from scratch, so that every piece (the softmax,
# the cross-entropy loss, the update step) is code we wrote ourselves, then
# concisely with the layers and losses Keras ships.
#
# Along the way we meet the data set that carries us through the next
# chapters (Fashion-MNIST), read the cross-entropy loss through information
# theory, ask how much a test-set accuracy can be trusted, and look at what
# happens when the data a model meets in use is not distributed like the data
# it was trained on.
#
# A word on the numbers in this chapter. The real Fashion-MNIST files may not
# be available where you run it; with `WORKBOOK_MOCK_DATA=1` the workbook
# replaces them by random images and prints a **MOCK DATA** banner. Every loss
# and accuracy the code prints is whatever it measured, on whatever data it
# had: on mock data they are chance-level and mean nothing. Numbers quoted
# from the D2L book are labelled as the book's. No figure for the default
# profile on the real Fashion-MNIST is quoted: the machines this workbook
# was written on had no copy of it, and we state only what we measured (on
# real data, scikit-learn's handwritten digits in section 4.5.3). Your run
# prints yours.

# %% tags=["setup"]
import workbook  # selects the torch backend before Keras is imported
from workbook import PROFILE, check, set_seed
import keras
import numpy as np
import torch
from keras import ops
from workbook.tryit import compare_choice, compare_prediction

print(workbook.profiles.describe(), "| keras", keras.__version__, "| torch", torch.__version__)
set_seed(42)

# %% [markdown]
# ## 4.1 Softmax Regression
#
# ### 4.1.1 Classification
#
# Suppose each input is a tiny $2 \times 2$ grayscale image, four pixel values
# $x_1, \dots, x_4$, and each image shows a cat, a chicken or a dog. How
# should the label be written down? The obvious choice, $y \in \{1, 2, 3\}$,
# suggests an order (is a chicken "between" a cat and a dog?) that does not
# exist. The standard answer is the **one-hot encoding**: a vector with one
# entry per category, $1$ at the true category and $0$ elsewhere,
#
# $$y \in \{(1, 0, 0), (0, 1, 0), (0, 0, 1)\}.$$
#
# A cat is $(1, 0, 0)$, a chicken $(0, 1, 0)$, a dog $(0, 0, 1)$. In code we
# usually store the compact integer form (class index $0$, $1$ or $2$) and
# expand it to one-hot only where a formula needs it; `ops.one_hot` does that
# expansion, and Exercise 4.1 asks you to write it yourself.
#
# Classification comes in two flavours. Sometimes we only care about the
# **hard assignment** (which class?), sometimes about a **soft assignment**
# (how likely is each class?). Models that produce good probabilities give us
# both: the hard answer is the most probable class.
#
# ### 4.1.2 A linear model with one output per class
#
# To estimate the conditional probability of every class we need one output
# per class, each an affine function of the features. With 4 features and 3
# classes that is $4 \times 3 = 12$ weights and $3$ biases:
#
# $$o_1 = x_1 w_{11} + x_2 w_{21} + x_3 w_{31} + x_4 w_{41} + b_1,$$
# $$o_2 = x_1 w_{12} + x_2 w_{22} + x_3 w_{32} + x_4 w_{42} + b_2,$$
# $$o_3 = x_1 w_{13} + x_2 w_{23} + x_3 w_{33} + x_4 w_{43} + b_3.$$
#
# Every output depends on every input, so this is a single **fully
# connected** layer. For a minibatch $\mathbf{X} \in \mathbb{R}^{n \times d}$
# (one example per row) the layer is one matrix product,
#
# $$\mathbf{O} = \mathbf{X}\mathbf{W} + \mathbf{b}, \qquad
#   \mathbf{W} \in \mathbb{R}^{d \times q},\ \mathbf{b} \in \mathbb{R}^{1 \times q},$$
#
# with the bias row broadcast to every example. Keras stores exactly this
# $\mathbf{W}$: a `Dense` kernel has shape **(inputs, outputs)**. (PyTorch's
# `nn.Linear` stores the transpose, (outputs, inputs); keep that in mind when
# you compare with PyTorch code, as Exercise 4.10 does.)

# %%
inputs = keras.Input(shape=(4,))
outputs = keras.layers.Dense(3)(inputs)
toy = keras.Model(inputs, outputs)
kernel, bias = toy.get_weights()
print("kernel", kernel.shape, "bias", bias.shape, "parameters", toy.count_params())

# %% [markdown]
# ### 4.1.3 The softmax operation
#
# The outputs $o_j$ (called **logits**) are arbitrary real numbers: they can
# be negative and need not sum to one, so they are not probabilities. We
# could ask a regression loss to push them towards the one-hot labels, but
# nothing would keep them in range. Instead we squash them with the
# **softmax** function,
#
# $$\hat{\mathbf{y}} = \mathrm{softmax}(\mathbf{o}), \qquad
#   \hat y_j = \frac{\exp(o_j)}{\sum_k \exp(o_k)}.$$
#
# Exponentials are positive, and dividing by their sum makes the entries add
# up to one: $\hat{\mathbf{y}}$ is a probability vector. Because $\exp$ is
# increasing, the largest logit gets the largest probability, and
# exponentiating exaggerates the gaps between logits (large ones get larger
# shares, small ones almost nothing). The function is differentiable
# everywhere, which is what gradient descent needs.
#
# Since softmax preserves the order of its inputs,
#
# $$\operatorname*{argmax}_j \hat y_j = \operatorname*{argmax}_j o_j,$$
#
# so to predict a class we do not even need to compute it. For a minibatch
# the softmax acts row by row: $\hat{\mathbf{Y}} = \mathrm{softmax}(\mathbf{O})$
# normalizes each example's logits separately. A first, naive version in
# `keras.ops`, straight from the formula:

# %%
def naive_softmax(O):
    expO = ops.exp(O)
    return expO / ops.sum(expO, axis=1, keepdims=True)  # broadcast over each row


O = keras.random.normal((2, 5), seed=1)
probs = naive_softmax(O)
print(probs)
print("row sums:", ops.sum(probs, axis=1))
print("argmax of logits:", ops.argmax(O, axis=1), " argmax of probabilities:", ops.argmax(probs, axis=1))

# %% [markdown]
# The model as a whole is called **softmax regression**, even though it
# classifies: it is a linear (affine) map followed by a normalization.
#
# ### 4.1.4 Loss: maximum likelihood and cross-entropy
#
# We read $\hat y_j$ as the model's estimate of $P(y = j \mid \mathbf{x})$. A
# natural way to fit the parameters is to make the observed labels as likely
# as possible. Assuming the $n$ examples are independent, the likelihood of
# all labels given all features is a product,
#
# $$P(\mathbf{Y} \mid \mathbf{X}) = \prod_{i=1}^n P(\mathbf{y}^{(i)} \mid \mathbf{x}^{(i)}).$$
#
# Maximizing a product is awkward; maximizing its logarithm is equivalent and
# turns it into a sum, and minimizing the *negative* log-likelihood turns it
# into a loss:
#
# $$-\log P(\mathbf{Y} \mid \mathbf{X}) = \sum_{i=1}^n l(\mathbf{y}^{(i)}, \hat{\mathbf{y}}^{(i)}),
#   \qquad l(\mathbf{y}, \hat{\mathbf{y}}) = -\sum_{j=1}^q y_j \log \hat y_j .$$
#
# This $l$ is the **cross-entropy loss**. With a one-hot $\mathbf{y}$ every
# term but one vanishes: the loss is $-\log$ of the probability the model gave
# to the *true* class, and the probabilities of the wrong classes matter only
# through the normalization. Giving the true class probability $1$ costs
# nothing; giving it $0.5$ costs $-\log 0.5 \approx 0.693$; giving it nearly
# $0$ costs an unbounded amount. Since $0 \le \hat y_j \le 1$ the loss is never
# negative, and it can only reach $0$ if the model is certain and right,
# which a softmax (with finite logits) never is.
#
# ### 4.1.5 Softmax and its derivative
#
# Substituting the softmax into the loss shows why the pair is so popular.
# Using $\sum_j y_j = 1$,
#
# $$l(\mathbf{y}, \hat{\mathbf{y}})
#   = -\sum_j y_j \log \frac{\exp(o_j)}{\sum_k \exp(o_k)}
#   = \log \sum_k \exp(o_k) - \sum_j y_j o_j .$$
#
# The first term is the **log-sum-exp** of the logits, whose derivative with
# respect to $o_j$ is $\exp(o_j) / \sum_k \exp(o_k) = \mathrm{softmax}(\mathbf{o})_j$.
# Hence
#
# $$\frac{\partial l}{\partial o_j} = \mathrm{softmax}(\mathbf{o})_j - y_j .$$
#
# The gradient is the difference between what the model predicts and what it
# observed, the same shape of answer as the residual $\hat y - y$ of the
# squared loss in linear regression. Torch's autograd agrees: below we
# differentiate Keras' own cross-entropy loss (summed over the examples, so
# that each row of the gradient belongs to one example) and compare it with
# the formula.

# %%
logits = torch.randn(4, 3, requires_grad=True)
labels = torch.tensor([0, 2, 1, 2])
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum")
loss_fn(labels, logits).backward()
formula = ops.softmax(logits.detach(), axis=-1) - ops.one_hot(labels, 3)
print(logits.grad)
print("largest difference from softmax(o) - y:", float(ops.max(ops.abs(logits.grad - formula))))

# %% [markdown]
# Two remarks that come up in every class on this topic:
#
# * **Soft labels.** Nothing in the loss needs $\mathbf{y}$ to be one-hot:
#   any probability vector works, and then the wrong classes do contribute.
#   Because a softmax can never output exactly $0$ or $1$, one sometimes
#   trains towards, say, $0.9$ for the true class and spreads the remaining
#   $0.1$ over the others. This is **label smoothing**. (Keras'
#   `label_smoothing=0.1` spreads $0.1$ over *all* $q$ classes, so the true
#   class gets $0.9 + 0.1/q$; with $q = 10$ that is $0.91$ and $0.01$.)
# * **Two classes.** With $q = 2$ and the logits $(0, z)$ the softmax gives
#   $\exp(z) / (1 + \exp(z)) = 1 / (1 + \exp(-z))$: the sigmoid of logistic
#   regression is the softmax of a two-class model.
#
# ### Summary
#
# * Categories are written as one-hot vectors (or stored as integer indices).
# * Softmax regression is an affine layer $\mathbf{O} = \mathbf{X}\mathbf{W} + \mathbf{b}$,
#   $\mathbf{W}$ of shape (inputs, outputs) in Keras, followed by a softmax
#   that turns logits into probabilities without changing their order.
# * Maximum likelihood leads to the cross-entropy loss $-\sum_j y_j \log \hat y_j$;
#   combined with the softmax, its gradient with respect to the logits is
#   $\mathrm{softmax}(\mathbf{o}) - \mathbf{y}$.

# %% [markdown]
# ### Try it
#
# 1. **Shift every logit.** Predict whether the probabilities change when
#    the same number `try_shift` is added to every logit of a row, then run
#    the cell with `try_shift = 10` and `100`. What does `naive_softmax` print
#    at 100, and why? (Section 4.4.1 answers it.)
# 2. **Temperature.** Divide the logits by a temperature `try_temperature`
#    before the softmax. What happens to the largest probability as the
#    temperature goes to 0, and as it grows? Try 0.1 and 10.
# 3. **The loss of knowing nothing.** A model whose 10 logits are all zero
#    predicts the uniform distribution. Predict its cross-entropy on any
#    label, put it in `my_uniform_loss` and run: the cell measures it with
#    Keras' loss. An untrained model with small weights starts near this
#    value (the Try it of section 4.4 measures one).
# 4. **Soft labels.** With `label_smoothing=0.1`, predict the sum over the
#    10 classes of one example's gradient $\partial l / \partial o_j$
#    (section 4.1.5 gives each term) and put it in `my_gradient_sum`.

# %%
my_uniform_loss = None  # question 3
my_gradient_sum = None  # question 4
try_shift, try_temperature = 10.0, 1.0

O_try = keras.random.normal((2, 5), seed=1)
change = ops.max(ops.abs(naive_softmax(O_try + try_shift) - naive_softmax(O_try)))
print(f"largest change of a probability after adding {try_shift}: {float(change):.2e}")
print(f"softmax(o / {try_temperature}) of row 0:",
      np.round(ops.convert_to_numpy(naive_softmax(O_try / try_temperature))[0], 3))

zero_logits, some_labels = torch.zeros(4, 10), torch.tensor([0, 3, 7, 9])
uniform_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(some_labels, zero_logits)
compare_prediction(my_uniform_loss, uniform_loss, rel_tol=0.02, what="cross-entropy of all-zero logits")

smooth_logits = torch.randn(1, 10, requires_grad=True)
smoothed = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)
smoothed(ops.one_hot(torch.tensor([3]), 10), smooth_logits).backward()
compare_prediction(my_gradient_sum, smooth_logits.grad.sum(), abs_tol=1e-3,
                   what="sum over the classes of the gradient")

# %% [markdown]
# ### Exercise 4.1: one-hot encoding
#
# Write `one_hot(y, num_classes)`: `y` is a 1-D array or tensor of $n$ class
# indices in $0, \dots, q - 1$ (with $q$ = `num_classes`); return a float
# $n \times q$ array or tensor whose row $i$ is $1$ in column `y[i]` and $0$
# elsewhere. Do not call `ops.one_hot`: compare `y` (as a column) with
# `ops.arange(num_classes)` (as a row) and let broadcasting do the rest. Note
# that `num_classes` may exceed the largest label in `y`.

# %% tags=["exercise"] exercise="ch04.one_hot"
# exercise: ch04.one_hot
def one_hot(y, num_classes):
    """Float (n, num_classes) matrix with a single 1 per row, in column y[i]."""
    raise NotImplementedError("ch04.one_hot: write your answer here")


# %% tags=["check"]
check("ch04.one_hot")

# %% [markdown]
# ### Exercise 4.2: the gradients of softmax regression
#
# The derivative above is per example and with respect to the logits. Chain
# it through $\mathbf{O} = \mathbf{X}\mathbf{W} + \mathbf{b}$ and average over
# the minibatch: for the **mean** cross-entropy
# $L = \frac{1}{n}\sum_i l(\mathbf{y}^{(i)}, \mathrm{softmax}(\mathbf{o}^{(i)}))$,
#
# $$\frac{\partial L}{\partial \mathbf{W}} = \frac{1}{n}\mathbf{X}^\top(\hat{\mathbf{Y}} - \mathbf{Y}),
#   \qquad \frac{\partial L}{\partial \mathbf{b}} = \frac{1}{n}\sum_i (\hat{\mathbf{y}}^{(i)} - \mathbf{y}^{(i)}),$$
#
# where $\mathbf{Y}$ is the one-hot label matrix. Write
# `softmax_regression_grads(X, W, b, y)` that returns the pair `(dW, dB)` with
# the shapes of `W` (d, q) and `b` (q,), computed with these formulas (no
# autograd). `y` holds integer labels. Make the softmax inside safe for large
# logits (see section 4.4): the check uses logits in the hundreds.

# %% tags=["exercise"] exercise="ch04.softmax_gradients"
# exercise: ch04.softmax_gradients
def softmax_regression_grads(X, W, b, y):
    """(dW, db): gradients of the mean cross-entropy of softmax(X @ W + b)."""
    raise NotImplementedError("ch04.softmax_gradients: write your answer here")


# %% tags=["check"]
check("ch04.softmax_gradients")

# %% [markdown]
# ## 4.2 The Image Classification Dataset
#
# MNIST, 70,000 handwritten digits, was for two decades the benchmark of
# image classification, and simple models now get it nearly perfect. Its
# drop-in replacement **Fashion-MNIST** (Xiao et al., 2017) keeps the format,
# $28 \times 28$ grayscale images in 10 classes with 60,000 for training and
# 10,000 for testing, but shows clothes: t-shirt, trouser, pullover, dress,
# coat, sandal, shirt, sneaker, bag and ankle boot. It is hard enough that a
# linear model makes visible mistakes and small enough to train on a CPU.
#
# ### 4.2.1 Loading the data set
#
# `workbook.datasets.load_fashion_mnist` returns the training and the test
# set as Keras `PyDataset`s that `fit` and `evaluate` accept directly. They
# keep the images as `uint8` (one byte a pixel, the compact way to store
# 0–255 values: 47 MB for the 60,000 training images, 55 MB with the test
# set) and scale one batch at a time to
# `float32` in $[0, 1]$. The profile decides how many examples are loaded:
# a 1,000/500 subset in the tiny profile, everything otherwise. The first
# call downloads and prepares the files (`workbook data download` does the
# same ahead of time).

# %%
from workbook.datasets import FASHION_MNIST_LABELS, load_fashion_mnist

batch_size = PROFILE.pick(tiny=256, default=256, full=256)
train, test = load_fashion_mnist(batch_size=batch_size)
print("training examples:", len(train.images), " test examples:", len(test.images))
print("batches per epoch:", len(train))

# %% [markdown]
# One batch shows the conventions. Keras works **channels-last**: a batch of
# grayscale images has shape (batch, height, width, 1), where PyTorch's
# loaders give (batch, 1, height, width). Labels are `int32` class indices,
# not one-hot vectors.

# %%
X, y = train[0]
print(X.shape, X.dtype, f"values in [{X.min():.1f}, {X.max():.1f}]", y.shape, y.dtype)

# %% [markdown]
# The D2L book resizes the images on loading (`resize=64` gives
# $64 \times 64$ inputs for later networks). In Keras, resizing is a layer,
# so it can sit at the front of a model instead of in the loader:

# %%
print(keras.layers.Resizing(64, 64)(X[:32]).shape)

# %% [markdown]
# The labels are numbers; the names come from `FASHION_MNIST_LABELS`.

# %%
def text_labels(indices):
    """The Fashion-MNIST class names of an iterable of class indices."""
    return [FASHION_MNIST_LABELS[int(i)] for i in indices]


print(text_labels(y[:10]))

# %% [markdown]
# ### 4.2.2 Looking at the images
#
# Always look at the data before modelling it. `workbook.classification.show_images`
# draws a grid with one title per image; here are the first 18 training
# images with their labels. (On mock data they are noise.)

# %% tags=["heavy"]
from workbook.classification import show_images

show_images(train.images[:18], titles=text_labels(train.labels[:18]),
            num_rows=2, num_cols=9, name="ch04_fashion_mnist_examples")

# %% [markdown]
# ### 4.2.3 Reading speed
#
# A training loop should not wait for its data. Before training anything it
# is worth timing one full pass over the training batches: if reading is
# much slower than a training step, the data pipeline, not the model, sets
# the pace. Our batches are slices of an in-memory array, so a pass takes a
# fraction of a second.

# %%
import time

start = time.perf_counter()
for index in range(len(train)):
    X, y = train[index]
elapsed = time.perf_counter() - start
print(f"one pass over {len(train.images)} training images: {elapsed:.2f} s")

# %% [markdown]
# ### Summary
#
# * Fashion-MNIST: 10 classes of clothing, $28 \times 28$ grayscale, 60,000
#   training and 10,000 test images.
# * `load_fashion_mnist` gives `PyDataset`s of channels-last `float32`
#   batches in $[0, 1]$ with `int32` labels; the profile picks the subset.
# * Resizing is a Keras layer; time the input pipeline before blaming the model.

# %% [markdown]
# ### Try it
#
# 1. Predict how the time of one pass over the training images changes with
#    the batch size, then measure it with the cell below for batch sizes 1,
#    64 and 1024. Where does the time go for tiny batches?
# 2. Add `keras.layers.Resizing(64, 64)` to the loop (apply it to each
#    batch, with a channel axis added): how much slower is a pass? Would you resize once in
#    advance or in every batch, and what does each choice cost in memory?
# 3. Count the images of each class in the training set
#    (`np.bincount(train.labels)`). Is the set balanced? What accuracy does
#    always predicting the most common class give?

# %%
def time_one_pass(batch_size):
    """Seconds to slice and scale the training images, batch by batch, once."""
    images = train.images[: PROFILE.pick(tiny=1000, default=10000, full=60000)]
    start = time.perf_counter()
    for first in range(0, len(images), batch_size):
        batch = images[first:first + batch_size].astype("float32") / 255.0
    return time.perf_counter() - start


for size in (64, 1024):
    print(f"batch size {size:5d}: {time_one_pass(size):.3f} s")

# %% [markdown]
# ## 4.3 Information Theory and the Cross-Entropy
#
# The name "cross-entropy" comes from information theory, which gives the
# loss a second reading: the number of nats we need, on average, to encode
# the true labels with a code designed for the model's predictions.
#
# ### 4.3.1 Entropy and surprisal
#
# Suppose each outcome $j$ of a random source occurs with probability $P(j)$.
# Seeing an outcome of probability $P(j)$ carries $-\log P(j)$ units of
# information, its **surprisal**: a certain event tells us nothing, a rare
# one a lot. The expected surprisal is the **entropy**
#
# $$H[P] = \sum_j -P(j) \log P(j),$$
#
# with the convention $0 \log 0 = 0$. Shannon's source coding theorem says
# that $H[P]$ is the fewest units per outcome that any code can reach on
# average. With the natural logarithm the unit is the **nat**; with
# $\log_2$ it is the bit, and $1$ nat $= 1/\log 2 \approx 1.44$ bits. A fair
# die has $H = \log 6 \approx 1.7918$ nats; a loaded die is more predictable
# and has less.
#
# ### 4.3.2 Cross-entropy and KL divergence
#
# If the data come from $P$ but we expect $Q$ (we built our code for $Q$),
# the average surprisal is the **cross-entropy**
#
# $$H(P, Q) = \sum_j -P(j) \log Q(j) \ \ge\ H(P),$$
#
# with equality exactly when $Q = P$. The excess is the **Kullback–Leibler
# divergence**
#
# $$D_{\mathrm{KL}}(P \,\|\, Q) = H(P, Q) - H(P) = \sum_j P(j) \log \frac{P(j)}{Q(j)} \ge 0 .$$
#
# The classification loss of section 4.1 is $H(\mathbf{y}, \hat{\mathbf{y}})$
# with the label as $P$ and the prediction as $Q$. Since $H(\mathbf{y})$ does
# not depend on the model, minimizing the cross-entropy over $Q$ is the same
# as minimizing the KL divergence from the labels to the predictions, and
# both are the same as maximizing the likelihood. (For one-hot labels
# $H(\mathbf{y}) = 0$ and the two losses coincide.)
#
# Neither quantity is symmetric. A common answer to the question "why
# cross-entropy and not KL?" claims that cross-entropy is symmetric and KL
# is not; the claim is wrong, as a fair die $P$ and a die
# $Q$ loaded towards six show:

# %%
P = np.full(6, 1 / 6)
Q = np.array([0.1, 0.1, 0.1, 0.1, 0.1, 0.5])
H = lambda p: -np.sum(p * np.log(p))
CE = lambda p, q: -np.sum(p * np.log(q))
print(f"H(P) = {H(P):.4f}   H(Q) = {H(Q):.4f}")
print(f"H(P, Q) = {CE(P, Q):.4f}   H(Q, P) = {CE(Q, P):.4f}")
print(f"KL(P||Q) = {CE(P, Q) - H(P):.4f}   KL(Q||P) = {CE(Q, P) - H(Q):.4f}")

# %% [markdown]
# With $Q(6) = 0.5$ and the other faces at $0.1$, $H(P, Q) \approx 2.0343$
# nats, the value the D2L book computes; expecting the loaded die costs
# about a quarter of a nat per toss. The reverse cross-entropy $H(Q, P)$
# happens to equal $\log 6$, because $\log P$ is the same for every face.
#
# ### Summary
#
# * Surprisal $-\log P(j)$, entropy $H[P]$ (its mean), cross-entropy
#   $H(P, Q)$ (the mean surprisal under the wrong model), and
#   $D_{\mathrm{KL}}(P\|Q) = H(P, Q) - H(P) \ge 0$.
# * Training with cross-entropy minimizes the KL divergence from labels to
#   predictions, which is maximum likelihood. Neither quantity is symmetric.

# %% [markdown]
# ### Try it
#
# 1. **A biased coin.** Predict the entropy, in bits, of a coin that shows
#    heads 90% of the time (put it in `my_coin_bits`). Is it more or less
#    than half a bit? What would a code for a long run of such tosses gain
#    over one bit per toss?
# 2. **Cross-entropy as a measured average.** The cell tosses the fair die
#    $P$ and pays $-\log Q(j)$ nats for each outcome $j$, as a code built for
#    the loaded die would. How close to $H(P, Q)$ is the average after 100
#    tosses, and after 10,000? Change `try_tosses`.
# 3. **Which direction costs more?** Take a nearly certain die $P$ (0.95 on
#    face one, 0.01 on each other face) and the fair die as $Q$. Which is
#    larger, $D_{\mathrm{KL}}(P\|Q)$ or $D_{\mathrm{KL}}(Q\|P)$? Put
#    `"KL(P||Q)"` or `"KL(Q||P)"` in `my_larger` before you run.
# 4. **A zero in Q.** Predict $H(P, Q)$ for the fair die $P$ and a die $Q$
#    that never shows a six (`Q_zero`), then run. What does the answer say
#    about a classifier that is certain a class cannot occur, and about the
#    convention $0 \log 0 = 0$ (which direction does it rescue)?

# %%
my_coin_bits = None  # question 1
my_larger = None     # question 3: "KL(P||Q)" or "KL(Q||P)"
try_tosses = (100, 10_000)

compare_prediction(my_coin_bits, H(np.array([0.9, 0.1])) / np.log(2), rel_tol=0.05,
                   what="entropy of the 90% coin in bits")
toss_rng = np.random.default_rng(3)
for tosses in try_tosses:
    faces = toss_rng.choice(6, size=tosses, p=P)
    print(f"{tosses:6,d} tosses of P: average -log Q = {np.mean(-np.log(Q[faces])):.4f} nats "
          f"(H(P, Q) = {CE(P, Q):.4f})")

P_try = np.array([0.95, 0.01, 0.01, 0.01, 0.01, 0.01])
Q_try = np.full(6, 1 / 6)
kl_pq, kl_qp = CE(P_try, Q_try) - H(P_try), CE(Q_try, P_try) - H(Q_try)
print(f"KL(P||Q) = {kl_pq:.4f}   KL(Q||P) = {kl_qp:.4f}")
compare_choice(my_larger, "KL(P||Q)" if kl_pq > kl_qp else "KL(Q||P)",
               options=["KL(P||Q)", "KL(Q||P)"], what="the larger divergence")

Q_zero = np.array([0.2, 0.2, 0.2, 0.2, 0.2, 0.0])
with np.errstate(divide="ignore"):  # log 0 = -inf is the point of question 4
    print(f"H(P, Q_zero) = {CE(P, Q_zero)}")

# %% [markdown]
# ### Exercise 4.3: entropy, cross-entropy and KL divergence
#
# For discrete distributions given as 1-D arrays of probabilities (non-negative,
# summing to one), write, in nats:
#
# * `entropy(p)` $= -\sum_j p_j \log p_j$,
# * `cross_entropy_pq(p, q)` $= -\sum_j p_j \log q_j$,
# * `kl_divergence(p, q)` $= \sum_j p_j \log (p_j / q_j)$.
#
# Each returns a single number. Use $0 \log 0 = 0$: entries with $p_j = 0$
# contribute nothing, even where $q_j = 0$ too (you may assume $q_j > 0$
# wherever $p_j > 0$). `np.where` or masking helps here.

# %% tags=["exercise"] exercise="ch04.entropy_kl"
# exercise: ch04.entropy_kl
def entropy(p):
    """H[p] in nats."""
    raise NotImplementedError("ch04.entropy_kl: write your answer here")


def cross_entropy_pq(p, q):
    """H(p, q) in nats."""
    raise NotImplementedError("ch04.entropy_kl: write your answer here")


def kl_divergence(p, q):
    """KL(p || q) in nats."""
    raise NotImplementedError("ch04.entropy_kl: write your answer here")


# %% tags=["check"]
check("ch04.entropy_kl")

# %% [markdown]
# ## 4.4 Softmax Regression Implementation from Scratch
#
# Now we build the model of section 4.1 ourselves: the softmax, a layer that
# holds $\mathbf{W}$ and $\mathbf{b}$, the cross-entropy loss and minibatch
# SGD. We keep the Fashion-MNIST batches from section 4.2 (batch size 256)
# and the D2L book's hyperparameters: learning rate $0.1$ and, in the full
# profile, 10 epochs.
#
# ### 4.4.1 The softmax, safely
#
# The naive softmax from 4.1.3 has a flaw that real models hit quickly.
# `float32` numbers stop at about $3.4 \times 10^{38}$, and
# $\exp(89) \approx 4.5 \times 10^{38}$ is already too large: the exponential
# **overflows** to infinity, and $\infty / \infty$ is NaN. Logits of a few
# hundred are not exotic in a network that is training badly.

# %%
big = ops.convert_to_tensor([[1000.0, 0.0], [-1000.0, 0.0], [1.0, 2.0]])
with np.errstate(over="ignore"):  # NumPy would warn about the overflow we want to show
    print("exp(89) in float32:", np.exp(np.float32(89)))
print(naive_softmax(big))

# %% [markdown]
# The cure uses the fact that softmax does not change when the same constant
# is added to every logit of a row:
# $\exp(o_j - c) / \sum_k \exp(o_k - c) = \exp(o_j) / \sum_k \exp(o_k)$.
# Choosing $c = \max_k o_k$ makes the largest shifted logit $0$, so no
# exponential exceeds $1$ and the denominator is at least $1$. Some
# exponentials of very negative numbers still **underflow** to $0$, but that
# only rounds tiny probabilities to zero.

# %%
def softmax(O):
    """Row-wise softmax with the max-shift: safe for large logits."""
    O = O - ops.max(O, axis=1, keepdims=True)
    expO = ops.exp(O)
    return expO / ops.sum(expO, axis=1, keepdims=True)


print(softmax(big))

# %% [markdown]
# ### 4.4.2 The model
#
# The parameters live in a custom layer. `add_weight` creates a trainable
# `keras.Variable` (on the torch backend it wraps a `torch.nn.Parameter`);
# creating them in `build` lets the layer read the input width from the first
# input it sees, as `Dense` does. Like the D2L book we draw $\mathbf{W}$ from
# $\mathcal{N}(0, 0.01^2)$ and start $\mathbf{b}$ at zero. `call` computes
# only the logits; flattening and the softmax are separate steps of the
# functional graph:
#
# `Input (28, 28, 1)` → `Flatten` (784 values) → `LinearScratch` (10 logits)
# → softmax (10 probabilities).
#
# `keras.layers.Activation` wraps our `softmax` function as a layer.

# %%
class LinearScratch(keras.layers.Layer):
    """O = X W + b with W of shape (inputs, outputs), N(0, sigma^2) initialized."""

    def __init__(self, units, sigma=0.01, **kwargs):  # the signature of Exercise 3.5's layer
        super().__init__(**kwargs)
        self.units = units
        self.sigma = sigma

    def build(self, input_shape):
        self.W = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer=keras.initializers.RandomNormal(stddev=self.sigma),
            name="W",
        )
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, X):
        return ops.matmul(X, self.W) + self.b


# %% [markdown]
# ### 4.4.3 The cross-entropy loss
#
# With integer labels, the cross-entropy of an example is minus the log of
# one entry of its row of $\hat{\mathbf{Y}}$: the entry in the column of the
# true class. Picking one entry per row is what `ops.take_along_axis` does.
# Take two examples, three classes, predicted probabilities
# $[[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]$ and labels $[0, 2]$: the picked
# probabilities are $0.1$ and $0.5$.

# %%
y_hat = ops.convert_to_tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
y = ops.convert_to_tensor([0, 2])
print(ops.take_along_axis(y_hat, ops.expand_dims(y, 1), axis=1))

# %% [markdown]
# The loss function averages $-\log$ of the picked probabilities over the
# batch. On the example, $(-\log 0.1 - \log 0.5)/2 \approx 1.4979$.

# %%
def cross_entropy(y_hat, y):
    """Mean cross-entropy of predicted probabilities y_hat (n, q) and labels y (n,)."""
    y = ops.cast(ops.reshape(y, (-1, 1)), "int32")
    return -ops.mean(ops.log(ops.take_along_axis(y_hat, y, axis=1)))


print(cross_entropy(y_hat, y))

# %% [markdown]
# ### 4.4.4 Accuracy
#
# The loss is what we optimize; what we usually report is the **accuracy**,
# the fraction of examples whose predicted class (the argmax of $\hat{\mathbf{y}}$)
# equals the label. It is not differentiable, which is why we do not train on
# it. On the two examples above the model predicts class 2 twice and is right
# once:

# %%
print(ops.argmax(y_hat, axis=1), "->", float(ops.mean(ops.cast(ops.argmax(y_hat, axis=1) == y, "float32"))))

# %% [markdown]
# Over a whole data set, correct predictions should be *counted* batch by
# batch and divided once at the end: averaging per-batch accuracies would
# give the short last batch the same weight as a full one.
# `workbook.classification.evaluate_accuracy(model, data)` does exactly that
# (and `fit`'s `accuracy` metric does the same internally).
#
# ### 4.4.5 Training with a hand-written update
#
# `fit` runs a loop over epochs and batches and, for every batch, calls the
# model's `train_step`. Overriding `train_step` on a functionally built model
# is how Keras lets us replace the optimizer with our own code, while keeping
# `fit`'s batching, callbacks and logs. `workbook.classification.ScratchSGDClassifier`
# is such a model; its whole training step, and chapter 3's `sgd_step` that
# it calls, are short enough to read here (Exercise 4.8 has you write the
# same step yourself):

# %%
import inspect

from workbook.classification import ScratchSGDClassifier, compile_classifier, evaluate_accuracy
from workbook.datasets.digits import load_digits_split
from workbook.scratch import sgd_step  # the update, shared with chapter 3

print(inspect.getsource(ScratchSGDClassifier.train_step))
print(inspect.getsource(sgd_step))

# %% [markdown]
# Line by line: the forward pass runs the functional graph in training mode;
# the loss is our `cross_entropy`; every weight's `.grad` is cleared (torch
# *adds* new gradients to old ones); `loss.backward()` fills in
# $\partial L / \partial \mathbf{W}$ and $\partial L / \partial \mathbf{b}$,
# which torch stores on the tensor behind each `keras.Variable`
# (`variable.value.grad`); and under `torch.no_grad()` every weight takes a
# step $\mathbf{w} \leftarrow \mathbf{w} - \eta\, \partial L / \partial \mathbf{w}$.
# Finally the step returns the **metric results** (a running loss mean,
# weighted by batch size, and a running accuracy), not the raw loss: those
# are what `fit` prints and what callbacks see.
#
# Building the model is ordinary functional Keras; only the class changes.
# Softmax regression takes many small steps, and on the torch backend most
# of a small step's time is Keras' fixed work per step, not arithmetic, so
# this chapter builds its models on `workbook.fastfit.FastModel`: a
# `keras.Model` whose `fit` runs the same training with less work per step.
# `ScratchSGDClassifier` is one: its `train_step` above runs unchanged in
# that leaner loop.

# %%
from workbook.fastfit import FastModel


def softmax_regression_scratch(num_classes=10, lr=0.1, input_shape=(28, 28, 1), sigma=0.01):
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Flatten()(inputs)
    logits = LinearScratch(num_classes, sigma=sigma)(x)
    probabilities = keras.layers.Activation(softmax, name="softmax")(logits)
    return ScratchSGDClassifier(inputs, probabilities, loss_fn=cross_entropy,
                                learning_rate=lr, name="softmax_scratch")


set_seed(42)
scratch_model = softmax_regression_scratch(lr=0.1)
scratch_model.compile()
print("parameters:", scratch_model.count_params())  # 784 * 10 + 10 = 7850
print(scratch_model(X[:2]).shape)

# %% [markdown]
# We train with `fit`, plotting the training loss, the training accuracy and
# the test accuracy after every epoch as the D2L book does. (Using the test
# set to *watch* training is fine; using it to *choose* between models is
# the subject of section 4.6.)

# %% tags=["heavy"]
from workbook.plotting import LivePlot

num_epochs = PROFILE.pick(tiny=1, default=5, full=10)
scratch_history = scratch_model.fit(
    train, epochs=num_epochs, validation_data=test, verbose=2,
    callbacks=[LivePlot(["loss", "accuracy", "val_accuracy"], name="ch04_scratch_training")],
)
print(f"test accuracy (counted): {evaluate_accuracy(scratch_model, test):.4f}")

# %% [markdown]
# The D2L book prints no final number for this model; what it does state
# is the bar its training function asserts after 10 epochs: training loss
# below 0.5, training and test accuracy above 0.7. The numbers above are
# what this run measured (on mock data: chance, about 0.1).
#
# ### 4.4.6 Prediction
#
# To classify, we take the argmax of the predicted probabilities. Looking at
# the mistakes is more instructive than looking at successes: below, the
# first misclassified test images with the true label over the prediction.

# %% tags=["heavy"]
test_images, test_labels = test.arrays()
predicted = np.argmax(scratch_model.predict(test_images, batch_size=256, verbose=0), axis=1)
wrong = np.flatnonzero(predicted != test_labels)[:8]
titles = [f"{t}\n{p}" for t, p in zip(text_labels(test_labels[wrong]), text_labels(predicted[wrong]))]
print(f"{len(np.flatnonzero(predicted != test_labels))} of {len(test_labels)} test images misclassified")
show_images(test.images[wrong], titles=titles, num_rows=1, num_cols=8, name="ch04_scratch_mistakes")

# %% [markdown]
# ### Summary
#
# * A safe softmax subtracts each row's maximum before exponentiating.
# * Parameters belong in a `keras.layers.Layer` created with `add_weight`;
#   the model is still a functional graph `Input → Flatten → layer → softmax`.
# * Cross-entropy with integer labels picks the true-class probability
#   (`ops.take_along_axis`) and averages $-\log$ of it.
# * Overriding `train_step` on a functional model replaces the optimizer by
#   hand-written SGD: torch autograd for gradients, `assign_sub` for the
#   update, metric results returned to `fit`.

# %% [markdown]
# ### Try it
#
# These runs use scikit-learn's $8 \times 8$ handwritten digits (real
# images, 1,297 for training; section 4.5.3 introduces them) instead of
# Fashion-MNIST, so that each takes a moment and means something even where
# Fashion-MNIST is mock data.
#
# 1. **Learning rate.** Predict which of the learning rates in `try_lrs`
#    ends with the lowest training loss after `try_epochs` epochs, put it in
#    `my_best_lr` and run. Then add 10 and 100 to the list: does softmax
#    regression blow up the way linear regression does with too large a
#    step? (Each entry of $\mathrm{softmax}(\mathbf{o}) - \mathbf{y}$ lies in
#    $[-1, 1]$, whatever the logits.)
# 2. **Initialize to zero.** Predict the loss of the untrained model when
#    $\mathbf{W} = 0$ (`try_sigma = 0`), put it in `my_initial_loss` and run.
#    Does the model still learn? All ten columns of $\mathbf{W}$ start equal:
#    why do they not stay equal?
# 3. **Batch size.** With the learning rate fixed, try `try_batch_size = 8`
#    and `512`. Which reaches the lower loss in the same number of epochs,
#    which takes longer, and how many updates does each make?
# 4. **The naive softmax.** In `softmax_regression_scratch`, use
#    `naive_softmax` instead of `softmax` and train with a learning rate of
#    100. Does a NaN appear? Where does it come from?

# %% tags=["heavy"]
my_best_lr = None       # question 1: one of try_lrs
my_initial_loss = None  # question 2
try_lrs, try_sigma, try_batch_size = [0.01, 0.1, 1.0], 0.01, 64
try_epochs = PROFILE.pick(tiny=2, default=10, full=10)

(try_X, try_y), _ = load_digits_split()
final_losses = {}
for try_lr in try_lrs:
    set_seed(42)
    try_model = softmax_regression_scratch(lr=try_lr, input_shape=(8, 8, 1), sigma=try_sigma)
    try_model.compile()
    with torch.no_grad():
        initial_loss = float(cross_entropy(try_model(try_X), try_y))
    try_history = try_model.fit(try_X, try_y, batch_size=try_batch_size, epochs=try_epochs, verbose=0)
    final_losses[try_lr] = try_history.history["loss"][-1]
    print(f"lr {try_lr:>6}: loss before {initial_loss:.4f}, after {try_epochs} epochs "
          f"{final_losses[try_lr]:.4f}, training accuracy {try_history.history['accuracy'][-1]:.3f}")
compare_choice(my_best_lr, min(final_losses, key=final_losses.get), options=try_lrs,
               what="learning rate with the lowest final loss")
compare_prediction(my_initial_loss, initial_loss, rel_tol=0.02, what=f"loss before training (sigma {try_sigma})")

# %% [markdown]
# ### Exercise 4.4: a stable softmax along any axis
#
# Write `stable_softmax(X, axis=-1)` with `keras.ops`: the softmax of `X`
# along `axis` (every slice along that axis sums to one), using the max-shift
# so that logits of $\pm 1000$ give finite results. `X` may have any number of
# dimensions. Do not call `ops.softmax` or `keras.activations.softmax`.

# %% tags=["exercise"] exercise="ch04.stable_softmax"
# exercise: ch04.stable_softmax
def stable_softmax(X, axis=-1):
    """Softmax of X along axis, shifted by the maximum for stability."""
    raise NotImplementedError("ch04.stable_softmax: write your answer here")


# %% tags=["check"]
check("ch04.stable_softmax")

# %% [markdown]
# ### Exercise 4.5: per-example cross-entropy, hard and soft labels
#
# Write `cross_entropy_losses(y_hat, y)`. `y_hat` is an $n \times q$ matrix of
# predicted probabilities. `y` is either a 1-D vector of $n$ integer class
# indices, or an $n \times q$ matrix of label probabilities (one-hot rows or
# soft labels). Return the vector of the $n$ per-example losses
# $l_i = -\sum_j y_{ij} \log \hat y_{ij}$ (for integer labels: minus the log of
# the true-class probability), **not** their mean.

# %% tags=["exercise"] exercise="ch04.cross_entropy_losses"
# exercise: ch04.cross_entropy_losses
def cross_entropy_losses(y_hat, y):
    """Per-example cross-entropy, shape (n,), for integer or probability labels."""
    raise NotImplementedError("ch04.cross_entropy_losses: write your answer here")


# %% tags=["check"]
check("ch04.cross_entropy_losses")

# %% [markdown]
# ### Exercise 4.6: accuracy
#
# Write `accuracy(y_hat, y)`: the fraction (a number between 0 and 1) of
# examples classified correctly. `y` holds integer labels. `y_hat` is either
# an $n \times q$ matrix of scores (probabilities or logits: the predicted
# class is the column with the largest score) or a 1-D vector of already
# predicted class indices. Return a Python `float`, not a tensor.

# %% tags=["exercise"] exercise="ch04.accuracy"
# exercise: ch04.accuracy
def accuracy(y_hat, y):
    """Fraction of rows whose predicted class equals y."""
    raise NotImplementedError("ch04.accuracy: write your answer here")


# %% tags=["check"]
check("ch04.accuracy")

# %% [markdown]
# ### Exercise 4.7: a fused softmax-regression layer
#
# Write a layer `SoftmaxScratch(num_classes)` that does all of softmax
# regression in one step: it flattens each example of its input (any shape,
# e.g. (28, 28, 1) or (8, 8, 1); use `ops.reshape(X, (ops.shape(X)[0], -1))`),
# computes $\mathbf{X}\mathbf{W} + \mathbf{b}$ and returns the (stable)
# softmax of the result. In `build`, create with `add_weight` first `W` of
# shape (inputs, num_classes) drawn from $\mathcal{N}(0, 0.01^2)$, then `b` of
# shape (num_classes,) initialized to zero; `inputs` is the product of all
# non-batch input dimensions. Then write `build_softmax_scratch(input_shape,
# num_classes)` that returns a **functional** model
# `keras.Input(input_shape)` → `SoftmaxScratch(num_classes)`. For
# Fashion-MNIST it has 7,850 parameters. Use only `keras.ops` inside `call`
# (no `ops.softmax`; define the helpers you need in this cell).

# %% tags=["exercise"] exercise="ch04.softmax_scratch"
# exercise: ch04.softmax_scratch
class SoftmaxScratch(keras.layers.Layer):
    """Flatten, X @ W + b, softmax: softmax regression as a single layer."""

    def __init__(self, num_classes, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes

    def build(self, input_shape):
        raise NotImplementedError("ch04.softmax_scratch: write your answer here")

    def call(self, X):
        raise NotImplementedError("ch04.softmax_scratch: write your answer here")


def build_softmax_scratch(input_shape, num_classes):
    """Functional model: Input(input_shape) -> SoftmaxScratch(num_classes)."""
    raise NotImplementedError("ch04.softmax_scratch: write your answer here")


# %% tags=["check"]
check("ch04.softmax_scratch")

# %% [markdown]
# ### Exercise 4.8: the training step, by hand
#
# Section 4.4.5 printed `ScratchSGDClassifier.train_step`; now write its
# heart yourself, without Keras' loop. Write `sgd_steps(W, b, batches, lr)`.
# `W`, of shape (d, q), and `b`, of shape (q,), are float32 torch tensors
# created with `requires_grad=True`; `batches` is a list of pairs `(X, y)`
# of a float32 array `X` of shape (n, d) and integer labels `y` of shape
# (n,), where n may differ from batch to batch. For each batch, in order:
# compute the logits $\mathbf{X}\mathbf{W} + \mathbf{b}$ and the mean
# cross-entropy of their softmax, in a form that stays finite for logits in
# the thousands; let torch compute the gradients; and update `W` and `b` in
# place, $w \leftarrow w - \eta\,\partial L/\partial w$. Remember what
# torch does with the gradients of the previous batch. Return
# `(W, b, losses)`: the two updated tensors and the list of the batch losses
# as Python floats, each computed before its batch's update.

# %% tags=["exercise"] exercise="ch04.sgd_steps"
# exercise: ch04.sgd_steps
def sgd_steps(W, b, batches, lr):
    """One SGD step per batch on the mean softmax cross-entropy; returns (W, b, losses)."""
    raise NotImplementedError("ch04.sgd_steps: write your answer here")


# %% tags=["check"]
check("ch04.sgd_steps")

# %% [markdown]
# ## 4.5 Concise Implementation of Softmax Regression
#
# Keras has every piece we just wrote: `Flatten`, `Dense` for the affine map,
# a cross-entropy loss and an SGD optimizer. The concise model is three lines
# of the functional API (with `FastModel` for `keras.Model`, as in section
# 4.4.5). Note what is *missing* at the end: the model outputs
# **logits**, not probabilities. The softmax moves into the loss, for a reason
# explained next.

# %%
def softmax_regression(input_shape=(28, 28, 1), num_classes=10):
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Flatten()(inputs)
    logits = keras.layers.Dense(
        num_classes, kernel_initializer=keras.initializers.RandomNormal(stddev=0.01)
    )(x)
    return FastModel(inputs, logits, name="softmax_regression")


set_seed(42)
concise_model = softmax_regression()
concise_model.summary()

# %% [markdown]
# ### 4.5.1 Softmax revisited: why the loss takes logits
#
# The max-shift of 4.4.1 protects the softmax against overflow, but the loss
# then takes a logarithm, and underflow bites there: if a shifted logit is
# below about $-104$, its exponential rounds to $0$ in `float32` and
# $\log 0 = -\infty$. A confident wrong prediction thus gives an infinite (or
# NaN) loss and gradient, although the true value is large but finite.
#
# The cure is to never form the probability. Writing
# $\bar o = \max_k o_k$ and combining softmax and log,
#
# $$\log \hat y_j = \log \frac{\exp(o_j - \bar o)}{\sum_k \exp(o_k - \bar o)}
#   = o_j - \bar o - \log \sum_k \exp(o_k - \bar o).$$
#
# Every exponential here lies in $(0, 1]$ and the sum is at least $1$, so
# nothing overflows and the logarithm is never of zero. This is the
# **log-sum-exp trick**, and it is what
# `keras.losses.SparseCategoricalCrossentropy(from_logits=True)` computes.
# Compare three ways of scoring one confident, wrong prediction whose true
# cross-entropy is $2000$:

# %%
big_logits = np.array([[1000.0, 0.0, -1000.0]], dtype="float32")
true_class = np.array([2])
naive = -ops.log(softmax(ops.convert_to_tensor(big_logits)))[0, 2]
print("softmax, then -log:", float(naive))
from_probs = keras.losses.SparseCategoricalCrossentropy(from_logits=False)
print("Keras loss on probabilities:", float(from_probs(true_class, softmax(ops.convert_to_tensor(big_logits)))))
from_logits = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
print("Keras loss on logits:", float(from_logits(true_class, big_logits)))

# %% [markdown]
# The first is infinite. The second is finite only because Keras clips
# probabilities to $[10^{-7}, 1 - 10^{-7}]$ before the log, which caps every
# loss at $-\log 10^{-7} \approx 16.12$ and gives a zero gradient in the
# clipped region. Only the loss on logits is both finite and right. Hence the
# rule: **the model outputs logits, the loss gets `from_logits=True`**, and
# where probabilities are wanted (for display) we apply `ops.softmax` to the
# outputs.
#
# ### 4.5.2 Training
#
# The optimizer is `keras.optimizers.SGD` with the book's learning rate, the
# metric `"accuracy"` (which Keras turns into sparse categorical accuracy for
# integer labels and takes the argmax of logits just as well as of
# probabilities).

# %%
compile_classifier(concise_model, 0.1)  # SGD, cross-entropy on logits, accuracy

# %% tags=["heavy"]
concise_history = concise_model.fit(
    train, epochs=num_epochs, validation_data=test, verbose=2,
    callbacks=[LivePlot(["loss", "accuracy", "val_accuracy"], name="ch04_concise_training")],
)
print(f"test accuracy (counted): {evaluate_accuracy(concise_model, test):.4f}")

# %% [markdown]
# The two implementations compute the same model with the same update, so
# on the same data their curves should look alike (they differ only in the
# random initialization and the order of floating-point operations). The
# D2L book trains the concise version with the same data and
# hyperparameters and, as for the scratch one, prints no final accuracy;
# the numbers above are this run's.
#
# ### 4.5.3 A measurement on real data: scikit-learn's digits
#
# Since the Fashion-MNIST run above may have used mock data, here is one
# measurement on real images that ship with scikit-learn: 1,797 handwritten
# digits of $8 \times 8$ pixels (values 0–16, which we scale to $[0, 1]$).
# The same builder gives a model with $64 \times 10 + 10 = 650$ parameters; we
# hold out 500 images for testing.

# %% tags=["heavy"]
(Xd_train, yd_train), (Xd_test, yd_test) = load_digits_split()  # 1,297 and 500 images
set_seed(42)
digits_model = softmax_regression(input_shape=(8, 8, 1), num_classes=10)
compile_classifier(digits_model, 0.1)  # SGD, cross-entropy on logits, accuracy
digits_epochs = PROFILE.pick(tiny=5, default=30, full=30)
digits_model.fit(Xd_train, yd_train, batch_size=64, epochs=digits_epochs, verbose=0,
                 validation_data=(Xd_test, yd_test),
                 callbacks=[LivePlot(["loss", "accuracy", "val_accuracy"], name="ch04_digits_training", mock=False)])
print(f"digits ({digits_model.count_params()} parameters, {digits_epochs} epochs): "
      f"test accuracy {evaluate_accuracy(digits_model, (Xd_test, yd_test)):.4f} (real data)")

# %% [markdown]
# ### Summary
#
# * The concise model is `Input → Flatten → Dense(10)` and outputs logits.
# * `SparseCategoricalCrossentropy(from_logits=True)` fuses softmax and log
#   with the log-sum-exp trick; feeding probabilities instead either
#   overflows (our own $-\log$) or clips (Keras' loss).
# * `compile` + `fit` replace the scratch update; the model is the same.

# %% [markdown]
# ### Try it
#
# The cell trains the concise model on the real digits three ways, with
# everything else as in section 4.5.3:
#
# * `"logits"`: the recipe above, logits out and `from_logits=True`;
# * `"from_logits=False"`: the same logits, but the loss is told they are
#   probabilities;
# * `"double softmax"`: a softmax on the output *and* `from_logits=True`, so
#   the loss applies a second softmax to probabilities.
#
# 1. Predict which of the three ends with the lowest test accuracy, put its
#    name in `my_worst` and run. Then explain each result from section 4.5.1:
#    what does Keras do with "probabilities" that are negative or above one,
#    and what range of logits does the double softmax leave the loss?
# 2. **Full batch.** Predict the test accuracy of the `"logits"` recipe when
#    every epoch is a single step on all 1,297 images
#    (`try_batch_size = len(Xd_train)`, `my_full_batch_accuracy`). How many
#    epochs would it need to make as many updates as the run of section
#    4.5.3 with batches of 64?
# 3. **Learning rate.** The loss of softmax regression is convex, so larger
#    steps only risk overshooting. Raise `try_lr` to 1 and then 10: does
#    the `"logits"` model still train?

# %% tags=["heavy"]
my_worst = None                # question 1: "logits", "from_logits=False" or "double softmax"
my_full_batch_accuracy = None  # question 2 (after setting try_batch_size)
try_lr, try_batch_size = 0.1, 64


def concise_variant(variant):
    """Section 4.5.3's digits model, trained with one of the three loss set-ups."""
    set_seed(42)
    model = softmax_regression(input_shape=(8, 8, 1), num_classes=10)
    if variant == "double softmax":
        model = FastModel(model.input, keras.layers.Softmax()(model.output))
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=variant != "from_logits=False")
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=try_lr), loss=loss, metrics=["accuracy"])
    model.fit(Xd_train, yd_train, batch_size=try_batch_size, epochs=digits_epochs, verbose=0)
    return evaluate_accuracy(model, (Xd_test, yd_test))


variant_accuracy = {v: concise_variant(v) for v in ["logits", "from_logits=False", "double softmax"]}
for variant, acc in variant_accuracy.items():
    print(f"{variant:>18}: test accuracy {acc:.3f} after {digits_epochs} epochs, batch {try_batch_size}")
compare_choice(my_worst, min(variant_accuracy, key=variant_accuracy.get), options=list(variant_accuracy),
               what="variant with the lowest test accuracy")
compare_prediction(my_full_batch_accuracy, variant_accuracy["logits"], rel_tol=0.05,
                   what=f"test accuracy of the logits recipe with batch size {try_batch_size}")

# %% [markdown]
# ### Exercise 4.9: cross-entropy from logits
#
# Write `ce_from_logits(O, y)` with `keras.ops`: `O` is an $n \times q$ matrix
# of logits, `y` a vector of $n$ integer labels; return the $n$ per-example
# losses $-\log \mathrm{softmax}(\mathbf{o}^{(i)})_{y_i}$ computed with the
# log-sum-exp trick, so that logits of $\pm 1000$ give the exact finite
# answer. Do not call a Keras loss, `ops.softmax`, `ops.log_softmax` or
# `ops.logsumexp`.

# %% tags=["exercise"] exercise="ch04.ce_from_logits"
# exercise: ch04.ce_from_logits
def ce_from_logits(O, y):
    """Per-example cross-entropy of logits O (n, q) and labels y (n,), shape (n,)."""
    raise NotImplementedError("ch04.ce_from_logits: write your answer here")


# %% tags=["check"]
check("ch04.ce_from_logits")

# %% [markdown]
# ### Exercise 4.10: moving a model from PyTorch to Keras
#
# A colleague trained softmax regression in PyTorch: a `torch.nn.Linear`
# layer on images flattened in the order Keras' `Flatten` uses for
# channels-last images, with logits as outputs. You receive its `weight`, of
# shape (classes, inputs), and its `bias`, of shape (classes,), as NumPy
# arrays or torch tensors. Write `keras_from_torch_linear(weight, bias,
# input_shape)`: a **functional** model `keras.Input(input_shape)` →
# `Flatten` → `Dense` that holds the colleague's trained weights and, on
# every image, outputs exactly the logits the PyTorch model outputs. The
# number of classes comes from the weights. Section 4.1.2 says what to
# watch for; a check with as many classes as inputs will notice a mistake
# that the shapes alone do not.

# %% tags=["exercise"] exercise="ch04.concise_model"
# exercise: ch04.concise_model
def keras_from_torch_linear(weight, bias, input_shape):
    """Functional Input -> Flatten -> Dense with the logits of torch's nn.Linear(weight, bias)."""
    raise NotImplementedError("ch04.concise_model: write your answer here")


# %% tags=["check"]
check("ch04.concise_model")

# %% [markdown]
# ## 4.6 Generalization in Classification
#
# We now have a classifier and a number: its accuracy on the test set. What
# does that number promise about the images the model will see next?
#
# ### 4.6.1 The test set
#
# Call $\epsilon(f) = P(f(\mathbf{x}) \neq y)$ the **population error** of a
# fixed classifier $f$: its error rate on the whole distribution. We cannot
# compute it, but on a test set $\mathcal{D}$ of $n$ fresh examples we can
# compute the **empirical error**
# $\epsilon_\mathcal{D}(f) = \frac{1}{n}\sum_i \mathbf{1}(f(\mathbf{x}^{(i)}) \neq y^{(i)})$.
# Each term is a coin flip that comes up "wrong" with probability
# $\epsilon(f)$, so $\epsilon_\mathcal{D}(f)$ is an unbiased estimate with
# variance $\epsilon(1-\epsilon)/n$. A Bernoulli variance is at most
# $1/4$, so the standard deviation is at most $0.5/\sqrt{n}$: the estimate
# improves only like $1/\sqrt{n}$. For a standard deviation of $0.01$ (so that
# an accuracy is meaningful to about $\pm 0.02$) we need $n = 2{,}500$
# examples. A simulation of a classifier with a true error of $0.2$ confirms
# the formula:

# %%
rng = np.random.default_rng(0)
true_error = 0.2
for n in [100, 1_000, 2_500, 10_000]:
    estimates = rng.binomial(n, true_error, size=20_000) / n  # 20,000 test sets of size n
    print(f"n = {n:>6}: std of the estimate {estimates.std():.4f}, "
          f"formula sqrt(e(1-e)/n) {np.sqrt(true_error * (1 - true_error) / n):.4f}")

# %% [markdown]
# The central limit theorem describes the typical deviation; **Hoeffding's
# inequality** bounds the chance of a large one for every $n$, not only
# asymptotically:
#
# $$P\big(\epsilon_\mathcal{D}(f) - \epsilon(f) \ge t\big) < \exp(-2 n t^2).$$
#
# Asking for that probability to be below $\delta = 0.05$ at $t = 0.01$
# gives $n \ge \log(1/\delta) / (2t^2) \approx 15{,}000$. The normal
# approximation is less demanding: with the worst-case standard deviation
# $\sqrt{0.25/n}$, a one-sided 95% bound ($1.645$ standard deviations) at
# $t = 0.01$ needs about $6{,}800$ examples, and two standard deviations
# about $10{,}000$; Hoeffding pays for holding at every $n$. Fashion-MNIST's
# 10,000 test images pin an accuracy down to within about one percentage
# point, no better.

# %%
delta, t = 0.05, 0.01
print(f"Hoeffding: n >= {np.log(1 / delta) / (2 * t**2):,.0f}")
n_test = 10_000
print(f"95% half-width on {n_test:,} test images, worst case (accuracy 0.5): "
      f"±{1.96 * 0.5 / np.sqrt(n_test):.4f}")

# %% [markdown]
# ### 4.6.2 Test-set reuse
#
# All of this holds for **one** classifier chosen *before* looking at the
# test set. In practice we train a model, check its test accuracy, change
# something, check again. Each look is a chance of being fooled: if each of
# $k = 20$ comparisons has a $5\%$ chance of a misleading result, the
# chance that at least one misleads is $1 - 0.95^{20} \approx 64\%$.
# Worse, once test results influence which model we build next, the model
# depends on the test set, and its test error is no longer an unbiased
# estimate: **adaptive overfitting**.
#
# The effect is easy to provoke. Below, 200 "models" guess binary labels at
# random, so each has a true accuracy of exactly $0.5$. Picking the best of
# them on a test set of 100 examples makes the winner look clearly better
# than chance; a fresh test set tells the truth.

# %%
rng = np.random.default_rng(1)
n_models, n_examples = 200, 100
labels_test, labels_fresh = rng.integers(0, 2, size=(2, n_examples))
guesses_test = rng.integers(0, 2, size=(n_models, n_examples))
guesses_fresh = rng.integers(0, 2, size=(n_models, n_examples))
scores = (guesses_test == labels_test).mean(axis=1)
best = int(np.argmax(scores))
print(f"best of {n_models} random models on the reused test set: {scores[best]:.2f}")
print(f"the same model on fresh data: {(guesses_fresh[best] == labels_fresh).mean():.2f}")
print(f"chance of at least one false discovery in 20 looks at 5%: {1 - 0.95**20:.2f}")

# %% [markdown]
# The defences: keep a **validation set** (a holdout carved out of the
# training data) for every decision, and touch the test set as rarely as
# possible, ideally once; collect a fresh test set when the old one has been
# used too often; and correct for many comparisons when they are unavoidable
# (Bonferroni: test each of $k$ hypotheses at level $0.05/k$).
#
# ### 4.6.3 Statistical learning theory, briefly
#
# Test sets judge a model after the fact. Learning theory tries to promise
# generalization *before* testing, by bounding how far training error and
# population error can drift apart uniformly over a whole class of models
# (**uniform convergence**). The bounds depend on the capacity of the class,
# measured for example by the **VC dimension** (for linear classifiers in
# $d$ dimensions, $d + 1$). They are reassuring for simple models and vacuous
# for deep networks, which generalize far better than their capacity
# suggests; explaining why is still open. In daily practice the holdout set
# remains the tool.
#
# ### 4.6.4 Beyond one number
#
# Accuracy hides *which* mistakes a model makes. The **confusion matrix**
# $C$ counts, for every pair of classes, how often an example of true class
# $i$ was predicted as class $j$; the diagonal holds the correct
# predictions. On Fashion-MNIST one expects the upper-body garments (shirt,
# t-shirt, pullover, coat) to be confused with each other far more often
# than, say, trousers with bags; the matrix says how often. It also
# reappears in section 4.7, in the correction for label shift.
#
# Here are the matrices of the two models trained above, computed with
# scikit-learn's `confusion_matrix` (Exercise 4.11 writes it yourself):
# the concise Fashion-MNIST model on its test set, and the softmax
# regression on the real digits on its 500 held-out images. For each we
# print the pair of classes most often confused.

# %% tags=["heavy"]
from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix


def most_confused(C, names):
    off_diagonal = C - np.diag(np.diag(C))
    i, j = np.unravel_index(np.argmax(off_diagonal), C.shape)
    return f"true {names[i]} predicted as {names[j]}: {C[i, j]} of {C[i].sum()}"


fashion_images, fashion_labels = test.arrays()
fashion_pred = np.argmax(concise_model.predict(fashion_images, batch_size=256, verbose=0), axis=1)
C_fashion = sklearn_confusion_matrix(fashion_labels, fashion_pred, labels=range(10))
print("Fashion-MNIST (rows: true class, columns: predicted class)")
print(C_fashion)
print("most confused:", most_confused(C_fashion, FASHION_MNIST_LABELS))

digit_pred = np.argmax(digits_model.predict(Xd_test, verbose=0), axis=1)
C_digits = sklearn_confusion_matrix(yd_test, digit_pred, labels=range(10))
print("digits, real data (rows: true digit, columns: predicted digit)")
print(C_digits)
print("most confused:", most_confused(C_digits, [str(d) for d in range(10)]))

# %% [markdown]
# On real Fashion-MNIST, look for the shirt row: its mass spreads over
# t-shirt, pullover and coat. On mock data the images say nothing about
# their labels, so all rows look alike: the distribution of predictions
# does not depend on the true class (a model trained on noise often puts
# most of its predictions in a few columns, whatever the row). The digits matrix is
# real: its diagonal dominates (the test accuracy of section 4.5.3), and the
# few off-diagonal counts show which pairs of digits a linear model mixes
# up.
#
# ### Summary
#
# * A test-set error is an estimate with standard deviation up to
#   $0.5/\sqrt{n}$; 2,500 examples give $\pm 0.01$, Hoeffding asks for about
#   15,000 for a $0.01$ guarantee at $95\%$.
# * Reusing the test set to make decisions biases it (adaptive
#   overfitting); use a validation set for decisions and the test set once.
# * The confusion matrix shows which classes are confused.

# %% [markdown]
# ### Try it
#
# 1. **Error bars for the digits.** The digits accuracy of section 4.5.3
#    rests on 500 test images. Predict its standard deviation from the
#    formula of section 4.6.1, put it in `my_std` and run: the cell measures
#    the spread by **bootstrap**, recomputing the accuracy on 2,000 samples
#    of 500 images drawn with replacement from the test set. Is a
#    difference of 0.01 between two digits models worth reporting?
# 2. **Reuse, scaled up.** In the reuse experiment of section 4.6.2, predict
#    the best reused-test score of `try_models` random models on
#    `try_examples` examples, put it in `my_best_score` and run. Then try
#    2,000 models, and 1,000 examples: which of the two makes the fooling
#    worse, and by how much?
# 3. **How many looks?** After how many comparisons at the 5% level does
#    the chance of at least one false discovery pass 99%? What level would
#    Bonferroni use for that many?
# 4. **The digits matrix.** Is the digits matrix of section 4.6.4 close to
#    symmetric (is $C_{ij}$ close to $C_{ji}$)? Would you expect a "4
#    predicted as 9" mistake to be as common as "9 predicted as 4"?

# %% tags=["heavy"]
my_std = None         # question 1
my_best_score = None  # question 2
try_models, try_examples = 200, 100

correct_digits = (digit_pred == yd_test).astype(float)
boot_rng = np.random.default_rng(2)
resampled = boot_rng.integers(0, len(correct_digits), size=(2000, len(correct_digits)))
compare_prediction(my_std, correct_digits[resampled].mean(axis=1).std(), rel_tol=0.15,
                   what="bootstrap standard deviation of the digits test accuracy")
acc_digits = correct_digits.mean()
print(f"accuracy {acc_digits:.3f} on {len(correct_digits)} images; "
      f"formula sqrt(a(1-a)/n) = {np.sqrt(acc_digits * (1 - acc_digits) / len(correct_digits)):.4f}")

reuse_rng = np.random.default_rng(5)
reuse_labels = reuse_rng.integers(0, 2, size=try_examples)
reuse_scores = (reuse_rng.integers(0, 2, size=(try_models, try_examples)) == reuse_labels).mean(axis=1)
compare_prediction(my_best_score, reuse_scores.max(), rel_tol=0.03,
                   what=f"best score of {try_models} random models on {try_examples} reused examples")

# %% [markdown]
# ### Exercise 4.11: the confusion matrix
#
# Write `confusion_matrix(y_true, y_pred, num_classes)`: `y_true` and `y_pred`
# are 1-D integer arrays of the same length; return a $q \times q$ integer
# array ($q$ = `num_classes`) whose entry $[i, j]$ counts the examples with
# true class $i$ predicted as class $j$. Classes that never occur still get
# their (zero) row and column.

# %% tags=["exercise"] exercise="ch04.confusion_matrix"
# exercise: ch04.confusion_matrix
def confusion_matrix(y_true, y_pred, num_classes):
    """Integer (q, q) matrix: [i, j] counts true class i predicted as j."""
    raise NotImplementedError("ch04.confusion_matrix: write your answer here")


# %% tags=["check"]
check("ch04.confusion_matrix")

# %% [markdown]
# ## 4.7 Environment and Distribution Shift
#
# Everything so far assumed that training and test data are drawn from the
# same distribution. Deployed models break this all the time: the world
# changes, the users change, and sometimes the model's own decisions change
# the data it will see next. What can be done depends on *what* shifted.
#
# ### 4.7.1 Types of distribution shift
#
# Write the source (training) distribution as $q(\mathbf{x}, y)$ and the
# target (deployment) distribution as $p(\mathbf{x}, y)$.
#
# * **Covariate shift**: the inputs change, the labelling rule does not:
#   $p(\mathbf{x}) \ne q(\mathbf{x})$ but $p(y \mid \mathbf{x}) = q(y \mid \mathbf{x})$.
#   A cat-versus-dog classifier trained on photographs and used on cartoons
#   faces this.
# * **Label shift**: the class frequencies change, the appearance of each
#   class does not: $p(y) \ne q(y)$ but $p(\mathbf{x} \mid y) = q(\mathbf{x} \mid y)$.
#   Natural when $y$ causes $\mathbf{x}$: a disease causes its symptoms,
#   and its prevalence varies between seasons and hospitals.
# * **Concept shift**: the meaning of the labels changes,
#   $p(y \mid \mathbf{x}) \ne q(y \mid \mathbf{x})$. What counts as a
#   diagnosis, which name a soft drink has in which region, which e-mail is
#   spam: all drift in time or space.
#
# Some examples of how this goes wrong. A blood test for a disease of older
# men, trained with healthy controls drawn from young students, learns to
# tell old from young, not sick from healthy. A self-driving car's roadside
# detector trained on rendered scenes learns the renderer's single texture
# of roadside. An advertising model fitted before a product launch keeps
# recommending the old product. Spam filters meet spam written to defeat
# them. In each case the test score measured on held-out *source* data was
# fine.
#
# ### 4.7.2 Correcting covariate shift
#
# Training minimizes the empirical risk on source data,
# $\frac{1}{n}\sum_i l(f(\mathbf{x}_i), y_i)$, an estimate of the expected loss
# under $q$. We want the expected loss under $p$. Under covariate shift the
# labelling rule is shared, so
#
# $$\mathbb{E}_{p}[l(f(\mathbf{x}), y)]
#   = \iint l(f(\mathbf{x}), y)\, p(y \mid \mathbf{x})\, q(\mathbf{x})
#     \frac{p(\mathbf{x})}{q(\mathbf{x})}\, d\mathbf{x}\, dy
#   = \mathbb{E}_{q}\!\left[\beta(\mathbf{x})\, l(f(\mathbf{x}), y)\right],
#   \qquad \beta(\mathbf{x}) = \frac{p(\mathbf{x})}{q(\mathbf{x})} .$$
#
# Weighting each source example by $\beta_i = \beta(\mathbf{x}_i)$ therefore
# gives an estimate of the target risk: **importance weighting**. We do not
# know either density, but we can estimate their *ratio* without estimating
# them, with a classifier. Pool $m$ source and $m$ target inputs, label them
# $z = 0$ (source) and $z = 1$ (target), and fit a logistic regression with
# logit $h(\mathbf{x})$. With equally many examples of each kind,
#
# $$\frac{P(z = 1 \mid \mathbf{x})}{P(z = 0 \mid \mathbf{x})} = \frac{p(\mathbf{x})}{q(\mathbf{x})}
#   \quad\text{and}\quad \frac{P(z = 1 \mid \mathbf{x})}{P(z = 0 \mid \mathbf{x})} = \exp(h(\mathbf{x})),$$
#
# so $\beta_i = \exp(h(\mathbf{x}_i))$. (With $n_s$ source and $n_t$ target
# examples the odds pick up a factor $n_t / n_s$, which must be divided out.)
# The weights are then passed to training as `sample_weight`.
#
# A small generated example shows the effect. Inputs are one number; the
# source has $x \sim \mathcal{N}(0, 1)$, the target $x \sim \mathcal{N}(1.5, 1)$;
# both label with the same rule $P(y = 1 \mid x) = \sigma(4 \sin 1.5x)$, which a
# linear classifier can only approximate locally, so *where* it is trained
# matters.

# %%
def draw_shifted(n, mean, rng):
    x = rng.normal(mean, 1.0, size=(n, 1)).astype("float32")
    p_one = 1 / (1 + np.exp(-4 * np.sin(1.5 * x[:, 0])))
    return x, (rng.random(n) < p_one).astype("float32")


rng = np.random.default_rng(0)
x_source, y_source = draw_shifted(2000, 0.0, rng)
x_target, y_target = draw_shifted(2000, 1.5, rng)  # labels only to evaluate
print(f"source mean {x_source.mean():.2f}, target mean {x_target.mean():.2f}")


def logistic_regression(name):
    inputs = keras.Input(shape=(1,))
    logit = keras.layers.Dense(1)(inputs)
    model = FastModel(inputs, logit, name=name)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)])
    return model


# %% [markdown]
# First the discriminator: source against target inputs, equally many of
# each, so that $\beta = \exp(h)$. For these two Gaussians the true log-ratio
# is linear, $\log \beta(x) = 1.5x - 1.125$, so we can compare.

# %% tags=["heavy"]
set_seed(0)
discriminator = logistic_regression("discriminator")
z_inputs = np.concatenate([x_source, x_target])
z_labels = np.concatenate([np.zeros(len(x_source)), np.ones(len(x_target))]).astype("float32")
discriminator.fit(z_inputs, z_labels, batch_size=256, epochs=PROFILE.pick(tiny=20, default=60, full=60),
                  shuffle=True, verbose=0)
w_h, b_h = (float(v.squeeze()) for v in discriminator.get_weights())
print(f"estimated log-ratio h(x) = {w_h:.2f} x {b_h:+.2f}   (true: 1.50 x -1.12)")
beta = np.exp(discriminator.predict(x_source, verbose=0)[:, 0])
print(f"weighted source mean {np.sum(beta * x_source[:, 0]) / beta.sum():.2f} "
      f"(unweighted {x_source.mean():.2f}, target {x_target.mean():.2f})")

# %% [markdown]
# Now the classifier itself, trained on the labelled source data twice:
# plainly, and with the importance weights. Both are evaluated on the target
# data, which neither saw. (A `fit` with `sample_weight` is one that
# `FastModel` hands to Keras' stock loop, so the weighted run takes the
# ordinary path; the training is the same either way.)

# %% tags=["heavy"]
results = {}
for label, weights in [("unweighted", None), ("importance-weighted", beta)]:
    set_seed(0)
    classifier = logistic_regression(label.replace("-", "_"))
    classifier.fit(x_source, y_source, sample_weight=weights, batch_size=256,
                   epochs=PROFILE.pick(tiny=20, default=60, full=60), verbose=0)
    loss, acc = classifier.evaluate(x_target, y_target, verbose=0)
    results[label] = (classifier, loss, acc)
    print(f"{label:>20}: target loss {loss:.3f}, target accuracy {acc:.3f}")

# %% tags=["heavy"]
from workbook.plotting import plot

grid = np.linspace(-3, 4.5, 200, dtype="float32").reshape(-1, 1)
curves = {"true P(y=1|x)": 1 / (1 + np.exp(-4 * np.sin(1.5 * grid[:, 0])))}
for label, (classifier, _, _) in results.items():
    curves[label] = ops.convert_to_numpy(ops.sigmoid(classifier.predict(grid, verbose=0)[:, 0]))
plot(grid[:, 0], curves, xlabel="x", ylabel="P(y = 1 | x)", name="ch04_covariate_shift",
     title="Covariate shift: classifiers trained on the source")

# %% [markdown]
# The unweighted classifier fits the rule where the source data are
# (around $x = 0$, where $P(y=1)$ rises with $x$) and extrapolates that trend
# into the target region, where the rule falls again. Weighting moves the
# fit to where the target data are, which the printed target losses and
# accuracies of the two classifiers show (on this generated data they are
# real measurements, not mock figures). The price of
# weighting is variance: a few source points with large $\beta$ dominate,
# and when source and target barely overlap no weighting can help.
#
# ### 4.7.3 Label shift and concept shift
#
# Under label shift the weights depend on the label only,
# $\beta(y) = p(y)/q(y)$. The source frequencies $q(y)$ are easy to count;
# the target frequencies $p(y)$ are unknown, since target labels are. The
# D2L book estimates them with a confusion matrix measured on source
# validation data, arranged the other way round from section 4.6's: column
# $j$ holds how examples of true class $j$ are predicted, as fractions of
# that class. With section 4.6's matrix (rows are true classes) that is
# $M = (C / \text{row sums})^\top$. If $\mu(\hat y)$ is the average of the
# model's predictions on the target inputs, then $M\,p(y) = \mu(\hat y)$, a
# linear system for $p(y)$ (solvable when $M$ is invertible, roughly when
# the classifier is decent).
#
# Let us do it on the real digits, with the softmax regression of section
# 4.5.3 as the classifier. Its 500 held-out images are split in two: the
# first half, with its labels, measures $M$; from the second half we build
# a **target** set whose label distribution is shifted on purpose (digits
# 0–4 five times as likely as 5–9), by drawing 2,000 images with
# replacement. The estimator sees only the target *inputs*.

# %% tags=["heavy"]
shift_rng = np.random.default_rng(0)
half = len(yd_test) // 2
val_pred, val_true = digit_pred[:half], yd_test[:half]
counts = sklearn_confusion_matrix(val_true, val_pred, labels=range(10))
M = (counts / counts.sum(axis=1, keepdims=True)).T  # column j: how true class j is predicted
target_prior = np.where(np.arange(10) < 5, 5.0, 1.0)
target_prior /= target_prior.sum()
pool_pred, pool_true = digit_pred[half:], yd_test[half:]
target_rows = np.concatenate([
    shift_rng.choice(np.flatnonzero(pool_true == c), size=n, replace=True)
    for c, n in enumerate(shift_rng.multinomial(2000, target_prior))])
mu = np.bincount(pool_pred[target_rows], minlength=10) / len(target_rows)  # mean one-hot prediction
p_hat = np.linalg.solve(M, mu)
source_prior = np.bincount(yd_train, minlength=10) / len(yd_train)
np.set_printoptions(precision=3, suppress=True)
print("true target p(y):     ", target_prior)
print("naive: mean prediction", mu, f"| total error {np.abs(mu - target_prior).sum():.3f}")
print("estimate M^-1 mu:     ", p_hat, f"| total error {np.abs(p_hat - target_prior).sum():.3f}")
print("weights beta = p/q:   ", p_hat / source_prior)
np.set_printoptions()

# %% [markdown]
# Compare the two total errors (the sum of absolute differences from the
# true target distribution). The mean prediction already follows the
# shift, because the classifier is good, but it inherits the classifier's
# confusions; solving with $M$ removes that bias, and adds the noise of $M$
# itself, which here rests on about 25 validation images per class. Which
# effect wins depends on the draw, and with so few images the noise often
# wins (a negative entry is a symptom). To see how the method scales, the
# next cell takes the confusion matrix of all 500 held-out images as the
# classifier's true behaviour and *simulates* predictions from it, for
# validation and target sets of growing size, 100 times each.

# %% tags=["heavy"]
M_all = sklearn_confusion_matrix(yd_test, digit_pred, labels=range(10)).astype(float)
M_all = (M_all / M_all.sum(axis=1, keepdims=True)).T


cumulative = np.cumsum(M_all, axis=0)  # column j: the distribution function of j's predictions


def simulated_predictions(labels, rng):
    """A prediction for each true label, drawn from M_all's column of that label."""
    u = rng.random(len(labels))
    return np.minimum((u[:, None] > cumulative[:, labels].T).sum(axis=1), 9)


print("  images per set   naive error   corrected error   (means over 100 draws)")
for size in (250, 2_500, 25_000):
    errors = []
    for _ in range(100):
        val_labels = shift_rng.integers(0, 10, size)
        sim_counts = sklearn_confusion_matrix(val_labels, simulated_predictions(val_labels, shift_rng),
                                              labels=range(10)) + 1e-9
        M_sim = (sim_counts / sim_counts.sum(axis=1, keepdims=True)).T
        target_labels = shift_rng.choice(10, size=size, p=target_prior)
        mu_sim = np.bincount(simulated_predictions(target_labels, shift_rng), minlength=10) / size
        errors.append((np.abs(mu_sim - target_prior).sum(),
                       np.abs(np.linalg.solve(M_sim, mu_sim) - target_prior).sum()))
    naive_error, corrected_error = np.mean(errors, axis=0)
    print(f"  {size:14,d}   {naive_error:11.3f}   {corrected_error:15.3f}")

# %% [markdown]
# The naive error stops shrinking as the sets grow: what remains is the
# classifier's bias, its confusions. The corrected error keeps falling,
# roughly as one over the square root of the set size (a factor of about 3
# for each tenfold increase), so the estimate pays off once the validation
# set is large compared with the confusions it must undo: at 250 images it
# may lose, by the thousands it wins. The weights $\beta(y)$ then
# reweight the training loss exactly as $\beta(\mathbf{x})$ did for
# covariate shift; with estimates this noisy, clip them at 0 first.
#
# Concept shift has no such trick: the old labels are partly wrong for the
# new world. Because it is usually gradual, the practical answer is to keep
# updating the model on recent data, starting from the old weights, rather
# than training from scratch.
#
# ### 4.7.4 A taxonomy of learning problems
#
# Distribution shift is the rule once a model acts in the world. The
# settings differ in how data and decisions interact:
#
# * **Batch learning**: train once on a fixed data set, deploy, never update.
# * **Online learning**: data arrive one at a time; the model $f_t$ sees
#   $\mathbf{x}_t$, predicts $f_t(\mathbf{x}_t)$, observes $y_t$, pays the loss
#   and is updated to $f_{t+1}$.
# * **Bandits**: a finite set of actions whose rewards we learn by trying them.
# * **Control**: the environment remembers what we did (a thermostat, an
#   autopilot), so our actions change future observations.
# * **Reinforcement learning**: an environment with memory that may also
#   react strategically, from games to markets.
#
# Finally, models that decide about people raise questions that accuracy
# does not answer: which errors cost whom, and whether the model's decisions
# feed back into the data that will judge it (predictive policing is the
# standard warning).
#
# ### Summary
#
# * Covariate shift changes $p(\mathbf{x})$, label shift $p(y)$, concept shift
#   $p(y \mid \mathbf{x})$.
# * Covariate shift is corrected by weighting source examples with
#   $\beta = p(\mathbf{x})/q(\mathbf{x})$, estimated by a logistic-regression
#   discriminator as $\beta = \exp(h(\mathbf{x}))$ (equal sample sizes).
# * Label shift uses $\beta = p(y)/q(y)$, with $p(y)$ estimated through the
#   confusion matrix; concept shift calls for continual updating.

# %% [markdown]
# ### Try it
#
# The cell redraws the covariate-shift example of section 4.7.2 with the
# target mean `try_shift` and weights the source points with the *true*
# ratio of the two Gaussians, $\beta(x) = \exp(\mu x - \mu^2/2)$ for a target
# mean $\mu$, so that only the weighting itself is on trial.
#
# 1. **Effective sample size.** A weighted average over $n$ points is about
#    as precise as a plain average over
#    $n_{\text{eff}} = (\sum_i \beta_i)^2 / \sum_i \beta_i^2$ of them. Predict
#    $n_{\text{eff}}$ for the 2,000 source points at $\mu = 1.5$ (put it in
#    `my_ess`), run, then try $\mu = 0.5$ and $\mu = 3$. (For two unit
#    Gaussians $n_{\text{eff}} / n$ tends to $\exp(-\mu^2)$: check it.)
# 2. **Does weighting still help?** Predict which classifier has the lower
#    target loss, `"unweighted"` or `"importance-weighted"`, at
#    $\mu = 0.5$, $1.5$ and $3$ (`my_better`). Where does weighting stop
#    paying, and what does $n_{\text{eff}}$ say about why?
# 3. **Label shift, clipped.** In the first cell of section 4.7.3, clip the
#    estimate `p_hat` $= M^{-1}\mu$ at zero and renormalize it to sum to one.
#    Does its total error go down? Is clipping a bias or a variance fix?

# %% tags=["heavy"]
my_ess = None     # question 1
my_better = None  # question 2: "unweighted" or "importance-weighted"
try_shift = 1.5

try_rng = np.random.default_rng(1)
x_src, y_src = draw_shifted(2000, 0.0, try_rng)
x_tgt, y_tgt = draw_shifted(2000, try_shift, try_rng)
true_beta = np.exp(try_shift * x_src[:, 0] - try_shift**2 / 2)  # p(x) / q(x) of the two Gaussians
compare_prediction(my_ess, true_beta.sum() ** 2 / np.sum(true_beta**2), rel_tol=0.25,
                   what=f"effective sample size at target mean {try_shift}")
target_losses = {}
for label, weights in [("unweighted", None), ("importance-weighted", true_beta)]:
    set_seed(0)
    try_classifier = logistic_regression("try_" + label.replace("-", "_"))
    try_classifier.fit(x_src, y_src, sample_weight=weights, batch_size=256,
                       epochs=PROFILE.pick(tiny=10, default=60, full=60), verbose=0)
    target_losses[label] = try_classifier.evaluate(x_tgt, y_tgt, verbose=0)[0]
    print(f"{label:>20}: target loss {target_losses[label]:.3f}")
compare_choice(my_better, min(target_losses, key=target_losses.get), options=list(target_losses),
               what="classifier with the lower target loss")

# %% [markdown]
# ### Exercise 4.12: importance weights for covariate shift
#
# Write `importance_weights(source_x, target_x)`: `source_x` is an
# $n_s \times d$ array of source inputs, `target_x` an $n_t \times d$ array of
# target inputs, and $n_s$ and $n_t$ may differ. Fit a logistic regression
# that tells target ($z = 1$) from source ($z = 0$) inputs, and return the
# $n_s$ weights $\beta_i \approx p(\mathbf{x}_i)/q(\mathbf{x}_i)$ at the source
# points: the odds $P(z=1 \mid \mathbf{x}_i)/P(z=0 \mid \mathbf{x}_i)$,
# corrected by the factor $n_s / n_t$ for unequal sample sizes. You may use
# `sklearn.linear_model.LogisticRegression` (import it in this cell; its
# `decision_function` returns the logit $h$; it is the quickest) or a small
# Keras model. The checks use Gaussian data of a few thousand points, where
# the true ratio is known.

# %% tags=["exercise"] exercise="ch04.importance_weights"
# exercise: ch04.importance_weights
def importance_weights(source_x, target_x):
    """Estimated p_target(x) / p_source(x) at each source point, shape (n_s,)."""
    raise NotImplementedError("ch04.importance_weights: write your answer here")


# %% tags=["check"]
check("ch04.importance_weights")

# %% [markdown]
# ## Where next
#
# Softmax regression draws straight boundaries between classes. Chapter 5
# stacks layers with nonlinearities in between, keeping everything else of
# this chapter: the data, the loss on logits, `fit`, and the scratch
# training step.
