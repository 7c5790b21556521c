"""Visible checks for chapter 7 (shipped to students).

Expected values are either fixed literals (for exercises whose reference
implementation would give the answer away: those references live in the
hidden module) or computed here with the chapter's own corr2d or the grader's
torch (channels-first, transposed explicitly); nothing the student's code
computes is trusted except the answer under test.
"""

import numpy as np

from workbook.grading.expect import expect_uniform_sample
from workbook.grading import (
    CheckFailed,
    Checks,
    expect_built_without,
    expect_close,
    expect_equal,
    expect_functional,
    expect_numbers,
    expect_sequence,
    expect_true,
    expect_weight_shapes,
)

checks = Checks("ch07")

# Tolerances for float32 convolutions compared with float64 references.
RTOL, ATOL = 1e-4, 1e-4
# What "write the cross-correlation yourself" rules out (classes and ops).
CONV_LIKE = ("Conv1D", "Conv2D", "Conv3D", "Convolution2D", "DepthwiseConv2D", "SeparableConv2D",
             "BaseConv", "conv", "depthwise_conv", "separable_conv", "conv2d", "correlate")


# ------------------------------------------------------------------ helpers


def np_corr2d(X, K):
    """Cross-correlation of a 2-D X with a 2-D K (no flip), in float64."""
    X, K = np.asarray(X, dtype=np.float64), np.asarray(K, dtype=np.float64)
    kh, kw = K.shape
    out = np.zeros((X.shape[0] - kh + 1, X.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(X[i : i + kh, j : j + kw] * K)
    return out


def torch_conv2d(x, kernel, bias, strides, padding):
    """torch's Conv2d on channels-last x with a Keras-layout kernel (kh, kw, c_in, c_out)."""
    import torch

    xt = torch.tensor(np.asarray(x, dtype=np.float64)).permute(0, 3, 1, 2)
    wt = torch.tensor(np.asarray(kernel, dtype=np.float64)).permute(3, 2, 0, 1)
    bt = torch.tensor(np.asarray(bias, dtype=np.float64))
    out = torch.nn.functional.conv2d(xt, wt, bt, stride=tuple(strides), padding=tuple(padding))
    return out.permute(0, 2, 3, 1).numpy()


def torch_avg_pool(x, pool_size, strides, padding):
    """torch's AvgPool2d (count_include_pad=True) on channels-last x."""
    import torch

    xt = torch.tensor(np.asarray(x, dtype=np.float64)).permute(0, 3, 1, 2)
    out = torch.nn.functional.avg_pool2d(xt, tuple(pool_size), tuple(strides), tuple(padding))
    return out.permute(0, 2, 3, 1).numpy()


def expect_learned(got, want_kernel, want_losses, what):
    """learn_kernel's (kernel, losses) are want_kernel and want_losses."""
    kernel, losses = expect_sequence(got, 2, what)
    losses = expect_numbers(losses, shape=(len(want_losses),), what=f"the losses of {what}")
    expect_close(losses, want_losses, rtol=1e-3, atol=1e-5,
                 what=f"the losses of {what} (sum of squared errors, before each update)")
    expect_close(kernel, want_kernel, rtol=1e-3, atol=1e-5, what=f"the kernel learned by {what}")


def expect_scratch_conv_model(student, *args, **kwargs):
    """build_conv2d_scratch(...): functional, its own layer, no convolution layer or op."""
    info = expect_functional(student.model("build_conv2d_scratch", *args, **kwargs),
                             custom_layers=True)
    expect_built_without(student, info, "ch07.conv2d_scratch", CONV_LIKE)
    return info


def core_layers(info):
    return [c for c in info.layer_classes() if c not in ("InputLayer", "Activation")]


def layer_configs(info, keras_class):
    return [layer["config"] for layer in info.layers if layer["class_name"] == keras_class]


def lenet_weight_shapes(shape, classes, conv_channels, dense_units):
    """Kernel and bias shapes, in Keras order and layout, of lenet_variant(...)."""
    h, w, c_prev = shape
    expected = []
    for index, c in enumerate(conv_channels):
        expected += [(5, 5, c_prev, c), (c,)]
        if index > 0:  # only the first convolution is padded ("same")
            h, w = h - 4, w - 4
        h, w, c_prev = h // 2, w // 2, c
    width = h * w * c_prev
    for units in [*dense_units, classes]:
        expected += [(width, units), (units,)]
        width = units
    return expected


def lenet_reference(x, weights, num_convs, activation, pooling):
    """lenet_variant's forward pass in torch, float64, channels-first inside."""
    import torch

    F = torch.nn.functional
    act = {"sigmoid": torch.sigmoid, "relu": torch.relu, "tanh": torch.tanh}[activation]
    pool = F.avg_pool2d if pooling == "avg" else F.max_pool2d
    w = [torch.tensor(np.asarray(v, dtype=np.float64)) for v in weights]
    h = torch.tensor(np.asarray(x, dtype=np.float64)).permute(0, 3, 1, 2)
    for index in range(num_convs):
        kernel, bias = w[2 * index].permute(3, 2, 0, 1), w[2 * index + 1]
        h = pool(act(F.conv2d(h, kernel, bias, padding=2 if index == 0 else 0)), 2)
    h = h.permute(0, 2, 3, 1).reshape(len(h), -1)  # Keras flattens channels-last
    dense = w[2 * num_convs:]
    for index in range(0, len(dense), 2):
        h = h @ dense[index] + dense[index + 1]
        if index < len(dense) - 2:
            h = act(h)
    return h.numpy()


LENET_DEFAULTS = dict(input_shape=(28, 28, 1), num_classes=10, conv_channels=(6, 16),
                      dense_units=(120, 84), activation="sigmoid", pooling="avg")


def expect_lenet(student, rng, **builder_kwargs):
    """lenet_variant(**builder_kwargs) is the LeNet these arguments (and the defaults) describe."""
    spec = {**LENET_DEFAULTS, **builder_kwargs}
    conv_channels, dense_units = spec["conv_channels"], spec["dense_units"]
    activation, pooling = spec["activation"], spec["pooling"]
    x = rng.uniform(size=(3, *spec["input_shape"])).astype(np.float32)
    shapes = lenet_weight_shapes(spec["input_shape"], spec["num_classes"], conv_channels,
                                 dense_units)
    weights = [(rng.normal(size=s) * 0.3).astype(np.float32) for s in shapes]
    what = f"lenet_variant({', '.join(f'{k}={v!r}' for k, v in builder_kwargs.items())})"
    info = expect_functional(student.model("lenet_variant", inputs=x, set_weights=weights,
                                           **builder_kwargs), what=what)
    pool_class = "AveragePooling2D" if pooling == "avg" else "MaxPooling2D"
    expect_equal(core_layers(info), ["Conv2D", pool_class] * len(conv_channels) + ["Flatten"]
                 + ["Dense"] * (len(dense_units) + 1), what=f"the layers of {what} (in order)")
    expect_weight_shapes(info, shapes, what=f"the weight shapes of {what}")
    expect_equal(info.count_params, int(sum(np.prod(s) for s in shapes)),
                 what=f"the number of parameters of {what}")
    expect_close(info.outputs, lenet_reference(x, weights, len(conv_channels), activation, pooling),
                 rtol=RTOL, atol=ATOL, what=f"the logits of {what} (with weights set)")
    return info


def expect_same_padding(student, n, k, s, expected):
    got = student.call("keras_same_padding", n, k, s)
    expect_equal(tuple(expect_sequence(got, 3, f"keras_same_padding({n}, {k}, {s})")), expected,
                 what=f"keras_same_padding({n}, {k}, {s})")


def expect_receptive_field(student, layers, expected):
    got = student.call("receptive_field", layers)
    if not isinstance(got, (int, np.integer, float)) or isinstance(got, bool):
        raise CheckFailed(f"receptive_field({layers}) should return an int, got {got!r}")
    expect_equal(int(got), expected, what=f"receptive_field({layers})")


def d2l_multi_channel_inputs():
    """The D2L book's two-channel X and K, channels-last."""
    X = np.stack([np.arange(9.0).reshape(3, 3), np.arange(1.0, 10.0).reshape(3, 3)], axis=-1)
    K = np.stack([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]], axis=-1)
    return X, K


def bar_image():
    """Section 7.2.4's image (a dark bar) and its edges under the kernel [[1, -1]]."""
    bars = np.ones((6, 8))
    bars[:, 2:6] = 0.0
    X = bars.reshape(1, 6, 8, 1).astype(np.float32)
    Y = np_corr2d(bars, [[1.0, -1.0]]).reshape(1, 6, 7, 1).astype(np.float32)
    return X, Y


# learn_kernel on the bar image from BARS_K0 with lr 0.03 for 10 steps: (kernel, losses)
BARS_K0 = np.array([[0.5, -0.25]], dtype=np.float32)
BARS_LEARNED = (np.array([[1.006216, -0.979372]]),
                np.array([5.625, 2.52, 1.170432, 0.567883, 0.289228, 0.154706, 0.086561, 0.050299,
                          0.030102, 0.01841]))


# -------------------------------------------------------- 7.1 parameters


@checks.visible(
    "ch07.param_counts",
    message="layer_param_counts(32, 32, 3, 3) is (9440256, 84) and layer_param_counts(1000, 1000, "
    "1, 5) is (10**12 + 10**6, 26): weights and biases of the Dense and the same-padded Conv2D",
)
def param_counts_examples(student, rng):
    for args, want in [((32, 32, 3, 3), (3072**2 + 3072, 9 * 9 + 3)),
                       ((1000, 1000, 1, 5), (10**12 + 10**6, 26))]:
        got = expect_sequence(student.call("layer_param_counts", *args), 2,
                              f"layer_param_counts{args}")
        expect_equal([int(v) if isinstance(v, (int, float)) else v for v in got], list(want),
                     what=f"layer_param_counts{args}")


# ------------------------------------------------- 7.2 convolutional layer


@checks.visible(
    "ch07.conv2d_scratch",
    message="build_conv2d_scratch((6, 8), (1, 2)) is a functional model without Conv2D, with "
    "weights kernel (1, 2) and bias (1,), computing corr2d(x, kernel) + bias per image",
)
def conv2d_scratch_forward(student, rng):
    x = rng.normal(size=(3, 6, 8)).astype(np.float32)
    kernel = rng.normal(size=(1, 2)).astype(np.float32)
    bias = rng.normal(size=(1,)).astype(np.float32)
    info = expect_scratch_conv_model(student, (6, 8), (1, 2), inputs=x, set_weights=[kernel, bias])
    expect_weight_shapes(info, [(1, 2), (1,)], what="the weight shapes (kernel, then bias)")
    expect_close(info.outputs, np.stack([np_corr2d(im, kernel) + bias[0] for im in x]),
                 rtol=RTOL, atol=ATOL, what="the layer's output")


@checks.visible(
    "ch07.conv2d_scratch",
    message="a fresh build_conv2d_scratch((14, 16), (12, 10)) starts with a kernel drawn from "
    "U[0, 1) and a zero bias",
)
def conv2d_scratch_init(student, rng):
    x = np.zeros((1, 14, 16), dtype=np.float32)
    info = expect_scratch_conv_model(student, (14, 16), (12, 10), inputs=x)
    expect_weight_shapes(info, [(12, 10), (1,)], what="the weight shapes (kernel, then bias)")
    expect_uniform_sample(info.weights[0], 0.0, 1.0, what="the initial kernel")
    expect_true(not np.any(info.weights[1]), "the bias should start at 0")


@checks.visible(
    "ch07.learn_kernel",
    message="learn_kernel on the bar image of section 7.2.4 (lr 0.03, 10 steps) returns the "
    "kernel and the 10 summed squared errors of plain gradient descent from initial_kernel",
)
def learn_kernel_edges(student, rng):
    X, Y = bar_image()
    got = student.call("learn_kernel", X, Y, BARS_K0, 0.03, 10)
    expect_learned(got, *BARS_LEARNED, "learn_kernel(X, Y, [[0.5, -0.25]], 0.03, 10)")


# ------------------------------------------------------------ 7.3 padding


@checks.visible(
    "ch07.same_padding",
    message="keras_same_padding(n, kernel, stride) gives (out, before, after): (8, 3, 1) -> "
    "(8, 1, 1), (8, 4, 1) -> (8, 1, 2), (8, 3, 2) -> (4, 0, 1), (7, 3, 2) -> (4, 1, 1), "
    "(20, 5, 3) -> (7, 1, 2)",
)
def same_padding_examples(student, rng):
    for args, expected in SAME_PADDING_EXAMPLES:
        expect_same_padding(student, *args, expected)


SAME_PADDING_EXAMPLES = [((8, 3, 1), (8, 1, 1)), ((8, 4, 1), (8, 1, 2)), ((8, 3, 2), (4, 0, 1)),
                         ((7, 3, 2), (4, 1, 1)), ((20, 5, 3), (7, 1, 2))]


def expect_torch_conv(student, rng, input_hw, c_in, filters, kernel, padding, strides):
    x = rng.normal(size=(2, *input_hw, c_in)).astype(np.float32)
    weights = [rng.normal(size=(*kernel, c_in, filters)).astype(np.float32),
               rng.normal(size=(filters,)).astype(np.float32)]
    what = (f"torch_style_conv2d({(*input_hw, c_in)}, {filters}, {kernel}, padding={padding}, "
            f"strides={strides})")
    info = expect_functional(student.model(
        "torch_style_conv2d", (*input_hw, c_in), filters, kernel, padding, strides,
        inputs=x, set_weights=weights), what=what)
    expect_close(info.outputs, torch_conv2d(x, *weights, strides, padding), rtol=RTOL,
                 atol=ATOL, what=f"the output of {what}")


@checks.visible(
    "ch07.torch_style_conv",
    message="torch_style_conv2d matches torch's Conv2d on the D2L book's 8x8 examples: k=3 p=1; "
    "k=(5,3) p=(2,1); k=3 p=1 s=2 (4x4); k=(3,5) p=(0,1) s=(3,4) (2x2)",
)
def torch_style_conv_book_examples(student, rng):
    for kernel, padding, strides in [((3, 3), (1, 1), (1, 1)), ((5, 3), (2, 1), (1, 1)),
                                     ((3, 3), (1, 1), (2, 2)), ((3, 5), (0, 1), (3, 4))]:
        expect_torch_conv(student, rng, (8, 8), 2, 3, kernel, padding, strides)


# ----------------------------------------------------------- 7.4 channels


@checks.visible(
    "ch07.corr2d_multi_in_out",
    message="corr2d_multi_in_out on the D2L book's two-channel example, channels-last, with "
    "K, K + 1, K + 2 as output channels: [[56, 72], [104, 120]], [[76, 100], [148, 172]], "
    "[[96, 128], [192, 224]]",
)
def multi_in_out_book_values(student, rng):
    X, K = d2l_multi_channel_inputs()
    K3 = np.stack([K, K + 1, K + 2], axis=-1)
    got = student.call("corr2d_multi_in_out", X, K3)
    expect_close(got, BOOK_MULTI_IN_OUT, what="corr2d_multi_in_out(X, K3)")
    got = student.call("corr2d_multi_in_out", X * 2, K[..., None])
    expect_close(got, 2 * BOOK_MULTI_IN_OUT[..., :1],
                 what="corr2d_multi_in_out(2 * X, K) with one output channel")


# the book's values for K, K + 1 and K + 2, channels-last
BOOK_MULTI_IN_OUT = np.stack([[[56.0, 72.0], [104.0, 120.0]], [[76.0, 100.0], [148.0, 172.0]],
                              [[96.0, 128.0], [192.0, 224.0]]], axis=-1)


@checks.visible(
    "ch07.conv1x1",
    message="conv1x1(X, W) for X = arange(12).reshape(2, 2, 1, 3) and W = [[1, 2], [0, -1], "
    "[3, 1]] equals a Conv2D(2, 1) with kernel W.reshape(1, 1, 3, 2): [[[[6, 1]], [[18, 7]]], "
    "[[[30, 13]], [[42, 19]]]]",
)
def conv1x1_values(student, rng):
    X = np.arange(12, dtype=np.float32).reshape(2, 2, 1, 3)
    W = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 1.0]], dtype=np.float32)
    expected = np.array([[[[6.0, 1.0]], [[18.0, 7.0]]], [[[30.0, 13.0]], [[42.0, 19.0]]]])
    expect_close(student.call("conv1x1", X, W), expected, rtol=RTOL, atol=ATOL, what="conv1x1(X, W)")


