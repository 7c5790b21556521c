"""workbook.fastfit, workbook.fast_layers and workbook.fused_rnn: the fast
training path trains exactly what stock Keras trains.

Tolerances hold on CPU and on a GPU (cuDNN and TF32 round differently from
the CPU kernels); the mistakes they guard against (a dropped regularizer,
the wrong training flag, swapped gates) move weights by 1e-2 or more.
"""

import keras
import numpy as np
import pytest
import torch
from keras import layers

from workbook import attention, seq2seq
from workbook.datasets import ImageBatches
from workbook.fast_layers import lowered_call
from workbook.fastfit import FastModel
from workbook.fused_rnn import FusedGRU, FusedLSTM, FusedSimpleRNN
from workbook.scratch import sgd_step

ATOL, RTOL = 1e-4, 1e-3
STOCK = {"lstm": layers.LSTM, "gru": layers.GRU, "rnn": layers.SimpleRNN}
FUSED = {"lstm": FusedLSTM, "gru": FusedGRU, "rnn": FusedSimpleRNN}


def train(build, model_cls, rnn, x, y, compile_kwargs, **fit_kwargs):
    keras.utils.set_random_seed(3)
    model = build(model_cls, rnn)
    model.compile(**compile_kwargs())  # a fresh optimizer per model
    fit_kwargs = {"batch_size": 16, "epochs": 2, "verbose": 0, "shuffle": False, **fit_kwargs}
    history = model.fit(x, y, **fit_kwargs)
    return model, history.history


def assert_same_training(build, x, y, compile_kwargs, **fit_kwargs):
    """Stock keras.Model + stock layers against FastModel + fused layers."""
    stock, stock_logs = train(build, keras.Model, STOCK, x, y, compile_kwargs, **fit_kwargs)
    fast, fast_logs = train(build, FastModel, FUSED, x, y, compile_kwargs, **fit_kwargs)
    assert fast.last_fit_path == "fast", fast.last_fit_reason
    for a, b in zip(stock.get_weights(), fast.get_weights(), strict=True):
        np.testing.assert_allclose(b, a, atol=ATOL, rtol=RTOL)
    assert stock_logs.keys() == fast_logs.keys()
    for name in stock_logs:
        np.testing.assert_allclose(fast_logs[name], stock_logs[name], atol=ATOL, rtol=RTOL)
    return fast


def sgd(lr=0.1, **kwargs):
    return keras.optimizers.SGD(lr, **kwargs)


XENT = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
rng = np.random.default_rng(0)
IMAGES = rng.random((64, 12, 12, 1), dtype=np.float32)
LABELS = rng.integers(0, 10, 64).astype(np.int32)


def linear(model_cls, rnn):
    inputs = keras.Input((2,))
    return model_cls(inputs, layers.Dense(1, kernel_regularizer=keras.regularizers.L2(0.1))(inputs))


def test_linear_regression_with_a_regularizer_and_validation():
    x = rng.normal(size=(50, 2)).astype(np.float32)
    y = x @ np.array([[2.0], [-3.4]], np.float32) + 4.2
    assert_same_training(linear, x, y, lambda: {"optimizer": sgd(0.03), "loss": "mse"},
                         batch_size=10, validation_data=(x[:20], y[:20]))


