"""Builds are deterministic, scripts round-trip through Jupytext, and the
student bundle holds no solution line and no hidden check."""

import filecmp
import html
import re
import subprocess
import sys

import jupytext
import pytest

from workbook.exercises.build import build
from workbook.exercises.cells import exercise_cells, read_cells
from workbook.exercises.release import release
from workbook.project import Project

from conftest import REPO

PROJECT = Project(REPO)
CHAPTERS = list(PROJECT.chapter_files())


def test_there_are_chapters():
    assert {"ch02", "ch03"} <= set(CHAPTERS)


def test_two_builds_are_byte_identical(tmp_path):
    first = build(PROJECT, tmp_path / "a")
    second = build(PROJECT, tmp_path / "b")
    assert len(first) == 2 * len(CHAPTERS)
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "a" / "student", tmp_path / "b" / "student",
                                               [p.name for p in (tmp_path / "a" / "student").iterdir()],
                                               shallow=False)
    assert not mismatch and not errors


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_scripts_roundtrip_through_jupytext(chapter, tmp_path):
    path = PROJECT.chapter_file(chapter)
    text = path.read_text()
    notebook = jupytext.reads(text, fmt="py:percent")
    # The header records the jupytext version that last wrote the file; a
    # newer jupytext changes only that line.
    def unversioned(script):
        return "\n".join(l for l in script.splitlines() if "jupytext_version:" not in l)

    assert unversioned(jupytext.writes(notebook, fmt="py:percent")) == unversioned(text)
    # ...and through a built .ipynb back to the same cells.
    build(PROJECT, tmp_path, [chapter], solved=False)
    built = read_cells(tmp_path / "student" / f"{path.stem}.ipynb")
    original = read_cells(path)
    assert [(c.kind, c.source.rstrip("\n"), c.exercise_id, sorted(c.tags)) for c in built] == [
        (c.kind, c.source.rstrip("\n"), c.exercise_id, sorted(c.tags)) for c in original
    ]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solved_notebook_carries_the_solutions(chapter, tmp_path):
    build(PROJECT, tmp_path, [chapter])
    stem = PROJECT.chapter_slug(chapter)
    solved = exercise_cells(read_cells(tmp_path / "solved" / f"{stem}.ipynb"))
    solutions = exercise_cells(read_cells(PROJECT.solution_file(chapter)))
    assert {k: c.source.strip() for k, c in solved.items()} == {
        k: c.source.strip() for k, c in solutions.items()
    }


def _public_lines() -> set[str]:
    """Lines anyone may see: the chapters' own text and the workbook package."""
    files = [*PROJECT.chapters_dir.glob("*.py"), *(REPO / "workbook").rglob("*.py")]
    return {line.strip() for path in files for line in path.read_text().splitlines()}


def _solution_lines(chapters=CHAPTERS) -> set[str]:
    """Lines a student has to write: in a solution cell but not in its stub,
    and not something the chapter text or the package shows anyway."""
    lines = set()
    public = _public_lines()
    for chapter in chapters:
        stubs = exercise_cells(read_cells(PROJECT.chapter_file(chapter)))
        for exercise_id, cell in exercise_cells(read_cells(PROJECT.solution_file(chapter))).items():
            stub_lines = {l.strip() for l in stubs[exercise_id].source.splitlines()}
            for line in cell.source.splitlines():
                line = line.strip()
                if (len(line) >= 12 and not line.startswith("#") and line not in stub_lines
                        and line not in public):
                    lines.add(line)
    return lines


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return release(PROJECT, tmp_path_factory.mktemp("release") / "bundle")


