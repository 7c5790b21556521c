"""The attack suite (tests/attacks/): no trick scores a point it did not earn,
every other exercise is still graded, nothing outside the output folder
changes, and the honest classmate keeps full marks."""

import hashlib
import re
import socket
import threading

import numpy as np
import pytest

from workbook.exercises.build import notebook_text
from workbook.exercises.cells import read_cells
from workbook.grading.batch import grade_class
from workbook.grading.evaluate import check_seed
from workbook.grading.sandbox import BUBBLEWRAP, PROCESS, bubblewrap_works
from workbook.project import Project

from conftest import REPO

ATTACKS = REPO / "tests" / "attacks"
MINI = Project(REPO / "tests" / "fixtures" / "mini")
SEED = "attack-suite"


def _header(path):
    text = path.read_text()
    expect = dict(
        (k, float(v)) for k, v in re.findall(r"(ch\d\d\.\w+)=(\d+)", re.search(r"# expect: (.*)", text).group(1))
    )
    return expect, "# needs: sandbox" in text


ATTACK_FILES = sorted(p for p in ATTACKS.glob("*.py"))
# Attacks on model exercises: the mini project's chapter ch98, graded as a class of its own.
MODEL_ATTACK_FILES = sorted((ATTACKS / "models").glob("*.py"))


def _classmate_answers() -> str:
    """What the victim's grading run fed to double(): hard-coding it must not help."""
    seed = check_seed("ch99.double", f"seed:{SEED}:victim")
    visible = np.random.default_rng(seed).normal(size=4)
    hidden = np.random.default_rng(seed).normal(size=(3, 2))
    return repr({4: (2 * visible).tolist(), 6: (2 * hidden).ravel().tolist()})


class Listener:
    """A loopback server that would hand out the right answer to anyone."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            conn.sendall(b"def double(x):\n    return 2 * np.asarray(x)\n")
            conn.close()


def _tree_digest(folder):
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path).encode() + path.read_bytes())
    return digest.hexdigest()


def _grade(tmp_path_factory, isolation, files):
    folder = tmp_path_factory.mktemp(f"class-{isolation}")
    out = tmp_path_factory.mktemp(f"graded-{isolation}")
    canary = tmp_path_factory.mktemp("canary") / "canary.txt"
    canary.write_text("untouched")
    listener = Listener()
    for path in files:
        text = (path.read_text().replace("{{PORT}}", str(listener.port))
                .replace("{{CANARY}}", str(canary))
                .replace("{{CLASSMATE_ANSWERS}}", _classmate_answers()))
        (folder / path.name).write_text(text)
    good = read_cells(folder / "victim.py")
    (folder / "truncated.ipynb").write_text(notebook_text(good)[:200])
    (folder / "not_utf8.ipynb").write_bytes(b'{"cells": ["\xff\xfe\xfa"]}')
    before = _tree_digest(MINI.root)
    run = grade_class([folder], MINI, out, jobs=2, seed=SEED, isolation=isolation,
                      use_cache=False, log=lambda *a: None)
    return {
        "results": {r.submission: r for r in run.results},
        "run": run, "out": out, "canary": canary, "listener": listener,
        "project_unchanged": before == _tree_digest(MINI.root),
    }


def _grade_at(tmp_path_factory, isolation, files):
    """Grade under ``isolation``: the sandbox needs bubblewrap; the weaker
    level is not asked to stop the attacks that need the sandbox."""
    if isolation == BUBBLEWRAP and not bubblewrap_works():
        pytest.skip("bubblewrap is not available here (apt-get install bubblewrap)")
    if isolation == PROCESS:
        files = [p for p in files if not _header(p)[1]]
    return _grade(tmp_path_factory, isolation, files)


def _graded_class(isolation, files):
    """A module fixture: ``files`` graded as one class under ``isolation``."""
    @pytest.fixture(scope="module")
    def graded(tmp_path_factory):
        return _grade_at(tmp_path_factory, isolation, files)
    return graded


sandboxed = _graded_class(BUBBLEWRAP, ATTACK_FILES)
process_only = _graded_class(PROCESS, ATTACK_FILES)
models_sandboxed = _graded_class(BUBBLEWRAP, MODEL_ATTACK_FILES)
models_process_only = _graded_class(PROCESS, MODEL_ATTACK_FILES)


def _check_scores(graded, path):
    expect, _ = _header(path)
    result = graded["results"][path.stem]
    assert result.error == ""
    got = {e.exercise_id: e.score for e in result.exercises}
    assert got == expect, f"{path.stem}: {got} != {expect}"


@pytest.mark.slow
@pytest.mark.parametrize("path", ATTACK_FILES, ids=lambda p: p.stem)
def test_attack_in_the_sandbox(sandboxed, path):
    _check_scores(sandboxed, path)


@pytest.mark.slow
@pytest.mark.parametrize("path", [p for p in ATTACK_FILES if not _header(p)[1]], ids=lambda p: p.stem)
def test_attack_with_process_isolation(process_only, path):
    _check_scores(process_only, path)


@pytest.mark.slow
def test_sandbox_leaves_everything_outside_the_output_folder_alone(sandboxed):
    assert sandboxed["canary"].read_text() == "untouched"
    assert sandboxed["project_unchanged"]
    assert sandboxed["listener"].connections == 0
    assert sandboxed["run"].isolation == BUBBLEWRAP
    out = sandboxed["out"]
    assert "write_results,ch99,9,9" not in (out / "gradebook.csv").read_text()
    victim = (out / "victim" / "results.json").read_text()
    assert '"score": 9.0' in victim and "999" not in victim


@pytest.mark.slow
@pytest.mark.parametrize("graded_name", ["sandboxed", "process_only"])
def test_broken_files_get_error_rows_and_the_batch_completes(graded_name, request):
    graded = request.getfixturevalue(graded_name)
    results = graded["results"]
    assert "truncated" in results["truncated"].error
    assert "UTF-8" in results["not_utf8"].error
    assert all(r.error or r.complete for r in results.values())


@pytest.mark.slow
def test_isolation_level_is_recorded(sandboxed, process_only):
    for graded, level in ((sandboxed, BUBBLEWRAP), (process_only, PROCESS)):
        for name, result in graded["results"].items():
            text = (graded["out"] / name / "results.json").read_text()
            assert f'"isolation": "{level}"' in text


@pytest.mark.slow
@pytest.mark.parametrize("path", MODEL_ATTACK_FILES, ids=lambda p: p.stem)
@pytest.mark.parametrize("graded_name", ["models_sandboxed", "models_process_only"])
def test_model_attack(graded_name, path, request):
    _check_scores(request.getfixturevalue(graded_name), path)
