"""The instructor's `workbook grade` as a new user meets it (issue 17): exit
codes, rejected rows, unwritable output folders, plain scripts, Ctrl-C."""

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbook.cli import main
from workbook.exercises.build import percent_text
from workbook.exercises.cells import exercise_cells, read_cells
from workbook.grading.cache import ResultCache
from workbook.project import Project

from conftest import REPO

SAMPLE_CLASS = REPO / "samples" / "ch03_class"


def _rows(out: Path) -> dict:
    with open(out / "gradebook.csv", newline="") as handle:
        return {row["submission"]: row for row in csv.DictReader(handle)}


def test_nothing_gradable_exits_1_and_rejected_rows_have_no_score(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "cut.ipynb").write_text((SAMPLE_CLASS / "ada_complete.ipynb").read_text()[:500])
    (folder / "other.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, '
                                        '"nbformat_minor": 5}')
    out = tmp_path / "out"
    assert main(["grade", str(folder), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert "nothing could be graded: all 2 submission(s) were rejected" in captured.err
    assert "Traceback" not in captured.err and "0/0" not in captured.out
    rows = _rows(out)
    assert {row["score"] for row in rows.values()} == {""}
    assert all(row["error"] for row in rows.values())
    header = next(csv.reader(open(out / "gradebook.csv")))
    assert header[:4] == ["submission", "chapter", "score", "max_score"]


@pytest.mark.parametrize("where", ["proc", "sys", "long_name", "under_a_file"])
def test_an_unwritable_output_folder_is_one_clear_line(where, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    (tmp_path / "a_file").write_text("keep me")
    out = {"proc": "/proc/workbook-test/graded", "sys": "/sys/workbook-test",
           "long_name": str(tmp_path / ("x" * 300)),
           "under_a_file": str(tmp_path / "a_file" / "graded")}[where]
    try:
        code = main(["grade", str(SAMPLE_CLASS / "ada_complete.ipynb"), "--out", out])
    except SystemExit as exit_info:  # argparse refuses a file on the way
        code = exit_info.code
    assert code == 2
    error = capsys.readouterr().err
    assert "Traceback" not in error and "Errno" not in error
    lines = [line for line in error.splitlines() if line.strip()]
    if where == "under_a_file":
        assert "is a file, not a folder" in lines[-1]
    else:
        assert len(lines) == 1, error
        assert re.match(r"workbook grade: error: cannot write the output folder .+: \w", lines[0])
    assert (tmp_path / "a_file").read_text() == "keep me"


def test_a_plain_script_reads_like_its_percent_version(tmp_path):
    percent = tmp_path / "percent.py"
    percent.write_text(percent_text(read_cells(SAMPLE_CLASS / "ada_complete.ipynb")))
    answers = exercise_cells(read_cells(percent))
    plain = tmp_path / "plain.py"
    # What comes before the first exercise line is not an answer.
    plain.write_text("import numpy as np\nprint('scratch work')\n\n"
                     + "\n\n".join(cell.source for cell in answers.values()) + "\n")
    read = exercise_cells(read_cells(plain))
    assert {key: cell.source for key, cell in read.items()} == \
        {key: cell.source.rstrip("\n") for key, cell in answers.items()}
    assert all("scratch work" not in cell.source for cell in read.values())


def _start_workbook(*args: str, **popen) -> subprocess.Popen:
    env = {**os.environ, "WORKBOOK_PROFILE": "tiny", "KERAS_BACKEND": "torch",
           "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "workbook.cli", *args],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **popen)


def _start_grading(out: Path) -> subprocess.Popen:
    return _start_workbook("grade", str(SAMPLE_CLASS), "--out", str(out), "--jobs", "2")


def _read_until(process: subprocess.Popen, pattern: str, seconds: float) -> list[str]:
    """Lines of ``process`` up to the first that matches ``pattern``."""
    lines, deadline = [], time.monotonic() + seconds
    for line in process.stdout:
        lines.append(line)
        if re.search(pattern, line) or time.monotonic() > deadline:
            break
    assert re.search(pattern, lines[-1] if lines else ""), "".join(lines)
    return lines


def _grader_state() -> str:
    """What the cache keys hold besides the submission: the grader's code and
    the chapters (others editing this tree change it between two runs)."""
    return ResultCache(Path("unused"), Project(REPO), "", "").key(b"", "")


@pytest.mark.slow
def test_ctrl_c_stops_at_once_writes_the_gradebook_and_a_rerun_resumes(tmp_path):
    out = tmp_path / "graded"
    state = _grader_state()
    process = _start_grading(out)
    try:
        # Every submission but the endless loop graded: it alone holds a worker.
        _read_until(process, r"\] 4/5 ", 45)
        process.send_signal(signal.SIGINT)
        sent = time.monotonic()
        rest, _ = process.communicate(timeout=20)
        assert time.monotonic() - sent < 5, "Ctrl-C waited for the running submission"
    finally:
        process.kill()
    assert process.returncode == 130, rest
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest
    assert "workbook grade: interrupted: 1 submission(s) not graded" in rest
    rows = _rows(out)
    assert rows["eli_endless_loop"]["error"] == "interrupted"
    assert rows["eli_endless_loop"]["score"] == ""
    assert rows["ada_complete"]["score"] == rows["ada_complete"]["max_score"]
    # The four graded verdicts are cached, the interrupted row is not.
    cached = [json.loads(path.read_text()) for path in (out / ".cache").glob("*.json")]
    assert sorted(entry["submission"] for entry in cached) == \
        ["ada_complete", "ben_partial", "chen_partial_script", "dana_crashes"]
    if _grader_state() != state:
        pytest.skip("the grader's code or a chapter changed while the test ran: "
                    "the cache rightly regrades everything")

    # The rerun grades only the interrupted one (stopped again once it says
    # so: the endless loop would take its whole budget).
    process = _start_grading(out)
    try:
        lines = _read_until(process, r"^grading \d+ submission", 30)
        process.send_signal(signal.SIGINT)  # now, while the workers warm up
        rest, _ = process.communicate(timeout=20)
    finally:
        process.kill()
    text = "".join(lines)
    # The four graded reused; the truncated file is read again, never cached.
    assert "4 of 6 submission(s) unchanged since the last grading" in text, text
    assert "grading 1 submission(s)" in text
    assert process.returncode == 130 and "Traceback" not in rest, rest
    assert _rows(out)["eli_endless_loop"]["error"] == "interrupted"


@pytest.mark.slow
def test_ctrl_c_in_the_demo_exits_130_with_one_line(tmp_path):
    # Its own process group, signalled as a whole: what Ctrl-C in a terminal does.
    process = _start_workbook("demo", "--build", str(tmp_path / "build"),
                              "--out", str(tmp_path / "out"), "--jobs", "1",
                              start_new_session=True)
    try:
        _read_until(process, r"^warm worker pool ready", 120)
        os.killpg(process.pid, signal.SIGINT)  # while it grades the first submissions
        rest, _ = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 130, rest
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest, rest
    said = [line for line in rest.splitlines() if "interrupted:" in line]
    assert len(said) == 1 and re.match(r"workbook demo: interrupted: \d submission\(s\) not graded",
                                       said[0]), rest
