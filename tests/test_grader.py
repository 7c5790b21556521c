"""Grader v1 edge cases on a miniature chapter (tests/fixtures/mini).

One class is graded once (the worker start dominates the cost); each test
then reads one submission's result.
"""

import csv
import json

import pytest

from workbook.exercises.build import notebook_text, percent_text, replace_exercises
from workbook.exercises.cells import Cell, read_cells
from workbook.grading.batch import grade_class
from workbook.project import Project

from conftest import REPO

MINI = Project(REPO / "tests" / "fixtures" / "mini")
TEMPLATE = read_cells(MINI.chapter_file("ch99"))

GOOD = {
    "ch99.double": "# exercise: ch99.double\ndef double(x):\n    return 2 * np.asarray(x)\n",
    "ch99.total": "# exercise: ch99.total\ndef total(values):\n    return float(np.sum(values))\n",
    "ch99.negate": "# exercise: ch99.negate\ndef negate(x):\n    return -np.asarray(x)\n",
}


def _with(**answers):
    return replace_exercises(TEMPLATE, {**GOOD, **{k.replace("_", ".", 1): v for k, v in answers.items()}})


def _class(folder):
    """Write the test class; returns {name: expected score or None}."""
    files = {}

    def nb(name, cells):
        (folder / f"{name}.ipynb").write_text(notebook_text(cells))

    nb("good", _with())
    (folder / "good_script.py").write_text(percent_text(_with()))
    # No "# %%" markers: the exercise lines alone split it (what precedes the first is dropped).
    (folder / "plain_script.py").write_text(
        "import numpy as np\nraise SystemExit('not an answer')\n\n"
        + "\n".join(c.source for c in _with() if c.exercise_id))
    nb("stub", TEMPLATE)
    nb("os_exit", _with(ch99_double="# exercise: ch99.double\nimport os\n"
                                     "def double(x):\n    os._exit(3)\n"))
    nb("endless", _with(ch99_total="# exercise: ch99.total\nwhile True:\n    pass\n"))
    nb("sys_exit", _with(ch99_negate="# exercise: ch99.negate\nimport sys\nsys.exit(0)\n"))
    nb("crash_in_call", _with(ch99_negate="# exercise: ch99.negate\ndef negate(x):\n"
                                           "    return 1 / 0\n"))
    nb("warns", _with(ch99_double="# exercise: ch99.double\nimport sys, warnings\n"
                                   "def double(x):\n    warnings.warn('careful', UserWarning)\n"
                                   "    print('to stderr', file=sys.stderr)\n"
                                   "    return 2 * np.asarray(x)\n"))
    # Deleted, duplicated, retyped and metadata-stripped cells.
    cells = [c for c in _with() if c.exercise_id != "ch99.total"]
    nb("deleted_cell", cells)
    cells = _with()
    wrong_copy = Cell("code", "# exercise: ch99.negate\ndef negate(x):\n    return x\n", {})
    nb("duplicated_last_wins", [*cells, Cell("markdown", "late edit"), wrong_copy])
    cells = [Cell("markdown", c.source, {}) if c.exercise_id == "ch99.double" else c for c in _with()]
    nb("retyped_markdown", cells)
    cells = [Cell(c.kind, c.source, {}) for c in _with()]
    nb("stripped_metadata", cells)
    edited = [*_with(), Cell("code", "raise SystemExit('student edit outside exercises')", {})]
    nb("edits_elsewhere", edited)
    (folder / "truncated.ipynb").write_text(notebook_text(_with())[:300])
    (folder / "latin1.ipynb").write_bytes("{\"cells\": [\"caf\xe9\"]}".encode("latin-1"))
    (folder / "not_a_workbook.ipynb").write_text(notebook_text([Cell("code", "x = 1")]))
    return files


