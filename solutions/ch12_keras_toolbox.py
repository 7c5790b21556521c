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
# # Solutions: 12. The Keras Toolbox

# %% tags=["exercise"] exercise="ch12.batch_indices"
# exercise: ch12.batch_indices
def batch_indices(n, batch_size, shuffle=False, drop_last=False, seed=None):
    """The index batches of one epoch over n examples, like a DataLoader's sampler."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    stop = n - n % batch_size if drop_last else n
    return [order[start:start + batch_size] for start in range(0, stop, batch_size)]


# %% tags=["exercise"] exercise="ch12.conv_arithmetic"
# exercise: ch12.conv_arithmetic
def conv_output_size(n, kernel, stride=1, padding=0, dilation=1):
    """Output length of a convolution (torch's explicit padding on both sides)."""
    span = dilation * (kernel - 1) + 1
    return (n + 2 * padding - span) // stride + 1


def transposed_output_size(n, kernel, stride=1, padding=0, output_padding=0, dilation=1):
    """Output length of torch's ConvTranspose with these settings."""
    return (n - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def conv_param_count(c_in, c_out, kernel, groups=1, separable=False):
    """Weights and biases of Keras' Conv2D(groups=...) or SeparableConv2D."""
    if separable:
        return kernel * kernel * c_in + c_in * c_out + c_out
    return kernel * kernel * (c_in // groups) * c_out + c_out


# %% tags=["exercise"] exercise="ch12.linear_search"
# exercise: ch12.linear_search
def mse_for_w(x, y, ws):
    """The mean squared error of y_hat = x * w for every w in ws."""
    x, y, ws = (np.asarray(v, dtype=float) for v in (x, y, ws))
    return np.mean((ws[:, None] * x[None, :] - y[None, :]) ** 2, axis=1)


def batch_gradient_descent(x, y, w0, lr, epochs):
    """Full-batch gradient descent on the MSE; returns (w, costs before each update)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    w, costs = float(w0), []
    for _ in range(epochs):
        costs.append(float(np.mean((x * w - y) ** 2)))
        w -= lr * float(np.mean(2 * x * (x * w - y)))
    return w, costs


# %% tags=["exercise"] exercise="ch12.sgd_autograd"
# exercise: ch12.sgd_autograd
def sgd_autograd(x, y, w0, lr, epochs):
    """Per-example SGD on (x * w - y)**2 with torch autograd; returns (w, last losses)."""
    w = torch.tensor([float(w0)], dtype=torch.float64, requires_grad=True)
    losses = []
    for _ in range(epochs):
        for xi, yi in zip(x, y):
            loss = (xi * w - yi) ** 2
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad
            w.grad.zero_()
        losses.append(float(loss))
    return float(w), losses


# %% tags=["exercise"] exercise="ch12.bce"
# exercise: ch12.bce
def bce(y, p, eps=1e-7):
    """Binary cross-entropy of probabilities p, element by element, p clipped to [eps, 1 - eps]."""
    y, p = ops.convert_to_tensor(y), ops.convert_to_tensor(p)
    p = ops.clip(p, eps, 1 - eps)
    return -(y * ops.log(p) + (1 - y) * ops.log(1 - p))


def bce_with_logits(y, z):
    """Binary cross-entropy of sigmoid(z), element by element, stable for any z."""
    y, z = ops.convert_to_tensor(y), ops.convert_to_tensor(z)
    return ops.maximum(z, 0) - z * y + ops.log1p(ops.exp(-ops.abs(z)))


# %% tags=["exercise"] exercise="ch12.softmax_ce"
# exercise: ch12.softmax_ce
def softmax(z):
    """Row-wise softmax of a (N, C) array, stable for any logits."""
    z = ops.convert_to_tensor(z)
    z = z - ops.max(z, axis=1, keepdims=True)
    e = ops.exp(z)
    return e / ops.sum(e, axis=1, keepdims=True)


def cross_entropy(labels, z):
    """Per-row cross-entropy of logits z (N, C) against integer labels (N,)."""
    z = ops.convert_to_tensor(z)
    shifted = z - ops.max(z, axis=1, keepdims=True)
    log_probs = shifted - ops.log(ops.sum(ops.exp(shifted), axis=1, keepdims=True))
    picked = ops.take_along_axis(log_probs, ops.expand_dims(ops.cast(labels, "int32"), 1), axis=1)
    return -ops.squeeze(picked, axis=1)


# %% tags=["exercise"] exercise="ch12.nll_kl"
# exercise: ch12.nll_kl
def nll_loss(labels, log_probs):
    """torch's NLLLoss: minus the mean log-probability of each row's label."""
    log_probs = ops.convert_to_tensor(log_probs)
    picked = ops.take_along_axis(log_probs, ops.expand_dims(ops.cast(labels, "int32"), 1), axis=1)
    return -ops.mean(picked)


def kl_divergence(p, q):
    """Per-row KL(p || q) of distributions (N, C); terms with p = 0 count 0."""
    p, q = ops.convert_to_tensor(p), ops.convert_to_tensor(q)
    safe_p = ops.where(p > 0, p, 1.0)
    return ops.sum(ops.where(p > 0, p * (ops.log(safe_p) - ops.log(q)), 0.0), axis=1)


# %% tags=["exercise"] exercise="ch12.focal"
# exercise: ch12.focal
def focal_from_logits(y, z, alpha=0.25, gamma=2.0):
    """Binary focal loss of logits z, element by element, stable for any z."""
    y, z = ops.convert_to_tensor(y), ops.convert_to_tensor(z)
    log_p = -ops.softplus(-z)  # log sigmoid(z)
    log_1mp = -ops.softplus(z)  # log (1 - sigmoid(z))
    bce = -(y * log_p + (1 - y) * log_1mp)
    p = ops.sigmoid(z)
    p_t = y * p + (1 - y) * (1 - p)
    alpha_t = y * alpha + (1 - y) * (1 - alpha)
    return alpha_t * (1 - p_t) ** gamma * bce


# %% tags=["exercise"] exercise="ch12.sce"
# exercise: ch12.sce
def sce_loss(labels, z, a=1.0, b=1.0, prob_floor=1e-4, label_floor=1e-4):
    """Symmetric cross-entropy per row: a * CE(labels, softmax z) + b * reverse CE."""
    z = ops.convert_to_tensor(z)
    num_classes = z.shape[1]
    one_hot = ops.one_hot(ops.cast(labels, "int32"), num_classes, dtype=z.dtype)
    ce = -ops.sum(one_hot * ops.log_softmax(z, axis=1), axis=1)
    probs = ops.clip(ops.softmax(z, axis=1), prob_floor, 1.0)
    rce = -ops.sum(probs * ops.log(ops.clip(one_hot, label_floor, 1.0)), axis=1)
    return a * ce + b * rce


# %% tags=["exercise"] exercise="ch12.penalties"
# exercise: ch12.penalties
def build_penalized_mlp(n_in, units, alpha, beta):
    """Dense ReLU layers of `units`, then Dense(1); every kernel penalized by
    0.5 * alpha * sum(w**2) + beta * sum(|w|), the biases not at all."""
    inputs = keras.Input(shape=(n_in,))
    x = inputs
    for n in units:
        x = keras.layers.Dense(n, activation="relu",
                               kernel_regularizer=keras.regularizers.L1L2(l1=beta, l2=alpha / 2))(x)
    out = keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L1L2(l1=beta, l2=alpha / 2))(x)
    return keras.Model(inputs, out)


# %% tags=["exercise"] exercise="ch12.weight_decay"
# exercise: ch12.weight_decay
def sgd_with_decay(w0, target, lr, momentum, weight_decay, steps, coupled):
    """SGD with momentum on 0.5 * ||w - target||^2: torch's coupled decay or Keras' decoupled."""
    w = np.array(w0, dtype=float)
    target = np.asarray(target, dtype=float)
    velocity = np.zeros_like(w)
    for _ in range(steps):
        grad = w - target
        if coupled:
            velocity = momentum * velocity + grad + weight_decay * w
            w = w - lr * velocity
        else:
            w = w - lr * weight_decay * w
            velocity = momentum * velocity - lr * grad
            w = w + velocity
    return w


# %% tags=["exercise"] exercise="ch12.tabular_classifier"
# exercise: ch12.tabular_classifier
def build_binary_classifier(n_features, hidden):
    """Dense ReLU layers of the sizes in `hidden`, then one sigmoid unit."""
    inputs = keras.Input(shape=(n_features,))
    x = inputs
    for units in hidden:
        x = keras.layers.Dense(units, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))


# %% tags=["exercise"] exercise="ch12.residual_block"
# exercise: ch12.residual_block
def build_residual_block(input_shape):
    """relu(x + conv2(relu(conv1(x)))) with two 3x3 'same' convolutions of C channels."""
    inputs = keras.Input(shape=input_shape)
    channels = input_shape[-1]
    y = keras.layers.Conv2D(channels, 3, padding="same", activation="relu")(inputs)
    y = keras.layers.Conv2D(channels, 3, padding="same")(y)
    return keras.Model(inputs, keras.layers.ReLU()(keras.layers.Add()([inputs, y])))


# %% tags=["exercise"] exercise="ch12.course_cnn"
# exercise: ch12.course_cnn
def build_course_cnn(input_shape, num_classes=10):
    """conv(10, 5) -> pool -> relu -> conv(20, 5) -> pool -> relu -> flatten -> dense."""
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Conv2D(10, 5)(inputs)
    x = keras.layers.ReLU()(keras.layers.MaxPooling2D(2)(x))
    x = keras.layers.Conv2D(20, 5)(x)
    x = keras.layers.ReLU()(keras.layers.MaxPooling2D(2)(x))
    x = keras.layers.Flatten()(x)
    return keras.Model(inputs, keras.layers.Dense(num_classes)(x))
