"""The provider interfaces the service layer talks to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class ProviderUnavailable(Exception):
    """The external provider could not be reached or answered nonsense."""


@dataclass(frozen=True)
class FaceResult:
    """What a face check said about one person."""

    passed: bool
    reference: str
    reason: str | None = None


@dataclass(frozen=True)
class Transfer:
    """One micro-deposit the provider made."""

    reference: str
    account_name: str
    account_number: str
    amount_fen: int
    at: datetime


class FaceCheckProvider(Protocol):
    """Checks that a live face belongs to the holder of a resident ID number."""

    sandbox: bool

    async def check(self, *, name: str, id_number: str, test_flag: str | None = None) -> FaceResult:
        """Run one face check."""
        ...


class BankTransferProvider(Protocol):
    """Sends a small amount to a corporate account."""

    sandbox: bool

    async def send(self, *, account_name: str, account_number: str, amount_fen: int) -> Transfer:
        """Send `amount_fen` (1..99) to the account; return the provider's record."""
        ...