EXPECTED = {
    "good": 9, "good_script": 9, "plain_script": 9, "stub": 0, "os_exit": 6, "endless": 6, "sys_exit": 6,
    "crash_in_call": 6, "warns": 9, "deleted_cell": 6, "duplicated_last_wins": 6,
    "retyped_markdown": 6, "stripped_metadata": 9, "edits_elsewhere": 9,
}
UNGRADABLE = {"truncated": "truncated", "latin1": "UTF-8", "not_a_workbook": "no exercise cells"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    out = tmp_path_factory.mktemp("graded")
    _class(folder)
    results = grade_class([folder], MINI, out, jobs=2, seed="tests", log=lambda *a: None).results
    return {r.submission: r for r in results}, out


@pytest.mark.slow
@pytest.mark.parametrize("name,score", sorted(EXPECTED.items()))
def test_scores(graded, name, score):
    results, _ = graded
    assert results[name].error == ""
    assert results[name].score == score, results[name].to_dict()
    assert results[name].max_score == 9


@pytest.mark.slow
@pytest.mark.parametrize("name,reason", sorted(UNGRADABLE.items()))
def test_malformed_submissions_get_a_clear_error_row(graded, name, reason):
    results, out = graded
    assert reason in results[name].error
    rows = {r["submission"]: r for r in csv.DictReader(open(out / "gradebook.csv"))}
    assert reason in rows[name]["error"]
    assert rows[name]["score"] == ""  # no score, not 0 of 0
    assert (out / name / "feedback.md").read_text().count("could not be graded") == 1


@pytest.mark.slow
def test_gradebook_layout(graded):
    _, out = graded
    header = next(csv.reader(open(out / "gradebook.csv")))
    assert header[:4] == ["submission", "chapter", "score", "max_score"]
    assert header[4:7] == ["ch99.double", "ch99.total", "ch99.negate"]
    rows = {r["submission"]: r for r in csv.DictReader(open(out / "gradebook.csv"))}
    assert rows["os_exit"]["ch99.double"] == "0" and rows["os_exit"]["ch99.negate"] == "3"


@pytest.mark.slow
def test_reports_written_for_each_submission(graded):
    results, out = graded
    for name in results:
        data = json.loads((out / name / "results.json").read_text())
        assert data["submission"] == name
        assert data["isolation"] in ("bubblewrap", "process")
        assert (out / name / "feedback.html").read_text().startswith("<!doctype html>")


@pytest.mark.slow
def test_crash_and_loop_explained_in_feedback(graded):
    results, out = graded
    assert "exit code 3" in (out / "os_exit" / "feedback.md").read_text()
    assert "no answer within" in (out / "endless" / "feedback.md").read_text()
    assert "SystemExit" in (out / "sys_exit" / "feedback.md").read_text()
    assert "ZeroDivisionError" in (out / "crash_in_call" / "feedback.md").read_text()


@pytest.mark.slow
def test_warnings_shown_but_never_fail(graded):
    results, out = graded
    double = next(e for e in results["warns"].exercises if e.exercise_id == "ch99.double")
    assert double.score == 3
    assert any("careful" in w for c in double.checks for w in c.warnings)
    assert "careful" in (out / "warns" / "feedback.md").read_text()
    assert "careful" in (out / "warns" / "feedback.html").read_text()


def test_library_deprecations_are_not_shown_to_students(tmp_path):
    import warnings

    from workbook.grading.local import warnings_worth_showing

    library_file = tmp_path / "site.py"
    library_file.write_text("")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn_explicit("internal", DeprecationWarning, str(library_file), 1)
        warnings.warn_explicit("yours", DeprecationWarning, "<exercise ch99.double>", 2)
        warnings.warn_explicit("odd shape", UserWarning, str(library_file), 3)
        warnings.warn_explicit("odd shape", UserWarning, str(library_file), 4)
    assert warnings_worth_showing(caught) == ["DeprecationWarning: yours", "UserWarning: odd shape"]


def test_a_class_of_unreadable_files_never_starts_a_worker(tmp_path, monkeypatch):
    from workbook.grading import pool
    from workbook.grading.report import gradebook_table

    def no_workers(*args, **kwargs):
        raise AssertionError("a worker pool was started for files that cannot be graded")

    monkeypatch.setattr(pool, "ForkServerHandle", no_workers)
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "empty.ipynb").write_text("")
    (tmp_path / "class" / "truncated.ipynb").write_text(notebook_text(_with())[:300])
    lines = []
    run = grade_class([tmp_path / "class"], MINI, tmp_path / "out", jobs=2, seed="t", log=lines.append)
    assert [r.submission for r in run.results] == ["empty", "truncated"]
    assert all("not valid notebook JSON" in r.error for r in run.results)
    assert not any("warm worker pool" in line for line in lines)
    table = gradebook_table(run.results)
    # The table says which rows were not graded, then gives each error in full.
    for result in run.results:
        assert f"  {result.submission}: {result.error}" in table
    rows = list(csv.DictReader(open(tmp_path / "out" / "gradebook.csv")))
    assert [row["error"] for row in rows] == [r.error for r in run.results]


