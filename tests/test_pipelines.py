"""workbook.pipelines: batch-level data sets without TensorFlow (chapter 12)."""

import keras
import numpy as np
import pytest

from workbook.pipelines import ArrayBatches, ImageFolder, class_folders, write_image_folder


def rows_of(dataset):
    return [dataset[i][1].tolist() for i in range(len(dataset))]


def test_array_batches_keep_or_drop_the_last_partial_batch():
    x, y = np.zeros((49, 3)), np.arange(49)
    assert [len(b) for b in rows_of(ArrayBatches(x, y, 10, drop_last=False))] == [10, 10, 10, 10, 9]
    kept = rows_of(ArrayBatches(x, y, 10, drop_last=True))
    assert [len(b) for b in kept] == [10] * 4
    assert len(set(sum(kept, []))) == 40


def test_array_batches_shuffle_each_epoch_reproducibly():
    x, y = np.zeros((20, 1)), np.arange(20)
    data = ArrayBatches(x, y, 6, seed=3)
    first = rows_of(data)
    assert sorted(sum(first, [])) == list(range(20))
    data.on_epoch_end()
    assert rows_of(data) != first
    assert rows_of(ArrayBatches(x, y, 6, seed=3)) == first
    assert rows_of(ArrayBatches(x, y, 6, shuffle=False))[0] == [0, 1, 2, 3, 4, 5]


def test_array_batches_reject_bad_input():
    with pytest.raises(ValueError, match="batch_size"):
        ArrayBatches(np.zeros((4, 1)), np.zeros(4), 0)
    with pytest.raises(ValueError, match="rows"):
        ArrayBatches(np.zeros((4, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="no batch"):
        ArrayBatches(np.zeros((4, 1)), np.zeros(4), 8, drop_last=True)


def test_array_batches_feed_fit():
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    history = model.fit(ArrayBatches(np.ones((10, 2)), np.ones((10, 1)), 4), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_image_folder_reads_classes_in_sorted_order(tmp_path):
    images = np.linspace(0, 1, 6 * 8 * 8).reshape(6, 8, 8)
    write_image_folder(tmp_path, images, [1, 0, 1, 0, 1, 1], ["0_zero", "1_one"])
    assert class_folders(tmp_path) == {"0_zero": 0, "1_one": 1}
    data = ImageFolder(tmp_path, image_size=(8, 8), batch_size=4, color_mode="grayscale",
                       shuffle=False)
    assert len(data) == 2
    x, y = data[0]
    assert x.shape == (4, 8, 8, 1) and x.dtype == np.float32
    assert y.tolist() == [0, 0, 1, 1]  # files listed class by class
    assert 0.0 <= x.min() and x.max() <= 1.0
    # the first "0_zero" image is images[1], written as 8-bit grey
    np.testing.assert_allclose(x[0, ..., 0], (images[1] - images[1].min())
                               / (images[1].max() - images[1].min()), atol=1 / 255)


def test_image_folder_applies_augmentation_in_training_mode(tmp_path):
    write_image_folder(tmp_path, np.random.default_rng(0).uniform(size=(4, 8, 8)), [0, 1, 0, 1], ["a", "b"])
    flip = keras.layers.RandomFlip("horizontal", seed=1)
    plain = ImageFolder(tmp_path, (8, 8), 4, "grayscale", shuffle=False)[0][0]
    flipped = ImageFolder(tmp_path, (8, 8), 4, "grayscale", shuffle=False, augment=flip)[0][0]
    assert flipped.shape == plain.shape and not np.allclose(flipped, plain)


def test_image_folder_errors_name_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no image folder"):
        ImageFolder(tmp_path / "missing")
    with pytest.raises(ValueError, match="no class subfolders"):
        ImageFolder(tmp_path)
    (tmp_path / "empty_class").mkdir()
    with pytest.raises(ValueError, match="no images"):
        ImageFolder(tmp_path)
