"""Build student and solved notebooks from the chapter scripts.

* ``student/chNN_slug.ipynb``: the chapter as written, exercise stubs included;
* ``solved/chNN_slug.ipynb``: the same with each stub replaced by the
  reference solution of the same id.

Notebooks are written without outputs and with deterministic cell ids and
metadata, so the same sources always give byte-identical files.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from workbook.exercises.cells import Cell, exercise_cells, read_cells
from workbook.project import Project

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
KEPT_CELL_METADATA = ("tags", "exercise")


class BuildError(ValueError):
    pass


def _cell_id(index: int, cell: Cell) -> str:
    if cell.exercise_id:
        return re.sub(r"[^A-Za-z0-9-]", "-", cell.exercise_id)
    return f"cell-{index:03d}"


def to_notebook(cells: list[Cell]) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python"},
    }
    makers = {
        "code": nbformat.v4.new_code_cell,
        "markdown": nbformat.v4.new_markdown_cell,
        "raw": nbformat.v4.new_raw_cell,
    }
    used: set[str] = set()
    for index, cell in enumerate(cells):
        metadata = {k: cell.metadata[k] for k in KEPT_CELL_METADATA if k in cell.metadata}
        node = makers[cell.kind](source=cell.source.rstrip("\n"), metadata=metadata)
        node.id = _cell_id(index, cell)
        if node.id in used:  # a duplicated exercise cell
            node.id = f"{node.id}-{index:03d}"
        used.add(node.id)
        notebook.cells.append(node)
    return notebook


def notebook_text(cells: list[Cell]) -> str:
    notebook = to_notebook(cells)
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def splice_solutions(chapter_cells: list[Cell], solution_cells: list[Cell]) -> list[Cell]:
    """Replace each exercise stub with the solution cell of the same id."""
    solutions = exercise_cells(solution_cells)
    stubs = exercise_cells(chapter_cells)
    missing = sorted(set(stubs) - set(solutions))
    if missing:
        raise BuildError(f"no solution for: {', '.join(missing)}")
    extra = sorted(set(solutions) - set(stubs))
    if extra:
        raise BuildError(f"solutions for exercises the chapter does not have: {', '.join(extra)}")
    return replace_exercises(chapter_cells, {k: c.source for k, c in solutions.items()})


def replace_exercises(cells: list[Cell], answers: dict[str, str]) -> list[Cell]:
    """A copy of ``cells`` with the exercise cells named in ``answers`` replaced."""
    return [
        Cell(cell.kind, answers[cell.exercise_id], dict(cell.metadata))
        if cell.exercise_id in answers
        else cell
        for cell in cells
    ]


def percent_text(cells: list[Cell]) -> str:
    """The cells as a Jupytext percent script."""
    import jupytext

    return jupytext.writes(to_notebook(cells), fmt="py:percent")


def build_chapter(project: Project, key: str, out: Path, solved: bool = True) -> list[Path]:
    chapter_path = project.chapter_file(key)
    cells = read_cells(chapter_path)
    if not exercise_cells(cells):
        raise BuildError(f"{chapter_path.name} has no exercise cells")
    written = [write_if_changed(out / "student" / f"{chapter_path.stem}.ipynb", notebook_text(cells))]
    if solved:
        solution_path = project.solution_file(key)
        if not solution_path.is_file():
            raise BuildError(f"{chapter_path.name}: solutions file {solution_path} is missing")
        solved_cells = splice_solutions(cells, read_cells(solution_path))
        written.append(write_if_changed(out / "solved" / f"{chapter_path.stem}.ipynb", notebook_text(solved_cells)))
    return written


def build(project: Project, out: Path, chapters: list[str] | None = None, solved: bool = True) -> list[Path]:
    keys = chapters or list(project.chapter_files())
    if not keys:
        raise BuildError(f"no chapters found in {project.chapters_dir}")
    written = []
    for key in keys:
        written.extend(build_chapter(project, key, out, solved=solved))
    return written


def write_if_changed(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Only rewrite changed files, so timestamps of unchanged notebooks stay.
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path
