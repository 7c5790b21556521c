"""Run profiles: one setting chooses how big every chapter's runs are.

``WORKBOOK_PROFILE`` selects one of three profiles:

* ``tiny``    -- tests and CI: a chapter runs in well under a minute;
* ``default`` -- a laptop CPU: a few minutes a chapter, meaningful results;
* ``full``    -- the D2L book's hyperparameters, meant for a GPU.

Chapters state all three values where they use them, so a reader sees the
book's setting next to the one actually run::

    num_epochs = PROFILE.pick(tiny=1, default=5, full=10)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TypeVar

ENV_VAR = "WORKBOOK_PROFILE"
NAMES = ("tiny", "default", "full")
DEFAULT_NAME = "default"

T = TypeVar("T")


@dataclass(frozen=True)
class Profile:
    name: str

    def pick(self, *, tiny: T, default: T, full: T) -> T:
        """Return the value that belongs to this profile."""
        return {"tiny": tiny, "default": default, "full": full}[self.name]

    @property
    def is_tiny(self) -> bool:
        return self.name == "tiny"

    def __str__(self) -> str:
        return self.name


def current_profile() -> Profile:
    """The profile chosen by ``WORKBOOK_PROFILE`` (``default`` when unset)."""
    name = os.environ.get(ENV_VAR, "").strip().lower() or DEFAULT_NAME
    if name not in NAMES:
        raise ValueError(
            f"{ENV_VAR}={name!r} is not a profile; choose one of "
            f"{', '.join(NAMES)} (for example: export {ENV_VAR}=tiny)."
        )
    return Profile(name)


def describe() -> str:
    """One line for a chapter's setup cell."""
    profile = current_profile()
    return f"profile: {profile.name} (set {ENV_VAR}=tiny|default|full to change)"