@pytest.mark.slow
def test_rebuild_notes(graded):
    results, _ = graded
    assert any("last one was graded" in n for n in results["duplicated_last_wins"].notes)
    missing = next(e for e in results["deleted_cell"].exercises if e.exercise_id == "ch99.total")
    assert missing.status == "missing"


@pytest.mark.slow
def test_hidden_inputs_depend_on_the_student(tmp_path):
    """The same notebook under two names gets different hidden-check inputs."""
    from workbook.grading.evaluate import check_seed

    assert check_seed("ch99.double", "run:alice") != check_seed("ch99.double", "run:bob")


def test_file_names_cannot_break_the_output_folder(tmp_path):
    """A submission called gradebook.csv.ipynb, or a name that is not UTF-8,
    still leaves one gradebook file and a report per submission."""
    from workbook.grading.batch import submission_names

    assert submission_names([tmp_path / "gradebook.csv.ipynb"]) == ["gradebook.csv-submission"]
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "gradebook.csv.ipynb").write_text("{ not json")
    (folder / "eve\udcff.ipynb").write_text("{ not json")  # the byte 0xff on disk
    out = tmp_path / "out"
    run = grade_class([folder], MINI, out, jobs=1, seed="t", log=lambda *a: None)
    assert (out / "gradebook.csv").is_file()
    rows = list(csv.DictReader(open(out / "gradebook.csv", encoding="utf-8")))
    assert sorted(row["submission"] for row in rows) == ["eve", "gradebook.csv-submission"]
    assert any("eve\\xff.ipynb is not valid notebook JSON" in row["error"] for row in rows)
    for result in run.results:
        assert (out / result.submission / "feedback.md").is_file()


# ------------------------------------------------ grader hardening (issue 9)

STRAY_WRITER = '''# exercise: ch99.double
import ctypes, os, time
# A stray that dodges a sweep of /proc (a name that is not UTF-8, a session of
# its own) and rewrites whatever the grader wrote, after the grader is done.
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        ctypes.CDLL(None).prctl(15, b"\\xff\\xfe", 0, 0, 0)
        time.sleep(4)
        for path in {targets!r}:
            with open(path, "w") as out:
                out.write("FORGED")
    os._exit(0)
time.sleep(0.3)
def double(x):
    return 2 * np.asarray(x)
'''


@pytest.mark.slow
def test_a_stray_cannot_outlive_gradescope_and_rewrite_its_results(tmp_path, monkeypatch):
    """Every process a worker started ends with it (a PID namespace per
    worker), even one the /proc sweep cannot read."""
    import time

    from workbook.cli import main

    out = tmp_path / "results" / "results.json"
    canary = tmp_path / "canary.txt"
    canary.write_text("untouched")
    submission = tmp_path / "sub.ipynb"
    submission.write_text(notebook_text(_with(ch99_double=STRAY_WRITER.format(
        targets=[str(out), str(canary)]))))
    seed = tmp_path / "secret"
    seed.write_text("course secret\n")
    monkeypatch.chdir(MINI.root)
    assert main(["gradescope", str(submission), "--out", str(out), "--seed-file", str(seed),
                 "--chapter", "ch99", "--isolation", "process"]) == 0
    written = out.read_text()
    time.sleep(6)
    assert out.read_text() == written and json.loads(written)["score"] == 9
    assert canary.read_text() == "untouched"


