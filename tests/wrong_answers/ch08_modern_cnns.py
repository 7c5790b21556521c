"""Plausible wrong answers for chapter 8; each must fail the checks it names."""

_ALEXNET = '''
def alexnet_layer_params(side, in_channels=1, num_classes=10):
    def out(n, kernel, stride=1, padding=0):
        return (n + 2 * padding - kernel) // stride + 1

    def conv(kernel, c_in, c_out):
        return kernel * kernel * c_in * c_out + BIAS * c_out

    n = out(side, 11, 4, PAD)
    for _ in range(3):
        n = POOL
    n = FLAT
    return [conv(11, in_channels, 96), conv(5, 96, 256), conv(3, 256, 384), conv(3, 384, 384),
            conv(3, 384, 256), n * n * 256 * 4096 + BIAS * 4096, 4096 * 4096 + BIAS * 4096,
            4096 * num_classes + BIAS * num_classes]
'''


def _alexnet(pad="1", pool="out(n, 3, 2)", bias="1", flat="n"):
    return (_ALEXNET.replace("PAD", pad).replace("POOL", pool).replace("BIAS", bias)
            .replace("FLAT", flat))


_VGG = '''
def build_vgg(arch, input_shape, num_classes, fc_units):
    inputs = keras.Input(shape=input_shape)
    x = START
    for num_convs, channels in arch:
BLOCK
    x = keras.layers.Flatten()(x)
    for _ in range(2):
        x = keras.layers.Dense(fc_units, activation="relu")(x)
        x = DROPOUT
    return keras.Model(inputs, keras.layers.Dense(num_classes)(x))
'''
_VGG_BLOCK = '''        for _ in range(num_convs):
            x = keras.layers.Conv2D(channels, 3, padding="same", activation="relu")(x)
        x = keras.layers.MaxPooling2D(2, strides=2)(x)'''


def _vgg(start="inputs", block=_VGG_BLOCK, dropout="keras.layers.Dropout(0.5)(x)"):
    return _VGG.replace("START", start).replace("BLOCK", block).replace("DROPOUT", dropout)

_NIN = '''
def build_nin(input_shape, widths, num_classes):
    def nin_block(x, channels, kernel_size, strides, padding):
        PADDING
        x = keras.layers.Conv2D(channels, kernel_size, strides=strides, padding=MODE, activation="relu")(x)
        x = keras.layers.Conv2D(channels, 1, activation=INNER)(x)
        return keras.layers.Conv2D(channels, 1, activation=INNER)(x)

    inputs = keras.Input(shape=input_shape)
    x = inputs
    for channels, (kernel, stride, padding) in zip(widths, [(11, 4, 0), (5, 1, 2), (3, 1, 1)]):
        x = nin_block(x, channels, kernel, stride, padding)
        x = keras.layers.MaxPooling2D(3, strides=2)(x)
    x = keras.layers.Dropout(0.5)(x)
    x = nin_block(x, num_classes, 3, 1, 1)
    HEAD
'''
_NIN_ZERO_PADDING = "x = keras.layers.ZeroPadding2D(padding)(x) if padding else x"
_NIN_GAP = "return keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(x))"


def _nin(padding=_NIN_ZERO_PADDING, mode='"valid"', inner='"relu"', head=_NIN_GAP):
    return (_NIN.replace("PADDING", padding).replace("MODE", mode).replace("INNER", inner)
            .replace("HEAD", head))


_INCEPTION = '''
def build_inception_v3(input_shape, c1, c2, c3, c4):
    def conv(channels, kernel):
        return keras.layers.Conv2D(channels, kernel, padding="same", activation="relu")

    inputs = keras.Input(shape=input_shape)
    path1 = conv(c1, 1)(inputs)
    path2 = PATH2
    path3 = PATH3
    path4 = PATH4
    return keras.Model(inputs, keras.layers.Concatenate()([path1, path2, path3, path4]))
'''


def _inception(path2="conv(c2[1], 3)(conv(c2[0], 1)(inputs))",
               path3="conv(c3[1], 3)(conv(c3[1], 3)(conv(c3[0], 1)(inputs)))",
               path4="conv(c4, 1)(keras.layers.MaxPooling2D(3, strides=1, padding='same')(inputs))"):
    return _INCEPTION.replace("PATH2", path2).replace("PATH3", path3).replace("PATH4", path4)


