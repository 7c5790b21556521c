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
# # Solutions: 7. Convolutional Neural Networks

# %% tags=["exercise"] exercise="ch07.param_counts"
# exercise: ch07.param_counts
def layer_param_counts(height, width, channels, kernel_size):
    """(dense, conv): parameter counts of the two layers described above."""
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    units = int(height) * int(width) * int(channels)
    dense = units * units + units  # one weight per (input, output) pair, one bias per output
    conv = int(kh) * int(kw) * int(channels) * int(channels) + int(channels)
    return dense, conv


# %% tags=["exercise"] exercise="ch07.conv2d_scratch"
# exercise: ch07.conv2d_scratch
class BatchConv2DScratch(keras.layers.Layer):
    """Cross-correlation of (batch, h, w) images with one kernel, plus a bias."""

    def __init__(self, kernel_size, **layer_options):
        super().__init__(**layer_options)
        self.kernel_hw = tuple(int(k) for k in kernel_size)

    def build(self, batch_input_shape):
        self.kernel = self.add_weight(
            shape=self.kernel_hw, name="kernel",
            initializer=keras.initializers.RandomUniform(minval=0.0, maxval=1.0))
        self.bias = self.add_weight(shape=(1,), initializer="zeros", name="bias")

    def call(self, images):
        kh, kw = self.kernel_hw
        out_h = images.shape[1] - kh + 1
        out_w = images.shape[2] - kw + 1
        response = 0.0
        for a in range(kh):  # one shifted slice per kernel entry, no flip
            for b in range(kw):
                response = response + self.kernel[a, b] * images[:, a : a + out_h, b : b + out_w]
        return response + self.bias


def build_conv2d_scratch(input_shape, kernel_size):
    """Functional model: (batch, h, w) -> cross-correlation with one kernel, plus bias."""
    image_input = keras.Input(tuple(int(n) for n in input_shape))
    return keras.Model(image_input, BatchConv2DScratch(kernel_size)(image_input))


# %% tags=["exercise"] exercise="ch07.learn_kernel"
# exercise: ch07.learn_kernel
def learn_kernel(X, Y, initial_kernel, lr, num_steps):
    """(learned kernel (kh, kw), [loss before each step]) for a bias-free Conv2D."""
    start = np.asarray(initial_kernel, dtype="float32")
    kh, kw = start.shape
    images = ops.convert_to_tensor(np.asarray(X, dtype="float32"))
    targets = ops.convert_to_tensor(np.asarray(Y, dtype="float32"))
    image_input = keras.Input(tuple(images.shape[1:]))
    conv_layer = keras.layers.Conv2D(1, (kh, kw), use_bias=False)
    kernel_model = keras.Model(image_input, conv_layer(image_input))
    conv_layer.set_weights([start.reshape(kh, kw, 1, 1)])
    kernel = conv_layer.kernel
    losses = []
    for _ in range(int(num_steps)):
        kernel.value.grad = None  # gradients accumulate in torch unless cleared
        step_loss = ops.sum(ops.square(kernel_model(images) - targets))  # sum, not mean
        step_loss.backward()
        losses.append(step_loss.item())  # recorded before the update
        with torch.no_grad():
            kernel.assign(kernel - lr * kernel.value.grad)
    return ops.convert_to_numpy(kernel).reshape(kh, kw), losses


