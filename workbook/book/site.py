"""The book: executed chapter pages rendered by Sphinx, MyST-NB and the
book theme into a static site that needs no network to build or to read.

An output folder holds::

    index.html, chNN_slug.html, search.html, _static/   the site (MathJax included)
    notebooks/chNN_slug.ipynb    the notebook each page links to ("open as notebook")
    .workbook-book.json          marks the folder as a book, so a rebuild may replace it
    .cache/                      executed notebooks and Sphinx's work (not part of the site)

Why this stack: Sphinx with MyST-NB renders notebook outputs (text, tables,
figures) into pages with numbered headings, cross-references, a search
index that works from ``file://`` and a theme made for books; everything,
MathJax included (sphinx-mathjax-offline), comes from PyPI, so the site is
built and read offline.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

from workbook.book.execute import executed
from workbook.book.landing import landing_page
from workbook.exercises.build import notebook_text, splice_solutions, write_if_changed
from workbook.exercises.cells import TAG_CHECK, read_cells
from workbook.profiles import NAMES as PROFILES
from workbook.project import Project

DEFAULT_OUT = Path("build") / "book"
MARKER = ".workbook-book.json"
REQUIRED_MODULES = ("sphinx", "myst_nb", "sphinx_book_theme", "sphinx-mathjax-offline")
NOTEBOOKS = "notebooks"
SOLVED_WARNING = "instructor edition: the pages show the reference solutions"

CONF_PY = '''\
# Written by `workbook book`; edit workbook/book/site.py instead.
project = "Keras Workbook"
author = "the Keras Workbook authors"
extensions = ["myst_nb", "sphinx-mathjax-offline"]
nb_execution_mode = "off"  # executed (and cached) by workbook.book.execute
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_dmath_double_inline = True
myst_heading_anchors = 3
html_theme = "sphinx_book_theme"
html_title = "Keras Workbook"
html_copy_source = False
html_show_sourcelink = False
html_show_search_summary = False  # the summaries are fetched, which file:// forbids
html_theme_options = {{
    "use_download_button": False,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "announcement": {announcement!r},
}}
html_context = {{"default_mode": "auto"}}  # unset, the theme logs an error in every page
smartquotes = False  # the text keeps the quotes it was written with, as code does
numfig = True
math_numfig = True
'''


class BookError(ValueError):
    pass


@dataclass
class BookRun:
    out: Path
    chapters: list[str]
    executed: list[str] = field(default_factory=list)  # chapter keys run this time
    cached: list[str] = field(default_factory=list)  # chapter keys reused from the cache
    seconds: float = 0.0


def prepare_out(out: Path) -> None:
    """`out` may be new, empty or an earlier book; anything else is refused."""
    if out.exists() and not out.is_dir():
        raise BookError(f"{out} is a file, not a folder; choose another output folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise BookError(f"{out} exists and is not an earlier book; choose an empty folder")
    out.mkdir(parents=True, exist_ok=True)


def chapter_cells(project: Project, key: str, solved: bool):
    cells = read_cells(project.chapter_file(key))
    if solved:
        cells = splice_solutions(cells, read_cells(project.solution_file(key)))
    return cells


def hide_self_check_reports(notebook):
    """On student pages a `check(...)` cell's report would only list the
    stubs' failures: the page keeps the call and drops its output."""
    for cell in notebook.cells:
        if TAG_CHECK in cell.get("metadata", {}).get("tags", []):
            cell.metadata["tags"] = [*cell.metadata["tags"], "remove-output"]
    return notebook


def with_notebook_link(notebook, name: str):
    """The page's link to its notebook, right under the chapter title."""
    link = (f'<p class="workbook-notebook-link"><a href="{NOTEBOOKS}/{name}" download>'
            f"Open as notebook: {name}</a></p>")
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and re.search(r"^# ", cell.source, re.MULTILINE):
            cell.source = re.sub(r"^(# .*)$", lambda m: f"{m.group(1)}\n\n{link}\n", cell.source,
                                 count=1, flags=re.MULTILINE)
            return notebook
    notebook.cells.insert(0, nbformat.v4.new_markdown_cell(link))
    return notebook


