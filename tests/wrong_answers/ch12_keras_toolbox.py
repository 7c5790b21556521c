"""Plausible wrong answers for chapter 12; each must fail the checks it names.

Several are the course notes' own bugs: the gradient zeroed once per epoch
(gradients accumulated across steps), the CNN whose forward skips conv2, the
wrong softmax (shifted by the batch's maximum, or over the wrong axis), BCE
on an unbounded ReLU output.
"""

_BATCHES = '''
def batch_indices(n, batch_size, shuffle=False, drop_last=False, seed=None):
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    order = ORDER if shuffle else np.arange(n)
    stop = STOP if drop_last else n
    return [order[start:start + batch_size] for start in range(0, stop, batch_size)]
'''


def _batches(order="np.random.default_rng(seed).permutation(n)", stop="n - n % batch_size"):
    return _BATCHES.replace("ORDER", order).replace("STOP", stop)


_CONV = '''
def conv_output_size(n, kernel, stride=1, padding=0, dilation=1):
    span = SPAN
    return DIVIDE


def transposed_output_size(n, kernel, stride=1, padding=0, output_padding=0, dilation=1):
    return (n - 1) * stride - PAD * padding + dilation * (kernel - 1) + output_padding + 1


def conv_param_count(c_in, c_out, kernel, groups=1, separable=False):
    if separable:
        return kernel * kernel * c_in + SEP_BIAS + c_in * c_out + c_out
    return kernel * kernel * (c_in // groups) * c_out + BIAS
'''


def _conv(span="dilation * (kernel - 1) + 1", divide="(n + 2 * padding - span) // stride + 1",
          pad="2", sep_bias="0", bias="c_out"):
    return (_CONV.replace("SPAN", span).replace("DIVIDE", divide).replace("PAD", pad)
            .replace("SEP_BIAS", sep_bias).replace("BIAS", bias))


_SEARCH = '''
def mse_for_w(x, y, ws):
    x, y, ws = (np.asarray(v, dtype=float) for v in (x, y, ws))
    return REDUCE((ws[:, None] * x[None, :] - y[None, :]) ** 2, axis=1)


def batch_gradient_descent(x, y, w0, lr, epochs):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    w, costs = float(w0), []
    for _ in range(epochs):
        BEFORE
        w -= lr * float(np.mean(FACTOR * x * (x * w - y)))
        AFTER
    return w, costs
'''
_COST = "costs.append(float(np.mean((x * w - y) ** 2)))"


def _search(reduce="np.mean", before=_COST, after="", factor="2"):
    return (_SEARCH.replace("REDUCE", reduce).replace("BEFORE", before or "pass")
            .replace("AFTER", after).replace("FACTOR", factor))


_SGD = '''
def sgd_autograd(x, y, w0, lr, epochs):
    w = torch.tensor([float(w0)], dtype=torch.float64, requires_grad=True)
    losses = []
    for _ in range(epochs):
        for xi, yi in zip(x, y):
            loss = (xi * w - yi) ** 2
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad
            STEP_ZERO
        EPOCH_ZERO
        losses.append(float(loss))
    return float(w), losses
'''


def _sgd(step_zero="w.grad.zero_()", epoch_zero=""):
    return _SGD.replace("STEP_ZERO", step_zero or "pass").replace("EPOCH_ZERO", epoch_zero)


_BCE = '''
def bce(y, p, eps=1e-7):
    y, p = ops.convert_to_tensor(y), ops.convert_to_tensor(p)
    p = CLIP
    return REDUCE(-(y * ops.log(p) + (1 - y) * ops.log(1 - p)))


def bce_with_logits(y, z):
    y, z = ops.convert_to_tensor(y), ops.convert_to_tensor(z)
    return LOGITS
'''
_STABLE = "ops.maximum(z, 0) - z * y + ops.log1p(ops.exp(-ops.abs(z)))"


def _bce(clip="ops.clip(p, eps, 1 - eps)", reduce="", logits=_STABLE):
    return _BCE.replace("CLIP", clip).replace("REDUCE", reduce).replace("LOGITS", logits)


