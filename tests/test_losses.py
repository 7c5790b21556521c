"""workbook.losses: the focal and symmetric cross-entropy losses of chapter 12."""

import keras
import numpy as np
import pytest
from keras import ops

from workbook.losses import FocalLoss, SymmetricCrossEntropy


def value(loss, y_true, y_pred):
    return float(ops.convert_to_numpy(loss(np.asarray(y_true, "float32"), np.asarray(y_pred, "float32"))))


def test_focal_loss_reproduces_the_notes_easy_and_hard_pairs():
    focal = FocalLoss(alpha=0.75, gamma=2.0)
    assert value(focal, [[1.0], [0.0]], [[0.9], [0.1]]) == pytest.approx(0.000526803, abs=1e-8)
    assert value(focal, [[1.0], [0.0]], [[0.5], [0.5]]) == pytest.approx(0.0866434, abs=1e-7)


def test_focal_loss_equals_keras_class_balanced_focal_on_random_data():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=(64, 1)).astype("float32")
    p = rng.uniform(0.01, 0.99, size=(64, 1)).astype("float32")
    keras_focal = keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.3, gamma=1.5)
    assert value(FocalLoss(alpha=0.3, gamma=1.5), y, p) == pytest.approx(value(keras_focal, y, p), rel=1e-5)


def test_focal_loss_with_gamma_zero_and_half_alpha_is_half_the_bce():
    y, p = [[1.0], [0.0], [1.0]], [[0.3], [0.6], [0.95]]
    bce = value(keras.losses.BinaryCrossentropy(), y, p)
    assert value(FocalLoss(alpha=0.5, gamma=0.0), y, p) == pytest.approx(bce / 2, rel=1e-5)


def test_focal_loss_rejects_bad_parameters():
    with pytest.raises(ValueError, match="alpha"):
        FocalLoss(alpha=1.5)
    with pytest.raises(ValueError, match="gamma"):
        FocalLoss(gamma=-1.0)


def test_symmetric_cross_entropy_reproduces_the_notes_value():
    logits, labels = [[10.0, 0.0, -10.0], [8.0, 8.0, 8.0]], [0, 2]
    assert value(SymmetricCrossEntropy(3), labels, logits) == pytest.approx(3.620363, abs=1e-5)


def test_symmetric_cross_entropy_without_the_reverse_term_is_sparse_ce():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(16, 5)) * np.array([[0.01], [100.0]] * 8)
    labels = rng.integers(0, 5, size=16)
    sparse = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    assert value(SymmetricCrossEntropy(5, a=1.0, b=0.0), labels, logits) == pytest.approx(
        value(sparse, labels, logits), rel=1e-5)


def test_symmetric_cross_entropy_reverse_term_is_bounded():
    # a confident wrong prediction: CE is about 1000, RCE at most -log(1e-4)
    rce = value(SymmetricCrossEntropy(2, a=0.0, b=1.0), [1], [[1000.0, 0.0]])
    assert rce == pytest.approx(-np.log(1e-4), rel=1e-5)


def test_losses_round_trip_through_their_config():
    for loss in (FocalLoss(alpha=0.4, gamma=1.0), SymmetricCrossEntropy(4, a=0.5, b=2.0)):
        again = loss.__class__.from_config(loss.get_config())
        assert again.get_config() == loss.get_config()
