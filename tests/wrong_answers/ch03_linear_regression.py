"""Plausible wrong answers for chapter 3; each must fail the checks it names.

Many are bugs from the source notes or classic D2L slips: the squared loss
without 1/2 or without reshaping y, SGD dividing by the batch size twice or
not at all, the norm instead of half the squared norm, L2(lambd) for
lambd / 2 * ||w||^2, decaying the bias, features without the factorial,
K-fold folds that drop the remainder, gradients cut by detach, Sequential
instead of functional, Huber's loss through the naive ops.where (NaN gradients
for huge residuals).
"""

from exercise_harness import mutant

WRONG_ANSWERS = [
    # ---------------------------------------------------------- squared_loss
    dict(
        exercise="ch03.squared_loss",
        why="forgets the 1/2",
        rejected_by=["squared_loss_column_and_flat_labels", "squared_loss_random_shapes_and_tensors"],
        source="""
def squared_loss(y_hat, y):
    return ops.subtract(y_hat, ops.reshape(y, ops.shape(y_hat))) ** 2
""",
    ),
    dict(
        exercise="ch03.squared_loss",
        why="does not reshape y: (n, 1) minus (n,) broadcasts to an (n, n) matrix",
        rejected_by=["squared_loss_column_and_flat_labels", "squared_loss_random_shapes_and_tensors"],
        source="""
def squared_loss(y_hat, y):
    return (y_hat - y) ** 2 / 2
""",
    ),
    dict(
        exercise="ch03.squared_loss",
        why="returns the mean instead of the elementwise loss",
        rejected_by=["squared_loss_column_and_flat_labels", "squared_loss_random_shapes_and_tensors"],
        source="""
def squared_loss(y_hat, y):
    return ops.mean(ops.subtract(y_hat, ops.reshape(y, ops.shape(y_hat))) ** 2 / 2)
""",
    ),
    dict(
        exercise="ch03.squared_loss",
        why="flattens y_hat instead of reshaping y: shape (n,) instead of (n, 1)",
        rejected_by=["squared_loss_column_and_flat_labels", "squared_loss_random_shapes_and_tensors"],
        source="""
def squared_loss(y_hat, y):
    return (ops.reshape(y_hat, (-1,)) - ops.reshape(y, (-1,))) ** 2 / 2
""",
    ),
    # -------------------------------------------------------- normal_equation
    dict(
        exercise="ch03.normal_equation",
        why="forgets the column of ones and returns b = 0",
        rejected_by=["normal_equation_exact_data", "normal_equation_matches_least_squares"],
        source="""
def normal_equation(X, y):
    X = np.asarray(X, dtype=np.float64)
    w = np.linalg.solve(X.T @ X, X.T @ y)
    return w, 0.0
""",
    ),
    dict(
        exercise="ch03.normal_equation",
        why="fits w without an intercept, then sets b to the mean label",
        rejected_by=["normal_equation_exact_data", "normal_equation_matches_least_squares"],
        source="""
def normal_equation(X, y):
    X = np.asarray(X, dtype=np.float64)
    w = np.linalg.solve(X.T @ X, X.T @ y)
    return w, float(np.mean(y))
""",
    ),
    dict(
        exercise="ch03.normal_equation",
        why="prepends the ones column but reads b from the last entry",
        rejected_by=["normal_equation_exact_data", "normal_equation_matches_least_squares"],
        source="""
def normal_equation(X, y):
    A = np.hstack([np.ones((len(X), 1)), X])
    coef = np.linalg.solve(A.T @ A, A.T @ y)
    return coef[:-1], float(coef[-1, 0])
""",
    ),
    dict(
        exercise="ch03.normal_equation",
        why="returns w as a flat vector of shape (d,)",
        rejected_by=["normal_equation_exact_data", "normal_equation_matches_least_squares"],
        source="""
def normal_equation(X, y):
    A = np.hstack([X, np.ones((len(X), 1))])
    coef = np.linalg.solve(A.T @ A, A.T @ y)
    return coef[:-1, 0], float(coef[-1, 0])
""",
    ),
    # ------------------------------------------------------------ sgd_update
    dict(
        exercise="ch03.sgd_update",
        why="divides by the batch size twice",
        rejected_by=["sgd_update_one_step", "sgd_update_flat_labels_random"],
        source="""
def sgd_update(w, b, X, y, lr):
    B = len(X)
    r = X @ w + b - np.reshape(y, (-1, 1))
    return w - lr * (X.T @ r / B) / B, b - lr * (r.mean(axis=0)) / B
""",
    ),
    dict(
        exercise="ch03.sgd_update",
        why="sums the gradients without dividing by the batch size",
        rejected_by=["sgd_update_one_step", "sgd_update_flat_labels_random"],
        source="""
def sgd_update(w, b, X, y, lr):
    r = X @ w + b - np.reshape(y, (-1, 1))
    return w - lr * X.T @ r, b - lr * r.sum(axis=0)
""",
    ),
    dict(
        exercise="ch03.sgd_update",
        why="steps uphill (label minus prediction with a minus sign)",
        rejected_by=["sgd_update_one_step", "sgd_update_flat_labels_random"],
        source="""
def sgd_update(w, b, X, y, lr):
    r = np.reshape(y, (-1, 1)) - (X @ w + b)
    return w - lr * X.T @ r / len(X), b - lr * r.mean(axis=0)
""",
    ),
    dict(
        exercise="ch03.sgd_update",
        why="updates w but forgets the bias",
        rejected_by=["sgd_update_one_step", "sgd_update_flat_labels_random"],
        source="""
def sgd_update(w, b, X, y, lr):
    r = X @ w + b - np.reshape(y, (-1, 1))
    return w - lr * X.T @ r / len(X), b
""",
    ),
    dict(
        exercise="ch03.sgd_update",
        why="does not reshape a flat y: the residual broadcasts to a (B, B) matrix",
        rejected_by=["sgd_update_flat_labels_random"],
        source="""
def sgd_update(w, b, X, y, lr):
    r = X @ w + b - y
    grad_w = (X.T @ r).mean(axis=1, keepdims=True) / len(X)
    return w - lr * grad_w, b - lr * np.array([r.mean()])
""",
    ),
    # -------------------------------------------------------- synthetic_data
    dict(
        exercise="ch03.synthetic_data",
        why="treats noise as the variance (noise**2 as the scale)",
        rejected_by=["synthetic_data_statistics"],
        source="""
def synthetic_data(w, b, num_examples, noise=0.01, seed=None):
    rng = np.random.default_rng(seed)
    w = np.asarray(w, dtype=np.float64)
    X = rng.normal(size=(num_examples, len(w)))
    y = X @ w + b + rng.normal(scale=noise**2, size=num_examples)
    return X.astype(np.float32), y.reshape(-1, 1).astype(np.float32)
""",
    ),
    dict(
        exercise="ch03.synthetic_data",
        why="returns y as a flat vector of shape (n,)",
        rejected_by=["synthetic_data_shapes_and_noiseless_labels", "synthetic_data_statistics"],
        source="""
def synthetic_data(w, b, num_examples, noise=0.01, seed=None):
    rng = np.random.default_rng(seed)
    w = np.asarray(w, dtype=np.float64)
    X = rng.normal(size=(num_examples, len(w)))
    y = X @ w + b + noise * rng.normal(size=num_examples)
    return X.astype(np.float32), y.astype(np.float32)
""",
    ),
    dict(
        exercise="ch03.synthetic_data",
        why="ignores the seed (numpy's global generator)",
        rejected_by=["synthetic_data_seeded"],
        source="""
def synthetic_data(w, b, num_examples, noise=0.01, seed=None):
    w = np.asarray(w, dtype=np.float64).reshape(-1, 1)
    X = np.random.normal(size=(num_examples, len(w)))
    y = X @ w + b + noise * np.random.normal(size=(num_examples, 1))
    return X.astype(np.float32), y.astype(np.float32)
""",
    ),
    dict(
        exercise="ch03.synthetic_data",
        why="draws features uniformly from [0, 1) instead of N(0, 1)",
        rejected_by=["synthetic_data_statistics"],
        source="""
def synthetic_data(w, b, num_examples, noise=0.01, seed=None):
    rng = np.random.default_rng(seed)
    w = np.asarray(w, dtype=np.float64).reshape(-1, 1)
    X = rng.random((num_examples, len(w)))
    y = X @ w + b + noise * rng.normal(size=(num_examples, 1))
    return X.astype(np.float32), y.astype(np.float32)
""",
    ),
    dict(
        exercise="ch03.synthetic_data",
        why="forgets the bias b",
        rejected_by=["synthetic_data_shapes_and_noiseless_labels", "synthetic_data_statistics"],
        source="""
def synthetic_data(w, b, num_examples, noise=0.01, seed=None):
    rng = np.random.default_rng(seed)
    w = np.asarray(w, dtype=np.float64).reshape(-1, 1)
    X = rng.normal(size=(num_examples, len(w)))
    y = X @ w + noise * rng.normal(size=(num_examples, 1))
    return X.astype(np.float32), y.astype(np.float32)
""",
    ),
    dict(
        exercise="ch03.synthetic_data",
        why="returns float64 arrays",
        rejected_by=["synthetic_data_shapes_and_noiseless_labels"],
        source="""
def synthetic_data(w, b, num_examples, noise=0.01, seed=None):
    rng = np.random.default_rng(seed)
    w = np.asarray(w, dtype=np.float64).reshape(-1, 1)
    X = rng.normal(size=(num_examples, len(w)))
    return X, X @ w + b + noise * rng.normal(size=(num_examples, 1))
""",
    ),
    # -------------------------------------------------------- linear_scratch
    dict(
        exercise="ch03.linear_scratch",
        why="a LinearScratch that only wraps a Dense inside (the layer is not written by hand)",
        rejected_by=["linear_scratch_forward", "linear_scratch_units_and_init"],
        source="""
class LinearScratch(keras.layers.Layer):
    def __init__(self, units, sigma=0.01, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.sigma = sigma
        self.inner = keras.layers.Dense(
            units, kernel_initializer=keras.initializers.RandomNormal(stddev=sigma))

    def call(self, X):
        return self.inner(X)


def build_scratch_model(num_inputs, units=1, sigma=0.01):
    features = keras.Input(shape=(num_inputs,))
    return keras.Model(features, LinearScratch(units, sigma)(features))
""",
    ),
    dict(
        exercise="ch03.linear_scratch",
        why="a Sequential model instead of a functional one",
        rejected_by=["linear_scratch_forward", "linear_scratch_initialization", "linear_scratch_units_and_init"],
        source="""
class LinearScratch(keras.layers.Layer):
    def __init__(self, units, sigma=0.01, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.sigma = sigma

    def build(self, input_shape):
        self.W = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer=keras.initializers.RandomNormal(stddev=self.sigma))
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, X):
        return ops.matmul(X, self.W) + self.b


def build_scratch_model(num_inputs, units=1, sigma=0.01):
    return keras.Sequential([keras.Input((num_inputs,)), LinearScratch(units, sigma)])
""",
    ),
    dict(
        exercise="ch03.linear_scratch",
        why="ignores sigma (RandomNormal's default stddev 0.05)",
        rejected_by=["linear_scratch_initialization", "linear_scratch_units_and_init"],
        source="""
class LinearScratch(keras.layers.Layer):
    def __init__(self, units, sigma=0.01, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.sigma = sigma

    def build(self, input_shape):
        self.W = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer=keras.initializers.RandomNormal())
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, X):
        return ops.matmul(X, self.W) + self.b


def build_scratch_model(num_inputs, units=1, sigma=0.01):
    inputs = keras.Input((num_inputs,))
    return keras.Model(inputs, LinearScratch(units, sigma)(inputs))
""",
    ),
    dict(
        exercise="ch03.linear_scratch",
        why="starts the bias at one",
        rejected_by=["linear_scratch_initialization", "linear_scratch_units_and_init"],
        source="""
class LinearScratch(keras.layers.Layer):
    def __init__(self, units, sigma=0.01, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.sigma = sigma

    def build(self, input_shape):
        self.W = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer=keras.initializers.RandomNormal(stddev=self.sigma))
        self.b = self.add_weight(shape=(self.units,), initializer="ones")

    def call(self, X):
        return ops.matmul(X, self.W) + self.b


def build_scratch_model(num_inputs, units=1, sigma=0.01):
    inputs = keras.Input((num_inputs,))
    return keras.Model(inputs, LinearScratch(units, sigma)(inputs))
""",
    ),
    dict(
        exercise="ch03.linear_scratch",
        why="stores W the torch way, (units, d), and transposes in call",
        rejected_by=["linear_scratch_forward", "linear_scratch_initialization", "linear_scratch_units_and_init"],
        source="""
class LinearScratch(keras.layers.Layer):
    def __init__(self, units, sigma=0.01, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.sigma = sigma

    def build(self, input_shape):
        self.W = self.add_weight(shape=(self.units, input_shape[-1]),
                                 initializer=keras.initializers.RandomNormal(stddev=self.sigma))
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, X):
        return ops.matmul(X, ops.transpose(self.W)) + self.b


def build_scratch_model(num_inputs, units=1, sigma=0.01):
    inputs = keras.Input((num_inputs,))
    return keras.Model(inputs, LinearScratch(units, sigma)(inputs))
""",
    ),
    dict(
        exercise="ch03.linear_scratch",
        why="a bias of shape (1,) whatever the number of units",
        rejected_by=["linear_scratch_units_and_init"],
        source="""
class LinearScratch(keras.layers.Layer):
    def __init__(self, units, sigma=0.01, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.sigma = sigma

    def build(self, input_shape):
        self.W = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer=keras.initializers.RandomNormal(stddev=self.sigma))
        self.b = self.add_weight(shape=(1,), initializer="zeros")

    def call(self, X):
        return ops.matmul(X, self.W) + self.b


def build_scratch_model(num_inputs, units=1, sigma=0.01):
    inputs = keras.Input((num_inputs,))
    return keras.Model(inputs, LinearScratch(units, sigma)(inputs))
""",
    ),
    dict(
        exercise="ch03.linear_scratch",
        why="wraps a stock Dense layer instead of writing the layer",
        rejected_by=["linear_scratch_forward", "linear_scratch_units_and_init"],
        source="""
def build_scratch_model(num_inputs, units=1, sigma=0.01):
    inputs = keras.Input((num_inputs,))
    dense = keras.layers.Dense(units, kernel_initializer=keras.initializers.RandomNormal(stddev=sigma))
    return keras.Model(inputs, dense(inputs))
""",
    ),
    dict(
        exercise="ch03.linear_scratch",
        why="a stock Dense in disguise: a subclass renamed LinearScratch",
        rejected_by=["linear_scratch_forward", "linear_scratch_units_and_init"],
        source="""
class LinearScratch(keras.layers.Dense):
    def __init__(self, units, sigma=0.01, **kwargs):
        super().__init__(units, kernel_initializer=keras.initializers.RandomNormal(stddev=sigma),
                         bias_initializer="zeros", **kwargs)


def build_scratch_model(num_inputs, units=1, sigma=0.01):
    inputs = keras.Input((num_inputs,))
    return keras.Model(inputs, LinearScratch(units, sigma)(inputs))
""",
    ),
    # --------------------------------------------------------- train_scratch
    dict(
        exercise="ch03.train_scratch",
        why="never clears the gradients, so they accumulate across steps",
        rejected_by=["train_scratch_matches_reference_run", "train_scratch_recovers_parameters",
                     "train_scratch_random_run"],
        source="""
def train_scratch(X, y, w0, b0, lr, num_epochs, batch_size):
    X, y = torch.tensor(X), torch.tensor(y).reshape(-1, 1)
    w = torch.tensor(w0, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)
    losses = []
    for epoch in range(num_epochs):
        values = []
        for i in range(0, len(X), batch_size):
            l = ((X[i:i + batch_size] @ w + b - y[i:i + batch_size]) ** 2 / 2).mean()
            l.backward()
            with torch.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
            values.append(l.item())
        losses.append(np.mean(values))
    return w.detach().numpy(), b.detach().numpy(), losses
""",
    ),
    dict(
        exercise="ch03.train_scratch",
        why="divides by the batch size twice (mean loss and lr / batch_size)",
        rejected_by=["train_scratch_matches_reference_run", "train_scratch_recovers_parameters",
                     "train_scratch_random_run"],
        source="""
def train_scratch(X, y, w0, b0, lr, num_epochs, batch_size):
    X, y = torch.tensor(X), torch.tensor(y).reshape(-1, 1)
    w = torch.tensor(w0, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)
    losses = []
    for epoch in range(num_epochs):
        values = []
        for i in range(0, len(X), batch_size):
            l = ((X[i:i + batch_size] @ w + b - y[i:i + batch_size]) ** 2 / 2).mean()
            l.backward()
            with torch.no_grad():
                for p in (w, b):
                    p -= lr * p.grad / batch_size
                    p.grad.zero_()
            values.append(l.item())
        losses.append(np.mean(values))
    return w.detach().numpy(), b.detach().numpy(), losses
""",
    ),
    dict(
        exercise="ch03.train_scratch",
        why="sums the minibatch loss instead of averaging it",
        rejected_by=["train_scratch_matches_reference_run", "train_scratch_random_run"],
        source="""
def train_scratch(X, y, w0, b0, lr, num_epochs, batch_size):
    X, y = torch.tensor(X), torch.tensor(y).reshape(-1, 1)
    w = torch.tensor(w0, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)
    losses = []
    for epoch in range(num_epochs):
        values = []
        for i in range(0, len(X), batch_size):
            l = ((X[i:i + batch_size] @ w + b - y[i:i + batch_size]) ** 2 / 2).sum()
            l.backward()
            with torch.no_grad():
                for p in (w, b):
                    p -= lr * p.grad
                    p.grad.zero_()
            values.append(l.item() / len(X[i:i + batch_size]))
        losses.append(np.mean(values))
    return w.detach().numpy(), b.detach().numpy(), losses
""",
    ),
    dict(
        exercise="ch03.train_scratch",
        why="the notes' sgd: sum of losses divided by batch_size, which over-divides a short last batch",
        rejected_by=["train_scratch_matches_reference_run", "train_scratch_random_run"],
        source="""
def train_scratch(X, y, w0, b0, lr, num_epochs, batch_size):
    X, y = torch.tensor(X), torch.tensor(y).reshape(-1, 1)
    w = torch.tensor(w0, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)
    losses = []
    for epoch in range(num_epochs):
        values = []
        for i in range(0, len(X), batch_size):
            l = ((X[i:i + batch_size] @ w + b - y[i:i + batch_size]) ** 2 / 2)
            values.append(l.mean().item())
            l.sum().backward()
            with torch.no_grad():
                for p in (w, b):
                    p -= lr * p.grad / batch_size
                    p.grad.zero_()
        losses.append(np.mean(values))
    return w.detach().numpy(), b.detach().numpy(), losses
""",
    ),
    dict(
        exercise="ch03.train_scratch",
        why="detaches the prediction, so no gradient reaches the weights",
        rejected_by=["train_scratch_matches_reference_run", "train_scratch_recovers_parameters",
                     "train_scratch_random_run"],
        source="""
class Scratch(keras.Model):
    def __init__(self, *args, lr=0.03, **kwargs):
        super().__init__(*args, **kwargs)
        self.lr = lr
        self.tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.tracker]

    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_hat = self(x, training=True).detach()
        loss = ops.mean((y_hat - y) ** 2) / 2
        loss.backward()
        with torch.no_grad():
            for v in self.trainable_weights:
                v.assign(v - self.lr * v.value.grad)
        self.tracker.update_state(loss)
        return {"loss": self.tracker.result()}


def train_scratch(X, y, w0, b0, lr, num_epochs, batch_size):
    inputs = keras.Input((X.shape[1],))
    model = Scratch(inputs, keras.layers.Dense(1)(inputs), lr=lr)
    model.set_weights([w0, b0])
    model.compile()
    history = model.fit(X, y, batch_size=batch_size, epochs=num_epochs, shuffle=False, verbose=0)
    w, b = model.get_weights()
    return w, b, history.history["loss"]
""",
    ),
    dict(
        exercise="ch03.train_scratch",
        why="returns the raw loss without a Mean metric: the history reads 0.0",
        rejected_by=["train_scratch_matches_reference_run", "train_scratch_random_run"],
        source="""
class Scratch(keras.Model):
    def __init__(self, *args, lr=0.03, **kwargs):
        super().__init__(*args, **kwargs)
        self.lr = lr

    def train_step(self, data):
        x, y = data
        self.zero_grad()
        loss = ops.mean((self(x, training=True) - y) ** 2) / 2
        loss.backward()
        with torch.no_grad():
            for v in self.trainable_weights:
                v.assign(v - self.lr * v.value.grad)
        return {"loss": loss}


def train_scratch(X, y, w0, b0, lr, num_epochs, batch_size):
    inputs = keras.Input((X.shape[1],))
    model = Scratch(inputs, keras.layers.Dense(1)(inputs), lr=lr)
    model.set_weights([w0, b0])
    model.compile()
    history = model.fit(X, y, batch_size=batch_size, epochs=num_epochs, shuffle=False, verbose=0)
    w, b = model.get_weights()
    return w, b, history.history["loss"]
""",
    ),
    dict(
        exercise="ch03.train_scratch",
        why="lets fit shuffle the minibatches (Keras' default)",
        rejected_by=["train_scratch_matches_reference_run", "train_scratch_random_run"],
        source="""
class Scratch(keras.Model):
    def __init__(self, *args, lr=0.03, **kwargs):
        super().__init__(*args, **kwargs)
        self.lr = lr
        self.tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.tracker]

    def train_step(self, data):
        x, y = data
        self.zero_grad()
        loss = ops.mean((self(x, training=True) - y) ** 2) / 2
        loss.backward()
        with torch.no_grad():
            for v in self.trainable_weights:
                v.assign(v - self.lr * v.value.grad)
        self.tracker.update_state(loss)
        return {"loss": self.tracker.result()}


def train_scratch(X, y, w0, b0, lr, num_epochs, batch_size):
    inputs = keras.Input((X.shape[1],))
    model = Scratch(inputs, keras.layers.Dense(1)(inputs), lr=lr)
    model.set_weights([w0, b0])
    model.compile()
    history = model.fit(X, y, batch_size=batch_size, epochs=num_epochs, verbose=0)
    w, b = model.get_weights()
    return w, b, history.history["loss"]
""",
    ),
    dict(
        exercise="ch03.train_scratch",
        why="stock SGD on Keras' MSE at lr: twice the step of the half squared loss",
        rejected_by=["train_scratch_matches_reference_run", "train_scratch_random_run"],
        source="""
def train_scratch(X, y, w0, b0, lr, num_epochs, batch_size):
    inputs = keras.Input((X.shape[1],))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.set_weights([w0, b0])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    history = model.fit(X, y, batch_size=batch_size, epochs=num_epochs, shuffle=False, verbose=0)
    w, b = model.get_weights()
    return w, b, [l / 2 for l in history.history["loss"]]
""",
    ),
    # ------------------------------------------------------------ huber_loss
    dict(
        exercise="ch03.huber_loss",
        why="forgets the 1/2 of the quadratic part",
        rejected_by=["huber_loss_per_example_mean", "huber_loss_delta_and_flat_labels",
                     "huber_loss_telling_cases", "huber_loss_mixed_scales"],
        source=mutant("ch03.huber_loss", "0.5 * ops.square(inner)", "ops.square(inner)"),
    ),
    dict(
        exercise="ch03.huber_loss",
        why="delta does not scale the linear part: |r| - delta / 2, right only for delta = 1",
        rejected_by=["huber_loss_delta_and_flat_labels", "huber_loss_telling_cases", "huber_loss_mixed_scales"],
        source="""
def robust_loss(y_true, y_pred, delta=1.0):
    r = y_pred - ops.reshape(y_true, ops.shape(y_pred))
    a = ops.abs(r)
    return ops.mean(ops.where(a <= delta, 0.5 * r * r, a - 0.5 * delta), axis=-1)
""",
    ),
    dict(
        exercise="ch03.huber_loss",
        why="the linear part's constant is delta / 2 instead of delta**2 / 2: right only for delta = 1",
        rejected_by=["huber_loss_delta_and_flat_labels", "huber_loss_telling_cases", "huber_loss_mixed_scales"],
        source="""
def robust_loss(y_true, y_pred, delta=1.0):
    r = y_pred - ops.reshape(y_true, ops.shape(y_pred))
    a = ops.abs(r)
    return ops.mean(ops.where(a <= delta, 0.5 * r * r, delta * a - 0.5 * delta), axis=-1)
""",
    ),
    dict(
        exercise="ch03.huber_loss",
        why="the naive ops.where: right values, but 0.5 * r**2 of a huge residual is computed on the "
            "unchosen branch and its gradient becomes 0 * inf = NaN",
        rejected_by=["huber_loss_mixed_scales"],
        source="""
def robust_loss(y_true, y_pred, delta=1.0):
    r = y_pred - ops.reshape(y_true, ops.shape(y_pred))
    a = ops.abs(r)
    return ops.mean(ops.where(a <= delta, 0.5 * ops.square(r), delta * (a - 0.5 * delta)), axis=-1)
""",
    ),
    dict(
        exercise="ch03.huber_loss",
        why="blends the branches with 0/1 masks: 0 * (0.5 * 1e40 = inf) = NaN in the value",
        rejected_by=["huber_loss_mixed_scales"],
        source="""
def robust_loss(y_true, y_pred, delta=1.0):
    r = y_pred - ops.reshape(y_true, ops.shape(y_pred))
    a = ops.abs(r)
    small = ops.cast(a <= delta, r.dtype)
    return ops.mean(small * (0.5 * ops.square(r)) + (1 - small) * delta * (a - 0.5 * delta), axis=-1)
""",
    ),
    dict(
        exercise="ch03.huber_loss",
        why="sums over the outputs instead of averaging them",
        rejected_by=["huber_loss_per_example_mean", "huber_loss_telling_cases", "huber_loss_mixed_scales"],
        source=mutant("ch03.huber_loss", "return ops.mean(", "return ops.sum("),
    ),
    dict(
        exercise="ch03.huber_loss",
        why="averages over the whole batch: one number instead of one loss per example",
        rejected_by=["huber_loss_per_example_mean", "huber_loss_delta_and_flat_labels",
                     "huber_loss_telling_cases", "huber_loss_mixed_scales"],
        source=mutant("ch03.huber_loss", ", axis=-1)", ")"),
    ),
    dict(
        exercise="ch03.huber_loss",
        why="the mean over axis 1, which is the last axis only for outputs of rank 2",
        rejected_by=["huber_loss_telling_cases"],
        source=mutant("ch03.huber_loss", ", axis=-1)", ", axis=1)"),
    ),
    dict(
        exercise="ch03.huber_loss",
        why="does not reshape a flat y_true: (n, 1) minus (n,) broadcasts to an (n, n) matrix",
        rejected_by=["huber_loss_delta_and_flat_labels", "huber_loss_telling_cases"],
        source=mutant("ch03.huber_loss", "y_pred - ops.reshape(y_true, ops.shape(y_pred))", "y_pred - y_true"),
    ),
    dict(
        exercise="ch03.huber_loss",
        why="r instead of |r| in the linear part: negative residuals beyond delta get a negative loss",
        rejected_by=["huber_loss_per_example_mean", "huber_loss_delta_and_flat_labels",
                     "huber_loss_telling_cases", "huber_loss_mixed_scales"],
        source="""
def robust_loss(y_true, y_pred, delta=1.0):
    r = y_pred - ops.reshape(y_true, ops.shape(y_pred))
    return ops.mean(ops.where(ops.abs(r) <= delta, 0.5 * r * r, delta * (r - 0.5 * delta)), axis=-1)
""",
    ),
    dict(
        exercise="ch03.huber_loss",
        why="strict comparisons on both sides: at |r| == delta neither branch counts and the loss is 0",
        rejected_by=["huber_loss_delta_and_flat_labels", "huber_loss_telling_cases"],
        source="""
def robust_loss(y_true, y_pred, delta=1.0):
    r = y_pred - ops.reshape(y_true, ops.shape(y_pred))
    a = ops.abs(r)
    quadratic = ops.where(a < delta, 0.5 * r * r, 0.0)
    linear = ops.where(a > delta, delta * (a - 0.5 * delta), 0.0)
    return ops.mean(quadratic + linear, axis=-1)
""",
    ),
    dict(
        exercise="ch03.huber_loss",
        why="computes in NumPy: right values, but autograd cannot differentiate the loss",
        rejected_by=["huber_loss_telling_cases", "huber_loss_mixed_scales"],
        source="""
def robust_loss(y_true, y_pred, delta=1.0):
    y_pred = ops.convert_to_numpy(y_pred).astype(np.float64)
    r = y_pred - np.reshape(ops.convert_to_numpy(y_true), y_pred.shape)
    a = np.abs(r)
    inner = np.minimum(a, delta)
    return np.mean(0.5 * inner**2 + delta * (a - inner), axis=-1)
""",
    ),
    dict(
        exercise="ch03.huber_loss",
        why="torch's smooth L1 loss with beta = delta: Huber's loss divided by delta, and a library loss",
        rejected_by=["huber_loss_delta_and_flat_labels", "huber_loss_telling_cases", "huber_loss_mixed_scales"],
        source="""
def robust_loss(y_true, y_pred, delta=1.0):
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.reshape(ops.convert_to_tensor(y_true, dtype=y_pred.dtype), ops.shape(y_pred))
    return torch.nn.functional.smooth_l1_loss(y_pred, y_true, reduction="none", beta=delta).mean(dim=-1)
""",
    ),
    dict(
        exercise="ch03.huber_loss",
        why="calls Keras' own huber: right values, but no implementation (and NaN gradients for huge residuals)",
        rejected_by=["huber_loss_telling_cases", "huber_loss_mixed_scales"],
        scores=0,  # the visible checks pass, but earn nothing without a hidden one
        source="""
def robust_loss(y_true, y_pred, delta=1.0):
    y_pred = ops.convert_to_tensor(y_pred)
    return keras.losses.huber(ops.reshape(y_true, ops.shape(y_pred)), y_pred, delta=delta)
""",
    ),
    dict(
        exercise="ch03.huber_loss",
        why="reaches torch's huber_loss under another name: the source check sees the attribute",
        rejected_by=["huber_loss_telling_cases", "huber_loss_mixed_scales"],
        scores=0,
        source="""
import torch.nn.functional as F


def robust_loss(y_true, y_pred, delta=1.0):
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.reshape(ops.convert_to_tensor(y_true, dtype=y_pred.dtype), ops.shape(y_pred))
    return F.huber_loss(y_pred, y_true, reduction="none", delta=delta).mean(dim=-1)
""",
    ),
    # ----------------------------------------------------------- fit_concise
    dict(
        exercise="ch03.fit_concise",
        why="keeps learning rate lr with MSE: twice the step of the half squared loss",
        rejected_by=["fit_concise_matches_half_loss_run", "fit_concise_random_run"],
        source="""
def fit_concise(X, y, w0, b0, lr, num_epochs, batch_size):
    inputs = keras.Input((X.shape[1],))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.set_weights([w0, b0])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    model.fit(X, y, batch_size=batch_size, epochs=num_epochs, shuffle=False, verbose=0)
    return tuple(model.get_weights())
""",
    ),
    dict(
        exercise="ch03.fit_concise",
        why="doubles the learning rate instead of halving it",
        rejected_by=["fit_concise_matches_half_loss_run", "fit_concise_random_run"],
        source="""
def fit_concise(X, y, w0, b0, lr, num_epochs, batch_size):
    inputs = keras.Input((X.shape[1],))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.set_weights([w0, b0])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=2 * lr), loss="mse")
    model.fit(X, y, batch_size=batch_size, epochs=num_epochs, shuffle=False, verbose=0)
    return tuple(model.get_weights())
""",
    ),
    dict(
        exercise="ch03.fit_concise",
        why="lets fit shuffle the minibatches",
        rejected_by=["fit_concise_matches_half_loss_run", "fit_concise_random_run"],
        source="""
def fit_concise(X, y, w0, b0, lr, num_epochs, batch_size):
    inputs = keras.Input((X.shape[1],))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.set_weights([w0, b0])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr / 2), loss="mse")
    model.fit(X, y, batch_size=batch_size, epochs=num_epochs, verbose=0)
    return tuple(model.get_weights())
""",
    ),
    dict(
        exercise="ch03.fit_concise",
        why="forgets to start from w0 and b0",
        rejected_by=["fit_concise_matches_half_loss_run", "fit_concise_random_run"],
        source="""
def fit_concise(X, y, w0, b0, lr, num_epochs, batch_size):
    inputs = keras.Input((X.shape[1],))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr / 2), loss="mse")
    model.fit(X, y, batch_size=batch_size, epochs=num_epochs, shuffle=False, verbose=0)
    return tuple(model.get_weights())
""",
    ),
    # --------------------------------------------------------- poly_features
    dict(
        exercise="ch03.poly_features",
        why="forgets to divide by i!",
        rejected_by=["poly_features_fixed_points", "poly_features_random"],
        source="""
def poly_features(x, max_degree):
    return np.power(np.reshape(x, (-1, 1)), np.arange(max_degree))
""",
    ),
    dict(
        exercise="ch03.poly_features",
        why="powers 1 .. max_degree: no constant column",
        rejected_by=["poly_features_fixed_points", "poly_features_random"],
        source="""
import math


def poly_features(x, max_degree):
    x = np.reshape(x, (-1, 1))
    return np.hstack([x**i / math.factorial(i) for i in range(1, max_degree + 1)])
""",
    ),
    dict(
        exercise="ch03.poly_features",
        why="divides by i instead of i!",
        rejected_by=["poly_features_fixed_points", "poly_features_random"],
        source="""
def poly_features(x, max_degree):
    x = np.reshape(x, (-1, 1))
    return np.hstack([x**i / max(i, 1) for i in range(max_degree)])
""",
    ),
    dict(
        exercise="ch03.poly_features",
        why="returns the transpose, shape (max_degree, n)",
        rejected_by=["poly_features_fixed_points", "poly_features_random"],
        source="""
import math


def poly_features(x, max_degree):
    x = np.reshape(x, (1, -1))
    return np.vstack([x**i / math.factorial(i) for i in range(max_degree)])
""",
    ),
    # ------------------------------------------------------------- penalties
    dict(
        exercise="ch03.penalties",
        why="the norm ||w|| instead of half the squared norm",
        rejected_by=["penalties_fixed_matrix", "penalties_random_tensors"],
        source="""
def l2_penalty(w):
    return ops.sqrt(ops.sum(w ** 2))


def l1_penalty(w):
    return ops.sum(ops.abs(w))
""",
    ),
    dict(
        exercise="ch03.penalties",
        why="forgets the 1/2 of the L2 penalty",
        rejected_by=["penalties_fixed_matrix", "penalties_random_tensors"],
        source="""
def l2_penalty(w):
    return ops.sum(w ** 2)


def l1_penalty(w):
    return ops.sum(ops.abs(w))
""",
    ),
    dict(
        exercise="ch03.penalties",
        why="averages instead of summing",
        rejected_by=["penalties_fixed_matrix", "penalties_random_tensors"],
        source="""
def l2_penalty(w):
    return ops.mean(w ** 2) / 2


def l1_penalty(w):
    return ops.mean(ops.abs(w))
""",
    ),
    dict(
        exercise="ch03.penalties",
        why="L1 without the absolute value",
        rejected_by=["penalties_fixed_matrix", "penalties_random_tensors"],
        source="""
def l2_penalty(w):
    return ops.sum(w ** 2) / 2


def l1_penalty(w):
    return ops.sum(w)
""",
    ),
    # (after the others: the sample class takes each exercise's first wrong answer)
    dict(
        exercise="ch03.penalties",
        why="no implementation: returns the shipped visible check's constants",
        rejected_by=["penalties_random_tensors"],
        scores=0,  # the visible check passes, but earns nothing without a hidden one
        source="""
def l2_penalty(w):
    return 7.125


def l1_penalty(w):
    return 6.5
""",
    ),
    # ---------------------------------------------------- weight_decay_model
    dict(
        exercise="ch03.weight_decay_model",
        why="L2(lambd): Keras' L2 has no 1/2, so this is twice the penalty",
        rejected_by=["weight_decay_model_penalty", "weight_decay_model_random"],
        source="""
def build_weight_decay_model(num_inputs, lambd):
    inputs = keras.Input((num_inputs,))
    dense = keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L2(lambd))
    return keras.Model(inputs, dense(inputs))
""",
    ),
    dict(
        exercise="ch03.weight_decay_model",
        why="also decays the bias",
        rejected_by=["weight_decay_model_penalty", "weight_decay_model_random"],
        source="""
def build_weight_decay_model(num_inputs, lambd):
    inputs = keras.Input((num_inputs,))
    dense = keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L2(lambd / 2),
                               bias_regularizer=keras.regularizers.L2(lambd / 2))
    return keras.Model(inputs, dense(inputs))
""",
    ),
    dict(
        exercise="ch03.weight_decay_model",
        why="an L1 regularizer instead of L2",
        rejected_by=["weight_decay_model_penalty", "weight_decay_model_random"],
        source="""
def build_weight_decay_model(num_inputs, lambd):
    inputs = keras.Input((num_inputs,))
    dense = keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L1(lambd / 2))
    return keras.Model(inputs, dense(inputs))
""",
    ),
    dict(
        exercise="ch03.weight_decay_model",
        why="a Sequential model instead of a functional one",
        rejected_by=["weight_decay_model_penalty", "weight_decay_model_random"],
        source="""
def build_weight_decay_model(num_inputs, lambd):
    return keras.Sequential([
        keras.Input((num_inputs,)),
        keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L2(lambd / 2)),
    ])
""",
    ),
    # ---------------------------------------------------------------- k_fold
    dict(
        exercise="ch03.synthetic_data",
        why="a default noise of 0.1 where the statement fixes 0.01",
        rejected_by=["synthetic_data_default_noise"],
        secrets=20,
        source=mutant("ch03.synthetic_data", "noise=0.01, seed=None", "noise=0.1, seed=None"),
    ),
    dict(
        exercise="ch03.linear_scratch",
        why="W's rows from input_shape[1], right only for inputs of rank 2",
        rejected_by=["linear_scratch_layer_defaults_and_rank"],
        source=mutant("ch03.linear_scratch", "shape=(input_shape[-1], self.units)",
                      "shape=(input_shape[1], self.units)"),
    ),
    dict(
        exercise="ch03.linear_scratch",
        why="the layer's own default sigma changed to 0.02 (build_scratch_model always passes one)",
        rejected_by=["linear_scratch_layer_defaults_and_rank"],
        secrets=20,
        source=mutant("ch03.linear_scratch", "def __init__(self, units, sigma=0.01,",
                      "def __init__(self, units, sigma=0.02,"),
    ),
    dict(
        exercise="ch03.k_fold",
        why="D2L's fold size n // k: the remainder rows are never used",
        rejected_by=["k_fold_small_example", "k_fold_random_partitions"],
        source="""
def get_k_fold_data(k, i, X, y):
    fold_size = X.shape[0] // k
    X_train, y_train = None, None
    for j in range(k):
        idx = slice(j * fold_size, (j + 1) * fold_size)
        X_part, y_part = X[idx], y[idx]
        if j == i:
            X_valid, y_valid = X_part, y_part
        elif X_train is None:
            X_train, y_train = X_part, y_part
        else:
            X_train = np.concatenate([X_train, X_part], 0)
            y_train = np.concatenate([y_train, y_part], 0)
    return X_train, y_train, X_valid, y_valid
""",
    ),
    dict(
        exercise="ch03.k_fold",
        why="puts all the remainder rows in the last fold",
        rejected_by=["k_fold_small_example", "k_fold_random_partitions"],
        source="""
def get_k_fold_data(k, i, X, y):
    n = len(X)
    size = n // k
    start = i * size
    stop = n if i == k - 1 else start + size
    keep = np.r_[0:start, stop:n]
    return X[keep], y[keep], X[start:stop], y[start:stop]
""",
    ),
    dict(
        exercise="ch03.k_fold",
        why="validation folds overlap (one row too many)",
        rejected_by=["k_fold_small_example", "k_fold_random_partitions"],
        source="""
def get_k_fold_data(k, i, X, y):
    n = len(X)
    bounds = [j * n // k for j in range(k + 1)]
    start, stop = bounds[i], min(bounds[i + 1] + 1, n)
    keep = np.r_[0:start, stop:n]
    return X[keep], y[keep], X[start:stop], y[start:stop]
""",
    ),
    dict(
        exercise="ch03.k_fold",
        why="trains on every row, the validation fold included",
        rejected_by=["k_fold_small_example", "k_fold_random_partitions"],
        source="""
def get_k_fold_data(k, i, X, y):
    folds = np.array_split(np.arange(len(X)), k)
    return X, y, X[folds[i]], y[folds[i]]
""",
    ),
    # ---------------------------------------- issue 10: the five classes
    # (1) the same sample for everyone, (2) a pooled property, (3) the telling
    # case, (5) what the statement asks beyond the values. Classes 1 and 3
    # must be rejected under every one of many grading secrets.
    dict(
        exercise="ch03.linear_scratch",
        why="class 1: W from a uniform distribution with the right standard deviation",
        rejected_by=["linear_scratch_initialization", "linear_scratch_units_and_init"],
        secrets=20,
        source=mutant("ch03.linear_scratch",
                      "keras.initializers.RandomNormal(mean=0.0, stddev=self.sigma)",
                      "keras.initializers.RandomUniform(-self.sigma * 3**0.5, self.sigma * 3**0.5)"),
    ),
    dict(
        exercise="ch03.synthetic_data",
        why="class 2: a fresh generator for each column, so every column of X is the same",
        rejected_by=["synthetic_data_statistics"],
        source="""
def synthetic_data(w, b, num_examples, noise=0.01, seed=None):
    columns = [np.random.default_rng(seed).standard_normal(num_examples) for _ in w]
    X = np.stack(columns, axis=1)
    eps = np.random.default_rng(seed).standard_normal((num_examples, 1))
    y = X @ np.asarray(w, dtype=np.float64).reshape(-1, 1) + b + noise * eps
    return X.astype(np.float32), y.astype(np.float32)
""",
    ),
    dict(
        exercise="ch03.k_fold",
        why="class 3: ceil(n / k) rows for the first n % k folds, one fewer for the rest: "
            "right unless k divides n",
        rejected_by=["k_fold_random_partitions"],
        secrets=20,
        source="""
import math


def get_k_fold_data(k, i, X, y):
    n = len(X)
    big = math.ceil(n / k)
    sizes = [big if j < n % k else big - 1 for j in range(k)]
    start = sum(sizes[:i])
    stop = start + sizes[i]
    keep = np.r_[0:start, stop:n]
    return X[keep], y[keep], X[start:stop], y[start:stop]
""",
    ),
    dict(
        exercise="ch03.penalties",
        why="class 5: computes in NumPy, so autograd cannot differentiate the penalty",
        rejected_by=["penalties_are_differentiable"],
        source="""
def l2_penalty(w):
    w = ops.convert_to_numpy(w)
    return float(np.sum(w * w) / 2)


def l1_penalty(w):
    return float(np.sum(np.abs(ops.convert_to_numpy(w))))
""",
    ),
]