_SOFTMAX = '''
def softmax(z):
    z = ops.convert_to_tensor(z)
    z = SHIFT
    e = ops.exp(z)
    return e / ops.sum(e, axis=AXIS, keepdims=True)


def cross_entropy(labels, z):
    z = ops.convert_to_tensor(z)
    LOG_PROBS
    picked = ops.take_along_axis(log_probs, ops.expand_dims(ops.cast(labels, "int32"), 1), axis=1)
    return -ops.squeeze(picked, axis=1)
'''
_LOG_SOFTMAX = '''shifted = z - ops.max(z, axis=1, keepdims=True)
    log_probs = shifted - ops.log(ops.sum(ops.exp(shifted), axis=1, keepdims=True))'''


def _softmax(shift="z - ops.max(z, axis=1, keepdims=True)", axis="1", log_probs=_LOG_SOFTMAX):
    return _SOFTMAX.replace("SHIFT", shift).replace("AXIS", axis).replace("LOG_PROBS", log_probs)


_NLL_KL = '''
def nll_loss(labels, log_probs):
    log_probs = ops.convert_to_tensor(log_probs)
    picked = ops.take_along_axis(log_probs, ops.expand_dims(ops.cast(labels, "int32"), 1), axis=1)
    return NLL


def kl_divergence(p, q):
    p, q = ops.convert_to_tensor(p), ops.convert_to_tensor(q)
    KL
'''
_KL = '''safe_p = ops.where(p > 0, p, 1.0)
    return ops.sum(ops.where(p > 0, p * (ops.log(safe_p) - ops.log(q)), 0.0), axis=1)'''


def _nll_kl(nll="-ops.mean(picked)", kl=_KL):
    return _NLL_KL.replace("NLL", nll).replace("KL", kl)


_FOCAL = '''
def focal_from_logits(y, z, alpha=0.25, gamma=2.0):
    y, z = ops.convert_to_tensor(y), ops.convert_to_tensor(z)
    BCE
    p = ops.sigmoid(z)
    p_t = y * p + (1 - y) * (1 - p)
    alpha_t = ALPHA
    return alpha_t * (1 - MODULATE) ** gamma * bce
'''
_FOCAL_BCE = "bce = -(y * -ops.softplus(-z) + (1 - y) * -ops.softplus(z))"


def _focal(bce=_FOCAL_BCE, alpha="y * alpha + (1 - y) * (1 - alpha)", modulate="p_t"):
    return _FOCAL.replace("BCE", bce).replace("ALPHA", alpha).replace("MODULATE", modulate)


_SCE = '''
def sce_loss(labels, z, a=1.0, b=1.0, prob_floor=1e-4, label_floor=1e-4):
    z = ops.convert_to_tensor(z)
    one_hot = ops.one_hot(ops.cast(labels, "int32"), z.shape[1], dtype=z.dtype)
    ce = -ops.sum(one_hot * CE_LOG, axis=1)
    probs = PROBS
    rce = -ops.sum(probs * ops.log(ops.clip(one_hot, LABEL_FLOOR, 1.0)), axis=1)
    return A * ce + B * rce
'''


def _sce(ce_log="ops.log_softmax(z, axis=1)", probs="ops.clip(ops.softmax(z, axis=1), prob_floor, 1.0)",
         label_floor="label_floor", a="a", b="b"):
    return (_SCE.replace("CE_LOG", ce_log).replace("PROBS", probs).replace("LABEL_FLOOR", label_floor)
            .replace("A *", f"{a} *").replace("B *", f"{b} *"))


_PENALTY = '''
def build_penalized_mlp(n_in, units, alpha, beta):
    inputs = keras.Input(shape=(n_in,))
    x = inputs
    for n in units:
        x = keras.layers.Dense(n, activation=ACTIVATION, kernel_regularizer=keras.regularizers.L1L2(l1=beta, l2=L2)EXTRA)(x)
    out = keras.layers.Dense(1OUT)(x)
    return keras.Model(inputs, out)
'''


def _penalty(activation='"relu"', l2="alpha / 2", extra="",
             out=", kernel_regularizer=keras.regularizers.L1L2(l1=beta, l2=alpha / 2)"):
    return (_PENALTY.replace("ACTIVATION", activation).replace("L2)", f"{l2})").replace("EXTRA", extra)
            .replace("OUT", out))


