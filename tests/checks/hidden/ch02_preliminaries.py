"""Hidden checks for chapter 2 (instructors only).

Random inputs from ``rng`` and stronger properties than the visible checks:
shapes that differ, square matrices where a missing keepdims hides, random
functions for the autograd exercises, edge cases such as one toss or no test.
"""

import math

import numpy as np

from visible_checks import (
    expect_float32_only, expect_matmul, expect_own_product, expect_row_norms,
    expected_preprocessed, expected_row_norms, frequencies_array,
)
from workbook.grading import (
    Checks, expect_close, expect_frame_close, expect_gradient, expect_number_close, expect_sequence,
    expect_true, fixture, tensor,
)
from workbook.grading.expect import SAMPLE_Z

checks = Checks("ch02")

# The matrix of workbook.grading.fixtures.quadratic_form, copied so that the
# expected gradient is computed from the grader's own numbers.
QUADRATIC_FORM_MATRIX = np.array([[2.0, -1.0, 0.5], [0.0, 1.5, 3.0], [-2.0, 1.0, 0.25]])


# ------------------------------------------------------------ 2.1 tensors


@checks.hidden(
    "ch02.pairwise_differences",
    message="pairwise_differences works for vectors of different lengths (including length 1) "
    "and for torch tensors",
)
def pairwise_differences_random_shapes(student, rng):
    for n, m in [(int(rng.integers(2, 7)), int(rng.integers(7, 10))), (1, 5), (6, 1)]:
        x, y = rng.normal(size=n), rng.normal(size=m)
        got = student.call("pairwise_differences", tensor(x), tensor(y))
        expect_close(
            got, np.subtract.outer(x, y), what=f"pairwise_differences for lengths {n} and {m}"
        )


def _telling_shapes(rng):
    """One row, two rows, an odd and an even number of rows, a square matrix
    (issue 10, class 3), then a random shape."""
    cols = int(rng.integers(3, 6))
    odd, even = 2 * int(rng.integers(1, 4)) + 1, 2 * int(rng.integers(2, 4))
    return [(1, cols), (2, cols), (odd, cols), (even, cols), (cols, cols),
            (int(rng.integers(3, 9)), int(rng.integers(2, 7)))]


@checks.hidden(
    "ch02.slicing",
    message="even_rows_last_columns(X, k) is right for one, two, an odd and an even number of "
    "rows, square and random shapes, and every k from 1 to the number of columns",
)
def even_rows_last_columns_random(student, rng):
    for rows, cols in _telling_shapes(rng):
        X = rng.normal(size=(rows, cols)).astype(np.float32)
        for k in range(1, cols + 1):
            got = student.call("even_rows_last_columns", tensor(X), k)
            expected = X[np.arange(0, rows, 2)][:, np.arange(cols - k, cols)]
            expect_close(got, expected, what=f"even_rows_last_columns(X, {k}) for a {rows}x{cols} X")


@checks.hidden(
    "ch02.slicing", message="flip_rows reverses the rows of tensors with one, two, an odd and an "
    "even number of rows, square and random shapes, columns untouched"
)
def flip_rows_random(student, rng):
    for shape in _telling_shapes(rng):
        X = rng.normal(size=shape).astype(np.float32)
        got = student.call("flip_rows", tensor(X))
        expect_close(
            got, X[np.arange(shape[0] - 1, -1, -1)], what=f"flip_rows for a {shape} tensor"
        )


# ------------------------------------------------------- 2.2 preprocessing


def _random_table(rng, n):
    table = {}
    for name in ("area", "age"):
        numbers = rng.normal(100.0, 30.0, size=n).round(1)
        missing = rng.random(n) < 0.35
        missing[rng.choice(n, size=3, replace=False)] = False  # at least 3 values present
        table[name] = [float("nan") if m else float(v) for v, m in zip(numbers, missing)]
    for name, categories in (("roof", ["Slate", "Tile", "Wood"]), ("street", ["Grvl", "Pave"])):
        picks = rng.choice(categories, size=n)
        missing = rng.random(n) < 0.3
        missing[0] = True
        table[name] = [None if m else str(v) for v, m in zip(picks, missing)]
    return table


