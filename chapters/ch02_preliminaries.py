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
# # 2. Preliminaries
#
# Before we can train a single model we need a handful of survival skills:
# storing and transforming numbers in bulk (tensors), getting raw tables into
# that form (preprocessing), the few pieces of linear algebra that every layer
# is made of, enough calculus to know in which direction to move a parameter,
# a machine that computes those derivatives for us (automatic
# differentiation), and the language of uncertainty (probability).
#
# This chapter covers all six, on the stack the rest of the workbook uses:
# **Keras 3 running on the torch backend**. Two facts about that stack shape
# the whole chapter:
#
# * `keras.ops` is Keras' backend-independent, NumPy-like function library.
#   On the torch backend every `keras.ops` function returns an ordinary
#   `torch.Tensor`, so anything you know about torch tensors applies.
# * `keras.ops` has no "take the gradient" function. When we need derivatives
#   outside of `model.fit`, we ask torch's autograd for them directly, and it
#   differentiates `keras.ops` code without complaint.
#
# The setup cell below is the only place where the chapter imports things;
# every exercise may use what it imports.

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
# ## 2.1 Data Manipulation
#
# A **tensor** is an $n$-dimensional array of numbers of one type: a vector
# is a tensor with one axis, a matrix one with two, and a batch of colour
# images one with four. Deep-learning tensors differ from NumPy arrays in two
# ways that matter: they can live on an accelerator, and they can record the
# operations applied to them so that derivatives can be computed later
# (section 2.5).
#
# ### 2.1.1 Getting started
#
# `ops.arange(n)` makes the vector $0, 1, \dots, n-1$. Notice the type that
# comes back: a `torch.Tensor`. Keras chooses `int32` for integer ranges
# (plain torch would choose `int64`) and `float32` for floating-point data.

# %%
x = ops.arange(12)
print(type(x).__name__, x.dtype, x.device)
x

# %% [markdown]
# The **shape** is the length along each axis, the **size** the total number
# of elements. Both are available through `keras.ops` (`ops.shape`,
# `ops.size`) and through the torch tensor itself (`x.shape`, `x.numel()`).

# %%
print(ops.shape(x), ops.size(x), x.numel())

# %% [markdown]
# `ops.reshape` changes the shape without changing the elements, which are
# read in row-major order. One length may be given as `-1`: Keras infers it
# from the size, so a $12$-element vector can be reshaped to $(3, -1)$ and
# becomes $3 \times 4$.

# %%
X = ops.reshape(x, (3, -1))
print(X.shape)
X

# %% [markdown]
# Tensors full of zeros or ones, random tensors and tensors built from Python
# lists or NumPy arrays are one call each. Keras random functions take a
# `seed` so that a cell gives the same numbers every time it runs.

# %%
print(ops.zeros((2, 3, 4)).shape, ops.ones((2, 3)).dtype)
print(keras.random.normal((3, 4), mean=0.0, stddev=1.0, seed=1))
print(ops.convert_to_tensor([[2, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]]))

# %% [markdown]
# ### 2.1.2 Operations
#
# The arithmetic operators act **elementwise** on tensors of the same shape:
# for a binary scalar function $f$ and vectors $\mathbf{u}, \mathbf{v}$, the
# result is $c_i = f(u_i, v_i)$. Unary functions such as $\exp$ work the same
# way.

# %%
u = ops.convert_to_tensor([1.0, 2.0, 4.0, 8.0])
v = ops.convert_to_tensor([2.0, 2.0, 2.0, 2.0])
print(u + v, u - v, u * v, u / v, u**v, sep="\n")
print(ops.exp(u))

# %% [markdown]
# Tensors can be joined along an axis with `ops.concatenate`: along axis 0
# the rows of the second tensor go under those of the first, along axis 1 its
# columns go to the right. Comparisons produce boolean tensors, and
# reductions such as `ops.sum` collapse a tensor to fewer axes.

# %%
X = ops.reshape(ops.arange(12, dtype="float32"), (3, 4))
Y = ops.convert_to_tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
print(ops.concatenate([X, Y], axis=0).shape, ops.concatenate([X, Y], axis=1).shape)
print(X == Y)
print(ops.sum(X))

# %% [markdown]
# ### 2.1.3 Broadcasting
#
# Elementwise operations also work on tensors whose shapes differ, as long as
# the shapes are compatible. Aligning the shapes from the right, each pair of
# lengths must be equal or one of them must be $1$; a length-$1$ axis is then
# repeated (without copying memory) to match the other. A $(3, 1)$ column plus
# a $(1, 2)$ row therefore gives a $3 \times 2$ table of all sums.

# %%
a = ops.reshape(ops.arange(3), (3, 1))
b = ops.reshape(ops.arange(2), (1, 2))
print(a + b)

# %% [markdown]
# Broadcasting is how we will add a bias vector to every row of a batch, or
# compare every query with every key in the attention chapter, without
# writing a loop.
#
# ### 2.1.4 Indexing and slicing
#
# Elements are selected exactly as in Python and NumPy: index `-1` is the last
# element, `1:3` the elements at positions 1 and 2, and a slice per axis picks
# a block. Because these are torch tensors we can also assign through an
# index.

# %%
X = ops.reshape(ops.arange(12, dtype="float32"), (3, 4))
print(X[-1], X[1:3], sep="\n")
X[1, 2] = 17.0
X[:2, :] = 12.0
X

# %% [markdown]
# One NumPy habit does not carry over: torch does not support slices with a
# negative step, so `X[::-1]` raises an error. Use `ops.flip` to reverse an
# axis.

# %%
try:
    X[::-1]
except ValueError as error:
    print("ValueError:", error)
print(ops.flip(X, axis=0))

# %% [markdown]
# ### 2.1.5 Saving memory
#
# `Y = Y + X` computes a new tensor, allocates memory for it and points the
# name `Y` at it; the old tensor is released only when nothing else refers to
# it. With large models that churn of allocations matters, and sometimes
# another name still refers to the old tensor and silently keeps the stale
# values. Python's `id` shows the difference: after `Y = Y + X` the object is
# a new one, while the in-place forms `Y += X` and `Z[:] = ...` write into
# the existing storage (its address, `data_ptr()`, does not change).

# %%
Y = ops.ones((3, 4))
before = id(Y)
Y = Y + X
print("Y = Y + X keeps the object:", id(Y) == before)

before = id(Y)
Y += X
print("Y += X keeps the object:", id(Y) == before)

Z = ops.zeros_like(Y)
address = Z.data_ptr()
Z[:] = X + Y
print("Z[:] = ... keeps the storage:", Z.data_ptr() == address)

# %% [markdown]
# In-place updates have a price in section 2.5: torch refuses to modify a
# tensor in place when autograd needs its old value, so model code is usually
# written without them.
#
# ### 2.1.6 Conversion to other Python objects
#
# `ops.convert_to_numpy` gives a NumPy array (a copy, and it works for tensors
# on a GPU too), `ops.convert_to_tensor` goes the other way. torch also offers
# zero-copy views: `t.numpy()` and `torch.from_numpy(a)` share memory with
# their source on the CPU, so changing one changes the other. A one-element
# tensor becomes a Python number with `.item()`, `float` or `int`.

# %%
A = ops.convert_to_numpy(X)
B = ops.convert_to_tensor(A)
print(type(A).__name__, type(B).__name__)

shared = torch.from_numpy(A)
A[0, 0] = -1.0
print("torch.from_numpy shares memory:", shared[0, 0].item())

a = ops.convert_to_tensor([3.5])
print(a, a.item(), float(a), int(a))

# %% [markdown]
# ### Summary
#
# * On the torch backend `keras.ops` functions take and return `torch.Tensor`
#   objects; integer ranges are `int32`, floating data `float32`.
# * Shapes, reshaping, elementwise arithmetic, concatenation and reductions
#   work as in NumPy; broadcasting stretches length-1 axes.
# * Indexing and assignment follow NumPy, except that negative slice steps do
#   not exist (use `ops.flip`).
# * `Y = Y + X` allocates; `Y += X` and `Y[:] = ...` work in place.
# * `ops.convert_to_numpy`/`ops.convert_to_tensor` convert both ways;
#   `.item()` extracts a Python number.

