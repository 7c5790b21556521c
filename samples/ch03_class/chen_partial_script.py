# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 3. Linear Neural Networks for Regression
#
# **Regression** means predicting a number: the price of a house, the length
# of a hospital stay, tomorrow's demand for a product. The simplest
# regression model, and the first neural network of this workbook, is
# **linear regression**: a weighted sum of the inputs plus a constant. It is
# worth a whole chapter because every ingredient of deep learning is already
# there, in its plainest form: a model with parameters, a loss that says how
# wrong the model is, an optimizer that follows the gradient of the loss, data
# served in minibatches, and the question that matters most in the end, namely
# how well the model does on data it has never seen.
#
# The chapter goes as follows.
#
# * 3.1 the model, the squared loss, its closed-form solution, minibatch
#   stochastic gradient descent, and why squared loss goes with Gaussian noise;
# * 3.2 a synthetic data set whose true parameters we know;
# * 3.3 linear regression from scratch: a custom Keras layer, a hand-written
#   loss and a hand-written SGD step inside `train_step`;
# * 3.4 the same model with stock Keras: `Dense(1)`, `compile` and `fit`;
# * 3.5 generalization: training error, generalization error, validation;
# * 3.6 polynomial regression, where underfitting and overfitting can be seen;
# * 3.7 weight decay, the oldest trick against overfitting;
# * 3.8 K-fold cross-validation, for choosing hyperparameters on little data.
#
# Everything runs on **Keras 3 with the torch backend**. Models are built with
# the functional API (`keras.Input` → layers → `keras.Model(inputs, outputs)`).
# Sizes such as the number of epochs come from the workbook profile: `tiny`
# for tests, `default` for a laptop, `full` for the D2L book's settings. Where
# the text describes how a run turns out, it means the `default` and `full`
# profiles; the `tiny` runs are too short to show much. Every number the
# code prints is whatever your run measured.

# %% tags=["setup"]
import workbook  # selects the torch backend before Keras is imported
from workbook import PROFILE, check, set_seed
from workbook.tryit import compare_choice, compare_prediction
import keras
import numpy as np
import torch
from keras import ops

print(workbook.profiles.describe(), "| keras", keras.__version__, "| torch", torch.__version__)
set_seed(42)

# %% [markdown]
# ## 3.1 Linear Regression
#
# ### 3.1.1 The model
#
# Suppose we want to predict the price of a house from its area and its age.
# Linear regression assumes that the price is, up to noise, a weighted sum of
# the features plus an offset:
#
# $$\mathrm{price} = w_{\mathrm{area}} \cdot \mathrm{area} + w_{\mathrm{age}} \cdot \mathrm{age} + b.$$
#
# The $w$'s are **weights**: how much the prediction moves when one feature
# moves by one unit. $b$ is the **bias** (or intercept): the prediction when
# every feature is zero. Without $b$ every fitted line would have to pass
# through the origin. Mathematically the model is an **affine**
# transformation of the features: a linear map followed by a translation.
#
# With $d$ features collected in a vector $\mathbf{x} \in \mathbb{R}^d$ and
# the weights in $\mathbf{w} \in \mathbb{R}^d$, one prediction is
#
# $$\hat{y} = \mathbf{w}^\top \mathbf{x} + b.$$
#
# For a whole data set of $n$ examples we stack the feature vectors as the
# rows of a **design matrix** $\mathbf{X} \in \mathbb{R}^{n \times d}$ and get
# all $n$ predictions with one matrix–vector product:
#
# $$\hat{\mathbf{y}} = \mathbf{X}\mathbf{w} + b,$$
#
# where adding the scalar $b$ to a vector is broadcasting (section 2.1).
# Learning means finding the $\mathbf{w}$ and $b$ that make these predictions
# as close as possible to the observed labels $\mathbf{y}$. Even then they
# will rarely be exact: the features never capture everything that moves a
# price, and measurements are noisy. So we need a number that says how close
# is close.
#
# ### 3.1.2 The squared loss
#
# A **loss function** measures the distance between the prediction and the
# truth; zero is perfect, larger is worse. For regression the usual choice
# is the **squared error** of example $i$,
#
# $$l^{(i)}(\mathbf{w}, b) = \frac{1}{2}\left(\hat{y}^{(i)} - y^{(i)}\right)^2.$$
#
# The factor $\frac{1}{2}$ changes nothing about where the minimum is; it is
# there so that the derivative, $\hat{y}^{(i)} - y^{(i)}$, carries no stray
# factor 2. Because the error is squared, large mistakes weigh a lot: an
# example that is off by 10 costs a hundred times more than one off by 1,
# which makes the squared loss sensitive to outliers.
#
# Over the training set we average:
#
# $$L(\mathbf{w}, b) = \frac{1}{n}\sum_{i=1}^n l^{(i)}(\mathbf{w}, b)
# = \frac{1}{n}\sum_{i=1}^n \frac{1}{2}\left(\mathbf{w}^\top \mathbf{x}^{(i)} + b - y^{(i)}\right)^2,$$
#
# and training looks for $\mathbf{w}^*, b^* = \operatorname{argmin}_{\mathbf{w}, b} L(\mathbf{w}, b)$.
#
# One trap deserves a warning before any code is written. Predictions come out
# of a model as a column, shape $(n, 1)$, while labels are often stored as a
# flat vector, shape $(n,)$. Subtracting one from the other does not fail:
# broadcasting silently builds an $n \times n$ table of every prediction minus
# every label, and the mean of that table is a perfectly finite, perfectly
# wrong loss.

# %%
y_hat = ops.ones((4, 1))
y_flat = ops.zeros((4,))
print("column minus flat vector:", tuple((y_hat - y_flat).shape))
print("column minus column:     ", tuple((y_hat - ops.expand_dims(y_flat, -1)).shape))

# %% [markdown]
# ### 3.1.3 An analytic solution
#
# Linear regression is one of the few models whose loss can be minimized on
# paper. First absorb the bias into the weights: append a column of ones to
# $\mathbf{X}$, giving $\tilde{\mathbf{X}} = [\mathbf{X}, \mathbf{1}]$, and
# append $b$ to $\mathbf{w}$, giving $\tilde{\mathbf{w}} = [\mathbf{w}; b]$.
# Then $\hat{\mathbf{y}} = \tilde{\mathbf{X}}\tilde{\mathbf{w}}$ and, up to
# the constant factor $\frac{1}{2n}$, the loss is
# $\|\mathbf{y} - \tilde{\mathbf{X}}\tilde{\mathbf{w}}\|^2$. It is a convex
# quadratic in $\tilde{\mathbf{w}}$, so the minimum is where the gradient
# vanishes:
#
# $$\nabla_{\tilde{\mathbf{w}}} \|\mathbf{y} - \tilde{\mathbf{X}}\tilde{\mathbf{w}}\|^2
# = 2\tilde{\mathbf{X}}^\top(\tilde{\mathbf{X}}\tilde{\mathbf{w}} - \mathbf{y}) = 0
# \quad\Longleftrightarrow\quad
# \tilde{\mathbf{X}}^\top\tilde{\mathbf{X}}\,\tilde{\mathbf{w}} = \tilde{\mathbf{X}}^\top\mathbf{y}.$$
#
# These are the **normal equations**. When the columns of
# $\tilde{\mathbf{X}}$ are linearly independent, $\tilde{\mathbf{X}}^\top\tilde{\mathbf{X}}$
# is invertible and the solution is unique:
# $\tilde{\mathbf{w}}^* = (\tilde{\mathbf{X}}^\top\tilde{\mathbf{X}})^{-1}\tilde{\mathbf{X}}^\top\mathbf{y}$.
# In code one solves the linear system (or calls a least-squares routine)
# rather than forming the inverse, which is slower and loses precision.
#
# A closed form is a luxury. Add one nonlinearity and it is gone, which is
# why the rest of the book relies on the numerical method below. The closed
# form is still useful here: it tells us the best any linear model can do on
# a given sample, a yardstick for the iterative methods.
#
# ### 3.1.4 Minibatch stochastic gradient descent
#
# **Gradient descent** improves the parameters step by step: compute the
# gradient of the loss, which points uphill, and move a little in the
# opposite direction. Using the whole training set for every step is exact
# but slow, because one step costs a pass over all the data. Using one random
# example per step (**stochastic** gradient descent) is cheap but noisy, and
# it wastes the hardware, which computes on a batch of examples almost as fast
# as on one. The compromise used throughout deep learning is **minibatch SGD**:
# at each step draw a random minibatch $\mathcal{B}$ of $|\mathcal{B}|$
# examples, average their gradients, and step:
#
# $$(\mathbf{w}, b) \leftarrow (\mathbf{w}, b) - \frac{\eta}{|\mathcal{B}|}
# \sum_{i \in \mathcal{B}} \partial_{(\mathbf{w}, b)} l^{(i)}(\mathbf{w}, b).$$
#
# For the squared loss the derivatives are explicit, and the update reads
#
# $$\mathbf{w} \leftarrow \mathbf{w} - \frac{\eta}{|\mathcal{B}|}\sum_{i \in \mathcal{B}}
# \mathbf{x}^{(i)}\left(\mathbf{w}^\top\mathbf{x}^{(i)} + b - y^{(i)}\right),
# \qquad
# b \leftarrow b - \frac{\eta}{|\mathcal{B}|}\sum_{i \in \mathcal{B}}
# \left(\mathbf{w}^\top\mathbf{x}^{(i)} + b - y^{(i)}\right).$$
#
# The **learning rate** $\eta$ and the **batch size** $|\mathcal{B}|$ are not
# learned; we choose them. Such settings are **hyperparameters**, and
# choosing them well (section 3.5) is part of the job. Note the average: the
# sum is divided by the size of *this* minibatch, so a smaller last minibatch
# of an epoch is not over-divided.
#
# Two remarks. Minibatch SGD does not find the exact minimum in a finite
# number of steps; it hovers near it, at a distance set by the learning rate
# and the noise of the minibatches. And finding the exact minimum of the
# training loss is not really the goal: what counts is the loss on new data,
# the subject of section 3.5.
#
# ### 3.1.5 Predictions
#
# With the learned $\hat{\mathbf{w}}, \hat{b}$, the prediction for a new
# house is $\hat{\mathbf{w}}^\top\mathbf{x} + \hat{b}$. Statisticians call
# this step *prediction*; deep learning also calls it *inference*, a word that
# in statistics means something else (drawing conclusions about parameters).
#
# ### 3.1.6 Vectorization for speed
#
# Everything above is written with vectors and matrices, and the code should
# be too. A Python loop that touches one number at a time pays the
# interpreter's overhead for every element; one tensor operation pays it once
# and runs a compiled loop. Let us add two vectors both ways.

# %%
import time

n = PROFILE.pick(tiny=2000, default=10000, full=10000)
a, b = ops.ones(n), ops.ones(n)

start = time.perf_counter()
c = ops.zeros(n)
for i in range(n):
    c[i] = a[i] + b[i]
loop_seconds = time.perf_counter() - start

start = time.perf_counter()
d = a + b
vector_seconds = time.perf_counter() - start

print(f"{n} additions: loop {loop_seconds:.4f} s, vectorized {vector_seconds:.6f} s "
      f"(about {loop_seconds / max(vector_seconds, 1e-9):.0f} times faster)")

# %% [markdown]
# The ratio printed above is what this machine measured; the D2L book
# reports a speedup of about three orders of magnitude on its own machine.
# The lesson holds everywhere: write the math as tensor operations.
#
# ### 3.1.7 The normal distribution and squared loss
#
# Why squared loss, and not, say, the absolute error? One answer comes from
# probability. Assume the labels are the linear model's prediction plus
# Gaussian noise,
#
# $$y = \mathbf{w}^\top\mathbf{x} + b + \epsilon, \qquad \epsilon \sim \mathcal{N}(0, \sigma^2),$$
#
# where the normal density with mean $\mu$ and variance $\sigma^2$ is
#
# $$p(x) = \frac{1}{\sqrt{2\pi\sigma^2}}\exp\left(-\frac{(x - \mu)^2}{2\sigma^2}\right).$$
#
# Changing $\mu$ shifts the bell, increasing $\sigma$ flattens and widens it.
# (The chapter's figures come from `workbook.plotting`: `plot` for curves,
# `scatter` for point clouds, `LivePlot` for learning curves during `fit`.)

# %%
from workbook.plotting import LivePlot, plot, scatter


def normal_density(x, mu, sigma):
    return np.exp(-0.5 * ((x - mu) / sigma) ** 2) / np.sqrt(2 * np.pi * sigma**2)