# ------------------------------------------------------------ 7.5 pooling


@checks.visible(
    "ch07.pool2d",
    message="pool2d_strided on the book's examples: 3x3 arange with (2, 2) windows, stride 1: "
    "max [[4, 5], [7, 8]], avg [[2, 3], [5, 6]]; 4x4 arange, (3, 3) stride (3, 3): [[10]]; "
    "two channels (the 4x4 arange and it plus 3) pooled separately",
)
def pool2d_book_values(student, rng):
    X3 = np.arange(9.0).reshape(3, 3, 1)
    X4 = np.arange(16.0).reshape(4, 4, 1)
    X2 = np.concatenate([X4, X4 + 3], axis=-1)
    avg4 = np.array([[2.5, 3.5, 4.5], [6.5, 7.5, 8.5], [10.5, 11.5, 12.5]])  # 2x2 means, stride 1
    max4 = np.array([[5.0, 7.0], [13.0, 15.0]])  # 2x2 maxima, stride 2
    for X, pool, stride, mode, expected in [
            (X3, (2, 2), (1, 1), "max", [[4.0, 5.0], [7.0, 8.0]]),
            (X3, (2, 2), (1, 1), "avg", [[2.0, 3.0], [5.0, 6.0]]),
            (X4, (3, 3), (3, 3), "max", [[10.0]]),
            (X2, (2, 2), (2, 2), "max", np.stack([max4, max4 + 3], axis=-1)),
            (X2, (2, 2), (1, 1), "avg", np.stack([avg4, avg4 + 3], axis=-1))]:
        expected = np.asarray(expected).reshape(*np.shape(expected)[:2], X.shape[-1])
        what = f"pool2d_strided(X {X.shape}, {pool}, {stride}, {mode!r})"
        expect_close(student.call("pool2d_strided", X, pool, stride, mode), expected, what=what)


