"""Plausible wrong answers for chapter 5; each must fail the checks it names.

Several are the study notes' own bugs: the dropout mask drawn with randn
instead of rand (in both of its forms), the sign error in the sigmoid
derivative, and D2L's standardization over train and test together where the
exercise asks for training statistics only.
"""

from exercise_harness import mutant

# A from-scratch MLP whose kernels start from ``kernel_initializer`` (an
# expression that may use the layer index ``i``, from 1, and ``self.sigma``).
SCRATCH_MLP_WITH_KERNELS = """
class DeepMLPScratch(keras.layers.Layer):
    def __init__(self, hidden_units, num_outputs, sigma=0.01, **kwargs):
        super().__init__(**kwargs)
        self.widths = [int(u) for u in hidden_units] + [int(num_outputs)]
        self.sigma = sigma

    def build(self, input_shape):
        self.flat = int(np.prod(input_shape[1:]))
        fan_in, self.kernels, self.biases = self.flat, [], []
        for i, fan_out in enumerate(self.widths, start=1):
            self.kernels.append(self.add_weight(shape=(fan_in, fan_out), name=f"W{{i}}",
                                                initializer={kernel_initializer}))
            self.biases.append(self.add_weight(shape=(fan_out,), initializer="zeros", name=f"b{{i}}"))
            fan_in = fan_out

    def call(self, x):
        h = ops.reshape(x, (-1, self.flat))
        for i, (W, b) in enumerate(zip(self.kernels, self.biases)):
            h = ops.matmul(h, W) + b
            if i < len(self.kernels) - 1:
                h = ops.maximum(h, 0.0)
        return h


def build_mlp_scratch(input_shape, hidden_units, num_outputs, sigma=0.01):
    inputs = keras.Input(tuple(input_shape))
    return keras.Model(inputs, DeepMLPScratch(hidden_units, num_outputs, sigma)(inputs))
"""

# A uniform initializer with the right form and ``bound`` for its bound (an
# expression in ``shape``).
RELU_UNIFORM_WITH_BOUND = """
def relu_uniform(shape, seed=None):
    a = {bound}
    return keras.random.uniform(shape, -a, a, seed=seed)
"""

