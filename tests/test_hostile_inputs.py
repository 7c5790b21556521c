"""What the trusted grader reads and writes, against hostile files and text
(issue 9, holes 5, 8, 10, 11, 12): one file never aborts the batch, another
chapter's notebook is not graded as its own chapter, reading costs are capped
before any check, student text cannot forge a report, and only regular files
are graded.
"""

import csv
import io
import json
import os
import shutil
import socket
import threading
import tracemalloc

import numpy as np
import pytest

from workbook.exercises.build import notebook_text, percent_text, replace_exercises
from workbook.exercises.cells import MAX_CELLS, Cell
from workbook.grading import batch, pool, runner, wire
from workbook.grading.batch import grade_class
from workbook.grading.evaluate import CheckResult
from workbook.grading.gradescope import gradescope_results
from workbook.grading.intake import read_submission_bytes
from workbook.grading.report import feedback_markdown, gradebook_table, write_gradebook
from workbook.grading.runner import ExerciseResult, SubmissionResult
from workbook.project import Project


from test_grader import GOOD, MINI, TEMPLATE

MINI_ROOT = MINI.root
MB = 1_000_000  # as --max-file-mb counts


def _solved(chapter="ch99") -> str:
    text = notebook_text(replace_exercises(TEMPLATE, GOOD))
    return text.replace("ch99", chapter)


def _no_workers(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a worker pool was started for files that cannot be graded")

    monkeypatch.setattr(pool, "ForkServerHandle", refuse)  # the class grader's worker pool


def _grade(paths, out, project=MINI, **options):
    lines = []
    run = grade_class(paths, project, out, jobs=1, seed="t", log=lines.append, **options)
    return {r.submission: r for r in run.results}, lines


# ------------------------------------------------- hole 5: a batch crash


DEEP = "[" * 100_000 + "]" * 100_000


def test_one_hostile_file_never_aborts_the_batch(tmp_path, monkeypatch):
    _no_workers(monkeypatch)
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "deep.ipynb").write_text(
        '{"cells": [], "metadata": {"x": ' + DEEP + '}, "nbformat": 4, "nbformat_minor": 5}')
    (folder / "deep_meta.py").write_text(f'# %% exercise="ch99.double" x={DEEP}\nx = 1\n')
    (folder / "garbage.ipynb").write_bytes(np.random.default_rng(0).bytes(4096))
    (folder / "garbage.py").write_bytes(b"\x00\x01\x02 binary" * 100)
    (folder / "latin1.py").write_bytes("# %%\n# exercise: ch99.double\ncaf\xe9 = 1\n".encode("latin-1"))
    (folder / "nul.ipynb").write_text('{"cells": [], "x": "\x00"}')
    results, _ = _grade([folder], tmp_path / "out")
    assert sorted(results) == ["deep", "deep_meta", "garbage", "garbage-py", "latin1", "nul"]
    assert "its JSON nests 100002 levels deep (at most 100)" in results["deep"].error
    assert "a cell's metadata nests 100000 levels deep" in results["deep_meta"].error
    assert "not UTF-8" in results["garbage"].error and "not UTF-8" in results["latin1"].error
    assert "NUL bytes" in results["garbage-py"].error and "NUL bytes" in results["nul"].error
    assert all((tmp_path / "out" / name / "feedback.md").is_file() for name in results)


def test_any_error_while_reading_costs_that_submission_only(tmp_path, monkeypatch):
    _no_workers(monkeypatch)
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "boom.ipynb").write_text(_solved())
    (folder / "plain.ipynb").write_text("{ not json")
    real = runner.cells_from_bytes

    def buggy_parser(raw, name, suffix):
        if name == "boom.ipynb":
            raise RuntimeError("a parser bug")
        return real(raw, name, suffix)

    monkeypatch.setattr(runner, "cells_from_bytes", buggy_parser)
    results, _ = _grade([folder], tmp_path / "out")
    assert results["boom"].error == "cannot read boom.ipynb: RuntimeError: a parser bug"
    assert "not valid notebook JSON" in results["plain"].error


# --------------------------------- hole 8: a notebook of another chapter


