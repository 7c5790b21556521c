"""Where a workbook's chapters, solutions and checks live.

Two layouts are recognised:

* the authors' repository: ``chapters/``, ``solutions/``, ``tests/checks/``
  (visible checks) and ``tests/checks/hidden/``;
* a student bundle made by ``workbook release``: ``notebooks/`` and
  ``checks/`` (visible checks only), marked by ``workbook-bundle.json``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

ROOT_ENV_VAR = "WORKBOOK_ROOT"
BUNDLE_MARKER = "workbook-bundle.json"
CHAPTER_FILE = re.compile(r"^(ch\d{2})_[a-z0-9_]+\.py$")


class ProjectNotFound(FileNotFoundError):
    pass


@dataclass(frozen=True)
class Project:
    root: Path
    is_bundle: bool = False

    @property
    def chapters_dir(self) -> Path:
        return self.root / "chapters"

    @property
    def solutions_dir(self) -> Path:
        return self.root / "solutions"

    @property
    def checks_dir(self) -> Path:
        return self.root / ("checks" if self.is_bundle else "tests/checks")

    @property
    def hidden_checks_dir(self) -> Path | None:
        return None if self.is_bundle else self.checks_dir / "hidden"

    def chapter_files(self) -> dict[str, Path]:
        """``{"ch02": Path(".../ch02_preliminaries.py"), ...}`` in order."""
        if not self.chapters_dir.is_dir():
            return {}
        found = {}
        for path in sorted(self.chapters_dir.glob("ch*.py")):
            match = CHAPTER_FILE.match(path.name)
            if match:
                found[match.group(1)] = path
        return found

    def chapter_file(self, key: str) -> Path:
        files = self.chapter_files()
        if key not in files:
            known = ", ".join(files) or "none"
            raise ValueError(f"no chapter {key!r} in {self.chapters_dir} (known: {known})")
        return files[key]

    def chapter_slug(self, key: str) -> str:
        """``"ch03"`` -> ``"ch03_linear_regression"``."""
        if self.is_bundle:
            for path in sorted(self.checks_dir.glob(f"{key}_*.py")):
                return path.stem
            raise ValueError(f"the bundle has no checks for chapter {key!r}")
        return self.chapter_file(key).stem

    def solution_file(self, key: str) -> Path:
        return self.solutions_dir / f"{self.chapter_slug(key)}.py"

    def visible_checks_file(self, key: str) -> Path:
        return self.checks_dir / f"{self.chapter_slug(key)}.py"

    def hidden_checks_file(self, key: str) -> Path | None:
        if self.hidden_checks_dir is None:
            return None
        return self.hidden_checks_dir / f"{self.chapter_slug(key)}.py"


def installed_in_bundle() -> bool:
    """Whether this ``workbook`` package is a student bundle's copy (no chapters,
    no solutions, no hidden checks: only the student's commands work)."""
    return (Path(__file__).resolve().parent.parent / BUNDLE_MARKER).is_file()


def _looks_like_repo(folder: Path) -> bool:
    return (folder / "chapters").is_dir() and (folder / "tests" / "checks").is_dir()


def find_project(start: Path | str | None = None) -> Project:
    """Find the repository or bundle that contains ``start`` (default: cwd)."""
    candidates = []
    if os.environ.get(ROOT_ENV_VAR):
        candidates.append(Path(os.environ[ROOT_ENV_VAR]))
    here = Path(start or Path.cwd()).resolve()
    if here.is_file():
        here = here.parent
    candidates.extend([here, *here.parents])
    package_root = Path(__file__).resolve().parent.parent  # an editable install
    candidates.append(package_root)
    for folder in candidates:
        if (folder / BUNDLE_MARKER).is_file():
            return Project(folder, is_bundle=True)
        if _looks_like_repo(folder):
            return Project(folder)
    raise ProjectNotFound(
        f"no workbook found at or above {here}: run this inside the workbook "
        f"repository or a student bundle, or set {ROOT_ENV_VAR}=/path/to/it"
    )