class PenalizedBlock(layers.Layer):
    """A custom layer with a sublayer that reads the training flag from the
    call context, and an activity penalty added in call()."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(8, activation="tanh")
        self.dropout = layers.Dropout(0.5, seed=11)

    def call(self, x):
        h = self.dropout(self.dense(x))
        self.add_loss(0.1 * keras.ops.mean(h**2))
        return h


def test_custom_layers_keep_their_training_flag_and_added_losses():
    def build(model_cls, rnn):
        inputs = keras.Input((3,))
        return model_cls(inputs, layers.Dense(1)(PenalizedBlock()(inputs)))
    x = rng.normal(size=(32, 3)).astype(np.float32)
    assert_same_training(build, x, x[:, :1], lambda: {"optimizer": sgd(0.1), "loss": "mse"},
                         batch_size=8, validation_data=(x, x[:, :1]))


def lenet_like(model_cls, rnn):
    inputs = keras.Input((12, 12, 1))
    x = layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(6, 3, strides=2, activation="sigmoid")(x)
    x = layers.AveragePooling2D(2, strides=1)(x)
    # Even kernel: Keras' own call. No bias before batch norm: its gradient
    # is rounding noise, which Adam would blow up to full-size steps.
    x = layers.Conv2D(6, 2, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Flatten()(x)
    # Seeded: unseeded dropout draws from torch's global generator, which
    # Keras' DataLoader also draws from, so the masks would differ.
    x = layers.Dropout(0.3, seed=7)(layers.Dense(16, activation="relu")(x))
    return model_cls(inputs, layers.Dense(10)(x))


def test_cnn_with_batchnorm_dropout_and_accuracy_on_a_pydataset():
    data = ImageBatches((IMAGES * 255).astype(np.uint8), LABELS, batch_size=16, shuffle=True, seed=1)
    validation = ImageBatches((IMAGES[:32] * 255).astype(np.uint8), LABELS[:32], batch_size=16)
    def compile_kwargs():
        return {"optimizer": keras.optimizers.Adam(1e-2), "loss": XENT, "metrics": ["accuracy"]}
    stock, stock_logs = train(lenet_like, keras.Model, STOCK, data, None, compile_kwargs,
                              batch_size=None, validation_data=validation)
    data = ImageBatches((IMAGES * 255).astype(np.uint8), LABELS, batch_size=16, shuffle=True, seed=1)
    fast, fast_logs = train(lenet_like, FastModel, FUSED, data, None, compile_kwargs,
                            batch_size=None, validation_data=validation)
    assert fast.last_fit_path == "fast"
    for a, b in zip(stock.get_weights(), fast.get_weights(), strict=True):
        np.testing.assert_allclose(b, a, atol=ATOL, rtol=RTOL)
    for name in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(fast_logs[name], stock_logs[name], atol=ATOL, rtol=RTOL)


class MovingCentering(layers.Layer):
    """Subtracts the batch mean in training and a moving mean (a non-trainable
    weight assigned in call) otherwise, as chapter 8's BatchNormScratch does."""

    def build(self, input_shape):
        self.moving_mean = self.add_weight(shape=(input_shape[-1],), initializer="zeros",
                                           trainable=False)

    def call(self, x, training=None):
        if not training:
            return x - self.moving_mean
        mean = keras.ops.mean(x, axis=(0, 1, 2))
        self.moving_mean.assign(0.9 * self.moving_mean + 0.1 * mean)
        return x - mean


def modern_cnn(model_cls, rnn):
    """Chapter 8's ingredients: strided and grouped convolutions, a custom
    normalization, batch norm, Add and Concatenate, padding, global pooling."""
    inputs = keras.Input((12, 12, 1))
    x = layers.Conv2D(8, 3, strides=2, padding="same", use_bias=False)(inputs)  # Keras' call
    x = layers.ReLU()(MovingCentering()(x))
    y = layers.Conv2D(8, 3, padding="same", groups=4, activation="relu")(x)  # lowered, grouped
    y = layers.BatchNormalization(momentum=0.9)(layers.Conv2D(8, 1, use_bias=False)(y))
    x = layers.Concatenate()([layers.ReLU()(layers.Add()([x, y])),
                              layers.MaxPooling2D(3, strides=1, padding="same")(x)])
    x = layers.GlobalAveragePooling2D()(layers.ZeroPadding2D(1)(x))
    return model_cls(inputs, layers.Dense(10)(x))


