"""Helpers for the classification chapters (4 and 5).

* ``evaluate_accuracy`` -- the fraction of correct predictions over a whole
  data set, counted example by example so that a short last batch weighs
  what it should;
* ``show_images`` -- a grid of images with titles (Fashion-MNIST, digits);
* ``ScratchSGDClassifier`` -- a functionally built ``keras.Model`` whose
  ``fit`` runs hand-written minibatch SGD: torch autograd for the gradients,
  ``w <- w - lr * grad`` for the update, no Keras optimizer.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import keras
import numpy as np
import torch

from workbook.fastfit import FastModel
from workbook.plotting import pyplot, show_or_save
from workbook.scratch import sgd_step


def _batches(data, batch_size: int):
    """Yield ``(x, y)`` numpy batches from a PyDataset or an ``(x, y)`` pair."""
    if isinstance(data, keras.utils.PyDataset):
        for index in range(len(data)):
            x, y = data[index][:2]
            yield x, y
        return
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise ValueError("data must be a keras.utils.PyDataset or an (x, y) pair of arrays")
    x, y = data
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} rows but y has {len(y)}")
    for start in range(0, len(x), batch_size):
        yield x[start : start + batch_size], y[start : start + batch_size]


def evaluate_accuracy(model, data, batch_size: int = 256) -> float:
    """Fraction of examples whose highest-scoring class equals the label.

    ``model`` maps a batch to one score (logit or probability) per class;
    ``data`` is a PyDataset such as ``load_fashion_mnist``'s batches or an
    ``(x, y)`` pair. Correct predictions are counted, then divided once by
    the number of examples.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    correct, total = 0, 0
    with torch.no_grad():
        for x, y in _batches(data, batch_size):
            scores = keras.ops.convert_to_numpy(model(x, training=False))
            correct += int(np.sum(np.argmax(scores, axis=-1) == np.asarray(y).reshape(-1)))
            total += len(y)
    if total == 0:
        raise ValueError("data holds no examples")
    return correct / total


def show_images(
    images,
    titles: Sequence[str] | None = None,
    num_rows: int = 2,
    num_cols: int = 9,
    scale: float = 1.5,
    name: str = "images",
    mock: bool | None = None,
):
    """Draw the first ``num_rows * num_cols`` images in a grid.

    ``images`` has shape (N, H, W) or (N, H, W, 1), any numeric dtype.
    In a notebook the grid is shown inline; otherwise it is saved as a PNG
    under ``WORKBOOK_FIGURES`` and the path is returned. ``mock`` as in
    ``workbook.plotting.show_or_save``: ``None`` follows ``WORKBOOK_MOCK_DATA``,
    ``False`` is for images that are real whatever it says (sklearn's digits).
    """
    if num_rows < 1 or num_cols < 1:
        raise ValueError(f"num_rows and num_cols must be >= 1, got {num_rows}, {num_cols}")
    images = np.asarray(keras.ops.convert_to_numpy(images))
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        raise ValueError(f"expected images of shape (N, H, W) or (N, H, W, 1), got {images.shape}")
    count = min(len(images), num_rows * num_cols)
    if titles is not None and len(titles) < count:
        raise ValueError(f"{count} images but only {len(titles)} titles")
    plt = pyplot()
    fig, axes = plt.subplots(num_rows, num_cols, figsize=(num_cols * scale, num_rows * scale * 1.15))
    for index, ax in enumerate(np.asarray(axes).reshape(-1)):
        ax.axis("off")
        if index >= count:
            continue
        ax.imshow(images[index], cmap="gray_r")
        if titles is not None:
            ax.set_title(str(titles[index]), fontsize=8)
    fig.tight_layout()
    return show_or_save(fig, name, mock)


class ScratchSGDClassifier(FastModel):
    """A functional classifier trained by hand-written minibatch SGD.

    It is a ``workbook.fastfit.FastModel``: its own ``train_step`` runs in the
    lean fit loop (stock ``keras.Model.fit`` where that loop does not apply).

    Build it exactly like ``keras.Model(inputs, outputs)``, plus the loss and
    the learning rate, then ``compile()`` (no optimizer needed) and ``fit``::

        model = ScratchSGDClassifier(inputs, outputs, loss_fn=cross_entropy,
                                     learning_rate=0.1)
        model.compile()
        model.fit(train, epochs=10, validation_data=test, verbose=2)

    ``loss_fn(y_hat, y)`` receives the model's outputs for a batch and the
    integer labels (the D2L book's argument order) and returns the mean loss
    of the batch as a scalar tensor. ``fit`` reports ``loss`` and
    ``accuracy`` (and ``val_*`` on validation data), each averaged over
    examples, not over batches.
    """

    def __init__(self, inputs, outputs, *, loss_fn: Callable, learning_rate: float, **kwargs):
        super().__init__(inputs, outputs, **kwargs)
        if not callable(loss_fn):
            raise ValueError("loss_fn must be a function loss_fn(y_hat, y) -> mean loss")
        if not (isinstance(learning_rate, (int, float)) and math.isfinite(learning_rate)
                and learning_rate > 0):
            raise ValueError(f"learning_rate must be a positive number, got {learning_rate!r}")
        self.loss_fn = loss_fn
        self.learning_rate = float(learning_rate)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.accuracy_tracker = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

    @property
    def metrics(self):
        # Listed here so that Keras resets them at the start of every epoch.
        return [self.loss_tracker, self.accuracy_tracker]

    def compile(self, optimizer=None, **kwargs):
        """Like ``keras.Model.compile``, but no optimizer by default: the
        update is written out in ``train_step``."""
        super().compile(optimizer=optimizer, **kwargs)

    def _update_metrics(self, loss, y, y_hat):
        batch_size = keras.ops.shape(y)[0]
        self.loss_tracker.update_state(loss, sample_weight=batch_size)
        self.accuracy_tracker.update_state(y, y_hat)
        return {metric.name: metric.result() for metric in self.metrics}

    def train_step(self, data):
        x, y = data[:2]
        y_hat = self(x, training=True)
        loss = self.loss_fn(y_hat, y)
        sgd_step(self.trainable_weights, loss, self.learning_rate)  # workbook/scratch.py
        return self._update_metrics(loss.detach(), y, y_hat.detach())

    def test_step(self, data):
        x, y = data[:2]
        y_hat = self(x, training=False)
        return self._update_metrics(self.loss_fn(y_hat, y), y, y_hat)


def compile_classifier(model, optimizer):
    """Compile ``model`` (logits out, integer labels) the way chapters 4-5 train:
    softmax cross-entropy fused with the logits, plus accuracy.

    ``optimizer`` is a Keras optimizer, or a learning rate for plain SGD.
    Returns the model, so that building and compiling chain.
    """
    if isinstance(optimizer, bool) or not (
        isinstance(optimizer, keras.optimizers.Optimizer)
        or (isinstance(optimizer, (int, float)) and math.isfinite(optimizer) and optimizer > 0)
    ):
        raise ValueError(f"optimizer must be a Keras optimizer or a positive learning rate, got {optimizer!r}")
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        optimizer = keras.optimizers.SGD(learning_rate=float(optimizer))
    model.compile(optimizer=optimizer, metrics=["accuracy"],
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model
