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
# # Solutions: 4. Linear Neural Networks for Classification

# %% tags=["exercise"] exercise="ch04.one_hot"
# exercise: ch04.one_hot
def one_hot(y, num_classes):
    """Float (n, num_classes) matrix with a single 1 per row, in column y[i]."""
    y = ops.reshape(ops.cast(ops.convert_to_tensor(y), "int32"), (-1, 1))
    classes = ops.reshape(ops.arange(num_classes, dtype="int32"), (1, -1))
    return ops.cast(y == classes, "float32")


# %% tags=["exercise"] exercise="ch04.softmax_gradients"
# exercise: ch04.softmax_gradients
def softmax_regression_grads(X, W, b, y):
    """(dW, db): gradients of the mean cross-entropy of softmax(X @ W + b)."""
    X = ops.convert_to_tensor(X, "float32")
    O = ops.matmul(X, ops.convert_to_tensor(W, "float32")) + ops.convert_to_tensor(b, "float32")
    O = O - ops.max(O, axis=1, keepdims=True)
    Y_hat = ops.exp(O) / ops.sum(ops.exp(O), axis=1, keepdims=True)
    Y = ops.one_hot(ops.cast(ops.convert_to_tensor(y), "int32"), ops.shape(O)[1])
    n = ops.shape(X)[0]
    delta = (Y_hat - Y) / n
    return ops.matmul(ops.transpose(X), delta), ops.sum(delta, axis=0)


# %% tags=["exercise"] exercise="ch04.entropy_kl"
# exercise: ch04.entropy_kl
def _plogq(p, q):
    """p * log(q), with 0 where p == 0 (the convention 0 log 0 = 0)."""
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    safe_q = np.where(p > 0, q, 1.0)
    return np.where(p > 0, p * np.log(safe_q), 0.0)


def entropy(p):
    """H[p] in nats."""
    return float(-np.sum(_plogq(p, p)))


def cross_entropy_pq(p, q):
    """H(p, q) in nats."""
    return float(-np.sum(_plogq(p, q)))


def kl_divergence(p, q):
    """KL(p || q) in nats."""
    return float(np.sum(_plogq(p, p) - _plogq(p, q)))


# %% tags=["exercise"] exercise="ch04.stable_softmax"
# exercise: ch04.stable_softmax
def stable_softmax(X, axis=-1):
    """Softmax of X along axis, shifted by the maximum for stability."""
    X = ops.convert_to_tensor(X)
    expX = ops.exp(X - ops.max(X, axis=axis, keepdims=True))
    return expX / ops.sum(expX, axis=axis, keepdims=True)


# %% tags=["exercise"] exercise="ch04.cross_entropy_losses"
# exercise: ch04.cross_entropy_losses
def cross_entropy_losses(y_hat, y):
    """Per-example cross-entropy, shape (n,), for integer or probability labels."""
    y_hat = ops.convert_to_tensor(y_hat)
    y = ops.convert_to_tensor(y)
    if len(ops.shape(y)) == 2:  # label probabilities: -sum_j y_ij log y_hat_ij
        return -ops.sum(ops.cast(y, y_hat.dtype) * ops.log(y_hat), axis=1)
    picked = ops.take_along_axis(y_hat, ops.reshape(ops.cast(y, "int32"), (-1, 1)), axis=1)
    return -ops.log(ops.reshape(picked, (-1,)))


# %% tags=["exercise"] exercise="ch04.accuracy"
# exercise: ch04.accuracy
def accuracy(y_hat, y):
    """Fraction of rows whose predicted class equals y."""
    y_hat = ops.convert_to_tensor(y_hat)
    if len(ops.shape(y_hat)) > 1:
        y_hat = ops.argmax(y_hat, axis=1)
    y = ops.reshape(ops.convert_to_tensor(y), (-1,))
    correct = ops.cast(y_hat, "int32") == ops.cast(y, "int32")
    return float(ops.mean(ops.cast(correct, "float32")))


