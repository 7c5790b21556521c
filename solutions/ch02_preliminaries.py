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
# # Solutions: 2. Preliminaries

# %% tags=["exercise"] exercise="ch02.pairwise_differences"
# exercise: ch02.pairwise_differences
def pairwise_differences(x, y):
    """D[i, j] = x[i] - y[j], shape (len(x), len(y))."""
    column = ops.reshape(ops.convert_to_tensor(x), (-1, 1))
    row = ops.reshape(ops.convert_to_tensor(y), (1, -1))
    return column - row


# %% tags=["exercise"] exercise="ch02.slicing"
# exercise: ch02.slicing
def even_rows_last_columns(X, k):
    """Rows 0, 2, 4, ... of X, last k columns only."""
    return X[::2, -k:]


def flip_rows(X):
    """X with its rows in reverse order."""
    return ops.flip(X, axis=0)


# %% tags=["exercise"] exercise="ch02.preprocess"
# exercise: ch02.preprocess
import pandas as pd


def preprocess(data):
    """Mean-impute numerical columns, one-hot categorical ones (NaN included)."""
    frame = pd.DataFrame(data)
    frame = pd.get_dummies(frame, dummy_na=True)
    return frame.fillna(frame.mean())


# %% tags=["exercise"] exercise="ch02.normalize_rows"
# exercise: ch02.normalize_rows
def normalize_rows(X):
    """X with every row divided by that row's sum."""
    X = ops.convert_to_tensor(X)
    return X / ops.sum(X, axis=1, keepdims=True)


# %% tags=["exercise"] exercise="ch02.matmul_broadcast"
# exercise: ch02.matmul_broadcast
def matmul_broadcast(A, B):
    """The product of A (..., n, k) and B (..., k, m), shape (..., n, m)."""
    A, B = ops.convert_to_tensor(A), ops.convert_to_tensor(B)
    # (..., n, k, 1) times (..., 1, k, m): every a_il b_lj, at [..., i, l, j]
    products = ops.expand_dims(A, -1) * ops.expand_dims(B, -3)
    return ops.sum(products, axis=-2)  # sum over the shared index l


# %% tags=["exercise"] exercise="ch02.row_norms"
# exercise: ch02.row_norms
def row_norms(X):
    """The l2 norm of every row of X, shape (rows,), at any scale."""
    X = ops.convert_to_tensor(X)
    # One scale per row: with the matrix's largest entry, small rows underflow.
    scale = ops.max(ops.abs(X), axis=1, keepdims=True)
    scale = ops.where(scale > 0, scale, ops.ones_like(scale))  # a zero row stays 0, not 0 / 0
    return scale[:, 0] * ops.sqrt(ops.sum(ops.square(X / scale), axis=1))


# %% tags=["exercise"] exercise="ch02.numerical_derivative"
# exercise: ch02.numerical_derivative
def numerical_derivative(f, x, h):
    """Central-difference approximation of f'(x) with step h."""
    return float((f(x + h) - f(x - h)) / (2 * h))


# %% tags=["exercise"] exercise="ch02.gradients"
# exercise: ch02.gradients
def gradients(functions, x):
    """[gradient of f(x) (summed if not scalar) for f in functions]"""
    collected = []
    for f in functions:
        x.grad = None  # forget the previous function's gradient
        y = f(x)
        ops.sum(y).backward()  # summing a scalar changes nothing
        collected.append(x.grad)  # a fresh tensor each time, thanks to grad = None
    return collected


# %% tags=["exercise"] exercise="ch02.detach"
# exercise: ch02.detach
def detach_gradients(x):
    """(grad of sum(stop_gradient(x*x) * x), grad of sum(x*x*x))"""
    x = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    u = ops.stop_gradient(x * x)
    ops.sum(u * x).backward()
    detached = x.grad.clone()  # a copy: zero_() below works in place
    x.grad.zero_()  # or the second gradient adds to the first
    ops.sum(x * x * x).backward()
    return detached, x.grad.clone()


# %% tags=["exercise"] exercise="ch02.bayes"
# exercise: ch02.bayes
def posterior(prior, tests):
    """P(H=1 | every test positive) for conditionally independent tests."""
    likelihood_sick, likelihood_healthy = 1.0, 1.0
    for sensitivity, false_positive_rate in tests:
        likelihood_sick *= sensitivity
        likelihood_healthy *= false_positive_rate
    evidence = likelihood_sick * prior + likelihood_healthy * (1 - prior)
    return likelihood_sick * prior / evidence


# %% tags=["exercise"] exercise="ch02.moments"
# exercise: ch02.moments
def expectation_and_variance(values, probs):
    values, probs = np.asarray(values, dtype=float), np.asarray(probs, dtype=float)
    expectation = float(np.dot(values, probs))
    return expectation, float(np.dot((values - expectation) ** 2, probs))


def sample_mean_and_variance(samples):
    samples = np.asarray(samples, dtype=float)
    return samples.mean(), samples.var(ddof=1)


# %% tags=["exercise"] exercise="ch02.die_frequencies"
# exercise: ch02.die_frequencies
def die_frequencies(num_tosses, seed):
    """Relative frequencies of faces 1..6 in num_tosses seeded tosses."""
    generator = np.random.default_rng(seed)
    faces = generator.integers(low=1, high=7, size=num_tosses)  # high is excluded
    return np.bincount(faces, minlength=7)[1:] / num_tosses