@pytest.fixture()
def two_chapters(tmp_path):
    """The mini project plus ch97, a copy of ch99 under other ids."""
    root = tmp_path / "project"
    shutil.copytree(MINI_ROOT, root)
    for path in list(root.rglob("ch99_mini.py")):
        path.with_name("ch97_mini.py").write_text(path.read_text().replace("ch99", "ch97"))
    return Project(root)


class _FakeServer:
    isolation = "process"

    def __init__(self, *args, **kwargs):
        pass

    def launch(self):
        pass

    def wait_ready(self):
        return 0.0

    def cleanup(self):
        pass


@pytest.fixture()
def fake_grading(monkeypatch):
    """Grading without workers: full marks of the chapter grading was asked for."""
    graded = []

    def grade(path, prepared, server, name, **kwargs):
        graded.append((name, prepared.chapter))
        points = sum(c.points for c in prepared.checks.checks)
        return SubmissionResult(name, str(path), chapter=prepared.chapter, score=points,
                                max_score=points, complete=True)

    monkeypatch.setattr(pool, "ForkServerHandle", _FakeServer)
    monkeypatch.setattr(batch, "grade_submission", grade)
    return graded


def _mixed_class(folder, chapters):
    folder.mkdir()
    for name, chapter in chapters.items():
        (folder / f"{name}.ipynb").write_text(_solved(chapter))


def test_the_class_chapter_is_the_majority_and_others_are_not_graded(tmp_path, two_chapters,
                                                                      fake_grading):
    _mixed_class(tmp_path / "class", {"alice": "ch99", "bob": "ch99", "eve": "ch97"})
    results, lines = _grade([tmp_path / "class"], tmp_path / "out", two_chapters)
    assert sorted(fake_grading) == [("alice", "ch99"), ("bob", "ch99")]
    eve = results["eve"]
    assert eve.error == ("eve.ipynb is a ch97 notebook (its exercise cells are ch97's), "
                         "but this class is graded as ch99; not graded")
    assert (eve.chapter, eve.score, eve.max_score) == ("ch99", 0, 9)
    assert any("mixes chapters: graded as ch99 (2 of 3 notebooks); mostly of another chapter: "
               "1 of ch97 (only ch99's exercises count" in line
               for line in lines)


def test_chapter_option_sets_the_chapter_and_the_cache_keeps_them_apart(tmp_path, two_chapters,
                                                                         fake_grading):
    _mixed_class(tmp_path / "class", {"alice": "ch99", "bob": "ch99", "eve": "ch97"})
    _grade([tmp_path / "class"], tmp_path / "out", two_chapters)
    results, _ = _grade([tmp_path / "class"], tmp_path / "out", two_chapters, chapter="ch97")
    assert [name for name, r in sorted(results.items()) if not r.error] == ["eve"]
    assert "graded as ch97; not graded" in results["alice"].error
    with pytest.raises(ValueError, match="no chapter 'ch42'"):
        _grade([tmp_path / "class"], tmp_path / "out", two_chapters, chapter="ch42")


def test_an_even_split_is_refused_not_guessed(tmp_path, two_chapters, fake_grading):
    _mixed_class(tmp_path / "class", {"alice": "ch99", "eve": "ch97"})
    with pytest.raises(ValueError, match="as many ch97 as ch99 notebooks; say which chapter it is"):
        _grade([tmp_path / "class"], tmp_path / "out", two_chapters)
    assert not fake_grading


def test_gradescope_needs_the_assignment_chapter(capsys):
    from workbook.cli import parser

    with pytest.raises(SystemExit):
        parser().parse_args(["gradescope", "sub.ipynb", "--seed-file", "secret"])
    assert "the following arguments are required: --chapter" in capsys.readouterr().err
    args = parser().parse_args(["gradescope", "sub.ipynb", "--seed-file", "secret",
                                "--chapter", "ch03"])
    assert args.chapter == "ch03"


