"""Regrading a class when nothing changed is near-instant: results are kept
under a hash of everything that decides them -- the submission's bytes, its
name (hidden inputs depend on it), the chapter template, the checks, the
grader's own code, the hidden-input secret, and every setting that can change
a verdict (the isolation level, every limit and budget)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from workbook.grading import safefiles

from workbook.grading.runner import ExerciseResult, SubmissionResult
from workbook.grading.evaluate import CheckResult


def _digest_files(digest, paths) -> None:
    for path in sorted(paths):
        digest.update(str(path.name).encode() + b"\0" + path.read_bytes() + b"\0")


def grader_fingerprint() -> str:
    """A hash of the installed ``workbook`` package: any code change regrades."""
    import workbook

    digest = hashlib.sha256()
    _digest_files(digest, Path(workbook.__file__).parent.rglob("*.py"))
    return digest.hexdigest()


class ResultCache:
    def __init__(self, folder: Path, project, salt: str, isolation: str,
                 settings: dict | None = None):
        self.folder = folder
        self.project = project
        self.salt = salt
        self.isolation = isolation
        # Limits and budgets as enforced (how memory is bounded included).
        self.settings = json.dumps(settings or {}, sort_keys=True)
        self._fingerprint = grader_fingerprint()
        self._chapters: dict[str, str] = {}

    def _chapter_digest(self, chapter: str) -> str:
        if chapter not in self._chapters:
            digest = hashlib.sha256()
            files = [self.project.chapter_file(chapter), self.project.visible_checks_file(chapter),
                     self.project.hidden_checks_file(chapter)]
            # A chapter still being written (no checks yet) must not break the others.
            _digest_files(digest, [f for f in files if f is not None and f.is_file()])
            self._chapters[chapter] = digest.hexdigest()
        return self._chapters[chapter]

    def key(self, content: bytes, name: str, chapter: str = "") -> str:
        """``content``: the submission's bytes, as read once (and bounded) by
        the batch; ``chapter``: the chapter the class is graded as."""
        digest = hashlib.sha256()
        for part in (self._fingerprint, self.salt, self.isolation, self.settings, name, chapter):
            digest.update(part.encode() + b"\0")
        digest.update(content)
        for chapter in sorted(self.project.chapter_files()):
            digest.update(self._chapter_digest(chapter).encode())
        return digest.hexdigest()

    def load(self, key: str) -> SubmissionResult | None:
        path = self.folder / f"{key}.json"
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        exercises = [
            ExerciseResult(**{**e, "checks": [CheckResult(**c) for c in e["checks"]]})
            for e in data.pop("exercises")
        ]
        result = SubmissionResult(**{k: v for k, v in data.items()
                                     if k in SubmissionResult.__dataclass_fields__})
        result.exercises = exercises
        result.cached = True
        return result

    def store(self, key: str, result: SubmissionResult) -> None:
        if not result.complete and (not result.error or result.error.startswith("grader error")):
            return  # only final verdicts are kept
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        safefiles.atomic_write(self.folder / f"{key}.json", json.dumps(result.to_dict()).encode(),
                               mode=0o600)
