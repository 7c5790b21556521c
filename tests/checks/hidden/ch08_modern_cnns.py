"""Hidden checks for chapter 8 (instructors only).

Each check first runs the telling cases by name (non-square inputs, one
channel and several, sizes where torch's padding or floor pooling matters,
shape-changing and shape-keeping residual blocks, training and inference
for BN), then random draws from ``rng`` on top.  The reference
implementations live here, not in the visible module, because they are the
answers; each check also runs its reference on the visible check's case, so a
wrong literal there shows up as a hidden-check failure on the solutions.
"""

import itertools

import numpy as np

from visible_checks import (
    ALEXNET_224,
    ALEXNET_225,
    BN_CASES,
    GROUPED_SMALL,
    NIN_SETTINGS,
    REGNETX_200MF,
    expect_alexnet_params,
    expect_bn_case,
    expect_bn_from_torch,
    expect_bn_lenet,
    expect_dense_block_b,
    expect_grouped_conv,
    expect_inception,
    expect_int,
    expect_nin,
    expect_preact_residual,
    expect_regnet,
    expect_stages,
    expect_student_value_error,
    expect_transition,
    expect_vgg,
)
from workbook.grading import Checks, expect_close, expect_equal, expect_functional, tensor
from workbook.grading.expect import expect_gradient

checks = Checks("ch08")


# --------------------------------------------------------------- references


def conv_out(n, kernel, stride=1, padding=0):
    """Output length of a convolution or pooling with torch-style padding (floor)."""
    return (n + 2 * padding - kernel) // stride + 1