# %% [markdown]
# ### Try it
#
# 1. **Broadcast shapes.** Predict the shape of
#    `ops.zeros((3, 1, 4)) + ops.zeros((2, 1))` (align the shapes from the
#    right), put it into `my_shape` as a tuple and run the cell. Then set
#    `try_shapes` to `((3, 1, 4), (1, 5, 1))` and to `((3, 1, 4), (4, 3))`:
#    which pair broadcasts, and which one is an error?
# 2. **Views.** On the torch backend `ops.reshape` returns a *view* when it
#    can: a tensor that shares its storage with the original. Predict
#    whether writing into the reshaped tensor changes the original
#    (`my_view_answer = "changes X"` or `"leaves X alone"`), then run. What
#    changes when you reshape `ops.copy(try_X)` instead?
# 3. **Comparisons.** Replace `X == Y` in section 2.1.2 by `X < Y` and
#    `X > Y`. Which dtype comes back, and what does `ops.sum(X < Y)` count?
# 4. **Copy or not?** Use `data_ptr()` as in section 2.1.5 to find out
#    which of `ops.transpose(try_X)`, `try_X[:, 1:3]` and `try_X[[0, 2]]`
#    share storage with `try_X`.

# %%
my_shape = None  # question 1: your predicted shape as a tuple, or "error"
my_view_answer = None  # question 2: "changes X" or "leaves X alone"

try_shapes = ((3, 1, 4), (2, 1))
try:
    measured_shape = tuple(ops.shape(ops.zeros(try_shapes[0]) + ops.zeros(try_shapes[1])))
except (RuntimeError, ValueError) as error:  # shapes that do not broadcast
    measured_shape = "error"
    print("error:", str(error).splitlines()[0])
my_answer = my_shape if my_shape is None or my_shape == "error" else tuple(my_shape)
compare_choice(my_answer, measured_shape,
               what=f"the shape of zeros{try_shapes[0]} + zeros{try_shapes[1]}")

try_X = ops.reshape(ops.arange(12, dtype="float32"), (3, 4))
try_flat = ops.reshape(try_X, (-1,))
try_flat[0] = -100.0
measured_view = "changes X" if float(try_X[0, 0]) == -100.0 else "leaves X alone"
compare_choice(my_view_answer, measured_view, options=["changes X", "leaves X alone"],
               what="writing into ops.reshape(X, (-1,))")

# %% [markdown]
# ### Exercise 2.1: pairwise differences by broadcasting
#
# Write `pairwise_differences(x, y)`: given a vector `x` of length $n$ and a
# vector `y` of length $m$ (NumPy arrays or tensors), return the $n \times m$
# tensor $D$ with $D_{ij} = x_i - y_j$. Use `keras.ops` and broadcasting
# (reshape one vector into a column and the other into a row), no Python
# loops. Note that $n$ and $m$ may differ.

# %% tags=["exercise"] exercise="ch02.pairwise_differences"
# exercise: ch02.pairwise_differences
def pairwise_differences(x, y):
    """D[i, j] = x[i] - y[j], shape (len(x), len(y))."""
    raise NotImplementedError("ch02.pairwise_differences: write your answer here")


# %% tags=["check"]
check("ch02.pairwise_differences")

# %% [markdown]
# ### Exercise 2.2: slicing torch tensors
#
# Both functions receive a 2-D `torch.Tensor` `X`.
#
# * `even_rows_last_columns(X, k)` returns the rows with even index
#   (0, 2, 4, ...) restricted to the last `k` columns, as a 2-D tensor
#   ($k \ge 1$).
# * `flip_rows(X)` returns `X` with the order of its rows reversed (the last
#   row first). Remember what torch says about `X[::-1]`.

# %% tags=["exercise"] exercise="ch02.slicing"
# exercise: ch02.slicing
def even_rows_last_columns(X, k):
    """Rows 0, 2, 4, ... of X, last k columns only."""
    raise NotImplementedError("ch02.slicing: write your answer here")


def flip_rows(X):
    """X with its rows in reverse order."""
    raise NotImplementedError("ch02.slicing: write your answer here")


# %% tags=["check"]
check("ch02.slicing")

# %% [markdown]
# ## 2.2 Data Preprocessing
#
# Real data rarely arrives as a tidy tensor. It comes as a table in a file,
# with text columns, missing entries and a mix of types. **pandas** is the
# standard tool for reading and cleaning such tables; once clean, a table
# becomes a tensor in one line.
#
# ### 2.2.1 Reading the dataset
#
# We write a tiny table of houses (number of rooms, roof type, price) to a CSV
# file in a temporary folder and read it back. `NA` marks a missing value.

# %%
import os
import tempfile

import pandas as pd

data_dir = tempfile.mkdtemp(prefix="workbook-ch02-")
data_file = os.path.join(data_dir, "house_tiny.csv")
with open(data_file, "w") as f:
    f.write(
        "NumRooms,RoofType,Price\n"
        "NA,NA,127500\n"
        "2,NA,106000\n"
        "4,Slate,178100\n"
        "NA,NA,140000\n"
    )

data = pd.read_csv(data_file)
print(data)

# %% [markdown]
# pandas turned every `NA` into `NaN` ("not a number"), its marker for a
# missing value.
#
# ### 2.2.2 Handling missing data
#
# There are two common strategies: drop the rows (or columns) that have gaps,
# or **impute** a replacement value. Dropping is simple but throws data away,
# and with four rows we cannot afford it. We first split the table into the
# inputs (the first two columns) and the target (the price), then treat the
# two kinds of input column differently:
#
# * a **categorical** column such as `RoofType` becomes one indicator column
#   per category. With `dummy_na=True`, "missing" is a category of its own,
#   so the fact that the roof type was not recorded stays visible to a model;
# * a **numerical** column such as `NumRooms` gets its missing entries
#   replaced by the mean of the entries that are present.

# %%
inputs, targets = data.iloc[:, 0:2], data.iloc[:, 2]
inputs = pd.get_dummies(inputs, dummy_na=True)
print(inputs)

# %%
inputs = inputs.fillna(inputs.mean())
print(inputs)

# %% [markdown]
# The mean of the present room counts is $(2 + 4) / 2 = 3$, which now fills
# both gaps. The indicator columns come back as booleans.
#
# ### 2.2.3 Conversion to the tensor format
#
# Every column is now numeric, so the table converts to a float array and
# from there to a tensor. We ask for `float32`, the type Keras layers expect.

# %%
X = ops.convert_to_tensor(inputs.to_numpy(dtype="float32"))
y = ops.convert_to_tensor(targets.to_numpy(dtype="float32"))
print(X, y, sep="\n")

# %% [markdown]
# ### Summary
#
# * pandas reads tables from CSV files and marks missing entries with `NaN`.
# * Missing numbers can be imputed (here with the column mean); categorical
#   columns become indicator columns with `pd.get_dummies`, and
#   `dummy_na=True` makes "missing" a category of its own.
# * A table of numbers converts to a tensor via `DataFrame.to_numpy` and
#   `ops.convert_to_tensor`.

# %% [markdown]
# ### Try it
#
# 1. **Drop instead of impute.** How many of the four houses does
#    `data.dropna()` keep? Predict (`my_rows_kept`), then run.
# 2. **Missing as a category.** How many input columns does
#    `pd.get_dummies` make from `NumRooms` and `RoofType` *without*
#    `dummy_na=True`? Which information does the model lose?
# 3. **An outlier.** Add a house with 40 rooms (`try_extra_rooms`): how far
#    do the mean and the median of `NumRooms` move? Which one would you
#    impute with, and when would you rather drop the column?
# 4. **The emptiest column.** Which column has the most missing values?
#    Predict (`my_emptiest`), then delete that column from `data` with
#    `data.drop(columns=...)`.

# %%
my_rows_kept = None  # question 1: a number
my_columns = None  # question 2: a number
my_emptiest = None  # question 4: "NumRooms", "RoofType" or "Price"

compare_prediction(my_rows_kept, len(data.dropna()), rel_tol=0, what="rows kept by dropna()")
compare_prediction(my_columns, pd.get_dummies(data.iloc[:, 0:2]).shape[1], rel_tol=0,
                   what="input columns without dummy_na=True")
compare_choice(my_emptiest, data.isna().sum().idxmax(), options=list(data.columns),
               what="the column with the most missing values")

try_extra_rooms = 40  # question 3
try_rooms = pd.concat([data["NumRooms"], pd.Series([float(try_extra_rooms)])], ignore_index=True)
print(f"NumRooms with a {try_extra_rooms}-room house added: mean {try_rooms.mean():.2f},"
      f" median {try_rooms.median():.2f} (without it: mean {data['NumRooms'].mean():.2f},"
      f" median {data['NumRooms'].median():.2f})")

