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
# # Solutions: 8. Modern Convolutional Neural Networks

# %% tags=["exercise"] exercise="ch08.alexnet_params"
# exercise: ch08.alexnet_params
def alexnet_layer_params(side, in_channels=1, num_classes=10):
    """Parameters of AlexNet's eight layers on a side x side x in_channels input."""
    def out(n, kernel, stride, padding=0):
        return (n + 2 * padding - kernel) // stride + 1

    def conv(kernel, c_in, c_out):
        return kernel * kernel * c_in * c_out + c_out

    n = out(side, 11, 4, 1)  # conv1, then three 3x3/2 poolings around the 'same' convolutions
    for _ in range(3):
        n = out(n, 3, 2)
    return [
        conv(11, in_channels, 96), conv(5, 96, 256), conv(3, 256, 384), conv(3, 384, 384),
        conv(3, 384, 256), n * n * 256 * 4096 + 4096, 4096 * 4096 + 4096,
        4096 * num_classes + num_classes,
    ]


# %% tags=["exercise"] exercise="ch08.vgg"
# exercise: ch08.vgg
def build_vgg(arch, input_shape, num_classes, fc_units):
    """VGG blocks from arch, then the dense head with dropout."""
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for num_convs, channels in arch:
        for _ in range(num_convs):
            x = keras.layers.Conv2D(channels, 3, padding="same", activation="relu")(x)
        x = keras.layers.MaxPooling2D(2, strides=2)(x)
    x = keras.layers.Flatten()(x)
    for _ in range(2):
        x = keras.layers.Dense(fc_units, activation="relu")(x)
        x = keras.layers.Dropout(0.5)(x)
    return keras.Model(inputs, keras.layers.Dense(num_classes)(x))


# %% tags=["exercise"] exercise="ch08.nin"
# exercise: ch08.nin
def build_nin(input_shape, widths, num_classes):
    """NiN: four NiN blocks with max-pooling and dropout, global average pooling, no Dense."""
    def nin_block(x, channels, kernel_size, strides, padding):
        if padding:
            x = keras.layers.ZeroPadding2D(padding)(x)
        x = keras.layers.Conv2D(channels, kernel_size, strides=strides, activation="relu")(x)
        x = keras.layers.Conv2D(channels, 1, activation="relu")(x)
        return keras.layers.Conv2D(channels, 1, activation="relu")(x)

    inputs = keras.Input(shape=input_shape)
    x = inputs
    for channels, (kernel, stride, padding) in zip(widths, [(11, 4, 0), (5, 1, 2), (3, 1, 1)]):
        x = nin_block(x, channels, kernel, stride, padding)
        x = keras.layers.MaxPooling2D(3, strides=2)(x)
    x = keras.layers.Dropout(0.5)(x)
    x = nin_block(x, num_classes, 3, 1, 1)
    return keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(x))


# %% tags=["exercise"] exercise="ch08.inception"
# exercise: ch08.inception
def build_inception_v3(input_shape, c1, c2, c3, c4):
    """Input -> an Inception block whose 5x5 path is two 3x3 convolutions."""
    def conv(channels, kernel):
        return keras.layers.Conv2D(channels, kernel, padding="same", activation="relu")

    inputs = keras.Input(shape=input_shape)
    path1 = conv(c1, 1)(inputs)
    path2 = conv(c2[1], 3)(conv(c2[0], 1)(inputs))
    path3 = conv(c3[1], 3)(conv(c3[1], 3)(conv(c3[0], 1)(inputs)))
    path4 = conv(c4, 1)(keras.layers.MaxPooling2D(3, strides=1, padding="same")(inputs))
    return keras.Model(inputs, keras.layers.Concatenate()([path1, path2, path3, path4]))


# %% tags=["exercise"] exercise="ch08.bn_torch_layout"
# exercise: ch08.bn_torch_layout
def batch_norm_torch_layout(X, gamma, beta, moving_mean, moving_var, eps, momentum, training):
    """D2L's batch_norm: (Y, new moving_mean, new moving_var), channels first, torch momentum."""
    X, gamma, beta, moving_mean, moving_var = (
        ops.convert_to_tensor(v, dtype="float32") for v in (X, gamma, beta, moving_mean, moving_var)
    )
    if not training:
        X_hat = (X - moving_mean) / ops.sqrt(moving_var + eps)
    else:
        axes = (0,) if len(X.shape) == 2 else (0, 2, 3)
        mean = ops.mean(X, axis=axes, keepdims=True)
        var = ops.mean(ops.square(X - mean), axis=axes, keepdims=True)
        X_hat = (X - mean) / ops.sqrt(var + eps)
        moving_mean = (1.0 - momentum) * moving_mean + momentum * mean
        moving_var = (1.0 - momentum) * moving_var + momentum * var
    return gamma * X_hat + beta, moving_mean, moving_var


# %% tags=["exercise"] exercise="ch08.bn_from_torch"
# exercise: ch08.bn_from_torch
def keras_bn_from_torch(weight, bias, running_mean, running_var, momentum, eps):
    """A built Keras BatchNormalization equal to torch's BatchNorm2d with that state."""
    layer = keras.layers.BatchNormalization(momentum=1.0 - momentum, epsilon=eps)
    layer.build((None, None, None, len(weight)))  # images, channels last
    layer.set_weights([np.asarray(v, dtype="float32")
                       for v in (weight, bias, running_mean, running_var)])
    return layer