def test_modern_cnn_blocks_train_like_stock_keras():
    fast = assert_same_training(
        modern_cnn, IMAGES[:48], LABELS[:48],
        lambda: {"optimizer": keras.optimizers.Adam(1e-2), "loss": XENT, "metrics": ["accuracy"]},
        validation_data=(IMAGES[48:], LABELS[48:]))
    moving = next(layer for layer in fast.layers if isinstance(layer, MovingCentering))
    assert np.abs(keras.ops.convert_to_numpy(moving.moving_mean)).max() > 1e-3  # it did move


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_character_lm_trains_like_the_stock_layers(cell):
    def build(model_cls, rnn):
        inputs = keras.Input((7,), dtype="int32")
        x = layers.Embedding(11, 8)(inputs)
        x = rnn[cell](6, return_sequences=True)(x)
        return model_cls(inputs, layers.Dense(11)(x))
    tokens = rng.integers(0, 11, (48, 8)).astype(np.int32)
    assert_same_training(build, tokens[:, :-1], tokens[:, 1:],
                         lambda: {"optimizer": sgd(1.0, global_clipnorm=1.0), "loss": XENT,
                                  "metrics": ["accuracy"]})


def test_seq2seq_with_two_inputs_and_initial_state():
    def build(model_cls, rnn):
        source, target = keras.Input((5,), dtype="int32"), keras.Input((4,), dtype="int32")
        x, h = rnn["gru"](6, return_sequences=True, return_state=True)(layers.Embedding(13, 4)(source))
        _, h2, c2 = rnn["lstm"](6, return_state=True)(x)
        y = rnn["gru"](6, return_sequences=True)(layers.Embedding(13, 4)(target), initial_state=h)
        y = rnn["lstm"](6, return_sequences=True)(y, initial_state=[h2, c2])
        return model_cls([source, target], layers.Dense(13)(y))
    source = rng.integers(0, 13, (32, 5)).astype(np.int32)
    target = rng.integers(0, 13, (32, 5)).astype(np.int32)
    assert_same_training(build, [source, target[:, :-1]], target[:, 1:],
                         lambda: {"optimizer": sgd(0.5), "loss": XENT})


def nested_translator(model_cls, rnn, builder="gru"):
    """The chapters' translators: a training model calling an encoder and a
    decoder that are functional models themselves, with workbook layers."""
    if builder == "gru":
        parts = seq2seq.build_seq2seq(13, 13, 4, 6, 2)
    else:
        parts = attention.build_transformer(13, 13, num_hiddens=8, ffn_num_hiddens=16, num_heads=2,
                                            num_blks=1)
    return model_cls(parts.model.inputs, parts.model.output)


@pytest.mark.parametrize("builder", ["gru", "transformer"])
def test_nested_functional_models_run_inlined_and_train_like_stock_keras(builder):
    source = rng.integers(0, 13, (32, 5)).astype(np.int32)
    target = rng.integers(0, 13, (32, 6)).astype(np.int32)
    valid = rng.integers(1, 6, 32).astype(np.int32)
    fast = assert_same_training(
        lambda model_cls, rnn: nested_translator(model_cls, rnn, builder),
        [source, valid, target[:, :-1]], target[:, 1:],
        lambda: {"optimizer": keras.optimizers.Adam(1e-2, global_clipnorm=1.0),
                 "loss": seq2seq.MaskedSequenceLoss(pad_id=0)})
    # The encoder and decoder ran as programs, not through Keras' __call__.
    assert not any(isinstance(fn, keras.Model) for _, fn, _ in fast._lean.program.steps)
    if builder == "transformer":  # and so did everything inside them, positional encoding too
        assert not fast._lean.program.needs_context


def test_lowered_positional_encoding_equals_the_stock_layer_and_draws_its_dropout():
    layer = attention.PositionalEncoding(6, dropout=0.4)
    x = rng.normal(size=(3, 5, 6)).astype(np.float32)
    layer(x)
    lowered = lowered_call(layer)
    assert lowered is not None

    def run(call, training):
        torch.manual_seed(3)  # unseeded dropout draws from torch's global generator
        tensor = torch.tensor(x, requires_grad=True)
        out = call(tensor, training=training)
        (out ** 2).sum().backward()
        return out.detach().numpy(), tensor.grad.numpy()

    for training in (True, False):
        for stock, fast in zip(run(layer, training), run(lowered, training)):
            np.testing.assert_allclose(fast, stock, atol=1e-6, rtol=1e-6)
    assert not np.allclose(run(lowered, True)[0], run(lowered, False)[0])  # dropout was drawn


