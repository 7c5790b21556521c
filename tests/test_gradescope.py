"""The Gradescope export follows Gradescope's autograder results format."""

from workbook.grading.evaluate import CheckResult
from workbook.grading.gradescope import gradescope_results
from workbook.grading.runner import ExerciseResult, SubmissionResult


def _result():
    checks = [
        CheckResult("ch99.double", "small", "visible", 1, 1, True, "2x"),
        CheckResult("ch99.double", "matrix", "hidden", 2, 0, False, "2x on matrices",
                    detail="off at (0, 0)", warnings=["UserWarning: careful"]),
    ]
    exercise = ExerciseResult("ch99.double", score=1, max_score=3, checks=checks)
    return SubmissionResult("alice", "alice.ipynb", chapter="ch99", score=1, max_score=3,
                            isolation="bubblewrap", exercises=[exercise], complete=True)


def test_tests_and_visibility():
    data = gradescope_results(_result())
    assert data["score"] == 1
    visible, hidden = data["tests"]
    assert visible["visibility"] == "visible" and visible["status"] == "passed"
    assert hidden["visibility"] == "after_published" and hidden["score"] == 0
    assert hidden["max_score"] == 2 and "off at (0, 0)" in hidden["output"]
    assert "careful" in hidden["output"]
    assert sum(t["score"] for t in data["tests"]) == data["score"]


def test_ungradable_submission():
    result = SubmissionResult("bob", "bob.ipynb", error="bob.ipynb is not valid notebook JSON")
    data = gradescope_results(result)
    assert data["score"] == 0 and data["tests"] == [] and "not valid" in data["output"]
