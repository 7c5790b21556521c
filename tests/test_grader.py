"""Grader v1 edge cases on a miniature chapter (tests/fixtures/mini).

One class is graded once (the worker start dominates the cost); each test
then reads one submission's result.
"""

import csv
import json

import pytest

from workbook.exercises.build import notebook_text, percent_text, replace_exercises
from workbook.exercises.cells import Cell, read_cells
from workbook.grading.batch import grade_class
from workbook.project import Project

from conftest import REPO

MINI = Project(REPO / "tests" / "fixtures" / "mini")
TEMPLATE = read_cells(MINI.chapter_file("ch99"))

GOOD = {
    "ch99.double": "# exercise: ch99.double\ndef double(x):\n    return 2 * np.asarray(x)\n",
    "ch99.total": "# exercise: ch99.total\ndef total(values):\n    return float(np.sum(values))\n",
    "ch99.negate": "# exercise: ch99.negate\ndef negate(x):\n    return -np.asarray(x)\n",
}


def _with(**answers):
    return replace_exercises(TEMPLATE, {**GOOD, **{k.replace("_", ".", 1): v for k, v in answers.items()}})


def _class(folder):
    """Write the test class; returns {name: expected score or None}."""
    files = {}

    def nb(name, cells):
        (folder / f"{name}.ipynb").write_text(notebook_text(cells))

    nb("good", _with())
    (folder / "good_script.py").write_text(percent_text(_with()))
    nb("stub", TEMPLATE)
    nb("os_exit", _with(ch99_double="# exercise: ch99.double\nimport os\n"
                                     "def double(x):\n    os._exit(3)\n"))
    nb("endless", _with(ch99_total="# exercise: ch99.total\nwhile True:\n    pass\n"))
    nb("sys_exit", _with(ch99_negate="# exercise: ch99.negate\nimport sys\nsys.exit(0)\n"))
    nb("crash_in_call", _with(ch99_negate="# exercise: ch99.negate\ndef negate(x):\n"
                                           "    return 1 / 0\n"))
    nb("warns", _with(ch99_double="# exercise: ch99.double\nimport sys, warnings\n"
                                   "def double(x):\n    warnings.warn('careful', UserWarning)\n"
                                   "    print('to stderr', file=sys.stderr)\n"
                                   "    return 2 * np.asarray(x)\n"))
    # Deleted, duplicated, retyped and metadata-stripped cells.
    cells = [c for c in _with() if c.exercise_id != "ch99.total"]
    nb("deleted_cell", cells)
    cells = _with()
    wrong_copy = Cell("code", "# exercise: ch99.negate\ndef negate(x):\n    return x\n", {})
    nb("duplicated_last_wins", [*cells, Cell("markdown", "late edit"), wrong_copy])
    cells = [Cell("markdown", c.source, {}) if c.exercise_id == "ch99.double" else c for c in _with()]
    nb("retyped_markdown", cells)
    cells = [Cell(c.kind, c.source, {}) for c in _with()]
    nb("stripped_metadata", cells)
    edited = [*_with(), Cell("code", "raise SystemExit('student edit outside exercises')", {})]
    nb("edits_elsewhere", edited)
    (folder / "truncated.ipynb").write_text(notebook_text(_with())[:300])
    (folder / "latin1.ipynb").write_bytes("{\"cells\": [\"caf\xe9\"]}".encode("latin-1"))
    (folder / "not_a_workbook.ipynb").write_text(notebook_text([Cell("code", "x = 1")]))
    return files