def test_a_model_with_a_one_element_output_list_trains_like_stock_keras():
    def build(model_cls, rnn):
        inputs = keras.Input((3,))
        return model_cls(inputs, [layers.Dense(1)(layers.Dense(4, activation="relu")(inputs))])
    x = rng.normal(size=(24, 3)).astype(np.float32)
    assert_same_training(build, x, x[:, :1], lambda: {"optimizer": sgd(0.1), "loss": "mse"},
                         batch_size=8, validation_data=(x, x[:, :1]))


class ScratchSGD(FastModel):
    """A model that writes its own step, as chapters 3-5 do."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def train_step(self, data):
        x, y = data
        loss = keras.ops.mean((self(x, training=True) - y) ** 2)
        sgd_step(self.trainable_weights, loss, 0.05)
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}


def test_a_custom_train_step_runs_in_the_lean_loop():
    x = rng.normal(size=(40, 3)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    results = {}
    for path, fit in [("fast", ScratchSGD.fit), ("stock", keras.Model.fit)]:
        keras.utils.set_random_seed(0)
        inputs = keras.Input((3,))
        model = ScratchSGD(inputs, layers.Dense(1)(inputs))
        model.compile()
        logs = fit(model, x, y, batch_size=8, epochs=3, verbose=0, shuffle=False).history
        assert model.last_fit_path == ("fast" if path == "fast" else None)
        results[path] = model.get_weights(), logs["loss"]
    for a, b in zip(results["stock"][0], results["fast"][0], strict=True):
        np.testing.assert_allclose(b, a, atol=ATOL, rtol=RTOL)
    np.testing.assert_allclose(results["fast"][1], results["stock"][1], atol=ATOL, rtol=RTOL)


class CountBatches(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        self.seen = getattr(self, "seen", 0) + 1
        self.last_logs = logs


def test_callbacks_see_batches_epochs_and_can_stop_training():
    x = rng.normal(size=(40, 2)).astype(np.float32)
    y = x[:, :1] * 3
    keras.utils.set_random_seed(0)
    model = linear(FastModel, STOCK)
    model.compile(optimizer=sgd(0.01), loss="mse")
    counter = CountBatches()
    stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=1e9)
    history = model.fit(x, y, batch_size=8, epochs=5, verbose=0, callbacks=[counter, stopper])
    assert model.last_fit_path == "fast"
    assert len(history.history["loss"]) == 2  # EarlyStopping stopped after epoch 2
    assert counter.seen == 10 and set(counter.last_logs) == {"loss"}


@pytest.mark.parametrize("extra", [{"sample_weight": np.ones(20)}, {"validation_split": 0.2},
                                   {"class_weight": {0: 1.0}}])
def test_what_the_lean_loop_does_not_handle_runs_stock_fit(extra):
    x = rng.normal(size=(20, 2)).astype(np.float32)
    model = linear(FastModel, STOCK)
    model.compile(optimizer=sgd(), loss="mse")
    model.fit(x, x[:, :1], batch_size=5, verbose=0, **extra)
    assert model.last_fit_path == "stock"


def test_a_masked_model_runs_stock_fit():
    inputs = keras.Input((6,), dtype="int32")
    x = FusedGRU(4, return_sequences=True)(layers.Embedding(9, 3, mask_zero=True)(inputs))
    model = FastModel(inputs, layers.Dense(9)(x))
    model.compile(optimizer=sgd(), loss=XENT)
    tokens = rng.integers(0, 9, (8, 6)).astype(np.int32)
    model.fit(tokens, tokens, batch_size=4, verbose=0)
    assert model.last_fit_path == "stock" and "masking" in model.last_fit_reason


def test_lowering_covers_only_what_torch_computes_the_same_way():
    assert lowered_call(layers.Conv2D(2, 3, padding="same")) is not None
    assert lowered_call(layers.Conv2D(2, 2, padding="same")) is None  # Keras pads asymmetrically
    assert lowered_call(layers.Conv2D(2, 3, padding="same", strides=2)) is None
    assert lowered_call(layers.AveragePooling2D(2, padding="same")) is None
    assert lowered_call(layers.Conv2D(2, 3, data_format="channels_first")) is None

    class MyDense(layers.Dense):
        pass
    assert lowered_call(MyDense(2)) is None


def vit(model_cls, rnn):
    """Chapter 11's ViT: Conv2D patches, LayerNormalization, MultiHeadAttention with biases."""
    model = attention.build_vit((12, 12, 1), patch_size=4, num_hiddens=8, mlp_num_hiddens=16,
                                num_heads=2, num_blks=1, emb_dropout=0.0, blk_dropout=0.0)
    return model_cls(model.inputs, model.outputs)


