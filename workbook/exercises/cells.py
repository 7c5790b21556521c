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
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise NotebookFormatError(f"cannot read {display_name(path)}: {error.strerror}") from error
    return cells_from_bytes(raw, display_name(path), path.suffix)


def display_name(path: Path | str) -> str:
    """A file name that is not valid UTF-8 is shown with escapes, so that a
    message naming it can always be printed and written."""
    return os.fsencode(Path(path).name).decode("utf-8", "backslashreplace")


# Bounds on what a notebook may make the reader do (a chapter has ~100 cells
# and nests JSON about 10 deep): 100k cells took 22 s before grading started,
# and JSON nested 100k deep exhausts the parser's recursion.
MAX_CELLS = 2000
MAX_JSON_DEPTH = 100
_BRACKETS = b"[]{}"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _BRACKETS)


def json_depth(raw: bytes) -> int:
    """How deep brackets nest in JSON text, outside its strings, without
    parsing it (exact for valid JSON; C-speed on a 20 MB file)."""
    import numpy as np

    # Drop escaped backslashes, then escaped quotes: what is left of each
    # string sits between plain quotes, at the odd positions of a split.
    unescaped = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside = b"".join(unescaped.split(b'"')[::2])
    brackets = np.frombuffer(outside.translate(None, _NOT_BRACKETS), dtype=np.uint8)
    if brackets.size == 0:
        return 0
    steps = np.where((brackets == ord("[")) | (brackets == ord("{")), 1, -1).astype(np.int32)
    return int(np.cumsum(steps).max())


def cells_from_bytes(raw: bytes, name: str, suffix: str) -> list[Cell]:
    """Cells of a notebook (``suffix`` ".ipynb") or percent script (".py")
    given as bytes; ``name`` is how messages call the file."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotebookFormatError(
            f"{name} is not UTF-8 text (byte {error.start} is invalid); "
            "save the notebook again from Jupyter"
        ) from error
    if "\0" in text:
        raise NotebookFormatError(f"{name} holds NUL bytes; it is not a text notebook or script")
    if suffix == ".ipynb":
        return _cells_from_ipynb_text(text, raw, name)
    if suffix == ".py":
        return _cells_from_percent_text(text, name)
    raise NotebookFormatError(
        f"{name}: expected a .ipynb notebook or a percent-format .py script"
    )


def _check_depth(raw: bytes, name: str, where: str) -> None:
    depth = json_depth(raw)
    if depth > MAX_JSON_DEPTH:
        raise NotebookFormatError(
            f"{name}: {where} nests {depth} levels deep (at most {MAX_JSON_DEPTH}); "
            "it is not a notebook Jupyter wrote"
        )


def _check_cell_count(count: int, name: str) -> None:
    if count > MAX_CELLS:
        raise NotebookFormatError(
            f"{name} has {count} cells (at most {MAX_CELLS}); hand in the chapter's notebook"
        )


def _cells_from_ipynb_text(text: str, raw: bytes, name: str) -> list[Cell]:
    import nbformat

    # Each cell has a "cell_type" key: counting them first (an upper bound)
    # refuses a 100k-cell notebook before the parser spends seconds on it.
    _check_cell_count(raw.count(b'"cell_type"'), name)
    _check_depth(raw, name, "its JSON")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookFormatError(
            f"{name} is not valid notebook JSON ({error}); "
            "the file may be truncated or edited by hand"
        ) from error
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookFormatError(f"{name} has no list of cells; it is not a Jupyter notebook")
    _check_cell_count(len(data["cells"]), name)
    # Outputs play no part in grading: drop them before nbformat copies and
    # validates the notebook (a 200 MB output cost 0.8 GB resident).
    for cell in data["cells"]:
        if isinstance(cell, dict):
            if "outputs" in cell:
                cell["outputs"] = []
            cell.pop("attachments", None)
    try:
        notebook = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as error:  # nbformat raises several unrelated types
        raise NotebookFormatError(f"{name} is not a valid notebook: {error}") from error
    return _cells_from_notebook(notebook)


_PERCENT_MARKER = re.compile(r"^#\s*%%.*$", re.MULTILINE)  # as jupytext reads them


def _cells_from_plain_script(text: str, name: str) -> list[Cell]:
    """A script without ``# %%`` markers: each ``# exercise: chNN.name`` line
    starts a code cell that runs to the next one (what comes before the first
    is not an answer, so it is dropped)."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines)
              if (match := FIRST_LINE_MARKER.match(line)) and EXERCISE_ID.match(match.group(1))]
    _check_cell_count(len(starts), name)
    ends = starts[1:] + [len(lines)]
    return [Cell("code", "".join(lines[start:end]).rstrip("\n")) for start, end in zip(starts, ends)]


def _cells_from_percent_text(text: str, name: str) -> list[Cell]:
    import jupytext

    markers = _PERCENT_MARKER.findall(text)
    if not markers:
        return _cells_from_plain_script(text, name)
    _check_cell_count(len(markers), name)
    _check_depth("\n".join(markers).encode("utf-8"), name, "a cell's metadata")
    try:
        notebook = jupytext.reads(text, fmt="py:percent")
    except Exception as error:  # jupytext raises several unrelated types
        raise NotebookFormatError(f"{name} is not a valid percent script: {error}") from error
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
