"""Make sure Keras runs on the torch backend.

Keras picks its backend once, when it is first imported, from the
``KERAS_BACKEND`` environment variable (or ``~/.keras/keras.json``). The
workbook therefore has to set the variable *before* anything imports Keras,
and must refuse to continue when Keras was already loaded on another backend:
mixing backends gives errors far from their cause.
"""

from __future__ import annotations

import os
import sys

BACKEND = "torch"


class BackendError(RuntimeError):
    """Keras is (or would be) running on a backend other than torch."""


def ensure_torch_backend() -> None:
    """Select the torch backend, or explain how to fix a wrong one."""
    keras_module = sys.modules.get("keras")
    if keras_module is not None:
        current = _loaded_backend(keras_module)
        if current != BACKEND:
            raise BackendError(
                f"Keras is already imported on the {current!r} backend, but the "
                "workbook needs 'torch'. Restart the kernel (or Python) and "
                "import workbook before keras, or set the environment variable "
                "KERAS_BACKEND=torch before starting Python."
            )
        return
    requested = os.environ.get("KERAS_BACKEND")
    if requested and requested != BACKEND:
        raise BackendError(
            f"KERAS_BACKEND is set to {requested!r}, but the workbook needs "
            "'torch'. Unset it or set KERAS_BACKEND=torch, then restart."
        )
    os.environ["KERAS_BACKEND"] = BACKEND


def _loaded_backend(keras_module) -> str:
    try:
        return keras_module.config.backend()
    except AttributeError:  # a half-imported or very old keras
        return os.environ.get("KERAS_BACKEND", "unknown")
