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
# # Solutions: 5. Multilayer Perceptrons

# %% tags=["exercise"] exercise="ch05.activations"
# exercise: ch05.activations
def relu(x):
    """max(x, 0), elementwise."""
    relu_in = ops.convert_to_tensor(x)
    return ops.maximum(relu_in, ops.zeros_like(relu_in))


def sigmoid(x):
    """1 / (1 + exp(-x)), elementwise."""
    # For very negative x, exp(-x) overflows to inf and 1 / (1 + inf) is exactly 0: no NaN.
    return 1.0 / (1.0 + ops.exp(ops.negative(ops.convert_to_tensor(x))))


def tanh(x):
    """The hyperbolic tangent, elementwise, finite for large |x|."""
    # 2 * sigmoid(2x) - 1 never forms inf / inf, unlike (e^x - e^-x) / (e^x + e^-x).
    return 2.0 * sigmoid(2.0 * ops.convert_to_tensor(x)) - 1.0


# %% tags=["exercise"] exercise="ch05.activation_grads"
# exercise: ch05.activation_grads
def relu_grad(x):
    """d relu / dx elementwise: 1 where x > 0, else 0 (also at x = 0)."""
    grad_in = ops.convert_to_tensor(x)
    return ops.cast(ops.greater(grad_in, 0), grad_in.dtype)


def sigmoid_grad(x):
    """d sigmoid / dx elementwise."""
    sig_of_x = ops.sigmoid(ops.convert_to_tensor(x))
    return sig_of_x * (1.0 - sig_of_x)  # sigma(x) (1 - sigma(x))


def tanh_grad(x):
    """d tanh / dx elementwise."""
    return 1.0 - ops.square(ops.tanh(ops.convert_to_tensor(x)))  # 1 - tanh(x)^2


# %% tags=["exercise"] exercise="ch05.mlp_scratch"
# exercise: ch05.mlp_scratch
class DeepMLPScratch(keras.layers.Layer):
    """ReLU hidden layers and a linear output, weights created by hand."""

    def __init__(self, hidden_units, num_outputs, sigma=0.01, **layer_options):
        super().__init__(**layer_options)
        self.widths = [int(u) for u in hidden_units] + [int(num_outputs)]
        self.init_std = sigma

    def build(self, batch_input_shape):
        self.flat_size = int(np.prod(batch_input_shape[1:]))
        width_in = self.flat_size
        self.kernels, self.biases = [], []
        for index, width_out in enumerate(self.widths, start=1):
            self.kernels.append(self.add_weight(
                shape=(width_in, width_out), name=f"W{index}",
                initializer=keras.initializers.RandomNormal(mean=0.0, stddev=self.init_std)))
            self.biases.append(self.add_weight(shape=(width_out,), initializer="zeros",
                                               name=f"b{index}"))
            width_in = width_out

    def call(self, image_batch):
        act = ops.reshape(image_batch, (-1, self.flat_size))
        for index, (kernel, bias) in enumerate(zip(self.kernels, self.biases)):
            act = ops.add(ops.matmul(act, kernel), bias)
            if index < len(self.kernels) - 1:  # ReLU on hidden layers only
                act = ops.maximum(act, 0.0)
        return act


def build_mlp_scratch(input_shape, hidden_units, num_outputs, sigma=0.01):
    """Functional model: Input -> one custom layer holding W1, b1, W2, b2, ..."""
    scratch_inputs = keras.Input(tuple(input_shape))
    scratch_logits = DeepMLPScratch(hidden_units, num_outputs, sigma=sigma)(scratch_inputs)
    return keras.Model(scratch_inputs, scratch_logits)


# %% tags=["exercise"] exercise="ch05.backprop"
# exercise: ch05.backprop
def manual_grads(X, y, W1, b1, W2, b2, lam):
    """{"W1": dJ/dW1, "b1": dJ/db1, "W2": dJ/dW2, "b2": dJ/db2}, derived by hand."""
    X, W1, b1, W2, b2 = (np.asarray(a, dtype=np.float64) for a in (X, W1, b1, W2, b2))
    labels = np.asarray(y).astype(int).reshape(-1)
    batch_n = X.shape[0]
    # forward pass, keeping what the backward pass needs
    pre_act = X @ W1 + b1
    hid_act = np.where(pre_act > 0, pre_act, 0.0)
    out_logits = hid_act @ W2 + b2
    shifted = np.exp(out_logits - out_logits.max(axis=1, keepdims=True))
    probs = shifted / shifted.sum(axis=1, keepdims=True)
    # backward pass: softmax - onehot, averaged over the batch
    d_logits = probs.copy()
    d_logits[np.arange(batch_n), labels] -= 1.0
    d_logits /= batch_n
    d_pre_act = (d_logits @ W2.T) * (pre_act > 0)
    return {
        "W1": X.T @ d_pre_act + lam * W1,
        "b1": d_pre_act.sum(axis=0),
        "W2": hid_act.T @ d_logits + lam * W2,
        "b2": d_logits.sum(axis=0),
    }


