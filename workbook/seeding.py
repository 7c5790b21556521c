"""Reproducible runs: one call seeds Python, numpy, torch and Keras."""

from __future__ import annotations

DEFAULT_SEED = 42


def set_seed(seed: int = DEFAULT_SEED) -> int:
    """Seed every random number generator a chapter touches.

    ``keras.utils.set_random_seed`` covers Python's ``random``, numpy, torch
    and Keras' own ``SeedGenerator``; on CPU two runs are then bit-identical,
    dropout and shuffling included.
    """
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    import keras

    keras.utils.set_random_seed(seed)
    return seed