_DECAY = '''
def sgd_with_decay(w0, target, lr, momentum, weight_decay, steps, coupled):
    w = np.array(w0, dtype=float)
    target = np.asarray(target, dtype=float)
    velocity = np.zeros_like(w)
    for _ in range(steps):
        grad = w - target
        if coupled:
            COUPLED
        else:
            DECOUPLED
    return w
'''
_COUPLED = '''velocity = momentum * velocity + grad + weight_decay * w
            w = w - lr * velocity'''
_DECOUPLED = '''w = w - lr * weight_decay * w
            velocity = momentum * velocity - lr * grad
            w = w + velocity'''


def _decay(coupled=_COUPLED, decoupled=_DECOUPLED):
    return _DECAY.replace("COUPLED", coupled).replace("DECOUPLED", decoupled)


_CLASSIFIER = '''
def build_binary_classifier(n_features, hidden):
    inputs = keras.Input(shape=(n_features,))
    x = inputs
    for units in hidden:
        x = keras.layers.Dense(units, activation=HIDDEN)(SOURCE)
    return keras.Model(inputs, keras.layers.Dense(1, activation=OUTPUT)(x))
'''


def _classifier(hidden='"relu"', source="x", output='"sigmoid"'):
    return _CLASSIFIER.replace("HIDDEN", hidden).replace("SOURCE", source).replace("OUTPUT", output)


_RESIDUAL = '''
def build_residual_block(input_shape):
    inputs = keras.Input(shape=input_shape)
    channels = CHANNELS
    y = keras.layers.Conv2D(channels, 3, padding="same", activation=FIRST)(inputs)
    y = keras.layers.Conv2D(channels, 3, padding="same", activation=SECOND)(y)
    return keras.Model(inputs, END(keras.layers.Add()([inputs, y])))
'''


def _residual(channels="input_shape[-1]", first='"relu"', second="None", end="keras.layers.ReLU()"):
    return (_RESIDUAL.replace("CHANNELS", channels).replace("FIRST", first).replace("SECOND", second)
            .replace("END", end))


_CNN = '''
def build_course_cnn(input_shape, num_classes=10):
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Conv2D(10, 5, padding=PADDING)(inputs)
    x = keras.layers.ReLU()(keras.layers.POOL(2)(x))
    CONV2
    x = keras.layers.ReLU()(keras.layers.POOL(2)(x))
    x = FLATTEN
    return keras.Model(inputs, keras.layers.Dense(num_classes)(x))
'''


def _cnn(padding='"valid"', pool="MaxPooling2D", conv2='x = keras.layers.Conv2D(20, 5, padding="valid")(x)',
         flatten="keras.layers.Flatten()(x)"):
    return (_CNN.replace("PADDING", padding).replace("POOL", pool).replace("CONV2", conv2 or "pass")
            .replace("FLATTEN", flatten))


