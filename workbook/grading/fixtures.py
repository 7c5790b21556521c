"""Functions a check can hand to a student's function (``fixture("name")``).

They are written with ``keras.ops`` so they accept numpy arrays and torch
tensors alike, and autograd flows through them on the torch backend.
"""

from __future__ import annotations

from keras import ops


def two_x_dot_x(x):
    """y = 2 x.x; its gradient is 4x."""
    return 2 * ops.sum(x * x)


def sum_of_x(x):
    return ops.sum(x)


def sum_of_squares(x):
    return ops.sum(x * x)


def mean_of_squares(x):
    return ops.mean(x * x)


def sum_of_cubes(x):
    return ops.sum(x * x * x)


def cubic_minus_linear(x):
    """f(x) = 3x^2 - 4x summed; f'(1) = 2."""
    return ops.sum(3 * x * x - 4 * x)


def sin_sum(x):
    return ops.sum(ops.sin(x))


def log_sum_exp(x):
    return ops.log(ops.sum(ops.exp(x)))