@checks.hidden(
    "ch02.preprocess",
    message="preprocess imputes the column mean (not zero or the median), keeps every row, "
    "and one-hot encodes every text column with a _nan indicator, also for columns with "
    "nothing missing (the indicator is then all zeros) and for a single category",
)
def preprocess_random_table(student, rng):
    table = _random_table(rng, int(rng.integers(8, 13)))
    got = student.call("preprocess", table)
    expect_frame_close(got, expected_preprocessed(table), what="preprocess(data)")
    # The telling columns (issue 10, class 3): nothing missing in a number and
    # in a text column, one category with missing values.
    n = int(rng.integers(5, 9))
    complete = {
        "rooms": [float(v) for v in rng.integers(1, 6, size=n)],
        "roof": [str(v) for v in rng.choice(["Slate", "Tile"], size=n)],
        "alley": ["Pave" if m else None for m in rng.random(n) < 0.5],
    }
    complete["roof"][:2], complete["alley"][:2] = ["Slate", "Tile"], ["Pave", None]
    got = student.call("preprocess", complete)
    expect_frame_close(got, expected_preprocessed(complete),
                       what="preprocess(data) for columns with nothing missing")


# ------------------------------------------------------ 2.3 linear algebra


@checks.hidden(
    "ch02.normalize_rows",
    message="normalize_rows divides each row by its own sum also for square and tall matrices "
    "(where dividing by column sums or a missing keepdims would still broadcast)",
)
def normalize_rows_square_and_tall(student, rng):
    n = int(rng.integers(3, 6))
    for shape in [(n, n), (n + 3, 2)]:
        X = rng.uniform(0.1, 3.0, size=shape)
        got = student.call("normalize_rows", X)
        expected = X / X.sum(axis=1, keepdims=True)
        expect_close(got, expected, rtol=1e-5, what=f"normalize_rows for a {shape} matrix")
        expect_close(np.sum(got, axis=1), np.ones(shape[0]), rtol=1e-5, what="the row sums")


def _matmul_shapes(rng):
    """The telling shapes (issue 10, class 3): n, k and m all different, each of
    them 1 (a row times a column, a column times a row), batch axes equal,
    broadcast from 1 and missing on one side; then a random case."""
    n, k, m = (int(v) for v in rng.permutation([2, 3, 4]) + int(rng.integers(0, 3)))
    b = int(rng.integers(2, 5))
    rb, rn, rk, rm = (int(v) for v in rng.integers(1, 6, size=4))
    return [((n, k), (k, m)), ((1, k), (k, 1)), ((k, 1), (1, m)), ((n, 1), (1, 1)),
            ((b, n, k), (b, k, m)), ((2, 1, n, k), (3, k, m)), ((n, k), (b, k, m)),
            ((b, 1, n, k), (1, 3, k, m)), ((rb, rn, rk), (rb, rk, rm))]


@checks.hidden(
    "ch02.matmul_broadcast",
    message="matmul_broadcast is A @ B for n, k and m all different, a 1xk row times a kx1 "
    "column, a kx1 column times a 1xm row, and batch axes that are equal, broadcast from 1 or "
    "missing on one side, without matmul, dot, einsum or @",
)
def matmul_broadcast_shapes(student, rng):
    for a_shape, b_shape in _matmul_shapes(rng):
        A, B = (rng.normal(size=s).astype(np.float32) for s in (a_shape, b_shape))
        expect_matmul(student, A, B, f"matmul_broadcast for shapes {a_shape} and {b_shape}")
    expect_own_product(student)


