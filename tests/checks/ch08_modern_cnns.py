"""Visible checks for chapter 8 (shipped to students).

Expected values are fixed literals for the cases the messages name: the
reference implementations that compute them would give the answers away,
so they live in the hidden module, which runs them on random inputs through
the ``expect_*`` helpers here.  Models arrive as ``ModelInfo`` descriptions
(layer classes, configs, weight shapes, counts, outputs).
"""

import numpy as np

from workbook.grading.expect import expect_int, expect_student_raises
from workbook.grading import (
    CheckFailed,
    Checks,
    expect_close,
    expect_equal,
    expect_functional,
    expect_model,
    expect_sequence,
    expect_true,
)

checks = Checks("ch08")


# ------------------------------------------------------------------ helpers


def expect_ints(value, length, what):
    items = expect_sequence(value, length, what)
    return [expect_int(v, f"{what}[{i}]") for i, v in enumerate(items)]


def expect_layer_classes(info, expected, what="the model's layers"):
    expect_equal(info.layer_classes(), list(expected), what)


def layers_of(info, keras_class):
    return info.layers_built_on(keras_class)


def config_value(layer, key):
    return layer["config"].get(key)


def as_tuple(value):
    return tuple(value) if isinstance(value, (list, tuple)) else (value, value)


def expect_conv(layer, kernel, strides=(1, 1), padding="valid", activation="relu", what="a Conv2D"):
    got = (as_tuple(config_value(layer, "kernel_size")), as_tuple(config_value(layer, "strides")),
           config_value(layer, "padding"), config_value(layer, "activation"))
    expected = (as_tuple(kernel), as_tuple(strides), padding, activation)
    if got != expected:
        raise CheckFailed(
            f"{what} has (kernel, strides, padding, activation) = {got}; expected {expected}"
        )


def expect_pools_and_dropout(info, pool):
    """Every MaxPooling2D is pool x pool with stride 2; every Dropout drops 0.5."""
    for layer in layers_of(info, "MaxPooling2D"):
        expect_equal((as_tuple(config_value(layer, "pool_size")), as_tuple(config_value(layer, "strides"))),
                     ((pool, pool), (2, 2)), f"the pool size and strides of {layer['name']}")
    for layer in layers_of(info, "Dropout"):
        expect_true(abs(config_value(layer, "rate") - 0.5) < 1e-9,
                    f"{layer['name']} has rate {config_value(layer, 'rate')}; expected 0.5")


def non_trainable(info):
    return info.count_params - info.trainable_count


# ------------------------------------------------------------ 8.1 AlexNet


# the per-layer counts at 224 and at 225 (where the padded first convolution gives 55x55)
ALEXNET_224 = [11712, 614656, 885120, 1327488, 884992, 26218496, 16781312, 40970]
ALEXNET_225 = ALEXNET_224[:5] + [37752832] + ALEXNET_224[6:]


def expect_alexnet_params(student, side, in_channels, num_classes, expected):
    call = f"alexnet_layer_params({side}, {in_channels}, {num_classes})"
    got = expect_ints(student.call("alexnet_layer_params", side, in_channels, num_classes), 8, call)
    expect_equal(got, expected, call)


@checks.visible(
    "ch08.alexnet_params",
    message="alexnet_layer_params(224) is [11712, 614656, 885120, 1327488, 884992, 26218496, "
    "16781312, 40970] (46,764,746 in all); at 225 the padded first convolution gives 55x55 "
    "and a 6x6x256 input to the first dense layer",
)
def alexnet_params_book_size(student, rng):
    got = expect_ints(student.call("alexnet_layer_params", 224), 8, "alexnet_layer_params(224)")
    expect_equal(got, ALEXNET_224, "alexnet_layer_params(224) with the default arguments")
    expect_alexnet_params(student, 224, 1, 10, ALEXNET_224)
    expect_alexnet_params(student, 225, 1, 10, ALEXNET_225)


