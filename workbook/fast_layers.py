"""Torch versions of a few stock layers' ``call``, for ``workbook.fastfit``.

Keras' torch backend runs a channels-last ``Conv2D`` or pooling layer as
permute, copy to channels-first, copy again to torch's channels-last memory
format, compute, permute back: two copies of every activation forward and
two more backward. Torch can compute on the channels-last tensor directly
(a permuted view *is* a channels-last tensor), which is what a hand-written
torch loop on the same data does. ``MultiHeadAttention`` has sublayers (four
``EinsumDense``, ``Softmax``, ``Dropout``), so without a lowering each step
runs five or six Keras ``__call__`` s per attention layer.
``lowered_call(layer)`` returns a torch function for the configurations it
covers, computing the stock layer's arithmetic on the layer's own variables,
or ``None`` (the caller then uses ``layer.call`` or ``layer``). Only exact
stock classes qualify, never subclasses.
"""

from __future__ import annotations

import keras
import torch
import torch.nn.functional as F
from keras.src.backend.torch.nn import _get_large_negative
from keras.src.layers.activations.softmax import _large_negative_number


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


def _layer_norm(layer):
    # ops.layer_normalization runs F.layer_norm for a contiguous axis.
    if layer.rms_scaling or layer.axis != [-1]:
        return None
    epsilon = layer.epsilon

    def call(inputs):
        gamma = None if layer.gamma is None else layer.gamma.value
        beta = None if layer.beta is None else layer.beta.value
        return F.layer_norm(inputs, inputs.shape[-1:], gamma, beta, epsilon)
    return call


def _projection(dense):
    """``EinsumDense.call`` (no activation) on the layer's own variables: a
    matmul for ``MultiHeadAttention``'s rank-3 equations (the same products,
    without einsum's permutes), else ``torch.einsum``."""
    equation = dense.equation

    def project(x):
        kernel = dense._kernel.value
        if equation == "abc,cde->abde":  # (B, T, D) x (D, N, H) -> (B, T, N, H)
            x = (x @ kernel.flatten(1)).unflatten(-1, kernel.shape[1:])
        elif equation == "abcd,cde->abe":  # (B, T, N, H) x (N, H, D) -> (B, T, D)
            x = x.flatten(-2) @ kernel.flatten(0, 1)
        else:
            x = torch.einsum(equation, x, kernel)
        return x if dense.bias is None else x + dense.bias.value
    return project


def _multi_head_attention(layer):
    """``MultiHeadAttention.call`` for rank-3 query/key/value without Keras
    masks on the inputs, taking the same branch as stock: the fused kernel
    (``ops.dot_product_attention``) when there is no dropout and no scores
    are returned, else the explicit masked softmax and the layer's own
    ``Dropout`` (called directly, so it draws what stock draws)."""
    if not layer.built:
        return None
    sublayers = (layer._query_dense, layer._key_dense, layer._value_dense, layer._output_dense)
    if (layer._use_gate or layer._sliding_window is not None or layer._flash_attention
            or layer._activity_regularizer is not None or tuple(layer._attention_axes) != (1,)
            or layer._dot_product_equation != "aecd,abcd->acbe"
            or layer._combine_equation != "acbe,aecd->abcd"):
        return None
    if not all(type(d) is keras.layers.EinsumDense and _plain(d)
               and d.activation in (None, keras.activations.linear)
               and d.activity_regularizer is None and d.dtype_policy.name == "float32"
               for d in sublayers):
        return None
    scale = layer._inverse_sqrt_key_dim
    project_query, project_key, project_value, project_output = map(_projection, sublayers)

    def call(query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        if (query_mask is not None or value_mask is not None or key_mask is not None
                or any(getattr(x, "_keras_mask", None) is not None for x in (query, value, key))):
            return layer(query, value, key, query_mask=query_mask, value_mask=value_mask,
                         key_mask=key_mask, attention_mask=attention_mask,
                         return_attention_scores=return_attention_scores, training=training,
                         use_causal_mask=use_causal_mask)
        q = project_query(query)
        k = project_key(value if key is None else key)
        v = project_value(value)
        mask = None if attention_mask is None else torch.as_tensor(attention_mask, device=q.device).bool()
        causal_only = use_causal_mask and mask is None
        if use_causal_mask:
            causal = torch.ones(q.shape[1], v.shape[1], dtype=torch.bool, device=q.device).tril()
            mask = causal if causal_only else mask & causal
        while mask is not None and mask.dim() < 4:
            mask = mask.unsqueeze(-3)  # (B, T, S) -> (B, 1, T, S): the same for every head
        if not (layer._dropout > 0.0 or return_attention_scores):
            # keras.src.backend.torch.nn.dot_product_attention on (B, T, N, H)
            if causal_only:
                mask = None  # the kernel's own causal mask
            elif mask is not None:
                mask = torch.where(mask, 0.0, _get_large_negative(q.dtype)).contiguous()
            output = F.scaled_dot_product_attention(
                q.transpose(1, 2).contiguous(), k.transpose(1, 2).contiguous(),
                v.transpose(1, 2).contiguous(), attn_mask=mask, is_causal=causal_only,
                scale=scale).transpose(2, 1)
            scores = None
        else:
            # einsum("aecd,abcd->acbe", k, q): (B, N, T, S) scores
            scores = (q * scale).transpose(1, 2) @ k.permute(0, 2, 3, 1)
            if mask is not None:  # keras.layers.Softmax(mask): masked rows become zeros
                scores = torch.where(mask, scores, _large_negative_number(scores.dtype))
            scores = torch.softmax(scores, dim=-1)
            if mask is not None:
                scores = torch.where(mask, scores, 0.0)
            weights = layer._dropout_layer.call(scores, training=training) if layer._dropout > 0 else scores
            # einsum("acbe,aecd->abcd", weights, v): (B, T, N, H)
            output = (weights @ v.transpose(1, 2)).transpose(1, 2)
        output = project_output(output)
        return (output, scores) if return_attention_scores else output
    return call


_LOWERINGS = {
    keras.layers.Dense: _dense,
    keras.layers.Conv2D: _conv2d,
    keras.layers.MaxPooling2D: _pool2d,
    keras.layers.AveragePooling2D: _pool2d,
    keras.layers.LayerNormalization: _layer_norm,
    keras.layers.MultiHeadAttention: _multi_head_attention,
}


def register_lowering(layer_class, lower) -> None:
    """Let the workbook's own layers be lowered too (without importing them
    here): ``lower(layer)`` returns a function computing ``layer.call``
    exactly, or None. Only instances of exactly ``layer_class`` qualify."""
    _LOWERINGS[layer_class] = lower


def lowered_call(layer):
    """A torch function computing ``layer.call``, or None if not covered."""
    lower = _LOWERINGS.get(type(layer))
    if lower is None or not _plain(layer):
        return None
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        return None
    return lower(layer)
