"""Torch versions of a few stock layers' ``call``, for ``workbook.fastfit``.

Keras' torch backend runs a channels-last ``Conv2D`` or pooling layer as
permute, copy to channels-first, copy again to torch's channels-last memory
format, compute, permute back: two copies of every activation forward and
two more backward. Torch can compute on the channels-last tensor directly
(a permuted view *is* a channels-last tensor), which is what a hand-written
torch loop on the same data does. ``lowered_call(layer)`` returns such a
function for the configurations it covers, computing the stock layer's
arithmetic on the layer's own variables, or ``None`` (the caller then uses
``layer.call``). Only exact stock classes qualify, never subclasses.
"""

from __future__ import annotations

import keras
import torch
import torch.nn.functional as F


def _plain(layer) -> bool:
    return not getattr(layer, "lora_enabled", False) and getattr(layer, "quantization_mode", None) is None


def _activation(layer):
    return layer.activation if layer.activation is not None else (lambda x: x)


def _dense(layer):
    activation = _activation(layer)

    def call(inputs, training=None):
        x = torch.matmul(inputs, layer._kernel.value)  # what ops.matmul runs
        if layer.bias is not None:
            x = x + layer.bias.value
        return activation(x)
    return call


def _conv2d(layer):
    kernel_size, dilation = tuple(layer.kernel_size), tuple(layer.dilation_rate)
    if layer.padding == "valid":
        padding = 0
    elif (layer.padding == "same" and tuple(layer.strides) == (1, 1)
          and all(k % 2 == 1 for k in kernel_size)):
        # Keras pads k - 1 in total, the extra one at the end; for odd k and
        # stride 1 that is k // 2 on both sides, as torch pads.
        padding = tuple(d * (k // 2) for k, d in zip(kernel_size, dilation))
    else:
        return None
    activation = _activation(layer)
    strides, groups = tuple(layer.strides), layer.groups

    def call(inputs):
        # (h, w, in, out) -> (out, in, h, w); NHWC -> NCHW views, no copies.
        kernel = layer._kernel.value.permute(3, 2, 0, 1)
        bias = layer.bias.value if layer.use_bias else None
        x = F.conv2d(inputs.permute(0, 3, 1, 2), kernel, bias, strides, padding, dilation, groups)
        return activation(x.permute(0, 2, 3, 1))
    return call


def _pool2d(layer):
    if layer.padding != "valid":
        return None
    pool = F.max_pool2d if layer.pool_mode == "max" else F.avg_pool2d
    size, strides = tuple(layer.pool_size), tuple(layer.strides)

    def call(inputs):
        return pool(inputs.permute(0, 3, 1, 2), size, strides).permute(0, 2, 3, 1)
    return call


_LOWERINGS = {
    keras.layers.Dense: _dense,
    keras.layers.Conv2D: _conv2d,
    keras.layers.MaxPooling2D: _pool2d,
    keras.layers.AveragePooling2D: _pool2d,
}


def lowered_call(layer):
    """A torch function computing ``layer.call``, or None if not covered."""
    lower = _LOWERINGS.get(type(layer))
    if lower is None or not _plain(layer):
        return None
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        return None
    return lower(layer)
