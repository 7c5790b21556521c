"""Visible checks for chapter 2 (shipped to students).

Every expected value is computed here with numpy from inputs drawn from
``rng``; nothing the student's code computes is trusted except the answer
under test.
"""

import math

import numpy as np

from workbook.grading import (
    Checks,
    expect_close,
    expect_frame_close,
    expect_number_close,
    expect_numbers,
    expect_python_number,
    expect_sequence,
    expect_source_avoids,
    expect_true,
    fixture,
    tensor,
)
from workbook.grading.expect import SAMPLE_Z, expect_dtype

checks = Checks("ch02")


# ------------------------------------------------------------------ helpers


def frequencies_array(value, what):
    """Six numbers: an array or tensor, or a list or tuple of numbers."""
    return expect_numbers(value, shape=(6,), what=what)


def expected_preprocessed(data):
    """Mean imputation for number columns, indicators (with a NaN one) for text columns."""
    expected = {}
    for name, column in data.items():
        if any(isinstance(v, str) for v in column):
            for category in sorted({v for v in column if v is not None}):
                expected[f"{name}_{category}"] = np.array([v == category for v in column], float)
            expected[f"{name}_nan"] = np.array([v is None for v in column], float)
        else:
            numbers = np.array(column, dtype=np.float64)
            missing = np.isnan(numbers)
            expected[name] = np.where(missing, numbers[~missing].mean(), numbers)
    return expected


# ------------------------------------------------------------ 2.1 tensors


@checks.visible(
    "ch02.pairwise_differences",
    message="pairwise_differences(x, y) returns the len(x) x len(y) matrix D[i, j] = x[i] - y[j]",
)
def pairwise_differences_values(student, rng):
    x, y = rng.normal(size=4), rng.normal(size=3)
    got = student.call("pairwise_differences", x, y)
    expect_close(got, x[:, None] - y[None, :], what="pairwise_differences(x, y)")


@checks.visible(
    "ch02.slicing",
    message="even_rows_last_columns(X, k) returns rows 0, 2, 4, ... of X and only its last k columns",
)
def even_rows_last_columns_values(student, rng):
    X = rng.integers(-9, 10, size=(5, 6)).astype(np.float32)
    got = student.call("even_rows_last_columns", tensor(X), 2)
    expected = X[[0, 2, 4]][:, [4, 5]]
    expect_close(got, expected, what="even_rows_last_columns(X, 2) for a 5x6 X")


@checks.visible(
    "ch02.slicing",
    message="flip_rows(X) returns X with its rows in reverse order (torch tensors do not "
    "support X[::-1]; use ops.flip)",
)
def flip_rows_values(student, rng):
    X = rng.normal(size=(4, 3)).astype(np.float32)
    got = student.call("flip_rows", tensor(X))
    expect_close(got, X[[3, 2, 1, 0]], what="flip_rows(X) for a 4x3 X")


# ------------------------------------------------------- 2.2 preprocessing


@checks.visible(
    "ch02.preprocess",
    message="preprocess(data) returns a DataFrame: numbers with NaN replaced by the column "
    "mean, text columns one-hot encoded with get_dummies(dummy_na=True)",
)
def preprocess_house_tiny(student, rng):
    nan = float("nan")
    data = {"NumRooms": [nan, 2.0, 4.0, nan], "RoofType": [None, None, "Slate", None]}
    got = student.call("preprocess", data)
    expect_frame_close(got, expected_preprocessed(data), what="preprocess(data)")


# ------------------------------------------------------ 2.3 linear algebra


@checks.visible(
    "ch02.normalize_rows",
    message="normalize_rows(X) divides every row by its own sum (reduce over axis=1 with "
    "keepdims=True), so each row sums to 1",
)
def normalize_rows_values(student, rng):
    X = rng.uniform(0.5, 2.0, size=(3, 5))
    got = student.call("normalize_rows", X)
    expect_close(got, X / X.sum(axis=1)[:, None], rtol=1e-5, what="normalize_rows(X) for a 3x5 X")


# What "the matrix product by broadcasting" rules out: the products keras.ops
# and torch offer, by name, and the @ operator.
MATMUL_LIKE = ("@", "__matmul__", "__rmatmul__", "matmul", "dot", "vdot", "inner", "tensordot",
               "einsum", "mm", "bmm", "mv", "addmm", "addmv", "addbmm", "baddbmm", "linear",
               "multi_dot", "chain_matmul", "Dense", "EinsumDense")
# What "compute in float32" rules out.
WIDER_FLOATS = ("float64", "double", "complex128")


