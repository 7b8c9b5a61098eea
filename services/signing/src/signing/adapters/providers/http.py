"""HTTP providers: JSON calls to a configured bank-transfer (or face-session) endpoint."""

from __future__ import annotations

from typing import Any

import httpx
from servicekit.db import utcnow

from .base import ProviderUnavailable, Transfer


async def _post(
    url: str, *, token: str | None, limit_s: float, body: dict[str, Any]
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    try:
        async with httpx.AsyncClient(timeout=limit_s) as client:
            resp = await client.post(url, json=body, headers=headers)
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(f"{url} unreachable: {type(exc).__name__}") from exc
    if resp.status_code >= 500:
        raise ProviderUnavailable(f"{url} answered {resp.status_code}")
    try:
        data = resp.json()
    except ValueError as exc:
        raise ProviderUnavailable(f"{url} answered non-JSON") from exc
    if not isinstance(data, dict):
        raise ProviderUnavailable(f"{url} answered an unexpected shape")
    return data


class HttpBankTransfer:
    """POST {account_name, account_number, amount_fen} to the endpoint; expects {reference}."""

    sandbox = False

    def __init__(self, *, url: str, token: str | None = None, timeout: float = 10.0) -> None:
        self.url, self.token, self.timeout = url, token, timeout

    async def send(self, *, account_name: str, account_number: str, amount_fen: int) -> Transfer:
        """Ask the bank to send the amount."""
        body = {
            "account_name": account_name,
            "account_number": account_number,
            "amount_fen": amount_fen,
        }
        data = await _post(self.url, token=self.token, limit_s=self.timeout, body=body)
        if not data.get("reference"):
            raise ProviderUnavailable("the bank answered without a transfer reference")
        return Transfer(
            reference=str(data["reference"]),
            account_name=account_name,
            account_number=account_number,
            amount_fen=amount_fen,
            at=utcnow(),
        )