# %% tags=["heavy"]
xs = np.arange(-7, 7, 0.01)
plot(
    xs,
    {f"mean {mu}, std {sigma}": normal_density(xs, mu, sigma) for mu, sigma in [(0, 1), (0, 2), (3, 1)]},
    xlabel="x",
    ylabel="p(x)",
    name="ch03_normal_densities",
)

# %% [markdown]
# Under this assumption the likelihood of one observed label is
# $P(y \mid \mathbf{x}) = \frac{1}{\sqrt{2\pi\sigma^2}}\exp\left(-\frac{1}{2\sigma^2}(y - \mathbf{w}^\top\mathbf{x} - b)^2\right)$,
# and for independent examples the likelihoods multiply. The **maximum
# likelihood** principle picks the parameters that make the observed data most
# probable. Maximizing a product of many small numbers is awkward, so we
# minimize the negative log-likelihood instead:
#
# $$-\log P(\mathbf{y} \mid \mathbf{X}) = \sum_{i=1}^n \frac{1}{2}\log(2\pi\sigma^2)
# + \frac{1}{2\sigma^2}\left(y^{(i)} - \mathbf{w}^\top\mathbf{x}^{(i)} - b\right)^2.$$
#
# The first term does not depend on $\mathbf{w}$ or $b$, and the factor
# $\frac{1}{\sigma^2}$ does not move the minimum. What is left is the squared
# loss: **minimizing squared error is maximum likelihood estimation under
# additive Gaussian noise.** Other noise models lead to other losses (Laplace
# noise, for example, leads to the absolute error).
#
# ### 3.1.8 Linear regression as a neural network
#
# Drawn as a network, linear regression has $d$ input nodes, one output node
# and an edge with a weight from each input to the output: a single
# **fully connected** (or **dense**) layer with one neuron and no activation.
# Its single neuron resembles the caricature of a biological neuron: inputs
# arrive, get weighted, are summed, and the sum goes out. Keras calls this
# layer `Dense(1)`, and section 3.4 uses it.
#
# ### Summary
#
# * Linear regression predicts $\hat{\mathbf{y}} = \mathbf{X}\mathbf{w} + b$
#   and is trained by minimizing the mean of $\frac{1}{2}(\hat{y} - y)^2$.
# * Its minimum solves the normal equations
#   $\tilde{\mathbf{X}}^\top\tilde{\mathbf{X}}\tilde{\mathbf{w}} = \tilde{\mathbf{X}}^\top\mathbf{y}$;
#   models that are not linear have no such formula.
# * Minibatch SGD steps against the gradient averaged over a random minibatch;
#   learning rate and batch size are hyperparameters.
# * Vectorized tensor code is much faster than Python loops.
# * Squared loss is the negative log-likelihood under Gaussian noise.
# * Watch the shapes: a column minus a flat vector broadcasts to a matrix.

# %% [markdown]
# ### Try it
#
# 1. **Fixed costs.** The loop of section 3.1.6 pays Python's overhead once
#    per element, so its time grows in proportion to $n$. How much longer
#    does the *vectorized* addition take for 100 times as many elements,
#    $10^6$ instead of $10^4$? Write your guess in `my_vector_ratio` and run
#    the cell below, which times both sizes (the best of 20 repeats, since
#    one call takes microseconds). If the measured ratio is far below 100, what is the
#    small addition spending its time on?
# 2. **Closed form against gradient descent.** The cell also solves a small
#    problem (100 examples, two features and a column of ones for the bias)
#    by the normal equations, then runs full-batch gradient descent on the
#    mean half squared loss from zero with learning rate `gd_lr = 0.1`.
#    Predict how many steps it takes until every parameter is within 0.001
#    of the closed form (`my_steps`). A way to estimate it: each step shrinks
#    the gap along each eigenvector of
#    $\tilde{\mathbf{X}}^\top\tilde{\mathbf{X}}/n$ by the factor
#    $1 - \eta\lambda$, where $\lambda$ is its eigenvalue (the cell prints
#    them), and the largest gap starts at the size of the bias, 4.2.
# 3. **The learning rate.** Try `gd_lr` = 0.5, 1 and 1.5, then 2.5. Which
#    converges in the fewest steps? Why can 1.5 overshoot and still converge
#    while 2.5 diverges? Compare with $2/\lambda_{\max}$, which the cell
#    prints.
# 4. **No unique minimum.** Append a copy of the first column to the design
#    matrix (`gd_design = np.hstack([gd_design, gd_design[:, :1]])`). What
#    does `np.linalg.solve` do with the normal equations now, and what does
#    `np.linalg.lstsq(gd_design, gd_labels)` return instead? Why are there
#    infinitely many minimizers?

# %%
my_vector_ratio = None  # question 1: time for 100 n elements / time for n elements
my_steps = None  # question 2: steps of gradient descent to get within 0.001
gd_lr = 0.1  # question 3


def vector_add_seconds(size, repeats=20):
    """The best of `repeats` timings of one vectorized addition of two vectors of ones."""
    x, y = ops.ones(size), ops.ones(size)
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        x + y
        timings.append(time.perf_counter() - start)
    return min(timings)


vector_size = 10_000
small_seconds, large_seconds = vector_add_seconds(vector_size), vector_add_seconds(100 * vector_size)
print(f"vectorized: {vector_size} elements {small_seconds:.2e} s, {100 * vector_size} elements {large_seconds:.2e} s")
compare_prediction(my_vector_ratio, large_seconds / small_seconds, rel_tol=0.5,
                   what="time ratio of the two additions")

gd_rng = np.random.default_rng(5)
gd_design = np.hstack([gd_rng.normal(size=(100, 2)), np.ones((100, 1))])
gd_labels = gd_design @ np.array([2.0, -3.4, 4.2]) + 0.01 * gd_rng.normal(size=100)
closed_form = np.linalg.solve(gd_design.T @ gd_design, gd_design.T @ gd_labels)
eigenvalues = np.linalg.eigvalsh(gd_design.T @ gd_design / len(gd_design))
print("eigenvalues of X^T X / n:", eigenvalues.round(3), f"| 2 / largest: {2 / eigenvalues.max():.3f}")
theta, steps = np.zeros(3), 0
while 1e-3 <= np.max(np.abs(theta - closed_form)) < 1e6 and steps < 10_000:
    theta = theta - gd_lr * gd_design.T @ (gd_design @ theta - gd_labels) / len(gd_labels)
    steps += 1
largest_gap = np.max(np.abs(theta - closed_form))
if largest_gap < 1e-3:
    compare_prediction(my_steps, steps, rel_tol=0.25, what=f"steps at learning rate {gd_lr}")
else:
    print(f"learning rate {gd_lr}: after {steps} steps the largest gap is {largest_gap:.3g}, not below 0.001")


# %% [markdown]
# ### Exercise 3.1: the squared loss
#
# Write `squared_loss(y_hat, y)` that returns the elementwise loss
# $\frac{1}{2}(\hat{y} - y)^2$ **with the shape of `y_hat`**. The predictions
# `y_hat` arrive as a column of shape $(n, 1)$; the labels `y` may be a
# column $(n, 1)$ or a flat vector $(n,)$, so reshape `y` to the shape of
# `y_hat` first (remember the broadcasting trap above). Inputs may be NumPy
# arrays or torch tensors (and a NumPy array minus a tensor fails), so
# convert them with `ops.convert_to_tensor` and compute with `keras.ops`.

# %% tags=["exercise"] exercise="ch03.squared_loss"
# exercise: ch03.squared_loss
def squared_loss(y_hat, y):
    """Half squared error, element by element, with the shape of y_hat."""
    y_hat = ops.convert_to_tensor(y_hat)
    y = ops.reshape(y, ops.shape(y_hat))
    return (y_hat - y) ** 2 / 2


# %% tags=["check"]
check("ch03.squared_loss")


# %% [markdown]
# ### Exercise 3.2: the normal equations
#
# Write `normal_equation(X, y)` that returns the least-squares parameters
# `(w, b)` of the linear model $\hat{\mathbf{y}} = \mathbf{X}\mathbf{w} + b$:
# `w` with shape $(d, 1)$ and `b` a number (or an array with one element).
# Append a column of ones to `X` and solve the normal equations
# $\tilde{\mathbf{X}}^\top\tilde{\mathbf{X}}\,\tilde{\mathbf{w}} = \tilde{\mathbf{X}}^\top\mathbf{y}$
# with `np.linalg.solve` (not an explicit inverse). `X` has shape $(n, d)$ and
# full column rank; `y` has shape $(n, 1)$.

# %% tags=["exercise"] exercise="ch03.normal_equation"
# exercise: ch03.normal_equation
def normal_equation(X, y):
    X = np.asarray(X, dtype=np.float64)
    w = np.linalg.solve(X.T @ X, X.T @ y)
    return w, 0.0


# %% tags=["check"]
check("ch03.normal_equation")


# %% [markdown]
# ### Exercise 3.3: one minibatch SGD step, by the formula
#
# Write `sgd_update(w, b, X, y, lr)` that performs **one** step of minibatch
# SGD on the mean half squared loss of the minibatch `(X, y)`, using the
# explicit update of section 3.1.4, and returns the new `(w, b)`. `w` has
# shape $(d, 1)$, `b` shape $(1,)$, `X` shape $(B, d)$ and `y` shape
# $(B, 1)$ or $(B,)$. Return `w` with shape $(d, 1)$ and `b` with shape
# $(1,)$. NumPy is enough here.

# %% tags=["exercise"] exercise="ch03.sgd_update"
# exercise: ch03.sgd_update
def sgd_update(w, b, X, y, lr):
    """One minibatch SGD step on the mean half squared loss; returns (w, b)."""
    residual = X @ w + b - np.reshape(y, (-1, 1))  # (B, 1): prediction minus label
    batch_size = X.shape[0]
    new_w = w - lr * (X.T @ residual) / batch_size
    new_b = b - lr * residual.sum(axis=0) / batch_size
    return new_w, new_b


# %% tags=["check"]
check("ch03.sgd_update")

# %% [markdown]
# ## 3.2 Synthetic Regression Data
#
# To see whether a training procedure works we need data whose answer we
# know. So we make it: draw features from a standard normal distribution,
# compute labels with chosen "true" parameters, and add a little noise,
#
# $$\mathbf{y} = \mathbf{X}\mathbf{w} + b + \boldsymbol{\epsilon},
# \qquad x_{ij} \sim \mathcal{N}(0, 1), \quad \epsilon_i \sim \mathcal{N}(0, 0.01^2).$$
#
# Following the D2L book we take $\mathbf{w} = [2, -3.4]^\top$, $b = 4.2$,
# noise $0.01$, and 1000 examples each for training and validation.
# `workbook.synthetic.synthetic_regression` does exactly this with NumPy and
# returns `float32` arrays, `X` of shape $(n, d)$ and `y` of shape $(n, 1)$,
# which is what Keras' `fit` expects. A fixed seed makes the data identical on
# every run.

# %%
from workbook.synthetic import synthetic_regression

true_w, true_b = np.array([2.0, -3.4]), 4.2
num_train, num_val = 1000, 1000
features, labels = synthetic_regression(true_w, true_b, num_train + num_val, noise=0.01, seed=0)
X_train, y_train = features[:num_train], labels[:num_train]
X_val, y_val = features[num_train:], labels[num_train:]
print("features:", X_train.shape, X_train.dtype, "| labels:", y_train.shape)
print("first example:", X_train[0], "label:", y_train[0])

# %% [markdown]
# Each row of `X_train` is one example with two features. Plotting the label
# against the second feature shows the linear trend with slope $-3.4$; the
# spread around it comes from the first feature, not from the tiny noise.

# %% tags=["heavy"]
scatter(X_train[:, 1], {"label": y_train[:, 0]}, xlabel="second feature", ylabel="label",
        name="ch03_synthetic_scatter")

# %% [markdown]
# ### 3.2.1 Reading the data in minibatches
#
# Training walks through the data in random minibatches. An epoch shuffles the
# row indices and then cuts them into consecutive pieces of `batch_size`; the
# last piece is smaller when the batch size does not divide the number of
# examples. `workbook.training.minibatches` is this loop as a generator; inside
# `fit`, Keras does the same for us (with `shuffle=True`, its default).

# %%
from workbook.training import minibatches

for X_batch, y_batch in minibatches(X_train, y_train, batch_size=10, seed=0):
    print("one minibatch:", X_batch.shape, y_batch.shape)
    break