@checks.hidden(
    "ch02.matmul_broadcast",
    message="matmul_broadcast is differentiable keras.ops code: the gradients of "
    "sum(G * result) are G B^T with respect to A and A^T G with respect to B, also when "
    "batch axes broadcast",
)
def matmul_broadcast_gradient(student, rng):
    n, k, m = (int(v) for v in rng.permutation([2, 3, 5]))
    for a_shape, b_shape in [((n, k), (k, m)), ((2, 1, n, k), (3, k, m))]:
        A, B = (rng.normal(size=s) for s in (a_shape, b_shape))
        G = rng.normal(size=np.broadcast_shapes(a_shape[:-2], b_shape[:-2]) + (n, m))
        value, gradients = student.gradient(
            "matmul_broadcast", tensor(A, requires_grad=True), tensor(B, requires_grad=True),
            cotangent=G,
        )
        what = f"for shapes {a_shape} and {b_shape}"
        expect_close(value, A @ B, rtol=1e-4, atol=1e-5, what=f"matmul_broadcast {what}")
        # Summed over the batch axes that A (or B) was broadcast along.
        grad_A = (G @ np.swapaxes(B, -1, -2)).sum(axis=tuple(range(G.ndim - A.ndim)))
        grad_A = grad_A.sum(axis=tuple(i for i, s in enumerate(a_shape[:-2]) if s == 1), keepdims=True)
        grad_B = (np.swapaxes(A, -1, -2) @ G).sum(axis=tuple(range(G.ndim - B.ndim)))
        expect_gradient(gradients[0], grad_A.reshape(a_shape), what=f"the gradient for A {what}")
        expect_gradient(gradients[1], grad_B.reshape(b_shape), what=f"the gradient for B {what}")
    expect_own_product(student)


def _scaled_rows(rng, rows, cols):
    """Random rows, each scaled by its own power of ten from 1e-30 to 1e30."""
    exponents = rng.uniform(-30, 30, size=(rows, 1))
    return rng.normal(size=(rows, cols)) * 10.0 ** exponents


@checks.hidden(
    "ch02.row_norms",
    message="row_norms is right to 1e-5 for rows scaled from 1e-30 to 1e30 in one matrix, "
    "square and tall and wide, large and small entries in one row, one column, zero rows "
    "(exactly 0), and returns float32 without casting to float64",
)
def row_norms_random_scales(student, rng):
    d = int(rng.integers(3, 7))
    square = _scaled_rows(rng, d, d)
    square[0] *= 1e30 / np.abs(square[0]).max()  # the extremes, always
    square[1] *= 1e-30 / np.abs(square[1]).max()
    # Large and small entries in one row: a scale from the smallest entry overflows.
    within = np.array([[1e30, -1e-30, 2e29, 0.0], [1e-30, 3e-31, -1e-20, 1e-35], [1.0, 0.0, 0.0, 0.0]])
    zeros = np.vstack([np.zeros((1, d + 2)), _scaled_rows(rng, 3, d + 2), np.zeros((1, d + 2))])
    cases = [(square, "a square matrix"), (within, "rows with large and small entries"),
             (zeros, "rows of zeros among scaled rows"),
             (_scaled_rows(rng, 5, 1), "one column"),
             (_scaled_rows(rng, 2, int(rng.integers(6, 12))), "a wide matrix"),
             (_scaled_rows(rng, int(rng.integers(6, 12)), 2), "a tall matrix")]
    for X, what in cases:
        expect_row_norms(student, X.astype(np.float32), f"row_norms for {what}")
    expect_float32_only(student)


@checks.hidden(
    "ch02.row_norms",
    message="row_norms is differentiable keras.ops code: the gradient of sum(c * norms) is "
    "c_i x_i / ||x_i|| row by row, at every scale",
)
def row_norms_gradient(student, rng):
    X = _scaled_rows(rng, int(rng.integers(3, 6)), int(rng.integers(2, 6)))
    X[0] *= 1e25 / np.abs(X[0]).max()
    X[1] *= 1e-25 / np.abs(X[1]).max()
    X = X.astype(np.float32)
    c = rng.normal(size=X.shape[0])
    value, gradients = student.gradient("row_norms", tensor(X, requires_grad=True), cotangent=c)
    norms = expected_row_norms(X)
    expect_close(value, norms, rtol=1e-5, atol=0, what="row_norms(X)")
    X64 = X.astype(np.float64)
    expect_gradient(gradients[0], c[:, None] * X64 / norms[:, None], what="the gradient of row_norms")
    expect_float32_only(student)


