"""tests/browser.py: a missing browser skips the test here but fails it in CI."""

import pytest

from browser import start_browser


@pytest.mark.parametrize("ci,outcome", [("", pytest.skip.Exception), ("1", pytest.fail.Exception)])
def test_a_missing_chromium_skips_except_in_ci(ci, outcome, monkeypatch, tmp_path):
    monkeypatch.setenv("CHROMIUM", str(tmp_path / "no-such-chromium"))
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="no Chromium found"):
        start_browser()
