"""Helpers for the convolutional chapters (7 and 8).

Everything here is channels-last, like Keras: images are ``(batch, height,
width, channels)``, Conv2D kernels ``(kernel_h, kernel_w, c_in, c_out)``.

* ``corr2d(X, K)`` -- the 2-D cross-correlation of one single-channel image
  with one kernel, written with ``keras.ops`` (differentiable on torch);
* ``conv_output_size(n, kernel, padding, stride)`` -- the output length of a
  convolution or pooling along one axis, with torch-style padding (``padding``
  rows on *each* side);
* ``PaddedMaxPooling2D`` -- torch's ``MaxPool2d(kernel, stride, padding)``:
  pads with -inf, then pools without padding (Keras' ``padding="same"`` pads
  differently, see chapter 7.5);
* ``shape_table(model)`` / ``print_shape_table(model)`` -- each layer's output
  shape and parameter count, the D2L book's ``layer_summary``;
* ``load_digit_images(size)`` -- scikit-learn's 8x8 handwritten digits (real
  data that ships with the package), upsampled to ``size`` x ``size``;
* ``ResizedBatches`` / ``load_fashion_mnist_resized(size, ...)`` --
  Fashion-MNIST resized one batch at a time, so the large copy of the whole
  set never exists.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


def _pair(value, what: str) -> tuple[int, int]:
    """An int or a pair of ints as a pair of non-negative ints."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and v >= 0 for v in pair):
        raise ValueError(f"{what} must be an int or a pair of ints >= 0, got {value!r}")
    return int(pair[0]), int(pair[1])


# ------------------------------------------------------------ 7.2 and 7.3


def corr2d(X, K):
    """Cross-correlation of a 2-D array ``X`` (h, w) with a kernel ``K`` (kh, kw).

    Returns the (h - kh + 1, w - kw + 1) map. The output is built from
    shifted slices of ``X`` (one per kernel entry), so it stays a function
    of ``X`` and ``K`` that torch autograd can differentiate.
    """
    X, K = ops.convert_to_tensor(X), ops.convert_to_tensor(K)
    if len(X.shape) != 2 or len(K.shape) != 2:
        raise ValueError(f"corr2d needs 2-D X and K, got shapes {tuple(X.shape)} and "
                         f"{tuple(K.shape)}")
    kh, kw = K.shape
    out_h, out_w = X.shape[0] - kh + 1, X.shape[1] - kw + 1
    if out_h < 1 or out_w < 1:
        raise ValueError(f"kernel {tuple(K.shape)} is larger than the image {tuple(X.shape)}")
    total = 0.0
    for a in range(kh):
        for b in range(kw):
            total = total + K[a, b] * X[a : a + out_h, b : b + out_w]
    return total


def conv_output_size(n: int, kernel: int, padding: int = 0, stride: int = 1) -> int:
    """floor((n + 2 * padding - kernel) / stride) + 1 (torch's convention).

    ``padding`` is added on each side, as in torch's ``Conv2d(padding=p)``;
    the D2L book's p_h counts both sides together.
    """
    for name, value, low in (("n", n, 1), ("kernel", kernel, 1), ("padding", padding, 0),
                             ("stride", stride, 1)):
        if not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    if n + 2 * padding < kernel:
        raise ValueError(f"a kernel of {kernel} does not fit {n} + 2 * {padding}")
    return (n + 2 * padding - kernel) // stride + 1


# ------------------------------------------------------------------ 7.5


@keras.saving.register_keras_serializable(package="workbook")
class PaddedMaxPooling2D(keras.layers.Layer):
    """torch's ``MaxPool2d(pool_size, strides, padding)`` on channels-last input.

    Pads ``padding`` rows and columns on each side with -inf (which never
    wins a max), then max-pools without padding. ``strides`` defaults to the
    pool size, as in both libraries.
    """

    def __init__(self, pool_size, strides=None, padding=0, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = _pair(pool_size, "pool_size")
        self.strides = _pair(strides, "strides") if strides is not None else self.pool_size
        self.padding = _pair(padding, "padding")
        if min(self.pool_size) < 1 or min(self.strides) < 1:
            raise ValueError("pool_size and strides must be >= 1")
        if any(2 * p > k for p, k in zip(self.padding, self.pool_size)):
            raise ValueError(f"padding {self.padding} must be at most half of pool_size "
                             f"{self.pool_size} (torch's rule)")

    def call(self, inputs):
        ph, pw = self.padding
        padded = ops.pad(inputs, [[0, 0], [ph, ph], [pw, pw], [0, 0]],
                         constant_values=float("-inf"))
        return ops.max_pool(padded, self.pool_size, self.strides, padding="valid")

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides,
                "padding": self.padding}


