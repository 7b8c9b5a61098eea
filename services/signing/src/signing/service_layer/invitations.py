"""Use cases of invitations: create (owner), resolve a token (signer), decline."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from lexseal_events import Declined, DeclinedData, InvitationCreated, InvitationCreatedData
from servicekit.auth import Principal
from servicekit.db import utcnow
from servicekit.uow import Actor, UnitOfWork

from ..adapters.link_cipher import LinkCipher
from ..adapters.repository import SigningRepository
from ..adapters.tables import Envelope, EnvelopeSigner, Invitation
from ..config import Settings
from ..domain import errors, model
from ..domain.states import SignerStatus
from .envelopes import visible_envelope


@dataclass(frozen=True)
class SignerSession:
    """What a valid token gives access to."""

    invitation: Invitation
    envelope: Envelope
    signer: EnvelopeSigner


async def create_invitation(
    uow: UnitOfWork,
    *,
    user: Principal,
    settings: Settings,
    links: LinkCipher,
    envelope_id: str,
    signer_id: str,
) -> tuple[Invitation, str]:
    """Issue a new link for one counterparty signer, voiding their previous one."""
    envelope = await visible_envelope(uow, user=user, envelope_id=envelope_id, lock=True)
    if envelope.owner_id != user.id:
        raise errors.OwnerOnly()
    model.ensure_open(envelope.status)
    repo = uow.repo(SigningRepository)
    signer = next((s for s in await repo.signers(envelope.id) if s.signer_id == signer_id), None)
    if signer is None or signer.kind == model.FIRM:
        raise errors.SignerNotFound()
    if signer.status == model.SIGNED:
        raise errors.SignerAlreadySigned()
    now = utcnow()
    voided = await repo.void_invitations(signer_row_id=signer.id, now=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        envelope_id=envelope.id,
        signer_row_id=signer.id,
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        url=links.encrypt(invitation_url(settings, token)),
        created_by=user.id,
        created_by_name=user.display_name or user.username,
        expires_at=min(now + timedelta(hours=settings.invitation_ttl_hours), envelope.expires_at),
    )
    repo.add(invitation)
    await repo.flush()
    envelope.record_audit(
        actor=user.actor,
        action="invitation.created",
        after={
            "invitation_id": invitation.id,
            "signer_id": signer.signer_id,
            "voided_previous": voided,
            "expires_at": invitation.expires_at,
        },
    )
    envelope.record_event(
        InvitationCreated(
            source=uow.source,
            subject=envelope.id,
            data=InvitationCreatedData(
                envelope_id=envelope.id,
                contract_id=envelope.contract_id,
                owner_id=envelope.owner_id,
                signer_id=signer.signer_id,
                signer_name=signer.name,
                expires_at=invitation.expires_at,
                invited_by_name=invitation.created_by_name,
            ),
        )
    )
    await uow.commit()
    return invitation, invitation_url(settings, token)


def invitation_url(settings: Settings, token: str) -> str:
    """Return the signer's public link for a token."""
    return f"{settings.public_base_url}/sign/{token}"


async def own_invitation(
    uow: UnitOfWork, *, user: Principal, envelope_id: str, invitation_id: str
) -> Invitation:
    """Return an invitation of an envelope the caller owns."""
    envelope = await visible_envelope(uow, user=user, envelope_id=envelope_id)
    invitation = await uow.repo(SigningRepository).invitation(invitation_id)
    if invitation is None or invitation.envelope_id != envelope.id or envelope.owner_id != user.id:
        raise errors.InvitationNotFound()
    return invitation


async def open_session(
    uow: UnitOfWork,
    *,
    token: str,
    actor: Actor,
    action: str,
    lock: bool = False,
    allow_closed: bool = False,
) -> SignerSession:
    """Resolve a token to its signer, audit the use, and refuse void, expired or ended links."""
    repo = uow.repo(SigningRepository)
    invitation = await repo.invitation_by_token(token)
    if invitation is None:
        raise errors.InvitationNotFound()
    envelope = await repo.envelope(invitation.envelope_id, lock=lock)
    signer = await repo.signer(invitation.signer_row_id)
    if envelope is None or signer is None:
        raise errors.InvitationNotFound()
    envelope.record_audit(
        actor=actor,
        action=f"token.{action}",
        after={"invitation_id": invitation.id, "signer_id": signer.signer_id},
    )
    if invitation.voided_at is not None:
        await uow.commit()
        raise errors.InvitationVoided(
            "This link was replaced by a newer one; ask the lawyer for the new link",
            "此链接已被新的邀请替代，请向律师索取新链接",
        )
    if not allow_closed:
        if invitation.expires_at < utcnow():
            await uow.commit()
            raise errors.InvitationExpired()
        if envelope.status != model.PREPARED:
            await uow.commit()
            model.ensure_open(envelope.status)
    return SignerSession(invitation=invitation, envelope=envelope, signer=signer)


async def decline(uow: UnitOfWork, *, token: str, actor: Actor, reason: str) -> Envelope:
    """End the envelope because a signer declines, and tell the lawyer."""
    session = await open_session(uow, token=token, actor=actor, action="decline", lock=True)
    envelope, signer = session.envelope, session.signer
    if signer.status == model.SIGNED:
        raise errors.SignerAlreadySigned("You have already signed", "您已签章，不能拒签")
    envelope.status = model.DECLINED
    envelope.ended_reason = reason
    envelope.version += 1
    signer.status = SignerStatus.DECLINED
    envelope.record_audit(
        actor=actor,
        action="envelope.declined",
        before={"status": model.PREPARED},
        after={"status": model.DECLINED, "signer_id": signer.signer_id, "reason": reason},
    )
    envelope.record_event(
        Declined(
            source=uow.source,
            subject=envelope.id,
            data=DeclinedData(
                envelope_id=envelope.id,
                contract_id=envelope.contract_id,
                owner_id=envelope.owner_id,
                signer_id=signer.signer_id,
                signer_name=signer.name,
                reason=reason,
            ),
        )
    )
    await uow.commit()
    return envelope
