"""workbook.metrics_log: the file logger and side-by-side run plots (chapter 12)."""

import keras
import numpy as np
import pytest

from workbook.metrics_log import FileLogger, plot_runs, read_log


def tiny_fit(logger, epochs=3):
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1, name="out")(inputs))
    model.compile("sgd", "mse")
    return model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=epochs, verbose=0,
                     validation_data=(np.ones((4, 2)), np.ones((4, 1))), callbacks=[logger])


def test_file_logger_writes_one_record_per_epoch_for_each_run(tmp_path):
    path = tmp_path / "logs" / "runs.jsonl"
    history = tiny_fit(FileLogger(path, "a", weights=True))
    tiny_fit(FileLogger(path, "b"), epochs=2)
    runs = read_log(path)
    assert set(runs) == {"a", "b"}
    assert runs["a"]["epoch"] == [1, 2, 3] and len(runs["b"]["loss"]) == 2
    np.testing.assert_allclose(runs["a"]["loss"], history.history["loss"])
    assert "val_loss" in runs["a"] and "out/kernel/std" in runs["a"]
    assert "out/kernel/std" not in runs["b"]


def test_read_log_names_a_bad_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"run": "a", "epoch": 1}\nnot json\n')
    with pytest.raises(ValueError, match="bad.jsonl:2"):
        read_log(path)


def test_file_logger_needs_a_run_name(tmp_path):
    with pytest.raises(ValueError, match="run"):
        FileLogger(tmp_path / "x.jsonl", "")


def test_plot_runs_saves_a_figure(tmp_path):
    runs = {"a": {"epoch": [1, 2], "loss": [1.0, 0.5]}, "b": {"epoch": [1, 2], "loss": [2.0, 1.0]}}
    path = plot_runs(runs, ["loss"], name="runs_test")
    assert path is not None and path.exists()
    with pytest.raises(ValueError, match="at least one"):
        plot_runs(runs, [])
