"""The shared comparisons that check modules import from workbook.grading."""

import numpy as np
import pytest

from workbook.grading import (
    CheckFailed,
    ModelInfo,
    expect_dict,
    expect_frame,
    expect_frame_close,
    expect_number_close,
    expect_numbers,
    expect_python_number,
    expect_sequence,
    expect_weight_shapes,
    weight_shapes,
)


def test_expect_number_close():
    assert expect_number_close(np.array([2.0]), 2.0, what="x") == 2.0
    with pytest.raises(CheckFailed, match="x is off"):
        expect_number_close(2.1, 2.0, what="x")
    with pytest.raises(CheckFailed, match="single number"):
        expect_number_close(np.ones(2), 1.0, what="x")


def test_expect_python_number_refuses_zero_d_and_one_element_arrays():
    assert expect_python_number(2, what="x") == 2.0 and expect_python_number(2.5) == 2.5
    for value in (np.array(2.0), np.array([2.0])):
        with pytest.raises(CheckFailed, match="Python number"):
            expect_python_number(value, what="x")
    with pytest.raises(CheckFailed, match="bool"):
        expect_python_number(True)


def test_expect_numbers_accepts_lists_and_keeps_array_dtype():
    assert expect_numbers([1, 2.5]).dtype == np.float64
    assert expect_numbers([np.array(1.0), np.array([2.0])]).tolist() == [1.0, 2.0]
    assert expect_numbers(np.ones(6, np.float32), shape=(6,)).dtype == np.float32
    with pytest.raises(CheckFailed, match="shape"):
        expect_numbers([1.0, 2.0], shape=(6,))
    with pytest.raises(CheckFailed):
        expect_numbers([True, False])


def test_expect_sequence_and_dict():
    assert expect_sequence((1, 2), 2) == [1, 2]
    with pytest.raises(CheckFailed, match="forget to return"):
        expect_sequence(None, 2, "f(x)")
    with pytest.raises(CheckFailed, match="should have 2 items, got 3"):
        expect_sequence([1, 2, 3], 2)
    assert expect_dict({"a": 1, "b": 2}, {"a"}) == {"a": 1, "b": 2}
    with pytest.raises(CheckFailed, match=r"lacks the key\(s\) \['b'\]"):
        expect_dict({"a": 1}, {"a", "b"})


def test_expect_frame_close():
    frame = {"columns": ["x", "y_a"], "data": {"x": np.array([1.0, 2.0]), "y_a": np.array([1, 0])}}
    assert expect_frame(frame)["y_a"].dtype == np.float64
    expect_frame_close(frame, {"x": [1.0, 2.0], "y_a": [1.0, 0.0]})
    with pytest.raises(CheckFailed, match=r"missing \['y_nan'\], unexpected \[\]"):
        expect_frame_close(frame, {"x": [1.0, 2.0], "y_a": [1.0, 0.0], "y_nan": [0.0, 0.0]})
    with pytest.raises(CheckFailed, match="column 'x' of the frame is off"):
        expect_frame_close(frame, {"x": [1.0, 3.0], "y_a": [1.0, 0.0]}, what="the frame")
    with pytest.raises(CheckFailed, match="pandas DataFrame"):
        expect_frame(np.ones((2, 2)))
    text = {"columns": ["s"], "data": {"s": np.array(["a", "b"])}}
    with pytest.raises(CheckFailed, match="dtype"):
        expect_frame(text)


def test_weight_shapes():
    info = ModelInfo(class_name="Functional", functional=True, layers=[], count_params=8,
                     input_shape=None, output_shape=None,
                     weights=[np.zeros((3, 2)), np.zeros(2)])
    assert weight_shapes(info) == [(3, 2), (2,)]
    expect_weight_shapes(info, [[3, 2], [2]])
    with pytest.raises(CheckFailed, match="the weight shapes is"):
        expect_weight_shapes(info, [(2, 3), (2,)])


def test_expect_dtype_kind_tells_integers_floats_and_booleans_apart():
    from workbook.grading import expect_dtype_kind

    expect_dtype_kind(np.array([1, 2], dtype=np.int32), "integer")
    expect_dtype_kind(np.array([1.0], dtype=np.float32), "float")
    with pytest.raises(CheckFailed, match="expected integer numbers"):
        expect_dtype_kind(np.array([1.0, 2.0]), "integer", "the counts")
    with pytest.raises(CheckFailed, match="expected float numbers"):
        expect_dtype_kind(np.array([True, False]), "float", "the one-hot matrix")


def test_expect_gradient_fails_with_a_hint_when_no_gradient_flowed():
    from workbook.grading import expect_gradient

    expect_gradient(np.array([1.0, 2.0]), [1.0, 2.0])
    with pytest.raises(CheckFailed, match="keras.ops"):
        expect_gradient(None, [1.0, 2.0])
    with pytest.raises(CheckFailed, match="is off"):
        expect_gradient(np.array([1.0, 3.0]), [1.0, 2.0])


def test_expect_int_takes_ints_and_rejects_whole_floats_and_bools():
    from workbook.grading.expect import expect_int

    assert expect_int(3) == 3 and expect_int(np.int64(4)) == 4 and expect_int(np.array([5])) == 5
    for bad in (3.0, True, np.array(2.0), "3"):
        with pytest.raises(CheckFailed, match="expected an int"):
            expect_int(bad, "the count")


def test_expect_student_raises_wants_that_error_and_no_other():
    from workbook.grading import CheckFailed, StudentError
    from workbook.grading.expect import expect_student_raises

    class Student:
        def __init__(self, outcome):
            self.outcome = outcome

        def call(self, name, *args):
            if self.outcome:
                raise StudentError(self.outcome, "boom", "")
            return 1

    expect_student_raises(Student("ValueError"), "ValueError", "f", 1)
    with pytest.raises(CheckFailed, match=r"f\(<array \(2, 3\) float64>, 5\) should raise ValueError"):
        expect_student_raises(Student(None), "ValueError", "f", np.zeros((2, 3)), 5)
    with pytest.raises(StudentError):
        expect_student_raises(Student("TypeError"), "ValueError", "f")
