"""Use cases of signing intent (意愿认证): an SMS one-time code confirmed just before signing."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cnid import mask_mobile
from lexseal_events import SmsRequested, SmsRequestedData
from servicekit.db import utcnow
from servicekit.uow import Actor, UnitOfWork

from ..adapters.identity_repository import IdentityRepository
from ..adapters.tables import EnvelopeSigner, IntentChallenge
from ..domain import attempts, errors, intent, model
from ..domain.states import ChallengeStatus
from .invitations import SignerSession, open_session
from .wrong_entry import refuse_wrong_entry


@dataclass(frozen=True)
class IntentState:
    """What the signer's page shows of the current code."""

    status: str  # none | open | confirmed | voided | failed | expired | used
    mobile_masked: str | None
    expires_at: datetime | None
    attempts_left: int
    resend_at: datetime | None
    sandbox_code: str | None


def _masked(signer: EnvelopeSigner) -> str:
    return mask_mobile(signer.mobile) if signer.mobile else ""


def _ready(s: SignerSession) -> None:
    if s.signer.status == model.SIGNED:
        raise errors.SignerAlreadySigned("You have already signed", "您已签章")
    if s.signer.status != model.VERIFIED:
        raise errors.IdentityNotVerified()
    if not s.signer.mobile:
        raise errors.MobileMissing()


async def request_code(
    uow: UnitOfWork, *, token: str, actor: Actor, sandbox: bool
) -> IntentChallenge:
    """Send a new 6-digit code to the signer's verified mobile (voids any earlier code)."""
    s = await open_session(uow, token=token, actor=actor, action="intent_request", lock=True)
    _ready(s)
    repo = uow.repo(IdentityRepository)
    now = utcnow()
    last = await repo.latest_intent(s.signer.id)
    intent.ensure_can_send(
        last_sent=last.created_at if last else None,
        sent_24h=await repo.intents_since(s.signer.id, now - timedelta(hours=24)),
        now=now,
    )
    await repo.void_open_intents(s.signer.id)
    code = f"{secrets.randbelow(10**intent.CODE_DIGITS):0{intent.CODE_DIGITS}d}"
    challenge = IntentChallenge(
        signer_row_id=s.signer.id,
        code_hash="",
        mobile_masked=_masked(s.signer),
        sandbox=sandbox,
        sandbox_code=code if sandbox else None,
        created_at=now,
        expires_at=now + intent.CODE_TTL,
    )
    challenge.code_hash = intent.code_hash(challenge.id, code)
    repo.add(challenge)
    s.envelope.record_audit(
        actor=actor,
        action="intent_code_sent",
        after={
            "signer_id": s.signer.signer_id,
            "method": intent.METHOD,
            "mobile": challenge.mobile_masked,
            "sandbox": sandbox,
        },
    )
    s.envelope.record_event(
        SmsRequested(
            source=uow.source,
            subject=s.envelope.id,
            data=SmsRequestedData(
                envelope_id=s.envelope.id,
                to=s.signer.mobile or "",
                text=intent.sms_text(code=code, title=s.envelope.title),
                purpose="intent_code",
            ),
        )
    )
    await uow.commit()
    return challenge


async def confirm_code(uow: UnitOfWork, *, token: str, actor: Actor, code: str) -> IntentChallenge:
    """Check the code the signer typed; five wrong entries void it."""
    s = await open_session(uow, token=token, actor=actor, action="intent_confirm", lock=True)
    _ready(s)
    challenge = await uow.repo(IdentityRepository).latest_intent(s.signer.id)
    now = utcnow()
    if challenge is None or challenge.status in (ChallengeStatus.VOIDED, ChallengeStatus.USED):
        raise errors.IntentCodeNotRequested()
    if challenge.status == ChallengeStatus.FAILED:
        raise errors.IntentCodeVoided(details={"attempts_left": 0})
    if challenge.status == ChallengeStatus.CONFIRMED:
        if not intent.code_matches(challenge.id, code, challenge.code_hash):
            raise errors.IntentCodeWrong()
        return challenge  # the same code again (a seal moved after a refusal): still confirmed
    if challenge.expires_at < now:
        challenge.status = ChallengeStatus.VOIDED
        await uow.commit()
        raise errors.IntentCodeExpired()
    if not intent.code_matches(challenge.id, code, challenge.code_hash):
        await refuse_wrong_entry(
            uow,
            s,
            challenge,
            limit=attempts.INTENT_CODE,
            actor=actor,
            action="intent_code_wrong",
            voided=errors.IntentCodeVoidedByEntries,
            wrong=errors.IntentCodeWrongLeft,
        )
    challenge.status, challenge.confirmed_at = ChallengeStatus.CONFIRMED, now
    s.envelope.record_audit(
        actor=actor,
        action="intent_confirmed",
        after={
            "signer_id": s.signer.signer_id,
            "method": intent.METHOD,
            "mobile": challenge.mobile_masked,
            "challenge_id": challenge.id,
            "sandbox": challenge.sandbox,
        },
    )
    await uow.commit()
    return challenge


async def consume(uow: UnitOfWork, s: SignerSession) -> IntentChallenge:
    """Use the signer's confirmed code for the signature being applied (once)."""
    challenge = await uow.repo(IdentityRepository).latest_intent(s.signer.id)
    now = utcnow()
    if (
        challenge is None
        or challenge.status != ChallengeStatus.CONFIRMED
        or challenge.confirmed_at is None
        or now - challenge.confirmed_at > intent.CONFIRMED_VALID
    ):
        raise errors.IntentNotConfirmed()
    challenge.status = ChallengeStatus.USED
    return challenge


async def state(uow: UnitOfWork, signer: EnvelopeSigner) -> IntentState:
    """Return the signer's current code as the page shows it (never the code of a real SMS)."""
    c = await uow.repo(IdentityRepository).latest_intent(signer.id)
    if c is None:
        return IntentState("none", _masked(signer) or None, None, intent.MAX_ATTEMPTS, None, None)
    status: str = c.status
    if status == ChallengeStatus.OPEN and c.expires_at < utcnow():
        status = "expired"
    return IntentState(
        status=status,
        mobile_masked=c.mobile_masked or None,
        expires_at=c.expires_at,
        attempts_left=attempts.INTENT_CODE.left(c),
        resend_at=c.created_at + intent.RESEND_AFTER,
        sandbox_code=c.sandbox_code if status == ChallengeStatus.OPEN else None,
    )
