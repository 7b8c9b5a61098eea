"""What notify's routes and event handlers are given: built once, in bootstrap.py."""

from __future__ import annotations

from dataclasses import dataclass

from .adapters.channels import Channel
from .config import Settings


@dataclass(frozen=True)
class NotifyDeps:
    """The notify service's dependencies beyond the unit of work."""

    settings: Settings
    channels: dict[str, Channel]  # "email", "sms": where copies of notifications go

    @property
    def providers(self) -> dict[str, str]:
        """Return each channel's provider ("sandbox" records instead of sending)."""
        return {kind: ch.provider for kind, ch in self.channels.items()}

    @property
    def https_only(self) -> bool:
        """Tell whether webhook endpoints must be https (production)."""
        return self.settings.environment == "production"

    @property
    def allow_private(self) -> bool:
        """Tell whether webhook endpoints may be in private ranges (a development setting)."""
        return self.settings.webhook_allow_private_targets

    @property
    def allow_loopback(self) -> bool:
        """Tell whether webhook endpoints may be on this machine (a development setting)."""
        return self.settings.webhook_allow_loopback_targets
