"""The explicit switch for generated stand-in data (never a silent substitute)."""

from __future__ import annotations

import os
import sys

MOCK_ENV_VAR = "WORKBOOK_MOCK_DATA"
_announced: set[str] = set()


def mock_enabled() -> bool:
    return os.environ.get(MOCK_ENV_VAR, "").strip().lower() in {"1", "true", "yes", "on"}


def announce(dataset: str) -> None:
    """Say, once per data set, that what follows is generated data."""
    if dataset in _announced:
        return
    _announced.add(dataset)
    banner = (
        f"*** MOCK DATA: {dataset} is replaced by generated data ({MOCK_ENV_VAR} is set). "
        "Every loss and accuracy below is measured on random data and says nothing "
        "about the real data set. ***"
    )
    print(banner, file=sys.stdout, flush=True)