EXPECTED = {
    "good": 9, "good_script": 9, "stub": 0, "os_exit": 6, "endless": 6, "sys_exit": 6,
    "crash_in_call": 6, "warns": 9, "deleted_cell": 6, "duplicated_last_wins": 6,
    "retyped_markdown": 6, "stripped_metadata": 9, "edits_elsewhere": 9,
}
UNGRADABLE = {"truncated": "truncated", "latin1": "UTF-8", "not_a_workbook": "no exercise cells"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    out = tmp_path_factory.mktemp("graded")
    _class(folder)
    results = grade_class([folder], MINI, out, jobs=2, seed="tests", log=lambda *a: None).results
    return {r.submission: r for r in results}, out


@pytest.mark.slow
@pytest.mark.parametrize("name,score", sorted(EXPECTED.items()))
def test_scores(graded, name, score):
    results, _ = graded
    assert results[name].error == ""
    assert results[name].score == score, results[name].to_dict()
    assert results[name].max_score == 9


@pytest.mark.slow
@pytest.mark.parametrize("name,reason", sorted(UNGRADABLE.items()))
def test_malformed_submissions_get_a_clear_error_row(graded, name, reason):
    results, out = graded
    assert reason in results[name].error
    rows = {r["submission"]: r for r in csv.DictReader(open(out / "gradebook.csv"))}
    assert reason in rows[name]["error"]
    assert (out / name / "feedback.md").read_text().count("could not be graded") == 1


@pytest.mark.slow
def test_gradebook_layout(graded):
    _, out = graded
    header = next(csv.reader(open(out / "gradebook.csv")))
    assert header[:4] == ["submission", "chapter", "score", "max_score"]
    assert header[4:7] == ["ch99.double", "ch99.total", "ch99.negate"]
    rows = {r["submission"]: r for r in csv.DictReader(open(out / "gradebook.csv"))}
    assert rows["os_exit"]["ch99.double"] == "0" and rows["os_exit"]["ch99.negate"] == "3"


@pytest.mark.slow
def test_reports_written_for_each_submission(graded):
    results, out = graded
    for name in results:
        data = json.loads((out / name / "results.json").read_text())
        assert data["submission"] == name
        assert data["isolation"] in ("bubblewrap", "process")
        assert (out / name / "feedback.html").read_text().startswith("<!doctype html>")


@pytest.mark.slow
def test_crash_and_loop_explained_in_feedback(graded):
    results, out = graded
    assert "exit code 3" in (out / "os_exit" / "feedback.md").read_text()
    assert "no answer within" in (out / "endless" / "feedback.md").read_text()
    assert "SystemExit" in (out / "sys_exit" / "feedback.md").read_text()
    assert "ZeroDivisionError" in (out / "crash_in_call" / "feedback.md").read_text()


@pytest.mark.slow
def test_warnings_shown_but_never_fail(graded):
    results, out = graded
    double = next(e for e in results["warns"].exercises if e.exercise_id == "ch99.double")
    assert double.score == 3
    assert any("careful" in w for c in double.checks for w in c.warnings)
    assert "careful" in (out / "warns" / "feedback.md").read_text()
    assert "careful" in (out / "warns" / "feedback.html").read_text()


def test_library_deprecations_are_not_shown_to_students(tmp_path):
    import warnings

    from workbook.grading.local import warnings_worth_showing

    library_file = tmp_path / "site.py"
    library_file.write_text("")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn_explicit("internal", DeprecationWarning, str(library_file), 1)
        warnings.warn_explicit("yours", DeprecationWarning, "<exercise ch99.double>", 2)
        warnings.warn_explicit("odd shape", UserWarning, str(library_file), 3)
        warnings.warn_explicit("odd shape", UserWarning, str(library_file), 4)
    assert warnings_worth_showing(caught) == ["DeprecationWarning: yours", "UserWarning: odd shape"]


def test_a_class_of_unreadable_files_never_starts_a_worker(tmp_path, monkeypatch):
    from workbook.grading import batch
    from workbook.grading.report import gradebook_table

    def no_workers(*args, **kwargs):
        raise AssertionError("a worker pool was started for files that cannot be graded")

    monkeypatch.setattr(batch, "ForkServerHandle", no_workers)
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "empty.ipynb").write_text("")
    (tmp_path / "class" / "truncated.ipynb").write_text(notebook_text(_with())[:300])
    lines = []
    run = grade_class([tmp_path / "class"], MINI, tmp_path / "out", jobs=2, seed="t", log=lines.append)
    assert [r.submission for r in run.results] == ["empty", "truncated"]
    assert all("not valid notebook JSON" in r.error for r in run.results)
    assert not any("warm worker pool" in line for line in lines)
    table = gradebook_table(run.results)
    # The table says which rows were not graded, then gives each error in full.
    for result in run.results:
        assert f"  {result.submission}: {result.error}" in table
    rows = list(csv.DictReader(open(tmp_path / "out" / "gradebook.csv")))
    assert [row["error"] for row in rows] == [r.error for r in run.results]


@pytest.mark.slow
def test_rebuild_notes(graded):
    results, _ = graded
    assert any("last one was graded" in n for n in results["duplicated_last_wins"].notes)
    missing = next(e for e in results["deleted_cell"].exercises if e.exercise_id == "ch99.total")
    assert missing.status == "missing"


@pytest.mark.slow
def test_hidden_inputs_depend_on_the_student(tmp_path):
    """The same notebook under two names gets different hidden-check inputs."""
    from workbook.grading.evaluate import check_seed

    assert check_seed("ch99.double", "run:alice") != check_seed("ch99.double", "run:bob")


def test_file_names_cannot_break_the_output_folder(tmp_path):
    """A submission called gradebook.csv.ipynb, or a name that is not UTF-8,
    still leaves one gradebook file and a report per submission."""
    from workbook.grading.batch import submission_names

    assert submission_names([tmp_path / "gradebook.csv.ipynb"]) == ["gradebook.csv-submission"]
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "gradebook.csv.ipynb").write_text("{ not json")
    (folder / "eve\udcff.ipynb").write_text("{ not json")  # the byte 0xff on disk
    out = tmp_path / "out"
    run = grade_class([folder], MINI, out, jobs=1, seed="t", log=lambda *a: None)
    assert (out / "gradebook.csv").is_file()
    rows = list(csv.DictReader(open(out / "gradebook.csv", encoding="utf-8")))
    assert sorted(row["submission"] for row in rows) == ["eve", "gradebook.csv-submission"]
    assert any("eve\\xff.ipynb is not valid notebook JSON" in row["error"] for row in rows)
    for result in run.results:
        assert (out / result.submission / "feedback.md").is_file()
