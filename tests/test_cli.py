"""The ``workbook`` command's answers to wrong arguments: one clear line, no traceback."""

import re

import pytest

from workbook.cli import main


@pytest.mark.parametrize(
    "argv, message",
    [
        (["grade", "samples", "--out", "OUT", "--jobs", "0"], "--jobs: must be more than 0"),
        (["grade", "samples", "--out", "OUT", "--memory-limit", "0"], "--memory-limit: must be more than 0"),
        (["grade", "samples", "--out", "OUT", "--memory-limit", "lots"], "'lots' is not a number"),
        (["grade", "samples", "--out", "OUT", "--max-processes", "0"], "--max-processes: must be more than 0"),
        (["grade", "samples", "--out", "OUT", "--jobs", "2.5"], "'2.5' is not a whole number"),
        (["build", "--out", "A_FILE"], "is a file, not a folder"),
        (["release", "--out", "A_FILE/inside"], "is a file, not a folder"),
        (["grade", "samples", "--out", "A_FILE"], "is a file, not a folder"),
    ],
)
def test_bad_arguments_are_refused_before_any_work(argv, message, tmp_path, capsys):
    (tmp_path / "A_FILE").write_text("keep me")
    argv = [str(tmp_path / a) if a in ("OUT", "A_FILE", "A_FILE/inside") else a for a in argv]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error
    assert (tmp_path / "A_FILE").read_text() == "keep me"
    assert not (tmp_path / "OUT").exists()


def test_an_unknown_profile_is_one_clear_line(monkeypatch, capsys):
    monkeypatch.setenv("WORKBOOK_PROFILE", "huge")
    assert main(["validate", "ch02"]) == 2
    error = capsys.readouterr().err
    assert "WORKBOOK_PROFILE='huge' is not a profile; choose one of tiny, default, full" in error


def test_data_info_lists_what_the_cache_holds(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WORKBOOK_DATA", str(tmp_path / "empty-cache"))
    assert main(["data"]) == 0
    out = capsys.readouterr().out
    for name in ("fashion_mnist", "mnist", "house_prices", "time_machine", "fra_eng"):
        assert re.search(rf"^  {name} +missing$", out, re.MULTILINE), out
    assert not (tmp_path / "empty-cache").exists()
    assert "workbook data download fashion_mnist mnist house_prices time_machine fra_eng" in out