# %% tags=["exercise"] exercise="ch08.bn_lenet"
# exercise: ch08.bn_lenet
def build_bn_lenet(input_shape, num_classes):
    """LeNet with batch normalization before every sigmoid."""
    def bn_sigmoid(x):
        x = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)(x)
        return keras.layers.Activation("sigmoid")(x)

    inputs = keras.Input(shape=input_shape)
    x = inputs
    for channels in (6, 16):
        x = bn_sigmoid(keras.layers.Conv2D(channels, 5)(x))
        x = keras.layers.AveragePooling2D(2, strides=2)(x)
    x = keras.layers.Flatten()(x)
    for units in (120, 84):
        x = bn_sigmoid(keras.layers.Dense(units)(x))
    return keras.Model(inputs, keras.layers.Dense(num_classes)(x))


# %% tags=["exercise"] exercise="ch08.residual"
# exercise: ch08.residual
def build_preact_residual(input_shape, channels, strides):
    """BN-ReLU-conv-BN-ReLU-conv plus the right shortcut, no ReLU after the addition."""
    inputs = keras.Input(shape=input_shape)
    y = keras.layers.ReLU()(keras.layers.BatchNormalization()(inputs))
    y = keras.layers.Conv2D(channels, 3, strides=strides, padding="same")(y)
    y = keras.layers.ReLU()(keras.layers.BatchNormalization()(y))
    y = keras.layers.Conv2D(channels, 3, padding="same")(y)
    shortcut = inputs
    if strides != 1 or input_shape[-1] != channels:
        shortcut = keras.layers.Conv2D(channels, 1, strides=strides)(inputs)
    return keras.Model(inputs, keras.layers.Add()([y, shortcut]))


# %% tags=["exercise"] exercise="ch08.grouped_conv"
# exercise: ch08.grouped_conv
def grouped_conv2d(x, kernel, bias, groups):
    """Conv2D(groups=groups) computed group by group and concatenated."""
    x = ops.convert_to_tensor(x, dtype="float32")
    kernel = ops.convert_to_tensor(kernel, dtype="float32")
    per_in, per_out = x.shape[-1] // groups, kernel.shape[-1] // groups
    outputs = [
        ops.conv(x[..., g * per_in:(g + 1) * per_in], kernel[..., g * per_out:(g + 1) * per_out])
        for g in range(groups)
    ]
    return ops.concatenate(outputs, axis=-1) + ops.convert_to_tensor(bias, dtype="float32")


def grouped_conv_param_count(c_in, c_out, kh, kw, groups):
    """Weights and biases of Conv2D(c_out, (kh, kw), groups=groups) on c_in channels."""
    if groups < 1 or c_in % groups or c_out % groups:
        raise ValueError(f"groups={groups} must divide both c_in={c_in} and c_out={c_out}")
    return kh * kw * (c_in // groups) * c_out + c_out


# %% tags=["exercise"] exercise="ch08.dense_block"
# exercise: ch08.dense_block
def build_dense_block_b(input_shape, num_convs, growth_rate):
    """A dense block of bottleneck units (1x1 to 4k channels, then 3x3 to k)."""
    def bn_relu(x):
        return keras.layers.ReLU()(keras.layers.BatchNormalization()(x))

    inputs = keras.Input(shape=input_shape)
    x = inputs
    for _ in range(num_convs):
        y = keras.layers.Conv2D(4 * growth_rate, 1)(bn_relu(x))
        y = keras.layers.Conv2D(growth_rate, 3, padding="same")(bn_relu(y))
        x = keras.layers.Concatenate()([x, y])
    return keras.Model(inputs, x)


def build_transition(input_shape, compression):
    """BN-ReLU-1x1 conv to floor(compression * C) channels, then 2x2 average pooling."""
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.ReLU()(keras.layers.BatchNormalization()(inputs))
    x = keras.layers.Conv2D(int(math.floor(compression * input_shape[-1])), 1)(x)
    return keras.Model(inputs, keras.layers.AveragePooling2D(2, strides=2)(x))


# %% tags=["exercise"] exercise="ch08.regnet_widths"
# exercise: ch08.regnet_widths
def regnet_widths(depth, w0, wa, wm, quantum=8):
    """RegNet's per-block widths from the quantized linear rule."""
    if depth < 1 or w0 <= 0 or wa < 0 or wm <= 1:
        raise ValueError(f"need depth >= 1, w0 > 0, wa >= 0 and wm > 1; got {depth}, {w0}, {wa}, {wm}")
    linear = w0 + wa * np.arange(depth)
    exponents = np.round(np.log(linear / w0) / np.log(wm))
    widths = np.round(w0 * np.power(wm, exponents) / quantum) * quantum
    return [int(w) for w in widths]


def regnet_stages(widths):
    """Runs of equal widths as (depth, width) stages."""
    stages = []
    for width in widths:
        if stages and stages[-1][1] == width:
            stages[-1] = (stages[-1][0] + 1, width)
        else:
            stages.append((1, width))
    return stages