def seeded_attention(model_cls, rnn):
    """Causal self-attention with seeded dropout on its weights: unseeded
    dropout draws from torch's global generator, which stock fit's data
    loader draws from too."""
    inputs = keras.Input((12, 12))
    x = layers.MultiHeadAttention(2, key_dim=4, dropout=0.3, seed=5)(inputs, inputs, use_causal_mask=True)
    x = layers.LayerNormalization()(layers.Add()([inputs, x]))
    return model_cls(inputs, layers.Dense(10)(x[:, -1]))


@pytest.mark.parametrize("build", [vit, seeded_attention])
def test_attention_models_train_like_stock_keras(build):
    x = IMAGES if build is vit else IMAGES[..., 0]
    fast = assert_same_training(
        build, x[:48], LABELS[:48],
        # SGD, not Adam: the key bias's gradient is zero up to rounding
        # (softmax ignores a shift shared by all keys), and Adam would blow
        # that noise up to full-size steps.
        lambda: {"optimizer": sgd(0.1), "loss": XENT, "metrics": ["accuracy"]},
        validation_data=(x[48:], LABELS[48:]))
    # Attention and layer norm ran lowered: nothing went through Keras' __call__.
    assert not fast._lean.program.needs_context


def mha_inputs(cross):
    q = rng.normal(size=(3, 5, 6)).astype(np.float32)
    if not cross:
        return [q, q]
    value = rng.normal(size=(3, 7, 4)).astype(np.float32)
    return [q, value, rng.normal(size=(3, 7, 2)).astype(np.float32)]  # key != value


def run_with_grads(call, layer, inputs, **kwargs):
    """``call(inputs)``'s outputs and the gradients of a loss of them for the
    inputs and ``layer``'s weights; dropout draws from a fixed seed state."""
    tensors = [torch.tensor(x, requires_grad=True) for x in inputs]
    for v in layer.trainable_weights:
        v.value.grad = None
    if getattr(layer, "dropout", 0):
        layer._dropout_layer.seed_generator.state.assign(np.array([5, 0], "uint32"))
    out = call(*tensors, **kwargs)
    outs = list(out) if isinstance(out, tuple) else [out]
    sum(((o * (i + 1)) ** 2).sum() for i, o in enumerate(outs)).backward()
    grads = [t.grad for t in tensors] + [v.value.grad for v in layer.trainable_weights]
    return [o.detach().numpy() for o in outs] + [g.numpy() for g in grads]


ATTENTION_CALLS = [{}, {"use_causal_mask": True}, {"mask": True}, {"mask": True, "use_causal_mask": True},
                   {"return_attention_scores": True}, {"mask": True, "return_attention_scores": True}]