sizes = [len(X_batch) for X_batch, _ in minibatches(X_train, y_train, batch_size=32)]
print(f"{len(sizes)} minibatches of 32 per epoch; the last has {sizes[-1]} examples")

# %% [markdown]
# Because the true parameters are known we can already compute the yardstick
# of section 3.1.3: the least-squares fit on the training set, here with
# NumPy's `lstsq` (exercise 3.2 asked for the normal equations). With this
# little noise it should be very close to $[2, -3.4]$ and $4.2$; whatever
# SGD finds below can be compared with it.

# %%
design = np.hstack([X_train, np.ones((num_train, 1), dtype=np.float32)])
least_squares, *_ = np.linalg.lstsq(design.astype(np.float64), y_train.astype(np.float64), rcond=None)
print("least squares: w =", least_squares[:2, 0].round(4), " b =", least_squares[2, 0].round(4))

# %% [markdown]
# ### Summary
#
# * Synthetic data with known parameters lets us test a training procedure.
# * Features $\sim \mathcal{N}(0, 1)$, labels $\mathbf{X}\mathbf{w} + b$ plus
#   Gaussian noise; `float32` arrays, labels as a column $(n, 1)$.
# * An epoch visits every example once, in shuffled minibatches; the last one
#   may be smaller.

# %% [markdown]
# ### Try it
#
# 1. **What the spread in the scatter plot is.** Take away the second
#    feature's part of each label, $y - (-3.4\,x_2)$; what is left is
#    $2x_1 + 4.2$ plus the noise. Predict its standard deviation over the
#    training set (`my_spread`), then run the cell below.
# 2. **Noise against recoverable error.** The cell measures how far least
#    squares lands from the true parameters (the length of the error vector
#    of $(\mathbf{w}, b)$, averaged over 20 independent data sets), first
#    with this section's noise 0.01 and 1000 examples, then with
#    `try_noise` and `try_n`. Predict the ratio of the second error to the
#    first for noise 0.1 and 4000 examples (`my_error_ratio`). How does
#    the error scale with the noise, and how with the number of examples?
# 3. **More accurate than the noise?** Set `try_noise = 1` and compare the
#    printed parameter error with the noise in a single label. How can a
#    fit be more precise than every one of its labels?
# 4. **An epoch that does not divide evenly.** With `try_batch_size = 300`,
#    how many examples does the last minibatch of an epoch over the 1000
#    training examples hold (`my_last_batch`)? A loader that drops
#    incomplete minibatches would skip those examples: does that matter
#    when the data are shuffled every epoch?

# %%
my_spread = None  # question 1
my_error_ratio = None  # question 2
my_last_batch = None  # question 4
try_noise, try_n, try_batch_size = 0.1, 4000, 300

compare_prediction(my_spread, np.std(y_train[:, 0] + 3.4 * X_train[:, 1]), rel_tol=0.1,
                   what="standard deviation of y - (-3.4 x2)")


def least_squares_error(noise_std, num_examples, num_sets=20):
    """Mean distance of the least-squares (w, b) from (true_w, true_b) over fresh data sets."""
    errors = []
    for seed in range(num_sets):
        X, y = synthetic_regression(true_w, true_b, num_examples, noise=noise_std, seed=1000 + seed)
        X_ones = np.hstack([X, np.ones((num_examples, 1))]).astype(np.float64)
        fitted, *_ = np.linalg.lstsq(X_ones, y.astype(np.float64), rcond=None)
        errors.append(np.linalg.norm(fitted[:, 0] - np.append(true_w, true_b)))
    return float(np.mean(errors))


base_error, try_error = least_squares_error(0.01, 1000), least_squares_error(try_noise, try_n)
print(f"parameter error: noise 0.01 with 1000 examples {base_error:.3g},"
      f" noise {try_noise} with {try_n} examples {try_error:.3g}")
compare_prediction(my_error_ratio, try_error / base_error, rel_tol=0.15, what="ratio of the two errors")
try_sizes = [len(X_batch) for X_batch, _ in minibatches(X_train, y_train, batch_size=try_batch_size)]
print(f"batch size {try_batch_size}: {len(try_sizes)} minibatches per epoch")
compare_prediction(my_last_batch, try_sizes[-1], rel_tol=0, what="size of the last minibatch")


# %% [markdown]
# ### Exercise 3.4: a synthetic data generator
#
# Write `synthetic_data(w, b, num_examples, noise=0.01, seed=None)` that
# returns `(X, y)`: `X` of shape $(n, d)$ with entries drawn from
# $\mathcal{N}(0, 1)$, where $d$ is the length of `w` (a list or array), and
# `y = X w + b + noise * N(0, 1)` of shape $(n, 1)$; both `float32`. `noise`
# is the **standard deviation** of the noise. Use `np.random.default_rng(seed)`
# for all the randomness so that the same seed gives the same arrays (and do
# not call `workbook.synthetic`: write it yourself).

# %% tags=["exercise"] exercise="ch03.synthetic_data"
# exercise: ch03.synthetic_data
def synthetic_data(w, b, num_examples, noise=0.01, seed=None):
    """X ~ N(0, 1) of shape (n, d) and y = X w + b + noise of shape (n, 1), float32."""
    raise NotImplementedError("ch03.synthetic_data: write your answer here")


# %% tags=["check"]
check("ch03.synthetic_data")


# %% [markdown]
# ## 3.3 Linear Regression from Scratch
#
# Now we train the model ourselves, with no more help from Keras than we need.
# Three pieces are ours: the **model** (a custom layer that holds $\mathbf{w}$
# and $b$ and computes $\mathbf{X}\mathbf{w} + b$), the **loss** (mean half
# squared error) and the **optimizer** (the SGD update, written out). Keras
# contributes only the plumbing: the functional graph, the epoch and
# minibatch loop of `fit`, and the logs.
#
# ### 3.3.1 The model: a custom layer
#
# A Keras layer that owns parameters subclasses `keras.layers.Layer`. It
# creates its weights in `build`, which Keras calls once it knows the input
# shape, with `self.add_weight`; and it computes its output in `call`, written
# with `keras.ops` so that it works on symbolic inputs (when the functional
# graph is built) and on real tensors alike. Like the D2L book we draw the
# initial weights from $\mathcal{N}(0, 0.01^2)$ and start the bias at zero.

# %%
class LinearRegressionScratch(keras.layers.Layer):
    """The linear model X @ w + b, with w of shape (num_inputs, 1)."""

    def __init__(self, sigma=0.01, **kwargs):
        super().__init__(**kwargs)
        self.sigma = sigma

    def build(self, input_shape):
        num_inputs = input_shape[-1]
        self.w = self.add_weight(
            shape=(num_inputs, 1),
            initializer=keras.initializers.RandomNormal(stddev=self.sigma),
            name="w",
        )
        self.b = self.add_weight(shape=(1,), initializer="zeros", name="b")

    def call(self, X):
        return ops.matmul(X, self.w) + self.b


# %% [markdown]
# ### 3.3.2 Loss and optimizer inside `train_step`
#
# `keras.ops` has no gradient function, but on the torch backend it needs
# none: every Keras variable wraps a `torch.nn.Parameter` (its `.value`), every
# `keras.ops` result is a torch tensor, and torch's autograd differentiates
# through them. So a training step from scratch is:
#
# 1. clear the old gradients (torch *accumulates* gradients across `backward`
#    calls);
# 2. run the model on the minibatch and compute the mean half squared loss;
# 3. `loss.backward()` fills `v.value.grad` for every trainable variable `v`;
# 4. without recording for autograd (`torch.no_grad()`), move every variable
#    against its gradient: $v \leftarrow v - \eta\, \partial L / \partial v$.
#
# Because the loss is the *mean* over the minibatch, its gradient already
# carries the factor $\frac{1}{|\mathcal{B}|}$ of the update formula.
#
# Steps 1, 3 and 4 are the same for every model trained this way, so the
# workbook keeps them in one function, `workbook.scratch.sgd_step(variables,
# loss, lr)`, which chapter 4's classifier uses too. It is short enough to
# read in full:

# %%
import inspect

from workbook.scratch import sgd_step

print(inspect.getsource(sgd_step))


# %% [markdown]
# Keras lets us plug exactly this into `fit` by overriding `train_step` in a
# subclass of `keras.Model`. The subclass is still built functionally, by
# calling it with `inputs` and `outputs`; only the training step is ours.
# `train_step` must return **metric results**: we keep a `keras.metrics.Mean`
# that averages the minibatch losses over the epoch, list it in `metrics` so
# that Keras resets it at the start of each epoch, and return its result.
# (Return the bare loss tensor without such a metric and, with Keras 3.15 on
# torch, the history reads 0.0 for every epoch: Keras reports the loss
# tracker that `compile` created, which this step never updates.) `test_step` does
# the same for validation data, without any update. Two extra hooks,
# `data_loss` and `penalty`, will let section 3.7 add weight decay by
# overriding one method.

# %%
class ScratchRegression(keras.Model):
    """A functionally built model whose train_step runs minibatch SGD by hand."""

    def __init__(self, *args, lr=0.03, **kwargs):
        super().__init__(*args, **kwargs)
        self.lr = lr
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def data_loss(self, y_hat, y):
        """Mean half squared error of a minibatch."""
        return ops.mean((y_hat - y) ** 2) / 2

    def penalty(self):
        """Extra term added to the training objective (none here)."""
        return 0.0

    def train_step(self, data):
        X, y = data
        y_hat = self(X, training=True)
        fit_loss = self.data_loss(y_hat, y)
        sgd_step(self.trainable_weights, fit_loss + self.penalty(), self.lr)
        self.loss_tracker.update_state(fit_loss)
        return {"loss": self.loss_tracker.result()}

    def test_step(self, data):
        X, y = data
        self.loss_tracker.update_state(self.data_loss(self(X, training=False), y))
        return {"loss": self.loss_tracker.result()}


def linear_regression_scratch(num_inputs, lr, sigma=0.01):
    """Input -> LinearRegressionScratch, trained by ScratchRegression's SGD."""
    inputs = keras.Input(shape=(num_inputs,))
    outputs = LinearRegressionScratch(sigma=sigma, name="linear")(inputs)
    model = ScratchRegression(inputs, outputs, lr=lr, name="linear_regression_scratch")
    model.compile()  # no optimizer and no loss: train_step brings its own
    return model


model = linear_regression_scratch(num_inputs=2, lr=0.03)
model.summary()

# %% [markdown]
# Before training, a shape check on a few examples: two features in, one
# prediction out per example.

# %%
print(keras.ops.convert_to_numpy(model(X_train[:3])).shape)

# %% [markdown]
# ### 3.3.3 Training
#
# The D2L book trains this model for 3 epochs with learning rate $0.03$ and
# minibatches of 32, validating on the 1000 held-out examples after every
# epoch. `LivePlot` draws the two loss curves as they come in (in a notebook;
# run as a script it saves the figure).

# %% tags=["heavy"]
set_seed(42)
num_epochs = PROFILE.pick(tiny=2, default=3, full=3)
model = linear_regression_scratch(num_inputs=2, lr=0.03)
history = model.fit(
    X_train,
    y_train,
    batch_size=32,
    epochs=num_epochs,
    validation_data=(X_val, y_val),
    verbose=2,
    callbacks=[LivePlot(["loss", "val_loss"], name="ch03_scratch_training", yscale="log", mock=False)],
)

# %% [markdown]
# Since we made the data, we can compare the learned parameters with the
# true ones.

# %% tags=["heavy"]
w_learned, b_learned = model.get_layer("linear").get_weights()
print("error in w:", true_w - w_learned[:, 0])
print("error in b:", true_b - b_learned)

# %% [markdown]
# For reference, the D2L book printed an error in $\mathbf{w}$ of about
# $[0.14, -0.15]$ and in $b$ of about $0.21$ with these settings; the numbers
# above are this run's. Three epochs of minibatches of 32 are only about a
# hundred steps, and each step closes a fraction of roughly $\eta = 0.03$ of
# the remaining gap, so errors of this size are expected; more epochs (or a
# larger learning rate) bring the parameters as close to the least-squares
# values of section 3.2 as the noise allows. Do not expect to recover the
# true parameters *exactly* even then: the least-squares solution itself
# differs from them, because the data are noisy.
#
# ### Summary
#
# * A custom layer creates its parameters with `add_weight` in `build` and
#   computes with `keras.ops` in `call`; it fits into a functional model like
#   any stock layer.
# * On the torch backend, a training step from scratch is: zero the
#   gradients, compute the loss, `backward()`, update each variable under
#   `torch.no_grad()`.
# * Overriding `train_step` in a `keras.Model` subclass (built functionally)
#   keeps `fit`, its minibatch loop and its logs; return metric results.
# * SGD after a few epochs is close to, not equal to, the true parameters.

