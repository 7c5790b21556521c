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
# # Solutions: 3. Linear Neural Networks for Regression

# %% tags=["exercise"] exercise="ch03.squared_loss"
# exercise: ch03.squared_loss
def squared_loss(y_hat, y):
    """Half squared error, element by element, with the shape of y_hat."""
    y_hat = ops.convert_to_tensor(y_hat)
    y = ops.reshape(y, ops.shape(y_hat))
    return (y_hat - y) ** 2 / 2


# %% tags=["exercise"] exercise="ch03.normal_equation"
# exercise: ch03.normal_equation
def normal_equation(X, y):
    """Least-squares (w, b) from the normal equations; w has shape (d, 1)."""
    X = np.asarray(X, dtype=np.float64)
    X_tilde = np.hstack([X, np.ones((X.shape[0], 1))])
    targets = np.asarray(y, dtype=np.float64).reshape(-1, 1)
    w_tilde = np.linalg.solve(X_tilde.T @ X_tilde, X_tilde.T @ targets)
    return w_tilde[:-1], float(w_tilde[-1, 0])


# %% tags=["exercise"] exercise="ch03.sgd_update"
# exercise: ch03.sgd_update
def sgd_update(w, b, X, y, lr):
    """One minibatch SGD step on the mean half squared loss; returns (w, b)."""
    residual = X @ w + b - np.reshape(y, (-1, 1))  # (B, 1): prediction minus label
    batch_size = X.shape[0]
    new_w = w - lr * (X.T @ residual) / batch_size
    new_b = b - lr * residual.sum(axis=0) / batch_size
    return new_w, new_b


# %% tags=["exercise"] exercise="ch03.synthetic_data"
# exercise: ch03.synthetic_data
def synthetic_data(w, b, num_examples, noise=0.01, seed=None):
    """X ~ N(0, 1) of shape (n, d) and y = X w + b + noise of shape (n, 1), float32."""
    generator = np.random.default_rng(seed)
    w = np.asarray(w, dtype=np.float64).reshape(-1, 1)
    X = generator.standard_normal((num_examples, len(w)))
    y = X @ w + b + noise * generator.standard_normal((num_examples, 1))
    return X.astype(np.float32), y.astype(np.float32)


# %% tags=["exercise"] exercise="ch03.linear_scratch"
# exercise: ch03.linear_scratch
class LinearScratch(keras.layers.Layer):
    """X @ W + b with W ~ N(0, sigma^2) of shape (d, units) and b = 0 of shape (units,)."""

    def __init__(self, units, sigma=0.01, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.sigma = sigma

    def build(self, input_shape):
        normal = keras.initializers.RandomNormal(mean=0.0, stddev=self.sigma)
        self.W = self.add_weight(shape=(input_shape[-1], self.units), initializer=normal, name="W")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, X):
        return ops.add(ops.matmul(X, self.W), self.b)


def build_scratch_model(num_inputs, units=1, sigma=0.01):
    """Functional model: Input((num_inputs,)) -> LinearScratch(units, sigma)."""
    features = keras.Input(shape=(num_inputs,))
    return keras.Model(features, LinearScratch(units, sigma)(features))


# %% tags=["exercise"] exercise="ch03.train_scratch"
# exercise: ch03.train_scratch
def train_scratch(X, y, w0, b0, lr, num_epochs, batch_size):
    """Minibatch SGD from (w0, b0) on the half squared loss; returns (w, b, losses)."""
    X = torch.as_tensor(np.asarray(X, dtype=np.float32))
    y = torch.as_tensor(np.asarray(y, dtype=np.float32)).reshape(-1, 1)
    w = torch.tensor(np.asarray(w0, dtype=np.float32).reshape(-1, 1), requires_grad=True)
    b = torch.tensor(np.asarray(b0, dtype=np.float32).reshape(1), requires_grad=True)
    epoch_losses = []
    for _ in range(num_epochs):
        batch_losses = []
        for X_batch, y_batch in zip(torch.split(X, batch_size), torch.split(y, batch_size)):
            batch_loss = ((X_batch @ w + b - y_batch) ** 2).mean() / 2
            batch_loss.backward()
            with torch.no_grad():  # the update itself must not be recorded
                for param in (w, b):
                    param -= lr * param.grad
                    param.grad = None
            batch_losses.append(batch_loss.item())
        epoch_losses.append(sum(batch_losses) / len(batch_losses))
    return w.detach().numpy(), b.detach().numpy(), epoch_losses


