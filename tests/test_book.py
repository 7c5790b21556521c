"""`workbook book`: the chapters as an executed, searchable HTML site that
needs no network, student pages without solutions, checked in a browser.

Two real chapters (ch02 and ch06, the quickest) are built once for the
module in the tiny profile; caching, the solved edition and failures are
tested on a one-exercise chapter made here, which runs in seconds."""

from __future__ import annotations

import os
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from workbook.book import BookError, ChapterFailed, build_book
from workbook.cli import main
from workbook.exercises.build import notebook_text
from workbook.exercises.cells import read_cells
from workbook.exercises.release import release
from workbook.project import Project

from browser import browser  # noqa: F401  (the headless Chromium fixture)
from conftest import REPO
from test_build_and_release import _leaks, _solution_lines, html_text

PROJECT = Project(REPO)
CHAPTERS = ["ch02", "ch06"]
SEARCH_TERM = "pandas"  # in ch02's text, not in ch06's
ARTIFACTS = Path(os.environ.get("WORKBOOK_TEST_ARTIFACTS", REPO / "build" / "test-artifacts")) / "book"


@pytest.fixture(scope="module")
def execution_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("book-cache")


# The student notebook of each chapter as the site was built from it.
BUILT_FROM: dict[str, str] = {}


@pytest.fixture(scope="module")
def site(tmp_path_factory, execution_cache) -> Path:
    out = tmp_path_factory.mktemp("book") / "site"
    BUILT_FROM.update({key: notebook_text(read_cells(PROJECT.chapter_file(key))) for key in CHAPTERS})
    run = build_book(PROJECT, out, CHAPTERS, profile="tiny", execution_cache=execution_cache,
                     log=lambda line: None)
    assert sorted(run.executed) == CHAPTERS and not run.cached
    return out


class Page(HTMLParser):
    """What the tests read from a page: tags with their attributes, ids."""

    def __init__(self, path: Path):
        super().__init__()
        self.path = path
        self.tags: list[tuple[str, dict]] = []
        self.headings: dict[str, list[str]] = {}
        self._heading: str | None = None
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("h1", "h2"):
            self._heading = tag
            self.headings.setdefault(tag, []).append("")

    def handle_endtag(self, tag):
        if tag == self._heading:  # without Sphinx's "#" link to the heading
            self.headings[tag][-1] = self.headings[tag][-1].strip().removesuffix("#").strip()
            self._heading = None

    def handle_data(self, data):
        if self._heading:
            self.headings[self._heading][-1] += data

    def attrs(self, tag: str, name: str) -> list[str]:
        return [a[name] for t, a in self.tags if t == tag and a.get(name)]

    @property
    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.tags if a.get("id")}

    @property
    def loaded(self) -> list[str]:
        """Everything the browser fetches to show the page (not the links)."""
        return [*self.attrs("script", "src"), *self.attrs("img", "src"),
                *self.attrs("iframe", "src"), *self.attrs("source", "src"),
                *[a["href"] for t, a in self.tags
                  if t == "link" and a.get("href") and a.get("rel") not in ("prev", "next")]]


def _page(site: Path, key: str) -> Page:
    return Page(site / f"{PROJECT.chapter_slug(key)}.html")


def _section_titles(key: str) -> list[str]:
    """The `## N.M Title` headings of the chapter script."""
    return [line[3:].strip() for cell in read_cells(PROJECT.chapter_file(key))
            if cell.kind == "markdown" for line in cell.source.splitlines() if line.startswith("## ")]


@pytest.mark.parametrize("key", CHAPTERS)
def test_chapter_page_has_its_numbered_headings_and_executed_outputs(site, key):
    page = _page(site, key)
    title = read_cells(PROJECT.chapter_file(key))[0].source.splitlines()[0].lstrip("# ").strip()
    assert re.match(r"\d+\. ", title) and title in page.headings["h1"]
    sections = _section_titles(key)
    assert sections and all(s in page.headings["h2"] for s in sections)
    assert any(re.match(r"\d+\.\d+ ", s) for s in sections)
    text = html_text(page.path.read_text())
    assert "profile: tiny" in text  # the setup cell's printed line: outputs are there
    assert "Traceback (most recent call last)" not in text


