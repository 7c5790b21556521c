"""Plausible wrong answers for chapter 4; each must fail the checks it names."""

from exercise_harness import mutant

WRONG_ANSWERS = [
    # ------------------------------------------------------------ one_hot
    dict(
        exercise="ch04.one_hot",
        why="off by one: compares the labels with 1..q instead of 0..q-1",
        rejected_by=["one_hot_values", "one_hot_hidden"],
        source="""
def one_hot(y, num_classes):
    y = ops.reshape(ops.convert_to_tensor(y), (-1, 1))
    return ops.cast(y == ops.arange(1, num_classes + 1), "float32")
""",
    ),
    dict(
        exercise="ch04.one_hot",
        why="takes the width from the labels (max(y) + 1) instead of num_classes",
        rejected_by=["one_hot_values", "one_hot_hidden"],
        source="""
def one_hot(y, num_classes):
    y = np.asarray(y)
    return (y[:, None] == np.arange(y.max() + 1)[None, :]).astype("float32")
""",
    ),
    dict(
        exercise="ch04.one_hot",
        why="transposed: one column per example",
        rejected_by=["one_hot_values", "one_hot_hidden"],
        source="""
def one_hot(y, num_classes):
    y = np.asarray(y)
    return (np.arange(num_classes)[:, None] == y[None, :]).astype("float32")
""",
    ),
    # -------------------------------------------------- softmax_gradients
    dict(
        exercise="ch04.softmax_gradients",
        why="gradient of the summed loss: forgets to divide by n",
        rejected_by=["softmax_gradients_values", "softmax_gradients_hidden"],
        source="""
def softmax_regression_grads(X, W, b, y):
    O = X @ W + b
    P = np.exp(O - O.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(len(y)), y] -= 1
    return X.T @ P, P.sum(axis=0)
""",
    ),
    dict(
        exercise="ch04.softmax_gradients",
        why="sign flipped: Y - softmax instead of softmax - Y",
        rejected_by=["softmax_gradients_values", "softmax_gradients_hidden"],
        source="""
def softmax_regression_grads(X, W, b, y):
    O = X @ W + b
    P = np.exp(O - O.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    Y = np.eye(W.shape[1])[y]
    return X.T @ (Y - P) / len(y), (Y - P).mean(axis=0)
""",
    ),
    dict(
        exercise="ch04.softmax_gradients",
        why="naive softmax without the max-shift: NaN for logits in the hundreds",
        rejected_by=["softmax_gradients_hidden"],
        source="""
def softmax_regression_grads(X, W, b, y):
    O = ops.matmul(ops.convert_to_tensor(X, "float32"), ops.convert_to_tensor(W, "float32"))
    O = O + ops.convert_to_tensor(b, "float32")
    P = ops.exp(O) / ops.sum(ops.exp(O), axis=1, keepdims=True)
    R = (P - ops.one_hot(ops.convert_to_tensor(y), ops.shape(O)[1])) / len(y)
    return ops.matmul(ops.transpose(ops.convert_to_tensor(X, "float32")), R), ops.sum(R, axis=0)
""",
    ),
    # --------------------------------------------------------- entropy_kl
    dict(
        exercise="ch04.entropy_kl",
        why="KL divergence with its arguments swapped (KL(q || p))",
        rejected_by=["entropy_kl_die_values", "entropy_kl_hidden"],
        source="""
def entropy(p):
    p = np.asarray(p)
    p = p[p > 0]
    return float(-np.sum(p * np.log(p)))


def cross_entropy_pq(p, q):
    p, q = np.asarray(p), np.asarray(q)
    keep = p > 0
    return float(-np.sum(p[keep] * np.log(q[keep])))


def kl_divergence(p, q):
    p, q = np.asarray(q), np.asarray(p)
    keep = p > 0
    return float(np.sum(p[keep] * np.log(p[keep] / q[keep])))
""",
    ),
    dict(
        exercise="ch04.entropy_kl",
        why="bits instead of nats (log2)",
        rejected_by=["entropy_kl_die_values", "entropy_kl_hidden"],
        source="""
def entropy(p):
    p = np.asarray(p)
    p = p[p > 0]
    return float(-np.sum(p * np.log2(p)))


def cross_entropy_pq(p, q):
    p, q = np.asarray(p), np.asarray(q)
    keep = p > 0
    return float(-np.sum(p[keep] * np.log2(q[keep])))


def kl_divergence(p, q):
    return cross_entropy_pq(p, q) - entropy(p)
""",
    ),
    dict(
        exercise="ch04.entropy_kl",
        why="no 0 log 0 convention: NaN when p has zeros",
        rejected_by=["entropy_kl_hidden"],
        source="""
def entropy(p):
    p = np.asarray(p)
    return float(-np.sum(p * np.log(p)))


def cross_entropy_pq(p, q):
    return float(-np.sum(np.asarray(p) * np.log(np.asarray(q))))


def kl_divergence(p, q):
    return cross_entropy_pq(p, q) - entropy(p)
""",
    ),
    dict(
        exercise="ch04.entropy_kl",
        why="cross-entropy taken as symmetric: -sum q log p",
        rejected_by=["entropy_kl_die_values", "entropy_kl_hidden"],
        source="""
def entropy(p):
    p = np.asarray(p)
    p = p[p > 0]
    return float(-np.sum(p * np.log(p)))


def cross_entropy_pq(p, q):
    p, q = np.asarray(p), np.asarray(q)
    keep = q > 0
    return float(-np.sum(q[keep] * np.log(p[keep])))


def kl_divergence(p, q):
    p, q = np.asarray(p), np.asarray(q)
    keep = p > 0
    return float(np.sum(p[keep] * np.log(p[keep] / q[keep])))
""",
    ),
    # ------------------------------------------------------ stable_softmax
    dict(
        exercise="ch04.stable_softmax",
        why="no max-shift: exp overflows to inf and the result is NaN for large logits",
        rejected_by=["stable_softmax_rows", "stable_softmax_hidden"],
        source="""
def stable_softmax(X, axis=-1):
    E = ops.exp(ops.convert_to_tensor(X))
    return E / ops.sum(E, axis=axis, keepdims=True)
""",
    ),
    dict(
        exercise="ch04.stable_softmax",
        why="normalizes over the wrong axis (columns) by default",
        rejected_by=["stable_softmax_rows"],
        source="""
def stable_softmax(X, axis=0):
    X = ops.convert_to_tensor(X)
    E = ops.exp(X - ops.max(X, axis=axis, keepdims=True))
    return E / ops.sum(E, axis=axis, keepdims=True)
""",
    ),
    dict(
        exercise="ch04.stable_softmax",
        why="ignores the axis argument (always the last axis)",
        rejected_by=["stable_softmax_hidden"],
        source="""
def stable_softmax(X, axis=-1):
    X = ops.convert_to_tensor(X)
    E = ops.exp(X - ops.max(X, axis=-1, keepdims=True))
    return E / ops.sum(E, axis=-1, keepdims=True)
""",
    ),
    dict(
        exercise="ch04.stable_softmax",
        why="subtracts the maximum without keepdims, so it broadcasts along the wrong axis",
        rejected_by=["stable_softmax_rows"],
        source="""
def stable_softmax(X, axis=-1):
    X = ops.convert_to_tensor(X)
    E = ops.exp(X - ops.max(X, axis=axis))
    return E / ops.sum(E, axis=axis, keepdims=True)
""",
    ),
    # ------------------------------------------------ cross_entropy_losses
    dict(
        exercise="ch04.cross_entropy_losses",
        why="returns the mean over the batch instead of one loss per example",
        rejected_by=["cross_entropy_losses_d2l_example", "cross_entropy_losses_hidden"],
        source="""
def cross_entropy_losses(y_hat, y):
    y_hat, y = np.asarray(y_hat), np.asarray(y)
    if y.ndim == 2:
        return -np.mean(np.sum(y * np.log(y_hat), axis=1))
    return -np.mean(np.log(y_hat[np.arange(len(y_hat)), y]))
""",
    ),
    dict(
        exercise="ch04.cross_entropy_losses",
        why="takes the log of all probabilities, not only the true class's",
        rejected_by=["cross_entropy_losses_d2l_example"],
        source="""
def cross_entropy_losses(y_hat, y):
    return -ops.sum(ops.log(ops.convert_to_tensor(y_hat)), axis=1)
""",
    ),
    dict(
        exercise="ch04.cross_entropy_losses",
        why="picks rows by label (y_hat[y]) instead of one entry per row",
        rejected_by=["cross_entropy_losses_d2l_example"],
        source="""
def cross_entropy_losses(y_hat, y):
    y_hat, y = np.asarray(y_hat), np.asarray(y)
    return -np.log(y_hat[y, 0])
""",
    ),
    dict(
        exercise="ch04.cross_entropy_losses",
        why="soft labels averaged over the classes (wrong axis reduction: mean, not sum)",
        rejected_by=["cross_entropy_losses_hidden"],
        source="""
def cross_entropy_losses(y_hat, y):
    y_hat, y = np.asarray(y_hat), np.asarray(y)
    if y.ndim == 2:
        return -np.mean(y * np.log(y_hat), axis=1)
    return -np.log(y_hat[np.arange(len(y_hat)), y])
""",
    ),
    dict(
        exercise="ch04.cross_entropy_losses",
        why="handles integer labels only",
        rejected_by=["cross_entropy_losses_hidden"],
        source="""
def cross_entropy_losses(y_hat, y):
    y = ops.reshape(ops.convert_to_tensor(y), (-1, 1))
    return -ops.log(ops.take_along_axis(ops.convert_to_tensor(y_hat), y, axis=1))[:, 0]
""",
    ),
    # ------------------------------------------------------------ accuracy
    dict(
        exercise="ch04.accuracy",
        why="compares probabilities instead of the argmax (true-class probability > 0.5)",
        rejected_by=["accuracy_values"],
        source="""
def accuracy(y_hat, y):
    y_hat, y = np.asarray(y_hat), np.asarray(y)
    return float(np.mean(y_hat[np.arange(len(y)), y] > 0.5))
""",
    ),
    dict(
        exercise="ch04.accuracy",
        why="returns the count of correct predictions (the D2L helper), not the fraction",
        rejected_by=["accuracy_values"],
        source="""
def accuracy(y_hat, y):
    y_hat, y = np.asarray(y_hat), np.asarray(y)
    if y_hat.ndim > 1:
        y_hat = y_hat.argmax(axis=1)
    return float(np.sum(y_hat == y))
""",
    ),
    dict(
        exercise="ch04.accuracy",
        why="argmax over the wrong axis",
        rejected_by=["accuracy_values"],
        source="""
def accuracy(y_hat, y):
    pred = ops.argmax(ops.convert_to_tensor(y_hat), axis=0)
    return float(ops.mean(ops.cast(pred == ops.convert_to_tensor(y)[: len(pred)], "float32")))
""",
    ),
    dict(
        exercise="ch04.accuracy",
        why="always takes the argmax, so a vector of predicted classes breaks it",
        rejected_by=["accuracy_hidden"],
        source="""
def accuracy(y_hat, y):
    y_hat, y = np.asarray(y_hat), np.asarray(y)
    return float(np.mean(np.argmax(y_hat, axis=-1) == y))
""",
    ),
    # ----------------------------------------------------- softmax_scratch
    dict(
        exercise="ch04.softmax_scratch",
        why="a Sequential model instead of the functional API",
        rejected_by=["softmax_scratch_fashion_mnist_shape", "softmax_scratch_hidden"],
        source="""
class SoftmaxScratch(keras.layers.Layer):
    def __init__(self, num_classes, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes

    def build(self, input_shape):
        d = int(np.prod(input_shape[1:]))
        self.W = self.add_weight(shape=(d, self.num_classes),
                                 initializer=keras.initializers.RandomNormal(stddev=0.01))
        self.b = self.add_weight(shape=(self.num_classes,), initializer="zeros")

    def call(self, X):
        O = ops.matmul(ops.reshape(X, (ops.shape(X)[0], -1)), self.W) + self.b
        E = ops.exp(O - ops.max(O, axis=1, keepdims=True))
        return E / ops.sum(E, axis=1, keepdims=True)


def build_softmax_scratch(input_shape, num_classes):
    return keras.Sequential([keras.Input(shape=input_shape), SoftmaxScratch(num_classes)])
""",
    ),
    dict(
        exercise="ch04.softmax_scratch",
        why="naive softmax inside the layer: NaN for large logits",
        rejected_by=["softmax_scratch_hidden"],
        source="""
class SoftmaxScratch(keras.layers.Layer):
    def __init__(self, num_classes, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes

    def build(self, input_shape):
        d = int(np.prod(input_shape[1:]))
        self.W = self.add_weight(shape=(d, self.num_classes),
                                 initializer=keras.initializers.RandomNormal(stddev=0.01))
        self.b = self.add_weight(shape=(self.num_classes,), initializer="zeros")

    def call(self, X):
        E = ops.exp(ops.matmul(ops.reshape(X, (ops.shape(X)[0], -1)), self.W) + self.b)
        return E / ops.sum(E, axis=1, keepdims=True)


def build_softmax_scratch(input_shape, num_classes):
    inputs = keras.Input(shape=input_shape)
    return keras.Model(inputs, SoftmaxScratch(num_classes)(inputs))
""",
    ),
    dict(
        exercise="ch04.softmax_scratch",
        why="no bias (7,840 parameters)",
        rejected_by=["softmax_scratch_fashion_mnist_shape", "softmax_scratch_hidden"],
        source="""
class SoftmaxScratch(keras.layers.Layer):
    def __init__(self, num_classes, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes

    def build(self, input_shape):
        d = int(np.prod(input_shape[1:]))
        self.W = self.add_weight(shape=(d, self.num_classes),
                                 initializer=keras.initializers.RandomNormal(stddev=0.01))

    def call(self, X):
        O = ops.matmul(ops.reshape(X, (ops.shape(X)[0], -1)), self.W)
        E = ops.exp(O - ops.max(O, axis=1, keepdims=True))
        return E / ops.sum(E, axis=1, keepdims=True)


def build_softmax_scratch(input_shape, num_classes):
    inputs = keras.Input(shape=input_shape)
    return keras.Model(inputs, SoftmaxScratch(num_classes)(inputs))
""",
    ),
    dict(
        exercise="ch04.softmax_scratch",
        why="softmax over the batch axis instead of over the classes",
        rejected_by=["softmax_scratch_fashion_mnist_shape"],
        source="""
class SoftmaxScratch(keras.layers.Layer):
    def __init__(self, num_classes, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes

    def build(self, input_shape):
        d = int(np.prod(input_shape[1:]))
        self.W = self.add_weight(shape=(d, self.num_classes),
                                 initializer=keras.initializers.RandomNormal(stddev=0.01))
        self.b = self.add_weight(shape=(self.num_classes,), initializer="zeros")

    def call(self, X):
        O = ops.matmul(ops.reshape(X, (ops.shape(X)[0], -1)), self.W) + self.b
        E = ops.exp(O - ops.max(O, axis=0, keepdims=True))
        return E / ops.sum(E, axis=0, keepdims=True)


def build_softmax_scratch(input_shape, num_classes):
    inputs = keras.Input(shape=input_shape)
    return keras.Model(inputs, SoftmaxScratch(num_classes)(inputs))
""",
    ),
    dict(
        exercise="ch04.softmax_scratch",
        why="keeps Keras' default Glorot initializer for W instead of N(0, 0.01^2)",
        rejected_by=["softmax_scratch_fashion_mnist_shape"],
        source="""
class SoftmaxScratch(keras.layers.Layer):
    def __init__(self, num_classes, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes

    def build(self, input_shape):
        d = int(np.prod(input_shape[1:]))
        self.W = self.add_weight(shape=(d, self.num_classes), initializer="glorot_uniform")
        self.b = self.add_weight(shape=(self.num_classes,), initializer="zeros")

    def call(self, X):
        O = ops.matmul(ops.reshape(X, (ops.shape(X)[0], -1)), self.W) + self.b
        E = ops.exp(O - ops.max(O, axis=1, keepdims=True))
        return E / ops.sum(E, axis=1, keepdims=True)


def build_softmax_scratch(input_shape, num_classes):
    inputs = keras.Input(shape=input_shape)
    return keras.Model(inputs, SoftmaxScratch(num_classes)(inputs))
""",
    ),
    # ------------------------------------------------------ ce_from_logits
    dict(
        exercise="ch04.ce_from_logits",
        why="softmax first, then -log: inf for confident wrong predictions",
        rejected_by=["ce_from_logits_values", "ce_from_logits_hidden"],
        source="""
def ce_from_logits(O, y):
    O = ops.convert_to_tensor(O, "float32")
    P = ops.exp(O - ops.max(O, axis=1, keepdims=True))
    P = P / ops.sum(P, axis=1, keepdims=True)
    y = ops.reshape(ops.cast(ops.convert_to_tensor(y), "int32"), (-1, 1))
    return -ops.log(ops.take_along_axis(P, y, axis=1))[:, 0]
""",
    ),
    dict(
        exercise="ch04.ce_from_logits",
        why="log-sum-exp of the shifted logits but the true logit left unshifted",
        rejected_by=["ce_from_logits_values", "ce_from_logits_hidden"],
        source="""
def ce_from_logits(O, y):
    O = ops.convert_to_tensor(O, "float32")
    shifted = O - ops.max(O, axis=1, keepdims=True)
    lse = ops.log(ops.sum(ops.exp(shifted), axis=1))
    y = ops.reshape(ops.cast(ops.convert_to_tensor(y), "int32"), (-1, 1))
    return lse - ops.take_along_axis(O, y, axis=1)[:, 0]
""",
    ),
    dict(
        exercise="ch04.ce_from_logits",
        why="no shift at all: log(sum(exp(O))) overflows",
        rejected_by=["ce_from_logits_values", "ce_from_logits_hidden"],
        source="""
def ce_from_logits(O, y):
    O = ops.convert_to_tensor(O, "float32")
    y = ops.reshape(ops.cast(ops.convert_to_tensor(y), "int32"), (-1, 1))
    return ops.log(ops.sum(ops.exp(O), axis=1)) - ops.take_along_axis(O, y, axis=1)[:, 0]
""",
    ),
    # ------------------------------------------------------ concise_model
    dict(
        exercise="ch04.concise_model",
        why="copies torch's weight as the kernel without transposing: a shape error, or, "
            "with as many classes as inputs, silently wrong logits",
        rejected_by=["concise_model_from_torch", "concise_model_colour_tensors",
                     "concise_model_square"],
        source=mutant("ch04.concise_model", "dense.set_weights([weight.T, bias])",
                      "dense.set_weights([weight, bias])"),
    ),
    dict(
        exercise="ch04.concise_model",
        why="reshapes torch's (classes, inputs) weight to (inputs, classes) instead of "
            "transposing it: the right shape, the entries scrambled",
        rejected_by=["concise_model_from_torch", "concise_model_colour_tensors",
                     "concise_model_square"],
        source=mutant("ch04.concise_model", "dense.set_weights([weight.T, bias])",
                      "dense.set_weights([weight.reshape(weight.shape[1], weight.shape[0]), bias])"),
    ),
    dict(
        exercise="ch04.concise_model",
        why="softmax on the output: returns probabilities, not the logits torch outputs",
        rejected_by=["concise_model_from_torch", "concise_model_colour_tensors",
                     "concise_model_square"],
        source=mutant("ch04.concise_model", "keras.layers.Dense(weight.shape[0])",
                      'keras.layers.Dense(weight.shape[0], activation="softmax")'),
    ),
    dict(
        exercise="ch04.concise_model",
        why="builds the architecture but never loads the trained weights (random Glorot kernel)",
        rejected_by=["concise_model_from_torch", "concise_model_colour_tensors",
                     "concise_model_square"],
        source="""
def keras_from_torch_linear(weight, bias, input_shape):
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Flatten()(inputs)
    return keras.Model(inputs, keras.layers.Dense(len(bias))(x))
""",
    ),
    dict(
        exercise="ch04.concise_model",
        why="a Sequential model instead of the functional API",
        rejected_by=["concise_model_from_torch", "concise_model_colour_tensors",
                     "concise_model_square"],
        source="""
def keras_from_torch_linear(weight, bias, input_shape):
    weight, bias = np.asarray(weight), np.asarray(bias)
    model = keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten(),
                              keras.layers.Dense(weight.shape[0])])
    model.layers[-1].set_weights([weight.T, bias])
    return model
""",
    ),
    # --------------------------------------------------- confusion_matrix
    dict(
        exercise="ch04.confusion_matrix",
        why="transposed: rows are predictions, columns true classes",
        rejected_by=["confusion_matrix_values", "confusion_matrix_hidden"],
        source="""
def confusion_matrix(y_true, y_pred, num_classes):
    C = np.zeros((num_classes, num_classes), dtype=int)
    for t, p in zip(np.asarray(y_true), np.asarray(y_pred)):
        C[p, t] += 1
    return C
""",
    ),
    dict(
        exercise="ch04.confusion_matrix",
        why="size taken from the labels that occur, not num_classes",
        rejected_by=["confusion_matrix_hidden"],
        source="""
def confusion_matrix(y_true, y_pred, num_classes):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    q = int(max(y_true.max(), y_pred.max())) + 1
    C = np.zeros((q, q), dtype=int)
    for t, p in zip(y_true, y_pred):
        C[t, p] += 1
    return C
""",
    ),
    dict(
        exercise="ch04.confusion_matrix",
        why="rows normalized to fractions instead of counts",
        rejected_by=["confusion_matrix_values"],
        source="""
def confusion_matrix(y_true, y_pred, num_classes):
    C = np.zeros((num_classes, num_classes))
    for t, p in zip(np.asarray(y_true), np.asarray(y_pred)):
        C[t, p] += 1
    return C / np.maximum(C.sum(axis=1, keepdims=True), 1)
""",
    ),
    # --------------------------------------------------- importance_weights
    dict(
        exercise="ch04.importance_weights",
        why="inverted ratio: labels source as 1 and target as 0 (q/p instead of p/q)",
        rejected_by=["importance_weights_gaussian_1d", "importance_weights_hidden"],
        source="""
from sklearn.linear_model import LogisticRegression


def importance_weights(source_x, target_x):
    X = np.concatenate([source_x, target_x])
    z = np.concatenate([np.ones(len(source_x)), np.zeros(len(target_x))])
    h = LogisticRegression().fit(X, z).decision_function(source_x)
    return np.exp(h) * len(source_x) / len(target_x)
""",
    ),
    dict(
        exercise="ch04.importance_weights",
        why="forgets the n_s / n_t correction for unequal sample sizes",
        rejected_by=["importance_weights_hidden"],
        source="""
from sklearn.linear_model import LogisticRegression


def importance_weights(source_x, target_x):
    X = np.concatenate([source_x, target_x])
    z = np.concatenate([np.zeros(len(source_x)), np.ones(len(target_x))])
    return np.exp(LogisticRegression().fit(X, z).decision_function(source_x))
""",
    ),
    dict(
        exercise="ch04.importance_weights",
        why="returns the probability P(target | x) instead of the odds",
        rejected_by=["importance_weights_gaussian_1d", "importance_weights_hidden"],
        source="""
from sklearn.linear_model import LogisticRegression


def importance_weights(source_x, target_x):
    X = np.concatenate([source_x, target_x])
    z = np.concatenate([np.zeros(len(source_x)), np.ones(len(target_x))])
    return LogisticRegression().fit(X, z).predict_proba(source_x)[:, 1]
""",
    ),
    # ---------------------------------------- issue 10: the five classes
    # (1) the same sample for everyone, (3) the telling case, (4) one scale
    # only, (5) what the statement asks beyond the values. Classes 1 and 3
    # must be rejected under every one of many grading secrets.
    dict(
        exercise="ch04.one_hot",
        why="class 5: returns the boolean comparison, not a float matrix",
        rejected_by=["one_hot_hidden"],
        source="""
def one_hot(y, num_classes):
    y = ops.reshape(ops.convert_to_tensor(y), (-1, 1))
    return y == ops.reshape(ops.arange(num_classes), (1, -1))
""",
    ),
    dict(
        exercise="ch04.softmax_gradients",
        why="class 4: shifts the logits by the maximum of the whole batch, not each row's",
        rejected_by=["softmax_gradients_hidden"],
        secrets=20,  # today's checks missed it for some students only
        source="""
def softmax_regression_grads(X, W, b, y):
    X, W, b = np.asarray(X, float), np.asarray(W, float), np.asarray(b, float)
    O = X @ W + b
    E = np.exp(O - O.max())
    Y_hat = E / E.sum(axis=1, keepdims=True)
    residual = (Y_hat - np.eye(W.shape[1])[np.asarray(y)]) / len(X)
    return X.T @ residual, residual.sum(axis=0)
""",
    ),
    dict(
        exercise="ch04.stable_softmax",
        why="class 4: shifts by the maximum of the whole array, not of each slice",
        rejected_by=["stable_softmax_mixed_scales_and_gradient"],
        source=mutant("ch04.stable_softmax", "ops.max(X, axis=axis, keepdims=True)", "ops.max(X)"),
    ),
    dict(
        exercise="ch04.stable_softmax",
        why="class 5: computes in NumPy, so autograd cannot differentiate it",
        rejected_by=["stable_softmax_mixed_scales_and_gradient"],
        source="""
def stable_softmax(X, axis=-1):
    X = ops.convert_to_numpy(X)
    expX = np.exp(X - X.max(axis=axis, keepdims=True))
    return expX / expX.sum(axis=axis, keepdims=True)
""",
    ),
    dict(
        exercise="ch04.ce_from_logits",
        why="class 4: log-sum-exp in float64, shifted by the maximum of the whole batch",
        rejected_by=["ce_from_logits_mixed_scales_and_gradient"],
        secrets=20,  # today's checks missed it for some students only
        source=mutant("ch04.ce_from_logits",
                      "O = ops.convert_to_tensor(O)\n    shifted = O - ops.max(O, axis=1, keepdims=True)",
                      'O = ops.cast(ops.convert_to_tensor(O), "float64")\n    shifted = O - ops.max(O)'),
    ),
    dict(
        exercise="ch04.ce_from_logits",
        why="class 5: computes in NumPy, so autograd cannot differentiate the loss",
        rejected_by=["ce_from_logits_mixed_scales_and_gradient"],
        source="""
def ce_from_logits(O, y):
    O = ops.convert_to_numpy(O).astype(np.float64)
    y = ops.convert_to_numpy(y).astype(int)
    top = O.max(axis=1, keepdims=True)
    log_sum_exp = np.log(np.exp(O - top).sum(axis=1)) + top[:, 0]
    return log_sum_exp - O[np.arange(len(O)), y]
""",
    ),
    dict(
        exercise="ch04.accuracy",
        why="class 3: counts a row as right when the true class ties for the largest score",
        rejected_by=["accuracy_ties"],
        secrets=20,
        source="""
def accuracy(y_hat, y):
    y_hat = ops.convert_to_tensor(y_hat)
    y = ops.cast(ops.reshape(ops.convert_to_tensor(y), (-1,)), "int32")
    if len(ops.shape(y_hat)) == 1:
        return float(ops.mean(ops.cast(ops.cast(y_hat, "int32") == y, "float32")))
    true_score = ops.take_along_axis(y_hat, ops.reshape(y, (-1, 1)), axis=1)[:, 0]
    return float(ops.mean(ops.cast(true_score >= ops.max(y_hat, axis=1), "float32")))
""",
    ),
    dict(
        exercise="ch04.confusion_matrix",
        why="class 5: float counts where the statement asks for an integer array",
        rejected_by=["confusion_matrix_hidden"],
        source="""
def confusion_matrix(y_true, y_pred, num_classes):
    counts = np.zeros((num_classes, num_classes))
    for t, p in zip(np.asarray(y_true), np.asarray(y_pred)):
        counts[int(t), int(p)] += 1
    return counts
""",
    ),
    dict(
        exercise="ch04.softmax_scratch",
        why="class 1: W from a uniform distribution with the right standard deviation",
        rejected_by=["softmax_scratch_fashion_mnist_shape"],
        secrets=20,
        source=mutant("ch04.softmax_scratch", "keras.initializers.RandomNormal(stddev=0.01)",
                      "keras.initializers.RandomUniform(-0.01 * 3**0.5, 0.01 * 3**0.5)"),
    ),
    dict(
        exercise="ch04.softmax_scratch",
        why="class 4: the layer shifts by the maximum logit of the whole batch",
        rejected_by=["softmax_scratch_mixed_scales"],
        source=mutant("ch04.softmax_scratch", "ops.max(O, axis=1, keepdims=True)", "ops.max(O)"),
    ),
    dict(
        exercise="ch04.stable_softmax",
        why="a default axis of 1: right for matrices, wrong for a 3-D input",
        rejected_by=["stable_softmax_hidden"],
        source=mutant("ch04.stable_softmax", "def stable_softmax(X, axis=-1):",
                      "def stable_softmax(X, axis=1):"),
    ),
    dict(
        exercise="ch04.accuracy",
        why="returns the 0-d tensor of ops.mean, not the Python float the statement asks for",
        rejected_by=["accuracy_values"],
        source=mutant("ch04.accuracy", 'return float(ops.mean(ops.cast(correct, "float32")))',
                      'return ops.mean(ops.cast(correct, "float32"))'),
    ),
    dict(
        exercise="ch04.concise_model",
        why="one output per input column: the class count read from torch's second axis",
        rejected_by=["concise_model_from_torch", "concise_model_colour_tensors"],
        source=mutant("ch04.concise_model", "keras.layers.Dense(weight.shape[0])",
                      "keras.layers.Dense(weight.shape[-1])"),
    ),
    dict(
        exercise="ch04.sgd_steps",
        why="never clears the gradients: from the second batch on, torch adds the new gradient to the old",
        rejected_by=["sgd_steps_two_batches", "sgd_steps_hidden"],
        source=mutant("ch04.sgd_steps", """        W.grad = None  # torch adds new gradients to old ones
        b.grad = None
""", ""),
    ),
    dict(
        exercise="ch04.sgd_steps",
        why="an unshifted softmax: exp overflows for logits in the thousands",
        rejected_by=["sgd_steps_hidden"],
        scores=0,
        source=mutant("ch04.sgd_steps", "log_p = ops.log_softmax(logits, axis=-1)",
                      "log_p = ops.log(ops.exp(logits) / ops.sum(ops.exp(logits), axis=-1, keepdims=True))"),
    ),
    dict(
        exercise="ch04.sgd_steps",
        why="sums the losses of the batch instead of averaging them",
        rejected_by=["sgd_steps_two_batches", "sgd_steps_hidden"],
        source=mutant("ch04.sgd_steps", "loss = -ops.mean(ops.sum(targets * log_p, axis=-1))",
                      "loss = -ops.sum(targets * log_p)"),
    ),
    dict(
        exercise="ch04.sgd_steps",
        why="climbs the gradient instead of descending it",
        rejected_by=["sgd_steps_two_batches", "sgd_steps_hidden"],
        source=mutant("ch04.sgd_steps", """            W -= lr * W.grad
            b -= lr * b.grad""", """            W += lr * W.grad
            b += lr * b.grad"""),
    ),
    dict(
        exercise="ch04.sgd_steps",
        why="reports each batch's loss after its update, not before",
        rejected_by=["sgd_steps_two_batches", "sgd_steps_hidden"],
        source=mutant("ch04.sgd_steps", "        losses.append(float(loss))\n",
                      "        losses.append(float(-ops.mean(ops.sum(targets * ops.log_softmax(\n"
                      "            ops.matmul(ops.convert_to_tensor(X, 'float32'), W) + b, axis=-1), axis=-1))))\n"),
    ),
]
