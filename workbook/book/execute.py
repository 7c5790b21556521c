"""Execute chapter notebooks for the book, once per content.

A chapter's executed notebook is cached with what its outputs depend on:
the notebook's cells, the profile, whether mock data is on and the
chapter's visible checks (its `check(...)` cells print their reports) make
the key; the workbook modules the kernel imported are recorded with their
hashes when it ran. Editing one chapter re-executes only that one; editing
a helper re-executes the chapters that imported it. MyST-NB's own cache
(jupyter-cache) keys on the code cells alone, so it would reuse outputs of
another profile or of an older helper: that is why the book executes here
and MyST-NB only renders.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from pathlib import Path

import nbformat

from workbook.datasets.mock import mock_enabled
from workbook.project import Project

CACHE_FORMAT = "1"  # bump when what is stored changes
# A cell of the default or full profile may train for a long time; the tiny
# profile runs a whole chapter in well under a minute.
CELL_TIMEOUT_S = 3600
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


class ChapterFailed(ValueError):
    """A chapter's execution raised: the message names the chapter, the cell
    and the error, on one line."""


def content_key(project: Project, key: str, notebook_text: str, profile: str) -> str:
    digest = hashlib.sha256()
    checks = project.visible_checks_file(key)
    for part in (CACHE_FORMAT, profile, str(mock_enabled()), notebook_text,
                 checks.read_text() if checks.is_file() else ""):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


def _file_hashes(paths) -> dict[str, str]:
    hashes = {}
    for path in paths:
        try:
            hashes[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError:
            hashes[path] = "missing"
    return hashes


# Run after the chapter, then removed: which workbook modules it imported.
_IMPORTED_MODULES = """\
import json as _json, sys as _sys
print(_json.dumps(sorted({getattr(_m, "__file__", None) or "" for _n, _m in list(_sys.modules.items())
                          if _n == "workbook" or _n.startswith("workbook.")} - {""})))
"""


def kernel_env(project: Project, profile: str, figures: Path) -> dict[str, str]:
    """The kernel's environment: this one, with the book's profile, figures
    shown inline (not saved by the Agg backend tests set) and the project
    found by `check(...)` cells wherever the kernel runs."""
    env = dict(os.environ)
    env.update({"WORKBOOK_PROFILE": profile, "KERAS_BACKEND": "torch",
                "MPLBACKEND": INLINE_BACKEND, "WORKBOOK_ROOT": str(project.root),
                "WORKBOOK_FIGURES": str(figures)})
    return env


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def failure_message(chapter_name: str, notebook) -> str | None:
    """`ch02_x.py: cell 12 (`y = f(x)`) raised ZeroDivisionError: ...` for the
    first cell with an error output, or None."""
    for number, cell in enumerate(notebook.cells, start=1):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                return (f"{chapter_name}: cell {number} (`{_first_line(cell)}`) raised "
                        f"{output.get('ename', 'an error')}: {_one_line(output.get('evalue', ''))}")
    return None


def _first_line(cell) -> str:
    return _one_line(next((l for l in cell.source.splitlines() if l.strip()), ""), 60)


def check_syntax(chapter_name: str, notebook) -> None:
    """A cell that cannot compile fails the chapter before any cell runs
    (IPython's magics and shell escapes are translated first)."""
    from IPython.core.inputtransformer2 import TransformerManager

    transformer = TransformerManager()
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "code":
            continue
        try:
            compile(transformer.transform_cell(cell.source), f"cell {number}", "exec")
        except SyntaxError as error:
            raise ChapterFailed(
                f"{chapter_name}: cell {number} (`{_first_line(cell)}`) has a SyntaxError: "
                f"{error.msg} (line {error.lineno} of the cell)") from None


def execute_notebook(project: Project, chapter_name: str, notebook, profile: str) -> list[str]:
    """Run `notebook` in place in a fresh kernel, in a scratch folder, and
    return the files of the workbook modules it imported; raise
    ChapterFailed naming the cell that failed."""
    import nbclient
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    notebook.cells.append(nbformat.v4.new_code_cell(_IMPORTED_MODULES))
    with tempfile.TemporaryDirectory(prefix="workbook-book-") as scratch:
        client = nbclient.NotebookClient(
            notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3",
            resources={"metadata": {"path": scratch}})
        try:
            # The kernel's own start-up chatter stays off the console; what a
            # cell prints is in its outputs.
            client.execute(env=kernel_env(project, profile, Path(scratch) / "figures"),
                           stderr=subprocess.DEVNULL)
        except CellExecutionError:
            raise ChapterFailed(failure_message(chapter_name, notebook)
                                or f"{chapter_name}: a cell failed") from None
        except DeadKernelError as error:
            raise ChapterFailed(f"{chapter_name}: the kernel died ({_one_line(error)})") from None
        except TimeoutError as error:
            raise ChapterFailed(f"{chapter_name}: {_one_line(error)}") from None
        finally:
            probe = notebook.cells.pop()
    printed = "".join(o.get("text", "") for o in probe.get("outputs", []) if o.get("name") == "stdout")
    return json.loads(printed or "[]")


def executed(project: Project, key: str, notebook_text: str, profile: str,
             cache_dir: Path) -> tuple[nbformat.NotebookNode, bool]:
    """The executed notebook of chapter `key` and whether it came from the
    cache (`cache_dir`, one entry per chapter)."""
    slug = project.chapter_slug(key)
    entry, record = Path(cache_dir) / f"{slug}.ipynb", Path(cache_dir) / f"{slug}.json"
    wanted = content_key(project, key, notebook_text, profile)
    try:
        recorded = json.loads(record.read_text())
        if (recorded["key"] == wanted and entry.is_file()
                and _file_hashes(recorded["modules"]) == recorded["modules"]):
            return nbformat.read(entry, as_version=4), True
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no entry, or one from another version: execute
    notebook = nbformat.reads(notebook_text, as_version=4)
    name = project.chapter_file(key).name
    check_syntax(name, notebook)
    modules = execute_notebook(project, name, notebook, profile)
    entry.parent.mkdir(parents=True, exist_ok=True)
    record.unlink(missing_ok=True)  # the record goes last: never a half-written entry
    nbformat.write(notebook, entry)
    record.write_text(json.dumps({"key": wanted, "modules": _file_hashes(modules)}, indent=1) + "\n")
    return notebook, False