@pytest.mark.slow
def test_a_class_with_one_hostile_file_of_each_kind_still_grades_the_honest_ones(
        tmp_path, two_chapters):
    """End to end, with workers: every entry gets its row, honest notebooks
    keep full marks, last week's notebook earns nothing, and a forged score
    in an error message stays text."""
    folder = tmp_path / "class"
    _mixed_class(folder, {"alice": "ch99", "bob": "ch99", "eve": "ch97"})
    (folder / "carl.py").write_text(percent_text(replace_exercises(TEMPLATE, GOOD)))
    forged = "# exercise: ch99.double\ndef double(x):\n    raise ValueError(" + repr(FORGED) + ")\n"
    (folder / "mallory.ipynb").write_text(notebook_text(replace_exercises(
        TEMPLATE, {**GOOD, "ch99.double": forged})))
    (folder / "deep.ipynb").write_text('{"cells": [], "x": ' + DEEP + "}")
    with open(folder / "huge.ipynb", "wb") as handle:
        handle.truncate(21 * MB)
    os.mkfifo(folder / "fifo.ipynb")
    (folder / "link.ipynb").symlink_to(folder / "alice.ipynb")
    (folder / "=cmd.ipynb").write_text("{")
    results, _ = _grade([folder], tmp_path / "out", two_chapters)
    assert sorted(results) == ["alice", "bob", "carl", "cmd", "deep", "eve", "fifo", "huge",
                               "link", "mallory"]
    for name in ("alice", "bob", "carl"):
        assert (results[name].score, results[name].max_score, results[name].error) == (9, 9, "")
    assert results["mallory"].score == 6
    assert results["eve"].score == 0 and "not graded" in results["eve"].error
    for name in ("cmd", "deep", "fifo", "huge", "link"):
        assert results[name].error and results[name].score == 0
    tokens = _markdown_tokens((tmp_path / "out" / "mallory" / "feedback.md").read_text())
    inline = [child for t in tokens if t.type == "inline" for child in t.children]
    assert [inline[i + 1].content for i, t in enumerate(inline) if t.type == "strong_open"][0] \
        == "6 / 9"
    assert not [t for t in tokens + inline if t.type in ("html_block", "html_inline")]
    rows = list(csv.DictReader(open(tmp_path / "out" / "gradebook.csv", encoding="utf-8")))
    assert len(rows) == len(results)
    assert not [cell for row in rows for cell in row.values() if cell and cell[0] in "=+-@"]


# ---------------------------- hole 10: trusted-side cost before any check


def test_file_size_and_cell_count_are_capped_before_parsing(tmp_path, monkeypatch):
    _no_workers(monkeypatch)
    folder = tmp_path / "class"
    folder.mkdir()
    with open(folder / "huge.ipynb", "wb") as handle:
        handle.truncate(21 * MB)  # sparse: costs nothing to make
    (folder / "many_cells.ipynb").write_text(notebook_text([Cell("code", "x = 1")] * (MAX_CELLS + 1)))
    (folder / "many_cells.py").write_text("# %%\nx = 1\n" * (MAX_CELLS + 1))
    (folder / "small.ipynb").write_text("{ not json")
    results, _ = _grade([folder], tmp_path / "out")
    assert results["huge"].error.startswith("huge.ipynb is 21.0 MB (at most 20 MB); clear the")
    assert f"has {MAX_CELLS + 1} cells (at most {MAX_CELLS})" in results["many_cells"].error
    assert f"has {MAX_CELLS + 1} cells" in results["many_cells-py"].error
    results, _ = _grade([folder / "small.ipynb"], tmp_path / "out2", max_file_mb=0.000001)
    assert results["small"].error.startswith("small.ipynb is 0.0 MB (at most 1e-06 MB)")


def test_outputs_are_dropped_before_the_notebook_is_validated(monkeypatch):
    import nbformat

    data = json.loads(_solved())
    for cell in data["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x" * (1 << 20)}]
    seen = []
    real = nbformat.reads
    monkeypatch.setattr(nbformat, "reads", lambda text, **kw: seen.append(len(text)) or real(text, **kw))
    cells = runner.cells_from_bytes(json.dumps(data).encode(), "big_outputs.ipynb", ".ipynb")
    assert len(cells) == len(TEMPLATE) and max(seen) < 1 << 20