# %% tags=["exercise"] exercise="ch03.huber_loss"
# exercise: ch03.huber_loss
def robust_loss(y_true, y_pred, delta=1.0):
    """Huber's loss of each example: the mean over the last axis of l_delta(y_pred - y_true), shape (n,)."""
    y_pred = ops.convert_to_tensor(y_pred)
    residual = y_pred - ops.reshape(y_true, ops.shape(y_pred))  # a flat y_true becomes a column
    size = ops.abs(residual)
    # One formula for both branches: the quadratic part only ever sees min(|r|, delta), so
    # neither it nor its gradient overflows for a huge residual (ops.where(|r| <= delta,
    # r**2 / 2, ...) computes r**2 / 2 and its gradient there too: inf, then 0 * inf = NaN).
    inner = ops.minimum(size, delta)
    return ops.mean(0.5 * ops.square(inner) + delta * (size - inner), axis=-1)


# %% tags=["exercise"] exercise="ch03.fit_concise"
# exercise: ch03.fit_concise
def fit_concise(X, y, w0, b0, lr, num_epochs, batch_size):
    """Stock Dense(1) + SGD + "mse" reproducing half-squared-loss SGD at lr; returns (w, b)."""
    X = np.asarray(X, dtype=np.float32)
    features = keras.Input(shape=(X.shape[1],))
    dense = keras.layers.Dense(1)
    model = keras.Model(features, dense(features))
    dense.set_weights([np.reshape(w0, (-1, 1)), np.reshape(b0, (1,))])
    # MSE has no 1/2, so its gradient is twice as large: halve the step.
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr / 2), loss="mse")
    model.fit(X, np.reshape(y, (-1, 1)), batch_size=batch_size, epochs=num_epochs, shuffle=False, verbose=0)
    kernel, bias = dense.get_weights()
    return kernel, bias


# %% tags=["exercise"] exercise="ch03.poly_features"
# exercise: ch03.poly_features
import math


def poly_features(x, max_degree):
    """Columns x**i / i! for i = 0 .. max_degree - 1, shape (n, max_degree)."""
    column = np.asarray(x, dtype=np.float64).reshape(-1, 1)
    factorials = np.array([math.factorial(i) for i in range(max_degree)], dtype=np.float64)
    return column ** np.arange(max_degree) / factorials


# %% tags=["exercise"] exercise="ch03.penalties"
# exercise: ch03.penalties
def l2_penalty(w):
    """Half the squared L2 norm of w: sum(w**2) / 2."""
    return ops.sum(ops.square(w)) / 2


def l1_penalty(w):
    """The L1 norm of w: sum(|w|)."""
    return ops.sum(ops.abs(w))


# %% tags=["exercise"] exercise="ch03.weight_decay_model"
# exercise: ch03.weight_decay_model
def build_weight_decay_model(num_inputs, lambd):
    """Functional Input -> Dense(1) whose losses are lambd / 2 * ||kernel||^2."""
    features = keras.Input(shape=(num_inputs,))
    # Keras' L2(l) adds l * sum(w**2): l = lambd / 2 gives D2L's lambd / 2 * ||w||^2.
    prediction = keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L2(lambd / 2))(features)
    return keras.Model(features, prediction)


# %% tags=["exercise"] exercise="ch03.k_fold"
# exercise: ch03.k_fold
def get_k_fold_data(k, i, X, y):
    """Fold i of k contiguous folds as validation, the rest as training data."""
    n = len(X)
    base, extra = divmod(n, k)
    sizes = [base + 1 if j < extra else base for j in range(k)]
    start = sum(sizes[:i])
    stop = start + sizes[i]
    keep = np.r_[0:start, stop:n]
    return X[keep], y[keep], X[start:stop], y[start:stop]