_BN_TORCH = '''
def batch_norm_torch_layout(X, gamma, beta, moving_mean, moving_var, eps, momentum, training):
    X, gamma, beta, moving_mean, moving_var = (
        ops.convert_to_tensor(v, dtype="float32") for v in (X, gamma, beta, moving_mean, moving_var)
    )
    if not (TRAINING):
        X_hat = (X - moving_mean) / ops.sqrt(moving_var + eps)
    else:
        axes = (0,) if len(X.shape) == 2 else AXES
        mean = ops.mean(X, axis=axes, keepdims=True)
        n = float(np.prod([X.shape[a] for a in axes]))
        var = ops.mean(ops.square(X - mean), axis=axes, keepdims=True) * VARIANCE
        X_hat = (X - mean) / ops.sqrt(var + eps)
        UPDATE
    return gamma * X_hat + beta, moving_mean, moving_var
'''
_BN_TORCH_UPDATE = ("moving_mean = (1.0 - momentum) * moving_mean + momentum * mean\n"
                    "        moving_var = (1.0 - momentum) * moving_var + momentum * var")


def _bn_torch(training="training", axes="(0, 2, 3)", variance="1.0", update=_BN_TORCH_UPDATE):
    return (_BN_TORCH.replace("TRAINING", training).replace("AXES", axes)
            .replace("VARIANCE", variance).replace("UPDATE", update))


_BN_FROM_TORCH = '''
def keras_bn_from_torch(weight, bias, running_mean, running_var, momentum, eps):
    layer = keras.layers.BatchNormalization(momentum=MOMENTUM, epsilon=EPSILON)
    layer.build((None, None, None, len(weight)))
    layer.set_weights([np.asarray(v, dtype="float32") for v in (WEIGHTS)])
    return layer
'''


def _bn_from_torch(momentum="1.0 - momentum", epsilon="eps",
                   weights="weight, bias, running_mean, running_var"):
    return (_BN_FROM_TORCH.replace("MOMENTUM", momentum).replace("EPSILON", epsilon)
            .replace("WEIGHTS", weights))


_BN_LENET = '''
def build_bn_lenet(input_shape, num_classes):
    def bn_sigmoid(x):
        BN_SIGMOID

    inputs = keras.Input(shape=input_shape)
    x = inputs
    for channels in (6, 16):
        x = bn_sigmoid(keras.layers.Conv2D(channels, 5, padding=PADDING)(x))
        x = keras.layers.AveragePooling2D(2, strides=2)(x)
    x = keras.layers.Flatten()(x)
    for units in (120, 84):
        x = bn_sigmoid(keras.layers.Dense(units)(x))
    return keras.Model(inputs, keras.layers.Dense(num_classes)(x))
'''
_BN_THEN_SIGMOID = ("x = keras.layers.BatchNormalization(momentum=MOMENTUM, epsilon=1e-5)(x)\n"
                    "        return keras.layers.Activation('sigmoid')(x)")


def _bn_lenet(bn_sigmoid=_BN_THEN_SIGMOID, momentum="0.9", padding='"valid"'):
    return (_BN_LENET.replace("BN_SIGMOID", bn_sigmoid).replace("MOMENTUM", momentum)
            .replace("PADDING", padding))


_PREACT = '''
def build_preact_residual(input_shape, channels, strides):
    inputs = keras.Input(shape=input_shape)
    RESIDUAL
    shortcut = inputs
    if PROJECT:
        shortcut = keras.layers.Conv2D(channels, 1, strides=strides)(inputs)
    return keras.Model(inputs, OUTPUT)
'''
_PREACT_PATH = '''y = keras.layers.ReLU()(keras.layers.BatchNormalization()(inputs))
    y = keras.layers.Conv2D(channels, 3, strides=strides, padding="same")(y)
    y = keras.layers.ReLU()(keras.layers.BatchNormalization()(y))
    y = keras.layers.Conv2D(channels, 3, padding="same")(y)'''
_POSTACT_PATH = '''y = keras.layers.Conv2D(channels, 3, strides=strides, padding="same")(inputs)
    y = keras.layers.ReLU()(keras.layers.BatchNormalization()(y))
    y = keras.layers.Conv2D(channels, 3, padding="same")(y)
    y = keras.layers.BatchNormalization()(y)'''