# %% tags=["exercise"] exercise="ch07.same_padding"
# exercise: ch07.same_padding
def keras_same_padding(n, kernel, stride):
    """(out, before, after) of Keras' padding="same" along one axis."""
    out = -(-int(n) // int(stride))  # ceil(n / stride)
    total = max((out - 1) * int(stride) + int(kernel) - int(n), 0)
    before = total // 2  # the odd zero goes at the end
    return out, before, total - before


# %% tags=["exercise"] exercise="ch07.torch_style_conv"
# exercise: ch07.torch_style_conv
def torch_style_conv2d(input_shape, filters, kernel_size, padding, strides):
    """Functional model: ZeroPadding2D(padding) -> Conv2D(valid), like torch's Conv2d."""
    conv_input = keras.Input(tuple(int(n) for n in input_shape))
    padded = keras.layers.ZeroPadding2D(tuple(int(p) for p in padding))(conv_input)
    conv_output = keras.layers.Conv2D(int(filters), tuple(kernel_size), strides=tuple(strides),
                                      padding="valid")(padded)
    return keras.Model(conv_input, conv_output)


# %% tags=["exercise"] exercise="ch07.corr2d_multi_in_out"
# exercise: ch07.corr2d_multi_in_out
def corr2d_multi_in_out(X, K):
    """Cross-correlation of X (h, w, c_in) with K (kh, kw, c_in, c_out): (h', w', c_out)."""
    image, kernel = ops.convert_to_tensor(X), ops.convert_to_tensor(K)
    kh, kw = kernel.shape[0], kernel.shape[1]
    out_h, out_w = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    result = 0.0
    for a in range(kh):
        for b in range(kw):
            patch = image[a : a + out_h, b : b + out_w, :]  # (out_h, out_w, c_in)
            result = result + ops.matmul(patch, kernel[a, b])  # sums over c_in -> c_out
    return result


# %% tags=["exercise"] exercise="ch07.conv1x1"
# exercise: ch07.conv1x1
def conv1x1(X, W):
    """1x1 convolution of X (batch, h, w, c_in) with W (c_in, c_out) as a matrix product."""
    images, mixing = ops.convert_to_tensor(X), ops.convert_to_tensor(W)
    batch, height, width, c_in = images.shape
    pixels = ops.reshape(images, (batch * height * width, c_in))  # one row per pixel
    return ops.reshape(ops.matmul(pixels, mixing), (batch, height, width, mixing.shape[1]))


# %% tags=["exercise"] exercise="ch07.pool2d"
# exercise: ch07.pool2d
def pool2d_strided(X, pool_size, strides, mode):
    """Max or average pooling of X (h, w, channels), no padding."""
    image = ops.convert_to_tensor(X)
    (ph, pw), (sh, sw) = pool_size, strides
    out_h = (image.shape[0] - ph) // sh + 1
    out_w = (image.shape[1] - pw) // sw + 1
    summarize = ops.max if mode == "max" else ops.mean
    rows = []
    for i in range(out_h):
        row = [summarize(image[i * sh : i * sh + ph, j * sw : j * sw + pw, :], axis=(0, 1))
               for j in range(out_w)]  # each window keeps its channels
        rows.append(ops.stack(row))
    return ops.stack(rows)


# %% tags=["exercise"] exercise="ch07.torch_avg_pool"
# exercise: ch07.torch_avg_pool
def torch_style_avg_pool(input_shape, pool_size, strides, padding):
    """Functional model equal to torch's AvgPool2d(pool_size, strides, padding)."""
    pool_input = keras.Input(tuple(int(n) for n in input_shape))
    zero_padded = keras.layers.ZeroPadding2D(tuple(int(p) for p in padding))(pool_input)
    # valid pooling over the padded input counts the zeros, as torch's count_include_pad=True
    pooled = keras.layers.AveragePooling2D(tuple(pool_size), strides=tuple(strides),
                                           padding="valid")(zero_padded)
    return keras.Model(pool_input, pooled)


# %% tags=["exercise"] exercise="ch07.lenet"
# exercise: ch07.lenet
def lenet_variant(input_shape=(28, 28, 1), num_classes=10, conv_channels=(6, 16),
                  dense_units=(120, 84), activation="sigmoid", pooling="avg"):
    """LeNet-style functional model: conv-pool blocks, then dense layers."""
    if pooling not in ("avg", "max"):
        raise ValueError(f"pooling must be 'avg' or 'max', got {pooling!r}")
    pool_layer = keras.layers.AveragePooling2D if pooling == "avg" else keras.layers.MaxPooling2D
    image_input = keras.Input(tuple(input_shape))
    features = image_input
    for block, channels in enumerate(conv_channels):
        features = keras.layers.Conv2D(int(channels), 5, activation=activation,
                                       padding="same" if block == 0 else "valid")(features)
        features = pool_layer(2)(features)  # 2x2 window, stride 2
    hidden = keras.layers.Flatten()(features)
    for units in dense_units:
        hidden = keras.layers.Dense(int(units), activation=activation)(hidden)
    return keras.Model(image_input, keras.layers.Dense(int(num_classes))(hidden))


# %% tags=["exercise"] exercise="ch07.receptive_field"
# exercise: ch07.receptive_field
def receptive_field(layers):
    """Side length of the receptive field of one output element."""
    size, jump = 1, 1  # jump: input pixels between neighbouring units of the current layer
    for kernel, stride in layers:
        size += (int(kernel) - 1) * jump
        jump *= int(stride)
    return size
