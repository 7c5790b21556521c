"""Rebuild, don't repair: the program a worker runs is the instructor's
chapter template -- its setup cell -- with only the student's exercise cells
put in, by id, in the chapter's order.

Exercise cells may depend on nothing but the setup cell (docs/authoring.md),
so the rest of the chapter (text, demonstrations, training runs, plots) is
not run at all: grading stays fast and a chapter cell can never fail it.
Edits elsewhere in the student's notebook, deleted or duplicated cells and
stripped metadata cannot break grading: only cells that carry an exercise id
(in metadata or first-line comment) are taken from the submission.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbook.exercises.cells import (
    TAG_SETUP,
    Cell,
    chapter_key,
    duplicated_exercise_ids,
    exercise_cells,
)


def missing_cell_reason(exercise_id: str) -> str:
    """Why an exercise earns nothing when the notebook has no cell for it
    (shared by the grader and the self-check, so both say the same)."""
    return f"no cell for {exercise_id} in your notebook (keep its '# exercise:' line)"


@dataclass
class ProgramCell:
    label: str
    source: str
    exercise_id: str | None = None


@dataclass
class Program:
    chapter: str
    cells: list[ProgramCell]
    missing: list[str] = field(default_factory=list)  # exercises with no student cell
    notes: list[str] = field(default_factory=list)  # what the rebuild ignored
    template_order: list[str] = field(default_factory=list)  # exercise ids, in order


class NotASubmission(ValueError):
    pass


def detect_chapter(cells: list[Cell]) -> str:
    """The chapter whose exercise ids the submission carries (most of them)."""
    counts: dict[str, int] = {}
    for exercise_id in exercise_cells(cells):
        key = chapter_key(exercise_id)
        counts[key] = counts.get(key, 0) + 1
    if not counts:
        raise NotASubmission(
            "no exercise cells found (no cell starts with '# exercise: chNN.name'); "
            "is this a workbook notebook?"
        )
    return max(sorted(counts), key=counts.get)


def rebuild(template: list[Cell], submission: list[Cell], chapter: str) -> Program:
    answers = exercise_cells(submission)
    program = Program(chapter, [])
    template_ids = set()
    for index, cell in enumerate(template):
        if cell.kind != "code" or cell.is_heavy or cell.is_check:
            continue
        exercise_id = cell.exercise_id
        if exercise_id is None:
            if TAG_SETUP in cell.tags:
                program.cells.append(ProgramCell(f"setup cell {index}", cell.source))
            continue
        template_ids.add(exercise_id)
        program.template_order.append(exercise_id)
        if exercise_id in answers:
            program.cells.append(
                ProgramCell(f"exercise {exercise_id}", answers[exercise_id].source, exercise_id)
            )
        else:
            program.missing.append(exercise_id)
    for exercise_id in duplicated_exercise_ids(submission):
        program.notes.append(f"{exercise_id}: several cells carry this id; the last one was graded")
    for exercise_id in sorted(set(answers) - template_ids):
        program.notes.append(f"{exercise_id}: not an exercise of {chapter}; ignored")
    return program
