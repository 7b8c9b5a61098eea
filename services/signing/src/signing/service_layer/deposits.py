"""Use cases of the enterprise micro-deposit: send a random amount, check it back."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

from servicekit.db import utcnow
from servicekit.uow import Actor, UnitOfWork

from ..adapters.pki import Pki
from ..adapters.providers import BankTransferProvider, ProviderUnavailable
from ..adapters.repository import SigningRepository
from ..adapters.tables import DepositChallenge, EnvelopeSigner
from ..domain import attempts, errors, model
from ..domain.states import ChallengeStatus
from .identity import ID_CHECKED, mark_verified, require_kind
from .invitations import open_session
from .wrong_entry import refuse_wrong_entry

log = logging.getLogger("signing.deposits")


async def request_deposit(
    uow: UnitOfWork, *, token: str, actor: Actor, bank: BankTransferProvider
) -> DepositChallenge:
    """Send a new random amount (0.01-0.99 yuan) to the company account; void the previous."""
    s = await open_session(uow, token=token, actor=actor, action="deposit_request", lock=True)
    require_kind(s.signer, model.ENTERPRISE)
    if s.signer.status != ID_CHECKED:
        raise errors.EnterpriseDetailsFirst()
    repo = uow.repo(SigningRepository)
    code = s.signer.id_number.upper()
    await repo.lock_credit_code(code)
    now = utcnow()
    day = model.shanghai_day(now).isoformat()
    model.ensure_deposit_quota(await repo.deposits_sent(credit_code=code, day=day), now=now)
    await repo.void_open_deposits(credit_code=code)
    amount = secrets.randbelow(99) + 1
    if bank.sandbox:
        log.warning("SANDBOX bank provider in use: no real transfer for envelope %s", s.envelope.id)
    try:
        transfer = await bank.send(
            account_name=s.signer.name,
            account_number=s.signer.bank_account_number or "",
            amount_fen=amount,
        )
    except ProviderUnavailable as exc:
        raise errors.BankTransferUnavailable() from exc
    challenge = DepositChallenge(
        signer_row_id=s.signer.id,
        credit_code=code,
        day=day,
        amount_fen=amount,
        provider_ref=transfer.reference,
        sandbox=bank.sandbox,
        expires_at=now + model.DEPOSIT_TTL,
    )
    repo.add(challenge)
    s.envelope.record_audit(
        actor=actor,
        action="deposit.sent",
        after={
            "signer_id": s.signer.signer_id,
            "provider_ref": transfer.reference,
            "sandbox": bank.sandbox,
        },
    )
    await uow.commit()
    return challenge


async def confirm_deposit(
    uow: UnitOfWork, *, token: str, actor: Actor, pki: Pki, amount: str
) -> EnvelopeSigner:
    """Check the amount the company received; on success issue its certificate."""
    fen = model.parse_deposit_amount(amount)
    s = await open_session(uow, token=token, actor=actor, action="deposit_confirm", lock=True)
    require_kind(s.signer, model.ENTERPRISE)
    repo = uow.repo(SigningRepository)
    challenge = await repo.latest_deposit(s.signer.id)
    now: datetime = utcnow()
    if challenge is None:
        raise errors.DepositNotRequested()
    if challenge.status in (ChallengeStatus.VOIDED, ChallengeStatus.FAILED):
        raise errors.DepositVoided()
    if challenge.expires_at < now:
        challenge.status = ChallengeStatus.VOIDED
        await uow.commit()
        raise errors.DepositExpired()
    if challenge.status != ChallengeStatus.OPEN:
        raise errors.AlreadyVerified()
    if fen != challenge.amount_fen:
        await refuse_wrong_entry(
            uow,
            s,
            challenge,
            limit=attempts.DEPOSIT,
            actor=actor,
            action="deposit.wrong_amount",
            voided=errors.DepositVoidedByEntries,
            wrong=errors.DepositWrongAmount,
        )
    challenge.status = ChallengeStatus.CONFIRMED
    await mark_verified(uow, s, pki=pki, method="micro_deposit", sandbox=challenge.sandbox)
    return s.signer
