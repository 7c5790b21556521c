"""The autograder: the check API, the worker protocol, runner and reports.

Check modules import what they need from here::

    from workbook.grading import Checks, expect_close, fixture, tensor
"""

from workbook.grading.api import Check, CheckFailed, Checks, StudentError
from workbook.grading.expect import (
    expect_array,
    expect_close,
    expect_equal,
    expect_functional,
    expect_model,
    expect_number,
    expect_true,
)
from workbook.grading.wire import ModelInfo, fixture, tensor

__all__ = [
    "Check",
    "CheckFailed",
    "Checks",
    "ModelInfo",
    "StudentError",
    "expect_array",
    "expect_close",
    "expect_equal",
    "expect_functional",
    "expect_model",
    "expect_number",
    "expect_true",
    "fixture",
    "tensor",
]