WRONG_ANSWERS = [
    # ---------------------------------------------------------- activations
    dict(
        exercise="ch05.activations",
        why="tanh from exp(x) and exp(-x): inf / inf = NaN for |x| = 100 in float32",
        rejected_by=["activations_large_inputs"],
        source="""
def relu(x):
    return ops.maximum(x, 0.0)


def sigmoid(x):
    return 1.0 / (1.0 + ops.exp(-ops.convert_to_tensor(x)))


def tanh(x):
    x = ops.convert_to_tensor(x)
    return (ops.exp(x) - ops.exp(-x)) / (ops.exp(x) + ops.exp(-x))
""",
    ),
    dict(
        exercise="ch05.activations",
        why="sigmoid as exp(x) / (1 + exp(x)): NaN for x = 100 in float32",
        rejected_by=["activations_large_inputs"],
        source="""
def relu(x):
    return ops.maximum(x, 0.0)


def sigmoid(x):
    e = ops.exp(ops.convert_to_tensor(x))
    return e / (1.0 + e)


def tanh(x):
    return 2.0 / (1.0 + ops.exp(-2.0 * ops.convert_to_tensor(x))) - 1.0
""",
    ),
    dict(
        exercise="ch05.activations",
        why="sigmoid with the sign of the exponent flipped, relu as x + |x| without the half",
        rejected_by=["activations_on_a_grid", "activations_large_inputs"],
        source="""
def relu(x):
    x = ops.convert_to_tensor(x)
    return x + ops.abs(x)


def sigmoid(x):
    return 1.0 / (1.0 + ops.exp(ops.convert_to_tensor(x)))


def tanh(x):
    return 2.0 / (1.0 + ops.exp(-2.0 * ops.convert_to_tensor(x))) - 1.0
""",
    ),
    # ----------------------------------------------------- activation grads
    dict(
        exercise="ch05.activation_grads",
        why="relu derivative wrong at negatives: sign(x) gives -1",
        rejected_by=["activation_grads_on_a_grid", "activation_grads_match_autograd"],
        source="""
def relu_grad(x):
    return ops.sign(ops.convert_to_tensor(x))


def sigmoid_grad(x):
    s = ops.sigmoid(ops.convert_to_tensor(x))
    return s * (1 - s)


def tanh_grad(x):
    return 1 - ops.tanh(ops.convert_to_tensor(x)) ** 2
""",
    ),
    dict(
        exercise="ch05.activation_grads",
        why="relu derivative 1 at x = 0 (x >= 0)",
        rejected_by=["activation_grads_on_a_grid", "activation_grads_match_autograd"],
        source="""
def relu_grad(x):
    x = ops.convert_to_tensor(x)
    return ops.cast(x >= 0, "float32")


def sigmoid_grad(x):
    s = ops.sigmoid(ops.convert_to_tensor(x))
    return s * (1 - s)


def tanh_grad(x):
    return 1 - ops.tanh(ops.convert_to_tensor(x)) ** 2
""",
    ),
    dict(
        exercise="ch05.activation_grads",
        why="the notes' sign error: -e^-x / (1 - e^-x)^2 for the sigmoid, 1 - tanh without the square",
        rejected_by=["activation_grads_on_a_grid", "activation_grads_match_autograd"],
        source="""
def relu_grad(x):
    return ops.cast(ops.convert_to_tensor(x) > 0, "float32")


def sigmoid_grad(x):
    e = ops.exp(-ops.convert_to_tensor(x))
    return -e / (1 - e) ** 2


def tanh_grad(x):
    return 1 - ops.tanh(ops.convert_to_tensor(x))
""",
    ),
    # ---------------------------------------------------------- MLP scratch
    dict(
        exercise="ch05.mlp_scratch",
        why="Sequential instead of the functional API",
        rejected_by=["mlp_scratch_fashion_shapes", "mlp_scratch_forward", "mlp_scratch_two_hidden_layers"],
        source="""
class Deep(keras.layers.Layer):
    def __init__(self, hidden_units, num_outputs, sigma):
        super().__init__()
        self.sizes, self.sigma = list(hidden_units) + [num_outputs], sigma

    def build(self, input_shape):
        self.n_in = int(np.prod(input_shape[1:]))
        fan_in, self.params = self.n_in, []
        for i, fan_out in enumerate(self.sizes):
            self.params.append(self.add_weight((fan_in, fan_out), keras.initializers.RandomNormal(stddev=self.sigma)))
            self.params.append(self.add_weight((fan_out,), "zeros"))
            fan_in = fan_out

    def call(self, x):
        x = ops.reshape(x, (-1, self.n_in))
        for i in range(0, len(self.params), 2):
            x = ops.matmul(x, self.params[i]) + self.params[i + 1]
            if i + 2 < len(self.params):
                x = ops.relu(x)
        return x


def build_mlp_scratch(input_shape, hidden_units, num_outputs, sigma=0.01):
    return keras.Sequential([keras.Input(input_shape), Deep(hidden_units, num_outputs, sigma)])
""",
    ),
    dict(
        exercise="ch05.mlp_scratch",
        why="uses Dense layers instead of writing the layer",
        rejected_by=["mlp_scratch_fashion_shapes", "mlp_scratch_two_hidden_layers"],
        source="""
def build_mlp_scratch(input_shape, hidden_units, num_outputs, sigma=0.01):
    inputs = keras.Input(input_shape)
    x = keras.layers.Flatten()(inputs)
    init = lambda: keras.initializers.RandomNormal(stddev=sigma)
    for units in hidden_units:
        x = keras.layers.Dense(units, activation="relu", kernel_initializer=init())(x)
    return keras.Model(inputs, keras.layers.Dense(num_outputs, kernel_initializer=init())(x))
""",
    ),
    dict(
        exercise="ch05.mlp_scratch",
        why="stock Dense layers in disguise: a renamed subclass",
        rejected_by=["mlp_scratch_fashion_shapes", "mlp_scratch_two_hidden_layers"],
        source="""
class HandWrittenLinear(keras.layers.Dense):
    pass


def build_mlp_scratch(input_shape, hidden_units, num_outputs, sigma=0.01):
    inputs = keras.Input(input_shape)
    x = keras.layers.Flatten()(inputs)
    init = lambda: keras.initializers.RandomNormal(stddev=sigma)
    for units in hidden_units:
        x = HandWrittenLinear(units, activation="relu", kernel_initializer=init())(x)
    return keras.Model(inputs, HandWrittenLinear(num_outputs, kernel_initializer=init())(x))
""",
    ),
    dict(
        exercise="ch05.mlp_scratch",
        why="forgets the ReLU, ignores sigma (N(0, 1) kernels) and uses only the first hidden width",
        rejected_by=["mlp_scratch_fashion_shapes", "mlp_scratch_forward", "mlp_scratch_two_hidden_layers"],
        source="""
class OneHidden(keras.layers.Layer):
    def __init__(self, hidden, outputs):
        super().__init__()
        self.hidden, self.outputs = hidden, outputs

    def build(self, input_shape):
        self.n_in = int(np.prod(input_shape[1:]))
        self.W1 = self.add_weight((self.n_in, self.hidden), "random_normal")
        self.b1 = self.add_weight((self.hidden,), "zeros")
        self.W2 = self.add_weight((self.hidden, self.outputs), "random_normal")
        self.b2 = self.add_weight((self.outputs,), "zeros")

    def call(self, x):
        x = ops.reshape(x, (-1, self.n_in))
        return ops.matmul(ops.matmul(x, self.W1) + self.b1, self.W2) + self.b2


def build_mlp_scratch(input_shape, hidden_units, num_outputs, sigma=0.01):
    inputs = keras.Input(input_shape)
    return keras.Model(inputs, OneHidden(hidden_units[0], num_outputs)(inputs))
""",
    ),
    dict(
        exercise="ch05.mlp_scratch",
        why="applies ReLU to the output layer too",
        rejected_by=["mlp_scratch_forward", "mlp_scratch_two_hidden_layers"],
        source="""
class Deep(keras.layers.Layer):
    def __init__(self, hidden_units, num_outputs, sigma):
        super().__init__()
        self.sizes, self.sigma = list(hidden_units) + [num_outputs], sigma

    def build(self, input_shape):
        self.n_in = int(np.prod(input_shape[1:]))
        fan_in, self.params = self.n_in, []
        for fan_out in self.sizes:
            self.params.append(self.add_weight((fan_in, fan_out), keras.initializers.RandomNormal(stddev=self.sigma)))
            self.params.append(self.add_weight((fan_out,), "zeros"))
            fan_in = fan_out

    def call(self, x):
        x = ops.reshape(x, (-1, self.n_in))
        for i in range(0, len(self.params), 2):
            x = ops.relu(ops.matmul(x, self.params[i]) + self.params[i + 1])
        return x


def build_mlp_scratch(input_shape, hidden_units, num_outputs, sigma=0.01):
    inputs = keras.Input(input_shape)
    return keras.Model(inputs, Deep(hidden_units, num_outputs, sigma)(inputs))
""",
    ),
    # ------------------------------------------------------------- backprop
    dict(
        exercise="ch05.backprop",
        why="forgets the penalty's lam * W terms",
        rejected_by=["backprop_matches_autograd", "backprop_random_sizes"],
        source="""
def manual_grads(X, y, W1, b1, W2, b2, lam):
    X, W1, b1, W2, b2 = (np.asarray(a, dtype=float) for a in (X, W1, b1, W2, b2))
    y = np.asarray(y).astype(int)
    Z = X @ W1 + b1
    H = np.maximum(Z, 0)
    O = H @ W2 + b2
    P = np.exp(O - O.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    P[np.arange(len(y)), y] -= 1
    dO = P / len(y)
    dZ = (dO @ W2.T) * (Z > 0)
    return {"W1": X.T @ dZ, "b1": dZ.sum(0), "W2": H.T @ dO, "b2": dO.sum(0)}
""",
    ),
    dict(
        exercise="ch05.backprop",
        why="penalizes the biases too",
        rejected_by=["backprop_matches_autograd", "backprop_random_sizes"],
        source="""
def manual_grads(X, y, W1, b1, W2, b2, lam):
    X, W1, b1, W2, b2 = (np.asarray(a, dtype=float) for a in (X, W1, b1, W2, b2))
    y = np.asarray(y).astype(int)
    Z = X @ W1 + b1
    H = np.maximum(Z, 0)
    O = H @ W2 + b2
    P = np.exp(O - O.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    P[np.arange(len(y)), y] -= 1
    dO = P / len(y)
    dZ = (dO @ W2.T) * (Z > 0)
    return {"W1": X.T @ dZ + lam * W1, "b1": dZ.sum(0) + lam * b1,
            "W2": H.T @ dO + lam * W2, "b2": dO.sum(0) + lam * b2}
""",
    ),
    dict(
        exercise="ch05.backprop",
        why="skips the ReLU derivative (treats the hidden layer as linear)",
        rejected_by=["backprop_matches_autograd", "backprop_random_sizes"],
        source="""
def manual_grads(X, y, W1, b1, W2, b2, lam):
    X, W1, b1, W2, b2 = (np.asarray(a, dtype=float) for a in (X, W1, b1, W2, b2))
    y = np.asarray(y).astype(int)
    H = np.maximum(X @ W1 + b1, 0)
    O = H @ W2 + b2
    P = np.exp(O - O.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    P[np.arange(len(y)), y] -= 1
    dO = P / len(y)
    dZ = dO @ W2.T
    return {"W1": X.T @ dZ + lam * W1, "b1": dZ.sum(0), "W2": H.T @ dO + lam * W2, "b2": dO.sum(0)}
""",
    ),
    dict(
        exercise="ch05.backprop",
        why="sums the loss over the batch instead of averaging",
        rejected_by=["backprop_matches_autograd", "backprop_random_sizes"],
        source="""
def manual_grads(X, y, W1, b1, W2, b2, lam):
    X, W1, b1, W2, b2 = (np.asarray(a, dtype=float) for a in (X, W1, b1, W2, b2))
    y = np.asarray(y).astype(int)
    Z = X @ W1 + b1
    H = np.maximum(Z, 0)
    O = H @ W2 + b2
    P = np.exp(O - O.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    P[np.arange(len(y)), y] -= 1
    dO = P
    dZ = (dO @ W2.T) * (Z > 0)
    return {"W1": X.T @ dZ + lam * W1, "b1": dZ.sum(0), "W2": H.T @ dO + lam * W2, "b2": dO.sum(0)}
""",
    ),
    # ------------------------------------------------------ ReLU uniform
    dict(
        exercise="ch05.relu_uniform",
        why="Xavier's bound sqrt(6 / (fan_in + fan_out)): ignores what ReLU does to the variance",
        rejected_by=["relu_uniform_keeps_the_scale", "relu_uniform_random_shapes"],
        source=RELU_UNIFORM_WITH_BOUND.format(bound="math.sqrt(6.0 / (shape[0] + shape[1]))"),
    ),
    dict(
        exercise="ch05.relu_uniform",
        why="variance 1 / fan_in (LeCun): forgets that ReLU halves the second moment",
        rejected_by=["relu_uniform_keeps_the_scale", "relu_uniform_random_shapes"],
        source=RELU_UNIFORM_WITH_BOUND.format(bound="math.sqrt(3.0 / shape[0])"),
    ),
    dict(
        exercise="ch05.relu_uniform",
        why="uses He's standard deviation sqrt(2 / fan_in) as the uniform bound",
        rejected_by=["relu_uniform_keeps_the_scale", "relu_uniform_random_shapes"],
        source=RELU_UNIFORM_WITH_BOUND.format(bound="math.sqrt(2.0 / shape[0])"),
    ),
    dict(
        exercise="ch05.relu_uniform",
        why="uses the fan-out: right for square layers only",
        rejected_by=["relu_uniform_random_shapes"],
        source=RELU_UNIFORM_WITH_BOUND.format(bound="math.sqrt(6.0 / shape[1])"),
    ),
    dict(
        exercise="ch05.relu_uniform",
        why="draws from a normal distribution with He's variance (values beyond the bound)",
        rejected_by=["relu_uniform_random_shapes"],
        source="""
def relu_uniform(shape, seed=None):
    return keras.random.normal(shape, stddev=math.sqrt(2.0 / shape[0]), seed=seed)
""",
    ),
    dict(
        exercise="ch05.relu_uniform",
        why="ignores the seed",
        rejected_by=["relu_uniform_seeded"],
        source="""
def relu_uniform(shape, seed=None):
    a = math.sqrt(6.0 / shape[0])
    return keras.random.uniform(shape, -a, a)
""",
    ),
    # ------------------------------------------------------------- dropout
    dict(
        exercise="ch05.dropout_layer",
        why="the notes' bug: mask from a normal distribution, randn(shape) > p",
        rejected_by=["dropout_layer_half", "dropout_layer_random_rates"],
        source="""
def dropout_layer(X, p, seed=None):
    X = ops.convert_to_tensor(X)
    if p == 1:
        return ops.zeros_like(X)
    mask = ops.cast(keras.random.normal(ops.shape(X), seed=seed) > p, "float32")
    return mask * X / (1.0 - p)
""",
    ),
    dict(
        exercise="ch05.dropout_layer",
        why="the notes' other form of the bug: randn(shape) < 1 - p keeps Phi(1 - p)",
        rejected_by=["dropout_layer_half", "dropout_layer_random_rates"],
        source="""
def dropout_layer(X, p, seed=None):
    X = ops.convert_to_tensor(X)
    if p == 1:
        return ops.zeros_like(X)
    keep = 1.0 - p
    mask = ops.cast(keras.random.normal(ops.shape(X), seed=seed) < keep, "float32")
    return mask * X / keep
""",
    ),
    dict(
        exercise="ch05.dropout_layer",
        why="does not rescale the kept entries by 1 / (1 - p)",
        rejected_by=["dropout_layer_half", "dropout_layer_random_rates"],
        source="""
def dropout_layer(X, p, seed=None):
    X = ops.convert_to_tensor(X)
    mask = ops.cast(keras.random.uniform(ops.shape(X), seed=seed) >= p, "float32")
    return mask * X
""",
    ),
    dict(
        exercise="ch05.dropout_layer",
        why="keeps an entry with probability p instead of 1 - p",
        rejected_by=["dropout_layer_random_rates"],
        source="""
def dropout_layer(X, p, seed=None):
    X = ops.convert_to_tensor(X)
    if p == 0:
        return X
    if p == 1:
        return ops.zeros_like(X)
    mask = ops.cast(keras.random.uniform(ops.shape(X), seed=seed) < p, "float32")
    return mask * X / (1.0 - p)
""",
    ),
    dict(
        exercise="ch05.dropout_layer",
        why="no special case for p = 1: 0 * X / 0 gives NaN",
        rejected_by=["dropout_layer_edge_cases", "dropout_layer_tensors_and_seeds"],
        source="""
def dropout_layer(X, p, seed=None):
    X = ops.convert_to_tensor(X)
    mask = ops.cast(keras.random.uniform(ops.shape(X), seed=seed) >= p, "float32")
    return mask * X / (1.0 - p)
""",
    ),
    dict(
        exercise="ch05.dropout_layer",
        why="ignores the seed (a fresh mask every call)",
        rejected_by=["dropout_layer_tensors_and_seeds"],
        source="""
def dropout_layer(X, p, seed=None):
    X = ops.convert_to_tensor(X)
    if p == 1:
        return ops.zeros_like(X)
    mask = ops.cast(keras.random.uniform(ops.shape(X)) >= p, "float32")
    return mask * X / (1.0 - p)
""",
    ),
    # --------------------------------------------------------- normal mask
    dict(
        exercise="ch05.normal_mask",
        why="sign error: Phi(p) instead of 1 - Phi(p)",
        rejected_by=["normal_mask_known_values", "normal_mask_random_rates"],
        source="""
def normal_mask_keep_rate(p):
    return 0.5 * (1 + math.erf(p / math.sqrt(2)))


def normal_mask_mean_factor(p):
    return normal_mask_keep_rate(p) / (1 - p)
""",
    ),
    dict(
        exercise="ch05.normal_mask",
        why="answers what the layer was meant to do (1 - p, factor 1)",
        rejected_by=["normal_mask_known_values", "normal_mask_random_rates"],
        source="""
def normal_mask_keep_rate(p):
    return 1 - p


def normal_mask_mean_factor(p):
    return 1.0
""",
    ),
    dict(
        exercise="ch05.normal_mask",
        why="forgets the 1 / (1 - p) rescaling in the mean factor",
        rejected_by=["normal_mask_known_values", "normal_mask_random_rates"],
        source="""
def normal_mask_keep_rate(p):
    return 0.5 * math.erfc(p / math.sqrt(2))


def normal_mask_mean_factor(p):
    return normal_mask_keep_rate(p)
""",
    ),
    # --------------------------------------------------------- dropout MLP
    dict(
        exercise="ch05.dropout_mlp",
        why="Sequential instead of the functional API",
        rejected_by=["dropout_mlp_d2l", "dropout_mlp_three_hidden_layers"],
        source="""
def build_dropout_mlp(input_shape, hidden_units, dropout_rates, num_outputs):
    layers = [keras.Input(input_shape), keras.layers.Flatten()]
    for units, rate in zip(hidden_units, dropout_rates):
        layers += [keras.layers.Dense(units, activation="relu"), keras.layers.Dropout(rate)]
    return keras.Sequential(layers + [keras.layers.Dense(num_outputs)])
""",
    ),
    dict(
        exercise="ch05.dropout_mlp",
        why="dropout before each Dense layer (drops the inputs) instead of after the activation",
        rejected_by=["dropout_mlp_d2l", "dropout_mlp_three_hidden_layers"],
        source="""
def build_dropout_mlp(input_shape, hidden_units, dropout_rates, num_outputs):
    inputs = keras.Input(input_shape)
    x = keras.layers.Flatten()(inputs)
    for units, rate in zip(hidden_units, dropout_rates):
        x = keras.layers.Dropout(rate)(x)
        x = keras.layers.Dense(units, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(num_outputs)(x))
""",
    ),
    dict(
        exercise="ch05.dropout_mlp",
        why="adds dropout after the output layer as well",
        rejected_by=["dropout_mlp_d2l", "dropout_mlp_three_hidden_layers"],
        source="""
def build_dropout_mlp(input_shape, hidden_units, dropout_rates, num_outputs):
    inputs = keras.Input(input_shape)
    x = keras.layers.Flatten()(inputs)
    for units, rate in zip(hidden_units, dropout_rates):
        x = keras.layers.Dense(units, activation="relu")(x)
        x = keras.layers.Dropout(rate)(x)
    x = keras.layers.Dense(num_outputs)(x)
    return keras.Model(inputs, keras.layers.Dropout(dropout_rates[-1])(x))
""",
    ),
    dict(
        exercise="ch05.dropout_mlp",
        why="applies the rates in reverse order",
        rejected_by=["dropout_mlp_d2l", "dropout_mlp_three_hidden_layers"],
        source="""
def build_dropout_mlp(input_shape, hidden_units, dropout_rates, num_outputs):
    inputs = keras.Input(input_shape)
    x = keras.layers.Flatten()(inputs)
    for units, rate in zip(hidden_units, reversed(dropout_rates)):
        x = keras.layers.Dense(units, activation="relu")(x)
        x = keras.layers.Dropout(rate)(x)
    return keras.Model(inputs, keras.layers.Dense(num_outputs)(x))
""",
    ),
    dict(
        exercise="ch05.dropout_mlp",
        why="a home-made dropout layer that is active at inference too (ignores training)",
        rejected_by=["dropout_mlp_d2l", "dropout_mlp_three_hidden_layers"],
        source="""
class AlwaysDropout(keras.layers.Layer):
    def __init__(self, rate):
        super().__init__()
        self.rate = rate
        self.seeds = keras.random.SeedGenerator(0)

    def call(self, x, training=None):
        keep = keras.random.uniform(ops.shape(x), seed=self.seeds) >= self.rate
        return ops.where(keep, x / (1 - self.rate), 0.0)


def build_dropout_mlp(input_shape, hidden_units, dropout_rates, num_outputs):
    inputs = keras.Input(input_shape)
    x = keras.layers.Flatten()(inputs)
    for units, rate in zip(hidden_units, dropout_rates):
        x = keras.layers.Dense(units, activation="relu")(x)
        x = AlwaysDropout(rate)(x)
    return keras.Model(inputs, keras.layers.Dense(num_outputs)(x))
""",
    ),
    dict(
        exercise="ch05.dropout_mlp",
        why="forgets the ReLU activation",
        rejected_by=["dropout_mlp_d2l", "dropout_mlp_three_hidden_layers"],
        source="""
def build_dropout_mlp(input_shape, hidden_units, dropout_rates, num_outputs):
    inputs = keras.Input(input_shape)
    x = keras.layers.Flatten()(inputs)
    for units, rate in zip(hidden_units, dropout_rates):
        x = keras.layers.Dense(units)(x)
        x = keras.layers.Dropout(rate)(x)
    return keras.Model(inputs, keras.layers.Dense(num_outputs)(x))
""",
    ),
    # ----------------------------------------------------- house features
    dict(
        exercise="ch05.preprocess_features",
        why="D2L's statistics over train and test together",
        rejected_by=["preprocess_features_small_tables", "preprocess_features_random_tables"],
        source="""
def preprocess_features(train, test):
    a, b = pd.DataFrame(train), pd.DataFrame(test)
    both = pd.concat([a, b], ignore_index=True)
    num = both.select_dtypes(include="number").columns
    both[num] = ((both[num] - both[num].mean()) / both[num].std()).fillna(0)
    both = pd.get_dummies(both, dummy_na=True)
    return both.iloc[:len(a)], both.iloc[len(a):]
""",
    ),
    dict(
        exercise="ch05.preprocess_features",
        why="standardizes with the test set's statistics only",
        rejected_by=["preprocess_features_small_tables", "preprocess_features_random_tables"],
        source="""
def preprocess_features(train, test):
    a, b = pd.DataFrame(train), pd.DataFrame(test)
    both = pd.concat([a, b], ignore_index=True)
    num = both.select_dtypes(include="number").columns
    both[num] = ((both[num] - b[num].mean()) / b[num].std()).fillna(0)
    both = pd.get_dummies(both, dummy_na=True)
    return both.iloc[:len(a)], both.iloc[len(a):]
""",
    ),
    dict(
        exercise="ch05.preprocess_features",
        why="fills missing numbers with 0 before standardizing",
        rejected_by=["preprocess_features_small_tables", "preprocess_features_random_tables"],
        source="""
def preprocess_features(train, test):
    a, b = pd.DataFrame(train), pd.DataFrame(test)
    num = a.select_dtypes(include="number").columns
    a[num], b[num] = a[num].fillna(0), b[num].fillna(0)
    both = pd.concat([a, b], ignore_index=True)
    both[num] = (both[num] - a[num].mean()) / a[num].std()
    both = pd.get_dummies(both, dummy_na=True)
    return both.iloc[:len(a)], both.iloc[len(a):]
""",
    ),
    dict(
        exercise="ch05.preprocess_features",
        why="one-hot encodes without dummy_na (no _nan columns)",
        rejected_by=["preprocess_features_small_tables", "preprocess_features_random_tables"],
        source="""
def preprocess_features(train, test):
    a, b = pd.DataFrame(train), pd.DataFrame(test)
    both = pd.concat([a, b], ignore_index=True)
    num = both.select_dtypes(include="number").columns
    both[num] = ((both[num] - a[num].mean()) / a[num].std()).fillna(0)
    both = pd.get_dummies(both)
    return both.iloc[:len(a)], both.iloc[len(a):]
""",
    ),
    dict(
        exercise="ch05.preprocess_features",
        why="one-hot encodes train and test separately, so their columns differ",
        rejected_by=["preprocess_features_small_tables", "preprocess_features_random_tables"],
        source="""
def preprocess_features(train, test):
    a, b = pd.DataFrame(train), pd.DataFrame(test)
    num = a.select_dtypes(include="number").columns
    mu, sd = a[num].mean(), a[num].std()
    a[num] = ((a[num] - mu) / sd).fillna(0)
    b[num] = ((b[num] - mu) / sd).fillna(0)
    return pd.get_dummies(a, dummy_na=True), pd.get_dummies(b, dummy_na=True)
""",
    ),
    # ------------------------------------------------------------ log-RMSE
    dict(
        exercise="ch05.log_rmse",
        why="no clipping: log of predictions below 1 or negative",
        rejected_by=["log_rmse_values", "log_rmse_clipping"],
        source="""
def log_rmse(y_hat, y):
    y_hat = ops.reshape(ops.convert_to_tensor(y_hat), (-1,))
    y = ops.reshape(ops.convert_to_tensor(y), (-1,))
    return ops.sqrt(ops.mean((ops.log(y_hat) - ops.log(y)) ** 2))
""",
    ),
    dict(
        exercise="ch05.log_rmse",
        why="forgets the logarithm (plain RMSE of clipped predictions)",
        rejected_by=["log_rmse_values", "log_rmse_clipping"],
        source="""
def log_rmse(y_hat, y):
    y_hat = ops.maximum(ops.reshape(ops.convert_to_tensor(y_hat), (-1,)), 1.0)
    y = ops.reshape(ops.convert_to_tensor(y), (-1,))
    return ops.sqrt(ops.mean((y_hat - y) ** 2))
""",
    ),
    dict(
        exercise="ch05.log_rmse",
        why="forgets the square root",
        rejected_by=["log_rmse_values", "log_rmse_clipping"],
        source="""
def log_rmse(y_hat, y):
    y_hat = ops.maximum(ops.reshape(ops.convert_to_tensor(y_hat), (-1,)), 1.0)
    y = ops.reshape(ops.convert_to_tensor(y), (-1,))
    return ops.mean((ops.log(y_hat) - ops.log(y)) ** 2)
""",
    ),
    dict(
        exercise="ch05.log_rmse",
        why="clips at 0 instead of 1",
        rejected_by=["log_rmse_values", "log_rmse_clipping"],
        source="""
def log_rmse(y_hat, y):
    y_hat = ops.maximum(ops.reshape(ops.convert_to_tensor(y_hat), (-1,)), 0.0)
    y = ops.reshape(ops.convert_to_tensor(y), (-1,))
    return ops.sqrt(ops.mean((ops.log(y_hat) - ops.log(y)) ** 2))
""",
    ),
    # ---------------------------------------------------------- K-fold split
    dict(
        exercise="ch05.k_fold_split",
        why="np.array_split folds: keeps the remainder rows",
        rejected_by=["k_fold_split_ten_rows", "k_fold_split_random"],
        source="""
def get_k_fold_data(k, i, X, y):
    folds = np.array_split(np.arange(len(X)), k)
    train = np.concatenate([f for j, f in enumerate(folds) if j != i])
    return X[train], y[train], X[folds[i]], y[folds[i]]
""",
    ),
    dict(
        exercise="ch05.k_fold_split",
        why="validates on fold i + 1 (off by one)",
        rejected_by=["k_fold_split_ten_rows", "k_fold_split_random"],
        source="""
def get_k_fold_data(k, i, X, y):
    size = len(X) // k
    j = (i + 1) % k
    valid = slice(j * size, (j + 1) * size)
    train = [r for r in range(k * size) if not j * size <= r < (j + 1) * size]
    return X[train], y[train], X[valid], y[valid]
""",
    ),
    dict(
        exercise="ch05.k_fold_split",
        why="trains on every row, the validation fold included",
        rejected_by=["k_fold_split_ten_rows", "k_fold_split_random"],
        source="""
def get_k_fold_data(k, i, X, y):
    size = len(X) // k
    valid = slice(i * size, (i + 1) * size)
    return X, y, X[valid], y[valid]
""",
    ),
    dict(
        exercise="ch05.k_fold_split",
        why="adds the leftover n % k rows to the training set",
        rejected_by=["k_fold_split_ten_rows", "k_fold_split_random"],
        source="""
def get_k_fold_data(k, i, X, y):
    size = len(X) // k
    valid = slice(i * size, (i + 1) * size)
    train = [r for r in range(len(X)) if not i * size <= r < (i + 1) * size]
    return X[train], y[train], X[valid], y[valid]
""",
    ),
    # ------------------------------------------ issue 10: the five classes
    # Each passed the checks before issue 10 (for every secret, or for a
    # share of them; see the `why`) and is rejected now for every secret.
    dict(
        exercise="ch05.mlp_scratch",
        why="class 2: the output layer's kernel ignores sigma (always N(0, 0.01^2)); pooled "
        "with the hidden kernels its spread went unnoticed",
        secrets=20,
        rejected_by=["mlp_scratch_two_hidden_layers"],
        source=SCRATCH_MLP_WITH_KERNELS.format(kernel_initializer=(
            "keras.initializers.RandomNormal("
            "stddev=self.sigma if i < len(self.widths) else 0.01)")),
    ),
    dict(
        exercise="ch05.mlp_scratch",
        why="class 1: uniform kernels with standard deviation sigma, where the statement asks "
        "for N(0, sigma^2)",
        secrets=20,
        rejected_by=["mlp_scratch_fashion_shapes", "mlp_scratch_two_hidden_layers"],
        # U(-a, a) has standard deviation a / sqrt(3)
        source=SCRATCH_MLP_WITH_KERNELS.format(kernel_initializer=(
            "keras.initializers.RandomUniform(-self.sigma * 3 ** 0.5, self.sigma * 3 ** 0.5)")),
    ),
    dict(
        exercise="ch05.backprop",
        why="class 4: softmax stabilized with the maximum of the whole batch, not of each row "
        "(0 / 0 for a row far below the batch's largest logit)",
        secrets=20,
        rejected_by=["backprop_mixed_scales"],
        source="""
def manual_grads(X, y, W1, b1, W2, b2, lam):
    X, W1, b1, W2, b2 = (np.asarray(a, dtype=np.float64) for a in (X, W1, b1, W2, b2))
    y = np.asarray(y).astype(int)
    n = X.shape[0]
    Z = X @ W1 + b1
    H = np.maximum(Z, 0.0)
    O = H @ W2 + b2
    E = np.exp(O - O.max())
    P = E / E.sum(axis=1, keepdims=True)
    P[np.arange(n), y] -= 1.0
    dO = P / n
    dZ = (dO @ W2.T) * (Z > 0)
    return {"W1": X.T @ dZ + lam * W1, "b1": dZ.sum(axis=0),
            "W2": H.T @ dO + lam * W2, "b2": dO.sum(axis=0)}
""",
    ),
    dict(
        exercise="ch05.relu_uniform",
        why="class 5: numpy's generator gives float64 where the statement asks for float32",
        rejected_by=["relu_uniform_keeps_the_scale", "relu_uniform_random_shapes"],
        source="""
def relu_uniform(shape, seed=None):
    a = math.sqrt(6.0 / shape[0])
    return np.random.default_rng(seed).uniform(-a, a, size=shape)
""",
    ),
    dict(
        exercise="ch05.dropout_layer",
        why="class 1: a fixed seed, so every call (every training step) drops the same entries",
        secrets=20,
        rejected_by=["dropout_layer_tensors_and_seeds"],
        source="""
def dropout_layer(X, p, seed=None):
    X = ops.convert_to_tensor(X)
    if p == 1:
        return ops.zeros_like(X)
    mask = ops.cast(keras.random.uniform(ops.shape(X), seed=42) >= p, X.dtype)
    return mask * X / (1.0 - p)
""",
    ),
    dict(
        exercise="ch05.dropout_layer",
        why="class 1: one mask value per column, shared by every row (not independent); the "
        "dropped share wanders, so it passed for a share of the students",
        secrets=20,
        rejected_by=["dropout_layer_half", "dropout_layer_random_rates"],
        source="""
def dropout_layer(X, p, seed=None):
    X = ops.convert_to_tensor(X)
    if p == 1:
        return ops.zeros_like(X)
    if p == 0:
        return X
    mask = ops.cast(keras.random.uniform(ops.shape(X)[-1:], seed=seed) >= p, X.dtype)
    return mask * X / (1.0 - p)
""",
    ),
    dict(
        exercise="ch05.log_rmse",
        why="class 3: no reshape, so (n, 1) predictions against (n,) labels broadcast to an "
        "(n, n) difference; the checks only tried equal shapes",
        secrets=20,
        rejected_by=["log_rmse_clipping"],
        source="""
def log_rmse(y_hat, y):
    clipped = ops.clip(ops.cast(ops.convert_to_tensor(y_hat), "float64"), 1.0, float("inf"))
    y = ops.cast(ops.convert_to_tensor(y), "float64")
    return ops.sqrt(ops.mean(ops.square(ops.log(clipped) - ops.log(y))))
""",
    ),
    dict(
        exercise="ch05.k_fold_split",
        why="class 3: fold size round(n / k) instead of n // k; differs only when the remainder "
        "is at least half of k",
        secrets=20,
        rejected_by=["k_fold_split_random"],
        source="""
def get_k_fold_data(k, i, X, y):
    size = round(len(X) / k)
    valid = slice(i * size, (i + 1) * size)
    train = [r for r in range(k * size) if r < len(X) and not i * size <= r < (i + 1) * size]
    return X[train], y[train], X[valid], y[valid]
""",
    ),
    dict(
        exercise="ch05.activation_grads",
        why="class 5: relu_grad returns the boolean mask x > 0, not float32 derivatives",
        rejected_by=["activation_grads_match_autograd"],
        source=mutant("ch05.activation_grads", "return ops.cast(ops.greater(grad_in, 0), grad_in.dtype)",
                      "return ops.greater(grad_in, 0)"),
    ),
    dict(
        exercise="ch05.mlp_scratch",
        why="weights named from index 0 (W0, b0, W1, ...) where the statement names W1, b1, ...",
        rejected_by=["mlp_scratch_fashion_shapes"],
        source=mutant("ch05.mlp_scratch", "enumerate(self.widths, start=1)", "enumerate(self.widths)"),
    ),
    dict(
        exercise="ch05.backprop",
        why="class 3: the ReLU derivative taken as 1 at a pre-activation of exactly 0",
        rejected_by=["backprop_relu_at_zero"],
        secrets=20,
        source=mutant("ch05.backprop", "(d_logits @ W2.T) * (pre_act > 0)",
                      "(d_logits @ W2.T) * (pre_act >= 0)"),
    ),
    dict(
        exercise="ch05.dropout_mlp",
        why="class 5: one dropout mask shared by the whole batch (noise_shape=(1, units)); "
        "inference outputs and layer configs look right",
        rejected_by=["dropout_mlp_drops_in_training"],
        secrets=20,
        source=mutant("ch05.dropout_mlp", "keras.layers.Dropout(float(rate))(hidden_acts)",
                      "keras.layers.Dropout(float(rate), noise_shape=(1, int(units)))(hidden_acts)"),
    ),
    dict(
        exercise="ch05.dropout_mlp",
        why="class 5: drops whole examples (noise_shape=(None, 1)) instead of single units",
        rejected_by=["dropout_mlp_drops_in_training"],
        secrets=20,
        source=mutant("ch05.dropout_mlp", "keras.layers.Dropout(float(rate))(hidden_acts)",
                      "keras.layers.Dropout(float(rate), noise_shape=(None, 1))(hidden_acts)"),
    ),
]