# %% [markdown]
# ### Try it
#
# 1. **Learning rate.** Predict what learning rates 0.003, 0.3 and 3 do to
#    the loss curve, then change `try_lr` and run. Which one diverges? For
#    the half squared loss, full-batch gradient descent diverges once
#    $\eta > 2/\lambda_{\max}$, where $\lambda_{\max}$ is the largest
#    eigenvalue of $\mathbf{X}^\top\mathbf{X}/n$ (about 1 here: the features
#    are standard normal). Does your minibatch run agree?
# 2. **Batch size.** Keep `try_lr = 0.03` and try batch sizes 1 and 1000.
#    Which gets closer to the true parameters in 3 epochs, and which is
#    faster per epoch? Why are they not the same number of steps?
# 3. **Initialize to zero** (`try_sigma = 0`). Does linear regression still
#    learn? (Chapter 5 shows why the same choice breaks a network with a
#    hidden layer.)
# 4. **Drop the ½** by overriding `data_loss` to return the mean squared
#    error: which learning rate then reproduces the run with the ½?

# %% tags=["heavy"]
try_lr, try_batch_size, try_sigma = 0.03, 32, 0.01
set_seed(42)
try_model = linear_regression_scratch(num_inputs=2, lr=try_lr, sigma=try_sigma)
try_history = try_model.fit(X_train, y_train, batch_size=try_batch_size, epochs=3, verbose=0)
w_try, b_try = try_model.get_layer("linear").get_weights()
print("loss per epoch:", np.round(try_history.history["loss"], 4))
print("error in w:", true_w - w_try[:, 0], "| error in b:", true_b - b_try)


# %% [markdown]
# ### Exercise 3.5: a linear layer from scratch
#
# Complete the layer `LinearScratch(units, sigma=0.01)`, a dense layer with
# `units` outputs: in `build`, create with `self.add_weight` a trainable
# kernel `W` of shape $(d, \text{units})$, where $d$ is the size of the input's
# **last** axis (like `Dense`, the layer takes inputs of any rank), drawn from
# $\mathcal{N}(0, \sigma^2)$
# (`keras.initializers.RandomNormal(stddev=sigma)`) and a bias `b` of shape
# $(\text{units},)$ initialized to zeros, **in that order**; in `call`, return
# $\mathbf{X}\mathbf{W} + \mathbf{b}$ computed with `keras.ops`. Then write
# `build_scratch_model(num_inputs, units=1, sigma=0.01)` that returns a
# functional model `keras.Input((num_inputs,))` → `LinearScratch` →
# `keras.Model(inputs, outputs)`. Do not use `keras.layers.Dense`.

# %% tags=["exercise"] exercise="ch03.linear_scratch"
# exercise: ch03.linear_scratch
class LinearScratch(keras.layers.Layer):
    """X @ W + b with W ~ N(0, sigma^2) of shape (d, units) and b = 0 of shape (units,)."""

    def __init__(self, units, sigma=0.01, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.sigma = sigma

    def build(self, input_shape):
        normal = keras.initializers.RandomNormal(mean=0.0, stddev=self.sigma)
        self.W = self.add_weight(shape=(input_shape[-1], self.units), initializer=normal, name="W")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, X):
        return ops.add(ops.matmul(X, self.W), self.b)


def build_scratch_model(num_inputs, units=1, sigma=0.01):
    """Functional model: Input((num_inputs,)) -> LinearScratch(units, sigma)."""
    features = keras.Input(shape=(num_inputs,))
    return keras.Model(features, LinearScratch(units, sigma)(features))


# %% tags=["check"]
check("ch03.linear_scratch")


# %% [markdown]
# ### Exercise 3.6: training from scratch, step by step
#
# Write `train_scratch(X, y, w0, b0, lr, num_epochs, batch_size)` that trains
# the linear model $\mathbf{X}\mathbf{w} + b$ with minibatch SGD on the mean
# half squared loss, starting from `w = w0` (shape $(d, 1)$) and `b = b0`
# (shape $(1,)$), and returns `(w, b, losses)`:
#
# * the minibatches are consecutive rows, **in order, without shuffling**:
#   rows `0..batch_size-1`, then the next `batch_size`, and so on; the last
#   minibatch of an epoch may be smaller (its loss is still a mean over *its*
#   rows);
# * each step uses the gradient from torch autograd (no formula, no Keras
#   optimizer) and the update $v \leftarrow v - \eta \nabla_v L$;
# * `losses[e]` is epoch `e`'s average of the minibatch losses, each computed
#   *before* that minibatch's update (what a `keras.metrics.Mean` reports).
#
# The chapter's `ScratchRegression` pattern (a functional model with an
# overridden `train_step`, `model.set_weights`, `fit(..., shuffle=False)`) is
# one way; a plain Python loop over torch tensors with `requires_grad=True` is
# another. Exercise cells only see the setup cell, so define what you need in
# the cell.

# %% tags=["exercise"] exercise="ch03.train_scratch"
# exercise: ch03.train_scratch
def train_scratch(X, y, w0, b0, lr, num_epochs, batch_size):
    X, y = torch.tensor(X), torch.tensor(y).reshape(-1, 1)
    w = torch.tensor(w0, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)
    losses = []
    for epoch in range(num_epochs):
        values = []
        for i in range(0, len(X), batch_size):
            l = ((X[i:i + batch_size] @ w + b - y[i:i + batch_size]) ** 2 / 2).mean()
            l.backward()
            with torch.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
            values.append(l.item())
        losses.append(np.mean(values))
    return w.detach().numpy(), b.detach().numpy(), losses


# %% tags=["check"]
check("ch03.train_scratch")


# %% [markdown]
# ## 3.4 Concise Implementation of Linear Regression
#
# Everything we wrote by hand in section 3.3 exists in Keras, tested and
# fast. The model is one **dense layer** with one output, `Dense(1)`, which
# holds a kernel of shape $(d, 1)$ and a bias of shape $(1,)$: Keras stores a
# dense kernel as (inputs, outputs), the transpose of torch's
# `nn.Linear.weight`. The loss is `keras.losses.MeanSquaredError` and the
# optimizer `keras.optimizers.SGD`. The functional model is three lines, and
# we ask for the D2L book's initialization explicitly, since Keras' default
# kernel initializer is Glorot-uniform.

# %%
def linear_regression_concise(num_inputs, lr):
    """Input -> Dense(1) with N(0, 0.01^2) kernel and zero bias, compiled for SGD on MSE."""
    inputs = keras.Input(shape=(num_inputs,))
    outputs = keras.layers.Dense(
        1,
        kernel_initializer=keras.initializers.RandomNormal(stddev=0.01),
        bias_initializer="zeros",
        name="dense",
    )(inputs)
    model = keras.Model(inputs, outputs, name="linear_regression_concise")
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    return model


# %% [markdown]
# **A factor of 2.** Keras' mean squared error is
# $\frac{1}{|\mathcal{B}|}\sum_i (\hat{y}^{(i)} - y^{(i)})^2$, without the
# $\frac{1}{2}$ of our squared loss (torch's `nn.MSELoss` has none either).
# The minimum is the same, but the gradient is twice as large, so SGD with
# learning rate $\eta$ on the mean squared error takes exactly the steps that
# SGD with learning rate $2\eta$ takes on the half squared loss. The D2L book's
# concise version keeps $\eta = 0.03$ with `nn.MSELoss`, so, like ours, it
# steps twice as far as its from-scratch version.

# %% tags=["heavy"]
set_seed(42)
model = linear_regression_concise(num_inputs=2, lr=0.03)
history = model.fit(
    X_train,
    y_train,
    batch_size=32,
    epochs=num_epochs,
    validation_data=(X_val, y_val),
    verbose=2,
    callbacks=[LivePlot(["loss", "val_loss"], name="ch03_concise_training", yscale="log", mock=False)],
)
w_learned, b_learned = model.get_layer("dense").get_weights()
print("kernel shape:", w_learned.shape)
print("error in w:", true_w - w_learned[:, 0])
print("error in b:", true_b - b_learned)

# %% [markdown]
# With the doubled effective step the errors should come out smaller than in
# section 3.3 after the same number of epochs; compare the two printouts.
# The logged losses are mean squared errors, twice the half squared loss, so
# compare them with section 3.3's after halving. Predictions for new inputs
# come from `model.predict`, which returns a NumPy array (calling
# `model(x)` directly returns a torch tensor that is still attached to
# autograd).

# %% tags=["heavy"]
print(model.predict(X_val[:3], verbose=0)[:, 0], "vs labels", y_val[:3, 0])

# %% [markdown]
# ### Summary
#
# * `keras.Input` → `keras.layers.Dense(1)` → `keras.Model` is linear
#   regression; `compile(optimizer=SGD(lr), loss="mse")` and `fit` train it.
# * A Dense kernel has shape (inputs, outputs); set `kernel_initializer` to
#   reproduce an initialization from the literature.
# * Keras' mean squared error has no $\frac{1}{2}$: at the same learning rate
#   it steps twice as far as the half squared loss.

# %% [markdown]
# ### Try it
#
# 1. **Outliers.** The cell below adds 50 to a random 5% of the training
#    labels, then trains the concise model twice on them: once on the mean
#    squared error and once on `keras.losses.Huber(delta)`, which is
#    $\frac{1}{2}e^2$ for an error $|e| \le \delta$ and grows only linearly
#    beyond. Which of the two lands closer to the true parameters? Write
#    `"mse"` or `"huber"` in `my_choice` and run.
# 2. **Clean data.** Set `outlier_fraction = 0` and answer again. What does
#    the Huber loss cost when there are no outliers?
# 3. **A large learning rate.** With the outliers back, set `try_lr = 1.0`.
#    Does either run blow up? The gradient of the Huber loss with respect to
#    one prediction is never larger than $\delta$ in size; that of the
#    squared error grows with the error. Then, on clean data, look for the
#    learning rate at which the mean squared error starts to diverge and
#    compare it with the one you found for the half squared loss in the Try
#    it of section 3.3: the factor of 2 again.
# 4. **Huber's knob.** What does the Huber loss become with `delta = 100`
#    (compare $\delta$ with the largest error in this problem), and at which
#    learning rate would its run repeat the mean-squared-error run step for
#    step?

# %% tags=["heavy"]
my_choice = None  # questions 1 and 2: "mse" or "huber"
outlier_fraction, try_lr, delta = 0.05, 0.1, 1.0
outlier_rng = np.random.default_rng(3)
y_outliers = (y_train + 50.0 * (outlier_rng.random(y_train.shape) < outlier_fraction)).astype("float32")
parameter_errors = {}
for loss_name, loss in [("mse", "mse"), ("huber", keras.losses.Huber(delta=delta))]:
    set_seed(42)
    try_model = linear_regression_concise(num_inputs=2, lr=try_lr)
    try_model.compile(optimizer=keras.optimizers.SGD(learning_rate=try_lr), loss=loss)  # another loss
    try_model.fit(X_train, y_outliers, batch_size=32, epochs=num_epochs, verbose=0)
    w_try, b_try = try_model.get_layer("dense").get_weights()
    error = float(np.linalg.norm(np.append(w_try[:, 0] - true_w, b_try - true_b)))
    parameter_errors[loss_name] = error if np.isfinite(error) else float("inf")
    print(f"{loss_name:5s}: w {w_try[:, 0].round(3)}, b {b_try.round(3)}, distance from the truth {error:.3g}")
compare_choice(my_choice, min(parameter_errors, key=parameter_errors.get), options=["mse", "huber"],
               what="loss that lands closer to the true parameters")


