"""The bank-transfer interface (the face check's is in face_h5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class ProviderUnavailable(Exception):
    """The external provider could not be reached or answered nonsense."""


@dataclass(frozen=True)
class Transfer:
    """One micro-deposit the provider made."""

    reference: str
    account_name: str
    account_number: str
    amount_fen: int
    at: datetime


class BankTransferProvider(Protocol):
    """Sends a small amount to a corporate account."""

    sandbox: bool

    async def send(self, *, account_name: str, account_number: str, amount_fen: int) -> Transfer:
        """Send `amount_fen` (1..99) to the account; return the provider's record."""
        ...