def test_figures_are_images_in_the_site(site):
    images = _page(site, "ch02").attrs("img", "src")
    assert images, "ch02 draws figures; its page shows none"
    for src in images:
        assert (site / src).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", src


def test_math_is_marked_for_the_bundled_mathjax(site):
    page = _page(site, "ch02")
    source = PROJECT.chapter_file("ch02").read_text()
    assert "$$" in source and "$n$" in source
    markup = page.path.read_text()
    assert r'<span class="math notranslate nohighlight">\(n\)</span>' in markup
    assert "$$" not in html_text(markup).split("pre")[0]  # no display math left as text
    mathjax = [src for src in page.attrs("script", "src") if "mathjax" in src.lower()]
    assert mathjax == ["_static/mathjax/tex-chtml.js"]
    assert 'VERSION="3.' in (site / mathjax[0]).read_text()
    assert list((site / "_static/mathjax/output/chtml/fonts/woff-v2").glob("*.woff"))


def test_student_pages_show_stubs_and_no_solution_or_check_report(site):
    solution_lines = _solution_lines(CHAPTERS)
    assert solution_lines
    for key in CHAPTERS:
        text = html_text(_page(site, key).path.read_text())
        assert f'raise NotImplementedError("{key}.' in text  # the stubs are there
        assert not solution_lines & {line.strip() for line in text.splitlines()}
        assert f'check("{key}.' in text and "[FAIL]" not in text  # the call, not its report


