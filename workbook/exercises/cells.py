"""Read chapter scripts and notebooks as a list of cells, find exercise cells.

An exercise cell carries its id twice (design.md section 3): in the cell's
Jupytext metadata (``exercise="ch03.squared_loss"``) and in a first-line
comment (``# exercise: ch03.squared_loss``), so the id survives editors that
drop metadata and students who copy a cell.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

EXERCISE_ID = re.compile(r"^ch\d{2}\.[a-z][a-z0-9_]*$")
FIRST_LINE_MARKER = re.compile(r"^\s*#\s*exercise:\s*(\S+)\s*$", re.IGNORECASE)

# Cell tags with a meaning for the tools.
TAG_SETUP = "setup"  # imports and seeding: the only chapter code the grader runs
TAG_EXERCISE = "exercise"  # the student's answer goes here
TAG_HEAVY = "heavy"  # long training runs and plots: the grader skips them
TAG_CHECK = "check"  # in-notebook self-check calls: the grader skips them


class NotebookFormatError(ValueError):
    """A file is not a readable notebook or percent script."""


@dataclass
class Cell:
    kind: str  # "code", "markdown" or "raw"
    source: str
    metadata: dict = field(default_factory=dict)

    @property
    def tags(self) -> set[str]:
        tags = self.metadata.get("tags") or []
        return {t for t in tags if isinstance(t, str)}

    @property
    def exercise_id(self) -> str | None:
        """The exercise this cell answers, or None for an ordinary cell."""
        if self.kind != "code":
            return None
        from_metadata = self.metadata.get("exercise")
        if isinstance(from_metadata, str) and EXERCISE_ID.match(from_metadata):
            return from_metadata
        first_line = self.source.lstrip("\n").split("\n", 1)[0]
        match = FIRST_LINE_MARKER.match(first_line)
        if match and EXERCISE_ID.match(match.group(1)):
            return match.group(1)
        return None

    @property
    def is_heavy(self) -> bool:
        return TAG_HEAVY in self.tags

    @property
    def is_check(self) -> bool:
        return TAG_CHECK in self.tags


def chapter_key(exercise_id: str) -> str:
    """``"ch03.squared_loss"`` -> ``"ch03"``."""
    return exercise_id.split(".", 1)[0]


def read_cells(path: Path | str) -> list[Cell]:
    """Read a ``.ipynb`` notebook or a percent-format ``.py`` script.

    Raises NotebookFormatError with a readable reason for anything that is
    not a well-formed notebook or script (bad JSON, truncation, bad encoding).
    """
    path = Path(path)
    # A file name that is not valid UTF-8 is shown with escapes, so that the
    # message itself can always be printed and written.
    name = os.fsencode(path.name).decode("utf-8", "backslashreplace")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise NotebookFormatError(f"cannot read {name}: {error.strerror}") from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotebookFormatError(
            f"{name} is not UTF-8 text (byte {error.start} is invalid); "
            "save the notebook again from Jupyter"
        ) from error
    if path.suffix == ".ipynb":
        return _cells_from_ipynb_text(text, name)
    if path.suffix == ".py":
        return _cells_from_percent_text(text)
    raise NotebookFormatError(
        f"{name}: expected a .ipynb notebook or a percent-format .py script"
    )


def _cells_from_ipynb_text(text: str, name: str) -> list[Cell]:
    import nbformat

    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookFormatError(
            f"{name} is not valid notebook JSON ({error}); "
            "the file may be truncated or edited by hand"
        ) from error
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookFormatError(f"{name} has no list of cells; it is not a Jupyter notebook")
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises several unrelated types
        raise NotebookFormatError(f"{name} is not a valid notebook: {error}") from error
    return _cells_from_notebook(notebook)


def _cells_from_percent_text(text: str) -> list[Cell]:
    import jupytext

    notebook = jupytext.reads(text, fmt="py:percent")
    return _cells_from_notebook(notebook)


def _cells_from_notebook(notebook) -> list[Cell]:
    cells = []
    for cell in notebook.cells:
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        metadata = dict(cell.get("metadata") or {})
        cells.append(Cell(str(cell.get("cell_type", "code")), str(source), metadata))
    return cells


def exercise_cells(cells: list[Cell]) -> dict[str, Cell]:
    """Map exercise id to its cell; a later duplicate wins (as when run in order)."""
    found: dict[str, Cell] = {}
    for cell in cells:
        exercise_id = cell.exercise_id
        if exercise_id:
            found[exercise_id] = cell
    return found


def duplicated_exercise_ids(cells: list[Cell]) -> list[str]:
    seen: dict[str, int] = {}
    for cell in cells:
        if cell.exercise_id:
            seen[cell.exercise_id] = seen.get(cell.exercise_id, 0) + 1
    return sorted(i for i, n in seen.items() if n > 1)
