"""workbook.language_model: the recurrent language-model pipeline of chapters 9 and 10."""

import math

import numpy as np
import pytest

import workbook  # noqa: F401  (selects the torch backend)
import keras
from keras import ops

from workbook.language_model import (
    PerplexityLogger, build_lm, build_step_model, compile_lm, one_hot_encoder, predict_greedy,
    run_step, train_lm, zero_states,
)

VOCAB = 7


class TinyScratchRNN(keras.layers.Layer):
    """A from-scratch tanh RNN that follows the [outputs, state] convention."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        normal = keras.initializers.RandomNormal(stddev=0.5)
        self.W_xh = self.add_weight(shape=(input_shape[-1], self.units), initializer=normal)
        self.W_hh = self.add_weight(shape=(self.units, self.units), initializer=normal)
        self.b_h = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs, initial_state=None):
        h = ops.zeros((ops.shape(inputs)[0], self.units)) if initial_state is None \
            else initial_state[0]
        outputs = []
        for t in range(inputs.shape[1]):
            h = ops.tanh(ops.matmul(inputs[:, t], self.W_xh) + ops.matmul(h, self.W_hh) + self.b_h)
            outputs.append(h)
        return [ops.stack(outputs, axis=1), h]


LAYERS = {
    "SimpleRNN": lambda: keras.layers.SimpleRNN(5, return_sequences=True, return_state=True),
    "GRU": lambda: keras.layers.GRU(5, return_sequences=True, return_state=True),
    "LSTM": lambda: keras.layers.LSTM(5, return_sequences=True, return_state=True),
    "scratch": lambda: TinyScratchRNN(5),
}


def tokens(shape, seed=0):
    return np.random.default_rng(seed).integers(0, VOCAB, size=shape).astype("int32")


@pytest.mark.parametrize("kind", list(LAYERS))
def test_step_model_reproduces_the_full_model_one_token_at_a_time(kind):
    keras.utils.set_random_seed(1)
    lm = build_lm(VOCAB, LAYERS[kind]())
    step = build_step_model(lm)
    x = tokens((3, 6))
    states, logits = zero_states(step, 3), []
    for t in range(6):
        out, states = run_step(step, x[:, t : t + 1], states)
        logits.append(ops.convert_to_numpy(out)[:, 0])
    assert len(states) == (2 if kind == "LSTM" else 1)
    np.testing.assert_allclose(np.stack(logits, 1), ops.convert_to_numpy(lm(x)), atol=1e-5)


def test_step_model_shares_the_trained_layers():
    lm = build_lm(VOCAB, LAYERS["GRU"]())
    step = build_step_model(lm)
    assert {id(v) for v in step.weights} == {id(v) for v in lm.weights}
    before = ops.convert_to_numpy(run_step(step, tokens((1, 4)), zero_states(step))[0])
    lm.get_layer("logits").bias.assign(np.ones(VOCAB, dtype="float32"))
    after = ops.convert_to_numpy(run_step(step, tokens((1, 4)), zero_states(step))[0])
    np.testing.assert_allclose(after, before + 1, atol=1e-5)


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "scratch"])
def test_greedy_prediction_warms_up_and_feeds_each_prediction_back(kind):
    keras.utils.set_random_seed(2)
    lm = build_lm(VOCAB, LAYERS[kind](), embedding_dim=4)
    prefix = [3, 1, 4, 1]
    got = predict_greedy(build_step_model(lm), prefix, 5)
    # Reference: rerun the full model on the whole sequence so far for every token.
    want = list(prefix)
    for _ in range(5):
        want.append(int(np.argmax(ops.convert_to_numpy(lm(np.array([want], "int32")))[0, -1])))
    assert got == want


def test_greedy_prediction_rejects_an_empty_prefix():
    step = build_step_model(build_lm(VOCAB, LAYERS["SimpleRNN"]()))
    with pytest.raises(ValueError, match="non-empty prefix"):
        predict_greedy(step, [], 3)


def test_one_hot_encoder_is_a_frozen_identity_table():
    encoder = one_hot_encoder(VOCAB)
    out = ops.convert_to_numpy(encoder(np.array([[0, 3, 6]], "int32")))
    np.testing.assert_array_equal(out[0], np.eye(VOCAB)[[0, 3, 6]])
    assert encoder.trainable_weights == []


def test_a_layer_without_states_is_refused_in_one_line():
    with pytest.raises(ValueError, match="return_state=True"):
        build_lm(VOCAB, keras.layers.SimpleRNN(4, return_sequences=True))
    with pytest.raises(ValueError, match="return_sequences=True"):
        build_lm(VOCAB, keras.layers.SimpleRNN(4, return_state=True))


def test_clipping_is_global_not_per_variable():
    # A huge loss scale: every gradient is far beyond the threshold. With a
    # global norm of 1 and lr 1 the whole update has norm 1; clipping each of
    # the 5 variables to norm 1 would move the weights by about sqrt(5).
    keras.utils.set_random_seed(3)
    lm = compile_lm(build_lm(VOCAB, LAYERS["SimpleRNN"]()), learning_rate=1.0, clip_norm=1.0)
    assert lm.optimizer.global_clipnorm == 1.0 and lm.optimizer.clipnorm is None
    before = [ops.convert_to_numpy(v).copy() for v in lm.trainable_weights]
    x = tokens((8, 5))
    lm.train_on_batch(x, x, sample_weight=np.full(x.shape, 1e4, "float32"))
    moved = math.sqrt(sum(np.sum((ops.convert_to_numpy(v) - b) ** 2)
                          for v, b in zip(lm.trainable_weights, before)))
    assert moved == pytest.approx(1.0, rel=1e-3)


def test_train_lm_logs_the_perplexity_of_every_epoch():
    keras.utils.set_random_seed(4)
    lm = build_lm(VOCAB, LAYERS["SimpleRNN"]())
    x, y = tokens((32, 5), 1), tokens((32, 5), 2)
    history, ppl = train_lm(lm, x, y, x[:8], y[:8], epochs=2, batch_size=16, verbose=0)
    assert lm.last_fit_path == "fast", lm.last_fit_reason  # build_lm makes a FastModel
    assert set(ppl) == {"perplexity", "val_perplexity"}
    for name, loss in (("perplexity", "loss"), ("val_perplexity", "val_loss")):
        np.testing.assert_allclose(ppl[name], np.exp(history.history[loss]), rtol=1e-6)
        np.testing.assert_allclose(history.history[name], ppl[name])


def test_perplexity_logger_without_validation_logs_training_only():
    logger = PerplexityLogger()
    logs = {"loss": math.log(3.0)}
    logger.on_epoch_end(0, logs)
    assert logs["perplexity"] == pytest.approx(3.0) and "val_perplexity" not in logs
