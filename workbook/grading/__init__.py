"""The autograder: the check API, the worker protocol, runner and reports.

Check modules import what they need from here::

    from workbook.grading import Checks, expect_close, fixture, tensor
"""

from workbook.grading.api import Check, CheckFailed, Checks, StudentError
from workbook.grading.expect import (
    expect_array,
    expect_built_without,
    expect_close,
    expect_dict,
    expect_dtype_kind,
    expect_equal,
    expect_frame,
    expect_frame_close,
    expect_functional,
    expect_gradient,
    expect_value_and_gradients,
    expect_model,
    expect_number,
    expect_python_number,
    expect_number_close,
    expect_numbers,
    expect_sequence,
    expect_source_avoids,
    expect_true,
    expect_weight_shapes,
    weight_shapes,
)
from workbook.grading.wire import ModelInfo, fixture, tensor

__all__ = [
    "Check",
    "CheckFailed",
    "Checks",
    "ModelInfo",
    "StudentError",
    "expect_array",
    "expect_built_without",
    "expect_close",
    "expect_dict",
    "expect_dtype_kind",
    "expect_equal",
    "expect_frame",
    "expect_frame_close",
    "expect_functional",
    "expect_gradient",
    "expect_value_and_gradients",
    "expect_model",
    "expect_number",
    "expect_python_number",
    "expect_number_close",
    "expect_numbers",
    "expect_sequence",
    "expect_source_avoids",
    "expect_true",
    "expect_weight_shapes",
    "fixture",
    "tensor",
    "weight_shapes",
]
