"""benchmarks/chapter_times.py: the per-chapter timing script measures the
chapter's own process and judges it against its profile's budget."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "chapter_times.py"


@pytest.fixture
def chapter_times(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("chapter_times", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "chapter_times", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    (tmp_path / "chapters").mkdir()
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "WORK", tmp_path / "work")
    return module, tmp_path


def write_chapter(root, name, body):
    (root / "chapters" / name).write_text(body)


def test_it_measures_the_chapters_cpu_and_memory_not_its_own(chapter_times, capsys):
    module, root = chapter_times
    write_chapter(root, "ch98_busy.py",
                  "import os, time\nassert os.environ['WORKBOOK_PROFILE'] == 'tiny'\n"
                  "block = bytearray(200 * 1024 * 1024)\n"
                  "end = time.process_time() + 0.5\nwhile time.process_time() < end: pass\n")
    results = root / "out.json"
    assert module.main(["--profiles", "tiny", "--results", str(results)]) == 0
    [timing] = json.loads(results.read_text())["timings"]
    assert timing["chapter"] == "ch98" and timing["returncode"] == 0
    assert timing["cpu_s"] >= 0.5 and timing["wall_s"] >= timing["cpu_s"] * 0.5
    assert timing["peak_rss_mib"] >= 200
    assert timing["within_budget"] is True
    assert "| ch98 | tiny |" in capsys.readouterr().out


def test_a_failing_chapter_is_reported_with_its_log_and_exit_1(chapter_times, capsys):
    module, root = chapter_times
    write_chapter(root, "ch97_broken.py", "print('before the error')\nraise RuntimeError('boom')\n")
    assert module.main(["--profiles", "tiny", "--results", str(root / "out.json")]) == 1
    out = capsys.readouterr().out
    assert "FAILED (exit 1)" in out
    log = root / "work" / "ch97-tiny.log"
    assert "boom" in log.read_text() and str(log.relative_to(root)) in out


def test_over_budget_fails_only_when_strict(chapter_times, monkeypatch):
    module, root = chapter_times
    write_chapter(root, "ch96_slow.py", "import time\ntime.sleep(0.3)\n")
    monkeypatch.setitem(module.BUDGETS, "tiny", 0.1)
    args = ["--profiles", "tiny", "--results", str(root / "out.json")]
    assert module.main(args) == 0
    assert module.main(args + ["--strict"]) == 3
    assert json.loads((root / "out.json").read_text())["timings"][0]["within_budget"] is False


def test_an_unknown_chapter_names_the_ones_there_are(chapter_times):
    module, root = chapter_times
    write_chapter(root, "ch02_x.py", "")
    with pytest.raises(SystemExit, match="no chapter ch99; the chapters are ch02"):
        module.main(["--chapters", "ch99"])
