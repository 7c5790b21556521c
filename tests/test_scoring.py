"""Visible checks earn their points only together with a hidden pass, and the
feedback says why a passing visible check earned nothing."""

from workbook.grading.evaluate import HIDDEN_GATE_NOTE, CheckResult, gate_visible_points
from workbook.grading.gradescope import gradescope_results
from workbook.grading.report import feedback_html, feedback_markdown
from workbook.grading.runner import ExerciseResult, SubmissionResult


def _results(hidden_passed):
    visible = CheckResult("ch99.double", "double_small", "visible", 1, 1.0, True, "doubles")
    hidden = [CheckResult("ch99.double", f"hidden_{i}", "hidden", 2, 2.0 if ok else 0.0, ok, "m",
                          detail="" if ok else "off")
              for i, ok in enumerate(hidden_passed)]
    return [visible, *hidden]


def test_visible_points_need_one_hidden_pass():
    gated = _results([False, False])
    gate_visible_points(gated)
    assert gated[0].passed and gated[0].earned == 0 and gated[0].detail == HIDDEN_GATE_NOTE
    kept = _results([False, True])
    gate_visible_points(kept)
    assert kept[0].earned == 1 and kept[0].detail == ""


def test_feedback_says_why_a_passing_check_earned_nothing():
    checks = _results([False])
    gate_visible_points(checks)
    exercise = ExerciseResult("ch99.double", score=0, max_score=3, checks=checks)
    result = SubmissionResult("alice", "alice.ipynb", chapter="ch99", max_score=3,
                              exercises=[exercise], complete=True)
    for text in (feedback_markdown(result), feedback_html(result)):
        assert "no hidden check of this exercise passed" in text
    outputs = [t["output"] for t in gradescope_results(result)["tests"]]
    assert "no hidden check of this exercise passed" in outputs[0]
