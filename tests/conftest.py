import os
import sys
from pathlib import Path

# Every test runs on the torch backend and the tiny profile, with figures
# going to a throwaway folder.
os.environ["KERAS_BACKEND"] = "torch"
os.environ.setdefault("WORKBOOK_PROFILE", "tiny")
os.environ.setdefault("MPLBACKEND", "Agg")
# One torch thread: on small CPU machines two threads make step times swing 50x.
os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _figures_to_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_FIGURES", str(tmp_path / "figures"))


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """An empty data cache of the test's own, with mock data off."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("WORKBOOK_DATA", str(folder))
    monkeypatch.delenv("WORKBOOK_MOCK_DATA", raising=False)
    return folder


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
