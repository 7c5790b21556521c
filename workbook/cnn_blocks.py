"""The blocks of the modern CNNs of chapter 8, as functions on tensors.

Each function takes a symbolic tensor (channels last), makes fresh layer calls
and returns the output tensor, so blocks compose into one flat functional
model (keras.Input -> blocks -> keras.Model). Chapter 8 prints the source of
each block where it introduces it; later chapters import them.

Conventions that differ from the D2L book's PyTorch code: images are
(batch, height, width, channels); torch-style symmetric padding is written as
``ZeroPadding2D`` before a ``"valid"`` convolution where the exact shape
depends on it; ``"same"`` is used where it gives the book's shapes.
"""

from __future__ import annotations

import keras
from keras import layers

from workbook.fastfit import FastModel


def vgg_block(x, num_convs: int, channels: int):
    """num_convs 3x3 'same' convolutions with ReLU, then 2x2 max-pooling (D2L 8.2)."""
    for _ in range(num_convs):
        x = layers.Conv2D(channels, 3, padding="same", activation="relu")(x)
    return layers.MaxPooling2D(2, strides=2)(x)


def nin_block(x, channels: int, kernel_size, strides, padding: int):
    """A convolution with torch-style zero padding, then two 1x1 convolutions, all ReLU (D2L 8.3)."""
    if padding:
        x = layers.ZeroPadding2D(padding)(x)
    x = layers.Conv2D(channels, kernel_size, strides=strides, activation="relu")(x)
    x = layers.Conv2D(channels, 1, activation="relu")(x)
    return layers.Conv2D(channels, 1, activation="relu")(x)


def inception_block(x, c1: int, c2, c3, c4: int):
    """GoogLeNet's four parallel paths, concatenated on the channel axis (D2L 8.4).

    c1: 1x1; c2 = (reduce, out): 1x1 then 3x3; c3 = (reduce, out): 1x1 then
    5x5; c4: 3x3 max-pooling (stride 1) then 1x1. Output channels c1 + c2[1] +
    c3[1] + c4, same height and width.
    """
    path1 = layers.Conv2D(c1, 1, activation="relu")(x)
    path2 = layers.Conv2D(c2[0], 1, activation="relu")(x)
    path2 = layers.Conv2D(c2[1], 3, padding="same", activation="relu")(path2)
    path3 = layers.Conv2D(c3[0], 1, activation="relu")(x)
    path3 = layers.Conv2D(c3[1], 5, padding="same", activation="relu")(path3)
    path4 = layers.MaxPooling2D(3, strides=1, padding="same")(x)
    path4 = layers.Conv2D(c4, 1, activation="relu")(path4)
    return layers.Concatenate()([path1, path2, path3, path4])


def residual_block(x, channels: int, use_1x1conv: bool = False, strides: int = 1):
    """ResNet's residual block: conv3-BN-ReLU-conv3-BN, plus the shortcut, then ReLU (D2L 8.6).

    The shortcut is the input itself, or a strided 1x1 convolution when
    ``use_1x1conv`` (needed whenever the block changes the shape).
    """
    y = layers.Conv2D(channels, 3, strides=strides, padding="same")(x)
    y = layers.ReLU()(layers.BatchNormalization()(y))
    y = layers.Conv2D(channels, 3, padding="same")(y)
    y = layers.BatchNormalization()(y)
    if use_1x1conv:
        x = layers.Conv2D(channels, 1, strides=strides)(x)
    return layers.ReLU()(layers.Add()([y, x]))


def resnext_block(x, channels: int, group_width: int, bot_mul: float,
                  use_1x1conv: bool = False, strides: int = 1):
    """ResNeXt's bottleneck block with a grouped 3x3 convolution (D2L 8.6.5).

    The bottleneck has ``round(channels * bot_mul)`` channels, split into
    groups of ``group_width`` channels each (``Conv2D(groups=...)``); the
    optional 1x1 shortcut is followed by batch normalization, as in the book.
    """
    bottleneck = int(round(channels * bot_mul))
    if group_width < 1 or bottleneck % group_width:
        raise ValueError(
            f"the bottleneck width {bottleneck} must be a multiple of the group width {group_width}"
        )
    y = layers.Conv2D(bottleneck, 1)(x)
    y = layers.ReLU()(layers.BatchNormalization()(y))
    y = layers.Conv2D(bottleneck, 3, strides=strides, padding="same",
                      groups=bottleneck // group_width)(y)
    y = layers.ReLU()(layers.BatchNormalization()(y))
    y = layers.BatchNormalization()(layers.Conv2D(channels, 1)(y))
    if use_1x1conv:
        x = layers.BatchNormalization()(layers.Conv2D(channels, 1, strides=strides)(x))
    return layers.ReLU()(layers.Add()([y, x]))


def dense_conv_block(x, channels: int):
    """DenseNet's BN-ReLU-conv3 unit (D2L 8.7)."""
    x = layers.ReLU()(layers.BatchNormalization()(x))
    return layers.Conv2D(channels, 3, padding="same")(x)


def dense_block(x, num_convs: int, growth_rate: int):
    """Each unit's output is concatenated after its input: channels grow by growth_rate per unit."""
    for _ in range(num_convs):
        x = layers.Concatenate()([x, dense_conv_block(x, growth_rate)])
    return x


def transition_block(x, channels: int):
    """BN-ReLU-1x1 conv to ``channels``, then 2x2 average pooling: fewer channels, half the size."""
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.Conv2D(channels, 1)(x)
    return layers.AveragePooling2D(2, strides=2)(x)


def anynet(input_shape, stem_channels: int, arch, num_classes: int = 10, name: str = "anynet"):
    """A network of the AnyNet design space (D2L 8.8) as a functional model.

    stem: 3x3 conv with stride 2, BN, ReLU; then one stage per ``(depth,
    channels, group_width, bot_mul)`` in ``arch``: ``depth`` ResNeXt blocks,
    the first halving the resolution with a 1x1 shortcut; head: global
    average pooling and a dense layer of logits. The model is a
    ``workbook.fastfit.FastModel``, a ``keras.Model`` with a lean ``fit``.
    """
    if stem_channels < 1:
        raise ValueError(f"stem_channels must be >= 1, got {stem_channels}")
    if not arch:
        raise ValueError("arch needs at least one stage (depth, channels, group_width, bot_mul)")
    for stage in arch:
        if len(stage) != 4 or stage[0] < 1 or stage[1] < 1:
            raise ValueError(
                f"a stage is (depth >= 1, channels >= 1, group_width, bot_mul); got {stage!r}"
            )
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(stem_channels, 3, strides=2, padding="same")(inputs)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    for depth, channels, group_width, bot_mul in arch:
        x = resnext_block(x, channels, group_width, bot_mul, use_1x1conv=True, strides=2)
        for _ in range(depth - 1):
            x = resnext_block(x, channels, group_width, bot_mul)
    x = layers.GlobalAveragePooling2D()(x)
    return FastModel(inputs, layers.Dense(num_classes)(x), name=name)
