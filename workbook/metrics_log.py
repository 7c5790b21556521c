"""Monitoring without TensorFlow: a callback that logs every epoch's metrics
to a JSON-lines file, and plots of several runs side by side (chapter 12).

``keras.callbacks.TensorBoard`` imports TensorFlow to write its event files,
so it fails on a torch-only install; ``CSVLogger`` works but keeps one file
per run with no notion of runs to compare. A JSON line per epoch is easy to
append to, to read while training runs, and to diff.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import keras
import numpy as np

from workbook.plotting import pyplot, show_or_save


class FileLogger(keras.callbacks.Callback):
    """Append ``{"run", "epoch", "seconds", <logs>...}`` per epoch to ``path``.

    ``weights=True`` adds the mean absolute value and standard deviation of
    every weight (what TensorBoard's histograms are mostly looked at for).
    """

    def __init__(self, path, run: str, weights: bool = False):
        super().__init__()
        if not run:
            raise ValueError("run must be a non-empty name")
        self.path, self.run, self.weights = Path(path), run, weights
        self._start = 0.0

    def on_train_begin(self, logs=None):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        record = {"run": self.run, "epoch": epoch + 1,
                  "seconds": round(time.perf_counter() - self._start, 3)}
        record.update({key: float(value) for key, value in (logs or {}).items()})
        if self.weights:
            for weight in self.model.weights:
                values = keras.ops.convert_to_numpy(weight)
                record[f"{weight.path}/mean_abs"] = float(np.mean(np.abs(values)))
                record[f"{weight.path}/std"] = float(np.std(values))
        with self.path.open("a") as log:
            log.write(json.dumps(record) + "\n")


def read_log(path) -> dict[str, dict[str, list[float]]]:
    """``{run: {metric: values by epoch}}`` from a FileLogger file."""
    runs: dict[str, dict[str, list[float]]] = {}
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            run = record.pop("run")
        except (json.JSONDecodeError, KeyError, AttributeError):
            raise ValueError(f"{path}:{number} is not a FileLogger record") from None
        metrics = runs.setdefault(run, {})
        for key, value in record.items():
            metrics.setdefault(key, []).append(value)
    return runs


def plot_runs(runs: dict[str, dict[str, list[float]]], metrics, *, name: str = "runs",
              yscale: str = "linear", mock: bool | None = None):
    """One panel per metric, one curve per run, over the epochs (marked as mock
    data as ``workbook.plotting.show_or_save`` decides from ``mock``)."""
    metrics = list(metrics)
    if not metrics or not runs:
        raise ValueError("plot_runs needs at least one run and one metric")
    plt = pyplot()
    fig, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 3.2), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for run, logged in runs.items():
            if metric in logged:
                ax.plot(logged.get("epoch", range(1, len(logged[metric]) + 1)), logged[metric],
                        marker=".", label=run)
        ax.set_title(metric)
        ax.set_xlabel("epoch")
        ax.set_yscale(yscale)
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return show_or_save(fig, name, mock)