def test_every_page_link_resolves_and_nothing_is_loaded_from_the_network(site):
    pages = sorted(site.glob("*.html"))
    assert {p.name for p in pages} >= {"index.html", "search.html",
                                       *(f"{PROJECT.chapter_slug(k)}.html" for k in CHAPTERS)}
    for path in pages:
        page = Page(path)
        loaded = page.loaded
        assert loaded and not [u for u in loaded if re.match(r"(https?:)?//", u)], path.name
        for url in [*loaded, *page.attrs("a", "href")]:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("#") and not parts.path:
                continue  # an outside link (not loaded) or a place on this page
            target = (path.parent / unquote(parts.path)).resolve()
            assert target.exists(), f"{path.name} links to missing {url}"
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in Page(target).ids, f"{path.name}: {url}"
    for css in site.glob("_static/**/*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css.read_text()), css


def test_landing_page_lists_chapters_profiles_install_and_self_check(site):
    index = Page(site / "index.html")
    text = html_text((site / "index.html").read_text())
    hrefs = index.attrs("a", "href")
    for key in CHAPTERS:
        assert f"{PROJECT.chapter_slug(key)}.html" in hrefs
    for needed in ("Profiles", "Install", "Self-check"):
        assert needed in index.headings["h2"]
    for needed in ("tiny", "default", "full", "pip install", "workbook check", "tiny profile"):
        assert needed in text
    assert index.attrs("form", "action") or "search" in text.lower()


def test_each_page_links_its_student_notebook_shipped_beside_the_site(site):
    for key in CHAPTERS:
        slug = PROJECT.chapter_slug(key)
        assert f"notebooks/{slug}.ipynb" in _page(site, key).attrs("a", "href")
        shipped = (site / "notebooks" / f"{slug}.ipynb").read_text()
        assert shipped == BUILT_FROM[key]  # the student notebook, without outputs


def test_release_with_book_ships_the_site_and_no_solution(site, execution_cache, tmp_path):
    started = time.monotonic()
    bundle = release(PROJECT, tmp_path / "bundle", CHAPTERS, book_profile="tiny",
                     execution_cache=execution_cache)
    assert time.monotonic() - started < 120  # the executions were reused
    assert (bundle / "book" / "index.html").is_file()
    assert (bundle / "book" / "notebooks").is_dir() and not (bundle / "book" / ".cache").exists()
    assert "book/index.html" in (bundle / "README.md").read_text()
    assert not _leaks(bundle, CHAPTERS)
    # The detector reads pages as text: a solution line in a page is caught.
    line = sorted(_solution_lines(CHAPTERS))[0]
    page = bundle / "book" / "index.html"
    page.write_text(page.read_text() + f"<pre><span>{line}</span></pre>")
    assert _leaks(bundle, CHAPTERS) == [line]


# --- a one-exercise chapter: caching, the solved edition and failures ---

MINI_CHAPTER = '''\
# %% [markdown]
# # 90. A Mini Chapter
#
# Twice $x$ is $2x$.

# %% tags=["setup"]
value = 21
print("the value is", value)

# %% [markdown]
# ## 90.1 Doubling
#
# ### Exercise 90.1: double

# %% tags=["exercise"] exercise="ch90.double"
# exercise: ch90.double
def double(x):
    raise NotImplementedError("ch90.double: write your answer here")
'''

MINI_SOLUTION = '''\
# %% tags=["exercise"] exercise="ch90.double"
# exercise: ch90.double
def double(x):
    return x + x  # the mini solution
'''


def _mini_project(root: Path, chapter: str = MINI_CHAPTER) -> Project:
    for folder in ("chapters", "solutions", "tests/checks"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "chapters" / "ch90_mini.py").write_text(chapter)
    (root / "solutions" / "ch90_mini.py").write_text(MINI_SOLUTION)
    return Project(root)


def _build(project, out, **options):
    return build_book(project, out, profile="tiny", log=lambda line: None, **options)


def test_rebuild_reexecutes_only_the_edited_chapter(tmp_path):
    project = _mini_project(tmp_path / "project")
    second = MINI_CHAPTER.replace("90.", "91.").replace("ch90", "ch91").replace("21", "4")
    (project.chapters_dir / "ch91_other.py").write_text(second)
    (project.solutions_dir / "ch91_other.py").write_text(MINI_SOLUTION.replace("ch90", "ch91"))
    first = _build(project, tmp_path / "out")
    assert first.executed == ["ch90", "ch91"]
    edited = MINI_CHAPTER.replace("value = 21", "value = 22")
    (project.chapters_dir / "ch90_mini.py").write_text(edited)
    again = _build(project, tmp_path / "out")
    assert again.executed == ["ch90"] and again.cached == ["ch91"]
    assert "the value is 22" in (tmp_path / "out" / "ch90_mini.html").read_text()


def test_solved_edition_shows_the_solutions_the_student_one_never(tmp_path):
    project = _mini_project(tmp_path / "project")
    student = html_text((_build(project, tmp_path / "student").out / "ch90_mini.html").read_text())
    solved_run = _build(project, tmp_path / "solved", solved=True)
    solved = html_text((solved_run.out / "ch90_mini.html").read_text())
    assert "return x + x  # the mini solution" in solved and "instructor edition" in solved
    assert "return x + x" not in student and "raise NotImplementedError" in student


def _one_error_line(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert "Traceback" not in "\n".join(lines)
    return lines[-1]


def test_a_chapter_with_a_syntax_error_fails_naming_chapter_and_cell(tmp_path, monkeypatch, capsys):
    broken = MINI_CHAPTER.replace("value = 21", "value = (21")
    _mini_project(tmp_path / "project", broken)
    monkeypatch.setenv("WORKBOOK_ROOT", str(tmp_path / "project"))
    assert main(["book", "--out", str(tmp_path / "out"), "--profile", "tiny"]) == 2
    line = capsys.readouterr().err.strip()
    assert line == ("workbook book: error: ch90_mini.py: cell 2 (`value = (21`) has a "
                    "SyntaxError: '(' was never closed (line 1 of the cell)"), line


def test_a_cell_that_raises_fails_the_build_with_the_cell_and_the_error(tmp_path):
    failing = MINI_CHAPTER.replace('print("the value is", value)', "print(value / 0)")
    project = _mini_project(tmp_path / "project", failing)
    with pytest.raises(ChapterFailed) as caught:
        _build(project, tmp_path / "out")
    assert str(caught.value) == ("ch90_mini.py: cell 2 (`value = 21`) raised "
                                 "ZeroDivisionError: division by zero")
    assert not (tmp_path / "out" / "ch90_mini.html").exists()  # no page with a traceback
    (project.chapters_dir / "ch90_mini.py").write_text(MINI_CHAPTER)  # fixed: the same folder builds
    assert _build(project, tmp_path / "out").executed == ["ch90"]


def test_unknown_chapter_and_output_file_are_one_clear_line(tmp_path, capsys):
    assert main(["book", "--chapters", "ch99"]) == 2
    assert re.fullmatch(r"workbook book: error: no chapter 'ch99' in .* \(known: ch02, .*\)",
                        _one_error_line(capsys))
    afile = tmp_path / "a-file"
    afile.write_text("x")
    with pytest.raises(SystemExit):
        main(["book", "--out", str(afile)])
    assert _one_error_line(capsys) == (f"workbook book: error: argument --out: {afile} is a "
                                       "file, not a folder; choose another output folder")
    with pytest.raises(BookError, match="is a file, not a folder"):
        build_book(PROJECT, afile, ["ch02"])
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "notes.txt").write_text("keep")
    with pytest.raises(BookError, match="not an earlier book"):
        build_book(PROJECT, tmp_path / "precious", ["ch02"])


# --- the site in a real browser ---

def _wait_for(browser, script: str, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = browser.js(script)
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_site_in_a_browser_loads_searches_and_typesets(site, browser, record_property):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"book screenshots: {ARTIFACTS}")
    record_property("screenshots", str(ARTIFACTS))
    browser.load(site / "index.html")
    _wait_for(browser, "return document.readyState === 'complete'", "the landing page")
    assert "Keras Workbook" in browser.js("return document.title")
    assert browser.console_errors() == []
    browser.screenshot(ARTIFACTS / "landing.png")

    chapter = site / f"{PROJECT.chapter_slug('ch02')}.html"
    browser.load(chapter)
    typeset = _wait_for(browser, "return document.querySelectorAll('mjx-container').length",
                        "MathJax to typeset the equations")
    assert typeset >= 10
    assert browser.js("return document.querySelectorAll('span.math mjx-container').length") > 0
    assert browser.console_errors() == []
    browser.screenshot(ARTIFACTS / "chapter-top.png")
    browser.js("document.querySelector('mjx-container[display=\"true\"]')"
               ".scrollIntoView({block: 'center'})")
    time.sleep(0.3)
    browser.screenshot(ARTIFACTS / "chapter-math.png")
    assert browser.js("const img = document.querySelector('.cell_output img');"
                      "img.scrollIntoView({block: 'center'}); return img.naturalWidth") > 100
    time.sleep(0.3)
    browser.screenshot(ARTIFACTS / "chapter-figure.png")
    # What the page loaded, MathJax's own additions included (Chromium keeps
    # no resource timings for file:// pages).
    resources = browser.js("return Array.from(document.querySelectorAll("
                           "'script[src], link[href], img[src], iframe[src]'))"
                           ".map(e => e.src || e.href)")
    assert any("mathjax" in url for url in resources), resources
    assert all(url.startswith("file://") for url in resources), resources

    browser.load(f"{(site / 'search.html').resolve().as_uri()}?q={SEARCH_TERM}")
    found = _wait_for(browser, "return Array.from(document.querySelectorAll('#search-results li a'))"
                               ".map(a => a.getAttribute('href'))", f"search results for {SEARCH_TERM}")
    assert any(href.startswith(f"{PROJECT.chapter_slug('ch02')}.html") for href in found), found
    assert not any(href.startswith(PROJECT.chapter_slug("ch06")) for href in found), found
    assert browser.console_errors() == []
    browser.screenshot(ARTIFACTS / "search.png")