# %% tags=["exercise"] exercise="ch05.relu_uniform"
# exercise: ch05.relu_uniform
def relu_uniform(shape, seed=None):
    """A (fan_in, fan_out) float32 tensor from U(-a, a) that keeps the scale of ReLU layers."""
    # Var[o] = fan_in * Var[w] * E[h^2], and ReLU keeps half of a symmetric
    # input's second moment, so Var[w] = 2 / fan_in (He et al.); U(-a, a) has
    # variance a^2 / 3, so a = sqrt(6 / fan_in).
    fan_in, fan_out = int(shape[0]), int(shape[1])
    bound = math.sqrt(6.0 / fan_in)
    return keras.random.uniform((fan_in, fan_out), minval=-bound, maxval=bound, dtype="float32",
                                seed=seed)  # the same seed gives the same tensor


# %% tags=["exercise"] exercise="ch05.dropout_layer"
# exercise: ch05.dropout_layer
def dropout_layer(X, p, seed=None):
    """Inverted dropout with drop probability p (training mode)."""
    drop_in = ops.convert_to_tensor(X)
    if p == 1:
        return ops.zeros_like(drop_in)  # 1 / (1 - p) would divide by zero
    if p == 0:
        return drop_in
    draws = keras.random.uniform(ops.shape(drop_in), seed=seed)  # U(0, 1), not a normal
    kept = ops.cast(ops.greater_equal(draws, p), drop_in.dtype)  # kept with probability 1 - p
    return kept * drop_in * (1.0 / (1.0 - p))


# %% tags=["exercise"] exercise="ch05.normal_mask"
# exercise: ch05.normal_mask
def normal_mask_keep_rate(p):
    """P(randn > p) for a standard normal draw."""
    return 0.5 * (1.0 - math.erf(p / math.sqrt(2.0)))


def normal_mask_mean_factor(p):
    """E[dropout output] / input for the randn-mask layer."""
    return normal_mask_keep_rate(p) / (1.0 - p)


# %% tags=["exercise"] exercise="ch05.dropout_mlp"
# exercise: ch05.dropout_mlp
def build_dropout_mlp(input_shape, hidden_units, dropout_rates, num_outputs):
    """Input -> Flatten -> [Dense(relu) -> Dropout] * len(hidden_units) -> Dense."""
    if len(hidden_units) != len(dropout_rates):
        raise ValueError("need one dropout rate per hidden layer")
    mlp_inputs = keras.Input(tuple(input_shape))
    hidden_acts = keras.layers.Flatten()(mlp_inputs)
    for units, rate in zip(hidden_units, dropout_rates):
        hidden_acts = keras.layers.Dense(int(units), activation="relu")(hidden_acts)
        hidden_acts = keras.layers.Dropout(float(rate))(hidden_acts)  # after the activation
    return keras.Model(mlp_inputs, keras.layers.Dense(int(num_outputs))(hidden_acts))


# %% tags=["exercise"] exercise="ch05.preprocess_features"
# exercise: ch05.preprocess_features
def preprocess_features(train, test):
    """(train_frame, test_frame): standardized with training statistics, one-hot encoded."""
    train_part, test_part = pd.DataFrame(train), pd.DataFrame(test)
    both = pd.concat([train_part, test_part], ignore_index=True)
    numbers = [c for c in both.columns if pd.api.types.is_numeric_dtype(both[c])]
    train_mean, train_std = train_part[numbers].mean(), train_part[numbers].std()
    both[numbers] = ((both[numbers] - train_mean) / train_std).fillna(0.0)  # NaN -> 0 afterwards
    encoded = pd.get_dummies(both, dummy_na=True)  # categories of both tables, same columns
    n_train_rows = len(train_part)
    return (encoded.iloc[:n_train_rows].reset_index(drop=True),
            encoded.iloc[n_train_rows:].reset_index(drop=True))


# %% tags=["exercise"] exercise="ch05.log_rmse"
# exercise: ch05.log_rmse
def log_rmse(y_hat, y):
    """Root-mean-squared error between log(y) and log(y_hat clipped to >= 1)."""
    flat_pred = ops.reshape(ops.cast(ops.convert_to_tensor(y_hat), "float64"), (-1,))
    flat_true = ops.reshape(ops.cast(ops.convert_to_tensor(y), "float64"), (-1,))
    clipped_pred = ops.clip(flat_pred, 1.0, float("inf"))  # log of values below 1 is unstable
    return ops.sqrt(ops.mean(ops.square(ops.log(clipped_pred) - ops.log(flat_true))))


# %% tags=["exercise"] exercise="ch05.k_fold_split"
# exercise: ch05.k_fold_split
def get_k_fold_data(k, i, X, y):
    """(X_train, y_train, X_valid, y_valid) for fold i of k, D2L style."""
    X_all, y_all = np.asarray(X), np.asarray(y)
    rows_per_fold = len(X_all) // k  # the last len(X) % k rows are never used
    train_parts_X, train_parts_y = [], []
    for fold_index in range(k):
        block = slice(fold_index * rows_per_fold, (fold_index + 1) * rows_per_fold)
        if fold_index == i:
            X_valid, y_valid = X_all[block], y_all[block]
        else:
            train_parts_X.append(X_all[block])
            train_parts_y.append(y_all[block])
    return np.concatenate(train_parts_X), np.concatenate(train_parts_y), X_valid, y_valid
