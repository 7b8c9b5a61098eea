"""An in-memory SigningRepository for use cases under FakeUnitOfWork (no database)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from servicekit.testing import FakeRepository
from signing.adapters.repository import Document
from signing.adapters.tables import DepositChallenge, Envelope, EnvelopeSigner, Invitation
from signing.domain.states import ChallengeStatus, EnvelopeStatus


class FakeSigningRepository(FakeRepository[Envelope]):
    """Envelopes (the aggregates the unit of work collects from), their signers, invitations,
    deposit challenges and documents, answering the queries the use cases make."""

    def __init__(self, *envelopes: Envelope) -> None:
        super().__init__(*envelopes)
        self.signer_rows: dict[str, EnvelopeSigner] = {}
        self.invitations: dict[str, Invitation] = {}
        self.deposits: list[DepositChallenge] = []
        self.documents: dict[str, bytes] = {}
        self.identity_failure_times: list[datetime] = []
        self.locked_credit_codes: list[str] = []

    def add(self, *rows: Any) -> None:  # type: ignore[override]
        for row in rows:
            if isinstance(row, Envelope):
                super().add(row)
            elif isinstance(row, EnvelopeSigner):
                self.signer_rows[row.id] = row
            elif isinstance(row, Invitation):
                self.invitations[row.id] = row
            elif isinstance(row, DepositChallenge):
                self.deposits.append(row)
            else:
                raise TypeError(f"the fake keeps no {type(row).__name__}")

    async def flush(self) -> None:
        return None

    async def envelope(self, envelope_id: str, *, lock: bool = False) -> Envelope | None:
        return self.items.get(envelope_id)

    async def open_envelopes_of(self, contract_id: str) -> list[Envelope]:
        return [
            e
            for e in self.items.values()
            if e.contract_id == contract_id and e.status == EnvelopeStatus.PREPARED
        ]

    async def signers(self, envelope_id: str) -> list[EnvelopeSigner]:
        rows = [s for s in self.signer_rows.values() if s.envelope_id == envelope_id]
        return sorted(rows, key=lambda s: s.position)

    async def signer(self, signer_row_id: str) -> EnvelopeSigner | None:
        return self.signer_rows.get(signer_row_id)

    async def invitation(self, invitation_id: str) -> Invitation | None:
        return self.invitations.get(invitation_id)

    async def invitation_by_token(self, token: str) -> Invitation | None:
        digest = hashlib.sha256(token.encode()).hexdigest()
        return next((i for i in self.invitations.values() if i.token_hash == digest), None)

    async def void_invitations(self, *, signer_row_id: str, now: datetime) -> int:
        live = [
            i
            for i in self.invitations.values()
            if i.signer_row_id == signer_row_id and i.voided_at is None
        ]
        for i in live:
            i.voided_at = now
        return len(live)

    async def deposits_sent(self, *, credit_code: str, day: str) -> int:
        return sum(1 for d in self.deposits if d.credit_code == credit_code and d.day == day)

    async def latest_deposit(self, signer_row_id: str) -> DepositChallenge | None:
        mine = [d for d in self.deposits if d.signer_row_id == signer_row_id]
        return mine[-1] if mine else None

    async def void_open_deposits(self, *, credit_code: str) -> None:
        for d in self.deposits:
            if d.credit_code == credit_code and d.status == ChallengeStatus.OPEN:
                d.status = ChallengeStatus.VOIDED

    async def lock_credit_code(self, credit_code: str) -> None:
        self.locked_credit_codes.append(credit_code)

    async def store_document(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        self.documents[digest] = data
        return digest

    async def document(self, sha256: str) -> Document | None:
        data = self.documents.get(sha256)
        return None if data is None else Document(sha256=sha256, size=len(data), data=data)

    async def identity_failures(
        self, *, envelope_id: str, signer_id: str, action: str, since: datetime
    ) -> list[datetime]:
        return [t for t in self.identity_failure_times if t >= since]
