"""workbook.attention: masks, attention layers equal to Keras' own, positional
encoding, the Transformer and Bahdanau translators, the ViT, saving and loading."""

from types import SimpleNamespace

import numpy as np
import pytest

import workbook  # noqa: F401  (selects the torch backend)
import keras
from keras import layers, ops

from workbook import attention as A
from workbook import seq2seq


def numpy(x):
    return ops.convert_to_numpy(x)


def book_inputs(query_size, seed=0):
    """D2L 11.3's test: keys of ones, values arange(40) (twice), valid lengths 2 and 6."""
    rng = np.random.default_rng(seed)
    queries = rng.normal(size=(2, 1, query_size)).astype("float32")
    keys = np.ones((2, 10, 2), "float32")
    values = np.tile(np.arange(40, dtype="float32").reshape(1, 10, 4), (2, 1, 1))
    return queries, keys, values, np.array([2, 6])


BOOK_OUTPUT = np.array([[[2, 3, 4, 5]], [[10, 11, 12, 13]]], dtype="float32")


def test_masked_softmax_one_and_two_dimensional_lengths():
    scores = np.random.default_rng(1).normal(size=(2, 2, 4)).astype("float32")
    got = numpy(A.masked_softmax(scores, np.array([2, 3])))
    np.testing.assert_allclose(got[0, :, 2:], 0, atol=1e-7)
    np.testing.assert_allclose(got[1, :, 3:], 0, atol=1e-7)
    np.testing.assert_allclose(got.sum(-1), 1, rtol=1e-6)
    per_query = numpy(A.masked_softmax(scores, np.array([[1, 3], [2, 4]])))
    np.testing.assert_allclose(per_query[0, 0], [1, 0, 0, 0], atol=1e-7)
    e = np.exp(scores[1, 1] - scores[1, 1].max())
    np.testing.assert_allclose(per_query[1, 1], e / e.sum(), rtol=1e-5)


def test_fully_masked_row_is_uniform_here_and_zeros_in_keras():
    scores = np.random.default_rng(2).normal(size=(1, 2, 4)).astype("float32")
    ours = numpy(A.masked_softmax(scores, np.array([[0, 2]])))
    np.testing.assert_allclose(ours[0, 0], 0.25, rtol=1e-6)  # the book's -1e6 fill
    mask = numpy(A.valid_lens_mask(np.array([[0, 2]]), 2, 4))
    theirs = numpy(layers.Softmax()(scores, mask=mask))
    np.testing.assert_allclose(theirs[0, 0], 0.0, atol=1e-7)
    np.testing.assert_allclose(theirs[0, 1], ours[0, 1], rtol=1e-6)


def test_valid_lens_mask_rejects_other_ranks():
    with pytest.raises(ValueError, match="1-D or 2-D"):
        A.valid_lens_mask(np.ones((2, 2, 2), "int32"), 2, 3)


def test_dot_product_attention_is_the_book_and_keras_attention_on_scaled_queries():
    queries, keys, values, valid = book_inputs(2)
    layer = A.DotProductAttention()
    got = numpy(layer(queries, keys, values, valid))
    np.testing.assert_allclose(got, BOOK_OUTPUT, rtol=1e-5)
    rng = np.random.default_rng(3)
    queries, keys, values = (rng.normal(size=s).astype("float32") for s in ((2, 3, 8), (2, 5, 8), (2, 5, 6)))
    valid = np.array([5, 2])
    ours = numpy(layer(queries, keys, values, valid))
    key_mask = numpy(A.valid_lens_mask(valid, 1, 5))[:, 0]
    stock = layers.Attention()([queries / np.sqrt(8), values, keys], mask=[None, key_mask])
    np.testing.assert_allclose(numpy(stock), ours, rtol=1e-5, atol=1e-6)
    unscaled = layers.Attention()([queries, values, keys], mask=[None, key_mask])
    assert np.abs(numpy(unscaled) - ours).max() > 1e-3  # the stock layer does not scale
    np.testing.assert_allclose(numpy(layer.last_attention_weights)[1, :, 2:], 0, atol=1e-7)


def test_additive_attention_is_the_book_and_keras_additive_attention_on_projections():
    queries, keys, values, valid = book_inputs(20)
    layer = A.AdditiveAttention(8)
    np.testing.assert_allclose(numpy(layer(queries, keys, values, valid)), BOOK_OUTPUT, rtol=1e-5)
    rng = np.random.default_rng(4)
    queries, keys, values = (rng.normal(size=s).astype("float32") for s in ((2, 3, 5), (2, 4, 7), (2, 4, 3)))
    valid = np.array([1, 4])
    layer = A.AdditiveAttention(6)
    ours = numpy(layer(queries, keys, values, valid))
    stock = layers.AdditiveAttention(use_scale=True)
    key_mask = numpy(A.valid_lens_mask(valid, 1, 4))[:, 0]
    args = [layer.W_q(queries), values, layer.W_k(keys)]
    stock(args, mask=[None, key_mask])
    stock.scale.assign(numpy(layer.w_v.kernel)[:, 0])  # its scale vector is w_v
    np.testing.assert_allclose(numpy(stock(args, mask=[None, key_mask])), ours, rtol=1e-5, atol=1e-6)


