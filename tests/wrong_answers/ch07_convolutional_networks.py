"""Plausible wrong answers for chapter 7; each must fail the checks it names.

Many are torch-versus-Keras slips: channels-first layouts, Keras' "same"
padding or pooling where torch's explicit padding was asked for, a
Sequential model where the functional API was asked for. One reads the
padding as the D2L book's total p_h (both sides together) where torch's
per-side padding was asked for.
"""

# The scratch-layer and learning-loop wrong answers differ in one detail
# each; the templates keep the rest identical (and correct).
SCRATCH_CONV_TEMPLATE = """
class ScratchConv(keras.layers.Layer):
    def __init__(self, kernel_size, **kwargs):
        super().__init__(**kwargs)
        self.kernel_hw = tuple(kernel_size)

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=self.kernel_hw, name="kernel",
                                      initializer={initializer})
        self.bias = self.add_weight(shape=(1,), initializer="zeros", name="bias")

    def call(self, x):
        kh, kw = self.kernel_hw
        oh, ow = x.shape[1] - kh + 1, x.shape[2] - kw + 1
        out = 0.0
        for a in range(kh):
            for b in range(kw):
                out = out + self.kernel[{row}, {col}] * x[:, a:a + oh, b:b + ow]
        return out + self.bias


def build_conv2d_scratch(input_shape, kernel_size):
    {body}
"""
UNIFORM_01 = "keras.initializers.RandomUniform(0.0, 1.0)"
FUNCTIONAL_SCRATCH = """inputs = keras.Input(tuple(input_shape))
    return keras.Model(inputs, ScratchConv(kernel_size)(inputs))"""

LEARN_KERNEL_TEMPLATE = """
def learn_kernel(X, Y, initial_kernel, lr, num_steps):
    K0 = np.asarray(initial_kernel, dtype="float32")
    inputs = keras.Input(np.shape(X)[1:])
    conv = keras.layers.Conv2D(1, K0.shape, use_bias=False)
    model = keras.Model(inputs, conv(inputs))
    conv.set_weights([K0.reshape(*K0.shape, 1, 1)])
    Y = ops.convert_to_tensor(np.asarray(Y, dtype="float32"))
    losses = []
    for _ in range(num_steps):
        {clear}
        loss = ops.{reduce}((model(np.asarray(X, dtype="float32")) - Y) ** 2)
        loss.backward()
        losses.append(loss.item())
        with torch.no_grad():
            conv.kernel.assign(conv.kernel {sign} lr * conv.kernel.value.grad)
    return ops.convert_to_numpy(conv.kernel).reshape(K0.shape), losses
"""
CLEAR_GRAD = "conv.kernel.value.grad = None"

# LeNet's wrong answers differ in one detail each, too.
LENET_TEMPLATE = """
def lenet_variant(input_shape=(28, 28, 1), num_classes=10, conv_channels=(6, 16),
                  dense_units=(120, 84), activation="sigmoid", pooling="avg"):
    Pool = keras.layers.AveragePooling2D if pooling == "avg" else keras.layers.MaxPooling2D
    {start}
    for i, channels in enumerate(conv_channels):
        layer = keras.layers.Conv2D(channels, 5, padding={conv_padding}, activation=activation)
        {add}
        layer = {pool}(2)
        {add}
    layer = keras.layers.Flatten()
    {add}
    for units in dense_units:
        layer = keras.layers.Dense(units, activation={dense_activation})
        {add}
    layer = keras.layers.Dense(num_classes{output})
    {add}
    {finish}
"""
FUNCTIONAL_START = "x = inputs = keras.Input(tuple(input_shape))"
FUNCTIONAL_ADD = "x = layer(x)"
FUNCTIONAL_FINISH = "return keras.Model(inputs, x)"


def lenet_source(**changes):
    """The right lenet_variant, except for ``changes`` to the template's parts."""
    parts = dict(start=FUNCTIONAL_START, conv_padding='"same" if i == 0 else "valid"', pool="Pool",
                 dense_activation="activation", output="", add=FUNCTIONAL_ADD,
                 finish=FUNCTIONAL_FINISH)
    return LENET_TEMPLATE.format(**{**parts, **changes})


def scratch_conv_source(**changes):
    """The right build_conv2d_scratch, except for ``changes``."""
    parts = dict(initializer=UNIFORM_01, row="a", col="b", body=FUNCTIONAL_SCRATCH)
    return SCRATCH_CONV_TEMPLATE.format(**{**parts, **changes})