def html_text(page: str) -> str:
    """A page's text as a reader sees it: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _leaks(bundle, chapters=CHAPTERS) -> list[str]:
    solution_lines = _solution_lines(chapters)
    found = []
    for path in (p for p in bundle.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", "replace")
        if path.suffix == ".ipynb":
            text = "\n".join(c.source for c in read_cells(path))
        elif path.suffix == ".html":  # the book's pages: highlighted, escaped code
            text = html_text(text)
        found += sorted(solution_lines & {line.strip() for line in text.splitlines()})
    return found


def test_leak_detector_catches_a_pasted_solution_line(tmp_path):
    import shutil

    copy = tmp_path / "bundle"
    shutil.copytree(release(PROJECT, tmp_path / "fresh"), copy)
    line = sorted(_solution_lines())[0]
    checks = next((copy / "checks").glob("*.py"))
    checks.write_text(checks.read_text() + f"\n    {line}\n")
    assert _leaks(copy) == [line]


def test_bundle_has_no_solution_line_and_no_hidden_check(bundle):
    solution_lines = _solution_lines()
    assert solution_lines, "no solution lines found: the test would prove nothing"
    assert not _leaks(bundle)
    hidden_names = set()
    for chapter in CHAPTERS:
        from workbook.grading.loader import load_checks

        checks = load_checks(PROJECT, chapter)
        hidden_names |= {c.name for c in checks.checks if c.visibility == "hidden"}
    files = [p for p in bundle.rglob("*") if p.is_file()]
    assert any(p.suffix == ".ipynb" for p in files)
    for path in files:
        text = path.read_bytes().decode("utf-8", "replace")
        named = [n for n in hidden_names if f"def {n}(" in text]
        assert not named, f"{path.relative_to(bundle)} defines hidden checks {named}"
    assert not list(bundle.rglob("hidden*")), "a hidden-check folder was shipped"
    assert not list(bundle.rglob("solutions*")), "a solutions folder was shipped"


def test_bundle_self_check_runs_with_visible_checks_only(bundle):
    notebook = next((bundle / "notebooks").glob("ch03_*.ipynb"))
    out = subprocess.run(
        [sys.executable, "-m", "workbook.cli", "check", str(notebook)],
        capture_output=True, text=True, cwd=bundle, timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(bundle), "WORKBOOK_PROFILE": "tiny",
             "PYTHONPATH": str(bundle), "MPLBACKEND": "Agg"},
    )
    assert out.returncode == 1, out.stdout + out.stderr  # stubs fail
    assert "FAIL" in out.stdout and "visible checks: 0/" in out.stdout
    assert "hidden" not in out.stdout.split("The grader also runs hidden checks")[0].lower()


def _bundle_workbook(bundle, *args):
    return subprocess.run(
        [sys.executable, "-m", "workbook.cli", *args], capture_output=True, text=True,
        cwd=bundle, timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(bundle), "PYTHONPATH": str(bundle)},
    )


def test_bundle_offers_students_only_the_commands_that_work_there(bundle):
    help_text = _bundle_workbook(bundle, "--help").stdout
    commands = help_text.split("{", 1)[1].split("}", 1)[0].split(",")
    assert commands == ["check", "data"], help_text
    refused = _bundle_workbook(bundle, "grade", "x.ipynb", "--out", "graded")
    assert refused.returncode == 2 and "invalid choice: 'grade'" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_repository_offers_every_command():
    from workbook.cli import parser

    arguments = {"release": ["--out", "x"], "grade": ["x", "--out", "y"], "check": ["x.ipynb"]}
    for command in ("build", "release", "grade", "validate", "demo", "check", "data"):
        assert parser().parse_args([command, *arguments.get(command, [])]).command == command


def test_bundle_readme_tells_students_how_to_set_up_and_get_data(bundle):
    readme = (bundle / "README.md").read_text()
    for needed in ("python3 -m venv .venv", "source .venv/bin/activate",
                   "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu",
                   "workbook data download", "WORKBOOK_DATA", "WORKBOOK_PROFILE",
                   "WORKBOOK_MOCK_DATA", "under a minute", "a few minutes"):
        assert needed in readme, needed
    assert readme.index("python3 -m venv") < readme.index("pip install torch")  # venv first


def test_readme_student_quick_start_starts_with_a_virtual_environment():
    section = (REPO / "README.md").read_text().split("## Student quick start", 1)[1]
    section = section.split("\n## ", 1)[0]
    assert section.index("python3 -m venv") < section.index("pip install torch==2.13.0 --index-url")
    assert "workbook data download" in section and "WORKBOOK_PROFILE" in section


def test_release_refuses_to_overwrite_unrelated_folder(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(ValueError, match="not an earlier bundle"):
        release(PROJECT, tmp_path)
    assert (tmp_path / "precious.txt").read_text() == "keep me"