@pytest.mark.parametrize("cross", [False, True], ids=["self", "cross"])
@pytest.mark.parametrize("call", ATTENTION_CALLS, ids=str)
@pytest.mark.parametrize("config", [{"use_bias": False}, {"dropout": 0.3, "seed": 2}], ids=str)
def test_lowered_attention_equals_the_stock_layer(config, call, cross):
    layer = layers.MultiHeadAttention(2, key_dim=3, **config)
    inputs = mha_inputs(cross)
    kwargs = {k: v for k, v in call.items() if k != "mask"}
    if call.get("mask"):
        mask = rng.random((3, 5, inputs[1].shape[1])) > 0.3
        mask[0, 0] = False  # a query that may attend to nothing
        kwargs["attention_mask"] = torch.tensor(mask)
    layer(*inputs, **kwargs)
    lowered = lowered_call(layer)
    for training in (True, False):
        stock = run_with_grads(layer, layer, inputs, training=training, **kwargs)
        fast = run_with_grads(lowered, layer, inputs, training=training, **kwargs)
        assert len(fast) == len(stock)
        for a, b in zip(stock, fast):
            np.testing.assert_allclose(b, a, atol=1e-6, rtol=1e-6)
    if layer.dropout:  # the lowered call drew the stock layer's dropout mask
        assert not np.allclose(run_with_grads(lowered, layer, inputs, training=True, **kwargs)[0],
                               run_with_grads(lowered, layer, inputs, training=False, **kwargs)[0])


def test_lowered_attention_leaves_keras_masks_and_other_configurations_to_stock():
    q, value = mha_inputs(cross=False)
    layer = layers.MultiHeadAttention(2, key_dim=3)
    assert lowered_call(layer) is None  # not built yet
    layer(q, value)
    value_mask = torch.tensor(rng.random((3, 5)) > 0.5)
    expected = keras.ops.convert_to_numpy(layer(q, value, value_mask=value_mask))
    got = keras.ops.convert_to_numpy(lowered_call(layer)(torch.tensor(q), torch.tensor(value),
                                                         value_mask=value_mask))
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert not np.allclose(got, keras.ops.convert_to_numpy(layer(q, value)))  # the mask mattered
    for kwargs in [{"use_gate": True}, {"sliding_window": 2}, {"attention_axes": (1, 2)}]:
        other = layers.MultiHeadAttention(2, key_dim=3, **kwargs)
        x = q[:, :, None] if "attention_axes" in kwargs else q
        other(x, x)
        assert lowered_call(other) is None, kwargs

    class MyAttention(layers.MultiHeadAttention):
        pass
    mine = MyAttention(2, key_dim=3)
    mine(q, q)
    assert lowered_call(mine) is None


def test_lowered_layer_normalization_equals_the_stock_layer():
    x = rng.normal(size=(4, 3, 6)).astype(np.float32)
    for kwargs in [{"epsilon": 1e-5}, {"center": False}, {"scale": False}]:
        layer = layers.LayerNormalization(**kwargs)
        layer.build(x.shape)
        for v in layer.trainable_weights:
            v.assign(rng.normal(size=v.shape).astype(np.float32))
        stock = run_with_grads(layer, layer, [x])
        fast = run_with_grads(lowered_call(layer), layer, [x])
        for a, b in zip(stock, fast):
            np.testing.assert_allclose(b, a, atol=1e-6, rtol=1e-6)
    norm = layers.LayerNormalization(axis=1)
    norm.build(x.shape)
    assert lowered_call(norm) is None


# ----------------------------------------------------------- fused layers


def copy_pair(cell, **kwargs):
    stock, fused = STOCK[cell](5, **kwargs), FUSED[cell](5, **kwargs)
    stock.build((None, 6, 3))
    fused.build((None, 6, 3))
    weights = [w + np.random.default_rng(1).normal(0, 0.3, w.shape).astype(np.float32)
               for w in stock.get_weights()]
    fused.set_weights(weights)
    stock.set_weights(fused.get_weights())  # the layouts match both ways
    return stock, fused


def run_layer(layer, x, initial_state=None):
    x = torch.tensor(x, requires_grad=True)
    kwargs = {} if initial_state is None else {
        "initial_state": [torch.tensor(s, requires_grad=True) for s in initial_state]}
    out = layer(x, **kwargs)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    sum(((o * (i + 1)) ** 2).sum() for i, o in enumerate(outs)).backward()
    grads = [x.grad] + [s.grad for s in kwargs.get("initial_state", [])]
    return ([o.detach().cpu().numpy() for o in outs],
            [g.cpu().numpy() for g in grads] + [v.value.grad.cpu().numpy() for v in layer.trainable_weights])


