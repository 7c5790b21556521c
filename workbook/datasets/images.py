"""Image data sets as Keras-ready batches.

The array_record files are read once into a compact ``uint8`` array (47 MB
for all of Fashion-MNIST); ``ImageBatches`` scales one batch at a time to
float32, so the float copy of the whole set never exists.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from workbook.datasets.cache import data_dir
from workbook.datasets.mock import announce, mock_enabled
from workbook.profiles import current_profile

FASHION_MNIST_LABELS = (
    "t-shirt", "trouser", "pullover", "dress", "coat",
    "sandal", "shirt", "sneaker", "bag", "ankle boot",
)
READ_CHUNK = 1000


class ImageBatches(keras.utils.PyDataset):
    """Batches of ``(images float32 in [0, 1], labels int32)`` for ``fit``.

    ``images`` (uint8, N x 28 x 28 x 1) and ``labels`` stay available for
    plotting. With ``shuffle=True`` the order changes every epoch, seeded.
    """

    def __init__(self, images, labels, batch_size: int = 256, shuffle: bool = False,
                 seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        self.images = images
        self.labels = np.asarray(labels, dtype=np.int32)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self._rng = np.random.default_rng(seed)
        self._order = np.arange(len(images))
        if shuffle:
            self._rng.shuffle(self._order)

    def __len__(self) -> int:
        return math.ceil(len(self.images) / self.batch_size)

    def __getitem__(self, index: int):
        rows = np.sort(self._order[index * self.batch_size : (index + 1) * self.batch_size])
        return self.images[rows].astype(np.float32) / 255.0, self.labels[rows]

    def on_epoch_end(self):
        if self.shuffle:
            self._rng.shuffle(self._order)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """All images as float32 in [0, 1] and the labels (for small sets)."""
        return self.images.astype(np.float32) / 255.0, self.labels


def _get_records(source, rows: list[int]):
    try:
        return source.__getitems__(rows)  # one batched read of the array_record file
    except TypeError:  # a data source without a working batched read
        return [source[row] for row in rows]


def _read_source(source, limit: int) -> tuple[np.ndarray, np.ndarray]:
    count = min(limit, len(source))
    images = np.empty((count, 28, 28, 1), dtype=np.uint8)
    labels = np.empty(count, dtype=np.int32)
    for start in range(0, count, READ_CHUNK):
        rows = list(range(start, min(start + READ_CHUNK, count)))
        for offset, record in enumerate(_get_records(source, rows)):
            images[start + offset] = np.asarray(record["image"], dtype=np.uint8).reshape(28, 28, 1)
            labels[start + offset] = int(record["label"])
    return images, labels


def mock_images(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Noise images with labels drawn independently of them: no model can
    beat chance (0.1) on a test split drawn with another seed. (TFDS's mock
    data gave both splits the same records, so a mock "test accuracy" was
    training accuracy.)"""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(count, 28, 28, 1), dtype=np.uint8)
    return images, rng.integers(0, 10, size=count).astype(np.int32)


def _data_sources(builder_cls, name: str, num_train: int, num_test: int):
    import tensorflow_datasets as tfds

    tfds.disable_progress_bar()  # its bars of "Generating splits..." are noise here
    builder = builder_cls(data_dir=str(data_dir() / "tfds"))
    builder.download_and_prepare(file_format="array_record")
    return builder.as_data_source(split="train"), builder.as_data_source(split="test")


def _load(builder_cls, name, batch_size, num_train, num_test, seed):
    profile = current_profile()
    num_train = num_train or profile.pick(tiny=1000, default=60000, full=60000)
    num_test = num_test or profile.pick(tiny=500, default=10000, full=10000)
    if mock_enabled():
        announce(name)
        train_arrays, test_arrays = mock_images(num_train, seed=1), mock_images(num_test, seed=2)
    else:
        train_source, test_source = _data_sources(builder_cls, name, num_train, num_test)
        train_arrays = _read_source(train_source, num_train)
        test_arrays = _read_source(test_source, num_test)
    train = ImageBatches(*train_arrays, batch_size, shuffle=True, seed=seed)
    test = ImageBatches(*test_arrays, batch_size)
    return train, test


def load_fashion_mnist(batch_size: int = 256, num_train: int | None = None,
                       num_test: int | None = None, seed: int = 0):
    """Fashion-MNIST as ``(train, test)`` ImageBatches; the profile picks the size."""
    from workbook.datasets.builders import WorkbookFashionMnist

    return _load(WorkbookFashionMnist, "Fashion-MNIST", batch_size, num_train, num_test, seed)


def load_mnist(batch_size: int = 256, num_train: int | None = None,
               num_test: int | None = None, seed: int = 0):
    """MNIST as ``(train, test)`` ImageBatches; the profile picks the size."""
    from workbook.datasets.builders import WorkbookMnist

    return _load(WorkbookMnist, "MNIST", batch_size, num_train, num_test, seed)
