"""workbook.convolution: the helpers chapters 7 and 8 share."""

import keras
import numpy as np
import pytest
import torch
from keras import ops

from workbook.convolution import (
    PaddedMaxPooling2D,
    ResizedBatches,
    conv_output_size,
    corr2d,
    load_digit_images,
    shape_table,
)
from workbook.datasets import ImageBatches


def test_corr2d_book_value_and_gradient():
    X = torch.arange(9.0).reshape(3, 3).requires_grad_(True)
    K = torch.tensor([[0.0, 1.0], [2.0, 3.0]], requires_grad=True)
    out = corr2d(X, K)
    np.testing.assert_array_equal(ops.convert_to_numpy(out.detach()), [[19, 25], [37, 43]])
    out.sum().backward()  # d(sum)/dK[a, b] = sum of the window of X that K[a, b] multiplies
    np.testing.assert_array_equal(K.grad.numpy(), [[8, 12], [20, 24]])


def test_corr2d_rejects_a_kernel_larger_than_the_image():
    with pytest.raises(ValueError, match="larger than the image"):
        corr2d(np.zeros((2, 2)), np.zeros((3, 1)))


@pytest.mark.parametrize("n,k,p,s", [(8, 3, 1, 1), (8, 5, 2, 1), (8, 3, 1, 2), (8, 3, 0, 3),
                                     (7, 2, 0, 3), (9, 4, 3, 2)])
def test_conv_output_size_matches_torch(n, k, p, s):
    out = torch.nn.functional.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k),
                                     stride=s, padding=p)
    assert conv_output_size(n, k, p, s) == out.shape[-1]


def test_conv_output_size_rejects_bad_input():
    with pytest.raises(ValueError, match="stride"):
        conv_output_size(8, 3, 0, 0)
    with pytest.raises(ValueError, match="does not fit"):
        conv_output_size(2, 5, 1, 1)


@pytest.mark.parametrize("pool,stride,padding", [(3, 2, 1), ((2, 3), (2, 3), (0, 1)), (2, None, 0)])
def test_padded_max_pooling_matches_torch_on_negative_inputs(pool, stride, padding):
    x = -np.random.default_rng(0).uniform(1, 2, size=(2, 5, 6, 3)).astype("float32")
    got = ops.convert_to_numpy(PaddedMaxPooling2D(pool, stride, padding)(x))
    want = torch.nn.functional.max_pool2d(torch.tensor(x).permute(0, 3, 1, 2), pool,
                                          stride if stride is not None else pool, padding)
    np.testing.assert_allclose(got, want.permute(0, 2, 3, 1).numpy())


def test_padded_max_pooling_saves_and_loads(tmp_path):
    inputs = keras.Input((4, 4, 1))
    model = keras.Model(inputs, PaddedMaxPooling2D(3, 2, 1)(inputs))
    model.save(tmp_path / "pool.keras")
    again = keras.models.load_model(tmp_path / "pool.keras")
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    np.testing.assert_array_equal(ops.convert_to_numpy(again(x))[0, ..., 0], [[5, 7], [13, 15]])


def test_padded_max_pooling_rejects_torch_illegal_padding():
    with pytest.raises(ValueError, match="at most half"):
        PaddedMaxPooling2D(2, 2, 2)


def test_shape_table_lists_each_layer_without_the_input():
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(2, 3, name="conv")(inputs)
    model = keras.Model(inputs, keras.layers.Flatten(name="flat")(x))
    assert shape_table(model) == [("conv", "Conv2D", (6, 6, 2), 20), ("flat", "Flatten", (72,), 0)]


def test_load_digit_images_is_real_upsampled_and_split():
    (x_train, y_train), (x_val, y_val) = load_digit_images(16, val_fraction=0.25, seed=1)
    assert x_train.shape[1:] == (16, 16, 1) and x_train.dtype == np.float32
    assert len(x_train) + len(x_val) == 1797 and len(x_val) == round(0.25 * 1797)
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0
    assert set(np.unique(y_train)) == set(range(10))
    with pytest.raises(ValueError, match="val_fraction"):
        load_digit_images(28, val_fraction=1.0)


def test_resized_batches_resize_each_batch_and_pass_shuffling_on():
    images = np.random.default_rng(0).integers(0, 256, size=(10, 28, 28, 1), dtype=np.uint8)
    source = ImageBatches(images, np.arange(10), batch_size=4, shuffle=True, seed=0)
    resized = ResizedBatches(source, 56)
    assert len(resized) == 3
    batch, labels = resized[0]
    assert batch.shape == (4, 56, 56, 1) and batch.dtype == np.float32
    np.testing.assert_array_equal(labels, source[0][1])
    first = source[0][1].copy()
    for _ in range(5):  # a new order every epoch, decided by the source
        resized.on_epoch_end()
        if not np.array_equal(source[0][1], first):
            break
    else:
        pytest.fail("on_epoch_end did not reshuffle the source")
