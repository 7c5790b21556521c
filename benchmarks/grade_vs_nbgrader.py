#!/usr/bin/env python
"""Time ``workbook grade`` against ``nbgrader autograde`` on the same class.

    python benchmarks/grade_vs_nbgrader.py            # 20 submissions, --jobs 2
    python benchmarks/grade_vs_nbgrader.py --quick    # 4 submissions, a smoke test
    python benchmarks/grade_vs_nbgrader.py --fresh    # rebuild the nbgrader env first

One run does all of this (benchmarks/README.md says more):

1. makes (or reuses) a virtual environment for nbgrader, ``benchmarks/.nbgrader-venv``:
   CPU torch first, then nbgrader and the workbook's own dependencies; the
   workbook package itself is put on ``PYTHONPATH`` from this checkout;
2. generates a chapter-3 class: per student and exercise the reference
   solution, the stub or one of ``tests/wrong_answers``, chosen from a seed;
3. writes the same answers as an nbgrader course (source notebook with
   autograded answer cells and autograded test cells, ``generate_assignment``,
   ``submitted/<student>/ch03/ch03.ipynb``);
4. times ``workbook grade CLASS --out OUT --jobs J`` and ``nbgrader autograde``
   (one notebook at a time, a fresh kernel each) on that class, prints a table
   and the score agreement, and writes ``benchmarks/results/latest.json``.

Both graders run with ``WORKBOOK_PROFILE=tiny`` and ``KERAS_BACKEND=torch``.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(ROOT))

from workbook.exercises.build import notebook_text, replace_exercises  # noqa: E402
from workbook.exercises.cells import TAG_SETUP, exercise_cells, read_cells  # noqa: E402
from workbook.grading.loader import load_checks  # noqa: E402
from workbook.project import Project  # noqa: E402

CHAPTER = "ch03"  # --chapter picks another (e.g. ch02 while ch03 is being written)
NBGRADER_SEED_SALT = "nbgrader-benchmark"  # fixed inputs for nbgrader's test cells
ENV_MARKER = ".benchmark-env.json"
GRADER_ENV = {"WORKBOOK_PROFILE": "tiny", "KERAS_BACKEND": "torch"}
# What the nbgrader env gets besides torch and the workbook's own dependencies.
NBGRADER_PACKAGES = ["nbgrader", "ipykernel"]


class StepFailed(RuntimeError):
    """A step of the benchmark failed; ``hint`` says how to retry."""

    def __init__(self, step: str, detail: str, hint: str = ""):
        super().__init__(step)
        self.step, self.detail, self.hint = step, detail, hint


def log(message: str = "") -> None:
    print(message, flush=True)


def tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


# --------------------------------------------------------------------------- env


def project_dependencies() -> list[str]:
    import tomllib

    with open(ROOT / "pyproject.toml", "rb") as handle:
        return list(tomllib.load(handle)["project"]["dependencies"])


def run_logged(command: list[str], log_path: Path, step: str, hint: str, env=None, cwd=None) -> float:
    """Run ``command``, output to ``log_path``; raise StepFailed on a non-zero exit."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as handle:
        handle.write("$ " + " ".join(command) + "\n")
        handle.flush()
        try:
            code = subprocess.call(command, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        except OSError as error:
            raise StepFailed(step, f"cannot run {command[0]}: {error}", hint) from error
    if code != 0:
        raise StepFailed(
            step,
            f"`{' '.join(command)}` exited with {code}; last lines of {log_path}:\n"
            + tail(log_path.read_text(encoding="utf-8", errors="replace")),
            hint,
        )
    return time.monotonic() - started


def ensure_nbgrader_env(args, logs: Path) -> dict:
    """Create or reuse the benchmark's own venv with nbgrader, torch and Keras."""
    env_dir: Path = args.env
    python = env_dir / "bin" / "python"
    marker = env_dir / ENV_MARKER
    wanted = {
        "torch": args.torch_spec,
        "torch_index": args.torch_index or "",
        "packages": NBGRADER_PACKAGES + project_dependencies(),
        "python": platform.python_version(),
    }
    if args.fresh and env_dir.exists():
        log(f"--fresh: removing {env_dir}")
        shutil.rmtree(env_dir)
    if marker.is_file() and python.is_file():
        recorded = json.loads(marker.read_text(encoding="utf-8"))
        if recorded.get("wanted") == wanted:
            log(f"nbgrader env: reusing {env_dir} (installed in {recorded['install_seconds']:.0f} s "
                f"on {recorded['installed_at']}; --fresh rebuilds it)")
            recorded["reused"] = True
            return recorded
        log(f"nbgrader env: {env_dir} was made for other requirements; reinstalling")
        shutil.rmtree(env_dir)

    retry = (f"check that PyPI is reachable, then re-run with --fresh "
             f"(python {Path(__file__).relative_to(ROOT)} --fresh); full pip output in {logs}")
    log(f"nbgrader env: creating {env_dir} (a few minutes, once) ...")
    started = time.monotonic()
    steps = {}
    steps["venv"] = run_logged([sys.executable, "-m", "venv", str(env_dir)], logs / "env-venv.log",
                               "creating the nbgrader virtual environment", retry)
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check"]
    torch_cmd = pip + [args.torch_spec]
    if args.torch_index:
        torch_cmd += ["--index-url", args.torch_index]
    log(f"  pip install {args.torch_spec} (CPU build first, so nothing pulls CUDA wheels) ...")
    steps["torch"] = run_logged(torch_cmd, logs / "env-torch.log", f"installing {args.torch_spec}",
                                retry + "; on another machine try --torch-spec torch "
                                "--torch-index https://download.pytorch.org/whl/cpu")
    installed_torch = subprocess.run(
        [str(python), "-c", "import torch; print(torch.__version__)"],
        capture_output=True, text=True).stdout.strip()
    constraints = env_dir / "benchmark-constraints.txt"
    constraints.write_text(f"torch=={installed_torch}\n", encoding="utf-8")  # never replace it
    log(f"  pip install {' '.join(NBGRADER_PACKAGES)} + the workbook's dependencies ...")
    steps["nbgrader"] = run_logged(
        pip + ["-c", str(constraints)] + wanted["packages"], logs / "env-nbgrader.log",
        "installing nbgrader, Keras and the workbook's dependencies", retry)
    versions = env_versions(python)
    record = {
        "wanted": wanted,
        "install_seconds": round(time.monotonic() - started, 1),
        "step_seconds": {k: round(v, 1) for k, v in steps.items()},
        "installed_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "versions": versions,
    }
    marker.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    log(f"nbgrader env: ready in {record['install_seconds']:.0f} s "
        f"({', '.join(f'{k} {v:.0f} s' for k, v in record['step_seconds'].items())})")
    record["reused"] = False
    return record


def env_versions(python: Path) -> dict:
    code = (
        "import json, importlib.metadata as m\n"
        "names = ['nbgrader', 'nbconvert', 'nbclient', 'jupyter_client', 'ipykernel', "
        "'keras', 'torch', 'numpy']\n"
        "out = {}\n"
        "for n in names:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: out[n] = None\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True)
    if done.returncode != 0:
        raise StepFailed("reading package versions in the nbgrader env", tail(done.stderr),
                         "re-run with --fresh to rebuild the env")
    return json.loads(done.stdout)


def grader_environment(extra_path: Path | None = None) -> dict:
    env = dict(os.environ)
    env.update(GRADER_ENV)
    env["PYTHONUNBUFFERED"] = "1"
    if extra_path is not None:
        env["PATH"] = f"{extra_path}{os.pathsep}{env.get('PATH', '')}"
        env.pop("VIRTUAL_ENV", None)
    return env


def nbgrader_environment(args) -> dict:
    env = grader_environment(args.env / "bin")
    # The kernel imports the workbook package from this checkout, unchanged.
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["WORKBOOK_ROOT"] = str(ROOT)
    # Keep kernelspecs and config from the user's home out of the measurement.
    env["JUPYTER_CONFIG_DIR"] = str(args.work / "jupyter-config")
    env["JUPYTER_DATA_DIR"] = str(args.work / "jupyter-data")
    env["JUPYTER_RUNTIME_DIR"] = str(args.work / "jupyter-runtime")
    env["IPYTHONDIR"] = str(args.work / "ipython")
    return env


def check_kernel(args, env: dict) -> str:
    """The python3 kernel nbgrader will start must be the benchmark env's Python."""
    done = subprocess.run([str(args.env / "bin" / "jupyter"), "kernelspec", "list", "--json"],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise StepFailed("listing Jupyter kernels in the nbgrader env", tail(done.stderr),
                         "re-run with --fresh to rebuild the env")
    specs = json.loads(done.stdout)["kernelspecs"]
    if "python3" not in specs:
        raise StepFailed("finding the python3 kernel", f"kernels found: {sorted(specs)}",
                         "re-run with --fresh (ipykernel should provide python3)")
    argv = specs["python3"]["spec"]["argv"]
    probe = subprocess.run(
        [argv[0] if argv[0] != "python" else str(args.env / "bin" / "python"), "-c",
         "import sys, workbook, keras; print(sys.prefix, keras.backend.backend())"],
        capture_output=True, text=True, env=env)
    if probe.returncode != 0:
        raise StepFailed("importing workbook and keras with the nbgrader kernel's Python",
                         tail(probe.stderr or probe.stdout), "re-run with --fresh")
    prefix, backend = probe.stdout.split()[-2:]
    if Path(prefix).resolve() != args.env.resolve():
        raise StepFailed("finding the python3 kernel",
                         f"it runs {argv[0]} (sys.prefix {prefix}), not the env's Python",
                         "remove the python3 kernelspec that shadows it, or re-run with --fresh")
    return f"{argv[0]} (the env's Python, {prefix}; keras backend {backend})"


# ------------------------------------------------------------------- the class


@dataclass
class Chapter:
    key: str  # also the nbgrader assignment and notebook name
    template: list
    setup_source: str
    exercise_ids: list[str]
    statements: dict[str, str]
    stubs: dict[str, str]
    solutions: dict[str, str]
    wrong: dict[str, list[dict]]
    checks: dict[str, list]  # exercise id -> Check objects (visible first, then hidden)


def load_chapter(project: Project, key: str) -> Chapter:
    template = read_cells(project.chapter_file(key))
    setups = [c for c in template if c.kind == "code" and TAG_SETUP in c.tags]
    if len(setups) != 1:
        raise StepFailed("reading the chapter", f"expected one setup cell, found {len(setups)}")
    stubs = {k: c.source for k, c in exercise_cells(template).items()}
    solutions = {k: c.source for k, c in exercise_cells(read_cells(project.solution_file(key))).items()}
    statements, previous = {}, None
    for cell in template:
        if cell.exercise_id and previous is not None and previous.kind == "markdown":
            statements[cell.exercise_id] = previous.source
        previous = cell
    wrong_path = ROOT / "tests" / "wrong_answers" / f"{project.chapter_slug(key)}.py"
    # Wrong answers may build on the tests' helpers (exercise_harness.mutant).
    if str(ROOT / "tests") not in sys.path:
        sys.path.insert(1, str(ROOT / "tests"))
    spec = importlib.util.spec_from_file_location("_benchmark_wrong_answers", wrong_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    wrong: dict[str, list[dict]] = {}
    for answer in module.WRONG_ANSWERS:
        wrong.setdefault(answer["exercise"], []).append(answer)
    registry = load_checks(project, key, include_hidden=True)
    checks = {}
    for exercise_id in stubs:
        found = registry.for_exercise(exercise_id)
        checks[exercise_id] = sorted(found, key=lambda c: c.visibility != "visible")
    missing = [e for e in stubs if e not in solutions or not checks[e]]
    if missing:
        raise StepFailed("reading the chapter", f"no solution or checks for: {', '.join(missing)}")
    return Chapter(key, template, setups[0].source, list(stubs), statements, stubs, solutions, wrong, checks)


def with_first_line(exercise_id: str, source: str) -> str:
    return f"# exercise: {exercise_id}\n{source.strip()}\n"


@dataclass
class Student:
    name: str
    answers: dict[str, str] = field(default_factory=dict)  # exercise id -> cell source
    kinds: dict[str, str] = field(default_factory=dict)  # exercise id -> solution|stub|wrong:<why>


def make_class(chapter: Chapter, count: int, seed: int) -> list[Student]:
    """Student 1 answers everything, student 2 nothing; the others are a mix."""
    rng = random.Random(seed)
    students = []
    for index in range(count):
        student = Student(f"student{index + 1:02d}")
        for exercise_id in chapter.exercise_ids:
            wrongs = chapter.wrong.get(exercise_id, [])
            if index == 0:
                pick = "solution"
            elif index == 1:
                pick = "stub"
            else:
                pick = rng.choices(["solution", "stub", "wrong"], weights=[5, 2, 3 if wrongs else 0])[0]
            if pick == "solution":
                source = chapter.solutions[exercise_id]
            elif pick == "stub":
                source = chapter.stubs[exercise_id]
            else:
                answer = rng.choice(wrongs)
                source = with_first_line(exercise_id, answer["source"])
                pick = f"wrong: {answer['why']}"
            student.answers[exercise_id] = source
            student.kinds[exercise_id] = pick
        students.append(student)
    return students


def write_workbook_class(chapter: Chapter, students: list[Student], folder: Path) -> None:
    folder.mkdir(parents=True)
    for student in students:
        cells = replace_exercises(chapter.template, student.answers)
        (folder / f"{student.name}.ipynb").write_text(notebook_text(cells), encoding="utf-8")


# -------------------------------------------------------------------- nbgrader


def grade_id(exercise_id: str, check_name: str | None = None) -> str:
    base = exercise_id.replace(".", "-")
    return f"{base}--{check_name}" if check_name else base


HELPER_CELL = '''\
# Benchmark glue (read-only): each test cell below runs one of the workbook's own
# checks (tests/checks, hidden ones included) in this kernel on fixed inputs and
# turns a failure into an AssertionError, so nbgrader tests what `workbook grade` tests.
from pathlib import Path as _Path

from workbook.grading.evaluate import check_seed as _check_seed, run_check as _run_check
from workbook.grading.loader import load_checks as _load_checks
from workbook.grading.local import LocalStudent as _LocalStudent
from workbook.project import Project as _Project

_CHECKS = _load_checks(_Project(_Path({root!r})), {chapter!r}, include_hidden=True)


def assert_check(exercise_id, check_name):
    check = next(c for c in _CHECKS.for_exercise(exercise_id) if c.name == check_name)
    result = _run_check(check, _LocalStudent(globals()), _check_seed(exercise_id, {salt!r}))
    assert result.passed, f"{{check_name}}: {{result.message}} -> {{result.detail}}"
'''


def nb_cell(nbformat, kind: str, source: str, cell_id: str, **nbgrader):
    maker = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = maker(source=source.rstrip("\n"))
    cell.id = cell_id
    if nbgrader:
        cell.metadata["nbgrader"] = {"schema_version": 3, "solution": False, "grade": False,
                                     "locked": False, **nbgrader}
    return cell


def source_notebook(chapter: Chapter) -> str:
    """The nbgrader source notebook: setup, then per exercise an answer cell and its tests."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                  "name": "python3"},
                   "language_info": {"name": "python"}}
    nb.cells.append(nb_cell(nbformat, "markdown", f"# {chapter.key} exercises (nbgrader version)",
                            "title", locked=True, grade_id="title"))
    nb.cells.append(nb_cell(nbformat, "code", chapter.setup_source, "setup", locked=True,
                            grade_id="setup"))
    nb.cells.append(nb_cell(nbformat, "code", HELPER_CELL.format(root=str(ROOT), chapter=chapter.key,
                                                                 salt=NBGRADER_SEED_SALT),
                            "benchmark-glue", locked=True, grade_id="benchmark-glue"))
    for exercise_id in chapter.exercise_ids:
        gid = grade_id(exercise_id)
        if exercise_id in chapter.statements:
            nb.cells.append(nb_cell(nbformat, "markdown", chapter.statements[exercise_id],
                                    f"{gid}-statement"))
        solution = chapter.solutions[exercise_id].strip("\n").split("\n")
        first, body = (solution[0], solution[1:]) if solution[0].lstrip().startswith("#") else ("", solution)
        answer = "\n".join(([first] if first else [])
                           + ["### BEGIN SOLUTION", *body, "### END SOLUTION"])
        nb.cells.append(nb_cell(nbformat, "code", answer, gid, solution=True, grade_id=gid))
        for check in chapter.checks[exercise_id]:
            call = f"assert_check({exercise_id!r}, {check.name!r})"
            lines = [f"# {exercise_id}: {check.name} ({check.visibility}, {check.points:g} point(s))",
                     f"# {check.message}"]
            if check.visibility == "hidden":
                lines += ["### BEGIN HIDDEN TESTS", call, "### END HIDDEN TESTS"]
            else:
                lines.append(call)
            nb.cells.append(nb_cell(nbformat, "code", "\n".join(lines), grade_id(exercise_id, check.name),
                                    grade=True, locked=True, points=check.points,
                                    grade_id=grade_id(exercise_id, check.name)))
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


NBGRADER_CONFIG = '''\
c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "workbook-benchmark"
c.ExecutePreprocessor.timeout = {timeout}
'''


def make_nbgrader_course(args, chapter: Chapter, students: list[Student], course: Path, env: dict,
                         logs: Path) -> None:
    import nbformat

    assignment = chapter.key
    (course / "source" / assignment).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(NBGRADER_CONFIG.format(
        root=str(course), timeout=args.cell_timeout), encoding="utf-8")
    (course / "source" / assignment / f"{assignment}.ipynb").write_text(source_notebook(chapter),
                                                                        encoding="utf-8")
    nbgrader = str(args.env / "bin" / "nbgrader")
    run_logged([nbgrader, "db", "assignment", "add", assignment], logs / "nbgrader-db.log",
               "adding the assignment to nbgrader's database", f"see {logs / 'nbgrader-db.log'}",
               env=env, cwd=course)
    run_logged([nbgrader, "generate_assignment", assignment, "--force"],
               logs / "nbgrader-generate.log", "nbgrader generate_assignment",
               f"see {logs / 'nbgrader-generate.log'}; the source notebook is "
               f"{course / 'source' / assignment / (assignment + '.ipynb')}", env=env, cwd=course)
    release = course / "release" / assignment / f"{assignment}.ipynb"
    released = nbformat.read(release, as_version=4)
    answer_cells = {c.metadata["nbgrader"]["grade_id"]: c for c in released.cells
                    if c.metadata.get("nbgrader", {}).get("solution")}
    if set(answer_cells) != {grade_id(e) for e in chapter.exercise_ids}:
        raise StepFailed("reading the released notebook",
                         f"answer cells {sorted(answer_cells)} do not match the exercises")
    stub_text = answer_cells[grade_id(chapter.exercise_ids[0])].source
    if "### BEGIN SOLUTION" in stub_text:
        raise StepFailed("nbgrader generate_assignment", "the release still contains the solutions")
    for student in students:
        nb = nbformat.read(release, as_version=4)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution"):
                exercise_id = next(e for e in chapter.exercise_ids if grade_id(e) == meta["grade_id"])
                cell.source = student.answers[exercise_id].rstrip("\n")
        folder = course / "submitted" / student.name / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")


NBGRADER_SCORES = '''\
import json, sys
from nbgrader.api import Gradebook
out = {}
with Gradebook(sys.argv[1]) as gb:
    for student in gb.students:
        try:
            sub = gb.find_submission(sys.argv[2], student.id)
        except Exception:
            continue
        nb = sub.notebooks[0]
        out[student.id] = {
            "score": sub.score, "max_score": sub.max_score,
            "cells": {g.name: g.score for g in nb.grades},
        }
print(json.dumps(out))
'''


def nbgrader_scores(args, course: Path, env: dict, assignment: str) -> dict:
    done = subprocess.run([str(args.env / "bin" / "python"), "-c", NBGRADER_SCORES,
                           f"sqlite:///{course / 'gradebook.db'}", assignment],
                          capture_output=True, text=True, env=env, cwd=course)
    if done.returncode != 0:
        raise StepFailed("reading nbgrader's gradebook", tail(done.stderr),
                         f"open {course / 'gradebook.db'} with `nbgrader export`")
    return json.loads(done.stdout)


# --------------------------------------------------------------------- timing


def run_streamed(command: list[str], log_path: Path, env: dict, cwd=None, marker=None):
    """Run ``command``; return (seconds, exit code, [(t, line)]) with each line's arrival time."""
    lines = []
    started = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as handle:
        handle.write("$ " + " ".join(command) + "\n")
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   env=env, cwd=cwd, text=True, bufsize=1)
        for line in process.stdout:
            now = time.monotonic() - started
            lines.append((now, line.rstrip("\n")))
            handle.write(f"[{now:8.2f}] {line}")
            if marker and marker(line):
                log(f"    [{now:6.1f} s] {line.strip()[:110]}")
        code = process.wait()
    return time.monotonic() - started, code, lines


def time_workbook(args, class_dir: Path, out: Path, logs: Path) -> dict:
    workbook = args.workbook_cmd
    # The grader takes its secret from a file only (a command line is readable by every process).
    seed_file = logs / "grading-seed"
    seed_file.write_text(str(args.seed))
    command = [workbook, "grade", str(class_dir), "--out", str(out), "--jobs", str(args.jobs),
               "--seed-file", str(seed_file)]
    log(f"\n== workbook grade (--jobs {args.jobs}) ==\n$ {' '.join(command)}")
    load = os.getloadavg()[0]
    seconds, code, lines = run_streamed(command, logs / "workbook-grade.log", grader_environment(),
                                        cwd=ROOT, marker=lambda l: l.startswith("["))
    if code != 0:
        raise StepFailed("workbook grade", f"exited with {code}:\n" + tail("\n".join(l for _, l in lines)),
                         f"full output in {logs / 'workbook-grade.log'}")
    scores = {}
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            fixed = {"submission", "chapter", "score", "max_score", "error"}
            scores[row["submission"]] = {
                "score": float(row["score"] or 0), "max_score": float(row["max_score"] or 0),
                "error": row.get("error", ""),
                "exercises": {k: float(v) for k, v in row.items() if k not in fixed and v != ""},
            }
    # results.json: "seconds" per submission (busy time in one job), and where the
    # grader reports them, its split into cells / checks / overhead.
    per_submission, breakdown, isolation, cached = {}, {}, set(), 0
    for name in scores:
        results = out / name / "results.json"
        if not results.is_file():
            continue
        data = json.loads(results.read_text(encoding="utf-8"))
        if isinstance(data.get("seconds"), (int, float)):
            per_submission[name] = data["seconds"]
        breakdown[name] = {k: data[k] for k in TIMING_FIELDS if isinstance(data.get(k), (int, float))}
        if data.get("isolation"):
            isolation.add(str(data["isolation"]))
        cached += bool(data.get("cached"))
    return {"seconds": seconds, "scores": scores, "per_submission_seconds": per_submission,
            "breakdown": breakdown, "isolation": sorted(isolation), "cached": cached, "load_before": load,
            "command": " ".join(command)}


TIMING_FIELDS = ("seconds", "seconds_in_cells", "seconds_in_checks", "overhead_seconds", "worker_starts")


def time_nbgrader(args, course: Path, env: dict, logs: Path, assignment: str) -> dict:
    command = [str(args.env / "bin" / "nbgrader"), "autograde", assignment, "--force"]
    log(f"\n== nbgrader autograde (sequential, a fresh kernel per notebook) ==\n$ {' '.join(command)}")
    load = os.getloadavg()[0]
    # nbgrader logs "Creating/updating student with ID 'student01'" as it starts each one.
    pattern = re.compile(r"Creating/updating student with ID '([^']+)'")
    seconds, code, lines = run_streamed(command, logs / "nbgrader-autograde.log", env, cwd=course,
                                        marker=lambda l: pattern.search(l) is not None)
    if code != 0:
        raise StepFailed("nbgrader autograde", f"exited with {code}:\n" + tail("\n".join(l for _, l in lines)),
                         f"full output in {logs / 'nbgrader-autograde.log'}")
    starts = [(t, m.group(1)) for t, line in lines for m in [pattern.search(line)] if m]
    per_submission = {}
    for (t0, name), (t1, _) in zip(starts, starts[1:] + [(seconds, None)]):
        per_submission[name] = round(t1 - t0, 2)
    warnings = [line for _, line in lines
                if re.search(r"(WARNING|ERROR|CRITICAL)\b|Warning:|Error:", line)]
    return {"seconds": seconds, "scores": nbgrader_scores(args, course, env, assignment),
            "per_submission_seconds": per_submission, "warnings": warnings, "load_before": load,
            "command": " ".join(command)}


# -------------------------------------------------------------------- report


def fmt(x: float) -> str:
    return f"{x:.2f}" if x < 100 else f"{x:.1f}"


def summarize(chapter: Chapter, students: list[Student], ours: dict, theirs: dict) -> dict:
    agree_total, agree_ex, diffs = 0, 0, []
    counts = {"workbook": {"full": 0, "zero": 0}, "nbgrader": {"full": 0, "zero": 0}}
    for student in students:
        a = ours["scores"].get(student.name)
        b = theirs["scores"].get(student.name)
        for key, row in (("workbook", a), ("nbgrader", b)):
            if row and row["max_score"]:
                counts[key]["full"] += row["score"] == row["max_score"]
                counts[key]["zero"] += row["score"] == 0
        if not (a and b):
            diffs.append(f"{student.name}: missing from {'workbook' if not a else 'nbgrader'}")
            continue
        agree_total += abs(a["score"] - b["score"]) < 1e-9
        for exercise_id in chapter.exercise_ids:
            mine = a["exercises"].get(exercise_id, 0.0)
            gid = grade_id(exercise_id)
            theirs_ex = sum(v or 0.0 for k, v in b["cells"].items() if k.startswith(gid + "--"))
            if abs(mine - theirs_ex) < 1e-9:
                agree_ex += 1
            else:
                diffs.append(f"{student.name} {exercise_id} ({student.kinds[exercise_id]}): "
                             f"workbook {mine:g}, nbgrader {theirs_ex:g}")
    return {"same_total": agree_total, "same_exercise_scores": agree_ex,
            "exercise_scores_compared": len(students) * len(chapter.exercise_ids),
            "full_and_zero": counts, "differences": diffs}


def print_report(n: int, jobs: int, ours: dict, theirs: dict, agreement: dict, students) -> None:
    rows = [("grader", "submissions", "total s", "per-submission s", "note")]
    ours_busy = list(ours["per_submission_seconds"].values())
    rows.append((f"workbook grade --jobs {jobs}", str(n), fmt(ours["seconds"]), fmt(ours["seconds"] / n),
                 f"busy {statistics.median(ours_busy):.2f} s median per submission (results.json)"
                 if ours_busy else "results.json had no seconds"))
    theirs_each = list(theirs["per_submission_seconds"].values())
    rows.append(("nbgrader autograde", str(n), fmt(theirs["seconds"]), fmt(theirs["seconds"] / n),
                 f"{statistics.median(theirs_each):.2f} s median per notebook (log times)"
                 if theirs_each else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    log("\n== results ==")
    for i, row in enumerate(rows):
        log("  ".join(c.ljust(w) if j == 0 else c.rjust(w) if j < 4 else c
                      for j, (c, w) in enumerate(zip(row, widths))).rstrip())
        if i == 0:
            log("  ".join("-" * w for w in widths))
    log(f"\nratio nbgrader/workbook (total wall time): {theirs['seconds'] / ours['seconds']:.2f}x")
    log(f"1-minute load average before each: workbook {ours['load_before']:.2f}, "
        f"nbgrader {theirs['load_before']:.2f} ({os.cpu_count()} CPUs; other work on the machine skews both)")
    if ours.get("isolation"):
        log(f"workbook isolation: {', '.join(ours['isolation'])}")
    if ours.get("cached"):
        log(f"WARNING: {ours['cached']} workbook result(s) came from its cache; the time is not a full grade")
    c = agreement["full_and_zero"]
    log(f"\nscore agreement: same total for {agreement['same_total']}/{n} submissions, "
        f"same points for {agreement['same_exercise_scores']}/{agreement['exercise_scores_compared']} "
        f"(submission, exercise) pairs")
    log(f"  full marks: workbook {c['workbook']['full']}, nbgrader {c['nbgrader']['full']}; "
        f"zero: workbook {c['workbook']['zero']}, nbgrader {c['nbgrader']['zero']}")
    for line in agreement["differences"][:15]:
        log(f"  differs: {line}")
    if len(agreement["differences"]) > 15:
        log(f"  ... {len(agreement['differences']) - 15} more in the JSON file")
    if theirs.get("warnings"):
        kinds = warning_kinds(theirs["warnings"])
        log(f"\nnbgrader printed {len(theirs['warnings'])} warning/error line(s), {len(kinds)} kind(s):")
        for line, count in list(kinds.items())[:10]:
            log(f"  {count:4d} x {line[:150]}")


def warning_kinds(lines: list[str]) -> dict[str, int]:
    """Warning lines with names, hashes, paths and line numbers folded, counted."""
    kinds: dict[str, int] = {}
    for line in lines:
        line = re.sub(r"for cell \S+", "for cell <cell>", line)
        line = re.sub(r"\b[0-9a-f]{32}\b", "<md5>", line)
        line = re.sub(r"'student\d+'", "'<student>'", line)
        line = re.sub(r"\S*/site-packages/", "", line)
        line = re.sub(r"\.py:\d+:", ".py:", line)
        kinds[line] = kinds.get(line, 0) + 1
    return kinds


# ----------------------------------------------------------------------- main


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--students", type=int, default=None, help="class size (default 20; 4 with --quick)")
    p.add_argument("--quick", action="store_true", help="a smoke test: 4 submissions")
    p.add_argument("--jobs", type=int, default=2, help="workbook grade --jobs (default 2)")
    p.add_argument("--chapter", default=CHAPTER, help=argparse.SUPPRESS)  # for developing the benchmark
    p.add_argument("--seed", type=int, default=0, help="picks the answers; also the grading secret (workbook grade --seed-file)")
    p.add_argument("--work", type=Path, default=BENCH / ".work",
                   help="scratch folder for the class, the course and logs (default benchmarks/.work)")
    p.add_argument("--env", type=Path, default=BENCH / ".nbgrader-venv",
                   help="nbgrader's virtual environment (default benchmarks/.nbgrader-venv)")
    p.add_argument("--fresh", action="store_true", help="delete and rebuild the nbgrader env")
    p.add_argument("--setup-only", action="store_true", help="only make the nbgrader env")
    p.add_argument("--torch-spec", default="torch==2.13.0",
                   help="torch requirement for the nbgrader env (default torch==2.13.0, the CPU build here)")
    p.add_argument("--torch-index", default=None, help="pip --index-url for torch (e.g. the CPU wheel index)")
    p.add_argument("--workbook-cmd", default=None, help="the workbook CLI (default: next to this Python)")
    p.add_argument("--cell-timeout", type=int, default=300, help="nbgrader's per-cell timeout (s)")
    p.add_argument("--results", type=Path, default=BENCH / "results" / "latest.json",
                   help="where the figures go (default benchmarks/results/latest.json)")
    args = p.parse_args(argv)
    args.students = args.students or (4 if args.quick else 20)
    if args.students < 2:
        p.error("--students must be at least 2")
    if args.jobs < 1:
        p.error("--jobs must be at least 1")
    args.work, args.env = args.work.resolve(), args.env.resolve()
    if args.workbook_cmd is None:
        beside = Path(sys.executable).parent / "workbook"
        args.workbook_cmd = str(beside) if beside.is_file() else (shutil.which("workbook") or "workbook")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    logs = args.work / "logs"
    try:
        if not args.setup_only:
            args.work.mkdir(parents=True, exist_ok=True)
            for name in ("class", "workbook-out", "course", "logs"):
                shutil.rmtree(args.work / name, ignore_errors=True)
        logs.mkdir(parents=True, exist_ok=True)
        env_record = ensure_nbgrader_env(args, logs)
        env = nbgrader_environment(args)
        kernel = check_kernel(args, env)
        log(f"nbgrader kernel: {kernel}")
        if args.setup_only:
            return 0

        project = Project(ROOT)
        try:
            chapter = load_chapter(project, args.chapter)
        except FileNotFoundError as error:
            raise StepFailed("reading chapter 3", str(error),
                             "chapter 3 (chapter, solutions, checks, wrong answers) must exist") from error
        students = make_class(chapter, args.students, args.seed)
        class_dir = args.work / "class"
        write_workbook_class(chapter, students, class_dir)
        course = args.work / "course"
        make_nbgrader_course(args, chapter, students, course, env, logs)
        log(f"class: {len(students)} submissions x {len(chapter.exercise_ids)} exercises "
            f"(seed {args.seed}) in {class_dir} and {course / 'submitted'}")

        ours = time_workbook(args, class_dir, args.work / "workbook-out", logs)
        theirs = time_nbgrader(args, course, env, logs, chapter.key)
        agreement = summarize(chapter, students, ours, theirs)
        print_report(len(students), args.jobs, ours, theirs, agreement, students)

        n = len(students)
        result = {
            "benchmark": "workbook grade vs nbgrader autograde, chapter 3",
            "when": time.strftime("%Y-%m-%d %H:%M:%S"),
            "mode": "quick" if args.quick else "full",
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                        "python": platform.python_version()},
            "environment": dict(GRADER_ENV),
            "class": {"submissions": n, "exercises": chapter.exercise_ids, "seed": args.seed,
                      "answers": {s.name: s.kinds for s in students}},
            "workbook": {"command": ours["command"], "jobs": args.jobs,
                         "total_s": round(ours["seconds"], 2),
                         "per_submission_s": round(ours["seconds"] / n, 3),
                         "results_json": ours["breakdown"],
                         "isolation": ours["isolation"],
                         "load_average_before": round(ours["load_before"], 2),
                         "cached_results": ours["cached"],
                         "scores": {k: v["score"] for k, v in ours["scores"].items()},
                         "max_score": max((v["max_score"] for v in ours["scores"].values()), default=0)},
            "nbgrader": {"command": theirs["command"], "jobs": 1,
                         "total_s": round(theirs["seconds"], 2),
                         "per_submission_s": round(theirs["seconds"] / n, 3),
                         "log_seconds": theirs["per_submission_seconds"],
                         "load_average_before": round(theirs["load_before"], 2),
                         "scores": {k: v["score"] for k, v in theirs["scores"].items()},
                         "max_score": max((v["max_score"] for v in theirs["scores"].values()), default=0),
                         "warnings": warning_kinds(theirs["warnings"]),
                         "env": {k: env_record.get(k) for k in
                                 ("install_seconds", "step_seconds", "installed_at", "versions", "reused")},
                         "kernel": kernel},
            "ratio_nbgrader_over_workbook": round(theirs["seconds"] / ours["seconds"], 3),
            "agreement": agreement,
        }
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        log(f"\nfigures: {args.results}")
        log(f"logs:    {logs}")
        return 0
    except StepFailed as failure:
        print(f"\nbenchmark failed while {failure.step}:\n{failure.detail}", file=sys.stderr)
        if failure.hint:
            print(f"\nto retry: {failure.hint}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
