"""Load a chapter's check modules from files (they are not a package)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from workbook.grading.api import Checks
from workbook.project import Project


def _load_module_checks(path: Path, chapter: str) -> Checks:
    module_name = f"_workbook_checks_{path.parent.name}_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load checks from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    checks = getattr(module, "checks", None)
    if not isinstance(checks, Checks):
        raise ImportError(f"{path} must define `checks = Checks({chapter!r})`")
    if checks.chapter != chapter:
        raise ImportError(f"{path} registers checks for {checks.chapter}, expected {chapter}")
    return checks


def load_checks(project: Project, chapter: str, include_hidden: bool = True) -> Checks:
    """The visible checks of a chapter, plus the hidden ones when asked and present."""
    visible_path = project.visible_checks_file(chapter)
    if not visible_path.is_file():
        raise FileNotFoundError(f"no checks for {chapter}: {visible_path} is missing")
    checks = _load_module_checks(visible_path, chapter)
    hidden_path = project.hidden_checks_file(chapter) if include_hidden else None
    if hidden_path is not None and hidden_path.is_file():
        checks = checks.merge(_load_module_checks(hidden_path, chapter))
    return checks
