"""Plausible wrong answers for chapter 2; each must fail the checks it names."""

WRONG_ANSWERS = [
    # ------------------------------------------------ pairwise_differences
    dict(
        exercise="ch02.pairwise_differences",
        why="column and row swapped: an m x n matrix of y[j] - x[i]",
        rejected_by=["pairwise_differences_values", "pairwise_differences_random_shapes"],
        source="""
def pairwise_differences(x, y):
    return ops.expand_dims(ops.convert_to_tensor(y), 1) - ops.expand_dims(ops.convert_to_tensor(x), 0)
""",
    ),
    dict(
        exercise="ch02.pairwise_differences",
        why="subtracts in the wrong order (y[j] - x[i])",
        rejected_by=["pairwise_differences_values", "pairwise_differences_random_shapes"],
        source="""
def pairwise_differences(x, y):
    return ops.reshape(ops.convert_to_tensor(y), (1, -1)) - ops.reshape(ops.convert_to_tensor(x), (-1, 1))
""",
    ),
    # ------------------------------------------------------------- slicing
    dict(
        exercise="ch02.slicing",
        why="takes the odd rows (starts at 1)",
        rejected_by=["even_rows_last_columns_values", "even_rows_last_columns_random"],
        source="""
def even_rows_last_columns(X, k):
    return X[1::2, -k:]


def flip_rows(X):
    return ops.flip(X, axis=0)
""",
    ),
    dict(
        exercise="ch02.slicing",
        why="slices the rows twice (X[::2][-k:]) instead of rows and columns",
        rejected_by=["even_rows_last_columns_values", "even_rows_last_columns_random"],
        source="""
def even_rows_last_columns(X, k):
    return X[::2][-k:]


def flip_rows(X):
    return ops.flip(X, axis=0)
""",
    ),
    dict(
        exercise="ch02.slicing",
        why="drops the first k columns instead of keeping the last k",
        rejected_by=["even_rows_last_columns_values"],
        source="""
def even_rows_last_columns(X, k):
    return X[::2, k:]


def flip_rows(X):
    return ops.flip(X, axis=0)
""",
    ),
    dict(
        exercise="ch02.slicing",
        why="NumPy's X[::-1], which torch tensors do not support",
        rejected_by=["flip_rows_values", "flip_rows_random"],
        source="""
def even_rows_last_columns(X, k):
    return X[::2, -k:]


def flip_rows(X):
    return X[::-1]
""",
    ),
    dict(
        exercise="ch02.slicing",
        why="flips the columns instead of the rows",
        rejected_by=["flip_rows_values", "flip_rows_random"],
        source="""
def even_rows_last_columns(X, k):
    return X[::2, -k:]


def flip_rows(X):
    return ops.flip(X, axis=1)
""",
    ),
    # ---------------------------------------------------------- preprocess
    dict(
        exercise="ch02.preprocess",
        why="fills missing numbers with 0 instead of the mean",
        rejected_by=["preprocess_house_tiny", "preprocess_random_table"],
        source="""
import pandas as pd


def preprocess(data):
    frame = pd.get_dummies(pd.DataFrame(data), dummy_na=True)
    return frame.fillna(0)
""",
    ),
    dict(
        exercise="ch02.preprocess",
        why="forgets dummy_na=True: no indicator for a missing category",
        rejected_by=["preprocess_house_tiny", "preprocess_random_table"],
        source="""
import pandas as pd


def preprocess(data):
    frame = pd.get_dummies(pd.DataFrame(data))
    return frame.fillna(frame.mean())
""",
    ),
    dict(
        exercise="ch02.preprocess",
        why="imputes the median instead of the mean",
        rejected_by=["preprocess_random_table"],
        source="""
import pandas as pd


def preprocess(data):
    frame = pd.get_dummies(pd.DataFrame(data), dummy_na=True)
    return frame.fillna(frame.median())
""",
    ),
    dict(
        exercise="ch02.preprocess",
        why="drops the rows with missing numbers",
        rejected_by=["preprocess_house_tiny", "preprocess_random_table"],
        source="""
import pandas as pd


def preprocess(data):
    frame = pd.get_dummies(pd.DataFrame(data), dummy_na=True)
    return frame.dropna()
""",
    ),
    dict(
        exercise="ch02.preprocess",
        why="returns a NumPy array instead of a DataFrame with named columns",
        rejected_by=["preprocess_house_tiny", "preprocess_random_table"],
        source="""
import pandas as pd


def preprocess(data):
    frame = pd.get_dummies(pd.DataFrame(data), dummy_na=True)
    return frame.fillna(frame.mean()).to_numpy(dtype=float)
""",
    ),
    # ------------------------------------------------------ normalize_rows
    dict(
        exercise="ch02.normalize_rows",
        why="reduces over axis 0: normalizes the columns",
        rejected_by=["normalize_rows_values", "normalize_rows_square_and_tall"],
        source="""
def normalize_rows(X):
    return X / ops.sum(X, axis=0, keepdims=True)
""",
    ),
    dict(
        exercise="ch02.normalize_rows",
        why="forgets keepdims: fails for 3x5, silently divides columns for square X",
        rejected_by=["normalize_rows_values", "normalize_rows_square_and_tall"],
        source="""
def normalize_rows(X):
    return X / ops.sum(X, axis=1)
""",
    ),
    # ---------------------------------------------------- matmul_broadcast
    dict(
        exercise="ch02.matmul_broadcast",
        why="the @ operator: right values, but the exercise is to write the product",
        rejected_by=["matmul_broadcast_values", "matmul_broadcast_shapes",
                     "matmul_broadcast_gradient"],
        scores=0,
        source="""
def matmul_broadcast(A, B):
    return A @ B
""",
    ),
    dict(
        exercise="ch02.matmul_broadcast",
        why="ops.einsum spells the product by name",
        rejected_by=["matmul_broadcast_values", "matmul_broadcast_shapes",
                     "matmul_broadcast_gradient"],
        scores=0,
        source="""
def matmul_broadcast(A, B):
    return ops.einsum("...ik,...kj->...ij", A, B)
""",
    ),
    dict(
        exercise="ch02.matmul_broadcast",
        why="ops.matmul hidden in a helper function",
        rejected_by=["matmul_broadcast_values", "matmul_broadcast_shapes",
                     "matmul_broadcast_gradient"],
        scores=0,
        source="""
def _product(A, B):
    return ops.matmul(A, B)


def matmul_broadcast(A, B):
    return _product(A, B)
""",
    ),
    dict(
        exercise="ch02.matmul_broadcast",
        why="sums over the wrong axis (the last, j, instead of the shared l)",
        rejected_by=["matmul_broadcast_values", "matmul_broadcast_shapes",
                     "matmul_broadcast_gradient"],
        source="""
def matmul_broadcast(A, B):
    return ops.sum(ops.expand_dims(A, -1) * ops.expand_dims(B, -3), axis=-1)
""",
    ),
    dict(
        exercise="ch02.matmul_broadcast",
        why="written for matrices only: A[:, :, None] * B[None] misplaces the batch axes",
        rejected_by=["matmul_broadcast_values", "matmul_broadcast_shapes",
                     "matmul_broadcast_gradient"],
        source="""
def matmul_broadcast(A, B):
    return ops.sum(A[:, :, None] * B[None, :, :], axis=1)
""",
    ),
    dict(
        exercise="ch02.matmul_broadcast",
        why="ops.transpose(B) reverses every axis, batch axes included",
        rejected_by=["matmul_broadcast_values", "matmul_broadcast_shapes",
                     "matmul_broadcast_gradient"],
        source="""
def matmul_broadcast(A, B):
    rows = ops.expand_dims(A, -2)                      # (..., n, 1, k)
    columns = ops.expand_dims(ops.transpose(B), -3)    # meant (..., 1, m, k)
    return ops.sum(rows * columns, axis=-1)
""",
    ),
    dict(
        exercise="ch02.matmul_broadcast",
        why="flattens the batch axes of both arguments: only right when they are equal",
        rejected_by=["matmul_broadcast_shapes", "matmul_broadcast_gradient"],
        source="""
def matmul_broadcast(A, B):
    A, B = ops.convert_to_tensor(A), ops.convert_to_tensor(B)
    batch = tuple(A.shape[:-2])
    A3 = ops.reshape(A, (-1, A.shape[-2], A.shape[-1]))
    B3 = ops.reshape(B, (-1, B.shape[-2], B.shape[-1]))
    C = ops.sum(ops.expand_dims(A3, -1) * ops.expand_dims(B3, -3), axis=-2)
    return ops.reshape(C, batch + (A.shape[-2], B.shape[-1]))
""",
    ),
    dict(
        exercise="ch02.matmul_broadcast",
        why="computes with NumPy: right values, but no gradient flows",
        rejected_by=["matmul_broadcast_gradient"],
        source="""
def matmul_broadcast(A, B):
    A, B = np.asarray(A), np.asarray(B)
    return np.sum(A[..., :, :, None] * B[..., None, :, :], axis=-2)
""",
    ),
    # ----------------------------------------------------------- row_norms
    dict(
        exercise="ch02.row_norms",
        why="the formula as written: overflows to inf and underflows to 0",
        rejected_by=["row_norms_mixed_scales", "row_norms_random_scales", "row_norms_gradient"],
        source="""
def row_norms(X):
    return ops.sqrt(ops.sum(ops.square(X), axis=1))
""",
    ),
    dict(
        exercise="ch02.row_norms",
        why="ops.norm squares as written, too",
        rejected_by=["row_norms_mixed_scales", "row_norms_random_scales", "row_norms_gradient"],
        source="""
def row_norms(X):
    return ops.norm(X, axis=1)
""",
    ),
    dict(
        exercise="ch02.row_norms",
        why="one scale for the whole matrix: the small rows underflow after dividing",
        rejected_by=["row_norms_mixed_scales", "row_norms_random_scales", "row_norms_gradient"],
        source="""
def row_norms(X):
    scale = ops.max(ops.abs(X))
    scale = ops.where(scale > 0, scale, 1.0)
    return scale * ops.sqrt(ops.sum(ops.square(X / scale), axis=1))
""",
    ),
    dict(
        exercise="ch02.row_norms",
        why="a scale per row without keepdims: divides column j by the scale of row j",
        rejected_by=["row_norms_mixed_scales", "row_norms_random_scales", "row_norms_gradient"],
        source="""
def row_norms(X):
    scale = ops.max(ops.abs(X), axis=1)
    scale = ops.where(scale > 0, scale, ops.ones_like(scale))
    return scale * ops.sqrt(ops.sum(ops.square(X / scale), axis=1))
""",
    ),
    dict(
        exercise="ch02.row_norms",
        why="a zero row becomes 0 / 0 = nan",
        rejected_by=["row_norms_mixed_scales", "row_norms_random_scales"],
        source="""
def row_norms(X):
    scale = ops.max(ops.abs(X), axis=1, keepdims=True)
    return scale[:, 0] * ops.sqrt(ops.sum(ops.square(X / scale), axis=1))
""",
    ),
    dict(
        exercise="ch02.row_norms",
        why="scales by the smallest entry: a row with large and small entries overflows",
        rejected_by=["row_norms_random_scales"],
        source="""
def row_norms(X):
    scale = ops.min(ops.abs(X), axis=1, keepdims=True)
    scale = ops.where(scale > 0, scale, ops.ones_like(scale))
    return scale[:, 0] * ops.sqrt(ops.sum(ops.square(X / scale), axis=1))
""",
    ),
    dict(
        exercise="ch02.row_norms",
        why="a fixed scale of 1e20 fits the visible example but not rows of 1e-30",
        rejected_by=["row_norms_random_scales", "row_norms_gradient"],
        source="""
def row_norms(X):
    return 1e20 * ops.sqrt(ops.sum(ops.square(X / 1e20), axis=1))
""",
    ),
    dict(
        exercise="ch02.row_norms",
        why="casts to float64 and back: only moves the limits, and is not allowed",
        rejected_by=["row_norms_mixed_scales", "row_norms_random_scales", "row_norms_gradient"],
        scores=0,
        source="""
def row_norms(X):
    wide = ops.cast(X, "float64")
    return ops.cast(ops.sqrt(ops.sum(wide * wide, axis=1)), "float32")
""",
    ),
    dict(
        exercise="ch02.row_norms",
        why="NumPy's norm: right values, but no gradient flows",
        rejected_by=["row_norms_gradient"],
        source="""
def row_norms(X):
    return ops.convert_to_tensor(np.linalg.norm(ops.convert_to_numpy(X), axis=1).astype("float32"))
""",
    ),
    # ------------------------------------------------ numerical_derivative
    dict(
        exercise="ch02.numerical_derivative",
        why="a forward difference (f(x+h) - f(x)) / h",
        rejected_by=["numerical_derivative_quadratic", "numerical_derivative_random"],
        source="""
def numerical_derivative(f, x, h):
    return float((f(x + h) - f(x)) / h)
""",
    ),
    dict(
        exercise="ch02.numerical_derivative",
        why="forgets the 2 in the denominator",
        rejected_by=["numerical_derivative_quadratic", "numerical_derivative_random"],
        source="""
def numerical_derivative(f, x, h):
    return float((f(x + h) - f(x - h)) / h)
""",
    ),
    dict(
        exercise="ch02.numerical_derivative",
        why="ignores the given h and uses a fixed tiny step",
        rejected_by=["numerical_derivative_random"],
        source="""
def numerical_derivative(f, x, h):
    step = 1e-3
    return float((f(x + step) - f(x - step)) / (2 * step))
""",
    ),
    dict(
        exercise="ch02.numerical_derivative",
        why="returns the 0-d tensor f gives back, not the number the statement asks for",
        rejected_by=["numerical_derivative_quadratic"],
        source="""
def numerical_derivative(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)
""",
    ),
    # ----------------------------------------------------------- gradients
    dict(
        exercise="ch02.gradients",
        why="never resets x.grad, so gradients accumulate",
        rejected_by=[
            "gradients_reference_values",
            "gradients_non_scalar_output",
            "gradients_random_functions",
            "gradients_identities_and_control_flow",
        ],
        source="""
def gradients(functions, x):
    result = []
    for f in functions:
        ops.sum(f(x)).backward()
        result.append(x.grad.clone())
    return result
""",
    ),
    dict(
        exercise="ch02.gradients",
        why="zeroes x.grad in place and keeps references: every entry ends up the last gradient",
        rejected_by=[
            "gradients_reference_values",
            "gradients_non_scalar_output",
            "gradients_random_functions",
            "gradients_identities_and_control_flow",
        ],
        source="""
def gradients(functions, x):
    result = []
    for f in functions:
        if x.grad is not None:
            x.grad.zero_()
        ops.sum(f(x)).backward()
        result.append(x.grad)
    return result
""",
    ),
    dict(
        exercise="ch02.gradients",
        why="calls backward() on a vector output",
        rejected_by=[
            "gradients_non_scalar_output",
            "gradients_random_functions",
            "gradients_identities_and_control_flow",
        ],
        source="""
def gradients(functions, x):
    result = []
    for f in functions:
        x.grad = None
        f(x).backward()
        result.append(x.grad)
    return result
""",
    ),
    dict(
        exercise="ch02.gradients",
        why="reduces vector outputs with the mean instead of the sum",
        rejected_by=[
            "gradients_non_scalar_output",
            "gradients_random_functions",
            "gradients_identities_and_control_flow",
        ],
        source="""
def gradients(functions, x):
    result = []
    for f in functions:
        x.grad = None
        ops.mean(f(x)).backward()
        result.append(x.grad)
    return result
""",
    ),
    # -------------------------------------------------------------- detach
    dict(
        exercise="ch02.detach",
        why="no stop_gradient: both gradients are 3x^2",
        rejected_by=["detach_reference_values", "detach_random"],
        source="""
def detach_gradients(x):
    x = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    u = x * x
    ops.sum(u * x).backward()
    first = x.grad.clone()
    x.grad = None
    ops.sum(x * x * x).backward()
    return first, x.grad
""",
    ),
    dict(
        exercise="ch02.detach",
        why="does not reset the gradient between the two backward passes",
        rejected_by=["detach_reference_values", "detach_random"],
        source="""
def detach_gradients(x):
    x = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    u = ops.stop_gradient(x * x)
    ops.sum(u * x).backward()
    first = x.grad.clone()
    ops.sum(x * x * x).backward()
    return first, x.grad
""",
    ),
    dict(
        exercise="ch02.detach",
        why="keeps a reference to x.grad, then zeroes it in place",
        rejected_by=["detach_reference_values", "detach_random"],
        source="""
def detach_gradients(x):
    x = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    u = ops.stop_gradient(x * x)
    ops.sum(u * x).backward()
    first = x.grad
    x.grad.zero_()
    ops.sum(x * x * x).backward()
    return first, x.grad
""",
    ),
    # --------------------------------------------------------------- bayes
    dict(
        exercise="ch02.bayes",
        why="forgets to divide by P(D = 1)",
        rejected_by=["bayes_one_test", "bayes_two_tests", "bayes_random_tests"],
        source="""
def posterior(prior, tests):
    result = prior
    for sensitivity, false_positive_rate in tests:
        result *= sensitivity
    return result
""",
    ),
    dict(
        exercise="ch02.bayes",
        why="treats the test results as independent (not conditionally on H) in P(D1, D2)",
        rejected_by=["bayes_two_tests", "bayes_random_tests"],
        source="""
def posterior(prior, tests):
    numerator, evidence = prior, 1.0
    for sensitivity, false_positive_rate in tests:
        numerator *= sensitivity
        evidence *= sensitivity * prior + false_positive_rate * (1 - prior)
    return numerator / evidence
""",
    ),
    dict(
        exercise="ch02.bayes",
        why="uses the false-positive rate where the sensitivity belongs",
        rejected_by=["bayes_one_test", "bayes_two_tests", "bayes_random_tests"],
        source="""
def posterior(prior, tests):
    sick, healthy = prior, 1 - prior
    for sensitivity, false_positive_rate in tests:
        sick *= false_positive_rate
        healthy *= sensitivity
    return sick / (sick + healthy)
""",
    ),
    # ------------------------------------------------------------- moments
    dict(
        exercise="ch02.moments",
        why="ignores the probabilities (plain mean and variance of the values)",
        rejected_by=["expectation_investment", "expectation_random"],
        source="""
def expectation_and_variance(values, probs):
    return np.mean(values), np.var(values)


def sample_mean_and_variance(samples):
    return np.mean(samples), np.var(samples, ddof=1)
""",
    ),
    dict(
        exercise="ch02.moments",
        why="variance as E[X^2], forgetting to subtract E[X]^2",
        rejected_by=["expectation_investment", "expectation_random"],
        source="""
def expectation_and_variance(values, probs):
    values, probs = np.asarray(values), np.asarray(probs)
    return np.sum(values * probs), np.sum(values**2 * probs)


def sample_mean_and_variance(samples):
    return np.mean(samples), np.var(samples, ddof=1)
""",
    ),
    dict(
        exercise="ch02.moments",
        why="population variance (divides by n) for a sample",
        rejected_by=["sample_moments_values", "sample_moments_random"],
        source="""
def expectation_and_variance(values, probs):
    values, probs = np.asarray(values), np.asarray(probs)
    mean = np.sum(values * probs)
    return mean, np.sum(probs * (values - mean) ** 2)


def sample_mean_and_variance(samples):
    return np.mean(samples), np.var(samples)
""",
    ),
    # ----------------------------------------------------- die_frequencies
    dict(
        exercise="ch02.die_frequencies",
        why="rng.integers(1, 6): the upper bound is excluded, so a six never comes up",
        rejected_by=["die_frequencies_basic", "die_frequencies_strong"],
        source="""
def die_frequencies(num_tosses, seed):
    rng = np.random.default_rng(seed)
    tosses = rng.integers(1, 6, size=num_tosses)
    return np.array([np.mean(tosses == face) for face in range(1, 7)])
""",
    ),
    dict(
        exercise="ch02.die_frequencies",
        why="returns counts instead of relative frequencies",
        rejected_by=["die_frequencies_basic", "die_frequencies_strong"],
        source="""
def die_frequencies(num_tosses, seed):
    rng = np.random.default_rng(seed)
    tosses = rng.integers(1, 7, size=num_tosses)
    return np.array([np.sum(tosses == face) for face in range(1, 7)])
""",
    ),
    dict(
        exercise="ch02.die_frequencies",
        why="ignores the seed: results are not reproducible",
        rejected_by=["die_frequencies_basic", "die_frequencies_strong"],
        source="""
def die_frequencies(num_tosses, seed):
    rng = np.random.default_rng()
    tosses = rng.integers(1, 7, size=num_tosses)
    return np.array([np.mean(tosses == face) for face in range(1, 7)])
""",
    ),
    dict(
        exercise="ch02.die_frequencies",
        why="np.bincount without minlength: fewer than six entries when a face never comes up",
        rejected_by=["die_frequencies_strong"],
        source="""
def die_frequencies(num_tosses, seed):
    rng = np.random.default_rng(seed)
    tosses = rng.integers(1, 7, size=num_tosses)
    return np.bincount(tosses)[1:] / num_tosses
""",
    ),
    # ---------------------------------------- issue 10: the telling case
    dict(
        exercise="ch02.preprocess",
        why="class 3: adds the _nan indicator only to text columns that have missing values",
        rejected_by=["preprocess_random_table"],
        secrets=20,
        source="""
import pandas as pd


def preprocess(data):
    frame = pd.DataFrame(data)
    parts = []
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column):
            parts.append(column.fillna(column.mean()))
        else:
            missing = bool(column.isna().any())
            parts.append(pd.get_dummies(column, prefix=name, dummy_na=missing).astype(float))
    return pd.concat(parts, axis=1)
""",
    ),
]
