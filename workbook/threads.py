"""How many CPU threads torch uses: one, unless asked otherwise.

Measured on the 2-core machines this workbook is written on, shared with
other jobs: an MLP on the digits (Dense 256, batches of 32) took 0.56 s of
CPU for 3 epochs with one torch thread and 10.6 s with torch's default of
two (wall time 3.4 s against 52 s), because the chapters' models are so
small that splitting each product between threads costs more than the
product, and two spinning threads fight the other jobs for the cores. So
the workbook asks for one thread. ``WORKBOOK_TORCH_THREADS=n`` chooses
another number; an ``OMP_NUM_THREADS`` you set yourself is left alone.
"""

from __future__ import annotations

import os
import sys

ENV = "WORKBOOK_TORCH_THREADS"


def limit_torch_threads() -> int | None:
    """Apply the thread count; return it, or None when OMP_NUM_THREADS decides."""
    raw = os.environ.get(ENV)
    if raw is None and "OMP_NUM_THREADS" in os.environ:
        return None  # the user chose, for every OpenMP library at once
    try:
        threads = int(raw if raw is not None else "1")
    except ValueError:
        threads = 0
    if threads < 1:
        raise ValueError(f"{ENV} must be a positive whole number, got {raw!r}")
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    else:
        os.environ["OMP_NUM_THREADS"] = str(threads)  # read by torch when it starts
    return threads
