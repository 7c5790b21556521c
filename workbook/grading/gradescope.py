"""Gradescope's autograder format, so a course can run this grader inside
Gradescope (docs/gradescope.md). Visible checks are shown at once; hidden
checks only after the instructor publishes grades (``after_published``)."""

from __future__ import annotations

from workbook.grading.runner import SubmissionResult

VISIBILITY = {"visible": "visible", "hidden": "after_published"}


def gradescope_results(result: SubmissionResult) -> dict:
    if result.error:
        return {
            "score": 0.0,
            "output": f"This submission could not be graded: {result.error}",
            "visibility": "visible",
            "tests": [],
        }
    tests = []
    for exercise in result.exercises:
        for check in exercise.checks:
            output = f"Expects: {check.message}"
            if not check.passed:
                output += f"\nResult: {check.detail}"
            if check.warnings:
                output += "\nWarnings (never cost points):\n" + "\n".join(check.warnings[:5])
            tests.append({
                "name": f"{exercise.exercise_id}: {check.name}",
                "number": exercise.exercise_id,
                "score": check.earned,
                "max_score": check.points,
                "status": "passed" if check.passed else "failed",
                "visibility": VISIBILITY[check.visibility],
                "output": output,
            })
    notes = "\n".join(result.notes)
    return {
        "score": result.score,
        "execution_time": result.seconds,
        "output": f"Chapter {result.chapter}: isolation {result.isolation}." + (f"\n{notes}" if notes else ""),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
