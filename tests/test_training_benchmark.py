"""benchmarks/training_vs_torch.py compares like with like: each hand-written
torch module is the chapter's Keras model (same parameter count; for the
chapter 11 models, the same function once given the Keras weights)."""

import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import training_vs_torch as bench  # noqa: E402


@pytest.mark.parametrize("name", sorted(bench.BENCHES))
def test_torch_module_has_the_keras_models_parameter_count(name):
    """make_runners also refuses a "stock" model that is a FastModel (builders may return one)."""
    spec = bench.BENCHES[name]
    bench.check_same_size(spec, bench.make_runners(spec, 1))


def test_a_size_mismatch_is_reported():
    spec = bench.BENCHES["vit"]
    runners = bench.make_runners(spec, 1)
    runners["torch loop"].model.head.append(torch.nn.Linear(10, 10))
    with pytest.raises(AssertionError, match="vit: the torch module has 41,880 parameters, expected 41,770"):
        bench.check_same_size(spec, runners)


def test_a_fallback_to_stock_fit_is_reported(monkeypatch):
    spec = bench.BENCHES["linreg"]
    cpu, wall, fallback = bench.measure(spec, steps=2, rounds=1)
    assert fallback is None and set(cpu) == set(wall) == set(bench.VARIANTS)
    monkeypatch.setattr(bench.FastModel, "_lean_reason", lambda self, x, y, kwargs: "some reason")
    assert bench.measure(spec, steps=2, rounds=1)[2] == "some reason"


# ------------------------------------------- Keras weights into the torch modules


def put(param, array):
    with torch.no_grad():
        param.copy_(torch.from_numpy(np.ascontiguousarray(array)))


def put_dense(linear, dense):
    kernel, *bias = dense.get_weights()
    put(linear.weight, kernel.T)
    if bias:
        put(linear.bias, bias[0])


def put_norm(norm, keras_norm):
    gamma, beta = keras_norm.get_weights()
    put(norm.weight, gamma)
    put(norm.bias, beta)


def put_attention(mha, keras_mha):
    """Keras' q/k/v kernels are (in, heads, d), its output kernel (heads, d, out); biases optional."""
    weights = keras_mha.get_weights()
    per_dense = len(weights) // 4  # kernel, or kernel and bias
    for i, linear in enumerate((mha.W_q, mha.W_k, mha.W_v, mha.W_o)):
        kernel, *bias = weights[i * per_dense:(i + 1) * per_dense]
        kernel = kernel.reshape(-1, kernel.shape[-1]) if linear is mha.W_o else kernel.reshape(kernel.shape[0], -1)
        put(linear.weight, kernel.T)
        if bias:
            put(linear.bias, bias[0].reshape(-1))


def dense_layers(model):
    return [layer for layer in model.layers if type(layer) is keras.layers.Dense]


def put_transformer(module, built):
    enc, dec = built.encoder, built.decoder
    put(module.enc_embed.weight, enc.get_layer("enc_embedding").get_weights()[0])
    put(module.dec_embed.weight, dec.get_layer("dec_embedding").get_weights()[0])
    enc_ffn, dec_ffn = dense_layers(enc), [d for d in dense_layers(dec) if d.name != "logits"]
    for i, block in enumerate(module.encoder):
        put_attention(block.attentions[0], enc.get_layer(f"enc{i + 1}_attention"))
        for norm, n in zip(block.norms, (1, 2)):
            put_norm(norm, enc.get_layer(f"enc{i + 1}_norm{n}"))
        put_dense(block.ffn[0], enc_ffn[2 * i])
        put_dense(block.ffn[2], enc_ffn[2 * i + 1])
    for i, block in enumerate(module.decoder):
        for attention, kind in zip(block.attentions, ("self", "cross")):
            put_attention(attention, dec.get_layer(f"dec{i + 1}_{kind}_attention"))
        for norm, n in zip(block.norms, (1, 2, 3)):
            put_norm(norm, dec.get_layer(f"dec{i + 1}_norm{n}"))
        put_dense(block.ffn[0], dec_ffn[2 * i])
        put_dense(block.ffn[2], dec_ffn[2 * i + 1])
    put_dense(module.out, dec.get_layer("logits"))


def put_vit(module, model):
    kernel, bias = model.get_layer("patch_embedding").get_weights()
    put(module.patches.weight, kernel.transpose(3, 2, 0, 1))  # (h, w, in, out) -> (out, in, h, w)
    put(module.patches.bias, bias)
    put(module.cls, model.get_layer("cls_token").get_weights()[0])
    put(module.positions, model.get_layer("positions").get_weights()[0])
    mlp = dense_layers(model)
    for i, block in enumerate(module.blocks):
        put_norm(block.ln1, model.get_layer(f"block{i + 1}_ln1"))
        put_norm(block.ln2, model.get_layer(f"block{i + 1}_ln2"))
        put_attention(block.attention, model.get_layer(f"block{i + 1}_attention"))
        put_dense(block.mlp[0], mlp[2 * i])
        put_dense(block.mlp[3], mlp[2 * i + 1])
    put_norm(module.head[0], model.get_layer("head_ln"))
    put_dense(module.head[1], model.get_layer("head"))


def torch_logits(module, inputs):
    module.eval()  # no dropout, as Keras' training=False
    with torch.no_grad():
        tensors = [torch.from_numpy(v) for v in inputs]
        return module(*[v if v.is_floating_point() else v.long() for v in tensors]).numpy()


def test_the_torch_transformer_computes_the_chapters_transformer():
    data = bench.chapter11_translation()
    built = bench.build_transformer(len(data.src_vocab), len(data.tgt_vocab), **bench.TRANSFORMER)
    module = bench.transformer_torch()
    put_transformer(module, built)
    inputs, _ = bench.translation_data(None, 16)
    assert len(set(inputs[1])) > 1  # sources of different lengths: the padding mask matters
    expected = keras.ops.convert_to_numpy(built.model(inputs, training=False))
    np.testing.assert_allclose(torch_logits(module, inputs), expected, atol=1e-4, rtol=1e-4)


def test_the_torch_vit_computes_the_chapters_vit():
    model = bench.vit_keras(keras.Model, None)
    module = bench.vit_torch()
    put_vit(module, model)
    images, _ = bench.digits_data(None, 8)
    expected = keras.ops.convert_to_numpy(model(images, training=False))
    np.testing.assert_allclose(torch_logits(module, [images]), expected, atol=1e-4, rtol=1e-4)
