"""``workbook validate`` catches an incomplete or unsound chapter."""

import shutil

import pytest

from workbook.grading.validate import findings_table, static_findings, validate
from workbook.project import Project

from conftest import REPO

MINI = REPO / "tests" / "fixtures" / "mini"


@pytest.mark.slow
@pytest.mark.parametrize("chapter", ["ch98", "ch99"])
def test_validate_passes_a_sound_chapter(chapter):
    findings = validate(Project(MINI), [chapter], log=lambda *a: None)
    assert all(f.ok for f in findings), findings_table(findings)


def test_validate_reports_missing_solution_and_checks(tmp_path):
    project_root = tmp_path / "mini"
    shutil.copytree(MINI, project_root)
    solutions = project_root / "solutions" / "ch99_mini.py"
    solutions.write_text(solutions.read_text().split('# %% exercise="ch99.negate"')[0])
    hidden = project_root / "tests" / "checks" / "hidden" / "ch99_mini.py"
    hidden.write_text(hidden.read_text().split('@checks.hidden("ch99.negate"')[0])
    findings = {f.what: f for f in static_findings(Project(project_root), "ch99")}
    assert not findings["solutions"].ok and "ch99.negate" in findings["solutions"].detail
    assert not findings["hidden checks"].ok and "ch99.negate" in findings["hidden checks"].detail
    assert findings["visible checks"].ok


@pytest.mark.slow
def test_validate_fails_when_a_solution_is_wrong(tmp_path):
    project_root = tmp_path / "mini"
    shutil.copytree(MINI, project_root)
    solutions = project_root / "solutions" / "ch99_mini.py"
    solutions.write_text(solutions.read_text().replace("return -np.asarray(x)", "return np.asarray(x)"))
    findings = validate(Project(project_root), ["ch99"], log=lambda *a: None)
    failed = [f for f in findings if not f.ok]
    assert [f.what for f in failed] == ["solved scores full marks"]
    assert "ch99.negate" in failed[0].detail