@checks.visible(
    "ch07.torch_avg_pool",
    message="torch_style_avg_pool((4, 4, 1), (3, 3), (2, 2), (1, 1)) is functional and gives "
    "torch's AvgPool2d(3, 2, 1) on arange(16): [[1.111, 2.667], [5.667, 10]] (zeros counted)",
)
def torch_avg_pool_book(student, rng):
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1) * float(rng.uniform(0.5, 2))
    info = expect_functional(student.model("torch_style_avg_pool", (4, 4, 1), (3, 3), (2, 2),
                                           (1, 1), inputs=x))
    expect_close(info.outputs, torch_avg_pool(x, (3, 3), (2, 2), (1, 1)), rtol=RTOL, atol=ATOL,
                 what="the pooled output")


# ------------------------------------------------------------ 7.6 LeNet


@checks.visible(
    "ch07.lenet",
    message="lenet_variant() is the book's LeNet, functional: Conv2D(6, 5, same), "
    "AveragePooling2D, Conv2D(16, 5), AveragePooling2D, Flatten, Dense(120), Dense(84), "
    "Dense(10), sigmoids, logits out; 61,706 parameters; with weights set it computes LeNet's "
    "forward pass",
)
def lenet_book_architecture(student, rng):
    info = expect_lenet(student, rng)
    expect_equal(info.count_params, 61706, what="the number of parameters")


@checks.visible(
    "ch07.receptive_field",
    message="receptive_field([(5, 1), (2, 2), (5, 1), (2, 2)]) (LeNet's encoder) is 16 and "
    "receptive_field([(3, 1), (3, 1)]) is 5",
)
def receptive_field_lenet(student, rng):
    for layers, expected in RECEPTIVE_FIELD_EXAMPLES:
        expect_receptive_field(student, layers, expected)


RECEPTIVE_FIELD_EXAMPLES = [([(5, 1), (2, 2), (5, 1), (2, 2)], 16), ([(3, 1), (3, 1)], 5)]
