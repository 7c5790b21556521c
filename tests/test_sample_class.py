"""The demo's sample class is current and grades as its names promise."""

import subprocess
import sys

import pytest

from workbook.grading.batch import grade_class
from workbook.project import Project

from conftest import REPO


def test_sample_class_is_up_to_date():
    out = subprocess.run([sys.executable, str(REPO / "samples" / "make_sample_class.py"), "--check"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.slow
def test_sample_class_grades(tmp_path):
    run = grade_class([REPO / "samples" / "ch03_class"], Project(REPO), tmp_path, jobs=2,
                      seed="demo", log=lambda *a: None)
    results = {r.submission: r for r in run.results}
    assert results["ada_complete"].score == results["ada_complete"].max_score > 0
    assert 0 < results["ben_partial"].score < results["ben_partial"].max_score
    assert 0 < results["chen_partial_script"].score < results["chen_partial_script"].max_score
    for name in ("dana_crashes", "eli_endless_loop"):
        lost = [e for e in results[name].exercises if e.status == "lost"]
        assert len(lost) == 1, name
        others = [e for e in results[name].exercises if e.status == "graded" and e.score == e.max_score]
        assert len(others) >= len(results[name].exercises) - 2
    assert "not valid notebook JSON" in results["fay_truncated"].error
