"""Recurrent language models shared by chapters 9 and 10 (D2L 9.5, 9.6, 10.1-10.3).

One small, generic pipeline around *any* recurrent layer that follows the
Keras convention for states:

* called on ``(batch, steps, features)`` it returns ``[outputs, *states]``,
  ``outputs`` being ``(batch, steps, hiddens)`` (``return_sequences=True,
  return_state=True`` for Keras' ``SimpleRNN``, ``GRU`` and ``LSTM``; one
  state for the first two, ``[h, c]`` for the LSTM);
* it accepts ``initial_state=[*states]`` and starts from zeros without it.

A from-scratch layer that keeps the same convention works unchanged.

* :func:`build_lm`: ``tokens (batch, steps) -> one-hot or embedding ->
  recurrent layer -> Dense(vocab)``: logits ``(batch, steps, vocab)``.
* :func:`compile_lm` / :func:`train_lm`: SGD with *global*-norm gradient
  clipping (``global_clipnorm``, the D2L book's ``clip_gradients``; Keras'
  ``clipnorm`` clips each variable on its own, which is not the same) and
  sparse cross-entropy on the logits; :class:`PerplexityLogger` adds
  ``perplexity`` and ``val_perplexity`` (``exp`` of the epoch's mean loss)
  to the logs of every epoch.
* :func:`build_step_model`: ``[tokens, *states] -> [logits, *states]``
  built from the *same* layer objects as the trained model (no copy, no
  weight transfer), for decoding one token at a time.
* :func:`predict_greedy` / :func:`generate_text`: warm-up over the prefix,
  then greedy (argmax) decoding, each prediction fed back as the next input.

Plain numpy at the edges; the models are functional Keras models (the
trained one a ``workbook.fastfit.FastModel``, whose ``fit`` does less Keras
work per step; the step model is a plain ``keras.Model``).
"""

from __future__ import annotations

import math
from typing import Sequence

import keras
import numpy as np
from keras import ops

from workbook.fastfit import FastModel

__all__ = [
    "PerplexityLogger",
    "build_lm",
    "build_step_model",
    "compile_lm",
    "generate_text",
    "one_hot_encoder",
    "perplexity",
    "predict_greedy",
    "run_step",
    "train_lm",
    "zero_states",
]

# The names build_lm gives its layers; build_step_model finds them by name.
ENCODER, HEAD = "token_encoder", "logits"


def one_hot_encoder(vocab_size: int, name: str = ENCODER) -> keras.layers.Embedding:
    """A frozen ``Embedding`` whose table is the identity: token ``i`` becomes
    the one-hot vector ``e_i`` (the D2L book's ``F.one_hot``), as a stock
    layer that serializes like any other."""
    vocab_size = _positive_int(vocab_size, "vocab_size")
    return keras.layers.Embedding(vocab_size, vocab_size, embeddings_initializer="identity",
                                  trainable=False, name=name)


def build_lm(vocab_size: int, recurrent_layer, *, embedding_dim: int | None = None,
             name: str = "rnn_lm") -> FastModel:
    """Functional character (or word) language model around ``recurrent_layer``.

    ``tokens (batch, steps) int32 -> one-hot (or Embedding(embedding_dim)) ->
    recurrent_layer -> Dense(vocab_size)``: logits ``(batch, steps, vocab_size)``.
    ``recurrent_layer`` must return ``[outputs, *states]`` (see the module
    docstring); the model keeps ``outputs`` only. Pass a fresh layer object:
    the model owns it, and :func:`build_step_model` reuses it.
    """
    vocab_size = _positive_int(vocab_size, "vocab_size")
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    if embedding_dim is None:
        encoder = one_hot_encoder(vocab_size)
    else:
        encoder = keras.layers.Embedding(vocab_size, _positive_int(embedding_dim, "embedding_dim"),
                                         name=ENCODER)
    outputs, _ = _split_states(recurrent_layer(encoder(tokens)), recurrent_layer)
    logits = keras.layers.Dense(vocab_size, name=HEAD)(outputs)
    return FastModel(tokens, logits, name=name)


def build_step_model(lm: keras.Model) -> keras.Model:
    """``[tokens (batch, steps), *states] -> [logits, *new_states]`` sharing
    ``lm``'s layers (a model built by :func:`build_lm`): training ``lm`` trains
    this model too, and it decodes with the trained weights as they are."""
    encoder, head = lm.get_layer(ENCODER), lm.get_layer(HEAD)
    recurrent = _recurrent_layer(lm, encoder, head)
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    x = encoder(tokens)
    # Calling the layer once without states tells us their number and shapes.
    _, probe_states = _split_states(recurrent(x), recurrent)
    state_inputs = [keras.Input(tuple(s.shape[1:]), name=f"state_{i}")
                    for i, s in enumerate(probe_states)]
    outputs, states = _split_states(recurrent(x, initial_state=state_inputs), recurrent)
    return keras.Model([tokens, *state_inputs], [head(outputs), *states],
                       name=f"{lm.name}_step")


def zero_states(step_model: keras.Model, batch_size: int = 1) -> list[np.ndarray]:
    """Zero initial states for ``step_model``'s state inputs."""
    return [np.zeros((batch_size, *s.shape[1:]), dtype="float32") for s in step_model.inputs[1:]]