CONFIGS = [{}, {"return_sequences": True}, {"return_state": True},
           {"return_sequences": True, "return_state": True, "go_backwards": True},
           {"use_bias": False, "return_sequences": True}]


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("config", CONFIGS, ids=str)
@pytest.mark.parametrize("with_state", [False, True])
def test_fused_layer_equals_the_stock_layer(cell, config, with_state):
    stock, fused = copy_pair(cell, **config)
    x = np.random.default_rng(2).normal(size=(4, 6, 3)).astype(np.float32)
    state = None
    if with_state:
        state = [np.random.default_rng(3).normal(size=(4, 5)).astype(np.float32)
                 for _ in range(2 if cell == "lstm" else 1)]
    outs_s, grads_s = run_layer(stock, x, state)
    outs_f, grads_f = run_layer(fused, x, state)
    assert fused.last_path == "fused"
    for a, b in zip(outs_s + grads_s, outs_f + grads_f, strict=True):
        np.testing.assert_allclose(b, a, atol=ATOL, rtol=RTOL)


@pytest.mark.parametrize("cell,kwargs,reason", [
    ("gru", {"reset_after": False}, "reset_after=False"),
    ("lstm", {"activation": "relu"}, "activation"),
    ("rnn", {"activation": "sigmoid"}, "activation"),
    ("lstm", {"unroll": True}, "unroll"),
])
def test_unsupported_configurations_run_the_stock_loop(cell, kwargs, reason):
    stock, fused = copy_pair(cell, return_sequences=True, **kwargs)
    x = np.random.default_rng(4).normal(size=(2, 6, 3)).astype(np.float32)
    np.testing.assert_allclose(run_layer(fused, x)[0][0], run_layer(stock, x)[0][0], atol=ATOL)
    assert fused.last_path == f"stock ({reason})"


def test_masks_and_training_dropout_run_the_stock_loop():
    inputs = keras.Input((6,), dtype="int32")
    masked = FusedLSTM(4)(layers.Embedding(9, 3, mask_zero=True)(inputs))
    model = keras.Model(inputs, masked)
    model(np.array([[1, 2, 3, 0, 0, 0]]))
    assert model.layers[-1].last_path == "stock (mask)"

    dropout = FusedGRU(4, dropout=0.5)
    x = np.ones((2, 6, 3), np.float32)
    dropout(x, training=True)
    assert dropout.last_path == "stock (dropout)"
    dropout(x, training=False)
    assert dropout.last_path == "fused"


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_a_stateful_fused_layer_trains_and_carries_its_state(cell):
    inputs = keras.Input(batch_shape=(4, 5, 3))
    recurrent = FUSED[cell](6, stateful=True)
    model = FastModel(inputs, layers.Dense(1)(recurrent(inputs)))
    model.compile(optimizer=sgd(), loss="mse")
    x = rng.random((16, 5, 3), dtype=np.float32)
    model.fit(x, x[:, 0, :1], batch_size=4, epochs=2, verbose=0, shuffle=False)
    assert recurrent.last_path == "fused"
    assert np.abs(keras.ops.convert_to_numpy(recurrent.states[0])).max() > 0


def test_fast_model_with_fused_layers_saves_and_loads(tmp_path):
    inputs = keras.Input((7,), dtype="int32")
    x = layers.Embedding(11, 4)(inputs)
    x = FusedGRU(5, return_sequences=True)(x)
    x = FusedSimpleRNN(5, return_sequences=True)(x)
    x = FusedLSTM(5)(x)
    model = FastModel(inputs, layers.Dense(3)(x))
    model.compile(optimizer=sgd(), loss=XENT)
    tokens = rng.integers(0, 11, (16, 7)).astype(np.int32)
    model.fit(tokens, rng.integers(0, 3, 16), batch_size=8, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert type(loaded) is FastModel
    assert [type(layer) for layer in loaded.layers[2:5]] == [FusedGRU, FusedSimpleRNN, FusedLSTM]
    np.testing.assert_allclose(loaded.predict(tokens, verbose=0), model.predict(tokens, verbose=0),
                               atol=1e-6)
