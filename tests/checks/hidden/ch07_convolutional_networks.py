"""Hidden checks for chapter 7 (instructors only).

The telling cases are enumerated first (non-square kernels and windows,
strides that do not divide, padding 0, 1 and k - 1, one and several
channels, kernels smaller than the stride), then random draws per student;
torch tensors that require gradients where the statement asks for
differentiable keras.ops code.  The reference implementations that would
give answers away live here, not in the visible module; each check also runs
its reference on the visible check's literal cases, so a stale literal there
fails the solution's hidden checks.
"""

import numpy as np

from visible_checks import (
    ATOL, BARS_K0, BARS_LEARNED, BOOK_MULTI_IN_OUT, CONV_LIKE, RECEPTIVE_FIELD_EXAMPLES, RTOL,
    SAME_PADDING_EXAMPLES, bar_image, d2l_multi_channel_inputs, expect_learned, expect_lenet,
    expect_receptive_field, expect_same_padding, expect_scratch_conv_model, expect_torch_conv,
    np_corr2d, torch_avg_pool,
)
from workbook.grading import (
    Checks, expect_close, expect_equal, expect_functional,
    expect_sequence, expect_source_avoids, expect_value_and_gradients, expect_weight_shapes,
)

# Ways to skip the hand-written loop or the hand-written pooling.
OPTIMIZER_LIKE = ("fit", "train_on_batch", "optimizers", "optimizer", "SGD", "Adam",
                  "apply_gradients")
POOL_LIKE = ("max_pool", "average_pool", "MaxPooling2D", "AveragePooling2D", "MaxPool2D",
             "AvgPool2D", "PaddedMaxPooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling2D",
             "max_pool2d", "avg_pool2d")


def torch_conv_nhwc(x, kernel):
    """Valid cross-correlation of channels-last torch x with a (kh, kw, c_in, c_out) kernel."""
    import torch

    out = torch.nn.functional.conv2d(x.permute(0, 3, 1, 2), kernel.permute(3, 2, 0, 1))
    return out.permute(0, 2, 3, 1)


def torch_tolerances(rng):
    """How this chapter compares with a torch reference: normal cotangents, RTOL/ATOL throughout."""
    return dict(cotangent=lambda shape: rng.normal(size=shape), rtol=RTOL, atol=ATOL,
                grad_rtol=RTOL, grad_atol=ATOL)


checks = Checks("ch07")


# --------------------------------------------------------------- references


def np_corr2d_multi(X, K):
    """X (h, w, c_in), K (kh, kw, c_in, c_out) -> (h', w', c_out)."""
    X, K = np.asarray(X, dtype=np.float64), np.asarray(K, dtype=np.float64)
    return np.stack([sum(np_corr2d(X[..., c], K[:, :, c, o]) for c in range(X.shape[-1]))
                     for o in range(K.shape[-1])], axis=-1)


def np_pool(image, pool_size, strides, mode):
    """Pooling of an (h, w, c) image per channel, no padding."""
    image = np.asarray(image, dtype=np.float64)
    ph, pw = pool_size
    sh, sw = strides
    out_h, out_w = (image.shape[0] - ph) // sh + 1, (image.shape[1] - pw) // sw + 1
    reduce = np.max if mode == "max" else np.mean
    return np.array([[reduce(image[i * sh : i * sh + ph, j * sw : j * sw + pw], axis=(0, 1))
                      for j in range(out_w)] for i in range(out_h)])


