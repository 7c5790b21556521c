"""Training helpers shared by the chapters: mini-batches and K-fold loops."""

from __future__ import annotations

from typing import Callable, Iterator, Mapping

import numpy as np


def minibatches(
    X, y, batch_size: int, shuffle: bool = True, seed: int | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(X_batch, y_batch)`` pairs; the last batch may be smaller."""
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    order = np.arange(len(X))
    if shuffle:
        np.random.default_rng(seed).shuffle(order)
    for start in range(0, len(X), batch_size):
        rows = order[start : start + batch_size]
        yield X[rows], y[rows]


def k_fold_indices(num_examples: int, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split ``range(num_examples)`` into k contiguous folds.

    Returns one ``(train_rows, validation_rows)`` pair per fold; fold i
    validates on the i-th slice. The first ``num_examples % k`` folds get one
    extra row, so every example is validated on exactly once.
    """
    if k < 2:
        raise ValueError(f"K-fold needs k >= 2, got {k}")
    if num_examples < k:
        raise ValueError(f"cannot split {num_examples} examples into {k} folds")
    rows = np.arange(num_examples)
    folds = np.array_split(rows, k)
    return [
        (np.concatenate(folds[:i] + folds[i + 1 :]), folds[i]) for i in range(k)
    ]


def k_fold(
    train_and_evaluate: Callable[..., Mapping[str, float]],
    X,
    y,
    k: int = 5,
    verbose: bool = True,
) -> dict[str, float]:
    """Run ``train_and_evaluate(X_train, y_train, X_val, y_val)`` on each fold.

    The callable returns a mapping of metric name to value (for example
    ``{"train_loss": ..., "val_loss": ...}``); the result holds each metric
    averaged over the k folds.
    """
    per_fold: list[Mapping[str, float]] = []
    for i, (train_rows, val_rows) in enumerate(k_fold_indices(len(X), k)):
        metrics = train_and_evaluate(X[train_rows], y[train_rows], X[val_rows], y[val_rows])
        if not metrics:
            raise ValueError("train_and_evaluate must return a non-empty mapping of metrics")
        per_fold.append(metrics)
        if verbose:
            shown = ", ".join(f"{name} {value:.4f}" for name, value in metrics.items())
            print(f"fold {i + 1}/{k}: {shown}")
    return {name: float(np.mean([m[name] for m in per_fold])) for name in per_fold[0]}