# ---------------------------------------------------------------- 8.2 VGG


def expect_vgg(student, arch, input_shape, num_classes, fc_units, classes, count):
    """build_vgg(...) has these layer classes and this many parameters (and VGG's configs)."""
    call = f"build_vgg({arch}, {input_shape}, {num_classes}, {fc_units})"
    info = expect_functional(
        student.model("build_vgg", arch, input_shape, num_classes, fc_units), call)
    expect_layer_classes(info, classes, f"the layers of {call}")
    for layer in layers_of(info, "Conv2D"):
        expect_conv(layer, 3, padding="same", what=f"{layer['name']} in {call}")
    expect_pools_and_dropout(info, pool=2)
    expect_equal(info.count_params, count, f"the number of parameters of {call}")
    expect_equal(list(info.output_shape), [None, num_classes], f"the output shape of {call}")


@checks.visible(
    "ch08.vgg",
    message="build_vgg(((1, 4), (2, 8)), (16, 16, 1), 10, 32) is a functional model with layers "
    "Conv2D, MaxPooling2D, Conv2D, Conv2D, MaxPooling2D, Flatten, Dense, Dropout, Dense, Dropout, "
    "Dense (3x3 'same' ReLU convolutions, 2x2 pooling, dropout 0.5) and 6,434 parameters",
)
def vgg_small(student, rng):
    classes = ["InputLayer", "Conv2D", "MaxPooling2D", "Conv2D", "Conv2D", "MaxPooling2D", "Flatten",
               "Dense", "Dropout", "Dense", "Dropout", "Dense"]
    expect_vgg(student, ((1, 4), (2, 8)), (16, 16, 1), 10, 32, classes, 6434)


# ---------------------------------------------------------------- 8.3 NiN

NIN_SETTINGS = ((11, 4, 0), (5, 1, 2), (3, 1, 1))


def expect_nin(student, input_shape, widths, num_classes, classes, count):
    """build_nin(...) has these layer classes and this many parameters (and NiN's configs)."""
    call = f"build_nin({input_shape}, {widths}, {num_classes})"
    info = expect_functional(student.model("build_nin", input_shape, widths, num_classes), call)
    expect_true(not layers_of(info, "Dense"), f"{call} has a Dense layer; NiN has none")
    expect_layer_classes(info, classes, f"the layers of {call}")
    convs = layers_of(info, "Conv2D")
    blocks = list(NIN_SETTINGS) + [(3, 1, 1)]
    for b, (kernel, stride, _) in enumerate(blocks):
        expect_conv(convs[3 * b], kernel, (stride, stride), what=f"the first Conv2D of block {b + 1}")
        for j in (1, 2):
            expect_conv(convs[3 * b + j], 1, what=f"1x1 Conv2D number {j} of block {b + 1}")
    expect_pools_and_dropout(info, pool=3)
    paddings = [config_value(layer, "padding") for layer in layers_of(info, "ZeroPadding2D")]
    expect_equal(paddings, [[[2, 2], [2, 2]], [[1, 1], [1, 1]], [[1, 1], [1, 1]]],
                 "the ZeroPadding2D paddings")
    expect_equal(info.count_params, count, f"the number of parameters of {call}")
    expect_equal(list(info.output_shape), [None, num_classes], f"the output shape of {call}")


@checks.visible(
    "ch08.nin",
    message="build_nin((96, 96, 1), (8, 12, 16), 10) is functional, has no Dense layer, pads with "
    "ZeroPadding2D(2), (1), (1) before 'valid' convolutions (11/4, 5/1, 3/1, 3/1), uses ReLU "
    "everywhere, max-pools 3/2, drops out 0.5 and ends in GlobalAveragePooling2D with 10 outputs",
)
def nin_small(student, rng):
    block = ["Conv2D"] * 3
    classes = (["InputLayer"] + block + ["MaxPooling2D", "ZeroPadding2D"] + block
               + ["MaxPooling2D", "ZeroPadding2D"] + block + ["MaxPooling2D", "Dropout", "ZeroPadding2D"]
               + block + ["GlobalAveragePooling2D"])
    expect_nin(student, (96, 96, 1), (8, 12, 16), 10, classes, 7802)


