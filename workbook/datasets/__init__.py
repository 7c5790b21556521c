"""The dataset layer: downloads with checksums, a shared cache, TF-free
TFDS builders for MNIST and Fashion-MNIST, and loaders that chapters feed
straight to ``fit``.

Cache: ``$WORKBOOK_DATA`` or ``~/.cache/keras-workbook``. An instructor can
prepare it once (``workbook data download``) and share the folder with a class.

Mock data: ``WORKBOOK_MOCK_DATA=1`` swaps every data set for generated data
of the same shape, and says so loudly. It is for tests and offline demos:
any figure measured on it is meaningless and is labelled as mock.
"""

from workbook.datasets.cache import DatasetUnavailable, data_dir, fetch
from workbook.datasets.images import (
    FASHION_MNIST_LABELS,
    ImageBatches,
    load_fashion_mnist,
    load_mnist,
)
from workbook.datasets.mock import mock_enabled
from workbook.datasets.tables import load_house_prices
from workbook.datasets.text import load_fra_eng, load_time_machine

__all__ = [
    "DatasetUnavailable",
    "FASHION_MNIST_LABELS",
    "ImageBatches",
    "data_dir",
    "fetch",
    "load_fashion_mnist",
    "load_fra_eng",
    "load_house_prices",
    "load_mnist",
    "load_time_machine",
    "mock_enabled",
]
