"""The lawyer's follow-up of pending signers: live links and reminders (gateway JWT)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field
from servicekit.app import UowDep
from servicekit.auth import CurrentUser

from ..service_layer import reminders
from .deps import Deps, SettingsDep

router = APIRouter(prefix="/api/signing/envelopes/{envelope_id}/invitations", tags=["signing"])


class LiveInvitationPublic(BaseModel):
    """A pending signer's live link (never the link itself) and its reminders."""

    invitation_id: str
    signer_id: str
    signer_status: str
    created_at: datetime
    created_by_name: str | None
    expires_at: datetime
    reminders: int
    last_reminded_at: datetime | None
    next_reminder_at: datetime | None = Field(description="the remind button works from then on")


class LiveInvitationsPublic(BaseModel):
    data: list[LiveInvitationPublic]
    count: int


@router.get("", response_model=LiveInvitationsPublic)
async def live_invitations(
    envelope_id: str, uow: UowDep, user: CurrentUser, settings: SettingsDep
) -> LiveInvitationsPublic:
    """List each signer's live invitation: expiry, reminders sent, when the next may go."""
    views = await reminders.live_invitations(
        uow, user=user, settings=settings, envelope_id=envelope_id
    )
    data = [
        LiveInvitationPublic(
            invitation_id=v.invitation.id,
            signer_id=v.signer.signer_id,
            signer_status=v.signer.status,
            created_at=v.invitation.created_at,
            created_by_name=v.invitation.created_by_name,
            expires_at=v.invitation.expires_at,
            reminders=v.invitation.reminders,
            last_reminded_at=v.invitation.last_reminded_at,
            next_reminder_at=v.next_reminder_at,
        )
        for v in views
    ]
    return LiveInvitationsPublic(data=data, count=len(data))


@router.post("/{invitation_id}/remind", response_model=LiveInvitationPublic)
async def remind(
    envelope_id: str,
    invitation_id: str,
    uow: UowDep,
    user: CurrentUser,
    deps: Deps,
) -> LiveInvitationPublic:
    """Re-send the invitation notice by SMS to a pending signer; the link stays the same."""
    inv, signer = await reminders.remind(
        uow,
        user=user,
        settings=deps.settings,
        links=deps.links,
        envelope_id=envelope_id,
        invitation_id=invitation_id,
    )
    last = inv.last_reminded_at
    return LiveInvitationPublic(
        invitation_id=inv.id,
        signer_id=signer.signer_id,
        signer_status=signer.status,
        created_at=inv.created_at,
        created_by_name=inv.created_by_name,
        expires_at=inv.expires_at,
        reminders=inv.reminders,
        last_reminded_at=last,
        next_reminder_at=None if last is None else last + reminders.interval(deps.settings),
    )