def _npy_header(shape, dtype) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
                 "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def _message(payload, blobs: list[bytes], sizes=None) -> io.BytesIO:
    header = json.dumps({"payload": payload, "sizes": sizes or [len(b) for b in blobs]}).encode()
    return io.BytesIO(wire._HEADER.pack(len(header)) + header + b"".join(blobs))


@pytest.mark.parametrize("shape,dtype", [((256 << 20,), "bool"), ((9 << 20,), "float32"),
                                         ((1 << 20, 1 << 20), "uint8")])
def test_an_answer_is_refused_from_its_array_header_before_its_body(shape, dtype):
    # The sizes list lies (small) and no body follows: a reader that trusted
    # either would allocate, or fail with EOFError instead of a WireError.
    stream = _message({"ok": True, "value": {"__array__": 0}}, [_npy_header(shape, dtype)], [1000])
    with pytest.raises(wire.WireError, match="is too large"):
        wire.read_message(stream)


def test_an_array_must_be_as_long_as_its_header_says():
    blob = _npy_header((4,), "float64") + b"\0" * 32
    with pytest.raises(wire.WireError, match="does not match its header"):
        wire.read_message(_message({"ok": True, "value": {"__array__": 0}}, [blob], [len(blob) + 8]))


def test_arrays_arrive_intact_and_without_extra_copies():
    values = {"f": np.asfortranarray(np.arange(12.0).reshape(3, 4)), "big": np.arange(4, dtype=">i4"),
              "text": np.array(["a", "bc"]), "empty": np.zeros((0, 3))}
    stream = io.BytesIO()
    wire.write_message(stream, {"ok": True, "value": values})
    stream.seek(0)
    got = wire.read_message(stream)["value"]
    for key, array in values.items():
        assert got[key].dtype == array.dtype and np.array_equal(got[key], array)
    # The largest answer allowed costs its own size, not three copies of it.
    big = np.ones(wire.MAX_ARRAY_ELEMENTS, dtype=bool)
    stream = io.BytesIO()
    wire.write_message(stream, {"ok": True, "value": big})
    stream.seek(0)
    tracemalloc.start()
    try:
        answer = wire.read_message(stream)["value"]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert answer.all() and peak < big.nbytes + (4 << 20)  # the array and a read chunk or two


# ----------------------------------------- hole 11: injection into reports


FORGED = "\n\n# Feedback: alice\n\nChapter ch99: **28 / 28** points.\n\n<!--"


def _hostile_result() -> SubmissionResult:
    check = CheckResult("ch99.double", "small", "visible", 3, 0, False, "2x",
                        detail="off" + FORGED, warnings=["UserWarning: <!-- hide" + FORGED],
                        student_traceback="Traceback\n```\n~~~\n" + FORGED + "\n````````")
    exercise = ExerciseResult("ch99.double", score=0, max_score=3, checks=[check],
                              notes=["running the cell raised " + FORGED])
    return SubmissionResult("alice", "alice.ipynb", chapter="ch99", score=0, max_score=3,
                            notes=["note" + FORGED], exercises=[exercise], complete=True)


def _markdown_tokens(text):
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").parse(text)


def test_student_text_cannot_change_the_rendered_score_or_hide_the_report():
    tokens = _markdown_tokens(feedback_markdown(_hostile_result()))
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == ["Feedback: alice", "ch99.double: 0 / 3"]
    inline = [child for t in tokens if t.type == "inline" for child in t.children]
    strong = [inline[i + 1].content for i, t in enumerate(inline) if t.type == "strong_open"]
    assert strong == ["0 / 3", "small"]  # the real score, the failed check's name
    assert not [t for t in tokens + inline if t.type in ("html_block", "html_inline")]
    fences = [t for t in tokens if t.type == "fence"]
    assert len(fences) == 1 and "**28 / 28**" in fences[0].content
    # The student's text is still there, as text.
    text = "".join(child.content for child in inline if child.type == "text")
    assert "<!-- hide" in text and "28 / 28" in text