def test_transpose_qkv_orders_heads_by_example_and_inverts():
    x = np.arange(2 * 3 * 6, dtype="float32").reshape(2, 3, 6)
    split = numpy(A.transpose_qkv(x, 3))
    assert split.shape == (6, 3, 2)
    np.testing.assert_array_equal(split[1 * 3 + 2], x[1, :, 4:6])  # example 1, head 2
    np.testing.assert_array_equal(numpy(A.transpose_output(split, 3)), x)
    with pytest.raises(ValueError, match="heads"):
        A.transpose_qkv(x, 4)
    with pytest.raises(ValueError, match="multiple"):
        A.MultiHeadAttentionScratch(10, 3)


def test_scratch_multi_head_attention_equals_keras_with_reshaped_weights():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(2, 4, 100)).astype("float32")
    Y = rng.normal(size=(2, 6, 100)).astype("float32")
    valid = np.array([3, 2])
    scratch = A.MultiHeadAttentionScratch(100, 5)
    ours = numpy(scratch(X, Y, Y, valid))
    assert ours.shape == (2, 4, 100)
    stock = layers.MultiHeadAttention(5, key_dim=20, use_bias=False)
    stock(X, Y, Y)
    stock.set_weights(A.mha_weights_from_scratch(scratch))
    mask = numpy(A.valid_lens_mask(valid, 4, 6))
    np.testing.assert_allclose(numpy(stock(X, Y, Y, attention_mask=mask)), ours, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="bias-free"):
        biased = A.MultiHeadAttentionScratch(10, 2, use_bias=True)
        biased(X[..., :10], X[..., :10], X[..., :10])
        A.mha_weights_from_scratch(biased)


def test_positional_encoding_values_rotation_and_odd_width():
    P = A.sinusoidal_encoding(60, 32)
    assert P.dtype == np.float32
    np.testing.assert_allclose(P[1, :4], [0.841471, 0.540302, 0.533168, 0.846009], atol=1e-6)
    np.testing.assert_allclose(P[59, 6:8], [-0.87579, -0.482692], atol=1e-5)
    for j, delta in ((0, 1), (3, 7), (15, 20)):
        omega = 1 / 10000 ** (2 * j / 32)
        np.testing.assert_allclose(A.rotation(delta * omega) @ P[10, 2 * j:2 * j + 2],
                                   P[10 + delta, 2 * j:2 * j + 2], atol=1e-5)
    odd = A.sinusoidal_encoding(5, 7)
    np.testing.assert_allclose(odd[:, 6], np.sin(np.arange(5) / 10000 ** (6 / 7)), atol=1e-6)
    layer = A.PositionalEncoding(8, dropout=0.5, max_len=20)
    x = np.zeros((2, 5, 8), "float32")
    np.testing.assert_allclose(numpy(layer(x)), np.broadcast_to(A.sinusoidal_encoding(20, 8)[:5], x.shape))


@pytest.fixture(scope="module")
def transformer():
    keras.utils.set_random_seed(0)
    return A.build_transformer(12, 14, 16, 32, 4, 2, dropout=0.0)


def test_transformer_step_decoding_equals_the_teacher_forced_model(transformer):
    rng = np.random.default_rng(6)
    src = rng.integers(0, 12, (3, 7)).astype("int32")
    valid = np.array([7, 3, 1], "int32")
    tgt = rng.integers(0, 14, (3, 5)).astype("int32")
    full = numpy(transformer.model([src, valid, tgt]))
    state = transformer.initial_state(src, valid)
    for t in range(5):
        logits, state = transformer.step(tgt[:, t], state)
        np.testing.assert_allclose(logits, full[:, t], rtol=1e-4, atol=1e-5)


def test_transformer_ignores_padded_source_tokens(transformer):
    rng = np.random.default_rng(7)
    src = rng.integers(0, 12, (2, 6)).astype("int32")
    valid = np.array([3, 6], "int32")
    tgt = rng.integers(0, 14, (2, 4)).astype("int32")
    changed = src.copy()
    changed[0, 3:] = (changed[0, 3:] + 5) % 12
    np.testing.assert_allclose(numpy(transformer.model([changed, valid, tgt])),
                               numpy(transformer.model([src, valid, tgt])), rtol=1e-5, atol=1e-5)
    changed[1, 5] = (changed[1, 5] + 1) % 12  # a real token of row 1 does matter
    assert np.abs(numpy(transformer.model([changed, valid, tgt]))[1]
                  - numpy(transformer.model([src, valid, tgt]))[1]).max() > 1e-4


