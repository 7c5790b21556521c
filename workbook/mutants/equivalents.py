"""Mutants recorded as equivalent: they compute what the solution computes
(or change only a print or dead code), so no check can kill them.

They live beside the checks, one TOML file per chapter,
``tests/checks/mutants/chNN_slug.toml``::

    [[equivalent]]
    exercise = "ch02.slicing"
    mutant = "3f2a9c01b7de"      # the key `workbook mutants` prints
    mutation = "line 5 (slice bound): `X[::2]` -> `X[0::2]`"
    reason = "a start of 0 is the default start"

An entry whose key no longer matches any mutant of its exercise (the
solution changed) is reported as stale.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from workbook.exercises.cells import chapter_key
from workbook.mutants.generate import KEY_LENGTH
from workbook.project import Project

MUTANTS_DIR = "mutants"
KEY = re.compile(rf"^[0-9a-f]{{{KEY_LENGTH}}}$")


@dataclass(frozen=True)
class Equivalent:
    exercise_id: str
    key: str
    mutation: str
    reason: str


def equivalents_file(project: Project, chapter: str) -> Path:
    return project.checks_dir / MUTANTS_DIR / f"{project.chapter_slug(chapter)}.toml"


def load_equivalents(path: Path, chapter: str) -> dict[tuple[str, str], Equivalent]:
    """``{(exercise id, mutant key): entry}``; a missing file records none."""
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML ({error})") from None
    entries = data.get("equivalent", [])
    unknown = set(data) - {"equivalent"}
    if unknown or not isinstance(entries, list):
        raise ValueError(f"{path}: expected only [[equivalent]] tables, found {sorted(unknown)}")
    found: dict[tuple[str, str], Equivalent] = {}
    for number, entry in enumerate(entries, 1):
        equivalent = _entry(entry, chapter, f"{path}: entry {number}")
        found[(equivalent.exercise_id, equivalent.key)] = equivalent
    return found


def _entry(entry, chapter: str, where: str) -> Equivalent:
    fields = ("exercise", "mutant", "mutation", "reason")
    if not isinstance(entry, dict) or set(entry) != set(fields):
        got = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        raise ValueError(f"{where}: needs exactly the keys {', '.join(fields)}; got {got}")
    values = {name: entry[name] for name in fields}
    for name, value in values.items():
        if not isinstance(value, str) or not value.strip() or "\n" in value:
            raise ValueError(f"{where}: {name} must be a non-empty one-line string")
    if chapter_key(values["exercise"]) != chapter:
        raise ValueError(f"{where}: {values['exercise']} is not an exercise of {chapter}")
    if not KEY.match(values["mutant"]):
        raise ValueError(f"{where}: mutant must be the {KEY_LENGTH}-hex-digit key "
                         f"`workbook mutants` prints, got {values['mutant']!r}")
    return Equivalent(values["exercise"], values["mutant"], values["mutation"],
                      values["reason"].strip())


def stale_entries(recorded: dict[tuple[str, str], Equivalent], exercises: set[str],
                  keys: set[tuple[str, str]]) -> list[Equivalent]:
    """Entries of these exercises whose mutant is no longer generated."""
    return [e for (exercise, key), e in recorded.items()
            if exercise in exercises and (exercise, key) not in keys]


def toml_entry(exercise_id: str, key: str, mutation: str) -> str:
    """A ready-to-edit entry for a survivor (the reason is the author's to write)."""
    return (f'[[equivalent]]\nexercise = "{exercise_id}"\nmutant = "{key}"\n'
            f"mutation = {_toml_string(mutation)}\nreason = \"...\"\n")


def _toml_string(text: str) -> str:
    return "'" + text + "'" if "'" not in text else '"' + text.replace("\\", "\\\\").replace(
        '"', '\\"') + '"'