def build_book(project: Project, out: Path, chapters: list[str] | None = None, *,
               profile: str = "tiny", solved: bool = False, execution_cache: Path | None = None,
               log: Callable[[str], None] = print) -> BookRun:
    """Execute (or reuse) each chapter in `profile` and render the site into `out`."""
    if project.is_bundle:
        raise BookError("the book is built in the workbook repository, not in a student bundle")
    missing = [name for name in REQUIRED_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise BookError(f"the book needs {', '.join(missing)}: pip install -e '.[book]'")
    if profile not in PROFILES:
        raise BookError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    keys = list(chapters or project.chapter_files())
    if not keys:
        raise BookError(f"no chapters found in {project.chapters_dir}")
    out = Path(out)
    prepare_out(out)
    edition = "solved" if solved else "student"
    _mark(out, keys, profile, edition)  # first: a build that fails may be run again here
    started = time.monotonic()
    run = BookRun(out, keys)
    cache = Path(execution_cache or out / ".cache" / "executed") / f"{profile}-{edition}"
    source = out / ".cache" / "sphinx" / "source"
    notebooks = source.parent / NOTEBOOKS  # beside the source: they are not pages
    pages = []
    for key in keys:
        slug = project.chapter_slug(key)
        text = notebook_text(chapter_cells(project, key, solved))
        chapter_started = time.monotonic()
        notebook, from_cache = executed(project, key, text, profile, cache)
        (run.cached if from_cache else run.executed).append(key)
        log(f"{slug}: {'reused from the cache' if from_cache else 'executed'} "
            f"({time.monotonic() - chapter_started:.1f} s)")
        write_if_changed(notebooks / f"{slug}.ipynb", text)
        page = with_notebook_link(notebook if solved else hide_self_check_reports(notebook),
                                  f"{slug}.ipynb")
        write_if_changed(source / f"{slug}.ipynb", nbformat.writes(page) + "\n")
        pages.append(slug)
    _remove_stale([(source, "ch*.ipynb"), (notebooks, "ch*.ipynb"), (out, "ch*.html")], pages)
    announcement = SOLVED_WARNING if solved else ""
    write_if_changed(source / "conf.py", CONF_PY.format(announcement=announcement))
    write_if_changed(source / "index.md", landing_page(pages, profile, solved))
    _sphinx(source, out, log)
    _prune_mathjax(out / "_static" / "mathjax")
    shutil.rmtree(out / NOTEBOOKS, ignore_errors=True)
    shutil.copytree(notebooks, out / NOTEBOOKS)
    run.seconds = time.monotonic() - started
    return run


def _mark(out: Path, keys: list[str], profile: str, edition: str) -> None:
    (out / MARKER).write_text(json.dumps({"chapters": keys, "profile": profile,
                                          "edition": edition}, indent=2) + "\n")


def _remove_stale(places: list[tuple[Path, str]], pages: list[str]) -> None:
    """Chapters of an earlier build that this one leaves out."""
    for folder, pattern in places:
        for path in folder.glob(pattern):
            if path.stem not in pages:
                path.unlink()


# What the pages' MathJax (tex-chtml.js) loads: its fonts, the TeX extensions
# it autoloads and the menu's accessibility parts. The other 15 MB of the
# package are other combined builds.
MATHJAX_KEPT = {"tex-chtml.js", "input", "output", "ui", "a11y", "sre"}


def _prune_mathjax(folder: Path) -> None:
    if not (folder / "tex-chtml.js").is_file():
        raise BookError(f"MathJax is missing from {folder}: pip install -e '.[book]'")
    for path in folder.iterdir():
        if path.name not in MATHJAX_KEPT:
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def _sphinx(source: Path, out: Path, log: Callable[[str], None]) -> None:
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-j", "1",
               "-d", str(source.parent / "doctrees"), str(source), str(out)]
    done = subprocess.run(command, capture_output=True, text=True)
    for line in done.stderr.splitlines():
        if "WARNING" in line:
            log(f"sphinx: {line}")
    if done.returncode != 0:
        last = next((l for l in reversed(done.stderr.splitlines()) if l.strip()), "no message")
        raise BookError(f"sphinx could not render the site: {last.strip()}")


def copy_site(book: Path, to: Path) -> Path:
    """The site alone (without the build's cache), e.g. into a student bundle."""
    shutil.copytree(book, to, ignore=shutil.ignore_patterns(".cache", MARKER, ".buildinfo"))
    return to