# ---------------------------------------------------------- 8.4 Inception


def expect_inception(student, input_shape, c1, c2, c3, c4, count):
    call = f"build_inception_v3({input_shape}, {c1}, {c2}, {c3}, {c4})"
    info = expect_functional(student.model("build_inception_v3", input_shape, c1, c2, c3, c4), call)
    expect_equal(list(info.output_shape), [None, input_shape[0], input_shape[1], c1 + c2[1] + c3[1] + c4],
                 f"the output shape of {call}")
    expect_equal(info.count_params, count, f"the number of parameters of {call}")
    convs = layers_of(info, "Conv2D")
    kernels = sorted(as_tuple(config_value(layer, "kernel_size")) for layer in convs)
    expect_equal(kernels, [(1, 1)] * 4 + [(3, 3)] * 3, "the kernel sizes of the convolutions")
    for layer in convs:
        expect_equal(config_value(layer, "activation"), "relu", f"the activation of {layer['name']}")
        if as_tuple(config_value(layer, "kernel_size")) == (3, 3):
            expect_equal(config_value(layer, "padding"), "same", f"the padding of {layer['name']}")
    pools = layers_of(info, "MaxPooling2D")
    expect_equal([(as_tuple(config_value(p, "pool_size")), as_tuple(config_value(p, "strides")),
                   config_value(p, "padding")) for p in pools], [((3, 3), (1, 1), "same")],
                 "the max-pooling path (pool 3, stride 1, 'same')")
    expect_equal(len(layers_of(info, "Concatenate")), 1, "the number of Concatenate layers")


@checks.visible(
    "ch08.inception",
    message="build_inception_v3((8, 8, 16), 4, (6, 8), (2, 4), 5) is functional with output "
    "(None, 8, 8, 21) and 953 parameters: four 1x1 and three 3x3 'same' ReLU convolutions, "
    "one 3x3 stride-1 'same' max-pooling and one Concatenate",
)
def inception_small(student, rng):
    expect_inception(student, (8, 8, 16), 4, (6, 8), (2, 4), 5, 953)


# ------------------------------------------------------ 8.5 batch norm


def expect_bn_case(student, X, gamma, beta, moving_mean, moving_var, eps, momentum, training, what,
                   expected):
    """batch_norm_torch_layout(...) returns expected = (Y, new moving_mean, new moving_var)."""
    got = expect_sequence(
        student.call("batch_norm_torch_layout", X, gamma, beta, moving_mean, moving_var,
                     eps, momentum, training), 3, what)
    for value, reference, name in zip(got, expected, ("Y", "the new moving_mean", "the new moving_var")):
        expect_close(value, reference, rtol=1e-4, atol=1e-5, what=f"{name} {what}")


def per_channel(*values, four_d):
    """A per-channel vector in the layout batch_norm_torch_layout takes it."""
    return np.array(values).reshape((1, -1, 1, 1) if four_d else (1, -1))