# ------------------------------------------------------------ 2.4 calculus


@checks.hidden(
    "ch02.numerical_derivative",
    message="numerical_derivative uses the step h it is given in (f(x+h) - f(x-h)) / (2h), "
    "for sin and x^3 at random points",
)
def numerical_derivative_random(student, rng):
    h = 0.05
    for x in rng.uniform(1.0, 2.0, size=2) * rng.choice([-1, 1], size=2):
        got = student.call("numerical_derivative", fixture("sum_of_cubes"), float(x), h)
        expected = 3 * x * x + h * h  # the exact central difference of x^3
        expect_number_close(
            got, expected, rtol=1e-4, atol=1e-4, what=f"the central difference of x^3 at {x:.3f}"
        )
    h = 0.01
    for x in (rng.uniform(0.5, 1.2), rng.uniform(2.0, 2.6)):
        got = student.call("numerical_derivative", fixture("sin_sum"), float(x), h)
        expected = (math.sin(x + h) - math.sin(x - h)) / (2 * h)
        expect_number_close(
            got, expected, rtol=0, atol=5e-5, what=f"the central difference of sin at {x:.3f}"
        )


# ---------------------------------------------------------- 2.5 autograd


@checks.hidden(
    "ch02.gradients",
    message="gradients is right for sin, x^3, log-sum-exp and a vector output on a random x, "
    "each gradient independent of the others",
)
def gradients_random_functions(student, rng):
    x = rng.normal(size=6)
    names = ["sin_sum", "sum_of_cubes", "log_sum_exp", "elementwise_square"]
    got = expect_sequence(
        student.call("gradients", [fixture(n) for n in names], tensor(x, requires_grad=True)),
        4,
        "the result",
    )
    softmax = np.exp(x - x.max()) / np.exp(x - x.max()).sum()
    expected = [np.cos(x), 3 * x**2, softmax, 2 * x]
    for name, g, e in zip(names, got, expected):
        expect_close(g, e, rtol=1e-4, atol=1e-5, what=f"the gradient of {name}")


@checks.hidden(
    "ch02.gradients",
    message="gradients matches (A + A^T) x for x^T A x and goes through Python loops and "
    "branches (a function that doubles x until its norm reaches 1000)",
)
def gradients_identities_and_control_flow(student, rng):
    x = rng.normal(size=3) * 0.2
    names = ["quadratic_form", "doubling_loop", "two_x_dot_x"]
    got = expect_sequence(
        student.call("gradients", [fixture(n) for n in names], tensor(x, requires_grad=True)),
        3,
        "the result",
    )
    A = QUADRATIC_FORM_MATRIX
    x32 = x.astype(np.float32).astype(np.float64)
    expect_close(got[0], (A + A.T) @ x32, rtol=1e-4, atol=1e-5, what="the gradient of x^T A x")
    factor, b = 2.0, 2 * x32
    while np.linalg.norm(b) < 1000:
        b, factor = 2 * b, 2 * factor
    if b.sum() <= 0:
        factor *= 100
    expect_close(
        got[1], np.full(3, factor), rtol=1e-5, what="the gradient of the doubling loop (summed)"
    )
    expect_close(got[2], 4 * x32, rtol=1e-4, atol=1e-5, what="the gradient of 2 x.x")


@checks.hidden(
    "ch02.detach",
    message="detach_gradients(x) is (x^2, 3x^2) for random x",
)
def detach_random(student, rng):
    x = rng.normal(size=int(rng.integers(3, 8)))
    got = expect_sequence(student.call("detach_gradients", x), 2, "detach_gradients(x)")
    expect_close(got[0], x**2, rtol=1e-4, atol=1e-5, what="the gradient with u detached")
    expect_close(got[1], 3 * x**2, rtol=1e-4, atol=1e-5, what="the gradient without detaching")


# --------------------------------------------------------- 2.6 probability


