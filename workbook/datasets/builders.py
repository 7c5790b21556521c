"""TF-free TFDS builders for MNIST and Fashion-MNIST.

The catalog builders of TFDS need TensorFlow to prepare these two sets (they
encode PNG images with ``tf.image``). These builders read the same original
IDX files and store raw ``uint8`` tensors, which TFDS writes to array_record
files and ``data_source`` reads back without TensorFlow.
"""

from __future__ import annotations

import numpy as np
import tensorflow_datasets as tfds

from workbook.datasets.cache import RemoteFile, fetch
from workbook.datasets.idx import read_idx

FASHION_MNIST_MIRRORS = (
    "https://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
IDX_NAMES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


def _remote_files(mirrors, md5s: dict[str, str]) -> dict[str, RemoteFile]:
    return {
        key: RemoteFile(name, tuple(m + name for m in mirrors), md5s[key], "md5")
        for key, name in IDX_NAMES.items()
    }


class _IdxImageBuilder(tfds.core.GeneratorBasedBuilder):
    """Shared by both data sets: 28x28x1 uint8 images and 10 labels."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Raw uint8 tensors from the original IDX files; no TensorFlow."}
    REMOTE: dict[str, RemoteFile] = {}
    DESCRIPTION = ""

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=self.DESCRIPTION,
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Tensor(shape=(28, 28, 1), dtype=np.uint8),
                    "label": tfds.features.ClassLabel(num_classes=10),
                }
            ),
            supervised_keys=("image", "label"),
        )

    # TFDS prints a bold banner before and after preparing ("Unknown size");
    # our downloads report their own progress and the caller says "ready".
    def _log_download_bytes(self) -> None:
        pass

    def _log_download_done(self) -> None:
        pass

    def _split_generators(self, dl_manager):
        hint = f"workbook data download {self.name.removeprefix('workbook_')}"
        paths = {key: fetch(remote, self.name, hint) for key, remote in self.REMOTE.items()}
        return {
            "train": self._generate_examples(paths["train_images"], paths["train_labels"]),
            "test": self._generate_examples(paths["test_images"], paths["test_labels"]),
        }

    def _generate_examples(self, images_path, labels_path):
        images, labels = read_idx(images_path), read_idx(labels_path)
        if images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) != len(labels):
            raise ValueError(
                f"unexpected IDX contents: images {images.shape}, labels {labels.shape}"
            )
        for index, (image, label) in enumerate(zip(images, labels)):
            yield index, {"image": image[:, :, None], "label": int(label)}


class WorkbookFashionMnist(_IdxImageBuilder):
    DESCRIPTION = "Fashion-MNIST (Zalando Research), 60,000 training and 10,000 test images."
    REMOTE = _remote_files(
        FASHION_MNIST_MIRRORS,
        {
            "train_images": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            "train_labels": "25c81989df183df01b3e8a0aad5dffbe",
            "test_images": "bef4ecab320f06d8554ea6380940ec79",
            "test_labels": "bb300cfdad3c16e7a12a480ee83cd310",
        },
    )


class WorkbookMnist(_IdxImageBuilder):
    DESCRIPTION = "MNIST handwritten digits, 60,000 training and 10,000 test images."
    REMOTE = _remote_files(
        MNIST_MIRRORS,
        {
            "train_images": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            "train_labels": "d53e105ee54ea40749a09fcbcd1e9432",
            "test_images": "9fb629c4189551a2d022fa330f9573f3",
            "test_labels": "ec29112dd5afa0611ce80d1b7f02629c",
        },
    )
