"""Generated data sets for the early chapters (no download needed)."""

from __future__ import annotations

import math

import numpy as np


def _rng(seed: int | None) -> np.random.Generator:
    return np.random.default_rng(seed)


def synthetic_regression(
    w, b: float, num_examples: int, noise: float = 0.01, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``X ~ N(0, 1)`` and ``y = X w + b + noise * N(0, 1)``.

    Returns float32 arrays ``X`` of shape (num_examples, len(w)) and ``y`` of
    shape (num_examples, 1), as Keras' ``fit`` expects.
    """
    w = np.asarray(w, dtype=np.float64).reshape(-1)
    if num_examples <= 0:
        raise ValueError(f"num_examples must be positive, got {num_examples}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    rng = _rng(seed)
    X = rng.normal(size=(num_examples, w.size))
    y = X @ w + b + noise * rng.normal(size=num_examples)
    return X.astype(np.float32), y.reshape(-1, 1).astype(np.float32)


def polynomial_features(x, max_degree: int) -> np.ndarray:
    """Columns ``x**i / i!`` for ``i = 0 .. max_degree-1``.

    Dividing by ``i!`` keeps high powers from dwarfing the low ones, so one
    learning rate suits every coefficient.
    """
    if max_degree < 1:
        raise ValueError(f"max_degree must be >= 1, got {max_degree}")
    x = np.asarray(x, dtype=np.float64).reshape(-1, 1)
    powers = np.arange(max_degree).reshape(1, -1)
    factorials = np.array([math.gamma(i + 1) for i in range(max_degree)])
    return (x**powers / factorials).astype(np.float32)


def polynomial_data(
    coefficients=(5.0, 1.2, -3.4, 5.6),
    max_degree: int = 20,
    num_train: int = 100,
    num_test: int = 100,
    noise: float = 0.1,
    seed: int | None = None,
):
    """The D2L polynomial task: ``y = sum_i c_i x^i / i! + noise``.

    Returns ``(train_features, test_features, train_labels, test_labels)``
    with all ``max_degree`` feature columns; select the first k columns to
    fit a degree k-1 polynomial.
    """
    coefficients = np.asarray(coefficients, dtype=np.float64)
    if coefficients.size > max_degree:
        raise ValueError("more coefficients than max_degree allows")
    rng = _rng(seed)
    x = rng.normal(size=num_train + num_test)
    features = polynomial_features(x, max_degree)
    true_w = np.zeros(max_degree)
    true_w[: coefficients.size] = coefficients
    labels = features @ true_w + noise * rng.normal(size=x.size)
    labels = labels.reshape(-1, 1).astype(np.float32)
    return (
        features[:num_train],
        features[num_train:],
        labels[:num_train],
        labels[num_train:],
    )