def predict_greedy(step_model: keras.Model, prefix: Sequence[int], num_preds: int) -> list[int]:
    """``prefix`` followed by ``num_preds`` greedy predictions (token indices).

    Warm-up: the whole prefix runs through the step model from zero states,
    so the state has seen every prefix token; the prediction after the last
    prefix token is the first new token. Then each prediction is fed back as
    the next input (the D2L book's ``predict``, one call for the warm-up).
    """
    import torch

    prefix = [int(t) for t in prefix]
    if not prefix:
        raise ValueError("predict_greedy needs a non-empty prefix to warm up on")
    if int(num_preds) < 0:
        raise ValueError(f"num_preds must be >= 0, got {num_preds}")
    output, states = list(prefix), zero_states(step_model)
    inputs = prefix
    with torch.no_grad():
        for _ in range(int(num_preds)):
            logits, states = run_step(step_model, [inputs], states)
            token = int(np.argmax(ops.convert_to_numpy(logits)[0, -1]))
            output.append(token)
            inputs = [token]
    return output


def run_step(step_model: keras.Model, tokens, states):
    """``(logits, new_states)`` of ``step_model`` on ``tokens (batch, steps)``
    from ``states`` (arrays or tensors); everything goes in as tensors, which
    Keras asks for when tensors and arrays would be mixed."""
    result = step_model([ops.convert_to_tensor(np.asarray(tokens, dtype="int32")),
                         *[ops.convert_to_tensor(s) for s in states]])
    return result[0], list(result[1:])


def generate_text(step_model: keras.Model, vocab, prefix: str, num_preds: int) -> str:
    """``prefix`` and ``num_preds`` greedy characters, through ``vocab``
    (anything with ``vocab[list_of_tokens] -> indices`` and ``to_tokens``)."""
    indices = predict_greedy(step_model, vocab[list(prefix)], num_preds)
    return "".join(vocab.to_tokens(indices))


def perplexity(mean_cross_entropy: float) -> float:
    """``exp`` of a mean per-token cross-entropy in nats."""
    return float(math.exp(float(mean_cross_entropy)))


class PerplexityLogger(keras.callbacks.Callback):
    """Adds ``perplexity`` and ``val_perplexity`` (exp of the epoch's mean
    cross-entropy) to each epoch's logs, so ``History``, ``fit(verbose=2)``
    and a ``LivePlot`` listed after it all see them; ``.history`` keeps them."""

    def __init__(self):
        super().__init__()
        self.history: dict[str, list[float]] = {}

    def on_train_begin(self, logs=None):
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        for key in ("loss", "val_loss"):
            if key in logs:
                name = key.replace("loss", "perplexity")
                logs[name] = perplexity(logs[key])
                self.history.setdefault(name, []).append(logs[name])


def compile_lm(model: keras.Model, *, learning_rate: float = 1.0,
               clip_norm: float | None = 1.0) -> keras.Model:
    """SGD with global-norm clipping (``global_clipnorm``) and sparse
    cross-entropy on logits, averaged over every token of the batch."""
    optimizer = keras.optimizers.SGD(learning_rate=learning_rate, global_clipnorm=clip_norm)
    model.compile(optimizer=optimizer,
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def train_lm(model: keras.Model, X_train, Y_train, X_val=None, Y_val=None, *, epochs: int,
             batch_size: int = 256, learning_rate: float = 1.0, clip_norm: float | None = 1.0,
             callbacks: Sequence[keras.callbacks.Callback] = (), verbose: int = 2):
    """Compile ``model`` with :func:`compile_lm` and fit it on the windows.

    Returns ``(history, perplexities)``: Keras' ``History`` and the
    :class:`PerplexityLogger`'s ``{"perplexity": [...], "val_perplexity": [...]}``.
    ``callbacks`` run after the logger, so they see the perplexities too.
    """
    compile_lm(model, learning_rate=learning_rate, clip_norm=clip_norm)
    logger = PerplexityLogger()
    validation = None if X_val is None else (np.asarray(X_val), np.asarray(Y_val))
    history = model.fit(np.asarray(X_train), np.asarray(Y_train), validation_data=validation,
                        epochs=_positive_int(epochs, "epochs"), batch_size=batch_size,
                        callbacks=[logger, *callbacks], verbose=verbose)
    return history, logger.history


# ------------------------------------------------------------------ helpers


def _positive_int(value, what: str) -> int:
    if isinstance(value, bool) or int(value) != value or int(value) < 1:
        raise ValueError(f"{what} must be a positive int, got {value!r}")
    return int(value)


def _split_states(result, layer):
    """``[outputs, *states]`` -> ``(outputs, states)``, or a one-line error."""
    if not isinstance(result, (list, tuple)) or len(result) < 2:
        raise ValueError(
            f"the recurrent layer {layer.name!r} must return [outputs, *states] "
            "(for Keras layers: return_sequences=True, return_state=True)")
    outputs, *states = result
    if len(outputs.shape) != 3:
        raise ValueError(f"the recurrent layer {layer.name!r} must return outputs of shape "
                         f"(batch, steps, hiddens), got {tuple(outputs.shape)} "
                         "(for Keras layers: return_sequences=True)")
    return outputs, list(states)


def _recurrent_layer(lm: keras.Model, encoder, head):
    """The one layer of ``lm`` between its encoder and its head."""
    middle = [layer for layer in lm.layers
              if layer not in (encoder, head) and not isinstance(layer, keras.layers.InputLayer)]
    if len(middle) != 1:
        raise ValueError(f"{lm.name!r} is not a model built by build_lm "
                         f"(layers: {[layer.name for layer in lm.layers]})")
    return middle[0]