def expect_own_product(student):
    """The grader's copy of the cell names none of MATMUL_LIKE."""
    expect_source_avoids(student, "ch02.matmul_broadcast", MATMUL_LIKE,
                         what="matmul_broadcast (broadcasting and one sum)")


def expect_float32_only(student):
    """The grader's copy of the cell names none of WIDER_FLOATS."""
    expect_source_avoids(student, "ch02.row_norms", WIDER_FLOATS, what="row_norms (float32 only)")


def expect_matmul(student, A, B, what):
    """matmul_broadcast(A, B) on tensors, against numpy's product."""
    got = student.call("matmul_broadcast", tensor(A), tensor(B))
    return expect_close(got, np.matmul(A, B), rtol=1e-4, atol=1e-5, what=what)


@checks.visible(
    "ch02.matmul_broadcast",
    message="matmul_broadcast(A, B) is A @ B for a 3x4 A and a 4x2 B and for a batch of "
    "products ((2, 3, 4) times (2, 4, 5)), without matmul, dot, einsum or @",
)
def matmul_broadcast_values(student, rng):
    A, B = rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=(4, 2)).astype(np.float32)
    expect_matmul(student, A, B, "matmul_broadcast(A, B) for a 3x4 A and a 4x2 B")
    A, B = (rng.normal(size=s).astype(np.float32) for s in ((2, 3, 4), (2, 4, 5)))
    expect_matmul(student, A, B, "matmul_broadcast for shapes (2, 3, 4) and (2, 4, 5)")
    expect_own_product(student)


def expected_row_norms(X):
    """The grader's row norms, in float64 (no float32 limits on this side)."""
    return np.sqrt(np.sum(np.asarray(X, dtype=np.float64) ** 2, axis=1))


def expect_row_norms(student, X, what):
    got = student.call("row_norms", tensor(X))
    expect_dtype(got, "float32", what=what)
    return expect_close(got, expected_row_norms(X), rtol=1e-5, atol=0, what=what)


@checks.visible(
    "ch02.row_norms",
    message="row_norms(X) for rows (3, -4), (3, 4) * 1e20, (3, -4) * 1e-25 and (0, 0) in one "
    "float32 X is the float32 vector (5, 5e20, 5e-25, 0): no overflow, no underflow, no 0 / 0",
)
def row_norms_mixed_scales(student, rng):
    X = np.array([[3.0, -4.0], [3e20, 4e20], [3e-25, -4e-25], [0.0, 0.0]], dtype=np.float32)
    expect_row_norms(student, X, "row_norms(X) for rows of sizes 1, 1e20, 1e-25 and 0")
    expect_float32_only(student)


# ------------------------------------------------------------ 2.4 calculus


@checks.visible(
    "ch02.numerical_derivative",
    message="numerical_derivative(f, 1.0, h=0.1) for f(x) = 3x^2 - 4x is the Python float 2.0 "
    "(a central difference is exact for a quadratic; a forward difference gives 2.3)",
)
def numerical_derivative_quadratic(student, rng):
    # f returns a 0-d tensor, so an answer without float(...) returns one too.
    got = student.call("numerical_derivative", fixture("cubic_minus_linear"), 1.0, 0.1)
    what = "numerical_derivative(f, 1.0, 0.1)"
    expect_number_close(expect_python_number(got, what), 2.0, rtol=0, atol=1e-4, what=what)


# ---------------------------------------------------------- 2.5 autograd


@checks.visible(
    "ch02.gradients",
    message="gradients([2x.x, sum(x), sum(x*x), mean(x*x)], x) at x = arange(4) is "
    "[[0,4,8,12], [1,1,1,1], [0,2,4,6], [0,0.5,1,1.5]]: reset x.grad between functions",
)
def gradients_reference_values(student, rng):
    functions = [
        fixture(n) for n in ("two_x_dot_x", "sum_of_x", "sum_of_squares", "mean_of_squares")
    ]
    x = np.arange(4.0)
    got = expect_sequence(
        student.call("gradients", functions, tensor(x, requires_grad=True)), 4, "the result"
    )
    expected = [4 * x, np.ones(4), 2 * x, x / 2]
    names = ["2 x.x", "sum(x)", "sum(x * x)", "mean(x * x)"]
    for name, g, e in zip(names, got, expected):
        expect_close(g, e, atol=1e-5, what=f"the gradient of {name}")