# %% [markdown]
# ### Exercise 2.3: a preprocessing function
#
# Write `preprocess(data)`. `data` is a dict that maps column names to lists
# of equal length: numerical columns hold numbers, with `nan` where a value is
# missing; categorical columns hold strings, with `None` where a value is
# missing. Return a pandas `DataFrame` in which
#
# * every numerical column keeps its name and has its missing entries replaced
#   by the mean of that column's present entries, and
# * every categorical column is replaced by the indicator columns that
#   `pd.get_dummies(..., dummy_na=True)` produces: `<column>_<category>` for
#   each category and `<column>_nan` for "missing".
#
# The exercise cell may import pandas itself.

# %% tags=["exercise"] exercise="ch02.preprocess"
# exercise: ch02.preprocess
import pandas as pd


def preprocess(data):
    """Mean-impute numerical columns, one-hot categorical ones (NaN included)."""
    raise NotImplementedError("ch02.preprocess: write your answer here")


# %% tags=["check"]
check("ch02.preprocess")

# %% [markdown]
# ## 2.3 Linear Algebra
#
# With data in tensors, we need the operations that models apply to them.
# This section collects the linear algebra used throughout the workbook.
#
# ### 2.3.1 Scalars
#
# A **scalar** is a single number, written in lowercase ($x$, $y$) and
# belonging to the real numbers, $x \in \mathbb{R}$. As a tensor it has the
# empty shape `()`.

# %%
x = ops.convert_to_tensor(3.0)
y = ops.convert_to_tensor(2.0)
print(x + y, x * y, x / y, x**y, x.shape)

# %% [markdown]
# ### 2.3.2 Vectors
#
# A **vector** $\mathbf{x} \in \mathbb{R}^n$ is a list of $n$ scalars, its
# elements $x_1, \dots, x_n$. Vectors are columns by convention. In code a
# vector is a tensor with one axis; its length (its *dimensionality*) is that
# axis' length. (Careful: the *dimensionality of a tensor* usually means the
# number of axes instead.)

# %%
x = ops.arange(3)
print(x, x[2], len(x), x.shape)

# %% [markdown]
# ### 2.3.3 Matrices
#
# A **matrix** $\mathbf{A} \in \mathbb{R}^{m \times n}$ has $m$ rows and $n$
# columns; $a_{ij}$ is the element in row $i$ and column $j$. Its
# **transpose** $\mathbf{A}^\top$ swaps the two: $(\mathbf{A}^\top)_{ij} =
# a_{ji}$. A square matrix equal to its transpose is **symmetric**.

# %%
A = ops.reshape(ops.arange(6), (3, 2))
print(A, ops.transpose(A), sep="\n")
S = ops.convert_to_tensor([[1, 2, 3], [2, 0, 4], [3, 4, 5]])
print("symmetric:", bool(ops.all(S == ops.transpose(S))))

# %% [markdown]
# ### 2.3.4 Tensors
#
# Tensors with more axes appear as soon as we handle images (height × width ×
# channels, and a batch axis in front).

# %%
print(ops.reshape(ops.arange(24), (2, 3, 4)))

# %% [markdown]
# ### 2.3.5 Basic properties of tensor arithmetic
#
# Elementwise operations keep the shape. The elementwise product of two
# matrices of the same shape is the **Hadamard product**
# $\mathbf{A} \odot \mathbf{B}$, with $(\mathbf{A} \odot \mathbf{B})_{ij} =
# a_{ij} b_{ij}$. Adding or multiplying by a scalar acts on every element.

# %%
A = ops.reshape(ops.arange(6, dtype="float32"), (2, 3))
B = ops.copy(A)  # a copy in new memory
print(A + B, A * B, 2 + A, sep="\n")

# %% [markdown]
# `A * B` printed $[[0, 1, 4], [9, 16, 25]]$: each element squared, since
# `B` is a copy of `A`.
#
# ### 2.3.6 Reductions
#
# Summing all elements, $\sum_i x_i$ or $\sum_{i,j} a_{ij}$, **reduces** a
# tensor to a scalar. With `axis=` only the named axis is summed away: for an
# $m \times n$ matrix, `axis=0` adds up the rows and leaves $n$ column sums,
# `axis=1` leaves $m$ row sums. The mean is the sum divided by the count.

# %%
print(ops.sum(A), ops.sum(A, axis=0), ops.sum(A, axis=1), ops.sum(A, axis=[0, 1]))
print(ops.mean(A), ops.sum(A) / ops.size(A), ops.mean(A, axis=0))

# %% [markdown]
# A reduction normally drops the summed axis. `keepdims=True` keeps it with
# length 1, which is exactly what broadcasting needs: dividing by the row
# sums with the shape $(2, 1)$ scales every row so that it sums to 1, while
# the shape $(2,)$ would not even broadcast against $(2, 3)$.

# %%
row_sums = ops.sum(A, axis=1, keepdims=True)
print(row_sums.shape, A / row_sums, sep="\n")
print(ops.cumsum(A, axis=0))

# %% [markdown]
# ### 2.3.7 Dot products
#
# The **dot product** of two vectors of the same length is the sum of the
# elementwise products: $\mathbf{x}^\top \mathbf{y} = \sum_{i} x_i y_i$.
# Weighted sums ($\mathbf{w}^\top\mathbf{x}$) and, after normalizing the
# vectors, cosines of angles are dot products.

# %%
x = ops.arange(3, dtype="float32")
y = ops.ones(3)
print(ops.dot(x, y), ops.sum(x * y))

# %% [markdown]
# ### 2.3.8 Matrix–vector products
#
# Write $\mathbf{A} \in \mathbb{R}^{m \times n}$ by its rows
# $\mathbf{a}_1^\top, \dots, \mathbf{a}_m^\top$. The product with
# $\mathbf{x} \in \mathbb{R}^n$ is the vector of the $m$ dot products,
#
# $$\mathbf{A}\mathbf{x} = \begin{bmatrix} \mathbf{a}_1^\top \mathbf{x} \\
# \vdots \\ \mathbf{a}_m^\top \mathbf{x} \end{bmatrix} \in \mathbb{R}^m,$$
#
# so a matrix maps $\mathbb{R}^n$ to $\mathbb{R}^m$: rotations, projections
# and, later, fully connected layers are such maps. `ops.matmul` (or the `@`
# operator) computes it; Keras has no separate `mv` function.

# %%
A = ops.reshape(ops.arange(6, dtype="float32"), (2, 3))
x = ops.arange(3, dtype="float32")
print(A.shape, x.shape, ops.matmul(A, x), A @ x)

# %% [markdown]
# The rows give $0\cdot0 + 1\cdot1 + 2\cdot2 = 5$ and $3\cdot0 + 4\cdot1 +
# 5\cdot2 = 14$.
#
# ### 2.3.9 Matrix–matrix multiplication
#
# For $\mathbf{A} \in \mathbb{R}^{n \times k}$ and $\mathbf{B} \in
# \mathbb{R}^{k \times m}$, the product $\mathbf{C} = \mathbf{A}\mathbf{B}
# \in \mathbb{R}^{n \times m}$ has $c_{ij} = \mathbf{a}_i^\top \mathbf{b}_j$,
# row $i$ of $\mathbf{A}$ against column $j$ of $\mathbf{B}$. Equivalently,
# it is $m$ matrix–vector products side by side. Do not confuse it with the
# Hadamard product: `A @ B` and `A * B` are different operations with
# different shape rules.

# %%
A = ops.reshape(ops.arange(20, dtype="float32"), (5, 4))
B = ops.ones((4, 3))
print(ops.matmul(A, B))

# %% [markdown]
# `B` is all ones, so every entry of a row is that row's sum in `A`:
# $6, 22, 38, 54, 70$.
#
# ### 2.3.10 Norms
#
# A **norm** $\|\mathbf{x}\|$ measures the size of a vector. It must scale
# with the vector ($\|\alpha\mathbf{x}\| = |\alpha|\,\|\mathbf{x}\|$), obey
# the triangle inequality ($\|\mathbf{x} + \mathbf{y}\| \le \|\mathbf{x}\| +
# \|\mathbf{y}\|$) and be positive except for the zero vector. The three we
# use most:
#
# $$\|\mathbf{x}\|_2 = \sqrt{\sum_i x_i^2}, \qquad
# \|\mathbf{x}\|_1 = \sum_i |x_i|, \qquad
# \|\mathbf{X}\|_F = \sqrt{\sum_{i,j} x_{ij}^2}.$$
#
# The Euclidean ($\ell_2$) norm is the length of the vector; the $\ell_1$
# norm is less sensitive to a few large entries; the Frobenius norm is the
# $\ell_2$ norm of a matrix's entries read as one long vector. Norms show up
# as losses (distances between predictions and targets) and as penalties that
# keep weights small (section 3.7).

