"""Only data crosses the trust boundary."""

import io
import pickle

import numpy as np
import pytest

from workbook.grading.convert import UnreadableResult, to_plain
from workbook.grading.wire import ModelInfo, WireError, read_message, write_message


def roundtrip(message):
    buffer = io.BytesIO()
    write_message(buffer, message)
    buffer.seek(0)
    return read_message(buffer)


def test_values_roundtrip():
    message = {"ok": True, "value": {"a": np.arange(6).reshape(2, 3), "t": (1, 2.5, "x"),
                                       "nan": float("nan"), "nested": [np.float32(3)]}}
    back = roundtrip(message)["value"]
    np.testing.assert_array_equal(back["a"], np.arange(6).reshape(2, 3))
    assert back["t"] == (1, 2.5, "x") and np.isnan(back["nan"]) and back["nested"] == [3.0]


def test_model_info_roundtrip():
    info = ModelInfo("Functional", True, [{"class_name": "Dense"}], 3, [None, 2], [None, 1],
                     weights=[np.ones((2, 1))])
    back = roundtrip({"value": info})["value"]
    assert isinstance(back, ModelInfo) and back.functional and back.weights[0].shape == (2, 1)


def test_object_arrays_cannot_be_sent():
    with pytest.raises(WireError):
        roundtrip({"value": np.array([object()], dtype=object)})


def test_pickled_arrays_are_refused_on_receipt():
    """A forged message carrying a pickled object array is rejected, never unpickled."""
    import json
    import struct

    blob = io.BytesIO()
    np.save(blob, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    data = blob.getvalue()
    header = json.dumps({"payload": {"value": {"__array__": 0}}, "sizes": [len(data)]}).encode()
    stream = io.BytesIO(struct.pack("!Q", len(header)) + header + data)
    with pytest.raises(ValueError):
        read_message(stream)


def test_unreadable_results_are_explained():
    with pytest.raises(UnreadableResult, match="cannot read"):
        to_plain(object())
    with pytest.raises(UnreadableResult, match="Python objects"):
        to_plain(np.array([pickle], dtype=object))


def test_torch_and_keras_values_become_arrays():
    import keras
    import torch

    t = torch.ones(2, requires_grad=True) * 2
    np.testing.assert_array_equal(to_plain(t), [2, 2])
    np.testing.assert_array_equal(to_plain(keras.Variable(np.zeros(3))), [0, 0, 0])


def _raw_message(header: bytes, blobs: bytes = b"", declared: int | None = None) -> io.BytesIO:
    import struct

    size = len(header) if declared is None else declared
    return io.BytesIO(struct.pack("!Q", size) + header + blobs)


def test_an_oversized_header_is_refused_before_it_is_read():
    from workbook.grading.wire import MAX_HEADER_BYTES

    stream = _raw_message(b"[[],[]," * 10, declared=MAX_HEADER_BYTES + 1)
    with pytest.raises(WireError, match="header"):
        read_message(stream)
    assert stream.tell() == 8  # only the length was consumed


@pytest.mark.parametrize("sizes", [[-1], ["12"], list(range(5000)), [1 << 40]])
def test_bad_array_lists_are_refused(sizes):
    import json

    header = json.dumps({"payload": {"ok": True}, "sizes": sizes}).encode()
    with pytest.raises(WireError):
        read_message(_raw_message(header))


def test_a_header_that_is_not_an_object_is_refused():
    with pytest.raises(WireError, match="object"):
        read_message(_raw_message(b"[1, 2]"))


def test_zero_dimensional_arrays_keep_their_shape():
    # A 0-d tensor a student returns for "a number" must arrive as 0-d, so that
    # a check can tell it from a float and from a one-element vector.
    back = roundtrip({"value": [np.array(2.5), np.asarray(np.float32(1.0)), np.arange(3)[::2]]})["value"]
    assert [a.shape for a in back] == [(), (), (2,)]
    assert back[0] == 2.5 and back[1].dtype == np.float32
