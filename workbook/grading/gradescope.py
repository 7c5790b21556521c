"""Gradescope's autograder format, so a course can run this grader inside
Gradescope (docs/gradescope.md). Visible checks are shown at once; hidden
checks only after the instructor publishes grades (``after_published``)."""

from __future__ import annotations

from workbook.grading.runner import SubmissionResult
from workbook.grading.textsafe import plain_text

VISIBILITY = {"visible": "visible", "hidden": "after_published"}
# Gradescope renders outputs as plain text only when told so; student text
# is also kept to one line per item (plain_text), the line breaks are ours.
TEXT_FORMAT = {"output_format": "text", "test_output_format": "text", "test_name_format": "text"}


def gradescope_results(result: SubmissionResult) -> dict:
    if result.error:
        return {
            "score": 0.0,
            "output": f"This submission could not be graded: {plain_text(result.error)}",
            **TEXT_FORMAT,
            "visibility": "visible",
            "tests": [],
        }
    tests = []
    for exercise in result.exercises:
        for check in exercise.checks:
            output = f"Expects: {plain_text(check.message)}"
            if check.detail:  # a failure, or why a passing visible check earned 0
                output += f"\nResult: {plain_text(check.detail)}"
            if check.warnings:
                output += "\nWarnings (never cost points):\n" + "\n".join(
                    plain_text(w) for w in check.warnings[:5])
            tests.append({
                "name": f"{exercise.exercise_id}: {check.name}",
                "number": exercise.exercise_id,
                "score": check.earned,
                "max_score": check.points,
                "status": "passed" if check.passed else "failed",
                "visibility": VISIBILITY[check.visibility],
                "output": output,
            })
    notes = "\n".join(plain_text(note) for note in result.notes)
    return {
        "score": result.score,
        "execution_time": result.seconds,
        "output": f"Chapter {result.chapter}: isolation {result.isolation}." + (f"\n{notes}" if notes else ""),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        **TEXT_FORMAT,
        "tests": tests,
    }