# %% tags=["exercise"] exercise="ch04.softmax_scratch"
# exercise: ch04.softmax_scratch
class SoftmaxScratch(keras.layers.Layer):
    """Flatten, X @ W + b, softmax: softmax regression as a single layer."""

    def __init__(self, num_classes, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes

    def build(self, input_shape):
        num_inputs = int(np.prod(input_shape[1:]))
        self.W = self.add_weight(
            shape=(num_inputs, self.num_classes),
            initializer=keras.initializers.RandomNormal(stddev=0.01),
            name="W",
        )
        self.b = self.add_weight(shape=(self.num_classes,), initializer="zeros", name="b")

    def call(self, X):
        X = ops.reshape(X, (ops.shape(X)[0], -1))
        O = ops.matmul(X, self.W) + self.b
        expO = ops.exp(O - ops.max(O, axis=1, keepdims=True))
        return expO / ops.sum(expO, axis=1, keepdims=True)


def build_softmax_scratch(input_shape, num_classes):
    """Functional model: Input(input_shape) -> SoftmaxScratch(num_classes)."""
    inputs = keras.Input(shape=input_shape)
    outputs = SoftmaxScratch(num_classes)(inputs)
    return keras.Model(inputs, outputs)


# %% tags=["exercise"] exercise="ch04.sgd_steps"
# exercise: ch04.sgd_steps
def sgd_steps(W, b, batches, lr):
    """One SGD step per batch on the mean softmax cross-entropy; returns (W, b, losses)."""
    losses = []
    for X, y in batches:
        logits = ops.matmul(ops.convert_to_tensor(X, "float32"), W) + b
        log_p = ops.log_softmax(logits, axis=-1)
        targets = ops.one_hot(ops.convert_to_tensor(y, "int32"), ops.shape(logits)[-1])
        loss = -ops.mean(ops.sum(targets * log_p, axis=-1))
        W.grad = None  # torch adds new gradients to old ones
        b.grad = None
        loss.backward()
        with torch.no_grad():
            W -= lr * W.grad
            b -= lr * b.grad
        losses.append(float(loss))
    return W, b, losses


# %% tags=["exercise"] exercise="ch04.ce_from_logits"
# exercise: ch04.ce_from_logits
def ce_from_logits(O, y):
    """Per-example cross-entropy of logits O (n, q) and labels y (n,), shape (n,)."""
    O = ops.convert_to_tensor(O)
    shifted = O - ops.max(O, axis=1, keepdims=True)
    log_sum_exp = ops.log(ops.sum(ops.exp(shifted), axis=1))
    y = ops.reshape(ops.cast(ops.convert_to_tensor(y), "int32"), (-1, 1))
    true_logit = ops.reshape(ops.take_along_axis(shifted, y, axis=1), (-1,))
    return log_sum_exp - true_logit


# %% tags=["exercise"] exercise="ch04.concise_model"
# exercise: ch04.concise_model
def keras_from_torch_linear(weight, bias, input_shape):
    """Functional Input -> Flatten -> Dense with the logits of torch's nn.Linear(weight, bias)."""
    weight, bias = ops.convert_to_numpy(weight), ops.convert_to_numpy(bias)
    inputs = keras.Input(shape=input_shape)
    dense = keras.layers.Dense(weight.shape[0])  # one output per class: torch's (classes, inputs)
    model = keras.Model(inputs, dense(keras.layers.Flatten()(inputs)))
    dense.set_weights([weight.T, bias])  # a Keras kernel is (inputs, outputs), the transpose
    return model


# %% tags=["exercise"] exercise="ch04.confusion_matrix"
# exercise: ch04.confusion_matrix
def confusion_matrix(y_true, y_pred, num_classes):
    """Integer (q, q) matrix: [i, j] counts true class i predicted as j."""
    y_true = np.asarray(y_true, dtype=np.int64).reshape(-1)
    y_pred = np.asarray(y_pred, dtype=np.int64).reshape(-1)
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


# %% tags=["exercise"] exercise="ch04.importance_weights"
# exercise: ch04.importance_weights
from sklearn.linear_model import LogisticRegression


def importance_weights(source_x, target_x):
    """Estimated p_target(x) / p_source(x) at each source point, shape (n_s,)."""
    source_x = np.asarray(source_x, dtype=np.float64).reshape(len(source_x), -1)
    target_x = np.asarray(target_x, dtype=np.float64).reshape(len(target_x), -1)
    inputs = np.concatenate([source_x, target_x])
    z = np.concatenate([np.zeros(len(source_x)), np.ones(len(target_x))])
    discriminator = LogisticRegression(C=1e4, max_iter=1000).fit(inputs, z)
    odds = np.exp(discriminator.decision_function(source_x))
    return odds * len(source_x) / len(target_x)
