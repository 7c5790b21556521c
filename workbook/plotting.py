"""Plots for chapters: a live learning-curve callback and a line-plot helper.

In a notebook the figure is redrawn in place after every epoch. Run as a
script (or under the grader) there is no screen, so the final figure is saved
as a PNG under ``WORKBOOK_FIGURES`` (default ``figures/``) instead.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Sequence

import keras

FIGURES_ENV_VAR = "WORKBOOK_FIGURES"


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where figures can be shown inline)."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    ipython = shell.get_ipython()
    return ipython is not None and "IPKernelApp" in getattr(ipython, "config", {})


def pyplot():
    import matplotlib

    if not in_notebook():
        matplotlib.use("Agg")  # no display when run as a script or in CI
    import matplotlib.pyplot as plt

    return plt


def figure_path(name: str) -> Path:
    """Where a figure called ``name`` is saved when not in a notebook."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "figure"
    folder = Path(os.environ.get(FIGURES_ENV_VAR, "figures"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{slug}.png"


def show_or_save(fig, name: str) -> Path | None:
    plt = pyplot()
    if in_notebook():
        from IPython import display

        display.display(fig)
        plt.close(fig)
        return None
    path = figure_path(name)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    print(f"[figure saved to {path}]")
    return path


def plot(
    x,
    ys: Sequence | dict,
    *,
    xlabel: str = "",
    ylabel: str = "",
    yscale: str = "linear",
    title: str = "",
    name: str = "plot",
    figsize=(5, 3.5),
):
    """Draw one or more curves over ``x``.

    ``ys`` is either a dict ``{label: values}`` or a list of value arrays.
    Returns the saved PNG path when not in a notebook, else None.
    """
    plt = pyplot()
    curves = ys.items() if isinstance(ys, dict) else ((None, y) for y in ys)
    fig, ax = plt.subplots(figsize=figsize)
    for label, values in curves:
        ax.plot(x, values, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_yscale(yscale)
    if title:
        ax.set_title(title)
    if isinstance(ys, dict):
        ax.legend()
    ax.grid(True, alpha=0.3)
    return show_or_save(fig, name)


def scatter(
    x,
    ys: Sequence | dict,
    *,
    xlabel: str = "",
    ylabel: str = "",
    title: str = "",
    name: str = "scatter",
    figsize=(5, 3.5),
    size: float = 4,
):
    """Draw one or more point clouds over ``x`` (no connecting lines).

    ``ys`` is either a dict ``{label: values}`` or a list of value arrays, as
    for :func:`plot`. Returns the saved PNG path when not in a notebook, else
    None.
    """
    if size <= 0:
        raise ValueError(f"size must be positive, got {size}")
    plt = pyplot()
    clouds = ys.items() if isinstance(ys, dict) else ((None, y) for y in ys)
    fig, ax = plt.subplots(figsize=figsize)
    for label, values in clouds:
        ax.scatter(x, values, s=size, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if isinstance(ys, dict):
        ax.legend()
    ax.grid(True, alpha=0.3)
    return show_or_save(fig, name)


class LivePlot(keras.callbacks.Callback):
    """Learning curves that update after every epoch.

    ``metrics`` names the logs to draw (default: every loss in the logs).
    In a notebook the figure is redrawn in place; otherwise the final figure
    is saved as ``figures/<name>.png`` when training ends.
    """

    def __init__(
        self,
        metrics: Sequence[str] | None = None,
        *,
        name: str = "learning_curves",
        yscale: str = "linear",
        every: int = 1,
    ):
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        self.metrics = list(metrics) if metrics else None
        self.name = name
        self.yscale = yscale
        self.every = every
        self.history: dict[str, list[float]] = {}
        self.epochs: list[int] = []
        self.saved_path: Path | None = None
        self._handle = None

    def on_train_begin(self, logs=None):
        self.history = {}
        self.epochs = []
        self._handle = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        names = self.metrics or [k for k in logs if k.endswith("loss")]
        self.epochs.append(epoch + 1)
        for key in names:
            if key in logs:
                self.history.setdefault(key, []).append(float(logs[key]))
        if in_notebook() and (epoch + 1) % self.every == 0:
            from IPython import display

            # Update one figure in place; clear_output would also wipe the
            # epoch lines that fit(verbose=2) prints.
            figure = self._figure()
            if self._handle is None:
                self._handle = display.display(figure, display_id=True)
            else:
                self._handle.update(figure)
            pyplot().close(figure)

    def on_train_end(self, logs=None):
        if not in_notebook() and self.history:
            self.saved_path = show_or_save(self._figure(), self.name)

    def _figure(self):
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(5, 3.5))
        for key, values in self.history.items():
            ax.plot(self.epochs[-len(values) :], values, label=key, marker=".")
        ax.set_xlabel("epoch")
        ax.set_yscale(self.yscale)
        ax.legend()
        ax.grid(True, alpha=0.3)
        return fig
