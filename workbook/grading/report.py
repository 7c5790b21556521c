"""What grading writes: per submission ``results.json``, ``feedback.md``,
``feedback.html`` and ``gradescope.json`` (Gradescope's format); per class
``gradebook.csv`` and a table on the console.

Feedback names each check and its message, never a hidden check's source.
"""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path

from workbook.grading.runner import SubmissionResult
from workbook.grading.safefiles import atomic_write
from workbook.grading.textsafe import csv_cell, md_code_block, md_text, plain_text

GRADEBOOK_PREFIX = ["submission", "chapter", "score", "max_score"]


# Student text (messages, tracebacks, output) may hold lone surrogates that
# UTF-8 cannot encode: escape them rather than fail to write the report.
TEXT_ERRORS = "backslashreplace"


def _atomic_write(path: Path, text: str) -> None:
    atomic_write(path, text.encode("utf-8", errors=TEXT_ERRORS))


def _points(value: float) -> str:
    return f"{value:g}"


def write_submission_reports(result: SubmissionResult, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _atomic_write(folder / "results.json", json.dumps(result.to_dict(), indent=2) + "\n")
    _atomic_write(folder / "feedback.md", feedback_markdown(result))
    _atomic_write(folder / "feedback.html", feedback_html(result))
    from workbook.grading.gradescope import gradescope_results

    _atomic_write(folder / "gradescope.json", json.dumps(gradescope_results(result), indent=2) + "\n")


def feedback_markdown(result: SubmissionResult) -> str:
    # Every string from the student goes through md_text or md_code_block:
    # it is shown as text and cannot add a heading, a score or hidden HTML.
    lines = [f"# Feedback: {md_text(result.submission)}", ""]
    if result.error:
        lines += [f"**This submission could not be graded:** {md_text(result.error)}", ""]
        return "\n".join(lines)
    lines += [
        f"Chapter {md_text(result.chapter)}: **{_points(result.score)} / {_points(result.max_score)}** points.",
        "",
    ]
    for note in result.notes:
        lines.append(f"- note: {md_text(note)}")
    for exercise in result.exercises:
        lines += [
            "",
            f"## {md_text(exercise.exercise_id)}: {_points(exercise.score)} / {_points(exercise.max_score)}",
            "",
        ]
        for note in exercise.notes:
            lines.append(f"- {md_text(note)}")
        if exercise.notes:
            lines.append("")
        lines += ["| check | kind | points | result |", "|---|---|---|---|"]
        for check in exercise.checks:
            verdict = (f"passed{' (' + check.detail + ')' if check.detail else ''}" if check.passed
                       else f"failed: {check.detail}")
            lines.append(
                f"| {md_text(check.name)} | {check.visibility} | {_points(check.earned)}/{_points(check.points)} "
                f"| {_md_cell(verdict)} |"
            )
        lines.append("")
        for check in exercise.checks:
            if not check.passed:
                lines.append(f"- **{md_text(check.name)}** expects: {md_text(check.message)}")
                if check.student_traceback:
                    tail = "\n".join(check.student_traceback.strip().splitlines()[-8:])
                    lines += ["", *md_code_block(tail, indent="  ")]
        warnings = _exercise_warnings(exercise)
        if warnings:
            lines += ["", f"{WARNINGS_HEADING}:"]
            lines += [f"- {md_text(w)}" for w in warnings]
    return "\n".join(lines) + "\n"


WARNINGS_HEADING = "Warnings (they never cost points)"
MAX_WARNINGS_SHOWN = 10


def _exercise_warnings(exercise) -> list[str]:
    return sorted({w for check in exercise.checks for w in check.warnings})[:MAX_WARNINGS_SHOWN]


def _md_cell(text: str) -> str:
    return md_text(text)  # escapes "|" too, and keeps the row on one line


# The checks table. Long student text (a traceback line, a repr without
# spaces) wraps anywhere: the columns have fixed shares of the page, and on a
# phone each row becomes a card of labelled lines, so nothing leaves the page.
CHECK_COLUMNS = ("check", "kind", "points", "expects", "result")
FEEDBACK_CSS = (
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
    "table{border-collapse:collapse;width:100%;table-layout:fixed}"
    ".c-check{width:18%}.c-kind{width:5.5em}.c-points{width:4.5em}.c-expects{width:26%}"
    "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left;"
    "overflow-wrap:anywhere}"
    ".pass{color:#1a7f37}.fail{color:#cf222e}"
    "pre{background:#f6f8fa;padding:8px;margin:4px 0;white-space:pre-wrap;overflow-wrap:anywhere}"
    "@media (max-width:40em){table,tbody,tr,td{display:block}tr.head{display:none}"
    "tr{border:1px solid #ccc;margin-bottom:8px}td{border:none}"
    "td::before{content:attr(data-label) ': ';font-weight:bold}}"
)


def _checks_table(rows: list[list[str]]) -> str:
    """`rows` of HTML cells, one per CHECK_COLUMNS."""
    cols = "".join(f"<col class='c-{name}'>" for name in CHECK_COLUMNS)
    head = "".join(f"<th>{name}</th>" for name in CHECK_COLUMNS)
    body = "\n".join(
        "<tr>" + "".join(f"<td data-label='{name}'>{cell}</td>" for name, cell in zip(CHECK_COLUMNS, row))
        + "</tr>" for row in rows)
    return f"<table><colgroup>{cols}</colgroup>\n<tr class='head'>{head}</tr>\n{body}\n</table>"


def feedback_html(result: SubmissionResult) -> str:
    def e(text) -> str:
        return html.escape(plain_text(text))

    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Feedback: {e(result.submission)}</title>",
        f"<style>{FEEDBACK_CSS}</style></head><body>",
        f"<h1>Feedback: {e(result.submission)}</h1>",
    ]
    if result.error:
        parts.append(f"<p class='fail'><b>This submission could not be graded:</b> {e(result.error)}</p>")
    else:
        parts.append(
            f"<p>Chapter {e(result.chapter)}: <b>{_points(result.score)} / "
            f"{_points(result.max_score)}</b> points.</p>"
        )
        if result.notes:
            parts.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in result.notes) + "</ul>")
        for exercise in result.exercises:
            parts.append(
                f"<h2>{e(exercise.exercise_id)}: {_points(exercise.score)} / "
                f"{_points(exercise.max_score)}</h2>"
            )
            if exercise.notes:
                parts.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in exercise.notes) + "</ul>")
            rows = []
            for check in exercise.checks:
                verdict = (
                    f"<span class='pass'>passed</span>{' (' + e(check.detail) + ')' if check.detail else ''}"
                    if check.passed else f"<span class='fail'>failed</span>: {e(check.detail)}"
                )
                trace = f"<pre>{html.escape(plain_text(check.student_traceback.strip(), keep=chr(10)))}</pre>" if check.student_traceback and not check.passed else ""
                rows.append([e(check.name), e(check.visibility),
                             f"{_points(check.earned)}/{_points(check.points)}",
                             e(check.message), verdict + trace])
            parts.append(_checks_table(rows))
            warnings = _exercise_warnings(exercise)
            if warnings:
                parts.append(f"<p>{WARNINGS_HEADING}:</p><ul>"
                             + "".join(f"<li>{e(w)}</li>" for w in warnings) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def gradebook_columns(results: list[SubmissionResult]) -> list[str]:
    exercise_ids: dict[str, None] = {}
    for result in results:
        for exercise in result.exercises:
            exercise_ids.setdefault(exercise.exercise_id, None)
    return list(exercise_ids)


def write_gradebook(results: list[SubmissionResult], path: Path) -> None:
    """``submission,chapter,score,max_score,<one column per exercise>,error``."""
    exercise_ids = gradebook_columns(results)
    rows = []
    for result in results:
        earned = {e.exercise_id: e.score for e in result.exercises}
        # A row not graded has no score (not 0): its max still says what was at stake.
        score = "" if result.error else _points(result.score)
        row = [result.submission, result.chapter, score, _points(result.max_score)]
        row += [_points(earned[i]) if i in earned else "" for i in exercise_ids]
        row.append(result.error)
        rows.append(row)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(GRADEBOOK_PREFIX + exercise_ids + ["error"])
    # Names and errors carry student text: no cell may start a formula.
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    _atomic_write(path, buffer.getvalue())


def gradebook_table(results: list[SubmissionResult]) -> str:
    """A console table: totals, then points per exercise (e1, e2, ...)."""
    exercise_ids = gradebook_columns(results)
    short = {ex: f"e{i + 1}" for i, ex in enumerate(exercise_ids)}
    header = ["submission", "chapter", "score", *short.values(), "note"]
    body = []
    for result in results:
        earned = {e.exercise_id: e.score for e in result.exercises}
        note = "not graded (see below)" if result.error else ("" if result.complete else "incomplete")
        lost = [e.exercise_id for e in result.exercises if e.status == "lost"]
        if lost and not note:
            note = "worker lost in " + ", ".join(short[i] for i in lost)
        body.append(
            [result.submission, result.chapter or "-",
             f"{_points(result.score)}/{_points(result.max_score)}" if not result.error else "",
             *(_points(earned[i]) if i in earned else "-" for i in exercise_ids),
             note]
        )
    body = [[plain_text(cell) for cell in row] for row in body]  # no terminal escapes
    widths = [max(len(str(row[i])) for row in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in body]
    if exercise_ids:
        lines.append("")
        lines.append("exercises: " + ", ".join(f"{short[i]}={i}" for i in exercise_ids))
    errors = [r for r in results if r.error]
    if errors:
        lines.append("")
        lines.append("not graded:")
        lines += [plain_text(f"  {r.submission}: {r.error}") for r in errors]
    return "\n".join(lines)


def timing_summary(run) -> str:
    """Where the time went: warm-up once, then per submission."""
    graded = [r for r in run.results if not r.cached and not r.error]
    lines = [f"time: {run.seconds:.1f} s for {len(run.results)} submission(s) "
             f"({run.cached} reused from the cache), {run.jobs} job(s)"]
    if graded:
        n = len(graded)
        overhead = sum(r.overhead_seconds for r in graded) / n
        checks = sum(r.seconds_in_checks for r in graded) / n
        cells = sum(r.seconds_in_cells for r in graded) / n
        lines.append(
            f"per submission: {overhead:.3f} s grader overhead, {checks:.2f} s in checks, "
            f"{cells:.2f} s running cells; pool warm-up {run.startup_seconds:.1f} s once per job"
        )
    return "\n".join(lines)