# %% [markdown]
# ### Exercise 3.7: Huber's robust loss, from the formula
#
# The Try it above hands `keras.losses.Huber(delta)` to `compile`. Write
# that loss yourself, from its formula, with `keras.ops`:
# `robust_loss(y_true, y_pred, delta=1.0)`. For a residual
# $r = \hat{y} - y$ (prediction minus label),
#
# $$l_\delta(r) = \begin{cases} \frac{1}{2} r^2 & \text{if } |r| \le \delta, \\
#   \delta \left(|r| - \frac{1}{2}\delta\right) & \text{otherwise.} \end{cases}$$
#
# * **Shapes.** `y_pred` has shape $(n, k)$: $n$ examples with $k$ outputs
#   each. `y_true` has the same shape or, when $k = 1$, may be a flat vector
#   of shape $(n,)$. Return one loss per example, the mean of $l_\delta$
#   over the last axis: shape $(n,)$, as Keras' own loss functions do
#   (`compile` then averages over the batch). Outputs with more axes, such as
#   $(n, t, k)$ for a sequence, give the mean over the last axis too, of
#   shape $(n, t)$. So
#   `loss=lambda y, p: robust_loss(y, p, delta)` can stand in for
#   `keras.losses.Huber(delta=delta)` in the Try it's cell.
# * **Differentiable.** Training differentiates the loss with respect to
#   `y_pred`, so compute on the given tensors with `keras.ops`. Question 3
#   of the Try it claims that this gradient, entry by entry, is never larger
#   than $\delta$ in size (before the mean's $\frac{1}{k}$): yours must
#   show it.
# * **Every float32 residual.** The value and the gradient stay finite and
#   right for residuals of any size float32 can hold, up to about
#   $3 \cdot 10^{38}$, next to residuals of $10^{-3}$ in the same call. A
#   branch that `ops.where` does not pick is still computed, and autograd
#   still differentiates it.
# * Write it yourself: no Keras or torch Huber or smooth-L1 loss (the
#   grader reads your cell for `Huber`, `huber`, `huber_loss`, `HuberLoss`,
#   `smooth_l1_loss`, `SmoothL1Loss`, so give your own helpers other names).

# %% tags=["exercise"] exercise="ch03.huber_loss"
# exercise: ch03.huber_loss
def robust_loss(y_true, y_pred, delta=1.0):
    """Huber's loss of each example: the mean over the last axis of l_delta(y_pred - y_true), shape (n,)."""
    y_pred = ops.convert_to_tensor(y_pred)
    residual = y_pred - ops.reshape(y_true, ops.shape(y_pred))  # a flat y_true becomes a column
    size = ops.abs(residual)
    # One formula for both branches: the quadratic part only ever sees min(|r|, delta), so
    # neither it nor its gradient overflows for a huge residual (ops.where(|r| <= delta,
    # r**2 / 2, ...) computes r**2 / 2 and its gradient there too: inf, then 0 * inf = NaN).
    inner = ops.minimum(size, delta)
    return ops.mean(0.5 * ops.square(inner) + delta * (size - inner), axis=-1)


# %% tags=["check"]
check("ch03.huber_loss")


# %% [markdown]
# ### Exercise 3.8: the factor of 2, in practice
#
# Write `fit_concise(X, y, w0, b0, lr, num_epochs, batch_size)` that uses only
# stock Keras (a functional model with `Dense(1)`, `compile` with
# `keras.optimizers.SGD` and the loss `"mse"`, then `fit`) to reproduce
# **exactly** the run of exercise 3.6: SGD with learning rate `lr` on the
# *half* squared loss, from `w0` (shape $(d, 1)$) and `b0` (shape $(1,)$),
# minibatches in order without shuffling. Return the final `(w, b)` with
# shapes $(d, 1)$ and $(1,)$. Hint: which learning rate must `SGD` get?

# %% tags=["exercise"] exercise="ch03.fit_concise"
# exercise: ch03.fit_concise
def fit_concise(X, y, w0, b0, lr, num_epochs, batch_size):
    """Stock Dense(1) + SGD + "mse" reproducing half-squared-loss SGD at lr; returns (w, b)."""
    raise NotImplementedError("ch03.fit_concise: write your answer here")


# %% tags=["check"]
check("ch03.fit_concise")

# %% [markdown]
# ## 3.5 Generalization
#
# A student who memorizes last year's exam answers can score perfectly on
# last year's exam and fail this year's. A model can do the same: drive the
# loss on its training data to nearly zero and still predict new data badly.
# What we want is not a small training loss but small loss on data the model
# has not seen. This section gives the vocabulary; sections 3.6–3.8 put it to
# work.
#
# ### 3.5.1 Training error and generalization error
#
# The **training error** is the average loss over the training set, the
# empirical risk
#
# $$R_{\mathrm{emp}}[\mathbf{X}, \mathbf{y}, f] = \frac{1}{n}\sum_{i=1}^n l\left(\mathbf{x}^{(i)}, y^{(i)}, f(\mathbf{x}^{(i)})\right).$$
#
# The **generalization error** is the loss we would expect on an endless
# stream of fresh examples drawn from the same distribution $p(\mathbf{x}, y)$
# as the training data, the population risk
#
# $$R[p, f] = E_{(\mathbf{x}, y) \sim p}\left[l(\mathbf{x}, y, f(\mathbf{x}))\right]
# = \int\int l(\mathbf{x}, y, f(\mathbf{x}))\, p(\mathbf{x}, y)\, d\mathbf{x}\, dy.$$
#
# We never know $p$, so we can never compute $R$; we estimate it with the
# average loss on a **test set** of examples that played no part in training.
# The whole argument rests on one assumption: training and test examples are
# drawn **independently from the same distribution** (IID). When the world
# changes between training and deployment (chapter 4 discusses this
# distribution shift), no estimate made on old data is safe.
#
# Why is the training error an optimistic estimate? Because the parameters
# were chosen to make exactly that number small: part of what the model
# learned is the noise of this particular sample. For least-squares linear
# regression with $p$ parameters and Gaussian noise of variance $\sigma^2$
# this can be made precise: the expected training error is
# $\sigma^2 (n - p) / n$, *below* the noise level $\sigma^2$ that even the
# true parameters cannot beat, while the error on new data is above it. The
# cell below measures both for a 10-feature problem with noise variance 1, by
# fitting on $n$ examples and testing on 20,000 fresh ones.

# %%
num_features, noise = 10, 1.0
w_star = np.linspace(-1, 1, num_features)
X_fresh, y_fresh = synthetic_regression(w_star, 0.5, 20000, noise=noise, seed=1)


def with_ones(X):
    return np.hstack([X, np.ones((len(X), 1))]).astype(np.float64)


print(" n    train MSE   sigma^2 (n-p)/n   test MSE")
for n in [12, 15, 20, 50, 200, 1000]:
    X_small, y_small = synthetic_regression(w_star, 0.5, n, noise=noise, seed=100 + n)
    coef, *_ = np.linalg.lstsq(with_ones(X_small), y_small, rcond=None)
    train_mse = np.mean((with_ones(X_small) @ coef - y_small) ** 2)
    test_mse = np.mean((with_ones(X_fresh) @ coef - y_fresh) ** 2)
    p = num_features + 1
    print(f"{n:4d}   {train_mse:9.3f}   {noise**2 * (n - p) / n:15.3f}   {test_mse:9.3f}")

# %% [markdown]
# Each row is a single random sample, and one row breaks the pattern: at
# $n = 15$ the training error is more than twice the formula's value, and
# the test error is *lower* than at $n = 20$. Is the formula wrong there, or
# is the sample unusual? Repeating every row on many independent samples
# answers it. The fresh inputs are $\mathcal{N}(0, I)$, so the expected
# squared error of fitted parameters on new data is exactly
# $\sigma^2 + \|\hat{\mathbf{w}} - \mathbf{w}^*\|^2 + (\hat{b} - b^*)^2$,
# which we use instead of a test set.

# %%
num_draws = 1000
truth = np.append(w_star, 0.5)
draws = np.random.default_rng(7)
print(" n   mean train MSE   sigma^2 (n-p)/n   spread (std) of one draw   median test MSE")
for n in [12, 15, 20, 50, 200, 1000]:
    X_many = np.concatenate([draws.normal(size=(num_draws, n, num_features)),
                             np.ones((num_draws, n, 1))], axis=2)
    y_many = X_many @ truth[:, None] + noise * draws.normal(size=(num_draws, n, 1))
    # Least squares for all samples at once, by the normal equations.
    coefs = np.linalg.solve(np.swapaxes(X_many, 1, 2) @ X_many, np.swapaxes(X_many, 1, 2) @ y_many)
    train_mses = np.mean((X_many @ coefs - y_many) ** 2, axis=(1, 2))
    test_mses = noise**2 + np.sum((coefs[:, :, 0] - truth) ** 2, axis=1)
    p = num_features + 1
    print(f"{n:4d}   {train_mses.mean():12.3f}   {noise**2 * (n - p) / n:15.3f}"
          f"   {train_mses.std():22.3f}   {np.median(test_mses):15.3f}")

# %% [markdown]
# Averaged over a thousand samples the training error matches
# $\sigma^2 (n - p)/n$ at every $n$: the formula holds, and the $n = 15$ row
# above is an unusual draw, not a failure of it. With $n - p = 4$ residual
# degrees of freedom a single sample's training error is very noisy (its
# spread is more than half its mean), so a draw about two spreads above the
# mean is uncommon but not suspicious; and its test error happened to fall below
# the median of its row. The median test error falls steadily with $n$, but
# near $n = p$ it is several times the noise level: with barely more
# equations than unknowns the fitted weights are dominated by noise. Two
# lessons: the training error is optimistic *on average*, and one sample of
# a few examples can mislead in either direction, which is exactly why
# section 3.5.4 averages over folds.
#
# ### 3.5.2 Underfitting, overfitting and model complexity
#
# Two things decide how large the gap between the two errors is:
#
# * **model complexity**: a model class that can express more functions (more
#   parameters, or parameters allowed to take larger values) can fit more of
#   the noise;
# * **the amount of data**: the more examples, the harder it is to fit their
#   noise and the closer the training error is to the generalization error.
#
# A model whose *training* error is high, about as high as its validation
# error, is **underfitting**: it is too simple to capture the pattern, and
# more capacity would help. A model whose training error is much lower than
# its validation error is **overfitting**: it has learned features of the
# sample that do not carry over. Overfitting is not bad in itself (the
# largest networks often have training error near zero); what we care about is
# the validation error, and the remedies for the gap are more data and
# regularization (section 3.7).
#
# ### 3.5.3 Model selection and the validation set
#
# Choosing among models, or among settings of a model's hyperparameters, is
# **model selection**. It must not be done on the test set: every decision
# based on the test error leaks information about the test set into the model,
# and the test error stops being an honest estimate. The standard practice is
# a three-way split: a **training set** to fit the parameters, a **validation
# set** to compare models and choose hyperparameters, and a **test set** used
# once, at the very end. (Much of the literature, the D2L book's code
# included, says "test" where it means "validation"; we do too when the
# distinction does not matter.)
#
# ### 3.5.4 K-fold cross-validation
#
# When data are scarce, holding out a large validation set is expensive.
# **K-fold cross-validation** uses every example for both jobs: split the
# training data into $K$ disjoint folds; for $i = 1, \dots, K$, train on all
# folds but the $i$-th and validate on the $i$-th; average the $K$
# validation errors. $K = 5$ or $10$ is common. It costs $K$ trainings per
# candidate model. Once the best hyperparameters are chosen, the usual final
# step is to retrain on all the training data with them. Section 3.8 does
# this.
#
# ### Summary
#
# * The training error underestimates the generalization error; a held-out
#   set estimates the latter, under the IID assumption.
# * Underfitting: training error high. Overfitting: training error much lower
#   than validation error. Complexity up or data down widens the gap.
# * Choose models on a validation set (or by K-fold cross-validation), never
#   on the test set.

# %% [markdown]
# ### Try it
#
# 1. **Predict, then measure.** Before running the cell below, write down
#    the average training error of least squares with $p = 6$ parameters
#    (5 features and a bias) on $n = 8$ examples with noise variance
#    $\sigma^2 = 4$. Put your number in `my_prediction` and run: the cell
#    measures it over many samples and tells you how close you were.
# 2. Set `n_try` equal to `p_try`. What training error does the formula predict,
#    and what does a least-squares fit with as many parameters as examples
#    do to the training set? Run it and explain the test error.
# 3. The formula assumes the model class contains the truth. Fit only the
#    first 3 of the 5 features (drop columns of `X`): is the training error
#    still $\sigma^2 (n-p)/n$? Which term has been added?

# %%
my_prediction = None  # your number for question 1
n_try, num_features_try, noise_var = 8, 5, 4.0
p_try = num_features_try + 1
try_rng = np.random.default_rng(11)
X_try = np.concatenate([try_rng.normal(size=(2000, n_try, num_features_try)),
                        np.ones((2000, n_try, 1))], axis=2)
