"""What a mutants run found, per chapter and exercise: as text and as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from workbook.mutants.equivalents import Equivalent, toml_entry
from workbook.mutants.grade import ERROR, KILLED, SURVIVED, Verdict

REPORT_FILE = "report.json"


@dataclass
class ExerciseOutcome:
    exercise_id: str
    generated: int
    baseline: Verdict
    verdicts: list[Verdict]
    recorded: dict[str, Equivalent]  # mutant key -> its entry, for this exercise

    def _with(self, status: str) -> list[Verdict]:
        return [v for v in self.verdicts if v.status == status]

    @property
    def killed(self) -> list[Verdict]:
        return self._with(KILLED)

    @property
    def errors(self) -> list[Verdict]:
        return self._with(ERROR)

    @property
    def equivalent(self) -> list[Verdict]:
        return [v for v in self._with(SURVIVED) if v.mutant.key in self.recorded]

    @property
    def survivors(self) -> list[Verdict]:
        """Full marks, and not recorded as equivalent: a check is too weak."""
        return [v for v in self._with(SURVIVED) if v.mutant.key not in self.recorded]

    @property
    def killed_but_recorded(self) -> list[Verdict]:
        return [v for v in self.killed if v.mutant.key in self.recorded]

    @property
    def seconds(self) -> float:
        return sum(v.seconds for v in [self.baseline, *self.verdicts])

    @property
    def failed(self) -> bool:
        return bool(self.survivors or self.errors) or self.baseline.status != SURVIVED


@dataclass
class ChapterOutcome:
    chapter: str
    equivalents_file: str
    exercises: list[ExerciseOutcome]
    seconds: float = 0.0
    stale: list[Equivalent] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(e.failed for e in self.exercises)

    def total(self, name: str) -> int:
        return sum(len(getattr(e, name)) for e in self.exercises)


def chapter_text(outcome: ChapterOutcome) -> str:
    graded = sum(len(e.verdicts) for e in outcome.exercises)
    lines = [
        f"{outcome.chapter}: {sum(e.generated for e in outcome.exercises)} mutants generated, "
        f"{graded} graded: {outcome.total('killed')} killed, {outcome.total('survivors')} "
        f"survived, {outcome.total('equivalent')} recorded as equivalent "
        f"({outcome.seconds:.0f} s)",
        _table(outcome.exercises),
    ]
    for exercise in outcome.exercises:
        lines += _exercise_problems(exercise, outcome.equivalents_file)
    for entry in outcome.stale:
        lines.append(f"  STALE entry in {outcome.equivalents_file}: {entry.exercise_id} "
                     f"{entry.key} ({entry.mutation}) matches no mutant any more: remove it")
    return "\n".join(lines)


def _table(exercises: list[ExerciseOutcome]) -> str:
    rows = [("exercise", "generated", "graded", "killed", "survived", "equivalent", "seconds")]
    rows += [(e.exercise_id, str(e.generated), str(len(e.verdicts)), str(len(e.killed)),
              str(len(e.survivors)), str(len(e.equivalent)), f"{e.seconds:.1f}")
             for e in exercises]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  " + "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                                      for i, (cell, w) in enumerate(zip(row, widths)))
                     for row in rows)


def _exercise_problems(exercise: ExerciseOutcome, equivalents_file: str) -> list[str]:
    lines = []
    if exercise.baseline.status != SURVIVED:
        lines.append(f"  {exercise.exercise_id}: the SOLUTION itself does not earn full marks "
                     f"({exercise.baseline.detail or exercise.baseline.status}); its mutants "
                     "mean nothing until it does")
    for verdict in exercise.errors:
        lines.append(f"  {exercise.exercise_id} {verdict.mutant.key}: grader error: "
                     f"{verdict.detail}")
    for verdict in exercise.killed_but_recorded:
        lines.append(f"  {exercise.exercise_id} {verdict.mutant.key} is recorded as equivalent "
                     f"in {equivalents_file} but was killed ({verdict.detail}): is it really?")
    for verdict in exercise.survivors:
        mutant = verdict.mutant
        lines.append(f"\n  SURVIVOR {exercise.exercise_id} {mutant.key}: {mutant.description}")
        lines += ["    " + line for line in mutant.diff.rstrip("\n").split("\n")]
    return lines


def summary_text(outcomes: list[ChapterOutcome], seed: str) -> str:
    survivors = sum(o.total("survivors") for o in outcomes)
    lines = [f"{o.chapter}: {o.total('survivors')} survivor(s)"
             + (f", {len(o.stale)} stale entr(ies)" if o.stale else "") for o in outcomes]
    if survivors:
        lines.append(
            f"{survivors} mutant(s) earned full marks (hidden inputs of seed {seed!r}; another "
            "secret may differ). Kill each with a stronger check, or, if it computes the same "
            "function, record it as equivalent with a one-line reason, e.g.:")
        first = next(v for o in outcomes for e in o.exercises for v in e.survivors)
        lines.append(toml_entry(first.exercise_id, first.mutant.key, first.mutant.description))
    return "\n".join(lines)


def _verdict_json(verdict: Verdict, recorded: dict[str, Equivalent]) -> dict:
    mutant = verdict.mutant
    row = {"key": mutant.key, "description": mutant.description, "status": verdict.status,
           "score": verdict.score, "max_score": verdict.max_score, "seconds": verdict.seconds,
           "detail": verdict.detail}
    if mutant.key in recorded:
        row["equivalent_reason"] = recorded[mutant.key].reason
    if verdict.status == SURVIVED:
        row["diff"] = mutant.diff
    return row


def report_json(outcomes: list[ChapterOutcome], settings: dict) -> dict:
    chapters = []
    for outcome in outcomes:
        exercises = [{
            "exercise": e.exercise_id, "generated": e.generated, "graded": len(e.verdicts),
            "killed": len(e.killed), "survived": len(e.survivors),
            "equivalent": len(e.equivalent), "seconds": round(e.seconds, 2),
            "solution": {"full_marks": e.baseline.status == SURVIVED,
                         "detail": e.baseline.detail},
            "mutants": [_verdict_json(v, e.recorded) for v in e.verdicts],
        } for e in outcome.exercises]
        chapters.append({
            "chapter": outcome.chapter, "seconds": round(outcome.seconds, 2),
            "equivalents_file": outcome.equivalents_file, "failed": outcome.failed,
            "stale": [vars(entry) for entry in outcome.stale], "exercises": exercises,
        })
    return {**settings, "failed": any(o.failed for o in outcomes), "chapters": chapters}


def write_report(out: Path, report: dict) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / REPORT_FILE
    path.write_text(json.dumps(report, indent=2) + "\n")
    return path