# %%
u = ops.convert_to_tensor([3.0, -4.0])
print("l2:", ops.norm(u), "l1:", ops.sum(ops.abs(u)))
print("Frobenius:", ops.norm(ops.ones((4, 9))))

# %% [markdown]
# ### Summary
#
# * Scalars, vectors, matrices and higher tensors are tensors with 0, 1, 2 and
#   more axes.
# * Reductions take `axis=` and `keepdims=`; keeping the reduced axis lets the
#   result broadcast back against the input.
# * `A * B` is the elementwise (Hadamard) product; `ops.dot` is the dot
#   product; `ops.matmul` (`@`) does matrix–vector and matrix–matrix
#   products.
# * $\ell_1$, $\ell_2$ and Frobenius norms measure size; `ops.norm` computes
#   the $\ell_2$ and Frobenius norms.

# %% [markdown]
# ### Try it
#
# 1. **Which axis goes?** For a tensor `T` of shape $(2, 3, 4)$, predict the
#    shape of `ops.sum(T, axis=1)` (`my_sum_shape`, a tuple). What are
#    `len(T)` and the shape of `ops.sum(T, axis=[0, 2], keepdims=True)`?
# 2. **Forgetting keepdims.** Predict what `A / ops.sum(A, axis=1)` does for a
#    $2 \times 3$ matrix and for a $3 \times 3$ one: an error, rows that sum
#    to 1, or something else? Set `try_rows, try_cols` and run each.
# 3. **Order matters.** $(\mathbf{A}\mathbf{B})\mathbf{C} =
#    \mathbf{A}(\mathbf{B}\mathbf{C})$, but the cost differs. For an
#    $n \times k$ matrix $\mathbf{A}$, $k \times n$ matrix $\mathbf{B}$ and
#    $n \times k$ matrix $\mathbf{C}$ with $k \ll n$, count the
#    multiplications of each order and predict which is faster
#    (`my_faster`); the cell times both.
# 4. **Large numbers.** Predict what `ops.norm` returns for the `float32`
#    vector $(3, 4) \cdot 10^{20}$, whose norm is $5 \cdot 10^{20}$
#    (`my_norm_outcome`). Exercise 2.6 asks you to do better.
# 5. Is $\|\mathbf{A}\mathbf{B}\|_F \le \|\mathbf{A}\|_F \|\mathbf{B}\|_F$?
#    Try it on random matrices, then prove it with the Cauchy–Schwarz
#    inequality.

# %%
import time

my_sum_shape = None  # question 1: a tuple
my_keepdims_outcome = None  # question 2: "error", "rows sum to 1" or "rows do not sum to 1"
my_faster = None  # question 3: "(AB)C" or "A(BC)"
my_norm_outcome = None  # question 4: "5e20", "inf", "0" or "nan"

try_T = ops.reshape(ops.arange(24, dtype="float32"), (2, 3, 4))
compare_choice(None if my_sum_shape is None else tuple(my_sum_shape),
               tuple(ops.shape(ops.sum(try_T, axis=1))), what="the shape of ops.sum(T, axis=1)")

try_rows, try_cols = 2, 3
try_A = ops.convert_to_tensor(np.random.default_rng(1).uniform(1, 2, size=(try_rows, try_cols)))
try:
    row_sums_try = ops.sum(try_A / ops.sum(try_A, axis=1), axis=1)
    sums_to_one = bool(ops.all(ops.abs(row_sums_try - 1) < 1e-6))
    measured = "rows sum to 1" if sums_to_one else "rows do not sum to 1"
except (RuntimeError, ValueError):
    measured = "error"
compare_choice(my_keepdims_outcome, measured,
               options=["error", "rows sum to 1", "rows do not sum to 1"],
               what=f"A / ops.sum(A, axis=1) for a {try_rows}x{try_cols} A")

n_try, k_try = PROFILE.pick(tiny=256, default=512, full=1024), 8
A_try, B_try, C_try = (keras.random.normal(s, seed=i) for i, s in
                       enumerate([(n_try, k_try), (k_try, n_try), (n_try, k_try)]))


def best_time(product, repeats=5):
    """The fastest of a few runs, in seconds (the others include interruptions)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        product()
        times.append(time.perf_counter() - start)
    return min(times)


left = best_time(lambda: ops.matmul(ops.matmul(A_try, B_try), C_try))
right = best_time(lambda: ops.matmul(A_try, ops.matmul(B_try, C_try)))
print(f"n = {n_try}, k = {k_try}: (AB)C {1000 * left:.3f} ms,"
      f" A(BC) {1000 * right:.3f} ms (measured here)")
compare_choice(my_faster, "(AB)C" if left < right else "A(BC)", options=["(AB)C", "A(BC)"],
               what="the faster order")

big = ops.norm(ops.convert_to_tensor(np.array([3e20, 4e20], dtype="float32")))
big = float(big)
outcome = ("inf" if np.isinf(big) else "nan" if np.isnan(big) else "0" if big == 0
           else "5e20" if abs(big - 5e20) < 1e15 else f"{big:.3g}")
compare_choice(my_norm_outcome, outcome, what="ops.norm of (3, 4) * 1e20 in float32")

# %% [markdown]
# ### Exercise 2.4: normalizing rows
#
# Write `normalize_rows(X)`: divide every row of the 2-D tensor `X` by its sum,
# so that each row of the result sums to 1 (all sums are positive). Use one
# `keras.ops` reduction and broadcasting.

# %% tags=["exercise"] exercise="ch02.normalize_rows"
# exercise: ch02.normalize_rows
def normalize_rows(X):
    """X with every row divided by that row's sum."""
    raise NotImplementedError("ch02.normalize_rows: write your answer here")


# %% tags=["check"]
check("ch02.normalize_rows")

# %% [markdown]
# ### Exercise 2.5: the matrix product by broadcasting
#
# `ops.matmul` hides a simple recipe: $c_{ij} = \sum_l a_{il} b_{lj}$ is
# a product followed by a sum over the shared index $l$. Write
# `matmul_broadcast(A, B)` that computes $\mathbf{A}\mathbf{B}$ with
# broadcasting and **one** `keras.ops` reduction, and without `ops.matmul`,
# `ops.dot`, `ops.tensordot`, `ops.einsum`, the `@` operator or their torch
# relatives (the grader reads your code for them).
#
# * `A` has shape $(\dots, n, k)$ and `B` shape $(\dots, k, m)$, both with
#   at least two axes; the result has shape $(\dots, n, m)$. The leading
#   (batch) axes broadcast against each other as in `ops.matmul`: shapes
#   $(2, 1, n, k)$ and $(3, k, m)$ give $(2, 3, n, m)$, and $(n, k)$ with
#   $(5, k, m)$ gives $(5, n, m)$.
# * $n$, $k$ and $m$ may all differ, and any of them may be 1: a $1 \times k$
#   row times a $k \times 1$ column is a $1 \times 1$ matrix, a $k \times 1$
#   column times a $1 \times m$ row is a $k \times m$ table.
# * The arguments are tensors; autograd must be able to differentiate the
#   result with respect to both.
#
# Hint: three indices are in play, $i$, $l$ and $j$; give each one its own
# axis.

# %% tags=["exercise"] exercise="ch02.matmul_broadcast"
# exercise: ch02.matmul_broadcast
def matmul_broadcast(A, B):
    """The product of A (..., n, k) and B (..., k, m), shape (..., n, m)."""
    raise NotImplementedError("ch02.matmul_broadcast: write your answer here")


# %% tags=["check"]
check("ch02.matmul_broadcast")