def conv_params(kernel, c_in, c_out, groups=1):
    kh, kw = (kernel, kernel) if np.isscalar(kernel) else kernel
    return kh * kw * (c_in // groups) * c_out + c_out


def expect_reference(got, expected, what):
    """The reference agrees with the visible check's literal (a guard on the literals)."""
    expect_close(np.asarray(got, dtype=float), np.asarray(expected, dtype=float), rtol=1e-6, atol=1e-6,
                 what=f"the reference for {what} (the visible literal is stale)")


# ------------------------------------------------------------ 8.1 AlexNet


def alexnet_expected(side, in_channels=1, num_classes=10):
    n = conv_out(side, 11, 4, 1)
    for _ in range(3):
        n = conv_out(n, 3, 2)
    return [conv_params(11, in_channels, 96), conv_params(5, 96, 256), conv_params(3, 256, 384),
            conv_params(3, 384, 384), conv_params(3, 384, 256), n * n * 256 * 4096 + 4096,
            4096 * 4096 + 4096, 4096 * num_classes + num_classes]


@checks.hidden(
    "ch08.alexnet_params",
    message="alexnet_layer_params for sides where torch's padding 1 on the first convolution "
    "or floor pooling changes the first dense layer, for 3 input channels and other class "
    "counts, and for random sides",
)
def alexnet_params_telling_sides(student, rng):
    # 225 and 226: padding 1 gives one more row than no padding; 224 and 232: an even map
    # after the first convolution, where ceil pooling would keep one more row
    cases = [(225, 1, 10), (226, 3, 10), (232, 1, 7), (67, 3, 2)]
    cases += [(int(rng.integers(65, 320)), int(rng.choice([1, 3])), int(rng.integers(2, 1000)))
              for _ in range(3)]
    expect_reference(alexnet_expected(224), ALEXNET_224, "alexnet_layer_params(224)")
    expect_reference(alexnet_expected(225), ALEXNET_225, "alexnet_layer_params(225)")
    expect_equal(sum(ALEXNET_224), 46764746, "the visible check's total")
    for side, channels, classes in cases:
        expect_alexnet_params(student, side, channels, classes,
                              alexnet_expected(side, channels, classes))


# ---------------------------------------------------------------- 8.2 VGG


def vgg_expected(arch, input_shape, num_classes, fc_units):
    """(layer classes, parameter count) of the VGG of exercise 8.2."""
    height, width, channels = input_shape
    classes, count = ["InputLayer"], 0
    for num_convs, c in arch:
        classes += ["Conv2D"] * num_convs + ["MaxPooling2D"]
        for _ in range(num_convs):
            count += conv_params(3, channels, c)
            channels = c
        height, width = height // 2, width // 2
    classes += ["Flatten", "Dense", "Dropout", "Dense", "Dropout", "Dense"]
    flat = height * width * channels
    count += flat * fc_units + fc_units + fc_units * fc_units + fc_units
    count += fc_units * num_classes + num_classes
    return classes, count


@checks.hidden(
    "ch08.vgg",
    message="build_vgg for random architectures on non-square inputs with 1 or 3 channels, sizes "
    "that do not halve evenly, and other head widths: layer order, configs and parameter counts",
)
def vgg_random(student, rng):
    cases = [(((1, 3), (1, 5), (2, 4)), (20, 36, 3), 7, 16),   # non-square, odd after halving
             (((2, 2),), (9, 9, 1), 3, 8)]                      # 9 // 2 = 4
    for _ in range(2):
        arch = tuple((int(rng.integers(1, 3)), int(rng.integers(2, 9))) for _ in range(int(rng.integers(1, 4))))
        shape = (int(rng.integers(8, 25)), int(rng.integers(8, 25)), int(rng.choice([1, 3])))
        cases.append((arch, shape, int(rng.integers(2, 12)), int(rng.integers(4, 33))))
    expect_equal(vgg_expected(((1, 4), (2, 8)), (16, 16, 1), 10, 32)[1], 6434, "the visible check's count")
    for arch, shape, classes, fc in cases:
        expect_vgg(student, arch, shape, classes, fc, *vgg_expected(arch, shape, classes, fc))


# ---------------------------------------------------------------- 8.3 NiN


def nin_expected(input_shape, widths, num_classes):
    classes, count, channels = ["InputLayer"], 0, input_shape[-1]
    blocks = list(zip(widths, NIN_SETTINGS)) + [(num_classes, (3, 1, 1))]
    for i, (c, (kernel, _, padding)) in enumerate(blocks):
        if i == 3:
            classes.append("Dropout")
        classes += (["ZeroPadding2D"] if padding else []) + ["Conv2D"] * 3
        classes.append("MaxPooling2D" if i < 3 else "GlobalAveragePooling2D")
        count += conv_params(kernel, channels, c) + 2 * conv_params(1, c, c)
        channels = c
    return classes, count


@checks.hidden(
    "ch08.nin",
    message="build_nin for random widths, 1 or 3 input channels, non-square inputs and other class "
    "counts: the block structure, torch-style paddings, no Dense layer and the parameter count",
)
def nin_random(student, rng):
    cases = [((100, 120, 3), (5, 7, 9), 4)]
    for _ in range(2):
        widths = tuple(int(w) for w in rng.integers(2, 12, size=3))
        shape = (int(rng.integers(96, 130)), int(rng.integers(96, 130)), int(rng.choice([1, 3])))
        cases.append((shape, widths, int(rng.integers(2, 12))))
    expect_equal(nin_expected((96, 96, 1), (8, 12, 16), 10)[1], 7802, "the visible check's count")
    for shape, widths, classes in cases:
        expect_nin(student, shape, widths, classes, *nin_expected(shape, widths, classes))


# ---------------------------------------------------------- 8.4 Inception


def inception_v3_expected(c_in, c1, c2, c3, c4):
    return (conv_params(1, c_in, c1) + conv_params(1, c_in, c2[0]) + conv_params(3, c2[0], c2[1])
            + conv_params(1, c_in, c3[0]) + conv_params(3, c3[0], c3[1]) + conv_params(3, c3[1], c3[1])
            + conv_params(1, c_in, c4))


@checks.hidden(
    "ch08.inception",
    message="build_inception_v3 for random path widths (all different) on non-square inputs "
    "with 1 or several channels: output channels, parameter count and the layer configs",
)
def inception_random(student, rng):
    cases = [((5, 7, 1), 2, (3, 4), (5, 6), 7)]
    for _ in range(2):
        c = [int(v) for v in rng.choice(np.arange(1, 20), size=7, replace=False)]
        shape = (int(rng.integers(3, 10)), int(rng.integers(3, 10)), int(rng.integers(1, 12)))
        cases.append((shape, c[0], (c[1], c[2]), (c[3], c[4]), c[5]))
    expect_equal(inception_v3_expected(16, 4, (6, 8), (2, 4), 5), 953, "the visible check's count")
    for shape, c1, c2, c3, c4 in cases:
        expect_inception(student, shape, c1, c2, c3, c4, inception_v3_expected(shape[-1], c1, c2, c3, c4))


# ------------------------------------------------------ 8.5 batch norm


def bn_reference(X, gamma, beta, moving_mean, moving_var, eps, momentum, training):
    """D2L's batch_norm in numpy: channels first, torch momentum, biased variance."""
    if not training:
        return gamma * (X - moving_mean) / np.sqrt(moving_var + eps) + beta, moving_mean, moving_var
    axes = (0,) if X.ndim == 2 else (0, 2, 3)
    mean = X.mean(axis=axes, keepdims=True)
    var = ((X - mean) ** 2).mean(axis=axes, keepdims=True)
    Y = gamma * (X - mean) / np.sqrt(var + eps) + beta
    return (Y, (1 - momentum) * moving_mean + momentum * mean,
            (1 - momentum) * moving_var + momentum * var)


def bn_state(rng, channels, four_d):
    shape = (1, channels, 1, 1) if four_d else (1, channels)
    return (rng.uniform(0.5, 2.0, shape), rng.uniform(-1.0, 1.0, shape),
            rng.uniform(-1.0, 1.0, shape), rng.uniform(0.5, 2.0, shape))


@checks.hidden(
    "ch08.bn_torch_layout",
    message="batch_norm_torch_layout in both modes on small batches (where the biased and the "
    "unbiased variance differ clearly) with non-square images, one channel and several, a "
    "momentum far from 0.5 and a large eps, then random draws",
)
def bn_torch_layout_random(student, rng):
    cases = [((3, 1, 2, 4), 0.2, 1e-2), ((2, 3, 3, 2), 0.75, 1e-5), ((5, 4), 0.05, 1e-3), ((3, 1), 0.3, 0.1)]
    for _ in range(2):
        four_d = bool(rng.integers(0, 2))
        shape = ((int(rng.integers(2, 6)), int(rng.integers(1, 5)))
                 + ((int(rng.integers(1, 4)), int(rng.integers(1, 4))) if four_d else ()))
        cases.append((shape, float(rng.uniform(0.05, 0.4)), float(10 ** rng.uniform(-5, -1))))
    for X, state, expected in BN_CASES:
        for training in (True, False):
            for got, want in zip(bn_reference(X, *state, 1e-5, 0.1, training), expected[training]):
                expect_reference(got, want, f"batch_norm_torch_layout on X of shape {X.shape}")
    for shape, momentum, eps in cases:
        X = rng.normal(rng.uniform(-3, 3), rng.uniform(0.5, 3), size=shape)
        state = bn_state(rng, shape[1], len(shape) == 4)
        for training in (True, False):
            expect_bn_case(student, X, *state, eps, momentum, training,
                           f"for X of shape {shape}, momentum={momentum:.3g}, eps={eps:.3g}, "
                           f"training={training}", bn_reference(X, *state, eps, momentum, training))


# ------------------------------------------------- 8.5 torch BN in Keras


def bn_layer_expected(x, weight, bias, running_mean, running_var, eps):
    return weight * (x - running_mean) / np.sqrt(running_var + eps) + bias


@checks.hidden(
    "ch08.bn_from_torch",
    message="keras_bn_from_torch for random states, torch momenta from 0.01 to 0.5 and epsilons "
    "from 1e-5 to 1e-1, with tiny running variances (where eps matters), on non-square images "
    "with one channel and several",
)
def bn_from_torch_random(student, rng):
    cases = [(1, 0.01, 1e-1), (4, 0.5, 1e-5), (int(rng.integers(2, 9)), float(rng.uniform(0.01, 0.3)),
                                               float(10 ** rng.uniform(-5, -1)))]
    for channels, momentum, eps in cases:
        weight, bias = rng.uniform(0.5, 2, channels), rng.uniform(-1, 1, channels)
        running_mean = rng.uniform(-1, 1, channels)
        running_var = 10 ** rng.uniform(-4, 0.5, channels)
        x = rng.normal(size=(2, int(rng.integers(2, 5)), int(rng.integers(5, 8)), channels))
        expect_bn_from_torch(student, x, weight, bias, running_mean, running_var, momentum, eps,
                             bn_layer_expected(x, weight, bias, running_mean, running_var, eps))


# ------------------------------------------------------------ 8.5 BN-LeNet


def bn_lenet_expected(input_shape, num_classes):
    """(total, non-trainable) parameters of BN-LeNet on input_shape."""
    height, width, channels = input_shape
    total, moving = 0, 0
    for c in (6, 16):
        total += conv_params(5, channels, c) + 4 * c
        moving += 2 * c
        height, width, channels = (height - 4) // 2, (width - 4) // 2, c
    fan_in = height * width * channels
    for units in (120, 84):
        total += fan_in * units + units + 4 * units
        moving += 2 * units
        fan_in = units
    return total + fan_in * num_classes + num_classes, moving


@checks.hidden(
    "ch08.bn_lenet",
    message="build_bn_lenet on non-square inputs with 1 or 3 channels and other class counts: "
    "layer order, BN settings, sigmoid activations and the (non-trainable) parameter counts",
)
def bn_lenet_random(student, rng):
    cases = [((32, 24, 3), 5), ((int(rng.integers(16, 40)), int(rng.integers(16, 40)),
                                 int(rng.choice([1, 3]))), int(rng.integers(2, 20)))]
    expect_equal(bn_lenet_expected((28, 28, 1), 10), (45330, 452), "the visible check's counts")
    for shape, classes in cases:
        expect_bn_lenet(student, shape, classes, *bn_lenet_expected(shape, classes))


# ---------------------------------------------------------- 8.6 residual


def preact_expected(c_in, channels, strides):
    """(parameter count, whether a 1x1 shortcut is needed) of the pre-activation block."""
    project = strides != 1 or c_in != channels
    count = 4 * c_in + conv_params(3, c_in, channels) + 4 * channels + conv_params(3, channels, channels)
    return count + (conv_params(1, c_in, channels) if project else 0), project


@checks.hidden(
    "ch08.residual",
    message="build_preact_residual when only the channels change, only the resolution halves "
    "(odd and even sizes), both, neither (one channel and several, non-square): the 1x1 "
    "shortcut exactly when the shape changes, and the shortcut's output with zero 3x3 kernels",
)
def preact_residual_cases(student, rng):
    cases = [((5, 7, 4), 4, 1), ((5, 7, 1), 1, 1), ((6, 6, 3), 5, 1), ((7, 6, 4), 4, 2), ((8, 5, 2), 6, 2)]
    cases.append(((int(rng.integers(3, 9)), int(rng.integers(3, 9)), int(rng.integers(1, 6))),
                  int(rng.integers(1, 8)), int(rng.integers(1, 3))))
    expect_equal([preact_expected(3, 3, 1), preact_expected(3, 6, 2)], [(192, False), (558, True)],
                 "the visible check's counts")
    for shape, channels, strides in cases:
        expect_preact_residual(student, rng, shape, channels, strides,
                               *preact_expected(shape[-1], channels, strides))


# ------------------------------------------------------ 8.6 grouped conv


def grouped_conv_reference(x, kernel, bias, groups):
    """Valid, stride-1 grouped convolution in numpy (channels last)."""
    kh, kw, per_in, c_out = kernel.shape
    per_out = c_out // groups
    n, height, width, _ = x.shape
    out = np.zeros((n, height - kh + 1, width - kw + 1, c_out))
    for g in range(groups):
        xg = x[..., g * per_in:(g + 1) * per_in]
        kg = kernel[..., g * per_out:(g + 1) * per_out]
        for a in range(kh):
            for b in range(kw):
                window = xg[:, a:a + out.shape[1], b:b + out.shape[2], :]
                out[..., g * per_out:(g + 1) * per_out] += window @ kg[a, b]
    return out + bias


@checks.hidden(
    "ch08.grouped_conv",
    message="grouped_conv2d with one group, one group per channel, non-square kernels and images "
    "and random draws, its gradient with respect to the kernel and the bias (keras.ops code), "
    "and grouped_conv_param_count with a ValueError whenever groups does not divide a channel count",
)
def grouped_conv_random(student, rng):
    # image sizes chosen so that height // groups and width // groups differ from c_in // groups
    cases = [(1, 3, 1, (2, 3), (5, 6)), (4, 4, 4, (3, 1), (9, 13)), (6, 9, 3, (1, 2), (10, 13))]
    groups = int(rng.choice([2, 3]))
    cases.append((groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3)), groups,
                  (int(rng.integers(1, 4)), int(rng.integers(1, 4))), (7 * groups, 7 * groups + 1)))
    fixed = np.random.default_rng(4)  # the visible check's x and kernel
    x, kernel = fixed.normal(size=(1, 4, 4, 4)), fixed.normal(size=(3, 3, 2, 4))
    expect_reference(grouped_conv_reference(x, kernel, np.array([0.5, -0.5, 1.0, 0.0]), 2), GROUPED_SMALL,
                     "grouped_conv2d on the visible check's case")
    expect_equal(conv_params((3, 3), 4, 4, 2), 76, "the visible check's count")
    for c_in, c_out, g, (kh, kw), (height, width) in cases:
        x = rng.normal(size=(2, height, width, c_in))
        kernel, bias = rng.normal(size=(kh, kw, c_in // g, c_out)), rng.normal(size=c_out)
        expect_grouped_conv(student, x, kernel, bias, g, grouped_conv_reference(x, kernel, bias, g))
        count = expect_int(student.call("grouped_conv_param_count", c_in, c_out, kh, kw, g),
                           f"grouped_conv_param_count({c_in}, {c_out}, {kh}, {kw}, {g})")
        expect_equal(count, conv_params((kh, kw), c_in, c_out, g),
                     f"grouped_conv_param_count({c_in}, {c_out}, {kh}, {kw}, {g})")
    # the gradient of sum(cotangent * output): dK = sum of windows^T cotangent per group
    x = rng.normal(size=(2, 5, 4, 4))
    kernel, bias = rng.normal(size=(2, 3, 2, 6)), rng.normal(size=6)
    reference = grouped_conv_reference(x, kernel, bias, 2)
    cotangent = rng.normal(size=reference.shape)
    value, gradients = student.gradient("grouped_conv2d", x, tensor(kernel, requires_grad=True),
                                        tensor(bias, requires_grad=True), 2, cotangent=cotangent)
    expect_close(value, reference, rtol=1e-4, atol=1e-4, what="grouped_conv2d's output")
    d_kernel = np.zeros_like(kernel)
    for g in range(2):
        for a in range(2):
            for b in range(3):
                window = x[:, a:a + reference.shape[1], b:b + reference.shape[2], 2 * g:2 * g + 2]
                d_kernel[a, b, :, 3 * g:3 * g + 3] = np.einsum(
                    "nhwi,nhwo->io", window, cotangent[..., 3 * g:3 * g + 3])
    expect_gradient(gradients[0], d_kernel, rtol=1e-3, atol=1e-3, what="the gradient for the kernel")
    expect_gradient(gradients[1], cotangent.sum(axis=(0, 1, 2)), rtol=1e-3, atol=1e-3,
                    what="the gradient for the bias")
    for args in [(4, 6, 3, 3, 4), (6, 4, 3, 3, 4), (5, 5, 3, 3, 2), (4, 4, 3, 3, 0)]:
        expect_student_value_error(student, "grouped_conv_param_count", *args)


# ---------------------------------------------------------- 8.7 DenseNet


def dense_block_b_expected(c_in, num_convs, growth_rate):
    """(parameter count, output channels) of the bottleneck dense block."""
    count, channels = 0, c_in
    for _ in range(num_convs):
        count += 4 * channels + conv_params(1, channels, 4 * growth_rate)
        count += 4 * 4 * growth_rate + conv_params(3, 4 * growth_rate, growth_rate)
        channels += growth_rate
    return count, channels


def transition_expected(c_in, compression):
    """(output channels, parameter count) of the transition layer."""
    c_out = int(np.floor(compression * c_in))
    return c_out, 4 * c_in + conv_params(1, c_in, c_out)


@checks.hidden(
    "ch08.dense_block",
    message="build_dense_block_b for random unit counts and growth rates on non-square inputs "
    "with 1 or several channels (output channels, parameters, the input kept as the first "
    "channels); build_transition with compressions that do not give whole numbers, odd sizes, "
    "and its output BN -> ReLU -> 1x1 conv -> 2x2 average pooling on loaded weights",
)
def dense_block_random(student, rng):
    for shape, convs, growth in [((5, 7, 1), 3, 2), ((6, 4, 5), 1, 3),
                                 ((int(rng.integers(3, 8)), int(rng.integers(3, 8)), int(rng.integers(1, 6))),
                                  int(rng.integers(1, 4)), int(rng.integers(1, 5)))]:
        expect_dense_block_b(student, rng, shape, convs, growth, *dense_block_b_expected(shape[-1], convs, growth))
    expect_equal([dense_block_b_expected(3, 2, 4), transition_expected(10, 0.5)], [(1520, 11), (5, 95)],
                 "the visible check's counts")
    for shape, compression in [((7, 6, 9), 0.5), ((6, 8, 10), 0.35), ((4, 4, 6), 1.0)]:
        expect_transition(student, shape, compression, *transition_expected(shape[-1], compression))
    shape, compression = (5, 6, 7), 0.6
    c_out = transition_expected(shape[-1], compression)[0]
    gamma, beta = rng.uniform(0.5, 2, shape[-1]), rng.uniform(-1, 1, shape[-1])
    mean, var = rng.uniform(-1, 1, shape[-1]), rng.uniform(0.5, 2, shape[-1])
    kernel, bias = rng.normal(size=(1, 1, shape[-1], c_out)), rng.normal(size=c_out)
    x = rng.normal(size=(2,) + shape)
    info = expect_functional(student.model("build_transition", shape, compression, inputs=x,
                                           set_weights=[gamma, beta, mean, var, kernel, bias]),
                             f"build_transition({shape}, {compression})")
    h = np.maximum(gamma * (x - mean) / np.sqrt(var + 1e-3) + beta, 0) @ kernel[0, 0] + bias
    h = h[:, :4, :6]  # 2x2 pooling drops the odd last row
    expected = h.reshape(2, 2, 2, 3, 2, c_out).mean(axis=(2, 4))
    expect_close(info.outputs, expected, rtol=1e-4, atol=1e-4,
                 what=f"the output of build_transition({shape}, {compression}) with loaded weights")


# -------------------------------------------------------- 8.8 RegNet


def regnet_reference(depth, w0, wa, wm, quantum=8):
    linear = w0 + wa * np.arange(depth)
    exponents = np.round(np.log(linear / w0) / np.log(wm))
    return [int(w) for w in np.round(w0 * np.power(wm, exponents) / quantum) * quantum]


def stages_reference(widths):
    return [(len(list(run)), width) for width, run in itertools.groupby(widths)]


@checks.hidden(
    "ch08.regnet_widths",
    message="regnet_widths for the RegNetX settings of other sizes and random draws (widths that "
    "round half way, slopes of 0, other quanta), regnet_stages on non-monotone lists, and "
    "ValueError for depth 0, w0 <= 0, wa < 0 and wm <= 1",
)
def regnet_random(student, rng):
    cases = [(16, 56, 35.73, 2.28, 8), (5, 32, 0.0, 2.0, 8), (7, 48, 27.89, 2.09, 16), (1, 24, 36.0, 2.5, 8)]
    cases.append((int(rng.integers(2, 20)), 8 * int(rng.integers(2, 12)), float(rng.uniform(8, 60)),
                  float(rng.uniform(1.5, 3)), 8))
    expect_reference(regnet_reference(13, 24, 36.44, 2.49), REGNETX_200MF, "regnet_widths (RegNetX-200MF)")
    for case in cases + [(3, 1, 2.0, 2.0, 2)]:  # w0 = 1 is allowed
        expect_regnet(student, *case, regnet_reference(*case))
    for widths in ([8, 8, 8], [32, 16, 16, 32, 32, 32, 16], [int(w) for w in 8 * rng.integers(1, 4, size=8)]):
        expect_stages(student, widths, stages_reference(widths))
    for args in [(0, 24, 36.0, 2.5, 8), (4, 0, 36.0, 2.5, 8), (4, 24, -1.0, 2.5, 8), (4, 24, 36.0, 0.9, 8),
                 (4, 24, 36.0, 1.0, 8)]:
        expect_student_value_error(student, "regnet_widths", *args)