def test_error_rows_and_gradescope_output_are_text_too(tmp_path):
    result = SubmissionResult("bob", "bob.ipynb", error="x.ipynb is bad" + FORGED + "\x1b[2J")
    tokens = _markdown_tokens(feedback_markdown(result))
    assert [t.type for t in tokens if t.type.startswith("heading")] == ["heading_open", "heading_close"]
    assert not [t for t in tokens if t.type == "html_block"]
    data = gradescope_results(_hostile_result())
    assert data["output_format"] == data["test_output_format"] == "text"
    assert "\n\n" not in data["tests"][0]["output"] and "\x1b" not in gradebook_table([result])


def test_csv_cells_cannot_start_a_formula(tmp_path, monkeypatch):
    _no_workers(monkeypatch)
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "=HYPERLINK(1).ipynb").write_text("{ not json")
    (folder / "-2+3.ipynb").write_text("{ not json")
    _grade([folder], tmp_path / "out")
    rows = list(csv.DictReader(open(tmp_path / "out" / "gradebook.csv", encoding="utf-8")))
    assert sorted(row["error"][:4] for row in rows) == ["'-2+", "'=HY"]
    assert sorted(row["submission"] for row in rows) == ["'-2_3", "HYPERLINK_1"]
    write_gradebook([SubmissionResult("@SUM(A1)", "p", chapter="+ch", score=-1.5, max_score=9,
                                      error="\tcmd|' /C calc'!A0"),
                     SubmissionResult("-x", "p", chapter="ch", score=-1.5, max_score=9)],
                    tmp_path / "g.csv")
    row, graded = csv.DictReader(open(tmp_path / "g.csv", encoding="utf-8"))
    assert (row["submission"], row["chapter"], row["score"], row["max_score"]) == \
        ("'@SUM(A1)", "'+ch", "", "9")  # not graded: no score
    assert row["error"] == "' cmd|' /C calc'!A0"
    assert (graded["submission"], graded["score"]) == ("'-x", "-1.5")  # a number stays one


# --------------------------------------- hole 12: odd files in a class folder


def test_only_regular_files_are_graded_and_the_rest_are_explained(tmp_path, monkeypatch):
    _no_workers(monkeypatch)
    solved = tmp_path / "solved.ipynb"
    solved.write_text(_solved())
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "plain.ipynb").write_text("{ not json")
    (folder / "link.ipynb").symlink_to(solved)
    os.mkfifo(folder / "fifo.ipynb")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "sock.py"))
    (folder / "dir.ipynb").mkdir()
    (folder / "README.md").write_text("hand in by Friday")
    (folder / "old").mkdir()
    (folder / ".ipynb_checkpoints").mkdir()
    try:
        results, lines = _grade([folder], tmp_path / "out")
    finally:
        server.close()
    assert sorted(results) == ["dir", "fifo", "link", "plain", "sock"]
    assert results["link"].error == ("link.ipynb is a symbolic link, not a regular file; "
                                     "only regular files are graded")
    assert "is a FIFO (named pipe), not a regular file" in results["fifo"].error
    assert "is a socket" in results["sock"].error and "is a folder" in results["dir"].error
    assert "skipped, not .ipynb or .py files: README.md, old (a folder)" in lines


def _finishes(function, seconds=30):
    """``function()``, or a failure if it is still running after ``seconds``."""
    outcome = []

    def run():
        try:
            outcome.append((True, function()))
        except Exception as error:
            outcome.append((False, error))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"still running after {seconds} s"
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


def test_links_and_fifos_given_directly_are_refused_without_hanging(tmp_path, monkeypatch):
    _no_workers(monkeypatch)
    os.mkfifo(tmp_path / "fifo.ipynb")
    (tmp_path / "solved.ipynb").write_text(_solved())
    (tmp_path / "link.ipynb").symlink_to(tmp_path / "solved.ipynb")
    results, _ = _finishes(lambda: _grade([tmp_path / "fifo.ipynb", tmp_path / "link.ipynb"],
                                          tmp_path / "out"))
    assert "FIFO" in results["fifo"].error and "symbolic link" in results["link"].error
    # Swapped in after the listing: the open itself refuses both.
    for name in ("fifo.ipynb", "link.ipynb"):
        with pytest.raises(ValueError, match="not a regular file"):
            _finishes(lambda: read_submission_bytes(tmp_path / name, 1 << 20))