# %% [markdown]
# ### Exercise 2.6: a norm that neither overflows nor underflows
#
# `float32` holds numbers up to about $3.4 \times 10^{38}$, and below about
# $1.2 \times 10^{-38}$ it loses digits until it reaches 0. The square of
# $10^{20}$ overflows to `inf` and the square of $10^{-25}$ underflows to 0,
# so $\sqrt{\sum_i x_i^2}$ computed as written returns `inf` for
# $\mathbf{x} = (3, 4) \cdot 10^{20}$ and 0 for
# $\mathbf{x} = (3, 4) \cdot 10^{-25}$, although the norms, $5 \cdot 10^{20}$
# and $5 \cdot 10^{-25}$, are ordinary `float32` numbers.
#
# Write `row_norms(X)`: for a 2-D `float32` tensor `X`, return the `float32`
# vector of the $\ell_2$ norms of its rows, accurate to a relative $10^{-5}$
# whatever the size of the entries (anywhere from $10^{-30}$ to $10^{30}$, rows
# of very different sizes in the same `X`, large and small entries in the
# same row) and exactly 0 for a row of zeros. Compute in `float32` with
# `keras.ops` on the tensor you are given, so that autograd can
# differentiate the result; casting to `float64` only moves the limits
# (to about $10^{154}$) and is not allowed.
#
# Hint: $\|\mathbf{x}\| = s\,\|\mathbf{x} / s\|$ for every $s > 0$. Which
# $s$ makes every entry of $\mathbf{x} / s$ safe to square, and can one $s$
# serve the whole matrix?

# %% tags=["exercise"] exercise="ch02.row_norms"
# exercise: ch02.row_norms
def row_norms(X):
    """The l2 norm of every row of X, shape (rows,), at any scale."""
    raise NotImplementedError("ch02.row_norms: write your answer here")


# %% tags=["check"]
check("ch02.row_norms")

# %% [markdown]
# ## 2.4 Calculus
#
# Training a model is optimization: we change the parameters to make a loss
# smaller. To know *which way* to change each parameter, we need to know how
# the loss responds to a small change of it. That rate of change is the
# derivative, and this section reviews just enough calculus to use it.
#
# ### 2.4.1 Derivatives and differentiation
#
# For a function $f: \mathbb{R} \to \mathbb{R}$, the **derivative** at $x$ is
# the limit of the slope of ever shorter secants,
#
# $$f'(x) = \lim_{h \to 0} \frac{f(x + h) - f(x)}{h},$$
#
# when that limit exists ($f$ is then *differentiable* at $x$). Take
# $u = f(x) = 3x^2 - 4x$. We can watch the difference quotient approach the
# limit at $x = 1$ as $h$ shrinks. The table also shows the **central**
# difference $\frac{f(x+h) - f(x-h)}{2h}$, which looks both ways and, for this
# quadratic, is exact for every $h$.

# %%
def f(x):
    return 3 * x**2 - 4 * x


for h in 10.0 ** -np.arange(1, 6):
    forward = (f(1 + h) - f(1)) / h
    central = (f(1 + h) - f(1 - h)) / (2 * h)
    print(f"h={h:.5f}  forward={forward:.5f}  central={central:.5f}")

# %% [markdown]
# The forward quotient is $2 + 3h$ here, so it approaches $2$ one digit per
# tenfold step in $h$. With the rules of differentiation,
#
# * $\frac{d}{dx} C = 0$, $\frac{d}{dx} x^n = n x^{n-1}$,
#   $\frac{d}{dx} e^x = e^x$, $\frac{d}{dx} \ln x = 1/x$;
# * constant multiple: $\frac{d}{dx}[C f(x)] = C f'(x)$;
# * sum: $\frac{d}{dx}[f(x) + g(x)] = f'(x) + g'(x)$;
# * product: $\frac{d}{dx}[f(x) g(x)] = f(x) g'(x) + g(x) f'(x)$;
# * quotient: $\frac{d}{dx}\frac{f(x)}{g(x)} = \frac{g(x) f'(x) - f(x) g'(x)}{g(x)^2}$,
#
# we get $u' = 3 \cdot 2x - 4 = 6x - 4$, hence $u'(1) = 2$, the number the
# table converges to.
#
# ### 2.4.2 Visualization utilities
#
# Geometrically, $f'(1)$ is the slope of the tangent line at $x = 1$:
# $y = f(1) + f'(1)(x - 1) = 2x - 3$. `workbook.plotting.plot` draws both.

# %% tags=["heavy"]
from workbook.plotting import plot

xs = np.arange(0, 3, 0.1)
plot(
    xs,
    {"f(x) = 3x² − 4x": f(xs), "tangent at x = 1": 2 * xs - 3},
    xlabel="x",
    ylabel="f(x)",
    name="ch02_tangent",
)

# %% [markdown]
# ### 2.4.3 Partial derivatives and gradients
#
# Models have many parameters, so we need derivatives of functions of many
# variables. For $y = f(x_1, \dots, x_n)$ the **partial derivative** with
# respect to $x_i$ holds every other variable fixed:
#
# $$\frac{\partial y}{\partial x_i} = \lim_{h \to 0}
# \frac{f(x_1, \dots, x_i + h, \dots, x_n) - f(x_1, \dots, x_i, \dots, x_n)}{h}.$$
#
# Collecting all partial derivatives gives the **gradient**,
# $\nabla_{\mathbf{x}} f(\mathbf{x}) = \left[\frac{\partial f}{\partial x_1},
# \dots, \frac{\partial f}{\partial x_n}\right]^\top$. It points in the
# direction of steepest increase, so a small step against it decreases $f$:
# that is gradient descent. A few identities for $\mathbf{x} \in
# \mathbb{R}^n$ save a lot of index juggling:
#
# * $\nabla_{\mathbf{x}} \mathbf{A}\mathbf{x} = \mathbf{A}^\top$ for
#   $\mathbf{A} \in \mathbb{R}^{m \times n}$ (a matrix of partials, one column
#   per output), and $\nabla_{\mathbf{x}} \mathbf{x}^\top\mathbf{A} =
#   \mathbf{A}$ for $\mathbf{A} \in \mathbb{R}^{n \times m}$;
# * $\nabla_{\mathbf{x}} \mathbf{x}^\top\mathbf{A}\mathbf{x} =
#   (\mathbf{A} + \mathbf{A}^\top)\mathbf{x}$ for square $\mathbf{A}$;
# * $\nabla_{\mathbf{x}} \|\mathbf{x}\|^2 = \nabla_{\mathbf{x}}
#   \mathbf{x}^\top\mathbf{x} = 2\mathbf{x}$, and for matrices
#   $\nabla_{\mathbf{X}} \|\mathbf{X}\|_F^2 = 2\mathbf{X}$.
#
# An identity like these is easy to test numerically: nudge one coordinate at
# a time and compare with the formula.

# %%
rng = np.random.default_rng(0)
A_mat, x_vec = rng.normal(size=(4, 4)), rng.normal(size=4)


def quadratic(v):
    return v @ A_mat @ v


h = 1e-5
numeric = np.array(
    [(quadratic(x_vec + h * e) - quadratic(x_vec - h * e)) / (2 * h) for e in np.eye(4)]
)
print("numeric  :", numeric.round(6))
print("(A+Aᵀ)x :", ((A_mat + A_mat.T) @ x_vec).round(6))

# %% [markdown]
# ### 2.4.4 Chain rule
#
# Deep networks are compositions of functions, and compositions are
# differentiated with the **chain rule**. For $y = f(u)$ and $u = g(x)$,
#
# $$\frac{dy}{dx} = \frac{dy}{du} \frac{du}{dx}.$$
#
# With many variables, if $y$ depends on $u_1, \dots, u_m$ and each $u_i$ on
# $x_1, \dots, x_n$, then
#
# $$\frac{\partial y}{\partial x_i} = \sum_{j=1}^m \frac{\partial y}{\partial
# u_j} \frac{\partial u_j}{\partial x_i}, \qquad\text{i.e.}\qquad
# \nabla_{\mathbf{x}} y = \mathbf{A} \nabla_{\mathbf{u}} y,$$
#
# where $\mathbf{A} \in \mathbb{R}^{n \times m}$ holds the derivatives of
# $\mathbf{u}$ with respect to $\mathbf{x}$. Backpropagation is nothing but
# this product of derivative matrices, evaluated from the output backwards.
# For example, $y = \sin(x^2)$ has $y' = \cos(x^2) \cdot 2x$:

# %%
x0, h = 0.7, 1e-6
print((np.sin((x0 + h) ** 2) - np.sin((x0 - h) ** 2)) / (2 * h), np.cos(x0**2) * 2 * x0)

# %% [markdown]
# ### Summary
#
# * The derivative is the limit of difference quotients; it is the slope of
#   the tangent line. Central differences approximate it much better than
#   one-sided ones.
# * Partial derivatives hold the other variables fixed; together they form the
#   gradient, which points uphill.
# * Gradient identities such as $\nabla \mathbf{x}^\top\mathbf{A}\mathbf{x} =
#   (\mathbf{A}+\mathbf{A}^\top)\mathbf{x}$ can be checked numerically.
# * The chain rule multiplies derivatives along a composition; it is the
#   mathematics behind backpropagation.

