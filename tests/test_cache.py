"""Regrading an unchanged class reuses verdicts and says so; any change regrades."""

import shutil

import pytest

from workbook.exercises.build import percent_text, replace_exercises
from workbook.exercises.cells import read_cells
from workbook.grading.batch import grade_class
from workbook.project import Project

from conftest import REPO

GOOD = {
    "ch99.double": "# exercise: ch99.double\ndef double(x):\n    return 2 * np.asarray(x)\n",
    "ch99.total": "# exercise: ch99.total\ndef total(values):\n    return float(np.sum(values))\n",
    "ch99.negate": "# exercise: ch99.negate\ndef negate(x):\n    return -np.asarray(x)\n",
}


@pytest.mark.slow
def test_cache_reuses_unchanged_and_regrades_changed(tmp_path):
    root = tmp_path / "mini"
    shutil.copytree(REPO / "tests" / "fixtures" / "mini", root)
    project = Project(root)
    template = read_cells(project.chapter_file("ch99"))
    folder, out = tmp_path / "class", tmp_path / "out"
    folder.mkdir()
    for name in ("ann", "ben"):
        (folder / f"{name}.py").write_text(percent_text(replace_exercises(template, GOOD)))
    messages = []

    def grade():
        messages.clear()
        return grade_class([folder], project, out, jobs=1, log=messages.append)

    first = grade()
    assert first.cached == 0 and [r.score for r in first.results] == [9, 9]

    again = grade()
    assert again.cached == 2 and all(r.cached for r in again.results)
    assert any("unchanged since the last grading" in m for m in messages)
    assert [r.score for r in again.results] == [9, 9]

    wrong = dict(GOOD, **{"ch99.negate": "# exercise: ch99.negate\ndef negate(x):\n    return x\n"})
    (folder / "ben.py").write_text(percent_text(replace_exercises(template, wrong)))
    changed = grade()
    assert changed.cached == 1 and [r.score for r in changed.results] == [9, 6]

    checks = root / "tests" / "checks" / "hidden" / "ch99_mini.py"
    checks.write_text(checks.read_text() + "\n# a harmless edit to the checks\n")
    after_checks = grade()
    assert after_checks.cached == 0


def test_every_setting_that_can_change_a_verdict_is_in_the_key():
    """A regrade with other limits, budgets or isolation never reuses a verdict."""
    from workbook.grading.cache import ResultCache
    from workbook.grading.sandbox import Limits
    from workbook.grading.session import verdict_settings

    project = Project(REPO / "tests" / "fixtures" / "mini")

    def key(isolation="process", **limits):
        cache = ResultCache(REPO, project, "salt", isolation, verdict_settings(Limits(**limits)))
        return cache.key(b"notebook", "ann", "ch99")

    keys = [key(), key("bubblewrap"), key(memory_bytes=1 << 30), key(processes=8),
            key(file_bytes=1 << 20), key(submission_seconds=60)]
    assert len(set(keys)) == len(keys)
    assert key() == key()
