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


def _mock_data() -> bool:
    from workbook.datasets.mock import mock_enabled

    return mock_enabled()


def mark_mock(fig) -> None:
    """Write "MOCK DATA" across a figure made while generated data stands in
    for a real data set, so the picture cannot pass for a real result."""
    fig.text(0.5, 0.5, "MOCK DATA", transform=fig.transFigure, ha="center", va="center",
             fontsize=28, color="red", alpha=0.25, rotation=20, zorder=10)


def show_or_save(fig, name: str, mock: bool | None = None) -> Path | None:
    """Show ``fig`` inline in a notebook, else save it as a PNG. A figure made
    on mock data is marked so, and saved as ``<name>_mock.png`` so it never
    overwrites (or is mistaken for) the figure of a real run. ``mock=None``
    follows ``WORKBOOK_MOCK_DATA``; ``mock=False`` is for data that are real
    whatever that switch says (the sets that ship with scikit-learn)."""
    plt = pyplot()
    if _mock_data() if mock is None else mock:
        mark_mock(fig)
        name = f"{name}_mock"
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
    xscale: str = "linear",
    title: str = "",
    name: str = "plot",
    figsize=(5, 3.5),
    mock: bool | None = False,
):
    """Draw one or more curves over ``x``.

    ``ys`` is either a dict ``{label: values}`` or a list of value arrays.
    Returns the saved PNG path when not in a notebook, else None. Curves are
    mostly of functions and generated data, so they are not marked as mock
    data unless ``mock`` says so (``None``: ``WORKBOOK_MOCK_DATA`` decides,
    for curves measured on a data set that may be mocked).
    """
    plt = pyplot()
    curves = ys.items() if isinstance(ys, dict) else ((None, y) for y in ys)
    fig, ax = plt.subplots(figsize=figsize)
    for label, values in curves:
        ax.plot(x, values, label=label, marker=_marker(len(values)))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_yscale(yscale)
    ax.set_xscale(xscale)  # "symlog" spans a grid that includes 0, e.g. weight decays 0 .. 600
    if xscale == "symlog":
        ax.set_xlim(min(x), max(x))  # no empty negative decades on the left
    if title:
        ax.set_title(title)
    if isinstance(ys, dict):
        ax.legend()
    ax.grid(True, alpha=0.3)
    return show_or_save(fig, name, mock)


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
    mock: bool | None = False,
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
    return show_or_save(fig, name, mock)


def _marker(count: int) -> str | None:
    # a handful of points is easier to read as dots; a single point is only a dot
    return "o" if count <= 30 else None


def _is_accuracy(key: str) -> bool:
    return "acc" in key


def _base(key: str) -> str:
    return key[4:] if key.startswith("val_") else key


class LivePlot(keras.callbacks.Callback):
    """Learning curves that update after every ``every`` epochs.

    ``metrics`` names the logs to draw (default: every loss in the logs).
    Losses (and other errors) go on the left panel; accuracies, when asked
    for, get a panel of their own on a 0-1 axis. The figure has a title
    (``title``, default from ``name``), labelled axes and whole-number epoch
    ticks. In a notebook it is redrawn in place and once more when training
    ends; otherwise the final figure is saved as ``figures/<name>.png``.
    """

    def __init__(
        self,
        metrics: Sequence[str] | None = None,
        *,
        name: str = "learning_curves",
        title: str | None = None,
        yscale: str = "linear",
        every: int = 1,
        mock: bool | None = None,
    ):
        super().__init__()
        self.mock = mock  # None: WORKBOOK_MOCK_DATA decides (see show_or_save)
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        self.metrics = list(metrics) if metrics else None
        self.name = name
        self.title = title if title is not None else name.replace("_", " ")
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
            self._redraw()

    def on_train_end(self, logs=None):
        if not self.history:
            return
        if in_notebook():
            self._redraw()  # the last epochs, whatever ``every`` skipped
        else:
            self.saved_path = show_or_save(self._figure(), self.name, self.mock)

    def _redraw(self):
        from IPython import display

        # Update one figure in place; clear_output would also wipe the
        # epoch lines that fit(verbose=2) prints.
        figure = self._figure()
        if _mock_data() if self.mock is None else self.mock:
            mark_mock(figure)
        if self._handle is None:
            self._handle = display.display(figure, display_id=True)
        else:
            self._handle.update(figure)
        pyplot().close(figure)

    def _figure(self):
        from matplotlib.ticker import MaxNLocator

        plt = pyplot()
        errors = {k: v for k, v in self.history.items() if not _is_accuracy(k)}
        accuracies = {k: v for k, v in self.history.items() if _is_accuracy(k)}
        panels = [group for group in (errors, accuracies) if group]
        fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.5), squeeze=False)
        for ax, group in zip(axes[0], panels):
            for key, values in group.items():
                ax.plot(self.epochs[-len(values):], values, label=key,
                        marker=_marker(len(values)))
            ax.set_xlabel("epoch")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylabel(" / ".join(dict.fromkeys(_base(k) for k in group)))
            if group is accuracies:
                ax.set_ylim(0, 1)
            else:
                ax.set_yscale(self.yscale)
            ax.legend()
            ax.grid(True, alpha=0.3)
        fig.suptitle(self.title)
        fig.tight_layout()
        return fig
