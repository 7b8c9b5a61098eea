"""Use cases of the hosted (H5) face check: open a session, accept the signed callback."""

from __future__ import annotations

import logging
from datetime import timedelta

from servicekit.db import utcnow
from servicekit.uow import SYSTEM, Actor, UnitOfWork

from ..adapters.identity_repository import IdentityRepository
from ..adapters.pki import Pki
from ..adapters.providers import (
    CallbackRejected,
    FaceCallback,
    FaceSessionProvider,
    ProviderUnavailable,
    SandboxFaceSessions,
)
from ..adapters.repository import SigningRepository
from ..adapters.tables import FaceSession
from ..config import Settings
from ..domain import errors, model
from ..domain.states import FaceStatus
from .identity import ID_CHECKED, mark_verified, require_kind
from .invitations import SignerSession, invitation_url, open_session

log = logging.getLogger("signing.face")

SESSION_TTL = timedelta(minutes=30)
CALLBACK_PATH = "/sign/face/callback"


async def start_session(
    uow: UnitOfWork,
    *,
    token: str,
    actor: Actor,
    provider: FaceSessionProvider,
    settings: Settings,
) -> str:
    """Open a face-check session at the provider; return where to send the signer."""
    s = await open_session(uow, token=token, actor=actor, action="face_start", lock=True)
    require_kind(s.signer, model.INDIVIDUAL)
    if s.signer.status != ID_CHECKED:
        raise errors.IdCheckFirst()
    base = settings.public_base_url.rstrip("/")
    try:
        started = await provider.start(
            name=s.signer.name,
            id_number=s.signer.id_number,
            return_url=invitation_url(settings, token),
            callback_url=base + CALLBACK_PATH,
        )
    except ProviderUnavailable as exc:
        raise errors.FaceCheckUnavailable() from exc
    now = utcnow()
    uow.repo(IdentityRepository).add(
        FaceSession(
            signer_row_id=s.signer.id,
            invitation_id=s.invitation.id,
            provider_ref=started.reference,
            sandbox=provider.sandbox,
            created_at=now,
            expires_at=now + SESSION_TTL,
        )
    )
    s.envelope.record_audit(
        actor=actor,
        action="face.session_started",
        after={
            "signer_id": s.signer.signer_id,
            "reference": started.reference,
            "sandbox": provider.sandbox,
        },
    )
    await uow.commit()
    return started.redirect_url


async def accept_callback(
    uow: UnitOfWork,
    *,
    provider: FaceSessionProvider,
    pki: Pki,
    body: bytes,
    signature: str | None,
) -> FaceSession:
    """Check the provider's signed callback and apply its result (once)."""
    try:
        result = provider.check(body=body, signature=signature)
    except CallbackRejected as exc:
        log.warning("face callback refused: %s", exc)
        raise errors.FaceCallbackRejected() from exc
    ids = uow.repo(IdentityRepository)
    face = await ids.face_session(result.reference, lock=True)
    if face is None:
        raise errors.FaceSessionNotFound()
    if face.status != FaceStatus.OPEN:
        # the first answer stands. A provider retries a callback whose answer it lost (and on
        # any non-2xx), so the same result again is acknowledged as it was, with no second
        # effect; a different result for an answered session is refused and changes nothing.
        if _same_answer(face, result):
            return face
        raise errors.FaceCallbackReplayed(details={"status": face.status})
    repo = uow.repo(SigningRepository)
    invitation = await repo.invitation(face.invitation_id)
    signer = await repo.signer(face.signer_row_id)
    envelope = await repo.envelope(signer.envelope_id, lock=True) if signer else None
    if invitation is None or signer is None or envelope is None:
        raise errors.FaceSessionNotFound()
    face.status = FaceStatus.PASSED if result.passed else FaceStatus.FAILED
    face.reason, face.completed_at = result.reason, utcnow()
    envelope.record_audit(
        actor=SYSTEM,
        action="verify.face",
        after={
            "signer_id": signer.signer_id,
            "passed": result.passed,
            "reference": result.reference,
            "sandbox": face.sandbox,
            "flow": "h5_callback",
        },
    )
    usable = (
        result.passed
        and signer.status == ID_CHECKED
        and envelope.status == model.PREPARED
        and face.expires_at > utcnow()
    )
    if not usable:
        await uow.commit()
        return face
    session = SignerSession(invitation=invitation, envelope=envelope, signer=signer)
    await mark_verified(uow, session, pki=pki, method="face", sandbox=face.sandbox)
    return face


def _same_answer(face: FaceSession, result: FaceCallback) -> bool:
    """Whether a callback carries the result already applied to its session."""
    status = FaceStatus.PASSED if result.passed else FaceStatus.FAILED
    return face.status == status and face.reason == result.reason


def sandbox_of(provider: FaceSessionProvider) -> SandboxFaceSessions:
    """Return the sandbox face provider, or answer 404 when a real one is configured."""
    if not isinstance(provider, SandboxFaceSessions):
        raise errors.SandboxNotFound()
    return provider