def _preact(project="strides != 1 or input_shape[-1] != channels", residual=_PREACT_PATH,
            output="keras.layers.Add()([y, shortcut])"):
    return (_PREACT.replace("PROJECT", project).replace("RESIDUAL", residual)
            .replace("OUTPUT", output))


_GROUPED = '''
def grouped_conv2d(x, kernel, bias, groups):
    x = ops.convert_to_tensor(x, dtype="float32")
    kernel = ops.convert_to_tensor(kernel, dtype="float32")
    per_in, per_out = x.shape[-1] // groups, kernel.shape[-1] // groups
    outputs = [ops.conv(INPUT_GROUP, kernel[..., g * per_out:(g + 1) * per_out]) for g in range(groups)]
    return ops.concatenate(outputs, axis=-1) + BIAS


def grouped_conv_param_count(c_in, c_out, kh, kw, groups):
    CHECK
    return COUNT
'''
_GROUPED_CHECK = '''if groups < 1 or c_in % groups or c_out % groups:
        raise ValueError("groups must divide both channel counts")'''


def _grouped(input_group="x[..., g * per_in:(g + 1) * per_in]",
             bias='ops.convert_to_tensor(bias, dtype="float32")', check=_GROUPED_CHECK,
             count="kh * kw * (c_in // groups) * c_out + c_out"):
    return (_GROUPED.replace("INPUT_GROUP", input_group).replace("BIAS", bias)
            .replace("CHECK", check).replace("COUNT", count))


_DENSE = '''
def build_dense_block_b(input_shape, num_convs, growth_rate):
    def bn_relu(x):
        return keras.layers.ReLU()(keras.layers.BatchNormalization()(x))

    inputs = keras.Input(shape=input_shape)
    x = inputs
    for _ in range(num_convs):
        UNIT
        x = keras.layers.Concatenate()(JOIN)
    return keras.Model(inputs, x)


def build_transition(input_shape, compression):
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.ReLU()(keras.layers.BatchNormalization()(inputs))
    x = keras.layers.Conv2D(CHANNELS, 1)(x)
    return keras.Model(inputs, keras.layers.POOL(2, strides=2)(x))
'''
_DENSE_UNIT = '''y = keras.layers.Conv2D(4 * growth_rate, 1)(bn_relu(x))
        y = keras.layers.Conv2D(growth_rate, 3, padding="same")(bn_relu(y))'''


def _dense(unit=_DENSE_UNIT, join="[x, y]", channels="int(math.floor(compression * input_shape[-1]))",
           pool="AveragePooling2D"):
    return (_DENSE.replace("UNIT", unit).replace("JOIN", join).replace("CHANNELS", channels)
            .replace("POOL", pool))


_REGNET = '''
def regnet_widths(depth, w0, wa, wm, quantum=8):
    CHECK
    linear = w0 + wa * np.arange(depth)
    exponents = EXPONENTS
    widths = QUANTIZE
    return [int(w) for w in widths]


def regnet_stages(widths):
    STAGES
'''
_REGNET_CHECK = '''if depth < 1 or w0 <= 0 or wa < 0 or wm <= 1:
        raise ValueError("bad RegNet parameters")'''
_REGNET_STAGES = '''stages = []
    for width in widths:
        if stages and stages[-1][1] == width:
            stages[-1] = (stages[-1][0] + 1, width)
        else:
            stages.append((1, width))
    return stages'''


def _regnet(check=_REGNET_CHECK, exponents="np.round(np.log(linear / w0) / np.log(wm))",
            quantize="np.round(w0 * np.power(wm, exponents) / quantum) * quantum",
            stages=_REGNET_STAGES):
    return (_REGNET.replace("CHECK", check).replace("EXPONENTS", exponents)
            .replace("QUANTIZE", quantize).replace("STAGES", stages))


ALEXNET_CHECKS = ["alexnet_params_book_size", "alexnet_params_telling_sides"]
VGG_CHECKS = ["vgg_small", "vgg_random"]
NIN_CHECKS = ["nin_small", "nin_random"]
INCEPTION_CHECKS = ["inception_small", "inception_random"]
BN_TORCH_CHECKS = ["bn_torch_layout_fixed", "bn_torch_layout_random"]
BN_FROM_TORCH_CHECKS = ["bn_from_torch_defaults", "bn_from_torch_random"]
BN_LENET_CHECKS = ["bn_lenet_book_size", "bn_lenet_random"]
RESIDUAL_CHECKS = ["preact_residual_two_cases", "preact_residual_cases"]
GROUPED_CHECKS = ["grouped_conv_small", "grouped_conv_random"]
DENSE_CHECKS = ["dense_block_small", "dense_block_random"]
REGNET_CHECKS = ["regnet_200mf", "regnet_random"]

