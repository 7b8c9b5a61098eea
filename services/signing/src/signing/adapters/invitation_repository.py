"""Queries of invitations as the lawyer follows them up (reminders); never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from ..domain.states import EnvelopeStatus, SignerStatus
from .tables import Envelope, EnvelopeSigner, Invitation


class InvitationRepository:
    """Read the live invitations of envelopes, and those due an automatic reminder."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def live_of(self, envelope_id: str) -> list[Invitation]:
        """Return the envelope's invitations that were not replaced, newest first."""
        stmt = (
            select(Invitation)
            .where(col(Invitation.envelope_id) == envelope_id, col(Invitation.voided_at).is_(None))
            .order_by(col(Invitation.created_at).desc())
        )
        return list((await self.session.execute(stmt)).scalars())

    async def due_reminder(
        self, *, now: datetime, before_expiry_until: datetime, limit: int = 50
    ) -> list[Invitation]:
        """Return live invitations of open envelopes expiring soon and never reminded (locked)."""
        stmt = (
            select(Invitation)
            .join(Envelope, col(Envelope.id) == col(Invitation.envelope_id))
            .join(EnvelopeSigner, col(EnvelopeSigner.id) == col(Invitation.signer_row_id))
            .where(
                col(Invitation.voided_at).is_(None),
                col(Invitation.reminders) == 0,
                col(Invitation.expires_at) > now,
                col(Invitation.expires_at) <= before_expiry_until,
                col(Envelope.status) == EnvelopeStatus.PREPARED,
                col(EnvelopeSigner.status).not_in((SignerStatus.SIGNED, SignerStatus.DECLINED)),
                col(EnvelopeSigner.mobile).is_not(None),
            )
            .limit(limit)
            .with_for_update(of=Invitation, skip_locked=True)
        )
        return list((await self.session.execute(stmt)).scalars())