def learn_kernel_source(**changes):
    """The right learn_kernel, except for ``changes``."""
    return LEARN_KERNEL_TEMPLATE.format(**{**dict(clear=CLEAR_GRAD, reduce="sum", sign="-"),
                                           **changes})

WRONG_ANSWERS = [
    # -------------------------------------------------------- param counts
    dict(
        exercise="ch07.param_counts",
        why="forgets the biases of both layers",
        rejected_by=["param_counts_examples", "param_counts_random"],
        source="""
def layer_param_counts(height, width, channels, kernel_size):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    units = height * width * channels
    return units * units, kh * kw * channels * channels
""",
    ),
    dict(
        exercise="ch07.param_counts",
        why="one kernel slice per channel, as if there were a single input channel",
        rejected_by=["param_counts_examples", "param_counts_random"],
        source="""
def layer_param_counts(height, width, channels, kernel_size):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    units = height * width * channels
    return units * units + units, kh * kw * channels + channels
""",
    ),
    dict(
        exercise="ch07.param_counts",
        why="a (kh, kw) pair read as a square kh x kh kernel",
        rejected_by=["param_counts_random"],
        source="""
def layer_param_counts(height, width, channels, kernel_size):
    k = kernel_size if isinstance(kernel_size, int) else kernel_size[0]
    units = height * width * channels
    return units * units + units, k * k * channels * channels + channels
""",
    ),
    # ---------------------------------------------------- conv2d scratch
    dict(
        exercise="ch07.conv2d_scratch",
        why="a true convolution: the kernel flipped both ways",
        rejected_by=["conv2d_scratch_forward", "conv2d_scratch_shapes"],
        source=scratch_conv_source(row="kh - 1 - a", col="kw - 1 - b"),
    ),
    dict(
        exercise="ch07.conv2d_scratch",
        why="Keras' Conv2D between two reshapes instead of a layer of one's own",
        rejected_by=["conv2d_scratch_forward", "conv2d_scratch_init", "conv2d_scratch_shapes"],
        source="""
def build_conv2d_scratch(input_shape, kernel_size):
    h, w = input_shape
    kh, kw = kernel_size
    inputs = keras.Input((h, w))
    x = keras.layers.Reshape((h, w, 1))(inputs)
    x = keras.layers.Conv2D(1, kernel_size,
                            kernel_initializer=keras.initializers.RandomUniform(0.0, 1.0))(x)
    return keras.Model(inputs, keras.layers.Reshape((h - kh + 1, w - kw + 1))(x))
""",
    ),
    dict(
        exercise="ch07.conv2d_scratch",
        why="ops.conv inside the custom layer",
        rejected_by=["conv2d_scratch_forward", "conv2d_scratch_init", "conv2d_scratch_shapes"],
        source="""
class OpsConv(keras.layers.Layer):
    def __init__(self, kernel_size, **kwargs):
        super().__init__(**kwargs)
        self.kernel_hw = tuple(kernel_size)

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=self.kernel_hw, name="kernel",
                                      initializer=keras.initializers.RandomUniform(0.0, 1.0))
        self.bias = self.add_weight(shape=(1,), initializer="zeros", name="bias")

    def call(self, x):
        kernel = ops.reshape(self.kernel, (*self.kernel_hw, 1, 1))
        return ops.conv(x[..., None], kernel)[..., 0] + self.bias


def build_conv2d_scratch(input_shape, kernel_size):
    inputs = keras.Input(tuple(input_shape))
    return keras.Model(inputs, OpsConv(kernel_size)(inputs))
""",
    ),
    dict(
        exercise="ch07.conv2d_scratch",
        why="the kernel initialized with 'random_uniform', which is U(-0.05, 0.05), not U(0, 1)",
        rejected_by=["conv2d_scratch_init"],
        source=scratch_conv_source(initializer='"random_uniform"'),
    ),
    dict(
        exercise="ch07.conv2d_scratch",
        why="a Sequential model instead of the functional API",
        rejected_by=["conv2d_scratch_forward", "conv2d_scratch_init", "conv2d_scratch_shapes"],
        source=scratch_conv_source(
            body="return keras.Sequential([keras.Input(tuple(input_shape)), ScratchConv(kernel_size)])"),
    ),
    # ------------------------------------------------------- learn kernel
    dict(
        exercise="ch07.learn_kernel",
        why="the mean instead of the sum of squared errors",
        rejected_by=["learn_kernel_edges", "learn_kernel_random"],
        source=learn_kernel_source(reduce="mean"),
    ),
    dict(
        exercise="ch07.learn_kernel",
        why="gradients never cleared, so torch adds each step's to the last",
        rejected_by=["learn_kernel_edges", "learn_kernel_random"],
        source=learn_kernel_source(clear="pass"),
    ),
    dict(
        exercise="ch07.learn_kernel",
        why="each loss recorded after the update instead of before it",
        rejected_by=["learn_kernel_edges", "learn_kernel_random"],
        source="""
def learn_kernel(X, Y, initial_kernel, lr, num_steps):
    K0 = np.asarray(initial_kernel, dtype="float32")
    inputs = keras.Input(np.shape(X)[1:])
    conv = keras.layers.Conv2D(1, K0.shape, use_bias=False)
    model = keras.Model(inputs, conv(inputs))
    conv.kernel.assign(K0.reshape(*K0.shape, 1, 1))
    X = np.asarray(X, dtype="float32")
    Y = ops.convert_to_tensor(np.asarray(Y, dtype="float32"))
    losses = []
    for _ in range(num_steps):
        conv.kernel.value.grad = None
        ops.sum((model(X) - Y) ** 2).backward()
        with torch.no_grad():
            conv.kernel.assign(conv.kernel - lr * conv.kernel.value.grad)
            losses.append(ops.sum((model(X) - Y) ** 2).item())
    return ops.convert_to_numpy(conv.kernel).reshape(K0.shape), losses
""",
    ),
    dict(
        exercise="ch07.learn_kernel",
        why="the gradient added instead of subtracted",
        rejected_by=["learn_kernel_edges", "learn_kernel_random"],
        source=learn_kernel_source(sign="+"),
    ),
    dict(
        exercise="ch07.learn_kernel",
        why="Keras' SGD and fit do the update: right numbers, not the hand-written loop asked for",
        rejected_by=["learn_kernel_random"],
        source="""
def learn_kernel(X, Y, initial_kernel, lr, num_steps):
    K0 = np.asarray(initial_kernel, dtype="float32")
    inputs = keras.Input(np.shape(X)[1:])
    conv = keras.layers.Conv2D(1, K0.shape, use_bias=False)
    model = keras.Model(inputs, conv(inputs))
    conv.set_weights([K0.reshape(*K0.shape, 1, 1)])
    model.compile(optimizer=keras.optimizers.SGD(lr),
                  loss=lambda y, y_hat: ops.sum((y_hat - y) ** 2))
    history = model.fit(np.asarray(X, dtype="float32"), np.asarray(Y, dtype="float32"),
                        batch_size=len(X), epochs=num_steps, shuffle=False, verbose=0)
    return ops.convert_to_numpy(conv.kernel).reshape(K0.shape), history.history["loss"]
""",
    ),
    # -------------------------------------------------------- same padding
    dict(
        exercise="ch07.same_padding",
        why="torch's symmetric (k - 1) // 2 on each side",
        rejected_by=["same_padding_examples", "same_padding_cases"],
        source="""
def keras_same_padding(n, kernel, stride):
    p = (kernel - 1) // 2
    return (n + 2 * p - kernel) // stride + 1, p, p
""",
    ),
    dict(
        exercise="ch07.same_padding",
        why="the odd zero put before the input instead of after it",
        rejected_by=["same_padding_examples", "same_padding_cases"],
        source="""
def keras_same_padding(n, kernel, stride):
    out = -(-n // stride)
    total = max((out - 1) * stride + kernel - n, 0)
    return out, total - total // 2, total // 2
""",
    ),
    dict(
        exercise="ch07.same_padding",
        why="the 'valid' output size",
        rejected_by=["same_padding_examples", "same_padding_cases"],
        source="""
def keras_same_padding(n, kernel, stride):
    out = (n - kernel) // stride + 1
    total = max((out - 1) * stride + kernel - n, 0)
    return out, total // 2, total - total // 2
""",
    ),
    dict(
        exercise="ch07.same_padding",
        why="negative padding when the kernel is smaller than the stride (no max with 0)",
        rejected_by=["same_padding_cases"],
        source="""
def keras_same_padding(n, kernel, stride):
    out = -(-n // stride)
    total = (out - 1) * stride + kernel - n
    return out, total // 2, total - total // 2
""",
    ),
    # --------------------------------------------------- torch-style conv
    dict(
        exercise="ch07.torch_style_conv",
        why="Keras' padding='same' instead of the explicit padding",
        rejected_by=["torch_style_conv_book_examples", "torch_style_conv_cases"],
        source="""
def torch_style_conv2d(input_shape, filters, kernel_size, padding, strides):
    inputs = keras.Input(tuple(input_shape))
    mode = "same" if any(padding) else "valid"
    return keras.Model(inputs, keras.layers.Conv2D(filters, kernel_size, strides=strides,
                                                   padding=mode)(inputs))
""",
    ),
    dict(
        exercise="ch07.torch_style_conv",
        why="channels-first input (torch's layout) on channels-last data",
        rejected_by=["torch_style_conv_book_examples", "torch_style_conv_cases"],
        source="""
def torch_style_conv2d(input_shape, filters, kernel_size, padding, strides):
    h, w, c = input_shape
    inputs = keras.Input((c, h, w))
    x = keras.layers.ZeroPadding2D(padding, data_format="channels_first")(inputs)
    return keras.Model(inputs, keras.layers.Conv2D(filters, kernel_size, strides=strides,
                                                   data_format="channels_first")(x))
""",
    ),
    dict(
        exercise="ch07.torch_style_conv",
        why="a Sequential model instead of the functional API",
        rejected_by=["torch_style_conv_book_examples", "torch_style_conv_cases"],
        source="""
def torch_style_conv2d(input_shape, filters, kernel_size, padding, strides):
    return keras.Sequential([keras.Input(tuple(input_shape)), keras.layers.ZeroPadding2D(padding),
                             keras.layers.Conv2D(filters, kernel_size, strides=strides)])
""",
    ),
    dict(
        exercise="ch07.torch_style_conv",
        why="the strides left out",
        rejected_by=["torch_style_conv_book_examples", "torch_style_conv_cases"],
        source="""
def torch_style_conv2d(input_shape, filters, kernel_size, padding, strides):
    inputs = keras.Input(tuple(input_shape))
    x = keras.layers.ZeroPadding2D(padding)(inputs)
    return keras.Model(inputs, keras.layers.Conv2D(filters, kernel_size)(x))
""",
    ),
    dict(
        exercise="ch07.torch_style_conv",
        why="padding read as the D2L book's total p_h and halved (torch's is per side)",
        rejected_by=["torch_style_conv_book_examples", "torch_style_conv_cases"],
        source="""
def torch_style_conv2d(input_shape, filters, kernel_size, padding, strides):
    ph, pw = padding
    inputs = keras.Input(tuple(input_shape))
    x = keras.layers.ZeroPadding2D(((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2)))(inputs)
    return keras.Model(inputs, keras.layers.Conv2D(filters, kernel_size, strides=strides)(x))
""",
    ),
    dict(
        exercise="ch07.torch_style_conv",
        why="all the padding at the bottom and right",
        rejected_by=["torch_style_conv_book_examples", "torch_style_conv_cases"],
        source="""
def torch_style_conv2d(input_shape, filters, kernel_size, padding, strides):
    ph, pw = padding
    inputs = keras.Input(tuple(input_shape))
    x = keras.layers.ZeroPadding2D(((0, 2 * ph), (0, 2 * pw)))(inputs)
    return keras.Model(inputs, keras.layers.Conv2D(filters, kernel_size, strides=strides)(x))
""",
    ),
    # ------------------------------------------------ multi-channel corr2d
    dict(
        exercise="ch07.corr2d_multi_in_out",
        why="the D2L book's channels-first layout: X (c_in, h, w), K (c_out, c_in, kh, kw)",
        rejected_by=["multi_in_out_book_values", "multi_in_out_random"],
        source="""
def corr2d_multi_in_out(X, K):
    X, K = ops.convert_to_tensor(X), ops.convert_to_tensor(K)

    def corr(x, k):
        kh, kw = k.shape
        oh, ow = x.shape[0] - kh + 1, x.shape[1] - kw + 1
        out = 0.0
        for a in range(kh):
            for b in range(kw):
                out = out + k[a, b] * x[a:a + oh, b:b + ow]
        return out

    return ops.stack([sum(corr(X[c], K[o, c]) for c in range(X.shape[0]))
                      for o in range(K.shape[0])])
""",
    ),
    dict(
        exercise="ch07.corr2d_multi_in_out",
        why="a true convolution: the kernel flipped",
        rejected_by=["multi_in_out_book_values", "multi_in_out_random"],
        source="""
def corr2d_multi_in_out(X, K):
    X, K = ops.convert_to_tensor(X), ops.convert_to_tensor(K)
    kh, kw = K.shape[0], K.shape[1]
    oh, ow = X.shape[0] - kh + 1, X.shape[1] - kw + 1
    out = 0.0
    for a in range(kh):
        for b in range(kw):
            out = out + ops.matmul(X[a:a + oh, b:b + ow, :], K[kh - 1 - a, kw - 1 - b])
    return out
""",
    ),
    dict(
        exercise="ch07.corr2d_multi_in_out",
        why="only the first input channel (no sum over channels)",
        rejected_by=["multi_in_out_book_values", "multi_in_out_random"],
        source="""
def corr2d_multi_in_out(X, K):
    X, K = ops.convert_to_tensor(X), ops.convert_to_tensor(K)
    kh, kw = K.shape[0], K.shape[1]
    oh, ow = X.shape[0] - kh + 1, X.shape[1] - kw + 1
    out = 0.0
    for a in range(kh):
        for b in range(kw):
            out = out + X[a:a + oh, b:b + ow, 0:1] * K[a, b, 0]
    return out
""",
    ),
    dict(
        exercise="ch07.corr2d_multi_in_out",
        why="NumPy instead of keras.ops: right values, no gradients",
        rejected_by=["multi_in_out_random"],
        source="""
def corr2d_multi_in_out(X, K):
    X, K = np.asarray(X, dtype=np.float64), np.asarray(K, dtype=np.float64)
    kh, kw = K.shape[:2]
    oh, ow = X.shape[0] - kh + 1, X.shape[1] - kw + 1
    out = np.zeros((oh, ow, K.shape[3]))
    for a in range(kh):
        for b in range(kw):
            out += X[a:a + oh, b:b + ow, :] @ K[a, b]
    return out
""",
    ),
    dict(
        exercise="ch07.corr2d_multi_in_out",
        why="ops.conv does the work that was to be written by hand",
        rejected_by=["multi_in_out_random"],
        source="""
def corr2d_multi_in_out(X, K):
    return ops.conv(ops.convert_to_tensor(X)[None], ops.convert_to_tensor(K))[0]
""",
    ),
    # ------------------------------------------------------------- 1x1
    dict(
        exercise="ch07.conv1x1",
        why="pixels flattened channels-first, as the D2L book's (c_in, h * w) reshape",
        rejected_by=["conv1x1_values", "conv1x1_tensors"],
        source="""
def conv1x1(X, W):
    X, W = ops.convert_to_tensor(X), ops.convert_to_tensor(W)
    b, h, w, c_in = X.shape
    rows = ops.reshape(X, (b, c_in, h * w))  # reads the memory as if channels came first
    out = ops.matmul(ops.transpose(W), rows)  # (b, c_out, h * w)
    return ops.reshape(out, (b, h, w, W.shape[1]))
""",
    ),
    dict(
        exercise="ch07.conv1x1",
        why="NumPy's einsum: right values, no gradients",
        rejected_by=["conv1x1_tensors"],
        source="""
def conv1x1(X, W):
    return np.einsum("bhwc,cd->bhwd", np.asarray(X), np.asarray(W))
""",
    ),
    dict(
        exercise="ch07.conv1x1",
        why="ops.conv with a 1x1 kernel instead of a matrix product",
        rejected_by=["conv1x1_tensors"],
        source="""
def conv1x1(X, W):
    W = ops.convert_to_tensor(W)
    return ops.conv(ops.convert_to_tensor(X), ops.reshape(W, (1, 1, *W.shape)))
""",
    ),
    # ------------------------------------------------------------ pooling
    dict(
        exercise="ch07.pool2d",
        why="the strides ignored (always stride 1, as the book's pool2d)",
        rejected_by=["pool2d_book_values", "pool2d_cases"],
        source="""
def pool2d_strided(X, pool_size, strides, mode):
    X = ops.convert_to_tensor(X)
    ph, pw = pool_size
    reduce = ops.max if mode == "max" else ops.mean
    return ops.stack([ops.stack([reduce(X[i:i + ph, j:j + pw], axis=(0, 1))
                                 for j in range(X.shape[1] - pw + 1)])
                      for i in range(X.shape[0] - ph + 1)])
""",
    ),
    dict(
        exercise="ch07.pool2d",
        why="each window reduced over its channels too",
        rejected_by=["pool2d_book_values", "pool2d_cases"],
        source="""
def pool2d_strided(X, pool_size, strides, mode):
    X = ops.convert_to_tensor(X)
    (ph, pw), (sh, sw) = pool_size, strides
    reduce = ops.max if mode == "max" else ops.mean
    out = ops.stack([ops.stack([reduce(X[i * sh:i * sh + ph, j * sw:j * sw + pw])
                                for j in range((X.shape[1] - pw) // sw + 1)])
                     for i in range((X.shape[0] - ph) // sh + 1)])
    return ops.repeat(out[..., None], X.shape[2], axis=-1)
""",
    ),
    dict(
        exercise="ch07.pool2d",
        why="average pooling as the window's sum",
        rejected_by=["pool2d_book_values", "pool2d_cases"],
        source="""
def pool2d_strided(X, pool_size, strides, mode):
    X = ops.convert_to_tensor(X)
    (ph, pw), (sh, sw) = pool_size, strides
    reduce = ops.max if mode == "max" else ops.sum
    return ops.stack([ops.stack([reduce(X[i * sh:i * sh + ph, j * sw:j * sw + pw], axis=(0, 1))
                                 for j in range((X.shape[1] - pw) // sw + 1)])
                      for i in range((X.shape[0] - ph) // sh + 1)])
""",
    ),
    dict(
        exercise="ch07.pool2d",
        why="channels-first: the first axis taken for the channels",
        rejected_by=["pool2d_book_values", "pool2d_cases"],
        source="""
def pool2d_strided(X, pool_size, strides, mode):
    X = ops.convert_to_tensor(X)
    (ph, pw), (sh, sw) = pool_size, strides
    reduce = ops.max if mode == "max" else ops.mean
    out = ops.stack([ops.stack([reduce(X[:, i * sh:i * sh + ph, j * sw:j * sw + pw], axis=(1, 2))
                                for j in range((X.shape[2] - pw) // sw + 1)])
                     for i in range((X.shape[1] - ph) // sh + 1)])
    return ops.transpose(out, (2, 0, 1))
""",
    ),
    dict(
        exercise="ch07.pool2d",
        why="Keras' pooling op instead of pooling by hand",
        rejected_by=["pool2d_cases"],
        source="""
def pool2d_strided(X, pool_size, strides, mode):
    X = ops.convert_to_tensor(X)[None]
    pool = ops.max_pool if mode == "max" else ops.average_pool
    return pool(X, tuple(pool_size), tuple(strides), padding="valid")[0]
""",
    ),
    # ---------------------------------------------------- torch avg pool
    dict(
        exercise="ch07.torch_avg_pool",
        why="Keras' 'same' pooling where torch's padded pooling was asked for",
        rejected_by=["torch_avg_pool_book", "torch_avg_pool_cases"],
        source="""
def torch_style_avg_pool(input_shape, pool_size, strides, padding):
    inputs = keras.Input(tuple(input_shape))
    mode = "same" if any(padding) else "valid"
    pooled = keras.layers.AveragePooling2D(pool_size, strides, padding=mode)(inputs)
    return keras.Model(inputs, pooled)
""",
    ),
    dict(
        exercise="ch07.torch_avg_pool",
        why="a Sequential model instead of the functional API",
        rejected_by=["torch_avg_pool_book", "torch_avg_pool_cases"],
        source="""
def torch_style_avg_pool(input_shape, pool_size, strides, padding):
    return keras.Sequential([keras.Input(tuple(input_shape)), keras.layers.ZeroPadding2D(padding),
                             keras.layers.AveragePooling2D(pool_size, strides)])
""",
    ),
    dict(
        exercise="ch07.torch_avg_pool",
        why="max pooling instead of average pooling",
        rejected_by=["torch_avg_pool_book", "torch_avg_pool_cases"],
        source="""
def torch_style_avg_pool(input_shape, pool_size, strides, padding):
    inputs = keras.Input(tuple(input_shape))
    x = keras.layers.ZeroPadding2D(padding)(inputs)
    return keras.Model(inputs, keras.layers.MaxPooling2D(pool_size, strides)(x))
""",
    ),
    dict(
        exercise="ch07.torch_avg_pool",
        why="padding only after the input (one side, twice as much)",
        rejected_by=["torch_avg_pool_book", "torch_avg_pool_cases"],
        source="""
def torch_style_avg_pool(input_shape, pool_size, strides, padding):
    ph, pw = padding
    inputs = keras.Input(tuple(input_shape))
    x = keras.layers.ZeroPadding2D(((0, 2 * ph), (0, 2 * pw)))(inputs)
    return keras.Model(inputs, keras.layers.AveragePooling2D(pool_size, strides)(x))
""",
    ),
    # -------------------------------------------------------------- LeNet
    dict(
        exercise="ch07.lenet",
        why="a Sequential model instead of the functional API",
        rejected_by=["lenet_book_architecture", "lenet_variants"],
        source=lenet_source(start="layers = [keras.Input(tuple(input_shape))]",
                            add="layers.append(layer)", finish="return keras.Sequential(layers)"),
    ),
    dict(
        exercise="ch07.lenet",
        why="the pooling argument ignored: always average pooling",
        rejected_by=["lenet_variants"],
        source=lenet_source(pool="keras.layers.AveragePooling2D"),
    ),
    dict(
        exercise="ch07.lenet",
        why="the first convolution without padding (24x24 maps, 44,426 parameters)",
        rejected_by=["lenet_book_architecture", "lenet_variants"],
        source=lenet_source(conv_padding='"valid"'),
    ),
    dict(
        exercise="ch07.lenet",
        why="every convolution padded 'same'",
        rejected_by=["lenet_book_architecture", "lenet_variants"],
        source=lenet_source(conv_padding='"same"'),
    ),
    dict(
        exercise="ch07.lenet",
        why="a softmax on the output layer where logits were asked for",
        rejected_by=["lenet_book_architecture", "lenet_variants"],
        source=lenet_source(output=', activation="softmax"'),
    ),
    dict(
        exercise="ch07.lenet",
        why="no activation on the hidden dense layers",
        rejected_by=["lenet_book_architecture", "lenet_variants"],
        source=lenet_source(dense_activation="None"),
    ),
    dict(
        exercise="ch07.lenet",
        why="ReLU everywhere, ignoring the activation argument",
        rejected_by=["lenet_book_architecture"],
        source=lenet_source(start=FUNCTIONAL_START + '\n    activation = "relu"'),
    ),
    dict(
        exercise="ch07.lenet",
        why="torch's channels-first input (c, h, w)",
        rejected_by=["lenet_book_architecture", "lenet_variants"],
        source="""
def lenet_variant(input_shape=(28, 28, 1), num_classes=10, conv_channels=(6, 16),
                  dense_units=(120, 84), activation="sigmoid", pooling="avg"):
    L = keras.layers
    Pool = L.AveragePooling2D if pooling == "avg" else L.MaxPooling2D
    h, w, c = input_shape
    cf = dict(data_format="channels_first")
    x = inputs = keras.Input((c, h, w))
    for i, channels in enumerate(conv_channels):
        x = L.Conv2D(channels, 5, padding="same" if i == 0 else "valid", activation=activation,
                     **cf)(x)
        x = Pool(2, **cf)(x)
    x = L.Flatten()(x)
    for units in dense_units:
        x = L.Dense(units, activation=activation)(x)
    return keras.Model(inputs, L.Dense(num_classes)(x))
""",
    ),
    # ---------------------------------------------------- receptive field
    dict(
        exercise="ch07.receptive_field",
        why="the strides ignored: 1 + sum(k - 1)",
        rejected_by=["receptive_field_lenet", "receptive_field_cases"],
        source="""
def receptive_field(layers):
    return 1 + sum(k - 1 for k, s in layers)
""",
    ),
    dict(
        exercise="ch07.receptive_field",
        why="each layer's own stride applied to its kernel (the jump updated too early)",
        rejected_by=["receptive_field_lenet", "receptive_field_cases"],
        source="""
def receptive_field(layers):
    size, jump = 1, 1
    for kernel, stride in layers:
        jump *= stride
        size += (kernel - 1) * jump
    return size
""",
    ),
    dict(
        exercise="ch07.receptive_field",
        why="the kernel sizes added up",
        rejected_by=["receptive_field_lenet", "receptive_field_cases"],
        source="""
def receptive_field(layers):
    return sum(k for k, s in layers)
""",
    ),
]