@checks.visible(
    "ch02.gradients",
    message="for a function with a vector output (y = x * x) gradients returns the gradient "
    "of its sum, 2x",
)
def gradients_non_scalar_output(student, rng):
    x = rng.normal(size=5)
    functions = [fixture("elementwise_square"), fixture("sum_of_x")]
    got = expect_sequence(
        student.call("gradients", functions, tensor(x, requires_grad=True)), 2, "the result"
    )
    expect_close(got[0], 2 * x, rtol=1e-5, atol=1e-5, what="the gradient of sum(x * x)")
    expect_close(got[1], np.ones(5), atol=1e-5, what="the gradient of sum(x)")


@checks.visible(
    "ch02.detach",
    message="detach_gradients(arange(4)) is ([0, 1, 4, 9], [0, 3, 12, 27]): x*x once as a "
    "constant, then 3x^2 with nothing detached",
)
def detach_reference_values(student, rng):
    got = expect_sequence(student.call("detach_gradients", np.arange(4.0)), 2, "detach_gradients(x)")
    expect_close(got[0], [0, 1, 4, 9], atol=1e-5, what="the gradient with u detached")
    expect_close(got[1], [0, 3, 12, 27], atol=1e-5, what="the gradient without detaching")


# --------------------------------------------------------- 2.6 probability


@checks.visible(
    "ch02.bayes",
    message="posterior(0.0015, [(1.0, 0.01)]) is 0.0015 / 0.011485 = 0.1306: divide by "
    "P(D=1), summed over both values of H",
)
def bayes_one_test(student, rng):
    got = student.call("posterior", 0.0015, [(1.0, 0.01)])
    expected = 0.0015 / (0.0015 + 0.01 * (1 - 0.0015))
    expect_number_close(got, expected, rtol=1e-6, atol=0, what="P(H=1 | D1=1)")


@checks.visible(
    "ch02.bayes",
    message="posterior(0.0015, [(1.0, 0.01), (0.98, 0.03)]) is 0.8307: the likelihoods of "
    "conditionally independent tests multiply given H",
)
def bayes_two_tests(student, rng):
    got = student.call("posterior", 0.0015, [(1.0, 0.01), (0.98, 0.03)])
    expected = 0.98 * 0.0015 / 0.00176955
    expect_number_close(got, expected, rtol=1e-6, atol=0, what="P(H=1 | D1=1, D2=1)")


@checks.visible(
    "ch02.moments",
    message="expectation_and_variance([0, 2, 10], [0.5, 0.4, 0.1]) is (1.8, 8.36): "
    "probability-weighted mean and E[(X - E[X])^2]",
)
def expectation_investment(student, rng):
    got = expect_sequence(
        student.call("expectation_and_variance", [0.0, 2.0, 10.0], [0.5, 0.4, 0.1]), 2, "the result"
    )
    expect_number_close(got[0], 1.8, what="E[X]")
    expect_number_close(got[1], 8.36, what="Var[X]")


@checks.visible(
    "ch02.moments",
    message="sample_mean_and_variance([2, 4, 4, 4, 5, 5, 7, 9]) is (5, 32/7): the variance "
    "divides by n - 1",
)
def sample_moments_values(student, rng):
    got = expect_sequence(
        student.call("sample_mean_and_variance", [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]),
        2,
        "the result",
    )
    expect_number_close(got[0], 5.0, what="the sample mean")
    expect_number_close(got[1], 32 / 7, what="the sample variance")


@checks.visible(
    "ch02.die_frequencies",
    message="die_frequencies(n, seed) returns 6 relative frequencies (faces 1..6) that sum "
    "to 1, are near 1/6 for n = 6000, and repeat for the same seed",
)
def die_frequencies_basic(student, rng):
    n, seed = 6000, int(rng.integers(0, 2**31))
    first = frequencies_array(student.call("die_frequencies", n, seed), "the frequencies")
    expect_close(float(first.sum()), 1.0, atol=1e-9, what="the sum of the frequencies")
    counts = first * n
    expect_true(
        np.allclose(counts, np.round(counts), atol=1e-6),
        "the frequencies should be counts divided by the number of tosses",
    )
    # SAMPLE_Z binomial standard errors: a fair die fails with probability ~1e-8
    tolerance = SAMPLE_Z * math.sqrt((1 / 6) * (5 / 6) / n)
    worst = int(np.argmax(np.abs(first - 1 / 6)))
    expect_true(
        abs(first[worst] - 1 / 6) < tolerance,
        f"face {worst + 1} came up with frequency {first[worst]:.4f} in {n} tosses; a fair "
        f"die gives 1/6 = 0.1667 +- {tolerance:.3f} (are all six faces possible?)",
    )
    again = frequencies_array(student.call("die_frequencies", n, seed), "a second call")
    expect_true(
        np.array_equal(first, again),
        "two calls with the same seed gave different frequencies; create the generator "
        "with np.random.default_rng(seed)",
    )