# (X, (gamma, beta, moving_mean, moving_var), {training: (Y, new moving_mean, new moving_var)})
# with eps 1e-5 and torch momentum 0.1
BN_CASES = [
    (np.array([[[[1.0, 4.0]], [[0.0, 2.0]]], [[[3.0, 8.0]], [[-2.0, 6.0]]]]),
     tuple(per_channel(*v, four_d=True) for v in ((1.5, 0.5), (0.25, -1.0), (0.5, -0.5), (2.0, 1.0))),
     {True: (np.array([[[[-1.515044, 0.25]], [[-1.253546, -0.915485]]],
                       [[[-0.338348, 2.603392]], [[-1.591608, -0.239362]]]]),
             per_channel(0.85, -0.3, four_d=True), per_channel(2.45, 1.775, four_d=True)),
      False: (np.array([[[[0.780329, 3.962301]], [[-0.750001, 0.249994]]],
                        [[[2.901644, 8.204931]], [[-1.749996, 2.249984]]]]),
              per_channel(0.5, -0.5, four_d=True), per_channel(2.0, 1.0, four_d=True))}),
    (np.array([[1.0, -2.0], [2.0, 0.0], [6.0, 5.0]]),
     tuple(per_channel(*v, four_d=False) for v in ((2.0, 0.5), (0.0, 1.0), (1.0, 0.0), (4.0, 0.5))),
     {True: (np.array([[-1.851638, 0.490476], [-0.925819, 0.830159], [2.777457, 1.679366]]),
             per_channel(1.2, 0.1, four_d=False), per_channel(4.066667, 1.316667, four_d=False)),
      False: (np.array([[0.0, -0.414199], [0.999999, 1.0], [4.999994, 4.535499]]),
              per_channel(1.0, 0.0, four_d=False), per_channel(4.0, 0.5, four_d=False))}),
]


@checks.visible(
    "ch08.bn_torch_layout",
    message="batch_norm_torch_layout on a (2, 2, 1, 2) batch and a (3, 2) batch: training mode "
    "normalizes per channel (per feature) with the batch mean and biased variance and returns "
    "(1 - momentum) * moving + momentum * batch statistic; inference mode uses the moving "
    "statistics and returns them unchanged",
)
def bn_torch_layout_fixed(student, rng):
    for X, state, expected in BN_CASES:
        for training in (True, False):
            expect_bn_case(student, X, *state, 1e-5, 0.1, training,
                           f"for X of shape {X.shape}, training={training}", expected[training])


# ------------------------------------------------- 8.5 torch BN in Keras


def expect_bn_from_torch(student, x, weight, bias, running_mean, running_var, momentum, eps, expected):
    """keras_bn_from_torch(...) is one BatchNormalization whose inference output on x is expected."""
    what = f"keras_bn_from_torch(..., momentum={momentum:.3g}, eps={eps:.3g})"
    info = expect_model(student.model("keras_bn_from_torch", weight, bias, running_mean,
                                      running_var, momentum, eps, inputs=x), what)
    layers = info.layers_built_on("BatchNormalization")
    expect_true(len(layers) == 1, f"{what} should return one keras.layers.BatchNormalization layer")
    config = layers[0]["config"]
    expect_close(config.get("momentum"), 1.0 - momentum, rtol=1e-6, atol=1e-9,
                 what=f"the Keras momentum of {what} (Keras weighs the old value)")
    expect_close(config.get("epsilon"), eps, rtol=1e-6, atol=1e-12, what=f"the epsilon of {what}")
    expect_close(info.outputs, expected, rtol=1e-4, atol=1e-4, what=f"the inference output of {what}")


@checks.visible(
    "ch08.bn_from_torch",
    message="keras_bn_from_torch(weight, bias, running_mean, running_var, 0.1, 1e-5) is a built "
    "BatchNormalization with momentum 0.9 and epsilon 1e-5 whose inference output is "
    "weight * (x - running_mean) / sqrt(running_var + eps) + bias",
)
def bn_from_torch_defaults(student, rng):
    weight, bias = np.array([1.5, 0.5, 2.0]), np.array([0.1, -0.2, 0.3])
    running_mean, running_var = np.array([0.5, -1.0, 2.0]), np.array([4.0, 1e-4, 0.25])
    x = np.array([[[[1.0, 0.0, 2.0], [-1.0, 3.0, 0.5]]]])
    expected = np.array([[[[0.475, 47.473129, 0.3], [-1.024999, 190.492518, -5.69988]]]])
    expect_bn_from_torch(student, x, weight, bias, running_mean, running_var, 0.1, 1e-5, expected)