def same_padding_reference(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return out, total // 2, total - total // 2


def reference_learn_kernel(X, Y, K0, lr, steps):
    """The hand-written descent loop of section 7.2.4, in torch float64."""
    import torch

    x = torch.tensor(np.asarray(X, dtype=np.float64)).permute(0, 3, 1, 2)
    y = torch.tensor(np.asarray(Y, dtype=np.float64)).permute(0, 3, 1, 2)
    k = torch.tensor(np.asarray(K0, dtype=np.float64)[None, None], requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = ((torch.nn.functional.conv2d(x, k) - y) ** 2).sum()
        (grad,) = torch.autograd.grad(loss, [k])
        losses.append(loss.item())
        with torch.no_grad():
            k = (k - lr * grad).requires_grad_(True)
    return k.detach().numpy()[0, 0], np.array(losses)


def receptive_field_reference(layers):
    """Brute force in 1-D: the input positions output 0 depends on."""
    positions = {0}
    for kernel, stride in reversed(list(layers)):
        positions = {p * stride + a for p in positions for a in range(kernel)}
    return max(positions) - min(positions) + 1


def expect_reference(got, expected, what):
    """The reference agrees with the visible check's literal (a guard on the literals)."""
    expect_close(np.asarray(got, dtype=float), np.asarray(expected, dtype=float), rtol=1e-6,
                 atol=1e-6, what=f"the reference for {what} (the visible literal is stale)")


# -------------------------------------------------------- 7.1 parameters


@checks.hidden(
    "ch07.param_counts",
    message="layer_param_counts works for random sizes, one and several channels, and "
    "non-square kernel pairs",
)
def param_counts_random(student, rng):
    cases = [(int(rng.integers(5, 40)), int(rng.integers(5, 40)), 1,
              int(rng.integers(1, 4)) * 2 + 1),
             (int(rng.integers(5, 40)), int(rng.integers(5, 40)), int(rng.integers(2, 9)), (3, 5)),
             (7, 9, int(rng.integers(2, 9)), (int(rng.integers(1, 4)), int(rng.integers(4, 7))))]
    for h, w, c, k in cases:
        kh, kw = (k, k) if isinstance(k, int) else k
        units = h * w * c
        want = [units * units + units, kh * kw * c * c + c]
        got = expect_sequence(student.call("layer_param_counts", h, w, c, k), 2,
                              f"layer_param_counts({h}, {w}, {c}, {k})")
        expect_equal([int(v) if isinstance(v, (int, float)) else v for v in got], want,
                     what=f"layer_param_counts({h}, {w}, {c}, {k})")


# ------------------------------------------------- 7.2 convolutional layer


@checks.hidden(
    "ch07.conv2d_scratch",
    message="build_conv2d_scratch works for non-square kernels and other image sizes: no "
    "Conv2D, kernel (kh, kw) then bias (1,), cross-correlation (no flip) plus the bias",
)
def conv2d_scratch_shapes(student, rng):
    for kernel_hw in [(2, 3), (3, 1), (int(rng.integers(1, 4)), int(rng.integers(2, 5)))]:
        h, w = int(rng.integers(5, 9)), int(rng.integers(5, 9))
        x = rng.normal(size=(2, h, w)).astype(np.float32)
        kernel = rng.normal(size=kernel_hw).astype(np.float32)
        bias = rng.normal(size=(1,)).astype(np.float32)
        info = expect_scratch_conv_model(student, (h, w), kernel_hw, inputs=x,
                                         set_weights=[kernel, bias])
        expect_weight_shapes(info, [kernel_hw, (1,)], what="the weight shapes (kernel, then bias)")
        expect_close(info.outputs, np.stack([np_corr2d(im, kernel) + bias[0] for im in x]),
                     rtol=RTOL, atol=ATOL, what=f"the output for a {kernel_hw} kernel on {h}x{w}")


@checks.hidden(
    "ch07.learn_kernel",
    message="learn_kernel works for a batch of random images, a non-square kernel, other "
    "learning rates and step counts: the sum of squared errors, gradients cleared every step",
)
def learn_kernel_random(student, rng):
    kh, kw = 2, 3
    h, w = int(rng.integers(5, 8)), int(rng.integers(6, 9))
    X = rng.uniform(size=(2, h, w, 1)).astype(np.float32)
    true_kernel = rng.normal(size=(kh, kw))
    Y = np.stack([np_corr2d(im[..., 0], true_kernel) for im in X])[..., None].astype(np.float32)
    K0 = rng.normal(size=(kh, kw)).astype(np.float32)
    outputs = 2 * (h - kh + 1) * (w - kw + 1)
    lr = float(rng.uniform(0.1, 0.4)) / outputs  # small enough not to diverge
    steps = int(rng.integers(4, 9))
    for want, ref in zip(BARS_LEARNED, reference_learn_kernel(*bar_image(), BARS_K0, 0.03, 10)):
        expect_reference(ref, want, "learn_kernel on the bar image")
    got = student.call("learn_kernel", X, Y, K0, lr, steps)
    expect_learned(got, *reference_learn_kernel(X, Y, K0, lr, steps),
                   f"learn_kernel on {h}x{w} images, lr {lr:.4g}")
    expect_source_avoids(student, "ch07.learn_kernel", OPTIMIZER_LIKE,
                         what="the hand-written update")


# ------------------------------------------------------------ 7.3 padding


@checks.hidden(
    "ch07.same_padding",
    message="keras_same_padding is right for even and odd kernels, strides that do not divide "
    "n, kernels smaller than the stride (no padding) and kernels larger than n",
)
def same_padding_cases(student, rng):
    cases = [(10, 2, 1), (10, 1, 2), (9, 2, 4), (11, 4, 3), (3, 5, 1), (5, 7, 2), (1, 3, 1)]
    cases += [(int(rng.integers(1, 40)), int(rng.integers(1, 8)), int(rng.integers(1, 5)))
              for _ in range(6)]
    for args, expected in SAME_PADDING_EXAMPLES:
        expect_equal(same_padding_reference(*args), expected, f"the reference for keras_same_padding{args}")
    for n, k, s in cases:
        expect_same_padding(student, n, k, s, same_padding_reference(n, k, s))


@checks.hidden(
    "ch07.torch_style_conv",
    message="torch_style_conv2d matches torch's Conv2d for non-square inputs and kernels, "
    "strides that do not divide, padding 0, 1 and k - 1, one and three input channels",
)
def torch_style_conv_cases(student, rng):
    cases = [((7, 9), 1, 2, (3, 2), (0, 1), (3, 2)),
             ((6, 5), 3, 1, (2, 2), (1, 0), (1, 1)),
             ((5, 6), 1, 2, (3, 3), (2, 2), (2, 3)),  # padding k - 1
             ((int(rng.integers(6, 11)), int(rng.integers(6, 11))), 3, int(rng.integers(1, 4)),
              (int(rng.integers(1, 4)), int(rng.integers(1, 4))),
              (int(rng.integers(0, 2)), int(rng.integers(0, 2))),
              (int(rng.integers(1, 4)), int(rng.integers(1, 4))))]
    for input_hw, c_in, filters, kernel, padding, strides in cases:
        expect_torch_conv(student, rng, input_hw, c_in, filters, kernel, padding, strides)


# ----------------------------------------------------------- 7.4 channels


@checks.hidden(
    "ch07.corr2d_multi_in_out",
    message="corr2d_multi_in_out works for random shapes, non-square kernels, one or several "
    "input and output channels, and torch tensors that require gradients",
)
def multi_in_out_random(student, rng):
    X, K = d2l_multi_channel_inputs()
    expect_reference(np_corr2d_multi(X, np.stack([K, K + 1, K + 2], axis=-1)), BOOK_MULTI_IN_OUT,
                     "corr2d_multi_in_out on the book's example")
    for c_in, c_out, kernel_hw in [(1, 1, (2, 3)), (3, 1, (3, 1)), (1, 4, (2, 2)),
                                   (int(rng.integers(2, 5)), int(rng.integers(2, 5)), (3, 2))]:
        h, w = int(rng.integers(4, 8)), int(rng.integers(4, 8))
        X = rng.normal(size=(h, w, c_in)).astype(np.float32)
        K = rng.normal(size=(*kernel_hw, c_in, c_out)).astype(np.float32)
        expect_close(student.call("corr2d_multi_in_out", X, K), np_corr2d_multi(X, K),
                     rtol=RTOL, atol=ATOL, what=f"corr2d_multi_in_out for X {X.shape}, K {K.shape}")
    expect_value_and_gradients(student, "corr2d_multi_in_out", [X, K],
                               lambda x, k: torch_conv_nhwc(x[None], k)[0],
                               f"corr2d_multi_in_out for X {X.shape}, K {K.shape}", **torch_tolerances(rng))
    expect_source_avoids(student, "ch07.corr2d_multi_in_out", CONV_LIKE)


@checks.hidden(
    "ch07.conv1x1",
    message="conv1x1 works for a batch of one, one input or output channel, non-square images "
    "and torch tensors that require gradients",
)
def conv1x1_tensors(student, rng):
    for b, c_in, c_out in [(1, 1, 3), (3, 4, 1), (int(rng.integers(1, 4)), int(rng.integers(2, 6)),
                                                  int(rng.integers(2, 6)))]:
        h, w = int(rng.integers(2, 6)), int(rng.integers(2, 6))
        X = rng.normal(size=(b, h, w, c_in)).astype(np.float32)
        W = rng.normal(size=(c_in, c_out)).astype(np.float32)
        expect_close(student.call("conv1x1", X, W), np.einsum("bhwc,cd->bhwd", X, W), rtol=RTOL,
                     atol=ATOL, what=f"conv1x1 for X {X.shape}, W {W.shape}")
    expect_value_and_gradients(student, "conv1x1", [X, W], lambda x, w: x @ w,
                               f"conv1x1 for X {X.shape}, W {W.shape}", **torch_tolerances(rng))
    expect_source_avoids(student, "ch07.conv1x1", CONV_LIKE)


# ------------------------------------------------------------ 7.5 pooling


@checks.hidden(
    "ch07.pool2d",
    message="pool2d_strided works for negative values, non-square windows, strides that do not "
    "divide, strides larger than the window, and one or three channels",
)
def pool2d_cases(student, rng):
    cases = [((5, 7, 1), (2, 3), (2, 2)), ((6, 6, 3), (3, 2), (2, 3)), ((7, 5, 3), (2, 2), (3, 3)),
             ((int(rng.integers(4, 9)), int(rng.integers(4, 9)), 2), (int(rng.integers(1, 4)),
              int(rng.integers(1, 4))), (int(rng.integers(1, 4)), int(rng.integers(1, 4))))]
    for shape, pool, stride in cases:
        X = rng.normal(size=shape).astype(np.float32) - 1.0
        for mode in ("max", "avg"):
            expect_close(student.call("pool2d_strided", X, pool, stride, mode),
                         np_pool(X, pool, stride, mode), rtol=RTOL, atol=ATOL,
                         what=f"pool2d_strided(X {shape}, {pool}, {stride}, {mode!r})")
    expect_source_avoids(student, "ch07.pool2d", POOL_LIKE)


@checks.hidden(
    "ch07.torch_avg_pool",
    message="torch_style_avg_pool matches torch's AvgPool2d for non-square windows, padding "
    "on one axis only, strides that do not divide, and two channels",
)
def torch_avg_pool_cases(student, rng):
    cases = [((5, 7, 2), (2, 3), (2, 2), (0, 1)), ((6, 5, 1), (3, 3), (2, 3), (1, 0)),
             ((7, 7, 2), (3, 3), (3, 2), (1, 1)),
             ((int(rng.integers(5, 9)), int(rng.integers(5, 9)), 2), (2, 2),
              (int(rng.integers(1, 3)), int(rng.integers(1, 3))), (1, 1))]
    for shape, pool, stride, padding in cases:
        x = rng.normal(size=(2, *shape)).astype(np.float32)
        info = expect_functional(student.model("torch_style_avg_pool", shape, pool, stride,
                                               padding, inputs=x))
        expect_close(info.outputs, torch_avg_pool(x, pool, stride, padding), rtol=RTOL, atol=ATOL,
                     what=f"the output for {shape}, window {pool}, stride {stride}, "
                          f"padding {padding}")


# ------------------------------------------------------------ 7.6 LeNet


@checks.hidden(
    "ch07.lenet",
    message="lenet_variant follows its arguments: one, two or three conv blocks (only the "
    "first padded), max or average pooling, other dense widths, activations, input shapes "
    "with several channels and class counts; functional, the same forward pass",
)
def lenet_variants(student, rng):
    cases = [dict(input_shape=(32, 32, 3), num_classes=5, conv_channels=(8,), dense_units=(32,),
                  activation="relu", pooling="max"),
             dict(input_shape=(64, 48, 1), num_classes=4, conv_channels=(4, 6, 8),
                  dense_units=(20, 16, 12), activation="tanh", pooling="avg"),
             dict(input_shape=(int(rng.choice([28, 32])), int(rng.choice([28, 36])), 3),
                  num_classes=int(rng.integers(3, 8)),
                  conv_channels=tuple(int(c) for c in rng.integers(2, 9, size=2)),
                  dense_units=tuple(int(u) for u in
                                    rng.integers(8, 40, size=int(rng.integers(1, 3)))),
                  activation=str(rng.choice(["relu", "tanh"])),
                  pooling=str(rng.choice(["max", "avg"])))]
    for case in cases:
        expect_lenet(student, rng, **case)


@checks.hidden(
    "ch07.receptive_field",
    message="receptive_field works for one layer, 1x1 kernels, strides larger than the kernel "
    "and random stacks",
)
def receptive_field_cases(student, rng):
    cases = [[(7, 2)], [(1, 1), (3, 2), (1, 3)], [(2, 3), (3, 2), (2, 2)], [(3, 2), (3, 2), (3, 2)]]
    cases.append([(int(rng.integers(1, 6)), int(rng.integers(1, 4)))
                  for _ in range(int(rng.integers(3, 6)))])
    for layers, expected in RECEPTIVE_FIELD_EXAMPLES:
        expect_equal(receptive_field_reference(layers), expected, f"the reference for receptive_field({layers})")
    for layers in cases:
        expect_receptive_field(student, layers, receptive_field_reference(layers))
