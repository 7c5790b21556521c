"""Load a chapter's check modules from files (they are not a package).

A hidden check module may reuse the helpers of its chapter's visible module
(reference implementations, input builders) with::

    from visible_checks import reference_forward

``visible_checks`` names the chapter's visible module while its hidden module
is being loaded. Loaded checks are kept per file contents, so grading a class
imports each check module once.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import threading
from pathlib import Path

from workbook.grading.api import Checks
from workbook.project import Project

VISIBLE_ALIAS = "visible_checks"
_lock = threading.Lock()
_loaded: dict[tuple, Checks] = {}


def _exec_module(path: Path, module_name: str):
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load checks from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def _checks_of(module, path: Path, chapter: str) -> Checks:
    checks = getattr(module, "checks", None)
    if not isinstance(checks, Checks):
        raise ImportError(f"{path} must define `checks = Checks({chapter!r})`")
    if checks.chapter != chapter:
        raise ImportError(f"{path} registers checks for {checks.chapter}, expected {chapter}")
    return checks


def _fingerprint(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def load_checks(project: Project, chapter: str, include_hidden: bool = True) -> Checks:
    """The visible checks of a chapter, plus the hidden ones when asked and present."""
    visible_path = project.visible_checks_file(chapter)
    if not visible_path.is_file():
        raise FileNotFoundError(f"no checks for {chapter}: {visible_path} is missing")
    hidden_path = project.hidden_checks_file(chapter) if include_hidden else None
    if hidden_path is not None and not hidden_path.is_file():
        hidden_path = None
    paths = [visible_path] + ([hidden_path] if hidden_path else [])
    key = (chapter, tuple(paths), _fingerprint(paths))
    with _lock:
        if key in _loaded:
            return _loaded[key]
        tag = key[2][:12]
        visible = _exec_module(visible_path, f"_workbook_checks_{visible_path.stem}_{tag}")
        checks = _checks_of(visible, visible_path, chapter)
        if hidden_path is not None:
            previous = sys.modules.get(VISIBLE_ALIAS)
            sys.modules[VISIBLE_ALIAS] = visible
            try:
                hidden = _exec_module(hidden_path, f"_workbook_hidden_{hidden_path.stem}_{tag}")
            finally:
                if previous is None:
                    sys.modules.pop(VISIBLE_ALIAS, None)
                else:
                    sys.modules[VISIBLE_ALIAS] = previous
            checks = checks.merge(_checks_of(hidden, hidden_path, chapter))
        _loaded[key] = checks
        return checks
