"""The student's path: self-check, notebook output, data errors, the bundle."""

import hashlib
import json
import os
import subprocess
import sys

from workbook import cli
from workbook.exercises.build import build
from workbook.grading.program import missing_cell_reason
from workbook.project import Project

from conftest import REPO

PROJECT = Project(REPO)


def _solved_notebook(tmp_path, chapter="ch02"):
    build(PROJECT, tmp_path, [chapter])
    return next((tmp_path / "solved").glob(f"{chapter}_*.ipynb"))


def _drop_exercise_marks(notebook, exercise_id):
    """What a student does who deletes the `# exercise:` line and the metadata."""
    data = json.loads(notebook.read_text())
    for cell in data["cells"]:
        source = "".join(cell["source"])
        if cell["metadata"].get("exercise") == exercise_id or f"# exercise: {exercise_id}" in source:
            cell["metadata"].pop("exercise", None)
            cell["source"] = [line for line in source.splitlines(keepends=True)
                              if f"exercise: {exercise_id}" not in line]
    notebook.write_text(json.dumps(data))


def test_self_check_names_an_exercise_whose_cell_is_gone(tmp_path, capsys):
    notebook = _solved_notebook(tmp_path)
    assert cli.main(["check", str(notebook)]) == 0  # the solutions pass
    full = capsys.readouterr().out
    _drop_exercise_marks(notebook, "ch02.slicing")
    assert cli.main(["check", str(notebook)]) == 1
    out = capsys.readouterr().out
    assert f"ch02.slicing: 0/" in out and missing_cell_reason("ch02.slicing") in out
    full_total = full.split("visible checks: ")[1].split(" points")[0]
    earned, total = out.split("visible checks: ")[1].split(" points")[0].split("/")
    assert total == full_total.split("/")[1] and float(earned) < float(total)


def test_a_check_cell_shows_its_report_alone(capsys):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.run_cell("from workbook import check\ncheck('ch02.slicing')", store_history=True)
    finally:
        InteractiveShell.clear_instance()
    out = capsys.readouterr().out
    assert "ch02.slicing: 0/" in out and "hidden checks" in out  # the report...
    assert "Out[" not in out  # ...and no `Out[1]: False` under it


def _unreachable_fashion_mnist(tmp_path, monkeypatch):
    from workbook.datasets import builders, cache

    remote = {k: cache.RemoteFile(n, ((tmp_path / "nowhere" / n).as_uri(),), "0", "md5")
              for k, n in builders.IDX_NAMES.items()}
    monkeypatch.setattr(builders.WorkbookFashionMnist, "REMOTE", remote)
    monkeypatch.setenv("WORKBOOK_DATA", str(tmp_path / "cache"))
    monkeypatch.delenv("WORKBOOK_MOCK_DATA", raising=False)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test


def test_a_chapter_script_without_data_stops_with_the_message_alone(tmp_path):
    script = tmp_path / "chapter.py"
    script.write_text("from workbook.datasets import load_fashion_mnist\nload_fashion_mnist()\n")
    unreachable = "http://127.0.0.1:9"  # nothing listens there: every download fails at once
    env = {**os.environ, "WORKBOOK_DATA": str(tmp_path / "cache"), "https_proxy": unreachable,
           "http_proxy": unreachable, "no_proxy": "", "PYTHONPATH": str(REPO)}
    env.pop("WORKBOOK_MOCK_DATA", None)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr, out.stderr
    assert out.stderr.startswith("workbook: could not download train-images")
    assert "workbook data download fashion_mnist" in out.stderr and "WORKBOOK_MOCK_DATA" in out.stderr
    assert "Downloading and preparing" not in out.stdout + out.stderr  # no TFDS banner


def test_a_notebook_cell_without_data_shows_the_message_alone(tmp_path, monkeypatch, capsys):
    from IPython.core.interactiveshell import InteractiveShell

    _unreachable_fashion_mnist(tmp_path, monkeypatch)
    shell = InteractiveShell.instance()
    try:
        result = shell.run_cell("from workbook.datasets import load_fashion_mnist\n"
                                "load_fashion_mnist()")
        other = shell.run_cell("1 / 0")  # other errors keep their traceback
    finally:
        InteractiveShell.clear_instance()
    captured = capsys.readouterr()
    assert not result.success and not other.success
    assert "workbook: could not download" in captured.err
    assert "workbook data download fashion_mnist" in captured.err
    assert "cache.py" not in captured.out + captured.err  # no frames
    assert "ZeroDivisionError" in captured.out + captured.err


def test_data_download_tries_every_set_and_fails_at_the_end(tmp_path, monkeypatch, capsys):
    from workbook.datasets import cache, tables

    _unreachable_fashion_mnist(tmp_path, monkeypatch)
    served = tmp_path / "served"
    served.mkdir()
    for attr in ("HOUSE_TRAIN", "HOUSE_TEST"):
        path = served / getattr(tables, attr).name
        path.write_text("Id,LotArea\n1,100\n")
        sha1 = hashlib.sha1(path.read_bytes()).hexdigest()
        monkeypatch.setattr(tables, attr, cache.RemoteFile(path.name, (path.as_uri(),), sha1, "sha1"))
    assert cli.main(["data", "download", "fashion_mnist", "house_prices"]) == 1
    captured = capsys.readouterr()
    assert "house_prices: ready" in captured.out  # tried after fashion_mnist failed
    failures = [line for line in captured.err.splitlines() if "FAILED" in line]
    assert len(failures) == 1 and failures[0].startswith("fashion_mnist: FAILED: could not download")
    assert "workbook data download fashion_mnist" in captured.err.splitlines()[-1]
    assert "Traceback" not in captured.err


def test_downloads_use_https():
    from workbook.datasets import builders, tables

    remotes = [tables.HOUSE_TRAIN, tables.HOUSE_TEST]
    for builder in (builders.WorkbookFashionMnist, builders.WorkbookMnist):
        remotes += builder.REMOTE.values()
    urls = [url for remote in remotes for url in remote.urls]
    assert urls and all(url.startswith("https://") for url in urls), urls


def test_preparing_a_data_set_prints_no_tfds_noise(tmp_path, monkeypatch, capfd):
    from test_datasets import _serve_fake_fashion_mnist

    monkeypatch.setenv("WORKBOOK_DATA", str(tmp_path / "cache"))
    monkeypatch.delenv("WORKBOOK_MOCK_DATA", raising=False)
    _serve_fake_fashion_mnist(tmp_path / "served", monkeypatch)
    assert cli.main(["data", "download", "fashion_mnist"]) == 0
    captured = capfd.readouterr()
    printed = captured.out + captured.err
    assert "fashion_mnist: ready" in captured.out
    assert "Downloading and preparing" not in printed and "downloaded and prepared" not in printed
    assert "Generating" not in printed  # TFDS's progress bars