def test_bahdanau_shapes_weights_and_stepwise_decoding():
    keras.utils.set_random_seed(1)
    model = A.build_bahdanau(10, 10, 8, 16, 2, num_steps=7)  # the book's shape test
    src = np.random.default_rng(8).integers(0, 10, (4, 7)).astype("int32")
    valid = np.array([7, 3, 2, 1], "int32")
    state = model.initial_state(src, valid)
    assert state[0].shape == (4, 7, 16) and [s.shape for s in state[2:]] == [(4, 16), (4, 16)]
    logits, weights, _ = model.run(src, state)
    assert logits.shape == (4, 7, 10) and weights.shape == (4, 7, 7)
    np.testing.assert_allclose(weights.sum(-1), 1, rtol=1e-5)
    for row, n in enumerate(valid):
        np.testing.assert_allclose(weights[row, :, n:], 0, atol=1e-7)
    np.testing.assert_allclose(numpy(model.model([src, valid, src])), logits, rtol=1e-5, atol=1e-6)
    first, state = model.step(src[:, 0], state)
    second, _ = model.step(src[:, 1], state)
    np.testing.assert_allclose(np.stack([first, second], 1), logits[:, :2], rtol=1e-5, atol=1e-6)


def test_vit_shapes_and_class_token():
    vit = A.build_vit((28, 28, 1), 7, 16, 32, 4, 1, num_classes=10)
    assert vit.output_shape == (None, 10)
    assert tuple(vit.get_layer("positions").positions.shape) == (1, 17, 16)  # 16 patches + <cls>
    images = keras.Input((96, 96, 3))
    assert A.patch_embedding(images, 16, 8).shape == (None, 36, 8)


@pytest.mark.parametrize("which", ["transformer", "bahdanau"])
def test_translators_train_on_the_fast_path_with_the_masked_loss(which):
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    translator = (A.build_transformer(9, 9, 8, 16, 2, 1) if which == "transformer"
                  else A.build_bahdanau(9, 9, 4, 8, 2, num_steps=4))
    src = rng.integers(1, 9, (16, 5)).astype("int32")
    tgt = rng.integers(0, 9, (16, 5)).astype("int32")
    data = SimpleNamespace(src=src, src_valid_len=np.full(16, 5, "int32"), tgt_in=tgt[:, :-1],
                           tgt_out=tgt[:, 1:], tgt_vocab={"<pad>": 0})
    history = seq2seq.train_seq2seq(translator.model, data, epochs=2, batch_size=8, verbose=0)
    assert translator.model.last_fit_path == "fast", translator.model.last_fit_reason
    assert np.isfinite(history.history["loss"]).all()


def test_vit_trains_on_the_fast_path():
    vit = A.build_vit((8, 8, 1), 4, 8, 16, 2, 1, num_classes=3)
    vit.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                metrics=["accuracy"])
    images = np.random.default_rng(4).normal(size=(16, 8, 8, 1)).astype("float32")
    labels = np.arange(16) % 3
    vit.fit(images, labels, validation_data=(images, labels), batch_size=8, epochs=1, verbose=0)
    assert vit.last_fit_path == "fast", vit.last_fit_reason


@pytest.mark.parametrize("which", ["transformer", "bahdanau", "vit", "layers"])
def test_models_with_custom_layers_save_and_load(which, tmp_path):
    keras.utils.set_random_seed(2)
    rng = np.random.default_rng(9)
    if which == "transformer":
        model = A.build_transformer(9, 9, 8, 16, 2, 1).model
        inputs = [rng.integers(0, 9, (2, 5)).astype("int32"), np.array([5, 2], "int32"),
                  rng.integers(0, 9, (2, 4)).astype("int32")]
    elif which == "bahdanau":
        model = A.build_bahdanau(9, 9, 4, 8, 2, num_steps=4).model
        inputs = [rng.integers(0, 9, (2, 5)).astype("int32"), np.array([5, 2], "int32"),
                  rng.integers(0, 9, (2, 4)).astype("int32")]
    elif which == "vit":
        model = A.build_vit((8, 8, 1), 4, 8, 16, 2, 1, num_classes=3)
        inputs = rng.normal(size=(2, 8, 8, 1)).astype("float32")
    else:
        q, k = keras.Input((3, 6)), keras.Input((5, 6))
        valid = keras.Input((), dtype="int32")
        outs = [A.DotProductAttention()(q, k, k, valid), A.AdditiveAttention(4)(q, k, k, valid),
                A.MultiHeadAttentionScratch(6, 2)(q, k, k, valid), A.PositionalEncoding(6)(q)]
        model = keras.Model([q, k, valid], outs)
        inputs = [rng.normal(size=(2, 3, 6)).astype("float32"), rng.normal(size=(2, 5, 6)).astype("float32"),
                  np.array([5, 1], "int32")]
    path = tmp_path / f"{which}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    before, after = model.predict(inputs, verbose=0), loaded.predict(inputs, verbose=0)
    for b, a in zip(before if isinstance(before, list) else [before],
                    after if isinstance(after, list) else [after]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_show_heatmaps_saves_a_figure(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_FIGURES", str(tmp_path))
    path = A.show_heatmaps(np.eye(4).reshape(1, 1, 4, 4), "keys", "queries", name="eye")
    assert path is not None and path.exists()
    with pytest.raises(ValueError, match="4-D"):
        A.show_heatmaps(np.eye(4), "keys", "queries")