# ----------------------------------------------------------------- shapes


def shape_table(model: keras.Model) -> list[tuple[str, str, tuple, int]]:
    """(layer name, class, output shape without the batch axis, parameters) per layer.

    The input layer is left out. Works for a functional model with one input
    and layers that each have one output.
    """
    rows = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        shape = tuple(layer.output.shape[1:])
        rows.append((layer.name, type(layer).__name__, shape, layer.count_params()))
    return rows


def print_shape_table(model: keras.Model) -> None:
    """Print ``shape_table(model)`` and the total parameter count."""
    print(f"{'layer':24s} {'class':20s} {'output shape':18s} {'params':>10s}")
    for name, cls, shape, params in shape_table(model):
        print(f"{name:24s} {cls:20s} {str(shape):18s} {params:10,d}")
    print(f"{'total':64s} {model.count_params():10,d}")


# ------------------------------------------------------------------- data


def _resize(images: np.ndarray, size: int) -> np.ndarray:
    resized = ops.image.resize(images, (size, size), interpolation="bilinear")
    return np.clip(ops.convert_to_numpy(resized), 0.0, 1.0).astype(np.float32)


def load_digit_images(size: int = 28, val_fraction: float = 0.2, seed: int = 0):
    """scikit-learn's handwritten digits as ``((x_train, y_train), (x_val, y_val))``.

    1,797 real 8x8 images (no download), scaled to [0, 1], upsampled
    bilinearly to ``size`` x ``size`` and shaped (N, size, size, 1); labels
    int32. The split is a seeded random permutation.
    """
    from sklearn.datasets import load_digits

    if not isinstance(size, (int, np.integer)) or size < 8:
        raise ValueError(f"size must be an int >= 8, got {size!r}")
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must lie strictly between 0 and 1, got {val_fraction!r}")
    digits = load_digits()
    images = _resize((digits.images / 16.0).astype(np.float32)[..., None], int(size))
    labels = digits.target.astype(np.int32)
    order = np.random.default_rng(seed).permutation(len(labels))
    split = len(order) - int(round(val_fraction * len(order)))
    train, val = order[:split], order[split:]
    return (images[train], labels[train]), (images[val], labels[val])


class ResizedBatches(keras.utils.PyDataset):
    """Another image ``PyDataset``'s batches, resized to ``size`` x ``size``.

    Each batch is resized when it is requested, so only one batch exists at
    the larger size. ``source`` is for example one of ``load_fashion_mnist``'s
    ``ImageBatches``; its shuffling is kept (``on_epoch_end`` is passed on).
    """

    def __init__(self, source: keras.utils.PyDataset, size: int, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(size, (int, np.integer)) or size < 1:
            raise ValueError(f"size must be a positive int, got {size!r}")
        self.source = source
        self.size = int(size)

    def __len__(self) -> int:
        return len(self.source)

    def __getitem__(self, index: int):
        images, labels = self.source[index][:2]
        return _resize(np.asarray(images, dtype=np.float32), self.size), labels

    def on_epoch_end(self):
        self.source.on_epoch_end()


def load_fashion_mnist_resized(size: int, batch_size: int = 128, num_train: int | None = None,
                               num_test: int | None = None, seed: int = 0):
    """Fashion-MNIST as ``(train, test)`` batches of ``size`` x ``size`` images.

    The data layer's ``load_fashion_mnist`` (profile-sized, mock data under
    ``WORKBOOK_MOCK_DATA=1``) wrapped in ``ResizedBatches``; with ``size=28``
    the images are passed through unchanged.
    """
    from workbook.datasets import load_fashion_mnist

    train, test = load_fashion_mnist(batch_size=batch_size, num_train=num_train,
                                     num_test=num_test, seed=seed)
    if size == 28:
        return train, test
    return ResizedBatches(train, size), ResizedBatches(test, size)
