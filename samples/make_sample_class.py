"""Regenerate the demo's sample class, ``samples/ch03_class/``, from the
chapter-3 sources, so the class never drifts from the chapter.

    python samples/make_sample_class.py           # rewrite the files
    python samples/make_sample_class.py --check   # exit 1 if they are stale

The class: a complete submission, two partial ones (one as a percent
script), one whose code crashes the worker, one with an endless loop, and a
truncated notebook.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The wrong answers build some entries with tests/exercise_harness.mutant(),
# as the test suite does (tests/conftest.py puts tests/ on the path too).
sys.path.insert(1, str(ROOT / "tests"))

from workbook.exercises.build import notebook_text, percent_text, replace_exercises  # noqa: E402
from workbook.exercises.cells import exercise_cells, read_cells  # noqa: E402
from workbook.project import Project  # noqa: E402

CHAPTER = "ch03"
CLASS_DIR = ROOT / "samples" / "ch03_class"


def _wrong_answers(project: Project) -> dict[str, str]:
    path = ROOT / "tests" / "wrong_answers" / f"{project.chapter_slug(CHAPTER)}.py"
    spec = importlib.util.spec_from_file_location("_sample_wrong", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    first: dict[str, str] = {}
    for wrong in module.WRONG_ANSWERS:
        first.setdefault(wrong["exercise"], wrong["source"])
    return first


def _with_first_line(exercise_id: str, source: str) -> str:
    return f"# exercise: {exercise_id}\n{source.strip()}\n"


def sample_files() -> dict[str, str]:
    project = Project(ROOT)
    template = read_cells(project.chapter_file(CHAPTER))
    solutions = {k: c.source for k, c in exercise_cells(read_cells(project.solution_file(CHAPTER))).items()}
    ids = list(exercise_cells(template))
    wrong = _wrong_answers(project)
    half = ids[: len(ids) // 2]
    mixed = {ex: solutions[ex] for ex in ids[::2]}
    mixed.update({ex: _with_first_line(ex, wrong[ex]) for ex in ids[1::4] if ex in wrong})

    crash = dict(solutions)
    crash[ids[1]] = _with_first_line(ids[1], "import os\nos._exit(1)  # kills the kernel outright")
    crash[ids[2]] = _with_first_line(ids[2], "raise RuntimeError('I gave up on this one')")

    loop = dict(solutions)
    loop[ids[-1]] = solutions[ids[-1]].replace(
        "\n", "\nwhile True:  # an accidental endless loop at the top of the cell\n    pass\n", 1
    )

    complete_nb = notebook_text(replace_exercises(template, solutions))
    return {
        "ada_complete.ipynb": complete_nb,
        "ben_partial.ipynb": notebook_text(replace_exercises(template, {e: solutions[e] for e in half})),
        "chen_partial_script.py": percent_text(replace_exercises(template, mixed)),
        "dana_crashes.ipynb": notebook_text(replace_exercises(template, crash)),
        "eli_endless_loop.ipynb": notebook_text(replace_exercises(template, loop)),
        "fay_truncated.ipynb": complete_nb[: len(complete_nb) // 3],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report whether files are stale")
    args = parser.parse_args()
    files = sample_files()
    stale = [n for n, text in files.items()
             if not (CLASS_DIR / n).is_file() or (CLASS_DIR / n).read_text(encoding="utf-8") != text]
    extra = [p.name for p in CLASS_DIR.glob("*") if p.name not in files] if CLASS_DIR.is_dir() else []
    if args.check:
        if stale or extra:
            print(f"stale sample class: {stale + extra}; run python samples/make_sample_class.py")
            return 1
        print("sample class is up to date")
        return 0
    CLASS_DIR.mkdir(parents=True, exist_ok=True)
    for name in extra:
        (CLASS_DIR / name).unlink()
    for name, text in files.items():
        (CLASS_DIR / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} files to {CLASS_DIR.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