y_try = X_try @ np.ones((p_try, 1)) + np.sqrt(noise_var) * try_rng.normal(size=(2000, n_try, 1))
coefs_try = np.stack([np.linalg.lstsq(X, y, rcond=None)[0] for X, y in zip(X_try, y_try)])
measured = float(np.mean((X_try @ coefs_try - y_try) ** 2))
print(f"formula sigma^2 (n-p)/n = {noise_var * (n_try - p_try) / n_try:.3f}")
compare_prediction(my_prediction, measured, rel_tol=0.1, what="average training MSE")

# %% [markdown]
# ## 3.6 Polynomial Regression: Underfitting and Overfitting
#
# To see under- and overfitting in action we need a family of models of
# growing complexity. Polynomials of growing degree are the classic choice,
# and fitting them is still linear regression: the features are the powers of
# one scalar $x$.
#
# ### 3.6.1 The data
#
# Following the D2L book, the labels come from a cubic polynomial plus noise,
#
# $$y = 5 + 1.2x - 3.4\frac{x^2}{2!} + 5.6\frac{x^3}{3!} + \epsilon,
# \qquad x \sim \mathcal{N}(0, 1), \quad \epsilon \sim \mathcal{N}(0, 0.1^2),$$
#
# and the features are $x^i / i!$ for $i = 0, \dots, 19$: 20 columns, of
# which the true model uses the first four (column 0, all ones, plays the
# bias). Dividing by $i!$ keeps the columns on comparable scales; without it,
# $x^{19}$ for $x = 3$ would be about $10^9$ and no single learning rate
# would suit every weight. `workbook.synthetic.polynomial_data` draws 100
# training and 100 test examples.

# %%
from workbook.synthetic import polynomial_data

poly_train, poly_test, poly_y_train, poly_y_test = polynomial_data(
    coefficients=(5.0, 1.2, -3.4, 5.6), max_degree=20, num_train=100, num_test=100, noise=0.1, seed=1
)
print(poly_train.shape, poly_test.shape)
print("first example, first 4 features:", poly_train[0, :4], "label:", poly_y_train[0])

# %% [markdown]
# ### 3.6.2 Training and testing
#
# The model is `Dense(1, use_bias=False)` on the first `k` feature columns
# (the bias is column 0), trained with SGD on the mean squared error with
# the D2L book's settings (the same in both editions): learning rate
# $0.01$, minibatches of 10, 400 epochs (10 in the tiny profile). We log the
# test loss after every epoch and draw both curves on a log scale.
#
# These runs take thousands of tiny steps, and on the torch backend most of
# a tiny step's time is Keras' fixed work per step, not arithmetic. From
# here on the chapter builds its models with `workbook.fastfit.FastModel`,
# a `keras.Model` whose `fit` runs the same training with less work per
# step; everything you write stays `keras.Model`.

# %%
from workbook.fastfit import FastModel


def fit_polynomial(num_columns, train_features, train_labels, num_epochs, name):
    """Fit Dense(1, no bias) on the first num_columns features; return the trained model."""
    inputs = keras.Input(shape=(num_columns,))
    outputs = keras.layers.Dense(1, use_bias=False, name="dense")(inputs)
    model = FastModel(inputs, outputs, name=f"polynomial_{num_columns}")
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="mse")
    model.fit(
        train_features[:, :num_columns],
        train_labels,
        batch_size=min(10, len(train_labels)),
        epochs=num_epochs,
        validation_data=(poly_test[:, :num_columns], poly_y_test),
        verbose=0,
        callbacks=[LivePlot(["loss", "val_loss"], name=name, yscale="log", every=20, mock=False)],
    )
    train_loss = model.evaluate(train_features[:, :num_columns], train_labels, verbose=0)
    test_loss = model.evaluate(poly_test[:, :num_columns], poly_y_test, verbose=0)
    print(f"{num_columns} features: train loss {train_loss:.4f}, test loss {test_loss:.4f}")
    print("learned weights:", model.get_layer("dense").get_weights()[0][:, 0].round(3))
    return model


poly_epochs = PROFILE.pick(tiny=10, default=400, full=400)

# %% [markdown]
# **Third-order polynomial (normal).** With the first four columns the model
# class contains the truth. The learned weights should approach
# $[5, 1.2, -3.4, 5.6]$ and both losses the noise variance $0.01$, given
# enough epochs. How many is enough? Gradient descent on a squared loss
# shrinks the error along each eigenvector of $\mathbf{X}^\top\mathbf{X}/n$
# by a factor of about $1 - 2\eta\lambda$ per step (the 2 because Keras' MSE
# has no $\frac{1}{2}$), so the direction of the *smallest* eigenvalue
# $\lambda_{\min}$ sets the pace: about $1/(2\eta\lambda_{\min})$ steps per
# factor of $e$.

# %%
poly_gram = poly_train[:, :4].astype(np.float64)
lambda_min = np.linalg.eigvalsh(poly_gram.T @ poly_gram / len(poly_gram)).min()
epochs_per_e = 1 / (2 * 0.01 * lambda_min) / np.ceil(len(poly_train) / 10)
print(f"smallest eigenvalue {lambda_min:.3f}: about {epochs_per_e:.0f} epochs per factor of e;"
      f" this profile trains {poly_epochs} epochs, {poly_epochs / epochs_per_e:.1f} of them")

# %% tags=["heavy"]
set_seed(42)
fit_polynomial(4, poly_train, poly_y_train, poly_epochs, "ch03_poly_cubic")

# %% [markdown]
# Compare the printed weights with $[5, 1.2, -3.4, 5.6]$. The first weights
# settle quickly; the last ones, along the slow direction, are the ones
# still on their way after too few epochs. With 400 epochs (about five
# factors of $e$, which leaves under 1% of the starting error along the slow
# direction) the losses should sit near the noise level $0.01$. The tiny
# profile's 10 epochs are a fraction of one factor of $e$: its losses are
# far above the noise and its weights far from the truth, which is a fit
# that has not converged, not underfitting. Before you call a model too
# simple, make sure its training loss has stopped falling.

# %% [markdown]
# **Linear function (underfitting).** With two columns (bias and $x$) the
# model is a straight line, which cannot bend to follow a cubic. Both losses
# stay far above the noise level, however long we train: more epochs do not
# help an underfitting model, more capacity does.

# %% tags=["heavy"]
set_seed(42)
fit_polynomial(2, poly_train, poly_y_train, poly_epochs, "ch03_poly_linear")

# %% [markdown]
# **All 20 columns (too many features).** Now 16 of the 20 weights should be
# zero. The D2L book presents this run as overfitting, but with 100
# examples and 20 weights the outcome depends on the draw: some runs
# overfit clearly, others end with train and test losses about equal. Look
# at what this run printed before deciding, and compare it with the closed-form fit
# below. Why is SGD so much tamer than the exact fit? The $i!$ scaling: the
# high-order columns are tiny for typical $x$, so are their gradients, and
# SGD barely moves their weights away from the initial values. (The last
# printed weights of this run and of the "too few examples" run further down
# start from the same seed; compare them.) Stopping SGD early is itself a
# form of regularization.

# %% tags=["heavy"]
set_seed(42)
fit_polynomial(20, poly_train, poly_y_train, poly_epochs, "ch03_poly_all_features")

# %% [markdown]
# The exact least-squares fit has no such brake. Solving for the best weights
# of every degree in closed form (cheap here) shows the textbook picture: the
# training error can only go down as columns are added (a larger model class
# contains the smaller one, so its best fit is at least as good), while the
# test error is smallest near the true degree and grows, for the highest
# degrees enormously, beyond it.

# %%
degrees = np.arange(1, 21)


def least_squares_by_columns(train_features, train_labels, test_features, test_labels):
    """Train and test MSE of the exact least-squares fit on the first k columns, for k in degrees."""
    train_errors, test_errors = [], []
    for k in degrees:
        coef, *_ = np.linalg.lstsq(train_features[:, :k].astype(np.float64), train_labels, rcond=None)
        train_errors.append(np.mean((train_features[:, :k] @ coef - train_labels) ** 2))
        test_errors.append(np.mean((test_features[:, :k] @ coef - test_labels) ** 2))
    return train_errors, test_errors


# %% tags=["heavy"]
train_errors, test_errors = least_squares_by_columns(poly_train, poly_y_train, poly_test, poly_y_test)
for k, train_error, test_error in zip(degrees, train_errors, test_errors):
    print(f"{k:2d} columns: train {train_error:10.4g}   test {test_error:10.4g}")
plot(degrees, {"train": train_errors, "test": test_errors}, xlabel="number of feature columns",
     ylabel="mean squared error", yscale="log", name="ch03_poly_least_squares")

# %% [markdown]
# **Too few examples.** Overfitting also appears when the data are scarce for
# the model's size. Here the 20-column model sees only the first 10 training
# examples, against the same 100 test examples.

# %% tags=["heavy"]
set_seed(42)
fit_polynomial(20, poly_train[:10], poly_y_train[:10], poly_epochs, "ch03_poly_few_examples")

# %% [markdown]
# ### Summary
#
# * Polynomial regression is linear regression on the features $x^i / i!$;
#   the degree sets the model's complexity.
# * Too few features: high training and test loss (underfitting). The right
#   features: both near the noise level.
# * Too many features or too few examples: the training loss drops below the
#   test loss (overfitting); how much depends on the optimizer too, because
#   SGD stopped early does not reach the exact least-squares fit.
# * Only trust what was measured: the 20-feature SGD run here overfits far
#   less than the closed-form fit of the same model.

# %% [markdown]
# ### Try it
#
# 1. **Which degree wins?** The cell below draws `n_try` training examples
#    from the same cubic, fits every number of columns $k = 1, \dots, 20$
#    (degree $k - 1$) exactly by least squares and measures the test error
#    on 1000 fresh examples. The winner is the fewest columns whose test
#    error is within 10% of the best one (a larger model that ties with it
#    wins nothing but noise). Predict it for `n_try = 100`, write it in
#    `my_columns` and run.
# 2. **Data size.** Predict the winner again for `n_try = 10` and for
#    `n_try = 1000`, then measure. With 10 examples and more than 10
#    columns there are more unknowns than equations: what does
#    `np.linalg.lstsq` return then, and what is its training error?
# 3. **Noise.** Raise `noise_try` from 0.1 to 3 and lower `n_try` to 20,
#    and run a few values of `seed_try`. Does the winner ever move to a
#    simpler model than the truth? How can a polynomial of lower degree than
#    the truth predict better than the true degree?
# 4. **One draw or many?** Change `seed_try` and run again at each data
#    size: how stable is the winner from one sample of the data to the
#    next, and how stable is its test error?

# %%
my_columns = None  # questions 1 and 2: the number of columns that wins
n_try, noise_try, seed_try = 100, 0.1, 3
try_train, try_test, try_y_train, try_y_test = polynomial_data(
    coefficients=(5.0, 1.2, -3.4, 5.6), max_degree=20, num_train=n_try, num_test=1000, noise=noise_try, seed=seed_try
)
_, try_test_errors = least_squares_by_columns(try_train, try_y_train, try_test, try_y_test)
winner = int(degrees[np.argmax(np.array(try_test_errors) <= 1.1 * min(try_test_errors))])
print(f"{n_try} training examples, noise {noise_try}: test MSE by number of columns")
for first in range(0, len(degrees), 5):
    print("   ".join(f"{k:2d}: {error:9.4g}" for k, error in zip(degrees[first:first + 5], try_test_errors[first:])))
compare_choice(my_columns, winner, options=degrees.tolist(), what="winning number of columns")

# %% [markdown]
# ### Exercise 3.9: polynomial features
#
# Write `poly_features(x, max_degree)` that returns the matrix of features
# $x^i / i!$ for $i = 0, 1, \dots, \text{max\_degree} - 1$: shape
# $(n, \text{max\_degree})$, one row per example, column 0 all ones. `x` is a
# NumPy array of shape $(n,)$ or $(n, 1)$. Use NumPy and `math.factorial` (or
# `math.gamma(i + 1)`), and do not call `workbook.synthetic`.

# %% tags=["exercise"] exercise="ch03.poly_features"
# exercise: ch03.poly_features
import math


def poly_features(x, max_degree):
    """Columns x**i / i! for i = 0 .. max_degree - 1, shape (n, max_degree)."""
    column = np.asarray(x, dtype=np.float64).reshape(-1, 1)
    factorials = np.array([math.factorial(i) for i in range(max_degree)], dtype=np.float64)
    return column ** np.arange(max_degree) / factorials


# %% tags=["check"]
check("ch03.poly_features")

