"""Chapters run end to end in the tiny profile, as scripts and as notebooks."""

import os
import re
import subprocess
import sys

import pytest

from workbook.exercises.build import build
from workbook.project import Project

from conftest import REPO

PROJECT = Project(REPO)


def _env(tmp_path):
    # The real data sets cannot be downloaded here: chapters that need them
    # run on generated data, switched on explicitly (and announced by them).
    return {**os.environ, "WORKBOOK_PROFILE": "tiny", "MPLBACKEND": "Agg",
            "WORKBOOK_FIGURES": str(tmp_path / "figures"), "KERAS_BACKEND": "torch",
            "WORKBOOK_MOCK_DATA": "1", "WORKBOOK_DATA": str(tmp_path / "data")}


@pytest.mark.slow
@pytest.mark.parametrize("chapter", list(PROJECT.chapter_files()))
def test_chapter_runs_as_a_script(chapter, tmp_path):
    path = PROJECT.chapter_file(chapter)
    # Run it as a script, then prove that nothing imported TensorFlow.
    runner = ("import runpy, sys; runpy.run_path(sys.argv[1], run_name='__main__'); "
              "assert 'tensorflow' not in sys.modules, 'the chapter imported TensorFlow'")
    out = subprocess.run([sys.executable, "-c", runner, str(path)], capture_output=True,
                         text=True, cwd=tmp_path, env=_env(tmp_path), timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "profile: tiny" in out.stdout
    assert "Traceback" not in out.stderr


@pytest.mark.slow
def test_solved_notebook_executes_with_nbclient(tmp_path, monkeypatch):
    import nbclient
    import nbformat

    for key, value in _env(tmp_path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("WORKBOOK_ROOT", str(REPO))
    build(PROJECT, tmp_path, ["ch02"])
    path = next((tmp_path / "solved").glob("ch02_*.ipynb"))
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    printed = "".join(
        output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
        for output in cell.get("outputs", []) if output.get("output_type") == "stream"
    )
    assert "FAIL" not in printed
    assert printed.count("points from visible checks") >= 8


# The book stands alone: what students read never points at material they
# cannot see (the study notes the workbook was written from). Cite the D2L
# book's edition and section instead, or say "a common bug".
UNSEEN_SOURCE = re.compile(r"\b(the|our|source|study|course|these)\s+notes?\b|\bnotes'", re.I)


@pytest.mark.parametrize("chapter", list(PROJECT.chapter_files()))
def test_what_students_read_cites_no_unseen_notes(chapter):
    name = PROJECT.chapter_file(chapter).name
    shipped = [PROJECT.chapter_file(chapter), REPO / "tests" / "checks" / name,
               REPO / "tests" / "checks" / "hidden" / name]  # hidden messages reach students too
    found = [f"{path.relative_to(REPO)}:{number}: {line.strip()}"
             for path in shipped if path.exists()
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if UNSEEN_SOURCE.search(line)]
    assert not found, "refers to notes the reader cannot see:\n" + "\n".join(found)


SECTION = re.compile(r"^# ## (\d+\.\d+ .*)$", re.M)
SECOND_EDITION = ["ch02", "ch03", "ch04", "ch05", "ch06"]


@pytest.mark.parametrize("chapter", SECOND_EDITION)
def test_every_section_ends_with_a_try_it_and_a_cell_to_run(chapter):
    text = PROJECT.chapter_file(chapter).read_text()
    parts = SECTION.split(text)
    sections = list(zip(parts[1::2], parts[2::2]))
    assert len(sections) >= 5, f"{chapter}: expected its sections, found {len(sections)}"
    lacking = []
    for title, body in sections:
        after = body.split("# ### Try it", 1)
        # the Try it's questions, then a code cell (any tags) the reader edits
        if len(after) < 2 or not re.search(r"^# %%(?! \[markdown\])", after[1], re.M):
            lacking.append(title)
    assert not lacking, f"{chapter}: sections without a Try it and its starting cell: {lacking}"
