"""What the signer's page shows beyond the document: who asks, deposit, intent, face check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from servicekit.db import utcnow
from servicekit.uow import UnitOfWork

from ..adapters.identity_repository import IdentityRepository
from ..adapters.repository import SigningRepository
from ..domain import attempts, model
from ..domain.states import ChallengeStatus, SignerStatus
from . import intent
from .invitations import SignerSession


@dataclass(frozen=True)
class DepositView:
    """The enterprise's micro-deposit as its page shows it."""

    status: str  # none | open | voided | confirmed | failed
    sent_at: datetime | None
    expires_at: datetime | None
    attempts_left: int
    sent_today: int
    daily_limit: int
    # the amount, only when the sandbox bank "sent" it: the sandbox bank notice
    sandbox_amount: str | None


@dataclass(frozen=True)
class SignerView:
    """Everything the signer's page needs besides the pages."""

    deposit: DepositView | None
    intent: intent.IntentState | None
    face_status: str | None  # none | open | passed | failed (individuals)
    can_decline: bool


async def signer_view(uow: UnitOfWork, s: SignerSession) -> SignerView:
    """Return the signer's progress as their page shows it."""
    sig, envelope = s.signer, s.envelope
    deposit = None
    if sig.kind == model.ENTERPRISE:
        repo = uow.repo(SigningRepository)
        latest = await repo.latest_deposit(sig.id)
        day = model.shanghai_day(utcnow()).isoformat()
        deposit = DepositView(
            status=latest.status if latest else "none",
            sent_at=latest.created_at if latest else None,
            expires_at=latest.expires_at if latest else None,
            attempts_left=attempts.DEPOSIT.left(latest) if latest else attempts.DEPOSIT.max_wrong,
            sent_today=await repo.deposits_sent(credit_code=sig.id_number.upper(), day=day),
            daily_limit=model.DEPOSIT_DAILY_LIMIT,
            sandbox_amount=f"{latest.amount_fen / 100:.2f}"
            if latest and latest.sandbox and latest.status == ChallengeStatus.OPEN
            else None,
        )
    face_status = None
    if sig.kind == model.INDIVIDUAL:
        face = await uow.repo(IdentityRepository).latest_face_session(sig.id)
        face_status = face.status if face else "none"
    intent_state = await intent.state(uow, sig) if sig.status == model.VERIFIED else None
    open_link = s.invitation.voided_at is None and s.invitation.expires_at > utcnow()
    can_decline = (
        envelope.status == model.PREPARED
        and sig.status not in (model.SIGNED, SignerStatus.DECLINED)
    ) and open_link
    return SignerView(
        deposit=deposit, intent=intent_state, face_status=face_status, can_decline=can_decline
    )
