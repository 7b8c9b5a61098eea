"""What review's routes and event handlers are given: built once, in bootstrap.py."""

from __future__ import annotations

from dataclasses import dataclass

from .config import Settings


@dataclass(frozen=True)
class ReviewDeps:
    """The review service's dependencies beyond the unit of work."""

    settings: Settings

    @property
    def reason_codes(self) -> list[str]:
        """Return the rejection reason codes this deployment allows."""
        return self.settings.reason_codes