@checks.hidden(
    "ch02.bayes",
    message="posterior is right for random priors and zero to four tests (no tests: the prior)",
)
def bayes_random_tests(student, rng):
    for count in (0, 1, 2, 3, 4):
        prior = float(rng.uniform(0.001, 0.5))
        tests = [
            (float(rng.uniform(0.5, 1.0)), float(rng.uniform(0.001, 0.3))) for _ in range(count)
        ]
        got = student.call("posterior", prior, tests)
        log_odds = math.log(prior / (1 - prior)) + sum(math.log(s / f) for s, f in tests)
        expected = 1 / (1 + math.exp(-log_odds))
        expect_number_close(
            got,
            expected,
            rtol=1e-6,
            atol=1e-12,
            what=f"the posterior after {count} positive test(s)",
        )


@checks.hidden(
    "ch02.moments",
    message="expectation_and_variance is right for a random distribution with unequal "
    "probabilities",
)
def expectation_random(student, rng):
    values = rng.normal(size=int(rng.integers(3, 7))) * 5
    probs = rng.dirichlet(np.ones(values.size))
    got = expect_sequence(
        student.call("expectation_and_variance", list(values), list(probs)), 2, "the result"
    )
    mean = float(probs @ values)
    expect_number_close(got[0], mean, rtol=1e-6, what="E[X]")
    expect_number_close(got[1], float(probs @ values**2) - mean**2, rtol=1e-6, what="Var[X]")


@checks.hidden(
    "ch02.moments",
    message="sample_mean_and_variance returns the mean and the n - 1 variance of random "
    "samples, also of size 2",
)
def sample_moments_random(student, rng):
    for size in (2, int(rng.integers(5, 20))):
        samples = rng.normal(3.0, 2.0, size=size)
        got = expect_sequence(student.call("sample_mean_and_variance", list(samples)), 2, "the result")
        mean = samples.sum() / size
        expect_number_close(got[0], mean, rtol=1e-6, what="the sample mean")
        unbiased = ((samples - mean) ** 2).sum() / (size - 1)
        expect_number_close(
            got[1],
            unbiased,
            rtol=1e-6,
            what=f"the sample variance of {size} samples",
        )


@checks.hidden(
    "ch02.die_frequencies",
    message="die_frequencies has six entries even for one or two tosses, is within 6 "
    "standard errors of 1/6 for 60000 tosses, and different seeds give different results",
)
def die_frequencies_strong(student, rng):
    seeds = [int(s) for s in rng.integers(0, 2**31, size=4)]
    for n, seed in [(1, seeds[0]), (1, seeds[1]), (2, seeds[2]), (1, seeds[3])]:
        got = frequencies_array(
            student.call("die_frequencies", n, seed), f"the frequencies for {n} toss(es)"
        )
        expect_close(
            float(got.sum()), 1.0, atol=1e-9, what=f"the sum of the frequencies for {n} toss(es)"
        )
        expect_close(got * n, np.round(got * n), atol=1e-6, what=f"the frequencies times {n}")
    n = 60000
    big = frequencies_array(student.call("die_frequencies", n, seeds[0]), "the frequencies")
    # SAMPLE_Z binomial standard errors: a fair die fails with probability ~1e-8
    tolerance = SAMPLE_Z * math.sqrt((1 / 6) * (5 / 6) / n)
    expect_true(
        bool(np.all(np.abs(big - 1 / 6) < tolerance)),
        f"with {n} tosses the frequencies {np.round(big, 4).tolist()} should all be within "
        f"{tolerance:.4f} of 1/6",
    )
    other = frequencies_array(student.call("die_frequencies", 600, seeds[1]), "the frequencies")
    other2 = frequencies_array(
        student.call("die_frequencies", 600, seeds[1] + 1), "the frequencies"
    )
    expect_true(not np.array_equal(other, other2), "different seeds should give different tosses")
    repeat = frequencies_array(student.call("die_frequencies", 600, seeds[1]), "the frequencies")
    expect_true(np.array_equal(other, repeat), "the same seed should give the same frequencies")