def test_the_secret_is_never_taken_from_the_command_line(tmp_path, capsys):
    from workbook.cli import _seed, parser

    for command in (["grade", "class", "--out", "o"], ["gradescope", "sub.ipynb", "--chapter", "ch99"]):
        with pytest.raises(SystemExit):
            parser().parse_args([*command, "--seed", "s3cret"])
        assert "--seed-file" in capsys.readouterr().err
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    args = parser().parse_args(["grade", "class", "--out", "o", "--seed-file", str(secret)])
    assert _seed(args) == "s3cret"
    with pytest.raises(SystemExit):  # gradescope needs one
        parser().parse_args(["gradescope", "sub.ipynb", "--chapter", "ch99"])


def test_no_silent_fallback_to_process_isolation(monkeypatch):
    from workbook.grading import sandbox

    monkeypatch.setattr(sandbox, "bubblewrap_installed", lambda: False)
    assert sandbox.choose_isolation("auto") == sandbox.PROCESS
    assert "not installed" in sandbox.isolation_note("auto", sandbox.PROCESS)
    assert sandbox.isolation_note(sandbox.PROCESS, sandbox.PROCESS) == ""
    monkeypatch.setattr(sandbox, "bubblewrap_installed", lambda: True)
    monkeypatch.setattr(sandbox, "bubblewrap_problem", lambda: "bwrap: setting up uid map")
    for requested in ("auto", sandbox.BUBBLEWRAP):
        with pytest.raises(sandbox.IsolationError, match="--isolation process"):
            sandbox.choose_isolation(requested)
    assert sandbox.choose_isolation(sandbox.PROCESS) == sandbox.PROCESS


def test_sandbox_probe_runs_the_real_interpreter():
    from workbook.grading import sandbox

    if not sandbox.bubblewrap_installed():
        pytest.skip("bubblewrap is not installed")
    command = sandbox.sandboxed_command(["/bin/true"], {})
    assert sandbox.bubblewrap_problem() == ""
    # ... and what it binds keeps /tmp read-only, the interpreter's paths after it.
    assert command.index("--tmpfs") < command.index("--ro-bind")
    pairs = set(zip(command, command[1:]))
    assert {("--remount-ro", "/tmp"), ("--remount-ro", "/dev"), ("--remount-ro", "/")} <= pairs


def test_the_sandbox_leaves_no_shared_writable_place(tmp_path):
    """/tmp, /dev (and /dev/shm) and the root are read-only in the sandbox,
    even for its own user: a worker writes only to its own home."""
    import subprocess

    from workbook.grading import sandbox

    if not sandbox.bubblewrap_works():
        pytest.skip("bubblewrap does not work here")
    script = "for p in /tmp/x /dev/shm/x /x; do echo 1 > $p && echo WROTE $p; done; true"
    done = subprocess.run(sandbox.sandboxed_command(["/bin/sh", "-c", script], {}),
                          capture_output=True, text=True, timeout=60)
    assert "WROTE" not in done.stdout, done.stdout


def test_grader_side_files_do_not_follow_planted_links(tmp_path):
    """The secret, cache entries and reports are created new and never
    written through a link someone planted in their place."""
    from workbook.grading import safefiles
    from workbook.grading.batch import SECRET_FILE, _secret
    from workbook.grading.session import WorkerSession

    victim = tmp_path / "victim.txt"
    out = tmp_path / "out"
    out.mkdir()
    (out / SECRET_FILE).symlink_to(victim)  # victim does not exist yet
    with pytest.raises(OSError):
        _secret(out, None)
    assert not victim.exists()

    victim.write_text("untouched")
    report = out / "results.json"
    report.symlink_to(victim)
    safefiles.atomic_write(report, b"{}")
    assert victim.read_text() == "untouched" and not report.is_symlink()
    with pytest.raises(FileExistsError):
        safefiles.write_new(out / "results.json", b"x")

    class Server:  # what WorkerSession needs before it starts a worker
        isolation = "process"

    session = WorkerSession(Server())
    try:
        assert session.workdir.stat().st_mode & 0o777 == 0o700
        assert session.output_path.stat().st_mode & 0o077 == 0
    finally:
        session.cleanup()