WRONG_ANSWERS = [
    # ------------------------------------------------------------ 8.1
    dict(exercise="ch08.alexnet_params", why="no padding on the first convolution (valid k11 s4)",
         rejected_by=ALEXNET_CHECKS, source=_alexnet(pad="0")),
    dict(exercise="ch08.alexnet_params", why="ceil pooling (torch's ceil_mode=True)",
         rejected_by=ALEXNET_CHECKS, source=_alexnet(pool="-((n - 3) // -2) + 1")),
    dict(exercise="ch08.alexnet_params", why="forgets the biases",
         rejected_by=ALEXNET_CHECKS, source=_alexnet(bias="0")),
    dict(exercise="ch08.alexnet_params", why="the ImageNet paper's 6x6x256 first dense input for every size",
         rejected_by=ALEXNET_CHECKS, source=_alexnet(flat="6")),
    # ------------------------------------------------------------ 8.2
    dict(exercise="ch08.vgg", why="a Sequential model, not the functional API",
         rejected_by=VGG_CHECKS, source='''
def build_vgg(arch, input_shape, num_classes, fc_units):
    model = keras.Sequential([keras.Input(shape=input_shape)])
    for num_convs, channels in arch:
        for _ in range(num_convs):
            model.add(keras.layers.Conv2D(channels, 3, padding="same", activation="relu"))
        model.add(keras.layers.MaxPooling2D(2, strides=2))
    model.add(keras.layers.Flatten())
    for _ in range(2):
        model.add(keras.layers.Dense(fc_units, activation="relu"))
        model.add(keras.layers.Dropout(0.5))
    model.add(keras.layers.Dense(num_classes))
    return model
'''),
    dict(exercise="ch08.vgg", why="pools after every convolution, not after every block",
         rejected_by=VGG_CHECKS, source=_vgg(block=_VGG_BLOCK.replace(
             "        x = keras.layers.MaxPooling2D", "            x = keras.layers.MaxPooling2D"))),
    dict(exercise="ch08.vgg", why="'valid' convolutions shrink the maps (torch's default padding 0)",
         rejected_by=VGG_CHECKS, source=_vgg(
             start="keras.layers.ZeroPadding2D(4)(inputs)",
             block=_VGG_BLOCK.replace('3, padding="same", activation', "3, activation"))),
    dict(exercise="ch08.vgg", why="no dropout in the head",
         rejected_by=VGG_CHECKS, source=_vgg(dropout="x")),
    # ------------------------------------------------------------ 8.3
    dict(exercise="ch08.nin", why="a Dense head after global average pooling",
         rejected_by=NIN_CHECKS,
         source=_nin(head="x = keras.layers.GlobalAveragePooling2D()(x)\n"
                          "    return keras.Model(inputs, keras.layers.Dense(num_classes)(x))")),
    dict(exercise="ch08.nin", why="'same' padding instead of torch's explicit padding",
         rejected_by=NIN_CHECKS, source=_nin(padding="pass", mode='"same"')),
    dict(exercise="ch08.nin", why="the 1x1 convolutions without ReLU",
         rejected_by=NIN_CHECKS, source=_nin(inner="None")),
    # ------------------------------------------------------------ 8.4
    dict(exercise="ch08.inception", why="keeps the 5x5 convolution (the first GoogLeNet block)",
         rejected_by=INCEPTION_CHECKS, source=_inception(path3="conv(c3[1], 5)(conv(c3[0], 1)(inputs))")),
    dict(exercise="ch08.inception", why="the pooling path without its 1x1 convolution",
         rejected_by=INCEPTION_CHECKS,
         source=_inception(path4="keras.layers.MaxPooling2D(3, strides=1, padding='same')(inputs)")),
    dict(exercise="ch08.inception", why="the 3x3 path without its 1x1 reduction",
         rejected_by=INCEPTION_CHECKS, source=_inception(path2="conv(c2[1], 3)(inputs)")),
    # ------------------------------------------------------------ 8.5
    dict(exercise="ch08.bn_torch_layout", why="Keras' momentum convention (weight of the old value)",
         rejected_by=BN_TORCH_CHECKS,
         source=_bn_torch(update="moving_mean = momentum * moving_mean + (1.0 - momentum) * mean\n"
                                 "        moving_var = momentum * moving_var + (1.0 - momentum) * var")),
    dict(exercise="ch08.bn_torch_layout", why="the unbiased variance (torch's running_var) in training",
         rejected_by=BN_TORCH_CHECKS, source=_bn_torch(variance="n / (n - 1)")),
    dict(exercise="ch08.bn_torch_layout", why="channels-last axes (0, 1, 2) on a channels-first batch",
         rejected_by=BN_TORCH_CHECKS, source=_bn_torch(axes="(0, 1, 2)")),
    dict(exercise="ch08.bn_torch_layout", why="ignores training and switches on torch.is_grad_enabled() "
         "as the notes do", rejected_by=BN_TORCH_CHECKS, source=_bn_torch(training="torch.is_grad_enabled()")),
    dict(exercise="ch08.bn_torch_layout", why="inference also normalizes with the batch statistics",
         rejected_by=BN_TORCH_CHECKS, source=_bn_torch(training="True", update=(
             "if training:\n            " + _BN_TORCH_UPDATE.replace("\n        ", "\n            ")))),
    dict(exercise="ch08.bn_torch_layout", why="training mode leaves the moving statistics unchanged",
         rejected_by=BN_TORCH_CHECKS, source=_bn_torch(update="pass")),
    dict(exercise="ch08.bn_from_torch", why="copies torch's momentum (0.1) into Keras",
         rejected_by=BN_FROM_TORCH_CHECKS, source=_bn_from_torch(momentum="momentum")),
    dict(exercise="ch08.bn_from_torch", why="keeps Keras' default epsilon 1e-3",
         rejected_by=BN_FROM_TORCH_CHECKS, source=_bn_from_torch(epsilon="1e-3")),
    dict(exercise="ch08.bn_from_torch", why="loads the running standard deviation as the variance",
         rejected_by=BN_FROM_TORCH_CHECKS,
         source=_bn_from_torch(weights="weight, bias, running_mean, np.sqrt(running_var)")),
    dict(exercise="ch08.bn_from_torch", why="loads the running statistics where gamma and beta go",
         rejected_by=BN_FROM_TORCH_CHECKS,
         source=_bn_from_torch(weights="running_mean, running_var, weight, bias")),
    dict(exercise="ch08.bn_lenet", why="a subclassed model, not the functional API",
         rejected_by=BN_LENET_CHECKS, source='''
class BNLeNet(keras.Model):
    def __init__(self, num_classes):
        super().__init__()
        self.blocks = []
        for channels in (6, 16):
            self.blocks += [keras.layers.Conv2D(channels, 5),
                            keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5),
                            keras.layers.Activation("sigmoid"), keras.layers.AveragePooling2D(2, strides=2)]
        self.blocks.append(keras.layers.Flatten())
        for units in (120, 84):
            self.blocks += [keras.layers.Dense(units),
                            keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5),
                            keras.layers.Activation("sigmoid")]
        self.blocks.append(keras.layers.Dense(num_classes))

    def call(self, x):
        for layer in self.blocks:
            x = layer(x)
        return x


def build_bn_lenet(input_shape, num_classes):
    model = BNLeNet(num_classes)
    model(np.zeros((1,) + tuple(input_shape), dtype="float32"))
    return model
'''),
    dict(exercise="ch08.bn_lenet", why="batch normalization after the sigmoid",
         rejected_by=BN_LENET_CHECKS,
         source=_bn_lenet(bn_sigmoid="x = keras.layers.Activation('sigmoid')(x)\n"
                                     "        return keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)(x)")),
    dict(exercise="ch08.bn_lenet", why="momentum 0.1 taken from torch",
         rejected_by=BN_LENET_CHECKS, source=_bn_lenet(momentum="0.1")),
    dict(exercise="ch08.bn_lenet", why="chapter 7's padded first convolution",
         rejected_by=BN_LENET_CHECKS, source=_bn_lenet(padding='"same" if channels == 6 else "valid"')),
    # ------------------------------------------------------------ 8.6
    dict(exercise="ch08.residual", why="no 1x1 shortcut when the shape changes",
         rejected_by=RESIDUAL_CHECKS, source=_preact(project="False")),
    dict(exercise="ch08.residual", why="a 1x1 shortcut only when the channels change, not for stride 2",
         rejected_by=["preact_residual_cases"], source=_preact(project="input_shape[-1] != channels")),
    dict(exercise="ch08.residual", why="always a 1x1 shortcut, also when the shape stays",
         rejected_by=RESIDUAL_CHECKS, source=_preact(project="True")),
    dict(exercise="ch08.residual", why="a ReLU after the addition (the first ResNet's block)",
         rejected_by=RESIDUAL_CHECKS, source=_preact(output="keras.layers.ReLU()(keras.layers.Add()([y, shortcut]))")),
    dict(exercise="ch08.residual", why="post-activation order conv-BN-ReLU",
         rejected_by=RESIDUAL_CHECKS, source=_preact(residual=_POSTACT_PATH)),
    dict(exercise="ch08.grouped_conv", why="takes every groups-th input channel (interleaved groups)",
         rejected_by=GROUPED_CHECKS, source=_grouped(input_group="x[..., g::groups]")),
    dict(exercise="ch08.grouped_conv", why="forgets the bias",
         rejected_by=GROUPED_CHECKS, source=_grouped(bias="0.0")),
    dict(exercise="ch08.grouped_conv", why="counts the weights of an ungrouped convolution",
         rejected_by=GROUPED_CHECKS, source=_grouped(count="kh * kw * c_in * c_out + c_out")),
    dict(exercise="ch08.grouped_conv", why="never raises ValueError",
         rejected_by=GROUPED_CHECKS, source=_grouped(check="pass")),
    dict(exercise="ch08.grouped_conv", why="NumPy code: right values but no gradient",
         rejected_by=["grouped_conv_random"], source='''
def grouped_conv2d(x, kernel, bias, groups):
    x, kernel, bias = (np.asarray(ops.convert_to_numpy(v), dtype=np.float64) for v in (x, kernel, bias))
    kh, kw, per_in, c_out = kernel.shape
    per_out = c_out // groups
    out = np.zeros((x.shape[0], x.shape[1] - kh + 1, x.shape[2] - kw + 1, c_out))
    for g in range(groups):
        for a in range(kh):
            for b in range(kw):
                window = x[:, a:a + out.shape[1], b:b + out.shape[2], g * per_in:(g + 1) * per_in]
                out[..., g * per_out:(g + 1) * per_out] += window @ kernel[a, b, :, g * per_out:(g + 1) * per_out]
    return out + bias
''' + _grouped().split("\n\n\n")[1]),
    # ------------------------------------------------------------ 8.7
    dict(exercise="ch08.dense_block", why="concatenates the new channels before the input",
         rejected_by=DENSE_CHECKS, source=_dense(join="[y, x]")),
    dict(exercise="ch08.dense_block", why="plain DenseNet units without the 1x1 bottleneck",
         rejected_by=DENSE_CHECKS,
         source=_dense(unit='y = keras.layers.Conv2D(growth_rate, 3, padding="same")(bn_relu(x))')),
    dict(exercise="ch08.dense_block", why="rounds the compressed channel count instead of flooring it",
         rejected_by=["dense_block_random"], source=_dense(channels="int(round(compression * input_shape[-1]))")),
    dict(exercise="ch08.dense_block", why="max-pooling in the transition",
         rejected_by=DENSE_CHECKS, source=_dense(pool="MaxPooling2D")),
    # ------------------------------------------------------------ 8.8
    dict(exercise="ch08.regnet_widths", why="quantizes by flooring, not rounding",
         rejected_by=REGNET_CHECKS,
         source=_regnet(quantize="np.floor(w0 * np.power(wm, exponents) / quantum) * quantum")),
    dict(exercise="ch08.regnet_widths", why="does not round the exponent (keeps the linear widths)",
         rejected_by=REGNET_CHECKS, source=_regnet(exponents="np.log(linear / w0) / np.log(wm)")),
    dict(exercise="ch08.regnet_widths", why="counts each width once overall, not per run",
         rejected_by=REGNET_CHECKS,
         source=_regnet(stages="counts = {}\n    for w in widths:\n        counts[w] = counts.get(w, 0) + 1\n"
                               "    return [(d, w) for w, d in counts.items()]")),
    dict(exercise="ch08.regnet_widths", why="never raises ValueError",
         rejected_by=REGNET_CHECKS, source=_regnet(check="pass")),
]
