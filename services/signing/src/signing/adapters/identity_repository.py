"""Queries of signing intent codes and H5 face-check sessions; never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from ..domain.states import ChallengeStatus
from .tables import FaceSession, IntentChallenge


class IdentityRepository:
    """Read and stage intent challenges and face sessions."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, *rows: object) -> None:
        """Stage new rows."""
        self.session.add_all(rows)

    async def flush(self) -> None:
        """Send staged rows to the database."""
        await self.session.flush()

    async def latest_intent(self, signer_row_id: str) -> IntentChallenge | None:
        """Return the signer's most recent intent code."""
        stmt = (
            select(IntentChallenge)
            .where(col(IntentChallenge.signer_row_id) == signer_row_id)
            .order_by(col(IntentChallenge.created_at).desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def intents_since(self, signer_row_id: str, since: datetime) -> int:
        """Count the codes sent to a signer since `since`."""
        stmt = (
            select(func.count())
            .select_from(IntentChallenge)
            .where(
                col(IntentChallenge.signer_row_id) == signer_row_id,
                col(IntentChallenge.created_at) >= since,
            )
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def void_open_intents(self, signer_row_id: str) -> None:
        """Void the signer's codes not yet used (a new code replaces them)."""
        stmt = (
            update(IntentChallenge)
            .where(
                col(IntentChallenge.signer_row_id) == signer_row_id,
                col(IntentChallenge.status).in_((ChallengeStatus.OPEN, ChallengeStatus.CONFIRMED)),
            )
            .values(status=ChallengeStatus.VOIDED)
        )
        await self.session.execute(stmt)

    async def face_session(self, provider_ref: str, *, lock: bool = False) -> FaceSession | None:
        """Return the face session the provider knows by `provider_ref`."""
        stmt = select(FaceSession).where(col(FaceSession.provider_ref) == provider_ref)
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def latest_face_session(self, signer_row_id: str) -> FaceSession | None:
        """Return the signer's most recent face session."""
        stmt = (
            select(FaceSession)
            .where(col(FaceSession.signer_row_id) == signer_row_id)
            .order_by(col(FaceSession.created_at).desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()