# %% [markdown]
# ## 3.7 Weight Decay
#
# More data would cure overfitting, but data are often expensive or simply
# unavailable. Fewer features would too, but dropping features is a blunt
# instrument: with $d$ features there are $\binom{d + k - 1}{k}$ monomials of
# degree $k$, so the number of polynomial models explodes. We need a finer
# knob for complexity. **Weight decay**, also called $\ell_2$
# regularization, is the most widely used one.
#
# ### 3.7.1 Norms and weight decay
#
# The idea: among functions that fit the data about equally well, prefer the
# one with small weights, because small weights mean a function that does not
# react violently to small changes in the input. "Small" is measured with a
# norm; the squared $\ell_2$ norm $\|\mathbf{w}\|^2 = \sum_j w_j^2$ is the
# usual choice. We add it to the loss with a strength $\lambda \ge 0$:
#
# $$L(\mathbf{w}, b) + \frac{\lambda}{2}\|\mathbf{w}\|^2.$$
#
# With $\lambda = 0$ nothing changes; as $\lambda \to \infty$ the weights are
# forced to zero. The $\frac{1}{2}$ is again for a clean derivative, and the
# square (rather than the norm itself) makes the penalty easy to
# differentiate and spreads the shrinkage over all weights. (A common slip
# writes the penalty as $\frac{\lambda}{2}\|\mathbf{w}\|$, without the square;
# that is a different, non-smooth penalty.) The bias is usually **not** penalized:
# it only shifts the output and says nothing about how sharply the function
# varies.
#
# Minibatch SGD on the penalized loss gives
#
# $$\mathbf{w} \leftarrow (1 - \eta\lambda)\,\mathbf{w} - \frac{\eta}{|\mathcal{B}|}
# \sum_{i \in \mathcal{B}} \mathbf{x}^{(i)}\left(\mathbf{w}^\top\mathbf{x}^{(i)} + b - y^{(i)}\right):$$
#
# each step first shrinks the weights by the factor $1 - \eta\lambda$, hence
# the name weight *decay*, then takes the ordinary gradient step. The $\ell_1$
# penalty $\lambda\sum_j |w_j|$ instead pushes weights all the way to zero and
# so selects features; the $\ell_2$ penalty shrinks all of them, and large
# ones most.
#
# ### 3.7.2 A high-dimensional example
#
# To provoke overfitting we use few examples and many features, as in the
# D2L book: 200 features, only 20 training examples and 100 validation
# examples, minibatches of 5, and labels
#
# $$y = 0.05 + \sum_{i=1}^{200} 0.01\, x_i + \epsilon, \qquad \epsilon \sim \mathcal{N}(0, 0.01^2).$$

# %%
num_inputs, num_decay_train, num_decay_val = 200, 20, 100
decay_features, decay_labels = synthetic_regression(
    np.full(num_inputs, 0.01), 0.05, num_decay_train + num_decay_val, noise=0.01, seed=2
)
Xd_train, yd_train = decay_features[:num_decay_train], decay_labels[:num_decay_train]
Xd_val, yd_val = decay_features[num_decay_train:], decay_labels[num_decay_train:]
print(Xd_train.shape, Xd_val.shape)


# %% [markdown]
# With 201 parameters and 20 equations, infinitely many weight vectors fit
# the training set exactly, and almost all of them are far from the true
# $\mathbf{w}$.
#
# ### 3.7.3 Implementation from scratch
#
# From scratch, weight decay is one extra term in the objective. We subclass
# section 3.3's `ScratchRegression` and override its `penalty` hook; autograd
# takes care of the gradient $\lambda\mathbf{w}$. The logged losses stay the
# plain half squared error, so that the training and validation curves
# measure the same thing.

# %%
class WeightDecayScratch(ScratchRegression):
    """ScratchRegression whose objective adds lambd / 2 * ||w||^2 (the bias is not penalized)."""

    def __init__(self, *args, lambd=0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.lambd = lambd

    def penalty(self):
        w = self.get_layer("linear").w
        return self.lambd * ops.sum(w * w) / 2


def weight_decay_scratch(num_inputs, lambd, lr, sigma):
    inputs = keras.Input(shape=(num_inputs,))
    outputs = LinearRegressionScratch(sigma=sigma, name="linear")(inputs)
    model = WeightDecayScratch(inputs, outputs, lambd=lambd, lr=lr, name=f"weight_decay_{lambd}")
    model.compile()
    return model


# %% [markdown]
# The hyperparameters are those of the D2L book's older edition (release
# 0.17, 2022, in its PyTorch code): weights initialized from
# $\mathcal{N}(0, 1)$ (large on purpose, so that there is something to
# decay), learning rate $0.003$, 100 epochs. (The current edition, release
# 1.0 of 2023, starts from $\mathcal{N}(0, 0.01^2)$ and trains for 10 epochs
# with learning rate 0.01, which shows the same effect less dramatically.)

# %%
decay_epochs = PROFILE.pick(tiny=10, default=100, full=100)


def train_weight_decay(lambd):
    set_seed(42)
    model = weight_decay_scratch(num_inputs, lambd=lambd, lr=0.003, sigma=1.0)
    model.fit(
        Xd_train,
        yd_train,
        batch_size=5,
        epochs=decay_epochs,
        validation_data=(Xd_val, yd_val),
        verbose=0,
        callbacks=[LivePlot(["loss", "val_loss"], name=f"ch03_weight_decay_{lambd}", yscale="log", every=5,
                            mock=False)],
    )
    w = model.get_layer("linear").get_weights()[0]
    train_loss = model.evaluate(Xd_train, yd_train, verbose=0)
    val_loss = model.evaluate(Xd_val, yd_val, verbose=0)
    print(f"lambda {lambd}: L2 norm of w {np.linalg.norm(w):.4f}, "
          f"train loss {train_loss:.4g}, validation loss {val_loss:.4g}")
    return model


# %% [markdown]
# **No regularization** ($\lambda = 0$): the training loss falls towards
# zero, the validation loss does not follow. That is overfitting in its
# clearest form.

# %% tags=["heavy"]
train_weight_decay(0)

# %% [markdown]
# **With weight decay** ($\lambda = 3$): the training loss can no longer be
# pushed to zero, because the penalty holds the weights back, but the
# validation loss drops well below the unregularized run's, and so does the
# norm of $\mathbf{w}$. Compare the two printed lines.

# %% tags=["heavy"]
train_weight_decay(3)


# %% [markdown]
# (The D2L book's current edition prints "L2 norm of w" for the same
# experiment, but the number it prints is $\frac{1}{2}\|\mathbf{w}\|^2$, the
# penalty, not the norm. We print the norm.)
#
# ### 3.7.4 Concise implementation
#
# Keras offers two routes to weight decay, and they differ in details worth
# knowing.
#
# **A regularizer on the layer.** `Dense(1, kernel_regularizer=...)` adds a
# penalty on the kernel to the training loss (and only on the kernel, unless
# a `bias_regularizer` is given too). Keras' `L2(l)` adds
# $l \sum_j w_j^2$, with no $\frac{1}{2}$, so the D2L penalty
# $\frac{\lambda}{2}\|\mathbf{w}\|^2$ is `keras.regularizers.L2(lambd / 2)`.
# The penalty of a model's current weights is available as
# `sum(model.losses)`.
#
# **Decay in the optimizer.** `keras.optimizers.SGD(weight_decay=wd)`
# shrinks every variable by $1 - \eta\,\mathrm{wd}$ before each gradient step.
# For plain SGD this is the same update as adding $\frac{\mathrm{wd}}{2}\|\mathbf{w}\|^2$
# to the loss, as torch's `SGD(weight_decay=...)` does; for Adam and other
# adaptive optimizers the two differ (Keras decays "decoupled", like AdamW;
# torch's `Adam(weight_decay)` adds the gradient). To leave the bias alone,
# as the D2L book does with two parameter groups, call
# `optimizer.exclude_from_weight_decay(var_names=["bias"])`.
#
# We take the second route below, with the D2L book's concise setup: weights
# and bias from $\mathcal{N}(0, 1)$, mean squared error (no $\frac{1}{2}$)
# and $\mathrm{wd} = 3$. Because of the missing $\frac{1}{2}$ this is *not*
# the same objective as the scratch version with $\lambda = 3$: relative to
# the data term, the penalty is half as strong. The concise and scratch
# results differ (so do the D2L book's own printouts); do not
# expect the same numbers from the two runs.

# %%
def weight_decay_concise(num_inputs, wd, lr):
    inputs = keras.Input(shape=(num_inputs,))
    init = keras.initializers.RandomNormal(stddev=1.0)
    outputs = keras.layers.Dense(1, kernel_initializer=init, bias_initializer=init, name="dense")(inputs)
    model = FastModel(inputs, outputs, name=f"weight_decay_concise_{wd}")
    optimizer = keras.optimizers.SGD(learning_rate=lr, weight_decay=wd)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    model.compile(optimizer=optimizer, loss="mse")
    return model


# %% tags=["heavy"]
for wd in [0, 3]:
    set_seed(42)
    model = weight_decay_concise(num_inputs, wd=wd, lr=0.003)
    model.fit(Xd_train, yd_train, batch_size=5, epochs=decay_epochs, validation_data=(Xd_val, yd_val),
              verbose=0, callbacks=[LivePlot(["loss", "val_loss"], name=f"ch03_weight_decay_concise_{wd}",
                                             yscale="log", every=5, mock=False)])
    w = model.get_layer("dense").get_weights()[0]
    val_loss = model.evaluate(Xd_val, yd_val, verbose=0)
    print(f"wd {wd}: L2 norm of w {np.linalg.norm(w):.4f}, validation MSE {val_loss:.4g}")

# %% [markdown]
# ### Summary
#
# * Weight decay adds $\frac{\lambda}{2}\|\mathbf{w}\|^2$ to the loss; each
#   SGD step then shrinks the weights by $1 - \eta\lambda$ before the
#   gradient step. The bias is usually not decayed.
# * From scratch it is one term in the objective; autograd does the rest.
# * In Keras: `kernel_regularizer=L2(lambd / 2)` reproduces
#   $\frac{\lambda}{2}\|\mathbf{w}\|^2$; `SGD(weight_decay=wd)` with
#   `exclude_from_weight_decay(var_names=["bias"])` decays the kernel only and
#   equals an L2 penalty for plain SGD (not for Adam).
# * Mean squared error without $\frac{1}{2}$ halves the relative strength of a
#   given decay.

# %% [markdown]
# ### Try it
#
# 1. **Predict the norm of $\mathbf{w}$.** The cell below trains the
#    scratch model of section 3.7.3 once more, with `try_lambda = 1`.
#    Predict the L2 norm of $\mathbf{w}$ after training (`my_norm`). One way
#    to reason: the 200 initial weights are draws from $\mathcal{N}(0, 1)$,
#    so their norm is about $\sqrt{200} \approx 14$; the gradient of the data
#    term is a combination of the 20 training inputs, so in the other 180
#    directions of $\mathbf{w}$ a step only multiplies it by
#    $1 - \eta\lambda$; and the run takes `decay_epochs` epochs of 4
#    minibatches (the cell prints the number of steps).
# 2. Predict again for `try_lambda = 10` by the same reasoning. If your
#    number misses, which part of $\mathbf{w}$ did the reasoning leave out,
#    and what holds it up?
# 3. **Too much decay.** What does one step do to $\mathbf{w}$ when
#    $\eta\lambda > 2$? Predict what `try_lambda = 700` does, then run it.
# 4. **L1 instead of L2.** Subclass `WeightDecayScratch` with a `penalty`
#    that returns $\lambda\sum_j |w_j|$ and count the weights with
#    $|w_j| < 10^{-3}$ after training. Does plain SGD set any weight exactly
#    to zero, and why not?

# %% tags=["heavy"]
my_norm = None  # questions 1 and 2
try_lambda = 1
set_seed(42)
try_model = weight_decay_scratch(num_inputs, lambd=try_lambda, lr=0.003, sigma=1.0)
initial_norm = np.linalg.norm(try_model.get_layer("linear").get_weights()[0])
try_model.fit(Xd_train, yd_train, batch_size=5, epochs=decay_epochs, verbose=0)
final_norm = float(np.linalg.norm(try_model.get_layer("linear").get_weights()[0]))
print(f"lambda {try_lambda}: {decay_epochs * int(np.ceil(len(Xd_train) / 5))} steps,"
      f" norm of w {initial_norm:.4g} at the start")
if np.isfinite(final_norm):
    compare_prediction(my_norm, final_norm, rel_tol=0.1, what=f"norm of w after training with lambda {try_lambda}")
else:
    print(f"lambda {try_lambda}: the norm of w is {final_norm}: the weights diverged")


# %% [markdown]
# ### Exercise 3.10: penalties
#
# Write `l2_penalty(w)`, returning $\frac{1}{2}\sum_j w_j^2$ (half the
# *squared* norm, not the norm), and `l1_penalty(w)`, returning
# $\sum_j |w_j|$, summed over all entries of `w` whatever its shape. `w` may
# be a NumPy array or a torch tensor; use `keras.ops`, so that autograd can
# differentiate your penalty when it is used in training.

# %% tags=["exercise"] exercise="ch03.penalties"
# exercise: ch03.penalties
def l2_penalty(w):
    return ops.sqrt(ops.sum(w ** 2))


def l1_penalty(w):
    return ops.sum(ops.abs(w))


# %% tags=["check"]
check("ch03.penalties")


# %% [markdown]
# ### Exercise 3.11: weight decay with a regularizer
#
# Write `build_weight_decay_model(num_inputs, lambd)` that returns a
# functional model `keras.Input((num_inputs,))` → `keras.layers.Dense(1)` →
# `keras.Model(inputs, outputs)` whose `model.losses` hold exactly the D2L
# penalty $\frac{\lambda}{2}\|\mathbf{w}\|^2$ of the kernel, and nothing for
# the bias.

# %% tags=["exercise"] exercise="ch03.weight_decay_model"
# exercise: ch03.weight_decay_model
def build_weight_decay_model(num_inputs, lambd):
    """Functional Input -> Dense(1) whose losses are lambd / 2 * ||kernel||^2."""
    features = keras.Input(shape=(num_inputs,))
    # Keras' L2(l) adds l * sum(w**2): l = lambd / 2 gives D2L's lambd / 2 * ||w||^2.
    prediction = keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L2(lambd / 2))(features)
    return keras.Model(features, prediction)