def test_cache_entries_do_not_follow_planted_links(tmp_path):
    from workbook.grading.cache import ResultCache
    from workbook.grading.runner import SubmissionResult

    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    folder = tmp_path / "cache"
    folder.mkdir()
    cache = ResultCache(folder, MINI, "salt", "process")
    key = cache.key(b"notebook", "ann", "ch99")
    for name in (f".{key}.tmp", f"{key}.json"):
        (folder / name).symlink_to(victim)
    cache.store(key, SubmissionResult("ann", "ann.ipynb", complete=True))
    assert victim.read_text() == "untouched"
    assert cache.load(key).submission == "ann"


@pytest.mark.slow
def test_the_submission_wall_budget_ends_grading_with_a_note(tmp_path):
    from workbook.grading.sandbox import Limits

    folder = tmp_path / "class"
    folder.mkdir()
    slow = "# exercise: ch99.double\nimport time\ntime.sleep(30)\n"
    (folder / "slow.ipynb").write_text(notebook_text(_with(ch99_double=slow)))
    run = grade_class([folder], MINI, tmp_path / "out", jobs=1, seed="t", isolation="process",
                      limits=Limits(submission_seconds=4), log=lambda *a: None)
    result = run.results[0]
    assert result.seconds < 20 and result.score == 0
    assert any("total time budget of 4 s" in note for note in result.notes)
    assert result.limits["submission_seconds"] == 4
    assert all(e.score == 0 for e in result.exercises)


@pytest.mark.slow
def test_a_worker_killed_from_outside_leaves_no_cached_verdict(tmp_path, monkeypatch):
    """An honest student whose worker something else killed loses points this
    time; the verdict is not cached, so a regrade gives them back."""
    import os
    import signal
    import time

    from workbook.grading import runner

    original = runner.WorkerSession.start
    killed = []

    def start_then_get_killed(self):
        seconds = original(self)
        if not killed:  # the first worker: killed by someone else, not by its budget
            killed.append(self.pid)
            os.kill(self.pid, signal.SIGKILL)
            while open(f"/proc/{self.pid}/stat", "rb").read().split(b") ")[1][:1] != b"Z":
                time.sleep(0.01)
        return seconds

    monkeypatch.setattr(runner.WorkerSession, "start", start_then_get_killed)
    folder, out = tmp_path / "class", tmp_path / "out"
    folder.mkdir()
    (folder / "honest.ipynb").write_text(notebook_text(_with()))
    first = grade_class([folder], MINI, out, jobs=1, seed="t", isolation="process",
                        log=lambda *a: None).results[0]
    assert not first.complete and any("killed from outside" in n for n in first.notes)
    monkeypatch.setattr(runner.WorkerSession, "start", original)
    again = grade_class([folder], MINI, out, jobs=1, seed="t", isolation="process",
                        log=lambda *a: None).results[0]
    assert not again.cached and again.score == 9


TREE_HOG = '''# exercise: ch99.double
import os, time
# Four processes of 200 MB each: every one is under a 512 MiB per-process
# limit, together they are over it.
children = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        block = bytearray(200 << 20)
        block[::4096] = b"x" * len(block[::4096])
        time.sleep(3)
        os._exit(0)
    children.append(pid)
ALL_RAN = all(os.waitpid(pid, 0)[1] == 0 for pid in children)
def double(x):
    return 2 * np.asarray(x) if ALL_RAN else np.asarray(x)
'''


@pytest.mark.slow
def test_the_memory_limit_holds_for_a_worker_and_all_it_starts(tmp_path):
    from workbook.grading.cgroups import RLIMIT_ONLY, memory_cgroup_kind
    from workbook.grading.sandbox import Limits

    if memory_cgroup_kind() == RLIMIT_ONLY:
        pytest.skip("no memory cgroup can be made here: only the documented per-process bound")
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "tree.ipynb").write_text(notebook_text(_with(ch99_double=TREE_HOG)))
    run = grade_class([folder], MINI, tmp_path / "out", jobs=1, seed="t", isolation="process",
                      limits=Limits(memory_bytes=512 << 20), log=lambda *a: None)
    result = run.results[0]
    assert result.limits["memory_scope"] == memory_cgroup_kind()
    assert {e.exercise_id: e.score for e in result.exercises} == {
        "ch99.double": 0, "ch99.total": 3, "ch99.negate": 3}