# ------------------------------------------------------------ 8.5 BN-LeNet

BN_LENET_CLASSES = (
    ["InputLayer"] + ["Conv2D", "BatchNormalization", "Activation", "AveragePooling2D"] * 2
    + ["Flatten"] + ["Dense", "BatchNormalization", "Activation"] * 2 + ["Dense"]
)


def expect_bn_lenet(student, input_shape, num_classes, total, moving):
    """build_bn_lenet(...) is BN-LeNet with total parameters, moving of them non-trainable."""
    call = f"build_bn_lenet({input_shape}, {num_classes})"
    info = expect_functional(student.model("build_bn_lenet", input_shape, num_classes), call)
    expect_layer_classes(info, BN_LENET_CLASSES, f"the layers of {call}")
    for layer in layers_of(info, "Conv2D"):
        expect_conv(layer, 5, activation="linear", what=f"{layer['name']} (BN comes before the sigmoid)")
    for layer in layers_of(info, "Dense"):
        expect_equal(config_value(layer, "activation"), "linear", f"the activation of {layer['name']}")
    for layer in layers_of(info, "Activation"):
        expect_equal(config_value(layer, "activation"), "sigmoid", f"the activation of {layer['name']}")
    for layer in layers_of(info, "BatchNormalization"):
        got = (config_value(layer, "momentum"), config_value(layer, "epsilon"))
        expect_true(np.allclose(got, (0.9, 1e-5), rtol=1e-6, atol=0),
                    f"{layer['name']} has (momentum, epsilon) = {got}; expected (0.9, 1e-05): "
                    "torch's momentum 0.1 is Keras' 0.9")
    expect_equal(info.count_params, total, f"the number of parameters of {call}")
    expect_equal(non_trainable(info), moving, f"the non-trainable parameters of {call}")


@checks.visible(
    "ch08.bn_lenet",
    message="build_bn_lenet((28, 28, 1), 10) is functional with layers (Conv2D 5x5 valid, "
    "BatchNormalization(0.9, 1e-5), Activation sigmoid, AveragePooling2D) x 2, Flatten, "
    "(Dense, BatchNormalization, Activation) x 2, Dense: 45,330 parameters, 452 non-trainable",
)
def bn_lenet_book_size(student, rng):
    expect_bn_lenet(student, (28, 28, 1), 10, 45330, 452)


# ---------------------------------------------------------- 8.6 residual


def preact_weights(info, rng):
    """Weights for the block: every 3x3 kernel and its bias zero (so the residual path is 0),
    BN at its defaults, the 1x1 shortcut (if any) random. Returns (weights, shortcut or None)."""
    weights, shortcut = [], None
    for layer in info.layers:
        shapes = [tuple(s) for s in layer["weight_shapes"]]
        if layer["class_name"] == "Conv2D" and shapes and shapes[0][:2] == (1, 1):
            shortcut = (rng.normal(0, 0.5, shapes[0]), rng.normal(0, 0.1, shapes[1]))
            weights += list(shortcut)
        elif layer["class_name"] == "BatchNormalization":
            c = shapes[0][0]
            weights += [np.ones(c), np.zeros(c), np.zeros(c), np.ones(c)]
        else:
            weights += [np.zeros(s) for s in shapes]
    return weights, shortcut


