"""Keras Workbook: the helper package every chapter imports first.

Importing ``workbook`` selects Keras' torch backend (before Keras itself is
imported) and exposes the few helpers chapters share.
"""

from workbook.backend import ensure_torch_backend
from workbook.threads import limit_torch_threads

ensure_torch_backend()
limit_torch_threads()  # one torch thread: faster on the chapters' small models (workbook/threads.py)

from workbook.profiles import current_profile  # noqa: E402
from workbook.seeding import set_seed  # noqa: E402

__version__ = "0.1.0"


def __getattr__(name: str):
    # PROFILE is read on first use rather than at import, so that a bad
    # WORKBOOK_PROFILE is reported by whoever uses it (the CLI prints one clear
    # line) instead of breaking every `import workbook.anything`.
    if name == "PROFILE":
        profile = current_profile()
        globals()["PROFILE"] = profile
        return profile
    raise AttributeError(f"module 'workbook' has no attribute {name!r}")


def check(exercise_id: str) -> None:
    """Run the visible checks of one exercise against this notebook's code.

    Call it in the cell right after an exercise; it prints what passes and
    what fails and never raises, so "Run all" keeps going. It returns nothing,
    so the cell shows its report alone, with no ``Out[n]: True`` under it
    (``workbook.grading.selfcheck.check_in_notebook`` answers pass/fail).
    """
    from workbook.grading.selfcheck import check_in_notebook

    check_in_notebook(exercise_id)


__all__ = ["PROFILE", "check", "current_profile", "set_seed", "__version__"]
