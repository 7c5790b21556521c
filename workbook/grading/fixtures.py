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


def elementwise_square(x):
    """A non-scalar output: y_i = x_i^2 (the gradient of its sum is 2x)."""
    return x * x


# The fixed matrix of ``quadratic_form``; a check that uses the fixture keeps
# its own copy of these numbers to compute the expected gradient (A + A^T) x.
QUADRATIC_FORM_MATRIX = (
    (2.0, -1.0, 0.5),
    (0.0, 1.5, 3.0),
    (-2.0, 1.0, 0.25),
)


def quadratic_form(x):
    """f(x) = x^T A x for a fixed, non-symmetric 3x3 matrix A."""
    x = ops.convert_to_tensor(x)
    a = ops.cast(ops.convert_to_tensor(QUADRATIC_FORM_MATRIX), x.dtype)
    return ops.sum(x * ops.matmul(a, x))


def doubling_loop(a):
    """D2L's control-flow example: keeps doubling until the norm reaches 1000.

    The result is c = k * a for a constant k that depends on a, so the
    gradient of sum(c) is k everywhere. The input must not be all zeros.
    """
    b = a * 2
    while ops.norm(b) < 1000:
        b = b * 2
    if ops.sum(b) > 0:
        c = b
    else:
        c = 100 * b
    return c


# A toy step model for decoding checks (chapter 9): HISTORY_VOCAB tokens, a
# state that depends on every token read so far. A check keeps its own copy
# of the rule to compute the expected decode.
HISTORY_VOCAB = 11


def history_step(tokens, state):
    """``(logits (1, steps, 11), new_state (1, 1))`` for tokens ``(1, steps)``;
    ``state=None`` starts from 0. Per token ``t``: ``a = (2a + t + 1) % 11``,
    and the logits peak (uniquely) at ``(3a + t) % 11``."""
    import numpy as np

    a = 0 if state is None else int(np.asarray(ops.convert_to_numpy(state)).reshape(-1)[0])
    rows = []
    for t in np.asarray(ops.convert_to_numpy(tokens)).reshape(-1).astype(int):
        a = (2 * a + int(t) + 1) % HISTORY_VOCAB
        best = (3 * a + int(t)) % HISTORY_VOCAB
        rows.append([-float((j - best) % HISTORY_VOCAB) for j in range(HISTORY_VOCAB)])
    return np.array([rows], dtype="float32"), np.array([[a]], dtype="float32")