def expect_preact_residual(student, rng, input_shape, channels, strides, count, project):
    """build_preact_residual(...) has count parameters (with a 1x1 shortcut if project) and,
    with zero 3x3 kernels, outputs its shortcut alone."""
    call = f"build_preact_residual({input_shape}, {channels}, {strides})"
    info = expect_functional(student.model("build_preact_residual", input_shape, channels, strides), call)
    expect_equal(info.count_params, count,
                 f"the number of parameters of {call} (a 1x1 shortcut {'is' if project else 'is not'} "
                 "needed)")
    x = rng.normal(size=(2,) + tuple(input_shape))
    weights, shortcut = preact_weights(info, rng)
    result = expect_functional(student.model("build_preact_residual", input_shape, channels, strides,
                                             inputs=x, set_weights=weights), call)
    strided = x[:, ::strides, ::strides, :]
    expected = strided if shortcut is None else strided @ shortcut[0][0, 0] + shortcut[1]
    expect_close(result.outputs, expected, rtol=1e-4, atol=1e-4,
                 what=f"the output of {call} with zero 3x3 kernels (it should be the shortcut alone, "
                 "with no ReLU after the addition)")


@checks.visible(
    "ch08.residual",
    message="build_preact_residual((6, 6, 3), 3, 1) has no 1x1 shortcut and, with zero 3x3 "
    "kernels, returns its input unchanged; build_preact_residual((6, 6, 3), 6, 2) adds a "
    "strided Conv2D(6, 1, strides=2) shortcut and returns x[:, ::2, ::2] @ W + b",
)
def preact_residual_two_cases(student, rng):
    expect_preact_residual(student, rng, (6, 6, 3), 3, 1, 192, project=False)
    expect_preact_residual(student, rng, (6, 6, 3), 6, 2, 558, project=True)


# ------------------------------------------------------ 8.6 grouped conv


def expect_grouped_conv(student, x, kernel, bias, groups, expected):
    what = f"grouped_conv2d on x {x.shape}, kernel {kernel.shape}, groups={groups}"
    expect_close(student.call("grouped_conv2d", x, kernel, bias, groups), expected,
                 rtol=1e-4, atol=1e-4, what=what)


# grouped_conv2d of np.random.default_rng(4)'s x (1, 4, 4, 4) and kernel (3, 3, 2, 4), groups 2
GROUPED_SMALL = np.array([[[[10.01279, -3.663858, -1.188483, -2.398776],
                            [8.088093, -1.922424, -4.965388, -11.815812]],
                           [[-0.070941, 0.723029, 1.749229, -1.075876],
                            [3.155079, 0.854285, 1.639554, 0.821672]]]])


@checks.visible(
    "ch08.grouped_conv",
    message="grouped_conv2d(x, kernel, bias, 2) with x (1, 4, 4, 4) and kernel (3, 3, 2, 4) "
    "convolves input channels 0-1 into output channels 0-1 and 2-3 into 2-3, plus the bias; "
    "grouped_conv_param_count(4, 4, 3, 3, 2) is 76 and groups=3 raises ValueError",
)
def grouped_conv_small(student, rng):
    fixed = np.random.default_rng(4)
    x, kernel = fixed.normal(size=(1, 4, 4, 4)), fixed.normal(size=(3, 3, 2, 4))
    expect_grouped_conv(student, x, kernel, np.array([0.5, -0.5, 1.0, 0.0]), 2, GROUPED_SMALL)
    count = expect_int(student.call("grouped_conv_param_count", 4, 4, 3, 3, 2),
                       "grouped_conv_param_count(4, 4, 3, 3, 2)")
    expect_equal(count, 76, "grouped_conv_param_count(4, 4, 3, 3, 2)")
    expect_student_value_error(student, "grouped_conv_param_count", 4, 4, 3, 3, 3)


# ---------------------------------------------------------- 8.7 DenseNet


