"""Use cases of reminders: re-send a pending signer's invitation notice, never a new link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cnid import mask_mobile
from lexseal_events import SmsRequested, SmsRequestedData
from servicekit.auth import Principal
from servicekit.db import utcnow
from servicekit.uow import SYSTEM, Actor, UnitOfWork

from ..adapters.invitation_repository import InvitationRepository
from ..adapters.link_cipher import LinkCipher
from ..adapters.repository import SigningRepository
from ..adapters.tables import Envelope, EnvelopeSigner, Invitation
from ..config import Settings
from ..domain import errors, model
from ..domain.states import SignerStatus
from .envelopes import visible_envelope


@dataclass(frozen=True)
class InvitationView:
    """A signer's live link as the lawyer follows it up."""

    invitation: Invitation
    signer: EnvelopeSigner
    next_reminder_at: datetime | None  # when the remind button works again (None: now)


def _text(*, settings: Settings, envelope: Envelope, invitation: Invitation, url: str) -> str:
    until = invitation.expires_at.astimezone(model.SHANGHAI).strftime("%Y-%m-%d %H:%M")
    sender = invitation.created_by_name or settings.firm_name
    return (
        f"【{settings.firm_name}】{sender} 提醒您签署《{envelope.title}》，"
        f"请在 {until}（北京时间）前打开 {url} 完成签署。"
    )


def interval(settings: Settings) -> timedelta:
    """Return the least time between two reminders of one link."""
    return timedelta(minutes=settings.reminder_min_interval_minutes)


async def live_invitations(
    uow: UnitOfWork, *, user: Principal, settings: Settings, envelope_id: str
) -> list[InvitationView]:
    """Return each pending signer's live link, with when it may next be reminded."""
    envelope = await visible_envelope(uow, user=user, envelope_id=envelope_id)
    repo = uow.repo(SigningRepository)
    signers = {s.id: s for s in await repo.signers(envelope.id)}
    seen: set[str] = set()
    out = []
    for inv in await uow.repo(InvitationRepository).live_of(envelope.id):
        if inv.signer_row_id in seen or inv.signer_row_id not in signers:
            continue
        seen.add(inv.signer_row_id)
        nxt = inv.last_reminded_at + interval(settings) if inv.last_reminded_at else None
        out.append(InvitationView(inv, signers[inv.signer_row_id], nxt))
    return out


def _send(
    uow: UnitOfWork,
    *,
    settings: Settings,
    links: LinkCipher,
    envelope: Envelope,
    signer: EnvelopeSigner,
    invitation: Invitation,
    actor: Actor,
    automatic: bool,
) -> None:
    url = links.decrypt(invitation.url)
    invitation.reminders += 1
    invitation.last_reminded_at = utcnow()
    envelope.record_audit(
        actor=actor,
        action="invitation.reminded",
        after={
            "invitation_id": invitation.id,
            "signer_id": signer.signer_id,
            "mobile": mask_mobile(signer.mobile or ""),
            "automatic": automatic,
            "reminders": invitation.reminders,
        },
    )
    envelope.record_event(
        SmsRequested(
            source=uow.source,
            subject=envelope.id,
            data=SmsRequestedData(
                envelope_id=envelope.id,
                to=signer.mobile or "",
                text=_text(settings=settings, envelope=envelope, invitation=invitation, url=url),
                purpose="reminder",
            ),
        )
    )


async def remind(
    uow: UnitOfWork,
    *,
    user: Principal,
    settings: Settings,
    links: LinkCipher,
    envelope_id: str,
    invitation_id: str,
) -> tuple[Invitation, EnvelopeSigner]:
    """Re-send the invitation notice to a pending signer (the same link), at most so often."""
    envelope = await visible_envelope(uow, user=user, envelope_id=envelope_id, lock=True)
    if envelope.owner_id != user.id:
        raise errors.OwnerOnly(
            "Only the lawyer who owns the contract can remind signers", "仅合同所属律师可提醒签署方"
        )
    model.ensure_open(envelope.status)
    repo = uow.repo(SigningRepository)
    invitation = await repo.invitation(invitation_id)
    if invitation is None or invitation.envelope_id != envelope.id:
        raise errors.InvitationNotFound()
    signer = await repo.signer(invitation.signer_row_id)
    if signer is None:
        raise errors.InvitationNotFound()
    now = utcnow()
    if invitation.voided_at is not None or invitation.expires_at < now:
        raise errors.InvitationNotLive()
    if signer.status in (model.SIGNED, SignerStatus.DECLINED):
        raise errors.SignerAlreadySigned()
    if not signer.mobile:
        raise errors.MobileMissing(
            "No mobile number is on file for this signer", "未登记该签章人的手机号"
        )
    if invitation.last_reminded_at and now - invitation.last_reminded_at < interval(settings):
        wait = invitation.last_reminded_at + interval(settings) - now
        minutes = int(wait.total_seconds() // 60) + 1
        raise errors.TooManyRequests(
            f"A reminder was sent recently; remind again in {minutes} min",
            f"刚刚已提醒过，请 {minutes} 分钟后再提醒",
            code="reminder_too_soon",
            details={"retry_after_seconds": int(wait.total_seconds()) + 1},
        )
    _send(
        uow,
        settings=settings,
        links=links,
        envelope=envelope,
        signer=signer,
        invitation=invitation,
        actor=user.actor,
        automatic=False,
    )
    await uow.commit()
    return invitation, signer


async def remind_due(uow: UnitOfWork, *, settings: Settings, links: LinkCipher) -> int:
    """Remind once every pending signer whose link expires within the configured hours."""
    hours = settings.auto_reminder_hours_before_expiry
    if hours <= 0:
        return 0
    now = utcnow()
    due = await uow.repo(InvitationRepository).due_reminder(
        now=now, before_expiry_until=now + timedelta(hours=hours)
    )
    repo = uow.repo(SigningRepository)
    for invitation in due:
        envelope = await repo.envelope(invitation.envelope_id)
        signer = await repo.signer(invitation.signer_row_id)
        if envelope is None or signer is None:
            continue
        _send(
            uow,
            settings=settings,
            links=links,
            envelope=envelope,
            signer=signer,
            invitation=invitation,
            actor=SYSTEM,
            automatic=True,
        )
    if due:
        await uow.commit()
    return len(due)
