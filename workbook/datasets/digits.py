"""scikit-learn's handwritten digits with one fixed split.

The digits ship with scikit-learn, so they are real data even where the
downloadable sets are mocked; chapters 4 and 5 measure on them. One loader
and one split keep their numbers comparable.
"""

from __future__ import annotations

import numpy as np

TEST_SIZE = 500  # of 1,797 images: 1,297 to train, 500 held out


def load_digits_split(
    validation_size: int = 0, seed: int = 0
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """``(train, test)``, or ``(train, validation, test)`` when ``validation_size`` > 0.

    Each part is ``(images, labels)``: float32 images of shape (n, 8, 8, 1) in
    [0, 1] and int32 labels. The 500 test images are a stratified draw that
    depends on ``seed`` only; the validation images are a stratified draw
    from the remaining training images.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if not 0 <= validation_size < 1297 - 10:
        raise ValueError(f"validation_size must be between 0 and 1286, got {validation_size}")
    digits = load_digits()
    images = (digits.images / 16.0).astype("float32")[..., None]
    labels = digits.target.astype("int32")
    X_train, X_test, y_train, y_test = train_test_split(
        images, labels, test_size=TEST_SIZE, random_state=seed, stratify=labels)
    if not validation_size:
        return (X_train, y_train), (X_test, y_test)
    X_train, X_val, y_train, y_val = train_test_split(
        X_train, y_train, test_size=validation_size, random_state=seed, stratify=y_train)
    return (X_train, y_train), (X_val, y_val), (X_test, y_test)
