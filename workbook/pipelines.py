"""Input pipelines without TensorFlow (chapter 12).

``keras.utils.PyDataset`` is Keras' map-style data set, but *batch*-level:
``__len__`` is the number of batches and ``__getitem__(i)`` returns batch i,
where torch's ``Dataset`` returns one example and a ``DataLoader`` samples,
batches and collates. ``ArrayBatches`` does the ``DataLoader``'s work with
torch's own samplers (shuffle, drop_last, a seed per epoch);
``ImageFolder`` reads ``root/<class>/<image>`` files as torchvision's
``ImageFolder`` does (``image_dataset_from_directory`` needs TensorFlow).
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import torch

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


def _epoch_batches(n: int, batch_size: int, shuffle: bool, drop_last: bool, seed: int,
                   epoch: int) -> list[list[int]]:
    """The index batches of one epoch, from torch's samplers; epoch e of seed s
    is always the same order, and another epoch is another order."""
    if shuffle:
        generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
        sampler = torch.utils.data.RandomSampler(range(n), generator=generator)
    else:
        sampler = torch.utils.data.SequentialSampler(range(n))
    return list(torch.utils.data.BatchSampler(sampler, batch_size, drop_last))


class ArrayBatches(keras.utils.PyDataset):
    """``(x, y)`` arrays in batches, like ``DataLoader(TensorDataset(x, y))``."""

    def __init__(self, x, y, batch_size: int = 32, shuffle: bool = True,
                 drop_last: bool = False, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if len(x) != len(y):
            raise ValueError(f"x has {len(x)} rows but y has {len(y)}")
        if drop_last and len(x) < batch_size:
            raise ValueError(f"drop_last with {len(x)} rows and batch_size {batch_size} "
                             "leaves no batch")
        self.x, self.y = np.asarray(x), np.asarray(y)
        self.batch_size, self.shuffle, self.drop_last = int(batch_size), shuffle, drop_last
        self.seed, self.epoch = int(seed), 0
        self._batches = self._plan()

    def _plan(self):
        return _epoch_batches(len(self.x), self.batch_size, self.shuffle, self.drop_last,
                              self.seed, self.epoch)

    def __len__(self):
        return len(self._batches)

    def __getitem__(self, index):
        rows = self._batches[index]
        return self.x[rows], self.y[rows]

    def on_epoch_end(self):
        self.epoch += 1
        self._batches = self._plan()


def class_folders(root) -> dict[str, int]:
    """``{class name: index}`` for the subfolders of root, in sorted order."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"no image folder at {root}")
    names = sorted(p.name for p in root.iterdir() if p.is_dir())
    if not names:
        raise ValueError(f"{root} has no class subfolders")
    return {name: index for index, name in enumerate(names)}


class ImageFolder(keras.utils.PyDataset):
    """Images in ``root/<class>/<file>``, labelled by the sorted class names.

    Files are read lazily, one batch at a time (``keras.utils.load_img``,
    which needs Pillow), scaled to [0, 1] and resized to ``image_size``.
    ``augment`` (a layer, e.g. ``RandomFlip``) runs in training mode on
    every batch; leave it out for validation data.
    """

    def __init__(self, root, image_size=(32, 32), batch_size: int = 32, color_mode: str = "rgb",
                 shuffle: bool = True, seed: int = 0, augment=None, **kwargs):
        super().__init__(**kwargs)
        self.class_to_idx = class_folders(root)
        self.files = [(path, index) for name, index in self.class_to_idx.items()
                      for path in sorted((Path(root) / name).iterdir())
                      if path.suffix.lower() in IMAGE_SUFFIXES]
        if not self.files:
            raise ValueError(f"no images ({', '.join(IMAGE_SUFFIXES)}) under {root}")
        self.image_size, self.color_mode = tuple(image_size), color_mode
        self.batch_size, self.shuffle, self.seed, self.epoch = int(batch_size), shuffle, int(seed), 0
        self.augment = augment
        self._batches = self._plan()

    def _plan(self):
        return _epoch_batches(len(self.files), self.batch_size, self.shuffle, False,
                              self.seed, self.epoch)

    def __len__(self):
        return len(self._batches)

    def __getitem__(self, index):
        images, labels = [], []
        for row in self._batches[index]:
            path, label = self.files[row]
            image = keras.utils.load_img(path, color_mode=self.color_mode,
                                         target_size=self.image_size)
            images.append(keras.utils.img_to_array(image) / 255.0)
            labels.append(label)
        x = np.stack(images).astype("float32")
        if self.augment is not None:
            x = keras.ops.convert_to_numpy(self.augment(x, training=True))
        return x, np.asarray(labels, dtype="int32")

    def on_epoch_end(self):
        self.epoch += 1
        self._batches = self._plan()


def write_image_folder(root, images, labels, class_names) -> Path:
    """Write grey images (N, H, W) in [0, 1] as ``root/<class name>/<i>.png``:
    an image folder to read back, since none ships with the workbook."""
    root = Path(root)
    images = np.asarray(images, dtype="float32")
    if images.ndim != 3 or len(images) != len(labels):
        raise ValueError("images must be (N, H, W) with one label each")
    for i, (image, label) in enumerate(zip(images, labels)):
        folder = root / class_names[int(label)]
        folder.mkdir(parents=True, exist_ok=True)
        keras.utils.save_img(folder / f"{i:05d}.png", image[..., None], scale=True)
    return root