# %% [markdown]
# ### Try it
#
# 1. **The best step.** A smaller $h$ removes more of the truncation error,
#    but $f(x + h) - f(x - h)$ then subtracts nearly equal numbers and
#    rounding takes over. Predict the power of ten $h = 10^{p}$ at which the
#    central difference of $\sin$ at $x = 1$ is most accurate in `float64`
#    (`my_best_power`, a number such as -3), then run the cell.
# 2. Switch to the forward difference (`try_scheme = "forward"`). Where is
#    its best step now, and why does it differ from the central one?
# 3. Repeat both in `float32` (`try_dtype = np.float32`). Which $h$ would you
#    choose for a model whose parameters are `float32`?
# 4. Derive $\nabla_{\mathbf{x}} \|\mathbf{x}\|_2$ and check it with
#    central differences at a random point, as in section 2.4.3. What
#    happens at $\mathbf{x} = \mathbf{0}$?
# 5. $f(x) = |x|$ has no derivative at 0. What do the central and the
#    forward difference report there, and would you notice that anything is
#    wrong?

# %%
my_best_power = None  # question 1: the exponent p of the best step 10**p
try_scheme, try_dtype = "central", np.float64  # questions 2 and 3

try_x = try_dtype(1.0)
try_powers = np.arange(-1, -14, -1)
try_errors = []
for p in try_powers:
    h = try_dtype(10.0**p)
    if try_scheme == "central":
        estimate = (np.sin(try_x + h) - np.sin(try_x - h)) / (2 * h)
    else:
        estimate = (np.sin(try_x + h) - np.sin(try_x)) / h
    try_errors.append(abs(float(estimate) - np.cos(1.0)))
print(try_scheme, np.dtype(try_dtype).name, "error per step:",
      ", ".join(f"1e{p}: {e:.0e}" for p, e in zip(try_powers, try_errors)))
compare_prediction(my_best_power, try_powers[int(np.argmin(try_errors))], rel_tol=0, abs_tol=1,
                   what="exponent of the most accurate step")

# %% [markdown]
# ### Exercise 2.7: a central difference
#
# Write `numerical_derivative(f, x, h)` that approximates $f'(x)$ at the
# number `x` with the central difference $\frac{f(x+h) - f(x-h)}{2h}$, using
# the step `h` it is given. `f` is a function of one number that returns a
# number (or a one-element tensor). Return a Python `float` (`float(...)` of
# a one-element tensor), not a tensor.

# %% tags=["exercise"] exercise="ch02.numerical_derivative"
# exercise: ch02.numerical_derivative
def numerical_derivative(f, x, h):
    """Central-difference approximation of f'(x) with step h."""
    raise NotImplementedError("ch02.numerical_derivative: write your answer here")


# %% tags=["check"]
check("ch02.numerical_derivative")

# %% [markdown]
# ## 2.5 Automatic Differentiation
#
# Deriving gradients by hand is slow and error-prone, and models change
# constantly. Deep-learning frameworks therefore compute derivatives
# automatically. While our code runs, the framework records a **computational
# graph**: which operations turned which tensors into which outputs. Calling
# **backward** on a result walks that graph from the output back to the
# inputs, applying the chain rule at every node (**backpropagation**), and
# stores the partial derivatives with the inputs.
#
# On the torch backend that machinery is torch's autograd. Keras uses it
# inside `fit`; `keras.ops` has no gradient function of its own, so whenever
# we want a gradient by hand we use autograd directly. Because `keras.ops`
# functions return torch tensors, autograd tracks them like any torch code.
#
# ### 2.5.1 A simple function
#
# We differentiate $y = 2\mathbf{x}^\top\mathbf{x}$ with respect to
# $\mathbf{x}$. First we tell torch that $\mathbf{x}$ needs a gradient; its
# `grad` attribute is `None` until one is computed.

# %%
x = ops.arange(4, dtype="float32")
x.requires_grad_(True)  # same as torch.arange(4.0, requires_grad=True)
print(x, x.grad)

# %%
y = 2 * ops.dot(x, x)
print(y)

# %% [markdown]
# `y` carries a `grad_fn`: torch remembers how it was made. `backward()`
# computes $\nabla_{\mathbf{x}} y$ and stores it in `x.grad`. The analytic
# answer is $4\mathbf{x}$.

# %%
y.backward()
print(x.grad, bool(ops.all(x.grad == 4 * x)))

# %% [markdown]
# Gradients **accumulate**: a second `backward()` adds to `x.grad` instead of
# replacing it. That is deliberate (it lets several losses contribute to one
# update), but it means that before computing a new, unrelated gradient we
# must reset the old one with `x.grad.zero_()` (or `x.grad = None`).

# %%
y = ops.sum(x)
y.backward()
print("without resetting:", x.grad)  # 4x + 1: the old gradient is still there

x.grad.zero_()
y = ops.sum(x)
y.backward()
print("after zero_():    ", x.grad)

# %% [markdown]
# ### 2.5.2 Backward for non-scalar variables
#
# When $\mathbf{y}$ is a vector, the derivative of $\mathbf{y}$ with respect
# to $\mathbf{x}$ is a whole matrix (the Jacobian), and `backward()` refuses to
# guess what we want. In deep learning we almost always want the gradient of
# the *sum* of the outputs (for instance, of per-example losses), so we sum
# first. Passing `gradient=ops.ones_like(y)` to `backward` computes the same
# thing.

# %%
x.grad = None
y = x * x
try:
    y.backward()
except RuntimeError as error:
    print("RuntimeError:", error)
ops.sum(y).backward()
print(x.grad)  # the gradient of sum(x * x) is 2x

x.grad = None
ops.mean(x * x).backward()
print(x.grad)  # the mean divides by 4: x / 2

# %% [markdown]
# ### 2.5.3 Detaching computation
#
# Sometimes part of a computation should count as a constant. Say
# $\mathbf{z}$ depends on $\mathbf{x}$ both directly and through
# $\mathbf{y} = \mathbf{x} \odot \mathbf{x}$, and we want the gradient that
# treats $\mathbf{y}$ as fixed. `ops.stop_gradient` returns a tensor with the
# same values that autograd does not look through (on torch it is
# `detach()`). Then $\mathbf{z} = \mathbf{u} \odot \mathbf{x}$ has gradient
# $\mathbf{u} = \mathbf{x} \odot \mathbf{x}$, whereas without detaching
# $\mathbf{z} = \mathbf{x}^3$ elementwise has gradient $3\mathbf{x}^2$.

# %%
x.grad = None
y = x * x
u = ops.stop_gradient(y)
z = u * x
ops.sum(z).backward()
print("detached:", x.grad, bool(ops.all(x.grad == u)))

x.grad = None
z = y * x
ops.sum(z).backward()
print("attached:", x.grad)

# %% [markdown]
# Target networks in reinforcement learning and the "straight-through"
# tricks of quantized networks rely on exactly this.
#
# ### 2.5.4 Gradients and Python control flow
#
# Autograd records the operations that actually ran, so a function full of
# `while` loops and `if` statements whose path depends on the input is still
# differentiable at that input. The function below keeps doubling until the
# norm passes 1000 and then picks a branch by the sign.

# %%
def doubling(a):
    b = a * 2
    while ops.norm(b) < 1000:
        b = b * 2
    if ops.sum(b) > 0:
        c = b
    else:
        c = 100 * b
    return c


a = keras.random.normal((), seed=7)
a.requires_grad_(True)
d = doubling(a)
d.backward()
print(a.grad, d / a)

# %% [markdown]
# For any fixed input, `doubling` is linear: $d = k a$ with a constant $k$
# that depends on how often the loop ran. Its derivative is therefore $k =
# d / a$, which is what autograd reports.
#
# ### Summary
#
# * On the torch backend, gradients come from torch autograd: mark inputs
#   with `requires_grad_(True)`, compute with `keras.ops`, call `backward()`,
#   read `.grad`.
# * Gradients accumulate; reset them (`grad.zero_()` or `grad = None`)
#   between unrelated computations.
# * Non-scalar outputs are summed (or given a `gradient=` argument) before
#   `backward()`.
# * `ops.stop_gradient` treats a value as a constant; Python control flow is
#   differentiated along the path that ran.

