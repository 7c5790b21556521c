"""Losses chapter 12 writes as ``keras.losses.Loss`` subclasses: the focal
loss (class imbalance) and the symmetric cross-entropy (label noise), both
in the form of the course notes, checked against torch and Keras there.

Keras calls a loss as ``loss(y_true, y_pred)`` (torch: ``(y_pred, y_true)``);
``call`` returns one value per example and ``Loss`` applies the reduction.
"""

from __future__ import annotations

import keras
from keras import ops


def _check_fraction(value: float, what: str) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{what} must lie in [0, 1], got {value}")
    return float(value)


@keras.saving.register_keras_serializable(package="workbook")
class FocalLoss(keras.losses.Loss):
    """Binary focal loss on probabilities (Lin et al., 2017), as in the notes:
    ``mean(alpha_t * (1 - p_t) ** gamma * bce)`` with ``p_t`` the probability
    of the true class and ``alpha_t = alpha`` for positives, ``1 - alpha``
    for negatives. Equals ``BinaryFocalCrossentropy(apply_class_balancing=True)``."""

    def __init__(self, alpha: float = 0.75, gamma: float = 2.0, epsilon: float = 1e-7, **kwargs):
        super().__init__(**kwargs)
        if gamma < 0:
            raise ValueError(f"gamma must be >= 0, got {gamma}")
        self.alpha = _check_fraction(alpha, "alpha")
        self.gamma = float(gamma)
        self.epsilon = float(epsilon)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        p = ops.clip(y_pred, self.epsilon, 1.0 - self.epsilon)
        bce = -(y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p))
        p_t = y_true * p + (1.0 - y_true) * (1.0 - p)
        alpha_t = y_true * self.alpha + (1.0 - y_true) * (1.0 - self.alpha)
        return ops.mean(alpha_t * (1.0 - p_t) ** self.gamma * bce, axis=-1)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha, "gamma": self.gamma,
                "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="workbook")
class SymmetricCrossEntropy(keras.losses.Loss):
    """Symmetric cross-entropy (Wang et al., 2019) on logits and integer labels,
    as in the notes: ``a * CE + b * RCE`` where the reverse cross-entropy
    ``RCE = -sum_c clip(softmax)_c * log(clip(one_hot, label_floor, 1))``
    swaps the roles of label and prediction. With a confident wrong label the
    CE term grows without bound while RCE stays below ``-log(label_floor)``,
    which is why SCE resists label noise."""

    def __init__(self, num_classes: int, a: float = 1.0, b: float = 1.0,
                 prob_floor: float = 1e-4, label_floor: float = 1e-4, **kwargs):
        super().__init__(**kwargs)
        if num_classes < 2:
            raise ValueError(f"num_classes must be >= 2, got {num_classes}")
        self.num_classes = int(num_classes)
        self.a, self.b = float(a), float(b)
        self.prob_floor, self.label_floor = float(prob_floor), float(label_floor)

    def call(self, y_true, y_pred):
        labels = ops.reshape(ops.cast(y_true, "int32"), (-1,))
        one_hot = ops.one_hot(labels, self.num_classes, dtype=y_pred.dtype)
        ce = -ops.sum(one_hot * ops.log_softmax(y_pred, axis=-1), axis=-1)
        probs = ops.clip(ops.softmax(y_pred, axis=-1), self.prob_floor, 1.0)
        rce = -ops.sum(probs * ops.log(ops.clip(one_hot, self.label_floor, 1.0)), axis=-1)
        return self.a * ce + self.b * rce

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "a": self.a, "b": self.b,
                "prob_floor": self.prob_floor, "label_floor": self.label_floor}