V, H = "visible", "hidden"
WRONG_ANSWERS = [
    # 12.1 batch_indices
    dict(exercise="ch12.batch_indices", why="keeps the partial last batch even with drop_last",
         rejected_by=["batch_indices_notes", "batch_indices_hidden"], source=_batches(stop="n")),
    dict(exercise="ch12.batch_indices", why="ignores the seed: every seed gives the same order",
         rejected_by=["batch_indices_hidden"], scores=0,
         source=_batches(order="np.random.default_rng(0).permutation(n)")),
    dict(exercise="ch12.batch_indices", why="draws indices with replacement",
         rejected_by=["batch_indices_notes", "batch_indices_hidden"],
         source=_batches(order="np.random.default_rng(seed).integers(0, n, size=n)")),
    dict(exercise="ch12.batch_indices", why="drops a full batch when batch_size divides n",
         rejected_by=["batch_indices_hidden"], scores=0,
         source=_batches(stop="n - (n % batch_size or batch_size)")),
    dict(exercise="ch12.batch_indices", why="shuffles within each batch, not the whole epoch",
         rejected_by=["batch_indices_hidden"], scores=0, source='''
def batch_indices(n, batch_size, shuffle=False, drop_last=False, seed=None):
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    rng = np.random.default_rng(seed)
    stop = n - n % batch_size if drop_last else n
    batches = [np.arange(start, min(start + batch_size, n)) for start in range(0, stop, batch_size)]
    return [rng.permutation(b) if shuffle else b for b in batches]
'''),
    # 12.2 conv_arithmetic
    dict(exercise="ch12.conv_arithmetic", why="the notes' formula: adds the kernel size instead of the biases",
         rejected_by=["conv_arithmetic_notes", "conv_arithmetic_hidden"], source=_conv(bias="kernel * kernel")),
    dict(exercise="ch12.conv_arithmetic", why="ignores the dilation",
         rejected_by=["conv_arithmetic_notes", "conv_arithmetic_hidden"], source=_conv(span="kernel")),
    dict(exercise="ch12.conv_arithmetic", why="rounds the output size up",
         rejected_by=["conv_arithmetic_notes", "conv_arithmetic_hidden"],
         source=_conv(divide="-(-(n + 2 * padding - span) // stride) + 1")),
    dict(exercise="ch12.conv_arithmetic", why="torch's separable pair: a bias on the depthwise step",
         rejected_by=["conv_arithmetic_notes", "conv_arithmetic_hidden"], source=_conv(sep_bias="c_in")),
    dict(exercise="ch12.conv_arithmetic", why="the transposed size takes the padding off once",
         rejected_by=["conv_arithmetic_hidden"], scores=0, source=_conv(pad="1")),
    # 12.6 linear_search
    dict(exercise="ch12.linear_search", why="sums the squared errors instead of averaging",
         rejected_by=["linear_search_course", "linear_search_hidden"], source=_search(reduce="np.sum")),
    dict(exercise="ch12.linear_search", why="records the cost after the update",
         rejected_by=["linear_search_course", "linear_search_hidden"], source=_search(before="", after=_COST)),
    dict(exercise="ch12.linear_search", why="drops the 2 of the derivative",
         rejected_by=["linear_search_course", "linear_search_hidden"], source=_search(factor="1")),
    # 12.6 sgd_autograd
    dict(exercise="ch12.sgd_autograd", why="never zeroes the gradient: it accumulates across all steps",
         rejected_by=["sgd_autograd_course", "sgd_autograd_hidden"], source=_sgd(step_zero="")),
    dict(exercise="ch12.sgd_autograd", why="the notes' bug: zeroes the gradient once per epoch",
         rejected_by=["sgd_autograd_course", "sgd_autograd_hidden"],
         source=_sgd(step_zero="", epoch_zero="w.grad.zero_()")),
    dict(exercise="ch12.sgd_autograd", why="one full-batch step per epoch instead of one per example",
         rejected_by=["sgd_autograd_course", "sgd_autograd_hidden"], source='''
def sgd_autograd(x, y, w0, lr, epochs):
    w = torch.tensor([float(w0)], dtype=torch.float64, requires_grad=True)
    xs, ys = torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    losses = []
    for _ in range(epochs):
        loss = ((xs * w - ys) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
        w.grad.zero_()
        losses.append(float(((xs[-1] * w - ys[-1]) ** 2)))
    return float(w), losses
'''),
    # 12.3 bce
    dict(exercise="ch12.bce", why="the log of a sigmoid: overflows for large logits",
         rejected_by=["bce_hidden"], scores=0,
         source=_bce(logits="-(y * ops.log(ops.sigmoid(z)) + (1 - y) * ops.log(1 - ops.sigmoid(z)))")),
    dict(exercise="ch12.bce", why="clips the sigmoid of the logits: a confident mistake costs 16, not z",
         rejected_by=["bce_hidden"], scores=0,
         source=_bce(logits="bce(y, ops.sigmoid(z))")),
    dict(exercise="ch12.bce", why="does not clip the probabilities: p = 0 or 1 gives infinity",
         rejected_by=["bce_hidden"], scores=0, source=_bce(clip="p")),
    dict(exercise="ch12.bce", why="returns the mean, not one loss per element",
         rejected_by=["bce_notes", "bce_hidden"], source=_bce(reduce="ops.mean")),
    # 12.3 softmax_ce
    dict(exercise="ch12.softmax_ce", why="the wrong softmax: normalizes over the batch axis",
         rejected_by=["softmax_ce_notes", "softmax_ce_hidden"],
         source=_softmax(shift="z - ops.max(z, axis=0, keepdims=True)", axis="0")),
    dict(exercise="ch12.softmax_ce", why="the wrong softmax: shifts by the whole batch's maximum",
         rejected_by=["softmax_ce_hidden"], scores=0, source=_softmax(shift="z - ops.max(z)")),
    dict(exercise="ch12.softmax_ce", why="no shift at all: exp overflows",
         rejected_by=["softmax_ce_hidden"], scores=0, source=_softmax(shift="z")),
    dict(exercise="ch12.softmax_ce", why="the cross-entropy as the log of a softmax: log(0) for large logits",
         rejected_by=["softmax_ce_hidden"], scores=0,
         source=_softmax(log_probs="log_probs = ops.log(softmax(z))")),
    # 12.3 nll_kl
    dict(exercise="ch12.nll_kl", why="averages over every entry, not each row's label",
         rejected_by=["nll_kl_notes", "nll_kl_hidden"], source=_nll_kl(nll="-ops.mean(log_probs)")),
    dict(exercise="ch12.nll_kl", why="sums over the rows instead of averaging",
         rejected_by=["nll_kl_notes", "nll_kl_hidden"], source=_nll_kl(nll="-ops.sum(picked)")),
    dict(exercise="ch12.nll_kl", why="0 log 0 is not handled: NaN for one-hot p",
         rejected_by=["nll_kl_notes", "nll_kl_hidden"],
         source=_nll_kl(kl="return ops.sum(p * ops.log(p / q), axis=1)")),
    dict(exercise="ch12.nll_kl", why="KL(q || p) instead of KL(p || q)",
         rejected_by=["nll_kl_notes", "nll_kl_hidden"],
         source=_nll_kl(kl="return ops.sum(q * (ops.log(q) - ops.log(ops.maximum(p, 1e-30))), axis=1)")),
    # 12.3 focal
    dict(exercise="ch12.focal", why="alpha weights the negatives instead of the positives",
         rejected_by=["focal_hidden"], scores=0, source=_focal(alpha="y * (1 - alpha) + (1 - y) * alpha")),
    dict(exercise="ch12.focal", why="the log of a sigmoid: overflows for large logits",
         rejected_by=["focal_hidden"], scores=0,
         source=_focal(bce="bce = -(y * ops.log(ops.sigmoid(z)) + (1 - y) * ops.log(1 - ops.sigmoid(z)))")),
    dict(exercise="ch12.focal", why="modulates by p instead of p_t", rejected_by=["focal_notes", "focal_hidden"],
         source=_focal(modulate="p")),
    dict(exercise="ch12.focal", why="calls Keras' focal loss", rejected_by=["focal_hidden"], scores=0, source='''
def focal_from_logits(y, z, alpha=0.25, gamma=2.0):
    loss = keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=alpha, gamma=gamma,
                                                from_logits=True, reduction=None)
    return loss(ops.expand_dims(y, -1), ops.expand_dims(z, -1))
'''),
    # 12.3 sce
    dict(exercise="ch12.sce", why="the log of a softmax: log(0) for large logits",
         rejected_by=["sce_hidden"], scores=0, source=_sce(ce_log="ops.log(ops.softmax(z, axis=1))")),
    dict(exercise="ch12.sce", why="swaps a and b", rejected_by=["sce_notes", "sce_hidden"], source=_sce(a="b", b="a")),
    dict(exercise="ch12.sce", why="clips the one-hot label at 1e-7", rejected_by=["sce_notes", "sce_hidden"],
         source=_sce(label_floor="1e-7")),
    dict(exercise="ch12.sce", why="does not floor the probabilities", rejected_by=["sce_notes", "sce_hidden"],
         source=_sce(probs="ops.softmax(z, axis=1)")),
    # 12.4 penalties
    dict(exercise="ch12.penalties", why="L2(alpha): Keras' L2 has no 1/2",
         rejected_by=["penalties_small", "penalties_hidden"],
         source=_penalty(l2="alpha", out=", kernel_regularizer=keras.regularizers.L1L2(l1=beta, l2=alpha)")),
    dict(exercise="ch12.penalties", why="penalizes the biases too", rejected_by=["penalties_small", "penalties_hidden"],
         source=_penalty(extra=", bias_regularizer=keras.regularizers.L1L2(l1=beta, l2=alpha / 2)",
                         out=", kernel_regularizer=keras.regularizers.L1L2(l1=beta, l2=alpha / 2), "
                             "bias_regularizer=keras.regularizers.L1L2(l1=beta, l2=alpha / 2)")),
    dict(exercise="ch12.penalties", why="forgets the output layer's kernel",
         rejected_by=["penalties_small", "penalties_hidden"], source=_penalty(out="")),
    dict(exercise="ch12.penalties", why="linear hidden layers", rejected_by=["penalties_small", "penalties_hidden"],
         source=_penalty(activation="None")),
    # 12.4 weight_decay
    dict(exercise="ch12.weight_decay", why="coupled decay that bypasses the velocity (that is the decoupled one)",
         rejected_by=["weight_decay_small", "weight_decay_hidden"],
         source=_decay(coupled='''w = w - lr * weight_decay * w
            velocity = momentum * velocity + grad
            w = w - lr * velocity''')),
    dict(exercise="ch12.weight_decay", why="decoupled decay applied after the momentum step, on the new w",
         rejected_by=["weight_decay_small", "weight_decay_hidden"],
         source=_decay(decoupled='''velocity = momentum * velocity - lr * grad
            w = w + velocity
            w = w - lr * weight_decay * w''')),
    dict(exercise="ch12.weight_decay", why="dampens the coupled velocity by (1 - momentum)",
         rejected_by=["weight_decay_small", "weight_decay_hidden"],
         source=_decay(coupled='''velocity = momentum * velocity + (1 - momentum) * (grad + weight_decay * w)
            w = w - lr * velocity''')),
    # 12.6 tabular_classifier
    dict(exercise="ch12.tabular_classifier", why="the notes' ReLU output: BCE on an unbounded output",
         rejected_by=["tabular_small", "tabular_hidden"], source=_classifier(output='"relu"')),
    dict(exercise="ch12.tabular_classifier", why="a forward that skips layers: each Dense applied to the inputs",
         rejected_by=["tabular_hidden"], scores=0, source=_classifier(source="inputs")),
    dict(exercise="ch12.tabular_classifier", why="sigmoid hidden layers", rejected_by=["tabular_small", "tabular_hidden"],
         source=_classifier(hidden='"sigmoid"')),
    # 12.6 residual_block
    dict(exercise="ch12.residual_block", why="no ReLU after the addition", rejected_by=["residual_zero", "residual_hidden"],
         source=_residual(end="")),
    dict(exercise="ch12.residual_block", why="ReLU on the branch before the addition",
         rejected_by=["residual_hidden"], scores=0, source=_residual(second='"relu"')),
    dict(exercise="ch12.residual_block", why="no ReLU between the two convolutions",
         rejected_by=["residual_hidden"], scores=0, source=_residual(first="None")),
    dict(exercise="ch12.residual_block", why="the course's 16 channels whatever the input",
         rejected_by=["residual_zero", "residual_hidden"], source=_residual(channels="16")),
    # 12.6 course_cnn
    dict(exercise="ch12.course_cnn", why="the notes' bug: the forward skips conv2",
         rejected_by=["course_cnn_mnist", "course_cnn_hidden"], source=_cnn(conv2="")),
    dict(exercise="ch12.course_cnn", why="'same' padding", rejected_by=["course_cnn_mnist", "course_cnn_hidden"],
         source=_cnn(padding='"same"')),
    dict(exercise="ch12.course_cnn", why="average pooling", rejected_by=["course_cnn_hidden"], scores=0,
         source=_cnn(pool="AveragePooling2D")),
    dict(exercise="ch12.course_cnn", why="no Flatten: Dense acts on the last axis only",
         rejected_by=["course_cnn_mnist", "course_cnn_hidden"], source=_cnn(flatten="x")),
]