# %% [markdown]
# ### Try it
#
# 1. **Backward twice.** Call `backward()` a second time on the same `y`.
#    Predict whether torch raises an error or adds the gradient to `x.grad`
#    again (`my_second_backward`). What does `y.backward(retain_graph=True)`
#    change, and why might torch free the graph by default?
# 2. **In place after use.** Section 2.1.5 warned that autograd needs the
#    old values of some tensors. Predict whether `backward()` still works
#    after writing into a tensor that the graph saved
#    (`my_in_place`), then run.
# 3. **Second derivatives.** `torch.autograd.grad(..., create_graph=True)`
#    returns a gradient that can itself be differentiated. Predict the
#    second derivative of $\sin$ at $x = 1$ (`my_second_derivative`).
# 4. Make `a` in `doubling` a random vector instead of a scalar. What must
#    change before `backward()` works, and is `a.grad` still $d / a$?
# 5. Plot $\sin x$ and its derivative on $[-5, 5]$ with
#    `workbook.plotting.plot`, computing the derivative by autograd, without
#    writing $\cos$.

# %%
my_second_backward = None  # question 1: "error" or "adds up"
my_in_place = None  # question 2: "error" or "works"
my_second_derivative = None  # question 3: a number


def outcome_of(run, success):
    """Run ``run()``; ``success`` if it works, "error" if autograd refuses."""
    try:
        run()
        return success
    except RuntimeError as error:
        print("RuntimeError:", str(error).splitlines()[0][:100])
        return "error"


try_x = ops.arange(3, dtype="float32")
try_x.requires_grad_(True)
try_y = ops.sum(try_x * try_x)
try_y.backward()
compare_choice(my_second_backward, outcome_of(try_y.backward, "adds up"),
               options=["error", "adds up"], what="a second backward() of the same y")

try_z = try_x * 2
try_y = ops.sum(try_z * try_z)  # the product saves try_z for the backward pass
try_z[0] = 0.0
compare_choice(my_in_place, outcome_of(try_y.backward, "works"), options=["error", "works"],
               what="backward() after writing into a saved tensor")

try_t = ops.convert_to_tensor(1.0)
try_t.requires_grad_(True)
(try_first,) = torch.autograd.grad(ops.sin(try_t), try_t, create_graph=True)
(try_second,) = torch.autograd.grad(try_first, try_t)
compare_prediction(my_second_derivative, float(try_second), rel_tol=0.05,
                   what="the second derivative of sin at 1")

# %% [markdown]
# ### Exercise 2.8: many gradients from one input
#
# Write `gradients(functions, x)`. `x` is a torch tensor that already has
# `requires_grad=True`; `functions` is a list of functions written with
# `keras.ops`. Return a list with, for each function `f`, the gradient of
# `f(x)` with respect to `x` (an array or tensor shaped like `x`). When
# `f(x)` is not a scalar, return the gradient of the sum of its entries.
# Watch out for accumulation, and make sure that the gradients you return
# are not overwritten by later ones.

# %% tags=["exercise"] exercise="ch02.gradients"
# exercise: ch02.gradients
def gradients(functions, x):
    """[gradient of f(x) (summed if not scalar) for f in functions]"""
    raise NotImplementedError("ch02.gradients: write your answer here")


# %% tags=["check"]
check("ch02.gradients")

# %% [markdown]
# ### Exercise 2.9: with and without stop_gradient
#
# Write `detach_gradients(x)` for a vector `x` given as a NumPy array. Make
# it a float tensor that requires a gradient, let $\mathbf{u}$ be
# `ops.stop_gradient(x * x)`, and return a pair
# `(gradient_detached, gradient_full)`: the gradient of
# $\sum_i u_i x_i$ (with $\mathbf{u}$ detached) and the gradient of
# $\sum_i x_i^3$ computed as `sum(x * x * x)`, both with respect to `x`.

# %% tags=["exercise"] exercise="ch02.detach"
# exercise: ch02.detach
def detach_gradients(x):
    """(grad of sum(stop_gradient(x*x) * x), grad of sum(x*x*x))"""
    raise NotImplementedError("ch02.detach: write your answer here")


# %% tags=["check"]
check("ch02.detach")

# %% [markdown]
# ## 2.6 Probability and Statistics
#
# Machine learning is about making decisions under uncertainty: is this email
# spam, how likely is this diagnosis, what will the price be. Probability is
# the language for that.
#
# ### 2.6.1 A simple example: tossing a die
#
# Drawing examples from a probability distribution is called **sampling**.
# We toss a fair six-sided die with NumPy's random generator (seeded, so the
# run is repeatable) and count how often each face comes up. The relative
# frequencies estimate the probabilities $P(X = k) = 1/6$.

# %%
rng = np.random.default_rng(42)
num_tosses = PROFILE.pick(tiny=1_000, default=10_000, full=100_000)
tosses = rng.integers(1, 7, size=num_tosses)  # the upper bound is excluded
counts = np.bincount(tosses, minlength=7)[1:]
print("counts:     ", counts)
print("frequencies:", (counts / num_tosses).round(4), " (1/6 =", round(1 / 6, 4), ")")

# %% [markdown]
# The **law of large numbers** says that these frequencies converge to the
# true probabilities as the number of tosses grows. Plotting the running
# frequency of every face makes the convergence visible: large swings at the
# start, then all six curves settling around $1/6$. The spread shrinks like
# $1/\sqrt{n}$, so a hundred times more tosses buy one more decimal digit.

# %% tags=["heavy"]
steps = np.arange(1, num_tosses + 1)
running = np.cumsum(tosses[:, None] == np.arange(1, 7), axis=0) / steps[:, None]
plot(
    steps,
    {f"P(die = {k})": running[:, k - 1] for k in range(1, 7)} | {"1/6": np.full(num_tosses, 1 / 6)},
    xlabel="number of tosses",
    ylabel="estimated probability",
    yscale="linear",
    name="ch02_die_frequencies",
)

# %% [markdown]
# ### 2.6.2 A more formal treatment
#
# For a die the **sample space** (or outcome space) is
# $\mathcal{S} = \{1, 2, 3, 4, 5, 6\}$. An **event** is a set of outcomes,
# such as "a five" $\{5\}$ or "an odd number" $\{1, 3, 5\}$; it occurs when
# the outcome lies in it. A **probability** maps events to numbers and obeys
# Kolmogorov's axioms (1933):
#
# * $P(\mathcal{A}) \ge 0$ for every event $\mathcal{A}$;
# * $P(\mathcal{S}) = 1$;
# * for mutually exclusive events $\mathcal{A}_1, \mathcal{A}_2, \dots$
#   ($\mathcal{A}_i \cap \mathcal{A}_j = \emptyset$ for $i \ne j$),
#   $P(\bigcup_i \mathcal{A}_i) = \sum_i P(\mathcal{A}_i)$.
#
# A **random variable** $X$ maps outcomes to values; $P(X = a)$ is the
# probability of the event "$X$ takes the value $a$", and $P(X)$ denotes the
# whole distribution. Discrete random variables (a die face) have
# probabilities for individual values; continuous ones (a height) have
# densities, and only intervals get positive probability.
#
# ### 2.6.3 Multiple random variables
#
# The **joint probability** $P(A = a, B = b)$ is the probability that both
# happen; it can never exceed $P(A = a)$. The ratio
#
# $$P(B = b \mid A = a) = \frac{P(A = a, B = b)}{P(A = a)}$$
#
# is the **conditional probability** of $B = b$ given $A = a$. Writing the
# joint probability both ways, $P(A, B) = P(B \mid A) P(A) = P(A \mid B)
# P(B)$, gives **Bayes' theorem**:
#
# $$P(A \mid B) = \frac{P(B \mid A) P(A)}{P(B)}.$$
#
# The denominator comes from **marginalization** (the sum rule),
# $P(B) = \sum_a P(A = a, B) = \sum_a P(B \mid A = a) P(A = a)$.
# $A$ and $B$ are **independent** ($A \perp B$) when $P(A, B) = P(A) P(B)$,
# equivalently $P(A \mid B) = P(A)$. They are **conditionally independent**
# given $C$ when $P(A, B \mid C) = P(A \mid C) P(B \mid C)$.
#
# ### 2.6.4 An example: a medical test
#
# A test for HIV has no false negatives ($P(D_1 = 1 \mid H = 1) = 1$) and a
# false-positive rate of $1\%$ ($P(D_1 = 1 \mid H = 0) = 0.01$). In the
# population, $P(H = 1) = 0.0015$. A patient tests positive. How likely is
# the infection? Marginalization gives the probability of a positive test,
# and Bayes' theorem the answer.

# %%
prior = 0.0015
sensitivity_1, false_positive_1 = 1.0, 0.01
p_positive = sensitivity_1 * prior + false_positive_1 * (1 - prior)
posterior_1 = sensitivity_1 * prior / p_positive
print(f"P(D1=1) = {p_positive:.6f}   P(H=1 | D1=1) = {posterior_1:.4f}")