# %% tags=["check"]
check("ch03.weight_decay_model")

# %% [markdown]
# ## 3.8 K-Fold Cross-Validation
#
# Section 3.7 chose $\lambda = 3$ by decree. In practice $\lambda$ is a
# hyperparameter to be chosen on validation data, and with 20 training
# examples we cannot afford to hold many out. K-fold cross-validation
# (section 3.5.4) uses all of them.
#
# The D2L book's helper `get_k_fold_data(k, i, X, y)` returns fold `i` as
# validation data and the rest as training data, with folds of
# $\lfloor n / k \rfloor$ rows. When $k$ does not divide $n$, the last
# $n \bmod k$ rows then belong to no fold and are never used. The workbook's
# `workbook.training.k_fold_indices` gives the first $n \bmod k$ folds one
# extra row instead (like `np.array_split`), so every example is validated on
# exactly once; `workbook.training.k_fold(train_and_evaluate, X, y, k)` runs
# a training function on every fold and averages the metrics it returns.

# %%
from workbook.training import k_fold, k_fold_indices

for train_rows, val_rows in k_fold_indices(10, 3):
    print("validate on", val_rows, "| train on", train_rows)

# %% [markdown]
# To choose $\lambda$ we run 5-fold cross-validation on the 20 training
# examples for a few candidate values, with the concise model of section 3.7
# (16 examples to train, 4 to validate per fold), and pick the value with the
# lowest mean validation loss. Then, as is most common, we retrain on all 20
# examples with that value and measure the held-out loss once.

# %%
kfold_epochs = PROFILE.pick(tiny=4, default=100, full=100)


def train_and_evaluate_decay(wd):
    def train_and_evaluate(X_fit, y_fit, X_check, y_check):
        set_seed(42)
        model = weight_decay_concise(num_inputs, wd=wd, lr=0.003)
        model.fit(X_fit, y_fit, batch_size=5, epochs=kfold_epochs, verbose=0)
        return {
            "train_loss": model.evaluate(X_fit, y_fit, verbose=0),
            "val_loss": model.evaluate(X_check, y_check, verbose=0),
        }

    return train_and_evaluate


# %% tags=["heavy"]
candidates = [0, 1, 3, 10, 30, 100, 300, 600]
scores = {}
for wd in candidates:
    scores[wd] = k_fold(train_and_evaluate_decay(wd), Xd_train, yd_train, k=5, verbose=False)
    print(f"weight decay {wd:3d}: mean over folds: train {scores[wd]['train_loss']:.4g},"
          f" validation {scores[wd]['val_loss']:.4g}")
best_wd = min(candidates, key=lambda wd: scores[wd]["val_loss"])
print("chosen weight decay:", best_wd, "| largest candidate:", candidates[-1])
# The limit of ever stronger decay: w = 0, a model that predicts the mean of its training labels.
constant_losses = [np.mean((y_fit.mean() - yd_train[val_rows]) ** 2)
                   for y_fit, val_rows in ((yd_train[rows], val) for rows, val in k_fold_indices(20, 5))]
print(f"the constant predictor's mean validation loss over the same folds: {np.mean(constant_losses):.4g}")

# %% tags=["heavy"]
final = train_and_evaluate_decay(best_wd)(Xd_train, yd_train, Xd_val, yd_val)
print(f"retrained on all 20 examples with wd {best_wd}: held-out MSE {final['val_loss']:.4g}")
plot(candidates, {"K-fold train": [scores[c]["train_loss"] for c in candidates],
                  "K-fold validation": [scores[c]["val_loss"] for c in candidates]},
     xlabel="weight decay", ylabel="mean squared error", yscale="log", xscale="symlog",
     title="5-fold cross-validation of the weight decay", name="ch03_kfold_weight_decay")

# %% [markdown]
# What did the search find? A first grid of $\{0, 1, 3, 10\}$ picks 10, its
# largest value: when the optimum sits at the edge of a grid, the grid has
# not found it, and must be extended in that direction. Extended to 600, the
# printed validation loss falls steeply up to a decay of about 100 and is
# then flat: the chosen value lies inside the grid, and its neighbours are
# about as good. The flat bottom sits at the loss of the constant predictor
# printed last, the limit of infinite decay, $\mathbf{w} = 0$. That is what
# the cross-validation says about this problem: with 16 examples for 200
# weights, the best this model can do with the features is almost to ignore
# them (the true weights would do far better, but 16 examples cannot find
# them). The grid could not go much further anyway: plain SGD multiplies
# the weights by $1 - \eta\,\mathrm{wd}$ every step, which for
# $\eta = 0.003$ turns negative beyond $\mathrm{wd} \approx 333$ and drives
# them to infinity beyond $2/\eta \approx 667$.
#
# How does this square with the $\lambda = 3$ of section 3.7? That value
# was the D2L book's demonstration, chosen to make the effect visible, not
# a tuned one. It is also on a different scale: the scratch version adds
# $\frac{\lambda}{2}\|\mathbf{w}\|^2$ to half the squared error, the
# concise one decays by $\mathrm{wd}$ on the full squared error, so the
# scratch $\lambda = 3$ matches $\mathrm{wd} = 6$ here (at twice the
# learning rate), between the grid's 3 and 10, and far below what the
# cross-validation prefers. In the tiny profile the 4-epoch runs are far from
# converged and every loss is larger, but the direction is the same: the
# large initial weights must be decayed away, and more decay does it faster.
#
# Four validation examples per fold make each fold's validation loss noisy;
# averaging over five folds is what makes the comparison usable at all. Other
# ways to finish after K-fold exist: keep one fold's model, or average the
# predictions of all $K$ models (an ensemble, at $K$ times the prediction
# cost). Retraining on everything is the most common.
#
# ### Summary
#
# * K-fold cross-validation trains $K$ times, each time validating on a
#   different fold, and averages; every example serves for training and for
#   validation.
# * Folds must be disjoint and together cover every row; D2L's
#   $\lfloor n/k \rfloor$ folds silently drop the remainder.
# * Choose the hyperparameter with the best mean validation loss, then
#   retrain on all the training data.

# %% [markdown]
# ### Try it
#
# How good is a K-fold estimate, and how does $K$ matter? Answering takes
# many independent training sets, which SGD runs cannot afford, so the cell
# below uses the closed-form least squares of section 3.5 (10 features, a
# bias, noise variance 1) on `cv_draws` training sets of `n_cv = 30`
# examples. For each set it computes the K-fold estimate for several $K$,
# and, as in section 3.5, the exact test error of the model trained on all
# 30 examples, $\sigma^2 + \|\hat{\mathbf{w}} - \mathbf{w}^*\|^2 + (\hat b - b^*)^2$:
# the number the estimate is after.
#
# 1. **Bias.** Which $K$ gives the most pessimistic estimate, the largest
#    mean over the training sets (`my_pessimistic_k`)? With $K = 2$ every
#    model is fitted on 15 examples for 11 parameters.
# 2. **Spread.** Which $K$ gives the estimate with the smallest spread
#    across training sets (`my_steadiest_k`)? Leave-one-out ($K = n$) is
#    often said to have a high variance; what does this run say for least
#    squares?
# 3. **Cost.** How many fits does one estimate take for each $K$? Which
#    $K$ would you pick if a fit took an hour, and which if it took a
#    millisecond?
# 4. Set `n_cv = 15`: now the 2-fold models see 7 or 8 examples for 11
#    parameters, the 5-fold ones 12. Which $K$ is the most pessimistic
#    now? `np.linalg.lstsq` returns the smallest-norm solution when there
#    are fewer equations than unknowns; how large do the fitted weights get
#    when the equations barely outnumber the unknowns?

# %% tags=["heavy"]
my_pessimistic_k = None  # question 1
my_steadiest_k = None  # question 2
n_cv = 30
cv_draws = PROFILE.pick(tiny=20, default=100, full=400)
cv_ks = [2, 3, 5, 10, n_cv]


def least_squares_coef(X, y):
    coef, *_ = np.linalg.lstsq(with_ones(X), y, rcond=None)
    return coef


def least_squares_validation(X_fit, y_fit, X_check, y_check):
    return {"val_loss": float(np.mean((with_ones(X_check) @ least_squares_coef(X_fit, y_fit) - y_check) ** 2))}


cv_truth = np.append(w_star, 0.5)
estimates, exact_errors = {k: [] for k in cv_ks}, []
for draw in range(cv_draws):
    X_cv, y_cv = synthetic_regression(w_star, 0.5, n_cv, noise=1.0, seed=500 + draw)
    exact_errors.append(1.0 + np.sum((least_squares_coef(X_cv, y_cv)[:, 0] - cv_truth) ** 2))
    for k in cv_ks:
        estimates[k].append(k_fold(least_squares_validation, X_cv, y_cv, k=k, verbose=False)["val_loss"])
print(f"{cv_draws} training sets of {n_cv}: mean exact test error {np.mean(exact_errors):.3f}")
for k in cv_ks:
    print(f"K = {k:2d}: mean estimate {np.mean(estimates[k]):.3f}, spread (std) {np.std(estimates[k]):.3f}")
compare_choice(my_pessimistic_k, max(cv_ks, key=lambda k: np.mean(estimates[k])), options=cv_ks,
               what="K with the largest mean estimate")
compare_choice(my_steadiest_k, min(cv_ks, key=lambda k: np.std(estimates[k])), options=cv_ks,
               what="K with the smallest spread")


# %% [markdown]
# ### Exercise 3.12: K-fold splits
#
# Write `get_k_fold_data(k, i, X, y)` that returns
# `(X_train, y_train, X_valid, y_valid)` for fold `i` (counting from 0) of
# $k$ contiguous folds. The folds split the rows `0 .. n-1` in order; the
# first $n \bmod k$ folds have $\lfloor n/k \rfloor + 1$ rows and the others
# $\lfloor n/k \rfloor$, so no row is dropped. Fold `i` is the validation
# set; the training set is all other rows, in their original order. `X` and
# `y` are NumPy arrays with the same number of rows; $2 \le k \le n$. Write
# the fold boundaries yourself (not with `workbook.training`).

# %% tags=["exercise"] exercise="ch03.k_fold"
# exercise: ch03.k_fold
def get_k_fold_data(k, i, X, y):
    """Fold i of k contiguous folds as validation, the rest as training data."""
    raise NotImplementedError("ch03.k_fold: write your answer here")


# %% tags=["check"]
check("ch03.k_fold")

# %% [markdown]
# ## Where next
#
# Linear regression predicts a number. Chapter 4 keeps the linear model and
# changes the question to "which class?": softmax regression, cross-entropy,
# and the first real image data set.