def expect_dense_block_b(student, rng, input_shape, num_convs, growth_rate, count, channels):
    """build_dense_block_b(...) outputs channels channels, has count parameters and keeps its input."""
    call = f"build_dense_block_b({input_shape}, {num_convs}, {growth_rate})"
    x = rng.normal(size=(2,) + tuple(input_shape))
    info = expect_functional(student.model("build_dense_block_b", input_shape, num_convs, growth_rate,
                                           inputs=x), call)
    expect_equal(list(info.output_shape), [None, *input_shape[:2], channels], f"the output shape of {call}")
    expect_equal(info.count_params, count, f"the number of parameters of {call} (bottleneck units)")
    relus = len(layers_of(info, "ReLU")) + sum(
        1 for layer in layers_of(info, "Activation") if config_value(layer, "activation") == "relu")
    expect_equal(relus, 2 * num_convs, f"the number of ReLU layers of {call} (two per unit)")
    expect_close(np.asarray(info.outputs)[..., :input_shape[-1]], x, rtol=1e-5, atol=1e-5,
                 what=f"the first {input_shape[-1]} output channels of {call} (the block's input, "
                 "concatenated first)")


def expect_transition(student, input_shape, compression, c_out, count):
    """build_transition(...) outputs c_out channels at half the size and has count parameters."""
    call = f"build_transition({input_shape}, {compression})"
    info = expect_functional(student.model("build_transition", input_shape, compression), call)
    expect_equal(list(info.output_shape), [None, input_shape[0] // 2, input_shape[1] // 2, c_out],
                 f"the output shape of {call}")
    expect_equal(info.count_params, count, f"the number of parameters of {call}")
    expect_true(bool(layers_of(info, "AveragePooling2D")), f"{call} should end in AveragePooling2D")
    return info


@checks.visible(
    "ch08.dense_block",
    message="build_dense_block_b((8, 8, 3), 2, 4) outputs (None, 8, 8, 11) with 1,520 parameters "
    "and its first 3 channels equal the input; build_transition((8, 8, 10), 0.5) outputs "
    "(None, 4, 4, 5) with 95 parameters",
)
def dense_block_small(student, rng):
    expect_dense_block_b(student, rng, (8, 8, 3), 2, 4, 1520, 11)
    expect_transition(student, (8, 8, 10), 0.5, 5, 95)


# -------------------------------------------------------- 8.8 RegNet


REGNETX_200MF = [24, 56] + [152] * 4 + [368] * 7


def expect_regnet(student, depth, w0, wa, wm, quantum, expected):
    call = f"regnet_widths({depth}, {w0}, {wa}, {wm}, {quantum})"
    got = expect_ints(student.call("regnet_widths", depth, w0, wa, wm, quantum), depth, call)
    expect_equal(got, expected, call)


def expect_stages(student, widths, expected):
    call = f"regnet_stages({widths})"
    got = expect_sequence(student.call("regnet_stages", widths), len(expected), call)
    got = [tuple(expect_ints(s, 2, f"{call}[{i}]")) for i, s in enumerate(got)]
    expect_equal(got, expected, call)


@checks.visible(
    "ch08.regnet_widths",
    message="regnet_widths(13, 24, 36.44, 2.49) (RegNetX-200MF) is [24, 56, 152 x 4, 368 x 7], "
    "regnet_stages of it is [(1, 24), (1, 56), (4, 152), (7, 368)], regnet_stages([16, 16, 32, 16]) "
    "is [(2, 16), (1, 32), (1, 16)], and wm = 1 raises ValueError",
)
def regnet_200mf(student, rng):
    expect_regnet(student, 13, 24, 36.44, 2.49, 8, REGNETX_200MF)
    got = expect_ints(student.call("regnet_widths", 13, 24, 36.44, 2.49), 13, "regnet_widths(13, 24, 36.44, 2.49)")
    expect_equal(got, REGNETX_200MF, "regnet_widths with the default quantum 8")
    expect_stages(student, REGNETX_200MF, [(1, 24), (1, 56), (4, 152), (7, 368)])
    expect_stages(student, [16, 16, 32, 16], [(2, 16), (1, 32), (1, 16)])
    expect_student_value_error(student, "regnet_widths", 4, 16, 8.0, 1.0, 8)


def expect_student_value_error(student, name, *args):
    """The student's function raises ValueError for these arguments."""
    expect_student_raises(student, "ValueError", name, *args)