# %% [markdown]
# Only about 13%: the disease is so rare that most positive results are false
# positives. A second, different test ($P(D_2 = 1 \mid H = 1) = 0.98$,
# $P(D_2 = 1 \mid H = 0) = 0.03$) is also positive. Assuming the two tests
# are conditionally independent given $H$, the likelihoods multiply:

# %%
sensitivity_2, false_positive_2 = 0.98, 0.03
p_both_given_h1 = sensitivity_1 * sensitivity_2
p_both_given_h0 = false_positive_1 * false_positive_2
p_both = p_both_given_h1 * prior + p_both_given_h0 * (1 - prior)
posterior_2 = p_both_given_h1 * prior / p_both
print(f"P(D1=1, D2=1) = {p_both:.8f}   P(H=1 | D1=1, D2=1) = {posterior_2:.4f}")

# %% [markdown]
# The second positive result lifts the probability to about 83%. Note that
# the tests are *not* independent without conditioning: both are more likely
# to be positive for an infected patient.
#
# ### 2.6.5 Expectations and variance
#
# The **expectation** of a random variable is the probability-weighted
# average of its values, $E[X] = \sum_x x P(X = x)$, and for a function,
# $E_{x \sim P}[f(x)] = \sum_x f(x) P(x)$. An investment that fails with
# probability 0.5, doubles the money with probability 0.4 and returns ten
# times the stake with probability 0.1 has expected return
# $0.5 \cdot 0 + 0.4 \cdot 2 + 0.1 \cdot 10 = 1.8$.
#
# The **variance** measures the spread around the expectation,
#
# $$\mathrm{Var}[X] = E\left[(X - E[X])^2\right] = E[X^2] - E[X]^2,$$
#
# and its square root is the **standard deviation**. Estimated from $n$
# samples, the mean of the squared deviations from the *sample* mean is
# slightly too small on average; dividing by $n - 1$ instead of $n$ removes
# that bias.

# %%
values = np.array([0.0, 2.0, 10.0])
probs = np.array([0.5, 0.4, 0.1])
mean = np.sum(values * probs)
variance = np.sum((values - mean) ** 2 * probs)
print(f"E[X] = {mean:.2f}   Var[X] = {variance:.2f}   std = {np.sqrt(variance):.3f}")

samples = rng.choice(values, size=num_tosses, p=probs)
print(f"from {num_tosses} samples: mean {samples.mean():.3f}, variance {samples.var(ddof=1):.3f}")

# %% [markdown]
# ### Summary
#
# * Sampling with a seeded generator gives repeatable experiments; relative
#   frequencies converge to probabilities as the sample grows.
# * Probabilities obey three axioms; joint, conditional and marginal
#   probabilities are linked by the product and sum rules.
# * Bayes' theorem turns $P(\text{evidence} \mid \text{cause})$ into
#   $P(\text{cause} \mid \text{evidence})$; the denominator comes from
#   marginalization, and rare causes keep posteriors low.
# * Expectation is the weighted average of values, variance the expected
#   squared deviation; sample variances divide by $n - 1$.

# %% [markdown]
# ### Try it
#
# 1. **How exact is a frequency?** Toss the die $n = 1000$ times and
#    estimate $P(X = 6)$; repeat the whole experiment many times. Predict
#    the standard deviation of the estimates (`my_spread`): the count of
#    sixes is binomial. Then quadruple `try_n`: what happens to the spread?
# 2. **The same test twice.** Section 2.6.4 multiplied the likelihoods of
#    two tests because they were conditionally independent. Suppose the
#    "second test" repeats the first, so a healthy patient who tested
#    positive tests positive again. Predict $P(H = 1 \mid D_1 = 1, D_2 = 1)$
#    (`my_repeat_posterior`); the cell simulates a population. Then set
#    `try_same_errors = False` (a second, independent test with the same
#    rates) and compare with the formula.
# 3. **Why $n - 1$?** Predict the average of `np.var(s)` (dividing by $n$)
#    over many samples `s` of $n = 2$ draws from $\mathcal{N}(0, 1)$, whose
#    variance is 1 (`my_biased_variance`).
# 4. Which is larger, $E[X]^2$ or $E[X^2]$? When are they equal?

# %%
my_spread = None  # question 1: a number
my_repeat_posterior = None  # question 2: a probability
my_biased_variance = None  # question 3: a number

try_rng = np.random.default_rng(2)
try_n, try_repeats = 1000, PROFILE.pick(tiny=500, default=2000, full=5000)
sixes = (try_rng.integers(1, 7, size=(try_repeats, try_n)) == 6).mean(axis=1)
compare_prediction(my_spread, sixes.std(), rel_tol=0.1,
                   what=f"spread of the frequency of a six ({try_repeats} runs of {try_n} tosses)")

try_same_errors = True
population = PROFILE.pick(tiny=400_000, default=2_000_000, full=5_000_000)
infected = try_rng.random(population) < prior
try_first = infected | (try_rng.random(population) < false_positive_1)  # sensitivity 1
if try_same_errors:  # the same errors again: a healthy positive stays positive
    try_second = try_first
else:  # an independent second test with the same rates
    try_second = infected | (try_rng.random(population) < false_positive_1)
try_both = try_first & try_second
print(f"{try_both.sum()} of {population} simulated patients tested positive twice;"
      f" the formula for independent tests gives"
      f" {prior / (prior + false_positive_1**2 * (1 - prior)):.4f}")
compare_prediction(my_repeat_posterior, infected[try_both].mean(), rel_tol=0.15,
                   what="P(H=1 | two positive results) in the simulation")

pairs = try_rng.normal(size=(PROFILE.pick(tiny=20_000, default=100_000, full=100_000), 2))
compare_prediction(my_biased_variance, np.var(pairs, axis=1).mean(), rel_tol=0.05,
                   what="the average of np.var over samples of 2")

# %% [markdown]
# ### Exercise 2.10: Bayes with several tests
#
# Write `posterior(prior, tests)`. `prior` is $P(H = 1)$; `tests` is a list of
# `(sensitivity, false_positive_rate)` pairs, i.e.
# $(P(D_i = 1 \mid H = 1), P(D_i = 1 \mid H = 0))$, one per test, and every
# test came back positive. Assuming the tests are conditionally independent
# given $H$, return $P(H = 1 \mid D_1 = 1, \dots, D_k = 1)$ as a number. With
# no tests the answer is the prior.

# %% tags=["exercise"] exercise="ch02.bayes"
# exercise: ch02.bayes
def posterior(prior, tests):
    """P(H=1 | every test positive) for conditionally independent tests."""
    raise NotImplementedError("ch02.bayes: write your answer here")


# %% tags=["check"]
check("ch02.bayes")

# %% [markdown]
# ### Exercise 2.11: expectation and variance
#
# * `expectation_and_variance(values, probs)` returns the pair
#   $(E[X], \mathrm{Var}[X])$ for a discrete random variable that takes
#   `values[i]` with probability `probs[i]`.
# * `sample_mean_and_variance(samples)` returns the pair (sample mean,
#   unbiased sample variance) of a list of observations, the variance divided
#   by $n - 1$.

# %% tags=["exercise"] exercise="ch02.moments"
# exercise: ch02.moments
def expectation_and_variance(values, probs):
    raise NotImplementedError("ch02.moments: write your answer here")


def sample_mean_and_variance(samples):
    raise NotImplementedError("ch02.moments: write your answer here")


# %% tags=["check"]
check("ch02.moments")

# %% [markdown]
# ### Exercise 2.12: a seeded Monte-Carlo experiment
#
# Write `die_frequencies(num_tosses, seed)`: toss a fair six-sided die
# `num_tosses` times with `np.random.default_rng(seed)` and return an array of
# six relative frequencies, those of the faces 1, 2, ..., 6 in that order.
# The same seed must give the same answer.

# %% tags=["exercise"] exercise="ch02.die_frequencies"
# exercise: ch02.die_frequencies
def die_frequencies(num_tosses, seed):
    """Relative frequencies of faces 1..6 in num_tosses seeded tosses."""
    raise NotImplementedError("ch02.die_frequencies: write your answer here")


# %% tags=["check"]
check("ch02.die_frequencies")

# %% [markdown]
# ## Where next
#
# With tensors, a little linear algebra, gradients from autograd and the
# vocabulary of probability, we have everything needed for the first model:
# linear regression, in chapter 3.
