"""The sandbox bank: no real money; clearly labelled (the sandbox face check is in face_h5)."""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from collections import deque
from datetime import datetime

from servicekit.blobs import BlobStore
from servicekit.db import utcnow

from .base import Transfer

log = logging.getLogger("signing.sandbox")

_TRANSFERS = "sandbox/transfers/"


class SandboxBankTransfer:
    """Record the amount instead of sending it; operators read it back from `sent`."""

    sandbox = True

    def __init__(self, *, keep: int = 1000, blobs: BlobStore | None = None) -> None:
        self.sent: deque[Transfer] = deque(maxlen=keep)
        self.keep = keep
        # with a blob store, every replica's operator view shows every replica's transfers
        self.blobs = blobs

    async def send(self, *, account_name: str, account_number: str, amount_fen: int) -> Transfer:
        """Pretend to send the amount and remember it."""
        transfer = Transfer(
            reference=f"sandbox-tx-{uuid.uuid4().hex[:12]}",
            account_name=account_name,
            account_number=account_number,
            amount_fen=amount_fen,
            at=utcnow(),
        )
        self.sent.append(transfer)
        if self.blobs is not None:
            key = f"{_TRANSFERS}{transfer.at:%Y%m%dT%H%M%S%f}-{transfer.reference}.json"
            await self.blobs.put(
                key, json.dumps(dataclasses.asdict(transfer), default=str).encode()
            )
        log.warning("SANDBOX bank transfer (no real money moved) ref=%s", transfer.reference)
        return transfer

    async def recent(self) -> list[Transfer]:
        """Return the transfers made, newest first (every replica's, given a blob store)."""
        if self.blobs is None:
            return list(reversed(self.sent))
        keys = (await self.blobs.keys(_TRANSFERS))[-self.keep :]
        out = []
        for key in reversed(keys):
            raw = json.loads(await self.blobs.get(key))
            raw["at"] = datetime.fromisoformat(raw["at"])
            out.append(Transfer(**raw))
        return out
