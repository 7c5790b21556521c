"""A missing data set ends a chapter with its message alone.

The error is raised deep inside TFDS's builders, so a plain traceback runs to
some 60 lines before the one that says what to do. ``report_uncaught`` is
called just before such an error is raised: should nobody catch it, a script
prints the message alone (and exits 1) and a notebook cell shows it alone.
Other errors keep their tracebacks; code that catches the error (``workbook
data download``, tests) sees the exception as usual.
"""

from __future__ import annotations

import sys

PREFIX = "workbook: "


def report_uncaught(error_type: type[BaseException]) -> None:
    """Show uncaught ``error_type`` errors as their message alone, from now on."""
    previous = sys.excepthook
    if getattr(previous, "_workbook_clean", None) is not error_type:
        def hook(kind, value, tb):
            if issubclass(kind, error_type):
                print(f"{PREFIX}{value}", file=sys.stderr)
            else:
                previous(kind, value, tb)

        hook._workbook_clean = error_type
        sys.excepthook = hook
    shell = _ipython_shell()
    if shell is not None:
        def show(shell, kind, value, tb, tb_offset=None):
            print(f"{PREFIX}{value}", file=sys.stderr)

        shell.set_custom_exc((error_type,), show)


def _ipython_shell():
    ipython = sys.modules.get("IPython")  # only when already imported: never import it here
    return ipython.get_ipython() if ipython is not None else None
