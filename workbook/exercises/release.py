"""The student bundle: student notebooks, the workbook package and the
visible checks -- no solution and no hidden check anywhere in it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from workbook.exercises.build import build
from workbook.project import BUNDLE_MARKER, Project

BUNDLE_README = """# Keras Workbook: student bundle

1. Create a virtual environment in this folder and activate it (a system
   Python refuses `pip install` with `externally-managed-environment`):

       python3 -m venv .venv
       source .venv/bin/activate        # Windows: .venv\\Scripts\\activate

2. Install torch 2.13.0 (the version the workbook is tested with), then the
   workbook, its dependencies and JupyterLab, and open the notebooks:

       pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
       pip install -e ".[lab]"
       jupyter lab notebooks/

   That is the CPU build, right for a laptop. Only with an NVIDIA GPU (on
   Linux) install the CUDA build instead: `pip install torch==2.13.0`
   (several GB).

3. Get the data sets (Fashion-MNIST, MNIST and the house-price tables, for
   chapters 4 and 5 on) once, while online:

       workbook data download

   They go to `~/.cache/keras-workbook`. If your instructor prepared a
   shared folder, point `WORKBOOK_DATA` at it instead and download nothing:
   `export WORKBOOK_DATA=/path/to/shared/data`. `workbook data` says what the
   cache holds. Offline, `WORKBOOK_MOCK_DATA=1` runs a chapter on generated
   data of the same shape (announced with a MOCK DATA banner; its losses and
   accuracies mean nothing).

4. Choose how big each run is with `WORKBOOK_PROFILE` (set it before
   starting Jupyter): `tiny` runs a chapter in under a minute (for trying
   things out), the default takes a few minutes a chapter on a laptop CPU
   and gives meaningful results, and `full` uses the book's settings (for a
   GPU).

5. Open a notebook in `notebooks/`, read it, and complete the exercise cells
   (each starts with `# exercise: chNN.name`). Keep that first line.
6. Check your answers as you go: run the `check("chNN.name")` cell right
   after an exercise, or check a whole notebook:

       workbook check notebooks/ch03_linear_regression.ipynb

   These are the visible checks; your instructor's grader also runs hidden
   checks on fresh inputs.
7. Hand in the `.ipynb` file.
"""

BOOK_README = """
8. To read the chapters with their outputs, figures and equations (no
   network needed), open `book/index.html` in a browser. Each page links
   to its notebook.
"""

IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


def release(project: Project, out: Path, chapters: list[str] | None = None,
            book_profile: str | None = None, execution_cache: Path | None = None) -> Path:
    """The bundle in `out`; with `book_profile`, the student edition of the
    book run in that profile too (executions reused from `execution_cache`,
    by default the one of `workbook book`'s default output)."""
    if project.is_bundle:
        raise ValueError("this is already a student bundle; run release in the workbook repository")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        if not (out / BUNDLE_MARKER).is_file():
            raise ValueError(f"{out} exists and is not an earlier bundle; choose an empty folder")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    keys = chapters or list(project.chapter_files())

    staging = out / ".build"
    build(project, staging, keys, solved=False)
    shutil.move(str(staging / "student"), str(out / "notebooks"))
    shutil.rmtree(staging)

    shutil.copytree(project.root / "workbook", out / "workbook", ignore=IGNORED)
    (out / "checks").mkdir()
    for key in keys:
        visible = project.visible_checks_file(key)
        shutil.copy2(visible, out / "checks" / visible.name)
    shutil.copy2(project.root / "pyproject.toml", out / "pyproject.toml")
    contents = "student notebooks and visible checks"
    if book_profile:
        try:
            _add_book(project, out, keys, book_profile, execution_cache)
        except BaseException:
            shutil.rmtree(out, ignore_errors=True)  # no half-made bundle to refuse next time
            raise
        contents += f", the book ({book_profile} profile)"
    (out / "README.md").write_text(BUNDLE_README + (BOOK_README if book_profile else ""),
                                   encoding="utf-8")
    (out / BUNDLE_MARKER).write_text(
        json.dumps({"chapters": keys, "contents": contents}, indent=2) + "\n", encoding="utf-8")
    return out


def _add_book(project: Project, out: Path, keys: list[str], profile: str,
              execution_cache: Path | None) -> None:
    from workbook.book import DEFAULT_OUT, build_book, copy_site

    staging = out / ".book"
    cache = execution_cache or project.root / DEFAULT_OUT / ".cache" / "executed"
    try:
        build_book(project, staging, keys, profile=profile, solved=False, execution_cache=cache)
        copy_site(staging, out / "book")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
